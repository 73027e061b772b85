/* `vivac replay`: sends recorded sessions (docs/trace.md) to a vivacd again,
 * pipelined, on N concurrent connections (local clients or VM ports), with
 * optional readback + MD5 of every decoded picture, optional pacing at a
 * frame rate, and throughput / latency / late-frame figures. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "common/cursor.h"
#include "common/pixel_format.h"
#include "common/trace.h"
#include "tools/daemon.h"
#include "tools/vivac.h"
#include "transport/arena.h"
#include "transport/channel.h"
#include "transport/message.h"
#include "vivac/protocol.h"

#define MAX_IN_FLIGHT 32u         /* as the reference driver; --in-flight lowers it */
#define READBACK_SLOTS 8u         /* arena regions for GET_IMAGE in flight */
#define MAX_ARENA (256ull << 20)
#define MAX_TRACKED 1024u         /* surfaces / codecs tracked per session */
#define MAX_STREAMS 256u
#define MAX_TRACE_FILE (4ull << 30)
#define MAX_FPS 1e6
#define MAX_DURATION 1e6          /* seconds */

struct trace_file {
    const char *path;
    uint8_t *data;
    struct vc_trace trace;
    uint64_t max_surface_bytes;   /* largest NV12/P010 surface it creates */
};

struct pending {
    uint32_t opcode;
    int32_t expected;             /* recorded status; readbacks: VW_OK */
    bool readback;                /* our GET_IMAGE, not from the trace */
    uint32_t slot;                /* readback: arena slot, UINT32_MAX inline */
    uint32_t width, height;       /* readback */
    uint64_t bytes;               /* readback: image bytes (planes packed tightly) */
    double sent;                  /* seconds */
    double deadline;              /* END_FRAME under --fps: a later reply is late; else 0 */
};

struct id_size {
    uint32_t id, a, b;            /* surface: id, w, h; codec: id, target, 0 */
    uint32_t fourcc;              /* surface: its format (NV12, P010); codec: 0 */
};

/* The surface format a CREATE_SURFACE makes: its FOURCC, or its chroma
 * format's; NV12 when neither is known (the daemon refuses it anyway). */
static uint32_t surface_fourcc(const struct vw_create_surface *cs)
{
    uint32_t f = cs->pixel_format ? cs->pixel_format : vc_fourcc_of_rt_format(cs->rt_format);
    return vc_pixel_format_get(f) ? f : VW_FOURCC_NV12;
}

