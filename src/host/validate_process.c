/* PROCESS's checks (validate_process.h): every field of the job, so that
 * engines take regions and enums as given. */
#include "host/validate_process.h"

#include <stdbool.h>

#include "host/image_check.h"

#define W "PROCESS"
#define VW_FILTERS_8BIT (VW_FILTER_PROCAMP | VW_FILTER_DENOISE | VW_FILTER_SHARPEN)

/* The image rectangles' rule (image_check.c): inside, non-empty, whole
 * chroma samples. */
static int check_rect(const char *name, const struct vw_rect *r, const struct vh_surface *s,
                      struct vh_error *err)
{
    return vh_image_check_rect(name, s, r->x, r->y, r->width, r->height, err);
}

static bool ratio_ok(uint32_t a, uint32_t b)
{
    return (uint64_t)a <= (uint64_t)b * VH_PROCESS_MAX_RATIO &&
           (uint64_t)b <= (uint64_t)a * VH_PROCESS_MAX_RATIO;
}

static bool in(int32_t v, int32_t lo, int32_t hi)
{
    return v >= lo && v <= hi;
}

/* ProcAmp's values inside VA's ranges with the filter, all 0 without. */
static int check_procamp(const struct vw_process *p, struct vh_error *err)
{
    if (!(p->filters & VW_FILTER_PROCAMP)) {
        if (p->brightness || p->contrast || p->hue || p->saturation)
            return vh_error_set(err, VW_ERR_MALFORMED,
                                W ": brightness/contrast/hue/saturation without the PROCAMP "
                                "filter");
        return VW_OK;
    }
    if (!in(p->brightness, VW_PROCAMP_BRIGHTNESS_MIN, VW_PROCAMP_BRIGHTNESS_MAX) ||
        !in(p->contrast, 0, VW_PROCAMP_CONTRAST_MAX) ||
        !in(p->hue, VW_PROCAMP_HUE_MIN, VW_PROCAMP_HUE_MAX) ||
        !in(p->saturation, 0, VW_PROCAMP_SATURATION_MAX))
        return vh_error_set(err, VW_ERR_MALFORMED,
                            W ": ProcAmp brightness %d contrast %d hue %d saturation %d "
                            "(x1000) outside -100..100, 0..10, -180..180, 0..10",
                            p->brightness, p->contrast, p->hue, p->saturation);
    return VW_OK;
}

/* Denoise's or sharpening's value: at most `max` with its filter bit, 0
 * without. */
static int check_level(const char *name, uint32_t v, bool on, uint32_t max,
                       struct vh_error *err)
{
    if (!on && v != 0)
        return vh_error_set(err, VW_ERR_MALFORMED, W ": %s %u without its filter bit", name, v);
    if (v > max)
        return vh_error_set(err, VW_ERR_MALFORMED, W ": %s %u (x1000) over %u", name, v, max);
    return VW_OK;
}

