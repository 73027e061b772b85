/* `vivac reload`: a running vivacd reads its configuration's VM files
 * again (src/host/vm_set.h), through its admin socket; as SIGHUP does,
 * but the refusal of a bad file comes back here, with its FILE:LINE. */
#include <getopt.h>
#include <stdio.h>

#include "tools/admin_client.h"
#include "tools/vivac.h"

static void reload_usage(FILE *f)
{
    fprintf(f,
            "Usage: vivac reload [--admin PATH]\n"
            "  vivacd reads its configuration file and VM directory again: new VM\n"
            "  files are served, removed ones stop being served, changed QoS applies.\n"
            "  A bad file changes nothing: its FILE:LINE and reason are printed and\n"
            "  the exit status is 1. The admin socket is PATH, default %s.\n",
            vivac_default_admin_socket());
}

int vivac_cmd_reload(int argc, char **argv)
{
    static const struct option options[] = {
        {"admin", required_argument, NULL, 'a'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *path = vivac_default_admin_socket();
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "a:h", options, NULL)) != -1) {
        switch (opt) {
        case 'a':
            path = optarg;
            break;
        case 'h':
            reload_usage(stdout);
            return 0;
        default:
            reload_usage(stderr);
            return 2;
        }
    }
    if (optind != argc) {
        reload_usage(stderr);
        return 2;
    }
    return vivac_admin_command("vivac reload", path, "reload\n");
}