struct stream {
    uint32_t index;
    const struct trace_file *tf;
    const char *socket;
    const char *vm_socket;        /* --vm-socket: a VM's port (link framing) instead */
    double fps;                   /* --fps: frames released per second; 0: unpaced */
    double duration;              /* --duration: seconds after t0 to stop at; 0: none */
    double window_from, window_to; /* --window: absolute times; to 0: none */
    uint32_t repeat;
    uint32_t loop;                /* passes over the frames per session */
    uint32_t in_flight;           /* requests sent before waiting for a reply */
    bool readback, md5;
    FILE *dump;                   /* --dump: every picture read back, raw (stream 0) */
    /* results */
    char (*md5s)[33];
    uint64_t frames, cap_md5s;
    double *latency;
    uint64_t num_latency, cap_latency;
    uint64_t non_ok, expected_non_ok, mismatches, readback_errors;
    double wall;
    char error[256];
    /* pacing, over all the stream's sessions */
    bool started;                 /* the first BEGIN_FRAME went out, at t_begin */
    bool clock_started;           /* --fps: frame 0's picture came; t0 is set */
    bool stopped;                 /* --duration is over: no new frame */
    double t_begin;               /* the first BEGIN_FRAME */
    double t0;                    /* the clock: frame k is due at t0 + (k+1)/fps */
    uint64_t released;            /* END_FRAMEs sent: frame k of the next one */
    uint64_t answered, late;      /* END_FRAME replies; those past their deadline */
    uint64_t in_window, late_in_window; /* END_FRAMEs answered OK inside --window; late */
    double last_answer;           /* when the last END_FRAME reply came */
    double first_answer;          /* when the first came (0: none yet): the start-up */
    int link_fd;                  /* --vm-socket: the port's connection; -1 */
    /* per connection */
    struct vt_channel *ch;
    struct vt_arena arena;
    struct vt_msgbuf buf;
    struct pending ring[MAX_IN_FLIGHT];
    uint32_t head, count;
    uint32_t next_id;
    uint32_t nslots, next_slot;
    uint64_t slot_size;
    bool slot_busy[READBACK_SLOTS];
    bool last_end_ok;
    struct id_size surfaces[MAX_TRACKED];
    uint32_t num_surfaces;
    struct id_size codecs[MAX_TRACKED];
    uint32_t num_codecs;
    EVP_MD_CTX *md_ctx;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int stream_fail(struct stream *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int stream_fail(struct stream *s, const char *fmt, ...)
{
    if (!s->error[0]) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(s->error, sizeof(s->error), fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* ---- trace files ---------------------------------------------------------- */

static int load_trace(const char *path, struct trace_file *tf)
{
    memset(tf, 0, sizeof(*tf));
    tf->path = path;
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "vivac: %s: %s\n", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) ||
        (uint64_t)st.st_size > MAX_TRACE_FILE) {
        fprintf(stderr, "vivac: %s: not a regular file of at most 4 GiB\n", path);
        fclose(f);
        return -1;
    }
    size_t size = (size_t)st.st_size;
    tf->data = malloc(size ? size : 1);
    if (!tf->data || fread(tf->data, 1, size, f) != size) {
        fprintf(stderr, "vivac: %s: cannot read: %s\n", path,
                tf->data ? strerror(errno ? errno : EIO) : "out of memory");
        fclose(f);
        return -1;
    }
    fclose(f);
    char why[256];
    if (vc_trace_parse(tf->data, size, &tf->trace, why, sizeof(why)) != 0) {
        fprintf(stderr, "vivac: %s: invalid trace: %s\n", path, why);
        return -1;
    }
    for (size_t i = 0; i < tf->trace.num_records; i++) {
        const struct vc_trace_record *r = &tf->trace.records[i];
        struct vw_create_surface cs;
        struct vc_cursor c = vc_cursor_make(r->payload, r->hdr.length);
        if (r->hdr.opcode != VW_OP_CREATE_SURFACE || !vc_cursor_copy(&c, &cs, sizeof(cs)))
            continue;
        if (cs.width > VW_MAX_WIDTH || cs.height > VW_MAX_HEIGHT)
            continue; /* the daemon refuses it */
        uint64_t bytes = vc_pixel_format_frame_bytes(vc_pixel_format_get(surface_fourcc(&cs)),
                                                     cs.width, cs.height);
        if (bytes > tf->max_surface_bytes)
            tf->max_surface_bytes = bytes;
    }
    return 0;
}

static void free_trace(struct trace_file *tf)
{
    vc_trace_free(&tf->trace);
    free(tf->data);
    tf->data = NULL;
}

/* ---- object tracking (to know what END_FRAME decoded into) ----------------- */

static struct id_size *find_id(struct id_size *t, uint32_t n, uint32_t id)
{
    for (uint32_t i = 0; i < n; i++)
        if (t[i].id == id)
            return &t[i];
    return NULL;
}

static void set_id(struct id_size *t, uint32_t *n, uint32_t id, uint32_t a, uint32_t b,
                   uint32_t fourcc)
{
    struct id_size *e = find_id(t, *n, id);
    if (!e && *n < MAX_TRACKED)
        e = &t[(*n)++];
    if (e)
        *e = (struct id_size){.id = id, .a = a, .b = b, .fourcc = fourcc};
}

static void drop_id(struct id_size *t, uint32_t *n, uint32_t id)
{
    struct id_size *e = find_id(t, *n, id);
    if (e)
        *e = t[--*n];
}

/* Follows the objects a request creates, targets or destroys. */
static void track(struct stream *s, const struct vc_trace_record *r)
{
    struct vc_cursor c = vc_cursor_make(r->payload, r->hdr.length);
    switch (r->hdr.opcode) {
    case VW_OP_CREATE_SURFACE: {
        struct vw_create_surface cs;
        if (vc_cursor_copy(&c, &cs, sizeof(cs)))
            set_id(s->surfaces, &s->num_surfaces, cs.surface_id, cs.width, cs.height,
                   surface_fourcc(&cs));
        break;
    }
    case VW_OP_DESTROY_SURFACE: {
        struct vw_surface_ref ref;
        if (vc_cursor_copy(&c, &ref, sizeof(ref)))
            drop_id(s->surfaces, &s->num_surfaces, ref.surface_id);
        break;
    }
    case VW_OP_BEGIN_FRAME: {
        struct vw_begin_frame bf;
        if (vc_cursor_copy(&c, &bf, sizeof(bf)))
            set_id(s->codecs, &s->num_codecs, bf.codec_id, bf.surface_id, 0, 0);
        break;
    }
    default:
        break;
    }
}

/* ---- replies ---------------------------------------------------------------- */

static void add_latency(struct stream *s, double ms)
{
    if (s->num_latency == s->cap_latency) {
        uint64_t cap = s->cap_latency ? s->cap_latency * 2 : 1024;
        double *p = realloc(s->latency, cap * sizeof(*p));
        if (!p)
            return;
        s->latency = p;
        s->cap_latency = cap;
    }
    s->latency[s->num_latency++] = ms;
}

static void add_md5(struct stream *s, const uint8_t *data, size_t size)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!EVP_DigestInit_ex(s->md_ctx, EVP_md5(), NULL) ||
        !EVP_DigestUpdate(s->md_ctx, data, size) || !EVP_DigestFinal_ex(s->md_ctx, md, &len) ||
        len != 16) {
        s->readback_errors++;
        return;
    }
    if (s->frames >= s->cap_md5s) {
        uint64_t cap = s->cap_md5s ? s->cap_md5s * 2 : 256;
        char(*p)[33] = realloc(s->md5s, cap * sizeof(*p));
        if (!p) {
            s->readback_errors++;
            return;
        }
        s->md5s = p;
        s->cap_md5s = cap;
    }
    for (unsigned i = 0; i < 16; i++)
        snprintf(s->md5s[s->frames] + 2 * i, 3, "%02x", md[i]);
}

