/*
 * PROCESS's checks (validate_process.c) at their edges: a good job passes;
 * regions pass at the surface's edge and fail one step past it; scale
 * ratios pass at 16x and fail past it, both ways; each enum passes at its
 * last value and fails at the next; ProcAmp's, denoise's and
 * sharpening's ranges; formats (RGB32: outputs only, unfiltered; 4:2:2
 * and 4:4:4 scaled and converted, not deinterlaced or turned); the
 * references of motion-adaptive deinterlacing (1.7). The e2e test hostile_process
 * sends the same through the wire.
 */
#include <string.h>

#include "check.h"
#include "host/validate_process.h"

#define RT (VW_RT_YUV420 | VW_RT_YUV420_10 | VW_RT_RGB32)

static struct vh_surface src = {.id = 1, .width = 1920, .height = 1080,
                                .rt_format = VW_RT_YUV420, .pixel_format = VW_FOURCC_NV12};
static struct vh_surface out = {.id = 2, .width = 1280, .height = 720,
                                .rt_format = VW_RT_YUV420_10, .pixel_format = VW_FOURCC_P010};

static struct vh_surface src_big = {.id = 4, .width = 1920, .height = 1920,
                                    .rt_format = VW_RT_YUV420, .pixel_format = VW_FOURCC_NV12};

static struct vw_process good(void)
{
    return (struct vw_process){.codec_id = 5, .source_id = 1, .source = {0, 0, 1920, 1080},
                               .output = {0, 0, 1280, 720}, .scaling = VW_SCALING_HQ};
}

static int run_on(const struct vw_process *p, const struct vh_surface *s,
                  const struct vh_surface *o)
{
    struct vh_error err = {0};
    int st = vh_process_check(p, s, o, RT, &err);
    if (st != VW_OK) /* every refusal names what it refused */
        CHECK(strstr(err.message, "PROCESS: ") == err.message);
    return st;
}

static int run(const struct vw_process *p)
{
    return run_on(p, &src, &out);
}

static void test_regions(void)
{
    struct vw_process p = good();
    CHECK_EQ(run(&p), VW_OK);
    p.source = (struct vw_rect){1918, 1078, 2, 2}; /* the last 2x2, scaled 16x up */
    p.output = (struct vw_rect){0, 0, 32, 32};
    CHECK_EQ(run(&p), VW_OK);
    p.source.x = 1920;
    CHECK_EQ(run(&p), VW_ERR_MALFORMED);
    p = good();
    p.output.width = 1282;
    CHECK_EQ(run(&p), VW_ERR_MALFORMED);
    p = good();
    p.source.x = 0xfffffffeu; /* x + width wraps in 32 bits */
    p.source.width = 4;
    CHECK_EQ(run(&p), VW_ERR_MALFORMED);
    p = good();
    p.output.height = 0;
    CHECK_EQ(run(&p), VW_ERR_MALFORMED);
    p = good();
    p.source.y = 1;
    p.source.height = 1078;
    CHECK_EQ(run(&p), VW_ERR_MALFORMED); /* splits a 4:2:0 chroma row */
    p = good();
    p.output = (struct vw_rect){2, 4, 200, 120};
    CHECK_EQ(run(&p), VW_OK);
}

static void test_ratios(void)
{
    /* With a quarter turn the source is scaled to the output's size
     * turned: 1920x1080 -> 120x68 is within 16x, turned it is not. */
    struct vw_process t = good();
    t.output = (struct vw_rect){0, 0, 120, 68};
    CHECK_EQ(run(&t), VW_OK);
    t.rotation = 1;
    CHECK_EQ(run(&t), VW_ERR_RESOLUTION);
    t.output = (struct vw_rect){0, 0, 68, 120};
    CHECK_EQ(run(&t), VW_OK);
    struct vw_process p = good();
    p.source = (struct vw_rect){0, 0, 1280, 720};
    p.output = (struct vw_rect){0, 0, 80, 46}; /* 16x across, 15.6x down */
    CHECK_EQ(run(&p), VW_OK);
    p.output.width = 78;
    CHECK_EQ(run(&p), VW_ERR_RESOLUTION);
    p.source = (struct vw_rect){0, 0, 64, 64};
    p.output = (struct vw_rect){0, 0, 1024, 720}; /* 16x up */
    CHECK_EQ(run(&p), VW_OK);
    p.output.width = 1026;
    CHECK_EQ(run(&p), VW_ERR_RESOLUTION);
}

