/*
 * The slice data checks of the validators: one NAL unit a slice for H.264
 * and HEVC (no 00 00 00/01/02 inside, zero bytes behind it dropped), one
 * slice start code a slice for MPEG-2, no marker but FF00 and RST0-7 inside
 * JPEG scan data (fill bytes and a final EOI dropped). The e2e test
 * hostile_bitstream covers the same through the wire with real streams;
 * here the edges: a match in the last three bytes, 00 00 03, runs of fill
 * bytes. Last, guest integers of an HEVC slice header that met arithmetic
 * before their range was checked (a signed overflow only the UBSan build
 * sees: CI runs this test there with halt_on_error).
 */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "common/bitwriter.h"
#include "host/codecs/hevc_headers.h"
#include "host/session_internal.h"
#include "host/validate.h"

#define LEN(a) ((uint32_t)sizeof(a))

static void test_find_zero_zero(void)
{
    static const uint8_t none[] = {0x65, 0x00, 0x00, 0x03, 0x00, 0x00, 0x03, 0x01, 0x00, 0x00};
    CHECK_EQ(vh_find_zero_zero(none, 0, LEN(none), 0, 2), LEN(none));
    static const uint8_t at_end[] = {0x65, 0x88, 0x84, 0x21, 0x00, 0x00, 0x02};
    CHECK_EQ(vh_find_zero_zero(at_end, 0, LEN(at_end), 0, 2), 4);
    static const uint8_t at_start[] = {0x00, 0x00, 0x00, 0x01, 0x67};
    CHECK_EQ(vh_find_zero_zero(at_start, 0, LEN(at_start), 0, 2), 0);
    CHECK_EQ(vh_find_zero_zero(at_start, 1, LEN(at_start), 0, 2), 1);
    /* Only 00 00 01: an MPEG-2 start code, not zero stuffing. */
    CHECK_EQ(vh_find_zero_zero(at_start, 0, LEN(at_start), 1, 1), 1);
    static const uint8_t stuffing[] = {0x00, 0x00, 0x01, 0x05, 0x12, 0x00, 0x00, 0x00, 0x00};
    CHECK_EQ(vh_find_zero_zero(stuffing, 1, LEN(stuffing), 1, 1), LEN(stuffing));
    /* Every position, after every kind of skip. */
    for (uint32_t k = 0; k < 12; k++) {
        uint8_t b[16];
        memset(b, 0x55, sizeof(b));
        b[k] = b[k + 1] = 0;
        b[k + 2] = 1;
        CHECK_EQ(vh_find_zero_zero(b, 0, LEN(b), 0, 2), k);
        b[k + 2] = 3;
        CHECK_EQ(vh_find_zero_zero(b, 0, LEN(b), 0, 2), LEN(b));
    }
    CHECK_EQ(vh_find_zero_zero(none, 0, 2, 0, 2), 2);
    CHECK_EQ(vh_find_zero_zero(none, 0, 0, 0, 2), 0);
}

static void test_payload_sizes(void)
{
    static const uint8_t nal[] = {0x65, 0x88, 0x80, 0x00, 0x00, 0x00};
    CHECK_EQ(vh_nal_payload_size(nal, LEN(nal)), 3);
    static const uint8_t zeros[] = {0x00, 0x00};
    CHECK_EQ(vh_nal_payload_size(zeros, LEN(zeros)), 0);
    static const uint8_t eoi[] = {0x12, 0xff, 0x00, 0xff, 0xd9};
    CHECK_EQ(vh_jpeg_scan_size(eoi, LEN(eoi)), 3);
    static const uint8_t fill_eoi[] = {0x12, 0x34, 0xff, 0xff, 0xff, 0xd9};
    CHECK_EQ(vh_jpeg_scan_size(fill_eoi, LEN(fill_eoi)), 2);
    static const uint8_t fill[] = {0x12, 0x34, 0xff};
    CHECK_EQ(vh_jpeg_scan_size(fill, LEN(fill)), 2);
    static const uint8_t plain[] = {0x12, 0xd9};
    CHECK_EQ(vh_jpeg_scan_size(plain, LEN(plain)), 2);
    /* Stuffing, RST3 after fill bytes, FF FF 00 (read as stuffing): kept. */
    static const uint8_t ok[] = {0x12, 0xff, 0x00, 0x34, 0xff, 0xff,
                                 0xd3, 0x56, 0xff, 0xff, 0x00, 0x78};
    CHECK_EQ(vh_jpeg_scan_size(ok, LEN(ok)), LEN(ok));
    /* The scan ends at any other marker: a DHT (FFmpeg's next scan), an SOF
     * after fill bytes, an EOI with data behind it. */
    static const uint8_t dht[] = {0x12, 0xff, 0x00, 0xff, 0xc4, 0x00, 0x03, 0x00};
    CHECK_EQ(vh_jpeg_scan_size(dht, LEN(dht)), 3);
    static const uint8_t sof_after_fill[] = {0x12, 0xff, 0xff, 0xc0, 0x00};
    CHECK_EQ(vh_jpeg_scan_size(sof_after_fill, LEN(sof_after_fill)), 1);
    static const uint8_t eoi_then_data[] = {0x12, 0xff, 0xd9, 0x34, 0x56};
    CHECK_EQ(vh_jpeg_scan_size(eoi_then_data, LEN(eoi_then_data)), 1);
}

