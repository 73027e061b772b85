/*
 * GPU memory accounting of the session core, without a GPU: a fake engine
 * says how much GPU memory its codecs (100 MiB) and surfaces (10 MiB) take
 * (engine.h: codec_gpu_bytes, surface_gpu_bytes), and the sessions must
 * charge that against their own GPU limit (vh_limits.max_gpu_bytes) and
 * the daemon's GPU budget (vivacd --max-gpu-memory): the request that
 * would pass either is refused with VW_ERR_LIMIT and the figures, nothing
 * is charged for a refused or failed request, everything is given back
 * when objects or sessions go, the engine's caches are trimmed before a
 * refusal, and an engine without a GPU (no such ops) is charged nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "host/engine.h"
#include "host/memory_budget.h"
#include "host/session.h"
#include "session_harness.h"

#define MIB (1024ull * 1024ull)

/* ---- a fake engine ----------------------------------------------------------- */

static int trims;              /* gpu_trim calls */
static uint64_t cache_bytes;   /* what the fake "cache" holds of the daemon budget */
static bool fail_create;       /* codec_create fails */

static int fake_create(struct vh_engine **out, struct vh_error *err)
{
    (void)err;
    *out = calloc(1, sizeof(**out));
    return *out ? VW_OK : VW_ERR_NO_MEMORY;
}

static void fake_destroy(struct vh_engine **e)
{
    if (e && *e) {
        free(*e);
        *e = NULL;
    }
}

static int fake_caps(struct vh_engine *e, struct vw_cap *caps, uint32_t max, uint32_t *count)
{
    (void)e;
    *count = 0;
    if (max < 1)
        return VW_OK;
    caps[0] = (struct vw_cap){.profile = VW_PROFILE_H264_HIGH, .entrypoint = VW_ENTRYPOINT_DECODE,
                              .rt_formats = VW_RT_YUV420, .pixel_format = VW_FOURCC_NV12,
                              .min_width = 16, .min_height = 16, .max_width = 4096,
                              .max_height = 4096};
    *count = 1;
    return VW_OK;
}

static int fake_surface_init(struct vh_engine *e, struct vh_surface *s, struct vh_error *err)
{
    (void)e, (void)s, (void)err;
    return VW_OK;
}

static void fake_surface_fini(struct vh_engine *e, struct vh_surface *s)
{
    (void)e, (void)s;
}

static int fake_codec_create(struct vh_engine *e, const struct vh_codec_desc *d,
                             struct vh_codec **out, struct vh_error *err)
{
    (void)d;
    if (fail_create)
        return vh_error_set(err, VW_ERR_INTERNAL, "fake: codec_create fails");
    *out = calloc(1, sizeof(**out));
    (*out)->engine = e;
    return VW_OK;
}

static void fake_codec_destroy(struct vh_codec **c)
{
    if (c && *c) {
        free(*c);
        *c = NULL;
    }
}

static uint64_t fake_codec_gpu(struct vh_engine *e, const struct vh_codec_desc *d)
{
    (void)e, (void)d;
    return 100 * MIB;
}

static uint64_t fake_surface_gpu(struct vh_engine *e, const struct vh_surface *s)
{
    (void)e, (void)s;
    return 10 * MIB;
}

static void fake_trim(struct vh_engine *e)
{
    trims++;
    vh_budget_give(e->gpu_budget, cache_bytes);
    cache_bytes = 0;
}

static struct vh_engine_ops fake_ops = {
    .name = "fakegpu",
    .create = fake_create,
    .destroy = fake_destroy,
    .query_caps = fake_caps,
    .surface_init = fake_surface_init,
    .surface_fini = fake_surface_fini,
    .codec_create = fake_codec_create,
    .codec_destroy = fake_codec_destroy,
    .codec_gpu_bytes = fake_codec_gpu,
    .surface_gpu_bytes = fake_surface_gpu,
    .gpu_trim = fake_trim,
};

/* ---- requests ------------------------------------------------------------------ */

static int codec(struct vh_session *s, uint32_t id)
{
    struct vw_create_codec cc = {.codec_id = id, .profile = VW_PROFILE_H264_HIGH,
                                 .entrypoint = VW_ENTRYPOINT_DECODE, .rt_format = VW_RT_YUV420,
                                 .width = 64, .height = 64};
    return send_msg(s, VW_OP_CREATE_CODEC, &cc, sizeof(cc));
}

static int destroy_codec(struct vh_session *s, uint32_t id)
{
    struct vw_destroy_codec dc = {.codec_id = id};
    return send_msg(s, VW_OP_DESTROY_CODEC, &dc, sizeof(dc));
}

static int surface(struct vh_session *s, uint32_t id)
{
    struct vw_create_surface cs = {.surface_id = id, .width = 64, .height = 64,
                                   .rt_format = VW_RT_YUV420, .pixel_format = VW_FOURCC_NV12};
    return send_msg(s, VW_OP_CREATE_SURFACE, &cs, sizeof(cs));
}

static int destroy_surface(struct vh_session *s, uint32_t id)
{
    struct vw_surface_ref r = {.surface_id = id};
    return send_msg(s, VW_OP_DESTROY_SURFACE, &r, sizeof(r));
}

static uint64_t used(struct vh_memory_budget *b)
{
    return atomic_load(&b->used);
}

