/* MPEG-4 Part 2 header synthesis (ISO/IEC 14496-2 6.2.3 video_object_layer,
 * 6.2.5 video_object_plane) and the VOP's time codes. */
#include <string.h>

#include "common/bitwriter.h"
#include "host/codecs/mpeg4_headers.h"

#define VISUAL_OBJECT_START_CODE 0x00u   /* video_object_start_code, id 0 */
#define VOL_START_CODE 0x20u             /* video_object_layer_start_code, id 0 */
#define VOP_START_CODE 0xb6u
#define ADVANCED_SIMPLE_OBJECT_TYPE 17u  /* Table 6-10 */
#define VOP_FIXED_BITS 64u               /* VOP header bits besides the time code */

int vh_mpeg4_vop_time(const struct vh_mpeg4_state *st, const struct vw_mpeg4_picture *pic,
                      struct vh_mpeg4_time *t, struct vh_error *err)
{
    int64_t res = pic->vop_time_increment_resolution;
    /* A new resolution starts a new clock (the distances of VA are in its
     * ticks). */
    bool same_clock = st->resolution == pic->vop_time_increment_resolution;
    bool anchor = same_clock && st->have_anchor;
    int64_t time, since;
    if (pic->vop_coding_type == VW_MPEG4_VOP_B) {
        if (!anchor)
            return vh_error_set(err, VW_ERR_MALFORMED,
                                "MPEG-4: a B-VOP without a reference VOP before it");
        if (pic->TRD != st->anchor_trd || pic->TRB <= 0 || pic->TRB >= pic->TRD)
            return vh_error_set(err, VW_ERR_MALFORMED,
                                "MPEG-4: B-VOP distances TRB %d, TRD %d do not fit its "
                                "references (TRD %d, 0 < TRB < TRD)",
                                pic->TRB, pic->TRD, (int)st->anchor_trd);
        time = st->anchor_time - pic->TRD + pic->TRB;
        since = st->prev_seconds;
        t->new_clock = false;
    } else {
        /* A new clock at the first reference VOP, and where the distance
         * from the last one is negative (the guest's decoder was flushed:
         * a seek) or too long to code. It keeps only the phase within a
         * second; no B-VOP may lean on this VOP's TRD (it is not the
         * distance libavcodec gets). */
        time = st->anchor_time + pic->TRD;
        t->new_clock = !anchor || pic->TRD < 0 ||
                       time / res - st->anchor_seconds > VH_MPEG4_MAX_GAP_SECONDS;
        if (t->new_clock)
            time = (pic->TRD % res + res) % res;
        since = t->new_clock ? 0 : st->anchor_seconds;
    }
    if (time < since * res || time / res - since > VH_MPEG4_MAX_GAP_SECONDS)
        return vh_error_set(err, VW_ERR_MALFORMED,
                            "MPEG-4: VOP time %lld ticks of 1/%lld s is more than %u s from "
                            "its reference time base %lld s",
                            (long long)time, (long long)res, VH_MPEG4_MAX_GAP_SECONDS,
                            (long long)since);
    t->modulo_seconds = (uint32_t)(time / res - since);
    t->increment = (uint32_t)(time % res);
    t->time = time;
    return VW_OK;
}

static void start_code(struct vc_bitwriter *bw, uint8_t code)
{
    vc_bw_put_bits(bw, 24, 1);
    vc_bw_put_bits(bw, 8, code);
}

static void marker(struct vc_bitwriter *bw)
{
    vc_bw_put_bits(bw, 1, 1);
}

/* next_start_code(): a 0 bit, then 1 bits up to the byte boundary. */
static void stuffing(struct vc_bitwriter *bw)
{
    vc_bw_put_bits(bw, 1, 0);
    while (bw->bits % 8)
        vc_bw_put_bits(bw, 1, 1);
}

/* Bits of vop_time_increment: enough for resolution - 1, at least 1. */
static unsigned increment_bits(uint16_t resolution)
{
    unsigned n = 1;
    while (n < 16 && (1u << n) < resolution)
        n++;
    return n;
}

