/* What the vaapi engine offers: for each wire profile it decodes, exactly
 * what the host driver lists (profile, VLD entrypoint, chroma formats, the
 * largest and smallest picture), nothing it does not. */
#include <string.h>

#include <va/va.h>

#include "common/log.h"
#include "common/pixel_format.h"
#include "host/codecs/mpeg2_headers.h"
#include "host/codecs/mpeg4_headers.h"
#include "host/engines/vaapi/vaapi_internal.h"

/* The wire profiles the engine has code for, their VA profile, and what
 * the front door takes for them: the chroma formats (validate_*.c: 4:2:0,
 * 8-bit but VP9 profile 2's and HEVC Main 10's 10; JPEG also 4:2:2 and
 * 4:4:4) and the largest picture. No bitstream is rebuilt, so
 * that is the protocol's, except where the front door's checks stop
 * sooner (MPEG-2: no size extension). The driver may offer less. */
static const struct {
    uint32_t vw;
    VAProfile va;
    uint32_t rt_formats;
    uint32_t max_width, max_height;
    uint32_t default_rt;          /* 0: the lowest of the formats offered */
} vaapi_profiles[] = {
    {VW_PROFILE_H264_CONSTRAINED_BASELINE, VAProfileH264ConstrainedBaseline, VW_RT_YUV420,
     VW_MAX_WIDTH, VW_MAX_HEIGHT},
    {VW_PROFILE_H264_MAIN, VAProfileH264Main, VW_RT_YUV420, VW_MAX_WIDTH, VW_MAX_HEIGHT},
    {VW_PROFILE_H264_HIGH, VAProfileH264High, VW_RT_YUV420, VW_MAX_WIDTH, VW_MAX_HEIGHT},
    {VW_PROFILE_MPEG2_SIMPLE, VAProfileMPEG2Simple, VW_RT_YUV420, VH_MPEG2_MAX_WIDTH,
     VH_MPEG2_MAX_HEIGHT},
    {VW_PROFILE_MPEG2_MAIN, VAProfileMPEG2Main, VW_RT_YUV420, VH_MPEG2_MAX_WIDTH,
     VH_MPEG2_MAX_HEIGHT},
    {VW_PROFILE_VP9_PROFILE0, VAProfileVP9Profile0, VW_RT_YUV420, VW_MAX_WIDTH, VW_MAX_HEIGHT},
    {VW_PROFILE_VP9_PROFILE2, VAProfileVP9Profile2, VW_RT_YUV420_10, VW_MAX_WIDTH,
     VW_MAX_HEIGHT},
    {VW_PROFILE_VP8, VAProfileVP8Version0_3, VW_RT_YUV420, VW_MAX_WIDTH, VW_MAX_HEIGHT},
    {VW_PROFILE_HEVC_MAIN, VAProfileHEVCMain, VW_RT_YUV420, VW_MAX_WIDTH, VW_MAX_HEIGHT},
    {VW_PROFILE_HEVC_MAIN10, VAProfileHEVCMain10, VW_RT_YUV420_10, VW_MAX_WIDTH, VW_MAX_HEIGHT},
    /* The range extension's surfaces default to the profile's own format,
     * as vivac's other engines have them (Y210, 444P, Y410). */
    {VW_PROFILE_HEVC_MAIN422_10, VAProfileHEVCMain422_10,
     VW_RT_YUV420 | VW_RT_YUV420_10 | VW_RT_YUV422 | VW_RT_YUV422_10, VW_MAX_WIDTH, VW_MAX_HEIGHT,
     VW_RT_YUV422_10},
    {VW_PROFILE_HEVC_MAIN444, VAProfileHEVCMain444, VW_RT_YUV420 | VW_RT_YUV422 | VW_RT_YUV444,
     VW_MAX_WIDTH, VW_MAX_HEIGHT, VW_RT_YUV444},
    {VW_PROFILE_HEVC_MAIN444_10, VAProfileHEVCMain444_10,
     VW_RT_YUV420 | VW_RT_YUV420_10 | VW_RT_YUV422 | VW_RT_YUV422_10 | VW_RT_YUV444 |
         VW_RT_YUV444_10,
     VW_MAX_WIDTH, VW_MAX_HEIGHT, VW_RT_YUV444_10},
    {VW_PROFILE_JPEG_BASELINE, VAProfileJPEGBaseline, VW_RT_YUV420 | VW_RT_YUV422 | VW_RT_YUV444,
     VW_MAX_WIDTH, VW_MAX_HEIGHT},
    {VW_PROFILE_MPEG4_SIMPLE, VAProfileMPEG4Simple, VW_RT_YUV420, VH_MPEG4_MAX_WIDTH,
     VH_MPEG4_MAX_HEIGHT},
    {VW_PROFILE_MPEG4_ADVANCED_SIMPLE, VAProfileMPEG4AdvancedSimple, VW_RT_YUV420,
     VH_MPEG4_MAX_WIDTH, VH_MPEG4_MAX_HEIGHT},
};

