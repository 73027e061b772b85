/* The rebuilt MPEG-2 headers, parsed back as ISO/IEC 13818-2 6.2 reads
 * them: every field, the start codes and byte alignment, which headers a
 * picture gets, and the quant matrix state kept between pictures. */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "host/codecs/mpeg2_headers.h"

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

/* Zero bits up to the byte boundary, then a start code; returns its value
 * (0x1xx) or 0 if the bits there are not one. */
static uint32_t next_start_code(struct reader *r)
{
    while (r->bit % 8)
        if (get(r, 1) != 0)
            return 0;
    if (r->bit / 8 + 4 > r->size || get(r, 24) != 1)
        return 0;
    return 0x100u | get(r, 8);
}

static struct vw_mpeg2_picture make_pic(void)
{
    struct vw_mpeg2_picture p;
    memset(&p, 0, sizeof(p));
    p.horizontal_size = 350;
    p.vertical_size = 198;
    p.f_code = 0x12ff;
    p.picture_coding_type = 2;
    p.intra_dc_precision = 2;
    p.picture_structure = VW_MPEG2_PIC_FRAME;
    p.top_field_first = 1;
    p.frame_pred_frame_dct = 0;
    p.concealment_motion_vectors = 1;
    p.q_scale_type = 1;
    p.intra_vlc_format = 1;
    p.alternate_scan = 1;
    p.repeat_first_field = 0;
    p.progressive_frame = 0;
    p.is_first_field = 1;
    return p;
}

