/* Control channel over a Unix stream socket, with SCM_RIGHTS fd passing. */
#include "transport/channel.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static int unix_send(struct vt_channel *ch, const struct iovec *iov_in, int iovcnt, int fd)
{
    struct iovec iov[8];
    if (iovcnt <= 0 || iovcnt > 8)
        return -EINVAL;
    memcpy(iov, iov_in, sizeof(*iov) * (size_t)iovcnt);

    union {
        struct cmsghdr hdr;
        char buf[CMSG_SPACE(sizeof(int))];
    } control;
    bool fd_pending = fd >= 0;
    int first = 0;
    while (first < iovcnt) {
        struct msghdr msg = {.msg_iov = iov + first, .msg_iovlen = (size_t)(iovcnt - first)};
        if (fd_pending) {
            memset(&control, 0, sizeof(control));
            msg.msg_control = control.buf;
            msg.msg_controllen = sizeof(control.buf);
            struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
            cmsg->cmsg_level = SOL_SOCKET;
            cmsg->cmsg_type = SCM_RIGHTS;
            cmsg->cmsg_len = CMSG_LEN(sizeof(int));
            memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
        }
        ssize_t n = sendmsg(ch->fd, &msg, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        fd_pending = false;
        /* Advance over what was written. */
        size_t done = (size_t)n;
        while (first < iovcnt && done >= iov[first].iov_len) {
            done -= iov[first].iov_len;
            first++;
        }
        if (first < iovcnt) {
            iov[first].iov_base = (char *)iov[first].iov_base + done;
            iov[first].iov_len -= done;
        }
    }
    return 0;
}

static void close_passed_fds(struct msghdr *msg, int *fd_out)
{
    for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
            continue;
        size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < n; i++) {
            int fd;
            memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
            if (fd_out && *fd_out < 0)
                *fd_out = fd;
            else
                close(fd);
        }
    }
}

static int unix_recv(struct vt_channel *ch, void *buf, size_t size, int *fd_out)
{
    size_t got = 0;
    if (fd_out)
        *fd_out = -1;
    while (got < size) {
        union {
            struct cmsghdr hdr;
            char buf[CMSG_SPACE(sizeof(int) * 4)];
        } control;
        struct iovec iov = {.iov_base = (char *)buf + got, .iov_len = size - got};
        struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1,
                             .msg_control = control.buf, .msg_controllen = sizeof(control.buf)};
        ssize_t n = recvmsg(ch->fd, &msg, MSG_CMSG_CLOEXEC);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (msg.msg_controllen > 0)
            close_passed_fds(&msg, fd_out);
        if (n == 0)
            return got == 0 ? -ECONNRESET : -EPIPE;
        got += (size_t)n;
    }
    return 0;
}

static bool unix_readable(struct vt_channel *ch)
{
    struct pollfd p = {.fd = ch->fd, .events = POLLIN};
    return poll(&p, 1, 0) > 0;
}

static void unix_shutdown(struct vt_channel *ch)
{
    shutdown(ch->fd, SHUT_RDWR);
}

static void unix_destroy(struct vt_channel *ch)
{
    close(ch->fd);
    free(ch);
}

static const struct vt_channel_ops unix_ops = {
    .name = "unix",
    .send = unix_send,
    .recv = unix_recv,
    .readable = unix_readable,
    .shutdown = unix_shutdown,
    .destroy = unix_destroy,
};

void vt_channel_destroy(struct vt_channel **ch)
{
    if (!ch || !*ch)
        return;
    (*ch)->ops->destroy(*ch);
    *ch = NULL;
}

int vt_socket_wrap(int fd, bool can_pass_fds, struct vt_channel **out)
{
    struct vt_channel *ch = calloc(1, sizeof(*ch));
    if (!ch) {
        close(fd);
        return -ENOMEM;
    }
    ch->ops = &unix_ops;
    ch->fd = fd;
    ch->can_pass_fds = can_pass_fds;
    *out = ch;
    return 0;
}

int vt_unix_wrap(int fd, struct vt_channel **out)
{
    return vt_socket_wrap(fd, true, out);
}

static int fill_addr(const char *path, struct sockaddr_un *addr)
{
    memset(addr, 0, sizeof(*addr));
    addr->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof(addr->sun_path))
        return -ENAMETOOLONG;
    strcpy(addr->sun_path, path);
    return 0;
}

int vt_unix_connect_fd(const char *path, int *fd_out)
{
    struct sockaddr_un addr;
    int err = fill_addr(path, &addr);
    if (err)
        return err;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
        err = -errno;
        close(fd);
        return err;
    }
    *fd_out = fd;
    return 0;
}

int vt_unix_connect(const char *path, struct vt_channel **out)
{
    int fd = -1;
    int err = vt_unix_connect_fd(path, &fd);
    return err ? err : vt_unix_wrap(fd, out);
}

int vt_unix_listen(const char *path, int *listen_fd)
{
    struct sockaddr_un addr;
    int err = fill_addr(path, &addr);
    if (err)
        return err;
    /* A socket file nobody listens on is stale (daemon killed): replace it. */
    struct stat st;
    if (lstat(path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode))
            return -EEXIST;
        struct vt_channel *probe = NULL;
        if (vt_unix_connect(path, &probe) == 0) {
            vt_channel_destroy(&probe);
            return -EADDRINUSE;
        }
        unlink(path);
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 64) < 0) {
        err = -errno;
        close(fd);
        return err;
    }
    *listen_fd = fd;
    return 0;
}

int vt_unix_accept(int listen_fd, struct vt_channel **out)
{
    for (;;) {
        int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd >= 0)
            return vt_unix_wrap(fd, out);
        if (errno != EINTR)
            return -errno;
    }
}
