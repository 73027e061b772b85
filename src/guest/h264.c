/* H.264 packer: VAPictureParameterBufferH264 / VAIQMatrixBufferH264 /
 * VASliceParameterBufferH264 -> vw_h264_picture / _iq_matrix / _slice. */
#include <string.h>

#include "common/log.h"
#include "guest/codec.h"
#include "guest/surface.h"

#define VG_H264_PIC_FLAGS \
    (VW_H264_PIC_INVALID | VW_H264_PIC_TOP_FIELD | VW_H264_PIC_BOTTOM_FIELD | \
     VW_H264_PIC_SHORT_TERM | VW_H264_PIC_LONG_TERM)

static_assert(VA_PICTURE_H264_INVALID == VW_H264_PIC_INVALID &&
              VA_PICTURE_H264_TOP_FIELD == VW_H264_PIC_TOP_FIELD &&
              VA_PICTURE_H264_BOTTOM_FIELD == VW_H264_PIC_BOTTOM_FIELD &&
              VA_PICTURE_H264_SHORT_TERM_REFERENCE == VW_H264_PIC_SHORT_TERM &&
              VA_PICTURE_H264_LONG_TERM_REFERENCE == VW_H264_PIC_LONG_TERM,
              "VA and wire picture flags agree");

/* An entry flagged as a reference must name a live surface; anything else
 * that names no surface (apps leave unused entries zeroed) becomes invalid. */
static VAStatus pack_ref(struct vg_driver *drv, const VAPictureH264 *in, struct vw_h264_ref *out)
{
    uint32_t flags = in->flags & VG_H264_PIC_FLAGS;
    *out = (struct vw_h264_ref){.surface_id = VW_INVALID_ID, .frame_idx = in->frame_idx,
                                .flags = flags, .top_field_order_cnt = in->TopFieldOrderCnt,
                                .bottom_field_order_cnt = in->BottomFieldOrderCnt};
    if ((flags & VW_H264_PIC_INVALID) || in->picture_id == VA_INVALID_SURFACE) {
        out->flags = VW_H264_PIC_INVALID;
        return VA_STATUS_SUCCESS;
    }
    if (!vg_surface_get(drv, in->picture_id)) {
        if (flags & (VW_H264_PIC_SHORT_TERM | VW_H264_PIC_LONG_TERM)) {
            vc_warn("H.264: reference picture names unknown surface %u", in->picture_id);
            return VA_STATUS_ERROR_INVALID_SURFACE;
        }
        out->flags = VW_H264_PIC_INVALID;
        return VA_STATUS_SUCCESS;
    }
    out->surface_id = in->picture_id;
    return VA_STATUS_SUCCESS;
}

static VAStatus pack_picture(struct vg_driver *drv, VASurfaceID target, const void *va_in,
                             size_t va_size, void *wire)
{
    const VAPictureParameterBufferH264 *in = va_in;
    struct vw_h264_picture *out = wire;
    memset(out, 0, sizeof(*out));

    /* The current picture is the render target by definition. */
    VAPictureH264 curr = in->CurrPic;
    curr.picture_id = target;
    curr.flags &= ~(uint32_t)VA_PICTURE_H264_INVALID;
    VAStatus st = pack_ref(drv, &curr, &out->curr_pic);
    for (int i = 0; i < 16 && st == VA_STATUS_SUCCESS; i++)
        st = pack_ref(drv, &in->ReferenceFrames[i], &out->reference_frames[i]);
    if (st)
        return st;

    out->picture_width_in_mbs_minus1 = in->picture_width_in_mbs_minus1;
    out->picture_height_in_mbs_minus1 = in->picture_height_in_mbs_minus1;
    out->bit_depth_luma_minus8 = in->bit_depth_luma_minus8;
    out->bit_depth_chroma_minus8 = in->bit_depth_chroma_minus8;
    out->num_ref_frames = in->num_ref_frames;

    const __typeof__(in->seq_fields.bits) *sf = &in->seq_fields.bits;
    out->chroma_format_idc = sf->chroma_format_idc;
    out->residual_colour_transform_flag = sf->residual_colour_transform_flag;
    out->gaps_in_frame_num_value_allowed_flag = sf->gaps_in_frame_num_value_allowed_flag;
    out->frame_mbs_only_flag = sf->frame_mbs_only_flag;
    out->mb_adaptive_frame_field_flag = sf->mb_adaptive_frame_field_flag;
    out->direct_8x8_inference_flag = sf->direct_8x8_inference_flag;
    out->min_luma_bi_pred_size8x8 = sf->MinLumaBiPredSize8x8;
    out->log2_max_frame_num_minus4 = sf->log2_max_frame_num_minus4;
    out->pic_order_cnt_type = sf->pic_order_cnt_type;
    out->log2_max_pic_order_cnt_lsb_minus4 = sf->log2_max_pic_order_cnt_lsb_minus4;
    out->delta_pic_order_always_zero_flag = sf->delta_pic_order_always_zero_flag;

    out->pic_init_qp_minus26 = in->pic_init_qp_minus26;
    out->pic_init_qs_minus26 = in->pic_init_qs_minus26;
    out->chroma_qp_index_offset = in->chroma_qp_index_offset;
    out->second_chroma_qp_index_offset = in->second_chroma_qp_index_offset;

    const __typeof__(in->pic_fields.bits) *pf = &in->pic_fields.bits;
    out->entropy_coding_mode_flag = pf->entropy_coding_mode_flag;
    out->weighted_pred_flag = pf->weighted_pred_flag;
    out->weighted_bipred_idc = pf->weighted_bipred_idc;
    out->transform_8x8_mode_flag = pf->transform_8x8_mode_flag;
    out->field_pic_flag = pf->field_pic_flag;
    out->constrained_intra_pred_flag = pf->constrained_intra_pred_flag;
    out->pic_order_present_flag = pf->pic_order_present_flag;
    out->deblocking_filter_control_present_flag = pf->deblocking_filter_control_present_flag;
    out->redundant_pic_cnt_present_flag = pf->redundant_pic_cnt_present_flag;
    out->reference_pic_flag = pf->reference_pic_flag;
    out->frame_num = in->frame_num;

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    out->num_slice_groups_minus1 = in->num_slice_groups_minus1;
    out->slice_group_map_type = in->slice_group_map_type;
    out->slice_group_change_rate_minus1 = in->slice_group_change_rate_minus1;
#pragma GCC diagnostic pop

    /* What the wire (and NV12 surfaces) cannot carry. */
    if (out->num_slice_groups_minus1 != 0) {
        vc_warn("H.264: slice groups (FMO) are not supported");
        return VA_STATUS_ERROR_INVALID_PARAMETER;
    }
    if (out->chroma_format_idc != 1 || out->bit_depth_luma_minus8 || out->bit_depth_chroma_minus8) {
        vc_warn("H.264: only 8-bit 4:2:0 is supported (chroma_format_idc %u, bit depth %u/%u)",
                out->chroma_format_idc, out->bit_depth_luma_minus8 + 8,
                out->bit_depth_chroma_minus8 + 8);
        return VA_STATUS_ERROR_INVALID_PARAMETER;
    }
    if (out->num_ref_frames > 16) {
        vc_warn("H.264: num_ref_frames %u > 16", out->num_ref_frames);
        return VA_STATUS_ERROR_INVALID_PARAMETER;
    }
    return VA_STATUS_SUCCESS;
}

