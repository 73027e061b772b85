/* Accept loop and session threads. */
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
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "common/log.h"
#include "host/connection.h"
#include "transport/channel.h"
#include "transport/message.h"

/* Who a connection comes from, for --max-sessions-per-client. */
enum client_kind {
    CLIENT_UID,                   /* Unix socket: the peer's uid (SO_PEERCRED) */
    CLIENT_CID,                   /* vsock: the guest's CID */
    CLIENT_VM,                    /* a VM's control socket (id: its vh_vm) */
};

struct client_key {
    enum client_kind kind;
    uintptr_t id;
};

/* One connection. The server thread owns the channel (it frees it after
 * joining the session thread), so shutdown() on it never races with free. */
struct conn {
    struct conn *next;
    pthread_t thread;
    struct vt_channel *ch;
    uint32_t id;
    bool done;                    /* session thread finished (under mutex) */
    struct server *server;
    struct client_key client;
    struct vh_deadline deadline;  /* Unix and vsock only: watched by the server */
};

struct server {
    const struct vh_server_config *config;
    pthread_mutex_t mutex;
    struct conn *conns;
    uint32_t active;
    int wake_fd;                  /* eventfd: a session thread finished */
    uint32_t next_id;             /* session ids (under mutex) */
};

/* Where connections come from. */
struct listener {
    int fd;
    const char *path;             /* Unix socket to unlink at the end, or NULL */
    struct vh_vm *vm;             /* VM control socket: link channels */
    bool vsock;
    const struct vh_vsock_allow *allow; /* vsock: the CIDs served */
};

/* A local (Unix or vsock) client must read its replies: one that stops
 * reading for SEND_TIMEOUT_S is dropped. What it must send, and by when, is
 * the receive deadlines' business (vh_timeouts, watched below). VM control
 * connections (link channels) stay open between the guest's sessions. */
#define SEND_TIMEOUT_S 30

static void set_timeouts(struct vt_channel *ch)
{
    struct timeval snd = {.tv_sec = SEND_TIMEOUT_S};
    if (setsockopt(ch->fd, SOL_SOCKET, SO_SNDTIMEO, &snd, sizeof(snd)) != 0)
        vc_warn("cannot set socket timeouts: %s", strerror(errno));
}

/* How often the watchdog looks at the deadlines at most: a session may set
 * a new one at any time without waking the server, so one that passes is
 * acted on within this. */
#define WATCH_TICK_MS 250

/* Ends the receive of every session whose deadline has passed (its thread
 * then tells the client why and closes); returns how long the server may
 * sleep before looking again (-1: no watched session). */
static int watch_deadlines(struct server *srv)
{
    int64_t now = vh_now_ms();
    int timeout = -1;
    pthread_mutex_lock(&srv->mutex);
    for (struct conn *c = srv->conns; c; c = c->next) {
        if (c->done || c->ch->user)
            continue;
        int64_t left = WATCH_TICK_MS;
        int64_t word = atomic_load(&c->deadline.word);
        if (word && now >= word >> 2) {
            /* Only the deadline read here: the session may have moved on. */
            if (atomic_compare_exchange_strong(&c->deadline.word, &word, 0)) {
                atomic_store(&c->deadline.fired, (int)(word & 3));
                shutdown(c->ch->fd, SHUT_RD);
            }
        } else if (word && (word >> 2) - now < left) {
            left = (word >> 2) - now;
        }
        if (timeout < 0 || left < timeout)
            timeout = (int)left;
    }
    pthread_mutex_unlock(&srv->mutex);
    return timeout;
}

static uint32_t next_session_id(void *opaque)
{
    struct server *srv = opaque;
    pthread_mutex_lock(&srv->mutex);
    uint32_t id = srv->next_id++;
    pthread_mutex_unlock(&srv->mutex);
    return id;
}

