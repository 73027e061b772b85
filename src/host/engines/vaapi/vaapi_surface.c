/* Surfaces of the vaapi engine: VA surfaces of the host driver, read and
 * written through VA images in the surface's own FOURCC, copied from and
 * to the caller's layout plane by plane. */
#include <stdlib.h>
#include <string.h>

#include "common/pixel_format.h"
#include "host/engines/vaapi/vaapi_internal.h"

static_assert(VW_FOURCC_NV12 == VA_FOURCC_NV12 && VW_FOURCC_P010 == VA_FOURCC_P010 &&
                  VW_FOURCC_422H == VA_FOURCC_422H && VW_FOURCC_444P == VA_FOURCC_444P &&
                  VW_FOURCC_Y210 == VA_FOURCC_Y210 && VW_FOURCC_Y410 == VA_FOURCC_Y410,
              "wire and VA FOURCCs are the same codes");

int vaapi_surface_init(struct vh_engine *engine, struct vh_surface *surface,
                       struct vh_error *err)
{
    struct vaapi_engine *e = vaapi_engine_get(engine);
    surface->engine_data = NULL;
    const struct vc_pixel_format *pf = vc_pixel_format_get(surface->pixel_format);
    unsigned va_rt = vaapi_rt_format_of(surface->rt_format);
    if (!pf || pf->rt_format != surface->rt_format || !va_rt)
        return vh_error_set(err, VW_ERR_UNSUPPORTED_FORMAT,
                            "vaapi: surface format 0x%x/0x%08x not supported", surface->rt_format,
                            surface->pixel_format);
    struct vaapi_surface *s = calloc(1, sizeof(*s));
    if (!s)
        return vh_error_set(err, VW_ERR_NO_MEMORY, "vaapi: out of memory");
    VASurfaceAttrib fourcc = {.type = VASurfaceAttribPixelFormat,
                              .flags = VA_SURFACE_ATTRIB_SETTABLE,
                              .value = {.type = VAGenericValueTypeInteger,
                                        .value.i = (int)surface->pixel_format}};
    VAStatus st = vaCreateSurfaces(e->display, va_rt, surface->width, surface->height, &s->id, 1,
                                   &fourcc, 1);
    if (st != VA_STATUS_SUCCESS) {
        free(s);
        return vaapi_error(err, st, VW_ERR_INTERNAL, "vaCreateSurfaces");
    }
    surface->engine_data = s;
    return VW_OK;
}

void vaapi_surface_fini(struct vh_engine *engine, struct vh_surface *surface)
{
    struct vaapi_surface *s = surface ? surface->engine_data : NULL;
    if (!s)
        return;
    vaDestroySurfaces(vaapi_engine_get(engine)->display, &s->id, 1);
    free(s);
    surface->engine_data = NULL;
}

/* A VA image of the surface's format, width x height; its buffer mapped at
 * *map. */
struct mapped_image {
    VAImage image;
    uint8_t *map;
};

