/* A worker's end of the decode scheduler (worker_gate.h). */
#include "host/worker_gate.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "host/worker_control.h"

/* One session thread waiting for its ticket, on its own stack: a grant
 * wakes that thread only. */
struct waiter {
    struct waiter *next;
    uint32_t ticket;
    bool granted;
    pthread_cond_t cond;
};

struct vh_worker_gate {
    struct vh_decode_gate base;   /* first: the sessions see this */
    int control_fd;
    pthread_mutex_t mutex;
    struct waiter *waiters;
    uint32_t next_ticket;
    bool closed;
};

static int gate_enter(struct vh_decode_gate *base, uint32_t codec, uint32_t macroblocks,
                      uint32_t *ticket)
{
    struct vh_worker_gate *g = (struct vh_worker_gate *)base;
    struct waiter w = {.granted = false};
    pthread_cond_init(&w.cond, NULL);
    pthread_mutex_lock(&g->mutex);
    if (g->closed) {
        pthread_mutex_unlock(&g->mutex);
        pthread_cond_destroy(&w.cond);
        return -ESHUTDOWN;
    }
    w.ticket = ++g->next_ticket;
    w.next = g->waiters;
    g->waiters = &w;
    pthread_mutex_unlock(&g->mutex);
    /* Sent without the mutex (a full socket must not hold up the grants);
     * a GRANT that comes first finds us listed. */
    struct vh_control_msg ask = {.type = VH_CONTROL_ASK, .id = w.ticket,
                                 .job = {.codec = codec, .macroblocks = macroblocks}};
    int err = vh_control_send(g->control_fd, &ask, -1);
    pthread_mutex_lock(&g->mutex);
    while (!err && !w.granted && !g->closed)
        pthread_cond_wait(&w.cond, &g->mutex);
    if (!err && !w.granted)
        err = -ESHUTDOWN;
    for (struct waiter **pp = &g->waiters; *pp; pp = &(*pp)->next)
        if (*pp == &w) {
            *pp = w.next;
            break;
        }
    pthread_mutex_unlock(&g->mutex);
    pthread_cond_destroy(&w.cond);
    *ticket = w.ticket;
    return err;
}

static void gate_leave(struct vh_decode_gate *base, uint32_t ticket, uint32_t codec,
                       uint32_t macroblocks, int64_t engine_ns, bool failed)
{
    struct vh_worker_gate *g = (struct vh_worker_gate *)base;
    struct vh_control_msg done = {.type = VH_CONTROL_DONE, .id = ticket,
                                  .job = {.codec = codec, .macroblocks = macroblocks,
                                          .engine_ns = engine_ns > 0 ? (uint64_t)engine_ns : 0,
                                          .failed = failed}};
    /* A lost DONE (the supervisor gone) needs no retry: it frees the slot
     * of a worker that no longer counts. */
    vh_control_send(g->control_fd, &done, -1);
}

int vh_worker_gate_create(int control_fd, struct vh_worker_gate **out)
{
    struct vh_worker_gate *g = calloc(1, sizeof(*g));
    if (!g)
        return -ENOMEM;
    g->base = (struct vh_decode_gate){.enter = gate_enter, .leave = gate_leave};
    g->control_fd = control_fd;
    pthread_mutex_init(&g->mutex, NULL);
    *out = g;
    return 0;
}

void vh_worker_gate_destroy(struct vh_worker_gate **gate)
{
    if (!gate || !*gate)
        return;
    pthread_mutex_destroy(&(*gate)->mutex);
    free(*gate);
    *gate = NULL;
}

struct vh_decode_gate *vh_worker_gate_base(struct vh_worker_gate *gate)
{
    return &gate->base;
}

int vh_worker_gate_granted(struct vh_worker_gate *g, uint32_t ticket)
{
    int err = -ENOENT;
    pthread_mutex_lock(&g->mutex);
    for (struct waiter *w = g->waiters; w; w = w->next)
        if (w->ticket == ticket && !w->granted) {
            w->granted = true;
            pthread_cond_signal(&w->cond);
            err = 0;
            break;
        }
    pthread_mutex_unlock(&g->mutex);
    return err;
}

void vh_worker_gate_close(struct vh_worker_gate *g)
{
    pthread_mutex_lock(&g->mutex);
    g->closed = true;
    for (struct waiter *w = g->waiters; w; w = w->next)
        pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&g->mutex);
}
