/*
 * The driver replaces a session the daemon dropped while it held nothing,
 * run by va_reconnect.sh against a daemon started with --idle-timeout 1:
 *
 *   va_reconnect idle     VA display opened, a config and an image made
 *                         (the image's bytes in the session's arena), idle
 *                         for 2.5 s (the daemon ends the session): surfaces,
 *                         a context, PutImage of the old image and GetImage
 *                         read the pixels back; a garbage decode reaches
 *                         the daemon and fails there.
 *   va_reconnect hold     a surface held through 2.5 s idle: the session is
 *                         kept, the surface still reads back.
 *   va_reconnect restart DIR
 *                         two VA displays, one holding a surface, one
 *                         holding nothing; the daemon stops (DIR/down
 *                         appears): calls that need it fail with
 *                         OPERATION_FAILED, one attempt to reconnect for a
 *                         burst of 200 calls (the backoff); the daemon
 *                         comes back (DIR/up): a call after the backoff
 *                         reconnects the display that held nothing; the
 *                         one that held a surface stays lost (errors, not
 *                         a new empty session).
 *
 * Prints "ok - name" / "not ok - name"; exits non-zero on any failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <va/va.h>
#include <va/va_x11.h>
#include <X11/Xlib.h>

static int fails;

static void report(int ok, const char *name)
{
    printf("%s - %s\n", ok ? "ok" : "not ok", name);
    fflush(stdout);
    fails += !ok;
}

static void report_status(VAStatus got, VAStatus want, const char *name)
{
    if (got != want)
        printf("# %s: %d (%s), want %d (%s)\n", name, got, vaErrorStr(got), want, vaErrorStr(want));
    report(got == want, name);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts))
        ;
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int wait_file(const char *dir, const char *name)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    for (int i = 0; i < 3000; i++) {
        if (access(path, F_OK) == 0)
            return 0;
        sleep_ms(10);
    }
    printf("# %s never appeared\n", path);
    return -1;
}

static void say(const char *dir, const char *name)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (f)
        fclose(f);
}

#define W 64
#define H 32
static const VAImageFormat nv12 = {.fourcc = VA_FOURCC_NV12, .byte_order = VA_LSB_FIRST,
                                   .bits_per_pixel = 12};

static unsigned char pattern(int plane, int x, int y, int seed)
{
    return (unsigned char)(x * 7 + y * 13 + plane * 101 + seed * 37 + (x ^ y));
}

/* Writes the pattern into an NV12 W x H image. */
static VAStatus fill(VADisplay dpy, const VAImage *im, int seed)
{
    unsigned char *p;
    VAStatus st = vaMapBuffer(dpy, im->buf, (void **)&p);
    if (st)
        return st;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            p[im->offsets[0] + y * im->pitches[0] + x] = pattern(0, x, y, seed);
    for (int y = 0; y < H / 2; y++)
        for (int x = 0; x < W; x++)
            p[im->offsets[1] + y * im->pitches[1] + x] = pattern(1, x, y, seed);
    return vaUnmapBuffer(dpy, im->buf);
}

/* Mismatches between an NV12 W x H image and the pattern; -1 if it cannot
 * be mapped. */
static int mismatches(VADisplay dpy, const VAImage *im, int seed)
{
    unsigned char *p;
    if (vaMapBuffer(dpy, im->buf, (void **)&p))
        return -1;
    int bad = 0;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            bad += p[im->offsets[0] + y * im->pitches[0] + x] != pattern(0, x, y, seed);
    for (int y = 0; y < H / 2; y++)
        for (int x = 0; x < W; x++)
            bad += p[im->offsets[1] + y * im->pitches[1] + x] != pattern(1, x, y, seed);
    vaUnmapBuffer(dpy, im->buf);
    return bad;
}

/* PutImage of src into s, GetImage of s into a fresh image, compared with
 * the pattern of seed. */
