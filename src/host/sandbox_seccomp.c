/* seccomp part of the sandbox's lock step (sandbox.h): the system calls a
 * worker may make once guest bytes flow, everything else refused with
 * SIGSYS after one line on stderr naming the call.
 *
 * Policy (the tables below):
 * - allowed for every worker: I/O on descriptors it holds (read/write
 *   families, recvmsg/sendmsg with SCM_RIGHTS, poll/epoll, eventfd, socket
 *   options, shutdown), openat and friends (Landlock decides which paths),
 *   unlink (trace files), ftruncate/fallocate/memfd_create (arenas), memory
 *   management (mmap, mremap, madvise, brk...), threads (futex, rseq,
 *   robust lists, affinity reads), time, getrandom, signals to itself only
 *   (kill/tgkill with its own pid: abort, raise), sigaltstack, identity
 *   queries, prlimit64 read-only, exit.
 * - without cfg->gpu, for the encoders' thread pools (libx265): the calling
 *   thread's NUMA policy (get/set_mempolicy), getpriority, and setpriority
 *   and sched_setaffinity on the calling thread only (the GPU flavour has
 *   them all).
 * - clone only with CLONE_VM|CLONE_SIGHAND|CLONE_THREAD and no namespace,
 *   ptrace, vfork or parent flag: a thread, never a process. clone3 (whose
 *   flags sit in memory a filter cannot read) fails with ENOSYS, which makes
 *   glibc fall back to clone.
 * - prctl: PR_SET_NAME/PR_GET_NAME, PR_GET_DUMPABLE, PR_SET_VMA (anonymous
 *   mapping names), PR_GET_NO_NEW_PRIVS, PR_CAPBSET_READ only.
 * - without cfg->gpu: ioctl TCGETS (isatty) and FIONREAD only; mmap and
 *   mprotect without PROT_EXEC (no code can be made after the lock);
 *   socketpair of AF_UNIX where cfg->socket_pairs (a GPU process's client);
 *   where cfg->drm (the vaapi engine's VA driver on a render node) also the
 *   DRM and dma-buf ioctls (by their type byte, 'd' and 'b'), and socket
 *   of AF_UNIX with connect.
 * - with cfg->gpu (libcuda): every ioctl, PROT_EXEC mappings, AF_UNIX
 *   sockets (socket, socketpair, connect), pipes, mlock, NUMA policy,
 *   scheduling and priority settings, timerfds, flock, mkdir/rename/symlink
 *   (its caches; Landlock decides where).
 * - refused, whatever the flavour: execve/execveat, fork/vfork and
 *   process-creating clones, ptrace, process_vm_readv/writev, socket of any
 *   other family, bind/listen/accept, mount/umount/pivot_root/chroot,
 *   unshare/setns, kexec, bpf, perf_event_open, keyctl/add_key, userfaultfd,
 *   io_uring, init/delete_module, setuid-family, chmod/chown, kill of other
 *   processes, and anything not listed. A non-native ABI (i386 through int
 *   0x80 on x86_64) kills the process outright. */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include "host/sandbox_internal.h"

#ifndef PR_SET_VMA
#define PR_SET_VMA 0x53564d41
#endif

