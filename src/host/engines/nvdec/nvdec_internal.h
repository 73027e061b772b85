/*
 * NVDEC engine internals.  libcuda.so.1 and libnvcuvid.so.1 are loaded at
 * run time through the ffnvcodec loader (no NVIDIA software at build time).
 *
 * Contexts: the engine retains device N's primary context once; every
 * function that calls CUDA pushes it on the calling thread's context stack
 * and pops it before returning (sessions run on different threads).
 *
 * Surfaces: each vh_surface owns one pitched NV12 buffer in device memory
 * (luma rows, then (height+1)/2 interleaved chroma rows), allocated and
 * filled with black on first write or decode. A decoded picture is copied
 * device-to-device out of the decoder's slot into the target's buffer; the
 * only device-to-host copy is GET_IMAGE (surface_read).
 */
#ifndef VIVAC_NVDEC_INTERNAL_H
#define VIVAC_NVDEC_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The loader's messages ("Cannot load libcuda.so.1") go to a buffer that
 * create() turns into its error; debug messages are dropped. */
void nvdec_loader_log(void *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define FFNV_LOG_FUNC(logctx, msg, ...) nvdec_loader_log((logctx), (msg), __VA_ARGS__)
#define FFNV_DEBUG_LOG_FUNC(logctx, msg, ...) ((void)0)
#include <ffnvcodec/dynlink_loader.h>

#include "host/engine.h"

struct nvdec_loader_msg {
    char text[160];
};

struct nvdec_engine {
    struct vh_engine base;
    CudaFunctions *cu;
    CuvidFunctions *cv;
    CUdevice device;
    CUcontext ctx;                            /* primary context, retained */
    char device_name[128];
    /* cuvidGetDecoderCaps for H.264 8-bit 4:2:0, queried once in create. */
    uint32_t min_width, min_height, max_width, max_height, max_mb_count;
    unsigned num_engines;
};

static inline struct nvdec_engine *nvdec_engine_get(struct vh_engine *e)
{
    return (struct nvdec_engine *)e;
}

/* vh_surface.engine_data. ptr == 0: never written (reads as black). */
struct nvdec_surface {
    CUdeviceptr ptr;
    size_t pitch;
    uint32_t alloc_width;                     /* bytes per row used: width rounded up to even */
};

/* nvdec_load.c: loads both libraries (err says which step failed). */
int nvdec_load(struct nvdec_engine *e, struct vh_error *err);
void nvdec_unload(struct nvdec_engine *e);

/* nvdec_engine.c */
int nvdec_push(struct nvdec_engine *e, const char *what, struct vh_error *err);
void nvdec_pop(struct nvdec_engine *e);
/* Sets err for a failed CUDA call ("nvdec: what: CUDA_ERROR_X (text)"). */
int nvdec_cu_error(struct nvdec_engine *e, CUresult r, int status, const char *what,
                   struct vh_error *err);

/* nvdec_surface.c (called with the context pushed where noted) */
int nvdec_surface_init(struct vh_engine *engine, struct vh_surface *surface,
                       struct vh_error *err);
void nvdec_surface_fini(struct vh_engine *engine, struct vh_surface *surface);
int nvdec_surface_read(struct vh_engine *engine, struct vh_surface *surface,
                       const struct vh_rect *rect, const struct vw_image_layout *layout,
                       uint8_t *dst, struct vh_error *err);
int nvdec_surface_write(struct vh_engine *engine, struct vh_surface *surface,
                        const struct vh_rect *src, uint32_t dst_x, uint32_t dst_y,
                        const struct vw_image_layout *layout, const uint8_t *data,
                        struct vh_error *err);
/* Context pushed. Allocates the buffer (black) if the surface has none. */
int nvdec_surface_alloc(struct nvdec_engine *e, struct vh_surface *surface,
                        struct vh_error *err);
/* Context pushed. Copies a decoded NV12 picture (chroma at src + src_pitch *
 * chroma_row) into the surface's top-left; the rest of the surface turns
 * black if the picture does not cover it. */
int nvdec_surface_put_picture(struct nvdec_engine *e, struct vh_surface *surface,
                              CUdeviceptr src, size_t src_pitch, uint32_t width,
                              uint32_t height, uint32_t chroma_row, struct vh_error *err);

/* nvdec_h264.c */
int nvdec_h264_codec_create(struct vh_engine *engine, const struct vh_codec_desc *desc,
                            struct vh_codec **out, struct vh_error *err);
void nvdec_h264_codec_destroy(struct vh_codec **codec);
int nvdec_h264_decode(struct vh_codec *codec, const struct vh_picture *pic,
                      struct vh_error *err);

#endif
