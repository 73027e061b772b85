/* The session's receive loop (vh_session_run): its deadlines, shared with
 * the server's watchdog (session.h), and its receive buffer, charged to the
 * session's limit and the daemon's memory budget. */
#include "host/session.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "host/memory_budget.h"
#include "host/session_internal.h"
#include "transport/message.h"

int64_t vh_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void vh_session_set_busy(struct vh_session *s, _Atomic int64_t *busy_since_ms)
{
    s->busy_since_ms = busy_since_ms;
}

void vh_session_set_gate(struct vh_session *s, struct vh_decode_gate *gate)
{
    s->gate = gate;
}

void vh_session_set_deadline(struct vh_session *s, struct vh_deadline *deadline,
                             const struct vh_timeouts *timeouts)
{
    s->deadline = deadline;
    s->timeouts = *timeouts;
}

static void deadline_set(struct vh_session *s, enum vh_deadline_kind kind, int64_t at_ms)
{
    if (s->deadline)
        atomic_store(&s->deadline->word, vh_deadline_pack(at_ms, kind));
}

/* Between messages: until HELLO the deadline set at accept stands; after it,
 * a session without objects may stay idle for idle_ms, one with a surface or
 * a codec (a paused player) as long as it likes. */
static void deadline_between_messages(struct vh_session *s)
{
    if (!s->deadline || !s->hello_done)
        return;
    if (s->timeouts.idle_ms && s->num_surfaces == 0 && s->num_codecs == 0)
        deadline_set(s, VH_DEADLINE_IDLE, vh_now_ms() + s->timeouts.idle_ms);
    else
        deadline_set(s, VH_DEADLINE_NONE, 0);
}

/* A message in flight: its header came at t0_ms. */
struct payload_clock {
    struct vh_session *s;
    int64_t t0_ms;
    uint64_t received;
};

static void deadline_progress(void *opaque, uint64_t received)
{
    struct payload_clock *pc = opaque;
    struct vh_session *s = pc->s;
    pc->received = received;
    if (!s->deadline || !s->hello_done)
        return;  /* before HELLO, the HELLO deadline covers the whole message */
    if (!s->timeouts.message_ms) {
        deadline_set(s, VH_DEADLINE_NONE, 0);  /* no idle deadline either: it is not idle */
        return;
    }
    uint64_t extra = (received >> 20) * VH_MESSAGE_MS_PER_MIB;
    deadline_set(s, VH_DEADLINE_MESSAGE, pc->t0_ms + s->timeouts.message_ms + (int64_t)extra);
}

/* Why the watchdog ended the receive, for the client and the log; false if
 * it did not. */
static bool deadline_fired(struct vh_session *s, const struct vw_header *hdr, bool in_message,
                           const struct payload_clock *pc)
{
    int kind = s->deadline ? atomic_load(&s->deadline->fired) : VH_DEADLINE_NONE;
    char msg[VW_MESSAGE_TEXT_MAX];
    switch (kind) {
    case VH_DEADLINE_HELLO:
        snprintf(msg, sizeof(msg), "no HELLO within %u ms of connecting (vivacd --hello-timeout)",
                 s->timeouts.hello_ms);
        break;
    case VH_DEADLINE_MESSAGE:
        snprintf(msg, sizeof(msg),
                 "%s #%u of %u bytes not received in time: %llu bytes came in %lld ms; the "
                 "deadline is %u ms + %u ms per MiB received (vivacd --message-timeout)",
                 in_message ? vw_opcode_name(hdr->opcode) : "message header",
                 in_message ? hdr->request_id : 0, in_message ? hdr->length : 0,
                 (unsigned long long)pc->received, (long long)(vh_now_ms() - pc->t0_ms),
                 s->timeouts.message_ms, VH_MESSAGE_MS_PER_MIB);
        break;
    case VH_DEADLINE_IDLE:
        snprintf(msg, sizeof(msg),
                 "idle for %u ms with no surface and no codec (vivacd --idle-timeout)",
                 s->timeouts.idle_ms);
        break;
    default:
        return false;
    }
    s->stats.errors++;
    vh_session_send_fatal(s, VW_ERR_LIMIT, msg);
    return true;
}

/* The receive buffer beyond this is charged to the session's limit and the
 * daemon's budget; up to it, it is part of a session's fixed cost (like its
 * object tables), bounded by --max-sessions. */
#define RECV_FREE_BYTES (64u * 1024u)

static uint64_t recv_charge_for(size_t capacity)
{
    return capacity > RECV_FREE_BYTES ? capacity - RECV_FREE_BYTES : 0;
}

