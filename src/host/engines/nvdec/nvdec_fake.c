/*
 * Test builds only (test_hooks): CUDA and cuvid function tables that run on
 * the CPU, so that CI, which has no GPU, can drive the whole nvdec path
 * (local engine, GPU process, worker's remote engine) end to end.
 *
 * Device memory is host memory (malloc); copies and fills are the host
 * operations the CUDA_MEMCPY2D fields describe. The parser reports one
 * sequence of the size VIVAC_TEST_FAKE_NVDEC says (8-bit 4:2:0) on its
 * first packet, then decodes every packet as an intra picture without
 * references into the next slot. The decoder fills the slot with a pattern
 * derived from the bitstream's bytes, so a picture depends on its packet
 * and any loss on the way to the decoder changes the output. Nothing opens
 * a device node. It decodes every codec but JPEG (and MPEG-4 Part 2 where
 * VIVAC_TEST_FAKE_NVDEC_NO_MPEG4=1: a GPU without it; likewise H.264 with
 * VIVAC_TEST_FAKE_NVDEC_NO_H264=1, so that `auto` decodes it on sw into
 * the fake's surfaces, real pictures for its kernels) to 8-bit 4:2:0.
 * Kernels (video processing) run on the CPU: the bodies of
 * kernels/vpp_kernels.h, which the GPU runs as PTX, for every thread of
 * the launch in turn; VIVAC_TEST_FAKE_NVDEC_NO_KERNELS=1: a module that
 * does not load (a driver too old for the PTX).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host/engines/nvdec/kernels/vpp_kernels.h"
#include "host/engines/nvdec/nvdec_internal.h"

#define FAKE(name, ...) static CUresult CUDAAPI name(__VA_ARGS__)

static unsigned fake_width, fake_height;
/* VIVAC_TEST_FAKE_NVDEC_NO_MPEG4=1 / _NO_H264=1: a GPU without the codec. */
static bool fake_no_mpeg4, fake_no_h264;

FAKE(f_init, unsigned int flags) { (void)flags; return CUDA_SUCCESS; }
FAKE(f_count, int *n) { *n = 1; return CUDA_SUCCESS; }
FAKE(f_get, CUdevice *d, int i) { (void)i; *d = 0; return CUDA_SUCCESS; }
FAKE(f_name, char *name, int len, CUdevice d)
{
    (void)d;
    snprintf(name, (size_t)len, "fake NVDEC (VIVAC_TEST_FAKE_NVDEC)");
    return CUDA_SUCCESS;
}
FAKE(f_retain, CUcontext *c, CUdevice d) { (void)d; *c = (CUcontext)0x1; return CUDA_SUCCESS; }
FAKE(f_release, CUdevice d) { (void)d; return CUDA_SUCCESS; }
FAKE(f_push, CUcontext c) { (void)c; return CUDA_SUCCESS; }
FAKE(f_pop, CUcontext *c) { if (c) *c = (CUcontext)0x1; return CUDA_SUCCESS; }
FAKE(f_errname, CUresult r, const char **s) { (void)r; *s = "FAKE_ERROR"; return CUDA_SUCCESS; }
FAKE(f_stream_create, CUstream *s, unsigned int flags)
{
    (void)flags;
    *s = malloc(1);                           /* a distinct handle */
    return *s ? CUDA_SUCCESS : CUDA_ERROR_UNKNOWN;
}
FAKE(f_stream_destroy, CUstream s) { free(s); return CUDA_SUCCESS; }
FAKE(f_sync, CUstream s) { (void)s; return CUDA_SUCCESS; }
FAKE(f_alloc_pitch, CUdeviceptr *p, size_t *pitch, size_t w, size_t h, unsigned int e)
{
    (void)e;
    *pitch = (w + 255) / 256 * 256;
    void *m = malloc(*pitch * h + 1);
    if (!m)
        return CUDA_ERROR_UNKNOWN;
    *p = (CUdeviceptr)(uintptr_t)m;
    return CUDA_SUCCESS;
}
FAKE(f_free, CUdeviceptr p) { free((void *)(uintptr_t)p); return CUDA_SUCCESS; }
FAKE(f_memset16, CUdeviceptr d, unsigned short v, size_t n, CUstream s)
{
    (void)s;
    uint8_t *p = (uint8_t *)(uintptr_t)d;
    for (size_t i = 0; i < n; i++)
        memcpy(p + 2 * i, &v, 2);
    return CUDA_SUCCESS;
}
FAKE(f_memset32, CUdeviceptr d, unsigned int v, size_t n, CUstream s)
{
    (void)s;
    uint8_t *p = (uint8_t *)(uintptr_t)d;
    for (size_t i = 0; i < n; i++)
        memcpy(p + 4 * i, &v, 4);             /* the host's order: little-endian, as CUDA's */
    return CUDA_SUCCESS;
}
FAKE(f_memset8, CUdeviceptr d, unsigned char v, size_t n, CUstream s)
{
    (void)s;
    memset((void *)(uintptr_t)d, v, n);
    return CUDA_SUCCESS;
}
FAKE(f_copy2d, const CUDA_MEMCPY2D *c, CUstream s)
{
    (void)s;
    const uint8_t *src = c->srcMemoryType == CU_MEMORYTYPE_HOST
                             ? (const uint8_t *)c->srcHost
                             : (const uint8_t *)(uintptr_t)c->srcDevice;
    uint8_t *dst = c->dstMemoryType == CU_MEMORYTYPE_HOST ? (uint8_t *)c->dstHost
                                                          : (uint8_t *)(uintptr_t)c->dstDevice;
    if (!src || !dst)
        return CUDA_ERROR_UNKNOWN;
    for (size_t r = 0; r < c->Height; r++)
        memmove(dst + (c->dstY + r) * c->dstPitch + c->dstXInBytes,
                src + (c->srcY + r) * c->srcPitch + c->srcXInBytes, c->WidthInBytes);
    return CUDA_SUCCESS;
}

