/*
 * Each codec's own size limit on the sw engine (sw_engine.c's profile
 * table), and what a session charges for large pictures:
 *  - the caps, from the engine and on the wire (QUERY_CAPS), give H.264
 *    4096x2304 (level 5.1), MPEG-2 4095x2800 (validate_mpeg2.c) and HEVC,
 *    VP9, VP8 and JPEG the protocol's 8192x8192;
 *  - the engine and a session on it take an 8K (7680x4320) HEVC and VP9
 *    codec and refuse one past its profile's limit with VW_ERR_RESOLUTION
 *    (8200x8200; H.264 past 4096x2304, MPEG-2 past 4095x2800); surfaces,
 *    tied to no profile, up to the largest limit;
 *  - a session charges an 8K surface its bytes and a decoder its codec's
 *    pictures (codec_rules.c, max_pictures) in the largest format of its
 *    profile; a surface or decoder past the session's or the client's
 *    memory limit is refused with VW_ERR_LIMIT and the figures, and
 *    nothing is charged for it.
 * Nothing is decoded (e2e_decode_large_* do: tests/e2e/decode_large.sh).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "host/engine.h"
#include "host/engines/engines.h"
#include "host/engines/sw/sw_internal.h"
#include "host/memory_budget.h"
#include "host/session.h"
#include "session_harness.h"

#define MIB (1024ull * 1024ull)
#define NV12_BYTES(w, h) ((uint64_t)(w) * (h) * 3 / 2)

static const struct vh_engine_ops *ops = &vh_engine_sw;

/* The size each profile's cap must give. */
static void expected_max(uint32_t profile, uint32_t *w, uint32_t *h)
{
    switch (vw_codec_of_profile(profile)) {
    case VW_CODEC_H264:
        *w = 4096, *h = 2304;
        break;
    case VW_CODEC_MPEG2:
        *w = 4095, *h = 2800;
        break;
    case VW_CODEC_MPEG4:
        *w = 4096, *h = 4096;
        break;
    default:
        *w = 8192, *h = 8192;
        break;
    }
}

/* Checks n caps' decoders (a session also lists the encoders' caps, which
 * are not the engine's); returns the codecs seen (a bit each). */
static uint32_t check_caps(const struct vw_cap *caps, uint32_t n)
{
    uint32_t codecs = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (caps[i].entrypoint != VW_ENTRYPOINT_DECODE)
            continue;
        uint32_t w, h;
        expected_max(caps[i].profile, &w, &h);
        CHECK_EQ(caps[i].max_width, w);
        CHECK_EQ(caps[i].max_height, h);
        CHECK_EQ(caps[i].min_width, 16);
        CHECK_EQ(caps[i].min_height, 16);
        codecs |= 1u << vw_codec_of_profile(caps[i].profile);
    }
    return codecs;
}

static const uint32_t all_codecs_but_av1 = 1u << VW_CODEC_H264 | 1u << VW_CODEC_VP9 |
                                           1u << VW_CODEC_VP8 | 1u << VW_CODEC_MPEG2 |
                                           1u << VW_CODEC_HEVC | 1u << VW_CODEC_JPEG |
                                           1u << VW_CODEC_MPEG4;
/* AV1 is listed exactly when the engine was built with libdav1d. */
#define all_codecs (all_codecs_but_av1 | (sw_av1_available() ? 1u << VW_CODEC_AV1 : 0u))

/* ---- the engine alone ---------------------------------------------------------- */

static int engine_codec(struct vh_engine *e, uint32_t profile, uint32_t rt, uint32_t w,
                        uint32_t h)
{
    struct vh_codec_desc d = {profile, VW_ENTRYPOINT_DECODE, rt, w, h};
    struct vh_codec *codec = NULL;
    struct vh_error err = {0};
    int st = ops->codec_create(e, &d, &codec, &err);
    CHECK_EQ(st == VW_OK, codec != NULL);
    if (st == VW_ERR_RESOLUTION)
        CHECK(strstr(err.message, "for profile") != NULL);
    ops->codec_destroy(&codec);
    return st;
}

static int engine_surface(struct vh_engine *e, uint32_t w, uint32_t h)
{
    struct vh_surface s = {.id = 1, .width = w, .height = h, .rt_format = VW_RT_YUV420,
                           .pixel_format = VW_FOURCC_NV12};
    struct vh_error err = {0};
    int st = ops->surface_init(e, &s, &err);
    ops->surface_fini(e, &s);
    return st;
}

