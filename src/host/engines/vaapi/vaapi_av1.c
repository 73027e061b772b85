/* AV1 (Main profile) on the host's VA driver: the wire structs back into
 * VA's (src/guest/av1.c is the other way). Each tile goes as its own slice
 * parameter and data buffer (the tile's bytes, offset 0), where FFmpeg
 * points every tile of a group into one buffer: VA pairs each slice
 * parameter buffer with the data buffer after it either way. With film
 * grain the driver writes a second surface, the display one (refs[8]). */
#include <string.h>

#include "host/engines/vaapi/vaapi_internal.h"

#define COPY_ARRAY(x)                                                   \
    static_assert(sizeof(out->x) == sizeof(in->x), #x "'s shape");    \
    memcpy(out->x, in->x, sizeof(out->x));

static void film_grain(const struct vw_av1_film_grain *in, VAFilmGrainStructAV1 *out)
{
#define BIT(x) out->film_grain_info_fields.bits.x = in->x;
    VW_AV1_FILM_GRAIN_VA_BITS(BIT)
#undef BIT
#define COPY(x) out->x = in->x;
    VW_AV1_FILM_GRAIN_VA_FIELDS(COPY)
#undef COPY
    VW_AV1_FILM_GRAIN_VA_ARRAYS(COPY_ARRAY)
}

static void fields(const struct vw_av1_picture *in, VADecPictureParameterBufferAV1 *out)
{
#define COPY(x) out->x = in->x;
    VW_AV1_PICTURE_VA_FIELDS(COPY)
#undef COPY
    VW_AV1_PICTURE_VA_ARRAYS(COPY_ARRAY)
#define BIT(x) out->seq_info_fields.fields.x = in->x;
    VW_AV1_SEQ_INFO_VA_BITS(BIT)
#undef BIT
#define BIT(x) out->pic_info_fields.bits.x = in->x;
    VW_AV1_PIC_INFO_VA_BITS(BIT)
#undef BIT
#define BIT(x) out->loop_filter_info_fields.bits.x = in->x;
    VW_AV1_LOOP_FILTER_VA_BITS(BIT)
#undef BIT
#define BIT(x) out->qmatrix_fields.bits.x = in->x;
    VW_AV1_QMATRIX_VA_BITS(BIT)
#undef BIT
#define BIT(x) out->mode_control_fields.bits.x = in->x;
    VW_AV1_MODE_CONTROL_VA_BITS(BIT)
#undef BIT
    __typeof__(out->loop_restoration_fields.bits) *lr = &out->loop_restoration_fields.bits;
    lr->yframe_restoration_type = in->lr_type[0];
    lr->cbframe_restoration_type = in->lr_type[1];
    lr->crframe_restoration_type = in->lr_type[2];
    lr->lr_unit_shift = in->lr_unit_shift;
    lr->lr_uv_shift = in->lr_uv_shift;
}

static void picture_params(const struct vh_picture *pic, void *params)
{
    const struct vw_av1_picture *in = pic->av1;
    VADecPictureParameterBufferAV1 *out = params;
    memset(out, 0, sizeof(*out));
    fields(in, out);
    /* refs[0..8): ref_frame_map resolved; refs[8]: the film-grain output
     * (engine.h). Without grain the target is what is displayed. */
    for (int i = 0; i < 8; i++)
        out->ref_frame_map[i] = vaapi_ref_id(pic->refs[i]);
    out->current_frame = vaapi_surface_id(pic->target);
    out->current_display_picture = vaapi_surface_id(pic->refs[8] ? pic->refs[8] : pic->target);
    /* VA has 63 entries: the last tile's size is what the others leave. */
    for (int i = 0; i < 63; i++) {
        out->width_in_sbs_minus_1[i] = in->width_in_sbs_minus_1[i];
        out->height_in_sbs_minus_1[i] = in->height_in_sbs_minus_1[i];
    }
    VASegmentationStructAV1 *seg = &out->seg_info;
    seg->segment_info_fields.bits.enabled = in->seg.enabled;
    seg->segment_info_fields.bits.update_map = in->seg.update_map;
    seg->segment_info_fields.bits.temporal_update = in->seg.temporal_update;
    seg->segment_info_fields.bits.update_data = in->seg.update_data;
    static_assert(sizeof(seg->feature_mask) == sizeof(in->seg.feature_mask) &&
                      sizeof(seg->feature_data) == sizeof(in->seg.feature_data),
                  "segmentation of the same shape");
    memcpy(seg->feature_mask, in->seg.feature_mask, sizeof(seg->feature_mask));
    memcpy(seg->feature_data, in->seg.feature_data, sizeof(seg->feature_data));
    film_grain(&in->film_grain, &out->film_grain_info);
    for (int i = 0; i < 7; i++) {
        out->wm[i].wmtype = (VAAV1TransformationType)in->wm[i].wmtype;
        out->wm[i].invalid = in->wm[i].invalid;
        for (int j = 0; j < 6; j++)
            out->wm[i].wmmat[j] = in->wm[i].wmmat[j];
    }
}

static bool no_matrix(const struct vh_picture *pic, void *params)
{
    return false;
}

static int slice_params(const struct vh_picture *pic, const struct vh_slice *slice, void *params,
                        struct vh_error *err)
{
    VASliceParameterBufferAV1 *out = params;
    memset(out, 0, sizeof(*out));
    out->tile_row = slice->av1->tile_row;
    out->tile_column = slice->av1->tile_column;
    return VW_OK;
}

static struct vh_surface *display_surface(const struct vh_picture *pic)
{
    return pic->refs[8];
}

static_assert(sizeof(VADecPictureParameterBufferAV1) <= VAAPI_PARAMS_MAX &&
                  sizeof(VASliceParameterBufferAV1) <= VAAPI_PARAMS_MAX,
              "VA's AV1 structs fit the engine's scratch");

const struct vaapi_codec_class vaapi_av1_class = {
    .name = "AV1",
    .picture_size = sizeof(VADecPictureParameterBufferAV1),
    .iq_size = 0,
    .slice_size = sizeof(VASliceParameterBufferAV1),
    .picture = picture_params,
    .iq = no_matrix,
    .slice = slice_params,
    .second_output = display_surface,
};