/* Takes from the limits what the buffer will need beyond *charged for the
 * message; fills err (VW_ERR_LIMIT, with the figures) if it cannot. */
static int recv_charge(struct vh_session *s, const struct vw_header *hdr,
                       const struct vt_msgbuf *buf, uint64_t *charged, struct vh_error *err)
{
    uint64_t need = recv_charge_for(vt_msgbuf_capacity_for(buf, hdr->length));
    if (need <= *charged)
        return VW_OK;
    uint64_t extra = need - *charged;
    if (s->bytes_used + extra > s->limits.max_bytes)
        return vh_error_set(err, VW_ERR_LIMIT,
                            "%s of %u bytes: its receive buffer would pass the session's "
                            "memory limit (%llu KiB more; %llu of %llu KiB used)",
                            vw_opcode_name(hdr->opcode), hdr->length,
                            (unsigned long long)((extra + 1023) >> 10),
                            (unsigned long long)(s->bytes_used >> 10),
                            (unsigned long long)(s->limits.max_bytes >> 10));
    if (!vh_budget_take(s->limits.shared, extra)) {
        char what[64];
        snprintf(what, sizeof(what), "%s of %u bytes: its receive buffer",
                 vw_opcode_name(hdr->opcode), hdr->length);
        return vh_daemon_memory_full(err, what, s->limits.shared, extra);
    }
    s->bytes_used += extra;
    *charged = need;
    return VW_OK;
}

static void recv_uncharge(struct vh_session *s, uint64_t *charged)
{
    s->bytes_used -= *charged;
    vh_budget_give(s->limits.shared, *charged);
    *charged = 0;
}

int vh_session_run(struct vh_session *s)
{
    struct vt_msgbuf buf = {0};
    uint64_t charged = 0;         /* of buf's capacity, taken from the limits */
    struct vw_header hdr = {0};
    struct payload_clock pc = {.s = s};
    bool in_message = false;
    int err;
    for (;;) {
        in_message = false;
        if (buf.capacity > VT_MSGBUF_KEEP) {
            vt_msgbuf_free(&buf);
            recv_uncharge(s, &charged);
        }
        deadline_between_messages(s);
        err = vt_msg_recv_header(s->ch, &hdr, VW_MAX_MESSAGE, NULL);
        if (err == -EBADMSG) {
            /* Cannot resynchronise: say why and close. */
            err = vh_session_handle_message(s, &hdr, NULL, 0);
            if (err == 0)
                err = -EBADMSG;
            break;
        }
        if (err)
            break;
        in_message = true;
        pc.t0_ms = vh_now_ms();
        deadline_progress(&pc, 0);
        if (!s->hello_done && hdr.opcode != VW_OP_HELLO) {
            /* Fatal whatever it carries: do not read it first. */
            err = vh_session_handle_message(s, &hdr, NULL, 0);
            break;
        }
        struct vh_error refused = {0};
        if (recv_charge(s, &hdr, &buf, &charged, &refused) != VW_OK) {
            /* Answered now, then its payload is read and dropped (under the
             * same deadline) so that the stream stays in step. */
            err = vh_session_refuse(s, &hdr, &refused);
            if (!err)
                err = vt_msg_discard(s->ch, hdr.length, deadline_progress, &pc);
            if (err)
                break;
            continue;
        }
        err = vt_msg_recv_payload(s->ch, &hdr, &buf, NULL, deadline_progress, &pc);
        if (err)
            break;
        in_message = false;
        if (s->hello_done)
            deadline_set(s, VH_DEADLINE_NONE, 0);  /* handling is not the client's time */
        if (s->busy_since_ms)
            atomic_store(s->busy_since_ms, vh_now_ms());
        err = vh_session_handle_message(s, &hdr, buf.data, hdr.length);
        if (s->busy_since_ms)
            atomic_store(s->busy_since_ms, 0);
        if (err)
            break;
    }
    bool timed_out = deadline_fired(s, &hdr, in_message, &pc);
    deadline_set(s, VH_DEADLINE_NONE, 0);
    vt_msgbuf_free(&buf);
    recv_uncharge(s, &charged);
    if (timed_out)
        return -ETIMEDOUT;
    if (err == -EAGAIN || err == -EWOULDBLOCK)
        vc_warn("session %u: closed: the client stopped reading its replies", s->id);
    if (err == -ECONNRESET)
        return 0;  /* orderly close between messages */
    if (err == -EPIPE)
        vc_warn("session %u: client disconnected in the middle of a message", s->id);
    else if (err != -EBADMSG && err != -EPROTO)
        vc_debug("session %u: channel: %s", s->id, strerror(-err));
    return err;
}
