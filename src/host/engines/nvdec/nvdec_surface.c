/* Surfaces: a pitched buffer in device memory each, planes one below the
 * other in the surface's format (NV12, P010, 444P), the engine's cache of
 * free buffers, and host memory registration (see nvdec_internal.h). */
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "host/engines/nvdec/nvdec_internal.h"
#include "host/memory_budget.h"

/* What NVDEC writes for 10-bit 4:4:4 (cudaVideoSurfaceFormat_YUV444_16Bit:
 * three planes of 16-bit samples, the 10 bits at the top): the device
 * layout of Y410 surfaces, whose packed pixels NVDEC cannot write; images
 * are packed and unpacked on the host. */
static const struct vc_pixel_format yuv444_16 = {
    .fourcc = 0, .rt_format = VW_RT_YUV444_10, .name = "YUV444_16Bit", .num_planes = 3,
    .depth = 10, .container = 2, .log2_chroma_w = 0, .log2_chroma_h = 0,
    .comp = {{0, 0, 2, 6}, {1, 0, 2, 6}, {2, 0, 2, 6}}};

static uint32_t min_u32(uint32_t a, uint32_t b)
{
    return a < b ? a : b;
}

/* n little-endian 16-bit samples of v. */
static void fill_le16(uint8_t *d, uint16_t v, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        d[2 * i] = (uint8_t)v;
        d[2 * i + 1] = (uint8_t)(v >> 8);
    }
}

/* Video-range black (as the sw engine) of a plane, as stored: every
 * component of a plane has the same value (NV12/P010 chroma: Cb = Cr). */
static uint32_t plane_black(const struct vc_pixel_format *pf, unsigned p)
{
    unsigned c = p == 0 ? 0 : 1;
    return vc_black(pf, c) << pf->comp[c].shift;
}

/* Bytes and rows of plane p before pixel (x, y) and of the rectangle from
 * there to (x + w, y + h): extent differences (rectangles are aligned to
 * the chroma subsampling, so no sample is split). */
static void plane_span(const struct vc_pixel_format *pf, unsigned p, uint32_t x, uint32_t y,
                       uint32_t w, uint32_t h, uint64_t *x_bytes, uint32_t *y_rows,
                       uint64_t *w_bytes, uint32_t *h_rows)
{
    uint64_t xb = 0, xwb, unused_b;
    uint32_t yr = 0, yhr, unused_r;
    if (x)
        vc_plane_extent(pf, p, x, 1, &xb, &unused_r);
    if (y)
        vc_plane_extent(pf, p, 1, y, &unused_b, &yr);
    vc_plane_extent(pf, p, x + w, y + h, &xwb, &yhr);
    *x_bytes = xb;
    *y_rows = yr;
    *w_bytes = xwb - xb;
    *h_rows = yhr - yr;
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
            /* The surface taking it was charged for it by its session. */
            e->buffer_bytes -= (uint64_t)b->pitch * b->rows;
            vh_budget_give(e->base.gpu_budget, (uint64_t)b->pitch * b->rows);
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
    /* Kept only where the daemon's GPU budget holds it (its session has
     * just been given its charge back). */
    bool kept = e->num_buffers < NVDEC_BUFFER_CACHE_MAX &&
                e->buffer_bytes + bytes <= NVDEC_BUFFER_CACHE_BYTES &&
                vh_budget_take(e->base.gpu_budget, bytes);
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
    vh_budget_give(e->base.gpu_budget, e->buffer_bytes);
    e->num_buffers = 0;
    e->buffer_bytes = 0;
}

