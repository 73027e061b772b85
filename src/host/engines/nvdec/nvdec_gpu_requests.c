/*
 * The GPU process's requests (nvdec_gpu_proto.h): each checked in full
 * (ids of this worker only, nvdec_gpu_check.h, image_check.h, the staging
 * buffer's bounds, the worker's GPU byte limit) before any CUDA call, then
 * run on the process's local device.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "host/engines/nvdec/nvdec_gpu_check.h"
#include "host/engines/nvdec/nvdec_gpu_server_internal.h"
#include "host/engines/nvdec/nvdec_vpp.h"
#include "host/image_check.h"
#include "host/seqpacket.h"

/* One request being served. */
struct req {
    struct ngp_lane *l;
    struct ngp_worker *w;
    struct nvdec_engine *e;
    const uint8_t *body;                      /* after the header (in l->buf) */
    size_t len;                               /* of body */
    struct vh_error err;
};

/* The fixed body of a request: exactly `size` bytes (+ the variable tail
 * the caller checks). */
static bool body_is(const struct req *r, void *out, size_t size)
{
    if (r->len != size)
        return false;
    memcpy(out, r->body, size);
    return true;
}

/* ---- decoders ------------------------------------------------------------------ */

static int dec_create(struct req *r, const struct ngp_dec_create *m)
{
    if (!ngp_object_id_free(r->w, m->dec_id))
        return vh_error_set(&r->err, VW_ERR_INVALID_ID, "gpu: decoder id %u in use or 0",
                            m->dec_id);
    CUVIDDECODECREATEINFO info;
    uint64_t bytes;
    int rc = ngp_check_create(r->e, m, &info, &bytes, &r->err);
    if (rc)
        return rc;
    if (!vh_budget_take(&r->w->budget, bytes))
        return vh_error_set(&r->err, VW_ERR_LIMIT,
                            "gpu: decoder of %llu MiB beyond the worker's GPU limit "
                            "(%llu of %llu MiB used)", (unsigned long long)(bytes >> 20),
                            (unsigned long long)(atomic_load(&r->w->budget.used) >> 20),
                            (unsigned long long)(r->w->budget.limit >> 20));
    struct ngp_object *o = calloc(1, sizeof(*o));
    if (!o) {
        vh_budget_give(&r->w->budget, bytes);
        return vh_error_set(&r->err, VW_ERR_NO_MEMORY, "gpu: out of memory");
    }
    pthread_mutex_init(&o->lock, NULL);
    o->id = m->dec_id;
    o->kind = NGP_OBJ_DECODER;
    o->bytes = bytes;                         /* given back when o is freed */
    o->info = info;
    rc = r->e->dev->dec_open(r->e, &o->dec, &r->err);
    if (!rc && !(rc = nvdec_push(r->e, "cuCtxPushCurrent", &r->err))) {
        rc = r->e->dev->dec_create(o->dec, &info, &r->err);
        nvdec_pop(r->e);
    }
    o->created = rc == VW_OK;
    if (!rc)
        rc = ngp_object_add(r->w, o, &r->err);
    if (rc) {
        o->refs = 1;
        ngp_object_put(r->w, o);
    }
    return rc;
}

static int dec_reconfigure(struct req *r, const struct ngp_dec_reconfigure *m)
{
    struct ngp_object *o = ngp_object_get(r->w, m->dec_id, NGP_OBJ_DECODER);
    if (!o)
        return vh_error_set(&r->err, VW_ERR_INVALID_ID, "gpu: no decoder %u", m->dec_id);
    pthread_mutex_lock(&o->lock);
    CUVIDRECONFIGUREDECODERINFO re;
    int rc = ngp_check_reconfigure(r->e, &o->info, m, &re, &r->err);
    if (!rc && !(rc = nvdec_push(r->e, "cuCtxPushCurrent", &r->err))) {
        if (r->e->dev->dec_reconfigure(o->dec, &re)) {
            o->info.ulWidth = o->info.ulTargetWidth = re.ulWidth;
            o->info.ulHeight = o->info.ulTargetHeight = re.ulHeight;
            o->info.display_area.right = re.display_area.right;
            o->info.display_area.bottom = re.display_area.bottom;
        } else {
            rc = vh_error_set(&r->err, VW_ERR_UNSUPPORTED_STREAM, "gpu: reconfigure failed");
        }
        nvdec_pop(r->e);
    }
    pthread_mutex_unlock(&o->lock);
    ngp_object_put(r->w, o);
    return rc;
}

