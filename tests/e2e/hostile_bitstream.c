/*
 * hostile_bitstream SOCKET SEED_DIR [--write-seeds OUT_DIR]: a guest whose
 * slice data carries more than the daemon validated and charged. It
 * replays FFmpeg sessions recorded with fuzz/record_seed.py (SEED_DIR:
 * fuzz/corpus; real picture parameters and slices of H.264, HEVC, MPEG-2,
 * MPEG-4 Part 2, AV1 and JPEG, all data inline) against a running vivacd, first as recorded,
 * then once per case with one DECODE_BITSTREAM altered:
 *   - parameter sets and a picture of their own behind a valid slice (an
 *     H.264 SPS+PPS+IDR, an HEVC VPS+SPS+PPS+IDR of 8192x8192, an MPEG-2
 *     sequence header);
 *   - MPEG-4 Part 2 picture parameters: GMC sprite fields, a B-VOP's TRB
 *     past its backward reference, a VOP of 8192x8192;
 *   - AV1 picture parameters: profile 1, large-scale tile, a frame of
 *     8192x8192, slices naming tiles the parameters do not have, film
 *     grain points out of order;
 *   - a parameter set NAL unit as slice data;
 *   - HEVC POCs at the ends of 32 bits (INT32_MAX current, INT32_MIN
 *     reference), whose difference overflows;
 * each refused with VW_ERR_MALFORMED naming what it found; the session then
 * sends the frame as recorded and goes on, and every picture it reads back
 * is the clean replay's. What clients send and decoders skip is accepted
 * and changes nothing: zero bytes behind a NAL unit or an MPEG-2 slice,
 * a JPEG scan without FFmpeg's final EOI or with fill bytes before it, a
 * VOL and VOP header behind an MPEG-4 VOP's last macroblock; and
 * a JPEG scan ends at its first marker but RST0-7, so an SOF of 8192x8192
 * inside scan data is dropped with what follows it.
 * One line per case, "ok - name" / "not ok - name"; exit status 1 if any
 * case failed. --write-seeds writes the refused sessions as fuzz seeds.
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/codecs/h264_param_sets.h"
#include "host/codecs/hevc_headers.h"
#include "host/codecs/mpeg2_headers.h"
#include "host/codecs/mpeg4_headers.h"
#include "wire_client.h"

/* ---- recorded sessions ---------------------------------------------------- */

#define MAX_MSGS 256
#define MAX_IMAGES 64

struct msg {
    uint32_t op;
    const uint8_t *payload;
    uint32_t size;
};

struct recording {
    const char *name;
    uint8_t *file;
    struct msg msgs[MAX_MSGS];
    size_t n;
};

static bool load(const char *dir, const char *name, struct recording *r)
{
    memset(r, 0, sizeof(*r));
    r->name = name;
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    r->file = size > 0 ? malloc((size_t)size) : NULL;
    bool ok = r->file && fread(r->file, 1, (size_t)size, f) == (size_t)size;
    fclose(f);
    for (long at = 0; ok && at < size;) {
        struct vw_header h;
        if (size - at < (long)sizeof(h) || r->n == MAX_MSGS)
            return false;
        memcpy(&h, r->file + at, sizeof(h));
        at += sizeof(h);
        if (h.length > (uint64_t)(size - at))
            return false;
        r->msgs[r->n++] = (struct msg){h.opcode, r->file + at, h.length};
        at += h.length;
    }
    return ok && r->n > 0;
}

/* A DECODE_BITSTREAM taken apart (inline data only: recordings have no
 * arena). */
struct decode {
    struct vw_decode_bitstream db;
    const uint8_t *picture;         /* picture params, then the optional block */
    size_t picture_bytes;
    const uint8_t *slices;          /* num_slices * slice_params_size */
    const uint8_t *blob;
};

static bool parse_decode(const struct msg *m, struct decode *d)
{
    if (m->op != VW_OP_DECODE_BITSTREAM || m->size < sizeof(d->db))
        return false;
    memcpy(&d->db, m->payload, sizeof(d->db));
    d->picture = m->payload + sizeof(d->db);
    d->picture_bytes = (size_t)d->db.picture_params_size + d->db.iq_matrix_size;
    d->slices = d->picture + d->picture_bytes;
    d->blob = d->slices + (size_t)d->db.num_slices * d->db.slice_params_size;
    return d->db.data.location == VW_LOC_INLINE &&
           sizeof(d->db) + d->picture_bytes +
                   (uint64_t)d->db.num_slices * d->db.slice_params_size + d->db.data.size ==
               m->size;
}

