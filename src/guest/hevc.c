/* HEVC packer: VAPictureParameterBufferHEVC / VAIQMatrixBufferHEVC /
 * VASliceParameterBufferHEVC -> vw_hevc_picture / _iq_matrix / _slice.
 * ffmpeg sends slice N's parameters together with slice N's data when slice
 * N+1 arrives (the last one at EndPicture, with LastSliceOfPic): each slice
 * buffer still pairs with its own data.
 * Range extension streams (Main 4:2:2 10, Main 4:4:4 (10)) come in the
 * *Extension structs, base struct first, told apart by the buffer's
 * element size (context.c): the picture's RExt part fills
 * vw_hevc_picture.range_extension, the slice's replaces the base's 8-bit
 * weighted prediction offsets (high_precision_offsets_enabled_flag makes
 * them wider). The screen content (SCC) part is not read. */
#include <stddef.h>
#include <string.h>

#include "common/log.h"
#include "guest/codec.h"
#include "guest/surface.h"

#define VG_HEVC_PIC_FLAGS                                                               \
    (VW_HEVC_PIC_INVALID | VW_HEVC_PIC_FIELD_PIC | VW_HEVC_PIC_BOTTOM_FIELD |           \
     VW_HEVC_PIC_LONG_TERM | VW_HEVC_PIC_RPS_ST_CURR_BEFORE | VW_HEVC_PIC_RPS_ST_CURR_AFTER | \
     VW_HEVC_PIC_RPS_LT_CURR)

/* VAPictureParameterBufferHEVCExtension up to its range extension: what a
 * picture buffer holds at least for the range extension to be read (ffmpeg
 * sends the whole struct, screen content part included). */
#define VG_HEVC_PICTURE_EXT_SIZE                                  \
    (offsetof(VAPictureParameterBufferHEVCExtension, rext) +      \
     sizeof(VAPictureParameterBufferHEVCRext))

static_assert(VA_PICTURE_HEVC_INVALID == VW_HEVC_PIC_INVALID &&
              VA_PICTURE_HEVC_FIELD_PIC == VW_HEVC_PIC_FIELD_PIC &&
              VA_PICTURE_HEVC_BOTTOM_FIELD == VW_HEVC_PIC_BOTTOM_FIELD &&
              VA_PICTURE_HEVC_LONG_TERM_REFERENCE == VW_HEVC_PIC_LONG_TERM &&
              VA_PICTURE_HEVC_RPS_ST_CURR_BEFORE == VW_HEVC_PIC_RPS_ST_CURR_BEFORE &&
              VA_PICTURE_HEVC_RPS_ST_CURR_AFTER == VW_HEVC_PIC_RPS_ST_CURR_AFTER &&
              VA_PICTURE_HEVC_RPS_LT_CURR == VW_HEVC_PIC_RPS_LT_CURR,
              "VA and wire picture flags agree");

/* Every valid entry of ReferenceFrames is a picture of the DPB, so it must
 * name a live surface; unused entries (VA_INVALID_SURFACE or the invalid
 * flag) become invalid. */
static VAStatus pack_ref(struct vg_driver *drv, const VAPictureHEVC *in, struct vw_hevc_ref *out)
{
    *out = (struct vw_hevc_ref){.surface_id = VW_INVALID_ID, .pic_order_cnt = in->pic_order_cnt,
                                .flags = in->flags & VG_HEVC_PIC_FLAGS};
    if ((in->flags & VA_PICTURE_HEVC_INVALID) || in->picture_id == VA_INVALID_SURFACE) {
        *out = (struct vw_hevc_ref){.surface_id = VW_INVALID_ID, .flags = VW_HEVC_PIC_INVALID};
        return VA_STATUS_SUCCESS;
    }
    if (!vg_surface_get(drv, in->picture_id)) {
        vc_warn("HEVC: reference picture names unknown surface %u", in->picture_id);
        return VA_STATUS_ERROR_INVALID_SURFACE;
    }
    out->surface_id = in->picture_id;
    return VA_STATUS_SUCCESS;
}

