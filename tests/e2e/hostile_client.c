/*
 * hostile_client SOCKET: plays a misbehaving guest against a running vivacd
 * and checks that every abuse gets the documented answer (and that the
 * daemon keeps serving). One line per case, "ok - name" / "not ok - name";
 * exit status 1 if any case failed.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "wire_client.h"

/* ---- objects and decode helpers ----------------------------------------- */

#define W 64
#define H 64

static int create_codec(struct client *c, uint32_t id)
{
    struct vw_create_codec cc = {.codec_id = id, .profile = VW_PROFILE_H264_HIGH,
                                 .entrypoint = VW_ENTRYPOINT_DECODE, .rt_format = VW_RT_YUV420,
                                 .width = W, .height = H};
    return REQ1(c, VW_OP_CREATE_CODEC, cc);
}

/* Surface id put in reference_frames[0] as a valid short-term reference
 * (0: none). */
static uint32_t ref0_id;

static void fill_picture(struct vw_h264_picture *p, uint32_t target)
{
    memset(p, 0, sizeof(*p));
    p->curr_pic = (struct vw_h264_ref){.surface_id = target, .flags = 0};
    for (int i = 0; i < 16; i++)
        p->reference_frames[i] = (struct vw_h264_ref){.surface_id = VW_INVALID_ID,
                                                      .flags = VW_H264_PIC_INVALID};
    if (ref0_id)
        p->reference_frames[0] = (struct vw_h264_ref){.surface_id = ref0_id,
                                                      .flags = VW_H264_PIC_SHORT_TERM};
    p->picture_width_in_mbs_minus1 = W / 16 - 1;
    p->picture_height_in_mbs_minus1 = H / 16 - 1;
    p->num_ref_frames = 1;
    p->chroma_format_idc = 1;
    p->frame_mbs_only_flag = 1;
    p->direct_8x8_inference_flag = 1;
    p->reference_pic_flag = 1;
}

static void fill_slice(struct vw_h264_slice *s, uint32_t offset, uint32_t size)
{
    memset(s, 0, sizeof(*s));
    s->slice_data_offset = offset;
    s->slice_data_size = size;
    s->slice_type = 2; /* I */
    s->slice_data_bit_offset = 8;
    for (int i = 0; i < 32; i++) {
        s->ref_pic_list0[i] = (struct vw_h264_ref){.surface_id = VW_INVALID_ID,
                                                   .flags = VW_H264_PIC_INVALID};
        s->ref_pic_list1[i] = s->ref_pic_list0[i];
    }
}

/* An IDR slice NAL with a start code; garbage after the header. */
static const uint8_t tiny_slice[] = {0, 0, 0, 1, 0x65, 0x88, 0x84, 0x00, 0x33, 0xff, 0x12, 0x34};

/* DECODE_BITSTREAM with one slice; `loc`/`offset`/`size` describe the data
 * ref, inline bytes are tiny_slice. num_slices is sent as given (the
 * payload holds one slice's parameters). */
static int decode(struct client *c, uint32_t codec, uint32_t target, uint32_t num_slices,
                  uint32_t loc, uint64_t offset, uint64_t size, uint32_t slice_offset,
                  uint32_t slice_size)
{
    struct vw_decode_bitstream db = {
        .codec_id = codec, .codec = VW_CODEC_H264, .num_slices = num_slices,
        .picture_params_size = sizeof(struct vw_h264_picture),
        .slice_params_size = sizeof(struct vw_h264_slice),
        .data = {.location = loc, .offset = offset, .size = size},
    };
    static struct vw_h264_picture pic;
    static struct vw_h264_slice slice;
    fill_picture(&pic, target);
    fill_slice(&slice, slice_offset, slice_size);
    return request(c, VW_OP_DECODE_BITSTREAM, &db, sizeof(db), &pic, sizeof(pic), &slice,
                   sizeof(slice));
}

/* DECODE_BITSTREAM with inline data (header, picture, one slice, blob). */
static int decode_inline(struct client *c, uint32_t codec, uint32_t target,
                         uint32_t slice_offset, uint32_t slice_size)
{
    struct {
        struct vw_decode_bitstream db;
        struct vw_h264_picture pic;
        struct vw_h264_slice slice;
        uint8_t data[sizeof(tiny_slice)];
    } __attribute__((packed)) *m = calloc(1, sizeof(*m));
    m->db = (struct vw_decode_bitstream){
        .codec_id = codec, .codec = VW_CODEC_H264, .num_slices = 1,
        .picture_params_size = sizeof(struct vw_h264_picture),
        .slice_params_size = sizeof(struct vw_h264_slice),
        .data = {.location = VW_LOC_INLINE, .size = sizeof(tiny_slice)},
    };
    struct vw_h264_picture pic;
    struct vw_h264_slice slice;
    fill_picture(&pic, target);
    fill_slice(&slice, slice_offset, slice_size);
    memcpy(&m->pic, &pic, sizeof(pic));
    memcpy(&m->slice, &slice, sizeof(slice));
    memcpy(m->data, tiny_slice, sizeof(tiny_slice));
    int st = request(c, VW_OP_DECODE_BITSTREAM, m, sizeof(*m), NULL, 0, NULL, 0);
    free(m);
    return st;
}

static struct vw_image_layout nv12_layout(uint32_t w, uint32_t h)
{
    return (struct vw_image_layout){.pixel_format = VW_FOURCC_NV12, .num_planes = 2,
                                    .pitches = {w, w}, .offsets = {0, w * h}};
}

static int get_image(struct client *c, uint32_t surface, uint32_t loc, uint64_t offset,
                     uint64_t size)
{
    struct vw_get_image gi = {.surface_id = surface, .width = W, .height = H,
                              .layout = nv12_layout(W, H),
                              .dst = {.location = loc, .offset = offset, .size = size}};
    return REQ1(c, VW_OP_GET_IMAGE, gi);
}

