#include "transport/message.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void vt_msgbuf_free(struct vt_msgbuf *buf)
{
    free(buf->data);
    buf->data = NULL;
    buf->capacity = 0;
}

/* Grows buf to hold `size` bytes of a payload of `total` bytes: doubling,
 * but never past `total`, so that a payload ends in a buffer of exactly
 * vt_msgbuf_capacity_for() bytes (what the daemon charges for it). */
static int msgbuf_reserve(struct vt_msgbuf *buf, size_t size, size_t total)
{
    if (size <= buf->capacity)
        return 0;
    size_t cap = buf->capacity * 2 > 4096 ? buf->capacity * 2 : 4096;
    if (cap < size)
        cap = size;
    if (cap > total)
        cap = total;
    uint8_t *p = realloc(buf->data, cap);
    if (!p)
        return -ENOMEM;
    buf->data = p;
    buf->capacity = cap;
    return 0;
}

size_t vt_msgbuf_capacity_for(const struct vt_msgbuf *buf, uint32_t length)
{
    size_t need = length ? length : 1;
    return buf->capacity > need ? buf->capacity : need;
}

void vt_msgbuf_trim(struct vt_msgbuf *buf)
{
    if (buf->capacity > VT_MSGBUF_KEEP)
        vt_msgbuf_free(buf);
}

static void close_fd(int *fd)
{
    if (fd && *fd >= 0) {
        close(*fd);
        *fd = -1;
    }
}

int vt_msg_recv_header(struct vt_channel *ch, struct vw_header *hdr, uint32_t max_length,
                       int *fd_out)
{
    int err = vt_channel_recv(ch, hdr, sizeof(*hdr), fd_out);
    if (err)
        return err;
    if (hdr->reserved != 0 || hdr->length > max_length) {
        close_fd(fd_out);
        return -EBADMSG;
    }
    return 0;
}

int vt_msg_recv_payload(struct vt_channel *ch, const struct vw_header *hdr,
                        struct vt_msgbuf *buf, int *fd, vt_msg_progress_fn progress,
                        void *opaque)
{
    size_t total = hdr->length ? hdr->length : 1;
    int err = msgbuf_reserve(buf, total < VT_MSG_RECV_STEP ? total : VT_MSG_RECV_STEP, total);
    for (size_t got = 0; !err && got < hdr->length;) {
        size_t step = hdr->length - got < VT_MSG_RECV_STEP ? hdr->length - got : VT_MSG_RECV_STEP;
        err = msgbuf_reserve(buf, got + step, total);
        if (!err)
            err = vt_channel_recv(ch, buf->data + got, step, NULL);
        got += step;
        if (!err && progress)
            progress(opaque, got);
    }
    if (err)
        close_fd(fd); /* a descriptor came with a message that failed: do not leak it */
    return err == -ECONNRESET ? -EPIPE : err;
}

int vt_msg_discard(struct vt_channel *ch, uint32_t length, vt_msg_progress_fn progress,
                   void *opaque)
{
    uint8_t scratch[64 * 1024];
    for (size_t got = 0; got < length;) {
        size_t step = length - got < sizeof(scratch) ? length - got : sizeof(scratch);
        int err = vt_channel_recv(ch, scratch, step, NULL);
        if (err)
            return err == -ECONNRESET ? -EPIPE : err;
        got += step;
        if (progress)
            progress(opaque, got);
    }
    return 0;
}

int vt_msg_recv(struct vt_channel *ch, struct vw_header *hdr, struct vt_msgbuf *buf,
                uint32_t max_length, int *fd_out)
{
    vt_msgbuf_trim(buf);
    int err = vt_msg_recv_header(ch, hdr, max_length, fd_out);
    if (err)
        return err;
    return vt_msg_recv_payload(ch, hdr, buf, fd_out, NULL, NULL);
}

int vt_msg_send(struct vt_channel *ch, uint32_t opcode, uint32_t request_id,
                const void *a, size_t a_len, const void *b, size_t b_len,
                const void *c, size_t c_len, int fd)
{
    size_t total = a_len + b_len + c_len;
    if (total > VW_MAX_MESSAGE)
        return -EMSGSIZE;
    struct vw_header hdr = {.opcode = opcode, .length = (uint32_t)total, .request_id = request_id};
    struct iovec iov[4];
    int n = 0;
    iov[n++] = (struct iovec){&hdr, sizeof(hdr)};
    if (a_len)
        iov[n++] = (struct iovec){(void *)a, a_len};
    if (b_len)
        iov[n++] = (struct iovec){(void *)b, b_len};
    if (c_len)
        iov[n++] = (struct iovec){(void *)c, c_len};
    return vt_channel_send(ch, iov, n, fd);
}

