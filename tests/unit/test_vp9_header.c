/*
 * The VP9 uncompressed header as the front door reads it
 * (vh_vp9_read_header, validate_vp9.c): headers written here bit by bit as
 * the specification lays them out (6.2) for every frame kind, profile and
 * color config, read back field by field; malformed ones refused with the
 * reason; superframe indexes found; and vh_vp9_check_slice refusing a frame
 * whose profile, depth, subsampling or coded size differs from its picture
 * parameters, with both figures in the message.
 */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "common/bitwriter.h"
#include "host/session_internal.h"

struct hdr {
    unsigned profile, frame_type, show_frame, error_res, intra_only;
    unsigned bit_depth, color_space, ss_x, ss_y;
    unsigned refresh, ref_idx[3];
    int found_ref;                  /* -1: size coded */
    uint32_t w, h, render_w, render_h; /* render 0: same as the frame */
};

static void put_color_config(struct vc_bitwriter *bw, const struct hdr *h)
{
    if (h->profile >= 2)
        vc_bw_put_bits(bw, 1, h->bit_depth == 12);
    vc_bw_put_bits(bw, 3, h->color_space);
    bool odd = h->profile == 1 || h->profile == 3;
    if (h->color_space != 7) {
        vc_bw_put_bits(bw, 1, 0); /* color_range */
        if (odd) {
            vc_bw_put_bits(bw, 1, h->ss_x);
            vc_bw_put_bits(bw, 1, h->ss_y);
            vc_bw_put_bits(bw, 1, 0);
        }
    } else if (odd) {
        vc_bw_put_bits(bw, 1, 0);
    }
}

static void put_sizes(struct vc_bitwriter *bw, const struct hdr *h, bool coded)
{
    if (coded) {
        vc_bw_put_bits(bw, 16, h->w - 1);
        vc_bw_put_bits(bw, 16, h->h - 1);
    }
    vc_bw_put_bits(bw, 1, h->render_w != 0);
    if (h->render_w) {
        vc_bw_put_bits(bw, 16, h->render_w - 1);
        vc_bw_put_bits(bw, 16, h->render_h - 1);
    }
}

/* The header up to render_size(), then 16 bytes of zeros (the rest). */
static uint32_t write_header(uint8_t *out, size_t cap, const struct hdr *h)
{
    struct vc_bitwriter bw;
    vc_bw_init(&bw, out, cap);
    vc_bw_put_bits(&bw, 2, 2);
    vc_bw_put_bits(&bw, 1, h->profile & 1);
    vc_bw_put_bits(&bw, 1, h->profile >> 1);
    if (h->profile == 3)
        vc_bw_put_bits(&bw, 1, 0);
    vc_bw_put_bits(&bw, 1, 0); /* show_existing_frame */
    vc_bw_put_bits(&bw, 1, h->frame_type);
    vc_bw_put_bits(&bw, 1, h->show_frame);
    vc_bw_put_bits(&bw, 1, h->error_res);
    if (h->frame_type == 0) {
        vc_bw_put_bits(&bw, 24, 0x498342);
        put_color_config(&bw, h);
        put_sizes(&bw, h, true);
    } else {
        if (!h->show_frame)
            vc_bw_put_bits(&bw, 1, h->intra_only);
        if (!h->error_res)
            vc_bw_put_bits(&bw, 2, 0);
        if (h->intra_only) {
            vc_bw_put_bits(&bw, 24, 0x498342);
            if (h->profile > 0)
                put_color_config(&bw, h);
            vc_bw_put_bits(&bw, 8, h->refresh);
            put_sizes(&bw, h, true);
        } else {
            vc_bw_put_bits(&bw, 8, h->refresh);
            for (int i = 0; i < 3; i++) {
                vc_bw_put_bits(&bw, 3, h->ref_idx[i]);
                vc_bw_put_bits(&bw, 1, 0);
            }
            for (int i = 0; i < 3 && i <= h->found_ref; i++)
                vc_bw_put_bits(&bw, 1, i == h->found_ref);
            if (h->found_ref < 0)
                vc_bw_put_bits(&bw, 3, 0);
            put_sizes(&bw, h, h->found_ref < 0);
        }
    }
    size_t n = vc_bw_bytes(&bw);
    memset(out + n, 0, 16);
    return (uint32_t)n + 16;
}

static const struct hdr key420 = {.profile = 0, .frame_type = 0, .show_frame = 1,
                                  .bit_depth = 8, .color_space = 1, .ss_x = 1, .ss_y = 1,
                                  .found_ref = -1, .w = 64, .h = 48};

