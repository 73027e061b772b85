/* Wire round trips over a real socket pair: framing, replies, fd passing,
 * and rejection of malformed headers. */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "transport/arena.h"
#include "transport/channel.h"
#include "transport/message.h"

static void make_pair(struct vt_channel **a, struct vt_channel **b)
{
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
    CHECK(vt_unix_wrap(sv[0], a) == 0);
    CHECK(vt_unix_wrap(sv[1], b) == 0);
}

static void test_request_round_trip(void)
{
    struct vt_channel *a, *b;
    make_pair(&a, &b);
    struct vw_create_surface req = {.surface_id = 7, .width = 1920, .height = 1080,
                                    .rt_format = VW_RT_YUV420, .pixel_format = VW_FOURCC_NV12};
    const char tail[] = "xyz";
    CHECK(vt_msg_send(a, VW_OP_CREATE_SURFACE, 42, &req, sizeof(req), tail, 3, NULL, 0, -1) == 0);

    struct vw_header hdr;
    struct vt_msgbuf buf = {0};
    CHECK(vt_msg_recv(b, &hdr, &buf, VW_MAX_MESSAGE, NULL) == 0);
    CHECK_EQ(hdr.opcode, VW_OP_CREATE_SURFACE);
    CHECK_EQ(hdr.request_id, 42);
    CHECK_EQ(hdr.length, sizeof(req) + 3);
    struct vw_create_surface got;
    memcpy(&got, buf.data, sizeof(got));
    CHECK(memcmp(&got, &req, sizeof(req)) == 0);
    CHECK(memcmp(buf.data + sizeof(req), "xyz", 3) == 0);
    vt_msgbuf_free(&buf);
    vt_channel_destroy(&a);
    vt_channel_destroy(&b);
    CHECK(a == NULL && b == NULL);
}

static void test_reply_round_trip_with_fd(void)
{
    struct vt_channel *a, *b;
    make_pair(&a, &b);
    struct vt_arena arena;
    CHECK(vt_arena_create(1 << 20, &arena) == 0);
    arena.base[12345] = 0x5a;

    struct vw_hello_reply body = {.magic = VW_MAGIC, .version_major = 1, .arena_size = 1 << 20};
    CHECK(vt_reply_send(a, VW_OP_HELLO, 1, VW_OK, "hi", &body, sizeof(body), NULL, 0, arena.fd) == 0);

    struct vw_header hdr;
    struct vt_msgbuf buf = {0};
    int fd = -1;
    CHECK(vt_msg_recv(b, &hdr, &buf, VW_MAX_MESSAGE, &fd) == 0);
    CHECK_EQ(hdr.opcode, VW_OP_HELLO | VW_REPLY_BIT);
    CHECK_EQ(hdr.length, sizeof(struct vw_status) + sizeof(body) + 2);
    struct vw_status st;
    memcpy(&st, buf.data, sizeof(st));
    CHECK_EQ(st.status, VW_OK);
    CHECK_EQ(st.message_len, 2);
    CHECK(memcmp(buf.data + sizeof(st) + sizeof(body), "hi", 2) == 0);
    CHECK(fd >= 0);

    /* The passed fd maps the same memory. */
    struct vt_arena mapped;
    CHECK(vt_arena_map(fd, 1 << 20, &mapped) == 0);
    CHECK_EQ(mapped.base[12345], 0x5a);
    CHECK(vt_arena_contains(&mapped, (1 << 20) - 1, 1));
    CHECK(!vt_arena_contains(&mapped, (1 << 20) - 1, 2));
    CHECK(!vt_arena_contains(&mapped, UINT64_MAX, 2));
    /* Sealed: the peer cannot shrink the arena under the daemon. */
    CHECK(ftruncate(mapped.fd, 4096) < 0);
    vt_arena_release(&mapped);
    vt_arena_release(&arena);
    vt_arena_release(&arena); /* idempotent */
    vt_msgbuf_free(&buf);
    vt_channel_destroy(&a);
    vt_channel_destroy(&b);
}

