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
 * cannot be resynchronised). */
int vt_msg_recv(struct vt_channel *ch, struct vw_header *hdr, struct vt_msgbuf *buf,
                uint32_t max_length, int *fd_out);

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
