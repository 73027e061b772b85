/* A private vivacd for `vivac run` and `vivac replay`. */
#include "tools/daemon.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "transport/channel.h"

#ifndef VIVAC_BUILD_VIVACD
#define VIVAC_BUILD_VIVACD ""
#endif
#ifndef VIVAC_BUILD_DRIVER_DIR
#define VIVAC_BUILD_DRIVER_DIR ""
#endif
#ifndef VIVAC_LIBVA_DRIVERS_DIR
#define VIVAC_LIBVA_DRIVERS_DIR ""
#endif
#ifndef VIVAC_BUILD_TOOL
#define VIVAC_BUILD_TOOL ""
#endif
#ifndef VIVAC_INSTALLED_VIVACD
#define VIVAC_INSTALLED_VIVACD "vivacd"
#endif

/* Whether this vivac is the build tree's (not an installed copy): only
 * that one uses the build tree's vivacd and driver. */
static bool in_build_tree(void)
{
    static int cached = -1;
    if (cached < 0) {
        char self[PATH_MAX], built[PATH_MAX];
        cached = *VIVAC_BUILD_TOOL && realpath("/proc/self/exe", self) &&
                 realpath(VIVAC_BUILD_TOOL, built) && strcmp(self, built) == 0;
    }
    return cached;
}

#define START_TIMEOUT_MS 5000

/* vivacd binary: $VIVACD, else (a build tree's vivac) the build tree's,
 * else the installed one, else "vivacd" from PATH. */
static const char *find_vivacd(void)
{
    const char *env = getenv("VIVACD");
    if (env && *env)
        return env;
    if (in_build_tree() && access(VIVAC_BUILD_VIVACD, X_OK) == 0)
        return VIVAC_BUILD_VIVACD;
    if (access(VIVAC_INSTALLED_VIVACD, X_OK) == 0)
        return VIVAC_INSTALLED_VIVACD;
    return "vivacd";
}

/* Driver directory: $VIVAC_DRIVER_DIR, else (a build tree's vivac) the
 * build tree's if it holds the driver, else libva's driver directory. */
const char *vivac_driver_dir(void)
{
    const char *env = getenv("VIVAC_DRIVER_DIR");
    if (env && *env)
        return env;
    if (in_build_tree() && *VIVAC_BUILD_DRIVER_DIR) {
        char so[PATH_MAX];
        snprintf(so, sizeof(so), "%s/vivac_drv_video.so", VIVAC_BUILD_DRIVER_DIR);
        if (access(so, R_OK) == 0)
            return VIVAC_BUILD_DRIVER_DIR;
    }
    return VIVAC_LIBVA_DRIVERS_DIR;
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

int vivac_exit_status(int status)
{
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return 1;
}

/* Waits until the daemon accepts connections; fails if it exits first. */
static int wait_for_daemon(pid_t pid, const char *sock)
{
    long deadline = now_ms() + START_TIMEOUT_MS;
    for (;;) {
        struct vt_channel *ch = NULL;
        if (vt_unix_connect(sock, &ch) == 0) {
            vt_channel_destroy(&ch);
            return 0;
        }
        int status;
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid) {
            fprintf(stderr, "vivac: vivacd exited before accepting connections (status %d)\n",
                    vivac_exit_status(status));
            return -1;
        }
        if (now_ms() > deadline) {
            fprintf(stderr, "vivac: vivacd did not accept connections on %s within %d s\n", sock,
                    START_TIMEOUT_MS / 1000);
            kill(pid, SIGTERM);
            waitpid(pid, NULL, 0);
            return -1;
        }
        usleep(20 * 1000);
    }
}

int vivac_daemon_start(const char *engine, const char *socket_path, struct vivac_daemon *d)
{
    memset(d, 0, sizeof(*d));
    d->pid = -1;
    if (socket_path) {
        snprintf(d->socket, sizeof(d->socket), "%s", socket_path);
    } else {
        const char *tmp = getenv("TMPDIR");
        snprintf(d->dir, sizeof(d->dir), "%s/vivac-run.XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(d->dir)) {
            fprintf(stderr, "vivac: mkdtemp %s: %s\n", d->dir, strerror(errno));
            d->dir[0] = '\0';
            return -1;
        }
        /* mkdtemp's name is short: the socket's path always fits */
        if (snprintf(d->socket, sizeof(d->socket), "%s/vivacd.sock", d->dir) >=
            (int)sizeof(d->socket))
            return -1;
    }
    const char *vivacd = find_vivacd();
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "vivac: fork: %s\n", strerror(errno));
        goto err_dir;
    }
    if (pid == 0) {
        const char *level = getenv("VIVAC_LOG");
        /* --config none: a private daemon serves no VM of the system's files
         * (their sockets are the system daemon's). */
        execlp(vivacd, vivacd, "--socket", d->socket, "--engine", engine, "--log-level",
               level && *level ? level : "warn", "--config", "none", (char *)NULL);
        fprintf(stderr, "vivac: cannot run %s: %s (set VIVACD to the vivacd binary)\n", vivacd,
                strerror(errno));
        _exit(127);
    }
    if (wait_for_daemon(pid, d->socket) != 0)
        goto err_dir;
    d->pid = pid;
    return 0;

err_dir:
    if (*d->dir) {
        unlink(d->socket);
        rmdir(d->dir);
        d->dir[0] = '\0';
    }
    return -1;
}

int vivac_daemon_stop(struct vivac_daemon *d)
{
    int rc = 0;
    if (d->pid > 0) {
        kill(d->pid, SIGTERM);
        int status;
        while (waitpid(d->pid, &status, 0) < 0 && errno == EINTR)
            ;
        rc = vivac_exit_status(status);
        if (rc != 0)
            fprintf(stderr, "vivac: vivacd ended with status %d\n", rc);
        d->pid = -1;
    }
    if (*d->dir) {
        unlink(d->socket); /* normally already removed by vivacd */
        rmdir(d->dir);
        d->dir[0] = '\0';
    }
    return rc;
}
