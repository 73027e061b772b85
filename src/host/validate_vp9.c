/* Checks of the wire VP9 structs (vw_vp9_picture, vw_vp9_slice) against the
 * ranges of the VP9 specification and against the target surface. The
 * engines decode the frame's own headers; these checks keep the parameters
 * (which hardware engines use) consistent with the data. */
#include <string.h>

#include "host/session_internal.h"
#include "host/validate.h"

#define PIC "DECODE_BITSTREAM: VP9 picture params: "
#define SL "DECODE_BITSTREAM: VP9 slice %u: "

#define REQUIRE_MAX_IN(p, field, hi, prefix, ...)                                         \
    REQUIRE((p)->field <= (hi), VW_ERR_MALFORMED, prefix #field " is %u, above %u",     \
            ##__VA_ARGS__, (unsigned)(p)->field, (unsigned)(hi))

int vh_vp9_check_picture(const struct vw_vp9_picture *p, const struct vh_surface *target,
                         struct vh_error *err)
{
    for (size_t i = 0; i < sizeof(p->reserved); i++)
        REQUIRE(p->reserved[i] == 0, VW_ERR_MALFORMED, PIC "reserved is not 0");

    /* Profile 0 (8-bit) on YUV420 (NV12) targets, profile 2 (10-bit) on
     * YUV420_10 (P010) ones; BEGIN_FRAME made the target's format the
     * codec's, which the caps allow for VP9 profile 2 only. */
    unsigned profile = target->rt_format == VW_RT_YUV420_10 ? 2u : 0u;
    REQUIRE(p->profile == profile, VW_ERR_UNSUPPORTED_STREAM,
            PIC "profile %u (only profile %u on this surface)", p->profile, profile);
    REQUIRE(p->bit_depth == (profile ? 10 : 8), VW_ERR_UNSUPPORTED_STREAM,
            PIC "bit_depth %u (%u-bit only on this surface)", p->bit_depth, profile ? 10u : 8u);
    REQUIRE(p->subsampling_x == 1 && p->subsampling_y == 1, VW_ERR_UNSUPPORTED_STREAM,
            PIC "subsampling %u/%u (only 4:2:0 is supported)", p->subsampling_x,
            p->subsampling_y);

    REQUIRE_MAX_IN(p, frame_type, 1, PIC);
    REQUIRE_MAX_IN(p, show_frame, 1, PIC);
    REQUIRE_MAX_IN(p, error_resilient_mode, 1, PIC);
    REQUIRE_MAX_IN(p, intra_only, 1, PIC);
    REQUIRE_MAX_IN(p, allow_high_precision_mv, 1, PIC);
    REQUIRE_MAX_IN(p, mcomp_filter_type, 4, PIC);
    REQUIRE_MAX_IN(p, frame_parallel_decoding_mode, 1, PIC);
    REQUIRE_MAX_IN(p, reset_frame_context, 3, PIC);
    REQUIRE_MAX_IN(p, refresh_frame_context, 1, PIC);
    REQUIRE_MAX_IN(p, frame_context_idx, 3, PIC);
    REQUIRE_MAX_IN(p, segmentation_enabled, 1, PIC);
    REQUIRE_MAX_IN(p, segmentation_temporal_update, 1, PIC);
    REQUIRE_MAX_IN(p, segmentation_update_map, 1, PIC);
    REQUIRE_MAX_IN(p, last_ref_frame, 7, PIC);
    REQUIRE_MAX_IN(p, last_ref_frame_sign_bias, 1, PIC);
    REQUIRE_MAX_IN(p, golden_ref_frame, 7, PIC);
    REQUIRE_MAX_IN(p, golden_ref_frame_sign_bias, 1, PIC);
    REQUIRE_MAX_IN(p, alt_ref_frame, 7, PIC);
    REQUIRE_MAX_IN(p, alt_ref_frame_sign_bias, 1, PIC);
    REQUIRE_MAX_IN(p, lossless_flag, 1, PIC);
    REQUIRE_MAX_IN(p, filter_level, 63, PIC);
    REQUIRE_MAX_IN(p, sharpness_level, 7, PIC);
    REQUIRE_MAX_IN(p, log2_tile_rows, 2, PIC);
    REQUIRE_MAX_IN(p, log2_tile_columns, 6, PIC);

    /* The frame must fit the render target: the client allocates surfaces
     * of the stream's size (VP9 sizes need no macroblock alignment). */
    REQUIRE(p->frame_width >= 1 && p->frame_height >= 1, VW_ERR_MALFORMED,
            PIC "frame size %ux%u", p->frame_width, p->frame_height);
    REQUIRE(p->frame_width <= target->width && p->frame_height <= target->height,
            VW_ERR_MALFORMED, PIC "frame %ux%u does not fit surface %u (%ux%u)",
            p->frame_width, p->frame_height, target->id, target->width, target->height);
    return VW_OK;
}

int vh_vp9_check_slice(const struct vw_vp9_slice *s, uint32_t index,
                       const struct vw_vp9_picture *pic, const uint8_t *data, uint32_t size,
                       struct vh_error *err)
{
    REQUIRE(s->reserved == 0, VW_ERR_MALFORMED, SL "reserved is not 0", index);
    for (uint32_t i = 0; i < 8; i++) {
        const struct vw_vp9_segment *g = &s->seg_param[i];
        REQUIRE(g->reserved == 0, VW_ERR_MALFORMED, SL "seg_param[%u].reserved is not 0", index,
                i);
        REQUIRE(g->segment_reference_enabled <= 1 && g->segment_reference <= 3 &&
                    g->segment_reference_skipped <= 1,
                VW_ERR_MALFORMED, SL "seg_param[%u].segment_flags out of range", index, i);
        for (int r = 0; r < 4; r++)
            for (int m = 0; m < 2; m++)
                REQUIRE(g->filter_level[r][m] <= 63, VW_ERR_MALFORMED,
                        SL "seg_param[%u].filter_level[%d][%d] %u > 63", index, i, r, m,
                        g->filter_level[r][m]);
    }
    /* The uncompressed header starts with frame_marker (2 bits, 0b10). A
     * frame shown from a reference (show_existing_frame) is 1-2 bytes long
     * and has no compressed header. */
    REQUIRE((data[0] >> 6) == 2, VW_ERR_MALFORMED, SL "no VP9 frame marker (first byte 0x%02x)",
            index, data[0]);
    bool show_existing = (data[0] & 0x08) != 0; /* profile 0: marker(2) profile(2) then this bit */
    if (!show_existing)
        REQUIRE((uint64_t)pic->frame_header_length_in_bytes + pic->first_partition_size <= size,
                VW_ERR_MALFORMED,
                SL "headers (%u + %u bytes) exceed the %u-byte frame", index,
                pic->frame_header_length_in_bytes, pic->first_partition_size, size);
    return VW_OK;
}
