/* Checks of the wire HEVC structs (vw_hevc_picture, vw_hevc_iq_matrix,
 * vw_hevc_slice) against the ranges of ITU-T H.265 (7.4), the target
 * surface (chroma format and bit depth) and the slice data.
 * Engines rely on these: e.g. tile sizes that fit the picture, log2 sizes
 * that keep shifts in range. */
#include "common/pixel_format.h"
#include "host/session_internal.h"
#include "host/validate.h"

#define PIC "DECODE_BITSTREAM: HEVC picture params: "
#define SL "DECODE_BITSTREAM: HEVC slice %u: "

#define REF_FLAGS                                                                     \
    (VW_HEVC_PIC_INVALID | VW_HEVC_PIC_FIELD_PIC | VW_HEVC_PIC_BOTTOM_FIELD |          \
     VW_HEVC_PIC_LONG_TERM | VW_HEVC_PIC_RPS_ST_CURR_BEFORE | VW_HEVC_PIC_RPS_ST_CURR_AFTER | \
     VW_HEVC_PIC_RPS_LT_CURR)

static int check_ref(const struct vw_hevc_ref *r, const char *what, int i, struct vh_error *err)
{
    REQUIRE(r->reserved == 0, VW_ERR_MALFORMED, PIC "%s[%d].reserved is not 0", what, i);
    REQUIRE((r->flags & ~REF_FLAGS) == 0, VW_ERR_MALFORMED, PIC "%s[%d].flags 0x%x unknown",
            what, i, r->flags);
    uint32_t rps = r->flags & (VW_HEVC_PIC_RPS_ST_CURR_BEFORE | VW_HEVC_PIC_RPS_ST_CURR_AFTER |
                               VW_HEVC_PIC_RPS_LT_CURR);
    REQUIRE((rps & (rps - 1)) == 0, VW_ERR_MALFORMED, PIC "%s[%d] is in two RPS lists", what, i);
    REQUIRE(!(r->flags & VW_HEVC_PIC_RPS_LT_CURR) || (r->flags & VW_HEVC_PIC_LONG_TERM),
            VW_ERR_MALFORMED, PIC "%s[%d]: LT_CURR without LONG_TERM_REFERENCE", what, i);
    REQUIRE(!(r->flags & (VW_HEVC_PIC_FIELD_PIC | VW_HEVC_PIC_BOTTOM_FIELD)),
            VW_ERR_UNSUPPORTED_STREAM, PIC "%s[%d]: field pictures are not supported", what, i);
    return VW_OK;
}

/* The SPS/PPS range extension (H.265 7.4.3.2.2, 7.4.3.3.2); a protocol 1.1
 * picture has it all zero. Fields the bitstream would not carry (the lists
 * when disabled, entries past the list's length) must be 0, the value the
 * spec infers. Which profiles may use it: vh_hevc_check_profile. */
