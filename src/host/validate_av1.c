/* Checks of the wire AV1 structs (vw_av1_picture, vw_av1_slice). No AV1
 * header bytes reach the daemon: the engine writes the sequence and frame
 * headers from these fields (host/codecs/av1_headers.c), so every field is
 * held to the range its syntax element codes, and what the profile or the
 * surfaces cannot carry is refused: profiles 1 and 2, 12-bit, monochrome,
 * large-scale tile. What depends on the reference slots (global motion
 * against the previous frame's, skip mode against their order hints) is
 * checked where the header is written. */
#include "host/codecs/av1_headers.h"
#include "host/session_internal.h"
#include "host/validate.h"

#define PIC "DECODE_BITSTREAM: AV1 picture: "
#define SL "DECODE_BITSTREAM: AV1 slice %u: "

static const int16_t seg_feature_max[8] = {255, 63, 63, 63, 63, 7, 0, 0};

static int check_sequence(const struct vw_av1_picture *p, const struct vh_surface *target,
                          struct vh_error *err)
{
    REQUIRE(p->profile == 0, VW_ERR_UNSUPPORTED_STREAM,
            PIC "profile %u (only Main, profile 0, is supported)", p->profile);
    unsigned idx = target->rt_format == VW_RT_YUV420_10 ? 1u : 0u;
    REQUIRE(p->bit_depth_idx == idx, VW_ERR_UNSUPPORTED_STREAM,
            PIC "bit_depth_idx %u (%u-bit only on this surface)", p->bit_depth_idx,
            idx ? 10u : 8u);
    REQUIRE(!p->mono_chrome, VW_ERR_UNSUPPORTED_STREAM, PIC "mono_chrome is not supported");
    REQUIRE(p->subsampling_x == 1 && p->subsampling_y == 1, VW_ERR_UNSUPPORTED_STREAM,
            PIC "subsampling %u/%u (only 4:2:0 is supported)", p->subsampling_x,
            p->subsampling_y);
    REQUIRE_MAX(p, order_hint_bits_minus_1, 7);
    REQUIRE_FLAG(p, still_picture);
    REQUIRE_FLAG(p, use_128x128_superblock);
    REQUIRE_FLAG(p, enable_filter_intra);
    REQUIRE_FLAG(p, enable_intra_edge_filter);
    REQUIRE_FLAG(p, enable_interintra_compound);
    REQUIRE_FLAG(p, enable_masked_compound);
    REQUIRE_FLAG(p, enable_dual_filter);
    REQUIRE_FLAG(p, enable_order_hint);
    REQUIRE_FLAG(p, enable_jnt_comp);
    REQUIRE_FLAG(p, enable_cdef);
    REQUIRE_FLAG(p, color_range);
    REQUIRE_MAX(p, chroma_sample_position, 3);
    REQUIRE_FLAG(p, film_grain_params_present);
    REQUIRE(p->enable_order_hint || !p->enable_jnt_comp, VW_ERR_MALFORMED,
            PIC "enable_jnt_comp without enable_order_hint");
    return VW_OK;
}