static void test_engine(struct vh_engine *e)
{
    struct vw_cap caps[64];
    uint32_t n = 0;
    CHECK_EQ(ops->query_caps(e, caps, 64, &n), VW_OK);
    CHECK(n >= 6);
    CHECK_EQ(check_caps(caps, n), all_codecs);

    const uint32_t yuv420 = VW_RT_YUV420;
    CHECK_EQ(engine_codec(e, VW_PROFILE_HEVC_MAIN, yuv420, 7680, 4320), VW_OK);
    CHECK_EQ(engine_codec(e, VW_PROFILE_HEVC_MAIN, yuv420, 8192, 8192), VW_OK);
    CHECK_EQ(engine_codec(e, VW_PROFILE_HEVC_MAIN, yuv420, 8200, 8200), VW_ERR_RESOLUTION);
    CHECK_EQ(engine_codec(e, VW_PROFILE_HEVC_MAIN10, VW_RT_YUV420_10, 8192, 8200),
             VW_ERR_RESOLUTION);
    CHECK_EQ(engine_codec(e, VW_PROFILE_VP9_PROFILE0, yuv420, 7680, 4320), VW_OK);
    CHECK_EQ(engine_codec(e, VW_PROFILE_VP9_PROFILE0, yuv420, 8200, 8200), VW_ERR_RESOLUTION);
    CHECK_EQ(engine_codec(e, VW_PROFILE_VP9_PROFILE2, VW_RT_YUV420_10, 8200, 4320),
             VW_ERR_RESOLUTION);
    CHECK_EQ(engine_codec(e, VW_PROFILE_VP8, yuv420, 8192, 8192), VW_OK);
    CHECK_EQ(engine_codec(e, VW_PROFILE_VP8, yuv420, 8200, 64), VW_ERR_RESOLUTION);
    CHECK_EQ(engine_codec(e, VW_PROFILE_JPEG_BASELINE, yuv420, 8192, 8192), VW_OK);
    CHECK_EQ(engine_codec(e, VW_PROFILE_JPEG_BASELINE, yuv420, 8194, 64), VW_ERR_RESOLUTION);
    /* H.264 and MPEG-2 keep theirs. */
    CHECK_EQ(engine_codec(e, VW_PROFILE_H264_HIGH, yuv420, 4096, 2304), VW_OK);
    CHECK_EQ(engine_codec(e, VW_PROFILE_H264_HIGH, yuv420, 4112, 2304), VW_ERR_RESOLUTION);
    CHECK_EQ(engine_codec(e, VW_PROFILE_H264_HIGH, yuv420, 4096, 2320), VW_ERR_RESOLUTION);
    CHECK_EQ(engine_codec(e, VW_PROFILE_H264_MAIN, yuv420, 7680, 4320), VW_ERR_RESOLUTION);
    CHECK_EQ(engine_codec(e, VW_PROFILE_MPEG2_MAIN, yuv420, 4095, 2800), VW_OK);
    CHECK_EQ(engine_codec(e, VW_PROFILE_MPEG2_MAIN, yuv420, 4096, 2800), VW_ERR_RESOLUTION);
    CHECK_EQ(engine_codec(e, VW_PROFILE_MPEG2_SIMPLE, yuv420, 4095, 2816), VW_ERR_RESOLUTION);

    /* Surfaces: the largest of any profile. */
    CHECK_EQ(engine_surface(e, 7680, 4320), VW_OK);
    CHECK_EQ(engine_surface(e, 8192, 8192), VW_OK);
    CHECK_EQ(engine_surface(e, 8194, 8192), VW_ERR_RESOLUTION);
    CHECK_EQ(engine_surface(e, 8192, 8194), VW_ERR_RESOLUTION);
}

/* ---- a session on it ------------------------------------------------------------ */

static int create_codec(struct vh_session *s, uint32_t id, uint32_t profile, uint32_t rt,
                        uint32_t w, uint32_t h)
{
    struct vw_create_codec cc = {.codec_id = id, .profile = profile,
                                 .entrypoint = VW_ENTRYPOINT_DECODE, .rt_format = rt,
                                 .width = w, .height = h};
    return send_msg(s, VW_OP_CREATE_CODEC, &cc, sizeof(cc));
}

static int destroy_codec(struct vh_session *s, uint32_t id)
{
    struct vw_destroy_codec dc = {.codec_id = id};
    return send_msg(s, VW_OP_DESTROY_CODEC, &dc, sizeof(dc));
}

static int create_surface(struct vh_session *s, uint32_t id, uint32_t w, uint32_t h)
{
    struct vw_create_surface cs = {.surface_id = id, .width = w, .height = h,
                                   .rt_format = VW_RT_YUV420, .pixel_format = VW_FOURCC_NV12};
    return send_msg(s, VW_OP_CREATE_SURFACE, &cs, sizeof(cs));
}

