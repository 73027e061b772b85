/*
 * gpu_hostile_client SOCKET MODE: GPU memory cases against a running
 * `vivacd --engine nvdec` (bench/gpu_hostile.sh runs it on the GPU machine).
 * One line per case, "ok - name" / "not ok - name"; exit 1 if any failed.
 *
 *   hostile N    N VP9 codecs of the smallest size the engine takes (64x64
 *                where it allows) each get one key frame whose header says
 *                8192x8192 while the wire parameters say the codec's size:
 *                each END_FRAME is refused and the GPU's used memory
 *                (nvidia-smi, while the codecs live) grows by < 8 MiB.
 *                Without the engine's check the parser makes an
 *                8192x8192 decoder per codec (about 1.5 GiB each).
 *   budget       the daemon runs with a small --max-gpu-memory: 1920x1080
 *                H.264 codecs, then surfaces, are created until one is
 *                refused with VW_ERR_LIMIT naming the daemon's GPU limit and
 *                its figures; one destroyed codec makes room for another.
 *   nogpu        an engine without a GPU (sw) under --max-gpu-memory 1:
 *                codecs and surfaces are made as ever (nothing is charged).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire_client.h"

/* ---- a VP9 key frame header of any size ----------------------------------- */

struct bits {
    uint8_t *buf;
    size_t bit;
};

static void put(struct bits *b, uint32_t v, unsigned n)
{
    while (n--) {
        if ((v >> n) & 1)
            b->buf[b->bit >> 3] |= (uint8_t)(0x80 >> (b->bit & 7));
        b->bit++;
    }
}

/* Profile 0 key frame, w x h: the uncompressed header (returned length),
 * then `comp` zero bytes of compressed header, then `tail` bytes of tile
 * data. `out` must be zeroed and hold 64 + comp + tail bytes. */
static size_t vp9_key_frame(uint8_t *out, uint32_t w, uint32_t h, uint16_t comp, size_t tail,
                            size_t *total)
{
    struct bits b = {out, 0};
    put(&b, 2, 2);                            /* frame_marker */
    put(&b, 0, 2);                            /* profile 0 */
    put(&b, 0, 1);                            /* show_existing_frame */
    put(&b, 0, 1);                            /* frame_type: key */
    put(&b, 1, 1);                            /* show_frame */
    put(&b, 0, 1);                            /* error_resilient_mode */
    put(&b, 0x49, 8), put(&b, 0x83, 8), put(&b, 0x42, 8);
    put(&b, 1, 3);                            /* color_space BT.601 */
    put(&b, 0, 1);                            /* color_range */
    put(&b, w - 1, 16);
    put(&b, h - 1, 16);
    put(&b, 0, 1);                            /* render_and_frame_size_different */
    put(&b, 1, 1);                            /* refresh_frame_context */
    put(&b, 1, 1);                            /* frame_parallel_decoding_mode */
    put(&b, 0, 2);                            /* frame_context_idx */
    put(&b, 10, 6);                           /* filter_level */
    put(&b, 0, 3);                            /* sharpness */
    put(&b, 0, 1);                            /* loop_filter_delta_enabled */
    put(&b, 60, 8);                           /* base_q_idx */
    put(&b, 0, 3);                            /* no delta_q */
    put(&b, 0, 1);                            /* segmentation_enabled */
    /* tile_info: min_log2_tile_cols .. max_log2 (spec 6.2.14). */
    uint32_t sb64 = (w + 63) / 64, min_log2 = 0, max_log2 = 1;
    while ((64u << min_log2) < sb64)
        min_log2++;
    while ((sb64 >> max_log2) >= 4)
        max_log2++;
    max_log2--;
    if (min_log2 < max_log2)
        put(&b, 0, 1);                        /* increment_tile_cols_log2: stop */
    put(&b, 0, 1);                            /* tile_rows_log2 */
    put(&b, comp, 16);                        /* header_size_in_bytes */
    size_t len = (b.bit + 7) / 8;
    *total = len + comp + tail;
    return len;
}

/* ---- GPU memory ------------------------------------------------------------ */

/* MiB used on GPU 0 (nvidia-smi), -1 if it cannot say. */
static long gpu_used_mib(void)
{
    FILE *p = popen("nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -i 0 "
                    "2>/dev/null", "r");
    if (!p)
        return -1;
    long v = -1;
    if (fscanf(p, "%ld", &v) != 1)
        v = -1;
    pclose(p);
    return v;
}

/* ---- helpers --------------------------------------------------------------- */

static int create_codec(struct client *c, uint32_t id, uint32_t profile, uint32_t w, uint32_t h)
{
    struct vw_create_codec cc = {.codec_id = id, .profile = profile,
                                 .entrypoint = VW_ENTRYPOINT_DECODE, .rt_format = VW_RT_YUV420,
                                 .width = w, .height = h};
    return REQ1(c, VW_OP_CREATE_CODEC, cc);
}

