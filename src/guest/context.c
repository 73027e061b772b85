#include "guest/context.h"

#include <stdlib.h>
#include <string.h>

#include "common/cursor.h"
#include "common/log.h"
#include "common/pixel_format.h"
#include "guest/buffer.h"
#include "guest/config.h"
#include "guest/enc_params.h"
#include "guest/encode.h"
#include "guest/session.h"
#include "guest/surface.h"
#include "guest/vpp.h"

/* ---- picture state -------------------------------------------------------- */

static void reset_picture(struct vg_context *c)
{
    c->in_picture = false;
    c->target = VA_INVALID_SURFACE;
    c->have_picture = c->have_iq = c->have_prob = false;
    c->num_slices = 0;
    c->first_unpaired = 0;
    c->blob_len = 0;
    c->have_orphan_data = false;
    c->have_last_data = false;
    if (c->enc)
        vg_enc_params_new_picture(c->enc);
    if (c->proc)
        c->proc->have_job = false;
}

static void free_context(struct vg_context *c)
{
    if (!c)
        return;
    free(c->picture);
    free(c->iq);
    free(c->prob);
    free(c->slices);
    free(c->slice_sizes);
    free(c->blob);
    free(c->enc);
    free(c->proc);
    free(c);
}

void vg_contexts_free_all(struct vg_driver *drv)
{
    for (uint32_t id = 1; id <= drv->contexts.capacity; id++)
        free_context(vg_table_remove(&drv->contexts, id));
    vg_table_finish(&drv->contexts);
}

/* The larger of a codec's base and extended VA struct. */
static size_t max_size(size_t base, size_t ext)
{
    return ext > base ? ext : base;
}

/* Bytes a slice takes in c->slices: room for the extended struct. */
static size_t slice_stride(const struct vg_codec *k)
{
    return max_size(k->va_slice_size, k->va_slice_ext_size);
}

/* How much of a VA buffer element of `size` bytes is the codec's struct:
 * the extended one if it is that big, else the base one (an app's struct
 * may be larger than ours); 0 if too small. */
static size_t struct_size(size_t size, size_t base, size_t ext)
{
    if (ext && size >= ext)
        return ext;
    return size >= base ? base : 0;
}

/* VASliceParameterBufferBase: the first three fields of every slice struct. */
static VASliceParameterBufferBase *slice_base(struct vg_context *c, uint32_t i)
{
    return (VASliceParameterBufferBase *)(c->slices + (size_t)i * slice_stride(c->codec));
}

/* Rebases slices [first_unpaired, num_slices) onto the data buffer stored at
 * [start, start+len) of the blob, checking each slice lies inside it. */
static VAStatus pair_slices(struct vg_context *c, size_t start, size_t len)
{
    for (uint32_t i = c->first_unpaired; i < c->num_slices; i++) {
        VASliceParameterBufferBase *s = slice_base(c, i);
        if (!vc_range_ok(s->slice_data_offset, s->slice_data_size, len) || s->slice_data_size == 0) {
            vc_warn("slice %u: data [%u, +%u) outside its %zu-byte slice data buffer", i,
                    s->slice_data_offset, s->slice_data_size, len);
            return VA_STATUS_ERROR_INVALID_PARAMETER;
        }
        s->slice_data_offset += (uint32_t)start;
    }
    c->first_unpaired = c->num_slices;
    return VA_STATUS_SUCCESS;
}

static VAStatus render_picture_params(struct vg_context *c, const struct vg_buffer *b)
{
    size_t n = struct_size(b->size, c->codec->va_picture_size, c->codec->va_picture_ext_size);
    if (n == 0)
        return VA_STATUS_ERROR_INVALID_BUFFER;
    memcpy(c->picture, b->data, n);
    c->picture_size = n;
    c->have_picture = true;
    return VA_STATUS_SUCCESS;
}

static VAStatus render_iq_matrix(struct vg_context *c, const struct vg_buffer *b)
{
    if (c->codec->va_iq_size == 0)
        return VA_STATUS_ERROR_UNSUPPORTED_BUFFERTYPE;
    if (b->size < c->codec->va_iq_size)
        return VA_STATUS_ERROR_INVALID_BUFFER;
    memcpy(c->iq, b->data, c->codec->va_iq_size);
    c->have_iq = true;
    return VA_STATUS_SUCCESS;
}

