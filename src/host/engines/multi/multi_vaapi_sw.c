/* "vaapi+sw": what `auto` makes on a host without an NVIDIA GPU whose
 * render node's VA driver starts (Intel, AMD): the host driver's profiles
 * on it, sw for the others (AV1, which the vaapi engine does not carry
 * yet, and whatever the driver lacks). No GPU process: libva runs in
 * the worker. */
#include "host/engines/engines.h"
#include "host/engines/multi/multi_internal.h"

MULTI_ENTRY_POINTS(vh_engine_vaapi_sw)

const struct vh_engine_ops vh_engine_vaapi_sw = {
    .name = "vaapi+sw",
    .parts = (const struct vh_engine_ops *const[]){&vh_engine_vaapi, &vh_engine_sw, NULL},
    .create = create,
    .compose = compose,
    MULTI_COMMON_OPS,
};
