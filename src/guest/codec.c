/* The packer of each wire codec, selected by the config's profile. */
#include "guest/codec.h"
#include "guest/surface.h"

static const struct vg_codec *const codecs[] = {
    &vg_codec_h264,
    &vg_codec_vp9,
    &vg_codec_vp8,
    &vg_codec_mpeg2,
    &vg_codec_hevc,
    &vg_codec_jpeg,
    &vg_codec_mpeg4,
    &vg_codec_av1,
};

const struct vg_codec *vg_codec_for_profile(uint32_t vw_profile)
{
    uint32_t kind = vw_codec_of_profile(vw_profile);
    for (size_t i = 0; i < sizeof(codecs) / sizeof(codecs[0]); i++)
        if (codecs[i]->vw_codec == kind)
            return codecs[i];
    return NULL;
}

uint32_t vg_codec_ref_id(struct vg_driver *drv, VASurfaceID id)
{
    if (id == VA_INVALID_SURFACE || !vg_surface_get(drv, id))
        return VW_INVALID_ID;
    return id;
}
