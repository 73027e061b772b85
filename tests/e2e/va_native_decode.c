/*
 * Decodes a clip through libavcodec's VA-API hwaccel into surfaces of the
 * driver's own format for the stream (NV12, P010, 422H, 444P, Y210),
 * reads every frame back with vaDeriveImage, and compares it sample for
 * sample with libavcodec's software decode of the same file.
 *
 * Unlike ffmpeg's hwdownload, nothing converts the pictures on the way
 * (FFmpeg 5.1's swscale cannot even write Y210): the frames context gets a
 * pool of surfaces made by this program in the format it asks for, and the
 * unpacking below follows VA's definitions of the formats (va.h), written
 * independently of vivac's format table. Y410 is in the table for other
 * clients; FFmpeg 5.1's HEVC decoder offers VA-API for no 4:4:4 stream
 * (tests/e2e/gst_decode_clip.sh covers those through GStreamer).
 *
 * Usage: va_native_decode CLIP. Prints "ok: N frames bit-exact (FOURCC)"
 * and exits 0, or says what differs and exits 1.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/hwcontext.h>
#include <libavutil/hwcontext_vaapi.h>
#include <libavutil/mem.h>
#include <libavutil/pixdesc.h>
#include <va/va.h>

#define POOL_SURFACES 32

struct native_format {
    enum AVPixelFormat sw;        /* libavcodec's software format of the stream */
    enum AVPixelFormat placeholder; /* a format FFmpeg 5.1 maps, same sampling */
    unsigned rt_format;
    uint32_t fourcc;
    const char *name;
};

static const struct native_format formats[] = {
    {AV_PIX_FMT_YUV420P, AV_PIX_FMT_NV12, VA_RT_FORMAT_YUV420, VA_FOURCC_NV12, "NV12"},
    {AV_PIX_FMT_YUV420P10LE, AV_PIX_FMT_P010, VA_RT_FORMAT_YUV420_10, VA_FOURCC_P010, "P010"},
    {AV_PIX_FMT_YUV422P, AV_PIX_FMT_YUV422P, VA_RT_FORMAT_YUV422, VA_FOURCC_422H, "422H"},
    {AV_PIX_FMT_YUV444P, AV_PIX_FMT_YUV444P, VA_RT_FORMAT_YUV444, VA_FOURCC_444P, "444P"},
    {AV_PIX_FMT_YUV422P10LE, AV_PIX_FMT_YUV422P, VA_RT_FORMAT_YUV422_10, VA_FOURCC_Y210,
     "Y210"},
    {AV_PIX_FMT_YUV444P10LE, AV_PIX_FMT_YUV444P, VA_RT_FORMAT_YUV444_10, VA_FOURCC_Y410,
     "Y410"},
    /* JPEG: full range, the same samples. */
    {AV_PIX_FMT_YUVJ420P, AV_PIX_FMT_NV12, VA_RT_FORMAT_YUV420, VA_FOURCC_NV12, "NV12"},
    {AV_PIX_FMT_YUVJ422P, AV_PIX_FMT_YUV422P, VA_RT_FORMAT_YUV422, VA_FOURCC_422H, "422H"},
    {AV_PIX_FMT_YUVJ444P, AV_PIX_FMT_YUV444P, VA_RT_FORMAT_YUV444, VA_FOURCC_444P, "444P"},
};

struct pool {
    VADisplay display;
    VASurfaceID ids[POOL_SURFACES];
    bool used[POOL_SURFACES];
};

static const struct native_format *fmt;
static struct pool pool;
static bool hw_used;

static void surface_release(void *opaque, uint8_t *data)
{
    VASurfaceID id = (VASurfaceID)(uintptr_t)data;
    for (int i = 0; i < POOL_SURFACES; i++)
        if (pool.ids[i] == id)
            pool.used[i] = false;
}

static AVBufferRef *surface_get(void *opaque, size_t size)
{
    for (int i = 0; i < POOL_SURFACES; i++) {
        if (pool.used[i])
            continue;
        pool.used[i] = true;
        return av_buffer_create((uint8_t *)(uintptr_t)pool.ids[i], sizeof(VASurfaceID),
                                surface_release, NULL, AV_BUFFER_FLAG_READONLY);
    }
    fprintf(stderr, "va_native_decode: all %d surfaces in use\n", POOL_SURFACES);
    return NULL;
}