static void video_object_layer(struct vc_bitwriter *bw, const struct vw_mpeg4_picture *pic,
                               const struct vh_mpeg4_state *st)
{
    start_code(bw, VISUAL_OBJECT_START_CODE);
    start_code(bw, VOL_START_CODE);
    vc_bw_put_bits(bw, 1, 0);         /* random_accessible_vol */
    /* Not 0 (libavcodec takes a type 0 without user data for DivX 4 and
     * works around its bugs). */
    vc_bw_put_bits(bw, 8, ADVANCED_SIMPLE_OBJECT_TYPE);
    vc_bw_put_bits(bw, 1, 1);         /* is_object_layer_identifier */
    vc_bw_put_bits(bw, 4, 2);         /* video_object_layer_verid: quarter_sample exists */
    vc_bw_put_bits(bw, 3, 1);         /* video_object_layer_priority */
    vc_bw_put_bits(bw, 4, 1);         /* aspect_ratio_info: square */
    vc_bw_put_bits(bw, 1, 1);         /* vol_control_parameters */
    vc_bw_put_bits(bw, 2, 1);         /* chroma_format: 4:2:0 */
    vc_bw_put_bits(bw, 1, 0);         /* low_delay: B-VOPs may come */
    vc_bw_put_bits(bw, 1, 0);         /* vbv_parameters */
    vc_bw_put_bits(bw, 2, 0);         /* video_object_layer_shape: rectangular */
    marker(bw);
    vc_bw_put_bits(bw, 16, pic->vop_time_increment_resolution);
    marker(bw);
    vc_bw_put_bits(bw, 1, 0);         /* fixed_vop_rate */
    marker(bw);
    vc_bw_put_bits(bw, 13, pic->vop_width);
    marker(bw);
    vc_bw_put_bits(bw, 13, pic->vop_height);
    marker(bw);
    vc_bw_put_flag(bw, pic->interlaced);
    vc_bw_put_flag(bw, pic->obmc_disable);
    vc_bw_put_bits(bw, 2, 0);         /* sprite_enable: none (validate_mpeg4.c) */
    vc_bw_put_flag(bw, pic->quant_precision != 5); /* not_8_bit */
    if (pic->quant_precision != 5) {
        vc_bw_put_bits(bw, 4, pic->quant_precision);
        vc_bw_put_bits(bw, 4, 8);     /* bits_per_pixel */
    }
    vc_bw_put_flag(bw, pic->quant_type);
    if (pic->quant_type) {
        /* All 64 entries: none is 0, which would end the list early. */
        for (int i = 0; i < 2; i++) {
            vc_bw_put_flag(bw, st->loaded[i]);
            if (st->loaded[i])
                for (int j = 0; j < 64; j++)
                    vc_bw_put_bits(bw, 8, st->matrix[i][j]);
        }
    }
    vc_bw_put_flag(bw, pic->quarter_sample);
    vc_bw_put_bits(bw, 1, 1);         /* complexity_estimation_disable */
    vc_bw_put_flag(bw, pic->resync_marker_disable);
    vc_bw_put_flag(bw, pic->data_partitioned);
    if (pic->data_partitioned)
        vc_bw_put_flag(bw, pic->reversible_vlc);
    vc_bw_put_bits(bw, 1, 0);         /* newpred_enable */
    vc_bw_put_bits(bw, 1, 0);         /* reduced_resolution_vop_enable */
    vc_bw_put_bits(bw, 1, 0);         /* scalability */
    stuffing(bw);
}

void vh_mpeg4_state_update(struct vh_mpeg4_state *st, const struct vw_mpeg4_picture *pic,
                           const struct vw_mpeg4_iq_matrix *iq, const struct vh_mpeg4_time *t)
{
    if (pic->vop_coding_type != VW_MPEG4_VOP_B) {
        st->prev_seconds = t->new_clock ? 0 : st->anchor_seconds;
        st->anchor_seconds = t->time / pic->vop_time_increment_resolution;
        st->anchor_time = t->time;
        st->anchor_trd = t->new_clock ? VH_MPEG4_NO_TRD : pic->TRD;
        st->have_anchor = true;
        st->resolution = pic->vop_time_increment_resolution;
    }
    if (iq) {
        const uint8_t load[2] = {iq->load_intra_quant_mat, iq->load_non_intra_quant_mat};
        const uint8_t *m[2] = {iq->intra_quant_mat, iq->non_intra_quant_mat};
        for (int i = 0; i < 2; i++) {
            if (!load[i])
                continue;
            st->loaded[i] = true;
            memcpy(st->matrix[i], m[i], 64);
        }
    }
    /* A VOL header makes libavcodec forget what it learnt of the stream's
     * timing (the frame period it takes from the first B-VOP after one, for
     * interlaced direct mode): send one where a stream would have one, at
     * the start, in front of I-VOPs (where encoders repeat it) and when its
     * fields change. */
    uint8_t vol[VH_MPEG4_VOL_MAX];
    struct vc_bitwriter bw;
    vc_bw_init(&bw, vol, sizeof(vol));
    video_object_layer(&bw, pic, st);
    size_t n = vc_bw_bytes(&bw);
    st->send_vol = pic->vop_coding_type == VW_MPEG4_VOP_I || n != st->vol_bytes ||
                   memcmp(vol, st->vol, n) != 0;
    memcpy(st->vol, vol, n);
    st->vol_bytes = (uint16_t)n;
}



