/* The NVDEC engine: loading, device and context, capabilities, the stream
 * pool, the codec reaper, dispatch. */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/pixel_format.h"
#include "host/codecs/h264_param_sets.h"
#include "host/engines/engines.h"
#include "host/engines/nvdec/nvdec_internal.h"
#include "host/engines/nvdec/nvdec_vpp.h"
#include "host/memory_budget.h"

/* Every profile the engine can serve, in query_caps order; listed only
 * where cuvidGetDecoderCaps says the GPU decodes the codec to that output.
 * 4:2:2 is not served: NVDEC decodes it only from Blackwell on, and this
 * engine has no 4:2:2 output format yet. */
static const struct nvdec_profile {
    uint32_t profile;
    const struct nvdec_codec_class *cls;
    enum nvdec_output output;
} nvdec_profiles[] = {
    {VW_PROFILE_H264_CONSTRAINED_BASELINE, &nvdec_h264_class, NVDEC_OUT_420_8},
    {VW_PROFILE_H264_MAIN, &nvdec_h264_class, NVDEC_OUT_420_8},
    {VW_PROFILE_H264_HIGH, &nvdec_h264_class, NVDEC_OUT_420_8},
    {VW_PROFILE_VP9_PROFILE0, &nvdec_vp9_class, NVDEC_OUT_420_8},
    {VW_PROFILE_VP8, &nvdec_vp8_class, NVDEC_OUT_420_8},
    {VW_PROFILE_MPEG2_SIMPLE, &nvdec_mpeg2_class, NVDEC_OUT_420_8},
    {VW_PROFILE_MPEG2_MAIN, &nvdec_mpeg2_class, NVDEC_OUT_420_8},
    {VW_PROFILE_HEVC_MAIN, &nvdec_hevc_class, NVDEC_OUT_420_8},
    {VW_PROFILE_HEVC_MAIN10, &nvdec_hevc_class, NVDEC_OUT_420_10},
    {VW_PROFILE_VP9_PROFILE2, &nvdec_vp9_class, NVDEC_OUT_420_10},
    {VW_PROFILE_HEVC_MAIN444, &nvdec_hevc_class, NVDEC_OUT_444_8},
    {VW_PROFILE_HEVC_MAIN444_10, &nvdec_hevc_class, NVDEC_OUT_444_10},
    {VW_PROFILE_JPEG_BASELINE, &nvdec_jpeg_class, NVDEC_OUT_420_8},
    {VW_PROFILE_MPEG4_SIMPLE, &nvdec_mpeg4_class, NVDEC_OUT_420_8},
    {VW_PROFILE_MPEG4_ADVANCED_SIMPLE, &nvdec_mpeg4_class, NVDEC_OUT_420_8},
};

#define NVDEC_NUM_PROFILES (sizeof(nvdec_profiles) / sizeof(nvdec_profiles[0]))

const struct nvdec_output_info nvdec_outputs[NVDEC_OUT_COUNT] = {
    [NVDEC_OUT_420_8] = {0, cudaVideoChromaFormat_420, cudaVideoSurfaceFormat_NV12, "NV12",
                         VW_RT_YUV420},
    [NVDEC_OUT_420_10] = {2, cudaVideoChromaFormat_420, cudaVideoSurfaceFormat_P016, "P016",
                          VW_RT_YUV420_10},
    [NVDEC_OUT_444_8] = {0, cudaVideoChromaFormat_444, cudaVideoSurfaceFormat_YUV444, "YUV444",
                         VW_RT_YUV444},
    [NVDEC_OUT_444_10] = {2, cudaVideoChromaFormat_444, cudaVideoSurfaceFormat_YUV444_16Bit,
                          "YUV444_16Bit", VW_RT_YUV444_10},
};

/* One class per kind, for the caps query. */
const struct nvdec_codec_class *const nvdec_classes[NVDEC_KIND_COUNT] = {
    [NVDEC_KIND_H264] = &nvdec_h264_class,
    [NVDEC_KIND_VP9] = &nvdec_vp9_class,
    [NVDEC_KIND_VP8] = &nvdec_vp8_class,
    [NVDEC_KIND_MPEG2] = &nvdec_mpeg2_class,
    [NVDEC_KIND_HEVC] = &nvdec_hevc_class,
    [NVDEC_KIND_JPEG] = &nvdec_jpeg_class,
    [NVDEC_KIND_MPEG4] = &nvdec_mpeg4_class,
};

