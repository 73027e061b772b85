/*
 * AV1 on libdav1d. VA gives no OBU bytes: each picture becomes a sequence
 * header (when it changes), a frame header and one tile group, rebuilt by
 * host/codecs/av1_headers.c, and dav1d decodes them one picture at a time
 * (one thread, no frame delay, hidden frames output too, film grain not
 * applied: the picture is the reference).
 *
 * The reference slots. VA has no refresh_frame_flags: which of its slots a
 * frame refreshes shows only in the next picture's ref_frame_map (FFmpeg
 * outputs each picture before it sends the next). dav1d's 8 slots are
 * therefore not VA's: the engine keeps which surface each dav1d slot holds,
 * writes each frame header's ref_frame_idx as the dav1d slots holding the
 * surfaces VA's slots name, and decodes a picture into a dav1d slot that
 * holds no surface a later picture may read (not in its map; a second copy
 * of one; for a key frame, whose map FFmpeg leaves empty, none of the last
 * map's nor of the pictures since). A shown key frame or a switch frame
 * refreshes every slot. When every slot holds a different surface of the
 * map (libaom keeps 8 references), the picture is decoded refreshing no
 * slot and kept; the next picture's map tells whether it is referenced and
 * frees a slot for it, and it is decoded again there (its output dropped).
 * A key frame shown again (show_existing_frame, which FFmpeg handles
 * without asking VA) needs nothing: its surface is in a slot already.
 *
 * Film grain: with apply_grain the picture goes to the target (the
 * reference, as FFmpeg's VA path keeps it) and dav1d_apply_grain's copy to
 * display_surface, which FFmpeg outputs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <dav1d/dav1d.h>
#include <libavutil/buffer.h>
#include <libavutil/pixfmt.h>

#include "common/log.h"
#include "host/codecs/av1_headers.h"
#include "host/engines/sw/sw_internal.h"

/* Pictures waiting for a map that frees a slot for them, and hidden key
 * frames in a row: at most this many. */
#define AV1_MAX_PENDING 8u

struct av1_pending {
    struct vw_av1_picture params;
    uint32_t surface;
    uint8_t *tile_group;              /* the tile group OBU */
    size_t tile_group_size;
};

struct sw_av1_codec {
    struct sw_codec base;
    Dav1dContext *dav1d;
    struct vh_av1_sequence seq;
    uint8_t seq_obu[VH_AV1_SEQUENCE_HEADER_MAX];
    size_t seq_size;                  /* 0: none sent yet */
    uint32_t slot_surface[8];         /* what dav1d's slots hold; VW_INVALID_ID: nothing known */
    struct vh_av1_slot slots[8];
    uint32_t map[8];                  /* the last ref_frame_map a picture sent */
    uint32_t since[AV1_MAX_PENDING];  /* the pictures decoded since that map */
    uint32_t num_since;
    struct av1_pending pending[AV1_MAX_PENDING];
    uint32_t num_pending;
    size_t pending_bytes, pending_limit;  /* their tile groups' bytes, at most */
    uint64_t pictures;                /* pictures decoded */
    uint64_t redecodes;               /* pictures decoded a second time */
    uint64_t decode_ns, redecode_ns;  /* time in dav1d for each */
};

static struct sw_av1_codec *to_codec(struct vh_codec *c)
{
    return (struct sw_av1_codec *)c;
}

static uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static void drop_pending(struct sw_av1_codec *c)
{
    for (uint32_t i = 0; i < c->num_pending; i++)
        free(c->pending[i].tile_group);
    c->num_pending = 0;
    c->pending_bytes = 0;
}

static void forget_slots(struct sw_av1_codec *c)
{
    for (int i = 0; i < 8; i++) {
        c->slot_surface[i] = VW_INVALID_ID;
        c->map[i] = VW_INVALID_ID;
        vh_av1_slot_default(&c->slots[i]);
    }
    c->num_since = 0;
}

static void av1_codec_destroy(struct vh_codec **codec)
{
    if (!codec || !*codec)
        return;
    struct sw_av1_codec *c = to_codec(*codec);
    if (c->pictures)
        vc_info("sw: AV1 decoder closed: %llu pictures in %.1f ms, %llu of them decoded again "
                "into their reference slots in %.1f ms", (unsigned long long)c->pictures,
                c->decode_ns / 1e6, (unsigned long long)c->redecodes, c->redecode_ns / 1e6);
    drop_pending(c);
    dav1d_close(&c->dav1d);
    free(c);
    *codec = NULL;
}

