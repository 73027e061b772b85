/*
 * Host engine contract.  An engine executes validated requests: the session
 * core (src/host/session*.c) checks every id, size, count and range before it
 * calls an engine, so engines assume valid input.
 *
 * Lifetimes: one vh_engine per daemon (created at start, shared by all
 * sessions; create/destroy/query_caps/surface_* may be called from several
 * session threads at once and must be thread safe).  A vh_codec belongs to
 * one session and is only used from that session's thread.
 *
 * Errors: functions return an enum vw_status_code (0 = VW_OK) and, on
 * failure, put a one-line human-readable reason into vh_error, which the
 * daemon forwards to the guest.
 */
#ifndef VIVAC_HOST_ENGINE_H
#define VIVAC_HOST_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vivac/protocol.h"

struct vh_error {
    int status;                               /* enum vw_status_code */
    char message[VW_MESSAGE_TEXT_MAX];
};

/* Sets err->status and a printf-style message; returns status. */
int vh_error_set(struct vh_error *err, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A video surface ("video buffer"). Owned by a session; the engine keeps its
 * pixels in engine_data (allocated in surface_init or lazily, freed in
 * surface_fini). */
struct vh_surface {
    uint32_t id;
    uint32_t width;
    uint32_t height;
    uint32_t rt_format;                       /* VW_RT_* */
    uint32_t pixel_format;                    /* VW_FOURCC_* */
    uint32_t state;                           /* enum vw_surface_state (core-managed) */
    int32_t last_status;                      /* status of last decode (core-managed) */
    uint32_t ref_count;                       /* core-managed: codecs/pictures using it */
    void *engine_data;
};

struct vh_codec_desc {
    uint32_t profile;                         /* enum vw_profile */
    uint32_t entrypoint;                      /* enum vw_entrypoint */
    uint32_t rt_format;
    uint32_t width;
    uint32_t height;
};

/* One slice of a picture; the parameter pointer of pic->codec is set.
 * H.264: `data` points at the NAL unit header byte (the core strips an
 * optional Annex-B start code) and holds `size` bytes, emulation prevention
 * bytes included. VP9: the whole frame, uncompressed header included. */
struct vh_slice {
    const struct vw_h264_slice *h264;
    const uint8_t *data;
    uint32_t size;
    const struct vw_vp9_slice *vp9;
    const struct vw_vp8_slice *vp8;
    const struct vw_mpeg2_slice *mpeg2;       /* data starts with the slice start code */
    const struct vw_hevc_slice *hevc;         /* data: the NAL from its header (start code stripped) */
    const struct vw_jpeg_slice *jpeg;         /* data: the scan's entropy-coded bytes */
    const struct vw_mpeg4_slice *mpeg4;       /* data: the VOP from its first macroblock's byte */
    const struct vw_av1_slice *av1;           /* data: the tile's bytes */
};

/* A complete picture: everything between BEGIN_FRAME and END_FRAME. */
struct vh_picture {
    uint32_t codec;                           /* enum vw_codec */
    const struct vw_h264_picture *h264;
    const struct vw_h264_iq_matrix *h264_iq;  /* NULL when the client sent none */
    const struct vw_vp9_picture *vp9;
    const struct vw_vp8_picture *vp8;
    const struct vw_vp8_extra *vp8_extra;     /* NULL when the client sent none */
    const struct vw_mpeg2_picture *mpeg2;
    const struct vw_mpeg2_iq_matrix *mpeg2_iq; /* NULL when the client sent none */
    const struct vw_hevc_picture *hevc;
    const struct vw_hevc_iq_matrix *hevc_iq;  /* NULL when the client sent none */
    const struct vw_jpeg_picture *jpeg;
    const struct vw_jpeg_tables *jpeg_tables; /* NULL when the client sent none */
    const struct vw_mpeg4_picture *mpeg4;
    const struct vw_mpeg4_iq_matrix *mpeg4_iq; /* NULL when the client sent none */
    const struct vw_av1_picture *av1;
    uint32_t num_slices;                      /* >= 1 */
    const struct vh_slice *slices;
    struct vh_surface *target;
    /* The picture's references resolved to surfaces (H.264:
     * reference_frames[i]; VP9: reference_frames[0..8); MPEG-2, MPEG-4: [0]
     * forward, [1] backward; HEVC: reference_frames[0..15); AV1: ref_frame_map[0..8),
     * [8] the display_surface), NULL where the entry
     * is invalid (VW_H264_PIC_INVALID / VW_INVALID_ID). */
    struct vh_surface *refs[16];
};

/* Rectangle of a surface read or written through GET/PUT_IMAGE; already
 * checked to lie inside the surface and to have even x/y/width/height. */
struct vh_rect {
    uint32_t x, y, width, height;
};

/* One video processing job (PROCESS, protocol 1.4), checked by the core
 * (validate_process.c): regions inside their surfaces and aligned to their
 * formats, known enums, source != output. */
struct vh_process {
    struct vh_surface *source;
    struct vh_surface *output;
    struct vh_rect source_rect;
    struct vh_rect output_rect;
    uint32_t scaling;                         /* enum vw_scaling */
    uint32_t source_standard, source_range;   /* enum vw_color_standard / vw_color_range */
    uint32_t output_standard, output_range;
    /* deinterlace: 0 none, else enum vw_deinterlace; field: 0 top, 1
     * bottom, the field of the source region shown; bottom_first: the
     * source's bottom field comes first in time (1.7). */
    uint32_t deinterlace, field;
    bool bottom_first;
    /* Motion adaptive (1.7): the pictures just before and after the source
     * in display order, of its size and format; NULL where the client gave
     * none (the source stands in). Never the output. */
    struct vh_surface *past, *future;
    /* Filters of protocol 1.5, applied to the output region after
     * scaling (output 8-bit 4:2:0 when any is on): ProcAmp (procamp false,
     * or VA's values x 1000 inside VA's ranges, VW_PROCAMP_*); denoise and
     * sharpen VA's 0..64 x 1000, 0 off. */
    bool procamp;
    int32_t brightness, contrast, hue, saturation;
    uint32_t denoise, sharpen;
    /* Rotation (clockwise x 90, 0..3) then mirroring (VW_MIRROR_* bits),
     * 1.5: the picture is scaled to the output region's size before the
     * turn, its width and height swapped for rotation 1 and 3, and
     * filtered before it. */
    uint32_t rotation, mirror;
};

struct vh_engine;
struct vh_codec;
struct vh_gpu_server;
struct vh_memory_budget;

struct vh_engine_ops {
    const char *name;
    /* A composite engine (multi/, "nvdec+vaapi+sw"): the engines it is
     * made of, NULL-terminated, in the order they serve a profile (each
     * profile is the first's that has it; the first owns the surfaces);
     * NULL in the others. */
    const struct vh_engine_ops *const *parts;

    /* Returns VW_OK, or an error if the engine cannot run on this machine
     * (e.g. no GPU); the reason goes to the log. */
    int (*create)(struct vh_engine **out, struct vh_error *err);
    void (*destroy)(struct vh_engine **engine);      /* accepts NULL / *NULL */

    /* Fills up to `max` capabilities, sets *count to the number filled. */
    int (*query_caps)(struct vh_engine *engine, struct vw_cap *caps,
                      uint32_t max, uint32_t *count);

    int (*surface_init)(struct vh_engine *engine, struct vh_surface *surface,
                        struct vh_error *err);
    void (*surface_fini)(struct vh_engine *engine, struct vh_surface *surface);

    int (*codec_create)(struct vh_engine *engine, const struct vh_codec_desc *desc,
                        struct vh_codec **out, struct vh_error *err);
    void (*codec_destroy)(struct vh_codec **codec);  /* accepts NULL / *NULL */

    /* Decodes one picture into pic->target. Synchronous for now: when it
     * returns VW_OK the target's pixels are final. */
    int (*decode)(struct vh_codec *codec, const struct vh_picture *pic,
                  struct vh_error *err);

    /* Optional (NULL: the engine has no video processing, and the daemon
     * lists no VIDEOPROC capability for it). Runs one job with a codec made
     * by codec_create from a VIDEOPROC description (profile NONE); when it
     * returns VW_OK the output's pixels are final. */
    int (*process)(struct vh_codec *codec, const struct vh_process *job,
                   struct vh_error *err);
    /* Optional: VW_RT_* that process writes besides the formats it reads
     * (VW_RT_RGB32: RGB outputs); the VIDEOPROC capability lists them. */
    uint32_t (*process_outputs)(struct vh_engine *engine);
    /* Optional (NULL: VW_RT_YUV420 | VW_RT_YUV420_10, NV12 and P010): the
     * YUV VW_RT_* process reads and writes, any of them to any; the
     * VIDEOPROC capability lists those the engine's surfaces hold. */
    uint32_t (*process_formats)(struct vh_engine *engine);
    /* Optional (NULL: process runs every checked job). Whether process
     * runs `job`; job NULL: whether the engine processes at all (nvdec:
     * its kernels loaded). A composite hands a job its first part refuses
     * to the next part that runs it. */
    bool (*process_accepts)(struct vh_engine *engine, const struct vh_process *job);

    /* Copies `rect` of the surface to dst with the given layout (offsets and
     * pitches relative to dst; the core has checked that the layout fits in
     * the destination). A surface never written reads as black. */
    int (*surface_read)(struct vh_engine *engine, struct vh_surface *surface,
                        const struct vh_rect *rect,
                        const struct vw_image_layout *layout, uint8_t *dst,
                        struct vh_error *err);

    /* Writes an image into the surface: the image's rectangle at
     * (src->x, src->y) with src->width x src->height lands at (dst_x, dst_y). */
    int (*surface_write)(struct vh_engine *engine, struct vh_surface *surface,
                         const struct vh_rect *src, uint32_t dst_x, uint32_t dst_y,
                         const struct vw_image_layout *layout, const uint8_t *data,
                         struct vh_error *err);

    /* Optional (NULL when the engine gains nothing from it): prepares host
     * memory that surface_read/surface_write will often be given, e.g. pins
     * it for DMA. The session calls it once for its arena right after
     * creating it (`base` page aligned, `size` a multiple of the page size;
     * the mapping stays valid and the same size until unregister) and
     * treats failure (non-zero) as "not registered": pointers into the
     * region must work either way, only faster when registered. On success
     * *handle is what unregister takes. fd: a memfd sealed against
     * shrinking whose first bytes `base` maps (the engine may share it with
     * another process, e.g. the GPU process), or -1. Thread safe, like
     * surface_*. */
    int (*host_memory_register)(struct vh_engine *engine, void *base, size_t size, int fd,
                                void **handle);
    /* Undoes a successful register; called before the memory is unmapped,
     * with no surface_read/surface_write on it in progress. */
    void (*host_memory_unregister)(struct vh_engine *engine, void *handle);

    /* GPU memory. All optional: NULL in an engine that keeps nothing on a
     * GPU (sw). The session charges what these say against its own GPU
     * limit and the daemon's GPU budget (vh_limits.max_gpu_bytes,
     * vh_limits.gpu_shared) before it creates the object, and gives it back
     * when the object is destroyed (before codec_destroy/surface_fini, so
     * that the engine may charge what it keeps of it: see gpu_budget).
     *
     * The most device memory a codec of this description, or this surface
     * (id, size and formats set, engine_data not yet), can come to hold. A
     * promise: the engine never allocates more for it, and refuses a stream
     * that would need more (a sequence larger than the codec's declared
     * size) with an error. Thread safe. */
    uint64_t (*codec_gpu_bytes)(struct vh_engine *engine, const struct vh_codec_desc *desc);
    uint64_t (*surface_gpu_bytes)(struct vh_engine *engine, const struct vh_surface *surface);
    /* The device's memory in bytes (0: unknown): the daemon's default GPU
     * budget is a share of it. */
    uint64_t (*gpu_memory_total)(struct vh_engine *engine);
    /* Frees the GPU memory the engine keeps beyond the sessions' objects
     * (caches), giving its charge back to gpu_budget; the session calls it
     * when the daemon's GPU budget refuses a charge, then tries once more.
     * Thread safe. */
    void (*gpu_trim)(struct vh_engine *engine);

    /* One GPU process for every worker (docs/security.md, design (a)). All
     * optional: NULL in an engine without a GPU (sw).
     *
     * Run by the GPU process (host/gpu_process.c, which sandboxes it and
     * speaks to the supervisor): creates the engine's own (local) device,
     * the only CUDA context, and sets *gpu_total (the device's memory in
     * bytes, 0: unknown). An error when the device cannot be created (err
     * set). */
    int (*gpu_server_create)(struct vh_gpu_server **out, uint64_t *gpu_total,
                             struct vh_error *err);
    /* Serves a worker's connection `fd` (AF_UNIX SOCK_SEQPACKET; taken:
     * closed on failure) on threads of its own, checking every request (a
     * worker may be compromised); its objects' device memory at most
     * gpu_limit bytes (0: no limit). worker_id names it in the log. Its
     * objects are freed when it closes its connections. */
    int (*gpu_server_attach)(struct vh_gpu_server *server, uint32_t worker_id,
                             uint64_t gpu_limit, int fd, struct vh_error *err);
    /* Ends every worker's connections, frees their objects and the device;
     * accepts NULL. */
    void (*gpu_server_destroy)(struct vh_gpu_server **server);
    /* The worker's half: an engine whose GPU work is done by the GPU
     * process over gpu_fd (its end of the connection the supervisor
     * attached; AF_UNIX SOCK_SEQPACKET; taken, closed by destroy). Its
     * caps, codec_gpu_bytes, surface_gpu_bytes and gpu_memory_total answer
     * as the GPU process's engine; host_memory_register shares memory that
     * has an fd with the GPU process (images then cross once). */
    int (*create_remote)(struct vh_engine **out, int gpu_fd, struct vh_error *err);

    /* A composite only: made of engines already created, `n` of them, one
     * of each of `parts` in that order (taken: destroyed on failure). What
     * `auto` calls once it has tried each engine alone. */
    int (*compose)(struct vh_engine **parts, uint32_t n, struct vh_engine **out,
                   struct vh_error *err);

    /* Optional: an engine made of others (multi/) passes the daemon's GPU
     * budget on to them. Use vh_engine_set_gpu_budget(). */
    void (*set_gpu_budget)(struct vh_engine *engine, struct vh_memory_budget *budget);
};


/* Base of every engine instance; engines embed it first. */
struct vh_engine {
    const struct vh_engine_ops *ops;
    /* The daemon's GPU budget (host/memory_budget.h; not owned), set by the
     * daemon right after create, before any session; NULL: none. The engine
     * charges to it the device memory it keeps outside the objects the
     * sessions charged (nvdec: its cache of free surface buffers, decoders
     * waiting for destruction), and keeps none where the charge is refused. */
    struct vh_memory_budget *gpu_budget;
};

/* Base of every codec instance; engines embed it first. */
struct vh_codec {
    struct vh_engine *engine;
};

/* Build-gated registry (src/host/engines/registry.c), in `auto` preference
 * order, NULL-terminated. */
extern const struct vh_engine_ops *const vh_engine_registry[];

/* Sets engine->gpu_budget (and that of the engines it is made of). */
void vh_engine_set_gpu_budget(struct vh_engine *engine, struct vh_memory_budget *budget);

/* Finds an engine by name; NULL if unknown. */
const struct vh_engine_ops *vh_engine_find(const char *name);

/* Whether the engine `name` ("auto" counts as every engine) is or holds
 * the engine `part` ("nvdec+vaapi+sw" holds "vaapi"). */
bool vh_engine_includes(const char *name, const char *part);

/* `auto`: each engine that is not a composite tried once, in registry
 * order (hardware first), a failure noted in the log (info) and in
 * `failed` ("nvdec unavailable: ...; ...", at most `size` bytes); those that start joined
 * by the composite of exactly them, where one is built, else the first
 * alone. VW_OK with *out set, or an error when none starts. */
int vh_engine_create_auto(struct vh_engine **out, char *failed, size_t size);

/* The engine's process_formats, NV12 and P010 where it has none. */
static inline uint32_t vh_engine_process_formats(struct vh_engine *engine)
{
    return engine->ops->process_formats ? engine->ops->process_formats(engine)
                                        : VW_RT_YUV420 | VW_RT_YUV420_10;
}

#endif /* VIVAC_HOST_ENGINE_H */
