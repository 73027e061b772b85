/* Encode (protocol 1.3): QUERY_ENCODE_CAPS, ENCODE_BITSTREAM, and END_FRAME
 * of an encode codec: the input surface's pixels read through the engine,
 * the encoder (encoder.h) behind the scheduler's gate, the coded bytes into
 * the arena or the reply. */
#include <stdlib.h>
#include <string.h>

#include "common/cursor.h"
#include "common/log.h"
#include "common/pixel_format.h"
#include "host/decode_cost.h"
#include "host/session_arena.h"
#include "host/session_internal.h"
#include "host/validate_encode.h"

struct vh_encode_codec {
    const struct vw_encode_cap *cap; /* the session's, for the codec's profile */
    struct vh_encoder *encoder;   /* opened at the first picture */
    bool have_seq;
    struct vw_encode_sequence seq; /* the first picture's (rate fields: the last one's) */
    uint8_t *pixels;              /* the input picture read from its surface */
    size_t pixels_size;
    uint64_t pictures;
};

void vh_session_add_encode_caps(struct vh_session *s)
{
    struct vw_cap caps[VH_ENCODE_MAX_CAPS];
    uint32_t room = VH_MAX_CAPS - s->num_caps;
    uint32_t n = vh_encoder_caps(caps, s->enc_caps, room < VH_ENCODE_MAX_CAPS ? room
                                                                               : VH_ENCODE_MAX_CAPS);
    memcpy(s->caps + s->num_caps, caps, n * sizeof(caps[0]));
    s->num_caps += n;
    s->num_enc_caps = n;
}

int vh_handle_query_encode_caps(struct vh_session *s, const struct vh_request *req,
                                struct vh_reply *rep)
{
    if (req->size != 0)
        return vh_expect_size(rep, "QUERY_ENCODE_CAPS", req->size, 0);
    /* A client of 1.2 or older was told of no encode capability. */
    rep->body_buf.caps = (struct vw_caps_reply){.count = s->num_enc_caps};
    rep->body = &rep->body_buf.caps;
    rep->body_len = sizeof(rep->body_buf.caps);
    rep->tail = s->enc_caps;
    rep->tail_len = (size_t)s->num_enc_caps * sizeof(struct vw_encode_cap);
    /* The message says which encoders the probe tried and why one is not
     * used ("h264_nvenc: no NVENC (...)"): for `vivac info` and logs. */
    const char *report = vh_encoder_report();
    size_t n = 0;
    for (const char *p = report; *p && n + 2 < sizeof(rep->err.message); p++)
        rep->err.message[n++] = *p == '\n' ? (p[1] ? ';' : '\0') : *p;
    rep->err.message[n] = '\0';
    rep->info = s->client_minor >= 3;
    return VW_OK;
}

static const struct vw_encode_cap *cap_of(const struct vh_session *s, uint32_t profile)
{
    for (uint32_t i = 0; i < s->num_enc_caps; i++)
        if (s->enc_caps[i].profile == profile)
            return &s->enc_caps[i];
    return NULL;
}

int vh_encode_codec_create(struct vh_session *s, struct vh_codec_obj *c, struct vh_error *err)
{
    const struct vw_encode_cap *cap = cap_of(s, c->desc.profile);
    if (!cap) /* CREATE_CODEC checked the caps: only a session without them */
        return vh_error_set(err, VW_ERR_UNSUPPORTED_ENTRYPOINT,
                            "CREATE_CODEC: profile %u has no encoder", c->desc.profile);
    if (c->desc.rt_format != cap->rt_formats)
        return vh_error_set(err, VW_ERR_UNSUPPORTED_FORMAT, "CREATE_CODEC: profile %u encodes "
                            "rt_format 0x%x, not 0x%x", c->desc.profile, cap->rt_formats,
                            c->desc.rt_format);
    c->enc = calloc(1, sizeof(*c->enc));
    if (!c->enc)
        return vh_error_set(err, VW_ERR_NO_MEMORY, "CREATE_CODEC: out of memory");
    c->enc->cap = cap;
    return VW_OK;
}

