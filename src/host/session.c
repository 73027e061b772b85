/* Session core: lifetime, object tables, opcode dispatch, and the simple
 * commands (HELLO, QUERY_CAPS, CREATE/DESTROY_*, SYNC/QUERY_SURFACE). */
#include "host/session.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/cursor.h"
#include "common/log.h"
#include "common/pixel_format.h"
#include "host/memory_budget.h"
#include "host/session_arena.h"
#include "host/session_internal.h"
#include "transport/message.h"
#include "vivac_config.h"

#define MIB (1024ull * 1024ull)

void vh_limits_default(struct vh_limits *limits)
{
    *limits = (struct vh_limits){
        .max_arena = 256 * MIB,
        .max_surfaces = 256,
        .max_codecs = 16,
        .max_bytes = 2048 * MIB,
        .max_frame_bytes = 32 * MIB,
        .max_gpu_bytes = 2048 * MIB,
    };
}

/* ---- lifetime ------------------------------------------------------------ */

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

int vh_session_create(struct vh_engine *engine, const struct vh_limits *limits,
                      struct vt_channel *ch, uint32_t id, struct vh_session **out)
{
    struct vh_session *s = calloc(1, sizeof(*s));
    if (!s)
        return -ENOMEM;
    s->id = id;
    s->engine = engine;
    s->ch = ch;
    s->limits = *limits;
    s->arena.fd = -1;
    s->timing = vc_log_get_level() >= VC_LOG_DEBUG;
    s->surfaces = calloc(limits->max_surfaces ? limits->max_surfaces : 1, sizeof(*s->surfaces));
    s->codecs = calloc(limits->max_codecs ? limits->max_codecs : 1, sizeof(*s->codecs));
    if (!s->surfaces || !s->codecs)
        goto err_free;
    if (engine->ops->query_caps(engine, s->caps, VH_MAX_CAPS, &s->num_caps) != VW_OK)
        s->num_caps = 0;
    if (s->num_caps > VH_MAX_CAPS)
        s->num_caps = VH_MAX_CAPS;
    *out = s;
    return 0;

err_free:
    free(s->surfaces);
    free(s->codecs);
    free(s);
    return -ENOMEM;
}

int vh_daemon_memory_full(struct vh_error *err, const char *what,
                          const struct vh_memory_budget *b, uint64_t n)
{
    const struct vh_memory_budget *full = vh_budget_refuser(b, n);
    bool daemon = !full->parent;
    return vh_error_set(err, VW_ERR_LIMIT,
                        "%s: %llu KiB more would pass the %s memory limit (%llu of %llu "
                        "KiB used by %s)", what, (unsigned long long)((n + 1023) >> 10),
                        daemon ? "daemon's" : "client's (vivacd --max-client-memory)",
                        (unsigned long long)(atomic_load(&full->used) >> 10),
                        (unsigned long long)(full->limit >> 10),
                        daemon ? "all sessions" : "this VM or client's sessions");
}

/* GPU memory: the session's own limit, then the daemon's budget; where the
 * budget says no, the engine frees what it keeps beyond the sessions'
 * objects (its caches) and the charge is tried once more. */
static int gpu_charge(struct vh_session *s, const char *what, uint64_t n, struct vh_error *err)
{
    if (!n)
        return VW_OK;
    if (n > s->limits.max_gpu_bytes - s->gpu_bytes_used)
        return vh_error_set(err, VW_ERR_LIMIT,
                            "%s: %llu KiB of GPU memory more would pass the session's GPU "
                            "limit (%llu of %llu KiB used)", what,
                            (unsigned long long)((n + 1023) >> 10),
                            (unsigned long long)(s->gpu_bytes_used >> 10),
                            (unsigned long long)(s->limits.max_gpu_bytes >> 10));
    struct vh_memory_budget *b = s->limits.gpu_shared;
    if (!vh_budget_take(b, n)) {
        if (s->engine->ops->gpu_trim)
            s->engine->ops->gpu_trim(s->engine);
        if (!vh_budget_take(b, n)) {
            const struct vh_memory_budget *full = vh_budget_refuser(b, n);
            bool daemon = !full->parent;
            return vh_error_set(err, VW_ERR_LIMIT,
                                "%s: %llu KiB of GPU memory more would pass the %s GPU "
                                "memory limit (%llu of %llu KiB used by %s)", what,
                                (unsigned long long)((n + 1023) >> 10),
                                daemon ? "daemon's" : "client's (vivacd --max-client-gpu-memory)",
                                (unsigned long long)(atomic_load(&full->used) >> 10),
                                (unsigned long long)(full->limit >> 10),
                                daemon ? "all sessions" : "this VM or client's sessions");
        }
    }
    s->gpu_bytes_used += n;
    return VW_OK;
}

static void gpu_release(struct vh_session *s, uint64_t n)
{
    s->gpu_bytes_used -= n;
    vh_budget_give(s->limits.gpu_shared, n);
}

static void codec_free(struct vh_session *s, struct vh_codec_obj *c)
{
    vh_frame_close(s, c);
    vh_encode_codec_free(c);
    /* GPU charge first: the engine may charge what it keeps of the codec
     * (a decoder waiting for destruction) to the daemon's budget. */
    gpu_release(s, c->gpu_bytes);
    s->engine->ops->codec_destroy(&c->engine_codec);
    s->bytes_used -= c->bytes;
    vh_budget_give(s->limits.shared, c->bytes);
    free(c);
}

