/* The supervisor's workers (worker_pool.h). */
#include "host/worker_pool.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "host/decode_cost.h"
#include "host/session.h"

struct worker {
    struct worker *next;
    char role[64];
    pid_t pid;
    int control;                  /* our end of the socket pair */
    unsigned slot;                /* in the budget page */
    bool ready;
    int64_t started_ms;
    int64_t idle_since_ms;        /* 0: has connections */
    uint64_t ping_seq, pong_seq;
    int64_t ping_sent_ms;         /* of ping_seq; 0: none outstanding */
    int64_t next_ping_ms;
    uint32_t *ids;                /* connections handed over, not yet ended */
    uint32_t count, cap;
    uint64_t gpu_total;           /* from READY */
    char engine[48];
    /* Ending (on vh_pool.ending): since when, whether asked to, and how
     * many connections it had. */
    int64_t ending_since_ms;
    bool expected;
    uint32_t lost;
    /* The scheduler: its class (-1: none, the probe) and its decodes asked
     * for and not yet done. */
    int cls;
    uint32_t asks;
    bool on_gpu;                  /* attached to the GPU process */
};

struct vh_pool {
    struct vh_pool_config config;
    struct worker *workers;
    struct worker *ending;        /* out of service, not yet exited */
    bool slot_used[VH_MAX_WORKERS];
    uint32_t next_id;
    unsigned argc;                /* of config.argv */
    struct vh_cost_model cost;
    struct worker *gpu;           /* the GPU process (config.gpu_process), or NULL */
    int64_t sched_wake_ns;        /* a limited class may go then (INT64_MAX: none) */
};

/* Decodes a worker may have asked for and not finished, beyond one per
 * connection: more is a worker flooding the scheduler. */
#define ASK_SLACK 16

/* A worker that has not said READY this long after its start (its engine
 * may be slow to start: a CUDA context) is killed. */
#define START_TIMEOUT_MS 60000
/* An ended worker must exit within this (it closes its connections and
 * destroys its engine), or it is killed; it is looked at this often. */
#define ENDING_MS 5000
#define ENDING_POLL_MS 50

extern char **environ;

