/* The libavcodec encoder (encoder.h): opens the chosen encoder with the
 * client's sequence, encodes one picture per call and checks that its
 * packet came out at once. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libavutil/error.h>

#include "common/log.h"
#include "host/engines/avenc/avenc_internal.h"

struct vh_encoder {
    const struct avenc_kind *kind;
    struct vh_encoder_config cfg; /* what the context was opened with */
    AVCodecContext *ctx;
    AVFrame *frame;
    AVPacket *pkt;
    int64_t pts;                  /* our own, monotonic across reopens */
    bool force_idr;               /* next picture IDR (reopened, or a dropped picture) */
    struct avenc_filler filler;   /* CBR padding where the encoder has none */
};

/* Rate fields of the sequence that the encoder takes as it runs. */
static void apply_rate(AVCodecContext *ctx, const struct vw_encode_sequence *q)
{
    ctx->bit_rate = 0;
    ctx->rc_max_rate = 0;
    ctx->rc_buffer_size = 0;
    ctx->rc_initial_buffer_occupancy = 0;
    if (q->rc_mode == VW_RC_CQP)
        return;
    uint32_t peak = q->rc_mode == VW_RC_CBR ? q->bits_per_second : q->max_bits_per_second;
    ctx->bit_rate = q->bits_per_second;
    ctx->rc_max_rate = peak;
    /* No HRD size from the client: one second at the peak rate. */
    ctx->rc_buffer_size = (int)(q->hrd_buffer_bits ? q->hrd_buffer_bits : peak);
    ctx->rc_initial_buffer_occupancy = (int)q->hrd_initial_bits;
}

int avenc_open_context(const struct avenc_kind *kind, const struct vh_encoder_config *cfg,
                       AVCodecContext **out, struct vh_error *err)
{
    const struct vw_encode_sequence *q = &cfg->seq;
    const AVCodec *codec = avcodec_find_encoder_by_name(kind->name);
    if (!codec)
        return vh_error_set(err, VW_ERR_UNSUPPORTED_PROFILE, "%s is not in this libavcodec",
                            kind->name);
    AVCodecContext *ctx = avcodec_alloc_context3(codec);
    if (!ctx)
        return vh_error_set(err, VW_ERR_NO_MEMORY, "%s: out of memory", kind->name);
    ctx->width = (int)cfg->width;
    ctx->height = (int)cfg->height;
    ctx->pix_fmt = q->bit_depth == 10 ? kind->fmt10 : kind->fmt8;
    /* One tick per frame: pts are ours (0, 1, 2, ...), never the client's. */
    ctx->time_base = (AVRational){(int)q->frame_rate_den, (int)q->frame_rate_num};
    ctx->framerate = (AVRational){(int)q->frame_rate_num, (int)q->frame_rate_den};
    ctx->max_b_frames = 0;
    ctx->gop_size = 1 << 30;      /* the client's picture types decide */
    ctx->thread_count = 0;        /* the wrapper's own threads (x264: sliced, no delay) */
    apply_rate(ctx, q);
    if (q->min_qp)
        ctx->qmin = q->min_qp;
    if (q->max_qp)
        ctx->qmax = q->max_qp;
    if (kind->codec == VW_CODEC_H264 && q->level_idc)
        ctx->level = q->level_idc;
    if (q->video_signal_present)
        ctx->color_range = q->video_full_range ? AVCOL_RANGE_JPEG : AVCOL_RANGE_MPEG;
    if (q->video_signal_present && q->colour_description_present) {
        /* The VUI code points are libavutil's enum values (ITU-T H.273). */
        ctx->color_primaries = (enum AVColorPrimaries)q->colour_primaries;
        ctx->color_trc = (enum AVColorTransferCharacteristic)q->transfer_characteristics;
        ctx->colorspace = (enum AVColorSpace)q->matrix_coefficients;
    }
    if (q->aspect_ratio_present && q->sar_width && q->sar_height)
        ctx->sample_aspect_ratio = (AVRational){q->sar_width, q->sar_height};

    AVDictionary *opts = NULL;
    kind->options(cfg, &opts);
    int ret = avcodec_open2(ctx, codec, &opts);
    AVDictionaryEntry *left = av_dict_get(opts, "", NULL, AV_DICT_IGNORE_SUFFIX);
    if (ret >= 0 && left)
        vc_debug("%s: option %s not taken by this libavcodec", kind->name, left->key);
    av_dict_free(&opts);
    if (ret < 0) {
        avcodec_free_context(&ctx);
        return vh_error_set(err, VW_ERR_UNSUPPORTED_STREAM, "%s does not open for %ux%u %u-bit "
                            "(%s)", kind->name, cfg->width, cfg->height, q->bit_depth,
                            av_err2str(ret));
    }
    vc_debug("%s: opened %ux%u %u-bit, rc %u, %u/%u bit/s, HRD %u/%u bits, %u/%u fps, qp %u",
             kind->name, cfg->width, cfg->height, q->bit_depth, q->rc_mode, q->bits_per_second,
             q->max_bits_per_second, q->hrd_initial_bits, q->hrd_buffer_bits, q->frame_rate_num,
             q->frame_rate_den, cfg->qp);
    *out = ctx;
    return VW_OK;
}

