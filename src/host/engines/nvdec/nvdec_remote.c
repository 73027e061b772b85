/*
 * The remote device (nvdec_device.h): in a worker of the GPU process,
 * every CUDA-touching operation is a request (nvdec_gpu_proto.h) on a lane
 * (nvdec_remote.h); bulk bytes go through the lane's staging buffer. Also
 * create_remote: the worker's engine, its caps from the GPU process.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "host/engines/engines.h"
#include "host/engines/nvdec/nvdec_remote.h"
#include "host/engines/nvdec/nvdec_vpp.h"
#include "host/image_check.h"

struct nvdec_dec {
    struct nvdec_engine *e;
    uint32_t id;                              /* worker-wide handle */
    bool created;
    cudaVideoCodec codec;                     /* of the decoder created */
};

/* Memory shared with the GPU process (nvdec_remote_memory_register). */
struct nvdec_shared_memory {
    uint8_t *base;
    uint64_t size;
    uint32_t id;                              /* the GPU process's name of it */
    struct nvdec_shared_memory *next;
};

/* vh_surface.engine_data of a remote surface. */
struct remote_surface {
    uint32_t handle;
};

static int call_fd(struct nvdec_engine *e, uint32_t type, const void *body, size_t len,
                   int pass_fd, struct vh_error *err)
{
    struct nvdec_remote_lane *l;
    int rc = nvdec_remote_lane_get(e->remote, &l, err);
    if (rc)
        return rc;
    rc = nvdec_remote_call(e->remote, l, type, body, len, NULL, 0, pass_fd, NULL, 0, err);
    nvdec_remote_lane_put(e->remote, l);
    return rc;
}

static int call(struct nvdec_engine *e, uint32_t type, const void *body, size_t len,
                struct vh_error *err)
{
    return call_fd(e, type, body, len, -1, err);
}

/* The shared memory holding [p, p + len), its id and p's offset in it; 0
 * when none does. */
static uint32_t shared_find(struct nvdec_engine *e, const uint8_t *p, uint64_t len,
                            uint64_t *offset)
{
    uint32_t id = 0;
    pthread_mutex_lock(&e->lock);
    for (const struct nvdec_shared_memory *m = e->shared; m && !id; m = m->next)
        if (p >= m->base && (uint64_t)(p - m->base) <= m->size &&
            len <= m->size - (uint64_t)(p - m->base)) {
            id = m->id;
            *offset = (uint64_t)(p - m->base);
        }
    pthread_mutex_unlock(&e->lock);
    return id;
}

int nvdec_remote_memory_register(struct nvdec_engine *e, void *base, size_t size, int fd,
                                 void **handle)
{
    *handle = NULL;
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0)
        return -1;
    /* The file may end inside the last page the caller counted. */
    uint64_t shared = (uint64_t)st.st_size < size ? (uint64_t)st.st_size : size;
    struct nvdec_shared_memory *m = calloc(1, sizeof(*m));
    if (!m || !shared) {
        free(m);
        return -1;
    }
    *m = (struct nvdec_shared_memory){.base = base, .size = shared,
                                      .id = nvdec_remote_handle(e->remote)};
    struct ngp_share_memory msg = {.id = m->id, .size = shared};
    struct vh_error err;
    if (call_fd(e, NGP_SHARE_MEMORY, &msg, sizeof(msg), fd, &err)) {
        vc_debug("nvdec: not shared with the GPU process: %s", err.message);
        free(m);
        return -1;
    }
    pthread_mutex_lock(&e->lock);
    m->next = e->shared;
    e->shared = m;
    pthread_mutex_unlock(&e->lock);
    *handle = m;
    return 0;
}

void nvdec_remote_memory_unregister(struct nvdec_engine *e, void *handle)
{
    struct nvdec_shared_memory *m = handle;
    if (!m)
        return;
    pthread_mutex_lock(&e->lock);
    for (struct nvdec_shared_memory **pp = &e->shared; *pp; pp = &(*pp)->next)
        if (*pp == m) {
            *pp = m->next;
            break;
        }
    pthread_mutex_unlock(&e->lock);
    struct ngp_id msg = {.id = m->id};
    struct vh_error err;
    if (call(e, NGP_UNSHARE_MEMORY, &msg, sizeof(msg), &err))
        vc_warn("nvdec: unsharing memory %u: %s", m->id, err.message);
    free(m);
}

