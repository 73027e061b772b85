/*
 * The composite engine nvdec+sw on fake CUDA (a test build's
 * VIVAC_TEST_FAKE_NVDEC): its caps are nvdec's plus sw's for the profiles
 * nvdec lacks (AV1; MPEG-4 Part 2 is nvdec's where the GPU lists it, as the
 * fake does), cut to what nvdec's surfaces hold (the fake has no
 * cuMemsetD16Async: no 10-bit, and nvdec never 4:2:2); a codec of a sw
 * profile charges no GPU memory; surfaces are nvdec's (an image written
 * reads back); a shadow is made once per surface and freed with it.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "common/pixel_format.h"
#include "host/engine.h"
#include "host/engines/engines.h"
#include "host/engines/multi/multi_internal.h"

static const struct vw_cap *find_cap(const struct vw_cap *caps, uint32_t n, uint32_t profile)
{
    for (uint32_t i = 0; i < n; i++)
        if (caps[i].profile == profile && caps[i].entrypoint == VW_ENTRYPOINT_DECODE)
            return &caps[i];
    return NULL;
}

static void check_caps(struct vh_engine *e)
{
    struct vw_cap caps[MULTI_MAX_CAPS];
    uint32_t n = 0;
    CHECK_EQ(e->ops->query_caps(e, caps, MULTI_MAX_CAPS, &n), VW_OK);
    const struct vw_cap *h264 = find_cap(caps, n, VW_PROFILE_H264_HIGH);
    const struct vw_cap *av1 = find_cap(caps, n, VW_PROFILE_AV1_MAIN);
    const struct vw_cap *mpeg4 = find_cap(caps, n, VW_PROFILE_MPEG4_ADVANCED_SIMPLE);
    const struct vw_cap *hevc422 = find_cap(caps, n, VW_PROFILE_HEVC_MAIN422_10);
    CHECK(h264 && strcmp(h264->engine_name, "nvdec") == 0);
    CHECK(av1 && strcmp(av1->engine_name, "sw") == 0);
    /* The fake lists MPEG-4 Part 2, as an H200 does: nvdec's. */
    CHECK(mpeg4 && strcmp(mpeg4->engine_name, "nvdec") == 0);
    if (av1) {
        CHECK_EQ(av1->rt_formats, VW_RT_YUV420);
        CHECK_EQ(av1->pixel_format, VW_FOURCC_NV12);
        CHECK(av1->max_width <= 4096 && av1->max_height <= 4096);
    }
    /* sw's 4:2:2 profile: only the 4:2:0 format is left, as NV12. */
    CHECK(hevc422 && hevc422->rt_formats == VW_RT_YUV420 &&
          hevc422->pixel_format == VW_FOURCC_NV12);
    for (uint32_t i = 0; i < n; i++) {
        CHECK((caps[i].rt_formats & (VW_RT_YUV422 | VW_RT_YUV422_10 | VW_RT_YUV420_10)) == 0);
        /* Every profile once. */
        for (uint32_t k = 0; k < i; k++)
            CHECK(caps[k].profile != caps[i].profile);
    }
    /* A profile too many: the count stops at max. */
    CHECK_EQ(e->ops->query_caps(e, caps, 3, &n), VW_OK);
    CHECK_EQ(n, 3);
}

static void check_gpu_bytes(struct vh_engine *e)
{
    struct vh_codec_desc av1 = {.profile = VW_PROFILE_AV1_MAIN,
                                .entrypoint = VW_ENTRYPOINT_DECODE,
                                .rt_format = VW_RT_YUV420, .width = 352, .height = 288};
    struct vh_codec_desc h264 = av1;
    h264.profile = VW_PROFILE_H264_HIGH;
    CHECK_EQ(e->ops->codec_gpu_bytes(e, &av1), 0);
    CHECK(e->ops->codec_gpu_bytes(e, &h264) > 0);
    struct vh_error err = {0};
    struct vh_codec *c = NULL;
    CHECK_EQ(e->ops->codec_create(e, &av1, &c, &err), VW_OK);
    CHECK(c && c->engine == e);
    e->ops->codec_destroy(&c);
    CHECK(c == NULL);
    CHECK_EQ(e->ops->codec_create(e, &h264, &c, &err), VW_OK);
    e->ops->codec_destroy(&c);
    e->ops->codec_destroy(NULL);
}

