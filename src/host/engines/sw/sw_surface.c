/* Surfaces: an AVFrame reference each, read (GET_IMAGE) and written
 * (PUT_IMAGE) in the surface's FOURCC layout as common/pixel_format.c
 * describes it: NV12, P010, 422H, 444P, Y210, Y410, and the RGB32 outputs
 * of video processing (BGRA, RGBA, BGRX, RGBX), whose frames are packed in
 * the FOURCC's own byte order. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavutil/frame.h>
#include <libavutil/imgutils.h>
#include <libavutil/pixdesc.h>
#include <libavutil/pixfmt.h>

#include "common/pixel_format.h"
#include "host/engines/sw/sw_internal.h"

/* The pictures a surface can hold: libavcodec's planar YUV, a sample a byte
 * (8 bits) or the low bits of a little-endian 16-bit word (10 bits); plane
 * i of the frame is component i (Y, Cb, Cr). Decoders give the yuvj
 * formats for full-range streams (JPEG, some H.264): the same layout, and a
 * VA surface holds the samples as decoded. For each chroma format and
 * depth the first entry is the one private frames are made in. RGB
 * surfaces hold libswscale's packed RGB of their FOURCC's byte order
 * (swscale writes it directly: a planar RGB frame repacked on read
 * rounds differently from what FFmpeg's software filters give). */
struct frame_format {
    enum AVPixelFormat av;
    uint8_t depth;
    uint8_t log2_chroma_w;
    uint8_t log2_chroma_h;
    uint32_t rgb_fourcc;          /* the RGB32 surface FOURCC it is; 0: planar YUV */
};

static const struct frame_format frame_formats[] = {
    {AV_PIX_FMT_YUV420P, 8, 1, 1},      {AV_PIX_FMT_YUVJ420P, 8, 1, 1},
    {AV_PIX_FMT_YUV422P, 8, 1, 0},      {AV_PIX_FMT_YUVJ422P, 8, 1, 0},
    {AV_PIX_FMT_YUV444P, 8, 0, 0},      {AV_PIX_FMT_YUVJ444P, 8, 0, 0},
    {AV_PIX_FMT_YUV420P10LE, 10, 1, 1}, {AV_PIX_FMT_YUV422P10LE, 10, 1, 0},
    {AV_PIX_FMT_YUV444P10LE, 10, 0, 0},
    {AV_PIX_FMT_BGRA, 8, 0, 0, VW_FOURCC_BGRA}, {AV_PIX_FMT_RGBA, 8, 0, 0, VW_FOURCC_RGBA},
    {AV_PIX_FMT_BGR0, 8, 0, 0, VW_FOURCC_BGRX}, {AV_PIX_FMT_RGB0, 8, 0, 0, VW_FOURCC_RGBX},
};

#define NUM_FRAME_FORMATS (sizeof(frame_formats) / sizeof(frame_formats[0]))

static const struct frame_format *frame_format_of(int av)
{
    for (size_t i = 0; i < NUM_FRAME_FORMATS; i++)
        if ((int)frame_formats[i].av == av)
            return &frame_formats[i];
    return NULL;
}

/* The format a private frame of a surface of format `pf` is made in. */
static const struct frame_format *frame_format_native(const struct vc_pixel_format *pf)
{
    uint32_t rgb = vc_pixel_format_is_rgb(pf) ? pf->fourcc : 0;
    for (size_t i = 0; i < NUM_FRAME_FORMATS; i++)
        if (frame_formats[i].rgb_fourcc == rgb && frame_formats[i].depth == pf->depth &&
            frame_formats[i].log2_chroma_w == pf->log2_chroma_w &&
            frame_formats[i].log2_chroma_h == pf->log2_chroma_h)
            return &frame_formats[i];
    return NULL;
}

static unsigned sample_bytes(const struct frame_format *ff)
{
    return ff->depth > 8 ? 2u : 1u;
}

static const char *chroma_name(unsigned log2_w, unsigned log2_h)
{
    return log2_h ? (log2_w ? "4:2:0" : "4:4:0") : (log2_w ? "4:2:2" : "4:4:4");
}

/* The frame's format if the surface can hold it: the same chroma
 * subsampling (samples cannot be invented or dropped) and at most the
 * surface's depth (a lower one, e.g. an 8-bit 4:2:2 HEVC stream decoded
 * into a Y210 surface, is scaled up on read). NULL with err set if not. */