static VAStatus render_probability(struct vg_context *c, const struct vg_buffer *b)
{
    /* JPEG's is the Huffman table buffer, VP8's the probability buffer. */
    if (c->codec->va_prob_size == 0 ||
        (b->type == VAHuffmanTableBufferType) != (c->codec->vw_codec == VW_CODEC_JPEG))
        return VA_STATUS_ERROR_UNSUPPORTED_BUFFERTYPE;
    if (b->size < c->codec->va_prob_size)
        return VA_STATUS_ERROR_INVALID_BUFFER;
    memcpy(c->prob, b->data, c->codec->va_prob_size);
    c->have_prob = true;
    return VA_STATUS_SUCCESS;
}

static VAStatus render_slice_params(struct vg_context *c, const struct vg_buffer *b)
{
    size_t stride = slice_stride(c->codec);
    size_t sz = struct_size(b->size, c->codec->va_slice_size, c->codec->va_slice_ext_size);
    if (sz == 0)
        return VA_STATUS_ERROR_INVALID_BUFFER;
    if (b->num_elements > VW_MAX_SLICES - c->num_slices) {
        vc_warn("more than %u slices in one picture", VW_MAX_SLICES);
        return VA_STATUS_ERROR_MAX_NUM_EXCEEDED;
    }
    uint32_t need = c->num_slices + b->num_elements;
    if (need > c->slices_capacity) {
        uint32_t cap = c->slices_capacity ? c->slices_capacity : 16;
        while (cap < need)
            cap *= 2;
        uint8_t *p = realloc(c->slices, cap * stride);
        if (!p)
            return VA_STATUS_ERROR_ALLOCATION_FAILED;
        c->slices = p;
        uint32_t *sizes = realloc(c->slice_sizes, cap * sizeof(*sizes));
        if (!sizes)
            return VA_STATUS_ERROR_ALLOCATION_FAILED;
        c->slice_sizes = sizes;
        c->slices_capacity = cap;
    }
    for (uint32_t i = 0; i < b->num_elements; i++) {
        /* Elements are b->size apart; an app's struct may be larger than ours. */
        const uint8_t *src = b->data + (size_t)i * b->size;
        memcpy(c->slices + (size_t)c->num_slices * stride, src, sz);
        c->slice_sizes[c->num_slices] = (uint32_t)sz;
        if (slice_base(c, c->num_slices)->slice_data_flag != VA_SLICE_DATA_FLAG_ALL) {
            vc_warn("partial slice data (slice_data_flag %u) is not supported",
                    slice_base(c, c->num_slices)->slice_data_flag);
            return VA_STATUS_ERROR_INVALID_PARAMETER;
        }
        c->num_slices++;
    }
    return VA_STATUS_SUCCESS;
}

static VAStatus render_slice_data(struct vg_context *c, const struct vg_buffer *b)
{
    size_t len = (size_t)b->size * b->num_elements;
    if (len > UINT32_MAX - c->blob_len || c->blob_len + len > VW_MAX_MESSAGE)
        return VA_STATUS_ERROR_MAX_NUM_EXCEEDED;
    if (c->blob_len + len > c->blob_capacity) {
        size_t cap = c->blob_capacity ? c->blob_capacity : 65536;
        while (cap < c->blob_len + len)
            cap *= 2;
        uint8_t *p = realloc(c->blob, cap);
        if (!p)
            return VA_STATUS_ERROR_ALLOCATION_FAILED;
        c->blob = p;
        c->blob_capacity = cap;
    }
    size_t start = c->blob_len;
    if (c->codec->dedupe_slice_data && c->first_unpaired < c->num_slices &&
        c->have_last_data && c->last_data_len == len &&
        memcmp(c->blob + c->last_data_start, b->data, len) == 0)
        return pair_slices(c, c->last_data_start, len);
    if (c->first_unpaired < c->num_slices) {
        /* The usual order: slice parameters, then the data they describe. */
        VAStatus st = pair_slices(c, start, len);
        if (st)
            return st;
    } else {
        /* Data first: the next slice parameters refer to it. */
        c->have_orphan_data = true;
        c->orphan_start = start;
        c->orphan_len = len;
    }
    memcpy(c->blob + start, b->data, len);
    c->blob_len += len;
    c->have_last_data = true;
    c->last_data_start = start;
    c->last_data_len = len;
    return VA_STATUS_SUCCESS;
}

