/*
 * The supervisor and its workers talk over one SOCK_SEQPACKET socket pair
 * per worker: fixed-size messages, one per packet; a new connection travels
 * as a message with its socket attached (SCM_RIGHTS). The worker end is
 * fd 3 of the worker (VH_WORKER_CONTROL_FD), the shared budgets fd 4.
 *
 * The supervisor trusts nothing a worker says: a worker may be compromised.
 * It takes no file descriptors from a worker (vh_control_recv without fd
 * refuses a message that carries one), and a message of the wrong size or
 * type, or with a descriptor, ends the worker.
 */
#ifndef VIVAC_HOST_WORKER_CONTROL_H
#define VIVAC_HOST_WORKER_CONTROL_H

#include <stdint.h>

#define VH_WORKER_CONTROL_FD 3
#define VH_WORKER_BUDGETS_FD 4
/* With --gpu-process: the worker's connection to the GPU process. */
#define VH_WORKER_GPU_FD 5

enum vh_control_type {
    VH_CONTROL_CONNECTION = 1,    /* supervisor -> worker, socket attached */
    VH_CONTROL_ENDED = 2,         /* worker -> supervisor: connection `id` is over */
    VH_CONTROL_PING = 3,          /* supervisor -> worker (watchdog) */
    VH_CONTROL_PONG = 4,          /* worker -> supervisor, same `arg` */
    VH_CONTROL_READY = 5,         /* worker -> supervisor: sandboxed, serving;
                                   * arg: the GPU's memory in bytes (0: none) */
    /* The decode scheduler (scheduler.h): a worker asks before each engine
     * decode, under a ticket of its own choosing (`id`), describing the
     * picture in `job`; the supervisor grants tickets in the order it
     * decides; the worker says when each granted decode is done (`job`:
     * engine time, failed). */
    VH_CONTROL_ASK = 6,           /* worker -> supervisor */
    VH_CONTROL_GRANT = 7,         /* supervisor -> worker */
    VH_CONTROL_DONE = 8,          /* worker -> supervisor */
    /* Supervisor -> the GPU process (gpu_process.h): serve the worker of
     * budget slot `id` on the attached socket, its GPU memory at most `arg`
     * bytes (0: no limit). */
    VH_CONTROL_GPU_ATTACH = 9,
};

/* ASK and DONE: one picture. */
struct vh_control_job {
    uint32_t codec;               /* enum vw_codec */
    uint32_t macroblocks;         /* 16x16 blocks of the picture (ASK) */
    uint64_t engine_ns;           /* DONE: how long the engine took */
    uint32_t failed;              /* DONE: 1 if the decode failed */
    uint32_t reserved;
};

/* How the attached socket speaks (the worker wraps it accordingly). */
enum vh_control_transport {
    VH_TRANSPORT_UNIX = 1,        /* local client: one session, fds passed */
    VH_TRANSPORT_VSOCK = 2,       /* vsock guest: one session, inline data */
    VH_TRANSPORT_LINK = 3,        /* a VM's control socket: link framing */
};

struct vh_control_msg {
    uint32_t type;                /* enum vh_control_type */
    uint32_t id;                  /* connection id, given by the supervisor */
    uint32_t transport;           /* CONNECTION: enum vh_control_transport */
    uint32_t reserved;
    /* CONNECTION: the HELLO deadline (CLOCK_MONOTONIC ms, the same clock in
     * every process; 0: none); PING/PONG: a sequence number; READY: see above. */
    uint64_t arg;
    union {
        char text[48];            /* READY: the engine's name; GPU_ATTACH: the worker's role */
        struct vh_control_job job; /* ASK, DONE */
    };
};

/* Sends one message, with fd attached if fd >= 0 (not closed). 0 or -errno. */
int vh_control_send(int sock, const struct vh_control_msg *msg, int fd);
/* Receives one message (host/seqpacket.h). *fd (if fd is not NULL) gets
 * an attached socket or -1. 0, -ECONNRESET at the end of the stream,
 * -EBADMSG for a packet of the wrong size, with more than one descriptor,
 * or with one where fd is NULL (closed: nothing leaks), another -errno. */
int vh_control_recv(int sock, struct vh_control_msg *msg, int *fd);

#endif
