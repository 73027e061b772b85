/* Codecs of the composite engine: on the first part that has the profile.
 * A codec of a later part decodes into that part's shadow surfaces
 * (multi_shadow.c), whose pictures are then read back and written into
 * part 0's surfaces (the session's): any pair of engines works, as every
 * engine reads and writes its surfaces in the wire's image layouts. A
 * stream a part refuses at its first picture, for what only pictures tell
 * (nvdec: MPEG-4 data partitioning or interlace), moves to the next part
 * that has the profile. Each video processing job runs on the first part
 * that runs it (nvdec's kernels do scaling and bob; the rest is sw's), on
 * shadows where that is not part 0: the source is copied from part 0's
 * surface to the shadow first, the output back after. */
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/pixel_format.h"
#include "host/engines/multi/multi_internal.h"

struct multi_codec {
    struct vh_codec base;
    struct vh_codec_desc desc;
    struct vh_codec *inner;
    uint32_t part;                            /* the part `inner` is on */
    /* VIDEOPROC: the codecs of the other parts that ran a job, made on
     * the first job each takes (inner is part `part`'s). */
    struct vh_codec *proc[MULTI_MAX_PARTS];
    bool processed_on[MULTI_MAX_PARTS];       /* a job ran there (logged once) */
    bool decoded;                             /* a picture went through */
    uint8_t *upload;                          /* one picture, tightly packed */
    size_t upload_size;
};

static struct vh_engine *part_engine(struct multi_codec *c)
{
    return multi_engine_of(c->base.engine)->parts[c->part].engine;
}

/* Whether part i runs `job` (NULL: processes at all). */
static bool part_processes(const struct multi_engine *m, uint32_t i, const struct vh_process *job)
{
    struct vh_engine *e = m->parts[i].engine;
    return e->ops->process && (!e->ops->process_accepts || e->ops->process_accepts(e, job));
}

int multi_codec_create(struct vh_engine *engine, const struct vh_codec_desc *desc,
                       struct vh_codec **out, struct vh_error *err)
{
    struct multi_engine *m = multi_engine_of(engine);
    *out = NULL;
    struct multi_codec *c = calloc(1, sizeof(*c));
    if (!c)
        return vh_error_set(err, VW_ERR_NO_MEMORY, "%s: out of memory", engine->ops->name);
    c->base.engine = engine;
    c->desc = *desc;
    /* A profile none offers (the session checks the caps first): the last
     * part says why. */
    c->part = multi_part_serving(m, desc->profile, desc->entrypoint);
    if (desc->entrypoint == VW_ENTRYPOINT_VIDEOPROC)
        for (c->part = 0; c->part < m->num_parts - 1; c->part++)
            if (part_processes(m, c->part, NULL))
                break;
    if (c->part >= m->num_parts)
        c->part = m->num_parts - 1;
    struct vh_engine *inner = part_engine(c);
    int st = inner->ops->codec_create(inner, desc, &c->inner, err);
    if (st != VW_OK) {
        free(c);
        return st;
    }
    *out = &c->base;
    return VW_OK;
}

void multi_codec_destroy(struct vh_codec **codec)
{
    if (!codec || !*codec)
        return;
    struct multi_codec *c = (struct multi_codec *)*codec;
    part_engine(c)->ops->codec_destroy(&c->inner);
    struct multi_engine *m = multi_engine_of(c->base.engine);
    for (uint32_t i = 0; i < m->num_parts; i++)
        if (c->proc[i])
            m->parts[i].engine->ops->codec_destroy(&c->proc[i]);
    free(c->upload);
    free(c);
    *codec = NULL;
}

/* Copies the whole picture of surface `src` on engine `from` into `dst` on
 * engine `to` (one of them part 0's surface, the other its shadow). */
