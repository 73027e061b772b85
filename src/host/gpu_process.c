/* The GPU process (gpu_process.h). */
#include "host/gpu_process.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "common/log.h"
#include "host/engine.h"
#include "host/sandbox.h"
#include "host/worker_control.h"

/* libnvcuvid opens device files for each decoder, and every worker's lanes
 * are sockets here: 64 streams in one process took about 2,000. */
#define GPU_PROCESS_MAX_FILES 65536u

/* Messages from the supervisor until it closes the socket: 0 then, 1 on a
 * broken socket. The supervisor is trusted (it started us), but a message
 * of the wrong size still ends nothing but the loop. */
static int serve(const struct vh_gpu_process_config *cfg, const struct vh_engine_ops *ops,
                 struct vh_gpu_server *server)
{
    for (;;) {
        struct vh_control_msg msg;
        int fd = -1;
        int err = vh_control_recv(cfg->control_fd, &msg, &fd);
        if (err == -EINTR)
            continue;
        if (err == -ECONNRESET)
            return 0;
        if (err) {
            vc_error("gpu: control socket: %s", strerror(-err));
            return 1;
        }
        switch (msg.type) {
        case VH_CONTROL_PING: {
            struct vh_control_msg pong = {.type = VH_CONTROL_PONG, .arg = msg.arg};
            if (vh_control_send(cfg->control_fd, &pong, -1))
                return 1;
            break;
        }
        case VH_CONTROL_GPU_ATTACH: {
            if (fd < 0) {
                vc_warn("gpu: an attach without a connection ignored");
                break;
            }
            struct vh_error aerr = {0};
            msg.text[sizeof(msg.text) - 1] = '\0';
            if (ops->gpu_server_attach(server, msg.id, msg.arg, fd, &aerr))
                vc_warn("gpu: worker %u (%s) not served: %s", msg.id, msg.text, aerr.message);
            else
                vc_info("gpu: worker %u serves %s", msg.id, msg.text);
            fd = -1;
            break;
        }
        default:
            vc_warn("gpu: control message %u ignored", msg.type);
        }
        if (fd >= 0)
            close(fd);
    }
}

int vh_gpu_process_run(const struct vh_gpu_process_config *cfg)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() == 1)
        return 1; /* the supervisor died before prctl */
    const struct vh_engine_ops *ops = vh_engine_find(cfg->engine_name);
    if (!ops || !ops->gpu_server_create) {
        vc_error("gpu: engine %s has no GPU process", cfg->engine_name);
        return 1;
    }
    struct vh_sandbox_config sandbox = {
        .user = cfg->sandbox_user,
        .max_open_files = GPU_PROCESS_MAX_FILES,
        .gpu = true,
    };
    char report[512];
    int err = vh_sandbox_prepare(&sandbox, report, sizeof(report));
    if (err) {
        vc_error("sandbox: %s", report);
        return 1;
    }
    vc_info("sandbox prepared: %s", report);
    struct vh_gpu_server *server = NULL;
    uint64_t gpu_total = 0;
    struct vh_error cerr = {0};
    if (ops->gpu_server_create(&server, &gpu_total, &cerr)) {
        vc_error("gpu: engine %s cannot start: %s", ops->name, cerr.message);
        return 1;
    }
    err = vh_sandbox_lock(&sandbox, report, sizeof(report));
    if (err) {
        vc_error("sandbox: %s", report);
        ops->gpu_server_destroy(&server);
        return 1;
    }
    vc_info("sandbox locked: %s", report);
    struct vh_control_msg ready = {.type = VH_CONTROL_READY, .arg = gpu_total};
    snprintf(ready.text, sizeof(ready.text), "%s", ops->name);
    int status = 1;
    if (vh_control_send(cfg->control_fd, &ready, -1) == 0)
        status = serve(cfg, ops, server);
    ops->gpu_server_destroy(&server);
    return status;
}
