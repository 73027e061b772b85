/*
 * HEVC bitstream rebuilt from VA's parameters, for engines that feed a
 * stateful bitstream decoder (sw: libavcodec).
 *
 * VA carries no VPS and only the *number* of the SPS's short-term RPS sets,
 * so a slice header that names an SPS set cannot be decoded as sent. Instead:
 *   - a VPS and an SPS are synthesized from the picture parameters with no
 *     short-term RPS sets and no long-term candidates in the SPS;
 *   - a PPS from the picture parameters (explicit tile sizes, the scaling
 *     lists of the IQ buffer as pps_scaling_list_data, and
 *     lists_modification_present_flag = 1);
 *   - range extensions (4:2:2/4:4:4, VAPictureParameterBufferHEVCRext):
 *     profile_tier_level() names the format range extensions profile and
 *     the SPS/PPS carry sps_range_extension()/pps_range_extension()
 *     (libavcodec reads the PPS's only under general_profile_idc 4);
 *   - every independent slice segment header is rewritten: an explicit
 *     st_ref_pic_set() and long-term entries built from ReferenceFrames
 *     (flags and POCs), and ref_pic_lists_modification() from RefPicList,
 *     the rest copied bit for bit; then byte_alignment(), the header is
 *     re-escaped and the original slice data (escaped bytes, so that entry
 *     point offsets still hold) follows. Dependent slice segments carry no
 *     RPS and pass unchanged.
 * Every NAL written here has its 2-byte NAL header and no start code.
 */
#ifndef VIVAC_HOST_HEVC_HEADERS_H
#define VIVAC_HOST_HEVC_HEADERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vivac/protocol.h"

/* Upper bound of a VPS/SPS/PPS written here (a PPS with every scaling list
 * at its largest Exp-Golomb codes, escaped). */
#define VH_HEVC_PS_MAX 4096u
/* A rewritten slice NAL is at most this many bytes larger than the original. */
#define VH_HEVC_SLICE_GROWTH 2048u

enum { VH_HEVC_NAL_VPS = 32, VH_HEVC_NAL_SPS = 33, VH_HEVC_NAL_PPS = 34 };
enum { VH_HEVC_SLICE_B = 0, VH_HEVC_SLICE_P = 1, VH_HEVC_SLICE_I = 2 };

/* Fields of a parsed slice segment header (what tests and engines need). */
struct vh_hevc_slice_header {
    uint8_t nal_unit_type;
    uint8_t temporal_id;
    bool first_slice_segment_in_pic_flag;
    bool dependent_slice_segment_flag;
    uint32_t pps_id;
    uint32_t slice_segment_address;
    uint8_t slice_type;                       /* VH_HEVC_SLICE_* */
    uint32_t slice_pic_order_cnt_lsb;
    bool short_term_ref_pic_set_sps_flag;
    /* Explicit st_ref_pic_set() (when !short_term_ref_pic_set_sps_flag and
     * not inter-predicted): POC deltas and used flags. */
    uint8_t num_negative_pics, num_positive_pics;
    int32_t delta_poc[2][16];                 /* [0] negative, [1] positive */
    bool used[2][16];
    uint8_t num_long_term_pics;
    uint32_t poc_lsb_lt[16];
    bool used_lt[16];
    uint32_t delta_poc_msb_cycle_lt[16];
    bool slice_temporal_mvp_enabled_flag;
    uint32_t num_ref_idx_active[2];           /* P/B: active entries per list */
    bool ref_pic_list_modification_flag[2];
    uint8_t list_entry[2][16];
    /* pred_weight_table(), when the slice has one (values as coded). */
    bool has_pred_weight_table;
    uint8_t luma_log2_weight_denom;
    int8_t delta_chroma_log2_weight_denom;
    int16_t delta_luma_weight[2][16];
    int32_t luma_offset[2][16];
    int16_t delta_chroma_weight[2][16][2];
    int32_t delta_chroma_offset[2][16][2];
    bool cu_chroma_qp_offset_enabled_flag;
    uint32_t num_entry_point_offsets;
    uint32_t offset_len_minus1;
    uint32_t header_bits;                     /* slice_segment_header() before byte_alignment() */
    uint32_t data_offset;                     /* RBSP bytes before the slice data */
};

/* Write the parameter set NAL (escaped, NAL header included) into out;
 * return the bytes written, 0 if cap is too small. `iq` may be NULL (no
 * explicit lists: defaults). `profile` is the codec's VW_PROFILE_HEVC_*,
 * which names profile_tier_level()'s profile: Main/Main 10 by bit depth
 * for Main and Main10, the format range extensions profile (4, with its
 * constraint flags) for the others; 0: the smallest profile that holds
 * the picture. The range extension fields of the picture go into
 * sps_range_extension() / pps_range_extension() when any is non-zero. */
size_t vh_hevc_write_vps(const struct vw_hevc_picture *p, uint32_t profile, uint8_t *out,
                         size_t cap);
size_t vh_hevc_write_sps(const struct vw_hevc_picture *p, uint32_t profile, uint8_t *out,
                         size_t cap);
size_t vh_hevc_write_pps(const struct vw_hevc_picture *p, const struct vw_hevc_iq_matrix *iq,
                         uint32_t pps_id, uint8_t *out, size_t cap);

/* Whether any range extension field of the picture is set (the SPS or PPS
 * then has its range extension). */
bool vh_hevc_uses_range_extension(const struct vw_hevc_picture *p);

/* Parses the slice segment header of `nal` (NAL header first, emulation
 * prevention kept) with the SPS/PPS fields that VA carries in `p`. With
 * `rewritten`, the header is one written by vh_hevc_rewrite_slice (explicit
 * RPS, lists_modification_present_flag 1, no SPS long-term candidates).
 * Returns 0, or -1 if it is not a slice segment or truncated/out of range. */
int vh_hevc_parse_slice_header(const struct vw_hevc_picture *p, const uint8_t *nal, size_t size,
                               bool rewritten, struct vh_hevc_slice_header *out);

/* Rewrites one slice NAL (see the top of this file) into out (cap >= size +
 * VH_HEVC_SLICE_GROWTH). Returns the bytes written; 0 if the slice header
 * does not parse (-> *why) or the references cannot be expressed. `hdr`
 * receives the original header's fields. */
size_t vh_hevc_rewrite_slice(const struct vw_hevc_picture *p, const struct vw_hevc_slice *s,
                             const uint8_t *nal, size_t size, uint8_t *out, size_t cap,
                             struct vh_hevc_slice_header *hdr, const char **why);

#endif
