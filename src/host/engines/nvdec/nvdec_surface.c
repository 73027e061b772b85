/* Surfaces: a pitched NV12 or P010 buffer in device memory each, the engine's cache
 * of free buffers, and host memory registration (see nvdec_internal.h). */
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "host/codecs/h264_param_sets.h"
#include "host/engines/nvdec/nvdec_internal.h"

/* Video-range black, as in the sw engine: Y 16, Cb/Cr 128; P010 64 << 6
 * and 512 << 6 (the 10 bits in the high bits). */
#define NVDEC_BLACK_Y 0x10
#define NVDEC_BLACK_C 0x80
#define NVDEC_BLACK_Y10 (64u << 6)
#define NVDEC_BLACK_C10 (512u << 6)

static uint32_t min_u32(uint32_t a, uint32_t b)
{
    return a < b ? a : b;
}

static uint32_t chroma_rows(uint32_t height)
{
    return (height + 1) / 2;
}

/* n little-endian 16-bit samples of v. */
static void fill_le16(uint8_t *d, uint16_t v, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        d[2 * i] = (uint8_t)v;
        d[2 * i + 1] = (uint8_t)(v >> 8);
    }
}

/* ---- buffer cache --------------------------------------------------------- */

/* Context pushed. A buffer of width_bytes x rows from the cache, or a new one. */
static CUresult buffer_get(struct nvdec_engine *e, uint32_t width_bytes, uint32_t rows,
                           CUdeviceptr *ptr, size_t *pitch)
{
    bool hit = false;
    pthread_mutex_lock(&e->lock);
    for (unsigned i = e->num_buffers; i-- > 0;) {
        struct nvdec_buffer *b = &e->buffers[i];
        if (b->width_bytes == width_bytes && b->rows == rows) {
            *ptr = b->ptr;
            *pitch = b->pitch;
            e->buffer_bytes -= (uint64_t)b->pitch * b->rows;
            *b = e->buffers[--e->num_buffers];
            hit = true;
            break;
        }
    }
    pthread_mutex_unlock(&e->lock);
    if (hit)
        return CUDA_SUCCESS;
    double t0 = nvdec_now_ms();
    CUresult r = e->cu->cuMemAllocPitch(ptr, pitch, width_bytes, rows, 16);
    vc_debug("nvdec: cuMemAllocPitch %ux%u %.2f ms", width_bytes, rows, nvdec_now_ms() - t0);
    return r;
}

/* Context pushed. The buffer must be idle (every call synchronizes its
 * stream before returning). */
static void buffer_put(struct nvdec_engine *e, CUdeviceptr ptr, size_t pitch,
                       uint32_t width_bytes, uint32_t rows)
{
    uint64_t bytes = (uint64_t)pitch * rows;
    pthread_mutex_lock(&e->lock);
    bool kept = e->num_buffers < NVDEC_BUFFER_CACHE_MAX &&
                e->buffer_bytes + bytes <= NVDEC_BUFFER_CACHE_BYTES;
    if (kept) {
        e->buffers[e->num_buffers++] = (struct nvdec_buffer){
            .ptr = ptr, .pitch = pitch, .width_bytes = width_bytes, .rows = rows};
        e->buffer_bytes += bytes;
    }
    pthread_mutex_unlock(&e->lock);
    if (!kept) {
        double t0 = nvdec_now_ms();
        e->cu->cuMemFree(ptr);
        vc_debug("nvdec: cuMemFree %.2f ms", nvdec_now_ms() - t0);
    }
}

void nvdec_buffers_free_all(struct nvdec_engine *e)
{
    for (unsigned i = 0; i < e->num_buffers; i++)
        e->cu->cuMemFree(e->buffers[i].ptr);
    e->num_buffers = 0;
    e->buffer_bytes = 0;
}

/* ---- host memory ---------------------------------------------------------- */