#define NUM_PROFILES (sizeof(vaapi_profiles) / sizeof(vaapi_profiles[0]))
static_assert(NUM_PROFILES <= VAAPI_MAX_CAPS, "a cap for each profile");

static const struct {
    uint32_t vw;
    unsigned va;
} rt_formats[] = {
    {VW_RT_YUV420, VA_RT_FORMAT_YUV420},       {VW_RT_YUV420_10, VA_RT_FORMAT_YUV420_10},
    {VW_RT_YUV422, VA_RT_FORMAT_YUV422},       {VW_RT_YUV444, VA_RT_FORMAT_YUV444},
    {VW_RT_YUV422_10, VA_RT_FORMAT_YUV422_10}, {VW_RT_YUV444_10, VA_RT_FORMAT_YUV444_10},
};

#define NUM_RT_FORMATS (sizeof(rt_formats) / sizeof(rt_formats[0]))

unsigned vaapi_rt_format_of(uint32_t vw_rt_format)
{
    for (size_t i = 0; i < NUM_RT_FORMATS; i++)
        if (rt_formats[i].vw == vw_rt_format)
            return rt_formats[i].va;
    return 0;
}

static uint32_t vw_rt_formats_of(unsigned va)
{
    uint32_t vw = 0;
    for (size_t i = 0; i < NUM_RT_FORMATS; i++)
        if (va & rt_formats[i].va)
            vw |= rt_formats[i].vw;
    return vw;
}

VAProfile vaapi_profile_of(uint32_t vw_profile)
{
    for (size_t i = 0; i < NUM_PROFILES; i++)
        if (vaapi_profiles[i].vw == vw_profile)
            return vaapi_profiles[i].va;
    return VAProfileNone;
}

static bool listed(const VAProfile *list, int n, VAProfile p)
{
    for (int i = 0; i < n; i++)
        if (list[i] == p)
            return true;
    return false;
}

static bool has_vld(VADisplay d, VAProfile p)
{
    int n = vaMaxNumEntrypoints(d);
    if (n <= 0)
        return false;
    VAEntrypoint eps[n];
    if (vaQueryConfigEntrypoints(d, p, eps, &n) != VA_STATUS_SUCCESS)
        return false;
    for (int i = 0; i < n; i++)
        if (eps[i] == VAEntrypointVLD)
            return true;
    return false;
}

/* The sizes a config of profile p takes (the config attributes where the
 * driver has them, else its surface attributes; 0: unknown), and whether
 * its surfaces come in cap->pixel_format (a driver that lists no FOURCC
 * is taken at its word for its chroma format). */
