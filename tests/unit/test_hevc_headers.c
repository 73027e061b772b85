/* The HEVC rewrite (host/codecs/hevc_headers.c): a slice header naming an
 * SPS RPS set is rewritten with an explicit RPS built from VA's reference
 * frames and list entries from RefPicList, then parsed back; the slice data
 * must follow unchanged. Parameter sets: NAL types and sizes. Range
 * extensions (4:2:2/4:4:4): the parameter sets and a rewritten slice with
 * a chroma QP offset list, high-precision weighted prediction offsets and
 * cu_chroma_qp_offset_enabled_flag are read back by libavcodec's own
 * H.265 syntax tables (the trace_headers bitstream filter), which check
 * every range; and which VA profile allows what (vh_hevc_check_profile). */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavcodec/bsf.h>
#include <libavutil/log.h>

#include "check.h"
#include "common/bitwriter.h"
#include "host/codecs/hevc_annexb.h"
#include "host/codecs/hevc_headers.h"

static struct vw_hevc_picture picture(void)
{
    struct vw_hevc_picture p;
    memset(&p, 0, sizeof(p));
    p.pic_width_in_luma_samples = 352;
    p.pic_height_in_luma_samples = 288;
    p.chroma_format_idc = 1;
    p.log2_diff_max_min_luma_coding_block_size = 3; /* CTB 64 */
    p.log2_diff_max_min_transform_block_size = 3;
    p.sps_max_dec_pic_buffering_minus1 = 4;
    p.log2_max_pic_order_cnt_lsb_minus4 = 4;      /* 8-bit POC LSBs */
    p.num_short_term_ref_pic_sets = 3;
    p.sps_temporal_mvp_enabled_flag = 1;
    p.sample_adaptive_offset_enabled_flag = 1;
    p.amp_enabled_flag = 1;
    p.curr_pic = (struct vw_hevc_ref){.surface_id = 1, .pic_order_cnt = 3};
    for (int i = 0; i < 15; i++)
        p.reference_frames[i] = (struct vw_hevc_ref){.surface_id = VW_INVALID_ID,
                                                     .flags = VW_HEVC_PIC_INVALID};
    /* DPB: POC 0 and 2 before, 4 after, 8 kept but not used by this picture. */
    p.reference_frames[0] = (struct vw_hevc_ref){10, 4, VW_HEVC_PIC_RPS_ST_CURR_AFTER, 0};
    p.reference_frames[1] = (struct vw_hevc_ref){11, 0, VW_HEVC_PIC_RPS_ST_CURR_BEFORE, 0};
    p.reference_frames[2] = (struct vw_hevc_ref){12, 8, 0, 0};
    p.reference_frames[3] = (struct vw_hevc_ref){13, 2, VW_HEVC_PIC_RPS_ST_CURR_BEFORE, 0};
    return p;
}

/* A B slice as an encoder writes it: RPS set 1 of the SPS, two references
 * per list, then two bytes of slice data. */
static size_t original_slice(uint8_t *out, size_t cap)
{
    uint8_t rbsp[64];
    struct vc_bitwriter bw;
    vc_bw_init(&bw, rbsp, sizeof(rbsp));
    vc_bw_put_bits(&bw, 16, 1u << 9 | 1u);    /* TRAIL_R, layer 0, tid+1 1 */
    vc_bw_put_flag(&bw, 1);                   /* first_slice_segment_in_pic_flag */
    vc_bw_put_ue(&bw, 0);                     /* pps id */
    vc_bw_put_ue(&bw, 0);                     /* slice_type B */
    vc_bw_put_bits(&bw, 8, 3);                /* slice_pic_order_cnt_lsb */
    vc_bw_put_flag(&bw, 1);                   /* short_term_ref_pic_set_sps_flag */
    vc_bw_put_bits(&bw, 2, 1);                /* short_term_ref_pic_set_idx */
    vc_bw_put_flag(&bw, 1);                   /* slice_temporal_mvp_enabled_flag */
    vc_bw_put_flag(&bw, 1);                   /* sao luma */
    vc_bw_put_flag(&bw, 1);                   /* sao chroma */
    vc_bw_put_flag(&bw, 1);                   /* num_ref_idx_active_override_flag */
    vc_bw_put_ue(&bw, 1);
    vc_bw_put_ue(&bw, 1);
    vc_bw_put_flag(&bw, 0);                   /* mvd_l1_zero_flag */
    vc_bw_put_flag(&bw, 1);                   /* collocated_from_l0_flag */
    vc_bw_put_ue(&bw, 0);                     /* collocated_ref_idx */
    vc_bw_put_ue(&bw, 2);                     /* five_minus_max_num_merge_cand */
    vc_bw_put_se(&bw, 3);                     /* slice_qp_delta */
    vc_bw_put_bits(&bw, 1, 1);                /* byte_alignment */
    while (bw.bits & 7)
        vc_bw_put_bits(&bw, 1, 0);
    vc_bw_put_bits(&bw, 8, 0xab);
    vc_bw_put_bits(&bw, 8, 0xcd);
    return vc_nal_escape(rbsp, vc_bw_bytes(&bw), out, cap);
}

