/*
 * The local device (nvdec_device.h): a codec's decoder in this process's
 * CUDA context, the code nvdec_codec.c ran inline before the GPU process
 * (moved, not changed). Each decoder maps and copies on its own
 * non-blocking stream, held from the engine's pool for its lifetime.
 */
#include <pthread.h>
#include <stdlib.h>

#include "common/log.h"
#include "host/engines/nvdec/nvdec_internal.h"
#include "host/engines/nvdec/nvdec_vpp.h"

struct nvdec_dec {
    struct nvdec_engine *e;
    CUstream stream;                          /* maps and copies; non-blocking */
    CUvideodecoder decoder;                   /* NULL: none yet */
    CUVIDDECODECREATEINFO info;               /* of `decoder` (sizes as reconfigured) */
};

static uint32_t min_u32(uint32_t a, uint32_t b)
{
    return a < b ? a : b;
}

static int local_parse_enter(struct nvdec_engine *e, struct vh_error *err)
{
    return nvdec_push(e, "cuCtxPushCurrent", err);
}

static void local_parse_leave(struct nvdec_engine *e)
{
    nvdec_pop(e);
}

static int local_dec_open(struct nvdec_engine *e, struct nvdec_dec **out, struct vh_error *err)
{
    *out = NULL;
    struct nvdec_dec *d = calloc(1, sizeof(*d));
    if (!d)
        return vh_error_set(err, VW_ERR_NO_MEMORY, "nvdec: out of memory");
    d->e = e;
    int rc = nvdec_push(e, "cuCtxPushCurrent", err);
    if (rc)
        goto err_push;
    /* From the pool: cuStreamCreate took up to 40 ms with sessions busy. */
    rc = nvdec_stream_get(e, &d->stream, err);
    nvdec_pop(e);
    if (rc)
        goto err_push;
    *out = d;
    return VW_OK;

err_push:
    free(d);
    return rc;
}

static void local_dec_close(struct nvdec_dec **dec, uint64_t gpu_bytes)
{
    if (!dec || !*dec)
        return;
    struct nvdec_dec *d = *dec;
    struct nvdec_engine *e = d->e;
    if (nvdec_push(e, "cuCtxPushCurrent", NULL) == VW_OK) {
        /* The stream is idle (every decode synchronized it before
         * returning): back to the pool. The decoder goes to the reaper
         * (cuvidDestroyDecoder takes 20-400 ms). */
        nvdec_stream_put(e, d->stream);
        if (d->decoder)
            nvdec_reap(e, d->decoder, gpu_bytes);
        nvdec_pop(e);
    }
    free(d);
    *dec = NULL;
}

/* Context pushed (inside cuvidParseVideoData). */
/* One decoder created at a time in the process: when many streams start
 * together (64 VMs' first pictures in the GPU process), concurrent
 * cuvidCreateDecoder calls held back every stream's first picture until
 * the last decoder existed (2.8-3.0 s at 64 on an H100); one at a time,
 * half the streams decode from 1.7 s on, and 64 streams decode at 0.87
 * of native NVDEC instead of 0.80 (docs/performance.md). */
static pthread_mutex_t create_lock = PTHREAD_MUTEX_INITIALIZER;

static int local_dec_create(struct nvdec_dec *d, const CUVIDDECODECREATEINFO *info,
                            struct vh_error *err)
{
    struct nvdec_engine *e = d->e;
    d->info = *info;
    d->info.vidLock = NULL;
    pthread_mutex_lock(&create_lock);
    double t0 = nvdec_now_ms();
    CUresult r = e->cv->cuvidCreateDecoder(&d->decoder, &d->info);
    pthread_mutex_unlock(&create_lock);
    vc_debug("nvdec: cuvidCreateDecoder %ux%u (max %ux%u), %u surfaces: %.2f ms",
             (unsigned)info->ulWidth, (unsigned)info->ulHeight, (unsigned)info->ulMaxWidth,
             (unsigned)info->ulMaxHeight, (unsigned)info->ulNumDecodeSurfaces,
             nvdec_now_ms() - t0);
    if (r != CUDA_SUCCESS) {
        d->decoder = NULL;
        return nvdec_cu_error(e, r, VW_ERR_INTERNAL, "cuvidCreateDecoder", err);
    }
    return VW_OK;
}

/* Context pushed. */
static bool local_dec_reconfigure(struct nvdec_dec *d, const CUVIDRECONFIGUREDECODERINFO *re)
{
    struct nvdec_engine *e = d->e;
    if (!d->decoder || !e->cv->cuvidReconfigureDecoder)
        return false;
    CUVIDRECONFIGUREDECODERINFO copy = *re;
    double t0 = nvdec_now_ms();
    CUresult r = e->cv->cuvidReconfigureDecoder(d->decoder, &copy);
    vc_debug("nvdec: cuvidReconfigureDecoder %ux%u -> %ux%u: %d, %.2f ms",
             (unsigned)d->info.ulWidth, (unsigned)d->info.ulHeight, re->ulWidth, re->ulHeight,
             (int)r, nvdec_now_ms() - t0);
    if (r != CUDA_SUCCESS)
        return false;
    d->info.ulWidth = re->ulWidth;
    d->info.ulHeight = re->ulHeight;
    d->info.ulTargetWidth = re->ulTargetWidth;
    d->info.ulTargetHeight = re->ulTargetHeight;
    d->info.display_area.right = re->display_area.right;
    d->info.display_area.bottom = re->display_area.bottom;
    return true;
}

