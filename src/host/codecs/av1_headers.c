/* AV1 sequence header, frame header and tile group OBUs from VA's picture
 * parameters (AV1 bitstream specification 5.5, 5.9, 5.11). The sequence
 * declares every tool VA can switch per frame (superres, restoration,
 * warped motion, reference motion vectors, screen content and integer
 * motion vectors chosen per frame), so that each frame header carries VA's
 * own choice; no frame ids, no decoder model, one operating point. */
#include "host/codecs/av1_headers.h"

#include <string.h>

#include "common/bitwriter.h"

#define REFS_PER_FRAME 7
#define NUM_REF_FRAMES 8
#define MAX_SEGMENTS 8
#define SEG_LVL_MAX 8
#define SEG_LVL_ALT_Q 0
#define WARPEDMODEL_PREC_BITS 16
#define GM_ABS_ALPHA_BITS 12
#define GM_ALPHA_PREC_BITS 15
#define GM_ABS_TRANS_ONLY_BITS 9
#define GM_TRANS_ONLY_PREC_BITS 3
#define GM_ABS_TRANS_BITS 12
#define GM_TRANS_PREC_BITS 6
#define WM_IDENTITY 0
#define WM_TRANSLATION 1
#define WM_ROTZOOM 2
#define WM_AFFINE 3
#define MAX_TILE_WIDTH 4096
#define MAX_TILE_AREA (4096 * 2304)
#define SUPERRES_NUM 8
#define SUPERRES_DENOM_MIN 9

static const uint8_t seg_feature_bits[SEG_LVL_MAX] = {8, 6, 6, 6, 6, 3, 0, 0};
static const bool seg_feature_signed[SEG_LVL_MAX] = {1, 1, 1, 1, 1, 0, 0, 0};
static const int8_t default_lf_ref_deltas[NUM_REF_FRAMES] = {1, 0, 0, 0, -1, 0, -1, -1};

void vh_av1_sequence_init(struct vh_av1_sequence *seq, uint32_t max_width, uint32_t max_height)
{
    seq->max_width = max_width;
    seq->max_height = max_height;
    seq->width_bits = 1;
    while ((1u << seq->width_bits) < max_width)
        seq->width_bits++;
    seq->height_bits = 1;
    while ((1u << seq->height_bits) < max_height)
        seq->height_bits++;
}

void vh_av1_slot_default(struct vh_av1_slot *slot)
{
    memset(slot, 0, sizeof(*slot));
    for (int r = 0; r < REFS_PER_FRAME; r++)
        for (int i = 0; i < 6; i++)
            slot->gm_params[r][i] = (i % 3 == 2) ? 1 << WARPEDMODEL_PREC_BITS : 0;
    memcpy(slot->lf_ref_deltas, default_lf_ref_deltas, sizeof(slot->lf_ref_deltas));
}

/* ---- bit writing helpers ---------------------------------------------------- */

/* su(n): n-bit two's complement. */
static void put_su(struct vc_bitwriter *bw, unsigned n, int32_t v)
{
    vc_bw_put_bits(bw, n, (uint32_t)v & ((1u << n) - 1u));
}

/* ns(n): a value in [0, n) in the fewest bits (4.10.7). */
static void put_ns(struct vc_bitwriter *bw, uint32_t n, uint32_t v)
{
    unsigned w = 0;
    while ((n >> w) != 0)
        w++;
    uint32_t m = (1u << w) - n;
    if (v < m) {
        vc_bw_put_bits(bw, w - 1, v);
        return;
    }
    uint32_t t = v + m;
    vc_bw_put_bits(bw, w - 1, t >> 1);
    vc_bw_put_bits(bw, 1, t & 1u);
}

static size_t put_leb128(uint8_t *out, size_t v)
{
    size_t n = 0;
    do {
        uint8_t byte = v & 0x7f;
        v >>= 7;
        out[n++] = byte | (v ? 0x80 : 0);
    } while (v);
    return n;
}

size_t vh_av1_write_obu_header(uint32_t type, size_t payload, uint8_t out[9])
{
    /* forbidden 0, type, no extension, has_size_field 1, reserved 0 */
    out[0] = (uint8_t)((type << 3) | 2u);
    return 1 + put_leb128(out + 1, payload);
}

/* Wraps the payload the writer `bw` made (into out + 16) in an OBU at out. */
static size_t finish_obu(uint32_t type, struct vc_bitwriter *bw, uint8_t *out, size_t cap)
{
    if (!vc_bw_ok(bw))
        return 0;
    size_t payload = vc_bw_bytes(bw);
    uint8_t head[9];
    size_t h = vh_av1_write_obu_header(type, payload, head);
    if (h + payload > cap)
        return 0;
    memmove(out + h, bw->buf, payload);
    memcpy(out, head, h);
    return h + payload;
}

/* ---- sequence header (5.5) ---------------------------------------------------- */

