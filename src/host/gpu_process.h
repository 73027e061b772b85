/*
 * The GPU process (docs/security.md, "Process model"): with --gpu-process
 * the supervisor starts one, as it starts a worker (`vivacd --worker gpu`),
 * before the first worker of a GPU engine. It owns the only CUDA context
 * and executes the workers' checked requests (engine.h: gpu_server_*);
 * it reads no guest byte and no client socket: the supervisor hands it one
 * connection per worker (VH_CONTROL_GPU_ATTACH on the control socket, the
 * worker's connection attached). Sandboxed like a GPU worker before it
 * takes its first connection; answers the supervisor's pings; ends when
 * the supervisor closes the control socket.
 */
#ifndef VIVAC_HOST_GPU_PROCESS_H
#define VIVAC_HOST_GPU_PROCESS_H

struct vh_gpu_process_config {
    const char *engine_name;      /* resolved by the supervisor; must have gpu_server_* */
    const char *sandbox_user;     /* when started as root */
    int control_fd;
};

/* Runs the GPU process until the supervisor ends it; the exit status. */
int vh_gpu_process_run(const struct vh_gpu_process_config *config);

#endif
