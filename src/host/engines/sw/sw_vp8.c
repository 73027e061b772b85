/* VP8 on libavcodec: VA strips the frame tag, so the packet is the tag
 * rebuilt from the parameters (src/host/codecs/vp8_frame_tag.c) followed by
 * the slice data, byte for byte the original frame but for show_frame. */
#include <string.h>

#include "host/codecs/vp8_frame_tag.h"
#include "host/engines/sw/sw_internal.h"

static int vp8_packet_size(const struct vh_picture *pic, const void *state, size_t *size,
                           struct vh_error *err)
{
    uint8_t tag[VH_VP8_TAG_MAX];
    *size = vh_vp8_write_tag(pic->vp8, pic->slices[0].vp8, tag) + pic->slices[0].size;
    return VW_OK;
}

static void vp8_packet_write(const struct vh_picture *pic, void *state, uint8_t *out)
{
    size_t n = vh_vp8_write_tag(pic->vp8, pic->slices[0].vp8, out);
    memcpy(out + n, pic->slices[0].data, pic->slices[0].size);
}

const struct sw_frame_class sw_vp8_class = {
    .name = "VP8",
    .codec_id = AV_CODEC_ID_VP8,
    .packet_size = vp8_packet_size,
    .packet_write = vp8_packet_write,
};
