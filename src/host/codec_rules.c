/* Per-codec facts for DECODE_BITSTREAM/END_FRAME: the wire struct sizes, the
 * validators (validate_<codec>.c) and where each picture names its
 * reference surfaces. */
#include "host/session_internal.h"

/* ---- H.264 ------------------------------------------------------------------ */

static int h264_check_picture(const void *pic, const struct vh_surface *target,
                              struct vh_error *err)
{
    return vh_h264_check_picture(pic, target, err);
}

static int h264_check_slice(const void *slice, uint32_t index, const void *pic,
                            const uint8_t *data, uint32_t size, struct vh_error *err)
{
    return vh_h264_check_slice(slice, index, pic, data, size, err);
}

static void h264_coded_size(const void *pic, uint32_t *width, uint32_t *height)
{
    const struct vw_h264_picture *p = pic;
    *width = (p->picture_width_in_mbs_minus1 + 1u) * 16u;
    *height = (p->picture_height_in_mbs_minus1 + 1u) * 16u;
}

static void h264_ref_ids(const void *pic, uint32_t ids[16])
{
    const struct vw_h264_picture *p = pic;
    for (int i = 0; i < 16; i++) {
        const struct vw_h264_ref *ref = &p->reference_frames[i];
        ids[i] = (ref->flags & VW_H264_PIC_INVALID) ? VW_INVALID_ID : ref->surface_id;
    }
}

/* ---- VP9 -------------------------------------------------------------------- */

static int vp9_check_picture(const void *pic, const struct vh_surface *target,
                             struct vh_error *err)
{
    return vh_vp9_check_picture(pic, target, err);
}

static int vp9_check_slice(const void *slice, uint32_t index, const void *pic,
                           const uint8_t *data, uint32_t size, struct vh_error *err)
{
    return vh_vp9_check_slice(slice, index, pic, data, size, err);
}

static void vp9_coded_size(const void *pic, uint32_t *width, uint32_t *height)
{
    const struct vw_vp9_picture *p = pic;
    *width = p->frame_width;
    *height = p->frame_height;
}

static void vp9_ref_ids(const void *pic, uint32_t ids[16])
{
    const struct vw_vp9_picture *p = pic;
    for (int i = 0; i < 16; i++)
        ids[i] = i < 8 ? p->reference_frames[i] : VW_INVALID_ID;
}

/* ---- VP8 -------------------------------------------------------------------- */

static int vp8_check_picture(const void *pic, const struct vh_surface *target,
                             struct vh_error *err)
{
    return vh_vp8_check_picture(pic, target, err);
}

static int vp8_check_slice(const void *slice, uint32_t index, const void *pic,
                           const uint8_t *data, uint32_t size, struct vh_error *err)
{
    return vh_vp8_check_slice(slice, index, pic, data, size, err);
}

static void vp8_coded_size(const void *pic, uint32_t *width, uint32_t *height)
{
    const struct vw_vp8_picture *p = pic;
    *width = p->frame_width;
    *height = p->frame_height;
}

static void vp8_ref_ids(const void *pic, uint32_t ids[16])
{
    const struct vw_vp8_picture *p = pic;
    for (int i = 0; i < 16; i++)
        ids[i] = VW_INVALID_ID;
    ids[0] = p->last_ref_frame;
    ids[1] = p->golden_ref_frame;
    ids[2] = p->alt_ref_frame;
}

/* ---- MPEG-2 ------------------------------------------------------------------ */

static int mpeg2_check_picture(const void *pic, const struct vh_surface *target,
                               struct vh_error *err)
{
    return vh_mpeg2_check_picture(pic, target, err);
}

static int mpeg2_check_extra(const void *extra, struct vh_error *err)
{
    return vh_mpeg2_check_iq_matrix(extra, err);
}

static int mpeg2_check_slice(const void *slice, uint32_t index, const void *pic,
                             const uint8_t *data, uint32_t size, struct vh_error *err)
{
    return vh_mpeg2_check_slice(slice, index, pic, data, size, err);
}

