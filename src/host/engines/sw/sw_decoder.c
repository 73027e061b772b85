/* A libavcodec decoder set up the way every sw codec needs it. */
#include <libavcodec/avcodec.h>

#include "host/engines/sw/sw_internal.h"

int sw_decoder_open(struct sw_decoder *d, enum AVCodecID id, int flags,
                    const struct vh_codec_desc *desc, void *opaque,
                    int (*get_buffer)(struct AVCodecContext *, AVFrame *, int))
{
    const AVCodec *dec = avcodec_find_decoder(id);
    if (!dec)
        return AVERROR_DECODER_NOT_FOUND;
    d->pkt = av_packet_alloc();
    d->drain = av_frame_alloc();
    d->pic = av_frame_alloc();
    d->avctx = avcodec_alloc_context3(dec);
    if (!d->pkt || !d->drain || !d->pic || !d->avctx) {
        sw_decoder_close(d);
        return AVERROR(ENOMEM);
    }
    d->avctx->opaque = opaque;
    d->avctx->get_buffer2 = get_buffer;
    /* Frame threads would finish pictures after send_packet returns. */
    d->avctx->thread_count = 1;
    d->avctx->thread_type = FF_THREAD_SLICE;
    /* Slice errors fail avcodec_send_packet instead of being concealed. */
    d->avctx->err_recognition = AV_EF_EXPLODE;
    d->avctx->flags |= flags;
    /* The codec's memory was charged for its declared size: whatever size
     * a bitstream claims (a VP9 frame header, a reference slot's size),
     * libavcodec sets no dimensions and allocates no picture beyond it
     * (ff_set_dimensions, ff_get_buffer). The front door checks the sizes
     * it can see; this holds for every codec and every path it cannot. */
    d->avctx->max_pixels = sw_max_pixels(id, desc->width, desc->height);
    int ret = avcodec_open2(d->avctx, dec, NULL);
    if (ret < 0)
        sw_decoder_close(d);
    return ret < 0 ? ret : 0;
}

void sw_decoder_close(struct sw_decoder *d)
{
    avcodec_free_context(&d->avctx);
    av_frame_free(&d->pic);
    av_frame_free(&d->drain);
    av_packet_free(&d->pkt);
}