typedef VAStatus (*render_fn)(struct vg_context *c, const struct vg_buffer *b);

static const render_fn render_table[] = {
    [VAPictureParameterBufferType] = render_picture_params,
    [VAIQMatrixBufferType] = render_iq_matrix,
    [VASliceParameterBufferType] = render_slice_params,
    [VASliceDataBufferType] = render_slice_data,
    [VAProbabilityBufferType] = render_probability,
    /* JPEG's second table buffer takes the probability buffer's place. */
    [VAHuffmanTableBufferType] = render_probability,
};

/* ---- posting a picture ---------------------------------------------------- */

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

/* Packs the picture into one DECODE_BITSTREAM message head (everything but
 * the slice data). */
static VAStatus pack_message(struct vg_driver *drv, struct vg_context *c, uint8_t **out,
                             size_t *out_len)
{
    const struct vg_codec *k = c->codec;
    /* The optional block needs every VA buffer it is made of, unless the
     * codec takes either alone (JPEG: load flags say what a buffer loads). */
    bool extra = k->prob_alone ? c->have_iq || c->have_prob
                               : c->have_iq && (k->va_prob_size == 0 || c->have_prob);
    if (k->va_prob_size && !k->prob_alone && c->have_iq != c->have_prob) {
        vc_warn("%s: an IQ matrix buffer needs a probability buffer and vice versa", k->name);
        return VA_STATUS_ERROR_INVALID_PARAMETER;
    }
    /* The whole picture struct is packed; a daemon older than 1.2 gets the
     * 1.1 prefix when the rest is zero. The message has room for the whole
     * struct, the slack after the slices goes unsent. */
    size_t picture_size = k->wire_picture_size;
    size_t len = sizeof(struct vw_decode_bitstream) + k->wire_picture_size +
                 (extra ? k->wire_iq_size : 0) + (size_t)c->num_slices * k->wire_slice_size;
    uint8_t *msg = calloc(1, len);
    if (!msg)
        return VA_STATUS_ERROR_ALLOCATION_FAILED;
    struct vw_decode_bitstream *hdr = (struct vw_decode_bitstream *)msg;
    uint8_t *p = msg + sizeof(*hdr);
    VAStatus st = k->pack_picture(drv, c->target, c->picture, c->picture_size, p);
    if (!st && k->wire_picture_size_v11 && drv->conn.hello.version_minor < 2) {
        if (!all_zero(p + k->wire_picture_size_v11,
                      k->wire_picture_size - k->wire_picture_size_v11)) {
            vc_warn("%s: vivacd speaks protocol %u.%u, which lacks this picture's fields "
                    "(1.2: range extensions)", k->name, drv->conn.hello.version_major,
                    drv->conn.hello.version_minor);
            st = VA_STATUS_ERROR_UNSUPPORTED_PROFILE;
        }
        picture_size = k->wire_picture_size_v11;
        len -= k->wire_picture_size - picture_size;
    }
    *hdr = (struct vw_decode_bitstream){
        .codec_id = 0, .codec = k->vw_codec, .flags = extra ? VW_DECODE_HAS_IQ_MATRIX : 0,
        .num_slices = c->num_slices, .picture_params_size = (uint32_t)picture_size,
        .iq_matrix_size = extra ? (uint32_t)k->wire_iq_size : 0,
        .slice_params_size = (uint32_t)k->wire_slice_size};
    p += picture_size;
    if (!st && extra) {
        st = k->pack_iq(c->have_iq ? c->iq : NULL, c->have_prob ? c->prob : NULL, p);
        p += k->wire_iq_size;
    }
    for (uint32_t i = 0; i < c->num_slices && !st; i++) {
        st = k->pack_slice(drv, c->slices + (size_t)i * slice_stride(k), c->slice_sizes[i], p);
        p += k->wire_slice_size;
    }
    if (st) {
        free(msg);
        return st;
    }
    *out = msg;
    *out_len = len;
    return VA_STATUS_SUCCESS;
}

