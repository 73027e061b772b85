/* Copies a picture's NV12 / P010 pixels into the frame libavcodec's
 * encoder takes (avenc_internal.h): as is for NV12/P010 encoders, split
 * into planes (and P010's samples shifted down) for yuv420p/yuv420p10. */
#include <string.h>

#include "host/engines/avenc/avenc_internal.h"

static void copy_rows(uint8_t *dst, int dst_pitch, const uint8_t *src, uint32_t src_pitch,
                      size_t bytes, uint32_t rows)
{
    for (uint32_t y = 0; y < rows; y++)
        memcpy(dst + (size_t)y * dst_pitch, src + (size_t)y * src_pitch, bytes);
}

static void split_nv12(AVFrame *f, const struct vh_encoder_input *in)
{
    uint32_t cw = (uint32_t)f->width / 2, ch = (uint32_t)f->height / 2;
    for (uint32_t y = 0; y < ch; y++) {
        const uint8_t *s = in->planes[1] + (size_t)y * in->pitches[1];
        uint8_t *u = f->data[1] + (size_t)y * f->linesize[1];
        uint8_t *v = f->data[2] + (size_t)y * f->linesize[2];
        for (uint32_t x = 0; x < cw; x++) {
            u[x] = s[2 * x];
            v[x] = s[2 * x + 1];
        }
    }
}

static void split_p010(AVFrame *f, const struct vh_encoder_input *in)
{
    uint32_t w = (uint32_t)f->width, h = (uint32_t)f->height;
    for (uint32_t y = 0; y < h; y++) {
        const uint16_t *s = (const uint16_t *)(in->planes[0] + (size_t)y * in->pitches[0]);
        uint16_t *d = (uint16_t *)(f->data[0] + (size_t)y * f->linesize[0]);
        for (uint32_t x = 0; x < w; x++)
            d[x] = s[x] >> 6;
    }
    for (uint32_t y = 0; y < h / 2; y++) {
        const uint16_t *s = (const uint16_t *)(in->planes[1] + (size_t)y * in->pitches[1]);
        uint16_t *u = (uint16_t *)(f->data[1] + (size_t)y * f->linesize[1]);
        uint16_t *v = (uint16_t *)(f->data[2] + (size_t)y * f->linesize[2]);
        for (uint32_t x = 0; x < w / 2; x++) {
            u[x] = s[2 * x] >> 6;
            v[x] = s[2 * x + 1] >> 6;
        }
    }
}

int avenc_frame_fill(AVFrame *f, const struct vh_encoder_input *in, struct vh_error *err)
{
    uint32_t w = (uint32_t)f->width, h = (uint32_t)f->height;
    switch (f->format) {
    case AV_PIX_FMT_NV12:
        copy_rows(f->data[0], f->linesize[0], in->planes[0], in->pitches[0], w, h);
        copy_rows(f->data[1], f->linesize[1], in->planes[1], in->pitches[1], w, h / 2);
        return VW_OK;
    case AV_PIX_FMT_P010:
        copy_rows(f->data[0], f->linesize[0], in->planes[0], in->pitches[0], 2 * (size_t)w, h);
        copy_rows(f->data[1], f->linesize[1], in->planes[1], in->pitches[1], 2 * (size_t)w,
                  h / 2);
        return VW_OK;
    case AV_PIX_FMT_YUV420P:
        copy_rows(f->data[0], f->linesize[0], in->planes[0], in->pitches[0], w, h);
        split_nv12(f, in);
        return VW_OK;
    case AV_PIX_FMT_YUV420P10:
        split_p010(f, in);
        return VW_OK;
    default:
        return vh_error_set(err, VW_ERR_INTERNAL, "encoder input format %d unknown", f->format);
    }
}
