/*
 * Software engine internals.  A surface's pixels are an AVFrame reference:
 * decoding makes the target surface share the picture libavcodec decoded
 * (no copy); the only pixel copies are GET_IMAGE (to the surface's FOURCC
 * layout) and PUT_IMAGE (which first gives the surface a private frame if
 * it shares one).
 */
#ifndef VIVAC_SW_INTERNAL_H
#define VIVAC_SW_INTERNAL_H

#include <stdbool.h>

#include <libavcodec/codec_id.h>
#include <libavutil/frame.h>

#include "host/engine.h"

struct vc_pixel_format;

/* vh_surface.engine_data. frame->buf[0] == NULL: never written (reads as
 * black). Otherwise a planar YUV frame of the format's chroma subsampling
 * and at most its depth, at least as large as the surface, or smaller if a
 * decoded stream is smaller than the surface (the rest reads as black).
 * Only the surface's session thread touches it. */
struct sw_surface {
    AVFrame *frame;
    const struct vc_pixel_format *format;     /* the surface's FOURCC */
};

static inline struct sw_surface *sw_surface_get(struct vh_surface *s)
{
    return s->engine_data;
}

/* sw_decoder.c: a libavcodec decoder as every sw codec uses it: one thread
 * (frame threads would finish pictures after send_packet returns), errors
 * reported rather than concealed, pictures allocated through `get_buffer`
 * so that the codec captures them in decode order. `drain` receives the
 * output frames, which are dropped; `pic` is the codec's captured picture. */
struct AVCodecContext;
struct AVPacket;
struct sw_decoder {
    struct AVCodecContext *avctx;
    struct AVPacket *pkt;
    AVFrame *drain;
    AVFrame *pic;
};

/* 0 or a negative AVERROR; on failure everything is released. `desc` is
 * the codec's declared size: libavcodec refuses to allocate pictures of
 * more pixels (max_pixels, sw_max_pixels), whatever the bitstream says. */
int sw_decoder_open(struct sw_decoder *d, enum AVCodecID id, int flags,
                    const struct vh_codec_desc *desc, void *opaque,
                    int (*get_buffer)(struct AVCodecContext *, AVFrame *, int));
/* Accepts a closed or partly opened decoder. */
void sw_decoder_close(struct sw_decoder *d);

/* sw_engine.c: the largest width and height of any profile's pictures (a
 * surface is tied to no profile). */
void sw_max_size(uint32_t *width, uint32_t *height);

/* sw_surface.c */
int sw_surface_init(struct vh_engine *engine, struct vh_surface *surface,
                    struct vh_error *err);
void sw_surface_fini(struct vh_engine *engine, struct vh_surface *surface);
int sw_surface_read(struct vh_engine *engine, struct vh_surface *surface,
                    const struct vh_rect *rect, const struct vw_image_layout *layout,
                    uint8_t *dst, struct vh_error *err);
int sw_surface_write(struct vh_engine *engine, struct vh_surface *surface,
                     const struct vh_rect *src, uint32_t dst_x, uint32_t dst_y,
                     const struct vw_image_layout *layout, const uint8_t *data,
                     struct vh_error *err);
/* sw_shape.c: what a decoded picture must be, from its parameters: the size
 * libavcodec allocates for it (H.264: whole macroblocks) and its format. */
struct sw_shape {
    uint32_t width, height;
    uint8_t depth;
    uint8_t log2_chroma_w, log2_chroma_h;
};
void sw_picture_shape(const struct vh_picture *pic, struct sw_shape *shape);
#define SW_SHAPE_STRING_MAX 40
/* "64x64 4:2:0 8-bit", in buf. */
const char *sw_shape_string(const struct sw_shape *shape, char buf[SW_SHAPE_STRING_MAX]);
/* libavcodec's max_pixels for a decoder of codec `id` declared width x
 * height: every picture the front door lets through passes libavcodec's own
 * checks, no larger one does. */
int64_t sw_max_pixels(enum AVCodecID id, uint32_t width, uint32_t height);

/* Makes the surface hold a new reference to `frame`'s pixels, if the frame
 * is exactly `shape` (size and format; VW_ERR_DECODE naming both if not)
 * and the surface can hold it. shape NULL: any frame the surface can hold
 * (tests). */
int sw_surface_set_frame(struct vh_surface *surface, const AVFrame *frame,
                         const struct sw_shape *shape, struct vh_error *err);

/* sw_surface.c, for processing: the surface's frame, made private (black
 * where never written) if it does not cover `rect`; the frame is planar
 * YUV the surface can hold (yuvj formats included). */
int sw_surface_source(struct vh_surface *surface, const struct vh_rect *rect,
                      const AVFrame **out, struct vh_error *err);
/* A new frame of the surface's size in its native planar format (yuv420p
 * for NV12, yuv420p10le for P010...), black if asked. */
int sw_surface_new_frame(struct vh_surface *surface, bool black, AVFrame **out,
                         struct vh_error *err);

/* sw_process.c: the VIDEOPROC codec and its jobs (libswscale). */
int sw_process_codec_create(struct vh_engine *engine, const struct vh_codec_desc *desc,
                            struct vh_codec **out, struct vh_error *err);
