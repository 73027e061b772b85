/* AV1 packer: VADecPictureParameterBufferAV1 / VASliceParameterBufferAV1 ->
 * vw_av1_picture / vw_av1_slice. No IQ matrix buffer. FFmpeg sends one slice
 * parameter buffer a tile, each with a data buffer holding the whole tile
 * group: context.c sends such a repeated buffer once (dedupe_slice_data). */
#include <string.h>

#include "common/log.h"
#include "guest/codec.h"
#include "guest/surface.h"

static void pack_film_grain(const VAFilmGrainStructAV1 *in, struct vw_av1_film_grain *out)
{
    const __typeof__(in->film_grain_info_fields.bits) *f = &in->film_grain_info_fields.bits;
    out->apply_grain = f->apply_grain;
    out->chroma_scaling_from_luma = f->chroma_scaling_from_luma;
    out->grain_scaling_minus_8 = f->grain_scaling_minus_8;
    out->ar_coeff_lag = f->ar_coeff_lag;
    out->ar_coeff_shift_minus_6 = f->ar_coeff_shift_minus_6;
    out->grain_scale_shift = f->grain_scale_shift;
    out->overlap_flag = f->overlap_flag;
    out->clip_to_restricted_range = f->clip_to_restricted_range;
    out->grain_seed = in->grain_seed;
    out->num_y_points = in->num_y_points;
    out->num_cb_points = in->num_cb_points;
    out->num_cr_points = in->num_cr_points;
    static_assert(sizeof(out->point_y_value) == sizeof(in->point_y_value), "");
    static_assert(sizeof(out->point_cb_value) == sizeof(in->point_cb_value), "");
    static_assert(sizeof(out->ar_coeffs_y) == sizeof(in->ar_coeffs_y), "");
    static_assert(sizeof(out->ar_coeffs_cb) == sizeof(in->ar_coeffs_cb), "");
    memcpy(out->point_y_value, in->point_y_value, sizeof(out->point_y_value));
    memcpy(out->point_y_scaling, in->point_y_scaling, sizeof(out->point_y_scaling));
    memcpy(out->point_cb_value, in->point_cb_value, sizeof(out->point_cb_value));
    memcpy(out->point_cb_scaling, in->point_cb_scaling, sizeof(out->point_cb_scaling));
    memcpy(out->point_cr_value, in->point_cr_value, sizeof(out->point_cr_value));
    memcpy(out->point_cr_scaling, in->point_cr_scaling, sizeof(out->point_cr_scaling));
    memcpy(out->ar_coeffs_y, in->ar_coeffs_y, sizeof(out->ar_coeffs_y));
    memcpy(out->ar_coeffs_cb, in->ar_coeffs_cb, sizeof(out->ar_coeffs_cb));
    memcpy(out->ar_coeffs_cr, in->ar_coeffs_cr, sizeof(out->ar_coeffs_cr));
    out->cb_mult = in->cb_mult;
    out->cb_luma_mult = in->cb_luma_mult;
    out->cb_offset = in->cb_offset;
    out->cr_mult = in->cr_mult;
    out->cr_luma_mult = in->cr_luma_mult;
    out->cr_offset = in->cr_offset;
}

static void pack_sequence(const VADecPictureParameterBufferAV1 *in, struct vw_av1_picture *out)
{
    const __typeof__(in->seq_info_fields.fields) *s = &in->seq_info_fields.fields;
    out->profile = in->profile;
    out->order_hint_bits_minus_1 = in->order_hint_bits_minus_1;
    out->bit_depth_idx = in->bit_depth_idx;
    out->matrix_coefficients = in->matrix_coefficients;
    out->still_picture = s->still_picture;
    out->use_128x128_superblock = s->use_128x128_superblock;
    out->enable_filter_intra = s->enable_filter_intra;
    out->enable_intra_edge_filter = s->enable_intra_edge_filter;
    out->enable_interintra_compound = s->enable_interintra_compound;
    out->enable_masked_compound = s->enable_masked_compound;
    out->enable_dual_filter = s->enable_dual_filter;
    out->enable_order_hint = s->enable_order_hint;
    out->enable_jnt_comp = s->enable_jnt_comp;
    out->enable_cdef = s->enable_cdef;
    out->mono_chrome = s->mono_chrome;
    out->color_range = s->color_range;
    out->subsampling_x = s->subsampling_x;
    out->subsampling_y = s->subsampling_y;
    out->film_grain_params_present = s->film_grain_params_present;
}

