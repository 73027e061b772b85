/* BEGIN_FRAME / DECODE_BITSTREAM / END_FRAME: validation, accumulation of a
 * frame in session-owned memory, and the engine's decode call. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/cursor.h"
#include "common/log.h"
#include "host/memory_budget.h"
#include "host/session_arena.h"
#include "host/session_internal.h"

void vh_frame_finish_target(struct vh_surface_obj *target, const struct vh_error *err)
{
    target->surface.state = err->status == VW_OK ? VW_SURFACE_READY : VW_SURFACE_FAILED;
    target->surface.last_status = err->status;
    snprintf(target->last_message, sizeof(target->last_message), "%s",
             err->status == VW_OK ? "" : err->message);
}

void vh_frame_close(struct vh_session *s, struct vh_codec_obj *codec)
{
    struct vh_frame *f = codec->frame;
    if (!f)
        return;
    /* A frame dropped before END_FRAME (its codec destroyed) leaves the
     * target FAILED, never RENDERING: a later SYNC must not report success
     * for pixels that were never decoded. */
    if (f->target && f->target->surface.state == VW_SURFACE_RENDERING) {
        struct vh_error dropped;
        vh_error_set(&dropped, VW_ERR_STATE, "frame into surface %u dropped before END_FRAME",
                     f->target->surface.id);
        vh_frame_finish_target(f->target, &dropped);
    }
    if (f->target && f->target->surface.ref_count > 0)
        f->target->surface.ref_count--;
    s->bytes_used -= f->bytes;
    vh_budget_give(s->limits.shared, f->bytes);
    free(f->slice_params);
    free(f->slices);
    free(f->data);
    free(f);
    codec->frame = NULL;
}

/* Records the first error of a frame; returns the status of `err`. */
static int frame_fail(struct vh_frame *f, const struct vh_error *err)
{
    if (f->error.status == VW_OK)
        f->error = *err;
    return err->status;
}

/* ---- BEGIN_FRAME --------------------------------------------------------- */

int vh_handle_begin_frame(struct vh_session *s, const struct vh_request *req, struct vh_reply *rep)
{
    struct vw_begin_frame bf;
    struct vc_cursor c = vc_cursor_make(req->payload, req->size);
    if (!vc_cursor_copy(&c, &bf, sizeof(bf)) || !vc_cursor_done(&c))
        return vh_expect_size(rep, "BEGIN_FRAME", req->size, sizeof(bf));
    struct vh_codec_obj *codec = vh_session_codec(s, bf.codec_id);
    if (!codec)
        return vh_error_set(&rep->err, VW_ERR_INVALID_ID, "BEGIN_FRAME: no codec %u", bf.codec_id);
    struct vh_surface_obj *target = vh_session_surface(s, bf.surface_id);
    if (!target)
        return vh_error_set(&rep->err, VW_ERR_INVALID_ID, "BEGIN_FRAME: no surface %u",
                            bf.surface_id);
    if (codec->frame)
        return vh_error_set(&rep->err, VW_ERR_STATE,
                            "BEGIN_FRAME: codec %u already has a frame in progress", codec->id);
    if (target->surface.ref_count > 0)
        return vh_error_set(&rep->err, VW_ERR_SURFACE_BUSY,
                            "BEGIN_FRAME: surface %u is the target of another frame in progress",
                            target->surface.id);
    /* Any chroma format the profile decodes into: the stream, not the VA
     * context, decides it (a JPEG context serves 4:2:0 and 4:4:4 pictures;
     * the codec validators match each picture with its target). */
    uint32_t formats = codec->desc.rt_format;
    for (uint32_t i = 0; i < s->num_caps; i++)
        if (s->caps[i].profile == codec->desc.profile &&
            s->caps[i].entrypoint == codec->desc.entrypoint)
            formats |= s->caps[i].rt_formats;
    if (!(target->surface.rt_format & formats))
        return vh_error_set(&rep->err, VW_ERR_UNSUPPORTED_FORMAT,
                            "BEGIN_FRAME: surface %u has rt_format 0x%x, codec %u decodes "
                            "0x%x", target->surface.id, target->surface.rt_format, codec->id,
                            formats);
    struct vh_frame *f = calloc(1, sizeof(*f));
    if (!f)
        return vh_error_set(&rep->err, VW_ERR_NO_MEMORY, "BEGIN_FRAME: out of memory");
    f->target = target;
    target->surface.ref_count++;
    target->surface.state = VW_SURFACE_RENDERING;
    codec->frame = f;
    return VW_OK;
}

