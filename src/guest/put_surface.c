/* vaPutSurface (put_surface.h): the host scales and converts, the guest
 * draws. Runs through the driver's own entry points, as a VA client of
 * itself: they take the driver lock, so present_lock (held across one
 * whole call) orders concurrent vaPutSurface calls instead. */
#include "guest/put_surface.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>

#include <va/va_backend.h>

#include "common/log.h"
#include "guest/buffer.h"
#include "guest/config.h"
#include "guest/context.h"
#include "guest/image.h"
#include "guest/surface.h"
#include "guest/x11_output.h"

/* The objects kept between calls: a VideoProc pipeline and its output
 * surface and image, remade when the size or layout drawn changes. */
struct vg_present {
    VAConfigID config;
    VAContextID context;
    VASurfaceID surface;
    VAImage image;
    uint32_t width, height, fourcc; /* of surface and image; 0: none */
};

/* Drops the output surface and image (best effort: gone anyway at
 * vaTerminate). */
static void drop_output(VADriverContextP ctx, struct vg_present *p)
{
    if (!p->width)
        return;
    vg_DestroyImage(ctx, p->image.image_id);
    vg_DestroySurfaces(ctx, &p->surface, 1);
    p->width = p->height = p->fourcc = 0;
}

/* The pipeline, and an output surface and image of w x h in `fourcc`. */
static VAStatus ensure_objects(VADriverContextP ctx, struct vg_present *p, uint32_t w,
                               uint32_t h, uint32_t fourcc)
{
    VAStatus st;
    if (p->config == VA_INVALID_ID) {
        st = vg_CreateConfig(ctx, VAProfileNone, VAEntrypointVideoProc, NULL, 0, &p->config);
        if (st) {
            vc_warn("vaPutSurface needs the daemon's video processing (VIDEOPROC): %s",
                    vaErrorStr(st));
            return st;
        }
    }
    if (p->context == VA_INVALID_ID) {
        st = vg_CreateContext(ctx, p->config, 0, 0, 0, NULL, 0, &p->context);
        if (st)
            return st;
    }
    if (p->width == w && p->height == h && p->fourcc == fourcc)
        return VA_STATUS_SUCCESS;
    drop_output(ctx, p);
    VASurfaceAttrib attr = {.type = VASurfaceAttribPixelFormat,
                            .flags = VA_SURFACE_ATTRIB_SETTABLE,
                            .value = {.type = VAGenericValueTypeInteger, .value.i = (int)fourcc}};
    st = vg_CreateSurfaces2(ctx, VA_RT_FORMAT_RGB32, w, h, &p->surface, 1, &attr, 1);
    if (st) {
        vc_warn("vaPutSurface: cannot make a %ux%u RGB surface to draw from: %s", w, h,
                vaErrorStr(st));
        return st;
    }
    VAImageFormat fmt = {.fourcc = fourcc, .byte_order = VA_LSB_FIRST, .bits_per_pixel = 32};
    st = vg_CreateImage(ctx, &fmt, (int)w, (int)h, &p->image);
    if (st) {
        vg_DestroySurfaces(ctx, &p->surface, 1);
        return st;
    }
    p->width = w;
    p->height = h;
    p->fourcc = fourcc;
    return VA_STATUS_SUCCESS;
}

/* One PROCESS job: the plan's source region of `surface` to the whole
 * output surface, bob of a field where asked. */
static VAStatus process(VADriverContextP ctx, struct vg_present *p, VASurfaceID surface,
                        const struct vg_put_plan *plan)
{
    VABufferID bufs[2] = {VA_INVALID_ID, VA_INVALID_ID};
    VAProcPipelineParameterBuffer pp = {
        .surface = surface,
        .surface_region = &plan->source,
        .surface_color_standard = plan->standard,
        .output_background_color = 0xff000000,
        .output_color_standard = VAProcColorStandardNone,
        .filter_flags = plan->scaling,
    };
    VAStatus st = VA_STATUS_SUCCESS;
    if (plan->field >= 0) {
        VAProcFilterParameterBufferDeinterlacing deint = {
            .type = VAProcFilterDeinterlacing,
            .algorithm = VAProcDeinterlacingBob,
            .flags = plan->field ? VA_DEINTERLACING_BOTTOM_FIELD : 0,
        };
        st = vg_CreateBuffer(ctx, p->context, VAProcFilterParameterBufferType, sizeof(deint), 1,
                             &deint, &bufs[1]);
        pp.filters = &bufs[1];
        pp.num_filters = 1;
    }
    if (!st)
        st = vg_CreateBuffer(ctx, p->context, VAProcPipelineParameterBufferType, sizeof(pp), 1,
                             &pp, &bufs[0]);
    if (!st)
        st = vg_BeginPicture(ctx, p->context, p->surface);
    if (!st) {
        st = vg_RenderPicture(ctx, p->context, &bufs[0], 1);
        /* Ends the picture even so: the context must not stay in one. */
        VAStatus end = vg_EndPicture(ctx, p->context);
        st = st ? st : end;
    }
    for (int i = 0; i < 2; i++)
        if (bufs[i] != VA_INVALID_ID)
            vg_DestroyBuffer(ctx, bufs[i]);
    return st ? st : vg_SyncSurface(ctx, p->surface);
}

