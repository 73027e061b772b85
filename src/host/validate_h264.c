/* Checks of the wire H.264 structs (vw_h264_picture, vw_h264_slice) against
 * the ranges of the H.264 specification and against the target surface, so
 * that engines can assume valid input. Each failure names the field. */
#include "host/session_internal.h"
#include "host/validate.h"

#define PIC "DECODE_BITSTREAM: picture params: "

uint32_t vh_nal_payload_size(const uint8_t *nal, uint32_t size)
{
    while (size > 0 && nal[size - 1] == 0)
        size--;
    return size;
}

int vh_h264_check_picture(const struct vw_h264_picture *p, const struct vh_surface *target,
                          struct vh_error *err)
{
    REQUIRE(p->curr_pic.reserved == 0, VW_ERR_MALFORMED, PIC "curr_pic.reserved is not 0");
    for (int i = 0; i < 16; i++)
        REQUIRE(p->reference_frames[i].reserved == 0, VW_ERR_MALFORMED,
                PIC "reference_frames[%d].reserved is not 0", i);
    REQUIRE(p->reserved == 0, VW_ERR_MALFORMED, PIC "reserved is not 0");

    /* Format. */
    REQUIRE(p->chroma_format_idc == 1, VW_ERR_UNSUPPORTED_STREAM,
            PIC "chroma_format_idc %u (only 4:2:0 is supported)", p->chroma_format_idc);
    REQUIRE(p->bit_depth_luma_minus8 == 0 && p->bit_depth_chroma_minus8 == 0,
            VW_ERR_UNSUPPORTED_STREAM, PIC "bit_depth_luma/chroma_minus8 %u/%u (8-bit only)",
            p->bit_depth_luma_minus8, p->bit_depth_chroma_minus8);
    REQUIRE(p->residual_colour_transform_flag == 0, VW_ERR_MALFORMED,
            PIC "residual_colour_transform_flag must be 0 for 4:2:0");
    REQUIRE(p->num_slice_groups_minus1 == 0, VW_ERR_UNSUPPORTED_STREAM,
            PIC "num_slice_groups_minus1 %u (FMO is not supported)", p->num_slice_groups_minus1);

    /* Flags. */
    REQUIRE_FLAG(p, gaps_in_frame_num_value_allowed_flag);
    REQUIRE_FLAG(p, frame_mbs_only_flag);
    REQUIRE_FLAG(p, mb_adaptive_frame_field_flag);
    REQUIRE_FLAG(p, direct_8x8_inference_flag);
    REQUIRE_FLAG(p, min_luma_bi_pred_size8x8);
    REQUIRE_FLAG(p, delta_pic_order_always_zero_flag);
    REQUIRE_FLAG(p, entropy_coding_mode_flag);
    REQUIRE_FLAG(p, weighted_pred_flag);
    REQUIRE_FLAG(p, transform_8x8_mode_flag);
    REQUIRE_FLAG(p, field_pic_flag);
    REQUIRE_FLAG(p, constrained_intra_pred_flag);
    REQUIRE_FLAG(p, pic_order_present_flag);
    REQUIRE_FLAG(p, deblocking_filter_control_present_flag);
    REQUIRE_FLAG(p, redundant_pic_cnt_present_flag);
    REQUIRE_FLAG(p, reference_pic_flag);
    if (p->frame_mbs_only_flag) {
        REQUIRE(!p->field_pic_flag, VW_ERR_MALFORMED,
                PIC "field_pic_flag set with frame_mbs_only_flag");
        REQUIRE(!p->mb_adaptive_frame_field_flag, VW_ERR_MALFORMED,
                PIC "mb_adaptive_frame_field_flag set with frame_mbs_only_flag");
    }