/* No context in a worker: the parser is CPU code. */
static int remote_parse_enter(struct nvdec_engine *e, struct vh_error *err)
{
    return VW_OK;
}

static void remote_parse_leave(struct nvdec_engine *e)
{
}

static int remote_dec_open(struct nvdec_engine *e, struct nvdec_dec **out, struct vh_error *err)
{
    *out = calloc(1, sizeof(**out));
    if (!*out)
        return vh_error_set(err, VW_ERR_NO_MEMORY, "nvdec: out of memory");
    (*out)->e = e;
    (*out)->id = nvdec_remote_handle(e->remote);
    return VW_OK;
}

static void remote_dec_destroy(struct nvdec_dec *d)
{
    if (!d->created)
        return;
    struct ngp_id m = {.id = d->id};
    struct vh_error err;
    if (call(d->e, NGP_DEC_DESTROY, &m, sizeof(m), &err))
        vc_warn("nvdec: destroying decoder %u: %s", d->id, err.message);
    d->created = false;
}

static void remote_dec_close(struct nvdec_dec **dec, uint64_t gpu_bytes)
{
    if (!dec || !*dec)
        return;
    remote_dec_destroy(*dec);                 /* the GPU process reaps it */
    free(*dec);
    *dec = NULL;
}

static int remote_dec_create(struct nvdec_dec *d, const CUVIDDECODECREATEINFO *i,
                             struct vh_error *err)
{
    struct ngp_dec_create m = {
        .dec_id = d->id,
        .codec_type = (uint32_t)i->CodecType,
        .chroma_format = (uint32_t)i->ChromaFormat,
        .output_format = (uint32_t)i->OutputFormat,
        .bit_depth_minus8 = (uint32_t)i->bitDepthMinus8,
        .width = (uint32_t)i->ulWidth, .height = (uint32_t)i->ulHeight,
        .max_width = (uint32_t)i->ulMaxWidth, .max_height = (uint32_t)i->ulMaxHeight,
        .target_width = (uint32_t)i->ulTargetWidth, .target_height = (uint32_t)i->ulTargetHeight,
        .num_decode_surfaces = (uint32_t)i->ulNumDecodeSurfaces,
        .num_output_surfaces = (uint32_t)i->ulNumOutputSurfaces,
        .deinterlace_mode = (uint32_t)i->DeinterlaceMode,
        .creation_flags = (uint32_t)i->ulCreationFlags,
        .display_left = i->display_area.left, .display_top = i->display_area.top,
        .display_right = i->display_area.right, .display_bottom = i->display_area.bottom,
    };
    int rc = call(d->e, NGP_DEC_CREATE, &m, sizeof(m), err);
    d->created = rc == VW_OK;
    d->codec = i->CodecType;
    return rc;
}

static bool remote_dec_reconfigure(struct nvdec_dec *d, const CUVIDRECONFIGUREDECODERINFO *re)
{
    struct ngp_dec_reconfigure m = {
        .dec_id = d->id, .width = re->ulWidth, .height = re->ulHeight,
        .target_width = re->ulTargetWidth, .target_height = re->ulTargetHeight,
        .num_decode_surfaces = re->ulNumDecodeSurfaces,
        .display_left = re->display_area.left, .display_top = re->display_area.top,
        .display_right = re->display_area.right, .display_bottom = re->display_area.bottom,
    };
    struct vh_error err;
    return d->created && call(d->e, NGP_DEC_RECONFIGURE, &m, sizeof(m), &err) == VW_OK;
}

