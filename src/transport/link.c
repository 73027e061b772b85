/* The link: vivac sessions over a byte stream without connection semantics
 * (a virtio-serial port); channel.h describes the chunk format.
 *
 * The daemon side is a small state machine over the stream of one chardev
 * connection:
 *
 *   no session --next_session--> in a session (nonce N, chunk_left)
 *        ^                           | header of another nonce: held, ended
 *        |                           | bytes that are not a header: ended,
 *        +------ next_session -------+   the stream is out of step
 *
 *   any state --EOF or read error--> closed (sticky: nothing is read again)
 *
 * Only vt_link_next_session() starts a session, and only after it has read a
 * valid header that no earlier session has consumed: a loop of sessions on
 * a link always moves forward in the stream, and stops for good at its end. */
#include "transport/channel.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#define CHUNK_PAYLOAD (VT_LINK_MAX_CHUNK - VT_LINK_HEADER)
#define READ_AHEAD 4096u

struct link_header {
    uint32_t magic;
    uint32_t length;
    uint64_t nonce;
};
_Static_assert(sizeof(struct link_header) == VT_LINK_HEADER, "link header");

struct link {
    struct vt_channel base;       /* first: the ops downcast */
    bool server;
    uint64_t nonce;               /* client: its own; server: current session (0: none yet) */
    bool synced;                  /* client: found its first chunk; server: the stream is
                                   * at a chunk boundary or inside a known chunk */
    uint32_t chunk_left;          /* payload bytes left in the chunk being read */
    /* Server only. */
    bool in_session;              /* a session is current (recv/send serve it) */
    bool session_ended;           /* the link ended the current session (see channel.h) */
    bool pending;                 /* held: header of the next session's first chunk */
    struct link_header held;
    uint8_t bad[VT_LINK_HEADER];  /* !synced: the bytes that were not a header */
    uint64_t dead_nonce;          /* a session ended by garbage: its later chunks are skipped */
    int closed;                   /* 0, or why the stream ended (negative errno); sticky */
    uint64_t skipped;             /* bytes discarded looking for a header */
    /* Read-ahead, so that looking for a header byte by byte costs no syscall
     * per byte. */
    uint8_t in[READ_AHEAD];
    size_t in_pos, in_len;
    uint8_t *wbuf;                /* client: one whole chunk, written with one write() */
    uint64_t sent, received;
};

static const struct vt_channel_ops link_ops;

static struct link *to_link(struct vt_channel *ch)
{
    return (struct link *)ch;
}

static bool header_valid(const struct link_header *h)
{
    return h->magic == VT_LINK_MAGIC && h->length <= CHUNK_PAYLOAD && h->nonce != 0;
}

/* Reads exactly size bytes: -ECONNRESET on EOF before the first byte,
 * -EPIPE after it. On the daemon side any failure closes the link for good:
 * a stream that has ended never yields another session. */
static int read_full(struct link *l, void *buf, size_t size)
{
    size_t got = 0;
    if (l->closed)
        return l->closed;
    while (got < size) {
        if (l->in_pos < l->in_len) {
            size_t take = l->in_len - l->in_pos;
            if (take > size - got)
                take = size - got;
            memcpy((char *)buf + got, l->in + l->in_pos, take);
            l->in_pos += take;
            got += take;
            continue;
        }
        /* Large reads go straight to the caller's buffer. */
        bool direct = size - got >= sizeof(l->in);
        ssize_t n = direct ? read(l->base.fd, (char *)buf + got, size - got)
                           : read(l->base.fd, l->in, sizeof(l->in));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            int err = n < 0 ? -errno : got == 0 ? -ECONNRESET : -EPIPE;
            if (l->server)
                l->closed = n < 0 ? err : -ECONNRESET;
            return err;
        }
        if (direct) {
            got += (size_t)n;
        } else {
            l->in_pos = 0;
            l->in_len = (size_t)n;
        }
    }
    l->received += size;
    return 0;
}