int nvdec_host_memory_register(struct vh_engine *engine, void *base, size_t size,
                               void **handle)
{
    struct nvdec_engine *e = nvdec_engine_get(engine);
    *handle = NULL;
    if (!e->mem_host_register)
        return -1;
    if (nvdec_push(e, "cuCtxPushCurrent", NULL) != VW_OK)
        return -1;
    double t0 = nvdec_now_ms();
    CUresult r = e->mem_host_register(base, size, NVDEC_CU_MEMHOSTREGISTER_PORTABLE);
    nvdec_pop(e);
    if (r != CUDA_SUCCESS) {
        const char *name = NULL;
        e->cu->cuGetErrorName(r, &name);
        vc_debug("nvdec: cuMemHostRegister(%zu bytes): %s (%d)", size, name ? name : "?",
                 (int)r);
        return -1;
    }
    vc_debug("nvdec: cuMemHostRegister(%zu bytes) %.2f ms", size, nvdec_now_ms() - t0);
    *handle = base;
    return 0;
}

void nvdec_host_memory_unregister(struct vh_engine *engine, void *handle)
{
    struct nvdec_engine *e = nvdec_engine_get(engine);
    if (!handle || nvdec_push(e, "cuCtxPushCurrent", NULL) != VW_OK)
        return;
    double t0 = nvdec_now_ms();
    e->mem_host_unregister(handle);
    nvdec_pop(e);
    vc_debug("nvdec: cuMemHostUnregister %.2f ms", nvdec_now_ms() - t0);
}

/* ---- surfaces --------------------------------------------------------------- */

int nvdec_surface_init(struct vh_engine *engine, struct vh_surface *surface,
                       struct vh_error *err)
{
    struct nvdec_engine *e = nvdec_engine_get(engine);
    surface->engine_data = NULL;
    /* P010 needs the 16-bit fill (nvdec_internal.h). */
    bool nv12 = surface->rt_format == VW_RT_YUV420 && surface->pixel_format == VW_FOURCC_NV12;
    bool p010 = surface->rt_format == VW_RT_YUV420_10 &&
                surface->pixel_format == VW_FOURCC_P010 && e->memset_d16;
    if (!nv12 && !p010)
        return vh_error_set(err, VW_ERR_UNSUPPORTED_FORMAT,
                            "nvdec: surface format 0x%x/0x%08x not supported (YUV420/NV12%s)",
                            surface->rt_format, surface->pixel_format,
                            e->memset_d16 ? ", YUV420_10/P010" : "");
    if (surface->width == 0 || surface->height == 0 ||
        surface->width > VH_H264_MAX_WIDTH || surface->height > VH_H264_MAX_HEIGHT)
        return vh_error_set(err, VW_ERR_RESOLUTION, "nvdec: surface %ux%u outside 1x1..%ux%u",
                            surface->width, surface->height, VH_H264_MAX_WIDTH,
                            VH_H264_MAX_HEIGHT);
    struct nvdec_surface *s = calloc(1, sizeof(*s));
    if (!s)
        return vh_error_set(err, VW_ERR_NO_MEMORY, "nvdec: out of memory");
    s->bps = p010 ? 2 : 1;
    s->alloc_width = ((surface->width + 1) & ~1u) * s->bps;
    surface->engine_data = s;
    return VW_OK;
}

static uint32_t buffer_rows(const struct vh_surface *surface)
{
    return surface->height + chroma_rows(surface->height);
}

/* Context pushed. Detaches the surface's buffer (it reads as black again):
 * back to the cache when `idle` (no work of ours pending on it), freed
 * otherwise. */
static void surface_drop_buffer(struct nvdec_engine *e, struct vh_surface *surface, bool idle)
{
    struct nvdec_surface *s = surface->engine_data;
    if (!s->ptr)
        return;
    if (idle)
        buffer_put(e, s->ptr, s->pitch, s->alloc_width, buffer_rows(surface));
    else
        e->cu->cuMemFree(s->ptr);
    s->ptr = 0;
}

/* Context pushed. A pool stream back to the pool if its last synchronize
 * succeeded, destroyed otherwise. */
static void stream_release(struct nvdec_engine *e, CUstream stream, bool synced)
{
    if (synced)
        nvdec_stream_put(e, stream);
    else
        e->cu->cuStreamDestroy(stream);
}

