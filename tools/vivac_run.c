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

#include "tools/daemon.h"
#include "tools/vivac.h"

static volatile sig_atomic_t child_pid;

static void forward_signal(int sig)
{
    if (child_pid > 0)
        kill((pid_t)child_pid, sig);
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

    struct vivac_daemon d;
    if (vivac_daemon_start(engine, socket_opt, &d) != 0)
        return 1;
    int rc = 1;
    const char *sock = d.socket;

    setenv("VIVAC_SOCKET", sock, 1);
    setenv("LIBVA_DRIVER_NAME", "vivac", 1);
    const char *drivers = vivac_driver_dir();
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
        rc = vivac_exit_status(status);
    }

    vivac_daemon_stop(&d);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    return rc;
}
