/*
 * Where a session's arena comes from: a slice of its VM's shared region
 * (ivshmem) when the channel serves a VM that has one, else a memfd passed
 * over the socket when the channel can pass fds, else none; and the copies
 * in and out of it.
 *
 * A memfd arena is sealed against shrinking (transport/arena.c): plain
 * accesses cannot fault, and engines may read and write it directly. A VM's
 * region can be truncated by QEMU at any time: it is only reached through
 * guarded copies (vm.h, region_guard.h), never by an engine.
 */
#ifndef VIVAC_HOST_SESSION_ARENA_H
#define VIVAC_HOST_SESSION_ARENA_H

#include <stdbool.h>
#include <stdint.h>

#include "vivac/protocol.h"

struct vh_session;
struct vh_reply;

/* Fills the session's arena with up to `size` bytes (the size granted is
 * in session->arena.size) and *where with its description for a 1.1 client.
 * Returns 0 or -errno (then the session has no arena). */
int vh_session_arena_create(struct vh_session *session, uint64_t size,
                            struct vw_hello_arena *where);

/* Appends *where to a HELLO reply for a client of protocol 1.1 or later. */
void vh_session_arena_reply(struct vh_reply *rep, uint16_t client_minor,
                            const struct vw_hello_arena *where);

/* Copies `size` bytes at `offset` of the arena (the caller has checked the
 * range) to dst / from src. Returns VW_OK, or, when the arena is a VM's
 * region found truncated (now or before), the status of an error in rep
 * that ends the session (rep->fatal), its message prefixed with `what`. */
int vh_session_arena_read(struct vh_session *s, void *dst, uint64_t offset, uint64_t size,
                          const char *what, struct vh_reply *rep);
int vh_session_arena_write(struct vh_session *s, uint64_t offset, const void *src,
                           uint64_t size, const char *what, struct vh_reply *rep);

/* True if engines may be handed pointers into the arena (a sealed memfd);
 * false for a VM's region, which only the guarded copies touch. */
bool vh_session_arena_direct(const struct vh_session *s);

/* The session's bounce buffer for a VM arena, at least `size` bytes: the
 * engine writes GET_IMAGE pixels there (never into the region), then
 * vh_session_arena_write copies them. Kept for the next GET_IMAGE and
 * registered with the engine (pinned for DMA on nvdec) like a memfd arena;
 * charged to the session's and the daemon's memory. NULL with rep's error
 * set (LIMIT, NO_MEMORY) if it cannot have it. */
uint8_t *vh_session_bounce(struct vh_session *s, uint64_t size, const char *what,
                           struct vh_reply *rep);
/* Unregisters and frees the bounce buffer, if any. */
void vh_session_bounce_release(struct vh_session *s);

/* True if the session's arena is a slice of a VM region found truncated
 * (by any session of the VM): then rep holds the error that ends it. */
bool vh_session_arena_lost(struct vh_session *s, const char *what, struct vh_reply *rep);

#endif
