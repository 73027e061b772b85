/* The rebuilt MPEG-4 Part 2 headers, parsed back as ISO/IEC 14496-2 6.2.3
 * and 6.2.5 read them: the VOL's fields and matrices, the VOP header's, the
 * time codes rebuilt from TRB/TRD (and the distances refused), when a VOL
 * is sent, and the macroblock data spliced behind the header with its
 * resync markers and its end kept byte aligned. */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "host/codecs/mpeg4_headers.h"
#include "host/engine.h"

struct reader {
    const uint8_t *p;
    size_t size, bit;
};

static uint32_t get(struct reader *r, unsigned n)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < n; i++, r->bit++) {
        unsigned b = r->bit / 8 < r->size ? (r->p[r->bit / 8] >> (7 - r->bit % 8)) & 1u : 0;
        v = v << 1 | b;
    }
    return v;
}

static struct vw_mpeg4_picture make_pic(uint8_t type, int16_t trb, int16_t trd)
{
    struct vw_mpeg4_picture p;
    memset(&p, 0, sizeof(p));
    p.vop_width = 350;
    p.vop_height = 198;
    p.chroma_format = 1;
    p.obmc_disable = 1;
    p.quant_precision = 5;
    p.vop_coding_type = type;
    p.intra_dc_vlc_thr = 5;
    p.vop_fcode_forward = 2;
    p.vop_fcode_backward = 3;
    p.vop_rounding_type = type == VW_MPEG4_VOP_P;
    p.vop_time_increment_resolution = 25;
    p.TRB = trb;
    p.TRD = trd;
    return p;
}

/* The macroblock data of the tests: 3 bits of the guest's VOP header, then
 * macroblock bits, a resync marker (byte-aligned 00 00 after stuffing
 * 0111), more bits and the VOP's end stuffing (0 then 1s). */
static const uint8_t data[] = {0xb5, 0x5a, 0xc7, 0x00, 0x00, 0x9e, 0x3c, 0x8e, 0x7f};
#define MBO 3u

struct packet {
    uint8_t bytes[512];
    size_t size;
};

static int packet(struct vh_mpeg4_state *st, const struct vw_mpeg4_picture *pic,
                  const struct vw_mpeg4_iq_matrix *iq, struct packet *out, struct vh_error *err)
{
    struct vw_mpeg4_slice sp = {.slice_data_size = sizeof(data), .macroblock_offset = MBO,
                                .quant_scale = 9};
    struct vh_slice slice = {.data = data, .size = sizeof(data), .mpeg4 = &sp};
    struct vh_picture p = {.codec = VW_CODEC_MPEG4, .mpeg4 = pic, .mpeg4_iq = iq,
                           .num_slices = 1, .slices = &slice};
    int status = vh_mpeg4_packet_size(&p, st, &out->size, err);
    if (status != VW_OK)
        return status;
    CHECK(out->size <= sizeof(out->bytes));
    memset(out->bytes, 0xee, sizeof(out->bytes));
    vh_mpeg4_packet_write(&p, st, out->bytes);
    return VW_OK;
}

