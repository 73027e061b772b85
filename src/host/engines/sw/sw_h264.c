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

#include "host/engines/sw/h264_param_sets.h"
#include "host/engines/sw/h264_slice_header.h"
#include "host/engines/sw/sw_internal.h"

#define SW_MAX_PPS 256

/* Last PPS sent for one pps_id. */
struct sw_pps_slot {
    uint8_t *block;                           /* 2 x SW_H264_PS_MAX, allocated on first use, */
    uint8_t *bytes;                           /* holding the PPS sent */
    uint8_t *next;                            /* and the one being built (swapped when sent) */
    size_t size;                              /* 0: not sent since the last SPS */
    struct sw_h264_pps_extra extra;
};

struct sw_h264_codec {
    struct vh_codec base;
    AVCodecContext *avctx;
    AVPacket *pkt;
    AVFrame *drain;                           /* output frames, dropped */

    /* Capture (see top of file). */
    int64_t tag;                              /* pts of the packet being decoded */
    AVFrame *pic;                             /* last picture allocated; kept (one extra
                                               * picture alive) for its second field */
    const AVFrame *pic_in_decoder;            /* libavcodec's frame for it (not owned) */
    bool captured;                            /* allocated during the current packet */
    bool first_field_pending;                 /* pic holds a first field only */
    bool pending_bottom;
    uint32_t pending_surface;

    uint8_t sps[SW_H264_PS_MAX];
    size_t sps_size;                          /* 0: none sent */
    struct sw_pps_slot pps[SW_MAX_PPS];
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
    av_frame_unref(c->pic);
    ret = av_frame_ref(c->pic, frame);
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
    const AVCodec *dec = avcodec_find_decoder(AV_CODEC_ID_H264);
    if (!dec)
        return vh_error_set(err, VW_ERR_INTERNAL, "sw: libavcodec has no H.264 decoder");

    int ret = AVERROR(ENOMEM);
    struct sw_h264_codec *c = calloc(1, sizeof(*c));
    if (!c)
        goto err_codec;
    c->base.engine = engine;
    c->pkt = av_packet_alloc();
    if (!c->pkt)
        goto err_pkt;
    c->drain = av_frame_alloc();
    if (!c->drain)
        goto err_drain;
    c->pic = av_frame_alloc();
    if (!c->pic)
        goto err_pic;
    c->avctx = avcodec_alloc_context3(dec);
    if (!c->avctx)
        goto err_avctx;
    c->avctx->opaque = c;
    c->avctx->get_buffer2 = sw_get_buffer;
    /* Frame threads would finish pictures after send_packet returns. */
    c->avctx->thread_count = 1;
    c->avctx->thread_type = FF_THREAD_SLICE;
    /* Make slice errors fail avcodec_send_packet instead of being concealed
     * silently. */
    c->avctx->err_recognition = AV_EF_EXPLODE;
    ret = avcodec_open2(c->avctx, dec, NULL);
    if (ret < 0)
        goto err_open;
    *out = &c->base;
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
                        "sw: creating the H.264 decoder failed: %s", msg);
}

void sw_h264_codec_destroy(struct vh_codec **codec)
{
    if (!codec || !*codec)
        return;
    struct sw_h264_codec *c = to_codec(*codec);
    avcodec_free_context(&c->avctx);
    av_frame_free(&c->pic);
    av_frame_free(&c->drain);
    av_packet_free(&c->pkt);
    for (size_t i = 0; i < SW_MAX_PPS; i++)
        free(c->pps[i].block);
    free(c);
    *codec = NULL;
}

/* What one picture's slices require of each PPS they name. */
struct pps_needs {
    bool used[SW_MAX_PPS];
    int16_t l0[SW_MAX_PPS];                   /* -1: any */
    int16_t l1[SW_MAX_PPS];
};

static int need(int16_t *slot, unsigned value)
{
    if (*slot >= 0 && *slot != (int16_t)value)
        return -1;
    *slot = (int16_t)value;
    return 0;
}

