/* VMs served by vivacd and their shared regions (vm.h). */
#include "host/vm.h"

#include "host/file_access.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "host/region_guard.h"

#define MIB (1ull << 20)
#define MAX_SLICES 64u

struct slice {
    uint64_t offset, size;        /* size 0: free slot */
};

struct vh_vm {
    struct vh_vm_spec spec;       /* name, control, shm_path: what it was made from */
    uint8_t *base;                /* the region, NULL: none */
    uint64_t size;
    uint64_t id;
    bool region_created;          /* the file was made here, not found */
    /* Set by the first guarded access that faulted (the file was truncated
     * under us): no access to the region after that, from any session. */
    atomic_bool broken;
    pthread_mutex_t mutex;
    struct slice slices[MAX_SLICES];
};

static int fail(char *why, size_t n, int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, n, fmt, ap);
    va_end(ap);
    return err;
}

static int copy_field(char *dst, size_t cap, const char *src, size_t len)
{
    if (len == 0 || len >= cap)
        return -EINVAL;
    memcpy(dst, src, len);
    dst[len] = '\0';
    return 0;
}

static bool is_power_of_two(uint64_t v)
{
    return v && !(v & (v - 1));
}

static int map_region(struct vh_vm *vm, uint64_t create_size, const struct vh_file_access *access,
                      char *why, size_t why_size)
{
    /* A file made here gets --socket-group/--socket-mode (QEMU opens it);
     * one that exists keeps what its owner gave it. */
    int fd = open(vm->spec.shm_path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    vm->region_created = fd >= 0;
    if (fd >= 0 && access) {
        int err = vh_file_access_apply_fd(access, fd, VH_REGION_MODE_DEFAULT);
        if (err) {
            close(fd);
            unlink(vm->spec.shm_path);
            return fail(why, why_size, err, "VM %s: %s: setting its group and mode: %s",
                        vm->spec.name, vm->spec.shm_path, strerror(-err));
        }
    } else if (fd < 0 && errno == EEXIST) {
        fd = open(vm->spec.shm_path, O_RDWR | O_CLOEXEC);
    }
    if (fd < 0)
        return fail(why, why_size, -errno, "%s: %s", vm->spec.shm_path, strerror(errno));
    struct stat st;
    int err = 0;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        err = fail(why, why_size, -EINVAL, "%s: not a regular file", vm->spec.shm_path);
        goto out;
    }
    uint64_t size = (uint64_t)st.st_size;
    if (size == 0) {
        size = create_size;
        if (ftruncate(fd, (off_t)size) < 0) {
            err = fail(why, why_size, -errno, "%s: %s", vm->spec.shm_path, strerror(errno));
            goto out;
        }
    }
    if (size < VW_SHM_FIRST_SLICE + MIB || !is_power_of_two(size)) {
        err = fail(why, why_size, -EINVAL,
                   "VM %s: %s: %llu bytes, want a power of two of at least 2 MiB (QEMU's ivshmem "
                   "needs a power of two)", vm->spec.name, vm->spec.shm_path, (unsigned long long)size);
        goto out;
    }
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
        err = fail(why, why_size, -errno, "%s: mmap: %s", vm->spec.shm_path, strerror(errno));
        goto out;
    }
    vm->base = p;
    vm->size = size;
    while (vm->id == 0)
        if (getrandom(&vm->id, sizeof(vm->id), 0) != (ssize_t)sizeof(vm->id))
            vm->id = (uint64_t)getpid() << 32 | (uint64_t)time(NULL);
    /* Every access to the region goes through the guard (region_guard.h):
     * QEMU can truncate the file at any time, this first write included. */
    struct vw_shm_header h = {.magic = VW_SHM_MAGIC, .id = vm->id, .size = size};
    err = vh_region_guard_init();
    if (!err && vh_region_write(vm->base, &h, sizeof(h)) != 0)
        err = -EFAULT;
    if (err) {
        munmap(p, size);
        vm->base = NULL;
        err = fail(why, why_size, err, "%s: %s", vm->spec.shm_path,
                   err == -EFAULT ? "truncated while being set up" : "cannot guard the region");
    }
out:
    close(fd);
    if (err)
        vh_vm_remove_created_region(vm);
    return err;
}

/* A name appears in log lines, metric labels and --qos classes: letters,
 * digits, '.', '_' and '-' only (no ':', so never cid:N), and not
 * "local", the class of the local clients. */
