/*
 * Just enough of an H.264 slice header parser to rebuild the PPS the slice
 * refers to: its id and whether it relies on the PPS's num_ref_idx defaults.
 */
#ifndef VIVAC_HOST_H264_SLICE_HEADER_H
#define VIVAC_HOST_H264_SLICE_HEADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vivac/protocol.h"

enum vh_h264_slice_kind { VH_H264_SLICE_P = 0, VH_H264_SLICE_B = 1, VH_H264_SLICE_I = 2, VH_H264_SLICE_SP = 3, VH_H264_SLICE_SI = 4 };

struct vh_h264_slice_header {
    uint8_t nal_unit_type;
    uint8_t nal_ref_idc;
    uint32_t first_mb_in_slice;
    uint8_t slice_kind;                       /* slice_type % 5, enum vh_h264_slice_kind */
    uint32_t pps_id;
    bool field_pic_flag;
    bool bottom_field_flag;
    bool num_ref_idx_override_flag;           /* P, SP and B only */
    uint32_t num_ref_idx_l0_active_minus1;    /* when overridden */
    uint32_t num_ref_idx_l1_active_minus1;
};

/* Parses the header of the slice NAL `nal` (header byte first, emulation
 * prevention included) up to num_ref_idx_active_override_flag, with the
 * sequence/picture fields it depends on taken from `p`. Returns 0, or -1 if
 * the NAL is not a coded slice (types 1 and 5) or the header is truncated or
 * out of range. */
int vh_h264_parse_slice_header(const uint8_t *nal, size_t size,
                               const struct vw_h264_picture *p,
                               struct vh_h264_slice_header *out);

#endif
