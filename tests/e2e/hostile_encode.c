/* Hostile and edge cases of protocol 1.3's encode messages against a live
 * vivacd (sw engine: libx264, libx265): every bad field of
 * ENCODE_BITSTREAM, encode messages on the wrong codec or at the wrong
 * time, a coded buffer too small (LIMIT, then the codec goes on), clients
 * that leave mid-picture. Each case gets its status and the daemon keeps
 * serving. Prints "ok - ..." / "not ok - ..." lines; exit status 1 on any
 * failure. Usage: hostile_encode SOCKET */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "encode_client.h"

#define W 320
#define H 240
#define ARENA (4u << 20)

/* A session with encode codec 1 (H.264 High, W x H) and input surface 1
 * holding the pattern; decode codec 2 (H.264 High) for the wrong-codec
 * cases. */
static bool setup(struct client *c)
{
    if (!session(c, ARENA))
        return false;
    struct vw_create_codec dec = {.codec_id = 2, .profile = VW_PROFILE_H264_HIGH,
                                  .entrypoint = VW_ENTRYPOINT_DECODE,
                                  .rt_format = VW_RT_YUV420, .width = W, .height = H};
    return enc_create_codec(c, 1, VW_PROFILE_H264_HIGH, W, H) == VW_OK &&
           REQ1(c, VW_OP_CREATE_CODEC, dec) == VW_OK &&
           enc_create_surface(c, 1, W, H, false) == VW_OK &&
           enc_put_pattern(c, 1, W, H, false, 0) == VW_OK;
}

static struct vw_encode_bitstream good(uint32_t type)
{
    return (struct vw_encode_bitstream){
        .codec_id = 1, .codec = VW_CODEC_H264,
        .sequence = enc_sequence(VW_PROFILE_H264_HIGH, VW_RC_CQP, 0),
        .picture = {.type = type, .qp = 26, .num_slices = 1},
        .coded = {.location = VW_LOC_ARENA, .offset = 0, .size = ARENA}};
}

static void case_caps(void)
{
    struct client c;
    if (!session(&c, 0)) {
        result(false, "encode caps: session");
        return;
    }
    int bad = request(&c, VW_OP_QUERY_ENCODE_CAPS, "x", 1, NULL, 0, NULL, 0);
    int st = request(&c, VW_OP_QUERY_ENCODE_CAPS, NULL, 0, NULL, 0, NULL, 0);
    struct vw_caps_reply r = {0};
    bool h264 = false, hevc = false, main10 = false, sane = true;
    if (st == VW_OK && c.body_len >= sizeof(r)) {
        memcpy(&r, c.body, sizeof(r));
        sane = c.body_len == sizeof(r) + r.count * sizeof(struct vw_encode_cap);
        for (uint32_t i = 0; sane && i < r.count; i++) {
            struct vw_encode_cap e;
            memcpy(&e, c.body + sizeof(r) + i * sizeof(e), sizeof(e));
            h264 |= e.profile == VW_PROFILE_H264_HIGH && !strcmp(e.encoder_name, "libx264");
            hevc |= e.profile == VW_PROFILE_HEVC_MAIN && !strcmp(e.encoder_name, "libx265");
            main10 |= e.profile == VW_PROFILE_HEVC_MAIN10 && e.rt_formats == VW_RT_YUV420_10;
            sane &= e.max_refs_l0 >= 1 && e.max_refs_l1 == 0 && e.max_slices >= 1 &&
                    e.rc_modes == (VW_RC_CQP | VW_RC_CBR | VW_RC_VBR) && e.min_qp <= e.max_qp;
        }
    }
    /* QUERY_CAPS lists the same profiles with entrypoint ENCODE. */
    int st2 = request(&c, VW_OP_QUERY_CAPS, NULL, 0, NULL, 0, NULL, 0);
    uint32_t listed = 0;
    struct vw_caps_reply r2 = {0};
    if (st2 == VW_OK && c.body_len >= sizeof(r2)) {
        memcpy(&r2, c.body, sizeof(r2));
        for (uint32_t i = 0; i < r2.count && c.body_len >= sizeof(r2) + (i + 1) * 48; i++) {
            struct vw_cap cap;
            memcpy(&cap, c.body + sizeof(r2) + i * sizeof(cap), sizeof(cap));
            listed += cap.entrypoint == VW_ENTRYPOINT_ENCODE;
        }
    }
    result(bad == VW_ERR_MALFORMED && st == VW_OK && sane && h264 && hevc && main10 &&
               listed == r.count,
           "QUERY_ENCODE_CAPS: a payload -> MALFORMED (%d); libx264 High, libx265 Main and "
           "Main10, no B, CQP|CBR|VBR; QUERY_CAPS lists the %u with entrypoint 2 (%u)", bad,
           r.count, listed);
    client_close(&c);
}

