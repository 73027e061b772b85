/* HEVC VPS/SPS/PPS synthesis and slice header rewriting (see the header).
 * Syntax references are to ITU-T H.265 (7.3). */
#include "host/codecs/hevc_headers.h"

#include <stdlib.h>
#include <string.h>

#include "common/bitreader.h"
#include "common/bitwriter.h"

/* RBSP bytes of a slice NAL that the header may take: entry points of an
 * 8192-line WPP picture with 16-line CTBs (2 KiB) plus a 256-byte extension
 * fit with room to spare. */
#define HEADER_RBSP_MAX 8192u

/* ---- reading -------------------------------------------------------------- */


static unsigned ceil_log2(uint32_t v)
{
    unsigned n = 0;
    while (n < 32 && (1ull << n) < v)
        n++;
    return n;
}

static uint32_t pic_size_in_ctbs(const struct vw_hevc_picture *p)
{
    unsigned ctb_log2 = p->log2_min_luma_coding_block_size_minus3 + 3u +
                        p->log2_diff_max_min_luma_coding_block_size;
    uint32_t ctb = 1u << ctb_log2;
    return ((p->pic_width_in_luma_samples + ctb - 1) / ctb) *
           ((p->pic_height_in_luma_samples + ctb - 1) / ctb);
}

static uint32_t num_pic_total_curr(const struct vw_hevc_picture *p)
{
    uint32_t n = 0;
    for (int i = 0; i < 15; i++) {
        const struct vw_hevc_ref *r = &p->reference_frames[i];
        if (!(r->flags & VW_HEVC_PIC_INVALID) && r->surface_id != VW_INVALID_ID &&
            (r->flags & (VW_HEVC_PIC_RPS_ST_CURR_BEFORE | VW_HEVC_PIC_RPS_ST_CURR_AFTER |
                         VW_HEVC_PIC_RPS_LT_CURR)))
            n++;
    }
    return n;
}

/* Bit positions of the parts of a slice header that the rewrite replaces. */
struct layout {
    size_t rps_start, rps_end;                /* short_term_ref_pic_set_sps_flag .. long-term */
    size_t lm_start, lm_end;                  /* ref_pic_lists_modification() */
};

/* pred_weight_table() (7.3.6.3) into h, with the ranges of 7.4.7.3: with
 * high_precision_offsets_enabled_flag the offsets span the sample range
 * (WpOffsetHalfRangeY/C = 1 << (BitDepth - 1)) instead of 8 bits. */
static int parse_pred_weight_table(const struct vw_hevc_picture *p, struct vc_bitreader *r,
                                   bool chroma, struct vh_hevc_slice_header *h)
{
    bool hp = p->range_extension.high_precision_offsets_enabled_flag;
    int32_t half_y = hp ? 1 << (p->bit_depth_luma_minus8 + 7) : 128;
    int32_t half_c = hp ? 1 << (p->bit_depth_chroma_minus8 + 7) : 128;
    h->has_pred_weight_table = true;
    uint32_t denom = vc_br_ue(r);
    if (denom > 7)
        return -1;
    h->luma_log2_weight_denom = (uint8_t)denom;
    if (chroma) {
        int32_t delta = vc_br_se(r);          /* any 32-bit value: range first */
        if (delta < -7 || delta > 7 || (int32_t)denom + delta < 0 || (int32_t)denom + delta > 7)
            return -1;
        h->delta_chroma_log2_weight_denom = (int8_t)delta;
    }
    for (int l = 0; l < (h->slice_type == VH_HEVC_SLICE_B ? 2 : 1); l++) {
        bool lw[16] = {0}, cw[16] = {0};
        uint32_t n = h->num_ref_idx_active[l];
        for (uint32_t i = 0; i < n; i++)
            lw[i] = vc_br_bit(r);
        if (chroma)
            for (uint32_t i = 0; i < n; i++)
                cw[i] = vc_br_bit(r);
        for (uint32_t i = 0; i < n; i++) {
            if (lw[i]) {
                int32_t w = vc_br_se(r), o = vc_br_se(r);
                if (w < -128 || w > 127 || o < -half_y || o >= half_y)
                    return -1;
                h->delta_luma_weight[l][i] = (int16_t)w;
                h->luma_offset[l][i] = o;
            }
            for (int j = 0; cw[i] && j < 2; j++) {
                int32_t w = vc_br_se(r), o = vc_br_se(r);
                if (w < -128 || w > 127 || o < -4 * half_c || o >= 4 * half_c)
                    return -1;
                h->delta_chroma_weight[l][i][j] = (int16_t)w;
                h->delta_chroma_offset[l][i][j] = o;
            }
        }
    }
    return 0;
}

