/*
 * The sw engine's surfaces in every protocol format (NV12, P010, 422H, 444P,
 * Y210, Y410), through the engine's vtable: a pattern written with
 * surface_write (PUT_IMAGE) reads back with surface_read (GET_IMAGE) sample
 * for sample in a layout of other pitches and plane order; rectangles at
 * offsets land where they should and touch nothing else; a never-written
 * surface and the part of a surface a decoded picture does not cover read
 * as black; a picture of lower depth is scaled up on read and written back
 * down; pictures of another chroma subsampling or a higher depth are
 * refused. Expected values come from a model of the surface kept here.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavutil/frame.h>
#include <libavutil/pixdesc.h>

#include "check.h"
#include "common/pixel_format.h"
#include "host/engine.h"
#include "host/engines/engines.h"
#include "host/engines/sw/sw_internal.h"

static const struct vh_engine_ops *ops = &vh_engine_sw;
static struct vh_engine *engine;

#define SURF_W 70u
#define SURF_H 38u
#define SENTINEL 0x5a

static const uint32_t fourccs[] = {
    VW_FOURCC_NV12, VW_FOURCC_P010, VW_FOURCC_422H,
    VW_FOURCC_444P, VW_FOURCC_Y210, VW_FOURCC_Y410, VW_FOURCC_YUY2,
};

/* ---- model: each component's samples at the format's depth ------------- */

struct model {
    const struct vc_pixel_format *pf;
    uint32_t w[3], h[3];
    uint32_t *v[3];
};

static void model_init(struct model *m, const struct vc_pixel_format *pf)
{
    m->pf = pf;
    for (unsigned c = 0; c < 3; c++) {
        vc_component_size(pf, c, SURF_W, SURF_H, &m->w[c], &m->h[c]);
        m->v[c] = malloc(sizeof(uint32_t) * m->w[c] * m->h[c]);
        for (uint32_t i = 0; i < m->w[c] * m->h[c]; i++)
            m->v[c][i] = vc_black(pf, c);
    }
}

static void model_free(struct model *m)
{
    for (unsigned c = 0; c < 3; c++)
        free(m->v[c]);
}

static uint32_t *model_at(struct model *m, unsigned c, uint32_t x, uint32_t y)
{
    return &m->v[c][(size_t)y * m->w[c] + x];
}

/* A pattern value of `depth` bits, different per component and seed. */
static uint32_t pattern(unsigned c, uint32_t x, uint32_t y, unsigned seed, unsigned depth)
{
    return (x * 7u + y * 13u + c * 71u + seed * 29u + (x * y) % 5u) & ((1u << depth) - 1u);
}

/* ---- images in a layout -------------------------------------------------- */

struct image {
    const struct vc_pixel_format *pf;
    struct vw_image_layout layout;
    uint8_t *data;
    size_t size;
    uint32_t w, h;
    uint64_t row_bytes[3];
    uint32_t rows[3];
};

/* An image of w x h in format pf: each plane's pitch is its row plus
 * `pad` bytes, planes in reverse order when `reverse`, and a gap between
 * planes; every byte starts as SENTINEL. */
static void image_init(struct image *im, const struct vc_pixel_format *pf, uint32_t w,
                       uint32_t h, uint32_t pad, bool reverse)
{
    memset(im, 0, sizeof(*im));
    im->pf = pf;
    im->w = w;
    im->h = h;
    im->layout.pixel_format = pf->fourcc;
    im->layout.num_planes = pf->num_planes;
    size_t off = 24;
    for (unsigned i = 0; i < pf->num_planes; i++) {
        unsigned p = reverse ? pf->num_planes - 1 - i : i;
        vc_plane_extent(pf, p, w, h, &im->row_bytes[p], &im->rows[p]);
        im->layout.pitches[p] = (uint32_t)im->row_bytes[p] + pad;
        im->layout.offsets[p] = (uint32_t)off;
        off += (size_t)im->layout.pitches[p] * im->rows[p] + 40;
    }
    im->size = off;
    im->data = malloc(im->size);
    memset(im->data, SENTINEL, im->size);
}

