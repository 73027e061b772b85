/*
 * One Annex-B access unit per VA picture, for engines that feed a stateful
 * bitstream decoder (sw: libavcodec; nvdec: the cuvid parser): the SPS/PPS
 * rebuilt from the VA parameters, only when their bytes change (a new SPS
 * makes decoders drop their reference lists), then the picture's slice NALs,
 * each behind a 4-byte start code.
 *
 * Two steps, so that the caller can write straight into its own buffer:
 * vh_h264_au_plan() checks the picture, parses the slice headers, builds
 * the parameter sets and says how many bytes the unit takes;
 * vh_h264_au_write() writes them and records the parameter sets as sent.
 * The decoder is assumed to take in the parameter sets whether or not the
 * slices then decode.
 *
 * Not thread safe: one builder per codec (one session thread).
 */
#ifndef VIVAC_HOST_H264_ANNEXB_H
#define VIVAC_HOST_H264_ANNEXB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "host/codecs/h264_param_sets.h"
#include "host/codecs/h264_slice_header.h"
#include "host/engine.h"

#define VH_H264_MAX_PPS 256

/* Last PPS sent for one pps_id. */
struct vh_h264_pps_slot {
    uint8_t *block;                           /* 2 x VH_H264_PS_MAX, allocated on first use, */
    uint8_t *bytes;                           /* holding the PPS sent */
    uint8_t *next;                            /* and the one being built (swapped when sent) */
    size_t size;                              /* 0: not sent since the last SPS */
    struct vh_h264_pps_extra extra;
};

/* What the decoder has been sent. Zero-initialise; vh_h264_au_fini frees. */
struct vh_h264_au_builder {
    uint8_t sps[VH_H264_PS_MAX];
    size_t sps_size;                          /* 0: none sent */
    struct vh_h264_pps_slot pps[VH_H264_MAX_PPS];
};

/* One picture's unit, between plan and write (a few KiB: fine on a stack). */
struct vh_h264_au_plan {
    uint64_t size;                            /* bytes vh_h264_au_write will write */
    struct vh_h264_slice_header first;        /* header of the first slice */
    bool new_sps;
    uint8_t sps[VH_H264_PS_MAX];
    size_t sps_size;
    size_t pps_size[VH_H264_MAX_PPS];         /* 0: unchanged, not sent */
    struct vh_h264_pps_extra extras[VH_H264_MAX_PPS];
};

/* VW_OK, or the error (VW_ERR_DECODE for bad slices, VW_ERR_UNSUPPORTED_STREAM
 * / VW_ERR_RESOLUTION from vh_h264_check_params, VW_ERR_NO_MEMORY). `prefix`
 * starts error messages ("sw", "nvdec"). */
int vh_h264_au_plan(struct vh_h264_au_builder *b, const struct vh_picture *pic,
                    struct vh_h264_au_plan *plan, const char *prefix, struct vh_error *err);

/* Writes plan->size bytes to dst and records what was sent. */
void vh_h264_au_write(struct vh_h264_au_builder *b, const struct vh_picture *pic,
                      const struct vh_h264_au_plan *plan, uint8_t *dst);

/* Frees the builder's buffers; it can be used again (as new). */
void vh_h264_au_fini(struct vh_h264_au_builder *b);

#endif
