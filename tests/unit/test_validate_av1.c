/* The front door's AV1 checks (validate_av1.c): a valid picture and slice
 * pass; each field out of its syntax element's range, and what the Main
 * profile on NV12/P010 surfaces cannot carry, is refused with its status
 * and a message naming it. */
#include <stdint.h>
#include <string.h>

#include "av1_pictures.h"
#include "check.h"
#include "host/session_internal.h"

static const struct vh_surface target = {.id = 7, .width = 320, .height = 240,
                                         .rt_format = VW_RT_YUV420};
static const struct vh_surface target10 = {.id = 8, .width = 320, .height = 240,
                                           .rt_format = VW_RT_YUV420_10};

/* An inter frame of 320x240 with film grain and segmentation. */
static struct vw_av1_picture good_pic(void)
{
    struct vw_av1_picture p = av1_key_frame(320, 240);
    p.display_surface = 9;
    for (int i = 0; i < 8; i++)
        p.ref_frame_map[i] = 1 + i;
    for (int i = 0; i < 7; i++)
        p.ref_frame_idx[i] = (uint8_t)i;
    p.primary_ref_frame = 0;
    p.order_hint = 5;
    p.frame_type = VW_AV1_INTER_FRAME;
    p.error_resilient_mode = 0;
    p.showable_frame = 1;
    p.interp_filter = 4;
    p.filter_level[0] = 10;
    p.seg.enabled = 1;
    p.seg.update_map = 1;
    p.seg.update_data = 1;
    p.seg.feature_mask[1] = 1;
    p.seg.feature_data[1][0] = -20;
    p.film_grain.apply_grain = 1;
    p.film_grain.num_y_points = 2;
    p.film_grain.point_y_value[0] = 10;
    p.film_grain.point_y_value[1] = 200;
    p.film_grain.num_cb_points = p.film_grain.num_cr_points = 1;
    return p;
}

#define PIC_REFUSED_ON(tgt, field, value, status, text)                          \
    do {                                                                         \
        struct vw_av1_picture p_ = good_pic();                                   \
        p_.field = value;                                                        \
        struct vh_error e_ = {0};                                                \
        CHECK_EQ(vh_av1_check_picture(&p_, (tgt), &e_), status);                \
        CHECK(strstr(e_.message, text) != NULL);                                 \
    } while (0)
#define PIC_REFUSED(field, value, status, text) \
    PIC_REFUSED_ON(&target, field, value, status, text)
#define MALFORMED(field, value, text) PIC_REFUSED(field, value, VW_ERR_MALFORMED, text)
#define UNSUPPORTED(field, value, text) PIC_REFUSED(field, value, VW_ERR_UNSUPPORTED_STREAM, text)

