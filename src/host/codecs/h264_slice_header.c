#include "host/codecs/h264_slice_header.h"

#include <string.h>

#include "common/bitreader.h"

/* The header fields parsed here take at most ~40 bytes; 96 leaves margin for
 * absurd but valid Exp-Golomb codes. */
#define HEADER_BYTES 96u

int vh_h264_parse_slice_header(const uint8_t *nal, size_t size,
                               const struct vw_h264_picture *p,
                               struct vh_h264_slice_header *out)
{
    memset(out, 0, sizeof(*out));
    if (size < 2)
        return -1;
    out->nal_ref_idc = (nal[0] >> 5) & 3;
    out->nal_unit_type = nal[0] & 0x1f;
    if (out->nal_unit_type != 1 && out->nal_unit_type != 5)
        return -1;

    /* Remove emulation prevention from the first bytes of the RBSP. */
    uint8_t rbsp[HEADER_BYTES];
    size_t n = vc_nal_unescape(nal + 1, size - 1, rbsp, sizeof(rbsp));
    struct vc_bitreader r;
    vc_br_init(&r, rbsp, n);

    out->first_mb_in_slice = vc_br_ue(&r);
    uint32_t slice_type = vc_br_ue(&r);
    out->pps_id = vc_br_ue(&r);
    if (slice_type > 9 || out->pps_id > 255)
        return -1;
    out->slice_kind = (uint8_t)(slice_type % 5);
    (void)vc_br_bits(&r, p->log2_max_frame_num_minus4 + 4u);  /* frame_num */
    if (!p->frame_mbs_only_flag) {
        out->field_pic_flag = vc_br_bit(&r);
        if (out->field_pic_flag)
            out->bottom_field_flag = vc_br_bit(&r);
    }
    if (out->nal_unit_type == 5)
        (void)vc_br_ue(&r);                    /* idr_pic_id */
    if (p->pic_order_cnt_type == 0) {
        (void)vc_br_bits(&r, p->log2_max_pic_order_cnt_lsb_minus4 + 4u);
        if (p->pic_order_present_flag && !out->field_pic_flag)
            (void)vc_br_se(&r);                      /* delta_pic_order_cnt_bottom */
    } else if (p->pic_order_cnt_type == 1 && !p->delta_pic_order_always_zero_flag) {
        (void)vc_br_se(&r);
        if (p->pic_order_present_flag && !out->field_pic_flag)
            (void)vc_br_se(&r);
    }
    if (p->redundant_pic_cnt_present_flag)
        (void)vc_br_ue(&r);
    if (out->slice_kind == VH_H264_SLICE_B)
        (void)vc_br_bit(&r);                   /* direct_spatial_mv_pred_flag */
    if (out->slice_kind == VH_H264_SLICE_P || out->slice_kind == VH_H264_SLICE_SP ||
        out->slice_kind == VH_H264_SLICE_B) {
        out->num_ref_idx_override_flag = vc_br_bit(&r);
        if (out->num_ref_idx_override_flag) {
            out->num_ref_idx_l0_active_minus1 = vc_br_ue(&r);
            if (out->slice_kind == VH_H264_SLICE_B)
                out->num_ref_idx_l1_active_minus1 = vc_br_ue(&r);
        }
    }
    if (r.failed || out->num_ref_idx_l0_active_minus1 > 31 ||
        out->num_ref_idx_l1_active_minus1 > 31)
        return -1;
    return 0;
}