static VAStatus end_picture(struct vg_driver *drv, VAContextID id, struct vg_context *c)
{
    struct vg_surface *s = vg_surface_get(drv, c->target);
    if (!s)
        return VA_STATUS_ERROR_INVALID_SURFACE;
    if (!c->have_picture) {
        vc_warn("vaEndPicture without picture parameters");
        return VA_STATUS_ERROR_INVALID_PARAMETER;
    }
    if (c->first_unpaired < c->num_slices) {
        if (!c->have_orphan_data) {
            vc_warn("vaEndPicture: %u slice(s) without slice data", c->num_slices - c->first_unpaired);
            return VA_STATUS_ERROR_INVALID_PARAMETER;
        }
        VAStatus st = pair_slices(c, c->orphan_start, c->orphan_len);
        if (st)
            return st;
    }
    if (c->num_slices == 0) {
        vc_warn("vaEndPicture without slices");
        return VA_STATUS_ERROR_INVALID_PARAMETER;
    }

    uint8_t *msg;
    size_t msg_len;
    VAStatus st = pack_message(drv, c, &msg, &msg_len);
    if (st)
        return st;
    struct vw_decode_bitstream *hdr = (struct vw_decode_bitstream *)msg;
    hdr->codec_id = id;

    /* The blob goes to the arena when it fits (freed when the DECODE_BITSTREAM
     * reply is read), else inline after the parameters. */
    uint64_t region = VG_NO_REGION;
    const void *inline_data = NULL;
    size_t inline_len = 0;
    if (vg_conn_alloc(&drv->conn, c->blob_len, &region) == 0) {
        memcpy(vg_conn_arena_ptr(&drv->conn, region), c->blob, c->blob_len);
        hdr->data = (struct vw_data_ref){.location = VW_LOC_ARENA, .offset = region,
                                         .size = c->blob_len};
    } else {
        region = VG_NO_REGION;
        hdr->data = (struct vw_data_ref){.location = VW_LOC_INLINE, .size = c->blob_len};
        inline_data = c->blob;
        inline_len = c->blob_len;
        if (msg_len + inline_len > VW_MAX_MESSAGE) {
            free(msg);
            return VA_STATUS_ERROR_MAX_NUM_EXCEEDED;
        }
    }

    uint32_t second = c->codec->second_output
                          ? c->codec->second_output(msg + sizeof(struct vw_decode_bitstream))
                          : VW_INVALID_ID;
    int err = vg_surface_post_frame(drv, id, c->target, VW_OP_DECODE_BITSTREAM, msg, msg_len,
                                    inline_data, inline_len, region);
    free(msg);
    if (err)
        return vg_status_from_errno(err);
    struct vg_surface *out = second != c->target ? vg_surface_get(drv, second) : NULL;
    if (out)
        out->output_of = c->target;
    return VA_STATUS_SUCCESS;
}

/* ---- entry points --------------------------------------------------------- */

/* The chroma format the decoder is created for (VW_RT_*): the daemon
 * decodes only into surfaces of the codec's format, and the render targets
 * know it better than the config: ffmpeg creates a config without an
 * RTFormat attribute, then surfaces of the format closest to the stream's
 * (Y210 for 4:2:2 10-bit on an HEVC Main422_10 config). So: the targets'
 * format when they all share one the profile decodes into, else the
 * config's (GStreamer passes no targets, but an RTFormat attribute). */
static uint32_t context_rt_format(struct vg_driver *drv, const struct vg_config *cfg,
                                  const VASurfaceID *targets, int num_targets)
{
    uint32_t rt = 0;
    for (int i = 0; i < num_targets; i++) {
        const struct vg_surface *s = vg_surface_get(drv, targets[i]);
        const struct vc_pixel_format *pf = s ? vc_pixel_format_get(s->fourcc) : NULL;
        if (!pf || (rt && pf->rt_format != rt)) {
            rt = 0;
            break;
        }
        rt = pf->rt_format;
    }
    return rt && (cfg->cap.rt_formats & rt) ? rt : vg_rt_format_to_vw(cfg->rt_format);
}

