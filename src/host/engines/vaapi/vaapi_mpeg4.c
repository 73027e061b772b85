/* MPEG-4 Part 2 on the host's VA driver: the wire structs back into VA's
 * (src/guest/mpeg4.c is the other way); the one slice is the VOP from the
 * byte holding its first macroblock bit, as VA gives it. */
#include <string.h>

#include "host/engines/vaapi/vaapi_internal.h"

static void picture_params(const struct vh_picture *pic, void *params)
{
    const struct vw_mpeg4_picture *in = pic->mpeg4;
    VAPictureParameterBufferMPEG4 *out = params;
    memset(out, 0, sizeof(*out));
#define COPY(x) out->x = in->x;
    VW_MPEG4_PICTURE_VA_FIELDS(COPY)
#undef COPY
#define VOL(x) out->vol_fields.bits.x = in->x;
    VW_MPEG4_VOL_VA_BITS(VOL)
#undef VOL
#define VOP(x) out->vop_fields.bits.x = in->x;
    VW_MPEG4_VOP_VA_BITS(VOP)
#undef VOP
    /* refs[0] forward, refs[1] backward (engine.h). */
    out->forward_reference_picture = vaapi_ref_id(pic->refs[0]);
    out->backward_reference_picture = vaapi_ref_id(pic->refs[1]);
    static_assert(sizeof(out->sprite_trajectory_du) == sizeof(in->sprite_trajectory_du) &&
                      sizeof(out->sprite_trajectory_dv) == sizeof(in->sprite_trajectory_dv),
                  "trajectories of the same shape");
    memcpy(out->sprite_trajectory_du, in->sprite_trajectory_du, sizeof(out->sprite_trajectory_du));
    memcpy(out->sprite_trajectory_dv, in->sprite_trajectory_dv, sizeof(out->sprite_trajectory_dv));
}

static bool iq_matrix(const struct vh_picture *pic, void *params)
{
    const struct vw_mpeg4_iq_matrix *in = pic->mpeg4_iq;
    if (!in)
        return false;
    VAIQMatrixBufferMPEG4 *out = params;
    memset(out, 0, sizeof(*out));
    out->load_intra_quant_mat = in->load_intra_quant_mat;
    out->load_non_intra_quant_mat = in->load_non_intra_quant_mat;
    static_assert(sizeof(out->intra_quant_mat) == sizeof(in->intra_quant_mat) &&
                      sizeof(out->non_intra_quant_mat) == sizeof(in->non_intra_quant_mat),
                  "matrices of the same shape");
    memcpy(out->intra_quant_mat, in->intra_quant_mat, sizeof(out->intra_quant_mat));
    memcpy(out->non_intra_quant_mat, in->non_intra_quant_mat, sizeof(out->non_intra_quant_mat));
    return true;
}

static int slice_params(const struct vh_picture *pic, const struct vh_slice *slice, void *params,
                        struct vh_error *err)
{
    const struct vw_mpeg4_slice *in = slice->mpeg4;
    VASliceParameterBufferMPEG4 *out = params;
    memset(out, 0, sizeof(*out));
    out->macroblock_offset = in->macroblock_offset;
    out->macroblock_number = in->macroblock_number;
    out->quant_scale = in->quant_scale;
    return VW_OK;
}

static_assert(sizeof(VAPictureParameterBufferMPEG4) <= VAAPI_PARAMS_MAX &&
                  sizeof(VAIQMatrixBufferMPEG4) <= VAAPI_PARAMS_MAX &&
                  sizeof(VASliceParameterBufferMPEG4) <= VAAPI_PARAMS_MAX,
              "VA's MPEG-4 structs fit the engine's scratch");

const struct vaapi_codec_class vaapi_mpeg4_class = {
    .name = "MPEG-4",
    .picture_size = sizeof(VAPictureParameterBufferMPEG4),
    .iq_size = sizeof(VAIQMatrixBufferMPEG4),
    .slice_size = sizeof(VASliceParameterBufferMPEG4),
    .picture = picture_params,
    .iq = iq_matrix,
    .slice = slice_params,
};