/* Context pushed. */
static void local_dec_destroy(struct nvdec_dec *d)
{
    if (!d->decoder)
        return;
    double t0 = nvdec_now_ms();
    d->e->cv->cuvidDestroyDecoder(d->decoder);
    d->decoder = NULL;
    vc_debug("nvdec: cuvidDestroyDecoder (new sequence) %.2f ms", nvdec_now_ms() - t0);
}

/* Context pushed. */
static int local_dec_decode(struct nvdec_dec *d, CUVIDPICPARAMS *pp, struct vh_error *err)
{
    if (!d->decoder)
        return vh_error_set(err, VW_ERR_DECODE, "nvdec: picture before any sequence");
    CUresult r = d->e->cv->cuvidDecodePicture(d->decoder, pp);
    if (r != CUDA_SUCCESS)
        return nvdec_cu_error(d->e, r, VW_ERR_DECODE, "cuvidDecodePicture", err);
    return VW_OK;
}

/* Context pushed. Checks, maps and copies slot cap->idx into the target. */
static int local_dec_capture(struct nvdec_dec *d, const struct nvdec_capture *cap,
                             struct vh_surface *target, struct vh_error *err)
{
    struct nvdec_engine *e = d->e;
    if (!d->decoder)
        return vh_error_set(err, VW_ERR_DECODE, "nvdec: capture before any sequence");
    CUVIDGETDECODESTATUS st = {0};
    CUresult r = e->cv->cuvidGetDecodeStatus(d->decoder, cap->idx, &st);
    /* Not every chip reports a status (CUDA_ERROR_NOT_SUPPORTED): then the
     * map below is the only check. */
    if (r == CUDA_SUCCESS && (st.decodeStatus == cuvidDecodeStatus_Error ||
                              st.decodeStatus == cuvidDecodeStatus_Error_Concealed))
        return vh_error_set(err, VW_ERR_DECODE, "nvdec: corrupt picture (decode status %d)",
                            (int)st.decodeStatus);

    CUVIDPROCPARAMS proc = {
        .output_stream = d->stream,
        .progressive_frame = !cap->field_pic,
        .second_field = cap->second_field,
        .top_field_first = cap->field_pic ? (cap->second_field ? cap->bottom_field
                                                               : !cap->bottom_field)
                                          : 1,
    };
    CUdeviceptr frame = 0;
    unsigned int pitch = 0;
    r = e->cv->cuvidMapVideoFrame(d->decoder, cap->idx, &frame, &pitch, &proc);
    if (r != CUDA_SUCCESS)
        return nvdec_cu_error(e, r, VW_ERR_DECODE, "cuvidMapVideoFrame", err);
    uint32_t out_w = (uint32_t)d->info.ulTargetWidth, out_h = (uint32_t)d->info.ulTargetHeight;
    uint32_t w = min_u32(cap->width, out_w), h = min_u32(cap->height, out_h);
    /* Copies on d->stream (after the map's post-processing on it) and
     * synchronizes it: the slot is free again at the unmap. Each chroma
     * plane starts after the decoder's whole (even) output height. */
    int rc = nvdec_surface_put_picture(e, target, d->stream, frame, pitch, w, h,
                                       (out_h + 1) & ~1u, err);
    if (rc)                                   /* it may have left before its synchronize */
        e->cu->cuStreamSynchronize(d->stream);
    r = e->cv->cuvidUnmapVideoFrame(d->decoder, frame);
    if (!rc && r != CUDA_SUCCESS)
        rc = nvdec_cu_error(e, r, VW_ERR_INTERNAL, "cuvidUnmapVideoFrame", err);
    return rc;
}

const struct nvdec_device_ops nvdec_device_local = {
    .parse_enter = local_parse_enter,
    .parse_leave = local_parse_leave,
    .dec_open = local_dec_open,
    .dec_close = local_dec_close,
    .dec_create = local_dec_create,
    .dec_reconfigure = local_dec_reconfigure,
    .dec_destroy = local_dec_destroy,
    .dec_decode = local_dec_decode,
    .dec_capture = local_dec_capture,
    .surface_init = nvdec_surface_init,
    .surface_fini = nvdec_surface_fini,
    .surface_read = nvdec_surface_read,
    .surface_write = nvdec_surface_write,
    .gpu_trim = nvdec_gpu_trim,
    .process = nvdec_vpp_run,
};