static int64_t now_ms(void)
{
    return vh_now_ms();
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The GPU process is kept as a worker of this role: started, made ready,
 * pinged and collected like one, but it serves workers, not clients. */
#define GPU_ROLE "gpu"

static bool is_client(const char *role)
{
    return strcmp(role, "probe") != 0 && strcmp(role, GPU_ROLE) != 0;
}

/* The render nodes (worker_pool.h) for every worker but the GPU process,
 * as fds VH_WORKER_RENDER_FD0..: each duplicated above every target fd
 * first (into hi[], closed by the caller) so that no dup2 of the spawn
 * overwrites a source still to come. 0 or -errno. */
static int add_render_nodes(const struct vh_pool *p, const char *role,
                            posix_spawn_file_actions_t *fa, int hi[VH_RENDER_NODES_MAX])
{
    const struct vh_render_nodes *nodes = p->config.render_nodes;
    if (!nodes || strcmp(role, GPU_ROLE) == 0)
        return 0;
    for (unsigned i = 0; i < nodes->count && i < VH_RENDER_NODES_MAX; i++) {
        hi[i] = fcntl(nodes->fds[i], F_DUPFD_CLOEXEC, VH_WORKER_RENDER_FD0 + VH_RENDER_NODES_MAX);
        if (hi[i] < 0)
            return -errno;
        posix_spawn_file_actions_adddup2(fa, hi[i], VH_WORKER_RENDER_FD0 + (int)i);
    }
    return 0;
}

void vh_pool_class_of(const char *role, char *name, size_t size)
{
    if (strncmp(role, "vm:", 3) == 0)
        snprintf(name, size, "%s", role + 3);
    else if (strncmp(role, "uid:", 4) == 0)
        snprintf(name, size, "local");
    else
        snprintf(name, size, "%s", role);
}

int vh_pool_create(const struct vh_pool_config *config, struct vh_pool **out)
{
    struct vh_pool *p = calloc(1, sizeof(*p));
    if (!p)
        return -ENOMEM;
    p->config = *config;
    p->next_id = 1;
    p->sched_wake_ns = INT64_MAX;
    while (config->argv[p->argc])
        p->argc++;
    *out = p;
    return 0;
}

static const char *signal_name(int sig)
{
    const char *s = strsignal(sig);
    return s ? s : "?";
}

/* Logs how a worker ended (status from waitpid). */
static void log_end(const struct worker *w, int status)
{
    if (WIFSIGNALED(status))
        vc_error("worker %s (pid %d) was killed by signal %d (%s)%s; its %u connection(s) "
                 "are closed, other clients are not affected",
                 w->role, (int)w->pid, WTERMSIG(status), signal_name(WTERMSIG(status)),
                 WTERMSIG(status) == SIGSYS ? ": its sandbox refused a system call" : "",
                 w->lost);
    else if (!w->expected || WEXITSTATUS(status))
        vc_log(WEXITSTATUS(status) ? VC_LOG_ERROR : VC_LOG_INFO,
               "worker %s (pid %d) exited with status %d%s; its %u connection(s) are closed",
               w->role, (int)w->pid, WEXITSTATUS(status),
               w->ready ? "" : " before it was ready", w->lost);
    else
        vc_info("worker %s (pid %d) ended", w->role, (int)w->pid);
}

/* Frees a worker that has exited: its budgets are given back and its slot
 * free only now, when it can no longer charge or give back. */
static void release(struct vh_pool *p, struct worker *w, int status)
{
    for (struct worker **pp = &p->ending; *pp; pp = &(*pp)->next)
        if (*pp == w) {
            *pp = w->next;
            break;
        }
    log_end(w, status);
    vh_budget_page_reclaim(p->config.budgets, w->slot);
    p->slot_used[w->slot] = false;
    free(w->ids);
    free(w);
}

/* Takes w out of service: its connections are gone with it (they were its
 * sockets; it counts none from now on), its control socket closed, which
 * ends a live worker. It is collected by vh_pool_tick (or at once if it
 * has exited already), killed if it does not exit within ENDING_MS. */
static void kill_worker(struct vh_pool *p, struct worker *w, const char *why);

static void drop(struct vh_pool *p, struct worker *w, bool expected)
{
    for (struct worker **pp = &p->workers; *pp; pp = &(*pp)->next)
        if (*pp == w) {
            *pp = w->next;
            break;
        }
    if (w == p->gpu) {
        /* Its workers' engines are gone with it: end them; their clients
         * reconnect to fresh workers and a fresh GPU process. */
        p->gpu = NULL;
        struct worker *o = p->workers;
        while (o) {
            struct worker *following = o->next;
            if (o->on_gpu)
                kill_worker(p, o, "lost the GPU process");
            o = following;
        }
    }
    close(w->control);
    w->control = -1;
    if (p->config.sched && w->cls >= 0) {
        vh_sched_forget(p->config.sched, w->slot);
        vh_sched_class_release(p->config.sched, (uint32_t)w->cls);
    }
    w->asks = 0;
    w->expected = expected;
    w->lost = w->count;
    w->count = 0;
    w->ending_since_ms = now_ms();
    w->next = p->ending;
    p->ending = w;
    int status;
    if (waitpid(w->pid, &status, WNOHANG) == w->pid)
        release(p, w, status);
}

/* Collects ended workers; kills those that overstay. Returns the ms until
 * the next look (-1: none is ending). */
static int64_t collect_ending(struct vh_pool *p, int64_t now)
{
    int64_t next = -1;
    struct worker *w = p->ending;
    while (w) {
        struct worker *following = w->next;
        int status;
        if (waitpid(w->pid, &status, WNOHANG) == w->pid) {
            release(p, w, status);
        } else if (now - w->ending_since_ms >= ENDING_MS) {
            vc_warn("worker %s (pid %d) does not exit: killed", w->role, (int)w->pid);
            kill(w->pid, SIGKILL);
            if (waitpid(w->pid, &status, 0) == w->pid)
                release(p, w, status);
        } else {
            int64_t due = now + ENDING_POLL_MS;
            if (next < 0 || due < next)
                next = due;
        }
        w = following;
    }
    return next;
}

static void kill_worker(struct vh_pool *p, struct worker *w, const char *why)
{
    vc_error("worker %s (pid %d) %s: killed", w->role, (int)w->pid, why);
    kill(w->pid, SIGKILL);
    drop(p, w, false);
}

void vh_pool_destroy(struct vh_pool **pool)
{
    struct vh_pool *p = pool ? *pool : NULL;
    if (!p)
        return;
    /* Closing the control sockets ends them all at once; then collect. */
    while (p->workers)
        drop(p, p->workers, true);
    while (p->ending) {
        struct timespec ts = {0, ENDING_POLL_MS * 1000 * 1000};
        nanosleep(&ts, NULL);
        collect_ending(p, now_ms());
    }
    free(p);
    *pool = NULL;
}

static struct worker *find(const struct vh_pool *p, const char *role)
{
    for (struct worker *w = p->workers; w; w = w->next)
        if (strcmp(w->role, role) == 0)
            return w;
    return NULL;
}

static int spawn(struct vh_pool *p, const char *role, struct worker **out)
{
    if (p->config.gpu_process && is_client(role) && !p->gpu) {
        int err = spawn(p, GPU_ROLE, &p->gpu);
        if (err)
            return err;
    }
    unsigned slot = 0;
    while (slot < VH_MAX_WORKERS && p->slot_used[slot])
        slot++;
    if (slot == VH_MAX_WORKERS)
        return -EMFILE;
    /* A VM's worker: its region, from the VMs served now (not from the
     * daemon's command line: the VM may have come with a reload). */
    const char *region = NULL;
    if (strncmp(role, "vm:", 3) == 0 && p->config.vm_region &&
        !(region = p->config.vm_region(p->config.vm_region_opaque, role + 3)))
        return -ENOENT;
    struct worker *w = calloc(1, sizeof(*w));
    if (!w)
        return -ENOMEM;
    snprintf(w->role, sizeof(w->role), "%s", role);
    w->slot = slot;
    w->cls = -1;
    if (p->config.sched && is_client(role)) {
        char name[VH_SCHED_NAME_MAX];
        vh_pool_class_of(role, name, sizeof(name));
        w->cls = vh_sched_class(p->config.sched, name);
        if (w->cls < 0) {
            int err = w->cls;
            free(w);
            return err;
        }
        vh_sched_class_hold(p->config.sched, (uint32_t)w->cls);
    }
    /* The slot's budgets: this client's limits, nothing used. */
    struct vh_budget_page *page = p->config.budgets;
    atomic_store(&page->worker[slot].memory.used, 0);
    atomic_store(&page->worker[slot].gpu.used, 0);
    page->worker[slot].memory.limit = p->config.client_memory;
    page->worker[slot].gpu.limit = p->config.client_gpu_memory;

    /* A client's worker with the GPU process: its connection to it, the
     * GPU process's end handed over first (it queues until that is ready). */
    int gpu_pair[2] = {-1, -1};
    if (p->config.gpu_process && is_client(role)) {
        int err = 0;
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, gpu_pair) < 0)
            err = -errno;
        else {
            struct vh_control_msg attach = {.type = VH_CONTROL_GPU_ATTACH, .id = slot,
                                            .arg = p->config.client_gpu_memory};
            /* Its name, so that the GPU process's lines about worker N can
             * be read as that VM's or client's. */
            snprintf(attach.text, sizeof(attach.text), "%s", role);
            err = vh_control_send(p->gpu->control, &attach, gpu_pair[0]);
            close(gpu_pair[0]);
            if (err)
                close(gpu_pair[1]);
        }
        if (err) {
            free(w);
            return err;
        }
        w->on_gpu = true;
    }
    int pair[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0) {
        if (gpu_pair[1] >= 0)
            close(gpu_pair[1]);
        free(w);
        return -errno;
    }
    /* Above every fd the worker gets, so that the dup2s cannot collide. */
    int hi_control = fcntl(pair[1], F_DUPFD_CLOEXEC, 10);
    int hi_budgets = fcntl(p->config.budgets_fd, F_DUPFD_CLOEXEC, 10);
    int hi_gpu = gpu_pair[1] >= 0 ? fcntl(gpu_pair[1], F_DUPFD_CLOEXEC, 10) : -1;
    close(pair[1]);
    if (gpu_pair[1] >= 0)
        close(gpu_pair[1]);
    int hi_render[VH_RENDER_NODES_MAX];
    for (unsigned i = 0; i < VH_RENDER_NODES_MAX; i++)
        hi_render[i] = -1;
    char slot_text[16];
    snprintf(slot_text, sizeof(slot_text), "%u", slot);
    char **argv = calloc(p->argc + 8, sizeof(*argv));
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    int err = -ENOMEM;
    if (hi_control < 0 || hi_budgets < 0 || (w->on_gpu && hi_gpu < 0) || !argv)
        goto out;
    memcpy(argv, p->config.argv, p->argc * sizeof(*argv));
    argv[p->argc] = "--worker";
    argv[p->argc + 1] = w->role;
    argv[p->argc + 2] = "--worker-slot";
    argv[p->argc + 3] = slot_text;
    posix_spawn_file_actions_adddup2(&fa, hi_control, VH_WORKER_CONTROL_FD);
    posix_spawn_file_actions_adddup2(&fa, hi_budgets, VH_WORKER_BUDGETS_FD);
    unsigned at = p->argc + 4;
    if (w->on_gpu) {
        argv[at++] = "--worker-gpu";
        posix_spawn_file_actions_adddup2(&fa, hi_gpu, VH_WORKER_GPU_FD);
    }
    if (region) {
        argv[at++] = "--worker-region";
        argv[at] = (char *)region;
    }
    if ((err = add_render_nodes(p, role, &fa, hi_render)) != 0)
        goto out;
    err = -posix_spawn(&w->pid, "/proc/self/exe", &fa, NULL, argv, environ);