/* ---- DECODE_BITSTREAM ------------------------------------------------------ */

static int frame_reserve_slices(struct vh_frame *f, uint32_t n, size_t slice_size,
                                struct vh_error *err)
{
    uint32_t need = f->num_slices + n;
    if (need <= f->cap_slices)
        return VW_OK;
    uint32_t cap = f->cap_slices ? f->cap_slices : 4;
    while (cap < need)
        cap *= 2;
    if (cap > VW_MAX_SLICES)
        cap = VW_MAX_SLICES;
    uint8_t *p = realloc(f->slice_params, (size_t)cap * slice_size);
    if (!p)
        return vh_error_set(err, VW_ERR_NO_MEMORY, "DECODE_BITSTREAM: out of memory");
    f->slice_params = p;
    struct vh_frame_slice *q = realloc(f->slices, (size_t)cap * sizeof(*q));
    if (!q)
        return vh_error_set(err, VW_ERR_NO_MEMORY, "DECODE_BITSTREAM: out of memory");
    f->slices = q;
    f->cap_slices = cap;
    return VW_OK;
}

static int frame_reserve_data(struct vh_frame *f, size_t n, struct vh_error *err)
{
    size_t need = f->data_size + n;
    if (need <= f->data_cap)
        return VW_OK;
    size_t cap = f->data_cap ? f->data_cap : 4096;
    while (cap < need)
        cap *= 2;
    uint8_t *p = realloc(f->data, cap);
    if (!p)
        return vh_error_set(err, VW_ERR_NO_MEMORY, "DECODE_BITSTREAM: out of memory");
    f->data = p;
    f->data_cap = cap;
    return VW_OK;
}

/* Length of an Annex-B start code at the start of p (0, 3 or 4). */
static uint32_t start_code_length(const uint8_t *p, uint32_t size)
{
    if (size >= 3 && p[0] == 0 && p[1] == 0 && p[2] == 1)
        return 3;
    if (size >= 4 && p[0] == 0 && p[1] == 0 && p[2] == 0 && p[3] == 1)
        return 4;
    return 0;
}

/* Parses and checks everything of one DECODE_BITSTREAM; on success the
 * slices are appended to the frame. On failure the frame is left as it was
 * (apart from the error, which the caller records). */
static int decode_bitstream(struct vh_session *s, struct vh_codec_obj *codec,
                            const struct vw_decode_bitstream *db, struct vc_cursor *c,
                            struct vh_reply *rep)
{
    struct vh_error *err = &rep->err;
    struct vh_frame *f = codec->frame;
    const char *W = "DECODE_BITSTREAM";
    /* The codec of the codec object's profile (the session's own record
     * knows H.264 only). */
    uint32_t codec_kind = vw_codec_of_profile(codec->desc.profile);
    const struct vh_codec_rules *rules = vh_codec_rules_get(db->codec);