static void test_read(void)
{
    uint8_t buf[64];
    struct vh_vp9_header h;

    /* Key frame, profile 0, render size differing. */
    struct hdr k = key420;
    k.render_w = 1920;
    k.render_h = 1080;
    uint32_t n = write_header(buf, sizeof(buf), &k);
    CHECK(vh_vp9_read_header(buf, n, &h) == NULL);
    CHECK_EQ(h.profile, 0);
    CHECK_EQ(h.frame_type, 0);
    CHECK(h.show_frame && !h.show_existing_frame && !h.intra_only);
    CHECK(h.has_color_config && h.has_size);
    CHECK_EQ(h.bit_depth, 8);
    CHECK_EQ(h.color_space, 1);
    CHECK_EQ(h.subsampling_x, 1);
    CHECK_EQ(h.subsampling_y, 1);
    CHECK_EQ(h.width, 64);
    CHECK_EQ(h.height, 48);
    CHECK_EQ(h.render_width, 1920);
    CHECK_EQ(h.render_height, 1080);
    CHECK_EQ(h.refresh_frame_flags, 0xff);
    CHECK_EQ(h.found_ref, -1);

    /* The largest coded size. */
    k = key420;
    k.w = k.h = 65536;
    n = write_header(buf, sizeof(buf), &k);
    CHECK(vh_vp9_read_header(buf, n, &h) == NULL);
    CHECK_EQ(h.width, 65536);
    CHECK_EQ(h.height, 65536);
    CHECK_EQ(h.render_width, 65536);

    /* Profile 2: 10 and 12 bits. */
    k = key420;
    k.profile = 2;
    k.bit_depth = 10;
    n = write_header(buf, sizeof(buf), &k);
    CHECK(vh_vp9_read_header(buf, n, &h) == NULL);
    CHECK_EQ(h.profile, 2);
    CHECK_EQ(h.bit_depth, 10);
    k.bit_depth = 12;
    n = write_header(buf, sizeof(buf), &k);
    CHECK(vh_vp9_read_header(buf, n, &h) == NULL);
    CHECK_EQ(h.bit_depth, 12);
    CHECK_EQ(h.width, 64);

    /* Profile 1: 4:4:4 and 4:2:2; RGB (4:4:4); profile 3: the reserved bit. */
    k = key420;
    k.profile = 1;
    k.ss_x = k.ss_y = 0;
    n = write_header(buf, sizeof(buf), &k);
    CHECK(vh_vp9_read_header(buf, n, &h) == NULL);
    CHECK_EQ(h.profile, 1);
    CHECK_EQ(h.subsampling_x, 0);
    CHECK_EQ(h.subsampling_y, 0);
    CHECK_EQ(h.width, 64);
    k.ss_x = 1;
    n = write_header(buf, sizeof(buf), &k);
    CHECK(vh_vp9_read_header(buf, n, &h) == NULL);
    CHECK_EQ(h.subsampling_x, 1);
    CHECK_EQ(h.subsampling_y, 0);
    k.color_space = 7;
    n = write_header(buf, sizeof(buf), &k);
    CHECK(vh_vp9_read_header(buf, n, &h) == NULL);
    CHECK_EQ(h.subsampling_x, 0);
    CHECK_EQ(h.subsampling_y, 0);
    CHECK_EQ(h.height, 48);
    k = key420;
    k.profile = 3;
    k.bit_depth = 12;
    k.ss_x = 0;
    n = write_header(buf, sizeof(buf), &k);
    CHECK(vh_vp9_read_header(buf, n, &h) == NULL);
    CHECK_EQ(h.profile, 3);
    CHECK_EQ(h.bit_depth, 12);
    CHECK_EQ(h.subsampling_x, 0);
    CHECK_EQ(h.subsampling_y, 1);
    CHECK_EQ(h.width, 64);

    /* Intra-only: profile 0 implies 8-bit 4:2:0; profile 2 codes it. */
    struct hdr io = key420;
    io.frame_type = 1;
    io.show_frame = 0;
    io.intra_only = 1;
    io.refresh = 0x24;
    io.w = 352;
    io.h = 288;
    n = write_header(buf, sizeof(buf), &io);
    CHECK(vh_vp9_read_header(buf, n, &h) == NULL);
    CHECK(h.intra_only && h.has_color_config && h.has_size);
    CHECK_EQ(h.bit_depth, 8);
    CHECK_EQ(h.subsampling_x, 1);
    CHECK_EQ(h.refresh_frame_flags, 0x24);
    CHECK_EQ(h.width, 352);
    CHECK_EQ(h.height, 288);
    io.profile = 2;
    io.bit_depth = 10;
    io.error_res = 1;
    n = write_header(buf, sizeof(buf), &io);
    CHECK(vh_vp9_read_header(buf, n, &h) == NULL);
    CHECK_EQ(h.bit_depth, 10);
    CHECK_EQ(h.width, 352);

    /* Inter frames: the size of reference 0, 1, 2, or coded. */
    struct hdr in = key420;
    in.frame_type = 1;
    in.refresh = 0x01;
    in.ref_idx[0] = 5;
    in.ref_idx[1] = 6;
    in.ref_idx[2] = 7;
    for (int r = 0; r < 3; r++) {
        in.found_ref = r;
        n = write_header(buf, sizeof(buf), &in);
        CHECK(vh_vp9_read_header(buf, n, &h) == NULL);
        CHECK_EQ(h.found_ref, r);
        CHECK(!h.has_size && !h.has_color_config && !h.intra_only);
        CHECK_EQ(h.ref_frame_idx[0], 5);
        CHECK_EQ(h.ref_frame_idx[2], 7);
        CHECK_EQ(h.refresh_frame_flags, 0x01);
    }
    in.found_ref = -1;
    in.w = 8192;
    in.h = 4320;
    n = write_header(buf, sizeof(buf), &in);
    CHECK(vh_vp9_read_header(buf, n, &h) == NULL);
    CHECK(h.has_size);
    CHECK_EQ(h.found_ref, -1);
    CHECK_EQ(h.width, 8192);
    CHECK_EQ(h.height, 4320);

    /* show_existing_frame: profile 0 and 3 (one more bit before it). */
    uint8_t se[2] = {0x80 | 0x08 | 0x05, 0}; /* 10 0 0 1 101 */
    CHECK(vh_vp9_read_header(se, 1, &h) == NULL);
    CHECK(h.show_existing_frame);
    CHECK_EQ(h.frame_to_show_map_idx, 5);
    CHECK(!h.has_size && !h.has_color_config);
    se[0] = 0x80 | 0x30 | 0x04 | 0x02; /* 10 1 1 0 1 10 | 0 ... */
    se[1] = 0x00;
    CHECK(vh_vp9_read_header(se, 2, &h) == NULL);
    CHECK_EQ(h.profile, 3);
    CHECK(h.show_existing_frame);
    CHECK_EQ(h.frame_to_show_map_idx, 4);
}

