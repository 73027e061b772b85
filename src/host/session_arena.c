/* A session's arena: VM slice, memfd, or none (session_arena.h). */
#include "host/session_arena.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "host/session_internal.h"
#include "host/vm.h"

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
