#include "guest/connection.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cursor.h"
#include "common/log.h"
#include "guest/ivshmem.h"

static void fail_pending(struct vg_conn *c)
{
    while (c->count) {
        struct vg_pending p = c->pending[c->head];
        c->head = (c->head + 1) % VG_MAX_IN_FLIGHT;
        c->count--;
        if (p.region != VG_NO_REGION)
            vg_arena_free(&c->alloc, p.region);
        if (p.fn) {
            struct vg_reply r = {.opcode = p.opcode, .request_id = p.request_id,
                                 .status = VG_STATUS_LOST, .fd = -1};
            p.fn(p.user, p.tag, &r);
        }
    }
}

static int lose(struct vg_conn *c, const char *why)
{
    if (!c->lost) {
        c->lost = true;
        if (c->on_lost && c->on_lost(c->on_lost_user))
            vc_info("session with vivacd ended: %s; it held no surface and no decoder, so a "
                    "new one starts at the next call that needs the daemon", why);
        else
            vc_error("session with vivacd lost: %s", why);
    }
    fail_pending(c);
    return -ENOTCONN;
}

/* A daemon silent this long with requests in flight is taken as gone: the
 * driver runs inside the user's application, which must not hang forever
 * (a decode takes milliseconds; a 4K picture on a loaded CPU well under 1 s). */
#define REPLY_TIMEOUT_MS 60000

/* Reads and dispatches one message (blocking, up to REPLY_TIMEOUT_MS). */
static int read_one(struct vg_conn *c)
{
    struct vw_header hdr;
    int fd = -1;
    if (!c->ch->ops->readable(c->ch)) {
        struct pollfd p = {.fd = c->ch->fd, .events = POLLIN};
        int n;
        do
            n = poll(&p, 1, REPLY_TIMEOUT_MS);
        while (n < 0 && errno == EINTR);
        if (n == 0)
            return lose(c, "vivacd did not answer for 60 s");
    }
    int err = vt_msg_recv(c->ch, &hdr, &c->buf, VW_MAX_MESSAGE, &fd);
    if (err) {
        char why[128];
        snprintf(why, sizeof(why), "reading a reply failed: %s",
                 err == -ECONNRESET || err == -EPIPE ? "the daemon closed the connection"
                                                    : strerror(-err));
        return lose(c, why);
    }

    struct vc_cursor cur = vc_cursor_make(c->buf.data, hdr.length);
    struct vw_status st;
    vc_cursor_copy(&cur, &st, sizeof(st));
    if (cur.failed || st.message_len > VW_MESSAGE_TEXT_MAX || st.message_len > cur.left) {
        if (fd >= 0)
            close(fd);
        return lose(c, "malformed reply from the daemon");
    }
    size_t body_len = cur.left - st.message_len;
    const uint8_t *body = vc_cursor_take(&cur, body_len);
    const char *msg = (const char *)vc_cursor_take(&cur, st.message_len);

    uint32_t op = hdr.opcode & ~VW_REPLY_BIT;
    if (op == VW_OP_ERROR && hdr.request_id == 0) {
        if (fd >= 0)
            close(fd);
        char why[VW_MESSAGE_TEXT_MAX + 64];
        snprintf(why, sizeof(why), "the daemon ended it (%s): %.*s", vw_status_name(st.status),
                 (int)st.message_len, msg ? msg : "");
        return lose(c, why);
    }

    if (c->count == 0 || !(hdr.opcode & VW_REPLY_BIT) ||
        hdr.request_id != c->pending[c->head].request_id || op != c->pending[c->head].opcode) {
        if (fd >= 0)
            close(fd);
        char why[128];
        snprintf(why, sizeof(why), "unexpected message %s (0x%x) id %u from the daemon",
                 vw_opcode_name(hdr.opcode), hdr.opcode, hdr.request_id);
        return lose(c, why);
    }

    struct vg_pending p = c->pending[c->head];
    c->head = (c->head + 1) % VG_MAX_IN_FLIGHT;
    c->count--;
    if (p.region != VG_NO_REGION)
        vg_arena_free(&c->alloc, p.region);
    if (st.status != VW_OK)
        vc_debug("%s #%u: %s: %.*s", vw_opcode_name(op), hdr.request_id, vw_status_name(st.status),
                 (int)st.message_len, msg ? msg : "");
    struct vg_reply r = {.opcode = op, .request_id = hdr.request_id, .status = st.status,
                         .body = body, .body_len = body_len, .message = msg,
                         .message_len = st.message_len, .fd = fd};
    if (p.fn)
        p.fn(p.user, p.tag, &r);
    if (r.fd >= 0)
        close(r.fd);
    return 0;
}