/* The range extension of an extended picture struct. */
static void pack_range_extension(const VAPictureParameterBufferHEVCRext *in,
                                 struct vw_hevc_range_extension *out)
{
#define BIT(x) out->x = in->range_extension_pic_fields.bits.x;
    VW_HEVC_RANGE_EXTENSION_VA_BITS(BIT)
#undef BIT
#define COPY(x) out->x = in->x;
    VW_HEVC_RANGE_EXTENSION_VA_FIELDS(COPY)
#undef COPY
    static_assert(sizeof(out->cb_qp_offset_list) == sizeof(in->cb_qp_offset_list) &&
                  sizeof(out->cr_qp_offset_list) == sizeof(in->cr_qp_offset_list), "qp lists");
    memcpy(out->cb_qp_offset_list, in->cb_qp_offset_list, sizeof(out->cb_qp_offset_list));
    memcpy(out->cr_qp_offset_list, in->cr_qp_offset_list, sizeof(out->cr_qp_offset_list));
}

static VAStatus pack_picture(struct vg_driver *drv, VASurfaceID target, const void *va_in,
                             size_t va_size, void *wire)
{
    const VAPictureParameterBufferHEVC *in = va_in;
    struct vw_hevc_picture *out = wire;
    memset(out, 0, sizeof(*out));

    VAPictureHEVC curr = in->CurrPic;
    curr.picture_id = target;             /* the render target by definition */
    curr.flags &= ~(uint32_t)VA_PICTURE_HEVC_INVALID;
    VAStatus st = pack_ref(drv, &curr, &out->curr_pic);
    for (int i = 0; i < 15 && st == VA_STATUS_SUCCESS; i++)
        st = pack_ref(drv, &in->ReferenceFrames[i], &out->reference_frames[i]);
    if (st)
        return st;

    out->pic_width_in_luma_samples = in->pic_width_in_luma_samples;
    out->pic_height_in_luma_samples = in->pic_height_in_luma_samples;
    const __typeof__(in->pic_fields.bits) *f = &in->pic_fields.bits;
#define BIT(x) out->x = f->x;
    VW_HEVC_PIC_FIELDS_VA_BITS(BIT)
#undef BIT
    out->no_pic_reordering_flag = f->NoPicReorderingFlag;
    out->no_bi_pred_flag = f->NoBiPredFlag;

#define COPY(x) out->x = in->x;
    VW_HEVC_PICTURE_VA_FIELDS(COPY)
#undef COPY
    static_assert(sizeof(out->column_width_minus1) == sizeof(in->column_width_minus1) &&
                  sizeof(out->row_height_minus1) == sizeof(in->row_height_minus1), "tiles");
    memcpy(out->column_width_minus1, in->column_width_minus1, sizeof(out->column_width_minus1));
    memcpy(out->row_height_minus1, in->row_height_minus1, sizeof(out->row_height_minus1));

    const __typeof__(in->slice_parsing_fields.bits) *s = &in->slice_parsing_fields.bits;
#define BIT(x) out->x = s->x;
    VW_HEVC_SLICE_PARSING_VA_BITS(BIT)
#undef BIT
    out->rap_pic_flag = s->RapPicFlag;
    out->idr_pic_flag = s->IdrPicFlag;
    out->intra_pic_flag = s->IntraPicFlag;
    if (va_size >= VG_HEVC_PICTURE_EXT_SIZE)
        pack_range_extension(&((const VAPictureParameterBufferHEVCExtension *)va_in)->rext,
                             &out->range_extension);
    return VA_STATUS_SUCCESS;
}

