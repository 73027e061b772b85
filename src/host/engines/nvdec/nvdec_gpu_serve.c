/*
 * vh_engine_ops.serve_gpu: the GPU process's main loop. Creates the local
 * engine (the only CUDA context), then attaches each worker the supervisor
 * sends on control_fd (host/gpu_attach.h) until it is closed.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "host/engines/engines.h"
#include "host/engines/nvdec/nvdec_gpu_server.h"
#include "host/gpu_attach.h"

int nvdec_serve_gpu(int control_fd, struct vh_error *err)
{
    struct nvdec_engine *e;
    int rc = nvdec_engine_open(&e, NULL, NULL, err);
    if (rc)
        return rc;
    struct ngp_server *s;
    rc = ngp_server_create(e, &s, err);
    if (rc)
        goto out;
    vc_info("gpu: serving workers on %s", e->device_name);
    for (;;) {
        struct vh_gpu_attach a;
        int fd;
        int r = vh_gpu_attach_recv(control_fd, &a, &fd);
        if (r == -ECONNRESET)
            break;                            /* the supervisor closed it: done */
        if (r == -EBADMSG) {
            vc_warn("gpu: malformed attach message ignored");
            continue;
        }
        if (r < 0) {
            vc_warn("gpu: control socket: %s; stopping", strerror(-r));
            break;
        }
        if (a.type != VH_GPU_ATTACH_WORKER) {
            vc_warn("gpu: attach message of type %u ignored", a.type);
            close(fd);
            continue;
        }
        struct vh_error aerr;
        if (ngp_server_attach(s, a.worker_id, a.gpu_limit_bytes, fd, &aerr))
            vc_warn("gpu: worker %u not served: %s", a.worker_id, aerr.message);
    }
    vc_info("gpu: control socket closed; freeing every worker's objects");
    ngp_server_destroy(&s);
out:;
    struct vh_engine *base = &e->base;
    vh_engine_nvdec.destroy(&base);
    return rc;
}
