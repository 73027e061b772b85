/* Checks of a worker's decoder requests (nvdec_gpu_check.h). */
#include "host/engines/nvdec/nvdec_gpu_check.h"

#include <string.h>

#include "host/codecs/h264_param_sets.h"

static uint32_t align_u32(uint32_t v, uint32_t a)
{
    return (v + a - 1) / a * a;
}

static int find_kind(uint32_t codec_type)
{
    for (int k = 0; k < NVDEC_KIND_COUNT; k++)
        if ((uint32_t)nvdec_classes[k]->cuvid_codec == codec_type)
            return k;
    return -1;
}

static int find_output(uint32_t chroma, uint32_t minus8, uint32_t surface)
{
    for (int o = 0; o < NVDEC_OUT_COUNT; o++)
        if ((uint32_t)nvdec_outputs[o].chroma == chroma && nvdec_outputs[o].minus8 == minus8 &&
            (uint32_t)nvdec_outputs[o].surface == surface)
            return o;
    return -1;
}

int ngp_output_of(const CUVIDDECODECREATEINFO *info)
{
    return find_output((uint32_t)info->ChromaFormat, (uint32_t)info->bitDepthMinus8,
                       (uint32_t)info->OutputFormat);
}

/* The display area the engine always gives: the whole coded picture. */
static bool whole_picture(int16_t l, int16_t t, int16_t r, int16_t b, uint32_t w, uint32_t h)
{
    return l == 0 && t == 0 && r >= 0 && b >= 0 && (uint32_t)r == w && (uint32_t)b == h;
}

int ngp_check_create(const struct nvdec_engine *e, const struct ngp_dec_create *m,
                     CUVIDDECODECREATEINFO *info, uint64_t *bytes, struct vh_error *err)
{
    int k = find_kind(m->codec_type);
    if (k < 0)
        return vh_error_set(err, VW_ERR_UNSUPPORTED_PROFILE, "gpu: codec type %u not served",
                            m->codec_type);
    int o = find_output(m->chroma_format, m->bit_depth_minus8, m->output_format);
    if (o < 0)
        return vh_error_set(err, VW_ERR_UNSUPPORTED_FORMAT,
                            "gpu: output chroma %u, depth %u, format %u not served",
                            m->chroma_format, 8 + m->bit_depth_minus8, m->output_format);
    const struct nvdec_caps *c = &e->caps[k][o];
    if (!c->supported)
        return vh_error_set(err, VW_ERR_UNSUPPORTED_PROFILE, "gpu: %s to %s not supported here",
                            nvdec_classes[k]->name, nvdec_outputs[o].name);
    uint32_t lim_w = c->max_width, lim_h = c->max_height;
    if (k == NVDEC_KIND_H264) {               /* the engine's limits (query_caps), aligned */
        uint32_t hw = align_u32(VH_H264_MAX_WIDTH, 16), hh = align_u32(VH_H264_MAX_HEIGHT, 32);
        lim_w = lim_w < hw ? lim_w : hw;
        lim_h = lim_h < hh ? lim_h : hh;
    }
    if (m->width < c->min_width || m->height < c->min_height || m->width > m->max_width ||
        m->height > m->max_height || m->max_width > lim_w || m->max_height > lim_h ||
        (uint64_t)((m->width + 15) / 16) * ((m->height + 15) / 16) > c->max_mb_count)
        return vh_error_set(err, VW_ERR_RESOLUTION,
                            "gpu: decoder %ux%u (max %ux%u) outside %ux%u..%ux%u",
                            m->width, m->height, m->max_width, m->max_height, c->min_width,
                            c->min_height, lim_w, lim_h);
    if (m->target_width != m->width || m->target_height != m->height ||
        !whole_picture(m->display_left, m->display_top, m->display_right, m->display_bottom,
                       m->width, m->height))
        return vh_error_set(err, VW_ERR_MALFORMED, "gpu: decoder target or display area is "
                            "not the whole picture");
    if (m->num_decode_surfaces < 1 || m->num_decode_surfaces > NVDEC_MAX_DECODE_SURFACES ||
        m->num_output_surfaces < 1 || m->num_output_surfaces > NVDEC_OUTPUT_SURFACES)
        return vh_error_set(err, VW_ERR_UNSUPPORTED_STREAM,
                            "gpu: %u decode / %u output surfaces (at most %u / %u)",
                            m->num_decode_surfaces, m->num_output_surfaces,
                            NVDEC_MAX_DECODE_SURFACES, NVDEC_OUTPUT_SURFACES);
    if (m->deinterlace_mode != (uint32_t)cudaVideoDeinterlaceMode_Weave ||
        m->creation_flags != (uint32_t)cudaVideoCreate_PreferCUVID || m->reserved)
        return vh_error_set(err, VW_ERR_MALFORMED, "gpu: decoder settings not the engine's");
    *info = (CUVIDDECODECREATEINFO){
        .ulWidth = m->width,
        .ulHeight = m->height,
        .ulNumDecodeSurfaces = m->num_decode_surfaces,
        .CodecType = (cudaVideoCodec)m->codec_type,
        .ChromaFormat = (cudaVideoChromaFormat)m->chroma_format,
        .ulCreationFlags = cudaVideoCreate_PreferCUVID,
        .bitDepthMinus8 = m->bit_depth_minus8,
        .ulMaxWidth = m->max_width,
        .ulMaxHeight = m->max_height,
        .display_area = {.left = 0, .top = 0, .right = m->display_right,
                         .bottom = m->display_bottom},
        .OutputFormat = (cudaVideoSurfaceFormat)m->output_format,
        .DeinterlaceMode = cudaVideoDeinterlaceMode_Weave,
        .ulTargetWidth = m->width,
        .ulTargetHeight = m->height,
        .ulNumOutputSurfaces = m->num_output_surfaces,
        .vidLock = NULL,
    };
    *bytes = nvdec_decoder_bytes((enum nvdec_kind)k, (enum nvdec_output)o, m->max_width,
                                 m->max_height, m->num_decode_surfaces);
    return VW_OK;
}