static void test_map_rejects_short_object(void)
{
    struct vt_arena arena, mapped;
    CHECK(vt_arena_create(4096, &arena) == 0);
    CHECK(vt_arena_map(dup(arena.fd), 8192, &mapped) == -EINVAL);
    vt_arena_release(&arena);

    /* An object the peer could still shrink is refused (SIGBUS otherwise). */
    int fd = memfd_create("unsealed", MFD_CLOEXEC);
    CHECK(fd >= 0 && ftruncate(fd, 4096) == 0);
    CHECK_EQ(vt_arena_map(fd, 4096, &mapped), -EPERM);
}

static void test_malformed_headers_rejected(void)
{
    struct vt_channel *a, *b;
    struct vw_header hdr;
    struct vt_msgbuf buf = {0};

    make_pair(&a, &b);
    struct vw_header bad = {.opcode = VW_OP_HELLO, .length = 0, .request_id = 1, .reserved = 9};
    CHECK(write(a->fd, &bad, sizeof(bad)) == (ssize_t)sizeof(bad));
    CHECK_EQ(vt_msg_recv(b, &hdr, &buf, VW_MAX_MESSAGE, NULL), -EBADMSG);

    struct vw_header big = {.opcode = VW_OP_HELLO, .length = VW_MAX_MESSAGE + 1, .request_id = 2};
    CHECK(write(a->fd, &big, sizeof(big)) == (ssize_t)sizeof(big));
    CHECK_EQ(vt_msg_recv(b, &hdr, &buf, VW_MAX_MESSAGE, NULL), -EBADMSG);
    vt_channel_destroy(&a);
    vt_channel_destroy(&b);

    /* Truncated: header announces 100 bytes, 10 arrive, then close. */
    make_pair(&a, &b);
    struct vw_header part = {.opcode = VW_OP_HELLO, .length = 100, .request_id = 3};
    uint8_t ten[10] = {0};
    CHECK(write(a->fd, &part, sizeof(part)) == (ssize_t)sizeof(part));
    CHECK(write(a->fd, ten, sizeof(ten)) == (ssize_t)sizeof(ten));
    vt_channel_destroy(&a);
    CHECK_EQ(vt_msg_recv(b, &hdr, &buf, VW_MAX_MESSAGE, NULL), -EPIPE);
    vt_channel_destroy(&b);

    /* A header announcing the maximum costs memory only as bytes arrive. */
    vt_msgbuf_free(&buf);
    make_pair(&a, &b);
    struct vw_header huge = {.opcode = VW_OP_HELLO, .length = VW_MAX_MESSAGE, .request_id = 4};
    CHECK(write(a->fd, &huge, sizeof(huge)) == (ssize_t)sizeof(huge));
    CHECK(write(a->fd, ten, sizeof(ten)) == (ssize_t)sizeof(ten));
    vt_channel_destroy(&a);
    CHECK_EQ(vt_msg_recv(b, &hdr, &buf, VW_MAX_MESSAGE, NULL), -EPIPE);
    CHECK(buf.capacity <= (1u << 20));
    vt_channel_destroy(&b);

    /* Orderly close between messages is distinguishable from truncation. */
    make_pair(&a, &b);
    vt_channel_destroy(&a);
    CHECK_EQ(vt_msg_recv(b, &hdr, &buf, VW_MAX_MESSAGE, NULL), -ECONNRESET);
    vt_channel_destroy(&b);
    vt_msgbuf_free(&buf);
}

static void count_progress(void *opaque, uint64_t received)
{
    uint64_t *last = opaque;
    CHECK(received > *last);
    *last = received;
}

/* The parts a daemon uses to charge and time its receive buffer: the buffer
 * ends exactly as large as vt_msgbuf_capacity_for said, progress comes per
 * step, and a refused payload is dropped with the stream left in step. */
