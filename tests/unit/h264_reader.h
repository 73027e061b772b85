/*
 * An independent H.264 header reader for the tests: RBSP extraction, an
 * Exp-Golomb bit reader, SPS/PPS parsing with the scaling-list fall-back
 * rules of 7.4.2.1.1 / Table 7-2 (effective matrices in raster order, as VA
 * carries them), and slice headers up to the reference counts.  Written from
 * the spec, sharing no code with the engine, so that it checks it.
 */
#ifndef VIVAC_TESTS_H264_READER_H
#define VIVAC_TESTS_H264_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct tr_bits {
    const uint8_t *buf;
    size_t bits;
    size_t pos;
    bool failed;
};

/* Removes emulation prevention bytes of a NAL payload; returns the RBSP size. */
static inline size_t tr_unescape(const uint8_t *in, size_t size, uint8_t *out)
{
    size_t n = 0;
    for (size_t i = 0; i < size; i++) {
        if (i >= 2 && in[i] == 3 && in[i - 1] == 0 && in[i - 2] == 0 && n >= 2 &&
            out[n - 1] == 0 && out[n - 2] == 0)
            continue;
        out[n++] = in[i];
    }
    return n;
}

static inline uint32_t tr_u(struct tr_bits *b, unsigned n)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < n; i++) {
        if (b->pos >= b->bits) {
            b->failed = true;
            return 0;
        }
        v = (v << 1) | ((b->buf[b->pos >> 3] >> (7 - (b->pos & 7))) & 1u);
        b->pos++;
    }
    return v;
}

static inline uint32_t tr_ue(struct tr_bits *b)
{
    unsigned zeros = 0;
    while (!b->failed && tr_u(b, 1) == 0)
        zeros++;
    if (zeros > 32) {
        b->failed = true;
        return 0;
    }
    uint64_t v = ((uint64_t)1 << zeros) - 1;
    if (zeros > 16) {
        v += (uint64_t)tr_u(b, zeros - 16) << 16;
        v += tr_u(b, 16);
    } else {
        v += tr_u(b, zeros);
    }
    return (uint32_t)v;
}

static inline int32_t tr_se(struct tr_bits *b)
{
    uint32_t k = tr_ue(b);
    return (k & 1) ? (int32_t)((k + 1) / 2) : -(int32_t)(k / 2);
}

/* True while bits other than the rbsp trailing bits remain. */
static inline bool tr_more_rbsp_data(const struct tr_bits *b)
{
    size_t last_one = b->bits;
    while (last_one > 0) {
        last_one--;
        if ((b->buf[last_one >> 3] >> (7 - (last_one & 7))) & 1u)
            break;
    }
    return b->pos < last_one;
}

/* Raster index of the i-th coefficient in zig-zag order, n = 4 or 8, built
 * by walking the anti-diagonals. */
static inline void tr_zigzag(unsigned n, uint8_t *scan)
{
    unsigned i = 0;
    for (unsigned s = 0; s <= 2 * (n - 1); s++) {
        unsigned lo = s >= n ? s - (n - 1) : 0, hi = s < n ? s : n - 1;
        if (s & 1)
            for (unsigned r = lo; r <= hi; r++)
                scan[i++] = (uint8_t)(r * n + (s - r));
        else
            for (unsigned r = hi + 1; r-- > lo;)
                scan[i++] = (uint8_t)(r * n + (s - r));
    }
}

/* Table 7-3 / 7-4 default matrices, raster order: constant along the
 * anti-diagonals except the 8x8 (1,1) entry. */
static inline void tr_default_list(bool intra, unsigned n, uint8_t *out)
{
    static const uint8_t d4[2][7] = {{10, 14, 20, 24, 27, 30, 34}, {6, 13, 20, 28, 32, 37, 42}};
    static const uint8_t d8[2][15] = {
        {9, 13, 15, 17, 19, 21, 22, 24, 25, 27, 28, 30, 32, 33, 35},
        {6, 10, 13, 16, 18, 23, 25, 27, 29, 31, 33, 36, 38, 40, 42},
    };
    for (unsigned r = 0; r < n; r++)
        for (unsigned c = 0; c < n; c++)
            out[r * n + c] = n == 4 ? d4[intra][r + c] : d8[intra][r + c];
    if (n == 8)
        out[9] = intra ? 11 : 13;
}

/* scaling_list(): returns 1 if coded, 0 if useDefaultScalingMatrixFlag.
 * `deltas` (if not NULL) receives the coded delta_scale values, *ndeltas
 * their count. */