static int parse(const struct vw_hevc_picture *p, const uint8_t *rbsp, size_t rbsp_size,
                 bool rewritten, struct vh_hevc_slice_header *h, struct layout *lay)
{
    struct vc_bitreader r = {.buf = rbsp, .bits = rbsp_size * 8};
    memset(h, 0, sizeof(*h));
    if (rbsp_size < 3)
        return -1;
    if (vc_br_bit(&r) != 0)
        return -1;
    h->nal_unit_type = (uint8_t)vc_br_bits(&r, 6);
    if (vc_br_bits(&r, 6) != 0)                  /* nuh_layer_id */
        return -1;
    uint32_t tid_plus1 = vc_br_bits(&r, 3);
    if (tid_plus1 == 0)
        return -1;
    h->temporal_id = (uint8_t)(tid_plus1 - 1);
    uint8_t t = h->nal_unit_type;
    if (!(t <= 9 || (t >= 16 && t <= 21)))
        return -1;
    bool idr = t == 19 || t == 20;

    h->first_slice_segment_in_pic_flag = vc_br_bit(&r);
    if (t >= 16 && t <= 23)
        vc_br_bit(&r);                           /* no_output_of_prior_pics_flag */
    h->pps_id = vc_br_ue(&r);
    if (h->pps_id > 63)
        return -1;
    if (!h->first_slice_segment_in_pic_flag) {
        if (p->dependent_slice_segments_enabled_flag)
            h->dependent_slice_segment_flag = vc_br_bit(&r);
        h->slice_segment_address = vc_br_bits(&r, ceil_log2(pic_size_in_ctbs(p)));
    }
    lay->rps_start = lay->rps_end = lay->lm_start = lay->lm_end = r.pos;
    /* ChromaArrayType: 0 for monochrome and separate colour planes. */
    bool chroma = p->chroma_format_idc != 0 && !p->separate_colour_plane_flag;
    if (!h->dependent_slice_segment_flag) {
        vc_br_skip(&r, p->num_extra_slice_header_bits);
        h->slice_type = (uint8_t)vc_br_ue(&r);
        if (h->slice_type > 2)
            return -1;
        if (p->output_flag_present_flag)
            vc_br_bit(&r);
        if (p->separate_colour_plane_flag)
            vc_br_bits(&r, 2);
        lay->rps_start = lay->rps_end = r.pos;
        if (!idr) {
            h->slice_pic_order_cnt_lsb = vc_br_bits(&r, p->log2_max_pic_order_cnt_lsb_minus4 + 4u);
            lay->rps_start = r.pos;
            h->short_term_ref_pic_set_sps_flag = vc_br_bit(&r);
            unsigned num_sets = rewritten ? 0 : p->num_short_term_ref_pic_sets;
            if (!h->short_term_ref_pic_set_sps_flag) {
                if (rewritten) {
                    /* stRpsIdx 0: never inter-predicted. */
                    h->num_negative_pics = (uint8_t)vc_br_ue(&r);
                    h->num_positive_pics = (uint8_t)vc_br_ue(&r);
                    if (h->num_negative_pics > 16 || h->num_positive_pics > 16)
                        return -1;
                    /* delta_poc_s0/s1_minus1 < 2^15 (7.4.8): 16 of
                     * them sum to less than 2^20. */
                    int32_t poc = 0;
                    for (unsigned i = 0; i < h->num_negative_pics; i++) {
                        uint32_t d = vc_br_ue(&r);
                        if (d > 32767)
                            return -1;
                        poc -= (int32_t)d + 1;
                        h->delta_poc[0][i] = poc;
                        h->used[0][i] = vc_br_bit(&r);
                    }
                    poc = 0;
                    for (unsigned i = 0; i < h->num_positive_pics; i++) {
                        uint32_t d = vc_br_ue(&r);
                        if (d > 32767)
                            return -1;
                        poc += (int32_t)d + 1;
                        h->delta_poc[1][i] = poc;
                        h->used[1][i] = vc_br_bit(&r);
                    }
                } else {
                    /* Its contents may predict from an SPS set VA does
                     * not carry: skip the bits VA counted. */
                    vc_br_skip(&r, p->st_rps_bits);
                }
            } else if (num_sets > 1) {
                vc_br_bits(&r, ceil_log2(num_sets));
            } else if (num_sets == 0) {
                return -1;
            }
            if (p->long_term_ref_pics_present_flag) {
                uint32_t num_lt_sps = 0;
                unsigned lt_sps = rewritten ? 0 : p->num_long_term_ref_pic_sps;
                if (lt_sps > 0)
                    num_lt_sps = vc_br_ue(&r);
                uint32_t num_lt = vc_br_ue(&r);
                if (num_lt_sps > lt_sps || num_lt > 16 || num_lt_sps + num_lt > 16)
                    return -1;
                h->num_long_term_pics = (uint8_t)(num_lt_sps + num_lt);
                for (uint32_t i = 0; i < num_lt_sps + num_lt; i++) {
                    if (i < num_lt_sps) {
                        if (lt_sps > 1)
                            vc_br_bits(&r, ceil_log2(lt_sps));
                    } else {
                        h->poc_lsb_lt[i] = vc_br_bits(&r, p->log2_max_pic_order_cnt_lsb_minus4 + 4u);
                        h->used_lt[i] = vc_br_bit(&r);
                    }
                    if (vc_br_bit(&r))           /* delta_poc_msb_present_flag */
                        h->delta_poc_msb_cycle_lt[i] = vc_br_ue(&r);
                }
            }
            lay->rps_end = r.pos;
            if (p->sps_temporal_mvp_enabled_flag)
                h->slice_temporal_mvp_enabled_flag = vc_br_bit(&r);
        }
        bool sao_luma = false, sao_chroma = false;
        if (p->sample_adaptive_offset_enabled_flag) {
            sao_luma = vc_br_bit(&r);
            if (chroma)
                sao_chroma = vc_br_bit(&r);
        }
        lay->lm_start = lay->lm_end = r.pos;
        if (h->slice_type != VH_HEVC_SLICE_I) {
            bool b = h->slice_type == VH_HEVC_SLICE_B;
            h->num_ref_idx_active[0] = p->num_ref_idx_l0_default_active_minus1 + 1u;
            h->num_ref_idx_active[1] = b ? p->num_ref_idx_l1_default_active_minus1 + 1u : 0;
            if (vc_br_bit(&r)) {                 /* num_ref_idx_active_override_flag */
                h->num_ref_idx_active[0] = vc_br_ue(&r) + 1;
                if (b)
                    h->num_ref_idx_active[1] = vc_br_ue(&r) + 1;
            }
            /* 1..15 (an ue of 2^32 - 1 would wrap to 0). */
            if (h->num_ref_idx_active[0] - 1u > 14 ||
                (b && h->num_ref_idx_active[1] - 1u > 14))
                return -1;
            lay->lm_start = r.pos;
            uint32_t total = num_pic_total_curr(p);
            bool lists_mod = rewritten || p->lists_modification_present_flag;
            if (lists_mod && total > 1) {
                unsigned n = ceil_log2(total);
                for (int l = 0; l < (b ? 2 : 1); l++) {
                    h->ref_pic_list_modification_flag[l] = vc_br_bit(&r);
                    if (h->ref_pic_list_modification_flag[l])
                        for (uint32_t i = 0; i < h->num_ref_idx_active[l]; i++)
                            h->list_entry[l][i] = (uint8_t)vc_br_bits(&r, n);
                }
            }
            lay->lm_end = r.pos;
            if (b)
                vc_br_bit(&r);                   /* mvd_l1_zero_flag */
            if (p->cabac_init_present_flag)
                vc_br_bit(&r);
            if (h->slice_temporal_mvp_enabled_flag) {
                bool col_l0 = true;
                if (b)
                    col_l0 = vc_br_bit(&r);
                if (h->num_ref_idx_active[col_l0 ? 0 : 1] > 1)
                    vc_br_ue(&r);                /* collocated_ref_idx */
            }
            if ((p->weighted_pred_flag && h->slice_type == VH_HEVC_SLICE_P) ||
                (p->weighted_bipred_flag && b)) {
                if (parse_pred_weight_table(p, &r, chroma, h) != 0)
                    return -1;
            }
            vc_br_ue(&r);                        /* five_minus_max_num_merge_cand */
        }
        vc_br_se(&r);                            /* slice_qp_delta */
        if (p->pps_slice_chroma_qp_offsets_present_flag) {
            vc_br_se(&r);
            vc_br_se(&r);
        }
        if (p->range_extension.chroma_qp_offset_list_enabled_flag)
            h->cu_chroma_qp_offset_enabled_flag = vc_br_bit(&r);
        bool override = false, dbf_disabled = p->pps_disable_deblocking_filter_flag;
        if (p->deblocking_filter_override_enabled_flag)
            override = vc_br_bit(&r);
        if (override) {
            dbf_disabled = vc_br_bit(&r);
            if (!dbf_disabled) {
                vc_br_se(&r);
                vc_br_se(&r);
            }
        }
        if (p->pps_loop_filter_across_slices_enabled_flag &&
            (sao_luma || sao_chroma || !dbf_disabled))
            vc_br_bit(&r);
    }
    if (p->tiles_enabled_flag || p->entropy_coding_sync_enabled_flag) {
        h->num_entry_point_offsets = vc_br_ue(&r);
        if (h->num_entry_point_offsets > 8192)
            return -1;
        if (h->num_entry_point_offsets > 0) {
            h->offset_len_minus1 = vc_br_ue(&r);
            if (h->offset_len_minus1 > 31)
                return -1;
            vc_br_skip(&r, (size_t)h->num_entry_point_offsets * (h->offset_len_minus1 + 1));
        }
    }
    if (p->slice_segment_header_extension_present_flag) {
        uint32_t len = vc_br_ue(&r);
        if (len > 256)
            return -1;
        vc_br_skip(&r, (size_t)len * 8);
    }
    h->header_bits = (uint32_t)r.pos;
    /* byte_alignment(): a 1, then zeros to the boundary. */
    if (vc_br_bit(&r) != 1)
        return -1;
    while (r.pos & 7)
        if (vc_br_bit(&r) != 0)
            return -1;
    if (r.failed)
        return -1;
    h->data_offset = (uint32_t)(r.pos / 8);
    return 0;
}

