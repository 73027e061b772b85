/* MPEG-2 header synthesis (ISO/IEC 13818-2 6.2.2 - 6.2.3). */
#include <string.h>

#include "common/bitwriter.h"
#include "host/engine.h"
#include "host/codecs/mpeg2_headers.h"

#define SEQUENCE_HEADER_CODE 0xb3u
#define PICTURE_START_CODE 0x00u
#define EXTENSION_START_CODE 0xb5u
#define EXT_SEQUENCE 1u
#define EXT_QUANT_MATRIX 3u
#define EXT_PICTURE_CODING 8u

void vh_mpeg2_state_update(struct vh_mpeg2_state *st, const struct vw_mpeg2_picture *pic,
                           const struct vw_mpeg2_iq_matrix *iq)
{
    bool progressive = pic->progressive_frame && pic->picture_structure == VW_MPEG2_PIC_FRAME;
    if (!st->seq_decided) {
        st->seq_decided = true;
        st->progressive_sequence = progressive;
    } else if (!progressive) {
        st->progressive_sequence = false;
    }
    if (!iq)
        return;
    const uint8_t load[4] = {iq->load_intra_quantiser_matrix,
                             iq->load_non_intra_quantiser_matrix,
                             iq->load_chroma_intra_quantiser_matrix,
                             iq->load_chroma_non_intra_quantiser_matrix};
    const uint8_t *m[4] = {iq->intra_quantiser_matrix, iq->non_intra_quantiser_matrix,
                           iq->chroma_intra_quantiser_matrix,
                           iq->chroma_non_intra_quantiser_matrix};
    for (int i = 0; i < 4; i++) {
        if (!load[i])
            continue;
        st->loaded[i] = true;
        memcpy(st->matrix[i], m[i], 64);
    }
}

static void start_code(struct vc_bitwriter *bw, uint8_t code)
{
    vc_bw_put_bits(bw, 24, 1);
    vc_bw_put_bits(bw, 8, code);
}

/* next_start_code(): zero bits up to the byte boundary. */
static void align(struct vc_bitwriter *bw)
{
    if (bw->bits % 8)
        vc_bw_put_bits(bw, 8 - bw->bits % 8, 0);
}

static void sequence_header(struct vc_bitwriter *bw, const struct vw_mpeg2_picture *pic,
                            const struct vh_mpeg2_state *st)
{
    start_code(bw, SEQUENCE_HEADER_CODE);
    vc_bw_put_bits(bw, 12, pic->horizontal_size & 0xfffu);
    vc_bw_put_bits(bw, 12, pic->vertical_size & 0xfffu);
    vc_bw_put_bits(bw, 4, 1);         /* aspect_ratio_information: square */
    vc_bw_put_bits(bw, 4, 3);         /* frame_rate_code: 25 */
    vc_bw_put_bits(bw, 18, 0x3ffffu); /* bit_rate_value */
    vc_bw_put_bits(bw, 1, 1);         /* marker_bit */
    vc_bw_put_bits(bw, 10, 112);      /* vbv_buffer_size_value */
    vc_bw_put_bits(bw, 1, 0);         /* constrained_parameters_flag */
    vc_bw_put_bits(bw, 1, 0);         /* load_intra_quantiser_matrix */
    vc_bw_put_bits(bw, 1, 0);         /* load_non_intra_quantiser_matrix */
    align(bw);

    start_code(bw, EXTENSION_START_CODE);
    vc_bw_put_bits(bw, 4, EXT_SEQUENCE);
    vc_bw_put_bits(bw, 8, 0x44);      /* profile_and_level: Main@High */
    vc_bw_put_flag(bw, st->progressive_sequence);
    vc_bw_put_bits(bw, 2, 1);         /* chroma_format: 4:2:0 */
    vc_bw_put_bits(bw, 2, pic->horizontal_size >> 12);
    vc_bw_put_bits(bw, 2, pic->vertical_size >> 12);
    vc_bw_put_bits(bw, 12, 0);        /* bit_rate_extension */
    vc_bw_put_bits(bw, 1, 1);         /* marker_bit */
    vc_bw_put_bits(bw, 8, 0);         /* vbv_buffer_size_extension */
    vc_bw_put_bits(bw, 1, 0);         /* low_delay */
    vc_bw_put_bits(bw, 2, 0);         /* frame_rate_extension_n */
    vc_bw_put_bits(bw, 5, 0);         /* frame_rate_extension_d */
    align(bw);
}