    /* Ranges (H.264 7.4.2). */
    REQUIRE(p->num_ref_frames <= 16, VW_ERR_MALFORMED, PIC "num_ref_frames %u > 16",
            p->num_ref_frames);
    REQUIRE(p->log2_max_frame_num_minus4 <= 12, VW_ERR_MALFORMED,
            PIC "log2_max_frame_num_minus4 %u > 12", p->log2_max_frame_num_minus4);
    REQUIRE(p->pic_order_cnt_type <= 2, VW_ERR_MALFORMED, PIC "pic_order_cnt_type %u > 2",
            p->pic_order_cnt_type);
    REQUIRE(p->log2_max_pic_order_cnt_lsb_minus4 <= 12, VW_ERR_MALFORMED,
            PIC "log2_max_pic_order_cnt_lsb_minus4 %u > 12", p->log2_max_pic_order_cnt_lsb_minus4);
    REQUIRE(p->weighted_bipred_idc <= 2, VW_ERR_MALFORMED, PIC "weighted_bipred_idc %u > 2",
            p->weighted_bipred_idc);
    REQUIRE_RANGE(p, pic_init_qp_minus26, -26, 25, PIC);
    REQUIRE_RANGE(p, pic_init_qs_minus26, -26, 25, PIC);
    REQUIRE_RANGE(p, chroma_qp_index_offset, -12, 12, PIC);
    REQUIRE_RANGE(p, second_chroma_qp_index_offset, -12, 12, PIC);
    REQUIRE((uint32_t)p->frame_num < (1u << (p->log2_max_frame_num_minus4 + 4)), VW_ERR_MALFORMED,
            PIC "frame_num %u >= MaxFrameNum %u", p->frame_num,
            1u << (p->log2_max_frame_num_minus4 + 4));

    /* Size in macroblocks against the render target: the coded size covers
     * the surface and exceeds it by less than one macroblock (a macroblock
     * pair vertically when fields are possible). */
    uint32_t w = ((uint32_t)p->picture_width_in_mbs_minus1 + 1) * 16;
    uint32_t h_mbs = (uint32_t)p->picture_height_in_mbs_minus1 + 1;
    uint32_t h = h_mbs * 16;
    uint32_t h_slack = p->frame_mbs_only_flag ? 15 : 31;
    REQUIRE(w >= target->width && w <= target->width + 15, VW_ERR_MALFORMED,
            PIC "picture_width_in_mbs_minus1 %u (%u pixels) does not fit surface %u (width %u)",
            p->picture_width_in_mbs_minus1, w, target->id, target->width);
    REQUIRE(p->frame_mbs_only_flag || (h_mbs & 1) == 0, VW_ERR_MALFORMED,
            PIC "picture_height_in_mbs_minus1 %u: odd height in MBs without frame_mbs_only_flag",
            p->picture_height_in_mbs_minus1);
    REQUIRE(h >= target->height && h <= target->height + h_slack, VW_ERR_MALFORMED,
            PIC "picture_height_in_mbs_minus1 %u (%u pixels) does not fit surface %u (height %u)",
            p->picture_height_in_mbs_minus1, h, target->id, target->height);
    return VW_OK;
}

#define SL "DECODE_BITSTREAM: slice %u: "

int vh_h264_check_slice(const struct vw_h264_slice *s, uint32_t index,
                        const struct vw_h264_picture *pic, const uint8_t *nal, uint32_t nal_size,
                        struct vh_error *err)
{
    REQUIRE(s->reserved == 0, VW_ERR_MALFORMED, SL "reserved is not 0", index);
    for (int i = 0; i < 32; i++) {
        REQUIRE(s->ref_pic_list0[i].reserved == 0, VW_ERR_MALFORMED,
                SL "ref_pic_list0[%d].reserved is not 0", index, i);
        REQUIRE(s->ref_pic_list1[i].reserved == 0, VW_ERR_MALFORMED,
                SL "ref_pic_list1[%d].reserved is not 0", index, i);
    }