void nvdec_surface_fini(struct vh_engine *engine, struct vh_surface *surface)
{
    struct nvdec_surface *s = surface ? surface->engine_data : NULL;
    if (!s)
        return;
    if (s->ptr) {
        struct nvdec_engine *e = nvdec_engine_get(engine);
        if (nvdec_push(e, "cuCtxPushCurrent", NULL) == VW_OK) {
            surface_drop_buffer(e, surface, true);
            nvdec_pop(e);
        }
    }
    free(s);
    surface->engine_data = NULL;
}

/* Context pushed. Queues the black fill on `stream`. */
static CUresult fill_black(struct nvdec_engine *e, struct vh_surface *surface, CUstream stream)
{
    struct nvdec_surface *s = surface->engine_data;
    size_t luma = s->pitch * surface->height;
    size_t chroma = s->pitch * chroma_rows(surface->height);
    if (s->bps == 2) {                        /* pitches are even (cuMemAllocPitch) */
        CUresult r = e->memset_d16(s->ptr, NVDEC_BLACK_Y10, luma / 2, stream);
        if (r == CUDA_SUCCESS)
            r = e->memset_d16(s->ptr + luma, NVDEC_BLACK_C10, chroma / 2, stream);
        return r;
    }
    CUresult r = e->cu->cuMemsetD8Async(s->ptr, NVDEC_BLACK_Y, luma, stream);
    if (r == CUDA_SUCCESS)
        r = e->cu->cuMemsetD8Async(s->ptr + luma, NVDEC_BLACK_C, chroma, stream);
    return r;
}

int nvdec_surface_alloc(struct nvdec_engine *e, struct vh_surface *surface, CUstream stream,
                        bool clear, bool *fresh, struct vh_error *err)
{
    struct nvdec_surface *s = surface->engine_data;
    *fresh = false;
    if (s->ptr)
        return VW_OK;
    CUresult r = buffer_get(e, s->alloc_width, buffer_rows(surface), &s->ptr, &s->pitch);
    if (r != CUDA_SUCCESS) {
        s->ptr = 0;
        return nvdec_cu_error(e, r, r == 2 /* CUDA_ERROR_OUT_OF_MEMORY */ ? VW_ERR_NO_MEMORY
                              : VW_ERR_INTERNAL, "cuMemAllocPitch", err);
    }
    *fresh = true;
    if (clear && (r = fill_black(e, surface, stream)) != CUDA_SUCCESS) {
        surface_drop_buffer(e, surface, false);
        return nvdec_cu_error(e, r, VW_ERR_INTERNAL, "clearing a surface", err);
    }
    return VW_OK;
}

static CUresult copy_2d(struct nvdec_engine *e, CUDA_MEMCPY2D *c, CUstream stream)
{
    if (!c->WidthInBytes || !c->Height)
        return CUDA_SUCCESS;
    return e->cu->cuMemcpy2DAsync(c, stream);
}

int nvdec_surface_put_picture(struct nvdec_engine *e, struct vh_surface *surface,
                              CUstream stream, CUdeviceptr src, size_t src_pitch,
                              uint32_t width, uint32_t height, uint32_t chroma_row,
                              struct vh_error *err)
{
    uint32_t w = min_u32(width, surface->width), h = min_u32(height, surface->height);
    bool covers = w == surface->width && h == surface->height;
    bool fresh;
    /* A picture that covers the surface overwrites every row: no clear. */
    int rc = nvdec_surface_alloc(e, surface, stream, false, &fresh, err);
    if (rc)
        return rc;
    struct nvdec_surface *s = surface->engine_data;
    CUresult r = CUDA_SUCCESS;
    if (!covers)
        r = fill_black(e, surface, stream);
    /* Even widths: a chroma pair covers two columns. */
    uint32_t wb = min_u32(((w + 1) & ~1u) * s->bps, s->alloc_width);
    CUDA_MEMCPY2D c = {
        .srcMemoryType = CU_MEMORYTYPE_DEVICE,
        .srcDevice = src,
        .srcPitch = src_pitch,
        .dstMemoryType = CU_MEMORYTYPE_DEVICE,
        .dstDevice = s->ptr,
        .dstPitch = s->pitch,
        .WidthInBytes = wb,
        .Height = h,
    };
    if (r == CUDA_SUCCESS)
        r = copy_2d(e, &c, stream);
    if (r == CUDA_SUCCESS) {
        c.srcDevice = src + src_pitch * chroma_row;
        c.dstDevice = s->ptr + s->pitch * surface->height;
        c.Height = chroma_rows(h);
        r = copy_2d(e, &c, stream);
    }
    CUresult rs = e->cu->cuStreamSynchronize(stream);
    if (r == CUDA_SUCCESS)
        r = rs;
    if (r != CUDA_SUCCESS) {
        /* A fresh buffer may hold another surface's pixels: never keep it
         * half written. */
        if (fresh)
            surface_drop_buffer(e, surface, rs == CUDA_SUCCESS);
        return nvdec_cu_error(e, r, VW_ERR_DECODE, "copying a decoded picture", err);
    }
    return VW_OK;
}