int nvdec_cu_error(struct nvdec_engine *e, CUresult r, int status, const char *what,
                   struct vh_error *err)
{
    const char *name = NULL, *text = NULL;
    if (e->cu && e->cu->cuGetErrorName)
        e->cu->cuGetErrorName(r, &name);
    if (e->cu && e->cu->cuGetErrorString)
        e->cu->cuGetErrorString(r, &text);
    return vh_error_set(err, status, "nvdec: %s: %s (%d: %s)", what,
                        name ? name : "CUDA error", (int)r, text ? text : "no description");
}

int nvdec_push(struct nvdec_engine *e, const char *what, struct vh_error *err)
{
    CUresult r = e->cu->cuCtxPushCurrent(e->ctx);
    if (r != CUDA_SUCCESS)
        return nvdec_cu_error(e, r, VW_ERR_INTERNAL, what, err);
    return VW_OK;
}

void nvdec_pop(struct nvdec_engine *e)
{
    CUcontext dummy;
    e->cu->cuCtxPopCurrent(&dummy);
}

double nvdec_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

/* ---- stream pool ------------------------------------------------------------ */

int nvdec_call_begin(struct nvdec_engine *e, CUstream *stream, struct vh_error *err)
{
    int rc = nvdec_push(e, "cuCtxPushCurrent", err);
    if (rc)
        return rc;
    rc = nvdec_stream_get(e, stream, err);
    if (rc)
        nvdec_pop(e);
    return rc;
}

int nvdec_stream_get(struct nvdec_engine *e, CUstream *out, struct vh_error *err)
{
    pthread_mutex_lock(&e->lock);
    bool have = e->num_streams > 0;
    if (have)
        *out = e->streams[--e->num_streams];
    pthread_mutex_unlock(&e->lock);
    if (have)
        return VW_OK;
    CUresult r = e->cu->cuStreamCreate(out, CU_STREAM_NON_BLOCKING);
    if (r != CUDA_SUCCESS)
        return nvdec_cu_error(e, r, VW_ERR_INTERNAL, "cuStreamCreate", err);
    return VW_OK;
}

void nvdec_stream_put(struct nvdec_engine *e, CUstream stream)
{
    pthread_mutex_lock(&e->lock);
    bool kept = e->num_streams < NVDEC_STREAM_POOL_MAX;
    if (kept)
        e->streams[e->num_streams++] = stream;
    pthread_mutex_unlock(&e->lock);
    if (!kept)
        e->cu->cuStreamDestroy(stream);
}

uint64_t nvdec_mem_free(struct nvdec_engine *e)
{
    size_t free_bytes = 0, total = 0;
    if (!e->mem_get_info || e->mem_get_info(&free_bytes, &total) != CUDA_SUCCESS)
        return 0;
    return free_bytes;
}

/* ---- codec reaper ----------------------------------------------------------- */

/* Context pushed. Destroys the decoder and gives its charge back. */
static void reap_now(struct nvdec_engine *e, const struct nvdec_reap *r)
{
    double t0 = nvdec_now_ms();
    e->cv->cuvidDestroyDecoder(r->decoder);
    vh_budget_give(e->base.gpu_budget, r->bytes);
    vc_debug("nvdec: cuvidDestroyDecoder %.2f ms", nvdec_now_ms() - t0);
}

void nvdec_reap(struct nvdec_engine *e, CUvideodecoder decoder, uint64_t bytes)
{
    struct nvdec_reap r = {.decoder = decoder, .bytes = bytes};
    pthread_mutex_lock(&e->lock);
    /* A queued decoder still holds its memory: charged to the daemon's GPU
     * budget (which its session has just been given back) until the reaper
     * destroys it; where the budget says no, it goes now, inline. */
    bool queued = e->reaper_running && e->reap_count < NVDEC_REAP_MAX &&
                  vh_budget_take(e->base.gpu_budget, bytes);
    if (queued) {
        e->reap[(e->reap_head + e->reap_count++) % NVDEC_REAP_MAX] = r;
        pthread_cond_signal(&e->reap_cond);
    }
    pthread_mutex_unlock(&e->lock);
    if (!queued) {
        r.bytes = 0;                          /* nothing charged */
        reap_now(e, &r);
    }
}