int vh_encoder_open(const struct vh_encoder_config *cfg, struct vh_encoder **out,
                    struct vh_error *err)
{
    *out = NULL;
    const struct avenc_choice *c = avenc_choice_of(vw_codec_of_profile(cfg->profile));
    if (!c || !c->kind)
        return vh_error_set(err, VW_ERR_UNSUPPORTED_PROFILE, "no encoder for profile %u",
                            cfg->profile);
    struct vh_encoder *e = calloc(1, sizeof(*e));
    if (!e)
        return vh_error_set(err, VW_ERR_NO_MEMORY, "encoder: out of memory");
    e->kind = c->kind;
    e->cfg = *cfg;
    e->frame = av_frame_alloc();
    e->pkt = av_packet_alloc();
    int st = VW_OK;
    if (!e->frame || !e->pkt)
        st = vh_error_set(err, VW_ERR_NO_MEMORY, "encoder: out of memory");
    else
        st = avenc_open_context(e->kind, cfg, &e->ctx, err);
    if (st != VW_OK) {
        vh_encoder_close(&e);
        return st;
    }
    *out = e;
    return VW_OK;
}

void vh_encoder_close(struct vh_encoder **encoder)
{
    if (!encoder || !*encoder)
        return;
    struct vh_encoder *e = *encoder;
    avcodec_free_context(&e->ctx);
    av_frame_free(&e->frame);
    av_packet_free(&e->pkt);
    free(e);
    *encoder = NULL;
}

void vh_encoder_force_idr(struct vh_encoder *e)
{
    e->force_idr = true;
}

/* A fresh context with cfg; the next picture is IDR (a new encoder knows
 * no references). */
static int reopen(struct vh_encoder *e, const struct vh_encoder_config *cfg,
                  struct vh_error *err)
{
    AVCodecContext *ctx = NULL;
    int st = avenc_open_context(e->kind, cfg, &ctx, err);
    if (st != VW_OK)
        return st;
    avcodec_free_context(&e->ctx);
    e->ctx = ctx;
    e->cfg = *cfg;
    e->force_idr = true;
    avenc_filler_reset(&e->filler);
    return VW_OK;
}

static bool rate_changed(const struct vw_encode_sequence *a, const struct vw_encode_sequence *b)
{
    return a->bits_per_second != b->bits_per_second ||
           a->max_bits_per_second != b->max_bits_per_second ||
           a->hrd_buffer_bits != b->hrd_buffer_bits || a->hrd_initial_bits != b->hrd_initial_bits;
}

/* Takes this picture's rate fields and QP: in place where the wrapper
 * re-reads them every frame, else by reopening the encoder. */
