/* MPEG-2 on the host's VA driver: the wire structs back into VA's
 * (src/guest/mpeg2.c is the other way), each slice from its start code as
 * VA gives it. */
#include <string.h>

#include "host/engines/vaapi/vaapi_internal.h"

static void picture_params(const struct vh_picture *pic, void *params)
{
    const struct vw_mpeg2_picture *in = pic->mpeg2;
    VAPictureParameterBufferMPEG2 *out = params;
    memset(out, 0, sizeof(*out));
    out->horizontal_size = in->horizontal_size;
    out->vertical_size = in->vertical_size;
    /* refs[0] forward, refs[1] backward (engine.h); a second field's
     * reference to its first names the target itself. */
    out->forward_reference_picture = vaapi_ref_id(pic->refs[0]);
    out->backward_reference_picture = vaapi_ref_id(pic->refs[1]);
    out->picture_coding_type = in->picture_coding_type;
    out->f_code = in->f_code;
    __typeof__(out->picture_coding_extension.bits) *e = &out->picture_coding_extension.bits;
    e->intra_dc_precision = in->intra_dc_precision;
    e->picture_structure = in->picture_structure;
    e->top_field_first = in->top_field_first;
    e->frame_pred_frame_dct = in->frame_pred_frame_dct;
    e->concealment_motion_vectors = in->concealment_motion_vectors;
    e->q_scale_type = in->q_scale_type;
    e->intra_vlc_format = in->intra_vlc_format;
    e->alternate_scan = in->alternate_scan;
    e->repeat_first_field = in->repeat_first_field;
    e->progressive_frame = in->progressive_frame;
    e->is_first_field = in->is_first_field;
}

static bool iq_matrix(const struct vh_picture *pic, void *params)
{
    const struct vw_mpeg2_iq_matrix *in = pic->mpeg2_iq;
    if (!in)
        return false;
    VAIQMatrixBufferMPEG2 *out = params;
    memset(out, 0, sizeof(*out));
    out->load_intra_quantiser_matrix = in->load_intra_quantiser_matrix;
    out->load_non_intra_quantiser_matrix = in->load_non_intra_quantiser_matrix;
    out->load_chroma_intra_quantiser_matrix = in->load_chroma_intra_quantiser_matrix;
    out->load_chroma_non_intra_quantiser_matrix = in->load_chroma_non_intra_quantiser_matrix;
    static_assert(sizeof(out->intra_quantiser_matrix) == sizeof(in->intra_quantiser_matrix) &&
                      sizeof(out->chroma_non_intra_quantiser_matrix) ==
                          sizeof(in->chroma_non_intra_quantiser_matrix),
                  "matrices of the same shape");
    memcpy(out->intra_quantiser_matrix, in->intra_quantiser_matrix, 64);
    memcpy(out->non_intra_quantiser_matrix, in->non_intra_quantiser_matrix, 64);
    memcpy(out->chroma_intra_quantiser_matrix, in->chroma_intra_quantiser_matrix, 64);
    memcpy(out->chroma_non_intra_quantiser_matrix, in->chroma_non_intra_quantiser_matrix, 64);
    return true;
}

static int slice_params(const struct vh_picture *pic, const struct vh_slice *slice, void *params,
                        struct vh_error *err)
{
    const struct vw_mpeg2_slice *in = slice->mpeg2;
    VASliceParameterBufferMPEG2 *out = params;
    memset(out, 0, sizeof(*out));
    out->macroblock_offset = in->macroblock_offset;
    out->slice_horizontal_position = in->slice_horizontal_position;
    out->slice_vertical_position = in->slice_vertical_position;
    out->quantiser_scale_code = in->quantiser_scale_code;
    out->intra_slice_flag = in->intra_slice_flag;
    return VW_OK;
}

static_assert(sizeof(VAPictureParameterBufferMPEG2) <= VAAPI_PARAMS_MAX &&
                  sizeof(VAIQMatrixBufferMPEG2) <= VAAPI_PARAMS_MAX &&
                  sizeof(VASliceParameterBufferMPEG2) <= VAAPI_PARAMS_MAX,
              "VA's MPEG-2 structs fit the engine's scratch");

const struct vaapi_codec_class vaapi_mpeg2_class = {
    .name = "MPEG-2",
    .picture_size = sizeof(VAPictureParameterBufferMPEG2),
    .iq_size = sizeof(VAIQMatrixBufferMPEG2),
    .slice_size = sizeof(VASliceParameterBufferMPEG2),
    .picture = picture_params,
    .iq = iq_matrix,
    .slice = slice_params,
};