static int decode(struct req *r)
{
    struct ngp_decode m;
    if (r->len < sizeof(m))
        return -1;
    memcpy(&m, r->body, sizeof(m));
    if (m.num_offsets > NGP_MAX_SLICES ||
        r->len != sizeof(m) + (size_t)m.num_offsets * sizeof(uint32_t))
        return -1;
    /* The offsets stay in l->buf (the server's memory) for the call. */
    uint32_t *offsets = (uint32_t *)(r->l->buf + sizeof(struct ngp_hdr) + sizeof(m));
    struct ngp_object *o = ngp_object_get(r->w, m.dec_id, NGP_OBJ_DECODER);
    if (!o)
        return vh_error_set(&r->err, VW_ERR_INVALID_ID, "gpu: no decoder %u", m.dec_id);
    pthread_mutex_lock(&o->lock);
    CUVIDPICPARAMS pp = m.params;
    int rc = VW_OK;
    if (!r->l->staging)
        rc = vh_error_set(&r->err, VW_ERR_MALFORMED, "gpu: no staging buffer on this lane");
    if (!rc && !o->created)
        rc = vh_error_set(&r->err, VW_ERR_DECODE, "gpu: decoder %u was not created", m.dec_id);
    if (!rc)
        rc = ngp_check_picture(&o->info, &m, &pp, offsets, r->l->staging_size, &r->err);
    if (!rc) {
        pp.pBitstreamData = r->l->staging + m.bitstream_offset;
        pp.pSliceDataOffsets = offsets;
        if (!(rc = nvdec_push(r->e, "cuCtxPushCurrent", &r->err))) {
            rc = r->e->dev->dec_decode(o->dec, &pp, &r->err);
            nvdec_pop(r->e);
        }
    }
    pthread_mutex_unlock(&o->lock);
    ngp_object_put(r->w, o);
    return rc;
}

static int capture(struct req *r, const struct ngp_capture *m)
{
    if (m->flags & ~(NGP_FIELD_PIC | NGP_BOTTOM_FIELD | NGP_SECOND_FIELD))
        return vh_error_set(&r->err, VW_ERR_MALFORMED, "gpu: capture flags 0x%x", m->flags);
    struct ngp_object *d = ngp_object_get(r->w, m->dec_id, NGP_OBJ_DECODER);
    struct ngp_object *s = ngp_object_get(r->w, m->surface, NGP_OBJ_SURFACE);
    int rc = VW_OK;
    if (!d || !s) {
        rc = vh_error_set(&r->err, VW_ERR_INVALID_ID, "gpu: no %s %u", d ? "surface" : "decoder",
                          d ? m->surface : m->dec_id);
        goto out;
    }
    pthread_mutex_lock(&d->lock);
    pthread_mutex_lock(&s->lock);
    int out = ngp_output_of(&d->info);
    if (!d->created)
        rc = vh_error_set(&r->err, VW_ERR_DECODE, "gpu: decoder %u was not created", m->dec_id);
    else if (m->idx < 0 || (unsigned long)m->idx >= d->info.ulNumDecodeSurfaces)
        rc = vh_error_set(&r->err, VW_ERR_DECODE, "gpu: slot %d outside the decoder's %lu",
                          m->idx, d->info.ulNumDecodeSurfaces);
    else if (out < 0 || s->surface.rt_format != nvdec_outputs[out].rt_format)
        rc = vh_error_set(&r->err, VW_ERR_UNSUPPORTED_FORMAT,
                          "gpu: surface %u (0x%x) is not the decoder's output format",
                          m->surface, s->surface.rt_format);
    if (!rc && !(rc = nvdec_push(r->e, "cuCtxPushCurrent", &r->err))) {
        struct nvdec_capture cap = {
            .idx = m->idx,
            .field_pic = m->flags & NGP_FIELD_PIC,
            .bottom_field = m->flags & NGP_BOTTOM_FIELD,
            .second_field = m->flags & NGP_SECOND_FIELD,
            .width = m->width,                /* clamped to the decoder's by the device */
            .height = m->height,
        };
        rc = r->e->dev->dec_capture(d->dec, &cap, &s->surface, &r->err);
        nvdec_pop(r->e);
    }
    pthread_mutex_unlock(&s->lock);
    pthread_mutex_unlock(&d->lock);
out:
    ngp_object_put(r->w, s);
    ngp_object_put(r->w, d);
    return rc;
}

