#include "host/codecs/h264_slice_header.h"

#include <string.h>

/* The header fields parsed here take at most ~40 bytes; 96 leaves margin for
 * absurd but valid Exp-Golomb codes. */
#define HEADER_BYTES 96u

struct reader {
    const uint8_t *buf;
    size_t bits;                              /* total */
    size_t pos;
    bool failed;
};

static uint32_t read_bit(struct reader *r)
{
    if (r->pos >= r->bits) {
        r->failed = true;
        return 0;
    }
    uint32_t b = (r->buf[r->pos >> 3] >> (7 - (r->pos & 7))) & 1u;
    r->pos++;
    return b;
}

static uint32_t read_bits(struct reader *r, unsigned n)
{
    uint32_t v = 0;
    while (n--)
        v = (v << 1) | read_bit(r);
    return v;
}

static uint32_t read_ue(struct reader *r)
{
    unsigned zeros = 0;
    while (!r->failed && read_bit(r) == 0)
        if (++zeros > 31) {                   /* no field here exceeds 32 bits */
            r->failed = true;
            return 0;
        }
    uint64_t v = ((uint64_t)1 << zeros) - 1 + read_bits(r, zeros);
    return v > UINT32_MAX ? (r->failed = true, 0) : (uint32_t)v;
}

static void skip_se(struct reader *r)
{
    (void)read_ue(r);
}

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
    size_t n = 0;
    unsigned zeros = 0;
    for (size_t i = 1; i < size && n < sizeof(rbsp); i++) {
        if (zeros >= 2 && nal[i] == 3) {
            zeros = 0;
            continue;
        }
        rbsp[n++] = nal[i];
        zeros = nal[i] == 0 ? zeros + 1 : 0;
    }
    struct reader r = {.buf = rbsp, .bits = n * 8};

    out->first_mb_in_slice = read_ue(&r);
    uint32_t slice_type = read_ue(&r);
    out->pps_id = read_ue(&r);
    if (slice_type > 9 || out->pps_id > 255)
        return -1;
    out->slice_kind = (uint8_t)(slice_type % 5);
    (void)read_bits(&r, p->log2_max_frame_num_minus4 + 4u);  /* frame_num */
    if (!p->frame_mbs_only_flag) {
        out->field_pic_flag = read_bit(&r);
        if (out->field_pic_flag)
            out->bottom_field_flag = read_bit(&r);
    }
    if (out->nal_unit_type == 5)
        (void)read_ue(&r);                    /* idr_pic_id */
    if (p->pic_order_cnt_type == 0) {
        (void)read_bits(&r, p->log2_max_pic_order_cnt_lsb_minus4 + 4u);
        if (p->pic_order_present_flag && !out->field_pic_flag)
            skip_se(&r);                      /* delta_pic_order_cnt_bottom */
    } else if (p->pic_order_cnt_type == 1 && !p->delta_pic_order_always_zero_flag) {
        skip_se(&r);
        if (p->pic_order_present_flag && !out->field_pic_flag)
            skip_se(&r);
    }
    if (p->redundant_pic_cnt_present_flag)
        (void)read_ue(&r);
    if (out->slice_kind == VH_H264_SLICE_B)
        (void)read_bit(&r);                   /* direct_spatial_mv_pred_flag */
    if (out->slice_kind == VH_H264_SLICE_P || out->slice_kind == VH_H264_SLICE_SP ||
        out->slice_kind == VH_H264_SLICE_B) {
        out->num_ref_idx_override_flag = read_bit(&r);
        if (out->num_ref_idx_override_flag) {
            out->num_ref_idx_l0_active_minus1 = read_ue(&r);
            if (out->slice_kind == VH_H264_SLICE_B)
                out->num_ref_idx_l1_active_minus1 = read_ue(&r);
        }
    }
    if (r.failed || out->num_ref_idx_l0_active_minus1 > 31 ||
        out->num_ref_idx_l1_active_minus1 > 31)
        return -1;
    return 0;
}
