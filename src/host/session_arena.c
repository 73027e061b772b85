/* A session's arena: VM slice, memfd, or none (session_arena.h). */
#include "host/session_arena.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "host/memory_budget.h"
#include "host/session_internal.h"
#include "host/vm.h"

#define TRUNCATED "the VM's shared region was truncated (by QEMU or the guest): the session ends"

int vh_session_arena_create(struct vh_session *s, uint64_t size, struct vw_hello_arena *where)
{
    memset(where, 0, sizeof(*where));
    struct vh_vm *vm = s->ch->user;
    if (vm)
        return vh_vm_slice_alloc(vm, size, &s->arena, where);
    if (!s->ch->can_pass_fds)
        return -ENOTSUP;
    int err = vt_arena_create(size, &s->arena);
    if (err)
        return err;
    *where = (struct vw_hello_arena){.kind = VW_ARENA_FD, .size = s->arena.size};
    return 0;
}

void vh_session_arena_reply(struct vh_reply *rep, uint16_t client_minor,
                            const struct vw_hello_arena *where)
{
    /* A 1.0 client expects the 80-byte reply alone. */
    if (client_minor < 1 || rep->tail)
        return;
    struct vw_hello_arena *copy = malloc(sizeof(*copy));
    if (!copy)
        return; /* the client then sees no arena description: inline data */
    *copy = *where;
    rep->tail = copy;
    rep->tail_len = sizeof(*copy);
    rep->tail_owned = copy;
}

/* The session's end after a fault: VW_OP_ERROR instead of a reply. Every
 * session of the VM gets it at its next request (vh_session_arena_lost):
 * their slices are gone with the rest of the file. */
static int region_truncated(const char *what, struct vh_reply *rep)
{
    rep->fatal = true;
    return vh_error_set(&rep->err, VW_ERR_OUT_OF_BOUNDS, "%s: " TRUNCATED, what);
}

int vh_session_arena_read(struct vh_session *s, void *dst, uint64_t offset, uint64_t size,
                          const char *what, struct vh_reply *rep)
{
    struct vh_vm *vm = vh_vm_of_arena(&s->arena);
    if (!vm) {
        memcpy(dst, s->arena.base + offset, (size_t)size);
        return VW_OK;
    }
    if (vh_vm_read(vm, dst, s->arena.base + offset, (size_t)size) != 0)
        return region_truncated(what, rep);
    return VW_OK;
}

int vh_session_arena_write(struct vh_session *s, uint64_t offset, const void *src,
                           uint64_t size, const char *what, struct vh_reply *rep)
{
    struct vh_vm *vm = vh_vm_of_arena(&s->arena);
    if (!vm) {
        memcpy(s->arena.base + offset, src, (size_t)size);
        return VW_OK;
    }
    if (vh_vm_write(vm, s->arena.base + offset, src, (size_t)size) != 0)
        return region_truncated(what, rep);
    return VW_OK;
}

bool vh_session_arena_direct(const struct vh_session *s)
{
    return vh_vm_of_arena(&s->arena) == NULL;
}

bool vh_session_arena_lost(struct vh_session *s, const char *what, struct vh_reply *rep)
{
    struct vh_vm *vm = vh_vm_of_arena(&s->arena);
    if (!vm || !vh_vm_region_broken(vm))
        return false;
    region_truncated(what, rep);
    return true;
}

void vh_session_bounce_release(struct vh_session *s)
{
    if (!s->bounce)
        return;
    if (s->bounce_handle)
        s->engine->ops->host_memory_unregister(s->engine, s->bounce_handle);
    munmap(s->bounce, (size_t)s->bounce_size);
    s->bytes_used -= s->bounce_size;
    vh_budget_give(s->limits.shared, s->bounce_size);
    s->bounce = NULL;
    s->bounce_size = 0;
    s->bounce_handle = NULL;
}

uint8_t *vh_session_bounce(struct vh_session *s, uint64_t size, const char *what,
                           struct vh_reply *rep)
{
    if (s->bounce && s->bounce_size >= size)
        return s->bounce;
    /* Whole pages, as host_memory_register wants; an image is at most the
     * arena (the caller checked the range), itself limited (max_arena). */
    long page = sysconf(_SC_PAGESIZE);
    uint64_t p = page > 0 ? (uint64_t)page : 4096;
    uint64_t want = (size + p - 1) / p * p;
    vh_session_bounce_release(s);
    if (want > s->limits.max_bytes - s->bytes_used) {
        vh_error_set(&rep->err, VW_ERR_LIMIT,
                     "%s: a %llu-byte image buffer passes the session's memory limit (%llu of "
                     "%llu bytes used)", what, (unsigned long long)want,
                     (unsigned long long)s->bytes_used, (unsigned long long)s->limits.max_bytes);
        return NULL;
    }
    if (!vh_budget_take(s->limits.shared, want)) {
        vh_daemon_memory_full(&rep->err, what, s->limits.shared, want);
        return NULL;
    }
    /* A sealed memfd, like an arena: the engine may share it with the GPU
     * process, which then reads pictures straight into it. */
    struct vt_arena buf;
    if (vt_arena_create(want, &buf) != 0) {
        vh_budget_give(s->limits.shared, want);
        vh_error_set(&rep->err, VW_ERR_NO_MEMORY, "%s: out of memory", what);
        return NULL;
    }
    s->bounce = buf.base;
    s->bounce_size = want;
    s->bytes_used += want;
    /* Registered like a memfd arena (session.c): nvdec then reads back with
     * a DMA into it, as it would into the region. Failure: unpinned. */
    const struct vh_engine_ops *ops = s->engine->ops;
    if (ops->host_memory_register && ops->host_memory_unregister &&
        ops->host_memory_register(s->engine, buf.base, (size_t)want, buf.fd,
                                  &s->bounce_handle) != 0)
        s->bounce_handle = NULL;
    close(buf.fd);                            /* mapped, and shared or not */
    return s->bounce;
}
