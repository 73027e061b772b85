/*
 * One VA codec on NVIDIA's cuvid parser (the route engines.md calls
 * simplest), shared by every codec: the class (nvdec_h264.c, nvdec_hevc.c,
 * nvdec_vp9.c, nvdec_vp8.c, nvdec_mpeg2.c, nvdec_jpeg.c, nvdec_mpeg4.c)
 * builds each VA picture's packet, the same bytes the sw engine gives
 * libavcodec; it is fed to the parser as one packet flagged
 * CUVID_PKT_ENDOFPICTURE so that the parser decodes the picture before
 * cuvidParseVideoData returns. The parser manages the decoder's reference
 * slots itself; its decode callback tells which slot (CurrPicIdx) holds
 * this picture. That slot is mapped and copied device-to-device into the
 * target surface (pictures are captured in decode order, display delay 0).
 *
 * - H.264, MPEG-2: a second field is decoded into the first field's slot:
 *   copying the slot again after it gives the whole frame.
 * - Hidden frames (VP9 show_frame 0, VP8 alt-ref frames: the VP8 tag says
 *   show_frame 1 anyway) are decoded and copied like any other; the parser
 *   does not display them, which changes nothing here.
 * - A VP9 show_existing_frame frame decodes nothing: the parser displays
 *   the existing slot, which is then what the target gets (as on sw).
 * - A new size mid-stream (a VP9/VP8 key frame of another size, VP9
 *   reference scaling) comes as a new sequence: the decoder is
 *   reconfigured when the new size fits the size it was created for (it
 *   keeps its slots), else recreated, but only on a picture that refreshes
 *   every reference (class->may_recreate).
 *
 * Each codec maps and copies on its own non-blocking CUDA stream, so
 * sessions never wait for one another's copies (nvdec_internal.h).
 */
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "host/engines/nvdec/nvdec_internal.h"

/* Decode slots beyond the parser's minimum, as NVIDIA's samples and the
 * native reference: each picture is mapped, copied and unmapped before the
 * next one is parsed, so no slot is held longer. Fewer slots also make
 * cuvidCreateDecoder/cuvidDestroyDecoder cheaper. */
#define NVDEC_EXTRA_SURFACES 2

static struct nvdec_codec *to_codec(struct vh_codec *c)
{
    return (struct nvdec_codec *)c;
}

static uint32_t max_u32(uint32_t a, uint32_t b)
{
    return a > b ? a : b;
}

static uint32_t min_u32(uint32_t a, uint32_t b)
{
    return a < b ? a : b;
}

static uint64_t align_u64(uint64_t v, uint64_t a)
{
    return (v + a - 1) / a * a;
}

void nvdec_codec_max_size(uint32_t w, uint32_t h, uint32_t *max_w, uint32_t *max_h)
{
    *max_w = (uint32_t)align_u64(w, 16);
    *max_h = (uint32_t)align_u64(h, 32);
}

/* The estimate (an upper bound of what cuMemGetInfo showed on an H200,
 * bench/nvdec_gpu_mem, docs/performance.md): each surface is its pixels,
 * rows of a multiple of NVDEC_EST_PITCH bytes and a multiple of
 * NVDEC_EST_ROWS luma rows; each decode surface also has
 * NVDEC_EST_MB_BYTES per 16x16 block (motion vectors and the like: 4 MiB a
 * 1080p decode surface where its pixels are 3.2); and a decoder holds a
 * fixed amount whatever its size, by codec (a 128x128 VP9 decoder took
 * 55 MiB). */
#define NVDEC_EST_PITCH 512u
#define NVDEC_EST_ROWS 64u
#define NVDEC_EST_MB_BYTES 128u

