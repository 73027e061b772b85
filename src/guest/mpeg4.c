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
    out->vop_width = in->vop_width;
    out->vop_height = in->vop_height;
    out->forward_reference_picture = vg_codec_ref_id(drv, in->forward_reference_picture);
    out->backward_reference_picture = vg_codec_ref_id(drv, in->backward_reference_picture);
    const __typeof__(in->vol_fields.bits) *vol = &in->vol_fields.bits;
    out->short_video_header = vol->short_video_header;
    out->chroma_format = vol->chroma_format;
    out->interlaced = vol->interlaced;
    out->obmc_disable = vol->obmc_disable;
    out->sprite_enable = vol->sprite_enable;
    out->sprite_warping_accuracy = vol->sprite_warping_accuracy;
    out->quant_type = vol->quant_type;
    out->quarter_sample = vol->quarter_sample;
    out->data_partitioned = vol->data_partitioned;
    out->reversible_vlc = vol->reversible_vlc;
    out->resync_marker_disable = vol->resync_marker_disable;
    out->no_of_sprite_warping_points = in->no_of_sprite_warping_points;
    static_assert(sizeof(out->sprite_trajectory_du) == sizeof(in->sprite_trajectory_du) &&
                      sizeof(out->sprite_trajectory_dv) == sizeof(in->sprite_trajectory_dv),
                  "trajectory size");
    memcpy(out->sprite_trajectory_du, in->sprite_trajectory_du, sizeof(out->sprite_trajectory_du));
    memcpy(out->sprite_trajectory_dv, in->sprite_trajectory_dv, sizeof(out->sprite_trajectory_dv));
    out->quant_precision = in->quant_precision;
    const __typeof__(in->vop_fields.bits) *vop = &in->vop_fields.bits;
    out->vop_coding_type = vop->vop_coding_type;
    out->backward_reference_vop_coding_type = vop->backward_reference_vop_coding_type;
    out->vop_rounding_type = vop->vop_rounding_type;
    out->intra_dc_vlc_thr = vop->intra_dc_vlc_thr;
    out->top_field_first = vop->top_field_first;
    out->alternate_vertical_scan_flag = vop->alternate_vertical_scan_flag;
    out->vop_fcode_forward = in->vop_fcode_forward;
    out->vop_fcode_backward = in->vop_fcode_backward;
    out->vop_time_increment_resolution = in->vop_time_increment_resolution;
    out->TRB = in->TRB;
    out->TRD = in->TRD;
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