size_t vh_av1_write_sequence_header(const struct vw_av1_picture *p,
                                    const struct vh_av1_sequence *seq, uint8_t *out, size_t cap)
{
    if (cap < 16)
        return 0;
    struct vc_bitwriter bw;
    vc_bw_init(&bw, out + 16, cap - 16);
    vc_bw_put_bits(&bw, 3, p->profile);
    vc_bw_put_flag(&bw, p->still_picture);
    vc_bw_put_flag(&bw, 0);          /* reduced_still_picture_header */
    vc_bw_put_flag(&bw, 0);          /* timing_info_present_flag */
    vc_bw_put_flag(&bw, 0);          /* initial_display_delay_present_flag */
    vc_bw_put_bits(&bw, 5, 0);       /* operating_points_cnt_minus_1 */
    vc_bw_put_bits(&bw, 12, 0);      /* operating_point_idc[0] */
    vc_bw_put_bits(&bw, 5, 31);      /* seq_level_idx[0]: no level's limits */
    vc_bw_put_flag(&bw, 0);          /* seq_tier[0] */
    vc_bw_put_bits(&bw, 4, seq->width_bits - 1);
    vc_bw_put_bits(&bw, 4, seq->height_bits - 1);
    vc_bw_put_bits(&bw, seq->width_bits, seq->max_width - 1);
    vc_bw_put_bits(&bw, seq->height_bits, seq->max_height - 1);
    vc_bw_put_flag(&bw, 0);          /* frame_id_numbers_present_flag */
    vc_bw_put_flag(&bw, p->use_128x128_superblock);
    vc_bw_put_flag(&bw, p->enable_filter_intra);
    vc_bw_put_flag(&bw, p->enable_intra_edge_filter);
    vc_bw_put_flag(&bw, p->enable_interintra_compound);
    vc_bw_put_flag(&bw, p->enable_masked_compound);
    vc_bw_put_flag(&bw, 1);          /* enable_warped_motion: per frame */
    vc_bw_put_flag(&bw, p->enable_dual_filter);
    vc_bw_put_flag(&bw, p->enable_order_hint);
    if (p->enable_order_hint) {
        vc_bw_put_flag(&bw, p->enable_jnt_comp);
        vc_bw_put_flag(&bw, 1);      /* enable_ref_frame_mvs: per frame */
    }
    vc_bw_put_flag(&bw, 1);          /* seq_choose_screen_content_tools: per frame */
    vc_bw_put_flag(&bw, 1);          /* seq_choose_integer_mv: per frame */
    if (p->enable_order_hint)
        vc_bw_put_bits(&bw, 3, p->order_hint_bits_minus_1);
    vc_bw_put_flag(&bw, 1);          /* enable_superres: per frame */
    vc_bw_put_flag(&bw, p->enable_cdef);
    vc_bw_put_flag(&bw, 1);          /* enable_restoration: per frame */
    /* color_config(), profile 0 */
    vc_bw_put_flag(&bw, p->bit_depth_idx != 0);  /* high_bitdepth */
    vc_bw_put_flag(&bw, 0);          /* mono_chrome */
    /* No colour description: the primaries, transfer and matrix do not
     * change decoding of 4:2:0 (the matrix only for 4:4:4 identity). */
    vc_bw_put_flag(&bw, 0);          /* color_description_present_flag */
    vc_bw_put_flag(&bw, p->color_range);
    vc_bw_put_bits(&bw, 2, p->chroma_sample_position);
    vc_bw_put_flag(&bw, 1);          /* separate_uv_delta_q: U and V deltas as VA has them */
    vc_bw_put_flag(&bw, p->film_grain_params_present);
    vc_bw_put_trailing_bits(&bw);
    return finish_obu(VH_AV1_OBU_SEQUENCE_HEADER, &bw, out, cap);
}

/* ---- sizes and tiles ------------------------------------------------------------ */

uint32_t vh_av1_coded_width(const struct vw_av1_picture *p)
{
    uint32_t upscaled = p->frame_width_minus1 + 1u;
    if (!p->use_superres)
        return upscaled;
    uint32_t d = p->superres_scale_denominator;
    uint32_t w = (upscaled * SUPERRES_NUM + d / 2) / d;
    uint32_t min_w = upscaled < 16 ? upscaled : 16;
    return w > min_w ? w : min_w;
}

static uint32_t tile_log2(uint32_t blk, uint32_t target)
{
    uint32_t k = 0;
    while ((blk << k) < target)
        k++;
    return k;
}

