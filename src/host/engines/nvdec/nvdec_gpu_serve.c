/*
 * The GPU process's entry points (engine.h: gpu_server_*): the local engine
 * (the only CUDA context) and the server that executes the workers'
 * checked requests on it (nvdec_gpu_server.c).
 */
#include <stdlib.h>

#include "common/log.h"
#include "host/engines/engines.h"
#include "host/engines/nvdec/nvdec_gpu_server.h"

struct vh_gpu_server {
    struct nvdec_engine *engine;
    struct ngp_server *server;
};

int nvdec_gpu_server_create(struct vh_gpu_server **out, uint64_t *gpu_total,
                            struct vh_error *err)
{
    *out = NULL;
    struct vh_gpu_server *g = calloc(1, sizeof(*g));
    if (!g)
        return vh_error_set(err, VW_ERR_NO_MEMORY, "nvdec: out of memory");
    int rc = nvdec_engine_open(&g->engine, NULL, NULL, err);
    if (rc)
        goto err_engine;
    rc = ngp_server_create(g->engine, &g->server, err);
    if (rc)
        goto err_server;
    *gpu_total = vh_engine_nvdec.gpu_memory_total(&g->engine->base);
    vc_info("gpu: serving workers on %s", g->engine->device_name);
    *out = g;
    return VW_OK;

err_server:;
    struct vh_engine *base = &g->engine->base;
    vh_engine_nvdec.destroy(&base);
err_engine:
    free(g);
    return rc;
}

int nvdec_gpu_server_attach(struct vh_gpu_server *g, uint32_t worker_id, uint64_t gpu_limit,
                            int fd, struct vh_error *err)
{
    return ngp_server_attach(g->server, worker_id, gpu_limit, fd, err);
}

void nvdec_gpu_server_destroy(struct vh_gpu_server **gp)
{
    struct vh_gpu_server *g = gp ? *gp : NULL;
    if (!g)
        return;
    ngp_server_destroy(&g->server);
    struct vh_engine *base = &g->engine->base;
    vh_engine_nvdec.destroy(&base);
    free(g);
    *gp = NULL;
}
