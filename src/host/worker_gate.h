/*
 * A worker's end of the decode scheduler (scheduler.h): the vh_decode_gate
 * its sessions decode behind. enter sends ASK over the control socket and
 * waits for the supervisor's GRANT of that ticket; leave sends DONE. The
 * worker's control loop hands each GRANT in (vh_worker_gate_granted) and
 * closes the gate when the supervisor is gone, which fails every waiter.
 *
 * Thread safe: session threads enter and leave, the control loop grants.
 */
#ifndef VIVAC_HOST_WORKER_GATE_H
#define VIVAC_HOST_WORKER_GATE_H

#include <stdint.h>

#include "host/session.h"

struct vh_worker_gate;

int vh_worker_gate_create(int control_fd, struct vh_worker_gate **out);
/* Every session must have left (no thread in enter). Accepts NULL. */
void vh_worker_gate_destroy(struct vh_worker_gate **gate);
struct vh_decode_gate *vh_worker_gate_base(struct vh_worker_gate *gate);

/* A GRANT from the supervisor. -ENOENT: no one waits for that ticket (a
 * supervisor that lies, or a waiter that gave up). */
int vh_worker_gate_granted(struct vh_worker_gate *gate, uint32_t ticket);
/* Fails every waiter, and every later enter, with -ESHUTDOWN. */
void vh_worker_gate_close(struct vh_worker_gate *gate);

#endif