static int write_full(struct link *l, struct iovec *iov, int iovcnt)
{
    int first = 0;
    while (first < iovcnt) {
        ssize_t n = writev(l->base.fd, iov + first, iovcnt - first);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        l->sent += (size_t)n;
        size_t done = (size_t)n;
        while (first < iovcnt && done >= iov[first].iov_len) {
            done -= iov[first].iov_len;
            first++;
        }
        if (first < iovcnt) {
            iov[first].iov_base = (char *)iov[first].iov_base + done;
            iov[first].iov_len -= done;
        }
    }
    return 0;
}

static int send_chunk(struct link *l, const struct iovec *parts, int nparts, uint32_t length)
{
    struct link_header h = {.magic = VT_LINK_MAGIC, .length = length, .nonce = l->nonce};
    if (l->server) {
        /* Socket to QEMU: order is all that matters, no copy. */
        struct iovec iov[10];
        iov[0] = (struct iovec){&h, sizeof(h)};
        memcpy(iov + 1, parts, sizeof(*parts) * (size_t)nparts);
        return write_full(l, iov, nparts + 1);
    }
    /* Guest: the chunk must reach the port as one write(), so that a process
     * killed between writes never leaves a partial chunk behind. */
    memcpy(l->wbuf, &h, sizeof(h));
    size_t at = sizeof(h);
    for (int i = 0; i < nparts; i++) {
        memcpy(l->wbuf + at, parts[i].iov_base, parts[i].iov_len);
        at += parts[i].iov_len;
    }
    for (;;) {
        ssize_t n = write(l->base.fd, l->wbuf, at);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        l->sent += (size_t)n;
        return (size_t)n == at ? 0 : -EIO; /* a split chunk cannot be repaired */
    }
}

static int link_send(struct vt_channel *ch, const struct iovec *iov, int iovcnt, int fd)
{
    struct link *l = to_link(ch);
    if (fd >= 0)
        return -ENOTSUP;
    if (iovcnt <= 0 || iovcnt > 8)
        return -EINVAL;
    if (l->server && (!l->in_session || l->session_ended))
        return -ENOTCONN; /* no client, or its session is over: nobody to answer */
    int i = 0;
    size_t off = 0; /* into iov[i] */
    for (;;) {
        struct iovec parts[9];
        int nparts = 0;
        uint32_t len = 0;
        while (i < iovcnt && len < CHUNK_PAYLOAD) {
            size_t take = iov[i].iov_len - off;
            if (take > CHUNK_PAYLOAD - len)
                take = CHUNK_PAYLOAD - len;
            if (take) {
                parts[nparts++] = (struct iovec){(char *)iov[i].iov_base + off, take};
                len += (uint32_t)take;
            }
            off += take;
            if (off == iov[i].iov_len) {
                i++;
                off = 0;
            }
        }
        if (len == 0)
            return 0;
        int err = send_chunk(l, parts, nparts, len);
        if (err)
            return err;
    }
}

/* Client: skips bytes until the header of a chunk with our nonce. Stale
 * bytes are what the daemon sent to an earlier process on this port. */
static int hunt(struct link *l, struct link_header *h)
{
    uint8_t win[VT_LINK_HEADER];
    int err = read_full(l, win, sizeof(win));
    for (;;) {
        if (err)
            return err;
        memcpy(h, win, sizeof(*h));
        if (h->magic == VT_LINK_MAGIC && h->nonce == l->nonce && h->length <= CHUNK_PAYLOAD)
            return 0;
        memmove(win, win + 1, sizeof(win) - 1);
        err = read_full(l, win + sizeof(win) - 1, 1);
    }
}

/* Client: the next chunk header. */
static int client_header(struct link *l)
{
    struct link_header h;
    int err;
    if (!l->synced) {
        err = hunt(l, &h);
        if (err)
            return err;
        l->synced = true;
    } else {
        err = read_full(l, &h, sizeof(h));
        if (err)
            return err;
        if (h.magic != VT_LINK_MAGIC || h.length > CHUNK_PAYLOAD)
            return -EPROTO;
    }
    if (h.nonce != l->nonce)
        return -EPROTO; /* the daemon never interleaves sessions */
    l->chunk_left = h.length;
    return 0;
}