static const uint64_t nvdec_est_fixed[NVDEC_KIND_COUNT] = {
    [NVDEC_KIND_H264] = 16ull << 20,
    [NVDEC_KIND_VP9] = 64ull << 20,
    [NVDEC_KIND_VP8] = 16ull << 20,
    [NVDEC_KIND_MPEG2] = 16ull << 20,
    [NVDEC_KIND_HEVC] = 24ull << 20,
    [NVDEC_KIND_JPEG] = 40ull << 20,
    [NVDEC_KIND_MPEG4] = 16ull << 20,         /* not measured: as MPEG-2 */
};

uint64_t nvdec_decoder_bytes(enum nvdec_kind kind, enum nvdec_output output, uint32_t max_w,
                             uint32_t max_h, unsigned surfaces)
{
    const struct nvdec_output_info *out = &nvdec_outputs[output];
    uint64_t bps = out->minus8 ? 2 : 1;
    uint64_t rows = align_u64(max_h, NVDEC_EST_ROWS);
    /* 4:2:0: half as many chroma rows (interleaved); 4:4:4: two planes. */
    uint64_t all_rows = out->chroma == cudaVideoChromaFormat_444 ? 3 * rows : rows + rows / 2;
    uint64_t pixels = align_u64((uint64_t)max_w * bps, NVDEC_EST_PITCH) * all_rows;
    uint64_t blocks = align_u64(max_w, 64) / 16 * (rows / 16);
    uint64_t total = surfaces * (pixels + blocks * NVDEC_EST_MB_BYTES) +
                     NVDEC_OUTPUT_SURFACES * pixels + nvdec_est_fixed[kind];
    return align_u64(total, 2ull << 20);
}

/* Inside cuvidParseVideoData (parse_enter). */
static int create_decoder(struct nvdec_codec *c, const CUVIDEOFORMAT *fmt, unsigned surfaces)
{
    struct nvdec_engine *e = c->e;
    /* VP9/VP8 streams may change size without a new VA context: leave room
     * for the context's size so that a later sequence up to it is a
     * reconfigure (which keeps the reference slots), not a new decoder. */
    uint32_t max_w = fmt->coded_width, max_h = fmt->coded_height;
    if (c->cls->reconfigure) {
        const struct nvdec_caps *caps = &e->caps[c->cls->kind][c->output];
        max_w = min_u32(max_u32(max_w, (c->desc_width + 15) & ~15u), caps->max_width);
        max_h = min_u32(max_u32(max_h, (c->desc_height + 15) & ~15u), caps->max_height);
        max_w = max_u32(max_w, fmt->coded_width);
        max_h = max_u32(max_h, fmt->coded_height);
    }
    /* The full coded picture, no cropping (as in the sw engine: surfaces are
     * read from the top-left of the coded picture; the class says how much
     * of it is the picture). The output is the surface format as it is
     * (P016: the 10 bits in the high bits of each 16-bit sample, low 6
     * zero, is P010). */
    const struct nvdec_output_info *out = &nvdec_outputs[c->output];
    c->info = (CUVIDDECODECREATEINFO){
        .ulWidth = fmt->coded_width,
        .ulHeight = fmt->coded_height,
        .ulNumDecodeSurfaces = surfaces,
        .CodecType = c->cls->cuvid_codec,
        .ChromaFormat = out->chroma,
        .ulCreationFlags = cudaVideoCreate_PreferCUVID,
        .bitDepthMinus8 = out->minus8,
        .ulIntraDecodeOnly = 0,
        .ulMaxWidth = max_w,
        .ulMaxHeight = max_h,
        .display_area = {.left = 0, .top = 0, .right = (short)fmt->coded_width,
                         .bottom = (short)fmt->coded_height},
        .OutputFormat = out->surface,
        /* Weave: an H.264 field pair maps as the frame it makes. */
        .DeinterlaceMode = cudaVideoDeinterlaceMode_Weave,
        .ulTargetWidth = fmt->coded_width,
        .ulTargetHeight = fmt->coded_height,
        .ulNumOutputSurfaces = 2,
        .vidLock = NULL,
    };
    /* Debug: what the decoder took on the device (cuMemGetInfo, exact when
     * nothing else allocates meanwhile) next to the estimate. */
    bool measure = vc_log_get_level() >= VC_LOG_DEBUG;
    uint64_t free0 = measure ? nvdec_mem_free(e) : 0;
    double t0 = nvdec_now_ms();
    int rc = e->dev->dec_create(c->dec, &c->info, &c->cb_err);
    vc_debug("nvdec: decoder %s %ux%u (max %ux%u), %u surfaces: %.2f ms",
             c->cls->name, fmt->coded_width, fmt->coded_height, max_w, max_h, surfaces,
             nvdec_now_ms() - t0);
    if (measure && rc == VW_OK) {
        uint64_t free1 = nvdec_mem_free(e);
        vc_debug("nvdec: decoder %s %s %ux%u, %u surfaces: %.2f MiB on the device "
                 "(cuMemGetInfo), estimate for these %.2f MiB, charged %.2f MiB",
                 c->cls->name, out->name, max_w, max_h, surfaces,
                 free0 >= free1 ? (double)(free0 - free1) / 1048576.0 : 0.0,
                 (double)nvdec_decoder_bytes(c->cls->kind, c->output, max_w, max_h, surfaces) /
                     1048576.0,
                 (double)c->gpu_bytes / 1048576.0);
    }
    if (rc) {
        c->have_decoder = false;
        c->cb_status = rc;
        return 0;
    }
    c->have_decoder = true;
    return (int)surfaces;
}