static uint8_t *image_row(const struct image *im, unsigned c, uint32_t y)
{
    unsigned p = im->pf->comp[c].plane;
    return im->data + im->layout.offsets[p] + (size_t)y * im->layout.pitches[p];
}

/* Fills the image with pattern(seed), Y410 rows initialised first. */
static void image_fill(struct image *im, const struct vc_pixel_format *pf, unsigned seed)
{
    for (unsigned p = 0; p < pf->num_planes; p++)
        for (uint32_t r = 0; r < im->rows[p]; r++)
            vc_row_init_packed(pf, im->data + im->layout.offsets[p] +
                                       (size_t)r * im->layout.pitches[p], im->w);
    for (unsigned c = 0; c < 3; c++) {
        uint32_t cw, ch;
        vc_component_size(pf, c, im->w, im->h, &cw, &ch);
        for (uint32_t y = 0; y < ch; y++)
            for (uint32_t x = 0; x < cw; x++)
                vc_sample_put(pf, c, image_row(im, c, y), x, pattern(c, x, y, seed, pf->depth));
    }
}

/* Bytes past each row and between planes are still SENTINEL. */
static int image_untouched_outside(const struct image *im)
{
    int bad = 0;
    const uint8_t *d = im->data;
    uint8_t *inside = calloc(1, im->size);
    for (unsigned p = 0; p < im->layout.num_planes; p++)
        for (uint32_t r = 0; r < im->rows[p]; r++)
            memset(inside + im->layout.offsets[p] + (size_t)r * im->layout.pitches[p], 1,
                   (size_t)im->row_bytes[p]);
    for (size_t i = 0; i < im->size; i++)
        if (!inside[i] && d[i] != SENTINEL)
            bad++;
    free(inside);
    return bad;
}

/* ---- engine helpers ------------------------------------------------------ */

static int surface_create(struct vh_surface *s, const struct vc_pixel_format *pf, uint32_t id)
{
    memset(s, 0, sizeof(*s));
    s->id = id;
    s->width = SURF_W;
    s->height = SURF_H;
    s->rt_format = pf->rt_format;
    s->pixel_format = pf->fourcc;
    struct vh_error err = {0};
    return ops->surface_init(engine, s, &err);
}

static int read_rect(struct vh_surface *s, struct image *im, uint32_t x, uint32_t y)
{
    struct vh_error err = {0};
    struct vh_rect rect = {x, y, im->w, im->h};
    int st = ops->surface_read(engine, s, &rect, &im->layout, im->data, &err);
    if (st)
        fprintf(stderr, "  read: %s\n", err.message);
    return st;
}

static int write_rect(struct vh_surface *s, const struct image *im, uint32_t sx, uint32_t sy,
                      uint32_t w, uint32_t h, uint32_t dx, uint32_t dy)
{
    struct vh_error err = {0};
    struct vh_rect src = {sx, sy, w, h};
    int st = ops->surface_write(engine, s, &src, dx, dy, &im->layout, im->data, &err);
    if (st)
        fprintf(stderr, "  write: %s\n", err.message);
    return st;
}

/* Applies a write of image `im` (filled with pattern(seed)) to the model. */
static void model_write(struct model *m, unsigned seed, uint32_t sx, uint32_t sy, uint32_t w,
                        uint32_t h, uint32_t dx, uint32_t dy, unsigned frame_depth)
{
    const struct vc_pixel_format *pf = m->pf;
    unsigned lost = pf->depth - frame_depth;
    for (unsigned c = 0; c < 3; c++) {
        uint32_t cw, ch, lw = c ? pf->log2_chroma_w : 0, lh = c ? pf->log2_chroma_h : 0;
        vc_component_size(pf, c, w, h, &cw, &ch);
        for (uint32_t y = 0; y < ch; y++)
            for (uint32_t x = 0; x < cw; x++)
                *model_at(m, c, (dx >> lw) + x, (dy >> lh) + y) =
                    pattern(c, (sx >> lw) + x, (sy >> lh) + y, seed, pf->depth) >> lost << lost;
    }
}

/* Reads rectangle (x, y, w, h) into a fresh layout and compares every
 * sample with the model; returns the number of mismatches. */
