/* PROCESS's checks (validate_process.h): every field of the job, so that
 * engines take regions and enums as given. */
#include "host/validate_process.h"

#include <stdbool.h>

#include "host/image_check.h"

#define W "PROCESS"
#define VW_FILTERS_8BIT (VW_FILTER_PROCAMP | VW_FILTER_DENOISE | VW_FILTER_SHARPEN)
#define VH_PROCESS_420 (VW_RT_YUV420 | VW_RT_YUV420_10)

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
    if (p->reserved3 != 0)
        return vh_error_set(err, VW_ERR_MALFORMED, W ": reserved3 is not 0");
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
    if (!deint && p->field_order != 0)
        return vh_error_set(err, VW_ERR_MALFORMED,
                            W ": field_order %u without the DEINTERLACE filter", p->field_order);
    if (deint && p->deinterlace != VW_DEINTERLACE_BOB &&
        p->deinterlace != VW_DEINTERLACE_MOTION_ADAPTIVE)
        return vh_error_set(err, VW_ERR_UNSUPPORTED_STREAM,
                            W ": deinterlace %u: bob (%u) and motion adaptive (%u) are "
                            "supported", p->deinterlace, VW_DEINTERLACE_BOB,
                            VW_DEINTERLACE_MOTION_ADAPTIVE);
    if (deint && (p->field > 1 || p->field_order > VW_FIELD_ORDER_BOTTOM_FIRST))
        return vh_error_set(err, VW_ERR_MALFORMED,
                            W ": field %u / field_order %u is not 0 (top) or 1 (bottom)",
                            p->field, p->field_order);
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
    /* Deinterlacing takes 4:2:0 fields (bob's chroma lines, bwdif's
     * planes: sw_deint.c), the turn 4:2:0 outputs (sw_vf.c); other formats
     * are scaled and converted only (docs/codecs.md). */
    if (deint && !(source->rt_format & VH_PROCESS_420))
        return vh_error_set(err, VW_ERR_UNSUPPORTED_FORMAT,
                            W ": deinterlacing takes 4:2:0 sources (NV12, P010) only, not "
                            "surface %u's rt_format 0x%x", source->id, source->rt_format);
    if ((p->rotation || p->mirror) && !(output->rt_format & (VH_PROCESS_420 | VW_RT_RGB32)))
        return vh_error_set(err, VW_ERR_UNSUPPORTED_FORMAT,
                            W ": rotation and mirroring write 4:2:0 outputs (NV12, P010) only, "
                            "not surface %u's rt_format 0x%x", output->id, output->rt_format);
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
    /* Bob's field is every other line of each plane, so its 4:2:0 chroma
     * lines are every other chroma line. (Motion adaptive filters whole
     * planes: any even region.) */
    if (deint && p->deinterlace == VW_DEINTERLACE_BOB &&
        (p->source.y % 4 || p->source.height % 4))
        return vh_error_set(err, VW_ERR_MALFORMED,
                            W ": a bob-deinterlaced source region's y %u and height %u must be "
                            "multiples of 4", p->source.y, p->source.height);
    /* bwdif's planes have 3 columns and 4 lines at least: 4:2:0 chroma's
     * make that 6x8 pixels. */
    if (deint && p->deinterlace == VW_DEINTERLACE_MOTION_ADAPTIVE &&
        (p->source.width < VH_PROCESS_ADAPTIVE_MIN_WIDTH ||
         p->source.height < VH_PROCESS_ADAPTIVE_MIN_HEIGHT))
        return vh_error_set(err, VW_ERR_RESOLUTION,
                            W ": a motion-adaptive source region of %ux%u: %ux%u at least",
                            p->source.width, p->source.height, VH_PROCESS_ADAPTIVE_MIN_WIDTH,
                            VH_PROCESS_ADAPTIVE_MIN_HEIGHT);
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

/* Entries of `ids` past `n` are 0. */
static int check_ref_list(const char *name, const uint32_t *ids, uint32_t n,
                          struct vh_error *err)
{
    if (n > VW_PROCESS_MAX_REFS)
        return vh_error_set(err, VW_ERR_MALFORMED, W ": num_%s %u over %u", name, n,
                            VW_PROCESS_MAX_REFS);
    for (uint32_t i = n; i < VW_PROCESS_MAX_REFS; i++)
        if (ids[i] != 0)
            return vh_error_set(err, VW_ERR_MALFORMED,
                                W ": %s_ids[%u] is %u past num_%s %u (must be 0)", name, i,
                                ids[i], name, n);
    return VW_OK;
}

int vh_process_check_refs(const struct vw_process *p, const struct vh_surface *const *refs,
                          const struct vh_surface *source, const struct vh_surface *output,
                          struct vh_error *err)
{
    int st = check_ref_list("past", p->past_ids, p->num_past, err);
    if (st == VW_OK)
        st = check_ref_list("future", p->future_ids, p->num_future, err);
    if (st != VW_OK)
        return st;
    uint32_t n = p->num_past + p->num_future;
    bool takes = (p->filters & VW_FILTER_DEINTERLACE) &&
                 p->deinterlace == VW_DEINTERLACE_MOTION_ADAPTIVE;
    if (n && !takes)
        return vh_error_set(err, VW_ERR_MALFORMED,
                            W ": %u past / %u future references: only motion-adaptive "
                            "deinterlacing takes references", p->num_past, p->num_future);
    for (uint32_t i = 0; i < n; i++) {
        bool past = i < p->num_past;
        const char *name = past ? "past" : "future";
        uint32_t k = past ? i : i - p->num_past;
        uint32_t id = past ? p->past_ids[k] : p->future_ids[k];
        const struct vh_surface *r = refs[i];
        if (!r)
            return vh_error_set(err, VW_ERR_INVALID_ID, W ": no %s reference surface %u "
                                "(%s_ids[%u])", name, id, name, k);
        if (r == output)
            return vh_error_set(err, VW_ERR_STATE,
                                W ": surface %u is both a %s reference and the output", id,
                                name);
        if (r->rt_format != source->rt_format || r->pixel_format != source->pixel_format)
            return vh_error_set(err, VW_ERR_UNSUPPORTED_FORMAT,
                                W ": %s reference %u (rt_format 0x%x, fourcc 0x%08x) is not "
                                "in the source %u's format (0x%x, 0x%08x)", name, id,
                                r->rt_format, r->pixel_format, source->id, source->rt_format,
                                source->pixel_format);
        if (r->width != source->width || r->height != source->height)
            return vh_error_set(err, VW_ERR_RESOLUTION,
                                W ": %s reference %u is %ux%u, the source %u is %ux%u", name,
                                id, r->width, r->height, source->id, source->width,
                                source->height);
    }
    return VW_OK;
}