static VAStatus pack_iq(const void *va_in, const void *va_prob, void *wire)
{
    (void)va_prob;
    const VAIQMatrixBufferHEVC *in = va_in;
    struct vw_hevc_iq_matrix *out = wire;
#define COPY(f, g)                                                    \
    do {                                                              \
        static_assert(sizeof(out->f) == sizeof(in->g), #f " size");   \
        memcpy(out->f, in->g, sizeof(out->f));                        \
    } while (0)
    COPY(scaling_list_4x4, ScalingList4x4);
    COPY(scaling_list_8x8, ScalingList8x8);
    COPY(scaling_list_16x16, ScalingList16x16);
    COPY(scaling_list_32x32, ScalingList32x32);
    COPY(scaling_list_dc_16x16, ScalingListDC16x16);
    COPY(scaling_list_dc_32x32, ScalingListDC32x32);
#undef COPY
    return VA_STATUS_SUCCESS;
}

static VAStatus pack_slice(struct vg_driver *drv, const void *va_in, size_t va_size,
                           void *wire)
{
    (void)drv;
    const VASliceParameterBufferHEVC *in = va_in;
    struct vw_hevc_slice *out = wire;
    memset(out, 0, sizeof(*out));
    out->slice_data_size = in->slice_data_size;
    out->slice_data_offset = in->slice_data_offset;
    out->slice_data_flag = in->slice_data_flag;
    out->slice_data_byte_offset = in->slice_data_byte_offset;
    out->slice_segment_address = in->slice_segment_address;
    static_assert(sizeof(out->ref_pic_list) == sizeof(in->RefPicList), "RefPicList");
    memcpy(out->ref_pic_list, in->RefPicList, sizeof(out->ref_pic_list));
    const __typeof__(in->LongSliceFlags.fields) *f = &in->LongSliceFlags.fields;
#define BIT(x) out->x = f->x;
    VW_HEVC_LONG_SLICE_VA_BITS(BIT)
#undef BIT
    out->last_slice_of_pic = f->LastSliceOfPic;
#define COPY(x) out->x = in->x;
    VW_HEVC_SLICE_VA_FIELDS(COPY)
#undef COPY
    memcpy(out->delta_luma_weight_l0, in->delta_luma_weight_l0, 15);
    memcpy(out->delta_luma_weight_l1, in->delta_luma_weight_l1, 15);
    memcpy(out->delta_chroma_weight_l0, in->delta_chroma_weight_l0, 30);
    memcpy(out->delta_chroma_weight_l1, in->delta_chroma_weight_l1, 30);
    if (va_size >= sizeof(VASliceParameterBufferHEVCExtension)) {
        /* The range extension's offsets, 16 bits wide, replace the base's. */
        const VASliceParameterBufferHEVCRext *x =
            &((const VASliceParameterBufferHEVCExtension *)va_in)->rext;
        static_assert(sizeof(out->luma_offset_l0) == sizeof(x->luma_offset_l0) &&
                      sizeof(out->chroma_offset_l0) == sizeof(x->ChromaOffsetL0) &&
                      sizeof(out->luma_offset_l1) == sizeof(x->luma_offset_l1) &&
                      sizeof(out->chroma_offset_l1) == sizeof(x->ChromaOffsetL1), "offsets");
        memcpy(out->luma_offset_l0, x->luma_offset_l0, sizeof(out->luma_offset_l0));
        memcpy(out->chroma_offset_l0, x->ChromaOffsetL0, sizeof(out->chroma_offset_l0));
        memcpy(out->luma_offset_l1, x->luma_offset_l1, sizeof(out->luma_offset_l1));
        memcpy(out->chroma_offset_l1, x->ChromaOffsetL1, sizeof(out->chroma_offset_l1));
        out->cu_chroma_qp_offset_enabled_flag =
            x->slice_ext_flags.bits.cu_chroma_qp_offset_enabled_flag;
        return VA_STATUS_SUCCESS;
    }
    for (int i = 0; i < 15; i++) {
        out->luma_offset_l0[i] = in->luma_offset_l0[i];
        out->luma_offset_l1[i] = in->luma_offset_l1[i];
        for (int j = 0; j < 2; j++) {
            out->chroma_offset_l0[i][j] = in->ChromaOffsetL0[i][j];
            out->chroma_offset_l1[i][j] = in->ChromaOffsetL1[i][j];
        }
    }
    return VA_STATUS_SUCCESS;
}

const struct vg_codec vg_codec_hevc = {
    .name = "HEVC",
    .vw_codec = VW_CODEC_HEVC,
    .va_picture_size = sizeof(VAPictureParameterBufferHEVC),
    .va_iq_size = sizeof(VAIQMatrixBufferHEVC),
    .va_slice_size = sizeof(VASliceParameterBufferHEVC),
    .va_picture_ext_size = VG_HEVC_PICTURE_EXT_SIZE,
    .va_slice_ext_size = sizeof(VASliceParameterBufferHEVCExtension),
    .wire_picture_size = sizeof(struct vw_hevc_picture),
    .wire_picture_size_v11 = VW_HEVC_PICTURE_V11_SIZE,
    .wire_iq_size = sizeof(struct vw_hevc_iq_matrix),
    .wire_slice_size = sizeof(struct vw_hevc_slice),
    .pack_picture = pack_picture,
    .pack_iq = pack_iq,
    .pack_slice = pack_slice,
};
