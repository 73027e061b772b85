/*
 * A test client speaking the wire protocol straight to vivacd, for the
 * programs that play a misbehaving guest (hostile_client.c and the others
 * under tests/e2e/): connection, HELLO, requests and their replies, and the
 * "ok - name" / "not ok - name" result lines.
 */
#ifndef VIVAC_TESTS_WIRE_CLIENT_H
#define VIVAC_TESTS_WIRE_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "transport/arena.h"
#include "transport/channel.h"
#include "transport/message.h"
#include "vivac/protocol.h"

extern const char *socket_path;   /* the daemon's socket; set by main */
extern int failures;              /* "not ok" results so far */

struct client {
    struct vt_channel *ch;
    struct vt_arena arena;
    struct vt_msgbuf buf;
    uint32_t next_id;
    /* last reply */
    struct vw_header hdr;
    int32_t status;
    char message[VW_MESSAGE_TEXT_MAX + 1];
    const uint8_t *body;
    size_t body_len;
};

/* Prints "ok - ..." or "not ok - ..." and counts failures. */
void result(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Connects to socket_path; no HELLO yet. */
bool client_open(struct client *c);
void client_close(struct client *c);
/* Reads one message; fills status/message/body. Returns 0 or -errno. */
int read_reply(struct client *c, int *fd_out);
/* Sends a request (up to three parts) and waits for its reply. Returns the
 * reply status, or -1000 - errno if the transaction failed. */
int request(struct client *c, uint32_t op, const void *a, size_t a_len, const void *b,
            size_t b_len, const void *d, size_t d_len);
#define REQ1(c, op, s) request((c), (op), &(s), sizeof(s), NULL, 0, NULL, 0)
/* HELLO asking for an arena of arena_size bytes (0: none), mapped if given. */
bool hello(struct client *c, uint64_t arena_size);
/* A fresh connection with a completed HELLO. */
bool session(struct client *c, uint64_t arena_size);
/* True if the daemon sent VW_OP_ERROR (request id 0) with `status` and then closed. */
bool expect_error_then_close(struct client *c, int32_t status);
/* True if the connection is closed after the last reply. */
bool closed(struct client *c);
/* A new session answers QUERY_CAPS. */
bool daemon_serves(void);
/* The daemon's engine decodes `profile` in every chroma format of
 * `rt_formats` (VW_RT_* bits; 0: in any): cases that need a profile or
 * format skip where the engine lists none (the vaapi engine). */
bool daemon_lists(uint32_t profile, uint32_t rt_formats);
/* The same for any entrypoint (VIDEOPROC: profile NONE). */
bool daemon_lists_cap(uint32_t profile, uint32_t entrypoint, uint32_t rt_formats);

/* A hostile client's main: prints `usage` unless args_ok, takes SOCKET from
 * argv[1], ignores SIGPIPE and checks the daemon serves; 0, or main's exit
 * status. hostile_finish: "the daemon still serves", the PASS/FAIL line,
 * main's exit status. */
int hostile_start(bool args_ok, char **argv, const char *usage);
int hostile_finish(void);

int create_surface(struct client *c, uint32_t id, uint32_t w, uint32_t h);  /* NV12 */
int destroy_surface(struct client *c, uint32_t id);
int begin_frame(struct client *c, uint32_t codec, uint32_t surface);
int end_frame(struct client *c, uint32_t codec);

#endif
