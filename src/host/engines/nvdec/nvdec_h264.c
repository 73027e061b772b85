/*
 * H.264 on NVDEC through NVIDIA's cuvid parser (the route engines.md calls
 * simplest): each VA picture becomes the same Annex-B access unit the sw
 * engine builds (h264_annexb.h), fed to the parser as one packet flagged
 * CUVID_PKT_ENDOFPICTURE so that it decodes the picture before
 * cuvidParseVideoData returns. The parser manages the decoder's reference
 * slots itself; its decode callback tells which slot (CurrPicIdx) holds
 * this picture. That slot is mapped and copied device-to-device into the
 * target surface (pictures are captured in decode order, so the display
 * callback has nothing to do). A second field is decoded into the first
 * field's slot: copying the slot again after it gives the whole frame.
 *
 * Each codec maps and copies on its own non-blocking CUDA stream, so
 * sessions never wait for one another's copies (nvdec_internal.h).
 */
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "host/codecs/h264_annexb.h"
#include "host/engines/nvdec/nvdec_internal.h"

/* Decode slots beyond the parser's minimum, as NVIDIA's samples and the
 * native reference: each picture is mapped, copied and unmapped before the
 * next one is parsed, so no slot is held longer. Fewer slots also make
 * cuvidCreateDecoder/cuvidDestroyDecoder cheaper. */
#define NVDEC_EXTRA_SURFACES 2

struct nvdec_h264_codec {
    struct vh_codec base;
    struct nvdec_engine *e;
    CUvideoparser parser;
    CUstream stream;                          /* maps and copies; non-blocking */
    CUvideodecoder decoder;                   /* created by the sequence callback */
    CUVIDDECODECREATEINFO info;               /* of `decoder` */
    struct vh_h264_au_builder au;
    uint8_t *buf;                             /* access unit */
    size_t cap;

    /* Set by the callbacks during one cuvidParseVideoData call. */
    int cur_idx;                              /* CurrPicIdx decoded, -1: none */
    bool field_pic, bottom_field, second_field;
    int cb_status;                            /* VW_OK or the first error */
    struct vh_error cb_err;
};

static struct nvdec_h264_codec *to_codec(struct vh_codec *c)
{
    return (struct nvdec_h264_codec *)c;
}

static int CUDAAPI on_sequence(void *opaque, CUVIDEOFORMAT *fmt)
{
    struct nvdec_h264_codec *c = opaque;
    struct nvdec_engine *e = c->e;
    unsigned surfaces = fmt->min_num_decode_surfaces + NVDEC_EXTRA_SURFACES;
    if (fmt->chroma_format != cudaVideoChromaFormat_420 || fmt->bit_depth_luma_minus8 ||
        fmt->bit_depth_chroma_minus8) {
        c->cb_status = vh_error_set(&c->cb_err, VW_ERR_UNSUPPORTED_STREAM,
                                    "nvdec: only 8-bit 4:2:0 H.264 is supported");
        return 0;
    }
    if (fmt->coded_width < e->min_width || fmt->coded_height < e->min_height ||
        fmt->coded_width > e->max_width || fmt->coded_height > e->max_height ||
        (fmt->coded_width / 16) * (fmt->coded_height / 16) > e->max_mb_count) {
        c->cb_status = vh_error_set(&c->cb_err, VW_ERR_RESOLUTION,
                                    "nvdec: coded size %ux%u not supported by the GPU",
                                    fmt->coded_width, fmt->coded_height);
        return 0;
    }
    if (c->decoder && c->info.ulWidth == fmt->coded_width &&
        c->info.ulHeight == fmt->coded_height && c->info.ulNumDecodeSurfaces >= surfaces)
        return (int)c->info.ulNumDecodeSurfaces;
    if (c->decoder) {
        double t0 = nvdec_now_ms();
        e->cv->cuvidDestroyDecoder(c->decoder);
        c->decoder = NULL;
        vc_debug("nvdec: cuvidDestroyDecoder (new sequence) %.2f ms", nvdec_now_ms() - t0);
    }
    /* The full coded picture, no cropping (as in the sw engine: surfaces are
     * read from the top-left of the coded picture; our SPS has no crop). */
    c->info = (CUVIDDECODECREATEINFO){
        .ulWidth = fmt->coded_width,
        .ulHeight = fmt->coded_height,
        .ulNumDecodeSurfaces = surfaces,
        .CodecType = cudaVideoCodec_H264,
        .ChromaFormat = cudaVideoChromaFormat_420,
        .ulCreationFlags = cudaVideoCreate_PreferCUVID,
        .bitDepthMinus8 = 0,
        .ulIntraDecodeOnly = 0,
        .ulMaxWidth = fmt->coded_width,
        .ulMaxHeight = fmt->coded_height,
        .display_area = {.left = 0, .top = 0, .right = (short)fmt->coded_width,
                         .bottom = (short)fmt->coded_height},
        .OutputFormat = cudaVideoSurfaceFormat_NV12,
        /* Weave: a field pair maps as the frame it makes. */
        .DeinterlaceMode = cudaVideoDeinterlaceMode_Weave,
        .ulTargetWidth = fmt->coded_width,
        .ulTargetHeight = fmt->coded_height,
        .ulNumOutputSurfaces = 2,
        .vidLock = NULL,
    };
    double t0 = nvdec_now_ms();
    CUresult r = e->cv->cuvidCreateDecoder(&c->decoder, &c->info);
    vc_debug("nvdec: cuvidCreateDecoder %ux%u, %u surfaces: %.2f ms", fmt->coded_width,
             fmt->coded_height, surfaces, nvdec_now_ms() - t0);
    if (r != CUDA_SUCCESS) {
        c->decoder = NULL;
        c->cb_status = nvdec_cu_error(e, r, VW_ERR_INTERNAL, "cuvidCreateDecoder", &c->cb_err);
        return 0;
    }
    return (int)surfaces;
}

