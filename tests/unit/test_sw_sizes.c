/*
 * The sw engine's own size checks, the front door bypassed (pictures go to
 * the engine's decode as they are): libavcodec allocates no picture larger
 * than the codec's declared size (max_pixels, sw_max_pixels), even where
 * the parameters agree with the bitstream; and a decoded picture that is
 * not the size or format its parameters say is not stored (VW_ERR_DECODE
 * naming both), for VP9 (a coded size, a bit depth) and VP8 (an inter frame
 * keeping its key frame's size). VP9/VP8 frames are made at test time with
 * ffmpeg's libvpx (exit 77 without it). Also the max_pixels figures: every
 * size the front door lets through passes libavcodec's checks.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>

#include "check.h"
#include "read_file.h"
#include "host/engine.h"
#include "host/engines/engines.h"
#include "host/engines/sw/sw_internal.h"

static const struct vh_engine_ops *ops = &vh_engine_sw;
static char tmpdir[64];

/* ---- clips ---------------------------------------------------------------- */

struct clip {
    uint8_t *data;
    size_t size;
};

static struct clip encode(const char *name, const char *size, int frames, const char *opts)
{
    char path[160], cmd[512];
    snprintf(path, sizeof(path), "%s/%s.ivf", tmpdir, name);
    snprintf(cmd, sizeof(cmd),
             "ffmpeg -nostdin -v error -f lavfi -i testsrc=s=%s:r=25 -frames:v %d -deadline "
             "realtime -cpu-used 8 -lag-in-frames 0 -auto-alt-ref 0 %s -f ivf -y %s",
             size, frames, opts, path);
    struct clip c = {0};
    CHECK(system(cmd) == 0);
    c.data = read_file(path, &c.size);
    CHECK(c.data != NULL && c.size > 32);
    return c;
}

static const uint8_t *frame_of(const struct clip *c, unsigned index, uint32_t *size)
{
    size_t pos = 32;
    while (c->data && pos + 12 <= c->size) {
        const uint8_t *h = c->data + pos;
        uint32_t n = h[0] | h[1] << 8 | h[2] << 16 | (uint32_t)h[3] << 24;
        if (n > c->size - pos - 12)
            break;
        if (index-- == 0) {
            *size = n;
            return h + 12;
        }
        pos += 12 + n;
    }
    *size = 0;
    return NULL;
}

/* ---- engine objects ------------------------------------------------------- */

static struct vh_codec *codec_new(struct vh_engine *e, uint32_t profile, uint32_t rt,
                                  uint32_t w, uint32_t h)
{
    struct vh_codec_desc desc = {.profile = profile, .entrypoint = VW_ENTRYPOINT_DECODE,
                                 .rt_format = rt, .width = w, .height = h};
    struct vh_codec *codec = NULL;
    struct vh_error err = {0};
    CHECK_EQ(ops->codec_create(e, &desc, &codec, &err), VW_OK);
    return codec;
}

static void surface_new(struct vh_engine *e, struct vh_surface *s, uint32_t id, uint32_t w,
                        uint32_t h, bool p010)
{
    *s = (struct vh_surface){.id = id, .width = w, .height = h,
                             .rt_format = p010 ? VW_RT_YUV420_10 : VW_RT_YUV420,
                             .pixel_format = p010 ? VW_FOURCC_P010 : VW_FOURCC_NV12};
    struct vh_error err = {0};
    CHECK_EQ(ops->surface_init(e, s, &err), VW_OK);
}

/* Whether the surface holds a picture (buf[0] set by a decode). */
static bool written(struct vh_surface *s)
{
    return sw_surface_get(s)->frame->buf[0] != NULL;
}

static int vp9_decode(struct vh_codec *codec, struct vh_surface *target, uint32_t w, uint32_t h,
                      unsigned profile, const uint8_t *data, uint32_t size,
                      struct vh_error *err)
{
    struct vw_vp9_picture p;
    memset(&p, 0, sizeof(p));
    p.frame_width = (uint16_t)w;
    p.frame_height = (uint16_t)h;
    p.subsampling_x = p.subsampling_y = 1;
    p.profile = (uint8_t)profile;
    p.bit_depth = profile == 2 ? 10 : 8;
    struct vw_vp9_slice sl;
    memset(&sl, 0, sizeof(sl));
    sl.slice_data_size = size;
    struct vh_slice slice = {.data = data, .size = size, .vp9 = &sl};
    struct vh_picture pic = {.codec = VW_CODEC_VP9, .vp9 = &p, .num_slices = 1,
                             .slices = &slice, .target = target};
    memset(err, 0, sizeof(*err));
    return ops->decode(codec, &pic, err);
}

