/*
 * Video processing on the GPU (VIDEOPROC jobs of the nvdec engine): the
 * jobs CUDA kernels of ours do (kernels/vpp_kernels.h), between surfaces
 * of the engine without leaving the device. Scaling (bilinear, whatever
 * the job's quality: VA makes the modes hints), cropping and placing,
 * NV12 <-> P010, bob deinterlacing, and RGB32 outputs (BGRA, RGBA, BGRX,
 * RGBX: the source's matrix and range to full-range RGB). A job with
 * anything else (filters, rotation, a range change between YUV formats)
 * is the sw engine's: the composite hands it there (multi_codec.c), nvdec
 * alone refuses it.
 */
#ifndef VIVAC_NVDEC_VPP_H
#define VIVAC_NVDEC_VPP_H

#include <stdbool.h>
#include <stdint.h>

#include "host/engine.h"

struct nvdec_engine;

/* A job as the device runs it; the GPU process gets it as is. */
struct nvdec_vpp_job {
    struct vh_rect src, dst;                  /* regions of the surfaces */
    uint32_t field;                           /* 0 frame, 1 top field, 2 bottom (bob) */
    /* RGB outputs: the source's matrix (VW_COLOR_BT601..BT2020, resolved)
     * and range (1 full); 0 for YUV outputs. */
    uint32_t standard, full_range;
};

/* The PTX built in (NULL where the build had no clang for CUDA). */
extern const char *const nvdec_vpp_ptx;

/* Context pushed: loads the kernels (the driver compiles the PTX for the
 * device); false, with the reason logged, where it cannot. */
bool nvdec_vpp_load(struct nvdec_engine *e);
void nvdec_vpp_unload(struct nvdec_engine *e);

/* Whether the GPU runs `job` (false: sw's); NULL: whether it runs any. */
bool nvdec_vpp_accepts(struct vh_engine *engine, const struct vh_process *job);

/* vh_engine_ops.process_outputs: RGB32 where the engine has RGB surfaces. */
uint32_t nvdec_vpp_outputs(struct vh_engine *engine);

/* The GPU job of an accepted one. */
struct nvdec_vpp_job nvdec_vpp_job_of(const struct vh_process *job);

/* Checks a job against its surfaces as the GPU process must (the worker
 * is not trusted): a 4:2:0 NV12/P010 source, an NV12/P010 or RGB32
 * output, regions inside them, non-empty and not splitting a chroma
 * sample, the field's lines there, a known matrix. */
int nvdec_vpp_check(const struct vh_surface *src, const struct vh_surface *dst,
                    const struct nvdec_vpp_job *job, struct vh_error *err);

/* The local device's process (nvdec_device.h): runs a checked job. */
int nvdec_vpp_run(struct vh_engine *engine, struct vh_surface *src, struct vh_surface *dst,
                  const struct nvdec_vpp_job *job, struct vh_error *err);

/* The VIDEOPROC codec and its process op (vh_engine_ops). */
int nvdec_vpp_codec_create(struct vh_engine *engine, struct vh_codec **out,
                           struct vh_error *err);
int nvdec_vpp_process(struct vh_codec *codec, const struct vh_process *job,
                      struct vh_error *err);

#endif