/* Reads the reply to the oldest request in flight and accounts for it. */
static int read_reply(struct stream *s)
{
    struct pending *p = &s->ring[s->head];
    struct vw_header hdr;
    int err = vt_msg_recv(s->ch, &hdr, &s->buf, VW_MAX_MESSAGE, NULL);
    if (err)
        return stream_fail(s, "reading a reply: %s", strerror(-err));
    double t = now_s();
    struct vc_cursor c = vc_cursor_make(s->buf.data, hdr.length);
    struct vw_status st;
    if (!vc_cursor_copy(&c, &st, sizeof(st)) || st.message_len > c.left)
        return stream_fail(s, "malformed reply (opcode 0x%x, %u bytes)", hdr.opcode, hdr.length);
    const char *msg = (const char *)s->buf.data + hdr.length - st.message_len;
    if (hdr.opcode == VW_OP_ERROR)
        return stream_fail(s, "the daemon closed the session: %s: %.*s",
                           vw_status_name(st.status), (int)st.message_len, msg);
    if (hdr.opcode != (p->opcode | VW_REPLY_BIT) || hdr.request_id != s->next_id - s->count)
        return stream_fail(s, "reply 0x%x #%u out of order (expected %s)", hdr.opcode,
                           hdr.request_id, vw_opcode_name(p->opcode));
    s->head = (s->head + 1) % MAX_IN_FLIGHT;
    s->count--;

    if (p->readback) {
        if (p->slot != UINT32_MAX)
            s->slot_busy[p->slot] = false;
        if (!s->last_end_ok)
            return 0; /* no picture: the decode failed */
        size_t bytes = (size_t)p->bytes;
        const uint8_t *image = NULL;
        struct vw_get_image_reply gr;
        if (st.status != VW_OK) {
            s->readback_errors++;
            fprintf(stderr, "vivac: stream %u: GET_IMAGE: %s: %.*s\n", s->index,
                    vw_status_name(st.status), (int)st.message_len, msg);
        } else if (p->slot != UINT32_MAX) {
            image = s->arena.base + (uint64_t)p->slot * s->slot_size;
        } else if (vc_cursor_copy(&c, &gr, sizeof(gr)) && gr.size == bytes) {
            image = vc_cursor_take(&c, bytes);
        }
        if (image && s->md5)
            add_md5(s, image, bytes);
        if (image && s->dump && fwrite(image, 1, bytes, s->dump) != bytes)
            s->readback_errors++;
        else if (!image && st.status == VW_OK)
            s->readback_errors++;
        s->frames++;
        return 0;
    }
    if (st.status != VW_OK)
        s->non_ok++;
    if (st.status != p->expected) {
        s->mismatches++;
        if (s->mismatches <= 5)
            fprintf(stderr, "vivac: stream %u: %s: %s, the trace recorded %s%s%.*s\n", s->index,
                    vw_opcode_name(p->opcode), vw_status_name(st.status),
                    vw_status_name(p->expected), st.message_len ? ": " : "",
                    (int)st.message_len, msg);
    }
    if (p->opcode == VW_OP_END_FRAME) {
        add_latency(s, (t - p->sent) * 1e3);
        if (!s->answered)
            s->first_answer = t;
        s->answered++;
        s->last_answer = t;
        if (p->deadline > 0 && t > p->deadline)
            s->late++;
        s->last_end_ok = st.status == VW_OK;
        if (s->last_end_ok && t >= s->window_from && t < s->window_to) {
            s->in_window++;
            if (p->deadline > 0 && t > p->deadline)
                s->late_in_window++;
        }
        if (!s->readback && s->last_end_ok)
            s->frames++;
    }
    return 0;
}

static int send_request(struct stream *s, uint32_t opcode, const void *a, size_t a_len,
                        const struct pending *p)
{
    while (s->count >= s->in_flight)
        if (read_reply(s) != 0)
            return -1;
    uint32_t id = s->next_id++;
    s->ring[(s->head + s->count) % MAX_IN_FLIGHT] = *p;
    s->ring[(s->head + s->count) % MAX_IN_FLIGHT].sent = now_s();
    s->count++;
    int err = vt_msg_send(s->ch, opcode, id, a, a_len, NULL, 0, NULL, 0, -1);
    if (err)
        return stream_fail(s, "sending %s: %s", vw_opcode_name(opcode), strerror(-err));
    return 0;
}

/* GET_IMAGE of the whole target of the END_FRAME just sent, in the
 * surface's format, planes packed tightly. */
static int send_readback(struct stream *s, uint32_t codec_id)
{
    struct id_size *codec = find_id(s->codecs, s->num_codecs, codec_id);
    struct id_size *surf = codec ? find_id(s->surfaces, s->num_surfaces, codec->a) : NULL;
    if (!surf || surf->a == 0 || surf->b == 0 || surf->a > VW_MAX_WIDTH || surf->b > VW_MAX_HEIGHT)
        return 0; /* END_FRAME fails in the daemon too; nothing to read */
    const struct vc_pixel_format *pf = vc_pixel_format_get(surf->fourcc);
    struct vw_get_image gi = {.surface_id = surf->id, .width = surf->a, .height = surf->b,
                              .layout = {.pixel_format = surf->fourcc, .num_planes = pf->num_planes}};
    uint64_t bytes = vc_pixel_format_tight_layout(pf, surf->a, surf->b, gi.layout.pitches,
                                                  gi.layout.offsets);
    gi.dst = (struct vw_data_ref){.location = VW_LOC_INLINE, .size = bytes};
    struct pending p = {.opcode = VW_OP_GET_IMAGE, .readback = true, .slot = UINT32_MAX,
                        .width = surf->a, .height = surf->b, .bytes = bytes};
    if (s->nslots && bytes <= s->slot_size) {
        p.slot = s->next_slot;
        s->next_slot = (s->next_slot + 1) % s->nslots;
        while (s->slot_busy[p.slot])
            if (read_reply(s) != 0)
                return -1;
        s->slot_busy[p.slot] = true;
        gi.dst = (struct vw_data_ref){.location = VW_LOC_ARENA,
                                      .offset = (uint64_t)p.slot * s->slot_size, .size = bytes};
    }
    if (send_request(s, VW_OP_GET_IMAGE, &gi, sizeof(gi), &p) != 0)
        return -1;
    /* An inline image can be larger than the socket buffers: do not send
     * more while it is on its way. */
    if (p.slot == UINT32_MAX)
        while (s->count)
            if (read_reply(s) != 0)
                return -1;
    return 0;
}

