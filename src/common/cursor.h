/*
 * Bounds-checked reader over untrusted bytes.  Every read either succeeds
 * entirely or fails and sets the sticky `failed` flag; after a failure all
 * further reads fail too, so a parser can check once at the end.
 */
#ifndef VIVAC_COMMON_CURSOR_H
#define VIVAC_COMMON_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vc_cursor {
    const uint8_t *pos;
    size_t left;
    bool failed;
};

static inline struct vc_cursor vc_cursor_make(const void *data, size_t size)
{
    return (struct vc_cursor){.pos = data, .left = size, .failed = false};
}

/* Returns a pointer to the next `size` bytes and advances, or NULL (and sets
 * failed) if fewer remain. The pointer may be unaligned for the caller's type:
 * use vc_cursor_copy for structs. */
const uint8_t *vc_cursor_take(struct vc_cursor *c, size_t size);

/* Copies the next `size` bytes into dst; on failure dst is zeroed. */
bool vc_cursor_copy(struct vc_cursor *c, void *dst, size_t size);

/* `count` elements of `elem_size` bytes, overflow-checked. */
const uint8_t *vc_cursor_take_array(struct vc_cursor *c, size_t count, size_t elem_size);

/* True if every byte has been consumed and nothing failed. */
static inline bool vc_cursor_done(const struct vc_cursor *c)
{
    return !c->failed && c->left == 0;
}

/* Overflow-safe check that [offset, offset+size) lies inside [0, limit). */
static inline bool vc_range_ok(uint64_t offset, uint64_t size, uint64_t limit)
{
    return offset <= limit && size <= limit - offset;
}

#endif
