/*
 * vaPutSurface on an X11 VADisplay (mpv's --vo=vaapi, old VA players).
 * The host does the work the display hardware would: one PROCESS job
 * (video processing, vpp.h) scales the source rectangle of the surface to
 * the visible part of the destination rectangle and converts it to the
 * drawable's 32-bit RGB layout, in a surface of the driver's own; the
 * driver reads it back (GET_IMAGE) and draws it with XPutImage
 * (x11_output.h). VA_TOP_FIELD / VA_BOTTOM_FIELD show that field alone,
 * bob-deinterlaced to the frame's height (the PROCESS job's bob); both or
 * neither: the whole frame. Clip rectangles are ignored (the X server
 * clips to the drawable; a window's stacking is not ours to honour).
 */
#ifndef VIVAC_GUEST_PUT_SURFACE_H
#define VIVAC_GUEST_PUT_SURFACE_H

#include <stdint.h>
#include <va/va_backend.h>

struct vg_driver;

/* A rectangle in a surface's or a drawable's pixels (vaPutSurface's). */
struct vg_put_rect {
    int32_t x, y;
    uint32_t w, h;
};

/* What one vaPutSurface does (vg_put_plan). */
struct vg_put_plan {
    VARectangle source;             /* region of the surface read */
    uint32_t out_w, out_h;          /* pixels drawn: the visible destination */
    int32_t out_x, out_y;           /* where, in the drawable */
    int field;                      /* -1: frame; 0: top field; 1: bottom */
    VAProcColorStandardType standard;   /* of the source (VA_SRC_*) */
    uint32_t scaling;               /* VA_FILTER_SCALING_* for the pipeline */
};

/* Plans a vaPutSurface of `src` in a surface_w x surface_h surface to
 * `dest` of a drawable_w x drawable_h drawable, with vaPutSurface's flags.
 * The destination is clipped to the drawable and the source shrunk in
 * proportion (nearest pixel, at least one), so the host never scales to
 * pixels nobody sees. 1: draw, 0: nothing visible, -EINVAL: an empty source
 * or one outside the surface. Pure: tests/unit/test_put_surface.c. */
int vg_put_plan(uint32_t surface_w, uint32_t surface_h, struct vg_put_rect src,
                struct vg_put_rect dest, uint32_t drawable_w, uint32_t drawable_h,
                unsigned int flags, struct vg_put_plan *plan);

VAStatus vg_PutSurface(VADriverContextP ctx, VASurfaceID surface, void *draw, short srcx,
                       short srcy, unsigned short srcw, unsigned short srch, short destx,
                       short desty, unsigned short destw, unsigned short desth,
                       VARectangle *cliprects, unsigned int number_cliprects,
                       unsigned int flags);

/* Frees the objects vaPutSurface keeps between calls (vaTerminate; the
 * driver's tables free the VA objects themselves). Accepts none. */
void vg_put_surface_free(struct vg_driver *drv);

#endif
