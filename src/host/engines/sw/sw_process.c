/* Video processing on the CPU: one libswscale pass per job, from the source
 * region of the source surface's frame into the output region of a new
 * frame that becomes the output surface's, then the job's libavfilter
 * filters and turn (rotation, mirroring) on that region (sw_vf.c). The scaling quality picks
 * swscale's filter (docs/codecs.md, Video processing): a job gives what
 * FFmpeg's software `scale` filter gives with the same flags, sample for
 * sample. */
#include <stdlib.h>

#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>

#include "host/engines/sw/sw_internal.h"

struct sw_proc {
    struct sw_codec base;
    struct SwsContext *sws;       /* the last job's, reused while it fits */
    struct sw_vf *vf;             /* the filters' graph (sw_vf.c) */
};

/* enum vw_scaling -> swscale's filter. */
static int sws_flags_of(uint32_t scaling)
{
    switch (scaling) {
    case VW_SCALING_FAST:
        return SWS_FAST_BILINEAR;
    case VW_SCALING_HQ:
        return SWS_LANCZOS;
    default:
        return SWS_BICUBIC;
    }
}

/* The yuv format of the same layout as a yuvj one: the samples are taken
 * as they are, the range is the job's. */
static enum AVPixelFormat plain_yuv(enum AVPixelFormat f)
{
    switch (f) {
    case AV_PIX_FMT_YUVJ420P:
        return AV_PIX_FMT_YUV420P;
    case AV_PIX_FMT_YUVJ422P:
        return AV_PIX_FMT_YUV422P;
    case AV_PIX_FMT_YUVJ444P:
        return AV_PIX_FMT_YUV444P;
    default:
        return f;
    }
}

/* UNSPECIFIED is what the protocol says: BT.601 for pictures of fewer than
 * 720 lines, else BT.709. */
static int sws_colorspace(uint32_t standard, uint32_t lines)
{
    if (standard == VW_COLOR_UNSPECIFIED)
        standard = lines < 720 ? VW_COLOR_BT601 : VW_COLOR_BT709;
    switch (standard) {
    case VW_COLOR_BT601:
        return SWS_CS_ITU601;
    case VW_COLOR_BT2020:
        return SWS_CS_BT2020;
    default:
        return SWS_CS_ITU709;
    }
}

/* Pointers to the region (x, y) of a frame of format `f` (planar YUV or
 * packed RGB). */
static void region_planes(const AVFrame *frame, enum AVPixelFormat f, uint32_t x, uint32_t y,
                          uint8_t *planes[4])
{
    const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(f);
    for (unsigned c = 0; c < 4; c++) {
        if (!frame->data[c]) {
            planes[c] = NULL;
            continue;
        }
        /* Bytes a pixel of plane c: the step of a component in it (planar
         * YUV: 1 or 2; packed RGB: 4 in plane 0). */
        unsigned bytes = 1;
        for (unsigned k = 0; k < d->nb_components; k++)
            if (d->comp[k].plane == (int)c)
                bytes = (unsigned)d->comp[k].step;
        uint32_t px = c ? x >> d->log2_chroma_w : x, py = c ? y >> d->log2_chroma_h : y;
        planes[c] = frame->data[c] + (size_t)py * (size_t)frame->linesize[c] + (size_t)px * bytes;
    }
}

static void proc_destroy(struct vh_codec **codec)
{
    struct sw_proc *p = (struct sw_proc *)*codec;
    sws_freeContext(p->sws);
    sw_vf_destroy(&p->vf);
    free(p);
    *codec = NULL;
}

static int proc_decode(struct vh_codec *codec, const struct vh_picture *pic, struct vh_error *err)
{
    return vh_error_set(err, VW_ERR_STATE, "sw: a VIDEOPROC codec decodes nothing");
}

int sw_process_codec_create(struct vh_engine *engine, const struct vh_codec_desc *desc,
                            struct vh_codec **out, struct vh_error *err)
{
    struct sw_proc *p = calloc(1, sizeof(*p));
    if (!p)
        return vh_error_set(err, VW_ERR_NO_MEMORY, "sw: out of memory");
    p->base.base.engine = engine;
    p->base.destroy = proc_destroy;
    p->base.decode = proc_decode;
    *out = &p->base.base;
    return VW_OK;
}

/* The frame swscale writes: the output frame's region, or with a turn
 * (rotation, mirroring) a frame of its own of the turned size, which the
 * filters (sw_vf.c) then turn into the output region. */
static int scaled_frame(const struct vh_process *job, AVFrame *dst, AVFrame **mid,
                        struct vh_rect *mid_rect, struct vh_error *err)
{
    const struct vh_rect *o = &job->output_rect;
    if (!job->rotation && !job->mirror) {
        *mid = dst;
        *mid_rect = *o;
        return VW_OK;
    }
    bool swap = job->rotation & 1;
    *mid_rect = (struct vh_rect){0, 0, swap ? o->height : o->width, swap ? o->width : o->height};
    AVFrame *m = *mid = av_frame_alloc();
    if (!m)
        return vh_error_set(err, VW_ERR_NO_MEMORY, "sw: out of memory");
    m->format = dst->format;
    m->width = (int)mid_rect->width;
    m->height = (int)mid_rect->height;
    if (av_frame_get_buffer(m, 0) < 0) {
        av_frame_free(mid);
        return vh_error_set(err, VW_ERR_NO_MEMORY, "sw: out of memory");
    }
    return VW_OK;
}