static int check_frame_flags(const struct vw_av1_picture *p, struct vh_error *err)
{
    REQUIRE_MAX(p, frame_type, 3);
    REQUIRE_FLAG(p, show_frame);
    REQUIRE_FLAG(p, showable_frame);
    REQUIRE_FLAG(p, error_resilient_mode);
    REQUIRE_FLAG(p, disable_cdf_update);
    REQUIRE_FLAG(p, allow_screen_content_tools);
    REQUIRE_FLAG(p, force_integer_mv);
    REQUIRE_FLAG(p, allow_intrabc);
    REQUIRE_FLAG(p, use_superres);
    REQUIRE_FLAG(p, allow_high_precision_mv);
    REQUIRE_FLAG(p, is_motion_mode_switchable);
    REQUIRE_FLAG(p, use_ref_frame_mvs);
    REQUIRE_FLAG(p, disable_frame_end_update_cdf);
    REQUIRE_FLAG(p, uniform_tile_spacing_flag);
    REQUIRE_FLAG(p, allow_warped_motion);
    REQUIRE(!p->large_scale_tile && p->anchor_frames_num == 0, VW_ERR_UNSUPPORTED_STREAM,
            PIC "large-scale tile (anchor frames) is not supported");
    bool intra = p->frame_type == VW_AV1_KEY_FRAME || p->frame_type == VW_AV1_INTRA_ONLY_FRAME;
    bool forced_er = p->frame_type == VW_AV1_SWITCH_FRAME ||
                     (p->frame_type == VW_AV1_KEY_FRAME && p->show_frame);
    REQUIRE(!forced_er || p->error_resilient_mode, VW_ERR_MALFORMED,
            PIC "error_resilient_mode 0 on a switch frame or a shown key frame");
    REQUIRE(!p->show_frame || p->showable_frame == (p->frame_type != VW_AV1_KEY_FRAME),
            VW_ERR_MALFORMED, PIC "showable_frame %u on a shown frame of type %u",
            p->showable_frame, p->frame_type);
    /* Intra frames have no references (GStreamer sends 0xff there). */
    for (int i = 0; i < 7 && !intra; i++)
        REQUIRE(p->ref_frame_idx[i] <= 7, VW_ERR_MALFORMED, PIC "ref_frame_idx[%d] is %u", i,
                p->ref_frame_idx[i]);
    REQUIRE_MAX(p, primary_ref_frame, 7);
    REQUIRE(!(intra || p->error_resilient_mode) ||
                p->primary_ref_frame == VW_AV1_PRIMARY_REF_NONE,
            VW_ERR_MALFORMED, PIC "primary_ref_frame %u on an intra or error resilient frame",
            p->primary_ref_frame);
    unsigned hint_max = p->enable_order_hint ? (1u << (p->order_hint_bits_minus_1 + 1)) - 1 : 0;
    REQUIRE_MAX(p, order_hint, hint_max);
    REQUIRE(!p->allow_intrabc || (intra && p->allow_screen_content_tools), VW_ERR_MALFORMED,
            PIC "allow_intrabc outside an intra frame with screen content tools");
    if (p->use_superres)
        REQUIRE_RANGE(p, superres_scale_denominator, 9, 16, PIC);
    else
        REQUIRE(p->superres_scale_denominator == 8, VW_ERR_MALFORMED,
                PIC "superres_scale_denominator %u without superres (8)",
                p->superres_scale_denominator);
    REQUIRE_MAX(p, interp_filter, 4);
    return VW_OK;
}

