/*
 * The vaapi engine's codecs (src/host/engines/vaapi/vaapi_<codec>.c:
 * H.264, HEVC and its range extension, MPEG-2, MPEG-4 Part 2, VP9, VP8,
 * JPEG) turn the wire structs back into
 * VA's: guest surface ids become the host driver's through the picture's
 * resolved references, an H.264 reference list entry is found among the
 * reference frames (or is the target, a second field's reference to its
 * first) and refused with the list and index named when it is neither,
 * HEVC fields the base structs cannot carry are refused, and a matrix (or
 * JPEG table) goes to the driver only when the client sent one to load.
 * No VA display is needed: the classes only fill structs (where each
 * slice's data lies is vaapi_codec.c's, seen bit-exact by
 * e2e_vaapi_chain_*).
 */
#include <string.h>

#include "check.h"
#include "host/engines/vaapi/vaapi_internal.h"

/* Guest surface i has the host driver's id 100 + i. */
static struct vaapi_surface va_surfaces[4];
static struct vh_surface surfaces[4];

static void make_surfaces(void)
{
    for (uint32_t i = 0; i < 4; i++) {
        va_surfaces[i] = (struct vaapi_surface){.id = 100 + i};
        surfaces[i] = (struct vh_surface){.id = i, .width = 64, .height = 64,
                                          .engine_data = &va_surfaces[i]};
    }
}

static struct vw_h264_ref ref(uint32_t surface_id, uint32_t flags)
{
    return (struct vw_h264_ref){.surface_id = surface_id, .flags = flags, .frame_idx = surface_id,
                                .top_field_order_cnt = 2 * (int32_t)surface_id,
                                .bottom_field_order_cnt = 2 * (int32_t)surface_id + 1};
}