/* ---- range extensions ------------------------------------------------------ */

/* What libavcodec's trace_headers logged: one "name = value" a line. */
static char trace_log[1 << 17];
static size_t trace_len;

static void trace_cb(void *avcl, int level, const char *fmt, va_list vl)
{
    if (level > AV_LOG_INFO)
        return;
    char line[1024];
    int print_prefix = 0;
    av_log_format_line(avcl, level, fmt, vl, line, sizeof(line), &print_prefix);
    size_t n = strlen(line);
    if (trace_len + n + 1 < sizeof(trace_log)) {
        memcpy(trace_log + trace_len, line, n + 1);
        trace_len += n;
    }
}

/* Runs trace_headers over NALs (each behind a start code); false if
 * libavcodec fails to read them. */
static bool trace(const uint8_t *const *nals, const size_t *sizes, int count)
{
    uint8_t au[8192];
    size_t n = 0;
    for (int i = 0; i < count; i++) {
        if (n + 4 + sizes[i] > sizeof(au))
            return false;
        memcpy(au + n, "\0\0\0\1", 4);
        memcpy(au + n + 4, nals[i], sizes[i]);
        n += 4 + sizes[i];
    }
    const AVBitStreamFilter *f = av_bsf_get_by_name("trace_headers");
    AVBSFContext *bsf = NULL;
    AVPacket *pkt = av_packet_alloc();
    bool ok = f && pkt && av_bsf_alloc(f, &bsf) >= 0;
    if (ok) {
        bsf->par_in->codec_id = AV_CODEC_ID_HEVC;
        ok = av_bsf_init(bsf) >= 0 && av_new_packet(pkt, (int)n) >= 0;
    }
    trace_len = 0;
    trace_log[0] = '\0';
    if (ok) {
        memcpy(pkt->data, au, n);
        av_log_set_callback(trace_cb);
        ok = av_bsf_send_packet(bsf, pkt) >= 0 && av_bsf_receive_packet(bsf, pkt) >= 0;
        av_log_set_callback(av_log_default_callback);
    }
    av_packet_free(&pkt);
    av_bsf_free(&bsf);
    return ok;
}

/* The value of the last syntax element `name` traced; -99999 if none. */
static long long traced(const char *name)
{
    long long value = -99999;
    for (const char *line = trace_log; *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        char field[128];
        long long v;
        char buf[1024];
        snprintf(buf, sizeof(buf), "%.*s", (int)len, line);
        if (sscanf(buf, "%*d %127s %*s = %lld", field, &v) == 2 && strcmp(field, name) == 0)
            value = v;
        line += len + (end ? 1 : 0);
    }
    return value;
}

/* A P slice of a picture with weighted prediction, slice chroma QP
 * offsets and (when `cu_qp_list`) the PPS's chroma QP offset list: one
 * reference, explicit weights with the given offsets, then two bytes of
 * slice data. `chroma`: ChromaArrayType != 0. */
