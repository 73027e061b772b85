/* The guest's encode translation: VA's H.264/HEVC encode buffers as FFmpeg
 * and GStreamer fill them -> the wire's vw_encode_sequence/picture
 * (docs/protocol.md §16), and the encode config attributes from a
 * vw_encode_cap. Values are worked out by hand from the VA and protocol
 * definitions. */
#include <string.h>

#include "check.h"
#include "guest/enc_config.h"
#include "guest/enc_params.h"

static struct vw_encode_cap cap_of(uint32_t profile, uint32_t rc, uint16_t l0, uint16_t l1)
{
    return (struct vw_encode_cap){.profile = profile, .rt_formats = VW_RT_YUV420, .rc_modes = rc,
                                  .max_refs_l0 = l0, .max_refs_l1 = l1, .max_slices = 4,
                                  .quality_levels = 3, .min_qp = 1, .max_qp = 51};
}

/* A misc buffer as clients build it: the type, then the type's struct. */
static size_t misc(uint8_t *buf, VAEncMiscParameterType type, const void *p, size_t n)
{
    memcpy(buf, &type, sizeof(type));
    memcpy(buf + sizeof(type), p, n);
    return sizeof(type) + n;
}

/* FFmpeg's H.264 sequence for 1366x768: 86x48 macroblocks, 10 columns cropped. */
static VAEncSequenceParameterBufferH264 h264_seq(void)
{
    VAEncSequenceParameterBufferH264 s = {0};
    s.level_idc = 40;
    s.intra_period = 120;
    s.intra_idr_period = 120;
    s.ip_period = 1;
    s.picture_width_in_mbs = 86;
    s.picture_height_in_mbs = 48;
    s.seq_fields.bits.chroma_format_idc = 1;
    s.seq_fields.bits.frame_mbs_only_flag = 1;
    s.seq_fields.bits.pic_order_cnt_type = 2;
    s.frame_cropping_flag = 1;
    s.frame_crop_right_offset = 5; /* CropUnitX 2 for 4:2:0 */
    s.vui_parameters_present_flag = 1;
    s.vui_fields.bits.aspect_ratio_info_present_flag = 1;
    s.aspect_ratio_idc = 2; /* 12:11 */
    s.vui_fields.bits.timing_info_present_flag = 1;
    s.num_units_in_tick = 1001;
    s.time_scale = 60000; /* 29.97 frames/s: time_scale / (2 * num_units_in_tick) */
    return s;
}

static void h264_picture(struct vg_enc_params *p, bool idr, uint8_t slice_type, int poc,
                         uint8_t init_qp, int8_t qp_delta)
{
    VAEncPictureParameterBufferH264 pic = {0};
    pic.CurrPic.TopFieldOrderCnt = poc;
    pic.coded_buf = 77;
    pic.pic_init_qp = init_qp;
    pic.pic_fields.bits.idr_pic_flag = idr;
    pic.pic_fields.bits.entropy_coding_mode_flag = 1;
    VAEncSliceParameterBufferH264 sl[2] = {{0}};
    sl[0].slice_type = sl[1].slice_type = slice_type;
    sl[0].slice_qp_delta = qp_delta;
    vg_enc_params_new_picture(p);
    CHECK_EQ(vg_enc_params_picture(p, &pic, sizeof(pic)), VA_STATUS_SUCCESS);
    CHECK_EQ(vg_enc_params_slices(p, sl, sizeof(sl[0]), 2), VA_STATUS_SUCCESS);
}

