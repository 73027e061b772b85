/*
 * hostile_sizes SOCKET DIR: plays a guest whose VP9/VP8 frames say other
 * sizes and formats than the parameters, codec and surface they are sent
 * with, against a running vivacd (engine sw). The frames are real (libvpx,
 * made by hostile_sizes.sh into DIR) or a real frame's header rewritten:
 *
 *   DIR/vp9_64.ivf    VP9 profile 0, 64x64: a key frame, then inter frames
 *                     (their size from a reference: found_ref)
 *   DIR/vp9_big.ivf   VP9 profile 0 key frame of BIG x BIG (argv[3])
 *   DIR/vp9_p2.ivf    VP9 profile 2 (10-bit) key frame, 64x64
 *   DIR/vp9_12bit.ivf VP9 profile 2 (12-bit) key frame, 64x64
 *   DIR/vp9_444.ivf   VP9 profile 1 (4:4:4) key frame, 64x64
 *   DIR/vp8_64.ivf    VP8 64x64: a key frame, then inter frames
 *
 * Each case is refused with the status named (the sizes in the message),
 * and the daemon goes on serving. One line per case, "ok - name" /
 * "not ok - name"; exit status 1 if any case failed. hostile_sizes.sh
 * checks that the daemon's memory did not grow meanwhile.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bitwriter.h"
#include "wire_client.h"

#define W 64
#define H 64

static const char *dir;
static unsigned big;

/* ---- IVF ---------------------------------------------------------------- */

struct clip {
    uint8_t *data;
    size_t size;
};

static bool clip_load(struct clip *clip, const char *name)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    clip->data = NULL;
    clip->size = 0;
    if (!f) {
        perror(path);
        return false;
    }
    size_t cap = 1 << 16;
    clip->data = malloc(cap);
    size_t n;
    while (clip->data && (n = fread(clip->data + clip->size, 1, cap - clip->size, f)) > 0) {
        clip->size += n;
        if (clip->size == cap)
            clip->data = realloc(clip->data, cap *= 2);
    }
    fclose(f);
    if (!clip->data || clip->size < 32 || memcmp(clip->data, "DKIF", 4) != 0) {
        fprintf(stderr, "%s: not an IVF file\n", path);
        return false;
    }
    return true;
}

/* Frame `index` of the clip (its 12-byte IVF frame header skipped). */
static const uint8_t *clip_frame(const struct clip *clip, unsigned index, uint32_t *size)
{
    size_t pos = 32;
    for (;;) {
        if (pos + 12 > clip->size)
            return NULL;
        const uint8_t *h = clip->data + pos;
        uint32_t n = h[0] | h[1] << 8 | h[2] << 16 | (uint32_t)h[3] << 24;
        if (n > clip->size - pos - 12)
            return NULL;
        if (index-- == 0) {
            *size = n;
            return h + 12;
        }
        pos += 12 + n;
    }
}

/* ---- requests ------------------------------------------------------------ */

static int create_codec(struct client *c, uint32_t id, uint32_t profile, uint32_t rt,
                        uint32_t w, uint32_t h)
{
    struct vw_create_codec cc = {.codec_id = id, .profile = profile,
                                 .entrypoint = VW_ENTRYPOINT_DECODE, .rt_format = rt,
                                 .width = w, .height = h};
    return REQ1(c, VW_OP_CREATE_CODEC, cc);
}

static int create_surface_fmt(struct client *c, uint32_t id, uint32_t w, uint32_t h,
                              uint32_t rt, uint32_t fourcc)
{
    struct vw_create_surface cs = {.surface_id = id, .width = w, .height = h,
                                   .rt_format = rt, .pixel_format = fourcc};
    return REQ1(c, VW_OP_CREATE_SURFACE, cs);
}

/* DECODE_BITSTREAM with inline data: header, picture, (extra), one slice,
 * the data. */