/* Reads the VOL (after its start codes) and checks its fields. */
static void check_vol(struct reader *r, const struct vw_mpeg4_picture *pic,
                      const struct vh_mpeg4_state *st)
{
    CHECK_EQ(get(r, 1), 0);        /* random_accessible_vol */
    CHECK_EQ(get(r, 8), 17);       /* Advanced Simple */
    CHECK_EQ(get(r, 1), 1);
    CHECK_EQ(get(r, 4), 2);        /* verid */
    get(r, 3);
    CHECK_EQ(get(r, 4), 1);        /* square pixels */
    CHECK_EQ(get(r, 1), 1);        /* vol_control_parameters */
    CHECK_EQ(get(r, 2), 1);        /* 4:2:0 */
    CHECK_EQ(get(r, 1), 0);        /* low_delay */
    CHECK_EQ(get(r, 1), 0);        /* vbv_parameters */
    CHECK_EQ(get(r, 2), 0);        /* rectangular */
    CHECK_EQ(get(r, 1), 1);
    CHECK_EQ(get(r, 16), pic->vop_time_increment_resolution);
    CHECK_EQ(get(r, 1), 1);
    CHECK_EQ(get(r, 1), 0);        /* fixed_vop_rate */
    CHECK_EQ(get(r, 1), 1);
    CHECK_EQ(get(r, 13), pic->vop_width);
    CHECK_EQ(get(r, 1), 1);
    CHECK_EQ(get(r, 13), pic->vop_height);
    CHECK_EQ(get(r, 1), 1);
    CHECK_EQ(get(r, 1), pic->interlaced);
    CHECK_EQ(get(r, 1), 1);        /* obmc_disable */
    CHECK_EQ(get(r, 2), 0);        /* sprite_enable */
    CHECK_EQ(get(r, 1), pic->quant_precision != 5);
    if (pic->quant_precision != 5) {
        CHECK_EQ(get(r, 4), pic->quant_precision);
        CHECK_EQ(get(r, 4), 8);
    }
    CHECK_EQ(get(r, 1), pic->quant_type);
    if (pic->quant_type)
        for (int i = 0; i < 2; i++) {
            CHECK_EQ(get(r, 1), st->loaded[i]);
            if (st->loaded[i])
                for (int j = 0; j < 64; j++)
                    CHECK_EQ(get(r, 8), st->matrix[i][j]);
        }
    CHECK_EQ(get(r, 1), pic->quarter_sample);
    CHECK_EQ(get(r, 1), 1);        /* complexity_estimation_disable */
    CHECK_EQ(get(r, 1), pic->resync_marker_disable);
    CHECK_EQ(get(r, 1), pic->data_partitioned);
    if (pic->data_partitioned)
        CHECK_EQ(get(r, 1), pic->reversible_vlc);
    CHECK_EQ(get(r, 3), 0);        /* newpred, reduced resolution, scalability */
    CHECK_EQ(get(r, 1), 0);        /* stuffing */
    while (r->bit % 8)
        CHECK_EQ(get(r, 1), 1);
}

/* Reads a packet: the VOL when `vol`, the VOP header, then the spliced
 * data; checks every field and that the data comes through bit for bit
 * with its marker and end aligned. */
static void check_packet(const struct packet *pk, const struct vw_mpeg4_picture *pic,
                         const struct vh_mpeg4_state *st, bool vol, uint32_t modulo,
                         uint32_t increment)
{
    struct reader r = {pk->bytes, pk->size, 0};
    if (vol) {
        CHECK_EQ(get(&r, 32), 0x100);
        CHECK_EQ(get(&r, 32), 0x120);
        check_vol(&r, pic, st);
    }
    CHECK_EQ(get(&r, 32), 0x1b6);
    CHECK_EQ(get(&r, 2), pic->vop_coding_type);
    for (uint32_t i = 0; i < modulo; i++)
        CHECK_EQ(get(&r, 1), 1);
    CHECK_EQ(get(&r, 1), 0);
    CHECK_EQ(get(&r, 1), 1);
    CHECK_EQ(get(&r, 5), increment); /* 5 bits for a resolution of 25 */
    CHECK_EQ(get(&r, 1), 1);
    CHECK_EQ(get(&r, 1), 1);        /* vop_coded */
    if (pic->vop_coding_type == VW_MPEG4_VOP_P)
        CHECK_EQ(get(&r, 1), pic->vop_rounding_type);
    CHECK_EQ(get(&r, 3), pic->intra_dc_vlc_thr);
    if (pic->interlaced) {
        CHECK_EQ(get(&r, 1), pic->top_field_first);
        CHECK_EQ(get(&r, 1), pic->alternate_vertical_scan_flag);
    }
    CHECK_EQ(get(&r, pic->quant_precision), 9);
    if (pic->vop_coding_type != VW_MPEG4_VOP_I)
        CHECK_EQ(get(&r, 3), pic->vop_fcode_forward);
    if (pic->vop_coding_type == VW_MPEG4_VOP_B)
        CHECK_EQ(get(&r, 3), pic->vop_fcode_backward);
    /* Macroblock bits from MBO up to the marker's stuffing (0111 ending
     * byte 2: bit 20). */
    struct reader d = {data, sizeof(data), MBO};
    while (d.bit < 20)
        CHECK_EQ(get(&r, 1), get(&d, 1));
    CHECK_EQ(get(&r, 1), 0);
    while (r.bit % 8)
        CHECK_EQ(get(&r, 1), 1);
    /* The marker and what follows up to the end stuffing (0 1111111, the
     * last byte). */
    d.bit = 24;
    while (d.bit < 64)
        CHECK_EQ(get(&r, 1), get(&d, 1));
    CHECK_EQ(get(&r, 1), 0);
    while (r.bit % 8)
        CHECK_EQ(get(&r, 1), 1);
    CHECK_EQ(r.bit, pk->size * 8);
}

