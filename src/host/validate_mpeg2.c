/* Checks of the wire MPEG-2 structs (vw_mpeg2_picture, vw_mpeg2_iq_matrix,
 * vw_mpeg2_slice) against the ranges of ISO/IEC 13818-2, the target surface
 * and the slice data. */
#include "host/codecs/mpeg2_headers.h"
#include "host/session_internal.h"
#include "host/validate.h"

#define PIC "DECODE_BITSTREAM: MPEG-2 picture params: "
#define SL "DECODE_BITSTREAM: MPEG-2 slice %u: "

int vh_mpeg2_check_picture(const struct vw_mpeg2_picture *p, const struct vh_surface *target,
                           struct vh_error *err)
{
    REQUIRE(p->reserved[0] == 0 && p->reserved[1] == 0, VW_ERR_MALFORMED,
            PIC "reserved is not 0");
    REQUIRE(p->picture_coding_type >= 1 && p->picture_coding_type <= 3, VW_ERR_MALFORMED,
            PIC "picture_coding_type %u (1 I, 2 P, 3 B)", p->picture_coding_type);
    REQUIRE_MAX(p, intra_dc_precision, 3);
    REQUIRE(p->picture_structure >= VW_MPEG2_PIC_TOP_FIELD &&
                p->picture_structure <= VW_MPEG2_PIC_FRAME,
            VW_ERR_MALFORMED, PIC "picture_structure %u", p->picture_structure);
    REQUIRE_MAX(p, top_field_first, 1);
    REQUIRE_MAX(p, frame_pred_frame_dct, 1);
    REQUIRE_MAX(p, concealment_motion_vectors, 1);
    REQUIRE_MAX(p, q_scale_type, 1);
    REQUIRE_MAX(p, intra_vlc_format, 1);
    REQUIRE_MAX(p, alternate_scan, 1);
    REQUIRE_MAX(p, repeat_first_field, 1);
    REQUIRE_MAX(p, progressive_frame, 1);
    REQUIRE_MAX(p, is_first_field, 1);
    /* f_code: 1..9, or 15 where unused (ISO/IEC 13818-2 6.3.10). */
    for (int i = 0; i < 4; i++) {
        unsigned f = (p->f_code >> (12 - 4 * i)) & 0xfu;
        REQUIRE((f >= 1 && f <= 9) || f == 15, VW_ERR_MALFORMED,
                PIC "f_code[%d][%d] is %u (1..9 or 15)", i / 2, i % 2, f);
    }
    REQUIRE(p->horizontal_size >= 1 && p->vertical_size >= 1 &&
                p->horizontal_size <= VH_MPEG2_MAX_WIDTH &&
                p->vertical_size <= VH_MPEG2_MAX_HEIGHT,
            VW_ERR_MALFORMED, PIC "size %ux%u outside 1x1..%ux%u", p->horizontal_size,
            p->vertical_size, VH_MPEG2_MAX_WIDTH, VH_MPEG2_MAX_HEIGHT);
    REQUIRE(p->horizontal_size <= target->width && p->vertical_size <= target->height,
            VW_ERR_MALFORMED, PIC "picture %ux%u does not fit surface %u (%ux%u)",
            p->horizontal_size, p->vertical_size, target->id, target->width, target->height);
    return VW_OK;
}

int vh_mpeg2_check_iq_matrix(const struct vw_mpeg2_iq_matrix *m, struct vh_error *err)
{
    const uint8_t *flags[4] = {&m->load_intra_quantiser_matrix,
                               &m->load_non_intra_quantiser_matrix,
                               &m->load_chroma_intra_quantiser_matrix,
                               &m->load_chroma_non_intra_quantiser_matrix};
    const uint8_t *mats[4] = {m->intra_quantiser_matrix, m->non_intra_quantiser_matrix,
                              m->chroma_intra_quantiser_matrix,
                              m->chroma_non_intra_quantiser_matrix};
    for (int i = 0; i < 4; i++) {
        REQUIRE(*flags[i] <= 1, VW_ERR_MALFORMED,
                "DECODE_BITSTREAM: MPEG-2 IQ matrix: load flag %d is %u", i, *flags[i]);
        if (!*flags[i])
            continue;
        /* A 0 entry is forbidden (it would be a start code emulation). */
        for (int j = 0; j < 64; j++)
            REQUIRE(mats[i][j] != 0, VW_ERR_MALFORMED,
                    "DECODE_BITSTREAM: MPEG-2 IQ matrix %d: entry %d is 0", i, j);
    }
    return VW_OK;
}

int vh_mpeg2_check_slice(const struct vw_mpeg2_slice *s, uint32_t index,
                         const struct vw_mpeg2_picture *pic, const uint8_t *data, uint32_t size,
                         struct vh_error *err)
{
    REQUIRE(s->reserved[0] == 0 && s->reserved[1] == 0, VW_ERR_MALFORMED,
            SL "reserved is not 0", index);
    REQUIRE(s->quantiser_scale_code >= 1 && s->quantiser_scale_code <= 31, VW_ERR_MALFORMED,
            SL "quantiser_scale_code %u outside 1..31", index, s->quantiser_scale_code);
    REQUIRE(s->intra_slice_flag <= 1, VW_ERR_MALFORMED, SL "intra_slice_flag %u", index,
            s->intra_slice_flag);
    uint32_t mb_cols = (pic->horizontal_size + 15u) / 16u;
    /* An interlaced sequence rounds the height to 32 lines (VA does not say
     * which kind the sequence is, so allow that), a field has half. */
    uint32_t mb_rows = (pic->vertical_size + 31u) / 32u;
    if (pic->picture_structure == VW_MPEG2_PIC_FRAME)
        mb_rows *= 2;
    REQUIRE(s->slice_horizontal_position < mb_cols && s->slice_vertical_position < mb_rows,
            VW_ERR_MALFORMED, SL "position (%u, %u) outside the %ux%u macroblocks", index,
            s->slice_horizontal_position, s->slice_vertical_position, mb_cols, mb_rows);
    REQUIRE(size >= 5 && data[0] == 0 && data[1] == 0 && data[2] == 1, VW_ERR_MALFORMED,
            SL "data does not start with a start code", index);
    REQUIRE(data[3] == s->slice_vertical_position + 1u, VW_ERR_MALFORMED,
            SL "start code 0x%02x does not name row %u", index, data[3],
            s->slice_vertical_position);
    REQUIRE(data[3] <= 0xaf, VW_ERR_MALFORMED,
            SL "start code 0x%02x is not a slice's (0x01..0xaf)", index, data[3]);
    /* One slice and nothing behind it: a later start code would begin a
     * sequence header, a picture or an extension of the guest's (the daemon
     * writes those from the parameters it checked). Zero bytes may trail. */
    uint32_t at = vh_find_zero_zero(data, 1, size, 1, 1);
    REQUIRE(at == size, VW_ERR_MALFORMED,
            SL "start code 00 00 01 %02x at offset %u of the %u-byte slice: one slice a "
               "slice, its start code first",
            index, at + 3 < size ? data[at + 3] : 0u, at, size);
    REQUIRE(s->macroblock_offset >= 32 + 6 && s->macroblock_offset < (uint64_t)size * 8u,
            VW_ERR_MALFORMED, SL "macroblock_offset %u outside the %u-byte data", index,
            s->macroblock_offset, size);
    return VW_OK;
}