const char *vh_av1_tile_layout(const struct vw_av1_picture *p, struct vh_av1_tiles *t)
{
    memset(t, 0, sizeof(*t));
    uint32_t mi_cols = 2 * ((vh_av1_coded_width(p) + 7) >> 3);
    uint32_t mi_rows = 2 * ((p->frame_height_minus1 + 1u + 7) >> 3);
    uint32_t sb_shift = p->use_128x128_superblock ? 5 : 4;
    uint32_t sb_size = sb_shift + 2;
    t->sb_cols = (mi_cols + (1u << sb_shift) - 1) >> sb_shift;
    t->sb_rows = (mi_rows + (1u << sb_shift) - 1) >> sb_shift;
    t->max_tile_width_sb = MAX_TILE_WIDTH >> sb_size;
    uint32_t max_tile_area_sb = MAX_TILE_AREA >> (2 * sb_size);
    t->min_cols_log2 = tile_log2(t->max_tile_width_sb, t->sb_cols);
    t->max_cols_log2 = tile_log2(1, t->sb_cols < 64 ? t->sb_cols : 64);
    t->max_rows_log2 = tile_log2(1, t->sb_rows < 64 ? t->sb_rows : 64);
    uint32_t min_log2_tiles = tile_log2(max_tile_area_sb, t->sb_rows * t->sb_cols);
    if (t->min_cols_log2 > min_log2_tiles)
        min_log2_tiles = t->min_cols_log2;
    if (p->tile_cols < 1 || p->tile_cols > VW_AV1_MAX_TILE_COLS || p->tile_rows < 1 ||
        p->tile_rows > VW_AV1_MAX_TILE_ROWS)
        return "tile_cols or tile_rows outside 1..64";

    if (p->uniform_tile_spacing_flag) {
        /* The log2 giving VA's tile counts. */
        bool found = false;
        for (uint32_t l = t->min_cols_log2; l <= t->max_cols_log2 && !found; l++) {
            uint32_t w = (t->sb_cols + (1u << l) - 1) >> l;
            if ((t->sb_cols + w - 1) / w == p->tile_cols) {
                t->cols_log2 = l;
                found = true;
            }
        }
        if (!found)
            return "tile_cols is no uniform tile count of the frame";
        t->min_rows_log2 = min_log2_tiles > t->cols_log2 ? min_log2_tiles - t->cols_log2 : 0;
        found = false;
        for (uint32_t l = t->min_rows_log2; l <= t->max_rows_log2 && !found; l++) {
            uint32_t h = (t->sb_rows + (1u << l) - 1) >> l;
            if ((t->sb_rows + h - 1) / h == p->tile_rows) {
                t->rows_log2 = l;
                found = true;
            }
        }
        if (!found)
            return "tile_rows is no uniform tile count of the frame";
        uint32_t w = (t->sb_cols + (1u << t->cols_log2) - 1) >> t->cols_log2;
        uint32_t h = (t->sb_rows + (1u << t->rows_log2) - 1) >> t->rows_log2;
        t->cols = p->tile_cols;
        t->rows = p->tile_rows;
        for (uint32_t i = 0; i < t->cols; i++)
            t->width_sb[i] = (uint16_t)(i + 1 < t->cols ? w : t->sb_cols - w * i);
        for (uint32_t i = 0; i < t->rows; i++)
            t->height_sb[i] = (uint16_t)(i + 1 < t->rows ? h : t->sb_rows - h * i);
        return NULL;
    }

    uint32_t start = 0, widest = 0;
    for (uint32_t i = 0; i + 1 < p->tile_cols; i++) {
        uint32_t w = p->width_in_sbs_minus_1[i] + 1u;
        uint32_t left = t->sb_cols - start;
        uint32_t max_w = left < t->max_tile_width_sb ? left : t->max_tile_width_sb;
        if (w >= left || w > max_w)
            return "a tile column is wider than the frame or a tile may be";
        t->width_sb[i] = (uint16_t)w;
        widest = w > widest ? w : widest;
        start += w;
    }
    uint32_t last = t->sb_cols - start;
    if (last > t->max_tile_width_sb)
        return "the last tile column is wider than a tile may be";
    t->width_sb[p->tile_cols - 1] = (uint16_t)last;
    widest = last > widest ? last : widest;
    t->cols = p->tile_cols;
    t->cols_log2 = tile_log2(1, t->cols);

    uint32_t area = t->sb_rows * t->sb_cols;
    uint32_t max_area = min_log2_tiles > 0 ? area >> (min_log2_tiles + 1) : area;
    t->max_tile_height_sb = max_area / widest > 1 ? max_area / widest : 1;
    start = 0;
    for (uint32_t i = 0; i + 1 < p->tile_rows; i++) {
        uint32_t h = p->height_in_sbs_minus_1[i] + 1u;
        uint32_t left = t->sb_rows - start;
        if (h >= left || h > t->max_tile_height_sb)
            return "a tile row is taller than the frame or a tile may be";
        t->height_sb[i] = (uint16_t)h;
        start += h;
    }
    last = t->sb_rows - start;
    if (last > t->max_tile_height_sb)
        return "the last tile row is taller than a tile may be";
    t->height_sb[p->tile_rows - 1] = (uint16_t)last;
    t->rows = p->tile_rows;
    t->rows_log2 = tile_log2(1, t->rows);
    return NULL;
}

static void write_tile_info(struct vc_bitwriter *bw, const struct vw_av1_picture *p,
                            const struct vh_av1_tiles *t)
{
    vc_bw_put_flag(bw, p->uniform_tile_spacing_flag);
    if (p->uniform_tile_spacing_flag) {
        for (uint32_t l = t->min_cols_log2; l < t->max_cols_log2; l++) {
            vc_bw_put_flag(bw, l < t->cols_log2);
            if (l >= t->cols_log2)
                break;
        }
        for (uint32_t l = t->min_rows_log2; l < t->max_rows_log2; l++) {
            vc_bw_put_flag(bw, l < t->rows_log2);
            if (l >= t->rows_log2)
                break;
        }
    } else {
        uint32_t start = 0;
        for (uint32_t i = 0; i < t->cols; i++) {
            uint32_t left = t->sb_cols - start;
            uint32_t max_w = left < t->max_tile_width_sb ? left : t->max_tile_width_sb;
            put_ns(bw, max_w, t->width_sb[i] - 1u);
            start += t->width_sb[i];
        }
        start = 0;
        for (uint32_t i = 0; i < t->rows; i++) {
            uint32_t left = t->sb_rows - start;
            uint32_t max_h = left < t->max_tile_height_sb ? left : t->max_tile_height_sb;
            put_ns(bw, max_h, t->height_sb[i] - 1u);
            start += t->height_sb[i];
        }
    }
    if (t->cols_log2 > 0 || t->rows_log2 > 0) {
        vc_bw_put_bits(bw, t->cols_log2 + t->rows_log2, p->context_update_tile_id);
        vc_bw_put_bits(bw, 2, VH_AV1_TILE_SIZE_BYTES - 1);
    }
}

/* ---- global motion (5.9.24, 5.9.25, 5.9.26-28) ------------------------------------ */

/* The inverse of inverse_recenter(). */
static uint32_t recenter(uint32_t r, uint32_t v)
{
    if (v > 2 * r)
        return v;
    if (v >= r)
        return (v - r) << 1;
    return ((r - v) << 1) - 1;
}

