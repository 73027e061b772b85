/* vivac: command-line front end (run, replay, info, set, reload, top). */
#include "tools/vivac.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vivac_config.h"
#include "vivac/protocol.h"

const char *vivac_default_socket(void)
{
    const char *env = getenv("VIVAC_SOCKET");
    return env && *env ? env : VIVAC_DEFAULT_SOCKET;
}

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: vivac COMMAND [OPTIONS]\n"
            "\n"
            "Commands:\n"
            "  run [--engine E] [--socket PATH] -- CMD [ARGS...]\n"
            "        start a private vivacd (engine E, default auto) on a socket in a\n"
            "        fresh temporary directory (or PATH), run CMD with VIVAC_SOCKET,\n"
            "        LIBVA_DRIVER_NAME=vivac and LIBVA_DRIVERS_PATH set, stop the\n"
            "        daemon, and exit with CMD's status\n"
            "  info [--socket PATH]\n"
            "        connect to a running vivacd (default $VIVAC_SOCKET, else %s)\n"
            "        and print its version, engine, limits and capabilities\n"
            "  replay FILE... [--socket PATH | --vm-socket PATH | --engine E] [--streams N]\n"
            "         [--md5] [--no-readback] [--repeat K] [--fps F] [--duration S]\n"
            "        send sessions recorded with `vivacd --record DIR` again (to PATH,\n"
            "        to a VM's control socket as its ports, or to a private vivacd), on\n"
            "        N concurrent connections, pipelined or paced at F frames/s; read\n"
            "        every picture back (--md5: print its MD5) and print frames/s,\n"
            "        END_FRAME latency and late frames (docs/trace.md)\n"
            "  set CLASS KEY=VALUE[,KEY=VALUE...] [--admin PATH]\n"
            "        change how a running vivacd shares the engine: CLASS is a --vm's\n"
            "        name, local or cid:N; keys weight=W, reserve=RATE, limit=RATE (RATE:\n"
            "        macroblocks/s or streams like 1080p60; 0: none), as vivacd --qos takes\n"
            "        them; through the admin socket (default: admin.sock beside\n"
            "        $VIVAC_SOCKET, else %s)\n"
            "  reload [--admin PATH]\n"
            "        a running vivacd reads its configuration's VM files again (as\n"
            "        SIGHUP does); a bad file changes nothing and is named here with\n"
            "        its line (exit status 1)\n"
            "  top [--admin PATH | --metrics unix:PATH | --metrics [ADDR:]PORT]\n"
            "      [--interval S] [--once]\n"
            "        per VM class, refreshed every S seconds (default 1): streams,\n"
            "        frames/s, share of the engine, queue wait p50/p99, memory, errors,\n"
            "        weight, reserve and limit; q quits; --once prints one frame\n"
            "  help, --help      show this help\n"
            "  --version         show the version\n"
            "\n"
            "Environment: VIVACD (vivacd binary for run), VIVAC_DRIVER_DIR (directory\n"
            "of vivac_drv_video.so for run), VIVAC_SOCKET.\n",
            VIVAC_DEFAULT_SOCKET, VIVAC_DEFAULT_ADMIN_SOCKET);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "run") == 0)
        return vivac_cmd_run(argc - 1, argv + 1);
    if (strcmp(cmd, "replay") == 0)
        return vivac_cmd_replay(argc - 1, argv + 1);
    if (strcmp(cmd, "info") == 0)
        return vivac_cmd_info(argc - 1, argv + 1);
    if (strcmp(cmd, "set") == 0)
        return vivac_cmd_set(argc - 1, argv + 1);
    if (strcmp(cmd, "reload") == 0)
        return vivac_cmd_reload(argc - 1, argv + 1);
    if (strcmp(cmd, "top") == 0)
        return vivac_cmd_top(argc - 1, argv + 1);
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(cmd, "--version") == 0) {
        printf("vivac %s (protocol %u.%u)\n", VIVAC_VERSION, VW_VERSION_MAJOR, VW_VERSION_MINOR);
        return 0;
    }
    fprintf(stderr, "vivac: unknown command \"%s\"\n\n", cmd);
    usage(stderr);
    return 2;
}
