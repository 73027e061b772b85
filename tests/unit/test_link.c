/* The link framing (virtio-serial sessions) over a socket pair standing in
 * for the port: chunking, a new session after a client died mid-message,
 * stale replies skipped by the next client, garbage; how a link's stream
 * ends (EOF after garbage, mid-header, mid-payload: never a busy loop);
 * channel addresses. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "transport/channel.h"
#include "transport/message.h"

/* Client A on fd a (nonce 1), daemon on fd d. The "port" is the pair;
 * a second client reuses the same fd number through dup(). */
static void make(int *guest_fd, struct vt_channel **daemon)
{
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
    *guest_fd = sv[0];
    CHECK(vt_link_wrap(sv[1], 0, daemon) == 0);
}

static struct vt_channel *client(int guest_fd, uint64_t nonce)
{
    struct vt_channel *ch = NULL;
    CHECK(vt_link_wrap(dup(guest_fd), nonce, &ch) == 0);
    return ch;
}

static void test_round_trip_large(void)
{
    int g;
    struct vt_channel *d, *a;
    make(&g, &d);
    a = client(g, 11);
    size_t n = 200000; /* several chunks */
    uint8_t *big = malloc(n);
    for (size_t i = 0; i < n; i++)
        big[i] = (uint8_t)(i * 7);
    CHECK(vt_msg_send(a, VW_OP_PUT_IMAGE, 5, big, n, NULL, 0, NULL, 0, -1) == 0);
    CHECK(vt_link_next_session(d) == 0);
    struct vw_header hdr;
    struct vt_msgbuf buf = {0};
    CHECK(vt_msg_recv(d, &hdr, &buf, VW_MAX_MESSAGE, NULL) == 0);
    CHECK_EQ(hdr.length, n);
    CHECK(memcmp(buf.data, big, n) == 0);
    /* Reply travels back with the session's nonce. */
    CHECK(vt_reply_send(d, VW_OP_PUT_IMAGE, 5, 0, NULL, big, 100000, NULL, 0, -1) == 0);
    CHECK(vt_msg_recv(a, &hdr, &buf, VW_MAX_MESSAGE, NULL) == 0);
    CHECK_EQ(hdr.request_id, 5);
    CHECK_EQ(hdr.length, 8 + 100000);
    uint64_t sent, received;
    vt_link_counters(a, &sent, &received);
    CHECK(sent > n && sent < n + n / 100);
    CHECK(!vt_link_session_ended(d));
    CHECK(vt_channel_send(a, &(struct iovec){"x", 1}, 1, 5) == -ENOTSUP); /* no fds */
    vt_msgbuf_free(&buf);
    vt_channel_destroy(&a);
    vt_channel_destroy(&d);
    close(g);
    free(big);
}

/* A dies after half a message, with a reply of its own still unread; B
 * starts: the daemon drops A's half message and starts a session for B, and
 * B never sees A's reply. */