static int CUDAAPI on_decode(void *opaque, CUVIDPICPARAMS *pp)
{
    struct nvdec_h264_codec *c = opaque;
    if (!c->decoder) {
        c->cb_status = vh_error_set(&c->cb_err, VW_ERR_DECODE,
                                    "nvdec: picture before any sequence");
        return 0;
    }
    CUresult r = c->e->cv->cuvidDecodePicture(c->decoder, pp);
    if (r != CUDA_SUCCESS) {
        c->cb_status = nvdec_cu_error(c->e, r, VW_ERR_DECODE, "cuvidDecodePicture", &c->cb_err);
        return 0;
    }
    c->cur_idx = pp->CurrPicIdx;
    c->field_pic = pp->field_pic_flag;
    c->bottom_field = pp->bottom_field_flag;
    c->second_field = pp->second_field;
    return 1;
}

static int CUDAAPI on_display(void *opaque, CUVIDPARSERDISPINFO *info)
{
    return 1;                                 /* captured at decode (see top) */
}

int nvdec_h264_codec_create(struct vh_engine *engine, const struct vh_codec_desc *desc,
                            struct vh_codec **out, struct vh_error *err)
{
    struct nvdec_engine *e = nvdec_engine_get(engine);
    struct nvdec_h264_codec *c = calloc(1, sizeof(*c));
    if (!c)
        return vh_error_set(err, VW_ERR_NO_MEMORY, "nvdec: out of memory");
    c->base.engine = engine;
    c->e = e;
    CUVIDPARSERPARAMS params = {
        .CodecType = cudaVideoCodec_H264,
        .ulMaxNumDecodeSurfaces = 1,          /* raised by on_sequence's return */
        .ulMaxDisplayDelay = 0,
        .pUserData = c,
        .pfnSequenceCallback = on_sequence,
        .pfnDecodePicture = on_decode,
        .pfnDisplayPicture = on_display,
    };
    int rc = nvdec_push(e, "cuCtxPushCurrent", err);
    if (rc)
        goto err_push;
    /* From the pool: cuStreamCreate took up to 40 ms with sessions busy. */
    rc = nvdec_stream_get(e, &c->stream, err);
    if (rc)
        goto err_stream;
    double t1 = nvdec_now_ms();
    CUresult r = e->cv->cuvidCreateVideoParser(&c->parser, &params);
    if (r != CUDA_SUCCESS) {
        rc = nvdec_cu_error(e, r, VW_ERR_INTERNAL, "cuvidCreateVideoParser", err);
        goto err_parser;
    }
    nvdec_pop(e);
    vc_debug("nvdec: cuvidCreateVideoParser %.2f ms", nvdec_now_ms() - t1);
    *out = &c->base;
    return VW_OK;

err_parser:
    nvdec_stream_put(e, c->stream);
err_stream:
    nvdec_pop(e);
err_push:
    free(c);
    return rc;
}

void nvdec_h264_codec_destroy(struct vh_codec **codec)
{
    if (!codec || !*codec)
        return;
    struct nvdec_h264_codec *c = to_codec(*codec);
    struct nvdec_engine *e = c->e;
    if (nvdec_push(e, "cuCtxPushCurrent", NULL) == VW_OK) {
        double t0 = nvdec_now_ms();
        if (c->parser)
            e->cv->cuvidDestroyVideoParser(c->parser);
        vc_debug("nvdec: cuvidDestroyVideoParser %.2f ms", nvdec_now_ms() - t0);
        /* The stream is idle (every decode synchronized it before
         * returning): back to the pool. The decoder goes to the reaper
         * (cuvidDestroyDecoder takes 20-400 ms). */
        nvdec_stream_put(e, c->stream);
        if (c->decoder)
            nvdec_reap(e, c->decoder);
        nvdec_pop(e);
    }
    vh_h264_au_fini(&c->au);
    free(c->buf);
    free(c);
    *codec = NULL;
}