static int destroy_codec(struct client *c, uint32_t id)
{
    struct vw_destroy_codec dc = {.codec_id = id};
    return REQ1(c, VW_OP_DESTROY_CODEC, dc);
}

/* The engine's smallest size for a profile (64x64 at least); false if the
 * profile is not listed. */
static bool min_size(struct client *c, uint32_t profile, uint32_t *w, uint32_t *h)
{
    if (request(c, VW_OP_QUERY_CAPS, NULL, 0, NULL, 0, NULL, 0) != VW_OK ||
        c->body_len < sizeof(struct vw_caps_reply))
        return false;
    struct vw_caps_reply r;
    memcpy(&r, c->body, sizeof(r));
    for (uint32_t i = 0; i < r.count; i++) {
        struct vw_cap cap;
        if (sizeof(r) + (i + 1) * sizeof(cap) > c->body_len)
            break;
        memcpy(&cap, c->body + sizeof(r) + i * sizeof(cap), sizeof(cap));
        if (cap.profile != profile)
            continue;
        *w = cap.min_width > 64 ? (cap.min_width + 1) & ~1u : 64;
        *h = cap.min_height > 64 ? (cap.min_height + 1) & ~1u : 64;
        return true;
    }
    return false;
}

/* One VP9 frame: wire parameters of w x h, a header of hw x hh. */
static int decode_vp9(struct client *c, uint32_t codec, uint32_t target, uint32_t w, uint32_t h,
                      uint32_t hw, uint32_t hh)
{
    enum { COMP = 16, TAIL = 64 };
    uint8_t frame[64 + COMP + TAIL] = {0};
    size_t size;
    size_t hdr = vp9_key_frame(frame, hw, hh, COMP, TAIL, &size);
    struct vw_decode_bitstream db = {
        .codec_id = codec, .codec = VW_CODEC_VP9, .num_slices = 1,
        .picture_params_size = sizeof(struct vw_vp9_picture),
        .slice_params_size = sizeof(struct vw_vp9_slice),
        .data = {.location = VW_LOC_INLINE, .size = size},
    };
    struct vw_vp9_picture pic = {
        .frame_width = (uint16_t)w, .frame_height = (uint16_t)h,
        .subsampling_x = 1, .subsampling_y = 1, .frame_type = 0, .show_frame = 1,
        .refresh_frame_context = 1, .frame_parallel_decoding_mode = 1, .filter_level = 10,
        .log2_tile_columns = 0, .frame_header_length_in_bytes = (uint8_t)hdr,
        .first_partition_size = COMP, .profile = 0, .bit_depth = 8,
    };
    for (int i = 0; i < 8; i++)
        pic.reference_frames[i] = VW_INVALID_ID;
    memset(pic.mb_segment_tree_probs, 255, sizeof(pic.mb_segment_tree_probs));
    memset(pic.segment_pred_probs, 255, sizeof(pic.segment_pred_probs));
    struct vw_vp9_slice slice = {.slice_data_size = (uint32_t)size};
    uint8_t msg[sizeof(db) + sizeof(pic) + sizeof(slice) + sizeof(frame)];
    memcpy(msg, &db, sizeof(db));
    memcpy(msg + sizeof(db), &pic, sizeof(pic));
    memcpy(msg + sizeof(db) + sizeof(pic), &slice, sizeof(slice));
    memcpy(msg + sizeof(db) + sizeof(pic) + sizeof(slice), frame, size);
    int st = begin_frame(c, codec, target);
    if (st != VW_OK)
        return st;
    st = request(c, VW_OP_DECODE_BITSTREAM, msg, sizeof(db) + sizeof(pic) + sizeof(slice) + size,
                 NULL, 0, NULL, 0);
    if (st != VW_OK) {
        printf("#   DECODE_BITSTREAM: %d %s\n", st, c->message);
        end_frame(c, codec);
        return st;
    }
    return end_frame(c, codec);
}

/* ---- cases ------------------------------------------------------------------ */