/* A client of protocol 1.2 is told of no encoding and cannot make an
 * encode codec. */
static void case_old_client(void)
{
    struct client c;
    if (!client_open(&c)) {
        result(false, "1.2 client: connect");
        return;
    }
    struct vw_hello h = {.magic = VW_MAGIC, .version_major = 1, .version_minor = 2};
    int st = REQ1(&c, VW_OP_HELLO, h);
    int caps = request(&c, VW_OP_QUERY_ENCODE_CAPS, NULL, 0, NULL, 0, NULL, 0);
    uint32_t count = UINT32_MAX;
    if (caps == VW_OK && c.body_len >= 4)
        memcpy(&count, c.body, 4);
    int cc = enc_create_codec(&c, 1, VW_PROFILE_H264_HIGH, W, H);
    result(st == VW_OK && count == 0 && cc == VW_ERR_UNSUPPORTED_ENTRYPOINT,
           "1.2 client: no encode caps (%u), encode codec -> UNSUPPORTED_ENTRYPOINT (%d)", count,
           cc);
    client_close(&c);
}

static void case_create(void)
{
    struct client c;
    if (!session(&c, 0)) {
        result(false, "encode CREATE_CODEC: session");
        return;
    }
    struct vw_create_codec cc = {.codec_id = 5, .profile = VW_PROFILE_VP9_PROFILE0,
                                 .entrypoint = VW_ENTRYPOINT_ENCODE,
                                 .rt_format = VW_RT_YUV420, .width = W, .height = H};
    int vp9 = REQ1(&c, VW_OP_CREATE_CODEC, cc);
    cc.profile = VW_PROFILE_H264_HIGH;
    cc.rt_format = VW_RT_YUV420_10;
    int p010 = REQ1(&c, VW_OP_CREATE_CODEC, cc);
    cc.rt_format = VW_RT_YUV420;
    cc.width = 16;
    int tiny = REQ1(&c, VW_OP_CREATE_CODEC, cc);
    cc.width = 8192;
    int huge = REQ1(&c, VW_OP_CREATE_CODEC, cc);
    result(vp9 == VW_ERR_UNSUPPORTED_ENTRYPOINT && p010 == VW_ERR_UNSUPPORTED_FORMAT &&
               tiny == VW_ERR_RESOLUTION && huge == VW_ERR_RESOLUTION,
           "encode CREATE_CODEC: VP9 -> UNSUPPORTED_ENTRYPOINT, H.264 P010 -> "
           "UNSUPPORTED_FORMAT, 16 / 8192 wide -> RESOLUTION (%d %d %d %d)", vp9, p010, tiny,
           huge);
    client_close(&c);
}

/* One bad ENCODE_BITSTREAM: its status, END_FRAME's (the frame's error),
 * and a good picture after it on the same codec. */
struct bad_case {
    const char *what;
    int expect;
    void (*spoil)(struct vw_encode_bitstream *eb);
};