static void test_h264_cqp(void)
{
    struct vw_encode_cap cap = cap_of(VW_PROFILE_H264_HIGH, VW_RC_CQP | VW_RC_CBR, 2, 0);
    struct vg_enc_params p;
    struct vw_encode_sequence s;
    struct vw_encode_picture w;
    /* FFmpeg: the context at the aligned size. */
    vg_enc_params_init(&p, VW_PROFILE_H264_HIGH, VW_RC_CQP, &cap, 1376, 768);
    VAEncSequenceParameterBufferH264 seq = h264_seq();
    CHECK_EQ(vg_enc_params_pack(&p, &s, &w), VA_STATUS_ERROR_INVALID_PARAMETER); /* nothing yet */
    CHECK_EQ(vg_enc_params_sequence(&p, &seq, sizeof(seq) - 1), VA_STATUS_ERROR_INVALID_BUFFER);
    CHECK_EQ(vg_enc_params_sequence(&p, &seq, sizeof(seq)), VA_STATUS_SUCCESS);
    h264_picture(&p, true, 2, 0, 26, -2);
    CHECK_EQ(vg_enc_params_coded_buf(&p), 77);
    CHECK_EQ(vg_enc_params_pack(&p, &s, &w), VA_STATUS_SUCCESS);
    CHECK_EQ(s.rc_mode, VW_RC_CQP);
    CHECK_EQ(s.bits_per_second, 0);
    CHECK_EQ(s.min_qp, 0);
    CHECK_EQ(s.max_qp, 0);
    CHECK_EQ(s.level_idc, 40);
    CHECK_EQ(s.bit_depth, 8);
    CHECK_EQ(s.entropy_cabac, 1);
    CHECK_EQ(s.transform_8x8, 0);
    CHECK_EQ(s.intra_period, 120);
    CHECK_EQ(s.idr_period, 120);
    CHECK_EQ(s.ip_period, 1);
    CHECK_EQ(s.crop_left, 0);
    CHECK_EQ(s.crop_right, 10);
    CHECK_EQ(s.crop_top, 0);
    CHECK_EQ(s.crop_bottom, 0);
    CHECK_EQ(s.aspect_ratio_present, 1);
    CHECK_EQ(s.sar_width, 12);
    CHECK_EQ(s.sar_height, 11);
    CHECK_EQ(s.timing_info_present, 1);
    CHECK_EQ(s.video_signal_present, 0);        /* VA carries no colour description */
    CHECK_EQ(s.frame_rate_num, 30000);         /* 60000 / 2002, reduced */
    CHECK_EQ(s.frame_rate_den, 1001);
    CHECK_EQ(w.type, VW_PICTURE_IDR);
    CHECK_EQ(w.display_order, 0);
    CHECK_EQ(w.qp, 24);
    CHECK_EQ(w.num_slices, 2);

    /* The next picture: no sequence buffer (FFmpeg sends it with IDRs only),
     * a P picture; without B pictures the display order is the encode order
     * whatever the POC step. */
    h264_picture(&p, false, 0, 6, 26, 4);
    CHECK_EQ(vg_enc_params_pack(&p, &s, &w), VA_STATUS_SUCCESS);
    CHECK_EQ(w.type, VW_PICTURE_P);
    CHECK_EQ(w.display_order, 1);
    CHECK_EQ(w.qp, 30);
    CHECK_EQ(s.crop_right, 10);
    /* An I picture (slice type 7: "all slices I"). */
    h264_picture(&p, false, 7, 8, 26, 0);
    CHECK_EQ(vg_enc_params_pack(&p, &s, &w), VA_STATUS_SUCCESS);
    CHECK_EQ(w.type, VW_PICTURE_I);
    CHECK_EQ(w.display_order, 2);
    /* A B picture: the capability has no L1 references. */
    h264_picture(&p, false, 1, 2, 26, 0);
    CHECK_EQ(vg_enc_params_pack(&p, &s, &w), VA_STATUS_ERROR_INVALID_PARAMETER);
    /* A QP the encoder does not take. */
    h264_picture(&p, false, 0, 10, 51, 3);
    CHECK_EQ(vg_enc_params_pack(&p, &s, &w), VA_STATUS_ERROR_INVALID_PARAMETER);
    /* Slices of different types in one picture. */
    vg_enc_params_new_picture(&p);
    VAEncSliceParameterBufferH264 mixed[2] = {{0}};
    mixed[0].slice_type = 0;
    mixed[1].slice_type = 2;
    CHECK_EQ(vg_enc_params_slices(&p, mixed, sizeof(mixed[0]), 2), VA_STATUS_ERROR_INVALID_PARAMETER);
    /* More slices than the encoder takes. */
    h264_picture(&p, false, 0, 12, 26, 0);
    VAEncSliceParameterBufferH264 more[3] = {{0}};
    CHECK_EQ(vg_enc_params_slices(&p, more, sizeof(more[0]), 3), VA_STATUS_SUCCESS);
    CHECK_EQ(vg_enc_params_pack(&p, &s, &w), VA_STATUS_ERROR_MAX_NUM_EXCEEDED);
}

