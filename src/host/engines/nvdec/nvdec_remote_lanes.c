/* The worker's lanes to the GPU process (nvdec_remote.h). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "host/engines/nvdec/nvdec_remote.h"
#include "host/seqpacket.h"

struct nvdec_remote {
    struct nvdec_remote_lane ctrl;
    pthread_mutex_t ctrl_lock;
    pthread_mutex_t lock;                     /* the pool below */
    pthread_cond_t cond;
    struct nvdec_remote_lane *lanes[NGP_MAX_LANES];
    unsigned num_lanes;
    struct nvdec_remote_lane *idle[NGP_MAX_LANES];
    unsigned num_idle;
    atomic_uint next_handle;
};

static void lane_close(struct nvdec_remote_lane *l)
{
    if (l->staging)
        munmap(l->staging, NVDEC_REMOTE_STAGING);
    if (l->fd >= 0)
        close(l->fd);
    free(l->buf);
}

int nvdec_remote_call(struct nvdec_remote *r, struct nvdec_remote_lane *l, uint32_t type,
                      const void *body, size_t len, const void *tail, size_t tail_len,
                      int pass_fd, void *out, size_t out_len, struct vh_error *err)
{
    bool ctrl = !l;
    if (ctrl) {
        l = &r->ctrl;
        pthread_mutex_lock(&r->ctrl_lock);
    }
    int rc = VW_ERR_INTERNAL;
    struct ngp_hdr h = {.type = type, .length = (uint32_t)(sizeof(h) + len + tail_len),
                        .id = ++l->next_id};
    if (sizeof(h) + len + tail_len > NGP_MAX_MESSAGE) {
        vh_error_set(err, VW_ERR_LIMIT, "nvdec: request of %zu bytes too large", len + tail_len);
        goto out;
    }
    memcpy(l->buf, &h, sizeof(h));
    if (len)
        memcpy(l->buf + sizeof(h), body, len);
    if (tail_len)
        memcpy(l->buf + sizeof(h) + len, tail, tail_len);
    if (vh_packet_send(l->fd, l->buf, h.length, pass_fd) != 0) {
        vh_error_set(err, rc, "nvdec: the GPU process is gone");
        goto out;
    }
    long n = vh_packet_recv(l->fd, l->buf, NGP_MAX_MESSAGE, NULL);
    struct ngp_hdr rh;
    struct ngp_reply rp;
    if (n < (long)(sizeof(rh) + sizeof(rp))) {
        vh_error_set(err, rc, "nvdec: the GPU process is gone");
        goto out;
    }
    memcpy(&rh, l->buf, sizeof(rh));
    memcpy(&rp, l->buf + sizeof(rh), sizeof(rp));
    if (rh.type != (type | NGP_REPLY) || rh.id != h.id || rh.length != (uint32_t)n ||
        (rp.status == VW_OK && (size_t)n != sizeof(rh) + sizeof(rp) + out_len)) {
        vh_error_set(err, rc, "nvdec: a malformed reply from the GPU process");
        goto out;
    }
    rc = rp.status;
    if (rc) {
        rp.message[sizeof(rp.message) - 1] = '\0';
        vh_error_set(err, rc, "%s", rp.message);
    } else if (out_len) {
        memcpy(out, l->buf + sizeof(rh) + sizeof(rp), out_len);
    }
out:
    if (ctrl)
        pthread_mutex_unlock(&r->ctrl_lock);
    return rc;
}

/* A new work lane: a socketpair whose far end goes to the GPU process,
 * and its staging memfd. */