static int dav1d_status(int ret, const char *what, struct vh_error *err)
{
    return vh_error_set(err, ret == DAV1D_ERR(ENOMEM) ? VW_ERR_NO_MEMORY : VW_ERR_DECODE,
                        "sw: AV1 %s: %s", what, strerror(-ret));
}

/* Gives dav1d the OBUs in buf (two parts, the second may be empty) and
 * takes every picture it outputs; *out gets the last one (NULL: drop
 * them). */
static int feed(struct sw_av1_codec *c, const uint8_t *a, size_t a_size, const uint8_t *b,
                size_t b_size, Dav1dPicture *out, struct vh_error *err)
{
    Dav1dData data = {0};
    uint8_t *buf = dav1d_data_create(&data, a_size + b_size);
    if (!buf)
        return vh_error_set(err, VW_ERR_NO_MEMORY, "sw: out of memory for AV1 data");
    memcpy(buf, a, a_size);
    if (b_size)
        memcpy(buf + a_size, b, b_size);
    int got = 0;
    while (data.sz > 0) {
        int got_now = 0;
        int ret = dav1d_send_data(c->dav1d, &data);
        if (ret < 0 && ret != DAV1D_ERR(EAGAIN)) {
            dav1d_data_unref(&data);
            return dav1d_status(ret, "decoding failed", err);
        }
        for (;;) {
            Dav1dPicture p = {0};
            int r = dav1d_get_picture(c->dav1d, &p);
            if (r == DAV1D_ERR(EAGAIN))
                break;
            if (r < 0) {
                dav1d_data_unref(&data);
                return dav1d_status(r, "decoding failed", err);
            }
            if (out) {
                dav1d_picture_unref(out);
                *out = p;
            } else {
                dav1d_picture_unref(&p);
            }
            got++;
            got_now++;
        }
        /* dav1d holds data it has not decoded and gives no picture: it
         * would never take ours. */
        if (ret == DAV1D_ERR(EAGAIN) && got_now == 0 && data.sz > 0) {
            dav1d_data_unref(&data);
            return vh_error_set(err, VW_ERR_DECODE, "sw: AV1 decoder takes no data");
        }
    }
    return out && got == 0 ? vh_error_set(err, VW_ERR_DECODE, "sw: AV1 picture not output")
                           : VW_OK;
}

/* Decodes `p` (its tile group OBU given) refreshing `refresh`; the slots
 * are updated, *out gets the picture (NULL: dropped). */
static int decode_one(struct sw_av1_codec *c, const struct vw_av1_picture *p, uint32_t surface,
                      uint8_t refresh, const uint8_t *tile_group, size_t tile_group_size,
                      Dav1dPicture *out, struct vh_error *err)
{
    uint8_t header[VH_AV1_FRAME_HEADER_MAX];
    size_t size = 0;
    struct vh_av1_slot saved;
    const char *why = vh_av1_write_frame_header(p, &c->seq, refresh, c->slots, &saved, header,
                                                sizeof(header), &size);
    if (why)
        return vh_error_set(err, VW_ERR_UNSUPPORTED_STREAM, "sw: AV1 frame header: %s", why);
    if (p->frame_type == VW_AV1_SWITCH_FRAME ||
        (p->frame_type == VW_AV1_KEY_FRAME && p->show_frame))
        refresh = 0xff;
    int st = feed(c, header, size, tile_group, tile_group_size, out, err);
    if (st != VW_OK) {
        /* dav1d empties the slots a frame it failed was to refresh. */
        for (int i = 0; i < 8; i++)
            if (refresh & (1u << i))
                c->slot_surface[i] = VW_INVALID_ID;
        return st;
    }
    for (int i = 0; i < 8; i++) {
        if (refresh & (1u << i)) {
            c->slots[i] = saved;
            c->slot_surface[i] = surface;
        }
    }
    return VW_OK;
}

static bool listed(const uint32_t *ids, uint32_t n, uint32_t surface)
{
    for (uint32_t i = 0; i < n; i++)
        if (ids[i] == surface)
            return true;
    return false;
}

/* The dav1d slot holding `surface`, or -1. */
static int slot_of(const struct sw_av1_codec *c, uint32_t surface)
{
    for (int d = 0; d < 8; d++)
        if (surface != VW_INVALID_ID && c->slot_surface[d] == surface)
            return d;
    return -1;
}

