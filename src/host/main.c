/* vivacd: options, signals, engine selection. */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "host/engine.h"
#include "host/memory_budget.h"
#include "host/server.h"
#include "vivac_config.h"

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: vivacd [OPTIONS]\n"
            "Serves VA-API video decode to vivac guest drivers over a Unix socket.\n"
            "\n"
            "Options:\n"
            "  --socket PATH        listen on PATH (default: $VIVAC_SOCKET, else %s);\n"
            "                       the parent directory is created if missing\n"
            "  --engine NAME        decode engine: auto (default: the first engine that\n"
            "                       starts on this machine), or one of:",
            VIVAC_DEFAULT_SOCKET);
    for (const struct vh_engine_ops *const *e = vh_engine_registry; *e; e++)
        fprintf(f, " %s", (*e)->name);
    fprintf(f,
            "\n"
            "  --record DIR         record every session's requests to\n"
            "                       DIR/session-<pid>-<n>.vtrace, mode 0600 (see\n"
            "                       docs/trace.md; replay with `vivac replay`)\n"
            "  --vm NAME:CONTROL_SOCKET[:SHM_PATH[:SIZE_MB]]\n"
            "                       serve a VM: QEMU's virtio-serial chardev connects to\n"
            "                       CONTROL_SOCKET; SHM_PATH is the file behind the VM's\n"
            "                       ivshmem-plain device (created with SIZE_MB, default 64,\n"
            "                       if missing); each session gets a slice of it as its\n"
            "                       arena (repeat --vm for each VM; docs/deployment.md);\n"
            "                       a truncated SHM_PATH ends only that VM's sessions\n"
            "  --vsock PORT         also accept guests on AF_VSOCK port PORT (inline data),\n"
            "                       those of the CIDs given with --vsock-allow only\n"
            "  --vsock-allow CID[,CID...]\n"
            "                       guest CIDs (3 and up) served on the vsock port (repeat\n"
            "                       to add more); without it every vsock guest is refused\n"
            "  --log-level LEVEL    error, warn, info (default) or debug\n"
            "                       (the VIVAC_LOG environment variable sets the default)\n"
            "  --max-sessions N     refuse connections beyond N concurrent sessions\n"
            "                       (default 64; 0: unlimited)\n"
            "  --max-sessions-per-client N\n"
            "                       refuse a client's connections beyond N concurrent\n"
            "                       sessions; a client is a uid on the Unix socket, a\n"
            "                       vsock CID, or a VM's control socket (default: a\n"
            "                       quarter of --max-sessions, at least 1; 0: unlimited)\n"
            "  --hello-timeout S    close a Unix or vsock connection that has not said\n"
            "                       HELLO S seconds after it was accepted (default 10)\n"
            "  --message-timeout S  close a session whose message, once its header has\n"
            "                       come, is not complete within S seconds plus one\n"
            "                       second per MiB received (default 10)\n"
            "  --idle-timeout S     close a session idle for S seconds after HELLO while\n"
            "                       it has no surface and no codec (default 60); sessions\n"
            "                       holding objects wait as long as they like\n"
            "                       (0 for any of the three: no deadline; VM control\n"
            "                       sockets have none, they live as long as the VM);\n"
            "                       a message being received is held in memory charged\n"
            "                       to its session's limit and to --max-memory (past\n"
            "                       64 KiB): one that does not fit is refused (LIMIT)\n"
            "  --max-memory MB      memory all sessions together may hold for surfaces,\n"
            "                       decoders and frame data (default: half the machine's\n"
            "                       memory; 0: unlimited)\n"
            "  --max-gpu-memory MB  GPU memory all sessions together may hold for surfaces\n"
            "                       and decoders, as the engine estimates them (default:\n"
            "                       half the GPU's memory; 0: unlimited). Engines without\n"
            "                       a GPU (sw) use none\n"
            "  --max-session-memory MB\n"
            "                       what one session may hold of --max-memory (default\n"
            "                       2048: a 4K 4:4:4 10-bit decode on sw needs about 1.7 GiB)\n"
            "  --max-session-gpu-memory MB\n"
            "                       what one session may hold of --max-gpu-memory\n"
            "                       (default: a quarter of it, at least 2048; an 8K\n"
            "                       10-bit decoder alone is charged 3 GiB on nvdec)\n"
            "  --help               show this help and exit\n"
            "  --version            show the version and exit\n"
            "\n"
            "SIGTERM or SIGINT shut the daemon down cleanly (exit status 0).\n");
}

