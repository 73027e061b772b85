/*
 * vivacd's supervisor: accepts connections on its Unix socket (local clients,
 * memfd arenas), on each VM's control socket (QEMU's virtio-serial chardev;
 * link framing, sessions one after another on a connection, arenas in the
 * VM's shared region) and optionally on a vsock port, names the client of
 * each (a VM, a uid, a vsock CID), applies the session quotas and hands the
 * connection to that client's worker process (worker_pool.h), until stop_fd
 * becomes readable with SIGTERM or SIGINT (a signalfd: main.c; the signal and
 * its sender's pid are logged). SIGHUP on it, or the admin socket's
 * "reload", reloads the VM files (vm_set.h). It reads
 * no byte a client sends: the workers do, in their sandboxes.
 */
#ifndef VIVAC_HOST_SERVER_H
#define VIVAC_HOST_SERVER_H

#include <stdint.h>

#include "host/admin.h"
#include "host/session.h"
#include "host/worker_pool.h"
#include "host/file_access.h"
#include "host/vm.h"
#include "host/vm_set.h"
#include "host/vsock_allow.h"

struct vh_server_config {
    const char *socket_path;      /* its parent directory is created if missing */
    const char *engine_name;      /* what the workers run (for the log) */
    uint32_t max_sessions;        /* 0: unlimited */
    /* Sessions of one client at most (0: unlimited): a Unix socket peer
     * uid (SO_PEERCRED), a vsock CID, or a VM's control socket. */
    uint32_t max_sessions_per_client;
    struct vh_timeouts timeouts;  /* the HELLO deadline counts from accept, here */
    struct vh_vm_set *vms;        /* VMs served over their control sockets (not owned) */
    unsigned vsock_port;          /* --vsock PORT; 0: off */
    struct vh_vsock_allow vsock_allow; /* --vsock-allow: the guest CIDs served (none: none) */
    struct vh_admin *admin;       /* admin socket and metrics (not owned); NULL: none */
    struct vh_sched *sched;       /* the decode scheduler (not owned); NULL: off */
    struct vh_file_access access; /* the sockets' group and mode */
};

/* Listens and serves; on stop it stops accepting and unlinks the sockets
 * (the caller then ends the workers: vh_pool_destroy). Returns 0 after a
 * requested stop, -errno if a socket cannot be set up. */
/* Listens on the Unix socket at path (its directory made if missing), with
 * access's group and mode. 0 or -errno (logged). */
int vh_listen_unix(const char *path, const struct vh_file_access *access, int *fd);

int vh_server_run(const struct vh_server_config *config, struct vh_pool *pool, int stop_fd);

#endif