static int copy_picture(struct multi_codec *c, struct vh_engine *from, struct vh_surface *src,
                        struct vh_engine *to, struct vh_surface *dst, struct vh_error *err)
{
    struct multi_engine *m = multi_engine_of(c->base.engine);
    const struct vc_pixel_format *pf = vc_pixel_format_get(dst->pixel_format);
    if (!pf)
        return vh_error_set(err, VW_ERR_INTERNAL, "%s: surface %u: unknown format 0x%08x",
                            m->base.ops->name, dst->id, dst->pixel_format);
    struct vw_image_layout layout = {.pixel_format = dst->pixel_format,
                                     .num_planes = pf->num_planes};
    uint64_t bytes = vc_pixel_format_tight_layout(pf, dst->width, dst->height,
                                                  layout.pitches, layout.offsets);
    if (bytes > c->upload_size) {
        uint8_t *grown = realloc(c->upload, (size_t)bytes);
        if (!grown)
            return vh_error_set(err, VW_ERR_NO_MEMORY, "%s: out of memory", m->base.ops->name);
        c->upload = grown;
        c->upload_size = (size_t)bytes;
    }
    struct vh_rect rect = {0, 0, dst->width, dst->height};
    int st = from->ops->surface_read(from, src, &rect, &layout, c->upload, err);
    if (st != VW_OK)
        return st;
    return to->ops->surface_write(to, dst, &rect, 0, 0, &layout, c->upload, err);
}

/* Copies the shadow's picture into part 0's surface `owner`. */
static int upload(struct multi_codec *c, struct vh_surface *owner, struct vh_surface *shadow,
                  struct vh_error *err)
{
    struct multi_engine *m = multi_engine_of(c->base.engine);
    return copy_picture(c, part_engine(c), shadow, m->parts[0].engine, owner, err);
}

/* AV1 with film grain: the decoder also writes the grain-applied picture
 * to refs[8] (the display surface) when it names another surface. */
static struct vh_surface *grain_surface(const struct vh_picture *pic)
{
    if (pic->codec != VW_CODEC_AV1 || !pic->av1 || !pic->av1->film_grain.apply_grain)
        return NULL;
    return pic->refs[8] && pic->refs[8] != pic->target ? pic->refs[8] : NULL;
}

/* The codec's part refused the stream's first picture as unsupported: its
 * codec is swapped for one on the next part that has the profile, if that
 * part makes one. Nothing was decoded, so nothing is lost; the GPU memory
 * charged for a part 0 codec stays charged until the codec goes (the
 * budget errs on the safe side). */
static bool move_on(struct multi_codec *c, const struct vh_error *refusal)
{
    struct multi_engine *m = multi_engine_of(c->base.engine);
    uint32_t next = multi_part_next(m, c->part, c->desc.profile, c->desc.entrypoint);
    if (next >= m->num_parts)
        return false;
    struct vh_engine *from = part_engine(c), *to = m->parts[next].engine;
    struct vh_codec *moved = NULL;
    struct vh_error err = {0};
    if (to->ops->codec_create(to, &c->desc, &moved, &err) != VW_OK) {
        vc_debug("%s: %s refused a stream and %s cannot take it: %s", m->base.ops->name,
                 from->ops->name, to->ops->name, err.message);
        return false;
    }
    vc_info("%s: stream moves to %s: %s", m->base.ops->name, to->ops->name, refusal->message);
    from->ops->codec_destroy(&c->inner);
    c->inner = moved;
    c->part = next;
    return true;
}

static int decode_on_shadows(struct multi_codec *c, const struct vh_picture *pic,
                             struct vh_error *err)
{
    struct multi_engine *m = multi_engine_of(c->base.engine);
    struct vh_picture shadowed = *pic;
    shadowed.target = multi_shadow_get(m, c->part, pic->target, err);
    if (!shadowed.target)
        return err->status;
    for (size_t i = 0; i < sizeof(pic->refs) / sizeof(pic->refs[0]); i++) {
        if (!pic->refs[i])
            continue;
        shadowed.refs[i] = multi_shadow_get(m, c->part, pic->refs[i], err);
        if (!shadowed.refs[i])
            return err->status;
    }
    int st = part_engine(c)->ops->decode(c->inner, &shadowed, err);
    if (st != VW_OK)
        return st;
    struct vh_surface *grain = grain_surface(pic);
    if (grain && (st = upload(c, grain, shadowed.refs[8], err)) != VW_OK)
        return st;
    return upload(c, pic->target, shadowed.target, err);
}