static const int base_calls[] = {
    /* descriptors */
    SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv), SCMP_SYS(writev), SCMP_SYS(pread64),
    SCMP_SYS(pwrite64), SCMP_SYS(preadv), SCMP_SYS(pwritev), SCMP_SYS(preadv2),
    SCMP_SYS(pwritev2), SCMP_SYS(lseek), SCMP_SYS(close), SCMP_SYS(close_range), SCMP_SYS(dup),
    SCMP_SYS(dup2), SCMP_SYS(dup3), SCMP_SYS(fcntl), SCMP_SYS(fstat), SCMP_SYS(newfstatat),
    SCMP_SYS(statx), SCMP_SYS(stat), SCMP_SYS(lstat), SCMP_SYS(fstatfs), SCMP_SYS(statfs),
    SCMP_SYS(getdents64), SCMP_SYS(readlink), SCMP_SYS(readlinkat), SCMP_SYS(access),
    SCMP_SYS(faccessat), SCMP_SYS(faccessat2), SCMP_SYS(open), SCMP_SYS(openat),
    SCMP_SYS(unlink), SCMP_SYS(unlinkat), SCMP_SYS(ftruncate), SCMP_SYS(fallocate),
    SCMP_SYS(fsync), SCMP_SYS(fdatasync), SCMP_SYS(memfd_create),
    /* waiting */
    SCMP_SYS(poll), SCMP_SYS(ppoll), SCMP_SYS(select), SCMP_SYS(pselect6),
    SCMP_SYS(epoll_create1), SCMP_SYS(epoll_ctl), SCMP_SYS(epoll_wait), SCMP_SYS(epoll_pwait),
    SCMP_SYS(epoll_pwait2), SCMP_SYS(eventfd2),
    /* sockets already open */
    SCMP_SYS(recvmsg), SCMP_SYS(sendmsg), SCMP_SYS(recvfrom), SCMP_SYS(sendto),
    SCMP_SYS(shutdown), SCMP_SYS(setsockopt), SCMP_SYS(getsockopt), SCMP_SYS(getsockname),
    SCMP_SYS(getpeername),
    /* memory (mmap/mprotect: see the flavours) */
    SCMP_SYS(munmap), SCMP_SYS(mremap), SCMP_SYS(madvise), SCMP_SYS(brk), SCMP_SYS(msync),
    SCMP_SYS(mincore),
    /* threads */
    SCMP_SYS(futex), SCMP_SYS(set_robust_list), SCMP_SYS(get_robust_list), SCMP_SYS(rseq),
    SCMP_SYS(set_tid_address), SCMP_SYS(sched_yield), SCMP_SYS(sched_getaffinity),
    SCMP_SYS(sched_getparam), SCMP_SYS(sched_getscheduler), SCMP_SYS(sched_get_priority_min),
    SCMP_SYS(sched_get_priority_max), SCMP_SYS(getcpu), SCMP_SYS(membarrier),
    /* time, randomness */
    SCMP_SYS(clock_gettime), SCMP_SYS(clock_getres), SCMP_SYS(clock_nanosleep),
    SCMP_SYS(nanosleep), SCMP_SYS(gettimeofday), SCMP_SYS(time), SCMP_SYS(getrandom),
    /* signals (kill/tgkill: to itself, below) */
    SCMP_SYS(rt_sigaction), SCMP_SYS(rt_sigprocmask), SCMP_SYS(rt_sigreturn),
    SCMP_SYS(rt_sigtimedwait), SCMP_SYS(rt_sigpending), SCMP_SYS(rt_sigsuspend),
    SCMP_SYS(sigaltstack), SCMP_SYS(restart_syscall),
    /* identity and system queries, the end */
    SCMP_SYS(getpid), SCMP_SYS(gettid), SCMP_SYS(getppid), SCMP_SYS(getuid), SCMP_SYS(geteuid),
    SCMP_SYS(getgid), SCMP_SYS(getegid), SCMP_SYS(getresuid), SCMP_SYS(getresgid),
    SCMP_SYS(getgroups), SCMP_SYS(uname), SCMP_SYS(sysinfo), SCMP_SYS(getrusage),
    SCMP_SYS(times), SCMP_SYS(getrlimit), SCMP_SYS(exit), SCMP_SYS(exit_group),
};

/* What libcuda may do besides (see the policy above). */
static const int gpu_calls[] = {
    SCMP_SYS(ioctl), SCMP_SYS(mmap), SCMP_SYS(mprotect), SCMP_SYS(connect),
    SCMP_SYS(pipe), SCMP_SYS(pipe2), SCMP_SYS(mlock), SCMP_SYS(mlock2), SCMP_SYS(munlock),
    SCMP_SYS(get_mempolicy), SCMP_SYS(set_mempolicy), SCMP_SYS(mbind),
    SCMP_SYS(sched_setaffinity), SCMP_SYS(sched_setscheduler), SCMP_SYS(sched_setparam),
    SCMP_SYS(setpriority), SCMP_SYS(getpriority), SCMP_SYS(timerfd_create),
    SCMP_SYS(timerfd_settime), SCMP_SYS(timerfd_gettime), SCMP_SYS(flock), SCMP_SYS(mkdir),
    SCMP_SYS(mkdirat), SCMP_SYS(rename), SCMP_SYS(renameat), SCMP_SYS(renameat2),
    /* The first decode on an H200 (driver of 2026-12) called symlink. */
    SCMP_SYS(symlink), SCMP_SYS(symlinkat),
};