static void test_new_session(void)
{
    int g;
    struct vt_channel *d, *a, *b;
    make(&g, &d);
    a = client(g, 0xaaaa);
    struct vw_header hdr;
    struct vt_msgbuf buf = {0};
    CHECK(vt_msg_send(a, VW_OP_QUERY_CAPS, 1, NULL, 0, NULL, 0, NULL, 0, -1) == 0);
    CHECK(vt_link_next_session(d) == 0);
    CHECK(vt_msg_recv(d, &hdr, &buf, VW_MAX_MESSAGE, NULL) == 0);
    CHECK(vt_reply_send(d, VW_OP_QUERY_CAPS, 1, 0, "stale reply for A", NULL, 0, NULL, 0, -1) == 0);
    /* Half a message: the header chunk and one payload chunk of 100000. */
    struct vw_header half = {.opcode = VW_OP_PUT_IMAGE, .length = 100000, .request_id = 2};
    uint8_t junk[1000] = {0};
    CHECK(vt_channel_send(a, &(struct iovec){&half, sizeof(half)}, 1, -1) == 0);
    CHECK(vt_channel_send(a, &(struct iovec){junk, sizeof(junk)}, 1, -1) == 0);
    vt_channel_destroy(&a);

    b = client(g, 0xbbbb);
    CHECK(vt_msg_send(b, VW_OP_QUERY_CAPS, 1, NULL, 0, NULL, 0, NULL, 0, -1) == 0);
    /* The daemon's old session sees its message end early. */
    CHECK_EQ(vt_msg_recv(d, &hdr, &buf, VW_MAX_MESSAGE, NULL), -EPIPE);
    CHECK(vt_link_session_ended(d));
    /* Nothing goes out until the next session starts. */
    CHECK_EQ(vt_reply_send(d, VW_OP_QUERY_CAPS, 1, 0, "late", NULL, 0, NULL, 0, -1), -ENOTCONN);
    /* The next session reads B's request from its first byte. */
    CHECK(vt_link_next_session(d) == 0);
    CHECK(vt_msg_recv(d, &hdr, &buf, VW_MAX_MESSAGE, NULL) == 0);
    CHECK_EQ(hdr.opcode, VW_OP_QUERY_CAPS);
    CHECK(!vt_link_session_ended(d));
    CHECK(vt_reply_send(d, VW_OP_QUERY_CAPS, 1, 0, "for B", NULL, 0, NULL, 0, -1) == 0);
    CHECK(vt_msg_recv(b, &hdr, &buf, VW_MAX_MESSAGE, NULL) == 0);
    CHECK_EQ(hdr.length, 8 + 5);
    CHECK(memcmp(buf.data + 8, "for B", 5) == 0);

    /* B exits between messages; C starts: an orderly end for B's session. */
    vt_channel_destroy(&b);
    struct vt_channel *c = client(g, 0xcccc);
    CHECK(vt_msg_send(c, VW_OP_HELLO, 1, junk, 48, NULL, 0, NULL, 0, -1) == 0);
    CHECK_EQ(vt_msg_recv(d, &hdr, &buf, VW_MAX_MESSAGE, NULL), -ECONNRESET);
    CHECK(vt_link_session_ended(d));
    CHECK(vt_link_next_session(d) == 0);
    CHECK(vt_msg_recv(d, &hdr, &buf, VW_MAX_MESSAGE, NULL) == 0);
    CHECK_EQ(hdr.opcode, VW_OP_HELLO);

    /* Garbage from a broken guest: its session ends, the link realigns. */
    vt_channel_destroy(&c);
    CHECK(write(g, "garbage-garbage-garbage", 23) == 23);
    c = client(g, 0xdddd);
    CHECK(vt_msg_send(c, VW_OP_QUERY_CAPS, 9, NULL, 0, NULL, 0, NULL, 0, -1) == 0);
    CHECK_EQ(vt_msg_recv(d, &hdr, &buf, VW_MAX_MESSAGE, NULL), -EPROTO);
    CHECK(vt_link_session_ended(d));
    CHECK(vt_link_next_session(d) == 0);
    CHECK(vt_msg_recv(d, &hdr, &buf, VW_MAX_MESSAGE, NULL) == 0);
    CHECK_EQ(hdr.request_id, 9);

    /* EOF: the link is over, not a new session. */
    vt_channel_destroy(&c);
    close(g);
    CHECK(vt_msg_recv(d, &hdr, &buf, VW_MAX_MESSAGE, NULL) == -ECONNRESET);
    CHECK(!vt_link_session_ended(d));
    vt_msgbuf_free(&buf);
    vt_channel_destroy(&d);
}

/* Writes a chunk of `len` payload bytes (pattern) with `nonce` on fd. */
static void raw_chunk(int fd, uint64_t nonce, uint32_t len, size_t cut)
{
    uint8_t buf[VT_LINK_HEADER + 256];
    uint32_t magic = VT_LINK_MAGIC;
    CHECK(len <= 256);
    memcpy(buf, &magic, 4);
    memcpy(buf + 4, &len, 4);
    memcpy(buf + 8, &nonce, 8);
    memset(buf + VT_LINK_HEADER, 0x5a, len);
    size_t n = VT_LINK_HEADER + len;
    if (cut && cut < n)
        n = cut;
    CHECK(write(fd, buf, n) == (ssize_t)n);
}

/* Every way a link's stream can end or break: the daemon side never offers
 * a session it has not read a header for, and after EOF it never reads
 * again (the busy loop of garbage + EOF: a session ended by garbage, then
 * "another session" at EOF, for ever). */