int vh_hevc_parse_slice_header(const struct vw_hevc_picture *p, const uint8_t *nal, size_t size,
                               bool rewritten, struct vh_hevc_slice_header *out)
{
    uint8_t *rbsp = malloc(HEADER_RBSP_MAX);
    if (!rbsp)
        return -1;
    size_t n = vc_nal_unescape(nal, size, rbsp, HEADER_RBSP_MAX);
    struct layout lay;
    int rc = parse(p, rbsp, n, rewritten, out, &lay);
    free(rbsp);
    return rc;
}

/* ---- writing ---------------------------------------------------------------- */

static void copy_bits(struct vc_bitwriter *bw, const uint8_t *src, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++)
        vc_bw_put_bits(bw, 1, (src[i >> 3] >> (7 - (i & 7))) & 1u);
}

static void put_nal_header(struct vc_bitwriter *bw, unsigned type)
{
    vc_bw_put_bits(bw, 1, 0);
    vc_bw_put_bits(bw, 6, type);
    vc_bw_put_bits(bw, 6, 0);                 /* nuh_layer_id */
    vc_bw_put_bits(bw, 3, 1);                 /* nuh_temporal_id_plus1 */
}

static size_t finish(struct vc_bitwriter *bw, uint8_t *rbsp, uint8_t *out, size_t cap)
{
    vc_bw_put_trailing_bits(bw);
    if (!vc_bw_ok(bw))
        return 0;
    return vc_nal_escape(rbsp, vc_bw_bytes(bw), out, cap);
}

static bool sps_range_extension_present(const struct vw_hevc_picture *p)
{
    const struct vw_hevc_range_extension *x = &p->range_extension;
    return x->transform_skip_rotation_enabled_flag || x->transform_skip_context_enabled_flag ||
           x->implicit_rdpcm_enabled_flag || x->explicit_rdpcm_enabled_flag ||
           x->extended_precision_processing_flag || x->intra_smoothing_disabled_flag ||
           x->high_precision_offsets_enabled_flag || x->persistent_rice_adaptation_enabled_flag ||
           x->cabac_bypass_alignment_enabled_flag;
}

