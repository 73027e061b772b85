/*
 * The surface and image pixel formats of the protocol (VW_FOURCC_*): where
 * each sample of each component lives in memory. Guest (image layouts),
 * daemon (layout checks, memory accounting) and engines (reading and
 * writing surfaces) all use this one description, so a format is added in
 * one table.
 */
#ifndef VIVAC_COMMON_PIXEL_FORMAT_H
#define VIVAC_COMMON_PIXEL_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vivac/protocol.h"

#define VC_MAX_PLANES 3u

/* How one component (0 Y, 1 Cb, 2 Cr) is stored. Sample i of row r of the
 * component is at plane + r * pitch + offset + i * step; it is a byte
 * (container 1), a little-endian 16-bit word (2) holding value << shift, or
 * a bit-field at bit `shift` of a little-endian 32-bit word (4). */
struct vc_component {
    uint8_t plane;
    uint8_t offset;
    uint8_t step;
    uint8_t shift;
};

struct vc_pixel_format {
    uint32_t fourcc;
    uint32_t rt_format;        /* its VW_RT_* bit */
    const char *name;
    uint8_t num_planes;
    uint8_t depth;             /* bits per sample */
    uint8_t container;         /* bytes holding a sample: 1, 2 or 4 */
    uint8_t log2_chroma_w;     /* Cb/Cr subsampling, as log2 */
    uint8_t log2_chroma_h;
    struct vc_component comp[3];
};

/* The format of a FOURCC, or of a chroma format (one VW_RT_* bit); NULL if
 * unknown. */
const struct vc_pixel_format *vc_pixel_format_get(uint32_t fourcc);
const struct vc_pixel_format *vc_pixel_format_of_rt(uint32_t rt_format);

/* Whether images of one format can be read from / written to surfaces of
 * the other by moving samples only: the same chroma format and depth
 * (422H and YUY2). */
bool vc_pixel_format_repackable(const struct vc_pixel_format *a, const struct vc_pixel_format *b);

/* Whether the format is RGB (VW_RT_RGB32: components R, G, B; black 0). */
bool vc_pixel_format_is_rgb(const struct vc_pixel_format *f);

/* The surface FOURCC of a chroma format; 0 if unknown. */
uint32_t vc_fourcc_of_rt_format(uint32_t rt_format);

/* Chroma format idc (1 4:2:0, 2 4:2:2, 3 4:4:4) of a format. */
unsigned vc_pixel_format_chroma_idc(const struct vc_pixel_format *f);

/* Size in samples of component c of a width x height picture. */
void vc_component_size(const struct vc_pixel_format *f, unsigned c, uint32_t width,
                       uint32_t height, uint32_t *cw, uint32_t *ch);

/* Bytes a row of plane p spans for `width` pixels, and its rows for
 * `height`: what an image of width x height needs of that plane. */
void vc_plane_extent(const struct vc_pixel_format *f, unsigned p, uint32_t width,
                     uint32_t height, uint64_t *row_bytes, uint32_t *rows);

/* A tight layout of a width x height picture (planes one after the other,
 * rows of exactly their bytes): fills pitches and offsets of num_planes
 * planes, returns the total bytes. */
uint64_t vc_pixel_format_tight_layout(const struct vc_pixel_format *f, uint32_t width,
                                      uint32_t height, uint32_t pitches[VC_MAX_PLANES],
                                      uint32_t offsets[VC_MAX_PLANES]);

/* Bytes of a tightly packed width x height picture (memory accounting). */
uint64_t vc_pixel_format_frame_bytes(const struct vc_pixel_format *f, uint32_t width,
                                     uint32_t height);

/* Alignment (1 or 2) that rectangle origins and sizes need horizontally and
 * vertically: a rectangle must not split a chroma sample or a pixel group. */
uint32_t vc_pixel_format_align_x(const struct vc_pixel_format *f);
uint32_t vc_pixel_format_align_y(const struct vc_pixel_format *f);

/* Reads / writes sample i of a component row (`row` points at the row's
 * start in the component's plane), as a value of `depth` bits. Writing a
 * Y410 field leaves the other fields alone; vc_row_init_packed() first
 * sets a Y410 row's alpha (opaque) and clears the rest. */
static inline uint32_t vc_sample_get(const struct vc_pixel_format *f, unsigned c,
                                     const uint8_t *row, uint32_t i)
{
    const struct vc_component *k = &f->comp[c];
    const uint8_t *p = row + k->offset + (size_t)i * k->step;
    switch (f->container) {
    case 1:
        return p[0];
    case 2:
        return (uint32_t)(p[0] | (p[1] << 8)) >> k->shift;
    default: {
        uint32_t w = (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
                     ((uint32_t)p[3] << 24);
        return (w >> k->shift) & ((1u << f->depth) - 1u);
    }
    }
}

static inline void vc_sample_put(const struct vc_pixel_format *f, unsigned c, uint8_t *row,
                                 uint32_t i, uint32_t v)
{
    const struct vc_component *k = &f->comp[c];
    uint8_t *p = row + k->offset + (size_t)i * k->step;
    switch (f->container) {
    case 1:
        p[0] = (uint8_t)v;
        break;
    case 2:
        v <<= k->shift;
        p[0] = (uint8_t)v;
        p[1] = (uint8_t)(v >> 8);
        break;
    default: {
        uint32_t w = (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
                     ((uint32_t)p[3] << 24);
        uint32_t mask = ((1u << f->depth) - 1u) << k->shift;
        w = (w & ~mask) | ((v << k->shift) & mask);
        p[0] = (uint8_t)w;
        p[1] = (uint8_t)(w >> 8);
        p[2] = (uint8_t)(w >> 16);
        p[3] = (uint8_t)(w >> 24);
        break;
    }
    }
}

/* For 32-bit packed formats (Y410): sets `pixels` words of a row to opaque
 * alpha and zero samples; a no-op for other formats. */
void vc_row_init_packed(const struct vc_pixel_format *f, uint8_t *row, uint32_t pixels);

/* The value of "black" (video range) for component c at the format's depth. */
static inline uint32_t vc_black(const struct vc_pixel_format *f, unsigned c)
{
    if (f->rt_format == VW_RT_RGB32)
        return 0;
    return (c == 0 ? 16u : 128u) << (f->depth - 8);
}

#endif /* VIVAC_COMMON_PIXEL_FORMAT_H */
