/*
 * nvdec_native: native NVDEC reference benchmark.
 *
 * Decodes H.264 / HEVC Annex-B elementary streams with NVIDIA's own parser
 * (cuvidCreateVideoParser / cuvidParseVideoData) and decoder
 * (cuvidCreateDecoder / cuvidDecodePicture / cuvidMapVideoFrame), N streams
 * at once: one thread, one parser and one decoder per stream, all sharing
 * the device's primary CUDA context (each thread pushes it for its lifetime).
 * vivac's forwarded throughput (vivac replay against vivacd --engine nvdec)
 * is compared with this number on the same GPU in one run.
 *
 * libcuda.so.1 / libnvcuvid.so.1 are loaded at run time through the
 * ffnvcodec loader: nothing NVIDIA (and nothing from FFmpeg) at build or
 * link time. Without a usable driver or device the program exits with 77,
 * meson's "skipped" status.
 *
 * Where pictures are mapped (--map):
 *   decode   (default) map each picture right after cuvidDecodePicture, from
 *            the decode callback: what a decode-order consumer (a VA-API
 *            client that syncs each surface) does; one picture in flight.
 *   display  map in the display callback (NVIDIA's samples; pipelined).
 *   none     decode only, never map (raw engine throughput; no latency).
 * Field pairs are mapped once, after the second field (Weave output).
 * Latency = cuvidDecodePicture submit -> cuvidMapVideoFrame returned (plus
 * the readback when --readback is on).
 *
 * Pacing (--fps F, with --map decode): a stream plays as vivac replay --fps
 * does: its clock starts at its first picture, frame k >= 1 is submitted no
 * earlier than k/F after it and is late if mapped after (k+1)/F; --stagger
 * MS starts stream i i*MS after the first, --duration S ends every stream S
 * seconds after the first started, and --window A:B counts the frames
 * mapped, and the late, between A and B seconds after that start: the
 * native side of vivac's density figure (bench/qos_bench.sh).
 *
 * --md5 hashes the visible picture (Y rows, then interleaved UV rows; two
 * bytes a sample for >8-bit P016) where it is mapped, so the order is the
 * --map order; --md5 without --map selects display order.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ffnvcodec/dynlink_loader.h>
#include <openssl/evp.h>

#define SKIP_STATUS 77
#define FEED_CHUNK (256 * 1024)
#define COPY_BENCH_RUNS 50

enum map_mode { MAP_DECODE, MAP_DISPLAY, MAP_NONE };

/* cuMemAllocHost / cuMemFreeHost are not in ffnvcodec's CudaFunctions:
 * looked up in the same libcuda handle. */
typedef CUresult CUDAAPI tcuMemAllocHost_v2(void **pp, size_t bytesize);
typedef CUresult CUDAAPI tcuMemFreeHost(void *p);

static CudaFunctions *cu;
static CuvidFunctions *cv;
static tcuMemAllocHost_v2 *cu_mem_alloc_host;
static tcuMemFreeHost *cu_mem_free_host;
static CUcontext g_ctx;
static CUdevice g_dev;

static struct options {
    int streams;
    cudaVideoCodec codec;
    const char *codec_name;
    int repeat;
    bool readback;
    bool md5;
    enum map_mode map;
    bool map_given;
    bool fresh_decoder;
    int copy_w, copy_h;
    bool caps;                    /* --caps: print what NVDEC decodes */
    double fps;                   /* --fps: paced; 0: as fast as it goes */
    double duration;              /* --duration: seconds from the start; 0: --repeat */
    double stagger;               /* --stagger: seconds between stream starts */
    double window[2];             /* --window A:B, seconds from the start */
} opt = { .streams = 1, .codec = cudaVideoCodec_H264, .codec_name = "h264",
          .repeat = 1, .map = MAP_DECODE };

struct input_file {
    const char *path;
    uint8_t *data;
    size_t size;
};

struct stream {
    int index;
    const struct input_file *in;
    pthread_t thread;

    CUvideoparser parser;
    CUvideodecoder decoder;
    CUVIDEOFORMAT fmt;          /* format the decoder was made for */
    unsigned int surfaces;
    unsigned int out_w, out_h;  /* visible (target) size */
    unsigned int bps;           /* bytes a sample: 1 NV12, 2 P016 */

    uint8_t *host;              /* pinned readback buffer */
    size_t host_size;
    EVP_MD_CTX *md5;

    double submit[64];          /* by CurrPicIdx: submit time, seconds */
    double *lat;                /* latencies, microseconds */
    size_t nlat, cap_lat;
    uint64_t frames;            /* pictures mapped (or decoded with --map none) */
    uint64_t decoded;           /* cuvidDecodePicture calls (fields count) */
    double t_start, t_end;
    double t_first;             /* first picture mapped (0: none yet) */
    double clock;               /* --fps: frame k is due at clock + (k+1)/fps */
    uint64_t late;              /* --fps: frames mapped after they were due */
    uint64_t in_window, late_in_window;
    int failed;
};

static pthread_barrier_t start_barrier;
static double g_t0;             /* the barrier: --duration, --window count from it */
static pthread_mutex_t print_lock = PTHREAD_MUTEX_INITIALIZER;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static const char *cu_err(CUresult r)
{
    const char *s = NULL;
    if (cu && cu->cuGetErrorName && cu->cuGetErrorName(r, &s) == CUDA_SUCCESS && s)
        return s;
    return "CUDA error";
}