    if (db->reserved != 0)
        return vh_error_set(err, VW_ERR_MALFORMED, "%s: reserved is not 0", W);
    if (db->data.reserved != 0)
        return vh_error_set(err, VW_ERR_MALFORMED, "%s: data.reserved is not 0", W);
    if (!rules)
        return vh_error_set(err, VW_ERR_MALFORMED, "%s: codec %u unknown", W, db->codec);
    if (db->codec != codec_kind)
        return vh_error_set(err, VW_ERR_MALFORMED, "%s: codec %u does not match codec object %u",
                            W, db->codec, codec->id);
    if (db->flags & ~VW_DECODE_HAS_IQ_MATRIX)
        return vh_error_set(err, VW_ERR_MALFORMED, "%s: unknown flags 0x%x", W, db->flags);
    if (db->picture_params_size != rules->picture_size &&
        (!rules->min_picture_size || db->picture_params_size != rules->min_picture_size))
        return vh_error_set(err, VW_ERR_MALFORMED, "%s: picture_params_size %u, expected %zu", W,
                            db->picture_params_size, rules->picture_size);
    bool has_iq = db->flags & VW_DECODE_HAS_IQ_MATRIX;
    if (has_iq && rules->extra_size == 0)
        return vh_error_set(err, VW_ERR_MALFORMED, "%s: %s has no optional parameter block", W,
                            rules->name);
    size_t iq_size = has_iq ? rules->extra_size : 0;
    if (db->iq_matrix_size != iq_size)
        return vh_error_set(err, VW_ERR_MALFORMED, "%s: iq_matrix_size %u, expected %zu", W,
                            db->iq_matrix_size, iq_size);
    if (db->slice_params_size != rules->slice_size)
        return vh_error_set(err, VW_ERR_MALFORMED, "%s: slice_params_size %u, expected %zu", W,
                            db->slice_params_size, rules->slice_size);
    if (db->num_slices < 1 || db->num_slices > rules->max_slices)
        return vh_error_set(err, VW_ERR_MALFORMED, "%s: num_slices %u outside 1..%u", W,
                            db->num_slices, rules->max_slices);
    if (db->data.location != VW_LOC_INLINE && db->data.location != VW_LOC_ARENA)
        return vh_error_set(err, VW_ERR_MALFORMED, "%s: data.location %u unknown", W,
                            db->data.location);
    if (db->data.size == 0)
        return vh_error_set(err, VW_ERR_MALFORMED, "%s: data.size is 0", W);

    /* Exact payload size: fixed parts + inline data. */
    uint64_t expected = sizeof(*db) + (uint64_t)db->picture_params_size + db->iq_matrix_size +
                        (uint64_t)db->num_slices * db->slice_params_size;
    if (db->data.location == VW_LOC_INLINE) {
        if (db->data.offset != 0)
            return vh_error_set(err, VW_ERR_MALFORMED, "%s: inline data.offset must be 0", W);
        if (db->data.size > VW_MAX_MESSAGE)
            return vh_error_set(err, VW_ERR_MALFORMED, "%s: inline data.size %llu too large", W,
                                (unsigned long long)db->data.size);
        expected += db->data.size;
    }
    size_t total = sizeof(*db) + c->left;
    if (total != expected)
        return vh_error_set(err, VW_ERR_MALFORMED, "%s: payload is %zu bytes, expected %llu", W,
                            total, (unsigned long long)expected);
    if (db->data.location == VW_LOC_ARENA && !vt_arena_contains(&s->arena, db->data.offset,
                                                                db->data.size))
        return vh_error_set(err, VW_ERR_OUT_OF_BOUNDS,
                            "%s: data [%llu, +%llu) outside the arena (%llu bytes)", W,
                            (unsigned long long)db->data.offset,
                            (unsigned long long)db->data.size,
                            (unsigned long long)s->arena.size);

    /* Limits. Slice offsets into the frame's data are 32-bit. */
    if (db->data.size > UINT32_MAX - f->data_size)
        return vh_error_set(err, VW_ERR_LIMIT, "%s: frame data over 4 GiB", W);
    if (f->num_slices + db->num_slices > rules->max_slices)
        return vh_error_set(err, VW_ERR_LIMIT, "%s: more than %u slices in one %s frame", W,
                            rules->max_slices, rules->name);
    if (db->data.size > s->limits.max_frame_bytes - f->data_size)
        return vh_error_set(err, VW_ERR_LIMIT, "%s: frame data exceeds %llu bytes", W,
                            (unsigned long long)s->limits.max_frame_bytes);
    if (db->data.size > s->limits.max_bytes - s->bytes_used)
        return vh_error_set(err, VW_ERR_LIMIT, "%s: session memory limit reached", W);