static bool pps_range_extension_present(const struct vw_hevc_picture *p)
{
    const struct vw_hevc_range_extension *x = &p->range_extension;
    return (p->transform_skip_enabled_flag && x->log2_max_transform_skip_block_size_minus2) ||
           x->cross_component_prediction_enabled_flag || x->chroma_qp_offset_list_enabled_flag ||
           x->log2_sao_offset_scale_luma || x->log2_sao_offset_scale_chroma;
}

bool vh_hevc_uses_range_extension(const struct vw_hevc_picture *p)
{
    return sps_range_extension_present(p) || pps_range_extension_present(p);
}

/* general_max_12bit .. general_lower_bit_rate constraint flags (A.3.5,
 * Table A.2), MSB first, of the format range extensions profiles that
 * VA names. */
#define REXT_FLAGS(b12, b10, b8, c422, c420) \
    ((b12) << 8 | (b10) << 7 | (b8) << 6 | (c422) << 5 | (c420) << 4 | 1u /* lower bit rate */)
#define REXT_MAIN422_10 REXT_FLAGS(1u, 1u, 0u, 1u, 0u)
#define REXT_MAIN444 REXT_FLAGS(1u, 1u, 1u, 0u, 0u)
#define REXT_MAIN444_10 REXT_FLAGS(1u, 1u, 0u, 0u, 0u)
#define REXT_MAIN444_12 REXT_FLAGS(1u, 0u, 0u, 0u, 0u)

/* general_profile_idc (1 Main, 2 Main 10, 4 format range extensions) and,
 * for 4, the constraint flags. The codec's VA profile names it; without
 * one (0) the smallest profile that holds the picture. A Main or Main 10
 * codec keeps the profile by bit depth, so its bytes never change with a
 * picture's range extension fields (validation refuses those there). */
static unsigned ptl_profile(const struct vw_hevc_picture *p, uint32_t profile,
                            unsigned *rext_flags)
{
    unsigned depth = 8u + (p->bit_depth_luma_minus8 > p->bit_depth_chroma_minus8
                               ? p->bit_depth_luma_minus8
                               : p->bit_depth_chroma_minus8);
    switch (profile) {
    case VW_PROFILE_HEVC_MAIN422_10:
        *rext_flags = REXT_MAIN422_10;
        return 4;
    case VW_PROFILE_HEVC_MAIN444:
        *rext_flags = REXT_MAIN444;
        return 4;
    case VW_PROFILE_HEVC_MAIN444_10:
        *rext_flags = REXT_MAIN444_10;
        return 4;
    case VW_PROFILE_HEVC_MAIN:
    case VW_PROFILE_HEVC_MAIN10:
        return depth > 8 ? 2 : 1;
    default:
        break;
    }
    if (p->chroma_format_idc == 1 && depth <= 10 && !vh_hevc_uses_range_extension(p))
        return depth > 8 ? 2 : 1;
    if (p->chroma_format_idc == 3)
        *rext_flags = depth <= 8 ? REXT_MAIN444 : depth <= 10 ? REXT_MAIN444_10 : REXT_MAIN444_12;
    else
        *rext_flags = depth <= 10 ? REXT_MAIN422_10 : REXT_MAIN444_12;
    return 4;
}

/* profile_tier_level(1, 0). */
static void put_ptl(struct vc_bitwriter *bw, const struct vw_hevc_picture *p, uint32_t codec_profile)
{
    unsigned rext_flags = 0;
    unsigned profile = ptl_profile(p, codec_profile, &rext_flags);
    vc_bw_put_bits(bw, 2, 0);                 /* general_profile_space */
    vc_bw_put_bits(bw, 1, 0);                 /* general_tier_flag */
    vc_bw_put_bits(bw, 5, profile);
    uint32_t compat = (1u << (31 - profile)) | (profile == 1 ? 1u << (31 - 2) : 0);
    vc_bw_put_bits(bw, 32, compat);
    vc_bw_put_bits(bw, 4, 0x9);               /* progressive, !interlaced, !non_packed, frame_only */
    if (profile == 4) {
        vc_bw_put_bits(bw, 9, rext_flags);    /* max_12bit .. lower_bit_rate */
        vc_bw_put_bits(bw, 32, 0);            /* 34 reserved bits + general_inbld_flag */
        vc_bw_put_bits(bw, 3, 0);
    } else {
        vc_bw_put_bits(bw, 32, 0);            /* 43 reserved bits + general_inbld_flag */
        vc_bw_put_bits(bw, 12, 0);
    }
    vc_bw_put_bits(bw, 8, 186);               /* general_level_idc: 6.2 */
}

/* DPB size and reordering: VA gives max_dec_pic_buffering only. Output
 * order does not matter to the engines (they capture in decode order), so
 * allow reordering over the whole DPB. */
static void put_ordering(struct vc_bitwriter *bw, const struct vw_hevc_picture *p)
{
    vc_bw_put_ue(bw, p->sps_max_dec_pic_buffering_minus1);
    vc_bw_put_ue(bw, p->sps_max_dec_pic_buffering_minus1); /* max_num_reorder_pics */
    vc_bw_put_ue(bw, 0);                                   /* max_latency_increase_plus1 */
}

size_t vh_hevc_write_vps(const struct vw_hevc_picture *p, uint32_t profile, uint8_t *out,
                         size_t cap)
{
    uint8_t rbsp[128];
    struct vc_bitwriter bw;
    vc_bw_init(&bw, rbsp, sizeof(rbsp));
    put_nal_header(&bw, VH_HEVC_NAL_VPS);
    vc_bw_put_bits(&bw, 4, 0);                /* vps_video_parameter_set_id */
    vc_bw_put_bits(&bw, 1, 1);                /* vps_base_layer_internal_flag */
    vc_bw_put_bits(&bw, 1, 1);                /* vps_base_layer_available_flag */
    vc_bw_put_bits(&bw, 6, 0);                /* vps_max_layers_minus1 */
    vc_bw_put_bits(&bw, 3, 0);                /* vps_max_sub_layers_minus1 */
    vc_bw_put_bits(&bw, 1, 1);                /* vps_temporal_id_nesting_flag */
    vc_bw_put_bits(&bw, 16, 0xffff);
    put_ptl(&bw, p, profile);
    vc_bw_put_bits(&bw, 1, 1);                /* vps_sub_layer_ordering_info_present_flag */
    put_ordering(&bw, p);
    vc_bw_put_bits(&bw, 6, 0);                /* vps_max_layer_id */
    vc_bw_put_ue(&bw, 0);                     /* vps_num_layer_sets_minus1 */
    vc_bw_put_bits(&bw, 1, 0);                /* vps_timing_info_present_flag */
    vc_bw_put_bits(&bw, 1, 0);                /* vps_extension_flag */
    return finish(&bw, rbsp, out, cap);
}

