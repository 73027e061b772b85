/*
 * Video processing contexts (VAProfileNone / VAEntrypointVideoProc; the
 * daemon's VIDEOPROC codecs, protocol 1.4).  vaRenderPicture of a
 * VAProcPipelineParameterBuffer turns it into one vw_process (regions
 * defaulted to whole surfaces, VA's colour standards and ranges, the
 * scaling quality of filter_flags); vaEndPicture posts BEGIN_FRAME (the
 * output surface), PROCESS and END_FRAME without waiting, as a decode.
 * Filters offered: deinterlacing (bob; motion adaptive, with its forward
 * and backward reference surfaces, with a 1.7 daemon) and, with a 1.5
 * daemon, ProcAmp (colour balance), noise reduction and sharpening, and
 * rotation and mirroring; a pipeline with others is refused.
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

/* A pipeline's filter buffers, found by type (at most one of each). */
struct vg_proc_filters {
    const VAProcFilterParameterBufferDeinterlacing *deint;    /* NULL: none */
    const VAProcFilterParameterBufferColorBalance *balance;   /* NULL: none */
    uint32_t num_balance;                                     /* elements of balance */
    const VAProcFilterParameterBuffer *denoise;               /* NULL: none */
    const VAProcFilterParameterBuffer *sharpen;               /* NULL: none */
};

/* Translates one pipeline buffer for the output surface `target`
 * (VA_STATUS_SUCCESS or why not) with its filters (NULL: none). Pure:
 * tests/unit/test_vpp_params.c. */
VAStatus vg_proc_translate(const VAProcPipelineParameterBuffer *pp,
                           const struct vg_proc_filters *filters,
                           const struct vg_surface *source, const struct vg_surface *target,
                           struct vw_process *job);

VAStatus vg_proc_render(struct vg_driver *drv, struct vg_context *c, const struct vg_buffer *b);
VAStatus vg_proc_end_picture(struct vg_driver *drv, VAContextID id, struct vg_context *c);

/* Fills ctx->vtable_vpp. */
void vg_vpp_fill_vtable(struct VADriverVTableVPP *vt);

#endif
