/* The worker sandbox (src/host/sandbox.h): a child sandboxes itself with
 * vh_sandbox_prepare + vh_sandbox_lock, shows that what a worker does still
 * works, then tries one escape; the parent checks the escape was refused
 * (or the child died of SIGSYS naming the call) and reads the child's
 * credentials from /proc. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "host/region_guard.h"
#include "host/sandbox.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

static char read_dir[64], write_dir[64], secret_dir[64];
static char allowed_file[128], secret_file[128];
static bool started_as_root;

/* What the child says after the lock. */
struct child_report {
    int prepare_err, lock_err;
    char prepare[512], lock[512];
    bool read_ok, write_ok, thread_ok, mmap_ok, memfd_ok, guard_ok, misc_ok;
};

static void *thread_main(void *arg)
{
    char *p = malloc(1 << 16); /* a new thread's first allocation: a new arena */
    if (p)
        memset(p, 1, 1 << 16);
    free(p);
    *(int *)arg = 42;
    return NULL;
}

static bool try_read_allowed(void)
{
    char buf[16] = {0};
    int fd = open(allowed_file, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    return n == 5 && strcmp(buf, "hello") == 0;
}

static bool try_write_allowed(void)
{
    char path[160];
    snprintf(path, sizeof(path), "%s/trace", write_dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return false;
    bool ok = write(fd, "trace", 5) == 5 && ftruncate(fd, 2) == 0;
    close(fd);
    return ok && unlink(path) == 0;
}

static bool try_thread(void)
{
    pthread_t t;
    int value = 0;
    if (pthread_create(&t, NULL, thread_main, &value) != 0)
        return false;
    return pthread_join(t, NULL) == 0 && value == 42;
}

static bool try_mmap(void)
{
    size_t size = 1u << 20;
    uint8_t *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return false;
    memset(p, 7, size);
    uint8_t *q = mremap(p, size, 2 * size, MREMAP_MAYMOVE);
    if (q == MAP_FAILED) {
        munmap(p, size);
        return false;
    }
    bool ok = q[size - 1] == 7 && madvise(q, 2 * size, MADV_DONTNEED) == 0 &&
              mprotect(q, size, PROT_READ) == 0;
    return munmap(q, 2 * size) == 0 && ok;
}

/* What a session arena does: a sealed memfd mapped shared. */
static bool try_memfd(void)
{
    int fd = memfd_create("arena", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0)
        return false;
    bool ok = ftruncate(fd, 1 << 16) == 0 &&
              fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) == 0 &&
              fcntl(fd, F_GET_SEALS) == (F_SEAL_SHRINK | F_SEAL_GROW);
    void *p = mmap(NULL, 1 << 16, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ok = ok && p != MAP_FAILED;
    if (p != MAP_FAILED) {
        memset(p, 3, 1 << 16);
        munmap(p, 1 << 16);
    }
    close(fd);
    return ok;
}

/* region_guard's SIGBUS + siglongjmp on a truncated file. */
static bool try_guard(void)
{
    long page = sysconf(_SC_PAGESIZE);
    int fd = memfd_create("region", MFD_CLOEXEC);
    if (fd < 0 || ftruncate(fd, 2 * page) != 0)
        return false;
    uint8_t *p = mmap(NULL, (size_t)(2 * page), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    bool ok = p != MAP_FAILED && ftruncate(fd, page) == 0;
    uint8_t buf[64];
    ok = ok && vh_region_read(buf, p + page, sizeof(buf)) == -EFAULT &&
         vh_region_read(buf, p, sizeof(buf)) == 0;
    if (p != MAP_FAILED)
        munmap(p, (size_t)(2 * page));
    close(fd);
    return ok;
}

static bool try_misc(void)
{
    struct timespec now, nap = {0, 1000};
    uint8_t rnd[8];
    cpu_set_t cpus;
    return clock_gettime(CLOCK_MONOTONIC, &now) == 0 && nanosleep(&nap, NULL) == 0 &&
           getrandom(rnd, sizeof(rnd), 0) == (ssize_t)sizeof(rnd) &&
           sched_getaffinity(0, sizeof(cpus), &cpus) == 0 && sysconf(_SC_NPROCESSORS_ONLN) > 0 &&
           prctl(PR_SET_NAME, "sandboxed", 0, 0, 0) == 0 && fprintf(stderr, "child: stdio\n") > 0 &&
           getpid() > 0;
}

/* An escape the hook has no name for: code made executable after the lock
 * (refused to the sw flavour). */
static void escape_exec_mapping(void)
{
    void *p = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("mmap(PROT_EXEC): %s\n", p == MAP_FAILED ? "refused" : "SUCCEEDED");
}

/* A thread started between prepare and lock, as the engine's are (CUDA,
 * libavcodec): the filter covers it too. It waits for the go, then tries
 * a socket. */
static int early_go[2] = {-1, -1};
static pthread_t early;

static void *early_main(void *arg)
{
    char go;
    if (read(early_go[0], &go, 1) == 1) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        printf("early thread socket(AF_INET): %s\n", fd >= 0 ? "SUCCEEDED" : "refused");
    }
    return arg;
}

static void escape_early_thread(void)
{
    ssize_t w = write(early_go[1], "g", 1);
    (void)w;
    pthread_join(early, NULL);
}

static bool write_full(int fd, const void *buf, size_t n)
{
    const uint8_t *p = buf;
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

static size_t read_full(int fd, void *buf, size_t n)
{
    uint8_t *p = buf;
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, p + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    return got;
}

/* The fd the parent passes after the lock: a worker receives its clients'
 * descriptors this way. Returns true if it arrived and reads "fd-ok". */
static bool receive_fd(int sock)
{
    char byte;
    char control[CMSG_SPACE(sizeof(int))];
    struct iovec iov = {.iov_base = &byte, .iov_len = 1};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
                         .msg_controllen = sizeof(control)};
    if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != 1)
        return false;
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    if (!c || c->cmsg_type != SCM_RIGHTS)
        return false;
    int fd;
    memcpy(&fd, CMSG_DATA(c), sizeof(fd));
    char buf[8] = {0};
    bool ok = pread(fd, buf, 5, 0) == 5 && strcmp(buf, "fd-ok") == 0;
    close(fd);
    return ok;
}

static bool send_fd(int sock, int fd)
{
    char byte = 'F';
    char control[CMSG_SPACE(sizeof(int))];
    memset(control, 0, sizeof(control));
    struct iovec iov = {.iov_base = &byte, .iov_len = 1};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
                         .msg_controllen = sizeof(control)};
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof(fd));
    return sendmsg(sock, &msg, 0) == 1;
}