/* Slice i's data (its first three fields: size, offset, flag). */
static const uint8_t *slice_data(const struct decode *d, uint32_t i, uint32_t *size)
{
    uint32_t f[2];
    memcpy(f, d->slices + (size_t)i * d->db.slice_params_size, sizeof(f));
    *size = f[0];
    return d->blob + f[1];
}

/* How a case alters its DECODE_BITSTREAM. */
struct edit {
    uint32_t slice;                 /* whose data is replaced / extended */
    const uint8_t *replace;         /* NULL: keep the recorded data */
    size_t replace_size;
    const uint8_t *append;          /* appended to that slice's data */
    size_t append_size;
    size_t zeros;                   /* zero bytes appended to every slice */
    void (*picture)(uint8_t *picture, size_t size);
};

/* The altered payload (malloc'd), its slices laid out again one after the
 * other in a new blob. */
static uint8_t *rebuild(const struct decode *d, const struct edit *e, uint32_t *out_size)
{
    size_t params = (size_t)d->db.num_slices * d->db.slice_params_size;
    size_t blob = 0;
    for (uint32_t i = 0; i < d->db.num_slices; i++) {
        uint32_t n;
        slice_data(d, i, &n);
        if (i == e->slice)
            blob += (e->replace ? e->replace_size : n) + e->append_size;
        else
            blob += n;
        blob += e->zeros;
    }
    size_t total = sizeof(d->db) + d->picture_bytes + params + blob;
    uint8_t *out = calloc(1, total);
    if (!out)
        return NULL;
    struct vw_decode_bitstream db = d->db;
    db.data.size = blob;
    memcpy(out, &db, sizeof(db));
    uint8_t *pic = out + sizeof(db), *sp = pic + d->picture_bytes, *w = sp + params;
    memcpy(pic, d->picture, d->picture_bytes);
    if (e->picture)
        e->picture(pic, d->db.picture_params_size);
    memcpy(sp, d->slices, params);
    uint32_t at = 0;
    for (uint32_t i = 0; i < d->db.num_slices; i++) {
        uint32_t n;
        const uint8_t *data = slice_data(d, i, &n);
        if (i == e->slice && e->replace) {
            data = e->replace;
            n = (uint32_t)e->replace_size;
        }
        memcpy(w + at, data, n);
        uint32_t size = n;
        if (i == e->slice && e->append_size) {
            memcpy(w + at + size, e->append, e->append_size);
            size += (uint32_t)e->append_size;
        }
        size += (uint32_t)e->zeros;               /* calloc'd */
        uint32_t f[2] = {size, at};
        memcpy(sp + (size_t)i * d->db.slice_params_size, f, sizeof(f));
        at += size;
    }
    *out_size = (uint32_t)total;
    return out;
}

/* ---- replay ------------------------------------------------------------------ */

#define EVERY_DECODE UINT32_MAX

struct replay {
    uint32_t target;                /* the DECODE_BITSTREAM altered (0-based) */
    const struct edit *edit;
    int32_t expect;                 /* its status */
    const char *expect_text;        /* in its message */
    const char *seed;               /* file name under seed_dir for what is sent */
    FILE *seed_file;
    uint32_t seed_id;
    /* results */
    int32_t status;
    char message[VW_MESSAGE_TEXT_MAX + 1];
    uint64_t hashes[MAX_IMAGES];
    unsigned images;
    char broke[512];                /* "": the session went through */
};

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

/* --write-seeds DIR: each case's session as a fuzz_session seed (the
 * messages sent, concatenated, as fuzz/fuzz_session.c reads them). */
static const char *seed_dir;

static void seed_write(struct replay *r, uint32_t op, const void *payload, uint32_t size)
{
    if (!r->seed_file)
        return;
    struct vw_header h = {.opcode = op, .length = size, .request_id = ++r->seed_id};
    fwrite(&h, sizeof(h), 1, r->seed_file);
    fwrite(payload, 1, size, r->seed_file);
}

static int exchange(struct client *c, struct replay *r, uint32_t op, const void *payload,
                    uint32_t size)
{
    seed_write(r, op, payload, size);
    return request(c, op, payload, size, NULL, 0, NULL, 0);
}

