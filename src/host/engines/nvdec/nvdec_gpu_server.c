/*
 * The GPU process's server: workers, lanes, objects (nvdec_gpu_server.h).
 * The requests themselves are in nvdec_gpu_requests.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "host/engines/nvdec/nvdec_gpu_server_internal.h"
#include "host/seqpacket.h"

/* ---- objects ------------------------------------------------------------------ */

struct ngp_object *ngp_object_get(struct ngp_worker *w, uint32_t id, enum ngp_object_kind kind)
{
    struct ngp_object *found = NULL;
    pthread_mutex_lock(&w->lock);
    for (unsigned i = 0; i < w->num_objects; i++) {
        if (w->objects[i]->id == id) {
            if (w->objects[i]->kind == kind) {
                found = w->objects[i];
                found->refs++;
            }
            break;
        }
    }
    pthread_mutex_unlock(&w->lock);
    return found;
}

/* Frees the object's device memory and its charge. No lock held. */
static void object_free(struct ngp_worker *w, struct ngp_object *o)
{
    struct nvdec_engine *e = w->srv->e;
    if (o->kind == NGP_OBJ_DECODER) {
        e->dev->dec_close(&o->dec, 0);       /* the reaper destroys the decoder */
    } else if (o->kind == NGP_OBJ_SURFACE) {
        e->dev->surface_fini(&e->base, &o->surface);
    } else {
        if (o->pinned)
            ngp_unpin(w, o->map, o->pinned);
        munmap(o->map, o->map_size);
    }
    vh_budget_give(&w->budget, o->bytes);
    pthread_mutex_destroy(&o->lock);
    free(o);
}

void ngp_object_put(struct ngp_worker *w, struct ngp_object *o)
{
    if (!o)
        return;
    pthread_mutex_lock(&w->lock);
    bool last = --o->refs == 0;
    pthread_mutex_unlock(&w->lock);
    if (last)
        object_free(w, o);
}

int ngp_object_add(struct ngp_worker *w, struct ngp_object *o, struct vh_error *err)
{
    int rc = VW_OK;
    pthread_mutex_lock(&w->lock);
    for (unsigned i = 0; i < w->num_objects && !rc; i++)
        if (w->objects[i]->id == o->id)
            rc = vh_error_set(err, VW_ERR_INVALID_ID, "gpu: id %u already in use", o->id);
    if (!rc && w->num_objects == NGP_MAX_OBJECTS)
        rc = vh_error_set(err, VW_ERR_LIMIT, "gpu: more than %u objects", NGP_MAX_OBJECTS);
    if (!rc) {
        o->refs = 1;                          /* the table's */
        w->objects[w->num_objects++] = o;
    }
    pthread_mutex_unlock(&w->lock);
    return rc;
}

bool ngp_object_id_free(struct ngp_worker *w, uint32_t id)
{
    bool used = false;
    pthread_mutex_lock(&w->lock);
    for (unsigned i = 0; i < w->num_objects; i++)
        used |= w->objects[i]->id == id;
    pthread_mutex_unlock(&w->lock);
    return !used && id != 0;
}

int ngp_object_remove(struct ngp_worker *w, uint32_t id, enum ngp_object_kind kind,
                      struct vh_error *err)
{
    struct ngp_object *o = NULL;
    pthread_mutex_lock(&w->lock);
    for (unsigned i = 0; i < w->num_objects; i++) {
        if (w->objects[i]->id == id && w->objects[i]->kind == kind) {
            o = w->objects[i];
            w->objects[i] = w->objects[--w->num_objects];
            break;
        }
    }
    pthread_mutex_unlock(&w->lock);
    if (!o)
        return vh_error_set(err, VW_ERR_INVALID_ID, "gpu: no %s %u",
                            kind == NGP_OBJ_DECODER   ? "decoder"
                            : kind == NGP_OBJ_SURFACE ? "surface"
                                                      : "shared memory",
                            id);
    ngp_object_put(w, o);                     /* the table's reference */
    return VW_OK;
}

/* ---- workers and lanes ------------------------------------------------------ */

static struct ngp_worker *worker_new(struct ngp_server *s, uint32_t id, uint64_t limit)
{
    struct ngp_worker *w = calloc(1, sizeof(*w));
    if (!w)
        return NULL;
    if (pthread_mutex_init(&w->lock, NULL) != 0) {
        free(w);
        return NULL;
    }
    w->srv = s;
    w->id = id;
    w->budget.limit = limit;
    return w;
}

