/* H.264 on the host's VA driver: the wire structs go back, field for
 * field, into the VA structs the guest's driver made them from
 * (src/guest/h264.c is the other way), with guest surface ids replaced by
 * the host driver's; each slice's NAL goes to the driver as it came. */
#include <string.h>

#include "host/engines/vaapi/vaapi_internal.h"

static_assert(VA_PICTURE_H264_INVALID == VW_H264_PIC_INVALID &&
                  VA_PICTURE_H264_TOP_FIELD == VW_H264_PIC_TOP_FIELD &&
                  VA_PICTURE_H264_BOTTOM_FIELD == VW_H264_PIC_BOTTOM_FIELD &&
                  VA_PICTURE_H264_SHORT_TERM_REFERENCE == VW_H264_PIC_SHORT_TERM &&
                  VA_PICTURE_H264_LONG_TERM_REFERENCE == VW_H264_PIC_LONG_TERM,
              "VA and wire picture flags agree");

static VAPictureH264 invalid_picture(void)
{
    return (VAPictureH264){.picture_id = VA_INVALID_SURFACE, .flags = VA_PICTURE_H264_INVALID};
}

static VAPictureH264 va_picture(const struct vw_h264_ref *in, const struct vh_surface *surface)
{
    if (!surface || (in->flags & VW_H264_PIC_INVALID))
        return invalid_picture();
    return (VAPictureH264){.picture_id = vaapi_surface_id(surface),
                           .frame_idx = in->frame_idx,
                           .flags = in->flags,
                           .TopFieldOrderCnt = in->top_field_order_cnt,
                           .BottomFieldOrderCnt = in->bottom_field_order_cnt};
}

/* The surface a reference list entry names: one of the picture's reference
 * frames (the core resolved those), or the target itself (a second
 * field's reference to its first). NULL with err set when it names
 * another: the host driver would be given a picture it does not hold as a
 * reference, and the result could be wrong rather than refused. */
static const struct vh_surface *list_surface(const struct vh_picture *pic,
                                             const struct vw_h264_ref *entry, const char *list,
                                             int index, struct vh_error *err)
{
    const struct vw_h264_picture *p = pic->h264;
    for (int i = 0; i < 16; i++)
        if (pic->refs[i] && !(p->reference_frames[i].flags & VW_H264_PIC_INVALID) &&
            p->reference_frames[i].surface_id == entry->surface_id)
            return pic->refs[i];
    if (entry->surface_id == p->curr_pic.surface_id)
        return pic->target;
    vh_error_set(err, VW_ERR_UNSUPPORTED_STREAM,
                 "vaapi: H.264 %s[%d] names surface %u, which is not among the picture's "
                 "reference frames", list, index, entry->surface_id);
    return NULL;
}

static void picture_params(const struct vh_picture *pic, void *params)
{
    const struct vw_h264_picture *in = pic->h264;
    VAPictureParameterBufferH264 *out = params;
    memset(out, 0, sizeof(*out));
    out->CurrPic = va_picture(&in->curr_pic, pic->target);
    for (int i = 0; i < 16; i++)
        out->ReferenceFrames[i] = va_picture(&in->reference_frames[i], pic->refs[i]);
    out->picture_width_in_mbs_minus1 = in->picture_width_in_mbs_minus1;
    out->picture_height_in_mbs_minus1 = in->picture_height_in_mbs_minus1;
    out->bit_depth_luma_minus8 = in->bit_depth_luma_minus8;
    out->bit_depth_chroma_minus8 = in->bit_depth_chroma_minus8;
    out->num_ref_frames = in->num_ref_frames;

    __typeof__(out->seq_fields.bits) *sf = &out->seq_fields.bits;
    sf->chroma_format_idc = in->chroma_format_idc;
    sf->residual_colour_transform_flag = in->residual_colour_transform_flag;
    sf->gaps_in_frame_num_value_allowed_flag = in->gaps_in_frame_num_value_allowed_flag;
    sf->frame_mbs_only_flag = in->frame_mbs_only_flag;
    sf->mb_adaptive_frame_field_flag = in->mb_adaptive_frame_field_flag;
    sf->direct_8x8_inference_flag = in->direct_8x8_inference_flag;
    sf->MinLumaBiPredSize8x8 = in->min_luma_bi_pred_size8x8;
    sf->log2_max_frame_num_minus4 = in->log2_max_frame_num_minus4;
    sf->pic_order_cnt_type = in->pic_order_cnt_type;
    sf->log2_max_pic_order_cnt_lsb_minus4 = in->log2_max_pic_order_cnt_lsb_minus4;
    sf->delta_pic_order_always_zero_flag = in->delta_pic_order_always_zero_flag;

    out->pic_init_qp_minus26 = in->pic_init_qp_minus26;
    out->pic_init_qs_minus26 = in->pic_init_qs_minus26;
    out->chroma_qp_index_offset = in->chroma_qp_index_offset;
    out->second_chroma_qp_index_offset = in->second_chroma_qp_index_offset;

    __typeof__(out->pic_fields.bits) *pf = &out->pic_fields.bits;
    pf->entropy_coding_mode_flag = in->entropy_coding_mode_flag;
    pf->weighted_pred_flag = in->weighted_pred_flag;
    pf->weighted_bipred_idc = in->weighted_bipred_idc;
    pf->transform_8x8_mode_flag = in->transform_8x8_mode_flag;
    pf->field_pic_flag = in->field_pic_flag;
    pf->constrained_intra_pred_flag = in->constrained_intra_pred_flag;
    pf->pic_order_present_flag = in->pic_order_present_flag;
    pf->deblocking_filter_control_present_flag = in->deblocking_filter_control_present_flag;
    pf->redundant_pic_cnt_present_flag = in->redundant_pic_cnt_present_flag;
    pf->reference_pic_flag = in->reference_pic_flag;
    out->frame_num = in->frame_num;
    /* Slice groups (FMO): refused at the front door (validate_h264.c). */
}

