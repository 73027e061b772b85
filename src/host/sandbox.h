/*
 * Sandbox of a vivacd worker process (one per VM): what a guest that takes
 * over the worker through a parser bug (our validators, libavcodec, the
 * cuvid parser) can still do afterwards.
 *
 * Two steps, because unshare(CLONE_NEWUSER) and the credential changes need
 * a single-threaded process while the engine (CUDA, libavcodec) starts
 * threads of its own:
 *
 *  1. vh_sandbox_prepare(), single-threaded, before the engine is created:
 *     new IPC, network and mount namespaces where the kernel allows them
 *     (as root directly; otherwise inside a new user namespace that maps
 *     the caller's uid/gid), root -> cfg->user, PR_SET_NO_NEW_PRIVS, every
 *     capability dropped (effective, permitted, inheritable, ambient, and
 *     the bounding set where permitted), rlimits (AS, NOFILE, CORE 0),
 *     PR_SET_DUMPABLE 0.
 *  2. vh_sandbox_lock(), after the engine exists and before the first guest
 *     byte is read: Landlock (files) and a seccomp-bpf allow-list (system
 *     calls, applied to every thread of the process). A refused system call
 *     writes "vivacd worker: the sandbox refused system call N (name)" to
 *     stderr and kills the process with SIGSYS.
 *
 * Both write a one-line report of what was applied, and of what was not and
 * why, for the worker to log: items separated by ", ", e.g.
 *   prepare: "namespaces net+ipc+mnt, user nobody (uid 65534 gid 65534),
 *             no_new_privs, caps none, rlimit AS 4096 MiB NOFILE 256 core 0,
 *             not dumpable"
 *            (not root: "namespaces user+net+ipc+mnt, user uid 1000 (not
 *             root: kept), ..."; "namespaces: not applied (user: Operation
 *             not permitted)"; "caps none (bounding set kept: ...)")
 *   lock:    "landlock ABI 7 (3 paths, 1 missing; not on the 4 threads
 *             started before), seccomp 117 calls (sw)"
 *            ("landlock: not applied (kernel has none)"; "(gpu)"; "(sw, drm)")
 * Landlock before ABI 8 restricts only the calling thread and the threads
 * it starts later: threads the engine started before the lock are outside
 * it (the report counts them). seccomp covers every thread. They return 0 or -errno: a failure of a
 * mandatory step (privilege drop, no_new_privs, capabilities, rlimits,
 * seccomp) is an error and the worker must not go on; the optional steps
 * (namespaces, bounding set when not root, Landlock) fall back and say so in
 * the report.
 *
 * After vh_sandbox_lock the process cannot execve, fork, ptrace, open
 * sockets (the gpu list allows AF_UNIX only), mount, unshare/setns, load
 * BPF or keys, or send signals to other processes; files outside read_paths
 * and write_paths cannot be opened (where Landlock exists). The exact list
 * is in sandbox_seccomp.c. A worker must leave with _exit (or
 * exit_group): exit() under LeakSanitizer would start its ptrace-based
 * leak check, which the filter refuses.
 *
 * Thread safety: call each once, from the main thread, in this order.
 */
#ifndef VIVAC_HOST_SANDBOX_H
#define VIVAC_HOST_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vh_sandbox_config {
    /* When running as root (euid 0): the user to become (uid, gid from
     * getpwnam; supplementary groups: its primary gid only). NULL: "nobody".
     * Ignored when not root. Must not resolve to uid 0. */
    const char *user;
    /* NULL-terminated lists (or NULL) of files or directories: read-only,
     * and read+write+create/remove files (a trace directory, /dev/nvidia*
     * with ioctl). A path that does not exist is skipped (and counted in the
     * report). */
    const char *const *read_paths;
    const char *const *write_paths;
    /* RLIMIT_AS in bytes; 0: left alone (CUDA reserves a huge address
     * space; ASan too). */
    uint64_t max_address_space;
    /* RLIMIT_NOFILE; 0: 256 (GPU workers ask for more: worker.c). */
    unsigned max_open_files;
    /* The worker drives /dev/nvidia* through libcuda: all ioctls, AF_UNIX
     * sockets, executable mappings and a few more calls (sandbox_seccomp.c).
     * Without it: no ioctl but TCGETS/FIONREAD, no PROT_EXEC mapping. */
    bool gpu;
    /* Without gpu: AF_UNIX socketpair too (a GPU process's client opens
     * more connections to it: nvdec's remote lanes). */
    bool socket_pairs;
    /* Without gpu: the worker drives a DRM render node through the host's
     * VA driver (the vaapi engine): besides the sw list, the DRM ('d') and
     * dma-buf ('b') ioctls, AF_UNIX socket and connect (a VA driver that
     * talks to a daemon of its own, as vivac's does), and /dev/dri read,
     * written and ioctl'd in Landlock. Still no other ioctl, no PROT_EXEC
     * mapping, no other socket family. With gpu (a composite holding both
     * nvdec and vaapi, or auto's probe): /dev/dri in Landlock beside the
     * NVIDIA devices; gpu's system call list already has the rest. */
    bool drm;
};

/* Step 1 (see above). report: the line of what was applied (always
 * written, also on error, when size > 0). Returns 0 or -errno. */
int vh_sandbox_prepare(const struct vh_sandbox_config *cfg, char *report, size_t size);

/* Step 2 (see above). Returns 0 or -errno (seccomp could not be loaded). */
int vh_sandbox_lock(const struct vh_sandbox_config *cfg, char *report, size_t size);

#ifdef VIVAC_TEST_HOOKS
/* Test builds only (meson -Dtest_hooks=true): tries one escape and writes
 * its outcome to result ("open /etc/shadow: refused (Permission denied)" or
 * "... SUCCEEDED"). what: "open:PATH" (open read-only), "write:PATH" (create
 * the file), "exec:PATH" (execve), "socket" (AF_INET stream), "ptrace"
 * (attach to the parent), "fork", "ioctl" (a terminal request: neither the
 * sw list's nor a DRM one). A call the filter refuses kills the
 * process with SIGSYS before this returns. Returns 1 if the escape
 * succeeded, 0 if it was refused, -EINVAL for an unknown what. */
int vh_sandbox_test_escape(const char *what, char *result, size_t size);
#endif

#endif