size_t vh_hevc_write_sps(const struct vw_hevc_picture *p, uint32_t profile, uint8_t *out,
                         size_t cap)
{
    uint8_t rbsp[256];
    struct vc_bitwriter bw;
    vc_bw_init(&bw, rbsp, sizeof(rbsp));
    put_nal_header(&bw, VH_HEVC_NAL_SPS);
    vc_bw_put_bits(&bw, 4, 0);                /* sps_video_parameter_set_id */
    vc_bw_put_bits(&bw, 3, 0);                /* sps_max_sub_layers_minus1 */
    vc_bw_put_bits(&bw, 1, 1);                /* sps_temporal_id_nesting_flag */
    put_ptl(&bw, p, profile);
    vc_bw_put_ue(&bw, 0);                     /* sps_seq_parameter_set_id */
    vc_bw_put_ue(&bw, p->chroma_format_idc);
    if (p->chroma_format_idc == 3)
        vc_bw_put_flag(&bw, p->separate_colour_plane_flag);
    vc_bw_put_ue(&bw, p->pic_width_in_luma_samples);
    vc_bw_put_ue(&bw, p->pic_height_in_luma_samples);
    /* No conformance window: VA surfaces hold the coded size and the
     * client crops from its own parse. */
    vc_bw_put_flag(&bw, 0);
    vc_bw_put_ue(&bw, p->bit_depth_luma_minus8);
    vc_bw_put_ue(&bw, p->bit_depth_chroma_minus8);
    vc_bw_put_ue(&bw, p->log2_max_pic_order_cnt_lsb_minus4);
    vc_bw_put_flag(&bw, 1);                   /* sps_sub_layer_ordering_info_present_flag */
    put_ordering(&bw, p);
    vc_bw_put_ue(&bw, p->log2_min_luma_coding_block_size_minus3);
    vc_bw_put_ue(&bw, p->log2_diff_max_min_luma_coding_block_size);
    vc_bw_put_ue(&bw, p->log2_min_transform_block_size_minus2);
    vc_bw_put_ue(&bw, p->log2_diff_max_min_transform_block_size);
    vc_bw_put_ue(&bw, p->max_transform_hierarchy_depth_inter);
    vc_bw_put_ue(&bw, p->max_transform_hierarchy_depth_intra);
    vc_bw_put_flag(&bw, p->scaling_list_enabled_flag);
    if (p->scaling_list_enabled_flag)
        vc_bw_put_flag(&bw, 0);               /* lists in the PPS (or defaults) */
    vc_bw_put_flag(&bw, p->amp_enabled_flag);
    vc_bw_put_flag(&bw, p->sample_adaptive_offset_enabled_flag);
    vc_bw_put_flag(&bw, p->pcm_enabled_flag);
    if (p->pcm_enabled_flag) {
        vc_bw_put_bits(&bw, 4, p->pcm_sample_bit_depth_luma_minus1);
        vc_bw_put_bits(&bw, 4, p->pcm_sample_bit_depth_chroma_minus1);
        vc_bw_put_ue(&bw, p->log2_min_pcm_luma_coding_block_size_minus3);
        vc_bw_put_ue(&bw, p->log2_diff_max_min_pcm_luma_coding_block_size);
        vc_bw_put_flag(&bw, p->pcm_loop_filter_disabled_flag);
    }
    vc_bw_put_ue(&bw, 0);                     /* num_short_term_ref_pic_sets */
    vc_bw_put_flag(&bw, p->long_term_ref_pics_present_flag);
    if (p->long_term_ref_pics_present_flag)
        vc_bw_put_ue(&bw, 0);                 /* num_long_term_ref_pics_sps */
    vc_bw_put_flag(&bw, p->sps_temporal_mvp_enabled_flag);
    vc_bw_put_flag(&bw, p->strong_intra_smoothing_enabled_flag);
    vc_bw_put_flag(&bw, 0);                   /* vui_parameters_present_flag */
    bool rext = sps_range_extension_present(p);
    vc_bw_put_flag(&bw, rext);                /* sps_extension_present_flag */
    if (rext) {
        const struct vw_hevc_range_extension *x = &p->range_extension;
        vc_bw_put_flag(&bw, 1);               /* sps_range_extension_flag */
        vc_bw_put_bits(&bw, 7, 0);            /* multilayer, 3d, scc, 4bits */
        vc_bw_put_flag(&bw, x->transform_skip_rotation_enabled_flag);
        vc_bw_put_flag(&bw, x->transform_skip_context_enabled_flag);
        vc_bw_put_flag(&bw, x->implicit_rdpcm_enabled_flag);
        vc_bw_put_flag(&bw, x->explicit_rdpcm_enabled_flag);
        vc_bw_put_flag(&bw, x->extended_precision_processing_flag);
        vc_bw_put_flag(&bw, x->intra_smoothing_disabled_flag);
        vc_bw_put_flag(&bw, x->high_precision_offsets_enabled_flag);
        vc_bw_put_flag(&bw, x->persistent_rice_adaptation_enabled_flag);
        vc_bw_put_flag(&bw, x->cabac_bypass_alignment_enabled_flag);
    }
    return finish(&bw, rbsp, out, cap);
}