    /* The NAL header. */
    REQUIRE((nal[0] & 0x80) == 0, VW_ERR_MALFORMED, SL "forbidden_zero_bit set in NAL header",
            index);
    uint32_t nal_type = nal[0] & 0x1f;
    REQUIRE(nal_type == 1 || nal_type == 5, VW_ERR_MALFORMED,
            SL "NAL unit type %u is not a coded slice (1 or 5)", index, nal_type);
    REQUIRE(nal_size >= 2, VW_ERR_MALFORMED, SL "NAL unit has no slice header", index);
    /* Exactly one NAL unit: no start code inside it (7.4.1 forbids 00 00 00,
     * 00 00 01 and 00 00 02 at any byte position), so that nothing but this
     * slice reaches the decoder behind it, parameter sets least of all (the
     * daemon writes those from the picture parameters it checked). */
    uint32_t at = vh_find_zero_zero(nal, 0, nal_size, 0, 2);
    REQUIRE(at == nal_size, VW_ERR_MALFORMED,
            SL "bytes 00 00 %02x at offset %u of the %u-byte NAL unit: a start code inside the "
               "slice (one NAL unit a slice, H.264 7.4.1)",
            index, at < nal_size ? nal[at + 2] : 0u, at, nal_size);
    REQUIRE(s->slice_data_bit_offset <= (uint64_t)nal_size * 8, VW_ERR_MALFORMED,
            SL "slice_data_bit_offset %u beyond the %u-byte NAL", index,
            s->slice_data_bit_offset, nal_size);

    uint32_t mbs = ((uint32_t)pic->picture_width_in_mbs_minus1 + 1) *
                   ((uint32_t)pic->picture_height_in_mbs_minus1 + 1);
    REQUIRE(s->first_mb_in_slice < mbs, VW_ERR_MALFORMED,
            SL "first_mb_in_slice %u >= %u macroblocks", index, s->first_mb_in_slice, mbs);
    REQUIRE(s->slice_type <= 9, VW_ERR_MALFORMED, SL "slice_type %u > 9", index, s->slice_type);
    REQUIRE(s->num_ref_idx_l0_active_minus1 < 32, VW_ERR_MALFORMED,
            SL "num_ref_idx_l0_active_minus1 %u > 31", index, s->num_ref_idx_l0_active_minus1);
    REQUIRE(s->num_ref_idx_l1_active_minus1 < 32, VW_ERR_MALFORMED,
            SL "num_ref_idx_l1_active_minus1 %u > 31", index, s->num_ref_idx_l1_active_minus1);
    REQUIRE(s->direct_spatial_mv_pred_flag <= 1, VW_ERR_MALFORMED,
            SL "direct_spatial_mv_pred_flag %u", index, s->direct_spatial_mv_pred_flag);
    REQUIRE(s->cabac_init_idc <= 2, VW_ERR_MALFORMED, SL "cabac_init_idc %u > 2", index,
            s->cabac_init_idc);
    int qp = 26 + pic->pic_init_qp_minus26 + s->slice_qp_delta;
    REQUIRE(qp >= 0 && qp <= 51, VW_ERR_MALFORMED,
            SL "slice_qp_delta %d gives QP %d outside 0..51", index, s->slice_qp_delta, qp);
    REQUIRE(s->disable_deblocking_filter_idc <= 2, VW_ERR_MALFORMED,
            SL "disable_deblocking_filter_idc %u > 2", index, s->disable_deblocking_filter_idc);
    REQUIRE(s->slice_alpha_c0_offset_div2 >= -6 && s->slice_alpha_c0_offset_div2 <= 6,
            VW_ERR_MALFORMED, SL "slice_alpha_c0_offset_div2 %d outside -6..6", index,
            s->slice_alpha_c0_offset_div2);
    REQUIRE(s->slice_beta_offset_div2 >= -6 && s->slice_beta_offset_div2 <= 6, VW_ERR_MALFORMED,
            SL "slice_beta_offset_div2 %d outside -6..6", index, s->slice_beta_offset_div2);
    REQUIRE(s->luma_log2_weight_denom <= 7, VW_ERR_MALFORMED, SL "luma_log2_weight_denom %u > 7",
            index, s->luma_log2_weight_denom);
    REQUIRE(s->chroma_log2_weight_denom <= 7, VW_ERR_MALFORMED,
            SL "chroma_log2_weight_denom %u > 7", index, s->chroma_log2_weight_denom);
    REQUIRE(s->luma_weight_l0_flag <= 1 && s->chroma_weight_l0_flag <= 1 &&
                s->luma_weight_l1_flag <= 1 && s->chroma_weight_l1_flag <= 1,
            VW_ERR_MALFORMED, SL "a *_weight_l[01]_flag is not 0/1", index);
    return VW_OK;
}