static inline int tr_scaling_list(struct tr_bits *b, unsigned n, uint8_t *raster,
                                  int32_t *deltas, unsigned *ndeltas)
{
    uint8_t scan[64];
    tr_zigzag(n, scan);
    int last = 8, next = 8;
    unsigned size = n * n, nd = 0;
    for (unsigned j = 0; j < size; j++) {
        if (next != 0) {
            int32_t d = tr_se(b);
            if (deltas)
                deltas[nd] = d;
            nd++;
            next = (last + d + 256) % 256;
            if (j == 0 && next == 0) {
                if (ndeltas)
                    *ndeltas = nd;
                return 0;
            }
        }
        raster[scan[j]] = (uint8_t)(next == 0 ? last : next);
        last = raster[scan[j]];
    }
    if (ndeltas)
        *ndeltas = nd;
    return 1;
}

/* Reads the 6 (+2) scaling lists of an SPS or PPS into `m4`/`m8` with
 * fall-back rule A (fallback_4/8 = defaults) or B (= the SPS's lists).
 * present[] gets the scaling_list_present flags. */
static inline void tr_scaling_matrices(struct tr_bits *b, unsigned n8, uint8_t m4[6][16],
                                       uint8_t m8[2][64], const uint8_t fb4[2][16],
                                       const uint8_t fb8[2][64], bool present[8])
{
    for (unsigned i = 0; i < 6 + n8; i++) {
        bool intra = i < 3 || i == 6;
        present[i] = tr_u(b, 1);
        uint8_t *dst = i < 6 ? m4[i] : m8[i - 6];
        unsigned n = i < 6 ? 4 : 8;
        if (present[i]) {
            if (!tr_scaling_list(b, n, dst, NULL, NULL))
                tr_default_list(intra, n, dst);
        } else if (i == 0 || i == 3) {
            memcpy(dst, fb4[intra ? 0 : 1], 16);
        } else if (i < 6) {
            memcpy(dst, m4[i - 1], 16);
        } else {
            memcpy(dst, fb8[i - 6], 64);
        }
    }
}

struct tr_sps {
    uint32_t profile_idc, level_idc, sps_id;
    uint32_t chroma_format_idc, bit_depth_luma_minus8, bit_depth_chroma_minus8;
    bool seq_scaling_matrix_present;
    uint8_t m4[6][16], m8[2][64];             /* effective, raster */
    uint32_t log2_max_frame_num_minus4, poc_type, log2_max_poc_lsb_minus4;
    bool delta_pic_order_always_zero;
    uint32_t num_ref_frames;
    bool gaps;
    uint32_t width_mbs_minus1, height_map_units_minus1;
    bool frame_mbs_only, mbaff, direct_8x8;
    bool cropping;
    uint32_t crop[4];                         /* left, right, top, bottom */
    bool vui;
    bool bitstream_restriction;
    uint32_t max_num_reorder_frames, max_dec_frame_buffering;
    bool trailing_ok;                         /* stop bit then zeros, nothing after */
};

struct tr_pps {
    uint32_t pps_id, sps_id;
    bool cabac, bottom_field_pic_order_present;
    uint32_t num_slice_groups_minus1;
    uint32_t num_ref_idx_default_minus1[2];
    bool weighted_pred;
    uint32_t weighted_bipred_idc;
    int32_t pic_init_qp_minus26, pic_init_qs_minus26, chroma_qp_index_offset;
    bool deblocking_filter_control_present, constrained_intra_pred, redundant_pic_cnt_present;
    bool transform_8x8;
    bool pic_scaling_matrix_present;
    bool list_present[8];
    uint8_t m4[6][16], m8[2][64];             /* effective, raster */
    int32_t second_chroma_qp_index_offset;
    bool trailing_ok;
};

static inline bool tr_trailing(struct tr_bits *b)
{
    if (tr_u(b, 1) != 1)
        return false;
    while (b->pos & 7)
        if (tr_u(b, 1) != 0)
            return false;
    return !b->failed && b->pos == b->bits;
}

