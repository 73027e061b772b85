#include "host/file_access.h"

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

int vh_file_access_parse_group(const char *text, struct vh_file_access *a, char *why,
                               size_t why_size)
{
    struct group *g = getgrnam(text);
    if (g) {
        a->gid = g->gr_gid;
    } else {
        char *end;
        errno = 0;
        unsigned long v = strtoul(text, &end, 10);
        if (errno || end == text || *end || v >= (unsigned long)(gid_t)-1) {
            snprintf(why, why_size, "--socket-group %s: no such group", text);
            return -1;
        }
        a->gid = (gid_t)v;
    }
    a->set_gid = true;
    return 0;
}

int vh_file_access_parse_mode(const char *text, struct vh_file_access *a, char *why,
                              size_t why_size)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(text, &end, 8);
    if (errno || end == text || *end || v == 0 || (v & ~0666ul)) {
        snprintf(why, why_size,
                 "--socket-mode %s: want octal read/write bits such as 0660 (no execute, "
                 "setuid or sticky bits, not 0)", text);
        return -1;
    }
    a->mode = (mode_t)v;
    return 0;
}

int vh_file_access_apply_path(const struct vh_file_access *a, const char *path)
{
    if (a->set_gid && chown(path, (uid_t)-1, a->gid) < 0)
        return -errno;
    if (a->mode && chmod(path, a->mode) < 0)
        return -errno;
    return 0;
}

int vh_file_access_apply_fd(const struct vh_file_access *a, int fd, mode_t default_mode)
{
    if (a->set_gid && fchown(fd, (uid_t)-1, a->gid) < 0)
        return -errno;
    if (fchmod(fd, a->mode ? a->mode : default_mode) < 0)
        return -errno;
    return 0;
}
