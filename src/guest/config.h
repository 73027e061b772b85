/* VA configs: profile/entrypoint/attribute queries against the daemon's
 * capabilities (QUERY_CAPS), and the surface attribute query. */
#ifndef VIVAC_GUEST_CONFIG_H
#define VIVAC_GUEST_CONFIG_H

#include "guest/driver.h"

#define VG_MAX_PROFILES 32            /* ctx->max_profiles: every profile_map entry (config.c) */
#define VG_MAX_ENTRYPOINTS 2
#define VG_MAX_CONFIG_ATTRIBUTES 8

struct vg_config {
    VAProfile profile;
    VAEntrypoint entrypoint;
    uint32_t vw_profile;          /* enum vw_profile */
    uint32_t rt_format;           /* VA_RT_FORMAT_* chosen */
    struct vw_cap cap;            /* the daemon's capability it was made from */
    /* VAEntrypointEncSlice only: */
    struct vw_encode_cap enc;     /* the capability's encode attributes */
    uint32_t rc_mode;             /* the VW_RC_* bit chosen (RateControl attribute) */
};

/* VW_RT_* bit of a VA_RT_FORMAT_* value (one format), 0 if unknown. */
uint32_t vg_rt_format_to_vw(uint32_t va_rt_format);
/* VA_RT_FORMAT_* value of a VW_RT_* bit, 0 if unknown. */
uint32_t vg_rt_format_from_vw(uint32_t vw_rt_format);
/* Surface VA_FOURCC of a VA_RT_FORMAT_* value (one format: NV12, P010,
 * 422H, 444P, Y210, Y410), 0 if unknown. */
uint32_t vg_fourcc_of_rt_format(uint32_t va_rt_format);
/* enum vw_profile for a VA profile, VW_PROFILE_NONE if unknown. */
uint32_t vg_profile_to_vw(VAProfile profile);
/* The daemon's capability for (vw profile, vw entrypoint), or NULL. */
const struct vw_cap *vg_find_cap(const struct vg_driver *drv, uint32_t vw_profile, uint32_t vw_entrypoint);
/* Smallest min and largest max size over every capability (false if none). */
bool vg_caps_size_range(const struct vg_driver *drv, uint32_t *min_w, uint32_t *min_h,
                        uint32_t *max_w, uint32_t *max_h);

VAStatus vg_QueryConfigProfiles(VADriverContextP ctx, VAProfile *profile_list, int *num_profiles);
VAStatus vg_QueryConfigEntrypoints(VADriverContextP ctx, VAProfile profile,
                                   VAEntrypoint *entrypoint_list, int *num_entrypoints);
VAStatus vg_GetConfigAttributes(VADriverContextP ctx, VAProfile profile, VAEntrypoint entrypoint,
                                VAConfigAttrib *attrib_list, int num_attribs);
VAStatus vg_CreateConfig(VADriverContextP ctx, VAProfile profile, VAEntrypoint entrypoint,
                         VAConfigAttrib *attrib_list, int num_attribs, VAConfigID *config_id);
VAStatus vg_DestroyConfig(VADriverContextP ctx, VAConfigID config_id);
VAStatus vg_QueryConfigAttributes(VADriverContextP ctx, VAConfigID config_id, VAProfile *profile,
                                  VAEntrypoint *entrypoint, VAConfigAttrib *attrib_list,
                                  int *num_attribs);
VAStatus vg_QuerySurfaceAttributes(VADriverContextP ctx, VAConfigID config,
                                   VASurfaceAttrib *attrib_list, unsigned int *num_attribs);

#endif
