/*
 * Fuzz target: one vivacd session on the sw engine, driven by a stream of
 * messages taken from the input.
 *
 * Input format: a sequence of vw_header + payload; a header's length is
 * clamped to the bytes that remain (the session sees the header as given, so
 * framing errors are reachable). One pseudo-opcode lets an input put bytes
 * into the shared arena the way a guest would:
 *   FUZZ_OP_ARENA_WRITE: payload = u64 arena offset + bytes
 * Replies go to a channel that discards them (and keeps the arena fd of the
 * HELLO reply, which the harness maps like a client). Deterministic: no
 * threads, no time, no randomness.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "host/engine.h"
#include "host/session.h"
#include "transport/arena.h"
#include "transport/channel.h"
#include "vivac/protocol.h"

#define FUZZ_OP_ARENA_WRITE 0xf0000001u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ---- a channel that swallows replies ----------------------------------------- */

static int passed_fd = -1;      /* arena fd of the last HELLO reply (dup) */

static int null_send(struct vt_channel *ch, const struct iovec *iov, int iovcnt, int fd)
{
    /* Touch every byte so that sanitizers see reads of uninitialised or
     * freed reply memory. */
    volatile uint8_t sink = 0;
    for (int i = 0; i < iovcnt; i++)
        for (size_t j = 0; j < iov[i].iov_len; j++)
            sink ^= ((const uint8_t *)iov[i].iov_base)[j];
    (void)sink;
    if (fd >= 0) {
        if (passed_fd >= 0)
            close(passed_fd);
        passed_fd = dup(fd);
    }
    return 0;
}

static int null_recv(struct vt_channel *ch, void *buf, size_t size, int *fd_out)
{
    if (fd_out)
        *fd_out = -1;
    return -ECONNRESET;
}

static bool null_readable(struct vt_channel *ch)
{
    return false;
}

static void null_noop(struct vt_channel *ch)
{
}

static const struct vt_channel_ops null_ops = {
    .name = "fuzz-null",
    .send = null_send,
    .recv = null_recv,
    .readable = null_readable,
    .shutdown = null_noop,
    .destroy = null_noop,
};

/* ---- harness -------------------------------------------------------------------- */

static struct vh_engine *fuzz_engine(void)
{
    static struct vh_engine *engine;
    static int tried;
    if (tried)
        return engine;
    tried = 1;
    if (!getenv("VIVAC_LOG"))
        vc_log_set_level(VC_LOG_ERROR); /* VIVAC_LOG=debug shows every error reply */
    const struct vh_engine_ops *ops = vh_engine_find("sw");
    if (!ops)
        ops = vh_engine_registry[0];
    struct vh_error err = {0};
    if (!ops || ops->create(&engine, &err) != VW_OK)
        engine = NULL;
    return engine;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct vh_engine *engine = fuzz_engine();
    if (!engine)
        return 0;
    struct vt_channel ch = {.ops = &null_ops, .fd = -1, .can_pass_fds = true};
    /* Smaller limits than the daemon's keep each run fast. */
    struct vh_limits limits;
    vh_limits_default(&limits);
    limits.max_arena = 1u << 20;
    limits.max_bytes = 64u << 20;
    limits.max_frame_bytes = 4u << 20;

    struct vh_session *s = NULL;
    if (vh_session_create(engine, &limits, &ch, 1, &s) != 0)
        return 0;
    struct vt_arena arena = {.fd = -1};

    size_t pos = 0;
    while (size - pos >= sizeof(struct vw_header)) {
        struct vw_header hdr;
        memcpy(&hdr, data + pos, sizeof(hdr));
        pos += sizeof(hdr);
        size_t len = hdr.length < size - pos ? hdr.length : size - pos;
        const uint8_t *payload = data + pos;
        pos += len;

        if (hdr.opcode == FUZZ_OP_ARENA_WRITE) {
            uint64_t off;
            if (len < sizeof(off))
                continue;
            memcpy(&off, payload, sizeof(off));
            size_t n = len - sizeof(off);
            if (arena.base && off < arena.size) {
                if (n > arena.size - off)
                    n = (size_t)(arena.size - off);
                memcpy(arena.base + off, payload + sizeof(off), n);
            }
            continue;
        }
        int err = vh_session_handle_message(s, &hdr, payload, len);
        if (passed_fd >= 0 && !arena.base) {
            /* The HELLO reply granted an arena: map it as the client does. */
            int fd = passed_fd;
            passed_fd = -1;
            off_t end = lseek(fd, 0, SEEK_END);
            if (end > 0)
                vt_arena_map(fd, (uint64_t)end, &arena);
            else
                close(fd);
        }
        if (err)
            break;
    }
    vh_session_destroy(&s);
    vt_arena_release(&arena);
    if (passed_fd >= 0) {
        close(passed_fd);
        passed_fd = -1;
    }
    return 0;
}
