#include "guest/vpp.h"

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
static uint32_t pixel_formats[] = {VA_FOURCC_NV12, VA_FOURCC_P010};

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

/* enum vw_color_standard of a VA one; false for those not taken. */
static bool standard_to_vw(VAProcColorStandardType s, uint32_t *out)
{
    switch (s) {
    case VAProcColorStandardNone:
        *out = VW_COLOR_UNSPECIFIED;
        return true;
    case VAProcColorStandardBT601:
    case VAProcColorStandardBT470BG:
    case VAProcColorStandardSMPTE170M:
        *out = VW_COLOR_BT601;
        return true;
    case VAProcColorStandardBT709:
        *out = VW_COLOR_BT709;
        return true;
    case VAProcColorStandardBT2020:
        *out = VW_COLOR_BT2020;
        return true;
    default:
        return false;
    }
}

static bool region_to_vw(const VARectangle *r, uint32_t w, uint32_t h, struct vw_rect *out)
{
    if (!r) {
        *out = (struct vw_rect){0, 0, w, h};
        return true;
    }
    if (r->x < 0 || r->y < 0 || r->width == 0 || r->height == 0)
        return false;
    *out = (struct vw_rect){(uint32_t)r->x, (uint32_t)r->y, r->width, r->height};
    return true;
}

VAStatus vg_proc_translate(const VAProcPipelineParameterBuffer *pp,
                           const struct vg_surface *source, const struct vg_surface *target,
                           struct vw_process *job)
{
    memset(job, 0, sizeof(*job));
    if (!region_to_vw(pp->surface_region, source->width, source->height, &job->source) ||
        !region_to_vw(pp->output_region, target->width, target->height, &job->output)) {
        vc_warn("VideoProc: a region with a negative origin or no pixels");
        return VA_STATUS_ERROR_INVALID_PARAMETER;
    }
    switch (pp->filter_flags & VA_FILTER_SCALING_MASK) {
    case VA_FILTER_SCALING_DEFAULT:
        job->scaling = VW_SCALING_DEFAULT;
        break;
    case VA_FILTER_SCALING_FAST:
        job->scaling = VW_SCALING_FAST;
        break;
    case VA_FILTER_SCALING_HQ:
        job->scaling = VW_SCALING_HQ;
        break;
    default:
        vc_warn("VideoProc: scaling mode 0x%x not supported",
                pp->filter_flags & VA_FILTER_SCALING_MASK);
        return VA_STATUS_ERROR_INVALID_PARAMETER;
    }
    if (!standard_to_vw(pp->surface_color_standard, &job->source_standard) ||
        !standard_to_vw(pp->output_color_standard, &job->output_standard)) {
        vc_warn("VideoProc: colour standard %d -> %d not supported", pp->surface_color_standard,
                pp->output_color_standard);
        return VA_STATUS_ERROR_INVALID_PARAMETER;
    }
    uint8_t in_range = pp->input_color_properties.color_range;
    uint8_t out_range = pp->output_color_properties.color_range;
    if (in_range > VA_SOURCE_RANGE_FULL || out_range > VA_SOURCE_RANGE_FULL)
        return VA_STATUS_ERROR_INVALID_PARAMETER;
    static_assert(VA_SOURCE_RANGE_REDUCED == VW_RANGE_LIMITED &&
                  VA_SOURCE_RANGE_FULL == VW_RANGE_FULL, "VA's range values are the wire's");
    job->source_range = in_range;
    job->output_range = out_range;
    if (pp->num_filters != 0) {
        vc_warn("VideoProc: %u filter(s) asked for; none is offered", pp->num_filters);
        return VA_STATUS_ERROR_UNSUPPORTED_FILTER;
    }
    if (pp->rotation_state != VA_ROTATION_NONE || pp->mirror_state != VA_MIRROR_NONE ||
        (pp->blend_state && pp->blend_state->flags) || pp->num_additional_outputs) {
        vc_warn("VideoProc: rotation, mirroring, blending and extra outputs are not offered");
        return VA_STATUS_ERROR_INVALID_PARAMETER;
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
    VAStatus st = vg_proc_translate(&pp, src, dst, &c->proc->job);
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
    int err = vg_surface_post_frame(drv, id, c->target, VW_OP_PROCESS, &c->proc->job,
                                    sizeof(c->proc->job), NULL, 0, VG_NO_REGION);
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
    *num_filters = 0; /* scaling and CSC are the pipeline's own, not filters */
    return VA_STATUS_SUCCESS;
}

static VAStatus query_filter_caps(VADriverContextP ctx, VAContextID context, VAProcFilterType type,
                                  void *filter_caps, unsigned int *num_filter_caps)
{
    if (!filter_caps || !num_filter_caps)
        return VA_STATUS_ERROR_INVALID_PARAMETER;
    if (!proc_context_cap(ctx, context))
        return VA_STATUS_ERROR_INVALID_CONTEXT;
    *num_filter_caps = 0;
    return VA_STATUS_ERROR_UNSUPPORTED_FILTER;
}

static VAStatus query_pipeline_caps(VADriverContextP ctx, VAContextID context, VABufferID *filters,
                                    unsigned int num_filters, VAProcPipelineCaps *caps)
{
    if (!caps || (num_filters && !filters))
        return VA_STATUS_ERROR_INVALID_PARAMETER;
    const struct vw_cap *cap = proc_context_cap(ctx, context);
    if (!cap)
        return VA_STATUS_ERROR_INVALID_CONTEXT;
    if (num_filters)
        return VA_STATUS_ERROR_UNSUPPORTED_FILTER;
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
    caps->input_pixel_format = pixel_formats;
    caps->num_input_pixel_formats = LEN(pixel_formats);
    caps->output_pixel_format = pixel_formats;
    caps->num_output_pixel_formats = LEN(pixel_formats);
    caps->min_input_width = caps->min_output_width = cap->min_width;
    caps->min_input_height = caps->min_output_height = cap->min_height;
    caps->max_input_width = caps->max_output_width = cap->max_width;
    caps->max_input_height = caps->max_output_height = cap->max_height;
    return VA_STATUS_SUCCESS;
}

void vg_vpp_fill_vtable(struct VADriverVTableVPP *vt)
{
    vt->version = VA_DRIVER_VTABLE_VPP_VERSION;
    vt->vaQueryVideoProcFilters = query_filters;
    vt->vaQueryVideoProcFilterCaps = query_filter_caps;
    vt->vaQueryVideoProcPipelineCaps = query_pipeline_caps;
}