/* The host memory a decoder of cc may hold, charged at CREATE_CODEC so that
 * decoder memory counts against the session's budget like surfaces do: its
 * codec's max_pictures (codec_rules.c; an encoder 18, which covers x264's
 * and x265's references and lookahead) of the codec's size (the sw
 * engine's max_pixels keeps them there) in the largest format its profile
 * decodes into: BEGIN_FRAME lets the stream pick any of them, and
 * libavcodec keeps pictures planar with 2 bytes a sample above 8 bits
 * (Y410's 4 bytes a pixel are 6 there). */
static uint64_t codec_reserve_bytes(const struct vh_session *s, const struct vw_create_codec *cc)
{
    uint32_t formats = cc->rt_format;
    for (uint32_t i = 0; i < s->num_caps; i++)
        if (s->caps[i].profile == cc->profile && s->caps[i].entrypoint == cc->entrypoint)
            formats |= s->caps[i].rt_formats;
    uint64_t w = ((uint64_t)cc->width + 15) & ~15ull, h = ((uint64_t)cc->height + 15) & ~15ull;
    uint64_t largest = 0;
    for (uint32_t bit = 1; bit && bit <= formats; bit <<= 1) {
        const struct vc_pixel_format *pf = (formats & bit) ? vc_pixel_format_of_rt(bit) : NULL;
        if (!pf)
            continue;
        uint64_t chroma = (w >> pf->log2_chroma_w) * (h >> pf->log2_chroma_h);
        uint64_t picture = (w * h + 2 * chroma) * (pf->depth > 8 ? 2u : 1u);
        if (vc_pixel_format_is_rgb(pf))
            picture = w * h * 4;  /* packed, 4 bytes a pixel */
        if (picture > largest)
            largest = picture;
    }
    const struct vh_codec_rules *rules = vh_codec_rules_get(vw_codec_of_profile(cc->profile));
    /* Processing keeps no pictures of its own beyond its output and a
     * private copy of a source: 2. */
    uint32_t pictures = rules && cc->entrypoint == VW_ENTRYPOINT_DECODE ? rules->max_pictures
                        : cc->entrypoint == VW_ENTRYPOINT_VIDEOPROC ? 2
                                                                    : 16 + 2;
    return pictures * largest;
}

static void surface_free(struct vh_session *s, struct vh_surface_obj *so)
{
    gpu_release(s, so->gpu_bytes);            /* first, as in codec_free */
    s->engine->ops->surface_fini(s->engine, &so->surface);
    s->bytes_used -= so->bytes;
    vh_budget_give(s->limits.shared, so->bytes);
    free(so);
}

/* Registers the new arena with the engine (e.g. pinned for DMA readback);
 * without it the engine copies through its slower path. */
static void arena_register(struct vh_session *s)
{
    const struct vh_engine_ops *ops = s->engine->ops;
    if (!ops->host_memory_register || !ops->host_memory_unregister || !s->arena.base)
        return;
    /* A VM's region is never handed to the engine (its reads and writes go
     * through a bounce buffer, session_arena.h): nothing to pin. */
    if (!vh_session_arena_direct(s))
        return;
    /* The mapping covers whole pages: register all of the last one too. */
    long page = sysconf(_SC_PAGESIZE);
    uint64_t size = s->arena.size;
    if (page > 0)
        size = (size + (uint64_t)page - 1) & ~((uint64_t)page - 1);
    void *handle = NULL;
    int err = ops->host_memory_register(s->engine, s->arena.base, (size_t)size, s->arena.fd,
                                        &handle);
    if (err) {
        vc_debug("session %u: arena not registered with the engine (%d); unpinned copies", s->id,
                 err);
        return;
    }
    s->arena_handle = handle;
}

static void arena_release(struct vh_session *s)
{
    vh_session_bounce_release(s);
    if (s->arena_handle)
        s->engine->ops->host_memory_unregister(s->engine, s->arena_handle);
    s->arena_handle = NULL;
    vt_arena_release(&s->arena);
}

/* Where a session's time went (debug): request handling per opcode, then the
 * teardown of what the client left. */
static void log_timing(const struct vh_session *s, double t_close, double t_teardown)
{
    char line[512];
    size_t n = 0;
    for (uint32_t op = 1; op < VW_OP_COUNT_ && n < sizeof(line); op++)
        if (s->op_count[op])
            n += (size_t)snprintf(line + n, sizeof(line) - n, " %s %.1f/%u", vw_opcode_name(op),
                                  s->op_ms[op], s->op_count[op]);
    vc_debug("session %u timing (ms/count):%s; first END_FRAME %.1f; HELLO->close %.1f, "
             "teardown %.1f", s->id, n < sizeof(line) ? line : " ...", s->first_end_frame_ms,
             t_close - s->t_hello_ms, t_teardown);
}

