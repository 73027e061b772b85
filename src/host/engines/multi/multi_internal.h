/* The composite engine (multi_engine.c): engines in an order of preference
 * ("parts": nvdec, vaapi, sw), each profile served by the first that has
 * it. The first part owns the session's surfaces; a codec on another part
 * decodes into that part's shadows of them and uploads each picture. */
#ifndef VIVAC_HOST_MULTI_INTERNAL_H
#define VIVAC_HOST_MULTI_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>

#include "host/engine.h"

#define MULTI_MAX_CAPS 64u
#define MULTI_MAX_PARTS 3u

/* A surface's twin in a later part: a codec of that part decodes into it,
 * then the picture is uploaded into the owner (a surface of part 0). */
struct multi_shadow {
    const struct vh_surface *owner;           /* the session's (part 0) surface */
    uint32_t part;                            /* the part whose surface it is (> 0) */
    struct vh_surface surface;
};

/* One engine of the composite and its own caps, asked once at create
 * (they do not change). */
struct multi_part {
    struct vh_engine *engine;
    struct vw_cap caps[MULTI_MAX_CAPS];
    uint32_t num_caps;
};

struct multi_engine {
    struct vh_engine base;
    struct multi_part parts[MULTI_MAX_PARTS];
    uint32_t num_parts;
    /* What the composite offers: each (profile, entrypoint) once, from
     * the first part that has it, cut to what part 0's surfaces hold;
     * cap_part[i]: the part that serves caps[i]. */
    struct vw_cap caps[MULTI_MAX_CAPS];
    uint8_t cap_part[MULTI_MAX_CAPS];
    uint32_t num_caps;
    /* What part 0's surfaces hold, so what later parts' caps may offer
     * (nvdec has no 4:2:2 surfaces, nor 10-bit ones on a CUDA without
     * cuMemsetD16Async): VW_RT_* bits, and the largest size of its caps. */
    uint32_t surface_rt_formats;
    uint32_t max_width, max_height;
    /* Shadows of every session's surfaces (sessions run on several
     * threads): an unordered array under `lock`. */
    pthread_mutex_t lock;
    struct multi_shadow **shadows;
    size_t num_shadows, room_shadows;
};

static inline struct multi_engine *multi_engine_of(struct vh_engine *e)
{
    return (struct multi_engine *)e;
}

/* The part that serves (profile, entrypoint): the first that offers it;
 * num_parts if none does. */
uint32_t multi_part_serving(const struct multi_engine *m, uint32_t profile, uint32_t entrypoint);
/* The first part after `after` whose own caps have (profile, entrypoint);
 * num_parts if none. */
uint32_t multi_part_next(const struct multi_engine *m, uint32_t after, uint32_t profile,
                         uint32_t entrypoint);

/* What each composite's vtable (multi_<parts>.c) calls with itself as `ops`:
 * create every part (create), part 0 as the GPU process's client and the
 * others locally (create_remote), or take parts already created
 * (compose; taken: destroyed on failure). */
int multi_create(const struct vh_engine_ops *ops, struct vh_engine **out, struct vh_error *err);
int multi_create_remote(const struct vh_engine_ops *ops, int gpu_fd, struct vh_engine **out,
                        struct vh_error *err);
int multi_compose(const struct vh_engine_ops *ops, struct vh_engine **parts, uint32_t n,
                  struct vh_engine **out, struct vh_error *err);

/* multi_shadow.c: owner's shadow in `part`, made on first use (same id,
 * size and formats); NULL with err set when the part refuses it. */
struct vh_surface *multi_shadow_get(struct multi_engine *m, uint32_t part,
                                    const struct vh_surface *owner, struct vh_error *err);
/* Frees owner's shadows, if it has any (their part's surface_fini). */
void multi_shadow_drop(struct multi_engine *m, const struct vh_surface *owner);
/* Frees every shadow (engine destroy). */
void multi_shadow_drop_all(struct multi_engine *m);

/* multi_codec.c: a codec on the part that serves its profile. */
int multi_codec_create(struct vh_engine *engine, const struct vh_codec_desc *desc,
                       struct vh_codec **out, struct vh_error *err);
void multi_codec_destroy(struct vh_codec **codec);
int multi_decode(struct vh_codec *codec, const struct vh_picture *pic, struct vh_error *err);
/* Video processing on the first part that has it (sw), through shadows. */
int multi_process(struct vh_codec *codec, const struct vh_process *job, struct vh_error *err);
/* RGB32 where part 0 holds RGB32 surfaces and a part processes into them. */
uint32_t multi_process_outputs(struct vh_engine *engine);
/* The YUV formats a part processes (sw: all; nvdec: 4:2:0) where part 0
 * holds such surfaces. */
