/*
 * NVDEC engine internals.  libcuda.so.1 and libnvcuvid.so.1 are loaded at
 * run time through the ffnvcodec loader (no NVIDIA software at build time).
 *
 * Contexts: the engine retains device N's primary context once; every
 * function that calls CUDA pushes it on the calling thread's context stack
 * and pops it before returning (sessions run on different threads).
 *
 * Surfaces: each vh_surface owns one pitched NV12 or P010 buffer in device
 * memory (luma rows, then (height+1)/2 interleaved chroma rows; P010: 2
 * bytes a sample, the decoder's P016 output as is), taken on first
 * write or decode and filled with black unless that first use overwrites
 * all of it. A decoded picture is copied device-to-device out of the
 * decoder's slot into the target's buffer; the only device-to-host copy is
 * GET_IMAGE (surface_read), a DMA when the destination lies in a session
 * arena registered with host_memory_register.
 *
 * Streams: no work goes to the legacy default stream (it would serialize
 * every session of the context). A codec maps and copies on its own
 * non-blocking stream, held from the engine's pool for its lifetime;
 * surface_read/write take one from the pool for the call. Every engine call ends with a cuStreamSynchronize of
 * the one stream it used, so no work crosses calls or streams.
 *
 * Buffers: freed surface buffers go to a bounded engine-wide cache, reused
 * by the next surface of the same size (sessions come and go with the same
 * sizes); a reused buffer is cleared or fully overwritten before any read,
 * like a new one. cuMemFree, which waits for the whole device, is left for
 * what does not fit in the cache.
 *
 * Teardown: a destroyed codec's decoder is handed to a reaper thread
 * (bounded queue), so DESTROY_CODEC does not wait for cuvidDestroyDecoder.
 *
 * GPU memory: sessions charge each codec and surface what
 * nvdec_codec_gpu_bytes / nvdec_surface_gpu_bytes say (estimates from
 * NVDEC's surface sizes, an upper bound checked against cuMemGetInfo on an
 * H200: docs/performance.md), and a codec never decodes a sequence larger
 * than it was created, and so charged, for. What the engine keeps beyond
 * the charged objects, the buffer cache and the decoders queued for the
 * reaper, is charged to the daemon's GPU budget (base.gpu_budget) and not
 * kept where that budget says no.
 */
#ifndef VIVAC_NVDEC_INTERNAL_H
#define VIVAC_NVDEC_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The loader's messages ("Cannot load libcuda.so.1") go to a buffer that
 * create() turns into its error; debug messages are dropped. */