/* ---- pacing (--fps, --duration) ------------------------------------------- */

static void sleep_s(double seconds)
{
    struct timespec ts = {.tv_sec = (time_t)seconds};
    ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
    nanosleep(&ts, NULL);
}

/* Reads the replies that have come, then those that come until `when`: a
 * paced stream idles between frames, and a reply read only at the next
 * release would count as late when it was not. */
static int read_replies_until(struct stream *s, double when)
{
    for (;;) {
        while (s->count && s->ch->ops->readable(s->ch))
            if (read_reply(s) != 0)
                return -1;
        double left = when - now_s();
        if (left <= 0)
            return 0;
        if (left > 1)
            left = 1; /* long waits in steps: the conversions below stay in range */
        if (!s->count) {
            sleep_s(left);
            continue;
        }
        struct pollfd pfd = {.fd = s->ch->fd, .events = POLLIN};
        poll(&pfd, 1, (int)(left * 1e3) + 1); /* rounded up: never early */
    }
}

/* Reads replies until frame 0's END_FRAME is answered (or nothing is
 * pending: a session that failed). */
static int wait_first_picture(struct stream *s)
{
    while (!s->answered && s->count) {
        struct pollfd pfd = {.fd = s->ch->fd, .events = POLLIN};
        if (!s->ch->ops->readable(s->ch))
            poll(&pfd, 1, 1000);
        while (s->count && s->ch->ops->readable(s->ch))
            if (read_reply(s) != 0)
                return -1;
    }
    return 0;
}

/* Before a BEGIN_FRAME: the stream's first goes at once (t0 = now). Under
 * --fps the clock starts as a player's does, at the first picture: frame 1
 * waits for frame 0's reply, which sets t0 so that frame 1 is released
 * then, and frame k >= 1 no earlier than t0 + k / fps (frame 0's delay,
 * the decoder's creation with it, is the start-up figure, not lateness).
 * Stops the stream once --duration has passed since t0 by the frame's
 * release time. */
static int release_frame(struct stream *s)
{
    double now = now_s();
    if (!s->started) {
        s->started = true;
        s->t_begin = s->t0 = now;
    } else if (s->fps > 0 && !s->clock_started) {
        if (wait_first_picture(s) != 0)
            return -1;
        now = now_s();
        s->t0 = (s->answered ? s->first_answer : now) - 1.0 / s->fps;
        s->clock_started = true;
    }
    double at = s->fps > 0 ? s->t0 + (double)s->released / s->fps : now;
    if (s->duration > 0 && (at > now ? at : now) >= s->t0 + s->duration) {
        s->stopped = true;
        return 0;
    }
    return s->fps > 0 ? read_replies_until(s, at) : 0;
}

/* A player that buffers one frame shows frame k when frame k + 1 is due;
 * frame 0 starts the clock and is not judged. */
static double frame_deadline(const struct stream *s)
{
    return s->fps > 0 && s->released > 0 ? s->t0 + (double)(s->released + 1) / s->fps : 0;
}

/* ---- one session ----------------------------------------------------------- */

static int hello(struct stream *s)
{
    /* A link passes no fds: no arena to map, readback goes inline. */
    uint64_t want = s->readback && !s->vm_socket ? s->tf->max_surface_bytes * READBACK_SLOTS : 0;
    if (want > MAX_ARENA)
        want = MAX_ARENA;
    struct vw_hello h = {.magic = VW_MAGIC, .version_major = VW_VERSION_MAJOR,
                         .version_minor = VW_VERSION_MINOR, .arena_size = want};
    snprintf(h.client_name, sizeof(h.client_name), "vivac replay %u", s->index);
    struct vw_header hdr;
    int fd = -1;
    int err = vt_msg_send(s->ch, VW_OP_HELLO, s->next_id++, &h, sizeof(h), NULL, 0, NULL, 0, -1);
    if (!err)
        err = vt_msg_recv(s->ch, &hdr, &s->buf, VW_MAX_MESSAGE, &fd);
    if (err)
        return stream_fail(s, "HELLO: %s", strerror(-err));
    struct vc_cursor c = vc_cursor_make(s->buf.data, hdr.length);
    struct vw_status st;
    struct vw_hello_reply hr;
    if (hdr.opcode != (VW_OP_HELLO | VW_REPLY_BIT) || !vc_cursor_copy(&c, &st, sizeof(st)) ||
        st.status != VW_OK || !vc_cursor_copy(&c, &hr, sizeof(hr))) {
        if (fd >= 0)
            close(fd);
        return stream_fail(s, "HELLO refused (%s)", vw_status_name(st.status));
    }
    s->nslots = 0;
    if (fd >= 0 && hr.arena_size > 0) {
        err = vt_arena_map(fd, hr.arena_size, &s->arena);
        if (err)
            return stream_fail(s, "cannot map the arena: %s", strerror(-err));
        if (s->tf->max_surface_bytes) {
            s->slot_size = (s->tf->max_surface_bytes + 4095) & ~4095ull;
            uint64_t n = hr.arena_size / s->slot_size;
            s->nslots = n > READBACK_SLOTS ? READBACK_SLOTS : (uint32_t)n;
        }
    } else if (fd >= 0) {
        close(fd);
    }
    return 0;
}

