/* vivacd: options, signals, engine selection. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/log.h"
#include "host/admin.h"
#include "host/engine.h"
#include "host/render_nodes.h"
#include "host/memory_budget.h"
#include "host/qos_policy.h"
#include "host/scheduler.h"
#include "host/server.h"
#include "host/gpu_process.h"
#include "host/worker.h"
#include "host/worker_pool.h"
#include "host/vm_set.h"
#include "vivac_config.h"

/* --engine-slots of a GPU engine: enough pictures in flight to keep every
 * decoder of the GPU busy (decodes are synchronous per session, and each
 * crosses to the GPU process and back). Measured on an H100, 64 streams
 * over 16 VMs: 32 slots gave 0.86 of the unscheduled throughput, 64 gave
 * 0.99 (docs/performance.md). */
#define VH_GPU_ENGINE_SLOTS 64

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: vivacd [OPTIONS]\n"
            "Serves VA-API video decode to vivac guest drivers over a Unix socket.\n"
            "\n"
            "Options:\n"
            "  --config FILE        the configuration file (default: $VIVAC_CONFIG, else\n"
            "                       %s if it exists; none: no file):\n"
            "                       defaults for the VMs' sockets, the local class's QoS,\n"
            "                       and a directory of one file per VM (default vms.d\n"
            "                       beside FILE); SIGHUP or `vivac reload` reads them\n"
            "                       again (docs/deployment.md)\n"
            "  --socket PATH        listen on PATH (default: $VIVAC_SOCKET, else %s);\n"
            "                       the parent directory is created if missing\n"
            "  --socket-group GROUP the group of the sockets (--socket, each --vm's) and of\n"
            "                       the region files vivacd creates: QEMU's user must be\n"
            "                       in it (default: vivacd's own group)\n"
            "  --socket-mode MODE   their mode, octal (default: sockets as the umask\n"
            "                       leaves them, region files 0660)\n"
            "  --engine NAME        decode engine: auto (default: every engine that starts\n"
            "                       on this machine, each profile on the first that has it:\n"
            "                       nvdec, then vaapi, then sw), or one of:",
            VIVAC_DEFAULT_CONFIG, VIVAC_DEFAULT_SOCKET);
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
            "                       if missing; a power of two from 2 to 65536, as QEMU\n"
            "                       needs); NAME is letters, digits, '.', '_', '-';\n"
            "                       each session gets a slice of it as its\n"
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
            "  --max-client-memory MB\n"
            "                       what one client (a VM, a uid on the Unix socket, a\n"
            "                       vsock CID) may hold of --max-memory (default: half of\n"
            "                       it, at least --max-session-memory; 0: unlimited)\n"
            "  --max-client-gpu-memory MB\n"
            "                       the same of --max-gpu-memory (default: half of it, at\n"
            "                       least --max-session-gpu-memory; 0: unlimited)\n"
            "  --worker-user USER   the user the workers run as when vivacd runs as root\n"
            "                       (default: vivac if that user exists, else nobody)\n"
            "  --gpu-process        one GPU process for every worker (GPU engines; the\n"
            "                       default): it owns the only CUDA context and runs\n"
            "                       the workers' checked requests; the workers parse\n"
            "                       and never touch the GPU\n"
            "  --gpu-context-per-worker\n"
            "                       instead, a CUDA context in each worker (about 590\n"
            "                       MiB of GPU memory a client; docs/security.md)\n"
            "  --vaapi-device PATH  the DRM render node of the vaapi engine (default: the\n"
            "                       first /dev/dri/renderD* whose VA driver starts;\n"
            "                       LIBVA_DRIVER_NAME picks the driver, as in libva)\n"
            "  --worker-timeout S   kill a worker that leaves the supervisor's ping\n"
            "                       unanswered for S seconds (default 30; 0: never)\n"
            "  --qos CLASS:KEY=VALUE[,KEY=VALUE...]\n"
            "                       how the engine is shared (docs/deployment.md): CLASS\n"
            "                       is a --vm's NAME, local (every Unix socket client) or\n"
            "                       cid:N (a vsock guest); keys: weight=W (share under\n"
            "                       contention, default 1), reserve=RATE (always served\n"
            "                       this fast while it asks), limit=RATE (never faster);\n"
            "                       RATE: macroblocks/s or streams like 1080p60, 2x720p30\n"
            "  --admin PATH         the admin socket (mode 0600) of `vivac set` and\n"
            "                       `vivac top` (default: admin.sock beside --socket,\n"
            "                       skipped if another daemon answers there; none: off)\n"
            "  --metrics unix:PATH | [ADDR:]PORT\n"
            "                       serve Prometheus metrics (GET /metrics) on a Unix\n"
            "                       socket or on TCP (ADDR default 127.0.0.1); off by\n"
            "                       default\n"
            "  --engine-slots N     pictures on the engine at once, so that the scheduler,\n"
            "                       not the driver, decides the order (default: the CPUs\n"
            "                       for sw, %u for GPU engines; 0: no scheduling)\n"
            "  --help               show this help and exit\n"
            "  --version            show the version and exit\n"
            "\n"
            "Each client's bytes are parsed in a worker process of its own, sandboxed\n"
            "before it reads them (docs/security.md): a worker that crashes ends only\n"
            "its client's sessions.\n"
            "SIGTERM or SIGINT shut the daemon down cleanly (exit status 0); SIGHUP\n"
            "reloads the configuration's VM files.\n",
            VH_GPU_ENGINE_SLOTS);
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

