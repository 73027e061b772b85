/*
 * The daemon's memory across sessions. Each session has its own limit
 * (vh_limits.max_bytes); every charge (surfaces, decoders, frame data) is
 * also taken from one budget shared by all sessions, so that many guests
 * cannot together take more of the host than the daemon was given.
 *
 * GPU memory has a budget of its own (vivacd --max-gpu-memory), the same
 * struct: sessions charge what the engine says its surfaces and decoders may
 * hold on the device (vh_limits.max_gpu_bytes, vh_limits.gpu_shared), and
 * the engine charges what it keeps beyond them (vh_engine.gpu_budget).
 *
 * take/give are inline so that engine libraries linked without the daemon
 * (bench/nvdec_smoke) can use them.
 */
#ifndef VIVAC_HOST_MEMORY_BUDGET_H
#define VIVAC_HOST_MEMORY_BUDGET_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct vh_memory_budget {
    _Atomic uint64_t used;
    uint64_t limit;               /* bytes; 0: unlimited */
    /* What this budget takes is also taken from parent (NULL: none): a
     * worker's budget (one VM's) is a part of the daemon's. */
    struct vh_memory_budget *parent;
};

static inline bool vh_budget_take_one(struct vh_memory_budget *b, uint64_t n)
{
    uint64_t used = atomic_load(&b->used);
    do {
        if (b->limit && (n > b->limit || used > b->limit - n))
            return false;
    } while (!atomic_compare_exchange_weak(&b->used, &used, used + n));
    return true;
}

/* Takes n bytes from b and its parent, or nothing (false) when that would
 * pass either limit. A NULL budget has no limit. Thread safe. */
static inline bool vh_budget_take(struct vh_memory_budget *b, uint64_t n)
{
    if (!b)
        return true;
    if (!vh_budget_take_one(b, n))
        return false;
    if (b->parent && !vh_budget_take_one(b->parent, n)) {
        atomic_fetch_sub(&b->used, n);
        return false;
    }
    return true;
}

/* Gives back n bytes taken before. */
static inline void vh_budget_give(struct vh_memory_budget *b, uint64_t n)
{
    if (!b)
        return;
    atomic_fetch_sub(&b->used, n);
    if (b->parent)
        atomic_fetch_sub(&b->parent->used, n);
}

/* Which budget would refuse n more bytes: b's parent (the daemon's) or b
 * itself (one worker's), for the error message. */
static inline const struct vh_memory_budget *vh_budget_refuser(const struct vh_memory_budget *b,
                                                               uint64_t n)
{
    const struct vh_memory_budget *p = b->parent;
    if (p && p->limit && (n > p->limit || atomic_load(&p->used) > p->limit - n))
        return p;
    return b;
}

/* Half of the machine's physical memory (the default limit); 0 if unknown. */
uint64_t vh_budget_default_limit(void);

/* The default GPU budget for a device of `total` bytes: half of it (0, i.e.
 * unlimited, when total is 0: the engine uses no GPU memory or cannot say). */
uint64_t vh_budget_default_gpu_limit(uint64_t total);

/* The budgets of a daemon of several processes, in one shared memory page
 * set up by the supervisor (a memfd every worker maps): the daemon's, and
 * one pair per worker (a client: a VM, a uid, a vsock CID), whose parent is
 * the daemon's. A worker that dies leaves its charges in its slot; the
 * supervisor gives them back (vh_budget_page_reclaim). Accounting between
 * processes that behave: a compromised worker can write anything here, and
 * what bounds it is the kernel's (its rlimits). */
#define VH_MAX_WORKERS 256

struct vh_budget_page {
    struct vh_memory_budget memory, gpu;
    struct {
        struct vh_memory_budget memory, gpu;
    } worker[VH_MAX_WORKERS];
};

/* Creates the page (a sealed-size memfd, close-on-exec) and maps it. */
int vh_budget_page_create(struct vh_budget_page **page, int *fd);
/* Maps a page created by the supervisor (a worker's fd 4). */
int vh_budget_page_map(int fd, struct vh_budget_page **page);
/* Gives back what a worker's slot still holds (the worker is gone). */
void vh_budget_page_reclaim(struct vh_budget_page *page, unsigned slot);

#endif
