/*
 * The supervisor's decode scheduler: which client's next picture goes to
 * the engine when a slot frees up. Workers ask before each decode and say
 * when it is done (worker_control.h); the engine is given at most `slots`
 * pictures at a time, so the order is decided here, not by a driver FIFO.
 *
 * Discipline (after mClock, Gulati et al., OSDI 2010), per class (a VM, the
 * local clients, a vsock guest), in cost units (cost.h):
 *   reservation r  while the class asks, it is served at rate r before any
 *                  weight is looked at (R tags: its head is due at
 *                  max(last R finish, when it became head));
 *   limit l        never more than l, even on an idle engine (L tags);
 *   weight w       what is left goes by weight: start-time fair queueing
 *                  over virtual time (P tags), among classes under their
 *                  limit.
 * Tags are given to a class's head request only (when it becomes head), so
 * an idle class neither banks credit nor pays debt, and service in the
 * weight phase never counts against the reservation (no catch-up bursts).
 * A limited class waits even if slots are free: vh_sched_next then says
 * when to look again.
 *
 * Pure logic, no I/O, no threads (the supervisor's loop calls it); times
 * are CLOCK_MONOTONIC nanoseconds given by the caller.
 */
#ifndef VIVAC_HOST_SCHEDULER_H
#define VIVAC_HOST_SCHEDULER_H

#include <stdbool.h>
#include <stdint.h>

#define VH_SCHED_NAME_MAX 64
#define VH_SCHED_MAX_CLASSES 512
/* Queue-wait histogram bucket bounds, seconds (vh_sched_stats.wait_hist). */
#define VH_SCHED_WAIT_BUCKETS 12
extern const double vh_sched_wait_bounds[VH_SCHED_WAIT_BUCKETS];

struct vh_sched_policy {
    double weight;                /* > 0; 1 by default */
    double reservation;           /* cost units/s; 0: none */
    double limit;                 /* cost units/s; 0: none; never below reservation */
};

/* What a class has been given since it was created (counters only grow). */
struct vh_sched_stats {
    uint64_t granted;             /* pictures sent to the engine */
    uint64_t done, failed;        /* of those, finished / finished with an error */
    uint64_t granted_reserved;    /* of granted, in the reservation phase */
    double cost;                  /* cost units granted */
    double engine_seconds;        /* engine time the workers reported */
    double wait_seconds;          /* queue wait, summed */
    uint64_t wait_hist[VH_SCHED_WAIT_BUCKETS + 1]; /* cumulative: <= bound i; last: all */
    uint32_t queued, in_flight;   /* now */
};

struct vh_sched_grant {
    uint64_t owner;               /* as given to vh_sched_ask */
    uint32_t ticket;
    uint32_t cls;
};

struct vh_sched;

/* slots: pictures on the engine at once (>= 1). */
int vh_sched_create(uint32_t slots, const struct vh_sched_policy *default_policy,
                    struct vh_sched **out);
void vh_sched_destroy(struct vh_sched **sched); /* accepts NULL */

/* 0 if the policy is usable, else -EINVAL with the reason in why. */
int vh_sched_policy_check(const struct vh_sched_policy *p, char *why, unsigned why_size);

/* The class named `name`, created with the default policy if new (in a
 * freed entry if there is one); its index, or -ENOSPC (more than
 * VH_SCHED_MAX_CLASSES in use at once) / -EINVAL (empty or too long a name). */
int vh_sched_class(struct vh_sched *sched, const char *name);
/* Sets a class's policy (takes effect at its next head); the class is then
 * kept (a VM's file, --qos, vivac set) until vh_sched_class_unkeep. -EINVAL. */
int vh_sched_set_policy(struct vh_sched *sched, uint32_t cls, const struct vh_sched_policy *p);
/* A worker of class cls starts / ends. A class that no worker holds, that
 * is not kept and has nothing queued or on the engine is freed (its name
 * and counters go, its index may name a new class): so vsock guests and
 * VMs that come and go do not use up the classes of a long-running daemon. */
void vh_sched_class_hold(struct vh_sched *sched, uint32_t cls);
void vh_sched_class_release(struct vh_sched *sched, uint32_t cls);
/* Its VM is no longer configured: back to the default policy, freed once
 * unused. */
void vh_sched_class_unkeep(struct vh_sched *sched, uint32_t cls);
/* Entries in use or free: iterate 0..n-1 and skip the NULL names. */
uint32_t vh_sched_num_classes(const struct vh_sched *sched);
/* NULL for a freed entry. */
const char *vh_sched_class_name(const struct vh_sched *sched, uint32_t cls);
void vh_sched_get(const struct vh_sched *sched, uint32_t cls, struct vh_sched_policy *policy,
                  struct vh_sched_stats *stats);
uint32_t vh_sched_slots(const struct vh_sched *sched);

/* Queues one picture of class cls costing `cost` (> 0) units for `owner`
 * (a worker) under its `ticket`. 0, -EINVAL or -ENOMEM. */
int vh_sched_ask(struct vh_sched *sched, uint32_t cls, uint64_t owner, uint32_t ticket,
                 double cost, int64_t now_ns);
/* The next picture to send to the engine, if a slot is free and a class may
 * go: true and *grant filled (its slot is taken). Otherwise false, and
 * *wake_ns (if not NULL) is when a limited or not-yet-due class could go
 * (INT64_MAX: nothing waits on time). */
bool vh_sched_next(struct vh_sched *sched, int64_t now_ns, struct vh_sched_grant *grant,
                   int64_t *wake_ns);
/* A granted picture is done: frees its slot. engine_ns: the engine time
 * the worker measured; failed: it ended with an error. -ENOENT if owner
 * holds no such granted ticket. */
int vh_sched_done(struct vh_sched *sched, uint64_t owner, uint32_t ticket, int64_t engine_ns,
                  bool failed);
/* The owner of a picture granted before now_ns - max_ns and not done (a
 * worker holding a slot for ever starves everyone): true and *owner set. */
bool vh_sched_overdue(const struct vh_sched *sched, int64_t now_ns, int64_t max_ns,
                      uint64_t *owner);
/* Drops everything of owner (a worker that ended): its queued pictures and
 * the slots of its granted ones. */
void vh_sched_forget(struct vh_sched *sched, uint64_t owner);

#endif