static size_t rext_slice(uint8_t *out, size_t cap, bool chroma, bool cu_qp_list,
                         int luma_offset, int chroma_offset)
{
    uint8_t rbsp[128];
    struct vc_bitwriter bw;
    vc_bw_init(&bw, rbsp, sizeof(rbsp));
    vc_bw_put_bits(&bw, 16, 1u << 9 | 1u);    /* TRAIL_R */
    vc_bw_put_flag(&bw, 1);                   /* first_slice_segment_in_pic_flag */
    vc_bw_put_ue(&bw, 0);                     /* pps id */
    vc_bw_put_ue(&bw, 1);                     /* slice_type P */
    vc_bw_put_bits(&bw, 8, 3);                /* slice_pic_order_cnt_lsb */
    vc_bw_put_flag(&bw, 1);                   /* short_term_ref_pic_set_sps_flag */
    vc_bw_put_bits(&bw, 2, 1);                /* short_term_ref_pic_set_idx */
    vc_bw_put_flag(&bw, 0);                   /* slice_temporal_mvp_enabled_flag */
    vc_bw_put_flag(&bw, 1);                   /* sao luma */
    if (chroma)
        vc_bw_put_flag(&bw, 1);               /* sao chroma */
    vc_bw_put_flag(&bw, 0);                   /* num_ref_idx_active_override_flag: 1 ref */
    /* pred_weight_table() */
    vc_bw_put_ue(&bw, 6);                     /* luma_log2_weight_denom */
    if (chroma)
        vc_bw_put_se(&bw, -1);                /* delta_chroma_log2_weight_denom */
    vc_bw_put_flag(&bw, 1);                   /* luma_weight_l0_flag[0] */
    if (chroma)
        vc_bw_put_flag(&bw, 1);               /* chroma_weight_l0_flag[0] */
    vc_bw_put_se(&bw, 3);                     /* delta_luma_weight_l0[0] */
    vc_bw_put_se(&bw, luma_offset);
    for (int j = 0; chroma && j < 2; j++) {
        vc_bw_put_se(&bw, -2);                /* delta_chroma_weight_l0[0][j] */
        vc_bw_put_se(&bw, chroma_offset);     /* delta_chroma_offset_l0[0][j] */
    }
    vc_bw_put_ue(&bw, 2);                     /* five_minus_max_num_merge_cand */
    vc_bw_put_se(&bw, 1);                     /* slice_qp_delta */
    vc_bw_put_se(&bw, 2);                     /* slice_cb_qp_offset */
    vc_bw_put_se(&bw, -3);                    /* slice_cr_qp_offset */
    if (cu_qp_list)
        vc_bw_put_flag(&bw, 1);               /* cu_chroma_qp_offset_enabled_flag */
    vc_bw_put_bits(&bw, 1, 1);                /* byte_alignment */
    while (bw.bits & 7)
        vc_bw_put_bits(&bw, 1, 0);
    vc_bw_put_bits(&bw, 8, 0xab);
    vc_bw_put_bits(&bw, 8, 0xcd);
    return vc_nal_escape(rbsp, vc_bw_bytes(&bw), out, cap);
}

/* 4:4:4 10-bit with every range extension tool a Main 4:4:4 10 stream may
 * use, a chroma QP offset list of three entries. */
static struct vw_hevc_picture rext_picture(void)
{
    struct vw_hevc_picture p = picture();
    p.chroma_format_idc = 3;
    p.bit_depth_luma_minus8 = p.bit_depth_chroma_minus8 = 2;
    p.transform_skip_enabled_flag = 1;
    p.weighted_pred_flag = 1;
    p.pps_slice_chroma_qp_offsets_present_flag = 1;
    p.sps_temporal_mvp_enabled_flag = 1;
    struct vw_hevc_range_extension *x = &p.range_extension;
    x->transform_skip_rotation_enabled_flag = 1;
    x->implicit_rdpcm_enabled_flag = 1;
    x->intra_smoothing_disabled_flag = 1;
    x->high_precision_offsets_enabled_flag = 1;
    x->persistent_rice_adaptation_enabled_flag = 1;
    x->log2_max_transform_skip_block_size_minus2 = 2;
    x->cross_component_prediction_enabled_flag = 1;
    x->chroma_qp_offset_list_enabled_flag = 1;
    x->diff_cu_chroma_qp_offset_depth = 1;
    x->chroma_qp_offset_list_len_minus1 = 2;
    const int8_t cb[3] = {-3, 4, 12}, cr[3] = {5, -12, 0};
    memcpy(x->cb_qp_offset_list, cb, 3);
    memcpy(x->cr_qp_offset_list, cr, 3);
    return p;
}

