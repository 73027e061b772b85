/* MPEG-2 packer: VAPictureParameterBufferMPEG2 / VAIQMatrixBufferMPEG2 /
 * VASliceParameterBufferMPEG2 -> vw_mpeg2_picture / vw_mpeg2_iq_matrix /
 * vw_mpeg2_slice. The slice data is each slice from its start code, as VA
 * gives it. */
#include <string.h>

#include "common/log.h"
#include "guest/codec.h"
#include "guest/surface.h"

static VAStatus pack_picture(struct vg_driver *drv, VASurfaceID target, const void *va_in,
                             size_t va_size, void *wire)
{
    const VAPictureParameterBufferMPEG2 *in = va_in;
    struct vw_mpeg2_picture *out = wire;
    memset(out, 0, sizeof(*out));
    if (in->picture_coding_type < 1 || in->picture_coding_type > 3 || in->f_code < 0 ||
        in->f_code > 0xffff) {
        vc_warn("MPEG-2: picture_coding_type %d, f_code 0x%x", in->picture_coding_type,
                (unsigned)in->f_code);
        return VA_STATUS_ERROR_INVALID_PARAMETER;
    }
    out->horizontal_size = in->horizontal_size;
    out->vertical_size = in->vertical_size;
    out->forward_reference_picture = vg_codec_ref_id(drv, in->forward_reference_picture);
    out->backward_reference_picture = vg_codec_ref_id(drv, in->backward_reference_picture);
    out->f_code = (uint16_t)in->f_code;
    out->picture_coding_type = (uint8_t)in->picture_coding_type;
    const __typeof__(in->picture_coding_extension.bits) *e = &in->picture_coding_extension.bits;
    out->intra_dc_precision = e->intra_dc_precision;
    out->picture_structure = e->picture_structure;
    out->top_field_first = e->top_field_first;
    out->frame_pred_frame_dct = e->frame_pred_frame_dct;
    out->concealment_motion_vectors = e->concealment_motion_vectors;
    out->q_scale_type = e->q_scale_type;
    out->intra_vlc_format = e->intra_vlc_format;
    out->alternate_scan = e->alternate_scan;
    out->repeat_first_field = e->repeat_first_field;
    out->progressive_frame = e->progressive_frame;
    out->is_first_field = e->is_first_field;
    return VA_STATUS_SUCCESS;
}

static VAStatus pack_iq(const void *va_in, const void *va_prob, void *wire)
{
    const VAIQMatrixBufferMPEG2 *in = va_in;
    struct vw_mpeg2_iq_matrix *out = wire;
    out->load_intra_quantiser_matrix = in->load_intra_quantiser_matrix != 0;
    out->load_non_intra_quantiser_matrix = in->load_non_intra_quantiser_matrix != 0;
    out->load_chroma_intra_quantiser_matrix = in->load_chroma_intra_quantiser_matrix != 0;
    out->load_chroma_non_intra_quantiser_matrix = in->load_chroma_non_intra_quantiser_matrix != 0;
#define COPY(f)                                                       \
    do {                                                              \
        static_assert(sizeof(out->f) == sizeof(in->f), #f " size");   \
        memcpy(out->f, in->f, sizeof(out->f));                        \
    } while (0)
    COPY(intra_quantiser_matrix);
    COPY(non_intra_quantiser_matrix);
    COPY(chroma_intra_quantiser_matrix);
    COPY(chroma_non_intra_quantiser_matrix);
#undef COPY
    return VA_STATUS_SUCCESS;
}

static VAStatus pack_slice(struct vg_driver *drv, const void *va_in, size_t va_size,
                           void *wire)
{
    const VASliceParameterBufferMPEG2 *in = va_in;
    struct vw_mpeg2_slice *out = wire;
    memset(out, 0, sizeof(*out));
    if (in->quantiser_scale_code < 0 || in->quantiser_scale_code > 31 ||
        in->intra_slice_flag < 0 || in->intra_slice_flag > 1) {
        vc_warn("MPEG-2: quantiser_scale_code %d, intra_slice_flag %d", in->quantiser_scale_code,
                in->intra_slice_flag);
        return VA_STATUS_ERROR_INVALID_PARAMETER;
    }
    out->slice_data_size = in->slice_data_size;
    out->slice_data_offset = in->slice_data_offset;
    out->slice_data_flag = in->slice_data_flag;
    out->macroblock_offset = in->macroblock_offset;
    out->slice_horizontal_position = in->slice_horizontal_position;
    out->slice_vertical_position = in->slice_vertical_position;
    out->quantiser_scale_code = (uint8_t)in->quantiser_scale_code;
    out->intra_slice_flag = (uint8_t)in->intra_slice_flag;
    return VA_STATUS_SUCCESS;
}

const struct vg_codec vg_codec_mpeg2 = {
    .name = "MPEG-2",
    .vw_codec = VW_CODEC_MPEG2,
    .va_picture_size = sizeof(VAPictureParameterBufferMPEG2),
    .va_iq_size = sizeof(VAIQMatrixBufferMPEG2),
    .va_slice_size = sizeof(VASliceParameterBufferMPEG2),
    .wire_picture_size = sizeof(struct vw_mpeg2_picture),
    .wire_iq_size = sizeof(struct vw_mpeg2_iq_matrix),
    .wire_slice_size = sizeof(struct vw_mpeg2_slice),
    .pack_picture = pack_picture,
    .pack_iq = pack_iq,
    .pack_slice = pack_slice,
};
