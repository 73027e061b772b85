/*
 * Codecs whose VA picture is one frame of the elementary stream (VP9, VP8,
 * MPEG-2): each picture becomes one libavcodec packet, written by the
 * codec's class (sw_vp9.c, ...), and its picture is captured where it is
 * allocated, as in sw_h264.c: a get_buffer2 wrapper references every buffer
 * allocated while our packet (tagged through its pts) is decoded; the last
 * one is the current picture. Frame threads are off, so its pixels are final
 * when avcodec_send_packet returns. Hidden frames (VP9/VP8 show_frame 0)
 * are decoded and captured all the same; libavcodec's output is drained and
 * dropped, except that a packet which allocated nothing but output a picture
 * (VP9 show_existing_frame) gives that picture. An MPEG-2 second field
 * allocates nothing either: it completes, in place, the frame its first
 * field allocated into the same surface.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>

#include "host/engines/sw/sw_internal.h"

struct sw_frame_codec {
    struct sw_codec base;
    const struct sw_frame_class *cls;
    struct sw_decoder dec;                    /* dec.pic: last picture allocated (or shown) */
    int64_t tag;                              /* pts of the packet being decoded */
    bool captured;
    uint32_t last_target;                     /* surface of the last picture decoded */
    void *state;                              /* cls->state_size bytes */
};

static struct sw_frame_codec *to_codec(struct vh_codec *c)
{
    return (struct sw_frame_codec *)c;
}

static int frame_get_buffer(AVCodecContext *avctx, AVFrame *frame, int flags)
{
    struct sw_frame_codec *c = avctx->opaque;
    int ret = avcodec_default_get_buffer2(avctx, frame, flags);
    if (ret < 0 || frame->pts != c->tag)
        return ret;
    av_frame_unref(c->dec.pic);
    ret = av_frame_ref(c->dec.pic, frame);
    if (ret < 0) {
        av_frame_unref(frame);
        c->captured = false;
        return ret;
    }
    c->captured = true;
    return 0;
}

static void frame_codec_destroy(struct vh_codec **codec)
{
    if (!codec || !*codec)
        return;
    struct sw_frame_codec *c = to_codec(*codec);
    sw_decoder_close(&c->dec);
    free(c->state);
    free(c);
    *codec = NULL;
}

static int av_status(int ret, const char *what, const char *name, struct vh_error *err)
{
    char msg[AV_ERROR_MAX_STRING_SIZE];
    av_strerror(ret, msg, sizeof(msg));
    return vh_error_set(err, ret == AVERROR(ENOMEM) ? VW_ERR_NO_MEMORY : VW_ERR_DECODE,
                        "sw: %s %s: %s", name, what, msg);
}

static int frame_decode(struct vh_codec *codec, const struct vh_picture *pic,
                        struct vh_error *err)
{
    struct sw_frame_codec *c = to_codec(codec);
    size_t size;
    int rc = c->cls->packet_size(pic, c->state, &size, err);
    if (rc)
        return rc;
    if (size == 0 || size > INT32_MAX - AV_INPUT_BUFFER_PADDING_SIZE)
        return vh_error_set(err, VW_ERR_DECODE, "sw: %s picture of %zu bytes", c->cls->name,
                            size);
    if (av_new_packet(c->dec.pkt, (int)size) < 0)
        return vh_error_set(err, VW_ERR_NO_MEMORY, "sw: out of memory for a %zu-byte packet",
                            size);
    c->cls->packet_write(pic, c->state, c->dec.pkt->data);

    c->dec.pkt->pts = ++c->tag;
    c->captured = false;
    int ret = avcodec_send_packet(c->dec.avctx, c->dec.pkt);
    if (ret == AVERROR(EAGAIN)) {
        while (avcodec_receive_frame(c->dec.avctx, c->dec.drain) >= 0)
            av_frame_unref(c->dec.drain);
        ret = avcodec_send_packet(c->dec.avctx, c->dec.pkt);
    }
    av_packet_unref(c->dec.pkt);
    bool shown = false;
    while (avcodec_receive_frame(c->dec.avctx, c->dec.drain) >= 0) {
        if (!c->captured && c->dec.drain->pts == c->tag) {
            /* A frame that shows a reference: no allocation, one output. */
            av_frame_unref(c->dec.pic);
            shown = av_frame_ref(c->dec.pic, c->dec.drain) >= 0;
        }
        av_frame_unref(c->dec.drain);
    }
    if (ret < 0)
        return av_status(ret, "decoding failed", c->cls->name, err);
    if (!c->captured && !shown && c->cls->second_field && c->cls->second_field(pic)) {
        /* The frame of the first field, now complete (decoded in place). */
        if (c->last_target != pic->target->id || !c->dec.pic->buf[0])
            return vh_error_set(err, VW_ERR_DECODE,
                                "sw: %s second field without its first field in surface %u",
                                c->cls->name, pic->target->id);
        shown = true;
    }
    c->last_target = pic->target->id;
    if (!c->captured && !shown)
        return vh_error_set(err, VW_ERR_DECODE, "sw: the %s decoder produced no picture",
                            c->cls->name);
    struct sw_shape shape;
    sw_picture_shape(pic, &shape);
    return sw_surface_set_frame(pic->target, c->dec.pic, &shape, err);
}

int sw_frame_codec_create(struct vh_engine *engine, const struct vh_codec_desc *desc,
                          const struct sw_frame_class *cls, struct vh_codec **out,
                          struct vh_error *err)
{
    *out = NULL;
    struct sw_frame_codec *c = calloc(1, sizeof(*c));
    if (!c)
        return vh_error_set(err, VW_ERR_NO_MEMORY, "sw: out of memory");
    c->base.base.engine = engine;
    c->base.destroy = frame_codec_destroy;
    c->base.decode = frame_decode;
    c->cls = cls;
    c->last_target = VW_INVALID_ID;
    int ret = AVERROR(ENOMEM);
    c->state = cls->state_size ? calloc(1, cls->state_size) : NULL;
    if (cls->state_size && !c->state)
        goto fail;
    ret = sw_decoder_open(&c->dec, cls->codec_id, cls->flags, desc, c, frame_get_buffer);
    if (ret < 0)
        goto fail;
    *out = &c->base.base;
    return VW_OK;

fail:;
    struct vh_codec *tmp = &c->base.base;
    frame_codec_destroy(&tmp);
    return av_status(ret, "decoder creation failed", cls->name, err);
}
