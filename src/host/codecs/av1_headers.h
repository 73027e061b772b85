/* The AV1 OBUs (AV1 bitstream specification 5.3-5.11) that VA leaves out of
 * the tile data: a sequence header and a frame header rebuilt from VA's
 * picture parameters, and a tile group around the tiles VA points at.
 *
 * Parts of a frame header are coded against what the decoder keeps in its
 * reference slots (global motion, loop filter deltas, segmentation, order
 * hints): the writer takes the slots' state (vh_av1_slot) and gives the
 * state the frame leaves behind, which the caller stores into the slots
 * the frame refreshes. */
#ifndef VIVAC_HOST_CODECS_AV1_HEADERS_H
#define VIVAC_HOST_CODECS_AV1_HEADERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vivac/protocol.h"

#define VH_AV1_OBU_SEQUENCE_HEADER 1u
#define VH_AV1_OBU_TEMPORAL_DELIMITER 2u
#define VH_AV1_OBU_FRAME_HEADER 3u
#define VH_AV1_OBU_TILE_GROUP 4u

/* A sequence header OBU is at most ~30 bytes, a frame header OBU at most a
 * few hundred (film grain and 64 tile sizes the largest parts). */
#define VH_AV1_SEQUENCE_HEADER_MAX 64u
#define VH_AV1_FRAME_HEADER_MAX 1024u
/* Bytes of each tile's size field in the tile groups written here. */
#define VH_AV1_TILE_SIZE_BYTES 4u

/* The sequence the rebuilt headers declare: the largest frame (the codec's
 * declared size) and the bits its sizes take. */
struct vh_av1_sequence {
    uint32_t max_width, max_height;
    uint32_t width_bits, height_bits;
};
void vh_av1_sequence_init(struct vh_av1_sequence *seq, uint32_t max_width, uint32_t max_height);

/* What a reference slot holds that a frame header is coded against. */
struct vh_av1_slot {
    uint8_t frame_type;
    uint8_t order_hint;
    int32_t gm_params[7][6];
    int8_t lf_ref_deltas[8];
    int8_t lf_mode_deltas[2];
    uint8_t seg_feature_mask[8];
    int16_t seg_feature_data[8][8];
};
/* The state setup_past_independence() gives (defaults). */
void vh_av1_slot_default(struct vh_av1_slot *slot);

/* The tile layout of a picture (tile_info()). */
struct vh_av1_tiles {
    uint32_t cols, rows;
    uint32_t cols_log2, rows_log2;
    uint32_t min_cols_log2, max_cols_log2;
    uint32_t min_rows_log2, max_rows_log2;
    uint32_t sb_cols, sb_rows;
    uint32_t max_tile_width_sb, max_tile_height_sb;
    uint16_t width_sb[VW_AV1_MAX_TILE_COLS];   /* each tile's, the last one included */
    uint16_t height_sb[VW_AV1_MAX_TILE_ROWS];
};

/* The frame's coded width (FrameWidth: the upscaled width scaled down by
 * superres) */
uint32_t vh_av1_coded_width(const struct vw_av1_picture *p);

/* NULL when VA's tile fields describe a layout the frame header can code
 * (t filled), else why not. */
const char *vh_av1_tile_layout(const struct vw_av1_picture *p, struct vh_av1_tiles *t);

/* Writes the sequence header OBU (header and size field included) into
 * out[cap]; its size, or 0 if it did not fit. */
size_t vh_av1_write_sequence_header(const struct vw_av1_picture *p,
                                    const struct vh_av1_sequence *seq, uint8_t *out, size_t cap);

/* Writes the frame header OBU of picture p refreshing the slots of
 * `refresh`, against slots[8]; *saved is what the refreshed slots hold
 * afterwards. NULL on success (*size set), else why the picture cannot be
 * coded (a field VA gave that the header cannot carry). */
const char *vh_av1_write_frame_header(const struct vw_av1_picture *p,
                                      const struct vh_av1_sequence *seq, uint8_t refresh,
                                      const struct vh_av1_slot slots[8],
                                      struct vh_av1_slot *saved, uint8_t *out, size_t cap,
                                      size_t *size);

/* The OBU header and size field of an OBU of `type` with a payload of
 * `payload` bytes; its size (at most 9). */
size_t vh_av1_write_obu_header(uint32_t type, size_t payload, uint8_t out[9]);

/* A tile group OBU holding every tile of the frame in one group (TileSizeBytes
 * VH_AV1_TILE_SIZE_BYTES): its size, and writing it (exactly that many bytes). */
struct vh_av1_tile {
    const uint8_t *data;
    uint32_t size;
};
size_t vh_av1_tile_group_size(const struct vh_av1_tile *tiles, uint32_t count);
void vh_av1_write_tile_group(const struct vh_av1_tile *tiles, uint32_t count, uint8_t *out);

#endif