static int compare_read(struct vh_surface *s, struct model *m, uint32_t x, uint32_t y, uint32_t w,
                        uint32_t h, uint32_t pad, bool reverse)
{
    const struct vc_pixel_format *pf = m->pf;
    struct image im;
    image_init(&im, pf, w, h, pad, reverse);
    int bad = 0;
    CHECK_EQ(read_rect(s, &im, x, y), VW_OK);
    for (unsigned c = 0; c < 3; c++) {
        uint32_t cw, ch, lw = c ? pf->log2_chroma_w : 0, lh = c ? pf->log2_chroma_h : 0;
        vc_component_size(pf, c, w, h, &cw, &ch);
        for (uint32_t yy = 0; yy < ch; yy++)
            for (uint32_t xx = 0; xx < cw; xx++) {
                uint32_t got = vc_sample_get(pf, c, image_row(&im, c, yy), xx);
                uint32_t want = *model_at(m, c, (x >> lw) + xx, (y >> lh) + yy);
                if (got != want && bad++ < 3)
                    fprintf(stderr, "  %s c%u (%u,%u) of rect %u,%u %ux%u: got %u want %u\n",
                            pf->name, c, xx, yy, x, y, w, h, got, want);
            }
    }
    /* Y410: alpha opaque (3) in every pixel read. */
    if (pf->container == 4)
        for (uint32_t yy = 0; yy < h; yy++)
            for (uint32_t xx = 0; xx < w; xx++)
                if ((image_row(&im, 0, yy)[4 * xx + 3] >> 6) != 3 && bad++ < 3)
                    fprintf(stderr, "  Y410 alpha not 3 at %u,%u\n", xx, yy);
    int outside = image_untouched_outside(&im);
    if (outside)
        fprintf(stderr, "  %s: read wrote %d bytes outside its rows\n", pf->name, outside);
    free(im.data);
    return bad + outside;
}

/* A libavcodec frame of format `av`, w x h, filled with pattern(seed) at
 * its own depth. */
static AVFrame *make_frame(enum AVPixelFormat av, int w, int h, unsigned seed)
{
    const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(av);
    AVFrame *f = av_frame_alloc();
    f->format = av;
    f->width = w;
    f->height = h;
    if (av_frame_get_buffer(f, 0) < 0) {
        av_frame_free(&f);
        return NULL;
    }
    unsigned depth = d->comp[0].depth;
    for (unsigned c = 0; c < d->nb_components; c++) {
        int cw = c ? -((-w) >> d->log2_chroma_w) : w;
        int ch = c ? -((-h) >> d->log2_chroma_h) : h;
        for (int y = 0; y < ch; y++) {
            uint8_t *row = f->data[c] + (size_t)y * f->linesize[c];
            for (int x = 0; x < cw; x++) {
                uint32_t v = pattern(c, (uint32_t)x, (uint32_t)y, seed, depth);
                if (depth > 8) {
                    row[2 * x] = (uint8_t)v;
                    row[2 * x + 1] = (uint8_t)(v >> 8);
                } else {
                    row[x] = (uint8_t)v;
                }
            }
        }
    }
    return f;
}

/* The model after the surface took frame f (pattern(seed), frame depth):
 * the frame's area scaled up, the rest black. */
static void model_from_frame(struct model *m, const AVFrame *f, unsigned seed, unsigned depth)
{
    const struct vc_pixel_format *pf = m->pf;
    for (unsigned c = 0; c < 3; c++) {
        uint32_t fw, fh;
        vc_component_size(pf, c, (uint32_t)f->width, (uint32_t)f->height, &fw, &fh);
        for (uint32_t y = 0; y < m->h[c]; y++)
            for (uint32_t x = 0; x < m->w[c]; x++)
                *model_at(m, c, x, y) = x < fw && y < fh
                                            ? pattern(c, x, y, seed, depth) << (pf->depth - depth)
                                            : vc_black(pf, c);
    }
}

/* libavcodec's planar format of a chroma subsampling and depth. */
static enum AVPixelFormat av_format(unsigned log2_w, unsigned log2_h, unsigned depth)
{
    if (depth == 8)
        return log2_h ? AV_PIX_FMT_YUV420P : log2_w ? AV_PIX_FMT_YUV422P : AV_PIX_FMT_YUV444P;
    return log2_h ? AV_PIX_FMT_YUV420P10LE
                  : log2_w ? AV_PIX_FMT_YUV422P10LE : AV_PIX_FMT_YUV444P10LE;
}