struct run {
    const char *escape;    /* vh_sandbox_test_escape's what, or NULL */
    void (*local)(void);   /* or this */
    bool drop_first;       /* root only: become nobody before prepare (the unprivileged path) */
    bool gpu;              /* the gpu flavour of the filter */
    bool early_thread;     /* start early_main between prepare and lock */
    /* Filled by run_child: */
    struct child_report rep;
    bool got_report, fd_ok;
    char outcome[512];     /* stdout of the escape (its result line) */
    char err[4096];        /* stderr */
    int status;
    /* From /proc/PID/status after the lock: */
    char uid_line[256];
    unsigned long long cap_eff, cap_prm, cap_bnd;
    int no_new_privs, seccomp;
};

static const char *const read_paths_list[] = {read_dir, NULL};
static const char *const write_paths_list[] = {write_dir, NULL};

static void child_main(struct run *run, int sock)
{
    struct child_report rep;
    memset(&rep, 0, sizeof(rep));
    if (run->drop_first) {
        gid_t nogroup = 65534;
        if (setgroups(1, &nogroup) != 0 || setresgid(65534, 65534, 65534) != 0 ||
            setresuid(65534, 65534, 65534) != 0)
            _exit(5);
        /* As a process started as nobody would be (the uid change made it
         * undumpable, which makes /proc/self/uid_map root's). */
        prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
    }
    if (vh_region_guard_init() != 0)
        _exit(5);
    struct vh_sandbox_config cfg = {
        .read_paths = read_paths_list,
        .write_paths = write_paths_list,
#ifndef UNDER_ASAN
        .max_address_space = 4ull << 30,
#endif
        .max_open_files = 64,
        .gpu = run->gpu,
    };
    rep.prepare_err = vh_sandbox_prepare(&cfg, rep.prepare, sizeof(rep.prepare));
    if (run->early_thread &&
        (pipe2(early_go, O_CLOEXEC) != 0 || pthread_create(&early, NULL, early_main, NULL) != 0))
        _exit(5);
    if (!rep.prepare_err)
        rep.lock_err = vh_sandbox_lock(&cfg, rep.lock, sizeof(rep.lock));
    if (!rep.prepare_err && !rep.lock_err) {
        rep.read_ok = try_read_allowed();
        rep.write_ok = try_write_allowed();
        rep.thread_ok = try_thread();
        rep.mmap_ok = try_mmap();
        rep.memfd_ok = try_memfd();
        rep.guard_ok = try_guard();
        rep.misc_ok = try_misc();
    }
    if (!write_full(sock, &rep, sizeof(rep)) || rep.prepare_err || rep.lock_err)
        _exit(4);
    char ok = receive_fd(sock) ? 'Y' : 'N';
    if (!write_full(sock, &ok, 1))
        _exit(4);
    if (run->escape) {
        char result[512];
        int rc = vh_sandbox_test_escape(run->escape, result, sizeof(result));
        printf("%s\n", result);
        fflush(stdout);
        _exit(rc == 0 ? 0 : 1);
    }
    if (run->local) {
        run->local();
        fflush(stdout);
    }
    _exit(0);
}