#define CHECK_CU(call, ...)                                                   \
    do {                                                                      \
        CUresult r_ = (call);                                                 \
        if (r_ != CUDA_SUCCESS) {                                             \
            fprintf(stderr, "nvdec_native: %s failed: %s (%d)\n", #call,      \
                    cu_err(r_), (int)r_);                                     \
            __VA_ARGS__;                                                      \
        }                                                                     \
    } while (0)

/* ---- driver loading ------------------------------------------------------ */

/* Returns 0, or SKIP_STATUS when there is no usable driver or device. */
static int gpu_open(void)
{
    int n = 0;

    if (cuda_load_functions(&cu, NULL) < 0) {
        fprintf(stderr, "nvdec_native: SKIP: NVIDIA driver library libcuda.so.1 "
                        "not loadable (no NVIDIA GPU/driver on this machine)\n");
        return SKIP_STATUS;
    }
    if (cuvid_load_functions(&cv, NULL) < 0) {
        fprintf(stderr, "nvdec_native: SKIP: libnvcuvid.so.1 not loadable "
                        "(NVIDIA driver without the video decode library)\n");
        return SKIP_STATUS;
    }
    cu_mem_alloc_host = (tcuMemAllocHost_v2 *)dlsym(cu->lib, "cuMemAllocHost_v2");
    cu_mem_free_host = (tcuMemFreeHost *)dlsym(cu->lib, "cuMemFreeHost");
    if (!cu_mem_alloc_host || !cu_mem_free_host) {
        fprintf(stderr, "nvdec_native: libcuda.so.1 lacks cuMemAllocHost_v2/cuMemFreeHost\n");
        return 1;
    }
    CUresult r = cu->cuInit(0);
    if (r != CUDA_SUCCESS) {
        fprintf(stderr, "nvdec_native: SKIP: cuInit failed: %s (%d): no usable NVIDIA GPU\n",
                cu_err(r), (int)r);
        return SKIP_STATUS;
    }
    if (cu->cuDeviceGetCount(&n) != CUDA_SUCCESS || n < 1) {
        fprintf(stderr, "nvdec_native: SKIP: no CUDA device\n");
        return SKIP_STATUS;
    }
    CHECK_CU(cu->cuDeviceGet(&g_dev, 0), return 1);
    CHECK_CU(cu->cuDevicePrimaryCtxRetain(&g_ctx, g_dev), return 1);
    char name[128] = "?";
    cu->cuDeviceGetName(name, sizeof(name), g_dev);
    printf("# device 0: %s\n", name);
    return 0;
}

static void gpu_close(void)
{
    if (g_ctx)
        cu->cuDevicePrimaryCtxRelease(g_dev);
    cuvid_free_functions(&cv);
    cuda_free_functions(&cu);
}

/* ---- per-picture work ---------------------------------------------------- */

static int lat_push(struct stream *s, double us)
{
    if (s->nlat == s->cap_lat) {
        size_t cap = s->cap_lat ? s->cap_lat * 2 : 4096;
        double *p = realloc(s->lat, cap * sizeof(*p));
        if (!p)
            return -ENOMEM;
        s->lat = p;
        s->cap_lat = cap;
    }
    s->lat[s->nlat++] = us;
    return 0;
}

/* Copies the visible Y and UV planes of a mapped surface into s->host. */
static int readback(struct stream *s, CUdeviceptr src, unsigned int pitch)
{
    size_t row = (size_t)s->out_w * s->bps;
    size_t ch = (s->out_h + 1) / 2;
    CUDA_MEMCPY2D c = {
        .srcMemoryType = CU_MEMORYTYPE_DEVICE, .srcDevice = src, .srcPitch = pitch,
        .dstMemoryType = CU_MEMORYTYPE_HOST, .dstHost = s->host, .dstPitch = row,
        .WidthInBytes = row, .Height = s->out_h,
    };
    CHECK_CU(cu->cuMemcpy2D(&c), return -EIO);
    /* The UV plane follows the luma plane of the (even) target height. */
    c.srcDevice = src + (CUdeviceptr)pitch * ((s->out_h + 1) & ~1u);
    c.dstHost = s->host + row * s->out_h;
    c.Height = ch;
    CHECK_CU(cu->cuMemcpy2D(&c), return -EIO);
    return 0;
}

static int print_md5(struct stream *s)
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int dl = 0;
    size_t bytes = (size_t)s->out_w * s->bps * (s->out_h + (s->out_h + 1) / 2);
    if (!EVP_DigestInit_ex(s->md5, EVP_md5(), NULL) ||
        !EVP_DigestUpdate(s->md5, s->host, bytes) ||
        !EVP_DigestFinal_ex(s->md5, d, &dl))
        return -EIO;
    char hex[2 * EVP_MAX_MD_SIZE + 1];
    for (unsigned int i = 0; i < dl; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
    pthread_mutex_lock(&print_lock);
    printf("stream %d frame %" PRIu64 " %s\n", s->index, s->frames, hex);
    pthread_mutex_unlock(&print_lock);
    return 0;
}

static void sleep_until(double t)
{
    double d = t - now_s();
    if (d <= 0)
        return;
    struct timespec ts = {.tv_sec = (time_t)d, .tv_nsec = (long)((d - (double)(time_t)d) * 1e9)};
    nanosleep(&ts, NULL);
}