static int reconfigure(struct vh_encoder *e, const struct vw_encode_sequence *seq,
                       const struct vw_encode_picture *pic, struct vh_error *err)
{
    struct vh_encoder_config next = e->cfg;
    next.seq = *seq;
    bool cqp = seq->rc_mode == VW_RC_CQP;
    if (cqp)
        next.qp = pic->qp;
    bool rate = rate_changed(&e->cfg.seq, seq);
    bool range = e->cfg.seq.min_qp != seq->min_qp || e->cfg.seq.max_qp != seq->max_qp;
    bool qp = cqp && pic->qp != e->cfg.qp;
    if (!rate && !range && !qp)
        return VW_OK;
    if (range || qp || !(e->kind->rate_reconfig_modes & seq->rc_mode)) {
        vc_debug("%s: reopened for new rate settings (next picture IDR)", e->kind->name);
        return reopen(e, &next, err);
    }
    apply_rate(e->ctx, seq);
    e->cfg = next;
    return VW_OK;
}

/* The type and QP the encoder gave the packet (its quality side data:
 * QP x FF_QP2LAMBDA, then the picture type). */
static void packet_info(const AVPacket *pkt, struct vh_encoded *out)
{
    size_t size = 0;
    const uint8_t *sd = av_packet_get_side_data(pkt, AV_PKT_DATA_QUALITY_STATS, &size);
    bool key = pkt->flags & AV_PKT_FLAG_KEY;
    out->type = key ? VW_PICTURE_IDR : VW_PICTURE_P;
    out->qp = 0;
    if (!sd || size < 5)
        return;
    uint32_t quality = (uint32_t)sd[0] | (uint32_t)sd[1] << 8 | (uint32_t)sd[2] << 16 |
                       (uint32_t)sd[3] << 24;
    out->qp = (quality + FF_QP2LAMBDA / 2) / FF_QP2LAMBDA;
    if (sd[4] == AV_PICTURE_TYPE_I && !key)
        out->type = VW_PICTURE_I;
}

int vh_encoder_encode(struct vh_encoder *e, const struct vw_encode_sequence *seq,
                      const struct vw_encode_picture *pic, const struct vh_encoder_input *in,
                      struct vh_encoded *out, struct vh_error *err)
{
    int st = reconfigure(e, seq, pic, err);
    if (st != VW_OK)
        return st;
    AVFrame *f = e->frame;
    av_frame_unref(f);
    f->format = e->ctx->pix_fmt;
    f->width = e->ctx->width;
    f->height = e->ctx->height;
    int ret = av_frame_get_buffer(f, 0);
    if (ret < 0)
        return vh_error_set(err, VW_ERR_NO_MEMORY, "%s: no frame buffer (%s)", e->kind->name,
                            av_err2str(ret));
    st = avenc_frame_fill(f, in, err);
    if (st != VW_OK)
        return st;
    bool idr = e->force_idr || pic->type == VW_PICTURE_IDR || pic->type == VW_PICTURE_I;
    /* I pictures go in as I too: the wrappers (forced-idr) make them IDR. */
    f->pict_type = idr ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_P;
    f->pts = e->pts++;
    av_packet_unref(e->pkt);
    ret = avcodec_send_frame(e->ctx, f);
    if (ret >= 0)
        ret = avcodec_receive_packet(e->ctx, e->pkt);
    if (ret < 0) {
        /* The context is unusable now (a picture held inside, or failed):
         * the next picture reopens it. */
        struct vh_encoder_config cfg = e->cfg;
        struct vh_error ignored;
        if (reopen(e, &cfg, &ignored) != VW_OK)
            e->force_idr = true;
        if (ret == AVERROR(EAGAIN))
            return vh_error_set(err, VW_ERR_INTERNAL, "%s held picture %lld back (encoder "
                                "delay): no coded bytes at its END_FRAME", e->kind->name,
                                (long long)f->pts);
        return vh_error_set(err, VW_ERR_INTERNAL, "%s failed to encode picture %lld (%s)",
                            e->kind->name, (long long)f->pts, av_err2str(ret));
    }
    e->force_idr = false;
    if (!e->kind->pads_cbr && (ret = avenc_filler_pad(&e->filler, e->kind->codec, seq, e->pkt)) < 0)
        return vh_error_set(err, VW_ERR_NO_MEMORY, "%s: no room for CBR filler (%s)",
                            e->kind->name, av_err2str(ret));
    out->data = e->pkt->data;
    out->size = (size_t)e->pkt->size;
    packet_info(e->pkt, out);
    return VW_OK;
}
