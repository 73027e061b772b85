/* Checks of the wire VP9 structs (vw_vp9_picture, vw_vp9_slice) against the
 * ranges of the VP9 specification and against the target surface. The
 * engines decode the frame's own headers; these checks keep the parameters
 * (which hardware engines use) consistent with the data, and the data's
 * own sizes, depth and chroma format with what the parameters, the target
 * and the codec were checked and charged for (the sw engine's libavcodec
 * allocates what the uncompressed header says, not what the parameters
 * say). */
#include <string.h>

#include "common/bitreader.h"
#include "host/session_internal.h"
#include "host/validate.h"

/* ---- uncompressed header (VP9 bitstream specification 6.2) ---------------- */

#define VP9_CS_RGB 7u

/* color_config(): NULL or why the frame is not decodable. */
static const char *read_color_config(struct vc_bitreader *r, struct vh_vp9_header *h)
{
    h->has_color_config = true;
    h->bit_depth = h->profile >= 2 ? (vc_br_bit(r) ? 12u : 10u) : 8u;
    h->color_space = vc_br_bits(r, 3);
    bool odd_profile = h->profile == 1 || h->profile == 3;
    if (h->color_space != VP9_CS_RGB) {
        vc_br_bit(r); /* color_range */
        h->subsampling_x = h->subsampling_y = 1;
        if (odd_profile) {
            h->subsampling_x = vc_br_bit(r);
            h->subsampling_y = vc_br_bit(r);
            if (vc_br_bit(r))
                return "reserved_zero after the subsampling is 1";
            if (h->subsampling_x && h->subsampling_y)
                return "4:2:0 in profile 1 or 3";
        }
    } else {
        if (!odd_profile)
            return "RGB in profile 0 or 2";
        h->subsampling_x = h->subsampling_y = 0;
        if (vc_br_bit(r))
            return "reserved_zero after color_space is 1";
    }
    return NULL;
}

static void read_frame_size(struct vc_bitreader *r, struct vh_vp9_header *h)
{
    h->has_size = true;
    h->width = vc_br_bits(r, 16) + 1u;
    h->height = vc_br_bits(r, 16) + 1u;
}

static void read_render_size(struct vc_bitreader *r, struct vh_vp9_header *h)
{
    h->render_width = h->width;
    h->render_height = h->height;
    if (vc_br_bit(r)) { /* render_and_frame_size_different */
        h->render_width = vc_br_bits(r, 16) + 1u;
        h->render_height = vc_br_bits(r, 16) + 1u;
    }
}

static bool read_sync_code(struct vc_bitreader *r)
{
    return vc_br_bits(r, 24) == 0x498342u;
}

const char *vh_vp9_read_header(const uint8_t *data, uint32_t size, struct vh_vp9_header *h)
{
    memset(h, 0, sizeof(*h));
    h->found_ref = -1;
    struct vc_bitreader r;
    vc_br_init(&r, data, size);
    if (vc_br_bits(&r, 2) != 2)
        return "no frame marker";
    h->profile = vc_br_bit(&r);
    h->profile |= vc_br_bit(&r) << 1;
    if (h->profile == 3 && vc_br_bit(&r))
        return "reserved_zero after profile 3 is 1";
    h->show_existing_frame = vc_br_bit(&r);
    if (h->show_existing_frame) {
        h->frame_to_show_map_idx = vc_br_bits(&r, 3);
        goto done;
    }
    h->frame_type = vc_br_bit(&r);
    h->show_frame = vc_br_bit(&r);
    h->error_resilient_mode = vc_br_bit(&r);
    const char *why = NULL;
    if (h->frame_type == 0) {
        if (!read_sync_code(&r))
            return "no frame sync code";
        if ((why = read_color_config(&r, h)))
            return why;
        h->refresh_frame_flags = 0xff;
        read_frame_size(&r, h);
        read_render_size(&r, h);
        goto done;
    }
    h->intra_only = h->show_frame ? false : vc_br_bit(&r);
    if (!h->error_resilient_mode)
        vc_br_bits(&r, 2); /* reset_frame_context */
    if (h->intra_only) {
        if (!read_sync_code(&r))
            return "no frame sync code";
        if (h->profile > 0) {
            if ((why = read_color_config(&r, h)))
                return why;
        } else {
            /* Profile 0 intra-only frames are 8-bit 4:2:0 (BT.601). */
            h->has_color_config = true;
            h->bit_depth = 8;
            h->subsampling_x = h->subsampling_y = 1;
        }
        h->refresh_frame_flags = vc_br_bits(&r, 8);
        read_frame_size(&r, h);
        read_render_size(&r, h);
        goto done;
    }
    h->refresh_frame_flags = vc_br_bits(&r, 8);
    for (int i = 0; i < 3; i++) {
        h->ref_frame_idx[i] = vc_br_bits(&r, 3);
        vc_br_bit(&r); /* ref_frame_sign_bias */
    }
    /* frame_size_with_refs(): the size of the first reference found, or
     * coded. */
    for (int i = 0; i < 3 && h->found_ref < 0; i++)
        if (vc_br_bit(&r))
            h->found_ref = i;
    if (h->found_ref < 0)
        read_frame_size(&r, h);
    read_render_size(&r, h);
done:
    if (r.failed)
        return "truncated uncompressed header";
    return NULL;
}

