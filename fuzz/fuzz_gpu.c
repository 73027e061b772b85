/*
 * Fuzz target: the GPU process's request server (src/host/engines/nvdec/
 * nvdec_gpu_*.c) against a hostile worker, on the CPU fakes of CUDA and
 * cuvid (test builds: VIVAC_TEST_FAKE_NVDEC, nvdec_fake.c). The GPU process
 * treats every worker as compromised; this drives it as one.
 *
 * Each input is one worker's life on a fresh server: the harness says
 * HELLO and gives the lane a sealed 1 MiB staging memfd (so that inputs
 * reach the requests behind them), then sends the input's packets:
 *   u8 type, u8 flags, u16 body length (little endian, clamped to what
 *   remains), body
 * as a request of that type with that body; flags bit 0 attaches a fresh
 * memfd of 1 MiB (bit 1: sealed against shrinking), which the request
 * types that take one need. Each reply is read; a connection the server
 * ends (a malformed request) ends the input. Then the worker leaves and the
 * server is destroyed: every object must be freed (LeakSanitizer).
 */
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "host/engines/nvdec/nvdec_gpu_proto.h"
#include "host/engines/nvdec/nvdec_gpu_server.h"
#include "host/seqpacket.h"

#define STAGING (1u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct nvdec_engine *engine;

/* A memfd of STAGING bytes, sealed against shrinking if asked; -1 on error. */
static int make_memfd(int seal)
{
    int fd = memfd_create("fuzz-gpu", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0)
        return -1;
    if (ftruncate(fd, STAGING) != 0 ||
        (seal && fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_SEAL) != 0)) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Sends one request and reads its reply: 0, or -1 once the server has
 * ended the connection. */
static int request(int fd, uint32_t type, uint32_t id, const void *body, size_t len, int pass)
{
    static uint8_t buf[NGP_MAX_MESSAGE];
    struct ngp_hdr h = {.type = type, .length = (uint32_t)(sizeof(h) + len), .id = id};
    memcpy(buf, &h, sizeof(h));
    if (len)
        memcpy(buf + sizeof(h), body, len);
    if (vh_packet_send(fd, buf, h.length, pass) != 0)
        return -1;
    /* A lane answers every request it keeps; a slow one (the fake decodes
     * on the CPU) is waited for, a silent one is a hang. */
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, 10000) != 1)
        abort();
    int got = -1;
    long n = vh_packet_recv(fd, buf, sizeof(buf), &got);
    if (got >= 0)
        abort();                              /* the server never sends an fd */
    return n > 0 ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct vh_error err;
    if (!engine) {
        /* FUZZ_GPU_LOG=1: the server's reasons for what it refuses (to
         * check that seeds get past the checks). */
        vc_log_set_level(getenv("FUZZ_GPU_LOG") ? VC_LOG_DEBUG : VC_LOG_ERROR);
        setenv("VIVAC_TEST_FAKE_NVDEC", "64x64", 1);
        if (nvdec_engine_open(&engine, NULL, NULL, &err) != VW_OK)
            abort();
    }
    struct ngp_server *s;
    if (ngp_server_create(engine, &s, &err) != VW_OK)
        abort();
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0 ||
        ngp_server_attach(s, 1, 64u << 20, sv[1], &err) != VW_OK)
        abort();
    int fd = sv[0];
    uint32_t id = 1;
    struct ngp_hello hello = {.version = NGP_VERSION};
    struct ngp_set_staging st = {.size = STAGING};
    int staging = make_memfd(1);
    int alive = staging >= 0 &&
                request(fd, NGP_HELLO, id++, &hello, sizeof(hello), -1) == 0 &&
                request(fd, NGP_SET_STAGING, id++, &st, sizeof(st), staging) == 0;
    if (staging >= 0)
        close(staging);
    while (alive && size >= 4) {
        uint8_t type = data[0], flags = data[1];
        size_t len = (size_t)data[2] | (size_t)data[3] << 8;
        data += 4, size -= 4;
        if (len > size)
            len = size;
        if (len > NGP_MAX_MESSAGE - sizeof(struct ngp_hdr))
            len = NGP_MAX_MESSAGE - sizeof(struct ngp_hdr);
        int pass = (flags & 1) ? make_memfd(flags & 2) : -1;
        alive = request(fd, type, id++, data, len, pass) == 0;
        if (pass >= 0)
            close(pass);
        data += len, size -= len;
    }
    close(fd);
    ngp_server_destroy(&s);
    return 0;
}
