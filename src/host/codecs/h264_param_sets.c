#include "host/codecs/h264_param_sets.h"

#include "common/bitwriter.h"

/* Raster index of the i-th coefficient in zig-zag (frame) scan: the order
 * of scaling_list() in the bitstream (8.5.6), whatever the picture's
 * field/frame structure. */
static const uint8_t zigzag4x4[16] = {
    0, 1, 4, 8, 5, 2, 3, 6, 9, 12, 13, 10, 7, 11, 14, 15,
};

static const uint8_t zigzag8x8[64] = {
    0,  1,  8,  16, 9,  2,  3,  10, 17, 24, 32, 25, 18, 11, 4,  5,
    12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6,  7,  14, 21, 28,
    35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
    58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
};

static int in_range(int v, int lo, int hi)
{
    return v >= lo && v <= hi;
}

int vh_h264_check_params(const struct vw_h264_picture *p,
                         const struct vw_h264_iq_matrix *iq, struct vh_error *err)
{
    if (p->chroma_format_idc != 1 || p->residual_colour_transform_flag)
        return vh_error_set(err, VW_ERR_UNSUPPORTED_STREAM,
                            "h264: chroma_format_idc %u: only 4:2:0 is supported",
                            p->chroma_format_idc);
    if (p->bit_depth_luma_minus8 || p->bit_depth_chroma_minus8)
        return vh_error_set(err, VW_ERR_UNSUPPORTED_STREAM,
                            "h264: bit depth %u/%u: only 8-bit is supported",
                            p->bit_depth_luma_minus8 + 8u, p->bit_depth_chroma_minus8 + 8u);
    if (p->pic_order_cnt_type == 1)
        return vh_error_set(err, VW_ERR_UNSUPPORTED_STREAM,
                            "h264: pic_order_cnt_type 1 is not supported (VA does not "
                            "carry offset_for_ref_frame[], so the SPS cannot be rebuilt)");
    if (p->num_slice_groups_minus1 != 0)
        return vh_error_set(err, VW_ERR_UNSUPPORTED_STREAM,
                            "h264: %u slice groups (FMO) are not supported",
                            p->num_slice_groups_minus1 + 1u);

    uint32_t w = (p->picture_width_in_mbs_minus1 + 1u) * 16u;
    uint32_t h = (p->picture_height_in_mbs_minus1 + 1u) * 16u;
    if (w > VH_H264_MAX_WIDTH || h > VH_H264_MAX_HEIGHT)
        return vh_error_set(err, VW_ERR_RESOLUTION, "h264: picture %ux%u exceeds %ux%u",
                            w, h, VH_H264_MAX_WIDTH, VH_H264_MAX_HEIGHT);

    const char *bad = NULL;
    if (p->pic_order_cnt_type > 2)
        bad = "pic_order_cnt_type";
    else if (p->log2_max_frame_num_minus4 > 12)
        bad = "log2_max_frame_num_minus4";
    else if (p->log2_max_pic_order_cnt_lsb_minus4 > 12)
        bad = "log2_max_pic_order_cnt_lsb_minus4";
    else if (p->num_ref_frames > 16)
        bad = "num_ref_frames";
    else if (!p->frame_mbs_only_flag && (p->picture_height_in_mbs_minus1 & 1u) == 0)
        bad = "picture_height_in_mbs_minus1 (odd MB rows with field coding)";
    else if (p->weighted_bipred_idc > 2)
        bad = "weighted_bipred_idc";
    else if (!in_range(p->pic_init_qp_minus26, -26, 25))
        bad = "pic_init_qp_minus26";
    else if (!in_range(p->pic_init_qs_minus26, -26, 25))
        bad = "pic_init_qs_minus26";
    else if (!in_range(p->chroma_qp_index_offset, -12, 12))
        bad = "chroma_qp_index_offset";
    else if (!in_range(p->second_chroma_qp_index_offset, -12, 12))
        bad = "second_chroma_qp_index_offset";
    if (bad)
        return vh_error_set(err, VW_ERR_DECODE, "h264: invalid picture parameter %s", bad);

    if (iq) {
        /* A scaling list entry of 0 cannot be coded (7.4.2.1.1.1). */
        for (unsigned i = 0; i < 6; i++)
            for (unsigned j = 0; j < 16; j++)
                if (!iq->scaling_list_4x4[i][j])
                    return vh_error_set(err, VW_ERR_DECODE, "h264: 4x4 scaling list %u has a 0", i);
        /* The 8x8 lists are used (and written) only with 8x8 transforms;
         * clients leave them zero otherwise (GStreamer's vaapih264dec). */
        for (unsigned i = 0; i < (p->transform_8x8_mode_flag ? 2u : 0u); i++)
            for (unsigned j = 0; j < 64; j++)
                if (!iq->scaling_list_8x8[i][j])
                    return vh_error_set(err, VW_ERR_DECODE, "h264: 8x8 scaling list %u has a 0", i);
    }
    return VW_OK;
}

