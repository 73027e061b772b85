/* AV1 picture parameters the AV1 unit tests start from. */
#ifndef VIVAC_TESTS_AV1_PICTURES_H
#define VIVAC_TESTS_AV1_PICTURES_H

#include <string.h>

#include "vivac/protocol.h"

/* A shown key frame of w x h, 8-bit 4:2:0, one tile, film grain allowed in
 * the sequence but not applied, loop filter deltas at their defaults. */
static inline struct vw_av1_picture av1_key_frame(uint32_t w, uint32_t h)
{
    struct vw_av1_picture p;
    memset(&p, 0, sizeof(p));
    p.order_hint_bits_minus_1 = 6;
    p.enable_order_hint = 1;
    p.enable_cdef = 1;
    p.enable_filter_intra = p.enable_intra_edge_filter = 1;
    p.subsampling_x = p.subsampling_y = 1;
    p.film_grain_params_present = 1;
    p.frame_width_minus1 = (uint16_t)(w - 1);
    p.frame_height_minus1 = (uint16_t)(h - 1);
    p.primary_ref_frame = VW_AV1_PRIMARY_REF_NONE;
    p.tile_cols = p.tile_rows = 1;
    p.uniform_tile_spacing_flag = 1;
    p.frame_type = VW_AV1_KEY_FRAME;
    p.show_frame = 1;
    p.error_resilient_mode = 1;
    p.superres_scale_denominator = 8;
    p.base_qindex = 120;
    p.tx_mode = 2;
    p.ref_deltas[0] = 1;
    p.ref_deltas[4] = p.ref_deltas[6] = p.ref_deltas[7] = -1;
    return p;
}

#endif