void vh_session_destroy(struct vh_session **session)
{
    if (!session || !*session)
        return;
    struct vh_session *s = *session;
    double t_close = s->timing && s->hello_done ? now_ms() : 0;
    /* Codecs first: their open frames hold references on surfaces. */
    for (uint32_t i = 0; i < s->limits.max_codecs; i++)
        if (s->codecs[i])
            codec_free(s, s->codecs[i]);
    for (uint32_t i = 0; i < s->limits.max_surfaces; i++)
        if (s->surfaces[i])
            surface_free(s, s->surfaces[i]);
    arena_release(s);
    vh_recorder_close(&s->recorder);
    if (t_close)
        log_timing(s, t_close, now_ms() - t_close);
    if (s->hello_done)
        vc_info("session %u closed: %llu frames, %llu errors", s->id,
                (unsigned long long)s->stats.frames, (unsigned long long)s->stats.errors);
    free(s->surfaces);
    free(s->codecs);
    free(s);
    *session = NULL;
}

void vh_session_set_record_dir(struct vh_session *session, const char *dir)
{
    session->record_dir = dir;
}

void vh_session_get_stats(const struct vh_session *session, struct vh_session_stats *stats)
{
    *stats = session->stats;
}

/* ---- object tables ------------------------------------------------------- */

struct vh_surface_obj *vh_session_surface(struct vh_session *s, uint32_t id)
{
    for (uint32_t i = 0; i < s->limits.max_surfaces; i++)
        if (s->surfaces[i] && s->surfaces[i]->surface.id == id)
            return s->surfaces[i];
    return NULL;
}

struct vh_codec_obj *vh_session_codec(struct vh_session *s, uint32_t id)
{
    for (uint32_t i = 0; i < s->limits.max_codecs; i++)
        if (s->codecs[i] && s->codecs[i]->id == id)
            return s->codecs[i];
    return NULL;
}

static bool id_valid(uint32_t id)
{
    return id != 0 && id != VW_INVALID_ID;
}

/* ---- helpers ------------------------------------------------------------- */

int vh_expect_size(struct vh_reply *rep, const char *what, size_t size, uint64_t expected)
{
    if (size == expected)
        return VW_OK;
    return vh_error_set(&rep->err, VW_ERR_MALFORMED, "%s: payload is %zu bytes, expected %llu",
                        what, size, (unsigned long long)expected);
}

/* Copies a fixed-size request struct out of the payload with the cursor;
 * the payload must be exactly that size. */
static int take_fixed(const struct vh_request *req, struct vh_reply *rep, const char *what,
                      void *dst, size_t size)
{
    struct vc_cursor c = vc_cursor_make(req->payload, req->size);
    if (!vc_cursor_copy(&c, dst, size) || !vc_cursor_done(&c))
        return vh_expect_size(rep, what, req->size, size);
    return VW_OK;
}

/* ---- HELLO / QUERY_CAPS ------------------------------------------------------ */

static void copy_name(char *dst, size_t dst_size, const char *src, size_t src_size)
{
    size_t n = 0;
    for (; n < src_size && n + 1 < dst_size && src[n]; n++)
        dst[n] = (src[n] >= 0x20 && src[n] < 0x7f) ? src[n] : '?';
    dst[n] = '\0';
}


/* The minor version HELLO's reply says. Test builds may say an older one
 * (VIVAC_TEST_SERVER_MINOR=N, N below ours) so that e2e tests see how the
 * guest treats an older daemon; the daemon itself serves as ever. */
static uint16_t server_minor(void)
{
#ifdef VIVAC_TEST_HOOKS
    const char *v = getenv("VIVAC_TEST_SERVER_MINOR");
    if (v && *v) {
        char *end;
        unsigned long m = strtoul(v, &end, 10);
        if (!*end && m < VW_VERSION_MINOR)
            return (uint16_t)m;
    }
#endif
    return VW_VERSION_MINOR;
}

static int handle_hello(struct vh_session *s, const struct vh_request *req, struct vh_reply *rep)
{
    struct vw_hello h;
    if (s->hello_done)
        return vh_error_set(&rep->err, VW_ERR_STATE, "HELLO: session already established");
    /* A failed HELLO ends the session whatever the reason. */
    rep->close = true;
    if (take_fixed(req, rep, "HELLO", &h, sizeof(h)) != VW_OK)
        return rep->err.status;
    if (h.magic != VW_MAGIC)
        return vh_error_set(&rep->err, VW_ERR_VERSION, "HELLO: bad magic 0x%08x", h.magic);
    if (h.version_major != VW_VERSION_MAJOR)
        return vh_error_set(&rep->err, VW_ERR_VERSION,
                            "HELLO: protocol version %u.%u not supported (server speaks %u.%u)",
                            h.version_major, h.version_minor, VW_VERSION_MAJOR, VW_VERSION_MINOR);
    copy_name(s->client_name, sizeof(s->client_name), h.client_name, sizeof(h.client_name));
    s->client_minor = h.version_minor;
    if (h.version_minor >= 3)
        vh_session_add_encode_caps(s);
    if (h.version_minor >= 4)
        vh_session_add_process_caps(s);

    uint64_t arena_size = 0;
    struct vw_hello_arena where = {0};
    if (h.arena_size > 0) {
        arena_size = h.arena_size < s->limits.max_arena ? h.arena_size : s->limits.max_arena;
        int err = vh_session_arena_create(s, arena_size, &where); /* VM slice or memfd */
        arena_size = err ? 0 : s->arena.size;
        if (err) {
            vc_warn("session %u: no arena (%s); inline data only", s->id, strerror(-err));
            arena_size = 0;
            s->arena.fd = -1;
        } else {
            arena_register(s);
        }
    }
    s->hello_done = true;
    rep->close = false;

    struct vw_hello_reply *r = &rep->body_buf.hello;
    memset(r, 0, sizeof(*r));
    r->magic = VW_MAGIC;
    r->version_major = VW_VERSION_MAJOR;
    r->version_minor = server_minor();
    r->arena_size = arena_size;
    r->max_surfaces = s->limits.max_surfaces;
    r->max_codecs = s->limits.max_codecs;
    r->max_bytes = s->limits.max_bytes;
    snprintf(r->server_name, sizeof(r->server_name), "vivacd %s", VIVAC_VERSION);
    snprintf(r->engine_name, sizeof(r->engine_name), "%s", s->engine->ops->name);
    rep->body = r;
    rep->body_len = sizeof(*r);
    rep->fd = arena_size ? s->arena.fd : -1;
    vh_session_arena_reply(rep, h.version_minor, &where);
    vc_info("session %u opened: client \"%s\" protocol %u.%u, arena %llu bytes", s->id,
            s->client_name, h.version_major, h.version_minor, (unsigned long long)arena_size);
    return VW_OK;
}

