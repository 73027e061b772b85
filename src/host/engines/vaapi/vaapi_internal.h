/*
 * Internals of the vaapi engine: decode on the host's own libva driver
 * (Intel's media driver, Mesa's radeonsi, ... or, in tests, vivac's guest
 * driver talking to a second vivacd). Guest and host both speak VA, so a
 * picture's wire parameters go back into the VA structs they came from and
 * its slices go to the driver as they came, one buffer each: no bitstream
 * is rebuilt. Surfaces live in the host driver; pixels cross only when the
 * guest reads or writes them.
 *
 * Thread safety: the sessions' threads call libva on the one display at
 * once (the drivers lock inside: Intel's, Mesa's, vivac's); the engine's
 * own state is set in create and only read afterwards, a surface's and a
 * codec's by their session's thread alone.
 */
#ifndef VIVAC_VAAPI_INTERNAL_H
#define VIVAC_VAAPI_INTERNAL_H

#include <stdbool.h>

#include <va/va.h>

#include "host/engine.h"

/* The caps the engine found on the host driver: at most one per profile of
 * vaapi_profiles. */
#define VAAPI_MAX_CAPS 24

struct vaapi_engine {
    struct vh_engine base;
    int fd;                                   /* the DRM device the display is on */
    VADisplay display;
    char device[64];                          /* its path, for the log */
    uint32_t num_caps;
    struct vw_cap caps[VAAPI_MAX_CAPS];
};

static inline struct vaapi_engine *vaapi_engine_get(struct vh_engine *e)
{
    return (struct vaapi_engine *)e;
}

/* vh_surface.engine_data. `written`: a decode or an upload has given it
 * pixels; until then it reads as black (a fresh VA surface holds whatever
 * the driver's allocator left there). */
struct vaapi_surface {
    VASurfaceID id;
    bool written;
};

static inline VASurfaceID vaapi_surface_id(const struct vh_surface *s)
{
    return ((const struct vaapi_surface *)s->engine_data)->id;
}

/* A resolved reference (vh_picture.refs) as VA names it: NULL is none. */
static inline VASurfaceID vaapi_ref_id(const struct vh_surface *s)
{
    return s ? vaapi_surface_id(s) : VA_INVALID_SURFACE;
}

/* vaapi_display.c: opens a VA display on the first of `passed` (render
 * nodes the supervisor opened: VIVAC_VAAPI_FDS, render_nodes.h) whose
 * driver initialises; without those on `path`, or when path is NULL or
 * empty on the first /dev/dri/renderD* whose driver initialises (libva
 * picks the driver, LIBVA_DRIVER_NAME first). */
int vaapi_display_open(struct vaapi_engine *e, const char *path, const char *passed,
                       struct vh_error *err);
void vaapi_display_close(struct vaapi_engine *e);

/* vaapi_status.c: a failed VA call as a vh_error: the status that fits
 * (`fallback` where none does), the call's name and libva's text. */
int vaapi_error(struct vh_error *err, VAStatus st, int fallback, const char *call);

/* vaapi_caps.c: the VA profile of a wire profile (VAProfileNone: none the
 * engine decodes); fills e->caps with what the host driver lists. */
VAProfile vaapi_profile_of(uint32_t vw_profile);
int vaapi_caps_probe(struct vaapi_engine *e, struct vh_error *err);
/* VW_RT_* <-> VA_RT_FORMAT_*: 0 where the other side has none. */
unsigned vaapi_rt_format_of(uint32_t vw_rt_format);

/* vaapi_surface.c */
int vaapi_surface_init(struct vh_engine *engine, struct vh_surface *surface,
                       struct vh_error *err);
void vaapi_surface_fini(struct vh_engine *engine, struct vh_surface *surface);
int vaapi_surface_read(struct vh_engine *engine, struct vh_surface *surface,
                       const struct vh_rect *rect, const struct vw_image_layout *layout,
                       uint8_t *dst, struct vh_error *err);
int vaapi_surface_write(struct vh_engine *engine, struct vh_surface *surface,
                        const struct vh_rect *src, uint32_t dst_x, uint32_t dst_y,
                        const struct vw_image_layout *layout, const uint8_t *data,
                        struct vh_error *err);

/* A decode context on the host driver. */
struct vaapi_codec {
    struct vh_codec base;
    VADisplay display;
    VAConfigID config;
    VAContextID context;
    const struct vaapi_codec_class *cls;
};

/* What differs between codecs: the VA structs of a picture's parameters,
 * its optional matrix and each slice's parameters, made from the wire
 * structs. vaapi_codec.c makes the buffers (picture, matrix, extra, then
 * each slice's parameters followed by its data as its own buffer)
 * and renders them. The structs are at most VAAPI_PARAMS_MAX bytes. */
#define VAAPI_PARAMS_MAX 8192u
struct vaapi_codec_class {
    const char *name;
    size_t picture_size, iq_size, slice_size;
    void (*picture)(const struct vh_picture *pic, void *out);
    /* false: the client sent none, and none goes to the driver. */
    bool (*iq)(const struct vh_picture *pic, void *out);
    /* Optional: a buffer of extra_type after the matrix, likewise (VP8's
     * probabilities, JPEG's Huffman tables). */
    VABufferType extra_type;
    size_t extra_size;
    bool (*extra)(const struct vh_picture *pic, void *out);
    /* The fields after where the slice's data lies, which vaapi_codec.c
     * fills (a buffer of its own, whole: every VA slice struct starts with
     * slice_data_size, slice_data_offset, slice_data_flag). */
    int (*slice)(const struct vh_picture *pic, const struct vh_slice *slice, void *out,
                 struct vh_error *err);
    /* Optional: a second surface the picture writes (AV1's film grain
     * output), NULL where there is none. */
    struct vh_surface *(*second_output)(const struct vh_picture *pic);
};

extern const struct vaapi_codec_class vaapi_h264_class;
extern const struct vaapi_codec_class vaapi_mpeg2_class;
extern const struct vaapi_codec_class vaapi_vp9_class;
extern const struct vaapi_codec_class vaapi_vp8_class;
extern const struct vaapi_codec_class vaapi_hevc_class;
extern const struct vaapi_codec_class vaapi_hevc_rext_class;
extern const struct vaapi_codec_class vaapi_jpeg_class;
extern const struct vaapi_codec_class vaapi_mpeg4_class;
extern const struct vaapi_codec_class vaapi_av1_class;

/* vaapi_codec.c */
int vaapi_codec_create(struct vh_engine *engine, const struct vh_codec_desc *desc,
                       struct vh_codec **out, struct vh_error *err);
void vaapi_codec_destroy(struct vh_codec **codec);
int vaapi_decode(struct vh_codec *codec, const struct vh_picture *pic, struct vh_error *err);

#endif
