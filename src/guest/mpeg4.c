/* MPEG-4 Part 2 packer: VAPictureParameterBufferMPEG4 /
 * VAIQMatrixBufferMPEG4 / VASliceParameterBufferMPEG4 -> vw_mpeg4_picture /
 * vw_mpeg4_iq_matrix / vw_mpeg4_slice. The slice data is the VOP from the
 * byte holding its first macroblock bit, as VA gives it; the daemon checks
 * the ranges. */
#include <string.h>

#include "common/log.h"
#include "guest/codec.h"
#include "guest/surface.h"

static VAStatus pack_picture(struct vg_driver *drv, VASurfaceID target, const void *va_in,
                             size_t va_size, void *wire)
{
    const VAPictureParameterBufferMPEG4 *in = va_in;
    struct vw_mpeg4_picture *out = wire;
    memset(out, 0, sizeof(*out));
#define COPY(x) out->x = in->x;
    VW_MPEG4_PICTURE_VA_FIELDS(COPY)
#undef COPY
#define VOL(x) out->x = in->vol_fields.bits.x;
    VW_MPEG4_VOL_VA_BITS(VOL)
#undef VOL
#define VOP(x) out->x = in->vop_fields.bits.x;
    VW_MPEG4_VOP_VA_BITS(VOP)
#undef VOP
    out->forward_reference_picture = vg_codec_ref_id(drv, in->forward_reference_picture);
    out->backward_reference_picture = vg_codec_ref_id(drv, in->backward_reference_picture);
    static_assert(sizeof(out->sprite_trajectory_du) == sizeof(in->sprite_trajectory_du) &&
                      sizeof(out->sprite_trajectory_dv) == sizeof(in->sprite_trajectory_dv),
                  "trajectory size");
    memcpy(out->sprite_trajectory_du, in->sprite_trajectory_du, sizeof(out->sprite_trajectory_du));
    memcpy(out->sprite_trajectory_dv, in->sprite_trajectory_dv, sizeof(out->sprite_trajectory_dv));
    return VA_STATUS_SUCCESS;
}

static VAStatus pack_iq(const void *va_in, const void *va_prob, void *wire)
{
    const VAIQMatrixBufferMPEG4 *in = va_in;
    struct vw_mpeg4_iq_matrix *out = wire;
    memset(out, 0, sizeof(*out));
    out->load_intra_quant_mat = in->load_intra_quant_mat != 0;
    out->load_non_intra_quant_mat = in->load_non_intra_quant_mat != 0;
    static_assert(sizeof(out->intra_quant_mat) == sizeof(in->intra_quant_mat) &&
                      sizeof(out->non_intra_quant_mat) == sizeof(in->non_intra_quant_mat),
                  "matrix size");
    memcpy(out->intra_quant_mat, in->intra_quant_mat, sizeof(out->intra_quant_mat));
    memcpy(out->non_intra_quant_mat, in->non_intra_quant_mat, sizeof(out->non_intra_quant_mat));
    return VA_STATUS_SUCCESS;
}

static VAStatus pack_slice(struct vg_driver *drv, const void *va_in, size_t va_size,
                           void *wire)
{
    const VASliceParameterBufferMPEG4 *in = va_in;
    struct vw_mpeg4_slice *out = wire;
    memset(out, 0, sizeof(*out));
    if (in->quant_scale < 0 || in->quant_scale > 0xffff) {
        vc_warn("MPEG-4: quant_scale %d", in->quant_scale);
        return VA_STATUS_ERROR_INVALID_PARAMETER;
    }
    out->slice_data_size = in->slice_data_size;
    out->slice_data_offset = in->slice_data_offset;
    out->slice_data_flag = in->slice_data_flag;
    out->macroblock_offset = in->macroblock_offset;
    out->macroblock_number = in->macroblock_number;
    out->quant_scale = (uint16_t)in->quant_scale;
    return VA_STATUS_SUCCESS;
}

const struct vg_codec vg_codec_mpeg4 = {
    .name = "MPEG-4",
    .vw_codec = VW_CODEC_MPEG4,
    .va_picture_size = sizeof(VAPictureParameterBufferMPEG4),
    .va_iq_size = sizeof(VAIQMatrixBufferMPEG4),
    .va_slice_size = sizeof(VASliceParameterBufferMPEG4),
    .wire_picture_size = sizeof(struct vw_mpeg4_picture),
    .wire_iq_size = sizeof(struct vw_mpeg4_iq_matrix),
    .wire_slice_size = sizeof(struct vw_mpeg4_slice),
    .pack_picture = pack_picture,
    .pack_iq = pack_iq,
    .pack_slice = pack_slice,
};