static int handle_query_caps(struct vh_session *s, const struct vh_request *req,
                             struct vh_reply *rep)
{
    if (req->size != 0)
        return vh_expect_size(rep, "QUERY_CAPS", req->size, 0);
    rep->body_buf.caps = (struct vw_caps_reply){.count = s->num_caps};
    rep->body = &rep->body_buf.caps;
    rep->body_len = sizeof(rep->body_buf.caps);
    rep->tail = s->caps;
    rep->tail_len = (size_t)s->num_caps * sizeof(struct vw_cap);
    return VW_OK;
}

/* ---- codecs ------------------------------------------------------------------ */


/* Checks a codec description against the engine's capabilities. */
static int check_caps(struct vh_session *s, const struct vw_create_codec *cc, struct vh_error *err)
{
    bool profile = false, entrypoint = false, format = false;
    for (uint32_t i = 0; i < s->num_caps; i++) {
        const struct vw_cap *cap = &s->caps[i];
        if (cap->profile != cc->profile)
            continue;
        profile = true;
        if (cap->entrypoint != cc->entrypoint)
            continue;
        entrypoint = true;
        if (!(cap->rt_formats & cc->rt_format))
            continue;
        format = true;
        if (cc->width >= cap->min_width && cc->width <= cap->max_width &&
            cc->height >= cap->min_height && cc->height <= cap->max_height)
            return VW_OK;
    }
    if (cc->entrypoint == VW_ENTRYPOINT_VIDEOPROC && cc->profile == VW_PROFILE_NONE && !format &&
        !entrypoint)
        return vh_error_set(err, VW_ERR_UNSUPPORTED_ENTRYPOINT,
                            "CREATE_CODEC: engine %s has no video processing (VIDEOPROC)%s",
                            s->engine->ops->name,
                            s->client_minor < 4 ? " for clients older than protocol 1.4" : "");
    if (!profile || (!vw_codec_of_profile(cc->profile) && cc->entrypoint != VW_ENTRYPOINT_VIDEOPROC))
        return vh_error_set(err, VW_ERR_UNSUPPORTED_PROFILE,
                            "CREATE_CODEC: profile %u not supported by engine %s", cc->profile,
                            s->engine->ops->name);
    if (!entrypoint)
        return vh_error_set(err, VW_ERR_UNSUPPORTED_ENTRYPOINT,
                            "CREATE_CODEC: entrypoint %u not supported for profile %u",
                            cc->entrypoint, cc->profile);
    if (!format)
        return vh_error_set(err, VW_ERR_UNSUPPORTED_FORMAT,
                            "CREATE_CODEC: rt_format 0x%x not supported for profile %u",
                            cc->rt_format, cc->profile);
    return vh_error_set(err, VW_ERR_RESOLUTION,
                        "CREATE_CODEC: %ux%u outside the engine's range for profile %u",
                        cc->width, cc->height, cc->profile);
}