static bool send_msg(struct client *c, struct replay *r, size_t index, uint32_t op,
                     const void *payload, uint32_t size, int32_t want)
{
    int st = exchange(c, r, op, payload, size);
    if (st == want)
        return true;
    snprintf(r->broke, sizeof(r->broke), "message %zu (op %u): status %d, expected %d (%s)",
             index, op, st, want, c->message);
    return false;
}

/* Replays `rec` in a new session, altering decode r->target (if any). */
static void replay(const struct recording *rec, struct replay *r)
{
    r->images = 0;
    r->broke[0] = r->message[0] = '\0';
    r->status = VW_OK;
    struct client c;
    if (!session(&c, 0)) {
        snprintf(r->broke, sizeof(r->broke), "no session");
        return;
    }
    r->seed_file = NULL;
    if (seed_dir && r->seed) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", seed_dir, r->seed);
        r->seed_file = fopen(path, "wb");
    }
    const struct msg *begin = NULL;
    uint32_t decode = 0;
    for (size_t i = 0; i < rec->n && !r->broke[0]; i++) {
        const struct msg *m = &rec->msgs[i];
        if (m->op == VW_OP_HELLO) {
            /* session() said HELLO, without an arena; so does the seed. */
            struct vw_hello h;
            if (m->size == sizeof(h)) {
                memcpy(&h, m->payload, sizeof(h));
                h.arena_size = 0;
                seed_write(r, m->op, &h, sizeof(h));
            }
            continue;
        }
        if (m->op == VW_OP_BEGIN_FRAME)
            begin = m;
        if (m->op == VW_OP_DECODE_BITSTREAM &&
            (r->target == EVERY_DECODE || decode++ == r->target) && r->edit) {
            struct decode d;
            uint32_t size = 0;
            uint8_t *p = parse_decode(m, &d) ? rebuild(&d, r->edit, &size) : NULL;
            if (!p) {
                snprintf(r->broke, sizeof(r->broke), "message %zu: cannot alter", i);
                break;
            }
            r->status = exchange(&c, r, m->op, p, size);
            free(p);
            snprintf(r->message, sizeof(r->message), "%s", c.message);
            if (r->status != r->expect ||
                (r->expect_text && !strstr(c.message, r->expect_text)))
                break;
            if (r->status == VW_OK)
                continue;
            /* Refused: the frame fails at END_FRAME with that error, then
             * the guest sends it as recorded. */
            struct vw_begin_frame bf;
            struct vw_end_frame ef = {.codec_id = d.db.codec_id};
            if (!begin || begin->size != sizeof(bf) ||
                !send_msg(&c, r, i, VW_OP_END_FRAME, &ef, sizeof(ef), r->expect) ||
                !send_msg(&c, r, i, VW_OP_BEGIN_FRAME, begin->payload, begin->size, VW_OK))
                break;
        }
        if (!send_msg(&c, r, i, m->op, m->payload, m->size, VW_OK))
            break;
        if (m->op == VW_OP_GET_IMAGE && r->images < MAX_IMAGES)
            r->hashes[r->images++] = fnv1a(c.body, c.body_len);
    }
    client_close(&c);
    if (r->seed_file)
        fclose(r->seed_file);
}

static const struct recording *current;
static struct replay clean;

/* Loads seed `name` and replays it as recorded: the reference pictures. */
static bool start(const char *dir, const char *name, struct recording *rec)
{
    current = rec;
    if (!load(dir, name, rec)) {
        result(false, "%s: recorded session loads", name);
        return false;
    }
    memset(&clean, 0, sizeof(clean));
    clean.target = EVERY_DECODE;
    replay(rec, &clean);
    result(!clean.broke[0] && clean.images > 0,
           "%s: replayed as recorded, %u pictures read back%s%s", name, clean.images,
           clean.broke[0] ? ": " : "", clean.broke);
    return !clean.broke[0] && clean.images > 0;
}

/* One case: decode `target` altered by `e` gets `expect` (with `text` in
 * its message), and the session's pictures are the clean replay's. `seed`:
 * its file name with --write-seeds (NULL: none). */
