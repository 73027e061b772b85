/* Render nodes the supervisor opens for its workers (render_nodes.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "host/render_nodes.h"

static void open_one(struct vh_render_nodes *nodes, const char *path)
{
    if (nodes->count == VH_RENDER_NODES_MAX || strlen(path) >= sizeof(nodes->paths[0]))
        return;
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        vc_info("vaapi: %s: %s (the workers open it themselves)", path, strerror(errno));
        return;
    }
    nodes->fds[nodes->count] = fd;
    snprintf(nodes->paths[nodes->count], sizeof(nodes->paths[0]), "%s", path);
    nodes->count++;
}

void vh_render_nodes_open(struct vh_render_nodes *nodes, const char *device)
{
    nodes->count = 0;
    if (device && *device) {
        open_one(nodes, device);
    } else {
        struct dirent **names = NULL;
        int n = scandir("/dev/dri", &names, NULL, alphasort);
        for (int i = 0; i < n; i++) {
            if (strncmp(names[i]->d_name, "renderD", 7) == 0) {
                char path[300];
                snprintf(path, sizeof(path), "/dev/dri/%s", names[i]->d_name);
                open_one(nodes, path);
            }
            free(names[i]);
        }
        free(names);
    }
    if (nodes->count == 0)
        return;
    char text[VH_RENDER_NODES_MAX * 72] = "";
    size_t used = 0;
    for (unsigned i = 0; i < nodes->count && used < sizeof(text); i++) {
        int k = snprintf(text + used, sizeof(text) - used, "%s%d=%s", i ? ";" : "",
                         VH_WORKER_RENDER_FD0 + (int)i, nodes->paths[i]);
        used += k > 0 ? (size_t)k : 0;
    }
    if (setenv("VIVAC_VAAPI_FDS", text, 1) != 0)
        vc_warn("vaapi: cannot pass the render nodes to the workers: %s", strerror(errno));
}

unsigned vh_render_nodes_passed(void)
{
    const char *list = getenv("VIVAC_VAAPI_FDS");
    if (!list || !*list)
        return 0;
    unsigned n = 1;
    for (const char *c = list; *c; c++)
        n += *c == ';';
    return n < VH_RENDER_NODES_MAX ? n : VH_RENDER_NODES_MAX;
}

void vh_render_nodes_close(struct vh_render_nodes *nodes)
{
    for (unsigned i = 0; i < nodes->count; i++)
        close(nodes->fds[i]);
    nodes->count = 0;
    unsetenv("VIVAC_VAAPI_FDS");
}
