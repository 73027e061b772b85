/* A worker process: one client's connections, sandboxed (worker.h). */
#include "host/worker.h"

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <signal.h>
#include <unistd.h>

#include "common/log.h"
#include "host/connection.h"
#include "host/encoder.h"
#include "host/sandbox.h"
#include "host/worker_control.h"
#include "host/worker_gate.h"
#include "transport/channel.h"

/* One connection handed over by the supervisor. The control loop owns the
 * channel (it frees it after joining the thread), so shutdown() on it never
 * races with free. */
struct conn {
    struct conn *next;
    pthread_t thread;
    struct vt_channel *ch;
    uint32_t id;                  /* the supervisor's */
    bool done;                    /* thread finished (under mutex) */
    struct worker *worker;
    struct vh_deadline deadline;  /* Unix and vsock only: watched by the control loop */
    _Atomic int64_t busy_since_ms; /* a request being handled since (0: none) */
};

struct worker {
    const struct vh_worker_config *config;
    struct vh_engine *engine;
    pthread_mutex_t mutex;
    struct conn *conns;
    int wake_fd;                  /* eventfd: a connection thread finished */
    uint32_t next_session;        /* session ids in logs (under mutex) */
    struct vh_worker_gate *gate;  /* NULL: decodes are not scheduled */
    bool stall_logged;
};

/* A local (Unix or vsock) client must read its replies: one that stops
 * reading for SEND_TIMEOUT_S is dropped. VM link connections stay open
 * between the guest's sessions. */
#define SEND_TIMEOUT_S 30

/* How often the deadlines are looked at at most: a session may set a new
 * one at any time without waking the loop, so one that passes is acted on
 * within this. */
#define WATCH_TICK_MS 250

