/*
 * The sessions of one connection, run on the thread that serves it: a local
 * client's connection (Unix socket, vsock) carries one session; a VM's
 * control connection (QEMU's virtio-serial chardev, a link channel) carries
 * one after another, each started by the first chunk of a new guest process
 * (transport/channel.h, "link"), until the stream ends.
 *
 * Kept apart from the accept loop (server.c) so that the fuzzer can drive
 * the real loop over a socket pair (fuzz/fuzz_link.c).
 */
#ifndef VIVAC_HOST_CONNECTION_H
#define VIVAC_HOST_CONNECTION_H

#include <stdint.h>

#include "host/engine.h"
#include "host/session.h"
#include "transport/channel.h"

struct vh_connection {
    struct vh_engine *engine;     /* not owned */
    const struct vh_limits *limits;
    const char *record_dir;       /* one trace per session; NULL: off */
    /* Receive deadlines of a local client's session (vh_session_set_deadline,
     * watched by the caller); NULL: none (VM link channels). */
    struct vh_deadline *deadline;
    const struct vh_timeouts *timeouts;
    uint32_t max_sessions;        /* sessions on this connection at most; 0: unlimited */
    _Atomic int64_t *busy_since_ms; /* vh_session_set_busy; NULL: not watched */
    struct vh_decode_gate *gate;  /* vh_session_set_gate; NULL: none */
    /* Ids of the sessions after the first (the caller's counter). */
    uint32_t (*next_id)(void *opaque);
    void *opaque;
};

/* Serves ch (not owned; ch->user is its VM, or NULL) until it ends: the
 * client closed, the link's stream ended or failed, a session ended on its
 * own (an error closes the connection: QEMU reconnects), or max_sessions.
 * first_id names the first session. Returns the number of sessions run. */
uint32_t vh_connection_serve(const struct vh_connection *conn, struct vt_channel *ch,
                             uint32_t first_id);

#endif