/* --fps: judges picture s->frames, just mapped, and waits until the next
 * one may be submitted. Frame 0 starts the clock (its delay, the decoder's
 * creation with it, is the first-picture figure, not lateness). */
static void pace(struct stream *s)
{
    double now = now_s();
    uint64_t k = s->frames;
    if (k == 0) {
        s->clock = now - 1.0 / opt.fps;
    } else {
        bool late = now > s->clock + (double)(k + 1) / opt.fps;
        s->late += late;
        double at = now - g_t0;
        if (opt.window[1] > 0 && at >= opt.window[0] && at <= opt.window[1]) {
            s->in_window++;
            s->late_in_window += late;
        }
    }
    double next = s->clock + (double)(k + 1) / opt.fps;
    if (!opt.duration || next < g_t0 + opt.duration)
        sleep_until(next);
}

static bool past_end(void)
{
    return opt.duration > 0 && now_s() >= g_t0 + opt.duration;
}

/* Maps picture idx, optionally reads it back and hashes it, unmaps, and
 * records the latency since its submission. */
static int map_picture(struct stream *s, int idx, CUVIDPROCPARAMS *vpp)
{
    CUdeviceptr dptr = 0;
    unsigned int pitch = 0;

    CHECK_CU(cv->cuvidMapVideoFrame(s->decoder, idx, &dptr, &pitch, vpp), return -EIO);
    int ret = 0;
    if (opt.readback)
        ret = readback(s, dptr, pitch);
    CHECK_CU(cv->cuvidUnmapVideoFrame(s->decoder, dptr), ret = -EIO);
    if (ret < 0)
        return ret;
    if (lat_push(s, (now_s() - s->submit[idx]) * 1e6) < 0)
        return -ENOMEM;
    if (opt.md5 && print_md5(s) < 0)
        return -EIO;
    if (!s->frames)
        s->t_first = now_s();
    if (opt.fps > 0)
        pace(s);
    s->frames++;
    return 0;
}

/* ---- parser callbacks (run inside cuvidParseVideoData, on the stream's
 * thread, with the primary context current) ---------------------------- */

static int CUDAAPI on_sequence(void *user, CUVIDEOFORMAT *f)
{
    struct stream *s = user;
    unsigned int surfaces = f->min_num_decode_surfaces + 2;
    if (surfaces > 32)
        surfaces = 32;

    if (s->decoder) {
        if (f->codec == s->fmt.codec && f->coded_width == s->fmt.coded_width &&
            f->coded_height == s->fmt.coded_height &&
            f->chroma_format == s->fmt.chroma_format &&
            f->bit_depth_luma_minus8 == s->fmt.bit_depth_luma_minus8 &&
            !memcmp(&f->display_area, &s->fmt.display_area, sizeof(f->display_area)))
            return (int)s->surfaces;   /* same stream again (--repeat) */
        cv->cuvidDestroyDecoder(s->decoder);
        s->decoder = NULL;
    }
    if (f->chroma_format != cudaVideoChromaFormat_420) {
        fprintf(stderr, "nvdec_native: stream %d: only 4:2:0 is handled\n", s->index);
        goto fail;
    }
    if (cv->cuvidGetDecoderCaps) {
        CUVIDDECODECAPS caps = { .eCodecType = f->codec, .eChromaFormat = f->chroma_format,
                                 .nBitDepthMinus8 = f->bit_depth_luma_minus8 };
        CHECK_CU(cv->cuvidGetDecoderCaps(&caps), goto fail);
        if (!caps.bIsSupported || f->coded_width > caps.nMaxWidth ||
            f->coded_height > caps.nMaxHeight) {
            fprintf(stderr, "nvdec_native: stream %d: %ux%u %d-bit not supported by "
                    "this GPU (max %ux%u)\n", s->index, f->coded_width, f->coded_height,
                    8 + f->bit_depth_luma_minus8, caps.nMaxWidth, caps.nMaxHeight);
            goto fail;
        }
    }

    unsigned int w = (unsigned int)(f->display_area.right - f->display_area.left);
    unsigned int h = (unsigned int)(f->display_area.bottom - f->display_area.top);
    CUVIDDECODECREATEINFO ci = {
        .ulWidth = f->coded_width, .ulHeight = f->coded_height,
        .ulNumDecodeSurfaces = surfaces,
        .CodecType = f->codec, .ChromaFormat = f->chroma_format,
        .ulCreationFlags = cudaVideoCreate_PreferCUVID,
        .bitDepthMinus8 = f->bit_depth_luma_minus8,
        .ulMaxWidth = f->coded_width, .ulMaxHeight = f->coded_height,
        .OutputFormat = f->bit_depth_luma_minus8 ? cudaVideoSurfaceFormat_P016
                                                 : cudaVideoSurfaceFormat_NV12,
        .DeinterlaceMode = cudaVideoDeinterlaceMode_Weave,
        .ulTargetWidth = w, .ulTargetHeight = h,
        .ulNumOutputSurfaces = 2,
    };
    ci.display_area.left = (short)f->display_area.left;
    ci.display_area.top = (short)f->display_area.top;
    ci.display_area.right = (short)f->display_area.right;
    ci.display_area.bottom = (short)f->display_area.bottom;
    CHECK_CU(cv->cuvidCreateDecoder(&s->decoder, &ci), goto fail);

    s->fmt = *f;
    s->surfaces = surfaces;
    s->out_w = w;
    s->out_h = h;
    s->bps = f->bit_depth_luma_minus8 ? 2 : 1;
    size_t need = (size_t)w * s->bps * (h + (h + 1) / 2);
    if (opt.readback && need > s->host_size) {
        if (s->host)
            cu_mem_free_host(s->host);
        s->host = NULL;
        s->host_size = 0;
        CHECK_CU(cu_mem_alloc_host((void **)&s->host, need), goto fail);
        s->host_size = need;
    }
    return (int)surfaces;
fail:
    s->failed = 1;
    return 0;
}