static VAStatus pack_iq(const void *va_in, const void *va_prob, void *wire)
{
    const VAIQMatrixBufferH264 *in = va_in;
    struct vw_h264_iq_matrix *out = wire;
    static_assert(sizeof(out->scaling_list_4x4) == sizeof(in->ScalingList4x4), "4x4 lists");
    static_assert(sizeof(out->scaling_list_8x8) == sizeof(in->ScalingList8x8), "8x8 lists");
    memcpy(out->scaling_list_4x4, in->ScalingList4x4, sizeof(out->scaling_list_4x4));
    memcpy(out->scaling_list_8x8, in->ScalingList8x8, sizeof(out->scaling_list_8x8));
    return VA_STATUS_SUCCESS;
}

static VAStatus pack_slice(struct vg_driver *drv, const void *va_in, size_t va_size,
                           void *wire)
{
    const VASliceParameterBufferH264 *in = va_in;
    struct vw_h264_slice *out = wire;
    memset(out, 0, sizeof(*out));
    out->slice_data_size = in->slice_data_size;
    out->slice_data_offset = in->slice_data_offset;
    out->slice_data_flag = in->slice_data_flag;
#define SCALAR(f) out->f = in->f;
    VW_H264_SLICE_VA_SCALARS(SCALAR)
#undef SCALAR

    if (in->slice_type > 9 || in->num_ref_idx_l0_active_minus1 > 31 ||
        in->num_ref_idx_l1_active_minus1 > 31 || in->cabac_init_idc > 2 ||
        in->disable_deblocking_filter_idc > 2 || in->luma_log2_weight_denom > 7 ||
        in->chroma_log2_weight_denom > 7) {
        vc_warn("H.264: slice parameters out of range (type %u, refs %u/%u)", in->slice_type,
                in->num_ref_idx_l0_active_minus1 + 1, in->num_ref_idx_l1_active_minus1 + 1);
        return VA_STATUS_ERROR_INVALID_PARAMETER;
    }
    for (int i = 0; i < 32; i++) {
        VAStatus st = pack_ref(drv, &in->RefPicList0[i], &out->ref_pic_list0[i]);
        if (!st)
            st = pack_ref(drv, &in->RefPicList1[i], &out->ref_pic_list1[i]);
        if (st)
            return st;
    }
    memcpy(out->luma_weight_l0, in->luma_weight_l0, sizeof(out->luma_weight_l0));
    memcpy(out->luma_offset_l0, in->luma_offset_l0, sizeof(out->luma_offset_l0));
    memcpy(out->chroma_weight_l0, in->chroma_weight_l0, sizeof(out->chroma_weight_l0));
    memcpy(out->chroma_offset_l0, in->chroma_offset_l0, sizeof(out->chroma_offset_l0));
    memcpy(out->luma_weight_l1, in->luma_weight_l1, sizeof(out->luma_weight_l1));
    memcpy(out->luma_offset_l1, in->luma_offset_l1, sizeof(out->luma_offset_l1));
    memcpy(out->chroma_weight_l1, in->chroma_weight_l1, sizeof(out->chroma_weight_l1));
    memcpy(out->chroma_offset_l1, in->chroma_offset_l1, sizeof(out->chroma_offset_l1));
    return VA_STATUS_SUCCESS;
}

const struct vg_codec vg_codec_h264 = {
    .name = "H.264",
    .vw_codec = VW_CODEC_H264,
    .va_picture_size = sizeof(VAPictureParameterBufferH264),
    .va_iq_size = sizeof(VAIQMatrixBufferH264),
    .va_slice_size = sizeof(VASliceParameterBufferH264),
    .wire_picture_size = sizeof(struct vw_h264_picture),
    .wire_iq_size = sizeof(struct vw_h264_iq_matrix),
    .wire_slice_size = sizeof(struct vw_h264_slice),
    .pack_picture = pack_picture,
    .pack_iq = pack_iq,
    .pack_slice = pack_slice,
};