out:
    posix_spawn_file_actions_destroy(&fa);
    free(argv);
    if (hi_control >= 0)
        close(hi_control);
    if (hi_budgets >= 0)
        close(hi_budgets);
    if (hi_gpu >= 0)
        close(hi_gpu);
    for (unsigned i = 0; i < VH_RENDER_NODES_MAX; i++)
        if (hi_render[i] >= 0)
            close(hi_render[i]);
    if (err) {
        close(pair[0]);
        free(w);
        return err;
    }
    w->control = pair[0];
    /* Never blocked by a worker that stops reading (a GRANT, a PING). */
    fcntl(w->control, F_SETFL, fcntl(w->control, F_GETFL) | O_NONBLOCK);
    w->started_ms = now_ms();
    w->next_ping_ms = w->started_ms;
    p->slot_used[slot] = true;
    w->next = p->workers;
    p->workers = w;
    vc_info("worker %s started (pid %d)", w->role, (int)w->pid);
    *out = w;
    return 0;
}

int vh_pool_hand_over(struct vh_pool *p, const char *role, int fd,
                      enum vh_control_transport transport, uint64_t hello_deadline,
                      char *why, size_t why_size)
{
    struct worker *w = find(p, role);
    int err = 0;
    if (!w && (err = spawn(p, role, &w)) != 0) {
        snprintf(why, why_size, "vivacd: cannot start a worker for %s: %s", role,
                 err == -EMFILE ? "too many workers" : strerror(-err));
        close(fd);
        return err;
    }
    if (w->count == w->cap) {
        uint32_t cap = w->cap ? w->cap * 2 : 4;
        uint32_t *ids = realloc(w->ids, cap * sizeof(*ids));
        if (!ids) {
            snprintf(why, why_size, "vivacd: out of memory");
            close(fd);
            return -ENOMEM;
        }
        w->ids = ids;
        w->cap = cap;
    }
    struct vh_control_msg msg = {.type = VH_CONTROL_CONNECTION, .id = p->next_id++,
                                 .transport = transport, .arg = hello_deadline};
    err = vh_control_send(w->control, &msg, fd);
    close(fd);
    if (err) {
        snprintf(why, why_size, "vivacd: the worker for %s does not take connections: %s", role,
                 strerror(-err));
        return err;
    }
    w->ids[w->count++] = msg.id;
    w->idle_since_ms = 0;
    return 0;
}

