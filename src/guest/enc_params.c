#include "guest/enc_params.h"

#include <string.h>

#include "common/log.h"

#define DEFAULT_FRAME_RATE 30u  /* when neither a frame-rate buffer nor VUI timing says */

void vg_enc_params_init(struct vg_enc_params *p, uint32_t vw_profile, uint32_t rc_mode,
                        const struct vw_encode_cap *cap, uint32_t coded_width,
                        uint32_t coded_height)
{
    memset(p, 0, sizeof(*p));
    p->vw_codec = vw_codec_of_profile(vw_profile);
    p->vw_profile = vw_profile;
    p->rc_mode = rc_mode;
    p->cap = *cap;
    p->coded_width = coded_width;
    p->coded_height = coded_height;
}

void vg_enc_params_new_picture(struct vg_enc_params *p)
{
    p->have_pic = false;
    memset(&p->pic, 0, sizeof(p->pic));
    p->num_slices = 0;
    p->slice_type = 0;
    p->slice_qp_delta = 0;
    p->input_width = p->input_height = 0;
}

static bool is_h264(const struct vg_enc_params *p)
{
    return p->vw_codec == VW_CODEC_H264;
}

VAStatus vg_enc_params_sequence(struct vg_enc_params *p, const void *data, size_t size)
{
    size_t need = is_h264(p) ? sizeof(p->seq.h264) : sizeof(p->seq.hevc);
    if (size < need) {
        vc_warn("encode: sequence parameter buffer of %zu bytes, want %zu", size, need);
        return VA_STATUS_ERROR_INVALID_BUFFER;
    }
    memcpy(&p->seq, data, need);
    p->have_seq = true;
    return VA_STATUS_SUCCESS;
}

VAStatus vg_enc_params_picture(struct vg_enc_params *p, const void *data, size_t size)
{
    size_t need = is_h264(p) ? sizeof(p->pic.h264) : sizeof(p->pic.hevc);
    if (size < need) {
        vc_warn("encode: picture parameter buffer of %zu bytes, want %zu", size, need);
        return VA_STATUS_ERROR_INVALID_BUFFER;
    }
    memcpy(&p->pic, data, need);
    p->have_pic = true;
    return VA_STATUS_SUCCESS;
}

VAStatus vg_enc_params_slices(struct vg_enc_params *p, const void *data, size_t size,
                              uint32_t count)
{
    size_t need = is_h264(p) ? sizeof(VAEncSliceParameterBufferH264)
                             : sizeof(VAEncSliceParameterBufferHEVC);
    if (size < need) {
        vc_warn("encode: slice parameter buffer of %zu bytes, want %zu", size, need);
        return VA_STATUS_ERROR_INVALID_BUFFER;
    }
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *e = (const uint8_t *)data + (size_t)i * size;
        uint32_t type;
        int32_t qp_delta;
        if (is_h264(p)) {
            VAEncSliceParameterBufferH264 s;
            memcpy(&s, e, sizeof(s));
            type = s.slice_type % 5; /* 5..7 say "all slices of the picture are this type" */
            qp_delta = s.slice_qp_delta;
        } else {
            VAEncSliceParameterBufferHEVC s;
            memcpy(&s, e, sizeof(s));
            type = s.slice_type;
            qp_delta = s.slice_qp_delta;
        }
        if (p->num_slices == 0) {
            p->slice_type = type;
            p->slice_qp_delta = qp_delta;
        } else if (type != p->slice_type) {
            /* The wire has one type per picture, the host encoder's slices follow it. */
            vc_warn("encode: slice %u has type %u, the first slice %u: one type per picture",
                    p->num_slices, type, p->slice_type);
            return VA_STATUS_ERROR_INVALID_PARAMETER;
        }
        if (p->num_slices == UINT32_MAX)
            return VA_STATUS_ERROR_MAX_NUM_EXCEEDED;
        p->num_slices++;
    }
    return VA_STATUS_SUCCESS;
}