/* Sets up a frames context on our own surfaces of the native format. */
static enum AVPixelFormat get_format(AVCodecContext *avctx, const enum AVPixelFormat *list)
{
    bool offered = false;
    for (const enum AVPixelFormat *p = list; *p != AV_PIX_FMT_NONE; p++)
        offered |= *p == AV_PIX_FMT_VAAPI;
    fmt = NULL;
    for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
        if (formats[i].sw == avctx->sw_pix_fmt)
            fmt = &formats[i];
    if (!offered || !fmt) {
        fprintf(stderr, "va_native_decode: no VA-API decoding for %s\n",
                av_get_pix_fmt_name(avctx->sw_pix_fmt));
        return AV_PIX_FMT_NONE;
    }
    AVHWDeviceContext *dev = (AVHWDeviceContext *)avctx->hw_device_ctx->data;
    pool.display = ((AVVAAPIDeviceContext *)dev->hwctx)->display;
    VASurfaceAttrib attr = {.type = VASurfaceAttribPixelFormat,
                            .flags = VA_SURFACE_ATTRIB_SETTABLE,
                            .value = {.type = VAGenericValueTypeInteger, .value.i = (int)fmt->fourcc}};
    int w = (avctx->coded_width + 1) & ~1, h = (avctx->coded_height + 1) & ~1;
    VAStatus st = vaCreateSurfaces(pool.display, fmt->rt_format, (unsigned)w, (unsigned)h,
                                   pool.ids, POOL_SURFACES, &attr, 1);
    if (st != VA_STATUS_SUCCESS) {
        fprintf(stderr, "va_native_decode: vaCreateSurfaces(%s %dx%d): %s\n", fmt->name, w, h,
                vaErrorStr(st));
        return AV_PIX_FMT_NONE;
    }
    AVBufferRef *ref = av_hwframe_ctx_alloc(avctx->hw_device_ctx);
    AVHWFramesContext *fc = (AVHWFramesContext *)ref->data;
    fc->format = AV_PIX_FMT_VAAPI;
    fc->sw_format = fmt->placeholder;
    fc->width = w;
    fc->height = h;
    fc->pool = av_buffer_pool_init2(sizeof(VASurfaceID), NULL, surface_get, NULL);
    AVVAAPIFramesContext *vfc = fc->hwctx;
    /* The frames context frees this list: its own copy. */
    vfc->surface_ids = av_memdup(pool.ids, sizeof(pool.ids));
    vfc->nb_surfaces = POOL_SURFACES;
    if (av_hwframe_ctx_init(ref) < 0) {
        fprintf(stderr, "va_native_decode: frames context refused\n");
        av_buffer_unref(&ref);
        return AV_PIX_FMT_NONE;
    }
    avctx->hw_frames_ctx = ref;
    return AV_PIX_FMT_VAAPI;
}

static uint32_t rd16(const uint8_t *p)
{
    return (uint32_t)(p[0] | (p[1] << 8));
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
           ((uint32_t)p[3] << 24);
}

/* Sample (x, y) of component c (0 Y, 1 Cb, 2 Cr; chroma coordinates for
 * chroma) of a mapped VA image, per va.h's description of each FOURCC. */
static uint32_t va_sample(const VAImage *img, const uint8_t *base, int c, int x, int y)
{
    const uint8_t *p0 = base + img->offsets[0] + (size_t)y * img->pitches[0];
    const uint8_t *p1 = base + img->offsets[1] + (size_t)y * img->pitches[1];
    const uint8_t *p2 = base + img->offsets[2] + (size_t)y * img->pitches[2];
    switch (img->format.fourcc) {
    case VA_FOURCC_NV12:
        return c == 0 ? p0[x] : p1[2 * x + (c - 1)];
    case VA_FOURCC_P010:
        return (c == 0 ? rd16(p0 + 2 * x) : rd16(p1 + 4 * x + 2 * (c - 1))) >> 6;
    case VA_FOURCC_422H:
    case VA_FOURCC_444P:
        return c == 0 ? p0[x] : c == 1 ? p1[x] : p2[x];
    case VA_FOURCC_Y210: /* Y0 U Y1 V, 16 bits each, 10 bits at the top */
        return (c == 0 ? rd16(p0 + 4 * x) : rd16(p0 + 8 * x + (c == 1 ? 2 : 6))) >> 6;
    case VA_FOURCC_Y410: /* U 0-9, Y 10-19, V 20-29, A 30-31 */
        return (rd32(p0 + 4 * x) >> (c == 0 ? 10 : c == 1 ? 0 : 20)) & 0x3ff;
    default:
        return UINT32_MAX;
    }
}

/* Number of differing samples between the VA surface and the software frame. */
static long compare(VASurfaceID surface, const AVFrame *ref)
{
    VAImage img;
    void *map = NULL;
    if (vaSyncSurface(pool.display, surface) != VA_STATUS_SUCCESS ||
        vaDeriveImage(pool.display, surface, &img) != VA_STATUS_SUCCESS)
        return -1;
    long bad = -1;
    if (img.format.fourcc != fmt->fourcc) {
        fprintf(stderr, "va_native_decode: derived image is 0x%08x, not %s\n",
                img.format.fourcc, fmt->name);
    } else if (vaMapBuffer(pool.display, img.buf, &map) == VA_STATUS_SUCCESS) {
        const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(ref->format);
        bool wide = d->comp[0].depth > 8;
        bad = 0;
        for (int c = 0; c < 3; c++) {
            int sx = c ? d->log2_chroma_w : 0, sy = c ? d->log2_chroma_h : 0;
            int cw = AV_CEIL_RSHIFT(ref->width, sx), ch = AV_CEIL_RSHIFT(ref->height, sy);
            for (int y = 0; y < ch; y++) {
                const uint8_t *row = ref->data[c] + (size_t)y * ref->linesize[c];
                for (int x = 0; x < cw; x++) {
                    uint32_t want = wide ? rd16(row + 2 * x) : row[x];
                    bad += va_sample(&img, map, c, x, y) != want;
                }
            }
        }
        vaUnmapBuffer(pool.display, img.buf);
    }
    vaDestroyImage(pool.display, img.image_id);
    return bad;
}