static uint64_t used(struct vh_memory_budget *b)
{
    return atomic_load(&b->used);
}

/* The daemon's default limits, charged to `client` too; max_bytes 0: the
 * default session limit. */
static struct vh_limits limits_of(struct vh_memory_budget *client, uint64_t max_bytes)
{
    struct vh_limits l;
    vh_limits_default(&l);
    l.shared = client;
    if (max_bytes)
        l.max_bytes = max_bytes;
    return l;
}

/* What one codec of each kind is charged: its pictures (codec_rules.c) of
 * its size, in the largest format of its profile. */
static void test_charges(struct vh_engine *e, struct vh_memory_budget *client)
{
    struct vh_limits l = limits_of(client, 0);
    struct vh_session *s = open_session(e, &l, 1, "test_sw_limits");
    static const struct {
        uint32_t profile, rt, w, h;
        uint64_t bytes;
    } cases[] = {
        {VW_PROFILE_HEVC_MAIN, VW_RT_YUV420, 7680, 4320, 18 * NV12_BYTES(7680, 4320)},
        {VW_PROFILE_VP9_PROFILE0, VW_RT_YUV420, 7680, 4320, 12 * NV12_BYTES(7680, 4320)},
        {VW_PROFILE_VP9_PROFILE2, VW_RT_YUV420_10, 7680, 4320, 12 * NV12_BYTES(7680, 4320) * 2},
        {VW_PROFILE_VP8, VW_RT_YUV420, 8192, 8192, 5 * NV12_BYTES(8192, 8192)},
        /* 4:4:4 8-bit: the largest of the JPEG profile's formats. */
        {VW_PROFILE_JPEG_BASELINE, VW_RT_YUV420, 8192, 8192, 2 * 8192ull * 8192 * 3},
        /* Charged in whole macroblocks: 4096x2800. */
        {VW_PROFILE_MPEG2_MAIN, VW_RT_YUV420, 4095, 2800, 4 * NV12_BYTES(4096, 2800)},
        {VW_PROFILE_H264_HIGH, VW_RT_YUV420, 4096, 2304, 18 * NV12_BYTES(4096, 2304)},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint64_t before = used(client);
        CHECK_EQ(create_codec(s, 1, cases[i].profile, cases[i].rt, cases[i].w, cases[i].h),
                 VW_OK);
        printf("profile %u %ux%u: %llu bytes charged\n", cases[i].profile, cases[i].w,
               cases[i].h, (unsigned long long)(used(client) - before));
        CHECK_EQ(used(client) - before, cases[i].bytes);
        CHECK_EQ(destroy_codec(s, 1), VW_OK);
        CHECK_EQ(used(client), before);
    }
    uint64_t before = used(client);
    CHECK_EQ(create_surface(s, 1, 8192, 8192), VW_OK);
    CHECK_EQ(used(client) - before, NV12_BYTES(8192, 8192));
    vh_session_destroy(&s);
    CHECK_EQ(used(client), before);
}

