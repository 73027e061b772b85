/* The admin socket and the metrics endpoint (admin.h). */
#include "host/admin.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "host/metrics.h"
#include "host/qos_policy.h"
#include "host/scheduler.h"
#include "host/vm_set.h"

/* A client has this long to send its request and take the reply. */
#define CLIENT_TIMEOUT_S 2
/* The loop answers within this, or the client is told it is busy. */
#define ANSWER_TIMEOUT_S 5
#define MAX_REQUEST 4096

struct vh_admin {
    int admin_fd, metrics_fd;     /* listening; -1: none */
    char *admin_path, *metrics_path; /* Unix socket files to remove */
    int stop_fd;                  /* eventfd: the thread ends */
    int wake_fd;                  /* eventfd: a request for the loop */
    pthread_t thread;
    bool running;
    /* One request at a time between the thread and the loop. */
    pthread_mutex_t mutex;
    pthread_cond_t answered_cond;
    char request[MAX_REQUEST];
    bool pending, answered;
    char *reply;                  /* malloc'd by the loop, freed by the thread */
    size_t reply_len;
};

static int listen_unix_at(const char *path, mode_t mode, int *out, char *why, size_t why_size)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(a.sun_path)) {
        snprintf(why, why_size, "%s: path too long", path);
        return -ENAMETOOLONG;
    }
    strcpy(a.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    unlink(path); /* a stale socket of an earlier run */
    /* Created with the mode asked for, never wider for a moment. */
    mode_t old = umask(0777 & ~mode);
    int rc = bind(fd, (struct sockaddr *)&a, sizeof(a));
    umask(old);
    if (rc != 0 || listen(fd, 16) != 0) {
        int err = -errno;
        snprintf(why, why_size, "%s: %s", path, strerror(errno));
        close(fd);
        return err;
    }
    *out = fd;
    return 0;
}

/* "[ADDR:]PORT", ADDR an IPv4 address (default 127.0.0.1). */
static int listen_tcp_at(const char *spec, int *out, char *why, size_t why_size)
{
    char addr[64] = "127.0.0.1";
    const char *colon = strrchr(spec, ':');
    const char *port_text = spec;
    if (colon) {
        if ((size_t)(colon - spec) >= sizeof(addr))
            goto bad;
        memcpy(addr, spec, (size_t)(colon - spec));
        addr[colon - spec] = '\0';
        port_text = colon + 1;
    }
    char *end;
    long port = strtol(port_text, &end, 10);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (end == port_text || *end || port <= 0 || port > 65535 ||
        inet_pton(AF_INET, addr, &a.sin_addr) != 1)
        goto bad;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(fd, 16) != 0) {
        int err = -errno;
        snprintf(why, why_size, "%s: %s", spec, strerror(errno));
        close(fd);
        return err;
    }
    *out = fd;
    return 0;
bad:
    snprintf(why, why_size, "\"%s\" is not unix:PATH or [ADDR:]PORT", spec);
    return -EINVAL;
}

/* Hands the request to the loop and waits for its answer; NULL if the
 * loop does not answer in time. */
static char *ask_loop(struct vh_admin *a, const char *request, size_t *len)
{
    pthread_mutex_lock(&a->mutex);
    snprintf(a->request, sizeof(a->request), "%s", request);
    a->pending = true;
    a->answered = false;
    uint64_t one = 1;
    ssize_t w = write(a->wake_fd, &one, sizeof(one));
    (void)w;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += ANSWER_TIMEOUT_S;
    while (!a->answered)
        if (pthread_cond_timedwait(&a->answered_cond, &a->mutex, &until) == ETIMEDOUT)
            break;
    char *reply = NULL;
    if (a->answered) {
        reply = a->reply;
        *len = a->reply_len;
        a->reply = NULL;
    }
    a->pending = false;
    pthread_mutex_unlock(&a->mutex);
    return reply;
}

static void write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0)
            return; /* a client gone or too slow: its loss */
        p += w;
        n -= (size_t)w;
    }
}

/* Reads until `end` is seen (or the buffer is full, or the client stops). */
static size_t read_request(int fd, char *buf, size_t size, const char *end)
{
    size_t got = 0;
    while (got + 1 < size) {
        ssize_t n = recv(fd, buf + got, size - 1 - got, 0);
        if (n <= 0)
            break;
        got += (size_t)n;
        buf[got] = '\0';
        if (strstr(buf, end))
            break;
    }
    buf[got] = '\0';
    return got;
}