static void *reaper_main(void *arg)
{
    struct nvdec_engine *e = arg;
    pthread_mutex_lock(&e->lock);
    for (;;) {
        while (!e->reap_count && !e->reaper_stop)
            pthread_cond_wait(&e->reap_cond, &e->lock);
        if (!e->reap_count)
            break;                            /* stop, queue drained */
        struct nvdec_reap r = e->reap[e->reap_head];
        e->reap_head = (e->reap_head + 1) % NVDEC_REAP_MAX;
        e->reap_count--;
        pthread_mutex_unlock(&e->lock);
        if (nvdec_push(e, "cuCtxPushCurrent", NULL) == VW_OK) {
            reap_now(e, &r);
            nvdec_pop(e);
        }
        pthread_mutex_lock(&e->lock);
    }
    pthread_mutex_unlock(&e->lock);
    return NULL;
}

/* Stops the reaper after it has drained its queue; frees the pool and the
 * buffer cache. */
static void release_resources(struct nvdec_engine *e)
{
    if (e->reaper_running) {
        pthread_mutex_lock(&e->lock);
        e->reaper_stop = true;
        pthread_cond_signal(&e->reap_cond);
        pthread_mutex_unlock(&e->lock);
        pthread_join(e->reaper, NULL);
        e->reaper_running = false;
    }
    if (nvdec_push(e, "cuCtxPushCurrent", NULL) == VW_OK) {
        for (unsigned i = 0; i < e->num_streams; i++)
            e->cu->cuStreamDestroy(e->streams[i]);
        e->num_streams = 0;
        nvdec_buffers_free_all(e);
        nvdec_vpp_unload(e);
        nvdec_pop(e);
    }
}

/* VIVAC_CUDA_DEVICE=N picks device N (default 0). */
static int pick_device(struct nvdec_engine *e, struct vh_error *err)
{
    int count = 0;
    CUresult r = e->cu->cuDeviceGetCount(&count);
    if (r != CUDA_SUCCESS)
        return nvdec_cu_error(e, r, VW_ERR_INTERNAL, "cuDeviceGetCount", err);
    if (count <= 0)
        return vh_error_set(err, VW_ERR_INTERNAL, "nvdec: no CUDA device");
    long index = 0;
    const char *env = getenv("VIVAC_CUDA_DEVICE");
    if (env && *env) {
        char *end;
        errno = 0;
        index = strtol(env, &end, 10);
        if (errno || *end || index < 0 || index >= count)
            return vh_error_set(err, VW_ERR_INTERNAL,
                                "nvdec: VIVAC_CUDA_DEVICE=%s: not a device index 0..%d", env,
                                count - 1);
    }
    r = e->cu->cuDeviceGet(&e->device, (int)index);
    if (r != CUDA_SUCCESS)
        return nvdec_cu_error(e, r, VW_ERR_INTERNAL, "cuDeviceGet", err);
    if (e->cu->cuDeviceGetName(e->device_name, (int)sizeof(e->device_name), e->device) !=
        CUDA_SUCCESS)
        strcpy(e->device_name, "?");
    return VW_OK;
}

/* Context pushed. Fills e->caps[kind][output]; an unsupported codec is not
 * an error (its profiles are not listed), a failing query is (at 8-bit
 * 4:2:0; at other outputs it only leaves their profiles out). */
