/*
 * The GPU process's server (nvdec_gpu_server.h) without a GPU: the NVDEC
 * engine runs on fake CUDA/cuvid function tables that record their calls,
 * hand out fake device pointers and, where a copy involves host memory,
 * really read or write it. Workers are this test speaking the protocol
 * (nvdec_gpu_proto.h) raw on socketpairs, so that it can also be hostile:
 * a well-formed create/decode/capture/read works and the fakes see the
 * server's own bitstream; unknown ids, another worker's objects, picture
 * indices out of range, bitstreams and slice offsets beyond the staging
 * buffer, MPEG-4 VOL/VOP fields out of range (an S-VOP, a B-VOP's TRB
 * outside its TRD, a zero matrix entry...), an unsealed staging memfd and
 * a decoder beyond the worker's GPU limit are refused before any fake is
 * called; a closed worker's decoders
 * are destroyed; garbage ends the connection.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "host/engines/nvdec/kernels/vpp_kernels.h"
#include "host/engines/nvdec/nvdec_gpu_proto.h"
#include "host/engines/nvdec/nvdec_gpu_server.h"
#include "host/engines/nvdec/nvdec_remote.h"
#include "host/engines/engines.h"
#include "host/seqpacket.h"

/* ---- fakes ---------------------------------------------------------------------- */

static atomic_int n_create, n_destroy, n_decode, n_map, n_unmap, n_status, n_copy_to_host;
static atomic_ullong next_ptr = 0x100000;
static CUVIDDECODECREATEINFO last_info;
static uint8_t seen_bits[16];                 /* first bytes of the last decode's bitstream */
static uint32_t seen_offsets[4];
static const void *seen_bits_ptr;
static unsigned long long seen_fmo;

#define FAKE(name, ...) static CUresult CUDAAPI name(__VA_ARGS__)

FAKE(f_init, unsigned int flags) { return CUDA_SUCCESS; }
FAKE(f_count, int *n) { *n = 1; return CUDA_SUCCESS; }
FAKE(f_get, CUdevice *d, int i) { *d = 0; return CUDA_SUCCESS; }
FAKE(f_name, char *name, int len, CUdevice d) { snprintf(name, (size_t)len, "fake"); return CUDA_SUCCESS; }
FAKE(f_retain, CUcontext *c, CUdevice d) { *c = (CUcontext)0x1; return CUDA_SUCCESS; }
FAKE(f_release, CUdevice d) { return CUDA_SUCCESS; }
FAKE(f_push, CUcontext c) { return CUDA_SUCCESS; }
FAKE(f_pop, CUcontext *c) { *c = (CUcontext)0x1; return CUDA_SUCCESS; }
FAKE(f_errname, CUresult r, const char **s) { *s = "FAKE_ERROR"; return CUDA_SUCCESS; }
FAKE(f_stream_create, CUstream *s, unsigned int flags) { *s = (CUstream)(uintptr_t)atomic_fetch_add(&next_ptr, 16); return CUDA_SUCCESS; }
FAKE(f_stream_destroy, CUstream s) { return CUDA_SUCCESS; }
FAKE(f_sync, CUstream s) { return CUDA_SUCCESS; }
FAKE(f_alloc_pitch, CUdeviceptr *p, size_t *pitch, size_t w, size_t h, unsigned int e)
{
    *pitch = (w + 511) / 512 * 512;
    *p = atomic_fetch_add(&next_ptr, (unsigned long long)(*pitch * h + 4096));
    return CUDA_SUCCESS;
}
FAKE(f_free, CUdeviceptr p) { return CUDA_SUCCESS; }
FAKE(f_memset8, CUdeviceptr d, unsigned char v, size_t n, CUstream s) { return CUDA_SUCCESS; }
/* Host memory is really read or written: a copy beyond it is an ASan error. */
FAKE(f_copy2d, const CUDA_MEMCPY2D *c, CUstream s)
{
    for (size_t r = 0; r < c->Height; r++) {
        if (c->dstMemoryType == CU_MEMORYTYPE_HOST) {
            memset((uint8_t *)c->dstHost + (c->dstY + r) * c->dstPitch + c->dstXInBytes, 0x5a,
                   c->WidthInBytes);
        } else if (c->srcMemoryType == CU_MEMORYTYPE_HOST) {
            volatile uint8_t sink = 0;
            const uint8_t *row = (const uint8_t *)c->srcHost + (c->srcY + r) * c->srcPitch +
                                 c->srcXInBytes;
            for (size_t i = 0; i < c->WidthInBytes; i++)
                sink ^= row[i];
            (void)sink;
        }
    }
    if (c->dstMemoryType == CU_MEMORYTYPE_HOST)
        atomic_fetch_add(&n_copy_to_host, 1);
    return CUDA_SUCCESS;
}

