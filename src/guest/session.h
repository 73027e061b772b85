/*
 * The session with vivacd behind a VADisplay, and opening it again.
 *
 * vivacd ends a session that holds nothing (no surface, no codec) once it
 * has been idle for --idle-timeout seconds, and a daemon restart ends every
 * session.  When the lost session held no surface and no decoder, nothing
 * the application owns lived on the daemon: configs, buffers and images
 * live in the guest (images whose bytes were in the old arena are moved
 * out of it).  vg_session_ensure then opens a new session, at the same
 * address and with the same arena request as vaInitialize, before a call
 * that needs the daemon; a session lost while it held objects stays lost,
 * since its surfaces are gone on the daemon.
 *
 * Every function here expects the driver lock to be held.
 */
#ifndef VIVAC_GUEST_SESSION_H
#define VIVAC_GUEST_SESSION_H

#include "guest/driver.h"

/* First reconnect backoff after a failed attempt, doubled per failure up
 * to the maximum; calls in between fail at once. */
#define VG_RECONNECT_BACKOFF_MS 500u
#define VG_RECONNECT_BACKOFF_MAX_MS 30000u

/* Installs the loss hook on drv->conn (after it was opened). */
void vg_session_watch(struct vg_driver *drv);
/* Makes sure a session is up before a request: notices a loss the daemon
 * signalled meanwhile, and opens a new session if the lost one may be
 * replaced; at most one attempt per call, none before the backoff after a
 * failed one has passed. 0, or -ENOTCONN (the session is lost). */
int vg_session_ensure(struct vg_driver *drv);

#endif