/* Everything the command line says, for the supervisor and the workers. */
struct options {
    struct vh_server_config server;
    struct vh_limits limits;
    const char *engine_name;
    const char *record_dir;
    const char **vm_specs;
    unsigned num_vm_specs;
    uint64_t max_memory, max_gpu_memory, client_memory, client_gpu_memory;
    bool max_memory_given, gpu_limit_given, client_memory_given, client_gpu_given;
    uint64_t session_gpu;         /* 0: the default, from the GPU budget */
    uint32_t timeout_s[3];        /* hello, message, idle */
    uint32_t worker_timeout_s;
    const char *worker_user;
    const char *worker_role;      /* --worker: run as that client's worker */
    uint32_t worker_slot;
    bool worker_gpu;              /* --worker-gpu: VH_WORKER_GPU_FD is its GPU process */
    bool gpu_process;             /* default; off: --gpu-context-per-worker */
    bool gpu_process_given;       /* asked for by name: say if the engine has none */
    const char **qos_specs;       /* --qos, in order */
    unsigned num_qos_specs;
    uint32_t engine_slots;
    bool engine_slots_given;
    const char *admin_path;       /* --admin; NULL: the default */
    const char *metrics;          /* --metrics; NULL: off */
    const char *config_path;      /* --config; NULL: none (main resolves the default) */
    const char *worker_region;    /* --worker-region: the VM's region ("": none) */
};

static int parse_mib(const char *name, const char *arg, bool nonzero, uint64_t *out)
{
    uint32_t mib;
    if (parse_u32(arg, &mib) || (nonzero && mib == 0)) {
        fprintf(stderr, "vivacd: --%s: \"%s\" is not a number of MiB%s\n", name, arg,
                nonzero ? " above 0" : "");
        return -1;
    }
    *out = (uint64_t)mib << 20;
    return 0;
}