static void serve_admin(struct vh_admin *a, int fd)
{
    char line[512];
    read_request(fd, line, sizeof(line), "\n");
    line[strcspn(line, "\r\n")] = '\0';
    size_t len = 0;
    char *reply = ask_loop(a, line, &len);
    if (reply)
        write_all(fd, reply, len);
    else
        write_all(fd, "error: the daemon is busy, try again\n", 37);
    free(reply);
}

static void serve_http(struct vh_admin *a, int fd)
{
    char req[MAX_REQUEST];
    read_request(fd, req, sizeof(req), "\r\n\r\n");
    char head[256];
    if (strncmp(req, "GET ", 4) != 0) {
        const char *r = "HTTP/1.0 405 Method Not Allowed\r\nAllow: GET\r\nContent-Length: 0\r\n\r\n";
        write_all(fd, r, strlen(r));
        return;
    }
    const char *path = req + 4;
    size_t plen = strcspn(path, " ?\r\n");
    if (!(plen == 8 && strncmp(path, "/metrics", 8) == 0)) {
        const char *r = "HTTP/1.0 404 Not Found\r\nContent-Type: text/plain\r\n"
                        "Content-Length: 23\r\n\r\nsee GET /metrics only\r\n";
        write_all(fd, r, strlen(r));
        return;
    }
    size_t len = 0;
    char *body = ask_loop(a, "metrics", &len);
    if (!body) {
        const char *r = "HTTP/1.0 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n";
        write_all(fd, r, strlen(r));
        return;
    }
    int n = snprintf(head, sizeof(head),
                     "HTTP/1.0 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
                     "Content-Length: %zu\r\n\r\n", len);
    write_all(fd, head, (size_t)n);
    write_all(fd, body, len);
    free(body);
}

static void *admin_thread(void *arg)
{
    struct vh_admin *a = arg;
    for (;;) {
        struct pollfd pfd[3] = {{.fd = a->stop_fd, .events = POLLIN},
                                {.fd = a->admin_fd, .events = POLLIN},
                                {.fd = a->metrics_fd, .events = POLLIN}};
        if (poll(pfd, 3, -1) < 0) {
            if (errno == EINTR)
                continue;
            vc_error("admin: poll: %s", strerror(errno));
            return NULL;
        }
        if (pfd[0].revents)
            return NULL;
        for (int i = 1; i < 3; i++) {
            if (!pfd[i].revents)
                continue;
            int fd = accept4(pfd[i].fd, NULL, NULL, SOCK_CLOEXEC);
            if (fd < 0)
                continue;
            struct timeval t = {.tv_sec = CLIENT_TIMEOUT_S};
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &t, sizeof(t));
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &t, sizeof(t));
            if (i == 1)
                serve_admin(a, fd);
            else
                serve_http(a, fd);
            close(fd);
        }
    }
}

int vh_admin_start(const struct vh_admin_config *config, struct vh_admin **out, char *why,
                   size_t why_size)
{
    struct vh_admin *a = calloc(1, sizeof(*a));
    if (!a)
        return -ENOMEM;
    a->admin_fd = a->metrics_fd = a->stop_fd = a->wake_fd = -1;
    pthread_mutex_init(&a->mutex, NULL);
    pthread_cond_init(&a->answered_cond, NULL);
    int err = 0;
    if (config->admin_path) {
        err = listen_unix_at(config->admin_path, 0600, &a->admin_fd, why, why_size);
        if (!err)
            a->admin_path = strdup(config->admin_path);
    }
    if (!err && config->metrics) {
        if (strncmp(config->metrics, "unix:", 5) == 0) {
            err = listen_unix_at(config->metrics + 5, 0660, &a->metrics_fd, why, why_size);
            if (!err)
                a->metrics_path = strdup(config->metrics + 5);
        } else {
            err = listen_tcp_at(config->metrics, &a->metrics_fd, why, why_size);
        }
    }
    if (!err) {
        a->stop_fd = eventfd(0, EFD_CLOEXEC);
        a->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (a->stop_fd < 0 || a->wake_fd < 0)
            err = -errno;
    }
    if (!err) {
        err = -pthread_create(&a->thread, NULL, admin_thread, a);
        a->running = !err;
        if (err)
            snprintf(why, why_size, "cannot start its thread: %s", strerror(-err));
    }
    if (err) {
        vh_admin_stop(&a);
        return err;
    }
    *out = a;
    return 0;
}