static int CUDAAPI on_decode(void *user, CUVIDPICPARAMS *pic)
{
    struct stream *s = user;
    if (!s->decoder || pic->CurrPicIdx < 0 || pic->CurrPicIdx >= 64)
        goto fail;
    s->submit[pic->CurrPicIdx] = now_s();
    CHECK_CU(cv->cuvidDecodePicture(s->decoder, pic), goto fail);
    s->decoded++;

    /* First field of a pair: the frame is complete after the second one. */
    bool frame_done = !pic->field_pic_flag || pic->second_field;
    if (opt.map == MAP_NONE) {
        if (frame_done)
            s->frames++;
        return 1;
    }
    if (opt.map != MAP_DECODE || !frame_done)
        return 1;
    CUVIDPROCPARAMS vpp = { .progressive_frame = !pic->field_pic_flag,
                            .top_field_first = !pic->bottom_field_flag };
    if (map_picture(s, pic->CurrPicIdx, &vpp) < 0)
        goto fail;
    return 1;
fail:
    s->failed = 1;
    return 0;
}

static int CUDAAPI on_display(void *user, CUVIDPARSERDISPINFO *d)
{
    struct stream *s = user;
    if (!d || opt.map != MAP_DISPLAY)
        return 1;   /* d == NULL: end-of-stream notification */
    if (d->picture_index < 0 || d->picture_index >= 64)
        goto fail;
    CUVIDPROCPARAMS vpp = {
        .progressive_frame = d->progressive_frame,
        .second_field = d->repeat_first_field + 1,
        .top_field_first = d->top_field_first,
        .unpaired_field = d->repeat_first_field < 0,
    };
    if (map_picture(s, d->picture_index, &vpp) < 0)
        goto fail;
    return 1;
fail:
    s->failed = 1;
    return 0;
}

/* ---- stream thread ------------------------------------------------------- */

/* One pass over the file with a fresh parser (the decoder is kept). */
static int decode_once(struct stream *s)
{
    CUVIDPARSERPARAMS pp = {
        .CodecType = opt.codec,
        .ulMaxNumDecodeSurfaces = 1,   /* the sequence callback sets it */
        .ulMaxDisplayDelay = opt.map == MAP_DISPLAY ? 1 : 0,
        .pUserData = s,
        .pfnSequenceCallback = on_sequence,
        .pfnDecodePicture = on_decode,
        .pfnDisplayPicture = on_display,
    };
    CHECK_CU(cv->cuvidCreateVideoParser(&s->parser, &pp), return -EIO);

    int ret = 0;
    for (size_t off = 0; off < s->in->size && !s->failed && !ret && !past_end();
         off += FEED_CHUNK) {
        size_t n = s->in->size - off < FEED_CHUNK ? s->in->size - off : FEED_CHUNK;
        CUVIDSOURCEDATAPACKET pkt = { .payload_size = (tcu_ulong)n,
                                      .payload = s->in->data + off };
        CHECK_CU(cv->cuvidParseVideoData(s->parser, &pkt), ret = -EIO);
    }
    if (!ret) {
        CUVIDSOURCEDATAPACKET eos = { .flags = CUVID_PKT_ENDOFSTREAM };
        CHECK_CU(cv->cuvidParseVideoData(s->parser, &eos), ret = -EIO);
    }
    cv->cuvidDestroyVideoParser(s->parser);
    s->parser = NULL;
    if (s->failed)
        ret = -EIO;
    return ret;
}

static void *stream_main(void *arg)
{
    struct stream *s = arg;
    bool pushed = false;

    if (cu->cuCtxPushCurrent(g_ctx) != CUDA_SUCCESS)
        s->failed = 1;
    else
        pushed = true;
    if (opt.md5 && !(s->md5 = EVP_MD_CTX_new()))
        s->failed = 1;
    pthread_barrier_wait(&start_barrier);

    sleep_until(g_t0 + s->index * opt.stagger);
    s->t_start = now_s();
    for (int k = 0; (opt.duration > 0 ? !past_end() : k < opt.repeat) && !s->failed; k++) {
        if (decode_once(s) < 0)
            s->failed = 1;
        /* --fresh-decoder: a decoder per pass, as a session per pass (vivac
         * replay --repeat) has; its destruction is inside the timing. */
        if (opt.fresh_decoder && k + 1 < opt.repeat && s->decoder) {
            cv->cuvidDestroyDecoder(s->decoder);
            s->decoder = NULL;
        }
    }
    /* With --map none decodes may still run: destroying the decoder waits. */
    if (opt.map != MAP_NONE)
        s->t_end = now_s();
    if (s->decoder)
        cv->cuvidDestroyDecoder(s->decoder);
    s->decoder = NULL;
    if (opt.map == MAP_NONE)
        s->t_end = now_s();
    if (s->host)
        cu_mem_free_host(s->host);
    s->host = NULL;
    if (pushed) {
        CUcontext dummy;
        cu->cuCtxPopCurrent(&dummy);
    }
    EVP_MD_CTX_free(s->md5);
    s->md5 = NULL;
    return NULL;
}

