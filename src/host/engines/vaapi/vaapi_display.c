/* The VA display of the vaapi engine: a DRM render node and the host's
 * libva driver on it. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <va/va_drm.h>

#include "common/log.h"
#include "host/engines/vaapi/vaapi_internal.h"

/* libva's messages go to our log at debug level: its info lines (which
 * driver it tried) are noise in the daemon's log, its errors come back as
 * statuses we report ourselves. */
static void va_message(void *context, const char *message)
{
    size_t n = strlen(message);
    vc_debug("libva: %.*s", (int)(n && message[n - 1] == '\n' ? n - 1 : n), message);
}

/* Initialises libva on `fd` (taken: closed on failure), the node `path`.
 * On failure err says why and nothing is kept. */
static int open_fd(struct vaapi_engine *e, int fd, const char *path, struct vh_error *err)
{
    VADisplay display = vaGetDisplayDRM(fd);
    if (!display) {
        close(fd);
        return vh_error_set(err, VW_ERR_INTERNAL, "vaapi: %s: not a DRM device libva takes",
                            path);
    }
    vaSetErrorCallback(display, va_message, NULL);
    vaSetInfoCallback(display, va_message, NULL);
    int major, minor;
    VAStatus st = vaInitialize(display, &major, &minor);
    if (st != VA_STATUS_SUCCESS) {
        vaTerminate(display);
        close(fd);
        return vh_error_set(err, VW_ERR_INTERNAL, "vaapi: %s: vaInitialize: %s", path,
                            vaErrorStr(st));
    }
    e->fd = fd;
    e->display = display;
    snprintf(e->device, sizeof(e->device), "%s", path);
    return VW_OK;
}

/* Opens `path` and initialises libva on it. */
static int open_one(struct vaapi_engine *e, const char *path, struct vh_error *err)
{
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return vh_error_set(err, VW_ERR_INTERNAL, "vaapi: %s: %s", path, strerror(errno));
    return open_fd(e, fd, path, err);
}

/* The render nodes vivacd's supervisor opened for its workers
 * (src/host/render_nodes.h): "FD=PATH;FD=PATH...", tried in order, each fd
 * duplicated (the worker keeps the one it inherited for engines made
 * later). false when there are none: the engine opens nodes itself. */
static bool open_passed(struct vaapi_engine *e, const char *list, struct vh_error *err)
{
    if (!list || !*list)
        return false;
    vh_error_set(err, VW_ERR_INTERNAL, "vaapi: no render node from vivacd (VIVAC_VAAPI_FDS)");
    char tried[VW_MESSAGE_TEXT_MAX] = "";
    const char *at = list;
    while (*at) {
        size_t len = strcspn(at, ";");
        char entry[128] = "";
        if (len < sizeof(entry))
            memcpy(entry, at, len);
        at += len + (at[len] == ';');
        char *eq = strchr(entry, '=');
        char *end = NULL;
        long passed = eq ? strtol(entry, &end, 10) : -1;
        if (!eq || end != eq || passed < 3 || passed > 1023)
            continue;
        int fd = fcntl((int)passed, F_DUPFD_CLOEXEC, 3);
        if (fd < 0) {
            vh_error_set(err, VW_ERR_INTERNAL, "vaapi: %s (fd %ld from vivacd): %s", eq + 1,
                         passed, strerror(errno));
        } else if (open_fd(e, fd, eq + 1, err) == VW_OK) {
            vc_info("vaapi: %s: opened by vivacd's supervisor (fd %ld)", eq + 1, passed);
            return true;
        }
        vc_info("%s", err->message);
        snprintf(tried, sizeof(tried), "%s", err->message);
    }
    if (tried[0])
        vh_error_set(err, VW_ERR_INTERNAL, "%s (the last render node from vivacd)", tried);
    return true;
}

int vaapi_display_open(struct vaapi_engine *e, const char *path, const char *passed,
                       struct vh_error *err)
{
    e->fd = -1;
    if (open_passed(e, passed, err))
        return e->display ? VW_OK : err->status;
    if (path && *path)
        return open_one(e, path, err);
    /* The first render node whose driver starts, in name order (renderD128
     * first: the one most hosts have). */
    struct dirent **names = NULL;
    int n = scandir("/dev/dri", &names, NULL, alphasort);
    if (n < 0)
        return vh_error_set(err, VW_ERR_INTERNAL, "vaapi: no /dev/dri (%s)", strerror(errno));
    int rc = vh_error_set(err, VW_ERR_INTERNAL, "vaapi: no render node in /dev/dri");
    char tried[VW_MESSAGE_TEXT_MAX] = "";
    for (int i = 0; i < n; i++) {
        if (rc != VW_OK && strncmp(names[i]->d_name, "renderD", 7) == 0) {
            char path_i[300];
            snprintf(path_i, sizeof(path_i), "/dev/dri/%s", names[i]->d_name);
            rc = open_one(e, path_i, err);
            if (rc != VW_OK) {
                vc_info("%s", err->message);
                snprintf(tried, sizeof(tried), "%s", err->message);
            }
        }
        free(names[i]);
    }
    free(names);
    if (rc != VW_OK && tried[0])
        vh_error_set(err, VW_ERR_INTERNAL, "%s (the last render node tried)", tried);
    return rc;
}

void vaapi_display_close(struct vaapi_engine *e)
{
    if (e->display)
        vaTerminate(e->display);
    e->display = NULL;
    if (e->fd >= 0)
        close(e->fd);
    e->fd = -1;
}