static const struct frame_format *frame_check(struct vh_surface *surface, const AVFrame *f,
                                              struct vh_error *err)
{
    const struct vc_pixel_format *pf = sw_surface_get(surface)->format;
    const struct frame_format *ff = frame_format_of(f->format);
    const char *av_name = av_get_pix_fmt_name(f->format);
    if (!ff) {
        vh_error_set(err, VW_ERR_INTERNAL,
                     "sw: surface %u (%s) given a %s picture, not planar YUV 4:2:0/4:2:2/4:4:4 "
                     "of 8 or 10 bits", surface->id, pf->name, av_name ? av_name : "?");
        return NULL;
    }
    if (ff->rgb_fourcc != (vc_pixel_format_is_rgb(pf) ? pf->fourcc : 0)) {
        vh_error_set(err, VW_ERR_INTERNAL, "sw: surface %u (%s) given a %s picture",
                     surface->id, pf->name, av_name);
        return NULL;
    }
    if (ff->log2_chroma_w != pf->log2_chroma_w || ff->log2_chroma_h != pf->log2_chroma_h) {
        vh_error_set(err, VW_ERR_INTERNAL,
                     "sw: surface %u (%s, %s) given a %s picture (%s): chroma subsampling differs",
                     surface->id, pf->name, chroma_name(pf->log2_chroma_w, pf->log2_chroma_h),
                     av_name, chroma_name(ff->log2_chroma_w, ff->log2_chroma_h));
        return NULL;
    }
    if (ff->depth > pf->depth) {
        vh_error_set(err, VW_ERR_INTERNAL,
                     "sw: surface %u (%s, %u-bit) given a %u-bit %s picture", surface->id,
                     pf->name, pf->depth, ff->depth, av_name);
        return NULL;
    }
    return ff;
}

static void put_le16(uint8_t *d, uint16_t v)
{
    d[0] = (uint8_t)v;
    d[1] = (uint8_t)(v >> 8);
}

static uint32_t get_le16(const uint8_t *s)
{
    return (uint32_t)(s[0] | (s[1] << 8));
}

static uint32_t min_u32(uint32_t a, uint32_t b)
{
    return a < b ? a : b;
}

int sw_surface_init(struct vh_engine *engine, struct vh_surface *surface,
                    struct vh_error *err)
{
    surface->engine_data = NULL;
    const struct vc_pixel_format *pf = vc_pixel_format_get(surface->pixel_format);
    if (!pf || pf->rt_format != surface->rt_format)
        return vh_error_set(err, VW_ERR_UNSUPPORTED_FORMAT,
                            "sw: surface format 0x%x/0x%08x not supported (a VW_RT_* format with "
                            "its FOURCC: NV12, P010, 422H, 444P, Y210, Y410, BGRA/RGBA/BGRX/RGBX)",
                            surface->rt_format, surface->pixel_format);
    uint32_t max_w, max_h;
    sw_max_size(&max_w, &max_h);
    if (surface->width == 0 || surface->height == 0 || surface->width > max_w ||
        surface->height > max_h)
        return vh_error_set(err, VW_ERR_RESOLUTION, "sw: surface %ux%u outside 1x1..%ux%u",
                            surface->width, surface->height, max_w, max_h);

    struct sw_surface *s = calloc(1, sizeof(*s));
    if (!s)
        goto err_alloc;
    s->frame = av_frame_alloc();
    if (!s->frame)
        goto err_frame;
    s->format = pf;
    surface->engine_data = s;
    return VW_OK;

err_frame:
    free(s);
err_alloc:
    return vh_error_set(err, VW_ERR_NO_MEMORY, "sw: out of memory");
}

void sw_surface_fini(struct vh_engine *engine, struct vh_surface *surface)
{
    struct sw_surface *s = surface ? sw_surface_get(surface) : NULL;
    if (!s)
        return;
    av_frame_free(&s->frame);
    free(s);
    surface->engine_data = NULL;
}

