/* TEMP STUB (not committed) */
#include "host/sandbox.h"
#include <stdio.h>
int vh_sandbox_prepare(const struct vh_sandbox_config *cfg, char *report, size_t size)
{ (void)cfg; snprintf(report, size, "stub"); return 0; }
int vh_sandbox_lock(const struct vh_sandbox_config *cfg, char *report, size_t size)
{ (void)cfg; snprintf(report, size, "stub"); return 0; }
int vh_sandbox_test_escape(const char *what, char *result, size_t size)
{ snprintf(result, size, "%s: stub", what); return 0; }
