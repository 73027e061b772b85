/*
 * Drawing 32-bit RGB pixels on an X11 drawable for vaPutSurface
 * (put_surface.h). libX11 is loaded with dlopen at first use, so the driver
 * links no X library and loads on headless guests; a driver built without
 * Xlib's headers, or a guest without libX11.so.6, answers -ENOSYS.
 * Thread safety: the caller's, as every Xlib call on its Display.
 */
#ifndef VIVAC_GUEST_X11_OUTPUT_H
#define VIVAC_GUEST_X11_OUTPUT_H

#include <stdint.h>

/* What a drawable takes. */
struct vg_x11_target {
    uint32_t fourcc;     /* VA_FOURCC_BGRX or VA_FOURCC_RGBX: its pixel layout */
    uint32_t width, height;
    uint32_t depth;      /* 24 or 32 */
};

/* Looks at `drawable` of `display` (an X11 Display *): its size, and the
 * layout of its screen's default visual, which must be TrueColor with 8
 * bits per channel at depth 24 or 32. 0, -ENOSYS (no libX11), -ENOTSUP
 * (another visual), -EINVAL (not a drawable). */
int vg_x11_target_get(void *display, unsigned long drawable, struct vg_x11_target *out);

/* Draws w x h pixels (rows `pitch` bytes apart, in the layout `t` says)
 * at (x, y) of `drawable` (the one `t` was got of), and waits for the
 * server to take them. 0 or -ENOSYS / -ENOMEM / -EINVAL. */
int vg_x11_draw(void *display, unsigned long drawable, const struct vg_x11_target *t,
                const uint8_t *pixels, uint32_t pitch, uint32_t w, uint32_t h, int32_t x,
                int32_t y);

#endif