/* What the encoders' threads may do besides (encoder.h; the GPU flavour
 * has all of these already): libx265's thread pools read the NUMA policy
 * (libnuma's numa_available(): get_mempolicy), set their own (set_mempolicy
 * acts on the calling thread only) and read their nice value (getpriority)
 * when they start; setpriority and sched_setaffinity (a
 * pool's threads pinned to its node's CPUs) only on the calling thread,
 * below. */
static const int encoder_calls[] = {
    SCMP_SYS(get_mempolicy), SCMP_SYS(set_mempolicy), SCMP_SYS(getpriority),
};

static const unsigned long prctl_options[] = {
    PR_SET_NAME, PR_GET_NAME, PR_GET_DUMPABLE, PR_SET_VMA, PR_GET_NO_NEW_PRIVS, PR_CAPBSET_READ,
};

/* The SIGSYS reporter's names, resolved before the filter (the handler
 * cannot allocate): offsets into one buffer, 0 for unknown numbers. */
#define MAX_NR 1024
static char names[12288];
static uint16_t name_at[MAX_NR];

static void resolve_names(void)
{
    size_t used = 1; /* names[0] = "" */
    for (int nr = 0; nr < MAX_NR; nr++) {
        char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
        if (!name)
            continue;
        size_t n = strlen(name) + 1;
        if (used + n <= sizeof(names)) {
            memcpy(names + used, name, n);
            name_at[nr] = (uint16_t)used;
            used += n;
        }
        free(name);
    }
}

/* Async-signal-safe decimal and hexadecimal. */
static size_t put_str(char *p, size_t at, size_t cap, const char *s)
{
    while (*s && at < cap)
        p[at++] = *s++;
    return at;
}

static size_t put_num(char *p, size_t at, size_t cap, unsigned long long v, unsigned base)
{
    char tmp[24];
    size_t n = 0;
    do {
        tmp[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v && n < sizeof(tmp));
    if (base == 16)
        at = put_str(p, at, cap, "0x");
    while (n && at < cap)
        p[at++] = tmp[--n];
    return at;
}

#ifdef VIVAC_TEST_HOOKS
static bool learn;
#endif

static void on_sigsys(int sig, siginfo_t *info, void *context)
{
    int saved = errno;
    char msg[256];
    size_t cap = sizeof(msg) - 1, at = 0;
    int nr = info->si_syscall;
    at = put_str(msg, at, cap, "vivacd worker: the sandbox refused system call ");
    at = put_num(msg, at, cap, (unsigned)nr, 10);
    at = put_str(msg, at, cap, " (");
    at = put_str(msg, at, cap, nr >= 0 && nr < MAX_NR && name_at[nr] ? names + name_at[nr] : "?");
    at = put_str(msg, at, cap, ")");
    /* The first arguments say which flavour was refused (an ioctl request,
     * a socket family, clone flags, mmap protections). */
    const ucontext_t *uc = context;
    unsigned long long args[3];
    int have_args = 1;
#if defined(__x86_64__)
    args[0] = (unsigned long long)uc->uc_mcontext.gregs[REG_RDI];
    args[1] = (unsigned long long)uc->uc_mcontext.gregs[REG_RSI];
    args[2] = (unsigned long long)uc->uc_mcontext.gregs[REG_RDX];
#elif defined(__aarch64__)
    args[0] = uc->uc_mcontext.regs[0];
    args[1] = uc->uc_mcontext.regs[1];
    args[2] = uc->uc_mcontext.regs[2];
#else
    (void)uc;
    have_args = 0;
#endif
    if (have_args) {
        at = put_str(msg, at, cap, " args");
        for (int i = 0; i < 3; i++) {
            at = put_str(msg, at, cap, " ");
            at = put_num(msg, at, cap, args[i], 16);
        }
    }
#if defined(VIVAC_TEST_HOOKS) && defined(__x86_64__)
    /* Test builds: VIVAC_TEST_SECCOMP_LEARN=1 fails the call with ENOSYS
     * and goes on, so one run on a new driver lists every call the policy
     * lacks (the kernel returns the handler's RAX as the call's result). */
    if (learn) {
        at = put_str(msg, at, cap, " [learn: ENOSYS]");
        msg[at++] = '\n';
        ssize_t w = write(STDERR_FILENO, msg, at);
        (void)w;
        ((ucontext_t *)context)->uc_mcontext.gregs[REG_RAX] = -ENOSYS;
        errno = saved;
        return;
    }
#endif
    msg[at++] = '\n';
    ssize_t w = write(STDERR_FILENO, msg, at);
    (void)w;
    /* Then die of it, as SCMP_ACT_KILL_PROCESS would: the default action,
     * delivered as soon as the handler returns. */
    struct sigaction dfl;
    memset(&dfl, 0, sizeof(dfl));
    dfl.sa_handler = SIG_DFL;
    sigaction(sig, &dfl, NULL);
    raise(sig);
    errno = saved;
}

/* Adds one rule; a call this architecture does not have (SCMP_SYS gives a
 * negative pseudo number) is skipped. Returns 1 if added, 0 if skipped,
 * or -errno. */
static int allow(scmp_filter_ctx ctx, int nr, unsigned count, const struct scmp_arg_cmp *cmp)
{
    if (nr < 0)
        return 0;
    int rc = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, count, cmp);
    return rc < 0 ? rc : 1;
}

