/*
 * vaPutSurface straight through libva (put_surface_fields.sh): an NV12
 * picture uploaded with vaPutImage, put on a black pixmap with the flags and
 * rectangles given, the pixmap read back with XGetImage.
 *
 *   va_put_surface PICTURE.nv12 W H FLAGS SX SY SW SH DX DY DW DH PW PH
 *
 * FLAGS: frame, top or bottom (VA_FRAME_PICTURE, VA_TOP_FIELD,
 * VA_BOTTOM_FIELD). Writes the PW x PH pixmap's pixels to stdout as 32-bit
 * words (little-endian BGRX on the usual visuals); exits non-zero, saying
 * why, when a call fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <va/va.h>
#include <va/va_x11.h>
#include <X11/Xlib.h>
#include <X11/Xutil.h>

#define CHECK_VA(call)                                                        \
    do {                                                                      \
        VAStatus st_ = (call);                                                \
        if (st_ != VA_STATUS_SUCCESS) {                                       \
            fprintf(stderr, "%s: %s\n", #call, vaErrorStr(st_));              \
            exit(1);                                                          \
        }                                                                     \
    } while (0)

static unsigned char *read_all(const char *path, size_t want)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = malloc(want);
    if (!f || !buf || fread(buf, 1, want, f) != want) {
        fprintf(stderr, "cannot read %zu bytes of %s\n", want, path);
        exit(1);
    }
    fclose(f);
    return buf;
}

/* Copies a tight NV12 picture into a mapped NV12 VA image. */
static void upload(VADisplay va, VAImage *img, const unsigned char *nv12, int w, int h)
{
    unsigned char *p;
    CHECK_VA(vaMapBuffer(va, img->buf, (void **)&p));
    for (int y = 0; y < h; y++)
        memcpy(p + img->offsets[0] + (size_t)y * img->pitches[0], nv12 + (size_t)y * w, w);
    for (int y = 0; y < h / 2; y++)
        memcpy(p + img->offsets[1] + (size_t)y * img->pitches[1],
               nv12 + (size_t)w * h + (size_t)y * w, w);
    CHECK_VA(vaUnmapBuffer(va, img->buf));
}

int main(int argc, char **argv)
{
    if (argc != 15) {
        fprintf(stderr, "usage: %s PICTURE.nv12 W H FLAGS SX SY SW SH DX DY DW DH PW PH\n",
                argv[0]);
        return 2;
    }
    int w = atoi(argv[2]), h = atoi(argv[3]);
    unsigned flags = !strcmp(argv[4], "top") ? VA_TOP_FIELD
                     : !strcmp(argv[4], "bottom") ? VA_BOTTOM_FIELD : VA_FRAME_PICTURE;
    int a[10]; /* SX SY SW SH DX DY DW DH PW PH */
    for (int i = 0; i < 10; i++)
        a[i] = atoi(argv[5 + i]);
    int pw = a[8], ph = a[9];
    unsigned char *nv12 = read_all(argv[1], (size_t)w * h * 3 / 2);

    Display *dpy = XOpenDisplay(NULL);
    if (!dpy) {
        fprintf(stderr, "no X display\n");
        return 1;
    }
    VADisplay va = vaGetDisplay(dpy);
    int major, minor;
    CHECK_VA(vaInitialize(va, &major, &minor));

    VASurfaceID surface;
    CHECK_VA(vaCreateSurfaces(va, VA_RT_FORMAT_YUV420, w, h, &surface, 1, NULL, 0));
    VAImageFormat fmt = {.fourcc = VA_FOURCC_NV12, .byte_order = VA_LSB_FIRST, .bits_per_pixel = 12};
    VAImage img;
    CHECK_VA(vaCreateImage(va, &fmt, w, h, &img));
    upload(va, &img, nv12, w, h);
    CHECK_VA(vaPutImage(va, surface, img.image_id, 0, 0, w, h, 0, 0, w, h));

    int screen = DefaultScreen(dpy);
    Pixmap pix = XCreatePixmap(dpy, RootWindow(dpy, screen), pw, ph, DefaultDepth(dpy, screen));
    GC gc = XCreateGC(dpy, pix, 0, NULL);
    XSetForeground(dpy, gc, BlackPixel(dpy, screen));
    XFillRectangle(dpy, pix, gc, 0, 0, pw, ph);
    CHECK_VA(vaPutSurface(va, surface, pix, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7],
                          NULL, 0, flags));

    XImage *got = XGetImage(dpy, pix, 0, 0, pw, ph, AllPlanes, ZPixmap);
    if (!got || got->bits_per_pixel != 32) {
        fprintf(stderr, "XGetImage: no 32-bit image\n");
        return 1;
    }
    for (int y = 0; y < ph; y++)
        fwrite(got->data + (size_t)y * got->bytes_per_line, 4, pw, stdout);
    XDestroyImage(got);
    XFreeGC(dpy, gc);
    XFreePixmap(dpy, pix);
    vaDestroyImage(va, img.image_id);
    vaDestroySurfaces(va, &surface, 1);
    vaTerminate(va);
    XCloseDisplay(dpy);
    free(nv12);
    return 0;
}