static void test_fields(void)
{
    struct vw_process p = good();
    p.scaling = VW_SCALING_HQ;
    CHECK_EQ(run(&p), VW_OK);
    p.scaling = VW_SCALING_HQ + 1;
    CHECK_EQ(run(&p), VW_ERR_MALFORMED);
    p = good();
    p.source_standard = p.output_standard = VW_COLOR_BT2020;
    p.source_range = VW_RANGE_FULL;
    p.output_range = VW_RANGE_LIMITED;
    CHECK_EQ(run(&p), VW_OK);
    p.output_standard = VW_COLOR_BT2020 + 1;
    CHECK_EQ(run(&p), VW_ERR_MALFORMED);
    p = good();
    p.output_range = VW_RANGE_FULL + 1;
    CHECK_EQ(run(&p), VW_ERR_MALFORMED);
    p = good();
    p.rotation = VW_ROTATION_MAX;
    p.output = (struct vw_rect){0, 0, 720, 1280}; /* turned */
    CHECK_EQ(run_on(&p, &src, &src_big), VW_OK);
    p.rotation = VW_ROTATION_MAX + 1;
    CHECK_EQ(run_on(&p, &src, &src_big), VW_ERR_MALFORMED);
    p = good();
    p.mirror = VW_MIRROR_HORIZONTAL | VW_MIRROR_VERTICAL;
    CHECK_EQ(run(&p), VW_OK);
    p.mirror = 4;
    CHECK_EQ(run(&p), VW_ERR_MALFORMED);
    p = good();
    p.filters = VW_FILTER_SHARPEN << 1;
    CHECK_EQ(run(&p), VW_ERR_UNSUPPORTED_STREAM);
    p = good();
    p.filters = VW_FILTER_DEINTERLACE;
    p.deinterlace = VW_DEINTERLACE_BOB;
    p.field = 1;
    CHECK_EQ(run(&p), VW_OK);
    p.field = 2;
    CHECK_EQ(run(&p), VW_ERR_MALFORMED);
    p.field = 0;
    p.deinterlace = VW_DEINTERLACE_MOTION_ADAPTIVE + 1;
    CHECK_EQ(run(&p), VW_ERR_UNSUPPORTED_STREAM);
    p.deinterlace = VW_DEINTERLACE_BOB;
    p.source = (struct vw_rect){0, 2, 1920, 1076}; /* y not a multiple of 4 */
    CHECK_EQ(run(&p), VW_ERR_MALFORMED);
    p.source = (struct vw_rect){0, 4, 1920, 1074}; /* height not a multiple of 4 */
    CHECK_EQ(run(&p), VW_ERR_MALFORMED);
    /* Motion adaptive filters whole planes: any even region. */
    p.deinterlace = VW_DEINTERLACE_MOTION_ADAPTIVE;
    CHECK_EQ(run(&p), VW_OK);
    p.source = (struct vw_rect){0, 2, 1920, 1076};
    CHECK_EQ(run(&p), VW_OK);
    p.field_order = VW_FIELD_ORDER_BOTTOM_FIRST;
    CHECK_EQ(run(&p), VW_OK);
    p.field_order = 2;
    CHECK_EQ(run(&p), VW_ERR_MALFORMED);
    p.field_order = 0;
    p.source = (struct vw_rect){1914, 1072, 6, 8}; /* bwdif's least, at the corner */
    p.output = (struct vw_rect){0, 0, 6, 8};
    CHECK_EQ(run(&p), VW_OK);
    p.source.height = 6;
    CHECK_EQ(run(&p), VW_ERR_RESOLUTION);
    p.source = (struct vw_rect){0, 0, 4, 8};
    CHECK_EQ(run(&p), VW_ERR_RESOLUTION);
    p = good();
    p.field_order = VW_FIELD_ORDER_BOTTOM_FIRST; /* without the filter */
    CHECK_EQ(run(&p), VW_ERR_MALFORMED);
    p = good();
    p.reserved3 = 1;
    CHECK_EQ(run(&p), VW_ERR_MALFORMED);
    p = good();
    p.field = 1; /* without the filter */
    CHECK_EQ(run(&p), VW_ERR_MALFORMED);
    p = good();
    p.deinterlace = VW_DEINTERLACE_BOB;
    CHECK_EQ(run(&p), VW_ERR_MALFORMED);
    p = good();
    p.flags = 0x80000000u;
    CHECK_EQ(run(&p), VW_ERR_MALFORMED);
    for (unsigned i = 0; i < 3; i++) {
        p = good();
        p.reserved[i] = 1;
        CHECK_EQ(run(&p), VW_ERR_MALFORMED);
    }
    for (unsigned i = 0; i < 2; i++) {
        p = good();
        p.reserved2[i] = 1;
        CHECK_EQ(run(&p), VW_ERR_MALFORMED);
    }
}

