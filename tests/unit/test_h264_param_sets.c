/* SPS/PPS synthesis: every field written from VA-level parameters reads back
 * (with an independent reader) as given, scaling lists included in zig-zag
 * order; the bit writer's Exp-Golomb codes and emulation prevention; and
 * libavcodec accepts the result. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>

#include "check.h"
#include "common/bitwriter.h"
#include "h264_reader.h"
#include "host/codecs/h264_param_sets.h"
#include "host/codecs/h264_slice_header.h"

/* ---- bit writer --------------------------------------------------------- */

static void test_exp_golomb(void)
{
    uint8_t buf[64];
    struct vc_bitwriter bw;
    vc_bw_init(&bw, buf, sizeof(buf));
    /* ue 0 -> 1, 1 -> 010, 2 -> 011, 3 -> 00100; se 1 -> 010, -1 -> 011. */
    vc_bw_put_ue(&bw, 0);
    vc_bw_put_ue(&bw, 1);
    vc_bw_put_ue(&bw, 2);
    vc_bw_put_ue(&bw, 3);
    vc_bw_put_se(&bw, 1);
    vc_bw_put_se(&bw, -1);
    CHECK_EQ(bw.bits, 1 + 3 + 3 + 5 + 3 + 3);
    /* 1010 0110 0100 0100 11.. */
    CHECK_EQ(buf[0], 0xa6);
    CHECK_EQ(buf[1], 0x44);
    CHECK_EQ(buf[2] & 0xc0, 0xc0);
    vc_bw_put_trailing_bits(&bw);
    CHECK_EQ(bw.bits, 24);
    CHECK_EQ(buf[2], 0xe0);

    /* Extremes round-trip through the test reader. */
    vc_bw_init(&bw, buf, sizeof(buf));
    const uint32_t ues[] = {0, 1, 254, 255, 65535, 0x7fffffffu, 0xfffffffeu, 0xffffffffu};
    const int32_t ses[] = {0, 1, -1, 127, -128, 0x7fffffff, -0x7fffffff};
    for (size_t i = 0; i < sizeof(ues) / sizeof(ues[0]); i++)
        vc_bw_put_ue(&bw, ues[i]);
    for (size_t i = 0; i < sizeof(ses) / sizeof(ses[0]); i++)
        vc_bw_put_se(&bw, ses[i]);
    CHECK(vc_bw_ok(&bw));
    struct tr_bits b = {.buf = buf, .bits = bw.bits};
    for (size_t i = 0; i < sizeof(ues) / sizeof(ues[0]); i++)
        CHECK_EQ(tr_ue(&b), ues[i]);
    for (size_t i = 0; i < sizeof(ses) / sizeof(ses[0]); i++)
        CHECK_EQ(tr_se(&b), ses[i]);
    CHECK(!b.failed);
    CHECK_EQ(b.pos, bw.bits);

    /* Overflow is sticky and never writes past the end. */
    uint8_t small[3] = {0, 0, 0xaa};
    vc_bw_init(&bw, small, 2);
    vc_bw_put_bits(&bw, 12, 0xfff);
    vc_bw_put_bits(&bw, 8, 0xff);
    CHECK(!vc_bw_ok(&bw));
    vc_bw_put_bits(&bw, 1, 1);
    CHECK_EQ(bw.bits, 12);
    CHECK_EQ(small[2], 0xaa);
}