static int handle_create_codec(struct vh_session *s, const struct vh_request *req,
                               struct vh_reply *rep)
{
    struct vw_create_codec cc;
    if (take_fixed(req, rep, "CREATE_CODEC", &cc, sizeof(cc)) != VW_OK)
        return rep->err.status;
    if (cc.flags != 0)
        return vh_error_set(&rep->err, VW_ERR_MALFORMED, "CREATE_CODEC: flags must be 0");
    if (cc.reserved != 0)
        return vh_error_set(&rep->err, VW_ERR_MALFORMED, "CREATE_CODEC: reserved is not 0");
    if (!id_valid(cc.codec_id))
        return vh_error_set(&rep->err, VW_ERR_INVALID_ID, "CREATE_CODEC: codec_id %u is not a valid id",
                            cc.codec_id);
    if (vh_session_codec(s, cc.codec_id))
        return vh_error_set(&rep->err, VW_ERR_ID_IN_USE, "CREATE_CODEC: codec_id %u already exists",
                            cc.codec_id);
    if (cc.rt_format == 0 || (cc.rt_format & (cc.rt_format - 1)) != 0)
        return vh_error_set(&rep->err, VW_ERR_UNSUPPORTED_FORMAT,
                            "CREATE_CODEC: rt_format 0x%x must be one format bit", cc.rt_format);
    if (check_caps(s, &cc, &rep->err) != VW_OK)
        return rep->err.status;
    if (s->num_codecs >= s->limits.max_codecs)
        return vh_error_set(&rep->err, VW_ERR_LIMIT, "CREATE_CODEC: session has %u codecs (limit)",
                            s->num_codecs);
    uint64_t reserve = codec_reserve_bytes(s, &cc);
    if (reserve > s->limits.max_bytes - s->bytes_used)
        return vh_error_set(&rep->err, VW_ERR_LIMIT,
                            "CREATE_CODEC: a %ux%u decoder needs %llu MiB, over the session's "
                            "memory budget (%llu of %llu MiB used)", cc.width, cc.height,
                            (unsigned long long)(reserve >> 20),
                            (unsigned long long)(s->bytes_used >> 20),
                            (unsigned long long)(s->limits.max_bytes >> 20));
    struct vh_codec_desc desc = {.profile = cc.profile, .entrypoint = cc.entrypoint,
                                 .rt_format = cc.rt_format, .width = cc.width,
                                 .height = cc.height};
    bool encode = cc.entrypoint == VW_ENTRYPOINT_ENCODE;
    /* An encoder keeps its pictures in host memory (the reserve above
     * counts them); the engine's GPU estimate is for its decoders. */
    uint64_t gpu = s->engine->ops->codec_gpu_bytes && cc.entrypoint == VW_ENTRYPOINT_DECODE
                       ? s->engine->ops->codec_gpu_bytes(s->engine, &desc) : 0;
    if (gpu_charge(s, "CREATE_CODEC", gpu, &rep->err) != VW_OK)
        return rep->err.status;
    if (!vh_budget_take(s->limits.shared, reserve)) {
        gpu_release(s, gpu);
        return vh_daemon_memory_full(&rep->err, "CREATE_CODEC", s->limits.shared, reserve);
    }

    uint32_t slot = 0;
    while (s->codecs[slot])
        slot++;
    struct vh_codec_obj *c = calloc(1, sizeof(*c));
    if (!c) {
        vh_budget_give(s->limits.shared, reserve);
        gpu_release(s, gpu);
        return vh_error_set(&rep->err, VW_ERR_NO_MEMORY, "CREATE_CODEC: out of memory");
    }
    c->id = cc.codec_id;
    c->codec = vw_codec_of_profile(cc.profile);
    c->desc = desc;
    int st = encode ? vh_encode_codec_create(s, c, &rep->err)
                    : s->engine->ops->codec_create(s->engine, &c->desc, &c->engine_codec,
                                                   &rep->err);
    if (st != VW_OK) {
        vh_budget_give(s->limits.shared, reserve);
        gpu_release(s, gpu);
        free(c);
        if (rep->err.status != st)
            vh_error_set(&rep->err, st, "CREATE_CODEC: engine failed");
        return st;
    }
    c->bytes = reserve;
    c->gpu_bytes = gpu;
    s->bytes_used += reserve;
    s->codecs[slot] = c;
    s->num_codecs++;
    vc_debug("session %u: codec %u created (profile %u, %ux%u)", s->id, c->id, cc.profile,
             cc.width, cc.height);
    return VW_OK;
}

static int handle_destroy_codec(struct vh_session *s, const struct vh_request *req,
                                struct vh_reply *rep)
{
    struct vw_destroy_codec dc;
    if (take_fixed(req, rep, "DESTROY_CODEC", &dc, sizeof(dc)) != VW_OK)
        return rep->err.status;
    if (dc.reserved != 0)
        return vh_error_set(&rep->err, VW_ERR_MALFORMED, "DESTROY_CODEC: reserved is not 0");
    for (uint32_t i = 0; i < s->limits.max_codecs; i++) {
        if (s->codecs[i] && s->codecs[i]->id == dc.codec_id) {
            codec_free(s, s->codecs[i]);
            s->codecs[i] = NULL;
            s->num_codecs--;
            return VW_OK;
        }
    }
    return vh_error_set(&rep->err, VW_ERR_INVALID_ID, "DESTROY_CODEC: no codec %u", dc.codec_id);
}

/* ---- surfaces ---------------------------------------------------------------- */

static void max_caps_size(const struct vh_session *s, uint32_t *w, uint32_t *h)
{
    *w = 0;
    *h = 0;
    for (uint32_t i = 0; i < s->num_caps; i++) {
        if (s->caps[i].max_width > *w)
            *w = s->caps[i].max_width;
        if (s->caps[i].max_height > *h)
            *h = s->caps[i].max_height;
    }
    if (*w > VW_MAX_WIDTH)
        *w = VW_MAX_WIDTH;
    if (*h > VW_MAX_HEIGHT)
        *h = VW_MAX_HEIGHT;
}