/* With B pictures the POC says: halved for POC type 2 (fields), as is for
 * type 0 (FFmpeg's with B frames counts frames). */
static void test_h264_order_with_b(void)
{
    struct vw_encode_cap cap = cap_of(VW_PROFILE_H264_HIGH, VW_RC_CQP, 2, 1);
    struct vg_enc_params p;
    struct vw_encode_sequence s;
    struct vw_encode_picture w;
    vg_enc_params_init(&p, VW_PROFILE_H264_HIGH, VW_RC_CQP, &cap, 1376, 768);
    VAEncSequenceParameterBufferH264 seq = h264_seq();
    vg_enc_params_sequence(&p, &seq, sizeof(seq));
    h264_picture(&p, true, 2, 0, 26, 0);
    CHECK_EQ(vg_enc_params_pack(&p, &s, &w), VA_STATUS_SUCCESS);
    h264_picture(&p, false, 0, 6, 26, 0);
    CHECK_EQ(vg_enc_params_pack(&p, &s, &w), VA_STATUS_SUCCESS);
    CHECK_EQ(w.display_order, 3);
    h264_picture(&p, false, 1, 2, 26, 0);
    CHECK_EQ(vg_enc_params_pack(&p, &s, &w), VA_STATUS_SUCCESS);
    CHECK_EQ(w.type, VW_PICTURE_B);
    CHECK_EQ(w.display_order, 1);
    seq.seq_fields.bits.pic_order_cnt_type = 0;
    vg_enc_params_sequence(&p, &seq, sizeof(seq));
    h264_picture(&p, false, 0, 3, 26, 0);
    CHECK_EQ(vg_enc_params_pack(&p, &s, &w), VA_STATUS_SUCCESS);
    CHECK_EQ(w.display_order, 3);
    h264_picture(&p, false, 0, -1, 26, 0);
    CHECK_EQ(vg_enc_params_pack(&p, &s, &w), VA_STATUS_ERROR_INVALID_PARAMETER);
}

/* GStreamer-style: the context at the display size, the sequence aligned
 * and cropped: the crop is relative to the context's size. */
static void test_h264_crop_to_context(void)
{
    struct vw_encode_cap cap = cap_of(VW_PROFILE_H264_MAIN, VW_RC_CQP, 1, 0);
    struct vg_enc_params p;
    struct vw_encode_sequence s;
    struct vw_encode_picture w;
    vg_enc_params_init(&p, VW_PROFILE_H264_MAIN, VW_RC_CQP, &cap, 1366, 766);
    VAEncSequenceParameterBufferH264 seq = h264_seq();
    seq.frame_crop_bottom_offset = 1; /* 768 - 2 */
    seq.vui_parameters_present_flag = 0;
    vg_enc_params_sequence(&p, &seq, sizeof(seq));
    h264_picture(&p, true, 2, 0, 26, 0);
    CHECK_EQ(vg_enc_params_pack(&p, &s, &w), VA_STATUS_SUCCESS);
    CHECK_EQ(s.crop_right, 0);
    CHECK_EQ(s.crop_bottom, 0);
    CHECK_EQ(s.aspect_ratio_present, 0);
    CHECK_EQ(s.timing_info_present, 0);
    CHECK_EQ(s.frame_rate_num, 30); /* no frame-rate buffer, no VUI timing */
    CHECK_EQ(s.frame_rate_den, 1);
    /* A display larger than the context cannot be. */
    vg_enc_params_init(&p, VW_PROFILE_H264_MAIN, VW_RC_CQP, &cap, 1280, 720);
    seq.frame_cropping_flag = 0;
    vg_enc_params_sequence(&p, &seq, sizeof(seq));
    h264_picture(&p, true, 2, 0, 26, 0);
    CHECK_EQ(vg_enc_params_pack(&p, &s, &w), VA_STATUS_ERROR_INVALID_PARAMETER);
    /* CABAC in Constrained Baseline, interlaced, 4:2:2: refused. */
    vg_enc_params_init(&p, VW_PROFILE_H264_CONSTRAINED_BASELINE, VW_RC_CQP, &cap, 1376, 768);
    seq = h264_seq();
    vg_enc_params_sequence(&p, &seq, sizeof(seq));
    h264_picture(&p, true, 2, 0, 26, 0);
    CHECK_EQ(vg_enc_params_pack(&p, &s, &w), VA_STATUS_ERROR_INVALID_PARAMETER);
    vg_enc_params_init(&p, VW_PROFILE_H264_MAIN, VW_RC_CQP, &cap, 1376, 768);
    seq.seq_fields.bits.frame_mbs_only_flag = 0;
    vg_enc_params_sequence(&p, &seq, sizeof(seq));
    h264_picture(&p, true, 2, 0, 26, 0);
    CHECK_EQ(vg_enc_params_pack(&p, &s, &w), VA_STATUS_ERROR_INVALID_PARAMETER);
}