static int check_range_extension(const struct vw_hevc_picture *p, unsigned depth_y,
                                 unsigned depth_c, unsigned max_tb, struct vh_error *err)
{
    const struct vw_hevc_range_extension *x = &p->range_extension;
    REQUIRE(x->reserved[0] == 0 && x->reserved[1] == 0 && x->reserved[2] == 0 &&
                x->reserved[3] == 0,
            VW_ERR_MALFORMED, PIC "range_extension.reserved is not 0");
    const uint8_t *flags[] = {
        &x->transform_skip_rotation_enabled_flag, &x->transform_skip_context_enabled_flag,
        &x->implicit_rdpcm_enabled_flag, &x->explicit_rdpcm_enabled_flag,
        &x->extended_precision_processing_flag, &x->intra_smoothing_disabled_flag,
        &x->high_precision_offsets_enabled_flag, &x->persistent_rice_adaptation_enabled_flag,
        &x->cabac_bypass_alignment_enabled_flag, &x->cross_component_prediction_enabled_flag,
        &x->chroma_qp_offset_list_enabled_flag};
    for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
        REQUIRE(*flags[i] <= 1, VW_ERR_MALFORMED,
                PIC "range_extension flag %zu is %u, not 0 or 1", i, *flags[i]);
    /* Only the 16-bit and High Throughput profiles (A.3.5, A.3.6) have
     * these; none of the VA profiles served does. */
    REQUIRE(!x->extended_precision_processing_flag && !x->cabac_bypass_alignment_enabled_flag,
            VW_ERR_UNSUPPORTED_STREAM,
            PIC "extended_precision_processing_flag %u, cabac_bypass_alignment_enabled_flag %u "
                "(16-bit / High Throughput profiles only)",
            x->extended_precision_processing_flag, x->cabac_bypass_alignment_enabled_flag);
    REQUIRE(!x->cross_component_prediction_enabled_flag || p->chroma_format_idc == 3,
            VW_ERR_MALFORMED, PIC "cross_component_prediction_enabled_flag without 4:4:4");
    /* log2_max_transform_skip_block_size_minus2 <= MaxTbLog2SizeY - 2. */
    REQUIRE_MAX(x, log2_max_transform_skip_block_size_minus2,
                p->transform_skip_enabled_flag ? max_tb - 2u : 0u);
    unsigned len = 0;
    if (x->chroma_qp_offset_list_enabled_flag) {
        REQUIRE_MAX(x, diff_cu_chroma_qp_offset_depth,
                    p->log2_diff_max_min_luma_coding_block_size);
        REQUIRE_MAX(x, chroma_qp_offset_list_len_minus1, 5);
        len = x->chroma_qp_offset_list_len_minus1 + 1u;
    } else {
        REQUIRE(x->diff_cu_chroma_qp_offset_depth == 0 &&
                    x->chroma_qp_offset_list_len_minus1 == 0,
                VW_ERR_MALFORMED,
                PIC "chroma QP offset list fields set without chroma_qp_offset_list_enabled_flag");
    }
    for (unsigned i = 0; i < 6; i++) {
        int lo = i < len ? -12 : 0, hi = i < len ? 12 : 0;
        REQUIRE(x->cb_qp_offset_list[i] >= lo && x->cb_qp_offset_list[i] <= hi &&
                    x->cr_qp_offset_list[i] >= lo && x->cr_qp_offset_list[i] <= hi,
                VW_ERR_MALFORMED, PIC "cb/cr_qp_offset_list[%u] %d/%d outside %d..%d", i,
                x->cb_qp_offset_list[i], x->cr_qp_offset_list[i], lo, hi);
    }
    /* SAO offsets scale by at most the bits above 10. */
    REQUIRE_MAX(x, log2_sao_offset_scale_luma, depth_y > 10 ? depth_y - 10u : 0u);
    REQUIRE_MAX(x, log2_sao_offset_scale_chroma, depth_c > 10 ? depth_c - 10u : 0u);
    return VW_OK;
}

int vh_hevc_check_picture(const struct vw_hevc_picture *p, const struct vh_surface *target,
                          struct vh_error *err)
{
    REQUIRE(p->reserved[0] == 0 && p->reserved[1] == 0, VW_ERR_MALFORMED,
            PIC "reserved is not 0");
    int st = check_ref(&p->curr_pic, "curr_pic", 0, err);
    for (int i = 0; i < 15 && st == VW_OK; i++)
        st = check_ref(&p->reference_frames[i], "reference_frames", i, err);
    if (st != VW_OK)
        return st;
    for (int i = 0; i < 15; i++) {
        const struct vw_hevc_ref *r = &p->reference_frames[i];
        if (r->flags & VW_HEVC_PIC_INVALID)
            continue;
        REQUIRE(r->surface_id != VW_INVALID_ID, VW_ERR_MALFORMED,
                PIC "reference_frames[%d] is valid but names no surface", i);
        REQUIRE(r->surface_id != target->id, VW_ERR_MALFORMED,
                PIC "reference_frames[%d] is the render target", i);
        /* A short-term reference is coded as its distance from the current
         * picture, at most 2^15 (H.265 7.4.8: delta_poc_s0/s1_minus1 <
         * 2^15): the RPS the daemon rewrites (codecs/hevc_headers.c) then
         * stays in range, with no difference of two POCs overflowing. A
         * long-term one is coded from its full POC (64-bit arithmetic). */
        int64_t d = (int64_t)r->pic_order_cnt - p->curr_pic.pic_order_cnt;
        REQUIRE((r->flags & VW_HEVC_PIC_LONG_TERM) || (d >= -32768 && d <= 32768),
                VW_ERR_MALFORMED,
                PIC "reference_frames[%d].pic_order_cnt %d is %lld from curr_pic.pic_order_cnt "
                    "%d: a short-term reference is at most 32768 away (H.265 7.4.8)",
                i, r->pic_order_cnt, (long long)d, p->curr_pic.pic_order_cnt);
    }

