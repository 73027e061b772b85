/* Surfaces: an AVFrame reference each; NV12 (P010 for 10-bit) copies in and out. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <libavutil/frame.h>
#include <libavutil/imgutils.h>
#include <libavutil/pixfmt.h>

#include "common/pixel_format.h"
#include "host/codecs/h264_param_sets.h"
#include "host/engines/sw/sw_internal.h"

/* A never-written surface reads as video-range black (Y 16, Cb/Cr 128;
 * 64/512 at 10 bits), which is what a decoder shows for "nothing" and what
 * NV12/P010 consumers, nearly all limited range, display as black. */
#define SW_BLACK_Y 0x10
#define SW_BLACK_C 0x80
#define SW_BLACK_Y10 64
#define SW_BLACK_C10 512

/* P010 surfaces hold libavcodec's yuv420p10 (10 bits in the low bits of
 * 16-bit samples); P010 has them in the high bits: value << 6. */
#define SW_P010_SHIFT 6

static bool is_10bit(const struct vh_surface *surface)
{
    return surface->pixel_format == VW_FOURCC_P010;
}

static bool frame_usable(const struct vh_surface *surface, const AVFrame *f)
{
    if (!f->buf[0])
        return false;
    if (is_10bit(surface))
        return f->format == AV_PIX_FMT_YUV420P10LE;
    /* libavcodec's H.264 decoder gives YUVJ420P for full-range streams; the
     * layout is the same. */
    return f->format == AV_PIX_FMT_YUV420P || f->format == AV_PIX_FMT_YUVJ420P;
}

static void put_le16(uint8_t *d, uint16_t v)
{
    d[0] = (uint8_t)v;
    d[1] = (uint8_t)(v >> 8);
}

static uint16_t get_le16(const uint8_t *s)
{
    return (uint16_t)(s[0] | (s[1] << 8));
}

static uint32_t min_u32(uint32_t a, uint32_t b)
{
    return a < b ? a : b;
}

int sw_surface_init(struct vh_engine *engine, struct vh_surface *surface,
                    struct vh_error *err)
{
    surface->engine_data = NULL;
    if (!vc_fourcc_of_rt_format(surface->rt_format) ||
        surface->pixel_format != vc_fourcc_of_rt_format(surface->rt_format))
        return vh_error_set(err, VW_ERR_UNSUPPORTED_FORMAT,
                            "sw: surface format 0x%x/0x%08x not supported (YUV420/NV12, "
                            "YUV420_10/P010)",
                            surface->rt_format, surface->pixel_format);
    if (surface->width == 0 || surface->height == 0 ||
        surface->width > VH_H264_MAX_WIDTH || surface->height > VH_H264_MAX_HEIGHT)
        return vh_error_set(err, VW_ERR_RESOLUTION, "sw: surface %ux%u outside 1x1..%ux%u",
                            surface->width, surface->height, VH_H264_MAX_WIDTH,
                            VH_H264_MAX_HEIGHT);