static void mpeg2_coded_size(const void *pic, uint32_t *width, uint32_t *height)
{
    const struct vw_mpeg2_picture *p = pic;
    *width = p->horizontal_size;
    *height = p->vertical_size;
}

static void mpeg2_ref_ids(const void *pic, uint32_t ids[16])
{
    const struct vw_mpeg2_picture *p = pic;
    for (int i = 0; i < 16; i++)
        ids[i] = VW_INVALID_ID;
    ids[0] = p->forward_reference_picture;
    ids[1] = p->backward_reference_picture;
}

/* ---- MPEG-4 Part 2 ---------------------------------------------------------- */

static int mpeg4_check_picture(const void *pic, const struct vh_surface *target,
                               struct vh_error *err)
{
    return vh_mpeg4_check_picture(pic, target, err);
}

static int mpeg4_check_extra(const void *extra, struct vh_error *err)
{
    return vh_mpeg4_check_iq_matrix(extra, err);
}

static int mpeg4_check_slice(const void *slice, uint32_t index, const void *pic,
                             const uint8_t *data, uint32_t size, struct vh_error *err)
{
    return vh_mpeg4_check_slice(slice, index, pic, data, size, err);
}

static void mpeg4_coded_size(const void *pic, uint32_t *width, uint32_t *height)
{
    const struct vw_mpeg4_picture *p = pic;
    *width = p->vop_width;
    *height = p->vop_height;
}

static void mpeg4_ref_ids(const void *pic, uint32_t ids[16])
{
    const struct vw_mpeg4_picture *p = pic;
    for (int i = 0; i < 16; i++)
        ids[i] = VW_INVALID_ID;
    ids[0] = p->forward_reference_picture;
    ids[1] = p->backward_reference_picture;
}

/* ---- HEVC -------------------------------------------------------------------- */

static int hevc_check_picture(const void *pic, const struct vh_surface *target,
                              struct vh_error *err)
{
    return vh_hevc_check_picture(pic, target, err);
}

static int hevc_check_extra(const void *extra, struct vh_error *err)
{
    return vh_hevc_check_iq_matrix(extra, err);
}

static int hevc_check_slice(const void *slice, uint32_t index, const void *pic,
                            const uint8_t *data, uint32_t size, struct vh_error *err)
{
    return vh_hevc_check_slice(slice, index, pic, data, size, err);
}

static void hevc_coded_size(const void *pic, uint32_t *width, uint32_t *height)
{
    const struct vw_hevc_picture *p = pic;
    *width = p->pic_width_in_luma_samples;
    *height = p->pic_height_in_luma_samples;
}

static void hevc_ref_ids(const void *pic, uint32_t ids[16])
{
    const struct vw_hevc_picture *p = pic;
    for (int i = 0; i < 16; i++) {
        const struct vw_hevc_ref *ref = &p->reference_frames[i < 15 ? i : 0];
        ids[i] = (i == 15 || (ref->flags & VW_HEVC_PIC_INVALID)) ? VW_INVALID_ID
                                                                : ref->surface_id;
    }
}

/* ---- JPEG baseline ---------------------------------------------------------- */

static int jpeg_check_picture(const void *pic, const struct vh_surface *target,
                              struct vh_error *err)
{
    return vh_jpeg_check_picture(pic, target, err);
}

static int jpeg_check_extra(const void *extra, struct vh_error *err)
{
    return vh_jpeg_check_tables(extra, err);
}

static int jpeg_check_slice(const void *slice, uint32_t index, const void *pic,
                            const uint8_t *data, uint32_t size, struct vh_error *err)
{
    return vh_jpeg_check_slice(slice, index, pic, data, size, err);
}

static void jpeg_coded_size(const void *pic, uint32_t *width, uint32_t *height)
{
    const struct vw_jpeg_picture *p = pic;
    *width = p->picture_width;
    *height = p->picture_height;
}