/* Up-right diagonal scan (6.5.3) of a blk x blk block: raster positions in
 * coding order. */
static void diag_scan(unsigned blk, uint8_t *pos)
{
    unsigned i = 0;
    int x = 0, y = 0;
    while (i < blk * blk) {
        while (y >= 0) {
            if (x < (int)blk && y < (int)blk)
                pos[i++] = (uint8_t)(y * (int)blk + x);
            y--;
            x++;
        }
        y = x;
        x = 0;
    }
}

/* scaling_list_data() with every list explicit; VA has the lists in raster
 * order, the bitstream codes them in diagonal scan order. */
static void put_scaling_lists(struct vc_bitwriter *bw, const struct vw_hevc_iq_matrix *m)
{
    uint8_t scan4[16], scan8[64];
    diag_scan(4, scan4);
    diag_scan(8, scan8);
    for (unsigned size_id = 0; size_id < 4; size_id++) {
        for (unsigned matrix_id = 0; matrix_id < 6; matrix_id += size_id == 3 ? 3 : 1) {
            vc_bw_put_flag(bw, 1);            /* scaling_list_pred_mode_flag */
            const uint8_t *list;
            unsigned n = size_id == 0 ? 16 : 64;
            int next = 8;
            switch (size_id) {
            case 0: list = m->scaling_list_4x4[matrix_id]; break;
            case 1: list = m->scaling_list_8x8[matrix_id]; break;
            case 2: list = m->scaling_list_16x16[matrix_id]; break;
            default: list = m->scaling_list_32x32[matrix_id / 3]; break;
            }
            if (size_id >= 2) {
                int dc = size_id == 2 ? m->scaling_list_dc_16x16[matrix_id]
                                      : m->scaling_list_dc_32x32[matrix_id / 3];
                vc_bw_put_se(bw, dc - 8);
                next = dc;
            }
            for (unsigned i = 0; i < n; i++) {
                int coef = list[n == 16 ? scan4[i] : scan8[i]];
                int delta = coef - next;
                /* scaling_list_delta_coef is taken mod 256 into -128..127. */
                if (delta > 127)
                    delta -= 256;
                if (delta < -128)
                    delta += 256;
                vc_bw_put_se(bw, delta);
                next = coef;
            }
        }
    }
}

size_t vh_hevc_write_pps(const struct vw_hevc_picture *p, const struct vw_hevc_iq_matrix *iq,
                         uint32_t pps_id, uint8_t *out, size_t cap)
{
    uint8_t *rbsp = malloc(VH_HEVC_PS_MAX);
    if (!rbsp)
        return 0;
    struct vc_bitwriter bw;
    vc_bw_init(&bw, rbsp, VH_HEVC_PS_MAX * 2 / 3);
    put_nal_header(&bw, VH_HEVC_NAL_PPS);
    vc_bw_put_ue(&bw, pps_id);
    vc_bw_put_ue(&bw, 0);                     /* pps_seq_parameter_set_id */
    vc_bw_put_flag(&bw, p->dependent_slice_segments_enabled_flag);
    vc_bw_put_flag(&bw, p->output_flag_present_flag);
    vc_bw_put_bits(&bw, 3, p->num_extra_slice_header_bits);
    vc_bw_put_flag(&bw, p->sign_data_hiding_enabled_flag);
    vc_bw_put_flag(&bw, p->cabac_init_present_flag);
    vc_bw_put_ue(&bw, p->num_ref_idx_l0_default_active_minus1);
    vc_bw_put_ue(&bw, p->num_ref_idx_l1_default_active_minus1);
    vc_bw_put_se(&bw, p->init_qp_minus26);
    vc_bw_put_flag(&bw, p->constrained_intra_pred_flag);
    vc_bw_put_flag(&bw, p->transform_skip_enabled_flag);
    vc_bw_put_flag(&bw, p->cu_qp_delta_enabled_flag);
    if (p->cu_qp_delta_enabled_flag)
        vc_bw_put_ue(&bw, p->diff_cu_qp_delta_depth);
    vc_bw_put_se(&bw, p->pps_cb_qp_offset);
    vc_bw_put_se(&bw, p->pps_cr_qp_offset);
    vc_bw_put_flag(&bw, p->pps_slice_chroma_qp_offsets_present_flag);
    vc_bw_put_flag(&bw, p->weighted_pred_flag);
    vc_bw_put_flag(&bw, p->weighted_bipred_flag);
    vc_bw_put_flag(&bw, p->transquant_bypass_enabled_flag);
    vc_bw_put_flag(&bw, p->tiles_enabled_flag);
    vc_bw_put_flag(&bw, p->entropy_coding_sync_enabled_flag);
    if (p->tiles_enabled_flag) {
        vc_bw_put_ue(&bw, p->num_tile_columns_minus1);
        vc_bw_put_ue(&bw, p->num_tile_rows_minus1);
        vc_bw_put_flag(&bw, 0);               /* uniform_spacing_flag: sizes as VA gives them */
        for (unsigned i = 0; i < p->num_tile_columns_minus1; i++)
            vc_bw_put_ue(&bw, p->column_width_minus1[i]);
        for (unsigned i = 0; i < p->num_tile_rows_minus1; i++)
            vc_bw_put_ue(&bw, p->row_height_minus1[i]);
        vc_bw_put_flag(&bw, p->loop_filter_across_tiles_enabled_flag);
    }
    vc_bw_put_flag(&bw, p->pps_loop_filter_across_slices_enabled_flag);
    vc_bw_put_flag(&bw, 1);                   /* deblocking_filter_control_present_flag */
    vc_bw_put_flag(&bw, p->deblocking_filter_override_enabled_flag);
    vc_bw_put_flag(&bw, p->pps_disable_deblocking_filter_flag);
    if (!p->pps_disable_deblocking_filter_flag) {
        vc_bw_put_se(&bw, p->pps_beta_offset_div2);
        vc_bw_put_se(&bw, p->pps_tc_offset_div2);
    }
    bool lists = p->scaling_list_enabled_flag && iq;
    vc_bw_put_flag(&bw, lists);               /* pps_scaling_list_data_present_flag */
    if (lists)
        put_scaling_lists(&bw, iq);
    vc_bw_put_flag(&bw, 1);                   /* lists_modification_present_flag */
    vc_bw_put_ue(&bw, p->log2_parallel_merge_level_minus2);
    vc_bw_put_flag(&bw, p->slice_segment_header_extension_present_flag);
    bool rext = pps_range_extension_present(p);
    vc_bw_put_flag(&bw, rext);                /* pps_extension_present_flag */
    if (rext) {
        const struct vw_hevc_range_extension *x = &p->range_extension;
        vc_bw_put_flag(&bw, 1);               /* pps_range_extension_flag */
        vc_bw_put_bits(&bw, 7, 0);            /* multilayer, 3d, scc, 4bits */
        if (p->transform_skip_enabled_flag)
            vc_bw_put_ue(&bw, x->log2_max_transform_skip_block_size_minus2);
        vc_bw_put_flag(&bw, x->cross_component_prediction_enabled_flag);
        vc_bw_put_flag(&bw, x->chroma_qp_offset_list_enabled_flag);
        if (x->chroma_qp_offset_list_enabled_flag) {
            vc_bw_put_ue(&bw, x->diff_cu_chroma_qp_offset_depth);
            vc_bw_put_ue(&bw, x->chroma_qp_offset_list_len_minus1);
            for (unsigned i = 0; i <= x->chroma_qp_offset_list_len_minus1 && i < 6; i++) {
                vc_bw_put_se(&bw, x->cb_qp_offset_list[i]);
                vc_bw_put_se(&bw, x->cr_qp_offset_list[i]);
            }
        }
        vc_bw_put_ue(&bw, x->log2_sao_offset_scale_luma);
        vc_bw_put_ue(&bw, x->log2_sao_offset_scale_chroma);
    }
    size_t n = finish(&bw, rbsp, out, cap);
    free(rbsp);
    return n;
}

