/*
 * VP8 on NVDEC: VA strips the frame tag, so the packet is the tag rebuilt
 * from the parameters (src/host/codecs/vp8_frame_tag.c, no libavcodec)
 * followed by the slice data: the bytes sw_vp8.c gives libavcodec. The tag
 * says show_frame 1 even for hidden alt-ref frames; that only makes the
 * parser display them, and pictures are captured at decode anyway.
 */
#include <string.h>

#include "host/codecs/vp8_frame_tag.h"
#include "host/engines/nvdec/nvdec_internal.h"

static int vp8_packet_size(struct nvdec_codec *c, const struct vh_picture *pic, size_t *size,
                           struct vh_error *err)
{
    uint8_t tag[VH_VP8_TAG_MAX];
    *size = vh_vp8_write_tag(pic->vp8, pic->slices[0].vp8, tag) + pic->slices[0].size;
    return VW_OK;
}

static void vp8_packet_write(struct nvdec_codec *c, const struct vh_picture *pic, uint8_t *out)
{
    size_t n = vh_vp8_write_tag(pic->vp8, pic->slices[0].vp8, out);
    memcpy(out + n, pic->slices[0].data, pic->slices[0].size);
}

/* VP8 changes size only on key frames, which refresh every reference. */
static bool vp8_may_recreate(const struct vh_picture *pic)
{
    return pic->vp8->key_frame == 0;          /* 0 means a key frame */
}

static void vp8_picture_size(const struct vh_picture *pic, uint32_t *width, uint32_t *height)
{
    *width = pic->vp8->frame_width;
    *height = pic->vp8->frame_height;
}

const struct nvdec_codec_class nvdec_vp8_class = {
    .name = "VP8",
    .cuvid_codec = cudaVideoCodec_VP8,
    .kind = NVDEC_KIND_VP8,
    .reconfigure = true,
    .show_existing = false,
    .packet_size = vp8_packet_size,
    .packet_write = vp8_packet_write,
    .may_recreate = vp8_may_recreate,
    .picture_size = vp8_picture_size,
};