static void jpeg_ref_ids(const void *pic, uint32_t ids[16])
{
    (void)pic;
    for (int i = 0; i < 16; i++)
        ids[i] = VW_INVALID_ID;
}

/* ---- AV1 --------------------------------------------------------------------- */

static int av1_check_picture(const void *pic, const struct vh_surface *target,
                             struct vh_error *err)
{
    return vh_av1_check_picture(pic, target, err);
}

static int av1_check_slice(const void *slice, uint32_t index, const void *pic,
                           const uint8_t *data, uint32_t size, struct vh_error *err)
{
    return vh_av1_check_slice(slice, index, pic, data, size, err);
}

static void av1_coded_size(const void *pic, uint32_t *width, uint32_t *height)
{
    const struct vw_av1_picture *p = pic;
    *width = p->frame_width_minus1 + 1u;
    *height = p->frame_height_minus1 + 1u;
}

/* The 8 reference slots, then the film grain output (written, not read). */
static void av1_ref_ids(const void *pic, uint32_t ids[16])
{
    const struct vw_av1_picture *p = pic;
    for (int i = 0; i < 16; i++)
        ids[i] = i < 8 ? p->ref_frame_map[i] : VW_INVALID_ID;
    if (p->film_grain.apply_grain)
        ids[8] = p->display_surface;
}