int ngp_check_reconfigure(const struct nvdec_engine *e, const CUVIDDECODECREATEINFO *info,
                          const struct ngp_dec_reconfigure *m,
                          CUVIDRECONFIGUREDECODERINFO *re, struct vh_error *err)
{
    int k = find_kind((uint32_t)info->CodecType), o = ngp_output_of(info);
    const struct nvdec_caps *c = &e->caps[k < 0 ? 0 : k][o < 0 ? 0 : o];
    if (m->width < c->min_width || m->height < c->min_height || m->width > info->ulMaxWidth ||
        m->height > info->ulMaxHeight || m->target_width != m->width ||
        m->target_height != m->height ||
        m->num_decode_surfaces != info->ulNumDecodeSurfaces ||
        !whole_picture(m->display_left, m->display_top, m->display_right, m->display_bottom,
                       m->width, m->height))
        return vh_error_set(err, VW_ERR_RESOLUTION,
                            "gpu: reconfigure to %ux%u (%u surfaces) outside the decoder's "
                            "%lux%lu (%lu)", m->width, m->height, m->num_decode_surfaces,
                            info->ulMaxWidth, info->ulMaxHeight, info->ulNumDecodeSurfaces);
    *re = (CUVIDRECONFIGUREDECODERINFO){
        .ulWidth = m->width,
        .ulHeight = m->height,
        .ulTargetWidth = m->width,
        .ulTargetHeight = m->height,
        .ulNumDecodeSurfaces = m->num_decode_surfaces,
        .display_area = {.left = 0, .top = 0, .right = m->display_right,
                         .bottom = m->display_bottom},
    };
    return VW_OK;
}

/* A reference picture index: a slot of the decoder, or `none`. */
static bool ref_ok(long idx, long n, long none)
{
    return idx == none || (idx >= 0 && idx < n);
}

