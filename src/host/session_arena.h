/*
 * Where a session's arena comes from: a slice of its VM's shared region
 * (ivshmem) when the channel serves a VM that has one, else a memfd passed
 * over the socket when the channel can pass fds, else none.
 */
#ifndef VIVAC_HOST_SESSION_ARENA_H
#define VIVAC_HOST_SESSION_ARENA_H

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

#endif
