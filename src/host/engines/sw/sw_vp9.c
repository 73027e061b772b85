/* VP9 on libavcodec: the VA slice data is the whole frame, uncompressed
 * header included (one frame: ffmpeg splits superframes before its hwaccel
 * sees them), so the packet is the slice data as is. libavcodec keeps the
 * reference slots itself; the frames arrive in decode order. */
#include <string.h>

#include "host/engines/sw/sw_internal.h"

static int vp9_packet_size(const struct vh_picture *pic, const void *state, size_t *size,
                           struct vh_error *err)
{
    size_t n = 0;
    for (uint32_t i = 0; i < pic->num_slices; i++)
        n += pic->slices[i].size;
    *size = n;
    return VW_OK;
}

static void vp9_packet_write(const struct vh_picture *pic, void *state, uint8_t *out)
{
    for (uint32_t i = 0; i < pic->num_slices; i++) {
        memcpy(out, pic->slices[i].data, pic->slices[i].size);
        out += pic->slices[i].size;
    }
}

const struct sw_frame_class sw_vp9_class = {
    .name = "VP9",
    .codec_id = AV_CODEC_ID_VP9,
    .packet_size = vp9_packet_size,
    .packet_write = vp9_packet_write,
};
