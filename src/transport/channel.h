/*
 * Control channel: a reliable byte stream that can optionally carry one file
 * descriptor alongside data.  Unix stream sockets implement it today;
 * vsock and virtio-serial will implement the same ops (without fd passing).
 *
 * Errors are negative errno values; 0 is success.  A channel is used by one
 * thread at a time (callers serialise).
 */
#ifndef VIVAC_TRANSPORT_CHANNEL_H
#define VIVAC_TRANSPORT_CHANNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/uio.h>

struct vt_channel;

struct vt_channel_ops {
    const char *name;
    /* Writes all of iov; passes fd (if >= 0) with the first byte. */
    int (*send)(struct vt_channel *ch, const struct iovec *iov, int iovcnt, int fd);
    /* Reads exactly `size` bytes. If fd_out is non-NULL it receives a passed
     * fd (or -1); extra fds are closed. -ECONNRESET on orderly close before
     * the first byte, -EPIPE on close in the middle. */
    int (*recv)(struct vt_channel *ch, void *buf, size_t size, int *fd_out);
    /* Non-blocking: true if at least one byte (or EOF) is ready to read. */
    bool (*readable)(struct vt_channel *ch);
    /* Aborts a blocked recv from another thread (used at shutdown). */
    void (*shutdown)(struct vt_channel *ch);
    void (*destroy)(struct vt_channel *ch);
};

struct vt_channel {
    const struct vt_channel_ops *ops;
    int fd;                      /* the OS handle, for poll() */
    bool can_pass_fds;
};

static inline int vt_channel_send(struct vt_channel *ch, const struct iovec *iov, int iovcnt, int fd)
{
    return ch->ops->send(ch, iov, iovcnt, fd);
}

static inline int vt_channel_recv(struct vt_channel *ch, void *buf, size_t size, int *fd_out)
{
    return ch->ops->recv(ch, buf, size, fd_out);
}

/* Closes and frees; accepts NULL and NULLs the pointer. */
void vt_channel_destroy(struct vt_channel **ch);

/* ---- Unix stream sockets (unix.c) ---- */

/* Creates a listening socket at path (an existing stale socket file is
 * replaced; a live one gives -EADDRINUSE). */
int vt_unix_listen(const char *path, int *listen_fd);
/* Accepts one connection (blocking). */
int vt_unix_accept(int listen_fd, struct vt_channel **out);
int vt_unix_connect(const char *path, struct vt_channel **out);
/* Wraps an already connected socket (takes ownership of fd). */
int vt_unix_wrap(int fd, struct vt_channel **out);

#endif
