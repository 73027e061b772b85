/* Wire-level encode for test programs (encode_client.h). */
#include "encode_client.h"

#include <stdlib.h>
#include <string.h>

int enc_create_codec(struct client *c, uint32_t codec_id, uint32_t profile, uint32_t width,
                     uint32_t height)
{
    struct vw_create_codec cc = {
        .codec_id = codec_id, .profile = profile, .entrypoint = VW_ENTRYPOINT_ENCODE,
        .rt_format = profile == VW_PROFILE_HEVC_MAIN10 ? VW_RT_YUV420_10 : VW_RT_YUV420,
        .width = width, .height = height};
    return REQ1(c, VW_OP_CREATE_CODEC, cc);
}

int enc_create_surface(struct client *c, uint32_t id, uint32_t w, uint32_t h, bool ten_bit)
{
    struct vw_create_surface cs = {
        .surface_id = id, .width = w, .height = h,
        .rt_format = ten_bit ? VW_RT_YUV420_10 : VW_RT_YUV420,
        .pixel_format = ten_bit ? VW_FOURCC_P010 : VW_FOURCC_NV12};
    return REQ1(c, VW_OP_CREATE_SURFACE, cs);
}

size_t enc_image_size(uint32_t w, uint32_t h, bool ten_bit)
{
    return (size_t)w * h * 3 / 2 * (ten_bit ? 2 : 1);
}

/* 8-bit sample values of the pattern: a diagonal gradient that moves, and a
 * bright square crossing it, so that P pictures have motion to code. */
static uint8_t luma(uint32_t x, uint32_t y, uint32_t i)
{
    uint32_t sx = (i * 4) % 200, sy = 20 + (i * 2) % 60;
    if (x >= sx && x < sx + 24 && y >= sy && y < sy + 24)
        return 235;
    return (uint8_t)(16 + ((x + y + 3 * i) % 200));
}

static uint8_t chroma(uint32_t x, uint32_t y, uint32_t i, int plane)
{
    return (uint8_t)(plane ? 128 + ((x * 2 + i) % 64) - 32 : 128 + ((y * 2 + i) % 64) - 32);
}

void enc_pattern(uint8_t *buf, uint32_t w, uint32_t h, bool ten_bit, uint32_t i)
{
    size_t bps = ten_bit ? 2 : 1;
    uint8_t *uv = buf + (size_t)w * h * bps;
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++) {
            uint32_t v = luma(x, y, i);
            if (ten_bit) {
                uint16_t s = (uint16_t)((v << 2) << 6);
                memcpy(buf + ((size_t)y * w + x) * 2, &s, 2);
            } else {
                buf[(size_t)y * w + x] = (uint8_t)v;
            }
        }
    for (uint32_t y = 0; y < h / 2; y++)
        for (uint32_t x = 0; x < w / 2; x++)
            for (int p = 0; p < 2; p++) {
                uint32_t v = chroma(x, y, i, p);
                size_t at = (size_t)y * w + 2 * x + (size_t)p;
                if (ten_bit) {
                    uint16_t s = (uint16_t)((v << 2) << 6);
                    memcpy(uv + at * 2, &s, 2);
                } else {
                    uv[at] = (uint8_t)v;
                }
            }
}

int enc_put_pattern(struct client *c, uint32_t surface, uint32_t w, uint32_t h, bool ten_bit,
                    uint32_t index)
{
    size_t n = enc_image_size(w, h, ten_bit);
    uint8_t *img = malloc(n);
    if (!img)
        return -1;
    enc_pattern(img, w, h, ten_bit, index);
    uint32_t pitch = w * (ten_bit ? 2 : 1);
    struct vw_put_image pi = {
        .surface_id = surface, .width = w, .height = h,
        .layout = {.pixel_format = ten_bit ? VW_FOURCC_P010 : VW_FOURCC_NV12, .num_planes = 2,
                   .pitches = {pitch, pitch}, .offsets = {0, pitch * h}},
        .src = {.location = VW_LOC_INLINE, .size = n}};
    int st = request(c, VW_OP_PUT_IMAGE, &pi, sizeof(pi), img, n, NULL, 0);
    free(img);
    return st;
}

void enc_write_source(FILE *f, uint32_t w, uint32_t h, bool ten_bit, uint32_t i)
{
    for (int plane = 0; plane < 3; plane++) {
        uint32_t pw = plane ? w / 2 : w, ph = plane ? h / 2 : h;
        for (uint32_t y = 0; y < ph; y++)
            for (uint32_t x = 0; x < pw; x++) {
                uint32_t v = plane ? chroma(x, y, i, plane - 1) : luma(x, y, i);
                if (ten_bit) {
                    uint16_t s = (uint16_t)(v << 2);
                    fwrite(&s, 2, 1, f);
                } else {
                    fputc((int)v, f);
                }
            }
    }
}

struct vw_encode_sequence enc_sequence(uint32_t profile, uint32_t rc_mode,
                                       uint32_t bits_per_second)
{
    bool h264 = vw_codec_of_profile(profile) == VW_CODEC_H264;
    struct vw_encode_sequence q = {
        .rc_mode = rc_mode,
        .bits_per_second = rc_mode == VW_RC_CQP ? 0 : bits_per_second,
        .max_bits_per_second = rc_mode == VW_RC_VBR ? bits_per_second * 2 : 0,
        .frame_rate_num = 30, .frame_rate_den = 1, .ip_period = 1,
        .bit_depth = profile == VW_PROFILE_HEVC_MAIN10 ? 10 : 8,
        .entropy_cabac = h264 && profile != VW_PROFILE_H264_CONSTRAINED_BASELINE,
        .transform_8x8 = profile == VW_PROFILE_H264_HIGH,
    };
    return q;
}

void enc_picture(struct client *c, uint32_t surface, const struct vw_encode_bitstream *eb,
                 struct enc_picture_result *out)
{
    memset(out, 0, sizeof(*out));
    out->status = begin_frame(c, eb->codec_id, surface);
    if (out->status != VW_OK)
        return;
    out->encode_status = REQ1(c, VW_OP_ENCODE_BITSTREAM, *eb);
    out->status = end_frame(c, eb->codec_id);
    if (c->body_len >= sizeof(out->result))
        memcpy(&out->result, c->body, sizeof(out->result));
    if (out->status != VW_OK)
        return;
    if (eb->coded.location == VW_LOC_INLINE)
        out->coded = c->body_len >= sizeof(out->result) + out->result.size
                         ? c->body + sizeof(out->result) : NULL;
    else
        out->coded = (const uint8_t *)c->arena.base + eb->coded.offset;
}
