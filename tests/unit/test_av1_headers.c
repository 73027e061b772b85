/* The rebuilt AV1 headers (host/codecs/av1_headers.c) read back by
 * libdav1d: a sequence header through dav1d_parse_sequence_header, frame
 * headers by decoding them (tiles of made-up bytes, which dav1d decodes to
 * some picture) and comparing the Dav1dFrameHeader of the picture with
 * what VA gave: quantizer and matrices, segmentation, delta q/lf, loop
 * filter levels and deltas coded against the reference slot, CDEF, loop
 * restoration, film grain, global motion coded against the previous
 * frame's, uniform and non-uniform tiles, superres. The writer's refusals
 * (what a header cannot code) are checked too. */
#include <stdint.h>
#include <string.h>

#include <dav1d/dav1d.h>

#include "av1_pictures.h"
#include "check.h"
#include "host/codecs/av1_headers.h"
#include "host/engines/sw/sw_internal.h"

struct decoder {
    Dav1dContext *c;
    struct vh_av1_sequence seq;
    struct vh_av1_slot slots[8];
    uint32_t rng;
};

static void decoder_open(struct decoder *d, uint32_t w, uint32_t h)
{
    memset(d, 0, sizeof(*d));
    Dav1dSettings s;
    sw_av1_settings(&s);           /* as the engine decodes */
    CHECK_EQ(dav1d_open(&d->c, &s), 0);
    vh_av1_sequence_init(&d->seq, w, h);
    for (int i = 0; i < 8; i++)
        vh_av1_slot_default(&d->slots[i]);
    d->rng = 12345;
}

/* Writes p's headers and made-up tiles, decodes them; *hdr gets dav1d's
 * frame header. NULL on success, else the writer's refusal. */
static const char *decode(struct decoder *d, const struct vw_av1_picture *p, uint8_t refresh,
                          Dav1dFrameHeader *hdr)
{
    static uint8_t buf[1 << 19];
    size_t n = vh_av1_write_sequence_header(p, &d->seq, buf, VH_AV1_SEQUENCE_HEADER_MAX);
    CHECK(n > 0);
    size_t fh = 0;
    struct vh_av1_slot saved;
    const char *why = vh_av1_write_frame_header(p, &d->seq, refresh, d->slots, &saved, buf + n,
                                                VH_AV1_FRAME_HEADER_MAX, &fh);
    if (why)
        return why;
    n += fh;
    uint32_t count = (uint32_t)p->tile_cols * p->tile_rows;
    /* Enough made-up bytes that dav1d does not run out of them: it fails a
     * tile it reads far past the end of. */
    static uint8_t bytes[16][16384];
    struct vh_av1_tile tiles[16];
    for (uint32_t t = 0; t < count; t++) {
        for (size_t i = 0; i < sizeof(bytes[t]); i++) {
            d->rng = d->rng * 1103515245u + 12345u;
            bytes[t][i] = (uint8_t)(d->rng >> 16);
        }
        tiles[t] = (struct vh_av1_tile){bytes[t], sizeof(bytes[t])};
    }
    vh_av1_write_tile_group(tiles, count, buf + n);
    n += vh_av1_tile_group_size(tiles, count);

    Dav1dData data = {0};
    memcpy(dav1d_data_create(&data, n), buf, n);
    CHECK_EQ(dav1d_send_data(d->c, &data), 0);
    Dav1dPicture pic = {0};
    int ret = dav1d_get_picture(d->c, &pic);
    CHECK_EQ(ret, 0);
    if (ret == 0) {
        *hdr = *pic.frame_hdr;
        dav1d_picture_unref(&pic);
    }
    dav1d_data_unref(&data);
    if (p->frame_type == VW_AV1_KEY_FRAME && p->show_frame)
        refresh = 0xff;
    for (int i = 0; i < 8; i++)
        if (refresh & (1u << i))
            d->slots[i] = saved;
    return NULL;
}

