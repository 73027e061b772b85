/* The composite engines that `auto` makes of the engines that start
 * ("nvdec+vaapi+sw", "vaapi+sw", "nvdec+sw"): each profile is served by
 * the first part that has it, e.g. AV1 by sw beside an H100's NVDEC, which
 * has none. Surfaces, GPU memory and the GPU process are part 0's; a codec
 * of a later part decodes into that part's shadows of them and uploads
 * each picture (multi_codec.c). `--engine nvdec` stays nvdec alone. The
 * vtables are in multi_<parts>.c, each built where its parts are. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/pixel_format.h"
#include "host/engines/multi/multi_internal.h"

static bool part_has(const struct multi_part *p, uint32_t profile, uint32_t entrypoint)
{
    for (uint32_t i = 0; i < p->num_caps; i++)
        if (p->caps[i].profile == profile && p->caps[i].entrypoint == entrypoint)
            return true;
    return false;
}

uint32_t multi_part_serving(const struct multi_engine *m, uint32_t profile, uint32_t entrypoint)
{
    for (uint32_t i = 0; i < m->num_caps; i++)
        if (m->caps[i].profile == profile && m->caps[i].entrypoint == entrypoint)
            return m->cap_part[i];
    return m->num_parts;
}

uint32_t multi_part_next(const struct multi_engine *m, uint32_t after, uint32_t profile,
                         uint32_t entrypoint)
{
    uint32_t i = after + 1;
    while (i < m->num_parts && !part_has(&m->parts[i], profile, entrypoint))
        i++;
    return i < m->num_parts ? i : m->num_parts;
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

/* A later part's cap cut to what part 0's surfaces hold; false if nothing
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

/* The composite's caps: part 0's, then each later part's for what no
 * earlier part offers (each keeps its own engine_name: `vivac info` shows
 * it per profile). */
static void merge_caps(struct multi_engine *m)
{
    for (uint32_t p = 0; p < m->num_parts; p++)
        for (uint32_t i = 0; i < m->parts[p].num_caps && m->num_caps < MULTI_MAX_CAPS; i++) {
            struct vw_cap cap = m->parts[p].caps[i];
            if (multi_part_serving(m, cap.profile, cap.entrypoint) < m->num_parts ||
                (p > 0 && !restrict_cap(m, &cap)))
                continue;
            m->cap_part[m->num_caps] = (uint8_t)p;
            m->caps[m->num_caps++] = cap;
        }
}

int multi_query_caps(struct vh_engine *engine, struct vw_cap *caps, uint32_t max,
                     uint32_t *count)
{
    struct multi_engine *m = multi_engine_of(engine);
    uint32_t n = m->num_caps < max ? m->num_caps : max;
    memcpy(caps, m->caps, n * sizeof(*caps));
    *count = n;
    return VW_OK;
}

/* "engine vaapi+sw: vaapi for H.264 (profile 5), ...; sw for AV1 (profile
 * 17), ...": which part serves what (vivac info shows it per profile). */
static void log_split(const struct multi_engine *m)
{
    char list[1024] = "";
    size_t used = 0;
    for (uint32_t p = 0; p < m->num_parts && used < sizeof(list); p++) {
        int k = snprintf(list + used, sizeof(list) - used, "%s%s for ", p ? "; " : "",
                         m->parts[p].engine->ops->name);
        used += k > 0 ? (size_t)k : 0;
        uint32_t listed = 0;
        for (uint32_t i = 0; i < m->num_caps && used < sizeof(list); i++) {
            if (m->cap_part[i] != p || m->caps[i].entrypoint != VW_ENTRYPOINT_DECODE)
                continue;
            k = snprintf(list + used, sizeof(list) - used, "%s%s (profile %u)",
                         listed++ ? ", " : "", codec_name(m->caps[i].profile),
                         m->caps[i].profile);
            used += k > 0 ? (size_t)k : 0;
        }
        if (!listed && used < sizeof(list)) {
            k = snprintf(list + used, sizeof(list) - used, "nothing");
            used += k > 0 ? (size_t)k : 0;
        }
    }
    vc_info("engine %s: %s", m->base.ops->name, list);
}