/* A dav1d slot a picture may refresh without losing a surface of ids[n]:
 * an empty one, else one holding none of them, else a second copy of one
 * (a shown key frame fills every slot); -1 if none. */
static int free_slot(const struct sw_av1_codec *c, const uint32_t *ids, uint32_t n)
{
    for (int d = 0; d < 8; d++)
        if (c->slot_surface[d] == VW_INVALID_ID)
            return d;
    for (int d = 0; d < 8; d++)
        if (!listed(ids, n, c->slot_surface[d]))
            return d;
    for (int d = 0; d < 8; d++)
        if (slot_of(c, c->slot_surface[d]) != d)
            return d;
    return -1;
}

/* The pictures that found no free slot, decoded again into one now that
 * `map` tells which surfaces stay referenced (those it does not name are
 * not decoded again: no later picture can read them). */
static int settle_pending(struct sw_av1_codec *c, const uint32_t map[8], struct vh_error *err)
{
    int st = VW_OK;
    for (uint32_t i = 0; i < c->num_pending && st == VW_OK; i++) {
        struct av1_pending *q = &c->pending[i];
        if (!listed(map, 8, q->surface))
            continue;
        int d = free_slot(c, map, 8);
        if (d < 0) {
            st = vh_error_set(err, VW_ERR_DECODE,
                              "sw: AV1: no reference slot left for surface %u", q->surface);
            break;
        }
        c->redecodes++;
        uint64_t t0 = now_ns();
        st = decode_one(c, &q->params, q->surface, (uint8_t)(1u << d), q->tile_group,
                        q->tile_group_size, NULL, err);
        c->redecode_ns += now_ns() - t0;
    }
    drop_pending(c);
    return st;
}

/* q: p with its references (VA's slots) turned into the dav1d slots that
 * hold their surfaces. */
static int map_references(const struct sw_av1_codec *c, const struct vw_av1_picture *p,
                          struct vw_av1_picture *q, struct vh_error *err)
{
    *q = *p;
    if (p->frame_type != VW_AV1_INTER_FRAME && p->frame_type != VW_AV1_SWITCH_FRAME)
        return VW_OK;
    for (int i = 0; i < 7; i++) {
        uint32_t k = p->ref_frame_idx[i], s = p->ref_frame_map[k];
        int d = slot_of(c, s);
        if (d < 0)
            return vh_error_set(err, VW_ERR_DECODE,
                                "sw: AV1 reference slot %u is surface %u, which the decoder "
                                "does not hold (a stream joined mid-way?)", k, s);
        q->ref_frame_idx[i] = (uint8_t)d;
    }
    return VW_OK;
}

/* Which dav1d slots the picture refreshes: all for a shown key frame or a
 * switch frame; else one that holds no surface a later picture may read
 * (those of its map; for a key frame, whose map FFmpeg leaves empty, those
 * of the last map and every picture since); 0 if there is none. */
static uint8_t choose_refresh(const struct sw_av1_codec *c, const struct vw_av1_picture *p)
{
    if (p->frame_type == VW_AV1_SWITCH_FRAME ||
        (p->frame_type == VW_AV1_KEY_FRAME && p->show_frame))
        return 0xff;
    uint32_t ids[8 + AV1_MAX_PENDING];
    uint32_t n = 8;
    if (p->frame_type == VW_AV1_KEY_FRAME) {
        memcpy(ids, c->map, sizeof(c->map));
        memcpy(ids + 8, c->since, c->num_since * sizeof(ids[0]));
        n += c->num_since;
    } else {
        memcpy(ids, p->ref_frame_map, sizeof(p->ref_frame_map));
    }
    int d = free_slot(c, ids, n);
    return d < 0 ? 0 : (uint8_t)(1u << d);
}

/* What the next pictures may reference, after the picture of `surface`. */
static void note_picture(struct sw_av1_codec *c, const struct vw_av1_picture *p, uint32_t surface)
{
    if (p->frame_type == VW_AV1_KEY_FRAME && p->show_frame) {
        for (int k = 0; k < 8; k++)
            c->map[k] = surface;
        c->num_since = 0;
    } else if (p->frame_type != VW_AV1_KEY_FRAME) {
        memcpy(c->map, p->ref_frame_map, sizeof(c->map));
        c->since[0] = surface;
        c->num_since = 1;
    } else {
        c->since[c->num_since++] = surface;
    }
}

