#include "guest/arena_alloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void vg_arena_alloc_init(struct vg_arena_alloc *a, uint64_t size)
{
    memset(a, 0, sizeof(*a));
    a->size = size & ~(uint64_t)(VG_ARENA_ALIGN - 1);
}

void vg_arena_alloc_finish(struct vg_arena_alloc *a)
{
    free(a->blocks);
    memset(a, 0, sizeof(*a));
}

int vg_arena_alloc(struct vg_arena_alloc *a, uint64_t size, uint64_t *offset)
{
    if (size == 0)
        return -EINVAL;
    if (size > a->size)
        return -ENOSPC;
    size = (size + VG_ARENA_ALIGN - 1) & ~(uint64_t)(VG_ARENA_ALIGN - 1);

    /* Gap before block i starts at the end of block i-1. */
    uint64_t start = 0;
    size_t i = 0;
    for (; i <= a->count; i++) {
        uint64_t end = i < a->count ? a->blocks[i].offset : a->size;
        if (end >= start && end - start >= size)
            break;
        if (i < a->count)
            start = a->blocks[i].offset + a->blocks[i].size;
    }
    if (i > a->count)
        return -ENOSPC;

    if (a->count == a->capacity) {
        size_t cap = a->capacity ? a->capacity * 2 : 16;
        struct vg_arena_block *b = realloc(a->blocks, sizeof(*b) * cap);
        if (!b)
            return -ENOMEM;
        a->blocks = b;
        a->capacity = cap;
    }
    memmove(a->blocks + i + 1, a->blocks + i, sizeof(*a->blocks) * (a->count - i));
    a->blocks[i] = (struct vg_arena_block){.offset = start, .size = size};
    a->count++;
    *offset = start;
    return 0;
}

void vg_arena_free(struct vg_arena_alloc *a, uint64_t offset)
{
    /* Binary search: blocks are sorted and do not overlap. */
    size_t lo = 0, hi = a->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (a->blocks[mid].offset < offset)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < a->count && a->blocks[lo].offset == offset) {
        memmove(a->blocks + lo, a->blocks + lo + 1, sizeof(*a->blocks) * (a->count - lo - 1));
        a->count--;
    }
}

uint64_t vg_arena_used(const struct vg_arena_alloc *a)
{
    uint64_t used = 0;
    for (size_t i = 0; i < a->count; i++)
        used += a->blocks[i].size;
    return used;
}