static int handle_create_surface(struct vh_session *s, const struct vh_request *req,
                                 struct vh_reply *rep)
{
    struct vw_create_surface cs;
    if (take_fixed(req, rep, "CREATE_SURFACE", &cs, sizeof(cs)) != VW_OK)
        return rep->err.status;
    if (cs.reserved != 0)
        return vh_error_set(&rep->err, VW_ERR_MALFORMED, "CREATE_SURFACE: reserved is not 0");
    if (!id_valid(cs.surface_id))
        return vh_error_set(&rep->err, VW_ERR_INVALID_ID,
                            "CREATE_SURFACE: surface_id %u is not a valid id", cs.surface_id);
    if (vh_session_surface(s, cs.surface_id))
        return vh_error_set(&rep->err, VW_ERR_ID_IN_USE,
                            "CREATE_SURFACE: surface_id %u already exists", cs.surface_id);
    uint32_t max_w, max_h;
    max_caps_size(s, &max_w, &max_h);
    if (cs.width == 0 || cs.height == 0 || cs.width > max_w || cs.height > max_h)
        return vh_error_set(&rep->err, VW_ERR_RESOLUTION,
                            "CREATE_SURFACE: %ux%u outside 1x1..%ux%u", cs.width, cs.height,
                            max_w, max_h);
    if ((cs.width | cs.height) & 1)
        return vh_error_set(&rep->err, VW_ERR_RESOLUTION,
                            "CREATE_SURFACE: %ux%u: surfaces have an even width and height",
                            cs.width, cs.height);
    const struct vc_pixel_format *pf = vc_pixel_format_of_rt(cs.rt_format);
    if (!pf)
        return vh_error_set(&rep->err, VW_ERR_UNSUPPORTED_FORMAT,
                            "CREATE_SURFACE: rt_format 0x%x not supported (one of YUV420, "
                            "YUV420_10, YUV422, YUV444, YUV422_10, YUV444_10, RGB32)",
                            cs.rt_format);
    /* The chroma format's FOURCC, or another of the same chroma format and
     * depth (YUY2 for YUV422). */
    if (cs.pixel_format != pf->fourcc) {
        const struct vc_pixel_format *alt = vc_pixel_format_get(cs.pixel_format);
        if (!alt || alt->rt_format != cs.rt_format)
            return vh_error_set(&rep->err, VW_ERR_UNSUPPORTED_FORMAT,
                                "CREATE_SURFACE: pixel_format 0x%08x not supported for "
                                "rt_format 0x%x (%s)", cs.pixel_format, cs.rt_format, pf->name);
        pf = alt;
    }
    bool listed = false;
    for (uint32_t i = 0; i < s->num_caps; i++)
        listed |= (s->caps[i].rt_formats & cs.rt_format) != 0;
    if (!listed)
        return vh_error_set(&rep->err, VW_ERR_UNSUPPORTED_FORMAT,
                            "CREATE_SURFACE: rt_format 0x%x not supported by engine %s",
                            cs.rt_format, s->engine->ops->name);
    if (s->num_surfaces >= s->limits.max_surfaces)
        return vh_error_set(&rep->err, VW_ERR_LIMIT, "CREATE_SURFACE: session has %u surfaces (limit)",
                            s->num_surfaces);
    uint64_t bytes = vc_pixel_format_frame_bytes(pf, cs.width, cs.height);
    if (bytes > s->limits.max_bytes - s->bytes_used)
        return vh_error_set(&rep->err, VW_ERR_LIMIT,
                            "CREATE_SURFACE: session memory limit (%llu bytes) reached",
                            (unsigned long long)s->limits.max_bytes);
    struct vh_surface surface = {.id = cs.surface_id, .width = cs.width, .height = cs.height,
                                 .rt_format = cs.rt_format, .pixel_format = cs.pixel_format,
                                 .state = VW_SURFACE_READY, .last_status = VW_OK};
    uint64_t gpu = s->engine->ops->surface_gpu_bytes
                       ? s->engine->ops->surface_gpu_bytes(s->engine, &surface) : 0;
    if (gpu_charge(s, "CREATE_SURFACE", gpu, &rep->err) != VW_OK)
        return rep->err.status;
    if (!vh_budget_take(s->limits.shared, bytes)) {
        gpu_release(s, gpu);
        return vh_daemon_memory_full(&rep->err, "CREATE_SURFACE", s->limits.shared, bytes);
    }

    struct vh_surface_obj *so = calloc(1, sizeof(*so));
    if (!so) {
        vh_budget_give(s->limits.shared, bytes);
        gpu_release(s, gpu);
        return vh_error_set(&rep->err, VW_ERR_NO_MEMORY, "CREATE_SURFACE: out of memory");
    }
    so->surface = surface;
    so->bytes = bytes;
    so->gpu_bytes = gpu;
    int st = s->engine->ops->surface_init(s->engine, &so->surface, &rep->err);
    if (st != VW_OK) {
        vh_budget_give(s->limits.shared, bytes);
        gpu_release(s, gpu);
        free(so);
        if (rep->err.status != st)
            vh_error_set(&rep->err, st, "CREATE_SURFACE: engine failed");
        return st;
    }
    uint32_t slot = 0;
    while (s->surfaces[slot])
        slot++;
    s->surfaces[slot] = so;
    s->num_surfaces++;
    s->bytes_used += bytes;
    return VW_OK;
}

static int take_surface_ref(struct vh_session *s, const struct vh_request *req,
                            struct vh_reply *rep, const char *what, struct vh_surface_obj **out)
{
    struct vw_surface_ref ref;
    if (take_fixed(req, rep, what, &ref, sizeof(ref)) != VW_OK)
        return rep->err.status;
    if (ref.reserved != 0)
        return vh_error_set(&rep->err, VW_ERR_MALFORMED, "%s: reserved is not 0", what);
    *out = vh_session_surface(s, ref.surface_id);
    if (!*out)
        return vh_error_set(&rep->err, VW_ERR_INVALID_ID, "%s: no surface %u", what, ref.surface_id);
    return VW_OK;
}