/* ---- kernels ------------------------------------------------------------------ */

/* CUDA's codes the ffnvcodec headers leave out. */
#define FAKE_INVALID_VALUE ((CUresult)1)
#define FAKE_INVALID_IMAGE ((CUresult)200)
#define FAKE_INVALID_HANDLE ((CUresult)400)
#define FAKE_NOT_FOUND ((CUresult)500)

static bool fake_no_kernels;
static int fake_module;                       /* its address: the one module */
static int fake_scale, fake_rgb;              /* their addresses: vivac_vpp_scale, _rgb */

FAKE(f_module_load, CUmodule *m, const void *image)
{
    if (fake_no_kernels || !image || !strstr(image, ".entry vivac_vpp_scale") ||
        !strstr(image, ".entry vivac_vpp_rgb"))
        return FAKE_INVALID_IMAGE;
    *m = (CUmodule)&fake_module;
    return CUDA_SUCCESS;
}
FAKE(f_module_unload, CUmodule m)
{
    return m == (CUmodule)&fake_module ? CUDA_SUCCESS : FAKE_INVALID_HANDLE;
}
FAKE(f_module_function, CUfunction *f, CUmodule m, const char *name)
{
    if (m != (CUmodule)&fake_module)
        return FAKE_INVALID_HANDLE;
    if (strcmp(name, "vivac_vpp_scale") == 0)
        *f = (CUfunction)&fake_scale;
    else if (strcmp(name, "vivac_vpp_rgb") == 0)
        *f = (CUfunction)&fake_rgb;
    else
        return FAKE_NOT_FOUND;
    return CUDA_SUCCESS;
}
FAKE(f_launch, CUfunction f, unsigned int gx, unsigned int gy, unsigned int gz, unsigned int bx,
     unsigned int by, unsigned int bz, unsigned int shared, CUstream s, void **params,
     void **extra)
{
    (void)shared, (void)s, (void)extra;
    if ((f != (CUfunction)&fake_scale && f != (CUfunction)&fake_rgb) || gz != 1 || bz != 1 ||
        !params)
        return FAKE_INVALID_VALUE;
    for (unsigned y = 0; y < gy * by; y++)
        for (unsigned x = 0; x < gx * bx; x++) {
            if (f == (CUfunction)&fake_scale)
                vk_scale_at(params[0], x, y);
            else
                vk_rgb_at(params[0], x, y);
        }
    return CUDA_SUCCESS;
}