static void release_picture(void *opaque, uint8_t *data)
{
    (void)data;
    Dav1dPicture *p = opaque;
    dav1d_picture_unref(p);
    free(p);
}

/* Stores dav1d's picture in the surface (sharing its pixels); takes the
 * picture (*pic is left empty). */
static int store_picture(struct vh_surface *surface, Dav1dPicture *pic,
                         const struct vh_picture *vp, struct vh_error *err)
{
    AVFrame *f = av_frame_alloc();
    Dav1dPicture *keep = calloc(1, sizeof(*keep));
    if (!f || !keep)
        goto oom;
    *keep = *pic;
    memset(pic, 0, sizeof(*pic));
    pic = keep;
    f->buf[0] = av_buffer_create(pic->data[0], (size_t)pic->stride[0] * (size_t)pic->p.h,
                                 release_picture, keep, AV_BUFFER_FLAG_READONLY);
    if (!f->buf[0]) {
        dav1d_picture_unref(keep);
        free(keep);
        av_frame_free(&f);
        return vh_error_set(err, VW_ERR_NO_MEMORY, "sw: out of memory for an AV1 picture");
    }
    f->format = pic->p.bpc == 8 ? AV_PIX_FMT_YUV420P : AV_PIX_FMT_YUV420P10LE;
    f->width = pic->p.w;
    f->height = pic->p.h;
    for (int i = 0; i < 3; i++) {
        f->data[i] = pic->data[i];
        f->linesize[i] = (int)pic->stride[i ? 1 : 0];
    }
    struct sw_shape shape;
    sw_picture_shape(vp, &shape);
    int st = sw_surface_set_frame(surface, f, &shape, err);
    av_frame_free(&f);
    return st;

oom:
    free(keep);
    av_frame_free(&f);
    return vh_error_set(err, VW_ERR_NO_MEMORY, "sw: out of memory for an AV1 picture");
}

/* The tile group OBU of the picture's slices (one a tile, in order). */
static int build_tile_group(const struct vh_picture *pic, uint8_t **out, size_t *size,
                            struct vh_error *err)
{
    const struct vw_av1_picture *p = pic->av1;
    uint32_t count = (uint32_t)p->tile_cols * p->tile_rows;
    if (pic->num_slices != count)
        return vh_error_set(err, VW_ERR_DECODE, "sw: AV1 picture of %u tiles has %u slices",
                            count, pic->num_slices);
    struct vh_av1_tile *tiles = calloc(count, sizeof(*tiles));
    if (!tiles)
        return vh_error_set(err, VW_ERR_NO_MEMORY, "sw: out of memory");
    for (uint32_t i = 0; i < count; i++) {
        const struct vw_av1_slice *s = pic->slices[i].av1;
        if ((uint32_t)s->tile_row * p->tile_cols + s->tile_column != i) {
            free(tiles);
            return vh_error_set(err, VW_ERR_DECODE,
                                "sw: AV1 slice %u is tile (%u, %u), not tile %u in raster order",
                                i, s->tile_row, s->tile_column, i);
        }
        tiles[i] = (struct vh_av1_tile){pic->slices[i].data, pic->slices[i].size};
    }
    *size = vh_av1_tile_group_size(tiles, count);
    *out = malloc(*size);
    if (!*out) {
        free(tiles);
        return vh_error_set(err, VW_ERR_NO_MEMORY, "sw: out of memory");
    }
    vh_av1_write_tile_group(tiles, count, *out);
    free(tiles);
    return VW_OK;
}