/* ---- tests ------------------------------------------------------------- */

/* A never-written surface reads as black, at any rectangle. */
static void test_black(const struct vc_pixel_format *pf)
{
    struct vh_surface s;
    CHECK_EQ(surface_create(&s, pf, 1), VW_OK);
    struct model m;
    model_init(&m, pf);
    CHECK_EQ(compare_read(&s, &m, 0, 0, SURF_W, SURF_H, 0, false), 0);
    CHECK_EQ(compare_read(&s, &m, 2 * vc_pixel_format_align_x(pf), 2 * vc_pixel_format_align_y(pf),
                          4 * vc_pixel_format_align_x(pf), 6 * vc_pixel_format_align_y(pf), 9,
                          true),
             0);
    model_free(&m);
    ops->surface_fini(engine, &s);
}

/* Full-surface PUT, then GET of the whole surface and of rectangles at
 * offsets, into layouts of other pitches and plane orders. Then PUTs of
 * rectangles from offsets of the image to offsets of the surface. */
static void test_round_trip(const struct vc_pixel_format *pf)
{
    uint32_t ax = vc_pixel_format_align_x(pf), ay = vc_pixel_format_align_y(pf);
    struct vh_surface s;
    CHECK_EQ(surface_create(&s, pf, 2), VW_OK);
    struct model m;
    model_init(&m, pf);

    struct image put;
    image_init(&put, pf, SURF_W, SURF_H, 12, false);
    image_fill(&put, pf, 1);
    CHECK_EQ(write_rect(&s, &put, 0, 0, SURF_W, SURF_H, 0, 0), VW_OK);
    model_write(&m, 1, 0, 0, SURF_W, SURF_H, 0, 0, pf->depth);
    CHECK_EQ(compare_read(&s, &m, 0, 0, SURF_W, SURF_H, 0, false), 0);
    CHECK_EQ(compare_read(&s, &m, 0, 0, SURF_W, SURF_H, 33, true), 0);
    /* Rectangles at odd offsets where the format allows (4:4:4). */
    uint32_t ox = ax == 1 ? 3 : 4, oy = ay == 1 ? 5 : 6;
    CHECK_EQ(compare_read(&s, &m, ox, oy, 10 * ax + (ax == 1), 4 * ay + (ay == 1), 7, true), 0);
    CHECK_EQ(compare_read(&s, &m, SURF_W - 2 * ax, SURF_H - 2 * ay, 2 * ax, 2 * ay, 1, false), 0);
    free(put.data);

    /* A 20x12 piece of another image, from (6, 4) of it to (ox, oy) of the
     * surface: nothing else changes. */
    struct image piece;
    image_init(&piece, pf, 40, 24, 5, true);
    image_fill(&piece, pf, 2);
    CHECK_EQ(write_rect(&s, &piece, 6, 4, 20, 12, ox, oy), VW_OK);
    model_write(&m, 2, 6, 4, 20, 12, ox, oy, pf->depth);
    CHECK_EQ(compare_read(&s, &m, 0, 0, SURF_W, SURF_H, 3, false), 0);
    /* And at the bottom-right corner. */
    CHECK_EQ(write_rect(&s, &piece, 0, 0, 8, 4, SURF_W - 8, SURF_H - 4), VW_OK);
    model_write(&m, 2, 0, 0, 8, 4, SURF_W - 8, SURF_H - 4, pf->depth);
    CHECK_EQ(compare_read(&s, &m, 0, 0, SURF_W, SURF_H, 0, true), 0);
    free(piece.data);

    /* The layout must be the surface's format. */
    const struct vc_pixel_format *other =
        vc_pixel_format_get(pf->fourcc == VW_FOURCC_NV12 ? VW_FOURCC_444P : VW_FOURCC_NV12);
    struct image wrong;
    image_init(&wrong, other, 16, 16, 0, false);
    struct vh_error err = {0};
    struct vh_rect rect = {0, 0, 16, 16};
    CHECK_EQ(ops->surface_read(engine, &s, &rect, &wrong.layout, wrong.data, &err),
             VW_ERR_UNSUPPORTED_FORMAT);
    CHECK_EQ(ops->surface_write(engine, &s, &rect, 0, 0, &wrong.layout, wrong.data, &err),
             VW_ERR_UNSUPPORTED_FORMAT);
    free(wrong.data);

    model_free(&m);
    ops->surface_fini(engine, &s);
}

