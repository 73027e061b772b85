/*
 * Message framing on a control channel: vw_header + payload.
 * Errors are negative errno values.
 */
#ifndef VIVAC_TRANSPORT_MESSAGE_H
#define VIVAC_TRANSPORT_MESSAGE_H

#include <stddef.h>
#include <stdint.h>

#include "transport/channel.h"
#include "vivac/protocol.h"

/* A growable receive buffer, reused across messages. */
struct vt_msgbuf {
    uint8_t *data;
    size_t capacity;
};

void vt_msgbuf_free(struct vt_msgbuf *buf);

/* Receives one message: header into *hdr, payload into buf->data (grown as
 * needed). Fails with -EBADMSG if the header's reserved field is not zero or
 * its length exceeds max_length (then the payload is not read and the stream
 * cannot be resynchronised). A buffer grown past VT_MSGBUF_KEEP by an earlier
 * message is given back first. */
int vt_msg_recv(struct vt_channel *ch, struct vw_header *hdr, struct vt_msgbuf *buf,
                uint32_t max_length, int *fd_out);

/* The same in parts, for a receiver that accounts for its buffer and puts
 * deadlines on the payload (vivacd's sessions). */

/* Payload bytes read per step (the buffer grows as they arrive, so a header
 * announcing 64 MiB costs nothing until the peer really sends them). */
#define VT_MSG_RECV_STEP (1u << 20)
/* A buffer grown past this by one large message is given back afterwards. */
#define VT_MSGBUF_KEEP (4u << 20)

/* Called after each step of a payload with the bytes received so far. */
typedef void (*vt_msg_progress_fn)(void *opaque, uint64_t received);

/* Header only; -EBADMSG as vt_msg_recv (*fd_out then closed). */
int vt_msg_recv_header(struct vt_channel *ch, struct vw_header *hdr, uint32_t max_length,
                       int *fd_out);
/* hdr->length payload bytes into buf, in steps of at most VT_MSG_RECV_STEP
 * (progress, if not NULL, after each). buf ends with exactly
 * vt_msgbuf_capacity_for(buf, hdr->length) bytes (as it was before the call).
 * On failure *fd (the descriptor that came with the header, if >= 0) is
 * closed; -EPIPE if the peer closes before the end. */
int vt_msg_recv_payload(struct vt_channel *ch, const struct vw_header *hdr,
                        struct vt_msgbuf *buf, int *fd, vt_msg_progress_fn progress,
                        void *opaque);
/* Reads and drops `length` payload bytes (a refused message), 64 KiB at a
 * time; -EPIPE if the peer closes before the end. */
int vt_msg_discard(struct vt_channel *ch, uint32_t length, vt_msg_progress_fn progress,
                   void *opaque);
/* The capacity buf will have once a payload of `length` bytes is in it. */
size_t vt_msgbuf_capacity_for(const struct vt_msgbuf *buf, uint32_t length);
/* Gives back a buffer larger than VT_MSGBUF_KEEP. */
void vt_msgbuf_trim(struct vt_msgbuf *buf);

/* Sends header + up to three payload parts (NULL/0 parts are skipped). */
int vt_msg_send(struct vt_channel *ch, uint32_t opcode, uint32_t request_id,
                const void *a, size_t a_len, const void *b, size_t b_len,
                const void *c, size_t c_len, int fd);

/* Sends a reply: vw_status{status, strlen(message)} + body + tail + message. */
int vt_reply_send(struct vt_channel *ch, uint32_t request_opcode, uint32_t request_id,
                  int status, const char *message, const void *body, size_t body_len,
                  const void *tail, size_t tail_len, int fd);

/* Human-readable name of a status code / opcode (never NULL). */
const char *vw_status_name(int status);
const char *vw_opcode_name(uint32_t opcode);

#endif