static int open_decoder(AVFormatContext *in, int stream, bool hw, AVCodecContext **out)
{
    const AVCodec *codec = avcodec_find_decoder(in->streams[stream]->codecpar->codec_id);
    AVCodecContext *ctx = avcodec_alloc_context3(codec);
    if (!ctx || avcodec_parameters_to_context(ctx, in->streams[stream]->codecpar) < 0)
        return -1;
    ctx->thread_count = 1;
    if (hw) {
        /* As the e2e tests' ffmpeg: the X11 display (Xvfb in CI, no DRM node). */
        AVDictionary *opts = NULL;
        av_dict_set(&opts, "connection_type", "x11", 0);
        int r = av_hwdevice_ctx_create(&ctx->hw_device_ctx, AV_HWDEVICE_TYPE_VAAPI, NULL, opts, 0);
        av_dict_free(&opts);
        if (r < 0) {
            fprintf(stderr, "va_native_decode: no VA-API device\n");
            return -1;
        }
        ctx->get_format = get_format;
    }
    *out = ctx;
    return avcodec_open2(ctx, codec, NULL);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: va_native_decode CLIP\n");
        return 2;
    }
    AVFormatContext *in = NULL;
    if (avformat_open_input(&in, argv[1], NULL, NULL) < 0 ||
        avformat_find_stream_info(in, NULL) < 0) {
        fprintf(stderr, "va_native_decode: cannot read %s\n", argv[1]);
        return 1;
    }
    int stream = av_find_best_stream(in, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
    AVCodecContext *hw = NULL, *sw = NULL;
    if (stream < 0 || open_decoder(in, stream, true, &hw) < 0 ||
        open_decoder(in, stream, false, &sw) < 0) {
        fprintf(stderr, "va_native_decode: cannot open the decoders\n");
        return 1;
    }
    AVPacket *pkt = av_packet_alloc();
    AVFrame *hf = av_frame_alloc(), *sf = av_frame_alloc();
    long frames = 0, failed = 0;
    bool eof = false;
    while (!eof) {
        int r = av_read_frame(in, pkt);
        eof = r < 0;
        if (!eof && pkt->stream_index != stream) {
            av_packet_unref(pkt);
            continue;
        }
        if (avcodec_send_packet(hw, eof ? NULL : pkt) < 0 ||
            avcodec_send_packet(sw, eof ? NULL : pkt) < 0) {
            fprintf(stderr, "va_native_decode: decoding failed at frame %ld\n", frames);
            return 1;
        }
        av_packet_unref(pkt);
        /* Both decoders output in the same order; pair them up. */
        while (avcodec_receive_frame(hw, hf) >= 0) {
            if (avcodec_receive_frame(sw, sf) < 0) {
                fprintf(stderr, "va_native_decode: more frames through VA than in software\n");
                return 1;
            }
            if (hf->format != AV_PIX_FMT_VAAPI) {
                fprintf(stderr, "va_native_decode: frame %ld was not decoded by VA-API\n",
                        frames);
                return 1;
            }
            hw_used = true;
            long bad = compare((VASurfaceID)(uintptr_t)hf->data[3], sf);
            if (bad != 0) {
                fprintf(stderr, "va_native_decode: frame %ld: %ld samples differ%s\n", frames,
                        bad, bad < 0 ? " (reading the surface failed)" : "");
                failed++;
            }
            frames++;
            av_frame_unref(hf);
            av_frame_unref(sf);
        }
    }
    if (avcodec_receive_frame(sw, sf) >= 0) {
        fprintf(stderr, "va_native_decode: fewer frames through VA than in software\n");
        return 1;
    }
    const char *name = fmt ? fmt->name : "?";
    avcodec_free_context(&hw);
    avcodec_free_context(&sw);
    avformat_close_input(&in);
    av_packet_free(&pkt);
    av_frame_free(&hf);
    av_frame_free(&sf);
    if (!hw_used || frames == 0 || failed) {
        printf("FAIL: %ld of %ld frames differ (%s)\n", failed, frames, name);
        return 1;
    }
    printf("ok: %ld frames bit-exact (%s surfaces)\n", frames, name);
    return 0;
}
