/*
 * DRM render nodes opened by the supervisor for the workers' vaapi engine,
 * so that a worker (dropped to an unprivileged user, outside group
 * `render`) needs no access to /dev/dri of its own: each worker gets them
 * as fds VH_WORKER_RENDER_FD0.. and their paths in VIVAC_VAAPI_FDS
 * ("6=/dev/dri/renderD128;7=..."), which the vaapi engine tries in order
 * (vaapi_display.c) before opening a node itself.
 */
#ifndef VIVAC_HOST_RENDER_NODES_H
#define VIVAC_HOST_RENDER_NODES_H

#include <stddef.h>

/* The first of the render node fds a worker gets (after the control,
 * budgets and GPU process fds: worker_control.h). */
#define VH_WORKER_RENDER_FD0 6
#define VH_RENDER_NODES_MAX 8

struct vh_render_nodes {
    int fds[VH_RENDER_NODES_MAX];
    char paths[VH_RENDER_NODES_MAX][64];
    unsigned count;
};

/* Opens `device` (--vaapi-device), or where NULL or empty every
 * /dev/dri/renderD* in name order (at most VH_RENDER_NODES_MAX), read and
 * write, close-on-exec. A node that does not open is logged (info) and
 * left out; none at all is no error (count 0: the engine then opens nodes
 * itself, as without a supervisor). Sets VIVAC_VAAPI_FDS for the workers
 * when count > 0. */
void vh_render_nodes_open(struct vh_render_nodes *nodes, const char *device);
/* A worker's side: how many render node fds it was given (the entries of
 * VIVAC_VAAPI_FDS, at most VH_RENDER_NODES_MAX), so that it keeps them. */
unsigned vh_render_nodes_passed(void);
/* Closes them and unsets VIVAC_VAAPI_FDS; accepts an empty set. */
void vh_render_nodes_close(struct vh_render_nodes *nodes);

#endif
