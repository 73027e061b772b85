/* Video processing (protocol 1.4): the VIDEOPROC capability, PROCESS
 * (checked by validate_process.c, kept in the open frame) and END_FRAME of
 * a VIDEOPROC codec (the engine's process behind the scheduler's gate). */
#include <string.h>

#include "common/cursor.h"
#include "host/decode_cost.h"
#include "host/session_internal.h"
#include "host/validate_process.h"

#define PROC_MIN_SIZE 2u

void vh_session_add_process_caps(struct vh_session *s)
{
    const struct vh_engine_ops *ops = s->engine->ops;
    if (!ops->process || (ops->process_accepts && !ops->process_accepts(s->engine, NULL)) ||
        s->num_caps >= VH_MAX_CAPS)
        return;
    /* Any surface the engine's decoders may write can be processed (in the
     * formats they write: a composite's surfaces may hold fewer). */
    uint32_t w = 0, h = 0, rt_formats = 0;
    for (uint32_t i = 0; i < s->num_caps; i++) {
        w = s->caps[i].max_width > w ? s->caps[i].max_width : w;
        h = s->caps[i].max_height > h ? s->caps[i].max_height : h;
        rt_formats |= s->caps[i].rt_formats;
    }
    rt_formats &= vh_engine_process_formats(s->engine);
    if (w < PROC_MIN_SIZE || h < PROC_MIN_SIZE || !(rt_formats & VW_RT_YUV420))
        return;
    if (ops->process_outputs)
        rt_formats |= ops->process_outputs(s->engine) & VW_RT_RGB32;
    struct vw_cap *cap = &s->caps[s->num_caps++];
    *cap = (struct vw_cap){.profile = VW_PROFILE_NONE, .entrypoint = VW_ENTRYPOINT_VIDEOPROC,
                           .rt_formats = rt_formats, .pixel_format = VW_FOURCC_NV12,
                           .min_width = PROC_MIN_SIZE, .min_height = PROC_MIN_SIZE,
                           .max_width = w, .max_height = h};
    strncpy(cap->engine_name, s->engine->ops->name, sizeof(cap->engine_name) - 1);
}

/* The job's reference surfaces, past then future, NULL where the session
 * has none of that id (counts checked first). */
static int find_refs(struct vh_session *s, const struct vw_process *p,
                     struct vh_surface *refs[2 * VW_PROCESS_MAX_REFS])
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < p->num_past && i < VW_PROCESS_MAX_REFS; i++, n++) {
        struct vh_surface_obj *o = vh_session_surface(s, p->past_ids[i]);
        refs[n] = o ? &o->surface : NULL;
    }
    for (uint32_t i = 0; i < p->num_future && i < VW_PROCESS_MAX_REFS; i++, n++) {
        struct vh_surface_obj *o = vh_session_surface(s, p->future_ids[i]);
        refs[n] = o ? &o->surface : NULL;
    }
    return (int)n;
}

static int check_refs(struct vh_session *s, const struct vw_process *p,
                      const struct vh_surface *source, const struct vh_surface *output,
                      struct vh_error *err)
{
    struct vh_surface *refs[2 * VW_PROCESS_MAX_REFS];
    find_refs(s, p, refs);
    return vh_process_check_refs(p, (const struct vh_surface *const *)refs, source, output,
                                 err);
}

int vh_handle_process(struct vh_session *s, const struct vh_request *req, struct vh_reply *rep)
{
    const char *W = "PROCESS";
    /* A 1.4 client's job is the struct's first VW_PROCESS_SIZE_V14 bytes
     * (the 1.5 fields read as 0: no ProcAmp), a 1.5 or 1.6 client's its
     * first VW_PROCESS_SIZE_V15 (no references). */
    struct vw_process p = {0};
    size_t size = req->size == VW_PROCESS_SIZE_V14 || req->size == VW_PROCESS_SIZE_V15
                      ? req->size
                      : sizeof(p);
    struct vc_cursor c = vc_cursor_make(req->payload, req->size);
    if (!vc_cursor_copy(&c, &p, size) || !vc_cursor_done(&c))
        return vh_error_set(&rep->err, VW_ERR_MALFORMED,
                            "%s: payload is %zu bytes, expected %zu (1.7), %u (1.5) or %u "
                            "(1.4)", W, req->size, sizeof(p), VW_PROCESS_SIZE_V15,
                            VW_PROCESS_SIZE_V14);
    struct vh_codec_obj *codec = vh_session_codec(s, p.codec_id);
    if (!codec)
        return vh_error_set(&rep->err, VW_ERR_INVALID_ID, "%s: no codec %u", W, p.codec_id);
    if (!vh_codec_processes(codec))
        return vh_error_set(&rep->err, VW_ERR_STATE, "%s: codec %u was created with entrypoint "
                            "%u, not VIDEOPROC", W, codec->id, codec->desc.entrypoint);
    struct vh_frame *f = codec->frame;
    if (!f)
        return vh_error_set(&rep->err, VW_ERR_STATE,
                            "%s: codec %u has no frame in progress (BEGIN_FRAME)", W, codec->id);
    int st;
    struct vh_surface_obj *src = vh_session_surface(s, p.source_id);
    if (f->have_process)
        st = vh_error_set(&rep->err, VW_ERR_STATE, "%s: codec %u's frame already has its job",
                          W, codec->id);
    else if (!src)
        st = vh_error_set(&rep->err, VW_ERR_INVALID_ID, "%s: no source surface %u", W,
                          p.source_id);
    else
        st = vh_process_check(&p, &src->surface, &f->target->surface,
                              vh_engine_process_formats(s->engine) | VW_RT_RGB32, &rep->err);
    if (st == VW_OK)
        st = check_refs(s, &p, &src->surface, &f->target->surface, &rep->err);
    if (st != VW_OK) {
        if (f->error.status == VW_OK)
            f->error = rep->err;
        return st;
    }
    f->process = p;
    f->have_process = true;
    return VW_OK;
}

