/* Surfaces: a pitched NV12 buffer in device memory each (see nvdec_internal.h). */
#include <stdlib.h>
#include <string.h>

#include "host/codecs/h264_param_sets.h"
#include "host/engines/nvdec/nvdec_internal.h"

/* Video-range black, as in the sw engine. */
#define NVDEC_BLACK_Y 0x10
#define NVDEC_BLACK_C 0x80

static uint32_t min_u32(uint32_t a, uint32_t b)
{
    return a < b ? a : b;
}

static uint32_t chroma_rows(uint32_t height)
{
    return (height + 1) / 2;
}

int nvdec_surface_init(struct vh_engine *engine, struct vh_surface *surface,
                       struct vh_error *err)
{
    surface->engine_data = NULL;
    if (surface->rt_format != VW_RT_YUV420 || surface->pixel_format != VW_FOURCC_NV12)
        return vh_error_set(err, VW_ERR_UNSUPPORTED_FORMAT,
                            "nvdec: surface format 0x%x/0x%08x not supported (YUV420/NV12 only)",
                            surface->rt_format, surface->pixel_format);
    if (surface->width == 0 || surface->height == 0 ||
        surface->width > VH_H264_MAX_WIDTH || surface->height > VH_H264_MAX_HEIGHT)
        return vh_error_set(err, VW_ERR_RESOLUTION, "nvdec: surface %ux%u outside 1x1..%ux%u",
                            surface->width, surface->height, VH_H264_MAX_WIDTH,
                            VH_H264_MAX_HEIGHT);
    struct nvdec_surface *s = calloc(1, sizeof(*s));
    if (!s)
        return vh_error_set(err, VW_ERR_NO_MEMORY, "nvdec: out of memory");
    s->alloc_width = (surface->width + 1) & ~1u;
    surface->engine_data = s;
    return VW_OK;
}

void nvdec_surface_fini(struct vh_engine *engine, struct vh_surface *surface)
{
    struct nvdec_surface *s = surface ? surface->engine_data : NULL;
    if (!s)
        return;
    if (s->ptr) {
        struct nvdec_engine *e = nvdec_engine_get(engine);
        if (nvdec_push(e, "cuCtxPushCurrent", NULL) == VW_OK) {
            e->cu->cuMemFree(s->ptr);
            nvdec_pop(e);
        }
    }
    free(s);
    surface->engine_data = NULL;
}

/* Context pushed. */
static int fill_black(struct nvdec_engine *e, struct vh_surface *surface, struct vh_error *err)
{
    struct nvdec_surface *s = surface->engine_data;
    size_t luma = s->pitch * surface->height;
    CUresult r = e->cu->cuMemsetD8Async(s->ptr, NVDEC_BLACK_Y, luma, NULL);
    if (r == CUDA_SUCCESS)
        r = e->cu->cuMemsetD8Async(s->ptr + luma, NVDEC_BLACK_C,
                                   s->pitch * chroma_rows(surface->height), NULL);
    if (r == CUDA_SUCCESS)
        r = e->cu->cuStreamSynchronize(NULL);
    if (r != CUDA_SUCCESS)
        return nvdec_cu_error(e, r, VW_ERR_INTERNAL, "clearing a surface", err);
    return VW_OK;
}

int nvdec_surface_alloc(struct nvdec_engine *e, struct vh_surface *surface,
                        struct vh_error *err)
{
    struct nvdec_surface *s = surface->engine_data;
    if (s->ptr)
        return VW_OK;
    CUresult r = e->cu->cuMemAllocPitch(&s->ptr, &s->pitch, s->alloc_width,
                                        surface->height + chroma_rows(surface->height), 16);
    if (r != CUDA_SUCCESS) {
        s->ptr = 0;
        return nvdec_cu_error(e, r, r == 2 /* CUDA_ERROR_OUT_OF_MEMORY */ ? VW_ERR_NO_MEMORY
                              : VW_ERR_INTERNAL, "cuMemAllocPitch", err);
    }
    int rc = fill_black(e, surface, err);
    if (rc) {
        e->cu->cuMemFree(s->ptr);
        s->ptr = 0;
    }
    return rc;
}

static CUresult copy_2d(struct nvdec_engine *e, CUDA_MEMCPY2D *c)
{
    if (!c->WidthInBytes || !c->Height)
        return CUDA_SUCCESS;
    return e->cu->cuMemcpy2D(c);
}

