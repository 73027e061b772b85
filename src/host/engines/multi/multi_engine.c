/* The composite engine "<hw>+sw" that `auto` picks where a hardware engine
 * starts: the hardware engine (the primary) serves every profile it has,
 * the sw engine (the fallback) the others, e.g. AV1 on an H100/H200, whose
 * NVDEC has none. Surfaces, GPU memory and the GPU process are the
 * primary's; a fallback codec decodes into host-memory shadows of them and
 * uploads each picture (multi_codec.c). `--engine nvdec` stays nvdec alone. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/pixel_format.h"
#include "host/engines/engines.h"
#include "host/engines/multi/multi_internal.h"

bool multi_primary_has(const struct multi_engine *m, uint32_t profile, uint32_t entrypoint)
{
    for (uint32_t i = 0; i < m->num_primary_caps; i++)
        if (m->primary_caps[i].profile == profile && m->primary_caps[i].entrypoint == entrypoint)
            return true;
    return false;
}

static const char *codec_name(uint32_t profile)
{
    switch (vw_codec_of_profile(profile)) {
    case VW_CODEC_H264: return "H.264";
    case VW_CODEC_VP9: return "VP9";
    case VW_CODEC_VP8: return "VP8";
    case VW_CODEC_MPEG2: return "MPEG-2";
    case VW_CODEC_HEVC: return "HEVC";
    case VW_CODEC_JPEG: return "JPEG";
    case VW_CODEC_MPEG4: return "MPEG-4 Part 2";
    case VW_CODEC_AV1: return "AV1";
    default: return "?";
    }
}

/* A fallback cap cut to what the primary's surfaces hold; false if nothing
 * is left of it. */
static bool restrict_cap(const struct multi_engine *m, struct vw_cap *cap)
{
    cap->rt_formats &= m->surface_rt_formats;
    if (!cap->rt_formats)
        return false;
    const struct vc_pixel_format *pf = vc_pixel_format_get(cap->pixel_format);
    if (!pf || !(pf->rt_format & cap->rt_formats))
        cap->pixel_format = vc_fourcc_of_rt_format(cap->rt_formats & -cap->rt_formats);
    if (cap->max_width > m->max_width)
        cap->max_width = m->max_width;
    if (cap->max_height > m->max_height)
        cap->max_height = m->max_height;
    return cap->min_width <= cap->max_width && cap->min_height <= cap->max_height;
}

static int multi_query_caps(struct vh_engine *engine, struct vw_cap *caps, uint32_t max,
                            uint32_t *count)
{
    struct multi_engine *m = multi_engine_of(engine);
    uint32_t n = 0;
    for (; n < m->num_primary_caps && n < max; n++)
        caps[n] = m->primary_caps[n];
    struct vw_cap extra[MULTI_MAX_CAPS];
    uint32_t num_extra = 0;
    int st = m->fallback->ops->query_caps(m->fallback, extra, MULTI_MAX_CAPS, &num_extra);
    if (st != VW_OK)
        return st;
    for (uint32_t i = 0; i < num_extra && n < max; i++)
        if (!multi_primary_has(m, extra[i].profile, extra[i].entrypoint) &&
            restrict_cap(m, &extra[i]))
            caps[n++] = extra[i];
    *count = n;
    return VW_OK;
}

/* "engine nvdec+sw: nvdec, with sw for AV1 (profile 17), ...": which engine
 * serves what (vivac info shows it per profile too: caps carry it). */
static void log_split(const struct multi_engine *m)
{
    struct vw_cap extra[MULTI_MAX_CAPS];
    uint32_t num_extra = 0;
    if (m->fallback->ops->query_caps(m->fallback, extra, MULTI_MAX_CAPS, &num_extra) != VW_OK)
        return;
    char list[512] = "";
    size_t used = 0;
    for (uint32_t i = 0; i < num_extra && used < sizeof(list); i++) {
        if (multi_primary_has(m, extra[i].profile, extra[i].entrypoint) ||
            !restrict_cap(m, &extra[i]))
            continue;
        int k = snprintf(list + used, sizeof(list) - used, "%s%s (profile %u)", used ? ", " : "",
                         codec_name(extra[i].profile), extra[i].profile);
        used += k > 0 ? (size_t)k : 0;
    }
    vc_info("engine %s: %s, with %s for %s", m->base.ops->name, m->primary->ops->name,
            m->fallback->ops->name, used ? list : "nothing (the primary has every profile)");
}

/* Which chroma formats the primary's surfaces hold: one small surface of
 * each made and freed (nvdec's are allocated on first use, remote ones a
 * round trip to the GPU process), and the largest size of its caps. */