static void test_escape(void)
{
    struct {
        uint8_t in[8];
        size_t in_n;
        uint8_t out[12];
        size_t out_n;
    } cases[] = {
        {{0, 0, 0}, 3, {0, 0, 3, 0, 3}, 5},                 /* and the trailing 00 rule */
        {{0, 0, 1, 5}, 4, {0, 0, 3, 1, 5}, 5},
        {{0, 0, 2, 5}, 4, {0, 0, 3, 2, 5}, 5},
        {{0, 0, 3, 5}, 4, {0, 0, 3, 3, 5}, 5},
        {{0, 0, 4, 5}, 4, {0, 0, 4, 5}, 4},
        {{0, 0, 0, 0, 1}, 5, {0, 0, 3, 0, 0, 3, 1}, 7},
        {{5, 0, 0, 0x80, 0, 0, 1}, 7, {5, 0, 0, 0x80, 0, 0, 3, 1}, 8},
        {{0, 1, 0, 0, 5}, 5, {0, 1, 0, 0, 5}, 5},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint8_t out[16];
        size_t n = vc_nal_escape(cases[i].in, cases[i].in_n, out, sizeof(out));
        CHECK_EQ(n, cases[i].out_n);
        CHECK(memcmp(out, cases[i].out, cases[i].out_n) == 0);
        /* Too small a buffer fails instead of truncating. */
        CHECK_EQ(vc_nal_escape(cases[i].in, cases[i].in_n, out, cases[i].out_n - 1), 0);
    }

    /* Random data: no start-code emulation survives, and unescaping restores it. */
    uint8_t in[4096], out[4096 * 2], back[4096 * 2];
    srand(1);
    for (int round = 0; round < 50; round++) {
        for (size_t i = 0; i < sizeof(in); i++)
            in[i] = (rand() % 4 == 0) ? (uint8_t)(rand() % 4) : 0;
        size_t n = vc_nal_escape(in, sizeof(in), out, sizeof(out));
        CHECK(n > sizeof(in));
        bool clean = true;
        for (size_t i = 2; i < n; i++)
            if (out[i - 2] == 0 && out[i - 1] == 0 && out[i] <= 2)
                clean = false;
        CHECK(clean);
        size_t m = tr_unescape(out, n, back);
        if (m == sizeof(in) + 1 && back[m - 1] == 3 && in[sizeof(in) - 1] == 0)
            m--;                            /* the appended 03, after a single 00 */
        CHECK_EQ(m, sizeof(in));
        CHECK(memcmp(in, back, sizeof(in)) == 0);
    }
}

/* ---- SPS/PPS ------------------------------------------------------------ */

static void fill_iq(struct vw_h264_iq_matrix *iq, unsigned seed)
{
    /* Asymmetric, all 1..255, with jumps that wrap the delta coding. */
    for (unsigned i = 0; i < 6; i++)
        for (unsigned j = 0; j < 16; j++)
            iq->scaling_list_4x4[i][j] = (uint8_t)(1 + (seed * 31 + i * 17 + j * j * 7 + j) % 255);
    for (unsigned i = 0; i < 2; i++)
        for (unsigned j = 0; j < 64; j++)
            iq->scaling_list_8x8[i][j] = (uint8_t)(1 + (seed * 13 + i * 101 + j * 37 + (j % 3) * 90) % 255);
    iq->scaling_list_4x4[2][5] = 255;
    iq->scaling_list_4x4[2][6] = 1;
    iq->scaling_list_8x8[1][0] = 255;
}

static struct vw_h264_picture base_picture(void)
{
    struct vw_h264_picture p;
    memset(&p, 0, sizeof(p));
    p.picture_width_in_mbs_minus1 = 119;      /* 1920 */
    p.picture_height_in_mbs_minus1 = 67;      /* 1088 */
    p.num_ref_frames = 4;
    p.chroma_format_idc = 1;
    p.frame_mbs_only_flag = 1;
    p.direct_8x8_inference_flag = 1;
    p.log2_max_frame_num_minus4 = 5;
    p.pic_order_cnt_type = 0;
    p.log2_max_pic_order_cnt_lsb_minus4 = 7;
    p.pic_init_qp_minus26 = -3;
    p.pic_init_qs_minus26 = 2;
    p.chroma_qp_index_offset = -2;
    p.second_chroma_qp_index_offset = 5;
    p.entropy_coding_mode_flag = 1;
    p.weighted_pred_flag = 1;
    p.weighted_bipred_idc = 2;
    p.transform_8x8_mode_flag = 1;
    p.deblocking_filter_control_present_flag = 1;
    return p;
}

