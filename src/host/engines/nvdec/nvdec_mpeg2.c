/*
 * MPEG-2 (Simple, Main) on NVDEC: VA gives the slices without the headers;
 * the packet is the headers rebuilt from the parameters followed by the
 * slices (src/host/codecs/mpeg2_headers.c, no libavcodec): the bytes
 * sw_mpeg2.c gives libavcodec, with the same per-stream state (the matrices
 * loaded so far, the progressive_sequence guess).
 *
 * A field picture is two VA pictures into one surface. The second field
 * gets no sequence header, so the parser takes it as the second field of
 * the frame in progress and decodes it into the first field's slot: the
 * slot is copied after each field, and the copy after the second one is
 * the whole frame (as for H.264 field pairs; Weave in nvdec_codec.c).
 *
 * Not bit-exact with sw: NVDEC's IDCT is not libavcodec's (MPEG-2 allows
 * IEEE 1180 mismatch); on an H200 the four corpus traces differ by at most
 * 3 per sample, 63-69 dB PSNR, drift reset at each I frame.
 */
#include "host/codecs/mpeg2_headers.h"
#include "host/engines/nvdec/nvdec_internal.h"

static int mpeg2_packet_size(struct nvdec_codec *c, const struct vh_picture *pic, size_t *size,
                             struct vh_error *err)
{
    (void)err;
    *size = vh_mpeg2_packet_size(pic, c->priv);
    return VW_OK;
}

static void mpeg2_packet_write(struct nvdec_codec *c, const struct vh_picture *pic, uint8_t *out)
{
    vh_mpeg2_packet_write(pic, c->priv, out);
}

/* Every picture repeats the size (a sequence header in front of each
 * frame); a new one can only be taken on an I frame (or first I field),
 * whose decoding references nothing. */
static bool mpeg2_may_recreate(const struct vh_picture *pic)
{
    return pic->mpeg2->picture_coding_type == 1 && vh_mpeg2_starts_frame(pic->mpeg2);
}

/* What libavcodec's frame holds: the sequence's size, not the coded
 * (macroblock-rounded) one. */
static void mpeg2_picture_size(const struct vh_picture *pic, uint32_t *width, uint32_t *height)
{
    *width = pic->mpeg2->horizontal_size;
    *height = pic->mpeg2->vertical_size;
}

const struct nvdec_codec_class nvdec_mpeg2_class = {
    .name = "MPEG-2",
    .cuvid_codec = cudaVideoCodec_MPEG2,
    .kind = NVDEC_KIND_MPEG2,
    /* The coded height may follow the progressive_sequence guess (rounded
     * to 32 lines once interlaced): keep the slots where it fits. */
    .reconfigure = true,
    .show_existing = false,
    .coded_align = 16,
    .priv_size = sizeof(struct vh_mpeg2_state),
    .priv_fini = NULL,
    .packet_size = mpeg2_packet_size,
    .packet_write = mpeg2_packet_write,
    .may_recreate = mpeg2_may_recreate,
    .picture_size = mpeg2_picture_size,
};
