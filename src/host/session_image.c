/* GET_IMAGE / PUT_IMAGE: rectangle and layout checks, data references, and
 * the engine's surface_read / surface_write. */
#include <stdlib.h>
#include <string.h>

#include "common/cursor.h"
#include "common/pixel_format.h"
#include "host/image_check.h"
#include "host/session_arena.h"
#include "host/session_internal.h"

/* Largest inline image a GET_IMAGE reply can carry. */
#define INLINE_IMAGE_MAX \
    (VW_MAX_MESSAGE - sizeof(struct vw_status) - sizeof(struct vw_get_image_reply) - VW_MESSAGE_TEXT_MAX)

static int check_data_ref(struct vh_session *s, const char *what, const struct vw_data_ref *ref,
                          uint64_t needed, struct vh_error *err)
{
    if (ref->reserved != 0)
        return vh_error_set(err, VW_ERR_MALFORMED, "%s: data.reserved is not 0", what);
    if (ref->location == VW_LOC_INLINE) {
        if (ref->offset != 0)
            return vh_error_set(err, VW_ERR_MALFORMED, "%s: inline data.offset must be 0", what);
    } else if (ref->location == VW_LOC_ARENA) {
        if (!vt_arena_contains(&s->arena, ref->offset, ref->size))
            return vh_error_set(err, VW_ERR_OUT_OF_BOUNDS,
                                "%s: data [%llu, +%llu) outside the arena (%llu bytes)", what,
                                (unsigned long long)ref->offset, (unsigned long long)ref->size,
                                (unsigned long long)s->arena.size);
    } else {
        return vh_error_set(err, VW_ERR_MALFORMED, "%s: data.location %u unknown", what,
                            ref->location);
    }
    if (needed > ref->size)
        return vh_error_set(err, VW_ERR_MALFORMED,
                            "%s: layout needs %llu bytes, data.size is %llu", what,
                            (unsigned long long)needed, (unsigned long long)ref->size);
    return VW_OK;
}

int vh_handle_get_image(struct vh_session *s, const struct vh_request *req, struct vh_reply *rep)
{
    const char *W = "GET_IMAGE";
    struct vw_get_image gi;
    struct vc_cursor c = vc_cursor_make(req->payload, req->size);
    if (!vc_cursor_copy(&c, &gi, sizeof(gi)) || !vc_cursor_done(&c))
        return vh_expect_size(rep, W, req->size, sizeof(gi));
    if (gi.reserved != 0)
        return vh_error_set(&rep->err, VW_ERR_MALFORMED, "%s: reserved is not 0", W);
    struct vh_surface_obj *so = vh_session_surface(s, gi.surface_id);
    if (!so)
        return vh_error_set(&rep->err, VW_ERR_INVALID_ID, "%s: no surface %u", W, gi.surface_id);
    uint64_t needed;
    int st = vh_image_check_rect(W, &so->surface, gi.x, gi.y, gi.width, gi.height, &rep->err);
    if (st == VW_OK)
        st = vh_image_check_layout(W, &gi.layout, &so->surface, 0, 0, gi.width, gi.height, &needed,
                          &rep->err);
    if (st == VW_OK)
        st = check_data_ref(s, W, &gi.dst, needed, &rep->err);
    if (st != VW_OK)
        return st;

    uint8_t *dst, *bounce = NULL;
    if (gi.dst.location == VW_LOC_INLINE) {
        if (gi.dst.size > INLINE_IMAGE_MAX)
            return vh_error_set(&rep->err, VW_ERR_LIMIT,
                                "%s: inline image of %llu bytes exceeds %zu (use the arena)", W,
                                (unsigned long long)gi.dst.size, (size_t)INLINE_IMAGE_MAX);
        dst = calloc(1, (size_t)gi.dst.size);
        if (!dst)
            return vh_error_set(&rep->err, VW_ERR_NO_MEMORY, "%s: out of memory", W);
        rep->tail_owned = dst;
    } else if (vh_session_arena_direct(s)) {
        /* Written straight into the client's sealed memfd: only written,
         * never read back, so concurrent changes by the client cannot hurt
         * us, and it cannot shrink under the engine. */
        dst = s->arena.base + gi.dst.offset;
    } else {
        /* A VM's region can be truncated under the engine, which must not
         * fault (nor be jumped out of, holding its locks): it writes into
         * the session's buffer, copied to the region by a guarded copy
         * below. The bytes it leaves alone (padding between rows and
         * planes) hold zeroes or this session's earlier images, nothing of
         * another tenant. */
        bounce = vh_session_bounce(s, needed, W, rep);
        if (!bounce)
            return rep->err.status;
        dst = bounce;
    }
    struct vh_rect rect = {.x = gi.x, .y = gi.y, .width = gi.width, .height = gi.height};
    st = s->engine->ops->surface_read(s->engine, &so->surface, &rect, &gi.layout, dst, &rep->err);
    if (st != VW_OK) {
        if (rep->err.status != st)
            vh_error_set(&rep->err, st, "%s: engine failed", W);
        return st;
    }
    if (bounce) {
        st = vh_session_arena_write(s, gi.dst.offset, bounce, needed, W, rep);
        if (st != VW_OK)
            return st; /* the region was truncated: the session ends */
    }
    rep->body_buf.image = (struct vw_get_image_reply){.size = gi.dst.size};
    rep->body = &rep->body_buf.image;
    rep->body_len = sizeof(rep->body_buf.image);
    if (gi.dst.location == VW_LOC_INLINE) {
        rep->tail = dst;
        rep->tail_len = (size_t)gi.dst.size;
    }
    return VW_OK;
}