/* Server, in a session: the next chunk header. 0: a chunk of this session;
 * 1: the session is over (another nonce, or not a header: -EPROTO's case is
 * told apart by synced); <0: the stream failed. */
static int server_header(struct link *l)
{
    struct link_header h;
    int err = read_full(l, &h, sizeof(h));
    if (err)
        return err;
    if (!header_valid(&h)) {
        /* Not a chunk: a broken guest. Its session ends; vt_link_next_session
         * looks for the next valid header from these bytes on. */
        memcpy(l->bad, &h, sizeof(h));
        l->synced = false;
        l->session_ended = true;
        l->dead_nonce = l->nonce;
        return 1;
    }
    if (h.nonce != l->nonce) {
        /* A new client session: the header waits for vt_link_next_session. */
        l->held = h;
        l->pending = true;
        l->session_ended = true;
        return 1;
    }
    l->chunk_left = h.length;
    return 0;
}

static int link_recv(struct vt_channel *ch, void *buf, size_t size, int *fd_out)
{
    struct link *l = to_link(ch);
    size_t got = 0;
    if (fd_out)
        *fd_out = -1;
    if (l->server && !l->in_session)
        return -ENOTCONN; /* vt_link_next_session first */
    if (l->server && l->session_ended)
        return l->synced ? -ECONNRESET : -EPROTO;
    while (got < size) {
        if (l->chunk_left == 0) {
            int r = l->server ? server_header(l) : client_header(l);
            if (r == 1 && !l->synced)
                return -EPROTO;
            if (r == 1)
                return got == 0 ? -ECONNRESET : -EPIPE;
            if (r < 0)
                return r == -ECONNRESET && got ? -EPIPE : r;
            continue;
        }
        size_t take = size - got < l->chunk_left ? size - got : l->chunk_left;
        int err = read_full(l, (char *)buf + got, take);
        if (err)
            return err == -ECONNRESET ? -EPIPE : err; /* inside a chunk */
        got += take;
        l->chunk_left -= (uint32_t)take;
    }
    return 0;
}

/* Server, between sessions: slides over bytes until a valid header. The
 * window starts with the bytes in win. */
static int server_hunt(struct link *l, uint8_t win[VT_LINK_HEADER], struct link_header *h)
{
    for (;;) {
        memcpy(h, win, sizeof(*h));
        if (header_valid(h))
            return 0;
        memmove(win, win + 1, VT_LINK_HEADER - 1);
        l->skipped++;
        int err = read_full(l, win + VT_LINK_HEADER - 1, 1);
        if (err)
            return err;
    }
}

/* Reads and drops n bytes (the payload of a dead session's chunk). */
static int server_skip(struct link *l, uint32_t n)
{
    uint8_t sink[256];
    while (n) {
        uint32_t take = n < sizeof(sink) ? n : (uint32_t)sizeof(sink);
        int err = read_full(l, sink, take);
        if (err)
            return err;
        l->skipped += take;
        n -= take;
    }
    return 0;
}

int vt_link_next_session(struct vt_channel *ch)
{
    if (ch->ops != &link_ops || !to_link(ch)->server)
        return -EINVAL;
    struct link *l = to_link(ch);
    if (l->closed)
        return l->closed;
    if (l->in_session && !l->session_ended)
        return -EBUSY; /* the current session has not ended */
    struct link_header h;
    while (!l->pending) {
        uint8_t win[VT_LINK_HEADER];
        int err;
        if (!l->synced) {
            memcpy(win, l->bad, sizeof(win));
            l->skipped++; /* its first byte, at least, is not a header */
            memmove(win, win + 1, sizeof(win) - 1);
            err = read_full(l, win + sizeof(win) - 1, 1);
        } else {
            err = read_full(l, win, sizeof(win));
        }
        if (!err)
            err = server_hunt(l, win, &h);
        if (err)
            return err;
        l->synced = true;
        if (l->dead_nonce && h.nonce == l->dead_nonce) {
            /* The rest of a session that garbage ended: not a new one. */
            l->skipped += sizeof(h);
            err = server_skip(l, h.length);
            if (err)
                return err;
            continue;
        }
        l->held = h;
        l->pending = true;
    }
    l->pending = false;
    l->in_session = true;
    l->session_ended = false;
    l->dead_nonce = 0;
    l->nonce = l->held.nonce;
    l->chunk_left = l->held.length;
    return 0;
}