    /* Parameters. */
    union vh_wire_picture pic;
    memset(&pic, 0, sizeof(pic));
    vc_cursor_copy(c, &pic, db->picture_params_size);
    union vh_wire_extra iq;
    if (has_iq)
        vc_cursor_copy(c, &iq, rules->extra_size);
    const uint8_t *slice_bytes = vc_cursor_take_array(c, db->num_slices, rules->slice_size);
    const uint8_t *inline_data = NULL;
    if (db->data.location == VW_LOC_INLINE)
        inline_data = vc_cursor_take(c, (size_t)db->data.size);
    if (!vc_cursor_done(c))
        return vh_error_set(err, VW_ERR_MALFORMED, "%s: payload parse error", W);
    int st = rules->check_picture(&pic, &f->target->surface, err);
    if (st == VW_OK && has_iq && rules->check_extra)
        st = rules->check_extra(&iq, err);
    if (st != VW_OK)
        return st;
    /* The codec's memory was charged for its declared size: a picture may
     * not be larger (it would make the engine allocate past the budget). */
    uint32_t pic_w, pic_h;
    rules->coded_size(&pic, &pic_w, &pic_h);
    if (pic_w > ((codec->desc.width + 15u) & ~15u) || pic_h > ((codec->desc.height + 31u) & ~31u))
        return vh_error_set(err, VW_ERR_RESOLUTION, "%s: picture %ux%u is larger than codec %u "
                            "(%ux%u)", W, pic_w, pic_h, codec->id, codec->desc.width,
                            codec->desc.height);

    /* Copy the blob out of the arena once: a hostile guest may change the
     * arena while we look at it, so every later check reads our copy. */
    st = frame_reserve_data(f, (size_t)db->data.size, err);
    if (st == VW_OK)
        st = frame_reserve_slices(f, db->num_slices, rules->slice_size, err);
    if (st != VW_OK)
        return st;
    uint8_t *blob = f->data + f->data_size;
    if (inline_data)
        memcpy(blob, inline_data, (size_t)db->data.size);
    else if ((st = vh_session_arena_read(s, blob, db->data.offset, db->data.size, W, rep)))
        return st; /* a VM region truncated under us: the session ends */
    if (!inline_data) {
        /* Our copy, for the recorder: it stays in f->data (reserved, even if
         * a later check fails) until the reply is sent. */
        rep->arena_copy = blob;
        rep->arena_copy_size = db->data.size;
    }

    for (uint32_t i = 0; i < db->num_slices; i++) {
        uint32_t index = f->num_slices + i;
        uint8_t *params = f->slice_params + (size_t)index * rules->slice_size;
        memcpy(params, slice_bytes + (size_t)i * rules->slice_size, rules->slice_size);
        struct {
            uint32_t slice_data_size, slice_data_offset, slice_data_flag;
        } base, *sp = &base;
        memcpy(&base, params, sizeof(base));
        if (sp->slice_data_size == 0)
            return vh_error_set(err, VW_ERR_MALFORMED, "%s: slice %u: slice_data_size is 0", W, i);
        if (!vc_range_ok(sp->slice_data_offset, sp->slice_data_size, db->data.size))
            return vh_error_set(err, VW_ERR_OUT_OF_BOUNDS,
                                "%s: slice %u: slice_data [%u, +%u) outside the %llu-byte blob",
                                W, i, sp->slice_data_offset, sp->slice_data_size,
                                (unsigned long long)db->data.size);
        if (sp->slice_data_flag != 0)
            return vh_error_set(err, VW_ERR_MALFORMED,
                                "%s: slice %u: slice_data_flag %u (partial slices unsupported)", W,
                                i, sp->slice_data_flag);
        const uint8_t *nal = blob + sp->slice_data_offset;
        uint32_t sc = rules->strip_start_code ? start_code_length(nal, sp->slice_data_size) : 0;
        uint32_t size = sp->slice_data_size - sc;
        if (rules->payload_size)
            size = rules->payload_size(nal + sc, size);
        if (size < 1)
            return vh_error_set(err, VW_ERR_MALFORMED,
                                "%s: slice %u: no data besides a start code and trailing bytes "
                                "(%u bytes)", W, i, sp->slice_data_size);
        st = rules->check_slice(params, i, &pic, nal + sc, size, err);
        if (st != VW_OK)
            return st;
        f->slices[index] = (struct vh_frame_slice){
            /* Fits: the frame's data size is kept under 4 GiB above. */
            .data_offset = (uint32_t)(f->data_size + sp->slice_data_offset + sc),
            .size = size};
    }