unsigned vh_vp9_superframe_frames(const uint8_t *data, uint32_t size)
{
    /* Annex B: the last byte is a marker 0b110mmfff, repeated as the
     * index's first byte, with (fff + 1) frame sizes of (mm + 1) bytes. */
    if (size == 0)
        return 0;
    uint8_t marker = data[size - 1];
    if ((marker & 0xe0) != 0xc0)
        return 0;
    unsigned frames = (marker & 7u) + 1u, bytes = ((marker >> 3) & 3u) + 1u;
    uint32_t index = 2u + bytes * frames;
    return size >= index && data[size - index] == marker ? frames : 0;
}

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
    /* One frame a picture, as VA has it (FFmpeg and GStreamer split
     * superframes first). libavcodec would split one itself and decode
     * frames whose headers nobody checked. */
    unsigned frames = vh_vp9_superframe_frames(data, size);
    REQUIRE(frames == 0, VW_ERR_MALFORMED,
            SL "the data ends in a superframe index (%u frames): one frame a picture", index,
            frames);

    /* The uncompressed header: what the decoder allocates for must be what
     * the parameters say. Those were checked against the target surface
     * (check_picture: fits it; profile and depth its format's) and the
     * codec (DECODE_BITSTREAM: no larger than its declared, charged size),
     * which transitively bind the frame. */
    struct vh_vp9_header h;
    const char *why = vh_vp9_read_header(data, size, &h);
    REQUIRE(!why, VW_ERR_MALFORMED, SL "uncompressed header: %s (first byte 0x%02x)", index, why,
            data[0]);
    REQUIRE(h.profile == pic->profile, VW_ERR_MALFORMED,
            SL "the frame header says profile %u, the picture parameters %u", index, h.profile,
            pic->profile);
    if (h.has_color_config) {
        REQUIRE(h.bit_depth == pic->bit_depth, VW_ERR_MALFORMED,
                SL "the frame header says %u-bit, the picture parameters %u-bit", index,
                h.bit_depth, pic->bit_depth);
        REQUIRE(h.subsampling_x == pic->subsampling_x && h.subsampling_y == pic->subsampling_y,
                VW_ERR_MALFORMED,
                SL "the frame header says subsampling %u/%u, the picture parameters %u/%u",
                index, h.subsampling_x, h.subsampling_y, pic->subsampling_x,
                pic->subsampling_y);
    }
    /* Sizes coded in the header (key frames, intra-only frames, inter
     * frames with no reference of their size). The render size is not
     * checked: it is a display hint that no decoder allocates for.
     *
     * An inter frame that takes its size from a reference slot
     * (frame_size_with_refs, found_ref) is not checked here: the slots are
     * engine state. libavcodec keeps its own eight, updated only by frames
     * it decoded to the end; hardware engines take the references from
     * reference_frames[] and the size from the parameters. A copy kept
     * here would drift from libavcodec's whenever a decode fails after
     * this check, and then refuse good streams or pass bad ones. Nor is it
     * needed for memory: a slot only ever holds a frame decoded by the
     * same codec, whose own size was coded and checked here (key or
     * intra-only frame, or an explicit size), so it is no larger than the
     * codec's. What remains, a slot's size other than the parameters' (a
     * picture larger or smaller than its surface), is refused by the
     * engine: the sw engine stores a picture only if it is exactly the
     * size and format its parameters say (sw_surface_set_frame), and
     * libavcodec allocates nothing beyond the codec's size (max_pixels). */
    if (h.has_size)
        REQUIRE(h.width == pic->frame_width && h.height == pic->frame_height, VW_ERR_MALFORMED,
                SL "the frame header says %ux%u, the picture parameters %ux%u (the surface's "
                "and codec's checked size)", index, h.width, h.height, pic->frame_width,
                pic->frame_height);

    /* A frame shown from a reference (show_existing_frame) is 1-2 bytes
     * long and has no compressed header. */
    if (!h.show_existing_frame)
        REQUIRE((uint64_t)pic->frame_header_length_in_bytes + pic->first_partition_size <= size,
                VW_ERR_MALFORMED,
                SL "headers (%u + %u bytes) exceed the %u-byte frame", index,
                pic->frame_header_length_in_bytes, pic->first_partition_size, size);
    return VW_OK;
}