/* 0, 1 to exit 0 (--help, --version), or 2 for a usage error. */
static int parse_options(int argc, char **argv, struct options *o)
{
    enum { OPT_SOCKET = 256, OPT_ENGINE, OPT_LOG_LEVEL, OPT_MAX_SESSIONS, OPT_RECORD, OPT_HELP,
           OPT_VERSION, OPT_VM, OPT_VSOCK, OPT_MAX_MEMORY, OPT_MAX_GPU_MEMORY,
           OPT_VSOCK_ALLOW, OPT_MAX_PER_CLIENT, OPT_HELLO_TIMEOUT, OPT_MESSAGE_TIMEOUT,
           OPT_IDLE_TIMEOUT, OPT_MAX_SESSION_MEMORY, OPT_MAX_SESSION_GPU_MEMORY,
           OPT_MAX_CLIENT_MEMORY, OPT_MAX_CLIENT_GPU_MEMORY, OPT_WORKER_USER,
           OPT_WORKER_TIMEOUT, OPT_WORKER, OPT_WORKER_SLOT, OPT_WORKER_GPU, OPT_GPU_PROCESS, OPT_GPU_CONTEXT_PER_WORKER, OPT_QOS, OPT_ENGINE_SLOTS, OPT_ADMIN, OPT_METRICS, OPT_SOCKET_GROUP, OPT_SOCKET_MODE, OPT_CONFIG, OPT_WORKER_REGION, OPT_VAAPI_DEVICE };
    static const struct option options[] = {
        {"socket", required_argument, NULL, OPT_SOCKET},
        {"engine", required_argument, NULL, OPT_ENGINE},
        {"log-level", required_argument, NULL, OPT_LOG_LEVEL},
        {"max-sessions", required_argument, NULL, OPT_MAX_SESSIONS},
        {"max-memory", required_argument, NULL, OPT_MAX_MEMORY},
        {"max-gpu-memory", required_argument, NULL, OPT_MAX_GPU_MEMORY},
        {"max-session-memory", required_argument, NULL, OPT_MAX_SESSION_MEMORY},
        {"max-session-gpu-memory", required_argument, NULL, OPT_MAX_SESSION_GPU_MEMORY},
        {"max-client-memory", required_argument, NULL, OPT_MAX_CLIENT_MEMORY},
        {"max-client-gpu-memory", required_argument, NULL, OPT_MAX_CLIENT_GPU_MEMORY},
        {"max-sessions-per-client", required_argument, NULL, OPT_MAX_PER_CLIENT},
        {"hello-timeout", required_argument, NULL, OPT_HELLO_TIMEOUT},
        {"message-timeout", required_argument, NULL, OPT_MESSAGE_TIMEOUT},
        {"idle-timeout", required_argument, NULL, OPT_IDLE_TIMEOUT},
        {"record", required_argument, NULL, OPT_RECORD},
        {"vm", required_argument, NULL, OPT_VM},
        {"vsock", required_argument, NULL, OPT_VSOCK},
        {"vsock-allow", required_argument, NULL, OPT_VSOCK_ALLOW},
        {"worker-user", required_argument, NULL, OPT_WORKER_USER},
        {"gpu-process", no_argument, NULL, OPT_GPU_PROCESS},
        {"gpu-context-per-worker", no_argument, NULL, OPT_GPU_CONTEXT_PER_WORKER},
        {"worker-timeout", required_argument, NULL, OPT_WORKER_TIMEOUT},
        {"qos", required_argument, NULL, OPT_QOS},
        {"engine-slots", required_argument, NULL, OPT_ENGINE_SLOTS},
        {"admin", required_argument, NULL, OPT_ADMIN},
        {"metrics", required_argument, NULL, OPT_METRICS},
        {"socket-group", required_argument, NULL, OPT_SOCKET_GROUP},
        {"socket-mode", required_argument, NULL, OPT_SOCKET_MODE},
        {"config", required_argument, NULL, OPT_CONFIG},
        {"vaapi-device", required_argument, NULL, OPT_VAAPI_DEVICE},
        /* Internal: how the supervisor starts a worker (worker_pool.c). */
        {"worker", required_argument, NULL, OPT_WORKER},
        {"worker-slot", required_argument, NULL, OPT_WORKER_SLOT},
        {"worker-gpu", no_argument, NULL, OPT_WORKER_GPU},
        {"worker-region", required_argument, NULL, OPT_WORKER_REGION},
        {"help", no_argument, NULL, OPT_HELP},
        {"version", no_argument, NULL, OPT_VERSION},
        {NULL, 0, NULL, 0},
    };
    uint32_t per_client = UINT32_MAX; /* UINT32_MAX: the default, from max_sessions */
    int opt, level;
    while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (opt) {
        case OPT_SOCKET:
            o->server.socket_path = optarg;
            break;
        case OPT_ENGINE:
            o->engine_name = optarg;
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
            if (parse_u32(optarg, &o->server.max_sessions)) {
                fprintf(stderr, "vivacd: --max-sessions: \"%s\" is not a number\n", optarg);
                return 2;
            }
            break;
        case OPT_MAX_MEMORY:
            if (parse_mib("max-memory", optarg, false, &o->max_memory))
                return 2;
            o->max_memory_given = true;
            break;
        case OPT_MAX_GPU_MEMORY:
            if (parse_mib("max-gpu-memory", optarg, false, &o->max_gpu_memory))
                return 2;
            o->gpu_limit_given = true;
            break;
        case OPT_MAX_SESSION_MEMORY:
            if (parse_mib("max-session-memory", optarg, true, &o->limits.max_bytes))
                return 2;
            break;
        case OPT_MAX_SESSION_GPU_MEMORY:
            if (parse_mib("max-session-gpu-memory", optarg, true, &o->session_gpu))
                return 2;
            break;
        case OPT_MAX_CLIENT_MEMORY:
            if (parse_mib("max-client-memory", optarg, false, &o->client_memory))
                return 2;
            o->client_memory_given = true;
            break;
        case OPT_MAX_CLIENT_GPU_MEMORY:
            if (parse_mib("max-client-gpu-memory", optarg, false, &o->client_gpu_memory))
                return 2;
            o->client_gpu_given = true;
            break;
        case OPT_MAX_PER_CLIENT:
            if (parse_u32(optarg, &per_client) || per_client == UINT32_MAX) {
                fprintf(stderr, "vivacd: --max-sessions-per-client: \"%s\" is not a number\n",
                        optarg);
                return 2;
            }
            break;
        case OPT_HELLO_TIMEOUT:
        case OPT_MESSAGE_TIMEOUT:
        case OPT_IDLE_TIMEOUT:
        case OPT_WORKER_TIMEOUT: {
            uint32_t *t = opt == OPT_WORKER_TIMEOUT ? &o->worker_timeout_s
                                                    : &o->timeout_s[opt - OPT_HELLO_TIMEOUT];
            if (parse_u32(optarg, t) || *t > 86400) {
                fprintf(stderr, "vivacd: %s: \"%s\" is not a number of seconds (0 to 86400)\n",
                        argv[optind - 1], optarg);
                return 2;
            }
            break;
        }
        case OPT_RECORD:
            o->record_dir = optarg;
            break;
        case OPT_VM: {
            const char **specs = realloc(o->vm_specs, sizeof(*specs) * (o->num_vm_specs + 1));
            if (!specs)
                return 2;
            o->vm_specs = specs;
            specs[o->num_vm_specs++] = optarg;
            break;
        }
        case OPT_VSOCK: {
            uint32_t port;
            if (parse_u32(optarg, &port) || port == 0) {
                fprintf(stderr, "vivacd: --vsock: \"%s\" is not a port number\n", optarg);
                return 2;
            }
            o->server.vsock_port = port;
            break;
        }
        case OPT_VSOCK_ALLOW: {
            char why[256];
            if (vh_vsock_allow_add(&o->server.vsock_allow, optarg, why, sizeof(why))) {
                fprintf(stderr, "vivacd: --vsock-allow: %s\n", why);
                return 2;
            }
            break;
        }
        case OPT_WORKER_USER:
            o->worker_user = optarg;
            break;
        case OPT_QOS: {
            char cls[VH_SCHED_NAME_MAX], why[256];
            const char *text;
            struct vh_sched_policy p = {.weight = 1};
            if (vh_qos_split(optarg, cls, sizeof(cls), &text) != 0) {
                fprintf(stderr, "vivacd: --qos: \"%s\" is not CLASS:KEY=VALUE[,...]\n", optarg);
                return 2;
            }
            if (vh_qos_parse(text, &p, why, sizeof(why)) != 0) {
                fprintf(stderr, "vivacd: --qos %s: %s\n", cls, why);
                return 2;
            }
            const char **specs = realloc(o->qos_specs, sizeof(*specs) * (o->num_qos_specs + 1));
            if (!specs)
                return 2;
            o->qos_specs = specs;
            specs[o->num_qos_specs++] = optarg;
            break;
        }
        case OPT_ADMIN:
            o->admin_path = optarg;
            break;
        case OPT_METRICS:
            o->metrics = optarg;
            break;
        case OPT_SOCKET_GROUP:
        case OPT_SOCKET_MODE: {
            char why[160];
            if ((opt == OPT_SOCKET_GROUP ? vh_file_access_parse_group
                                         : vh_file_access_parse_mode)(optarg, &o->server.access,
                                                                      why, sizeof(why))) {
                fprintf(stderr, "vivacd: %s\n", why);
                return 2;
            }
            break;
        }
        case OPT_ENGINE_SLOTS:
            if (parse_u32(optarg, &o->engine_slots) || o->engine_slots > 4096) {
                fprintf(stderr, "vivacd: --engine-slots: \"%s\" is not a number (0 to 4096)\n",
                        optarg);
                return 2;
            }
            o->engine_slots_given = true;
            break;
        case OPT_WORKER:
            o->worker_role = optarg;
            break;
        case OPT_WORKER_SLOT:
            if (parse_u32(optarg, &o->worker_slot) || o->worker_slot >= VH_MAX_WORKERS)
                return 2;
            break;
        case OPT_WORKER_GPU:
            o->worker_gpu = true;
            break;
        case OPT_WORKER_REGION:
            o->worker_region = optarg;
            break;
        case OPT_CONFIG:
            o->config_path = optarg;
            break;
        case OPT_VAAPI_DEVICE:
            /* The engine reads it in the workers, which inherit it. */
            if (setenv("VIVAC_VAAPI_DEVICE", optarg, 1) != 0) {
                fprintf(stderr, "vivacd: --vaapi-device: %s\n", strerror(errno));
                return 2;
            }
            break;
        case OPT_GPU_PROCESS:
            o->gpu_process = o->gpu_process_given = true;
            break;
        case OPT_GPU_CONTEXT_PER_WORKER:
            o->gpu_process = false;
            break;
        case 'h':
        case OPT_HELP:
            usage(stdout);
            return 1;
        case OPT_VERSION:
            printf("vivacd %s (protocol %u.%u)\n", VIVAC_VERSION, VW_VERSION_MAJOR,
                   VW_VERSION_MINOR);
            return 1;
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
    if (o->server.vsock_allow.count && !o->server.vsock_port) {
        fprintf(stderr, "vivacd: --vsock-allow without --vsock PORT\n");
        return 2;
    }
    uint32_t max = o->server.max_sessions;
    if (per_client == UINT32_MAX)
        per_client = max ? (max / 4 ? max / 4 : 1) : 0;
    o->server.max_sessions_per_client = per_client;
    o->server.timeouts = (struct vh_timeouts){.hello_ms = o->timeout_s[0] * 1000,
                                              .message_ms = o->timeout_s[1] * 1000,
                                              .idle_ms = o->timeout_s[2] * 1000};
    if (o->record_dir) {
        struct stat st;
        if (stat(o->record_dir, &st) != 0 || !S_ISDIR(st.st_mode) ||
            access(o->record_dir, W_OK) != 0) {
            fprintf(stderr, "vivacd: --record: %s is not a writable directory\n", o->record_dir);
            return 2;
        }
    }
    return 0;
}

/* The worker's side: its budgets, its VM (if it serves one), then the
 * worker itself (worker.c). */
static int worker_main(struct options *o)
{
    char prefix[96];
    snprintf(prefix, sizeof(prefix), "vivacd[%s]", o->worker_role);
    vc_log_set_prefix(prefix);
    /* Nothing but stdio, the control socket, the budgets, the GPU
     * process's connection and the render nodes from here on. */
    unsigned first = o->worker_gpu ? VH_WORKER_GPU_FD + 1 : VH_WORKER_BUDGETS_FD + 1;
    unsigned nodes = vh_render_nodes_passed();
    if (nodes && first < VH_WORKER_RENDER_FD0)
        close_range(first, VH_WORKER_RENDER_FD0 - 1, 0);
    close_range(nodes ? VH_WORKER_RENDER_FD0 + nodes : first, ~0u, 0);
    /* The packages' system user where it exists (packaging/). */
    const char *user = o->worker_user ? o->worker_user : getpwnam("vivac") ? "vivac" : "nobody";
    if (strcmp(o->worker_role, "gpu") == 0) {
        close(VH_WORKER_BUDGETS_FD);
        struct vh_gpu_process_config gcfg = {
            .engine_name = o->engine_name, .sandbox_user = user,
            .control_fd = VH_WORKER_CONTROL_FD,
        };
        return vh_gpu_process_run(&gcfg);
    }
    struct vh_budget_page *page;
    int err = vh_budget_page_map(VH_WORKER_BUDGETS_FD, &page);
    close(VH_WORKER_BUDGETS_FD);
    if (err) {
        vc_error("worker: no budget page: %s", strerror(-err));
        return 1;
    }
    struct vh_memory_budget *mem = &page->worker[o->worker_slot].memory;
    struct vh_memory_budget *gpu = &page->worker[o->worker_slot].gpu;
    mem->parent = &page->memory;
    gpu->parent = &page->gpu;
    struct vh_worker_config cfg = {
        .role = o->worker_role,
        .engine_name = o->engine_name,
        .limits = o->limits,
        .gpu_budget = gpu,
        .timeouts = o->server.timeouts,
        .record_dir = o->record_dir,
        .sandbox_user = user,
        .control_fd = VH_WORKER_CONTROL_FD,
        .gpu_fd = o->worker_gpu ? VH_WORKER_GPU_FD : -1,
        .stall_ms = o->worker_timeout_s * 1000,
        .scheduled = !(o->engine_slots_given && o->engine_slots == 0),
    };
    cfg.limits.shared = mem;
    cfg.limits.gpu_shared = gpu;
    cfg.limits.max_gpu_bytes = o->session_gpu ? o->session_gpu : cfg.limits.max_gpu_bytes;
    /* Address space: what the client may hold, and room for code, threads
     * and the engine's own buffers. Not under AddressSanitizer, which
     * reserves terabytes of shadow memory. */
#if !defined(__SANITIZE_ADDRESS__)
    if (mem->limit)
        cfg.max_address_space = mem->limit + (8ull << 30);
#endif
    /* A VM's worker: its region as the supervisor's VM set says now
     * (--worker-region; the file exists: the supervisor made it). */
    struct vh_vm *vm = NULL;
    if (strncmp(o->worker_role, "vm:", 3) == 0) {
        struct vh_vm_spec spec = {0};
        char why[512];
        if (!o->worker_region ||
            snprintf(spec.name, sizeof(spec.name), "%s", o->worker_role + 3) >=
                (int)sizeof(spec.name) ||
            snprintf(spec.shm_path, sizeof(spec.shm_path), "%s", o->worker_region) >=
                (int)sizeof(spec.shm_path)) {
            vc_error("worker: no VM region for %s", o->worker_role);
            return 1;
        }
        if (vh_vm_create_spec(&spec, NULL, &vm, why, sizeof(why))) {
            vc_error("VM %s: %s", spec.name, why);
            return 1;
        }
    }
    cfg.vm = vm;
    int status = vh_worker_run(&cfg);
    vh_vm_destroy(&vm);
    return status;
}

/* The decode scheduler of the supervisor (NULL with --engine-slots 0): the
 * classes of the VMs and of the local clients up front, each with its
 * file's QoS and its --qos. 0, or 2 for a usage error (a --qos of no known class). */
static int make_scheduler(const struct options *o, const char *engine, struct vh_vm_set *vms,
                          struct vh_sched **out)
{
    *out = NULL;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    uint32_t slots = o->engine_slots_given ? o->engine_slots
                     : strcmp(engine, "sw") == 0 ? (uint32_t)(cpus > 0 ? cpus : 1)
                                                 : VH_GPU_ENGINE_SLOTS;
    if (!slots) {
        vc_info("scheduler off (--engine-slots 0): decodes go to the engine as they come");
        return 0;
    }
    struct vh_sched_policy def = {.weight = 1};
    struct vh_sched *s;
    if (vh_sched_create(slots, &def, &s))
        return 1;
    vh_sched_class(s, "local");
    vh_vm_set_apply_qos(vms, s); /* the files' QoS, then --qos over it */
    for (unsigned i = 0; i < o->num_qos_specs; i++) {
        char cls[VH_SCHED_NAME_MAX], why[256];
        const char *text;
        vh_qos_split(o->qos_specs[i], cls, sizeof(cls), &text); /* checked when parsed */
        int c = vh_qos_class(s, cls);
        if (c < 0) {
            vc_error("--qos: no class %s (a --vm's name, local or cid:N)", cls);
            vh_sched_destroy(&s);
            return 2;
        }
        struct vh_sched_policy p;
        vh_sched_get(s, (uint32_t)c, &p, NULL);
        vh_qos_parse(text, &p, why, sizeof(why));
        vh_sched_set_policy(s, (uint32_t)c, &p);
    }
    for (uint32_t k = 0; k < vh_sched_num_classes(s); k++) {
        if (!vh_sched_class_name(s, k))
            continue;
        char text[128];
        struct vh_sched_policy p;
        vh_sched_get(s, k, &p, NULL);
        vh_qos_format(&p, text, sizeof(text));
        vc_info("scheduler: class %s: %s (macroblocks/s)", vh_sched_class_name(s, k), text);
    }
    vc_info("scheduler: %u pictures on the engine at once", slots);
    *out = s;
    return 0;
}

/* True if a daemon answers on the Unix socket at path. */
static bool socket_live(const char *path)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(a.sun_path))
        return false;
    strcpy(a.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    bool live = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
    if (fd >= 0)
        close(fd);
    return live;
}