static int decode_inline(struct client *c, uint32_t codec_id, uint32_t codec, const void *pic,
                         size_t pic_size, const void *slice, size_t slice_size,
                         const uint8_t *data, uint32_t size)
{
    struct vw_decode_bitstream db = {
        .codec_id = codec_id, .codec = codec, .num_slices = 1,
        .picture_params_size = (uint32_t)pic_size, .slice_params_size = (uint32_t)slice_size,
        .data = {.location = VW_LOC_INLINE, .size = size},
    };
    size_t total = sizeof(db) + pic_size + slice_size + size;
    uint8_t *m = malloc(total);
    if (!m)
        return -1;
    memcpy(m, &db, sizeof(db));
    memcpy(m + sizeof(db), pic, pic_size);
    memcpy(m + sizeof(db) + pic_size, slice, slice_size);
    memcpy(m + sizeof(db) + pic_size + slice_size, data, size);
    int st = request(c, VW_OP_DECODE_BITSTREAM, m, total, NULL, 0, NULL, 0);
    free(m);
    return st;
}

/* ---- VP9 ------------------------------------------------------------------ */

/* Parameters of a VP9 frame as a guest sends them: the size, profile and
 * depth given (not the frame's own), references all `ref` (VW_INVALID_ID:
 * none). */
static int vp9_decode(struct client *c, uint32_t codec, uint32_t surface, uint32_t w,
                      uint32_t h, unsigned profile, uint32_t ref, const uint8_t *data,
                      uint32_t size)
{
    struct vw_vp9_picture pic;
    memset(&pic, 0, sizeof(pic));
    pic.frame_width = (uint16_t)w;
    pic.frame_height = (uint16_t)h;
    for (int i = 0; i < 8; i++)
        pic.reference_frames[i] = ref;
    pic.subsampling_x = pic.subsampling_y = 1;
    pic.frame_type = ref == VW_INVALID_ID ? 0 : 1;
    pic.show_frame = 1;
    pic.profile = (uint8_t)profile;
    pic.bit_depth = profile == 2 ? 10 : 8;
    pic.frame_header_length_in_bytes = 1;
    pic.first_partition_size = 1;
    struct vw_vp9_slice slice;
    memset(&slice, 0, sizeof(slice));
    slice.slice_data_size = size;
    int st = begin_frame(c, codec, surface);
    if (st != VW_OK)
        return -2000 - st;
    return decode_inline(c, codec, VW_CODEC_VP9, &pic, sizeof(pic), &slice, sizeof(slice), data,
                         size);
}

static bool has(const struct client *c, const char *a, const char *b)
{
    return strstr(c->message, a) && (!b || strstr(c->message, b));
}

/* A whole frame decodes (DECODE_BITSTREAM and END_FRAME both OK). */
static bool vp9_ok(struct client *c, uint32_t codec, uint32_t surface, uint32_t w, uint32_t h,
                   unsigned profile, uint32_t ref, const uint8_t *data, uint32_t size)
{
    int st = vp9_decode(c, codec, surface, w, h, profile, ref, data, size);
    if (st != VW_OK) {
        fprintf(stderr, "  DECODE_BITSTREAM: %d %s\n", st, c->message);
        end_frame(c, codec);
        return false;
    }
    st = end_frame(c, codec);
    if (st != VW_OK)
        fprintf(stderr, "  END_FRAME: %d %s\n", st, c->message);
    return st == VW_OK;
}

/* DECODE_BITSTREAM refused with `status`, the message naming a and b; the
 * frame then ends with an error. */
static bool vp9_refused(struct client *c, uint32_t codec, uint32_t surface, uint32_t w,
                        uint32_t h, unsigned profile, uint32_t ref, const uint8_t *data,
                        uint32_t size, int status, const char *a, const char *b)
{
    int st = vp9_decode(c, codec, surface, w, h, profile, ref, data, size);
    bool ok = st == status && has(c, a, b);
    fprintf(stderr, "  DECODE_BITSTREAM: %d %s\n", st, c->message);
    st = end_frame(c, codec);
    fprintf(stderr, "  END_FRAME: %d %s\n", st, c->message);
    return ok && st != VW_OK;
}