static int image_open(VADisplay d, const struct vc_pixel_format *pf, uint32_t width,
                      uint32_t height, struct mapped_image *m, struct vh_error *err)
{
    VAImageFormat format = {
        .fourcc = pf->fourcc,
        .byte_order = VA_LSB_FIRST,
        /* Bits a pixel over all planes: a 2x2 block's bytes, times 8, over 4. */
        .bits_per_pixel = (uint32_t)(vc_pixel_format_frame_bytes(pf, 2, 2) * 2),
    };
    m->image.image_id = VA_INVALID_ID;
    VAStatus st = vaCreateImage(d, &format, (int)width, (int)height, &m->image);
    if (st != VA_STATUS_SUCCESS)
        return vaapi_error(err, st, VW_ERR_INTERNAL, "vaCreateImage");
    if (m->image.num_planes != pf->num_planes) {
        vaDestroyImage(d, m->image.image_id);
        return vh_error_set(err, VW_ERR_INTERNAL, "vaapi: a %s image of %u planes, not %u",
                            pf->name, m->image.num_planes, pf->num_planes);
    }
    /* Every plane the copies below touch lies inside the image's buffer. */
    for (unsigned p = 0; p < pf->num_planes; p++) {
        uint64_t row_bytes;
        uint32_t rows;
        vc_plane_extent(pf, p, width, height, &row_bytes, &rows);
        if (m->image.pitches[p] < row_bytes ||
            (uint64_t)m->image.offsets[p] + (uint64_t)m->image.pitches[p] * (rows - 1) +
                    row_bytes > m->image.data_size) {
            vaDestroyImage(d, m->image.image_id);
            return vh_error_set(err, VW_ERR_INTERNAL,
                                "vaapi: the driver's %s image plane %u lies outside its buffer",
                                pf->name, p);
        }
    }
    void *map = NULL;
    st = vaMapBuffer(d, m->image.buf, &map);
    if (st != VA_STATUS_SUCCESS) {
        vaDestroyImage(d, m->image.image_id);
        return vaapi_error(err, st, VW_ERR_INTERNAL, "vaMapBuffer");
    }
    m->map = map;
    return VW_OK;
}

static void image_close(VADisplay d, struct mapped_image *m)
{
    vaUnmapBuffer(d, m->image.buf);
    vaDestroyImage(d, m->image.image_id);
}

/* Copies the planes of a width x height picture from one layout to another
 * (pitches and offsets of each plane relative to src and dst). */
static void copy_planes(const struct vc_pixel_format *pf, uint32_t width, uint32_t height,
                        uint8_t *dst, const uint32_t *dst_offsets, const uint32_t *dst_pitches,
                        const uint8_t *src, const uint32_t *src_offsets,
                        const uint32_t *src_pitches)
{
    for (unsigned p = 0; p < pf->num_planes; p++) {
        uint64_t row_bytes;
        uint32_t rows;
        vc_plane_extent(pf, p, width, height, &row_bytes, &rows);
        for (uint32_t r = 0; r < rows; r++)
            memcpy(dst + dst_offsets[p] + (size_t)r * dst_pitches[p],
                   src + src_offsets[p] + (size_t)r * src_pitches[p], (size_t)row_bytes);
    }
}

/* Black, video range, in a width x height picture of the given layout. */
static void fill_black(const struct vc_pixel_format *pf, uint32_t width, uint32_t height,
                       uint8_t *dst, const uint32_t *offsets, const uint32_t *pitches)
{
    for (uint32_t r = 0; r < height; r++)
        vc_row_init_packed(pf, dst + offsets[0] + (size_t)r * pitches[0], width);
    for (unsigned c = 0; c < 3; c++) {
        const unsigned p = pf->comp[c].plane;
        uint32_t cw, ch;
        vc_component_size(pf, c, width, height, &cw, &ch);
        for (uint32_t r = 0; r < ch; r++) {
            uint8_t *row = dst + offsets[p] + (size_t)r * pitches[p];
            for (uint32_t i = 0; i < cw; i++)
                vc_sample_put(pf, c, row, i, vc_black(pf, c));
        }
    }
}

static const struct vc_pixel_format *layout_format(const struct vh_surface *surface,
                                                   const struct vw_image_layout *layout,
                                                   struct vh_error *err)
{
    const struct vc_pixel_format *pf = vc_pixel_format_get(surface->pixel_format);
    if (!pf || layout->pixel_format != surface->pixel_format) {
        vh_error_set(err, VW_ERR_UNSUPPORTED_FORMAT,
                     "vaapi: surface %u: images in its own format only (0x%08x, asked 0x%08x)",
                     surface->id, surface->pixel_format, layout->pixel_format);
        return NULL;
    }
    return pf;
}