void vh_pool_end_role(struct vh_pool *p, const char *role)
{
    struct worker *w = find(p, role);
    if (!w)
        return;
    vc_info("worker %s (pid %d): its client is no longer served; ending it and its %u "
            "connection(s)", w->role, (int)w->pid, w->count);
    drop(p, w, true);
}

uint32_t vh_pool_connections(const struct vh_pool *p, const char *role)
{
    uint32_t n = 0;
    for (const struct worker *w = p->workers; w; w = w->next)
        if (!role || strcmp(w->role, role) == 0)
            n += w->count;
    return n;
}

void vh_pool_usage(const struct vh_pool *p, const char *cls, struct vh_pool_usage *u)
{
    *u = (struct vh_pool_usage){0};
    for (const struct worker *w = p->workers; w; w = w->next) {
        char name[VH_SCHED_NAME_MAX];
        vh_pool_class_of(w->role, name, sizeof(name));
        if (strcmp(name, cls) != 0)
            continue;
        const struct vh_budget_page *page = p->config.budgets;
        u->workers++;
        u->connections += w->count;
        u->memory += atomic_load(&page->worker[w->slot].memory.used);
        u->gpu_memory += atomic_load(&page->worker[w->slot].gpu.used);
    }
}

uint32_t vh_pool_workers(const struct vh_pool *p)
{
    uint32_t n = 0;
    for (const struct worker *w = p->workers; w; w = w->next)
        n++;
    return n;
}

