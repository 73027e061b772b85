/* Checks of the wire VP8 structs (vw_vp8_picture, vw_vp8_slice) against the
 * VP8 ranges (RFC 6386), the target surface and the slice data.
 *
 * Sizes: a VP8 key frame carries its size in the frame tag (start code
 * 9d 01 2a, 14-bit width and height, 2-bit scales), but VA strips the tag:
 * the slice data starts at partition 0, whose bool-coded header carries no
 * size. The engines rebuild the tag from these parameters
 * (host/codecs/vp8_frame_tag.c, scales 0), so the size a decoder acts on
 * for a key frame is frame_width/frame_height, checked below against the
 * target and by DECODE_BITSTREAM against the codec; whatever the guest
 * puts in the data is never read as a tag. An inter frame keeps the size of
 * the codec's last key frame, which was checked the same way (so it is no
 * larger than the codec's); whether it is this picture's size is engine
 * state (libavcodec's, updated only as far as its decode got), so the
 * engine checks it: the sw engine stores a picture only if it is exactly
 * the size its parameters say (sw_surface_set_frame). */
#include "host/session_internal.h"
#include "host/validate.h"

#define PIC "DECODE_BITSTREAM: VP8 picture params: "
#define SL "DECODE_BITSTREAM: VP8 slice %u: "

int vh_vp8_check_picture(const struct vw_vp8_picture *p, const struct vh_surface *target,
                         struct vh_error *err)
{
    REQUIRE_MAX(p, key_frame, 1);
    REQUIRE_MAX(p, version, 3);
    REQUIRE_MAX(p, segmentation_enabled, 1);
    REQUIRE_MAX(p, update_mb_segmentation_map, 1);
    REQUIRE_MAX(p, update_segment_feature_data, 1);
    REQUIRE_MAX(p, filter_type, 1);
    REQUIRE_MAX(p, sharpness_level, 7);
    REQUIRE_MAX(p, loop_filter_adj_enable, 1);
    REQUIRE_MAX(p, mode_ref_lf_delta_update, 1);
    REQUIRE_MAX(p, sign_bias_golden, 1);
    REQUIRE_MAX(p, sign_bias_alternate, 1);
    REQUIRE_MAX(p, mb_no_coeff_skip, 1);
    REQUIRE_MAX(p, loop_filter_disable, 1);
    for (int i = 0; i < 4; i++)
        REQUIRE(p->loop_filter_level[i] <= 63, VW_ERR_MALFORMED,
                PIC "loop_filter_level[%d] %u > 63", i, p->loop_filter_level[i]);
    /* A key frame carries its size in 14 bits. */
    REQUIRE(p->frame_width >= 1 && p->frame_height >= 1 && p->frame_width < (1u << 14) &&
                p->frame_height < (1u << 14),
            VW_ERR_MALFORMED, PIC "frame size %ux%u", p->frame_width, p->frame_height);
    REQUIRE(p->frame_width <= target->width && p->frame_height <= target->height,
            VW_ERR_MALFORMED, PIC "frame %ux%u does not fit surface %u (%ux%u)", p->frame_width,
            p->frame_height, target->id, target->width, target->height);
    return VW_OK;
}

int vh_vp8_check_slice(const struct vw_vp8_slice *s, uint32_t index,
                       const struct vw_vp8_picture *pic, const uint8_t *data, uint32_t size,
                       struct vh_error *err)
{
    REQUIRE(s->reserved[0] == 0 && s->reserved[1] == 0 && s->reserved[2] == 0,
            VW_ERR_MALFORMED, SL "reserved is not 0", index);
    uint32_t n = s->num_of_partitions;
    REQUIRE(n == 2 || n == 3 || n == 5 || n == 9, VW_ERR_MALFORMED,
            SL "num_of_partitions %u (1 + 1, 2, 4 or 8 DCT partitions)", index, n);
    /* Partition 0 (header bits + macroblock data), the DCT partition size
     * table (3 bytes per partition but the last), then the DCT partitions
     * must all lie in the data; the frame tag's 19-bit size field must hold
     * partition 0's size. */
    uint64_t first = (uint64_t)s->partition_size[0] + (s->macroblock_offset + 7u) / 8u;
    REQUIRE(first < (1u << 19), VW_ERR_MALFORMED,
            SL "partition 0 of %llu bytes does not fit the frame tag", index,
            (unsigned long long)first);
    uint64_t total = first + 3u * (n - 2);
    for (uint32_t i = 1; i < n; i++)
        total += s->partition_size[i];
    REQUIRE(total <= size, VW_ERR_MALFORMED,
            SL "partitions (%llu bytes) exceed the %u-byte slice data", index,
            (unsigned long long)total, size);
    for (uint32_t i = n; i < 9; i++)
        REQUIRE(s->partition_size[i] == 0, VW_ERR_MALFORMED,
                SL "partition_size[%u] set beyond num_of_partitions", index, i);
    return VW_OK;
}