/* ---- cases ----------------------------------------------------------------- */

static void case_garbage(void)
{
    struct client c;
    if (!client_open(&c))
        return result(false, "garbage bytes");
    uint8_t junk[64];
    for (size_t i = 0; i < sizeof(junk); i++)
        junk[i] = (uint8_t)(0xa5 ^ (i * 37));
    struct iovec iov = {junk, sizeof(junk)};
    vt_channel_send(c.ch, &iov, 1, -1);
    bool ok = expect_error_then_close(&c, VW_ERR_MALFORMED);
    client_close(&c);
    result(ok && daemon_serves(), "garbage bytes: ERROR then close, daemon still serves");
}

static void case_truncated(void)
{
    struct client c;
    if (!client_open(&c))
        return result(false, "truncated message");
    struct vw_header hdr = {.opcode = VW_OP_HELLO, .length = sizeof(struct vw_hello),
                            .request_id = 1};
    uint8_t part[10] = {0};
    struct iovec iov[2] = {{&hdr, sizeof(hdr)}, {part, sizeof(part)}};
    vt_channel_send(c.ch, iov, 2, -1);
    client_close(&c);
    result(daemon_serves(), "truncated message then disconnect: daemon still serves");
}

static void case_oversized(void)
{
    struct client c;
    if (!session(&c, 0))
        return result(false, "oversized length");
    struct vw_header hdr = {.opcode = VW_OP_QUERY_CAPS, .length = VW_MAX_MESSAGE + 1,
                            .request_id = 7};
    struct iovec iov = {&hdr, sizeof(hdr)};
    vt_channel_send(c.ch, &iov, 1, -1);
    bool ok = expect_error_then_close(&c, VW_ERR_MALFORMED);
    client_close(&c);
    result(ok, "oversized length: ERROR then close");
}

static void case_header_reserved(void)
{
    struct client c;
    if (!session(&c, 0))
        return result(false, "header reserved");
    struct vw_header hdr = {.opcode = VW_OP_QUERY_CAPS, .request_id = 7, .reserved = 1};
    struct iovec iov = {&hdr, sizeof(hdr)};
    vt_channel_send(c.ch, &iov, 1, -1);
    bool ok = expect_error_then_close(&c, VW_ERR_MALFORMED);
    client_close(&c);
    result(ok, "header reserved != 0: ERROR then close");
}

static void case_unknown_opcode(void)
{
    struct client c;
    if (!session(&c, 0))
        return result(false, "unknown opcode");
    int st = request(&c, 999, NULL, 0, NULL, 0, NULL, 0);
    int st_err = request(&c, VW_OP_ERROR, NULL, 0, NULL, 0, NULL, 0);
    int st2 = request(&c, VW_OP_QUERY_CAPS, NULL, 0, NULL, 0, NULL, 0);
    client_close(&c);
    result(st == VW_ERR_UNKNOWN_OPCODE && st_err == VW_ERR_UNKNOWN_OPCODE && st2 == VW_OK,
           "unknown opcode -> UNKNOWN_OPCODE, session continues (%d, %d, %d)", st, st_err, st2);
}

static void case_bad_hello(void)
{
    struct client c;
    struct vw_hello h = {.magic = VW_MAGIC ^ 1, .version_major = VW_VERSION_MAJOR};
    if (!client_open(&c))
        return result(false, "HELLO bad magic");
    int st = REQ1(&c, VW_OP_HELLO, h);
    bool ok = st == VW_ERR_VERSION && closed(&c);
    client_close(&c);
    result(ok, "HELLO with bad magic -> VERSION and close (%d)", st);

    h = (struct vw_hello){.magic = VW_MAGIC, .version_major = VW_VERSION_MAJOR + 1};
    if (!client_open(&c))
        return result(false, "HELLO bad version");
    st = REQ1(&c, VW_OP_HELLO, h);
    ok = st == VW_ERR_VERSION && closed(&c);
    client_close(&c);
    result(ok, "HELLO with major version 2 -> VERSION and close (%d)", st);

    if (!client_open(&c))
        return result(false, "no HELLO");
    vt_msg_send(c.ch, VW_OP_QUERY_CAPS, 1, NULL, 0, NULL, 0, NULL, 0, -1);
    ok = expect_error_then_close(&c, VW_ERR_STATE);
    client_close(&c);
    result(ok, "request before HELLO -> ERROR (STATE) and close");

    if (!client_open(&c))
        return result(false, "short HELLO");
    st = request(&c, VW_OP_HELLO, &h, 20, NULL, 0, NULL, 0);
    ok = st == VW_ERR_MALFORMED && closed(&c);
    client_close(&c);
    result(ok, "short HELLO -> MALFORMED and close (%d)", st);

    if (!session(&c, 0))
        return result(false, "second HELLO");
    h.version_major = VW_VERSION_MAJOR;
    st = REQ1(&c, VW_OP_HELLO, h);
    client_close(&c);
    result(st == VW_ERR_STATE, "second HELLO -> STATE (%d)", st);
}