uint32_t multi_process_formats(struct vh_engine *engine);

/* multi_engine.c: the operations every composite shares. */
void multi_destroy(struct vh_engine **engine);
int multi_query_caps(struct vh_engine *engine, struct vw_cap *caps, uint32_t max,
                     uint32_t *count);
int multi_surface_init(struct vh_engine *engine, struct vh_surface *surface,
                       struct vh_error *err);
void multi_surface_fini(struct vh_engine *engine, struct vh_surface *surface);
int multi_surface_read(struct vh_engine *engine, struct vh_surface *surface,
                       const struct vh_rect *rect, const struct vw_image_layout *layout,
                       uint8_t *dst, struct vh_error *err);
int multi_surface_write(struct vh_engine *engine, struct vh_surface *surface,
                        const struct vh_rect *src, uint32_t dst_x, uint32_t dst_y,
                        const struct vw_image_layout *layout, const uint8_t *data,
                        struct vh_error *err);
int multi_host_memory_register(struct vh_engine *engine, void *base, size_t size, int fd,
                               void **handle);
void multi_host_memory_unregister(struct vh_engine *engine, void *handle);
uint64_t multi_codec_gpu_bytes(struct vh_engine *engine, const struct vh_codec_desc *desc);
uint64_t multi_surface_gpu_bytes(struct vh_engine *engine, const struct vh_surface *surface);
uint64_t multi_gpu_memory_total(struct vh_engine *engine);
void multi_gpu_trim(struct vh_engine *engine);
void multi_set_gpu_budget(struct vh_engine *engine, struct vh_memory_budget *budget);

/* The composite's operations, whatever its parts. */
#define MULTI_COMMON_OPS                                                                         \
    .destroy = multi_destroy, .query_caps = multi_query_caps,                                  \
    .surface_init = multi_surface_init, .surface_fini = multi_surface_fini,                    \
    .codec_create = multi_codec_create, .codec_destroy = multi_codec_destroy,                  \
    .decode = multi_decode, .process = multi_process,                                          \
    .process_outputs = multi_process_outputs,                                                  \
    .process_formats = multi_process_formats,                                                  \
    .surface_read = multi_surface_read,                                                        \
    .surface_write = multi_surface_write,                                                      \
    .host_memory_register = multi_host_memory_register,                                        \
    .host_memory_unregister = multi_host_memory_unregister,                                    \
    .codec_gpu_bytes = multi_codec_gpu_bytes, .surface_gpu_bytes = multi_surface_gpu_bytes,    \
    .gpu_memory_total = multi_gpu_memory_total, .gpu_trim = multi_gpu_trim,                    \
    .set_gpu_budget = multi_set_gpu_budget

/* The entry points of the composite `vtable` (in its multi_<parts>.c):
 * static create and compose (and create_remote where part 0 has a GPU
 * process half), each the multi_* function above with the vtable. */
#define MULTI_ENTRY_POINTS(vtable)                                                               \
    static int create(struct vh_engine **out, struct vh_error *err)                            \
    {                                                                                            \
        return multi_create(&(vtable), out, err);                                              \
    }                                                                                            \
    static int compose(struct vh_engine **parts, uint32_t n, struct vh_engine **out,           \
                       struct vh_error *err)                                                     \
    {                                                                                            \
        return multi_compose(&(vtable), parts, n, out, err);                                   \
    }
#define MULTI_REMOTE_ENTRY_POINT(vtable)                                                         \
    static int create_remote(struct vh_engine **out, int gpu_fd, struct vh_error *err)         \
    {                                                                                            \
        return multi_create_remote(&(vtable), gpu_fd, out, err);                               \
    }

/* multi_nvdec_sw.c: the GPU process of a composite whose part 0 is nvdec
 * is nvdec's (the other parts run in the worker). */
int multi_nvdec_gpu_server_create(struct vh_gpu_server **out, uint64_t *gpu_total,
                                  struct vh_error *err);
int multi_nvdec_gpu_server_attach(struct vh_gpu_server *server, uint32_t worker_id,
                                  uint64_t gpu_limit, int fd, struct vh_error *err);
void multi_nvdec_gpu_server_destroy(struct vh_gpu_server **server);
/* The vtable fields of such a composite's GPU process (with
 * MULTI_REMOTE_ENTRY_POINT). */
#define MULTI_NVDEC_GPU_PROCESS_OPS                                                              \
    .create_remote = create_remote, .gpu_server_create = multi_nvdec_gpu_server_create,        \
    .gpu_server_attach = multi_nvdec_gpu_server_attach,                                        \
    .gpu_server_destroy = multi_nvdec_gpu_server_destroy

#endif