static void round_trip(VADisplay dpy, VASurfaceID s, const VAImage *src, int seed, const char *name)
{
    char what[160];
    snprintf(what, sizeof(what), "%s: vaPutImage", name);
    report_status(vaPutImage(dpy, s, src->image_id, 0, 0, W, H, 0, 0, W, H), VA_STATUS_SUCCESS, what);
    VAImage back;
    snprintf(what, sizeof(what), "%s: vaCreateImage", name);
    report_status(vaCreateImage(dpy, (VAImageFormat *)&nv12, W, H, &back), VA_STATUS_SUCCESS, what);
    snprintf(what, sizeof(what), "%s: vaGetImage", name);
    report_status(vaGetImage(dpy, s, 0, 0, W, H, back.image_id), VA_STATUS_SUCCESS, what);
    int bad = mismatches(dpy, &back, seed);
    snprintf(what, sizeof(what), "%s: pixels read back (%d mismatches)", name, bad);
    report(bad == 0, what);
    vaDestroyImage(dpy, back.image_id);
}

/* A picture of garbage: the daemon's decoder must be reached and fail. */
static void garbage_decode(VADisplay dpy, VAContextID ctx, VASurfaceID s)
{
    VAPictureParameterBufferH264 pp = {0};
    pp.CurrPic.picture_id = s;
    for (int i = 0; i < 16; i++) {
        pp.ReferenceFrames[i].picture_id = VA_INVALID_SURFACE;
        pp.ReferenceFrames[i].flags = VA_PICTURE_H264_INVALID;
    }
    pp.picture_width_in_mbs_minus1 = W / 16 - 1;
    pp.picture_height_in_mbs_minus1 = H / 16 - 1;
    pp.seq_fields.bits.chroma_format_idc = 1;
    pp.seq_fields.bits.frame_mbs_only_flag = 1;
    pp.seq_fields.bits.direct_8x8_inference_flag = 1;
    pp.num_ref_frames = 1;
    pp.pic_fields.bits.reference_pic_flag = 1;
    VASliceParameterBufferH264 sp = {0};
    sp.slice_data_size = 64;
    sp.slice_type = 2;
    sp.slice_data_bit_offset = 8 * 4;
    for (int i = 0; i < 32; i++) {
        sp.RefPicList0[i].picture_id = sp.RefPicList1[i].picture_id = VA_INVALID_SURFACE;
        sp.RefPicList0[i].flags = sp.RefPicList1[i].flags = VA_PICTURE_H264_INVALID;
    }
    unsigned char data[64];
    memset(data, 0xff, sizeof(data));
    data[0] = 0x65;
    VABufferID b[3];
    VAStatus st = vaCreateBuffer(dpy, ctx, VAPictureParameterBufferType, sizeof(pp), 1, &pp, &b[0]);
    if (!st)
        st = vaCreateBuffer(dpy, ctx, VASliceParameterBufferType, sizeof(sp), 1, &sp, &b[1]);
    if (!st)
        st = vaCreateBuffer(dpy, ctx, VASliceDataBufferType, sizeof(data), 1, data, &b[2]);
    if (!st)
        st = vaBeginPicture(dpy, ctx, s);
    if (!st)
        st = vaRenderPicture(dpy, ctx, b, 3);
    if (!st)
        st = vaEndPicture(dpy, ctx);
    report_status(st, VA_STATUS_SUCCESS, "idle: a picture is sent to the new session");
    report_status(vaSyncSurface(dpy, s), VA_STATUS_ERROR_DECODING_ERROR,
                  "idle: the daemon decodes it (garbage: DECODING_ERROR)");
}