/* A decoded picture smaller than the surface: the rest reads black; a PUT
 * then makes a private copy without changing the shared picture. */
static void test_small_frame(const struct vc_pixel_format *pf)
{
    struct vh_surface s;
    CHECK_EQ(surface_create(&s, pf, 3), VW_OK);
    struct model m;
    model_init(&m, pf);
    AVFrame *f = make_frame(av_format(pf->log2_chroma_w, pf->log2_chroma_h, pf->depth), 32, 18, 3);
    CHECK(f != NULL);
    struct vh_error err = {0};
    CHECK_EQ(sw_surface_set_frame(&s, f, NULL, &err), VW_OK);
    model_from_frame(&m, f, 3, pf->depth);
    CHECK_EQ(compare_read(&s, &m, 0, 0, SURF_W, SURF_H, 4, false), 0);

    AVFrame *keep = av_frame_clone(f);
    struct image piece;
    image_init(&piece, pf, 16, 8, 0, false);
    image_fill(&piece, pf, 4);
    CHECK_EQ(write_rect(&s, &piece, 0, 0, 16, 8, 24, 14), VW_OK);
    model_write(&m, 4, 0, 0, 16, 8, 24, 14, pf->depth);
    CHECK_EQ(compare_read(&s, &m, 0, 0, SURF_W, SURF_H, 4, true), 0);
    /* The shared picture was not written into. */
    struct model orig;
    model_init(&orig, pf);
    CHECK_EQ(sw_surface_set_frame(&s, keep, NULL, &err), VW_OK);
    model_from_frame(&orig, keep, 3, pf->depth);
    CHECK_EQ(compare_read(&s, &orig, 0, 0, SURF_W, SURF_H, 0, false), 0);
    model_free(&orig);
    free(piece.data);
    av_frame_free(&keep);
    av_frame_free(&f);
    model_free(&m);
    ops->surface_fini(engine, &s);
}

/* 10-bit formats holding an 8-bit picture (an 8-bit 4:2:2 stream in a
 * Y210 surface): read scaled up (<< 2), a PUT keeps 8 bits (>> 2). */
static void test_lower_depth(const struct vc_pixel_format *pf)
{
    if (pf->depth == 8)
        return;
    struct vh_surface s;
    CHECK_EQ(surface_create(&s, pf, 4), VW_OK);
    struct model m;
    model_init(&m, pf);
    AVFrame *f = make_frame(av_format(pf->log2_chroma_w, pf->log2_chroma_h, 8), SURF_W, SURF_H, 5);
    struct vh_error err = {0};
    CHECK_EQ(sw_surface_set_frame(&s, f, NULL, &err), VW_OK);
    model_from_frame(&m, f, 5, 8);
    CHECK_EQ(compare_read(&s, &m, 0, 0, SURF_W, SURF_H, 0, false), 0);
    struct image piece;
    image_init(&piece, pf, 20, 10, 2, false);
    image_fill(&piece, pf, 6);
    CHECK_EQ(write_rect(&s, &piece, 0, 0, 20, 10, 10, 8), VW_OK);
    model_write(&m, 6, 0, 0, 20, 10, 10, 8, 8);
    CHECK_EQ(compare_read(&s, &m, 0, 0, SURF_W, SURF_H, 6, true), 0);
    free(piece.data);
    av_frame_free(&f);
    model_free(&m);
    ops->surface_fini(engine, &s);
}

/* Pictures the surface cannot hold: another chroma subsampling, or more
 * bits. Refused when given (decode) and, if one got in anyway, on GET and
 * PUT, with VW_ERR_INTERNAL and a message. */
