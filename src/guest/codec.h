/*
 * Per-codec packers: VA parameter structs -> wire structs.  One const
 * instance per codec; the context's picture assembly (context.c) is generic
 * and only asks the packer for sizes and conversions.  Every VA slice
 * parameter struct starts with VASliceParameterBufferBase (slice_data_size,
 * slice_data_offset, slice_data_flag), which context.c reads and rebases.
 */
#ifndef VIVAC_GUEST_CODEC_H
#define VIVAC_GUEST_CODEC_H

#include <stddef.h>

#include "guest/driver.h"

struct vg_codec {
    const char *name;
    uint32_t vw_codec;            /* enum vw_codec */
    size_t va_picture_size;       /* sizeof the VA structs the app sends */
    size_t va_iq_size;            /* 0: the codec has no IQ matrix buffer */
    size_t va_prob_size;          /* VAProbabilityBufferType (VP8) or
                                   * VAHuffmanTableBufferType (JPEG); 0: none */
    size_t va_slice_size;
    /* A larger VA struct that a picture / slice parameter buffer may hold
     * instead, the base struct first (HEVC range extensions:
     * VAPictureParameterBufferHEVCExtension, VASliceParameterBufferHEVCExtension);
     * 0: none. Which one a buffer holds is told by its element size: at
     * least the extended size means the extended struct. */
    size_t va_picture_ext_size;
    size_t va_slice_ext_size;
    size_t wire_picture_size;     /* sizeof the wire structs */
    /* The picture as a protocol 1.1 daemon takes it (a prefix of the wire
     * struct, sent when the daemon is older and the rest is zero); 0: the
     * struct did not change since. */
    size_t wire_picture_size_v11;
    size_t wire_iq_size;          /* the optional block: IQ matrix (+ probabilities) */
    size_t wire_slice_size;
    /* The IQ matrix and the va_prob_size buffer may each come alone; pack_iq
     * then gets NULL for the other (JPEG: its tables stay as last loaded). */
    bool prob_alone;
    /* A slice data buffer equal to the one before it in the picture is
     * not sent again: its slices point into the first (AV1: FFmpeg pairs
     * each tile's parameters with a copy of the whole tile group). */
    bool dedupe_slice_data;
    /* Each returns VA_STATUS_SUCCESS or the VA error for nonsense input.
     * target: the render target; referenced surfaces are looked up in drv.
     * va_size: the bytes of the VA struct given, va_*_size or (the extended
     * struct) va_*_ext_size. */
    VAStatus (*pack_picture)(struct vg_driver *drv, VASurfaceID target, const void *va,
                             size_t va_size, void *wire);
    /* The optional block from the IQ matrix and, for codecs with
     * va_prob_size, the probability buffer (both given, except where
     * prob_alone says either may be NULL). */
    VAStatus (*pack_iq)(const void *va_iq, const void *va_prob, void *wire);
    VAStatus (*pack_slice)(struct vg_driver *drv, const void *va, size_t va_size, void *wire);
    /* Optional: a second surface the packed picture writes besides its
     * render target (AV1: the film grain output), VW_INVALID_ID if none. */
    uint32_t (*second_output)(const void *wire_picture);
};

extern const struct vg_codec vg_codec_h264;
extern const struct vg_codec vg_codec_vp9;
extern const struct vg_codec vg_codec_vp8;
extern const struct vg_codec vg_codec_mpeg2;
extern const struct vg_codec vg_codec_hevc;
extern const struct vg_codec vg_codec_jpeg;
extern const struct vg_codec vg_codec_mpeg4;
extern const struct vg_codec vg_codec_av1;

/* A reference slot for the wire: the surface id, or VW_INVALID_ID for
 * VA_INVALID_SURFACE and for a surface that no longer exists (e.g. its pool
 * was freed at a size change). A key/intra frame reads no reference, and an
 * inter frame that reads such a slot was broken anyway: the daemon reports
 * it. */
uint32_t vg_codec_ref_id(struct vg_driver *drv, VASurfaceID id);

/* The packer of a vw profile, or NULL. */
const struct vg_codec *vg_codec_for_profile(uint32_t vw_profile);

#endif
