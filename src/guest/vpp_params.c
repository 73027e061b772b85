/* VAProcPipelineParameterBuffer -> vw_process (vpp.h): pure translation,
 * no driver state (tests/unit/test_vpp_params.c). */
#include <string.h>

#include "common/log.h"
#include "guest/vpp.h"

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

/* VA's value in [lo, hi] as the wire's x 1000; false outside (NaN too). */
static bool milli(float v, float lo, float hi, int32_t *out)
{
    if (!(v >= lo && v <= hi))
        return false;
    double m = (double)v * VW_PROCAMP_ONE; /* nearest, half away from 0 */
    *out = (int32_t)(m < 0 ? m - 0.5 : m + 0.5);
    return true;
}

/* ProcAmp: each attribute at most once, in VA's conventional ranges
 * (what vaQueryVideoProcFilterCaps says); those not given keep their
 * identity value. */
static VAStatus balance_to_vw(const VAProcFilterParameterBufferColorBalance *b, uint32_t n,
                              struct vw_process *job)
{
    job->filters |= VW_FILTER_PROCAMP;
    job->contrast = job->saturation = VW_PROCAMP_ONE;
    unsigned seen = 0;
    for (uint32_t i = 0; i < n; i++) {
        bool ok;
        if (b[i].attrib <= VAProcColorBalanceNone || b[i].attrib > VAProcColorBalanceContrast) {
            vc_warn("VideoProc: colour balance attribute %d not offered", b[i].attrib);
            return VA_STATUS_ERROR_UNSUPPORTED_FILTER;
        }
        if (seen & (1u << b[i].attrib)) {
            vc_warn("VideoProc: colour balance attribute %d given twice", b[i].attrib);
            return VA_STATUS_ERROR_INVALID_PARAMETER;
        }
        seen |= 1u << b[i].attrib;
        switch (b[i].attrib) {
        case VAProcColorBalanceHue:
            ok = milli(b[i].value, -180.0f, 180.0f, &job->hue);
            break;
        case VAProcColorBalanceSaturation:
            ok = milli(b[i].value, 0.0f, 10.0f, &job->saturation);
            break;
        case VAProcColorBalanceBrightness:
            ok = milli(b[i].value, -100.0f, 100.0f, &job->brightness);
            break;
        default: /* contrast */
            ok = milli(b[i].value, 0.0f, 10.0f, &job->contrast);
            break;
        }
        if (!ok) {
            vc_warn("VideoProc: colour balance attribute %d value %g outside its range",
                    b[i].attrib, (double)b[i].value);
            return VA_STATUS_ERROR_INVALID_PARAMETER;
        }
    }
    return VA_STATUS_SUCCESS;
}

/* Noise reduction or sharpening: VA's 0..64 (FFmpeg's denoise_vaapi and
 * sharpness_vaapi range, what the caps list) x 1000 under its bit. */
static VAStatus level_to_vw(const VAProcFilterParameterBuffer *f, uint32_t bit, uint32_t *out,
                            struct vw_process *job)
{
    int32_t v;
    if (!milli(f->value, 0.0f, 64.0f, &v)) {
        vc_warn("VideoProc: filter %d value %g outside 0..64", f->type, (double)f->value);
        return VA_STATUS_ERROR_INVALID_PARAMETER;
    }
    job->filters |= bit;
    *out = (uint32_t)v;
    return VA_STATUS_SUCCESS;
}

/* VA's references, nearest first: forward ones are the pictures before
 * the source (past), backward ones those after it (future). The wire
 * carries the nearest VW_PROCESS_MAX_REFS each way (motion adaptive reads
 * one each way; vaQueryVideoProcPipelineCaps asks for that). */