/* VW_OK if `f` is exactly `want`; else err set (VW_ERR_DECODE). */
static int shape_check(struct vh_surface *surface, const AVFrame *f,
                       const struct sw_shape *want, struct vh_error *err)
{
    const struct frame_format *ff = frame_format_of(f->format);
    struct sw_shape have = {.width = (uint32_t)f->width, .height = (uint32_t)f->height};
    if (ff) {
        have.depth = ff->depth;
        have.log2_chroma_w = ff->log2_chroma_w;
        have.log2_chroma_h = ff->log2_chroma_h;
    }
    if (ff && have.width == want->width && have.height == want->height &&
        have.depth == want->depth && have.log2_chroma_w == want->log2_chroma_w &&
        have.log2_chroma_h == want->log2_chroma_h)
        return VW_OK;
    char a[SW_SHAPE_STRING_MAX], b[SW_SHAPE_STRING_MAX];
    if (ff)
        sw_shape_string(&have, a);
    else
        snprintf(a, sizeof(a), "%ux%u", have.width, have.height);
    const char *av_name = av_get_pix_fmt_name(f->format);
    return vh_error_set(err, VW_ERR_DECODE,
                        "sw: the bitstream decoded to a %s picture (%s), the picture "
                        "parameters say %s: not stored in surface %u",
                        a, av_name ? av_name : "?", sw_shape_string(want, b), surface->id);
}

int sw_surface_set_frame(struct vh_surface *surface, const AVFrame *frame,
                         const struct sw_shape *shape, struct vh_error *err)
{
    struct sw_surface *s = sw_surface_get(surface);
    /* A picture that is not what its parameters say (the bitstream
     * disagreed with them where the front door could not see it) would
     * overrun what the surface and the codec were checked and charged
     * for: the decode fails instead. */
    if (shape && shape_check(surface, frame, shape, err) != VW_OK)
        return err->status;
    if (s->frame == frame)
        return VW_OK;
    /* Refused here, the decode fails with the reason, rather than every
     * later GET_IMAGE of the surface. */
    if (!frame_check(surface, frame, err))
        return err->status;
    av_frame_unref(s->frame);
    if (av_frame_ref(s->frame, frame) < 0)
        return vh_error_set(err, VW_ERR_NO_MEMORY, "sw: out of memory referencing a picture");
    return VW_OK;
}

/* A rectangle of the picture in samples of one component: pixel
 * rectangles are aligned to the chroma subsampling (checked by the core),
 * so chroma starts at x >> log2_chroma_w. */
struct span {
    uint32_t x, y, w, h;
};

static struct span component_span(const struct vc_pixel_format *pf, unsigned c, uint32_t x,
                                  uint32_t y, uint32_t w, uint32_t h)
{
    struct span s;
    vc_component_size(pf, c, w, h, &s.w, &s.h);
    s.x = c ? x >> pf->log2_chroma_w : x;
    s.y = c ? y >> pf->log2_chroma_h : y;
    return s;
}

/* One row of component c of an image: `n` samples from a frame row (`src`,
 * `src_bytes` a sample, scaled up `up` bits to the format's depth), then
 * black up to `w`. `row` is the row's start in the component's plane. */
static void read_row(const struct vc_pixel_format *pf, unsigned c, uint8_t *row,
                     const uint8_t *src, unsigned src_bytes, unsigned up, uint32_t n,
                     uint32_t w)
{
    const struct vc_component *k = &pf->comp[c];
    const uint32_t black = vc_black(pf, c);
    const size_t step = k->step;
    uint8_t *d = row + k->offset;
    if (pf->container == 1) {
        /* 8-bit frames in NV12, 422H, 444P: the 1080p60 hot path. */
        if (step == 1) {
            if (n)
                memcpy(d, src, n);
            memset(d + n, (int)black, w - n);
            return;
        }
        for (size_t i = 0; i < n; i++)
            d[i * step] = src[i];
        for (size_t i = n; i < w; i++)
            d[i * step] = (uint8_t)black;
        return;
    }
    if (pf->container == 2) {
        /* P010, Y210: value << shift in a 16-bit word. */
        const unsigned shift = k->shift, shift_up = k->shift + up;
        if (src_bytes == 1)
            for (size_t i = 0; i < n; i++)
                put_le16(d + i * step, (uint32_t)src[i] << shift_up);
        else if (step == 2)               /* P010 luma: a constant stride vectorises */
            for (size_t i = 0; i < n; i++)
                put_le16(d + 2 * i, get_le16(src + 2 * i) << shift_up);
        else
            for (size_t i = 0; i < n; i++)
                put_le16(d + i * step, get_le16(src + 2 * i) << shift_up);
        for (size_t i = n; i < w; i++)
            put_le16(d + i * step, black << shift);
        return;
    }
    for (size_t i = 0; i < n; i++)
        vc_sample_put(pf, c, row, i,
                      (src_bytes == 1 ? src[i] : get_le16(src + 2 * i)) << up);
    for (size_t i = n; i < w; i++)
        vc_sample_put(pf, c, row, i, black);
}