/* An inter frame whose uncompressed header codes its own size, w x h
 * (frame_size_with_refs with no found_ref), profile 0; the rest of the
 * header is plausible, the compressed data zeros. */
static uint32_t vp9_inter_with_size(uint8_t *out, size_t cap, uint32_t w, uint32_t h)
{
    struct vc_bitwriter bw;
    vc_bw_init(&bw, out, cap);
    vc_bw_put_bits(&bw, 2, 2);         /* frame_marker */
    vc_bw_put_bits(&bw, 2, 0);         /* profile 0 */
    vc_bw_put_bits(&bw, 1, 0);         /* show_existing_frame */
    vc_bw_put_bits(&bw, 1, 1);         /* frame_type: inter */
    vc_bw_put_bits(&bw, 1, 1);         /* show_frame */
    vc_bw_put_bits(&bw, 1, 0);         /* error_resilient_mode */
    vc_bw_put_bits(&bw, 2, 0);         /* reset_frame_context */
    vc_bw_put_bits(&bw, 8, 1);         /* refresh_frame_flags */
    for (int i = 0; i < 3; i++)
        vc_bw_put_bits(&bw, 4, 0);     /* ref_frame_idx, sign bias */
    vc_bw_put_bits(&bw, 3, 0);         /* found_ref x3 */
    vc_bw_put_bits(&bw, 16, w - 1);
    vc_bw_put_bits(&bw, 16, h - 1);
    vc_bw_put_bits(&bw, 1, 0);         /* render_and_frame_size_different */
    vc_bw_put_bits(&bw, 1, 0);         /* allow_high_precision_mv */
    vc_bw_put_bits(&bw, 1, 1);         /* is_filter_switchable */
    vc_bw_put_bits(&bw, 2, 3);         /* refresh_frame_context, frame_parallel */
    vc_bw_put_bits(&bw, 2, 0);         /* frame_context_idx */
    vc_bw_put_bits(&bw, 10, 0);        /* loop filter: level, sharpness, deltas off */
    vc_bw_put_bits(&bw, 8, 60);        /* base_q_idx */
    vc_bw_put_bits(&bw, 3, 0);         /* no delta_q */
    vc_bw_put_bits(&bw, 1, 0);         /* segmentation off */
    vc_bw_put_bits(&bw, 1, 0);         /* tile_rows_log2 (one tile column at 128) */
    vc_bw_put_bits(&bw, 16, 8);        /* header_size_in_bytes */
    size_t n = vc_bw_bytes(&bw);
    memset(out + n, 0, 8 + 32);
    return (uint32_t)(n + 8 + 32);
}

/* ---- cases ---------------------------------------------------------------- */

static struct clip vp9_64, vp9_big, vp9_p2, vp9_12bit, vp9_444, vp8_64;