unsigned vh_pool_pollfds(const struct vh_pool *p, struct pollfd *pfd, unsigned max)
{
    unsigned n = 0;
    for (const struct worker *w = p->workers; w && n < max; w = w->next)
        pfd[n++] = (struct pollfd){.fd = w->control, .events = POLLIN};
    return n;
}

static void connection_ended(struct worker *w, uint32_t id)
{
    for (uint32_t i = 0; i < w->count; i++)
        if (w->ids[i] == id) {
            w->ids[i] = w->ids[--w->count];
            if (!w->count)
                w->idle_since_ms = now_ms();
            return;
        }
}

static struct worker *by_slot(const struct vh_pool *p, uint64_t slot)
{
    for (struct worker *w = p->workers; w; w = w->next)
        if (w->slot == slot)
            return w;
    return NULL;
}

/* Grants what the scheduler lets go now. A worker that cannot take its
 * GRANT (it stopped reading its control socket) is ended. */
static void pump(struct vh_pool *p)
{
    struct vh_sched *s = p->config.sched;
    struct vh_sched_grant g;
    int64_t now = now_ns();
    while (vh_sched_next(s, now, &g, &p->sched_wake_ns)) {
        struct worker *w = by_slot(p, g.owner);
        struct vh_control_msg msg = {.type = VH_CONTROL_GRANT, .id = g.ticket};
        if (w && vh_control_send(w->control, &msg, -1) == 0)
            continue;
        vh_sched_done(s, g.owner, g.ticket, 0, true);
        if (w)
            kill_worker(p, w, "does not read its control socket");
    }
}

/* ASK: a picture of w's to schedule. */
static void asked(struct vh_pool *p, struct worker *w, const struct vh_control_msg *msg)
{
    if (!p->config.sched || w->cls < 0) {
        kill_worker(p, w, "asked the scheduler, which is off");
        return;
    }
    if (w->asks >= w->count + ASK_SLACK) {
        kill_worker(p, w, "asked for more decodes than it has connections");
        return;
    }
    double cost = vh_cost_of(&p->cost, msg->job.codec, msg->job.macroblocks);
    if (vh_sched_ask(p->config.sched, (uint32_t)w->cls, w->slot, msg->id, cost, now_ns()) != 0) {
        kill_worker(p, w, "asked for a decode the scheduler cannot queue");
        return;
    }
    w->asks++;
    pump(p);
}

/* DONE: a granted picture of w's is decoded. */
static void done(struct vh_pool *p, struct worker *w, const struct vh_control_msg *msg)
{
    if (!p->config.sched ||
        vh_sched_done(p->config.sched, w->slot, msg->id, (int64_t)msg->job.engine_ns,
                      msg->job.failed != 0) != 0) {
        kill_worker(p, w, "finished a decode it was not granted");
        return;
    }
    w->asks--;
    vh_cost_learn(&p->cost, msg->job.codec, msg->job.macroblocks, msg->job.engine_ns);
    pump(p);
}

/* One message from a worker, which may be lying: anything unexpected ends it. */
static void from_worker(struct vh_pool *p, struct worker *w)
{
    struct vh_control_msg msg;
    int err = vh_control_recv(w->control, &msg, NULL);
    if (err == -EAGAIN)
        return;
    if (err) {
        if (err == -EBADMSG)
            kill_worker(p, w, "sent a malformed control message");
        else
            drop(p, w, false);
        return;
    }
    switch (msg.type) {
    case VH_CONTROL_ENDED:
        connection_ended(w, msg.id);
        break;
    case VH_CONTROL_ASK:
        asked(p, w, &msg);
        break;
    case VH_CONTROL_DONE:
        done(p, w, &msg);
        break;
    case VH_CONTROL_PONG:
        if (msg.arg == w->ping_seq)
            w->ping_sent_ms = 0;
        break;
    case VH_CONTROL_READY:
        if (!w->ready) {
            w->ready = true;
            w->gpu_total = msg.arg;
            memcpy(w->engine, msg.text, sizeof(w->engine) - 1);
            vc_info("worker %s (pid %d) ready (engine %s)", w->role, (int)w->pid, w->engine);
        }
        break;
    default:
        kill_worker(p, w, "sent an unknown control message");
    }
}

void vh_pool_dispatch(struct vh_pool *p, const struct pollfd *pfd, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        if (!pfd[i].revents)
            continue;
        /* Found again by fd: an earlier entry may have dropped its worker. */
        for (struct worker *w = p->workers; w; w = w->next)
            if (w->control == pfd[i].fd) {
                from_worker(p, w);
                break;
            }
    }
}

