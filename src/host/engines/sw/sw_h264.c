/*
 * H.264 on libavcodec.  VA requests are stateless (parsed parameters plus
 * slice NALs), libavcodec is a stateful bitstream decoder; each picture
 * becomes one Annex-B packet: the SPS/PPS rebuilt from the VA parameters
 * (only when their bytes change: a new SPS resets libavcodec's reference
 * list) and the original slice NALs.
 *
 * libavcodec outputs pictures in display order, and can hold or drop them;
 * VA wants the picture of *this* request in the target surface now.  So the
 * decoded picture is captured where it is allocated: a get_buffer2 wrapper
 * takes a reference to every buffer allocated while our packet is decoded;
 * the last one is the current picture (earlier ones are frame_num gap
 * frames). Without frame threads, its pixels are final when
 * avcodec_send_packet returns. The second field of a pair allocates
 * nothing: it is decoded into the first field's picture, which the target
 * already holds. Output frames are received and dropped.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>

#include "host/codecs/h264_annexb.h"
#include "host/engines/sw/sw_internal.h"

struct sw_h264_codec {
    struct sw_codec base;
    struct sw_decoder dec;                    /* dec.pic: the last picture allocated;
                                               * kept (one extra picture alive) for its
                                               * second field */

    /* Capture (see top of file). */
    int64_t tag;                              /* pts of the packet being decoded */
    const AVFrame *pic_in_decoder;            /* libavcodec's frame for it (not owned) */
    bool captured;                            /* allocated during the current packet */
    bool first_field_pending;                 /* pic holds a first field only */
    bool pending_bottom;
    uint32_t pending_surface;

    struct vh_h264_au_builder au;
};

static struct sw_h264_codec *to_codec(struct vh_codec *c)
{
    return (struct sw_h264_codec *)c;
}

static int sw_get_buffer(AVCodecContext *avctx, AVFrame *frame, int flags)
{
    struct sw_h264_codec *c = avctx->opaque;
    int ret = avcodec_default_get_buffer2(avctx, frame, flags);
    if (ret < 0)
        return ret;
    /* ff_get_buffer copied our packet's pts into the frame before calling
     * us: a mismatch would mean a buffer for some other packet, which
     * cannot happen without frame threads. */
    if (frame->pts != c->tag)
        return 0;
    av_frame_unref(c->dec.pic);
    ret = av_frame_ref(c->dec.pic, frame);
    if (ret < 0) {
        /* Fail the decode rather than lose track of the picture. */
        av_frame_unref(frame);
        c->captured = false;
        return ret;
    }
    c->pic_in_decoder = frame;
    c->captured = true;
    return 0;
}

int sw_h264_codec_create(struct vh_engine *engine, const struct vh_codec_desc *desc,
                         struct vh_codec **out, struct vh_error *err)
{
    struct sw_h264_codec *c = calloc(1, sizeof(*c));
    if (!c)
        return vh_error_set(err, VW_ERR_NO_MEMORY, "sw: out of memory");
    c->base.base.engine = engine;
    c->base.destroy = sw_h264_codec_destroy;
    c->base.decode = sw_h264_decode;
    int ret = sw_decoder_open(&c->dec, AV_CODEC_ID_H264, 0, desc, c, sw_get_buffer);
    if (ret < 0) {
        free(c);
        char msg[AV_ERROR_MAX_STRING_SIZE];
        av_strerror(ret, msg, sizeof(msg));
        return vh_error_set(err, ret == AVERROR(ENOMEM) ? VW_ERR_NO_MEMORY : VW_ERR_INTERNAL,
                            "sw: creating the H.264 decoder failed: %s", msg);
    }
    *out = &c->base.base;
    return VW_OK;
}

void sw_h264_codec_destroy(struct vh_codec **codec)
{
    if (!codec || !*codec)
        return;
    struct sw_h264_codec *c = to_codec(*codec);
    sw_decoder_close(&c->dec);
    vh_h264_au_fini(&c->au);
    free(c);
    *codec = NULL;
}

static void drain_output(struct sw_h264_codec *c)
{
    while (avcodec_receive_frame(c->dec.avctx, c->dec.drain) >= 0)
        av_frame_unref(c->dec.drain);
}

int sw_h264_decode(struct vh_codec *codec, const struct vh_picture *pic, struct vh_error *err)
{
    struct sw_h264_codec *c = to_codec(codec);
    struct vh_h264_au_plan plan;
    int rc = vh_h264_au_plan(&c->au, pic, &plan, "sw", err);
    if (rc)
        return rc;
    if (plan.size > INT32_MAX - AV_INPUT_BUFFER_PADDING_SIZE)
        return vh_error_set(err, VW_ERR_DECODE, "sw: picture of %llu bytes too large",
                            (unsigned long long)plan.size);
    if (av_new_packet(c->dec.pkt, (int)plan.size) < 0)
        return vh_error_set(err, VW_ERR_NO_MEMORY, "sw: out of memory for a %llu-byte packet",
                            (unsigned long long)plan.size);
    vh_h264_au_write(&c->au, pic, &plan, c->dec.pkt->data);
    const struct vh_h264_slice_header first = plan.first;

    c->dec.pkt->pts = ++c->tag;
    c->captured = false;
    int ret = avcodec_send_packet(c->dec.avctx, c->dec.pkt);
    if (ret == AVERROR(EAGAIN)) {
        /* Cannot happen as output is drained after each packet; be safe. */
        drain_output(c);
        ret = avcodec_send_packet(c->dec.avctx, c->dec.pkt);
    }
    av_packet_unref(c->dec.pkt);
    drain_output(c);

    bool got;
    if (c->captured) {
        got = true;
        c->first_field_pending = first.field_pic_flag;
        c->pending_bottom = first.bottom_field_flag;
        c->pending_surface = pic->target->id;
    } else {
        /* Second field: libavcodec decoded into the first field's picture. */
        got = c->first_field_pending && first.field_pic_flag &&
              first.bottom_field_flag != c->pending_bottom &&
              c->pending_surface == pic->target->id && c->dec.pic->buf[0];
        c->first_field_pending = false;
    }
    if (got) {
        struct sw_shape shape;
        sw_picture_shape(pic, &shape);
        rc = sw_surface_set_frame(pic->target, c->dec.pic, &shape, err);
        if (rc)
            return rc;
    }

    if (ret < 0) {
        char msg[AV_ERROR_MAX_STRING_SIZE];
        av_strerror(ret, msg, sizeof(msg));
        return vh_error_set(err, ret == AVERROR(ENOMEM) ? VW_ERR_NO_MEMORY : VW_ERR_DECODE,
                            "sw: decoding failed: %s", msg);
    }
    if (!got)
        return vh_error_set(err, VW_ERR_DECODE, "sw: the decoder produced no picture");
    /* Errors concealed without failing the packet are flagged on the
     * decoder's frame. That AVFrame lives as long as the decoder (FFmpeg 5.1
     * and later: H264Context.DPB[i].f, allocated at init, freed at close;
     * recheck on an FFmpeg upgrade); it is still our picture if it still
     * holds our buffer. */
    if (c->pic_in_decoder && c->pic_in_decoder->data[0] == c->dec.pic->data[0] &&
        c->pic_in_decoder->decode_error_flags)
        return vh_error_set(err, VW_ERR_DECODE, "sw: corrupt picture (decode error flags 0x%x)",
                            (unsigned)c->pic_in_decoder->decode_error_flags);
    return VW_OK;
}