static void case_vp9_sizes(void)
{
    struct client c;
    if (!session(&c, 0)) {
        result(false, "vp9 sizes: session");
        return;
    }
    uint32_t key_size, inter_size, big_size;
    const uint8_t *key = clip_frame(&vp9_64, 0, &key_size);
    const uint8_t *inter = clip_frame(&vp9_64, 1, &inter_size);
    const uint8_t *big_key = clip_frame(&vp9_big, 0, &big_size);
    bool setup = key && inter && big_key &&
                 create_codec(&c, 1, VW_PROFILE_VP9_PROFILE0, VW_RT_YUV420, W, H) == VW_OK &&
                 create_surface(&c, 1, W, H) == VW_OK && create_surface(&c, 2, W, H) == VW_OK &&
                 create_surface(&c, 3, W / 2, H / 2) == VW_OK;
    result(setup, "vp9 sizes: clips, codec and surfaces");
    if (!setup)
        goto out;
    result(vp9_ok(&c, 1, 1, W, H, 0, VW_INVALID_ID, key, key_size),
           "vp9: a 64x64 key frame decodes (the frames are good)");

    char big_s[32];
    snprintf(big_s, sizeof(big_s), "%ux%u", big, big);
    result(vp9_refused(&c, 1, 2, W, H, 0, VW_INVALID_ID, big_key, big_size, VW_ERR_MALFORMED,
                       big_s, "64x64"),
           "vp9: a %s key frame sent as 64x64 (params, codec, surface) is refused", big_s);

    /* A superframe hiding the big key frame behind a good one. */
    uint32_t sf_size = key_size + big_size + 2 + 2 * 4;
    uint8_t *sf = malloc(sf_size);
    memcpy(sf, key, key_size);
    memcpy(sf + key_size, big_key, big_size);
    uint8_t *idx = sf + key_size + big_size;
    idx[0] = idx[9] = 0xc0 | (3 << 3) | 1; /* 4-byte sizes, 2 frames */
    for (int i = 0; i < 4; i++) {
        idx[1 + i] = (uint8_t)(key_size >> (8 * i));
        idx[5 + i] = (uint8_t)(big_size >> (8 * i));
    }
    result(vp9_refused(&c, 1, 2, W, H, 0, VW_INVALID_ID, sf, sf_size, VW_ERR_MALFORMED,
                       "superframe", "2 frames"),
           "vp9: a superframe (64x64 + %s key frames) is refused", big_s);
    free(sf);

    /* The key frame again: the references are 64x64. */
    result(vp9_ok(&c, 1, 1, W, H, 0, VW_INVALID_ID, key, key_size), "vp9: key frame again");
    uint8_t hdr[128];
    uint32_t n = vp9_inter_with_size(hdr, sizeof(hdr), 2 * W, 2 * H);
    result(vp9_refused(&c, 1, 2, W, H, 0, 1, hdr, n, VW_ERR_MALFORMED, "128x128", "64x64"),
           "vp9: an inter frame whose header says 128x128, params 64x64, is refused");
    n = vp9_inter_with_size(hdr, sizeof(hdr), W / 2, H / 2);
    result(vp9_refused(&c, 1, 2, W, H, 0, 1, hdr, n, VW_ERR_MALFORMED, "32x32", "64x64"),
           "vp9: an inter frame whose header says 32x32, params 64x64, is refused");

    /* An inter frame takes its size from a 64x64 reference slot: sent as
     * 32x32 into a 32x32 surface, the engine refuses the 64x64 picture. */
    result(vp9_ok(&c, 1, 1, W, H, 0, VW_INVALID_ID, key, key_size), "vp9: key frame again");
    int st = vp9_decode(&c, 1, 3, W / 2, H / 2, 0, 1, inter, inter_size);
    bool accepted = st == VW_OK;
    st = end_frame(&c, 1);
    fprintf(stderr, "  END_FRAME: %d %s\n", st, c.message);
    result(accepted && st == VW_ERR_DECODE && has(&c, "64x64", "32x32"),
           "vp9: an inter frame of a 64x64 reference sent as 32x32 fails the decode");
    /* The same frame as what it is decodes. */
    result(vp9_ok(&c, 1, 1, W, H, 0, VW_INVALID_ID, key, key_size) &&
               vp9_ok(&c, 1, 2, W, H, 0, 1, inter, inter_size),
           "vp9: key + inter frame at 64x64 decode");
    result(create_surface(&c, 4, W, H) == VW_OK, "vp9: session still serves");
out:
    client_close(&c);
}

