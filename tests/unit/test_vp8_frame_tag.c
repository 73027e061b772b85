/* The rebuilt VP8 frame tag, parsed back field by field as RFC 6386 9.1
 * reads it. */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "host/codecs/vp8_frame_tag.h"

struct tag {
    unsigned key_frame, version, show_frame, first_part_size;
    unsigned width, hscale, height, vscale;
    int start_code_ok;
};

static struct tag parse(const uint8_t *p, size_t n)
{
    struct tag t = {0};
    uint32_t raw = p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
    t.key_frame = !(raw & 1); /* bit 0 is 0 on key frames */
    t.version = (raw >> 1) & 7;
    t.show_frame = (raw >> 4) & 1;
    t.first_part_size = raw >> 5;
    if (t.key_frame && n >= 10) {
        t.start_code_ok = p[3] == 0x9d && p[4] == 0x01 && p[5] == 0x2a;
        uint16_t w = p[6] | p[7] << 8, h = p[8] | p[9] << 8;
        t.width = w & 0x3fff;
        t.hscale = w >> 14;
        t.height = h & 0x3fff;
        t.vscale = h >> 14;
    }
    return t;
}

int main(void)
{
    struct vw_vp8_picture pic;
    struct vw_vp8_slice sl;
    uint8_t out[VH_VP8_TAG_MAX];

    /* Key frame, odd size, macroblock data starting mid-byte. */
    memset(&pic, 0, sizeof(pic));
    memset(&sl, 0, sizeof(sl));
    pic.key_frame = 0;
    pic.version = 0;
    pic.frame_width = 350;
    pic.frame_height = 16383;
    sl.macroblock_offset = 8 * 17 + 3;
    sl.partition_size[0] = 1000;
    size_t n = vh_vp8_write_tag(&pic, &sl, out);
    CHECK_EQ(n, 10);
    struct tag t = parse(out, n);
    CHECK_EQ(t.key_frame, 1);
    CHECK_EQ(t.version, 0);
    CHECK_EQ(t.show_frame, 1);
    CHECK_EQ(t.first_part_size, 1000 + 18);
    CHECK(t.start_code_ok);
    CHECK_EQ(t.width, 350);
    CHECK_EQ(t.hscale, 0);
    CHECK_EQ(t.height, 16383);
    CHECK_EQ(t.vscale, 0);

    /* Inter frame, version 3, byte-aligned header end, the largest size. */
    pic.key_frame = 1;
    pic.version = 3;
    sl.macroblock_offset = 8 * 40;
    sl.partition_size[0] = (1u << 19) - 1 - 40;
    n = vh_vp8_write_tag(&pic, &sl, out);
    CHECK_EQ(n, 3);
    t = parse(out, n);
    CHECK_EQ(t.key_frame, 0);
    CHECK_EQ(t.version, 3);
    CHECK_EQ(t.show_frame, 1);
    CHECK_EQ(t.first_part_size, (1u << 19) - 1);

    /* macroblock_offset 0: nothing added. */
    sl.macroblock_offset = 0;
    sl.partition_size[0] = 5;
    n = vh_vp8_write_tag(&pic, &sl, out);
    CHECK_EQ(parse(out, n).first_part_size, 5);
    return check_finish("test_vp8_frame_tag");
}
