#include "guest/vpp.h"

#include <assert.h>
#include <string.h>

#include "common/log.h"
#include "guest/config.h"
#include "guest/surface.h"

/* What the pipeline takes (vaQueryVideoProcPipelineCaps): the daemon's
 * VIDEOPROC capability refuses the rest. */
static VAProcColorStandardType color_standards[] = {
    VAProcColorStandardBT601, VAProcColorStandardBT709, VAProcColorStandardBT470BG,
    VAProcColorStandardSMPTE170M, VAProcColorStandardBT2020,
};
/* The pixel formats of video processing, each listed where the VIDEOPROC
 * cap lists its chroma format (a daemon before 4:2:2 and 4:4:4 processing
 * lists 4:2:0 only): YUV ones are inputs and outputs, RGB ones outputs. */
static const struct {
    uint32_t fourcc, vw_rt;
} vpp_formats[] = {
    {VA_FOURCC_NV12, VW_RT_YUV420},    {VA_FOURCC_P010, VW_RT_YUV420_10},
    {VA_FOURCC_422H, VW_RT_YUV422},    {VA_FOURCC_Y210, VW_RT_YUV422_10},
    {VA_FOURCC_444P, VW_RT_YUV444},    {VA_FOURCC_Y410, VW_RT_YUV444_10},
    {VA_FOURCC_BGRA, VW_RT_RGB32},     {VA_FOURCC_RGBA, VW_RT_RGB32},
    {VA_FOURCC_BGRX, VW_RT_RGB32},     {VA_FOURCC_RGBX, VW_RT_RGB32},
};

#define LEN(a) (sizeof(a) / sizeof((a)[0]))
static_assert(LEN(vpp_formats) <= LEN(((struct vg_driver *)0)->vpp_formats),
              "vg_driver.vpp_formats cannot hold the list");

/* ProcAmp, denoise, sharpening, rotation and mirroring need a 1.5 daemon
 * (the wire's fields for them). */
static bool daemon_has_filters15(const struct vg_driver *drv)
{
    return drv->conn.hello.version_minor >= 5;
}

/* Motion-adaptive deinterlacing needs a 1.7 daemon (the wire's
 * references). */
static bool daemon_has_refs17(const struct vg_driver *drv)
{
    return drv->conn.hello.version_minor >= 7;
}

/* The pipeline's filters: one buffer of each type offered at most; any
 * other is refused. Called with the driver locked. */
static VAStatus resolve_filters(struct vg_driver *drv, const VABufferID *ids, uint32_t n,
                                struct vg_proc_filters *out)
{
    memset(out, 0, sizeof(*out));
    if (n && !ids)
        return VA_STATUS_ERROR_INVALID_PARAMETER;
    for (uint32_t i = 0; i < n; i++) {
        const struct vg_buffer *f = vg_buffer_get(drv, ids[i]);
        if (!f || f->type != VAProcFilterParameterBufferType)
            return VA_STATUS_ERROR_INVALID_BUFFER;
        VAProcFilterParameterBufferBase base;
        if (f->size < sizeof(base) || f->num_elements == 0)
            return VA_STATUS_ERROR_INVALID_BUFFER;
        memcpy(&base, f->data, sizeof(base));
        if (base.type == VAProcFilterDeinterlacing && !out->deint &&
            f->size >= sizeof(VAProcFilterParameterBufferDeinterlacing)) {
            out->deint = (const VAProcFilterParameterBufferDeinterlacing *)f->data;
        } else if (base.type == VAProcFilterColorBalance && !out->balance &&
                   daemon_has_filters15(drv) &&
                   f->size == sizeof(VAProcFilterParameterBufferColorBalance)) {
            /* An array of num_elements attributes (FFmpeg's procamp_vaapi
             * sends the four in one buffer). */
            const VAProcFilterParameterBufferColorBalance *b = (const void *)f->data;
            for (uint32_t e = 0; e < f->num_elements; e++)
                if (b[e].type != VAProcFilterColorBalance)
                    return VA_STATUS_ERROR_INVALID_BUFFER;
            out->balance = b;
            out->num_balance = f->num_elements;
        } else if ((base.type == VAProcFilterNoiseReduction ||
                    base.type == VAProcFilterSharpening) &&
                   daemon_has_filters15(drv) && f->num_elements == 1 &&
                   f->size == sizeof(VAProcFilterParameterBuffer)) {
            const VAProcFilterParameterBuffer **slot =
                base.type == VAProcFilterNoiseReduction ? &out->denoise : &out->sharpen;
            if (*slot)
                return VA_STATUS_ERROR_UNSUPPORTED_FILTER;
            *slot = (const VAProcFilterParameterBuffer *)f->data;
        } else {
            vc_warn("VideoProc: filter type %d not offered (deinterlacing; colour balance, "
                    "noise reduction and sharpening with a 1.5 daemon; once each)", base.type);
            return VA_STATUS_ERROR_UNSUPPORTED_FILTER;
        }
    }
    return VA_STATUS_SUCCESS;
}

