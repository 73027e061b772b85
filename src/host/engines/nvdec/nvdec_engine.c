/* The NVDEC engine: loading, device and context, capabilities, dispatch. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "host/codecs/h264_param_sets.h"
#include "host/engines/engines.h"
#include "host/engines/nvdec/nvdec_internal.h"

static const uint32_t nvdec_profiles[] = {
    VW_PROFILE_H264_CONSTRAINED_BASELINE,
    VW_PROFILE_H264_MAIN,
    VW_PROFILE_H264_HIGH,
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

/* Context pushed. */
static int query_h264_caps(struct nvdec_engine *e, struct vh_error *err)
{
    if (!e->cv->cuvidGetDecoderCaps)
        return vh_error_set(err, VW_ERR_INTERNAL,
                            "nvdec: the driver has no cuvidGetDecoderCaps (too old)");
    CUVIDDECODECAPS caps = {
        .eCodecType = cudaVideoCodec_H264,
        .eChromaFormat = cudaVideoChromaFormat_420,
        .nBitDepthMinus8 = 0,
    };
    CUresult r = e->cv->cuvidGetDecoderCaps(&caps);
    if (r != CUDA_SUCCESS)
        return nvdec_cu_error(e, r, VW_ERR_INTERNAL, "cuvidGetDecoderCaps(H.264)", err);
    if (!caps.bIsSupported)
        return vh_error_set(err, VW_ERR_INTERNAL, "nvdec: %s cannot decode H.264 8-bit 4:2:0",
                            e->device_name);
    if (!(caps.nOutputFormatMask & (1u << cudaVideoSurfaceFormat_NV12)))
        return vh_error_set(err, VW_ERR_INTERNAL, "nvdec: %s has no NV12 output for H.264",
                            e->device_name);
    e->min_width = caps.nMinWidth;
    e->min_height = caps.nMinHeight;
    e->max_width = caps.nMaxWidth;
    e->max_height = caps.nMaxHeight;
    e->max_mb_count = caps.nMaxMBCount;
    e->num_engines = caps.nNumNVDECs;
    return VW_OK;
}

static int nvdec_create(struct vh_engine **out, struct vh_error *err)
{
    *out = NULL;
    struct nvdec_engine *e = calloc(1, sizeof(*e));
    if (!e)
        return vh_error_set(err, VW_ERR_NO_MEMORY, "nvdec: out of memory");
    e->base.ops = &vh_engine_nvdec;
    int rc = nvdec_load(e, err);
    if (rc)
        goto err_load;
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
    rc = query_h264_caps(e, err);
    nvdec_pop(e);
    if (rc)
        goto err_ctx;
    vc_info("nvdec: %s, H.264 %ux%u..%ux%u (%u MBs), %u NVDEC engine(s)", e->device_name,
            e->min_width, e->min_height, e->max_width, e->max_height, e->max_mb_count,
            e->num_engines);
    *out = &e->base;
    return VW_OK;

err_ctx:
    e->cu->cuDevicePrimaryCtxRelease(e->device);
err_init:
    nvdec_unload(e);
err_load:
    free(e);
    return rc;
}

static void nvdec_destroy(struct vh_engine **engine)
{
    if (!engine || !*engine)
        return;
    struct nvdec_engine *e = nvdec_engine_get(*engine);
    e->cu->cuDevicePrimaryCtxRelease(e->device);
    nvdec_unload(e);
    free(e);
    *engine = NULL;
}

/* What the engine accepts: what the GPU reports, within what the parameter
 * set synthesis can express (level 5.1: 4096x2304). */
static void size_limits(const struct nvdec_engine *e, uint32_t *max_w, uint32_t *max_h)
{
    *max_w = e->max_width < VH_H264_MAX_WIDTH ? e->max_width : VH_H264_MAX_WIDTH;
    *max_h = e->max_height < VH_H264_MAX_HEIGHT ? e->max_height : VH_H264_MAX_HEIGHT;
}

static int nvdec_query_caps(struct vh_engine *engine, struct vw_cap *caps, uint32_t max,
                            uint32_t *count)
{
    struct nvdec_engine *e = nvdec_engine_get(engine);
    uint32_t max_w, max_h, n = 0;
    size_limits(e, &max_w, &max_h);
    for (size_t i = 0; i < sizeof(nvdec_profiles) / sizeof(nvdec_profiles[0]) && n < max;
         i++, n++) {
        caps[n] = (struct vw_cap){
            .profile = nvdec_profiles[i],
            .entrypoint = VW_ENTRYPOINT_DECODE,
            .rt_formats = VW_RT_YUV420,
            .pixel_format = VW_FOURCC_NV12,
            .min_width = e->min_width,
            .min_height = e->min_height,
            .max_width = max_w,
            .max_height = max_h,
        };
        strncpy(caps[n].engine_name, "nvdec", sizeof(caps[n].engine_name));
    }
    *count = n;
    return VW_OK;
}

static int nvdec_codec_create(struct vh_engine *engine, const struct vh_codec_desc *desc,
                              struct vh_codec **out, struct vh_error *err)
{
    struct nvdec_engine *e = nvdec_engine_get(engine);
    *out = NULL;
    bool known = false;
    for (size_t i = 0; i < sizeof(nvdec_profiles) / sizeof(nvdec_profiles[0]); i++)
        known |= desc->profile == nvdec_profiles[i];
    if (!known)
        return vh_error_set(err, VW_ERR_UNSUPPORTED_PROFILE, "nvdec: profile %u not supported",
                            desc->profile);
    if (desc->entrypoint != VW_ENTRYPOINT_DECODE)
        return vh_error_set(err, VW_ERR_UNSUPPORTED_ENTRYPOINT,
                            "nvdec: entrypoint %u not supported", desc->entrypoint);
    if (desc->rt_format != VW_RT_YUV420)
        return vh_error_set(err, VW_ERR_UNSUPPORTED_FORMAT,
                            "nvdec: rt_format 0x%x not supported", desc->rt_format);
    uint32_t max_w, max_h;
    size_limits(e, &max_w, &max_h);
    if (desc->width < e->min_width || desc->height < e->min_height || desc->width > max_w ||
        desc->height > max_h)
        return vh_error_set(err, VW_ERR_RESOLUTION, "nvdec: %ux%u outside %ux%u..%ux%u",
                            desc->width, desc->height, e->min_width, e->min_height, max_w,
                            max_h);
    return nvdec_h264_codec_create(engine, desc, out, err);
}

const struct vh_engine_ops vh_engine_nvdec = {
    .name = "nvdec",
    .create = nvdec_create,
    .destroy = nvdec_destroy,
    .query_caps = nvdec_query_caps,
    .surface_init = nvdec_surface_init,
    .surface_fini = nvdec_surface_fini,
    .codec_create = nvdec_codec_create,
    .codec_destroy = nvdec_h264_codec_destroy,
    .decode = nvdec_h264_decode,
    .surface_read = nvdec_surface_read,
    .surface_write = nvdec_surface_write,
};