static void put_subexp(struct vc_bitwriter *bw, uint32_t num_syms, uint32_t v)
{
    uint32_t i = 0, mk = 0, k = 3;
    for (;;) {
        uint32_t b2 = i ? k + i - 1 : k;
        uint32_t a = 1u << b2;
        if (num_syms <= mk + 3 * a) {
            put_ns(bw, num_syms - mk, v - mk);
            return;
        }
        bool more = v >= mk + a;
        vc_bw_put_flag(bw, more);
        if (!more) {
            vc_bw_put_bits(bw, b2, v - mk);
            return;
        }
        i++;
        mk += a;
    }
}

/* decode_signed_subexp_with_ref(low, high, r) would read x. */
static void put_signed_subexp_with_ref(struct vc_bitwriter *bw, int32_t low, int32_t high,
                                       int32_t r, int32_t x)
{
    uint32_t mx = (uint32_t)(high - low);
    uint32_t rr = (uint32_t)(r - low);
    uint32_t u = (uint32_t)(x - low);
    uint32_t v = ((rr << 1) <= mx) ? recenter(rr, u) : recenter(mx - 1 - rr, mx - 1 - u);
    put_subexp(bw, mx, v);
}

/* Writes gm_params[ref][idx]; false if the value cannot be coded. */
static bool put_global_param(struct vc_bitwriter *bw, int type, int idx, bool hp,
                             int32_t prev, int32_t value)
{
    int abs_bits = GM_ABS_ALPHA_BITS, prec_bits = GM_ALPHA_PREC_BITS;
    if (idx < 2) {
        if (type == WM_TRANSLATION) {
            abs_bits = GM_ABS_TRANS_ONLY_BITS - !hp;
            prec_bits = GM_TRANS_ONLY_PREC_BITS - !hp;
        } else {
            abs_bits = GM_ABS_TRANS_BITS;
            prec_bits = GM_TRANS_PREC_BITS;
        }
    }
    int prec_diff = WARPEDMODEL_PREC_BITS - prec_bits;
    int32_t round = (idx % 3) == 2 ? (1 << WARPEDMODEL_PREC_BITS) : 0;
    int32_t sub = (idx % 3) == 2 ? (1 << prec_bits) : 0;
    int32_t mx = 1 << abs_bits;
    int32_t r = (prev >> prec_diff) - sub;
    int32_t coded = value - round;
    if (coded % (1 << prec_diff) != 0)
        return false;
    coded /= 1 << prec_diff;
    if (coded < -mx || coded > mx || r < -mx || r > mx)
        return false;
    put_signed_subexp_with_ref(bw, -mx, mx + 1, r, coded);
    return true;
}

static const char *write_global_motion(struct vc_bitwriter *bw, const struct vw_av1_picture *p,
                                       const int32_t prev[7][6], struct vh_av1_slot *saved)
{
    for (int ref = 0; ref < REFS_PER_FRAME; ref++) {
        const struct vw_av1_global_motion *g = &p->wm[ref];
        int type = g->wmtype;
        vc_bw_put_flag(bw, type != WM_IDENTITY);
        if (type != WM_IDENTITY) {
            vc_bw_put_flag(bw, type == WM_ROTZOOM);
            if (type != WM_ROTZOOM)
                vc_bw_put_flag(bw, type == WM_TRANSLATION);
        }
        bool hp = p->allow_high_precision_mv;
        int32_t *out = saved->gm_params[ref];
        for (int i = 0; i < 6; i++)
            out[i] = (i % 3 == 2) ? 1 << WARPEDMODEL_PREC_BITS : 0;
        if (type >= WM_ROTZOOM) {
            if (!put_global_param(bw, type, 2, hp, prev[ref][2], g->wmmat[2]) ||
                !put_global_param(bw, type, 3, hp, prev[ref][3], g->wmmat[3]))
                return "a global motion parameter the header cannot code";
            out[2] = g->wmmat[2];
            out[3] = g->wmmat[3];
            if (type == WM_AFFINE) {
                if (!put_global_param(bw, type, 4, hp, prev[ref][4], g->wmmat[4]) ||
                    !put_global_param(bw, type, 5, hp, prev[ref][5], g->wmmat[5]))
                    return "a global motion parameter the header cannot code";
                out[4] = g->wmmat[4];
                out[5] = g->wmmat[5];
            } else {
                out[4] = -out[3];
                out[5] = out[2];
                if (g->wmmat[4] != out[4] || g->wmmat[5] != out[5])
                    return "rotzoom global motion whose parameters 4 and 5 are not -3 and 2";
            }
        }
        if (type >= WM_TRANSLATION) {
            if (!put_global_param(bw, type, 0, hp, prev[ref][0], g->wmmat[0]) ||
                !put_global_param(bw, type, 1, hp, prev[ref][1], g->wmmat[1]))
                return "a global motion parameter the header cannot code";
            out[0] = g->wmmat[0];
            out[1] = g->wmmat[1];
        }
    }
    return NULL;
}

/* ---- film grain (5.9.30) ------------------------------------------------------------ */

