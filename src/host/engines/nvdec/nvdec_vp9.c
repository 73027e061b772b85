/*
 * VP9 profile 0 on NVDEC: the VA slice data is the whole frame, uncompressed
 * header included (one frame: clients split superframes), so the packet is
 * the slice data as is, the bytes sw_vp9.c gives libavcodec. The cuvid
 * parser re-reads everything NVDEC needs (segmentation, loop filter deltas,
 * probabilities) from it.
 */
#include <string.h>

#include "host/engines/nvdec/nvdec_internal.h"

static int vp9_packet_size(struct nvdec_codec *c, const struct vh_picture *pic, size_t *size,
                           struct vh_error *err)
{
    size_t n = 0;
    for (uint32_t i = 0; i < pic->num_slices; i++)
        n += pic->slices[i].size;
    *size = n;
    return VW_OK;
}

static void vp9_packet_write(struct nvdec_codec *c, const struct vh_picture *pic, uint8_t *out)
{
    for (uint32_t i = 0; i < pic->num_slices; i++) {
        memcpy(out, pic->slices[i].data, pic->slices[i].size);
        out += pic->slices[i].size;
    }
}

/* A key frame refreshes all eight reference slots. */
static bool vp9_may_recreate(const struct vh_picture *pic)
{
    return pic->vp9->frame_type == 0;
}

static void vp9_picture_size(const struct vh_picture *pic, uint32_t *width, uint32_t *height)
{
    *width = pic->vp9->frame_width;
    *height = pic->vp9->frame_height;
}

const struct nvdec_codec_class nvdec_vp9_class = {
    .name = "VP9",
    .cuvid_codec = cudaVideoCodec_VP9,
    .kind = NVDEC_KIND_VP9,
    .reconfigure = true,                      /* reference scaling keeps the slots */
    .show_existing = true,
    .packet_size = vp9_packet_size,
    .packet_write = vp9_packet_write,
    .may_recreate = vp9_may_recreate,
    .picture_size = vp9_picture_size,
};
