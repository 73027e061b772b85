/*
 * Control channel: a reliable byte stream that can optionally carry one file
 * descriptor alongside data.  Implementations: Unix stream sockets (unix.c,
 * with fd passing), AF_VSOCK sockets (vsock.c) and the chunked "link" over a
 * virtio-serial port (link.c); the last two cannot pass fds.
 *
 * Errors are negative errno values; 0 is success.  A channel is used by one
 * thread at a time (callers serialise).
 */
#ifndef VIVAC_TRANSPORT_CHANNEL_H
#define VIVAC_TRANSPORT_CHANNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
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
    void *user;                  /* the owner's (vivacd: the VM it serves), NULL */
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
/* Connects to path and gives the bare socket (for a link over it, as
 * QEMU's chardev makes one to a VM's control socket). */
int vt_unix_connect_fd(const char *path, int *fd_out);
/* Wraps an already connected socket (takes ownership of fd). */
int vt_unix_wrap(int fd, struct vt_channel **out);
/* Same ops for any connected stream socket; can_pass_fds false for vsock. */
int vt_socket_wrap(int fd, bool can_pass_fds, struct vt_channel **out);

/* ---- AF_VSOCK (vsock.c) ---- */

#define VT_VSOCK_HOST_CID 2u
int vt_vsock_connect(unsigned cid, unsigned port, struct vt_channel **out);
int vt_vsock_listen(unsigned port, int *listen_fd);
/* Accepts one connection; *peer_cid (optional) receives the guest's CID. */
int vt_vsock_accept(int listen_fd, struct vt_channel **out, unsigned *peer_cid);

/* ---- link: sessions over a byte stream without connection semantics ----
 *
 * A virtio-serial port is one byte stream for the life of the VM: the host
 * side (QEMU's chardev, connected to vivacd) never sees a guest process open
 * or close the port, and a process that dies leaves half a message behind.
 * The link cuts the stream into chunks of at most VT_LINK_MAX_CHUNK bytes,
 * each with a header naming the client session by a random 64-bit nonce:
 *
 *   magic u32 "VVLK" | length u32 (payload bytes) | nonce u64 | payload
 *
 * A guest writes every chunk with one write(), which virtio_console queues
 * as one buffer (it takes at most 32 KiB per write), so the daemon only ever
 * sees whole chunks.  The daemon side serves one session after another:
 * vt_link_next_session() waits for the first chunk of a session, skipping
 * bytes that are not a chunk header; the session's recv then reads its
 * stream.  A chunk with another nonce ends the session (its partial message
 * and objects are dropped: recv fails with -ECONNRESET/-EPIPE and
 * vt_link_session_ended() is true) and is the first chunk of the next one;
 * bytes that are not a chunk header end it too (recv fails with -EPROTO,
 * vt_link_session_ended() is true; the rest of that session's chunks are
 * skipped).  EOF or a read error ends the link for good: every later recv
 * and vt_link_next_session() fail at once, without reading.  The daemon
 * echoes the session's nonce in its chunks, so a new guest process skips
 * stale bytes of its predecessor until it finds the header of a chunk
 * carrying its own nonce.  docs/protocol.md has the rules.
 */
#define VT_LINK_MAGIC 0x4b4c5656u /* "VVLK" */
#define VT_LINK_MAX_CHUNK (32u * 1024u) /* header included */
#define VT_LINK_HEADER 16u

/* Client side (guest) over a virtio-serial char device: opens path
 * (O_RDWR; -EBUSY if another process holds the port) with a fresh nonce. */
int vt_serial_open(const char *path, struct vt_channel **out);
/* A fresh random non-zero nonce for a client session (getrandom). */
int vt_link_new_nonce(uint64_t *nonce);
/* Either side over an already open fd (a socket or a char device); takes
 * ownership. nonce: the client's (non-zero); 0 makes a daemon side. */
int vt_link_wrap(int fd, uint64_t nonce, struct vt_channel **out);
/* True for the daemon side of a link (vt_link_wrap with nonce 0). */
bool vt_link_is_server(const struct vt_channel *ch);
/* Daemon side, before each session (the first one included): blocks until
 * the first chunk of a session that no earlier recv has consumed, skipping
 * bytes that are not a chunk header and the rest of a session that such
 * bytes ended. 0: the next recv reads the new session's stream (sends carry
 * its nonce); -ECONNRESET at EOF, another -errno on a read error (the link
 * is over); -EBUSY while a session is current; -EINVAL if ch is no daemon
 * side of a link. Before the first session recv and send fail with
 * -ENOTCONN; once a session has ended, recv keeps failing as it did and send
 * fails with -ENOTCONN (nothing reaches the next client by mistake). */
int vt_link_next_session(struct vt_channel *ch);
/* Daemon side: true if the last recv ended because the link ended the
 * session (another client's chunk, or bytes that are not a chunk header)
 * while the stream goes on: vt_link_next_session() may find another; false
 * after EOF or an I/O error, and on other channels. */
bool vt_link_session_ended(const struct vt_channel *ch);
/* Wire bytes (headers included) sent and received by a link channel. */
void vt_link_counters(const struct vt_channel *ch, uint64_t *sent, uint64_t *received);
/* Daemon side: bytes skipped so far looking for a chunk header (garbage, and
 * chunks of a session that garbage ended). */
uint64_t vt_link_skipped(const struct vt_channel *ch);

/* ---- addresses (address.c) ---- */

enum vt_address_kind {
    VT_ADDR_UNIX = 1,             /* unix:/path or a bare path */
    VT_ADDR_VSOCK = 2,            /* vsock:CID:PORT */
    VT_ADDR_SERIAL = 3,           /* serial:/dev/virtio-ports/NAME */
};

struct vt_address {
    enum vt_address_kind kind;
    unsigned cid, port;           /* VSOCK */
    char path[256];               /* UNIX, SERIAL */
};

#define VT_SERIAL_DEFAULT "/dev/virtio-ports/vivac"

/* Parses a channel URI. -EINVAL if malformed, -ENAMETOOLONG. */
int vt_address_parse(const char *uri, struct vt_address *out);
/* The address a client uses when nothing is configured: the virtio-serial
 * port VT_SERIAL_DEFAULT if it exists (or, without udev, the /dev/vportNpM
 * whose sysfs name is "vivac"), else the Unix socket unix_path. */
void vt_address_default(const char *unix_path, struct vt_address *out);
/* "unix:/path", "vsock:3:5000", "serial:/dev/..." into buf (truncated). */
void vt_address_format(const struct vt_address *addr, char *buf, size_t size);
int vt_connect(const struct vt_address *addr, struct vt_channel **out);

#endif