static void test_h264(void)
{
    struct vw_h264_picture pic;
    memset(&pic, 0, sizeof(pic));
    pic.picture_width_in_mbs_minus1 = pic.picture_height_in_mbs_minus1 = 3;
    struct vw_h264_slice s;
    memset(&s, 0, sizeof(s));
    struct vh_error err;
    static const uint8_t ok[] = {0x65, 0x88, 0x84, 0x00, 0x00, 0x03, 0x01, 0x7f};
    CHECK_EQ(vh_h264_check_slice(&s, 0, &pic, ok, LEN(ok), &err), VW_OK);
    static const uint8_t sps[] = {0x65, 0x88, 0x84, 0x00, 0x00, 0x01, 0x67, 0x64};
    CHECK_EQ(vh_h264_check_slice(&s, 0, &pic, sps, LEN(sps), &err), VW_ERR_MALFORMED);
    CHECK(strstr(err.message, "00 00 01 at offset 3 of the 8-byte NAL unit") != NULL);
    static const uint8_t zero3[] = {0x41, 0x9a, 0x00, 0x00, 0x00, 0x7f};
    CHECK_EQ(vh_h264_check_slice(&s, 0, &pic, zero3, LEN(zero3), &err), VW_ERR_MALFORMED);
    static const uint8_t two[] = {0x41, 0x9a, 0x00, 0x00, 0x02};
    CHECK_EQ(vh_h264_check_slice(&s, 0, &pic, two, LEN(two), &err), VW_ERR_MALFORMED);
}

static void test_hevc(void)
{
    struct vw_hevc_picture pic;
    memset(&pic, 0, sizeof(pic));
    struct vw_hevc_slice s;
    memset(&s, 0, sizeof(s));
    struct vh_error err;
    /* IDR_W_RADL (19), layer 0, temporal id + 1 = 1. */
    static const uint8_t ok[] = {0x26, 0x01, 0xaf, 0x00, 0x00, 0x03, 0x00, 0x10};
    CHECK_EQ(vh_hevc_check_slice(&s, 0, &pic, ok, LEN(ok), &err), VW_OK);
    static const uint8_t vps[] = {0x26, 0x01, 0xaf, 0x00, 0x00, 0x01, 0x40, 0x01};
    CHECK_EQ(vh_hevc_check_slice(&s, 0, &pic, vps, LEN(vps), &err), VW_ERR_MALFORMED);
    CHECK(strstr(err.message, "a start code inside the slice segment") != NULL);
    static const uint8_t vps_alone[] = {0x40, 0x01, 0x0c};
    CHECK_EQ(vh_hevc_check_slice(&s, 0, &pic, vps_alone, LEN(vps_alone), &err),
             VW_ERR_MALFORMED);
}

static void test_mpeg2(void)
{
    struct vw_mpeg2_picture pic;
    memset(&pic, 0, sizeof(pic));
    pic.horizontal_size = 720;
    pic.vertical_size = 2800;
    pic.picture_structure = VW_MPEG2_PIC_FRAME;
    struct vw_mpeg2_slice s;
    memset(&s, 0, sizeof(s));
    s.quantiser_scale_code = 8;
    s.macroblock_offset = 38;
    struct vh_error err;
    static const uint8_t ok[] = {0x00, 0x00, 0x01, 0x01, 0x12, 0x34, 0x00, 0x00, 0x00};
    CHECK_EQ(vh_mpeg2_check_slice(&s, 0, &pic, ok, LEN(ok), &err), VW_OK);
    static const uint8_t seq[] = {0x00, 0x00, 0x01, 0x01, 0x12, 0x00, 0x00, 0x01, 0xb3, 0xff};
    CHECK_EQ(vh_mpeg2_check_slice(&s, 0, &pic, seq, LEN(seq), &err), VW_ERR_MALFORMED);
    CHECK(strstr(err.message, "start code 00 00 01 b3 at offset 5") != NULL);
    /* Row 175 of a 2800-line interlaced frame would be start code 0xb0. */
    s.slice_vertical_position = 175;
    static const uint8_t b0[] = {0x00, 0x00, 0x01, 0xb0, 0x12, 0x34};
    CHECK_EQ(vh_mpeg2_check_slice(&s, 0, &pic, b0, LEN(b0), &err), VW_ERR_MALFORMED);
    s.slice_vertical_position = 174;
    static const uint8_t af[] = {0x00, 0x00, 0x01, 0xaf, 0x12, 0x34};
    CHECK_EQ(vh_mpeg2_check_slice(&s, 0, &pic, af, LEN(af), &err), VW_OK);
}