    /* Chroma format and bit depth: the stream's chroma format is the
     * render target's (1 NV12/P010, 2 422H/Y210, 3 444P/Y410) and its
     * depth at most the target's. CREATE_CODEC and BEGIN_FRAME take only
     * formats the engine lists for the codec's profile. The profile's own
     * limits (Main 4:2:0 8-bit; Main10 4:2:0
     * <= 10; Main 4:2:2 10 4:2:0/4:2:2 <= 10; Main 4:4:4 any at 8; Main
     * 4:4:4 10 any <= 10; range extension tools on the last three) need
     * the codec, which this check is not given: vh_hevc_check_profile
     * (codecs/hevc_annexb.h) applies them when an engine plans the
     * picture. */
    const struct vc_pixel_format *fmt = vc_pixel_format_get(target->pixel_format);
    REQUIRE(fmt != NULL, VW_ERR_INTERNAL, PIC "surface %u has no known format 0x%08x",
            target->id, target->pixel_format);
    REQUIRE(p->chroma_format_idc <= 3 && p->separate_colour_plane_flag <= 1 &&
                (!p->separate_colour_plane_flag || p->chroma_format_idc == 3),
            VW_ERR_MALFORMED, PIC "chroma_format_idc %u, separate_colour_plane_flag %u",
            p->chroma_format_idc, p->separate_colour_plane_flag);
    REQUIRE(p->chroma_format_idc != 0, VW_ERR_UNSUPPORTED_STREAM,
            PIC "monochrome (chroma_format_idc 0) is not supported");
    REQUIRE(!p->separate_colour_plane_flag, VW_ERR_UNSUPPORTED_STREAM,
            PIC "separate_colour_plane_flag (4:4:4 coded as three monochrome planes) is not "
                "supported");
    static const char *const chroma_name[] = {"4:0:0", "4:2:0", "4:2:2", "4:4:4"};
    unsigned target_idc = vc_pixel_format_chroma_idc(fmt);
    REQUIRE(p->chroma_format_idc == target_idc, VW_ERR_UNSUPPORTED_FORMAT,
            PIC "the stream is %s, surface %u (%s) holds %s", chroma_name[p->chroma_format_idc],
            target->id, fmt->name, chroma_name[target_idc]);
    REQUIRE_MAX(p, bit_depth_luma_minus8, 8);
    REQUIRE_MAX(p, bit_depth_chroma_minus8, 8);
    unsigned depth_y = p->bit_depth_luma_minus8 + 8u, depth_c = p->bit_depth_chroma_minus8 + 8u;
    REQUIRE(depth_y <= fmt->depth && depth_c <= fmt->depth, VW_ERR_UNSUPPORTED_FORMAT,
            PIC "bit depth %u/%u (luma/chroma) above surface %u's %u bits (%s)", depth_y,
            depth_c, target->id, fmt->depth, fmt->name);

    const uint8_t *flags[] = {
        &p->pcm_enabled_flag, &p->scaling_list_enabled_flag, &p->transform_skip_enabled_flag,
        &p->amp_enabled_flag, &p->strong_intra_smoothing_enabled_flag,
        &p->sign_data_hiding_enabled_flag, &p->constrained_intra_pred_flag,
        &p->cu_qp_delta_enabled_flag, &p->weighted_pred_flag, &p->weighted_bipred_flag,
        &p->transquant_bypass_enabled_flag, &p->tiles_enabled_flag,
        &p->entropy_coding_sync_enabled_flag, &p->pps_loop_filter_across_slices_enabled_flag,
        &p->loop_filter_across_tiles_enabled_flag, &p->pcm_loop_filter_disabled_flag,
        &p->no_pic_reordering_flag, &p->no_bi_pred_flag, &p->lists_modification_present_flag,
        &p->long_term_ref_pics_present_flag, &p->sps_temporal_mvp_enabled_flag,
        &p->cabac_init_present_flag, &p->output_flag_present_flag,
        &p->dependent_slice_segments_enabled_flag, &p->pps_slice_chroma_qp_offsets_present_flag,
        &p->sample_adaptive_offset_enabled_flag, &p->deblocking_filter_override_enabled_flag,
        &p->pps_disable_deblocking_filter_flag, &p->slice_segment_header_extension_present_flag,
        &p->rap_pic_flag, &p->idr_pic_flag, &p->intra_pic_flag};
    for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
        REQUIRE(*flags[i] <= 1, VW_ERR_MALFORMED, PIC "flag %zu is %u, not 0 or 1", i, *flags[i]);