int vh_process_check(const struct vw_process *p, const struct vh_surface *source,
                     const struct vh_surface *output, uint32_t rt_formats,
                     struct vh_error *err)
{
    if (p->flags != 0)
        return vh_error_set(err, VW_ERR_MALFORMED, W ": flags 0x%x must be 0", p->flags);
    for (unsigned i = 0; i < sizeof(p->reserved) / sizeof(p->reserved[0]); i++)
        if (p->reserved[i] != 0)
            return vh_error_set(err, VW_ERR_MALFORMED, W ": reserved[%u] is not 0", i);
    for (unsigned i = 0; i < sizeof(p->reserved2) / sizeof(p->reserved2[0]); i++)
        if (p->reserved2[i] != 0)
            return vh_error_set(err, VW_ERR_MALFORMED, W ": reserved2[%u] is not 0", i);
    if (p->filters & ~VW_FILTERS_KNOWN)
        return vh_error_set(err, VW_ERR_UNSUPPORTED_STREAM,
                            W ": filters 0x%x: unknown filter bits 0x%x", p->filters,
                            p->filters & ~VW_FILTERS_KNOWN);
    int st = check_procamp(p, err);
    if (st == VW_OK)
        st = check_level("denoise", p->denoise, p->filters & VW_FILTER_DENOISE, VW_DENOISE_MAX,
                         err);
    if (st == VW_OK)
        st = check_level("sharpen", p->sharpen, p->filters & VW_FILTER_SHARPEN, VW_SHARPEN_MAX,
                         err);
    if (st != VW_OK)
        return st;
    bool deint = p->filters & VW_FILTER_DEINTERLACE;
    if (!deint && (p->deinterlace != 0 || p->field != 0))
        return vh_error_set(err, VW_ERR_MALFORMED,
                            W ": deinterlace %u / field %u without the DEINTERLACE filter",
                            p->deinterlace, p->field);
    if (deint && p->deinterlace != VW_DEINTERLACE_BOB)
        return vh_error_set(err, VW_ERR_UNSUPPORTED_STREAM,
                            W ": deinterlace %u: only bob (%u) is supported", p->deinterlace,
                            VW_DEINTERLACE_BOB);
    if (deint && p->field > 1)
        return vh_error_set(err, VW_ERR_MALFORMED, W ": field %u is not 0 (top) or 1 (bottom)",
                            p->field);
    if (p->scaling > VW_SCALING_HQ)
        return vh_error_set(err, VW_ERR_MALFORMED, W ": scaling %u unknown", p->scaling);
    if (p->source_standard > VW_COLOR_BT2020 || p->output_standard > VW_COLOR_BT2020)
        return vh_error_set(err, VW_ERR_MALFORMED, W ": colour standard %u/%u unknown",
                            p->source_standard, p->output_standard);
    if (p->source_range > VW_RANGE_FULL || p->output_range > VW_RANGE_FULL)
        return vh_error_set(err, VW_ERR_MALFORMED, W ": colour range %u/%u unknown",
                            p->source_range, p->output_range);
    if (p->rotation > VW_ROTATION_MAX ||
        (p->mirror & ~(VW_MIRROR_HORIZONTAL | VW_MIRROR_VERTICAL)))
        return vh_error_set(err, VW_ERR_MALFORMED,
                            W ": rotation %u (0..3) / mirror 0x%x (bits 0x1, 0x2) unknown",
                            p->rotation, p->mirror);
    if (source == output)
        return vh_error_set(err, VW_ERR_STATE, W ": surface %u is both source and output",
                            source->id);
    if (source->rt_format == VW_RT_RGB32)
        return vh_error_set(err, VW_ERR_UNSUPPORTED_FORMAT,
                            W ": source surface %u is RGB: RGB surfaces are processing "
                            "outputs only", source->id);
    if (!(source->rt_format & rt_formats) || !(output->rt_format & rt_formats))
        return vh_error_set(err, VW_ERR_UNSUPPORTED_FORMAT,
                            W ": surfaces %u (rt_format 0x%x) -> %u (0x%x): processing takes "
                            "0x%x", source->id, source->rt_format, output->id, output->rt_format,
                            rt_formats);
    /* The libavfilter filters are defined on 8-bit pictures
     * (docs/codecs.md). */
    if ((p->filters & VW_FILTERS_8BIT) && output->rt_format != VW_RT_YUV420)
        return vh_error_set(err, VW_ERR_UNSUPPORTED_FORMAT,
                            W ": ProcAmp, denoise and sharpening write 8-bit 4:2:0 (NV12) only, "
                            "not rt_format 0x%x", output->rt_format);
    /* RGB outputs are for display: scaling, deinterlacing and the
     * conversion only (the turn and filters run on YUV frames). */
    if (output->rt_format == VW_RT_RGB32 &&
        ((p->filters & ~VW_FILTER_DEINTERLACE) || p->rotation || p->mirror))
        return vh_error_set(err, VW_ERR_UNSUPPORTED_FORMAT,
                            W ": RGB output surface %u takes no ProcAmp, denoise, sharpening "
                            "(filters 0x%x), rotation or mirroring", output->id, p->filters);
    st = check_rect(W ": source region", &p->source, source, err);
    if (st == VW_OK)
        st = check_rect(W ": output region", &p->output, output, err);
    if (st != VW_OK)
        return st;
    /* A field's 4:2:0 chroma lines are every other chroma line. */
    if (deint && (p->source.y % 4 || p->source.height % 4))
        return vh_error_set(err, VW_ERR_MALFORMED,
                            W ": a deinterlaced source region's y %u and height %u must be "
                            "multiples of 4", p->source.y, p->source.height);
    /* The source is scaled to the output's size before the turn. */
    bool swap = p->rotation & 1;
    uint32_t ow = swap ? p->output.height : p->output.width;
    uint32_t oh = swap ? p->output.width : p->output.height;
    if (!ratio_ok(p->source.width, ow) || !ratio_ok(p->source.height, oh))
        return vh_error_set(err, VW_ERR_RESOLUTION,
                            W ": %ux%u -> %ux%u scales more than %ux either way",
                            p->source.width, p->source.height, p->output.width, p->output.height,
                            VH_PROCESS_MAX_RATIO);
    return VW_OK;
}
