/*
 * One client session of vivacd: the protocol state machine, the per-session
 * object tables (codecs, surfaces), limits, and the validation of every
 * request before the engine sees it.
 *
 * The core is transport independent: vh_session_handle_message() takes one
 * already framed message (from the socket loop in vh_session_run(), or from
 * the fuzzer) and sends exactly one reply through the session's vt_channel.
 *
 * Threading: a session is used by one thread at a time.  The engine it uses
 * is shared with other sessions (engine.h says which calls are thread safe).
 */
#ifndef VIVAC_HOST_SESSION_H
#define VIVAC_HOST_SESSION_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "host/engine.h"
#include "transport/channel.h"
#include "vivac/protocol.h"

/* Per-session limits, announced in the HELLO reply. */
struct vh_memory_budget;

struct vh_limits {
    uint64_t max_arena;       /* arena bytes granted at most */
    uint32_t max_surfaces;
    uint32_t max_codecs;
    uint64_t max_bytes;       /* surfaces (w*h*3/2) + frame buffers in flight */
    uint64_t max_frame_bytes; /* slice data of one frame */
    /* Shared by every session of the daemon (not owned): each charge is
     * also taken from it. NULL: no daemon-wide limit. */
    struct vh_memory_budget *shared;
    /* GPU memory: what the engine says its surfaces and decoders may hold
     * on the device (engine.h, codec_gpu_bytes/surface_gpu_bytes), charged
     * against max_gpu_bytes and against gpu_shared (not owned; NULL: no
     * daemon-wide limit). Nothing is charged on an engine without a GPU. */
    uint64_t max_gpu_bytes;
    struct vh_memory_budget *gpu_shared;
};

/* Fills the daemon defaults (256 MiB arena, 256 surfaces, 16 codecs, 2 GiB,
 * 32 MiB per frame, 2 GiB of GPU memory: vivacd raises it to a quarter of
 * its GPU budget). */
void vh_limits_default(struct vh_limits *limits);

/* Counters of a session, logged when it closes. */
struct vh_session_stats {
    uint64_t messages;
    uint64_t frames;          /* pictures the engine decoded successfully */
    uint64_t errors;          /* replies with a non-OK status */
};

struct vh_session;

/* Creates a session bound to `engine` (not owned) that replies on `ch` (not
 * owned: the caller destroys it after vh_session_destroy). `id` only names the
 * session in logs. Returns 0 or -errno. */
int vh_session_create(struct vh_engine *engine, const struct vh_limits *limits,
                      struct vt_channel *ch, uint32_t id, struct vh_session **out);

/* Frees every engine object, frame and the arena of the session and logs its
 * counters; accepts NULL / *NULL. */
void vh_session_destroy(struct vh_session **session);

/* Handles one message: `hdr` as received, `payload` holding `size` bytes (the
 * caller may pass fewer bytes than hdr->length: then size wins). Sends exactly
 * one reply (or, for a framing error, VW_OP_ERROR).
 * Returns 0 if the session continues, -EPIPE/-ECONNRESET/... if the reply
 * could not be sent, -EBADMSG / -EPROTO if the session must be closed. Never
 * aborts on client input. */
int vh_session_handle_message(struct vh_session *session, const struct vw_header *hdr,
                              const uint8_t *payload, size_t size);

/* Sends VW_OP_ERROR (request_id 0) with status and message: the session is
 * lost and the caller closes it. */
void vh_session_send_fatal(struct vh_session *session, int status, const char *message);

/* Receive loop on the session's channel until the client disconnects, a
 * framing error happens, or the channel is shut down. Returns 0 on an orderly
 * end, -errno otherwise (already logged). */
int vh_session_run(struct vh_session *session);

/* ---- receive deadlines ----------------------------------------------------
 *
 * A client that sends nothing, or half a message, must not keep its session
 * slot or its receive buffer: the session's thread keeps its next deadline in
 * a vh_deadline, and the server's watchdog (server.c) ends the receive when
 * it passes (shutdown(SHUT_RD) of the socket; the session then sends
 * VW_OP_ERROR with VW_ERR_LIMIT naming the deadline, and closes). */

/* vivacd --hello-timeout, --message-timeout, --idle-timeout (milliseconds;
 * 0: none). */
struct vh_timeouts {
    uint32_t hello_ms;      /* from accept to a HELLO answered with VW_OK */
    uint32_t message_ms;    /* from a message's header to its last byte, plus
                             * VH_MESSAGE_MS_PER_MIB for each MiB received */
    uint32_t idle_ms;       /* after HELLO, between messages, while the session
                             * has no surface and no codec */
};

/* The slowest payload a message deadline allows for: 1 MiB/s (a 64 MiB
 * message may take message_ms + 64 s, as long as it keeps coming). */
#define VH_MESSAGE_MS_PER_MIB 1000u

enum vh_deadline_kind {
    VH_DEADLINE_NONE = 0,
    VH_DEADLINE_HELLO = 1,
    VH_DEADLINE_MESSAGE = 2,
    VH_DEADLINE_IDLE = 3,
};

/* One atomic word, (CLOCK_MONOTONIC ms << 2) | kind, 0: none, so that the
 * watchdog fires exactly the deadline it read. */
struct vh_deadline {
    _Atomic int64_t word;
    _Atomic int fired;            /* enum vh_deadline_kind that passed, 0: none */
};

static inline int64_t vh_deadline_pack(int64_t at_ms, enum vh_deadline_kind kind)
{
    return kind == VH_DEADLINE_NONE ? 0 : (at_ms << 2) | (int64_t)kind;
}

/* CLOCK_MONOTONIC in milliseconds. */
int64_t vh_now_ms(void);

/* Puts the session's receive under `deadline` (not owned; shared with the
 * server's watchdog, which may already hold the HELLO deadline set at
 * accept) with `timeouts` (copied). Without it a session waits as long as
 * its client likes (VM link channels: the port lives as long as the VM).
 * Call before vh_session_run. */
void vh_session_set_deadline(struct vh_session *session, struct vh_deadline *deadline,
                             const struct vh_timeouts *timeouts);

/* While the session handles a request, *busy_since_ms holds when it began
 * (CLOCK_MONOTONIC ms; 0 between requests), for the worker's watchdog: a
 * request that never ends (a decoder stuck in a loop) makes the worker
 * stop answering the supervisor, which kills it. Not owned. */
void vh_session_set_busy(struct vh_session *session, _Atomic int64_t *busy_since_ms);

/* A gate around every engine decode: the supervisor's scheduler
 * (scheduler.h) decides when a picture may go to the engine. enter blocks
 * until then (0), or fails (-errno: the scheduler is gone) and the picture
 * is refused; leave follows every successful enter. Thread safe: all the
 * sessions of a worker share one. */
struct vh_decode_gate {
    int (*enter)(struct vh_decode_gate *gate, uint32_t codec, uint32_t macroblocks,
                 uint32_t *ticket);
    void (*leave)(struct vh_decode_gate *gate, uint32_t ticket, uint32_t codec,
                  uint32_t macroblocks, int64_t engine_ns, bool failed);
};
/* Puts the session's decodes behind gate (not owned); NULL: none. Call
 * before vh_session_run. */
void vh_session_set_gate(struct vh_session *session, struct vh_decode_gate *gate);
/* Records the session's requests into a trace file in `dir` (docs/trace.md),
 * from its HELLO on. `dir` must outlive the session. Call before the first
 * message. */
void vh_session_set_record_dir(struct vh_session *session, const char *dir);

void vh_session_get_stats(const struct vh_session *session, struct vh_session_stats *stats);

#endif