/* _IOC_TYPE of the ioctl requests a VA driver sends its render node: DRM
 * (drm.h's DRM_IOCTL_BASE, the drivers' own requests included) and
 * dma-buf (DMA_BUF_BASE: a mapped buffer's cache sync). */
#define IOCTL_TYPE_MASK 0xff00u
#define IOCTL_TYPE_DRM ((unsigned)'d' << 8)
#define IOCTL_TYPE_DMA_BUF ((unsigned)'b' << 8)

static int add_rules(scmp_filter_ctx ctx, const struct vh_sandbox_config *cfg, unsigned *calls)
{
    const bool gpu = cfg->gpu;
    int rc;
#define ADD(nr, count, cmp)                                                                       \
    do {                                                                                          \
        if ((rc = allow(ctx, (nr), (count), (cmp))) < 0)                                          \
            return rc;                                                                            \
    } while (0)

    for (size_t i = 0; i < sizeof(base_calls) / sizeof(base_calls[0]); i++) {
        ADD(base_calls[i], 0, NULL);
        *calls += (unsigned)rc;
    }
    if (gpu) {
        for (size_t i = 0; i < sizeof(gpu_calls) / sizeof(gpu_calls[0]); i++) {
            ADD(gpu_calls[i], 0, NULL);
            *calls += (unsigned)rc;
        }
        struct scmp_arg_cmp unix_only = SCMP_A0(SCMP_CMP_EQ, AF_UNIX);
        ADD(SCMP_SYS(socket), 1, &unix_only);
        ADD(SCMP_SYS(socketpair), 1, &unix_only);
        *calls += 2;
    } else {
        for (size_t i = 0; i < sizeof(encoder_calls) / sizeof(encoder_calls[0]); i++) {
            ADD(encoder_calls[i], 0, NULL);
            *calls += (unsigned)rc;
        }
        /* PRIO_PROCESS of who 0: on Linux the calling thread alone. */
        struct scmp_arg_cmp own[] = {SCMP_A0(SCMP_CMP_EQ, PRIO_PROCESS), SCMP_A1(SCMP_CMP_EQ, 0)};
        ADD(SCMP_SYS(setpriority), 2, own);
        struct scmp_arg_cmp self = SCMP_A0(SCMP_CMP_EQ, 0);
        ADD(SCMP_SYS(sched_setaffinity), 1, &self);
        *calls += 2;
        struct scmp_arg_cmp req[] = {SCMP_A1(SCMP_CMP_EQ, TCGETS), SCMP_A1(SCMP_CMP_EQ, FIONREAD)};
        for (size_t i = 0; i < 2; i++)
            ADD(SCMP_SYS(ioctl), 1, &req[i]);
        struct scmp_arg_cmp no_exec = SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0);
        ADD(SCMP_SYS(mmap), 1, &no_exec);
        ADD(SCMP_SYS(mprotect), 1, &no_exec);
        *calls += 3;
        if (cfg->socket_pairs) {
            struct scmp_arg_cmp unix_only = SCMP_A0(SCMP_CMP_EQ, AF_UNIX);
            ADD(SCMP_SYS(socketpair), 1, &unix_only);
            *calls += 1;
        }
        if (cfg->drm) {
            struct scmp_arg_cmp types[] = {
                SCMP_A1(SCMP_CMP_MASKED_EQ, IOCTL_TYPE_MASK, IOCTL_TYPE_DRM),
                SCMP_A1(SCMP_CMP_MASKED_EQ, IOCTL_TYPE_MASK, IOCTL_TYPE_DMA_BUF)};
            for (size_t i = 0; i < 2; i++)
                ADD(SCMP_SYS(ioctl), 1, &types[i]);
            struct scmp_arg_cmp unix_only = SCMP_A0(SCMP_CMP_EQ, AF_UNIX);
            ADD(SCMP_SYS(socket), 1, &unix_only);
            ADD(SCMP_SYS(connect), 0, NULL);
            *calls += 2;
        }
    }

    /* A thread, never a process. */
    const uint64_t thread = CLONE_VM | CLONE_SIGHAND | CLONE_THREAD;
    const uint64_t never = CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC |
                           CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | CLONE_PTRACE |
                           CLONE_VFORK | CLONE_PARENT | CLONE_UNTRACED;
    struct scmp_arg_cmp clone_thread = SCMP_A0(SCMP_CMP_MASKED_EQ, thread | never, thread);
    ADD(SCMP_SYS(clone), 1, &clone_thread);
    if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0)) < 0)
        return rc;
    *calls += 1;

    for (size_t i = 0; i < sizeof(prctl_options) / sizeof(prctl_options[0]); i++) {
        struct scmp_arg_cmp option = SCMP_A0(SCMP_CMP_EQ, prctl_options[i]);
        ADD(SCMP_SYS(prctl), 1, &option);
    }
    *calls += 1;

    /* Signals to itself only (pid namespaces are not used: this pid is the
     * one the kernel compares). */
    uint64_t self = (uint64_t)getpid();
    struct scmp_arg_cmp to_self = SCMP_A0(SCMP_CMP_EQ, self);
    ADD(SCMP_SYS(kill), 1, &to_self);
    ADD(SCMP_SYS(tgkill), 1, &to_self);
    *calls += 2;

    /* Reading limits: pid 0 (itself), no new limit. */
    struct scmp_arg_cmp read_limit[] = {SCMP_A0(SCMP_CMP_EQ, 0), SCMP_A2(SCMP_CMP_EQ, 0)};
    ADD(SCMP_SYS(prlimit64), 2, read_limit);
    *calls += 1;