static void test_range_extension(void)
{
    struct vw_hevc_picture p = rext_picture();
    uint8_t vps[VH_HEVC_PS_MAX], sps[VH_HEVC_PS_MAX], pps[VH_HEVC_PS_MAX];
    size_t vps_n = vh_hevc_write_vps(&p, VW_PROFILE_HEVC_MAIN444_10, vps, sizeof(vps));
    size_t sps_n = vh_hevc_write_sps(&p, VW_PROFILE_HEVC_MAIN444_10, sps, sizeof(sps));
    size_t pps_n = vh_hevc_write_pps(&p, NULL, 0, pps, sizeof(pps));
    CHECK(vps_n > 0 && sps_n > 0 && pps_n > 0);

    /* The slice as the encoder wrote it, rewritten. Offsets beyond 8 bits:
     * legal only with high_precision_offsets_enabled_flag at 10 bits
     * (luma -512..511, delta chroma -2048..2047). */
    uint8_t orig[128], out[128 + VH_HEVC_SLICE_GROWTH];
    size_t orig_n = rext_slice(orig, sizeof(orig), true, true, 300, -1500);
    struct vw_hevc_slice s;
    memset(&s, 0, sizeof(s));
    memset(s.ref_pic_list, VW_HEVC_REF_NONE, sizeof(s.ref_pic_list));
    s.ref_pic_list[0][0] = 3;                 /* POC 2 */
    s.cu_chroma_qp_offset_enabled_flag = 1;
    struct vh_hevc_slice_header h, orig_hdr;
    const char *why = NULL;
    size_t n = vh_hevc_rewrite_slice(&p, &s, orig, orig_n, out, sizeof(out), &orig_hdr, &why);
    CHECK(n > 0);
    CHECK(orig_hdr.has_pred_weight_table && orig_hdr.cu_chroma_qp_offset_enabled_flag);
    CHECK_EQ(vh_hevc_parse_slice_header(&p, out, n, true, &h), 0);
    CHECK(h.cu_chroma_qp_offset_enabled_flag);
    CHECK_EQ(h.luma_log2_weight_denom, 6);
    CHECK_EQ(h.delta_chroma_log2_weight_denom, -1);
    CHECK_EQ(h.delta_luma_weight[0][0], 3);
    CHECK_EQ(h.luma_offset[0][0], 300);
    CHECK_EQ(h.delta_chroma_weight[0][0][1], -2);
    CHECK_EQ(h.delta_chroma_offset[0][0][1], -1500);
    CHECK(out[n - 2] == 0xab && out[n - 1] == 0xcd);

    const uint8_t *nals[4] = {vps, sps, pps, out};
    size_t sizes[4] = {vps_n, sps_n, pps_n, n};
    CHECK(trace(nals, sizes, 4));
    /* profile_tier_level: Main 4:4:4 10 (A.3.5, Table A.2). */
    CHECK_EQ(traced("general_profile_idc"), 4);
    CHECK_EQ(traced("general_max_12bit_constraint_flag"), 1);
    CHECK_EQ(traced("general_max_10bit_constraint_flag"), 1);
    CHECK_EQ(traced("general_max_8bit_constraint_flag"), 0);
    CHECK_EQ(traced("general_max_422chroma_constraint_flag"), 0);
    CHECK_EQ(traced("general_max_420chroma_constraint_flag"), 0);
    CHECK_EQ(traced("general_max_monochrome_constraint_flag"), 0);
    CHECK_EQ(traced("general_lower_bit_rate_constraint_flag"), 1);
    CHECK_EQ(traced("chroma_format_idc"), 3);
    CHECK_EQ(traced("separate_colour_plane_flag"), 0);
    CHECK_EQ(traced("bit_depth_luma_minus8"), 2);
    CHECK_EQ(traced("bit_depth_chroma_minus8"), 2);
    /* sps_range_extension() */
    CHECK_EQ(traced("sps_range_extension_flag"), 1);
    CHECK_EQ(traced("transform_skip_rotation_enabled_flag"), 1);
    CHECK_EQ(traced("transform_skip_context_enabled_flag"), 0);
    CHECK_EQ(traced("implicit_rdpcm_enabled_flag"), 1);
    CHECK_EQ(traced("explicit_rdpcm_enabled_flag"), 0);
    CHECK_EQ(traced("extended_precision_processing_flag"), 0);
    CHECK_EQ(traced("intra_smoothing_disabled_flag"), 1);
    CHECK_EQ(traced("high_precision_offsets_enabled_flag"), 1);
    CHECK_EQ(traced("persistent_rice_adaptation_enabled_flag"), 1);
    CHECK_EQ(traced("cabac_bypass_alignment_enabled_flag"), 0);
    /* pps_range_extension() */
    CHECK_EQ(traced("pps_range_extension_flag"), 1);
    CHECK_EQ(traced("log2_max_transform_skip_block_size_minus2"), 2);
    CHECK_EQ(traced("cross_component_prediction_enabled_flag"), 1);
    CHECK_EQ(traced("chroma_qp_offset_list_enabled_flag"), 1);
    CHECK_EQ(traced("diff_cu_chroma_qp_offset_depth"), 1);
    CHECK_EQ(traced("chroma_qp_offset_list_len_minus1"), 2);
    CHECK_EQ(traced("cb_qp_offset_list[0]"), -3);
    CHECK_EQ(traced("cb_qp_offset_list[2]"), 12);
    CHECK_EQ(traced("cr_qp_offset_list[1]"), -12);
    CHECK_EQ(traced("log2_sao_offset_scale_luma"), 0);
    CHECK_EQ(traced("log2_sao_offset_scale_chroma"), 0);
    /* The rewritten slice header (libavcodec's tables name
     * delta_chroma_offset_l0 chroma_offset_l0, and allow the widest,
     * high-precision ranges whatever the flag: the parser here checks
     * the flag, below). */
    CHECK_EQ(traced("short_term_ref_pic_set_sps_flag"), 0);
    CHECK_EQ(traced("luma_offset_l0[0]"), 300);
    CHECK_EQ(traced("chroma_offset_l0[0][1]"), -1500);
    CHECK_EQ(traced("slice_cr_qp_offset"), -3);
    CHECK_EQ(traced("cu_chroma_qp_offset_enabled_flag"), 1);

    /* Without high precision those offsets are out of range: the header
     * does not parse. */
    p.range_extension.high_precision_offsets_enabled_flag = 0;
    CHECK_EQ(vh_hevc_rewrite_slice(&p, &s, orig, orig_n, out, sizeof(out), &orig_hdr, &why), 0);
    orig_n = rext_slice(orig, sizeof(orig), true, true, 127, -512);
    CHECK(vh_hevc_rewrite_slice(&p, &s, orig, orig_n, out, sizeof(out), &orig_hdr, &why) > 0);

    /* No chroma QP offset list: no cu_chroma_qp_offset_enabled_flag, no
     * pps_range_extension() unless another PPS field needs it. */
    p.range_extension.chroma_qp_offset_list_enabled_flag = 0;
    p.range_extension.chroma_qp_offset_list_len_minus1 = 0;
    p.range_extension.diff_cu_chroma_qp_offset_depth = 0;
    memset(p.range_extension.cb_qp_offset_list, 0, 6);
    memset(p.range_extension.cr_qp_offset_list, 0, 6);
    orig_n = rext_slice(orig, sizeof(orig), true, false, 5, 7);
    n = vh_hevc_rewrite_slice(&p, &s, orig, orig_n, out, sizeof(out), &orig_hdr, &why);
    CHECK(n > 0);
    CHECK(!orig_hdr.cu_chroma_qp_offset_enabled_flag);
    CHECK_EQ(orig_hdr.delta_chroma_offset[0][0][0], 7);
    CHECK(out[n - 2] == 0xab && out[n - 1] == 0xcd);

    /* ChromaArrayType 0 (monochrome): no chroma weights. */
    p = picture();
    p.chroma_format_idc = 0;
    p.weighted_pred_flag = 1;
    p.pps_slice_chroma_qp_offsets_present_flag = 1;
    orig_n = rext_slice(orig, sizeof(orig), false, false, -20, 0);
    CHECK_EQ(vh_hevc_parse_slice_header(&p, orig, orig_n, false, &h), 0);
    CHECK_EQ(h.luma_offset[0][0], -20);
    CHECK_EQ(h.data_offset, orig_n - 2);

    /* 4:2:2 10-bit, no tools, no codec profile: Main 4:2:2 10; no range
     * extensions written. */
    p = picture();
    p.chroma_format_idc = 2;
    p.bit_depth_luma_minus8 = p.bit_depth_chroma_minus8 = 2;
    vps_n = vh_hevc_write_vps(&p, 0, vps, sizeof(vps));
    sps_n = vh_hevc_write_sps(&p, 0, sps, sizeof(sps));
    pps_n = vh_hevc_write_pps(&p, NULL, 0, pps, sizeof(pps));
    const uint8_t *ps[3] = {vps, sps, pps};
    size_t ps_n[3] = {vps_n, sps_n, pps_n};
    CHECK(trace(ps, ps_n, 3));
    CHECK_EQ(traced("general_profile_idc"), 4);
    CHECK_EQ(traced("general_max_8bit_constraint_flag"), 0);
    CHECK_EQ(traced("general_max_422chroma_constraint_flag"), 1);
    CHECK_EQ(traced("general_max_420chroma_constraint_flag"), 0);
    CHECK_EQ(traced("chroma_format_idc"), 2);
    CHECK_EQ(traced("sps_extension_present_flag"), 0);
    CHECK_EQ(traced("pps_extension_present_flag"), 0);
    /* A Main 4:4:4 codec names its profile whatever the picture. */
    p.bit_depth_luma_minus8 = p.bit_depth_chroma_minus8 = 0;
    ps_n[1] = vh_hevc_write_sps(&p, VW_PROFILE_HEVC_MAIN444, sps, sizeof(sps));
    CHECK(trace(ps, ps_n, 3));
    CHECK_EQ(traced("general_profile_idc"), 4);
    CHECK_EQ(traced("general_max_8bit_constraint_flag"), 1);
    CHECK_EQ(traced("general_max_422chroma_constraint_flag"), 0);

    /* Main and Main10 pictures: the same bytes with and without the codec's
     * profile, profile_idc 1 / 2, no extensions. */
    p = picture();
    uint8_t a[VH_HEVC_PS_MAX], b[VH_HEVC_PS_MAX];
    size_t an = vh_hevc_write_sps(&p, VW_PROFILE_HEVC_MAIN, a, sizeof(a));
    size_t bn = vh_hevc_write_sps(&p, 0, b, sizeof(b));
    CHECK(an == bn && memcmp(a, b, an) == 0);
    ps_n[0] = vh_hevc_write_vps(&p, 0, vps, sizeof(vps));
    ps_n[1] = vh_hevc_write_sps(&p, 0, sps, sizeof(sps));
    ps_n[2] = vh_hevc_write_pps(&p, NULL, 0, pps, sizeof(pps));
    CHECK(trace(ps, ps_n, 3));
    CHECK_EQ(traced("general_profile_idc"), 1);
    CHECK_EQ(traced("sps_extension_present_flag"), 0);
    p.bit_depth_luma_minus8 = p.bit_depth_chroma_minus8 = 2;
    an = vh_hevc_write_sps(&p, VW_PROFILE_HEVC_MAIN10, a, sizeof(a));
    bn = vh_hevc_write_sps(&p, 0, b, sizeof(b));
    CHECK(an == bn && memcmp(a, b, an) == 0);
}

