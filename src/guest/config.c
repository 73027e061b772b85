#include "guest/config.h"

#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/pixel_format.h"
#include "guest/caps.h"
#include "guest/enc_config.h"

static_assert(VW_FOURCC_NV12 == VA_FOURCC_NV12 && VW_FOURCC_P010 == VA_FOURCC_P010 &&
              VW_FOURCC_422H == VA_FOURCC_422H && VW_FOURCC_444P == VA_FOURCC_444P &&
              VW_FOURCC_Y210 == VA_FOURCC_Y210 && VW_FOURCC_Y410 == VA_FOURCC_Y410 &&
              VW_FOURCC_YUY2 == VA_FOURCC_YUY2 && VW_FOURCC_BGRA == VA_FOURCC_BGRA &&
              VW_FOURCC_RGBA == VA_FOURCC_RGBA && VW_FOURCC_BGRX == VA_FOURCC_BGRX &&
              VW_FOURCC_RGBX == VA_FOURCC_RGBX,
              "wire FOURCCs are VA's");

static const struct {
    VAProfile va;
    uint32_t vw;
} profile_map[] = {
    {VAProfileH264ConstrainedBaseline, VW_PROFILE_H264_CONSTRAINED_BASELINE},
    {VAProfileH264Main, VW_PROFILE_H264_MAIN},
    {VAProfileH264High, VW_PROFILE_H264_HIGH},
    {VAProfileVP9Profile0, VW_PROFILE_VP9_PROFILE0},
    {VAProfileVP8Version0_3, VW_PROFILE_VP8},
    {VAProfileMPEG2Simple, VW_PROFILE_MPEG2_SIMPLE},
    {VAProfileMPEG2Main, VW_PROFILE_MPEG2_MAIN},
    {VAProfileHEVCMain, VW_PROFILE_HEVC_MAIN},
    {VAProfileHEVCMain10, VW_PROFILE_HEVC_MAIN10},
    {VAProfileVP9Profile2, VW_PROFILE_VP9_PROFILE2},
    {VAProfileJPEGBaseline, VW_PROFILE_JPEG_BASELINE},
    {VAProfileHEVCMain422_10, VW_PROFILE_HEVC_MAIN422_10},
    {VAProfileHEVCMain444, VW_PROFILE_HEVC_MAIN444},
    {VAProfileHEVCMain444_10, VW_PROFILE_HEVC_MAIN444_10},
    {VAProfileMPEG4Simple, VW_PROFILE_MPEG4_SIMPLE},
    {VAProfileMPEG4AdvancedSimple, VW_PROFILE_MPEG4_ADVANCED_SIMPLE},
    {VAProfileAV1Profile0, VW_PROFILE_AV1_MAIN},
};
static_assert(sizeof(profile_map) / sizeof(profile_map[0]) <= VG_MAX_PROFILES,
              "vaQueryConfigProfiles would cut the list");

/* The chroma formats, in the order a config without a preference picks
 * them: 8-bit 4:2:0 first. Each one's surface FOURCC (same value in VA and
 * on the wire) is in the pixel format table (common/pixel_format.c). */
static const struct {
    uint32_t va;
    uint32_t vw;
} rt_map[] = {
    {VA_RT_FORMAT_YUV420, VW_RT_YUV420},
    {VA_RT_FORMAT_YUV420_10, VW_RT_YUV420_10},
    {VA_RT_FORMAT_YUV422, VW_RT_YUV422},
    {VA_RT_FORMAT_YUV422_10, VW_RT_YUV422_10},
    {VA_RT_FORMAT_YUV444, VW_RT_YUV444},
    {VA_RT_FORMAT_YUV444_10, VW_RT_YUV444_10},
    /* Video processing outputs only (1.6), where the VIDEOPROC cap lists it. */
    {VA_RT_FORMAT_RGB32, VW_RT_RGB32},
};

#define RT_MAP_LEN (sizeof(rt_map) / sizeof(rt_map[0]))