static int vp8_decode(struct vh_codec *codec, struct vh_surface *target, uint32_t w, uint32_t h,
                      const uint8_t *frame, uint32_t size, struct vh_error *err)
{
    uint32_t tag = frame[0] | frame[1] << 8 | (uint32_t)frame[2] << 16;
    bool key = !(tag & 1);
    uint32_t skip = key ? 10 : 3;
    struct vw_vp8_picture p;
    memset(&p, 0, sizeof(p));
    p.frame_width = w;
    p.frame_height = h;
    p.key_frame = key ? 0 : 1;
    p.version = (tag >> 1) & 7;
    struct vw_vp8_slice sl;
    memset(&sl, 0, sizeof(sl));
    sl.slice_data_size = size - skip;
    sl.num_of_partitions = 2;
    sl.partition_size[0] = tag >> 5;
    struct vh_slice slice = {.data = frame + skip, .size = size - skip, .vp8 = &sl};
    struct vh_picture pic = {.codec = VW_CODEC_VP8, .vp8 = &p, .num_slices = 1,
                             .slices = &slice, .target = target};
    memset(err, 0, sizeof(*err));
    return ops->decode(codec, &pic, err);
}

/* ---- tests ---------------------------------------------------------------- */

static void test_max_pixels(void)
{
    /* Width rounded up to 64 (libavcodec's largest stride alignment),
     * height to 32 (a macroblock pair). */
    CHECK_EQ(sw_max_pixels(AV_CODEC_ID_VP9, 64, 64), 64 * 64);
    CHECK_EQ(sw_max_pixels(AV_CODEC_ID_H264, 350, 198), 384 * 224);
    CHECK_EQ(sw_max_pixels(AV_CODEC_ID_HEVC, 1920, 1080), 1920 * 1088);
    CHECK_EQ(sw_max_pixels(AV_CODEC_ID_H264, 4096, 2304), 4096 * 2304);
    /* MPEG-2: at least mpegvideo's 280-row scratch. */
    CHECK_EQ(sw_max_pixels(AV_CODEC_ID_MPEG2VIDEO, 352, 288), (384 + 64) * 280);
    CHECK_EQ(sw_max_pixels(AV_CODEC_ID_MPEG2VIDEO, 1920, 1080), 1920 * 1088);
    /* Whatever the front door passes for a codec (width to whole
     * macroblocks, height to a pair), libavcodec's own checks pass:
     * ff_set_dimensions (w x h) and ff_get_buffer (w aligned 64 x h). */
    static const uint32_t sizes[][2] = {{16, 16}, {350, 198}, {352, 288}, {1920, 1080},
                                        {1, 4095}, {4095, 1}, {4096, 2160}};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        uint64_t w = (sizes[i][0] + 15u) & ~15u, h = (sizes[i][1] + 31u) & ~31u;
        CHECK((uint64_t)sw_max_pixels(AV_CODEC_ID_H264, sizes[i][0], sizes[i][1]) >=
              ((w + 63u) & ~63ull) * h);
    }
}