/* Inside cuvidParseVideoData. Returns true when the decoder now decodes
 * fmt's size. */
static bool reconfigure_decoder(struct nvdec_codec *c, const CUVIDEOFORMAT *fmt,
                                unsigned surfaces)
{
    struct nvdec_engine *e = c->e;
    if (!c->cls->reconfigure || fmt->coded_width > c->info.ulMaxWidth ||
        fmt->coded_height > c->info.ulMaxHeight || surfaces > c->info.ulNumDecodeSurfaces)
        return false;
    CUVIDRECONFIGUREDECODERINFO re = {
        .ulWidth = fmt->coded_width,
        .ulHeight = fmt->coded_height,
        .ulTargetWidth = fmt->coded_width,
        .ulTargetHeight = fmt->coded_height,
        .ulNumDecodeSurfaces = (unsigned)c->info.ulNumDecodeSurfaces,
        .display_area = {.left = 0, .top = 0, .right = (short)fmt->coded_width,
                         .bottom = (short)fmt->coded_height},
    };
    if (!e->dev->dec_reconfigure(c->dec, &re))
        return false;
    c->info.ulWidth = c->info.ulTargetWidth = fmt->coded_width;
    c->info.ulHeight = c->info.ulTargetHeight = fmt->coded_height;
    c->info.display_area.right = (short)fmt->coded_width;
    c->info.display_area.bottom = (short)fmt->coded_height;
    return true;
}