static int query_codec_caps(struct nvdec_engine *e, enum nvdec_kind kind,
                            enum nvdec_output output, struct vh_error *err)
{
    const struct nvdec_codec_class *cls = nvdec_classes[kind];
    const struct nvdec_output_info *d = &nvdec_outputs[output];
    unsigned bits = 8 + d->minus8;
    const char *sampling = d->chroma == cudaVideoChromaFormat_444 ? "4:4:4" : "4:2:0";
    struct nvdec_caps *c = &e->caps[kind][output];
    *c = (struct nvdec_caps){0};
    CUVIDDECODECAPS caps = {
        .eCodecType = cls->cuvid_codec,
        .eChromaFormat = d->chroma,
        .nBitDepthMinus8 = d->minus8,
    };
    CUresult r = e->cv->cuvidGetDecoderCaps(&caps);
    if (r != CUDA_SUCCESS) {
        char what[64];
        snprintf(what, sizeof(what), "cuvidGetDecoderCaps(%s %u-bit %s)", cls->name, bits,
                 sampling);
        if (output != NVDEC_OUT_420_8) {
            struct vh_error eo;
            nvdec_cu_error(e, r, VW_ERR_INTERNAL, what, &eo);
            vc_info("%s; its profiles are not listed", eo.message);
            return VW_OK;
        }
        return nvdec_cu_error(e, r, VW_ERR_INTERNAL, what, err);
    }
    if (!caps.bIsSupported) {
        vc_info("nvdec: %s cannot decode %s %u-bit %s", e->device_name, cls->name, bits,
                sampling);
        return VW_OK;
    }
    if (!(caps.nOutputFormatMask & (1u << d->surface))) {
        vc_info("nvdec: %s has no %s output for %s %u-bit %s", e->device_name, d->name,
                cls->name, bits, sampling);
        return VW_OK;
    }
    /* P010 surfaces are cleared with 16-bit fills. */
    if (d->minus8 && !e->memset_d16) {
        vc_info("nvdec: the CUDA driver has no cuMemsetD16Async: no 10-bit %s", cls->name);
        return VW_OK;
    }
    *c = (struct nvdec_caps){
        .supported = true,
        .min_width = caps.nMinWidth,
        .min_height = caps.nMinHeight,
        .max_width = caps.nMaxWidth,
        .max_height = caps.nMaxHeight,
        .max_mb_count = caps.nMaxMBCount,
    };
    if (caps.nNumNVDECs > e->num_engines)
        e->num_engines = caps.nNumNVDECs;
    vc_info("nvdec: %s %u-bit %s %ux%u..%ux%u (%u MBs)", cls->name, bits, sampling, c->min_width,
            c->min_height, c->max_width, c->max_height, c->max_mb_count);
    return VW_OK;
}

/* Context pushed. Fails when the GPU decodes none of the codecs. */
static int query_caps_all(struct nvdec_engine *e, struct vh_error *err)
{
    if (!e->cv->cuvidGetDecoderCaps)
        return vh_error_set(err, VW_ERR_INTERNAL,
                            "nvdec: the driver has no cuvidGetDecoderCaps (too old)");
    bool any = false;
    for (int k = 0; k < NVDEC_KIND_COUNT; k++) {
        int rc = query_codec_caps(e, (enum nvdec_kind)k, NVDEC_OUT_420_8, err);
        if (rc)
            return rc;
        any |= e->caps[k][NVDEC_OUT_420_8].supported;
    }
    /* Other outputs: the codecs with a profile decoded to one, once each. */
    for (size_t i = 0; i < NVDEC_NUM_PROFILES; i++) {
        const struct nvdec_profile *p = &nvdec_profiles[i];
        bool seen = false;
        for (size_t j = 0; j < i; j++)
            seen |= nvdec_profiles[j].cls == p->cls && nvdec_profiles[j].output == p->output;
        if (p->output == NVDEC_OUT_420_8 || seen)
            continue;
        int rc = query_codec_caps(e, p->cls->kind, p->output, err);
        if (rc)
            return rc;
    }
    if (!any)
        return vh_error_set(err, VW_ERR_INTERNAL,
                            "nvdec: %s decodes none of H.264, VP9, VP8, MPEG-2 "
                            "(8-bit 4:2:0, NV12)", e->device_name);
    return VW_OK;
}

/* Optional entry points; missing ones leave arenas unregistered. */
static void load_optional(struct nvdec_engine *e)
{
    if (!e->cu->lib)
        return;
    e->mem_host_register = (nvdec_tcuMemHostRegister *)dlsym(e->cu->lib, "cuMemHostRegister_v2");
    e->mem_host_unregister = (nvdec_tcuMemHostUnregister *)dlsym(e->cu->lib,
                                                                 "cuMemHostUnregister");
    if (!e->mem_host_register || !e->mem_host_unregister)
        e->mem_host_register = NULL, e->mem_host_unregister = NULL;
    e->memset_d16 = (nvdec_tcuMemsetD16Async *)dlsym(e->cu->lib, "cuMemsetD16Async");
    e->memset_d32 = (nvdec_tcuMemsetD32Async *)dlsym(e->cu->lib, "cuMemsetD32Async");
    e->mem_get_info = (nvdec_tcuMemGetInfo *)dlsym(e->cu->lib, "cuMemGetInfo_v2");
    e->device_total_mem = (nvdec_tcuDeviceTotalMem *)dlsym(e->cu->lib, "cuDeviceTotalMem_v2");
}