static void test_h264(void)
{
    static struct vw_h264_picture wp;
    static struct vw_h264_slice ws;
    memset(&wp, 0, sizeof(wp));
    memset(&ws, 0, sizeof(ws));
    wp.curr_pic = ref(1, 0);
    wp.reference_frames[0] = ref(2, VW_H264_PIC_SHORT_TERM);
    for (int i = 1; i < 16; i++)
        wp.reference_frames[i] = ref(VW_INVALID_ID, VW_H264_PIC_INVALID);
    wp.picture_width_in_mbs_minus1 = 3;
    wp.picture_height_in_mbs_minus1 = 3;
    wp.chroma_format_idc = 1;
    wp.frame_mbs_only_flag = 1;
    wp.log2_max_frame_num_minus4 = 2;
    wp.entropy_coding_mode_flag = 1;
    wp.frame_num = 5;
    wp.pic_init_qp_minus26 = -3;
    for (int i = 0; i < 32; i++)
        ws.ref_pic_list0[i] = ws.ref_pic_list1[i] = ref(VW_INVALID_ID, VW_H264_PIC_INVALID);
    ws.ref_pic_list0[0] = ref(2, VW_H264_PIC_SHORT_TERM);
    ws.slice_data_bit_offset = 21;
    ws.slice_type = 0;
    ws.luma_weight_l0[0] = 7;
    static const uint8_t nal[] = {0x41, 0x9a, 0x00, 0x11};
    struct vh_slice slice = {.h264 = &ws, .data = nal, .size = sizeof(nal)};
    struct vh_picture pic = {.codec = VW_CODEC_H264, .h264 = &wp, .num_slices = 1,
                             .slices = &slice, .target = &surfaces[1]};
    pic.refs[0] = &surfaces[2];

    _Alignas(16) uint8_t buf[VAAPI_PARAMS_MAX];
    const struct vaapi_codec_class *cls = &vaapi_h264_class;
    CHECK_EQ(cls->picture_size, sizeof(VAPictureParameterBufferH264));
    cls->picture(&pic, buf);
    const VAPictureParameterBufferH264 *pp = (const void *)buf;
    CHECK_EQ(pp->CurrPic.picture_id, 101);
    CHECK_EQ(pp->ReferenceFrames[0].picture_id, 102);
    CHECK_EQ(pp->ReferenceFrames[0].flags, VA_PICTURE_H264_SHORT_TERM_REFERENCE);
    CHECK_EQ(pp->ReferenceFrames[0].TopFieldOrderCnt, 4);
    CHECK_EQ(pp->ReferenceFrames[1].picture_id, VA_INVALID_SURFACE);
    CHECK_EQ(pp->ReferenceFrames[1].flags, VA_PICTURE_H264_INVALID);
    CHECK_EQ(pp->picture_width_in_mbs_minus1, 3);
    CHECK_EQ(pp->seq_fields.bits.chroma_format_idc, 1);
    CHECK_EQ(pp->seq_fields.bits.log2_max_frame_num_minus4, 2);
    CHECK_EQ(pp->pic_fields.bits.entropy_coding_mode_flag, 1);
    CHECK_EQ(pp->frame_num, 5);
    CHECK_EQ(pp->pic_init_qp_minus26, -3);

    /* No matrix sent: none goes to the driver; one sent: copied. */
    CHECK(!cls->iq(&pic, buf));
    static struct vw_h264_iq_matrix iq;
    iq.scaling_list_4x4[5][15] = 33;
    iq.scaling_list_8x8[1][63] = 44;
    pic.h264_iq = &iq;
    CHECK(cls->iq(&pic, buf));
    const VAIQMatrixBufferH264 *vq = (const void *)buf;
    CHECK_EQ(vq->ScalingList4x4[5][15], 33);
    CHECK_EQ(vq->ScalingList8x8[1][63], 44);

    struct vh_error err = {0};
    CHECK_EQ(cls->slice(&pic, &slice, buf, &err), VW_OK);
    const VASliceParameterBufferH264 *sp = (const void *)buf;
    CHECK_EQ(sp->slice_data_bit_offset, 21);
    CHECK_EQ(sp->RefPicList0[0].picture_id, 102);
    CHECK_EQ(sp->RefPicList0[1].picture_id, VA_INVALID_SURFACE);
    CHECK_EQ(sp->RefPicList1[0].flags, VA_PICTURE_H264_INVALID);
    CHECK_EQ(sp->luma_weight_l0[0], 7);

    /* A second field's reference to its first: the target itself. */
    ws.ref_pic_list0[1] = ref(1, VW_H264_PIC_SHORT_TERM | VW_H264_PIC_TOP_FIELD);
    CHECK_EQ(cls->slice(&pic, &slice, buf, &err), VW_OK);
    CHECK_EQ(sp->RefPicList0[1].picture_id, 101);

    /* An entry naming a surface that is no reference frame: refused. */
    ws.ref_pic_list1[3] = ref(3, VW_H264_PIC_SHORT_TERM);
    CHECK_EQ(cls->slice(&pic, &slice, buf, &err), VW_ERR_UNSUPPORTED_STREAM);
    CHECK(strstr(err.message, "RefPicList1[3] names surface 3") != NULL);
}