/* ---- slice header rewrite ------------------------------------------------------ */

struct ref_entry {
    int idx;                                  /* in reference_frames */
    int32_t poc;
    bool used;
};

static int cmp_poc_desc(const void *a, const void *b)
{
    const struct ref_entry *x = a, *y = b;
    return (x->poc < y->poc) - (x->poc > y->poc);
}

static int cmp_poc_asc(const void *a, const void *b)
{
    return cmp_poc_desc(b, a);
}

/* Writes the explicit RPS and long-term entries; fills `cand` with the
 * reference_frames index of each entry of RefPicListTemp0 (StCurrBefore,
 * StCurrAfter, LtCurr) and RefPicListTemp1 (StCurrAfter, StCurrBefore,
 * LtCurr), the lists list_entry_lX index (8.3.4). Returns false if the
 * references cannot be coded. */
static bool put_rps(struct vc_bitwriter *bw, const struct vw_hevc_picture *p, int cand[2][16],
                    unsigned *num_cand, const char **why)
{
    struct ref_entry neg[16], pos[16], lt[16];
    unsigned nn = 0, np = 0, nl = 0;
    int before[16], after[16], ltc[16];
    unsigned nb = 0, na = 0, nlc = 0;
    int32_t cur = p->curr_pic.pic_order_cnt;
    for (int i = 0; i < 15; i++) {
        const struct vw_hevc_ref *r = &p->reference_frames[i];
        if ((r->flags & VW_HEVC_PIC_INVALID) || r->surface_id == VW_INVALID_ID)
            continue;
        if (r->flags & VW_HEVC_PIC_LONG_TERM) {
            lt[nl++] = (struct ref_entry){i, r->pic_order_cnt,
                                          (r->flags & VW_HEVC_PIC_RPS_LT_CURR) != 0};
        } else if (r->pic_order_cnt < cur) {
            neg[nn++] = (struct ref_entry){i, r->pic_order_cnt,
                                           (r->flags & VW_HEVC_PIC_RPS_ST_CURR_BEFORE) != 0};
        } else if (r->pic_order_cnt > cur) {
            pos[np++] = (struct ref_entry){i, r->pic_order_cnt,
                                           (r->flags & VW_HEVC_PIC_RPS_ST_CURR_AFTER) != 0};
        } else {
            *why = "a short-term reference has the current picture's POC";
            return false;
        }
    }
    qsort(neg, nn, sizeof(neg[0]), cmp_poc_desc);
    qsort(pos, np, sizeof(pos[0]), cmp_poc_asc);
    vc_bw_put_ue(bw, nn);
    vc_bw_put_ue(bw, np);
    int32_t prev = cur;
    for (unsigned i = 0; i < nn; i++) {
        if (neg[i].poc == prev) {
            *why = "two short-term references share a POC";
            return false;
        }
        vc_bw_put_ue(bw, (uint32_t)(prev - neg[i].poc - 1));
        vc_bw_put_flag(bw, neg[i].used);
        prev = neg[i].poc;
        if (neg[i].used)
            before[nb++] = neg[i].idx;
    }
    prev = cur;
    for (unsigned i = 0; i < np; i++) {
        if (pos[i].poc == prev) {
            *why = "two short-term references share a POC";
            return false;
        }
        vc_bw_put_ue(bw, (uint32_t)(pos[i].poc - prev - 1));
        vc_bw_put_flag(bw, pos[i].used);
        prev = pos[i].poc;
        if (pos[i].used)
            after[na++] = pos[i].idx;
    }
    if (nl > 0 && !p->long_term_ref_pics_present_flag) {
        *why = "long-term references without long_term_ref_pics_present_flag";
        return false;
    }
    if (p->long_term_ref_pics_present_flag) {
        /* Explicit entries with delta_poc_msb_present_flag = 1, so that the
         * full POC names the picture; the MSB cycle is coded as a delta
         * from the previous entry, hence the nearest first. */
        int64_t max_lsb = (int64_t)1 << (p->log2_max_pic_order_cnt_lsb_minus4 + 4);
        int64_t cur_msb = (int64_t)cur - ((int64_t)cur & (max_lsb - 1));
        qsort(lt, nl, sizeof(lt[0]), cmp_poc_desc);
        vc_bw_put_ue(bw, nl);                 /* num_long_term_pics */
        int64_t prev_cycle = 0;
        for (unsigned i = 0; i < nl; i++) {
            int64_t lsb = (int64_t)lt[i].poc & (max_lsb - 1);
            int64_t cycle = (cur_msb - ((int64_t)lt[i].poc - lsb)) / max_lsb;
            if (cycle < prev_cycle) {
                *why = "a long-term reference follows the current picture";
                return false;
            }
            vc_bw_put_bits(bw, p->log2_max_pic_order_cnt_lsb_minus4 + 4u, (uint32_t)lsb);
            vc_bw_put_flag(bw, lt[i].used);
            vc_bw_put_flag(bw, 1);            /* delta_poc_msb_present_flag */
            vc_bw_put_ue(bw, (uint32_t)(cycle - prev_cycle));
            prev_cycle = cycle;
            if (lt[i].used)
                ltc[nlc++] = lt[i].idx;
        }
    }
    unsigned n = 0;
    for (unsigned i = 0; i < nb; i++)
        cand[0][n++] = before[i];
    for (unsigned i = 0; i < na; i++)
        cand[0][n++] = after[i];
    for (unsigned i = 0; i < nlc; i++)
        cand[0][n++] = ltc[i];
    n = 0;
    for (unsigned i = 0; i < na; i++)
        cand[1][n++] = after[i];
    for (unsigned i = 0; i < nb; i++)
        cand[1][n++] = before[i];
    for (unsigned i = 0; i < nlc; i++)
        cand[1][n++] = ltc[i];
    *num_cand = n;
    return true;
}