static void test_session(struct vh_engine *e, struct vh_memory_budget *client)
{
    struct vh_limits l = limits_of(client, 1200 * MIB);
    struct vh_session *s = open_session(e, &l, 2, "test_sw_limits");

    /* The caps on the wire. */
    CHECK_EQ(send_msg(s, VW_OP_QUERY_CAPS, NULL, 0), VW_OK);
    struct vw_caps_reply cr;
    CHECK(last_body_len >= sizeof(cr));
    memcpy(&cr, last_body, sizeof(cr));
    CHECK(cr.count >= 6 && cr.count <= 64);
    CHECK_EQ(last_body_len, sizeof(cr) + cr.count * sizeof(struct vw_cap));
    struct vw_cap caps[64];
    memcpy(caps, last_body + sizeof(cr), cr.count * sizeof(struct vw_cap));
    CHECK_EQ(check_caps(caps, cr.count), all_codecs);

    /* Past a profile's own limit: RESOLUTION, nothing charged. */
    uint64_t base = used(client);
    CHECK_EQ(create_codec(s, 1, VW_PROFILE_VP9_PROFILE0, VW_RT_YUV420, 8200, 8200),
             VW_ERR_RESOLUTION);
    printf("VP9 8200x8200: %s\n", last_message);
    CHECK(strstr(last_message, "outside the engine's range for profile") != NULL);
    CHECK_EQ(create_codec(s, 1, VW_PROFILE_HEVC_MAIN, VW_RT_YUV420, 8200, 8200),
             VW_ERR_RESOLUTION);
    CHECK_EQ(create_codec(s, 1, VW_PROFILE_H264_HIGH, VW_RT_YUV420, 4112, 2304),
             VW_ERR_RESOLUTION);
    CHECK_EQ(create_codec(s, 1, VW_PROFILE_H264_HIGH, VW_RT_YUV420, 7680, 4320),
             VW_ERR_RESOLUTION);
    CHECK_EQ(create_surface(s, 1, 8200, 8192), VW_ERR_RESOLUTION);
    CHECK_EQ(used(client), base);

    /* 8K HEVC and VP9 codecs and surfaces. */
    const uint64_t pic = NV12_BYTES(7680, 4320);
    CHECK_EQ(create_codec(s, 1, VW_PROFILE_HEVC_MAIN, VW_RT_YUV420, 7680, 4320), VW_OK);
    CHECK_EQ(used(client) - base, 18 * pic);
    CHECK_EQ(create_surface(s, 1, 7680, 4320), VW_OK);
    CHECK_EQ(used(client) - base, 19 * pic);
    /* A second 8K HEVC decoder does not fit the session's 1200 MiB. */
    CHECK_EQ(create_codec(s, 2, VW_PROFILE_HEVC_MAIN, VW_RT_YUV420, 7680, 4320), VW_ERR_LIMIT);
    printf("second HEVC codec: %s\n", last_message);
    CHECK(strstr(last_message, "a 7680x4320 decoder needs 854 MiB, over the session's memory "
                               "budget (901 of 1200 MiB used)") != NULL);
    CHECK_EQ(used(client) - base, 19 * pic);
    /* Surfaces until the session's limit: each charged its bytes. */
    uint32_t id = 2;
    while (create_surface(s, id, 7680, 4320) == VW_OK)
        id++;
    CHECK_EQ(last_status, VW_ERR_LIMIT);
    printf("surface %u: %s\n", id, last_message);
    CHECK(strstr(last_message, "CREATE_SURFACE: session memory limit") != NULL);
    uint64_t charged = used(client) - base;
    CHECK_EQ(charged, (18 + id - 1) * pic);
    CHECK(charged <= l.max_bytes && charged + pic > l.max_bytes);
    vh_session_destroy(&s);
    CHECK_EQ(used(client), base);
}

/* The client's budget (vivacd --max-client-memory, a worker's): its
 * sessions together are refused past it, with the client's limit named. */
static void test_client(struct vh_engine *e, struct vh_memory_budget *client)
{
    struct vh_limits l = limits_of(client, 0);
    client->limit = 1000 * MIB;
    struct vh_session *a = open_session(e, &l, 3, "test_sw_limits");
    struct vh_session *b = open_session(e, &l, 4, "test_sw_limits");
    const uint64_t pic = NV12_BYTES(7680, 4320);
    CHECK_EQ(create_codec(a, 1, VW_PROFILE_HEVC_MAIN, VW_RT_YUV420, 7680, 4320), VW_OK);
    CHECK_EQ(create_codec(b, 1, VW_PROFILE_HEVC_MAIN, VW_RT_YUV420, 7680, 4320), VW_ERR_LIMIT);
    printf("client's second HEVC codec: %s\n", last_message);
    CHECK(strstr(last_message, "client's (vivacd --max-client-memory)") != NULL);
    uint32_t id = 1;
    while (create_surface(b, id, 7680, 4320) == VW_OK)
        id++;
    CHECK_EQ(last_status, VW_ERR_LIMIT);
    CHECK(strstr(last_message, "client's (vivacd --max-client-memory)") != NULL);
    CHECK_EQ(used(client), (18 + id - 1) * pic);
    CHECK(used(client) <= client->limit && used(client) + pic > client->limit);
    CHECK_EQ(used(client->parent), used(client));
    vh_session_destroy(&b);
    vh_session_destroy(&a);
    CHECK_EQ(used(client), 0);
    CHECK_EQ(used(client->parent), 0);
    client->limit = 0;
}

int main(void)
{
    struct vh_engine *e = NULL;
    struct vh_error err = {0};
    CHECK_EQ(ops->create(&e, &err), VW_OK);
    /* A client's budget (unlimited at first) in the daemon's. */
    static struct vh_memory_budget daemon, client = {.parent = &daemon};
    test_engine(e);
    test_charges(e, &client);
    test_session(e, &client);
    test_client(e, &client);
    ops->destroy(&e);
    return check_finish("test_sw_limits");
}