#define SPOIL(name, body) static void name(struct vw_encode_bitstream *eb) { body; }
SPOIL(flags, eb->flags = 1)
SPOIL(reserved, eb->reserved = 7)
SPOIL(codec_kind, eb->codec = VW_CODEC_HEVC)
SPOIL(seq_reserved, eb->sequence.reserved[4] = 1)
SPOIL(pic_reserved, eb->picture.reserved[0] = 1)
SPOIL(rc_two, eb->sequence.rc_mode = VW_RC_CQP | VW_RC_CBR)
SPOIL(rc_unknown, eb->sequence.rc_mode = 0x8)
SPOIL(cqp_rate, eb->sequence.bits_per_second = 1000)
SPOIL(cbr_no_rate, eb->sequence.rc_mode = VW_RC_CBR; eb->picture.qp = 0)
SPOIL(vbr_peak, eb->sequence.rc_mode = VW_RC_VBR; eb->picture.qp = 0;
      eb->sequence.bits_per_second = 2000000; eb->sequence.max_bits_per_second = 1000)
SPOIL(hrd_initial, eb->sequence.rc_mode = VW_RC_CBR; eb->picture.qp = 0;
      eb->sequence.bits_per_second = 1000000; eb->sequence.hrd_initial_bits = 5)
SPOIL(qp_high, eb->picture.qp = 60)
SPOIL(qp_range, eb->sequence.min_qp = 40; eb->sequence.max_qp = 20)
SPOIL(fps_zero, eb->sequence.frame_rate_num = 0)
SPOIL(fps_den_zero, eb->sequence.frame_rate_den = 0)
SPOIL(depth, eb->sequence.bit_depth = 10)
SPOIL(level, eb->sequence.level_idc = 43)
SPOIL(cabac, eb->sequence.entropy_cabac = 2)
SPOIL(quality, eb->sequence.quality_level = 99)
SPOIL(ip_period, eb->sequence.ip_period = 3)
SPOIL(crop_left, eb->sequence.crop_left = 2)
SPOIL(crop_odd, eb->sequence.crop_right = 3)
SPOIL(crop_all, eb->sequence.crop_bottom = H)
SPOIL(vui_flag, eb->sequence.video_signal_present = 2)
SPOIL(sar_without, eb->sequence.sar_width = 4)
SPOIL(colour_without, eb->sequence.colour_primaries = 1)
SPOIL(type_zero, eb->picture.type = 0)
SPOIL(type_b, eb->picture.type = VW_PICTURE_B)
SPOIL(first_p, eb->picture.type = VW_PICTURE_P)
SPOIL(slices_zero, eb->picture.num_slices = 0)
SPOIL(slices_two, eb->picture.num_slices = 2)
SPOIL(coded_oob, eb->coded.offset = ARENA - 16; eb->coded.size = 32)
SPOIL(coded_wrap, eb->coded.offset = UINT64_MAX - 8; eb->coded.size = 16)
SPOIL(coded_zero, eb->coded.size = 0)
SPOIL(coded_loc, eb->coded.location = 9)
SPOIL(coded_res, eb->coded.reserved = 1)
SPOIL(inline_offset, eb->coded.location = VW_LOC_INLINE; eb->coded.offset = 8)
SPOIL(inline_huge, eb->coded.location = VW_LOC_INLINE; eb->coded.offset = 0;
      eb->coded.size = 1ull << 40)

