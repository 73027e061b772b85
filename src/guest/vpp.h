/*
 * Video processing contexts (VAProfileNone / VAEntrypointVideoProc; the
 * daemon's VIDEOPROC codecs, protocol 1.4).  vaRenderPicture of a
 * VAProcPipelineParameterBuffer turns it into one vw_process (regions
 * defaulted to whole surfaces, VA's colour standards and ranges, the
 * scaling quality of filter_flags); vaEndPicture posts BEGIN_FRAME (the
 * output surface), PROCESS and END_FRAME without waiting, as a decode.
 * One filter is offered, deinterlacing (bob); a pipeline with others is
 * refused.
 */
#ifndef VIVAC_GUEST_VPP_H
#define VIVAC_GUEST_VPP_H

#include <stdbool.h>

#include "guest/buffer.h"
#include "guest/context.h"
#include "guest/surface.h"

#include <va/va_backend_vpp.h>

/* A VideoProc context's picture state. */
struct vg_proc {
    bool have_job;
    struct vw_process job;
};

/* Translates one pipeline buffer for the output surface `target`
 * (VA_STATUS_SUCCESS or why not); `deint`: its one filter, a
 * deinterlacing one, or NULL when it has none. Pure:
 * tests/unit/test_vpp_params.c. */
VAStatus vg_proc_translate(const VAProcPipelineParameterBuffer *pp,
                           const VAProcFilterParameterBufferDeinterlacing *deint,
                           const struct vg_surface *source, const struct vg_surface *target,
                           struct vw_process *job);

VAStatus vg_proc_render(struct vg_driver *drv, struct vg_context *c, const struct vg_buffer *b);
VAStatus vg_proc_end_picture(struct vg_driver *drv, VAContextID id, struct vg_context *c);

/* Fills ctx->vtable_vpp. */
void vg_vpp_fill_vtable(struct VADriverVTableVPP *vt);

#endif