/* The requests of a frame and those about its picture: what --loop repeats
 * and what a stream --duration stopped no longer sends. */
static bool is_frame_request(uint32_t opcode)
{
    switch (opcode) {
    case VW_OP_BEGIN_FRAME: case VW_OP_DECODE_BITSTREAM: case VW_OP_PROCESS:
    case VW_OP_END_FRAME: case VW_OP_SYNC_SURFACE: case VW_OP_QUERY_SURFACE:
    case VW_OP_GET_IMAGE:
        return true;
    default:
        return false;
    }
}

/* Sends one recorded request (and its readback after an END_FRAME). */
static int replay_record(struct stream *s, const struct vc_trace_record *r)
{
    /* Our own HELLO replaces the recorded one; readback is ours too. */
    if (r->hdr.opcode == VW_OP_HELLO || r->hdr.opcode == VW_OP_GET_IMAGE)
        return 0;
    if (r->hdr.opcode == VW_OP_BEGIN_FRAME && !s->stopped && release_frame(s) != 0)
        return -1;
    if (s->stopped && is_frame_request(r->hdr.opcode))
        return 0;
    track(s, r);
    struct pending p = {.opcode = r->hdr.opcode, .expected = (int32_t)r->hdr.reserved};
    if (r->hdr.opcode == VW_OP_END_FRAME)
        p.deadline = frame_deadline(s);
    if (send_request(s, r->hdr.opcode, r->payload, r->hdr.length, &p) != 0)
        return -1;
    if (r->hdr.opcode == VW_OP_END_FRAME)
        s->released++;
    if (r->hdr.opcode == VW_OP_END_FRAME && s->readback) {
        struct vw_end_frame ef;
        struct vc_cursor c = vc_cursor_make(r->payload, r->hdr.length);
        if (vc_cursor_copy(&c, &ef, sizeof(ef)) && send_readback(s, ef.codec_id) != 0)
            return -1;
    }
    return 0;
}

/* Finds the records from the first BEGIN_FRAME to the last END_FRAME; -1 if
 * anything there but frame commands (it could not be sent twice). */
static int loop_span(const struct vc_trace *t, size_t *begin, size_t *end)
{
    size_t b = t->num_records, e = 0;
    for (size_t i = 0; i < t->num_records; i++) {
        uint32_t op = t->records[i].hdr.opcode;
        if (op == VW_OP_BEGIN_FRAME && b == t->num_records)
            b = i;
        if (op == VW_OP_END_FRAME)
            e = i;
    }
    if (b == t->num_records || e < b)
        return -1;
    for (size_t i = b; i <= e; i++)
        if (!is_frame_request(t->records[i].hdr.opcode))
            return -1;
    *begin = b;
    *end = e;
    return 0;
}

/* A session's channel: a Unix connection of its own, or under --vm-socket a
 * new link session (fresh nonce) on the stream's port connection, which
 * stays open between sessions as QEMU's chardev does for a guest. */
static int open_channel(struct stream *s)
{
    if (!s->vm_socket) {
        int err = vt_unix_connect(s->socket, &s->ch);
        return err ? stream_fail(s, "cannot connect to %s: %s", s->socket, strerror(-err)) : 0;
    }
    int err = s->link_fd < 0 ? vt_unix_connect_fd(s->vm_socket, &s->link_fd) : 0;
    if (err)
        return stream_fail(s, "cannot connect to %s: %s", s->vm_socket, strerror(-err));
    uint64_t nonce;
    err = vt_link_new_nonce(&nonce);
    if (err)
        return stream_fail(s, "no nonce for the link: %s", strerror(-err));
    /* The channel owns (and closes) a copy; the port's connection stays. */
    int fd = fcntl(s->link_fd, F_DUPFD_CLOEXEC, 0);
    if (fd < 0)
        return stream_fail(s, "dup: %s", strerror(errno));
    err = vt_link_wrap(fd, nonce, &s->ch);
    return err ? stream_fail(s, "link: %s", strerror(-err)) : 0;
}

/* Sends the trace's records; with --loop K its frames (first BEGIN_FRAME ..
 * last END_FRAME) K times, set-up and tear-down once. */