void vh_encode_codec_free(struct vh_codec_obj *c)
{
    if (!c->enc)
        return;
    vh_encoder_close(&c->enc->encoder);
    free(c->enc->pixels);
    free(c->enc);
    c->enc = NULL;
}

/* ---- ENCODE_BITSTREAM ---------------------------------------------------- */

int vh_handle_encode_bitstream(struct vh_session *s, const struct vh_request *req,
                               struct vh_reply *rep)
{
    const char *W = "ENCODE_BITSTREAM";
    struct vw_encode_bitstream eb;
    struct vc_cursor c = vc_cursor_make(req->payload, req->size);
    if (!vc_cursor_copy(&c, &eb, sizeof(eb)) || !vc_cursor_done(&c))
        return vh_expect_size(rep, W, req->size, sizeof(eb));
    struct vh_codec_obj *codec = vh_session_codec(s, eb.codec_id);
    if (!codec)
        return vh_error_set(&rep->err, VW_ERR_INVALID_ID, "%s: no codec %u", W, eb.codec_id);
    if (!codec->enc)
        return vh_error_set(&rep->err, VW_ERR_STATE, "%s: codec %u decodes (created with "
                            "entrypoint %u)", W, codec->id, codec->desc.entrypoint);
    struct vh_frame *f = codec->frame;
    if (!f)
        return vh_error_set(&rep->err, VW_ERR_STATE,
                            "%s: codec %u has no frame in progress (BEGIN_FRAME)", W, codec->id);
    int st;
    if (f->have_encode) {
        st = vh_error_set(&rep->err, VW_ERR_STATE, "%s: codec %u's frame already has its "
                          "picture", W, codec->id);
    } else {
        struct vh_encode_context ctx = {
            .codec_id = codec->id, .profile = codec->desc.profile,
            .width = codec->desc.width, .height = codec->desc.height,
            .cap = codec->enc->cap, .input = &f->target->surface,
            .prev = codec->enc->have_seq ? &codec->enc->seq : NULL,
            .arena_size = s->arena.base ? s->arena.size : 0,
        };
        st = vh_encode_check(&eb, &ctx, &rep->err);
    }
    if (st != VW_OK) {
        if (f->error.status == VW_OK)
            f->error = rep->err;
        return st;
    }
    f->encode = eb;
    f->have_encode = true;
    return VW_OK;
}

/* ---- END_FRAME ------------------------------------------------------------ */

/* Reads the display rectangle of the input surface (NV12 or P010, as the
 * profile takes) into the codec's pixel buffer. */
static int read_input(struct vh_session *s, struct vh_encode_codec *ec,
                      struct vh_surface *input, uint32_t w, uint32_t h,
                      struct vh_encoder_input *in, struct vh_error *err)
{
    const struct vc_pixel_format *pf = vc_pixel_format_get(input->pixel_format);
    uint32_t bpp = pf && pf->depth > 8 ? 2 : 1;
    uint32_t pitch = (w * bpp + 63u) & ~63u;
    size_t need = (size_t)pitch * h + (size_t)pitch * (h / 2);
    if (need > ec->pixels_size) {
        uint8_t *p = realloc(ec->pixels, need);
        if (!p)
            return vh_error_set(err, VW_ERR_NO_MEMORY, "END_FRAME: out of memory");
        ec->pixels = p;
        ec->pixels_size = need;
    }
    struct vw_image_layout layout = {
        .pixel_format = input->pixel_format, .num_planes = 2,
        .pitches = {pitch, pitch}, .offsets = {0, pitch * h},
    };
    struct vh_rect rect = {0, 0, w, h};
    int st = s->engine->ops->surface_read(s->engine, input, &rect, &layout, ec->pixels, err);
    if (st != VW_OK)
        return st;
    *in = (struct vh_encoder_input){.planes = {ec->pixels, ec->pixels + (size_t)pitch * h},
                                    .pitches = {pitch, pitch}};
    return VW_OK;
}

