/*
 * Clients that hoard vivacd's session slots and receive buffers: idle
 * connections before and after HELLO (silent, or trickling a byte a
 * second), messages stalled after their header, and one uid opening more
 * sessions than its share. Each must be refused or dropped on time, while
 * well-behaved clients (and another uid) are served.
 *
 * The daemon runs with short deadlines (hostile_slots.sh):
 *   --max-sessions 24 --max-sessions-per-client PER --hello-timeout 2
 *   --message-timeout 2 --idle-timeout 2 --max-memory 160
 * Usage: hostile_slots SOCKET PER [--hoard]
 * (--hoard: only the 64 idle clients, while hostile_slots.sh decodes with
 * ffmpeg through the same daemon.)
 */
#include <errno.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "wire_client.h"

#define HELLO_S 2.0
#define MESSAGE_S 2.0
#define IDLE_S 2.0
#define BUDGET_MIB 160u
#define MIB (1u << 20)
/* The watchdog acts within 250 ms of a deadline; the rest is scheduling. */
#define SLACK_S 1.2

static uint32_t per_client;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static bool write_all(struct client *c, const void *data, size_t size)
{
    const uint8_t *p = data;
    while (size) {
        ssize_t n = write(c->ch->fd, p, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        p += n;
        size -= (size_t)n;
    }
    return true;
}

/* Reads the next message within ms: 0, -ETIMEDOUT, or read_reply's error. */
static int read_within(struct client *c, int ms)
{
    struct pollfd p = {.fd = c->ch->fd, .events = POLLIN};
    if (poll(&p, 1, ms < 0 ? 0 : ms) <= 0)
        return -ETIMEDOUT;
    return read_reply(c, NULL);
}

/* True if the next message is VW_OP_ERROR with VW_ERR_LIMIT whose text
 * holds `needle`, and the connection then closes. */
static bool got_limit_error(struct client *c, int err, const char *needle)
{
    return !err && c->hdr.opcode == VW_OP_ERROR && c->hdr.request_id == 0 &&
           c->status == VW_ERR_LIMIT && strstr(c->message, needle) && closed(c);
}

/* A request header announcing `length` bytes, then `sent` zero bytes of it. */
static bool send_partial(struct client *c, uint32_t op, uint32_t length, size_t sent,
                         const uint8_t *zeros)
{
    struct vw_header h = {.opcode = op, .length = length, .request_id = c->next_id++};
    return write_all(c, &h, sizeof(h)) && (!sent || write_all(c, zeros, sent));
}

/* ---- (c) a HELLO trickled a byte at a time ------------------------------- */

static void case_trickled_hello(void)
{
    struct client c;
    if (!client_open(&c))
        return result(false, "trickled HELLO: connect");
    double t0 = now_s();
    uint8_t byte = 0x56; /* the first byte of a header; never completes */
    int err = -ETIMEDOUT;
    while (err == -ETIMEDOUT && now_s() - t0 < HELLO_S + 4) {
        write_all(&c, &byte, 1);
        err = read_within(&c, 400);
    }
    double at = now_s() - t0;
    bool ok = got_limit_error(&c, err, "--hello-timeout");
    result(ok && at > HELLO_S - 0.3 && at < HELLO_S + SLACK_S,
           "a HELLO trickled a byte every 0.4 s is dropped %.1f s after connecting (deadline "
           "%.0f s from accept): %s", at, HELLO_S, err ? strerror(-err) : c.message);
    client_close(&c);
}

/* ---- (a) 64 idle clients, then a well-behaved one ------------------------ */

enum hoard_kind { SILENT, TRICKLE_HELLO, IDLE_AFTER_HELLO, TRICKLE_AFTER_HELLO };

struct hoarder {
    struct client c;
    enum hoard_kind kind;
    bool open;
    bool refused;                 /* "too many sessions" at once */
    bool dropped;                 /* a deadline's error, then closed */
    double at;
    char why[VW_MESSAGE_TEXT_MAX + 1];
};

/* The hoarders keep trying for hold_s (they are all gone long before when
 * the deadlines work). */
static void case_hoarders(double hold_s)
{
    enum { N = 64 };
    static const char *const kind_name[] = {"silent", "trickling a HELLO", "idle after HELLO",
                                            "trickling after HELLO"};
    struct hoarder *h = calloc(N, sizeof(*h));
    if (!h)
        return result(false, "hoarders: memory");
    double t0 = now_s();
    for (int i = 0; i < N; i++) {
        h[i].kind = (enum hoard_kind)(i % 4);
        if (!client_open(&h[i].c))
            continue;
        h[i].open = true;
        if (h[i].kind >= IDLE_AFTER_HELLO && !hello(&h[i].c, 0)) {
            /* Refused: the daemon's error came instead of the HELLO reply
             * (or before HELLO could be sent). */
            if (!h[i].c.message[0])
                read_reply(&h[i].c, NULL);
            h[i].refused = strstr(h[i].c.message, "too many sessions") != NULL;
            snprintf(h[i].why, sizeof(h[i].why), "%s", h[i].c.message);
            client_close(&h[i].c);
            h[i].open = false;
        }
    }
    double next_byte = t0 + 1;
    uint8_t byte = 0x56;
    for (;;) {
        struct pollfd p[N];
        int n = 0, idx[N];
        for (int i = 0; i < N; i++)
            if (h[i].open) {
                p[n] = (struct pollfd){.fd = h[i].c.ch->fd, .events = POLLIN};
                idx[n++] = i;
            }
        if (!n || now_s() - t0 > hold_s)
            break;
        if (now_s() >= next_byte) {
            for (int k = 0; k < n; k++)
                if (h[idx[k]].kind == TRICKLE_HELLO || h[idx[k]].kind == TRICKLE_AFTER_HELLO)
                    write_all(&h[idx[k]].c, &byte, 1);
            next_byte += 1;
        }
        if (poll(p, (nfds_t)n, 100) <= 0)
            continue;
        for (int k = 0; k < n; k++) {
            if (!p[k].revents)
                continue;
            struct hoarder *o = &h[idx[k]];
            int err = read_reply(&o->c, NULL);
            o->at = now_s() - t0;
            snprintf(o->why, sizeof(o->why), "%s", err ? strerror(-err) : o->c.message);
            o->refused = !err && strstr(o->c.message, "too many sessions");
            o->dropped = !o->refused && got_limit_error(&o->c, err, "-timeout");
            client_close(&o->c);
            o->open = false;
        }
    }
    int admitted = 0, dropped_in_time = 0, refused = 0;
    for (int i = 0; i < N; i++) {
        refused += h[i].refused;
        if (h[i].refused)
            continue;
        admitted++;
        /* Every admitted hoarder had HELLO (or its idle) deadline at most
         * HELLO_S after connecting, which was within the first second. */
        if (h[i].dropped && h[i].at < HELLO_S + 1 + SLACK_S)
            dropped_in_time++;
        else
            printf("# hoarder %d (%s): %s after %.1f s: %s\n", i, kind_name[h[i].kind],
                   h[i].open ? "still connected" : "closed", h[i].open ? now_s() - t0 : h[i].at,
                   h[i].why);
    }
    result(admitted > 0 && dropped_in_time == admitted,
           "64 idle clients (silent, trickling a byte a second, before and after HELLO): the "
           "%d admitted are dropped at their deadline (%d in time), %d refused", admitted,
           dropped_in_time, refused);
    /* And the slots are free again for a client that does its work. */
    bool served = daemon_serves();
    struct client g;
    int st = -1;
    if (session(&g, 0)) {
        st = create_surface(&g, 1, 64, 64);
        client_close(&g);
    }
    result(served && st == VW_OK, "after the hoarders, a well-behaved client is served (%d)", st);
    for (int i = 0; i < N; i++)
        if (h[i].open)
            client_close(&h[i].c);
    free(h);
}

/* ---- (b) receive buffers under the budget -------------------------------- */

static void case_stalled_messages(void)
{
    enum { N = 4 };
    uint8_t *zeros = calloc(1, VW_MAX_MESSAGE);
    struct client s[N], big;
    if (!zeros)
        return result(false, "stalled messages: memory");
    double t0[N];
    int n_charged = 0, n_refused = 0;
    char why[VW_MESSAGE_TEXT_MAX + 1] = "";
    for (int i = 0; i < N; i++) {
        if (!session(&s[i], 0)) {
            free(zeros);
            return result(false, "stalled messages: session %d", i);
        }
        /* The largest message, 1 MiB of it sent, then silence. */
        t0[i] = now_s();
        send_partial(&s[i], VW_OP_PUT_IMAGE, VW_MAX_MESSAGE, MIB, zeros);
    }
    for (int i = 0; i < N; i++) {
        int err = read_within(&s[i], 700);
        if (err == -ETIMEDOUT) {
            n_charged++;
        } else if (!err && s[i].hdr.opcode == (VW_OP_PUT_IMAGE | VW_REPLY_BIT) &&
                   s[i].status == VW_ERR_LIMIT && strstr(s[i].message, "daemon's memory limit")) {
            n_refused++;
            snprintf(why, sizeof(why), "%s", s[i].message);
        }
    }
    /* 160 MiB holds two buffers of 64 MiB (less the first 64 KiB, free). */
    result(n_charged == 2 && n_refused == 2,
           "4 sessions stall in a 64 MiB message with a 160 MiB budget: %d held, %d refused at "
           "once with LIMIT: %s", n_charged, n_refused, why);

    /* A whole large message is refused too while the budget is held, and
     * the session stays in step after the refusal. */
    int st_full = -1, st_after = -1;
    if (session(&big, 0)) {
        struct vw_header h = {.opcode = VW_OP_CREATE_SURFACE, .length = VW_MAX_MESSAGE,
                              .request_id = big.next_id++};
        if (write_all(&big, &h, sizeof(h)) && write_all(&big, zeros, VW_MAX_MESSAGE) &&
            read_within(&big, 5000) == 0 && big.hdr.request_id == h.request_id)
            st_full = big.status;
        st_after = request(&big, VW_OP_QUERY_CAPS, NULL, 0, NULL, 0, NULL, 0);
    }
    result(st_full == VW_ERR_LIMIT && st_after == VW_OK,
           "a complete 64 MiB message while the budget is held -> LIMIT (%d); the session "
           "then still answers QUERY_CAPS (%d)", st_full, st_after);

    /* The stalled ones are dropped at the message deadline: MESSAGE_S plus
     * a second for the MiB received. */
    int dropped = 0;
    for (int i = 0; i < N; i++) {
        int err = read_within(&s[i], (int)((t0[i] + MESSAGE_S + 1 + SLACK_S - now_s()) * 1000));
        if (got_limit_error(&s[i], err, "--message-timeout"))
            dropped++;
        else
            printf("# stalled session %d: %s\n", i, err ? strerror(-err) : s[i].message);
        client_close(&s[i]);
    }
    result(dropped == N, "the stalled sessions are dropped at the message deadline (%d of %d)",
           dropped, N);

    /* Their buffers are given back: the same message is read (and found
     * malformed by its handler) now. */
    st_full = -1;
    if (big.ch) {
        struct vw_header h = {.opcode = VW_OP_CREATE_SURFACE, .length = VW_MAX_MESSAGE,
                              .request_id = big.next_id++};
        if (write_all(&big, &h, sizeof(h)) && write_all(&big, zeros, VW_MAX_MESSAGE) &&
            read_within(&big, 5000) == 0)
            st_full = big.status;
    }
    result(st_full == VW_ERR_MALFORMED,
           "with the stalled buffers given back, a 64 MiB message is received (%d: MALFORMED "
           "from its handler)", st_full);

    /* A slow but steady client (6 MiB at 2.5 MiB/s: longer than the base
     * deadline, within its second per MiB) is served. */
    int st_slow = -1;
    if (big.ch) {
        struct vw_header h = {.opcode = VW_OP_CREATE_SURFACE, .length = 6 * MIB,
                              .request_id = big.next_id++};
        bool ok = write_all(&big, &h, sizeof(h));
        for (uint32_t sent = 0; ok && sent < h.length; sent += 256 * 1024) {
            usleep(100 * 1000);
            ok = write_all(&big, zeros, 256 * 1024);
        }
        if (ok && read_within(&big, 5000) == 0 && big.hdr.request_id == h.request_id)
            st_slow = big.status;
    }
    result(st_slow == VW_ERR_MALFORMED,
           "a 6 MiB message trickled at 2.5 MiB/s (%.1f s) is received whole (%d)",
           6 / 2.5, st_slow);
    if (big.ch)
        client_close(&big);
    free(zeros);
}

/* ---- (d) the idle deadline ----------------------------------------------- */

static void case_idle(void)
{
    struct client idle, holder, busy;
    if (!session(&idle, 0) || !session(&holder, 0) || !session(&busy, 0))
        return result(false, "idle: sessions");
    double t0 = now_s();
    int st_surface = create_surface(&holder, 1, 64, 64);
    int err = -ETIMEDOUT, busy_ok = 0, busy_n = 0;
    while (err == -ETIMEDOUT && now_s() - t0 < IDLE_S + SLACK_S + 1) {
        err = read_within(&idle, 500);
        busy_n++;
        busy_ok += request(&busy, VW_OP_QUERY_CAPS, NULL, 0, NULL, 0, NULL, 0) == VW_OK;
    }
    double at = now_s() - t0;
    bool dropped = got_limit_error(&idle, err, "--idle-timeout");
    result(dropped && at > IDLE_S - 0.3 && at < IDLE_S + SLACK_S,
           "a session idle after HELLO with no objects is dropped after %.1f s (idle "
           "deadline %.0f s): %s", at, IDLE_S, err ? strerror(-err) : idle.message);
    while (now_s() - t0 < IDLE_S + SLACK_S) {
        usleep(400 * 1000);
        busy_n++;
        busy_ok += request(&busy, VW_OP_QUERY_CAPS, NULL, 0, NULL, 0, NULL, 0) == VW_OK;
    }
    struct vw_surface_ref q = {.surface_id = 1};
    int st_holder = REQ1(&holder, VW_OP_QUERY_SURFACE, q);
    result(st_surface == VW_OK && st_holder == VW_OK && busy_ok == busy_n,
           "a session holding a surface survives %.1f s idle (%d), one sending a request "
           "every 0.5 s too (%d of %d answered)", now_s() - t0, st_holder, busy_ok, busy_n);
    client_close(&idle);
    client_close(&holder);
    client_close(&busy);
}

/* ---- (e) a quota per uid ------------------------------------------------- */

static int served_as_nobody(void)
{
    struct passwd *pw = getpwnam("nobody");
    uid_t uid = pw ? pw->pw_uid : 65534;
    gid_t gid = pw ? pw->pw_gid : 65534;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        if (setgid(gid) != 0 || setuid(uid) != 0)
            _exit(3);
        _exit(daemon_serves() ? 0 : 1);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
        return -1;
    return WEXITSTATUS(status);
}

static void case_quota(void)
{
    struct client *mine = calloc(per_client + 1, sizeof(*mine));
    if (!mine)
        return result(false, "quota: memory");
    uint32_t opened = 0;
    /* Each with a surface, so that no deadline ends it during the case. */
    while (opened < per_client && session(&mine[opened], 0)) {
        create_surface(&mine[opened], 1, 64, 64);
        opened++;
    }
    struct client extra;
    bool refused = false;
    if (client_open(&extra)) {
        refused = got_limit_error(&extra, read_within(&extra, 1000),
                                  "--max-sessions-per-client");
        if (!refused)
            printf("# session %u of uid %u: %s\n", opened + 1, (unsigned)geteuid(),
                   extra.message);
        client_close(&extra);
    }
    result(opened == per_client && refused,
           "uid %u: %u sessions served, the next refused at connect with LIMIT naming "
           "--max-sessions-per-client", (unsigned)geteuid(), opened);
    if (geteuid() != 0) {
        printf("ok - # SKIP another uid's session while this one is at its quota (not root)\n");
    } else {
        int rc = served_as_nobody();
        result(rc == 0, "another uid (nobody) is served while uid 0 is at its quota (%d)", rc);
    }
    for (uint32_t i = 0; i < opened; i++)
        client_close(&mine[i]);
    free(mine);
}

int main(int argc, char **argv)
{
    bool hoard_only = argc == 4 && !strcmp(argv[3], "--hoard");
    if (argc != 3 && !hoard_only) {
        fprintf(stderr, "usage: hostile_slots SOCKET PER_CLIENT_QUOTA [--hoard]\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    socket_path = argv[1];
    per_client = (uint32_t)strtoul(argv[2], NULL, 10);
    if (!daemon_serves()) {
        printf("not ok - daemon at %s answers HELLO + QUERY_CAPS\n", socket_path);
        return 1;
    }
    if (hoard_only) {
        /* Longer than hostile_slots.sh tries ffmpeg for (6 s). */
        case_hoarders(9);
        printf("%s: %d failure(s)\n", failures ? "FAIL" : "PASS", failures);
        return failures ? 1 : 0;
    }
    case_trickled_hello();
    case_hoarders(HELLO_S + 4);
    case_stalled_messages();
    case_idle();
    case_quota();
    printf("%s: %d failure(s)\n", failures ? "FAIL" : "PASS", failures);
    return failures ? 1 : 0;
}