static void test_mpeg2(void)
{
    struct vw_mpeg2_picture wp = {.horizontal_size = 64, .vertical_size = 48,
                                  .forward_reference_picture = VW_INVALID_ID,
                                  .backward_reference_picture = 2, .f_code = 0x1234,
                                  .picture_coding_type = 3, .picture_structure = 3,
                                  .top_field_first = 1, .progressive_frame = 1,
                                  .is_first_field = 1};
    struct vw_mpeg2_slice ws = {.macroblock_offset = 38, .slice_vertical_position = 2,
                                .quantiser_scale_code = 9, .intra_slice_flag = 1};
    static const uint8_t data[] = {0, 0, 1, 3, 0x55, 0x66};
    struct vh_slice slice = {.mpeg2 = &ws, .data = data, .size = sizeof(data)};
    struct vh_picture pic = {.codec = VW_CODEC_MPEG2, .mpeg2 = &wp, .num_slices = 1,
                             .slices = &slice, .target = &surfaces[1]};
    pic.refs[1] = &surfaces[2];

    _Alignas(16) uint8_t buf[VAAPI_PARAMS_MAX];
    const struct vaapi_codec_class *cls = &vaapi_mpeg2_class;
    cls->picture(&pic, buf);
    const VAPictureParameterBufferMPEG2 *pp = (const void *)buf;
    CHECK_EQ(pp->horizontal_size, 64);
    CHECK_EQ(pp->forward_reference_picture, VA_INVALID_SURFACE);
    CHECK_EQ(pp->backward_reference_picture, 102);
    CHECK_EQ(pp->f_code, 0x1234);
    CHECK_EQ(pp->picture_coding_type, 3);
    CHECK_EQ(pp->picture_coding_extension.bits.picture_structure, 3);
    CHECK_EQ(pp->picture_coding_extension.bits.top_field_first, 1);
    CHECK_EQ(pp->picture_coding_extension.bits.is_first_field, 1);

    CHECK(!cls->iq(&pic, buf));
    struct vw_mpeg2_iq_matrix iq = {.load_non_intra_quantiser_matrix = 1};
    iq.non_intra_quantiser_matrix[63] = 99;
    pic.mpeg2_iq = &iq;
    CHECK(cls->iq(&pic, buf));
    const VAIQMatrixBufferMPEG2 *vq = (const void *)buf;
    CHECK_EQ(vq->load_intra_quantiser_matrix, 0);
    CHECK_EQ(vq->load_non_intra_quantiser_matrix, 1);
    CHECK_EQ(vq->non_intra_quantiser_matrix[63], 99);

    struct vh_error err = {0};
    CHECK_EQ(cls->slice(&pic, &slice, buf, &err), VW_OK);
    const VASliceParameterBufferMPEG2 *sp = (const void *)buf;
    CHECK_EQ(sp->macroblock_offset, 38);
    CHECK_EQ(sp->slice_vertical_position, 2);
    CHECK_EQ(sp->quantiser_scale_code, 9);
    CHECK_EQ(sp->intra_slice_flag, 1);
}

static void test_vp9(void)
{
    struct vw_vp9_picture wp = {.frame_width = 350, .frame_height = 198, .profile = 2,
                                .bit_depth = 10, .subsampling_x = 1, .subsampling_y = 1,
                                .golden_ref_frame = 5, .filter_level = 12,
                                .frame_header_length_in_bytes = 17};
    wp.segment_pred_probs[2] = 200;
    struct vw_vp9_slice ws = {0};
    ws.seg_param[7].segment_reference_enabled = 1;
    ws.seg_param[7].filter_level[3][1] = 9;
    ws.seg_param[7].chroma_dc_quant_scale = -4;
    static const uint8_t frame[] = {0x82, 0x49, 0x83, 0x42, 0x00};
    struct vh_slice slice = {.vp9 = &ws, .data = frame, .size = sizeof(frame)};
    struct vh_picture pic = {.codec = VW_CODEC_VP9, .vp9 = &wp, .num_slices = 1,
                             .slices = &slice, .target = &surfaces[1]};
    pic.refs[5] = &surfaces[3];

    _Alignas(16) uint8_t buf[VAAPI_PARAMS_MAX];
    const struct vaapi_codec_class *cls = &vaapi_vp9_class;
    cls->picture(&pic, buf);
    const VADecPictureParameterBufferVP9 *pp = (const void *)buf;
    CHECK_EQ(pp->frame_width, 350);
    CHECK_EQ(pp->reference_frames[5], 103);
    CHECK_EQ(pp->reference_frames[0], VA_INVALID_SURFACE);
    CHECK_EQ(pp->pic_fields.bits.golden_ref_frame, 5);
    CHECK_EQ(pp->profile, 2);
    CHECK_EQ(pp->bit_depth, 10);
    CHECK_EQ(pp->filter_level, 12);
    CHECK_EQ(pp->frame_header_length_in_bytes, 17);
    CHECK_EQ(pp->segment_pred_probs[2], 200);
    CHECK(!cls->iq(&pic, buf));

    struct vh_error err = {0};
    CHECK_EQ(cls->slice(&pic, &slice, buf, &err), VW_OK);
    const VASliceParameterBufferVP9 *sp = (const void *)buf;
    CHECK_EQ(sp->seg_param[7].segment_flags.fields.segment_reference_enabled, 1);
    CHECK_EQ(sp->seg_param[7].filter_level[3][1], 9);
    CHECK_EQ(sp->seg_param[7].chroma_dc_quant_scale, -4);
}