static int create_engine(const char *name, struct vh_engine **out)
{
    struct vh_error err = {0};
    if (strcmp(name, "auto") != 0) {
        const struct vh_engine_ops *ops = vh_engine_find(name);
        if (!ops) {
            vc_error("unknown engine \"%s\" (see --help)", name);
            return -ENOENT;
        }
        if (ops->create(out, &err) != VW_OK) {
            vc_error("engine %s cannot start: %s", ops->name, err.message);
            return -ENODEV;
        }
        return 0;
    }
    for (const struct vh_engine_ops *const *e = vh_engine_registry; *e; e++) {
        memset(&err, 0, sizeof(err));
        if ((*e)->create(out, &err) == VW_OK)
            return 0;
        vc_info("engine %s unavailable: %s", (*e)->name, err.message);
    }
    vc_error("no engine can start on this machine");
    return -ENODEV;
}

static int parse_u32(const char *s, uint32_t *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || end == s || *end || v > UINT32_MAX || s[0] == '-')
        return -EINVAL;
    *out = (uint32_t)v;
    return 0;
}

int main(int argc, char **argv)
{
    enum { OPT_SOCKET = 256, OPT_ENGINE, OPT_LOG_LEVEL, OPT_MAX_SESSIONS, OPT_RECORD, OPT_HELP,
           OPT_VERSION, OPT_VM, OPT_VSOCK, OPT_MAX_MEMORY, OPT_MAX_GPU_MEMORY,
           OPT_VSOCK_ALLOW, OPT_MAX_PER_CLIENT, OPT_HELLO_TIMEOUT, OPT_MESSAGE_TIMEOUT,
           OPT_IDLE_TIMEOUT, OPT_MAX_SESSION_MEMORY, OPT_MAX_SESSION_GPU_MEMORY };
    static const struct option options[] = {
        {"socket", required_argument, NULL, OPT_SOCKET},
        {"engine", required_argument, NULL, OPT_ENGINE},
        {"log-level", required_argument, NULL, OPT_LOG_LEVEL},
        {"max-sessions", required_argument, NULL, OPT_MAX_SESSIONS},
        {"max-memory", required_argument, NULL, OPT_MAX_MEMORY},
        {"max-gpu-memory", required_argument, NULL, OPT_MAX_GPU_MEMORY},
        {"max-session-memory", required_argument, NULL, OPT_MAX_SESSION_MEMORY},
        {"max-session-gpu-memory", required_argument, NULL, OPT_MAX_SESSION_GPU_MEMORY},
        {"max-sessions-per-client", required_argument, NULL, OPT_MAX_PER_CLIENT},
        {"hello-timeout", required_argument, NULL, OPT_HELLO_TIMEOUT},
        {"message-timeout", required_argument, NULL, OPT_MESSAGE_TIMEOUT},
        {"idle-timeout", required_argument, NULL, OPT_IDLE_TIMEOUT},
        {"record", required_argument, NULL, OPT_RECORD},
        {"vm", required_argument, NULL, OPT_VM},
        {"vsock", required_argument, NULL, OPT_VSOCK},
        {"vsock-allow", required_argument, NULL, OPT_VSOCK_ALLOW},
        {"help", no_argument, NULL, OPT_HELP},
        {"version", no_argument, NULL, OPT_VERSION},
        {NULL, 0, NULL, 0},
    };
    vc_log_set_prefix("vivacd");
    if (!getenv("VIVAC_LOG"))
        vc_log_set_level(VC_LOG_INFO);

    struct vh_server_config config = {.max_sessions = 64};
    uint32_t per_client = UINT32_MAX; /* UINT32_MAX: the default, from max_sessions */
    uint32_t timeout_s[3] = {10, 10, 60}; /* hello, message, idle */
    vh_limits_default(&config.limits);
    /* One budget for all sessions (each also has its own limit). */
    static struct vh_memory_budget budget;
    budget.limit = vh_budget_default_limit();
    config.limits.shared = &budget;
    /* GPU memory: its own budget; the default needs the engine (below). */
    static struct vh_memory_budget gpu_budget;
    bool gpu_limit_given = false;
    uint64_t session_gpu = 0;         /* 0: the default, from the GPU budget */
    config.limits.gpu_shared = &gpu_budget;
    const char *socket_path = getenv("VIVAC_SOCKET");
    if (!socket_path || !*socket_path)
        socket_path = VIVAC_DEFAULT_SOCKET;
    const char *engine_name = "auto";
    int opt, level;
    while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (opt) {
        case OPT_SOCKET:
            socket_path = optarg;
            break;
        case OPT_ENGINE:
            engine_name = optarg;
            break;
        case OPT_LOG_LEVEL:
            level = vc_log_parse_level(optarg);
            if (level < 0) {
                fprintf(stderr, "vivacd: --log-level: unknown level \"%s\"\n", optarg);
                return 2;
            }
            vc_log_set_level((enum vc_log_level)level);
            break;
        case OPT_MAX_SESSIONS:
            if (parse_u32(optarg, &config.max_sessions)) {
                fprintf(stderr, "vivacd: --max-sessions: \"%s\" is not a number\n", optarg);
                return 2;
            }
            break;
        case OPT_MAX_MEMORY: {
            uint32_t mib;
            if (parse_u32(optarg, &mib)) {
                fprintf(stderr, "vivacd: --max-memory: \"%s\" is not a number\n", optarg);
                return 2;
            }
            budget.limit = (uint64_t)mib << 20;
            break;
        }
        case OPT_MAX_GPU_MEMORY: {
            uint32_t mib;
            if (parse_u32(optarg, &mib)) {
                fprintf(stderr, "vivacd: --max-gpu-memory: \"%s\" is not a number\n", optarg);
                return 2;
            }
            gpu_budget.limit = (uint64_t)mib << 20;
            gpu_limit_given = true;
            break;
        }
        case OPT_MAX_SESSION_MEMORY:
        case OPT_MAX_SESSION_GPU_MEMORY: {
            uint32_t mib;
            if (parse_u32(optarg, &mib) || mib == 0) {
                fprintf(stderr, "vivacd: --%s: \"%s\" is not a number of MiB above 0\n",
                        opt == OPT_MAX_SESSION_MEMORY ? "max-session-memory"
                                                      : "max-session-gpu-memory", optarg);
                return 2;
            }
            if (opt == OPT_MAX_SESSION_MEMORY)
                config.limits.max_bytes = (uint64_t)mib << 20;
            else
                session_gpu = (uint64_t)mib << 20;
            break;
        }
        case OPT_MAX_PER_CLIENT:
            if (parse_u32(optarg, &per_client) || per_client == UINT32_MAX) {
                fprintf(stderr, "vivacd: --max-sessions-per-client: \"%s\" is not a number\n",
                        optarg);
                return 2;
            }
            break;
        case OPT_HELLO_TIMEOUT:
        case OPT_MESSAGE_TIMEOUT:
        case OPT_IDLE_TIMEOUT: {
            uint32_t *t = &timeout_s[opt - OPT_HELLO_TIMEOUT];
            if (parse_u32(optarg, t) || *t > 86400) {
                static const char *const names[] = {"hello-timeout", "message-timeout",
                                                    "idle-timeout"};
                fprintf(stderr, "vivacd: --%s: \"%s\" is not a number of seconds (0 to 86400)\n",
                        names[opt - OPT_HELLO_TIMEOUT], optarg);
                return 2;
            }
            break;
        }
        case OPT_RECORD:
            config.record_dir = optarg;
            break;
        case OPT_VM: {
            char why[512];
            struct vh_vm **vms = realloc(config.vms, sizeof(*vms) * (config.num_vms + 1));
            if (!vms)
                return 1;
            config.vms = vms;
            if (vh_vm_create(optarg, &vms[config.num_vms], why, sizeof(why))) {
                fprintf(stderr, "vivacd: --vm: %s\n", why);
                return 2;
            }
            config.num_vms++;
            break;
        }
        case OPT_VSOCK: {
            uint32_t port;
            if (parse_u32(optarg, &port) || port == 0) {
                fprintf(stderr, "vivacd: --vsock: \"%s\" is not a port number\n", optarg);
                return 2;
            }
            config.vsock_port = port;
            break;
        }
        case OPT_VSOCK_ALLOW: {
            char why[256];
            if (vh_vsock_allow_add(&config.vsock_allow, optarg, why, sizeof(why))) {
                fprintf(stderr, "vivacd: --vsock-allow: %s\n", why);
                return 2;
            }
            break;
        }
        case 'h':
        case OPT_HELP:
            usage(stdout);
            return 0;
        case OPT_VERSION:
            printf("vivacd %s (protocol %u.%u)\n", VIVAC_VERSION, VW_VERSION_MAJOR,
                   VW_VERSION_MINOR);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "vivacd: unexpected argument \"%s\"\n", argv[optind]);
        usage(stderr);
        return 2;
    }
    config.socket_path = socket_path;
    if (config.vsock_allow.count && !config.vsock_port) {
        fprintf(stderr, "vivacd: --vsock-allow without --vsock PORT\n");
        return 2;
    }
    if (per_client == UINT32_MAX)
        per_client = config.max_sessions ? (config.max_sessions / 4 ? config.max_sessions / 4 : 1) : 0;
    config.max_sessions_per_client = per_client;
    config.timeouts = (struct vh_timeouts){.hello_ms = timeout_s[0] * 1000,
                                           .message_ms = timeout_s[1] * 1000,
                                           .idle_ms = timeout_s[2] * 1000};
    if (config.record_dir) {
        struct stat st;
        if (stat(config.record_dir, &st) != 0 || !S_ISDIR(st.st_mode) ||
            access(config.record_dir, W_OK) != 0) {
            fprintf(stderr, "vivacd: --record: %s is not a writable directory\n",
                    config.record_dir);
            return 2;
        }
    }

    /* Signals: SIGPIPE ignored (sends report EPIPE); SIGTERM/SIGINT blocked in
     * every thread and read from a signalfd by the accept loop. */
    signal(SIGPIPE, SIG_IGN);
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    if (pthread_sigmask(SIG_BLOCK, &stop, NULL) != 0) {
        vc_error("cannot block signals");
        return 1;
    }
    int stop_fd = signalfd(-1, &stop, SFD_CLOEXEC);
    if (stop_fd < 0) {
        vc_error("signalfd: %s", strerror(errno));
        return 1;
    }

    struct vh_engine *engine = NULL;
    if (create_engine(engine_name, &engine)) {
        close(stop_fd);
        return 1;
    }
    config.engine = engine;
    uint64_t gpu_total = engine->ops->gpu_memory_total ? engine->ops->gpu_memory_total(engine) : 0;
    if (!gpu_limit_given)
        gpu_budget.limit = vh_budget_default_gpu_limit(gpu_total);
    engine->gpu_budget = &gpu_budget;
    /* One session may take a quarter of the GPU budget: enough for the
     * largest decoders the caps offer on a big card, while three others
     * still fit. */
    if (!session_gpu) {
        uint64_t base = gpu_budget.limit ? gpu_budget.limit : gpu_total;
        session_gpu = base / 4 > config.limits.max_gpu_bytes ? base / 4
                                                             : config.limits.max_gpu_bytes;
    }
    config.limits.max_gpu_bytes = session_gpu;
    if (engine->ops->codec_gpu_bytes || engine->ops->surface_gpu_bytes)
        vc_info("GPU memory budget: %llu MiB of %llu MiB (%s), %llu MiB a session",
                (unsigned long long)(gpu_budget.limit >> 20),
                (unsigned long long)(gpu_total >> 20),
                gpu_budget.limit ? (gpu_limit_given ? "--max-gpu-memory" : "default: half")
                                 : "unlimited",
                (unsigned long long)(config.limits.max_gpu_bytes >> 20));
    int err = vh_server_run(&config, stop_fd);
    engine->ops->destroy(&engine);
    for (unsigned i = 0; i < config.num_vms; i++)
        vh_vm_destroy(&config.vms[i]);
    free(config.vms);
    close(stop_fd);
    return err ? 1 : 0;
}