static int bad_ref(const char *what, long idx, long n, struct vh_error *err)
{
    return vh_error_set(err, VW_ERR_DECODE, "gpu: %s %ld outside the decoder's %ld surfaces",
                        what, idx, n);
}

/* MPEG-2 and MPEG-4 Part 2: two references, -1 where none. */
static int forward_backward(const char *codec, long fwd, long bwd, long n, struct vh_error *err)
{
    if (!ref_ok(fwd, n, -1))
        return vh_error_set(err, VW_ERR_DECODE, "gpu: %s ForwardRefIdx %ld outside the "
                            "decoder's %ld surfaces", codec, fwd, n);
    if (!ref_ok(bwd, n, -1))
        return vh_error_set(err, VW_ERR_DECODE, "gpu: %s BackwardRefIdx %ld outside the "
                            "decoder's %ld surfaces", codec, bwd, n);
    return VW_OK;
}

static int check_refs(cudaVideoCodec codec, CUVIDPICPARAMS *pp, long n, struct vh_error *err)
{
    switch (codec) {
    case cudaVideoCodec_H264: {
        CUVIDH264PICPARAMS *h = &pp->CodecSpecific.h264;
        for (int i = 0; i < 16; i++)
            if (!ref_ok(h->dpb[i].PicIdx, n, -1))
                return bad_ref("H.264 dpb[].PicIdx", h->dpb[i].PicIdx, n, err);
        /* No FMO map nor MVC/SVC here: the SVC extension holds a pointer. */
        h->fmo.slice_group_map_addr = 0;
        memset(&h->mvcext, 0, sizeof(h->mvcext) > sizeof(h->svcext) ? sizeof(h->mvcext)
                                                                       : sizeof(h->svcext));
        return VW_OK;
    }
    case cudaVideoCodec_HEVC: {
        CUVIDHEVCPICPARAMS *h = &pp->CodecSpecific.hevc;
        for (int i = 0; i < 16; i++)
            if (!ref_ok(h->RefPicIdx[i], n, -1))
                return bad_ref("HEVC RefPicIdx[]", h->RefPicIdx[i], n, err);
        const int counts[3] = {h->NumPocStCurrBefore, h->NumPocStCurrAfter, h->NumPocLtCurr};
        unsigned char *sets[3] = {h->RefPicSetStCurrBefore, h->RefPicSetStCurrAfter,
                                  h->RefPicSetLtCurr};
        for (int s = 0; s < 3; s++) {
            if (counts[s] < 0 || counts[s] > 8)
                return vh_error_set(err, VW_ERR_DECODE, "gpu: HEVC reference set of %d",
                                    counts[s]);
            for (int i = 0; i < 8; i++) {
                if (i >= counts[s])
                    sets[s][i] = 0;
                else if (sets[s][i] >= 16)
                    return vh_error_set(err, VW_ERR_DECODE,
                                        "gpu: HEVC reference set entry %u (of 16)", sets[s][i]);
            }
        }
        if (h->NumPocTotalCurr < 0 || h->NumPocTotalCurr > 16)
            return vh_error_set(err, VW_ERR_DECODE, "gpu: HEVC NumPocTotalCurr %d",
                                h->NumPocTotalCurr);
        memset(h->RefPicSetInterLayer0, 0, sizeof(h->RefPicSetInterLayer0));
        memset(h->RefPicSetInterLayer1, 0, sizeof(h->RefPicSetInterLayer1));
        return VW_OK;
    }
    case cudaVideoCodec_VP9: {
        CUVIDVP9PICPARAMS *v = &pp->CodecSpecific.vp9;
        const unsigned char refs[3] = {v->LastRefIdx, v->GoldenRefIdx, v->AltRefIdx};
        for (int i = 0; i < 3; i++) {
            if (!ref_ok(refs[i], n, 0xff))
                return bad_ref("VP9 reference index", refs[i], n, err);
            if (v->activeRefIdx[i] >= 8)
                return bad_ref("VP9 activeRefIdx", (long)v->activeRefIdx[i], 8, err);
        }
        return VW_OK;
    }
    case cudaVideoCodec_VP8: {
        CUVIDVP8PICPARAMS *v = &pp->CodecSpecific.vp8;
        const unsigned char refs[3] = {v->LastRefIdx, v->GoldenRefIdx, v->AltRefIdx};
        for (int i = 0; i < 3; i++)
            if (!ref_ok(refs[i], n, 0xff))
                return bad_ref("VP8 reference index", refs[i], n, err);
        return VW_OK;
    }
    case cudaVideoCodec_MPEG2:
        return forward_backward("MPEG-2", pp->CodecSpecific.mpeg2.ForwardRefIdx,
                                pp->CodecSpecific.mpeg2.BackwardRefIdx, n, err);
    case cudaVideoCodec_MPEG4:
        return forward_backward("MPEG-4", pp->CodecSpecific.mpeg4.ForwardRefIdx,
                                pp->CodecSpecific.mpeg4.BackwardRefIdx, n, err);
    case cudaVideoCodec_JPEG:
        return VW_OK;                         /* no references */
    default:
        return vh_error_set(err, VW_ERR_INTERNAL, "gpu: decoder of codec %d", (int)codec);
    }
}