int nvdec_surface_read(struct vh_engine *engine, struct vh_surface *surface,
                       const struct vh_rect *rect, const struct vw_image_layout *layout,
                       uint8_t *dst, struct vh_error *err)
{
    struct nvdec_engine *e = nvdec_engine_get(engine);
    struct nvdec_surface *s = surface->engine_data;
    if (layout->pixel_format != surface->pixel_format || layout->num_planes != 2)
        return vh_error_set(err, VW_ERR_UNSUPPORTED_FORMAT,
                            "nvdec: image format 0x%08x not supported", layout->pixel_format);
    uint32_t bps = s->bps;
    if (!s->ptr) {
        if (bps == 2) {
            /* As sw: luma width samples, chroma width / 2 pairs a row. */
            for (uint32_t r = 0; r < rect->height; r++)
                fill_le16(dst + layout->offsets[0] + (size_t)r * layout->pitches[0],
                          NVDEC_BLACK_Y10, rect->width);
            for (uint32_t r = 0; r < rect->height / 2; r++)
                fill_le16(dst + layout->offsets[1] + (size_t)r * layout->pitches[1],
                          NVDEC_BLACK_C10, rect->width & ~1u);
            return VW_OK;
        }
        for (uint32_t r = 0; r < rect->height; r++)
            memset(dst + layout->offsets[0] + (size_t)r * layout->pitches[0], NVDEC_BLACK_Y,
                   rect->width);
        for (uint32_t r = 0; r < rect->height / 2; r++)
            memset(dst + layout->offsets[1] + (size_t)r * layout->pitches[1], NVDEC_BLACK_C,
                   rect->width);
        return VW_OK;
    }
    int rc = nvdec_push(e, "cuCtxPushCurrent", err);
    if (rc)
        return rc;
    CUstream stream;
    rc = nvdec_stream_get(e, &stream, err);
    if (rc) {
        nvdec_pop(e);
        return rc;
    }
    /* Straight into the destination: a DMA when it lies in a registered
     * (pinned) arena, staged by the driver otherwise. */
    CUDA_MEMCPY2D c = {
        .srcXInBytes = rect->x * bps,
        .srcY = rect->y,
        .srcMemoryType = CU_MEMORYTYPE_DEVICE,
        .srcDevice = s->ptr,
        .srcPitch = s->pitch,
        .dstMemoryType = CU_MEMORYTYPE_HOST,
        .dstHost = dst + layout->offsets[0],
        .dstPitch = layout->pitches[0],
        .WidthInBytes = rect->width * bps,
        .Height = rect->height,
    };
    CUresult r = copy_2d(e, &c, stream);
    if (r == CUDA_SUCCESS) {
        c.srcXInBytes = (rect->x & ~1u) * bps;
        /* P010: whole pairs only, as sw (NV12 as it always was). */
        if (bps == 2)
            c.WidthInBytes = (rect->width & ~1u) * bps;
        c.srcY = surface->height + rect->y / 2;
        c.dstHost = dst + layout->offsets[1];
        c.dstPitch = layout->pitches[1];
        c.Height = rect->height / 2;
        r = copy_2d(e, &c, stream);
    }
    CUresult rs = e->cu->cuStreamSynchronize(stream);
    if (r == CUDA_SUCCESS)
        r = rs;
    stream_release(e, stream, rs == CUDA_SUCCESS);
    nvdec_pop(e);
    if (r != CUDA_SUCCESS)
        return nvdec_cu_error(e, r, VW_ERR_INTERNAL, "reading a surface", err);
    return VW_OK;
}