/* ProcAmp: each value passes at its range's ends and fails one step past
 * them; values without the filter; 8-bit output only. */
static void test_procamp(void)
{
    struct vh_surface out8 = out;
    out8.rt_format = VW_RT_YUV420;
    out8.pixel_format = VW_FOURCC_NV12;
    struct vw_process p = good();
    p.filters = VW_FILTER_PROCAMP;
    p.contrast = p.saturation = VW_PROCAMP_ONE;
    CHECK_EQ(run_on(&p, &src, &out8), VW_OK);
    CHECK_EQ(run_on(&p, &src, &out), VW_ERR_UNSUPPORTED_FORMAT); /* P010 out */
    const struct vw_process base = p;
    int32_t *field[4] = {&p.brightness, &p.contrast, &p.hue, &p.saturation};
    const int32_t lo[4] = {VW_PROCAMP_BRIGHTNESS_MIN, 0, VW_PROCAMP_HUE_MIN, 0};
    const int32_t hi[4] = {VW_PROCAMP_BRIGHTNESS_MAX, VW_PROCAMP_CONTRAST_MAX,
                           VW_PROCAMP_HUE_MAX, VW_PROCAMP_SATURATION_MAX};
    for (unsigned i = 0; i < 4; i++) {
        p = base;
        *field[i] = lo[i];
        CHECK_EQ(run_on(&p, &src, &out8), VW_OK);
        *field[i] = lo[i] - 1;
        CHECK_EQ(run_on(&p, &src, &out8), VW_ERR_MALFORMED);
        *field[i] = hi[i];
        CHECK_EQ(run_on(&p, &src, &out8), VW_OK);
        *field[i] = hi[i] + 1;
        CHECK_EQ(run_on(&p, &src, &out8), VW_ERR_MALFORMED);
        *field[i] = INT32_MIN;
        CHECK_EQ(run_on(&p, &src, &out8), VW_ERR_MALFORMED);
        p = good();
        *field[i] = 1; /* without the filter */
        CHECK_EQ(run_on(&p, &src, &out8), VW_ERR_MALFORMED);
        *field[i] = 0;
        CHECK_EQ(run_on(&p, &src, &out8), VW_OK);
    }
}

/* Denoise and sharpening: 0..64 (x 1000) under their bits, 0 without,
 * 8-bit output only. */
static void test_levels(void)
{
    struct vh_surface out8 = out;
    out8.rt_format = VW_RT_YUV420;
    out8.pixel_format = VW_FOURCC_NV12;
    const uint32_t bit[2] = {VW_FILTER_DENOISE, VW_FILTER_SHARPEN};
    const uint32_t max[2] = {VW_DENOISE_MAX, VW_SHARPEN_MAX};
    for (unsigned i = 0; i < 2; i++) {
        struct vw_process p = good();
        uint32_t *v = i ? &p.sharpen : &p.denoise;
        p.filters = bit[i];
        CHECK_EQ(run_on(&p, &src, &out8), VW_OK);
        CHECK_EQ(run_on(&p, &src, &out), VW_ERR_UNSUPPORTED_FORMAT);
        *v = max[i];
        CHECK_EQ(run_on(&p, &src, &out8), VW_OK);
        *v = max[i] + 1;
        CHECK_EQ(run_on(&p, &src, &out8), VW_ERR_MALFORMED);
        *v = UINT32_MAX;
        CHECK_EQ(run_on(&p, &src, &out8), VW_ERR_MALFORMED);
        p.filters = 0;
        *v = 1;
        CHECK_EQ(run_on(&p, &src, &out8), VW_ERR_MALFORMED); /* without its bit */
        p.filters = bit[1 - i];
        CHECK_EQ(run_on(&p, &src, &out8), VW_ERR_MALFORMED); /* under the other's bit */
    }
}