/* Copies a misc parameter struct that follows the buffer's type field. */
static VAStatus misc_copy(void *dst, size_t dst_size, const uint8_t *src, size_t src_size,
                          const char *what)
{
    if (src_size < dst_size) {
        vc_warn("encode: misc %s parameter of %zu bytes, want %zu", what, src_size, dst_size);
        return VA_STATUS_ERROR_INVALID_BUFFER;
    }
    memcpy(dst, src, dst_size);
    return VA_STATUS_SUCCESS;
}

VAStatus vg_enc_params_misc(struct vg_enc_params *p, const void *data, size_t size)
{
    VAEncMiscParameterType type;
    if (size < sizeof(type))
        return VA_STATUS_ERROR_INVALID_BUFFER;
    memcpy(&type, data, sizeof(type));
    const uint8_t *body = (const uint8_t *)data + sizeof(type);
    size_t body_size = size - sizeof(type);
    VAStatus st;
    switch (type) {
    case VAEncMiscParameterTypeRateControl:
        st = misc_copy(&p->rc, sizeof(p->rc), body, body_size, "rate control");
        p->have_rc |= st == VA_STATUS_SUCCESS;
        return st;
    case VAEncMiscParameterTypeFrameRate:
        st = misc_copy(&p->frame_rate, sizeof(p->frame_rate), body, body_size, "frame rate");
        p->have_frame_rate |= st == VA_STATUS_SUCCESS;
        return st;
    case VAEncMiscParameterTypeHRD:
        st = misc_copy(&p->hrd, sizeof(p->hrd), body, body_size, "HRD");
        p->have_hrd |= st == VA_STATUS_SUCCESS;
        return st;
    case VAEncMiscParameterTypeQualityLevel: {
        VAEncMiscParameterBufferQualityLevel q;
        st = misc_copy(&q, sizeof(q), body, body_size, "quality level");
        if (st)
            return st;
        /* A speed/quality hint: GStreamer's vaapi encoders send their
         * default level whatever VAConfigAttribEncQualityRange said, so a
         * level the encoder lacks is clamped, not refused. */
        uint32_t levels = p->cap.quality_levels;
        uint32_t q_level = q.quality_level > levels ? levels : q.quality_level;
        if (q_level != q.quality_level)
            vc_debug("encode: quality level %u taken as %u (the encoder has %u)",
                     q.quality_level, q_level, levels);
        p->quality_level = q_level;
        return VA_STATUS_SUCCESS;
    }
    default:
        /* ROI, max frame size, temporal layers, skip frame, ...: they change
         * the stream and the host encoder cannot follow them; none is
         * advertised (their config attributes are VA_ATTRIB_NOT_SUPPORTED). */
        vc_warn("encode: misc parameter type %d is not supported", (int)type);
        return VA_STATUS_ERROR_UNSUPPORTED_BUFFERTYPE;
    }
}

VABufferID vg_enc_params_coded_buf(const struct vg_enc_params *p)
{
    if (!p->have_pic)
        return VA_INVALID_ID;
    return is_h264(p) ? p->pic.h264.coded_buf : p->pic.hevc.coded_buf;
}

/* ---- packing ---------------------------------------------------------------- */