static void test_vp8(void)
{
    struct vw_vp8_picture wp = {.frame_width = 350, .frame_height = 198, .key_frame = 1,
                                .prob_intra = 77, .bool_coder_range = 200,
                                .bool_coder_count = 5};
    wp.mv_probs[1][18] = 66;
    struct vw_vp8_slice ws = {.macroblock_offset = 29, .num_of_partitions = 3};
    ws.partition_size[2] = 1234;
    static const uint8_t frame[] = {0x11, 0x22, 0x33};
    struct vh_slice slice = {.vp8 = &ws, .data = frame, .size = sizeof(frame)};
    struct vh_picture pic = {.codec = VW_CODEC_VP8, .vp8 = &wp, .num_slices = 1,
                             .slices = &slice, .target = &surfaces[1]};
    pic.refs[0] = &surfaces[2];
    pic.refs[2] = &surfaces[3];

    _Alignas(16) uint8_t buf[VAAPI_PARAMS_MAX];
    const struct vaapi_codec_class *cls = &vaapi_vp8_class;
    cls->picture(&pic, buf);
    const VAPictureParameterBufferVP8 *pp = (const void *)buf;
    CHECK_EQ(pp->last_ref_frame, 102);
    CHECK_EQ(pp->golden_ref_frame, VA_INVALID_SURFACE);
    CHECK_EQ(pp->alt_ref_frame, 103);
    CHECK_EQ(pp->out_of_loop_frame, VA_INVALID_SURFACE);
    CHECK_EQ(pp->pic_fields.bits.key_frame, 1);
    CHECK_EQ(pp->prob_intra, 77);
    CHECK_EQ(pp->mv_probs[1][18], 66);
    CHECK_EQ(pp->bool_coder_ctx.range, 200);
    CHECK_EQ(pp->bool_coder_ctx.count, 5);

    /* Both halves of the optional block, or neither. */
    CHECK(!cls->iq(&pic, buf));
    CHECK(!cls->extra(&pic, buf));
    static struct vw_vp8_extra extra;
    extra.quantization_index[3][5] = 127;
    extra.dct_coeff_probs[3][7][2][10] = 201;
    pic.vp8_extra = &extra;
    CHECK(cls->iq(&pic, buf));
    CHECK_EQ(((const VAIQMatrixBufferVP8 *)(const void *)buf)->quantization_index[3][5], 127);
    CHECK(cls->extra(&pic, buf));
    CHECK_EQ(((const VAProbabilityDataBufferVP8 *)(const void *)buf)->dct_coeff_probs[3][7][2][10],
             201);

    struct vh_error err = {0};
    CHECK_EQ(cls->slice(&pic, &slice, buf, &err), VW_OK);
    const VASliceParameterBufferVP8 *sp = (const void *)buf;
    CHECK_EQ(sp->macroblock_offset, 29);
    CHECK_EQ(sp->num_of_partitions, 3);
    CHECK_EQ(sp->partition_size[2], 1234);
}

