/*
 * Driver context of one VADisplay: the connection to vivacd, the daemon's
 * capabilities and the object tables.  Every VA entry point takes `lock` for
 * its whole duration (vg_lock / vg_unlock); everything below assumes it is
 * held.
 */
#ifndef VIVAC_GUEST_DRIVER_H
#define VIVAC_GUEST_DRIVER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <va/va.h>
#include <va/va_backend.h>

#include "guest/connection.h"
#include "guest/object.h"
#include "vivac/protocol.h"

#define VG_MAX_CAPS 64u

struct vg_driver {
    pthread_mutex_t lock;
    struct vg_conn conn;
    struct vw_cap caps[VG_MAX_CAPS];
    uint32_t num_caps;
    /* Encode attributes (QUERY_ENCODE_CAPS, protocol 1.3), one per encode
     * capability in caps[]; none from an older daemon. */
    struct vw_encode_cap enc_caps[VG_MAX_CAPS];
    uint32_t num_enc_caps;
    /* vaQueryVideoProcPipelineCaps's pixel formats (vpp.c): the YUV ones
     * the VIDEOPROC cap lists (inputs and outputs), then its RGB outputs;
     * the caller keeps the pointer, so they live here. */
    uint32_t vpp_formats[10];
    /* The session (session.c): where vaInitialize opened it, so that a new
     * one can be opened the same way, and whether that may happen. */
    struct vt_address addr;
    char where[300];              /* addr, for messages */
    uint64_t arena_request;
    bool lost_holding_objects;    /* lost with surfaces or decoders: stays lost */
    bool reconnect_refused;       /* the daemon changed under us: stays lost */
    uint32_t reconnect_backoff_ms; /* after failed attempts; 0 after success */
    int64_t next_reconnect_ms;    /* no attempt before this (CLOCK_MONOTONIC) */
    struct vg_table configs;      /* struct vg_config */
    struct vg_table surfaces;     /* struct vg_surface */
    struct vg_table contexts;     /* struct vg_context */
    struct vg_table buffers;      /* struct vg_buffer */
    struct vg_table images;       /* struct vg_image */
    uint32_t num_surfaces;
    char vendor[160];
    /* vaPutSurface's pipeline (put_surface.c), made at its first call;
     * present_lock orders those calls and is taken before `lock`. */
    pthread_mutex_t present_lock;
    struct vg_present *present;
};

/* Takes the driver lock and returns the driver. */
struct vg_driver *vg_lock(VADriverContextP ctx);
void vg_unlock(struct vg_driver *drv);

/* The one place where protocol status codes and errno values become
 * VAStatus. vw: enum vw_status_code or VG_STATUS_LOST. err: 0 or -errno
 * (-ENOTCONN: session lost). */
VAStatus vg_status_from_vw(int vw);
VAStatus vg_status_from_errno(int err);
/* What vaSyncSurface reports for a frame that ended with vw status `vw`
 * (VW_OK, a failure, VG_STATUS_LOST): decode failures are
 * VA_STATUS_ERROR_DECODING_ERROR, encode failures VA_STATUS_ERROR_ENCODING_ERROR. */
VAStatus vg_status_of_frame(int vw, bool encode);

#endif