/* ---- decoder ------------------------------------------------------------------ */

struct fake_decoder {
    CUVIDDECODECREATEINFO info;
    size_t pitch, slot_rows;
    uint8_t **slots;
};

FAKE(f_caps, CUVIDDECODECAPS *c)
{
    bool ok = c->eChromaFormat == cudaVideoChromaFormat_420 && c->nBitDepthMinus8 == 0 &&
              c->eCodecType != cudaVideoCodec_JPEG &&
              !(fake_no_mpeg4 && c->eCodecType == cudaVideoCodec_MPEG4) &&
              !(fake_no_h264 && c->eCodecType == cudaVideoCodec_H264);
    c->bIsSupported = ok;
    c->nOutputFormatMask = ok ? 1u << cudaVideoSurfaceFormat_NV12 : 0;
    c->nMinWidth = 48;
    c->nMinHeight = 16;
    c->nMaxWidth = 4096;
    c->nMaxHeight = 4096;
    c->nMaxMBCount = 65536;
    c->nNumNVDECs = 1;
    return CUDA_SUCCESS;
}

FAKE(f_destroy, CUvideodecoder d)
{
    struct fake_decoder *f = (struct fake_decoder *)d;
    if (!f)
        return CUDA_SUCCESS;
    for (unsigned i = 0; f->slots && i < f->info.ulNumDecodeSurfaces; i++)
        free(f->slots[i]);
    free(f->slots);
    free(f);
    return CUDA_SUCCESS;
}

FAKE(f_create, CUvideodecoder *d, CUVIDDECODECREATEINFO *info)
{
    struct fake_decoder *f = calloc(1, sizeof(*f));
    if (!f)
        return CUDA_ERROR_UNKNOWN;
    f->info = *info;
    f->pitch = (info->ulTargetWidth + 255) / 256 * 256;
    /* Luma of the even output height, then half as many chroma rows. */
    size_t even = (info->ulTargetHeight + 1) & ~(size_t)1;
    f->slot_rows = even + even / 2;
    f->slots = calloc(info->ulNumDecodeSurfaces, sizeof(*f->slots));
    if (!f->slots)
        goto fail;
    for (unsigned i = 0; i < info->ulNumDecodeSurfaces; i++) {
        f->slots[i] = calloc(f->slot_rows, f->pitch);
        if (!f->slots[i])
            goto fail;
    }
    *d = (CUvideodecoder)f;
    return CUDA_SUCCESS;
fail:
    f_destroy((CUvideodecoder)f);
    return CUDA_ERROR_UNKNOWN;
}

/* FNV-1a of the bitstream, then a byte pattern from it over the slot. */
FAKE(f_decode, CUvideodecoder d, CUVIDPICPARAMS *pp)
{
    struct fake_decoder *f = (struct fake_decoder *)d;
    if (pp->CurrPicIdx < 0 || (unsigned)pp->CurrPicIdx >= f->info.ulNumDecodeSurfaces)
        return CUDA_ERROR_UNKNOWN;
    uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned i = 0; i < pp->nBitstreamDataLen; i++)
        h = (h ^ pp->pBitstreamData[i]) * 0x100000001b3ull;
    uint8_t *slot = f->slots[pp->CurrPicIdx];
    for (size_t r = 0; r < f->slot_rows; r++)
        for (size_t x = 0; x < f->pitch; x++)
            slot[r * f->pitch + x] = (uint8_t)(h >> (8 * ((r + x) & 7))) ^ (uint8_t)(r * 3 + x);
    return CUDA_SUCCESS;
}

FAKE(f_status, CUvideodecoder d, int idx, CUVIDGETDECODESTATUS *st)
{
    (void)d, (void)idx;
    st->decodeStatus = cuvidDecodeStatus_Success;
    return CUDA_SUCCESS;
}