static void check(const char *what, uint32_t target, const struct edit *e, int32_t expect,
                  const char *text, const char *seed)
{
    struct replay r = {.target = target, .edit = e, .expect = expect, .expect_text = text,
                       .seed = seed};
    replay(current, &r);
    bool same = r.images == clean.images &&
                memcmp(r.hashes, clean.hashes, clean.images * sizeof(clean.hashes[0])) == 0;
    bool ok = r.status == expect && (!text || strstr(r.message, text)) && !r.broke[0] && same;
    result(ok, "%s: %s: status %d, expected %d%s%s%s; %u of %u pictures as the clean replay's%s%s",
           current->name, what, r.status, expect, r.message[0] ? " (" : "", r.message,
           r.message[0] ? ")" : "", same ? r.images : 0, clean.images,
           r.broke[0] ? "; " : "", r.broke);
}

/* The first DECODE_BITSTREAM of the recording, taken apart. */
static bool first_decode(struct decode *d)
{
    for (size_t i = 0; i < current->n; i++)
        if (current->msgs[i].op == VW_OP_DECODE_BITSTREAM)
            return parse_decode(&current->msgs[i], d);
    return false;
}

/* ---- building injected data ------------------------------------------------ */

struct bytes {
    uint8_t b[8192];
    size_t n;
};

static void put(struct bytes *o, const void *p, size_t n)
{
    if (n > sizeof(o->b) - o->n) {
        fprintf(stderr, "hostile_bitstream: injected data too large\n");
        exit(2);
    }
    memcpy(o->b + o->n, p, n);
    o->n += n;
}

static void put_nal(struct bytes *o, const uint8_t *nal, size_t n)
{
    static const uint8_t sc[4] = {0, 0, 0, 1};
    put(o, sc, sizeof(sc));
    put(o, nal, n);
}

/* ---- H.264 ------------------------------------------------------------------- */

static void case_h264(const char *dir)
{
    struct recording rec;
    struct decode d;
    if (!start(dir, "09_ffmpeg_high_bframes_2slices", &rec) || !first_decode(&d)) {
        result(false, "H.264 cases run");
        goto out;
    }
    /* The recording's own SPS and PPS (the daemon's writers), the first
     * at 8192x8192, then the picture's first slice again (an IDR). */
    struct vw_h264_picture p;
    memcpy(&p, d.picture, sizeof(p));
    p.picture_width_in_mbs_minus1 = p.picture_height_in_mbs_minus1 = 8192 / 16 - 1;
    uint8_t sps[VH_H264_PS_MAX], pps[VH_H264_PS_MAX];
    struct vh_h264_pps_extra extra = {0};
    size_t sps_n = vh_h264_write_sps(&p, sps, sizeof(sps));
    size_t pps_n = vh_h264_write_pps(&p, NULL, &extra, pps, sizeof(pps));
    uint32_t idr_n;
    const uint8_t *idr = slice_data(&d, 0, &idr_n);
    struct bytes inj = {.n = 0};
    put_nal(&inj, sps, sps_n);
    put_nal(&inj, pps, pps_n);
    put_nal(&inj, idr, idr_n);
    struct edit e = {.slice = 0, .append = inj.b, .append_size = inj.n};
    check("SPS+PPS+IDR of 8192x8192 behind the first slice", 0, &e, VW_ERR_MALFORMED,
          "a start code inside the slice", "17_inject_h264_sps_pps_idr");
    /* A 3-byte start code in the last slice of a later picture. */
    struct decode d2 = d;
    for (size_t i = 0, k = 0; i < rec.n; i++)
        if (rec.msgs[i].op == VW_OP_DECODE_BITSTREAM && k++ == 2)
            parse_decode(&rec.msgs[i], &d2);
    struct bytes inj3 = {.n = 0};
    put(&inj3, (const uint8_t[]){0, 0, 1}, 3);
    put(&inj3, sps, sps_n);
    struct edit e3 = {.slice = d2.db.num_slices - 1, .append = inj3.b, .append_size = inj3.n};
    check("SPS behind a 3-byte start code in a later picture's last slice", 2, &e3,
          VW_ERR_MALFORMED, "a start code inside the slice", NULL);

    /* A parameter set as the slice itself, with and without start code. */
    struct edit sps_only = {.slice = 0, .replace = sps, .replace_size = sps_n};
    check("an SPS NAL unit as slice data", 0, &sps_only, VW_ERR_MALFORMED,
          "NAL unit type 7 is not a coded slice", NULL);
    struct bytes sc_pps = {.n = 0};
    put_nal(&sc_pps, pps, pps_n);
    struct edit pps_only = {.slice = 1, .replace = sc_pps.b, .replace_size = sc_pps.n};
    check("a PPS NAL unit behind a start code as slice data", 0, &pps_only, VW_ERR_MALFORMED,
          "NAL unit type 8 is not a coded slice", NULL);

    /* Zero bytes behind each NAL unit (trailing_zero_8bits): dropped. */
    struct edit zeros = {.slice = UINT32_MAX, .zeros = 3};
    check("3 zero bytes behind every slice NAL unit are dropped", EVERY_DECODE, &zeros, VW_OK,
          NULL, NULL);
out:
    free(rec.file);
}

