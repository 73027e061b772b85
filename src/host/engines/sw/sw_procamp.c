/* ProcAmp on the CPU (VAProcFilterColorBalance): libavfilter's `eq`
 * (brightness, contrast) then `hue` (hue, saturation) run on the output
 * region of a job, so that a job equals FFmpeg's software filter chain
 *   eq=brightness=B/100:contrast=C,hue=h=H:s=S
 * on the same picture, sample for sample (docs/codecs.md, Video
 * processing). VA's values arrive x 1000 (protocol.h, VW_PROCAMP_*). */
#include <stdio.h>

#include <libavfilter/avfilter.h>
#include <libavfilter/buffersink.h>
#include <libavfilter/buffersrc.h>
#include <libavutil/imgutils.h>

#include "host/engines/sw/sw_internal.h"

/* The filter graph's description for a job's values: VA's brightness
 * -100..100 is eq's -1..1, contrast and saturation are eq's and hue's
 * factors, hue is hue's degrees. The quotients of integers are the
 * doubles FFmpeg parses from the same decimal numbers; %.17g keeps them. */
static void procamp_chain(const struct vh_process *job, char *buf, size_t size)
{
    snprintf(buf, size, "eq=brightness=%.17g:contrast=%.17g,hue=h=%.17g:s=%.17g",
             job->brightness / (100.0 * VW_PROCAMP_ONE), job->contrast / (double)VW_PROCAMP_ONE,
             job->hue / (double)VW_PROCAMP_ONE, job->saturation / (double)VW_PROCAMP_ONE);
}

/* buffer -> chain -> buffersink, yuv420p in and out, no conversion
 * filter inserted and no threads. */
static int build_graph(AVFilterGraph *g, int w, int h, const char *chain, AVFilterContext **src,
                       AVFilterContext **sink)
{
    char args[128];
    snprintf(args, sizeof(args), "video_size=%dx%d:pix_fmt=%d:time_base=1/25:pixel_aspect=1/1",
             w, h, (int)AV_PIX_FMT_YUV420P);
    g->nb_threads = 1;
    avfilter_graph_set_auto_convert(g, AVFILTER_AUTO_CONVERT_NONE);
    int r = avfilter_graph_create_filter(src, avfilter_get_by_name("buffer"), "in", args, NULL, g);
    if (r >= 0)
        r = avfilter_graph_create_filter(sink, avfilter_get_by_name("buffersink"), "out", NULL,
                                         NULL, g);
    if (r < 0)
        return r;
    AVFilterInOut *outputs = avfilter_inout_alloc(), *inputs = avfilter_inout_alloc();
    if (!outputs || !inputs) {
        avfilter_inout_free(&outputs);
        avfilter_inout_free(&inputs);
        return AVERROR(ENOMEM);
    }
    outputs->name = av_strdup("in");
    outputs->filter_ctx = *src;
    inputs->name = av_strdup("out");
    inputs->filter_ctx = *sink;
    r = avfilter_graph_parse_ptr(g, chain, &inputs, &outputs, NULL);
    avfilter_inout_free(&outputs);
    avfilter_inout_free(&inputs);
    if (r >= 0)
        r = avfilter_graph_config(g, NULL);
    return r;
}

int sw_procamp(AVFrame *frame, const struct vh_rect *r, const struct vh_process *job,
               struct vh_error *err)
{
    if (frame->format != AV_PIX_FMT_YUV420P)
        return vh_error_set(err, VW_ERR_INTERNAL, "sw: ProcAmp on a frame of format %d",
                            frame->format);
    char chain[256];
    procamp_chain(job, chain, sizeof(chain));
    AVFilterGraph *g = avfilter_graph_alloc();
    AVFrame *in = av_frame_alloc(), *out = av_frame_alloc();
    AVFilterContext *src = NULL, *sink = NULL;
    int ret = VW_OK;
    if (!g || !in || !out) {
        ret = vh_error_set(err, VW_ERR_NO_MEMORY, "sw: out of memory");
        goto done;
    }
    int rv = build_graph(g, (int)r->width, (int)r->height, chain, &src, &sink);
    if (rv < 0) {
        ret = vh_error_set(err, VW_ERR_INTERNAL, "sw: libavfilter refused '%s': %s", chain,
                           av_err2str(rv));
        goto done;
    }
    /* The region, borrowed: buffersrc copies a frame it cannot reference. */
    in->format = AV_PIX_FMT_YUV420P;
    in->width = (int)r->width;
    in->height = (int)r->height;
    for (unsigned c = 0; c < 3; c++) {
        uint32_t x = c ? r->x / 2 : r->x, y = c ? r->y / 2 : r->y;
        in->data[c] = frame->data[c] + (size_t)y * (size_t)frame->linesize[c] + x;
        in->linesize[c] = frame->linesize[c];
    }
    rv = av_buffersrc_add_frame_flags(src, in, AV_BUFFERSRC_FLAG_KEEP_REF);
    if (rv >= 0)
        rv = av_buffersink_get_frame(sink, out);
    if (rv < 0 || out->width != in->width || out->height != in->height ||
        out->format != AV_PIX_FMT_YUV420P) {
        ret = vh_error_set(err, VW_ERR_INTERNAL, "sw: libavfilter '%s' gave no picture: %s",
                           chain, av_err2str(rv < 0 ? rv : AVERROR_BUG));
        goto done;
    }
    uint8_t *dst[4] = {in->data[0], in->data[1], in->data[2], NULL};
    av_image_copy(dst, in->linesize, (const uint8_t **)out->data, out->linesize,
                  AV_PIX_FMT_YUV420P, in->width, in->height);
done:
    av_frame_free(&out);
    av_frame_free(&in);
    avfilter_graph_free(&g);
    return ret;
}
