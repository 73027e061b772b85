/*
 * One HEVC Annex-B access unit per VA picture, for engines that feed a
 * stateful bitstream decoder (sw: libavcodec; nvdec: the cuvid parser):
 * the VPS, SPS and PPS synthesized from the VA parameters (hevc_headers.h),
 * each only when its bytes change (a new SPS makes decoders drop their DPB;
 * a new VPS or SPS drops the parameter sets that refer to it, so those
 * follow), then every slice with its header rewritten, each NAL behind a
 * 4-byte start code. Both engines get the same bytes.
 *
 * Two steps, so that the caller can write straight into its own buffer:
 * vh_hevc_au_plan() rewrites the slices (into the builder), builds the
 * parameter sets and says how many bytes the unit takes;
 * vh_hevc_au_write() writes them and records the parameter sets as sent.
 * The decoder is assumed to take in the parameter sets whether or not the
 * slices then decode.
 *
 * Not thread safe: one builder per codec (one session thread).
 */
#ifndef VIVAC_HOST_HEVC_ANNEXB_H
#define VIVAC_HOST_HEVC_ANNEXB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "host/codecs/hevc_headers.h"
#include "host/engine.h"

#define VH_HEVC_MAX_PPS 64                    /* pps_id 0..63 */

/* What the decoder has been sent, and the rewritten slices of the picture
 * being planned. Zero-initialise; vh_hevc_au_fini frees. */
struct vh_hevc_au_builder {
    uint32_t profile;                         /* the codec's VW_PROFILE_HEVC_*; 0: unknown */
    uint8_t vps[VH_HEVC_PS_MAX];
    size_t vps_size;                          /* 0: none sent */
    uint8_t sps[VH_HEVC_PS_MAX];
    size_t sps_size;
    uint8_t *pps[VH_HEVC_MAX_PPS];            /* VH_HEVC_PS_MAX each, allocated on use */
    size_t pps_size[VH_HEVC_MAX_PPS];         /* 0: not sent since the last SPS */
    uint8_t *slices;                          /* start code + rewritten NAL, per slice */
    size_t slices_cap;
};

/* One picture's unit, between plan and write (12 KiB: keep it off small
 * stacks). */
struct vh_hevc_au_plan {
    uint64_t size;                            /* bytes vh_hevc_au_write will write */
    uint32_t pps_id;                          /* named by the first slice */
    bool new_vps, new_sps, new_pps;
    uint8_t vps[VH_HEVC_PS_MAX];
    size_t vps_size;
    uint8_t sps[VH_HEVC_PS_MAX];
    size_t sps_size;
    uint8_t pps[VH_HEVC_PS_MAX];
    size_t pps_size;
    size_t slices_size;                       /* bytes at builder->slices */
};

/* VW_OK, or VW_ERR_UNSUPPORTED_STREAM if the VA profile `profile`
 * (VW_PROFILE_HEVC_*) does not allow the picture's chroma format, bit
 * depths or range extension tools (H.265 A.3): Main 4:2:0 8-bit; Main10
 * 4:2:0 8-10; Main 4:2:2 10 4:2:0/4:2:2 8-10; Main 4:4:4 4:2:0-4:4:4 8;
 * Main 4:4:4 10 4:2:0-4:4:4 8-10; range extension fields on the last three
 * only. Profile 0 (unknown) allows everything. */
int vh_hevc_check_profile(uint32_t profile, const struct vw_hevc_picture *p, const char *prefix,
                          struct vh_error *err);

/* VW_OK, or the error (VW_ERR_DECODE for slices that do not parse or whose
 * references cannot be expressed, VW_ERR_UNSUPPORTED_STREAM for pictures
 * that b->profile does not allow (vh_hevc_check_profile), VW_ERR_NO_MEMORY,
 * VW_ERR_INTERNAL). `prefix` starts error messages ("sw", "nvdec"). Set
 * b->profile before the first picture: it also names the parameter sets'
 * profile (hevc_headers.h). */
int vh_hevc_au_plan(struct vh_hevc_au_builder *b, const struct vh_picture *pic,
                    struct vh_hevc_au_plan *plan, const char *prefix, struct vh_error *err);

/* Writes plan->size bytes to dst and records what was sent. */
void vh_hevc_au_write(struct vh_hevc_au_builder *b, const struct vh_hevc_au_plan *plan,
                      uint8_t *dst);

/* Frees the builder's buffers; it can be used again (as new). */
void vh_hevc_au_fini(struct vh_hevc_au_builder *b);

#endif