static void vop_header(struct vc_bitwriter *bw, const struct vw_mpeg4_picture *pic,
                       const struct vh_mpeg4_time *t, uint32_t quant)
{
    start_code(bw, VOP_START_CODE);
    vc_bw_put_bits(bw, 2, pic->vop_coding_type);
    for (uint32_t i = 0; i < t->modulo_seconds; i++)
        vc_bw_put_bits(bw, 1, 1);     /* modulo_time_base */
    vc_bw_put_bits(bw, 1, 0);
    marker(bw);
    vc_bw_put_bits(bw, increment_bits(pic->vop_time_increment_resolution), t->increment);
    marker(bw);
    vc_bw_put_bits(bw, 1, 1);         /* vop_coded */
    if (pic->vop_coding_type == VW_MPEG4_VOP_P)
        vc_bw_put_flag(bw, pic->vop_rounding_type);
    vc_bw_put_bits(bw, 3, pic->intra_dc_vlc_thr);
    if (pic->interlaced) {
        vc_bw_put_flag(bw, pic->top_field_first);
        vc_bw_put_flag(bw, pic->alternate_vertical_scan_flag);
    }
    vc_bw_put_bits(bw, pic->quant_precision, quant);
    if (pic->vop_coding_type != VW_MPEG4_VOP_I)
        vc_bw_put_bits(bw, 3, pic->vop_fcode_forward);
    if (pic->vop_coding_type == VW_MPEG4_VOP_B)
        vc_bw_put_bits(bw, 3, pic->vop_fcode_backward);
}

size_t vh_mpeg4_write_headers(const struct vw_mpeg4_picture *pic, const struct vh_mpeg4_state *st,
                              const struct vh_mpeg4_time *t, uint32_t quant,
                              uint8_t out[VH_MPEG4_HEADERS_MAX])
{
    static_assert(VH_MPEG4_VOL_MAX >= 4 + 4 + 22 + 128, "VOL buffer");
    static_assert(VH_MPEG4_HEADERS_MAX * 8u >= 8u * (VH_MPEG4_VOL_MAX + 4) + VOP_FIXED_BITS +
                                                    VH_MPEG4_MAX_GAP_SECONDS + 1,
                  "header buffer");
    struct vc_bitwriter bw;
    vc_bw_init(&bw, out, VH_MPEG4_HEADERS_MAX);
    if (st->send_vol)
        for (size_t i = 0; i < st->vol_bytes; i++)
            vc_bw_put_bits(&bw, 8, st->vol[i]);
    vop_header(&bw, pic, t, quant);
    /* Cannot overflow: VH_MPEG4_HEADERS_MAX is above the largest case. */
    return vc_bw_ok(&bw) ? bw.bits : 0;
}

/* Where the macroblock data goes: `out` (NULL: only counted), `bits`
 * written so far. */
struct sink {
    uint8_t *out;
    size_t bits;
};

/* Appends the low n bits of v, n <= 8. */
static void sink_bits(struct sink *k, unsigned n, uint32_t v)
{
    if (k->out) {
        size_t byte = k->bits / 8;
        unsigned used = k->bits % 8;
        uint32_t window = ((uint32_t)(used ? k->out[byte] : 0) << 8) |
                          ((v & ((1u << n) - 1u)) << (16 - used - n));
        k->out[byte] = (uint8_t)(window >> 8);
        if (used + n > 8)
            k->out[byte + 1] = (uint8_t)window;
    }
    k->bits += n;
}