int nvdec_engine_open(struct nvdec_engine **out, CudaFunctions *cu, CuvidFunctions *cv,
                      struct vh_error *err)
{
    *out = NULL;
    struct nvdec_engine *e = calloc(1, sizeof(*e));
    if (!e)
        return vh_error_set(err, VW_ERR_NO_MEMORY, "nvdec: out of memory");
    e->base.ops = &vh_engine_nvdec;
    e->dev = &nvdec_device_local;
    int rc = VW_ERR_INTERNAL;
    if (pthread_mutex_init(&e->lock, NULL) != 0) {
        vh_error_set(err, rc, "nvdec: pthread_mutex_init failed");
        goto err_mutex;
    }
    if (pthread_cond_init(&e->reap_cond, NULL) != 0) {
        vh_error_set(err, rc, "nvdec: pthread_cond_init failed");
        goto err_cond;
    }
#ifdef VIVAC_TEST_HOOKS
    bool fake = false;
    if (!cu && !cv && nvdec_fake_tables(&cu, &cv)) {
        vc_warn("nvdec: fake CUDA and cuvid (VIVAC_TEST_FAKE_NVDEC; test build)");
        fake = true;
    }
#endif
    if (cu && cv) {
        e->cu = cu;
        e->cv = cv;
        e->borrowed_libs = true;
    } else {
        rc = nvdec_load(e, err);
        if (rc)
            goto err_load;
    }
    load_optional(e);
#ifdef VIVAC_TEST_HOOKS
    if (fake)
        nvdec_fake_optional(e);
#endif
    CUresult r = e->cu->cuInit(0);
    if (r != CUDA_SUCCESS) {
        rc = nvdec_cu_error(e, r, VW_ERR_INTERNAL, "cuInit", err);
        goto err_init;
    }
    rc = pick_device(e, err);
    if (rc)
        goto err_init;
    r = e->cu->cuDevicePrimaryCtxRetain(&e->ctx, e->device);
    if (r != CUDA_SUCCESS) {
        rc = nvdec_cu_error(e, r, VW_ERR_INTERNAL, "cuDevicePrimaryCtxRetain", err);
        goto err_init;
    }
    rc = nvdec_push(e, "cuCtxPushCurrent", err);
    if (rc)
        goto err_ctx;
    rc = query_caps_all(e, err);
    if (!rc)
        nvdec_vpp_load(e);
    nvdec_pop(e);
    if (rc)
        goto err_ctx;
    /* Without the reaper, codecs are destroyed inline (nvdec_reap). */
    e->reaper_running = pthread_create(&e->reaper, NULL, reaper_main, e) == 0;
    if (!e->reaper_running)
        vc_warn("nvdec: no reaper thread; decoders are destroyed inline");
    vc_info("nvdec: %s, %u NVDEC engine(s)", e->device_name, e->num_engines);
    *out = e;
    return VW_OK;

err_ctx:
    e->cu->cuDevicePrimaryCtxRelease(e->device);
err_init:
    nvdec_unload(e);
err_load:
    pthread_cond_destroy(&e->reap_cond);
err_cond:
    pthread_mutex_destroy(&e->lock);
err_mutex:
    free(e);
    return rc;
}

static int nvdec_create(struct vh_engine **out, struct vh_error *err)
{
    struct nvdec_engine *e;
    int rc = nvdec_engine_open(&e, NULL, NULL, err);
    *out = rc ? NULL : &e->base;
    return rc;
}

static void nvdec_destroy(struct vh_engine **engine)
{
    if (!engine || !*engine)
        return;
    struct nvdec_engine *e = nvdec_engine_get(*engine);
    if (e->remote) {
        nvdec_remote_engine_free(e);
        *engine = NULL;
        return;
    }
    release_resources(e);
    e->cu->cuDevicePrimaryCtxRelease(e->device);
    nvdec_unload(e);
    pthread_cond_destroy(&e->reap_cond);
    pthread_mutex_destroy(&e->lock);
    free(e);
    *engine = NULL;
}

/* What the engine accepts for a codec: what the GPU reports, for H.264
 * within what the parameter set synthesis can express (level 5.1:
 * 4096x2304). */