static void test_jpeg(void)
{
    struct vw_jpeg_picture pic;
    memset(&pic, 0, sizeof(pic));
    pic.num_components = 1;
    pic.components[0].component_id = 1;
    pic.components[0].h_sampling_factor = pic.components[0].v_sampling_factor = 1;
    struct vw_jpeg_slice s;
    memset(&s, 0, sizeof(s));
    s.num_components = 1;
    s.components[0].component_selector = 1;
    struct vh_error err;
    static const uint8_t scan[] = {0x12, 0x34};
    CHECK_EQ(vh_jpeg_check_slice(&s, 0, &pic, scan, LEN(scan), &err), VW_OK);
}

/* An HEVC P slice (TRAIL_R) of a 64x64 picture with weighted prediction:
 * its header up to pred_weight_table(), where luma_log2_weight_denom is 7
 * and delta_chroma_log2_weight_denom `chroma_delta`, or (rewritten RPS) up to one negative reference
 * `poc_delta_minus1` before the current picture (the picture lists no
 * reference: no list modification). Returns the NAL's size. */
static size_t hevc_p_slice(const struct vw_hevc_picture *p, bool rewritten, int32_t chroma_delta,
                           uint32_t poc_delta_minus1, uint8_t *out, size_t cap)
{
    uint8_t rbsp[64];
    struct vc_bitwriter bw;
    vc_bw_init(&bw, rbsp, sizeof(rbsp));
    vc_bw_put_flag(&bw, 1);                   /* first_slice_segment_in_pic_flag */
    vc_bw_put_ue(&bw, 0);                     /* slice_pic_parameter_set_id */
    vc_bw_put_ue(&bw, 1);                     /* slice_type P */
    vc_bw_put_bits(&bw, p->log2_max_pic_order_cnt_lsb_minus4 + 4u, 1);
    vc_bw_put_flag(&bw, 0);                   /* short_term_ref_pic_set_sps_flag */
    if (rewritten) {
        vc_bw_put_ue(&bw, 1);                 /* num_negative_pics */
        vc_bw_put_ue(&bw, 0);                 /* num_positive_pics */
        vc_bw_put_ue(&bw, poc_delta_minus1);
        vc_bw_put_flag(&bw, 1);               /* used_by_curr_pic_s0_flag */
    }
    vc_bw_put_flag(&bw, 0);                   /* num_ref_idx_active_override_flag */
    vc_bw_put_ue(&bw, 7);                     /* luma_log2_weight_denom */
    vc_bw_put_se(&bw, chroma_delta);          /* delta_chroma_log2_weight_denom */
    vc_bw_put_flag(&bw, 0);                   /* luma_weight_l0_flag[0] */
    vc_bw_put_flag(&bw, 0);                   /* chroma_weight_l0_flag[0] */
    vc_bw_put_ue(&bw, 0);                     /* five_minus_max_num_merge_cand */
    vc_bw_put_se(&bw, 0);                     /* slice_qp_delta */
    vc_bw_put_trailing_bits(&bw);             /* byte_alignment() */
    out[0] = 1 << 1;                          /* TRAIL_R */
    out[1] = 1;                               /* layer 0, temporal id + 1 = 1 */
    return 2 + vc_nal_escape(rbsp, vc_bw_bytes(&bw), out + 2, cap - 2);
}

static void test_hevc_header_integers(void)
{
    struct vw_hevc_picture p;
    memset(&p, 0, sizeof(p));
    p.pic_width_in_luma_samples = p.pic_height_in_luma_samples = 64;
    p.chroma_format_idc = 1;
    p.log2_diff_max_min_luma_coding_block_size = 1;
    p.weighted_pred_flag = 1;
    uint8_t nal[128];
    struct vh_hevc_slice_header h;
    size_t n = hevc_p_slice(&p, false, -3, 0, nal, sizeof(nal));
    CHECK_EQ(vh_hevc_parse_slice_header(&p, nal, n, false, &h), 0);
    CHECK_EQ(h.delta_chroma_log2_weight_denom, -3);
    n = hevc_p_slice(&p, false, 1, 0, nal, sizeof(nal));
    CHECK_EQ(vh_hevc_parse_slice_header(&p, nal, n, false, &h), -1);
    /* 7 + INT32_MAX: refused, not added. */
    n = hevc_p_slice(&p, false, INT32_MAX, 0, nal, sizeof(nal));
    CHECK_EQ(vh_hevc_parse_slice_header(&p, nal, n, false, &h), -1);
    /* A rewritten RPS (the daemon's own, parsed back): delta_poc_s0_minus1
     * up to 2^15 - 1 (7.4.8); INT32_MAX + 1 is not computed. */
    n = hevc_p_slice(&p, true, 0, 32767, nal, sizeof(nal));
    CHECK_EQ(vh_hevc_parse_slice_header(&p, nal, n, true, &h), 0);
    CHECK_EQ(h.delta_poc[0][0], -32768);
    n = hevc_p_slice(&p, true, 0, INT32_MAX, nal, sizeof(nal));
    CHECK_EQ(vh_hevc_parse_slice_header(&p, nal, n, true, &h), -1);
}

int main(void)
{
    test_find_zero_zero();
    test_payload_sizes();
    test_h264();
    test_hevc();
    test_mpeg2();
    test_jpeg();
    test_hevc_header_integers();
    return check_finish("test_validate_slices");
}