static void test_mismatch(const struct vc_pixel_format *pf)
{
    struct vh_surface s;
    CHECK_EQ(surface_create(&s, pf, 5), VW_OK);
    enum AVPixelFormat bad[2] = {
        av_format(pf->log2_chroma_h ? 0 : 1, pf->log2_chroma_h ? 0 : 1, 8),
        pf->depth == 8 ? av_format(pf->log2_chroma_w, pf->log2_chroma_h, 10) : AV_PIX_FMT_GRAY8,
    };
    for (unsigned i = 0; i < 2; i++) {
        AVFrame *f = make_frame(bad[i], SURF_W, SURF_H, 7);
        CHECK(f != NULL);
        if (!f)
            continue;
        struct vh_error err = {0};
        CHECK_EQ(sw_surface_set_frame(&s, f, NULL, &err), VW_ERR_INTERNAL);
        CHECK(strstr(err.message, "sw: surface 5") != NULL);
        /* Straight into the surface, as a bug elsewhere might. */
        struct sw_surface *sw = sw_surface_get(&s);
        av_frame_unref(sw->frame);
        CHECK(av_frame_ref(sw->frame, f) == 0);
        struct image im;
        image_init(&im, pf, 8, 8, 0, false);
        struct vh_rect rect = {0, 0, 8, 8};
        memset(&err, 0, sizeof(err));
        CHECK_EQ(ops->surface_read(engine, &s, &rect, &im.layout, im.data, &err),
                 VW_ERR_INTERNAL);
        CHECK(err.message[0] != '\0');
        CHECK_EQ(ops->surface_write(engine, &s, &rect, 0, 0, &im.layout, im.data, &err),
                 VW_ERR_INTERNAL);
        av_frame_unref(sw->frame);
        free(im.data);
        av_frame_free(&f);
    }
    ops->surface_fini(engine, &s);
}

/* The bytes of two formats written out literally: catches an engine and
 * a table that agree on something wrong. */
static void test_literal_bytes(void)
{
    const struct vc_pixel_format *nv12 = vc_pixel_format_get(VW_FOURCC_NV12);
    const struct vc_pixel_format *y410 = vc_pixel_format_get(VW_FOURCC_Y410);
    struct vh_surface s;
    struct vh_error err = {0};

    CHECK_EQ(surface_create(&s, nv12, 6), VW_OK);
    AVFrame *f = make_frame(AV_PIX_FMT_YUV420P, 4, 2, 0);
    f->data[0][1] = 0x11;
    f->data[1][1] = 0x22;
    f->data[2][1] = 0x33;
    CHECK_EQ(sw_surface_set_frame(&s, f, NULL, &err), VW_OK);
    struct image im;
    image_init(&im, nv12, 4, 2, 0, false);
    CHECK_EQ(read_rect(&s, &im, 0, 0), VW_OK);
    CHECK_EQ(im.data[im.layout.offsets[0] + 1], 0x11);
    CHECK_EQ(im.data[im.layout.offsets[1] + 2], 0x22);   /* Cb Cr interleaved */
    CHECK_EQ(im.data[im.layout.offsets[1] + 3], 0x33);
    free(im.data);
    av_frame_free(&f);
    ops->surface_fini(engine, &s);

    CHECK_EQ(surface_create(&s, y410, 7), VW_OK);
    f = make_frame(AV_PIX_FMT_YUV444P10LE, 2, 1, 0);
    uint16_t *yp = (uint16_t *)f->data[0], *up = (uint16_t *)f->data[1], *vp = (uint16_t *)f->data[2];
    yp[1] = 0x3ff;
    up[1] = 0x001;
    vp[1] = 0x200;
    CHECK_EQ(sw_surface_set_frame(&s, f, NULL, &err), VW_OK);
    image_init(&im, y410, 2, 1, 0, false);
    CHECK_EQ(read_rect(&s, &im, 0, 0), VW_OK);
    const uint8_t *p = im.data + im.layout.offsets[0] + 4;
    uint32_t word = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                    (uint32_t)p[3] << 24;
    CHECK_EQ(word, 0x001u | 0x3ffu << 10 | 0x200u << 20 | 3u << 30);
    free(im.data);
    av_frame_free(&f);
    ops->surface_fini(engine, &s);
}

/* Images of another format of the same chroma format and depth (YUY2 for
 * a 422H surface, and back) move the samples unchanged; a format of other
 * sampling is refused. */
