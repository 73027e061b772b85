/* VP8 on the host's VA driver: the wire structs back into VA's
 * (src/guest/vp8.c is the other way). The optional block is VA's
 * quantisation indices and coefficient probabilities, two buffers here;
 * the one slice is the frame without its frame tag, as VA gives it. */
#include <string.h>

#include "host/engines/vaapi/vaapi_internal.h"

static VASurfaceID surface_or_invalid(const struct vh_surface *s)
{
    return s ? vaapi_surface_id(s) : VA_INVALID_SURFACE;
}

static void picture_params(const struct vh_picture *pic, void *params)
{
    const struct vw_vp8_picture *in = pic->vp8;
    VAPictureParameterBufferVP8 *out = params;
    memset(out, 0, sizeof(*out));
    out->frame_width = in->frame_width;
    out->frame_height = in->frame_height;
    /* refs[0] last, [1] golden, [2] alt-ref (codec_rules.c); the
     * out-of-loop frame is not used for decoding. */
    out->last_ref_frame = surface_or_invalid(pic->refs[0]);
    out->golden_ref_frame = surface_or_invalid(pic->refs[1]);
    out->alt_ref_frame = surface_or_invalid(pic->refs[2]);
    out->out_of_loop_frame = VA_INVALID_SURFACE;

    __typeof__(out->pic_fields.bits) *pf = &out->pic_fields.bits;
#define FLAG(f) pf->f = in->f;
    VW_VP8_PICTURE_VA_FLAGS(FLAG)
#undef FLAG

#define COPY(f)                                                                 \
    static_assert(sizeof(out->f) == sizeof(in->f), #f " of the same shape");     \
    memcpy(out->f, in->f, sizeof(out->f));
    VW_VP8_PICTURE_VA_ARRAYS(COPY)
#undef COPY
#define PROB(f) out->f = in->f;
    VW_VP8_PICTURE_VA_PROBS(PROB)
#undef PROB
    out->bool_coder_ctx.range = in->bool_coder_range;
    out->bool_coder_ctx.value = in->bool_coder_value;
    out->bool_coder_ctx.count = in->bool_coder_count;
}

static bool iq_matrix(const struct vh_picture *pic, void *params)
{
    if (!pic->vp8_extra)
        return false;
    VAIQMatrixBufferVP8 *out = params;
    memset(out, 0, sizeof(*out));
    static_assert(sizeof(out->quantization_index) ==
                      sizeof(pic->vp8_extra->quantization_index),
                  "quantisation indices of the same shape");
    memcpy(out->quantization_index, pic->vp8_extra->quantization_index,
           sizeof(out->quantization_index));
    return true;
}

static bool probabilities(const struct vh_picture *pic, void *params)
{
    if (!pic->vp8_extra)
        return false;
    VAProbabilityDataBufferVP8 *out = params;
    memset(out, 0, sizeof(*out));
    static_assert(sizeof(out->dct_coeff_probs) == sizeof(pic->vp8_extra->dct_coeff_probs),
                  "coefficient probabilities of the same shape");
    memcpy(out->dct_coeff_probs, pic->vp8_extra->dct_coeff_probs, sizeof(out->dct_coeff_probs));
    return true;
}

static int slice_params(const struct vh_picture *pic, const struct vh_slice *slice, void *params,
                        struct vh_error *err)
{
    const struct vw_vp8_slice *in = slice->vp8;
    VASliceParameterBufferVP8 *out = params;
    memset(out, 0, sizeof(*out));
    out->macroblock_offset = in->macroblock_offset;
    out->num_of_partitions = in->num_of_partitions;
    static_assert(sizeof(out->partition_size) == sizeof(in->partition_size),
                  "partition sizes of the same shape");
    memcpy(out->partition_size, in->partition_size, sizeof(out->partition_size));
    return VW_OK;
}

static_assert(sizeof(VAPictureParameterBufferVP8) <= VAAPI_PARAMS_MAX &&
                  sizeof(VAIQMatrixBufferVP8) <= VAAPI_PARAMS_MAX &&
                  sizeof(VAProbabilityDataBufferVP8) <= VAAPI_PARAMS_MAX &&
                  sizeof(VASliceParameterBufferVP8) <= VAAPI_PARAMS_MAX,
              "VA's VP8 structs fit the engine's scratch");

const struct vaapi_codec_class vaapi_vp8_class = {
    .name = "VP8",
    .picture_size = sizeof(VAPictureParameterBufferVP8),
    .iq_size = sizeof(VAIQMatrixBufferVP8),
    .extra_type = VAProbabilityBufferType,
    .extra_size = sizeof(VAProbabilityDataBufferVP8),
    .slice_size = sizeof(VASliceParameterBufferVP8),
    .picture = picture_params,
    .iq = iq_matrix,
    .extra = probabilities,
    .slice = slice_params,
};
