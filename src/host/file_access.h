/* Who may open what vivacd makes for its clients: the Unix socket, each
 * VM's control socket and the region files it creates (--socket-group,
 * --socket-mode), so that QEMU's user (libvirt-qemu, or one in group kvm)
 * can connect and map, and nobody else. */
#ifndef VIVAC_HOST_FILE_ACCESS_H
#define VIVAC_HOST_FILE_ACCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct vh_file_access {
    bool set_gid;                 /* --socket-group given */
    gid_t gid;
    mode_t mode;                  /* --socket-mode; 0: the default below */
};

/* Region files vivacd creates: read-write for its user and group. */
#define VH_REGION_MODE_DEFAULT 0660

/* GROUP: a name or a number. 0, or -1 with `why` filled. */
int vh_file_access_parse_group(const char *text, struct vh_file_access *a, char *why,
                               size_t why_size);
/* MODE: octal, read/write bits only (no execute, setuid, sticky). */
int vh_file_access_parse_mode(const char *text, struct vh_file_access *a, char *why,
                              size_t why_size);

/* Gives a socket vivacd just bound its group and mode. -errno. */
int vh_file_access_apply_path(const struct vh_file_access *a, const char *path);
/* Gives a file vivacd just created its group and mode (default_mode when
 * no --socket-mode). -errno. */
int vh_file_access_apply_fd(const struct vh_file_access *a, int fd, mode_t default_mode);

#endif