/*
 * num_ref_idx_l0/l1_default_active_minus1 are not in VA, only each slice's
 * active counts. A slice without num_ref_idx_active_override_flag uses the
 * PPS defaults, so its active counts *are* the defaults: take them from such
 * slices. Slices with the override carry their own counts and do not care.
 */
static int collect_needs(const struct vh_picture *pic, struct pps_needs *needs,
                         struct sw_h264_slice_header *first, struct vh_error *err)
{
    memset(needs->used, 0, sizeof(needs->used));
    memset(needs->l0, 0xff, sizeof(needs->l0));
    memset(needs->l1, 0xff, sizeof(needs->l1));
    for (uint32_t i = 0; i < pic->num_slices; i++) {
        const struct vh_slice *s = &pic->slices[i];
        struct sw_h264_slice_header h;
        if (sw_h264_parse_slice_header(s->data, s->size, pic->h264, &h) < 0)
            return vh_error_set(err, VW_ERR_DECODE, "sw: slice %u: bad or unsupported slice NAL "
                                "(type %u)", i, s->size ? s->data[0] & 0x1fu : 0u);
        if (i == 0)
            *first = h;
        needs->used[h.pps_id] = true;
        bool inter = h.slice_kind == SW_SLICE_P || h.slice_kind == SW_SLICE_SP ||
                     h.slice_kind == SW_SLICE_B;
        if (!inter || h.num_ref_idx_override_flag)
            continue;
        if (s->h264->num_ref_idx_l0_active_minus1 > 31 || s->h264->num_ref_idx_l1_active_minus1 > 31 ||
            need(&needs->l0[h.pps_id], s->h264->num_ref_idx_l0_active_minus1) < 0 ||
            (h.slice_kind == SW_SLICE_B &&
             need(&needs->l1[h.pps_id], s->h264->num_ref_idx_l1_active_minus1) < 0))
            return vh_error_set(err, VW_ERR_DECODE, "sw: slice %u: reference counts contradict "
                                "the other slices of PPS %u", i, h.pps_id);
    }
    return VW_OK;
}

static void put_nal(uint8_t **p, const uint8_t *nal, size_t size)
{
    static const uint8_t start_code[4] = {0, 0, 0, 1};
    memcpy(*p, start_code, 4);
    memcpy(*p + 4, nal, size);
    *p += 4 + size;
}

static void drain_output(struct sw_h264_codec *c)
{
    while (avcodec_receive_frame(c->avctx, c->drain) >= 0)
        av_frame_unref(c->drain);
}