static int lane_open(struct nvdec_remote *r, struct nvdec_remote_lane **out, struct vh_error *err)
{
    struct nvdec_remote_lane *l = calloc(1, sizeof(*l));
    int sv[2] = {-1, -1}, mfd = -1, rc = VW_ERR_NO_MEMORY;
    if (!l || !(l->buf = malloc(NGP_MAX_MESSAGE))) {
        vh_error_set(err, rc, "nvdec: out of memory");
        goto err;
    }
    l->fd = -1;
    rc = VW_ERR_INTERNAL;
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
        vh_error_set(err, rc, "nvdec: socketpair: %s", strerror(errno));
        goto err;
    }
    l->fd = sv[0];
    rc = nvdec_remote_call(r, NULL, NGP_OPEN_LANE, NULL, 0, NULL, 0, sv[1], NULL, 0, err);
    close(sv[1]);
    if (rc)
        goto err;
    /* Sealed against shrinking: the GPU process maps it and must never
     * fault on a page we could cut off. */
    mfd = memfd_create("vivac-staging", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (mfd < 0 || ftruncate(mfd, NVDEC_REMOTE_STAGING) != 0 ||
        fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_SEAL) != 0) {
        rc = vh_error_set(err, VW_ERR_NO_MEMORY, "nvdec: staging memfd: %s", strerror(errno));
        goto err;
    }
    l->staging = mmap(NULL, NVDEC_REMOTE_STAGING, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
    if (l->staging == MAP_FAILED) {
        l->staging = NULL;
        rc = vh_error_set(err, VW_ERR_NO_MEMORY, "nvdec: mapping staging: %s", strerror(errno));
        goto err;
    }
    struct ngp_set_staging st = {.size = NVDEC_REMOTE_STAGING};
    rc = nvdec_remote_call(r, l, NGP_SET_STAGING, &st, sizeof(st), NULL, 0, mfd, NULL, 0, err);
    if (rc)
        goto err;
    close(mfd);
    *out = l;
    return VW_OK;

err:
    if (mfd >= 0)
        close(mfd);
    if (l)
        lane_close(l);
    free(l);
    return rc;
}

int nvdec_remote_lane_get(struct nvdec_remote *r, struct nvdec_remote_lane **out,
                          struct vh_error *err)
{
    pthread_mutex_lock(&r->lock);
    for (;;) {
        if (r->num_idle) {
            *out = r->idle[--r->num_idle];
            pthread_mutex_unlock(&r->lock);
            return VW_OK;
        }
        if (r->num_lanes < NGP_MAX_LANES - 1)
            break;
        pthread_cond_wait(&r->cond, &r->lock);
    }
    unsigned slot = r->num_lanes++;           /* reserved while it opens (NULL: failed) */
    pthread_mutex_unlock(&r->lock);
    int rc = lane_open(r, out, err);
    pthread_mutex_lock(&r->lock);
    r->lanes[slot] = rc ? NULL : *out;
    pthread_mutex_unlock(&r->lock);
    return rc;
}

void nvdec_remote_lane_put(struct nvdec_remote *r, struct nvdec_remote_lane *l)
{
    pthread_mutex_lock(&r->lock);
    r->idle[r->num_idle++] = l;
    pthread_cond_signal(&r->cond);
    pthread_mutex_unlock(&r->lock);
}

uint32_t nvdec_remote_handle(struct nvdec_remote *r)
{
    uint32_t h;
    do
        h = atomic_fetch_add(&r->next_handle, 1) + 1;
    while (h == 0);
    return h;
}

int nvdec_remote_open(struct nvdec_remote **out, int gpu_fd, struct vh_error *err)
{
    *out = NULL;
    struct nvdec_remote *r = calloc(1, sizeof(*r));
    if (!r || !(r->ctrl.buf = malloc(NGP_MAX_MESSAGE))) {
        free(r);
        close(gpu_fd);
        return vh_error_set(err, VW_ERR_NO_MEMORY, "nvdec: out of memory");
    }
    r->ctrl.fd = gpu_fd;
    pthread_mutex_init(&r->ctrl_lock, NULL);
    pthread_mutex_init(&r->lock, NULL);
    pthread_cond_init(&r->cond, NULL);
    *out = r;
    return VW_OK;
}

void nvdec_remote_free(struct nvdec_remote **rp)
{
    if (!rp || !*rp)
        return;
    struct nvdec_remote *r = *rp;
    /* Every lane is idle now (no session is left). */
    for (unsigned i = 0; i < r->num_lanes; i++) {
        if (r->lanes[i]) {
            lane_close(r->lanes[i]);
            free(r->lanes[i]);
        }
    }
    lane_close(&r->ctrl);
    pthread_cond_destroy(&r->cond);
    pthread_mutex_destroy(&r->lock);
    pthread_mutex_destroy(&r->ctrl_lock);
    free(r);
    *rp = NULL;
}
