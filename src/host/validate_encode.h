/*
 * Checks of one ENCODE_BITSTREAM (protocol 1.3) against the codec, its
 * encode capability, the input surface and the codec's sequence so far.
 * Pure: no session, no engine (tests/unit/test_validate_encode.c).
 */
#ifndef VIVAC_HOST_VALIDATE_ENCODE_H
#define VIVAC_HOST_VALIDATE_ENCODE_H

#include <stdbool.h>
#include <stdint.h>

#include "host/engine.h"
#include "vivac/protocol.h"

/* Most coded bytes a picture may ask for inline in END_FRAME's reply. */
#define VH_ENCODE_MAX_INLINE (16u << 20)

struct vh_encode_context {
    uint32_t codec_id;
    uint32_t profile;             /* the codec's */
    uint32_t width, height;       /* the codec's coded size */
    const struct vw_encode_cap *cap;
    const struct vh_surface *input; /* BEGIN_FRAME's surface */
    /* The sequence of the codec's earlier pictures, NULL before the first. */
    const struct vw_encode_sequence *prev;
    uint64_t arena_size;          /* 0: no arena */
};

/* VW_OK, or the status of the first problem found, with err naming the
 * field. */
int vh_encode_check(const struct vw_encode_bitstream *eb, const struct vh_encode_context *ctx,
                    struct vh_error *err);

/* The display size: the coded size minus the right and bottom crops (the
 * check refuses others). */
void vh_encode_display_size(const struct vw_encode_bitstream *eb, uint32_t width,
                            uint32_t height, uint32_t *dw, uint32_t *dh);

#endif
