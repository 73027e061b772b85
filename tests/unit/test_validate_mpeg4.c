/* The front door's MPEG-4 Part 2 checks (validate_mpeg4.c): a valid
 * picture, IQ block and slice pass; each hostile or unsupported field is
 * refused with its status and a message naming it. */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "host/session_internal.h"

static const struct vh_surface target = {.id = 7, .width = 352, .height = 288};

static struct vw_mpeg4_picture good_pic(void)
{
    struct vw_mpeg4_picture p;
    memset(&p, 0, sizeof(p));
    p.vop_width = 352;
    p.vop_height = 288;
    p.chroma_format = 1;
    p.obmc_disable = 1;
    p.quant_precision = 5;
    p.vop_coding_type = VW_MPEG4_VOP_B;
    p.vop_fcode_forward = 1;
    p.vop_fcode_backward = 7;
    p.vop_time_increment_resolution = 25;
    p.TRB = 1;
    p.TRD = 3;
    return p;
}

#define PIC_REFUSED(field, value, status, text)                                  \
    do {                                                                         \
        struct vw_mpeg4_picture p_ = good_pic();                                 \
        p_.field = value;                                                        \
        struct vh_error e_ = {0};                                                \
        CHECK_EQ(vh_mpeg4_check_picture(&p_, &target, &e_), status);            \
        CHECK(strstr(e_.message, text) != NULL);                                 \
    } while (0)

static void test_picture(void)
{
    struct vw_mpeg4_picture p = good_pic();
    struct vh_error err = {0};
    CHECK_EQ(vh_mpeg4_check_picture(&p, &target, &err), VW_OK);
    /* What VA cannot carry whole or the profiles do not have. */
    PIC_REFUSED(short_video_header, 1, VW_ERR_UNSUPPORTED_STREAM, "short_video_header");
    PIC_REFUSED(sprite_enable, 2, VW_ERR_UNSUPPORTED_STREAM, "sprite_enable 2");
    PIC_REFUSED(sprite_enable, 1, VW_ERR_UNSUPPORTED_STREAM, "sprite_enable 1");
    PIC_REFUSED(vop_coding_type, VW_MPEG4_VOP_S, VW_ERR_UNSUPPORTED_STREAM, "S-VOPs");
    PIC_REFUSED(obmc_disable, 0, VW_ERR_UNSUPPORTED_STREAM, "obmc_disable");
    PIC_REFUSED(chroma_format, 2, VW_ERR_UNSUPPORTED_STREAM, "chroma_format 2");
    /* Out of range. */
    PIC_REFUSED(reserved, 1, VW_ERR_MALFORMED, "reserved");
    PIC_REFUSED(interlaced, 2, VW_ERR_MALFORMED, "interlaced");
    PIC_REFUSED(quant_type, 255, VW_ERR_MALFORMED, "quant_type");
    PIC_REFUSED(quarter_sample, 2, VW_ERR_MALFORMED, "quarter_sample");
    PIC_REFUSED(reversible_vlc, 1, VW_ERR_MALFORMED, "reversible_vlc without data_partitioned");
    PIC_REFUSED(resync_marker_disable, 3, VW_ERR_MALFORMED, "resync_marker_disable");
    PIC_REFUSED(no_of_sprite_warping_points, 3, VW_ERR_MALFORMED, "sprite warping");
    PIC_REFUSED(sprite_trajectory_dv[2], -5, VW_ERR_MALFORMED, "sprite trajectory 2");
    PIC_REFUSED(quant_precision, 2, VW_ERR_MALFORMED, "quant_precision is 2");
    PIC_REFUSED(quant_precision, 10, VW_ERR_MALFORMED, "quant_precision is 10");
    PIC_REFUSED(backward_reference_vop_coding_type, 4, VW_ERR_MALFORMED,
                "backward_reference_vop_coding_type");
    PIC_REFUSED(vop_rounding_type, 1, VW_ERR_MALFORMED, "vop_rounding_type 1");
    PIC_REFUSED(intra_dc_vlc_thr, 8, VW_ERR_MALFORMED, "intra_dc_vlc_thr");
    PIC_REFUSED(top_field_first, 2, VW_ERR_MALFORMED, "top_field_first");
    PIC_REFUSED(alternate_vertical_scan_flag, 1, VW_ERR_MALFORMED, "progressive sequence");
    PIC_REFUSED(vop_fcode_forward, 0, VW_ERR_MALFORMED, "vop_fcode_forward");
    PIC_REFUSED(vop_fcode_backward, 8, VW_ERR_MALFORMED, "vop_fcode_backward");
    PIC_REFUSED(vop_time_increment_resolution, 0, VW_ERR_MALFORMED,
                "vop_time_increment_resolution");
    PIC_REFUSED(TRB, 0, VW_ERR_MALFORMED, "B-VOP TRB 0, TRD 3");
    PIC_REFUSED(TRB, 3, VW_ERR_MALFORMED, "B-VOP TRB 3, TRD 3");
    PIC_REFUSED(TRD, -3, VW_ERR_MALFORMED, "B-VOP TRB 1, TRD -3");
    PIC_REFUSED(vop_width, 0, VW_ERR_MALFORMED, "size 0x288");
    PIC_REFUSED(vop_height, 4097, VW_ERR_MALFORMED, "outside");
    PIC_REFUSED(vop_width, 353, VW_ERR_MALFORMED, "does not fit surface 7");
    /* Unused f_codes of an I-VOP are not checked; a P's rounding is. */
    p.vop_coding_type = VW_MPEG4_VOP_I;
    p.vop_fcode_forward = 0;
    p.vop_fcode_backward = 0;
    CHECK_EQ(vh_mpeg4_check_picture(&p, &target, &err), VW_OK);
    p.vop_coding_type = VW_MPEG4_VOP_P;
    p.vop_fcode_forward = 1;
    p.vop_rounding_type = 1;
    CHECK_EQ(vh_mpeg4_check_picture(&p, &target, &err), VW_OK);
    p.vop_rounding_type = 2;
    CHECK_EQ(vh_mpeg4_check_picture(&p, &target, &err), VW_ERR_MALFORMED);
    /* A reference VOP's TRD may be anything (negative after a seek). */
    p.vop_rounding_type = 0;
    p.TRD = -1;
    CHECK_EQ(vh_mpeg4_check_picture(&p, &target, &err), VW_OK);
}