static void test_hevc(void)
{
    static struct vw_hevc_picture wp;
    static struct vw_hevc_slice ws;
    memset(&wp, 0, sizeof(wp));
    memset(&ws, 0, sizeof(ws));
    wp.curr_pic = (struct vw_hevc_ref){.surface_id = 1, .pic_order_cnt = 8};
    wp.reference_frames[0] = (struct vw_hevc_ref){.surface_id = 2, .pic_order_cnt = 4,
                                                  .flags = VW_HEVC_PIC_RPS_ST_CURR_BEFORE};
    for (int i = 1; i < 15; i++)
        wp.reference_frames[i] = (struct vw_hevc_ref){.surface_id = VW_INVALID_ID,
                                                      .flags = VW_HEVC_PIC_INVALID};
    wp.pic_width_in_luma_samples = 352;
    wp.chroma_format_idc = 1;
    wp.bit_depth_luma_minus8 = 2;
    wp.tiles_enabled_flag = 1;
    wp.row_height_minus1[20] = 3;
    wp.idr_pic_flag = 0;
    wp.st_rps_bits = 11;
    memset(ws.ref_pic_list, VW_HEVC_REF_NONE, sizeof(ws.ref_pic_list));
    ws.ref_pic_list[0][0] = 0;
    ws.slice_data_byte_offset = 6;
    ws.last_slice_of_pic = 1;
    ws.luma_offset_l1[14] = -128;
    ws.chroma_offset_l0[3][1] = 127;
    ws.delta_chroma_weight_l1[14][1] = -9;
    static const uint8_t nal[] = {0x02, 0x01, 0xd0, 0x11};
    struct vh_slice slice = {.hevc = &ws, .data = nal, .size = sizeof(nal)};
    struct vh_picture pic = {.codec = VW_CODEC_HEVC, .hevc = &wp, .num_slices = 1,
                             .slices = &slice, .target = &surfaces[1]};
    pic.refs[0] = &surfaces[2];

    _Alignas(16) uint8_t buf[VAAPI_PARAMS_MAX];
    const struct vaapi_codec_class *cls = &vaapi_hevc_class;
    cls->picture(&pic, buf);
    const VAPictureParameterBufferHEVC *pp = (const void *)buf;
    CHECK_EQ(pp->CurrPic.picture_id, 101);
    CHECK_EQ(pp->CurrPic.pic_order_cnt, 8);
    CHECK_EQ(pp->ReferenceFrames[0].picture_id, 102);
    CHECK_EQ(pp->ReferenceFrames[0].flags, VA_PICTURE_HEVC_RPS_ST_CURR_BEFORE);
    CHECK_EQ(pp->ReferenceFrames[1].picture_id, VA_INVALID_SURFACE);
    CHECK_EQ(pp->ReferenceFrames[14].flags, VA_PICTURE_HEVC_INVALID);
    CHECK_EQ(pp->pic_width_in_luma_samples, 352);
    CHECK_EQ(pp->bit_depth_luma_minus8, 2);
    CHECK_EQ(pp->pic_fields.bits.tiles_enabled_flag, 1);
    CHECK_EQ(pp->row_height_minus1[20], 3);
    CHECK_EQ(pp->st_rps_bits, 11);
    CHECK(!cls->iq(&pic, buf));

    struct vh_error err = {0};
    CHECK_EQ(cls->slice(&pic, &slice, buf, &err), VW_OK);
    const VASliceParameterBufferHEVC *sp = (const void *)buf;
    CHECK_EQ(sp->slice_data_byte_offset, 6);
    CHECK_EQ(sp->RefPicList[0][0], 0);
    CHECK_EQ(sp->RefPicList[1][14], VW_HEVC_REF_NONE);
    CHECK_EQ(sp->LongSliceFlags.fields.LastSliceOfPic, 1);
    CHECK_EQ(sp->luma_offset_l1[14], -128);
    CHECK_EQ(sp->ChromaOffsetL0[3][1], 127);
    CHECK_EQ(sp->delta_chroma_weight_l1[14][1], -9);

    /* What the base structs cannot carry: refused, never dropped. */
    ws.chroma_offset_l1[0][0] = 128;
    CHECK_EQ(cls->slice(&pic, &slice, buf, &err), VW_ERR_UNSUPPORTED_STREAM);
    CHECK(strstr(err.message, "high precision offsets") != NULL);
    ws.chroma_offset_l1[0][0] = 0;
    wp.range_extension.implicit_rdpcm_enabled_flag = 1;
    CHECK_EQ(cls->slice(&pic, &slice, buf, &err), VW_ERR_UNSUPPORTED_STREAM);
    CHECK(strstr(err.message, "range extension") != NULL);
}