static void case_hostile(uint32_t n)
{
    struct client c;
    uint32_t w, h;
    if (!session(&c, 0) || !min_size(&c, VW_PROFILE_VP9_PROFILE0, &w, &h)) {
        result(false, "VP9 profile 0 listed by the engine");
        return;
    }
    printf("# VP9 codecs of %ux%u\n", w, h);
    bool made = create_surface(&c, 1, w, h) == VW_OK;
    for (uint32_t i = 0; i < n && made; i++)
        made = create_codec(&c, 10 + i, VW_PROFILE_VP9_PROFILE0, w, h) == VW_OK;
    result(made, "%u VP9 codecs of %ux%u and a surface created", n, w, h);
    if (!made) {
        printf("#   %s\n", c.message);
        client_close(&c);
        return;
    }
    /* A frame of the codec's own size decodes (or fails on its garbage
     * tiles) without a large decoder: the baseline includes it. */
    int own = decode_vp9(&c, 10, 1, w, h, w, h);
    printf("# a %ux%u frame on codec 10: %d %s\n", w, h, own, own ? c.message : "");
    long before = gpu_used_mib();
    uint32_t refused = 0;
    for (uint32_t i = 0; i < n; i++) {
        int st = decode_vp9(&c, 10 + i, 1, w, h, 8192, 8192);
        if (st == VW_ERR_RESOLUTION || st == VW_ERR_DECODE || st == VW_ERR_MALFORMED ||
            st == VW_ERR_UNSUPPORTED_STREAM)
            refused++;
        if (i < 2 || st == VW_OK)
            printf("#   codec %u, 8192x8192 header: status %d: %s\n", 10 + i, st, c.message);
    }
    long after = gpu_used_mib();
    result(refused == n, "%u of %u 8192x8192 VP9 frames in %ux%u codecs refused", refused, n, w,
           h);
    printf("# GPU memory used: %ld MiB before the frames, %ld MiB after (codecs alive)\n",
           before, after);
    result(before >= 0 && after >= 0 && after - before < 8,
           "GPU memory grew by %ld MiB (< 8 MiB) over %u hostile frames", after - before, n);
    client_close(&c);
    result(daemon_serves(), "daemon still serves");
}

static void case_budget(void)
{
    struct client c;
    if (!session(&c, 0)) {
        result(false, "session");
        return;
    }
    uint32_t id = 1, made = 0;
    int st;
    while ((st = create_codec(&c, id, VW_PROFILE_H264_HIGH, 1920, 1080)) == VW_OK && id < 16)
        id++, made++;
    printf("# %u codecs of 1920x1080; then status %d: %s\n", made, st, c.message);
    result(made >= 1 && st == VW_ERR_LIMIT && strstr(c.message, "daemon's GPU memory limit") &&
               strstr(c.message, "KiB"),
           "codec %u refused with VW_ERR_LIMIT and the daemon's GPU figures", made + 1);
    uint32_t sid = 1, surfaces = 0;
    while ((st = create_surface(&c, sid, 1920, 1080)) == VW_OK && sid < 250)
        sid++, surfaces++;
    printf("# %u surfaces of 1920x1080; then status %d: %s\n", surfaces, st, c.message);
    result(st == VW_ERR_LIMIT && strstr(c.message, "daemon's GPU memory limit"),
           "surface %u refused with VW_ERR_LIMIT and the daemon's GPU figures", surfaces + 1);
    /* A second session is held to the same budget. */
    struct client c2;
    if (session(&c2, 0)) {
        st = create_codec(&c2, 1, VW_PROFILE_H264_HIGH, 1920, 1080);
        result(st == VW_ERR_LIMIT, "a second session's codec refused too (%d: %s)", st,
               c2.message);
        client_close(&c2);
    }
    /* Given back: one codec less, one more fits. */
    st = made ? destroy_codec(&c, 1) : -1;
    if (st == VW_OK)
        st = create_codec(&c, 1, VW_PROFILE_H264_HIGH, 1920, 1080);
    result(st == VW_OK, "after DESTROY_CODEC another codec fits (%d %s)", st,
           st ? c.message : "");
    client_close(&c);
    /* Everything given back when the session ends. */
    if (session(&c, 0)) {
        uint32_t again = 0;
        for (id = 1; id <= made && create_codec(&c, id, VW_PROFILE_H264_HIGH, 1920, 1080) == VW_OK;
             id++)
            again++;
        result(again == made, "a new session makes the %u codecs again", made);
        client_close(&c);
    }
}

static void case_nogpu(void)
{
    struct client c;
    if (!session(&c, 0)) {
        result(false, "session");
        return;
    }
    int st = VW_OK;
    for (uint32_t id = 1; id <= 4 && st == VW_OK; id++)
        st = create_codec(&c, id, VW_PROFILE_H264_HIGH, 1920, 1080);
    for (uint32_t id = 1; id <= 16 && st == VW_OK; id++)
        st = create_surface(&c, id, 1920, 1080);
    result(st == VW_OK, "4 codecs and 16 surfaces of 1920x1080 under a 1 MiB GPU budget (%d %s)",
           st, st ? c.message : "");
    client_close(&c);
}

int main(int argc, char **argv)
{
    int rc = hostile_start(argc >= 3, argv, "gpu_hostile_client SOCKET hostile N | budget | nogpu");
    if (rc)
        return rc;
    if (!strcmp(argv[2], "hostile"))
        case_hostile(argc > 3 ? (uint32_t)strtoul(argv[3], NULL, 10) : 4);
    else if (!strcmp(argv[2], "budget"))
        case_budget();
    else if (!strcmp(argv[2], "nogpu"))
        case_nogpu();
    else
        return 2;
    printf("%s: %d failure(s)\n", failures ? "FAIL" : "PASS", failures);
    return failures ? 1 : 0;
}
