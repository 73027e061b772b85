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

VAStatus vg_proc_translate(const VAProcPipelineParameterBuffer *pp,
                           const VAProcFilterParameterBufferDeinterlacing *deint,
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
    if (pp->num_filters != (deint ? 1u : 0u)) {
        vc_warn("VideoProc: %u filter(s) asked for; deinterlacing alone is offered",
                pp->num_filters);
        return VA_STATUS_ERROR_UNSUPPORTED_FILTER;
    }
    if (deint) {
        if (deint->algorithm != VAProcDeinterlacingBob) {
            vc_warn("VideoProc: deinterlacing algorithm %d not offered (bob only)",
                    deint->algorithm);
            return VA_STATUS_ERROR_UNSUPPORTED_FILTER;
        }
        /* Bob shows one field; which comes first matters only to
         * algorithms with references. */
        job->filters = VW_FILTER_DEINTERLACE;
        job->deinterlace = VW_DEINTERLACE_BOB;
        job->field = (deint->flags & VA_DEINTERLACING_BOTTOM_FIELD) ? 1 : 0;
    }
    if (pp->rotation_state != VA_ROTATION_NONE || pp->mirror_state != VA_MIRROR_NONE ||
        (pp->blend_state && pp->blend_state->flags) || pp->num_additional_outputs) {
        vc_warn("VideoProc: rotation, mirroring, blending and extra outputs are not offered");
        return VA_STATUS_ERROR_INVALID_PARAMETER;
    }
    return VA_STATUS_SUCCESS;
}
