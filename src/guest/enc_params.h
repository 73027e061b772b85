/*
 * VA encode parameter buffers (H.264, HEVC) -> the wire's codec-neutral
 * sequence and picture (vw_encode_sequence, vw_encode_picture of
 * ENCODE_BITSTREAM, docs/protocol.md §16).  Pure translation without driver
 * state, so that it is unit-tested alone (tests/unit/test_enc_params.c).
 *
 * Clients send the sequence and the misc buffers (rate control, frame rate,
 * HRD, quality) when they change (FFmpeg: with IDR pictures only) but the
 * wire carries the whole sequence with every picture: the state keeps the
 * latest of each, and only the picture and slices start afresh per picture.
 */
#ifndef VIVAC_GUEST_ENC_PARAMS_H
#define VIVAC_GUEST_ENC_PARAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <va/va.h>
#include <va/va_enc_h264.h>
#include <va/va_enc_hevc.h>

#include "vivac/protocol.h"

struct vg_enc_params {
    /* Fixed at vaCreateContext. */
    uint32_t vw_codec;            /* VW_CODEC_H264 or VW_CODEC_HEVC */
    uint32_t vw_profile;
    uint32_t rc_mode;             /* the one VW_RC_* bit the config chose */
    struct vw_encode_cap cap;     /* what the daemon offers for the profile */
    uint32_t coded_width;         /* the context's (CREATE_CODEC's) size */
    uint32_t coded_height;

    /* Kept from picture to picture: the latest buffer of each kind. */
    bool have_seq;
    union {
        VAEncSequenceParameterBufferH264 h264;
        VAEncSequenceParameterBufferHEVC hevc;
    } seq;
    bool have_rc;
    VAEncMiscParameterRateControl rc;
    bool have_frame_rate;
    VAEncMiscParameterFrameRate frame_rate;
    bool have_hrd;
    VAEncMiscParameterHRD hrd;
    uint32_t quality_level;       /* 0: default; already within the cap's levels */
    uint32_t since_idr;           /* pictures packed since the last IDR (display order without B) */

    /* The picture being assembled (vg_enc_params_new_picture clears it). */
    bool have_pic;
    union {
        VAEncPictureParameterBufferH264 h264;
        VAEncPictureParameterBufferHEVC hevc;
    } pic;
    uint32_t num_slices;
    uint32_t slice_type;          /* the first slice's (all must agree) */
    int32_t slice_qp_delta;       /* the first slice's */
    uint32_t input_width;         /* the input surface (HEVC cropping) */
    uint32_t input_height;
};

void vg_enc_params_init(struct vg_enc_params *p, uint32_t vw_profile, uint32_t rc_mode,
                        const struct vw_encode_cap *cap, uint32_t coded_width,
                        uint32_t coded_height);
void vg_enc_params_new_picture(struct vg_enc_params *p);

/* Each takes one VA buffer element of `size` bytes (at least the VA
 * struct's size) and returns VA_STATUS_SUCCESS or the VA error for input
 * that is malformed or that the capability cannot honour (logged). */
VAStatus vg_enc_params_sequence(struct vg_enc_params *p, const void *data, size_t size);
VAStatus vg_enc_params_picture(struct vg_enc_params *p, const void *data, size_t size);
/* `count` slice parameter structs, `size` bytes apart. */
VAStatus vg_enc_params_slices(struct vg_enc_params *p, const void *data, size_t size,
                              uint32_t count);
/* A VAEncMiscParameterBuffer (type, then the type's struct). */
VAStatus vg_enc_params_misc(struct vg_enc_params *p, const void *data, size_t size);

/* The coded buffer the picture parameters name (VA_INVALID_ID before any). */
VABufferID vg_enc_params_coded_buf(const struct vg_enc_params *p);

/* The wire sequence and picture of the picture assembled so far, which
 * then counts as sent (display order). VA_STATUS_SUCCESS, or the VA error
 * (logged) when a buffer is missing or a value cannot be honoured.
 *
 * Display order: without B pictures (the capability's max_refs_l1 0) it is
 * the encode order, counted from the last IDR, whatever POC step the client
 * uses (FFmpeg's H.264 POCs count frames or fields depending on its -bf
 * option, GStreamer's count fields). With B pictures: the POC, halved for
 * H.264 POC type 2 (which counts fields); HEVC POCs count frames. */
VAStatus vg_enc_params_pack(struct vg_enc_params *p, struct vw_encode_sequence *seq,
                            struct vw_encode_picture *pic);

#endif