static void test_rate_control(void)
{
    struct vw_encode_cap cap = cap_of(VW_PROFILE_H264_HIGH, VW_RC_CQP | VW_RC_CBR | VW_RC_VBR, 2, 0);
    struct vg_enc_params p;
    struct vw_encode_sequence s;
    struct vw_encode_picture w;
    uint8_t buf[256];
    VAEncSequenceParameterBufferH264 seq = h264_seq();

    /* CBR: the misc buffer's rate, HRD, QP range; no picture QP. */
    vg_enc_params_init(&p, VW_PROFILE_H264_HIGH, VW_RC_CBR, &cap, 1376, 768);
    seq.bits_per_second = 1000000;
    vg_enc_params_sequence(&p, &seq, sizeof(seq));
    VAEncMiscParameterRateControl rc = {.bits_per_second = 2000000, .target_percentage = 100,
                                        .min_qp = 10, .max_qp = 40};
    CHECK_EQ(vg_enc_params_misc(&p, buf, misc(buf, VAEncMiscParameterTypeRateControl, &rc, sizeof(rc))),
             VA_STATUS_SUCCESS);
    VAEncMiscParameterHRD hrd = {.initial_buffer_fullness = 3000000, .buffer_size = 4000000};
    CHECK_EQ(vg_enc_params_misc(&p, buf, misc(buf, VAEncMiscParameterTypeHRD, &hrd, sizeof(hrd))),
             VA_STATUS_SUCCESS);
    VAEncMiscParameterFrameRate fr = {.framerate = (1u << 16) | 25};
    CHECK_EQ(vg_enc_params_misc(&p, buf, misc(buf, VAEncMiscParameterTypeFrameRate, &fr, sizeof(fr))),
             VA_STATUS_SUCCESS);
    h264_picture(&p, true, 2, 0, 26, 0);
    CHECK_EQ(vg_enc_params_pack(&p, &s, &w), VA_STATUS_SUCCESS);
    CHECK_EQ(s.rc_mode, VW_RC_CBR);
    CHECK_EQ(s.bits_per_second, 2000000);
    CHECK_EQ(s.max_bits_per_second, 0);
    CHECK_EQ(s.hrd_buffer_bits, 4000000);
    CHECK_EQ(s.hrd_initial_bits, 3000000);
    CHECK_EQ(s.min_qp, 10);
    CHECK_EQ(s.max_qp, 40);
    CHECK_EQ(s.frame_rate_num, 25); /* the misc buffer wins over the VUI timing */
    CHECK_EQ(s.frame_rate_den, 1);
    CHECK_EQ(w.qp, 0);
    /* A bit rate change at a P picture: carried from then on. */
    rc.bits_per_second = 500000;
    vg_enc_params_misc(&p, buf, misc(buf, VAEncMiscParameterTypeRateControl, &rc, sizeof(rc)));
    h264_picture(&p, false, 0, 2, 26, 0);
    CHECK_EQ(vg_enc_params_pack(&p, &s, &w), VA_STATUS_SUCCESS);
    CHECK_EQ(s.bits_per_second, 500000);
    CHECK_EQ(s.hrd_buffer_bits, 4000000);
    /* A QP range outside the encoder's. */
    rc.min_qp = 0;
    rc.max_qp = 60;
    vg_enc_params_misc(&p, buf, misc(buf, VAEncMiscParameterTypeRateControl, &rc, sizeof(rc)));
    CHECK_EQ(vg_enc_params_pack(&p, &s, &w), VA_STATUS_ERROR_INVALID_PARAMETER);
    /* HRD fuller than its buffer. */
    rc.max_qp = 0;
    vg_enc_params_misc(&p, buf, misc(buf, VAEncMiscParameterTypeRateControl, &rc, sizeof(rc)));
    hrd.initial_buffer_fullness = 5000000;
    vg_enc_params_misc(&p, buf, misc(buf, VAEncMiscParameterTypeHRD, &hrd, sizeof(hrd)));
    CHECK_EQ(vg_enc_params_pack(&p, &s, &w), VA_STATUS_ERROR_INVALID_PARAMETER);

    /* VBR: VA's rate is the peak, target_percentage of it the target. */
    vg_enc_params_init(&p, VW_PROFILE_H264_HIGH, VW_RC_VBR, &cap, 1376, 768);
    vg_enc_params_sequence(&p, &seq, sizeof(seq));
    rc = (VAEncMiscParameterRateControl){.bits_per_second = 4000000, .target_percentage = 50};
    vg_enc_params_misc(&p, buf, misc(buf, VAEncMiscParameterTypeRateControl, &rc, sizeof(rc)));
    h264_picture(&p, true, 2, 0, 26, 0);
    CHECK_EQ(vg_enc_params_pack(&p, &s, &w), VA_STATUS_SUCCESS);
    CHECK_EQ(s.bits_per_second, 2000000);
    CHECK_EQ(s.max_bits_per_second, 4000000);
    CHECK_EQ(s.frame_rate_num, 30000); /* VUI timing without a frame-rate buffer */

    /* CBR without any rate: refused. */
    vg_enc_params_init(&p, VW_PROFILE_H264_HIGH, VW_RC_CBR, &cap, 1376, 768);
    seq.bits_per_second = 0;
    vg_enc_params_sequence(&p, &seq, sizeof(seq));
    h264_picture(&p, true, 2, 0, 26, 0);
    CHECK_EQ(vg_enc_params_pack(&p, &s, &w), VA_STATUS_ERROR_INVALID_PARAMETER);

    /* Quality: clamped to the encoder's levels; others refused. */
    VAEncMiscParameterBufferQualityLevel q = {.quality_level = 7};
    CHECK_EQ(vg_enc_params_misc(&p, buf, misc(buf, VAEncMiscParameterTypeQualityLevel, &q, sizeof(q))),
             VA_STATUS_SUCCESS);
    CHECK_EQ(p.quality_level, 3);
    VAEncMiscParameterBufferMaxFrameSize mfs = {.max_frame_size = 1000};
    CHECK_EQ(vg_enc_params_misc(&p, buf, misc(buf, VAEncMiscParameterTypeMaxFrameSize, &mfs, sizeof(mfs))),
             VA_STATUS_ERROR_UNSUPPORTED_BUFFERTYPE);
    CHECK_EQ(vg_enc_params_misc(&p, buf, sizeof(VAEncMiscParameterType) + 2),
             VA_STATUS_ERROR_UNSUPPORTED_BUFFERTYPE); /* MaxFrameSize type still in buf */
    misc(buf, VAEncMiscParameterTypeRateControl, &rc, sizeof(rc));
    CHECK_EQ(vg_enc_params_misc(&p, buf, sizeof(VAEncMiscParameterType) + 4),
             VA_STATUS_ERROR_INVALID_BUFFER); /* truncated */
}