    /* Block sizes (7.4.3.2.1): CTB 16..64, transforms 4..32 and no larger
     * than the CTB. */
    REQUIRE_MAX(p, log2_min_luma_coding_block_size_minus3, 3);
    unsigned min_cb = p->log2_min_luma_coding_block_size_minus3 + 3u;
    unsigned ctb = min_cb + p->log2_diff_max_min_luma_coding_block_size;
    REQUIRE(ctb >= 4 && ctb <= 6, VW_ERR_MALFORMED, PIC "CTB size 2^%u outside 16..64", ctb);
    unsigned min_tb = p->log2_min_transform_block_size_minus2 + 2u;
    unsigned max_tb = min_tb + p->log2_diff_max_min_transform_block_size;
    REQUIRE(min_tb < min_cb && max_tb <= 5 && max_tb <= ctb, VW_ERR_MALFORMED,
            PIC "transform sizes 2^%u..2^%u do not fit coding blocks 2^%u..2^%u", min_tb, max_tb,
            min_cb, ctb);
    REQUIRE_MAX(p, max_transform_hierarchy_depth_intra, ctb - min_tb);
    REQUIRE_MAX(p, max_transform_hierarchy_depth_inter, ctb - min_tb);
    if (p->pcm_enabled_flag) {
        REQUIRE_MAX(p, pcm_sample_bit_depth_luma_minus1, depth_y - 1u);
        REQUIRE_MAX(p, pcm_sample_bit_depth_chroma_minus1, depth_c - 1u);
        unsigned min_pcm = p->log2_min_pcm_luma_coding_block_size_minus3 + 3u;
        unsigned max_pcm = min_pcm + p->log2_diff_max_min_pcm_luma_coding_block_size;
        REQUIRE(min_pcm >= min_cb && max_pcm <= (ctb < 5 ? ctb : 5), VW_ERR_MALFORMED,
                PIC "PCM sizes 2^%u..2^%u", min_pcm, max_pcm);
    }
    uint32_t w = p->pic_width_in_luma_samples, h = p->pic_height_in_luma_samples;
    REQUIRE(w >= 16 && h >= 16 && w % (1u << min_cb) == 0 && h % (1u << min_cb) == 0,
            VW_ERR_MALFORMED, PIC "size %ux%u is not a multiple of the %u-sample coding block",
            w, h, 1u << min_cb);
    REQUIRE(w <= VW_MAX_WIDTH && h <= VW_MAX_HEIGHT, VW_ERR_RESOLUTION, PIC "size %ux%u", w, h);
    /* The coded size rounds the surface up to whole coding blocks. */
    uint32_t mask = (1u << min_cb) - 1;
    REQUIRE(w <= ((target->width + mask) & ~mask) && h <= ((target->height + mask) & ~mask),
            VW_ERR_MALFORMED, PIC "picture %ux%u does not fit surface %u (%ux%u)", w, h,
            target->id, target->width, target->height);

