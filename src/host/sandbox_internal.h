/* Shared by the sandbox's files (sandbox.c, sandbox_landlock.c,
 * sandbox_seccomp.c); not for the rest of the daemon. */
#ifndef VIVAC_HOST_SANDBOX_INTERNAL_H
#define VIVAC_HOST_SANDBOX_INTERNAL_H

#include <stddef.h>

#include "host/sandbox.h"

/* The report line being written: items separated by ", ", truncated (never
 * overflowing) when the buffer is short. */
struct vh_sandbox_report {
    char *buf;
    size_t size;
    size_t len;
};

void vh_sandbox_report_init(struct vh_sandbox_report *r, char *buf, size_t size);
/* Appends one item (a separator first unless it is the first). */
void vh_sandbox_report_add(struct vh_sandbox_report *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Landlock on cfg's paths; reports what was applied or why not. Optional:
 * never fails. */
void vh_sandbox_landlock(const struct vh_sandbox_config *cfg, struct vh_sandbox_report *r);

/* Installs the SIGSYS reporter and loads the filter on every thread.
 * Returns 0 or -errno. */
int vh_sandbox_seccomp(const struct vh_sandbox_config *cfg, struct vh_sandbox_report *r);

#endif
