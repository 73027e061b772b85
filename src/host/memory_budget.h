/*
 * The daemon's memory across sessions. Each session has its own limit
 * (vh_limits.max_bytes); every charge (surfaces, decoders, frame data) is
 * also taken from one budget shared by all sessions, so that many guests
 * cannot together take more of the host than the daemon was given.
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
 * budget has no limit. */
bool vh_budget_take(struct vh_memory_budget *b, uint64_t n);
void vh_budget_give(struct vh_memory_budget *b, uint64_t n);

/* Half of the machine's physical memory (the default limit); 0 if unknown. */
uint64_t vh_budget_default_limit(void);

#endif
