/*
 * vivacd's listener: accepts connections on a Unix socket and runs one
 * session per connection on its own thread, until stop_fd becomes readable
 * (main.c makes it a signalfd for SIGTERM/SIGINT).
 */
#ifndef VIVAC_HOST_SERVER_H
#define VIVAC_HOST_SERVER_H

#include <stdint.h>

#include "host/engine.h"
#include "host/session.h"

struct vh_server_config {
    const char *socket_path;      /* its parent directory is created if missing */
    struct vh_engine *engine;     /* shared by all sessions; not owned */
    uint32_t max_sessions;        /* 0: unlimited */
    struct vh_limits limits;
    const char *record_dir;       /* --record DIR: one trace per session; NULL: off */
};

/* Listens, serves, and on stop: stops accepting, shuts every session's
 * channel down, joins the session threads and unlinks the socket.
 * Returns 0 after a requested stop, -errno if the socket cannot be set up. */
int vh_server_run(const struct vh_server_config *config, int stop_fd);

#endif
