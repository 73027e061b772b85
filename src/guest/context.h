/*
 * Decode and encode contexts (the daemon's "codecs"; wire codec id == VA
 * context id) and decode picture assembly (encode: encode.h).  Between vaBeginPicture and vaEndPicture the context
 * keeps copies of the picture parameters, IQ matrix and slice parameters,
 * and concatenates every slice data buffer of the picture into one blob,
 * rebasing each slice's slice_data_offset from "relative to its data
 * buffer" to "relative to the blob".  vaEndPicture packs the wire structs
 * and posts BEGIN_FRAME, DECODE_BITSTREAM and END_FRAME without waiting.
 */
#ifndef VIVAC_GUEST_CONTEXT_H
#define VIVAC_GUEST_CONTEXT_H

#include <stdbool.h>

#include "guest/codec.h"
#include "guest/driver.h"

struct vg_enc_params;
struct vg_proc;

struct vg_context {
    VAConfigID config;
    uint32_t vw_profile;
    const struct vg_codec *codec;
    uint32_t width;
    uint32_t height;

    /* picture being assembled */
    bool in_picture;
    VASurfaceID target;
    bool have_picture;
    bool have_iq;
    bool have_prob;
    uint8_t *picture;             /* room for the larger VA picture struct */
    size_t picture_size;          /* what it holds: codec->va_picture_(ext_)size */
    uint8_t *iq;                  /* codec->va_iq_size bytes */
    uint8_t *prob;                /* codec->va_prob_size bytes */
    uint8_t *slices;              /* num_slices x the larger VA slice struct, offsets rebased */
    uint32_t *slice_sizes;        /* what each holds: codec->va_slice_(ext_)size */
    uint32_t num_slices;
    uint32_t slices_capacity;
    uint32_t first_unpaired;      /* first slice whose data buffer has not come yet */
    uint8_t *blob;                /* all slice data of the picture */
    size_t blob_len;
    size_t blob_capacity;
    bool have_orphan_data;        /* a data buffer came before its slice parameters */
    size_t orphan_start;
    size_t orphan_len;
    bool have_last_data;          /* the last data buffer of the picture, in the blob */
    size_t last_data_start;
    size_t last_data_len;

    /* Encode contexts (encode.h) only; NULL for decode. */
    struct vg_enc_params *enc;
    /* VideoProc contexts (vpp.h) only; NULL otherwise (codec NULL too). */
    struct vg_proc *proc;
};

static inline bool vg_context_is_encode(const struct vg_context *c)
{
    return c->enc != NULL;
}

void vg_contexts_free_all(struct vg_driver *drv);

VAStatus vg_CreateContext(VADriverContextP ctx, VAConfigID config_id, int picture_width,
                          int picture_height, int flag, VASurfaceID *render_targets,
                          int num_render_targets, VAContextID *context);
VAStatus vg_DestroyContext(VADriverContextP ctx, VAContextID context);
VAStatus vg_BeginPicture(VADriverContextP ctx, VAContextID context, VASurfaceID render_target);
VAStatus vg_RenderPicture(VADriverContextP ctx, VAContextID context, VABufferID *buffers,
                          int num_buffers);
VAStatus vg_EndPicture(VADriverContextP ctx, VAContextID context);

#endif