static int remote_dec_decode(struct nvdec_dec *d, CUVIDPICPARAMS *pp, struct vh_error *err)
{
    if (!d->created)
        return vh_error_set(err, VW_ERR_DECODE, "nvdec: picture before any sequence");
    if (pp->nBitstreamDataLen > NVDEC_REMOTE_STAGING || pp->nNumSlices < 1 ||
        pp->nNumSlices > NGP_MAX_SLICES)
        return vh_error_set(err, VW_ERR_UNSUPPORTED_STREAM,
                            "nvdec: picture of %u bytes, %u slices: too large for the GPU "
                            "process", pp->nBitstreamDataLen, pp->nNumSlices);
    struct nvdec_remote_lane *l;
    int rc = nvdec_remote_lane_get(d->e->remote, &l, err);
    if (rc)
        return rc;
    memcpy(l->staging, pp->pBitstreamData, pp->nBitstreamDataLen);
    struct ngp_decode m = {.dec_id = d->id, .num_offsets = pp->nNumSlices,
                           .bitstream_offset = 0, .bitstream_size = pp->nBitstreamDataLen,
                           .params = *pp};
    m.params.pBitstreamData = NULL;
    m.params.pSliceDataOffsets = NULL;
    /* The parser may give no offsets (one slice at 0), and for the codecs
     * whose pictures NVDEC takes whole it leaves them unset (VP8 on an
     * H200: a stale offset, which the GPU process rightly refuses). */
    static const uint32_t zeros[NGP_MAX_SLICES];
    bool whole = d->codec == cudaVideoCodec_VP8 || d->codec == cudaVideoCodec_VP9 ||
                 d->codec == cudaVideoCodec_AV1;
    const uint32_t *offsets = pp->pSliceDataOffsets && !whole ? pp->pSliceDataOffsets : zeros;
    rc = nvdec_remote_call(d->e->remote, l, NGP_DECODE, &m, sizeof(m), offsets,
                           pp->nNumSlices * sizeof(uint32_t), -1, NULL, 0, err);
    nvdec_remote_lane_put(d->e->remote, l);
    return rc;
}

static int remote_dec_capture(struct nvdec_dec *d, const struct nvdec_capture *cap,
                              struct vh_surface *target, struct vh_error *err)
{
    const struct remote_surface *s = target->engine_data;
    struct ngp_capture m = {
        .dec_id = d->id, .surface = s->handle, .idx = cap->idx,
        .flags = (cap->field_pic ? NGP_FIELD_PIC : 0) |
                 (cap->bottom_field ? NGP_BOTTOM_FIELD : 0) |
                 (cap->second_field ? NGP_SECOND_FIELD : 0),
        .width = cap->width, .height = cap->height,
    };
    return call(d->e, NGP_CAPTURE, &m, sizeof(m), err);
}

static int remote_surface_init(struct vh_engine *engine, struct vh_surface *surface,
                               struct vh_error *err)
{
    struct nvdec_engine *e = nvdec_engine_get(engine);
    surface->engine_data = NULL;
    struct remote_surface *s = calloc(1, sizeof(*s));
    if (!s)
        return vh_error_set(err, VW_ERR_NO_MEMORY, "nvdec: out of memory");
    s->handle = nvdec_remote_handle(e->remote);
    struct ngp_surf_create m = {.surface = s->handle, .width = surface->width,
                                .height = surface->height, .rt_format = surface->rt_format,
                                .pixel_format = surface->pixel_format};
    int rc = call(e, NGP_SURF_CREATE, &m, sizeof(m), err);
    if (rc) {
        free(s);
        return rc;
    }
    surface->engine_data = s;
    return VW_OK;
}

static void remote_surface_fini(struct vh_engine *engine, struct vh_surface *surface)
{
    struct remote_surface *s = surface ? surface->engine_data : NULL;
    if (!s)
        return;
    struct ngp_id m = {.id = s->handle};
    struct vh_error err;
    if (call(nvdec_engine_get(engine), NGP_SURF_DESTROY, &m, sizeof(m), &err))
        vc_warn("nvdec: destroying surface %u: %s", s->handle, err.message);
    free(s);
    surface->engine_data = NULL;
}

/* Through the staging buffer; only the rectangle's rows are copied out,
 * so that nothing of another session's earlier image reaches dst. */