int vg_conn_drain(struct vg_conn *c)
{
    if (c->lost)
        return -ENOTCONN;
    while (c->count && c->ch->ops->readable(c->ch)) {
        int err = read_one(c);
        if (err)
            return err;
    }
    return 0;
}

int vg_conn_check(struct vg_conn *c)
{
    if (c->lost)
        return -ENOTCONN;
    /* With nothing in flight, whatever is readable (a message or the end of
     * the connection) loses the session in read_one: each turn either reads
     * a reply or ends the loop. */
    while (c->ch->ops->readable(c->ch)) {
        int err = read_one(c);
        if (err)
            return err;
    }
    return 0;
}

static bool is_pending(const struct vg_conn *c, uint32_t request_id)
{
    for (unsigned i = 0; i < c->count; i++)
        if (c->pending[(c->head + i) % VG_MAX_IN_FLIGHT].request_id == request_id)
            return true;
    return false;
}

int vg_conn_wait(struct vg_conn *c, uint32_t request_id)
{
    while (is_pending(c, request_id)) {
        int err = read_one(c);
        if (err)
            return err;
    }
    return c->lost ? -ENOTCONN : 0;
}

int vg_conn_post(struct vg_conn *c, uint32_t opcode, const void *a, size_t a_len,
                 const void *b, size_t b_len, vg_reply_fn fn, void *user, uint32_t tag,
                 uint64_t region, uint32_t *request_id)
{
    int err = vg_conn_drain(c);
    while (!err && c->count == VG_MAX_IN_FLIGHT)
        err = read_one(c);
    if (err)
        goto err_region;

    uint32_t id = c->next_id++;
    if (c->next_id == 0)
        c->next_id = 1;
    err = vt_msg_send(c->ch, opcode, id, a, a_len, b, b_len, NULL, 0, -1);
    if (err == -EMSGSIZE)
        goto err_region; /* nothing was sent: the session survives */
    if (err) {
        char why[96];
        snprintf(why, sizeof(why), "sending %s failed: %s", vw_opcode_name(opcode), strerror(-err));
        lose(c, why);
        err = -ENOTCONN;
        goto err_region;
    }
    c->pending[(c->head + c->count) % VG_MAX_IN_FLIGHT] = (struct vg_pending){
        .request_id = id, .opcode = opcode, .fn = fn, .user = user, .tag = tag, .region = region};
    c->count++;
    if (request_id)
        *request_id = id;
    return 0;

err_region:
    if (region != VG_NO_REGION)
        vg_arena_free(&c->alloc, region);
    return err;
}

static void result_cb(void *user, uint32_t tag, struct vg_reply *r)
{
    struct vg_result *res = user;
    res->status = r->status;
    res->body_len = r->body_len;
    if (res->body && r->body_len)
        memcpy(res->body, r->body, r->body_len < res->body_cap ? r->body_len : res->body_cap);
    size_t n = r->message_len < VW_MESSAGE_TEXT_MAX ? r->message_len : VW_MESSAGE_TEXT_MAX;
    if (n)
        memcpy(res->message, r->message, n);
    res->message[n] = '\0';
    res->fd = r->fd;
    r->fd = -1;
}

int vg_conn_call(struct vg_conn *c, uint32_t opcode, const void *a, size_t a_len,
                 const void *b, size_t b_len, struct vg_result *res)
{
    res->status = VG_STATUS_LOST;
    res->body_len = 0;
    res->fd = -1;
    res->message[0] = '\0';
    uint32_t id;
    int err = vg_conn_post(c, opcode, a, a_len, b, b_len, result_cb, res, 0, VG_NO_REGION, &id);
    if (err)
        return err;
    err = vg_conn_wait(c, id);
    if (res->status == VG_STATUS_LOST)
        return -ENOTCONN;
    return err == -ENOTCONN ? 0 : err; /* the reply itself arrived */
}

int vg_conn_alloc(struct vg_conn *c, uint64_t size, uint64_t *offset)
{
    if (!c->arena.base)
        return -ENOSPC;
    int err = vg_arena_alloc(&c->alloc, size, offset);
    if (err != -ENOSPC)
        return err;
    if (vg_conn_drain(c) == 0)
        err = vg_arena_alloc(&c->alloc, size, offset);
    return err;
}

void vg_conn_free(struct vg_conn *c, uint64_t offset)
{
    vg_arena_free(&c->alloc, offset);
}

/* Maps the arena the HELLO reply describes; on failure the session goes on
 * with inline data. fd: the memfd passed with the reply (taken), or -1. */
