/*
 * vivacd's listener: accepts connections on its Unix socket (local clients,
 * memfd arenas), on each VM's control socket (QEMU's virtio-serial chardev;
 * link framing, sessions one after another on a connection, arenas in the
 * VM's shared region) and optionally on a vsock port, and runs each
 * connection on its own thread, until stop_fd becomes readable (main.c makes
 * it a signalfd for SIGTERM/SIGINT).
 */
#ifndef VIVAC_HOST_SERVER_H
#define VIVAC_HOST_SERVER_H

#include <stdint.h>

#include "host/engine.h"
#include "host/session.h"
#include "host/vm.h"
#include "host/vsock_allow.h"

struct vh_server_config {
    const char *socket_path;      /* its parent directory is created if missing */
    struct vh_engine *engine;     /* shared by all sessions; not owned */
    uint32_t max_sessions;        /* 0: unlimited */
    /* Sessions of one client at most (0: unlimited): a Unix socket peer
     * uid (SO_PEERCRED), a vsock CID, or a VM's control socket. */
    uint32_t max_sessions_per_client;
    struct vh_timeouts timeouts;  /* deadlines of Unix and vsock sessions */
    struct vh_limits limits;
    const char *record_dir;       /* --record DIR: one trace per session; NULL: off */
    struct vh_vm **vms;           /* --vm: VMs served over their control sockets */
    unsigned num_vms;
    unsigned vsock_port;          /* --vsock PORT; 0: off */
    struct vh_vsock_allow vsock_allow; /* --vsock-allow: the guest CIDs served (none: none) */
};

/* Listens, serves, and on stop: stops accepting, shuts every session's
 * channel down, joins the session threads and unlinks the socket.
 * Returns 0 after a requested stop, -errno if the socket cannot be set up. */
int vh_server_run(const struct vh_server_config *config, int stop_fd);

#endif
