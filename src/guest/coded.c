#include "guest/coded.h"

#include <string.h>

#include "common/log.h"
#include "guest/surface.h"

/* Checks END_FRAME's encode reply and copies the coded bytes into the
 * buffer; the vw status of the picture. */
static int take_result(struct vg_driver *drv, struct vg_buffer *b, const struct vg_reply *r)
{
    struct vg_coded *k = b->coded;
    memset(&k->result, 0, sizeof(k->result));
    if (r->status != VW_OK)
        return r->status;
    struct vw_encode_result res;
    if (r->body_len < sizeof(res)) {
        vc_warn("encode: END_FRAME reply without a result (%zu bytes)", r->body_len);
        return VW_ERR_MALFORMED;
    }
    memcpy(&res, r->body, sizeof(res));
    size_t extra = k->in_arena ? 0 : res.size;
    if (res.size > k->capacity || r->body_len - sizeof(res) != extra) {
        vc_warn("encode: END_FRAME reply of %zu bytes says %llu coded bytes, the buffer takes "
                "%llu", r->body_len, (unsigned long long)res.size,
                (unsigned long long)k->capacity);
        return VW_ERR_MALFORMED;
    }
    const uint8_t *src = k->in_arena ? vg_conn_arena_ptr(&drv->conn, k->region)
                                     : r->body + sizeof(res);
    memcpy(b->data, src, (size_t)res.size);
    k->result = res;
    return VW_OK;
}

void vg_coded_end_cb(void *user, uint32_t tag, struct vg_reply *r)
{
    struct vg_driver *drv = user;
    struct vg_buffer *b = vg_buffer_get(drv, tag);
    if (!b || !b->coded)
        return; /* vaTerminate: everything is going */
    struct vg_coded *k = b->coded;
    k->pending = false;
    /* The arena region was freed as the reply was read; nothing has
     * allocated since, so its bytes are still the daemon's. */
    k->status = take_result(drv, b, r);
    struct vg_reply seen = *r;
    seen.status = k->status;
    vg_surface_frame_end_cb(drv, k->surface, &seen);
}

int vg_coded_wait(struct vg_driver *drv, struct vg_buffer *b)
{
    if (!b->coded || !b->coded->pending)
        return 0;
    return vg_conn_wait(&drv->conn, b->coded->end_request);
}

VAStatus vg_coded_map(struct vg_driver *drv, struct vg_buffer *b, void **out)
{
    struct vg_coded *k = b->coded;
    int err = vg_coded_wait(drv, b);
    if (err)
        return vg_status_from_errno(err);
    k->segment = (VACodedBufferSegment){.buf = b->data};
    if (k->status == VW_ERR_LIMIT) {
        /* The picture did not fit the buffer: VA's way to say so is the
         * segment's status; its bytes are lost (vaSyncSurface failed too). */
        k->segment.status = VA_CODED_BUF_STATUS_SLICE_OVERFLOW_MASK |
                            VA_CODED_BUF_STATUS_FRAME_SIZE_OVERFLOW;
    } else if (k->status != VW_OK) {
        return vg_status_of_frame(k->status, true);
    } else {
        k->segment.size = (uint32_t)k->result.size;
        k->segment.status = k->result.qp & VA_CODED_BUF_STATUS_PICTURE_AVE_QP_MASK;
    }
    *out = &k->segment;
    return VA_STATUS_SUCCESS;
}