static void test_profiles(void)
{
    struct vh_error err;
    struct vw_hevc_picture p = picture();
    CHECK_EQ(vh_hevc_check_profile(VW_PROFILE_HEVC_MAIN, &p, "t", &err), VW_OK);
    p.bit_depth_luma_minus8 = p.bit_depth_chroma_minus8 = 2;
    CHECK_EQ(vh_hevc_check_profile(VW_PROFILE_HEVC_MAIN, &p, "t", &err),
             VW_ERR_UNSUPPORTED_STREAM);
    CHECK_EQ(vh_hevc_check_profile(VW_PROFILE_HEVC_MAIN10, &p, "t", &err), VW_OK);
    CHECK_EQ(vh_hevc_check_profile(VW_PROFILE_HEVC_MAIN422_10, &p, "t", &err), VW_OK);
    CHECK_EQ(vh_hevc_check_profile(VW_PROFILE_HEVC_MAIN444, &p, "t", &err),
             VW_ERR_UNSUPPORTED_STREAM);
    p.chroma_format_idc = 2;
    CHECK_EQ(vh_hevc_check_profile(VW_PROFILE_HEVC_MAIN10, &p, "t", &err),
             VW_ERR_UNSUPPORTED_STREAM);
    CHECK_EQ(vh_hevc_check_profile(VW_PROFILE_HEVC_MAIN422_10, &p, "t", &err), VW_OK);
    CHECK_EQ(vh_hevc_check_profile(VW_PROFILE_HEVC_MAIN444_10, &p, "t", &err), VW_OK);
    p.chroma_format_idc = 3;
    CHECK_EQ(vh_hevc_check_profile(VW_PROFILE_HEVC_MAIN422_10, &p, "t", &err),
             VW_ERR_UNSUPPORTED_STREAM);
    CHECK_EQ(vh_hevc_check_profile(VW_PROFILE_HEVC_MAIN444_10, &p, "t", &err), VW_OK);
    p.bit_depth_luma_minus8 = p.bit_depth_chroma_minus8 = 0;
    CHECK_EQ(vh_hevc_check_profile(VW_PROFILE_HEVC_MAIN444, &p, "t", &err), VW_OK);
    /* Range extension tools: RExt profiles only. */
    p = picture();
    p.range_extension.persistent_rice_adaptation_enabled_flag = 1;
    CHECK_EQ(vh_hevc_check_profile(VW_PROFILE_HEVC_MAIN, &p, "t", &err),
             VW_ERR_UNSUPPORTED_STREAM);
    CHECK(strstr(err.message, "range extension") != NULL);
    CHECK_EQ(vh_hevc_check_profile(VW_PROFILE_HEVC_MAIN444, &p, "t", &err), VW_OK);
    CHECK_EQ(vh_hevc_check_profile(0, &p, "t", &err), VW_OK);
}

