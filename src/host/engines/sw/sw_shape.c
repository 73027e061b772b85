/*
 * What a decoded picture must be: the size libavcodec allocates for the
 * picture the parameters describe, and its sample format. The front door
 * matched the parameters with the target surface and the codec's declared
 * (and charged) size; the bitstream that libavcodec parses may still say
 * otherwise where the parameters cannot bind it (a VP9 frame taking its size
 * from a reference slot, a VP8 inter frame keeping its key frame's size,
 * anything a validator misses). Each picture is compared with this before
 * it is stored in a surface (sw_surface_set_frame).
 */
#include <stdio.h>

#include "host/engines/sw/sw_internal.h"

/* log2 of the chroma subsampling of a JPEG sampling whose Y factors are
 * `y` times the chroma ones (validate_jpeg.c allows 1 and 2 only). */
static uint8_t log2_ratio(unsigned y, unsigned c)
{
    return c && y / c == 2 ? 1 : 0;
}

void sw_picture_shape(const struct vh_picture *pic, struct sw_shape *s)
{
    *s = (struct sw_shape){.depth = 8, .log2_chroma_w = 1, .log2_chroma_h = 1};
    switch (pic->codec) {
    case VW_CODEC_H264:
        /* libavcodec allocates the coded size, whole macroblocks of the
         * frame (both fields), and crops on output only. */
        s->width = (pic->h264->picture_width_in_mbs_minus1 + 1u) * 16u;
        s->height = (pic->h264->picture_height_in_mbs_minus1 + 1u) * 16u;
        break;
    case VW_CODEC_HEVC:
        s->width = pic->hevc->pic_width_in_luma_samples;
        s->height = pic->hevc->pic_height_in_luma_samples;
        s->depth = (uint8_t)(pic->hevc->bit_depth_luma_minus8 + 8u);
        s->log2_chroma_w = pic->hevc->chroma_format_idc != 3;
        s->log2_chroma_h = pic->hevc->chroma_format_idc == 1;
        break;
    case VW_CODEC_VP9:
        s->width = pic->vp9->frame_width;
        s->height = pic->vp9->frame_height;
        s->depth = pic->vp9->bit_depth;
        s->log2_chroma_w = pic->vp9->subsampling_x;
        s->log2_chroma_h = pic->vp9->subsampling_y;
        break;
    case VW_CODEC_VP8:
        s->width = pic->vp8->frame_width;
        s->height = pic->vp8->frame_height;
        break;
    case VW_CODEC_MPEG2:
        s->width = pic->mpeg2->horizontal_size;
        s->height = pic->mpeg2->vertical_size;
        break;
    case VW_CODEC_AV1:
        /* dav1d's picture: the upscaled frame size */
        s->width = pic->av1->frame_width_minus1 + 1u;
        s->height = pic->av1->frame_height_minus1 + 1u;
        s->depth = pic->av1->bit_depth_idx ? 10 : 8;
        break;
    case VW_CODEC_MPEG4:
        s->width = pic->mpeg4->vop_width;
        s->height = pic->mpeg4->vop_height;
        break;
    case VW_CODEC_JPEG: {
        const struct vw_jpeg_picture *p = pic->jpeg;
        s->width = p->picture_width;
        s->height = p->picture_height;
        s->log2_chroma_w = log2_ratio(p->components[0].h_sampling_factor,
                                      p->components[1].h_sampling_factor);
        s->log2_chroma_h = log2_ratio(p->components[0].v_sampling_factor,
                                      p->components[1].v_sampling_factor);
        break;
    }
    }
}

const char *sw_shape_string(const struct sw_shape *s, char buf[SW_SHAPE_STRING_MAX])
{
    const char *chroma = s->log2_chroma_h ? (s->log2_chroma_w ? "4:2:0" : "4:4:0")
                                          : (s->log2_chroma_w ? "4:2:2" : "4:4:4");
    snprintf(buf, SW_SHAPE_STRING_MAX, "%ux%u %s %u-bit", s->width, s->height, chroma,
             s->depth);
    return buf;
}

int64_t sw_max_pixels(enum AVCodecID id, uint32_t width, uint32_t height)
{
    /* The front door lets a picture round the codec's width up to whole
     * macroblocks and its height up to a macroblock pair (interlaced
     * H.264, MPEG-2 fields); libavcodec's checks (ff_set_dimensions and
     * ff_get_buffer, through av_image_check_size2) count the width rounded
     * up to its stride alignment, at most 64. */
    uint64_t w = ((uint64_t)width + 63u) & ~63ull, h = ((uint64_t)height + 31u) & ~31ull;
    uint64_t max = w * h;
    if (id == AV_CODEC_ID_MPEG2VIDEO || id == AV_CODEC_ID_MPEG4) {
        /* mpegvideo also checks its edge emulation scratch against
         * max_pixels (ff_mpeg_framesize_alloc): 280 rows of the luma
         * linesize (whole macroblocks, then up to a multiple of 128 so
         * that both planes' rows are 64-byte aligned) plus 64, rounded up
         * to 32. For pictures under 280 rows that is the larger figure. */
        uint64_t linesize = (((uint64_t)width + 15u) & ~15ull);
        linesize = (linesize + 127u) & ~127ull;
        uint64_t scratch = ((linesize + 64u + 31u) & ~31ull) * 280u;
        if (scratch > max)
            max = scratch;
    }
    return (int64_t)max;
}