/* Strips the header byte and emulation prevention; checks none is needed
 * after it (a valid NAL has no 00 00 0x, x <= 2). */
static size_t nal_payload(const uint8_t *nal, size_t n, uint8_t expect_header, uint8_t *rbsp)
{
    CHECK(n >= 2);
    CHECK_EQ(nal[0], expect_header);
    for (size_t i = 2; i < n; i++)
        CHECK(!(nal[i - 2] == 0 && nal[i - 1] == 0 && nal[i] <= 2));
    return tr_unescape(nal + 1, n - 1, rbsp);
}

static void check_sps(const struct vw_h264_picture *p)
{
    uint8_t nal[VH_H264_PS_MAX], rbsp[VH_H264_PS_MAX];
    size_t n = vh_h264_write_sps(p, nal, sizeof(nal));
    CHECK(n > 0);
    size_t m = nal_payload(nal, n, 0x67, rbsp);
    struct tr_sps s;
    CHECK(tr_parse_sps(rbsp, m, &s));
    CHECK(s.trailing_ok);
    CHECK_EQ(s.profile_idc, 100);
    CHECK_EQ(s.level_idc, 51);
    CHECK_EQ(s.sps_id, 0);
    CHECK_EQ(s.chroma_format_idc, 1);
    CHECK_EQ(s.bit_depth_luma_minus8, 0);
    CHECK_EQ(s.bit_depth_chroma_minus8, 0);
    CHECK(!s.seq_scaling_matrix_present);
    CHECK_EQ(s.log2_max_frame_num_minus4, p->log2_max_frame_num_minus4);
    CHECK_EQ(s.poc_type, p->pic_order_cnt_type);
    if (p->pic_order_cnt_type == 0)
        CHECK_EQ(s.log2_max_poc_lsb_minus4, p->log2_max_pic_order_cnt_lsb_minus4);
    CHECK_EQ(s.num_ref_frames, p->num_ref_frames);
    CHECK_EQ(s.gaps, p->gaps_in_frame_num_value_allowed_flag);
    CHECK_EQ(s.width_mbs_minus1, p->picture_width_in_mbs_minus1);
    CHECK_EQ(s.frame_mbs_only, p->frame_mbs_only_flag);
    CHECK_EQ((s.height_map_units_minus1 + 1) * (2 - s.frame_mbs_only),
             p->picture_height_in_mbs_minus1 + 1u);
    CHECK_EQ(s.mbaff, p->frame_mbs_only_flag ? 0 : p->mb_adaptive_frame_field_flag);
    CHECK_EQ(s.direct_8x8, p->direct_8x8_inference_flag);
    CHECK(!s.cropping);
    CHECK(s.vui && s.bitstream_restriction);
    CHECK_EQ(s.max_num_reorder_frames, 0);
    CHECK_EQ(s.max_dec_frame_buffering, p->num_ref_frames);
}