static void read_proc_status(pid_t pid, struct run *run)
{
    char path[64], line[256];
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "re");
    CHECK(f != NULL);
    if (!f)
        return;
    run->no_new_privs = run->seccomp = -1;
    run->cap_eff = run->cap_prm = run->cap_bnd = ~0ull;
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, "Uid:", 4) == 0)
            snprintf(run->uid_line, sizeof(run->uid_line), "%s", line + 4);
        sscanf(line, "CapEff: %llx", &run->cap_eff);
        sscanf(line, "CapPrm: %llx", &run->cap_prm);
        sscanf(line, "CapBnd: %llx", &run->cap_bnd);
        sscanf(line, "NoNewPrivs: %d", &run->no_new_privs);
        sscanf(line, "Seccomp: %d", &run->seccomp);
    }
    fclose(f);
}

static void run_child(struct run *run)
{
    int sv[2], out[2], err[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
    CHECK(pipe2(out, O_CLOEXEC) == 0 && pipe2(err, O_CLOEXEC) == 0);
    fflush(NULL);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        close(sv[0]);
        dup2(out[1], STDOUT_FILENO);
        dup2(err[1], STDERR_FILENO);
        child_main(run, sv[1]);
    }
    close(sv[1]);
    close(out[1]);
    close(err[1]);
    run->got_report = read_full(sv[0], &run->rep, sizeof(run->rep)) == sizeof(run->rep);
    if (run->got_report && !run->rep.prepare_err && !run->rep.lock_err) {
        read_proc_status(pid, run);
        int fd = memfd_create("passed", MFD_CLOEXEC);
        CHECK(fd >= 0 && write(fd, "fd-ok", 5) == 5);
        CHECK(send_fd(sv[0], fd));
        close(fd);
        char ok = 0;
        run->fd_ok = read_full(sv[0], &ok, 1) == 1 && ok == 'Y';
    }
    size_t n = read_full(out[0], run->outcome, sizeof(run->outcome) - 1);
    run->outcome[n] = '\0';
    n = read_full(err[0], run->err, sizeof(run->err) - 1);
    run->err[n] = '\0';
    CHECK(waitpid(pid, &run->status, 0) == pid);
    close(sv[0]);
    close(out[0]);
    close(err[0]);
}

static bool landlock_applied(const struct run *run)
{
    return strstr(run->rep.lock, "landlock ABI") && !strstr(run->rep.lock, "not applied");
}

/* Everything a worker needs after the lock works, and the credentials are
 * those of a sandboxed process. */
