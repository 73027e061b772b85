/*
 * JPEG baseline on NVDEC: each VA picture becomes the interchange-format
 * image rebuilt from its parameters and scans (src/host/codecs/
 * jpeg_headers.c: the bytes sw_jpeg.c gives libavcodec), which NVIDIA's
 * parser takes as one picture. NVDEC writes JPEG only as NV12 (on an H200
 * cuvidGetDecoderCaps gives output mask NV12 for 4:2:0, 4:2:2 and 4:4:4),
 * so only 4:2:0 pictures are served: a 4:2:2/4:4:4 one would lose chroma
 * (the sequence check in nvdec_codec.c refuses it).
 */
#include "host/codecs/jpeg_headers.h"
#include "host/engines/nvdec/nvdec_internal.h"

static int jpeg_packet_size(struct nvdec_codec *c, const struct vh_picture *pic, size_t *size,
                            struct vh_error *err)
{
    *size = vh_jpeg_packet_size(pic, c->priv);
    if (*size == 0)
        return vh_error_set(err, VW_ERR_DECODE,
                            "nvdec: JPEG picture uses a quantiser or Huffman table never loaded");
    return VW_OK;
}

static void jpeg_packet_write(struct nvdec_codec *c, const struct vh_picture *pic, uint8_t *out)
{
    vh_jpeg_packet_write(pic, c->priv, out);
}

/* Every picture stands alone. */
static bool jpeg_may_recreate(const struct vh_picture *pic)
{
    (void)pic;
    return true;
}

/* What libavcodec's frame holds: the picture's size, not the MCU-rounded one. */
static void jpeg_picture_size(const struct vh_picture *pic, uint32_t *width, uint32_t *height)
{
    *width = pic->jpeg->picture_width;
    *height = pic->jpeg->picture_height;
}

const struct nvdec_codec_class nvdec_jpeg_class = {
    .name = "JPEG",
    .cuvid_codec = cudaVideoCodec_JPEG,
    .kind = NVDEC_KIND_JPEG,
    .reconfigure = false,
    .show_existing = false,
    .coded_align = 0,
    .priv_size = sizeof(struct vh_jpeg_state),
    .priv_fini = NULL,
    .packet_size = jpeg_packet_size,
    .packet_write = jpeg_packet_write,
    .may_recreate = jpeg_may_recreate,
    .picture_size = jpeg_picture_size,
};
