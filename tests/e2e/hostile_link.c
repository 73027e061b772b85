/*
 * A fake QEMU on a VM's control socket (vivacd --vm NAME:SOCKET): it
 * connects as QEMU's virtio-serial chardev does, plays guest processes over
 * the link framing (transport/channel.h) and breaks the stream the ways a
 * guest or a chardev can: bytes that are not chunks, then EOF (a guest
 * writes garbage to its port and the VM powers off); EOF in the middle of a
 * chunk header or payload; garbage in the middle of a session.
 *
 * After each case the daemon must be idle (its CPU time, read from
 * /proc/PID/stat, grows by at most IDLE_CPU_S over IDLE_S) and serve the
 * VM's port again: QEMU reconnects and two guest processes, one after the
 * other, each run a session on the new connection.
 *
 * Usage: hostile_link VM_CONTROL_SOCKET VIVACD_PID [CASE]   (CASE: one case only)
 * Prints "ok - ..." / "not ok - ..." lines; exit status 1 if any failed.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "wire_client.h"

#define IDLE_S 2
#define IDLE_CPU_S 0.25

static long daemon_pid;
static uint64_t next_nonce = 0x1000;

/* The daemon's CPU time (user + system) in seconds, or -1. */
static double daemon_cpu(void)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%ld/stat", daemon_pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *p = strrchr(buf, ')'); /* the name may hold spaces */
    unsigned long ut, st;
    if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut,
                     &st) != 2)
        return -1;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* Connects to the VM's control socket as QEMU's chardev does (a failure
 * is a failed case). */
static int qemu_connect(void)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof(a.sun_path), "%s", socket_path);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
        result(false, "connect %s: %s", socket_path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    /* A daemon that stops answering fails the case instead of hanging it. */
    struct timeval t = {.tv_sec = 5};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &t, sizeof(t));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &t, sizeof(t));
    return fd;
}

static bool put(int fd, const void *p, size_t n)
{
    return send(fd, p, n, MSG_NOSIGNAL) == (ssize_t)n;
}

/* Bytes that hold no chunk magic ("VVLK"): a guest writing to the port
 * outside vivac. */
static void garbage(int fd, size_t n)
{
    uint8_t buf[4096];
    uint32_t x = 12345;
    if (n > sizeof(buf))
        n = sizeof(buf);
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        buf[i] = (uint8_t)(x >> 16);
        if (buf[i] == 'V')
            buf[i] = 'v';
    }
    put(fd, buf, n);
}

/* A chunk header (magic, payload length, nonce). */
static void chunk_header(uint8_t out[VT_LINK_HEADER], uint32_t length, uint64_t nonce)
{
    uint32_t magic = VT_LINK_MAGIC;
    memcpy(out, &magic, 4);
    memcpy(out + 4, &length, 4);
    memcpy(out + 8, &nonce, 8);
}

/* A guest process on the port: opens a link client on a copy of the fd. */
static bool guest_open(struct client *c, int qemu_fd, uint64_t nonce)
{
    memset(c, 0, sizeof(*c));
    c->arena.fd = -1;
    c->next_id = 1;
    return vt_link_wrap(dup(qemu_fd), nonce, &c->ch) == 0;
}

/* A guest process that runs a session (HELLO, QUERY_CAPS) and exits. */
static bool guest_session(int qemu_fd)
{
    struct client c;
    if (!guest_open(&c, qemu_fd, next_nonce++))
        return false;
    bool ok = hello(&c, 0) && request(&c, VW_OP_QUERY_CAPS, NULL, 0, NULL, 0, NULL, 0) == VW_OK;
    client_close(&c);
    return ok;
}

/* After a case's connection is gone: the daemon is idle and serves the VM's
 * port again, on a new connection, session after session. */
static void check_after(const char *name)
{
    double cpu0 = daemon_cpu();
    struct timespec idle = {.tv_sec = IDLE_S};
    nanosleep(&idle, NULL);
    double cpu = daemon_cpu() - cpu0;
    result(cpu0 >= 0 && cpu <= IDLE_CPU_S,
           "%s: the daemon is idle once the guest is gone (%.2f s of CPU over %d s, at most %.2f)",
           name, cpu, IDLE_S, IDLE_CPU_S);
    int q = qemu_connect();
    bool ok = q >= 0 && guest_session(q) && guest_session(q);
    result(ok, "%s: QEMU reconnects: two guest processes run a session each", name);
    if (q >= 0)
        close(q);
}