/* ---- surfaces ------------------------------------------------------------------ */

static int surf_create(struct req *r, const struct ngp_surf_create *m)
{
    if (m->reserved)
        return vh_error_set(&r->err, VW_ERR_MALFORMED, "gpu: reserved is not 0");
    if (!ngp_object_id_free(r->w, m->surface))
        return vh_error_set(&r->err, VW_ERR_INVALID_ID, "gpu: surface id %u in use or 0",
                            m->surface);
    struct ngp_object *o = calloc(1, sizeof(*o));
    if (!o)
        return vh_error_set(&r->err, VW_ERR_NO_MEMORY, "gpu: out of memory");
    pthread_mutex_init(&o->lock, NULL);
    o->id = m->surface;
    o->kind = NGP_OBJ_SURFACE;
    o->surface = (struct vh_surface){.id = m->surface, .width = m->width, .height = m->height,
                                     .rt_format = m->rt_format,
                                     .pixel_format = m->pixel_format};
    /* surface_init refuses formats and sizes the engine has no surface of. */
    int rc = r->e->dev->surface_init(&r->e->base, &o->surface, &r->err);
    if (rc) {
        pthread_mutex_destroy(&o->lock);
        free(o);
        return rc;
    }
    uint64_t bytes = nvdec_surface_gpu_bytes(&r->e->base, &o->surface);
    if (!vh_budget_take(&r->w->budget, bytes))
        rc = vh_error_set(&r->err, VW_ERR_LIMIT,
                          "gpu: surface of %llu KiB beyond the worker's GPU limit",
                          (unsigned long long)(bytes >> 10));
    else
        o->bytes = bytes;
    if (!rc)
        rc = ngp_object_add(r->w, o, &r->err);
    if (rc) {
        o->refs = 1;
        ngp_object_put(r->w, o);
    }
    return rc;
}

static int surf_io(struct req *r, const struct ngp_surf_io *m, bool write)
{
    const char *what = write ? "gpu: surface write" : "gpu: surface read";
    if (!write && (m->dst_x || m->dst_y))
        return vh_error_set(&r->err, VW_ERR_MALFORMED, "%s: reserved fields not 0", what);
    /* The image's memory: the lane's staging buffer or one the worker
     * shared (a reference held until the copy is done). */
    struct ngp_object *mem = NULL;
    uint8_t *base = r->l->staging;
    uint64_t size = r->l->staging_size;
    if (m->memory) {
        mem = ngp_object_get(r->w, m->memory, NGP_OBJ_MEMORY);
        if (!mem)
            return vh_error_set(&r->err, VW_ERR_INVALID_ID, "gpu: no shared memory %u",
                                m->memory);
        base = mem->map, size = mem->map_size;
    } else if (!base) {
        return vh_error_set(&r->err, VW_ERR_MALFORMED, "gpu: no staging buffer on this lane");
    }
    int rc = VW_OK;
    struct ngp_object *o = NULL;
    if (m->offset > size || m->size > size - m->offset)
        rc = vh_error_set(&r->err, VW_ERR_OUT_OF_BOUNDS,
                          "%s: [%llu, +%llu) outside its memory (%llu bytes)", what,
                          (unsigned long long)m->offset, (unsigned long long)m->size,
                          (unsigned long long)size);
    else if (!(o = ngp_object_get(r->w, m->surface, NGP_OBJ_SURFACE)))
        rc = vh_error_set(&r->err, VW_ERR_INVALID_ID, "gpu: no surface %u", m->surface);
    if (rc) {
        ngp_object_put(r->w, mem);
        return rc;
    }
    pthread_mutex_lock(&o->lock);
    struct vh_surface *s = &o->surface;
    uint64_t needed = 0;
    /* READ: (x, y) in the surface, the image at 0, 0; WRITE: (x, y) in the
     * image, landing at (dst_x, dst_y). */
    uint32_t sx = write ? m->dst_x : m->x, sy = write ? m->dst_y : m->y;
    uint32_t ix = write ? m->x : 0, iy = write ? m->y : 0;
    rc = vh_image_check_rect(what, s, sx, sy, m->width, m->height, &r->err);
    if (!rc)
        rc = vh_image_check_layout(what, &m->layout, s, ix, iy, m->width, m->height, &needed,
                                   &r->err);
    if (!rc && needed > m->size)
        rc = vh_error_set(&r->err, VW_ERR_MALFORMED, "%s: layout needs %llu bytes, size %llu",
                          what, (unsigned long long)needed, (unsigned long long)m->size);
    uint8_t *data = base + m->offset;
    if (!rc && !mem)
        ngp_lane_pin(r->l, m->offset + needed);
    if (!rc && write) {
        struct vh_rect src = {.x = m->x, .y = m->y, .width = m->width, .height = m->height};
        rc = r->e->dev->surface_write(&r->e->base, s, &src, m->dst_x, m->dst_y, &m->layout, data,
                                      &r->err);
    } else if (!rc) {
        struct vh_rect rect = {.x = m->x, .y = m->y, .width = m->width, .height = m->height};
        rc = r->e->dev->surface_read(&r->e->base, s, &rect, &m->layout, data, &r->err);
    }
    pthread_mutex_unlock(&o->lock);
    ngp_object_put(r->w, o);
    ngp_object_put(r->w, mem);
    return rc;
}