/* ---- HEVC -------------------------------------------------------------------- */

static void extreme_pocs(uint8_t *picture, size_t size)
{
    /* curr_pic and reference_frames[] lead the picture, in both sizes. */
    struct vw_hevc_ref refs[16];
    if (size < sizeof(refs))
        return;
    memcpy(refs, picture, sizeof(refs));
    refs[0].pic_order_cnt = INT32_MAX;
    for (int i = 1; i < 16; i++)
        if (!(refs[i].flags & VW_HEVC_PIC_INVALID) && !(refs[i].flags & VW_HEVC_PIC_LONG_TERM))
            refs[i].pic_order_cnt = INT32_MIN;
    memcpy(picture, refs, sizeof(refs));
}

static void far_poc(uint8_t *picture, size_t size)
{
    struct vw_hevc_ref refs[16];
    if (size < sizeof(refs))
        return;
    memcpy(refs, picture, sizeof(refs));
    for (int i = 1; i < 16; i++)
        if (!(refs[i].flags & VW_HEVC_PIC_INVALID)) {
            refs[i].pic_order_cnt = refs[0].pic_order_cnt - 32769;
            break;
        }
    memcpy(picture, refs, sizeof(refs));
}

static void case_hevc(const char *dir)
{
    struct recording rec;
    struct decode d;
    if (!start(dir, "13_ffmpeg_hevc_bframes", &rec) || !first_decode(&d)) {
        result(false, "HEVC cases run");
        goto out;
    }
    /* The daemon's own VPS, SPS and PPS for the recording's picture made
     * 8192x8192, then the first slice (an IDR) again. */
    struct vw_hevc_picture p;
    memset(&p, 0, sizeof(p));
    memcpy(&p, d.picture,
           d.db.picture_params_size < sizeof(p) ? d.db.picture_params_size : sizeof(p));
    p.pic_width_in_luma_samples = p.pic_height_in_luma_samples = 8192;
    uint8_t vps[VH_HEVC_PS_MAX], sps[VH_HEVC_PS_MAX], pps[VH_HEVC_PS_MAX];
    size_t vps_n = vh_hevc_write_vps(&p, VW_PROFILE_HEVC_MAIN, vps, sizeof(vps));
    size_t sps_n = vh_hevc_write_sps(&p, VW_PROFILE_HEVC_MAIN, sps, sizeof(sps));
    size_t pps_n = vh_hevc_write_pps(&p, NULL, 0, pps, sizeof(pps));
    uint32_t idr_n;
    const uint8_t *idr = slice_data(&d, 0, &idr_n);
    struct bytes inj = {.n = 0};
    put_nal(&inj, vps, vps_n);
    put_nal(&inj, sps, sps_n);
    put_nal(&inj, pps, pps_n);
    put_nal(&inj, idr, idr_n);
    struct edit e = {.slice = 0, .append = inj.b, .append_size = inj.n};
    check("VPS+SPS+PPS+IDR of 8192x8192 behind the slice", 0, &e, VW_ERR_MALFORMED,
          "a start code inside the slice segment", "18_inject_hevc_vps_sps_pps_idr");
    struct edit vps_only = {.slice = 0, .replace = vps, .replace_size = vps_n};
    check("a VPS NAL unit as slice data", 0, &vps_only, VW_ERR_MALFORMED,
          "NAL type 32 is not a slice segment", NULL);
    struct edit zeros = {.slice = UINT32_MAX, .zeros = 2};
    check("2 zero bytes behind every slice NAL unit are dropped", EVERY_DECODE, &zeros, VW_OK,
          NULL, NULL);

    /* POCs: the second picture has short-term references. */
    struct edit poc = {.slice = UINT32_MAX, .picture = extreme_pocs};
    check("current POC INT32_MAX, short-term references at INT32_MIN", 1, &poc,
          VW_ERR_MALFORMED, "pic_order_cnt -2147483648 is -4294967295 from",
          "19_hevc_extreme_poc");
    struct edit far = {.slice = UINT32_MAX, .picture = far_poc};
    check("a short-term reference 32769 before the current picture", 1, &far,
          VW_ERR_MALFORMED, "a short-term reference is at most 32768 away", NULL);
out:
    free(rec.file);
}