VAStatus vg_CreateContext(VADriverContextP ctx, VAConfigID config_id, int picture_width,
                          int picture_height, int flag, VASurfaceID *render_targets,
                          int num_render_targets, VAContextID *context)
{
    if (!context || num_render_targets < 0 || (num_render_targets && !render_targets))
        return VA_STATUS_ERROR_INVALID_PARAMETER;
    struct vg_driver *drv = vg_lock(ctx);
    VAStatus st = VA_STATUS_SUCCESS;
    struct vg_context *c = NULL;
    struct vg_config *cfg = vg_table_get(&drv->configs, config_id);
    if (!cfg) {
        st = VA_STATUS_ERROR_INVALID_CONFIG;
        goto out;
    }
    /* A VideoProc context's size means nothing (each job's regions are
     * its surfaces'): GStreamer creates it 0x0; the daemon is told the
     * smallest. */
    if (cfg->entrypoint == VAEntrypointVideoProc && picture_width == 0 && picture_height == 0) {
        picture_width = (int)cfg->cap.min_width;
        picture_height = (int)cfg->cap.min_height;
    }
    if (picture_width <= 0 || picture_height <= 0 ||
        (uint32_t)picture_width < cfg->cap.min_width || (uint32_t)picture_width > cfg->cap.max_width ||
        (uint32_t)picture_height < cfg->cap.min_height || (uint32_t)picture_height > cfg->cap.max_height) {
        st = VA_STATUS_ERROR_RESOLUTION_NOT_SUPPORTED;
        goto out;
    }
    /* The list is advisory: surfaces not in it may be render targets too
     * (GStreamer passes none). */
    for (int i = 0; i < num_render_targets; i++) {
        if (!vg_surface_get(drv, render_targets[i])) {
            st = VA_STATUS_ERROR_INVALID_SURFACE;
            goto out;
        }
    }
    bool proc = cfg->entrypoint == VAEntrypointVideoProc;
    const struct vg_codec *codec = proc ? NULL : vg_codec_for_profile(cfg->vw_profile);
    if (!codec && !proc) {
        st = VA_STATUS_ERROR_UNSUPPORTED_PROFILE;
        goto out;
    }
    /* Before the context exists (GStreamer creates one without surfaces). */
    int err = vg_session_ensure(drv);
    if (err) {
        st = vg_status_from_errno(err);
        goto out;
    }
    c = calloc(1, sizeof(*c));
    if (c && proc) {
        if (!(c->proc = calloc(1, sizeof(*c->proc)))) {
            st = VA_STATUS_ERROR_ALLOCATION_FAILED;
            goto err_free;
        }
    } else if (!c ||
        !(c->picture = malloc(max_size(codec->va_picture_size, codec->va_picture_ext_size))) ||
        !(c->iq = malloc(codec->va_iq_size ? codec->va_iq_size : 1)) ||
        !(c->prob = malloc(codec->va_prob_size ? codec->va_prob_size : 1))) {
        st = VA_STATUS_ERROR_ALLOCATION_FAILED;
        goto err_free;
    }
    bool encode = cfg->entrypoint == VAEntrypointEncSlice;
    if (encode) {
        /* The coded size: FFmpeg aligns it to whole macroblocks or coding
         * blocks, its input surfaces keep the display size (cropping). */
        c->enc = malloc(sizeof(*c->enc));
        if (!c->enc) {
            st = VA_STATUS_ERROR_ALLOCATION_FAILED;
            goto err_free;
        }
        vg_enc_params_init(c->enc, cfg->vw_profile, cfg->rc_mode, &cfg->enc,
                           (uint32_t)picture_width, (uint32_t)picture_height);
    }
    c->config = config_id;
    c->vw_profile = cfg->vw_profile;
    c->codec = codec;
    c->width = (uint32_t)picture_width;
    c->height = (uint32_t)picture_height;
    reset_picture(c);
    uint32_t id;
    if (vg_table_insert(&drv->contexts, c, &id)) {
        st = VA_STATUS_ERROR_ALLOCATION_FAILED;
        goto err_free;
    }
    struct vw_create_codec req = {.codec_id = id, .profile = cfg->vw_profile,
                                  .entrypoint = encode ? VW_ENTRYPOINT_ENCODE
                                                : proc ? VW_ENTRYPOINT_VIDEOPROC
                                                       : VW_ENTRYPOINT_DECODE,
                                  .rt_format = context_rt_format(drv, cfg, render_targets,
                                                                 num_render_targets),
                                  .width = c->width, .height = c->height};
    struct vg_result res = {0};
    err = vg_conn_call(&drv->conn, VW_OP_CREATE_CODEC, &req, sizeof(req), NULL, 0, &res);
    if (err || res.status != VW_OK) {
        if (!err)
            vc_error("vivacd cannot create a %s %s %ux%u: %s: %s",
                     codec ? codec->name : "video", encode ? "encoder"
                                                   : proc ? "processor" : "decoder", c->width, c->height,
                     vw_status_name(res.status), res.message);
        st = err ? vg_status_from_errno(err) : vg_status_from_vw(res.status);
        vg_table_remove(&drv->contexts, id);
        goto err_free;
    }
    *context = id;
    goto out;

err_free:
    free_context(c);
out:
    vg_unlock(drv);
    return st;
}

