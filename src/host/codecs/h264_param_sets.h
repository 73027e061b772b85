/*
 * H.264 SPS/PPS synthesis from VA-level parameters.  VA hands the engine
 * parsed parameters, bitstream decoders (libavcodec, NVIDIA's cuvid parser)
 * want a bitstream: these functions write parameter sets that make the
 * decoder decode the original slices exactly as the original parameter sets
 * would.  Shared by the engines (src/host/codecs/, no libavcodec here).
 *
 * What is written, and why:
 *   - SPS id 0, profile_idc 100 (High): libavcodec parses chroma_format_idc,
 *     bit depths and the PPS extension (transform_8x8_mode_flag, scaling
 *     lists, second_chroma_qp_index_offset) only for High-family profiles.
 *     Nothing in the decoding process of 4:2:0 8-bit depends on profile_idc.
 *   - level_idc 51: the largest frame accepted (4096x2304) is its MaxFS.
 *   - no cropping: the engine reads surfaces from the top-left of the full
 *     coded picture, so cropping would change nothing.
 *   - VUI with bitstream_restriction, max_num_reorder_frames 0: the engine
 *     captures pictures in decode order, so libavcodec's output queue is only
 *     a cost; 0 keeps it from holding extra pictures.
 *   - Scaling lists go in the PPS, every list explicit (VA gives them in
 *     raster order; the bitstream wants zig-zag order), so the matrices come
 *     out exactly as the client's decoder had them whatever the original
 *     SPS/PPS fall-back chain was. Without an IQ matrix, none: flat 16.
 */
#ifndef VIVAC_HOST_H264_PARAM_SETS_H
#define VIVAC_HOST_H264_PARAM_SETS_H

#include <stddef.h>
#include <stdint.h>

#include "host/engine.h"
#include "vivac/protocol.h"

/* Upper bound of one escaped SPS or PPS NAL (the PPS with all eight lists
 * is at most ~480 bytes before escaping). */
#define VH_H264_PS_MAX 1024u

/* Largest picture accepted (level 5.1 MaxFS). */
#define VH_H264_MAX_WIDTH 4096u
#define VH_H264_MAX_HEIGHT 2304u

/* PPS fields that VA does not carry; the codec derives them from the slice
 * headers (see h264_annexb.c). */
struct vh_h264_pps_extra {
    uint8_t pps_id;
    uint8_t num_ref_idx_l0_default_active_minus1;
    uint8_t num_ref_idx_l1_default_active_minus1;
};

/* Checks that `p` (and `iq`, may be NULL) describe a stream the parameter
 * sets can reproduce: VW_OK; VW_ERR_UNSUPPORTED_STREAM for valid H.264 that
 * this engine cannot rebuild (POC type 1, FMO, not 4:2:0 8-bit);
 * VW_ERR_RESOLUTION beyond 4096x2304; VW_ERR_DECODE for values out of the
 * ranges H.264 allows. The write functions assume a checked `p`. */
int vh_h264_check_params(const struct vw_h264_picture *p,
                         const struct vw_h264_iq_matrix *iq, struct vh_error *err);

/* Write one NAL unit (header byte + escaped RBSP, no start code) into `out`.
 * Return its size, or 0 if `cap` is too small (VH_H264_PS_MAX always fits). */
size_t vh_h264_write_sps(const struct vw_h264_picture *p, uint8_t *out, size_t cap);
size_t vh_h264_write_pps(const struct vw_h264_picture *p,
                         const struct vw_h264_iq_matrix *iq,
                         const struct vh_h264_pps_extra *extra,
                         uint8_t *out, size_t cap);

#endif