static void test_surfaces(void)
{
    struct vw_process p = good();
    p.output = p.source;
    CHECK_EQ(run_on(&p, &src, &src), VW_ERR_STATE);
    struct vh_surface s422 = {.id = 3, .width = 1920, .height = 1080,
                              .rt_format = VW_RT_YUV422, .pixel_format = VW_FOURCC_422H};
    CHECK_EQ(run_on(&p, &s422, &out), VW_ERR_UNSUPPORTED_FORMAT);
    p = good();
    CHECK_EQ(run_on(&p, &src, &s422), VW_ERR_UNSUPPORTED_FORMAT);
}

/* An engine that processes every YUV format (sw): any to any, regions in
 * whole chroma samples of each; deinterlacing needs a 4:2:0 source, the
 * 8-bit filters an NV12 output, the turn a 4:2:0 output. */
static void test_chroma_formats(void)
{
    const uint32_t all = VW_RT_YUV420 | VW_RT_YUV420_10 | VW_RT_YUV422 | VW_RT_YUV422_10 |
                         VW_RT_YUV444 | VW_RT_YUV444_10 | VW_RT_RGB32;
    struct vh_surface s422 = {.id = 3, .width = 1920, .height = 1080,
                              .rt_format = VW_RT_YUV422, .pixel_format = VW_FOURCC_422H};
    struct vh_surface s444 = {.id = 6, .width = 1280, .height = 720,
                              .rt_format = VW_RT_YUV444, .pixel_format = VW_FOURCC_444P};
    struct vh_surface y210 = {.id = 7, .width = 1280, .height = 720,
                              .rt_format = VW_RT_YUV422_10, .pixel_format = VW_FOURCC_Y210};
    struct vh_surface y410 = {.id = 8, .width = 1280, .height = 720,
                              .rt_format = VW_RT_YUV444_10, .pixel_format = VW_FOURCC_Y410};
    struct vh_error err = {0};
    struct vw_process p = good();
    CHECK_EQ(vh_process_check(&p, &s422, &out, all, &err), VW_OK);
    CHECK_EQ(vh_process_check(&p, &src, &s444, all, &err), VW_OK);
    CHECK_EQ(vh_process_check(&p, &s422, &y410, all, &err), VW_OK);
    CHECK_EQ(vh_process_check(&p, &s422, &y210, all, &err), VW_OK);
    /* 4:2:2: odd lines are whole chroma samples, odd columns are not. */
    p.source = (struct vw_rect){0, 1, 1920, 1079};
    CHECK_EQ(vh_process_check(&p, &s422, &out, all, &err), VW_OK);
    p.source = (struct vw_rect){1, 0, 1919, 1080};
    CHECK_EQ(vh_process_check(&p, &s422, &out, all, &err), VW_ERR_MALFORMED);
    /* 4:4:4: any pixel. */
    p = good();
    p.output = (struct vw_rect){1, 1, 1279, 719};
    CHECK_EQ(vh_process_check(&p, &src, &s444, all, &err), VW_OK);
    CHECK_EQ(vh_process_check(&p, &src, &out, all, &err), VW_ERR_MALFORMED);
    /* ProcAmp reads any source, writes NV12 only. */
    p = good();
    p.filters = VW_FILTER_PROCAMP;
    p.contrast = 1000;
    struct vh_surface nv12 = {.id = 9, .width = 1280, .height = 720,
                              .rt_format = VW_RT_YUV420, .pixel_format = VW_FOURCC_NV12};
    CHECK_EQ(vh_process_check(&p, &s422, &nv12, all, &err), VW_OK);
    CHECK_EQ(vh_process_check(&p, &s422, &s444, all, &err), VW_ERR_UNSUPPORTED_FORMAT);
    /* Deinterlacing: 4:2:0 sources only, whatever the output. */
    for (uint32_t mode = VW_DEINTERLACE_BOB; mode <= VW_DEINTERLACE_MOTION_ADAPTIVE; mode++) {
        p = good();
        p.filters = VW_FILTER_DEINTERLACE;
        p.deinterlace = mode;
        CHECK_EQ(vh_process_check(&p, &src, &s444, all, &err), VW_OK);
        err.message[0] = 0;
        CHECK_EQ(vh_process_check(&p, &s422, &nv12, all, &err), VW_ERR_UNSUPPORTED_FORMAT);
        CHECK(strstr(err.message, "deinterlacing takes 4:2:0") != NULL);
    }
    /* Rotation and mirroring: any source, 4:2:0 outputs. */
    p = good();
    p.output = (struct vw_rect){0, 0, 720, 1280};
    p.rotation = 1;
    struct vh_surface tall420 = {.id = 10, .width = 720, .height = 1280,
                                 .rt_format = VW_RT_YUV420, .pixel_format = VW_FOURCC_NV12};
    struct vh_surface tall444 = {.id = 11, .width = 720, .height = 1280,
                                 .rt_format = VW_RT_YUV444, .pixel_format = VW_FOURCC_444P};
    CHECK_EQ(vh_process_check(&p, &s422, &tall420, all, &err), VW_OK);
    CHECK_EQ(vh_process_check(&p, &src, &tall444, all, &err), VW_ERR_UNSUPPORTED_FORMAT);
    p = good();
    p.mirror = VW_MIRROR_HORIZONTAL;
    CHECK_EQ(vh_process_check(&p, &src, &y210, all, &err), VW_ERR_UNSUPPORTED_FORMAT);
}

