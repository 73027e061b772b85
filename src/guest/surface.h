/*
 * Surfaces (the daemon's "video buffers").  Wire surface id == VA surface id.
 *
 * Decode work is tracked per surface: vaEndPicture posts BEGIN_FRAME,
 * DECODE_BITSTREAM and END_FRAME for a render target and counts one frame in
 * flight; the replies' callbacks record the first failure of the frame in
 * decode_status, and the END_FRAME reply ends the frame.  vaSyncSurface
 * waits only for its own surface.
 */
#ifndef VIVAC_GUEST_SURFACE_H
#define VIVAC_GUEST_SURFACE_H

#include <stdbool.h>

#include "guest/driver.h"

struct vg_surface {
    uint32_t width;
    uint32_t height;
    uint32_t fourcc;              /* its chroma format's (vg_fourcc_of_rt_format) */
    int create_status;            /* CREATE_SURFACE reply (VW_OK until known) */
    uint32_t frames_in_flight;    /* END_FRAMEs posted, reply not read yet */
    uint32_t last_request;        /* id of the last request that wrote the surface */
    int decode_status;            /* vw status of the last frame, VG_STATUS_LOST */
    bool encoding;                /* the last frame read the surface as encode input */
    /* The render target of the picture that last wrote this surface as its
     * second output (AV1's film grain picture), VA_INVALID_SURFACE if the
     * surface was written as a render target: vaSyncSurface waits for that
     * picture and gives its status. */
    VASurfaceID output_of;
    VASurfaceDecodeMBErrors mb_errors[2];  /* for vaQuerySurfaceError */
};

struct vg_surface *vg_surface_get(struct vg_driver *drv, VASurfaceID id);
/* Reply callbacks of the three frame requests (user: driver, tag: surface). */
void vg_surface_frame_begin_cb(void *user, uint32_t tag, struct vg_reply *r);
void vg_surface_frame_step_cb(void *user, uint32_t tag, struct vg_reply *r);
void vg_surface_frame_end_cb(void *user, uint32_t tag, struct vg_reply *r);
/* Posts a frame written into surface `target` (which exists) without
 * waiting: BEGIN_FRAME, the frame's request `op` (msg, then data inline;
 * `region`: the arena region it names, freed with its reply or here if
 * it cannot be posted, VG_NO_REGION: none) and END_FRAME, and counts the
 * frame in flight. 0 or -errno. */
int vg_surface_post_frame(struct vg_driver *drv, uint32_t codec_id, VASurfaceID target,
                          uint32_t op, const void *msg, size_t msg_len, const void *data,
                          size_t data_len, uint64_t region);
/* Callback for fire-and-forget requests: logs a failure (tag unused). */
void vg_log_failure_cb(void *user, uint32_t tag, struct vg_reply *r);
/* Waits until no decode work on the surface is in flight. */
int vg_surface_wait_idle(struct vg_driver *drv, struct vg_surface *s);
/* Frees every surface (vaTerminate). */
void vg_surfaces_free_all(struct vg_driver *drv);

VAStatus vg_CreateSurfaces(VADriverContextP ctx, int width, int height, int format,
                           int num_surfaces, VASurfaceID *surfaces);
VAStatus vg_CreateSurfaces2(VADriverContextP ctx, unsigned int format, unsigned int width,
                            unsigned int height, VASurfaceID *surfaces, unsigned int num_surfaces,
                            VASurfaceAttrib *attrib_list, unsigned int num_attribs);
VAStatus vg_DestroySurfaces(VADriverContextP ctx, VASurfaceID *surface_list, int num_surfaces);
VAStatus vg_SyncSurface(VADriverContextP ctx, VASurfaceID render_target);
VAStatus vg_SyncSurface2(VADriverContextP ctx, VASurfaceID surface, uint64_t timeout_ns);
VAStatus vg_QuerySurfaceStatus(VADriverContextP ctx, VASurfaceID render_target,
                               VASurfaceStatus *status);
VAStatus vg_QuerySurfaceError(VADriverContextP ctx, VASurfaceID surface, VAStatus error_status,
                              void **error_info);

#endif