/* Context pushed. Checks, maps and copies slot c->cur_idx into the target. */
static int capture(struct nvdec_h264_codec *c, struct vh_surface *target, struct vh_error *err)
{
    struct nvdec_engine *e = c->e;
    CUVIDGETDECODESTATUS st = {0};
    CUresult r = e->cv->cuvidGetDecodeStatus(c->decoder, c->cur_idx, &st);
    /* Not every chip reports a status (CUDA_ERROR_NOT_SUPPORTED): then the
     * map below is the only check. */
    if (r == CUDA_SUCCESS && (st.decodeStatus == cuvidDecodeStatus_Error ||
                              st.decodeStatus == cuvidDecodeStatus_Error_Concealed))
        return vh_error_set(err, VW_ERR_DECODE, "nvdec: corrupt picture (decode status %d)",
                            (int)st.decodeStatus);

    CUVIDPROCPARAMS proc = {
        .output_stream = c->stream,
        .progressive_frame = !c->field_pic,
        .second_field = c->second_field,
        .top_field_first = c->field_pic ? (c->second_field ? c->bottom_field : !c->bottom_field)
                                        : 1,
    };
    CUdeviceptr frame = 0;
    unsigned int pitch = 0;
    r = e->cv->cuvidMapVideoFrame(c->decoder, c->cur_idx, &frame, &pitch, &proc);
    if (r != CUDA_SUCCESS)
        return nvdec_cu_error(e, r, VW_ERR_DECODE, "cuvidMapVideoFrame", err);
    uint32_t h = (uint32_t)c->info.ulTargetHeight;
    /* Copies on c->stream (after the map's post-processing on it) and
     * synchronizes it: the slot is free again at the unmap. */
    int rc = nvdec_surface_put_picture(e, target, c->stream, frame, pitch,
                                       (uint32_t)c->info.ulTargetWidth, h, (h + 1) & ~1u, err);
    if (rc)                                   /* it may have left before its synchronize */
        e->cu->cuStreamSynchronize(c->stream);
    r = e->cv->cuvidUnmapVideoFrame(c->decoder, frame);
    if (!rc && r != CUDA_SUCCESS)
        rc = nvdec_cu_error(e, r, VW_ERR_INTERNAL, "cuvidUnmapVideoFrame", err);
    return rc;
}

int nvdec_h264_decode(struct vh_codec *codec, const struct vh_picture *pic,
                      struct vh_error *err)
{
    struct nvdec_h264_codec *c = to_codec(codec);
    struct nvdec_engine *e = c->e;
    struct vh_h264_au_plan plan;
    int rc = vh_h264_au_plan(&c->au, pic, &plan, "nvdec", err);
    if (rc)
        return rc;
    if (plan.size > UINT32_MAX)
        return vh_error_set(err, VW_ERR_DECODE, "nvdec: picture of %llu bytes too large",
                            (unsigned long long)plan.size);
    if (plan.size > c->cap) {
        size_t cap = (size_t)plan.size + plan.size / 4;
        uint8_t *b = realloc(c->buf, cap);
        if (!b)
            return vh_error_set(err, VW_ERR_NO_MEMORY, "nvdec: out of memory for a %llu-byte "
                                "picture", (unsigned long long)plan.size);
        c->buf = b;
        c->cap = cap;
    }
    vh_h264_au_write(&c->au, pic, &plan, c->buf);

    rc = nvdec_push(e, "cuCtxPushCurrent", err);
    if (rc)
        return rc;
    c->cur_idx = -1;
    c->cb_status = VW_OK;
    CUVIDSOURCEDATAPACKET pkt = {
        .flags = CUVID_PKT_ENDOFPICTURE,
        .payload_size = (unsigned long)plan.size,
        .payload = c->buf,
    };
    CUresult r = e->cv->cuvidParseVideoData(c->parser, &pkt);
    if (c->cb_status) {
        rc = vh_error_set(err, c->cb_status, "%s", c->cb_err.message);
    } else if (r != CUDA_SUCCESS) {
        rc = nvdec_cu_error(e, r, VW_ERR_DECODE, "cuvidParseVideoData", err);
    } else if (c->cur_idx < 0) {
        rc = vh_error_set(err, VW_ERR_DECODE, "nvdec: the parser decoded no picture");
    } else {
        rc = capture(c, pic->target, err);
    }
    nvdec_pop(e);
    return rc;
}