uint32_t vg_rt_format_to_vw(uint32_t va_rt_format)
{
    for (size_t i = 0; i < RT_MAP_LEN; i++)
        if (rt_map[i].va == va_rt_format)
            return rt_map[i].vw;
    return 0;
}

uint32_t vg_rt_format_from_vw(uint32_t vw_rt_format)
{
    for (size_t i = 0; i < RT_MAP_LEN; i++)
        if (rt_map[i].vw == vw_rt_format)
            return rt_map[i].va;
    return 0;
}

uint32_t vg_fourcc_of_rt_format(uint32_t va_rt_format)
{
    uint32_t vw = vg_rt_format_to_vw(va_rt_format);
    return vw ? vc_fourcc_of_rt_format(vw) : 0;
}

uint32_t vg_profile_to_vw(VAProfile profile)
{
    for (size_t i = 0; i < sizeof(profile_map) / sizeof(profile_map[0]); i++)
        if (profile_map[i].va == profile)
            return profile_map[i].vw;
    return VW_PROFILE_NONE;
}

static uint32_t entrypoint_to_vw(VAEntrypoint entrypoint)
{
    switch (entrypoint) {
    case VAEntrypointVLD:
        return VW_ENTRYPOINT_DECODE;
    case VAEntrypointEncSlice:
        return VW_ENTRYPOINT_ENCODE;
    case VAEntrypointVideoProc:
        return VW_ENTRYPOINT_VIDEOPROC;
    default:
        return 0;
    }
}

const struct vw_cap *vg_find_cap(const struct vg_driver *drv, uint32_t vw_profile, uint32_t vw_entrypoint)
{
    for (uint32_t i = 0; i < drv->num_caps; i++)
        if (drv->caps[i].profile == vw_profile && drv->caps[i].entrypoint == vw_entrypoint)
            return &drv->caps[i];
    return NULL;
}

static const struct vw_cap *proc_cap(const struct vg_driver *drv)
{
    return vg_find_cap(drv, VW_PROFILE_NONE, VW_ENTRYPOINT_VIDEOPROC);
}

static bool profile_supported(const struct vg_driver *drv, uint32_t vw_profile)
{
    for (uint32_t i = 0; i < drv->num_caps; i++)
        if (vw_profile != VW_PROFILE_NONE && drv->caps[i].profile == vw_profile)
            return true;
    return false;
}

bool vg_caps_size_range(const struct vg_driver *drv, uint32_t *min_w, uint32_t *min_h,
                        uint32_t *max_w, uint32_t *max_h)
{
    if (drv->num_caps == 0)
        return false;
    *min_w = *min_h = UINT32_MAX;
    *max_w = *max_h = 0;
    for (uint32_t i = 0; i < drv->num_caps; i++) {
        const struct vw_cap *c = &drv->caps[i];
        *min_w = c->min_width < *min_w ? c->min_width : *min_w;
        *min_h = c->min_height < *min_h ? c->min_height : *min_h;
        *max_w = c->max_width > *max_w ? c->max_width : *max_w;
        *max_h = c->max_height > *max_h ? c->max_height : *max_h;
    }
    return true;
}

/* Checks (profile, entrypoint) and returns the capability; *enc: its
 * encode attributes for VAEntrypointEncSlice, else NULL. */
static VAStatus lookup(const struct vg_driver *drv, VAProfile profile, VAEntrypoint entrypoint,
                       const struct vw_cap **cap, const struct vw_encode_cap **enc)
{
    uint32_t vwp = vg_profile_to_vw(profile);
    *enc = NULL;
    if (profile == VAProfileNone) { /* video processing only */
        *cap = entrypoint == VAEntrypointVideoProc ? proc_cap(drv) : NULL;
        if (!proc_cap(drv))
            return VA_STATUS_ERROR_UNSUPPORTED_PROFILE;
        return *cap ? VA_STATUS_SUCCESS : VA_STATUS_ERROR_UNSUPPORTED_ENTRYPOINT;
    }
    if (!profile_supported(drv, vwp))
        return VA_STATUS_ERROR_UNSUPPORTED_PROFILE;
    uint32_t vwe = entrypoint_to_vw(entrypoint);
    *cap = vwe ? vg_find_cap(drv, vwp, vwe) : NULL;
    if (*cap && vwe == VW_ENTRYPOINT_ENCODE) {
        *enc = vg_find_encode_cap(drv, vwp);
        if (!*enc)
            *cap = NULL; /* caps.c keeps none without; defensive */
    }
    return *cap ? VA_STATUS_SUCCESS : VA_STATUS_ERROR_UNSUPPORTED_ENTRYPOINT;
}