/* NV12 and P010 keep Cb and Cr side by side in one plane: one pass over
 * the row for both, not two strided ones (4:2:0 is the 1080p60 hot path). */
static bool chroma_interleaved(const struct vc_pixel_format *pf)
{
    const struct vc_component *cb = &pf->comp[1], *cr = &pf->comp[2];
    return pf->container <= 2 && cb->plane == cr->plane && cb->step == 2 * pf->container &&
           cr->step == cb->step && cr->offset == cb->offset + pf->container &&
           cr->shift == cb->shift;
}

/* read_row() of Cb and Cr together where chroma_interleaved(). */
static void read_chroma_row(const struct vc_pixel_format *pf, uint8_t *row, const uint8_t *u,
                            const uint8_t *v, unsigned src_bytes, unsigned up, uint32_t n,
                            uint32_t w)
{
    uint8_t *d = row + pf->comp[1].offset;
    const uint32_t black_u = vc_black(pf, 1), black_v = vc_black(pf, 2);
    if (pf->container == 1) {
        for (size_t i = 0; i < n; i++) {
            d[2 * i] = u[i];
            d[2 * i + 1] = v[i];
        }
        for (size_t i = n; i < w; i++) {
            d[2 * i] = (uint8_t)black_u;
            d[2 * i + 1] = (uint8_t)black_v;
        }
        return;
    }
    const unsigned shift = pf->comp[1].shift, shift_up = shift + up;
    if (src_bytes == 1) {
        for (size_t i = 0; i < n; i++) {
            put_le16(d + 4 * i, (uint32_t)u[i] << shift_up);
            put_le16(d + 4 * i + 2, (uint32_t)v[i] << shift_up);
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            put_le16(d + 4 * i, get_le16(u + 2 * i) << shift_up);
            put_le16(d + 4 * i + 2, get_le16(v + 2 * i) << shift_up);
        }
    }
    for (size_t i = n; i < w; i++) {
        put_le16(d + 4 * i, black_u << shift);
        put_le16(d + 4 * i + 2, black_v << shift);
    }
}

/* Opaque black RGB32 pixels. */
static void rgb_black(uint8_t *d, uint32_t pixels)
{
    for (uint32_t i = 0; i < pixels; i++) {
        d[4 * i] = d[4 * i + 1] = d[4 * i + 2] = 0;
        d[4 * i + 3] = 0xff;
    }
}

/* GET_IMAGE of an RGB surface: the frame (if `have`) is packed in the
 * image's byte order; rows are copied, the part it does not cover black. */
static void rgb_read(const AVFrame *f, bool have, const struct vh_rect *rect,
                     const struct vw_image_layout *layout, uint8_t *dst)
{
    for (uint32_t r = 0; r < rect->height; r++) {
        uint8_t *row = dst + layout->offsets[0] + (size_t)r * layout->pitches[0];
        uint32_t y = rect->y + r, n = 0;
        if (have && y < (uint32_t)f->height && rect->x < (uint32_t)f->width) {
            n = min_u32(rect->width, (uint32_t)f->width - rect->x);
            memcpy(row, f->data[0] + (size_t)y * f->linesize[0] + (size_t)rect->x * 4,
                   (size_t)n * 4);
        }
        rgb_black(row + (size_t)n * 4, rect->width - n);
    }
}