int nvdec_surface_put_picture(struct nvdec_engine *e, struct vh_surface *surface,
                              CUdeviceptr src, size_t src_pitch, uint32_t width,
                              uint32_t height, uint32_t chroma_row, struct vh_error *err)
{
    int rc = nvdec_surface_alloc(e, surface, err);
    if (rc)
        return rc;
    struct nvdec_surface *s = surface->engine_data;
    uint32_t w = min_u32(width, surface->width), h = min_u32(height, surface->height);
    if (w < surface->width || h < surface->height) {
        rc = fill_black(e, surface, err);
        if (rc)
            return rc;
    }
    /* Even widths: a chroma pair covers two columns. */
    uint32_t wb = min_u32((w + 1) & ~1u, s->alloc_width);
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
    CUresult r = copy_2d(e, &c);
    if (r == CUDA_SUCCESS) {
        c.srcDevice = src + src_pitch * chroma_row;
        c.dstDevice = s->ptr + s->pitch * surface->height;
        c.Height = chroma_rows(h);
        r = copy_2d(e, &c);
    }
    if (r != CUDA_SUCCESS)
        return nvdec_cu_error(e, r, VW_ERR_DECODE, "copying a decoded picture", err);
    return VW_OK;
}

int nvdec_surface_read(struct vh_engine *engine, struct vh_surface *surface,
                       const struct vh_rect *rect, const struct vw_image_layout *layout,
                       uint8_t *dst, struct vh_error *err)
{
    struct nvdec_engine *e = nvdec_engine_get(engine);
    struct nvdec_surface *s = surface->engine_data;
    if (layout->pixel_format != VW_FOURCC_NV12 || layout->num_planes != 2)
        return vh_error_set(err, VW_ERR_UNSUPPORTED_FORMAT,
                            "nvdec: image format 0x%08x not supported", layout->pixel_format);
    if (!s->ptr) {
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
    CUDA_MEMCPY2D c = {
        .srcXInBytes = rect->x,
        .srcY = rect->y,
        .srcMemoryType = CU_MEMORYTYPE_DEVICE,
        .srcDevice = s->ptr,
        .srcPitch = s->pitch,
        .dstMemoryType = CU_MEMORYTYPE_HOST,
        .dstHost = dst + layout->offsets[0],
        .dstPitch = layout->pitches[0],
        .WidthInBytes = rect->width,
        .Height = rect->height,
    };
    CUresult r = copy_2d(e, &c);
    if (r == CUDA_SUCCESS) {
        c.srcXInBytes = rect->x & ~1u;
        c.srcY = surface->height + rect->y / 2;
        c.dstHost = dst + layout->offsets[1];
        c.dstPitch = layout->pitches[1];
        c.Height = rect->height / 2;
        r = copy_2d(e, &c);
    }
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
    if (layout->pixel_format != VW_FOURCC_NV12 || layout->num_planes != 2)
        return vh_error_set(err, VW_ERR_UNSUPPORTED_FORMAT,
                            "nvdec: image format 0x%08x not supported", layout->pixel_format);
    /* The core validated this; a cheap re-check keeps a core bug from
     * becoming a device memory overflow. */
    if (dst_x > surface->width || src->width > surface->width - dst_x ||
        dst_y > surface->height || src->height > surface->height - dst_y)
        return vh_error_set(err, VW_ERR_INTERNAL, "nvdec: write outside the surface");
    int rc = nvdec_push(e, "cuCtxPushCurrent", err);
    if (rc)
        return rc;
    rc = nvdec_surface_alloc(e, surface, err);
    if (rc)
        goto out;
    struct nvdec_surface *s = surface->engine_data;
    CUDA_MEMCPY2D c = {
        .srcMemoryType = CU_MEMORYTYPE_HOST,
        .srcHost = data + layout->offsets[0] + (size_t)src->y * layout->pitches[0] + src->x,
        .srcPitch = layout->pitches[0],
        .dstXInBytes = dst_x,
        .dstY = dst_y,
        .dstMemoryType = CU_MEMORYTYPE_DEVICE,
        .dstDevice = s->ptr,
        .dstPitch = s->pitch,
        .WidthInBytes = src->width,
        .Height = src->height,
    };
    CUresult r = copy_2d(e, &c);
    if (r == CUDA_SUCCESS) {
        c.srcHost = data + layout->offsets[1] + (size_t)(src->y / 2) * layout->pitches[1] +
                    (src->x & ~1u);
        c.srcPitch = layout->pitches[1];
        c.dstXInBytes = dst_x & ~1u;
        c.dstY = surface->height + dst_y / 2;
        c.Height = src->height / 2;
        r = copy_2d(e, &c);
    }
    if (r != CUDA_SUCCESS)
        rc = nvdec_cu_error(e, r, VW_ERR_INTERNAL, "writing a surface", err);
out:
    nvdec_pop(e);
    return rc;
}