FAKE(f_caps, CUVIDDECODECAPS *c)
{
    bool ok = c->eChromaFormat == cudaVideoChromaFormat_420 && c->nBitDepthMinus8 == 0;
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
FAKE(f_create, CUvideodecoder *d, CUVIDDECODECREATEINFO *info)
{
    last_info = *info;
    *d = (CUvideodecoder)(uintptr_t)atomic_fetch_add(&next_ptr, 16);
    atomic_fetch_add(&n_create, 1);
    return CUDA_SUCCESS;
}
FAKE(f_destroy, CUvideodecoder d) { atomic_fetch_add(&n_destroy, 1); return CUDA_SUCCESS; }
FAKE(f_decode, CUvideodecoder d, CUVIDPICPARAMS *pp)
{
    seen_bits_ptr = pp->pBitstreamData;
    memcpy(seen_bits, pp->pBitstreamData, sizeof(seen_bits));
    for (unsigned i = 0; i < pp->nNumSlices && i < 4; i++)
        seen_offsets[i] = pp->pSliceDataOffsets[i];
    seen_fmo = pp->CodecSpecific.h264.fmo.slice_group_map_addr;
    atomic_fetch_add(&n_decode, 1);
    return CUDA_SUCCESS;
}
FAKE(f_status, CUvideodecoder d, int idx, CUVIDGETDECODESTATUS *st)
{
    st->decodeStatus = cuvidDecodeStatus_Success;
    atomic_fetch_add(&n_status, 1);
    return CUDA_SUCCESS;
}
FAKE(f_map, CUvideodecoder d, int idx, CUdeviceptr *p, unsigned int *pitch, CUVIDPROCPARAMS *pp)
{
    *p = 0x7000000;
    *pitch = 2048;
    atomic_fetch_add(&n_map, 1);
    return CUDA_SUCCESS;
}
FAKE(f_unmap, CUvideodecoder d, CUdeviceptr p) { atomic_fetch_add(&n_unmap, 1); return CUDA_SUCCESS; }

/* Page-locking: counted, never refused (the GPU process's own cap is what
 * is tested). */
static atomic_llong pinned_now;
static atomic_int n_pin_big;
#define BIG_SHARE (200ull << 20)

FAKE(f_host_register, void *p, size_t bytes, unsigned int flags)
{
    atomic_fetch_add(&pinned_now, (long long)bytes);
    if (bytes == BIG_SHARE)
        atomic_fetch_add(&n_pin_big, 1);
    return CUDA_SUCCESS;
}

FAKE(f_host_unregister, void *p)
{
    (void)p;
    return CUDA_SUCCESS;
}

/* Kernels: a module that loads, launches counted with their arguments. */
static atomic_int n_launch;
static struct vk_scale last_launch;
static int module, function;
FAKE(f_module_load, CUmodule *m, const void *image) { *m = (CUmodule)&module; return CUDA_SUCCESS; }
FAKE(f_module_unload, CUmodule m) { return CUDA_SUCCESS; }
FAKE(f_module_function, CUfunction *f, CUmodule m, const char *name)
{
    *f = (CUfunction)&function;
    return CUDA_SUCCESS;
}
FAKE(f_launch, CUfunction f, unsigned int gx, unsigned int gy, unsigned int gz, unsigned int bx,
     unsigned int by, unsigned int bz, unsigned int shared, CUstream s, void **params,
     void **extra)
{
    last_launch = *(const struct vk_scale *)params[0];
    atomic_fetch_add(&n_launch, 1);
    return CUDA_SUCCESS;
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
    .cuvidUnmapVideoFrame = f_unmap,
};

/* ---- a raw worker --------------------------------------------------------------- */

static uint32_t next_id = 1;

/* One request; the reply's status (its body into out), or -1 when the
 * server closed the connection. */
static int call(int fd, uint32_t type, const void *body, size_t len, int pass_fd, void *out,
                size_t out_len)
{
    static uint8_t buf[NGP_MAX_MESSAGE];
    struct ngp_hdr h = {.type = type, .length = (uint32_t)(sizeof(h) + len), .id = next_id++};
    memcpy(buf, &h, sizeof(h));
    if (len)
        memcpy(buf + sizeof(h), body, len);
    if (vh_packet_send(fd, buf, h.length, pass_fd) != 0)
        return -1;
    long n = vh_packet_recv(fd, buf, sizeof(buf), NULL);
    if (n < (long)(sizeof(h) + sizeof(struct ngp_reply)))
        return -1;
    struct ngp_hdr rh;
    struct ngp_reply rp;
    memcpy(&rh, buf, sizeof(rh));
    memcpy(&rp, buf + sizeof(rh), sizeof(rp));
    CHECK_EQ(rh.type, type | NGP_REPLY);
    CHECK_EQ(rh.id, h.id);
    if (out && rp.status == 0 && (size_t)n >= sizeof(rh) + sizeof(rp) + out_len)
        memcpy(out, buf + sizeof(rh) + sizeof(rp), out_len);
    if (rp.status)
        printf("  refused as expected? %s\n", rp.message);
    return rp.status;
}

struct worker {
    int fd;                                   /* ours */
    uint8_t *staging;
    size_t staging_size;
};

#define STAGING (1u << 20)

static int make_staging(size_t size, bool seal)
{
    int fd = memfd_create("staging", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0 || ftruncate(fd, (off_t)size) != 0)
        return -1;
    if (seal && fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_SEAL) != 0)
        return -1;
    return fd;
}

