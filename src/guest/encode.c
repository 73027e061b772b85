#include "guest/encode.h"

#include "common/log.h"
#include "guest/coded.h"
#include "guest/enc_params.h"
#include "guest/surface.h"

VAStatus vg_encode_render(struct vg_driver *drv, struct vg_context *c, const struct vg_buffer *b)
{
    (void)drv;
    struct vg_enc_params *p = c->enc;
    switch (b->type) {
    case VAEncSequenceParameterBufferType:
        return vg_enc_params_sequence(p, b->data, b->size);
    case VAEncPictureParameterBufferType:
        return vg_enc_params_picture(p, b->data, b->size);
    case VAEncSliceParameterBufferType:
        return vg_enc_params_slices(p, b->data, b->size, b->num_elements);
    case VAEncMiscParameterBufferType:
        return vg_enc_params_misc(p, b->data, b->size);
    case VAEncPackedHeaderParameterBufferType:
    case VAEncPackedHeaderDataBufferType:
        /* VAConfigAttribEncPackedHeaders is NONE: the host encoder writes
         * every header itself, and a client's headers describe slices it
         * would not write. Refused rather than dropped, so a client that
         * relies on them learns at once. */
        vc_warn("encode: packed headers are not supported (VAConfigAttribEncPackedHeaders "
                "is NONE: the host writes the whole stream)");
        return VA_STATUS_ERROR_UNSUPPORTED_BUFFERTYPE;
    default:
        return VA_STATUS_ERROR_UNSUPPORTED_BUFFERTYPE;
    }
}

/* Where the daemon writes the coded bytes: an arena region of the buffer's
 * size when one is free, else inline in END_FRAME's reply. */
static void place_coded(struct vg_driver *drv, struct vg_buffer *b, struct vw_data_ref *ref)
{
    struct vg_coded *k = b->coded;
    uint64_t size = (uint64_t)b->size * b->max_elements;
    uint64_t off;
    if (vg_conn_alloc(&drv->conn, size, &off) == 0) {
        k->in_arena = true;
        k->region = off;
        k->capacity = size;
        *ref = (struct vw_data_ref){.location = VW_LOC_ARENA, .offset = off, .size = size};
    } else {
        k->in_arena = false;
        k->region = VG_NO_REGION;
        k->capacity = size < VG_CODED_INLINE_MAX ? size : VG_CODED_INLINE_MAX;
        *ref = (struct vw_data_ref){.location = VW_LOC_INLINE, .size = k->capacity};
    }
}

VAStatus vg_encode_end_picture(struct vg_driver *drv, VAContextID id, struct vg_context *c)
{
    struct vg_enc_params *p = c->enc;
    struct vg_surface *s = vg_surface_get(drv, c->target);
    if (!s)
        return VA_STATUS_ERROR_INVALID_SURFACE;
    p->input_width = s->width;
    p->input_height = s->height;
    struct vw_encode_bitstream msg = {.codec_id = id, .codec = p->vw_codec};
    VAStatus st = vg_enc_params_pack(p, &msg.sequence, &msg.picture);
    if (st)
        return st;
    struct vg_buffer *b = vg_buffer_get(drv, vg_enc_params_coded_buf(p));
    if (!b || !b->coded) {
        vc_warn("encode: the picture's coded_buf %u is not a coded buffer",
                vg_enc_params_coded_buf(p));
        return VA_STATUS_ERROR_INVALID_BUFFER;
    }
    /* A coded buffer still being written by an earlier picture: that one
     * ends first (its bytes would be overwritten anyway). */
    int err = vg_coded_wait(drv, b);
    if (err)
        return vg_status_from_errno(err);
    place_coded(drv, b, &msg.coded);

    struct vw_begin_frame begin = {.codec_id = id, .surface_id = c->target};
    struct vw_end_frame end = {.codec_id = id};
    uint32_t end_request;
    err = vg_conn_post(&drv->conn, VW_OP_BEGIN_FRAME, &begin, sizeof(begin), NULL, 0,
                       vg_surface_frame_begin_cb, drv, c->target, VG_NO_REGION, NULL);
    if (!err)
        err = vg_conn_post(&drv->conn, VW_OP_ENCODE_BITSTREAM, &msg, sizeof(msg), NULL, 0,
                           vg_surface_frame_step_cb, drv, c->target, VG_NO_REGION, NULL);
    /* The region goes with END_FRAME: the daemon writes it there. */
    uint64_t region = b->coded->in_arena ? b->coded->region : VG_NO_REGION;
    if (!err)
        err = vg_conn_post(&drv->conn, VW_OP_END_FRAME, &end, sizeof(end), NULL, 0,
                           vg_coded_end_cb, drv, vg_enc_params_coded_buf(p), region, &end_request);
    else if (region != VG_NO_REGION)
        vg_conn_free(&drv->conn, region);
    if (err)
        return vg_status_from_errno(err);
    s->encoding = true;
    s->frames_in_flight++;
    s->last_request = end_request;
    *b->coded = (struct vg_coded){.pending = true, .end_request = end_request,
                                  .surface = c->target, .in_arena = b->coded->in_arena,
                                  .region = b->coded->region, .capacity = b->coded->capacity,
                                  .status = VW_OK};
    return VA_STATUS_SUCCESS;
}