static void write_film_grain(struct vc_bitwriter *bw, const struct vw_av1_picture *p)
{
    const struct vw_av1_film_grain *g = &p->film_grain;
    vc_bw_put_flag(bw, g->apply_grain);
    if (!g->apply_grain)
        return;
    vc_bw_put_bits(bw, 16, g->grain_seed);
    if (p->frame_type == VW_AV1_INTER_FRAME)
        vc_bw_put_flag(bw, 1);       /* update_grain: VA gives the parameters in force */
    vc_bw_put_bits(bw, 4, g->num_y_points);
    for (int i = 0; i < g->num_y_points; i++) {
        vc_bw_put_bits(bw, 8, g->point_y_value[i]);
        vc_bw_put_bits(bw, 8, g->point_y_scaling[i]);
    }
    vc_bw_put_flag(bw, g->chroma_scaling_from_luma);
    if (!g->chroma_scaling_from_luma && g->num_y_points) {
        vc_bw_put_bits(bw, 4, g->num_cb_points);
        for (int i = 0; i < g->num_cb_points; i++) {
            vc_bw_put_bits(bw, 8, g->point_cb_value[i]);
            vc_bw_put_bits(bw, 8, g->point_cb_scaling[i]);
        }
        vc_bw_put_bits(bw, 4, g->num_cr_points);
        for (int i = 0; i < g->num_cr_points; i++) {
            vc_bw_put_bits(bw, 8, g->point_cr_value[i]);
            vc_bw_put_bits(bw, 8, g->point_cr_scaling[i]);
        }
    }
    vc_bw_put_bits(bw, 2, g->grain_scaling_minus_8);
    vc_bw_put_bits(bw, 2, g->ar_coeff_lag);
    int num_pos_luma = 2 * g->ar_coeff_lag * (g->ar_coeff_lag + 1);
    int num_pos_chroma = num_pos_luma;
    if (g->num_y_points) {
        num_pos_chroma = num_pos_luma + 1;
        for (int i = 0; i < num_pos_luma; i++)
            vc_bw_put_bits(bw, 8, (uint32_t)(g->ar_coeffs_y[i] + 128));
    }
    if (g->chroma_scaling_from_luma || g->num_cb_points)
        for (int i = 0; i < num_pos_chroma; i++)
            vc_bw_put_bits(bw, 8, (uint32_t)(g->ar_coeffs_cb[i] + 128));
    if (g->chroma_scaling_from_luma || g->num_cr_points)
        for (int i = 0; i < num_pos_chroma; i++)
            vc_bw_put_bits(bw, 8, (uint32_t)(g->ar_coeffs_cr[i] + 128));
    vc_bw_put_bits(bw, 2, g->ar_coeff_shift_minus_6);
    vc_bw_put_bits(bw, 2, g->grain_scale_shift);
    if (g->num_cb_points) {
        vc_bw_put_bits(bw, 8, g->cb_mult);
        vc_bw_put_bits(bw, 8, g->cb_luma_mult);
        vc_bw_put_bits(bw, 9, g->cb_offset);
    }
    if (g->num_cr_points) {
        vc_bw_put_bits(bw, 8, g->cr_mult);
        vc_bw_put_bits(bw, 8, g->cr_luma_mult);
        vc_bw_put_bits(bw, 9, g->cr_offset);
    }
    vc_bw_put_flag(bw, g->overlap_flag);
    vc_bw_put_flag(bw, g->clip_to_restricted_range);
}

/* ---- frame header (5.9) ---------------------------------------------------------------- */

static int relative_dist(const struct vw_av1_picture *p, int a, int b)
{
    if (!p->enable_order_hint)
        return 0;
    int bits = p->order_hint_bits_minus_1 + 1;
    int diff = a - b;
    int m = 1 << (bits - 1);
    return (diff & (m - 1)) - (diff & m);
}

/* skip_mode_params(): whether skip_mode_present is coded. */
static bool skip_mode_allowed(const struct vw_av1_picture *p, const struct vh_av1_slot slots[8],
                              bool intra)
{
    if (intra || !p->reference_select || !p->enable_order_hint)
        return false;
    int fwd = -1, bwd = -1, fwd_hint = 0, bwd_hint = 0;
    for (int i = 0; i < REFS_PER_FRAME; i++) {
        int hint = slots[p->ref_frame_idx[i]].order_hint;
        if (relative_dist(p, hint, p->order_hint) < 0) {
            if (fwd < 0 || relative_dist(p, hint, fwd_hint) > 0) {
                fwd = i;
                fwd_hint = hint;
            }
        } else if (relative_dist(p, hint, p->order_hint) > 0) {
            if (bwd < 0 || relative_dist(p, hint, bwd_hint) < 0) {
                bwd = i;
                bwd_hint = hint;
            }
        }
    }
    if (fwd < 0)
        return false;
    if (bwd >= 0)
        return true;
    int second = -1, second_hint = 0;
    for (int i = 0; i < REFS_PER_FRAME; i++) {
        int hint = slots[p->ref_frame_idx[i]].order_hint;
        if (relative_dist(p, hint, fwd_hint) < 0 &&
            (second < 0 || relative_dist(p, hint, second_hint) > 0)) {
            second = i;
            second_hint = hint;
        }
    }
    return second >= 0;
}

static void write_delta_q(struct vc_bitwriter *bw, int v)
{
    vc_bw_put_flag(bw, v != 0);
    if (v)
        put_su(bw, 7, v);
}