/* `rbsp` starts after the NAL header byte. */
static inline bool tr_parse_sps(const uint8_t *rbsp, size_t size, struct tr_sps *s)
{
    struct tr_bits b = {.buf = rbsp, .bits = size * 8};
    memset(s, 0, sizeof(*s));
    s->profile_idc = tr_u(&b, 8);
    tr_u(&b, 8);
    s->level_idc = tr_u(&b, 8);
    s->sps_id = tr_ue(&b);
    s->chroma_format_idc = 1;
    memset(s->m4, 16, sizeof(s->m4));
    memset(s->m8, 16, sizeof(s->m8));
    uint32_t p = s->profile_idc;
    if (p == 100 || p == 110 || p == 122 || p == 244 || p == 44 || p == 83 || p == 86 ||
        p == 118 || p == 128 || p == 138 || p == 139 || p == 134 || p == 135) {
        s->chroma_format_idc = tr_ue(&b);
        if (s->chroma_format_idc == 3)
            tr_u(&b, 1);
        s->bit_depth_luma_minus8 = tr_ue(&b);
        s->bit_depth_chroma_minus8 = tr_ue(&b);
        tr_u(&b, 1);
        s->seq_scaling_matrix_present = tr_u(&b, 1);
        if (s->seq_scaling_matrix_present) {
            uint8_t d4[2][16], d8[2][64];
            bool present[8];
            tr_default_list(true, 4, d4[0]);
            tr_default_list(false, 4, d4[1]);
            tr_default_list(true, 8, d8[0]);
            tr_default_list(false, 8, d8[1]);
            tr_scaling_matrices(&b, 2, s->m4, s->m8, (const uint8_t(*)[16])d4,
                                (const uint8_t(*)[64])d8, present);
        }
    }
    s->log2_max_frame_num_minus4 = tr_ue(&b);
    s->poc_type = tr_ue(&b);
    if (s->poc_type == 0) {
        s->log2_max_poc_lsb_minus4 = tr_ue(&b);
    } else if (s->poc_type == 1) {
        s->delta_pic_order_always_zero = tr_u(&b, 1);
        tr_se(&b);
        tr_se(&b);
        uint32_t n = tr_ue(&b);
        for (uint32_t i = 0; i < n && !b.failed; i++)
            tr_se(&b);
    }
    s->num_ref_frames = tr_ue(&b);
    s->gaps = tr_u(&b, 1);
    s->width_mbs_minus1 = tr_ue(&b);
    s->height_map_units_minus1 = tr_ue(&b);
    s->frame_mbs_only = tr_u(&b, 1);
    if (!s->frame_mbs_only)
        s->mbaff = tr_u(&b, 1);
    s->direct_8x8 = tr_u(&b, 1);
    s->cropping = tr_u(&b, 1);
    if (s->cropping)
        for (int i = 0; i < 4; i++)
            s->crop[i] = tr_ue(&b);
    s->vui = tr_u(&b, 1);
    if (s->vui) {
        if (tr_u(&b, 1) && tr_u(&b, 8) == 255)   /* aspect_ratio_info */
            tr_u(&b, 32);
        if (tr_u(&b, 1))                         /* overscan_info_present */
            tr_u(&b, 1);
        if (tr_u(&b, 1)) {                       /* video_signal_type_present */
            tr_u(&b, 4);
            if (tr_u(&b, 1))
                tr_u(&b, 24);
        }
        if (tr_u(&b, 1)) {                       /* chroma_loc_info_present */
            tr_ue(&b);
            tr_ue(&b);
        }
        if (tr_u(&b, 1)) {                       /* timing_info_present */
            tr_u(&b, 32);
            tr_u(&b, 32);
            tr_u(&b, 1);
        }
        bool nal_hrd = tr_u(&b, 1), vcl_hrd;
        if (nal_hrd)
            return false;                        /* not needed by the tests */
        vcl_hrd = tr_u(&b, 1);
        if (vcl_hrd)
            return false;
        tr_u(&b, 1);                             /* pic_struct_present */
        s->bitstream_restriction = tr_u(&b, 1);
        if (s->bitstream_restriction) {
            tr_u(&b, 1);
            tr_ue(&b);
            tr_ue(&b);
            tr_ue(&b);
            tr_ue(&b);
            s->max_num_reorder_frames = tr_ue(&b);
            s->max_dec_frame_buffering = tr_ue(&b);
        }
    }
    s->trailing_ok = tr_trailing(&b);
    return !b.failed;
}