static bool flag_ok(int v)
{
    return v == 0 || v == 1;
}

/* The MPEG-4 VOL and VOP fields within what the engine's streams can give
 * (validate_mpeg4.c, mpeg4_headers.c): NVDEC works them out of the
 * bitstream and these parameters together, so none may be outside its
 * range. */
static int check_mpeg4(const CUVIDDECODECREATEINFO *info, const CUVIDMPEG4PICPARAMS *m,
                       struct vh_error *err)
{
    const int flags[] = {m->top_field_first, m->resync_marker_disable, m->quant_type,
                         m->quarter_sample, m->vop_coded, m->vop_rounding_type,
                         m->alternate_vertical_scan_flag, m->interlaced};
    for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
        if (!flag_ok(flags[i]))
            return vh_error_set(err, VW_ERR_DECODE, "gpu: MPEG-4 flag %zu is %d", i, flags[i]);
    if (m->video_object_layer_width < 1 || m->video_object_layer_height < 1 ||
        (unsigned long)m->video_object_layer_width > info->ulMaxWidth ||
        (unsigned long)m->video_object_layer_height > info->ulMaxHeight)
        return vh_error_set(err, VW_ERR_RESOLUTION, "gpu: MPEG-4 VOL of %dx%d in a %lux%lu "
                            "decoder", m->video_object_layer_width,
                            m->video_object_layer_height, info->ulMaxWidth, info->ulMaxHeight);
    /* No H.263, no sprites; divx_flags: none or DivX's packed B-frames
     * (5, what FFmpeg's nvdec hwaccel gives), nothing undocumented. */
    if (m->short_video_header || m->gmc_enabled || (m->divx_flags != 0 && m->divx_flags != 5) ||
        m->vop_coding_type < 0 || m->vop_coding_type > 2)
        return vh_error_set(err, VW_ERR_UNSUPPORTED_STREAM,
                            "gpu: MPEG-4 short_video_header %d, gmc_enabled %d, divx_flags %d, "
                            "vop_coding_type %d", m->short_video_header, m->gmc_enabled,
                            m->divx_flags, m->vop_coding_type);
    if (m->vop_time_increment_bitcount < 1 || m->vop_time_increment_bitcount > 16 ||
        m->vop_fcode_forward < 0 || m->vop_fcode_forward > 7 || m->vop_fcode_backward < 0 ||
        m->vop_fcode_backward > 7)
        return vh_error_set(err, VW_ERR_DECODE, "gpu: MPEG-4 vop_time_increment_bitcount %d, "
                            "fcodes %d/%d", m->vop_time_increment_bitcount,
                            m->vop_fcode_forward, m->vop_fcode_backward);
    /* A B-VOP's direct mode scales by TRB/TRD: a VA distance (16 bits),
     * the B-VOP between its references; in an interlaced VOP also by the
     * field distances, TRB's not above TRD's (a progressive one uses
     * none: whatever the parser leaves there is not checked). */
    if (m->vop_coding_type == 2 &&
        (m->trd[0] < 2 || m->trd[0] > INT16_MAX || m->trb[0] < 1 || m->trb[0] >= m->trd[0] ||
         (m->interlaced && (m->trd[1] < 0 || m->trd[1] > INT16_MAX || m->trb[1] < 0 ||
                            m->trb[1] > m->trd[1]))))
        return vh_error_set(err, VW_ERR_DECODE, "gpu: MPEG-4 B-VOP TRD %d/%d, TRB %d/%d",
                            m->trd[0], m->trd[1], m->trb[0], m->trb[1]);
    /* Matrix entries of 0 are forbidden (14496-2 6.3.3). */
    if (m->quant_type)
        for (int i = 0; i < 64; i++)
            if (!m->QuantMatrixIntra[i] || !m->QuantMatrixInter[i])
                return vh_error_set(err, VW_ERR_DECODE, "gpu: MPEG-4 matrix entry %d is 0", i);
    return VW_OK;
}