static void check_sandboxed(const struct run *run, const char *name)
{
    printf("%s: prepare: %s\n%s: lock: %s\n", name, run->rep.prepare, name, run->rep.lock);
    CHECK(run->got_report);
    CHECK_EQ(run->rep.prepare_err, 0);
    CHECK_EQ(run->rep.lock_err, 0);
    CHECK(run->rep.read_ok);
    CHECK(run->rep.write_ok);
    CHECK(run->rep.thread_ok);
    CHECK(run->rep.mmap_ok);
    CHECK(run->rep.memfd_ok);
    CHECK(run->rep.guard_ok);
    CHECK(run->rep.misc_ok);
    CHECK(run->fd_ok);
    CHECK(strstr(run->rep.prepare, "no_new_privs") != NULL);
    CHECK(strstr(run->rep.prepare, "caps none") != NULL);
    CHECK(strstr(run->rep.lock, "seccomp") != NULL && !strstr(run->rep.lock, "not applied (seccomp"));
    CHECK_EQ(run->cap_eff, 0);
    CHECK_EQ(run->cap_prm, 0);
    CHECK_EQ(run->no_new_privs, 1);
    CHECK_EQ(run->seccomp, 2);
    if (started_as_root) {
        unsigned ids[4] = {0, 0, 0, 0};
        CHECK(sscanf(run->uid_line, "%u %u %u %u", &ids[0], &ids[1], &ids[2], &ids[3]) == 4);
        for (int i = 0; i < 4; i++)
            CHECK(ids[i] != 0);
        CHECK_EQ(run->cap_bnd, 0);
        if (!run->drop_first)
            CHECK(strstr(run->rep.prepare, "user nobody") != NULL);
    }
}

static bool died_of_sigsys(const struct run *run)
{
    return WIFSIGNALED(run->status) && WTERMSIG(run->status) == SIGSYS;
}

/* A call seccomp must refuse: the child died of SIGSYS after naming it. */
static void expect_trapped_run(struct run *run_in, const char *call)
{
    struct run run = *run_in;
    const char *escape = run.escape;
    run_child(&run);
    const char *name = escape ? escape : call;
    check_sandboxed(&run, name);
    char needle[64];
    snprintf(needle, sizeof(needle), "(%s)", call);
    printf("%s: status 0x%x, stdout: %s, stderr: %s", name, run.status, run.outcome, run.err);
    CHECK(died_of_sigsys(&run));
    CHECK(strstr(run.err, "vivacd worker: the sandbox refused system call") != NULL);
    CHECK(strstr(run.err, needle) != NULL);
    CHECK(strstr(run.outcome, "SUCCEEDED") == NULL);
}

static void expect_trapped(const char *escape, void (*local)(void), const char *call,
                           bool drop_first)
{
    struct run run = {.escape = escape, .local = local, .drop_first = drop_first};
    expect_trapped_run(&run, call);
}

/* A call seccomp lets through and Landlock (or file permissions) refuses. */
static void expect_refused(const char *escape)
{
    struct run run = {.escape = escape};
    run_child(&run);
    check_sandboxed(&run, escape);
    printf("%s: %s", escape, run.outcome);
    CHECK(WIFEXITED(run.status) && WEXITSTATUS(run.status) == 0);
    CHECK(strstr(run.outcome, ": refused (") != NULL);
}

static void make_files(void)
{
    strcpy(read_dir, "/tmp/vivac-sandbox-r-XXXXXX");
    strcpy(write_dir, "/tmp/vivac-sandbox-w-XXXXXX");
    strcpy(secret_dir, "/tmp/vivac-sandbox-XXXXXX");
    CHECK(mkdtemp(read_dir) && mkdtemp(write_dir) && mkdtemp(secret_dir));
    /* Reachable by nobody too, where the test runs as root. */
    CHECK(chmod(read_dir, 0755) == 0 && chmod(write_dir, 0777) == 0);
    snprintf(allowed_file, sizeof(allowed_file), "%s/allowed", read_dir);
    snprintf(secret_file, sizeof(secret_file), "%s/secret", secret_dir);
    int fd = open(allowed_file, O_WRONLY | O_CREAT | O_EXCL, 0644);
    CHECK(fd >= 0 && write(fd, "hello", 5) == 5);
    close(fd);
    fd = open(secret_file, O_WRONLY | O_CREAT | O_EXCL, 0600);
    CHECK(fd >= 0 && write(fd, "secret", 6) == 6);
    close(fd);
    /* World-readable dir, world-readable file: only Landlock keeps it out. */
    CHECK(chmod(secret_dir, 0755) == 0);
}

