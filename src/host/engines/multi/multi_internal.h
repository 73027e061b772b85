/* The composite engine (multi_engine.c): a hardware engine (the primary)
 * with the sw engine beside it for the profiles the primary lacks. */
#ifndef VIVAC_HOST_MULTI_INTERNAL_H
#define VIVAC_HOST_MULTI_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>

#include "host/engine.h"

#define MULTI_MAX_CAPS 64u

/* A fallback-decoded surface's twin in the fallback engine (host memory):
 * the fallback codec decodes into it, then the picture is uploaded into the
 * primary's surface. */
struct multi_shadow {
    const struct vh_surface *owner;           /* the session's (primary) surface */
    struct vh_surface surface;                /* the fallback engine's */
};

struct multi_engine {
    struct vh_engine base;
    struct vh_engine *primary;
    struct vh_engine *fallback;
    /* The primary's caps, asked once at create (they do not change). */
    struct vw_cap primary_caps[MULTI_MAX_CAPS];
    uint32_t num_primary_caps;
    /* What the primary's surfaces hold, so what the fallback's caps may
     * offer (nvdec has no 4:2:2 surfaces, nor 10-bit ones on a CUDA
     * without cuMemsetD16Async): VW_RT_* bits, and the largest size of the
     * primary's caps. */
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

/* Whether the primary offers (profile, entrypoint). */
bool multi_primary_has(const struct multi_engine *m, uint32_t profile, uint32_t entrypoint);

/* multi_create_parts: the primary made by `make_primary` (its create or
 * create_remote), the sw engine beside it. `ops` is the composite's vtable. */
int multi_create_parts(const struct vh_engine_ops *ops, struct vh_engine *primary,
                       struct vh_engine **out, struct vh_error *err);

/* multi_shadow.c: the shadow of `owner`, made on first use (same id, size
 * and formats); NULL with err set when the fallback engine refuses it. */
struct vh_surface *multi_shadow_get(struct multi_engine *m, const struct vh_surface *owner,
                                    struct vh_error *err);
/* Frees owner's shadow if it has one (its surface_fini). */
void multi_shadow_drop(struct multi_engine *m, const struct vh_surface *owner);
/* Frees every shadow (engine destroy). */
void multi_shadow_drop_all(struct multi_engine *m);

/* multi_codec.c: a codec on the primary or on the fallback engine. */
int multi_codec_create(struct vh_engine *engine, const struct vh_codec_desc *desc,
                       struct vh_codec **out, struct vh_error *err);
void multi_codec_destroy(struct vh_codec **codec);
int multi_decode(struct vh_codec *codec, const struct vh_picture *pic, struct vh_error *err);

#endif