static int slice_params(const struct vh_picture *pic, const struct vh_slice *slice, void *params,
                        struct vh_error *err)
{
    const struct vw_h264_slice *in = slice->h264;
    VASliceParameterBufferH264 *out = params;
    memset(out, 0, sizeof(*out));
#define SCALAR(f) out->f = in->f;
    VW_H264_SLICE_VA_SCALARS(SCALAR)
#undef SCALAR
    for (int i = 0; i < 32; i++) {
        const struct vw_h264_ref *l0 = &in->ref_pic_list0[i], *l1 = &in->ref_pic_list1[i];
        out->RefPicList0[i] = invalid_picture();
        out->RefPicList1[i] = invalid_picture();
        const struct vh_surface *s;
        if (!(l0->flags & VW_H264_PIC_INVALID)) {
            if (!(s = list_surface(pic, l0, "RefPicList0", i, err)))
                return err->status;
            out->RefPicList0[i] = va_picture(l0, s);
        }
        if (!(l1->flags & VW_H264_PIC_INVALID)) {
            if (!(s = list_surface(pic, l1, "RefPicList1", i, err)))
                return err->status;
            out->RefPicList1[i] = va_picture(l1, s);
        }
    }
    static_assert(sizeof(out->luma_weight_l0) == sizeof(in->luma_weight_l0) &&
                      sizeof(out->chroma_weight_l0) == sizeof(in->chroma_weight_l0) &&
                      sizeof(out->chroma_offset_l1) == sizeof(in->chroma_offset_l1),
                  "weight tables of the same shape");
    memcpy(out->luma_weight_l0, in->luma_weight_l0, sizeof(out->luma_weight_l0));
    memcpy(out->luma_offset_l0, in->luma_offset_l0, sizeof(out->luma_offset_l0));
    memcpy(out->chroma_weight_l0, in->chroma_weight_l0, sizeof(out->chroma_weight_l0));
    memcpy(out->chroma_offset_l0, in->chroma_offset_l0, sizeof(out->chroma_offset_l0));
    memcpy(out->luma_weight_l1, in->luma_weight_l1, sizeof(out->luma_weight_l1));
    memcpy(out->luma_offset_l1, in->luma_offset_l1, sizeof(out->luma_offset_l1));
    memcpy(out->chroma_weight_l1, in->chroma_weight_l1, sizeof(out->chroma_weight_l1));
    memcpy(out->chroma_offset_l1, in->chroma_offset_l1, sizeof(out->chroma_offset_l1));
    return VW_OK;
}

static bool h264_iq(const struct vh_picture *pic, void *out)
{
    if (!pic->h264_iq)
        return false;
    VAIQMatrixBufferH264 *iq = out;
    memset(iq, 0, sizeof(*iq));
    static_assert(sizeof(iq->ScalingList4x4) == sizeof(pic->h264_iq->scaling_list_4x4) &&
                      sizeof(iq->ScalingList8x8) == sizeof(pic->h264_iq->scaling_list_8x8),
                  "scaling lists of the same shape");
    memcpy(iq->ScalingList4x4, pic->h264_iq->scaling_list_4x4, sizeof(iq->ScalingList4x4));
    memcpy(iq->ScalingList8x8, pic->h264_iq->scaling_list_8x8, sizeof(iq->ScalingList8x8));
    return true;
}

static_assert(sizeof(VAPictureParameterBufferH264) <= VAAPI_PARAMS_MAX &&
                  sizeof(VAIQMatrixBufferH264) <= VAAPI_PARAMS_MAX &&
                  sizeof(VASliceParameterBufferH264) <= VAAPI_PARAMS_MAX,
              "VA's H.264 structs fit the engine's scratch");

const struct vaapi_codec_class vaapi_h264_class = {
    .name = "H.264",
    .picture_size = sizeof(VAPictureParameterBufferH264),
    .iq_size = sizeof(VAIQMatrixBufferH264),
    .slice_size = sizeof(VASliceParameterBufferH264),
    .picture = picture_params,
    .iq = h264_iq,
    .slice = slice_params,
};