size_t vh_hevc_rewrite_slice(const struct vw_hevc_picture *p, const struct vw_hevc_slice *s,
                             const uint8_t *nal, size_t size, uint8_t *out, size_t cap,
                             struct vh_hevc_slice_header *hdr, const char **why)
{
    size_t written = 0;
    uint8_t *rbsp = malloc(HEADER_RBSP_MAX);
    uint8_t *hdr_rbsp = malloc(HEADER_RBSP_MAX + 1024);
    if (!rbsp || !hdr_rbsp) {
        *why = "out of memory";
        goto out;
    }
    size_t n = vc_nal_unescape(nal, size, rbsp, HEADER_RBSP_MAX);
    struct layout lay;
    if (parse(p, rbsp, n, false, hdr, &lay) != 0) {
        *why = "slice header does not parse";
        goto out;
    }
    if (hdr->dependent_slice_segment_flag) {
        /* Nothing to rewrite. */
        if (size > cap) {
            *why = "output too small";
            goto out;
        }
        memcpy(out, nal, size);
        written = size;
        goto out;
    }

    struct vc_bitwriter bw;
    vc_bw_init(&bw, hdr_rbsp, HEADER_RBSP_MAX + 1024);
    copy_bits(&bw, rbsp, 0, lay.rps_start);
    int cand[2][16];
    unsigned num_cand = 0;
    bool idr = hdr->nal_unit_type == 19 || hdr->nal_unit_type == 20;
    if (!idr) {
        vc_bw_put_flag(&bw, 0);               /* short_term_ref_pic_set_sps_flag */
        if (!put_rps(&bw, p, cand, &num_cand, why))
            goto out;
    }
    copy_bits(&bw, rbsp, lay.rps_end, lay.lm_start);
    if (hdr->slice_type != VH_HEVC_SLICE_I && num_cand > 1) {
        unsigned bits = ceil_log2(num_cand);
        for (int l = 0; l < (hdr->slice_type == VH_HEVC_SLICE_B ? 2 : 1); l++) {
            vc_bw_put_flag(&bw, 1);           /* ref_pic_list_modification_flag_lX */
            for (uint32_t i = 0; i < hdr->num_ref_idx_active[l]; i++) {
                uint8_t ref = s->ref_pic_list[l][i];
                unsigned k = 0;
                while (k < num_cand && cand[l][k] != ref)
                    k++;
                if (k == num_cand) {
                    *why = "RefPicList names a picture outside the current RPS";
                    goto out;
                }
                vc_bw_put_bits(&bw, bits, k);
            }
        }
    }
    copy_bits(&bw, rbsp, lay.lm_end, hdr->header_bits);
    /* byte_alignment() */
    vc_bw_put_bits(&bw, 1, 1);
    while (bw.bits & 7)
        vc_bw_put_bits(&bw, 1, 0);
    if (!vc_bw_ok(&bw)) {
        *why = "slice header too long";
        goto out;
    }
    size_t data_at = vc_nal_escaped_index(nal, size, hdr->data_offset);
    size_t hlen = vc_nal_escape(hdr_rbsp, vc_bw_bytes(&bw), out, cap);
    if (hlen == 0 || size - data_at > cap - hlen) {
        *why = "output too small";
        goto out;
    }
    memcpy(out + hlen, nal + data_at, size - data_at);
    written = hlen + size - data_at;
out:
    free(hdr_rbsp);
    free(rbsp);
    return written;
}
