/* Maps a slice of the ivshmem region through sysfs (ivshmem.h). */
#include "guest/ivshmem.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cursor.h"
#include "common/log.h"
#include "vivac/protocol.h"

static unsigned long read_hex(const char *dir, const char *name)
{
    char path[600], buf[32] = {0};
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    return n > 0 ? strtoul(buf, NULL, 16) : 0;
}

/* Opens resource2 of dir if it is an ivshmem device holding region shm_id. */
static int try_device(const char *dir, uint64_t shm_id, uint64_t *region_size)
{
    if (read_hex(dir, "vendor") != 0x1af4 || read_hex(dir, "device") != 0x1110)
        return -ENODEV;
    /* resource2 maps the BAR uncached; resource2_wc (prefetchable BARs, as
     * ivshmem's is) write-combined, much faster for the guest's writes.
     * Reads stay uncached either way: a cacheable mapping needs a kernel
     * module (as Looking Glass's kvmfr does). */
    char path[600];
    snprintf(path, sizeof(path), "%s/resource2_wc", dir);
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        snprintf(path, sizeof(path), "%s/resource2", dir);
        fd = open(path, O_RDWR | O_CLOEXEC);
    }
    if (fd < 0) {
        int err = -errno;
        vc_warn("ivshmem device %s: %s%s", path, strerror(errno),
                err == -EACCES ? " (see docs/deployment.md: udev rule)" : "");
        return err;
    }
    struct stat st;
    struct vw_shm_header h;
    void *p = MAP_FAILED;
    if (fstat(fd, &st) == 0 && (uint64_t)st.st_size >= sizeof(h))
        p = mmap(NULL, sizeof(h), PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
        close(fd);
        return -ENODEV;
    }
    memcpy(&h, p, sizeof(h));
    munmap(p, sizeof(h));
    if (h.magic != VW_SHM_MAGIC || h.id != shm_id) {
        close(fd);
        return -ENODEV;
    }
    *region_size = (uint64_t)st.st_size;
    return fd;
}

int vg_ivshmem_map(uint64_t shm_id, uint64_t offset, uint64_t size, struct vt_arena *out)
{
    memset(out, 0, sizeof(*out));
    out->fd = -1;
    const char *root = getenv("VIVAC_PCI_DEVICES");
    if (!root || !*root)
        root = "/sys/bus/pci/devices";
    DIR *d = opendir(root);
    if (!d)
        return -ENODEV;
    int fd = -ENODEV;
    uint64_t region = 0;
    struct dirent *e;
    while (fd < 0 && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char dir[512];
        snprintf(dir, sizeof(dir), "%s/%s", root, e->d_name);
        int r = try_device(dir, shm_id, &region);
        if (r >= 0 || r != -ENODEV)
            fd = r;
    }
    closedir(d);
    if (fd < 0)
        return fd;
    long page = sysconf(_SC_PAGESIZE);
    int err = 0;
    if (size == 0 || size > SIZE_MAX || !vc_range_ok(offset, size, region) ||
        (page > 0 && offset % (uint64_t)page)) {
        err = -EINVAL;
        goto out;
    }
    void *p = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)offset);
    if (p == MAP_FAILED) {
        err = -errno;
        goto out;
    }
    out->base = p;
    out->size = size;
out:
    close(fd);
    return err;
}