static int remote_surface_read(struct vh_engine *engine, struct vh_surface *surface,
                               const struct vh_rect *rect, const struct vw_image_layout *layout,
                               uint8_t *dst, struct vh_error *err)
{
    struct nvdec_engine *e = nvdec_engine_get(engine);
    const struct remote_surface *s = surface->engine_data;
    uint64_t needed;
    int rc = vh_image_check_layout("nvdec", layout, surface, 0, 0, rect->width, rect->height,
                                   &needed, err);
    if (rc)
        return rc;
    struct ngp_surf_io m = {.surface = s->handle, .x = rect->x, .y = rect->y,
                            .width = rect->width, .height = rect->height, .offset = 0,
                            .size = needed, .layout = *layout};
    /* Into shared memory, the GPU process writes the picture itself. */
    m.memory = shared_find(e, dst, needed, &m.offset);
    if (m.memory)
        return call(e, NGP_SURF_READ, &m, sizeof(m), err);
    if (needed > NVDEC_REMOTE_STAGING)
        return vh_error_set(err, VW_ERR_LIMIT, "nvdec: image of %llu bytes too large",
                            (unsigned long long)needed);
    struct nvdec_remote_lane *l;
    if ((rc = nvdec_remote_lane_get(e->remote, &l, err)))
        return rc;
    rc = nvdec_remote_call(e->remote, l, NGP_SURF_READ, &m, sizeof(m), NULL, 0, -1, NULL, 0,
                           err);
    const struct vc_pixel_format *pf = vc_pixel_format_get(layout->pixel_format);
    for (unsigned p = 0; !rc && p < layout->num_planes; p++) {
        uint64_t row;
        uint32_t rows;
        vc_plane_extent(pf, p, rect->width, rect->height, &row, &rows);
        for (uint32_t y = 0; y < rows; y++) {
            size_t at = layout->offsets[p] + (size_t)y * layout->pitches[p];
            memcpy(dst + at, l->staging + at, row);
        }
    }
    nvdec_remote_lane_put(e->remote, l);
    return rc;
}

static int remote_surface_write(struct vh_engine *engine, struct vh_surface *surface,
                                const struct vh_rect *src, uint32_t dst_x, uint32_t dst_y,
                                const struct vw_image_layout *layout, const uint8_t *data,
                                struct vh_error *err)
{
    struct nvdec_engine *e = nvdec_engine_get(engine);
    const struct remote_surface *s = surface->engine_data;
    uint64_t needed;
    int rc = vh_image_check_layout("nvdec", layout, surface, src->x, src->y, src->width,
                                   src->height, &needed, err);
    if (rc)
        return rc;
    struct ngp_surf_io m = {.surface = s->handle, .x = src->x, .y = src->y,
                            .width = src->width, .height = src->height, .dst_x = dst_x,
                            .dst_y = dst_y, .offset = 0, .size = needed, .layout = *layout};
    m.memory = shared_find(e, data, needed, &m.offset);
    if (m.memory)
        return call(e, NGP_SURF_WRITE, &m, sizeof(m), err);
    if (needed > NVDEC_REMOTE_STAGING)
        return vh_error_set(err, VW_ERR_LIMIT, "nvdec: image of %llu bytes too large",
                            (unsigned long long)needed);
    struct nvdec_remote_lane *l;
    if ((rc = nvdec_remote_lane_get(e->remote, &l, err)))
        return rc;
    memcpy(l->staging, data, needed);
    rc = nvdec_remote_call(e->remote, l, NGP_SURF_WRITE, &m, sizeof(m), NULL, 0, -1, NULL, 0,
                           err);
    nvdec_remote_lane_put(e->remote, l);
    return rc;
}

static void remote_gpu_trim(struct vh_engine *engine)
{
    struct vh_error err;
    call(nvdec_engine_get(engine), NGP_TRIM, NULL, 0, &err);
}

/* The GPU process checks the job again (nvdec_vpp_check). */
static int remote_process(struct vh_engine *engine, struct vh_surface *src, struct vh_surface *dst,
                          const struct nvdec_vpp_job *job, struct vh_error *err)
{
    const struct remote_surface *s = src->engine_data, *d = dst->engine_data;
    struct ngp_process m = {
        .source = s->handle, .output = d->handle, .field = job->field,
        .standard = job->standard, .full_range = job->full_range,
        .src = {job->src.x, job->src.y, job->src.width, job->src.height},
        .dst = {job->dst.x, job->dst.y, job->dst.width, job->dst.height}};
    return call(nvdec_engine_get(engine), NGP_PROCESS, &m, sizeof(m), err);
}

