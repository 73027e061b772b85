#include "common/pixel_format.h"

#include <stddef.h>

/* comp: {plane, offset, step, shift} for Y, Cb, Cr. */
static const struct vc_pixel_format formats[] = {
    {VW_FOURCC_NV12, VW_RT_YUV420, "NV12", 2, 8, 1, 1, 1, {{0, 0, 1, 0}, {1, 0, 2, 0}, {1, 1, 2, 0}}},
    {VW_FOURCC_P010, VW_RT_YUV420_10, "P010", 2, 10, 2, 1, 1,
     {{0, 0, 2, 6}, {1, 0, 4, 6}, {1, 2, 4, 6}}},
    {VW_FOURCC_422H, VW_RT_YUV422, "422H", 3, 8, 1, 1, 0, {{0, 0, 1, 0}, {1, 0, 1, 0}, {2, 0, 1, 0}}},
    {VW_FOURCC_444P, VW_RT_YUV444, "444P", 3, 8, 1, 0, 0, {{0, 0, 1, 0}, {1, 0, 1, 0}, {2, 0, 1, 0}}},
    /* Y0 Cb Y1 Cr, 16 bits each. */
    {VW_FOURCC_Y210, VW_RT_YUV422_10, "Y210", 1, 10, 2, 1, 0,
     {{0, 0, 4, 6}, {0, 2, 8, 6}, {0, 6, 8, 6}}},
    /* Cb bits 0-9, Y 10-19, Cr 20-29, alpha 30-31. */
    {VW_FOURCC_Y410, VW_RT_YUV444_10, "Y410", 1, 10, 4, 0, 0,
     {{0, 0, 4, 10}, {0, 0, 4, 0}, {0, 0, 4, 20}}},
    /* Image formats only: after the surface format of their chroma format,
     * so vc_pixel_format_of_rt() never gives them. Y0 Cb Y1 Cr bytes. */
    {VW_FOURCC_YUY2, VW_RT_YUV422, "YUY2", 1, 8, 1, 1, 0, {{0, 0, 2, 0}, {0, 1, 4, 0}, {0, 3, 4, 0}}},
    /* RGB32: components R, G, B as bytes of a little-endian 32-bit word,
     * alpha or X in bits 24-31. BGRA first: the RGB32 surface format. */
    {VW_FOURCC_BGRA, VW_RT_RGB32, "BGRA", 1, 8, 4, 0, 0, {{0, 0, 4, 16}, {0, 0, 4, 8}, {0, 0, 4, 0}}},
    {VW_FOURCC_RGBA, VW_RT_RGB32, "RGBA", 1, 8, 4, 0, 0, {{0, 0, 4, 0}, {0, 0, 4, 8}, {0, 0, 4, 16}}},
    {VW_FOURCC_BGRX, VW_RT_RGB32, "BGRX", 1, 8, 4, 0, 0, {{0, 0, 4, 16}, {0, 0, 4, 8}, {0, 0, 4, 0}}},
    {VW_FOURCC_RGBX, VW_RT_RGB32, "RGBX", 1, 8, 4, 0, 0, {{0, 0, 4, 0}, {0, 0, 4, 8}, {0, 0, 4, 16}}},
};

const struct vc_pixel_format *vc_pixel_format_get(uint32_t fourcc)
{
    for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
        if (formats[i].fourcc == fourcc)
            return &formats[i];
    return NULL;
}

const struct vc_pixel_format *vc_pixel_format_of_rt(uint32_t rt_format)
{
    for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
        if (formats[i].rt_format == rt_format)
            return &formats[i];
    return NULL;
}

uint32_t vc_fourcc_of_rt_format(uint32_t rt_format)
{
    const struct vc_pixel_format *f = vc_pixel_format_of_rt(rt_format);
    return f ? f->fourcc : 0;
}

bool vc_pixel_format_repackable(const struct vc_pixel_format *a, const struct vc_pixel_format *b)
{
    /* RGB surfaces are read and written in their own byte order only. */
    if (a && b && vc_pixel_format_is_rgb(a))
        return a == b;
    return a && b && a->rt_format == b->rt_format;
}

bool vc_pixel_format_is_rgb(const struct vc_pixel_format *f)
{
    return f->rt_format == VW_RT_RGB32;
}

unsigned vc_pixel_format_chroma_idc(const struct vc_pixel_format *f)
{
    return f->log2_chroma_h ? 1u : f->log2_chroma_w ? 2u : 3u;
}

static uint32_t div_up(uint32_t v, unsigned log2)
{
    return (uint32_t)(((uint64_t)v + (1u << log2) - 1) >> log2);
}

void vc_component_size(const struct vc_pixel_format *f, unsigned c, uint32_t width,
                       uint32_t height, uint32_t *cw, uint32_t *ch)
{
    *cw = c ? div_up(width, f->log2_chroma_w) : width;
    *ch = c ? div_up(height, f->log2_chroma_h) : height;
}

void vc_plane_extent(const struct vc_pixel_format *f, unsigned p, uint32_t width,
                     uint32_t height, uint64_t *row_bytes, uint32_t *rows)
{
    *row_bytes = 0;
    *rows = 0;
    for (unsigned c = 0; c < 3; c++) {
        const struct vc_component *k = &f->comp[c];
        if (k->plane != p)
            continue;
        uint32_t cw, ch;
        vc_component_size(f, c, width, height, &cw, &ch);
        if (cw == 0 || ch == 0)
            continue;
        uint64_t end = k->offset + (uint64_t)(cw - 1) * k->step + f->container;
        if (end > *row_bytes)
            *row_bytes = end;
        if (ch > *rows)
            *rows = ch;
    }
}

uint64_t vc_pixel_format_tight_layout(const struct vc_pixel_format *f, uint32_t width,
                                      uint32_t height, uint32_t pitches[VC_MAX_PLANES],
                                      uint32_t offsets[VC_MAX_PLANES])
{
    uint64_t total = 0;
    for (unsigned p = 0; p < f->num_planes; p++) {
        uint64_t row;
        uint32_t rows;
        vc_plane_extent(f, p, width, height, &row, &rows);
        pitches[p] = (uint32_t)row;
        offsets[p] = (uint32_t)total;
        total += row * rows;
    }
    return total;
}

uint64_t vc_pixel_format_frame_bytes(const struct vc_pixel_format *f, uint32_t width,
                                     uint32_t height)
{
    uint32_t pitches[VC_MAX_PLANES], offsets[VC_MAX_PLANES];
    return vc_pixel_format_tight_layout(f, width, height, pitches, offsets);
}

uint32_t vc_pixel_format_align_x(const struct vc_pixel_format *f)
{
    return 1u << f->log2_chroma_w;
}

uint32_t vc_pixel_format_align_y(const struct vc_pixel_format *f)
{
    return 1u << f->log2_chroma_h;
}

void vc_row_init_packed(const struct vc_pixel_format *f, uint8_t *row, uint32_t pixels)
{
    if (f->container != 4)
        return;
    if (vc_pixel_format_is_rgb(f)) {
        for (uint32_t i = 0; i < pixels; i++)
            row[4 * i + 3] = 0xff; /* opaque alpha, or X */
        return;
    }
    for (uint32_t i = 0; i < pixels; i++) {
        row[4 * i] = row[4 * i + 1] = row[4 * i + 2] = 0;
        row[4 * i + 3] = 0xc0; /* alpha 3 in bits 30-31 */
    }
}
