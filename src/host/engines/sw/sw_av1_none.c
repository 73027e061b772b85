/* AV1 in a build without libdav1d: not offered, refused if asked for. */
#include "host/engines/sw/sw_internal.h"

int sw_av1_codec_create(struct vh_engine *engine, const struct vh_codec_desc *desc,
                        struct vh_codec **out, struct vh_error *err)
{
    (void)engine;
    (void)desc;
    *out = NULL;
    return vh_error_set(err, VW_ERR_UNSUPPORTED_PROFILE, "sw: built without libdav1d (AV1)");
}

bool sw_av1_available(void)
{
    return false;
}
