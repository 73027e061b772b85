/* The HEVC rewrite (host/codecs/hevc_headers.c): a slice header naming an
 * SPS RPS set is rewritten with an explicit RPS built from VA's reference
 * frames and list entries from RefPicList, then parsed back; the slice data
 * must follow unchanged. Parameter sets: NAL types and sizes. */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "common/bitwriter.h"
#include "host/codecs/hevc_headers.h"

static struct vw_hevc_picture picture(void)
{
    struct vw_hevc_picture p;
    memset(&p, 0, sizeof(p));
    p.pic_width_in_luma_samples = 352;
    p.pic_height_in_luma_samples = 288;
    p.chroma_format_idc = 1;
    p.log2_diff_max_min_luma_coding_block_size = 3; /* CTB 64 */
    p.log2_diff_max_min_transform_block_size = 3;
    p.sps_max_dec_pic_buffering_minus1 = 4;
    p.log2_max_pic_order_cnt_lsb_minus4 = 4;      /* 8-bit POC LSBs */
    p.num_short_term_ref_pic_sets = 3;
    p.sps_temporal_mvp_enabled_flag = 1;
    p.sample_adaptive_offset_enabled_flag = 1;
    p.amp_enabled_flag = 1;
    p.curr_pic = (struct vw_hevc_ref){.surface_id = 1, .pic_order_cnt = 3};
    for (int i = 0; i < 15; i++)
        p.reference_frames[i] = (struct vw_hevc_ref){.surface_id = VW_INVALID_ID,
                                                     .flags = VW_HEVC_PIC_INVALID};
    /* DPB: POC 0 and 2 before, 4 after, 8 kept but not used by this picture. */
    p.reference_frames[0] = (struct vw_hevc_ref){10, 4, VW_HEVC_PIC_RPS_ST_CURR_AFTER, 0};
    p.reference_frames[1] = (struct vw_hevc_ref){11, 0, VW_HEVC_PIC_RPS_ST_CURR_BEFORE, 0};
    p.reference_frames[2] = (struct vw_hevc_ref){12, 8, 0, 0};
    p.reference_frames[3] = (struct vw_hevc_ref){13, 2, VW_HEVC_PIC_RPS_ST_CURR_BEFORE, 0};
    return p;
}

/* A B slice as an encoder writes it: RPS set 1 of the SPS, two references
 * per list, then two bytes of slice data. */
static size_t original_slice(uint8_t *out, size_t cap)
{
    uint8_t rbsp[64];
    struct vc_bitwriter bw;
    vc_bw_init(&bw, rbsp, sizeof(rbsp));
    vc_bw_put_bits(&bw, 16, 1u << 9 | 1u);    /* TRAIL_R, layer 0, tid+1 1 */
    vc_bw_put_flag(&bw, 1);                   /* first_slice_segment_in_pic_flag */
    vc_bw_put_ue(&bw, 0);                     /* pps id */
    vc_bw_put_ue(&bw, 0);                     /* slice_type B */
    vc_bw_put_bits(&bw, 8, 3);                /* slice_pic_order_cnt_lsb */
    vc_bw_put_flag(&bw, 1);                   /* short_term_ref_pic_set_sps_flag */
    vc_bw_put_bits(&bw, 2, 1);                /* short_term_ref_pic_set_idx */
    vc_bw_put_flag(&bw, 1);                   /* slice_temporal_mvp_enabled_flag */
    vc_bw_put_flag(&bw, 1);                   /* sao luma */
    vc_bw_put_flag(&bw, 1);                   /* sao chroma */
    vc_bw_put_flag(&bw, 1);                   /* num_ref_idx_active_override_flag */
    vc_bw_put_ue(&bw, 1);
    vc_bw_put_ue(&bw, 1);
    vc_bw_put_flag(&bw, 0);                   /* mvd_l1_zero_flag */
    vc_bw_put_flag(&bw, 1);                   /* collocated_from_l0_flag */
    vc_bw_put_ue(&bw, 0);                     /* collocated_ref_idx */
    vc_bw_put_ue(&bw, 2);                     /* five_minus_max_num_merge_cand */
    vc_bw_put_se(&bw, 3);                     /* slice_qp_delta */
    vc_bw_put_bits(&bw, 1, 1);                /* byte_alignment */
    while (bw.bits & 7)
        vc_bw_put_bits(&bw, 1, 0);
    vc_bw_put_bits(&bw, 8, 0xab);
    vc_bw_put_bits(&bw, 8, 0xcd);
    return vc_nal_escape(rbsp, vc_bw_bytes(&bw), out, cap);
}

