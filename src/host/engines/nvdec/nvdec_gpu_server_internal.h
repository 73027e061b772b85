/*
 * The GPU process server's internals: shared by nvdec_gpu_server.c
 * (workers, lanes, object tables) and nvdec_gpu_requests.c (requests).
 *
 * Locks: server.lock (the lane list; a lane's fd while it closes),
 * worker.lock (its object table, refs and lane count; never held across
 * CUDA work), object.lock (held during the CUDA work on the object;
 * capture takes the decoder's, then the surface's).
 */
#ifndef VIVAC_NVDEC_GPU_SERVER_INTERNAL_H
#define VIVAC_NVDEC_GPU_SERVER_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "host/engines/nvdec/nvdec_gpu_proto.h"
#include "host/engines/nvdec/nvdec_gpu_server.h"
#include "host/memory_budget.h"

enum ngp_object_kind {
    NGP_OBJ_DECODER,
    NGP_OBJ_SURFACE,
    NGP_OBJ_MEMORY,
};

/* Host memory the GPU process page-locks for one worker (its lanes' staging
 * and its shared memories): beyond it, copies run unlocked (slower), so
 * that a worker cannot lock the host's memory. */
#define NGP_PIN_MAX_PER_WORKER (512ull << 20)

struct ngp_object {
    uint32_t id;                              /* the worker's */
    enum ngp_object_kind kind;
    unsigned refs;                            /* the table's + requests using it (worker.lock) */
    pthread_mutex_t lock;
    uint64_t bytes;                           /* charged to the worker's budget */
    /* Decoder: the device's, and the create info the server built (sizes
     * as reconfigured); `created` false after a failed create. */
    struct nvdec_dec *dec;
    CUVIDDECODECREATEINFO info;
    bool created;
    /* Surface: the GPU process's own description of it. */
    struct vh_surface surface;
    /* Memory: the worker's memfd, mapped here; `pinned` bytes of it
     * page-locked (0 or map_size). */
    uint8_t *map;
    uint64_t map_size, pinned;
};

struct ngp_worker {
    struct ngp_server *srv;
    uint32_t id;
    struct vh_memory_budget budget;           /* the supervisor's limit, enforced here */
    pthread_mutex_t lock;
    bool hello;                               /* HELLO done (on any lane) */
    unsigned lanes;
    uint64_t pinned;                          /* bytes page-locked for it (NGP_PIN_MAX_PER_WORKER) */
    unsigned num_objects;
    struct ngp_object *objects[NGP_MAX_OBJECTS];
};

struct ngp_lane {
    struct ngp_server *srv;
    struct ngp_worker *w;                     /* NULL once ended */
    int fd;                                   /* -1 once closed (server.lock) */
    pthread_t thread;
    bool done;                                /* atomic: the thread has ended */
    uint8_t *buf;                             /* NGP_MAX_MESSAGE: request, then reply */
    uint8_t *staging;                         /* the lane's staging buffer, mapped */
    uint64_t staging_size;
    uint64_t staging_pinned;                  /* bytes of it page-locked, from its start */
    bool pin_failed;                          /* the driver would not: not tried again */
    struct ngp_lane *next;
};

struct ngp_server {
    struct nvdec_engine *e;
    pthread_mutex_t lock;
    bool stopping;
    struct ngp_lane *lanes;
};

/* Objects of w: get (a reference, or NULL for an unknown id or another
 * kind), put (accepts NULL; frees with the last reference), add (the
 * table's reference; refused when the id is taken or the table full),
 * remove (drops the table's reference). */
struct ngp_object *ngp_object_get(struct ngp_worker *w, uint32_t id, enum ngp_object_kind kind);
void ngp_object_put(struct ngp_worker *w, struct ngp_object *o);
int ngp_object_add(struct ngp_worker *w, struct ngp_object *o, struct vh_error *err);
int ngp_object_remove(struct ngp_worker *w, uint32_t id, enum ngp_object_kind kind,
                      struct vh_error *err);
/* Whether id (non-zero) names none of w's objects now. */
bool ngp_object_id_free(struct ngp_worker *w, uint32_t id);

/* Maps a staging memfd for the lane after checking it (a regular file
 * sealed F_SEAL_SHRINK, holding `size` bytes, at most NGP_STAGING_MAX). */
int ngp_lane_set_staging(struct ngp_lane *l, int fd, uint64_t size, struct vh_error *err);
void ngp_lane_unmap(struct ngp_lane *l);
/* Page-locks the first `end` bytes of l's staging buffer (and a little
 * more), if not yet, so that a surface read or write of them runs at the
 * bus's speed; where the driver cannot, they stay pageable (slower, same
 * result). */
void ngp_lane_pin(struct ngp_lane *l, uint64_t end);
/* Maps `size` bytes of fd, which must be a memfd sealed against shrinking
 * that holds them (so that no access here can fault). */
int ngp_map_memfd(const char *what, int fd, uint64_t size, uint8_t **out, struct vh_error *err);
/* Page-locks [p, p + size) for w within its NGP_PIN_MAX_PER_WORKER: true if
 * locked (then ngp_unpin gives it back). */
bool ngp_pin(struct ngp_worker *w, void *p, uint64_t size);
void ngp_unpin(struct ngp_worker *w, void *p, uint64_t size);
/* Another lane of w on fd (taken). */
int ngp_lane_start(struct ngp_server *s, struct ngp_worker *w, int fd, struct vh_error *err);

/* nvdec_gpu_requests.c: serves the packet of `len` bytes in l->buf (fd: an
 * attached descriptor or -1, always taken) and replies. False when it is
 * no request of the protocol (the lane ends). */
bool ngp_serve_request(struct ngp_lane *l, size_t len, int fd);

#endif
