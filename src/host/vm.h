/*
 * Virtual machines that vivacd serves: each has a control socket that QEMU's
 * virtio-serial chardev connects to (one connection per port; sessions over
 * it use the link framing of transport/channel.h) and, optionally, a shared
 * region: the file behind the VM's ivshmem-plain device (BAR2), mapped here
 * too.  Each session of the VM gets its own slice of the region as its
 * arena; the session only ever checks ranges against its slice.
 *
 * The region is a file QEMU can truncate under us: every access the daemon
 * makes to it is a guarded copy (vh_vm_read/vh_vm_write, region_guard.h),
 * never a plain pointer access and never an engine's. A fault marks the
 * region broken: the VM's sessions end (with "the VM's shared region was
 * truncated"), its new sessions get no arena, other VMs and clients go on.
 *
 * Thread safety: slice allocation and release take the VM's mutex; the
 * broken flag is atomic; the rest is read-only after creation.
 */
#ifndef VIVAC_HOST_VM_H
#define VIVAC_HOST_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "transport/arena.h"
#include "vivac/protocol.h"

struct vh_vm;
struct vh_file_access;

#define VH_VM_MAX_REGION_MB 65536u

/* What a VM is made from: a --vm argument or a VM file (config_file.h). */
struct vh_vm_spec {
    char name[64];                /* vh_vm_name_valid */
    char control[108];            /* the control socket; fits sockaddr_un */
    char shm_path[256];           /* the region file; "": none */
    uint64_t size;                /* bytes, for a region file made here (0: 64 MiB) */
};

/* NAME: letters, digits, '.', '_', '-', 1 to 63 bytes, not "local". */
bool vh_vm_name_valid(const char *name);
/* A region size in MiB: a power of two from 2 to VH_VM_MAX_REGION_MB, into
 * *size in bytes. 0 or -EINVAL. */
int vh_vm_parse_size_mb(const char *text, uint64_t *size);
/* The --vm form below into *spec, checked (no file touched). 0, or -EINVAL
 * with a reason naming the VM and the value in why. */
int vh_vm_spec_parse(const char *text, struct vh_vm_spec *spec, char *why, size_t why_size);
/* Makes a VM of a checked spec (its region mapped, created if missing, as
 * vh_vm_create says). 0 or -errno with why. */
int vh_vm_create_spec(const struct vh_vm_spec *spec, const struct vh_file_access *access,
                      struct vh_vm **out, char *why, size_t why_size);

/* Parses "NAME:CONTROL_SOCKET[:SHM_PATH[:SIZE_MB]]". SHM_PATH is created
 * with SIZE_MB (default 64) if missing, with access's group and mode
 * (access NULL: 0600, a worker's: the file exists), else used at its size
 * and as its owner made it; either must
 * be a power of two (QEMU's ivshmem aborts on anything else) of at least
 * 2 MiB. NAME is letters, digits, '.', '_', '-', not "local"; the socket
 * path fits sockaddr_un. Returns 0 or -errno, with a reason naming the VM
 * and the value in why. */
int vh_vm_create(const char *text, const struct vh_file_access *access, struct vh_vm **out,
                 char *why, size_t why_size);
/* Unmaps the region (every slice must be released); accepts NULL. */
void vh_vm_destroy(struct vh_vm **vm);
/* Unlinks the region file if this VM made it (a reload that failed after
 * making it undoes it; a VM that was served leaves its file to QEMU). */
void vh_vm_remove_created_region(struct vh_vm *vm);

const char *vh_vm_name(const struct vh_vm *vm);
const char *vh_vm_control_path(const struct vh_vm *vm);
const struct vh_vm_spec *vh_vm_spec_of(const struct vh_vm *vm);

/* Carves a slice of up to `want` bytes (at least 1 MiB, whole MiB) for a
 * session's arena; *arena's release returns it. *where says where it is.
 * -ENOSPC if the region is full, -ENODEV if the VM has none, -EIO if it
 * was found truncated (vh_vm_region_broken). */
int vh_vm_slice_alloc(struct vh_vm *vm, uint64_t want, struct vt_arena *arena,
                      struct vw_hello_arena *where);

/* The VM whose region holds `arena` (a slice from vh_vm_slice_alloc), or
 * NULL for any other arena (a sealed memfd, or none). */
struct vh_vm *vh_vm_of_arena(const struct vt_arena *arena);
/* True once an access to the VM's region faulted. */
bool vh_vm_region_broken(const struct vh_vm *vm);
/* Guarded copies out of / into the VM's region (src resp. dst inside it,
 * range checked by the caller). 0, or -EFAULT when the region faulted now
 * or before (it is then marked broken, and the fault logged once). */
int vh_vm_read(struct vh_vm *vm, void *dst, const uint8_t *src, size_t n);
int vh_vm_write(struct vh_vm *vm, uint8_t *dst, const void *src, size_t n);

#endif