static void case_ids(void)
{
    struct client c;
    if (!session(&c, 0))
        return result(false, "ids");
    int a = create_surface(&c, 5, W, H);
    int b = create_surface(&c, 5, W, H);
    result(a == VW_OK && b == VW_ERR_ID_IN_USE, "surface id 5 twice -> ID_IN_USE (%d, %d)", a, b);
    a = create_surface(&c, 0, W, H);
    b = create_surface(&c, VW_INVALID_ID, W, H);
    result(a == VW_ERR_INVALID_ID && b == VW_ERR_INVALID_ID,
           "surface id 0 / 0xffffffff -> INVALID_ID (%d, %d)", a, b);
    a = create_codec(&c, 3);
    b = create_codec(&c, 3);
    int z = create_codec(&c, 0);
    result(a == VW_OK && b == VW_ERR_ID_IN_USE && z == VW_ERR_INVALID_ID,
           "codec id reuse / 0 -> ID_IN_USE / INVALID_ID (%d, %d, %d)", a, b, z);

    struct vw_create_surface cs = {.surface_id = 6, .width = W, .height = H,
                                   .rt_format = VW_RT_YUV420, .pixel_format = VW_FOURCC_NV12,
                                   .reserved = 1};
    a = REQ1(&c, VW_OP_CREATE_SURFACE, cs);
    cs.reserved = 0;
    b = request(&c, VW_OP_CREATE_SURFACE, &cs, sizeof(cs) - 4, NULL, 0, NULL, 0);
    z = request(&c, VW_OP_CREATE_SURFACE, &cs, sizeof(cs), &cs, 4, NULL, 0);
    result(a == VW_ERR_MALFORMED && b == VW_ERR_MALFORMED && z == VW_ERR_MALFORMED,
           "reserved field set / short / long payload -> MALFORMED (%d, %d, %d)", a, b, z);
    a = create_surface(&c, 7, 100000, H);
    cs.pixel_format = VW_FOURCC('Y', 'V', '1', '2');
    b = REQ1(&c, VW_OP_CREATE_SURFACE, cs);
    result(a == VW_ERR_RESOLUTION && b == VW_ERR_UNSUPPORTED_FORMAT,
           "surface too large / not NV12 -> RESOLUTION / UNSUPPORTED_FORMAT (%d, %d)", a, b);
    struct vw_create_codec cc = {.codec_id = 9, .profile = 77, .entrypoint = 1,
                                 .rt_format = VW_RT_YUV420, .width = W, .height = H};
    a = REQ1(&c, VW_OP_CREATE_CODEC, cc);
    cc.profile = VW_PROFILE_H264_MAIN;
    cc.entrypoint = 5;
    b = REQ1(&c, VW_OP_CREATE_CODEC, cc);
    result(a == VW_ERR_UNSUPPORTED_PROFILE && b == VW_ERR_UNSUPPORTED_ENTRYPOINT,
           "bad profile / entrypoint -> UNSUPPORTED_PROFILE / ENTRYPOINT (%d, %d)", a, b);

    /* use after destroy */
    a = destroy_surface(&c, 5);
    b = get_image(&c, 5, VW_LOC_INLINE, 0, W * H * 3 / 2);
    z = destroy_surface(&c, 5);
    result(a == VW_OK && b == VW_ERR_INVALID_ID && z == VW_ERR_INVALID_ID,
           "use after destroy: GET_IMAGE / DESTROY on destroyed surface -> INVALID_ID (%d, %d, %d)",
           a, b, z);
    client_close(&c);
}

static void case_limits(void)
{
    struct client c;
    if (!session(&c, 0))
        return result(false, "surface limit");
    struct vw_hello_reply r;
    memcpy(&r, c.body, sizeof(r));
    int st = VW_OK;
    uint32_t i;
    for (i = 1; i <= r.max_surfaces + 1 && st == VW_OK; i++)
        st = create_surface(&c, i, 16, 16);
    /* Destroyed before the next case: against the vaapi chain each is a
     * surface of the host driver's one session in the inner daemon, whose
     * own limit the next case's surfaces would meet while a disconnected
     * session's teardown still ran (the disconnect itself is a case of its
     * own). */
    for (uint32_t j = 1; j < i - 1; j++)
        destroy_surface(&c, j);
    client_close(&c);
    result(st == VW_ERR_LIMIT && i - 1 == r.max_surfaces + 1,
           "surface %u of max %u -> LIMIT (%d)", i - 1, r.max_surfaces, st);
}

