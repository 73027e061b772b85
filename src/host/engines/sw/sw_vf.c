/* The VideoProc filters on the CPU: libavfilter's hqdn3d (denoise),
 * unsharp (sharpening), eq and hue (ProcAmp), then transpose, hflip and
 * vflip (rotation, mirroring), run in that order on the scaled picture of
 * a job into its output region, so that a job equals FFmpeg's software filter
 * chain on the same picture, sample for sample (docs/codecs.md, Video
 * processing, gives the chain for each VA value). A codec keeps its graph
 * while the chain and the region's size stay the same: hqdn3d's temporal
 * part then sees the codec's jobs in order, as FFmpeg's filter sees a
 * stream's frames. VA's values arrive x 1000 (protocol.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavfilter/avfilter.h>
#include <libavfilter/buffersink.h>
#include <libavfilter/buffersrc.h>
#include <libavutil/imgutils.h>

#include "host/engines/sw/sw_internal.h"

#define CHAIN_MAX 256

struct sw_vf {
    AVFilterGraph *graph;
    AVFilterContext *src, *sink;
    int width, height, format;
    char chain[CHAIN_MAX];
};

/* Appends "," (after the first) and one filter's description. */
static void add(char *buf, size_t size, const char *fmt, double a, double b)
{
    if (!fmt)
        return;
    size_t n = strlen(buf);
    if (n && n + 1 < size)
        buf[n++] = ',';
    snprintf(buf + n, size - n, fmt, a, b);
}

/* The filter graph's description of a job, "" when it has no filter. The
 * quotients of integers are the doubles FFmpeg parses from the same
 * decimal numbers; %.17g keeps them:
 *   denoise D (0..64): hqdn3d=luma_spatial=D/8 (its other strengths
 *     derived by hqdn3d; 32 is hqdn3d's default 4);
 *   sharpen S (0..64): unsharp=luma_amount=S/32 (5x5 luma, 32 is
 *     unsharp's default 1);
 *   ProcAmp: eq=brightness=B/100:contrast=C,hue=h=H:s=S. */
static void chain_of(const struct vh_process *job, char *buf, size_t size)
{
    buf[0] = '\0';
    if (job->denoise)
        add(buf, size, "hqdn3d=luma_spatial=%.17g", job->denoise / (8.0 * VW_PROCAMP_ONE), 0);
    if (job->sharpen)
        add(buf, size, "unsharp=luma_amount=%.17g", job->sharpen / (32.0 * VW_PROCAMP_ONE), 0);
    if (job->procamp) {
        add(buf, size, "eq=brightness=%.17g:contrast=%.17g",
            job->brightness / (100.0 * VW_PROCAMP_ONE), job->contrast / (double)VW_PROCAMP_ONE);
        add(buf, size, "hue=h=%.17g:s=%.17g", job->hue / (double)VW_PROCAMP_ONE,
            job->saturation / (double)VW_PROCAMP_ONE);
    }
    /* VA turns clockwise, then mirrors; each step moves samples only. */
    static const char *const turn[4] = {NULL, "transpose=dir=clock", "hflip,vflip",
                                        "transpose=dir=cclock"};
    add(buf, size, turn[job->rotation & 3], 0, 0);
    if (job->mirror & VW_MIRROR_HORIZONTAL)
        add(buf, size, "hflip", 0, 0);
    if (job->mirror & VW_MIRROR_VERTICAL)
        add(buf, size, "vflip", 0, 0);
}

void sw_vf_destroy(struct sw_vf **vf)
{
    if (!*vf)
        return;
    avfilter_graph_free(&(*vf)->graph);
    free(*vf);
    *vf = NULL;
}