/* segmentation_params(); saved gets the features in force. */
static void write_segmentation(struct vc_bitwriter *bw, const struct vw_av1_picture *p,
                               const struct vh_av1_slot *prev, struct vh_av1_slot *saved)
{
    const struct vw_av1_segmentation *s = &p->seg;
    vc_bw_put_flag(bw, s->enabled);
    memset(saved->seg_feature_mask, 0, sizeof(saved->seg_feature_mask));
    memset(saved->seg_feature_data, 0, sizeof(saved->seg_feature_data));
    if (!s->enabled)
        return;
    bool update_data = true;
    if (p->primary_ref_frame != VW_AV1_PRIMARY_REF_NONE) {
        vc_bw_put_flag(bw, s->update_map);
        if (s->update_map)
            vc_bw_put_flag(bw, s->temporal_update);
        vc_bw_put_flag(bw, s->update_data);
        update_data = s->update_data;
    }
    if (!update_data) {
        memcpy(saved->seg_feature_mask, prev->seg_feature_mask, sizeof(saved->seg_feature_mask));
        memcpy(saved->seg_feature_data, prev->seg_feature_data, sizeof(saved->seg_feature_data));
        return;
    }
    for (int i = 0; i < MAX_SEGMENTS; i++) {
        for (int j = 0; j < SEG_LVL_MAX; j++) {
            bool on = (s->feature_mask[i] >> j) & 1u;
            vc_bw_put_flag(bw, on);
            if (!on)
                continue;
            int v = s->feature_data[i][j];
            if (seg_feature_signed[j])
                put_su(bw, 1 + seg_feature_bits[j], v);
            else
                vc_bw_put_bits(bw, seg_feature_bits[j], (uint32_t)v);
            saved->seg_feature_mask[i] |= (uint8_t)(1u << j);
            saved->seg_feature_data[i][j] = (int16_t)v;
        }
    }
}

/* Whether every segment is lossless (CodedLossless), from the features in force. */
static bool coded_lossless(const struct vw_av1_picture *p, const struct vh_av1_slot *seg)
{
    if (p->y_dc_delta_q || p->u_dc_delta_q || p->u_ac_delta_q || p->v_dc_delta_q ||
        p->v_ac_delta_q)
        return false;
    for (int i = 0; i < MAX_SEGMENTS; i++) {
        int q = p->base_qindex;
        if (p->seg.enabled && (seg->seg_feature_mask[i] & (1u << SEG_LVL_ALT_Q))) {
            q += seg->seg_feature_data[i][SEG_LVL_ALT_Q];
            q = q < 0 ? 0 : q > 255 ? 255 : q;
        }
        if (q != 0)
            return false;
    }
    return true;
}

/* VA's loop filter deltas are the values in force after the frame's
 * updates (FFmpeg's CBS and GStreamer's parser infer those not coded from
 * the primary reference frame, or the defaults): a value that differs from
 * the slot's is coded as an update. */
static bool lf_delta_changes(int va, int prev)
{
    return va != prev;
}

static void write_loop_filter(struct vc_bitwriter *bw, const struct vw_av1_picture *p,
                              const struct vh_av1_slot *prev, struct vh_av1_slot *saved)
{
    vc_bw_put_bits(bw, 6, p->filter_level[0]);
    vc_bw_put_bits(bw, 6, p->filter_level[1]);
    if (p->filter_level[0] || p->filter_level[1]) {
        vc_bw_put_bits(bw, 6, p->filter_level_u);
        vc_bw_put_bits(bw, 6, p->filter_level_v);
    }
    vc_bw_put_bits(bw, 3, p->sharpness_level);
    vc_bw_put_flag(bw, p->mode_ref_delta_enabled);
    memcpy(saved->lf_ref_deltas, prev->lf_ref_deltas, sizeof(saved->lf_ref_deltas));
    memcpy(saved->lf_mode_deltas, prev->lf_mode_deltas, sizeof(saved->lf_mode_deltas));
    if (!p->mode_ref_delta_enabled)
        return;
    vc_bw_put_flag(bw, p->mode_ref_delta_update);
    if (!p->mode_ref_delta_update)
        return;
    for (int i = 0; i < NUM_REF_FRAMES; i++) {
        bool update = lf_delta_changes(p->ref_deltas[i], prev->lf_ref_deltas[i]);
        vc_bw_put_flag(bw, update);
        if (update) {
            put_su(bw, 7, p->ref_deltas[i]);
            saved->lf_ref_deltas[i] = p->ref_deltas[i];
        }
    }
    for (int i = 0; i < 2; i++) {
        bool update = lf_delta_changes(p->mode_deltas[i], prev->lf_mode_deltas[i]);
        vc_bw_put_flag(bw, update);
        if (update) {
            put_su(bw, 7, p->mode_deltas[i]);
            saved->lf_mode_deltas[i] = p->mode_deltas[i];
        }
    }
}

static void write_cdef(struct vc_bitwriter *bw, const struct vw_av1_picture *p)
{
    vc_bw_put_bits(bw, 2, p->cdef_damping_minus_3);
    vc_bw_put_bits(bw, 2, p->cdef_bits);
    for (int i = 0; i < (1 << p->cdef_bits); i++) {
        vc_bw_put_bits(bw, 4, p->cdef_y_strengths[i] >> 2);
        vc_bw_put_bits(bw, 2, p->cdef_y_strengths[i] & 3u);
        vc_bw_put_bits(bw, 4, p->cdef_uv_strengths[i] >> 2);
        vc_bw_put_bits(bw, 2, p->cdef_uv_strengths[i] & 3u);
    }
}

static const char *write_lr(struct vc_bitwriter *bw, const struct vw_av1_picture *p)
{
    /* FrameRestorationType -> lr_type (the inverse of Remap_Lr_Type) */
    static const uint8_t coded[4] = {0, 2, 3, 1};
    bool uses_lr = false, uses_chroma = false;
    for (int i = 0; i < 3; i++) {
        vc_bw_put_bits(bw, 2, coded[p->lr_type[i] & 3u]);
        if (p->lr_type[i]) {
            uses_lr = true;
            if (i > 0)
                uses_chroma = true;
        }
    }
    if (!uses_lr)
        return NULL;
    if (p->use_128x128_superblock) {
        if (p->lr_unit_shift < 1)
            return "lr_unit_shift 0 with 128x128 superblocks";
        vc_bw_put_flag(bw, p->lr_unit_shift == 2);
    } else {
        vc_bw_put_flag(bw, p->lr_unit_shift > 0);
        if (p->lr_unit_shift > 0)
            vc_bw_put_flag(bw, p->lr_unit_shift == 2);
    }
    if (uses_chroma)
        vc_bw_put_flag(bw, p->lr_uv_shift);
    else if (p->lr_uv_shift)
        return "lr_uv_shift without chroma restoration";
    return NULL;
}