static int handle_destroy_surface(struct vh_session *s, const struct vh_request *req,
                                  struct vh_reply *rep)
{
    struct vh_surface_obj *so;
    if (take_surface_ref(s, req, rep, "DESTROY_SURFACE", &so) != VW_OK)
        return rep->err.status;
    if (so->surface.ref_count > 0)
        return vh_error_set(&rep->err, VW_ERR_SURFACE_BUSY,
                            "DESTROY_SURFACE: surface %u is the target of a frame in progress",
                            so->surface.id);
    for (uint32_t i = 0; i < s->limits.max_surfaces; i++) {
        if (s->surfaces[i] == so) {
            s->surfaces[i] = NULL;
            break;
        }
    }
    s->num_surfaces--;
    surface_free(s, so);
    return VW_OK;
}

static int surface_state_reply(struct vh_session *s, const struct vh_request *req,
                               struct vh_reply *rep, bool sync)
{
    struct vh_surface_obj *so;
    if (take_surface_ref(s, req, rep, sync ? "SYNC_SURFACE" : "QUERY_SURFACE", &so) != VW_OK)
        return rep->err.status;
    rep->body_buf.state = (struct vw_surface_state_reply){
        .state = so->surface.state, .last_decode_status = so->surface.last_status};
    rep->body = &rep->body_buf.state;
    rep->body_len = sizeof(rep->body_buf.state);
    if (!sync || so->surface.last_status == VW_OK)
        return VW_OK;
    rep->err.status = so->surface.last_status;
    snprintf(rep->err.message, sizeof(rep->err.message), "%s", so->last_message);
    return rep->err.status;
}

static int handle_sync_surface(struct vh_session *s, const struct vh_request *req,
                               struct vh_reply *rep)
{
    return surface_state_reply(s, req, rep, true);
}

static int handle_query_surface(struct vh_session *s, const struct vh_request *req,
                                struct vh_reply *rep)
{
    return surface_state_reply(s, req, rep, false);
}

/* ---- dispatch ------------------------------------------------------------------ */

static const vh_handler_fn handlers[VW_OP_COUNT_] = {
    [VW_OP_HELLO] = handle_hello,
    [VW_OP_QUERY_CAPS] = handle_query_caps,
    [VW_OP_CREATE_CODEC] = handle_create_codec,
    [VW_OP_DESTROY_CODEC] = handle_destroy_codec,
    [VW_OP_CREATE_SURFACE] = handle_create_surface,
    [VW_OP_DESTROY_SURFACE] = handle_destroy_surface,
    [VW_OP_BEGIN_FRAME] = vh_handle_begin_frame,
    [VW_OP_DECODE_BITSTREAM] = vh_handle_decode_bitstream,
    [VW_OP_END_FRAME] = vh_handle_end_frame,
    [VW_OP_SYNC_SURFACE] = handle_sync_surface,
    [VW_OP_QUERY_SURFACE] = handle_query_surface,
    [VW_OP_GET_IMAGE] = vh_handle_get_image,
    [VW_OP_PUT_IMAGE] = vh_handle_put_image,
    [VW_OP_QUERY_ENCODE_CAPS] = vh_handle_query_encode_caps,
    [VW_OP_ENCODE_BITSTREAM] = vh_handle_encode_bitstream,
    [VW_OP_PROCESS] = vh_handle_process,
    /* VW_OP_ERROR is server -> client only: unknown as a request. */
};

/* Size of each opcode's reply body (sent zeroed when a handler fails early). */
static const uint32_t reply_body_size[VW_OP_COUNT_] = {
    [VW_OP_HELLO] = sizeof(struct vw_hello_reply),
    [VW_OP_QUERY_CAPS] = sizeof(struct vw_caps_reply),
    [VW_OP_SYNC_SURFACE] = sizeof(struct vw_surface_state_reply),
    [VW_OP_QUERY_SURFACE] = sizeof(struct vw_surface_state_reply),
    [VW_OP_GET_IMAGE] = sizeof(struct vw_get_image_reply),
    [VW_OP_QUERY_ENCODE_CAPS] = sizeof(struct vw_caps_reply),
};

void vh_session_send_fatal(struct vh_session *s, int status, const char *message)
{
    vc_warn("session %u: closing: %s", s->id, message);
    /* Not a reply: opcode VW_OP_ERROR without VW_REPLY_BIT, request_id 0. */
    size_t len = message ? strnlen(message, VW_MESSAGE_TEXT_MAX) : 0;
    struct vw_status st = {.status = status, .message_len = (uint32_t)len};
    vt_msg_send(s->ch, VW_OP_ERROR, 0, &st, sizeof(st), message, len, NULL, 0, -1);
}

/* Appends the request to the session's trace (docs/trace.md). GET_IMAGE is
 * not recorded: its destination is output only, and a replay reads images
 * back on its own terms. Arena data is recorded INLINE from the copy the
 * handler made (rep->arena_copy), never read again from the arena. */