static void case_garbage_eof(void)
{
    int q = qemu_connect();
    if (q < 0)
        return;
    garbage(q, 300);
    close(q);
    check_after("garbage then EOF");
}

static void case_session_garbage_eof(void)
{
    int q = qemu_connect();
    if (q < 0)
        return;
    result(guest_session(q), "session, garbage, EOF: a session runs first");
    garbage(q, 40);
    close(q);
    check_after("session, garbage, EOF");
}

/* Garbage before a process and within another's session (rule 4 of the
 * link framing): the connection goes on; the rest of the broken session is
 * skipped; the next process is served. */
static void case_garbage_mid_stream(void)
{
    int q = qemu_connect();
    if (q < 0)
        return;
    garbage(q, 5); /* shorter than a header */
    result(guest_session(q), "garbage mid-stream: a session after 5 bytes of garbage");
    struct client a;
    bool ok = guest_open(&a, q, next_nonce++) && hello(&a, 0);
    garbage(q, 100);
    /* A goes on as if nothing happened: its request belongs to a session
     * that the garbage ended, so it gets no answer... */
    ok = ok && vt_msg_send(a.ch, VW_OP_QUERY_CAPS, 7, NULL, 0, NULL, 0, NULL, 0, -1) == 0;
    struct pollfd p = {.fd = q, .events = POLLIN};
    ok = ok && poll(&p, 1, 300) == 0;
    client_close(&a);
    result(ok, "garbage mid-stream: the broken session's later requests are dropped");
    /* ...and does not become a session that closes the connection. */
    result(guest_session(q), "garbage mid-stream: the next process is served on the same connection");
    garbage(q, 64);
    close(q);
    check_after("garbage mid-stream");
}

static void case_eof_mid_header(void)
{
    int q = qemu_connect();
    if (q < 0)
        return;
    result(guest_session(q), "EOF mid-header: a session runs first");
    garbage(q, 20);
    uint8_t h[VT_LINK_HEADER];
    chunk_header(h, 100, next_nonce++);
    put(q, h, 9);
    close(q);
    check_after("EOF mid-header after garbage");
}

static void case_eof_mid_payload(void)
{
    int q = qemu_connect();
    if (q < 0)
        return;
    struct client a;
    bool ok = guest_open(&a, q, next_nonce++) && hello(&a, 0);
    result(ok, "EOF mid-payload: HELLO");
    uint8_t h[VT_LINK_HEADER + 10] = {0};
    chunk_header(h, 1000, next_nonce - 1); /* the session's own nonce */
    put(q, h, sizeof(h));
    client_close(&a);
    close(q);
    check_after("EOF mid-payload");

    /* The same with the first chunk of a new process. */
    q = qemu_connect();
    if (q < 0)
        return;
    result(guest_session(q), "EOF in a new process's first chunk: a session runs first");
    chunk_header(h, 1000, next_nonce++);
    put(q, h, sizeof(h));
    close(q);
    check_after("EOF in a new process's first chunk");
}

/* A chardev that reconnects in the middle of a chunk: the daemon finds the
 * next header. */
static void case_reconnect_mid_chunk(void)
{
    int q = qemu_connect();
    if (q < 0)
        return;
    uint8_t tail[200];
    memset(tail, 0x11, sizeof(tail));
    put(q, tail, sizeof(tail));
    result(guest_session(q), "reconnect mid-chunk: a session after the tail of a chunk");
    close(q);
    check_after("reconnect mid-chunk");
}

int main(int argc, char **argv)
{
    if (argc != 3 && argc != 4) {
        fprintf(stderr, "usage: hostile_link VM_CONTROL_SOCKET VIVACD_PID [CASE]\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    socket_path = argv[1];
    daemon_pid = strtol(argv[2], NULL, 10);
    if (daemon_cpu() < 0) {
        fprintf(stderr, "hostile_link: cannot read /proc/%ld/stat\n", daemon_pid);
        return 2;
    }
    static const struct {
        const char *name;
        void (*run)(void);
    } cases[] = {
        {"garbage_eof", case_garbage_eof},
        {"session_garbage_eof", case_session_garbage_eof},
        {"garbage_mid_stream", case_garbage_mid_stream},
        {"eof_mid_header", case_eof_mid_header},
        {"eof_mid_payload", case_eof_mid_payload},
        {"reconnect_mid_chunk", case_reconnect_mid_chunk},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (argc < 4 || strcmp(argv[3], cases[i].name) == 0)
            cases[i].run();
    printf("%s\n", failures ? "FAILED" : "all link cases passed");
    return failures ? 1 : 0;
}