int main(void)
{
    struct vw_hevc_picture p = picture();
    uint8_t buf[VH_HEVC_PS_MAX];
    size_t n = vh_hevc_write_vps(&p, 0, buf, sizeof(buf));
    CHECK(n > 2 && ((buf[0] >> 1) & 63) == VH_HEVC_NAL_VPS);
    n = vh_hevc_write_sps(&p, 0, buf, sizeof(buf));
    CHECK(n > 2 && ((buf[0] >> 1) & 63) == VH_HEVC_NAL_SPS);
    n = vh_hevc_write_pps(&p, NULL, 5, buf, sizeof(buf));
    CHECK(n > 2 && ((buf[0] >> 1) & 63) == VH_HEVC_NAL_PPS);
    /* With every scaling list at 255 far from its predecessor: still fits. */
    struct vw_hevc_iq_matrix iq;
    for (size_t i = 0; i < sizeof(iq); i++)
        ((uint8_t *)&iq)[i] = (uint8_t)(i & 1 ? 1 : 255);
    p.scaling_list_enabled_flag = 1;
    CHECK(vh_hevc_write_pps(&p, &iq, 0, buf, sizeof(buf)) > 0);
    p.scaling_list_enabled_flag = 0;

    uint8_t orig[64];
    size_t orig_size = original_slice(orig, sizeof(orig));
    CHECK(orig_size > 2);
    struct vh_hevc_slice_header h;
    CHECK_EQ(vh_hevc_parse_slice_header(&p, orig, orig_size, false, &h), 0);
    CHECK(h.short_term_ref_pic_set_sps_flag);
    CHECK_EQ(h.num_ref_idx_active[0], 2);
    CHECK_EQ(h.data_offset, orig_size - 2);

    struct vw_hevc_slice s;
    memset(&s, 0, sizeof(s));
    memset(s.ref_pic_list, VW_HEVC_REF_NONE, sizeof(s.ref_pic_list));
    s.ref_pic_list[0][0] = 3;                 /* POC 2 */
    s.ref_pic_list[0][1] = 0;                 /* POC 4 */
    s.ref_pic_list[1][0] = 0;                 /* POC 4 */
    s.ref_pic_list[1][1] = 1;                 /* POC 0 */
    uint8_t out[64 + VH_HEVC_SLICE_GROWTH];
    const char *why = NULL;
    struct vh_hevc_slice_header orig_hdr;
    n = vh_hevc_rewrite_slice(&p, &s, orig, orig_size, out, sizeof(out), &orig_hdr, &why);
    CHECK(n > 0);
    CHECK_EQ(vh_hevc_parse_slice_header(&p, out, n, true, &h), 0);
    CHECK(!h.short_term_ref_pic_set_sps_flag);
    CHECK_EQ(h.slice_pic_order_cnt_lsb, 3);
    CHECK_EQ(h.slice_type, VH_HEVC_SLICE_B);
    /* Negative: POC 2, 0; positive: POC 4 (used), 8 (kept, unused). */
    CHECK_EQ(h.num_negative_pics, 2);
    CHECK_EQ(h.num_positive_pics, 2);
    CHECK_EQ(h.delta_poc[0][0], -1);
    CHECK_EQ(h.delta_poc[0][1], -3);
    CHECK(h.used[0][0] && h.used[0][1]);
    CHECK_EQ(h.delta_poc[1][0], 1);
    CHECK_EQ(h.delta_poc[1][1], 5);
    CHECK(h.used[1][0] && !h.used[1][1]);
    CHECK(h.slice_temporal_mvp_enabled_flag);
    /* RefPicListTemp0 = {2, 0, 4}, RefPicListTemp1 = {4, 2, 0}. */
    CHECK(h.ref_pic_list_modification_flag[0] && h.ref_pic_list_modification_flag[1]);
    CHECK_EQ(h.list_entry[0][0], 0);
    CHECK_EQ(h.list_entry[0][1], 2);
    CHECK_EQ(h.list_entry[1][0], 0);
    CHECK_EQ(h.list_entry[1][1], 2);
    CHECK_EQ(h.num_ref_idx_active[1], 2);
    /* The slice data follows the new header's byte alignment unchanged. */
    CHECK_EQ(h.data_offset, n - 2);
    CHECK(out[n - 2] == 0xab && out[n - 1] == 0xcd);

    /* A reference in RefPicList outside the current RPS is refused. */
    s.ref_pic_list[0][1] = 2;                 /* POC 8: not used by this picture */
    CHECK_EQ(vh_hevc_rewrite_slice(&p, &s, orig, orig_size, out, sizeof(out), &orig_hdr, &why), 0);
    CHECK(why != NULL);

    /* A long-term reference: explicit POC LSBs with the MSB cycle. */
    s.ref_pic_list[0][1] = 0;
    p.long_term_ref_pics_present_flag = 1;
    p.num_short_term_ref_pic_sets = 3;
    p.curr_pic.pic_order_cnt = 300;
    p.reference_frames[2] = (struct vw_hevc_ref){12, 8, VW_HEVC_PIC_LONG_TERM, 0};
    for (int i = 0; i < 4; i++)
        if (i != 2)
            p.reference_frames[i].pic_order_cnt += 297;
    /* The original header now has num_long_term_pics = 0 after the RPS idx;
     * rebuild it with that field. */
    uint8_t rbsp[64];
    struct vc_bitwriter bw;
    vc_bw_init(&bw, rbsp, sizeof(rbsp));
    vc_bw_put_bits(&bw, 16, 1u << 9 | 1u);
    vc_bw_put_flag(&bw, 1);
    vc_bw_put_ue(&bw, 0);
    vc_bw_put_ue(&bw, 2);                     /* I slice */
    vc_bw_put_bits(&bw, 8, 300 & 255);
    vc_bw_put_flag(&bw, 1);
    vc_bw_put_bits(&bw, 2, 1);
    vc_bw_put_ue(&bw, 1);                     /* num_long_term_pics */
    vc_bw_put_bits(&bw, 8, 8);
    vc_bw_put_flag(&bw, 0);
    vc_bw_put_flag(&bw, 1);
    vc_bw_put_ue(&bw, 1);
    vc_bw_put_flag(&bw, 0);                   /* slice_temporal_mvp_enabled_flag */
    vc_bw_put_flag(&bw, 0);
    vc_bw_put_flag(&bw, 0);
    vc_bw_put_se(&bw, 0);
    vc_bw_put_bits(&bw, 1, 1);
    while (bw.bits & 7)
        vc_bw_put_bits(&bw, 1, 0);
    vc_bw_put_bits(&bw, 8, 0x55);
    orig_size = vc_nal_escape(rbsp, vc_bw_bytes(&bw), orig, sizeof(orig));
    n = vh_hevc_rewrite_slice(&p, &s, orig, orig_size, out, sizeof(out), &orig_hdr, &why);
    CHECK(n > 0);
    CHECK_EQ(orig_hdr.num_long_term_pics, 1);
    CHECK_EQ(vh_hevc_parse_slice_header(&p, out, n, true, &h), 0);
    CHECK_EQ(h.num_long_term_pics, 1);
    CHECK_EQ(h.poc_lsb_lt[0], 8);
    CHECK(!h.used_lt[0]);
    CHECK_EQ(h.delta_poc_msb_cycle_lt[0], 1); /* 300 is in cycle 1, POC 8 in cycle 0 */
    CHECK(out[n - 1] == 0x55);
    test_range_extension();
    test_profiles();
    return check_finish("test_hevc_headers");
}