/* ---- readback microbenchmark ---------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double percentile(double *sorted, size_t n, double p)
{
    if (!n)
        return 0;
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return sorted[i < n ? i : n - 1];
}

/* Median GB/s of COPY_BENCH_RUNS device->host cuMemcpy2D of one NV12 frame. */
static int copy_bench_one(CUdeviceptr src, size_t pitch, void *dst, const char *what,
                          double *gbps)
{
    size_t row = (size_t)opt.copy_w, rows = (size_t)opt.copy_h + (opt.copy_h + 1) / 2;
    CUDA_MEMCPY2D c = {
        .srcMemoryType = CU_MEMORYTYPE_DEVICE, .srcDevice = src, .srcPitch = pitch,
        .dstMemoryType = CU_MEMORYTYPE_HOST, .dstHost = dst, .dstPitch = row,
        .WidthInBytes = row, .Height = rows,
    };
    double t[COPY_BENCH_RUNS];
    CHECK_CU(cu->cuMemcpy2D(&c), return -EIO);   /* warm-up */
    for (int i = 0; i < COPY_BENCH_RUNS; i++) {
        double t0 = now_s();
        CHECK_CU(cu->cuMemcpy2D(&c), return -EIO);
        t[i] = now_s() - t0;
    }
    qsort(t, COPY_BENCH_RUNS, sizeof(t[0]), cmp_double);
    double med = percentile(t, COPY_BENCH_RUNS, 0.5);
    *gbps = (double)(row * rows) / med / 1e9;
    printf("copy %s %dx%d NV12 %zu bytes: median %.1f us, %.2f GB/s (min %.1f us, max %.1f us)\n",
           what, opt.copy_w, opt.copy_h, row * rows, med * 1e6, *gbps, t[0] * 1e6,
           t[COPY_BENCH_RUNS - 1] * 1e6);
    return 0;
}

static int copy_bench(void)
{
    size_t bytes = (size_t)opt.copy_w * ((size_t)opt.copy_h + (opt.copy_h + 1) / 2);
    CUdeviceptr src = 0;
    size_t pitch = 0;
    void *pinned = NULL, *pageable = NULL;
    double g_pinned = 0, g_pageable = 0;
    int ret = 1;
    CUcontext dummy;

    CHECK_CU(cu->cuCtxPushCurrent(g_ctx), return 1);
    CHECK_CU(cu->cuMemAllocPitch(&src, &pitch, (size_t)opt.copy_w,
                                 (size_t)opt.copy_h + (opt.copy_h + 1) / 2, 16),
             goto err_pop);
    CHECK_CU(cu->cuMemsetD8Async(src, 0x80, pitch * ((size_t)opt.copy_h + (opt.copy_h + 1) / 2),
                                 NULL), goto err_free_dev);
    CHECK_CU(cu_mem_alloc_host(&pinned, bytes), goto err_free_dev);
    pageable = malloc(bytes);
    if (!pageable)
        goto err_free_pinned;
    memset(pageable, 0, bytes);   /* fault the pages in before timing */
    if (copy_bench_one(src, pitch, pinned, "pinned", &g_pinned) < 0 ||
        copy_bench_one(src, pitch, pageable, "pageable", &g_pageable) < 0)
        goto err_free_pageable;
    printf("RESULT mode=copy size=%dx%d bytes=%zu pinned_gbps=%.2f pageable_gbps=%.2f\n",
           opt.copy_w, opt.copy_h, bytes, g_pinned, g_pageable);
    ret = 0;
err_free_pageable:
    free(pageable);
err_free_pinned:
    cu_mem_free_host(pinned);
err_free_dev:
    cu->cuMemFree(src);
err_pop:
    cu->cuCtxPopCurrent(&dummy);
    return ret;
}

/* --caps: cuvidGetDecoderCaps for every codec, chroma format and depth,
 * one line each that is supported (what the GPU machine notes cite). */