static void worker_start(struct ngp_server *s, struct worker *w, uint32_t id, uint64_t limit)
{
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0);
    struct vh_error err;
    CHECK_EQ(ngp_server_attach(s, id, limit, sv[1], &err), VW_OK);
    w->fd = sv[0];
    struct ngp_hello hello = {.version = NGP_VERSION};
    struct ngp_hello_reply hr = {0};
    CHECK_EQ(call(w->fd, NGP_HELLO, &hello, sizeof(hello), -1, &hr, sizeof(hr)), VW_OK);
    CHECK_EQ(hr.caps[NVDEC_KIND_H264][NVDEC_OUT_420_8].supported, 1);
    CHECK_EQ(hr.gpu_limit, limit);
    int mfd = make_staging(STAGING, true);
    CHECK(mfd >= 0);
    w->staging = mmap(NULL, STAGING, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
    w->staging_size = STAGING;
    struct ngp_set_staging st = {.size = STAGING};
    CHECK_EQ(call(w->fd, NGP_SET_STAGING, &st, sizeof(st), mfd, NULL, 0), VW_OK);
    close(mfd);
}

static struct ngp_dec_create h264_decoder(uint32_t id, uint32_t w, uint32_t h, uint32_t surfaces)
{
    return (struct ngp_dec_create){
        .dec_id = id, .codec_type = cudaVideoCodec_H264,
        .chroma_format = cudaVideoChromaFormat_420, .output_format = cudaVideoSurfaceFormat_NV12,
        .width = w, .height = h, .max_width = w, .max_height = h, .target_width = w,
        .target_height = h, .num_decode_surfaces = surfaces, .num_output_surfaces = 2,
        .deinterlace_mode = cudaVideoDeinterlaceMode_Weave,
        .creation_flags = cudaVideoCreate_PreferCUVID, .display_right = (int16_t)w,
        .display_bottom = (int16_t)h};
}

/* A DECODE of an H.264 picture in slot `idx` (all references none). */
struct decode_msg {
    struct ngp_decode d;
    uint32_t offsets[2];
};

static struct decode_msg h264_picture(uint32_t dec_id, int idx)
{
    struct decode_msg m;
    memset(&m, 0, sizeof(m));
    m.d.dec_id = dec_id;
    m.d.num_offsets = 2;
    m.d.bitstream_offset = 4096;
    m.d.bitstream_size = 1000;
    CUVIDPICPARAMS *pp = &m.d.params;
    pp->PicWidthInMbs = 120;
    pp->FrameHeightInMbs = 68;
    pp->CurrPicIdx = idx;
    pp->nBitstreamDataLen = 1000;
    pp->nNumSlices = 2;
    pp->pBitstreamData = (const unsigned char *)(uintptr_t)0xdeadbeef;   /* never used */
    pp->pSliceDataOffsets = (const unsigned int *)(uintptr_t)0xdeadbeef;
    pp->CodecSpecific.h264.fmo.slice_group_map_addr = 0x1234;
    for (int i = 0; i < 16; i++)
        pp->CodecSpecific.h264.dpb[i].PicIdx = -1;
    m.offsets[0] = 0;
    m.offsets[1] = 500;
    return m;
}

/* An MPEG-4 B-VOP in slot `idx` between slots 0 and 1, as the parser
 * fills it for an interlaced stream with MPEG quantisation. */
static struct decode_msg mpeg4_picture(uint32_t dec_id, int idx)
{
    struct decode_msg m;
    memset(&m, 0, sizeof(m));
    m.d.dec_id = dec_id;
    m.d.num_offsets = 1;
    m.d.bitstream_offset = 4096;
    m.d.bitstream_size = 1000;
    CUVIDPICPARAMS *pp = &m.d.params;
    pp->PicWidthInMbs = 22;
    pp->FrameHeightInMbs = 18;
    pp->CurrPicIdx = idx;
    pp->nBitstreamDataLen = 1000;
    pp->nNumSlices = 1;
    CUVIDMPEG4PICPARAMS *v = &pp->CodecSpecific.mpeg4;
    v->ForwardRefIdx = 0;
    v->BackwardRefIdx = 1;
    v->video_object_layer_width = 350;
    v->video_object_layer_height = 288;
    v->vop_time_increment_bitcount = 5;
    v->top_field_first = 1;
    v->quant_type = 1;
    v->quarter_sample = 1;
    v->vop_coding_type = 2;
    v->vop_coded = 1;
    v->alternate_vertical_scan_flag = 1;
    v->interlaced = 1;
    v->vop_fcode_forward = 2;
    v->vop_fcode_backward = 1;
    v->trd[0] = 3, v->trd[1] = 3;
    v->trb[0] = 1, v->trb[1] = 1;
    memset(v->QuantMatrixIntra, 16, 64);
    memset(v->QuantMatrixInter, 17, 64);
    return m;
}

static int send_decode(int fd, const struct decode_msg *m)
{
    /* The offsets it has, no more (the server takes the rest as garbage). */
    size_t n = m->d.num_offsets <= 2 ? m->d.num_offsets : 2;
    return call(fd, NGP_DECODE, m, sizeof(m->d) + n * sizeof(m->offsets[0]), -1, NULL, 0);
}

static struct ngp_surf_io nv12_read(uint32_t surface, uint32_t w, uint32_t h, uint64_t offset)
{
    return (struct ngp_surf_io){
        .surface = surface, .width = w, .height = h, .offset = offset,
        .size = (uint64_t)w * h * 3 / 2,
        .layout = {.pixel_format = VW_FOURCC_NV12, .num_planes = 2, .pitches = {w, w},
                   .offsets = {0, w * h}}};
}