static void case_vp9_formats(void)
{
    struct client c;
    if (!session(&c, 0)) {
        result(false, "vp9 formats: session");
        return;
    }
    uint32_t key8_size, p2_size, b12_size, s444_size;
    const uint8_t *key8 = clip_frame(&vp9_64, 0, &key8_size);
    const uint8_t *p2 = clip_frame(&vp9_p2, 0, &p2_size);
    const uint8_t *b12 = clip_frame(&vp9_12bit, 0, &b12_size);
    const uint8_t *s444 = clip_frame(&vp9_444, 0, &s444_size);
    bool setup = key8 && p2 && b12 && s444 &&
                 create_codec(&c, 1, VW_PROFILE_VP9_PROFILE0, VW_RT_YUV420, W, H) == VW_OK &&
                 create_codec(&c, 2, VW_PROFILE_VP9_PROFILE2, VW_RT_YUV420_10, W, H) == VW_OK &&
                 create_surface(&c, 1, W, H) == VW_OK &&
                 create_surface_fmt(&c, 2, W, H, VW_RT_YUV420_10, VW_FOURCC_P010) == VW_OK;
    result(setup, "vp9 formats: clips, codecs and surfaces");
    if (!setup)
        goto out;
    result(vp9_ok(&c, 2, 2, W, H, 2, VW_INVALID_ID, p2, p2_size),
           "vp9: a 10-bit key frame decodes as profile 2 (the frames are good)");
    result(vp9_refused(&c, 1, 1, W, H, 0, VW_INVALID_ID, p2, p2_size, VW_ERR_MALFORMED,
                       "profile 2", NULL),
           "vp9: a 10-bit (profile 2) frame sent as 8-bit profile 0 is refused");
    result(vp9_refused(&c, 2, 2, W, H, 2, VW_INVALID_ID, key8, key8_size, VW_ERR_MALFORMED,
                       "profile 0", NULL),
           "vp9: an 8-bit (profile 0) frame sent as 10-bit profile 2 is refused");
    result(vp9_refused(&c, 2, 2, W, H, 2, VW_INVALID_ID, b12, b12_size, VW_ERR_MALFORMED,
                       "12-bit", "10-bit"),
           "vp9: a 12-bit frame sent as 10-bit is refused");
    result(vp9_refused(&c, 1, 1, W, H, 0, VW_INVALID_ID, s444, s444_size, VW_ERR_MALFORMED,
                       "profile 1", NULL),
           "vp9: a 4:4:4 (profile 1) frame sent as 4:2:0 profile 0 is refused");
    result(create_surface(&c, 3, W, H) == VW_OK, "vp9 formats: session still serves");
out:
    client_close(&c);
}

/* VP8 as VA gives it: the data after the frame tag; the tag's fields in the
 * parameters (partition 0's size in partition_size[0], macroblock_offset 0:
 * vh_vp8_write_tag rebuilds the same tag). */
static int vp8_decode(struct client *c, uint32_t codec, uint32_t surface, uint32_t w,
                      uint32_t h, uint32_t ref, const uint8_t *frame, uint32_t size)
{
    if (size < 10)
        return -1;
    uint32_t tag = frame[0] | frame[1] << 8 | (uint32_t)frame[2] << 16;
    bool key = !(tag & 1);
    uint32_t skip = key ? 10 : 3, first = tag >> 5;
    struct vw_vp8_picture pic;
    memset(&pic, 0, sizeof(pic));
    pic.frame_width = w;
    pic.frame_height = h;
    pic.last_ref_frame = pic.golden_ref_frame = pic.alt_ref_frame = ref;
    pic.out_of_loop_frame = VW_INVALID_ID;
    pic.key_frame = key ? 0 : 1;
    pic.version = (tag >> 1) & 7;
    struct vw_vp8_slice slice;
    memset(&slice, 0, sizeof(slice));
    slice.slice_data_size = size - skip;
    slice.num_of_partitions = 2;
    slice.partition_size[0] = first;
    slice.partition_size[1] = size - skip - first;
    int st = begin_frame(c, codec, surface);
    if (st != VW_OK)
        return -2000 - st;
    return decode_inline(c, codec, VW_CODEC_VP8, &pic, sizeof(pic), &slice, sizeof(slice),
                         frame + skip, size - skip);
}