static void test_sequence(void)
{
    struct vh_mpeg4_state st;
    memset(&st, 0, sizeof(st));
    struct packet pk;
    struct vh_error err;
    /* I at 0, P at 3, B at 1 and 2: no second boundary. */
    struct vw_mpeg4_picture i0 = make_pic(VW_MPEG4_VOP_I, 0, 0);
    CHECK_EQ(packet(&st, &i0, NULL, &pk, &err), VW_OK);
    check_packet(&pk, &i0, &st, true, 0, 0);
    struct vw_mpeg4_picture p3 = make_pic(VW_MPEG4_VOP_P, 0, 3);
    CHECK_EQ(packet(&st, &p3, NULL, &pk, &err), VW_OK);
    check_packet(&pk, &p3, &st, false, 0, 3);
    struct vw_mpeg4_picture b1 = make_pic(VW_MPEG4_VOP_B, 1, 3);
    CHECK_EQ(packet(&st, &b1, NULL, &pk, &err), VW_OK);
    check_packet(&pk, &b1, &st, false, 0, 1);
    /* A B-VOP whose TRD is not its references' distance, or TRB outside
     * 0 < TRB < TRD: refused, the state unchanged. */
    struct vw_mpeg4_picture bad = make_pic(VW_MPEG4_VOP_B, 1, 4);
    CHECK_EQ(packet(&st, &bad, NULL, &pk, &err), VW_ERR_MALFORMED);
    CHECK(strstr(err.message, "TRD 3") != NULL);
    bad = make_pic(VW_MPEG4_VOP_B, 3, 3);
    CHECK_EQ(packet(&st, &bad, NULL, &pk, &err), VW_ERR_MALFORMED);
    /* P at 3 + 47 = 50 ticks: two seconds on; its B at 49 is one second
     * after the forward reference's time base. */
    struct vw_mpeg4_picture p50 = make_pic(VW_MPEG4_VOP_P, 0, 47);
    CHECK_EQ(packet(&st, &p50, NULL, &pk, &err), VW_OK);
    check_packet(&pk, &p50, &st, false, 2, 0);
    struct vw_mpeg4_picture b49 = make_pic(VW_MPEG4_VOP_B, 46, 47);
    CHECK_EQ(packet(&st, &b49, NULL, &pk, &err), VW_OK);
    check_packet(&pk, &b49, &st, false, 1, 24);
    /* A seek (negative TRD) and a gap over VH_MPEG4_MAX_GAP_SECONDS start
     * a new clock at the phase within a second; a B-VOP leaning on such a
     * reference is refused, the next reference's B-VOPs are fine. */
    struct vw_mpeg4_picture seek = make_pic(VW_MPEG4_VOP_I, 0, -30);
    CHECK_EQ(packet(&st, &seek, NULL, &pk, &err), VW_OK);
    check_packet(&pk, &seek, &st, true, 0, 20);
    struct vw_mpeg4_picture gap = make_pic(VW_MPEG4_VOP_P, 0, 25 * 256 + 3);
    CHECK_EQ(packet(&st, &gap, NULL, &pk, &err), VW_OK);
    check_packet(&pk, &gap, &st, false, 0, 3);
    bad = make_pic(VW_MPEG4_VOP_B, 1, 25 * 256 + 3);
    CHECK_EQ(packet(&st, &bad, NULL, &pk, &err), VW_ERR_MALFORMED);
    struct vw_mpeg4_picture p5 = make_pic(VW_MPEG4_VOP_P, 0, 2);
    CHECK_EQ(packet(&st, &p5, NULL, &pk, &err), VW_OK);
    check_packet(&pk, &p5, &st, false, 0, 5);
    struct vw_mpeg4_picture b4 = make_pic(VW_MPEG4_VOP_B, 1, 2);
    CHECK_EQ(packet(&st, &b4, NULL, &pk, &err), VW_OK);
    check_packet(&pk, &b4, &st, false, 0, 4);
    /* Changed VOL fields (interlaced, other precision) bring a VOL. */
    struct vw_mpeg4_picture p6 = make_pic(VW_MPEG4_VOP_P, 0, 1);
    p6.interlaced = 1;
    p6.top_field_first = 1;
    p6.alternate_vertical_scan_flag = 1;
    p6.quant_precision = 6;
    CHECK_EQ(packet(&st, &p6, NULL, &pk, &err), VW_OK);
    check_packet(&pk, &p6, &st, true, 0, 6);
    /* A new resolution starts a new clock: no B-VOP before an anchor. */
    struct vw_mpeg4_picture b = make_pic(VW_MPEG4_VOP_B, 1, 1);
    b.vop_time_increment_resolution = 30;
    CHECK_EQ(packet(&st, &b, NULL, &pk, &err), VW_ERR_MALFORMED);
    CHECK(strstr(err.message, "without a reference") != NULL);
}

