/*
 * GPU memory of NVDEC decoders and nvdec surfaces, measured with
 * cuMemGetInfo, next to the estimates the nvdec engine charges to the
 * sessions' GPU budgets (nvdec_decoder_bytes, nvdec_surface_gpu_bytes).
 * For calibrating those estimates on a new GPU (docs/performance.md).
 *
 *   nvdec_gpu_mem            one line per case: measured MiB, estimate MiB
 *
 * Exit: 0 every estimate >= what was measured, 1 one is below (or a CUDA
 * call failed), 77 no libcuda.so.1 / no GPU (skipped).
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/engines/engines.h"
#include "host/engines/nvdec/nvdec_internal.h"

static double mib(uint64_t b)
{
    return (double)b / 1048576.0;
}

struct dec_case {
    const char *name;
    cudaVideoCodec codec;
    enum nvdec_kind kind;
    enum nvdec_output out;
    uint32_t w, h;
    unsigned surfaces;
};

static int under;

static void report(const char *name, uint64_t measured, uint64_t estimate)
{
    bool ok = estimate >= measured;
    printf("%-44s measured %9.2f MiB  estimate %9.2f MiB  %s\n", name, mib(measured),
           mib(estimate), ok ? "ok" : "UNDER");
    if (!ok)
        under++;
}

int main(void)
{
    void *cuda = dlopen("libcuda.so.1", RTLD_LAZY);
    if (!cuda) {
        printf("SKIP: no libcuda.so.1\n");
        return 77;
    }
    dlclose(cuda);
    struct vh_engine *engine = NULL;
    struct vh_error err = {0};
    if (vh_engine_nvdec.create(&engine, &err) != VW_OK) {
        printf("SKIP: nvdec engine: %s\n", err.message);
        return 77;
    }
    struct nvdec_engine *e = nvdec_engine_get(engine);
    if (!e->mem_get_info) {
        printf("SKIP: no cuMemGetInfo\n");
        return 77;
    }
    static const struct dec_case cases[] = {
        {"H.264 NV12 128x128 x7", cudaVideoCodec_H264, NVDEC_KIND_H264, NVDEC_OUT_420_8, 128, 128, 7},
        {"H.264 NV12 352x224 x7", cudaVideoCodec_H264, NVDEC_KIND_H264, NVDEC_OUT_420_8, 352, 224, 7},
        {"H.264 NV12 352x224 x24", cudaVideoCodec_H264, NVDEC_KIND_H264, NVDEC_OUT_420_8, 352, 224, 24},
        {"H.264 NV12 1920x1088 x7", cudaVideoCodec_H264, NVDEC_KIND_H264, NVDEC_OUT_420_8, 1920, 1088, 7},
        {"H.264 NV12 1920x1088 x24", cudaVideoCodec_H264, NVDEC_KIND_H264, NVDEC_OUT_420_8, 1920, 1088, 24},
        {"H.264 NV12 4096x2304 x24", cudaVideoCodec_H264, NVDEC_KIND_H264, NVDEC_OUT_420_8, 4096, 2304, 24},
        {"HEVC NV12 1920x1088 x24", cudaVideoCodec_HEVC, NVDEC_KIND_HEVC, NVDEC_OUT_420_8, 1920, 1088, 24},
        {"HEVC P016 1920x1088 x24", cudaVideoCodec_HEVC, NVDEC_KIND_HEVC, NVDEC_OUT_420_10, 1920, 1088, 24},
        {"HEVC YUV444 1920x1088 x24", cudaVideoCodec_HEVC, NVDEC_KIND_HEVC, NVDEC_OUT_444_8, 1920, 1088, 24},
        {"HEVC YUV444_16 1920x1088 x24", cudaVideoCodec_HEVC, NVDEC_KIND_HEVC, NVDEC_OUT_444_10, 1920, 1088, 24},
        {"VP9 NV12 128x128 x12", cudaVideoCodec_VP9, NVDEC_KIND_VP9, NVDEC_OUT_420_8, 128, 128, 12},
        {"VP9 NV12 3840x2176 x12", cudaVideoCodec_VP9, NVDEC_KIND_VP9, NVDEC_OUT_420_8, 3840, 2176, 12},
        {"VP9 NV12 8192x8192 x12", cudaVideoCodec_VP9, NVDEC_KIND_VP9, NVDEC_OUT_420_8, 8192, 8192, 12},
        {"VP8 NV12 1920x1088 x7", cudaVideoCodec_VP8, NVDEC_KIND_VP8, NVDEC_OUT_420_8, 1920, 1088, 7},
        {"MPEG-2 NV12 1920x1088 x7", cudaVideoCodec_MPEG2, NVDEC_KIND_MPEG2, NVDEC_OUT_420_8, 1920, 1088, 7},
        {"JPEG NV12 1920x1088 x3", cudaVideoCodec_JPEG, NVDEC_KIND_JPEG, NVDEC_OUT_420_8, 1920, 1088, 3},
        {"MPEG-4 NV12 1920x1088 x7", cudaVideoCodec_MPEG4, NVDEC_KIND_MPEG4, NVDEC_OUT_420_8, 1920, 1088, 7},
    };
    if (nvdec_push(e, "cuCtxPushCurrent", &err) != VW_OK) {
        printf("FAIL: %s\n", err.message);
        return 1;
    }
    /* Warm up: the first decoder also sets up the context's NVDEC state. */
    for (size_t i = 0; i <= sizeof(cases) / sizeof(cases[0]); i++) {
        const struct dec_case *c = &cases[i ? i - 1 : 0];
        const struct nvdec_output_info *o = &nvdec_outputs[c->out];
        CUVIDDECODECREATEINFO info = {
            .ulWidth = c->w, .ulHeight = c->h, .ulNumDecodeSurfaces = c->surfaces,
            .CodecType = c->codec, .ChromaFormat = o->chroma,
            .ulCreationFlags = cudaVideoCreate_PreferCUVID, .bitDepthMinus8 = o->minus8,
            .ulMaxWidth = c->w, .ulMaxHeight = c->h,
            .display_area = {0, 0, (short)c->w, (short)c->h},
            .OutputFormat = o->surface, .DeinterlaceMode = cudaVideoDeinterlaceMode_Weave,
            .ulTargetWidth = c->w, .ulTargetHeight = c->h,
            .ulNumOutputSurfaces = NVDEC_OUTPUT_SURFACES,
        };
        CUvideodecoder dec = NULL;
        uint64_t f0 = nvdec_mem_free(e);
        CUresult r = e->cv->cuvidCreateDecoder(&dec, &info);
        uint64_t f1 = nvdec_mem_free(e);
        if (r != CUDA_SUCCESS) {
            printf("%-44s cuvidCreateDecoder: %d (not supported here?)\n", c->name, (int)r);
            continue;
        }
        e->cv->cuvidDestroyDecoder(dec);
        if (i == 0)
            continue;
        report(c->name, f0 > f1 ? f0 - f1 : 0,
               nvdec_decoder_bytes(c->kind, c->out, c->w, c->h, c->surfaces));
    }
    /* Surfaces: 16 of each size, their buffers allocated (black fill). */
    static const struct { uint32_t fourcc, rt, w, h; } surf[] = {
        {VW_FOURCC_NV12, VW_RT_YUV420, 64, 64},
        {VW_FOURCC_NV12, VW_RT_YUV420, 350, 198},
        {VW_FOURCC_NV12, VW_RT_YUV420, 1920, 1080},
        {VW_FOURCC_NV12, VW_RT_YUV420, 3840, 2160},
        {VW_FOURCC_P010, VW_RT_YUV420_10, 1920, 1080},
        {VW_FOURCC_444P, VW_RT_YUV444, 1920, 1080},
        {VW_FOURCC_Y410, VW_RT_YUV444_10, 1920, 1080},
    };
    CUstream stream;
    if (nvdec_stream_get(e, &stream, &err) != VW_OK) {
        printf("FAIL: %s\n", err.message);
        return 1;
    }
    enum { N = 16 };
    for (size_t i = 0; i < sizeof(surf) / sizeof(surf[0]); i++) {
        struct vh_surface s[N];
        uint64_t f0 = nvdec_mem_free(e), est = 0;
        for (int k = 0; k < N; k++) {
            s[k] = (struct vh_surface){.id = (uint32_t)k + 1, .width = surf[i].w,
                                       .height = surf[i].h, .rt_format = surf[i].rt,
                                       .pixel_format = surf[i].fourcc};
            bool fresh;
            est += nvdec_surface_gpu_bytes(engine, &s[k]);
            if (nvdec_surface_init(engine, &s[k], &err) ||
                nvdec_surface_alloc(e, &s[k], stream, true, &fresh, &err)) {
                printf("FAIL: surface: %s\n", err.message);
                return 1;
            }
        }
        e->cu->cuStreamSynchronize(stream);
        uint64_t f1 = nvdec_mem_free(e);
        char name[64];
        snprintf(name, sizeof(name), "%d surfaces %.4s %ux%u", N, (const char *)&surf[i].fourcc,
                 surf[i].w, surf[i].h);
        report(name, f0 > f1 ? f0 - f1 : 0, est);
        for (int k = 0; k < N; k++)
            nvdec_surface_fini(engine, &s[k]);
        nvdec_gpu_trim(engine);               /* empty the cache for the next size */
    }
    nvdec_stream_put(e, stream);
    nvdec_pop(e);
    vh_engine_nvdec.destroy(&engine);
    printf("%d estimate(s) below the measurement\n", under);
    return under ? 1 : 0;
}