struct encode_job {
    struct vh_encode_codec *ec;
    const struct vw_encode_bitstream *eb;
    const struct vh_encoder_config *cfg;
    const struct vh_encoder_input *in;
    struct vh_encoded out;
};

static int run_encode(void *arg, struct vh_error *err)
{
    struct encode_job *job = arg;
    struct vh_encode_codec *ec = job->ec;
    if (!ec->encoder) {
        int st = vh_encoder_open(job->cfg, &ec->encoder, err);
        if (st != VW_OK)
            return st;
    }
    return vh_encoder_encode(ec->encoder, &job->eb->sequence, &job->eb->picture, job->in,
                             &job->out, err);
}

static int place_coded(struct vh_session *s, struct vh_encode_codec *ec,
                       const struct vw_data_ref *coded, const struct vh_encoded *out,
                       struct vh_reply *rep)
{
    if (out->size > coded->size) {
        /* The picture is dropped: what follows must not refer to it. */
        vh_encoder_force_idr(ec->encoder);
        return vh_error_set(&rep->err, VW_ERR_LIMIT, "END_FRAME: the picture's %zu coded bytes "
                            "do not fit the %llu-byte coded buffer; the next picture is coded "
                            "as IDR", out->size, (unsigned long long)coded->size);
    }
    if (coded->location == VW_LOC_ARENA)
        return vh_session_arena_write(s, coded->offset, out->data, out->size, "END_FRAME", rep);
    /* Valid until the encoder's next picture, after this reply is sent. */
    rep->tail = out->data;
    rep->tail_len = out->size;
    return VW_OK;
}

int vh_encode_end_frame(struct vh_session *s, struct vh_codec_obj *codec, struct vh_reply *rep)
{
    struct vh_frame *f = codec->frame;
    struct vh_encode_codec *ec = codec->enc;
    if (f->error.status != VW_OK) {
        rep->err = f->error;
        return rep->err.status;
    }
    if (!f->have_encode)
        return vh_error_set(&rep->err, VW_ERR_STATE, "END_FRAME: frame of codec %u has no "
                            "ENCODE_BITSTREAM", codec->id);
    const struct vw_encode_bitstream *eb = &f->encode;
    struct vh_encoder_config cfg = {.profile = codec->desc.profile, .qp = eb->picture.qp,
                                    .seq = eb->sequence};
    vh_encode_display_size(eb, codec->desc.width, codec->desc.height, &cfg.width, &cfg.height);
    struct vh_encoder_input in;
    int st = read_input(s, ec, &f->target->surface, cfg.width, cfg.height, &in, &rep->err);
    if (st != VW_OK)
        return st;
    /* The scheduler's cost: an encode is several times a decode of the
     * same size (decode_cost.h learns how many from its engine time). */
    uint32_t blocks = ((cfg.width + 15) / 16) * ((cfg.height + 15) / 16) * VH_COST_ENCODE_BLOCKS;
    struct encode_job job = {.ec = ec, .eb = eb, .cfg = &cfg, .in = &in};
    st = vh_session_gated(s, VH_COST_ENCODE_CODEC(codec->codec), blocks, run_encode, &job,
                          &rep->err);
    if (st != VW_OK)
        return st;
    if (!ec->have_seq) {
        ec->seq = eb->sequence;
        ec->have_seq = true;
    }
    ec->pictures++;
    struct vw_encode_result *r = &rep->body_buf.encode;
    *r = (struct vw_encode_result){
        .size = job.out.size, .type = job.out.type, .qp = job.out.qp,
        .flags = job.out.type == VW_PICTURE_IDR || job.out.type == VW_PICTURE_I
                     ? VW_ENCODED_KEYFRAME : 0,
    };
    return place_coded(s, ec, &eb->coded, &job.out, rep);
}