static int replay_records(struct stream *s, size_t loop_begin, size_t loop_end)
{
    const struct vc_trace *t = &s->tf->trace;
    for (size_t i = 0; i < t->num_records; i++) {
        if (i != loop_begin) {
            if (replay_record(s, &t->records[i]) != 0)
                return -1;
            continue;
        }
        /* A stopped stream skips the passes left: only tear-down follows. */
        for (uint32_t pass = 0; pass < s->loop && !s->stopped; pass++)
            for (size_t j = loop_begin; j <= loop_end; j++)
                if (replay_record(s, &t->records[j]) != 0)
                    return -1;
        i = loop_end;
    }
    return 0;
}

static int replay_session(struct stream *s)
{
    int rc = -1;
    s->head = s->count = 0;
    s->next_id = 1;
    s->next_slot = 0;
    memset(s->slot_busy, 0, sizeof(s->slot_busy));
    s->num_surfaces = s->num_codecs = 0;
    s->last_end_ok = false;
    s->arena = (struct vt_arena){.fd = -1};
    if (open_channel(s) != 0 || hello(s) != 0)
        goto out;
    const struct vc_trace *t = &s->tf->trace;
    size_t loop_begin = t->num_records, loop_end = 0;
    if (s->loop > 1 && loop_span(t, &loop_begin, &loop_end) != 0) {
        stream_fail(s, "--loop: %s creates or destroys objects between its frames",
                    s->tf->path);
        goto out;
    }
    if (replay_records(s, loop_begin, loop_end) != 0)
        goto out;
    while (s->count)
        if (read_reply(s) != 0)
            goto out;
    rc = 0;
out:
    vt_arena_release(&s->arena);
    vt_channel_destroy(&s->ch);
    return rc;
}

static void *stream_thread(void *arg)
{
    struct stream *s = arg;
    s->md_ctx = EVP_MD_CTX_new();
    if (!s->md_ctx) {
        stream_fail(s, "EVP_MD_CTX_new failed");
        return NULL;
    }
    double t0 = now_s();
    for (uint32_t k = 0; k < s->repeat && !s->stopped; k++)
        if (replay_session(s) != 0)
            break;
    s->wall = now_s() - t0;
    if (s->link_fd >= 0)
        close(s->link_fd);
    EVP_MD_CTX_free(s->md_ctx);
    s->md_ctx = NULL;
    vt_msgbuf_free(&s->buf);
    return NULL;
}

/* ---- command ---------------------------------------------------------------- */

static void replay_usage(FILE *f)
{
    fprintf(f,
            "Usage: vivac replay FILE... [--socket PATH | --vm-socket PATH | --engine E]\n"
            "                    [--streams N] [--md5] [--dump OUT] [--no-readback]\n"
            "                    [--repeat K] [--loop K] [--in-flight N] [--fps F]\n"
            "                    [--duration S]\n"
            "Replays traces recorded with `vivacd --record DIR` (docs/trace.md).\n"
            "--vm-socket PATH: be VMs instead of local clients: each stream connects to\n"
            "  the VM control socket PATH (vivacd --vm NAME:PATH) as one virtio-serial\n"
            "  port and speaks the link framing; no arena, data goes inline;\n"
            "--repeat K: K sessions per stream, one after the other;\n"
            "--loop K: within each session, decode the trace's frames K times;\n"
            "--dump OUT: append stream 0's pictures to OUT as read back (the surface's\n"
            "  format, planes packed tightly), to compare engines sample by sample;\n"
            "--in-flight N: requests sent before waiting for a reply (1..32, default 32);\n"
            "  1 makes every request a round trip, so END_FRAME latency is per-frame latency;\n"
            "--fps F: pace each stream as a player: frame 0 at once, and when its picture\n"
            "  comes (t0 + 1/F), frame k at t0 + k/F (F may be fractional); frame k >= 1\n"
            "  is late if its END_FRAME reply comes after t0 + (k+1)/F;\n"
            "--duration S: each stream sends no new frame S seconds after its t0, then\n"
            "  ends its session as the trace does;\n"
            "--window A:B: also count the frames answered between A and B seconds after the\n"
            "  replay started, and the late among them (the steady part of a run whose\n"
            "  start is slow).\n");
}

static int parse_count(const char *opt, const char *s, uint32_t max, uint32_t *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-' || v == 0 || v > max) {
        fprintf(stderr, "vivac: %s: \"%s\" is not a number in 1..%u\n", opt, s, max);
        return -1;
    }
    *out = (uint32_t)v;
    return 0;
}

/* A positive decimal (fractions allowed) of at most max. */
static int parse_positive(const char *opt, const char *s, double max, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v) || v <= 0 || v > max) {
        fprintf(stderr, "vivac: %s: \"%s\" is not a number above 0 and at most %g\n", opt, s,
                max);
        return -1;
    }
    *out = v;
    return 0;
}