static void test_refused(void)
{
    uint8_t buf[64];
    struct vh_vp9_header h;
    uint32_t n = write_header(buf, sizeof(buf), &key420);

    uint8_t bad[64];
    memcpy(bad, buf, n);
    bad[0] &= 0x3f; /* frame marker 00 */
    CHECK(vh_vp9_read_header(bad, n, &h) != NULL);
    memcpy(bad, buf, n);
    bad[2] ^= 0x10; /* sync code */
    CHECK(vh_vp9_read_header(bad, n, &h) != NULL);
    /* Truncated: the size is the last field read. */
    CHECK(vh_vp9_read_header(buf, 8, &h) != NULL);
    CHECK(vh_vp9_read_header(buf, 0, &h) != NULL);
    /* RGB in profile 0; 4:2:0 in profile 1; profile 3's reserved bit. */
    struct hdr k = key420;
    k.color_space = 7;
    n = write_header(buf, sizeof(buf), &k);
    CHECK(vh_vp9_read_header(buf, n, &h) != NULL);
    k = key420;
    k.profile = 1;
    n = write_header(buf, sizeof(buf), &k);
    CHECK(vh_vp9_read_header(buf, n, &h) != NULL);
    uint8_t p3[4] = {0x80 | 0x30 | 0x08, 0, 0, 0}; /* reserved_zero 1 */
    CHECK(vh_vp9_read_header(p3, sizeof(p3), &h) != NULL);
}

static void test_superframe(void)
{
    uint8_t d[64] = {0};
    /* Two frames of 20 and 30 bytes, 1-byte sizes: index c1 14 1e c1. */
    d[50] = 0xc1;
    d[51] = 20;
    d[52] = 30;
    d[53] = 0xc1;
    CHECK_EQ(vh_vp9_superframe_frames(d, 54), 2);
    CHECK_EQ(vh_vp9_superframe_frames(d, 53), 0); /* last byte 30: no marker */
    d[50] = 0xc0;                                 /* first byte differs */
    CHECK_EQ(vh_vp9_superframe_frames(d, 54), 0);
    d[53] = 0xc0;                                 /* 1 frame: index c0 xx c0 */
    d[51] = 0xc0;
    CHECK_EQ(vh_vp9_superframe_frames(d + 51, 3), 1);
    CHECK_EQ(vh_vp9_superframe_frames(d + 52, 2), 0); /* too short for its index */
    CHECK_EQ(vh_vp9_superframe_frames(d, 0), 0);
}

/* vh_vp9_check_slice: status and the figures in the message. */
static int check(const struct vw_vp9_picture *pic, const uint8_t *data, uint32_t size,
                 struct vh_error *err)
{
    struct vw_vp9_slice s;
    memset(&s, 0, sizeof(s));
    s.slice_data_size = size;
    memset(err, 0, sizeof(*err));
    return vh_vp9_check_slice(&s, 0, pic, data, size, err);
}