int vh_pool_tick(struct vh_pool *p)
{
    int64_t now = now_ms();
    int64_t next = collect_ending(p, now);
    if (p->config.sched) {
        /* A worker that holds a slot longer than the watchdog allows is
         * stuck or lying (it may answer pings): it starves everyone. */
        uint64_t slot;
        while (p->config.watchdog_ms &&
               vh_sched_overdue(p->config.sched, now_ns(),
                                (int64_t)p->config.watchdog_ms * 1000000, &slot)) {
            struct worker *late = by_slot(p, slot);
            if (!late) {
                vh_sched_forget(p->config.sched, slot);
                continue;
            }
            char why[96];
            snprintf(why, sizeof(why), "held the engine for a decode over %u ms",
                     p->config.watchdog_ms);
            kill_worker(p, late, why);
        }
        /* A limited class whose time has come, or grants a dropped
         * worker's slots made possible. */
        pump(p);
        if (p->sched_wake_ns != INT64_MAX) {
            int64_t due = (p->sched_wake_ns + 999999) / 1000000;
            if (next < 0 || due < next)
                next = due;
        }
    }
    struct worker *w = p->workers;
    while (w) {
        struct worker *following = w->next;
        int64_t due = -1;
        if (!w->ready) {
            if (now - w->started_ms >= START_TIMEOUT_MS) {
                kill_worker(p, w, "did not get ready in time");
                w = following;
                continue;
            }
            due = w->started_ms + START_TIMEOUT_MS;
        } else if (p->config.watchdog_ms) {
            if (w->ping_sent_ms && now - w->ping_sent_ms >= p->config.watchdog_ms) {
                char why[96];
                snprintf(why, sizeof(why), "left a ping unanswered for %u ms",
                         p->config.watchdog_ms);
                kill_worker(p, w, why);
                w = following;
                continue;
            }
            if (!w->ping_sent_ms && now >= w->next_ping_ms) {
                struct vh_control_msg ping = {.type = VH_CONTROL_PING, .arg = ++w->ping_seq};
                if (vh_control_send(w->control, &ping, -1) == 0)
                    w->ping_sent_ms = now;
                w->next_ping_ms = now + p->config.watchdog_ms / 3;
            }
            due = w->ping_sent_ms ? w->ping_sent_ms + p->config.watchdog_ms : w->next_ping_ms;
        }
        if (!w->count && w->ready && w->idle_since_ms) {
            if (now - w->idle_since_ms >= p->config.retire_ms) {
                vc_info("worker %s (pid %d): no connection for %u ms, ended", w->role,
                        (int)w->pid, p->config.retire_ms);
                drop(p, w, true);
                w = following;
                continue;
            }
            int64_t retire = w->idle_since_ms + p->config.retire_ms;
            if (due < 0 || retire < due)
                due = retire;
        }
        if (due >= 0 && (next < 0 || due < next))
            next = due;
        w = following;
    }
    if (next < 0)
        return -1;
    return next <= now ? 0 : (int)(next - now);
}

int vh_pool_probe(struct vh_pool *p, uint32_t timeout_ms, char *engine, size_t engine_size,
                  uint64_t *gpu_total)
{
    struct worker *w;
    int err = spawn(p, "probe", &w);
    if (err)
        return err;
    int64_t end = now_ms() + timeout_ms;
    while (!w->ready) {
        int64_t left = end - now_ms();
        struct pollfd pfd = {.fd = w->control, .events = POLLIN};
        if (left <= 0 || poll(&pfd, 1, (int)left) == 0) {
            kill_worker(p, w, "did not get ready in time");
            return -ETIMEDOUT;
        }
        struct vh_control_msg msg;
        err = vh_control_recv(w->control, &msg, NULL);
        if (err == -EINTR)
            continue;
        if (err || msg.type != VH_CONTROL_READY) {
            drop(p, w, false);
            return err ? err : -EPROTO;
        }
        w->ready = true;
        *gpu_total = msg.arg;
        snprintf(engine, engine_size, "%.*s", (int)sizeof(msg.text) - 1, msg.text);
    }
    drop(p, w, true);
    while (p->ending) { /* the probe exits by itself once READY is sent */
        struct timespec ts = {0, ENDING_POLL_MS * 1000 * 1000};
        nanosleep(&ts, NULL);
        collect_ending(p, now_ms());
    }
    return 0;
}