static void pack_frame_flags(const VADecPictureParameterBufferAV1 *in, struct vw_av1_picture *out)
{
    const __typeof__(in->pic_info_fields.bits) *f = &in->pic_info_fields.bits;
    out->frame_type = f->frame_type;
    out->show_frame = f->show_frame;
    out->showable_frame = f->showable_frame;
    out->error_resilient_mode = f->error_resilient_mode;
    out->disable_cdf_update = f->disable_cdf_update;
    out->allow_screen_content_tools = f->allow_screen_content_tools;
    out->force_integer_mv = f->force_integer_mv;
    out->allow_intrabc = f->allow_intrabc;
    out->use_superres = f->use_superres;
    out->allow_high_precision_mv = f->allow_high_precision_mv;
    out->is_motion_mode_switchable = f->is_motion_mode_switchable;
    out->use_ref_frame_mvs = f->use_ref_frame_mvs;
    out->disable_frame_end_update_cdf = f->disable_frame_end_update_cdf;
    out->uniform_tile_spacing_flag = f->uniform_tile_spacing_flag;
    out->allow_warped_motion = f->allow_warped_motion;
    out->large_scale_tile = f->large_scale_tile;
}

static void pack_tools(const VADecPictureParameterBufferAV1 *in, struct vw_av1_picture *out)
{
    out->superres_scale_denominator = in->superres_scale_denominator;
    out->interp_filter = in->interp_filter;
    out->filter_level[0] = in->filter_level[0];
    out->filter_level[1] = in->filter_level[1];
    out->filter_level_u = in->filter_level_u;
    out->filter_level_v = in->filter_level_v;
    out->sharpness_level = in->loop_filter_info_fields.bits.sharpness_level;
    out->mode_ref_delta_enabled = in->loop_filter_info_fields.bits.mode_ref_delta_enabled;
    out->mode_ref_delta_update = in->loop_filter_info_fields.bits.mode_ref_delta_update;
    memcpy(out->ref_deltas, in->ref_deltas, sizeof(out->ref_deltas));
    memcpy(out->mode_deltas, in->mode_deltas, sizeof(out->mode_deltas));
    out->base_qindex = in->base_qindex;
    out->y_dc_delta_q = in->y_dc_delta_q;
    out->u_dc_delta_q = in->u_dc_delta_q;
    out->u_ac_delta_q = in->u_ac_delta_q;
    out->v_dc_delta_q = in->v_dc_delta_q;
    out->v_ac_delta_q = in->v_ac_delta_q;
    const __typeof__(in->qmatrix_fields.bits) *q = &in->qmatrix_fields.bits;
    out->using_qmatrix = q->using_qmatrix;
    out->qm_y = q->qm_y;
    out->qm_u = q->qm_u;
    out->qm_v = q->qm_v;
    const __typeof__(in->mode_control_fields.bits) *m = &in->mode_control_fields.bits;
    out->delta_q_present_flag = m->delta_q_present_flag;
    out->log2_delta_q_res = m->log2_delta_q_res;
    out->delta_lf_present_flag = m->delta_lf_present_flag;
    out->log2_delta_lf_res = m->log2_delta_lf_res;
    out->delta_lf_multi = m->delta_lf_multi;
    out->tx_mode = m->tx_mode;
    out->reference_select = m->reference_select;
    out->reduced_tx_set_used = m->reduced_tx_set_used;
    out->skip_mode_present = m->skip_mode_present;
    out->cdef_damping_minus_3 = in->cdef_damping_minus_3;
    out->cdef_bits = in->cdef_bits;
    memcpy(out->cdef_y_strengths, in->cdef_y_strengths, sizeof(out->cdef_y_strengths));
    memcpy(out->cdef_uv_strengths, in->cdef_uv_strengths, sizeof(out->cdef_uv_strengths));
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
    pack_sequence(in, out);
    pack_frame_flags(in, out);
    pack_tools(in, out);
    out->frame_width_minus1 = in->frame_width_minus1;
    out->frame_height_minus1 = in->frame_height_minus1;
    for (int i = 0; i < 8; i++)
        out->ref_frame_map[i] = vg_codec_ref_id(drv, in->ref_frame_map[i]);
    memcpy(out->ref_frame_idx, in->ref_frame_idx, sizeof(out->ref_frame_idx));
    out->primary_ref_frame = in->primary_ref_frame;
    out->order_hint = in->order_hint;
    out->tile_cols = in->tile_cols;
    out->tile_rows = in->tile_rows;
    /* VA has 63 entries: the last tile's size is what the others leave. */
    for (int i = 0; i < 63; i++) {
        out->width_in_sbs_minus_1[i] = in->width_in_sbs_minus_1[i];
        out->height_in_sbs_minus_1[i] = in->height_in_sbs_minus_1[i];
    }
    out->context_update_tile_id = in->context_update_tile_id;
    out->anchor_frames_num = in->anchor_frames_num;

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