int sw_vf_graph_create(const char *chain, int width, int height, int format, int time_base_den,
                       AVFilterGraph **graph, AVFilterContext **src, AVFilterContext **sink)
{
    char args[128];
    snprintf(args, sizeof(args), "video_size=%dx%d:pix_fmt=%d:time_base=1/%d:pixel_aspect=1/1",
             width, height, format, time_base_den);
    AVFilterGraph *g = *graph = avfilter_graph_alloc();
    if (!g)
        return AVERROR(ENOMEM);
    g->nb_threads = 1;
    avfilter_graph_set_auto_convert(g, AVFILTER_AUTO_CONVERT_NONE);
    int r = avfilter_graph_create_filter(src, avfilter_get_by_name("buffer"), "in", args, NULL,
                                         g);
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

/* The codec's graph for this chain and size: kept, or made anew. */
static int graph_for(struct sw_vf **vfp, const char *chain, int w, int h, int format,
                     struct vh_error *err)
{
    struct sw_vf *vf = *vfp;
    if (vf && vf->width == w && vf->height == h && vf->format == format &&
        !strcmp(vf->chain, chain))
        return VW_OK;
    sw_vf_destroy(vfp);
    vf = *vfp = calloc(1, sizeof(*vf));
    if (!vf)
        return vh_error_set(err, VW_ERR_NO_MEMORY, "sw: out of memory");
    vf->width = w;
    vf->height = h;
    vf->format = format;
    snprintf(vf->chain, sizeof(vf->chain), "%s", chain);
    int r = sw_vf_graph_create(vf->chain, w, h, format, 25, &vf->graph, &vf->src, &vf->sink);
    if (r < 0) {
        sw_vf_destroy(vfp);
        return vh_error_set(err, VW_ERR_INTERNAL, "sw: libavfilter refused '%s': %s", chain,
                            av_err2str(r));
    }
    return VW_OK;
}

/* Points f's planes at the region r of frame (a 4:2:0 planar one). */
static void region_of(AVFrame *f, const AVFrame *frame, const struct vh_rect *r)
{
    unsigned bytes = frame->format == AV_PIX_FMT_YUV420P ? 1u : 2u;
    f->format = frame->format;
    f->width = (int)r->width;
    f->height = (int)r->height;
    for (unsigned c = 0; c < 3; c++) {
        uint32_t x = c ? r->x / 2 : r->x, y = c ? r->y / 2 : r->y;
        f->data[c] = frame->data[c] + (size_t)y * (size_t)frame->linesize[c] + (size_t)x * bytes;
        f->linesize[c] = frame->linesize[c];
    }
}

int sw_vf_apply(struct sw_vf **vfp, AVFrame *in_frame, const struct vh_rect *in_rect,
                AVFrame *out_frame, const struct vh_rect *out_rect, const struct vh_process *job,
                struct vh_error *err)
{
    char chain[CHAIN_MAX];
    chain_of(job, chain, sizeof(chain));
    if (!chain[0])
        return VW_OK;
    if (in_frame->format != AV_PIX_FMT_YUV420P && in_frame->format != AV_PIX_FMT_YUV420P10LE)
        return vh_error_set(err, VW_ERR_INTERNAL, "sw: filters on a frame of format %d",
                            in_frame->format);
    int st = graph_for(vfp, chain, (int)in_rect->width, (int)in_rect->height, in_frame->format,
                       err);
    if (st != VW_OK)
        return st;
    struct sw_vf *vf = *vfp;
    AVFrame *in = av_frame_alloc(), *out = av_frame_alloc(), *dst = av_frame_alloc();
    if (!in || !out || !dst) {
        st = vh_error_set(err, VW_ERR_NO_MEMORY, "sw: out of memory");
        goto done;
    }
    /* The region, borrowed: buffersrc copies a frame it cannot reference. */
    region_of(in, in_frame, in_rect);
    region_of(dst, out_frame, out_rect);
    int rv = av_buffersrc_add_frame_flags(vf->src, in, AV_BUFFERSRC_FLAG_KEEP_REF);
    if (rv >= 0)
        rv = av_buffersink_get_frame(vf->sink, out);
    if (rv < 0 || out->width != dst->width || out->height != dst->height ||
        out->format != dst->format) {
        st = vh_error_set(err, VW_ERR_INTERNAL, "sw: libavfilter '%s' gave no picture: %s",
                          chain, av_err2str(rv < 0 ? rv : AVERROR_BUG));
        sw_vf_destroy(vfp); /* its state is unknown now */
        goto done;
    }
    av_image_copy(dst->data, dst->linesize, (const uint8_t **)out->data, out->linesize,
                  (enum AVPixelFormat)dst->format, dst->width, dst->height);
done:
    av_frame_free(&dst); /* borrowed planes: nothing of its own to free */
    av_frame_free(&out);
    av_frame_free(&in);
    return st;
}