static void case_frames(void)
{
    struct client c;
    if (!session(&c, 1 << 20))
        return result(false, "frames");
    bool have_arena = c.arena.base != NULL;
    int s1 = create_surface(&c, 1, W, H);
    int s2 = create_surface(&c, 2, W, H);
    int c1 = create_codec(&c, 1);
    result(s1 == VW_OK && s2 == VW_OK && c1 == VW_OK, "frames: surfaces and codec made (%d, %d, %d)",
           s1, s2, c1);
    if (have_arena)
        memcpy(c.arena.base, tiny_slice, sizeof(tiny_slice));

    int a = end_frame(&c, 1);
    int b = decode_inline(&c, 1, 1, 0, sizeof(tiny_slice));
    result(a == VW_ERR_STATE && b == VW_ERR_STATE,
           "END_FRAME / DECODE_BITSTREAM without BEGIN_FRAME -> STATE (%d, %d)", a, b);

    a = begin_frame(&c, 1, 1);
    b = begin_frame(&c, 1, 2);
    int d = destroy_surface(&c, 1);
    result(a == VW_OK && b == VW_ERR_STATE && d == VW_ERR_SURFACE_BUSY,
           "second BEGIN_FRAME -> STATE, destroy target -> SURFACE_BUSY (%d, %d, %d)", a, b, d);

    /* Arena data out of bounds, and offset+size overflow. */
    uint64_t asz = c.arena.size;
    a = decode(&c, 1, 1, 1, VW_LOC_ARENA, asz - 4, 100, 0, 4);
    b = decode(&c, 1, 1, 1, VW_LOC_ARENA, UINT64_MAX - 7, 16, 0, 4);
    result(have_arena && a == VW_ERR_OUT_OF_BOUNDS && b == VW_ERR_OUT_OF_BOUNDS,
           "DECODE_BITSTREAM arena range out of bounds / overflowing -> OUT_OF_BOUNDS (%d, %d)", a,
           b);
    /* The frame failed: END_FRAME reports the first error; surface FAILED. */
    a = end_frame(&c, 1);
    struct vw_surface_ref ref = {.surface_id = 1};
    b = REQ1(&c, VW_OP_QUERY_SURFACE, ref);
    struct vw_surface_state_reply sr = {0};
    if (c.body_len >= sizeof(sr))
        memcpy(&sr, c.body, sizeof(sr));
    d = REQ1(&c, VW_OP_SYNC_SURFACE, ref);
    result(a == VW_ERR_OUT_OF_BOUNDS && b == VW_OK && sr.state == VW_SURFACE_FAILED &&
               sr.last_decode_status == VW_ERR_OUT_OF_BOUNDS && d == VW_ERR_OUT_OF_BOUNDS,
           "END_FRAME of a failed frame -> first error, surface FAILED, SYNC gives it (%d, "
           "state %u, %d)", a, sr.state, d);

    /* A reference to a destroyed surface. */
    create_surface(&c, 3, W, H);
    destroy_surface(&c, 3);
    ref0_id = 3;
    begin_frame(&c, 1, 1);
    a = decode(&c, 1, 1, 1, VW_LOC_ARENA, 0, sizeof(tiny_slice), 0, sizeof(tiny_slice));
    b = end_frame(&c, 1);
    ref0_id = 0;
    result(a == VW_OK && b == VW_ERR_INVALID_ID,
           "END_FRAME referencing a destroyed surface -> INVALID_ID (%d, %d)", a, b);

    /* Slice ranges outside the blob. */
    begin_frame(&c, 1, 1);
    a = decode_inline(&c, 1, 1, 4, sizeof(tiny_slice));
    b = decode_inline(&c, 1, 1, UINT32_MAX, 2);
    d = decode_inline(&c, 1, 1, 0, 0);
    end_frame(&c, 1);
    result(a == VW_ERR_OUT_OF_BOUNDS && b == VW_ERR_OUT_OF_BOUNDS && d == VW_ERR_MALFORMED,
           "slice outside the blob -> OUT_OF_BOUNDS, empty slice -> MALFORMED (%d, %d, %d)", a, b,
           d);

    /* num_slices huge: the declared count does not match the payload. */
    begin_frame(&c, 1, 1);
    a = decode(&c, 1, 1, UINT32_MAX, VW_LOC_ARENA, 0, sizeof(tiny_slice), 0, sizeof(tiny_slice));
    b = decode(&c, 1, 1, 1000, VW_LOC_ARENA, 0, sizeof(tiny_slice), 0, sizeof(tiny_slice));
    end_frame(&c, 1);
    result(a == VW_ERR_MALFORMED && b == VW_ERR_MALFORMED,
           "num_slices 0xffffffff / 1000 with one slice sent -> MALFORMED (%d, %d)", a, b);

    /* A structurally valid frame goes to the engine; whatever it says about
     * the garbage slice, it answers. */
    begin_frame(&c, 1, 2);
    a = decode(&c, 1, 2, 1, VW_LOC_ARENA, 0, sizeof(tiny_slice), 0, sizeof(tiny_slice));
    b = end_frame(&c, 1);
    result(have_arena && a == VW_OK && b >= 0 && b < VW_STATUS_COUNT_,
           "valid frame with garbage slice data: DECODE ok, END_FRAME answered (%d, %d)", a, b);

    /* GET_IMAGE: bad destinations. */
    a = get_image(&c, 2, VW_LOC_ARENA, asz - 16, 4096);
    b = get_image(&c, 2, VW_LOC_ARENA, UINT64_MAX - 15, 4096);
    d = get_image(&c, 2, VW_LOC_ARENA, 0, W * H); /* too small for the layout */
    result(a == VW_ERR_OUT_OF_BOUNDS && b == VW_ERR_OUT_OF_BOUNDS && d == VW_ERR_MALFORMED,
           "GET_IMAGE arena out of bounds / layout larger than dst -> OUT_OF_BOUNDS / MALFORMED "
           "(%d, %d, %d)", a, b, d);
    struct vw_get_image gi = {.surface_id = 2, .x = 2, .width = W, .height = H,
                              .layout = nv12_layout(W, H),
                              .dst = {.location = VW_LOC_INLINE, .size = W * H * 3 / 2}};
    a = REQ1(&c, VW_OP_GET_IMAGE, gi);
    gi.x = 1;
    gi.width = 2;
    b = REQ1(&c, VW_OP_GET_IMAGE, gi);
    gi.x = 0;
    gi.width = W;
    gi.layout.pitches[1] = 8;
    d = REQ1(&c, VW_OP_GET_IMAGE, gi);
    result(a == VW_ERR_MALFORMED && b == VW_ERR_MALFORMED && d == VW_ERR_MALFORMED,
           "GET_IMAGE rect outside / odd / pitch too small -> MALFORMED (%d, %d, %d)", a, b, d);
    a = get_image(&c, 2, VW_LOC_INLINE, 0, W * H * 3 / 2);
    bool sized = c.body_len == 8 + (size_t)W * H * 3 / 2;
    b = get_image(&c, 2, VW_LOC_ARENA, 4096, W * H * 3 / 2);
    result(a == VW_OK && sized && b == VW_OK, "GET_IMAGE inline / arena -> OK (%d, %d)", a, b);

    /* PUT_IMAGE then GET_IMAGE gives the same bytes back. */
    size_t n = (size_t)W * H * 3 / 2;
    uint8_t *img = malloc(n);
    for (size_t i = 0; i < n; i++)
        img[i] = (uint8_t)(i * 7 + (i >> 8));
    struct vw_put_image pi = {.surface_id = 2, .width = W, .height = H,
                              .layout = nv12_layout(W, H),
                              .src = {.location = VW_LOC_INLINE, .size = n}};
    a = request(&c, VW_OP_PUT_IMAGE, &pi, sizeof(pi), img, n, NULL, 0);
    b = get_image(&c, 2, VW_LOC_INLINE, 0, n);
    bool same = b == VW_OK && c.body_len == 8 + n && memcmp(c.body + 8, img, n) == 0;
    pi.src.size = n - 1;
    d = request(&c, VW_OP_PUT_IMAGE, &pi, sizeof(pi), img, n - 1, NULL, 0);
    pi.src.size = n;
    int e = request(&c, VW_OP_PUT_IMAGE, &pi, sizeof(pi), img, n - 2, NULL, 0);
    free(img);
    result(a == VW_OK && same && d == VW_ERR_MALFORMED && e == VW_ERR_MALFORMED,
           "PUT_IMAGE + GET_IMAGE round trip; short image / short payload -> MALFORMED "
           "(%d, %d, %d, %d)", a, b, d, e);
    client_close(&c);
}