bool vh_vm_name_valid(const char *name)
{
    if (!*name || strlen(name) >= sizeof(((struct vh_vm_spec *)0)->name) ||
        strcmp(name, "local") == 0)
        return false;
    for (const char *c = name; *c; c++)
        if (!isalnum((unsigned char)*c) && *c != '.' && *c != '_' && *c != '-')
            return false;
    return true;
}

/* The region's size in MiB: QEMU's ivshmem BAR must be a power of two
 * (QEMU aborts on anything else), and at least 2 MiB (header + a slice). */
int vh_vm_parse_size_mb(const char *text, uint64_t *size)
{
    char *end;
    errno = 0;
    unsigned long long mb = strtoull(text, &end, 10);
    if (!isdigit((unsigned char)text[0]) || *end || errno || mb < 2 || mb > VH_VM_MAX_REGION_MB ||
        !is_power_of_two(mb))
        return -EINVAL;
    *size = mb * MIB;
    return 0;
}

int vh_vm_spec_parse(const char *text, struct vh_vm_spec *spec, char *why, size_t why_size)
{
    memset(spec, 0, sizeof(*spec));
    const char *parts[4] = {text};
    size_t lens[4] = {0};
    int n = 1;
    for (const char *p = text; *p; p++) {
        if (*p != ':')
            continue;
        if (n == 4)
            goto bad;
        lens[n - 1] = (size_t)(p - parts[n - 1]);
        parts[n++] = p + 1;
    }
    lens[n - 1] = strlen(parts[n - 1]);
    if (n < 2 || copy_field(spec->name, sizeof(spec->name), parts[0], lens[0]))
        goto bad;
    if (!vh_vm_name_valid(spec->name))
        return fail(why, why_size, -EINVAL,
                    "VM name \"%s\": want letters, digits, '.', '_' and '-' (and not local)",
                    spec->name);
    /* A socket path must fit sockaddr_un (107 bytes and the NUL). */
    if (copy_field(spec->control, sizeof(spec->control), parts[1], lens[1]))
        return fail(why, why_size, -EINVAL,
                    "VM %s: control socket path \"%.*s\": want 1 to 107 bytes", spec->name,
                    (int)lens[1], parts[1]);
    spec->size = 64 * MIB;
    if (n >= 3 && copy_field(spec->shm_path, sizeof(spec->shm_path), parts[2], lens[2]))
        return fail(why, why_size, -EINVAL, "VM %s: region path \"%.*s\": want 1 to %zu bytes",
                    spec->name, (int)lens[2], parts[2], sizeof(spec->shm_path) - 1);
    if (n == 4 && vh_vm_parse_size_mb(parts[3], &spec->size))
        return fail(why, why_size, -EINVAL,
                    "VM %s: region size \"%s\" MiB: want a power of two from 2 to %u (QEMU's "
                    "ivshmem needs a power of two)", spec->name, parts[3], VH_VM_MAX_REGION_MB);
    return 0;
bad:
    return fail(why, why_size, -EINVAL, "\"%s\": want NAME:CONTROL_SOCKET[:SHM_PATH[:SIZE_MB]]",
                text);
}

int vh_vm_create_spec(const struct vh_vm_spec *spec, const struct vh_file_access *access,
                      struct vh_vm **out, char *why, size_t why_size)
{
    struct vh_vm *vm = calloc(1, sizeof(*vm));
    if (!vm)
        return fail(why, why_size, -ENOMEM, "out of memory");
    vm->spec = *spec;
    pthread_mutex_init(&vm->mutex, NULL);
    if (vm->spec.shm_path[0]) {
        int err = map_region(vm, spec->size ? spec->size : 64 * MIB, access, why, why_size);
        if (err) {
            pthread_mutex_destroy(&vm->mutex);
            free(vm);
            return err;
        }
    }
    *out = vm;
    return 0;
}

int vh_vm_create(const char *text, const struct vh_file_access *access, struct vh_vm **out,
                 char *why, size_t why_size)
{
    struct vh_vm_spec spec;
    int err = vh_vm_spec_parse(text, &spec, why, why_size);
    return err ? err : vh_vm_create_spec(&spec, access, out, why, why_size);
}

void vh_vm_remove_created_region(struct vh_vm *vm)
{
    if (vm && vm->region_created && unlink(vm->spec.shm_path) == 0)
        vm->region_created = false;
}

void vh_vm_destroy(struct vh_vm **vmp)
{
    if (!vmp || !*vmp)
        return;
    struct vh_vm *vm = *vmp;
    if (vm->base)
        munmap(vm->base, vm->size);
    pthread_mutex_destroy(&vm->mutex);
    free(vm);
    *vmp = NULL;
}