/* Reads the output surface back and draws it. */
static VAStatus draw(VADriverContextP ctx, struct vg_present *p, unsigned long drawable,
                     const struct vg_x11_target *t, const struct vg_put_plan *plan)
{
    VAStatus st = vg_GetImage(ctx, p->surface, 0, 0, p->width, p->height, p->image.image_id);
    void *pixels = NULL;
    if (!st)
        st = vg_MapBuffer(ctx, p->image.buf, &pixels);
    if (st)
        return st;
    int err = vg_x11_draw(ctx->native_dpy, drawable, t, (const uint8_t *)pixels + p->image.offsets[0],
                          p->image.pitches[0], plan->out_w, plan->out_h, plan->out_x, plan->out_y);
    vg_UnmapBuffer(ctx, p->image.buf);
    return err ? VA_STATUS_ERROR_OPERATION_FAILED : VA_STATUS_SUCCESS;
}

/* The source surface's size; false if it does not exist. */
static bool surface_size(VADriverContextP ctx, VASurfaceID id, uint32_t *w, uint32_t *h)
{
    struct vg_driver *drv = vg_lock(ctx);
    const struct vg_surface *s = vg_surface_get(drv, id);
    if (s) {
        *w = s->width;
        *h = s->height;
    }
    vg_unlock(drv);
    return s != NULL;
}

VAStatus vg_PutSurface(VADriverContextP ctx, VASurfaceID surface, void *draw_to, short srcx,
                       short srcy, unsigned short srcw, unsigned short srch, short destx,
                       short desty, unsigned short destw, unsigned short desth,
                       VARectangle *cliprects, unsigned int number_cliprects,
                       unsigned int flags)
{
    (void)cliprects;
    (void)number_cliprects;
    if ((ctx->display_type & VA_DISPLAY_MAJOR_MASK) != VA_DISPLAY_X11) {
        static atomic_bool warned; /* once: a player asks for every frame */
        if (!atomic_exchange(&warned, true))
            vc_warn("vaPutSurface draws on X11 displays only (this one is of type 0x%lx): read "
                    "frames back with vaGetImage / vaDeriveImage instead",
                    (unsigned long)ctx->display_type);
        return VA_STATUS_ERROR_UNIMPLEMENTED;
    }
    if (!draw_to)
        return VA_STATUS_ERROR_INVALID_PARAMETER;
    unsigned long drawable = (unsigned long)(uintptr_t)draw_to;
    uint32_t sw, sh;
    if (!surface_size(ctx, surface, &sw, &sh))
        return VA_STATUS_ERROR_INVALID_SURFACE;
    struct vg_x11_target t;
    int err = vg_x11_target_get(ctx->native_dpy, drawable, &t);
    if (err)
        return err == -EINVAL ? VA_STATUS_ERROR_INVALID_PARAMETER
                              : VA_STATUS_ERROR_UNIMPLEMENTED;
    struct vg_put_plan plan;
    int r = vg_put_plan(sw, sh, (struct vg_put_rect){srcx, srcy, srcw, srch},
                        (struct vg_put_rect){destx, desty, destw, desth}, t.width, t.height,
                        flags, &plan);
    if (r < 0)
        return VA_STATUS_ERROR_INVALID_PARAMETER;
    if (r == 0)
        return VA_STATUS_SUCCESS; /* nothing of it is visible */

    struct vg_driver *drv = ctx->pDriverData;
    pthread_mutex_lock(&drv->present_lock);
    VAStatus st = VA_STATUS_SUCCESS;
    if (!drv->present) {
        drv->present = malloc(sizeof(*drv->present));
        if (drv->present)
            *drv->present = (struct vg_present){.config = VA_INVALID_ID,
                                                .context = VA_INVALID_ID};
        else
            st = VA_STATUS_ERROR_ALLOCATION_FAILED;
    }
    if (!st)
        st = ensure_objects(ctx, drv->present, plan.out_w, plan.out_h, t.fourcc);
    if (!st)
        st = process(ctx, drv->present, surface, &plan);
    if (!st)
        st = draw(ctx, drv->present, drawable, &t, &plan);
    pthread_mutex_unlock(&drv->present_lock);
    return st;
}

void vg_put_surface_free(struct vg_driver *drv)
{
    free(drv->present);
    drv->present = NULL;
}
