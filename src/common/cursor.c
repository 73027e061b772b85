#include "common/cursor.h"

#include <string.h>

const uint8_t *vc_cursor_take(struct vc_cursor *c, size_t size)
{
    if (c->failed || size > c->left) {
        c->failed = true;
        return NULL;
    }
    const uint8_t *p = c->pos;
    c->pos += size;
    c->left -= size;
    return p;
}

bool vc_cursor_copy(struct vc_cursor *c, void *dst, size_t size)
{
    const uint8_t *p = vc_cursor_take(c, size);
    if (!p) {
        memset(dst, 0, size);
        return false;
    }
    memcpy(dst, p, size);
    return true;
}

const uint8_t *vc_cursor_take_array(struct vc_cursor *c, size_t count, size_t elem_size)
{
    if (elem_size != 0 && count > SIZE_MAX / elem_size) {
        c->failed = true;
        return NULL;
    }
    return vc_cursor_take(c, count * elem_size);
}
