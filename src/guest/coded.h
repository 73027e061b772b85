/*
 * Coded buffers (VAEncCodedBufferType): where a picture's coded bytes land.
 *
 * The bytes live in guest memory owned by the buffer (allocated at the
 * client's size, touched only as far as written).  For each picture the
 * daemon writes into an arena region of that size (or inline in END_FRAME's
 * reply when the arena has no room); the region belongs to the END_FRAME
 * request, since the daemon writes it there, not at ENCODE_BITSTREAM, and
 * END_FRAME's reply callback copies the bytes out before anything else can
 * take the region.  So no buffer keeps a pointer into an arena that a new
 * session may replace.
 *
 * vaMapBuffer waits for the END_FRAME reply of the last picture written
 * into the buffer, then gives one VACodedBufferSegment.  Every function
 * expects the driver lock to be held.
 */
#ifndef VIVAC_GUEST_CODED_H
#define VIVAC_GUEST_CODED_H

#include <stdbool.h>

#include "guest/buffer.h"

struct vg_coded {
    bool pending;                 /* an END_FRAME writing it has not been answered */
    uint32_t end_request;         /* that END_FRAME's request id */
    VASurfaceID surface;          /* that picture's input surface */
    bool in_arena;                /* the daemon writes an arena region (else inline) */
    uint64_t region;              /* the region's offset (in_arena) */
    uint64_t capacity;            /* bytes the daemon may write */
    int status;                   /* vw status of the last picture (VW_OK before any) */
    struct vw_encode_result result;
    VACodedBufferSegment segment; /* what vaMapBuffer returns */
};

/* Bytes the daemon may write inline in END_FRAME's reply. */
#define VG_CODED_INLINE_MAX \
    (VW_MAX_MESSAGE - sizeof(struct vw_status) - sizeof(struct vw_encode_result) - VW_MESSAGE_TEXT_MAX)

/* Reply callback of an encode's END_FRAME (user: driver, tag: coded buffer id). */
void vg_coded_end_cb(void *user, uint32_t tag, struct vg_reply *r);
/* Waits for the picture being written into the buffer, if any. */
int vg_coded_wait(struct vg_driver *drv, struct vg_buffer *b);
/* vaMapBuffer of a coded buffer: *out is the segment list. */
VAStatus vg_coded_map(struct vg_driver *drv, struct vg_buffer *b, void **out);

#endif
