/* JPEG baseline on libavcodec's mjpeg decoder: each VA picture becomes one
 * interchange-format image (SOI .. EOI) rebuilt from its parameters and
 * scans (src/host/codecs/jpeg_headers.c); tables a picture does not load
 * stay from earlier pictures (kept in the class state). libavcodec gives
 * yuvj420p, yuvj422p or yuvj444p (full range) as the sampling is: the
 * same samples as a software decode of the file, read out to the NV12,
 * 422H or 444P surface (validate_jpeg.c matched the two) unchanged. */
#include "host/codecs/jpeg_headers.h"
#include "host/engines/sw/sw_internal.h"

static int jpeg_packet_size(const struct vh_picture *pic, const void *state, size_t *size,
                            struct vh_error *err)
{
    *size = vh_jpeg_packet_size(pic, state);
    if (*size == 0)
        return vh_error_set(err, VW_ERR_DECODE,
                            "sw: JPEG picture uses a quantiser or Huffman table never loaded");
    return VW_OK;
}

static void jpeg_packet_write(const struct vh_picture *pic, void *state, uint8_t *out)
{
    vh_jpeg_packet_write(pic, state, out);
}

const struct sw_frame_class sw_jpeg_class = {
    .name = "JPEG",
    .codec_id = AV_CODEC_ID_MJPEG,
    .state_size = sizeof(struct vh_jpeg_state),
    .packet_size = jpeg_packet_size,
    .packet_write = jpeg_packet_write,
};
