/* `vivac run`: a private vivacd around one command. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tools/vivac.h"
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

#define START_TIMEOUT_MS 5000

static volatile sig_atomic_t child_pid;

static void forward_signal(int sig)
{
    if (child_pid > 0)
        kill((pid_t)child_pid, sig);
}

/* vivacd binary: $VIVACD, else the build tree's, else "vivacd" from PATH. */
static const char *find_vivacd(void)
{
    const char *env = getenv("VIVACD");
    if (env && *env)
        return env;
    if (*VIVAC_BUILD_VIVACD && access(VIVAC_BUILD_VIVACD, X_OK) == 0)
        return VIVAC_BUILD_VIVACD;
    return "vivacd";
}

/* Driver directory: $VIVAC_DRIVER_DIR, else the build tree's (if it holds the
 * driver), else libva's driver directory. */
static const char *find_driver_dir(void)
{
    const char *env = getenv("VIVAC_DRIVER_DIR");
    if (env && *env)
        return env;
    if (*VIVAC_BUILD_DRIVER_DIR) {
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

static int exit_status(int status)
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
                    exit_status(status));
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

static void run_usage(FILE *f)
{
    fprintf(f, "Usage: vivac run [--engine E] [--socket PATH] -- CMD [ARGS...]\n");
}

int vivac_cmd_run(int argc, char **argv)
{
    static const struct option options[] = {
        {"engine", required_argument, NULL, 'e'},
        {"socket", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *engine = "auto";
    const char *socket_opt = NULL;
    int opt;
    optind = 1;
    /* '+': stop at the first non-option so that CMD's options stay its own. */
    while ((opt = getopt_long(argc, argv, "+e:s:h", options, NULL)) != -1) {
        switch (opt) {
        case 'e':
            engine = optarg;
            break;
        case 's':
            socket_opt = optarg;
            break;
        case 'h':
            run_usage(stdout);
            return 0;
        default:
            run_usage(stderr);
            return 2;
        }
    }
    if (optind >= argc) {
        run_usage(stderr);
        return 2;
    }
    char **cmd = argv + optind;

    char dir[PATH_MAX] = "";
    char sock[PATH_MAX];
    if (socket_opt) {
        snprintf(sock, sizeof(sock), "%s", socket_opt);
    } else {
        const char *tmp = getenv("TMPDIR");
        snprintf(dir, sizeof(dir), "%s/vivac-run.XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(dir)) {
            fprintf(stderr, "vivac: mkdtemp %s: %s\n", dir, strerror(errno));
            return 1;
        }
        snprintf(sock, sizeof(sock), "%s/vivacd.sock", dir);
    }

    int rc = 1;
    const char *vivacd = find_vivacd();
    pid_t daemon = fork();
    if (daemon < 0) {
        fprintf(stderr, "vivac: fork: %s\n", strerror(errno));
        goto out_dir;
    }
    if (daemon == 0) {
        const char *level = getenv("VIVAC_LOG");
        execlp(vivacd, vivacd, "--socket", sock, "--engine", engine, "--log-level",
               level && *level ? level : "warn", (char *)NULL);
        fprintf(stderr, "vivac: cannot run %s: %s (set VIVACD to the vivacd binary)\n", vivacd,
                strerror(errno));
        _exit(127);
    }
    if (wait_for_daemon(daemon, sock) != 0)
        goto out_dir;

    setenv("VIVAC_SOCKET", sock, 1);
    setenv("LIBVA_DRIVER_NAME", "vivac", 1);
    const char *drivers = find_driver_dir();
    if (*drivers)
        setenv("LIBVA_DRIVERS_PATH", drivers, 1);

    struct sigaction sa = {.sa_handler = forward_signal};
    sigemptyset(&sa.sa_mask);
    struct sigaction old_int, old_term;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    pid_t child = fork();
    if (child < 0) {
        fprintf(stderr, "vivac: fork: %s\n", strerror(errno));
    } else if (child == 0) {
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGTERM, &old_term, NULL);
        execvp(cmd[0], cmd);
        fprintf(stderr, "vivac: cannot run %s: %s\n", cmd[0], strerror(errno));
        _exit(127);
    } else {
        child_pid = child;
        int status;
        while (waitpid(child, &status, 0) < 0 && errno == EINTR)
            ;
        child_pid = 0;
        rc = exit_status(status);
    }

    kill(daemon, SIGTERM);
    int dstatus;
    while (waitpid(daemon, &dstatus, 0) < 0 && errno == EINTR)
        ;
    if (!(WIFEXITED(dstatus) && WEXITSTATUS(dstatus) == 0))
        fprintf(stderr, "vivac: vivacd ended with status %d\n", exit_status(dstatus));
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);

out_dir:
    if (*dir) {
        unlink(sock); /* normally already removed by vivacd */
        rmdir(dir);
    }
    return rc;
}