static void case_idle(VADisplay dpy)
{
    VAConfigID cfg;
    report_status(vaCreateConfig(dpy, VAProfileH264Main, VAEntrypointVLD, NULL, 0, &cfg),
                  VA_STATUS_SUCCESS, "idle: config before the idle period");
    VAImage early;
    report_status(vaCreateImage(dpy, (VAImageFormat *)&nv12, W, H, &early), VA_STATUS_SUCCESS,
                  "idle: image before the idle period");
    report_status(fill(dpy, &early, 1), VA_STATUS_SUCCESS, "idle: image filled");

    sleep_ms(2500); /* --idle-timeout 1: the daemon ends the session */

    /* Made while the session is lost: guest memory, no daemon needed. */
    VAImage late;
    report_status(vaCreateImage(dpy, (VAImageFormat *)&nv12, W, H, &late), VA_STATUS_SUCCESS,
                  "idle: image after the idle period");
    report_status(fill(dpy, &late, 2), VA_STATUS_SUCCESS, "idle: second image filled");

    VASurfaceID s[2];
    report_status(vaCreateSurfaces(dpy, VA_RT_FORMAT_YUV420, W, H, s, 2, NULL, 0),
                  VA_STATUS_SUCCESS, "idle: vaCreateSurfaces after the session was dropped");
    round_trip(dpy, s[0], &early, 1, "idle: image made before the drop");
    round_trip(dpy, s[1], &late, 2, "idle: image made while the session was lost");

    VAContextID ctx;
    report_status(vaCreateContext(dpy, cfg, W, H, VA_PROGRESSIVE, s, 2, &ctx), VA_STATUS_SUCCESS,
                  "idle: vaCreateContext with the config made before the drop");
    garbage_decode(dpy, ctx, s[1]);
    /* The first surface is untouched by the failed decode. */
    round_trip(dpy, s[0], &early, 1, "idle: after the decode");
    vaDestroyContext(dpy, ctx);
    report_status(vaDestroySurfaces(dpy, s, 2), VA_STATUS_SUCCESS, "idle: surfaces destroyed");
    vaDestroyImage(dpy, early.image_id);
    vaDestroyImage(dpy, late.image_id);
    vaDestroyConfig(dpy, cfg);
}

static void case_hold(VADisplay dpy)
{
    VASurfaceID s;
    report_status(vaCreateSurfaces(dpy, VA_RT_FORMAT_YUV420, W, H, &s, 1, NULL, 0),
                  VA_STATUS_SUCCESS, "hold: vaCreateSurfaces");
    VAImage im;
    report_status(vaCreateImage(dpy, (VAImageFormat *)&nv12, W, H, &im), VA_STATUS_SUCCESS,
                  "hold: vaCreateImage");
    report_status(fill(dpy, &im, 3), VA_STATUS_SUCCESS, "hold: image filled");
    report_status(vaPutImage(dpy, s, im.image_id, 0, 0, W, H, 0, 0, W, H), VA_STATUS_SUCCESS,
                  "hold: vaPutImage");

    sleep_ms(2500); /* a session holding a surface is not idle for the daemon */

    VAImage back;
    report_status(vaCreateImage(dpy, (VAImageFormat *)&nv12, W, H, &back), VA_STATUS_SUCCESS,
                  "hold: second vaCreateImage");
    report_status(vaGetImage(dpy, s, 0, 0, W, H, back.image_id), VA_STATUS_SUCCESS,
                  "hold: vaGetImage of the surface held through the idle period");
    int bad = mismatches(dpy, &back, 3);
    char what[96];
    snprintf(what, sizeof(what), "hold: the surface kept its pixels (%d mismatches)", bad);
    report(bad == 0, what);
    vaDestroyImage(dpy, back.image_id);
    vaDestroyImage(dpy, im.image_id);
    vaDestroySurfaces(dpy, &s, 1);
}