static int print_caps(void)
{
    static const struct { cudaVideoCodec codec; const char *name; } codecs[] = {
        {cudaVideoCodec_MPEG1, "mpeg1"}, {cudaVideoCodec_MPEG2, "mpeg2"},
        {cudaVideoCodec_MPEG4, "mpeg4"}, {cudaVideoCodec_VC1, "vc1"},
        {cudaVideoCodec_H264, "h264"}, {cudaVideoCodec_JPEG, "jpeg"},
        {cudaVideoCodec_HEVC, "hevc"}, {cudaVideoCodec_VP8, "vp8"},
        {cudaVideoCodec_VP9, "vp9"}, {cudaVideoCodec_AV1, "av1"},
    };
    static const char *const chroma[] = {"4:0:0", "4:2:0", "4:2:2", "4:4:4"};
    CUcontext dummy;
    if (!cv->cuvidGetDecoderCaps) {
        fprintf(stderr, "nvdec_native: the driver has no cuvidGetDecoderCaps\n");
        return 1;
    }
    CHECK_CU(cu->cuCtxPushCurrent(g_ctx), return 1);
    for (size_t i = 0; i < sizeof(codecs) / sizeof(codecs[0]); i++) {
        bool any = false;
        for (int c = 0; c < 4; c++)
            for (unsigned minus8 = 0; minus8 <= 4; minus8 += 2) {
                CUVIDDECODECAPS caps = {.eCodecType = codecs[i].codec,
                                        .eChromaFormat = (cudaVideoChromaFormat)c,
                                        .nBitDepthMinus8 = minus8};
                if (cv->cuvidGetDecoderCaps(&caps) != CUDA_SUCCESS || !caps.bIsSupported)
                    continue;
                any = true;
                printf("caps %s %s %u-bit: %ux%u..%ux%u, %u MBs, output mask 0x%x, %u NVDECs\n",
                       codecs[i].name, chroma[c], 8 + minus8, caps.nMinWidth, caps.nMinHeight,
                       caps.nMaxWidth, caps.nMaxHeight, caps.nMaxMBCount,
                       caps.nOutputFormatMask, caps.nNumNVDECs);
            }
        /* Said, so that a missing codec (AV1 on Hopper) is a result, not
         * a gap in the list. */
        if (!any)
            printf("caps %s: not supported (no chroma format or depth)\n", codecs[i].name);
    }
    cu->cuCtxPopCurrent(&dummy);
    return 0;
}

/* ---- main ---------------------------------------------------------------- */

static void usage(FILE *f)
{
    fprintf(f,
        "usage: nvdec_native [--streams N] [--codec h264|hevc] [--repeat K]\n"
        "                    [--map decode|display|none] [--readback] [--md5]\n"
        "                    [--fps F [--duration S] [--stagger MS] [--window A:B]] FILE...\n"
        "       nvdec_native --copy-bench WxH\n"
        "       nvdec_native --caps\n"
        "Decodes Annex-B FILEs with NVDEC through NVIDIA's parser; N streams (one\n"
        "thread each) cycle over the files, each decoding its file K times.\n"
        "  --map       where each picture is mapped (default decode: right after\n"
        "              cuvidDecodePicture, like a decode-order VA client)\n"
        "  --readback  copy each mapped picture to pinned host memory\n"
        "  --fresh-decoder  destroy the decoder after each of the K passes (a new\n"
        "              one per pass, like one session per pass; default: kept)\n"
        "  --md5       print 'stream S frame F md5' of each visible NV12 picture\n"
        "              (implies --readback; order = --map order, default display)\n"
        "  --copy-bench WxH  device->host cuMemCpy2D of a WxH NV12 frame into\n"
        "              pinned and pageable memory, GB/s (median of %d)\n"
        "  --caps      one line per codec, chroma format and depth NVDEC decodes\n"
        "  --fps F     pace each stream at F frames/s as a player (clock from its first\n"
        "              picture; a frame mapped after its due time is late; --map decode)\n"
        "  --duration S  loop the files until S seconds after the start (not --repeat)\n"
        "  --stagger MS  start stream i i*MS ms after the start\n"
        "  --window A:B  count frames and late frames mapped A..B s after the start\n"
        "Exit status 77 when no NVIDIA GPU/driver is usable.\n", COPY_BENCH_RUNS);
}

static int parse_int(const char *s, int min, int max, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max)
        return -EINVAL;
    *out = (int)v;
    return 0;
}

static int parse_double(const char *s, double min, double max, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= min && v <= max))
        return -EINVAL;
    *out = v;
    return 0;
}

/* The first n characters of s as a number of seconds (0 to a day). */
static int parse_double_n(const char *s, size_t n, double *out)
{
    char buf[32];
    if (n == 0 || n >= sizeof(buf))
        return -EINVAL;
    memcpy(buf, s, n);
    buf[n] = 0;
    return parse_double(buf, 0, 86400, out);
}