FAKE(f_map, CUvideodecoder d, int idx, CUdeviceptr *p, unsigned int *pitch,
     CUVIDPROCPARAMS *pp)
{
    (void)pp;
    struct fake_decoder *f = (struct fake_decoder *)d;
    if (idx < 0 || (unsigned)idx >= f->info.ulNumDecodeSurfaces)
        return CUDA_ERROR_UNKNOWN;
    *p = (CUdeviceptr)(uintptr_t)f->slots[idx];
    *pitch = (unsigned)f->pitch;
    return CUDA_SUCCESS;
}
FAKE(f_unmap, CUvideodecoder d, CUdeviceptr p) { (void)d, (void)p; return CUDA_SUCCESS; }

/* ---- parser ------------------------------------------------------------------- */

struct fake_parser {
    CUVIDPARSERPARAMS params;
    bool have_sequence;
    unsigned surfaces, next;
};

FAKE(f_parser_create, CUvideoparser *out, CUVIDPARSERPARAMS *params)
{
    struct fake_parser *p = calloc(1, sizeof(*p));
    if (!p)
        return CUDA_ERROR_UNKNOWN;
    p->params = *params;
    *out = (CUvideoparser)p;
    return CUDA_SUCCESS;
}
FAKE(f_parser_destroy, CUvideoparser parser) { free(parser); return CUDA_SUCCESS; }

/* No references, whatever the codec. */
static void no_references(cudaVideoCodec codec, CUVIDPICPARAMS *pp)
{
    switch (codec) {
    case cudaVideoCodec_H264:
        for (int i = 0; i < 16; i++)
            pp->CodecSpecific.h264.dpb[i].PicIdx = -1;
        break;
    case cudaVideoCodec_HEVC:
        for (int i = 0; i < 16; i++)
            pp->CodecSpecific.hevc.RefPicIdx[i] = -1;
        break;
    case cudaVideoCodec_MPEG2:
        pp->CodecSpecific.mpeg2.ForwardRefIdx = -1;
        pp->CodecSpecific.mpeg2.BackwardRefIdx = -1;
        break;
    case cudaVideoCodec_MPEG4:
        pp->CodecSpecific.mpeg4.ForwardRefIdx = -1;
        pp->CodecSpecific.mpeg4.BackwardRefIdx = -1;
        break;
    default:                                  /* VP8/VP9: slot 0 is always valid */
        break;
    }
}

/* The offset of the first start code 00 00 01 lo..hi in the packet, or -1. */
static long find_start_code(const CUVIDSOURCEDATAPACKET *pkt, uint8_t lo, uint8_t hi)
{
    for (unsigned long i = 0; i + 4 < pkt->payload_size; i++)
        if (pkt->payload[i] == 0 && pkt->payload[i + 1] == 0 && pkt->payload[i + 2] == 1 &&
            pkt->payload[i + 3] >= lo && pkt->payload[i + 3] <= hi)
            return (long)i;
    return -1;
}

/* MPEG-4: as the real parser needs them, a VOL (start code 0x20..0x2f)
 * before the first VOP, and a VOP (0xb6) in every packet; the VOP's coding
 * type from its header, the other fields as a plain progressive stream
 * has them, so that the GPU process's checks see what the parser would
 * give. False: the packet has no VOP. */
static bool mpeg4_params(const CUVIDSOURCEDATAPACKET *pkt, CUVIDMPEG4PICPARAMS *m)
{
    long vop = find_start_code(pkt, 0xb6, 0xb6);
    if (vop < 0)
        return false;
    int type = pkt->payload[vop + 4] >> 6;
    m->video_object_layer_width = (int)fake_width;
    m->video_object_layer_height = (int)fake_height;
    m->vop_time_increment_bitcount = 5;
    m->vop_coding_type = type;
    m->vop_coded = 1;
    m->vop_fcode_forward = type ? 1 : 0;
    m->vop_fcode_backward = type == 2 ? 1 : 0;
    m->trd[0] = type == 2 ? 2 : 0;
    m->trb[0] = type == 2 ? 1 : 0;
    return true;
}