/* The last lane is gone: nothing of the worker is in use. */
static void worker_free(struct ngp_worker *w)
{
    unsigned n = w->num_objects;
    uint64_t used = atomic_load(&w->budget.used);
    for (unsigned i = 0; i < n; i++)
        ngp_object_put(w, w->objects[i]);
    w->num_objects = 0;
    vc_info("gpu: worker %u left (%u objects, %llu MiB freed)", w->id, n,
            (unsigned long long)(used >> 20));
    pthread_mutex_destroy(&w->lock);
    free(w);
}

void ngp_lane_unmap(struct ngp_lane *l)
{
    if (l->staging_pinned)
        ngp_unpin(l->w, l->staging, l->staging_pinned);
    l->staging_pinned = 0;
    if (l->staging)
        munmap(l->staging, l->staging_size);
    l->staging = NULL;
    l->staging_size = 0;
}

int ngp_map_memfd(const char *what, int fd, uint64_t size, uint8_t **out, struct vh_error *err)
{
    struct stat st;
    int seals = fcntl(fd, F_GET_SEALS);
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        return vh_error_set(err, VW_ERR_MALFORMED, "gpu: %s is not a memfd", what);
    if (seals < 0 || !(seals & F_SEAL_SHRINK))
        return vh_error_set(err, VW_ERR_MALFORMED, "gpu: %s not sealed against shrinking",
                            what);
    if (size == 0 || size > NGP_STAGING_MAX || (uint64_t)st.st_size < size)
        return vh_error_set(err, VW_ERR_MALFORMED,
                            "gpu: %s of %llu bytes (file %lld, at most %llu)", what,
                            (unsigned long long)size, (long long)st.st_size,
                            (unsigned long long)NGP_STAGING_MAX);
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        return vh_error_set(err, VW_ERR_NO_MEMORY, "gpu: mapping the %s: %s", what,
                            strerror(errno));
    *out = p;
    return VW_OK;
}

int ngp_lane_set_staging(struct ngp_lane *l, int fd, uint64_t size, struct vh_error *err)
{
    uint8_t *p = NULL;
    int rc = ngp_map_memfd("staging buffer", fd, size, &p, err);
    if (rc)
        return rc;
    ngp_lane_unmap(l);
    l->staging = p;
    l->staging_size = size;
    l->pin_failed = false;
    return VW_OK;
}

bool ngp_pin(struct ngp_worker *w, void *p, uint64_t size)
{
    pthread_mutex_lock(&w->lock);
    bool room = size <= NGP_PIN_MAX_PER_WORKER - w->pinned;
    if (room)
        w->pinned += size;
    pthread_mutex_unlock(&w->lock);
    void *handle;
    if (room && nvdec_host_memory_register(&w->srv->e->base, p, size, &handle) == 0)
        return true;
    if (room)
        ngp_unpin(w, NULL, size);
    return false;
}

/* p NULL: the budget only (a lock that failed). */
void ngp_unpin(struct ngp_worker *w, void *p, uint64_t size)
{
    if (p)
        nvdec_host_memory_unregister(&w->srv->e->base, p);
    pthread_mutex_lock(&w->lock);
    w->pinned -= size;
    pthread_mutex_unlock(&w->lock);
}

/* Pageable, CUDA bounces a copy through a buffer of its own: readback of 4
 * streams ran at 0.55 of a worker's own context (H100, 2026-12-06). Only
 * the part in use is locked (a 1080p picture: 4 MiB of the 64), so that
 * idle lanes do not pin host memory. */
void ngp_lane_pin(struct ngp_lane *l, uint64_t end)
{
    const uint64_t step = 4u << 20;
    if (!l->staging || l->pin_failed || end <= l->staging_pinned)
        return;
    uint64_t want = (end + step - 1) / step * step;
    if (want > l->staging_size)
        want = l->staging_size;
    if (l->staging_pinned)
        ngp_unpin(l->w, l->staging, l->staging_pinned);
    l->pin_failed = !ngp_pin(l->w, l->staging, want);
    l->staging_pinned = l->pin_failed ? 0 : want;
}

static void *lane_main(void *arg);

/* Starts a lane of w on fd (taken). */
int ngp_lane_start(struct ngp_server *s, struct ngp_worker *w, int fd, struct vh_error *err)
{
    struct ngp_lane *l = calloc(1, sizeof(*l));
    uint8_t *buf = malloc(NGP_MAX_MESSAGE);
    if (!l || !buf) {
        free(l);
        free(buf);
        close(fd);
        return vh_error_set(err, VW_ERR_NO_MEMORY, "gpu: out of memory");
    }
    l->srv = s;
    l->w = w;
    l->fd = fd;
    l->buf = buf;
    pthread_mutex_lock(&s->lock);
    int rc = VW_OK;
    if (s->stopping) {
        rc = vh_error_set(err, VW_ERR_INTERNAL, "gpu: server stopping");
    } else {
        pthread_mutex_lock(&w->lock);
        if (w->lanes >= NGP_MAX_LANES)
            rc = vh_error_set(err, VW_ERR_LIMIT, "gpu: more than %u lanes", NGP_MAX_LANES);
        else
            w->lanes++;
        pthread_mutex_unlock(&w->lock);
    }
    if (!rc && pthread_create(&l->thread, NULL, lane_main, l) != 0) {
        pthread_mutex_lock(&w->lock);
        w->lanes--;
        pthread_mutex_unlock(&w->lock);
        rc = vh_error_set(err, VW_ERR_NO_MEMORY, "gpu: no thread for a lane");
    }
    if (!rc) {
        l->next = s->lanes;
        s->lanes = l;
    }
    pthread_mutex_unlock(&s->lock);
    if (rc) {
        close(fd);
        free(buf);
        free(l);
    }
    return rc;
}

