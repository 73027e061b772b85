/*
 * Shared-memory data plane: one arena per session, created by the daemon
 * (memfd, sealed so the client cannot shrink it under the daemon) and mapped
 * by both sides.  Nothing in it is trusted by the daemon: it copies or
 * validates bytes after reading them once.  Errors are negative errno.
 */
#ifndef VIVAC_TRANSPORT_ARENA_H
#define VIVAC_TRANSPORT_ARENA_H

#include <stdbool.h>
#include <stdint.h>

struct vt_arena {
    uint8_t *base;
    uint64_t size;
    int fd;                       /* -1 once closed or if not kept */
    /* Set when base points into a mapping owned elsewhere (a slice of a
     * VM's shared region): vt_arena_release calls it instead of unmapping. */
    void (*on_release)(struct vt_arena *arena);
    void *owner;                  /* for on_release */
};

/* Creates a sealed memfd of `size` bytes and maps it read-write. */
int vt_arena_create(uint64_t size, struct vt_arena *out);
/* Maps an arena received from the peer; fails if the object is smaller than
 * `size`. Takes ownership of fd. */
int vt_arena_map(int fd, uint64_t size, struct vt_arena *out);
/* Unmaps and closes; safe on a zeroed or already released arena. */
void vt_arena_release(struct vt_arena *arena);

/* Overflow-safe: true if [offset, offset+size) is inside the arena. */
bool vt_arena_contains(const struct vt_arena *arena, uint64_t offset, uint64_t size);

#endif
