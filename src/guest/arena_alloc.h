/*
 * First-fit allocator over the shared arena.  Only offsets are managed here;
 * the mapping belongs to the connection.  A region is freed when the reply
 * of the request that used it has been read (decode blobs) or when its owner
 * goes away (image buffers).  Not thread-safe: callers hold the driver lock.
 */
#ifndef VIVAC_GUEST_ARENA_ALLOC_H
#define VIVAC_GUEST_ARENA_ALLOC_H

#include <stddef.h>
#include <stdint.h>

#define VG_ARENA_ALIGN 64u

struct vg_arena_block {
    uint64_t offset;
    uint64_t size;
};

struct vg_arena_alloc {
    uint64_t size;                  /* 0: no arena, every allocation fails */
    struct vg_arena_block *blocks;  /* allocated blocks, sorted by offset */
    size_t count;
    size_t capacity;
};

void vg_arena_alloc_init(struct vg_arena_alloc *a, uint64_t size);
void vg_arena_alloc_finish(struct vg_arena_alloc *a);
/* Finds the first gap of `size` bytes (rounded up to VG_ARENA_ALIGN).
 * 0, -ENOSPC if nothing fits, -EINVAL for size 0, -ENOMEM. */
int vg_arena_alloc(struct vg_arena_alloc *a, uint64_t size, uint64_t *offset);
/* Frees the block starting at offset; unknown offsets are ignored. */
void vg_arena_free(struct vg_arena_alloc *a, uint64_t offset);
/* Bytes currently allocated (for tests and logs). */
uint64_t vg_arena_used(const struct vg_arena_alloc *a);

#endif
