/* The link: vivac sessions over a byte stream without connection semantics
 * (a virtio-serial port); channel.h describes the chunk format. */
#include "transport/channel.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#define CHUNK_PAYLOAD (VT_LINK_MAX_CHUNK - VT_LINK_HEADER)

struct link_header {
    uint32_t magic;
    uint32_t length;
    uint64_t nonce;
};
_Static_assert(sizeof(struct link_header) == VT_LINK_HEADER, "link header");

struct link {
    struct vt_channel base;       /* first: the ops downcast */
    bool server;
    uint64_t nonce;               /* client: its own; server: current session (0: none yet) */
    bool synced;                  /* client: found its first chunk; server: stream in step */
    uint32_t chunk_left;          /* payload bytes left in the chunk being read */
    bool pending;                 /* server: header of a new session's chunk held back */
    struct link_header held;
    bool session_ended;
    uint8_t *wbuf;                /* one whole chunk, written with one write() */
    uint64_t sent, received;
};

static const struct vt_channel_ops link_ops;

static struct link *to_link(struct vt_channel *ch)
{
    return (struct link *)ch;
}

/* Reads exactly size bytes: -ECONNRESET on EOF before the first byte,
 * -EPIPE after it. */
static int read_full(struct link *l, void *buf, size_t size)
{
    size_t got = 0;
    while (got < size) {
        ssize_t n = read(l->base.fd, (char *)buf + got, size - got);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (n == 0)
            return got == 0 ? -ECONNRESET : -EPIPE;
        got += (size_t)n;
    }
    l->received += size;
    return 0;
}

