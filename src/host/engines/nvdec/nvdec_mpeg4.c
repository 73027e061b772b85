/*
 * MPEG-4 Part 2 (Simple, Advanced Simple) on NVDEC: VA gives the VOP's
 * macroblock data without the headers; the packet is the video object
 * layer and VOP headers rebuilt from the parameters with the macroblock
 * data spliced in behind them (src/host/codecs/mpeg4_headers.c, no
 * libavcodec): the bytes sw_mpeg4.c gives libavcodec, with the same
 * per-stream state (matrices, the clock rebuilt from TRB/TRD). The cuvid
 * parser reads the VOL and VOP headers from it and fills
 * CUVIDMPEG4PICPARAMS (sizes, vop_time_increment_bitcount, coding type,
 * fcodes, TRD/TRB from the time codes, matrices); NVDEC, like FFmpeg's
 * nvdec hwaccel, takes the VOP from its start code on.
 *
 * A VOL goes in front of the first VOP, of every I-VOP and where its
 * fields change: each one is a sequence callback, which keeps the decoder
 * when the size is the same. GMC and static sprites never get here
 * (validate_mpeg4.c refuses them), nor does the short video header.
 *
 * Data partitioning and interlaced VOPs are refused (see
 * mpeg4_packet_size).
 *
 * Not bit-exact with sw by nature: NVDEC's IDCT is not libavcodec's
 * (MPEG-4 Part 2 allows the IEEE 1180 mismatch, as MPEG-2);
 * bench/gpu_correctness.sh compares them by PSNR.
 */
#include "host/codecs/mpeg4_headers.h"
#include "host/engines/nvdec/nvdec_internal.h"

static int mpeg4_packet_size(struct nvdec_codec *c, const struct vh_picture *pic, size_t *size,
                             struct vh_error *err)
{
    /* NVDEC's MPEG-4 parameters have no vop_quant size: 5 bits, as the
     * Simple and Advanced Simple profiles have it (not_8_bit is N-bit's). */
    if (pic->mpeg4->quant_precision != 5)
        return vh_error_set(err, VW_ERR_UNSUPPORTED_STREAM,
                            "nvdec: MPEG-4 quant_precision %u (NVDEC decodes 5 only)",
                            pic->mpeg4->quant_precision);
    /* Measured on an H100 (docs/codecs.md): NVDEC's MPEG-4 parameters
     * have no data partitioning (9.5 dB where it was on), and interlaced
     * VOPs came out wrong (max difference 112) where sw is bit-exact.
     * Refused rather than decoded wrongly; under auto the stream moves to
     * sw at its first picture (multi_codec.c). */
    if (pic->mpeg4->data_partitioned)
        return vh_error_set(err, VW_ERR_UNSUPPORTED_STREAM,
                            "nvdec: MPEG-4 data partitioning (NVDEC has no field for it)");
    if (pic->mpeg4->interlaced)
        return vh_error_set(err, VW_ERR_UNSUPPORTED_STREAM,
                            "nvdec: interlaced MPEG-4 (NVDEC's pictures differ from the "
                            "standard's)");
    return vh_mpeg4_packet_size(pic, c->priv, size, err);
}

static void mpeg4_packet_write(struct nvdec_codec *c, const struct vh_picture *pic, uint8_t *out)
{
    vh_mpeg4_packet_write(pic, c->priv, out);
}

/* A size change comes with a VOL, which only an I-VOP may start on a new
 * decoder: it references nothing. */
static bool mpeg4_may_recreate(const struct vh_picture *pic)
{
    return pic->mpeg4->vop_coding_type == VW_MPEG4_VOP_I;
}

/* What libavcodec's frame holds: the VOL's size, not the coded
 * (macroblock-rounded) one. */
static void mpeg4_picture_size(const struct vh_picture *pic, uint32_t *width, uint32_t *height)
{
    *width = pic->mpeg4->vop_width;
    *height = pic->mpeg4->vop_height;
}

const struct nvdec_codec_class nvdec_mpeg4_class = {
    .name = "MPEG-4",
    .cuvid_codec = cudaVideoCodec_MPEG4,
    .kind = NVDEC_KIND_MPEG4,
    /* A new size only at an I-VOP, where a new decoder loses nothing. */
    .reconfigure = false,
    .show_existing = false,
    /* As MPEG-2: whole macroblocks whatever size the parser says. */
    .coded_align = 16,
    .priv_size = sizeof(struct vh_mpeg4_state),
    .priv_fini = NULL,
    .packet_size = mpeg4_packet_size,
    .packet_write = mpeg4_packet_write,
    .may_recreate = mpeg4_may_recreate,
    .picture_size = mpeg4_picture_size,
};