void nvdec_loader_log(void *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define FFNV_LOG_FUNC(logctx, msg, ...) nvdec_loader_log((logctx), (msg), __VA_ARGS__)
#define FFNV_DEBUG_LOG_FUNC(logctx, msg, ...) ((void)0)
#include <ffnvcodec/dynlink_loader.h>

#include "common/pixel_format.h"
#include "host/engine.h"
#include "host/engines/nvdec/nvdec_device.h"

struct nvdec_loader_msg {
    char text[160];
};

/* Not in ffnvcodec's CudaFunctions: looked up in the same libcuda handle
 * (NULL when the driver lacks them: arenas are then not registered). */
typedef CUresult CUDAAPI nvdec_tcuMemHostRegister(void *p, size_t bytesize, unsigned int flags);
typedef CUresult CUDAAPI nvdec_tcuMemHostUnregister(void *p);
/* P010 black fill (NULL: no 10-bit profiles, no P010 surfaces). */
typedef CUresult CUDAAPI nvdec_tcuMemsetD16Async(CUdeviceptr dst, unsigned short us, size_t n,
                                                 CUstream stream);
/* Opaque black of RGB32 surfaces (NULL: no RGB32 surfaces). */
typedef CUresult CUDAAPI nvdec_tcuMemsetD32Async(CUdeviceptr dst, unsigned int ui, size_t n,
                                                 CUstream stream);
#define NVDEC_CU_MEMHOSTREGISTER_PORTABLE 0x01
/* Device memory figures (NULL when the driver lacks them). */
typedef CUresult CUDAAPI nvdec_tcuMemGetInfo(size_t *free, size_t *total);
typedef CUresult CUDAAPI nvdec_tcuDeviceTotalMem(size_t *bytes, CUdevice dev);

/* A free device buffer in the engine's cache. */
struct nvdec_buffer {
    CUdeviceptr ptr;
    size_t pitch;
    uint32_t width_bytes, rows;
};

/* The codecs this engine can decode (index of nvdec_engine.caps). */
enum nvdec_kind {
    NVDEC_KIND_H264,
    NVDEC_KIND_VP9,
    NVDEC_KIND_VP8,
    NVDEC_KIND_MPEG2,
    NVDEC_KIND_HEVC,
    NVDEC_KIND_JPEG,
    NVDEC_KIND_MPEG4,
    NVDEC_KIND_COUNT,
};

/* The decoder outputs a codec is decoded to (chroma format, depth), each
 * with the surface format it fills: NV12 output into NV12, P016 (the 10
 * bits in the high bits) into P010, planar YUV444 into 444P, all as they
 * are; YUV444_16Bit into Y410, kept planar on the device and packed when
 * read (nvdec_surface.c). */
enum nvdec_output {
    NVDEC_OUT_420_8,
    NVDEC_OUT_420_10,
    NVDEC_OUT_444_8,
    NVDEC_OUT_444_10,
    NVDEC_OUT_COUNT,
};

struct nvdec_output_info {
    unsigned minus8;                          /* bitDepthMinus8 */
    cudaVideoChromaFormat chroma;
    cudaVideoSurfaceFormat surface;
    const char *name;                         /* of the output format */
    uint32_t rt_format;                       /* the VW_RT_* it fills */
};
extern const struct nvdec_output_info nvdec_outputs[NVDEC_OUT_COUNT];

/* What cuvidGetDecoderCaps said for one codec at one output. */
struct nvdec_caps {
    bool supported;
    uint32_t min_width, min_height, max_width, max_height, max_mb_count;
};

/* A destroyed codec's decoder, waiting for the reaper. */
struct nvdec_reap {
    CUvideodecoder decoder;
    uint64_t bytes;                           /* charged to base.gpu_budget until destroyed */
};

#define NVDEC_STREAM_POOL_MAX 64
#define NVDEC_BUFFER_CACHE_MAX 256            /* entries */
#define NVDEC_BUFFER_CACHE_BYTES (768ull << 20)
#define NVDEC_REAP_MAX 16                     /* queued; beyond: destroyed inline */

struct nvdec_remote;

struct nvdec_engine {
    struct vh_engine base;
    /* Where the CUDA work runs (nvdec_device.h): nvdec_device_local, or
     * nvdec_device_remote over `remote` (cu NULL, no context: a worker of
     * the GPU process). */
    const struct nvdec_device_ops *dev;
    struct nvdec_remote *remote;
    /* In a worker of the GPU process: the memory it shares (e->lock). */
    struct nvdec_shared_memory *shared;
    /* The function tables are the caller's (a test's fakes): not freed. */
    bool borrowed_libs;
    uint64_t remote_total_mem;                /* remote: the GPU process's device */
    CudaFunctions *cu;
    CuvidFunctions *cv;
    CUdevice device;
    CUcontext ctx;                            /* primary context, retained */
    char device_name[128];
    /* cuvidGetDecoderCaps per codec and output, queried once in create;
     * beyond 8-bit 4:2:0 only for the codecs with such a profile. */
    struct nvdec_caps caps[NVDEC_KIND_COUNT][NVDEC_OUT_COUNT];
    unsigned num_engines;
    nvdec_tcuMemHostRegister *mem_host_register;
    nvdec_tcuMemHostUnregister *mem_host_unregister;
    nvdec_tcuMemsetD16Async *memset_d16;
    nvdec_tcuMemsetD32Async *memset_d32;
    nvdec_tcuMemGetInfo *mem_get_info;
    nvdec_tcuDeviceTotalMem *device_total_mem;
    /* Video processing on the GPU (nvdec_vpp.h): the kernels loaded
     * (local), or the GPU process has them (remote). */
    bool vpp;
    bool rgb;                                 /* RGB32 surfaces, outputs of processing */
    CUmodule vpp_module;
    CUfunction vpp_scale, vpp_rgb;

    /* Everything below under `lock` (held for list operations only, never
     * across CUDA work). */
    pthread_mutex_t lock;
    CUstream streams[NVDEC_STREAM_POOL_MAX];  /* idle pool streams */
    unsigned num_streams;
    struct nvdec_buffer buffers[NVDEC_BUFFER_CACHE_MAX];
    unsigned num_buffers;
    uint64_t buffer_bytes;
    struct nvdec_reap reap[NVDEC_REAP_MAX];
    unsigned reap_head, reap_count;
    bool reaper_stop;
    bool reaper_running;
    pthread_cond_t reap_cond;
    pthread_t reaper;
};

static inline struct nvdec_engine *nvdec_engine_get(struct vh_engine *e)
{
    return (struct nvdec_engine *)e;
}

/* vh_surface.engine_data: one pitched device buffer holding the surface's
 * planes, one below the other, in its own format (NV12, P010, 444P) or, for
 * Y410, NVDEC's planar 16-bit 4:4:4 (packed on the host when read).
 * ptr == 0: never written (reads as black). */
struct nvdec_surface {
    CUdeviceptr ptr;
    size_t pitch;
    const struct vc_pixel_format *pf;         /* the surface's (protocol) format */
    const struct vc_pixel_format *dev;        /* the buffer's: pf, or what NVDEC writes */
    uint32_t alloc_width;                     /* bytes of the widest plane row */
    uint32_t plane_row[VC_MAX_PLANES];        /* first row of each plane */
    uint32_t rows;                            /* all planes */
};

/* Monotonic clock in milliseconds (debug timing logs). */
double nvdec_now_ms(void);

/* nvdec_engine.c: a local engine (CUDA in this process). cu/cv: function
 * tables to use (not freed: a test's fakes), or both NULL to load the
 * driver's libraries. Destroyed by vh_engine_nvdec.destroy. */
int nvdec_engine_open(struct nvdec_engine **out, CudaFunctions *cu, CuvidFunctions *cv,
                      struct vh_error *err);
/* vh_engine_ops.gpu_server_* (nvdec_gpu_serve.c), create_remote
 * (nvdec_remote_engine.c); the remote engine's destroy. */
int nvdec_gpu_server_create(struct vh_gpu_server **out, uint64_t *gpu_total,
                            struct vh_error *err);
int nvdec_gpu_server_attach(struct vh_gpu_server *g, uint32_t worker_id, uint64_t gpu_limit,
                            int fd, struct vh_error *err);
void nvdec_gpu_server_destroy(struct vh_gpu_server **g);
int nvdec_create_remote(struct vh_engine **out, int gpu_fd, struct vh_error *err);
void nvdec_remote_engine_free(struct nvdec_engine *e);
/* host_memory_register/unregister in a worker of the GPU process: memory
 * backed by a sealed memfd (fd, from its offset 0) is shared with the GPU
 * process, which then reads and writes images straight into it; without
 * an fd, fails (copies go through the staging buffer). */
int nvdec_remote_memory_register(struct nvdec_engine *e, void *base, size_t size, int fd,
                                 void **handle);
void nvdec_remote_memory_unregister(struct nvdec_engine *e, void *handle);
/* The engine's class of each kind. */
extern const struct nvdec_codec_class *const nvdec_classes[NVDEC_KIND_COUNT];

#ifdef VIVAC_TEST_HOOKS
/* nvdec_fake.c (test builds): where VIVAC_TEST_FAKE_NVDEC=WxH is set, the
 * CPU fakes' tables (cu may be NULL: the parser only) and true. */
bool nvdec_fake_tables(CudaFunctions **cu, CuvidFunctions **cv);
/* The fakes of the optional entry points (page-locking, the 32-bit fill). */
void nvdec_fake_optional(struct nvdec_engine *e);
#endif

/* nvdec_load.c: loads both libraries (err says which step failed). */
int nvdec_load(struct nvdec_engine *e, struct vh_error *err);
void nvdec_unload(struct nvdec_engine *e);

/* nvdec_engine.c */
int nvdec_push(struct nvdec_engine *e, const char *what, struct vh_error *err);
void nvdec_pop(struct nvdec_engine *e);
/* Sets err for a failed CUDA call ("nvdec: what: CUDA_ERROR_X (text)"). */
int nvdec_cu_error(struct nvdec_engine *e, CUresult r, int status, const char *what,
                   struct vh_error *err);

/* nvdec_engine.c: a non-blocking stream from the pool (context pushed);
 * put it back idle (synchronized). */
int nvdec_stream_get(struct nvdec_engine *e, CUstream *out, struct vh_error *err);
void nvdec_stream_put(struct nvdec_engine *e, CUstream stream);
/* The opening of a one-call job (surface_read/write, processing): the
 * context pushed and a pool stream taken; on failure neither. */
int nvdec_call_begin(struct nvdec_engine *e, CUstream *stream, struct vh_error *err);
/* Context pushed. Queues the decoder for destruction off the caller's thread,
 * charging its `bytes` to the daemon's GPU budget until then (or destroys it
 * now when the queue is full or the budget says no). */
void nvdec_reap(struct nvdec_engine *e, CUvideodecoder decoder, uint64_t bytes);
/* Free device memory (cuMemGetInfo; 0 if unknown): debug measurements. */
uint64_t nvdec_mem_free(struct nvdec_engine *e);

/* nvdec_surface.c: the buffer cache. Context pushed. Gives its charge
 * back to the daemon's GPU budget. */
void nvdec_buffers_free_all(struct nvdec_engine *e);
/* vh_engine_ops.gpu_trim: empties the buffer cache. */
void nvdec_gpu_trim(struct vh_engine *engine);
/* vh_engine_ops.surface_gpu_bytes: the surface's buffer, pitch and
 * allocation granularity included. */
uint64_t nvdec_surface_gpu_bytes(struct vh_engine *engine, const struct vh_surface *surface);

/* nvdec_surface.c (called with the context pushed where noted) */
int nvdec_surface_init(struct vh_engine *engine, struct vh_surface *surface,
                       struct vh_error *err);
void nvdec_surface_fini(struct vh_engine *engine, struct vh_surface *surface);
int nvdec_surface_read(struct vh_engine *engine, struct vh_surface *surface,
                       const struct vh_rect *rect, const struct vw_image_layout *layout,
                       uint8_t *dst, struct vh_error *err);
int nvdec_surface_write(struct vh_engine *engine, struct vh_surface *surface,
                        const struct vh_rect *src, uint32_t dst_x, uint32_t dst_y,
                        const struct vw_image_layout *layout, const uint8_t *data,
                        struct vh_error *err);
int nvdec_host_memory_register(struct vh_engine *engine, void *base, size_t size,
                               void **handle);
void nvdec_host_memory_unregister(struct vh_engine *engine, void *handle);
/* Context pushed. Gives the surface a buffer if it has none, queueing a
 * black fill on `stream` when `clear` (pass false only when the caller
 * overwrites every row before the stream is synchronized). Sets *fresh when
 * it gave one. */
int nvdec_surface_alloc(struct nvdec_engine *e, struct vh_surface *surface, CUstream stream,
                        bool clear, bool *fresh, struct vh_error *err);
/* Context pushed. Queues a black fill of the surface's buffer on `stream`. */
CUresult nvdec_surface_fill_black(struct nvdec_engine *e, struct vh_surface *surface,
                                  CUstream stream);
/* Context pushed. Copies a decoded picture in the surface's layout (NV12
 * into NV12, P016 into P010, YUV444 into 444P; plane p at src + src_pitch *
 * chroma_row * p; width in pixels) into the surface's top-left on `stream`
 * and synchronizes it; the rest of the surface turns black if the picture
 * does not cover it. */
int nvdec_surface_put_picture(struct nvdec_engine *e, struct vh_surface *surface,
                              CUstream stream, CUdeviceptr src, size_t src_pitch,
                              uint32_t width, uint32_t height, uint32_t chroma_row,
                              struct vh_error *err);

/*
 * nvdec_codec.c: one VA codec on NVIDIA's cuvid parser, for every codec the
 * parser knows (H.264, HEVC, VP9, VP8, MPEG-2, JPEG, MPEG-4 Part 2). Each VA picture becomes one packet (the bytes the sw engine
 * gives libavcodec), built by the codec's class and fed to the parser
 * flagged CUVID_PKT_ENDOFPICTURE, so that the parser has decoded it when
 * cuvidParseVideoData returns; the decode callback tells which decoder slot
 * (CurrPicIdx) holds it, and that slot is copied into the VA target.
 */
struct nvdec_codec;

struct nvdec_codec_class {
    const char *name;                         /* "VP9": in messages */
    cudaVideoCodec cuvid_codec;
    enum nvdec_kind kind;
    /* A new size mid-stream: try cuvidReconfigureDecoder first (keeps the
     * slots) instead of always creating a new decoder. */
    bool reconfigure;
    /* A picture that decodes nothing but makes the parser display a slot
     * (VP9 show_existing_frame) gets that slot; else it is an error. */
    bool show_existing;
    /* The decoder's size is the parser's coded size rounded up to this, and
     * each picture's PicWidthInMbs is the decoder's width / 16 (MPEG-2: 16;
     * the parser gives horizontal_size as is, 350 wide decoded only 21
     * macroblock columns of 22; measured on an H200); 0: as given. */
    uint32_t coded_align;
    size_t priv_size;                         /* zeroed state at nvdec_codec.priv */
    void (*priv_fini)(void *priv);            /* NULL: nothing to free */
    /* Sets *size to the bytes of the picture's packet, or fails (err set). */
    int (*packet_size)(struct nvdec_codec *c, const struct vh_picture *pic, size_t *size,
                       struct vh_error *err);
    /* Writes exactly that many bytes (same picture, right after packet_size). */
    void (*packet_write)(struct nvdec_codec *c, const struct vh_picture *pic, uint8_t *out);
    /* Whether a new sequence starting at this picture may replace the
     * decoder (losing every reference slot): true where the picture
     * refreshes all references (IDR, key frame). */
    bool (*may_recreate)(const struct vh_picture *pic);
    /* The picture's size, what is copied into the target (clamped to the
     * decoder's output); NULL: the decoder's whole (coded) output. */
    void (*picture_size)(const struct vh_picture *pic, uint32_t *width, uint32_t *height);
};

/* Decode surfaces a decoder may have at most (the parser's minimum plus
 * NVDEC_EXTRA_SURFACES): a stream asking for more is refused, so that
 * nvdec_decoder_bytes bounds every decoder. H.264 and HEVC ask for at most
 * their DPB (16) plus a few. */
#define NVDEC_MAX_DECODE_SURFACES 24
#define NVDEC_OUTPUT_SURFACES 2               /* ulNumOutputSurfaces */

/* The largest coded size a codec declared w x h may decode: the size the
 * session checks pictures against (width to 16, height to 32: a field
 * macroblock pair), and what it was charged for. */
void nvdec_codec_max_size(uint32_t w, uint32_t h, uint32_t *max_w, uint32_t *max_h);
/* Device memory of a codec's decoder of max_w x max_h with `surfaces`
 * decode surfaces and NVDEC_OUTPUT_SURFACES output surfaces at this output: an
 * upper bound (docs/performance.md compares it with cuMemGetInfo). */
uint64_t nvdec_decoder_bytes(enum nvdec_kind kind, enum nvdec_output output, uint32_t max_w,
                             uint32_t max_h, unsigned surfaces);

extern const struct nvdec_codec_class nvdec_h264_class;
extern const struct nvdec_codec_class nvdec_vp9_class;
extern const struct nvdec_codec_class nvdec_vp8_class;
extern const struct nvdec_codec_class nvdec_mpeg2_class;
extern const struct nvdec_codec_class nvdec_hevc_class;
extern const struct nvdec_codec_class nvdec_jpeg_class;
extern const struct nvdec_codec_class nvdec_mpeg4_class;

struct nvdec_codec {
    struct vh_codec base;
    const struct nvdec_codec_class *cls;
    struct nvdec_engine *e;
    enum nvdec_output output;                 /* of the VA profile; targets have its format */
    void *priv;                               /* cls->priv_size bytes, or NULL */
    uint32_t profile;                         /* of the VA context (VW_PROFILE_*) */
    uint32_t desc_width, desc_height;         /* of the VA context */
    uint64_t gpu_bytes;                       /* what the session charged (nvdec_decoder_bytes) */
    CUvideoparser parser;
    struct nvdec_dec *dec;                    /* the device's (e->dev) */
    bool have_decoder;                        /* created by the sequence callback */
    CUVIDDECODECREATEINFO info;               /* of the decoder (sizes as reconfigured) */
    uint8_t *buf;                             /* packet */
    size_t cap;

    /* Set during one cuvidParseVideoData call. */
    const struct vh_picture *pic;             /* being parsed */
    int cur_idx;                              /* CurrPicIdx decoded, -1: none */
    int disp_idx;                             /* picture_index displayed, -1: none */
    bool field_pic, bottom_field, second_field;
    int cb_status;                            /* VW_OK or the first error */
    struct vh_error cb_err;
};

/* What the sequence callback accepts before it creates or changes the
 * decoder: fmt (its coded size already aligned to the class's coded_align)
 * no larger than the codec's declared size (nvdec_codec_max_size: what was
 * charged), at most NVDEC_MAX_DECODE_SURFACES `surfaces`, the chroma format
 * and bit depth of the codec's output, and a size the GPU decodes. VW_OK or
 * the error (err set). No CUDA call. */
int nvdec_check_sequence(const struct nvdec_codec *c, const CUVIDEOFORMAT *fmt,
                         unsigned surfaces, struct vh_error *err);

/* vh_engine_ops.codec_gpu_bytes (nvdec_engine.c): nvdec_decoder_bytes at
 * the profile's output, the declared size's nvdec_codec_max_size and
 * NVDEC_MAX_DECODE_SURFACES; 0 for a profile the engine does not serve. */
uint64_t nvdec_codec_gpu_bytes(struct vh_engine *engine, const struct vh_codec_desc *desc);

int nvdec_codec_create(struct vh_engine *engine, const struct nvdec_codec_class *cls,
                       enum nvdec_output output, const struct vh_codec_desc *desc, struct vh_codec **out,
                       struct vh_error *err);
void nvdec_codec_destroy(struct vh_codec **codec);
int nvdec_codec_decode(struct vh_codec *codec, const struct vh_picture *pic,
                       struct vh_error *err);

#endif