void vh_admin_stop(struct vh_admin **admin)
{
    struct vh_admin *a = admin ? *admin : NULL;
    if (!a)
        return;
    if (a->running) {
        uint64_t one = 1;
        ssize_t w = write(a->stop_fd, &one, sizeof(one));
        (void)w;
        pthread_join(a->thread, NULL);
    }
    int fds[] = {a->admin_fd, a->metrics_fd, a->stop_fd, a->wake_fd};
    for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
        if (fds[i] >= 0)
            close(fds[i]);
    if (a->admin_path)
        unlink(a->admin_path);
    if (a->metrics_path)
        unlink(a->metrics_path);
    free(a->admin_path);
    free(a->metrics_path);
    free(a->reply);
    pthread_cond_destroy(&a->answered_cond);
    pthread_mutex_destroy(&a->mutex);
    free(a);
    *admin = NULL;
}

int vh_admin_fd(const struct vh_admin *a)
{
    return a ? a->wake_fd : -1;
}

/* "set CLASS POLICY": the reply line. */
static char *answer_set(struct vh_sched *s, const char *args)
{
    char *out = NULL;
    if (!s)
        return strdup("error: scheduling is off (vivacd --engine-slots 0)\n");
    char cls[VH_SCHED_NAME_MAX + 1], why[256];
    size_t n = strcspn(args, " ");
    const char *policy = args + n + strspn(args + n, " ");
    if (!n || n >= sizeof(cls) - 1 || !*policy) {
        return strdup("error: usage: set CLASS KEY=VALUE[,KEY=VALUE...]\n");
    }
    memcpy(cls, args, n);
    cls[n] = '\0';
    int c = vh_qos_class(s, cls);
    if (c < 0) {
        if (asprintf(&out, "error: no class %s (a --vm's name, local or cid:N)\n", cls) < 0)
            return NULL;
        return out;
    }
    struct vh_sched_policy p;
    vh_sched_get(s, (uint32_t)c, &p, NULL);
    if (vh_qos_parse(policy, &p, why, sizeof(why)) != 0) {
        if (asprintf(&out, "error: %s: %s\n", cls, why) < 0)
            return NULL;
        return out;
    }
    vh_sched_set_policy(s, (uint32_t)c, &p);
    char text[128];
    vh_qos_format(&p, text, sizeof(text));
    vc_info("scheduler: class %s: %s (vivac set)", cls, text);
    if (asprintf(&out, "ok %s %s\n", cls, text) < 0)
        return NULL;
    return out;
}

/* "reload": the VM files again (vm_set.h), logged as SIGHUP's is. */
static char *answer_reload(struct vh_sched *sched, struct vh_pool *pool, struct vh_vm_set *vms)
{
    char summary[1024], *out = NULL;
    int err = vh_vm_set_reload(vms, sched, pool, summary, sizeof(summary));
    if (err)
        vc_error("reload (vivac reload) refused, nothing changed: %s", summary);
    else
        vc_info("reload (vivac reload): %s", summary);
    if (asprintf(&out, err ? "error: %s\n" : "ok reloaded: %s\n", summary) < 0)
        return NULL;
    return out;
}

void vh_admin_answer(struct vh_admin *a, struct vh_sched *sched, struct vh_pool *pool,
                     struct vh_vm_set *vms)
{
    uint64_t v;
    ssize_t r = read(a->wake_fd, &v, sizeof(v));
    (void)r;
    pthread_mutex_lock(&a->mutex);
    if (a->pending && !a->answered) {
        char *reply = NULL;
        size_t len = 0;
        if (strcmp(a->request, "metrics") == 0) {
            FILE *f = open_memstream(&reply, &len);
            if (f) {
                vh_metrics_render(f, sched, pool);
                fclose(f);
            }
        } else if (strncmp(a->request, "set ", 4) == 0) {
            reply = answer_set(sched, a->request + 4);
            len = reply ? strlen(reply) : 0;
        } else if (strcmp(a->request, "reload") == 0) {
            reply = answer_reload(sched, pool, vms);
            len = reply ? strlen(reply) : 0;
        } else if (asprintf(&reply, "error: unknown request \"%.64s\" (set, metrics, reload)\n",
                            a->request) >= 0) {
            len = strlen(reply);
        }
        free(a->reply);
        a->reply = reply;
        a->reply_len = reply ? len : 0;
        a->answered = true;
        pthread_cond_signal(&a->answered_cond);
    }
    pthread_mutex_unlock(&a->mutex);
}
