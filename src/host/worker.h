/*
 * A worker: the process that parses one client's bytes. vivacd's supervisor
 * (server.c) starts one per client (a VM, a uid on the Unix socket, a vsock
 * CID) by running its own executable again with --worker, and hands it
 * that client's connections over the control socket (worker_control.h).
 * The worker creates its engine, locks itself in its sandbox (sandbox.h)
 * and only then reads a guest's first byte; it runs each connection on a
 * thread of its own (connection.h), watches their receive deadlines, and
 * ends when the supervisor closes the control socket or goes away.
 */
#ifndef VIVAC_HOST_WORKER_H
#define VIVAC_HOST_WORKER_H

#include <stdbool.h>
#include <stdint.h>

#include "host/engine.h"
#include "host/session.h"
#include "host/vm.h"

struct vh_worker_config {
    const char *role;             /* "vm:NAME", "uid:N", "cid:N": names the worker in logs */
    const char *engine_name;      /* resolved by the supervisor */
    struct vh_vm *vm;             /* the VM it serves, NULL for others; not owned */
    struct vh_limits limits;      /* .shared/.gpu_shared: this worker's budgets */
    struct vh_memory_budget *gpu_budget; /* the engine's charges beyond sessions */
    struct vh_timeouts timeouts;
    const char *record_dir;       /* NULL: off */
    const char *sandbox_user;     /* when started as root; NULL: the default */
    uint64_t max_address_space;   /* RLIMIT_AS of the worker; 0: none */
    uint32_t stall_ms;            /* one request handled longer: the ping goes unanswered; 0: never */
    bool scheduled;               /* decodes wait for the supervisor's grant (worker_gate.h) */
    int control_fd;
    /* Its connection to the GPU process (gpu_process.h), or -1: the engine
     * is then created here whole (and drives the GPU itself). */
    int gpu_fd;
};

/* Runs the worker until the supervisor ends it. "probe" as role: creates
 * the engine, reports it (READY) and returns. Returns the exit status. */
int vh_worker_run(const struct vh_worker_config *config);

#endif