static VAStatus refs_to_vw(const VAProcPipelineParameterBuffer *pp, struct vw_process *job)
{
    if ((pp->num_forward_references && !pp->forward_references) ||
        (pp->num_backward_references && !pp->backward_references)) {
        vc_warn("VideoProc: references counted but not given");
        return VA_STATUS_ERROR_INVALID_PARAMETER;
    }
    job->num_past = pp->num_forward_references < VW_PROCESS_MAX_REFS
                        ? pp->num_forward_references
                        : VW_PROCESS_MAX_REFS;
    job->num_future = pp->num_backward_references < VW_PROCESS_MAX_REFS
                          ? pp->num_backward_references
                          : VW_PROCESS_MAX_REFS;
    /* A list ends at VA_INVALID_SURFACE: clients pad with it where a
     * stream has no picture yet (the daemon's source stands in). */
    uint32_t n = 0;
    while (n < job->num_past && pp->forward_references[n] != VA_INVALID_SURFACE) {
        job->past_ids[n] = pp->forward_references[n];
        n++;
    }
    job->num_past = n;
    for (n = 0; n < job->num_future && pp->backward_references[n] != VA_INVALID_SURFACE; n++)
        job->future_ids[n] = pp->backward_references[n];
    job->num_future = n;
    return VA_STATUS_SUCCESS;
}

VAStatus vg_proc_translate(const VAProcPipelineParameterBuffer *pp,
                           const struct vg_proc_filters *filters,
                           const struct vg_surface *source, const struct vg_surface *target,
                           struct vw_process *job)
{
    static const struct vg_proc_filters none;
    if (!filters)
        filters = &none;
    const VAProcFilterParameterBufferDeinterlacing *deint = filters->deint;
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
    if (pp->num_filters != (deint ? 1u : 0u) + (filters->balance ? 1u : 0u) +
                               (filters->denoise ? 1u : 0u) + (filters->sharpen ? 1u : 0u)) {
        vc_warn("VideoProc: %u filter(s) asked for; deinterlacing, colour balance, noise "
                "reduction and sharpening are offered", pp->num_filters);
        return VA_STATUS_ERROR_UNSUPPORTED_FILTER;
    }
    VAStatus st = VA_STATUS_SUCCESS;
    if (filters->balance)
        st = balance_to_vw(filters->balance, filters->num_balance, job);
    if (!st && filters->denoise)
        st = level_to_vw(filters->denoise, VW_FILTER_DENOISE, &job->denoise, job);
    if (!st && filters->sharpen)
        st = level_to_vw(filters->sharpen, VW_FILTER_SHARPEN, &job->sharpen, job);
    if (st)
        return st;
    if (deint) {
        if (deint->algorithm != VAProcDeinterlacingBob &&
            deint->algorithm != VAProcDeinterlacingMotionAdaptive) {
            vc_warn("VideoProc: deinterlacing algorithm %d not offered (bob, motion adaptive)",
                    deint->algorithm);
            return VA_STATUS_ERROR_UNSUPPORTED_FILTER;
        }
        /* Bob shows one field; which comes first matters only to
         * algorithms with references. */
        job->filters |= VW_FILTER_DEINTERLACE;
        job->field = (deint->flags & VA_DEINTERLACING_BOTTOM_FIELD) ? 1 : 0;
        job->field_order = (deint->flags & VA_DEINTERLACING_BOTTOM_FIELD_FIRST)
                               ? VW_FIELD_ORDER_BOTTOM_FIRST
                               : VW_FIELD_ORDER_TOP_FIRST;
        job->deinterlace = VW_DEINTERLACE_BOB;
        if (deint->algorithm == VAProcDeinterlacingMotionAdaptive) {
            job->deinterlace = VW_DEINTERLACE_MOTION_ADAPTIVE;
            st = refs_to_vw(pp, job);
            if (st)
                return st;
        }
    }
    if ((pp->blend_state && pp->blend_state->flags) || pp->num_additional_outputs) {
        vc_warn("VideoProc: blending and extra outputs are not offered");
        return VA_STATUS_ERROR_INVALID_PARAMETER;
    }
    static_assert(VA_ROTATION_270 == VW_ROTATION_MAX && VA_MIRROR_HORIZONTAL ==
                  VW_MIRROR_HORIZONTAL && VA_MIRROR_VERTICAL == VW_MIRROR_VERTICAL,
                  "VA's rotation and mirror values are the wire's");
    if (pp->rotation_state > VA_ROTATION_270 ||
        (pp->mirror_state & ~(uint32_t)(VA_MIRROR_HORIZONTAL | VA_MIRROR_VERTICAL))) {
        vc_warn("VideoProc: rotation %u / mirror 0x%x unknown", pp->rotation_state,
                pp->mirror_state);
        return VA_STATUS_ERROR_INVALID_PARAMETER;
    }
    job->rotation = pp->rotation_state;
    job->mirror = pp->mirror_state;
    return VA_STATUS_SUCCESS;
}
