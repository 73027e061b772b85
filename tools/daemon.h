/* A private vivacd for one command of the `vivac` tool (run, replay). */
#ifndef VIVAC_TOOLS_DAEMON_H
#define VIVAC_TOOLS_DAEMON_H

#include <limits.h>
#include <sys/types.h>

struct vivac_daemon {
    pid_t pid;
    char dir[PATH_MAX];           /* temporary directory we made, or "" */
    char socket[PATH_MAX];
};

/* Starts vivacd ($VIVACD, else the build tree's, else from PATH) with
 * `--engine engine` on `socket_path` (NULL: a socket in a fresh temporary
 * directory) and waits until it accepts connections. The log level is
 * $VIVAC_LOG, else warn. Returns 0, or -1 after printing why. */
int vivac_daemon_start(const char *engine, const char *socket_path, struct vivac_daemon *d);

/* SIGTERM, wait, remove the temporary directory. Returns vivacd's exit
 * status (0: clean), and prints it when not 0. */
int vivac_daemon_stop(struct vivac_daemon *d);

/* Driver directory: $VIVAC_DRIVER_DIR, else the build tree's (if it holds
 * the driver), else libva's driver directory (may be ""). */
const char *vivac_driver_dir(void);

/* Exit status of a waitpid() status, shell style (128 + signal). */
int vivac_exit_status(int status);

#endif
