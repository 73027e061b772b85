/* A session of the daemon's core in the test's own process: requests go
 * straight to vh_session_handle_message, and the reply channel keeps the
 * last reply (its status, message and body). One session harness a test
 * program: the state is the file's own. */
#ifndef VIVAC_TESTS_SESSION_HARNESS_H
#define VIVAC_TESTS_SESSION_HARNESS_H

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>

#include "check.h"
#include "host/session.h"
#include "transport/channel.h"

static int32_t last_status;
static char last_message[VW_MESSAGE_TEXT_MAX + 1];
static uint8_t last_body[1 << 16];       /* the reply body, after vw_status */
static size_t last_body_len;

static int keep_send(struct vt_channel *ch, const struct iovec *iov, int iovcnt, int fd)
{
    (void)ch, (void)fd;
    static uint8_t buf[sizeof(struct vw_header) + sizeof(struct vw_status) + sizeof(last_body) +
                       VW_MESSAGE_TEXT_MAX];
    size_t n = 0;
    for (int i = 0; i < iovcnt; i++) {
        if (n + iov[i].iov_len > sizeof(buf))
            return -EMSGSIZE;
        memcpy(buf + n, iov[i].iov_base, iov[i].iov_len);
        n += iov[i].iov_len;
    }
    struct vw_status st;
    const size_t head = sizeof(struct vw_header) + sizeof(st);
    memcpy(&st, buf + sizeof(struct vw_header), sizeof(st));
    last_status = st.status;
    size_t len = st.message_len < VW_MESSAGE_TEXT_MAX ? st.message_len : VW_MESSAGE_TEXT_MAX;
    memcpy(last_message, buf + n - st.message_len, len);
    last_message[len] = 0;
    last_body_len = n - head - st.message_len;
    memcpy(last_body, buf + head, last_body_len);
    return 0;
}

static int no_recv(struct vt_channel *ch, void *buf, size_t size, int *fd_out)
{
    (void)ch, (void)buf, (void)size;
    if (fd_out)
        *fd_out = -1;
    return -ECONNRESET;
}

static bool no_readable(struct vt_channel *ch)
{
    (void)ch;
    return false;
}

static void noop(struct vt_channel *ch)
{
    (void)ch;
}

static const struct vt_channel_ops keep_ops = {
    .name = "test-keep", .send = keep_send, .recv = no_recv, .readable = no_readable,
    .shutdown = noop, .destroy = noop,
};
static struct vt_channel chan = {.ops = &keep_ops, .fd = -1};

/* The reply's status (last_message, last_body: the rest). */
static int send_msg(struct vh_session *s, uint32_t op, const void *p, size_t n)
{
    static uint32_t rid;
    struct vw_header h = {.opcode = op, .length = (uint32_t)n, .request_id = ++rid};
    last_status = -999;
    CHECK_EQ(vh_session_handle_message(s, &h, p, n), 0);
    return last_status;
}

/* A session on `e` with limits `l`, after a HELLO from client `name`. */
static struct vh_session *open_session(struct vh_engine *e, const struct vh_limits *l,
                                       uint32_t id, const char *name)
{
    struct vh_session *s = NULL;
    CHECK_EQ(vh_session_create(e, l, &chan, id, &s), 0);
    struct vw_hello h = {.magic = VW_MAGIC, .version_major = VW_VERSION_MAJOR,
                         .version_minor = VW_VERSION_MINOR};
    snprintf(h.client_name, sizeof(h.client_name), "%s", name);
    CHECK_EQ(send_msg(s, VW_OP_HELLO, &h, sizeof(h)), VW_OK);
    return s;
}

#endif