static void test_link_ends(void)
{
    int g;
    struct vt_channel *d, *a, *b;
    struct vw_header hdr;
    struct vt_msgbuf buf = {0};

    /* Garbage then EOF: no session at all; the end is sticky. */
    make(&g, &d);
    CHECK(write(g, "not a chunk header, not a chunk", 31) == 31);
    close(g);
    CHECK_EQ(vt_link_next_session(d), -ECONNRESET);
    CHECK(!vt_link_session_ended(d));
    CHECK(vt_link_skipped(d) >= 16);
    CHECK_EQ(vt_link_next_session(d), -ECONNRESET);
    CHECK_EQ(vt_msg_recv(d, &hdr, &buf, VW_MAX_MESSAGE, NULL), -ENOTCONN);
    CHECK_EQ(vt_reply_send(d, VW_OP_QUERY_CAPS, 1, 0, "x", NULL, 0, NULL, 0, -1), -ENOTCONN);
    vt_channel_destroy(&d);

    /* A session, garbage, EOF: the session ends with -EPROTO, the link
     * looks for a header, finds EOF and is over. */
    make(&g, &d);
    a = client(g, 0xa1);
    CHECK(vt_msg_send(a, VW_OP_QUERY_CAPS, 1, NULL, 0, NULL, 0, NULL, 0, -1) == 0);
    CHECK(vt_link_next_session(d) == 0);
    CHECK_EQ(vt_link_next_session(d), -EBUSY);
    CHECK(vt_msg_recv(d, &hdr, &buf, VW_MAX_MESSAGE, NULL) == 0);
    CHECK(write(g, "garbage-garbage-garbage", 23) == 23);
    CHECK_EQ(vt_msg_recv(d, &hdr, &buf, VW_MAX_MESSAGE, NULL), -EPROTO);
    CHECK(vt_link_session_ended(d));
    CHECK_EQ(vt_msg_recv(d, &hdr, &buf, VW_MAX_MESSAGE, NULL), -EPROTO); /* still over */
    vt_channel_destroy(&a);
    close(g);
    CHECK_EQ(vt_link_next_session(d), -ECONNRESET);
    CHECK(!vt_link_session_ended(d));
    vt_channel_destroy(&d);

    /* EOF in the middle of a chunk header, and of a payload. */
    for (int mid_payload = 0; mid_payload < 2; mid_payload++) {
        make(&g, &d);
        a = client(g, 0xa2);
        CHECK(vt_msg_send(a, VW_OP_QUERY_CAPS, 1, NULL, 0, NULL, 0, NULL, 0, -1) == 0);
        CHECK(vt_link_next_session(d) == 0);
        CHECK(vt_msg_recv(d, &hdr, &buf, VW_MAX_MESSAGE, NULL) == 0);
        raw_chunk(g, 0xa2, 100, mid_payload ? VT_LINK_HEADER + 10 : 9);
        vt_channel_destroy(&a);
        close(g);
        CHECK_EQ(vt_msg_recv(d, &hdr, &buf, VW_MAX_MESSAGE, NULL), -EPIPE);
        CHECK(!vt_link_session_ended(d));
        CHECK_EQ(vt_link_next_session(d), -ECONNRESET);
        vt_channel_destroy(&d);
    }

    /* A new process's header, then EOF inside its payload: one session
     * ends, the next one starts and meets EOF; nothing after it. */
    make(&g, &d);
    raw_chunk(g, 0xb1, 0, 0); /* a chunk may be empty */
    raw_chunk(g, 0xb2, 100, VT_LINK_HEADER + 3);
    close(g);
    CHECK(vt_link_next_session(d) == 0);
    CHECK_EQ(vt_msg_recv(d, &hdr, &buf, VW_MAX_MESSAGE, NULL), -ECONNRESET);
    CHECK(vt_link_session_ended(d));
    CHECK(vt_link_next_session(d) == 0);
    CHECK_EQ(vt_msg_recv(d, &hdr, &buf, VW_MAX_MESSAGE, NULL), -EPIPE);
    CHECK(!vt_link_session_ended(d));
    CHECK_EQ(vt_link_next_session(d), -ECONNRESET);
    vt_channel_destroy(&d);

    /* Garbage shorter than a header right before a chunk, and a connection
     * that starts in the middle of a chunk (a chardev that reconnected):
     * the chunk after them is found whole. */
    make(&g, &d);
    uint8_t tail[40];
    memset(tail, 0x11, sizeof(tail));
    CHECK(write(g, tail, sizeof(tail)) == (ssize_t)sizeof(tail));
    a = client(g, 0xa3);
    CHECK(vt_msg_send(a, VW_OP_QUERY_CAPS, 3, NULL, 0, NULL, 0, NULL, 0, -1) == 0);
    CHECK(write(g, "junk!", 5) == 5);
    CHECK(vt_link_next_session(d) == 0);
    CHECK(vt_msg_recv(d, &hdr, &buf, VW_MAX_MESSAGE, NULL) == 0);
    CHECK_EQ(hdr.request_id, 3);
    CHECK_EQ(vt_link_skipped(d), sizeof(tail));
    vt_channel_destroy(&a);
    b = client(g, 0xb3);
    CHECK(vt_msg_send(b, VW_OP_QUERY_CAPS, 4, NULL, 0, NULL, 0, NULL, 0, -1) == 0);
    CHECK_EQ(vt_msg_recv(d, &hdr, &buf, VW_MAX_MESSAGE, NULL), -EPROTO);
    CHECK(vt_link_next_session(d) == 0);
    CHECK(vt_msg_recv(d, &hdr, &buf, VW_MAX_MESSAGE, NULL) == 0);
    CHECK_EQ(hdr.request_id, 4);
    vt_channel_destroy(&b);

    /* Garbage inside A's session: A's later chunks are skipped, they do not
     * start a session of their own; B's is the next. */
    a = client(g, 0xa4);
    CHECK(vt_msg_send(a, VW_OP_QUERY_CAPS, 5, NULL, 0, NULL, 0, NULL, 0, -1) == 0);
    CHECK_EQ(vt_msg_recv(d, &hdr, &buf, VW_MAX_MESSAGE, NULL), -ECONNRESET);
    CHECK(vt_link_next_session(d) == 0);
    CHECK(vt_msg_recv(d, &hdr, &buf, VW_MAX_MESSAGE, NULL) == 0);
    CHECK(write(g, "garbage in a session", 20) == 20);
    CHECK(vt_msg_send(a, VW_OP_QUERY_CAPS, 6, NULL, 0, NULL, 0, NULL, 0, -1) == 0);
    CHECK(vt_msg_send(a, VW_OP_QUERY_CAPS, 7, NULL, 0, NULL, 0, NULL, 0, -1) == 0);
    vt_channel_destroy(&a);
    b = client(g, 0xb4);
    CHECK(vt_msg_send(b, VW_OP_QUERY_CAPS, 8, NULL, 0, NULL, 0, NULL, 0, -1) == 0);
    CHECK_EQ(vt_msg_recv(d, &hdr, &buf, VW_MAX_MESSAGE, NULL), -EPROTO);
    uint64_t skipped = vt_link_skipped(d);
    CHECK(vt_link_next_session(d) == 0);
    CHECK(vt_link_skipped(d) >= skipped + 2 * (VT_LINK_HEADER + sizeof(hdr)));
    CHECK(vt_msg_recv(d, &hdr, &buf, VW_MAX_MESSAGE, NULL) == 0);
    CHECK_EQ(hdr.request_id, 8);
    vt_channel_destroy(&b);
    close(g);
    CHECK_EQ(vt_msg_recv(d, &hdr, &buf, VW_MAX_MESSAGE, NULL), -ECONNRESET);
    CHECK(!vt_link_session_ended(d));
    vt_msgbuf_free(&buf);
    vt_channel_destroy(&d);
}