static void test_check_slice(void)
{
    uint8_t buf[64];
    struct vh_error err;
    struct vw_vp9_picture pic;
    memset(&pic, 0, sizeof(pic));
    pic.frame_width = 64;
    pic.frame_height = 48;
    pic.subsampling_x = pic.subsampling_y = 1;
    pic.bit_depth = 8;
    pic.frame_header_length_in_bytes = 1;
    pic.first_partition_size = 1;

    struct hdr k = key420;
    uint32_t n = write_header(buf, sizeof(buf), &k);
    CHECK_EQ(check(&pic, buf, n, &err), VW_OK);

    /* The header's size against the parameters'. */
    k.w = k.h = 8192;
    n = write_header(buf, sizeof(buf), &k);
    CHECK_EQ(check(&pic, buf, n, &err), VW_ERR_MALFORMED);
    CHECK(strstr(err.message, "8192x8192") && strstr(err.message, "64x48"));
    k = key420;
    k.w = 32;
    n = write_header(buf, sizeof(buf), &k);
    CHECK_EQ(check(&pic, buf, n, &err), VW_ERR_MALFORMED);
    CHECK(strstr(err.message, "32x48") && strstr(err.message, "64x48"));
    /* Only the coded size counts, not the render size. */
    k = key420;
    k.render_w = 4096;
    k.render_h = 4096;
    n = write_header(buf, sizeof(buf), &k);
    CHECK_EQ(check(&pic, buf, n, &err), VW_OK);

    /* Inter frames: coded sizes checked, a reference's left to the engine. */
    struct hdr in = key420;
    in.frame_type = 1;
    in.w = 128;
    in.h = 128;
    n = write_header(buf, sizeof(buf), &in);
    CHECK_EQ(check(&pic, buf, n, &err), VW_ERR_MALFORMED);
    CHECK(strstr(err.message, "128x128") && strstr(err.message, "64x48"));
    in.found_ref = 1;
    n = write_header(buf, sizeof(buf), &in);
    CHECK_EQ(check(&pic, buf, n, &err), VW_OK);
    /* Intra-only frames code theirs. */
    struct hdr io = key420;
    io.frame_type = 1;
    io.show_frame = 0;
    io.intra_only = 1;
    io.w = 65;
    n = write_header(buf, sizeof(buf), &io);
    CHECK_EQ(check(&pic, buf, n, &err), VW_ERR_MALFORMED);
    CHECK(strstr(err.message, "65x48"));

    /* Profile, depth, subsampling. */
    k = key420;
    k.profile = 2;
    k.bit_depth = 10;
    n = write_header(buf, sizeof(buf), &k);
    CHECK_EQ(check(&pic, buf, n, &err), VW_ERR_MALFORMED);
    CHECK(strstr(err.message, "profile 2") != NULL);
    pic.profile = 2;
    pic.bit_depth = 10;
    CHECK_EQ(check(&pic, buf, n, &err), VW_OK);
    k.bit_depth = 12;
    n = write_header(buf, sizeof(buf), &k);
    CHECK_EQ(check(&pic, buf, n, &err), VW_ERR_MALFORMED);
    CHECK(strstr(err.message, "12-bit") && strstr(err.message, "10-bit"));
    /* (Profile 1 parameters never pass check_picture; the slice check
     * compares the subsampling all the same.) */
    pic.profile = 1;
    pic.bit_depth = 8;
    k = key420;
    k.profile = 1;
    k.ss_x = k.ss_y = 0;
    n = write_header(buf, sizeof(buf), &k);
    CHECK_EQ(check(&pic, buf, n, &err), VW_ERR_MALFORMED);
    CHECK(strstr(err.message, "subsampling 0/0") && strstr(err.message, "1/1"));

    /* Malformed headers and superframes. */
    pic.profile = 0;
    n = write_header(buf, sizeof(buf), &key420);
    CHECK_EQ(check(&pic, buf, 8, &err), VW_ERR_MALFORMED);
    CHECK(strstr(err.message, "truncated") != NULL);
    buf[n - 4] = 0xc1;
    buf[n - 3] = 10;
    buf[n - 2] = 10;
    buf[n - 1] = 0xc1;
    CHECK_EQ(check(&pic, buf, n, &err), VW_ERR_MALFORMED);
    CHECK(strstr(err.message, "superframe") != NULL);

    /* show_existing_frame: one byte, no size, no compressed header. */
    uint8_t se[1] = {0x80 | 0x08 | 0x02};
    CHECK_EQ(check(&pic, se, 1, &err), VW_OK);
}

int main(void)
{
    test_read();
    test_refused();
    test_superframe();
    test_check_slice();
    return check_finish("test_vp9_header");
}