static uint32_t va_rt_formats(const struct vw_cap *cap)
{
    uint32_t mask = 0;
    for (size_t i = 0; i < RT_MAP_LEN; i++)
        if (cap->rt_formats & rt_map[i].vw)
            mask |= rt_map[i].va;
    return mask;
}

/* The format a config gets from a mask of acceptable ones: the cap's
 * preferred surface format if the mask has it, else the first in rt_map. */
static uint32_t pick_rt_format(const struct vw_cap *cap, uint32_t mask)
{
    const struct vc_pixel_format *preferred = vc_pixel_format_get(cap->pixel_format);
    uint32_t va = preferred ? vg_rt_format_from_vw(preferred->rt_format) : 0;
    if (mask & va)
        return va;
    for (size_t i = 0; i < RT_MAP_LEN; i++)
        if (mask & rt_map[i].va)
            return rt_map[i].va;
    return 0;
}

/* MPEG-4 Part 2 is listed only on request (VIVAC_MPEG4=1, or Mesa's
 * VAAPI_MPEG4_ENABLED=true, which hides it the same way): gstreamer-vaapi
 * 1.22 registers none of its elements, not even H.264's, when a driver
 * lists an MPEG-4 Part 2 profile. A config of it can be made either way. */
static bool listed(VAProfile va)
{
    if (va != VAProfileMPEG4Simple && va != VAProfileMPEG4AdvancedSimple)
        return true;
    const char *ours = getenv("VIVAC_MPEG4"), *mesa = getenv("VAAPI_MPEG4_ENABLED");
    return (ours && strcmp(ours, "1") == 0) || (mesa && strcmp(mesa, "true") == 0);
}

VAStatus vg_QueryConfigProfiles(VADriverContextP ctx, VAProfile *profile_list, int *num_profiles)
{
    if (!profile_list || !num_profiles)
        return VA_STATUS_ERROR_INVALID_PARAMETER;
    struct vg_driver *drv = vg_lock(ctx);
    int n = 0;
    for (size_t i = 0; i < sizeof(profile_map) / sizeof(profile_map[0]); i++)
        if (profile_supported(drv, profile_map[i].vw) && listed(profile_map[i].va) &&
            n < VG_MAX_PROFILES)
            profile_list[n++] = profile_map[i].va;
    if (proc_cap(drv) && n < VG_MAX_PROFILES)
        profile_list[n++] = VAProfileNone;
    *num_profiles = n;
    vg_unlock(drv);
    return VA_STATUS_SUCCESS;
}

VAStatus vg_QueryConfigEntrypoints(VADriverContextP ctx, VAProfile profile,
                                   VAEntrypoint *entrypoint_list, int *num_entrypoints)
{
    if (!entrypoint_list || !num_entrypoints)
        return VA_STATUS_ERROR_INVALID_PARAMETER;
    struct vg_driver *drv = vg_lock(ctx);
    VAStatus st = VA_STATUS_SUCCESS;
    uint32_t vwp = vg_profile_to_vw(profile);
    if (profile == VAProfileNone && proc_cap(drv)) {
        entrypoint_list[0] = VAEntrypointVideoProc;
        *num_entrypoints = 1;
    } else if (!profile_supported(drv, vwp)) {
        st = VA_STATUS_ERROR_UNSUPPORTED_PROFILE;
    } else {
        int n = 0;
        if (vg_find_cap(drv, vwp, VW_ENTRYPOINT_DECODE))
            entrypoint_list[n++] = VAEntrypointVLD;
        if (vg_find_cap(drv, vwp, VW_ENTRYPOINT_ENCODE) && vg_find_encode_cap(drv, vwp))
            entrypoint_list[n++] = VAEntrypointEncSlice;
        *num_entrypoints = n;
    }
    vg_unlock(drv);
    return st;
}

