/* Motion-adaptive deinterlacing on the CPU (protocol 1.7): libavfilter's
 * bwdif on the source region of the job's previous, current and next
 * pictures (its references; the source stands in for one not given), the
 * job's field kept and the other interpolated. Stateless: each job builds
 * its graph and feeds it the three pictures, so a job's picture is what
 * FFmpeg's `bwdif=mode=send_field:parity=P:deint=all` gives for that
 * picture of a stream with those neighbours, whatever the client did
 * before (docs/codecs.md, Video processing). */
#include <stdio.h>

#include <libavfilter/buffersink.h>
#include <libavfilter/buffersrc.h>
#include <libavutil/pixdesc.h>

#include "host/engines/sw/sw_internal.h"

/* bwdif keeps each picture until the next arrives and filters the first
 * one of a stream by itself (no neighbours) before it filters any other
 * normally. The graph is fed the past picture twice (pts 0 and 1), the
 * source (2) and the future picture (3), its timeline off at pts 2 only:
 * the pass over the past picture ends that first-picture state, the
 * source's arrival passes the past picture through unfiltered, and the
 * future picture's brings the source's fields out (pts 4 and 5 at the
 * field rate). send_frame when only the first field is wanted: no second
 * field of the past picture to filter on the way. */
#define GRAPH_FMT "bwdif=mode=%s:parity=%s:deint=all:enable=not(eq(t\\,2))"

struct deint_graph {
    AVFilterGraph *graph;
    AVFilterContext *src, *sink;
};

static int build(struct deint_graph *d, int w, int h, int format, bool bottom_first,
                 bool second)
{
    char chain[96];
    snprintf(chain, sizeof(chain), GRAPH_FMT, second ? "send_field" : "send_frame",
             bottom_first ? "bff" : "tff");
    return sw_vf_graph_create(chain, w, h, format, 1, &d->graph, &d->src, &d->sink);
}

/* The yuv format of the same layout as a yuvj one (the range is the
 * job's, not the filter's). */
static enum AVPixelFormat plain(enum AVPixelFormat f)
{
    return f == AV_PIX_FMT_YUVJ420P ? AV_PIX_FMT_YUV420P : f;
}

/* f: the region r of frame (planar 4:2:0), a new reference to its buffers
 * cropped (no copy), or where it has none its planes borrowed (buffersrc
 * then copies them). */
static int region_of(AVFrame *f, const AVFrame *frame, const struct vh_rect *r, int64_t pts,
                     bool bottom_first)
{
    if (frame->buf[0]) {
        int rv = av_frame_ref(f, frame);
        if (rv < 0)
            return rv;
        f->crop_left = r->x;
        f->crop_top = r->y;
        f->crop_right = (size_t)frame->width - r->x - r->width;
        f->crop_bottom = (size_t)frame->height - r->y - r->height;
        rv = av_frame_apply_cropping(f, AV_FRAME_CROP_UNALIGNED);
        if (rv < 0)
            return rv;
    } else {
        const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(frame->format);
        unsigned bytes = (unsigned)d->comp[0].step;
        f->width = (int)r->width;
        f->height = (int)r->height;
        for (unsigned c = 0; c < 3; c++) {
            uint32_t x = c ? r->x >> d->log2_chroma_w : r->x;
            uint32_t y = c ? r->y >> d->log2_chroma_h : r->y;
            f->data[c] =
                frame->data[c] + (size_t)y * (size_t)frame->linesize[c] + (size_t)x * bytes;
            f->linesize[c] = frame->linesize[c];
        }
    }
    f->format = plain(frame->format);
    f->pts = pts;
    f->interlaced_frame = 1;
    f->top_field_first = !bottom_first;
    return 0;
}

/* The frame of `surface` (the source's when NULL) covering rect, in the
 * source's format. */
static int picture_of(struct vh_surface *surface, const AVFrame *src, const struct vh_rect *rect,
                      const AVFrame **out, struct vh_error *err)
{
    if (!surface) {
        *out = src;
        return VW_OK;
    }
    int st = sw_surface_source(surface, rect, out, err);
    if (st != VW_OK)
        return st;
    if (plain((*out)->format) != plain(src->format))
        return vh_error_set(err, VW_ERR_UNSUPPORTED_FORMAT,
                            "sw: reference surface %u holds %s, the source %s", surface->id,
                            av_get_pix_fmt_name((*out)->format),
                            av_get_pix_fmt_name(src->format));
    return VW_OK;
}

int sw_deint_motion_adaptive(const struct vh_process *job, const AVFrame *src, AVFrame **out,
                             struct vh_error *err)
{
    const struct vh_rect *r = &job->source_rect;
    const AVFrame *pics[3] = {NULL, src, NULL};
    int st = picture_of(job->past, src, r, &pics[0], err);
    if (st == VW_OK)
        st = picture_of(job->future, src, r, &pics[2], err);
    if (st != VW_OK)
        return st;
    /* sw_surface_source may have replaced the source's frame when the
     * source is a reference too: read it again. */
    if (job->past == job->source || job->future == job->source) {
        st = sw_surface_source(job->source, r, &pics[1], err);
        if (st != VW_OK)
            return st;
        pics[0] = job->past == job->source ? pics[1] : pics[0];
        pics[2] = job->future == job->source ? pics[1] : pics[2];
    }
    /* The first field of the source in time is its top one unless the
     * bottom comes first; the job shows that one or the other. */
    bool second = job->field != (job->bottom_first ? 1u : 0u);
    struct deint_graph d = {0};
    AVFrame *in = av_frame_alloc(), *got = av_frame_alloc();
    int rv = in && got ? build(&d, (int)r->width, (int)r->height, plain(src->format),
                               job->bottom_first, second)
                       : AVERROR(ENOMEM);
    static const unsigned feed[4] = {0, 0, 1, 2}; /* pics[] pushed, pts 0..3 */
    for (int64_t i = 0; i < 4 && rv >= 0; i++) {
        av_frame_unref(in);
        rv = region_of(in, pics[feed[i]], r, i, job->bottom_first);
        if (rv >= 0)
            rv = av_buffersrc_add_frame_flags(d.src, in, AV_BUFFERSRC_FLAG_KEEP_REF);
    }
    /* Out come the past picture's pass (and passing through), then the
     * source's first field, then (asked for) its second. */
    int64_t want = 4 + second;
    for (int n = 0; rv >= 0; n++) {
        av_frame_unref(got);
        rv = av_buffersink_get_frame(d.sink, got);
        if (rv >= 0 && got->pts == want)
            break;
        if (rv >= 0 && (got->pts > want || n >= 6))
            rv = AVERROR_BUG;
    }
    if (rv < 0 || got->width != (int)r->width || got->height != (int)r->height) {
        st = vh_error_set(err, rv == AVERROR(ENOMEM) ? VW_ERR_NO_MEMORY : VW_ERR_INTERNAL,
                          "sw: libavfilter's bwdif gave no picture: %s",
                          av_err2str(rv < 0 ? rv : AVERROR_BUG));
        av_frame_free(&got);
    }
    *out = got;
    av_frame_free(&in);
    avfilter_graph_free(&d.graph);
    return st;
}