static int check_filters(const struct vw_av1_picture *p, struct vh_error *err)
{
    REQUIRE_MAX(p, filter_level[0], 63);
    REQUIRE_MAX(p, filter_level[1], 63);
    REQUIRE_MAX(p, filter_level_u, 63);
    REQUIRE_MAX(p, filter_level_v, 63);
    REQUIRE_MAX(p, sharpness_level, 7);
    REQUIRE_FLAG(p, mode_ref_delta_enabled);
    REQUIRE_FLAG(p, mode_ref_delta_update);
    for (int i = 0; i < 8; i++)
        REQUIRE(p->ref_deltas[i] >= -64 && p->ref_deltas[i] <= 63, VW_ERR_MALFORMED,
                PIC "ref_deltas[%d] is %d, outside -64..63", i, p->ref_deltas[i]);
    for (int i = 0; i < 2; i++)
        REQUIRE(p->mode_deltas[i] >= -64 && p->mode_deltas[i] <= 63, VW_ERR_MALFORMED,
                PIC "mode_deltas[%d] is %d, outside -64..63", i, p->mode_deltas[i]);
    REQUIRE_RANGE(p, y_dc_delta_q, -64, 63, PIC);
    REQUIRE_RANGE(p, u_dc_delta_q, -64, 63, PIC);
    REQUIRE_RANGE(p, u_ac_delta_q, -64, 63, PIC);
    REQUIRE_RANGE(p, v_dc_delta_q, -64, 63, PIC);
    REQUIRE_RANGE(p, v_ac_delta_q, -64, 63, PIC);
    REQUIRE_FLAG(p, using_qmatrix);
    REQUIRE_MAX(p, qm_y, 15);
    REQUIRE_MAX(p, qm_u, 15);
    REQUIRE_MAX(p, qm_v, 15);
    REQUIRE_FLAG(p, delta_q_present_flag);
    REQUIRE_MAX(p, log2_delta_q_res, 3);
    REQUIRE_FLAG(p, delta_lf_present_flag);
    REQUIRE_MAX(p, log2_delta_lf_res, 3);
    REQUIRE_FLAG(p, delta_lf_multi);
    REQUIRE(p->delta_q_present_flag || !p->delta_lf_present_flag, VW_ERR_MALFORMED,
            PIC "delta_lf_present_flag without delta_q_present_flag");
    REQUIRE_MAX(p, tx_mode, 2);
    REQUIRE_FLAG(p, reference_select);
    REQUIRE_FLAG(p, reduced_tx_set_used);
    REQUIRE_FLAG(p, skip_mode_present);
    REQUIRE_MAX(p, cdef_damping_minus_3, 3);
    REQUIRE_MAX(p, cdef_bits, 3);
    for (int i = 0; i < 8; i++)
        REQUIRE(p->cdef_y_strengths[i] <= 63 && p->cdef_uv_strengths[i] <= 63, VW_ERR_MALFORMED,
                PIC "cdef_y_strengths[%d] %u or cdef_uv_strengths[%d] %u above 63", i,
                p->cdef_y_strengths[i], i, p->cdef_uv_strengths[i]);
    for (int i = 0; i < 3; i++)
        REQUIRE(p->lr_type[i] <= 3, VW_ERR_MALFORMED, PIC "lr_type[%d] is %u, above 3", i,
                p->lr_type[i]);
    REQUIRE_MAX(p, lr_unit_shift, 2);
    REQUIRE_FLAG(p, lr_uv_shift);
    return VW_OK;
}

static int check_segmentation(const struct vw_av1_segmentation *s, struct vh_error *err)
{
    REQUIRE_FLAG(s, enabled);
    REQUIRE_FLAG(s, update_map);
    REQUIRE_FLAG(s, temporal_update);
    REQUIRE_FLAG(s, update_data);
    REQUIRE(s->update_map || !s->temporal_update, VW_ERR_MALFORMED,
            PIC "segmentation temporal_update without update_map");
    for (int i = 0; i < 8; i++) {
        for (int j = 0; j < 8; j++) {
            int v = s->feature_data[i][j];
            int hi = seg_feature_max[j], lo = j < 5 ? -hi : 0;
            REQUIRE(v >= lo && v <= hi, VW_ERR_MALFORMED,
                    PIC "segmentation feature_data[%d][%d] is %d, outside %d..%d", i, j, v, lo,
                    hi);
        }
    }
    return VW_OK;
}

static int check_points(const uint8_t *value, unsigned n, const char *name,
                        struct vh_error *err)
{
    for (unsigned i = 1; i < n; i++)
        REQUIRE(value[i] > value[i - 1], VW_ERR_MALFORMED,
                PIC "film grain %s values do not increase", name);
    return VW_OK;
}

