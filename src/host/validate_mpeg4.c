/* Checks of the wire MPEG-4 Part 2 structs (vw_mpeg4_picture,
 * vw_mpeg4_iq_matrix, vw_mpeg4_slice) against the ranges of ISO/IEC
 * 14496-2, what the engines rebuild (mpeg4_headers.c), the target surface
 * and the slice data. What VA cannot carry whole is refused: sprites (GMC
 * and static: VA has no sprite size, brightness change or the GMC VOP's
 * trajectory codes as sent) and the short video header (H.263). */
#include "host/codecs/mpeg4_headers.h"
#include "host/session_internal.h"
#include "host/validate.h"

#define PIC "DECODE_BITSTREAM: MPEG-4 picture params: "
#define SL "DECODE_BITSTREAM: MPEG-4 slice %u: "

int vh_mpeg4_check_picture(const struct vw_mpeg4_picture *p, const struct vh_surface *target,
                           struct vh_error *err)
{
    REQUIRE(p->reserved == 0, VW_ERR_MALFORMED, PIC "reserved is not 0");
    REQUIRE(p->short_video_header == 0, VW_ERR_UNSUPPORTED_STREAM,
            PIC "short_video_header (H.263) is not supported");
    REQUIRE(p->chroma_format == 1, VW_ERR_UNSUPPORTED_STREAM,
            PIC "chroma_format %u (only 1, 4:2:0, exists)", p->chroma_format);
    REQUIRE_FLAG(p, interlaced);
    REQUIRE(p->obmc_disable == 1, VW_ERR_UNSUPPORTED_STREAM,
            PIC "obmc_disable is %u: OBMC is not in Simple or Advanced Simple", p->obmc_disable);
    REQUIRE(p->sprite_enable == 0, VW_ERR_UNSUPPORTED_STREAM,
            PIC "sprite_enable %u: sprites (static, GMC) are not supported", p->sprite_enable);
    REQUIRE(p->sprite_warping_accuracy == 0 && p->no_of_sprite_warping_points == 0,
            VW_ERR_MALFORMED, PIC "sprite warping fields set without sprites");
    for (int i = 0; i < 3; i++)
        REQUIRE(p->sprite_trajectory_du[i] == 0 && p->sprite_trajectory_dv[i] == 0,
                VW_ERR_MALFORMED, PIC "sprite trajectory %d set without sprites", i);
    REQUIRE_FLAG(p, quant_type);
    REQUIRE_FLAG(p, quarter_sample);
    REQUIRE_FLAG(p, data_partitioned);
    REQUIRE_FLAG(p, reversible_vlc);
    REQUIRE(p->data_partitioned || !p->reversible_vlc, VW_ERR_MALFORMED,
            PIC "reversible_vlc without data_partitioned");
    REQUIRE_FLAG(p, resync_marker_disable);
    REQUIRE_RANGE(p, quant_precision, 3, 9, PIC);
    REQUIRE(p->vop_coding_type <= VW_MPEG4_VOP_B, VW_ERR_UNSUPPORTED_STREAM,
            PIC "vop_coding_type %u: S-VOPs (sprites) are not supported", p->vop_coding_type);
    REQUIRE_MAX(p, backward_reference_vop_coding_type, 3);
    REQUIRE_FLAG(p, vop_rounding_type);
    /* Only P-VOPs code it; decoders take 0 for the others. */
    REQUIRE(p->vop_coding_type == VW_MPEG4_VOP_P || p->vop_rounding_type == 0,
            VW_ERR_MALFORMED, PIC "vop_rounding_type 1 on a VOP other than P");
    REQUIRE_MAX(p, intra_dc_vlc_thr, 7);
    REQUIRE_FLAG(p, top_field_first);
    REQUIRE_FLAG(p, alternate_vertical_scan_flag);
    REQUIRE(p->interlaced || !p->alternate_vertical_scan_flag, VW_ERR_MALFORMED,
            PIC "alternate_vertical_scan_flag in a progressive sequence");
    if (p->vop_coding_type != VW_MPEG4_VOP_I)
        REQUIRE_RANGE(p, vop_fcode_forward, 1, 7, PIC);
    if (p->vop_coding_type == VW_MPEG4_VOP_B)
        REQUIRE_RANGE(p, vop_fcode_backward, 1, 7, PIC);
    REQUIRE(p->vop_time_increment_resolution >= 1, VW_ERR_MALFORMED,
            PIC "vop_time_increment_resolution is 0");
    /* Distances (whether a B-VOP's TRD is its references' the engines
     * check against the VOPs before it: mpeg4_headers.c). */
    if (p->vop_coding_type == VW_MPEG4_VOP_B)
        REQUIRE(p->TRB > 0 && p->TRB < p->TRD, VW_ERR_MALFORMED,
                PIC "B-VOP TRB %d, TRD %d: not 0 < TRB < TRD", p->TRB, p->TRD);
    REQUIRE(p->vop_width >= 1 && p->vop_height >= 1 && p->vop_width <= VH_MPEG4_MAX_WIDTH &&
                p->vop_height <= VH_MPEG4_MAX_HEIGHT,
            VW_ERR_MALFORMED, PIC "size %ux%u outside 1x1..%ux%u", p->vop_width, p->vop_height,
            VH_MPEG4_MAX_WIDTH, VH_MPEG4_MAX_HEIGHT);
    REQUIRE(p->vop_width <= target->width && p->vop_height <= target->height, VW_ERR_MALFORMED,
            PIC "picture %ux%u does not fit surface %u (%ux%u)", p->vop_width, p->vop_height,
            target->id, target->width, target->height);
    return VW_OK;
}

