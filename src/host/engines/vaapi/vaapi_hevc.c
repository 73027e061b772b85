/* HEVC on the host's VA driver: the wire structs back into VA's
 * (src/guest/hevc.c is the other way), each slice's NAL as it came (the
 * core strips a start code). Main and Main 10 go in the base structs, which
 * cannot carry the range extension's fields: a picture or slice of theirs
 * that sets one is refused, never decoded without it. The range extension
 * profiles (Main 4:2:2 10, Main 4:4:4, Main 4:4:4 10) go in the *Extension
 * structs, as FFmpeg sends them (screen content part zero). */
#include <stddef.h>
#include <string.h>

#include "host/engines/vaapi/vaapi_internal.h"

static_assert(VA_PICTURE_HEVC_INVALID == VW_HEVC_PIC_INVALID &&
                  VA_PICTURE_HEVC_FIELD_PIC == VW_HEVC_PIC_FIELD_PIC &&
                  VA_PICTURE_HEVC_BOTTOM_FIELD == VW_HEVC_PIC_BOTTOM_FIELD &&
                  VA_PICTURE_HEVC_LONG_TERM_REFERENCE == VW_HEVC_PIC_LONG_TERM &&
                  VA_PICTURE_HEVC_RPS_ST_CURR_BEFORE == VW_HEVC_PIC_RPS_ST_CURR_BEFORE &&
                  VA_PICTURE_HEVC_RPS_ST_CURR_AFTER == VW_HEVC_PIC_RPS_ST_CURR_AFTER &&
                  VA_PICTURE_HEVC_RPS_LT_CURR == VW_HEVC_PIC_RPS_LT_CURR,
              "VA and wire picture flags agree");

static VAPictureHEVC va_picture(const struct vw_hevc_ref *in, const struct vh_surface *surface)
{
    if (!surface || (in->flags & VW_HEVC_PIC_INVALID))
        return (VAPictureHEVC){.picture_id = VA_INVALID_SURFACE,
                               .flags = VA_PICTURE_HEVC_INVALID};
    return (VAPictureHEVC){.picture_id = vaapi_surface_id(surface),
                           .pic_order_cnt = in->pic_order_cnt,
                           .flags = in->flags};
}

static void picture_params(const struct vh_picture *pic, void *params)
{
    const struct vw_hevc_picture *in = pic->hevc;
    VAPictureParameterBufferHEVC *out = params;
    memset(out, 0, sizeof(*out));
    out->CurrPic = va_picture(&in->curr_pic, pic->target);
    /* refs[0..15): reference_frames resolved (engine.h). */
    for (int i = 0; i < 15; i++)
        out->ReferenceFrames[i] = va_picture(&in->reference_frames[i], pic->refs[i]);
    out->pic_width_in_luma_samples = in->pic_width_in_luma_samples;
    out->pic_height_in_luma_samples = in->pic_height_in_luma_samples;

    __typeof__(out->pic_fields.bits) *f = &out->pic_fields.bits;
#define BIT(x) f->x = in->x;
    VW_HEVC_PIC_FIELDS_VA_BITS(BIT)
#undef BIT
    f->NoPicReorderingFlag = in->no_pic_reordering_flag;
    f->NoBiPredFlag = in->no_bi_pred_flag;

#define COPY(x) out->x = in->x;
    VW_HEVC_PICTURE_VA_FIELDS(COPY)
#undef COPY
    static_assert(sizeof(out->column_width_minus1) == sizeof(in->column_width_minus1) &&
                      sizeof(out->row_height_minus1) == sizeof(in->row_height_minus1),
                  "tile sizes of the same shape");
    memcpy(out->column_width_minus1, in->column_width_minus1, sizeof(out->column_width_minus1));
    memcpy(out->row_height_minus1, in->row_height_minus1, sizeof(out->row_height_minus1));

    __typeof__(out->slice_parsing_fields.bits) *s = &out->slice_parsing_fields.bits;
#define BIT(x) s->x = in->x;
    VW_HEVC_SLICE_PARSING_VA_BITS(BIT)
#undef BIT
    s->RapPicFlag = in->rap_pic_flag;
    s->IdrPicFlag = in->idr_pic_flag;
    s->IntraPicFlag = in->intra_pic_flag;
}