static int compare_images(const struct image *a, const struct image *b)
{
    int bad = 0;
    for (unsigned c = 0; c < 3; c++) {
        uint32_t cw, ch;
        vc_component_size(a->pf, c, a->w, a->h, &cw, &ch);
        for (uint32_t y = 0; y < ch; y++)
            for (uint32_t x = 0; x < cw; x++)
                bad += vc_sample_get(a->pf, c, image_row(a, c, y), x) !=
                       vc_sample_get(b->pf, c, image_row(b, c, y), x);
    }
    return bad;
}

static void test_repack(void)
{
    const struct vc_pixel_format *h422 = vc_pixel_format_get(VW_FOURCC_422H);
    const struct vc_pixel_format *yuy2 = vc_pixel_format_get(VW_FOURCC_YUY2);
    struct vh_surface s;
    CHECK_EQ(surface_create(&s, h422, 20), VW_OK);
    struct image planar, packed, back;
    image_init(&planar, h422, SURF_W, SURF_H, 3, false);
    image_fill(&planar, h422, 7);
    image_init(&packed, yuy2, SURF_W, SURF_H, 5, false);
    CHECK_EQ(write_rect(&s, &planar, 0, 0, SURF_W, SURF_H, 0, 0), VW_OK);
    CHECK_EQ(read_rect(&s, &packed, 0, 0), VW_OK);
    CHECK_EQ(compare_images(&planar, &packed), 0);
    /* And YUY2 in, 422H out. */
    image_fill(&packed, yuy2, 9);
    CHECK_EQ(write_rect(&s, &packed, 0, 0, SURF_W, SURF_H, 0, 0), VW_OK);
    image_init(&back, h422, SURF_W, SURF_H, 0, true);
    CHECK_EQ(read_rect(&s, &back, 0, 0), VW_OK);
    CHECK_EQ(compare_images(&packed, &back), 0);
    ops->surface_fini(engine, &s);

    struct vh_surface s444;
    CHECK_EQ(surface_create(&s444, vc_pixel_format_get(VW_FOURCC_444P), 21), VW_OK);
    CHECK_EQ(read_rect(&s444, &packed, 0, 0), VW_ERR_UNSUPPORTED_FORMAT);
    ops->surface_fini(engine, &s444);
    free(planar.data);
    free(packed.data);
    free(back.data);
}

/* surface_init takes exactly the table's rt_format/FOURCC pairs. */
static void test_init(void)
{
    struct vh_surface s;
    for (size_t i = 0; i < sizeof(fourccs) / sizeof(fourccs[0]); i++) {
        const struct vc_pixel_format *pf = vc_pixel_format_get(fourccs[i]);
        CHECK(pf != NULL);
        CHECK_EQ(surface_create(&s, pf, 8), VW_OK);
        ops->surface_fini(engine, &s);
    }
    struct vc_pixel_format fake = *vc_pixel_format_get(VW_FOURCC_NV12);
    fake.rt_format = VW_RT_YUV422;
    CHECK_EQ(surface_create(&s, &fake, 9), VW_ERR_UNSUPPORTED_FORMAT);
    fake.fourcc = VW_FOURCC('U', 'Y', 'V', 'Y'); /* not in the table */
    CHECK_EQ(surface_create(&s, &fake, 10), VW_ERR_UNSUPPORTED_FORMAT);
}

int main(void)
{
    struct vh_error err = {0};
    CHECK_EQ(ops->create(&engine, &err), VW_OK);
    if (!engine)
        return check_finish("test_sw_surface");
    test_init();
    for (size_t i = 0; i < sizeof(fourccs) / sizeof(fourccs[0]); i++) {
        const struct vc_pixel_format *pf = vc_pixel_format_get(fourccs[i]);
        int before = check_failures;
        test_black(pf);
        test_round_trip(pf);
        test_small_frame(pf);
        test_lower_depth(pf);
        test_mismatch(pf);
        printf("%s: %s\n", pf->name, check_failures == before ? "ok" : "FAILED");
    }
    test_literal_bytes();
    test_repack();
    ops->destroy(&engine);
    return check_finish("test_sw_surface");
}
