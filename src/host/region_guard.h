/*
 * Guarded copies to and from memory that another process can truncate
 * under the daemon.
 *
 * A VM's shared region (vm.h) is a file mapped MAP_SHARED, and the file is
 * writable by QEMU: QEMU, or a guest that escaped into it, can ftruncate it
 * while vivacd runs. The next access to a page past the new end raises
 * SIGBUS, whose default action ends the daemon and with it every tenant's
 * sessions. (The Unix-socket arenas are memfds the daemon creates and seals
 * against shrinking, transport/arena.c: they cannot fault and need none of
 * this.)
 *
 * vh_region_read/vh_region_write copy with a process-wide SIGBUS handler
 * armed for the calling thread and the region-side range: a fault there
 * makes the copy return -EFAULT instead. Any other SIGBUS (another thread,
 * another address, one sent with kill) gets the action that was in place
 * before vh_region_guard_init (by default: the process dies, as it would
 * without the guard; under ASan: its report).
 *
 * Only these plain copies run guarded: the handler leaves the copy with
 * siglongjmp, which is safe because memcpy holds no lock. Engine code never
 * runs under the guard (a jump out of it could leave its locks held), so an
 * engine must never be given a pointer into a region: the caller copies
 * through its own memory.
 *
 * Thread safety: any thread; guards do not nest within a thread.
 */
#ifndef VIVAC_HOST_REGION_GUARD_H
#define VIVAC_HOST_REGION_GUARD_H

#include <stddef.h>

/* Installs the SIGBUS handler (once per process; later calls do nothing).
 * Returns 0 or -errno. */
int vh_region_guard_init(void);

/* Copies n bytes from the region at src to private memory at dst. Returns
 * 0, or -EFAULT if the region faulted (dst then holds a partial copy). */
int vh_region_read(void *dst, const void *src, size_t n);
/* Copies n bytes from private memory at src to the region at dst. Returns
 * 0, or -EFAULT if the region faulted. */
int vh_region_write(void *dst, const void *src, size_t n);

#endif