    REQUIRE_MAX(p, sps_max_dec_pic_buffering_minus1, 15);
    REQUIRE_MAX(p, log2_max_pic_order_cnt_lsb_minus4, 12);
    REQUIRE_MAX(p, num_short_term_ref_pic_sets, 64);
    REQUIRE_MAX(p, num_long_term_ref_pic_sps, 32);
    REQUIRE_MAX(p, num_ref_idx_l0_default_active_minus1, 14);
    REQUIRE_MAX(p, num_ref_idx_l1_default_active_minus1, 14);
    REQUIRE_MAX(p, num_extra_slice_header_bits, 7);
    REQUIRE(p->init_qp_minus26 >= -26 && p->init_qp_minus26 <= 25, VW_ERR_MALFORMED,
            PIC "init_qp_minus26 %d", p->init_qp_minus26);
    REQUIRE_MAX(p, diff_cu_qp_delta_depth, p->log2_diff_max_min_luma_coding_block_size);
    REQUIRE(p->pps_cb_qp_offset >= -12 && p->pps_cb_qp_offset <= 12 &&
                p->pps_cr_qp_offset >= -12 && p->pps_cr_qp_offset <= 12,
            VW_ERR_MALFORMED, PIC "chroma QP offsets %d/%d", p->pps_cb_qp_offset,
            p->pps_cr_qp_offset);
    REQUIRE(p->pps_beta_offset_div2 >= -6 && p->pps_beta_offset_div2 <= 6 &&
                p->pps_tc_offset_div2 >= -6 && p->pps_tc_offset_div2 <= 6,
            VW_ERR_MALFORMED, PIC "deblocking offsets %d/%d", p->pps_beta_offset_div2,
            p->pps_tc_offset_div2);
    REQUIRE_MAX(p, log2_parallel_merge_level_minus2, ctb - 2);

    /* Tiles: explicit sizes in CTBs that leave the last column/row >= 1. */
    uint32_t ctb_w = (w + (1u << ctb) - 1) >> ctb, ctb_h = (h + (1u << ctb) - 1) >> ctb;
    if (p->tiles_enabled_flag) {
        REQUIRE(p->num_tile_columns_minus1 < 19 && p->num_tile_rows_minus1 < 21 &&
                    p->num_tile_columns_minus1 < ctb_w && p->num_tile_rows_minus1 < ctb_h &&
                    (p->num_tile_columns_minus1 || p->num_tile_rows_minus1),
                VW_ERR_MALFORMED, PIC "%ux%u tiles in %ux%u CTBs", p->num_tile_columns_minus1 + 1u,
                p->num_tile_rows_minus1 + 1u, ctb_w, ctb_h);
        uint32_t sum = 0;
        for (unsigned i = 0; i < p->num_tile_columns_minus1; i++)
            sum += p->column_width_minus1[i] + 1u;
        REQUIRE(sum < ctb_w, VW_ERR_MALFORMED, PIC "tile columns (%u CTBs) fill the width", sum);
        sum = 0;
        for (unsigned i = 0; i < p->num_tile_rows_minus1; i++)
            sum += p->row_height_minus1[i] + 1u;
        REQUIRE(sum < ctb_h, VW_ERR_MALFORMED, PIC "tile rows (%u CTBs) fill the height", sum);
    }
    return check_range_extension(p, depth_y, depth_c, max_tb, err);
}

int vh_hevc_check_iq_matrix(const struct vw_hevc_iq_matrix *m, struct vh_error *err)
{
    /* Every coefficient is 1..255 (scaling factors of 0 do not exist). */
    const uint8_t *b = (const uint8_t *)m;
    for (size_t i = 0; i < sizeof(*m); i++)
        REQUIRE(b[i] != 0, VW_ERR_MALFORMED, "DECODE_BITSTREAM: HEVC IQ matrix: byte %zu is 0",
                i);
    return VW_OK;
}