static void test_sequence_header(void)
{
    struct vw_av1_picture p = av1_key_frame(250, 142);
    p.bit_depth_idx = 1;
    p.use_128x128_superblock = 1;
    p.enable_jnt_comp = 1;
    p.color_range = 1;
    p.order_hint_bits_minus_1 = 4;
    struct vh_av1_sequence seq;
    vh_av1_sequence_init(&seq, 256, 160);
    uint8_t buf[VH_AV1_SEQUENCE_HEADER_MAX];
    size_t n = vh_av1_write_sequence_header(&p, &seq, buf, sizeof(buf));
    CHECK(n > 2);
    Dav1dSequenceHeader s;
    CHECK_EQ(dav1d_parse_sequence_header(&s, buf, n), 0);
    CHECK_EQ(s.profile, 0);
    CHECK_EQ(s.max_width, 256);
    CHECK_EQ(s.max_height, 160);
    CHECK_EQ(s.hbd, 1);
    CHECK_EQ(s.layout, DAV1D_PIXEL_LAYOUT_I420);
    CHECK_EQ(s.color_range, 1);
    CHECK_EQ(s.sb128, 1);
    CHECK_EQ(s.filter_intra, 1);
    CHECK_EQ(s.intra_edge_filter, 1);
    CHECK_EQ(s.order_hint, 1);
    CHECK_EQ(s.order_hint_n_bits, 5);
    CHECK_EQ(s.jnt_comp, 1);
    CHECK_EQ(s.ref_frame_mvs, 1);
    CHECK_EQ(s.cdef, 1);
    CHECK_EQ(s.restoration, 1);
    CHECK_EQ(s.super_res, 1);
    CHECK_EQ(s.warped_motion, 1);
    CHECK_EQ(s.screen_content_tools, DAV1D_ADAPTIVE);
    CHECK_EQ(s.force_integer_mv, DAV1D_ADAPTIVE);
    CHECK_EQ(s.film_grain_present, 1);
    CHECK_EQ(s.frame_id_numbers_present, 0);
    /* Too small a buffer: nothing written. */
    CHECK_EQ(vh_av1_write_sequence_header(&p, &seq, buf, 20), 0);
}

/* A key frame with every tool VA describes, then inter frames coding loop
 * filter deltas and global motion against the slots. */