/* Which chroma formats (and RGB32) part 0's surfaces hold: one small surface of each
 * made and freed (nvdec's are allocated on first use, remote ones a round
 * trip to the GPU process), and the largest size of its caps. */
static void probe_surfaces(struct multi_engine *m)
{
    struct vh_engine *owner = m->parts[0].engine;
    for (uint32_t bit = 1; bit && bit <= VW_RT_RGB32; bit <<= 1) {
        const struct vc_pixel_format *pf = vc_pixel_format_of_rt(bit);
        if (!pf)
            continue;
        struct vh_surface probe = {.id = VW_INVALID_ID, .width = 64, .height = 64,
                                   .rt_format = bit, .pixel_format = pf->fourcc,
                                   .state = VW_SURFACE_READY};
        struct vh_error err = {0};
        if (owner->ops->surface_init(owner, &probe, &err) != VW_OK)
            continue;
        owner->ops->surface_fini(owner, &probe);
        m->surface_rt_formats |= bit;
    }
    const struct multi_part *p0 = &m->parts[0];
    for (uint32_t i = 0; i < p0->num_caps; i++) {
        if (p0->caps[i].max_width > m->max_width)
            m->max_width = p0->caps[i].max_width;
        if (p0->caps[i].max_height > m->max_height)
            m->max_height = p0->caps[i].max_height;
    }
}

int multi_compose(const struct vh_engine_ops *ops, struct vh_engine **parts, uint32_t n,
                  struct vh_engine **out, struct vh_error *err)
{
    *out = NULL;
    struct multi_engine *m = n <= MULTI_MAX_PARTS ? calloc(1, sizeof(*m)) : NULL;
    if (!m) {
        for (uint32_t i = 0; i < n; i++)
            parts[i]->ops->destroy(&parts[i]);
        return vh_error_set(err, VW_ERR_NO_MEMORY, "%s: out of memory", ops->name);
    }
    m->base.ops = ops;
    pthread_mutex_init(&m->lock, NULL);
    for (uint32_t i = 0; i < n; i++)
        m->parts[i].engine = parts[i];
    m->num_parts = n;
    for (uint32_t i = 0; i < n; i++) {
        struct multi_part *p = &m->parts[i];
        int st = p->engine->ops->query_caps(p->engine, p->caps, MULTI_MAX_CAPS, &p->num_caps);
        if (st != VW_OK) {
            vh_error_set(err, st, "%s: the caps of %s", ops->name, p->engine->ops->name);
            multi_destroy((struct vh_engine **)&m);
            return st;
        }
    }
    probe_surfaces(m);
    merge_caps(m);
    log_split(m);
    *out = &m->base;
    return VW_OK;
}

/* Each part made by `make` (create, or create_remote for part 0 where
 * gpu_fd >= 0), then composed; a part that fails undoes the others. */
static int create_parts(const struct vh_engine_ops *ops, int gpu_fd, struct vh_engine **out,
                        struct vh_error *err)
{
    struct vh_engine *parts[MULTI_MAX_PARTS] = {0};
    uint32_t n = 0;
    *out = NULL;
    for (; n < MULTI_MAX_PARTS && ops->parts[n]; n++) {
        const struct vh_engine_ops *part = ops->parts[n];
        int st = n == 0 && gpu_fd >= 0 ? part->create_remote(&parts[n], gpu_fd, err)
                                       : part->create(&parts[n], err);
        if (st != VW_OK) {
            while (n > 0) {
                n--;
                parts[n]->ops->destroy(&parts[n]);
            }
            return st;
        }
    }
    return multi_compose(ops, parts, n, out, err);
}

int multi_create(const struct vh_engine_ops *ops, struct vh_engine **out, struct vh_error *err)
{
    return create_parts(ops, -1, out, err);
}

int multi_create_remote(const struct vh_engine_ops *ops, int gpu_fd, struct vh_engine **out,
                        struct vh_error *err)
{
    return create_parts(ops, gpu_fd, out, err);
}