static void test_recv_in_parts(void)
{
    struct vt_channel *a, *b;
    make_pair(&a, &b);
    static uint8_t data[3 * 1024 * 1024 + 5];
    memset(data, 0x33, sizeof(data));
    struct vw_header hdr, big = {.opcode = VW_OP_PUT_IMAGE, .length = sizeof(data),
                                 .request_id = 9};
    struct vt_msgbuf buf = {0};
    CHECK(write(a->fd, &big, sizeof(big)) == (ssize_t)sizeof(big));
    /* The socket holds less than 3 MiB: a child writes while we read. */
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        size_t off = 0;
        while (off < sizeof(data)) {
            ssize_t n = write(a->fd, data + off, sizeof(data) - off);
            if (n <= 0)
                _exit(1);
            off += (size_t)n;
        }
        /* Then a message to be dropped, then a small one. */
        big.request_id = 10;
        if (write(a->fd, &big, sizeof(big)) != (ssize_t)sizeof(big))
            _exit(1);
        off = 0;
        while (off < sizeof(data)) {
            ssize_t n = write(a->fd, data + off, sizeof(data) - off);
            if (n <= 0)
                _exit(1);
            off += (size_t)n;
        }
        struct vw_header small = {.opcode = VW_OP_QUERY_CAPS, .request_id = 11};
        _exit(write(a->fd, &small, sizeof(small)) == (ssize_t)sizeof(small) ? 0 : 1);
    }
    CHECK(vt_msg_recv_header(b, &hdr, VW_MAX_MESSAGE, NULL) == 0);
    CHECK_EQ(hdr.length, sizeof(data));
    size_t expect = vt_msgbuf_capacity_for(&buf, hdr.length);
    CHECK_EQ(expect, sizeof(data));
    uint64_t last = 0;
    CHECK(vt_msg_recv_payload(b, &hdr, &buf, NULL, count_progress, &last) == 0);
    CHECK_EQ(last, sizeof(data));
    CHECK_EQ(buf.capacity, expect);
    CHECK(buf.data[0] == 0x33 && buf.data[sizeof(data) - 1] == 0x33);
    /* Dropped: nothing kept, the next header is read in step. */
    CHECK(vt_msg_recv_header(b, &hdr, VW_MAX_MESSAGE, NULL) == 0);
    CHECK_EQ(hdr.request_id, 10);
    last = 0;
    CHECK(vt_msg_discard(b, hdr.length, count_progress, &last) == 0);
    CHECK_EQ(last, sizeof(data));
    CHECK(vt_msg_recv(b, &hdr, &buf, VW_MAX_MESSAGE, NULL) == 0);
    CHECK_EQ(hdr.request_id, 11);
    /* Not larger than VT_MSGBUF_KEEP: kept as it is for the next message. */
    CHECK(buf.capacity <= VT_MSGBUF_KEEP);
    CHECK_EQ(vt_msgbuf_capacity_for(&buf, 1), buf.capacity);
    int status = 0;
    CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    vt_msgbuf_free(&buf);
    vt_channel_destroy(&a);
    vt_channel_destroy(&b);
}

static void test_names(void)
{
    CHECK(strcmp(vw_opcode_name(VW_OP_END_FRAME | VW_REPLY_BIT), "END_FRAME") == 0);
    CHECK(strcmp(vw_opcode_name(999), "UNKNOWN") == 0);
    CHECK(strcmp(vw_status_name(VW_ERR_OUT_OF_BOUNDS), "arena range out of bounds") == 0);
    CHECK(strcmp(vw_status_name(-5), "unknown status") == 0);
    for (int s = 0; s < VW_STATUS_COUNT_; s++)
        CHECK(strcmp(vw_status_name(s), "unknown status") != 0);
}

int main(void)
{
    test_request_round_trip();
    test_reply_round_trip_with_fd();
    test_map_rejects_short_object();
    test_malformed_headers_rejected();
    test_recv_in_parts();
    test_names();
    return check_finish("test_message");
}
