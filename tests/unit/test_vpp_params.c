/*
 * The guest's VAProcPipelineParameterBuffer -> vw_process (vpp_params.c):
 * regions default to whole surfaces, VA's scaling modes, colour standards
 * and ranges map to the wire's, and what vivac does not offer (filters,
 * unknown rotations and mirrorings, blending, extra outputs, anamorphic scaling,
 * explicit colour, negative regions) is refused with VA's status.
 */
#include <math.h>
#include <string.h>

#include "check.h"
#include "guest/vpp.h"

static const struct vg_surface source = {.width = 1920, .height = 1080, .fourcc = VA_FOURCC_NV12};
static const struct vg_surface target = {.width = 1280, .height = 720, .fourcc = VA_FOURCC_P010};

static VAStatus run_deint(const VAProcPipelineParameterBuffer *pp,
                          const VAProcFilterParameterBufferDeinterlacing *deint,
                          struct vw_process *job)
{
    memset(job, 0xa5, sizeof(*job)); /* every field is written */
    struct vg_proc_filters f = {.deint = deint};
    return vg_proc_translate(pp, &f, &source, &target, job);
}

static VAStatus run(const VAProcPipelineParameterBuffer *pp, struct vw_process *job)
{
    return run_deint(pp, NULL, job);
}

static void test_defaults(void)
{
    VAProcPipelineParameterBuffer pp = {0};
    struct vw_process job;
    CHECK_EQ(run(&pp, &job), VA_STATUS_SUCCESS);
    CHECK(job.source.x == 0 && job.source.y == 0 && job.source.width == 1920 &&
          job.source.height == 1080);
    CHECK(job.output.x == 0 && job.output.y == 0 && job.output.width == 1280 &&
          job.output.height == 720);
    CHECK_EQ(job.scaling, VW_SCALING_DEFAULT);
    CHECK_EQ(job.source_standard, VW_COLOR_UNSPECIFIED);
    CHECK_EQ(job.source_range, VW_RANGE_UNSPECIFIED);
    CHECK(job.rotation == 0 && job.mirror == 0 && job.filters == 0 && job.flags == 0);
    CHECK(job.deinterlace == 0 && job.field == 0);
    for (unsigned i = 0; i < 3; i++)
        CHECK_EQ(job.reserved[i], 0);
    CHECK(job.brightness == 0 && job.contrast == 0 && job.hue == 0 && job.saturation == 0);
    CHECK(job.denoise == 0 && job.sharpen == 0);
    for (unsigned i = 0; i < 2; i++)
        CHECK_EQ(job.reserved2[i], 0);
}

static void test_mapping(void)
{
    VARectangle in = {.x = 8, .y = 4, .width = 640, .height = 360};
    VARectangle outr = {.x = 2, .y = 2, .width = 320, .height = 180};
    VAProcPipelineParameterBuffer pp = {
        .surface_region = &in, .output_region = &outr,
        .surface_color_standard = VAProcColorStandardSMPTE170M,
        .output_color_standard = VAProcColorStandardBT2020,
        .filter_flags = VA_FILTER_SCALING_HQ | VA_FRAME_PICTURE,
    };
    pp.input_color_properties.color_range = VA_SOURCE_RANGE_FULL;
    pp.output_color_properties.color_range = VA_SOURCE_RANGE_REDUCED;
    struct vw_process job;
    CHECK_EQ(run(&pp, &job), VA_STATUS_SUCCESS);
    CHECK(job.source.x == 8 && job.source.y == 4 && job.source.width == 640 &&
          job.source.height == 360);
    CHECK(job.output.x == 2 && job.output.width == 320 && job.output.height == 180);
    CHECK_EQ(job.scaling, VW_SCALING_HQ);
    CHECK_EQ(job.source_standard, VW_COLOR_BT601);
    CHECK_EQ(job.output_standard, VW_COLOR_BT2020);
    CHECK_EQ(job.source_range, VW_RANGE_FULL);
    CHECK_EQ(job.output_range, VW_RANGE_LIMITED);
    pp.filter_flags = VA_FILTER_SCALING_FAST;
    pp.surface_color_standard = VAProcColorStandardBT709;
    CHECK_EQ(run(&pp, &job), VA_STATUS_SUCCESS);
    CHECK_EQ(job.scaling, VW_SCALING_FAST);
    CHECK_EQ(job.source_standard, VW_COLOR_BT709);
}