static int check_film_grain(const struct vw_av1_picture *p, struct vh_error *err)
{
    const struct vw_av1_film_grain *g = &p->film_grain;
    REQUIRE_FLAG(g, apply_grain);
    REQUIRE(!g->apply_grain || p->film_grain_params_present, VW_ERR_MALFORMED,
            PIC "apply_grain without film_grain_params_present");
    if (!g->apply_grain)
        return VW_OK;
    REQUIRE(p->show_frame || p->showable_frame, VW_ERR_MALFORMED,
            PIC "film grain on a frame that is never shown");
    REQUIRE_FLAG(g, chroma_scaling_from_luma);
    REQUIRE_MAX(g, grain_scaling_minus_8, 3);
    REQUIRE_MAX(g, ar_coeff_lag, 3);
    REQUIRE_MAX(g, ar_coeff_shift_minus_6, 3);
    REQUIRE_MAX(g, grain_scale_shift, 3);
    REQUIRE_FLAG(g, overlap_flag);
    REQUIRE_FLAG(g, clip_to_restricted_range);
    REQUIRE_MAX(g, num_y_points, 14);
    REQUIRE_MAX(g, num_cb_points, 10);
    REQUIRE_MAX(g, num_cr_points, 10);
    REQUIRE_MAX(g, cb_offset, 511);
    REQUIRE_MAX(g, cr_offset, 511);
    int st = check_points(g->point_y_value, g->num_y_points, "y", err);
    if (st == VW_OK)
        st = check_points(g->point_cb_value, g->num_cb_points, "cb", err);
    if (st == VW_OK)
        st = check_points(g->point_cr_value, g->num_cr_points, "cr", err);
    if (st != VW_OK)
        return st;
    bool chroma_coded = !g->chroma_scaling_from_luma && g->num_y_points;
    REQUIRE(chroma_coded || (g->num_cb_points == 0 && g->num_cr_points == 0), VW_ERR_MALFORMED,
            PIC "film grain chroma points the header cannot code");
    REQUIRE((g->num_cb_points == 0) == (g->num_cr_points == 0), VW_ERR_MALFORMED,
            PIC "film grain points for one 4:2:0 chroma plane only");
    return VW_OK;
}

int vh_av1_check_picture(const struct vw_av1_picture *p, const struct vh_surface *target,
                         struct vh_error *err)
{
    for (size_t i = 0; i < sizeof(p->reserved); i++)
        REQUIRE(p->reserved[i] == 0, VW_ERR_MALFORMED, PIC "reserved is not 0");
    REQUIRE(p->film_grain.reserved == 0, VW_ERR_MALFORMED, PIC "film_grain.reserved is not 0");
    for (int i = 0; i < 7; i++) {
        const struct vw_av1_global_motion *g = &p->wm[i];
        REQUIRE(g->reserved[0] == 0 && g->reserved[1] == 0, VW_ERR_MALFORMED,
                PIC "wm[%d].reserved is not 0", i);
        REQUIRE(g->wmtype <= 3 && g->invalid <= 1, VW_ERR_MALFORMED,
                PIC "wm[%d]: wmtype %u, invalid %u", i, g->wmtype, g->invalid);
    }
    /* The frame must fit the render target. */
    uint32_t w = p->frame_width_minus1 + 1u, h = p->frame_height_minus1 + 1u;
    REQUIRE(w <= target->width && h <= target->height, VW_ERR_MALFORMED,
            PIC "frame %ux%u does not fit surface %u (%ux%u)", w, h, target->id, target->width,
            target->height);
    int st = check_sequence(p, target, err);
    if (st == VW_OK)
        st = check_frame_flags(p, err);
    if (st == VW_OK)
        st = check_filters(p, err);
    if (st == VW_OK)
        st = check_segmentation(&p->seg, err);
    if (st == VW_OK)
        st = check_film_grain(p, err);
    if (st != VW_OK)
        return st;
    struct vh_av1_tiles tiles;
    const char *why = vh_av1_tile_layout(p, &tiles);
    REQUIRE(!why, VW_ERR_MALFORMED, PIC "tiles %ux%u: %s", p->tile_cols, p->tile_rows, why);
    REQUIRE(p->context_update_tile_id < (unsigned)p->tile_cols * p->tile_rows, VW_ERR_MALFORMED,
            PIC "context_update_tile_id %u of %u tiles", p->context_update_tile_id,
            (unsigned)p->tile_cols * p->tile_rows);
    return VW_OK;
}

int vh_av1_check_slice(const struct vw_av1_slice *s, uint32_t index,
                       const struct vw_av1_picture *p, const uint8_t *data, uint32_t size,
                       struct vh_error *err)
{
    (void)data;
    (void)size;
    REQUIRE(s->reserved == 0, VW_ERR_MALFORMED, SL "reserved is not 0", index);
    REQUIRE(s->tile_row < p->tile_rows && s->tile_column < p->tile_cols, VW_ERR_MALFORMED,
            SL "tile (%u, %u) outside %ux%u tiles", index, s->tile_row, s->tile_column,
            p->tile_rows, p->tile_cols);
    return VW_OK;
}