/* The range extension profiles: every field in the *Extension structs
 * (each flag alone, so that none lands in another's bit), the 16-bit
 * offsets whole there and their low 8 bits in the base struct, and
 * nothing refused that the base class refuses. */
static void test_hevc_rext(void)
{
    static struct vw_hevc_picture wp;
    static struct vw_hevc_slice ws;
    memset(&wp, 0, sizeof(wp));
    memset(&ws, 0, sizeof(ws));
    wp.curr_pic = (struct vw_hevc_ref){.surface_id = 1, .pic_order_cnt = 8};
    for (int i = 0; i < 15; i++)
        wp.reference_frames[i] = (struct vw_hevc_ref){.surface_id = VW_INVALID_ID,
                                                      .flags = VW_HEVC_PIC_INVALID};
    wp.pic_width_in_luma_samples = 352;
    wp.chroma_format_idc = 3;
    struct vw_hevc_range_extension *r = &wp.range_extension;
    r->diff_cu_chroma_qp_offset_depth = 2;
    r->chroma_qp_offset_list_len_minus1 = 5;
    r->log2_sao_offset_scale_luma = 3;
    r->log2_sao_offset_scale_chroma = 4;
    r->log2_max_transform_skip_block_size_minus2 = 1;
    r->cb_qp_offset_list[0] = -12;
    r->cr_qp_offset_list[5] = 9;
    memset(ws.ref_pic_list, VW_HEVC_REF_NONE, sizeof(ws.ref_pic_list));
    ws.luma_offset_l0[2] = 300;
    ws.chroma_offset_l1[14][1] = -512;
    ws.cu_chroma_qp_offset_enabled_flag = 1;
    static const uint8_t nal[] = {0x02, 0x01, 0xd0, 0x11};
    struct vh_slice slice = {.hevc = &ws, .data = nal, .size = sizeof(nal)};
    struct vh_picture pic = {.codec = VW_CODEC_HEVC, .hevc = &wp, .num_slices = 1,
                             .slices = &slice, .target = &surfaces[1]};

    _Alignas(16) uint8_t buf[VAAPI_PARAMS_MAX];
    const struct vaapi_codec_class *cls = &vaapi_hevc_rext_class;
    CHECK_EQ(cls->picture_size, sizeof(VAPictureParameterBufferHEVCExtension));
    CHECK_EQ(cls->slice_size, sizeof(VASliceParameterBufferHEVCExtension));
    const VAPictureParameterBufferHEVCExtension *pe = (const void *)buf;
    cls->picture(&pic, buf);
    CHECK_EQ(pe->base.CurrPic.picture_id, 101);
    CHECK_EQ(pe->base.pic_width_in_luma_samples, 352);
    CHECK_EQ(pe->base.pic_fields.bits.chroma_format_idc, 3);
    CHECK_EQ(pe->rext.diff_cu_chroma_qp_offset_depth, 2);
    CHECK_EQ(pe->rext.chroma_qp_offset_list_len_minus1, 5);
    CHECK_EQ(pe->rext.log2_sao_offset_scale_luma, 3);
    CHECK_EQ(pe->rext.log2_sao_offset_scale_chroma, 4);
    CHECK_EQ(pe->rext.log2_max_transform_skip_block_size_minus2, 1);
    CHECK_EQ(pe->rext.cb_qp_offset_list[0], -12);
    CHECK_EQ(pe->rext.cr_qp_offset_list[5], 9);
    CHECK_EQ(pe->rext.range_extension_pic_fields.value, 0);
    CHECK_EQ(pe->scc.screen_content_pic_fields.value, 0);
#define ONE_FLAG(f)                                                                      \
    r->f = 1;                                                                            \
    cls->picture(&pic, buf);                                                             \
    CHECK_EQ(pe->rext.range_extension_pic_fields.bits.f, 1);                             \
    CHECK_EQ(__builtin_popcount(pe->rext.range_extension_pic_fields.value), 1);          \
    r->f = 0;
    VW_HEVC_RANGE_EXTENSION_VA_BITS(ONE_FLAG)
#undef ONE_FLAG

    struct vh_error err = {0};
    r->implicit_rdpcm_enabled_flag = 1;
    CHECK_EQ(cls->slice(&pic, &slice, buf, &err), VW_OK);
    const VASliceParameterBufferHEVCExtension *se = (const void *)buf;
    CHECK_EQ(se->rext.luma_offset_l0[2], 300);
    CHECK_EQ(se->base.luma_offset_l0[2], 44);         /* 300's low 8 bits */
    CHECK_EQ(se->rext.ChromaOffsetL1[14][1], -512);
    CHECK_EQ(se->base.ChromaOffsetL1[14][1], 0);
    CHECK_EQ(se->rext.slice_ext_flags.bits.cu_chroma_qp_offset_enabled_flag, 1);
    CHECK_EQ(se->base.RefPicList[0][0], VW_HEVC_REF_NONE);
}