static void map_arena(struct vg_conn *c, const struct vw_hello_arena *where, int fd)
{
    uint64_t size = c->hello.arena_size;
    int err = 0;
    if (size && where->kind == VW_ARENA_SHM) {
        if (fd >= 0)
            close(fd);
        err = where->size == size ? vg_ivshmem_map(where->shm_id, where->offset, size, &c->arena)
                                  : -EPROTO;
        if (err)
            vc_warn("cannot map the shared region (ivshmem, %llu bytes at %llu): %s; "
                    "sending data inline", (unsigned long long)size,
                    (unsigned long long)where->offset, strerror(-err));
    } else if (size && fd >= 0) {
        err = vt_arena_map(fd, size, &c->arena); /* takes the fd */
        if (err)
            vc_warn("cannot map the shared arena (%s): sending data inline", strerror(-err));
    } else if (size) {
        vc_warn("vivacd granted an arena but passed no fd: sending data inline");
        err = -ENOENT;
    } else if (fd >= 0) {
        close(fd);
    }
    if (err)
        c->hello.arena_size = 0;
}

int vg_conn_open(struct vg_conn *c, const struct vt_address *addr, uint64_t arena_request)
{
    memset(c, 0, sizeof(*c));
    c->arena.fd = -1;
    c->next_id = 1;
    int err = vt_connect(addr, &c->ch);
    if (err)
        return err;

    /* Over a channel without fd passing the arena can still be a slice of
     * the VM's ivshmem region (protocol 1.1), so ask for it anyway. */
    struct vw_hello hello = {.magic = VW_MAGIC, .version_major = VW_VERSION_MAJOR,
                             .version_minor = VW_VERSION_MINOR, .arena_size = arena_request};
    snprintf(hello.client_name, sizeof(hello.client_name), "vivac-driver");
    uint8_t body[sizeof(struct vw_hello_reply) + sizeof(struct vw_hello_arena)];
    struct vw_hello_reply reply = {0};
    struct vw_hello_arena where = {0};
    struct vg_result res = {.body = body, .body_cap = sizeof(body)};
    err = vg_conn_call(c, VW_OP_HELLO, &hello, sizeof(hello), NULL, 0, &res);
    if (err)
        goto err_close;
    if (res.status != VW_OK) {
        vc_error("vivacd refused the connection: %s: %s", vw_status_name(res.status), res.message);
        err = res.status == VW_ERR_VERSION ? -EPROTONOSUPPORT : -ECONNREFUSED;
        goto err_fd;
    }
    /* 80 bytes from a 1.0 daemon; 1.1 appends where the arena lives. */
    if (res.body_len < sizeof(reply) || (res.body_len > sizeof(reply) && res.body_len < sizeof(body))) {
        vc_error("vivacd sent a malformed HELLO reply");
        err = -EPROTO;
        goto err_fd;
    }
    memcpy(&reply, body, sizeof(reply));
    if (res.body_len >= sizeof(body))
        memcpy(&where, body + sizeof(reply), sizeof(where));
    else
        where.kind = res.fd >= 0 ? VW_ARENA_FD : VW_ARENA_NONE;
    if (reply.magic != VW_MAGIC) {
        vc_error("vivacd sent a malformed HELLO reply");
        err = -EPROTO;
        goto err_fd;
    }
    if (reply.version_major != VW_VERSION_MAJOR) {
        vc_error("vivacd speaks protocol %u.%u, this driver %u.%u", reply.version_major,
                 reply.version_minor, VW_VERSION_MAJOR, VW_VERSION_MINOR);
        err = -EPROTONOSUPPORT;
        goto err_fd;
    }
    reply.server_name[sizeof(reply.server_name) - 1] = '\0';
    reply.engine_name[sizeof(reply.engine_name) - 1] = '\0';
    c->hello = reply;
    map_arena(c, &where, res.fd);
    res.fd = -1;
    vg_arena_alloc_init(&c->alloc, c->arena.base ? c->arena.size : 0);
    vc_info("connected to %s over %s (engine %s), arena %llu bytes%s", reply.server_name,
            c->ch->ops->name, reply.engine_name, (unsigned long long)c->hello.arena_size,
            where.kind == VW_ARENA_SHM && c->hello.arena_size ? " (ivshmem)" : "");
    return 0;

err_fd:
    if (res.fd >= 0)
        close(res.fd);
err_close:
    vg_conn_close(c);
    return err;
}

void vg_conn_close(struct vg_conn *c)
{
    c->lost = true;
    fail_pending(c);
    vt_channel_destroy(&c->ch);
    vt_msgbuf_free(&c->buf);
    vt_arena_release(&c->arena);
    vg_arena_alloc_finish(&c->alloc);
}
