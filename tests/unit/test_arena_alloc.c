/* Guest arena allocator: aligned, in bounds, never overlapping, gaps reused,
 * checked against a byte map over thousands of random alloc/free steps. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "guest/arena_alloc.h"

#define ARENA (64u * 1024u)

static void test_basics(void)
{
    struct vg_arena_alloc a;
    uint64_t off = 1, off2 = 1;
    vg_arena_alloc_init(&a, ARENA + 17);   /* rounded down to the alignment */
    CHECK_EQ(a.size, ARENA);
    CHECK_EQ(vg_arena_alloc(&a, 0, &off), -EINVAL);
    CHECK_EQ(vg_arena_alloc(&a, ARENA + 1, &off), -ENOSPC);
    CHECK_EQ(vg_arena_alloc(&a, UINT64_MAX, &off), -ENOSPC);
    CHECK_EQ(vg_arena_alloc(&a, 1, &off), 0);
    CHECK_EQ(off, 0);
    CHECK_EQ(vg_arena_used(&a), VG_ARENA_ALIGN);
    CHECK_EQ(vg_arena_alloc(&a, ARENA - VG_ARENA_ALIGN, &off2), 0);
    CHECK_EQ(off2, VG_ARENA_ALIGN);
    CHECK_EQ(vg_arena_alloc(&a, 1, &off), -ENOSPC);    /* full */
    vg_arena_free(&a, 0);
    vg_arena_free(&a, 12345);                        /* unknown: ignored */
    CHECK_EQ(vg_arena_alloc(&a, 10, &off), 0);        /* the freed gap is reused */
    CHECK_EQ(off, 0);
    vg_arena_alloc_finish(&a);

    vg_arena_alloc_init(&a, 0);                      /* no arena: always inline */
    CHECK_EQ(vg_arena_alloc(&a, 1, &off), -ENOSPC);
    vg_arena_alloc_finish(&a);
}

static void test_random_against_byte_map(void)
{
    static uint8_t owner[ARENA];   /* 0 free, else 1 + slot */
    uint64_t offs[64], sizes[64];
    int live[64] = {0};
    struct vg_arena_alloc a;
    vg_arena_alloc_init(&a, ARENA);
    srand(7);
    int overlaps = 0, misaligned = 0, outside = 0, allocated = 0;
    for (int step = 0; step < 20000; step++) {
        int slot = rand() % 64;
        if (live[slot]) {
            vg_arena_free(&a, offs[slot]);
            for (uint64_t i = 0; i < sizes[slot]; i++)
                owner[offs[slot] + i] = 0;
            live[slot] = 0;
            continue;
        }
        uint64_t size = 1 + (uint64_t)(rand() % 4000);
        uint64_t off;
        if (vg_arena_alloc(&a, size, &off) != 0)
            continue;
        allocated++;
        misaligned += off % VG_ARENA_ALIGN != 0;
        if (off + size > ARENA) {
            outside++;
            continue;
        }
        for (uint64_t i = 0; i < size; i++) {
            overlaps += owner[off + i] != 0;
            owner[off + i] = (uint8_t)(1 + slot);
        }
        offs[slot] = off;
        sizes[slot] = size;
        live[slot] = 1;
    }
    CHECK(allocated > 5000);
    CHECK_EQ(overlaps, 0);
    CHECK_EQ(misaligned, 0);
    CHECK_EQ(outside, 0);
    for (int s = 0; s < 64; s++)
        if (live[s])
            vg_arena_free(&a, offs[s]);
    CHECK_EQ(vg_arena_used(&a), 0);
    vg_arena_alloc_finish(&a);
}

int main(void)
{
    test_basics();
    test_random_against_byte_map();
    return check_finish("test_arena_alloc");
}