const char *vh_av1_write_frame_header(const struct vw_av1_picture *p,
                                      const struct vh_av1_sequence *seq, uint8_t refresh,
                                      const struct vh_av1_slot slots[8],
                                      struct vh_av1_slot *saved, uint8_t *out, size_t cap,
                                      size_t *size)
{
    if (cap < 16)
        return "no room for the frame header";
    struct vh_av1_tiles tiles;
    const char *why = vh_av1_tile_layout(p, &tiles);
    if (why)
        return why;
    uint32_t type = p->frame_type;
    bool intra = type == VW_AV1_KEY_FRAME || type == VW_AV1_INTRA_ONLY_FRAME;
    bool shown_key = type == VW_AV1_KEY_FRAME && p->show_frame;
    bool primary_none = p->primary_ref_frame == VW_AV1_PRIMARY_REF_NONE;
    if (type == VW_AV1_SWITCH_FRAME || shown_key)
        refresh = 0xff;
    else if (type == VW_AV1_INTRA_ONLY_FRAME && refresh == 0xff)
        return "an intra-only frame refreshing every slot";
    struct vh_av1_slot defaults;
    vh_av1_slot_default(&defaults);
    const struct vh_av1_slot *prev =
        primary_none ? &defaults : &slots[p->ref_frame_idx[p->primary_ref_frame]];
    vh_av1_slot_default(saved);
    saved->frame_type = (uint8_t)type;
    saved->order_hint = p->order_hint;
    uint32_t upscaled_w = p->frame_width_minus1 + 1u, h = p->frame_height_minus1 + 1u;
    uint32_t coded_w = vh_av1_coded_width(p);
    unsigned hint_bits = p->enable_order_hint ? p->order_hint_bits_minus_1 + 1u : 0;

    struct vc_bitwriter bw_, *bw = &bw_;
    vc_bw_init(bw, out + 16, cap - 16);
    vc_bw_put_flag(bw, 0);           /* show_existing_frame */
    vc_bw_put_bits(bw, 2, type);
    vc_bw_put_flag(bw, p->show_frame);
    if (!p->show_frame)
        vc_bw_put_flag(bw, p->showable_frame);
    if (type != VW_AV1_SWITCH_FRAME && !shown_key)
        vc_bw_put_flag(bw, p->error_resilient_mode);
    bool error_resilient = p->error_resilient_mode || type == VW_AV1_SWITCH_FRAME || shown_key;
    vc_bw_put_flag(bw, p->disable_cdf_update);
    vc_bw_put_flag(bw, p->allow_screen_content_tools);
    if (p->allow_screen_content_tools)
        vc_bw_put_flag(bw, p->force_integer_mv);
    else if (p->force_integer_mv && !intra)
        return "force_integer_mv without screen content tools";
    bool force_integer_mv = intra || (p->allow_screen_content_tools && p->force_integer_mv);
    bool size_override = upscaled_w != seq->max_width || h != seq->max_height;
    if (type != VW_AV1_SWITCH_FRAME)
        vc_bw_put_flag(bw, size_override);
    else
        size_override = true;
    vc_bw_put_bits(bw, hint_bits, p->order_hint);
    if (!intra && !error_resilient)
        vc_bw_put_bits(bw, 3, p->primary_ref_frame);
    if (!(type == VW_AV1_SWITCH_FRAME || shown_key))
        vc_bw_put_bits(bw, 8, refresh);
    if ((!intra || refresh != 0xff) && error_resilient && p->enable_order_hint)
        for (int i = 0; i < NUM_REF_FRAMES; i++)
            vc_bw_put_bits(bw, hint_bits, slots[i].order_hint);

    bool frame_size_coded = intra || !size_override || error_resilient;
    if (!intra) {
        if (p->enable_order_hint)
            vc_bw_put_flag(bw, 0);   /* frame_refs_short_signaling */
        for (int i = 0; i < REFS_PER_FRAME; i++)
            vc_bw_put_bits(bw, 3, p->ref_frame_idx[i]);
        if (!frame_size_coded)
            for (int i = 0; i < REFS_PER_FRAME; i++)
                vc_bw_put_flag(bw, 0); /* found_ref: the size follows */
    }
    /* frame_size(), superres_params(), render_size() */
    if (size_override) {
        vc_bw_put_bits(bw, seq->width_bits, upscaled_w - 1);
        vc_bw_put_bits(bw, seq->height_bits, h - 1);
    }
    vc_bw_put_flag(bw, p->use_superres);
    if (p->use_superres)
        vc_bw_put_bits(bw, 3, p->superres_scale_denominator - SUPERRES_DENOM_MIN);
    vc_bw_put_flag(bw, 0);           /* render_and_frame_size_different */
    if (intra) {
        if (p->allow_screen_content_tools && upscaled_w == coded_w)
            vc_bw_put_flag(bw, p->allow_intrabc);
        else if (p->allow_intrabc)
            return "allow_intrabc where the header cannot code it";
    } else {
        if (p->allow_intrabc)
            return "allow_intrabc on an inter frame";
        if (!force_integer_mv)
            vc_bw_put_flag(bw, p->allow_high_precision_mv);
        vc_bw_put_flag(bw, p->interp_filter == 4);
        if (p->interp_filter != 4)
            vc_bw_put_bits(bw, 2, p->interp_filter);
        vc_bw_put_flag(bw, p->is_motion_mode_switchable);
        if (!error_resilient && p->enable_order_hint)
            vc_bw_put_flag(bw, p->use_ref_frame_mvs);
        else if (p->use_ref_frame_mvs)
            return "use_ref_frame_mvs where the header cannot code it";
    }
    if (!p->disable_cdf_update)
        vc_bw_put_flag(bw, p->disable_frame_end_update_cdf);
    write_tile_info(bw, p, &tiles);

    /* quantization_params() */
    vc_bw_put_bits(bw, 8, p->base_qindex);
    write_delta_q(bw, p->y_dc_delta_q);
    bool diff_uv = p->u_dc_delta_q != p->v_dc_delta_q || p->u_ac_delta_q != p->v_ac_delta_q;
    vc_bw_put_flag(bw, diff_uv);
    write_delta_q(bw, p->u_dc_delta_q);
    write_delta_q(bw, p->u_ac_delta_q);
    if (diff_uv) {
        write_delta_q(bw, p->v_dc_delta_q);
        write_delta_q(bw, p->v_ac_delta_q);
    }
    vc_bw_put_flag(bw, p->using_qmatrix);
    if (p->using_qmatrix) {
        vc_bw_put_bits(bw, 4, p->qm_y);
        vc_bw_put_bits(bw, 4, p->qm_u);
        vc_bw_put_bits(bw, 4, p->qm_v);
    }
    write_segmentation(bw, p, prev, saved);
    /* delta_q_params(), delta_lf_params() */
    if (p->base_qindex > 0)
        vc_bw_put_flag(bw, p->delta_q_present_flag);
    else if (p->delta_q_present_flag)
        return "delta_q_present_flag with base_qindex 0";
    if (p->delta_q_present_flag) {
        vc_bw_put_bits(bw, 2, p->log2_delta_q_res);
        if (!p->allow_intrabc)
            vc_bw_put_flag(bw, p->delta_lf_present_flag);
        else if (p->delta_lf_present_flag)
            return "delta_lf_present_flag with allow_intrabc";
        if (p->delta_lf_present_flag) {
            vc_bw_put_bits(bw, 2, p->log2_delta_lf_res);
            vc_bw_put_flag(bw, p->delta_lf_multi);
        }
    }
    bool lossless = coded_lossless(p, saved);
    bool all_lossless = lossless && coded_w == upscaled_w;
    if (!lossless && !p->allow_intrabc) {
        write_loop_filter(bw, p, prev, saved);
        if (p->enable_cdef)
            write_cdef(bw, p);
    }
    if (!all_lossless && !p->allow_intrabc && (why = write_lr(bw, p)))
        return why;
    /* read_tx_mode() */
    if (lossless) {
        if (p->tx_mode != 0)
            return "tx_mode other than 4x4 on a lossless frame";
    } else {
        if (p->tx_mode == 0)
            return "tx_mode 4x4 on a frame that is not lossless";
        vc_bw_put_flag(bw, p->tx_mode == 2);
    }
    if (!intra)
        vc_bw_put_flag(bw, p->reference_select);
    if (skip_mode_allowed(p, slots, intra))
        vc_bw_put_flag(bw, p->skip_mode_present);
    else if (p->skip_mode_present)
        return "skip_mode_present where the references allow no skip mode";
    if (!intra && !error_resilient)
        vc_bw_put_flag(bw, p->allow_warped_motion);
    else if (p->allow_warped_motion)
        return "allow_warped_motion on an intra or error resilient frame";
    vc_bw_put_flag(bw, p->reduced_tx_set_used);
    if (!intra) {
        const int32_t(*prev_gm)[6] = primary_none ? defaults.gm_params : prev->gm_params;
        if ((why = write_global_motion(bw, p, prev_gm, saved)))
            return why;
    }
    if (p->film_grain_params_present && (p->show_frame || p->showable_frame))
        write_film_grain(bw, p);
    vc_bw_put_trailing_bits(bw);
    *size = finish_obu(VH_AV1_OBU_FRAME_HEADER, bw, out, cap);
    return *size ? NULL : "the frame header does not fit";
}

