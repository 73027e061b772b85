/*
 * The nvdec engine's limits, without a GPU (no CUDA call is made):
 *  - nvdec_check_sequence, what the parser's sequence callback accepts
 *    before it creates a decoder: never a coded size above the codec's
 *    declared one (a VP9 frame header saying 8192x8192 in a 128x128 codec
 *    made an 8192x8192 decoder, 1.4 GiB of GPU memory, charged 110 KiB),
 *    nor more decode surfaces than the estimate counts, nor another chroma
 *    format or bit depth than the profile's;
 *  - the GPU memory estimates stay at or above what cuMemGetInfo measured
 *    on an H200 (bench/nvdec_gpu_mem, docs/performance.md).
 */
#include <string.h>

#include "check.h"
#include "host/engines/nvdec/nvdec_internal.h"

#define MIB (1024.0 * 1024.0)

static struct nvdec_engine engine;

static CUVIDEOFORMAT format(uint32_t w, uint32_t h)
{
    return (CUVIDEOFORMAT){.coded_width = w, .coded_height = h,
                           .chroma_format = cudaVideoChromaFormat_420};
}

static int check(const struct nvdec_codec *c, CUVIDEOFORMAT f, unsigned surfaces,
                 struct vh_error *err)
{
    memset(err, 0, sizeof(*err));
    return nvdec_check_sequence(c, &f, surfaces, err);
}