static bool wait_for(atomic_int *counter, int value)
{
    for (int i = 0; i < 400 && atomic_load(counter) < value; i++)
        nanosleep(&(struct timespec){.tv_nsec = 5000000}, NULL);
    return atomic_load(counter) >= value;
}

int main(void)
{
    struct nvdec_engine *e;
    struct vh_error err;
    CHECK_EQ(nvdec_engine_open(&e, &fake_cu, &fake_cv, &err), VW_OK);
    e->mem_host_register = f_host_register;
    e->mem_host_unregister = f_host_unregister;
    struct ngp_server *s;
    CHECK_EQ(ngp_server_create(e, &s, &err), VW_OK);
    struct worker a, b, c;
    worker_start(s, &a, 1, 0);
    worker_start(s, &b, 2, 0);
    worker_start(s, &c, 3, 32ull << 20);

    /* A well-formed sequence. */
    struct ngp_dec_create dc = h264_decoder(7, 1920, 1088, 8);
    CHECK_EQ(call(a.fd, NGP_DEC_CREATE, &dc, sizeof(dc), -1, NULL, 0), VW_OK);
    CHECK_EQ(atomic_load(&n_create), 1);
    CHECK_EQ(last_info.ulNumDecodeSurfaces, 8);
    CHECK(last_info.vidLock == NULL);
    struct ngp_surf_create sc = {.surface = 100, .width = 1920, .height = 1080,
                                 .rt_format = VW_RT_YUV420, .pixel_format = VW_FOURCC_NV12};
    CHECK_EQ(call(a.fd, NGP_SURF_CREATE, &sc, sizeof(sc), -1, NULL, 0), VW_OK);
    /* Surfaces up to the largest size of any codec the GPU decodes (the
     * fake's 4096x4096, past H.264's 4096x2304), no larger. */
    struct ngp_surf_create big = sc;
    big.surface = 150, big.width = 4096, big.height = 4096;
    CHECK_EQ(call(a.fd, NGP_SURF_CREATE, &big, sizeof(big), -1, NULL, 0), VW_OK);
    struct ngp_id big_id = {.id = 150};
    CHECK_EQ(call(a.fd, NGP_SURF_DESTROY, &big_id, sizeof(big_id), -1, NULL, 0), VW_OK);
    big.width = 4112, big.height = 64;
    CHECK(call(a.fd, NGP_SURF_CREATE, &big, sizeof(big), -1, NULL, 0) == VW_ERR_RESOLUTION);
    big.width = 64, big.height = 4112;
    CHECK(call(a.fd, NGP_SURF_CREATE, &big, sizeof(big), -1, NULL, 0) == VW_ERR_RESOLUTION);
    for (int i = 0; i < 1000; i++)
        a.staging[4096 + i] = (uint8_t)(i * 7 + 1);
    struct decode_msg dm = h264_picture(7, 0);
    CHECK_EQ(send_decode(a.fd, &dm), VW_OK);
    CHECK_EQ(atomic_load(&n_decode), 1);
    CHECK(seen_bits_ptr != (const void *)(uintptr_t)0xdeadbeef);
    CHECK(memcmp(seen_bits, a.staging + 4096, sizeof(seen_bits)) == 0);
    CHECK_EQ(seen_offsets[1], 500);
    CHECK_EQ(seen_fmo, 0);
    struct ngp_capture cap = {.dec_id = 7, .surface = 100, .idx = 0, .width = 1920,
                              .height = 1080};
    CHECK_EQ(call(a.fd, NGP_CAPTURE, &cap, sizeof(cap), -1, NULL, 0), VW_OK);
    CHECK_EQ(atomic_load(&n_status), 1);
    CHECK_EQ(atomic_load(&n_map), 1);
    CHECK_EQ(atomic_load(&n_unmap), 1);
    memset(a.staging, 0, 64 * 48);
    struct ngp_surf_io rd = nv12_read(100, 64, 32, 0);
    CHECK_EQ(call(a.fd, NGP_SURF_READ, &rd, sizeof(rd), -1, NULL, 0), VW_OK);
    CHECK(atomic_load(&n_copy_to_host) >= 2);   /* both planes */
    CHECK_EQ(a.staging[0], 0x5a);
    CHECK_EQ(a.staging[64 * 48 - 1], 0x5a);
    CHECK_EQ(a.staging[64 * 48], 0);            /* nothing beyond the layout */

    /* PROCESS: surface 100 scaled into 101, both planes launched; what is
     * not this worker's, not inside the surfaces, or not 0 where it must
     * be, launches nothing. */
    struct ngp_surf_create sc2 = sc;
    sc2.surface = 101, sc2.width = 640, sc2.height = 360;
    CHECK_EQ(call(a.fd, NGP_SURF_CREATE, &sc2, sizeof(sc2), -1, NULL, 0), VW_OK);
    struct ngp_process pr = {.source = 100, .output = 101, .src = {0, 0, 1920, 1080},
                             .dst = {0, 0, 640, 360}, .field = 2};
    CHECK_EQ(call(a.fd, NGP_PROCESS, &pr, sizeof(pr), -1, NULL, 0), VW_OK);
    CHECK_EQ(atomic_load(&n_launch), 2);
    CHECK_EQ(last_launch.comps, 2);               /* chroma last: pairs, halved */
    CHECK_EQ(last_launch.dst.width, 320);
    CHECK_EQ(last_launch.src.height, 540);
    CHECK_EQ(last_launch.field, 2);
    struct ngp_process wrong = pr;
    wrong.output = 100;
    CHECK(call(a.fd, NGP_PROCESS, &wrong, sizeof(wrong), -1, NULL, 0) == VW_ERR_MALFORMED);
    struct ngp_process malformed;
    malformed = pr;
    malformed.dst[2] = 642;
    CHECK(call(a.fd, NGP_PROCESS, &malformed, sizeof(malformed), -1, NULL, 0) != VW_OK);
    malformed = pr, malformed.src[1] = 1;                     /* splits a chroma sample */
    CHECK(call(a.fd, NGP_PROCESS, &malformed, sizeof(malformed), -1, NULL, 0) != VW_OK);
    malformed = pr, malformed.src[0] = 0xfffffff0u;           /* wraps */
    CHECK(call(a.fd, NGP_PROCESS, &malformed, sizeof(malformed), -1, NULL, 0) != VW_OK);
    malformed = pr, malformed.field = 3;
    CHECK(call(a.fd, NGP_PROCESS, &malformed, sizeof(malformed), -1, NULL, 0) == VW_ERR_MALFORMED);
    malformed = pr, malformed.standard = VW_COLOR_BT709;    /* a matrix for a YUV output */
    CHECK(call(a.fd, NGP_PROCESS, &malformed, sizeof(malformed), -1, NULL, 0) == VW_ERR_MALFORMED);
    malformed = pr, malformed.reserved = 1;
    CHECK(call(a.fd, NGP_PROCESS, &malformed, sizeof(malformed), -1, NULL, 0) == VW_ERR_MALFORMED);
    CHECK(call(b.fd, NGP_PROCESS, &pr, sizeof(pr), -1, NULL, 0) == VW_ERR_INVALID_ID);
    CHECK_EQ(atomic_load(&n_launch), 2);

    /* Unknown ids and another worker's objects reach no fake. */
    int decodes = atomic_load(&n_decode), maps = atomic_load(&n_map);
    int copies = atomic_load(&n_copy_to_host);
    dm = h264_picture(99, 0);
    CHECK(send_decode(a.fd, &dm) == VW_ERR_INVALID_ID);
    dm = h264_picture(7, 0);
    CHECK(send_decode(b.fd, &dm) == VW_ERR_INVALID_ID);
    CHECK(call(b.fd, NGP_CAPTURE, &cap, sizeof(cap), -1, NULL, 0) == VW_ERR_INVALID_ID);
    CHECK(call(b.fd, NGP_SURF_READ, &rd, sizeof(rd), -1, NULL, 0) == VW_ERR_INVALID_ID);
    struct ngp_id del = {.id = 7};
    CHECK(call(b.fd, NGP_DEC_DESTROY, &del, sizeof(del), -1, NULL, 0) == VW_ERR_INVALID_ID);
    CHECK_EQ(atomic_load(&n_decode), decodes);
    CHECK_EQ(atomic_load(&n_map), maps);
    CHECK_EQ(atomic_load(&n_copy_to_host), copies);
    CHECK_EQ(atomic_load(&n_destroy), 0);

    /* Picture indices out of the decoder's 8 slots. */
    dm = h264_picture(7, 8);
    CHECK(send_decode(a.fd, &dm) != VW_OK);
    dm = h264_picture(7, -2);
    CHECK(send_decode(a.fd, &dm) != VW_OK);
    dm = h264_picture(7, 0);
    dm.d.params.CodecSpecific.h264.dpb[3].PicIdx = 9;
    CHECK(send_decode(a.fd, &dm) != VW_OK);
    cap.idx = 8;
    CHECK(call(a.fd, NGP_CAPTURE, &cap, sizeof(cap), -1, NULL, 0) != VW_OK);
    cap.idx = 0;
    /* Bitstreams and slices beyond the staging buffer. */
    dm = h264_picture(7, 0);
    dm.d.bitstream_offset = STAGING - 10;
    CHECK(send_decode(a.fd, &dm) == VW_ERR_OUT_OF_BOUNDS);
    dm = h264_picture(7, 0);
    dm.offsets[1] = 1000;
    CHECK(send_decode(a.fd, &dm) == VW_ERR_OUT_OF_BOUNDS);
    dm = h264_picture(7, 0);
    dm.d.params.nNumSlices = 3;                   /* more than the offsets sent */
    CHECK(send_decode(a.fd, &dm) != VW_OK);
    rd = nv12_read(100, 64, 32, STAGING - 64);
    CHECK(call(a.fd, NGP_SURF_READ, &rd, sizeof(rd), -1, NULL, 0) == VW_ERR_OUT_OF_BOUNDS);
    rd = nv12_read(100, 64, 32, 0);
    rd.layout.pitches[0] = 16;                    /* rows narrower than the rectangle */
    CHECK(call(a.fd, NGP_SURF_READ, &rd, sizeof(rd), -1, NULL, 0) != VW_OK);
    CHECK_EQ(atomic_load(&n_decode), decodes);
    CHECK_EQ(atomic_load(&n_map), maps);
    CHECK_EQ(atomic_load(&n_copy_to_host), copies);

    /* MPEG-4: a B-VOP decodes; hostile VOL/VOP fields reach no fake. */
    struct ngp_dec_create m4 = h264_decoder(8, 352, 288, 6);
    m4.codec_type = cudaVideoCodec_MPEG4;
    CHECK_EQ(call(a.fd, NGP_DEC_CREATE, &m4, sizeof(m4), -1, NULL, 0), VW_OK);
    dm = mpeg4_picture(8, 2);
    CHECK_EQ(send_decode(a.fd, &dm), VW_OK);
    CHECK_EQ(atomic_load(&n_decode), decodes + 1);
    decodes = atomic_load(&n_decode);
    for (int bad = 0; bad < 17; bad++) {
        dm = mpeg4_picture(8, 2);
        CUVIDMPEG4PICPARAMS *v = &dm.d.params.CodecSpecific.mpeg4;
        switch (bad) {
        case 0: v->ForwardRefIdx = 6; break;      /* the decoder has 6 slots */
        case 1: v->BackwardRefIdx = -2; break;
        case 2: v->vop_coding_type = 3; break;    /* S-VOP */
        case 3: v->gmc_enabled = 1; break;
        case 4: v->short_video_header = 1; break;
        case 5: v->divx_flags = 2; break;
        case 6: v->vop_time_increment_bitcount = 0; break;
        case 7: v->vop_time_increment_bitcount = 17; break;
        case 8: v->vop_fcode_forward = 8; break;
        case 9: v->trd[0] = 0, v->trb[0] = 0; break;   /* direct mode divides by TRD */
        case 10: v->trb[0] = 3; break;            /* not inside TRD */
        case 11: v->trb[1] = -1; break;
        case 12: v->QuantMatrixInter[63] = 0; break;
        case 13: v->interlaced = 2; break;
        case 14: v->video_object_layer_width = 368; break;   /* beyond the decoder */
        case 15: v->video_object_layer_height = 0; break;
        case 16: v->quarter_sample = -1; break;
        }
        CHECK(send_decode(a.fd, &dm) != VW_OK);
    }
    CHECK_EQ(atomic_load(&n_decode), decodes);
    /* Fields a P-VOP or a quant_type 0 stream leaves unused are not checked. */
    dm = mpeg4_picture(8, 2);
    dm.d.params.CodecSpecific.mpeg4.vop_coding_type = 1;
    dm.d.params.CodecSpecific.mpeg4.trd[0] = 0;
    dm.d.params.CodecSpecific.mpeg4.quant_type = 0;
    memset(dm.d.params.CodecSpecific.mpeg4.QuantMatrixIntra, 0, 64);
    CHECK_EQ(send_decode(a.fd, &dm), VW_OK);
    CHECK_EQ(atomic_load(&n_decode), decodes + 1);
    dm = mpeg4_picture(8, 2);                     /* progressive: no field distances */
    dm.d.params.CodecSpecific.mpeg4.interlaced = 0;
    dm.d.params.CodecSpecific.mpeg4.alternate_vertical_scan_flag = 0;
    dm.d.params.CodecSpecific.mpeg4.trb[1] = -1;
    CHECK_EQ(send_decode(a.fd, &dm), VW_OK);
    CHECK_EQ(atomic_load(&n_decode), decodes + 2);
    decodes = atomic_load(&n_decode);
    struct ngp_id m4_id = {.id = 8};
    CHECK_EQ(call(a.fd, NGP_DEC_DESTROY, &m4_id, sizeof(m4_id), -1, NULL, 0), VW_OK);
    CHECK(wait_for(&n_destroy, 1));

    /* A staging memfd that could shrink under the GPU process. */
    int unsealed = make_staging(STAGING, false);
    struct ngp_set_staging st = {.size = STAGING};
    CHECK(call(a.fd, NGP_SET_STAGING, &st, sizeof(st), unsealed, NULL, 0) != VW_OK);
    close(unsealed);
    int small = make_staging(4096, true);
    CHECK(call(a.fd, NGP_SET_STAGING, &st, sizeof(st), small, NULL, 0) != VW_OK);
    close(small);
    dm = h264_picture(7, 0);                      /* the old buffer is still there */
    CHECK_EQ(send_decode(a.fd, &dm), VW_OK);

    /* Memory a worker shares (a session's arena): pictures read straight
     * into it, within it, by its owner only, while shared. */
    int arena_fd = make_staging(STAGING, true);
    uint8_t *arena = mmap(NULL, STAGING, PROT_READ | PROT_WRITE, MAP_SHARED, arena_fd, 0);
    CHECK(arena != MAP_FAILED);
    struct ngp_share_memory sh = {.id = 300, .size = STAGING};
    CHECK_EQ(call(a.fd, NGP_SHARE_MEMORY, &sh, sizeof(sh), arena_fd, NULL, 0), VW_OK);
    CHECK(call(a.fd, NGP_SHARE_MEMORY, &sh, sizeof(sh), arena_fd, NULL, 0) == VW_ERR_INVALID_ID);
    sh.id = 100;                                  /* a surface's id */
    CHECK(call(a.fd, NGP_SHARE_MEMORY, &sh, sizeof(sh), arena_fd, NULL, 0) == VW_ERR_INVALID_ID);
    unsealed = make_staging(STAGING, false);
    sh.id = 301;
    CHECK(call(a.fd, NGP_SHARE_MEMORY, &sh, sizeof(sh), unsealed, NULL, 0) == VW_ERR_MALFORMED);
    close(unsealed);
    sh.size = 2 * STAGING;                        /* more than the file holds */
    CHECK(call(a.fd, NGP_SHARE_MEMORY, &sh, sizeof(sh), arena_fd, NULL, 0) == VW_ERR_MALFORMED);
    close(arena_fd);
    copies = atomic_load(&n_copy_to_host);
    rd = nv12_read(100, 64, 32, 8192);
    rd.memory = 300;
    memset(a.staging, 0, 64 * 48);
    CHECK_EQ(call(a.fd, NGP_SURF_READ, &rd, sizeof(rd), -1, NULL, 0), VW_OK);
    CHECK_EQ(arena[8192], 0x5a);
    CHECK_EQ(arena[8192 + 64 * 48 - 1], 0x5a);
    CHECK_EQ(arena[8191], 0);
    CHECK_EQ(arena[8192 + 64 * 48], 0);
    CHECK_EQ(a.staging[0], 0);                    /* not through the staging buffer */
    rd.offset = STAGING - 64;
    CHECK(call(a.fd, NGP_SURF_READ, &rd, sizeof(rd), -1, NULL, 0) == VW_ERR_OUT_OF_BOUNDS);
    rd.offset = UINT64_MAX - 8;
    CHECK(call(a.fd, NGP_SURF_READ, &rd, sizeof(rd), -1, NULL, 0) == VW_ERR_OUT_OF_BOUNDS);
    rd.offset = 0;
    rd.memory = 301;                              /* never shared */
    CHECK(call(a.fd, NGP_SURF_READ, &rd, sizeof(rd), -1, NULL, 0) == VW_ERR_INVALID_ID);
    rd.memory = 300;
    CHECK(call(b.fd, NGP_SURF_READ, &rd, sizeof(rd), -1, NULL, 0) == VW_ERR_INVALID_ID);
    struct ngp_id unshare = {.id = 300};
    CHECK(call(b.fd, NGP_UNSHARE_MEMORY, &unshare, sizeof(unshare), -1, NULL, 0) ==
          VW_ERR_INVALID_ID);
    CHECK_EQ(call(a.fd, NGP_UNSHARE_MEMORY, &unshare, sizeof(unshare), -1, NULL, 0), VW_OK);
    CHECK(call(a.fd, NGP_SURF_READ, &rd, sizeof(rd), -1, NULL, 0) == VW_ERR_INVALID_ID);
    CHECK_EQ(atomic_load(&n_copy_to_host), copies + 2);   /* the one good read, 2 planes */
    munmap(arena, STAGING);

    /* A worker's page-locked host memory is capped (NGP_PIN_MAX_PER_WORKER,
     * 512 MiB): a third share of 200 MiB stays pageable, and is locked once
     * another is unshared. */
    int big_fd[3];
    for (int i = 0; i < 3; i++) {
        big_fd[i] = memfd_create("big", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        CHECK(big_fd[i] >= 0 && ftruncate(big_fd[i], (off_t)BIG_SHARE) == 0 &&
              fcntl(big_fd[i], F_ADD_SEALS, F_SEAL_SHRINK) == 0);
        struct ngp_share_memory bs = {.id = 400 + (uint32_t)i, .size = BIG_SHARE};
        CHECK_EQ(call(a.fd, NGP_SHARE_MEMORY, &bs, sizeof(bs), big_fd[i], NULL, 0), VW_OK);
    }
    CHECK_EQ(atomic_load(&n_pin_big), 2);
    struct ngp_id first_big = {.id = 400};
    CHECK_EQ(call(a.fd, NGP_UNSHARE_MEMORY, &first_big, sizeof(first_big), -1, NULL, 0), VW_OK);
    struct ngp_share_memory again = {.id = 403, .size = BIG_SHARE};
    CHECK_EQ(call(a.fd, NGP_SHARE_MEMORY, &again, sizeof(again), big_fd[0], NULL, 0), VW_OK);
    CHECK_EQ(atomic_load(&n_pin_big), 3);
    for (int i = 0; i < 3; i++)
        close(big_fd[i]);

    /* The GPU limit of worker c (32 MiB): a 1080p decoder passes it. */
    int creates = atomic_load(&n_create);
    dc = h264_decoder(1, 1920, 1088, 20);
    CHECK(call(c.fd, NGP_DEC_CREATE, &dc, sizeof(dc), -1, NULL, 0) == VW_ERR_LIMIT);
    CHECK_EQ(atomic_load(&n_create), creates);
    dc = h264_decoder(1, 64, 64, 4);
    CHECK_EQ(call(c.fd, NGP_DEC_CREATE, &dc, sizeof(dc), -1, NULL, 0), VW_OK);
    CHECK_EQ(atomic_load(&n_create), creates + 1);
    /* Beyond the caps table or NVDEC_MAX_DECODE_SURFACES. */
    dc = h264_decoder(2, 1920, 1088, NVDEC_MAX_DECODE_SURFACES + 1);
    CHECK(call(a.fd, NGP_DEC_CREATE, &dc, sizeof(dc), -1, NULL, 0) != VW_OK);
    dc = h264_decoder(2, 32, 16, 4);              /* under the 48-pixel minimum */
    CHECK(call(a.fd, NGP_DEC_CREATE, &dc, sizeof(dc), -1, NULL, 0) != VW_OK);
    dc = h264_decoder(7, 64, 64, 4);              /* id in use */
    CHECK(call(a.fd, NGP_DEC_CREATE, &dc, sizeof(dc), -1, NULL, 0) != VW_OK);
    CHECK_EQ(atomic_load(&n_create), creates + 1);

    /* A closed worker's decoders are destroyed; the others' stay. */
    close(a.fd);
    CHECK(wait_for(&n_destroy, 2));
    CHECK_EQ(atomic_load(&n_destroy), 2);
    /* Garbage ends the connection. */
    uint8_t junk[3] = {1, 2, 3};
    CHECK_EQ(vh_packet_send(b.fd, junk, sizeof(junk), -1), 0);
    uint8_t buf[64];
    CHECK_EQ(vh_packet_recv(b.fd, buf, sizeof(buf), NULL), 0);
    close(b.fd);

    /* The worker's remote device: a surface written and read back through
     * a lane it opens (OPEN_LANE) and that lane's staging memfd. */
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0);
    CHECK_EQ(ngp_server_attach(s, 4, 0, sv[1], &err), VW_OK);
    struct nvdec_engine re = {.base.ops = &vh_engine_nvdec, .dev = &nvdec_device_remote};
    CHECK_EQ(nvdec_remote_open(&re.remote, sv[0], &err), VW_OK);
    struct ngp_hello hello = {.version = NGP_VERSION};
    struct ngp_hello_reply hr;
    CHECK_EQ(nvdec_remote_call(re.remote, NULL, NGP_HELLO, &hello, sizeof(hello), NULL, 0, -1,
                               &hr, sizeof(hr), &err), VW_OK);
    struct vh_surface surf = {.id = 1, .width = 64, .height = 32, .rt_format = VW_RT_YUV420,
                              .pixel_format = VW_FOURCC_NV12};
    CHECK_EQ(vh_engine_nvdec.surface_init(&re.base, &surf, &err), VW_OK);
    static uint8_t img[64 * 48], back[64 * 48 + 16];
    memset(img, 0x11, sizeof(img));
    struct vw_image_layout lay = {.pixel_format = VW_FOURCC_NV12, .num_planes = 2,
                                  .pitches = {64, 64}, .offsets = {0, 64 * 32}};
    struct vh_rect whole = {0, 0, 64, 32};
    CHECK_EQ(vh_engine_nvdec.surface_write(&re.base, &surf, &whole, 0, 0, &lay, img, &err),
             VW_OK);
    CHECK_EQ(vh_engine_nvdec.surface_read(&re.base, &surf, &whole, &lay, back, &err), VW_OK);
    CHECK_EQ(back[0], 0x5a);
    CHECK_EQ(back[64 * 48 - 1], 0x5a);
    CHECK_EQ(back[64 * 48], 0);                   /* nothing beyond the layout */
    /* A session's arena shared with the GPU process: read straight into it;
     * memory without an fd is not shared. */
    int afd = make_staging(STAGING, true);
    uint8_t *ar = mmap(NULL, STAGING, PROT_READ | PROT_WRITE, MAP_SHARED, afd, 0);
    void *handle = NULL, *none = NULL;
    CHECK_EQ(vh_engine_nvdec.host_memory_register(&re.base, ar, STAGING, afd, &handle), 0);
    CHECK(handle != NULL);
    CHECK(vh_engine_nvdec.host_memory_register(&re.base, back, sizeof(back), -1, &none) != 0);
    close(afd);
    int before = atomic_load(&n_copy_to_host);
    CHECK_EQ(vh_engine_nvdec.surface_read(&re.base, &surf, &whole, &lay, ar + 4096, &err), VW_OK);
    CHECK_EQ(ar[4096], 0x5a);
    CHECK_EQ(ar[4096 + 64 * 48 - 1], 0x5a);
    CHECK_EQ(ar[4095], 0);
    CHECK_EQ(atomic_load(&n_copy_to_host), before + 2);
    vh_engine_nvdec.host_memory_unregister(&re.base, handle);
    munmap(ar, STAGING);
    vh_engine_nvdec.surface_fini(&re.base, &surf);
    CHECK(surf.engine_data == NULL);
    nvdec_remote_free(&re.remote);

    ngp_server_destroy(&s);                       /* c's decoder goes too */
    struct vh_engine *base = &e->base;
    vh_engine_nvdec.destroy(&base);               /* the reaper drains its queue */
    CHECK_EQ(atomic_load(&n_destroy), 3);
    close(c.fd);
    munmap(a.staging, STAGING);
    munmap(b.staging, STAGING);
    munmap(c.staging, STAGING);
    return check_finish("test_nvdec_gpu_server");
}