int ngp_check_picture(const CUVIDDECODECREATEINFO *info, const struct ngp_decode *m,
                      CUVIDPICPARAMS *pp, const uint32_t *offsets, uint64_t staging_size,
                      struct vh_error *err)
{
    long n = (long)info->ulNumDecodeSurfaces;
    if (pp->CurrPicIdx < 0 || pp->CurrPicIdx >= n)
        return bad_ref("CurrPicIdx", pp->CurrPicIdx, n, err);
    /* The picture no larger than the decoder (in 16x16 blocks). */
    if (pp->PicWidthInMbs < 1 || (unsigned long)pp->PicWidthInMbs > (info->ulMaxWidth + 15) / 16 ||
        pp->FrameHeightInMbs < 1 ||
        (unsigned long)pp->FrameHeightInMbs > (info->ulMaxHeight + 15) / 16)
        return vh_error_set(err, VW_ERR_RESOLUTION, "gpu: picture of %dx%d blocks in a %lux%lu "
                            "decoder", pp->PicWidthInMbs, pp->FrameHeightInMbs,
                            info->ulMaxWidth, info->ulMaxHeight);
    int rc = check_refs(info->CodecType, pp, n, err);
    if (!rc && info->CodecType == cudaVideoCodec_MPEG4)
        rc = check_mpeg4(info, &pp->CodecSpecific.mpeg4, err);
    if (rc)
        return rc;
    if (m->bitstream_size == 0 || m->bitstream_size > UINT32_MAX ||
        pp->nBitstreamDataLen != m->bitstream_size)
        return vh_error_set(err, VW_ERR_MALFORMED, "gpu: bitstream of %llu bytes (%u said)",
                            (unsigned long long)m->bitstream_size, pp->nBitstreamDataLen);
    if (m->bitstream_offset > staging_size || m->bitstream_size > staging_size - m->bitstream_offset)
        return vh_error_set(err, VW_ERR_OUT_OF_BOUNDS,
                            "gpu: bitstream [%llu, +%llu) outside the staging buffer (%llu)",
                            (unsigned long long)m->bitstream_offset,
                            (unsigned long long)m->bitstream_size,
                            (unsigned long long)staging_size);
    if (m->num_offsets < 1 || m->num_offsets > NGP_MAX_SLICES || pp->nNumSlices != m->num_offsets)
        return vh_error_set(err, VW_ERR_MALFORMED, "gpu: %u slices, %u offsets", pp->nNumSlices,
                            m->num_offsets);
    for (uint32_t i = 0; i < m->num_offsets; i++)
        if (offsets[i] >= m->bitstream_size)
            return vh_error_set(err, VW_ERR_OUT_OF_BOUNDS,
                                "gpu: slice %u at %u beyond the bitstream (%llu bytes)", i,
                                offsets[i], (unsigned long long)m->bitstream_size);
    return VW_OK;
}