int sw_surface_read(struct vh_engine *engine, struct vh_surface *surface,
                    const struct vh_rect *rect, const struct vw_image_layout *layout,
                    uint8_t *dst, struct vh_error *err)
{
    const struct sw_surface *s = sw_surface_get(surface);
    /* The image's format: the surface's, or one with its samples moved
     * (YUY2 for 422H); the rows below are written through its table entry. */
    const struct vc_pixel_format *pf = vc_pixel_format_get(layout->pixel_format);
    if (!vc_pixel_format_repackable(pf, s->format) || layout->num_planes != pf->num_planes)
        return vh_error_set(err, VW_ERR_UNSUPPORTED_FORMAT,
                            "sw: image format 0x%08x (%u planes) does not hold surface %u's %s",
                            layout->pixel_format, layout->num_planes, surface->id,
                            s->format->name);
    /* The part of the rectangle that the frame covers is copied, the rest
     * is black (a never-written surface, or a stream smaller than it). */
    const AVFrame *f = s->frame;
    const struct frame_format *ff = NULL;
    if (f->buf[0] && !(ff = frame_check(surface, f, err)))
        return err->status;
    if (vc_pixel_format_is_rgb(pf)) {
        rgb_read(f, ff != NULL, rect, layout, dst);
        return VW_OK;
    }
    const unsigned src_bytes = ff ? sample_bytes(ff) : 1;
    const unsigned up = ff ? pf->depth - ff->depth : 0;
    const bool pair = chroma_interleaved(pf);

    struct span want[3], have[3];
    for (unsigned c = 0; c < 3; c++) {
        want[c] = component_span(pf, c, rect->x, rect->y, rect->width, rect->height);
        have[c] = (struct span){0};
        if (ff)
            vc_component_size(pf, c, (uint32_t)f->width, (uint32_t)f->height, &have[c].w,
                              &have[c].h);
    }
    for (unsigned p = 0; p < pf->num_planes; p++) {
        uint64_t row_bytes;
        uint32_t rows;
        vc_plane_extent(pf, p, rect->width, rect->height, &row_bytes, &rows);
        for (uint32_t r = 0; r < rows; r++) {
            uint8_t *row = dst + layout->offsets[p] + (size_t)r * layout->pitches[p];
            vc_row_init_packed(pf, row, rect->width);
            for (unsigned c = 0; c < 3; c++) {
                if (pf->comp[c].plane != p || r >= want[c].h)
                    continue;
                uint32_t y = want[c].y + r, x = want[c].x, n = 0;
                const uint8_t *src = NULL, *src_cr = NULL;
                if (y < have[c].h && x < have[c].w) {
                    n = min_u32(want[c].w, have[c].w - x);
                    src = f->data[c] + (size_t)y * f->linesize[c] + (size_t)x * src_bytes;
                    src_cr = f->data[2] + (size_t)y * f->linesize[2] + (size_t)x * src_bytes;
                }
                if (c == 1 && pair) {
                    read_chroma_row(pf, row, src, src_cr, src_bytes, up, n, want[c].w);
                    break;                    /* Cr done too */
                }
                read_row(pf, c, row, src, src_bytes, up, n, want[c].w);
            }
        }
    }
    return VW_OK;
}

/* Every sample of a new frame (format ff, for surfaces of format pf) black. */
static void fill_black(AVFrame *f, const struct vc_pixel_format *pf,
                       const struct frame_format *ff)
{
    if (ff->rgb_fourcc) {
        for (int r = 0; r < f->height; r++)
            rgb_black(f->data[0] + (size_t)r * (size_t)f->linesize[0], (uint32_t)f->width);
        return;
    }
    for (unsigned c = 0; c < 3; c++) {
        uint32_t cw, ch;
        vc_component_size(pf, c, (uint32_t)f->width, (uint32_t)f->height, &cw, &ch);
        uint32_t black = vc_black(pf, c) >> (pf->depth - ff->depth);
        size_t bytes = (size_t)ch * (size_t)f->linesize[c];
        if (sample_bytes(ff) == 1) {
            memset(f->data[c], (int)black, bytes);
            continue;
        }
        for (size_t i = 0; i + 1 < bytes; i += 2)
            put_le16(f->data[c] + i, black);
    }
}

/* Gives the surface a frame that it alone owns, covering at least the
 * surface, with the old content (or black) in it. Decoded pictures are
 * shared with libavcodec's reference list and other surfaces, so writing
 * into one in place would corrupt them. A picture of lower depth than the
 * surface keeps its format (PUT_IMAGE then writes its samples scaled down). */