static void test_matrices(void)
{
    struct vh_mpeg4_state st;
    memset(&st, 0, sizeof(st));
    struct packet pk;
    struct vh_error err;
    struct vw_mpeg4_iq_matrix iq;
    memset(&iq, 0, sizeof(iq));
    iq.load_non_intra_quant_mat = 1;
    for (int i = 0; i < 64; i++)
        iq.non_intra_quant_mat[i] = (uint8_t)(16 + i);
    struct vw_mpeg4_picture i0 = make_pic(VW_MPEG4_VOP_I, 0, 0);
    i0.quant_type = 1;
    CHECK_EQ(packet(&st, &i0, &iq, &pk, &err), VW_OK);
    CHECK(!st.loaded[0] && st.loaded[1]);
    check_packet(&pk, &i0, &st, true, 0, 0);
    /* Intra loaded next: the non-intra matrix stays; a changed VOL. */
    memset(&iq, 0, sizeof(iq));
    iq.load_intra_quant_mat = 1;
    for (int i = 0; i < 64; i++)
        iq.intra_quant_mat[i] = (uint8_t)(8 + i);
    struct vw_mpeg4_picture p = make_pic(VW_MPEG4_VOP_P, 0, 1);
    p.quant_type = 1;
    CHECK_EQ(packet(&st, &p, &iq, &pk, &err), VW_OK);
    CHECK(st.loaded[0] && st.loaded[1] && st.matrix[1][63] == 16 + 63);
    check_packet(&pk, &p, &st, true, 0, 1);
    /* The same again: no VOL. */
    p.TRD = 2;
    CHECK_EQ(packet(&st, &p, NULL, &pk, &err), VW_OK);
    check_packet(&pk, &p, &st, false, 0, 3);
}

int main(void)
{
    test_sequence();
    test_matrices();
    return check_finish("test_mpeg4_headers");
}