static void test_hevc(void)
{
    struct vw_encode_cap cap = cap_of(VW_PROFILE_HEVC_MAIN10, VW_RC_CQP, 1, 0);
    struct vg_enc_params p;
    struct vw_encode_sequence s;
    struct vw_encode_picture w;
    vg_enc_params_init(&p, VW_PROFILE_HEVC_MAIN10, VW_RC_CQP, &cap, 1920, 1088);
    VAEncSequenceParameterBufferHEVC seq = {0};
    seq.general_level_idc = 123;
    seq.intra_period = 60;
    seq.ip_period = 1;
    seq.pic_width_in_luma_samples = 1920;
    seq.pic_height_in_luma_samples = 1088;
    seq.seq_fields.bits.chroma_format_idc = 1;
    seq.seq_fields.bits.bit_depth_luma_minus8 = 2;
    seq.seq_fields.bits.bit_depth_chroma_minus8 = 2;
    seq.vui_parameters_present_flag = 1;
    seq.vui_fields.bits.vui_timing_info_present_flag = 1;
    seq.vui_num_units_in_tick = 1;
    seq.vui_time_scale = 50;
    seq.vui_fields.bits.aspect_ratio_info_present_flag = 1;
    seq.aspect_ratio_idc = 255;
    seq.sar_width = 4;
    seq.sar_height = 3;
    CHECK_EQ(vg_enc_params_sequence(&p, &seq, sizeof(seq)), VA_STATUS_SUCCESS);
    VAEncPictureParameterBufferHEVC pic = {0};
    pic.coded_buf = 9;
    pic.pic_init_qp = 30;
    pic.pic_fields.bits.idr_pic_flag = 1;
    pic.pic_fields.bits.coding_type = 1;
    VAEncSliceParameterBufferHEVC sl = {0};
    sl.slice_type = 2;
    sl.slice_qp_delta = -5;
    vg_enc_params_new_picture(&p);
    p.input_width = 1920; /* the input surface: the display size */
    p.input_height = 1080;
    vg_enc_params_picture(&p, &pic, sizeof(pic));
    vg_enc_params_slices(&p, &sl, sizeof(sl), 1);
    CHECK_EQ(vg_enc_params_coded_buf(&p), 9);
    CHECK_EQ(vg_enc_params_pack(&p, &s, &w), VA_STATUS_SUCCESS);
    CHECK_EQ(s.bit_depth, 10);
    CHECK_EQ(s.level_idc, 123);
    CHECK_EQ(s.crop_right, 0);
    CHECK_EQ(s.crop_bottom, 8);
    CHECK_EQ(s.frame_rate_num, 50);
    CHECK_EQ(s.frame_rate_den, 1);
    CHECK_EQ(s.sar_width, 4);
    CHECK_EQ(s.sar_height, 3);
    CHECK_EQ(s.entropy_cabac, 0);
    CHECK_EQ(w.type, VW_PICTURE_IDR);
    CHECK_EQ(w.qp, 25);
    CHECK_EQ(w.num_slices, 1);
    /* A P picture: coding_type 2, POC 3 (HEVC POCs count frames). */
    vg_enc_params_new_picture(&p);
    p.input_width = 1920;
    p.input_height = 1080;
    pic.pic_fields.bits.idr_pic_flag = 0;
    pic.pic_fields.bits.coding_type = 2;
    pic.decoded_curr_pic.pic_order_cnt = 3;
    sl.slice_type = 1;
    vg_enc_params_picture(&p, &pic, sizeof(pic));
    vg_enc_params_slices(&p, &sl, sizeof(sl), 1);
    CHECK_EQ(vg_enc_params_pack(&p, &s, &w), VA_STATUS_SUCCESS);
    CHECK_EQ(w.type, VW_PICTURE_P);
    CHECK_EQ(w.display_order, 1); /* encode order: no B pictures */
    CHECK_EQ(s.crop_bottom, 8);
    p.cap.max_refs_l1 = 1; /* with B pictures: the POC, which counts frames */
    CHECK_EQ(vg_enc_params_pack(&p, &s, &w), VA_STATUS_SUCCESS);
    CHECK_EQ(w.display_order, 3);
    p.cap.max_refs_l1 = 0;
    /* coding_type 0: the slice type says (B here: refused without L1). */
    vg_enc_params_new_picture(&p);
    pic.pic_fields.bits.coding_type = 0;
    sl.slice_type = 0;
    vg_enc_params_picture(&p, &pic, sizeof(pic));
    vg_enc_params_slices(&p, &sl, sizeof(sl), 1);
    CHECK_EQ(vg_enc_params_pack(&p, &s, &w), VA_STATUS_ERROR_INVALID_PARAMETER);
    /* Main (8-bit) with a 10-bit sequence. */
    cap.profile = VW_PROFILE_HEVC_MAIN;
    vg_enc_params_init(&p, VW_PROFILE_HEVC_MAIN, VW_RC_CQP, &cap, 1920, 1088);
    vg_enc_params_sequence(&p, &seq, sizeof(seq));
    pic.pic_fields.bits.idr_pic_flag = 1;
    sl.slice_type = 2;
    vg_enc_params_picture(&p, &pic, sizeof(pic));
    vg_enc_params_slices(&p, &sl, sizeof(sl), 1);
    CHECK_EQ(vg_enc_params_pack(&p, &s, &w), VA_STATUS_ERROR_INVALID_PARAMETER);
}

