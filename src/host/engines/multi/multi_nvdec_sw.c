/* "nvdec+sw": what `auto` makes where nvdec starts and no vaapi does. The
 * GPU process serves nvdec alone: its operations are nvdec's, which the
 * other nvdec composite (multi_nvdec_vaapi_sw.c) shares. */
#include "host/engines/engines.h"
#include "host/engines/multi/multi_internal.h"

int multi_nvdec_gpu_server_create(struct vh_gpu_server **out, uint64_t *gpu_total,
                                  struct vh_error *err)
{
    return vh_engine_nvdec.gpu_server_create(out, gpu_total, err);
}

int multi_nvdec_gpu_server_attach(struct vh_gpu_server *server, uint32_t worker_id,
                                  uint64_t gpu_limit, int fd, struct vh_error *err)
{
    return vh_engine_nvdec.gpu_server_attach(server, worker_id, gpu_limit, fd, err);
}

void multi_nvdec_gpu_server_destroy(struct vh_gpu_server **server)
{
    vh_engine_nvdec.gpu_server_destroy(server);
}

MULTI_ENTRY_POINTS(vh_engine_nvdec_sw)
MULTI_REMOTE_ENTRY_POINT(vh_engine_nvdec_sw)

const struct vh_engine_ops vh_engine_nvdec_sw = {
    .name = "nvdec+sw",
    .parts = (const struct vh_engine_ops *const[]){&vh_engine_nvdec, &vh_engine_sw, NULL},
    .create = create,
    .compose = compose,
    MULTI_NVDEC_GPU_PROCESS_OPS,
    MULTI_COMMON_OPS,
};