/* A connection that never says HELLO is closed after the daemon's deadline
 * (10 s), so idle connections cannot hold every session slot (it is told
 * why first). */
static void case_silent_client(void)
{
    struct client c;
    if (!client_open(&c))
        return result(false, "silent client");
    sleep(12);
    result(expect_error_then_close(&c, VW_ERR_LIMIT),
           "a client silent for 12 s before HELLO is disconnected");
    client_close(&c);
}

/* Decoder memory counts against the session budget: codecs of the largest
 * size are refused once it is spent, and a picture may not be larger than
 * the codec it is decoded with (the engine would allocate past the charge). */
/* Creates 4096x2304 codecs of `profile` (ids 1..max) until one is refused
 * with LIMIT, then destroys them all. Returns how many were created;
 * *refused: whether the last was refused, `why` its message. */
static int codecs_until_limit(struct client *c, uint32_t profile, uint32_t max, bool *refused,
                              char why[VW_MESSAGE_TEXT_MAX + 1])
{
    int accepted = 0;
    *refused = false;
    why[0] = '\0';
    for (uint32_t id = 1; id <= max && !*refused; id++) {
        struct vw_create_codec cc = {.codec_id = id, .profile = profile,
                                     .entrypoint = VW_ENTRYPOINT_DECODE,
                                     .rt_format = VW_RT_YUV420, .width = 4096, .height = 2304};
        int st = REQ1(c, VW_OP_CREATE_CODEC, cc);
        accepted += st == VW_OK;
        *refused = st == VW_ERR_LIMIT;
    }
    if (*refused)
        memcpy(why, c->message, VW_MESSAGE_TEXT_MAX + 1);
    for (uint32_t id = 1; id <= max; id++) {
        struct vw_destroy_codec dc = {.codec_id = id};
        REQ1(c, VW_OP_DESTROY_CODEC, dc);
    }
    return accepted;
}

static void case_memory_budget(void)
{
    struct client c;
    if (!session(&c, 1 << 20))
        return result(false, "memory budget");
    bool refused;
    char why[VW_MESSAGE_TEXT_MAX + 1];
    int accepted = codecs_until_limit(&c, VW_PROFILE_H264_HIGH, 16, &refused, why);
    result(accepted >= 1 && accepted < 16 && refused,
           "4096x2304 codecs beyond the session's memory budget -> LIMIT (%d accepted)", accepted);

    /* A 4:2:0 context of HEVC Main 4:4:4 10 may decode 4:4:4 10-bit
     * pictures (6 bytes a pixel in libavcodec, not 1.5): 18 of them at
     * 4096x2304 are 972 MiB, what the refusal must say a decoder needs. */
    if (!daemon_lists(VW_PROFILE_HEVC_MAIN444_10, 0)) {
        printf("ok - HEVC Main 4:4:4 10 codecs' charge # SKIP (the engine lists no such "
               "profile)\n");
    } else {
        accepted = codecs_until_limit(&c, VW_PROFILE_HEVC_MAIN444_10, 16, &refused, why);
        const char *needs = strstr(why, "decoder needs ");
        unsigned mib = needs ? (unsigned)strtoul(needs + strlen("decoder needs "), NULL, 10) : 0;
        result(refused && mib == 972,
               "4096x2304 HEVC Main 4:4:4 10 codecs are charged for 4:4:4 10-bit pictures: "
               "972 MiB (%d accepted, then: %s)", accepted, why);
    }

    /* A 64x64 codec decoding a 1024x1024 picture. */
    create_codec(&c, 20);
    create_surface(&c, 21, 1024, 1024);
    int a = begin_frame(&c, 20, 21);
    struct vw_decode_bitstream db = {
        .codec_id = 20, .codec = VW_CODEC_H264, .num_slices = 1,
        .picture_params_size = sizeof(struct vw_h264_picture),
        .slice_params_size = sizeof(struct vw_h264_slice),
        .data = {.location = VW_LOC_INLINE, .size = sizeof(tiny_slice)},
    };
    static struct vw_h264_picture pic;
    static struct vw_h264_slice slice;
    fill_picture(&pic, 21);
    pic.picture_width_in_mbs_minus1 = 1024 / 16 - 1;
    pic.picture_height_in_mbs_minus1 = 1024 / 16 - 1;
    fill_slice(&slice, 0, sizeof(tiny_slice));
    uint8_t payload[sizeof(pic) + sizeof(slice) + sizeof(tiny_slice)];
    memcpy(payload, &pic, sizeof(pic));
    memcpy(payload + sizeof(pic), &slice, sizeof(slice));
    memcpy(payload + sizeof(pic) + sizeof(slice), tiny_slice, sizeof(tiny_slice));
    int b = request(&c, VW_OP_DECODE_BITSTREAM, &db, sizeof(db), payload, sizeof(payload), NULL, 0);
    result(a == VW_OK && b == VW_ERR_RESOLUTION,
           "picture larger than its codec -> RESOLUTION (%d, %d)", a, b);
    client_close(&c);
}