static void test_config_attributes(void)
{
    struct vw_encode_cap cap = cap_of(VW_PROFILE_H264_HIGH, VW_RC_CQP | VW_RC_CBR, 2, 0);
    CHECK_EQ(vg_enc_attribute(&cap, VAConfigAttribRateControl), VA_RC_CQP | VA_RC_CBR);
    CHECK_EQ(vg_enc_attribute(&cap, VAConfigAttribEncPackedHeaders), VA_ENC_PACKED_HEADER_NONE);
    CHECK_EQ(vg_enc_attribute(&cap, VAConfigAttribEncMaxRefFrames), 2);
    cap.max_refs_l1 = 1;
    CHECK_EQ(vg_enc_attribute(&cap, VAConfigAttribEncMaxRefFrames), 2 | 1 << 16);
    CHECK_EQ(vg_enc_attribute(&cap, VAConfigAttribEncMaxSlices), 4);
    CHECK_EQ(vg_enc_attribute(&cap, VAConfigAttribEncSliceStructure),
             VA_ENC_SLICE_STRUCTURE_EQUAL_ROWS | VA_ENC_SLICE_STRUCTURE_ARBITRARY_ROWS);
    CHECK_EQ(vg_enc_attribute(&cap, VAConfigAttribEncQualityRange), 3);
    CHECK_EQ(vg_enc_attribute(&cap, VAConfigAttribEncROI), VA_ATTRIB_NOT_SUPPORTED);
    CHECK_EQ(vg_enc_attribute(&cap, VAConfigAttribMaxFrameSize), VA_ATTRIB_NOT_SUPPORTED);
    cap.max_slices = 1;
    cap.quality_levels = 0;
    CHECK_EQ(vg_enc_attribute(&cap, VAConfigAttribEncSliceStructure), VA_ATTRIB_NOT_SUPPORTED);
    CHECK_EQ(vg_enc_attribute(&cap, VAConfigAttribEncQualityRange), VA_ATTRIB_NOT_SUPPORTED);
    CHECK_EQ(vg_enc_default_rc(&cap), VW_RC_CQP);

    uint32_t rc = 0;
    VAConfigAttrib a = {VAConfigAttribRateControl, VA_RC_CBR};
    CHECK_EQ(vg_enc_check_attribute(&cap, &a, &rc), VA_STATUS_SUCCESS);
    CHECK_EQ(rc, VW_RC_CBR);
    a.value = VA_RC_VBR;
    CHECK_EQ(vg_enc_check_attribute(&cap, &a, &rc), VA_STATUS_ERROR_INVALID_VALUE);
    a.value = VA_RC_CQP | VA_RC_CBR; /* one mode, not a mask */
    CHECK_EQ(vg_enc_check_attribute(&cap, &a, &rc), VA_STATUS_ERROR_INVALID_VALUE);
    a = (VAConfigAttrib){VAConfigAttribEncPackedHeaders, VA_ENC_PACKED_HEADER_NONE}; /* Chromium */
    CHECK_EQ(vg_enc_check_attribute(&cap, &a, &rc), VA_STATUS_SUCCESS);
    a.value = VA_ENC_PACKED_HEADER_SEQUENCE;
    CHECK_EQ(vg_enc_check_attribute(&cap, &a, &rc), VA_STATUS_ERROR_INVALID_VALUE);
    a = (VAConfigAttrib){VAConfigAttribEncMaxRefFrames, 2 | 1 << 16};
    CHECK_EQ(vg_enc_check_attribute(&cap, &a, &rc), VA_STATUS_SUCCESS);
    a.value = 3;
    CHECK_EQ(vg_enc_check_attribute(&cap, &a, &rc), VA_STATUS_ERROR_INVALID_VALUE);
    a = (VAConfigAttrib){VAConfigAttribEncROI, 1};
    CHECK_EQ(vg_enc_check_attribute(&cap, &a, &rc), VA_STATUS_ERROR_INVALID_VALUE);
    a.value = VA_ATTRIB_NOT_SUPPORTED;
    CHECK_EQ(vg_enc_check_attribute(&cap, &a, &rc), VA_STATUS_SUCCESS);
    CHECK_EQ(vg_enc_rc_to_va(VW_RC_VBR), VA_RC_VBR);
}

int main(void)
{
    test_h264_cqp();
    test_h264_order_with_b();
    test_h264_crop_to_context();
    test_rate_control();
    test_hevc();
    test_config_attributes();
    return check_finish("test_enc_params");
}