static void test_deinterlace(void)
{
    VABufferID id = 3;
    VAProcPipelineParameterBuffer pp = {.filters = &id, .num_filters = 1};
    VAProcFilterParameterBufferDeinterlacing d = {.type = VAProcFilterDeinterlacing,
                                                  .algorithm = VAProcDeinterlacingBob};
    struct vw_process job;
    CHECK_EQ(run_deint(&pp, &d, &job), VA_STATUS_SUCCESS);
    CHECK(job.filters == VW_FILTER_DEINTERLACE && job.deinterlace == VW_DEINTERLACE_BOB &&
          job.field == 0);
    d.flags = VA_DEINTERLACING_BOTTOM_FIELD_FIRST; /* order alone: still the top field */
    CHECK_EQ(run_deint(&pp, &d, &job), VA_STATUS_SUCCESS);
    CHECK_EQ(job.field, 0);
    d.flags = VA_DEINTERLACING_BOTTOM_FIELD_FIRST | VA_DEINTERLACING_BOTTOM_FIELD;
    CHECK_EQ(run_deint(&pp, &d, &job), VA_STATUS_SUCCESS);
    CHECK_EQ(job.field, 1);
    CHECK_EQ(job.field_order, VW_FIELD_ORDER_BOTTOM_FIRST);
    /* Bob sends no references even when given them. */
    VASurfaceID past[5] = {21, 22, 23, 24, 25}, future[2] = {31, 32};
    pp.forward_references = past;
    pp.num_forward_references = 1;
    pp.backward_references = future;
    pp.num_backward_references = 1;
    CHECK_EQ(run_deint(&pp, &d, &job), VA_STATUS_SUCCESS);
    CHECK(job.num_past == 0 && job.num_future == 0 && job.past_ids[0] == 0);
    /* Motion adaptive: VA's forward references are the past ones. */
    d.algorithm = VAProcDeinterlacingMotionAdaptive;
    d.flags = VA_DEINTERLACING_BOTTOM_FIELD;
    CHECK_EQ(run_deint(&pp, &d, &job), VA_STATUS_SUCCESS);
    CHECK(job.deinterlace == VW_DEINTERLACE_MOTION_ADAPTIVE && job.field == 1 &&
          job.field_order == VW_FIELD_ORDER_TOP_FIRST);
    CHECK(job.num_past == 1 && job.past_ids[0] == 21 && job.past_ids[1] == 0);
    CHECK(job.num_future == 1 && job.future_ids[0] == 31 && job.future_ids[1] == 0);
    /* More than the wire carries: the nearest VW_PROCESS_MAX_REFS. */
    pp.num_forward_references = 5;
    pp.num_backward_references = 0;
    CHECK_EQ(run_deint(&pp, &d, &job), VA_STATUS_SUCCESS);
    CHECK(job.num_past == VW_PROCESS_MAX_REFS && job.past_ids[3] == 24 && job.num_future == 0);
    past[1] = VA_INVALID_SURFACE; /* a padded list ends there */
    CHECK_EQ(run_deint(&pp, &d, &job), VA_STATUS_SUCCESS);
    CHECK(job.num_past == 1 && job.past_ids[0] == 21 && job.past_ids[1] == 0);
    past[0] = VA_INVALID_SURFACE;
    CHECK_EQ(run_deint(&pp, &d, &job), VA_STATUS_SUCCESS);
    CHECK(job.num_past == 0 && job.past_ids[0] == 0);
    past[0] = 21;
    pp.num_backward_references = 1;
    pp.backward_references = NULL; /* counted, not given */
    CHECK_EQ(run_deint(&pp, &d, &job), VA_STATUS_ERROR_INVALID_PARAMETER);
    pp.backward_references = future;
    d.algorithm = VAProcDeinterlacingMotionCompensated;
    CHECK_EQ(run_deint(&pp, &d, &job), VA_STATUS_ERROR_UNSUPPORTED_FILTER);
    d.algorithm = VAProcDeinterlacingBob;
    pp.num_filters = 2; /* a second filter beside it */
    CHECK_EQ(run_deint(&pp, &d, &job), VA_STATUS_ERROR_UNSUPPORTED_FILTER);
}

static VAStatus run_balance(const VAProcFilterParameterBufferColorBalance *b, uint32_t n,
                            const VAProcFilterParameterBufferDeinterlacing *deint,
                            struct vw_process *job)
{
    VABufferID ids[2] = {3, 4};
    VAProcPipelineParameterBuffer pp = {.filters = ids, .num_filters = deint ? 2 : 1};
    struct vg_proc_filters f = {.deint = deint, .balance = b, .num_balance = n};
    memset(job, 0xa5, sizeof(*job));
    return vg_proc_translate(&pp, &f, &source, &target, job);
}

/* ProcAmp: VA's values x 1000, identities for attributes not given, VA's
 * ranges (what vaQueryVideoProcFilterCaps lists) and nothing else. */