/* Reads and serves requests until the peer closes, sends garbage, or the
 * server stops; then the lane's worker loses it. */
static void *lane_main(void *arg)
{
    struct ngp_lane *l = arg;
    struct ngp_worker *w = l->w;
    for (;;) {
        int fd = -1;
        long n = vh_packet_recv(l->fd, l->buf, NGP_MAX_MESSAGE, &fd);
        if (n <= 0) {
            if (n < 0 && n != -ECONNRESET)
                vc_warn("gpu: worker %u: %s: disconnected", w->id,
                        n == -EBADMSG ? "bad packet" : strerror((int)-n));
            break;
        }
        if (!ngp_serve_request(l, (size_t)n, fd)) {
            vc_warn("gpu: worker %u sent a malformed request: disconnected", w->id);
            break;
        }
    }
    ngp_lane_unmap(l);
    pthread_mutex_lock(&l->srv->lock);      /* reap_lanes may be shutting it down */
    close(l->fd);
    l->fd = -1;
    pthread_mutex_unlock(&l->srv->lock);
    pthread_mutex_lock(&w->lock);
    bool last = --w->lanes == 0;
    pthread_mutex_unlock(&w->lock);
    if (last)
        worker_free(w);
    l->w = NULL;
    __atomic_store_n(&l->done, true, __ATOMIC_RELEASE);
    return NULL;
}

/* Joins and frees lanes that have ended (all when `all`, after shutting
 * their sockets down). */
static void reap_lanes(struct ngp_server *s, bool all)
{
    pthread_mutex_lock(&s->lock);
    if (all) {
        s->stopping = true;
        for (struct ngp_lane *l = s->lanes; l; l = l->next)
            if (l->fd >= 0)
                shutdown(l->fd, SHUT_RDWR);  /* the lane closes it (under the lock) */
    }
    struct ngp_lane **pp = &s->lanes, *ended = NULL;
    while (*pp) {
        struct ngp_lane *l = *pp;
        if (all || __atomic_load_n(&l->done, __ATOMIC_ACQUIRE)) {
            *pp = l->next;
            l->next = ended;
            ended = l;
        } else {
            pp = &l->next;
        }
    }
    pthread_mutex_unlock(&s->lock);
    while (ended) {
        struct ngp_lane *l = ended;
        ended = l->next;
        pthread_join(l->thread, NULL);
        free(l->buf);
        free(l);
    }
}

int ngp_server_create(struct nvdec_engine *e, struct ngp_server **out, struct vh_error *err)
{
    *out = NULL;
    struct ngp_server *s = calloc(1, sizeof(*s));
    if (!s)
        return vh_error_set(err, VW_ERR_NO_MEMORY, "gpu: out of memory");
    if (pthread_mutex_init(&s->lock, NULL) != 0) {
        free(s);
        return vh_error_set(err, VW_ERR_INTERNAL, "gpu: pthread_mutex_init failed");
    }
    s->e = e;
    *out = s;
    return VW_OK;
}

int ngp_server_attach(struct ngp_server *s, uint32_t worker_id, uint64_t gpu_limit, int fd,
                      struct vh_error *err)
{
    reap_lanes(s, false);
    struct ngp_worker *w = worker_new(s, worker_id, gpu_limit);
    if (!w) {
        close(fd);
        return vh_error_set(err, VW_ERR_NO_MEMORY, "gpu: out of memory");
    }
    int rc = ngp_lane_start(s, w, fd, err);
    if (rc) {
        worker_free(w);
        return rc;
    }
    vc_info("gpu: worker %u connected (GPU limit %llu MiB)", worker_id,
            (unsigned long long)(gpu_limit >> 20));
    return VW_OK;
}

void ngp_server_destroy(struct ngp_server **sp)
{
    if (!sp || !*sp)
        return;
    struct ngp_server *s = *sp;
    reap_lanes(s, true);
    pthread_mutex_destroy(&s->lock);
    free(s);
    *sp = NULL;
}