/* The references are surfaces of this driver. Called with it locked. */
static VAStatus check_refs(struct vg_driver *drv, const struct vw_process *job)
{
    for (uint32_t i = 0; i < job->num_past + job->num_future; i++) {
        uint32_t id = i < job->num_past ? job->past_ids[i] : job->future_ids[i - job->num_past];
        if (!vg_surface_get(drv, id)) {
            vc_warn("VideoProc: reference surface %u unknown", id);
            return VA_STATUS_ERROR_INVALID_SURFACE;
        }
    }
    return VA_STATUS_SUCCESS;
}

VAStatus vg_proc_render(struct vg_driver *drv, struct vg_context *c, const struct vg_buffer *b)
{
    if (b->type != VAProcPipelineParameterBufferType)
        return VA_STATUS_ERROR_UNSUPPORTED_BUFFERTYPE;
    VAProcPipelineParameterBuffer pp;
    if (b->size < sizeof(pp))
        return VA_STATUS_ERROR_INVALID_BUFFER;
    memcpy(&pp, b->data, sizeof(pp));
    const struct vg_surface *src = vg_surface_get(drv, pp.surface);
    const struct vg_surface *dst = vg_surface_get(drv, c->target);
    if (!src || !dst)
        return VA_STATUS_ERROR_INVALID_SURFACE;
    struct vg_proc_filters filters;
    VAStatus st = resolve_filters(drv, pp.filters, pp.num_filters, &filters);
    if (!st)
        st = vg_proc_translate(&pp, &filters, src, dst, &c->proc->job);
    if (!st && !daemon_has_filters15(drv) && (c->proc->job.rotation || c->proc->job.mirror)) {
        vc_warn("VideoProc: rotation and mirroring need a vivacd speaking protocol 1.5");
        st = VA_STATUS_ERROR_INVALID_PARAMETER;
    }
    if (!st && !daemon_has_refs17(drv) &&
        c->proc->job.deinterlace == VW_DEINTERLACE_MOTION_ADAPTIVE) {
        vc_warn("VideoProc: motion-adaptive deinterlacing needs a vivacd speaking protocol 1.7");
        st = VA_STATUS_ERROR_UNSUPPORTED_FILTER;
    }
    if (!st)
        st = check_refs(drv, &c->proc->job);
    if (st)
        return st;
    c->proc->job.source_id = pp.surface;
    c->proc->have_job = true;
    return VA_STATUS_SUCCESS;
}

VAStatus vg_proc_end_picture(struct vg_driver *drv, VAContextID id, struct vg_context *c)
{
    if (!vg_surface_get(drv, c->target))
        return VA_STATUS_ERROR_INVALID_SURFACE;
    if (!c->proc->have_job) {
        vc_warn("vaEndPicture of a VideoProc context without a pipeline buffer");
        return VA_STATUS_ERROR_INVALID_PARAMETER;
    }
    c->proc->job.codec_id = id;
    /* A 1.4 daemon takes the struct's 1.4 part, a 1.5 or 1.6 one its 1.5
     * part (nothing after them matters: vg_proc_render refuses to them what
     * they lack; field_order alone is cut, which only 1.7's algorithm
     * reads). */
    size_t size = daemon_has_refs17(drv)       ? sizeof(c->proc->job)
                  : daemon_has_filters15(drv) ? VW_PROCESS_SIZE_V15
                                              : VW_PROCESS_SIZE_V14;
    int err = vg_surface_post_frame(drv, id, c->target, VW_OP_PROCESS, &c->proc->job, size,
                                    NULL, 0, VG_NO_REGION);
    return err ? vg_status_from_errno(err) : VA_STATUS_SUCCESS;
}

/* ---- capability queries ---------------------------------------------------- */

