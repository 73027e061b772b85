/*
 * Supervisor -> GPU process: "serve this worker" (engine.h, serve_gpu).
 * One fixed-size message a packet on an AF_UNIX SOCK_SEQPACKET socket,
 * the worker's connection to the GPU process attached (SCM_RIGHTS).
 */
#ifndef VIVAC_HOST_GPU_ATTACH_H
#define VIVAC_HOST_GPU_ATTACH_H

#include <assert.h>
#include <stdint.h>

enum vh_gpu_attach_type {
    VH_GPU_ATTACH_WORKER = 1,
};

struct vh_gpu_attach {
    uint32_t type;                            /* VH_GPU_ATTACH_WORKER */
    uint32_t worker_id;                       /* for the log; unique among live workers */
    uint64_t gpu_limit_bytes;                 /* the worker's GPU memory in the GPU process; 0: none */
};
static_assert(sizeof(struct vh_gpu_attach) == 16, "wire size");

/* Sends msg with fd attached (fd stays open here). 0 or -errno. */
int vh_gpu_attach_send(int sock, const struct vh_gpu_attach *msg, int fd);

/* Receives one message and its descriptor (close-on-exec). 0, -ECONNRESET
 * when the socket was closed, -EBADMSG for a packet of another size or
 * without exactly one descriptor (nothing leaks), or -errno. */
int vh_gpu_attach_recv(int sock, struct vh_gpu_attach *msg, int *fd);

#endif