VAStatus vg_GetConfigAttributes(VADriverContextP ctx, VAProfile profile, VAEntrypoint entrypoint,
                                VAConfigAttrib *attrib_list, int num_attribs)
{
    if (num_attribs < 0 || (num_attribs && !attrib_list))
        return VA_STATUS_ERROR_INVALID_PARAMETER;
    struct vg_driver *drv = vg_lock(ctx);
    const struct vw_cap *cap;
    const struct vw_encode_cap *enc;
    VAStatus st = lookup(drv, profile, entrypoint, &cap, &enc);
    bool proc = entrypoint == VAEntrypointVideoProc;
    if (st == VA_STATUS_SUCCESS) {
        for (int i = 0; i < num_attribs; i++) {
            VAConfigAttrib *a = &attrib_list[i];
            switch (a->type) {
            case VAConfigAttribRTFormat:
                a->value = va_rt_formats(cap);
                break;
            case VAConfigAttribDecSliceMode:
                a->value = enc || proc ? VA_ATTRIB_NOT_SUPPORTED : VA_DEC_SLICE_MODE_NORMAL;
                break;
            case VAConfigAttribDecProcessing:
                a->value = enc || proc ? VA_ATTRIB_NOT_SUPPORTED : VA_DEC_PROCESSING_NONE;
                break;
            case VAConfigAttribMaxPictureWidth:
                a->value = cap->max_width;
                break;
            case VAConfigAttribMaxPictureHeight:
                a->value = cap->max_height;
                break;
            default:
                a->value = enc ? vg_enc_attribute(enc, a->type) : VA_ATTRIB_NOT_SUPPORTED;
                break;
            }
        }
    }
    vg_unlock(drv);
    return st;
}

static VAStatus check_attribs(const struct vw_cap *cap, const struct vw_encode_cap *enc,
                              const VAConfigAttrib *list, int n, uint32_t *rt_format,
                              uint32_t *rc_mode)
{
    *rt_format = pick_rt_format(cap, va_rt_formats(cap));
    *rc_mode = enc ? vg_enc_default_rc(enc) : 0;
    for (int i = 0; i < n; i++) {
        const VAConfigAttrib *a = &list[i];
        switch (a->type) {
        case VAConfigAttribRTFormat:
            /* A mask of acceptable formats: pick one we can do. */
            if (!(a->value & va_rt_formats(cap)))
                return VA_STATUS_ERROR_UNSUPPORTED_RT_FORMAT;
            *rt_format = pick_rt_format(cap, a->value & va_rt_formats(cap));
            break;
        case VAConfigAttribDecSliceMode:
            if (enc && a->value != VA_ATTRIB_NOT_SUPPORTED)
                return VA_STATUS_ERROR_INVALID_VALUE;
            if (a->value != VA_ATTRIB_NOT_SUPPORTED && !(a->value & VA_DEC_SLICE_MODE_NORMAL))
                return VA_STATUS_ERROR_INVALID_VALUE;
            break;
        case VAConfigAttribDecProcessing:
            if (a->value != VA_DEC_PROCESSING_NONE && a->value != VA_ATTRIB_NOT_SUPPORTED)
                return VA_STATUS_ERROR_INVALID_VALUE;
            break;
        case VAConfigAttribMaxPictureWidth:
            if (a->value > cap->max_width)
                return VA_STATUS_ERROR_RESOLUTION_NOT_SUPPORTED;
            break;
        case VAConfigAttribMaxPictureHeight:
            if (a->value > cap->max_height)
                return VA_STATUS_ERROR_RESOLUTION_NOT_SUPPORTED;
            break;
        default:
            /* An attribute that does not apply to the entrypoint (packed
             * headers on VLD) has no valid value: INVALID_VALUE, as libva's
             * conformance suite and Intel's drivers answer. */
            if (!enc)
                return VA_STATUS_ERROR_INVALID_VALUE;
            VAStatus st = vg_enc_check_attribute(enc, a, rc_mode);
            if (st)
                return st;
            break;
        }
    }
    return VA_STATUS_SUCCESS;
}

