#include "host/memory_budget.h"

#include <unistd.h>

bool vh_budget_take(struct vh_memory_budget *b, uint64_t n)
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

void vh_budget_give(struct vh_memory_budget *b, uint64_t n)
{
    if (b)
        atomic_fetch_sub(&b->used, n);
}

uint64_t vh_budget_default_limit(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || size <= 0)
        return 0;
    return (uint64_t)pages * (uint64_t)size / 2;
}