/* Escapes the RBSP behind the NAL header byte. */
static size_t finish_nal(struct vc_bitwriter *bw, uint8_t header, uint8_t *out, size_t cap)
{
    vc_bw_put_trailing_bits(bw);
    if (!vc_bw_ok(bw) || cap < 1)
        return 0;
    out[0] = header;
    size_t n = vc_nal_escape(bw->buf, vc_bw_bytes(bw), out + 1, cap - 1);
    return n ? n + 1 : 0;
}

size_t vh_h264_write_sps(const struct vw_h264_picture *p, uint8_t *out, size_t cap)
{
    uint8_t rbsp[VH_H264_PS_MAX];
    struct vc_bitwriter bw;
    vc_bw_init(&bw, rbsp, sizeof(rbsp));

    vc_bw_put_bits(&bw, 8, 100);              /* profile_idc: High */
    vc_bw_put_bits(&bw, 8, 0);                /* constraint_set0..5, reserved */
    vc_bw_put_bits(&bw, 8, 51);               /* level_idc */
    vc_bw_put_ue(&bw, 0);                     /* seq_parameter_set_id */
    vc_bw_put_ue(&bw, p->chroma_format_idc);
    vc_bw_put_ue(&bw, p->bit_depth_luma_minus8);
    vc_bw_put_ue(&bw, p->bit_depth_chroma_minus8);
    vc_bw_put_flag(&bw, 0);                   /* qpprime_y_zero_transform_bypass */
    vc_bw_put_flag(&bw, 0);                   /* seq_scaling_matrix_present: lists go in the PPS */
    vc_bw_put_ue(&bw, p->log2_max_frame_num_minus4);
    vc_bw_put_ue(&bw, p->pic_order_cnt_type);
    if (p->pic_order_cnt_type == 0)
        vc_bw_put_ue(&bw, p->log2_max_pic_order_cnt_lsb_minus4);
    vc_bw_put_ue(&bw, p->num_ref_frames);
    vc_bw_put_flag(&bw, p->gaps_in_frame_num_value_allowed_flag);
    vc_bw_put_ue(&bw, p->picture_width_in_mbs_minus1);
    /* VA's height is in frame MBs; the SPS counts map units (MB pairs when
     * field coding is possible). */
    uint32_t map_units = (p->picture_height_in_mbs_minus1 + 1u) / (p->frame_mbs_only_flag ? 1u : 2u);
    vc_bw_put_ue(&bw, map_units - 1u);
    vc_bw_put_flag(&bw, p->frame_mbs_only_flag);
    if (!p->frame_mbs_only_flag)
        vc_bw_put_flag(&bw, p->mb_adaptive_frame_field_flag);
    vc_bw_put_flag(&bw, p->direct_8x8_inference_flag);
    vc_bw_put_flag(&bw, 0);                   /* frame_cropping_flag */

    vc_bw_put_flag(&bw, 1);                   /* vui_parameters_present_flag */
    vc_bw_put_flag(&bw, 0);                   /* aspect_ratio_info_present */
    vc_bw_put_flag(&bw, 0);                   /* overscan_info_present */
    vc_bw_put_flag(&bw, 0);                   /* video_signal_type_present */
    vc_bw_put_flag(&bw, 0);                   /* chroma_loc_info_present */
    vc_bw_put_flag(&bw, 0);                   /* timing_info_present */
    vc_bw_put_flag(&bw, 0);                   /* nal_hrd_parameters_present */
    vc_bw_put_flag(&bw, 0);                   /* vcl_hrd_parameters_present */
    vc_bw_put_flag(&bw, 0);                   /* pic_struct_present */
    vc_bw_put_flag(&bw, 1);                   /* bitstream_restriction_flag */
    vc_bw_put_flag(&bw, 1);                   /* motion_vectors_over_pic_boundaries */
    vc_bw_put_ue(&bw, 2);                     /* max_bytes_per_pic_denom (default) */
    vc_bw_put_ue(&bw, 1);                     /* max_bits_per_mb_denom (default) */
    vc_bw_put_ue(&bw, 16);                    /* log2_max_mv_length_horizontal */
    vc_bw_put_ue(&bw, 16);                    /* log2_max_mv_length_vertical */
    vc_bw_put_ue(&bw, 0);                     /* max_num_reorder_frames */
    vc_bw_put_ue(&bw, p->num_ref_frames);     /* max_dec_frame_buffering */

    return finish_nal(&bw, 0x67, out, cap);   /* nal_ref_idc 3, type 7 */
}