FAKE(f_parse, CUvideoparser parser, CUVIDSOURCEDATAPACKET *pkt)
{
    struct fake_parser *p = (struct fake_parser *)parser;
    if (!pkt->payload || !pkt->payload_size)
        return CUDA_SUCCESS;
    if (p->params.CodecType == cudaVideoCodec_MPEG4 && !p->have_sequence &&
        find_start_code(pkt, 0x20, 0x2f) < 0)
        return CUDA_ERROR_UNKNOWN;      /* a VOP before any VOL */
    if (!p->have_sequence) {
        CUVIDEOFORMAT fmt = {
            .codec = p->params.CodecType,
            .frame_rate = {25, 1},
            .progressive_sequence = 1,
            .coded_width = fake_width,
            .coded_height = fake_height,
            .display_area = {0, 0, (int)fake_width, (int)fake_height},
            .chroma_format = cudaVideoChromaFormat_420,
            .min_num_decode_surfaces = 4,
        };
        int n = p->params.pfnSequenceCallback(p->params.pUserData, &fmt);
        if (n == 0)
            return CUDA_SUCCESS;              /* the caller's callback says why */
        p->surfaces = n > 1 ? (unsigned)n : 4;
        p->have_sequence = true;
    }
    static const unsigned int zero_offset[1] = {0};
    /* NVIDIA's parser leaves pSliceDataOffsets unset for VP8 (NVDEC reads
     * none): seen on an H200 as a stale offset far beyond the picture. */
    static const unsigned int stale_offset[1] = {3415669616u};
    CUVIDPICPARAMS pp;
    memset(&pp, 0, sizeof(pp));
    pp.PicWidthInMbs = (int)((fake_width + 15) / 16);
    pp.FrameHeightInMbs = (int)((fake_height + 15) / 16);
    pp.CurrPicIdx = (int)(p->next++ % p->surfaces);
    pp.intra_pic_flag = 1;
    pp.ref_pic_flag = 1;
    pp.nBitstreamDataLen = (unsigned)pkt->payload_size;
    pp.pBitstreamData = pkt->payload;
    pp.nNumSlices = 1;
    pp.pSliceDataOffsets = p->params.CodecType == cudaVideoCodec_VP8 ? stale_offset : zero_offset;
    no_references(p->params.CodecType, &pp);
    if (p->params.CodecType == cudaVideoCodec_MPEG4 && !mpeg4_params(pkt, &pp.CodecSpecific.mpeg4))
        return CUDA_ERROR_UNKNOWN;      /* no VOP: nothing to decode */
    if (p->params.pfnDecodePicture(p->params.pUserData, &pp) == 0)
        return CUDA_SUCCESS;
    CUVIDPARSERDISPINFO disp = {.picture_index = pp.CurrPicIdx, .progressive_frame = 1};
    if (p->params.pfnDisplayPicture)
        p->params.pfnDisplayPicture(p->params.pUserData, &disp);
    return CUDA_SUCCESS;
}

/* Page-locking: checks what the driver would (page-aligned, not locked
 * twice) and that every unlock matches a lock, aborting otherwise so that
 * a test run catches a mismatch. */
#define FAKE_MAX_LOCKED 1024
static pthread_mutex_t locked_mutex = PTHREAD_MUTEX_INITIALIZER;
static void *locked[FAKE_MAX_LOCKED];

FAKE(f_host_register, void *p, size_t bytes, unsigned int flags)
{
    (void)flags;
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    if (!p || !bytes || (uintptr_t)p % page || bytes % page)
        return CUDA_ERROR_UNKNOWN;
    CUresult r = CUDA_ERROR_UNKNOWN;
    pthread_mutex_lock(&locked_mutex);
    for (unsigned i = 0; i < FAKE_MAX_LOCKED; i++)
        if (locked[i] == p) {
            fprintf(stderr, "nvdec fake: %p page-locked twice\n", p);
            abort();
        }
    for (unsigned i = 0; i < FAKE_MAX_LOCKED && r != CUDA_SUCCESS; i++)
        if (!locked[i])
            locked[i] = p, r = CUDA_SUCCESS;
    pthread_mutex_unlock(&locked_mutex);
    return r;
}

