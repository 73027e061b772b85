/*
 * The VMs vivacd serves now (--vm and the VM files of config_file.h), each
 * with its control socket's listening fd, and the reload that changes them
 * (SIGHUP, `vivac reload`): all or nothing. The new files are read and
 * checked, the new regions and listeners made, and only when all of that
 * worked is anything changed:
 *   - a new VM file: its socket listens (its group and mode), its region
 *     is created if missing, its scheduler class gets its QoS;
 *   - a removed file: its listener is closed and the socket unlinked, its
 *     worker ended (so are its sessions); its region file is left as is
 *     (QEMU may still have it mapped);
 *   - a changed file: QoS and socket group/mode apply live, sessions go on;
 *     a changed control socket, region or region size is a removal and an
 *     addition (that VM's sessions end);
 *   - a VM whose file did not change is not touched; --vm's never change.
 *
 * Single-threaded: the supervisor's loop calls everything here.
 */
#ifndef VIVAC_HOST_VM_SET_H
#define VIVAC_HOST_VM_SET_H

#include <stddef.h>

#include "host/config_file.h"
#include "host/scheduler.h"
#include "host/vm.h"

struct vh_pool;
struct vh_vm_set;

struct vh_vm_set_config {
    const char *config_path;      /* --config; NULL: none (a reload says so) */
    const char *socket_path;      /* vivacd's --socket, which no VM may take */
    struct vh_file_access access; /* --socket-group/--socket-mode */
    const char *const *vm_specs;  /* --vm's, checked by vh_vm_spec_parse */
    unsigned num_vm_specs;
};

/* Reads the configuration, adds the --vm's and makes every VM (regions
 * created if missing): nothing listens yet. 0, or -errno with a reason
 * (FILE:LINE: ...) in why. */
int vh_vm_set_create(const struct vh_vm_set_config *config, struct vh_vm_set **out, char *why,
                     size_t why_size);
/* Closes the listeners, unlinks the sockets, unmaps; accepts NULL. */
void vh_vm_set_destroy(struct vh_vm_set **set);

/* The VMs' scheduler classes and their files' QoS, and the main file's
 * local QoS (before --qos applies on top). */
int vh_vm_set_apply_qos(const struct vh_vm_set *set, struct vh_sched *sched);
/* Every VM's control socket listens. 0 or -errno (logged). */
int vh_vm_set_listen(struct vh_vm_set *set);

unsigned vh_vm_set_count(const struct vh_vm_set *set);
int vh_vm_set_fd(const struct vh_vm_set *set, unsigned i);
struct vh_vm *vh_vm_set_vm(const struct vh_vm_set *set, unsigned i);
/* The region path of the VM named name ("" for none), or NULL if no VM
 * of that name is served (for the worker's command line). */
const char *vh_vm_set_region(const struct vh_vm_set *set, const char *name);

/* Reads the files again and applies the difference (above). 0 with what
 * changed in summary (and "; warning: ..." where a kept VM's socket group
 * and mode could not be set), or -errno with "FILE:LINE: reason" in
 * summary and nothing changed. sched may be NULL (scheduling off). */
int vh_vm_set_reload(struct vh_vm_set *set, struct vh_sched *sched, struct vh_pool *pool,
                     char *summary, size_t summary_size);

#endif