static void record_request(struct vh_session *s, const struct vw_header *hdr,
                           const uint8_t *payload, size_t size, const struct vh_reply *rep,
                           int status)
{
    if (hdr->opcode == VW_OP_GET_IMAGE)
        return;
    size_t ref_offset;
    if (hdr->opcode == VW_OP_DECODE_BITSTREAM)
        ref_offset = offsetof(struct vw_decode_bitstream, data);
    else if (hdr->opcode == VW_OP_PUT_IMAGE)
        ref_offset = offsetof(struct vw_put_image, src);
    else
        ref_offset = SIZE_MAX;
    struct vw_data_ref ref = {0};
    struct vc_cursor c = vc_cursor_make(payload, size);
    if (ref_offset == SIZE_MAX || !vc_cursor_take(&c, ref_offset) ||
        !vc_cursor_copy(&c, &ref, sizeof(ref)) || ref.location != VW_LOC_ARENA) {
        vh_recorder_write(s->recorder, hdr, payload, size, NULL, status);
        return;
    }
    struct vh_record_inline in = {.ref_offset = ref_offset, .data = rep->arena_copy,
                                  .size = rep->arena_copy_size, .refused = !rep->arena_copy};
    vh_recorder_write(s->recorder, hdr, payload, size, &in, status);
}

int vh_session_handle_message(struct vh_session *s, const struct vw_header *hdr,
                              const uint8_t *payload, size_t size)
{
    s->stats.messages++;
    if (hdr->length < size)
        size = hdr->length;
    if (hdr->reserved != 0 || hdr->length > VW_MAX_MESSAGE) {
        char msg[96];
        snprintf(msg, sizeof(msg), "framing error: header reserved=%u length=%u", hdr->reserved,
                 hdr->length);
        s->stats.errors++;
        vh_session_send_fatal(s, VW_ERR_MALFORMED, msg);
        return -EBADMSG;
    }

    if (!s->hello_done && hdr->opcode != VW_OP_HELLO) {
        /* Not a vivac client (or a broken one): the session is lost. */
        char msg[96];
        snprintf(msg, sizeof(msg), "opcode %u (%s) before HELLO: HELLO must come first",
                 hdr->opcode, vw_opcode_name(hdr->opcode));
        s->stats.errors++;
        vh_session_send_fatal(s, VW_ERR_STATE, msg);
        return -EPROTO;
    }

    struct vh_request req = {.opcode = hdr->opcode, .request_id = hdr->request_id,
                             .payload = payload, .size = size};
    struct vh_reply rep = {.fd = -1};
    vh_handler_fn fn = hdr->opcode < VW_OP_COUNT_ ? handlers[hdr->opcode] : NULL;
    int status;
    double t0 = s->timing ? now_ms() : 0;
    if (vh_session_arena_lost(s, vw_opcode_name(hdr->opcode), &rep))
        status = rep.err.status; /* its VM's region was truncated: the session ends */
    else if (!fn)
        status = vh_error_set(&rep.err, VW_ERR_UNKNOWN_OPCODE, "unknown opcode %u", hdr->opcode);
    else
        status = fn(s, &req, &rep);
    if (s->timing && fn) {
        double dt = now_ms() - t0;
        if (hdr->opcode == VW_OP_HELLO)
            s->t_hello_ms = t0;
        if (hdr->opcode == VW_OP_END_FRAME && !s->op_count[VW_OP_END_FRAME])
            s->first_end_frame_ms = dt;
        s->op_ms[hdr->opcode] += dt;
        s->op_count[hdr->opcode]++;
    }
    rep.err.status = status;
    if (!rep.body && hdr->opcode < VW_OP_COUNT_ && reply_body_size[hdr->opcode]) {
        /* The documented reply body is present whatever the status. */
        memset(&rep.body_buf, 0, sizeof(rep.body_buf));
        rep.body = &rep.body_buf;
        rep.body_len = reply_body_size[hdr->opcode];
    }
    if (hdr->opcode == VW_OP_HELLO && status == VW_OK && s->record_dir && !s->recorder)
        vh_recorder_open(s->record_dir, s->id, &s->recorder); /* failure: logged */
    if (s->recorder)
        record_request(s, hdr, payload, size, &rep, status);
    if (status != VW_OK) {
        s->stats.errors++;
        vc_debug("session %u: %s #%u: %s: %s", s->id, vw_opcode_name(hdr->opcode),
                 hdr->request_id, vw_status_name(status), rep.err.message);
    }

    if (rep.fatal) {
        /* The session cannot go on: ERROR instead of the reply, then close. */
        vh_session_send_fatal(s, status, rep.err.message);
        free(rep.tail_owned);
        free(rep.arena_copy_owned);
        return -EPROTO;
    }
    int err = vt_reply_send(s->ch, hdr->opcode, hdr->request_id, status,
                            status != VW_OK || rep.info ? rep.err.message : NULL, rep.body,
                            rep.body_len,
                            rep.tail, rep.tail_len, rep.fd);
    free(rep.tail_owned);
    free(rep.arena_copy_owned);
    if (err)
        return err;
    return rep.close ? -EPROTO : 0;
}

int vh_session_refuse(struct vh_session *s, const struct vw_header *hdr,
                      const struct vh_error *err)
{
    struct vh_reply rep = {.fd = -1};
    size_t body_len = hdr->opcode < VW_OP_COUNT_ ? reply_body_size[hdr->opcode] : 0;
    memset(&rep.body_buf, 0, sizeof(rep.body_buf));
    s->stats.messages++;
    s->stats.errors++;
    vc_warn("session %u: %s #%u refused: %s", s->id, vw_opcode_name(hdr->opcode),
            hdr->request_id, err->message);
    return vt_reply_send(s->ch, hdr->opcode, hdr->request_id, err->status, err->message,
                         body_len ? &rep.body_buf : NULL, body_len, NULL, 0, -1);
}