/* RGB32 surfaces are outputs of scaling, deinterlacing and conversion
 * only: never a source, never filtered or turned into. */
static void test_rgb(void)
{
    struct vh_surface rgb = {.id = 3, .width = 1280, .height = 720,
                             .rt_format = VW_RT_RGB32, .pixel_format = VW_FOURCC_BGRA};
    struct vw_process p = good();
    CHECK_EQ(run_on(&p, &src, &rgb), VW_OK);
    p.filters = VW_FILTER_DEINTERLACE;
    p.deinterlace = VW_DEINTERLACE_BOB;
    CHECK_EQ(run_on(&p, &src, &rgb), VW_OK);
    p = good();
    p.source = (struct vw_rect){0, 0, 1280, 720};
    p.output = (struct vw_rect){0, 0, 1920, 1080};
    CHECK_EQ(run_on(&p, &rgb, &src), VW_ERR_UNSUPPORTED_FORMAT);
    p = good();
    p.filters = VW_FILTER_PROCAMP;
    p.contrast = p.saturation = VW_PROCAMP_ONE;
    CHECK_EQ(run_on(&p, &src, &rgb), VW_ERR_UNSUPPORTED_FORMAT);
    p = good();
    p.mirror = VW_MIRROR_HORIZONTAL;
    CHECK_EQ(run_on(&p, &src, &rgb), VW_ERR_UNSUPPORTED_FORMAT);
    p.mirror = 0;
    p.rotation = 2;
    CHECK_EQ(run_on(&p, &src, &rgb), VW_ERR_UNSUPPORTED_FORMAT);
}

/* References (1.7): counted, existing, of the source's size and format,
 * not the output, and only for motion adaptive. */
static int run_refs(const struct vw_process *p, const struct vh_surface *const *refs)
{
    struct vh_error err = {0};
    int st = vh_process_check(p, &src, &out, RT, &err);
    if (st == VW_OK)
        st = vh_process_check_refs(p, refs, &src, &out, &err);
    if (st != VW_OK)
        CHECK(strstr(err.message, "PROCESS: ") == err.message);
    return st;
}

