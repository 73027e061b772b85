/*
 * The driver's connection to vivacd: one control channel plus the shared
 * arena, per VADisplay.
 *
 * Requests are *posted*: sent without waiting, remembered in a ring of at
 * most VG_MAX_IN_FLIGHT entries with a completion callback.  Replies come in
 * request order (protocol rule); reading one pops the ring head, runs its
 * callback and frees the arena region the request used.  Before every send
 * the replies already readable are drained (non-blocking) so that neither
 * side can fill the socket and block the other; when the ring is full the
 * sender blocks on the oldest reply.
 *
 * A VW_OP_ERROR message, a malformed or out-of-order reply or a broken
 * channel loses the session: every pending callback runs with status
 * VG_STATUS_LOST and every later call fails with -ENOTCONN.  The connection
 * is then dead for good; the driver may open a new one (session.h).
 *
 * Errors are negative errno; -ENOTCONN means "session lost".
 * Not thread-safe: the driver lock serialises every call.
 */
#ifndef VIVAC_GUEST_CONNECTION_H
#define VIVAC_GUEST_CONNECTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guest/arena_alloc.h"
#include "transport/arena.h"
#include "transport/channel.h"
#include "transport/message.h"
#include "vivac/protocol.h"

#define VG_MAX_IN_FLIGHT 32u
#define VG_NO_REGION UINT64_MAX
/* Status given to callbacks whose reply will never come. */
#define VG_STATUS_LOST (-1)

struct vg_reply {
    uint32_t opcode;              /* request opcode (reply bit removed) */
    uint32_t request_id;
    int status;                   /* enum vw_status_code, or VG_STATUS_LOST */
    const uint8_t *body;          /* op-specific reply body (may be unaligned) */
    size_t body_len;
    const char *message;          /* not NUL-terminated */
    size_t message_len;
    int fd;                       /* fd passed with the reply, or -1; a callback
                                     that keeps it sets it to -1 */
};

/* Runs when the reply of a posted request has been read (or the session is
 * lost). `tag` is the caller's value (e.g. a surface id). Must not post. */
typedef void (*vg_reply_fn)(void *user, uint32_t tag, struct vg_reply *reply);

/* Runs once when the session is lost, before the pending callbacks fail.
 * Returns true if the owner will open a new session when it needs one (the
 * loss is then logged as information, not as an error). Must not post. */
typedef bool (*vg_lost_fn)(void *user);

struct vg_pending {
    uint32_t request_id;
    uint32_t opcode;
    vg_reply_fn fn;
    void *user;
    uint32_t tag;
    uint64_t region;              /* arena region freed on reply, or VG_NO_REGION */
};

struct vg_conn {
    struct vt_channel *ch;
    struct vt_msgbuf buf;
    struct vt_arena arena;        /* base == NULL: inline data only */
    struct vg_arena_alloc alloc;
    struct vg_pending pending[VG_MAX_IN_FLIGHT];
    unsigned head;                /* ring index of the oldest request */
    unsigned count;
    uint32_t next_id;
    bool lost;
    struct vw_hello_reply hello;  /* what the daemon granted */
    vg_lost_fn on_lost;           /* set by the owner after vg_conn_open, or NULL */
    void *on_lost_user;
};

/* Result of a synchronous call (vg_conn_call). */
struct vg_result {
    int status;                   /* enum vw_status_code or VG_STATUS_LOST */
    void *body;                   /* caller's buffer for the reply body, or NULL */
    size_t body_cap;
    size_t body_len;              /* real body length (may exceed body_cap) */
    int fd;                       /* passed fd (caller closes) or -1 */
    char message[VW_MESSAGE_TEXT_MAX + 1];
};

/* Connects to addr (Unix socket, vsock, or virtio-serial port) and exchanges
 * HELLO, asking for an arena of arena_request bytes (0: none): a memfd over
 * a Unix socket, a slice of the ivshmem region otherwise. On failure *c is
 * left closed. */
int vg_conn_open(struct vg_conn *c, const struct vt_address *addr, uint64_t arena_request);
/* Fails pending requests, closes the channel, unmaps the arena. */
void vg_conn_close(struct vg_conn *c);

/* Posts header + payload parts a and b. Takes ownership of `region` (freed
 * when the reply is read, or now if posting fails). fn may be NULL.
 * *request_id (optional) receives the request id. */
int vg_conn_post(struct vg_conn *c, uint32_t opcode, const void *a, size_t a_len,
                 const void *b, size_t b_len, vg_reply_fn fn, void *user, uint32_t tag,
                 uint64_t region, uint32_t *request_id);
/* Reads replies until request_id has been answered (returns at once if it
 * is not pending). */
int vg_conn_wait(struct vg_conn *c, uint32_t request_id);
/* Reads every reply that is already available, without blocking. */
int vg_conn_drain(struct vg_conn *c);
/* Like vg_conn_drain, but also reads what comes while nothing is in flight,
 * so that a session the daemon ended while the application was idle (an
 * ERROR message, then the end of the connection: vivacd --idle-timeout) is
 * noticed before a request is sent into it. 0 if the session is up,
 * -ENOTCONN if it is lost. */
int vg_conn_check(struct vg_conn *c);
/* Post + wait; the reply's status, body and message land in *res (whose
 * body/body_cap the caller sets). Returns 0 if a reply (of any status)
 * arrived. */
int vg_conn_call(struct vg_conn *c, uint32_t opcode, const void *a, size_t a_len,
                 const void *b, size_t b_len, struct vg_result *res);

/* Arena regions. vg_conn_alloc drains replies and retries once before
 * giving up with -ENOSPC (the caller then sends inline). */
int vg_conn_alloc(struct vg_conn *c, uint64_t size, uint64_t *offset);
void vg_conn_free(struct vg_conn *c, uint64_t offset);
static inline uint8_t *vg_conn_arena_ptr(struct vg_conn *c, uint64_t offset)
{
    return c->arena.base + offset;
}

#endif