/* Both surfaces locked in handle order (lanes may name them the other way
 * round), the job checked against them, then run. */
static int process(struct req *r, const struct ngp_process *m)
{
    if (m->reserved)
        return vh_error_set(&r->err, VW_ERR_MALFORMED, "gpu: process: reserved field not 0");
    if (m->source == m->output)
        return vh_error_set(&r->err, VW_ERR_MALFORMED, "gpu: process: source is the output");
    struct ngp_object *src = ngp_object_get(r->w, m->source, NGP_OBJ_SURFACE);
    struct ngp_object *dst = ngp_object_get(r->w, m->output, NGP_OBJ_SURFACE);
    int rc = VW_OK;
    if (!src || !dst) {
        rc = vh_error_set(&r->err, VW_ERR_INVALID_ID, "gpu: no surface %u",
                          src ? m->output : m->source);
        ngp_object_put(r->w, src);
        ngp_object_put(r->w, dst);
        return rc;
    }
    struct ngp_object *first = m->source < m->output ? src : dst;
    struct ngp_object *second = first == src ? dst : src;
    pthread_mutex_lock(&first->lock);
    pthread_mutex_lock(&second->lock);
    struct nvdec_vpp_job job = {
        .src = {m->src[0], m->src[1], m->src[2], m->src[3]},
        .dst = {m->dst[0], m->dst[1], m->dst[2], m->dst[3]}, .field = m->field,
        .standard = m->standard, .full_range = m->full_range};
    rc = nvdec_vpp_check(&src->surface, &dst->surface, &job, &r->err);
    if (!rc)
        rc = r->e->dev->process(&r->e->base, &src->surface, &dst->surface, &job, &r->err);
    pthread_mutex_unlock(&second->lock);
    pthread_mutex_unlock(&first->lock);
    ngp_object_put(r->w, src);
    ngp_object_put(r->w, dst);
    return rc;
}

/* The worker's memfd, mapped and (within the worker's share) page-locked. */
static int share_memory(struct req *r, const struct ngp_share_memory *m, int fd)
{
    if (m->reserved)
        return vh_error_set(&r->err, VW_ERR_MALFORMED, "gpu: reserved is not 0");
    if (!ngp_object_id_free(r->w, m->id))
        return vh_error_set(&r->err, VW_ERR_INVALID_ID, "gpu: id %u in use or 0", m->id);
    uint8_t *map;
    int rc = ngp_map_memfd("shared memory", fd, m->size, &map, &r->err);
    if (rc)
        return rc;
    struct ngp_object *o = calloc(1, sizeof(*o));
    if (!o) {
        munmap(map, m->size);
        return vh_error_set(&r->err, VW_ERR_NO_MEMORY, "gpu: out of memory");
    }
    pthread_mutex_init(&o->lock, NULL);
    o->id = m->id;
    o->kind = NGP_OBJ_MEMORY;
    o->map = map;
    o->map_size = m->size;
    o->pinned = ngp_pin(r->w, map, m->size) ? m->size : 0;
    vc_debug("gpu: worker %u shares %llu bytes as memory %u (%s)", r->w->id,
             (unsigned long long)m->size, m->id, o->pinned ? "page-locked" : "pageable");
    rc = ngp_object_add(r->w, o, &r->err);
    if (rc) {
        o->refs = 1;
        ngp_object_put(r->w, o);
    }
    return rc;
}

