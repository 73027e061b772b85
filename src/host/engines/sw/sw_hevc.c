/*
 * HEVC on libavcodec. Each VA picture becomes one Annex-B packet, built by
 * host/codecs/hevc_annexb.h (the bytes nvdec_hevc.c gives the cuvid parser):
 * the VPS, SPS and PPS synthesized from the VA parameters, each only when its
 * bytes change, then every slice with its header rewritten
 * (host/codecs/hevc_headers.h says why and how).
 *
 * The decoded picture is captured where it is allocated, as for H.264
 * (sw_h264.c): a get_buffer2 wrapper keeps the first buffer allocated while
 * our packet is decoded (HEVC allocates the current picture before any
 * missing reference it generates). Without frame threads its pixels are
 * final when avcodec_send_packet returns; output frames are dropped.
 *
 * Range extension streams (4:2:2, 4:4:4) decode the same way: libavcodec's
 * yuv422p/yuv444p(10) frames go to the surface as they are (sw_surface.c
 * converts on read).
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>

#include "host/codecs/hevc_annexb.h"
#include "host/engines/sw/sw_internal.h"

struct sw_hevc_codec {
    struct sw_codec base;
    struct sw_decoder dec;
    int64_t tag;
    bool captured;
    struct vh_hevc_au_builder au;
    struct vh_hevc_au_plan plan;              /* of the picture being decoded */
};

static struct sw_hevc_codec *to_codec(struct vh_codec *c)
{
    return (struct sw_hevc_codec *)c;
}

static int sw_get_buffer(AVCodecContext *avctx, AVFrame *frame, int flags)
{
    struct sw_hevc_codec *c = avctx->opaque;
    int ret = avcodec_default_get_buffer2(avctx, frame, flags);
    if (ret < 0)
        return ret;
    if (frame->pts != c->tag || c->captured)
        return 0;
    ret = av_frame_ref(c->dec.pic, frame);
    if (ret < 0) {
        av_frame_unref(frame);
        return ret;
    }
    c->captured = true;
    return 0;
}

static void sw_hevc_codec_destroy(struct vh_codec **codec)
{
    if (!codec || !*codec)
        return;
    struct sw_hevc_codec *c = to_codec(*codec);
    sw_decoder_close(&c->dec);
    vh_hevc_au_fini(&c->au);
    free(c);
    *codec = NULL;
}

static void drain_output(struct sw_hevc_codec *c)
{
    while (avcodec_receive_frame(c->dec.avctx, c->dec.drain) >= 0)
        av_frame_unref(c->dec.drain);
}

/* What libavcodec 5.1 does not decode as H.265 says (it would decode it
 * anyway, differently): luma and chroma of different bit depths (its SPS
 * parser refuses them) and high_precision_offsets_enabled_flag, which it
 * ignores ("not yet implemented"): above 8 bits the weighted prediction
 * offsets then come out scaled. */
static int check_libavcodec(const struct vw_hevc_picture *p, struct vh_error *err)
{
    if (p->bit_depth_luma_minus8 != p->bit_depth_chroma_minus8)
        return vh_error_set(err, VW_ERR_UNSUPPORTED_STREAM,
                            "sw: HEVC luma and chroma bit depths differ (%u/%u)",
                            p->bit_depth_luma_minus8 + 8u, p->bit_depth_chroma_minus8 + 8u);
    if (p->range_extension.high_precision_offsets_enabled_flag && p->bit_depth_luma_minus8 &&
        (p->weighted_pred_flag || p->weighted_bipred_flag))
        return vh_error_set(err, VW_ERR_UNSUPPORTED_STREAM,
                            "sw: HEVC high_precision_offsets_enabled_flag with weighted "
                            "prediction above 8 bits (libavcodec does not implement it)");
    return VW_OK;
}

static int sw_hevc_decode(struct vh_codec *codec, const struct vh_picture *pic,
                          struct vh_error *err)
{
    struct sw_hevc_codec *c = to_codec(codec);
    int rc = check_libavcodec(pic->hevc, err);
    if (rc)
        return rc;
    rc = vh_hevc_au_plan(&c->au, pic, &c->plan, "sw", err);
    if (rc)
        return rc;
    if (c->plan.size > INT32_MAX - AV_INPUT_BUFFER_PADDING_SIZE)
        return vh_error_set(err, VW_ERR_DECODE, "sw: picture of %llu bytes too large",
                            (unsigned long long)c->plan.size);
    if (av_new_packet(c->dec.pkt, (int)c->plan.size) < 0)
        return vh_error_set(err, VW_ERR_NO_MEMORY, "sw: out of memory for a %llu-byte packet",
                            (unsigned long long)c->plan.size);
    vh_hevc_au_write(&c->au, &c->plan, c->dec.pkt->data);

    c->dec.pkt->pts = ++c->tag;
    c->captured = false;
    av_frame_unref(c->dec.pic);
    int ret = avcodec_send_packet(c->dec.avctx, c->dec.pkt);
    if (ret == AVERROR(EAGAIN)) {
        drain_output(c);
        ret = avcodec_send_packet(c->dec.avctx, c->dec.pkt);
    }
    drain_output(c);
    if (c->captured) {
        struct sw_shape shape;
        sw_picture_shape(pic, &shape);
        rc = sw_surface_set_frame(pic->target, c->dec.pic, &shape, err);
        av_frame_unref(c->dec.pic);
        if (rc)
            goto out;
    }
    if (ret < 0) {
        char msg[AV_ERROR_MAX_STRING_SIZE];
        av_strerror(ret, msg, sizeof(msg));
        rc = vh_error_set(err, ret == AVERROR(ENOMEM) ? VW_ERR_NO_MEMORY : VW_ERR_DECODE,
                          "sw: decoding failed: %s", msg);
        goto out;
    }
    if (!c->captured)
        rc = vh_error_set(err, VW_ERR_DECODE, "sw: the decoder produced no picture");
out:
    av_packet_unref(c->dec.pkt);
    return rc;
}

int sw_hevc_codec_create(struct vh_engine *engine, const struct vh_codec_desc *desc,
                         struct vh_codec **out, struct vh_error *err)
{
    struct sw_hevc_codec *c = calloc(1, sizeof(*c));
    if (!c)
        return vh_error_set(err, VW_ERR_NO_MEMORY, "sw: out of memory");
    c->au.profile = desc->profile;
    c->base.base.engine = engine;
    c->base.destroy = sw_hevc_codec_destroy;
    c->base.decode = sw_hevc_decode;
    int ret = sw_decoder_open(&c->dec, AV_CODEC_ID_HEVC, 0, desc, c, sw_get_buffer);
    if (ret < 0) {
        free(c);
        char msg[AV_ERROR_MAX_STRING_SIZE];
        av_strerror(ret, msg, sizeof(msg));
        return vh_error_set(err, ret == AVERROR(ENOMEM) ? VW_ERR_NO_MEMORY : VW_ERR_INTERNAL,
                            "sw: creating the HEVC decoder failed: %s", msg);
    }
    *out = &c->base.base;
    return VW_OK;
}