int main(void)
{
    struct vw_hevc_picture p = picture();
    uint8_t buf[VH_HEVC_PS_MAX];
    size_t n = vh_hevc_write_vps(&p, buf, sizeof(buf));
    CHECK(n > 2 && ((buf[0] >> 1) & 63) == VH_HEVC_NAL_VPS);
    n = vh_hevc_write_sps(&p, buf, sizeof(buf));
    CHECK(n > 2 && ((buf[0] >> 1) & 63) == VH_HEVC_NAL_SPS);
    n = vh_hevc_write_pps(&p, NULL, 5, buf, sizeof(buf));
    CHECK(n > 2 && ((buf[0] >> 1) & 63) == VH_HEVC_NAL_PPS);
    /* With every scaling list at 255 far from its predecessor: still fits. */
    struct vw_hevc_iq_matrix iq;
    for (size_t i = 0; i < sizeof(iq); i++)
        ((uint8_t *)&iq)[i] = (uint8_t)(i & 1 ? 1 : 255);
    p.scaling_list_enabled_flag = 1;
    CHECK(vh_hevc_write_pps(&p, &iq, 0, buf, sizeof(buf)) > 0);
    p.scaling_list_enabled_flag = 0;

    uint8_t orig[64];
    size_t orig_size = original_slice(orig, sizeof(orig));
    CHECK(orig_size > 2);
    struct vh_hevc_slice_header h;
    CHECK_EQ(vh_hevc_parse_slice_header(&p, orig, orig_size, false, &h), 0);
    CHECK(h.short_term_ref_pic_set_sps_flag);
    CHECK_EQ(h.num_ref_idx_active[0], 2);
    CHECK_EQ(h.data_offset, orig_size - 2);

    struct vw_hevc_slice s;
    memset(&s, 0, sizeof(s));
    memset(s.ref_pic_list, VW_HEVC_REF_NONE, sizeof(s.ref_pic_list));
    s.ref_pic_list[0][0] = 3;                 /* POC 2 */
    s.ref_pic_list[0][1] = 0;                 /* POC 4 */
    s.ref_pic_list[1][0] = 0;                 /* POC 4 */
    s.ref_pic_list[1][1] = 1;                 /* POC 0 */
    uint8_t out[64 + VH_HEVC_SLICE_GROWTH];
    const char *why = NULL;
    struct vh_hevc_slice_header orig_hdr;
    n = vh_hevc_rewrite_slice(&p, &s, orig, orig_size, out, sizeof(out), &orig_hdr, &why);
    CHECK(n > 0);
    CHECK_EQ(vh_hevc_parse_slice_header(&p, out, n, true, &h), 0);
    CHECK(!h.short_term_ref_pic_set_sps_flag);
    CHECK_EQ(h.slice_pic_order_cnt_lsb, 3);
    CHECK_EQ(h.slice_type, VH_HEVC_SLICE_B);
    /* Negative: POC 2, 0; positive: POC 4 (used), 8 (kept, unused). */
    CHECK_EQ(h.num_negative_pics, 2);
    CHECK_EQ(h.num_positive_pics, 2);
    CHECK_EQ(h.delta_poc[0][0], -1);
    CHECK_EQ(h.delta_poc[0][1], -3);
    CHECK(h.used[0][0] && h.used[0][1]);
    CHECK_EQ(h.delta_poc[1][0], 1);
    CHECK_EQ(h.delta_poc[1][1], 5);
    CHECK(h.used[1][0] && !h.used[1][1]);
    CHECK(h.slice_temporal_mvp_enabled_flag);
    /* RefPicListTemp0 = {2, 0, 4}, RefPicListTemp1 = {4, 2, 0}. */
    CHECK(h.ref_pic_list_modification_flag[0] && h.ref_pic_list_modification_flag[1]);
    CHECK_EQ(h.list_entry[0][0], 0);
    CHECK_EQ(h.list_entry[0][1], 2);
    CHECK_EQ(h.list_entry[1][0], 0);
    CHECK_EQ(h.list_entry[1][1], 2);
    CHECK_EQ(h.num_ref_idx_active[1], 2);
    /* The slice data follows the new header's byte alignment unchanged. */
    CHECK_EQ(h.data_offset, n - 2);
    CHECK(out[n - 2] == 0xab && out[n - 1] == 0xcd);

    /* A reference in RefPicList outside the current RPS is refused. */
    s.ref_pic_list[0][1] = 2;                 /* POC 8: not used by this picture */
    CHECK_EQ(vh_hevc_rewrite_slice(&p, &s, orig, orig_size, out, sizeof(out), &orig_hdr, &why), 0);
    CHECK(why != NULL);

    /* A long-term reference: explicit POC LSBs with the MSB cycle. */
    s.ref_pic_list[0][1] = 0;
    p.long_term_ref_pics_present_flag = 1;
    p.num_short_term_ref_pic_sets = 3;
    p.curr_pic.pic_order_cnt = 300;
    p.reference_frames[2] = (struct vw_hevc_ref){12, 8, VW_HEVC_PIC_LONG_TERM, 0};
    for (int i = 0; i < 4; i++)
        if (i != 2)
            p.reference_frames[i].pic_order_cnt += 297;
    /* The original header now has num_long_term_pics = 0 after the RPS idx;
     * rebuild it with that field. */
    uint8_t rbsp[64];
    struct vc_bitwriter bw;
    vc_bw_init(&bw, rbsp, sizeof(rbsp));
    vc_bw_put_bits(&bw, 16, 1u << 9 | 1u);
    vc_bw_put_flag(&bw, 1);
    vc_bw_put_ue(&bw, 0);
    vc_bw_put_ue(&bw, 2);                     /* I slice */
    vc_bw_put_bits(&bw, 8, 300 & 255);
    vc_bw_put_flag(&bw, 1);
    vc_bw_put_bits(&bw, 2, 1);
    vc_bw_put_ue(&bw, 1);                     /* num_long_term_pics */
    vc_bw_put_bits(&bw, 8, 8);
    vc_bw_put_flag(&bw, 0);
    vc_bw_put_flag(&bw, 1);
    vc_bw_put_ue(&bw, 1);
    vc_bw_put_flag(&bw, 0);                   /* slice_temporal_mvp_enabled_flag */
    vc_bw_put_flag(&bw, 0);
    vc_bw_put_flag(&bw, 0);
    vc_bw_put_se(&bw, 0);
    vc_bw_put_bits(&bw, 1, 1);
    while (bw.bits & 7)
        vc_bw_put_bits(&bw, 1, 0);
    vc_bw_put_bits(&bw, 8, 0x55);
    orig_size = vc_nal_escape(rbsp, vc_bw_bytes(&bw), orig, sizeof(orig));
    n = vh_hevc_rewrite_slice(&p, &s, orig, orig_size, out, sizeof(out), &orig_hdr, &why);
    CHECK(n > 0);
    CHECK_EQ(orig_hdr.num_long_term_pics, 1);
    CHECK_EQ(vh_hevc_parse_slice_header(&p, out, n, true, &h), 0);
    CHECK_EQ(h.num_long_term_pics, 1);
    CHECK_EQ(h.poc_lsb_lt[0], 8);
    CHECK(!h.used_lt[0]);
    CHECK_EQ(h.delta_poc_msb_cycle_lt[0], 1); /* 300 is in cycle 1, POC 8 in cycle 0 */
    CHECK(out[n - 1] == 0x55);
    return check_finish("test_hevc_headers");
}
