#include "host/memory_budget.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
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

int vh_budget_page_create(struct vh_budget_page **page, int *fd)
{
    int f = memfd_create("vivacd-budgets", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (f < 0)
        return -errno;
    /* Fixed size: a worker cannot shrink it under the supervisor. */
    if (ftruncate(f, sizeof(**page)) < 0 ||
        fcntl(f, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0) {
        int err = -errno;
        close(f);
        return err;
    }
    int err = vh_budget_page_map(f, page);
    if (err) {
        close(f);
        return err;
    }
    *fd = f;
    return 0;
}

int vh_budget_page_map(int fd, struct vh_budget_page **page)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return -errno;
    if ((uint64_t)st.st_size != sizeof(**page))
        return -EINVAL;
    void *p = mmap(NULL, sizeof(**page), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        return -errno;
    *page = p;
    return 0;
}

void vh_budget_page_reclaim(struct vh_budget_page *page, unsigned slot)
{
    if (slot >= VH_MAX_WORKERS)
        return;
    uint64_t mem = atomic_exchange(&page->worker[slot].memory.used, 0);
    uint64_t gpu = atomic_exchange(&page->worker[slot].gpu.used, 0);
    /* Never below zero, whatever the slot said. */
    uint64_t used = atomic_load(&page->memory.used);
    while (!atomic_compare_exchange_weak(&page->memory.used, &used, used > mem ? used - mem : 0))
        ;
    used = atomic_load(&page->gpu.used);
    while (!atomic_compare_exchange_weak(&page->gpu.used, &used, used > gpu ? used - gpu : 0))
        ;
}