int main(void)
{
    for (int k = 0; k < NVDEC_KIND_COUNT; k++)
        for (int o = 0; o < NVDEC_OUT_COUNT; o++)
            engine.caps[k][o] = (struct nvdec_caps){.supported = true, .min_width = 48,
                                                    .min_height = 16, .max_width = 8192,
                                                    .max_height = 8192,
                                                    .max_mb_count = 262144};
    struct vh_error err;

    /* The hostile case: 8192x8192 in a 128x128 VP9 codec. */
    struct nvdec_codec vp9 = {.cls = &nvdec_vp9_class, .e = &engine,
                              .output = NVDEC_OUT_420_8, .desc_width = 128,
                              .desc_height = 128};
    CHECK_EQ(check(&vp9, format(8192, 8192), 11, &err), VW_ERR_RESOLUTION);
    printf("%s\n", err.message);
    CHECK(strstr(err.message, "8192x8192 in a codec created for 128x128") != NULL);
    CHECK_EQ(check(&vp9, format(128, 128), 11, &err), VW_OK);
    CHECK_EQ(check(&vp9, format(64, 64), 11, &err), VW_OK);      /* smaller: fine */
    CHECK_EQ(check(&vp9, format(144, 128), 11, &err), VW_ERR_RESOLUTION);
    CHECK_EQ(check(&vp9, format(128, 8192), 11, &err), VW_ERR_RESOLUTION);
    /* More decode surfaces than the estimate counts. */
    CHECK_EQ(check(&vp9, format(128, 128), NVDEC_MAX_DECODE_SURFACES, &err), VW_OK);
    CHECK_EQ(check(&vp9, format(128, 128), NVDEC_MAX_DECODE_SURFACES + 1, &err),
             VW_ERR_UNSUPPORTED_STREAM);
    /* Another chroma format or depth than the profile's (4:4:4 and 16-bit
     * surfaces are two and four times larger). */
    CUVIDEOFORMAT f = format(128, 128);
    f.chroma_format = cudaVideoChromaFormat_444;
    CHECK_EQ(check(&vp9, f, 11, &err), VW_ERR_UNSUPPORTED_STREAM);
    f = format(128, 128);
    f.bit_depth_luma_minus8 = f.bit_depth_chroma_minus8 = 2;
    CHECK_EQ(check(&vp9, f, 11, &err), VW_ERR_UNSUPPORTED_STREAM);
    struct nvdec_codec vp9_10 = vp9;
    vp9_10.output = NVDEC_OUT_420_10;
    CHECK_EQ(check(&vp9_10, f, 11, &err), VW_OK);
    CHECK_EQ(check(&vp9_10, format(128, 128), 11, &err), VW_ERR_UNSUPPORTED_STREAM);

    /* Odd declared sizes: the coded size rounds up to macroblocks (H.264,
     * MPEG-2: 350x198 is coded 352x208; an interlaced one 352x224). */
    struct nvdec_codec h264 = {.cls = &nvdec_h264_class, .e = &engine,
                               .output = NVDEC_OUT_420_8, .desc_width = 350,
                               .desc_height = 198};
    CHECK_EQ(check(&h264, format(352, 208), 19, &err), VW_OK);
    CHECK_EQ(check(&h264, format(352, 224), 19, &err), VW_OK);
    CHECK_EQ(check(&h264, format(368, 208), 19, &err), VW_ERR_RESOLUTION);
    CHECK_EQ(check(&h264, format(352, 240), 19, &err), VW_ERR_RESOLUTION);
    /* Below the GPU's minimum: still refused as before. */
    CHECK_EQ(check(&h264, format(32, 16), 19, &err), VW_ERR_RESOLUTION);

    /* Estimates >= what an H200 took (cuMemGetInfo, MiB). */
    static const struct {
        enum nvdec_kind kind;
        enum nvdec_output out;
        uint32_t w, h;
        unsigned surfaces;
        double measured;
    } dec[] = {
        {NVDEC_KIND_H264, NVDEC_OUT_420_8, 128, 128, 7, 7.50},
        {NVDEC_KIND_H264, NVDEC_OUT_420_8, 352, 224, 24, 9.75},
        {NVDEC_KIND_H264, NVDEC_OUT_420_8, 1920, 1088, 7, 45.44},
        {NVDEC_KIND_H264, NVDEC_OUT_420_8, 1920, 1088, 24, 113.44},
        {NVDEC_KIND_H264, NVDEC_OUT_420_8, 4096, 2304, 24, 379.56},
        {NVDEC_KIND_HEVC, NVDEC_OUT_420_8, 1920, 1088, 24, 123.31},
        {NVDEC_KIND_HEVC, NVDEC_OUT_420_10, 1920, 1088, 24, 181.31},
        {NVDEC_KIND_HEVC, NVDEC_OUT_444_8, 1920, 1088, 24, 179.31},
        {NVDEC_KIND_HEVC, NVDEC_OUT_444_10, 1920, 1088, 24, 339.31},
        {NVDEC_KIND_VP9, NVDEC_OUT_420_8, 128, 128, 12, 55.44},
        {NVDEC_KIND_VP9, NVDEC_OUT_420_8, 3840, 2176, 12, 225.44},
        {NVDEC_KIND_VP9, NVDEC_OUT_420_8, 8192, 8192, 12, 1397.44},
        {NVDEC_KIND_VP8, NVDEC_OUT_420_8, 1920, 1088, 7, 41.56},
        {NVDEC_KIND_MPEG2, NVDEC_OUT_420_8, 1920, 1088, 7, 41.31},
        {NVDEC_KIND_JPEG, NVDEC_OUT_420_8, 1920, 1088, 3, 50.00},
    };
    for (size_t i = 0; i < sizeof(dec) / sizeof(dec[0]); i++) {
        double est = (double)nvdec_decoder_bytes(dec[i].kind, dec[i].out, dec[i].w, dec[i].h,
                                                 dec[i].surfaces) / MIB;
        printf("decoder kind %d output %d %ux%u x%u: estimate %.2f MiB, measured %.2f\n",
               dec[i].kind, dec[i].out, dec[i].w, dec[i].h, dec[i].surfaces, est,
               dec[i].measured);
        CHECK(est >= dec[i].measured);
    }
    /* What a codec is charged: its declared size, the most surfaces. */
    struct vh_codec_desc d = {.profile = VW_PROFILE_VP9_PROFILE0,
                              .entrypoint = VW_ENTRYPOINT_DECODE, .rt_format = VW_RT_YUV420,
                              .width = 128, .height = 128};
    CHECK((double)nvdec_codec_gpu_bytes(&engine.base, &d) / MIB >= 55.44);
    d = (struct vh_codec_desc){.profile = VW_PROFILE_H264_HIGH,
                               .entrypoint = VW_ENTRYPOINT_DECODE, .rt_format = VW_RT_YUV420,
                               .width = 1920, .height = 1080};
    CHECK((double)nvdec_codec_gpu_bytes(&engine.base, &d) / MIB >= 113.44);
    d.profile = 0xffff;
    CHECK_EQ(nvdec_codec_gpu_bytes(&engine.base, &d), 0);

    static const struct {
        uint32_t fourcc, rt, w, h;
        double measured;                      /* MiB for 16 */
    } surf[] = {
        {VW_FOURCC_NV12, VW_RT_YUV420, 64, 64, 2},
        {VW_FOURCC_NV12, VW_RT_YUV420, 350, 198, 4},
        {VW_FOURCC_NV12, VW_RT_YUV420, 1920, 1080, 64},
        {VW_FOURCC_NV12, VW_RT_YUV420, 3840, 2160, 224},
        {VW_FOURCC_P010, VW_RT_YUV420_10, 1920, 1080, 128},
        {VW_FOURCC_444P, VW_RT_YUV444, 1920, 1080, 128},
        {VW_FOURCC_Y410, VW_RT_YUV444_10, 1920, 1080, 224},
    };
    for (size_t i = 0; i < sizeof(surf) / sizeof(surf[0]); i++) {
        struct vh_surface s = {.width = surf[i].w, .height = surf[i].h, .rt_format = surf[i].rt,
                               .pixel_format = surf[i].fourcc};
        double est = 16.0 * (double)nvdec_surface_gpu_bytes(&engine.base, &s) / MIB;
        printf("16 surfaces %.4s %ux%u: estimate %.2f MiB, measured %.2f\n",
               (const char *)&surf[i].fourcc, surf[i].w, surf[i].h, est, surf[i].measured);
        CHECK(est >= surf[i].measured);
    }
    printf("%d checks, %d failed\n", check_count, check_failures);
    return check_failures ? 1 : 0;
}