/* ---- MPEG-2 ------------------------------------------------------------------ */

static void case_mpeg2(const char *dir)
{
    struct recording rec;
    struct decode d;
    if (!start(dir, "12_ffmpeg_mpeg2_interlaced", &rec) || !first_decode(&d)) {
        result(false, "MPEG-2 cases run");
        goto out;
    }
    /* The daemon's own headers for a 4095x2800 picture, then the first
     * slice again. */
    struct vw_mpeg2_picture p;
    memcpy(&p, d.picture, sizeof(p));
    p.horizontal_size = 4095;
    p.vertical_size = 2800;
    struct vh_mpeg2_state st;
    memset(&st, 0, sizeof(st));
    uint8_t hdr[VH_MPEG2_HEADERS_MAX];
    size_t hdr_n = vh_mpeg2_write_headers(&p, &st, hdr);
    uint32_t slice_n;
    const uint8_t *slice = slice_data(&d, 0, &slice_n);
    struct bytes inj = {.n = 0};
    put(&inj, hdr, hdr_n);
    put(&inj, slice, slice_n);
    struct edit e = {.slice = 0, .append = inj.b, .append_size = inj.n};
    check("sequence header of 4095x2800 and a slice behind a slice", 0, &e, VW_ERR_MALFORMED,
          "start code 00 00 01 b3 at offset", "20_inject_mpeg2_sequence_header");
    struct edit zeros = {.slice = UINT32_MAX, .zeros = 4};
    check("4 zero bytes behind every slice are harmless", EVERY_DECODE, &zeros, VW_OK, NULL,
          NULL);
out:
    free(rec.file);
}

/* ---- MPEG-4 Part 2 ----------------------------------------------------------- */

static void mpeg4_edit(uint8_t *picture, size_t size, void (*f)(struct vw_mpeg4_picture *p))
{
    struct vw_mpeg4_picture p;
    if (size < sizeof(p))
        return;
    memcpy(&p, picture, sizeof(p));
    f(&p);
    memcpy(picture, &p, sizeof(p));
}

static void gmc(struct vw_mpeg4_picture *p)
{
    p->sprite_enable = 2;
    p->no_of_sprite_warping_points = 1;
    p->sprite_trajectory_du[0] = 6;
}

static void trb_past_trd(struct vw_mpeg4_picture *p)
{
    p->TRB = INT16_MAX;
}

static void huge_vop(struct vw_mpeg4_picture *p)
{
    p->vop_width = 8192;
    p->vop_height = 8192;
}

static void mpeg4_gmc(uint8_t *picture, size_t size)
{
    mpeg4_edit(picture, size, gmc);
}

static void mpeg4_far_trd(uint8_t *picture, size_t size)
{
    mpeg4_edit(picture, size, trb_past_trd);
}

static void mpeg4_huge(uint8_t *picture, size_t size)
{
    mpeg4_edit(picture, size, huge_vop);
}

