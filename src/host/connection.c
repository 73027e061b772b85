/* The session loop of one connection (connection.h). */
#include "host/connection.h"

#include <errno.h>
#include <string.h>

#include "common/log.h"
#include "host/vm.h"

static const char *vm_name(const struct vt_channel *ch)
{
    return ch->user ? vh_vm_name(ch->user) : "(none)";
}

/* Logs bytes a guest wrote outside the link framing: the first time on a
 * connection as a warning, later ones in debug, so that a guest that keeps
 * writing garbage cannot flood the log (the total is logged at the end). */
static void log_skipped(struct vt_channel *ch, uint64_t before, bool *warned)
{
    uint64_t now = vt_link_skipped(ch);
    if (now == before)
        return;
    if (!*warned)
        vc_warn("VM %s: %llu bytes on the port that are not link chunks skipped (a guest "
                "process wrote outside vivac's framing); further ones are logged in debug",
                vm_name(ch), (unsigned long long)(now - before));
    else
        vc_debug("VM %s: %llu bytes that are not link chunks skipped", vm_name(ch),
                 (unsigned long long)(now - before));
    *warned = true;
}

uint32_t vh_connection_serve(const struct vh_connection *conn, struct vt_channel *ch,
                             uint32_t first_id)
{
    bool link = vt_link_is_server(ch), warned = false;
    uint32_t id = first_id, count = 0;
    for (;;) {
        if (conn->max_sessions && count == conn->max_sessions)
            break;
        if (link) {
            /* Blocks until a guest process speaks; every session begins at a
             * chunk no earlier session read, so this loop always moves on
             * in the stream and stops at its end. */
            uint64_t skipped = vt_link_skipped(ch);
            int err = vt_link_next_session(ch);
            log_skipped(ch, skipped, &warned);
            if (err)
                break;
        }
        if (count)
            id = conn->next_id(conn->opaque);
        struct vh_session *s = NULL;
        int err = vh_session_create(conn->engine, conn->limits, ch, id, &s);
        if (err) {
            vc_error("session %u: cannot create: %s", id, strerror(-err));
            break;
        }
        count++;
        if (conn->record_dir)
            vh_session_set_record_dir(s, conn->record_dir);
        if (conn->deadline)
            vh_session_set_deadline(s, conn->deadline, conn->timeouts);
        if (conn->busy_since_ms)
            vh_session_set_busy(s, conn->busy_since_ms);
        vh_session_set_gate(s, conn->gate);
        uint64_t sent0, recv0, sent1, recv1;
        vt_link_counters(ch, &sent0, &recv0);
        vh_session_run(s);
        vh_session_destroy(&s);
        vt_link_counters(ch, &sent1, &recv1);
        if (link)
            vc_info("session %u: link bytes from guest %llu, to guest %llu", id,
                    (unsigned long long)(recv1 - recv0), (unsigned long long)(sent1 - sent0));
        /* Only the link may end a session and carry on: EOF, a read error
         * or the session's own end close the connection. */
        if (!link || !vt_link_session_ended(ch))
            break;
    }
    if (link) {
        uint64_t sent, received;
        vt_link_counters(ch, &sent, &received);
        vc_info("VM %s: virtio-serial port connection ends: sessions %u, bytes received %llu, "
                "not link chunks %llu", vm_name(ch), count,
                (unsigned long long)received, (unsigned long long)vt_link_skipped(ch));
    }
    return count;
}