static void probe_surfaces(struct multi_engine *m)
{
    for (uint32_t bit = 1; bit && bit <= VW_RT_YUV444_10; bit <<= 1) {
        const struct vc_pixel_format *pf = vc_pixel_format_of_rt(bit);
        if (!pf)
            continue;
        struct vh_surface probe = {.id = VW_INVALID_ID, .width = 64, .height = 64,
                                   .rt_format = bit, .pixel_format = pf->fourcc,
                                   .state = VW_SURFACE_READY};
        struct vh_error err = {0};
        if (m->primary->ops->surface_init(m->primary, &probe, &err) != VW_OK)
            continue;
        m->primary->ops->surface_fini(m->primary, &probe);
        m->surface_rt_formats |= bit;
    }
    for (uint32_t i = 0; i < m->num_primary_caps; i++) {
        if (m->primary_caps[i].max_width > m->max_width)
            m->max_width = m->primary_caps[i].max_width;
        if (m->primary_caps[i].max_height > m->max_height)
            m->max_height = m->primary_caps[i].max_height;
    }
}

int multi_create_parts(const struct vh_engine_ops *ops, struct vh_engine *primary,
                       struct vh_engine **out, struct vh_error *err)
{
    *out = NULL;
    struct multi_engine *m = calloc(1, sizeof(*m));
    if (!m) {
        primary->ops->destroy(&primary);
        return vh_error_set(err, VW_ERR_NO_MEMORY, "%s: out of memory", ops->name);
    }
    m->base.ops = ops;
    m->primary = primary;
    pthread_mutex_init(&m->lock, NULL);
    int st = primary->ops->query_caps(primary, m->primary_caps, MULTI_MAX_CAPS,
                                      &m->num_primary_caps);
    if (st != VW_OK) {
        vh_error_set(err, st, "%s: the caps of %s", ops->name, primary->ops->name);
        goto fail;
    }
    probe_surfaces(m);
    st = vh_engine_sw.create(&m->fallback, err);
    if (st != VW_OK)
        goto fail;
    log_split(m);
    *out = &m->base;
    return VW_OK;
fail:
    ops->destroy((struct vh_engine **)&m);
    return st;
}

static void multi_destroy(struct vh_engine **engine)
{
    if (!engine || !*engine)
        return;
    struct multi_engine *m = multi_engine_of(*engine);
    if (m->fallback)
        multi_shadow_drop_all(m);
    if (m->fallback)
        m->fallback->ops->destroy(&m->fallback);
    if (m->primary)
        m->primary->ops->destroy(&m->primary);
    pthread_mutex_destroy(&m->lock);
    free(m);
    *engine = NULL;
}

static int multi_surface_init(struct vh_engine *engine, struct vh_surface *surface,
                              struct vh_error *err)
{
    struct multi_engine *m = multi_engine_of(engine);
    return m->primary->ops->surface_init(m->primary, surface, err);
}

static void multi_surface_fini(struct vh_engine *engine, struct vh_surface *surface)
{
    struct multi_engine *m = multi_engine_of(engine);
    multi_shadow_drop(m, surface);
    m->primary->ops->surface_fini(m->primary, surface);
}

static int multi_surface_read(struct vh_engine *engine, struct vh_surface *surface,
                              const struct vh_rect *rect, const struct vw_image_layout *layout,
                              uint8_t *dst, struct vh_error *err)
{
    struct multi_engine *m = multi_engine_of(engine);
    return m->primary->ops->surface_read(m->primary, surface, rect, layout, dst, err);
}

static int multi_surface_write(struct vh_engine *engine, struct vh_surface *surface,
                               const struct vh_rect *src, uint32_t dst_x, uint32_t dst_y,
                               const struct vw_image_layout *layout, const uint8_t *data,
                               struct vh_error *err)
{
    struct multi_engine *m = multi_engine_of(engine);
    return m->primary->ops->surface_write(m->primary, surface, src, dst_x, dst_y, layout, data,
                                          err);
}

static int multi_host_memory_register(struct vh_engine *engine, void *base, size_t size, int fd,
                                      void **handle)
{
    struct multi_engine *m = multi_engine_of(engine);
    if (!m->primary->ops->host_memory_register)
        return -1;
    return m->primary->ops->host_memory_register(m->primary, base, size, fd, handle);
}

static void multi_host_memory_unregister(struct vh_engine *engine, void *handle)
{
    struct multi_engine *m = multi_engine_of(engine);
    if (m->primary->ops->host_memory_unregister)
        m->primary->ops->host_memory_unregister(m->primary, handle);
}