void multi_destroy(struct vh_engine **engine)
{
    if (!engine || !*engine)
        return;
    struct multi_engine *m = multi_engine_of(*engine);
    multi_shadow_drop_all(m);
    for (uint32_t i = m->num_parts; i-- > 0;)
        m->parts[i].engine->ops->destroy(&m->parts[i].engine);
    pthread_mutex_destroy(&m->lock);
    free(m);
    *engine = NULL;
}

/* Surfaces, host memory and GPU memory: part 0's. */
static struct vh_engine *owner_of(struct vh_engine *engine)
{
    return multi_engine_of(engine)->parts[0].engine;
}

int multi_surface_init(struct vh_engine *engine, struct vh_surface *surface,
                       struct vh_error *err)
{
    struct vh_engine *owner = owner_of(engine);
    return owner->ops->surface_init(owner, surface, err);
}

void multi_surface_fini(struct vh_engine *engine, struct vh_surface *surface)
{
    struct vh_engine *owner = owner_of(engine);
    multi_shadow_drop(multi_engine_of(engine), surface);
    owner->ops->surface_fini(owner, surface);
}

int multi_surface_read(struct vh_engine *engine, struct vh_surface *surface,
                       const struct vh_rect *rect, const struct vw_image_layout *layout,
                       uint8_t *dst, struct vh_error *err)
{
    struct vh_engine *owner = owner_of(engine);
    return owner->ops->surface_read(owner, surface, rect, layout, dst, err);
}

int multi_surface_write(struct vh_engine *engine, struct vh_surface *surface,
                        const struct vh_rect *src, uint32_t dst_x, uint32_t dst_y,
                        const struct vw_image_layout *layout, const uint8_t *data,
                        struct vh_error *err)
{
    struct vh_engine *owner = owner_of(engine);
    return owner->ops->surface_write(owner, surface, src, dst_x, dst_y, layout, data, err);
}

int multi_host_memory_register(struct vh_engine *engine, void *base, size_t size, int fd,
                               void **handle)
{
    struct vh_engine *owner = owner_of(engine);
    if (!owner->ops->host_memory_register)
        return -1;
    return owner->ops->host_memory_register(owner, base, size, fd, handle);
}

void multi_host_memory_unregister(struct vh_engine *engine, void *handle)
{
    struct vh_engine *owner = owner_of(engine);
    if (owner->ops->host_memory_unregister)
        owner->ops->host_memory_unregister(owner, handle);
}

/* A codec of a later part charges nothing: of the engines `auto` joins,
 * only the first (nvdec) counts GPU memory; vaapi's is the host driver's
 * and sw has none. */
uint64_t multi_codec_gpu_bytes(struct vh_engine *engine, const struct vh_codec_desc *desc)
{
    struct multi_engine *m = multi_engine_of(engine);
    struct vh_engine *owner = owner_of(engine);
    if (!owner->ops->codec_gpu_bytes ||
        multi_part_serving(m, desc->profile, desc->entrypoint) != 0)
        return 0;
    return owner->ops->codec_gpu_bytes(owner, desc);
}

uint64_t multi_surface_gpu_bytes(struct vh_engine *engine, const struct vh_surface *surface)
{
    struct vh_engine *owner = owner_of(engine);
    return owner->ops->surface_gpu_bytes ? owner->ops->surface_gpu_bytes(owner, surface) : 0;
}

uint64_t multi_gpu_memory_total(struct vh_engine *engine)
{
    struct vh_engine *owner = owner_of(engine);
    return owner->ops->gpu_memory_total ? owner->ops->gpu_memory_total(owner) : 0;
}

void multi_gpu_trim(struct vh_engine *engine)
{
    struct vh_engine *owner = owner_of(engine);
    if (owner->ops->gpu_trim)
        owner->ops->gpu_trim(owner);
}

void multi_set_gpu_budget(struct vh_engine *engine, struct vh_memory_budget *budget)
{
    struct multi_engine *m = multi_engine_of(engine);
    engine->gpu_budget = budget;
    for (uint32_t i = 0; i < m->num_parts; i++)
        vh_engine_set_gpu_budget(m->parts[i].engine, budget);
}