static void case_mpeg4(const char *dir)
{
    struct recording rec;
    struct decode d;
    /* 128x96 interlaced, quarter-pel, MPEG quantisation: I0 P2 B1 P4 B3
     * in decode order. */
    if (!start(dir, "26_ffmpeg_mpeg4_interlaced_qpel", &rec) || !first_decode(&d)) {
        result(false, "MPEG-4 cases run");
        goto out;
    }
    struct edit e = {.slice = UINT32_MAX, .picture = mpeg4_gmc};
    check("GMC sprite fields on a VOP", 1, &e, VW_ERR_UNSUPPORTED_STREAM,
          "sprite_enable 2: sprites (static, GMC) are not supported", "27_mpeg4_gmc_sprite");
    struct edit far = {.slice = UINT32_MAX, .picture = mpeg4_far_trd};
    check("a B-VOP whose TRB is past its backward reference", 2, &far, VW_ERR_MALFORMED,
          "TRB 32767, TRD", "28_mpeg4_b_vop_trb_past_trd");
    struct edit huge = {.slice = UINT32_MAX, .picture = mpeg4_huge};
    check("a VOP of 8192x8192 on a 128x96 surface", 0, &huge, VW_ERR_MALFORMED,
          "size 8192x8192 outside", NULL);
    /* The daemon's own VOL (4096x4096) and VOP header behind the VOP:
     * past the last macroblock, which libavcodec reads no further than. */
    struct vw_mpeg4_picture p;
    memcpy(&p, d.picture, sizeof(p));
    p.vop_width = 4096;
    p.vop_height = 4096;
    struct vh_mpeg4_state st;
    memset(&st, 0, sizeof(st));
    struct vh_mpeg4_time t = {.new_clock = true};
    vh_mpeg4_state_update(&st, &p, NULL, &t);
    uint8_t hdr[VH_MPEG4_HEADERS_MAX];
    size_t bits = vh_mpeg4_write_headers(&p, &st, &t, 8, hdr);
    struct edit behind = {.slice = 0, .append = hdr, .append_size = (bits + 7) / 8};
    check("VOL and VOP header behind the VOP: harmless", EVERY_DECODE, &behind, VW_OK, NULL,
          NULL);
out:
    free(rec.file);
}

/* ---- AV1 --------------------------------------------------------------------- */

static void av1_edit(uint8_t *picture, size_t size, void (*f)(struct vw_av1_picture *p))
{
    struct vw_av1_picture p;
    if (size < sizeof(p))
        return;
    memcpy(&p, picture, sizeof(p));
    f(&p);
    memcpy(picture, &p, sizeof(p));
}

static void profile1(struct vw_av1_picture *p)
{
    p->profile = 1;
}

static void large_scale_tile(struct vw_av1_picture *p)
{
    p->large_scale_tile = 1;
    p->anchor_frames_num = 4;
}

static void huge_frame(struct vw_av1_picture *p)
{
    p->frame_width_minus1 = p->frame_height_minus1 = 8191;
}

static void one_tile(struct vw_av1_picture *p)
{
    p->tile_cols = p->tile_rows = 1;
    p->context_update_tile_id = 0;
}

static void grain_points_down(struct vw_av1_picture *p)
{
    p->film_grain.apply_grain = 1;
    p->film_grain.num_y_points = 2;
    p->film_grain.point_y_value[0] = 200;
    p->film_grain.point_y_value[1] = 100;
}

static void av1_profile1(uint8_t *picture, size_t size)
{
    av1_edit(picture, size, profile1);
}

static void av1_large_scale_tile(uint8_t *picture, size_t size)
{
    av1_edit(picture, size, large_scale_tile);
}

static void av1_huge(uint8_t *picture, size_t size)
{
    av1_edit(picture, size, huge_frame);
}

static void av1_one_tile(uint8_t *picture, size_t size)
{
    av1_edit(picture, size, one_tile);
}

static void av1_grain_points_down(uint8_t *picture, size_t size)
{
    av1_edit(picture, size, grain_points_down);
}

static void case_av1(const char *dir)
{
    struct recording rec;
    struct decode d;
    /* 128x128, 2x2 tiles, a tile group sent once for the four tiles. */
    if (!start(dir, "30_ffmpeg_av1_tiles_2x2", &rec) || !first_decode(&d)) {
        result(false, "AV1 cases run");
        goto out;
    }
    struct edit p1 = {.slice = UINT32_MAX, .picture = av1_profile1};
    check("profile 1 (4:4:4)", 1, &p1, VW_ERR_UNSUPPORTED_STREAM, "profile 1",
          "31_av1_profile1");
    struct edit lst = {.slice = UINT32_MAX, .picture = av1_large_scale_tile};
    check("large-scale tile", 0, &lst, VW_ERR_UNSUPPORTED_STREAM, "large-scale tile",
          "32_av1_large_scale_tile");
    struct edit huge = {.slice = UINT32_MAX, .picture = av1_huge};
    check("a frame of 8192x8192 on a 128x128 surface", 2, &huge, VW_ERR_MALFORMED,
          "frame 8192x8192 does not fit", NULL);
    struct edit tiles = {.slice = UINT32_MAX, .picture = av1_one_tile};
    check("one tile in the parameters, four slices naming tiles", 0, &tiles, VW_ERR_MALFORMED,
          "outside 1x1 tiles", NULL);
    free(rec.file);
    /* 64x64 with film grain and hidden frames shown again. */
    if (!start(dir, "29_ffmpeg_av1_hidden_grain", &rec)) {
        result(false, "AV1 film grain cases run");
        goto out;
    }
    struct edit grain = {.slice = UINT32_MAX, .picture = av1_grain_points_down};
    check("film grain points that do not increase", 0, &grain, VW_ERR_MALFORMED,
          "y values do not increase", NULL);
out:
    free(rec.file);
}