#undef ADD
    return 0;
}

int vh_sandbox_seccomp(const struct vh_sandbox_config *cfg, struct vh_sandbox_report *r)
{
    resolve_names();
#ifdef VIVAC_TEST_HOOKS
    const char *learn_env = getenv("VIVAC_TEST_SECCOMP_LEARN");
    learn = learn_env && strcmp(learn_env, "1") == 0;
#endif
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_sigsys;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGSYS, &sa, NULL) != 0) {
        int err = -errno;
        vh_sandbox_report_add(r, "seccomp: SIGSYS handler: %s", strerror(errno));
        return err;
    }

    int err = -ENOMEM;
    unsigned calls = 0;
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_TRAP);
    if (!ctx)
        goto fail;
    /* Every thread, also those the engine started before the lock. */
    if ((err = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1)) < 0 ||
        (err = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS)) < 0)
        goto fail;
    if ((err = add_rules(ctx, cfg, &calls)) < 0)
        goto fail;
    if ((err = seccomp_load(ctx)) < 0)
        goto fail;
    seccomp_release(ctx);
    vh_sandbox_report_add(r, "seccomp %u calls (%s)", calls,
                          cfg->gpu           ? "gpu"
                          : cfg->drm         ? "sw, drm"
                          : cfg->socket_pairs ? "sw, socketpair"
                                              : "sw");
    return 0;
fail:
    /* libseccomp returns a positive thread id when TSYNC found a thread it
     * could not synchronise. */
    if (err > 0)
        err = -EAGAIN;
    vh_sandbox_report_add(r, "seccomp: not applied (%s)", strerror(-err));
    if (ctx)
        seccomp_release(ctx);
    return err;
}