int vt_reply_send(struct vt_channel *ch, uint32_t request_opcode, uint32_t request_id,
                  int status, const char *message, const void *body, size_t body_len,
                  const void *tail, size_t tail_len, int fd)
{
    size_t mlen = message ? strnlen(message, VW_MESSAGE_TEXT_MAX) : 0;
    struct vw_status st = {.status = status, .message_len = (uint32_t)mlen};
    size_t total = sizeof(st) + body_len + tail_len + mlen;
    if (total > VW_MAX_MESSAGE)
        return -EMSGSIZE;
    struct vw_header hdr = {.opcode = request_opcode | VW_REPLY_BIT,
                            .length = (uint32_t)total, .request_id = request_id};
    struct iovec iov[5];
    int n = 0;
    iov[n++] = (struct iovec){&hdr, sizeof(hdr)};
    iov[n++] = (struct iovec){&st, sizeof(st)};
    if (body_len)
        iov[n++] = (struct iovec){(void *)body, body_len};
    if (tail_len)
        iov[n++] = (struct iovec){(void *)tail, tail_len};
    if (mlen)
        iov[n++] = (struct iovec){(void *)message, mlen};
    return vt_channel_send(ch, iov, n, fd);
}

const char *vw_status_name(int status)
{
    static const char *const names[VW_STATUS_COUNT_] = {
        [VW_OK] = "ok",
        [VW_ERR_MALFORMED] = "malformed message",
        [VW_ERR_UNKNOWN_OPCODE] = "unknown opcode",
        [VW_ERR_VERSION] = "incompatible protocol version",
        [VW_ERR_STATE] = "command not valid in this state",
        [VW_ERR_INVALID_ID] = "invalid id",
        [VW_ERR_ID_IN_USE] = "id already in use",
        [VW_ERR_LIMIT] = "session limit reached",
        [VW_ERR_OUT_OF_BOUNDS] = "arena range out of bounds",
        [VW_ERR_UNSUPPORTED_PROFILE] = "unsupported profile",
        [VW_ERR_UNSUPPORTED_ENTRYPOINT] = "unsupported entrypoint",
        [VW_ERR_UNSUPPORTED_FORMAT] = "unsupported format",
        [VW_ERR_RESOLUTION] = "unsupported resolution",
        [VW_ERR_UNSUPPORTED_STREAM] = "stream not supported by the engine",
        [VW_ERR_DECODE] = "decode error",
        [VW_ERR_NO_MEMORY] = "out of memory",
        [VW_ERR_INTERNAL] = "internal error",
        [VW_ERR_SURFACE_BUSY] = "surface busy",
    };
    if (status < 0 || status >= VW_STATUS_COUNT_ || !names[status])
        return "unknown status";
    return names[status];
}

const char *vw_opcode_name(uint32_t opcode)
{
    static const char *const names[VW_OP_COUNT_] = {
        [VW_OP_HELLO] = "HELLO",
        [VW_OP_QUERY_CAPS] = "QUERY_CAPS",
        [VW_OP_CREATE_CODEC] = "CREATE_CODEC",
        [VW_OP_DESTROY_CODEC] = "DESTROY_CODEC",
        [VW_OP_CREATE_SURFACE] = "CREATE_SURFACE",
        [VW_OP_DESTROY_SURFACE] = "DESTROY_SURFACE",
        [VW_OP_BEGIN_FRAME] = "BEGIN_FRAME",
        [VW_OP_DECODE_BITSTREAM] = "DECODE_BITSTREAM",
        [VW_OP_END_FRAME] = "END_FRAME",
        [VW_OP_SYNC_SURFACE] = "SYNC_SURFACE",
        [VW_OP_QUERY_SURFACE] = "QUERY_SURFACE",
        [VW_OP_GET_IMAGE] = "GET_IMAGE",
        [VW_OP_PUT_IMAGE] = "PUT_IMAGE",
        [VW_OP_ERROR] = "ERROR",
        [VW_OP_QUERY_ENCODE_CAPS] = "QUERY_ENCODE_CAPS",
        [VW_OP_ENCODE_BITSTREAM] = "ENCODE_BITSTREAM",
        [VW_OP_PROCESS] = "PROCESS",
    };
    uint32_t op = opcode & ~VW_REPLY_BIT;
    if (op >= VW_OP_COUNT_ || !names[op])
        return "UNKNOWN";
    return names[op];
}