static void test_mpeg4(void)
{
    struct vw_mpeg4_picture wp = {.vop_width = 352, .vop_height = 288, .quant_type = 1,
                                  .quarter_sample = 1, .interlaced = 1,
                                  .vop_coding_type = VW_MPEG4_VOP_B,
                                  .backward_reference_vop_coding_type = VW_MPEG4_VOP_P,
                                  .alternate_vertical_scan_flag = 1, .vop_fcode_forward = 2,
                                  .vop_fcode_backward = 3,
                                  .vop_time_increment_resolution = 30000, .TRB = 2, .TRD = 3};
    wp.sprite_trajectory_dv[2] = -5;
    struct vw_mpeg4_slice ws = {.macroblock_offset = 5, .quant_scale = 31};
    static const uint8_t vop[] = {0x1f, 0x00};
    struct vh_slice slice = {.mpeg4 = &ws, .data = vop, .size = sizeof(vop)};
    struct vh_picture pic = {.codec = VW_CODEC_MPEG4, .mpeg4 = &wp, .num_slices = 1,
                             .slices = &slice, .target = &surfaces[3]};
    pic.refs[0] = &surfaces[1];               /* forward; no backward */

    _Alignas(16) uint8_t buf[VAAPI_PARAMS_MAX];
    const struct vaapi_codec_class *cls = &vaapi_mpeg4_class;
    cls->picture(&pic, buf);
    const VAPictureParameterBufferMPEG4 *pp = (const void *)buf;
    CHECK_EQ(pp->vop_width, 352);
    CHECK_EQ(pp->vop_height, 288);
    CHECK_EQ(pp->forward_reference_picture, 101);
    CHECK_EQ(pp->backward_reference_picture, VA_INVALID_SURFACE);
    CHECK_EQ(pp->vol_fields.bits.quant_type, 1);
    CHECK_EQ(pp->vol_fields.bits.quarter_sample, 1);
    CHECK_EQ(pp->vol_fields.bits.interlaced, 1);
    CHECK_EQ(pp->vol_fields.bits.data_partitioned, 0);
    CHECK_EQ(pp->vop_fields.bits.vop_coding_type, VW_MPEG4_VOP_B);
    CHECK_EQ(pp->vop_fields.bits.backward_reference_vop_coding_type, VW_MPEG4_VOP_P);
    CHECK_EQ(pp->vop_fields.bits.alternate_vertical_scan_flag, 1);
    CHECK_EQ(pp->vop_fcode_forward, 2);
    CHECK_EQ(pp->vop_fcode_backward, 3);
    CHECK_EQ(pp->vop_time_increment_resolution, 30000);
    CHECK_EQ(pp->TRB, 2);
    CHECK_EQ(pp->TRD, 3);
    CHECK_EQ(pp->sprite_trajectory_dv[2], -5);

    /* The matrices go only where the client sent them. */
    CHECK(!cls->iq(&pic, buf));
    struct vw_mpeg4_iq_matrix iq = {.load_non_intra_quant_mat = 1};
    iq.non_intra_quant_mat[63] = 40;
    pic.mpeg4_iq = &iq;
    CHECK(cls->iq(&pic, buf));
    const VAIQMatrixBufferMPEG4 *m = (const void *)buf;
    CHECK_EQ(m->load_intra_quant_mat, 0);
    CHECK_EQ(m->load_non_intra_quant_mat, 1);
    CHECK_EQ(m->non_intra_quant_mat[63], 40);

    struct vh_error err = {0};
    CHECK_EQ(cls->slice(&pic, &slice, buf, &err), VW_OK);
    const VASliceParameterBufferMPEG4 *sp = (const void *)buf;
    CHECK_EQ(sp->macroblock_offset, 5);
    CHECK_EQ(sp->macroblock_number, 0);
    CHECK_EQ(sp->quant_scale, 31);
}

