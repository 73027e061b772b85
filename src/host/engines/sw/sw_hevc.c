/*
 * HEVC on libavcodec. Each VA picture becomes one Annex-B packet: the VPS,
 * SPS and PPS synthesized from the VA parameters (each only when its bytes
 * change: a new SPS makes libavcodec drop its DPB; a new VPS or SPS drops the
 * parameter sets that refer to it, so those follow), then every slice with
 * its header rewritten (host/codecs/hevc_headers.h says why and how).
 *
 * The decoded picture is captured where it is allocated, as for H.264
 * (sw_h264.c): a get_buffer2 wrapper keeps the first buffer allocated while
 * our packet is decoded (HEVC allocates the current picture before any
 * missing reference it generates). Without frame threads its pixels are
 * final when avcodec_send_packet returns; output frames are dropped.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>

#include "host/codecs/hevc_headers.h"
#include "host/engines/sw/sw_internal.h"

#define MAX_PPS 64

struct sw_hevc_codec {
    struct sw_codec base;
    AVCodecContext *avctx;
    AVPacket *pkt;
    AVFrame *drain;
    AVFrame *pic;
    int64_t tag;
    bool captured;

    /* Parameter sets sent (0: none). */
    uint8_t vps[VH_HEVC_PS_MAX];
    size_t vps_size;
    uint8_t sps[VH_HEVC_PS_MAX];
    size_t sps_size;
    uint8_t *pps[MAX_PPS];                    /* VH_HEVC_PS_MAX each, allocated on use */
    size_t pps_size[MAX_PPS];
    uint8_t scratch[VH_HEVC_PS_MAX];
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
    ret = av_frame_ref(c->pic, frame);
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
    avcodec_free_context(&c->avctx);
    av_frame_free(&c->pic);
    av_frame_free(&c->drain);
    av_packet_free(&c->pkt);
    for (int i = 0; i < MAX_PPS; i++)
        free(c->pps[i]);
    free(c);
    *codec = NULL;
}

static void drain_output(struct sw_hevc_codec *c)
{
    while (avcodec_receive_frame(c->avctx, c->drain) >= 0)
        av_frame_unref(c->drain);
}

static void put_nal(uint8_t **dst, const uint8_t *nal, size_t size)
{
    static const uint8_t sc[4] = {0, 0, 0, 1};
    memcpy(*dst, sc, 4);
    memcpy(*dst + 4, nal, size);
    *dst += 4 + size;
}

static int sw_hevc_decode(struct vh_codec *codec, const struct vh_picture *pic,
                          struct vh_error *err)
{
    struct sw_hevc_codec *c = to_codec(codec);
    const struct vw_hevc_picture *p = pic->hevc;

    /* Upper bound of the packet: three parameter sets, every slice grown by
     * its new header, start codes. */
    uint64_t bound = 3 * (VH_HEVC_PS_MAX + 4);
    for (uint32_t i = 0; i < pic->num_slices; i++)
        bound += pic->slices[i].size + VH_HEVC_SLICE_GROWTH + 4;
    if (bound > INT32_MAX - AV_INPUT_BUFFER_PADDING_SIZE)
        return vh_error_set(err, VW_ERR_DECODE, "sw: picture of %llu bytes too large",
                            (unsigned long long)bound);
    if (av_new_packet(c->pkt, (int)bound) < 0)
        return vh_error_set(err, VW_ERR_NO_MEMORY, "sw: out of memory for a %llu-byte packet",
                            (unsigned long long)bound);
    uint8_t *dst = c->pkt->data;
    int rc = VW_OK;

    /* The slices first (into the packet after room for the parameter sets),
     * as the first slice names the PPS. */
    uint8_t *slices_at = dst + 3 * (VH_HEVC_PS_MAX + 4);
    uint8_t *sp = slices_at;
    uint32_t pps_id = 0;
    for (uint32_t i = 0; i < pic->num_slices; i++) {
        struct vh_hevc_slice_header hdr;
        const char *why = "";
        size_t n = vh_hevc_rewrite_slice(p, pic->slices[i].hevc, pic->slices[i].data,
                                         pic->slices[i].size, sp + 4,
                                         pic->slices[i].size + VH_HEVC_SLICE_GROWTH, &hdr, &why);
        if (n == 0) {
            rc = vh_error_set(err, VW_ERR_DECODE, "sw: HEVC slice %u: %s", i, why);
            goto out;
        }
        if (i == 0)
            pps_id = hdr.pps_id;
        memcpy(sp, (const uint8_t[4]){0, 0, 0, 1}, 4);
        sp += 4 + n;
    }