/* --window A:B, 0 <= A < B <= MAX_DURATION seconds. */
static int parse_window(const char *s, double out[2])
{
    char *end, *mid;
    errno = 0;
    double a = strtod(s, &mid);
    double b = *mid == ':' ? strtod(mid + 1, &end) : 0;
    if (errno || mid == s || *mid != ':' || end == mid + 1 || *end || !isfinite(a) ||
        !isfinite(b) || a < 0 || b <= a || b > MAX_DURATION) {
        fprintf(stderr, "vivac: --window: \"%s\" is not A:B seconds, 0 <= A < B <= %g\n", s,
                MAX_DURATION);
        return -1;
    }
    out[0] = a;
    out[1] = b;
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double percentile(const double *sorted, uint64_t n, double q)
{
    if (n == 0)
        return 0;
    uint64_t i = (uint64_t)(q * (double)(n - 1) + 0.5);
    return sorted[i < n ? i : n - 1];
}

static double percent(uint64_t part, uint64_t whole)
{
    return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

/* How long each stream waited for its first picture (decoder creation,
 * a worker's start): apart from the steady rate that the other figures
 * give. */
static void print_start_up(const struct stream *streams, uint32_t n)
{
    double *ms = calloc(n ? n : 1, sizeof(*ms));
    uint32_t k = 0;
    for (uint32_t i = 0; i < n && ms; i++)
        if (streams[i].answered && streams[i].started)
            ms[k++] = (streams[i].first_answer - streams[i].t_begin) * 1e3;
    if (k) {
        qsort(ms, k, sizeof(*ms), cmp_double);
        printf("first picture after: p50 %.3f ms, max %.3f ms (%u stream%s)\n",
               percentile(ms, k, 0.50), ms[k - 1], k, k == 1 ? "" : "s");
    }
    free(ms);
}

/* Per stream and in all: frames answered, the rate they came at, the late. */
static void print_pacing(const struct stream *streams, uint32_t n, double fps)
{
    uint64_t answered = 0, late = 0;
    for (uint32_t i = 0; i < n; i++) {
        const struct stream *s = &streams[i];
        double span = s->last_answer - s->t0;
        printf("stream %u: %llu frames, %.1f frames/s delivered, %llu late (%.2f %%)\n", i,
               (unsigned long long)s->answered,
               s->answered && span > 0 ? (double)s->answered / span : 0.0,
               (unsigned long long)s->late, percent(s->late, s->answered));
        answered += s->answered;
        late += s->late;
    }
    printf("paced at %g frames/s: %llu frames, %llu late (%.2f %%)\n", fps,
           (unsigned long long)answered, (unsigned long long)late, percent(late, answered));
}

int vivac_cmd_replay(int argc, char **argv)
{
    static const struct option options[] = {
        {"socket", required_argument, NULL, 's'},
        {"engine", required_argument, NULL, 'e'},
        {"streams", required_argument, NULL, 'n'},
        {"md5", no_argument, NULL, 'm'},
        {"dump", required_argument, NULL, 'd'},
        {"no-readback", no_argument, NULL, 'R'},
        {"repeat", required_argument, NULL, 'k'},
        {"in-flight", required_argument, NULL, 'f'},
        {"loop", required_argument, NULL, 'l'},
        {"vm-socket", required_argument, NULL, 'V'},
        {"fps", required_argument, NULL, 'F'},
        {"duration", required_argument, NULL, 'D'},
        {"window", required_argument, NULL, 'W'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *socket_opt = NULL, *engine = NULL, *vm_socket = NULL;
    uint32_t nstreams = 1, repeat = 1, loop = 1, in_flight = MAX_IN_FLIGHT;
    double fps = 0, duration = 0, window[2] = {0, 0};
    bool md5 = false, readback = true;
    const char *dump_path = NULL;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "s:e:n:md:Rk:f:l:V:F:D:W:h", options, NULL)) != -1) {
        switch (opt) {
        case 's': socket_opt = optarg; break;
        case 'e': engine = optarg; break;
        case 'n':
            if (parse_count("--streams", optarg, MAX_STREAMS, &nstreams))
                return 2;
            break;
        case 'm': md5 = true; break;
        case 'd': dump_path = optarg; break;
        case 'R': readback = false; break;
        case 'k':
            if (parse_count("--repeat", optarg, 1000000, &repeat))
                return 2;
            break;
        case 'l':
            if (parse_count("--loop", optarg, 1000000, &loop))
                return 2;
            break;
        case 'f':
            if (parse_count("--in-flight", optarg, MAX_IN_FLIGHT, &in_flight))
                return 2;
            break;
        case 'V': vm_socket = optarg; break;
        case 'F':
            if (parse_positive("--fps", optarg, MAX_FPS, &fps))
                return 2;
            break;
        case 'D':
            if (parse_positive("--duration", optarg, MAX_DURATION, &duration))
                return 2;
            break;
        case 'W':
            if (parse_window(optarg, window))
                return 2;
            break;
        case 'h': replay_usage(stdout); return 0;
        default: replay_usage(stderr); return 2;
        }
    }
    if (optind >= argc || (socket_opt && engine)) {
        if (socket_opt && engine)
            fprintf(stderr, "vivac: replay: --socket and --engine exclude each other\n");
        replay_usage(stderr);
        return 2;
    }
    if (vm_socket && (socket_opt || engine)) {
        fprintf(stderr, "vivac: replay: --vm-socket excludes --socket and --engine\n");
        return 2;
    }
    if (dump_path && !readback) {
        fprintf(stderr, "vivac: replay: --dump needs readback (drop --no-readback)\n");
        return 2;
    }
    if (md5 && !readback) {
        fprintf(stderr, "vivac: replay: --md5 needs readback (drop --no-readback)\n");
        return 2;
    }

    int rc = 1;
    size_t nfiles = (size_t)(argc - optind);
    struct trace_file *files = calloc(nfiles, sizeof(*files));
    struct stream *streams = calloc(nstreams, sizeof(*streams));
    pthread_t *threads = calloc(nstreams, sizeof(*threads));
    struct vivac_daemon daemon = {.pid = -1};
    bool have_daemon = false;
    if (!files || !streams || !threads) {
        fprintf(stderr, "vivac: out of memory\n");
        goto out;
    }
    for (size_t i = 0; i < nfiles; i++)
        if (load_trace(argv[optind + (int)i], &files[i]) != 0)
            goto out;

    signal(SIGPIPE, SIG_IGN);
    if (!socket_opt && !vm_socket) {
        if (vivac_daemon_start(engine ? engine : "auto", NULL, &daemon) != 0)
            goto out;
        have_daemon = true;
    }
    const char *sock = socket_opt ? socket_opt : daemon.socket;

    double t0 = now_s();
    uint32_t started = 0;
    for (uint32_t i = 0; i < nstreams; i++) {
        streams[i] = (struct stream){.index = i, .tf = &files[i % nfiles], .socket = sock,
                                     .vm_socket = vm_socket, .fps = fps, .duration = duration,
                                     .window_from = t0 + window[0],
                                     .window_to = window[1] > 0 ? t0 + window[1] : 0,
                                     .repeat = repeat, .loop = loop, .in_flight = in_flight,
                                     .readback = readback, .md5 = md5, .link_fd = -1};
        if (i == 0 && dump_path && !(streams[i].dump = fopen(dump_path, "wb"))) {
            fprintf(stderr, "vivac: replay: %s: %s\n", dump_path, strerror(errno));
            break;
        }
        if (pthread_create(&threads[i], NULL, stream_thread, &streams[i]) != 0) {
            fprintf(stderr, "vivac: cannot start stream %u\n", i);
            break;
        }
        started++;
    }
    for (uint32_t i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    double wall = now_s() - t0;

    bool ok = started == nstreams;
    uint64_t frames = 0, non_ok = 0, mismatches = 0, readback_errors = 0, nlat = 0;
    for (uint32_t i = 0; i < started; i++) {
        struct stream *s = &streams[i];
        if (md5)
            for (uint64_t f = 0; f < s->frames && s->md5s; f++)
                printf("stream %u frame %llu %s\n", i, (unsigned long long)f, s->md5s[f]);
        frames += s->frames;
        non_ok += s->non_ok;
        mismatches += s->mismatches;
        readback_errors += s->readback_errors;
        nlat += s->num_latency;
        if (s->error[0]) {
            fprintf(stderr, "vivac: stream %u (%s): %s\n", i, s->tf->path, s->error);
            ok = false;
        }
    }
    double *lat = calloc(nlat ? nlat : 1, sizeof(*lat));
    uint64_t n = 0;
    for (uint32_t i = 0; i < started && lat; i++) {
        if (!streams[i].num_latency)              /* a stream that failed early has none */
            continue;
        memcpy(lat + n, streams[i].latency, streams[i].num_latency * sizeof(*lat));
        n += streams[i].num_latency;
    }
    if (lat)
        qsort(lat, n, sizeof(*lat), cmp_double);
    printf("replay: %u stream%s x %u repeat%s, %llu frames in %.3f s: %.1f frames/s total\n",
           nstreams, nstreams == 1 ? "" : "s", repeat, repeat == 1 ? "" : "s",
           (unsigned long long)frames, wall, wall > 0 ? (double)frames / wall : 0.0);
    for (uint32_t i = 0; i < started; i++)
        printf("  stream %u: %llu frames in %.3f s: %.1f frames/s\n", i,
               (unsigned long long)streams[i].frames, streams[i].wall,
               streams[i].wall > 0 ? (double)streams[i].frames / streams[i].wall : 0.0);
    printf("END_FRAME latency: p50 %.3f ms, p99 %.3f ms (%llu frames)\n",
           lat ? percentile(lat, n, 0.50) : 0.0, lat ? percentile(lat, n, 0.99) : 0.0,
           (unsigned long long)n);
    print_start_up(streams, started);
    printf("non-OK replies: %llu; differing from the trace: %llu; readback errors: %llu\n",
           (unsigned long long)non_ok, (unsigned long long)mismatches,
           (unsigned long long)readback_errors);
    if (fps > 0)
        print_pacing(streams, started, fps);
    if (window[1] > 0) {
        uint64_t w = 0, wl = 0;
        for (uint32_t i = 0; i < started; i++) {
            w += streams[i].in_window;
            wl += streams[i].late_in_window;
        }
        printf("window %g-%g s: %llu frames (%.1f frames/s), %llu late (%.2f %%)\n", window[0],
               window[1], (unsigned long long)w, (double)w / (window[1] - window[0]),
               (unsigned long long)wl, percent(wl, w));
    }
    free(lat);
    if (ok && mismatches == 0 && readback_errors == 0)
        rc = 0;

out:
    if (have_daemon && vivac_daemon_stop(&daemon) != 0)
        rc = 1;
    for (uint32_t i = 0; streams && i < nstreams; i++) {
        free(streams[i].md5s);
        if (streams[i].dump && fclose(streams[i].dump) != 0)
            fprintf(stderr, "vivac: replay: writing %s failed\n", dump_path);
        free(streams[i].latency);
    }
    for (size_t i = 0; files && i < nfiles; i++)
        free_trace(&files[i]);
    free(files);
    free(streams);
    free(threads);
    return rc;
}
