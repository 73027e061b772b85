/*
 * The libavcodec encoder (host/encoder.h) alone: one picture in, its coded
 * bytes out at once (libx264 and libx265 set for no delay), the types
 * asked for, IDR on demand (forced, or after a reopen for a new CQP qp),
 * 10-bit HEVC from P010, and a stream libavcodec decodes to as many
 * pictures as went in.
 */
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>

#include "check.h"
#include "host/encoder.h"

#define W 128
#define H 96

/* NV12 / P010 planes of a moving gradient. */
static void picture(uint8_t *y, uint8_t *uv, bool ten, uint32_t i)
{
    for (uint32_t r = 0; r < H; r++)
        for (uint32_t c = 0; c < W; c++) {
            uint32_t v = 16 + (r + c + 5 * i) % 200;
            if (ten)
                ((uint16_t *)y)[r * W + c] = (uint16_t)(v << 8);
            else
                y[r * W + c] = (uint8_t)v;
        }
    for (uint32_t k = 0; k < W * H / 2; k++) {
        if (ten)
            ((uint16_t *)uv)[k] = 512u << 6;
        else
            uv[k] = 128;
    }
}

/* Decoded pictures of the stream: parsed into access units, each sent to
 * the decoder, then the parser and the decoder drained. */
static int decode_count(enum AVCodecID id, const uint8_t *data, size_t size)
{
    const AVCodec *codec = avcodec_find_decoder(id);
    AVCodecContext *ctx = avcodec_alloc_context3(codec);
    AVCodecParserContext *parser = av_parser_init(id);
    AVPacket *pkt = av_packet_alloc();
    AVFrame *frame = av_frame_alloc();
    int n = -1;
    if (!ctx || !parser || !pkt || !frame || avcodec_open2(ctx, codec, NULL) < 0)
        goto out;
    n = 0;
    size_t at = 0;
    for (bool flushing = false;; flushing = at == size) {
        uint8_t *au;
        int au_size;
        int used = av_parser_parse2(parser, ctx, &au, &au_size, data + at, (int)(size - at),
                                    AV_NOPTS_VALUE, AV_NOPTS_VALUE, 0);
        at += (size_t)used;
        if (au_size) {
            pkt->data = au;
            pkt->size = au_size;
            avcodec_send_packet(ctx, pkt);
            while (avcodec_receive_frame(ctx, frame) == 0)
                n++;
        } else if (flushing) {
            break;                   /* called with no bytes: it gave its last unit */
        }
    }
    avcodec_send_packet(ctx, NULL);
    while (avcodec_receive_frame(ctx, frame) == 0)
        n++;
out:
    av_frame_free(&frame);
    av_packet_free(&pkt);
    av_parser_close(parser);
    avcodec_free_context(&ctx);
    return n;
}

static void run(uint32_t profile, uint32_t rc, enum AVCodecID id)
{
    bool ten = profile == VW_PROFILE_HEVC_MAIN10;
    struct vh_encoder_config cfg = {
        .profile = profile, .width = W, .height = H, .qp = 30,
        .seq = {.rc_mode = rc, .bits_per_second = rc == VW_RC_CQP ? 0 : 500000,
                .frame_rate_num = 30, .frame_rate_den = 1, .bit_depth = ten ? 10 : 8,
                .entropy_cabac = profile == VW_PROFILE_H264_HIGH,
                .transform_8x8 = profile == VW_PROFILE_H264_HIGH}};
    struct vh_encoder *e = NULL;
    struct vh_error err = {0};
    CHECK_EQ(vh_encoder_open(&cfg, &e, &err), VW_OK);
    if (!e) {
        fprintf(stderr, "open: %s\n", err.message);
        return;
    }
    size_t bps = ten ? 2 : 1;
    uint8_t *y = malloc(W * H * bps), *uv = malloc(W * H / 2 * bps);
    uint8_t *stream = NULL;
    size_t stream_size = 0;
    const uint32_t n = 12;
    for (uint32_t i = 0; i < n; i++) {
        struct vw_encode_picture pic = {.type = i == 0 ? VW_PICTURE_IDR : VW_PICTURE_P,
                                        .qp = rc == VW_RC_CQP ? 30 : 0, .num_slices = 1};
        if (i >= 8 && rc == VW_RC_CQP)
            pic.qp = 36;             /* reopens: comes out IDR with its QP */
        if (i == 5)
            vh_encoder_force_idr(e);
        picture(y, uv, ten, i);
        struct vh_encoder_input in = {.planes = {y, uv}, .pitches = {W * bps, W * bps}};
        struct vh_encoded out = {0};
        struct vw_encode_sequence seq = cfg.seq;
        int st = vh_encoder_encode(e, &seq, &pic, &in, &out, &err);
        CHECK_EQ(st, VW_OK);
        if (st != VW_OK) {
            fprintf(stderr, "picture %u: %s\n", i, err.message);
            break;
        }
        CHECK(out.size > 0);         /* one in, one out */
        bool idr = i == 0 || i == 5 || (i == 8 && rc == VW_RC_CQP);
        CHECK_EQ(out.type, idr ? VW_PICTURE_IDR : VW_PICTURE_P);
        if (rc == VW_RC_CQP)
            CHECK_EQ(out.qp, i >= 8 ? 36 : 30);
        stream = realloc(stream, stream_size + out.size);
        memcpy(stream + stream_size, out.data, out.size);
        stream_size += out.size;
    }
    CHECK_EQ(decode_count(id, stream, stream_size), n);
    vh_encoder_close(&e);
    CHECK(e == NULL);
    vh_encoder_close(&e);            /* NULL is fine */
    free(stream);
    free(y);
    free(uv);
}

int main(void)
{
    vh_encoder_probe(false);
    CHECK(strstr(vh_encoder_report(), "libx264: H.264") != NULL);
    struct vw_cap caps[VH_ENCODE_MAX_CAPS];
    struct vw_encode_cap enc[VH_ENCODE_MAX_CAPS];
    uint32_t count = vh_encoder_caps(caps, enc, VH_ENCODE_MAX_CAPS);
    CHECK(count >= 3);
    for (uint32_t i = 0; i < count; i++)
        CHECK(caps[i].entrypoint == VW_ENTRYPOINT_ENCODE && caps[i].profile == enc[i].profile &&
              enc[i].max_refs_l1 == 0 && enc[i].max_refs_l0 >= 1);
    run(VW_PROFILE_H264_HIGH, VW_RC_CQP, AV_CODEC_ID_H264);
    run(VW_PROFILE_H264_CONSTRAINED_BASELINE, VW_RC_CBR, AV_CODEC_ID_H264);
    run(VW_PROFILE_HEVC_MAIN, VW_RC_CQP, AV_CODEC_ID_HEVC);
    run(VW_PROFILE_HEVC_MAIN10, VW_RC_VBR, AV_CODEC_ID_HEVC);
    return check_finish("test_encoder");
}