/* ---- JPEG -------------------------------------------------------------------- */

static void case_jpeg(const char *dir)
{
    struct recording rec;
    struct decode d;
    if (!start(dir, "14_ffmpeg_mjpeg_restart", &rec) || !first_decode(&d)) {
        result(false, "JPEG cases run");
        goto out;
    }
    uint32_t scan_n;
    const uint8_t *scan = slice_data(&d, 0, &scan_n);
    if (scan_n < 3 || scan[scan_n - 2] != 0xff || scan[scan_n - 1] != 0xd9) {
        result(false, "JPEG: FFmpeg's scan data ends in EOI");
        goto out;
    }
    uint32_t data_n = scan_n - 2;   /* the entropy-coded data */
    /* An SOF0 of 8192x8192 (4:2:0, tables 0/1/1) and an SOS, then the
     * entropy-coded data again and EOI. */
    static const uint8_t sof_sos[] = {
        0xff, 0xc0, 0x00, 0x11, 0x08, 0x20, 0x00, 0x20, 0x00, 0x03, 0x01, 0x22, 0x00,
        0x02, 0x11, 0x01, 0x03, 0x11, 0x01, 0xff, 0xda, 0x00, 0x0c, 0x03, 0x01, 0x00,
        0x02, 0x11, 0x03, 0x11, 0x00, 0x3f, 0x00};
    static struct bytes inj;
    inj.n = 0;
    put(&inj, scan, data_n);
    put(&inj, sof_sos, sizeof(sof_sos));
    put(&inj, scan, scan_n);
    struct edit e = {.slice = 0, .replace = inj.b, .replace_size = inj.n};
    /* Dropped from the SOF on: the picture is the clean one. */
    check("SOF0 of 8192x8192 and SOS inside scan data: dropped", 0, &e, VW_OK, NULL, NULL);
    /* EOI in the middle, data after it. */
    static struct bytes eoi;
    eoi.n = 0;
    put(&eoi, scan, scan_n);
    put(&eoi, scan, scan_n);
    struct edit e2 = {.slice = 0, .replace = eoi.b, .replace_size = eoi.n};
    check("EOI followed by more data: dropped", 0, &e2, VW_OK, NULL, NULL);

    /* GStreamer's form: no EOI; and fill bytes before EOI. */
    struct edit no_eoi = {.slice = 0, .replace = scan, .replace_size = data_n};
    check("scan data without EOI", 0, &no_eoi, VW_OK, NULL, NULL);
    static struct bytes fill;
    fill.n = 0;
    put(&fill, scan, data_n);
    put(&fill, (const uint8_t[]){0xff, 0xff, 0xff, 0xd9}, 4);
    struct edit filled = {.slice = 0, .replace = fill.b, .replace_size = fill.n};
    check("fill bytes before the final EOI", 0, &filled, VW_OK, NULL, NULL);
out:
    free(rec.file);
}

int main(int argc, char **argv)
{
    if (argc != 3 && !(argc == 5 && !strcmp(argv[3], "--write-seeds"))) {
        fprintf(stderr, "usage: hostile_bitstream SOCKET SEED_DIR [--write-seeds OUT_DIR]\n");
        return 2;
    }
    seed_dir = argc == 5 ? argv[4] : NULL;
    signal(SIGPIPE, SIG_IGN);
    socket_path = argv[1];
    if (!daemon_serves()) {
        printf("not ok - daemon at %s answers HELLO + QUERY_CAPS\n", socket_path);
        return 1;
    }
    case_h264(argv[2]);
    case_hevc(argv[2]);
    case_mpeg2(argv[2]);
    case_mpeg4(argv[2]);
    case_av1(argv[2]);
    case_jpeg(argv[2]);
    result(daemon_serves(), "daemon still serves after all cases");
    printf("%s: %d failure(s)\n", failures ? "FAIL" : "PASS", failures);
    return failures ? 1 : 0;
}