static void test_frames(void)
{
    struct decoder d;
    decoder_open(&d, 64, 64);
    Dav1dFrameHeader h;

    struct vw_av1_picture k = av1_key_frame(64, 64);
    k.y_dc_delta_q = -3;
    k.u_dc_delta_q = 2;
    k.u_ac_delta_q = -1;
    k.v_dc_delta_q = 4;
    k.v_ac_delta_q = 5;
    k.using_qmatrix = 1;
    k.qm_y = 3, k.qm_u = 5, k.qm_v = 7;
    k.seg.enabled = k.seg.update_map = k.seg.update_data = 1;
    k.seg.feature_mask[1] = 1 | 2;
    k.seg.feature_data[1][0] = -20;
    k.seg.feature_data[1][1] = 7;
    k.seg.feature_mask[3] = 1 << 6;
    k.delta_q_present_flag = 1;
    k.log2_delta_q_res = 2;
    k.delta_lf_present_flag = 1;
    k.log2_delta_lf_res = 1;
    k.delta_lf_multi = 1;
    k.filter_level[0] = 10, k.filter_level[1] = 12, k.filter_level_u = 5, k.filter_level_v = 6;
    k.sharpness_level = 3;
    k.mode_ref_delta_enabled = k.mode_ref_delta_update = 1;
    k.ref_deltas[0] = 2;
    k.ref_deltas[7] = 0;
    k.mode_deltas[1] = 3;
    k.cdef_damping_minus_3 = 2;
    k.cdef_bits = 2;
    for (int i = 0; i < 4; i++) {
        k.cdef_y_strengths[i] = (uint8_t)(i * 13 + 1);
        k.cdef_uv_strengths[i] = (uint8_t)(i * 7 + 2);
    }
    k.lr_type[0] = 1, k.lr_type[1] = 2, k.lr_type[2] = 3;
    k.lr_unit_shift = 1;
    k.lr_uv_shift = 1;
    k.reduced_tx_set_used = 1;
    struct vw_av1_film_grain *g = &k.film_grain;
    g->apply_grain = 1;
    g->grain_seed = 4321;
    g->num_y_points = 3;
    for (int i = 0; i < 3; i++)
        g->point_y_value[i] = (uint8_t)(20 + 60 * i), g->point_y_scaling[i] = (uint8_t)(30 + i);
    g->num_cb_points = g->num_cr_points = 2;
    g->point_cb_value[1] = 100, g->point_cb_scaling[1] = 9;
    g->point_cr_value[1] = 200, g->point_cr_scaling[1] = 11;
    g->grain_scaling_minus_8 = 2;
    g->ar_coeff_lag = 2;
    for (int i = 0; i < 24; i++)
        g->ar_coeffs_y[i] = (int8_t)(i * 5 - 60);
    for (int i = 0; i < 25; i++)
        g->ar_coeffs_cb[i] = (int8_t)(i - 12), g->ar_coeffs_cr[i] = (int8_t)(3 * i - 30);
    g->ar_coeff_shift_minus_6 = 1;
    g->grain_scale_shift = 2;
    g->cb_mult = 130, g->cb_luma_mult = 190, g->cb_offset = 300;
    g->cr_mult = 120, g->cr_luma_mult = 170, g->cr_offset = 260;
    g->overlap_flag = 1;
    g->clip_to_restricted_range = 1;
    CHECK(decode(&d, &k, 0xff, &h) == NULL);
    CHECK_EQ(h.frame_type, DAV1D_FRAME_TYPE_KEY);
    CHECK_EQ(h.width[1], 64);
    CHECK_EQ(h.height, 64);
    CHECK_EQ(h.quant.yac, 120);
    CHECK_EQ(h.quant.ydc_delta, -3);
    CHECK_EQ(h.quant.udc_delta, 2);
    CHECK_EQ(h.quant.uac_delta, -1);
    CHECK_EQ(h.quant.vdc_delta, 4);
    CHECK_EQ(h.quant.vac_delta, 5);
    CHECK_EQ(h.quant.qm, 1);
    CHECK_EQ(h.quant.qm_y, 3);
    CHECK_EQ(h.quant.qm_u, 5);
    CHECK_EQ(h.quant.qm_v, 7);
    CHECK_EQ(h.segmentation.enabled, 1);
    CHECK_EQ(h.segmentation.seg_data.d[1].delta_q, -20);
    CHECK_EQ(h.segmentation.seg_data.d[1].delta_lf_y_v, 7);
    CHECK_EQ(h.segmentation.seg_data.d[3].skip, 1);
    CHECK_EQ(h.segmentation.seg_data.d[2].delta_q, 0);
    CHECK_EQ(h.delta.q.present, 1);
    CHECK_EQ(h.delta.q.res_log2, 2);
    CHECK_EQ(h.delta.lf.present, 1);
    CHECK_EQ(h.delta.lf.res_log2, 1);
    CHECK_EQ(h.delta.lf.multi, 1);
    CHECK_EQ(h.loopfilter.level_y[0], 10);
    CHECK_EQ(h.loopfilter.level_y[1], 12);
    CHECK_EQ(h.loopfilter.level_u, 5);
    CHECK_EQ(h.loopfilter.level_v, 6);
    CHECK_EQ(h.loopfilter.sharpness, 3);
    CHECK_EQ(h.loopfilter.mode_ref_delta_enabled, 1);
    for (int i = 0; i < 8; i++)
        CHECK_EQ(h.loopfilter.mode_ref_deltas.ref_delta[i], k.ref_deltas[i]);
    CHECK_EQ(h.loopfilter.mode_ref_deltas.mode_delta[0], 0);
    CHECK_EQ(h.loopfilter.mode_ref_deltas.mode_delta[1], 3);
    CHECK_EQ(h.cdef.damping, 5);
    CHECK_EQ(h.cdef.n_bits, 2);
    for (int i = 0; i < 4; i++) {
        CHECK_EQ(h.cdef.y_strength[i], k.cdef_y_strengths[i]);
        CHECK_EQ(h.cdef.uv_strength[i], k.cdef_uv_strengths[i]);
    }
    CHECK_EQ(h.restoration.type[0], DAV1D_RESTORATION_WIENER);
    CHECK_EQ(h.restoration.type[1], DAV1D_RESTORATION_SGRPROJ);
    CHECK_EQ(h.restoration.type[2], DAV1D_RESTORATION_SWITCHABLE);
    CHECK_EQ(h.restoration.unit_size[0], 7);
    CHECK_EQ(h.restoration.unit_size[1], 6);
    CHECK_EQ(h.txfm_mode, DAV1D_TX_SWITCHABLE);
    CHECK_EQ(h.reduced_txtp_set, 1);
    const Dav1dFilmGrainData *fg = &h.film_grain.data;
    CHECK_EQ(h.film_grain.present, 1);
    CHECK_EQ(fg->seed, 4321);
    CHECK_EQ(fg->num_y_points, 3);
    CHECK_EQ(fg->y_points[2][0], 140);
    CHECK_EQ(fg->y_points[2][1], 32);
    CHECK_EQ(fg->num_uv_points[0], 2);
    CHECK_EQ(fg->uv_points[0][1][0], 100);
    CHECK_EQ(fg->uv_points[1][1][1], 11);
    CHECK_EQ(fg->scaling_shift, 10);
    CHECK_EQ(fg->ar_coeff_lag, 2);
    CHECK(memcmp(fg->ar_coeffs_y, g->ar_coeffs_y, 12) == 0);
    CHECK(memcmp(fg->ar_coeffs_uv[0], g->ar_coeffs_cb, 13) == 0);
    CHECK(memcmp(fg->ar_coeffs_uv[1], g->ar_coeffs_cr, 13) == 0);
    CHECK_EQ(fg->ar_coeff_shift, 7);
    CHECK_EQ(fg->grain_scale_shift, 2);
    /* dav1d keeps the multipliers less 128, the offsets less 256. */
    CHECK_EQ(fg->uv_mult[0], 130 - 128);
    CHECK_EQ(fg->uv_luma_mult[1], 170 - 128);
    CHECK_EQ(fg->uv_offset[0], 300 - 256);
    CHECK_EQ(fg->uv_offset[1], 260 - 256);
    CHECK_EQ(fg->overlap_flag, 1);
    CHECK_EQ(fg->clip_to_restricted_range, 1);

    /* An inter frame: deltas against the key frame's, global motion
     * against the defaults, segmentation kept. */
    struct vw_av1_picture p = av1_key_frame(64, 64);
    p.frame_type = VW_AV1_INTER_FRAME;
    p.error_resilient_mode = 0;
    p.showable_frame = 1;
    p.primary_ref_frame = 0;
    for (int i = 0; i < 7; i++)
        p.ref_frame_idx[i] = (uint8_t)(6 - i);
    p.order_hint = 1;
    p.allow_high_precision_mv = 1;
    p.interp_filter = 2;
    p.is_motion_mode_switchable = 1;
    p.use_ref_frame_mvs = 1;
    p.reference_select = 1;
    p.allow_warped_motion = 1;
    p.seg.enabled = 1;                /* update_data 0: the key frame's features */
    p.filter_level[0] = 4;
    p.mode_ref_delta_enabled = p.mode_ref_delta_update = 1;
    memcpy(p.ref_deltas, k.ref_deltas, sizeof(p.ref_deltas));
    p.ref_deltas[1] = -5;
    p.mode_deltas[1] = 3;
    p.wm[0] = (struct vw_av1_global_motion){.wmtype = 2,
                                            .wmmat = {5 * 1024, -3 * 1024, 65536 + 200, -100,
                                                      100, 65536 + 200}};
    p.wm[3] = (struct vw_av1_global_motion){.wmtype = 1, .wmmat = {7 * 8192, -2 * 8192, 65536, 0,
                                                                   0, 65536}};
    p.wm[6] = (struct vw_av1_global_motion){.wmtype = 3,
                                            .wmmat = {7 * 1024, -1 * 1024, 65536 + 14, -18, 22,
                                                      65536 - 8}};
    for (int r = 0; r < 7; r++)
        if (p.wm[r].wmtype == 0)
            p.wm[r].wmmat[2] = p.wm[r].wmmat[5] = 65536;
    CHECK(decode(&d, &p, 0x01, &h) == NULL);
    CHECK_EQ(h.frame_type, DAV1D_FRAME_TYPE_INTER);
    CHECK_EQ(h.primary_ref_frame, 0);
    for (int i = 0; i < 7; i++)
        CHECK_EQ(h.refidx[i], 6 - i);
    CHECK_EQ(h.hp, 1);
    CHECK_EQ(h.subpel_filter_mode, 2);
    CHECK_EQ(h.switchable_motion_mode, 1);
    CHECK_EQ(h.use_ref_frame_mvs, 1);
    CHECK_EQ(h.switchable_comp_refs, 1);
    CHECK_EQ(h.warp_motion, 1);
    CHECK_EQ(h.segmentation.enabled, 1);
    CHECK_EQ(h.segmentation.update_data, 0);
    CHECK_EQ(h.segmentation.seg_data.d[1].delta_q, -20);
    for (int i = 0; i < 8; i++)
        CHECK_EQ(h.loopfilter.mode_ref_deltas.ref_delta[i], p.ref_deltas[i]);
    CHECK_EQ(h.loopfilter.mode_ref_deltas.mode_delta[1], 3);
    for (int r = 0; r < 7; r++) {
        CHECK_EQ(h.gmv[r].type, p.wm[r].wmtype);
        for (int i = 0; i < 6; i++)
            CHECK_EQ(h.gmv[r].matrix[i], p.wm[r].wmmat[i]);
    }
    CHECK_EQ(h.film_grain.present, 0);

    /* Against that frame (slot 0): its global motion, its deltas. */
    struct vw_av1_picture q = p;
    q.order_hint = 2;
    for (int i = 0; i < 7; i++)
        q.ref_frame_idx[i] = 0;
    q.ref_deltas[1] = 0;
    q.wm[0].wmmat[2] = 65536 - 300;
    q.wm[0].wmmat[5] = 65536 - 300;
    q.wm[0].wmmat[0] = -9 * 1024;
    q.wm[6].wmmat[4] = -4000;
    CHECK(decode(&d, &q, 0x02, &h) == NULL);
    for (int r = 0; r < 7; r++)
        for (int i = 0; i < 6; i++)
            CHECK_EQ(h.gmv[r].matrix[i], q.wm[r].wmmat[i]);
    CHECK_EQ(h.loopfilter.mode_ref_deltas.ref_delta[1], 0);
    CHECK_EQ(h.loopfilter.mode_ref_deltas.ref_delta[0], 2);

    /* What a header cannot code. */
    struct vw_av1_picture bad = q;
    bad.skip_mode_present = 1;        /* every reference is before the frame, all alike */
    CHECK(decode(&d, &bad, 0, &h) != NULL);
    bad = q;
    bad.tx_mode = 0;
    CHECK(decode(&d, &bad, 0, &h) != NULL);
    bad = q;
    bad.wm[0].wmmat[4] = 7;           /* rotzoom: 4 must be -3 */
    CHECK(decode(&d, &bad, 0, &h) != NULL);
    bad = q;
    bad.wm[6].wmmat[3] = 1;           /* not on the coded precision */
    CHECK(decode(&d, &bad, 0, &h) != NULL);
    bad = q;
    bad.wm[6].wmmat[2] = 65536 + (8192 << 1) + 2;  /* beyond the coded range */
    CHECK(decode(&d, &bad, 0, &h) != NULL);
    bad = k;
    bad.frame_type = VW_AV1_INTRA_ONLY_FRAME;
    bad.show_frame = 1;
    CHECK(decode(&d, &bad, 0xff, &h) != NULL);
    dav1d_close(&d.c);
}