static void size_limits(const struct nvdec_engine *e, const struct nvdec_profile *p,
                        uint32_t *max_w, uint32_t *max_h)
{
    const struct nvdec_codec_class *cls = p->cls;
    const struct nvdec_caps *c = &e->caps[cls->kind][p->output];
    *max_w = c->max_width;
    *max_h = c->max_height;
    if (cls->kind == NVDEC_KIND_H264) {
        *max_w = *max_w < VH_H264_MAX_WIDTH ? *max_w : VH_H264_MAX_WIDTH;
        *max_h = *max_h < VH_H264_MAX_HEIGHT ? *max_h : VH_H264_MAX_HEIGHT;
    }
}

static int nvdec_query_caps(struct vh_engine *engine, struct vw_cap *caps, uint32_t max,
                            uint32_t *count)
{
    struct nvdec_engine *e = nvdec_engine_get(engine);
    uint32_t n = 0;
    for (size_t i = 0; i < NVDEC_NUM_PROFILES && n < max; i++) {
        const struct nvdec_profile *p = &nvdec_profiles[i];
        const struct nvdec_caps *c = &e->caps[p->cls->kind][p->output];
        if (!c->supported)
            continue;
        uint32_t max_w, max_h;
        size_limits(e, p, &max_w, &max_h);
        uint32_t rt_format = nvdec_outputs[p->output].rt_format;
        caps[n] = (struct vw_cap){
            .profile = p->profile,
            .entrypoint = VW_ENTRYPOINT_DECODE,
            .rt_formats = rt_format,
            .pixel_format = vc_fourcc_of_rt_format(rt_format),
            .min_width = c->min_width,
            .min_height = c->min_height,
            .max_width = max_w,
            .max_height = max_h,
        };
        strncpy(caps[n].engine_name, "nvdec", sizeof(caps[n].engine_name));
        n++;
    }
    *count = n;
    return VW_OK;
}

/* The profile's entry where the GPU decodes it; NULL otherwise. */
static const struct nvdec_profile *find_profile(const struct nvdec_engine *e, uint32_t profile)
{
    for (size_t i = 0; i < NVDEC_NUM_PROFILES; i++)
        if (profile == nvdec_profiles[i].profile &&
            e->caps[nvdec_profiles[i].cls->kind][nvdec_profiles[i].output].supported)
            return &nvdec_profiles[i];
    return NULL;
}

uint64_t nvdec_codec_gpu_bytes(struct vh_engine *engine, const struct vh_codec_desc *desc)
{
    const struct nvdec_profile *p = find_profile(nvdec_engine_get(engine), desc->profile);
    if (!p)
        return 0;                             /* refused by codec_create */
    uint32_t max_w, max_h;
    nvdec_codec_max_size(desc->width, desc->height, &max_w, &max_h);
    return nvdec_decoder_bytes(p->cls->kind, p->output, max_w, max_h,
                               NVDEC_MAX_DECODE_SURFACES);
}

static uint64_t nvdec_gpu_memory_total(struct vh_engine *engine)
{
    struct nvdec_engine *e = nvdec_engine_get(engine);
    if (e->remote)
        return e->remote_total_mem;
    size_t total = 0;
    if (!e->device_total_mem || e->device_total_mem(&total, e->device) != CUDA_SUCCESS)
        return 0;
    return total;
}