static void check_pps(const struct vw_h264_picture *p, const struct vw_h264_iq_matrix *iq,
                      const struct vh_h264_pps_extra *x)
{
    uint8_t nal[VH_H264_PS_MAX], rbsp[VH_H264_PS_MAX];
    size_t n = vh_h264_write_pps(p, iq, x, nal, sizeof(nal));
    CHECK(n > 0);
    size_t m = nal_payload(nal, n, 0x68, rbsp);
    struct tr_sps sps;
    memset(&sps, 0, sizeof(sps));
    memset(sps.m4, 16, sizeof(sps.m4));
    memset(sps.m8, 16, sizeof(sps.m8));
    struct tr_pps pps;
    CHECK(tr_parse_pps(rbsp, m, &sps, &pps));
    CHECK(pps.trailing_ok);
    CHECK_EQ(pps.pps_id, x->pps_id);
    CHECK_EQ(pps.sps_id, 0);
    CHECK_EQ(pps.cabac, p->entropy_coding_mode_flag);
    CHECK_EQ(pps.bottom_field_pic_order_present, p->pic_order_present_flag);
    CHECK_EQ(pps.num_slice_groups_minus1, 0);
    CHECK_EQ(pps.num_ref_idx_default_minus1[0], x->num_ref_idx_l0_default_active_minus1);
    CHECK_EQ(pps.num_ref_idx_default_minus1[1], x->num_ref_idx_l1_default_active_minus1);
    CHECK_EQ(pps.weighted_pred, p->weighted_pred_flag);
    CHECK_EQ(pps.weighted_bipred_idc, p->weighted_bipred_idc);
    CHECK_EQ(pps.pic_init_qp_minus26, p->pic_init_qp_minus26);
    CHECK_EQ(pps.pic_init_qs_minus26, p->pic_init_qs_minus26);
    CHECK_EQ(pps.chroma_qp_index_offset, p->chroma_qp_index_offset);
    CHECK_EQ(pps.deblocking_filter_control_present, p->deblocking_filter_control_present_flag);
    CHECK_EQ(pps.constrained_intra_pred, p->constrained_intra_pred_flag);
    CHECK_EQ(pps.redundant_pic_cnt_present, p->redundant_pic_cnt_present_flag);
    CHECK_EQ(pps.transform_8x8, p->transform_8x8_mode_flag);
    CHECK_EQ(pps.second_chroma_qp_index_offset, p->second_chroma_qp_index_offset);
    CHECK_EQ(pps.pic_scaling_matrix_present, iq != NULL);
    if (!iq) {
        /* Flat 16 when no matrix is written. */
        uint8_t flat[64];
        memset(flat, 16, sizeof(flat));
        for (int i = 0; i < 6; i++)
            CHECK(memcmp(pps.m4[i], flat, 16) == 0);
        return;
    }
    /* Every list is written explicitly and reads back in raster order. */
    for (int i = 0; i < 6; i++) {
        CHECK(pps.list_present[i]);
        CHECK(memcmp(pps.m4[i], iq->scaling_list_4x4[i], 16) == 0);
    }
    for (int i = 0; i < 2; i++) {
        CHECK_EQ(pps.list_present[6 + i], p->transform_8x8_mode_flag);
        if (p->transform_8x8_mode_flag)
            CHECK(memcmp(pps.m8[i], iq->scaling_list_8x8[i], 64) == 0);
    }

    /* The coded order is zig-zag: the first deltas of list 0 are
     * raster[0] - 8, raster[1] - raster[0], raster[4] - raster[1]. */
    struct tr_bits b = {.buf = rbsp, .bits = m * 8};
    tr_ue(&b); tr_ue(&b); tr_u(&b, 2); tr_ue(&b); tr_ue(&b); tr_ue(&b);
    tr_u(&b, 3); tr_se(&b); tr_se(&b); tr_se(&b); tr_u(&b, 3);
    tr_u(&b, 1);                              /* transform_8x8_mode_flag */
    CHECK_EQ(tr_u(&b, 1), 1);                 /* pic_scaling_matrix_present_flag */
    CHECK_EQ(tr_u(&b, 1), 1);                 /* list 0 present */
    int32_t deltas[64];
    unsigned nd = 0;
    uint8_t l0[16];
    CHECK(tr_scaling_list(&b, 4, l0, deltas, &nd));
    CHECK_EQ(nd, 16);
    const uint8_t *r = iq->scaling_list_4x4[0];
    CHECK_EQ((deltas[0] + 256) % 256, (r[0] - 8 + 256) % 256);
    CHECK_EQ((deltas[1] + 256) % 256, (r[1] - r[0] + 256) % 256);
    CHECK_EQ((deltas[2] + 256) % 256, (r[4] - r[1] + 256) % 256);
    CHECK_EQ((deltas[3] + 256) % 256, (r[8] - r[4] + 256) % 256);
    for (unsigned i = 0; i < nd; i++)
        CHECK(deltas[i] >= -128 && deltas[i] <= 127);
}