struct process_job {
    struct vh_codec_obj *codec;
    const struct vh_process *job;
};

static int run_process(void *arg, struct vh_error *err)
{
    struct process_job *pj = arg;
    struct vh_codec *ec = pj->codec->engine_codec;
    return ec->engine->ops->process(ec, pj->job, err);
}

int vh_process_end_frame(struct vh_session *s, struct vh_codec_obj *codec, struct vh_error *err)
{
    struct vh_frame *f = codec->frame;
    if (f->error.status != VW_OK) {
        *err = f->error;
        return err->status;
    }
    if (!f->have_process)
        return vh_error_set(err, VW_ERR_STATE, "END_FRAME: frame of codec %u has no PROCESS",
                            codec->id);
    const struct vw_process *p = &f->process;
    /* The source may have been destroyed since PROCESS. */
    struct vh_surface_obj *src = vh_session_surface(s, p->source_id);
    if (!src)
        return vh_error_set(err, VW_ERR_INVALID_ID, "END_FRAME: no source surface %u",
                            p->source_id);
    /* So may the references; checked again for it. */
    int st = check_refs(s, p, &src->surface, &f->target->surface, err);
    if (st != VW_OK)
        return st;
    struct vh_surface *refs[2 * VW_PROCESS_MAX_REFS];
    find_refs(s, p, refs);
    struct vh_process job = {
        .source = &src->surface, .output = &f->target->surface,
        .source_rect = {p->source.x, p->source.y, p->source.width, p->source.height},
        .output_rect = {p->output.x, p->output.y, p->output.width, p->output.height},
        .scaling = p->scaling,
        .source_standard = p->source_standard, .source_range = p->source_range,
        .output_standard = p->output_standard, .output_range = p->output_range,
        .deinterlace = (p->filters & VW_FILTER_DEINTERLACE) ? p->deinterlace : 0,
        .field = p->field,
        .bottom_first = p->field_order == VW_FIELD_ORDER_BOTTOM_FIRST,
        /* Motion adaptive reads the nearest picture each way. */
        .past = p->num_past ? refs[0] : NULL,
        .future = p->num_future ? refs[p->num_past] : NULL,
        .procamp = (p->filters & VW_FILTER_PROCAMP) != 0,
        .brightness = p->brightness, .contrast = p->contrast,
        .hue = p->hue, .saturation = p->saturation,
        .denoise = p->denoise, .sharpen = p->sharpen,
        .rotation = p->rotation, .mirror = p->mirror,
    };
    /* Cost: the larger side's 16x16 blocks. */
    uint64_t in = (uint64_t)p->source.width * p->source.height;
    uint64_t out = (uint64_t)p->output.width * p->output.height;
    uint32_t blocks = (uint32_t)(((in > out ? in : out) + 255) / 256);
    /* Motion adaptive filters 2-3 fields a job on sw (docs/codecs.md):
     * about 3 bob jobs' time at 1080 lines. */
    if (job.deinterlace == VW_DEINTERLACE_MOTION_ADAPTIVE)
        blocks *= 3;
    struct process_job pj = {codec, &job};
    st = vh_session_gated(s, VH_COST_PROCESS, blocks, run_process, &pj, err);
    if (st != VW_OK && err->status != st)
        vh_error_set(err, st, "END_FRAME: engine processing failed");
    return st;
}