FAKE(f_host_unregister, void *p)
{
    pthread_mutex_lock(&locked_mutex);
    unsigned i = 0;
    while (i < FAKE_MAX_LOCKED && locked[i] != p)
        i++;
    if (i == FAKE_MAX_LOCKED) {
        fprintf(stderr, "nvdec fake: unlocking %p, which is not locked\n", p);
        abort();
    }
    locked[i] = NULL;
    pthread_mutex_unlock(&locked_mutex);
    return CUDA_SUCCESS;
}

void nvdec_fake_optional(struct nvdec_engine *e)
{
    e->mem_host_register = f_host_register;
    e->mem_host_unregister = f_host_unregister;
    e->memset_d32 = f_memset32;
    /* VIVAC_TEST_FAKE_NVDEC_D16=1: P010 (and Y410) surfaces too. */
    const char *d16 = getenv("VIVAC_TEST_FAKE_NVDEC_D16");
    if (d16 && strcmp(d16, "1") == 0)
        e->memset_d16 = f_memset16;
}

static CudaFunctions fake_cu = {
    .cuInit = f_init, .cuDeviceGetCount = f_count, .cuDeviceGet = f_get,
    .cuDeviceGetName = f_name, .cuDevicePrimaryCtxRetain = f_retain,
    .cuDevicePrimaryCtxRelease = f_release, .cuCtxPushCurrent = f_push,
    .cuCtxPopCurrent = f_pop, .cuGetErrorName = f_errname, .cuGetErrorString = f_errname,
    .cuStreamCreate = f_stream_create, .cuStreamDestroy = f_stream_destroy,
    .cuStreamSynchronize = f_sync, .cuMemAllocPitch = f_alloc_pitch, .cuMemFree = f_free,
    .cuMemsetD8Async = f_memset8, .cuMemcpy2DAsync = f_copy2d,
    .cuModuleLoadData = f_module_load, .cuModuleUnload = f_module_unload,
    .cuModuleGetFunction = f_module_function, .cuLaunchKernel = f_launch,
};
static CuvidFunctions fake_cv = {
    .cuvidGetDecoderCaps = f_caps, .cuvidCreateDecoder = f_create,
    .cuvidDestroyDecoder = f_destroy, .cuvidDecodePicture = f_decode,
    .cuvidGetDecodeStatus = f_status, .cuvidMapVideoFrame = f_map,
    .cuvidUnmapVideoFrame = f_unmap, .cuvidCreateVideoParser = f_parser_create,
    .cuvidParseVideoData = f_parse, .cuvidDestroyVideoParser = f_parser_destroy,
};

bool nvdec_fake_tables(CudaFunctions **cu, CuvidFunctions **cv)
{
    const char *env = getenv("VIVAC_TEST_FAKE_NVDEC");
    unsigned w, h;
    char tail;
    if (!env || sscanf(env, "%ux%u%c", &w, &h, &tail) != 2 || w < 16 || h < 16 || w > 4096 ||
        h > 4096)
        return false;
    fake_width = w;
    fake_height = h;
    const char *no_mpeg4 = getenv("VIVAC_TEST_FAKE_NVDEC_NO_MPEG4");
    fake_no_mpeg4 = no_mpeg4 && strcmp(no_mpeg4, "1") == 0;
    const char *no_h264 = getenv("VIVAC_TEST_FAKE_NVDEC_NO_H264");
    fake_no_h264 = no_h264 && strcmp(no_h264, "1") == 0;
    const char *no_kernels = getenv("VIVAC_TEST_FAKE_NVDEC_NO_KERNELS");
    fake_no_kernels = no_kernels && strcmp(no_kernels, "1") == 0;
    if (cu)
        *cu = &fake_cu;
    *cv = &fake_cv;
    return true;
}