static void test_param_sets(void)
{
    struct vw_h264_iq_matrix iq;
    struct vh_error err;

    /* Progressive High with 8x8 transform and matrices. */
    struct vw_h264_picture p = base_picture();
    fill_iq(&iq, 1);
    CHECK_EQ(vh_h264_check_params(&p, &iq, &err), VW_OK);
    check_sps(&p);
    check_pps(&p, &iq, &(struct vh_h264_pps_extra){.pps_id = 0});
    check_pps(&p, &iq, &(struct vh_h264_pps_extra){.pps_id = 255, 31, 30});
    check_pps(&p, NULL, &(struct vh_h264_pps_extra){.pps_id = 7, 2, 1});

    /* MBAFF, POC with bottom field order, redundant_pic_cnt, CAVLC. */
    p = base_picture();
    p.frame_mbs_only_flag = 0;
    p.mb_adaptive_frame_field_flag = 1;
    p.picture_height_in_mbs_minus1 = 67;
    p.pic_order_present_flag = 1;
    p.redundant_pic_cnt_present_flag = 1;
    p.entropy_coding_mode_flag = 0;
    p.constrained_intra_pred_flag = 1;
    p.gaps_in_frame_num_value_allowed_flag = 1;
    p.transform_8x8_mode_flag = 0;
    p.pic_init_qp_minus26 = -26;
    p.pic_init_qs_minus26 = 25;
    p.chroma_qp_index_offset = 12;
    p.second_chroma_qp_index_offset = -12;
    fill_iq(&iq, 2);
    CHECK_EQ(vh_h264_check_params(&p, &iq, &err), VW_OK);
    check_sps(&p);
    check_pps(&p, &iq, &(struct vh_h264_pps_extra){.pps_id = 3, 0, 0});

    /* Field coding without MBAFF, POC type 2, 4096x2304, 16 refs. */
    p = base_picture();
    p.frame_mbs_only_flag = 0;
    p.picture_width_in_mbs_minus1 = 255;
    p.picture_height_in_mbs_minus1 = 143;
    p.pic_order_cnt_type = 2;
    p.num_ref_frames = 16;
    p.log2_max_frame_num_minus4 = 12;
    CHECK_EQ(vh_h264_check_params(&p, NULL, &err), VW_OK);
    check_sps(&p);

    /* Flat-16 lists and the smallest picture. */
    p = base_picture();
    p.picture_width_in_mbs_minus1 = 0;
    p.picture_height_in_mbs_minus1 = 0;
    p.log2_max_pic_order_cnt_lsb_minus4 = 12;
    memset(&iq, 16, sizeof(iq));
    check_sps(&p);
    check_pps(&p, &iq, &(struct vh_h264_pps_extra){.pps_id = 1, 0, 0});
}

