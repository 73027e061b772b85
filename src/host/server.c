/* The supervisor: listeners, accept loop, quotas, hand-over to workers. */
#include "host/server.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <linux/vm_sockets.h>
#include <unistd.h>

#include "common/log.h"
#include "host/worker_pool.h"
#include "transport/channel.h"
#include "transport/message.h"

/* Where connections come from. */
struct listener {
    int fd;
    const char *path;             /* Unix socket to unlink at the end, or NULL */
    struct vh_vm *vm;             /* VM control socket: link channels */
    bool vsock;
    const struct vh_vsock_allow *allow; /* vsock: the CIDs served */
};

/* Tells a local client why it gets no session, and closes fd. The loop must
 * not wait on the peer: the error goes only if it fits at once (it does in
 * a fresh Unix socket; a vsock guest that grants no receive credit gets
 * nothing). A VM's link gets nothing: before its first session nothing may
 * be sent on it (transport/channel.h). */
static void refuse(int fd, bool link, int status, const char *why)
{
    struct vt_channel *ch = NULL;
    if (link || vt_socket_wrap(fd, false, &ch) != 0) {
        close(fd);
        return;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    size_t len = strlen(why);
    struct vw_status st = {.status = status, .message_len = (uint32_t)len};
    vt_msg_send(ch, VW_OP_ERROR, 0, &st, sizeof(st), why, len, NULL, 0, -1);
    vt_channel_destroy(&ch);
}

/* Accepts one connection and names its client (the worker it goes to). */
static int accept_client(const struct listener *l, int *fd, char *role, size_t role_size)
{
    if (l->vsock) {
        struct sockaddr_vm addr;
        socklen_t len = sizeof(addr);
        *fd = accept4(l->fd, (struct sockaddr *)&addr, &len, SOCK_CLOEXEC);
        if (*fd < 0)
            return -errno;
        unsigned cid = addr.svm_cid;
        /* Only the VMs the host named (--vsock-allow): any VM of the host
         * can reach the port, and the CID is the host's word for which. */
        if (!vh_vsock_allowed(l->allow, cid)) {
            /* Closed without a word: a send could block this loop on a
             * guest that grants no receive credit. Logged once per run of
             * attempts from one CID, so a guest cannot flood the log. */
            static unsigned last_cid = UINT_MAX; /* VMADDR_CID_ANY: no peer has it */
            static unsigned long attempts;
            if (cid != last_cid || ++attempts % 1000 == 0)
                vc_warn("refused a vsock connection from CID %u: not in --vsock-allow", cid);
            if (cid != last_cid)
                attempts = 0;
            last_cid = cid;
            close(*fd);
            return -ECONNABORTED; /* quietly back to poll: a refused guest cannot slow it */
        }
        vc_info("vsock connection from CID %u (inline data: no shared region)", cid);
        snprintf(role, role_size, "cid:%u", cid);
        return 0;
    }
    *fd = accept4(l->fd, NULL, NULL, SOCK_CLOEXEC);
    if (*fd < 0)
        return -errno;
    if (l->vm) {
        vc_info("VM %s: virtio-serial port connected", vh_vm_name(l->vm));
        snprintf(role, role_size, "vm:%s", vh_vm_name(l->vm));
        return 0;
    }
    struct ucred cred;
    socklen_t len = sizeof(cred);
    /* Without it (it cannot fail on a Unix socket) all such peers are one
     * client, uid -1. */
    if (getsockopt(*fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
        cred.uid = (uid_t)-1;
    snprintf(role, role_size, "uid:%ld", cred.uid == (uid_t)-1 ? -1L : (long)cred.uid);
    return 0;
}

/* NULL if the connection may have a session, else why not (for the client). */
static const char *over_quota(const struct vh_server_config *config, struct vh_pool *pool,
                              const char *role, char *why, size_t size)
{
    uint32_t max = config->max_sessions, per = config->max_sessions_per_client;
    uint32_t active = vh_pool_connections(pool, NULL), mine = vh_pool_connections(pool, role);
    if (max && active >= max)
        snprintf(why, size, "vivacd: too many sessions: %u of %u in use (vivacd --max-sessions)",
                 active, max);
    else if (per && mine >= per)
        snprintf(why, size,
                 "vivacd: too many sessions for %s: %u of %u in use (vivacd "
                 "--max-sessions-per-client)", role, mine, per);
    else
        return NULL;
    vc_warn("refusing a connection from %s: %s", role, why + strlen("vivacd: "));
    return why;
}

static void accept_one(const struct vh_server_config *config, struct vh_pool *pool,
                       const struct listener *l)
{
    int fd = -1;
    char role[64];
    int err = accept_client(l, &fd, role, sizeof(role));
    if (err) {
        if (err != -EAGAIN && err != -EWOULDBLOCK && err != -ECONNABORTED && err != -EINTR) {
            vc_warn("accept: %s", strerror(-err));
            usleep(100 * 1000); /* e.g. EMFILE: do not spin */
        }
        return;
    }
    char why[256];
    if (over_quota(config, pool, role, why, sizeof(why))) {
        refuse(fd, l->vm != NULL, VW_ERR_LIMIT, why);
        return;
    }
    enum vh_control_transport transport = l->vm ? VH_TRANSPORT_LINK
                                          : l->vsock ? VH_TRANSPORT_VSOCK : VH_TRANSPORT_UNIX;
    /* The HELLO deadline counts from here, not from the client's last byte. */
    uint64_t hello = 0;
    if (!l->vm && config->timeouts.hello_ms)
        hello = (uint64_t)(vh_now_ms() + config->timeouts.hello_ms);
    int dup_fd = l->vm ? -1 : fcntl(fd, F_DUPFD_CLOEXEC, 0); /* to say why, on failure */
    if (vh_pool_hand_over(pool, role, fd, transport, hello, why, sizeof(why)) != 0) {
        vc_error("%s", why + strlen("vivacd: "));
        if (dup_fd >= 0)
            refuse(dup_fd, false, VW_ERR_NO_MEMORY, why);
        return;
    }
    if (dup_fd >= 0)
        close(dup_fd);
}

/* mkdir -p of the socket's parent directory. */
static int make_parent_dir(const char *path)
{
    char dir[PATH_MAX];
    size_t len = strlen(path);
    if (len >= sizeof(dir))
        return -ENAMETOOLONG;
    memcpy(dir, path, len + 1);
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir)
        return 0;
    *slash = '\0';
    for (char *p = dir + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(dir, 0755) < 0 && errno != EEXIST)
            return -errno;
        *p = '/';
    }
    if (mkdir(dir, 0755) < 0 && errno != EEXIST)
        return -errno;
    return 0;
}

int vh_listen_unix(const char *path, const struct vh_file_access *access, int *fd)
{
    int err = make_parent_dir(path);
    if (err) {
        vc_error("cannot create the directory of %s: %s", path, strerror(-err));
        return err;
    }
    err = vt_unix_listen(path, fd);
    if (err) {
        vc_error("cannot listen on %s: %s%s", path, strerror(-err),
                 err == -EADDRINUSE ? " (another vivacd is running there)" : "");
        return err;
    }
    err = vh_file_access_apply_path(access, path);
    if (err) {
        vc_error("%s: setting its group and mode (--socket-group, --socket-mode): %s", path,
                 strerror(-err));
        close(*fd);
        unlink(path);
        return err;
    }
    /* A client gone between poll and accept must not hold up the loop. */
    fcntl(*fd, F_SETFL, fcntl(*fd, F_GETFL) | O_NONBLOCK);
    return 0;
}

static void close_listeners(struct listener *ls, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        close(ls[i].fd);
        if (ls[i].path)
            unlink(ls[i].path);
    }
}