static void test_addresses(void)
{
    struct vt_address a;
    char s[300];
    CHECK(vt_address_parse("unix:/run/x.sock", &a) == 0);
    CHECK_EQ(a.kind, VT_ADDR_UNIX);
    CHECK(strcmp(a.path, "/run/x.sock") == 0);
    CHECK(vt_address_parse("/tmp/y", &a) == 0 && a.kind == VT_ADDR_UNIX);
    CHECK(vt_address_parse("rel/y.sock", &a) == 0 && a.kind == VT_ADDR_UNIX);
    CHECK(vt_address_parse("vsock:2:5000", &a) == 0);
    CHECK(a.kind == VT_ADDR_VSOCK && a.cid == 2 && a.port == 5000);
    vt_address_format(&a, s, sizeof(s));
    CHECK(strcmp(s, "vsock:2:5000") == 0);
    CHECK(vt_address_parse("vsock:4294967295:1", &a) == 0);
    CHECK(vt_address_parse("vsock:4294967296:1", &a) == -EINVAL);
    CHECK(vt_address_parse("vsock:2", &a) == -EINVAL);
    CHECK(vt_address_parse("vsock:2:", &a) == -EINVAL);
    CHECK(vt_address_parse("vsock::5", &a) == -EINVAL);
    CHECK(vt_address_parse("vsock:2:-5", &a) == -EINVAL);
    CHECK(vt_address_parse("serial:/dev/virtio-ports/vivac", &a) == 0);
    CHECK(a.kind == VT_ADDR_SERIAL && strcmp(a.path, "/dev/virtio-ports/vivac") == 0);
    CHECK(vt_address_parse("serial:", &a) == -EINVAL);
    CHECK(vt_address_parse("tcp:1.2.3.4:5", &a) == -EINVAL);
    CHECK(vt_address_parse("", &a) == -EINVAL);
    memset(s, 'a', 299);
    s[299] = '\0';
    CHECK(vt_address_parse(s, &a) == -ENAMETOOLONG);
    /* No vsock transport on a build machine: a clear error, never a crash. */
    struct vt_channel *ch = NULL;
    CHECK(vt_address_parse("vsock:2:1", &a) == 0);
    int err = vt_connect(&a, &ch);
    CHECK(err < 0 && ch == NULL);
    /* A serial path that is not a char device. */
    CHECK(vt_address_parse("serial:/nonexistent/port", &a) == 0);
    CHECK(vt_connect(&a, &ch) == -ENOENT);
}

int main(void)
{
    test_round_trip_large();
    test_new_session();
    test_link_ends();
    test_addresses();
    return check_finish("test_link");
}