static void test_picture(void)
{
    struct vw_av1_picture p = good_pic();
    struct vh_error err = {0};
    CHECK_EQ(vh_av1_check_picture(&p, &target, &err), VW_OK);
    p.bit_depth_idx = 1;
    CHECK_EQ(vh_av1_check_picture(&p, &target10, &err), VW_OK);

    /* What the Main profile on these surfaces cannot carry. */
    UNSUPPORTED(profile, 1, "profile 1");
    UNSUPPORTED(profile, 2, "profile 2");
    UNSUPPORTED(bit_depth_idx, 1, "8-bit only");
    UNSUPPORTED(bit_depth_idx, 2, "bit_depth_idx 2");
    PIC_REFUSED_ON(&target10, bit_depth_idx, 0, VW_ERR_UNSUPPORTED_STREAM, "10-bit only");
    UNSUPPORTED(mono_chrome, 1, "mono_chrome");
    UNSUPPORTED(subsampling_x, 0, "subsampling");
    UNSUPPORTED(large_scale_tile, 1, "large-scale tile");
    UNSUPPORTED(anchor_frames_num, 3, "large-scale tile");

    /* Ranges. */
    MALFORMED(order_hint_bits_minus_1, 8, "order_hint_bits_minus_1");
    MALFORMED(order_hint, 128, "order_hint is 128");
    MALFORMED(frame_type, 4, "frame_type");
    MALFORMED(show_frame, 2, "show_frame");
    MALFORMED(ref_frame_idx[3], 8, "ref_frame_idx[3]");
    MALFORMED(primary_ref_frame, 8, "primary_ref_frame");
    MALFORMED(error_resilient_mode, 1, "primary_ref_frame 0 on an intra or error resilient");
    MALFORMED(frame_type, VW_AV1_KEY_FRAME, "error_resilient_mode 0");
    MALFORMED(showable_frame, 0, "showable_frame 0");
    MALFORMED(allow_intrabc, 1, "allow_intrabc");
    MALFORMED(superres_scale_denominator, 9, "without superres");
    MALFORMED(use_superres, 1, "superres_scale_denominator is 8");
    MALFORMED(interp_filter, 5, "interp_filter");
    MALFORMED(filter_level[1], 64, "filter_level[1]");
    MALFORMED(sharpness_level, 8, "sharpness_level");
    MALFORMED(ref_deltas[2], 64, "ref_deltas[2]");
    MALFORMED(mode_deltas[1], -65, "mode_deltas[1]");
    MALFORMED(u_ac_delta_q, 64, "u_ac_delta_q");
    MALFORMED(qm_v, 16, "qm_v");
    MALFORMED(log2_delta_q_res, 4, "log2_delta_q_res");
    MALFORMED(delta_lf_present_flag, 1, "without delta_q_present_flag");
    MALFORMED(tx_mode, 3, "tx_mode");
    MALFORMED(cdef_bits, 4, "cdef_bits");
    MALFORMED(cdef_uv_strengths[7], 64, "cdef_uv_strengths[7] 64");
    MALFORMED(lr_type[2], 4, "lr_type[2]");
    MALFORMED(lr_unit_shift, 3, "lr_unit_shift");
    MALFORMED(seg.temporal_update, 2, "temporal_update");
    MALFORMED(seg.feature_data[1][0], 256, "feature_data[1][0] is 256");
    MALFORMED(seg.feature_data[2][1], -64, "feature_data[2][1] is -64");
    MALFORMED(seg.feature_data[0][5], -1, "feature_data[0][5] is -1");
    MALFORMED(seg.feature_data[0][6], 1, "feature_data[0][6] is 1");
    MALFORMED(film_grain.num_y_points, 15, "num_y_points");
    MALFORMED(film_grain.point_y_value[1], 10, "y values do not increase");
    MALFORMED(film_grain.num_cr_points, 0, "one 4:2:0 chroma plane");
    MALFORMED(film_grain.cb_offset, 512, "cb_offset");
    MALFORMED(film_grain.ar_coeff_lag, 4, "ar_coeff_lag");
    MALFORMED(film_grain.reserved, 1, "film_grain.reserved");
    MALFORMED(film_grain_params_present, 0, "apply_grain without");
    MALFORMED(wm[2].wmtype, 4, "wm[2]");
    MALFORMED(reserved[1], 1, "reserved");
    MALFORMED(frame_width_minus1, 320, "does not fit surface");
    MALFORMED(tile_cols, 0, "tile_cols or tile_rows");
    MALFORMED(tile_rows, 65, "tile_cols or tile_rows");
    /* 320 wide is 5 superblocks: uniform spacing gives 1, 2, 3 or 5 columns. */
    MALFORMED(tile_cols, 4, "no uniform tile count");
    MALFORMED(context_update_tile_id, 1, "context_update_tile_id 1 of 1");

    /* Intra frames may carry anything in ref_frame_idx (GStreamer: 0xff). */
    p = good_pic();
    p.frame_type = VW_AV1_INTRA_ONLY_FRAME;
    p.primary_ref_frame = VW_AV1_PRIMARY_REF_NONE;
    memset(p.ref_frame_idx, 0xff, sizeof(p.ref_frame_idx));
    CHECK_EQ(vh_av1_check_picture(&p, &target, &err), VW_OK);

    /* Non-uniform tiles: widths that leave no last tile are refused. */
    p = good_pic();
    p.uniform_tile_spacing_flag = 0;
    p.tile_cols = 2;
    p.width_in_sbs_minus_1[0] = 1;
    CHECK_EQ(vh_av1_check_picture(&p, &target, &err), VW_OK);
    p.width_in_sbs_minus_1[0] = 4;
    CHECK_EQ(vh_av1_check_picture(&p, &target, &err), VW_ERR_MALFORMED);
    CHECK(strstr(err.message, "wider than the frame") != NULL);
}

static void test_slice(void)
{
    struct vw_av1_picture p = good_pic();
    p.tile_cols = 2;
    struct vw_av1_slice s = {.slice_data_size = 4, .tile_row = 0, .tile_column = 1};
    struct vh_error err = {0};
    uint8_t data[4] = {0};
    CHECK_EQ(vh_av1_check_slice(&s, 1, &p, data, 4, &err), VW_OK);
    s.tile_column = 2;
    CHECK_EQ(vh_av1_check_slice(&s, 1, &p, data, 4, &err), VW_ERR_MALFORMED);
    CHECK(strstr(err.message, "outside") != NULL);
    s.tile_column = 0;
    s.tile_row = 1;
    CHECK_EQ(vh_av1_check_slice(&s, 1, &p, data, 4, &err), VW_ERR_MALFORMED);
    s.tile_row = 0;
    s.reserved = 1;
    CHECK_EQ(vh_av1_check_slice(&s, 1, &p, data, 4, &err), VW_ERR_MALFORMED);
}

int main(void)
{
    test_picture();
    test_slice();
    return check_finish("test_validate_av1");
}