/* The VideoProc capability if `id` is a VideoProc context, else NULL. */
static const struct vw_cap *proc_context_cap(VADriverContextP ctx, VAContextID id)
{
    struct vg_driver *drv = vg_lock(ctx);
    struct vg_context *c = vg_table_get(&drv->contexts, id);
    const struct vw_cap *cap = c && c->proc
                                   ? vg_find_cap(drv, VW_PROFILE_NONE, VW_ENTRYPOINT_VIDEOPROC)
                                   : NULL;
    vg_unlock(drv);
    return cap;
}

static VAStatus query_filters(VADriverContextP ctx, VAContextID context, VAProcFilterType *filters,
                              unsigned int *num_filters)
{
    if (!filters || !num_filters)
        return VA_STATUS_ERROR_INVALID_PARAMETER;
    if (!proc_context_cap(ctx, context))
        return VA_STATUS_ERROR_INVALID_CONTEXT;
    /* Scaling and CSC are the pipeline's own, not filters. */
    struct vg_driver *drv = vg_lock(ctx);
    static const VAProcFilterType offered[] = {VAProcFilterDeinterlacing,
                                               VAProcFilterColorBalance,
                                               VAProcFilterNoiseReduction,
                                               VAProcFilterSharpening};
    unsigned n = daemon_has_filters15(drv) ? LEN(offered) : 1;
    vg_unlock(drv);
    if (*num_filters < n) {
        *num_filters = n;
        return VA_STATUS_ERROR_MAX_NUM_EXCEEDED;
    }
    memcpy(filters, offered, n * sizeof(offered[0]));
    *num_filters = n;
    return VA_STATUS_SUCCESS;
}

/* ProcAmp's ranges: VA's conventional ones, which the wire carries x
 * 1000. Listed in VAProcColorBalanceType's order from hue (FFmpeg's
 * procamp_vaapi indexes the caps by attribute - 1). */
static VAStatus balance_caps(void *filter_caps, unsigned int *num_filter_caps)
{
    static const VAProcFilterCapColorBalance caps[] = {
        {VAProcColorBalanceHue, {-180.0f, 180.0f, 0.0f, 0.001f}},
        {VAProcColorBalanceSaturation, {0.0f, 10.0f, 1.0f, 0.001f}},
        {VAProcColorBalanceBrightness, {-100.0f, 100.0f, 0.0f, 0.001f}},
        {VAProcColorBalanceContrast, {0.0f, 10.0f, 1.0f, 0.001f}},
    };
    if (*num_filter_caps < LEN(caps)) {
        *num_filter_caps = LEN(caps);
        return VA_STATUS_ERROR_MAX_NUM_EXCEEDED;
    }
    memcpy(filter_caps, caps, sizeof(caps));
    *num_filter_caps = LEN(caps);
    return VA_STATUS_SUCCESS;
}

/* Noise reduction and sharpening: 0..64, FFmpeg's denoise_vaapi and
 * sharpness_vaapi range (its map() is then the identity); 32 is the
 * libavfilter filter's own default strength (docs/codecs.md). */
static VAStatus level_caps(void *filter_caps, unsigned int *num_filter_caps)
{
    if (*num_filter_caps < 1) {
        *num_filter_caps = 1;
        return VA_STATUS_ERROR_MAX_NUM_EXCEEDED;
    }
    VAProcFilterCap *cap = filter_caps;
    *cap = (VAProcFilterCap){.range = {0.0f, 64.0f, 32.0f, 1.0f}};
    *num_filter_caps = 1;
    return VA_STATUS_SUCCESS;
}