static void test_procamp(void)
{
    VAProcFilterParameterBufferColorBalance b[4] = {
        {VAProcFilterColorBalance, VAProcColorBalanceBrightness, 20.0f},
        {VAProcFilterColorBalance, VAProcColorBalanceContrast, 1.5f},
        {VAProcFilterColorBalance, VAProcColorBalanceHue, -30.25f},
        {VAProcFilterColorBalance, VAProcColorBalanceSaturation, 0.0f},
    };
    struct vw_process job;
    CHECK_EQ(run_balance(b, 4, NULL, &job), VA_STATUS_SUCCESS);
    CHECK_EQ(job.filters, VW_FILTER_PROCAMP);
    CHECK(job.brightness == 20000 && job.contrast == 1500 && job.hue == -30250 &&
          job.saturation == 0);
    CHECK(job.deinterlace == 0 && job.field == 0 && job.reserved2[0] == 0);
    CHECK_EQ(run_balance(&b[2], 1, NULL, &job), VA_STATUS_SUCCESS); /* hue alone */
    CHECK(job.brightness == 0 && job.contrast == 1000 && job.hue == -30250 &&
          job.saturation == 1000);
    VAProcFilterParameterBufferDeinterlacing d = {.type = VAProcFilterDeinterlacing,
                                                  .algorithm = VAProcDeinterlacingBob};
    CHECK_EQ(run_balance(b, 4, &d, &job), VA_STATUS_SUCCESS);
    CHECK_EQ(job.filters, VW_FILTER_PROCAMP | VW_FILTER_DEINTERLACE);
    b[0].value = 100.0f;
    b[1].value = 10.0f;
    b[2].value = 180.0f;
    b[3].value = 10.0f;
    CHECK_EQ(run_balance(b, 4, NULL, &job), VA_STATUS_SUCCESS); /* the ranges' ends */
    CHECK(job.brightness == 100000 && job.contrast == 10000 && job.hue == 180000 &&
          job.saturation == 10000);
    const float bad[4][2] = {{-100.5f, 101.0f}, {-0.01f, 10.5f}, {-181.0f, 180.5f},
                             {-1.0f, 10.01f}};
    for (unsigned i = 0; i < 4; i++)
        for (unsigned k = 0; k < 2; k++) {
            VAProcFilterParameterBufferColorBalance c = b[i];
            c.value = bad[i][k];
            CHECK_EQ(run_balance(&c, 1, NULL, &job), VA_STATUS_ERROR_INVALID_PARAMETER);
        }
    VAProcFilterParameterBufferColorBalance c = b[0];
    c.value = NAN;
    CHECK_EQ(run_balance(&c, 1, NULL, &job), VA_STATUS_ERROR_INVALID_PARAMETER);
    c.attrib = VAProcColorBalanceAutoSaturation;
    c.value = 1.0f;
    CHECK_EQ(run_balance(&c, 1, NULL, &job), VA_STATUS_ERROR_UNSUPPORTED_FILTER);
    c.attrib = VAProcColorBalanceNone;
    CHECK_EQ(run_balance(&c, 1, NULL, &job), VA_STATUS_ERROR_UNSUPPORTED_FILTER);
    VAProcFilterParameterBufferColorBalance twice[2] = {b[1], b[1]};
    CHECK_EQ(run_balance(twice, 2, NULL, &job), VA_STATUS_ERROR_INVALID_PARAMETER);
}

static VAStatus run_levels(const VAProcFilterParameterBuffer *dn,
                           const VAProcFilterParameterBuffer *sh, struct vw_process *job)
{
    VABufferID ids[2] = {3, 4};
    VAProcPipelineParameterBuffer pp = {.filters = ids, .num_filters = (dn ? 1 : 0) + (sh ? 1 : 0)};
    struct vg_proc_filters f = {.denoise = dn, .sharpen = sh};
    memset(job, 0xa5, sizeof(*job));
    return vg_proc_translate(&pp, &f, &source, &target, job);
}

