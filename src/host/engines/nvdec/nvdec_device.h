/*
 * The GPU half of the NVDEC engine: every operation of the codec and
 * surface code that touches CUDA, behind one table, so that the same codec
 * code (the cuvid parser, the packet rebuild, nvdec_check_sequence) runs
 *
 * - local (nvdec_device_local, nvdec_local.c + nvdec_surface.c): CUDA in
 *   this process, the engine's own context (a daemon without a GPU
 *   process, and the GPU process itself, which serves workers with it);
 * - remote (nvdec_device_remote, nvdec_remote.c): in a worker, every
 *   operation a request to the GPU process (nvdec_gpu_proto.h), which
 *   checks it and runs it on its local device. The worker never calls
 *   cuInit nor creates a context: it loads libnvcuvid for the parser only.
 *
 * Threads: as the engine ops (engine.h): a nvdec_dec is used by its
 * codec's session thread only; surface_* and gpu_trim are thread safe.
 */
#ifndef VIVAC_NVDEC_DEVICE_H
#define VIVAC_NVDEC_DEVICE_H

#include <stdbool.h>
#include <stdint.h>

#include <ffnvcodec/dynlink_cuda.h>
#include <ffnvcodec/dynlink_cuviddec.h>

#include "host/engine.h"

struct nvdec_engine;
struct nvdec_vpp_job;

/* One codec's decoder on the device (at most one cuvid decoder at a time,
 * none until the first sequence). Opaque: the implementation's. */
struct nvdec_dec;

/* What to copy out of a decoded slot into a target surface. */
struct nvdec_capture {
    int32_t idx;                              /* the slot: CurrPicIdx or the displayed one */
    bool field_pic, bottom_field, second_field;
    /* The picture's size (clamped again to the decoder's output by the
     * device): copied to the target's top-left, the rest turns black. */
    uint32_t width, height;
};

struct nvdec_device_ops {
    /* Around every parser call: the context pushed (local) or nothing
     * (remote: the parser is CPU code and the worker has no context). */
    int (*parse_enter)(struct nvdec_engine *e, struct vh_error *err);
    void (*parse_leave)(struct nvdec_engine *e);

    /* A codec's decoder slot, no decoder yet; closed with its decoder
     * destroyed (off the caller's thread where possible), `gpu_bytes` being
     * what its session charged (nvdec_reap). close accepts NULL / *NULL. */
    int (*dec_open)(struct nvdec_engine *e, struct nvdec_dec **out, struct vh_error *err);
    void (*dec_close)(struct nvdec_dec **dec, uint64_t gpu_bytes);

    /* Inside the parser's sequence callback (parse_enter done). create:
     * a decoder of exactly `info` (vidLock ignored), replacing none;
     * reconfigure: true when the decoder now decodes re's size (false: not
     * possible, the caller recreates); destroy: now, inline. */
    int (*dec_create)(struct nvdec_dec *dec, const CUVIDDECODECREATEINFO *info,
                      struct vh_error *err);
    bool (*dec_reconfigure)(struct nvdec_dec *dec, const CUVIDRECONFIGUREDECODERINFO *re);
    void (*dec_destroy)(struct nvdec_dec *dec);

    /* Inside the decode callback: cuvidDecodePicture of the parser's
     * parameters (their pointers into the parser's memory, valid for this
     * call only). */
    int (*dec_decode)(struct nvdec_dec *dec, CUVIDPICPARAMS *pp, struct vh_error *err);

    /* After the parse (parse_enter still held): checks the slot's decode
     * status, maps it, copies it into target (of the decoder's output
     * format) and unmaps it. Synchronous. */
    int (*dec_capture)(struct nvdec_dec *dec, const struct nvdec_capture *cap,
                       struct vh_surface *target, struct vh_error *err);

    /* vh_engine_ops' surface ops and gpu_trim, same contracts. */
    int (*surface_init)(struct vh_engine *engine, struct vh_surface *surface,
                        struct vh_error *err);
    void (*surface_fini)(struct vh_engine *engine, struct vh_surface *surface);
    int (*surface_read)(struct vh_engine *engine, struct vh_surface *surface,
                        const struct vh_rect *rect, const struct vw_image_layout *layout,
                        uint8_t *dst, struct vh_error *err);
    int (*surface_write)(struct vh_engine *engine, struct vh_surface *surface,
                         const struct vh_rect *src, uint32_t dst_x, uint32_t dst_y,
                         const struct vw_image_layout *layout, const uint8_t *data,
                         struct vh_error *err);
    void (*gpu_trim)(struct vh_engine *engine);

    /* Runs a video processing job (nvdec_vpp.h) from src into dst, both
     * the engine's surfaces; synchronous. */
    int (*process)(struct vh_engine *engine, struct vh_surface *src, struct vh_surface *dst,
                   const struct nvdec_vpp_job *job, struct vh_error *err);
};

extern const struct nvdec_device_ops nvdec_device_local;
extern const struct nvdec_device_ops nvdec_device_remote;

#endif
