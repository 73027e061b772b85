/* `vivac set`: changes a VM class's share of the engine in a running
 * vivacd, through its admin socket (src/host/admin.h). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/admin_client.h"
#include "tools/vivac.h"

static void set_usage(FILE *f)
{
    fprintf(f,
            "Usage: vivac set CLASS KEY=VALUE[,KEY=VALUE...] [--admin PATH]\n"
            "  CLASS: a --vm's name, local or cid:N; keys: weight=W, reserve=RATE,\n"
            "  limit=RATE (RATE: macroblocks/s or streams like 1080p60, 2x720p30;\n"
            "  0: none); keys not given keep their value. The admin socket is PATH,\n"
            "  default %s.\n",
            vivac_default_admin_socket());
}

/* A word that fits in the one-line request: no blanks, no control bytes. */
static int is_word(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if ((unsigned char)*s <= ' ' || *s == 0x7f)
            return 0;
    return 1;
}

int vivac_cmd_set(int argc, char **argv)
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
            set_usage(stdout);
            return 0;
        default:
            set_usage(stderr);
            return 2;
        }
    }
    if (argc - optind != 2) {
        set_usage(stderr);
        return 2;
    }
    const char *cls = argv[optind], *policy = argv[optind + 1];
    if (!is_word(cls) || !is_word(policy) || !strchr(policy, '=')) {
        fprintf(stderr, "vivac set: CLASS and KEY=VALUE[,...] are single words\n");
        set_usage(stderr);
        return 2;
    }

    size_t n = strlen(cls) + strlen(policy) + 8;
    char *line = malloc(n);
    if (!line) {
        fprintf(stderr, "vivac set: out of memory\n");
        return 1;
    }
    snprintf(line, n, "set %s %s\n", cls, policy);
    int rc = vivac_admin_command("vivac set", path, line);
    free(line);
    return rc;
}
