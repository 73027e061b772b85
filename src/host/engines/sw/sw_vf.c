/* The VideoProc filters on the CPU: libavfilter's hqdn3d (denoise),
 * unsharp (sharpening), eq and hue (ProcAmp), run in that order on the
 * output region of a job, so that a job equals FFmpeg's software filter
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
    int width, height;
    char chain[CHAIN_MAX];
};

/* Appends "," (after the first) and one filter's description. */
static void add(char *buf, size_t size, const char *fmt, double a, double b)
{
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
}

void sw_vf_destroy(struct sw_vf **vf)
{
    if (!*vf)
        return;
    avfilter_graph_free(&(*vf)->graph);
    free(*vf);
    *vf = NULL;
}

/* buffer -> chain -> buffersink, yuv420p in and out, no conversion
 * filter inserted and no threads. */
static int build_graph(struct sw_vf *vf)
{
    char args[128];
    snprintf(args, sizeof(args), "video_size=%dx%d:pix_fmt=%d:time_base=1/25:pixel_aspect=1/1",
             vf->width, vf->height, (int)AV_PIX_FMT_YUV420P);
    AVFilterGraph *g = vf->graph = avfilter_graph_alloc();
    if (!g)
        return AVERROR(ENOMEM);
    g->nb_threads = 1;
    avfilter_graph_set_auto_convert(g, AVFILTER_AUTO_CONVERT_NONE);
    int r = avfilter_graph_create_filter(&vf->src, avfilter_get_by_name("buffer"), "in", args,
                                         NULL, g);
    if (r >= 0)
        r = avfilter_graph_create_filter(&vf->sink, avfilter_get_by_name("buffersink"), "out",
                                         NULL, NULL, g);
    if (r < 0)
        return r;
    AVFilterInOut *outputs = avfilter_inout_alloc(), *inputs = avfilter_inout_alloc();
    if (!outputs || !inputs) {
        avfilter_inout_free(&outputs);
        avfilter_inout_free(&inputs);
        return AVERROR(ENOMEM);
    }
    outputs->name = av_strdup("in");
    outputs->filter_ctx = vf->src;
    inputs->name = av_strdup("out");
    inputs->filter_ctx = vf->sink;
    r = avfilter_graph_parse_ptr(g, vf->chain, &inputs, &outputs, NULL);
    avfilter_inout_free(&outputs);
    avfilter_inout_free(&inputs);
    if (r >= 0)
        r = avfilter_graph_config(g, NULL);
    return r;
}

/* The codec's graph for this chain and size: kept, or made anew. */
static int graph_for(struct sw_vf **vfp, const char *chain, int w, int h, struct vh_error *err)
{
    struct sw_vf *vf = *vfp;
    if (vf && vf->width == w && vf->height == h && !strcmp(vf->chain, chain))
        return VW_OK;
    sw_vf_destroy(vfp);
    vf = *vfp = calloc(1, sizeof(*vf));
    if (!vf)
        return vh_error_set(err, VW_ERR_NO_MEMORY, "sw: out of memory");
    vf->width = w;
    vf->height = h;
    snprintf(vf->chain, sizeof(vf->chain), "%s", chain);
    int r = build_graph(vf);
    if (r < 0) {
        sw_vf_destroy(vfp);
        return vh_error_set(err, VW_ERR_INTERNAL, "sw: libavfilter refused '%s': %s", chain,
                            av_err2str(r));
    }
    return VW_OK;
}

int sw_vf_apply(struct sw_vf **vfp, AVFrame *frame, const struct vh_rect *r,
                const struct vh_process *job, struct vh_error *err)
{
    char chain[CHAIN_MAX];
    chain_of(job, chain, sizeof(chain));
    if (!chain[0])
        return VW_OK;
    if (frame->format != AV_PIX_FMT_YUV420P)
        return vh_error_set(err, VW_ERR_INTERNAL, "sw: filters on a frame of format %d",
                            frame->format);
    int st = graph_for(vfp, chain, (int)r->width, (int)r->height, err);
    if (st != VW_OK)
        return st;
    struct sw_vf *vf = *vfp;
    AVFrame *in = av_frame_alloc(), *out = av_frame_alloc();
    if (!in || !out) {
        st = vh_error_set(err, VW_ERR_NO_MEMORY, "sw: out of memory");
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
    int rv = av_buffersrc_add_frame_flags(vf->src, in, AV_BUFFERSRC_FLAG_KEEP_REF);
    if (rv >= 0)
        rv = av_buffersink_get_frame(vf->sink, out);
    if (rv < 0 || out->width != in->width || out->height != in->height ||
        out->format != AV_PIX_FMT_YUV420P) {
        st = vh_error_set(err, VW_ERR_INTERNAL, "sw: libavfilter '%s' gave no picture: %s",
                          chain, av_err2str(rv < 0 ? rv : AVERROR_BUG));
        sw_vf_destroy(vfp); /* its state is unknown now */
        goto done;
    }
    uint8_t *dst[4] = {in->data[0], in->data[1], in->data[2], NULL};
    av_image_copy(dst, in->linesize, (const uint8_t **)out->data, out->linesize,
                  AV_PIX_FMT_YUV420P, in->width, in->height);
done:
    av_frame_free(&out);
    av_frame_free(&in);
    return st;
}