int vh_mpeg4_check_iq_matrix(const struct vw_mpeg4_iq_matrix *m, struct vh_error *err)
{
    REQUIRE(m->reserved[0] == 0 && m->reserved[1] == 0, VW_ERR_MALFORMED,
            "DECODE_BITSTREAM: MPEG-4 IQ matrix: reserved is not 0");
    const uint8_t flags[2] = {m->load_intra_quant_mat, m->load_non_intra_quant_mat};
    const uint8_t *mats[2] = {m->intra_quant_mat, m->non_intra_quant_mat};
    for (int i = 0; i < 2; i++) {
        REQUIRE(flags[i] <= 1, VW_ERR_MALFORMED,
                "DECODE_BITSTREAM: MPEG-4 IQ matrix: load flag %d is %u", i, flags[i]);
        if (!flags[i])
            continue;
        /* 0 ends a matrix in the VOL (6.3.3): no entry may be 0. */
        for (int j = 0; j < 64; j++)
            REQUIRE(mats[i][j] != 0, VW_ERR_MALFORMED,
                    "DECODE_BITSTREAM: MPEG-4 IQ matrix %d: entry %d is 0", i, j);
    }
    return VW_OK;
}

int vh_mpeg4_check_slice(const struct vw_mpeg4_slice *s, uint32_t index,
                         const struct vw_mpeg4_picture *pic, const uint8_t *data, uint32_t size,
                         struct vh_error *err)
{
    (void)data;
    REQUIRE(s->reserved[0] == 0 && s->reserved[1] == 0, VW_ERR_MALFORMED,
            SL "reserved is not 0", index);
    /* The rebuilt VOP header leads into one slice: the whole VOP. */
    REQUIRE(index == 0 && s->macroblock_number == 0, VW_ERR_UNSUPPORTED_STREAM,
            SL "starts at macroblock %u: a VOP is one slice from its first macroblock", index,
            s->macroblock_number);
    REQUIRE(s->quant_scale >= 1 && s->quant_scale < (1u << pic->quant_precision),
            VW_ERR_MALFORMED, SL "quant_scale %u outside 1..%u", index, s->quant_scale,
            (1u << pic->quant_precision) - 1u);
    REQUIRE(s->macroblock_offset <= 7, VW_ERR_MALFORMED,
            SL "macroblock_offset %u is not a bit of the first byte (0..7)", index,
            s->macroblock_offset);
    REQUIRE(size >= 1, VW_ERR_MALFORMED, SL "no data", index);
    return VW_OK;
}