static inline bool tr_parse_pps(const uint8_t *rbsp, size_t size, const struct tr_sps *sps,
                                struct tr_pps *p)
{
    struct tr_bits b = {.buf = rbsp, .bits = size * 8};
    memset(p, 0, sizeof(*p));
    p->pps_id = tr_ue(&b);
    p->sps_id = tr_ue(&b);
    p->cabac = tr_u(&b, 1);
    p->bottom_field_pic_order_present = tr_u(&b, 1);
    p->num_slice_groups_minus1 = tr_ue(&b);
    if (p->num_slice_groups_minus1)
        return false;
    p->num_ref_idx_default_minus1[0] = tr_ue(&b);
    p->num_ref_idx_default_minus1[1] = tr_ue(&b);
    p->weighted_pred = tr_u(&b, 1);
    p->weighted_bipred_idc = tr_u(&b, 2);
    p->pic_init_qp_minus26 = tr_se(&b);
    p->pic_init_qs_minus26 = tr_se(&b);
    p->chroma_qp_index_offset = tr_se(&b);
    p->deblocking_filter_control_present = tr_u(&b, 1);
    p->constrained_intra_pred = tr_u(&b, 1);
    p->redundant_pic_cnt_present = tr_u(&b, 1);
    p->second_chroma_qp_index_offset = p->chroma_qp_index_offset;
    memcpy(p->m4, sps->m4, sizeof(p->m4));
    memcpy(p->m8, sps->m8, sizeof(p->m8));
    if (tr_more_rbsp_data(&b)) {
        p->transform_8x8 = tr_u(&b, 1);
        p->pic_scaling_matrix_present = tr_u(&b, 1);
        if (p->pic_scaling_matrix_present) {
            /* Rule A without an SPS matrix, rule B with one. */
            uint8_t fb4[2][16], fb8[2][64];
            if (sps->seq_scaling_matrix_present) {
                memcpy(fb4[0], sps->m4[0], 16);
                memcpy(fb4[1], sps->m4[3], 16);
                memcpy(fb8, sps->m8, sizeof(fb8));
            } else {
                tr_default_list(true, 4, fb4[0]);
                tr_default_list(false, 4, fb4[1]);
                tr_default_list(true, 8, fb8[0]);
                tr_default_list(false, 8, fb8[1]);
            }
            tr_scaling_matrices(&b, p->transform_8x8 ? 2 : 0, p->m4, p->m8,
                                (const uint8_t(*)[16])fb4, (const uint8_t(*)[64])fb8,
                                p->list_present);
        }
        p->second_chroma_qp_index_offset = tr_se(&b);
    }
    p->trailing_ok = tr_trailing(&b);
    return !b.failed;
}

struct tr_slice {
    uint32_t nal_type, nal_ref_idc;
    uint32_t first_mb, slice_type, pps_id, frame_num;
    bool field_pic, bottom_field;
    uint32_t idr_pic_id, poc_lsb;
    int32_t delta_poc_bottom;
    bool direct_spatial;
    bool override;
    uint32_t num_ref_idx_minus1[2];           /* active counts (defaults applied) */
};

/* `nal` includes the header byte. */
static inline bool tr_parse_slice(const uint8_t *nal, size_t size, const struct tr_sps *const *spss,
                                  const struct tr_pps *const *ppss, struct tr_slice *s)
{
    uint8_t rbsp[128];
    size_t n = tr_unescape(nal + 1, size - 1 < 128 ? size - 1 : 128, rbsp);
    struct tr_bits b = {.buf = rbsp, .bits = n * 8};
    memset(s, 0, sizeof(*s));
    s->nal_type = nal[0] & 0x1f;
    s->nal_ref_idc = nal[0] >> 5;
    s->first_mb = tr_ue(&b);
    s->slice_type = tr_ue(&b) % 5;
    s->pps_id = tr_ue(&b);
    if (s->pps_id > 255 || !ppss[s->pps_id])
        return false;
    const struct tr_pps *pps = ppss[s->pps_id];
    const struct tr_sps *sps = spss[pps->sps_id];
    if (!sps)
        return false;
    s->frame_num = tr_u(&b, sps->log2_max_frame_num_minus4 + 4);
    if (!sps->frame_mbs_only) {
        s->field_pic = tr_u(&b, 1);
        if (s->field_pic)
            s->bottom_field = tr_u(&b, 1);
    }
    if (s->nal_type == 5)
        s->idr_pic_id = tr_ue(&b);
    if (sps->poc_type == 0) {
        s->poc_lsb = tr_u(&b, sps->log2_max_poc_lsb_minus4 + 4);
        if (pps->bottom_field_pic_order_present && !s->field_pic)
            s->delta_poc_bottom = tr_se(&b);
    }
    if (sps->poc_type == 1 && !sps->delta_pic_order_always_zero) {
        tr_se(&b);
        if (pps->bottom_field_pic_order_present && !s->field_pic)
            tr_se(&b);
    }
    if (pps->redundant_pic_cnt_present)
        tr_ue(&b);
    if (s->slice_type == 1)
        s->direct_spatial = tr_u(&b, 1);
    s->num_ref_idx_minus1[0] = pps->num_ref_idx_default_minus1[0];
    s->num_ref_idx_minus1[1] = pps->num_ref_idx_default_minus1[1];
    if (s->slice_type == 0 || s->slice_type == 1 || s->slice_type == 3) {
        s->override = tr_u(&b, 1);
        if (s->override) {
            s->num_ref_idx_minus1[0] = tr_ue(&b);
            if (s->slice_type == 1)
                s->num_ref_idx_minus1[1] = tr_ue(&b);
        }
    }
    return !b.failed;
}

#endif