static const struct vh_codec_rules rules[] = {
    {
        .codec = VW_CODEC_H264,
        .name = "H.264",
        .picture_size = sizeof(struct vw_h264_picture),
        .extra_size = sizeof(struct vw_h264_iq_matrix),
        .slice_size = sizeof(struct vw_h264_slice),
        .max_slices = VW_MAX_SLICES,
        /* 16 reference frames, one being decoded, one waiting for output. */
        .max_pictures = 16 + 2,
        .strip_start_code = true,
        .payload_size = vh_nal_payload_size,
        .check_picture = h264_check_picture,
        .check_slice = h264_check_slice,
        .coded_size = h264_coded_size,
        .ref_ids = h264_ref_ids,
    },
    {
        .codec = VW_CODEC_VP9,
        .name = "VP9",
        .picture_size = sizeof(struct vw_vp9_picture),
        .extra_size = 0,
        .slice_size = sizeof(struct vw_vp9_slice),
        .max_slices = 1,
        /* 8 reference slots, the current frame and the two libavcodec keeps
         * of the frames before it (motion vectors, segmentation map), one
         * more for their side data (under a picture). */
        .max_pictures = 8 + 3 + 1,
        .strip_start_code = false,
        .check_picture = vp9_check_picture,
        .check_slice = vp9_check_slice,
        .coded_size = vp9_coded_size,
        .ref_ids = vp9_ref_ids,
    },
    {
        .codec = VW_CODEC_VP8,
        .name = "VP8",
        .picture_size = sizeof(struct vw_vp8_picture),
        .extra_size = sizeof(struct vw_vp8_extra),
        .slice_size = sizeof(struct vw_vp8_slice),
        .max_slices = 1,
        /* Last, golden and alt-ref, the current frame and the one before
         * it (libavcodec's 5 frames). */
        .max_pictures = 3 + 2,
        .strip_start_code = false,
        .check_picture = vp8_check_picture,
        .check_slice = vp8_check_slice,
        .coded_size = vp8_coded_size,
        .ref_ids = vp8_ref_ids,
    },
    {
        .codec = VW_CODEC_MPEG2,
        .name = "MPEG-2",
        .picture_size = sizeof(struct vw_mpeg2_picture),
        .extra_size = sizeof(struct vw_mpeg2_iq_matrix),
        .slice_size = sizeof(struct vw_mpeg2_slice),
        /* Usually one slice per macroblock row. */
        .max_slices = VW_MAX_SLICES,
        /* The forward and backward references (or their grey stand-ins),
         * the current picture and the one before it, which the engine
         * holds until the next is allocated (sw_frame.c). */
        .max_pictures = 2 + 2,
        /* The start code stays: the slice data of VA begins with it. */
        .strip_start_code = false,
        .check_picture = mpeg2_check_picture,
        .check_extra = mpeg2_check_extra,
        .check_slice = mpeg2_check_slice,
        .coded_size = mpeg2_coded_size,
        .ref_ids = mpeg2_ref_ids,
    },
    {
        .codec = VW_CODEC_HEVC,
        .name = "HEVC",
        .picture_size = sizeof(struct vw_hevc_picture),
        .min_picture_size = VW_HEVC_PICTURE_V11_SIZE,
        .extra_size = sizeof(struct vw_hevc_iq_matrix),
        .slice_size = sizeof(struct vw_hevc_slice),
        .max_slices = VW_MAX_SLICES,
        /* 16 in the DPB, one being decoded, one waiting for output. */
        .max_pictures = 16 + 2,
        .strip_start_code = true,
        .payload_size = vh_nal_payload_size,
        .check_picture = hevc_check_picture,
        .check_extra = hevc_check_extra,
        .check_slice = hevc_check_slice,
        .coded_size = hevc_coded_size,
        .ref_ids = hevc_ref_ids,
    },
    {
        .codec = VW_CODEC_JPEG,
        .name = "JPEG",
        .picture_size = sizeof(struct vw_jpeg_picture),
        .extra_size = sizeof(struct vw_jpeg_tables),
        .slice_size = sizeof(struct vw_jpeg_slice),
        /* One slice a scan: baseline has at most one scan a component. */
        .max_slices = VW_JPEG_MAX_COMPONENTS,
        /* No references: the picture being decoded and the one before
         * it, held until the next is allocated (sw_frame.c). */
        .max_pictures = 2,
        /* Scan data is entropy-coded bytes, never a start code. */
        .strip_start_code = false,
        .payload_size = vh_jpeg_scan_size,
        .check_picture = jpeg_check_picture,
        .check_extra = jpeg_check_extra,
        .check_slice = jpeg_check_slice,
        .coded_size = jpeg_coded_size,
        .ref_ids = jpeg_ref_ids,
    },
    {
        .codec = VW_CODEC_MPEG4,
        .name = "MPEG-4",
        .picture_size = sizeof(struct vw_mpeg4_picture),
        .extra_size = sizeof(struct vw_mpeg4_iq_matrix),
        .slice_size = sizeof(struct vw_mpeg4_slice),
        /* A VOP is one slice (FFmpeg sends its video packets together). */
        .max_slices = 1,
        /* As MPEG-2: two references, the current picture and the one
         * before it (sw_frame.c). */
        .max_pictures = 2 + 2,
        /* Macroblock data from mid-VOP: never a start code to strip. */
        .strip_start_code = false,
        .check_picture = mpeg4_check_picture,
        .check_extra = mpeg4_check_extra,
        .check_slice = mpeg4_check_slice,
        .coded_size = mpeg4_coded_size,
        .ref_ids = mpeg4_ref_ids,
    },
    {
        .codec = VW_CODEC_AV1,
        .name = "AV1",
        .picture_size = sizeof(struct vw_av1_picture),
        .extra_size = 0,
        .slice_size = sizeof(struct vw_av1_slice),
        /* One slice a tile. */
        .max_slices = VW_MAX_SLICES,
        /* dav1d's 8 slots, the picture being decoded, its film grain copy
         * and the one before it, which a surface may still share; one more
         * for the tile data of pictures waiting for a slot (sw_av1.c). */
        .max_pictures = 8 + 3 + 1,
        /* Tile data: never a start code. */
        .strip_start_code = false,
        .check_picture = av1_check_picture,
        .check_slice = av1_check_slice,
        .coded_size = av1_coded_size,
        .ref_ids = av1_ref_ids,
    },
};

const struct vh_codec_rules *vh_codec_rules_get(uint32_t codec)
{
    for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
        if (rules[i].codec == codec)
            return &rules[i];
    return NULL;
}