static int parse_args(int argc, char **argv, int *first_file)
{
    int i;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--streams") && v) {
            if (parse_int(v, 1, 256, &opt.streams) < 0)
                goto bad;
            i++;
        } else if (!strcmp(a, "--repeat") && v) {
            if (parse_int(v, 1, 1000000, &opt.repeat) < 0)
                goto bad;
            i++;
        } else if (!strcmp(a, "--fresh-decoder")) {
            opt.fresh_decoder = true;
        } else if (!strcmp(a, "--codec") && v) {
            if (!strcmp(v, "h264"))
                opt.codec = cudaVideoCodec_H264;
            else if (!strcmp(v, "hevc") || !strcmp(v, "h265"))
                opt.codec = cudaVideoCodec_HEVC;
            else
                goto bad;
            opt.codec_name = opt.codec == cudaVideoCodec_H264 ? "h264" : "hevc";
            i++;
        } else if (!strcmp(a, "--map") && v) {
            if (!strcmp(v, "decode"))
                opt.map = MAP_DECODE;
            else if (!strcmp(v, "display"))
                opt.map = MAP_DISPLAY;
            else if (!strcmp(v, "none"))
                opt.map = MAP_NONE;
            else
                goto bad;
            opt.map_given = true;
            i++;
        } else if (!strcmp(a, "--readback")) {
            opt.readback = true;
        } else if (!strcmp(a, "--md5")) {
            opt.md5 = true;
        } else if (!strcmp(a, "--copy-bench") && v) {
            if (sscanf(v, "%dx%d", &opt.copy_w, &opt.copy_h) != 2 || opt.copy_w < 2 ||
                opt.copy_h < 2 || opt.copy_w > 16384 || opt.copy_h > 16384)
                goto bad;
            i++;
        } else if (!strcmp(a, "--fps") && v) {
            if (parse_double(v, 1, 1000, &opt.fps) < 0)
                goto bad;
            i++;
        } else if (!strcmp(a, "--duration") && v) {
            if (parse_double(v, 0.1, 86400, &opt.duration) < 0)
                goto bad;
            i++;
        } else if (!strcmp(a, "--stagger") && v) {
            if (parse_double(v, 0, 60000, &opt.stagger) < 0)
                goto bad;
            opt.stagger /= 1000;
            i++;
        } else if (!strcmp(a, "--window") && v) {
            char *colon = strchr(v, ':');
            if (!colon || parse_double_n(v, (size_t)(colon - v), &opt.window[0]) < 0 ||
                parse_double(colon + 1, 0, 86400, &opt.window[1]) < 0 ||
                opt.window[1] <= opt.window[0])
                goto bad;
            i++;
        } else if (!strcmp(a, "--caps")) {
            opt.caps = true;
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            exit(0);
        } else if (!strcmp(a, "--")) {
            i++;
            break;
        } else if (a[0] == '-' && a[1]) {
            goto bad;
        } else {
            break;
        }
    }
    if (opt.md5) {
        if (opt.map == MAP_NONE) {
            fprintf(stderr, "nvdec_native: --md5 needs mapped pictures (not --map none)\n");
            return -EINVAL;
        }
        if (!opt.map_given)
            opt.map = MAP_DISPLAY;
        opt.readback = true;
    }
    if (opt.fps > 0 && opt.map != MAP_DECODE) {
        fprintf(stderr, "nvdec_native: --fps paces the decode callback (--map decode)\n");
        return -EINVAL;
    }
    if ((opt.duration > 0 || opt.stagger > 0 || opt.window[1] > 0) && opt.fps <= 0) {
        fprintf(stderr, "nvdec_native: --duration, --stagger and --window go with --fps\n");
        return -EINVAL;
    }
    if (opt.readback && opt.map == MAP_NONE) {
        fprintf(stderr, "nvdec_native: --readback needs mapped pictures (not --map none)\n");
        return -EINVAL;
    }
    if (!opt.copy_w && !opt.caps && i >= argc) {
        usage(stderr);
        return -EINVAL;
    }
    *first_file = i;
    return 0;
bad:
    fprintf(stderr, "nvdec_native: bad argument '%s'%s%s\n", argv[i],
            i + 1 < argc ? " " : "", i + 1 < argc ? argv[i + 1] : "");
    usage(stderr);
    return -EINVAL;
}

static int read_file(struct input_file *f)
{
    FILE *fp = fopen(f->path, "rb");
    if (!fp) {
        fprintf(stderr, "nvdec_native: %s: %s\n", f->path, strerror(errno));
        return -errno;
    }
    int ret = -EIO;
    if (fseek(fp, 0, SEEK_END) < 0)
        goto out;
    long n = ftell(fp);
    if (n <= 0 || fseek(fp, 0, SEEK_SET) < 0)
        goto out;
    f->data = malloc((size_t)n);
    if (!f->data) {
        ret = -ENOMEM;
        goto out;
    }
    if (fread(f->data, 1, (size_t)n, fp) != (size_t)n)
        goto out;
    f->size = (size_t)n;
    ret = 0;
out:
    if (ret < 0)
        fprintf(stderr, "nvdec_native: %s: cannot read (empty or I/O error)\n", f->path);
    fclose(fp);
    return ret;
}

static const char *map_name(enum map_mode m)
{
    return m == MAP_DECODE ? "decode" : m == MAP_DISPLAY ? "display" : "none";
}