static int av1_decode(struct vh_codec *codec, const struct vh_picture *pic, struct vh_error *err)
{
    struct sw_av1_codec *c = to_codec(codec);
    const struct vw_av1_picture *p = pic->av1;
    bool key = p->frame_type == VW_AV1_KEY_FRAME;
    bool shown_key = key && p->show_frame;
    uint8_t *tile_group = NULL;
    size_t tile_group_size = 0;
    Dav1dPicture out = {0};
    int st = build_tile_group(pic, &tile_group, &tile_group_size, err);
    if (st != VW_OK)
        return st;

    /* A new sequence header makes dav1d forget its slots. */
    uint8_t seq[VH_AV1_SEQUENCE_HEADER_MAX];
    size_t seq_size = vh_av1_write_sequence_header(p, &c->seq, seq, sizeof(seq));
    if (!seq_size) {
        st = vh_error_set(err, VW_ERR_INTERNAL, "sw: AV1 sequence header does not fit");
        goto out;
    }
    if (seq_size != c->seq_size || memcmp(seq, c->seq_obu, seq_size) != 0) {
        drop_pending(c);
        forget_slots(c);
        if ((st = feed(c, seq, seq_size, NULL, 0, NULL, err)) != VW_OK)
            goto out;
        memcpy(c->seq_obu, seq, seq_size);
        c->seq_size = seq_size;
    }
    if (shown_key)
        drop_pending(c);            /* every slot is refreshed: the rest does not matter */
    else if (!key && (st = settle_pending(c, p->ref_frame_map, err)) != VW_OK)
        goto out;
    struct vw_av1_picture q;
    if ((st = map_references(c, p, &q, err)) != VW_OK)
        goto out;
    if (key && !shown_key && c->num_since == AV1_MAX_PENDING) {
        st = vh_error_set(err, VW_ERR_DECODE, "sw: AV1: %u hidden key frames in a row",
                          AV1_MAX_PENDING);
        goto out;
    }
    /* A slot naming the target surface is stale: the client reuses it. */
    for (int d = 0; d < 8; d++)
        if (c->slot_surface[d] == pic->target->id)
            c->slot_surface[d] = VW_INVALID_ID;
    uint8_t refresh = choose_refresh(c, p);
    if (!refresh && tile_group_size > c->pending_limit - c->pending_bytes) {
        st = vh_error_set(err, VW_ERR_LIMIT,
                          "sw: AV1: pictures waiting for a reference slot would keep more "
                          "than %zu bytes", c->pending_limit);
        goto out;
    }
    uint64_t t0 = now_ns();
    st = decode_one(c, &q, pic->target->id, refresh, tile_group, tile_group_size, &out, err);
    if (st != VW_OK)
        goto out;
    c->decode_ns += now_ns() - t0;
    c->pictures++;
    note_picture(c, p, pic->target->id);
    if (!refresh) {
        c->pending[c->num_pending++] = (struct av1_pending){
            .params = q,
            .surface = pic->target->id,
            .tile_group = tile_group,
            .tile_group_size = tile_group_size,
        };
        c->pending_bytes += tile_group_size;
        tile_group = NULL;
    }
    if (p->film_grain.apply_grain && pic->refs[8]) {
        Dav1dPicture grain = {0};
        int ret = dav1d_apply_grain(c->dav1d, &grain, &out);
        if (ret < 0)
            st = dav1d_status(ret, "film grain failed", err);
        else
            st = store_picture(pic->refs[8], &grain, pic, err);
        dav1d_picture_unref(&grain);
        if (st != VW_OK)
            goto out;
    }
    st = store_picture(pic->target, &out, pic, err);

out:
    dav1d_picture_unref(&out);
    free(tile_group);
    return st;
}

void sw_av1_settings(struct Dav1dSettings *s)
{
    dav1d_default_settings(s);
    s->n_threads = 1;
    s->max_frame_delay = 1;
    s->apply_grain = 0;
    s->output_invisible_frames = 1;
    s->all_layers = 0;
    s->logger.callback = NULL;
}

int sw_av1_codec_create(struct vh_engine *engine, const struct vh_codec_desc *desc,
                        struct vh_codec **out, struct vh_error *err)
{
    *out = NULL;
    struct sw_av1_codec *c = calloc(1, sizeof(*c));
    if (!c)
        return vh_error_set(err, VW_ERR_NO_MEMORY, "sw: out of memory");
    c->base.base.engine = engine;
    c->base.destroy = av1_codec_destroy;
    c->base.decode = av1_decode;
    /* The largest frame the front door lets through (session_decode.c). */
    uint32_t max_w = (desc->width + 15u) & ~15u, max_h = (desc->height + 31u) & ~31u;
    vh_av1_sequence_init(&c->seq, max_w, max_h);
    /* The data kept for pictures decoded again: at most one 10-bit picture's
     * bytes, which codec_rules.c charges the codec for. */
    c->pending_limit = (size_t)max_w * max_h * 3;
    forget_slots(c);
    Dav1dSettings s;
    sw_av1_settings(&s);
    /* The codec's memory was charged for its declared size. */
    s.frame_size_limit = max_w * max_h;
    int ret = dav1d_open(&c->dav1d, &s);
    if (ret < 0) {
        free(c);
        return dav1d_status(ret, "decoder creation failed", err);
    }
    *out = &c->base.base;
    return VW_OK;
}

bool sw_av1_available(void)
{
    return true;
}