static void test_refusals(void)
{
    struct vh_error err;
    struct vw_h264_picture p = base_picture();
    p.pic_order_cnt_type = 1;
    CHECK_EQ(vh_h264_check_params(&p, NULL, &err), VW_ERR_UNSUPPORTED_STREAM);
    CHECK(strstr(err.message, "pic_order_cnt_type 1") != NULL);

    p = base_picture();
    p.num_slice_groups_minus1 = 1;
    CHECK_EQ(vh_h264_check_params(&p, NULL, &err), VW_ERR_UNSUPPORTED_STREAM);
    p = base_picture();
    p.chroma_format_idc = 2;
    CHECK_EQ(vh_h264_check_params(&p, NULL, &err), VW_ERR_UNSUPPORTED_STREAM);
    p = base_picture();
    p.bit_depth_luma_minus8 = 2;
    CHECK_EQ(vh_h264_check_params(&p, NULL, &err), VW_ERR_UNSUPPORTED_STREAM);
    p = base_picture();
    p.picture_width_in_mbs_minus1 = 256;
    CHECK_EQ(vh_h264_check_params(&p, NULL, &err), VW_ERR_RESOLUTION);
    p = base_picture();
    p.picture_height_in_mbs_minus1 = 144;
    CHECK_EQ(vh_h264_check_params(&p, NULL, &err), VW_ERR_RESOLUTION);

    /* Out-of-range values are decode errors, not crashes. */
    struct { size_t off; int value; } bad[] = {
        {offsetof(struct vw_h264_picture, pic_order_cnt_type), 3},
        {offsetof(struct vw_h264_picture, log2_max_frame_num_minus4), 13},
        {offsetof(struct vw_h264_picture, log2_max_pic_order_cnt_lsb_minus4), 13},
        {offsetof(struct vw_h264_picture, num_ref_frames), 17},
        {offsetof(struct vw_h264_picture, weighted_bipred_idc), 3},
        {offsetof(struct vw_h264_picture, pic_init_qp_minus26), 26},
        {offsetof(struct vw_h264_picture, pic_init_qs_minus26), -27},
        {offsetof(struct vw_h264_picture, chroma_qp_index_offset), 13},
        {offsetof(struct vw_h264_picture, second_chroma_qp_index_offset), -13},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        p = base_picture();
        ((uint8_t *)&p)[bad[i].off] = (uint8_t)bad[i].value;
        CHECK_EQ(vh_h264_check_params(&p, NULL, &err), VW_ERR_DECODE);
    }
    p = base_picture();
    p.frame_mbs_only_flag = 0;
    p.picture_height_in_mbs_minus1 = 66;      /* 67 MB rows cannot pair */
    CHECK_EQ(vh_h264_check_params(&p, NULL, &err), VW_ERR_DECODE);

    struct vw_h264_iq_matrix iq;
    memset(&iq, 16, sizeof(iq));
    iq.scaling_list_8x8[1][63] = 0;
    p = base_picture();
    CHECK_EQ(vh_h264_check_params(&p, &iq, &err), VW_ERR_DECODE);
}

/* ---- slice header ------------------------------------------------------- */

/* Codes an IDR B slice header with a frame_num of 16 zero bits (for
 * log2_max_frame_num 16, frame_mbs_only 0, POC type 0 with 11-bit lsb and
 * bottom_field_pic_order_in_frame_present). */
static size_t make_slice_header(unsigned pps_id, bool field, unsigned idr_pic_id, uint8_t *nal,
                                size_t cap)
{
    uint8_t rbsp[64];
    struct vc_bitwriter bw;
    vc_bw_init(&bw, rbsp, sizeof(rbsp));
    vc_bw_put_ue(&bw, 0);                     /* first_mb_in_slice */
    vc_bw_put_ue(&bw, 6);                     /* slice_type B (all) */
    vc_bw_put_ue(&bw, pps_id);
    vc_bw_put_bits(&bw, 16, 0);               /* frame_num */
    vc_bw_put_flag(&bw, field);               /* field_pic_flag */
    if (field)
        vc_bw_put_flag(&bw, 1);               /* bottom_field_flag */
    vc_bw_put_ue(&bw, idr_pic_id);
    vc_bw_put_bits(&bw, 11, 0);               /* pic_order_cnt_lsb */
    if (!field)
        vc_bw_put_se(&bw, -2);                /* delta_pic_order_cnt_bottom */
    vc_bw_put_flag(&bw, 1);                   /* direct_spatial_mv_pred */
    vc_bw_put_flag(&bw, 1);                   /* override */
    vc_bw_put_ue(&bw, 3);
    vc_bw_put_ue(&bw, 1);
    vc_bw_put_bits(&bw, 32, 0x12345678);      /* "slice data" */
    vc_bw_put_trailing_bits(&bw);
    nal[0] = 0x65;
    return vc_nal_escape(rbsp, vc_bw_bytes(&bw), nal + 1, cap - 1) + 1;
}