/* ---- connection ------------------------------------------------------------------ */

static int hello(struct req *r, const struct ngp_hello *m, struct ngp_hello_reply *out)
{
    if (m->version != NGP_VERSION || m->reserved)
        return vh_error_set(&r->err, VW_ERR_VERSION, "gpu: protocol version %u, this is %u",
                            m->version, NGP_VERSION);
    pthread_mutex_lock(&r->w->lock);
    r->w->hello = true;
    pthread_mutex_unlock(&r->w->lock);
    const struct nvdec_engine *e = r->e;
    *out = (struct ngp_hello_reply){
        .version = NGP_VERSION,
        .num_engines = e->num_engines,
        .flags = (e->memset_d16 ? NGP_HAS_D16 : 0) | (e->vpp ? NGP_HAS_VPP : 0) |
                 (e->rgb ? NGP_HAS_RGB : 0),
        .total_mem = e->base.ops->gpu_memory_total((struct vh_engine *)&e->base),
        .gpu_limit = r->w->budget.limit,
    };
    snprintf(out->device_name, sizeof(out->device_name), "%.63s", e->device_name);
    for (unsigned k = 0; k < NGP_NUM_KINDS; k++)
        for (unsigned o = 0; o < NGP_NUM_OUTPUTS; o++) {
            const struct nvdec_caps *c = &e->caps[k][o];
            out->caps[k][o] = (struct ngp_caps){
                .supported = c->supported, .min_width = c->min_width,
                .min_height = c->min_height, .max_width = c->max_width,
                .max_height = c->max_height, .max_mb_count = c->max_mb_count};
        }
    return VW_OK;
}

static_assert(NGP_NUM_KINDS == NVDEC_KIND_COUNT && NGP_NUM_OUTPUTS == NVDEC_OUT_COUNT,
              "the hello's caps table is the engine's");

static bool reply(struct ngp_lane *l, uint32_t type, uint32_t id, const struct vh_error *err,
                  int status, const void *body, size_t body_len)
{
    uint8_t *b = l->buf;                      /* the request is no longer needed */
    struct ngp_hdr h = {.type = type | NGP_REPLY,
                        .length = (uint32_t)(sizeof(h) + sizeof(struct ngp_reply) + body_len),
                        .id = id};
    struct ngp_reply rp = {.status = status};
    if (status)
        snprintf(rp.message, sizeof(rp.message), "%s", err->message);
    memcpy(b, &h, sizeof(h));
    memcpy(b + sizeof(h), &rp, sizeof(rp));
    if (body_len)
        memcpy(b + sizeof(h) + sizeof(rp), body, body_len);
    return vh_packet_send(l->fd, b, h.length, -1) == 0;
}