int sw_process(struct vh_codec *codec, const struct vh_process *job, struct vh_error *err);
/* vh_engine_ops.process_outputs: RGB32. */
uint32_t sw_process_outputs(struct vh_engine *engine);
/* vh_engine_ops.process_formats: every YUV format (4:2:0, 4:2:2, 4:4:4;
 * 8 and 10 bits). */
uint32_t sw_process_formats(struct vh_engine *engine);

/* sw_deint.c: the job's source region deinterlaced motion-adaptively
 * (bwdif, from the job's past and future references) into a new frame of
 * the region's size in the source's planar format (*out; the caller
 * frees it). `src` is the source's frame covering the region. */
int sw_deint_motion_adaptive(const struct vh_process *job, const AVFrame *src, AVFrame **out,
                             struct vh_error *err);

/* sw_vf.c: the job's libavfilter filters (denoise, sharpening, ProcAmp)
 * and turn (rotation, mirroring) from the region in_rect of a 4:2:0 planar
 * frame into the region out_rect of another (the same frame and region
 * when the job has no turn, out_rect's size turned otherwise); nothing
 * when the job has none of them. *vf: the codec's graph (NULL at first),
 * kept while the chain, size and format stay; sw_vf_destroy frees it
 * (accepts NULL / *NULL). */
struct sw_vf;
int sw_vf_apply(struct sw_vf **vf, AVFrame *in_frame, const struct vh_rect *in_rect,
                AVFrame *out_frame, const struct vh_rect *out_rect, const struct vh_process *job,
                struct vh_error *err);
void sw_vf_destroy(struct sw_vf **vf);
/* buffer (frames of width x height in `format`, time base 1/time_base_den)
 * -> chain -> buffersink, no conversion filter inserted (a filter without
 * the format fails the graph) and no threads; the caller frees *graph
 * (set even on failure). A negative AVERROR on failure. */
struct AVFilterGraph;
struct AVFilterContext;
int sw_vf_graph_create(const char *chain, int width, int height, int format, int time_base_den,
                       struct AVFilterGraph **graph, struct AVFilterContext **src,
                       struct AVFilterContext **sink);

/* Base of every sw codec instance: the codec's own destroy/decode. */
struct sw_codec {
    struct vh_codec base;
    void (*destroy)(struct vh_codec **codec);
    int (*decode)(struct vh_codec *codec, const struct vh_picture *pic, struct vh_error *err);
};

/* sw_h264.c: the H.264 codec (desc already checked against the caps). */
int sw_h264_codec_create(struct vh_engine *engine, const struct vh_codec_desc *desc,
                         struct vh_codec **out, struct vh_error *err);
void sw_h264_codec_destroy(struct vh_codec **codec);
int sw_h264_decode(struct vh_codec *codec, const struct vh_picture *pic,
                   struct vh_error *err);

/* sw_hevc.c: the HEVC codec. */
int sw_hevc_codec_create(struct vh_engine *engine, const struct vh_codec_desc *desc,
                         struct vh_codec **out, struct vh_error *err);

/* sw_av1.c (libdav1d) or sw_av1_none.c (built without it): the AV1 codec;
 * whether the engine offers it. */
int sw_av1_codec_create(struct vh_engine *engine, const struct vh_codec_desc *desc,
                        struct vh_codec **out, struct vh_error *err);
bool sw_av1_available(void);
/* sw_av1.c: dav1d's settings as the codec uses them (one thread, no frame
 * delay, hidden frames output, film grain not applied, no logging). */
struct Dav1dSettings;
void sw_av1_settings(struct Dav1dSettings *s);

/* sw_frame.c: codecs whose VA picture becomes one libavcodec packet that
 * decodes into one picture (VP9, VP8, MPEG-2). A codec supplies how big the
 * packet is and how to write it. */
struct sw_frame_class {
    const char *name;
    enum AVCodecID codec_id;
    int flags;                                /* AVCodecContext.flags to add */
    /* Bytes of per-codec state the class keeps between pictures (zeroed at
     * creation); 0: none, `state` is NULL. */
    size_t state_size;
    /* Packet size for `pic`, or an error (status, err set). */
    int (*packet_size)(const struct vh_picture *pic, const void *state, size_t *size,
                       struct vh_error *err);
    /* Writes exactly the size returned above and updates the state. */
    void (*packet_write)(const struct vh_picture *pic, void *state, uint8_t *out);
    /* Optional: the picture completes the one decoded just before into the
     * same surface (MPEG-2's second field), so it allocates nothing. */
    bool (*second_field)(const struct vh_picture *pic);
};
int sw_frame_codec_create(struct vh_engine *engine, const struct vh_codec_desc *desc,
                          const struct sw_frame_class *cls, struct vh_codec **out,
                          struct vh_error *err);

extern const struct sw_frame_class sw_vp9_class;
extern const struct sw_frame_class sw_vp8_class;
extern const struct sw_frame_class sw_mpeg2_class;
extern const struct sw_frame_class sw_mpeg4_class;
extern const struct sw_frame_class sw_jpeg_class;

#endif
