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
};

/* Takes n bytes, or nothing (false) when that would pass the limit. A NULL
 * budget has no limit. Thread safe. */
static inline bool vh_budget_take(struct vh_memory_budget *b, uint64_t n)
{
    if (!b)
        return true;
    uint64_t used = atomic_load(&b->used);
    do {
        if (b->limit && (n > b->limit || used > b->limit - n))
            return false;
    } while (!atomic_compare_exchange_weak(&b->used, &used, used + n));
    return true;
}

/* Gives back n bytes taken before. */
static inline void vh_budget_give(struct vh_memory_budget *b, uint64_t n)
{
    if (b)
        atomic_fetch_sub(&b->used, n);
}

/* Half of the machine's physical memory (the default limit); 0 if unknown. */
uint64_t vh_budget_default_limit(void);

/* The default GPU budget for a device of `total` bytes: half of it (0, i.e.
 * unlimited, when total is 0: the engine uses no GPU memory or cannot say). */
uint64_t vh_budget_default_gpu_limit(uint64_t total);

#endif