static void *session_thread(void *arg)
{
    struct conn *c = arg;
    struct server *srv = c->server;
    if (!c->ch->user)
        set_timeouts(c->ch);
    /* A VM's connection carries one session after another (link framing:
     * a new guest process starts a new session); others carry one. */
    struct vh_connection conn = {
        .engine = srv->config->engine,
        .limits = &srv->config->limits,
        .record_dir = srv->config->record_dir,
        .deadline = c->ch->user ? NULL : &c->deadline,
        .timeouts = &srv->config->timeouts,
        .next_id = next_session_id,
        .opaque = srv,
    };
    vh_connection_serve(&conn, c->ch, c->id);

    pthread_mutex_lock(&srv->mutex);
    c->done = true;
    pthread_mutex_unlock(&srv->mutex);
    uint64_t one = 1;
    ssize_t n = write(srv->wake_fd, &one, sizeof(one));
    (void)n;
    return NULL;
}

/* Joins and frees finished sessions (all of them if `all`). */
static void reap(struct server *srv, bool all)
{
    for (;;) {
        struct conn *found = NULL;
        pthread_mutex_lock(&srv->mutex);
        for (struct conn **pp = &srv->conns; *pp; pp = &(*pp)->next) {
            if ((*pp)->done || all) {
                found = *pp;
                *pp = found->next;
                srv->active--;
                break;
            }
        }
        pthread_mutex_unlock(&srv->mutex);
        if (!found)
            return;
        pthread_join(found->thread, NULL);
        vt_channel_destroy(&found->ch);
        free(found);
    }
}

/* Tells a connection why it gets no session; the caller then closes it.
 * The accept loop must not wait on the peer: the error goes only if it fits
 * at once (it does in a fresh Unix socket; a vsock guest that grants no
 * receive credit gets nothing). */
static void refuse(struct vt_channel *ch, int status, const char *why)
{
    fcntl(ch->fd, F_SETFL, fcntl(ch->fd, F_GETFL) | O_NONBLOCK);
    size_t len = strlen(why);
    struct vw_status st = {.status = status, .message_len = (uint32_t)len};
    vt_msg_send(ch, VW_OP_ERROR, 0, &st, sizeof(st), why, len, NULL, 0, -1);
}

