/*
 * The supervisor's workers (worker.h): one process per client, started on
 * the client's first connection, handed each of its connections, watched
 * (a worker that dies or stops answering ends only its own client's
 * connections) and retired once it has had no connection for a while.
 *
 * A client is named by its role: "vm:NAME" (a --vm's control socket),
 * "uid:N" (Unix socket peers of one uid: they could already ptrace one
 * another, so one process for them loses no isolation) or "cid:N" (a vsock
 * guest).
 *
 * Single-threaded: the supervisor's poll loop calls everything here.
 */
#ifndef VIVAC_HOST_WORKER_POOL_H
#define VIVAC_HOST_WORKER_POOL_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "host/memory_budget.h"
#include "host/scheduler.h"
#include "host/render_nodes.h"
#include "host/worker_control.h"

struct vh_pool_config {
    /* The worker command line: argv[0] is run as /proc/self/exe (this very
     * executable, even if the file was replaced); "--worker ROLE
     * --worker-slot N" are appended. NULL-terminated, not owned. */
    char *const *argv;
    struct vh_budget_page *budgets; /* shared with the workers; fd below */
    int budgets_fd;
    uint64_t client_memory;       /* each worker's budgets (0: unlimited) */
    uint64_t client_gpu_memory;
    uint32_t watchdog_ms;         /* a worker that leaves a ping unanswered this long is killed; 0: never */
    uint32_t retire_ms;           /* a worker without connections this long is ended */
    /* One GPU process for every worker (gpu_process.h): started before
     * the first worker, which gets its connection to it as fd
     * VH_WORKER_GPU_FD (and "--worker-gpu" on its command line). Its end
     * ends every worker attached to it. false: each worker drives the GPU
     * itself (a CUDA context per worker). */
    bool gpu_process;
    /* The decode scheduler (not owned), whose class each worker's client
     * belongs to (vh_pool_class_of); NULL: decodes are not scheduled. */
    struct vh_sched *sched;
    /* A VM's worker (role "vm:NAME") is started with "--worker-region PATH",
     * its VM's region ("" for none), which this says: NULL if no VM of that
     * name is served (the worker is then not started). NULL: no VMs. */
    const char *(*vm_region)(void *opaque, const char *name);
    void *vm_region_opaque;
    /* Render nodes the supervisor opened for the vaapi engine (not owned;
     * NULL: none): every worker but the GPU process gets them as fds
     * VH_WORKER_RENDER_FD0.. (render_nodes.h). */
    const struct vh_render_nodes *render_nodes;
};

/* The scheduler class of a client role: the VM's name for "vm:NAME",
 * "local" for every "uid:N" (the Unix socket's clients share one policy),
 * the role itself for "cid:N". */
void vh_pool_class_of(const char *role, char *name, size_t size);

struct vh_pool;

int vh_pool_create(const struct vh_pool_config *config, struct vh_pool **out);
/* Ends every worker (closes its control socket, waits a few seconds, then
 * kills it); accepts NULL. */
void vh_pool_destroy(struct vh_pool **pool);

/* Hands a connection (fd, closed here in every case) to the worker of
 * `role`, starting it first if there is none. hello_deadline: CLOCK_MONOTONIC
 * ms (0: none). 0, or -errno with the reason in why. */
int vh_pool_hand_over(struct vh_pool *pool, const char *role, int fd,
                      enum vh_control_transport transport, uint64_t hello_deadline,
                      char *why, size_t why_size);
/* Ends the worker of `role` if it runs (its connections with it), as a
 * retired one: a VM that is no longer served (vm_set.h). */
void vh_pool_end_role(struct vh_pool *pool, const char *role);
/* Connections handed over and not yet ended: of `role`, or of all (NULL). */
uint32_t vh_pool_connections(const struct vh_pool *pool, const char *role);

/* What the workers of one scheduler class (vh_pool_class_of) hold now. */
struct vh_pool_usage {
    uint32_t workers;
    uint32_t connections;
    uint64_t memory, gpu_memory;  /* bytes charged to their budgets */
};
void vh_pool_usage(const struct vh_pool *pool, const char *cls, struct vh_pool_usage *usage);
/* Workers running now (the probe included while it runs). */
uint32_t vh_pool_workers(const struct vh_pool *pool);

/* Poll integration: fills up to max entries (the workers' control sockets),
 * returns how many; vh_pool_dispatch takes them back after poll(). */
unsigned vh_pool_pollfds(const struct vh_pool *pool, struct pollfd *pfd, unsigned max);
void vh_pool_dispatch(struct vh_pool *pool, const struct pollfd *pfd, unsigned n);
/* Runs the timers (pings, watchdog, retiring, the scheduler's waits);
 * returns the ms until the next one (-1: none). */
int vh_pool_tick(struct vh_pool *pool);

/* Starts a worker with role "probe", waits for its READY (at most
 * timeout_ms) and returns the engine it started and the GPU's memory. */
int vh_pool_probe(struct vh_pool *pool, uint32_t timeout_ms, char *engine, size_t engine_size,
                  uint64_t *gpu_total);

#endif