static void test_tiles_and_superres(void)
{
    struct decoder d;
    decoder_open(&d, 320, 240);
    Dav1dFrameHeader h;
    struct vw_av1_picture p = av1_key_frame(320, 240);
    p.tile_cols = p.tile_rows = 2;
    p.context_update_tile_id = 3;
    CHECK(decode(&d, &p, 0xff, &h) == NULL);
    CHECK_EQ(h.tiling.uniform, 1);
    CHECK_EQ(h.tiling.cols, 2);
    CHECK_EQ(h.tiling.rows, 2);
    CHECK_EQ(h.tiling.update, 3);

    p.uniform_tile_spacing_flag = 0;
    p.tile_cols = 3;
    p.width_in_sbs_minus_1[0] = 1;    /* 2, 2 and the last 1 of 5 */
    p.width_in_sbs_minus_1[1] = 1;
    p.tile_rows = 2;
    p.height_in_sbs_minus_1[0] = 0;   /* 1 and the last 3 of 4 */
    p.context_update_tile_id = 4;
    CHECK(decode(&d, &p, 0xff, &h) == NULL);
    CHECK_EQ(h.tiling.uniform, 0);
    CHECK_EQ(h.tiling.cols, 3);
    CHECK_EQ(h.tiling.col_start_sb[1], 2);
    CHECK_EQ(h.tiling.col_start_sb[2], 4);
    CHECK_EQ(h.tiling.col_start_sb[3], 5);
    CHECK_EQ(h.tiling.rows, 2);
    CHECK_EQ(h.tiling.row_start_sb[1], 1);
    CHECK_EQ(h.tiling.row_start_sb[2], 4);
    CHECK_EQ(h.tiling.update, 4);

    p = av1_key_frame(320, 240);
    p.use_superres = 1;
    p.superres_scale_denominator = 12;
    CHECK(decode(&d, &p, 0xff, &h) == NULL);
    CHECK_EQ(h.super_res.enabled, 1);
    CHECK_EQ(h.width[0], 213);
    CHECK_EQ(h.width[1], 320);
    CHECK_EQ(vh_av1_coded_width(&p), 213);

    /* A smaller frame than the sequence's: frame_size_override. */
    p = av1_key_frame(176, 144);
    CHECK(decode(&d, &p, 0xff, &h) == NULL);
    CHECK_EQ(h.frame_size_override, 1);
    CHECK_EQ(h.width[1], 176);
    CHECK_EQ(h.height, 144);
    dav1d_close(&d.c);
}

int main(void)
{
    test_sequence_header();
    test_frames();
    test_tiles_and_superres();
    return check_finish("test_av1_headers");
}