static void remove_files(void)
{
    unlink(allowed_file);
    unlink(secret_file);
    rmdir(read_dir);
    rmdir(write_dir);
    rmdir(secret_dir);
}

int main(void)
{
    started_as_root = geteuid() == 0;
    make_files();
    char what[200];

    /* Allowed things only (fd passing, threads, arenas...). */
    struct run plain = {0};
    run_child(&plain);
    check_sandboxed(&plain, "allowed");
    CHECK(WIFEXITED(plain.status) && WEXITSTATUS(plain.status) == 0);
    bool landlock = landlock_applied(&plain);
    /* A kernel with Landlock must get it (1: LANDLOCK_CREATE_RULESET_VERSION). */
    long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, 1u);
    CHECK(abi < 1 || landlock);

    /* Files: outside the lists. A 0600 root file is out of nobody's reach
     * anyway; a world-readable one only Landlock refuses. */
    if (started_as_root) {
        CHECK(chmod(secret_file, 0600) == 0);
        snprintf(what, sizeof(what), "open:%s", secret_file);
        expect_refused(what);
        CHECK(chmod(secret_file, 0644) == 0);
    }
    if (landlock) {
        snprintf(what, sizeof(what), "open:%s", secret_file);
        expect_refused(what);
        snprintf(what, sizeof(what), "write:%s/escape", secret_dir);
        CHECK(chmod(secret_dir, 0777) == 0); /* the mode would allow it */
        expect_refused(what);
        CHECK(chmod(secret_dir, 0755) == 0);
        expect_refused("open:/etc/passwd");
    } else {
        printf("landlock not applied (%s): its checks skipped\n", plain.rep.lock);
    }

    /* Calls seccomp refuses. */
    expect_trapped("exec:/bin/true", NULL, "execve", false);
    expect_trapped("socket", NULL, "socket", false);
    expect_trapped("ptrace", NULL, "ptrace", false);
    expect_trapped("fork", NULL, "clone", false);
    expect_trapped(NULL, escape_exec_mapping, "mmap", false);
    /* A thread the engine started before the lock is under the filter too. */
    struct run early_run = {.local = escape_early_thread, .early_thread = true};
    expect_trapped_run(&early_run, "socket");

    /* The gpu flavour: executable mappings (libcuda's JIT) allowed, the
     * escapes still refused. */
    struct run gpu = {.local = escape_exec_mapping, .gpu = true};
    run_child(&gpu);
    check_sandboxed(&gpu, "gpu");
    CHECK(strstr(gpu.rep.lock, "(gpu)") != NULL);
    CHECK(WIFEXITED(gpu.status) && WEXITSTATUS(gpu.status) == 0);
    CHECK(strstr(gpu.outcome, "mmap(PROT_EXEC): SUCCEEDED") != NULL);
    const char *gpu_escapes[][2] = {{"exec:/bin/true", "execve"}, {"socket", "socket"},
                                    {"ptrace", "ptrace"}, {"fork", "clone"}};
    for (size_t i = 0; i < 4; i++) {
        struct run r = {.escape = gpu_escapes[i][0], .gpu = true};
        expect_trapped_run(&r, gpu_escapes[i][1]);
    }

    /* The unprivileged path (user namespace, no uid change), entered as
     * nobody: the same sandbox. */
    if (started_as_root) {
        struct run unpriv = {.drop_first = true};
        run_child(&unpriv);
        check_sandboxed(&unpriv, "unprivileged");
        CHECK(strstr(unpriv.rep.prepare, "not root: kept") != NULL);
        expect_trapped("socket", NULL, "socket", true);
    }

    remove_files();
    return check_finish("test_sandbox");
}
