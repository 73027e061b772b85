/*
 * Fuzz target: a VM's control connection end to end. The input is the byte
 * stream that QEMU's virtio-serial chardev delivers to vivacd, up to its
 * EOF: a feeder thread writes it into one end of a socket pair (and drains
 * the daemon's replies, so that neither side blocks the other), and the
 * daemon's real per-connection loop, vh_connection_serve(), serves the other
 * end as a link channel of a VM: link framing (chunks, nonces, garbage,
 * resynchronisation), message framing and the session lifecycle, with the
 * sw engine behind. fuzz_session.c covers the messages themselves.
 *
 * Input format: raw chunk stream, "VVLK" | u32 length | u64 nonce | payload
 * (transport/channel.h); fuzz/make_link_seeds.py writes the seeds in
 * fuzz/corpus_link. At most MAX_SESSIONS sessions per input; no sleeps, no
 * timeouts: a run ends at the input's EOF. Checked besides the sanitizers:
 * no more sessions than valid chunk headers in the input (each session
 * must start at a header of its own: the loop moves forward in the stream). The VM has a small shared region
 * (sessions get slices of it as arenas), unlinked once mapped.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "host/connection.h"
#include "host/engine.h"
#include "host/session.h"
#include "host/vm.h"
#include "transport/channel.h"

#define MAX_SESSIONS 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ---- the guest side: writes the input, reads and drops the replies ------- */

struct feeder {
    int fd;
    const uint8_t *data;
    size_t size;
};

static void *feed(void *arg)
{
    struct feeder *f = arg;
    size_t pos = 0;
    bool writing = true;
    uint8_t sink[16 * 1024];
    for (;;) {
        if (writing && pos == f->size) {
            shutdown(f->fd, SHUT_WR); /* the chardev's EOF */
            writing = false;
        }
        struct pollfd p = {.fd = f->fd, .events = POLLIN | (writing ? POLLOUT : 0)};
        if (poll(&p, 1, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t n = recv(f->fd, sink, sizeof(sink), MSG_DONTWAIT);
            if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
                break; /* the daemon closed its end */
        }
        if (writing && (p.revents & POLLOUT)) {
            ssize_t n = send(f->fd, f->data + pos, f->size - pos, MSG_DONTWAIT | MSG_NOSIGNAL);
            if (n > 0)
                pos += (size_t)n;
            else if (n < 0 && errno != EAGAIN && errno != EINTR)
                writing = false; /* the daemon stopped reading for good */
        }
    }
    return NULL;
}

/* ---- harness -------------------------------------------------------------------- */

struct fuzz_env {
    struct vh_engine *engine;
    struct vh_vm *vm;
};

static struct fuzz_env *fuzz_env(void)
{
    static struct fuzz_env env;
    static int tried;
    if (tried)
        return env.engine ? &env : NULL;
    tried = 1;
    if (!getenv("VIVAC_LOG"))
        vc_log_set_level(VC_LOG_ERROR); /* VIVAC_LOG=debug shows every session */
    signal(SIGPIPE, SIG_IGN);        /* replies after the guest is gone: EPIPE */
    const struct vh_engine_ops *ops = vh_engine_find("sw");
    if (!ops)
        ops = vh_engine_registry[0];
    struct vh_error err = {0};
    if (!ops || ops->create(&env.engine, &err) != VW_OK)
        return NULL;
    /* A VM with a 4 MiB region, in /dev/shm if there is one. */
    char spec[128], why[256], path[64];
    const char *dirs[] = {"/dev/shm", "/tmp"};
    for (int i = 0; i < 2 && !env.vm; i++) {
        snprintf(path, sizeof(path), "%s/vivac-fuzz-link-%d", dirs[i], (int)getpid());
        snprintf(spec, sizeof(spec), "fuzz:/nonexistent/fuzz.sock:%s:4", path);
        unlink(path);
        if (vh_vm_create(spec, NULL, &env.vm, why, sizeof(why)) != 0)
            env.vm = NULL;
        unlink(path); /* mapped: the file is not needed any more */
    }
    if (!env.vm && vh_vm_create("fuzz:/nonexistent/fuzz.sock", NULL, &env.vm, why,
                                 sizeof(why)) != 0) {
        fprintf(stderr, "fuzz_link: no VM: %s\n", why);
        return NULL;
    }
    return &env;
}

/* Offsets in the input where a valid chunk header starts (an upper bound
 * on the sessions a link may start). */
static size_t count_headers(const uint8_t *data, size_t size)
{
    size_t n = 0;
    for (size_t i = 0; i + VT_LINK_HEADER <= size; i++) {
        uint32_t magic, length;
        uint64_t nonce;
        memcpy(&magic, data + i, 4);
        memcpy(&length, data + i + 4, 4);
        memcpy(&nonce, data + i + 8, 8);
        n += magic == VT_LINK_MAGIC && length <= VT_LINK_MAX_CHUNK - VT_LINK_HEADER && nonce;
    }
    return n;
}

static uint32_t next_id(void *opaque)
{
    uint32_t *id = opaque;
    return ++*id;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_env *env = fuzz_env();
    if (!env)
        return 0;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return 0;
    struct feeder f = {.fd = sv[0], .data = data, .size = size};
    pthread_t thread;
    if (pthread_create(&thread, NULL, feed, &f) != 0) {
        close(sv[0]);
        close(sv[1]);
        return 0;
    }
    struct vt_channel *ch = NULL;
    if (vt_link_wrap(sv[1], 0, &ch) == 0) {
        ch->user = env->vm;
        /* Smaller limits than the daemon's keep each run fast. */
        struct vh_limits limits;
        vh_limits_default(&limits);
        limits.max_arena = 1u << 20;
        limits.max_bytes = 64u << 20;
        limits.max_frame_bytes = 4u << 20;
        uint32_t id = 1;
        struct vh_connection conn = {
            .engine = env->engine,
            .limits = &limits,
            .max_sessions = MAX_SESSIONS,
            .next_id = next_id,
            .opaque = &id,
        };
        uint32_t sessions = vh_connection_serve(&conn, ch, id);
        /* Every session starts at a chunk header that no earlier session
         * read: a loop that starts sessions without one (the busy loop of
         * garbage + EOF) breaks this. */
        size_t headers = count_headers(data, size);
        if (sessions > headers) {
            fprintf(stderr, "fuzz_link: %u sessions from %zu chunk headers\n", sessions,
                    headers);
            abort();
        }
    }
    vt_channel_destroy(&ch); /* the feeder sees EOF and ends */
    pthread_join(thread, NULL);
    close(sv[0]);
    return 0;
}
