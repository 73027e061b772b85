/* Sandbox of a worker process: the single-threaded step (namespaces,
 * credentials, capabilities, rlimits) and the lock step's order
 * (sandbox.h). */
#include "host/sandbox.h"

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "host/sandbox_internal.h"

#define DEFAULT_MAX_OPEN_FILES 256u

void vh_sandbox_report_init(struct vh_sandbox_report *r, char *buf, size_t size)
{
    r->buf = buf;
    r->size = buf ? size : 0;
    r->len = 0;
    if (r->size)
        buf[0] = '\0';
}

void vh_sandbox_report_add(struct vh_sandbox_report *r, const char *fmt, ...)
{
    if (r->len + 1 >= r->size)
        return;
    if (r->len) {
        int n = snprintf(r->buf + r->len, r->size - r->len, ", ");
        r->len += (size_t)n;
        if (r->len >= r->size) {
            r->len = r->size - 1;
            return;
        }
    }
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(r->buf + r->len, r->size - r->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        r->len += (size_t)n;
    if (r->len >= r->size)
        r->len = r->size - 1;
}

/* Writes "uid uid 1" style maps so that the caller keeps its ids inside the
 * new user namespace (setgroups denied first: the kernel requires it for an
 * unprivileged gid_map). Returns 0 or -errno. */
static int write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "we");
    if (!f)
        return -errno;
    int err = fputs(text, f) < 0 ? -EIO : 0;
    if (fclose(f) != 0 && !err)
        err = -errno;
    return err;
}

static int map_ids(uid_t uid, gid_t gid)
{
    char line[64];
    int err = write_file("/proc/self/setgroups", "deny");
    if (err && err != -ENOENT) /* ENOENT: kernels before 3.19 */
        return err;
    snprintf(line, sizeof(line), "%u %u 1", (unsigned)uid, (unsigned)uid);
    if ((err = write_file("/proc/self/uid_map", line)))
        return err;
    snprintf(line, sizeof(line), "%u %u 1", (unsigned)gid, (unsigned)gid);
    return write_file("/proc/self/gid_map", line);
}

/* New namespaces where the kernel lets us: as root directly, otherwise in
 * a user namespace first. Optional: reports and never fails. */
static void enter_namespaces(bool root, struct vh_sandbox_report *r)
{
    static const struct {
        int flag;
        const char *name;
    } kinds[] = {{CLONE_NEWNET, "net"}, {CLONE_NEWIPC, "ipc"}, {CLONE_NEWNS, "mnt"}};
    char applied[64] = "", refused[96] = "";
    size_t a = 0, f = 0;
    if (!root) {
        uid_t uid = geteuid();
        gid_t gid = getegid();
        if (unshare(CLONE_NEWUSER) != 0) {
            vh_sandbox_report_add(r, "namespaces: not applied (user: %s)", strerror(errno));
            return;
        }
        int err = map_ids(uid, gid);
        if (err) {
            vh_sandbox_report_add(r, "namespaces: not applied (user id map: %s)", strerror(-err));
            return;
        }
        a += (size_t)snprintf(applied + a, sizeof(applied) - a, "user");
    }
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        if (unshare(kinds[i].flag) == 0) {
            a += (size_t)snprintf(applied + a, sizeof(applied) - a, "%s%s", a ? "+" : "",
                                  kinds[i].name);
            /* Mounts made later on either side stay on that side. */
            if (kinds[i].flag == CLONE_NEWNS)
                mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
        } else {
            f += (size_t)snprintf(refused + f, sizeof(refused) - f, "%s%s: %s", f ? ", " : "",
                                  kinds[i].name, strerror(errno));
        }
    }
    if (!a)
        vh_sandbox_report_add(r, "namespaces: not applied (%s)", refused);
    else if (f)
        vh_sandbox_report_add(r, "namespaces %s (not %s)", applied, refused);
    else
        vh_sandbox_report_add(r, "namespaces %s", applied);
}

/* Empties the bounding set (needs CAP_SETPCAP: root, or the owner of a new
 * user namespace). Returns 0 or -errno. */
static int drop_bounding_set(void)
{
    for (int cap = 0; prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; cap++) {
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0)
            return -errno;
    }
    return 0;
}

/* root -> cfg->user (or nobody), for good: real, effective and saved ids,
 * and the supplementary groups. Returns 0 or -errno. */
static int drop_user(const struct vh_sandbox_config *cfg, struct vh_sandbox_report *r)
{
    const char *name = cfg->user ? cfg->user : "nobody";
    errno = 0;
    struct passwd *pw = getpwnam(name);
    if (!pw) {
        int err = errno ? -errno : -ENOENT;
        vh_sandbox_report_add(r, "user %s: unknown (%s)", name, strerror(-err));
        return err;
    }
    uid_t uid = pw->pw_uid;
    gid_t gid = pw->pw_gid;
    if (uid == 0) {
        vh_sandbox_report_add(r, "user %s: is root", name);
        return -EINVAL;
    }
    if (setgroups(1, &gid) != 0 || setresgid(gid, gid, gid) != 0 ||
        setresuid(uid, uid, uid) != 0) {
        int err = -errno;
        vh_sandbox_report_add(r, "user %s: %s", name, strerror(errno));
        return err;
    }
    /* No way back: the saved id is gone too. */
    if (setresuid(0, 0, 0) == 0) {
        vh_sandbox_report_add(r, "user %s: root could be taken back", name);
        return -EPERM;
    }
    vh_sandbox_report_add(r, "user %s (uid %u gid %u)", name, (unsigned)uid, (unsigned)gid);
    return 0;
}