int main(void)
{
    struct vh_engine *e = NULL;
    struct vh_error err = {0};
    CHECK_EQ(fake_ops.create(&e, &err), VW_OK);
    e->ops = &fake_ops;
    static struct vh_memory_budget host, gpu;
    gpu.limit = 250 * MIB;
    e->gpu_budget = &gpu;
    struct vh_limits l;
    vh_limits_default(&l);
    CHECK_EQ(l.max_gpu_bytes, 2048 * MIB);
    l.shared = &host;
    l.gpu_shared = &gpu;

    /* The daemon's budget: two codecs fit in 250 MiB, the third does not. */
    struct vh_session *a = open_session(e, &l, 1, "test_gpu_budget");
    CHECK_EQ(codec(a, 1), VW_OK);
    CHECK_EQ(codec(a, 2), VW_OK);
    CHECK_EQ(used(&gpu), 200 * MIB);
    CHECK_EQ(codec(a, 3), VW_ERR_LIMIT);
    printf("codec 3: %s\n", last_message);
    CHECK(strstr(last_message, "CREATE_CODEC: 102400 KiB of GPU memory more would pass the "
                               "daemon's GPU memory limit (204800 of 256000 KiB used by all "
                               "sessions)") != NULL);
    CHECK_EQ(used(&gpu), 200 * MIB);         /* nothing taken by the refusal */
    CHECK_EQ(trims, 1);                       /* the engine was asked to trim first */
    /* Surfaces too: five of 10 MiB fill it, the sixth is refused. */
    for (uint32_t i = 1; i <= 5; i++)
        CHECK_EQ(surface(a, i), VW_OK);
    CHECK_EQ(used(&gpu), 250 * MIB);
    CHECK_EQ(surface(a, 6), VW_ERR_LIMIT);
    printf("surface 6: %s\n", last_message);
    CHECK(strstr(last_message, "CREATE_SURFACE: 10240 KiB of GPU memory more would pass the "
                               "daemon's GPU memory limit (256000 of 256000 KiB") != NULL);
    uint64_t host_before = used(&host);

    /* Another session is held to the same budget... */
    struct vh_session *b = open_session(e, &l, 2, "test_gpu_budget");
    CHECK_EQ(codec(b, 1), VW_ERR_LIMIT);
    CHECK_EQ(used(&host), host_before);       /* host memory not charged either */
    /* ...and served once the first gives memory back. */
    CHECK_EQ(destroy_codec(a, 1), VW_OK);
    CHECK_EQ(destroy_surface(a, 5), VW_OK);
    CHECK_EQ(used(&gpu), 140 * MIB);
    CHECK_EQ(codec(b, 1), VW_OK);
    CHECK_EQ(used(&gpu), 240 * MIB);
    /* A codec the engine fails to create is not charged. */
    fail_create = true;
    CHECK(codec(b, 2) != VW_OK);
    fail_create = false;
    CHECK_EQ(used(&gpu), 240 * MIB);
    /* A session's end gives back all it held. */
    vh_session_destroy(&a);
    CHECK_EQ(used(&gpu), 100 * MIB);
    vh_session_destroy(&b);
    CHECK_EQ(used(&gpu), 0);
    CHECK_EQ(used(&host), 0);

    /* The engine's cache holds part of the budget: trimmed, then served. */
    trims = 0;
    CHECK(vh_budget_take(&gpu, 100 * MIB));
    cache_bytes = 100 * MIB;
    a = open_session(e, &l, 3, "test_gpu_budget");
    CHECK_EQ(codec(a, 1), VW_OK);
    CHECK_EQ(trims, 0);
    CHECK_EQ(codec(a, 2), VW_OK);             /* 300 > 250: trimmed, then it fits */
    CHECK_EQ(trims, 1);
    CHECK_EQ(cache_bytes, 0);
    CHECK_EQ(used(&gpu), 200 * MIB);
    vh_session_destroy(&a);
    CHECK_EQ(used(&gpu), 0);

    /* The session's own GPU limit, with no daemon limit. */
    gpu.limit = 0;
    l.max_gpu_bytes = 150 * MIB;
    a = open_session(e, &l, 4, "test_gpu_budget");
    CHECK_EQ(codec(a, 1), VW_OK);
    CHECK_EQ(codec(a, 2), VW_ERR_LIMIT);
    printf("session limit: %s\n", last_message);
    CHECK(strstr(last_message, "CREATE_CODEC: 102400 KiB of GPU memory more would pass the "
                               "session's GPU limit (102400 of 153600 KiB used)") != NULL);
    CHECK_EQ(used(&gpu), 100 * MIB);
    vh_session_destroy(&a);
    CHECK_EQ(used(&gpu), 0);

    /* An engine without GPU memory (sw: no such ops) is charged nothing. */
    fake_ops.codec_gpu_bytes = NULL;
    fake_ops.surface_gpu_bytes = NULL;
    fake_ops.gpu_trim = NULL;
    gpu.limit = 1;                            /* 1 byte: anything charged would fail */
    a = open_session(e, &l, 5, "test_gpu_budget");
    CHECK_EQ(codec(a, 1), VW_OK);
    CHECK_EQ(surface(a, 1), VW_OK);
    CHECK_EQ(used(&gpu), 0);
    vh_session_destroy(&a);

    /* The default daemon budget: half the device; unknown device: none. */
    CHECK_EQ(vh_budget_default_gpu_limit(140 * 1024 * MIB), 70 * 1024 * MIB);
    CHECK_EQ(vh_budget_default_gpu_limit(0), 0);

    fake_ops.destroy(&e);
    printf("%d checks, %d failed\n", check_count, check_failures);
    return check_failures ? 1 : 0;
}
