/* VP9 on the host's VA driver: the wire structs back into VA's
 * (src/guest/vp9.c is the other way); the one slice is the whole frame,
 * uncompressed header included, as VA gives it. No matrix. */
#include <string.h>

#include "host/engines/vaapi/vaapi_internal.h"

static void picture_params(const struct vh_picture *pic, void *params)
{
    const struct vw_vp9_picture *in = pic->vp9;
    VADecPictureParameterBufferVP9 *out = params;
    memset(out, 0, sizeof(*out));
    out->frame_width = in->frame_width;
    out->frame_height = in->frame_height;
    /* refs[0..8): the reference slots resolved (engine.h). */
    for (int i = 0; i < 8; i++)
        out->reference_frames[i] = pic->refs[i] ? vaapi_surface_id(pic->refs[i])
                                                : VA_INVALID_SURFACE;

    __typeof__(out->pic_fields.bits) *pf = &out->pic_fields.bits;
    pf->subsampling_x = in->subsampling_x;
    pf->subsampling_y = in->subsampling_y;
    pf->frame_type = in->frame_type;
    pf->show_frame = in->show_frame;
    pf->error_resilient_mode = in->error_resilient_mode;
    pf->intra_only = in->intra_only;
    pf->allow_high_precision_mv = in->allow_high_precision_mv;
    pf->mcomp_filter_type = in->mcomp_filter_type;
    pf->frame_parallel_decoding_mode = in->frame_parallel_decoding_mode;
    pf->reset_frame_context = in->reset_frame_context;
    pf->refresh_frame_context = in->refresh_frame_context;
    pf->frame_context_idx = in->frame_context_idx;
    pf->segmentation_enabled = in->segmentation_enabled;
    pf->segmentation_temporal_update = in->segmentation_temporal_update;
    pf->segmentation_update_map = in->segmentation_update_map;
    pf->last_ref_frame = in->last_ref_frame;
    pf->last_ref_frame_sign_bias = in->last_ref_frame_sign_bias;
    pf->golden_ref_frame = in->golden_ref_frame;
    pf->golden_ref_frame_sign_bias = in->golden_ref_frame_sign_bias;
    pf->alt_ref_frame = in->alt_ref_frame;
    pf->alt_ref_frame_sign_bias = in->alt_ref_frame_sign_bias;
    pf->lossless_flag = in->lossless_flag;

    out->filter_level = in->filter_level;
    out->sharpness_level = in->sharpness_level;
    out->log2_tile_rows = in->log2_tile_rows;
    out->log2_tile_columns = in->log2_tile_columns;
    out->frame_header_length_in_bytes = in->frame_header_length_in_bytes;
    out->first_partition_size = in->first_partition_size;
    static_assert(sizeof(out->mb_segment_tree_probs) == sizeof(in->mb_segment_tree_probs) &&
                      sizeof(out->segment_pred_probs) == sizeof(in->segment_pred_probs),
                  "probabilities of the same shape");
    memcpy(out->mb_segment_tree_probs, in->mb_segment_tree_probs,
           sizeof(out->mb_segment_tree_probs));
    memcpy(out->segment_pred_probs, in->segment_pred_probs, sizeof(out->segment_pred_probs));
    out->profile = in->profile;
    out->bit_depth = in->bit_depth;
}

static bool no_matrix(const struct vh_picture *pic, void *params)
{
    return false;
}

static int slice_params(const struct vh_picture *pic, const struct vh_slice *slice, void *params,
                        struct vh_error *err)
{
    const struct vw_vp9_slice *in = slice->vp9;
    VASliceParameterBufferVP9 *out = params;
    memset(out, 0, sizeof(*out));
    for (int i = 0; i < 8; i++) {
        const struct vw_vp9_segment *g = &in->seg_param[i];
        VASegmentParameterVP9 *o = &out->seg_param[i];
        o->segment_flags.fields.segment_reference_enabled = g->segment_reference_enabled;
        o->segment_flags.fields.segment_reference = g->segment_reference;
        o->segment_flags.fields.segment_reference_skipped = g->segment_reference_skipped;
        static_assert(sizeof(o->filter_level) == sizeof(g->filter_level),
                      "filter levels of the same shape");
        memcpy(o->filter_level, g->filter_level, sizeof(o->filter_level));
        o->luma_ac_quant_scale = g->luma_ac_quant_scale;
        o->luma_dc_quant_scale = g->luma_dc_quant_scale;
        o->chroma_ac_quant_scale = g->chroma_ac_quant_scale;
        o->chroma_dc_quant_scale = g->chroma_dc_quant_scale;
    }
    return VW_OK;
}

static_assert(sizeof(VADecPictureParameterBufferVP9) <= VAAPI_PARAMS_MAX &&
                  sizeof(VASliceParameterBufferVP9) <= VAAPI_PARAMS_MAX,
              "VA's VP9 structs fit the engine's scratch");

const struct vaapi_codec_class vaapi_vp9_class = {
    .name = "VP9",
    .picture_size = sizeof(VADecPictureParameterBufferVP9),
    .iq_size = 0,
    .slice_size = sizeof(VASliceParameterBufferVP9),
    .picture = picture_params,
    .iq = no_matrix,
    .slice = slice_params,
};
