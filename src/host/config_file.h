/*
 * vivacd's configuration files (docs/deployment.md): the main file
 * (--config, default VIVAC_DEFAULT_CONFIG when it exists) and a directory
 * of one file per VM (default vms.d/ beside the main file), NAME.conf
 * serving VM NAME. Each is "key = value" lines; blank lines and lines
 * starting with '#' are skipped; no sections, no quoting, no inline
 * comments; every key at most once a file.
 *
 * Main file keys:
 *   vms-dir = PATH            the VM directory (absolute)
 *   vm-socket-group = GROUP   the VMs' control sockets and the region files
 *   vm-socket-mode = MODE     made here (over --socket-group/--socket-mode)
 *   local-weight = W          the local class's QoS (qos_policy.h),
 *   local-reserve = RATE      before --qos local:...
 *   local-limit = RATE
 * VM file keys:
 *   control-socket = PATH     (required, absolute, fits sockaddr_un)
 *   region = PATH             the ivshmem file (absolute; none: inline only)
 *   region-size = MIB         a region made here (power of two, 2 to 65536)
 *   socket-group = GROUP      this VM's, over vm-socket-group
 *   socket-mode = MODE
 *   weight = W, reserve = RATE, limit = RATE   its QoS (default 1, none, none)
 *
 * Every value is checked here, before anything uses it; a refusal names
 * "FILE:LINE: reason" (or "FILE: reason" for the file as a whole). Nothing
 * here touches a socket or a region.
 */
#ifndef VIVAC_HOST_CONFIG_FILE_H
#define VIVAC_HOST_CONFIG_FILE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "host/file_access.h"
#include "host/scheduler.h"
#include "host/vm.h"

/* At most this many VM files are read (more is refused). */
#define VH_CONFIG_MAX_VMS 256

/* One VM as a file or --vm gives it. */
struct vh_vm_conf {
    struct vh_vm_spec spec;
    struct vh_file_access access; /* effective: VM file > main file > command line */
    struct vh_sched_policy qos;   /* its file's weight/reserve/limit (1, 0, 0 if none) */
    bool from_file;               /* false: --vm */
    char origin[PATH_MAX + 16];   /* "FILE:LINE" of its control-socket, or "--vm" */
};

struct vh_config {
    char vms_dir[PATH_MAX];
    struct vh_file_access vm_access; /* vm-socket-* over the command line's */
    struct vh_sched_policy local_qos;
    bool local_qos_given;
    struct vh_vm_conf *vms;       /* sorted by file name */
    unsigned num_vms;
};

/* Reads the main file at path and every *.conf of its VM directory (a
 * missing directory is none) into *out; defaults: the command line's
 * --socket-group/--socket-mode. 0, or -errno with "FILE:LINE: reason" in
 * why and *out empty. vh_config_clear frees it. */
int vh_config_load(const char *path, const struct vh_file_access *defaults, struct vh_config *out,
                   char *why, size_t why_size);
void vh_config_clear(struct vh_config *config);

/* Adds --vm's (spec checked by vh_vm_spec_parse) to *config, checking that
 * no name, control socket or region is given twice, here or in the files:
 * the refusal names both places. 0 or -EINVAL/-ENOMEM with why. */
int vh_config_add_vm(struct vh_config *config, const struct vh_vm_conf *vm, char *why,
                     size_t why_size);

#endif
