/* A decode context on the host driver, and one picture's life on it:
 * vaBeginPicture, the codec's buffers (vaapi_<codec>.c) rendered,
 * vaEndPicture, and a wait for the target (the engine contract's decode is
 * synchronous). */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "host/engines/vaapi/vaapi_internal.h"

static const struct vaapi_codec_class *class_of(uint32_t vw_profile)
{
    switch (vw_codec_of_profile(vw_profile)) {
    case VW_CODEC_H264:
        return &vaapi_h264_class;
    case VW_CODEC_MPEG2:
        return &vaapi_mpeg2_class;
    case VW_CODEC_VP9:
        return &vaapi_vp9_class;
    case VW_CODEC_VP8:
        return &vaapi_vp8_class;
    case VW_CODEC_HEVC:
        return vw_profile == VW_PROFILE_HEVC_MAIN || vw_profile == VW_PROFILE_HEVC_MAIN10
                   ? &vaapi_hevc_class
                   : &vaapi_hevc_rext_class;
    case VW_CODEC_JPEG:
        return &vaapi_jpeg_class;
    case VW_CODEC_MPEG4:
        return &vaapi_mpeg4_class;
    default:
        return NULL;
    }
}

static const struct vw_cap *cap_of(const struct vaapi_engine *e, uint32_t profile)
{
    for (uint32_t i = 0; i < e->num_caps; i++)
        if (e->caps[i].profile == profile)
            return &e->caps[i];
    return NULL;
}

int vaapi_codec_create(struct vh_engine *engine, const struct vh_codec_desc *desc,
                       struct vh_codec **out, struct vh_error *err)
{
    struct vaapi_engine *e = vaapi_engine_get(engine);
    *out = NULL;
    const struct vw_cap *cap = cap_of(e, desc->profile);
    const struct vaapi_codec_class *cls = class_of(desc->profile);
    if (!cap || !cls)
        return vh_error_set(err, VW_ERR_UNSUPPORTED_PROFILE,
                            "vaapi: profile %u not supported on %s", desc->profile, e->device);
    if (desc->entrypoint != VW_ENTRYPOINT_DECODE)
        return vh_error_set(err, VW_ERR_UNSUPPORTED_ENTRYPOINT,
                            "vaapi: entrypoint %u not supported", desc->entrypoint);
    if (!(desc->rt_format & cap->rt_formats) || (desc->rt_format & (desc->rt_format - 1)))
        return vh_error_set(err, VW_ERR_UNSUPPORTED_FORMAT,
                            "vaapi: rt_format 0x%x not supported for profile %u",
                            desc->rt_format, desc->profile);
    if (desc->width < cap->min_width || desc->height < cap->min_height ||
        desc->width > cap->max_width || desc->height > cap->max_height)
        return vh_error_set(err, VW_ERR_RESOLUTION,
                            "vaapi: %ux%u outside %ux%u..%ux%u for profile %u", desc->width,
                            desc->height, cap->min_width, cap->min_height, cap->max_width,
                            cap->max_height, desc->profile);
    struct vaapi_codec *c = calloc(1, sizeof(*c));
    if (!c)
        return vh_error_set(err, VW_ERR_NO_MEMORY, "vaapi: out of memory");
    c->base.engine = engine;
    c->display = e->display;
    c->cls = cls;
    VAConfigAttrib rt = {.type = VAConfigAttribRTFormat,
                         .value = vaapi_rt_format_of(desc->rt_format)};
    VAStatus st = vaCreateConfig(e->display, vaapi_profile_of(desc->profile), VAEntrypointVLD,
                                 &rt, 1, &c->config);
    if (st != VA_STATUS_SUCCESS) {
        vaapi_error(err, st, VW_ERR_INTERNAL, "vaCreateConfig");
        goto err_config;
    }
    /* No render targets: the sessions' surfaces come and go while the
     * codec lives, and VA lets a decode context take any surface. */
    st = vaCreateContext(e->display, c->config, (int)desc->width, (int)desc->height,
                         VA_PROGRESSIVE, NULL, 0, &c->context);
    if (st != VA_STATUS_SUCCESS) {
        vaapi_error(err, st, VW_ERR_INTERNAL, "vaCreateContext");
        goto err_context;
    }
    *out = &c->base;
    return VW_OK;

err_context:
    vaDestroyConfig(e->display, c->config);
err_config:
    free(c);
    return err->status;
}

void vaapi_codec_destroy(struct vh_codec **codec)
{
    if (!codec || !*codec)
        return;
    struct vaapi_codec *c = (struct vaapi_codec *)*codec;
    vaDestroyContext(c->display, c->context);
    vaDestroyConfig(c->display, c->config);
    free(c);
    *codec = NULL;
}

/* Creates one buffer of `type` holding `size` bytes of `data`, appended to
 * bufs. */