static void picture_headers(struct vc_bitwriter *bw, const struct vw_mpeg2_picture *pic)
{
    start_code(bw, PICTURE_START_CODE);
    vc_bw_put_bits(bw, 10, 0);        /* temporal_reference */
    vc_bw_put_bits(bw, 3, pic->picture_coding_type);
    vc_bw_put_bits(bw, 16, 0xffff);   /* vbv_delay */
    if (pic->picture_coding_type == 2 || pic->picture_coding_type == 3) {
        vc_bw_put_bits(bw, 1, 0);     /* full_pel_forward_vector */
        vc_bw_put_bits(bw, 3, 7);     /* forward_f_code */
    }
    if (pic->picture_coding_type == 3) {
        vc_bw_put_bits(bw, 1, 0);     /* full_pel_backward_vector */
        vc_bw_put_bits(bw, 3, 7);     /* backward_f_code */
    }
    vc_bw_put_bits(bw, 1, 0);         /* extra_bit_picture */
    align(bw);

    start_code(bw, EXTENSION_START_CODE);
    vc_bw_put_bits(bw, 4, EXT_PICTURE_CODING);
    vc_bw_put_bits(bw, 16, pic->f_code); /* f_code[0][0] .. f_code[1][1] */
    vc_bw_put_bits(bw, 2, pic->intra_dc_precision);
    vc_bw_put_bits(bw, 2, pic->picture_structure);
    vc_bw_put_flag(bw, pic->top_field_first);
    vc_bw_put_flag(bw, pic->frame_pred_frame_dct);
    vc_bw_put_flag(bw, pic->concealment_motion_vectors);
    vc_bw_put_flag(bw, pic->q_scale_type);
    vc_bw_put_flag(bw, pic->intra_vlc_format);
    vc_bw_put_flag(bw, pic->alternate_scan);
    vc_bw_put_flag(bw, pic->repeat_first_field);
    vc_bw_put_flag(bw, pic->progressive_frame); /* chroma_420_type */
    vc_bw_put_flag(bw, pic->progressive_frame);
    vc_bw_put_bits(bw, 1, 0);         /* composite_display_flag */
    align(bw);
}

static void quant_matrix_extension(struct vc_bitwriter *bw, const struct vh_mpeg2_state *st)
{
    if (!st->loaded[0] && !st->loaded[1] && !st->loaded[2] && !st->loaded[3])
        return;
    start_code(bw, EXTENSION_START_CODE);
    vc_bw_put_bits(bw, 4, EXT_QUANT_MATRIX);
    for (int i = 0; i < 4; i++) {
        vc_bw_put_flag(bw, st->loaded[i]);
        if (st->loaded[i])
            for (int j = 0; j < 64; j++)
                vc_bw_put_bits(bw, 8, st->matrix[i][j]);
    }
    align(bw);
}

size_t vh_mpeg2_write_headers(const struct vw_mpeg2_picture *pic,
                              const struct vh_mpeg2_state *st,
                              uint8_t out[VH_MPEG2_HEADERS_MAX])
{
    struct vc_bitwriter bw;
    vc_bw_init(&bw, out, VH_MPEG2_HEADERS_MAX);
    if (vh_mpeg2_starts_frame(pic))
        sequence_header(&bw, pic, st);
    picture_headers(&bw, pic);
    quant_matrix_extension(&bw, st);
    /* Cannot overflow: VH_MPEG2_HEADERS_MAX is the largest case. */
    return vc_bw_ok(&bw) ? vc_bw_bytes(&bw) : 0;
}

size_t vh_mpeg2_packet_size(const struct vh_picture *pic, const struct vh_mpeg2_state *st)
{
    struct vh_mpeg2_state next = *st;
    uint8_t hdr[VH_MPEG2_HEADERS_MAX];
    vh_mpeg2_state_update(&next, pic->mpeg2, pic->mpeg2_iq);
    size_t n = vh_mpeg2_write_headers(pic->mpeg2, &next, hdr);
    for (uint32_t i = 0; i < pic->num_slices; i++)
        n += pic->slices[i].size;
    return n;
}

void vh_mpeg2_packet_write(const struct vh_picture *pic, struct vh_mpeg2_state *st,
                           uint8_t *out)
{
    uint8_t hdr[VH_MPEG2_HEADERS_MAX];
    vh_mpeg2_state_update(st, pic->mpeg2, pic->mpeg2_iq);
    size_t n = vh_mpeg2_write_headers(pic->mpeg2, st, hdr);
    memcpy(out, hdr, n);
    for (uint32_t i = 0; i < pic->num_slices; i++) {
        memcpy(out + n, pic->slices[i].data, pic->slices[i].size);
        n += pic->slices[i].size;
    }
}