/* Copies bits [from, to) of `data`. */
static void copy_bits(struct sink *k, const uint8_t *data, size_t from, size_t to)
{
    while (from < to && from % 8) {
        sink_bits(k, 1, (data[from / 8] >> (7 - from % 8)) & 1u);
        from++;
    }
    for (; from + 8 <= to; from += 8)
        sink_bits(k, 8, data[from / 8]);
    for (; from < to; from++)
        sink_bits(k, 1, (data[from / 8] >> (7 - from % 8)) & 1u);
}

/* Stuffing (next_resync_marker(), next_start_code()): a 0, then 1s up to the
 * byte boundary. */
static void sink_stuffing(struct sink *k)
{
    sink_bits(k, 1, 0);
    while (k->bits % 8)
        sink_bits(k, 1, 1);
}

/* The bits of the stuffing that ends at byte `end` (0 1..1, 1 to 8 bits), or
 * 0 where the byte before is no stuffing's end. */
static unsigned stuffing_before(const uint8_t *data, size_t end)
{
    if (end == 0)
        return 0;
    uint8_t b = data[end - 1];
    unsigned ones = 0;
    while (ones < 8 && (b >> ones) & 1u)
        ones++;
    return ones < 8 ? ones + 1 : 0;
}

/* The macroblock data from bit `start`, behind the header that `k` holds.
 * The header ends at another bit of its byte than the data's did, but
 * resync markers and the end of the VOP must stay byte aligned (decoders
 * find them by their stuffing): at each one (a byte-aligned 00 00 after
 * the first macroblock, which the data cannot otherwise hold) and at the
 * end, the stuffing in front is written again for the new alignment. */
static void splice_data(struct sink *k, const uint8_t *data, size_t size, size_t start)
{
    size_t from = start;
    for (size_t i = 1; i + 1 < size; i++) {
        if (data[i] != 0 || data[i + 1] != 0 || data[i - 1] == 0)
            continue;
        unsigned stuff = stuffing_before(data, i);
        if (!stuff || i * 8 - stuff < from)
            continue;
        copy_bits(k, data, from, i * 8 - stuff);
        sink_stuffing(k);
        from = i * 8;
    }
    unsigned stuff = stuffing_before(data, size);
    if (stuff && size * 8 - stuff >= from) {
        copy_bits(k, data, from, size * 8 - stuff);
        sink_stuffing(k);
        return;
    }
    /* No stuffing at the end: the bits as they are, zeros to the byte. */
    copy_bits(k, data, from, size * 8);
    while (k->bits % 8)
        sink_bits(k, 1, 0);
}

int vh_mpeg4_packet_size(const struct vh_picture *pic, const struct vh_mpeg4_state *st,
                         size_t *size, struct vh_error *err)
{
    struct vh_mpeg4_time t;
    int status = vh_mpeg4_vop_time(st, pic->mpeg4, &t, err);
    if (status != VW_OK)
        return status;
    struct vh_mpeg4_state next = *st;
    uint8_t hdr[VH_MPEG4_HEADERS_MAX];
    vh_mpeg4_state_update(&next, pic->mpeg4, pic->mpeg4_iq, &t);
    const struct vh_slice *s = &pic->slices[0];
    struct sink k = {.out = NULL};
    k.bits = vh_mpeg4_write_headers(pic->mpeg4, &next, &t, s->mpeg4->quant_scale, hdr);
    splice_data(&k, s->data, s->size, s->mpeg4->macroblock_offset);
    *size = k.bits / 8;
    return VW_OK;
}

void vh_mpeg4_packet_write(const struct vh_picture *pic, struct vh_mpeg4_state *st,
                           uint8_t *out)
{
    struct vh_mpeg4_time t;
    struct vh_error ignored;
    /* Checked by vh_mpeg4_packet_size on the same state. */
    (void)vh_mpeg4_vop_time(st, pic->mpeg4, &t, &ignored);
    vh_mpeg4_state_update(st, pic->mpeg4, pic->mpeg4_iq, &t);
    const struct vh_slice *s = &pic->slices[0];
    uint8_t hdr[VH_MPEG4_HEADERS_MAX];
    size_t bits = vh_mpeg4_write_headers(pic->mpeg4, st, &t, s->mpeg4->quant_scale, hdr);
    /* `out` holds the bytes packet_size counted. */
    struct sink k = {.out = out};
    copy_bits(&k, hdr, 0, bits);
    splice_data(&k, s->data, s->size, s->mpeg4->macroblock_offset);
}
