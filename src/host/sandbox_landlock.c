/* Landlock part of the sandbox's lock step (sandbox.h): files outside the
 * configured paths cannot be opened, created or removed, TCP cannot be
 * bound or connected, abstract Unix sockets and signals outside the
 * sandbox cannot be reached, as far as the running kernel's ABI goes.
 *
 * The constants are spelled here because the build hosts' kernel headers
 * (Debian 12: ABI 1) lag behind the kernels the daemon runs on. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "host/sandbox_internal.h"

#define LL_CREATE_RULESET_VERSION (1u << 0)
#define LL_RULE_PATH_BENEATH 1
#define LL_RESTRICT_SELF_TSYNC (1u << 3) /* ABI 8 */

#define FS_EXECUTE (1ull << 0)
#define FS_WRITE_FILE (1ull << 1)
#define FS_READ_FILE (1ull << 2)
#define FS_READ_DIR (1ull << 3)
#define FS_REMOVE_FILE (1ull << 5)
#define FS_MAKE_REG (1ull << 8)
#define FS_ABI1_ALL ((1ull << 13) - 1)
#define FS_REFER (1ull << 13)     /* ABI 2 */
#define FS_TRUNCATE (1ull << 14)  /* ABI 3 */
#define FS_IOCTL_DEV (1ull << 15) /* ABI 5 */
#define NET_BIND_TCP (1ull << 0)  /* ABI 4 */
#define NET_CONNECT_TCP (1ull << 1)
#define SCOPE_ABSTRACT_UNIX (1ull << 0) /* ABI 6 */
#define SCOPE_SIGNAL (1ull << 1)

/* struct landlock_ruleset_attr; the size passed tells the kernel which
 * fields we know (8 bytes: ABI 1-3, 16: ABI 4-5, 24: ABI 6+). */
struct ll_ruleset_attr {
    uint64_t handled_access_fs;
    uint64_t handled_access_net;
    uint64_t scoped;
};

struct ll_path_beneath {
    uint64_t allowed_access;
    int32_t parent_fd;
} __attribute__((packed));

/* Rights a file (as opposed to a directory) can be given. */
#define FS_FILE_RIGHTS (FS_EXECUTE | FS_WRITE_FILE | FS_READ_FILE | FS_TRUNCATE | FS_IOCTL_DEV)

static int threads_now(void)
{
    FILE *f = fopen("/proc/self/status", "re");
    if (!f)
        return -1;
    char line[128];
    int n = -1;
    while (fgets(line, sizeof(line), f)) {
        if (sscanf(line, "Threads: %d", &n) == 1)
            break;
    }
    fclose(f);
    return n;
}

/* Adds one rule per existing path. Returns 0 or -errno; counts the paths
 * that do not exist in *missing. */
static int add_paths(int ruleset, const char *const *paths, uint64_t dir_rights, uint64_t handled,
                     unsigned *rules, unsigned *missing)
{
    for (size_t i = 0; paths && paths[i]; i++) {
        int fd = open(paths[i], O_PATH | O_CLOEXEC);
        if (fd < 0) {
            if (errno == ENOENT) {
                (*missing)++;
                continue;
            }
            return -errno;
        }
        struct stat st;
        if (fstat(fd, &st) != 0) {
            int err = -errno;
            close(fd);
            return err;
        }
        uint64_t rights = dir_rights & handled;
        if (!S_ISDIR(st.st_mode))
            rights &= FS_FILE_RIGHTS;
        struct ll_path_beneath rule = {.allowed_access = rights, .parent_fd = fd};
        int rc = (int)syscall(SYS_landlock_add_rule, ruleset, LL_RULE_PATH_BENEATH, &rule, 0);
        int err = rc ? -errno : 0;
        close(fd);
        if (err)
            return err;
        (*rules)++;
    }
    return 0;
}

/* A GPU worker's NVIDIA driver opens its device nodes again after the lock
 * (libcuda, at a decoder's creation: /dev/nvidiactl, /dev/nvidiaN,
 * /dev/nvidia-uvm, /dev/nvidia-caps/...) and reads a few of its settings;
 * seen with strace on driver 580. Only these /dev entries: no other
 * device. */
static const char *const gpu_read_paths[] = {
    "/proc/driver/nvidia", "/proc/sys/vm/overcommit_memory", "/sys/module/nvidia", NULL,
};

