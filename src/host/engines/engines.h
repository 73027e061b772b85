/* Engine vtables, one per engine folder; registry.c lists the built ones. */
#ifndef VIVAC_HOST_ENGINES_H
#define VIVAC_HOST_ENGINES_H

#include "host/engine.h"

/* NVIDIA NVDEC through the cuvid parser (src/host/engines/nvdec/). */
extern const struct vh_engine_ops vh_engine_nvdec;

/* Software decode on libavcodec (src/host/engines/sw/). */
extern const struct vh_engine_ops vh_engine_sw;

/* The host's own VA-API driver on a DRM render node (src/host/engines/vaapi/). */
extern const struct vh_engine_ops vh_engine_vaapi;

/* Composites (src/host/engines/multi/): each profile on the first of their
 * parts that has it; what `auto` makes of the engines that start. */
extern const struct vh_engine_ops vh_engine_nvdec_vaapi_sw;
extern const struct vh_engine_ops vh_engine_nvdec_sw;
extern const struct vh_engine_ops vh_engine_vaapi_sw;

#endif