static void case_restart(VADisplay dpy, VADisplay holder, const char *dir)
{
    VASurfaceID held;
    VAImage hi;
    report_status(vaCreateSurfaces(holder, VA_RT_FORMAT_YUV420, W, H, &held, 1, NULL, 0),
                  VA_STATUS_SUCCESS, "restart: second display: vaCreateSurfaces");
    report_status(vaCreateImage(holder, (VAImageFormat *)&nv12, W, H, &hi), VA_STATUS_SUCCESS,
                  "restart: second display: vaCreateImage");
    say(dir, "ready");
    if (wait_file(dir, "down")) {
        fails++;
        return;
    }
    VASurfaceID s;
    report_status(vaCreateSurfaces(dpy, VA_RT_FORMAT_YUV420, W, H, &s, 1, NULL, 0),
                  VA_STATUS_ERROR_OPERATION_FAILED, "restart: daemon down: vaCreateSurfaces fails");
    long failed_at = now_ms();
    /* An application retrying in a loop: failures at once, one attempt
     * (the stderr log shows attempts; va_reconnect.sh counts them). */
    int other = 0;
    for (int i = 0; i < 200; i++)
        other += vaCreateSurfaces(dpy, VA_RT_FORMAT_YUV420, W, H, &s, 1, NULL, 0) !=
                 VA_STATUS_ERROR_OPERATION_FAILED;
    long burst = now_ms() - failed_at;
    report(other == 0, "restart: daemon down: 200 more calls fail");
    say(dir, "burst-done");
    if (wait_file(dir, "up")) {
        fails++;
        return;
    }
    /* Past the first backoff (500 ms): the next call tries again. */
    long since = now_ms() - failed_at;
    if (since < 700)
        sleep_ms(700 - since);
    report_status(vaCreateSurfaces(dpy, VA_RT_FORMAT_YUV420, W, H, &s, 1, NULL, 0),
                  VA_STATUS_SUCCESS, "restart: daemon back: vaCreateSurfaces reconnects");
    VAImage im;
    report_status(vaCreateImage(dpy, (VAImageFormat *)&nv12, W, H, &im), VA_STATUS_SUCCESS,
                  "restart: vaCreateImage");
    report_status(fill(dpy, &im, 4), VA_STATUS_SUCCESS, "restart: image filled");
    round_trip(dpy, s, &im, 4, "restart: new daemon");
    vaDestroyImage(dpy, im.image_id);
    vaDestroySurfaces(dpy, &s, 1);
    printf("# burst of 200 failing calls took %ld ms\n", burst);

    /* Its surface is gone with the old daemon: no new session, errors. */
    report_status(vaGetImage(holder, held, 0, 0, W, H, hi.image_id),
                  VA_STATUS_ERROR_OPERATION_FAILED,
                  "restart: second display: its surface is gone: vaGetImage fails");
    report_status(vaCreateSurfaces(holder, VA_RT_FORMAT_YUV420, W, H, &s, 1, NULL, 0),
                  VA_STATUS_ERROR_OPERATION_FAILED,
                  "restart: second display: the session lost with a surface stays lost");
    vaDestroyImage(holder, hi.image_id);
    report_status(vaDestroySurfaces(holder, &held, 1), VA_STATUS_SUCCESS,
                  "restart: second display: its dead surface can be destroyed");
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    if (strcmp(mode, "idle") && strcmp(mode, "hold") && !(strcmp(mode, "restart") == 0 && argc > 2)) {
        fprintf(stderr, "usage: va_reconnect idle|hold|restart DIR\n");
        return 2;
    }
    Display *x = XOpenDisplay(NULL);
    if (!x) {
        printf("not ok - cannot open the X display\n");
        return 1;
    }
    VADisplay dpy = vaGetDisplay(x);
    int maj, min;
    VAStatus st = vaInitialize(dpy, &maj, &min);
    report_status(st, VA_STATUS_SUCCESS, "vaInitialize");
    if (st) {
        XCloseDisplay(x);
        return 1;
    }
    if (strcmp(mode, "idle") == 0) {
        case_idle(dpy);
    } else if (strcmp(mode, "hold") == 0) {
        case_hold(dpy);
    } else {
        /* A second X connection: a VA display (and a driver session) of its own. */
        Display *x2 = XOpenDisplay(NULL);
        VADisplay holder = x2 ? vaGetDisplay(x2) : NULL;
        st = holder ? vaInitialize(holder, &maj, &min) : VA_STATUS_ERROR_INVALID_DISPLAY;
        report_status(st, VA_STATUS_SUCCESS, "vaInitialize of a second display");
        if (st == VA_STATUS_SUCCESS) {
            case_restart(dpy, holder, argv[2]);
            report_status(vaTerminate(holder), VA_STATUS_SUCCESS, "vaTerminate of the second display");
        }
        if (x2)
            XCloseDisplay(x2);
    }
    report_status(vaTerminate(dpy), VA_STATUS_SUCCESS, "vaTerminate");
    XCloseDisplay(x);
    printf("%s (%d failures)\n", fails ? "FAILED" : "OK", fails);
    return fails != 0;
}
