/* XPutImage through a dlopen'ed libX11 (x11_output.h). */
#include "guest/x11_output.h"

#include <errno.h>

#include "common/log.h"

#if VIVAC_HAVE_XLIB_H
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include <va/va.h>

/* The libX11 functions used (Xlib.h's macros read the Display itself). */
static struct {
    Status (*get_geometry)(Display *, Drawable, Window *, int *, int *, unsigned int *,
                           unsigned int *, unsigned int *, unsigned int *);
    Status (*init_image)(XImage *);
    GC (*create_gc)(Display *, Drawable, unsigned long, XGCValues *);
    int (*free_gc)(Display *, GC);
    int (*put_image)(Display *, Drawable, GC, XImage *, int, int, int, int, unsigned int,
                     unsigned int);
    int (*sync)(Display *, Bool);
    bool loaded;
} x11;

static pthread_once_t x11_once = PTHREAD_ONCE_INIT;

static void load_x11(void)
{
    /* Never closed: the program's own Xlib is this one. */
    void *lib = dlopen("libX11.so.6", RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        vc_error("vaPutSurface: cannot load libX11.so.6 (%s)", dlerror());
        return;
    }
    struct {
        const char *name;
        void **slot;
    } syms[] = {
        {"XGetGeometry", (void **)&x11.get_geometry}, {"XInitImage", (void **)&x11.init_image},
        {"XCreateGC", (void **)&x11.create_gc},       {"XFreeGC", (void **)&x11.free_gc},
        {"XPutImage", (void **)&x11.put_image},       {"XSync", (void **)&x11.sync},
    };
    for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
        *syms[i].slot = dlsym(lib, syms[i].name);
        if (!*syms[i].slot) {
            vc_error("vaPutSurface: libX11.so.6 has no %s", syms[i].name);
            return;
        }
    }
    x11.loaded = true;
}

static bool have_x11(void)
{
    pthread_once(&x11_once, load_x11);
    return x11.loaded;
}

/* The screen whose root is `root`. */
static Screen *screen_of_root(Display *dpy, Window root)
{
    for (int i = 0; i < ScreenCount(dpy); i++)
        if (RootWindow(dpy, i) == root)
            return ScreenOfDisplay(dpy, i);
    return NULL;
}

int vg_x11_target_get(void *display, unsigned long drawable, struct vg_x11_target *out)
{
    if (!have_x11())
        return -ENOSYS;
    Display *dpy = display;
    Window root;
    int x, y;
    unsigned w, h, border, depth;
    if (!x11.get_geometry(dpy, drawable, &root, &x, &y, &w, &h, &border, &depth))
        return -EINVAL;
    Screen *scr = screen_of_root(dpy, root);
    const Visual *v = scr ? DefaultVisualOfScreen(scr) : NULL;
    bool ok = v && v->class == TrueColor && (depth == 24 || depth == 32) &&
              v->green_mask == 0xff00;
    if (ok && v->red_mask == 0xff0000 && v->blue_mask == 0xff)
        out->fourcc = VA_FOURCC_BGRX; /* little-endian B, G, R, X */
    else if (ok && v->red_mask == 0xff && v->blue_mask == 0xff0000)
        out->fourcc = VA_FOURCC_RGBX;
    else {
        /* Once: a player asks again for every frame. */
        static atomic_bool warned;
        if (!atomic_exchange(&warned, true))
            vc_warn("vaPutSurface: drawable of depth %u on a visual vivac cannot draw "
                    "(TrueColor, 8 bits a channel, depth 24 or 32 only)", depth);
        return -ENOTSUP;
    }
    out->width = w;
    out->height = h;
    out->depth = depth;
    return 0;
}

int vg_x11_draw(void *display, unsigned long drawable, const struct vg_x11_target *t,
                const uint8_t *pixels, uint32_t pitch, uint32_t w, uint32_t h, int32_t x,
                int32_t y)
{
    if (!have_x11())
        return -ENOSYS;
    Display *dpy = display;
    /* The pixels as they lie in memory (a little-endian 32-bit word each):
     * Xlib converts to the server's order where it differs. */
    XImage img;
    memset(&img, 0, sizeof(img));
    img.width = (int)w;
    img.height = (int)h;
    img.format = ZPixmap;
    img.data = (char *)pixels;
    img.byte_order = LSBFirst;
    img.bitmap_unit = 32;
    img.bitmap_bit_order = LSBFirst;
    img.bitmap_pad = 32;
    img.depth = (int)t->depth; /* ZPixmap: the drawable's, or BadMatch */
    img.bytes_per_line = (int)pitch;
    img.bits_per_pixel = 32;
    bool bgrx = t->fourcc == VA_FOURCC_BGRX;
    img.red_mask = bgrx ? 0xff0000 : 0xff;
    img.green_mask = 0xff00;
    img.blue_mask = bgrx ? 0xff : 0xff0000;
    if (!x11.init_image(&img))
        return -EINVAL;
    GC gc = x11.create_gc(dpy, drawable, 0, NULL);
    if (!gc)
        return -ENOMEM;
    x11.put_image(dpy, drawable, gc, &img, 0, 0, x, y, w, h);
    x11.free_gc(dpy, gc);
    /* Drawn before vaPutSurface returns, as a display's driver would. */
    x11.sync(dpy, False);
    return 0;
}

#else /* built without Xlib's headers */

int vg_x11_target_get(void *display, unsigned long drawable, struct vg_x11_target *out)
{
    vc_error("vaPutSurface: this vivac driver was built without X11 support");
    return -ENOSYS;
}

int vg_x11_draw(void *display, unsigned long drawable, const struct vg_x11_target *t,
                const uint8_t *pixels, uint32_t pitch, uint32_t w, uint32_t h, int32_t x,
                int32_t y)
{
    return -ENOSYS;
}

#endif