static bool iq_matrix(const struct vh_picture *pic, void *params)
{
    const struct vw_hevc_iq_matrix *in = pic->hevc_iq;
    if (!in)
        return false;
    VAIQMatrixBufferHEVC *out = params;
    memset(out, 0, sizeof(*out));
#define COPY(f, g)                                                              \
    static_assert(sizeof(out->g) == sizeof(in->f), #f " of the same shape");     \
    memcpy(out->g, in->f, sizeof(out->g));
    COPY(scaling_list_4x4, ScalingList4x4)
    COPY(scaling_list_8x8, ScalingList8x8)
    COPY(scaling_list_16x16, ScalingList16x16)
    COPY(scaling_list_32x32, ScalingList32x32)
    COPY(scaling_list_dc_16x16, ScalingListDC16x16)
    COPY(scaling_list_dc_32x32, ScalingListDC32x32)
#undef COPY
    return true;
}

static void picture_params_rext(const struct vh_picture *pic, void *params)
{
    VAPictureParameterBufferHEVCExtension *out = params;
    memset(out, 0, sizeof(*out));
    picture_params(pic, &out->base);
    const struct vw_hevc_range_extension *in = &pic->hevc->range_extension;
    VAPictureParameterBufferHEVCRext *x = &out->rext;
#define BIT(f) x->range_extension_pic_fields.bits.f = in->f;
    VW_HEVC_RANGE_EXTENSION_VA_BITS(BIT)
#undef BIT
#define COPY(f) x->f = in->f;
    VW_HEVC_RANGE_EXTENSION_VA_FIELDS(COPY)
#undef COPY
    static_assert(sizeof(x->cb_qp_offset_list) == sizeof(in->cb_qp_offset_list) &&
                      sizeof(x->cr_qp_offset_list) == sizeof(in->cr_qp_offset_list),
                  "qp offset lists of the same shape");
    memcpy(x->cb_qp_offset_list, in->cb_qp_offset_list, sizeof(x->cb_qp_offset_list));
    memcpy(x->cr_qp_offset_list, in->cr_qp_offset_list, sizeof(x->cr_qp_offset_list));
}

static bool fits_int8(int v)
{
    return v >= -128 && v <= 127;
}

/* The base struct's weighted prediction offsets are 8 bits: wider ones
 * come with the range extension's high_precision_offsets_enabled_flag. */
static int copy_offsets(const struct vw_hevc_slice *in, VASliceParameterBufferHEVC *out,
                        struct vh_error *err)
{
    for (int i = 0; i < 15; i++) {
        int l[2] = {in->luma_offset_l0[i], in->luma_offset_l1[i]};
        int c[4] = {in->chroma_offset_l0[i][0], in->chroma_offset_l0[i][1],
                    in->chroma_offset_l1[i][0], in->chroma_offset_l1[i][1]};
        if (!fits_int8(l[0]) || !fits_int8(l[1]) || !fits_int8(c[0]) || !fits_int8(c[1]) ||
            !fits_int8(c[2]) || !fits_int8(c[3]))
            return vh_error_set(err, VW_ERR_UNSUPPORTED_STREAM,
                                "vaapi: HEVC weighted prediction offset of entry %d outside "
                                "-128..127 (high precision offsets: range extension, not "
                                "supported)", i);
        out->luma_offset_l0[i] = (int8_t)l[0];
        out->luma_offset_l1[i] = (int8_t)l[1];
        out->ChromaOffsetL0[i][0] = (int8_t)c[0];
        out->ChromaOffsetL0[i][1] = (int8_t)c[1];
        out->ChromaOffsetL1[i][0] = (int8_t)c[2];
        out->ChromaOffsetL1[i][1] = (int8_t)c[3];
    }
    return VW_OK;
}

/* The base struct's fields but the weighted prediction offsets. */
static void slice_base(const struct vw_hevc_slice *in, VASliceParameterBufferHEVC *out)
{
    out->slice_data_byte_offset = in->slice_data_byte_offset;
    out->slice_segment_address = in->slice_segment_address;
    /* Indices into ReferenceFrames, as on the wire. */
    static_assert(sizeof(out->RefPicList) == sizeof(in->ref_pic_list), "RefPicList's shape");
    memcpy(out->RefPicList, in->ref_pic_list, sizeof(out->RefPicList));
    __typeof__(out->LongSliceFlags.fields) *f = &out->LongSliceFlags.fields;
#define BIT(x) f->x = in->x;
    VW_HEVC_LONG_SLICE_VA_BITS(BIT)
#undef BIT
    f->LastSliceOfPic = in->last_slice_of_pic;
#define COPY(x) out->x = in->x;
    VW_HEVC_SLICE_VA_FIELDS(COPY)
#undef COPY
    static_assert(sizeof(out->delta_luma_weight_l0) == sizeof(in->delta_luma_weight_l0) &&
                      sizeof(out->delta_chroma_weight_l1) == sizeof(in->delta_chroma_weight_l1),
                  "weights of the same shape");
    memcpy(out->delta_luma_weight_l0, in->delta_luma_weight_l0, sizeof(out->delta_luma_weight_l0));
    memcpy(out->delta_luma_weight_l1, in->delta_luma_weight_l1, sizeof(out->delta_luma_weight_l1));
    memcpy(out->delta_chroma_weight_l0, in->delta_chroma_weight_l0,
           sizeof(out->delta_chroma_weight_l0));
    memcpy(out->delta_chroma_weight_l1, in->delta_chroma_weight_l1,
           sizeof(out->delta_chroma_weight_l1));
}

static int slice_params(const struct vh_picture *pic, const struct vh_slice *slice, void *params,
                        struct vh_error *err)
{
    static const struct vw_hevc_range_extension none;
    if (memcmp(&pic->hevc->range_extension, &none, sizeof(none)) != 0)
        return vh_error_set(err, VW_ERR_UNSUPPORTED_STREAM,
                            "vaapi: HEVC range extension fields set in a Main or Main 10 "
                            "stream");
    const struct vw_hevc_slice *in = slice->hevc;
    if (in->cu_chroma_qp_offset_enabled_flag)
        return vh_error_set(err, VW_ERR_UNSUPPORTED_STREAM,
                            "vaapi: HEVC cu_chroma_qp_offset_enabled_flag (range extension) in "
                            "a Main or Main 10 stream");
    VASliceParameterBufferHEVC *out = params;
    memset(out, 0, sizeof(*out));
    slice_base(in, out);
    return copy_offsets(in, out, err);
}

/* The range extension's offsets are 16 bits wide; the base struct gets
 * their low 8 bits, as FFmpeg gives them. */
static int slice_params_rext(const struct vh_picture *pic, const struct vh_slice *slice,
                             void *params, struct vh_error *err)
{
    const struct vw_hevc_slice *in = slice->hevc;
    VASliceParameterBufferHEVCExtension *out = params;
    memset(out, 0, sizeof(*out));
    slice_base(in, &out->base);
    VASliceParameterBufferHEVCRext *x = &out->rext;
    static_assert(sizeof(x->luma_offset_l0) == sizeof(in->luma_offset_l0) &&
                      sizeof(x->ChromaOffsetL0) == sizeof(in->chroma_offset_l0) &&
                      sizeof(x->luma_offset_l1) == sizeof(in->luma_offset_l1) &&
                      sizeof(x->ChromaOffsetL1) == sizeof(in->chroma_offset_l1),
                  "offsets of the same shape");
    memcpy(x->luma_offset_l0, in->luma_offset_l0, sizeof(x->luma_offset_l0));
    memcpy(x->ChromaOffsetL0, in->chroma_offset_l0, sizeof(x->ChromaOffsetL0));
    memcpy(x->luma_offset_l1, in->luma_offset_l1, sizeof(x->luma_offset_l1));
    memcpy(x->ChromaOffsetL1, in->chroma_offset_l1, sizeof(x->ChromaOffsetL1));
    x->slice_ext_flags.bits.cu_chroma_qp_offset_enabled_flag =
        in->cu_chroma_qp_offset_enabled_flag;
    for (int i = 0; i < 15; i++) {
        out->base.luma_offset_l0[i] = (int8_t)in->luma_offset_l0[i];
        out->base.luma_offset_l1[i] = (int8_t)in->luma_offset_l1[i];
        for (int j = 0; j < 2; j++) {
            out->base.ChromaOffsetL0[i][j] = (int8_t)in->chroma_offset_l0[i][j];
            out->base.ChromaOffsetL1[i][j] = (int8_t)in->chroma_offset_l1[i][j];
        }
    }
    return VW_OK;
}

static_assert(sizeof(VAPictureParameterBufferHEVCExtension) <= VAAPI_PARAMS_MAX &&
                  sizeof(VASliceParameterBufferHEVCExtension) <= VAAPI_PARAMS_MAX &&
                  offsetof(VASliceParameterBufferHEVCExtension, base) == 0,
              "VA's HEVC extension structs fit the engine's scratch, base struct first");
static_assert(sizeof(VAPictureParameterBufferHEVC) <= VAAPI_PARAMS_MAX &&
                  sizeof(VAIQMatrixBufferHEVC) <= VAAPI_PARAMS_MAX &&
                  sizeof(VASliceParameterBufferHEVC) <= VAAPI_PARAMS_MAX,
              "VA's HEVC structs fit the engine's scratch");

const struct vaapi_codec_class vaapi_hevc_class = {
    .name = "HEVC",
    .picture_size = sizeof(VAPictureParameterBufferHEVC),
    .iq_size = sizeof(VAIQMatrixBufferHEVC),
    .slice_size = sizeof(VASliceParameterBufferHEVC),
    .picture = picture_params,
    .iq = iq_matrix,
    .slice = slice_params,
};

const struct vaapi_codec_class vaapi_hevc_rext_class = {
    .name = "HEVC range extension",
    .picture_size = sizeof(VAPictureParameterBufferHEVCExtension),
    .iq_size = sizeof(VAIQMatrixBufferHEVC),
    .slice_size = sizeof(VASliceParameterBufferHEVCExtension),
    .picture = picture_params_rext,
    .iq = iq_matrix,
    .slice = slice_params_rext,
};