/* Reloads the VM files (vm_set.h), on SIGHUP. */
static void reload(const struct vh_server_config *config, struct vh_pool *pool)
{
    char summary[1024];
    if (vh_vm_set_reload(config->vms, config->sched, pool, summary, sizeof(summary)) == 0)
        vc_info("reload (SIGHUP): %s", summary);
    else
        vc_error("reload (SIGHUP) refused, nothing changed: %s", summary);
}

/* Says what stopped the daemon: the signal and who sent it (systemd's
 * pid 1 on `systemctl stop`, a kill from elsewhere, the kernel for a
 * terminal's ^C). False for a SIGHUP: a reload, done here. */
static bool stop_signal(const struct vh_server_config *config, struct vh_pool *pool, int stop_fd)
{
    struct signalfd_siginfo si;
    if (read(stop_fd, &si, sizeof(si)) != (ssize_t)sizeof(si)) {
        vc_info("shutting down");
        return true;
    }
    if (si.ssi_signo == SIGHUP) {
        reload(config, pool);
        return false;
    }
    const char *name = si.ssi_signo == SIGTERM ? "SIGTERM" : si.ssi_signo == SIGINT ? "SIGINT" : "?";
    if (si.ssi_code == SI_USER || si.ssi_code == SI_QUEUE || si.ssi_code == SI_TKILL)
        vc_info("shutting down: %s from pid %u (uid %u)", name, si.ssi_pid, si.ssi_uid);
    else
        vc_info("shutting down: %s from the kernel (code %d)", name, si.ssi_code);
    return true;
}