    /* Commit (the daemon-wide budget last: nothing to undo if it says no). */
    if (!vh_budget_take(s->limits.shared, db->data.size))
        return vh_daemon_memory_full(err, W, s->limits.shared, db->data.size);
    f->num_slices += db->num_slices;
    f->data_size += (size_t)db->data.size;
    f->bytes += db->data.size;
    s->bytes_used += db->data.size;
    memcpy(&f->picture, &pic, rules->picture_size);
    f->have_picture = true;
    if (has_iq) {
        memcpy(&f->iq, &iq, rules->extra_size);
        f->have_iq = true;
    }
    return VW_OK;
}

int vh_handle_decode_bitstream(struct vh_session *s, const struct vh_request *req,
                               struct vh_reply *rep)
{
    struct vw_decode_bitstream db;
    struct vc_cursor c = vc_cursor_make(req->payload, req->size);
    if (!vc_cursor_copy(&c, &db, sizeof(db)))
        return vh_error_set(&rep->err, VW_ERR_MALFORMED,
                            "DECODE_BITSTREAM: payload is %zu bytes, shorter than the %zu-byte header",
                            req->size, sizeof(db));
    struct vh_codec_obj *codec = vh_session_codec(s, db.codec_id);
    if (!codec)
        return vh_error_set(&rep->err, VW_ERR_INVALID_ID, "DECODE_BITSTREAM: no codec %u",
                            db.codec_id);
    if (codec->enc)
        return vh_error_set(&rep->err, VW_ERR_STATE,
                            "DECODE_BITSTREAM: codec %u encodes (ENCODE_BITSTREAM)", codec->id);
    if (vh_codec_processes(codec))
        return vh_error_set(&rep->err, VW_ERR_STATE,
                            "DECODE_BITSTREAM: codec %u processes (PROCESS)", codec->id);
    if (!codec->frame)
        return vh_error_set(&rep->err, VW_ERR_STATE,
                            "DECODE_BITSTREAM: codec %u has no frame in progress (BEGIN_FRAME)",
                            codec->id);
    int st = decode_bitstream(s, codec, &db, &c, rep);
    if (st != VW_OK)
        frame_fail(codec->frame, &rep->err);
    return st;
}

/* ---- END_FRAME ------------------------------------------------------------ */

/* fn behind the session's gate (the supervisor's scheduler) if it has
 * one. Waiting at the gate is not "busy": the watchdog is for a decoder or
 * encoder stuck in a loop, and a client held back by its limit is not. */
