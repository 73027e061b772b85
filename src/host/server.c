/* Accept loop and session threads. */
#include "host/server.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "transport/channel.h"
#include "transport/message.h"

/* One connection. The server thread owns the channel (it frees it after
 * joining the session thread), so shutdown() on it never races with free. */
struct conn {
    struct conn *next;
    pthread_t thread;
    struct vt_channel *ch;
    uint32_t id;
    bool done;                    /* session thread finished (under mutex) */
    struct server *server;
};

struct server {
    const struct vh_server_config *config;
    pthread_mutex_t mutex;
    struct conn *conns;
    uint32_t active;
    int wake_fd;                  /* eventfd: a session thread finished */
};

static void *session_thread(void *arg)
{
    struct conn *c = arg;
    struct server *srv = c->server;
    struct vh_session *s = NULL;
    int err = vh_session_create(srv->config->engine, &srv->config->limits, c->ch, c->id, &s);
    if (err) {
        vc_error("session %u: cannot create: %s", c->id, strerror(-err));
    } else {
        if (srv->config->record_dir)
            vh_session_set_record_dir(s, srv->config->record_dir);
        vh_session_run(s);
    }
    vh_session_destroy(&s);

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

static void refuse(struct vt_channel *ch, int status, const char *why)
{
    size_t len = strlen(why);
    struct vw_status st = {.status = status, .message_len = (uint32_t)len};
    vt_msg_send(ch, VW_OP_ERROR, 0, &st, sizeof(st), why, len, NULL, 0, -1);
}

static void accept_one(struct server *srv, int listen_fd, uint32_t *next_id)
{
    struct vt_channel *ch = NULL;
    int err = vt_unix_accept(listen_fd, &ch);
    if (err) {
        if (err != -EAGAIN && err != -EWOULDBLOCK && err != -ECONNABORTED) {
            vc_warn("accept: %s", strerror(-err));
            usleep(100 * 1000); /* e.g. EMFILE: do not spin */
        }
        return;
    }
    uint32_t max = srv->config->max_sessions;
    pthread_mutex_lock(&srv->mutex);
    bool full = max && srv->active >= max;
    pthread_mutex_unlock(&srv->mutex);
    if (full) {
        vc_warn("refusing a connection: %u sessions (--max-sessions)", max);
        refuse(ch, VW_ERR_LIMIT, "vivacd: too many sessions");
        vt_channel_destroy(&ch);
        return;
    }
    struct conn *c = calloc(1, sizeof(*c));
    if (!c) {
        vt_channel_destroy(&ch);
        return;
    }
    c->ch = ch;
    c->id = (*next_id)++;
    c->server = srv;
    pthread_mutex_lock(&srv->mutex);
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

int vh_server_run(const struct vh_server_config *config, int stop_fd)
{
    struct server srv = {.config = config, .wake_fd = -1};
    int listen_fd = -1;
    int err = make_parent_dir(config->socket_path);
    if (err) {
        vc_error("cannot create the directory of %s: %s", config->socket_path, strerror(-err));
        return err;
    }
    err = vt_unix_listen(config->socket_path, &listen_fd);
    if (err) {
        vc_error("cannot listen on %s: %s%s", config->socket_path, strerror(-err),
                 err == -EADDRINUSE ? " (another vivacd is running there)" : "");
        return err;
    }
    fcntl(listen_fd, F_SETFL, fcntl(listen_fd, F_GETFL) | O_NONBLOCK);
    srv.wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (srv.wake_fd < 0) {
        err = -errno;
        goto out_listen;
    }
    pthread_mutex_init(&srv.mutex, NULL);
    vc_info("listening on %s (engine %s)", config->socket_path, config->engine->ops->name);

    uint32_t next_id = 1;
    for (;;) {
        struct pollfd pfd[3] = {
            {.fd = listen_fd, .events = POLLIN},
            {.fd = stop_fd, .events = POLLIN},
            {.fd = srv.wake_fd, .events = POLLIN},
        };
        if (poll(pfd, 3, -1) < 0) {
            if (errno == EINTR)
                continue;
            err = -errno;
            vc_error("poll: %s", strerror(errno));
            break;
        }
        if (pfd[1].revents) {
            vc_info("shutting down");
            break;
        }
        if (pfd[2].revents) {
            uint64_t v;
            ssize_t n = read(srv.wake_fd, &v, sizeof(v));
            (void)n;
            reap(&srv, false);
        }
        if (pfd[0].revents)
            accept_one(&srv, listen_fd, &next_id);
    }

    /* Stop accepting, then end every session and wait for it. */
    close(listen_fd);
    listen_fd = -1;
    unlink(config->socket_path);
    pthread_mutex_lock(&srv.mutex);
    for (struct conn *c = srv.conns; c; c = c->next)
        if (!c->done)
            c->ch->ops->shutdown(c->ch);
    pthread_mutex_unlock(&srv.mutex);
    reap(&srv, true);
    pthread_mutex_destroy(&srv.mutex);
    close(srv.wake_fd);
    return err;

out_listen:
    close(listen_fd);
    unlink(config->socket_path);
    return err;
}
