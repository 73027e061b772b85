/* vaPutSurface's rectangles and flags -> what the pipeline and XPutImage
 * do (put_surface.h): pure, no driver state. */
#include <errno.h>
#include <stdbool.h>

#include "guest/put_surface.h"

/* One axis: the source span [s0, s0 + sn) shown on [d0, d0 + dn), clipped
 * to [0, limit). Returns false when nothing of it is visible; otherwise
 * the visible destination span and the source span it shows. */
static bool clip_axis(int64_t s0, int64_t sn, int64_t d0, int64_t dn, int64_t limit,
                      int64_t *vs0, int64_t *vsn, int64_t *vd0, int64_t *vdn)
{
    int64_t lo = d0 < 0 ? 0 : d0, hi = d0 + dn > limit ? limit : d0 + dn;
    if (hi <= lo)
        return false;
    /* The source under the visible part, to the nearest pixel. */
    int64_t a = s0 + ((lo - d0) * sn + dn / 2) / dn;
    int64_t b = s0 + ((hi - d0) * sn + dn / 2) / dn;
    if (b <= a) { /* a sliver of a large magnification: one source pixel */
        if (a >= s0 + sn)
            a = s0 + sn - 1;
        b = a + 1;
    }
    *vs0 = a;
    *vsn = b - a;
    *vd0 = lo;
    *vdn = hi - lo;
    return true;
}

int vg_put_plan(uint32_t surface_w, uint32_t surface_h, struct vg_put_rect src,
                struct vg_put_rect dest, uint32_t drawable_w, uint32_t drawable_h,
                unsigned int flags, struct vg_put_plan *plan)
{
    if (src.w == 0 || src.h == 0 || src.x < 0 || src.y < 0 ||
        (uint64_t)src.x + src.w > surface_w || (uint64_t)src.y + src.h > surface_h)
        return -EINVAL;
    if (dest.w == 0 || dest.h == 0)
        return 0;
    int64_t sx, sw, sy, sh, dx, dw, dy, dh;
    if (!clip_axis(src.x, src.w, dest.x, dest.w, drawable_w, &sx, &sw, &dx, &dw) ||
        !clip_axis(src.y, src.h, dest.y, dest.h, drawable_h, &sy, &sh, &dy, &dh))
        return 0;
    *plan = (struct vg_put_plan){
        .source = {(int16_t)sx, (int16_t)sy, (uint16_t)sw, (uint16_t)sh},
        .out_w = (uint32_t)dw, .out_h = (uint32_t)dh,
        .out_x = (int32_t)dx, .out_y = (int32_t)dy,
        .field = -1,
        .standard = VAProcColorStandardNone,
        .scaling = VA_FILTER_SCALING_DEFAULT,
    };
    unsigned fields = flags & (VA_TOP_FIELD | VA_BOTTOM_FIELD);
    if (fields == VA_TOP_FIELD)
        plan->field = 0;
    else if (fields == VA_BOTTOM_FIELD)
        plan->field = 1;
    switch (flags & VA_SRC_COLOR_MASK) {
    case VA_SRC_BT601:
        plan->standard = VAProcColorStandardBT601;
        break;
    case VA_SRC_BT709:
    case VA_SRC_SMPTE_240: /* the pipeline has no 240M: BT.709 is its successor */
        plan->standard = VAProcColorStandardBT709;
        break;
    default: /* unspecified: the host picks by size, as FFmpeg's scale */
        break;
    }
    switch (flags & VA_FILTER_SCALING_MASK) {
    case VA_FILTER_SCALING_FAST:
    case VA_FILTER_SCALING_HQ:
        plan->scaling = flags & VA_FILTER_SCALING_MASK;
        break;
    default: /* default, and non-linear anamorphic (a hint nobody else has) */
        break;
    }
    return 1;
}