/* The admin socket and metrics endpoint (admin.h). 0, or 2 for a usage
 * error: an --admin or --metrics that cannot be served. */
static int start_admin(const struct options *o, struct vh_admin **out)
{
    *out = NULL;
    static char beside[PATH_MAX];
    const char *path = o->admin_path;
    bool chosen = path != NULL;
    if (!path) {
        const char *slash = strrchr(o->server.socket_path, '/');
        int dir = slash ? (int)(slash - o->server.socket_path) : 1;
        snprintf(beside, sizeof(beside), "%.*s/admin.sock", dir,
                 slash ? o->server.socket_path : ".");
        path = beside;
    }
    if (strcmp(path, "none") == 0)
        path = NULL;
    if (path && socket_live(path)) {
        if (chosen) {
            vc_error("--admin %s: another daemon answers there", path);
            return 2;
        }
        vc_warn("admin socket %s: another daemon answers there; running without one (--admin "
                "PATH to choose another)", path);
        path = NULL;
    }
    if (!path && !o->metrics)
        return 0;
    struct vh_admin_config cfg = {.admin_path = path, .metrics = o->metrics};
    char why[256];
    if (vh_admin_start(&cfg, out, why, sizeof(why)) != 0) {
        vc_error("%s: %s", o->metrics && strstr(why, o->metrics) ? "--metrics" : "admin", why);
        return 2;
    }
    if (path)
        vc_info("admin socket %s (vivac set, vivac top)", path);
    if (o->metrics)
        vc_info("metrics on %s (GET /metrics)", o->metrics);
    return 0;
}

