/* TEMP STUB (not committed) */
#ifndef VIVAC_HOST_SANDBOX_H
#define VIVAC_HOST_SANDBOX_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
struct vh_sandbox_config {
    const char *user;
    const char *const *read_paths;
    const char *const *write_paths;
    uint64_t max_address_space;
    unsigned max_open_files;
    bool gpu;
};
int vh_sandbox_prepare(const struct vh_sandbox_config *cfg, char *report, size_t size);
int vh_sandbox_lock(const struct vh_sandbox_config *cfg, char *report, size_t size);
int vh_sandbox_test_escape(const char *what, char *result, size_t size);
#endif