int main(void)
{
    uint8_t out[VH_MPEG2_HEADERS_MAX];
    struct vh_mpeg2_state st;
    memset(&st, 0, sizeof(st));

    /* A P frame picture of an interlaced sequence, with matrices. */
    struct vw_mpeg2_picture pic = make_pic();
    struct vw_mpeg2_iq_matrix iq;
    memset(&iq, 0, sizeof(iq));
    iq.load_intra_quantiser_matrix = 1;
    iq.load_chroma_non_intra_quantiser_matrix = 1;
    for (int i = 0; i < 64; i++) {
        iq.intra_quantiser_matrix[i] = (uint8_t)(8 + i);
        iq.non_intra_quantiser_matrix[i] = 99; /* not loaded: ignored */
        iq.chroma_non_intra_quantiser_matrix[i] = (uint8_t)(200 - i);
    }
    vh_mpeg2_state_update(&st, &pic, &iq);
    CHECK(st.seq_decided);
    CHECK(!st.progressive_sequence);
    size_t n = vh_mpeg2_write_headers(&pic, &st, out);
    CHECK(n > 0 && n <= VH_MPEG2_HEADERS_MAX);
    struct reader r = {out, n, 0};

    CHECK_EQ(next_start_code(&r), 0x1b3);         /* sequence_header */
    CHECK_EQ(get(&r, 12), 350);
    CHECK_EQ(get(&r, 12), 198);
    CHECK(get(&r, 4) != 0);                        /* aspect_ratio_information */
    uint32_t frc = get(&r, 4);
    CHECK(frc >= 1 && frc <= 8);                   /* frame_rate_code */
    CHECK(get(&r, 18) != 0);                       /* bit_rate_value */
    CHECK_EQ(get(&r, 1), 1);                       /* marker */
    get(&r, 10);                                   /* vbv_buffer_size_value */
    CHECK_EQ(get(&r, 1), 0);                       /* constrained_parameters_flag */
    CHECK_EQ(get(&r, 1), 0);                       /* load_intra_quantiser_matrix */
    CHECK_EQ(get(&r, 1), 0);                       /* load_non_intra_quantiser_matrix */

    CHECK_EQ(next_start_code(&r), 0x1b5);
    CHECK_EQ(get(&r, 4), 1);                       /* sequence_extension */
    CHECK_EQ(get(&r, 8), 0x44);                    /* Main@High */
    CHECK_EQ(get(&r, 1), 0);                       /* progressive_sequence */
    CHECK_EQ(get(&r, 2), 1);                       /* chroma_format 4:2:0 */
    CHECK_EQ(get(&r, 2), 0);                       /* horizontal_size_extension */
    CHECK_EQ(get(&r, 2), 0);                       /* vertical_size_extension */
    get(&r, 12);                                   /* bit_rate_extension */
    CHECK_EQ(get(&r, 1), 1);                       /* marker */
    get(&r, 8);                                    /* vbv_buffer_size_extension */
    CHECK_EQ(get(&r, 1), 0);                       /* low_delay */
    CHECK_EQ(get(&r, 2), 0);
    CHECK_EQ(get(&r, 5), 0);

    CHECK_EQ(next_start_code(&r), 0x100);         /* picture_header */
    CHECK_EQ(get(&r, 10), 0);                      /* temporal_reference */
    CHECK_EQ(get(&r, 3), 2);                       /* P */
    CHECK_EQ(get(&r, 16), 0xffff);                 /* vbv_delay */
    CHECK_EQ(get(&r, 1), 0);                       /* full_pel_forward_vector */
    CHECK_EQ(get(&r, 3), 7);                       /* forward_f_code */
    CHECK_EQ(get(&r, 1), 0);                       /* extra_bit_picture */

    CHECK_EQ(next_start_code(&r), 0x1b5);
    CHECK_EQ(get(&r, 4), 8);                       /* picture_coding_extension */
    CHECK_EQ(get(&r, 4), 1);
    CHECK_EQ(get(&r, 4), 2);
    CHECK_EQ(get(&r, 4), 15);
    CHECK_EQ(get(&r, 4), 15);
    CHECK_EQ(get(&r, 2), 2);                       /* intra_dc_precision */
    CHECK_EQ(get(&r, 2), 3);                       /* picture_structure */
    CHECK_EQ(get(&r, 1), 1);                       /* top_field_first */
    CHECK_EQ(get(&r, 1), 0);                       /* frame_pred_frame_dct */
    CHECK_EQ(get(&r, 1), 1);                       /* concealment_motion_vectors */
    CHECK_EQ(get(&r, 1), 1);                       /* q_scale_type */
    CHECK_EQ(get(&r, 1), 1);                       /* intra_vlc_format */
    CHECK_EQ(get(&r, 1), 1);                       /* alternate_scan */
    CHECK_EQ(get(&r, 1), 0);                       /* repeat_first_field */
    CHECK_EQ(get(&r, 1), 0);                       /* chroma_420_type */
    CHECK_EQ(get(&r, 1), 0);                       /* progressive_frame */
    CHECK_EQ(get(&r, 1), 0);                       /* composite_display_flag */

    CHECK_EQ(next_start_code(&r), 0x1b5);
    CHECK_EQ(get(&r, 4), 3);                       /* quant_matrix_extension */
    CHECK_EQ(get(&r, 1), 1);
    int same = 1;
    for (int i = 0; i < 64; i++)
        same &= get(&r, 8) == (uint32_t)(8 + i);
    CHECK(same);
    CHECK_EQ(get(&r, 1), 0);                       /* non-intra: never loaded */
    CHECK_EQ(get(&r, 1), 0);                       /* chroma intra: never loaded */
    CHECK_EQ(get(&r, 1), 1);
    same = 1;
    for (int i = 0; i < 64; i++)
        same &= get(&r, 8) == (uint32_t)(200 - i);
    CHECK(same);
    while (r.bit % 8)
        CHECK_EQ(get(&r, 1), 0);
    CHECK_EQ(r.bit / 8, n);

    /* The second field of a B field pair: no sequence header; the matrices
     * loaded before stay when the IQ block loads nothing. */
    pic = make_pic();
    pic.picture_coding_type = 3;
    pic.picture_structure = VW_MPEG2_PIC_BOTTOM_FIELD;
    pic.is_first_field = 0;
    memset(&iq, 0, sizeof(iq));
    vh_mpeg2_state_update(&st, &pic, &iq);
    n = vh_mpeg2_write_headers(&pic, &st, out);
    r = (struct reader){out, n, 0};
    CHECK_EQ(next_start_code(&r), 0x100);
    get(&r, 10);
    CHECK_EQ(get(&r, 3), 3);
    get(&r, 16);
    CHECK_EQ(get(&r, 4), 7);                       /* full_pel 0, forward_f_code 7 */
    CHECK_EQ(get(&r, 4), 7);                       /* full_pel 0, backward_f_code 7 */
    CHECK_EQ(get(&r, 1), 0);
    CHECK_EQ(next_start_code(&r), 0x1b5);
    CHECK_EQ(get(&r, 4), 8);
    get(&r, 16 + 2);
    CHECK_EQ(get(&r, 2), 2);                       /* bottom field */
    r.bit += 10;
    CHECK_EQ(next_start_code(&r), 0x1b5);
    CHECK_EQ(get(&r, 4), 3);
    CHECK_EQ(get(&r, 1), 1);
    CHECK_EQ(get(&r, 8), 8);
    CHECK_EQ(n, 9 + 9 + 4 + (4 + 2 * 512 + 4 + 7) / 8);

    /* An I frame picture of a progressive stream, no IQ block ever: no quant
     * matrix extension; progressive_sequence 1; no MPEG-1 f_codes. */
    memset(&st, 0, sizeof(st));
    pic = make_pic();
    pic.picture_coding_type = 1;
    pic.progressive_frame = 1;
    pic.horizontal_size = 4095;
    pic.vertical_size = 2800;
    vh_mpeg2_state_update(&st, &pic, NULL);
    CHECK(st.progressive_sequence);
    n = vh_mpeg2_write_headers(&pic, &st, out);
    CHECK_EQ(n, 12 + 10 + 8 + 9);
    r = (struct reader){out, n, 0};
    CHECK_EQ(next_start_code(&r), 0x1b3);
    CHECK_EQ(get(&r, 12), 4095);
    CHECK_EQ(get(&r, 12), 2800);
    r.bit = 12 * 8 + 4 * 8 + 4 + 8;
    CHECK_EQ(get(&r, 1), 1);                       /* progressive_sequence */
    r.bit = 22 * 8;
    CHECK_EQ(next_start_code(&r), 0x100);
    get(&r, 10);
    CHECK_EQ(get(&r, 3), 1);
    get(&r, 16);
    CHECK_EQ(get(&r, 1), 0);                       /* extra_bit_picture */

    /* An interlaced picture later makes the sequence interlaced for good. */
    pic.progressive_frame = 0;
    vh_mpeg2_state_update(&st, &pic, NULL);
    CHECK(!st.progressive_sequence);
    pic.progressive_frame = 1;
    vh_mpeg2_state_update(&st, &pic, NULL);
    CHECK(!st.progressive_sequence);
    return check_finish("test_mpeg2_headers");
}