static void case_vp8_sizes(void)
{
    struct client c;
    if (!session(&c, 0)) {
        result(false, "vp8 sizes: session");
        return;
    }
    uint32_t key_size, inter_size;
    const uint8_t *key = clip_frame(&vp8_64, 0, &key_size);
    const uint8_t *inter = clip_frame(&vp8_64, 1, &inter_size);
    bool setup = key && inter &&
                 create_codec(&c, 1, VW_PROFILE_VP8, VW_RT_YUV420, W, H) == VW_OK &&
                 create_surface(&c, 1, W, H) == VW_OK && create_surface(&c, 2, W, H) == VW_OK &&
                 create_surface(&c, 3, W / 2, H / 2) == VW_OK;
    result(setup, "vp8 sizes: clips, codec and surfaces");
    if (!setup)
        goto out;
    int st = vp8_decode(&c, 1, 1, W, H, VW_INVALID_ID, key, key_size);
    int st2 = end_frame(&c, 1);
    result(st == VW_OK && st2 == VW_OK, "vp8: a 64x64 key frame decodes (the frames are good)");

    /* A key frame larger than its surface (its size is the parameters'). */
    st = vp8_decode(&c, 1, 3, W, H, VW_INVALID_ID, key, key_size);
    fprintf(stderr, "  DECODE_BITSTREAM: %d %s\n", st, c.message);
    bool refused = st == VW_ERR_MALFORMED && has(&c, "64x64", "32x32");
    result(refused && end_frame(&c, 1) != VW_OK,
           "vp8: a 64x64 key frame into a 32x32 surface is refused");

    /* An inter frame keeps the key frame's 64x64: sent as 32x32 into a
     * 32x32 surface, the engine refuses it. */
    st = vp8_decode(&c, 1, 1, W, H, VW_INVALID_ID, key, key_size);
    st2 = end_frame(&c, 1);
    result(st == VW_OK && st2 == VW_OK, "vp8: key frame again");
    st = vp8_decode(&c, 1, 3, W / 2, H / 2, 1, inter, inter_size);
    st2 = end_frame(&c, 1);
    fprintf(stderr, "  END_FRAME: %d %s\n", st2, c.message);
    result(st == VW_OK && st2 == VW_ERR_DECODE && has(&c, "64x64", "32x32"),
           "vp8: an inter frame of a 64x64 key frame sent as 32x32 fails the decode");
    st = vp8_decode(&c, 1, 1, W, H, VW_INVALID_ID, key, key_size);
    st2 = end_frame(&c, 1);
    int st3 = vp8_decode(&c, 1, 2, W, H, 1, inter, inter_size);
    int st4 = end_frame(&c, 1);
    result(st == VW_OK && st2 == VW_OK && st3 == VW_OK && st4 == VW_OK,
           "vp8: key + inter frame at 64x64 decode");
out:
    client_close(&c);
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: hostile_sizes SOCKET DIR BIG\n");
        return 2;
    }
    socket_path = argv[1];
    dir = argv[2];
    big = (unsigned)atoi(argv[3]);
    if (!clip_load(&vp9_64, "vp9_64.ivf") || !clip_load(&vp9_big, "vp9_big.ivf") ||
        !clip_load(&vp9_p2, "vp9_p2.ivf") || !clip_load(&vp9_12bit, "vp9_12bit.ivf") ||
        !clip_load(&vp9_444, "vp9_444.ivf") || !clip_load(&vp8_64, "vp8_64.ivf"))
        return 2;
    case_vp9_sizes();
    case_vp9_formats();
    case_vp8_sizes();
    result(daemon_serves(), "daemon still serves");
    return failures ? 1 : 0;
}
