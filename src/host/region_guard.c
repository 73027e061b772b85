/* Guarded copies to and from a truncatable shared region (region_guard.h). */
#include "host/region_guard.h"

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

/* The calling thread's guarded copy, if one is in progress. Thread-local:
 * a SIGBUS is delivered to the thread whose access faulted, so the handler
 * finds that thread's copy here and nothing else. */
struct guard {
    sigjmp_buf env;
    uintptr_t lo, hi;             /* region-side range, lo rounded down to a page */
    volatile sig_atomic_t armed;
};

static _Thread_local struct guard guard;
static struct sigaction previous; /* the action before ours (read by the handler) */
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int init_err;

static void on_sigbus(int sig, siginfo_t *info, void *ctx)
{
    (void)ctx;
    uintptr_t addr = (uintptr_t)info->si_addr;
    /* si_code > 0: raised by the kernel for an access (BUS_ADRERR for a
     * page past the end of the file), not sent by a process. */
    if (guard.armed && info->si_code > 0 && addr >= guard.lo && addr < guard.hi) {
        guard.armed = 0;
        siglongjmp(guard.env, 1);
    }
    /* Not ours: put the previous action back and let it happen. A faulting
     * access runs again when we return and faults into that action; a sent
     * signal is sent again (it stays pending until we return). */
    sigaction(sig, &previous, NULL);
    if (info->si_code <= 0)
        raise(sig);
}

static void install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_sigbus;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGBUS, &sa, &previous) != 0)
        init_err = -errno;
}

int vh_region_guard_init(void)
{
    pthread_once(&once, install);
    return init_err;
}

/* The copy itself: dst and src as given, [region, region + n) the range in
 * the region. Nothing is modified between sigsetjmp and the jump back but
 * the guard, which is volatile/thread-local. */
static int guarded_copy(void *dst, const void *src, size_t n, const void *region)
{
    if (n == 0)
        return 0;
    /* 1: the signal mask is restored on the jump back (SIGBUS is blocked
     * while the handler runs). */
    if (sigsetjmp(guard.env, 1))
        return -EFAULT;
    long page = sysconf(_SC_PAGESIZE);
    uintptr_t lo = (uintptr_t)region;
    if (page > 0)
        lo &= ~((uintptr_t)page - 1);
    guard.lo = lo;
    guard.hi = (uintptr_t)region + n;
    atomic_signal_fence(memory_order_seq_cst);
    guard.armed = 1;
    atomic_signal_fence(memory_order_seq_cst);
    memcpy(dst, src, n);
    atomic_signal_fence(memory_order_seq_cst);
    guard.armed = 0;
    return 0;
}

int vh_region_read(void *dst, const void *src, size_t n)
{
    return guarded_copy(dst, src, n, src);
}

int vh_region_write(void *dst, const void *src, size_t n)
{
    return guarded_copy(dst, src, n, dst);
}