static const struct bad_case bad_cases[] = {
    {"flags", VW_ERR_MALFORMED, flags},
    {"reserved", VW_ERR_MALFORMED, reserved},
    {"codec not the profile's", VW_ERR_MALFORMED, codec_kind},
    {"sequence reserved", VW_ERR_MALFORMED, seq_reserved},
    {"picture reserved", VW_ERR_MALFORMED, pic_reserved},
    {"two rc modes", VW_ERR_MALFORMED, rc_two},
    {"rc mode not offered", VW_ERR_UNSUPPORTED_STREAM, rc_unknown},
    {"CQP with a bit rate", VW_ERR_MALFORMED, cqp_rate},
    {"CBR without a bit rate", VW_ERR_MALFORMED, cbr_no_rate},
    {"VBR peak under target", VW_ERR_MALFORMED, vbr_peak},
    {"HRD initial over buffer", VW_ERR_MALFORMED, hrd_initial},
    {"qp 60", VW_ERR_MALFORMED, qp_high},
    {"min_qp over max_qp", VW_ERR_MALFORMED, qp_range},
    {"frame rate 0/1", VW_ERR_MALFORMED, fps_zero},
    {"frame rate 30/0", VW_ERR_MALFORMED, fps_den_zero},
    {"10-bit H.264", VW_ERR_MALFORMED, depth},
    {"level_idc 43", VW_ERR_MALFORMED, level},
    {"entropy_cabac 2", VW_ERR_MALFORMED, cabac},
    {"quality level 99", VW_ERR_MALFORMED, quality},
    {"ip_period 3 (B)", VW_ERR_UNSUPPORTED_STREAM, ip_period},
    {"crop_left", VW_ERR_UNSUPPORTED_STREAM, crop_left},
    {"odd display width", VW_ERR_MALFORMED, crop_odd},
    {"crop of the whole height", VW_ERR_MALFORMED, crop_all},
    {"VUI flag 2", VW_ERR_MALFORMED, vui_flag},
    {"SAR without aspect_ratio_present", VW_ERR_MALFORMED, sar_without},
    {"colour without its flag", VW_ERR_MALFORMED, colour_without},
    {"picture type 0", VW_ERR_MALFORMED, type_zero},
    {"B picture", VW_ERR_UNSUPPORTED_STREAM, type_b},
    {"first picture P", VW_ERR_STATE, first_p},
    {"0 slices", VW_ERR_MALFORMED, slices_zero},
    {"2 slices", VW_ERR_MALFORMED, slices_two},
    {"coded past the arena", VW_ERR_OUT_OF_BOUNDS, coded_oob},
    {"coded offset wraps", VW_ERR_OUT_OF_BOUNDS, coded_wrap},
    {"coded size 0", VW_ERR_MALFORMED, coded_zero},
    {"coded location 9", VW_ERR_MALFORMED, coded_loc},
    {"coded reserved", VW_ERR_MALFORMED, coded_res},
    {"inline offset", VW_ERR_MALFORMED, inline_offset},
    {"inline 1 TiB", VW_ERR_LIMIT, inline_huge},
};

static void case_bad_fields(void)
{
    struct client c;
    if (!setup(&c)) {
        result(false, "ENCODE_BITSTREAM fields: setup");
        return;
    }
    for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
        struct vw_encode_bitstream eb = good(VW_PICTURE_IDR);
        bad_cases[i].spoil(&eb);
        struct enc_picture_result r;
        enc_picture(&c, 1, &eb, &r);
        bool told = strlen(c.message) > 0;
        result(r.encode_status == bad_cases[i].expect && r.status == bad_cases[i].expect && told,
               "ENCODE_BITSTREAM %s -> %s at ENCODE_BITSTREAM and END_FRAME (%d, %d: %s)",
               bad_cases[i].what, vw_status_name(bad_cases[i].expect), r.encode_status, r.status,
               c.message);
    }
    /* The codec is still usable: its first good picture is its first. */
    struct vw_encode_bitstream eb = good(VW_PICTURE_IDR);
    struct enc_picture_result r;
    enc_picture(&c, 1, &eb, &r);
    result(r.status == VW_OK && r.result.type == VW_PICTURE_IDR && r.result.size > 0,
           "after the bad pictures a good IDR encodes (%d, %llu bytes)", r.status,
           (unsigned long long)r.result.size);
    client_close(&c);
}