static void check_surfaces(struct vh_engine *e)
{
    struct multi_engine *m = multi_engine_of(e);
    struct vh_surface a = {.id = 1, .width = 64, .height = 32, .rt_format = VW_RT_YUV420,
                           .pixel_format = VW_FOURCC_NV12, .state = VW_SURFACE_READY};
    struct vh_surface b = a;
    b.id = 2;
    struct vh_error err = {0};
    CHECK_EQ(e->ops->surface_init(e, &a, &err), VW_OK);
    CHECK_EQ(e->ops->surface_init(e, &b, &err), VW_OK);
    CHECK(e->ops->surface_gpu_bytes(e, &a) > 0);

    /* An image written reads back: the surface is nvdec's. */
    const struct vc_pixel_format *pf = vc_pixel_format_get(VW_FOURCC_NV12);
    struct vw_image_layout layout = {.pixel_format = VW_FOURCC_NV12, .num_planes = 2};
    uint64_t bytes = vc_pixel_format_tight_layout(pf, 64, 32, layout.pitches, layout.offsets);
    uint8_t *in = malloc(bytes), *out = calloc(1, bytes);
    for (uint64_t i = 0; i < bytes; i++)
        in[i] = (uint8_t)(i * 7 + 3);
    struct vh_rect rect = {0, 0, 64, 32};
    CHECK_EQ(e->ops->surface_write(e, &a, &rect, 0, 0, &layout, in, &err), VW_OK);
    CHECK_EQ(e->ops->surface_read(e, &a, &rect, &layout, out, &err), VW_OK);
    CHECK(memcmp(in, out, bytes) == 0);
    free(in);
    free(out);

    /* Shadows: one per surface, same id and format, gone with it. */
    struct vh_surface *sa = multi_shadow_get(m, 1, &a, &err);
    CHECK(sa && sa->id == 1 && sa->width == 64 && sa->pixel_format == VW_FOURCC_NV12);
    CHECK(multi_shadow_get(m, 1, &a, &err) == sa);
    struct vh_surface *sb = multi_shadow_get(m, 1, &b, &err);
    CHECK(sb && sb != sa);
    CHECK_EQ(m->num_shadows, 2);
    e->ops->surface_fini(e, &a);
    CHECK_EQ(m->num_shadows, 1);
    CHECK(multi_shadow_get(m, 1, &b, &err) == sb);
    e->ops->surface_fini(e, &b);
    CHECK_EQ(m->num_shadows, 0);
    /* One left for destroy to free (the leak checker's part). */
    multi_shadow_get(m, 1, &b, &err);
    CHECK_EQ(m->num_shadows, 1);
}

int main(void)
{
    setenv("VIVAC_TEST_FAKE_NVDEC", "352x288", 1);
    const struct vh_engine_ops *ops = vh_engine_find("nvdec+sw");
    CHECK(ops == &vh_engine_nvdec_sw && ops->parts && ops->parts[0] == &vh_engine_nvdec &&
          ops->parts[1] == &vh_engine_sw && !ops->parts[2] && ops->compose);
    /* Where vaapi is built: its composites, in `auto`'s order of parts. */
    const struct vh_engine_ops *three = vh_engine_find("nvdec+vaapi+sw");
    if (three) {
        CHECK(three->parts[0] == &vh_engine_nvdec && three->parts[2] == &vh_engine_sw &&
              strcmp(three->parts[1]->name, "vaapi") == 0 && !three->parts[3]);
        CHECK(three->gpu_server_create && three->create_remote && three->compose);
        const struct vh_engine_ops *vs = vh_engine_find("vaapi+sw");
        CHECK(vs && vs->parts[0] == three->parts[1] && vs->parts[1] == &vh_engine_sw &&
              !vs->parts[2] && !vs->gpu_server_create);
        CHECK(vh_engine_includes("nvdec+vaapi+sw", "vaapi"));
        CHECK(vh_engine_includes("nvdec+vaapi+sw", "nvdec"));
        CHECK(!vh_engine_includes("vaapi+sw", "nvdec"));
    }
    /* The sandbox's question: does the worker's engine drive NVIDIA's
     * devices, a render node? `auto` may do either. */
    CHECK(vh_engine_includes("nvdec+sw", "nvdec") && !vh_engine_includes("nvdec+sw", "vaapi"));
    CHECK(vh_engine_includes("auto", "nvdec") && vh_engine_includes("auto", "vaapi"));
    CHECK(!vh_engine_includes("sw", "nvdec") && !vh_engine_includes("no-such", "sw"));
    struct vh_engine *e = NULL;
    struct vh_error err = {0};
    CHECK_EQ(ops->create(&e, &err), VW_OK);
    if (!e)
        return check_finish("test_multi_engine");
    CHECK(strcmp(e->ops->name, "nvdec+sw") == 0);
    check_caps(e);
    check_gpu_bytes(e);
    check_surfaces(e);
    ops->destroy(&e);
    CHECK(e == NULL);
    ops->destroy(NULL);
    return check_finish("test_multi_engine");
}
