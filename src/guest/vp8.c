/* VP8 packer: VAPictureParameterBufferVP8 / VASliceParameterBufferVP8, and
 * VAIQMatrixBufferVP8 + VAProbabilityDataBufferVP8 as one optional block ->
 * vw_vp8_picture / vw_vp8_slice / vw_vp8_extra. The slice data is the frame
 * without its frame tag (ffmpeg strips 3 bytes, 10 on key frames). */
#include <string.h>

#include "common/log.h"
#include "guest/codec.h"
#include "guest/surface.h"

static VAStatus pack_picture(struct vg_driver *drv, VASurfaceID target, const void *va_in,
                             size_t va_size, void *wire)
{
    const VAPictureParameterBufferVP8 *in = va_in;
    struct vw_vp8_picture *out = wire;
    memset(out, 0, sizeof(*out));
    out->frame_width = in->frame_width;
    out->frame_height = in->frame_height;
    out->last_ref_frame = vg_codec_ref_id(drv, in->last_ref_frame);
    out->golden_ref_frame = vg_codec_ref_id(drv, in->golden_ref_frame);
    out->alt_ref_frame = vg_codec_ref_id(drv, in->alt_ref_frame);
    out->out_of_loop_frame = vg_codec_ref_id(drv, in->out_of_loop_frame);

    const __typeof__(in->pic_fields.bits) *pf = &in->pic_fields.bits;
#define FLAG(f) out->f = pf->f;
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
    out->bool_coder_range = in->bool_coder_ctx.range;
    out->bool_coder_value = in->bool_coder_ctx.value;
    out->bool_coder_count = in->bool_coder_ctx.count;
    if (out->frame_width == 0 || out->frame_height == 0 || out->frame_width > 16383 ||
        out->frame_height > 16383) {
        vc_warn("VP8: frame size %ux%u", out->frame_width, out->frame_height);
        return VA_STATUS_ERROR_INVALID_PARAMETER;
    }
    return VA_STATUS_SUCCESS;
}

static VAStatus pack_extra(const void *va_iq, const void *va_prob, void *wire)
{
    const VAIQMatrixBufferVP8 *iq = va_iq;
    const VAProbabilityDataBufferVP8 *prob = va_prob;
    struct vw_vp8_extra *out = wire;
    static_assert(sizeof(out->quantization_index) == sizeof(iq->quantization_index), "");
    static_assert(sizeof(out->dct_coeff_probs) == sizeof(prob->dct_coeff_probs), "");
    memcpy(out->quantization_index, iq->quantization_index, sizeof(out->quantization_index));
    memcpy(out->dct_coeff_probs, prob->dct_coeff_probs, sizeof(out->dct_coeff_probs));
    return VA_STATUS_SUCCESS;
}

static VAStatus pack_slice(struct vg_driver *drv, const void *va_in, size_t va_size,
                           void *wire)
{
    const VASliceParameterBufferVP8 *in = va_in;
    struct vw_vp8_slice *out = wire;
    memset(out, 0, sizeof(*out));
    out->slice_data_size = in->slice_data_size;
    out->slice_data_offset = in->slice_data_offset;
    out->slice_data_flag = in->slice_data_flag;
    out->macroblock_offset = in->macroblock_offset;
    out->num_of_partitions = in->num_of_partitions;
    static_assert(sizeof(out->partition_size) == sizeof(in->partition_size), "");
    memcpy(out->partition_size, in->partition_size, sizeof(out->partition_size));
    return VA_STATUS_SUCCESS;
}

const struct vg_codec vg_codec_vp8 = {
    .name = "VP8",
    .vw_codec = VW_CODEC_VP8,
    .va_picture_size = sizeof(VAPictureParameterBufferVP8),
    .va_iq_size = sizeof(VAIQMatrixBufferVP8),
    .va_prob_size = sizeof(VAProbabilityDataBufferVP8),
    .va_slice_size = sizeof(VASliceParameterBufferVP8),
    .wire_picture_size = sizeof(struct vw_vp8_picture),
    .wire_iq_size = sizeof(struct vw_vp8_extra),
    .wire_slice_size = sizeof(struct vw_vp8_slice),
    .pack_picture = pack_picture,
    .pack_iq = pack_extra,
    .pack_slice = pack_slice,
};