    struct sw_surface *s = calloc(1, sizeof(*s));
    if (!s)
        goto err_alloc;
    s->frame = av_frame_alloc();
    if (!s->frame)
        goto err_frame;
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

int sw_surface_set_frame(struct vh_surface *surface, const AVFrame *frame,
                         struct vh_error *err)
{
    struct sw_surface *s = sw_surface_get(surface);
    if (s->frame == frame)
        return VW_OK;
    av_frame_unref(s->frame);
    if (av_frame_ref(s->frame, frame) < 0)
        return vh_error_set(err, VW_ERR_NO_MEMORY, "sw: out of memory referencing a picture");
    return VW_OK;
}

/* The 10-bit read: yuv420p10 -> P010, same rules as the NV12 path. */
static void read_p010(const AVFrame *f, const struct vh_rect *rect,
                      const struct vw_image_layout *layout, uint8_t *dst)
{
    uint32_t fw = f->buf[0] ? (uint32_t)f->width : 0, fh = f->buf[0] ? (uint32_t)f->height : 0;
    uint32_t x = rect->x, w = rect->width;
    uint32_t have_w = x < fw ? min_u32(w, fw - x) : 0;

    for (uint32_t r = 0; r < rect->height; r++) {
        uint8_t *d = dst + layout->offsets[0] + (size_t)r * layout->pitches[0];
        uint32_t y = rect->y + r, n = y < fh ? have_w : 0;
        const uint16_t *src = n ? (const uint16_t *)(f->data[0] + (size_t)y * f->linesize[0]) + x
                                : NULL;
        for (uint32_t i = 0; i < n; i++)
            put_le16(d + 2 * i, (uint16_t)(src[i] << SW_P010_SHIFT));
        for (uint32_t i = n; i < w; i++)
            put_le16(d + 2 * i, SW_BLACK_Y10 << SW_P010_SHIFT);
    }

    uint32_t cfw = (fw + 1) / 2, cfh = (fh + 1) / 2, cx = x / 2, cw = w / 2;
    uint32_t have_cw = cx < cfw ? min_u32(cw, cfw - cx) : 0;
    for (uint32_t r = 0; r < rect->height / 2; r++) {
        uint8_t *d = dst + layout->offsets[1] + (size_t)r * layout->pitches[1];
        uint32_t y = rect->y / 2 + r, n = y < cfh ? have_cw : 0;
        const uint16_t *u =
            n ? (const uint16_t *)(f->data[1] + (size_t)y * f->linesize[1]) + cx : NULL;
        const uint16_t *v =
            n ? (const uint16_t *)(f->data[2] + (size_t)y * f->linesize[2]) + cx : NULL;
        for (uint32_t i = 0; i < n; i++) {
            put_le16(d + 4 * i, (uint16_t)(u[i] << SW_P010_SHIFT));
            put_le16(d + 4 * i + 2, (uint16_t)(v[i] << SW_P010_SHIFT));
        }
        for (uint32_t i = n; i < cw; i++) {
            put_le16(d + 4 * i, SW_BLACK_C10 << SW_P010_SHIFT);
            put_le16(d + 4 * i + 2, SW_BLACK_C10 << SW_P010_SHIFT);
        }
    }
}

int sw_surface_read(struct vh_engine *engine, struct vh_surface *surface,
                    const struct vh_rect *rect, const struct vw_image_layout *layout,
                    uint8_t *dst, struct vh_error *err)
{
    const AVFrame *f = sw_surface_get(surface)->frame;
    if (layout->pixel_format != surface->pixel_format || layout->num_planes != 2)
        return vh_error_set(err, VW_ERR_UNSUPPORTED_FORMAT, "sw: image format 0x%08x not supported",
                            layout->pixel_format);
    if (f->buf[0] && !frame_usable(surface, f))
        return vh_error_set(err, VW_ERR_INTERNAL, "sw: surface holds pixel format %d", f->format);
    if (is_10bit(surface)) {
        read_p010(f, rect, layout, dst);
        return VW_OK;
    }
    /* The part of the rectangle that the frame covers is copied, the rest is
     * black (a never-written surface, or a stream smaller than the surface). */
    uint32_t fw = f->buf[0] ? (uint32_t)f->width : 0, fh = f->buf[0] ? (uint32_t)f->height : 0;
    uint32_t x = rect->x, w = rect->width;
    uint32_t have_w = x < fw ? min_u32(w, fw - x) : 0;

    for (uint32_t r = 0; r < rect->height; r++) {
        uint8_t *d = dst + layout->offsets[0] + (size_t)r * layout->pitches[0];
        uint32_t y = rect->y + r, n = y < fh ? have_w : 0;
        if (n)
            memcpy(d, f->data[0] + (size_t)y * f->linesize[0] + x, n);
        memset(d + n, SW_BLACK_Y, w - n);
    }

    uint32_t cfw = (fw + 1) / 2, cfh = (fh + 1) / 2, cx = x / 2, cw = w / 2;
    uint32_t have_cw = cx < cfw ? min_u32(cw, cfw - cx) : 0;
    for (uint32_t r = 0; r < rect->height / 2; r++) {
        uint8_t *d = dst + layout->offsets[1] + (size_t)r * layout->pitches[1];
        uint32_t y = rect->y / 2 + r, n = y < cfh ? have_cw : 0;
        const uint8_t *u = n ? f->data[1] + (size_t)y * f->linesize[1] + cx : NULL;
        const uint8_t *v = n ? f->data[2] + (size_t)y * f->linesize[2] + cx : NULL;
        for (uint32_t i = 0; i < n; i++) {
            d[2 * i] = u[i];
            d[2 * i + 1] = v[i];
        }
        memset(d + 2 * n, SW_BLACK_C, 2 * (cw - n));
    }
    return VW_OK;
}

static void fill_black(AVFrame *f)
{
    if (f->format == AV_PIX_FMT_YUV420P10LE) {
        for (int p = 0; p < 3; p++) {
            int rows = p ? (f->height + 1) / 2 : f->height;
            size_t n = (size_t)rows * f->linesize[p] / 2;
            uint16_t *d = (uint16_t *)f->data[p];
            for (size_t i = 0; i < n; i++)
                d[i] = p ? SW_BLACK_C10 : SW_BLACK_Y10;
        }
        return;
    }
    for (int p = 0; p < 3; p++) {
        int rows = p ? (f->height + 1) / 2 : f->height;
        memset(f->data[p], p ? SW_BLACK_C : SW_BLACK_Y, (size_t)rows * f->linesize[p]);
    }
}

/* Gives the surface a frame that it alone owns, covering at least the
 * surface, with the old content (or black) in it. Decoded pictures are
 * shared with libavcodec's reference list and other surfaces, so writing
 * into one in place would corrupt them. */
static int make_private(struct vh_surface *surface, struct vh_error *err)
{
    struct sw_surface *s = sw_surface_get(surface);
    AVFrame *old = s->frame;
    bool have = frame_usable(surface, old);
    if (have && av_frame_is_writable(old) && (uint32_t)old->width >= surface->width &&
        (uint32_t)old->height >= surface->height)
        return VW_OK;

    AVFrame *n = av_frame_alloc();
    if (!n)
        goto err_alloc;
    n->format = is_10bit(surface) ? AV_PIX_FMT_YUV420P10LE : AV_PIX_FMT_YUV420P;
    n->width = (int)surface->width;
    n->height = (int)surface->height;
    if (have) {
        n->format = old->format;
        if (old->width > n->width)
            n->width = old->width;
        if (old->height > n->height)
            n->height = old->height;
    }
    if (av_frame_get_buffer(n, 0) < 0)
        goto err_buffer;
    fill_black(n);
    if (have) {
        int bps = is_10bit(surface) ? 2 : 1;
        int lw[3] = {old->width * bps, (old->width + 1) / 2 * bps, (old->width + 1) / 2 * bps};
        int lh[3] = {old->height, (old->height + 1) / 2, (old->height + 1) / 2};
        for (int p = 0; p < 3; p++)
            av_image_copy_plane(n->data[p], n->linesize[p], old->data[p], old->linesize[p],
                                lw[p], lh[p]);
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

/* The 10-bit write: P010 -> yuv420p10 (value >> 6; the low bits dropped). */
static void write_p010(AVFrame *f, const struct vh_rect *src, uint32_t dst_x, uint32_t dst_y,
                       const struct vw_image_layout *layout, const uint8_t *data)
{
    for (uint32_t r = 0; r < src->height; r++) {
        const uint8_t *s =
            data + layout->offsets[0] + (size_t)(src->y + r) * layout->pitches[0] + 2 * src->x;
        uint16_t *d = (uint16_t *)(f->data[0] + (size_t)(dst_y + r) * f->linesize[0]) + dst_x;
        for (uint32_t i = 0; i < src->width; i++)
            d[i] = get_le16(s + 2 * i) >> SW_P010_SHIFT;
    }
    for (uint32_t r = 0; r < src->height / 2; r++) {
        const uint8_t *s = data + layout->offsets[1] +
                           (size_t)(src->y / 2 + r) * layout->pitches[1] + 2 * (src->x & ~1u);
        size_t row = (size_t)(dst_y / 2 + r);
        uint16_t *u = (uint16_t *)(f->data[1] + row * f->linesize[1]) + dst_x / 2;
        uint16_t *v = (uint16_t *)(f->data[2] + row * f->linesize[2]) + dst_x / 2;
        for (uint32_t i = 0; i < src->width / 2; i++) {
            u[i] = get_le16(s + 4 * i) >> SW_P010_SHIFT;
            v[i] = get_le16(s + 4 * i + 2) >> SW_P010_SHIFT;
        }
    }
}

int sw_surface_write(struct vh_engine *engine, struct vh_surface *surface,
                     const struct vh_rect *src, uint32_t dst_x, uint32_t dst_y,
                     const struct vw_image_layout *layout, const uint8_t *data,
                     struct vh_error *err)
{
    if (layout->pixel_format != surface->pixel_format || layout->num_planes != 2)
        return vh_error_set(err, VW_ERR_UNSUPPORTED_FORMAT, "sw: image format 0x%08x not supported",
                            layout->pixel_format);
    /* The core validated this; a cheap re-check keeps a core bug from
     * becoming a heap overflow. */
    if (dst_x > surface->width || src->width > surface->width - dst_x ||
        dst_y > surface->height || src->height > surface->height - dst_y)
        return vh_error_set(err, VW_ERR_INTERNAL, "sw: write outside the surface");
    int rc = make_private(surface, err);
    if (rc)
        return rc;

    AVFrame *f = sw_surface_get(surface)->frame;
    if (is_10bit(surface)) {
        write_p010(f, src, dst_x, dst_y, layout, data);
        return VW_OK;
    }
    for (uint32_t r = 0; r < src->height; r++) {
        const uint8_t *s = data + layout->offsets[0] + (size_t)(src->y + r) * layout->pitches[0] + src->x;
        memcpy(f->data[0] + (size_t)(dst_y + r) * f->linesize[0] + dst_x, s, src->width);
    }
    for (uint32_t r = 0; r < src->height / 2; r++) {
        const uint8_t *s = data + layout->offsets[1] +
                           (size_t)(src->y / 2 + r) * layout->pitches[1] + (src->x & ~1u);
        size_t row = (size_t)(dst_y / 2 + r);
        uint8_t *u = f->data[1] + row * f->linesize[1] + dst_x / 2;
        uint8_t *v = f->data[2] + row * f->linesize[2] + dst_x / 2;
        for (uint32_t i = 0; i < src->width / 2; i++) {
            u[i] = s[2 * i];
            v[i] = s[2 * i + 1];
        }
    }
    return VW_OK;
}