static int write_full(struct link *l, struct iovec *iov, int iovcnt)
{
    int first = 0;
    while (first < iovcnt) {
        ssize_t n = writev(l->base.fd, iov + first, iovcnt - first);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        l->sent += (size_t)n;
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

static int send_chunk(struct link *l, const struct iovec *parts, int nparts, uint32_t length)
{
    struct link_header h = {.magic = VT_LINK_MAGIC, .length = length, .nonce = l->nonce};
    if (l->server) {
        /* Socket to QEMU: order is all that matters, no copy. */
        struct iovec iov[10];
        iov[0] = (struct iovec){&h, sizeof(h)};
        memcpy(iov + 1, parts, sizeof(*parts) * (size_t)nparts);
        return write_full(l, iov, nparts + 1);
    }
    /* Guest: the chunk must reach the port as one write(), so that a process
     * killed between writes never leaves a partial chunk behind. */
    memcpy(l->wbuf, &h, sizeof(h));
    size_t at = sizeof(h);
    for (int i = 0; i < nparts; i++) {
        memcpy(l->wbuf + at, parts[i].iov_base, parts[i].iov_len);
        at += parts[i].iov_len;
    }
    for (;;) {
        ssize_t n = write(l->base.fd, l->wbuf, at);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        l->sent += (size_t)n;
        return (size_t)n == at ? 0 : -EIO; /* a split chunk cannot be repaired */
    }
}

static int link_send(struct vt_channel *ch, const struct iovec *iov, int iovcnt, int fd)
{
    struct link *l = to_link(ch);
    if (fd >= 0)
        return -ENOTSUP;
    if (iovcnt <= 0 || iovcnt > 8)
        return -EINVAL;
    if (l->server && l->nonce == 0)
        return -ENOTCONN; /* no client has spoken yet */
    int i = 0;
    size_t off = 0; /* into iov[i] */
    for (;;) {
        struct iovec parts[9];
        int nparts = 0;
        uint32_t len = 0;
        while (i < iovcnt && len < CHUNK_PAYLOAD) {
            size_t take = iov[i].iov_len - off;
            if (take > CHUNK_PAYLOAD - len)
                take = CHUNK_PAYLOAD - len;
            if (take) {
                parts[nparts++] = (struct iovec){(char *)iov[i].iov_base + off, take};
                len += (uint32_t)take;
            }
            off += take;
            if (off == iov[i].iov_len) {
                i++;
                off = 0;
            }
        }
        if (len == 0)
            return 0;
        int err = send_chunk(l, parts, nparts, len);
        if (err)
            return err;
    }
}

/* Client: skips bytes until the header of a chunk with our nonce. Stale
 * bytes are what the daemon sent to an earlier process on this port. */
static int hunt(struct link *l, struct link_header *h)
{
    uint8_t win[VT_LINK_HEADER];
    int err = read_full(l, win, sizeof(win));
    for (;;) {
        if (err)
            return err;
        memcpy(h, win, sizeof(*h));
        if (h->magic == VT_LINK_MAGIC && h->nonce == l->nonce && h->length <= CHUNK_PAYLOAD)
            return 0;
        memmove(win, win + 1, sizeof(win) - 1);
        err = read_full(l, win + sizeof(win) - 1, 1);
    }
}

/* Reads the next chunk header. Returns 1 if a new session begins (server). */
static int next_header(struct link *l, size_t got)
{
    struct link_header h;
    int err;
    if (l->pending) {
        h = l->held;
        l->pending = false;
    } else if (!l->server) {
        if (!l->synced) {
            err = hunt(l, &h);
            if (err)
                return err;
            l->synced = true;
        } else {
            err = read_full(l, &h, sizeof(h));
            if (err)
                return err;
            if (h.magic != VT_LINK_MAGIC || h.length > CHUNK_PAYLOAD)
                return -EPROTO;
        }
        if (h.nonce != l->nonce)
            return -EPROTO; /* the daemon never interleaves sessions */
        l->chunk_left = h.length;
        return 0;
    } else {
        err = read_full(l, &h, sizeof(h));
        if (err)
            return err;
        if (h.magic != VT_LINK_MAGIC || h.length > CHUNK_PAYLOAD || h.nonce == 0) {
            /* Not a chunk: a broken guest. Its session ends; the link
             * realigns on the next valid header (byte by byte). */
            l->synced = false;
            return -EPROTO;
        }
        (void)got;
    }
    if (l->server && l->nonce != 0 && h.nonce != l->nonce) {
        /* A new client session: hand the header to the next recv. */
        l->held = h;
        l->pending = true;
        l->session_ended = true;
        l->nonce = h.nonce; /* replies of the old session are dropped */
        return 1;
    }
    l->nonce = h.nonce;
    l->chunk_left = h.length;
    return 0;
}

/* Server: realigns after garbage by looking for a header byte by byte. */
static int server_resync(struct link *l)
{
    uint8_t win[VT_LINK_HEADER];
    int err = read_full(l, win, sizeof(win));
    for (;;) {
        if (err)
            return err;
        struct link_header h;
        memcpy(&h, win, sizeof(h));
        if (h.magic == VT_LINK_MAGIC && h.nonce != 0 && h.length <= CHUNK_PAYLOAD) {
            l->held = h;
            l->pending = true;
            l->nonce = h.nonce;
            l->synced = true;
            return 0;
        }
        memmove(win, win + 1, sizeof(win) - 1);
        err = read_full(l, win + sizeof(win) - 1, 1);
    }
}

static int link_recv(struct vt_channel *ch, void *buf, size_t size, int *fd_out)
{
    struct link *l = to_link(ch);
    size_t got = 0;
    if (fd_out)
        *fd_out = -1;
    if (l->server && l->session_ended && l->pending) {
        /* First read of the session that follows: adopt the held chunk. */
        l->session_ended = false;
        l->chunk_left = 0;
    }
    if (l->server && !l->synced) {
        int err = server_resync(l);
        if (err)
            return err;
        l->session_ended = false;
    }
    while (got < size) {
        if (l->chunk_left == 0) {
            int r = next_header(l, got);
            if (r == 1)
                return got == 0 ? -ECONNRESET : -EPIPE;
            if (r < 0)
                return r == -ECONNRESET && got ? -EPIPE : r;
            continue;
        }
        size_t take = size - got < l->chunk_left ? size - got : l->chunk_left;
        int err = read_full(l, (char *)buf + got, take);
        if (err)
            return err == -ECONNRESET ? -EPIPE : err;
        got += take;
        l->chunk_left -= (uint32_t)take;
    }
    return 0;
}

static bool link_readable(struct vt_channel *ch)
{
    struct link *l = to_link(ch);
    if (l->pending)
        return true;
    struct pollfd p = {.fd = ch->fd, .events = POLLIN};
    return poll(&p, 1, 0) > 0;
}

static void link_shutdown(struct vt_channel *ch)
{
    /* Sockets (the daemon side) only; a char device has no shutdown. */
    shutdown(ch->fd, SHUT_RDWR);
}

static void link_destroy(struct vt_channel *ch)
{
    struct link *l = to_link(ch);
    close(ch->fd);
    free(l->wbuf);
    free(l);
}

static const struct vt_channel_ops link_ops = {
    .name = "link",
    .send = link_send,
    .recv = link_recv,
    .readable = link_readable,
    .shutdown = link_shutdown,
    .destroy = link_destroy,
};

int vt_link_wrap(int fd, uint64_t nonce, struct vt_channel **out)
{
    struct link *l = calloc(1, sizeof(*l));
    if (!l)
        goto err_close;
    l->base.ops = &link_ops;
    l->base.fd = fd;
    l->base.can_pass_fds = false;
    l->server = nonce == 0;
    l->nonce = nonce;
    l->synced = l->server; /* the daemon sees the stream from its start */
    if (!l->server) {
        l->wbuf = malloc(VT_LINK_MAX_CHUNK);
        if (!l->wbuf) {
            free(l);
            goto err_close;
        }
    }
    *out = &l->base;
    return 0;

err_close:
    close(fd);
    return -ENOMEM;
}

int vt_serial_open(const char *path, struct vt_channel **out)
{
    int fd = open(path, O_RDWR | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return -errno;
    struct stat st;
    if (fstat(fd, &st) < 0 || S_ISSOCK(st.st_mode) || S_ISDIR(st.st_mode)) {
        close(fd);
        return -ENOTSUP;
    }
    uint64_t nonce = 0;
    while (nonce == 0) {
        if (getrandom(&nonce, sizeof(nonce), 0) != (ssize_t)sizeof(nonce)) {
            int err = -errno;
            close(fd);
            return err ? err : -EIO;
        }
    }
    return vt_link_wrap(fd, nonce, out);
}

bool vt_link_session_ended(const struct vt_channel *ch)
{
    if (ch->ops != &link_ops)
        return false;
    const struct link *l = (const struct link *)ch;
    return l->session_ended || !l->synced;
}

void vt_link_counters(const struct vt_channel *ch, uint64_t *sent, uint64_t *received)
{
    *sent = *received = 0;
    if (ch->ops != &link_ops)
        return;
    const struct link *l = (const struct link *)ch;
    *sent = l->sent;
    *received = l->received;
}