/* ---- tile group (5.11.1) -------------------------------------------------------------- */

static size_t tile_group_payload(const struct vh_av1_tile *tiles, uint32_t count)
{
    size_t n = count > 1 ? 1 : 0;    /* tile_start_and_end_present_flag 0, aligned */
    for (uint32_t i = 0; i < count; i++)
        n += tiles[i].size + (i + 1 < count ? VH_AV1_TILE_SIZE_BYTES : 0);
    return n;
}

size_t vh_av1_tile_group_size(const struct vh_av1_tile *tiles, uint32_t count)
{
    uint8_t head[9];
    size_t payload = tile_group_payload(tiles, count);
    return vh_av1_write_obu_header(VH_AV1_OBU_TILE_GROUP, payload, head) + payload;
}

void vh_av1_write_tile_group(const struct vh_av1_tile *tiles, uint32_t count, uint8_t *out)
{
    size_t payload = tile_group_payload(tiles, count);
    out += vh_av1_write_obu_header(VH_AV1_OBU_TILE_GROUP, payload, out);
    if (count > 1)
        *out++ = 0;
    for (uint32_t i = 0; i < count; i++) {
        if (i + 1 < count) {
            uint32_t s = tiles[i].size - 1;
            for (unsigned b = 0; b < VH_AV1_TILE_SIZE_BYTES; b++)
                *out++ = (uint8_t)(s >> (8 * b));
        }
        memcpy(out, tiles[i].data, tiles[i].size);
        out += tiles[i].size;
    }
}