/* A frame dropped by destroying its codec leaves the target FAILED (never
 * RENDERING), so a later SYNC cannot report success for undecoded pixels. */
static void case_dropped_frame(void)
{
    struct client c;
    if (!session(&c, 1 << 20))
        return result(false, "dropped frame");
    create_surface(&c, 1, W, H);
    create_codec(&c, 1);
    int a = begin_frame(&c, 1, 1);
    struct vw_destroy_codec dc = {.codec_id = 1};
    int b = REQ1(&c, VW_OP_DESTROY_CODEC, dc);
    struct vw_surface_ref ref = {.surface_id = 1};
    int d = REQ1(&c, VW_OP_SYNC_SURFACE, ref);
    struct vw_surface_state_reply sr = {0};
    if (c.body_len >= sizeof(sr))
        memcpy(&sr, c.body, sizeof(sr));
    result(a == VW_OK && b == VW_OK && d == VW_ERR_STATE && sr.state == VW_SURFACE_FAILED,
           "codec destroyed mid-frame -> target FAILED, SYNC says STATE (%d, %d, %d, state %u)",
           a, b, d, sr.state);
    client_close(&c);
}

/* Surfaces and images in the protocol 1.2 formats: mismatched, unknown or
 * combined chroma formats, layouts with the wrong plane count or short
 * rows, rectangles that split a chroma sample or a pixel group; an HEVC
 * picture of neither the 1.2 nor the 1.1 size. Each gets its error and the
 * session goes on. */
static int create_surface_fmt(struct client *c, uint32_t id, uint32_t rt, uint32_t fourcc)
{
    struct vw_create_surface cs = {.surface_id = id, .width = W, .height = H, .rt_format = rt,
                                   .pixel_format = fourcc};
    return REQ1(c, VW_OP_CREATE_SURFACE, cs);
}

static int get_image_fmt(struct client *c, uint32_t surface, uint32_t x, uint32_t w,
                         struct vw_image_layout l, uint64_t size)
{
    struct vw_get_image gi = {.surface_id = surface, .x = x, .width = w, .height = H,
                              .layout = l, .dst = {.location = VW_LOC_INLINE, .size = size}};
    return REQ1(c, VW_OP_GET_IMAGE, gi);
}

static void case_formats(void)
{
    struct client c;
    if (!session(&c, 0))
        return result(false, "formats");
    int mismatch = create_surface_fmt(&c, 1, VW_RT_YUV444, VW_FOURCC_NV12);
    int two_bits = create_surface_fmt(&c, 2, VW_RT_YUV420 | VW_RT_YUV444, VW_FOURCC_NV12);
    int unknown = create_surface_fmt(&c, 3, 0x40, VW_FOURCC_NV12);
    result(mismatch == VW_ERR_UNSUPPORTED_FORMAT && two_bits == VW_ERR_UNSUPPORTED_FORMAT &&
               unknown == VW_ERR_UNSUPPORTED_FORMAT,
           "surfaces: YUV444 as NV12, two chroma formats, unknown one -> UNSUPPORTED_FORMAT "
           "(%d %d %d)", mismatch, two_bits, unknown);

    /* The rest needs the range extension formats and HEVC Main 4:4:4 (the
     * sw engine has them; the vaapi engine, on H.264 and MPEG-2, not). */
    if (!daemon_lists(VW_PROFILE_HEVC_MAIN444_10,
                      VW_RT_YUV422 | VW_RT_YUV444 | VW_RT_YUV422_10 | VW_RT_YUV444_10) ||
        !daemon_lists(VW_PROFILE_HEVC_MAIN444, VW_RT_YUV444)) {
        client_close(&c);
        printf("ok - 444P, 422H, Y410, Y210 surfaces and HEVC Main 4:4:4 # SKIP (the engine "
               "lists none)\n");
        return;
    }
    int s444 = create_surface_fmt(&c, 4, VW_RT_YUV444, VW_FOURCC_444P);
    int s422 = create_surface_fmt(&c, 5, VW_RT_YUV422, VW_FOURCC_422H);
    int y410 = create_surface_fmt(&c, 6, VW_RT_YUV444_10, VW_FOURCC_Y410);
    int y210 = create_surface_fmt(&c, 7, VW_RT_YUV422_10, VW_FOURCC_Y210);
    result(s444 == VW_OK && s422 == VW_OK && y410 == VW_OK && y210 == VW_OK,
           "surfaces 444P, 422H, Y410, Y210 created (%d %d %d %d)", s444, s422, y410, y210);

    struct vw_image_layout p3 = {.pixel_format = VW_FOURCC_444P, .num_planes = 3,
                                 .pitches = {W, W, W}, .offsets = {0, W * H, 2 * W * H}};
    struct vw_image_layout p2 = p3;
    p2.num_planes = 2;
    struct vw_image_layout short_row = p3;
    short_row.pitches[2] = W - 1;
    int ok3 = get_image_fmt(&c, 4, 0, W, p3, 3 * W * H);
    int two = get_image_fmt(&c, 4, 0, W, p2, 3 * W * H);
    int row = get_image_fmt(&c, 4, 0, W, short_row, 3 * W * H);
    int small = get_image_fmt(&c, 4, 0, W, p3, 3 * W * H - 1);
    result(ok3 == VW_OK && two == VW_ERR_MALFORMED && row == VW_ERR_MALFORMED &&
               small != VW_OK,
           "444P GET_IMAGE: 3 planes ok, 2 planes / a short row / a short buffer refused "
           "(%d %d %d %d)", ok3, two, row, small);

    struct vw_image_layout h422 = {.pixel_format = VW_FOURCC_422H, .num_planes = 3,
                                   .pitches = {W, W / 2, W / 2},
                                   .offsets = {0, W * H, W * H + W / 2 * H}};
    int odd_x = get_image_fmt(&c, 5, 1, W - 2, h422, 2 * W * H);
    struct vw_image_layout packed = {.pixel_format = VW_FOURCC_Y410, .num_planes = 1,
                                     .pitches = {4 * W - 4}};
    int y410_row = get_image_fmt(&c, 6, 0, W, packed, 4 * W * H);
    packed.pitches[0] = 4 * W;
    int y410_ok = get_image_fmt(&c, 6, 0, W, packed, 4 * W * H);
    struct vw_image_layout y210l = {.pixel_format = VW_FOURCC_Y210, .num_planes = 1,
                                    .pitches = {4 * W}};
    struct vw_put_image pi = {.surface_id = 7, .src_x = 1, .width = 2, .height = 2,
                              .layout = y210l, .src = {.location = VW_LOC_INLINE,
                                                       .size = 4 * W * H}};
    uint8_t *pixels = calloc(1, 4 * W * H);
    int y210_odd = request(&c, VW_OP_PUT_IMAGE, &pi, sizeof(pi), pixels, 4 * W * H, NULL, 0);
    free(pixels);
    result(odd_x == VW_ERR_MALFORMED && y410_row == VW_ERR_MALFORMED && y410_ok == VW_OK &&
               y210_odd == VW_ERR_MALFORMED,
           "422H x=1, Y410 short pitch, Y210 PUT from x=1 refused; Y410 read ok "
           "(%d %d %d %d)", odd_x, y410_row, y210_odd, y410_ok);

    struct vw_create_codec cc = {.codec_id = 1, .profile = VW_PROFILE_HEVC_MAIN444,
                                 .entrypoint = VW_ENTRYPOINT_DECODE, .rt_format = VW_RT_YUV444,
                                 .width = W, .height = H};
    int codec = REQ1(&c, VW_OP_CREATE_CODEC, cc);
    int begin = begin_frame(&c, 1, 4);
    struct vw_decode_bitstream db = {
        .codec_id = 1, .codec = VW_CODEC_HEVC, .num_slices = 1,
        .picture_params_size = VW_HEVC_PICTURE_V11_SIZE + 1,
        .slice_params_size = sizeof(struct vw_hevc_slice),
        .data = {.location = VW_LOC_INLINE, .size = sizeof(tiny_slice)},
    };
    uint8_t *params = calloc(1, VW_HEVC_PICTURE_V11_SIZE + 1 + sizeof(struct vw_hevc_slice));
    int odd_size = request(&c, VW_OP_DECODE_BITSTREAM, &db, sizeof(db), params,
                           VW_HEVC_PICTURE_V11_SIZE + 1 + sizeof(struct vw_hevc_slice),
                           tiny_slice, sizeof(tiny_slice));
    free(params);
    client_close(&c);
    result(codec == VW_OK && begin == VW_OK && odd_size == VW_ERR_MALFORMED && daemon_serves(),
           "HEVC picture_params_size 409 (neither 1.1 nor 1.2) -> MALFORMED (%d %d %d)", codec,
           begin, odd_size);
}