static void test_iq_and_slice(void)
{
    struct vw_mpeg4_iq_matrix iq;
    memset(&iq, 0, sizeof(iq));
    struct vh_error err = {0};
    /* Matrices not loaded may hold anything, zeros included. */
    CHECK_EQ(vh_mpeg4_check_iq_matrix(&iq, &err), VW_OK);
    iq.load_intra_quant_mat = 1;
    memset(iq.intra_quant_mat, 16, sizeof(iq.intra_quant_mat));
    CHECK_EQ(vh_mpeg4_check_iq_matrix(&iq, &err), VW_OK);
    iq.intra_quant_mat[40] = 0;
    CHECK_EQ(vh_mpeg4_check_iq_matrix(&iq, &err), VW_ERR_MALFORMED);
    CHECK(strstr(err.message, "matrix 0: entry 40 is 0") != NULL);
    iq.intra_quant_mat[40] = 16;
    iq.load_non_intra_quant_mat = 2;
    CHECK_EQ(vh_mpeg4_check_iq_matrix(&iq, &err), VW_ERR_MALFORMED);
    iq.load_non_intra_quant_mat = 0;
    iq.reserved[1] = 1;
    CHECK_EQ(vh_mpeg4_check_iq_matrix(&iq, &err), VW_ERR_MALFORMED);

    struct vw_mpeg4_picture pic = good_pic();
    struct vw_mpeg4_slice s;
    memset(&s, 0, sizeof(s));
    s.quant_scale = 31;
    s.macroblock_offset = 7;
    static const uint8_t d[] = {0x12, 0x34};
    CHECK_EQ(vh_mpeg4_check_slice(&s, 0, &pic, d, sizeof(d), &err), VW_OK);
    CHECK_EQ(vh_mpeg4_check_slice(&s, 0, &pic, d, 0, &err), VW_ERR_MALFORMED);
    s.quant_scale = 32;           /* 5 bits of vop_quant */
    CHECK_EQ(vh_mpeg4_check_slice(&s, 0, &pic, d, sizeof(d), &err), VW_ERR_MALFORMED);
    CHECK(strstr(err.message, "quant_scale 32 outside 1..31") != NULL);
    s.quant_scale = 0;
    CHECK_EQ(vh_mpeg4_check_slice(&s, 0, &pic, d, sizeof(d), &err), VW_ERR_MALFORMED);
    s.quant_scale = 8;
    s.macroblock_offset = 8;
    CHECK_EQ(vh_mpeg4_check_slice(&s, 0, &pic, d, sizeof(d), &err), VW_ERR_MALFORMED);
    s.macroblock_offset = 0;
    s.macroblock_number = 22;
    CHECK_EQ(vh_mpeg4_check_slice(&s, 0, &pic, d, sizeof(d), &err), VW_ERR_UNSUPPORTED_STREAM);
    s.macroblock_number = 0;
    CHECK_EQ(vh_mpeg4_check_slice(&s, 1, &pic, d, sizeof(d), &err), VW_ERR_UNSUPPORTED_STREAM);
    s.reserved[0] = 1;
    CHECK_EQ(vh_mpeg4_check_slice(&s, 0, &pic, d, sizeof(d), &err), VW_ERR_MALFORMED);
}

int main(void)
{
    test_picture();
    test_iq_and_slice();
    return check_finish("test_validate_mpeg4");
}