/* The listeners of this turn of the loop: the fixed ones, then the VMs'
 * (their set changes on a reload). */
static struct listener *gather(const struct vh_server_config *config, struct listener *fixed,
                               unsigned num_fixed, struct listener **ls, unsigned *cap,
                               struct pollfd **pfd, unsigned *n)
{
    unsigned vms = vh_vm_set_count(config->vms);
    if (num_fixed + vms > *cap) {
        unsigned want = num_fixed + vms;
        struct listener *more = realloc(*ls, want * sizeof(*more));
        if (more)
            *ls = more;
        struct pollfd *p = realloc(*pfd, (2 + want + VH_MAX_WORKERS) * sizeof(*p));
        if (p)
            *pfd = p;
        if (!more || !p)
            return NULL;
        *cap = want;
    }
    memcpy(*ls, fixed, num_fixed * sizeof(*fixed));
    for (unsigned i = 0; i < vms; i++)
        (*ls)[num_fixed + i] = (struct listener){.fd = vh_vm_set_fd(config->vms, i),
                                                 .vm = vh_vm_set_vm(config->vms, i)};
    *n = num_fixed + vms;
    return *ls;
}

int vh_server_run(const struct vh_server_config *config, struct vh_pool *pool, int stop_fd)
{
    struct listener fixed[2] = {{.fd = -1}, {.fd = -1}};
    unsigned num_fixed = 0, n = 0, cap = 0;
    struct listener *ls = NULL;
    struct pollfd *pfd = NULL;

    int err = vh_listen_unix(config->socket_path, &config->access, &fixed[0].fd);
    if (err)
        goto out;
    fixed[num_fixed++].path = config->socket_path;
    if (config->vsock_port) {
        err = vt_vsock_listen(config->vsock_port, &fixed[num_fixed].fd);
        if (err) {
            vc_error("cannot listen on vsock port %u: %s%s", config->vsock_port, strerror(-err),
                     err == -EAFNOSUPPORT || err == -ENODEV
                         ? " (no vsock transport: load vhost_vsock and give the VM a "
                           "vhost-vsock-pci device)"
                         : "");
            goto out;
        }
        if (!config->vsock_allow.count)
            vc_warn("vsock port %u: no --vsock-allow: every vsock guest is refused",
                    config->vsock_port);
        fcntl(fixed[num_fixed].fd, F_SETFL, fcntl(fixed[num_fixed].fd, F_GETFL) | O_NONBLOCK);
        fixed[num_fixed].allow = &config->vsock_allow;
        fixed[num_fixed++].vsock = true;
    }
    err = vh_vm_set_listen(config->vms);
    if (err)
        goto out;
    vc_info("listening on %s (engine %s, a sandboxed worker process per client)",
            config->socket_path, config->engine_name);

    for (;;) {
        if (!gather(config, fixed, num_fixed, &ls, &cap, &pfd, &n)) {
            err = -ENOMEM;
            vc_error("out of memory");
            break;
        }
        pfd[0] = (struct pollfd){.fd = stop_fd, .events = POLLIN};
        for (unsigned i = 0; i < n; i++)
            pfd[1 + i] = (struct pollfd){.fd = ls[i].fd, .events = POLLIN};
        unsigned nw = vh_pool_pollfds(pool, pfd + 1 + n, VH_MAX_WORKERS);
        /* Last: the admin thread's requests (fd -1 is ignored by poll). */
        unsigned admin_at = 1 + n + nw;
        pfd[admin_at] = (struct pollfd){.fd = vh_admin_fd(config->admin), .events = POLLIN};
        if (poll(pfd, admin_at + 1, vh_pool_tick(pool)) < 0) {
            if (errno == EINTR)
                continue;
            err = -errno;
            vc_error("poll: %s", strerror(errno));
            break;
        }
        if (pfd[0].revents && stop_signal(config, pool, stop_fd)) {
            err = 0;
            break;
        }
        if (pfd[0].revents)
            continue; /* reloaded: the listeners changed */
        vh_pool_dispatch(pool, pfd + 1 + n, nw);
        for (unsigned i = 0; i < n; i++)
            if (pfd[1 + i].revents)
                accept_one(config, pool, &ls[i]);
        /* Last: a "reload" changes the VMs' listeners. */
        if (pfd[admin_at].revents)
            vh_admin_answer(config->admin, config->sched, pool, config->vms);
    }
out:
    /* Stop accepting; the caller ends the workers (vh_pool_destroy) and
     * closes the VMs' sockets (vh_vm_set_destroy). */
    close_listeners(fixed, num_fixed);
    free(ls);
    free(pfd);
    return err;
}