static bool config_limits(VADisplay d, VAProfile p, uint32_t vw_rt, struct vw_cap *cap)
{
    VAConfigAttrib a[2] = {{.type = VAConfigAttribMaxPictureWidth},
                           {.type = VAConfigAttribMaxPictureHeight}};
    if (vaGetConfigAttributes(d, p, VAEntrypointVLD, a, 2) == VA_STATUS_SUCCESS &&
        a[0].value != VA_ATTRIB_NOT_SUPPORTED && a[1].value != VA_ATTRIB_NOT_SUPPORTED) {
        cap->max_width = a[0].value;
        cap->max_height = a[1].value;
    }
    VAConfigAttrib rt = {.type = VAConfigAttribRTFormat, .value = vaapi_rt_format_of(vw_rt)};
    VAConfigID config;
    if (vaCreateConfig(d, p, VAEntrypointVLD, &rt, 1, &config) != VA_STATUS_SUCCESS)
        return false;
    bool fourcc_listed = false, fourcc_found = false;
    unsigned n = 0;
    if (vaQuerySurfaceAttributes(d, config, NULL, &n) == VA_STATUS_SUCCESS && n > 0 &&
        n < 256) {
        VASurfaceAttrib attrs[n];
        if (vaQuerySurfaceAttributes(d, config, attrs, &n) == VA_STATUS_SUCCESS) {
            for (unsigned i = 0; i < n; i++) {
                if (attrs[i].value.type != VAGenericValueTypeInteger)
                    continue;
                uint32_t v = (uint32_t)attrs[i].value.value.i;
                switch (attrs[i].type) {
                case VASurfaceAttribMinWidth:
                    cap->min_width = v;
                    break;
                case VASurfaceAttribMinHeight:
                    cap->min_height = v;
                    break;
                case VASurfaceAttribMaxWidth:
                    if (!cap->max_width)
                        cap->max_width = v;
                    break;
                case VASurfaceAttribMaxHeight:
                    if (!cap->max_height)
                        cap->max_height = v;
                    break;
                case VASurfaceAttribPixelFormat:
                    fourcc_listed = true;
                    fourcc_found |= v == cap->pixel_format;
                    break;
                default:
                    break;
                }
            }
        }
    }
    vaDestroyConfig(d, config);
    return fourcc_found || !fourcc_listed;
}

static uint32_t min_u32(uint32_t a, uint32_t b)
{
    return a < b ? a : b;
}

int vaapi_caps_probe(struct vaapi_engine *e, struct vh_error *err)
{
    VADisplay d = e->display;
    int max = vaMaxNumProfiles(d);
    if (max <= 0)
        return vh_error_set(err, VW_ERR_INTERNAL, "vaapi: the driver lists no profile");
    VAProfile profiles[max];
    int n = max;
    VAStatus st = vaQueryConfigProfiles(d, profiles, &n);
    if (st != VA_STATUS_SUCCESS)
        return vaapi_error(err, st, VW_ERR_INTERNAL, "vaQueryConfigProfiles");
    e->num_caps = 0;
    for (size_t i = 0; i < NUM_PROFILES; i++) {
        VAProfile p = vaapi_profiles[i].va;
        if (!listed(profiles, n, p) || !has_vld(d, p))
            continue;
        VAConfigAttrib rt = {.type = VAConfigAttribRTFormat};
        if (vaGetConfigAttributes(d, p, VAEntrypointVLD, &rt, 1) != VA_STATUS_SUCCESS ||
            rt.value == VA_ATTRIB_NOT_SUPPORTED)
            continue;
        uint32_t formats = vw_rt_formats_of(rt.value) & vaapi_profiles[i].rt_formats;
        if (!formats)
            continue;
        /* The one surfaces of this profile default to. */
        uint32_t first = vaapi_profiles[i].default_rt & formats ? vaapi_profiles[i].default_rt
                                                                : formats & (~formats + 1);
        struct vw_cap cap = {.profile = vaapi_profiles[i].vw,
                             .entrypoint = VW_ENTRYPOINT_DECODE,
                             .rt_formats = formats,
                             .pixel_format = vc_fourcc_of_rt_format(first)};
        if (!config_limits(d, p, first, &cap)) {
            vc_info("vaapi: %s: profile %d has no %.4s surfaces: not offered", e->device,
                    (int)p, (const char *)&cap.pixel_format);
            continue;
        }
        if (!cap.max_width || !cap.max_height) {
            vc_info("vaapi: %s: profile %d lists no largest picture: not offered", e->device,
                    (int)p);
            continue;
        }
        cap.max_width = min_u32(cap.max_width, vaapi_profiles[i].max_width);
        cap.max_height = min_u32(cap.max_height, vaapi_profiles[i].max_height);
        /* The smallest a macroblock's, where the driver names none. */
        if (cap.min_width < 16)
            cap.min_width = 16;
        if (cap.min_height < 16)
            cap.min_height = 16;
        strncpy(cap.engine_name, "vaapi", sizeof(cap.engine_name));
        e->caps[e->num_caps++] = cap;
    }
    if (!e->num_caps)
        return vh_error_set(err, VW_ERR_INTERNAL,
                            "vaapi: %s (%s) decodes none of the profiles the engine has", e->device,
                            vaQueryVendorString(d));
    return VW_OK;
}