static void test_slice_header(void)
{
    struct vw_h264_picture p = base_picture();
    p.frame_mbs_only_flag = 0;
    p.pic_order_present_flag = 1;
    p.log2_max_frame_num_minus4 = 12;
    p.log2_max_pic_order_cnt_lsb_minus4 = 7;
    uint8_t nal[64];
    struct vh_h264_slice_header h;

    /* pps 0, then frame_num, field_pic_flag 0 and idr_pic_id 63 make the
     * RBSP bytes 1-3 00 00 02: escaped, and the parser must skip the 03. */
    size_t n = make_slice_header(0, false, 63, nal, sizeof(nal));
    CHECK_EQ(nal[2], 0);
    CHECK_EQ(nal[3], 0);
    CHECK_EQ(nal[4], 3);
    CHECK_EQ(nal[5], 2);
    CHECK_EQ(vh_h264_parse_slice_header(nal, n, &p, &h), 0);
    CHECK(!h.field_pic_flag);
    CHECK_EQ(h.pps_id, 0);
    CHECK(h.num_ref_idx_override_flag);
    CHECK_EQ(h.num_ref_idx_l0_active_minus1, 3);
    CHECK_EQ(h.num_ref_idx_l1_active_minus1, 1);

    for (unsigned pps_id = 0; pps_id < 256; pps_id += 9) {
        n = make_slice_header(pps_id, true, pps_id, nal, sizeof(nal));
        CHECK_EQ(vh_h264_parse_slice_header(nal, n, &p, &h), 0);
        CHECK_EQ(h.nal_unit_type, 5);
        CHECK_EQ(h.nal_ref_idc, 3);
        CHECK_EQ(h.slice_kind, VH_H264_SLICE_B);
        CHECK_EQ(h.pps_id, pps_id);
        CHECK(h.field_pic_flag && h.bottom_field_flag);
        CHECK(h.num_ref_idx_override_flag);
        CHECK_EQ(h.num_ref_idx_l0_active_minus1, 3);
        CHECK_EQ(h.num_ref_idx_l1_active_minus1, 1);
    }

    /* Truncated and non-slice NALs are refused. */
    CHECK_EQ(vh_h264_parse_slice_header(nal, 4, &p, &h), -1);
    nal[0] = 0x67;
    CHECK_EQ(vh_h264_parse_slice_header(nal, n, &p, &h), -1);
}

/* ---- libavcodec decodes with the synthesized parameter sets --------------- */

static size_t put_nal(uint8_t *dst, const uint8_t *nal, size_t n)
{
    static const uint8_t sc[4] = {0, 0, 0, 1};
    memcpy(dst, sc, 4);
    memcpy(dst + 4, nal, n);
    return n + 4;
}

/* A one-macroblock IDR picture coded as I_PCM, so that the expected pixels
 * are known; decoded with our SPS/PPS (8x8 transform, explicit matrices). */