static void case_wrong_place(void)
{
    struct client c;
    if (!setup(&c)) {
        result(false, "encode wrong place: setup");
        return;
    }
    struct vw_encode_bitstream eb = good(VW_PICTURE_IDR);
    int size = request(&c, VW_OP_ENCODE_BITSTREAM, &eb, sizeof(eb) - 1, NULL, 0, NULL, 0);
    int longer = request(&c, VW_OP_ENCODE_BITSTREAM, &eb, sizeof(eb), "x", 1, NULL, 0);
    int noframe = REQ1(&c, VW_OP_ENCODE_BITSTREAM, eb);
    eb.codec_id = 77;
    int noid = REQ1(&c, VW_OP_ENCODE_BITSTREAM, eb);
    /* ENCODE_BITSTREAM on the decode codec, DECODE_BITSTREAM on the encode one. */
    eb.codec_id = 2;
    begin_frame(&c, 2, 1);
    int on_decode = REQ1(&c, VW_OP_ENCODE_BITSTREAM, eb);
    end_frame(&c, 2);
    begin_frame(&c, 1, 1);
    struct vw_decode_bitstream db = {.codec_id = 1, .codec = VW_CODEC_H264};
    int on_encode = REQ1(&c, VW_OP_DECODE_BITSTREAM, db);
    int empty_end = end_frame(&c, 1);
    /* Two pictures in one frame. */
    eb = good(VW_PICTURE_IDR);
    begin_frame(&c, 1, 1);
    int first = REQ1(&c, VW_OP_ENCODE_BITSTREAM, eb);
    int twice = REQ1(&c, VW_OP_ENCODE_BITSTREAM, eb);
    int end_twice = end_frame(&c, 1);
    result(size == VW_ERR_MALFORMED && longer == VW_ERR_MALFORMED && noframe == VW_ERR_STATE &&
               noid == VW_ERR_INVALID_ID && on_decode == VW_ERR_STATE &&
               on_encode == VW_ERR_STATE && empty_end == VW_ERR_STATE && first == VW_OK &&
               twice == VW_ERR_STATE && end_twice == VW_ERR_STATE,
           "short / long payload -> MALFORMED, no frame -> STATE, unknown codec -> INVALID_ID, "
           "on a decode codec / DECODE on an encode codec / END_FRAME without it / twice in "
           "a frame -> STATE (%d %d %d %d %d %d %d %d %d)", size, longer, noframe, noid,
           on_decode, on_encode, empty_end, twice, end_twice);

    /* Input surfaces: smaller than the picture, or 10-bit for H.264. */
    enc_create_surface(&c, 3, W - 64, H, false);
    enc_create_surface(&c, 4, W, H, true);
    struct enc_picture_result r;
    enc_picture(&c, 3, &eb, &r);
    int small = r.encode_status;
    int p010 = begin_frame(&c, 1, 4);
    /* Cropped to the small surface's size it is enough. */
    eb.sequence.crop_right = 64;
    enc_picture(&c, 3, &eb, &r);
    int cropped = r.status;
    result(small == VW_ERR_RESOLUTION && p010 == VW_ERR_UNSUPPORTED_FORMAT && cropped == VW_OK,
           "input surface smaller than the picture -> RESOLUTION, P010 into H.264 -> "
           "UNSUPPORTED_FORMAT, cropped to it -> OK (%d %d %d)", small, p010, cropped);
    client_close(&c);
}

/* A coded buffer too small: LIMIT naming both sizes, the result saying
 * how many bytes it needed; the next picture comes out IDR. */
static void case_limit(void)
{
    struct client c;
    if (!setup(&c)) {
        result(false, "coded buffer too small: setup");
        return;
    }
    struct vw_encode_bitstream eb = good(VW_PICTURE_IDR);
    struct enc_picture_result r;
    enc_picture(&c, 1, &eb, &r);
    bool first = r.status == VW_OK;
    eb.picture.type = VW_PICTURE_P;
    eb.coded.size = 16;
    enc_picture(&c, 1, &eb, &r);
    int limit = r.status;
    uint64_t needed = r.result.size;
    char msg[VW_MESSAGE_TEXT_MAX + 1];
    snprintf(msg, sizeof(msg), "%s", c.message);
    char want[64];
    snprintf(want, sizeof(want), "%llu coded bytes", (unsigned long long)needed);
    eb.coded.size = ARENA;
    enc_picture(&c, 1, &eb, &r);
    result(first && limit == VW_ERR_LIMIT && needed > 16 && strstr(msg, want) &&
               strstr(msg, "16-byte") && r.status == VW_OK && r.result.type == VW_PICTURE_IDR,
           "coded buffer of 16 bytes -> LIMIT (%d: %s); the next P comes out IDR (%d, type %u)",
           limit, msg, r.status, r.result.type);
    client_close(&c);
}

