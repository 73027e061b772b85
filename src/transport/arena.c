#include "transport/arena.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cursor.h"

int vt_arena_create(uint64_t size, struct vt_arena *out)
{
    memset(out, 0, sizeof(*out));
    out->fd = -1;
    if (size == 0 || size > (uint64_t)SIZE_MAX)
        return -EINVAL;
    int fd = memfd_create("vivac-arena", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0)
        return -errno;
    int err = 0;
    if (ftruncate(fd, (off_t)size) < 0 ||
        fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0) {
        err = -errno;
        goto err_close;
    }
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
        err = -errno;
        goto err_close;
    }
    out->base = p;
    out->size = size;
    out->fd = fd;
    return 0;

err_close:
    close(fd);
    return err;
}

int vt_arena_map(int fd, uint64_t size, struct vt_arena *out)
{
    memset(out, 0, sizeof(*out));
    out->fd = -1;
    struct stat st;
    int err = 0;
    if (size == 0 || size > (uint64_t)SIZE_MAX) {
        err = -EINVAL;
        goto err_close;
    }
    if (fstat(fd, &st) < 0) {
        err = -errno;
        goto err_close;
    }
    if (st.st_size < 0 || (uint64_t)st.st_size < size) {
        err = -EINVAL;
        goto err_close;
    }
    /* Only an object the peer can no longer shrink is safe to map: a
     * truncated mapping would raise SIGBUS inside the user's program. */
    int seals = fcntl(fd, F_GET_SEALS);
    if (seals < 0 || !(seals & F_SEAL_SHRINK)) {
        err = -EPERM;
        goto err_close;
    }
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
        err = -errno;
        goto err_close;
    }
    out->base = p;
    out->size = size;
    out->fd = fd;
    return 0;

err_close:
    close(fd);
    return err;
}

void vt_arena_release(struct vt_arena *arena)
{
    if (arena->on_release)
        arena->on_release(arena);
    else if (arena->base)
        munmap(arena->base, arena->size);
    if (arena->fd >= 0)
        close(arena->fd);
    arena->base = NULL;
    arena->size = 0;
    arena->fd = -1;
    arena->on_release = NULL;
    arena->owner = NULL;
}

bool vt_arena_contains(const struct vt_arena *arena, uint64_t offset, uint64_t size)
{
    return arena->base && vc_range_ok(offset, size, arena->size);
}