int nvdec_check_sequence(const struct nvdec_codec *c, const CUVIDEOFORMAT *fmt,
                         unsigned surfaces, struct vh_error *err)
{
    /* Nothing larger than the codec was created, and charged, for: the
     * stream's own headers (a VP9 frame header, an SPS) may say any size the
     * GPU decodes, whatever the VA context and the wire parameters said. */
    uint32_t lim_w, lim_h;
    nvdec_codec_max_size(c->desc_width, c->desc_height, &lim_w, &lim_h);
    if (fmt->coded_width > lim_w || fmt->coded_height > lim_h)
        return vh_error_set(err, VW_ERR_RESOLUTION,
                            "nvdec: %s stream of %ux%u in a codec created for %ux%u "
                            "(at most %ux%u coded)", c->cls->name, fmt->coded_width,
                            fmt->coded_height, c->desc_width, c->desc_height, lim_w, lim_h);
    if (surfaces > NVDEC_MAX_DECODE_SURFACES)
        return vh_error_set(err, VW_ERR_UNSUPPORTED_STREAM,
                            "nvdec: %s stream needs %u decode surfaces (at most %u)",
                            c->cls->name, surfaces, NVDEC_MAX_DECODE_SURFACES);
    /* The profile's output only (an 8-bit stream on a 10-bit profile is
     * refused; the targets are that output's format). */
    const struct nvdec_output_info *out = &nvdec_outputs[c->output];
    if (fmt->chroma_format != out->chroma || fmt->bit_depth_luma_minus8 != out->minus8 ||
        fmt->bit_depth_chroma_minus8 != out->minus8)
        return vh_error_set(err, VW_ERR_UNSUPPORTED_STREAM,
                            "nvdec: %s stream %u-bit (chroma %u-bit, chroma format %d): "
                            "only %u-bit, chroma format %d on this profile",
                            c->cls->name, 8u + fmt->bit_depth_luma_minus8,
                            8u + fmt->bit_depth_chroma_minus8, (int)fmt->chroma_format,
                            8u + out->minus8, (int)out->chroma);
    const struct nvdec_caps *caps = &c->e->caps[c->cls->kind][c->output];
    if (fmt->coded_width < caps->min_width || fmt->coded_height < caps->min_height ||
        fmt->coded_width > caps->max_width || fmt->coded_height > caps->max_height ||
        ((fmt->coded_width + 15) / 16) * ((fmt->coded_height + 15) / 16) > caps->max_mb_count)
        return vh_error_set(err, VW_ERR_RESOLUTION,
                            "nvdec: %s coded size %ux%u not supported by the GPU",
                            c->cls->name, fmt->coded_width, fmt->coded_height);
    return VW_OK;
}

static int CUDAAPI on_sequence(void *opaque, CUVIDEOFORMAT *parsed)
{
    struct nvdec_codec *c = opaque;
    CUVIDEOFORMAT aligned = *parsed, *fmt = &aligned;
    vc_debug("nvdec: %s sequence: coded %ux%u", c->cls->name, parsed->coded_width,
             parsed->coded_height);
    if (c->cls->coded_align) {
        uint32_t a = c->cls->coded_align;
        fmt->coded_width = (fmt->coded_width + a - 1) / a * a;
        fmt->coded_height = (fmt->coded_height + a - 1) / a * a;
    }
    struct nvdec_engine *e = c->e;
    unsigned surfaces = fmt->min_num_decode_surfaces + NVDEC_EXTRA_SURFACES;
    int st = nvdec_check_sequence(c, fmt, surfaces, &c->cb_err);
    if (st) {
        c->cb_status = st;
        return 0;
    }
    if (c->have_decoder && c->info.ulWidth == fmt->coded_width &&
        c->info.ulHeight == fmt->coded_height && c->info.ulNumDecodeSurfaces >= surfaces)
        return (int)c->info.ulNumDecodeSurfaces;
    if (c->have_decoder && reconfigure_decoder(c, fmt, surfaces))
        return (int)c->info.ulNumDecodeSurfaces;
    if (c->have_decoder) {
        /* A new decoder has empty slots: only where nothing is referenced. */
        if (c->pic && c->cls->may_recreate && !c->cls->may_recreate(c->pic)) {
            c->cb_status = vh_error_set(
                &c->cb_err, VW_ERR_UNSUPPORTED_STREAM,
                "nvdec: %s size change to %ux%u on a non-key picture beyond the "
                "decoder's %ux%u", c->cls->name, fmt->coded_width, fmt->coded_height,
                (unsigned)c->info.ulMaxWidth, (unsigned)c->info.ulMaxHeight);
            return 0;
        }
        e->dev->dec_destroy(c->dec);
        c->have_decoder = false;
    }
    return create_decoder(c, fmt, surfaces);
}