static void test_libavcodec_decodes(void)
{
    const AVCodec *dec = avcodec_find_decoder(AV_CODEC_ID_H264);
    AVCodecContext *avctx = dec ? avcodec_alloc_context3(dec) : NULL;
    AVPacket *pkt = av_packet_alloc();
    AVFrame *frame = av_frame_alloc();
    CHECK(dec && avctx && pkt && frame);
    if (!dec || !avctx || !pkt || !frame)
        goto out;
    avctx->thread_count = 1;
    CHECK_EQ(avcodec_open2(avctx, dec, NULL), 0);

    struct vw_h264_picture p = base_picture();
    p.picture_width_in_mbs_minus1 = 0;        /* 16x16 */
    p.picture_height_in_mbs_minus1 = 0;
    p.entropy_coding_mode_flag = 0;
    struct vw_h264_iq_matrix iq;
    fill_iq(&iq, 4);

    uint8_t pcm[384];
    for (int i = 0; i < 256; i++)
        pcm[i] = (uint8_t)((i % 16) * 7 + (i / 16) * 3 + (i == 5 ? 200 : 0));
    for (int i = 0; i < 128; i++)
        pcm[256 + i] = (uint8_t)(i < 64 ? i * 2 : 255 - i);
    pcm[20] = pcm[21] = pcm[22] = 0;          /* needs an escape */
    pcm[23] = 1;

    uint8_t rbsp[512], nal[1024];
    struct vc_bitwriter bw;
    vc_bw_init(&bw, rbsp, sizeof(rbsp));
    vc_bw_put_ue(&bw, 0);                     /* first_mb_in_slice */
    vc_bw_put_ue(&bw, 7);                     /* I, all slices */
    vc_bw_put_ue(&bw, 0);                     /* pps id */
    vc_bw_put_bits(&bw, p.log2_max_frame_num_minus4 + 4, 0);
    vc_bw_put_ue(&bw, 0);                     /* idr_pic_id */
    vc_bw_put_bits(&bw, p.log2_max_pic_order_cnt_lsb_minus4 + 4, 0);
    vc_bw_put_flag(&bw, 0);                   /* no_output_of_prior_pics */
    vc_bw_put_flag(&bw, 0);                   /* long_term_reference_flag */
    vc_bw_put_se(&bw, 0);                     /* slice_qp_delta */
    vc_bw_put_ue(&bw, 1);                     /* disable_deblocking_filter_idc */
    vc_bw_put_ue(&bw, 25);                    /* mb_type I_PCM */
    while (bw.bits & 7)
        vc_bw_put_bits(&bw, 1, 0);            /* pcm_alignment_zero_bit */
    for (int i = 0; i < 384; i++)
        vc_bw_put_bits(&bw, 8, pcm[i]);
    vc_bw_put_trailing_bits(&bw);
    CHECK(vc_bw_ok(&bw));
    nal[0] = 0x65;
    size_t slice_n = vc_nal_escape(rbsp, vc_bw_bytes(&bw), nal + 1, sizeof(nal) - 1) + 1;
    CHECK(slice_n > vc_bw_bytes(&bw) + 1);

    uint8_t ps[VH_H264_PS_MAX];
    CHECK_EQ(av_new_packet(pkt, 2 * VH_H264_PS_MAX + 1100), 0);
    size_t n = 0;
    size_t k = vh_h264_write_sps(&p, ps, sizeof(ps));
    n += put_nal(pkt->data + n, ps, k);
    k = vh_h264_write_pps(&p, &iq, &(struct vh_h264_pps_extra){.pps_id = 0}, ps, sizeof(ps));
    n += put_nal(pkt->data + n, ps, k);
    n += put_nal(pkt->data + n, nal, slice_n);
    pkt->size = (int)n;

    CHECK_EQ(avcodec_send_packet(avctx, pkt), 0);
    /* max_num_reorder_frames 0: the picture comes out without a flush. */
    CHECK_EQ(avcodec_receive_frame(avctx, frame), 0);
    if (frame->buf[0]) {
        CHECK_EQ(frame->width, 16);
        CHECK_EQ(frame->height, 16);
        CHECK_EQ(avctx->profile, 100);
        bool same = true;
        for (int y = 0; y < 16; y++)
            for (int x = 0; x < 16; x++)
                same &= frame->data[0][y * frame->linesize[0] + x] == pcm[y * 16 + x];
        for (int c = 0; c < 2; c++)
            for (int y = 0; y < 8; y++)
                for (int x = 0; x < 8; x++)
                    same &= frame->data[1 + c][y * frame->linesize[1 + c] + x] ==
                            pcm[256 + c * 64 + y * 8 + x];
        CHECK(same);
        CHECK_EQ(frame->decode_error_flags, 0);
    }
out:
    av_frame_free(&frame);
    av_packet_free(&pkt);
    avcodec_free_context(&avctx);
}

int main(void)
{
    test_exp_golomb();
    test_escape();
    test_param_sets();
    test_refusals();
    test_slice_header();
    test_libavcodec_decodes();
    return check_finish("test_h264_param_sets");
}