int vh_handle_put_image(struct vh_session *s, const struct vh_request *req, struct vh_reply *rep)
{
    const char *W = "PUT_IMAGE";
    struct vw_put_image pi;
    struct vc_cursor c = vc_cursor_make(req->payload, req->size);
    if (!vc_cursor_copy(&c, &pi, sizeof(pi)))
        return vh_expect_size(rep, W, req->size, sizeof(pi));
    if (pi.reserved != 0)
        return vh_error_set(&rep->err, VW_ERR_MALFORMED, "%s: reserved is not 0", W);
    /* Exact size first: inline bytes follow the struct, nothing otherwise. */
    uint64_t tail = pi.src.location == VW_LOC_INLINE ? pi.src.size : 0;
    if (c.left != tail)
        return vh_expect_size(rep, W, req->size, sizeof(pi) + tail);
    struct vh_surface_obj *so = vh_session_surface(s, pi.surface_id);
    if (!so)
        return vh_error_set(&rep->err, VW_ERR_INVALID_ID, "%s: no surface %u", W, pi.surface_id);
    uint64_t needed;
    int st = vh_image_check_rect(W, &so->surface, pi.dst_x, pi.dst_y, pi.width, pi.height, &rep->err);
    const struct vc_pixel_format *pf = vc_pixel_format_get(so->surface.pixel_format);
    if (st == VW_OK && pf &&
        (pi.src_x & (vc_pixel_format_align_x(pf) - 1) || pi.src_y & (vc_pixel_format_align_y(pf) - 1)))
        st = vh_error_set(&rep->err, VW_ERR_MALFORMED,
                          "%s: src_x/src_y %u,%u split a chroma sample of %s", W, pi.src_x,
                          pi.src_y, pf->name);
    if (st == VW_OK)
        st = vh_image_check_layout(W, &pi.layout, &so->surface, pi.src_x, pi.src_y, pi.width, pi.height,
                          &needed, &rep->err);
    if (st == VW_OK)
        st = check_data_ref(s, W, &pi.src, needed, &rep->err);
    if (st != VW_OK)
        return st;

    const uint8_t *data;
    uint8_t *copy = NULL;
    if (pi.src.location == VW_LOC_INLINE) {
        data = vc_cursor_take(&c, (size_t)pi.src.size);
    } else {
        /* Copy out of the arena once; the engine reads our copy. */
        copy = malloc(needed ? (size_t)needed : 1);
        if (!copy)
            return vh_error_set(&rep->err, VW_ERR_NO_MEMORY, "%s: out of memory", W);
        st = vh_session_arena_read(s, copy, pi.src.offset, needed, W, rep);
        if (st != VW_OK) {
            free(copy);   /* a VM region truncated under us: the session ends */
            return st;
        }
        data = copy;
    }
    struct vh_rect src = {.x = pi.src_x, .y = pi.src_y, .width = pi.width, .height = pi.height};
    st = s->engine->ops->surface_write(s->engine, &so->surface, &src, pi.dst_x, pi.dst_y,
                                       &pi.layout, data, &rep->err);
    if (copy) {
        /* Freed by the dispatcher after the recorder has seen it. */
        rep->arena_copy = copy;
        rep->arena_copy_size = needed;
        rep->arena_copy_owned = copy;
    }
    if (st != VW_OK && rep->err.status != st)
        vh_error_set(&rep->err, st, "%s: engine failed", W);
    return st;
}