static void case_disconnect_mid_frame(void)
{
    struct client c;
    if (!session(&c, 1 << 20))
        return result(false, "disconnect mid-frame");
    create_surface(&c, 1, W, H);
    create_codec(&c, 1);
    begin_frame(&c, 1, 1);
    int a = decode_inline(&c, 1, 1, 0, sizeof(tiny_slice));
    /* And one more message, cut in the middle. */
    struct vw_header hdr = {.opcode = VW_OP_DECODE_BITSTREAM, .length = 4000, .request_id = 99};
    uint8_t part[100] = {0};
    struct iovec iov[2] = {{&hdr, sizeof(hdr)}, {part, sizeof(part)}};
    vt_channel_send(c.ch, iov, 2, -1);
    client_close(&c);
    result(a == VW_OK && daemon_serves(),
           "disconnect mid-frame: daemon frees the session and still serves (%d)", a);
}

/* With the daemon started with --max-memory MIB: one session fills the
 * daemon-wide budget with surfaces, a second session is refused its first
 * one (the daemon's limit, not its own), and gets it once the first has
 * gone (the memory is given back). */
/* Creates WxH NV12 surfaces (ids 1, 2, ...) until one is refused; returns
 * that one's id, its status in *st and its message in `why`. */
static uint32_t surfaces_until_refused(struct client *c, int *st, char why[VW_MESSAGE_TEXT_MAX + 1])
{
    uint32_t n = 0;
    *st = VW_OK;
    while (*st == VW_OK && n < 1000)
        *st = create_surface(c, ++n, W, H);
    snprintf(why, VW_MESSAGE_TEXT_MAX + 1, "%s", c->message);
    return n;
}

/* The status of one surface created by a client of another uid (a child
 * process as nobody, so another worker of the daemon), with the message of
 * a refusal in `why`; -1 if that could not be tried (not root). */
static int other_client_surface(char why[VW_MESSAGE_TEXT_MAX + 1])
{
    int pipefd[2];
    why[0] = '\0';
    if (geteuid() != 0 || pipe(pipefd) != 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        close(pipefd[0]);
        struct client c;
        int st = -1;
        if (setgid(65534) == 0 && setuid(65534) == 0 && session(&c, 0)) {
            st = create_surface(&c, 1, W, H);
            ssize_t w = write(pipefd[1], c.message, strlen(c.message));
            (void)w;
            client_close(&c);
        }
        _exit(st < 0 ? 255 : st);
    }
    close(pipefd[1]);
    ssize_t n = pid > 0 ? read(pipefd[0], why, VW_MESSAGE_TEXT_MAX) : -1;
    why[n > 0 ? n : 0] = '\0';
    close(pipefd[0]);
    int status;
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
        WEXITSTATUS(status) == 255)
        return -1;
    return WEXITSTATUS(status);
}