static void test_vp9(struct vh_engine *e)
{
    struct clip small = encode("vp9_64", "64x64", 1, "-c:v libvpx-vp9 -pix_fmt yuv420p");
    struct clip large = encode("vp9_256", "256x256", 1, "-c:v libvpx-vp9 -pix_fmt yuv420p");
    struct clip deep = encode("vp9_p2", "64x64", 1,
                              "-c:v libvpx-vp9 -pix_fmt yuv420p10le -profile:v 2");
    uint32_t small_n, large_n, deep_n;
    const uint8_t *small_key = frame_of(&small, 0, &small_n);
    const uint8_t *large_key = frame_of(&large, 0, &large_n);
    const uint8_t *deep_key = frame_of(&deep, 0, &deep_n);
    CHECK(small_key && large_key && deep_key);
    if (!small_key || !large_key || !deep_key)
        goto out;
    struct vh_error err;
    struct vh_surface s64, s256, s32, p010;
    surface_new(e, &s64, 1, 64, 64, false);
    surface_new(e, &s256, 2, 256, 256, false);
    surface_new(e, &s32, 3, 32, 32, false);
    surface_new(e, &p010, 4, 64, 64, true);
    struct vh_codec *codec = codec_new(e, VW_PROFILE_VP9_PROFILE0, VW_RT_YUV420, 64, 64);

    CHECK_EQ(vp9_decode(codec, &s64, 64, 64, 0, small_key, small_n, &err), VW_OK);
    CHECK(written(&s64));

    /* A 64x64 frame whose parameters say 32x32: decoded, not stored. */
    CHECK_EQ(vp9_decode(codec, &s32, 32, 32, 0, small_key, small_n, &err), VW_ERR_DECODE);
    CHECK(strstr(err.message, "64x64") && strstr(err.message, "32x32"));
    CHECK(!written(&s32));

    /* 256x256 said by both the parameters and the bitstream, to a 64x64
     * codec: libavcodec refuses to allocate it (max_pixels), nothing is
     * decoded or stored. (libavcodec's VP9 decoder then refuses pictures
     * of its last good size too: the guest's own codec is spoilt.) */
    struct vh_codec *spoilt = codec_new(e, VW_PROFILE_VP9_PROFILE0, VW_RT_YUV420, 64, 64);
    CHECK_EQ(vp9_decode(spoilt, &s256, 256, 256, 0, large_key, large_n, &err), VW_ERR_DECODE);
    CHECK(strstr(err.message, "decoding failed") != NULL);
    CHECK(!written(&s256));
    ops->codec_destroy(&spoilt);

    /* A 10-bit frame whose parameters say 8-bit, into a P010 surface that
     * could hold it: not stored either. */
    struct vh_codec *codec10 = codec_new(e, VW_PROFILE_VP9_PROFILE2, VW_RT_YUV420_10, 64, 64);
    CHECK_EQ(vp9_decode(codec10, &p010, 64, 64, 0, deep_key, deep_n, &err), VW_ERR_DECODE);
    CHECK(strstr(err.message, "10-bit") && strstr(err.message, "8-bit"));
    CHECK(!written(&p010));
    CHECK_EQ(vp9_decode(codec10, &p010, 64, 64, 2, deep_key, deep_n, &err), VW_OK);
    CHECK(written(&p010));

    ops->codec_destroy(&codec10);
    ops->codec_destroy(&codec);
    ops->surface_fini(e, &s64);
    ops->surface_fini(e, &s256);
    ops->surface_fini(e, &s32);
    ops->surface_fini(e, &p010);
out:
    free(small.data);
    free(large.data);
    free(deep.data);
}

static void test_vp8(struct vh_engine *e)
{
    struct clip c = encode("vp8_64", "64x64", 2, "-c:v libvpx -pix_fmt yuv420p");
    uint32_t key_n, inter_n;
    const uint8_t *key = frame_of(&c, 0, &key_n);
    const uint8_t *inter = frame_of(&c, 1, &inter_n);
    CHECK(key && inter);
    if (!key || !inter)
        goto out;
    struct vh_error err;
    struct vh_surface s64, s32;
    surface_new(e, &s64, 1, 64, 64, false);
    surface_new(e, &s32, 2, 32, 32, false);
    struct vh_codec *codec = codec_new(e, VW_PROFILE_VP8, VW_RT_YUV420, 64, 64);
    CHECK_EQ(vp8_decode(codec, &s64, 64, 64, key, key_n, &err), VW_OK);
    /* The inter frame is 64x64 whatever its parameters say. */
    CHECK_EQ(vp8_decode(codec, &s32, 32, 32, inter, inter_n, &err), VW_ERR_DECODE);
    CHECK(strstr(err.message, "64x64") && strstr(err.message, "32x32"));
    CHECK(!written(&s32));
    ops->codec_destroy(&codec);
    ops->surface_fini(e, &s64);
    ops->surface_fini(e, &s32);
out:
    free(c.data);
}

int main(void)
{
    test_max_pixels();
    struct vh_engine *e = NULL;
    struct vh_error err = {0};
    CHECK_EQ(ops->create(&e, &err), VW_OK);
    if (!e)
        return check_finish("test_sw_sizes");
    if (system("command -v ffmpeg >/dev/null 2>&1") != 0) {
        printf("test_sw_sizes: ffmpeg missing, clip tests skipped\n");
        ops->destroy(&e);
        return check_failures ? 1 : 77;
    }
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/vivac-sizes-XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    test_vp9(e);
    test_vp8(e);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
    CHECK(system(cmd) == 0);
    ops->destroy(&e);
    return check_finish("test_sw_sizes");
}