static void test_refs(void)
{
    static const struct vh_surface prev = {.id = 7, .width = 1920, .height = 1080,
                                           .rt_format = VW_RT_YUV420,
                                           .pixel_format = VW_FOURCC_NV12};
    static const struct vh_surface small = {.id = 8, .width = 1920, .height = 1088,
                                            .rt_format = VW_RT_YUV420,
                                            .pixel_format = VW_FOURCC_NV12};
    static const struct vh_surface ten = {.id = 9, .width = 1920, .height = 1080,
                                          .rt_format = VW_RT_YUV420_10,
                                          .pixel_format = VW_FOURCC_P010};
    const struct vh_surface *refs[2 * VW_PROCESS_MAX_REFS] = {&prev, &src, &prev, &prev,
                                                              &prev, &prev, &prev, &prev};
    struct vw_process p = good();
    p.filters = VW_FILTER_DEINTERLACE;
    p.deinterlace = VW_DEINTERLACE_MOTION_ADAPTIVE;
    CHECK_EQ(run_refs(&p, refs), VW_OK); /* none: the source stands in */
    p.num_past = p.num_future = 1;
    p.past_ids[0] = 7;
    p.future_ids[0] = 1; /* the source itself may be one */
    CHECK_EQ(run_refs(&p, refs), VW_OK);
    p.num_past = p.num_future = VW_PROCESS_MAX_REFS;
    for (unsigned i = 0; i < VW_PROCESS_MAX_REFS; i++)
        p.past_ids[i] = p.future_ids[i] = 7;
    CHECK_EQ(run_refs(&p, refs), VW_OK);
    p.num_past = VW_PROCESS_MAX_REFS + 1;
    CHECK_EQ(run_refs(&p, refs), VW_ERR_MALFORMED);
    p.num_past = VW_PROCESS_MAX_REFS;
    p.num_future = VW_PROCESS_MAX_REFS + 1;
    CHECK_EQ(run_refs(&p, refs), VW_ERR_MALFORMED);
    p.num_future = 0xffffffffu;
    CHECK_EQ(run_refs(&p, refs), VW_ERR_MALFORMED);
    /* Entries past the counts are 0. */
    p.num_past = p.num_future = 1;
    CHECK_EQ(run_refs(&p, refs), VW_ERR_MALFORMED);
    memset(p.past_ids, 0, sizeof(p.past_ids));
    memset(p.future_ids, 0, sizeof(p.future_ids));
    p.past_ids[0] = p.future_ids[0] = 7;
    CHECK_EQ(run_refs(&p, refs), VW_OK);
    p.future_ids[VW_PROCESS_MAX_REFS - 1] = 7;
    CHECK_EQ(run_refs(&p, refs), VW_ERR_MALFORMED);
    p.future_ids[VW_PROCESS_MAX_REFS - 1] = 0;
    /* Unknown, the output, another size or format. */
    const struct vh_surface *bad[2][2] = {{&prev, NULL}, {&out, &prev}};
    CHECK_EQ(run_refs(&p, bad[0]), VW_ERR_INVALID_ID);
    CHECK_EQ(run_refs(&p, bad[1]), VW_ERR_STATE);
    const struct vh_surface *sized[2] = {&small, &prev}, *tenbit[2] = {&prev, &ten};
    CHECK_EQ(run_refs(&p, sized), VW_ERR_RESOLUTION);
    CHECK_EQ(run_refs(&p, tenbit), VW_ERR_UNSUPPORTED_FORMAT);
    /* Only motion adaptive takes references. */
    p.deinterlace = VW_DEINTERLACE_BOB;
    CHECK_EQ(run_refs(&p, refs), VW_ERR_MALFORMED);
    p.filters = 0;
    p.deinterlace = 0;
    CHECK_EQ(run_refs(&p, refs), VW_ERR_MALFORMED);
}

int main(void)
{
    test_refs();
    test_rgb();
    test_regions();
    test_ratios();
    test_fields();
    test_procamp();
    test_levels();
    test_surfaces();
    test_chroma_formats();
    return check_finish("test_validate_process");
}
