/*
 * Encode contexts (VAEntrypointEncSlice; the daemon's encode codecs,
 * CREATE_CODEC entrypoint 2).  vaRenderPicture hands the sequence, picture,
 * slice and misc parameter buffers to enc_params.c, which keeps what lasts
 * from picture to picture; vaEndPicture posts BEGIN_FRAME (the input
 * surface), ENCODE_BITSTREAM and END_FRAME without waiting, END_FRAME
 * carrying the coded buffer's arena region (coded.h).  A client may submit
 * its next picture before it maps this one's coded buffer (FFmpeg keeps
 * async_depth in flight); every picture is final in its own END_FRAME
 * reply, so a client that waits for each never deadlocks.
 */
#ifndef VIVAC_GUEST_ENCODE_H
#define VIVAC_GUEST_ENCODE_H

#include "guest/buffer.h"
#include "guest/context.h"

/* One buffer of vaRenderPicture on an encode context. */
VAStatus vg_encode_render(struct vg_driver *drv, struct vg_context *c, const struct vg_buffer *b);
/* vaEndPicture of an encode context (c->target is the input surface). */
VAStatus vg_encode_end_picture(struct vg_driver *drv, VAContextID id, struct vg_context *c);

#endif