static int watch_deadlines(struct worker *w)
{
    int64_t now = vh_now_ms();
    int timeout = -1;
    pthread_mutex_lock(&w->mutex);
    for (struct conn *c = w->conns; c; c = c->next) {
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
    pthread_mutex_unlock(&w->mutex);
    return timeout;
}

static uint32_t next_session_id(void *opaque)
{
    struct worker *w = opaque;
    pthread_mutex_lock(&w->mutex);
    uint32_t id = w->next_session++;
    pthread_mutex_unlock(&w->mutex);
    return id;
}

static void *connection_thread(void *arg)
{
    struct conn *c = arg;
    struct worker *w = c->worker;
    const struct vh_worker_config *cfg = w->config;
    if (!c->ch->user) {
        struct timeval snd = {.tv_sec = SEND_TIMEOUT_S};
        if (setsockopt(c->ch->fd, SOL_SOCKET, SO_SNDTIMEO, &snd, sizeof(snd)) != 0)
            vc_warn("cannot set socket timeouts: %s", strerror(errno));
    }
    struct vh_connection conn = {
        .engine = w->engine,
        .limits = &cfg->limits,
        .record_dir = cfg->record_dir,
        .deadline = c->ch->user ? NULL : &c->deadline,
        .timeouts = &cfg->timeouts,
        .next_id = next_session_id,
        .opaque = w,
        .busy_since_ms = &c->busy_since_ms,
        .gate = w->gate ? vh_worker_gate_base(w->gate) : NULL,
    };
    vh_connection_serve(&conn, c->ch, next_session_id(w));

    pthread_mutex_lock(&w->mutex);
    c->done = true;
    pthread_mutex_unlock(&w->mutex);
    uint64_t one = 1;
    ssize_t n = write(w->wake_fd, &one, sizeof(one));
    (void)n;
    return NULL;
}

/* Joins and frees finished connections (all of them if `all`), telling the
 * supervisor each one is over. */
static void reap(struct worker *w, bool all)
{
    for (;;) {
        struct conn *found = NULL;
        pthread_mutex_lock(&w->mutex);
        for (struct conn **pp = &w->conns; *pp; pp = &(*pp)->next) {
            if ((*pp)->done || all) {
                found = *pp;
                *pp = found->next;
                break;
            }
        }
        pthread_mutex_unlock(&w->mutex);
        if (!found)
            return;
        pthread_join(found->thread, NULL);
        vt_channel_destroy(&found->ch);
        struct vh_control_msg msg = {.type = VH_CONTROL_ENDED, .id = found->id};
        vh_control_send(w->config->control_fd, &msg, -1);
        free(found);
    }
}

static void add_connection(struct worker *w, const struct vh_control_msg *msg, int fd)
{
    struct vt_channel *ch = NULL;
    int err;
    switch (msg->transport) {
    case VH_TRANSPORT_UNIX:
        err = vt_unix_wrap(fd, &ch);
        break;
    case VH_TRANSPORT_VSOCK:
        err = vt_socket_wrap(fd, false, &ch);
        break;
    case VH_TRANSPORT_LINK:
        err = w->config->vm ? vt_link_wrap(fd, 0, &ch) : -EINVAL;
        if (!err)
            ch->user = w->config->vm;
        break;
    default:
        close(fd);
        err = -EINVAL;
    }
    struct conn *c = err ? NULL : calloc(1, sizeof(*c));
    if (!c)
        goto fail;
    c->ch = ch;
    c->worker = w;
    c->id = msg->id;
    if (!ch->user && msg->arg)
        atomic_store(&c->deadline.word, vh_deadline_pack((int64_t)msg->arg, VH_DEADLINE_HELLO));
    pthread_mutex_lock(&w->mutex);
    err = pthread_create(&c->thread, NULL, connection_thread, c);
    if (!err) {
        c->next = w->conns;
        w->conns = c;
    }
    pthread_mutex_unlock(&w->mutex);
    if (!err)
        return;
    vc_error("cannot start a connection thread: %s", strerror(err));
    free(c);
fail:
    vt_channel_destroy(&ch);
    struct vh_control_msg ended = {.type = VH_CONTROL_ENDED, .id = msg->id};
    vh_control_send(w->config->control_fd, &ended, -1);
}

/* False once a connection has been handling one request for longer than
 * the watchdog allows (logged once). */
static bool healthy(struct worker *w)
{
    uint32_t limit = w->config->stall_ms;
    if (!limit)
        return true;
    int64_t now = vh_now_ms();
    bool ok = true;
    pthread_mutex_lock(&w->mutex);
    for (struct conn *c = w->conns; c; c = c->next) {
        int64_t since = atomic_load(&c->busy_since_ms);
        if (since && now - since >= limit) {
            if (!w->stall_logged)
                vc_error("a request of connection %u has been handled for %lld ms: not "
                         "answering the supervisor (its watchdog ends this worker)", c->id,
                         (long long)(now - since));
            w->stall_logged = true;
            ok = false;
        }
    }
    pthread_mutex_unlock(&w->mutex);
    return ok;
}

/* Reads the supervisor's messages until it closes the socket. */
static void serve(struct worker *w)
{
    int ctl = w->config->control_fd;
    for (;;) {
        struct pollfd pfd[2] = {{.fd = ctl, .events = POLLIN}, {.fd = w->wake_fd, .events = POLLIN}};
        if (poll(pfd, 2, watch_deadlines(w)) < 0) {
            if (errno == EINTR)
                continue;
            vc_error("poll: %s", strerror(errno));
            return;
        }
        if (pfd[1].revents) {
            uint64_t v;
            ssize_t r = read(w->wake_fd, &v, sizeof(v));
            (void)r;
            reap(w, false);
        }
        if (!pfd[0].revents)
            continue;
        struct vh_control_msg msg;
        int fd = -1;
        int err = vh_control_recv(ctl, &msg, &fd);
        if (err == -ECONNRESET)
            return; /* the supervisor ends us */
        if (err) {
            vc_error("control socket: %s", strerror(-err));
            return;
        }
        if (msg.type == VH_CONTROL_CONNECTION && fd >= 0) {
            add_connection(w, &msg, fd);
        } else if (msg.type == VH_CONTROL_GRANT) {
            if (w->gate && vh_worker_gate_granted(w->gate, msg.id) != 0)
                vc_warn("the supervisor granted ticket %u, which no decode waits for", msg.id);
        } else if (msg.type == VH_CONTROL_PING) {
            /* Alive is not enough: a request stuck in its handling (a
             * decoder in a loop) leaves the ping unanswered, and the
             * supervisor kills the worker. */
            if (healthy(w)) {
                struct vh_control_msg pong = {.type = VH_CONTROL_PONG, .arg = msg.arg};
                vh_control_send(ctl, &pong, -1);
            }
        } else if (fd >= 0) {
            close(fd);
        }
    }
}

#ifdef VIVAC_TEST_HOOKS
/* Test builds: VIVAC_TEST_ESCAPE asks the sandboxed worker to try what its
 * sandbox must refuse (tests/e2e/sandbox.sh). */
static void try_escapes(void)
{
    const char *list = getenv("VIVAC_TEST_ESCAPE");
    if (!list || !*list)
        return;
    char *copy = strdup(list), *save = NULL;
    for (char *what = strtok_r(copy, ",", &save); what; what = strtok_r(NULL, ",", &save)) {
        char result[256];
        vc_warn("test escape %s: trying", what);
        vh_sandbox_test_escape(what, result, sizeof(result));
        vc_warn("test escape %s", result);
    }
    free(copy);
}
#endif

#ifdef VIVAC_TEST_HOOKS
/* Test builds: VIVAC_TEST_ROGUE=ROLE:flood|forge|hold makes the worker of
 * ROLE lie to the supervisor's scheduler as a compromised worker could: 64
 * ASKs at once (more than its connections allow), a DONE for a ticket
 * never granted, or one ASK whose grant it keeps for ever
 * (tests/e2e/qos_rogue.sh: the supervisor must kill it). */
static void act_rogue(const char *role, int control_fd)
{
    const char *rogue = getenv("VIVAC_TEST_ROGUE");
    size_t len = strlen(role);
    if (!rogue || strncmp(rogue, role, len) != 0 || rogue[len] != ':')
        return;
    const char *what = rogue + len + 1;
    vc_warn("test rogue: %s", what);
    if (strcmp(what, "flood") == 0) {
        for (uint32_t t = 1; t <= 64; t++) {
            struct vh_control_msg ask = {.type = VH_CONTROL_ASK, .id = 1000000 + t,
                                         .job = {.codec = 1, .macroblocks = 1}};
            vh_control_send(control_fd, &ask, -1);
        }
    } else if (strcmp(what, "hold") == 0) {
        struct vh_control_msg ask = {.type = VH_CONTROL_ASK, .id = 1000000,
                                     .job = {.codec = 1, .macroblocks = 1}};
        vh_control_send(control_fd, &ask, -1);
    } else if (strcmp(what, "forge") == 0) {
        struct vh_control_msg done = {.type = VH_CONTROL_DONE, .id = 12345};
        vh_control_send(control_fd, &done, -1);
    }
}
#endif

/* Whether the host has a GPU device node (NVIDIA's, or a DRM render node),
 * and which; test builds may name one (VIVAC_TEST_GPU_DEVICE). */
static bool host_gpu_device(char *path, size_t n)
{
#ifdef VIVAC_TEST_HOOKS
    const char *given = getenv("VIVAC_TEST_GPU_DEVICE");
    if (given && *given) {
        snprintf(path, n, "%s", given);
        return access(given, F_OK) == 0;
    }
#endif
    if (access("/dev/nvidia0", F_OK) == 0) {
        snprintf(path, n, "/dev/nvidia0");
        return true;
    }
    DIR *dri = opendir("/dev/dri");
    struct dirent *e;
    bool found = false;
    while (dri && !found && (e = readdir(dri)))
        if (strncmp(e->d_name, "renderD", 7) == 0) {
            snprintf(path, n, "/dev/dri/%.40s", e->d_name);
            found = true;
        }
    if (dri)
        closedir(dri);
    return found;
}

/* "auto": every engine that starts on this machine, joined
 * (vh_engine_create_auto: nvdec, then vaapi, then sw, per profile).
 * With a GPU process (gpu_fd >= 0): the named engine's half that sends its
 * GPU work there. */
static int create_engine(const char *name, int gpu_fd, struct vh_engine **out)
{
    if (gpu_fd >= 0) {
        const struct vh_engine_ops *ops = vh_engine_find(name);
        struct vh_error err = {0};
        if (!ops || !ops->create_remote) {
            vc_error("engine %s has no GPU process half", name);
            close(gpu_fd);
            return -ENODEV;
        }
        if (ops->create_remote(out, gpu_fd, &err)) {
            vc_error("engine %s (GPU process) cannot start: %s", ops->name, err.message);
            return -ENODEV;
        }
        return 0;
    }
    struct vh_error err = {0};
    if (strcmp(name, "auto") != 0) {
        const struct vh_engine_ops *ops = vh_engine_find(name);
        if (!ops) {
            vc_error("unknown engine \"%s\" (see --help)", name);
            return -ENOENT;
        }
        if (ops->create(out, &err) != VW_OK) {
            vc_error("engine %s cannot start: %s", ops->name, err.message);
            return -ENODEV;
        }
        return 0;
    }
    char failed[512];
    if (vh_engine_create_auto(out, failed, sizeof(failed)) == VW_OK) {
        /* Hardware is tried first: sw alone where some failed. */
        char device[64];
        if (failed[0] && strcmp((*out)->ops->name, "sw") == 0 &&
            host_gpu_device(device, sizeof(device)))
            vc_warn("engine auto: falling back to %s although this host has a GPU (%s): %s",
                    (*out)->ops->name, device, failed);
        return 0;
    }
    vc_error("no engine can start on this machine");
    return -ENODEV;
}

int vh_worker_run(const struct vh_worker_config *config)
{
    /* The supervisor's death ends us; SIGTERM/SIGINT stay blocked (the
     * supervisor ends its workers by closing their control sockets). */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() == 1)
        return 1; /* the supervisor died before prctl */
    const char *const write_paths[] = {config->record_dir, NULL};
    /* A worker with a GPU process never touches the GPU: it gets the
     * sandbox of a CPU engine. The vaapi engine's VA driver drives a DRM
     * render node: the CPU sandbox and the DRM calls (sandbox.h, drm), not
     * the NVIDIA driver's list. A composite (or auto) that holds both gets
     * both. */
    bool vaapi = vh_engine_includes(config->engine_name, "vaapi");
    bool gpu = vh_engine_includes(config->engine_name, "nvdec") && config->gpu_fd < 0;
    struct vh_sandbox_config sandbox = {
        .user = config->sandbox_user,
        .write_paths = config->record_dir ? write_paths : NULL,
        .max_address_space = gpu ? 0 : config->max_address_space,
        /* libnvcuvid opens device files for every decoder: at 256 a worker
         * of 64 streams saw cuvidCreateDecoder fail (NO_DEVICE,
         * OUT_OF_MEMORY) from about the 33rd decoder on (H100, 2026-12-05). */
        .max_open_files = gpu ? 4096u : 0u,
        .gpu = gpu,
        .socket_pairs = config->gpu_fd >= 0,
        .drm = vaapi,
    };
    char report[512];
    /* Namespaces and the privilege drop while single-threaded (an engine
     * starts threads), the engine, then the lock: after it, no new file
     * outside the allow-list, no exec, no network, no ptrace. */
    int err = vh_sandbox_prepare(&sandbox, report, sizeof(report));
    if (err) {
        vc_error("sandbox: %s", report);
        return 1;
    }
    vc_info("sandbox prepared: %s", report);
    struct worker w = {.config = config, .wake_fd = -1, .next_session = 1};
    if (create_engine(config->engine_name, config->gpu_fd, &w.engine))
        return 1;
    vh_engine_set_gpu_budget(w.engine, config->gpu_budget);
    /* Before the lock: NVENC opens device nodes, x265 reads the CPU's
     * topology. GPU encoders only where the worker drives the GPU (not beside
     * sw, CI's libx264, nor with a GPU process). */
    vh_encoder_probe(gpu);
    err = vh_sandbox_lock(&sandbox, report, sizeof(report));
    if (err) {
        vc_error("sandbox: %s", report);
        w.engine->ops->destroy(&w.engine);
        return 1;
    }
    vc_info("sandbox locked: %s", report);
    int status = 1;
    struct vh_control_msg ready = {.type = VH_CONTROL_READY};
    ready.arg = w.engine->ops->gpu_memory_total ? w.engine->ops->gpu_memory_total(w.engine) : 0;
    snprintf(ready.text, sizeof(ready.text), "%s", w.engine->ops->name);
    if (vh_control_send(config->control_fd, &ready, -1))
        goto out_engine;
    status = 0;
    if (strcmp(config->role, "probe") == 0)
        goto out_engine;
#ifdef VIVAC_TEST_HOOKS
    try_escapes();
    act_rogue(config->role, config->control_fd);
    /* VIVAC_TEST_HANG_FRAME=ROLE:N: only the worker of ROLE hangs at frame N. */
    const char *hang = getenv("VIVAC_TEST_HANG_FRAME");
    if (hang) {
        size_t len = strlen(config->role);
        if (strncmp(hang, config->role, len) == 0 && hang[len] == ':')
            setenv("VIVAC_TEST_HANG_FRAME", hang + len + 1, 1);
        else
            unsetenv("VIVAC_TEST_HANG_FRAME");
    }
#endif
    w.wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (w.wake_fd < 0) {
        status = 1;
        goto out_engine;
    }
    if (config->scheduled && vh_worker_gate_create(config->control_fd, &w.gate) != 0) {
        status = 1;
        goto out_wake;
    }
    pthread_mutex_init(&w.mutex, NULL);
    serve(&w);
    /* End every connection and wait for it; decodes waiting for a grant
     * fail (the supervisor is gone or ends us). */
    if (w.gate)
        vh_worker_gate_close(w.gate);
    pthread_mutex_lock(&w.mutex);
    for (struct conn *c = w.conns; c; c = c->next)
        if (!c->done)
            c->ch->ops->shutdown(c->ch);
    pthread_mutex_unlock(&w.mutex);
    reap(&w, true);
    pthread_mutex_destroy(&w.mutex);
    vh_worker_gate_destroy(&w.gate);
out_wake:
    close(w.wake_fd);
out_engine:
    w.engine->ops->destroy(&w.engine);
    return status;
}