static void test_jpeg(void)
{
    struct vw_jpeg_picture wp = {.picture_width = 350, .picture_height = 198,
                                 .num_components = 3};
    wp.components[2].component_id = 3;
    wp.components[2].h_sampling_factor = 1;
    wp.components[2].v_sampling_factor = 1;
    wp.components[2].quantiser_table_selector = 1;
    struct vw_jpeg_slice ws = {.num_components = 3, .restart_interval = 4, .num_mcus = 500};
    ws.components[1].ac_table_selector = 1;
    static const uint8_t scan[] = {0xf8, 0x01, 0x02};
    struct vh_slice slice = {.jpeg = &ws, .data = scan, .size = sizeof(scan)};
    struct vh_picture pic = {.codec = VW_CODEC_JPEG, .jpeg = &wp, .num_slices = 1,
                             .slices = &slice, .target = &surfaces[1]};

    _Alignas(16) uint8_t buf[VAAPI_PARAMS_MAX];
    const struct vaapi_codec_class *cls = &vaapi_jpeg_class;
    CHECK_EQ(cls->extra_type, VAHuffmanTableBufferType);
    cls->picture(&pic, buf);
    const VAPictureParameterBufferJPEGBaseline *pp = (const void *)buf;
    CHECK_EQ(pp->picture_width, 350);
    CHECK_EQ(pp->num_components, 3);
    CHECK_EQ(pp->components[2].component_id, 3);
    CHECK_EQ(pp->components[2].quantiser_table_selector, 1);

    /* Each table buffer goes only with a table to load. */
    CHECK(!cls->iq(&pic, buf));
    CHECK(!cls->extra(&pic, buf));
    static struct vw_jpeg_tables tables;
    tables.load_huffman_table[1] = 1;
    tables.huffman_table[1].ac_values[161] = 0xfa;
    pic.jpeg_tables = &tables;
    CHECK(!cls->iq(&pic, buf));
    CHECK(cls->extra(&pic, buf));
    const VAHuffmanTableBufferJPEGBaseline *h = (const void *)buf;
    CHECK_EQ(h->load_huffman_table[0], 0);
    CHECK_EQ(h->load_huffman_table[1], 1);
    CHECK_EQ(h->huffman_table[1].ac_values[161], 0xfa);
    tables.load_quantiser_table[3] = 1;
    tables.quantiser_table[3][63] = 77;
    CHECK(cls->iq(&pic, buf));
    CHECK_EQ(((const VAIQMatrixBufferJPEGBaseline *)(const void *)buf)->quantiser_table[3][63],
             77);

    struct vh_error err = {0};
    CHECK_EQ(cls->slice(&pic, &slice, buf, &err), VW_OK);
    const VASliceParameterBufferJPEGBaseline *sp = (const void *)buf;
    CHECK_EQ(sp->num_components, 3);
    CHECK_EQ(sp->components[1].ac_table_selector, 1);
    CHECK_EQ(sp->restart_interval, 4);
    CHECK_EQ(sp->num_mcus, 500);
}

int main(void)
{
    make_surfaces();
    test_h264();
    test_mpeg2();
    test_vp9();
    test_vp8();
    test_hevc();
    test_hevc_rext();
    test_mpeg4();
    test_jpeg();
    return check_finish("test_vaapi_params");
}