int nvdec_surface_write(struct vh_engine *engine, struct vh_surface *surface,
                        const struct vh_rect *src, uint32_t dst_x, uint32_t dst_y,
                        const struct vw_image_layout *layout, const uint8_t *data,
                        struct vh_error *err)
{
    struct nvdec_engine *e = nvdec_engine_get(engine);
    if (layout->pixel_format != surface->pixel_format || layout->num_planes != 2)
        return vh_error_set(err, VW_ERR_UNSUPPORTED_FORMAT,
                            "nvdec: image format 0x%08x not supported", layout->pixel_format);
    uint32_t bps = ((struct nvdec_surface *)surface->engine_data)->bps;
    /* The core validated this; a cheap re-check keeps a core bug from
     * becoming a device memory overflow. */
    if (dst_x > surface->width || src->width > surface->width - dst_x ||
        dst_y > surface->height || src->height > surface->height - dst_y)
        return vh_error_set(err, VW_ERR_INTERNAL, "nvdec: write outside the surface");
    int rc = nvdec_push(e, "cuCtxPushCurrent", err);
    if (rc)
        return rc;
    CUstream stream;
    rc = nvdec_stream_get(e, &stream, err);
    if (rc)
        goto out;
    bool fresh;
    CUresult r = CUDA_SUCCESS;
    rc = nvdec_surface_alloc(e, surface, stream, true, &fresh, err);
    if (rc == VW_OK) {
        struct nvdec_surface *s = surface->engine_data;
        /* `data` is the session's own (pageable) copy: the driver stages it,
         * and the synchronize below ends our use of it. */
        CUDA_MEMCPY2D c = {
            .srcMemoryType = CU_MEMORYTYPE_HOST,
            .srcHost = data + layout->offsets[0] + (size_t)src->y * layout->pitches[0] +
                       (size_t)src->x * bps,
            .srcPitch = layout->pitches[0],
            .dstXInBytes = dst_x * bps,
            .dstY = dst_y,
            .dstMemoryType = CU_MEMORYTYPE_DEVICE,
            .dstDevice = s->ptr,
            .dstPitch = s->pitch,
            .WidthInBytes = src->width * bps,
            .Height = src->height,
        };
        r = copy_2d(e, &c, stream);
        if (r == CUDA_SUCCESS) {
            c.srcHost = data + layout->offsets[1] + (size_t)(src->y / 2) * layout->pitches[1] +
                        (size_t)(src->x & ~1u) * bps;
            c.srcPitch = layout->pitches[1];
            c.dstXInBytes = (dst_x & ~1u) * bps;
            /* P010: whole pairs only (an odd width's last pair would be
             * half a sample pair). */
            if (bps == 2)
                c.WidthInBytes = (src->width & ~1u) * bps;
            c.dstY = surface->height + dst_y / 2;
            c.Height = src->height / 2;
            r = copy_2d(e, &c, stream);
        }
    }
    CUresult rs = e->cu->cuStreamSynchronize(stream);
    if (r == CUDA_SUCCESS)
        r = rs;
    if (rc == VW_OK && rs != CUDA_SUCCESS && fresh)
        surface_drop_buffer(e, surface, false);   /* its clear may not have run */
    stream_release(e, stream, rs == CUDA_SUCCESS);
    if (rc == VW_OK && r != CUDA_SUCCESS)
        rc = nvdec_cu_error(e, r, VW_ERR_INTERNAL, "writing a surface", err);
out:
    nvdec_pop(e);
    return rc;
}