static int add_gpu_devices(int ruleset, uint64_t handled, unsigned *rules, unsigned *missing)
{
    DIR *dir = opendir("/dev");
    if (!dir)
        return 0;
    int err = 0;
    struct dirent *e;
    while (!err && (e = readdir(dir)) != NULL) {
        if (strncmp(e->d_name, "nvidia", 6) != 0)
            continue;
        char path[300];
        snprintf(path, sizeof(path), "/dev/%s", e->d_name);
        const char *const one[] = {path, NULL};
        err = add_paths(ruleset, one, FS_READ_FILE | FS_WRITE_FILE | FS_IOCTL_DEV | FS_READ_DIR,
                        handled, rules, missing);
    }
    closedir(dir);
    return err;
}

void vh_sandbox_landlock(const struct vh_sandbox_config *cfg, struct vh_sandbox_report *r)
{
    long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LL_CREATE_RULESET_VERSION);
    if (abi < 1) {
        vh_sandbox_report_add(r, "landlock: not applied (%s)",
                              errno == ENOSYS       ? "kernel has none"
                              : errno == EOPNOTSUPP ? "disabled at boot"
                                                    : strerror(errno));
        return;
    }
    struct ll_ruleset_attr attr = {.handled_access_fs = FS_ABI1_ALL};
    size_t attr_size = 8;
    if (abi >= 2)
        attr.handled_access_fs |= FS_REFER;
    if (abi >= 3)
        attr.handled_access_fs |= FS_TRUNCATE;
    if (abi >= 4) {
        attr.handled_access_net = NET_BIND_TCP | NET_CONNECT_TCP;
        attr_size = 16;
    }
    if (abi >= 5)
        attr.handled_access_fs |= FS_IOCTL_DEV;
    if (abi >= 6) {
        attr.scoped = SCOPE_ABSTRACT_UNIX | SCOPE_SIGNAL;
        attr_size = 24;
    }
    unsigned flags = abi >= 8 ? LL_RESTRICT_SELF_TSYNC : 0;
    /* Without TSYNC the domain covers this thread and the threads it
     * starts later, not the ones the engine started before. */
    int threads = flags ? 1 : threads_now();

    int ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, attr_size, 0);
    if (ruleset < 0) {
        vh_sandbox_report_add(r, "landlock ABI %ld: not applied (ruleset: %s)", abi,
                              strerror(errno));
        return;
    }
    unsigned rules = 0, missing = 0;
    uint64_t h = attr.handled_access_fs;
    int err = add_paths(ruleset, cfg->read_paths, FS_READ_FILE | FS_READ_DIR, h, &rules, &missing);
    if (!err)
        err = add_paths(ruleset, cfg->write_paths,
                        FS_READ_FILE | FS_READ_DIR | FS_WRITE_FILE | FS_TRUNCATE | FS_MAKE_REG |
                            FS_REMOVE_FILE | FS_IOCTL_DEV,
                        h, &rules, &missing);
    if (!err && cfg->gpu)
        err = add_paths(ruleset, gpu_read_paths, FS_READ_FILE | FS_READ_DIR, h, &rules, &missing);
    if (!err && cfg->gpu)
        err = add_gpu_devices(ruleset, h, &rules, &missing);
    /* A VA driver may open its render node again (or its card node for
     * display-less work): the DRM devices only, no creation or removal. */
    static const char *const drm_paths[] = {"/dev/dri", NULL};
    if (!err && cfg->drm)
        err = add_paths(ruleset, drm_paths, FS_READ_FILE | FS_WRITE_FILE | FS_IOCTL_DEV | FS_READ_DIR,
                        h, &rules, &missing);
    if (err) {
        vh_sandbox_report_add(r, "landlock ABI %ld: not applied (rule: %s)", abi, strerror(-err));
        close(ruleset);
        return;
    }
    if (syscall(SYS_landlock_restrict_self, ruleset, flags) != 0) {
        vh_sandbox_report_add(r, "landlock ABI %ld: not applied (%s)", abi, strerror(errno));
        close(ruleset);
        return;
    }
    close(ruleset);
    char missing_text[32] = "";
    if (missing)
        snprintf(missing_text, sizeof(missing_text), ", %u missing", missing);
    if (threads == 1)
        vh_sandbox_report_add(r, "landlock ABI %ld (%u paths%s)", abi, rules, missing_text);
    else if (threads < 1)
        vh_sandbox_report_add(r, "landlock ABI %ld (%u paths%s; threads started before: "
                              "unknown, not covered)", abi, rules, missing_text);
    else
        vh_sandbox_report_add(r, "landlock ABI %ld (%u paths%s; not on the %d thread%s started "
                              "before)", abi, rules, missing_text, threads - 1,
                              threads - 1 == 1 ? "" : "s");
}
