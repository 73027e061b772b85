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

/* nvdec for the profiles it has, sw for the rest: what `auto` picks where
 * nvdec starts (src/host/engines/multi/). */
extern const struct vh_engine_ops vh_engine_nvdec_sw;

#endif