VAStatus vg_DestroyContext(VADriverContextP ctx, VAContextID context)
{
    struct vg_driver *drv = vg_lock(ctx);
    struct vg_context *c = vg_table_remove(&drv->contexts, context);
    if (c && !drv->conn.lost) {
        struct vw_destroy_codec req = {.codec_id = context};
        vg_conn_post(&drv->conn, VW_OP_DESTROY_CODEC, &req, sizeof(req), NULL, 0,
                     vg_log_failure_cb, drv, context, VG_NO_REGION, NULL);
    }
    vg_unlock(drv);
    if (!c)
        return VA_STATUS_ERROR_INVALID_CONTEXT;
    free_context(c);
    return VA_STATUS_SUCCESS;
}

VAStatus vg_BeginPicture(VADriverContextP ctx, VAContextID context, VASurfaceID render_target)
{
    struct vg_driver *drv = vg_lock(ctx);
    VAStatus st = VA_STATUS_SUCCESS;
    struct vg_context *c = vg_table_get(&drv->contexts, context);
    if (!c) {
        st = VA_STATUS_ERROR_INVALID_CONTEXT;
    } else if (!vg_surface_get(drv, render_target)) {
        st = VA_STATUS_ERROR_INVALID_SURFACE;
    } else if (drv->conn.lost) {
        st = VA_STATUS_ERROR_OPERATION_FAILED;
    } else {
        if (c->in_picture)
            vc_warn("vaBeginPicture: the previous picture was never ended; dropping it");
        reset_picture(c);
        c->in_picture = true;
        c->target = render_target;
    }
    vg_unlock(drv);
    return st;
}

VAStatus vg_RenderPicture(VADriverContextP ctx, VAContextID context, VABufferID *buffers,
                          int num_buffers)
{
    if (num_buffers < 0 || (num_buffers && !buffers))
        return VA_STATUS_ERROR_INVALID_PARAMETER;
    struct vg_driver *drv = vg_lock(ctx);
    VAStatus st = VA_STATUS_SUCCESS;
    struct vg_context *c = vg_table_get(&drv->contexts, context);
    if (!c) {
        st = VA_STATUS_ERROR_INVALID_CONTEXT;
        goto out;
    }
    if (!c->in_picture) {
        st = VA_STATUS_ERROR_OPERATION_FAILED;
        goto out;
    }
    for (int i = 0; i < num_buffers && st == VA_STATUS_SUCCESS; i++) {
        struct vg_buffer *b = vg_buffer_get(drv, buffers[i]);
        if (!b) {
            st = VA_STATUS_ERROR_INVALID_BUFFER;
            break;
        }
        if (vg_context_is_encode(c)) {
            st = vg_encode_render(drv, c, b);
            continue;
        }
        if (c->proc) {
            st = vg_proc_render(drv, c, b);
            continue;
        }
        size_t n = sizeof(render_table) / sizeof(render_table[0]);
        render_fn fn = (unsigned)b->type < n ? render_table[b->type] : NULL;
        st = fn ? fn(c, b) : VA_STATUS_ERROR_UNSUPPORTED_BUFFERTYPE;
    }
out:
    vg_unlock(drv);
    return st;
}

VAStatus vg_EndPicture(VADriverContextP ctx, VAContextID context)
{
    struct vg_driver *drv = vg_lock(ctx);
    VAStatus st;
    struct vg_context *c = vg_table_get(&drv->contexts, context);
    if (!c) {
        st = VA_STATUS_ERROR_INVALID_CONTEXT;
    } else if (!c->in_picture) {
        st = VA_STATUS_ERROR_OPERATION_FAILED;
    } else {
        st = vg_context_is_encode(c) ? vg_encode_end_picture(drv, context, c)
             : c->proc               ? vg_proc_end_picture(drv, context, c)
                                     : end_picture(drv, context, c);
        reset_picture(c);
    }
    vg_unlock(drv);
    return st;
}