static void free_frames(AVFrame **dst, AVFrame **mid)
{
    if (*mid != *dst)
        av_frame_free(mid);
    av_frame_free(dst);
}

uint32_t sw_process_outputs(struct vh_engine *engine)
{
    return VW_RT_RGB32;
}

uint32_t sw_process_formats(struct vh_engine *engine)
{
    return VW_RT_YUV420 | VW_RT_YUV420_10 | VW_RT_YUV422 | VW_RT_YUV422_10 | VW_RT_YUV444 |
           VW_RT_YUV444_10;
}

int sw_process(struct vh_codec *codec, const struct vh_process *job, struct vh_error *err)
{
    struct sw_proc *p = (struct sw_proc *)codec;
    const AVFrame *src;
    int st = sw_surface_source(job->source, &job->source_rect, &src, err);
    if (st != VW_OK)
        return st;
    /* Motion adaptive: the source region deinterlaced (sw_deint.c) is the
     * picture scaled. */
    AVFrame *deint = NULL;
    struct vh_rect whole_deint;
    const struct vh_rect *in = &job->source_rect, *o = &job->output_rect;
    if (job->deinterlace == VW_DEINTERLACE_MOTION_ADAPTIVE) {
        st = sw_deint_motion_adaptive(job, src, &deint, err);
        if (st != VW_OK)
            return st;
        src = deint;
        whole_deint = (struct vh_rect){0, 0, in->width, in->height};
        in = &whole_deint;
    }
    bool bob = job->deinterlace == VW_DEINTERLACE_BOB;
    bool whole = o->x == 0 && o->y == 0 && o->width == job->output->width &&
                 o->height == job->output->height;
    AVFrame *dst, *mid;
    struct vh_rect m;
    st = sw_surface_new_frame(job->output, !whole, &dst, err);
    if (st != VW_OK) {
        av_frame_free(&deint);
        return st;
    }
    st = scaled_frame(job, dst, &mid, &m, err);
    if (st != VW_OK) {
        av_frame_free(&dst);
        av_frame_free(&deint);
        return st;
    }
    enum AVPixelFormat sf = plain_yuv(src->format), df = dst->format;
    bool rgb = av_pix_fmt_desc_get(df)->flags & AV_PIX_FMT_FLAG_RGB;
    int flags = sws_flags_of(job->scaling);
    /* Bob: the field's lines are every other line of each plane (4:2:0
     * chroma lines alternate fields too), scaled as a picture of half the
     * height: what FFmpeg's `field` then `scale` filters do. */
    int in_h = bob ? (int)in->height / 2 : (int)in->height;
    p->sws = sws_getCachedContext(p->sws, (int)in->width, in_h, sf, (int)m.width,
                                  (int)m.height, df, flags, NULL, NULL, NULL);
    if (!p->sws) {
        free_frames(&dst, &mid);
        av_frame_free(&deint);
        return vh_error_set(err, VW_ERR_INTERNAL, "sw: libswscale refused %ux%u %s -> %ux%u %s",
                            in->width, in->height, av_get_pix_fmt_name(sf), m.width, m.height,
                            av_get_pix_fmt_name(df));
    }
    /* Ranges and matrices: swscale converts the range between YUV
     * formats; the matrix matters only where the range changes, or to RGB
     * (always full range): the source's matrix and range, what FFmpeg's
     * `scale` gives with in_color_matrix and in_range set to them. A yuvj
     * source read as its yuv format with the range set here equals
     * `scale`'s context on the yuvj format, scaled or not
     * (e2e_vpp_rgb_*_full_range_jpeg*). */
    int src_full = job->source_range == VW_RANGE_FULL, dst_full = job->output_range == VW_RANGE_FULL;
    if (src_full != dst_full || rgb) {
        const int *src_m =
            sws_getCoefficients(sws_colorspace(job->source_standard, job->source->height));
        const int *dst_m =
            sws_getCoefficients(sws_colorspace(job->output_standard, job->output->height));
        sws_setColorspaceDetails(p->sws, src_m, src_full, dst_m, dst_full, 0, 1 << 16, 1 << 16);
    } else {
        const int *cm = sws_getCoefficients(SWS_CS_DEFAULT);
        sws_setColorspaceDetails(p->sws, cm, 0, cm, 0, 0, 1 << 16, 1 << 16);
    }
    uint8_t *sp[4], *dp[4];
    int src_linesize[4];
    region_planes(src, sf, in->x, in->y, sp);
    region_planes(mid, df, m.x, m.y, dp);
    for (unsigned c = 0; c < 4; c++) {
        src_linesize[c] = bob ? 2 * src->linesize[c] : src->linesize[c];
        if (bob && sp[c] && job->field)
            sp[c] += src->linesize[c];
    }
    int h = sws_scale(p->sws, (const uint8_t *const *)sp, src_linesize, 0, in_h, dp,
                      mid->linesize);
    av_frame_free(&deint);
    if (h != (int)m.height) {
        free_frames(&dst, &mid);
        return vh_error_set(err, VW_ERR_INTERNAL, "sw: libswscale wrote %d of %u rows", h,
                            m.height);
    }
    st = sw_vf_apply(&p->vf, mid, &m, dst, o, job, err);
    if (st == VW_OK)
        st = sw_surface_set_frame(job->output, dst, NULL, err);
    free_frames(&dst, &mid);
    return st;
}