VAStatus vg_CreateConfig(VADriverContextP ctx, VAProfile profile, VAEntrypoint entrypoint,
                         VAConfigAttrib *attrib_list, int num_attribs, VAConfigID *config_id)
{
    if (!config_id || num_attribs < 0 || (num_attribs && !attrib_list))
        return VA_STATUS_ERROR_INVALID_PARAMETER;
    struct vg_driver *drv = vg_lock(ctx);
    const struct vw_cap *cap;
    const struct vw_encode_cap *enc;
    struct vg_config *cfg = NULL;
    uint32_t rt_format, rc_mode;
    VAStatus st = lookup(drv, profile, entrypoint, &cap, &enc);
    if (st)
        goto out;
    st = check_attribs(cap, enc, attrib_list, num_attribs, &rt_format, &rc_mode);
    if (st)
        goto out;
    cfg = calloc(1, sizeof(*cfg));
    if (!cfg) {
        st = VA_STATUS_ERROR_ALLOCATION_FAILED;
        goto out;
    }
    *cfg = (struct vg_config){.profile = profile, .entrypoint = entrypoint,
                              .vw_profile = vg_profile_to_vw(profile), .rt_format = rt_format,
                              .cap = *cap, .rc_mode = rc_mode};
    if (enc)
        cfg->enc = *enc;
    uint32_t id;
    if (vg_table_insert(&drv->configs, cfg, &id)) {
        free(cfg);
        st = VA_STATUS_ERROR_ALLOCATION_FAILED;
        goto out;
    }
    *config_id = id;
out:
    vg_unlock(drv);
    return st;
}

VAStatus vg_DestroyConfig(VADriverContextP ctx, VAConfigID config_id)
{
    struct vg_driver *drv = vg_lock(ctx);
    struct vg_config *cfg = vg_table_remove(&drv->configs, config_id);
    vg_unlock(drv);
    if (!cfg)
        return VA_STATUS_ERROR_INVALID_CONFIG;
    free(cfg);
    return VA_STATUS_SUCCESS;
}

VAStatus vg_QueryConfigAttributes(VADriverContextP ctx, VAConfigID config_id, VAProfile *profile,
                                  VAEntrypoint *entrypoint, VAConfigAttrib *attrib_list,
                                  int *num_attribs)
{
    if (!profile || !entrypoint || !attrib_list || !num_attribs)
        return VA_STATUS_ERROR_INVALID_PARAMETER;
    struct vg_driver *drv = vg_lock(ctx);
    struct vg_config *cfg = vg_table_get(&drv->configs, config_id);
    VAStatus st = VA_STATUS_ERROR_INVALID_CONFIG;
    if (cfg) {
        *profile = cfg->profile;
        *entrypoint = cfg->entrypoint;
        attrib_list[0] = (VAConfigAttrib){.type = VAConfigAttribRTFormat, .value = cfg->rt_format};
        if (cfg->entrypoint == VAEntrypointEncSlice) {
            attrib_list[1] = (VAConfigAttrib){.type = VAConfigAttribRateControl,
                                              .value = vg_enc_rc_to_va(cfg->rc_mode)};
            attrib_list[2] = (VAConfigAttrib){.type = VAConfigAttribEncPackedHeaders,
                                              .value = VA_ENC_PACKED_HEADER_NONE};
            *num_attribs = 3;
        } else if (cfg->entrypoint == VAEntrypointVideoProc) {
            *num_attribs = 1;
        } else {
            attrib_list[1] = (VAConfigAttrib){.type = VAConfigAttribDecSliceMode,
                                              .value = VA_DEC_SLICE_MODE_NORMAL};
            *num_attribs = 2;
        }
        st = VA_STATUS_SUCCESS;
    }
    vg_unlock(drv);
    return st;
}