static uint32_t gcd32(uint32_t a, uint32_t b)
{
    while (b) {
        uint32_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* num/den reduced; false if either is 0 or they do not fit 32 bits. */
static bool set_rate(struct vw_encode_sequence *s, uint64_t num, uint64_t den)
{
    if (num == 0 || den == 0)
        return false;
    while ((num | den) > UINT32_MAX) {
        num >>= 1;
        den >>= 1;
    }
    if (num == 0 || den == 0)
        return false;
    uint32_t g = gcd32((uint32_t)num, (uint32_t)den);
    s->frame_rate_num = (uint32_t)num / g;
    s->frame_rate_den = (uint32_t)den / g;
    return true;
}

/* Table E-1 of H.264 and H.265 (the same): sample aspect ratio of
 * aspect_ratio_idc 1..16; 255 is Extended_SAR (the explicit fields). */
static const uint16_t sar_table[17][2] = {
    {0, 0},    {1, 1},    {12, 11}, {10, 11}, {16, 11}, {40, 33}, {24, 11},
    {20, 11},  {32, 11},  {80, 33}, {18, 11}, {15, 11}, {64, 33}, {160, 99},
    {4, 3},    {3, 2},    {2, 1},
};

static void set_sar(struct vw_encode_sequence *s, uint32_t idc, uint32_t w, uint32_t h)
{
    if (idc == 255) {
        if (w == 0 || h == 0 || w > UINT16_MAX || h > UINT16_MAX)
            return; /* unspecified or not representable: no aspect ratio */
        s->sar_width = (uint16_t)w;
        s->sar_height = (uint16_t)h;
    } else if (idc >= 1 && idc <= 16) {
        s->sar_width = sar_table[idc][0];
        s->sar_height = sar_table[idc][1];
    } else {
        return;
    }
    s->aspect_ratio_present = 1;
}

/* Cropping to a display of display_w x display_h at (left, top) of the
 * CREATE_CODEC size, which may differ from the sequence's coded size. */
static VAStatus set_crop(const struct vg_enc_params *p, struct vw_encode_sequence *s,
                         uint32_t left, uint32_t top, uint32_t display_w, uint32_t display_h)
{
    if (display_w == 0 || display_h == 0 || left > p->coded_width ||
        display_w > p->coded_width - left || top > p->coded_height ||
        display_h > p->coded_height - top) {
        vc_warn("encode: the display area %ux%u at (%u, %u) is not inside the coded %ux%u",
                display_w, display_h, left, top, p->coded_width, p->coded_height);
        return VA_STATUS_ERROR_INVALID_PARAMETER;
    }
    s->crop_left = (uint16_t)left;
    s->crop_top = (uint16_t)top;
    s->crop_right = (uint16_t)(p->coded_width - left - display_w);
    s->crop_bottom = (uint16_t)(p->coded_height - top - display_h);
    return VA_STATUS_SUCCESS;
}

static VAStatus pack_h264_sequence(const struct vg_enc_params *p, struct vw_encode_sequence *s)
{
    const VAEncSequenceParameterBufferH264 *q = &p->seq.h264;
    const VAEncPictureParameterBufferH264 *pic = &p->pic.h264;
    if (q->seq_fields.bits.chroma_format_idc != 1 || !q->seq_fields.bits.frame_mbs_only_flag ||
        q->bit_depth_luma_minus8 || q->bit_depth_chroma_minus8) {
        vc_warn("encode: H.264 sequence is not 8-bit 4:2:0 progressive (chroma_format_idc %u, "
                "frame_mbs_only_flag %u, bit depth %u)", q->seq_fields.bits.chroma_format_idc,
                q->seq_fields.bits.frame_mbs_only_flag, q->bit_depth_luma_minus8 + 8u);
        return VA_STATUS_ERROR_INVALID_PARAMETER;
    }
    s->intra_period = q->intra_period;
    s->idr_period = q->intra_idr_period;
    s->ip_period = q->ip_period ? q->ip_period : 1;
    s->level_idc = q->level_idc;
    s->entropy_cabac = (uint8_t)pic->pic_fields.bits.entropy_coding_mode_flag;
    s->transform_8x8 = (uint8_t)pic->pic_fields.bits.transform_8x8_mode_flag;
    if (s->entropy_cabac && p->vw_profile == VW_PROFILE_H264_CONSTRAINED_BASELINE) {
        vc_warn("encode: CABAC in a Constrained Baseline stream");
        return VA_STATUS_ERROR_INVALID_PARAMETER;
    }
    if (s->transform_8x8 && p->vw_profile != VW_PROFILE_H264_HIGH) {
        vc_warn("encode: the 8x8 transform needs the High profile");
        return VA_STATUS_ERROR_INVALID_PARAMETER;
    }
    /* Frame cropping (7.4.2.1.1): CropUnitX 2 and CropUnitY 2 for 4:2:0 frames. */
    uint64_t w = (uint64_t)q->picture_width_in_mbs * 16, h = (uint64_t)q->picture_height_in_mbs * 16;
    uint64_t l = 0, r = 0, t = 0, b = 0;
    if (q->frame_cropping_flag) {
        l = 2ull * q->frame_crop_left_offset;
        r = 2ull * q->frame_crop_right_offset;
        t = 2ull * q->frame_crop_top_offset;
        b = 2ull * q->frame_crop_bottom_offset;
    }
    if (l + r >= w || t + b >= h) {
        vc_warn("encode: H.264 cropping %llu+%llu, %llu+%llu leaves nothing of %llux%llu",
                (unsigned long long)l, (unsigned long long)r, (unsigned long long)t,
                (unsigned long long)b, (unsigned long long)w, (unsigned long long)h);
        return VA_STATUS_ERROR_INVALID_PARAMETER;
    }
    VAStatus st = set_crop(p, s, (uint32_t)l, (uint32_t)t, (uint32_t)(w - l - r),
                           (uint32_t)(h - t - b));
    if (st)
        return st;
    if (q->vui_parameters_present_flag) {
        if (q->vui_fields.bits.aspect_ratio_info_present_flag)
            set_sar(s, q->aspect_ratio_idc, q->sar_width, q->sar_height);
        s->timing_info_present = (uint8_t)q->vui_fields.bits.timing_info_present_flag;
    }
    return VA_STATUS_SUCCESS;
}

static VAStatus pack_hevc_sequence(const struct vg_enc_params *p, struct vw_encode_sequence *s)
{
    const VAEncSequenceParameterBufferHEVC *q = &p->seq.hevc;
    unsigned depth = p->vw_profile == VW_PROFILE_HEVC_MAIN10 ? 10 : 8;
    if (q->seq_fields.bits.chroma_format_idc != 1 || q->seq_fields.bits.separate_colour_plane_flag ||
        q->seq_fields.bits.bit_depth_luma_minus8 + 8u > depth ||
        q->seq_fields.bits.bit_depth_chroma_minus8 + 8u > depth) {
        vc_warn("encode: HEVC sequence is not 4:2:0 of at most %u bits (chroma_format_idc %u, "
                "bit depth %u)", depth, q->seq_fields.bits.chroma_format_idc,
                q->seq_fields.bits.bit_depth_luma_minus8 + 8u);
        return VA_STATUS_ERROR_INVALID_PARAMETER;
    }
    s->intra_period = q->intra_period;
    s->idr_period = q->intra_idr_period;
    s->ip_period = q->ip_period ? q->ip_period : 1;
    s->level_idc = q->general_level_idc;
    /* VA's HEVC sequence has no conformance window (only packed headers
     * carry it): the display size is the input surface's where it is
     * smaller than the coded size (FFmpeg aligns the context, not its
     * input frames). */
    uint32_t w = q->pic_width_in_luma_samples, h = q->pic_height_in_luma_samples;
    if (p->input_width && p->input_width < w)
        w = p->input_width;
    if (p->input_height && p->input_height < h)
        h = p->input_height;
    w = w < p->coded_width ? w : p->coded_width;
    h = h < p->coded_height ? h : p->coded_height;
    VAStatus st = set_crop(p, s, 0, 0, w, h);
    if (st)
        return st;
    if (q->vui_parameters_present_flag) {
        if (q->vui_fields.bits.aspect_ratio_info_present_flag)
            set_sar(s, q->aspect_ratio_idc, q->sar_width, q->sar_height);
        s->timing_info_present = (uint8_t)q->vui_fields.bits.vui_timing_info_present_flag;
    }
    return VA_STATUS_SUCCESS;
}

static bool qp_in_cap(const struct vg_enc_params *p, int64_t qp)
{
    return qp >= (int64_t)p->cap.min_qp && qp <= (int64_t)p->cap.max_qp;
}

/* Rate control, HRD, QP range, frame rate: the misc buffers (CBR/VBR only
 * for bit rates, HRD and QP range; CQP sends zeros). */
static VAStatus pack_rate(const struct vg_enc_params *p, struct vw_encode_sequence *s)
{
    s->rc_mode = p->rc_mode;
    if (p->rc_mode != VW_RC_CQP) {
        uint32_t seq_bits = is_h264(p) ? p->seq.h264.bits_per_second : p->seq.hevc.bits_per_second;
        uint32_t bits = p->have_rc && p->rc.bits_per_second ? p->rc.bits_per_second : seq_bits;
        if (bits == 0) {
            vc_warn("encode: %s without a bit rate", p->rc_mode == VW_RC_CBR ? "CBR" : "VBR");
            return VA_STATUS_ERROR_INVALID_PARAMETER;
        }
        if (p->rc_mode == VW_RC_CBR) {
            s->bits_per_second = bits;
        } else {
            /* VA's VBR: bits_per_second is the peak, target_percentage of it the target. */
            uint32_t pct = p->have_rc ? p->rc.target_percentage : 0;
            pct = pct == 0 || pct > 100 ? 100 : pct;
            s->max_bits_per_second = bits;
            s->bits_per_second = (uint32_t)((uint64_t)bits * pct / 100);
            if (s->bits_per_second == 0)
                s->bits_per_second = 1;
        }
        if (p->have_hrd && p->hrd.buffer_size) {
            if (p->hrd.initial_buffer_fullness > p->hrd.buffer_size) {
                vc_warn("encode: HRD initial fullness %u over the buffer size %u",
                        p->hrd.initial_buffer_fullness, p->hrd.buffer_size);
                return VA_STATUS_ERROR_INVALID_PARAMETER;
            }
            s->hrd_buffer_bits = p->hrd.buffer_size;
            s->hrd_initial_bits = p->hrd.initial_buffer_fullness;
        }
        uint32_t lo = p->have_rc ? p->rc.min_qp : 0, hi = p->have_rc ? p->rc.max_qp : 0;
        if ((lo && !qp_in_cap(p, lo)) || (hi && !qp_in_cap(p, hi)) || (lo && hi && lo > hi)) {
            vc_warn("encode: QP range %u..%u outside the encoder's %u..%u", lo, hi,
                    p->cap.min_qp, p->cap.max_qp);
            return VA_STATUS_ERROR_INVALID_PARAMETER;
        }
        s->min_qp = (uint8_t)lo;
        s->max_qp = (uint8_t)hi;
    }
    /* Frame rate: the misc buffer ((den << 16) | num, den 0 meaning 1),
     * else the VUI timing, else 30/1. */
    bool have = false;
    if (p->have_frame_rate) {
        uint32_t v = p->frame_rate.framerate;
        uint32_t den = v >> 16;
        have = set_rate(s, v & 0xffff, den ? den : 1);
    }
    if (!have && is_h264(p) && p->seq.h264.vui_parameters_present_flag &&
        p->seq.h264.vui_fields.bits.timing_info_present_flag)
        have = set_rate(s, p->seq.h264.time_scale, 2ull * p->seq.h264.num_units_in_tick);
    if (!have && !is_h264(p) && p->seq.hevc.vui_parameters_present_flag &&
        p->seq.hevc.vui_fields.bits.vui_timing_info_present_flag)
        have = set_rate(s, p->seq.hevc.vui_time_scale, p->seq.hevc.vui_num_units_in_tick);
    if (!have)
        set_rate(s, DEFAULT_FRAME_RATE, 1);
    s->quality_level = (uint8_t)p->quality_level;
    return VA_STATUS_SUCCESS;
}

static VAStatus pack_picture(const struct vg_enc_params *p, struct vw_encode_picture *w)
{
    bool idr;
    uint32_t type;
    int64_t order;
    int qp_init;
    if (is_h264(p)) {
        const VAEncPictureParameterBufferH264 *q = &p->pic.h264;
        idr = q->pic_fields.bits.idr_pic_flag;
        static const uint32_t of_slice[5] = {VW_PICTURE_P, VW_PICTURE_B, VW_PICTURE_I, 0, 0};
        type = of_slice[p->slice_type % 5];
        order = q->CurrPic.TopFieldOrderCnt;
        if (p->seq.h264.seq_fields.bits.pic_order_cnt_type == 2 && order > 0)
            order /= 2; /* type 2 counts fields: 2 per frame */
        qp_init = q->pic_init_qp;
    } else {
        const VAEncPictureParameterBufferHEVC *q = &p->pic.hevc;
        idr = q->pic_fields.bits.idr_pic_flag;
        /* coding_type 1 I, 2 P, 3..5 B (hierarchy levels); 0: from the slice type. */
        static const uint32_t of_coding[6] = {0, VW_PICTURE_I, VW_PICTURE_P, VW_PICTURE_B,
                                              VW_PICTURE_B, VW_PICTURE_B};
        static const uint32_t of_slice[3] = {VW_PICTURE_B, VW_PICTURE_P, VW_PICTURE_I};
        type = q->pic_fields.bits.coding_type < 6 ? of_coding[q->pic_fields.bits.coding_type] : 0;
        if (q->pic_fields.bits.coding_type == 0)
            type = p->slice_type < 3 ? of_slice[p->slice_type] : 0;
        order = q->decoded_curr_pic.pic_order_cnt; /* HEVC POCs count frames */
        qp_init = q->pic_init_qp;
    }
    if (idr)
        type = VW_PICTURE_IDR;
    if (type == 0) {
        vc_warn("encode: picture of slice type %u: only I, P and B pictures", p->slice_type);
        return VA_STATUS_ERROR_INVALID_PARAMETER;
    }
    if (type == VW_PICTURE_B && p->cap.max_refs_l1 == 0) {
        vc_warn("encode: a B picture, but the encoder takes none (VAConfigAttribEncMaxRefFrames L1 0)");
        return VA_STATUS_ERROR_INVALID_PARAMETER;
    }
    if (type == VW_PICTURE_P && p->cap.max_refs_l0 == 0) {
        vc_warn("encode: a P picture, but the encoder takes intra pictures only");
        return VA_STATUS_ERROR_INVALID_PARAMETER;
    }
    if (p->cap.max_refs_l1 == 0)
        order = type == VW_PICTURE_IDR ? 0 : (int64_t)p->since_idr; /* encode order */
    if (order < 0 || order > UINT32_MAX) {
        vc_warn("encode: picture order count %lld out of range", (long long)order);
        return VA_STATUS_ERROR_INVALID_PARAMETER;
    }
    w->type = type;
    w->display_order = (uint32_t)order;
    if (p->rc_mode == VW_RC_CQP) {
        int64_t qp = (int64_t)qp_init + p->slice_qp_delta;
        if (!qp_in_cap(p, qp)) {
            vc_warn("encode: QP %lld outside the encoder's %u..%u", (long long)qp, p->cap.min_qp,
                    p->cap.max_qp);
            return VA_STATUS_ERROR_INVALID_PARAMETER;
        }
        w->qp = (uint32_t)qp;
    }
    w->num_slices = p->num_slices;
    return VA_STATUS_SUCCESS;
}

VAStatus vg_enc_params_pack(struct vg_enc_params *p, struct vw_encode_sequence *seq,
                            struct vw_encode_picture *pic)
{
    memset(seq, 0, sizeof(*seq));
    memset(pic, 0, sizeof(*pic));
    if (!p->have_seq || !p->have_pic || p->num_slices == 0) {
        vc_warn("encode: vaEndPicture without %s", !p->have_seq ? "a sequence parameter buffer"
                : !p->have_pic ? "picture parameters" : "slice parameters");
        return VA_STATUS_ERROR_INVALID_PARAMETER;
    }
    if (p->num_slices > p->cap.max_slices) {
        vc_warn("encode: %u slices, the encoder takes at most %u", p->num_slices,
                p->cap.max_slices);
        return VA_STATUS_ERROR_MAX_NUM_EXCEEDED;
    }
    seq->bit_depth = p->vw_profile == VW_PROFILE_HEVC_MAIN10 ? 10 : 8;
    VAStatus st = is_h264(p) ? pack_h264_sequence(p, seq) : pack_hevc_sequence(p, seq);
    if (!st)
        st = pack_rate(p, seq);
    if (!st)
        st = pack_picture(p, pic);
    if (!st)
        p->since_idr = pic->type == VW_PICTURE_IDR ? 1 : p->since_idr + 1;
    return st;
}
