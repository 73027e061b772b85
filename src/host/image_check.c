/* GET_IMAGE / PUT_IMAGE rectangle and layout checks (image_check.h). */
#include "host/image_check.h"

#include "common/cursor.h"
#include "common/pixel_format.h"

/* Checks a layout (the surface's format) holding the image rectangle (x, y,
 * w, h) (in image coordinates) and sets *needed to the bytes it spans from
 * the data start: plane p ends at offsets[p] + pitches[p] * rows_p.
 * Overflow-checked. */
int vh_image_check_layout(const char *what, const struct vw_image_layout *l,
                          const struct vh_surface *surface, uint32_t x, uint32_t y, uint32_t w,
                          uint32_t h, uint64_t *needed, struct vh_error *err)
{
    const struct vc_pixel_format *pf = vc_pixel_format_get(l->pixel_format);
    if (!pf)
        return vh_error_set(err, VW_ERR_UNSUPPORTED_FORMAT,
                            "%s: layout.pixel_format 0x%08x not supported (NV12, P010, 422H, "
                            "444P, Y210, Y410, YUY2)", what, l->pixel_format);
    /* The surface's format, or one that only moves its samples (YUY2 for
     * 422H): no conversion of values. */
    if (!vc_pixel_format_repackable(pf, vc_pixel_format_get(surface->pixel_format)))
        return vh_error_set(err, VW_ERR_UNSUPPORTED_FORMAT,
                            "%s: layout.pixel_format %s does not hold surface %u's 0x%08x "
                            "(no conversion)", what, pf->name, surface->id,
                            surface->pixel_format);
    if (l->num_planes != pf->num_planes)
        return vh_error_set(err, VW_ERR_MALFORMED, "%s: layout.num_planes %u, %s has %u", what,
                            l->num_planes, pf->name, pf->num_planes);
    if ((uint64_t)x + w > VW_MAX_WIDTH || (uint64_t)y + h > VW_MAX_HEIGHT)
        return vh_error_set(err, VW_ERR_MALFORMED, "%s: image rectangle %u,%u %ux%u beyond %ux%u",
                            what, x, y, w, h, VW_MAX_WIDTH, VW_MAX_HEIGHT);
    uint64_t end = 0;
    for (unsigned p = 0; p < pf->num_planes; p++) {
        uint64_t right;
        uint32_t rows;
        vc_plane_extent(pf, p, x + w, y + h, &right, &rows);
        if (l->pitches[p] < right)
            return vh_error_set(err, VW_ERR_MALFORMED,
                                "%s: layout.pitches[%u] %u smaller than the row (%llu bytes)",
                                what, p, l->pitches[p], (unsigned long long)right);
        /* pitch < 2^32, rows < 2^32: no overflow in 64 bits. */
        uint64_t plane_end = (uint64_t)l->offsets[p] + (uint64_t)l->pitches[p] * rows;
        if (plane_end > end)
            end = plane_end;
    }
    *needed = end;
    return VW_OK;
}

/* Rectangle (x, y, w, h) inside a surface, non-empty, not splitting a
 * chroma sample (even for 4:2:0). */
int vh_image_check_rect(const char *what, const struct vh_surface *s, uint32_t x, uint32_t y,
                        uint32_t w, uint32_t h, struct vh_error *err)
{
    const struct vc_pixel_format *pf = vc_pixel_format_get(s->pixel_format);
    uint32_t ax = pf ? vc_pixel_format_align_x(pf) : 2, ay = pf ? vc_pixel_format_align_y(pf) : 2;
    if (w == 0 || h == 0)
        return vh_error_set(err, VW_ERR_MALFORMED, "%s: empty rectangle %ux%u", what, w, h);
    if ((x | w) & (ax - 1) || (y | h) & (ay - 1))
        return vh_error_set(err, VW_ERR_MALFORMED,
                            "%s: rectangle %u,%u %ux%u: %s needs multiples of %u horizontally, "
                            "%u vertically", what, x, y, w, h, pf ? pf->name : "?", ax, ay);
    if (!vc_range_ok(x, w, s->width) || !vc_range_ok(y, h, s->height))
        return vh_error_set(err, VW_ERR_MALFORMED,
                            "%s: rectangle %u,%u %ux%u outside surface %u (%ux%u)", what, x, y, w,
                            h, s->id, s->width, s->height);
    return VW_OK;
}