VAStatus vg_QuerySurfaceAttributes(VADriverContextP ctx, VAConfigID config,
                                   VASurfaceAttrib *attrib_list, unsigned int *num_attribs)
{
    if (!num_attribs)
        return VA_STATUS_ERROR_INVALID_PARAMETER;
    struct vg_driver *drv = vg_lock(ctx);
    struct vg_config *cfg = vg_table_get(&drv->configs, config);
    VAStatus st = VA_STATUS_SUCCESS;
    if (!cfg) {
        st = VA_STATUS_ERROR_INVALID_CONFIG;
        goto out;
    }
    VASurfaceAttrib attrs[RT_MAP_LEN + 9];
    unsigned n = 0;
#define ATTR(t, f, v)                                                                   \
    attrs[n++] = (VASurfaceAttrib){.type = (t), .flags = (f),                           \
                                   .value = {.type = VAGenericValueTypeInteger, .value = {.i = (int)(v)}}}
    /* One pixel format per chroma format the profile decodes into, the
     * config's first: ffmpeg picks the one closest to the stream's. 4:2:2
     * 8-bit also as YUY2, the only 4:2:2 format GStreamer's vaapi elements
     * know, listed just before 422H: of formats it rates equal ffmpeg keeps
     * the later one, so yuv422p streams still get 422H. */
    const unsigned flags = VA_SURFACE_ATTRIB_GETTABLE | VA_SURFACE_ATTRIB_SETTABLE;
    for (size_t k = 0; k <= RT_MAP_LEN; k++) {
        /* k == 0: the config's format; then the others in table order. */
        uint32_t va_rt = k == 0 ? cfg->rt_format : rt_map[k - 1].va;
        uint32_t vw_rt = vg_rt_format_to_vw(va_rt);
        if (k > 0 && (!(cfg->cap.rt_formats & vw_rt) || va_rt == cfg->rt_format))
            continue;
        if (vw_rt == VW_RT_YUV422)
            ATTR(VASurfaceAttribPixelFormat, flags, VA_FOURCC_YUY2);
        if (vw_rt == VW_RT_RGB32) {   /* BGRA below, the other byte orders here */
            ATTR(VASurfaceAttribPixelFormat, flags, VA_FOURCC_RGBA);
            ATTR(VASurfaceAttribPixelFormat, flags, VA_FOURCC_BGRX);
            ATTR(VASurfaceAttribPixelFormat, flags, VA_FOURCC_RGBX);
        }
        ATTR(VASurfaceAttribPixelFormat, flags, vc_fourcc_of_rt_format(vw_rt));
    }
    ATTR(VASurfaceAttribMinWidth, VA_SURFACE_ATTRIB_GETTABLE, cfg->cap.min_width);
    ATTR(VASurfaceAttribMinHeight, VA_SURFACE_ATTRIB_GETTABLE, cfg->cap.min_height);
    ATTR(VASurfaceAttribMaxWidth, VA_SURFACE_ATTRIB_GETTABLE, cfg->cap.max_width);
    ATTR(VASurfaceAttribMaxHeight, VA_SURFACE_ATTRIB_GETTABLE, cfg->cap.max_height);
    ATTR(VASurfaceAttribMemoryType, VA_SURFACE_ATTRIB_GETTABLE | VA_SURFACE_ATTRIB_SETTABLE,
         VA_SURFACE_ATTRIB_MEM_TYPE_VA);
#undef ATTR
    if (!attrib_list) {
        *num_attribs = n;
    } else if (*num_attribs < n) {
        *num_attribs = n;
        st = VA_STATUS_ERROR_MAX_NUM_EXCEEDED;
    } else {
        memcpy(attrib_list, attrs, sizeof(attrs[0]) * n);
        *num_attribs = n;
    }
out:
    vg_unlock(drv);
    return st;
}