static int CUDAAPI on_decode(void *opaque, CUVIDPICPARAMS *pp)
{
    struct nvdec_codec *c = opaque;
    if (!c->have_decoder) {
        c->cb_status = vh_error_set(&c->cb_err, VW_ERR_DECODE,
                                    "nvdec: picture before any sequence");
        return 0;
    }
    /* The parser's width in macroblocks may leave out a partial last
     * column (MPEG-2 at 350 wide): the decoder's (aligned) size says. */
    if (c->cls->coded_align)
        pp->PicWidthInMbs = (int)(c->info.ulWidth / 16);
    int rc = c->e->dev->dec_decode(c->dec, pp, &c->cb_err);
    if (rc) {
        c->cb_status = rc;
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
    struct nvdec_codec *c = opaque;
    /* Captured at decode (see top); remembered for a picture that decodes
     * nothing (VP9 show_existing_frame). */
    if (info)
        c->disp_idx = info->picture_index;
    return 1;
}

int nvdec_codec_create(struct vh_engine *engine, const struct nvdec_codec_class *cls,
                       enum nvdec_output output, const struct vh_codec_desc *desc, struct vh_codec **out,
                       struct vh_error *err)
{
    struct nvdec_engine *e = nvdec_engine_get(engine);
    int rc = VW_ERR_NO_MEMORY;
    struct nvdec_codec *c = calloc(1, sizeof(*c));
    if (!c) {
        vh_error_set(err, rc, "nvdec: out of memory");
        goto err_alloc;
    }
    if (cls->priv_size) {
        c->priv = calloc(1, cls->priv_size);
        if (!c->priv) {
            vh_error_set(err, rc, "nvdec: out of memory");
            goto err_priv;
        }
    }
    c->base.engine = engine;
    c->cls = cls;
    c->e = e;
    c->output = output;
    c->profile = desc->profile;
    c->desc_width = desc->width;
    c->desc_height = desc->height;
    c->gpu_bytes = nvdec_codec_gpu_bytes(engine, desc);
    CUVIDPARSERPARAMS params = {
        .CodecType = cls->cuvid_codec,
        .ulMaxNumDecodeSurfaces = 1,          /* raised by on_sequence's return */
        .ulMaxDisplayDelay = 0,
        .pUserData = c,
        .pfnSequenceCallback = on_sequence,
        .pfnDecodePicture = on_decode,
        .pfnDisplayPicture = on_display,
    };
    rc = e->dev->parse_enter(e, err);
    if (rc)
        goto err_push;
    rc = e->dev->dec_open(e, &c->dec, err);
    if (rc)
        goto err_stream;
    double t1 = nvdec_now_ms();
    CUresult r = e->cv->cuvidCreateVideoParser(&c->parser, &params);
    if (r != CUDA_SUCCESS) {
        rc = nvdec_cu_error(e, r, VW_ERR_INTERNAL, "cuvidCreateVideoParser", err);
        goto err_parser;
    }
    e->dev->parse_leave(e);
    vc_debug("nvdec: cuvidCreateVideoParser %s %.2f ms", cls->name, nvdec_now_ms() - t1);
    *out = &c->base;
    return VW_OK;

err_parser:
    e->dev->dec_close(&c->dec, 0);
err_stream:
    e->dev->parse_leave(e);
err_push:
    free(c->priv);
err_priv:
    free(c);
err_alloc:
    return rc;
}

void nvdec_codec_destroy(struct vh_codec **codec)
{
    if (!codec || !*codec)
        return;
    struct nvdec_codec *c = to_codec(*codec);
    struct nvdec_engine *e = c->e;
    if (e->dev->parse_enter(e, NULL) == VW_OK) {
        double t0 = nvdec_now_ms();
        if (c->parser)
            e->cv->cuvidDestroyVideoParser(c->parser);
        vc_debug("nvdec: cuvidDestroyVideoParser %.2f ms", nvdec_now_ms() - t0);
        e->dev->parse_leave(e);
    }
    /* The decoder goes to the reaper (cuvidDestroyDecoder takes 20-400 ms). */
    e->dev->dec_close(&c->dec, c->gpu_bytes);
    if (c->priv && c->cls->priv_fini)
        c->cls->priv_fini(c->priv);
    free(c->priv);
    free(c->buf);
    free(c);
    *codec = NULL;
}

/* parse_enter held. Checks, maps and copies slot `idx` into the target. */
static int capture(struct nvdec_codec *c, int idx, const struct vh_picture *pic,
                   struct vh_error *err)
{
    /* The core checked that the target has the codec's format; a cheap
     * re-check keeps a core bug from a 16-bit copy into an 8-bit buffer. */
    if (pic->target->rt_format != nvdec_outputs[c->output].rt_format)
        return vh_error_set(err, VW_ERR_INTERNAL, "nvdec: target format 0x%08x for a %s "
                            "codec", pic->target->pixel_format, nvdec_outputs[c->output].name);
    uint32_t out_w = (uint32_t)c->info.ulTargetWidth, out_h = (uint32_t)c->info.ulTargetHeight;
    uint32_t w = out_w, h = out_h;
    if (c->cls->picture_size) {
        c->cls->picture_size(pic, &w, &h);
        w = min_u32(w, out_w);
        h = min_u32(h, out_h);
    }
    struct nvdec_capture cap = {
        .idx = idx,
        .field_pic = c->field_pic,
        .bottom_field = c->bottom_field,
        .second_field = c->second_field,
        .width = w,
        .height = h,
    };
    return c->e->dev->dec_capture(c->dec, &cap, pic->target, err);
}

static int reserve(struct nvdec_codec *c, size_t size, struct vh_error *err)
{
    if (size > UINT32_MAX)
        return vh_error_set(err, VW_ERR_DECODE, "nvdec: picture of %zu bytes too large", size);
    if (size <= c->cap)
        return VW_OK;
    size_t cap = size + size / 4;
    uint8_t *b = realloc(c->buf, cap);
    if (!b)
        return vh_error_set(err, VW_ERR_NO_MEMORY, "nvdec: out of memory for a %zu-byte "
                            "picture", size);
    c->buf = b;
    c->cap = cap;
    return VW_OK;
}

int nvdec_codec_decode(struct vh_codec *codec, const struct vh_picture *pic,
                       struct vh_error *err)
{
    struct nvdec_codec *c = to_codec(codec);
    struct nvdec_engine *e = c->e;
    if (!c->cls)
        return vh_error_set(err, VW_ERR_STATE, "nvdec: a VIDEOPROC codec decodes nothing");
    size_t size = 0;
    int rc = c->cls->packet_size(c, pic, &size, err);
    if (rc)
        return rc;
    rc = reserve(c, size, err);
    if (rc)
        return rc;
    c->cls->packet_write(c, pic, c->buf);

    rc = e->dev->parse_enter(e, err);
    if (rc)
        return rc;
    c->pic = pic;
    c->cur_idx = -1;
    c->disp_idx = -1;
    c->field_pic = c->bottom_field = c->second_field = false;
    c->cb_status = VW_OK;
    CUVIDSOURCEDATAPACKET pkt = {
        .flags = CUVID_PKT_ENDOFPICTURE,
        .payload_size = (unsigned long)size,
        .payload = c->buf,
    };
    CUresult r = e->cv->cuvidParseVideoData(c->parser, &pkt);
    if (c->cb_status) {
        rc = vh_error_set(err, c->cb_status, "%s", c->cb_err.message);
    } else if (r != CUDA_SUCCESS) {
        rc = nvdec_cu_error(e, r, VW_ERR_DECODE, "cuvidParseVideoData", err);
    } else if (c->cur_idx >= 0) {
        rc = capture(c, c->cur_idx, pic, err);
    } else if (c->cls->show_existing && c->disp_idx >= 0 && c->have_decoder) {
        rc = capture(c, c->disp_idx, pic, err);  /* shows an existing picture */
    } else {
        rc = vh_error_set(err, VW_ERR_DECODE, "nvdec: the parser decoded no %s picture",
                          c->cls->name);
    }
    c->pic = NULL;
    e->dev->parse_leave(e);
    return rc;
}