static int decode_on_part(struct multi_codec *c, const struct vh_picture *pic,
                          struct vh_error *err)
{
    if (c->part == 0)
        return part_engine(c)->ops->decode(c->inner, pic, err);
    return decode_on_shadows(c, pic, err);
}

int multi_decode(struct vh_codec *codec, const struct vh_picture *pic, struct vh_error *err)
{
    struct multi_codec *c = (struct multi_codec *)codec;
    int st = decode_on_part(c, pic, err);
    while (st == VW_ERR_UNSUPPORTED_STREAM && !c->decoded && move_on(c, err)) {
        memset(err, 0, sizeof(*err));
        st = decode_on_part(c, pic, err);
    }
    c->decoded |= st == VW_OK;
    return st;
}

uint32_t multi_process_outputs(struct vh_engine *engine)
{
    struct multi_engine *m = multi_engine_of(engine);
    uint32_t outputs = 0;
    for (uint32_t i = 0; i < m->num_parts; i++) {
        struct vh_engine *e = m->parts[i].engine;
        if (part_processes(m, i, NULL) && e->ops->process_outputs)
            outputs |= e->ops->process_outputs(e);
    }
    return outputs & m->surface_rt_formats & VW_RT_RGB32;
}

int multi_process(struct vh_codec *codec, const struct vh_process *job, struct vh_error *err)
{
    struct multi_codec *c = (struct multi_codec *)codec;
    struct multi_engine *m = multi_engine_of(c->base.engine);
    uint32_t p = 0;
    while (p < m->num_parts && !part_processes(m, p, job))
        p++;
    if (p == m->num_parts)
        return vh_error_set(err, VW_ERR_UNSUPPORTED_ENTRYPOINT, "%s: no video processing",
                            m->base.ops->name);
    struct vh_engine *part = m->parts[p].engine;
    struct vh_codec *inner = p == c->part ? c->inner : c->proc[p];
    if (!inner) {
        int st = part->ops->codec_create(part, &c->desc, &c->proc[p], err);
        if (st != VW_OK)
            return st;
        inner = c->proc[p];
    }
    if (!c->processed_on[p]) {
        c->processed_on[p] = true;
        vc_info("%s: video processing on %s", m->base.ops->name, part->ops->name);
    }
    if (p == 0)
        return part->ops->process(inner, job, err);
    struct vh_process shadowed = *job;
    shadowed.source = multi_shadow_get(m, p, job->source, err);
    if (!shadowed.source)
        return err->status;
    shadowed.output = multi_shadow_get(m, p, job->output, err);
    if (!shadowed.output)
        return err->status;
    /* Part 0's surface holds the picture, whoever decoded it; so do the
     * references'. */
    int st = copy_picture(c, m->parts[0].engine, job->source, part, shadowed.source, err);
    struct vh_surface *const refs[2] = {job->past, job->future};
    struct vh_surface **shadow_refs[2] = {&shadowed.past, &shadowed.future};
    for (unsigned i = 0; i < 2 && st == VW_OK; i++) {
        if (!refs[i])
            continue;
        *shadow_refs[i] = multi_shadow_get(m, p, refs[i], err);
        st = *shadow_refs[i] ? copy_picture(c, m->parts[0].engine, refs[i], part,
                                            *shadow_refs[i], err)
                             : err->status;
    }
    if (st == VW_OK)
        st = part->ops->process(inner, &shadowed, err);
    if (st == VW_OK)
        st = copy_picture(c, part, shadowed.output, m->parts[0].engine, job->output, err);
    return st;
}

uint32_t multi_process_formats(struct vh_engine *engine)
{
    struct multi_engine *m = multi_engine_of(engine);
    uint32_t formats = 0;
    for (uint32_t i = 0; i < m->num_parts; i++) {
        struct vh_engine *e = m->parts[i].engine;
        if (part_processes(m, i, NULL))
            formats |= vh_engine_process_formats(e);
    }
    return formats & m->surface_rt_formats;
}