static const char *vm_region(void *vms, const char *name)
{
    return vh_vm_set_region(vms, name);
}

/* The supervisor: starts a probe worker (the engine runs in the workers
 * only, never here), sets the budgets, serves. */
static int supervisor_main(int argc, char **argv, struct options *o)
{
    struct vh_server_config *config = &o->server;
    struct vh_vm_set_config vms_config = {
        .config_path = o->config_path, .socket_path = config->socket_path,
        .access = config->access,
        .vm_specs = o->vm_specs, .num_vm_specs = o->num_vm_specs,
    };
    char why[1024];
    if (vh_vm_set_create(&vms_config, &config->vms, why, sizeof(why))) {
        fprintf(stderr, "vivacd: %s\n", why);
        return 2;
    }
    if (o->config_path)
        vc_info("configuration %s: %u VM(s) in all", o->config_path,
                vh_vm_set_count(config->vms));
    /* Signals: SIGPIPE ignored (sends report EPIPE); SIGTERM/SIGINT/SIGHUP
     * blocked (the workers inherit that: the supervisor ends them) and read
     * from a signalfd by the accept loop (SIGHUP: a reload). */
    signal(SIGPIPE, SIG_IGN);
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGHUP);
    int status = 1;
    if (pthread_sigmask(SIG_BLOCK, &stop, NULL) != 0) {
        vc_error("cannot block signals");
        goto out_vms;
    }
    int stop_fd = signalfd(-1, &stop, SFD_CLOEXEC);
    if (stop_fd < 0) {
        vc_error("signalfd: %s", strerror(errno));
        goto out_vms;
    }
    struct vh_budget_page *page;
    int page_fd;
    int err = vh_budget_page_create(&page, &page_fd);
    if (err) {
        vc_error("cannot set up the budgets: %s", strerror(-err));
        goto out_stop;
    }
    /* The workers' command line: ours, then what the probe found. */
    char **worker_argv = calloc((size_t)argc + 8, sizeof(*worker_argv));
    if (!worker_argv)
        goto out_page;
    memcpy(worker_argv, argv, (size_t)argc * sizeof(*argv));
    struct vh_pool_config pool_config = {
        .argv = worker_argv,
        .budgets = page,
        .budgets_fd = page_fd,
        .watchdog_ms = o->worker_timeout_s * 1000,
        .retire_ms = 10000,
        .vm_region = vm_region,
        .vm_region_opaque = config->vms,
    };
    /* The vaapi engine's render nodes, opened here so that the workers
     * (an unprivileged user) need no access to them. */
    struct vh_render_nodes render_nodes = {.count = 0};
    if (vh_engine_includes(o->engine_name, "vaapi")) {
        vh_render_nodes_open(&render_nodes, getenv("VIVAC_VAAPI_DEVICE"));
        pool_config.render_nodes = &render_nodes;
    }
    struct vh_pool *pool = NULL;
    struct vh_sched *sched = NULL;
    struct vh_admin *admin = NULL;
    if (vh_pool_create(&pool_config, &pool))
        goto out_argv;
    char engine[48];
    uint64_t gpu_total = 0;
    err = vh_pool_probe(pool, 60000, engine, sizeof(engine), &gpu_total);
    if (err) {
        vc_error("no engine can start (%s): see the worker's messages above",
                 strcmp(o->engine_name, "auto") ? o->engine_name : "auto");
        goto out_pool;
    }
    config->engine_name = engine;
    if (!vh_engine_includes(engine, "vaapi")) {
        vh_render_nodes_close(&render_nodes);
        pool_config.render_nodes = NULL;
    }
    page->memory.limit = o->max_memory_given ? o->max_memory : vh_budget_default_limit();
    page->gpu.limit = o->gpu_limit_given ? o->max_gpu_memory
                                         : vh_budget_default_gpu_limit(gpu_total);
    /* One session may take a quarter of the GPU budget: enough for the
     * largest decoders the caps offer on a big card, while three others
     * still fit. */
    uint64_t session_gpu = o->session_gpu;
    if (!session_gpu) {
        uint64_t base = page->gpu.limit ? page->gpu.limit : gpu_total;
        session_gpu = base / 4 > o->limits.max_gpu_bytes ? base / 4 : o->limits.max_gpu_bytes;
    }
    /* One client may take half of each budget, and at least one session's. */
    vh_pool_destroy(&pool);
    pool_config.client_memory = o->client_memory_given ? o->client_memory
                                : page->memory.limit / 2 > o->limits.max_bytes
                                    ? page->memory.limit / 2 : o->limits.max_bytes;
    if (!o->client_memory_given && !page->memory.limit)
        pool_config.client_memory = 0;
    pool_config.client_gpu_memory = o->client_gpu_given ? o->client_gpu_memory
                                    : page->gpu.limit / 2 > session_gpu ? page->gpu.limit / 2
                                                                        : session_gpu;
    if (!o->client_gpu_given && !page->gpu.limit)
        pool_config.client_gpu_memory = 0;
    static char session_gpu_text[24];
    snprintf(session_gpu_text, sizeof(session_gpu_text), "%llu",
             (unsigned long long)(session_gpu >> 20));
    worker_argv[argc] = "--engine";
    worker_argv[argc + 1] = engine;
    worker_argv[argc + 2] = "--max-session-gpu-memory";
    worker_argv[argc + 3] = session_gpu_text;
    int sched_err = make_scheduler(o, engine, config->vms, &sched);
    if (sched_err) {
        status = sched_err;
        goto out_pool;
    }
    pool_config.sched = sched;
    config->sched = sched;
    if (o->gpu_process) {
        const struct vh_engine_ops *ops = vh_engine_find(engine);
        pool_config.gpu_process = ops && ops->gpu_server_create;
        if (pool_config.gpu_process)
            vc_info("one GPU process for every worker (--gpu-context-per-worker: a "
                    "CUDA context in each)");
        else if (o->gpu_process_given)
            vc_warn("--gpu-process: engine %s has none; each worker runs its own engine",
                    engine);
    }
    if (vh_pool_create(&pool_config, &pool))
        goto out_pool;
    int admin_err = start_admin(o, &admin);
    if (admin_err) {
        status = admin_err;
        goto out_pool;
    }
    config->admin = admin;
    vc_info("memory budget: %llu MiB (%s), %llu MiB a client, %llu MiB a session",
            (unsigned long long)(page->memory.limit >> 20),
            o->max_memory_given ? "--max-memory" : "default: half the memory",
            (unsigned long long)(pool_config.client_memory >> 20),
            (unsigned long long)(o->limits.max_bytes >> 20));
    if (gpu_total)
        vc_info("GPU memory budget: %llu MiB of %llu MiB (%s), %llu MiB a client, %llu MiB a "
                "session", (unsigned long long)(page->gpu.limit >> 20),
                (unsigned long long)(gpu_total >> 20),
                page->gpu.limit ? (o->gpu_limit_given ? "--max-gpu-memory" : "default: half")
                                : "unlimited",
                (unsigned long long)(pool_config.client_gpu_memory >> 20),
                (unsigned long long)(session_gpu >> 20));
    err = vh_server_run(config, pool, stop_fd);
    status = err ? 1 : 0;
