/* "nvdec+vaapi+sw": what `auto` makes where nvdec and vaapi both start (an
 * NVIDIA GPU beside an Intel or AMD one): nvdec first, then the host's VA
 * driver for the profiles NVDEC lacks (HEVC Main 4:2:2 10, say), then sw.
 * The GPU process serves nvdec; vaapi and sw run in the worker. */
#include "host/engines/engines.h"
#include "host/engines/multi/multi_internal.h"

MULTI_ENTRY_POINTS(vh_engine_nvdec_vaapi_sw)
MULTI_REMOTE_ENTRY_POINT(vh_engine_nvdec_vaapi_sw)

const struct vh_engine_ops vh_engine_nvdec_vaapi_sw = {
    .name = "nvdec+vaapi+sw",
    .parts = (const struct vh_engine_ops *const[]){&vh_engine_nvdec, &vh_engine_vaapi,
                                                   &vh_engine_sw, NULL},
    .create = create,
    .compose = compose,
    MULTI_NVDEC_GPU_PROCESS_OPS,
    MULTI_COMMON_OPS,
};