const char *vh_vm_name(const struct vh_vm *vm)
{
    return vm->spec.name;
}

const char *vh_vm_control_path(const struct vh_vm *vm)
{
    return vm->spec.control;
}

const struct vh_vm_spec *vh_vm_spec_of(const struct vh_vm *vm)
{
    return &vm->spec;
}

static void slice_release(struct vt_arena *arena)
{
    struct vh_vm *vm = arena->owner;
    uint64_t offset = (uint64_t)(arena->base - vm->base);
    pthread_mutex_lock(&vm->mutex);
    for (unsigned i = 0; i < MAX_SLICES; i++)
        if (vm->slices[i].size && vm->slices[i].offset == offset)
            vm->slices[i].size = 0;
    pthread_mutex_unlock(&vm->mutex);
}

/* Largest gap at or after `from` not covered by a slice (mutex held). */
static void largest_gap(const struct vh_vm *vm, uint64_t *gap_off, uint64_t *gap_size)
{
    *gap_off = 0;
    *gap_size = 0;
    uint64_t at = VW_SHM_FIRST_SLICE;
    for (;;) {
        /* The slice that starts first at or after `at`. */
        uint64_t next = vm->size;
        const struct slice *hit = NULL;
        for (unsigned i = 0; i < MAX_SLICES; i++) {
            const struct slice *sl = &vm->slices[i];
            if (sl->size && sl->offset >= at && sl->offset < next) {
                next = sl->offset;
                hit = sl;
            }
        }
        if (next - at > *gap_size) {
            *gap_off = at;
            *gap_size = next - at;
        }
        if (!hit)
            return;
        at = hit->offset + hit->size;
    }
}

int vh_vm_slice_alloc(struct vh_vm *vm, uint64_t want, struct vt_arena *arena,
                      struct vw_hello_arena *where)
{
    if (!vm->base)
        return -ENODEV;
    /* A truncated region stays refused until vivacd restarts: whoever
     * truncated it once (QEMU, or a guest that escaped into it) can do it
     * again, and an honest set-up never does. The guest goes on with inline
     * data over its port. */
    if (atomic_load(&vm->broken))
        return -EIO;
    want = (want + MIB - 1) / MIB * MIB;
    if (want < MIB)
        want = MIB;
    pthread_mutex_lock(&vm->mutex);
    int err = -ENOSPC;
    unsigned slot = 0;
    while (slot < MAX_SLICES && vm->slices[slot].size)
        slot++;
    uint64_t off, size;
    largest_gap(vm, &off, &size);
    size = size / MIB * MIB;
    if (slot < MAX_SLICES && size >= MIB) {
        if (size > want)
            size = want;
        vm->slices[slot] = (struct slice){.offset = off, .size = size};
        memset(arena, 0, sizeof(*arena));
        arena->base = vm->base + off;
        arena->size = size;
        arena->fd = -1;
        arena->on_release = slice_release;
        arena->owner = vm;
        *where = (struct vw_hello_arena){.kind = VW_ARENA_SHM, .shm_id = vm->id,
                                         .offset = off, .size = size};
        err = 0;
    }
    pthread_mutex_unlock(&vm->mutex);
    return err;
}

struct vh_vm *vh_vm_of_arena(const struct vt_arena *arena)
{
    return arena->on_release == slice_release ? arena->owner : NULL;
}

bool vh_vm_region_broken(const struct vh_vm *vm)
{
    return atomic_load(&vm->broken);
}

/* After a fault: the region is marked broken (every session of the VM
 * then ends at its next request, and new ones get no arena), logged once. */
static int region_fault(struct vh_vm *vm)
{
    if (!atomic_exchange(&vm->broken, true))
        vc_error("VM %s: its shared region %s was truncated (by QEMU or the guest): "
                 "ending the VM's sessions; its new sessions get no arena (inline data) until "
                 "vivacd restarts", vm->spec.name, vm->spec.shm_path);
    return -EFAULT;
}

int vh_vm_read(struct vh_vm *vm, void *dst, const uint8_t *src, size_t n)
{
    if (atomic_load(&vm->broken))
        return -EFAULT;
    return vh_region_read(dst, src, n) ? region_fault(vm) : 0;
}

int vh_vm_write(struct vh_vm *vm, uint8_t *dst, const void *src, size_t n)
{
    if (atomic_load(&vm->broken))
        return -EFAULT;
    return vh_region_write(dst, src, n) ? region_fault(vm) : 0;
}
