/*
 * The GPU process's server (docs/security.md, design (a)): serves workers'
 * requests (nvdec_gpu_proto.h) on the process's local NVDEC engine, which
 * owns the only CUDA context. Each worker connection ("lane") is served on
 * a thread of its own; a worker's objects live in a table of its own,
 * named by the worker's ids, freed when its last lane closes. Every
 * request is checked before any CUDA call (nvdec_gpu_check.h, image_check.h,
 * the worker's GPU byte limit); a malformed request gets an error reply, a
 * packet that is not a request of the protocol ends the lane.
 */
#ifndef VIVAC_NVDEC_GPU_SERVER_H
#define VIVAC_NVDEC_GPU_SERVER_H

#include <stdint.h>

#include "host/engines/nvdec/nvdec_internal.h"

struct ngp_server;

/* A server on `e` (not owned; outlives the server). */
int ngp_server_create(struct nvdec_engine *e, struct ngp_server **out, struct vh_error *err);

/* Serves a new worker on `fd` (its first lane; taken: closed on failure),
 * its objects' device memory limited to gpu_limit bytes (0: none). */
int ngp_server_attach(struct ngp_server *s, uint32_t worker_id, uint64_t gpu_limit, int fd,
                      struct vh_error *err);

/* Ends every lane (shutdown, join), frees every worker's objects, frees
 * the server. Accepts NULL / *NULL. */
void ngp_server_destroy(struct ngp_server **s);

#endif
