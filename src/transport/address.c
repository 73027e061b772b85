/* Channel addresses: the URIs of VIVAC_SOCKET and --socket. */
#include "transport/channel.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int parse_uint(const char *s, const char *end, unsigned *out)
{
    if (s == end || end - s > 10)
        return -EINVAL;
    unsigned long long v = 0;
    for (const char *p = s; p < end; p++) {
        if (*p < '0' || *p > '9')
            return -EINVAL;
        v = v * 10 + (unsigned)(*p - '0');
    }
    if (v > 0xffffffffull)
        return -EINVAL;
    *out = (unsigned)v;
    return 0;
}

static int set_path(struct vt_address *out, enum vt_address_kind kind, const char *path)
{
    if (!*path)
        return -EINVAL;
    if (strlen(path) >= sizeof(out->path))
        return -ENAMETOOLONG;
    out->kind = kind;
    strcpy(out->path, path);
    return 0;
}

int vt_address_parse(const char *uri, struct vt_address *out)
{
    memset(out, 0, sizeof(*out));
    if (!uri || !*uri)
        return -EINVAL;
    if (strncmp(uri, "unix:", 5) == 0)
        return set_path(out, VT_ADDR_UNIX, uri + 5);
    if (strncmp(uri, "serial:", 7) == 0)
        return set_path(out, VT_ADDR_SERIAL, uri + 7);
    if (strncmp(uri, "vsock:", 6) == 0) {
        const char *cid = uri + 6, *colon = strchr(cid, ':');
        if (!colon)
            return -EINVAL;
        int err = parse_uint(cid, colon, &out->cid);
        if (!err)
            err = parse_uint(colon + 1, colon + 1 + strlen(colon + 1), &out->port);
        if (err)
            return err;
        out->kind = VT_ADDR_VSOCK;
        return 0;
    }
    /* Anything else with a scheme is a mistake, not a relative path. */
    const char *colon = strchr(uri, ':'), *slash = strchr(uri, '/');
    if (colon && (!slash || colon < slash))
        return -EINVAL;
    return set_path(out, VT_ADDR_UNIX, uri);
}

/* Without udev (a minimal guest) there is no /dev/virtio-ports/NAME link:
 * find the port named `name` in sysfs, as udev would. */
static bool find_port_in_sysfs(const char *name, struct vt_address *out)
{
    DIR *d = opendir("/sys/class/virtio-ports");
    if (!d)
        return false;
    bool found = false;
    struct dirent *e;
    while (!found && (e = readdir(d))) {
        char path[300], buf[64] = {0};
        if (e->d_name[0] == '.' || strlen(e->d_name) > 64)
            continue;
        snprintf(path, sizeof(path), "/sys/class/virtio-ports/%s/name", e->d_name);
        FILE *f = fopen(path, "re");
        if (!f)
            continue;
        if (fgets(buf, sizeof(buf), f)) {
            buf[strcspn(buf, "\n")] = '\0';
            snprintf(path, sizeof(path), "/dev/%s", e->d_name);
            found = strcmp(buf, name) == 0 && access(path, F_OK) == 0 &&
                    set_path(out, VT_ADDR_SERIAL, path) == 0;
        }
        fclose(f);
    }
    closedir(d);
    return found;
}

void vt_address_default(const char *unix_path, struct vt_address *out)
{
    if (access(VT_SERIAL_DEFAULT, F_OK) == 0) {
        set_path(out, VT_ADDR_SERIAL, VT_SERIAL_DEFAULT);
        return;
    }
    if (find_port_in_sysfs(strrchr(VT_SERIAL_DEFAULT, '/') + 1, out))
        return;
    memset(out, 0, sizeof(*out));
    out->kind = VT_ADDR_UNIX;
    snprintf(out->path, sizeof(out->path), "%s", unix_path);
}

void vt_address_format(const struct vt_address *addr, char *buf, size_t size)
{
    switch (addr->kind) {
    case VT_ADDR_VSOCK:
        snprintf(buf, size, "vsock:%u:%u", addr->cid, addr->port);
        break;
    case VT_ADDR_SERIAL:
        snprintf(buf, size, "serial:%s", addr->path);
        break;
    default:
        snprintf(buf, size, "unix:%s", addr->path);
        break;
    }
}

/* A port serves one guest process at a time (a second opener gets EBUSY).
 * When the default port is busy, try its siblings vivac1..vivac7, which a
 * VM gives for more concurrent VA processes (docs/deployment.md). */
#define VT_SERIAL_SIBLINGS 7

static int serial_open_default(const struct vt_address *addr, struct vt_channel **out)
{
    int err = vt_serial_open(addr->path, out);
    const char *base = strrchr(VT_SERIAL_DEFAULT, '/') + 1;
    for (int n = 1; err == -EBUSY && n <= VT_SERIAL_SIBLINGS; n++) {
        char name[32];
        struct vt_address sib;
        snprintf(name, sizeof(name), "%s%d", base, n);
        snprintf(sib.path, sizeof(sib.path), "/dev/virtio-ports/%s", name);
        if (access(sib.path, F_OK) != 0 && !find_port_in_sysfs(name, &sib))
            break;
        err = vt_serial_open(sib.path, out);
    }
    return err;
}

/* True if addr is the default port found by vt_address_default. */
static bool is_default_port(const struct vt_address *addr)
{
    if (strcmp(addr->path, VT_SERIAL_DEFAULT) == 0)
        return true;
    struct vt_address found;
    return strncmp(addr->path, "/dev/vport", 10) == 0 &&
           find_port_in_sysfs(strrchr(VT_SERIAL_DEFAULT, '/') + 1, &found) &&
           strcmp(found.path, addr->path) == 0;
}

int vt_connect(const struct vt_address *addr, struct vt_channel **out)
{
    if (addr->kind == VT_ADDR_SERIAL && is_default_port(addr))
        return serial_open_default(addr, out);
    switch (addr->kind) {
    case VT_ADDR_UNIX:
        return vt_unix_connect(addr->path, out);
    case VT_ADDR_VSOCK:
        return vt_vsock_connect(addr->cid, addr->port, out);
    case VT_ADDR_SERIAL:
        return vt_serial_open(addr->path, out);
    }
    return -EINVAL;
}