static VAStatus query_filter_caps(VADriverContextP ctx, VAContextID context, VAProcFilterType type,
                                  void *filter_caps, unsigned int *num_filter_caps)
{
    if (!filter_caps || !num_filter_caps)
        return VA_STATUS_ERROR_INVALID_PARAMETER;
    if (!proc_context_cap(ctx, context))
        return VA_STATUS_ERROR_INVALID_CONTEXT;
    struct vg_driver *drv = vg_lock(ctx);
    bool procamp = daemon_has_filters15(drv);
    vg_unlock(drv);
    if (type == VAProcFilterColorBalance && procamp)
        return balance_caps(filter_caps, num_filter_caps);
    if ((type == VAProcFilterNoiseReduction || type == VAProcFilterSharpening) && procamp)
        return level_caps(filter_caps, num_filter_caps);
    if (type != VAProcFilterDeinterlacing) {
        *num_filter_caps = 0;
        return VA_STATUS_ERROR_UNSUPPORTED_FILTER;
    }
    if (*num_filter_caps < 1) {
        *num_filter_caps = 1;
        return VA_STATUS_ERROR_MAX_NUM_EXCEEDED;
    }
    /* Motion adaptive with a 1.7 daemon, listed last: FFmpeg's
     * deinterlace_vaapi picks the highest algorithm by default. */
    drv = vg_lock(ctx);
    unsigned n = daemon_has_refs17(drv) ? 2 : 1;
    vg_unlock(drv);
    if (*num_filter_caps < n) {
        *num_filter_caps = n;
        return VA_STATUS_ERROR_MAX_NUM_EXCEEDED;
    }
    VAProcFilterCapDeinterlacing *caps = filter_caps;
    caps[0] = (VAProcFilterCapDeinterlacing){.type = VAProcDeinterlacingBob};
    if (n > 1)
        caps[1] = (VAProcFilterCapDeinterlacing){.type = VAProcDeinterlacingMotionAdaptive};
    *num_filter_caps = n;
    return VA_STATUS_SUCCESS;
}

static VAStatus query_pipeline_caps(VADriverContextP ctx, VAContextID context, VABufferID *filters,
                                    unsigned int num_filters, VAProcPipelineCaps *caps)
{
    if (!caps || (num_filters && !filters))
        return VA_STATUS_ERROR_INVALID_PARAMETER;
    const struct vw_cap *cap = proc_context_cap(ctx, context);
    if (!cap)
        return VA_STATUS_ERROR_INVALID_CONTEXT;
    struct vg_driver *drv = vg_lock(ctx);
    struct vg_proc_filters found;
    VAStatus st = resolve_filters(drv, filters, num_filters, &found);
    bool turns = daemon_has_filters15(drv);
    bool refs = daemon_has_refs17(drv);
    uint32_t num_formats = 0, num_inputs = 0;
    for (size_t i = 0; i < LEN(vpp_formats); i++) {
        if (!(cap->rt_formats & vpp_formats[i].vw_rt))
            continue;
        drv->vpp_formats[num_formats++] = vpp_formats[i].fourcc;
        num_inputs += vpp_formats[i].vw_rt != VW_RT_RGB32;
    }
    vg_unlock(drv);
    if (st)
        return st;
    /* The lists are the driver's (as VA drivers do): the caller's pointers
     * are replaced, never written through. */
    memset(caps, 0, sizeof(*caps));
    caps->filter_flags = VA_FILTER_SCALING_FAST | VA_FILTER_SCALING_HQ;
    caps->input_color_standards = color_standards;
    caps->num_input_color_standards = LEN(color_standards);
    caps->output_color_standards = color_standards;
    caps->num_output_color_standards = LEN(color_standards);
    caps->rotation_flags = 1u << VA_ROTATION_NONE;
    caps->mirror_flags = 0;
    if (turns) {
        caps->rotation_flags |= (1u << VA_ROTATION_90) | (1u << VA_ROTATION_180) |
                                (1u << VA_ROTATION_270);
        caps->mirror_flags = VA_MIRROR_HORIZONTAL | VA_MIRROR_VERTICAL;
    }
    caps->input_pixel_format = caps->output_pixel_format = drv->vpp_formats;
    caps->num_input_pixel_formats = num_inputs;
    caps->num_output_pixel_formats = num_formats;
    caps->min_input_width = caps->min_output_width = cap->min_width;
    caps->min_input_height = caps->min_output_height = cap->min_height;
    caps->max_input_width = caps->max_output_width = cap->max_width;
    caps->max_input_height = caps->max_output_height = cap->max_height;
    /* Motion adaptive reads the pictures just before and after the source
     * (FFmpeg's deinterlace_vaapi queues that many and passes them). */
    if (refs && found.deint && found.deint->algorithm == VAProcDeinterlacingMotionAdaptive)
        caps->num_forward_references = caps->num_backward_references = 1;
    return VA_STATUS_SUCCESS;
}

void vg_vpp_fill_vtable(struct VADriverVTableVPP *vt)
{
    vt->version = VA_DRIVER_VTABLE_VPP_VERSION;
    vt->vaQueryVideoProcFilters = query_filters;
    vt->vaQueryVideoProcFilterCaps = query_filter_caps;
    vt->vaQueryVideoProcPipelineCaps = query_pipeline_caps;
}
