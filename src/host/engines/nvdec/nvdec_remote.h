/*
 * The worker's side of the GPU process (nvdec_gpu_proto.h): lanes and
 * requests. The first connection (the one the supervisor attached) is the
 * control lane: HELLO and OPEN_LANE only. Work goes on lanes opened on
 * demand (up to NGP_MAX_LANES - 1), each with its own sealed staging memfd;
 * a request takes an idle lane for its duration, so that a worker's
 * sessions decode in parallel. Thread safe.
 */
#ifndef VIVAC_NVDEC_REMOTE_H
#define VIVAC_NVDEC_REMOTE_H

#include <stddef.h>
#include <stdint.h>

#include "host/engines/nvdec/nvdec_gpu_proto.h"
#include "host/engines/nvdec/nvdec_internal.h"

#define NVDEC_REMOTE_STAGING (64u << 20)      /* bytes of a lane's staging memfd */

struct nvdec_remote_lane {
    int fd;
    uint8_t *staging;                         /* NVDEC_REMOTE_STAGING bytes, shared */
    uint8_t *buf;                             /* NGP_MAX_MESSAGE */
    uint32_t next_id;
};

/* Takes gpu_fd (closed by free, also on failure). */
int nvdec_remote_open(struct nvdec_remote **out, int gpu_fd, struct vh_error *err);
void nvdec_remote_free(struct nvdec_remote **r);

/* A fresh object handle, worker-wide (never 0). */
uint32_t nvdec_remote_handle(struct nvdec_remote *r);

/* A work lane (waits for one when all are busy); give it back. */
int nvdec_remote_lane_get(struct nvdec_remote *r, struct nvdec_remote_lane **out,
                          struct vh_error *err);
void nvdec_remote_lane_put(struct nvdec_remote *r, struct nvdec_remote_lane *l);

/* One request (body then tail) on lane l (NULL: the control lane); the
 * reply's status, its message into err, its body into out (out_len bytes
 * exactly, when status is VW_OK). A broken connection is VW_ERR_INTERNAL. */
int nvdec_remote_call(struct nvdec_remote *r, struct nvdec_remote_lane *l, uint32_t type,
                      const void *body, size_t len, const void *tail, size_t tail_len,
                      int pass_fd, void *out, size_t out_len, struct vh_error *err);

#endif
