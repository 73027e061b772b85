/*
 * The GPU process's checks of a worker's decoder requests
 * (nvdec_gpu_proto.h), before any CUDA call: pure functions, no side
 * effect but on the output they fill. A worker may be compromised: every
 * field is checked against the engine's caps and the decoder the GPU
 * process created (never against what the worker says of it).
 */
#ifndef VIVAC_NVDEC_GPU_CHECK_H
#define VIVAC_NVDEC_GPU_CHECK_H

#include <stdint.h>

#include "host/engines/nvdec/nvdec_gpu_proto.h"
#include "host/engines/nvdec/nvdec_internal.h"

/* A decoder create request: a codec and output the GPU decodes (caps),
 * sizes within them (and, for H.264, within what the engine allows),
 * at most NVDEC_MAX_DECODE_SURFACES decode and NVDEC_OUTPUT_SURFACES
 * output surfaces, the engine's fixed settings (weave, PreferCUVID, the
 * whole picture). Fills *info (vidLock NULL) and the device memory the
 * decoder may take (nvdec_decoder_bytes). */
int ngp_check_create(const struct nvdec_engine *e, const struct ngp_dec_create *m,
                     CUVIDDECODECREATEINFO *info, uint64_t *bytes, struct vh_error *err);

/* A reconfigure of the decoder created with `info`: within its maximum
 * size, the same number of surfaces. Fills *re. */
int ngp_check_reconfigure(const struct nvdec_engine *e, const CUVIDDECODECREATEINFO *info,
                          const struct ngp_dec_reconfigure *m,
                          CUVIDRECONFIGUREDECODERINFO *re, struct vh_error *err);

/* A picture for the decoder created with `info` (its codec, not the
 * worker's word): CurrPicIdx and every reference index of the codec's
 * parameters inside the decoder's surfaces (or the codec's "none"), the
 * HEVC reference set entries inside RefPicIdx, MPEG-4's VOL and VOP fields
 * in their ranges (no sprites, no H.263, a B-VOP's TRB inside its TRD,
 * no zero matrix entry), nNumSlices == num_offsets
 * (1..NGP_MAX_SLICES), the bitstream non-empty, inside the staging buffer
 * (staging_size bytes) and every slice offset inside it. Clears what the
 * engine never uses and could point anywhere (H.264 FMO map, MVC/SVC
 * extension, HEVC inter-layer sets); the caller sets the two pointers. */
int ngp_check_picture(const CUVIDDECODECREATEINFO *info, const struct ngp_decode *m,
                      CUVIDPICPARAMS *pp, const uint32_t *offsets, uint64_t staging_size,
                      struct vh_error *err);

/* The engine's output index of a decoder (its chroma, depth, surface
 * format); -1 when none. */
int ngp_output_of(const CUVIDDECODECREATEINFO *info);

#endif
