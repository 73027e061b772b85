/* AV1 packer: VADecPictureParameterBufferAV1 / VASliceParameterBufferAV1 ->
 * vw_av1_picture / vw_av1_slice. No IQ matrix buffer. FFmpeg sends one slice
 * parameter buffer a tile, each with a data buffer holding the whole tile
 * group: context.c sends such a repeated buffer once (dedupe_slice_data). */
#include <string.h>

#include "common/log.h"
#include "guest/codec.h"
#include "guest/surface.h"

/* Arrays of the same name and shape on both sides. */
#define COPY_ARRAY(x)                                                   \
    static_assert(sizeof(out->x) == sizeof(in->x), #x "'s shape");    \
    memcpy(out->x, in->x, sizeof(out->x));

static void pack_film_grain(const VAFilmGrainStructAV1 *in, struct vw_av1_film_grain *out)
{
#define BIT(x) out->x = in->film_grain_info_fields.bits.x;
    VW_AV1_FILM_GRAIN_VA_BITS(BIT)
#undef BIT
#define COPY(x) out->x = in->x;
    VW_AV1_FILM_GRAIN_VA_FIELDS(COPY)
#undef COPY
    VW_AV1_FILM_GRAIN_VA_ARRAYS(COPY_ARRAY)
}

/* Everything but the surfaces, the tiles' sizes, segmentation, film grain
 * and global motion. */
static void pack_fields(const VADecPictureParameterBufferAV1 *in, struct vw_av1_picture *out)
{
#define COPY(x) out->x = in->x;
    VW_AV1_PICTURE_VA_FIELDS(COPY)
#undef COPY
    VW_AV1_PICTURE_VA_ARRAYS(COPY_ARRAY)
#define BIT(x) out->x = in->seq_info_fields.fields.x;
    VW_AV1_SEQ_INFO_VA_BITS(BIT)
#undef BIT
#define BIT(x) out->x = in->pic_info_fields.bits.x;
    VW_AV1_PIC_INFO_VA_BITS(BIT)
#undef BIT
#define BIT(x) out->x = in->loop_filter_info_fields.bits.x;
    VW_AV1_LOOP_FILTER_VA_BITS(BIT)
#undef BIT
#define BIT(x) out->x = in->qmatrix_fields.bits.x;
    VW_AV1_QMATRIX_VA_BITS(BIT)
#undef BIT
#define BIT(x) out->x = in->mode_control_fields.bits.x;
    VW_AV1_MODE_CONTROL_VA_BITS(BIT)
#undef BIT
    const __typeof__(in->loop_restoration_fields.bits) *lr = &in->loop_restoration_fields.bits;
    out->lr_type[0] = lr->yframe_restoration_type;
    out->lr_type[1] = lr->cbframe_restoration_type;
    out->lr_type[2] = lr->crframe_restoration_type;
    out->lr_unit_shift = lr->lr_unit_shift;
    out->lr_uv_shift = lr->lr_uv_shift;
}

static VAStatus pack_picture(struct vg_driver *drv, VASurfaceID target, const void *va_in,
                             size_t va_size, void *wire)
{
    const VADecPictureParameterBufferAV1 *in = va_in;
    struct vw_av1_picture *out = wire;
    memset(out, 0, sizeof(*out));
    pack_fields(in, out);
    for (int i = 0; i < 8; i++)
        out->ref_frame_map[i] = vg_codec_ref_id(drv, in->ref_frame_map[i]);
    /* VA has 63 entries: the last tile's size is what the others leave. */
    for (int i = 0; i < 63; i++) {
        out->width_in_sbs_minus_1[i] = in->width_in_sbs_minus_1[i];
        out->height_in_sbs_minus_1[i] = in->height_in_sbs_minus_1[i];
    }

    const VASegmentationStructAV1 *seg = &in->seg_info;
    out->seg.enabled = seg->segment_info_fields.bits.enabled;
    out->seg.update_map = seg->segment_info_fields.bits.update_map;
    out->seg.temporal_update = seg->segment_info_fields.bits.temporal_update;
    out->seg.update_data = seg->segment_info_fields.bits.update_data;
    memcpy(out->seg.feature_mask, seg->feature_mask, sizeof(out->seg.feature_mask));
    memcpy(out->seg.feature_data, seg->feature_data, sizeof(out->seg.feature_data));
    pack_film_grain(&in->film_grain_info, &out->film_grain);
    /* The film-grain output: another surface than the target (the
     * reference, decoded without grain). */
    out->display_surface = out->film_grain.apply_grain
                               ? vg_codec_ref_id(drv, in->current_display_picture)
                               : VW_INVALID_ID;
    for (int i = 0; i < 7; i++) {
        out->wm[i].wmtype = (uint8_t)in->wm[i].wmtype;
        out->wm[i].invalid = in->wm[i].invalid;
        for (int j = 0; j < 6; j++)
            out->wm[i].wmmat[j] = in->wm[i].wmmat[j];
    }

    /* What NV12/P010 surfaces cannot carry (the daemon checks the rest). */
    if (in->profile != 0 || in->bit_depth_idx > 1 || out->mono_chrome) {
        vc_warn("AV1: only the Main profile (8 or 10-bit 4:2:0) is supported (profile %u, "
                "bit_depth_idx %u, mono_chrome %u)",
                in->profile, in->bit_depth_idx, out->mono_chrome);
        return VA_STATUS_ERROR_INVALID_PARAMETER;
    }
    if (out->large_scale_tile || in->anchor_frames_num) {
        vc_warn("AV1: large-scale tile decoding is not supported");
        return VA_STATUS_ERROR_INVALID_PARAMETER;
    }
    return VA_STATUS_SUCCESS;
}

static VAStatus pack_slice(struct vg_driver *drv, const void *va_in, size_t va_size,
                           void *wire)
{
    const VASliceParameterBufferAV1 *in = va_in;
    struct vw_av1_slice *out = wire;
    memset(out, 0, sizeof(*out));
    out->slice_data_size = in->slice_data_size;
    out->slice_data_offset = in->slice_data_offset;
    out->slice_data_flag = in->slice_data_flag;
    out->tile_row = in->tile_row;
    out->tile_column = in->tile_column;
    return VA_STATUS_SUCCESS;
}

static uint32_t second_output(const void *wire)
{
    const struct vw_av1_picture *p = wire;
    return p->film_grain.apply_grain ? p->display_surface : VW_INVALID_ID;
}

const struct vg_codec vg_codec_av1 = {
    .name = "AV1",
    .vw_codec = VW_CODEC_AV1,
    .va_picture_size = sizeof(VADecPictureParameterBufferAV1),
    .va_iq_size = 0,
    .va_slice_size = sizeof(VASliceParameterBufferAV1),
    .wire_picture_size = sizeof(struct vw_av1_picture),
    .wire_iq_size = 0,
    .wire_slice_size = sizeof(struct vw_av1_slice),
    .dedupe_slice_data = true,
    .pack_picture = pack_picture,
    .pack_iq = NULL,
    .pack_slice = pack_slice,
    .second_output = second_output,
};