static int nvdec_codec_create_op(struct vh_engine *engine, const struct vh_codec_desc *desc,
                                 struct vh_codec **out, struct vh_error *err)
{
    struct nvdec_engine *e = nvdec_engine_get(engine);
    *out = NULL;
    /* The core checked the description against the VIDEOPROC capability. */
    if (desc->entrypoint == VW_ENTRYPOINT_VIDEOPROC && desc->profile == VW_PROFILE_NONE)
        return nvdec_vpp_codec_create(engine, out, err);
    const struct nvdec_profile *p = find_profile(e, desc->profile);
    if (!p)
        return vh_error_set(err, VW_ERR_UNSUPPORTED_PROFILE, "nvdec: profile %u not supported",
                            desc->profile);
    if (desc->entrypoint != VW_ENTRYPOINT_DECODE)
        return vh_error_set(err, VW_ERR_UNSUPPORTED_ENTRYPOINT,
                            "nvdec: entrypoint %u not supported", desc->entrypoint);
    if (desc->rt_format != nvdec_outputs[p->output].rt_format)
        return vh_error_set(err, VW_ERR_UNSUPPORTED_FORMAT,
                            "nvdec: rt_format 0x%x not supported for profile %u (0x%x)",
                            desc->rt_format, desc->profile, nvdec_outputs[p->output].rt_format);
    const struct nvdec_codec_class *cls = p->cls;
    const struct nvdec_caps *c = &e->caps[cls->kind][p->output];
    uint32_t max_w, max_h;
    size_limits(e, p, &max_w, &max_h);
    if (desc->width < c->min_width || desc->height < c->min_height || desc->width > max_w ||
        desc->height > max_h)
        return vh_error_set(err, VW_ERR_RESOLUTION, "nvdec: %s %ux%u outside %ux%u..%ux%u",
                            cls->name, desc->width, desc->height, c->min_width, c->min_height,
                            max_w, max_h);
    return nvdec_codec_create(engine, cls, p->output, desc, out, err);
}

/* The surface ops and trim on the engine's device (local or remote). */
static int op_surface_init(struct vh_engine *engine, struct vh_surface *surface,
                           struct vh_error *err)
{
    return nvdec_engine_get(engine)->dev->surface_init(engine, surface, err);
}

static void op_surface_fini(struct vh_engine *engine, struct vh_surface *surface)
{
    nvdec_engine_get(engine)->dev->surface_fini(engine, surface);
}

static int op_surface_read(struct vh_engine *engine, struct vh_surface *surface,
                           const struct vh_rect *rect, const struct vw_image_layout *layout,
                           uint8_t *dst, struct vh_error *err)
{
    return nvdec_engine_get(engine)->dev->surface_read(engine, surface, rect, layout, dst, err);
}

static int op_surface_write(struct vh_engine *engine, struct vh_surface *surface,
                            const struct vh_rect *src, uint32_t dst_x, uint32_t dst_y,
                            const struct vw_image_layout *layout, const uint8_t *data,
                            struct vh_error *err)
{
    return nvdec_engine_get(engine)->dev->surface_write(engine, surface, src, dst_x, dst_y,
                                                        layout, data, err);
}

static void op_gpu_trim(struct vh_engine *engine)
{
    nvdec_engine_get(engine)->dev->gpu_trim(engine);
}

/* In a worker of the GPU process: shared with it (fd needed); else pinned. */
static int op_host_memory_register(struct vh_engine *engine, void *base, size_t size, int fd,
                                   void **handle)
{
    struct nvdec_engine *e = nvdec_engine_get(engine);
    if (e->remote)
        return nvdec_remote_memory_register(e, base, size, fd, handle);
    return nvdec_host_memory_register(engine, base, size, handle);
}

static void op_host_memory_unregister(struct vh_engine *engine, void *handle)
{
    struct nvdec_engine *e = nvdec_engine_get(engine);
    if (e->remote)
        nvdec_remote_memory_unregister(e, handle);
    else
        nvdec_host_memory_unregister(engine, handle);
}

const struct vh_engine_ops vh_engine_nvdec = {
    .name = "nvdec",
    .create = nvdec_create,
    .destroy = nvdec_destroy,
    .query_caps = nvdec_query_caps,
    .surface_init = op_surface_init,
    .surface_fini = op_surface_fini,
    .codec_create = nvdec_codec_create_op,
    .codec_destroy = nvdec_codec_destroy,
    .decode = nvdec_codec_decode,
    .process = nvdec_vpp_process,
    .process_accepts = nvdec_vpp_accepts,
    .process_outputs = nvdec_vpp_outputs,
    .surface_read = op_surface_read,
    .surface_write = op_surface_write,
    .host_memory_register = op_host_memory_register,
    .host_memory_unregister = op_host_memory_unregister,
    .codec_gpu_bytes = nvdec_codec_gpu_bytes,
    .surface_gpu_bytes = nvdec_surface_gpu_bytes,
    .gpu_memory_total = nvdec_gpu_memory_total,
    .gpu_trim = op_gpu_trim,
    .gpu_server_create = nvdec_gpu_server_create,
    .gpu_server_attach = nvdec_gpu_server_attach,
    .gpu_server_destroy = nvdec_gpu_server_destroy,
    .create_remote = nvdec_create_remote,
};