/* Noise reduction and sharpening: VA's 0..64 x 1000 under their bits. */
static void test_levels(void)
{
    VAProcFilterParameterBuffer dn = {VAProcFilterNoiseReduction, 24.0f};
    VAProcFilterParameterBuffer sh = {VAProcFilterSharpening, 64.0f};
    struct vw_process job;
    CHECK_EQ(run_levels(&dn, NULL, &job), VA_STATUS_SUCCESS);
    CHECK(job.filters == VW_FILTER_DENOISE && job.denoise == 24000 && job.sharpen == 0);
    CHECK_EQ(run_levels(NULL, &sh, &job), VA_STATUS_SUCCESS);
    CHECK(job.filters == VW_FILTER_SHARPEN && job.sharpen == 64000 && job.denoise == 0);
    dn.value = 0.5f;
    CHECK_EQ(run_levels(&dn, &sh, &job), VA_STATUS_SUCCESS);
    CHECK(job.filters == (VW_FILTER_DENOISE | VW_FILTER_SHARPEN) && job.denoise == 500 &&
          job.sharpen == 64000);
    const float bad[] = {-0.5f, 64.01f, NAN, 1e30f};
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        dn.value = sh.value = bad[i];
        CHECK_EQ(run_levels(&dn, NULL, &job), VA_STATUS_ERROR_INVALID_PARAMETER);
        CHECK_EQ(run_levels(NULL, &sh, &job), VA_STATUS_ERROR_INVALID_PARAMETER);
    }
}

/* Rotation and mirroring: VA's values are the wire's. */
static void test_turns(void)
{
    struct vw_process job;
    VAProcPipelineParameterBuffer pp = {.rotation_state = VA_ROTATION_90};
    CHECK_EQ(run(&pp, &job), VA_STATUS_SUCCESS);
    CHECK(job.rotation == 1 && job.mirror == 0);
    pp.rotation_state = VA_ROTATION_270;
    pp.mirror_state = VA_MIRROR_VERTICAL;
    CHECK_EQ(run(&pp, &job), VA_STATUS_SUCCESS);
    CHECK(job.rotation == 3 && job.mirror == VW_MIRROR_VERTICAL);
    pp.rotation_state = VA_ROTATION_180;
    pp.mirror_state = VA_MIRROR_HORIZONTAL;
    CHECK_EQ(run(&pp, &job), VA_STATUS_SUCCESS);
    CHECK(job.rotation == 2 && job.mirror == VW_MIRROR_HORIZONTAL);
}

static void test_refusals(void)
{
    struct vw_process job;
    VAProcPipelineParameterBuffer pp = {.filter_flags = VA_FILTER_SCALING_NL_ANAMORPHIC};
    CHECK_EQ(run(&pp, &job), VA_STATUS_ERROR_INVALID_PARAMETER);
    pp = (VAProcPipelineParameterBuffer){.surface_color_standard = VAProcColorStandardExplicit};
    CHECK_EQ(run(&pp, &job), VA_STATUS_ERROR_INVALID_PARAMETER);
    VABufferID filter = 7;
    pp = (VAProcPipelineParameterBuffer){.filters = &filter, .num_filters = 1};
    CHECK_EQ(run(&pp, &job), VA_STATUS_ERROR_UNSUPPORTED_FILTER);
    pp = (VAProcPipelineParameterBuffer){.rotation_state = VA_ROTATION_270 + 1};
    CHECK_EQ(run(&pp, &job), VA_STATUS_ERROR_INVALID_PARAMETER);
    pp = (VAProcPipelineParameterBuffer){.mirror_state = 4};
    CHECK_EQ(run(&pp, &job), VA_STATUS_ERROR_INVALID_PARAMETER);
    VABlendState blend = {.flags = VA_BLEND_GLOBAL_ALPHA, .global_alpha = 0.5f};
    pp = (VAProcPipelineParameterBuffer){.blend_state = &blend};
    CHECK_EQ(run(&pp, &job), VA_STATUS_ERROR_INVALID_PARAMETER);
    pp = (VAProcPipelineParameterBuffer){.num_additional_outputs = 1};
    CHECK_EQ(run(&pp, &job), VA_STATUS_ERROR_INVALID_PARAMETER);
    VARectangle neg = {.x = -2, .y = 0, .width = 16, .height = 16};
    pp = (VAProcPipelineParameterBuffer){.surface_region = &neg};
    CHECK_EQ(run(&pp, &job), VA_STATUS_ERROR_INVALID_PARAMETER);
    VARectangle empty = {.x = 0, .y = 0, .width = 0, .height = 16};
    pp = (VAProcPipelineParameterBuffer){.output_region = &empty};
    CHECK_EQ(run(&pp, &job), VA_STATUS_ERROR_INVALID_PARAMETER);
    pp = (VAProcPipelineParameterBuffer){0};
    pp.input_color_properties.color_range = 3;
    CHECK_EQ(run(&pp, &job), VA_STATUS_ERROR_INVALID_PARAMETER);
}

int main(void)
{
    test_defaults();
    test_mapping();
    test_deinterlace();
    test_procamp();
    test_levels();
    test_turns();
    test_refusals();
    return check_finish("test_vpp_params");
}