    size_t n = vh_hevc_write_vps(p, c->scratch, sizeof(c->scratch));
    bool new_vps = n != c->vps_size || memcmp(c->scratch, c->vps, n) != 0;
    if (n == 0) {
        rc = vh_error_set(err, VW_ERR_INTERNAL, "sw: VPS does not fit");
        goto out;
    }
    if (new_vps) {
        memcpy(c->vps, c->scratch, n);
        c->vps_size = n;
        put_nal(&dst, c->vps, n);
    }
    n = vh_hevc_write_sps(p, c->scratch, sizeof(c->scratch));
    if (n == 0) {
        rc = vh_error_set(err, VW_ERR_INTERNAL, "sw: SPS does not fit");
        goto out;
    }
    if (new_vps || n != c->sps_size || memcmp(c->scratch, c->sps, n) != 0) {
        memcpy(c->sps, c->scratch, n);
        c->sps_size = n;
        put_nal(&dst, c->sps, n);
        for (int i = 0; i < MAX_PPS; i++)
            c->pps_size[i] = 0;
    }
    if (!c->pps[pps_id] && !(c->pps[pps_id] = malloc(VH_HEVC_PS_MAX))) {
        rc = vh_error_set(err, VW_ERR_NO_MEMORY, "sw: out of memory");
        goto out;
    }
    n = vh_hevc_write_pps(p, pic->hevc_iq, pps_id, c->scratch, sizeof(c->scratch));
    if (n == 0) {
        rc = vh_error_set(err, VW_ERR_INTERNAL, "sw: PPS does not fit");
        goto out;
    }
    if (n != c->pps_size[pps_id] || memcmp(c->scratch, c->pps[pps_id], n) != 0) {
        memcpy(c->pps[pps_id], c->scratch, n);
        c->pps_size[pps_id] = n;
        put_nal(&dst, c->pps[pps_id], n);
    }
    memmove(dst, slices_at, (size_t)(sp - slices_at));
    dst += sp - slices_at;
    av_shrink_packet(c->pkt, (int)(dst - c->pkt->data));

    c->pkt->pts = ++c->tag;
    c->captured = false;
    av_frame_unref(c->pic);
    int ret = avcodec_send_packet(c->avctx, c->pkt);
    if (ret == AVERROR(EAGAIN)) {
        drain_output(c);
        ret = avcodec_send_packet(c->avctx, c->pkt);
    }
    drain_output(c);
    if (c->captured) {
        rc = sw_surface_set_frame(pic->target, c->pic, err);
        av_frame_unref(c->pic);
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
    av_packet_unref(c->pkt);
    return rc;
}

int sw_hevc_codec_create(struct vh_engine *engine, const struct vh_codec_desc *desc,
                         struct vh_codec **out, struct vh_error *err)
{
    (void)desc;
    const AVCodec *dec = avcodec_find_decoder(AV_CODEC_ID_HEVC);
    if (!dec)
        return vh_error_set(err, VW_ERR_INTERNAL, "sw: libavcodec has no HEVC decoder");
    int ret = AVERROR(ENOMEM);
    struct sw_hevc_codec *c = calloc(1, sizeof(*c));
    if (!c)
        goto err_codec;
    c->base.base.engine = engine;
    c->base.destroy = sw_hevc_codec_destroy;
    c->base.decode = sw_hevc_decode;
    if (!(c->pkt = av_packet_alloc()))
        goto err_pkt;
    if (!(c->drain = av_frame_alloc()))
        goto err_drain;
    if (!(c->pic = av_frame_alloc()))
        goto err_pic;
    if (!(c->avctx = avcodec_alloc_context3(dec)))
        goto err_avctx;
    c->avctx->opaque = c;
    c->avctx->get_buffer2 = sw_get_buffer;
    c->avctx->thread_count = 1;               /* frame threads finish pictures later */
    c->avctx->thread_type = FF_THREAD_SLICE;
    c->avctx->err_recognition = AV_EF_EXPLODE;
    ret = avcodec_open2(c->avctx, dec, NULL);
    if (ret < 0)
        goto err_open;
    *out = &c->base.base;
    return VW_OK;

err_open:
    avcodec_free_context(&c->avctx);
err_avctx:
    av_frame_free(&c->pic);
err_pic:
    av_frame_free(&c->drain);
err_drain:
    av_packet_free(&c->pkt);
err_pkt:
    free(c);
err_codec:;
    char msg[AV_ERROR_MAX_STRING_SIZE];
    av_strerror(ret, msg, sizeof(msg));
    return vh_error_set(err, ret == AVERROR(ENOMEM) ? VW_ERR_NO_MEMORY : VW_ERR_INTERNAL,
                        "sw: creating the HEVC decoder failed: %s", msg);
}