static int make_private(struct vh_surface *surface, struct vh_error *err)
{
    struct sw_surface *s = sw_surface_get(surface);
    const struct vc_pixel_format *pf = s->format;
    AVFrame *old = s->frame;
    const struct frame_format *have = NULL;
    if (old->buf[0] && !(have = frame_check(surface, old, err)))
        return err->status;
    if (have && av_frame_is_writable(old) && (uint32_t)old->width >= surface->width &&
        (uint32_t)old->height >= surface->height)
        return VW_OK;

    const struct frame_format *ff = have ? have : frame_format_native(pf);
    AVFrame *n = av_frame_alloc();
    if (!n)
        goto err_alloc;
    n->format = have ? old->format : ff->av;
    n->width = (int)surface->width;
    n->height = (int)surface->height;
    if (have) {
        if (old->width > n->width)
            n->width = old->width;
        if (old->height > n->height)
            n->height = old->height;
    }
    if (av_frame_get_buffer(n, 0) < 0)
        goto err_buffer;
    fill_black(n, pf, ff);
    if (have && ff->rgb_fourcc)
        av_image_copy_plane(n->data[0], n->linesize[0], old->data[0], old->linesize[0],
                            old->width * 4, old->height);
    for (unsigned c = 0; have && !ff->rgb_fourcc && c < 3; c++) {
        uint32_t cw, ch;
        vc_component_size(pf, c, (uint32_t)old->width, (uint32_t)old->height, &cw, &ch);
        av_image_copy_plane(n->data[c], n->linesize[c], old->data[c], old->linesize[c],
                            (int)(cw * sample_bytes(ff)), (int)ch);
    }
    av_frame_unref(old);
    av_frame_move_ref(old, n);
    av_frame_free(&n);
    return VW_OK;

err_buffer:
    av_frame_free(&n);
err_alloc:
    return vh_error_set(err, VW_ERR_NO_MEMORY, "sw: out of memory for a %ux%u surface",
                        surface->width, surface->height);
}

int sw_surface_source(struct vh_surface *surface, const struct vh_rect *rect,
                      const AVFrame **out, struct vh_error *err)
{
    struct sw_surface *s = sw_surface_get(surface);
    AVFrame *f = s->frame;
    /* Never written, or a smaller picture than the region: a private
     * frame with black where nothing was decoded. */
    if (!f->buf[0] || (uint64_t)rect->x + rect->width > (uint64_t)f->width ||
        (uint64_t)rect->y + rect->height > (uint64_t)f->height) {
        int st = make_private(surface, err);
        if (st != VW_OK)
            return st;
    } else if (!frame_check(surface, f, err)) {
        return err->status;
    }
    *out = s->frame;
    return VW_OK;
}

int sw_surface_new_frame(struct vh_surface *surface, bool black, AVFrame **out,
                         struct vh_error *err)
{
    const struct vc_pixel_format *pf = sw_surface_get(surface)->format;
    const struct frame_format *ff = frame_format_native(pf);
    AVFrame *n = av_frame_alloc();
    if (!n)
        goto err;
    n->format = ff->av;
    n->width = (int)surface->width;
    n->height = (int)surface->height;
    if (av_frame_get_buffer(n, 0) < 0)
        goto err;
    if (black)
        fill_black(n, pf, ff);
    *out = n;
    return VW_OK;
err:
    av_frame_free(&n);
    return vh_error_set(err, VW_ERR_NO_MEMORY, "sw: out of memory for a %ux%u picture",
                        surface->width, surface->height);
}

/* One row of component c into a frame row (`dst`, `dst_bytes` a sample):
 * `w` samples of the image row `row` from sample `x` on, scaled down
 * `down` bits to the frame's depth. */
static void write_row(const struct vc_pixel_format *pf, unsigned c, const uint8_t *row,
                      uint32_t x, uint8_t *dst, unsigned dst_bytes, unsigned down, uint32_t w)
{
    const struct vc_component *k = &pf->comp[c];
    const size_t step = k->step;
    const uint8_t *s = row + k->offset + (size_t)x * step;
    if (pf->container == 1) {
        if (step == 1) {
            memcpy(dst, s, w);
            return;
        }
        for (size_t i = 0; i < w; i++)
            dst[i] = s[i * step];
        return;
    }
    if (pf->container == 2) {
        const unsigned shift = k->shift + down;
        if (dst_bytes == 1)
            for (size_t i = 0; i < w; i++)
                dst[i] = (uint8_t)(get_le16(s + i * step) >> shift);
        else
            for (size_t i = 0; i < w; i++)
                put_le16(dst + 2 * i, get_le16(s + i * step) >> shift);
        return;
    }
    for (size_t i = 0; i < w; i++) {
        uint32_t v = vc_sample_get(pf, c, row, x + i) >> down;
        if (dst_bytes == 1)
            dst[i] = (uint8_t)v;
        else
            put_le16(dst + 2 * i, v);
    }
}