static bool link_readable(struct vt_channel *ch)
{
    struct link *l = to_link(ch);
    if (l->pending || l->in_pos < l->in_len || l->closed)
        return true;
    struct pollfd p = {.fd = ch->fd, .events = POLLIN};
    return poll(&p, 1, 0) > 0;
}

static void link_shutdown(struct vt_channel *ch)
{
    /* Sockets (the daemon side) only; a char device has no shutdown. */
    shutdown(ch->fd, SHUT_RDWR);
}

static void link_destroy(struct vt_channel *ch)
{
    struct link *l = to_link(ch);
    close(ch->fd);
    free(l->wbuf);
    free(l);
}

static const struct vt_channel_ops link_ops = {
    .name = "link",
    .send = link_send,
    .recv = link_recv,
    .readable = link_readable,
    .shutdown = link_shutdown,
    .destroy = link_destroy,
};

int vt_link_wrap(int fd, uint64_t nonce, struct vt_channel **out)
{
    struct link *l = calloc(1, sizeof(*l));
    if (!l)
        goto err_close;
    l->base.ops = &link_ops;
    l->base.fd = fd;
    l->base.can_pass_fds = false;
    l->server = nonce == 0;
    l->nonce = nonce;
    /* A client hunts for its first chunk; the daemon looks for its first
     * header in vt_link_next_session (a chardev that reconnects may resume
     * in the middle of a chunk). */
    l->synced = l->server;
    if (!l->server) {
        l->wbuf = malloc(VT_LINK_MAX_CHUNK);
        if (!l->wbuf) {
            free(l);
            goto err_close;
        }
    }
    *out = &l->base;
    return 0;

err_close:
    close(fd);
    return -ENOMEM;
}

int vt_serial_open(const char *path, struct vt_channel **out)
{
    int fd = open(path, O_RDWR | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return -errno;
    struct stat st;
    if (fstat(fd, &st) < 0 || S_ISSOCK(st.st_mode) || S_ISDIR(st.st_mode)) {
        close(fd);
        return -ENOTSUP;
    }
    uint64_t nonce;
    int err = vt_link_new_nonce(&nonce);
    if (err) {
        close(fd);
        return err;
    }
    return vt_link_wrap(fd, nonce, out);
}

int vt_link_new_nonce(uint64_t *nonce)
{
    *nonce = 0;
    while (*nonce == 0)
        if (getrandom(nonce, sizeof(*nonce), 0) != (ssize_t)sizeof(*nonce))
            return errno ? -errno : -EIO;
    return 0;
}

bool vt_link_is_server(const struct vt_channel *ch)
{
    return ch->ops == &link_ops && ((const struct link *)ch)->server;
}

bool vt_link_session_ended(const struct vt_channel *ch)
{
    if (!vt_link_is_server(ch))
        return false;
    const struct link *l = (const struct link *)ch;
    return l->session_ended && !l->closed;
}

void vt_link_counters(const struct vt_channel *ch, uint64_t *sent, uint64_t *received)
{
    *sent = *received = 0;
    if (ch->ops != &link_ops)
        return;
    const struct link *l = (const struct link *)ch;
    *sent = l->sent;
    *received = l->received;
}

uint64_t vt_link_skipped(const struct vt_channel *ch)
{
    return vt_link_is_server(ch) ? ((const struct link *)ch)->skipped : 0;
}