/* Sequences: a non-rate change is refused, a rate change taken; CQP's
 * per-picture QP is the one coded (libx264 cannot change it in place: the
 * encoder is reopened and the picture comes out IDR). */
static void case_sequence(void)
{
    struct client c;
    if (!setup(&c)) {
        result(false, "sequence changes: setup");
        return;
    }
    struct vw_encode_bitstream eb = good(VW_PICTURE_IDR);
    eb.picture.qp = 20;
    struct enc_picture_result r;
    enc_picture(&c, 1, &eb, &r);
    uint32_t qp1 = r.result.qp;
    eb.picture.type = VW_PICTURE_P;
    eb.picture.qp = 35;
    enc_put_pattern(&c, 1, W, H, false, 1);
    enc_picture(&c, 1, &eb, &r);
    uint32_t qp2 = r.result.qp, type2 = r.result.type;
    eb.sequence.frame_rate_num = 60;
    enc_picture(&c, 1, &eb, &r);
    int fps = r.status;
    char msg[VW_MESSAGE_TEXT_MAX + 1];
    snprintf(msg, sizeof(msg), "%s", c.message);
    eb.sequence.frame_rate_num = 30;
    eb.sequence.min_qp = 10;
    eb.sequence.max_qp = 40;
    enc_picture(&c, 1, &eb, &r);
    result(qp1 == 20 && qp2 == 35 && type2 == VW_PICTURE_IDR && fps == VW_ERR_STATE &&
               strstr(msg, "frame_rate_num") && r.status == VW_OK,
           "CQP qp 20 then 35 coded as such (%u, %u, reopened: IDR %u); frame rate change -> STATE (%s); "
           "QP range change -> OK (%d)", qp1, qp2, type2, msg, r.status);
    client_close(&c);
}

/* Clients that leave a picture half done: destroyed codec, closed
 * connection. The input surface is not left busy. */
static void case_leave(void)
{
    struct client c;
    if (!setup(&c)) {
        result(false, "leave mid-picture: setup");
        return;
    }
    struct vw_encode_bitstream eb = good(VW_PICTURE_IDR);
    begin_frame(&c, 1, 1);
    REQ1(&c, VW_OP_ENCODE_BITSTREAM, eb);
    struct vw_surface_ref ref = {.surface_id = 1};
    int busy = REQ1(&c, VW_OP_DESTROY_SURFACE, ref);
    struct vw_destroy_codec dc = {.codec_id = 1};
    int destroyed = REQ1(&c, VW_OP_DESTROY_CODEC, dc);
    int freed = REQ1(&c, VW_OP_DESTROY_SURFACE, ref);
    /* A new codec with the same id starts afresh. */
    int again = enc_create_codec(&c, 1, VW_PROFILE_H264_HIGH, W, H);
    enc_create_surface(&c, 1, W, H, false);
    begin_frame(&c, 1, 1);
    REQ1(&c, VW_OP_ENCODE_BITSTREAM, eb);
    client_close(&c); /* gone before END_FRAME */
    result(busy == VW_ERR_SURFACE_BUSY && destroyed == VW_OK && freed == VW_OK &&
               again == VW_OK && daemon_serves(),
           "input surface busy mid-picture -> SURFACE_BUSY, DESTROY_CODEC mid-picture frees "
           "it, a client gone mid-picture leaves the daemon serving (%d %d %d %d)", busy,
           destroyed, freed, again);
}

int main(int argc, char **argv)
{
    int rc = hostile_start(argc == 2, argv, "hostile_encode SOCKET");
    if (rc)
        return rc;
    case_caps();
    case_old_client();
    case_create();
    case_bad_fields();
    case_wrong_place();
    case_limit();
    case_sequence();
    case_leave();
    return hostile_finish();
}