bool ngp_serve_request(struct ngp_lane *l, size_t len, int fd)
{
    struct ngp_hdr h;
    if (len < sizeof(h))
        goto garbage;
    memcpy(&h, l->buf, sizeof(h));
    if (h.length != len || h.reserved)
        goto garbage;
    struct req r = {.l = l, .w = l->w, .e = l->srv->e, .body = l->buf + sizeof(h),
                    .len = len - sizeof(h)};
    bool takes_fd = h.type == NGP_SET_STAGING || h.type == NGP_OPEN_LANE ||
                    h.type == NGP_SHARE_MEMORY;
    if ((fd >= 0) != takes_fd)
        goto garbage;
    pthread_mutex_lock(&r.w->lock);
    bool said_hello = r.w->hello;
    pthread_mutex_unlock(&r.w->lock);
    if (!said_hello && h.type != NGP_HELLO)
        goto garbage;
    union {
        struct ngp_hello hello;
        struct ngp_set_staging staging;
        struct ngp_dec_create create;
        struct ngp_dec_reconfigure reconf;
        struct ngp_id id;
        struct ngp_capture capture;
        struct ngp_surf_create surf;
        struct ngp_surf_io io;
        struct ngp_share_memory share;
        struct ngp_process process;
    } m;
    struct ngp_hello_reply hr;
    const void *body = NULL;
    size_t body_len = 0;
    int rc;
    switch (h.type) {
    case NGP_HELLO:
        if (!body_is(&r, &m.hello, sizeof(m.hello)))
            goto garbage;
        rc = hello(&r, &m.hello, &hr);
        if (!rc)
            body = &hr, body_len = sizeof(hr);
        break;
    case NGP_SET_STAGING:
        if (!body_is(&r, &m.staging, sizeof(m.staging)))
            goto garbage;
        rc = ngp_lane_set_staging(l, fd, m.staging.size, &r.err);
        close(fd);                            /* mapped (or refused) */
        fd = -1;
        break;
    case NGP_OPEN_LANE: {
        int type = 0;
        socklen_t tl = sizeof(type);
        if (r.len != 0)
            goto garbage;
        if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) != 0 || type != SOCK_SEQPACKET) {
            close(fd);
            rc = vh_error_set(&r.err, VW_ERR_MALFORMED, "gpu: a lane must be a SEQPACKET socket");
        } else {
            rc = ngp_lane_start(l->srv, r.w, fd, &r.err);   /* takes fd */
        }
        fd = -1;
        break;
    }
    case NGP_DEC_CREATE:
        if (!body_is(&r, &m.create, sizeof(m.create)))
            goto garbage;
        rc = dec_create(&r, &m.create);
        break;
    case NGP_DEC_RECONFIGURE:
        if (!body_is(&r, &m.reconf, sizeof(m.reconf)))
            goto garbage;
        rc = dec_reconfigure(&r, &m.reconf);
        break;
    case NGP_SHARE_MEMORY:
        if (!body_is(&r, &m.share, sizeof(m.share)))
            goto garbage;
        rc = share_memory(&r, &m.share, fd);
        close(fd);                            /* mapped (or refused) */
        fd = -1;
        break;
    case NGP_DEC_DESTROY:
    case NGP_SURF_DESTROY:
    case NGP_UNSHARE_MEMORY:
        if (!body_is(&r, &m.id, sizeof(m.id)) || m.id.reserved)
            goto garbage;
        rc = ngp_object_remove(r.w, m.id.id,
                               h.type == NGP_DEC_DESTROY    ? NGP_OBJ_DECODER
                               : h.type == NGP_SURF_DESTROY ? NGP_OBJ_SURFACE
                                                            : NGP_OBJ_MEMORY,
                               &r.err);
        break;
    case NGP_DECODE:
        rc = decode(&r);
        if (rc < 0)
            goto garbage;
        break;
    case NGP_CAPTURE:
        if (!body_is(&r, &m.capture, sizeof(m.capture)))
            goto garbage;
        rc = capture(&r, &m.capture);
        break;
    case NGP_SURF_CREATE:
        if (!body_is(&r, &m.surf, sizeof(m.surf)))
            goto garbage;
        rc = surf_create(&r, &m.surf);
        break;
    case NGP_SURF_READ:
    case NGP_SURF_WRITE:
        if (!body_is(&r, &m.io, sizeof(m.io)))
            goto garbage;
        rc = surf_io(&r, &m.io, h.type == NGP_SURF_WRITE);
        break;
    case NGP_PROCESS:
        if (!body_is(&r, &m.process, sizeof(m.process)))
            goto garbage;
        rc = process(&r, &m.process);
        break;
    case NGP_TRIM:
        if (r.len != 0)
            goto garbage;
        r.e->dev->gpu_trim(&r.e->base);
        rc = VW_OK;
        break;
    default:
        goto garbage;
    }
    if (rc)
        vc_debug("gpu: worker %u: request %u: %s", r.w->id, h.type, r.err.message);
    return reply(l, h.type, h.id, &r.err, rc, body, body_len);

garbage:
    if (fd >= 0)
        close(fd);
    return false;
}