int vaapi_surface_read(struct vh_engine *engine, struct vh_surface *surface,
                       const struct vh_rect *rect, const struct vw_image_layout *layout,
                       uint8_t *dst, struct vh_error *err)
{
    VADisplay d = vaapi_engine_get(engine)->display;
    struct vaapi_surface *s = surface->engine_data;
    const struct vc_pixel_format *pf = layout_format(surface, layout, err);
    if (!pf)
        return err->status;
    if (!s->written) {
        fill_black(pf, rect->width, rect->height, dst, layout->offsets, layout->pitches);
        return VW_OK;
    }
    struct mapped_image m;
    int rc = image_open(d, pf, rect->width, rect->height, &m, err);
    if (rc != VW_OK)
        return rc;
    /* vaGetImage waits for the surface's decode to finish. */
    VAStatus st = vaGetImage(d, s->id, (int)rect->x, (int)rect->y, rect->width, rect->height,
                             m.image.image_id);
    if (st != VA_STATUS_SUCCESS) {
        rc = vaapi_error(err, st, VW_ERR_INTERNAL, "vaGetImage");
    } else {
        copy_planes(pf, rect->width, rect->height, dst, layout->offsets, layout->pitches, m.map,
                    m.image.offsets, m.image.pitches);
    }
    image_close(d, &m);
    return rc;
}

/* Uploads a width x height image already in `m` to (x, y) of the surface. */
static int put(VADisplay d, struct vaapi_surface *s, struct mapped_image *m, uint32_t width,
               uint32_t height, uint32_t x, uint32_t y, struct vh_error *err)
{
    VAStatus st = vaUnmapBuffer(d, m->image.buf);
    if (st == VA_STATUS_SUCCESS)
        st = vaPutImage(d, s->id, m->image.image_id, 0, 0, width, height, (int)x, (int)y, width,
                        height);
    vaDestroyImage(d, m->image.image_id);
    return st == VA_STATUS_SUCCESS ? VW_OK : vaapi_error(err, st, VW_ERR_INTERNAL, "vaPutImage");
}

int vaapi_surface_write(struct vh_engine *engine, struct vh_surface *surface,
                        const struct vh_rect *src, uint32_t dst_x, uint32_t dst_y,
                        const struct vw_image_layout *layout, const uint8_t *data,
                        struct vh_error *err)
{
    VADisplay d = vaapi_engine_get(engine)->display;
    struct vaapi_surface *s = surface->engine_data;
    const struct vc_pixel_format *pf = layout_format(surface, layout, err);
    if (!pf)
        return err->status;
    struct mapped_image m;
    int rc;
    /* A surface never written is black around what lands in it, as on the
     * other engines. */
    if (!s->written && (src->width != surface->width || src->height != surface->height)) {
        if ((rc = image_open(d, pf, surface->width, surface->height, &m, err)) != VW_OK)
            return rc;
        fill_black(pf, surface->width, surface->height, m.map, m.image.offsets,
                   m.image.pitches);
        if ((rc = put(d, s, &m, surface->width, surface->height, 0, 0, err)) != VW_OK)
            return rc;
    }
    if ((rc = image_open(d, pf, src->width, src->height, &m, err)) != VW_OK)
        return rc;
    /* The source rectangle's start in each plane of the caller's image
     * (x and y are multiples of the chroma subsampling: checked by the
     * core). */
    uint32_t src_offsets[VC_MAX_PLANES] = {0};
    for (unsigned p = 0; p < pf->num_planes; p++) {
        uint64_t x_bytes;
        uint32_t y_rows;
        vc_plane_extent(pf, p, src->x, src->y, &x_bytes, &y_rows);
        src_offsets[p] = layout->offsets[p] + y_rows * layout->pitches[p] + (uint32_t)x_bytes;
    }
    copy_planes(pf, src->width, src->height, m.map, m.image.offsets, m.image.pitches, data,
                src_offsets, layout->pitches);
    rc = put(d, s, &m, src->width, src->height, dst_x, dst_y, err);
    if (rc == VW_OK)
        s->written = true;
    return rc;
}