void nvdec_gpu_trim(struct vh_engine *engine)
{
    struct nvdec_engine *e = nvdec_engine_get(engine);
    struct nvdec_buffer taken[NVDEC_BUFFER_CACHE_MAX];
    pthread_mutex_lock(&e->lock);
    unsigned n = e->num_buffers;
    uint64_t bytes = e->buffer_bytes;
    memcpy(taken, e->buffers, n * sizeof(taken[0]));
    e->num_buffers = 0;
    e->buffer_bytes = 0;
    pthread_mutex_unlock(&e->lock);
    if (!n)
        return;
    if (nvdec_push(e, "cuCtxPushCurrent", NULL) != VW_OK) {
        /* Nothing freed: the buffers go back to the cache, still charged
         * (those it has no room for stay charged, lost with the context). */
        pthread_mutex_lock(&e->lock);
        for (unsigned i = 0; i < n && e->num_buffers < NVDEC_BUFFER_CACHE_MAX; i++) {
            e->buffers[e->num_buffers++] = taken[i];
            e->buffer_bytes += (uint64_t)taken[i].pitch * taken[i].rows;
        }
        pthread_mutex_unlock(&e->lock);
        return;
    }
    for (unsigned i = 0; i < n; i++)
        e->cu->cuMemFree(taken[i].ptr);
    nvdec_pop(e);
    vh_budget_give(e->base.gpu_budget, bytes);
    vc_debug("nvdec: GPU budget full: freed %u cached buffers (%llu KiB)", n,
             (unsigned long long)(bytes >> 10));
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

/* The largest picture of any codec the GPU decodes (8192x8192 for HEVC
 * and VP9 on an H200), within the protocol's: a surface is tied to no
 * codec, and CREATE_CODEC holds each codec to its own size. */
static void surface_max_size(const struct nvdec_engine *e, uint32_t *width, uint32_t *height)
{
    *width = *height = 0;
    for (unsigned k = 0; k < NVDEC_KIND_COUNT; k++)
        for (unsigned o = 0; o < NVDEC_OUT_COUNT; o++) {
            const struct nvdec_caps *c = &e->caps[k][o];
            if (!c->supported)
                continue;
            *width = c->max_width > *width ? c->max_width : *width;
            *height = c->max_height > *height ? c->max_height : *height;
        }
    *width = *width < VW_MAX_WIDTH ? *width : VW_MAX_WIDTH;
    *height = *height < VW_MAX_HEIGHT ? *height : VW_MAX_HEIGHT;
}

/* The format of a surface's device buffer. */
static const struct vc_pixel_format *device_format(const struct vc_pixel_format *pf)
{
    return pf->fourcc == VW_FOURCC_Y410 ? &yuv444_16 : pf;
}

/* Fills s->alloc_width, plane_row and rows for s->dev at w x h. */
static void layout(struct nvdec_surface *s, uint32_t w, uint32_t h)
{
    s->alloc_width = 0;
    s->rows = 0;
    for (unsigned p = 0; p < s->dev->num_planes; p++) {
        uint64_t row;
        uint32_t rows;
        vc_plane_extent(s->dev, p, w, h, &row, &rows);
        if (row > s->alloc_width)
            s->alloc_width = (uint32_t)row;
        s->plane_row[p] = s->rows;
        s->rows += rows;
    }
}

int nvdec_surface_init(struct vh_engine *engine, struct vh_surface *surface,
                       struct vh_error *err)
{
    struct nvdec_engine *e = nvdec_engine_get(engine);
    surface->engine_data = NULL;
    /* The formats a decoder output is as it is; 16-bit ones need the
     * 16-bit fill (nvdec_internal.h). */
    const struct vc_pixel_format *pf = vc_pixel_format_get(surface->pixel_format);
    bool ok = pf && pf->rt_format == surface->rt_format &&
              (pf->fourcc == VW_FOURCC_NV12 || pf->fourcc == VW_FOURCC_444P ||
               ((pf->fourcc == VW_FOURCC_P010 || pf->fourcc == VW_FOURCC_Y410) &&
                e->memset_d16) ||
               (vc_pixel_format_is_rgb(pf) && e->rgb));
    if (!ok)
        return vh_error_set(err, VW_ERR_UNSUPPORTED_FORMAT,
                            "nvdec: surface format 0x%x/0x%08x not supported (YUV420/NV12, "
                            "YUV444/444P%s%s)", surface->rt_format, surface->pixel_format,
                            e->memset_d16 ? ", YUV420_10/P010, YUV444_10/Y410" : "",
                            e->rgb ? ", RGB32/BGRA, RGBA, BGRX, RGBX" : "");
    uint32_t max_w, max_h;
    surface_max_size(e, &max_w, &max_h);
    if (surface->width == 0 || surface->height == 0 || surface->width > max_w ||
        surface->height > max_h)
        return vh_error_set(err, VW_ERR_RESOLUTION, "nvdec: surface %ux%u outside 1x1..%ux%u",
                            surface->width, surface->height, max_w, max_h);
    struct nvdec_surface *s = calloc(1, sizeof(*s));
    if (!s)
        return vh_error_set(err, VW_ERR_NO_MEMORY, "nvdec: out of memory");
    s->pf = pf;
    s->dev = device_format(pf);
    layout(s, surface->width, surface->height);
    surface->engine_data = s;
    return VW_OK;
}

/* The estimate (an upper bound of what cuMemGetInfo showed on an H200,
 * bench/nvdec_gpu_mem, docs/performance.md): cuMemAllocPitch's pitch is a
 * multiple of SURFACE_EST_PITCH bytes; a buffer of 2 MiB or more takes
 * whole 2 MiB pages, a smaller one the power of two above it (at least
 * 128 KiB: sixteen 64x64 NV12 buffers took 2 MiB, sixteen 350x198 4). */
#define SURFACE_EST_PITCH 512u
#define SURFACE_EST_PAGE (2ull << 20)
#define SURFACE_EST_MIN (128ull << 10)

uint64_t nvdec_surface_gpu_bytes(struct vh_engine *engine, const struct vh_surface *surface)
{
    (void)engine;
    const struct vc_pixel_format *pf = vc_pixel_format_get(surface->pixel_format);
    if (!pf)
        return 0;                             /* refused by surface_init */
    struct nvdec_surface s = {.dev = device_format(pf)};
    layout(&s, surface->width, surface->height);
    uint64_t pitch = ((uint64_t)s.alloc_width + SURFACE_EST_PITCH - 1) / SURFACE_EST_PITCH *
                     SURFACE_EST_PITCH;
    uint64_t bytes = pitch * s.rows;
    if (bytes >= SURFACE_EST_PAGE)
        return (bytes + SURFACE_EST_PAGE - 1) / SURFACE_EST_PAGE * SURFACE_EST_PAGE;
    uint64_t size = SURFACE_EST_MIN;
    while (size < bytes)
        size *= 2;
    return size;
}

static uint32_t buffer_rows(const struct vh_surface *surface)
{
    return ((const struct nvdec_surface *)surface->engine_data)->rows;
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

CUresult nvdec_surface_fill_black(struct nvdec_engine *e, struct vh_surface *surface,
                                  CUstream stream)
{
    struct nvdec_surface *s = surface->engine_data;
    CUresult r = CUDA_SUCCESS;
    for (unsigned p = 0; p < s->dev->num_planes && r == CUDA_SUCCESS; p++) {
        uint32_t end = p + 1 < s->dev->num_planes ? s->plane_row[p + 1] : s->rows;
        size_t bytes = s->pitch * (end - s->plane_row[p]);
        CUdeviceptr at = s->ptr + s->pitch * s->plane_row[p];
        if (s->dev->container == 4)            /* RGB32: opaque black, as on sw */
            r = e->memset_d32(at, 0xff000000u, bytes / 4, stream);
        else if (s->dev->container == 2)       /* pitches are even (cuMemAllocPitch) */
            r = e->memset_d16(at, (unsigned short)plane_black(s->dev, p), bytes / 2, stream);
        else
            r = e->cu->cuMemsetD8Async(at, (unsigned char)plane_black(s->dev, p), bytes, stream);
    }
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
    if (clear && (r = nvdec_surface_fill_black(e, surface, stream)) != CUDA_SUCCESS) {
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
        r = nvdec_surface_fill_black(e, surface, stream);
    for (unsigned p = 0; p < s->dev->num_planes && r == CUDA_SUCCESS; p++) {
        uint64_t wb;
        uint32_t rows;
        /* Even widths: a chroma pair covers two columns. */
        vc_plane_extent(s->dev, p, (w + 1) & ~1u, h, &wb, &rows);
        CUDA_MEMCPY2D c = {
            .srcMemoryType = CU_MEMORYTYPE_DEVICE,
            .srcDevice = src + src_pitch * chroma_row * p,
            .srcPitch = src_pitch,
            .dstMemoryType = CU_MEMORYTYPE_DEVICE,
            .dstDevice = s->ptr + s->pitch * s->plane_row[p],
            .dstPitch = s->pitch,
            .WidthInBytes = min_u32((uint32_t)wb, s->alloc_width),
            .Height = rows,
        };
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

/* Reads a rectangle into a layout of the device format s->dev. */
static int read_planes(struct nvdec_engine *e, struct vh_surface *surface,
                       const struct vh_rect *rect, const struct vw_image_layout *layout,
                       uint8_t *dst, struct vh_error *err)
{
    struct nvdec_surface *s = surface->engine_data;
    const struct vc_pixel_format *pf = s->dev;
    if (!s->ptr) {
        for (unsigned p = 0; p < pf->num_planes; p++) {
            uint64_t xb, wb;
            uint32_t yr, hr;
            plane_span(pf, p, rect->x, rect->y, rect->width, rect->height, &xb, &yr, &wb, &hr);
            uint32_t black = plane_black(pf, p);
            for (uint32_t r = 0; r < hr; r++) {
                uint8_t *d = dst + layout->offsets[p] + (size_t)r * layout->pitches[p];
                if (pf->container == 2)
                    fill_le16(d, (uint16_t)black, (uint32_t)(wb / 2));
                else
                    memset(d, (int)black, wb);
            }
        }
        return VW_OK;
    }
    CUstream stream;
    int rc = nvdec_call_begin(e, &stream, err);
    if (rc)
        return rc;
    /* Straight into the destination: a DMA when it lies in a registered
     * (pinned) arena, staged by the driver otherwise. */
    CUresult r = CUDA_SUCCESS;
    for (unsigned p = 0; p < pf->num_planes && r == CUDA_SUCCESS; p++) {
        uint64_t xb, wb;
        uint32_t yr, hr;
        plane_span(pf, p, rect->x, rect->y, rect->width, rect->height, &xb, &yr, &wb, &hr);
        CUDA_MEMCPY2D c = {
            .srcXInBytes = (size_t)xb,
            .srcY = s->plane_row[p] + yr,
            .srcMemoryType = CU_MEMORYTYPE_DEVICE,
            .srcDevice = s->ptr,
            .srcPitch = s->pitch,
            .dstMemoryType = CU_MEMORYTYPE_HOST,
            .dstHost = dst + layout->offsets[p],
            .dstPitch = layout->pitches[p],
            .WidthInBytes = (size_t)wb,
            .Height = hr,
        };
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

/* Writes a rectangle of an image in the device format s->dev. */
static int write_planes(struct nvdec_engine *e, struct vh_surface *surface,
                        const struct vh_rect *src, uint32_t dst_x, uint32_t dst_y,
                        const struct vw_image_layout *layout, const uint8_t *data,
                        struct vh_error *err)
{
    struct nvdec_surface *s = surface->engine_data;
    const struct vc_pixel_format *pf = s->dev;
    CUstream stream;
    int rc = nvdec_call_begin(e, &stream, err);
    if (rc)
        return rc;
    bool fresh;
    CUresult r = CUDA_SUCCESS;
    rc = nvdec_surface_alloc(e, surface, stream, true, &fresh, err);
    for (unsigned p = 0; rc == VW_OK && p < pf->num_planes && r == CUDA_SUCCESS; p++) {
        uint64_t sxb, dxb, wb;
        uint32_t syr, dyr, hr;
        plane_span(pf, p, src->x, src->y, src->width, src->height, &sxb, &syr, &wb, &hr);
        plane_span(pf, p, dst_x, dst_y, src->width, src->height, &dxb, &dyr, &wb, &hr);
        /* `data` is the session's own (pageable) copy: the driver stages it,
         * and the synchronize below ends our use of it. */
        CUDA_MEMCPY2D c = {
            .srcMemoryType = CU_MEMORYTYPE_HOST,
            .srcHost = data + layout->offsets[p] + (size_t)syr * layout->pitches[p] + sxb,
            .srcPitch = layout->pitches[p],
            .dstXInBytes = (size_t)dxb,
            .dstY = s->plane_row[p] + dyr,
            .dstMemoryType = CU_MEMORYTYPE_DEVICE,
            .dstDevice = s->ptr,
            .dstPitch = s->pitch,
            .WidthInBytes = (size_t)wb,
            .Height = hr,
        };
        r = copy_2d(e, &c, stream);
    }
    CUresult rs = e->cu->cuStreamSynchronize(stream);
    if (r == CUDA_SUCCESS)
        r = rs;
    if (rc == VW_OK && rs != CUDA_SUCCESS && fresh)
        surface_drop_buffer(e, surface, false);   /* its clear may not have run */
    stream_release(e, stream, rs == CUDA_SUCCESS);
    if (rc == VW_OK && r != CUDA_SUCCESS)
        rc = nvdec_cu_error(e, r, VW_ERR_INTERNAL, "writing a surface", err);
    nvdec_pop(e);
    return rc;
}

/* A tight layout of the device format for a w x h rectangle in `stage`. */
static struct vw_image_layout stage_layout(const struct vc_pixel_format *dev, uint32_t w,
                                           uint32_t h, size_t *size)
{
    struct vw_image_layout l = {.pixel_format = dev->fourcc, .num_planes = dev->num_planes};
    *size = (size_t)vc_pixel_format_tight_layout(dev, w, h, l.pitches, l.offsets);
    return l;
}

/* Row r of every plane of a layout (the formats converted here are not
 * subsampled: one row a plane per picture row). */
static void plane_rows(const struct vw_image_layout *l, uint8_t *base, uint32_t r,
                       uint8_t *rows[VC_MAX_PLANES])
{
    for (unsigned p = 0; p < VC_MAX_PLANES; p++)
        rows[p] = p < l->num_planes ? base + l->offsets[p] + (size_t)r * l->pitches[p] : NULL;
}

/* Copies w x h pixels between two layouts of different formats with the
 * same sampling and depth (planar 16-bit 4:4:4 <-> Y410, 444P <-> nothing
 * else today). 4:2:2 and 4:2:0 formats would need chroma rows counted
 * apart; NVDEC writes none that an image format repacks. */
static void convert(const struct vc_pixel_format *from, const struct vw_image_layout *fl,
                    const uint8_t *fdata, const struct vc_pixel_format *to,
                    const struct vw_image_layout *tl, uint8_t *tdata, uint32_t w, uint32_t h)
{
    for (uint32_t r = 0; r < h; r++) {
        uint8_t *f[VC_MAX_PLANES], *t[VC_MAX_PLANES];
        plane_rows(fl, (uint8_t *)fdata, r, f);
        plane_rows(tl, tdata, r, t);
        vc_row_init_packed(to, t[0], w);
        for (unsigned c = 0; c < 3; c++)
            for (uint32_t i = 0; i < w; i++)
                vc_sample_put(to, c, t[to->comp[c].plane], i,
                              vc_sample_get(from, c, f[from->comp[c].plane], i));
    }
}

int nvdec_surface_read(struct vh_engine *engine, struct vh_surface *surface,
                       const struct vh_rect *rect, const struct vw_image_layout *layout,
                       uint8_t *dst, struct vh_error *err)
{
    struct nvdec_engine *e = nvdec_engine_get(engine);
    struct nvdec_surface *s = surface->engine_data;
    const struct vc_pixel_format *pf = vc_pixel_format_get(layout->pixel_format);
    if (!vc_pixel_format_repackable(pf, s->pf) || layout->num_planes != pf->num_planes)
        return vh_error_set(err, VW_ERR_UNSUPPORTED_FORMAT,
                            "nvdec: image format 0x%08x not supported", layout->pixel_format);
    if (pf == s->dev)             /* straight into the destination */
        return read_planes(e, surface, rect, layout, dst, err);
    size_t size;
    struct vw_image_layout sl = stage_layout(s->dev, rect->width, rect->height, &size);
    uint8_t *stage = malloc(size);
    if (!stage)
        return vh_error_set(err, VW_ERR_NO_MEMORY, "nvdec: out of memory staging a read");
    int rc = read_planes(e, surface, rect, &sl, stage, err);
    if (rc == VW_OK)
        convert(s->dev, &sl, stage, pf, layout, dst, rect->width, rect->height);
    free(stage);
    return rc;
}

int nvdec_surface_write(struct vh_engine *engine, struct vh_surface *surface,
                        const struct vh_rect *src, uint32_t dst_x, uint32_t dst_y,
                        const struct vw_image_layout *layout, const uint8_t *data,
                        struct vh_error *err)
{
    struct nvdec_engine *e = nvdec_engine_get(engine);
    struct nvdec_surface *s = surface->engine_data;
    const struct vc_pixel_format *pf = vc_pixel_format_get(layout->pixel_format);
    if (!vc_pixel_format_repackable(pf, s->pf) || layout->num_planes != pf->num_planes)
        return vh_error_set(err, VW_ERR_UNSUPPORTED_FORMAT,
                            "nvdec: image format 0x%08x not supported", layout->pixel_format);
    /* The core validated this; a cheap re-check keeps a core bug from
     * becoming a device memory overflow. */
    if (dst_x > surface->width || src->width > surface->width - dst_x ||
        dst_y > surface->height || src->height > surface->height - dst_y)
        return vh_error_set(err, VW_ERR_INTERNAL, "nvdec: write outside the surface");
    if (pf == s->dev)
        return write_planes(e, surface, src, dst_x, dst_y, layout, data, err);
    size_t size;
    struct vw_image_layout sl = stage_layout(s->dev, src->width, src->height, &size);
    uint8_t *stage = malloc(size);
    if (!stage)
        return vh_error_set(err, VW_ERR_NO_MEMORY, "nvdec: out of memory staging a write");
    /* The source rectangle's rows, from its origin in the image. */
    struct vw_image_layout from = *layout;
    for (unsigned p = 0; p < from.num_planes; p++) {
        uint64_t xb;
        uint32_t unused;
        vc_plane_extent(pf, p, src->x, 1, &xb, &unused);
        from.offsets[p] += (uint32_t)((uint64_t)src->y * from.pitches[p] + (src->x ? xb : 0));
    }
    convert(pf, &from, data, s->dev, &sl, stage, src->width, src->height);
    struct vh_rect whole = {.x = 0, .y = 0, .width = src->width, .height = src->height};
    int rc = write_planes(e, surface, &whole, dst_x, dst_y, &sl, stage, err);
    free(stage);
    return rc;
}