/* Effective, permitted and inheritable sets emptied (the ambient set
 * follows); checked by reading them back. Returns 0 or -errno. */
static int drop_capabilities(void)
{
    struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof(data));
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0); /* EINVAL before 4.3 */
    if (syscall(SYS_capset, &hdr, data) != 0)
        return -errno;
    if (syscall(SYS_capget, &hdr, data) != 0)
        return -errno;
    for (int i = 0; i < 2; i++) {
        if (data[i].effective || data[i].permitted || data[i].inheritable)
            return -EPERM;
    }
    return 0;
}

/* Sets both limits to value, or to the hard limit if that is lower (a
 * process without CAP_SYS_RESOURCE cannot raise it). Returns 0 or -errno. */
static int limit(int resource, rlim_t value, rlim_t *applied)
{
    struct rlimit rl;
    if (getrlimit(resource, &rl) != 0)
        return -errno;
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < value)
        value = rl.rlim_max;
    rl.rlim_cur = rl.rlim_max = value;
    if (setrlimit(resource, &rl) != 0)
        return -errno;
    *applied = value;
    return 0;
}

static int set_limits(const struct vh_sandbox_config *cfg, struct vh_sandbox_report *r)
{
    rlim_t as = 0, nofile = 0, core = 0;
    int err = 0;
    if (cfg->max_address_space && (err = limit(RLIMIT_AS, cfg->max_address_space, &as)))
        goto fail;
    if ((err = limit(RLIMIT_NOFILE,
                     cfg->max_open_files ? cfg->max_open_files : DEFAULT_MAX_OPEN_FILES, &nofile)))
        goto fail;
    if ((err = limit(RLIMIT_CORE, 0, &core)))
        goto fail;
    if (cfg->max_address_space)
        vh_sandbox_report_add(r, "rlimit AS %llu MiB NOFILE %llu core 0",
                              (unsigned long long)(as >> 20), (unsigned long long)nofile);
    else
        vh_sandbox_report_add(r, "rlimit AS unset NOFILE %llu core 0", (unsigned long long)nofile);
    return 0;
fail:
    vh_sandbox_report_add(r, "rlimits: %s", strerror(-err));
    return err;
}

int vh_sandbox_prepare(const struct vh_sandbox_config *cfg, char *report, size_t size)
{
    struct vh_sandbox_report r;
    vh_sandbox_report_init(&r, report, size);
    if (!cfg)
        return -EINVAL;
    bool root = geteuid() == 0;
    int err;

    enter_namespaces(root, &r);
    /* Before the uid change: dropping from the bounding set needs
     * CAP_SETPCAP. Not root and no user namespace: the kernel refuses, and
     * with no_new_privs the set can give nothing back anyway. */
    int bset = drop_bounding_set();
    if (root && bset) {
        vh_sandbox_report_add(&r, "bounding set: %s", strerror(-bset));
        return bset;
    }
    if (root) {
        if ((err = drop_user(cfg, &r)))
            return err;
    } else {
        vh_sandbox_report_add(&r, "user uid %u (not root: kept)", (unsigned)geteuid());
    }
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        err = -errno;
        vh_sandbox_report_add(&r, "no_new_privs: %s", strerror(errno));
        return err;
    }
    vh_sandbox_report_add(&r, "no_new_privs");
    if ((err = drop_capabilities())) {
        vh_sandbox_report_add(&r, "caps: %s", strerror(-err));
        return err;
    }
    if (bset)
        vh_sandbox_report_add(&r, "caps none (bounding set kept: %s)", strerror(-bset));
    else
        vh_sandbox_report_add(&r, "caps none");
    if ((err = set_limits(cfg, &r)))
        return err;
    /* No core, no ptrace by the same uid, /proc/PID files owned by root. */
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
        err = -errno;
        vh_sandbox_report_add(&r, "dumpable: %s", strerror(errno));
        return err;
    }
    vh_sandbox_report_add(&r, "not dumpable");
    return 0;
}

int vh_sandbox_lock(const struct vh_sandbox_config *cfg, char *report, size_t size)
{
    struct vh_sandbox_report r;
    vh_sandbox_report_init(&r, report, size);
    if (!cfg)
        return -EINVAL;
    /* Landlock first: its system calls are not on the seccomp list. */
    vh_sandbox_landlock(cfg, &r);
    return vh_sandbox_seccomp(cfg, &r);
}