static void case_daemon_budget(uint32_t mib)
{
    struct client a, b;
    if (!session(&a, 0) || !session(&b, 0))
        return result(false, "daemon budget: sessions");
    int st;
    char why[VW_MESSAGE_TEXT_MAX + 1];
    uint32_t n = surfaces_until_refused(&a, &st, why);
    uint64_t each = (uint64_t)W * H * 3 / 2, budget = (uint64_t)mib << 20;
    result(st == VW_ERR_LIMIT && (n - 1) * each <= budget && n * each > budget &&
               strstr(why, "daemon's memory limit") != NULL,
           "daemon budget %u MiB: surface %u of %llu bytes refused: %s", mib, n,
           (unsigned long long)each, why);
    int refused = create_surface(&b, 1, W, H);
    /* The budget is the daemon's: a client in another worker is refused too. */
    char other_why[VW_MESSAGE_TEXT_MAX + 1];
    int other = other_client_surface(other_why);
    if (other != -1)
        result(other == VW_ERR_LIMIT && strstr(other_why, "daemon's memory limit"),
               "daemon budget: a client of another uid (another worker) is refused too (%d: %s)",
               other, other_why);
    client_close(&a);
    /* The first session's surfaces are freed when the daemon sees it gone. */
    int later = VW_ERR_LIMIT;
    for (int i = 0; i < 100 && later == VW_ERR_LIMIT; i++) {
        usleep(20000);
        later = create_surface(&b, 2 + (uint32_t)i, W, H);
    }
    client_close(&b);
    result(refused == VW_ERR_LIMIT && later == VW_OK,
           "daemon budget: another session refused while it is full (%d), served once the "
           "first has gone (%d)", refused, later);
}

/* The per-session limit (vivacd --max-session-memory MIB): one session's
 * surfaces are refused past it, naming it; another session has its own. */
static void case_session_budget(uint32_t mib)
{
    struct client a, b;
    if (!session(&a, 0) || !session(&b, 0))
        return result(false, "session budget: sessions");
    int st;
    char why[VW_MESSAGE_TEXT_MAX + 1];
    uint32_t n = surfaces_until_refused(&a, &st, why);
    uint64_t each = (uint64_t)W * H * 3 / 2, limit = (uint64_t)mib << 20;
    char named[64];
    snprintf(named, sizeof(named), "session memory limit (%llu bytes)",
             (unsigned long long)limit);
    result(st == VW_ERR_LIMIT && (n - 1) * each <= limit && n * each > limit &&
               strstr(why, named) != NULL,
           "session budget %u MiB: surface %u of %llu bytes refused: %s", mib, n,
           (unsigned long long)each, why);
    int other = create_surface(&b, 1, W, H);
    result(other == VW_OK, "session budget: another session is served meanwhile (%d)", other);
    client_close(&a);
    client_close(&b);
}

/* The per-client limit (vivacd --max-client-memory MIB): one client's
 * sessions together are refused past it, naming it; a client of another
 * uid (another worker) has its own. */
static void case_client_budget(uint32_t mib)
{
    struct client a, b;
    if (!session(&a, 0) || !session(&b, 0))
        return result(false, "client budget: sessions");
    int st;
    char why[VW_MESSAGE_TEXT_MAX + 1];
    uint32_t n = surfaces_until_refused(&a, &st, why);
    uint64_t each = (uint64_t)W * H * 3 / 2, limit = (uint64_t)mib << 20;
    result(st == VW_ERR_LIMIT && (n - 1) * each <= limit && n * each > limit &&
               strstr(why, "client's") != NULL,
           "client budget %u MiB: surface %u of %llu bytes refused: %s", mib, n,
           (unsigned long long)each, why);
    int same = create_surface(&b, 1, W, H);
    result(same == VW_ERR_LIMIT, "client budget: the same client's second session is refused (%d)",
           same);
    char other_why[VW_MESSAGE_TEXT_MAX + 1];
    int other = other_client_surface(other_why);
    if (other == -1)
        printf("ok - client budget: another uid not tried (not root) # SKIP\n");
    else
        result(other == VW_OK, "client budget: a client of another uid is served (%d %s)", other,
               other_why);
    client_close(&a);
    client_close(&b);
}

int main(int argc, char **argv)
{
    bool args_ok = argc == 2 || (argc == 4 && (!strcmp(argv[2], "--budget") ||
                                                !strcmp(argv[2], "--session-budget") ||
                                                !strcmp(argv[2], "--client-budget")));
    int rc = hostile_start(args_ok, argv, "hostile_client SOCKET [--budget MIB | "
                                          "--session-budget MIB | --client-budget MIB]");
    if (rc)
        return rc;
    if (argc == 4) {
        /* Only one budget: the daemon runs with --max-memory MIB or
         * --max-session-memory MIB. */
        uint32_t mib = (uint32_t)strtoul(argv[3], NULL, 10);
        if (!strcmp(argv[2], "--budget"))
            case_daemon_budget(mib);
        else if (!strcmp(argv[2], "--client-budget"))
            case_client_budget(mib);
        else
            case_session_budget(mib);
        printf("%s: %d failure(s)\n", failures ? "FAIL" : "PASS", failures);
        return failures ? 1 : 0;
    }
    case_garbage();
    case_truncated();
    case_oversized();
    case_header_reserved();
    case_unknown_opcode();
    case_bad_hello();
    case_ids();
    case_limits();
    case_frames();
    case_dropped_frame();
    case_silent_client();
    case_memory_budget();
    case_formats();
    case_disconnect_mid_frame();
    result(daemon_serves(), "daemon still serves after all cases");
    printf("%s: %d failure(s)\n", failures ? "FAIL" : "PASS", failures);
    return failures ? 1 : 0;
}