const struct nvdec_device_ops nvdec_device_remote = {
    .parse_enter = remote_parse_enter,
    .parse_leave = remote_parse_leave,
    .dec_open = remote_dec_open,
    .dec_close = remote_dec_close,
    .dec_create = remote_dec_create,
    .dec_reconfigure = remote_dec_reconfigure,
    .dec_destroy = remote_dec_destroy,
    .dec_decode = remote_dec_decode,
    .dec_capture = remote_dec_capture,
    .surface_init = remote_surface_init,
    .surface_fini = remote_surface_fini,
    .surface_read = remote_surface_read,
    .surface_write = remote_surface_write,
    .gpu_trim = remote_gpu_trim,
    .process = remote_process,
};

/* ---- the worker's engine ------------------------------------------------------ */

int nvdec_create_remote(struct vh_engine **out, int gpu_fd, struct vh_error *err)
{
    *out = NULL;
    struct nvdec_engine *e = calloc(1, sizeof(*e));
    if (!e) {
        close(gpu_fd);
        return vh_error_set(err, VW_ERR_NO_MEMORY, "nvdec: out of memory");
    }
    e->base.ops = &vh_engine_nvdec;
    e->dev = &nvdec_device_remote;
    pthread_mutex_init(&e->lock, NULL);
    pthread_cond_init(&e->reap_cond, NULL);
    int rc = nvdec_remote_open(&e->remote, gpu_fd, err);
    if (rc)
        goto err;
    /* The parser only: libnvcuvid, no cuInit, no context. */
    struct nvdec_loader_msg m = {{0}};
#ifdef VIVAC_TEST_HOOKS
    e->borrowed_libs = nvdec_fake_tables(NULL, &e->cv);
#endif
    if (!e->borrowed_libs && cuvid_load_functions(&e->cv, &m) < 0) {
        rc = vh_error_set(err, VW_ERR_INTERNAL, "nvdec: loading the NVDEC library: %s",
                          m.text[0] ? m.text : "failed");
        goto err;
    }
    struct ngp_hello hello = {.version = NGP_VERSION};
    struct ngp_hello_reply hr;
    rc = nvdec_remote_call(e->remote, NULL, NGP_HELLO, &hello, sizeof(hello), NULL, 0, -1, &hr,
                           sizeof(hr), err);
    if (rc)
        goto err;
    snprintf(e->device_name, sizeof(e->device_name), "%.63s", hr.device_name);
    e->num_engines = hr.num_engines;
    e->remote_total_mem = hr.total_mem;
    e->vpp = hr.flags & NGP_HAS_VPP;
    e->rgb = hr.flags & NGP_HAS_RGB;
    for (unsigned k = 0; k < NGP_NUM_KINDS; k++)
        for (unsigned o = 0; o < NGP_NUM_OUTPUTS; o++) {
            const struct ngp_caps *c = &hr.caps[k][o];
            e->caps[k][o] = (struct nvdec_caps){
                .supported = c->supported != 0, .min_width = c->min_width,
                .min_height = c->min_height, .max_width = c->max_width,
                .max_height = c->max_height, .max_mb_count = c->max_mb_count};
        }
    vc_info("nvdec: remote on %s (the GPU process)", e->device_name);
    *out = &e->base;
    return VW_OK;

err:
    nvdec_remote_engine_free(e);
    return rc;
}

void nvdec_remote_engine_free(struct nvdec_engine *e)
{
    while (e->shared) {                       /* the sessions unregistered theirs */
        struct nvdec_shared_memory *m = e->shared;
        e->shared = m->next;
        free(m);
    }
    nvdec_remote_free(&e->remote);
    if (e->cv && !e->borrowed_libs)
        cuvid_free_functions(&e->cv);
    pthread_cond_destroy(&e->reap_cond);
    pthread_mutex_destroy(&e->lock);
    free(e);
}
