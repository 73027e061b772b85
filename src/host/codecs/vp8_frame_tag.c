#include "host/codecs/vp8_frame_tag.h"

size_t vh_vp8_write_tag(const struct vw_vp8_picture *pic, const struct vw_vp8_slice *slice,
                        uint8_t out[VH_VP8_TAG_MAX])
{
    uint32_t first_part_size = slice->partition_size[0] + (slice->macroblock_offset + 7u) / 8u;
    uint32_t tag = (pic->key_frame & 1u) | (uint32_t)(pic->version & 7u) << 1 | 1u << 4 |
                   (first_part_size & 0x7ffffu) << 5;
    out[0] = (uint8_t)tag;
    out[1] = (uint8_t)(tag >> 8);
    out[2] = (uint8_t)(tag >> 16);
    if (pic->key_frame != 0)
        return 3;
    out[3] = 0x9d;
    out[4] = 0x01;
    out[5] = 0x2a;
    out[6] = (uint8_t)pic->frame_width;
    out[7] = (uint8_t)((pic->frame_width >> 8) & 0x3f);
    out[8] = (uint8_t)pic->frame_height;
    out[9] = (uint8_t)((pic->frame_height >> 8) & 0x3f);
    return 10;
}