/* scaling_list() coding every entry as a delta from the previous one; never
 * uses the "repeat last" end marker or the default-matrix escape, so the
 * decoder gets these exact values. */
static void put_scaling_list(struct vc_bitwriter *bw, const uint8_t *raster,
                             const uint8_t *scan, unsigned size)
{
    int last = 8;
    vc_bw_put_flag(bw, 1);                    /* scaling_list_present_flag */
    for (unsigned i = 0; i < size; i++) {
        int v = raster[scan[i]];
        int delta = ((v - last + 128) & 0xff) - 128;   /* next = (last + delta) mod 256 */
        vc_bw_put_se(bw, delta);
        last = v;
    }
}

size_t vh_h264_write_pps(const struct vw_h264_picture *p,
                         const struct vw_h264_iq_matrix *iq,
                         const struct vh_h264_pps_extra *extra,
                         uint8_t *out, size_t cap)
{
    uint8_t rbsp[VH_H264_PS_MAX];
    struct vc_bitwriter bw;
    vc_bw_init(&bw, rbsp, sizeof(rbsp));

    vc_bw_put_ue(&bw, extra->pps_id);
    vc_bw_put_ue(&bw, 0);                     /* seq_parameter_set_id */
    vc_bw_put_flag(&bw, p->entropy_coding_mode_flag);
    vc_bw_put_flag(&bw, p->pic_order_present_flag);
    vc_bw_put_ue(&bw, 0);                     /* num_slice_groups_minus1 */
    vc_bw_put_ue(&bw, extra->num_ref_idx_l0_default_active_minus1);
    vc_bw_put_ue(&bw, extra->num_ref_idx_l1_default_active_minus1);
    vc_bw_put_flag(&bw, p->weighted_pred_flag);
    vc_bw_put_bits(&bw, 2, p->weighted_bipred_idc);
    vc_bw_put_se(&bw, p->pic_init_qp_minus26);
    vc_bw_put_se(&bw, p->pic_init_qs_minus26);
    vc_bw_put_se(&bw, p->chroma_qp_index_offset);
    vc_bw_put_flag(&bw, p->deblocking_filter_control_present_flag);
    vc_bw_put_flag(&bw, p->constrained_intra_pred_flag);
    vc_bw_put_flag(&bw, p->redundant_pic_cnt_present_flag);

    vc_bw_put_flag(&bw, p->transform_8x8_mode_flag);
    vc_bw_put_flag(&bw, iq != NULL);          /* pic_scaling_matrix_present_flag */
    if (iq) {
        for (unsigned i = 0; i < 6; i++)
            put_scaling_list(&bw, iq->scaling_list_4x4[i], zigzag4x4, 16);
        /* 4:2:0: only the two luma 8x8 lists exist, and only with 8x8 transforms. */
        if (p->transform_8x8_mode_flag)
            for (unsigned i = 0; i < 2; i++)
                put_scaling_list(&bw, iq->scaling_list_8x8[i], zigzag8x8, 64);
    }
    vc_bw_put_se(&bw, p->second_chroma_qp_index_offset);

    return finish_nal(&bw, 0x68, out, cap);   /* nal_ref_idc 3, type 8 */
}