static int make_buffer(struct vaapi_codec *c, VABufferType type, const void *data, size_t size,
                       VABufferID *bufs, uint32_t *n, struct vh_error *err)
{
    VABufferID id;
    /* libva's prototype takes the data as non-const; drivers copy it. */
    VAStatus st = vaCreateBuffer(c->display, c->context, type, (unsigned)size, 1, (void *)data,
                                 &id);
    if (st != VA_STATUS_SUCCESS)
        return vaapi_error(err, st, VW_ERR_NO_MEMORY, "vaCreateBuffer");
    bufs[(*n)++] = id;
    return VW_OK;
}

/* Every VA slice parameter struct starts with where its data lies; here
 * that is always a buffer of its own, whole. */
struct va_slice_data {
    uint32_t slice_data_size;
    uint32_t slice_data_offset;
    uint32_t slice_data_flag;
};
#define STARTS_WITH_SLICE_DATA(T)                                                                \
    static_assert(offsetof(T, slice_data_size) == 0 && offsetof(T, slice_data_offset) == 4 &&    \
                      offsetof(T, slice_data_flag) == 8,                                         \
                  #T " starts with its slice data's place")
STARTS_WITH_SLICE_DATA(VASliceParameterBufferH264);
STARTS_WITH_SLICE_DATA(VASliceParameterBufferMPEG2);
STARTS_WITH_SLICE_DATA(VASliceParameterBufferVP9);
STARTS_WITH_SLICE_DATA(VASliceParameterBufferVP8);
STARTS_WITH_SLICE_DATA(VASliceParameterBufferHEVC);
STARTS_WITH_SLICE_DATA(VASliceParameterBufferJPEGBaseline);
STARTS_WITH_SLICE_DATA(VASliceParameterBufferMPEG4);

/* The picture's buffers in the order they are rendered; *n of them made
 * (destroyed by the caller, also after a failure). */
static int make_buffers(struct vaapi_codec *c, const struct vh_picture *pic, VABufferID *bufs,
                        uint32_t *n, struct vh_error *err)
{
    const struct vaapi_codec_class *cls = c->cls;
    _Alignas(16) uint8_t params[VAAPI_PARAMS_MAX];
    cls->picture(pic, params);
    int rc = make_buffer(c, VAPictureParameterBufferType, params, cls->picture_size, bufs, n,
                         err);
    if (rc == VW_OK && cls->iq(pic, params))
        rc = make_buffer(c, VAIQMatrixBufferType, params, cls->iq_size, bufs, n, err);
    if (rc == VW_OK && cls->extra && cls->extra(pic, params))
        rc = make_buffer(c, cls->extra_type, params, cls->extra_size, bufs, n, err);
    for (uint32_t i = 0; rc == VW_OK && i < pic->num_slices; i++) {
        const struct vh_slice *slice = &pic->slices[i];
        rc = cls->slice(pic, slice, params, err);
        const struct va_slice_data whole = {.slice_data_size = slice->size,
                                            .slice_data_flag = VA_SLICE_DATA_FLAG_ALL};
        memcpy(params, &whole, sizeof(whole));
        if (rc == VW_OK)
            rc = make_buffer(c, VASliceParameterBufferType, params, cls->slice_size, bufs, n,
                             err);
        if (rc == VW_OK)
            rc = make_buffer(c, VASliceDataBufferType, slice->data, slice->size, bufs, n, err);
    }
    return rc;
}

int vaapi_decode(struct vh_codec *codec, const struct vh_picture *pic, struct vh_error *err)
{
    struct vaapi_codec *c = (struct vaapi_codec *)codec;
    VASurfaceID target = vaapi_surface_id(pic->target);
    uint32_t n = 0;
    /* Picture, matrix, extra, and two a slice. */
    VABufferID *bufs = calloc(3 + 2 * (size_t)pic->num_slices, sizeof(*bufs));
    if (!bufs)
        return vh_error_set(err, VW_ERR_NO_MEMORY, "vaapi: out of memory");
    VAStatus st = vaBeginPicture(c->display, c->context, target);
    int rc;
    if (st != VA_STATUS_SUCCESS) {
        rc = vaapi_error(err, st, VW_ERR_DECODE, "vaBeginPicture");
        goto out;
    }
    rc = make_buffers(c, pic, bufs, &n, err);
    /* In the order made (make_buffers). */
    if (rc == VW_OK && (st = vaRenderPicture(c->display, c->context, bufs, (int)n)) !=
                           VA_STATUS_SUCCESS)
        rc = vaapi_error(err, st, VW_ERR_DECODE, "vaRenderPicture");
    /* Ended also after a failure, so that the context takes the next
     * picture; the failure is what is reported. */
    st = vaEndPicture(c->display, c->context);
    if (rc == VW_OK && st != VA_STATUS_SUCCESS)
        rc = vaapi_error(err, st, VW_ERR_DECODE, "vaEndPicture");
    if (rc == VW_OK && (st = vaSyncSurface(c->display, target)) != VA_STATUS_SUCCESS)
        rc = vaapi_error(err, st, VW_ERR_DECODE, "vaSyncSurface");
    if (rc == VW_OK)
        ((struct vaapi_surface *)pic->target->engine_data)->written = true;
out:
    for (uint32_t i = 0; i < n; i++)
        vaDestroyBuffer(c->display, bufs[i]);
    free(bufs);
    return rc;
}