int vh_hevc_check_slice(const struct vw_hevc_slice *s, uint32_t index,
                        const struct vw_hevc_picture *pic, const uint8_t *data, uint32_t size,
                        struct vh_error *err)
{
    REQUIRE(s->reserved1 == 0, VW_ERR_MALFORMED, SL "reserved is not 0",
            index);
    const struct vw_hevc_range_extension *x = &pic->range_extension;
    REQUIRE(s->cu_chroma_qp_offset_enabled_flag <= x->chroma_qp_offset_list_enabled_flag,
            VW_ERR_MALFORMED,
            SL "cu_chroma_qp_offset_enabled_flag %u (chroma_qp_offset_list_enabled_flag %u)",
            index, s->cu_chroma_qp_offset_enabled_flag, x->chroma_qp_offset_list_enabled_flag);
    /* Weighted prediction (7.4.7.3): denominators 0..7; offsets within
     * -WpOffsetHalfRange..WpOffsetHalfRange-1, which is 128 unless
     * high_precision_offsets_enabled_flag makes it half the sample range
     * (chroma: the derived ChromaOffset, as VA has it). */
    REQUIRE(s->luma_log2_weight_denom <= 7 &&
                s->luma_log2_weight_denom + s->delta_chroma_log2_weight_denom >= 0 &&
                s->luma_log2_weight_denom + s->delta_chroma_log2_weight_denom <= 7,
            VW_ERR_MALFORMED, SL "weight denominators %u%+d", index, s->luma_log2_weight_denom,
            s->delta_chroma_log2_weight_denom);
    int half_y = x->high_precision_offsets_enabled_flag
                     ? 1 << (pic->bit_depth_luma_minus8 + 7) : 128;
    int half_c = x->high_precision_offsets_enabled_flag
                     ? 1 << (pic->bit_depth_chroma_minus8 + 7) : 128;
    for (int i = 0; i < 15; i++) {
        REQUIRE(s->luma_offset_l0[i] >= -half_y && s->luma_offset_l0[i] < half_y &&
                    s->luma_offset_l1[i] >= -half_y && s->luma_offset_l1[i] < half_y,
                VW_ERR_MALFORMED, SL "luma_offset_l0/l1[%d] %d/%d outside %d..%d", index, i,
                s->luma_offset_l0[i], s->luma_offset_l1[i], -half_y, half_y - 1);
        for (int j = 0; j < 2; j++)
            REQUIRE(s->chroma_offset_l0[i][j] >= -half_c && s->chroma_offset_l0[i][j] < half_c &&
                        s->chroma_offset_l1[i][j] >= -half_c &&
                        s->chroma_offset_l1[i][j] < half_c,
                    VW_ERR_MALFORMED, SL "chroma_offset_l0/l1[%d][%d] %d/%d outside %d..%d",
                    index, i, j, s->chroma_offset_l0[i][j], s->chroma_offset_l1[i][j], -half_c,
                    half_c - 1);
    }
    REQUIRE(s->slice_type <= 2, VW_ERR_MALFORMED, SL "slice_type %u", index, s->slice_type);
    REQUIRE(s->num_ref_idx_l0_active_minus1 < 15 && s->num_ref_idx_l1_active_minus1 < 15,
            VW_ERR_MALFORMED, SL "num_ref_idx_active_minus1 %u/%u", index,
            s->num_ref_idx_l0_active_minus1, s->num_ref_idx_l1_active_minus1);
    for (int l = 0; l < 2; l++)
        for (int i = 0; i < 15; i++)
            REQUIRE(s->ref_pic_list[l][i] < 15 || s->ref_pic_list[l][i] == VW_HEVC_REF_NONE,
                    VW_ERR_MALFORMED, SL "ref_pic_list[%d][%d] is %u", index, l, i,
                    s->ref_pic_list[l][i]);
    REQUIRE(s->five_minus_max_num_merge_cand <= 4, VW_ERR_MALFORMED,
            SL "five_minus_max_num_merge_cand %u", index, s->five_minus_max_num_merge_cand);
    /* A slice segment NAL: forbidden bit 0, VCL type, base layer. */
    REQUIRE(size >= 3, VW_ERR_MALFORMED, SL "%u bytes is too short", index, size);
    unsigned type = (data[0] >> 1) & 0x3f;
    REQUIRE(!(data[0] & 0x80) && (type <= 9 || (type >= 16 && type <= 21)), VW_ERR_MALFORMED,
            SL "NAL type %u is not a slice segment", index, type);
    REQUIRE(((data[0] & 1) << 5 | data[1] >> 3) == 0 && (data[1] & 7) != 0, VW_ERR_MALFORMED,
            SL "NAL header names layer %u, temporal id+1 %u", index,
            (unsigned)((data[0] & 1) << 5 | data[1] >> 3), data[1] & 7u);
    /* Exactly one NAL unit: no start code inside it (7.4.2 forbids 00 00 00,
     * 00 00 01 and 00 00 02 at any byte position), so that nothing but this
     * slice segment reaches the decoder behind it, parameter sets least of
     * all (the daemon writes those from the picture parameters it checked). */
    uint32_t at = vh_find_zero_zero(data, 0, size, 0, 2);
    REQUIRE(at == size, VW_ERR_MALFORMED,
            SL "bytes 00 00 %02x at offset %u of the %u-byte NAL unit: a start code inside the "
               "slice segment (one NAL unit a slice, H.265 7.4.2)",
            index, at < size ? data[at + 2] : 0u, at, size);
    return VW_OK;
}