static int report(struct stream *st, double wall)
{
    uint64_t frames = 0;
    size_t nlat = 0;
    int failed = 0;

    for (int i = 0; i < opt.streams; i++) {
        struct stream *s = &st[i];
        double secs = s->t_end - s->t_start;
        frames += s->frames;
        nlat += s->nlat;
        failed |= s->failed;
        printf("stream %d: %s %" PRIu64 " frames (%" PRIu64 " pictures submitted) in %.3f s"
               " = %.1f fps%s\n", i, s->in->path, s->frames, s->decoded, secs,
               secs > 0 ? (double)s->frames / secs : 0.0, s->failed ? " FAILED" : "");
    }
    double *all = nlat ? malloc(nlat * sizeof(*all)) : NULL;
    if (nlat && !all)
        return -ENOMEM;
    size_t k = 0;
    for (int i = 0; i < opt.streams; i++) {
        memcpy(all + k, st[i].lat, st[i].nlat * sizeof(*all));
        k += st[i].nlat;
    }
    qsort(all, nlat, sizeof(*all), cmp_double);
    double p50 = percentile(all, nlat, 0.50), p99 = percentile(all, nlat, 0.99);
    free(all);

    /* From the start barrier to each stream's first mapped picture: the
     * decoder's creation is inside it (vivac replay prints the same). */
    double *first = malloc((size_t)opt.streams * sizeof(*first));
    int nfirst = 0;
    for (int i = 0; first && i < opt.streams; i++)
        if (st[i].t_first > 0)
            first[nfirst++] = (st[i].t_first - st[i].t_start) * 1e3;
    if (nfirst) {
        qsort(first, (size_t)nfirst, sizeof(*first), cmp_double);
        printf("first picture after: p50 %.3f ms, max %.3f ms (%d streams)\n",
               percentile(first, (size_t)nfirst, 0.50), first[nfirst - 1], nfirst);
    }
    free(first);

    if (opt.fps > 0) {
        /* Frame 0 of each stream is not judged (the replay's convention). */
        uint64_t judged = 0, late = 0, win = 0, win_late = 0;
        for (int i = 0; i < opt.streams; i++) {
            judged += st[i].frames ? st[i].frames - 1 : 0;
            late += st[i].late;
            win += st[i].in_window;
            win_late += st[i].late_in_window;
        }
        printf("paced at %g frames/s: %" PRIu64 " frames, %" PRIu64 " late (%.2f %%)\n", opt.fps,
               judged, late, judged ? 100.0 * (double)late / (double)judged : 0.0);
        if (opt.window[1] > 0)
            printf("window %g-%g s: %" PRIu64 " frames (%.1f frames/s), %" PRIu64
                   " late (%.2f %%)\n", opt.window[0], opt.window[1], win,
                   (double)win / (opt.window[1] - opt.window[0]), win_late,
                   win ? 100.0 * (double)win_late / (double)win : 0.0);
    }
    double fps = wall > 0 ? (double)frames / wall : 0;
    printf("frames total: %" PRIu64 "\n", frames);
    printf("wall seconds: %.3f\n", wall);
    printf("frames/s total: %.1f, per stream: %.1f\n", fps, fps / opt.streams);
    if (nlat)
        printf("latency submit->mapped%s: p50 %.0f us, p99 %.0f us (%zu samples)\n",
               opt.readback ? "+readback" : "", p50, p99, nlat);
    else
        printf("latency: not measured (--map none)\n");
    printf("RESULT codec=%s streams=%d frames=%" PRIu64 " seconds=%.3f fps=%.1f"
           " fps_per_stream=%.1f p50_us=%.0f p99_us=%.0f map=%s readback=%d status=%s\n",
           opt.codec_name, opt.streams, frames, wall, fps, fps / opt.streams, p50, p99,
           map_name(opt.map), opt.readback ? 1 : 0, failed ? "error" : "ok");
    return failed ? -EIO : 0;
}

int main(int argc, char **argv)
{
    int first = 0, nfiles, ret;
    struct input_file *files = NULL;
    struct stream *st = NULL;

    if (parse_args(argc, argv, &first) < 0)
        return 2;
    setvbuf(stdout, NULL, _IOLBF, 0);

    nfiles = argc - first;
    if (!opt.copy_w && !opt.caps) {
        files = calloc((size_t)nfiles, sizeof(*files));
        if (!files)
            return 1;
        for (int i = 0; i < nfiles; i++) {
            files[i].path = argv[first + i];
            if (read_file(&files[i]) < 0) {
                ret = 1;
                goto out_files;
            }
        }
    }

    ret = gpu_open();
    if (ret)
        goto out_gpu;
    if (opt.copy_w) {
        ret = copy_bench();
        goto out_gpu;
    }
    if (opt.caps) {
        ret = print_caps();
        goto out_gpu;
    }

    st = calloc((size_t)opt.streams, sizeof(*st));
    if (!st || pthread_barrier_init(&start_barrier, NULL, (unsigned)opt.streams + 1)) {
        ret = 1;
        goto out_gpu;
    }
    printf("# codec %s, %d stream(s), repeat %d%s, map %s, readback %s, md5 %s\n",
           opt.codec_name, opt.streams, opt.repeat,
           opt.fresh_decoder ? " (fresh decoder each)" : "", map_name(opt.map),
           opt.readback ? "on (pinned)" : "off",
           opt.md5 ? (opt.map == MAP_DISPLAY ? "display order" : "decode order") : "off");
    int started = 0;
    for (int i = 0; i < opt.streams; i++) {
        st[i].index = i;
        st[i].in = &files[i % nfiles];
        if (pthread_create(&st[i].thread, NULL, stream_main, &st[i]))
            break;
        started++;
    }
    if (started < opt.streams) {
        /* The barrier counts every stream: the process cannot go on. */
        fprintf(stderr, "nvdec_native: cannot start %d threads\n", opt.streams);
        exit(1);
    }
    g_t0 = now_s();               /* before any stream leaves the barrier */
    pthread_barrier_wait(&start_barrier);
    double t0 = g_t0;
    for (int i = 0; i < started; i++)
        pthread_join(st[i].thread, NULL);
    double wall = now_s() - t0;
    ret = report(st, wall) < 0 ? 1 : 0;
    for (int i = 0; i < opt.streams; i++)
        free(st[i].lat);
    pthread_barrier_destroy(&start_barrier);

out_gpu:
    free(st);
    gpu_close();
out_files:
    if (files)
        for (int i = 0; i < nfiles; i++)
            free(files[i].data);
    free(files);
    return ret;
}