static int accept_channel(const struct listener *l, struct vt_channel **ch,
                          struct client_key *key)
{
    if (l->vsock) {
        unsigned cid = 0;
        int err = vt_vsock_accept(l->fd, ch, &cid);
        if (err)
            return err;
        /* Only the VMs the host named (--vsock-allow): any VM of the host
         * can reach the port, and the CID is the host's word for which. */
        if (!vh_vsock_allowed(l->allow, cid)) {
            /* Closed without a word: a send could block this thread on a
             * guest that grants no receive credit. Logged once per run of
             * attempts from one CID, so a guest cannot flood the log. */
            static unsigned last_cid = UINT_MAX; /* VMADDR_CID_ANY: no peer has it */
            static unsigned long attempts;
            if (cid != last_cid || ++attempts % 1000 == 0)
                vc_warn("refused a vsock connection from CID %u: not in --vsock-allow", cid);
            if (cid != last_cid)
                attempts = 0;
            last_cid = cid;
            vt_channel_destroy(ch);
            return -ECONNABORTED; /* quietly back to poll: a refused guest cannot slow it */
        }
        vc_info("vsock connection from CID %u (inline data: no shared region)", cid);
        *key = (struct client_key){CLIENT_CID, cid};
        return 0;
    }
    if (!l->vm) {
        int err = vt_unix_accept(l->fd, ch);
        if (err)
            return err;
        struct ucred cred;
        socklen_t len = sizeof(cred);
        /* Without it (it cannot fail on a Unix socket) all such peers are
         * one client, uid -1. */
        if (getsockopt((*ch)->fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
            cred.uid = (uid_t)-1;
        *key = (struct client_key){CLIENT_UID, cred.uid};
        return 0;
    }
    int fd = accept4(l->fd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0)
        return -errno;
    int err = vt_link_wrap(fd, 0, ch);
    if (!err) {
        (*ch)->user = l->vm;
        vc_info("VM %s: virtio-serial port connected", vh_vm_name(l->vm));
    }
    *key = (struct client_key){CLIENT_VM, (uintptr_t)l->vm};
    return err;
}

static void client_name(const struct client_key *key, char *buf, size_t size)
{
    if (key->kind == CLIENT_UID)
        snprintf(buf, size, "uid %ld", key->id == (uid_t)-1 ? -1L : (long)key->id);
    else if (key->kind == CLIENT_CID)
        snprintf(buf, size, "vsock CID %lu", (unsigned long)key->id);
    else
        snprintf(buf, size, "VM %s", vh_vm_name((struct vh_vm *)key->id));
}

/* NULL if the connection may have a session, else why not (for the client). */
static const char *over_quota(struct server *srv, const struct client_key *key, char *why,
                              size_t size)
{
    uint32_t max = srv->config->max_sessions, per = srv->config->max_sessions_per_client;
    uint32_t mine = 0;
    pthread_mutex_lock(&srv->mutex);
    uint32_t active = srv->active;
    for (struct conn *c = srv->conns; c; c = c->next)
        mine += c->client.kind == key->kind && c->client.id == key->id;
    pthread_mutex_unlock(&srv->mutex);
    char who[64];
    client_name(key, who, sizeof(who));
    if (max && active >= max)
        snprintf(why, size, "vivacd: too many sessions: %u of %u in use (vivacd --max-sessions)",
                 active, max);
    else if (per && mine >= per)
        snprintf(why, size,
                 "vivacd: too many sessions for %s: %u of %u in use (vivacd "
                 "--max-sessions-per-client)", who, mine, per);
    else
        return NULL;
    vc_warn("refusing a connection from %s: %s", who, why + strlen("vivacd: "));
    return why;
}

static void accept_one(struct server *srv, const struct listener *l)
{
    struct vt_channel *ch = NULL;
    struct client_key key = {0};
    int err = accept_channel(l, &ch, &key);
    if (err) {
        if (err != -EAGAIN && err != -EWOULDBLOCK && err != -ECONNABORTED && err != -EINTR) {
            vc_warn("accept: %s", strerror(-err));
            usleep(100 * 1000); /* e.g. EMFILE: do not spin */
        }
        return;
    }
    char why[256];
    if (over_quota(srv, &key, why, sizeof(why))) {
        refuse(ch, VW_ERR_LIMIT, why);
        vt_channel_destroy(&ch);
        return;
    }
    struct conn *c = calloc(1, sizeof(*c));
    if (!c) {
        vt_channel_destroy(&ch);
        return;
    }
    c->ch = ch;
    c->server = srv;
    c->client = key;
    /* The HELLO deadline counts from here, not from the client's last byte. */
    if (!ch->user && srv->config->timeouts.hello_ms)
        atomic_store(&c->deadline.word,
                     vh_deadline_pack(vh_now_ms() + srv->config->timeouts.hello_ms,
                                      VH_DEADLINE_HELLO));
    pthread_mutex_lock(&srv->mutex);
    c->id = srv->next_id++;
    c->next = srv->conns;
    srv->conns = c;
    srv->active++;
    err = pthread_create(&c->thread, NULL, session_thread, c);
    if (err) {
        srv->conns = c->next;
        srv->active--;
    }
    pthread_mutex_unlock(&srv->mutex);
    if (err) {
        vc_error("cannot start a session thread: %s", strerror(err));
        refuse(ch, VW_ERR_NO_MEMORY, "vivacd: cannot start a session");
        vt_channel_destroy(&c->ch);
        free(c);
    }
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

static int listen_unix(const char *path, int *fd)
{
    int err = make_parent_dir(path);
    if (err) {
        vc_error("cannot create the directory of %s: %s", path, strerror(-err));
        return err;
    }
    err = vt_unix_listen(path, fd);
    if (err)
        vc_error("cannot listen on %s: %s%s", path, strerror(-err),
                 err == -EADDRINUSE ? " (another vivacd is running there)" : "");
    return err;
}

static void close_listeners(struct listener *ls, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        close(ls[i].fd);
        if (ls[i].path)
            unlink(ls[i].path);
    }
}

int vh_server_run(const struct vh_server_config *config, int stop_fd)
{
    struct server srv = {.config = config, .wake_fd = -1, .next_id = 1};
    unsigned max_listeners = 2 + config->num_vms, n = 0;
    struct listener *ls = calloc(max_listeners, sizeof(*ls));
    struct pollfd *pfd = calloc(max_listeners + 2, sizeof(*pfd));
    int err = -ENOMEM;
    if (!ls || !pfd)
        goto out_free;

    err = listen_unix(config->socket_path, &ls[n].fd);
    if (err)
        goto out_listen;
    ls[n++].path = config->socket_path;
    for (unsigned i = 0; i < config->num_vms; i++) {
        const char *path = vh_vm_control_path(config->vms[i]);
        err = listen_unix(path, &ls[n].fd);
        if (err)
            goto out_listen;
        ls[n].path = path;
        ls[n++].vm = config->vms[i];
        vc_info("VM %s: control socket %s", vh_vm_name(config->vms[i]), path);
    }
    if (config->vsock_port) {
        err = vt_vsock_listen(config->vsock_port, &ls[n].fd);
        if (err) {
            vc_error("cannot listen on vsock port %u: %s%s", config->vsock_port, strerror(-err),
                     err == -EAFNOSUPPORT || err == -ENODEV
                         ? " (no vsock transport: load vhost_vsock and give the VM a "
                           "vhost-vsock-pci device)"
                         : "");
            goto out_listen;
        }
        if (!config->vsock_allow.count)
            vc_warn("vsock port %u: no --vsock-allow: every vsock guest is refused",
                    config->vsock_port);
        ls[n].allow = &config->vsock_allow;
        ls[n++].vsock = true;
    }
    for (unsigned i = 0; i < n; i++)
        fcntl(ls[i].fd, F_SETFL, fcntl(ls[i].fd, F_GETFL) | O_NONBLOCK);
    srv.wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (srv.wake_fd < 0) {
        err = -errno;
        goto out_listen;
    }
    pthread_mutex_init(&srv.mutex, NULL);
    vc_info("listening on %s (engine %s)", config->socket_path, config->engine->ops->name);

    for (;;) {
        pfd[0] = (struct pollfd){.fd = stop_fd, .events = POLLIN};
        pfd[1] = (struct pollfd){.fd = srv.wake_fd, .events = POLLIN};
        for (unsigned i = 0; i < n; i++)
            pfd[2 + i] = (struct pollfd){.fd = ls[i].fd, .events = POLLIN};
        if (poll(pfd, 2 + n, watch_deadlines(&srv)) < 0) {
            if (errno == EINTR)
                continue;
            err = -errno;
            vc_error("poll: %s", strerror(errno));
            break;
        }
        if (pfd[0].revents) {
            vc_info("shutting down");
            err = 0;
            break;
        }
        if (pfd[1].revents) {
            uint64_t v;
            ssize_t r = read(srv.wake_fd, &v, sizeof(v));
            (void)r;
            reap(&srv, false);
        }
        for (unsigned i = 0; i < n; i++)
            if (pfd[2 + i].revents)
                accept_one(&srv, &ls[i]);
    }

    /* Stop accepting, then end every session and wait for it. */
    close_listeners(ls, n);
    n = 0;
    pthread_mutex_lock(&srv.mutex);
    for (struct conn *c = srv.conns; c; c = c->next)
        if (!c->done)
            c->ch->ops->shutdown(c->ch);
    pthread_mutex_unlock(&srv.mutex);
    reap(&srv, true);
    pthread_mutex_destroy(&srv.mutex);
    close(srv.wake_fd);
    free(ls);
    free(pfd);
    return err;

out_listen:
    close_listeners(ls, n);
out_free:
    free(ls);
    free(pfd);
    return err;
}
