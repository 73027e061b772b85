/* VP9 packer: VADecPictureParameterBufferVP9 / VASliceParameterBufferVP9 ->
 * vw_vp9_picture / vw_vp9_slice. VP9 has no IQ matrix buffer; the slice data
 * is the whole frame, uncompressed header included. */
#include <string.h>

#include "common/log.h"
#include "guest/codec.h"
#include "guest/surface.h"

static VAStatus pack_picture(struct vg_driver *drv, VASurfaceID target, const void *va_in,
                             size_t va_size, void *wire)
{
    const VADecPictureParameterBufferVP9 *in = va_in;
    struct vw_vp9_picture *out = wire;
    memset(out, 0, sizeof(*out));
    out->frame_width = in->frame_width;
    out->frame_height = in->frame_height;
    for (int i = 0; i < 8; i++)
        out->reference_frames[i] = vg_codec_ref_id(drv, in->reference_frames[i]);

    const __typeof__(in->pic_fields.bits) *pf = &in->pic_fields.bits;
    out->subsampling_x = pf->subsampling_x;
    out->subsampling_y = pf->subsampling_y;
    out->frame_type = pf->frame_type;
    out->show_frame = pf->show_frame;
    out->error_resilient_mode = pf->error_resilient_mode;
    out->intra_only = pf->intra_only;
    out->allow_high_precision_mv = pf->allow_high_precision_mv;
    out->mcomp_filter_type = pf->mcomp_filter_type;
    out->frame_parallel_decoding_mode = pf->frame_parallel_decoding_mode;
    out->reset_frame_context = pf->reset_frame_context;
    out->refresh_frame_context = pf->refresh_frame_context;
    out->frame_context_idx = pf->frame_context_idx;
    out->segmentation_enabled = pf->segmentation_enabled;
    out->segmentation_temporal_update = pf->segmentation_temporal_update;
    out->segmentation_update_map = pf->segmentation_update_map;
    out->last_ref_frame = pf->last_ref_frame;
    out->last_ref_frame_sign_bias = pf->last_ref_frame_sign_bias;
    out->golden_ref_frame = pf->golden_ref_frame;
    out->golden_ref_frame_sign_bias = pf->golden_ref_frame_sign_bias;
    out->alt_ref_frame = pf->alt_ref_frame;
    out->alt_ref_frame_sign_bias = pf->alt_ref_frame_sign_bias;
    out->lossless_flag = pf->lossless_flag;

    out->filter_level = in->filter_level;
    out->sharpness_level = in->sharpness_level;
    out->log2_tile_rows = in->log2_tile_rows;
    out->log2_tile_columns = in->log2_tile_columns;
    out->frame_header_length_in_bytes = in->frame_header_length_in_bytes;
    out->profile = in->profile;
    out->first_partition_size = in->first_partition_size;
    out->bit_depth = in->bit_depth;
    static_assert(sizeof(out->mb_segment_tree_probs) == sizeof(in->mb_segment_tree_probs), "");
    static_assert(sizeof(out->segment_pred_probs) == sizeof(in->segment_pred_probs), "");
    memcpy(out->mb_segment_tree_probs, in->mb_segment_tree_probs,
           sizeof(out->mb_segment_tree_probs));
    memcpy(out->segment_pred_probs, in->segment_pred_probs, sizeof(out->segment_pred_probs));

    /* What NV12/P010 surfaces cannot carry (the daemon checks that the
     * depth is the render target's). */
    bool p0 = out->profile == 0 && out->bit_depth == 8;
    bool p2 = out->profile == 2 && out->bit_depth == 10;
    if (!(p0 || p2) || !out->subsampling_x || !out->subsampling_y) {
        vc_warn("VP9: only profiles 0 (8-bit) and 2 (10-bit), 4:2:0, are supported "
                "(profile %u, %u-bit)",
                out->profile, out->bit_depth);
        return VA_STATUS_ERROR_INVALID_PARAMETER;
    }
    return VA_STATUS_SUCCESS;
}

static VAStatus pack_slice(struct vg_driver *drv, const void *va_in, size_t va_size,
                           void *wire)
{
    const VASliceParameterBufferVP9 *in = va_in;
    struct vw_vp9_slice *out = wire;
    memset(out, 0, sizeof(*out));
    out->slice_data_size = in->slice_data_size;
    out->slice_data_offset = in->slice_data_offset;
    out->slice_data_flag = in->slice_data_flag;
    for (int i = 0; i < 8; i++) {
        const VASegmentParameterVP9 *g = &in->seg_param[i];
        struct vw_vp9_segment *o = &out->seg_param[i];
        o->segment_reference_enabled = g->segment_flags.fields.segment_reference_enabled;
        o->segment_reference = g->segment_flags.fields.segment_reference;
        o->segment_reference_skipped = g->segment_flags.fields.segment_reference_skipped;
        static_assert(sizeof(o->filter_level) == sizeof(g->filter_level), "");
        memcpy(o->filter_level, g->filter_level, sizeof(o->filter_level));
        o->luma_ac_quant_scale = g->luma_ac_quant_scale;
        o->luma_dc_quant_scale = g->luma_dc_quant_scale;
        o->chroma_ac_quant_scale = g->chroma_ac_quant_scale;
        o->chroma_dc_quant_scale = g->chroma_dc_quant_scale;
    }
    return VA_STATUS_SUCCESS;
}

const struct vg_codec vg_codec_vp9 = {
    .name = "VP9",
    .vw_codec = VW_CODEC_VP9,
    .va_picture_size = sizeof(VADecPictureParameterBufferVP9),
    .va_iq_size = 0,
    .va_slice_size = sizeof(VASliceParameterBufferVP9),
    .wire_picture_size = sizeof(struct vw_vp9_picture),
    .wire_iq_size = 0,
    .wire_slice_size = sizeof(struct vw_vp9_slice),
    .pack_picture = pack_picture,
    .pack_iq = NULL,
    .pack_slice = pack_slice,
};