/* A fallback codec keeps nothing on the GPU. */
static uint64_t multi_codec_gpu_bytes(struct vh_engine *engine, const struct vh_codec_desc *desc)
{
    struct multi_engine *m = multi_engine_of(engine);
    if (!m->primary->ops->codec_gpu_bytes || !multi_primary_has(m, desc->profile,
                                                                desc->entrypoint))
        return 0;
    return m->primary->ops->codec_gpu_bytes(m->primary, desc);
}

static uint64_t multi_surface_gpu_bytes(struct vh_engine *engine,
                                        const struct vh_surface *surface)
{
    struct multi_engine *m = multi_engine_of(engine);
    return m->primary->ops->surface_gpu_bytes
               ? m->primary->ops->surface_gpu_bytes(m->primary, surface) : 0;
}

static uint64_t multi_gpu_memory_total(struct vh_engine *engine)
{
    struct multi_engine *m = multi_engine_of(engine);
    return m->primary->ops->gpu_memory_total ? m->primary->ops->gpu_memory_total(m->primary)
                                             : 0;
}

static void multi_gpu_trim(struct vh_engine *engine)
{
    struct multi_engine *m = multi_engine_of(engine);
    if (m->primary->ops->gpu_trim)
        m->primary->ops->gpu_trim(m->primary);
}

static void multi_set_gpu_budget(struct vh_engine *engine, struct vh_memory_budget *budget)
{
    struct multi_engine *m = multi_engine_of(engine);
    engine->gpu_budget = budget;
    vh_engine_set_gpu_budget(m->primary, budget);
}

/* The composite's operations, whatever its primary. */
#define MULTI_COMMON_OPS                                                                         \
    .destroy = multi_destroy, .query_caps = multi_query_caps,                                  \
    .surface_init = multi_surface_init, .surface_fini = multi_surface_fini,                    \
    .codec_create = multi_codec_create, .codec_destroy = multi_codec_destroy,                  \
    .decode = multi_decode, .surface_read = multi_surface_read,                                \
    .surface_write = multi_surface_write,                                                      \
    .host_memory_register = multi_host_memory_register,                                        \
    .host_memory_unregister = multi_host_memory_unregister,                                    \
    .codec_gpu_bytes = multi_codec_gpu_bytes, .surface_gpu_bytes = multi_surface_gpu_bytes,    \
    .gpu_memory_total = multi_gpu_memory_total, .gpu_trim = multi_gpu_trim,                    \
    .set_gpu_budget = multi_set_gpu_budget

/* nvdec+sw. The GPU process serves the primary alone: its operations are
 * nvdec's. */
static int nvdec_sw_create(struct vh_engine **out, struct vh_error *err)
{
    struct vh_engine *primary = NULL;
    *out = NULL;
    int st = vh_engine_nvdec.create(&primary, err);
    return st != VW_OK ? st : multi_create_parts(&vh_engine_nvdec_sw, primary, out, err);
}

static int nvdec_sw_create_remote(struct vh_engine **out, int gpu_fd, struct vh_error *err)
{
    struct vh_engine *primary = NULL;
    *out = NULL;
    int st = vh_engine_nvdec.create_remote(&primary, gpu_fd, err);
    return st != VW_OK ? st : multi_create_parts(&vh_engine_nvdec_sw, primary, out, err);
}

static int nvdec_sw_gpu_server_create(struct vh_gpu_server **out, uint64_t *gpu_total,
                                      struct vh_error *err)
{
    return vh_engine_nvdec.gpu_server_create(out, gpu_total, err);
}

static int nvdec_sw_gpu_server_attach(struct vh_gpu_server *server, uint32_t worker_id,
                                      uint64_t gpu_limit, int fd, struct vh_error *err)
{
    return vh_engine_nvdec.gpu_server_attach(server, worker_id, gpu_limit, fd, err);
}

static void nvdec_sw_gpu_server_destroy(struct vh_gpu_server **server)
{
    vh_engine_nvdec.gpu_server_destroy(server);
}

const struct vh_engine_ops vh_engine_nvdec_sw = {
    .name = "nvdec+sw",
    .primary = &vh_engine_nvdec,
    .create = nvdec_sw_create,
    .create_remote = nvdec_sw_create_remote,
    .gpu_server_create = nvdec_sw_gpu_server_create,
    .gpu_server_attach = nvdec_sw_gpu_server_attach,
    .gpu_server_destroy = nvdec_sw_gpu_server_destroy,
    MULTI_COMMON_OPS,
};