/* write_row() of Cb and Cr together where chroma_interleaved(). */
static void write_chroma_row(const struct vc_pixel_format *pf, const uint8_t *row, uint32_t x,
                             uint8_t *u, uint8_t *v, unsigned dst_bytes, unsigned down,
                             uint32_t w)
{
    const uint8_t *s = row + pf->comp[1].offset + (size_t)x * pf->comp[1].step;
    if (pf->container == 1) {
        for (size_t i = 0; i < w; i++) {
            u[i] = s[2 * i];
            v[i] = s[2 * i + 1];
        }
        return;
    }
    const unsigned shift = pf->comp[1].shift + down;
    if (dst_bytes == 1) {
        for (size_t i = 0; i < w; i++) {
            u[i] = (uint8_t)(get_le16(s + 4 * i) >> shift);
            v[i] = (uint8_t)(get_le16(s + 4 * i + 2) >> shift);
        }
        return;
    }
    for (size_t i = 0; i < w; i++) {
        put_le16(u + 2 * i, get_le16(s + 4 * i) >> shift);
        put_le16(v + 2 * i, get_le16(s + 4 * i + 2) >> shift);
    }
}

int sw_surface_write(struct vh_engine *engine, struct vh_surface *surface,
                     const struct vh_rect *src, uint32_t dst_x, uint32_t dst_y,
                     const struct vw_image_layout *layout, const uint8_t *data,
                     struct vh_error *err)
{
    struct sw_surface *s = sw_surface_get(surface);
    /* As in sw_surface_read: the image's format, read through its entry. */
    const struct vc_pixel_format *pf = vc_pixel_format_get(layout->pixel_format);
    if (!vc_pixel_format_repackable(pf, s->format) || layout->num_planes != pf->num_planes)
        return vh_error_set(err, VW_ERR_UNSUPPORTED_FORMAT,
                            "sw: image format 0x%08x (%u planes) does not hold surface %u's %s",
                            layout->pixel_format, layout->num_planes, surface->id,
                            s->format->name);
    /* The core validated this; a cheap re-check keeps a core bug from
     * becoming a heap overflow. */
    if (dst_x > surface->width || src->width > surface->width - dst_x ||
        dst_y > surface->height || src->height > surface->height - dst_y)
        return vh_error_set(err, VW_ERR_INTERNAL, "sw: write outside the surface");
    int rc = make_private(surface, err);
    if (rc)
        return rc;

    AVFrame *f = s->frame;
    const struct frame_format *ff = frame_format_of(f->format);
    if (ff->rgb_fourcc) {
        for (uint32_t r = 0; r < src->height; r++)
            memcpy(f->data[0] + (size_t)(dst_y + r) * f->linesize[0] + (size_t)dst_x * 4,
                   data + layout->offsets[0] + (size_t)(src->y + r) * layout->pitches[0] +
                       (size_t)src->x * 4,
                   (size_t)src->width * 4);
        return VW_OK;
    }
    const unsigned dst_bytes = sample_bytes(ff), down = pf->depth - ff->depth;
    const bool pair = chroma_interleaved(pf);
    for (unsigned c = 0; c < 3; c++) {
        unsigned p = pf->comp[c].plane;
        struct span from = component_span(pf, c, src->x, src->y, src->width, src->height);
        struct span to = component_span(pf, c, dst_x, dst_y, src->width, src->height);
        for (uint32_t r = 0; r < from.h; r++) {
            const uint8_t *row = data + layout->offsets[p] + (size_t)(from.y + r) * layout->pitches[p];
            size_t at = (size_t)to.x * dst_bytes;
            uint8_t *d = f->data[c] + (size_t)(to.y + r) * f->linesize[c] + at;
            if (c == 1 && pair)
                write_chroma_row(pf, row, from.x, d,
                                 f->data[2] + (size_t)(to.y + r) * f->linesize[2] + at,
                                 dst_bytes, down, from.w);
            else
                write_row(pf, c, row, from.x, d, dst_bytes, down, from.w);
        }
        if (c == 1 && pair)
            break;                            /* Cr done too */
    }
    return VW_OK;
}
