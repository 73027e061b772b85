#include "host/memory_budget.h"

#include <unistd.h>

uint64_t vh_budget_default_limit(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || size <= 0)
        return 0;
    return (uint64_t)pages * (uint64_t)size / 2;
}

uint64_t vh_budget_default_gpu_limit(uint64_t total)
{
    return total / 2;
}