out_pool:
    vh_admin_stop(&admin);
    vh_pool_destroy(&pool);
    vh_sched_destroy(&sched);
out_argv:
    vh_render_nodes_close(&render_nodes);
    free(worker_argv);
out_page:
    munmap(page, sizeof(*page));
    close(page_fd);
out_stop:
    close(stop_fd);
out_vms:
    vh_vm_set_destroy(&config->vms);
    return status;
}

int main(int argc, char **argv)
{
    vc_log_set_prefix("vivacd");
    if (!getenv("VIVAC_LOG"))
        vc_log_set_level(VC_LOG_INFO);
    static struct options o = {.server.max_sessions = 64, .engine_name = "auto",
                               .timeout_s = {10, 10, 60}, .worker_timeout_s = 30,
                               .gpu_process = true};
    vh_limits_default(&o.limits);
    const char *socket_path = getenv("VIVAC_SOCKET");
    o.server.socket_path = socket_path && *socket_path ? socket_path : VIVAC_DEFAULT_SOCKET;
    int r = parse_options(argc, argv, &o);
    if (r)
        return r == 1 ? 0 : 2;
    /* The configuration: --config, else $VIVAC_CONFIG, else the default
     * file if there is one; "none" (or an empty $VIVAC_CONFIG): no file. */
    const char *config = getenv("VIVAC_CONFIG");
    if (!o.config_path)
        o.config_path = config ? config : access(VIVAC_DEFAULT_CONFIG, F_OK) == 0
                                              ? VIVAC_DEFAULT_CONFIG : NULL;
    if (o.config_path && (!*o.config_path || strcmp(o.config_path, "none") == 0))
        o.config_path = NULL;
    if (o.worker_role) {
        /* _exit: nothing may run at exit in the sandbox (LeakSanitizer's
         * check would need ptrace and a process of its own: SIGSYS). */
        int status = worker_main(&o);
        fflush(NULL);
        _exit(status);
    }
    int status = supervisor_main(argc, argv, &o);
    free(o.vm_specs);
    free(o.qos_specs);
    return status;
}
