/*
 * The libavcodec encoder (encoder.h) inside: the table of encoders it may
 * use (avenc_table.c), the probe's findings, and the frame copy
 * (avenc_frame.c). Not for use outside this folder.
 */
#ifndef VIVAC_HOST_AVENC_INTERNAL_H
#define VIVAC_HOST_AVENC_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <libavcodec/avcodec.h>
#include <libavutil/dict.h>
#include <libavutil/frame.h>

#include "host/encoder.h"

/* One libavcodec encoder vivac knows how to drive. */
struct avenc_kind {
    const char *name;             /* avcodec_find_encoder_by_name */
    uint32_t codec;               /* VW_CODEC_H264 or VW_CODEC_HEVC */
    bool gpu;                     /* tried only when the probe is asked to */
    /* What the libavcodec wrapper changes on a running encoder: bit rate,
     * peak and VBV in these VW_RC_* modes (libx264's and nvenc's reconfig;
     * x264 refuses new VBV settings with NAL HRD, which its CBR uses).
     * Anything else, a new CQP qp included (x264's reconfig does not take
     * one), reopens it, at an IDR. */
    uint32_t rate_reconfig_modes;
    bool pads_cbr;                /* writes its own CBR filler (else avenc_filler) */
    enum AVPixelFormat fmt8;      /* input format for NV12 surfaces */
    enum AVPixelFormat fmt10;     /* for P010 surfaces (AV_PIX_FMT_NONE: no 10-bit) */
    /* Fills the wrapper's private options for cfg (profile, preset, tune,
     * rate control, the one-in-one-out settings). */
    void (*options)(const struct vh_encoder_config *cfg, AVDictionary **opts);
};

/* Probe results: the kind that serves each codec (NULL: none) and whether
 * it took 10-bit input. */
struct avenc_choice {
    const struct avenc_kind *kind;
    bool main10;
};

extern const struct avenc_kind avenc_kinds[];
extern const unsigned avenc_num_kinds;

/* The probe's choice for `codec` (probing if not done yet). */
const struct avenc_choice *avenc_choice_of(uint32_t codec);

/* An opened codec context of kind for cfg (the probe also uses it). */
int avenc_open_context(const struct avenc_kind *kind, const struct vh_encoder_config *cfg,
                       AVCodecContext **out, struct vh_error *err);

/* Copies the input's display rectangle into frame (allocated by the
 * caller with frame->format, width and height set). */
int avenc_frame_fill(AVFrame *frame, const struct vh_encoder_input *in, struct vh_error *err);

/* CBR filler for encoders that do not pad (avenc_filler.c): the bits the
 * rate allowed that the pictures so far did not take. */
struct avenc_filler {
    double owed_bits;
};
void avenc_filler_reset(struct avenc_filler *f);
/* Appends filler data to pkt when the stream is below its CBR rate; a
 * no-op outside CBR. 0 or a negative AVERROR. */
int avenc_filler_pad(struct avenc_filler *f, uint32_t codec, const struct vw_encode_sequence *q,
                     AVPacket *pkt);

/* x264/x265 preset of quality level q (0: the default). */
const char *avenc_preset(uint32_t quality_level);
#define AVENC_QUALITY_LEVELS 4u

#endif