int sw_h264_decode(struct vh_codec *codec, const struct vh_picture *pic, struct vh_error *err)
{
    struct sw_h264_codec *c = to_codec(codec);
    const struct vw_h264_picture *p = pic->h264;
    if (pic->codec != VW_CODEC_H264 || !p || !pic->num_slices || !pic->slices || !pic->target)
        return vh_error_set(err, VW_ERR_INTERNAL, "sw: incomplete H.264 picture");
    int rc = sw_h264_check_params(p, pic->h264_iq, err);
    if (rc)
        return rc;

    struct pps_needs needs;
    struct sw_h264_slice_header first = {0};
    rc = collect_needs(pic, &needs, &first, err);
    if (rc)
        return rc;

    /* Parameter sets: build, compare with what libavcodec has. */
    uint8_t sps[SW_H264_PS_MAX];
    size_t sps_size = sw_h264_write_sps(p, sps, sizeof(sps));
    if (!sps_size)
        return vh_error_set(err, VW_ERR_INTERNAL, "sw: SPS does not fit");
    bool new_sps = sps_size != c->sps_size || memcmp(sps, c->sps, sps_size) != 0;

    uint64_t total = new_sps ? 4 + sps_size : 0;
    size_t pps_size[SW_MAX_PPS] = {0};        /* 0: unchanged, not sent */
    struct sw_h264_pps_extra extras[SW_MAX_PPS];
    for (unsigned id = 0; id < SW_MAX_PPS; id++) {
        if (!needs.used[id])
            continue;
        struct sw_pps_slot *slot = &c->pps[id];
        if (!slot->block) {
            if (!(slot->block = malloc(2 * SW_H264_PS_MAX)))
                return vh_error_set(err, VW_ERR_NO_MEMORY, "sw: out of memory");
            slot->bytes = slot->block;
            slot->next = slot->block + SW_H264_PS_MAX;
        }
        bool known = slot->size && !new_sps;
        extras[id] = (struct sw_h264_pps_extra){
            .pps_id = (uint8_t)id,
            /* A count no slice depends on: keep what was sent, so that the
             * PPS is not resent for nothing. */
            .num_ref_idx_l0_default_active_minus1 = needs.l0[id] >= 0 ? (uint8_t)needs.l0[id]
                : known ? slot->extra.num_ref_idx_l0_default_active_minus1 : 0,
            .num_ref_idx_l1_default_active_minus1 = needs.l1[id] >= 0 ? (uint8_t)needs.l1[id]
                : known ? slot->extra.num_ref_idx_l1_default_active_minus1 : 0,
        };
        size_t n = sw_h264_write_pps(p, pic->h264_iq, &extras[id], slot->next, SW_H264_PS_MAX);
        if (!n)
            return vh_error_set(err, VW_ERR_INTERNAL, "sw: PPS does not fit");
        if (known && n == slot->size && memcmp(slot->next, slot->bytes, n) == 0)
            continue;
        pps_size[id] = n;
        total += 4 + n;
    }
    for (uint32_t i = 0; i < pic->num_slices; i++)
        total += 4 + (uint64_t)pic->slices[i].size;
    if (total > INT32_MAX - AV_INPUT_BUFFER_PADDING_SIZE)
        return vh_error_set(err, VW_ERR_DECODE, "sw: picture of %llu bytes too large",
                            (unsigned long long)total);
    if (av_new_packet(c->pkt, (int)total) < 0)
        return vh_error_set(err, VW_ERR_NO_MEMORY, "sw: out of memory for a %llu-byte packet",
                            (unsigned long long)total);

    uint8_t *w = c->pkt->data;
    if (new_sps)
        put_nal(&w, sps, sps_size);
    for (unsigned id = 0; id < SW_MAX_PPS; id++)
        if (pps_size[id])
            put_nal(&w, c->pps[id].next, pps_size[id]);
    for (uint32_t i = 0; i < pic->num_slices; i++)
        put_nal(&w, pic->slices[i].data, pic->slices[i].size);

    /* libavcodec takes in the parameter sets whether or not the slices then
     * decode, so the caches follow what was sent. */
    if (new_sps) {
        memcpy(c->sps, sps, sps_size);
        c->sps_size = sps_size;
        for (unsigned id = 0; id < SW_MAX_PPS; id++)
            c->pps[id].size = 0;
    }
    for (unsigned id = 0; id < SW_MAX_PPS; id++) {
        struct sw_pps_slot *slot = &c->pps[id];
        if (!pps_size[id])
            continue;
        uint8_t *t = slot->bytes;
        slot->bytes = slot->next;
        slot->next = t;
        slot->size = pps_size[id];
        slot->extra = extras[id];
    }

    c->pkt->pts = ++c->tag;
    c->captured = false;
    int ret = avcodec_send_packet(c->avctx, c->pkt);
    if (ret == AVERROR(EAGAIN)) {
        /* Cannot happen as output is drained after each packet; be safe. */
        drain_output(c);
        ret = avcodec_send_packet(c->avctx, c->pkt);
    }
    av_packet_unref(c->pkt);
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
              c->pending_surface == pic->target->id && c->pic->buf[0];
        c->first_field_pending = false;
    }
    if (got) {
        rc = sw_surface_set_frame(pic->target, c->pic, err);
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
    if (c->pic_in_decoder && c->pic_in_decoder->data[0] == c->pic->data[0] &&
        c->pic_in_decoder->decode_error_flags)
        return vh_error_set(err, VW_ERR_DECODE, "sw: corrupt picture (decode error flags 0x%x)",
                            (unsigned)c->pic_in_decoder->decode_error_flags);
    return VW_OK;
}
