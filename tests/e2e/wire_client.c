/* The wire-protocol test client (see wire_client.h). */
#include "wire_client.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *socket_path;
int failures;

void result(bool ok, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("%s - ", ok ? "ok" : "not ok");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    fflush(stdout);
    if (!ok)
        failures++;
}

bool client_open(struct client *c)
{
    memset(c, 0, sizeof(*c));
    c->arena.fd = -1;
    c->next_id = 1;
    int err = vt_unix_connect(socket_path, &c->ch);
    if (err) {
        fprintf(stderr, "wire_client: connect %s: %s\n", socket_path, strerror(-err));
        return false;
    }
    return true;
}

void client_close(struct client *c)
{
    vt_channel_destroy(&c->ch);
    vt_arena_release(&c->arena);
    vt_msgbuf_free(&c->buf);
}

/* Reads one message; fills status/message/body. Returns 0 or -errno. */
int read_reply(struct client *c, int *fd_out)
{
    int err = vt_msg_recv(c->ch, &c->hdr, &c->buf, VW_MAX_MESSAGE, fd_out);
    if (err)
        return err;
    struct vw_status st;
    if (c->hdr.length < sizeof(st))
        return -EPROTO;
    memcpy(&st, c->buf.data, sizeof(st));
    if (st.message_len > c->hdr.length - sizeof(st) || st.message_len > VW_MESSAGE_TEXT_MAX)
        return -EPROTO;
    c->status = st.status;
    memcpy(c->message, c->buf.data + c->hdr.length - st.message_len, st.message_len);
    c->message[st.message_len] = '\0';
    c->body = c->buf.data + sizeof(st);
    c->body_len = c->hdr.length - sizeof(st) - st.message_len;
    return 0;
}

/* Sends a request (up to three parts) and waits for its reply. Returns the
 * reply status, or -1000 - errno if the transaction failed. */
int request(struct client *c, uint32_t op, const void *a, size_t a_len, const void *b,
                   size_t b_len, const void *d, size_t d_len)
{
    uint32_t id = c->next_id++;
    int err = vt_msg_send(c->ch, op, id, a, a_len, b, b_len, d, d_len, -1);
    if (!err)
        err = read_reply(c, NULL);
    if (err)
        return -1000 + err;
    if (c->hdr.opcode != (op | VW_REPLY_BIT) || c->hdr.request_id != id)
        return -2000;
    return c->status;
}


bool hello(struct client *c, uint64_t arena_size)
{
    struct vw_hello h = {.magic = VW_MAGIC, .version_major = VW_VERSION_MAJOR,
                         .version_minor = VW_VERSION_MINOR, .arena_size = arena_size};
    snprintf(h.client_name, sizeof(h.client_name), "hostile_client");
    uint32_t id = c->next_id++;
    int fd = -1;
    if (vt_msg_send(c->ch, VW_OP_HELLO, id, &h, sizeof(h), NULL, 0, NULL, 0, -1) ||
        read_reply(c, &fd) || c->status != VW_OK || c->body_len < sizeof(struct vw_hello_reply)) {
        if (fd >= 0)
            close(fd);
        return false;
    }
    struct vw_hello_reply r;
    memcpy(&r, c->body, sizeof(r));
    if (fd >= 0 && r.arena_size && vt_arena_map(fd, r.arena_size, &c->arena) != 0)
        return false;
    return true;
}

/* A fresh connection with a completed HELLO. */
bool session(struct client *c, uint64_t arena_size)
{
    if (!client_open(c))
        return false;
    if (!hello(c, arena_size)) {
        fprintf(stderr, "wire_client: HELLO failed\n");
        client_close(c);
        return false;
    }
    return true;
}

/* True if the daemon sent VW_OP_ERROR (request id 0) and then closed. */
bool expect_error_then_close(struct client *c, int32_t status)
{
    int err = read_reply(c, NULL);
    bool got_error = !err && (c->hdr.opcode & ~VW_REPLY_BIT) == VW_OP_ERROR &&
                     c->hdr.request_id == 0 && c->status == status;
    err = read_reply(c, NULL);
    return got_error && (err == -ECONNRESET || err == -EPIPE);
}

/* True if the connection is closed after the last reply. */
bool closed(struct client *c)
{
    int err = read_reply(c, NULL);
    return err == -ECONNRESET || err == -EPIPE;
}

bool daemon_serves(void)
{
    struct client c;
    if (!session(&c, 0))
        return false;
    int st = request(&c, VW_OP_QUERY_CAPS, NULL, 0, NULL, 0, NULL, 0);
    client_close(&c);
    return st == VW_OK;
}

bool daemon_lists_cap(uint32_t profile, uint32_t entrypoint, uint32_t rt_formats)
{
    struct client c;
    if (!session(&c, 0))
        return false;
    bool found = false;
    struct vw_caps_reply r;
    if (request(&c, VW_OP_QUERY_CAPS, NULL, 0, NULL, 0, NULL, 0) == VW_OK &&
        c.body_len >= sizeof(r)) {
        memcpy(&r, c.body, sizeof(r));
        for (uint32_t i = 0; i < r.count && !found; i++) {
            struct vw_cap cap;
            size_t at = sizeof(r) + (size_t)i * sizeof(cap);
            if (at + sizeof(cap) > c.body_len)
                break;
            memcpy(&cap, c.body + at, sizeof(cap));
            found = cap.profile == profile && cap.entrypoint == entrypoint &&
                    (cap.rt_formats & rt_formats) == rt_formats;
        }
    }
    client_close(&c);
    return found;
}

bool daemon_lists(uint32_t profile, uint32_t rt_formats)
{
    return daemon_lists_cap(profile, VW_ENTRYPOINT_DECODE, rt_formats);
}

int hostile_start(bool args_ok, char **argv, const char *usage)
{
    if (!args_ok) {
        fprintf(stderr, "usage: %s\n", usage);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    socket_path = argv[1];
    if (!daemon_serves()) {
        printf("not ok - daemon at %s answers HELLO + QUERY_CAPS\n", socket_path);
        return 1;
    }
    return 0;
}

int hostile_finish(void)
{
    result(daemon_serves(), "the daemon still serves");
    printf("%s: %d failure(s)\n", failures ? "FAIL" : "PASS", failures);
    return failures ? 1 : 0;
}

int create_surface(struct client *c, uint32_t id, uint32_t w, uint32_t h)
{
    struct vw_create_surface cs = {.surface_id = id, .width = w, .height = h,
                                   .rt_format = VW_RT_YUV420, .pixel_format = VW_FOURCC_NV12};
    return REQ1(c, VW_OP_CREATE_SURFACE, cs);
}

int destroy_surface(struct client *c, uint32_t id)
{
    struct vw_surface_ref r = {.surface_id = id};
    return REQ1(c, VW_OP_DESTROY_SURFACE, r);
}

int begin_frame(struct client *c, uint32_t codec, uint32_t surface)
{
    struct vw_begin_frame bf = {.codec_id = codec, .surface_id = surface};
    return REQ1(c, VW_OP_BEGIN_FRAME, bf);
}

int end_frame(struct client *c, uint32_t codec)
{
    struct vw_end_frame ef = {.codec_id = codec};
    return REQ1(c, VW_OP_END_FRAME, ef);
}