int vh_session_gated(struct vh_session *s, uint32_t cost_codec, uint32_t blocks,
                     int (*fn)(void *arg, struct vh_error *err), void *arg,
                     struct vh_error *err)
{
    if (!s->gate)
        return fn(arg, err);
    uint32_t ticket;
    int64_t busy = s->busy_since_ms ? atomic_exchange(s->busy_since_ms, 0) : 0;
    blocks = blocks ? blocks : 1;
    int gerr = s->gate->enter(s->gate, cost_codec, blocks, &ticket);
    if (s->busy_since_ms)
        atomic_store(s->busy_since_ms, busy ? vh_now_ms() : 0);
    if (gerr)
        return vh_error_set(err, VW_ERR_INTERNAL,
                            "END_FRAME: the daemon's scheduler is gone (%s)", strerror(-gerr));
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int st = fn(arg, err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    int64_t ns = (int64_t)(t1.tv_sec - t0.tv_sec) * 1000000000 + (t1.tv_nsec - t0.tv_nsec);
    s->gate->leave(s->gate, ticket, cost_codec, blocks, ns, st != VW_OK);
    return st;
}

struct decode_job {
    struct vh_codec_obj *codec;
    const struct vh_picture *pic;
};

static int run_decode(void *arg, struct vh_error *err)
{
    struct decode_job *job = arg;
    return job->codec->engine_codec->engine->ops->decode(job->codec->engine_codec, job->pic, err);
}

static int gated_decode(struct vh_session *s, struct vh_codec_obj *codec,
                        const struct vh_picture *pic, struct vh_error *err)
{
    uint32_t mbs = ((codec->desc.width + 15) / 16) * ((codec->desc.height + 15) / 16);
    struct decode_job job = {codec, pic};
    return vh_session_gated(s, codec->codec, mbs, run_decode, &job, err);
}

static int end_frame(struct vh_session *s, struct vh_codec_obj *codec, struct vh_error *err)
{
    struct vh_frame *f = codec->frame;
    if (f->error.status != VW_OK) {
        *err = f->error;
        return err->status;
    }
    if (f->num_slices == 0 || !f->have_picture)
        return vh_error_set(err, VW_ERR_STATE, "END_FRAME: frame of codec %u has no slices",
                            codec->id);

    uint32_t kind = vw_codec_of_profile(codec->desc.profile);
    const struct vh_codec_rules *rules = vh_codec_rules_get(kind);
    if (!rules)
        return vh_error_set(err, VW_ERR_INTERNAL, "END_FRAME: codec %u has no rules", codec->id);
    struct vh_slice *slices = calloc(f->num_slices, sizeof(*slices));
    if (!slices)
        return vh_error_set(err, VW_ERR_NO_MEMORY, "END_FRAME: out of memory");
    struct vh_picture pic = {
        .codec = kind,
        .num_slices = f->num_slices,
        .slices = slices,
        .target = &f->target->surface,
    };
    switch (kind) {
    case VW_CODEC_H264:
        pic.h264 = &f->picture.h264;
        pic.h264_iq = f->have_iq ? &f->iq.h264 : NULL;
        break;
    case VW_CODEC_VP9:
        pic.vp9 = &f->picture.vp9;
        break;
    case VW_CODEC_VP8:
        pic.vp8 = &f->picture.vp8;
        pic.vp8_extra = f->have_iq ? &f->iq.vp8 : NULL;
        break;
    case VW_CODEC_MPEG2:
        pic.mpeg2 = &f->picture.mpeg2;
        pic.mpeg2_iq = f->have_iq ? &f->iq.mpeg2 : NULL;
        break;
    case VW_CODEC_HEVC:
        pic.hevc = &f->picture.hevc;
        pic.hevc_iq = f->have_iq ? &f->iq.hevc : NULL;
        break;
    case VW_CODEC_JPEG:
        pic.jpeg = &f->picture.jpeg;
        pic.jpeg_tables = f->have_iq ? &f->iq.jpeg : NULL;
        break;
    case VW_CODEC_MPEG4:
        pic.mpeg4 = &f->picture.mpeg4;
        pic.mpeg4_iq = f->have_iq ? &f->iq.mpeg4 : NULL;
        break;
    case VW_CODEC_AV1:
        pic.av1 = &f->picture.av1;
        break;
    }
    for (uint32_t i = 0; i < f->num_slices; i++) {
        const void *params = f->slice_params + (size_t)i * rules->slice_size;
        slices[i] = (struct vh_slice){.data = f->data + f->slices[i].data_offset,
                                      .size = f->slices[i].size};
        if (kind == VW_CODEC_H264)
            slices[i].h264 = params;
        else if (kind == VW_CODEC_VP9)
            slices[i].vp9 = params;
        else if (kind == VW_CODEC_VP8)
            slices[i].vp8 = params;
        else if (kind == VW_CODEC_MPEG2)
            slices[i].mpeg2 = params;
        else if (kind == VW_CODEC_HEVC)
            slices[i].hevc = params;
        else if (kind == VW_CODEC_JPEG)
            slices[i].jpeg = params;
        else if (kind == VW_CODEC_MPEG4)
            slices[i].mpeg4 = params;
        else if (kind == VW_CODEC_AV1)
            slices[i].av1 = params;
    }
    int st = VW_OK;
    uint32_t ref_ids[16];
    rules->ref_ids(&f->picture, ref_ids);
    for (uint32_t i = 0; i < 16; i++) {
        if (ref_ids[i] == VW_INVALID_ID)
            continue;
        struct vh_surface_obj *so = vh_session_surface(s, ref_ids[i]);
        if (!so) {
            st = vh_error_set(err, VW_ERR_INVALID_ID,
                              "END_FRAME: reference_frames[%u]: no surface %u", i, ref_ids[i]);
            goto out;
        }
        pic.refs[i] = &so->surface;
    }
    st = gated_decode(s, codec, &pic, err);
    if (st != VW_OK && err->status != st)
        vh_error_set(err, st, "END_FRAME: engine decode failed");
out:
    free(slices);
    return st;
}

int vh_handle_end_frame(struct vh_session *s, const struct vh_request *req, struct vh_reply *rep)
{
    struct vw_end_frame ef;
    struct vc_cursor c = vc_cursor_make(req->payload, req->size);
    if (!vc_cursor_copy(&c, &ef, sizeof(ef)) || !vc_cursor_done(&c))
        return vh_expect_size(rep, "END_FRAME", req->size, sizeof(ef));
    struct vh_codec_obj *codec = vh_session_codec(s, ef.codec_id);
    if (!codec)
        return vh_error_set(&rep->err, VW_ERR_INVALID_ID, "END_FRAME: no codec %u", ef.codec_id);
    if (codec->enc) {
        /* An encode codec's reply body is there whatever the status. */
        memset(&rep->body_buf.encode, 0, sizeof(rep->body_buf.encode));
        rep->body = &rep->body_buf.encode;
        rep->body_len = sizeof(rep->body_buf.encode);
    }
    if (!codec->frame)
        return vh_error_set(&rep->err, VW_ERR_STATE,
                            "END_FRAME: codec %u has no frame in progress", codec->id);
    int st;
    if (ef.reserved != 0)
        st = vh_error_set(&rep->err, VW_ERR_MALFORMED, "END_FRAME: reserved is not 0");
    else if (codec->enc)
        st = vh_encode_end_frame(s, codec, rep);
    else if (vh_codec_processes(codec))
        st = vh_process_end_frame(s, codec, &rep->err);
    else
        st = end_frame(s, codec, &rep->err);
    rep->err.status = st;
    vh_frame_finish_target(codec->frame->target, &rep->err);
    if (st == VW_OK)
        s->stats.frames++;
#ifdef VIVAC_TEST_HOOKS
    /* Test builds: a request that never ends, as a decoder stuck in a loop
     * would make it (tests/e2e/isolation.sh; worker.c keeps the variable
     * only in the worker it names). */
    const char *hang = getenv("VIVAC_TEST_HANG_FRAME");
    if (hang && s->stats.frames == strtoull(hang, NULL, 10))
        for (;;)
            sleep(1);
#endif
    vh_frame_close(s, codec);
    return st;
}
