/* Hostile and edge cases of protocol 1.4-1.7's video processing (PROCESS)
 * against a live vivacd (sw engine): every bad field of vw_process
 * (regions outside or across their surfaces, sizes that overflow, unknown
 * enums and filter bits, reserved fields, ProcAmp, denoise and sharpening
 * values outside VA's ranges or without their filter bits), a 1.4 client's 96-byte job, wrong or
 * destroyed surfaces, motion adaptive's references (1.7: counts, stray
 * ids, unknown, the output, another size or format, with bob) and a 1.5
 * client's 128-byte job,
 * PROCESS on the wrong codec or at the wrong time, RGB surfaces (1.6:
 * outputs only, never a decode target, a source, or filtered), a 1.3 client, clients
 * that leave mid-job. Each case gets its status, the frame's END_FRAME
 * fails with it, and the daemon keeps serving and processing. Prints
 * "ok - ..." / "not ok - ..." lines; exit status 1 on any failure.
 * Usage: hostile_process SOCKET */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire_client.h"

#define PROC 1u       /* the VIDEOPROC codec */
#define DEC 2u        /* an H.264 decode codec */
#define SRC 1u        /* 64x64 NV12 */
#define OUT 2u        /* 32x32 NV12 */
#define SRC422 3u     /* 64x64 422H */
#define REF 4u        /* 64x64 NV12: a reference (1.7) */
#define REF_SHORT 5u  /* 64x32 NV12 */

static int create_proc(struct client *c, uint32_t id, uint32_t profile)
{
    struct vw_create_codec cc = {.codec_id = id, .profile = profile,
                                 .entrypoint = VW_ENTRYPOINT_VIDEOPROC,
                                 .rt_format = VW_RT_YUV420, .width = 32, .height = 32};
    return REQ1(c, VW_OP_CREATE_CODEC, cc);
}

static bool setup(struct client *c)
{
    struct vw_create_codec dec = {.codec_id = DEC, .profile = VW_PROFILE_H264_HIGH,
                                  .entrypoint = VW_ENTRYPOINT_DECODE,
                                  .rt_format = VW_RT_YUV420, .width = 64, .height = 64};
    struct vw_create_surface s422 = {.surface_id = SRC422, .width = 64, .height = 64,
                                     .rt_format = VW_RT_YUV422,
                                     .pixel_format = VW_FOURCC_422H};
    return session(c, 0) && create_proc(c, PROC, VW_PROFILE_NONE) == VW_OK &&
           REQ1(c, VW_OP_CREATE_CODEC, dec) == VW_OK && create_surface(c, SRC, 64, 64) == VW_OK &&
           create_surface(c, OUT, 32, 32) == VW_OK && REQ1(c, VW_OP_CREATE_SURFACE, s422) == VW_OK &&
           create_surface(c, REF, 64, 64) == VW_OK && create_surface(c, REF_SHORT, 64, 32) == VW_OK;
}

static struct vw_process good(void)
{
    return (struct vw_process){.codec_id = PROC, .source_id = SRC,
                               .source = {0, 0, 64, 64}, .output = {0, 0, 32, 32},
                               .scaling = VW_SCALING_HQ};
}

/* BEGIN_FRAME, PROCESS p, END_FRAME: PROCESS's status and END_FRAME's. */
static void job(struct client *c, const struct vw_process *p, int *process, int *end)
{
    begin_frame(c, PROC, OUT);
    *process = request(c, VW_OP_PROCESS, p, sizeof(*p), NULL, 0, NULL, 0);
    *end = end_frame(c, PROC);
}

struct bad_case {
    const char *name;
    void (*edit)(struct vw_process *p);
    int status;
};

static void src_outside(struct vw_process *p) { p->source.x = 40; p->source.width = 32; }
static void out_outside(struct vw_process *p) { p->output.y = 2; }
static void src_overflow(struct vw_process *p) { p->source.x = 0xfffffffeu; p->source.width = 4; }
static void out_huge(struct vw_process *p) { p->output.width = 0xfffffffeu; p->output.height = 8192; }
static void src_empty(struct vw_process *p) { p->source.height = 0; }
static void out_odd(struct vw_process *p) { p->output.x = 1; p->output.width = 30; }
static void filter_unknown(struct vw_process *p) { p->filters = 0x80000000u; }
static void filter_any(struct vw_process *p) { p->filters = VW_FILTER_SHARPEN << 1; }
static void procamp(struct vw_process *p)
{
    p->filters = VW_FILTER_PROCAMP;
    p->contrast = p->saturation = VW_PROCAMP_ONE;
}
static void bright_high(struct vw_process *p) { procamp(p); p->brightness = VW_PROCAMP_BRIGHTNESS_MAX + 1; }
static void bright_min(struct vw_process *p) { procamp(p); p->brightness = INT32_MIN; }
static void contrast_neg(struct vw_process *p) { procamp(p); p->contrast = -1; }
static void hue_high(struct vw_process *p) { procamp(p); p->hue = VW_PROCAMP_HUE_MAX + 1; }
static void hue_low(struct vw_process *p) { procamp(p); p->hue = VW_PROCAMP_HUE_MIN - 1; }
static void sat_high(struct vw_process *p) { procamp(p); p->saturation = VW_PROCAMP_SATURATION_MAX + 1; }
static void procamp_alone(struct vw_process *p) { p->contrast = VW_PROCAMP_ONE; }
static void reserved2(struct vw_process *p) { p->reserved2[1] = 1; }
static void denoise_high(struct vw_process *p) { p->filters = VW_FILTER_DENOISE; p->denoise = VW_DENOISE_MAX + 1; }
static void sharpen_huge(struct vw_process *p) { p->filters = VW_FILTER_SHARPEN; p->sharpen = UINT32_MAX; }
static void denoise_alone(struct vw_process *p) { p->denoise = 1000; }
static void sharpen_under_dn(struct vw_process *p) { p->filters = VW_FILTER_DENOISE; p->sharpen = 1000; }
static void deint_unknown(struct vw_process *p) { p->filters = 1; p->deinterlace = 9; }
static void deint_field(struct vw_process *p) { p->filters = 1; p->deinterlace = 1; p->field = 7; }
static void deint_lines(struct vw_process *p) { p->filters = 1; p->deinterlace = 1; p->source.y = 2; p->source.height = 60; }
static void deint_alone(struct vw_process *p) { p->field = 1; }
static void scaling_unknown(struct vw_process *p) { p->scaling = 7; }
static void standard_unknown(struct vw_process *p) { p->output_standard = 9; }
static void range_unknown(struct vw_process *p) { p->source_range = 3; }
static void rotated(struct vw_process *p) { p->rotation = 4; }
static void mirrored(struct vw_process *p) { p->mirror = 4; }
static void thin(struct vw_process *p)
{
    p->source = (struct vw_rect){0, 0, 64, 2};
    p->output = (struct vw_rect){0, 0, 2, 32};
}
static void flagged(struct vw_process *p) { p->flags = 1; }
static void reserved(struct vw_process *p) { p->reserved[2] = 1; }
static void no_source(struct vw_process *p) { p->source_id = 999; }
static void invalid_source(struct vw_process *p) { p->source_id = VW_INVALID_ID; }
static void self(struct vw_process *p) { p->source_id = OUT; p->source = p->output; }
static void ratio(struct vw_process *p) { p->output = (struct vw_rect){0, 0, 2, 2}; }
/* 4:2:2 is scaled and converted, not deinterlaced (bob: the other
 * fields' checks pass). */
static void format_422(struct vw_process *p)
{
    p->source_id = SRC422;
    p->filters = VW_FILTER_DEINTERLACE;
    p->deinterlace = VW_DEINTERLACE_BOB;
}
static void wrong_codec(struct vw_process *p) { p->codec_id = 77; }
/* Motion adaptive (1.7) with one reference each way, then one field bad. */
static void adaptive(struct vw_process *p)
{
    p->filters = VW_FILTER_DEINTERLACE;
    p->deinterlace = VW_DEINTERLACE_MOTION_ADAPTIVE;
    p->num_past = p->num_future = 1;
    p->past_ids[0] = p->future_ids[0] = REF;
}
static void refs_many(struct vw_process *p) { adaptive(p); p->num_past = VW_PROCESS_MAX_REFS + 1; }
static void refs_huge(struct vw_process *p) { adaptive(p); p->num_future = UINT32_MAX; }
static void refs_stray(struct vw_process *p) { adaptive(p); p->past_ids[VW_PROCESS_MAX_REFS - 1] = REF; }
static void ref_unknown(struct vw_process *p) { adaptive(p); p->future_ids[0] = 999; }
static void ref_invalid(struct vw_process *p) { adaptive(p); p->past_ids[0] = VW_INVALID_ID; }
static void ref_output(struct vw_process *p) { adaptive(p); p->past_ids[0] = OUT; }
static void ref_short(struct vw_process *p) { adaptive(p); p->future_ids[0] = REF_SHORT; }
static void ref_422(struct vw_process *p) { adaptive(p); p->past_ids[0] = SRC422; }
static void refs_bob(struct vw_process *p) { adaptive(p); p->deinterlace = VW_DEINTERLACE_BOB; }
static void refs_alone(struct vw_process *p) { adaptive(p); p->filters = 0; p->deinterlace = 0; }
static void order_bad(struct vw_process *p) { adaptive(p); p->field_order = 2; }
static void order_alone(struct vw_process *p) { p->field_order = VW_FIELD_ORDER_BOTTOM_FIRST; }
static void reserved3(struct vw_process *p) { adaptive(p); p->reserved3 = 1; }
static void adaptive_thin(struct vw_process *p)
{
    adaptive(p);
    p->source = (struct vw_rect){0, 0, 64, 6};
    p->output = (struct vw_rect){0, 0, 32, 6};
}

static const struct bad_case bad_cases[] = {
    {"source region outside its surface", src_outside, VW_ERR_MALFORMED},
    {"output region outside its surface", out_outside, VW_ERR_MALFORMED},
    {"source x + width overflows 32 bits", src_overflow, VW_ERR_MALFORMED},
    {"output region of 4G x 8192", out_huge, VW_ERR_MALFORMED},
    {"empty source region", src_empty, VW_ERR_MALFORMED},
    {"output region at an odd x", out_odd, VW_ERR_MALFORMED},
    {"unknown filter bit", filter_unknown, VW_ERR_UNSUPPORTED_STREAM},
    {"filter bit 0x10 (none defined)", filter_any, VW_ERR_UNSUPPORTED_STREAM},
    {"denoise 64.001", denoise_high, VW_ERR_MALFORMED},
    {"sharpen 0xffffffff", sharpen_huge, VW_ERR_MALFORMED},
    {"a denoise level without the DENOISE filter", denoise_alone, VW_ERR_MALFORMED},
    {"a sharpen level under the DENOISE bit", sharpen_under_dn, VW_ERR_MALFORMED},
    {"ProcAmp brightness 100.001", bright_high, VW_ERR_MALFORMED},
    {"ProcAmp brightness INT32_MIN", bright_min, VW_ERR_MALFORMED},
    {"ProcAmp contrast -0.001", contrast_neg, VW_ERR_MALFORMED},
    {"ProcAmp hue 180.001", hue_high, VW_ERR_MALFORMED},
    {"ProcAmp hue -180.001", hue_low, VW_ERR_MALFORMED},
    {"ProcAmp saturation 10.001", sat_high, VW_ERR_MALFORMED},
    {"a contrast without the PROCAMP filter", procamp_alone, VW_ERR_MALFORMED},
    {"reserved2[1]", reserved2, VW_ERR_MALFORMED},
    {"deinterlace algorithm 9", deint_unknown, VW_ERR_UNSUPPORTED_STREAM},
    {"deinterlace field 7", deint_field, VW_ERR_MALFORMED},
    {"deinterlaced region at y 2", deint_lines, VW_ERR_MALFORMED},
    {"a field without the DEINTERLACE filter", deint_alone, VW_ERR_MALFORMED},
    {"unknown scaling mode", scaling_unknown, VW_ERR_MALFORMED},
    {"unknown colour standard", standard_unknown, VW_ERR_MALFORMED},
    {"unknown colour range", range_unknown, VW_ERR_MALFORMED},
    {"rotation 4", rotated, VW_ERR_MALFORMED},
    {"mirror bit 0x4", mirrored, VW_ERR_MALFORMED},
    {"64x2 into 2x32 unturned (32x)", thin, VW_ERR_RESOLUTION},
    {"flags", flagged, VW_ERR_MALFORMED},
    {"reserved[2]", reserved, VW_ERR_MALFORMED},
    {"unknown source surface", no_source, VW_ERR_INVALID_ID},
    {"source VW_INVALID_ID", invalid_source, VW_ERR_INVALID_ID},
    {"source is the output", self, VW_ERR_STATE},
    {"64x64 -> 2x2 (over 16x)", ratio, VW_ERR_RESOLUTION},
    {"a 4:2:2 source deinterlaced", format_422, VW_ERR_UNSUPPORTED_FORMAT},
    {"5 past references", refs_many, VW_ERR_MALFORMED},
    {"0xffffffff future references", refs_huge, VW_ERR_MALFORMED},
    {"a past reference id past num_past", refs_stray, VW_ERR_MALFORMED},
    {"unknown future reference", ref_unknown, VW_ERR_INVALID_ID},
    {"past reference VW_INVALID_ID", ref_invalid, VW_ERR_INVALID_ID},
    {"the output as a past reference", ref_output, VW_ERR_STATE},
    {"a 64x32 future reference of a 64x64 source", ref_short, VW_ERR_RESOLUTION},
    {"a 4:2:2 past reference", ref_422, VW_ERR_UNSUPPORTED_FORMAT},
    {"references with bob", refs_bob, VW_ERR_MALFORMED},
    {"references without deinterlacing", refs_alone, VW_ERR_MALFORMED},
    {"field_order 2", order_bad, VW_ERR_MALFORMED},
    {"a field_order without the DEINTERLACE filter", order_alone, VW_ERR_MALFORMED},
    {"reserved3", reserved3, VW_ERR_MALFORMED},
    {"a motion-adaptive source of 64x6", adaptive_thin, VW_ERR_RESOLUTION},
};

static void case_caps(void)
{
    result(daemon_lists_cap(VW_PROFILE_NONE, VW_ENTRYPOINT_VIDEOPROC,
                            VW_RT_YUV420 | VW_RT_YUV420_10 | VW_RT_RGB32),
           "QUERY_CAPS lists VIDEOPROC (profile NONE, NV12, P010 and RGB32 outputs)");
}

#define RGB_OUT 20u   /* 32x32 BGRA */
#define RGB_SRC 21u   /* 64x64 RGBA */

/* RGB32 surfaces: made in the four byte orders (not in a YUV FOURCC),
 * written by processing, refused as a decode target, a processing source,
 * or an output of filters or a turn. */
static void case_rgb(struct client *c)
{
    struct vw_create_surface cs = {.surface_id = RGB_OUT, .width = 32, .height = 32,
                                   .rt_format = VW_RT_RGB32, .pixel_format = VW_FOURCC_BGRA};
    int out = REQ1(c, VW_OP_CREATE_SURFACE, cs);
    cs = (struct vw_create_surface){.surface_id = RGB_SRC, .width = 64, .height = 64,
                                    .rt_format = VW_RT_RGB32, .pixel_format = VW_FOURCC_RGBA};
    int src = REQ1(c, VW_OP_CREATE_SURFACE, cs);
    cs.surface_id = 22;
    cs.pixel_format = VW_FOURCC_NV12;
    int nv12 = REQ1(c, VW_OP_CREATE_SURFACE, cs);
    result(out == VW_OK && src == VW_OK && nv12 == VW_ERR_UNSUPPORTED_FORMAT,
           "RGB32 surfaces: BGRA, RGBA made; RGB32 as NV12 -> UNSUPPORTED_FORMAT (%d)", nv12);

    struct vw_process p = good();
    int ps, es;
    begin_frame(c, PROC, RGB_OUT);
    ps = REQ1(c, VW_OP_PROCESS, p);
    es = end_frame(c, PROC);
    struct vw_surface_ref ref = {.surface_id = RGB_OUT};
    int sync = REQ1(c, VW_OP_SYNC_SURFACE, ref);
    result(ps == VW_OK && es == VW_OK && sync == VW_OK,
           "NV12 -> BGRA job: PROCESS %d, END_FRAME %d, SYNC %d", ps, es, sync);

    int bf = begin_frame(c, DEC, RGB_OUT);
    bool said = strstr(c->message, "rt_format 0x40") != NULL;
    result(bf == VW_ERR_UNSUPPORTED_FORMAT && said,
           "decode into an RGB surface -> UNSUPPORTED_FORMAT (%d: %s)", bf, c->message);
    end_frame(c, DEC);

    struct vw_process bad[3] = {good(), good(), good()};
    bad[0].source_id = RGB_SRC;
    bad[1].filters = VW_FILTER_PROCAMP;
    bad[1].contrast = VW_PROCAMP_ONE;
    bad[1].saturation = VW_PROCAMP_ONE;
    bad[2].rotation = 2;
    const char *what[3] = {"an RGB source", "ProcAmp into RGB", "rotation into RGB"};
    for (int i = 0; i < 3; i++) {
        begin_frame(c, PROC, RGB_OUT);
        ps = REQ1(c, VW_OP_PROCESS, bad[i]);
        es = end_frame(c, PROC);
        result(ps == VW_ERR_UNSUPPORTED_FORMAT && es == ps &&
                   (strstr(c->message, "RGB") || strstr(c->message, "0x40")),
               "%s -> UNSUPPORTED_FORMAT (PROCESS %d, END_FRAME %d: %s)", what[i], ps, es,
               c->message);
    }
    destroy_surface(c, RGB_OUT);
    destroy_surface(c, RGB_SRC);
}

static void case_old_client(void)
{
    struct client c;
    if (!client_open(&c)) {
        result(false, "1.3 client: connect");
        return;
    }
    struct vw_hello h = {.magic = VW_MAGIC, .version_major = 1, .version_minor = 3};
    int st = REQ1(&c, VW_OP_HELLO, h);
    int cc = create_proc(&c, PROC, VW_PROFILE_NONE);
    result(st == VW_OK && cc == VW_ERR_UNSUPPORTED_ENTRYPOINT && strstr(c.message, "1.4"),
           "1.3 client: VIDEOPROC codec -> UNSUPPORTED_ENTRYPOINT (%d: %s)", cc, c.message);
    client_close(&c);
}

static void case_create(void)
{
    struct client c;
    if (!session(&c, 0)) {
        result(false, "create: session");
        return;
    }
    int h264 = create_proc(&c, 5, VW_PROFILE_H264_HIGH);
    result(h264 == VW_ERR_UNSUPPORTED_ENTRYPOINT, "VIDEOPROC with profile H.264 High -> "
           "UNSUPPORTED_ENTRYPOINT (%d)", h264);
    struct vw_create_codec big = {.codec_id = 6, .profile = VW_PROFILE_NONE,
                                  .entrypoint = VW_ENTRYPOINT_VIDEOPROC,
                                  .rt_format = VW_RT_YUV420, .width = 100000, .height = 32};
    int st = REQ1(&c, VW_OP_CREATE_CODEC, big);
    result(st == VW_ERR_RESOLUTION, "VIDEOPROC codec 100000x32 -> RESOLUTION (%d)", st);
    big.width = 32;
    /* sw processes 4:4:4 (and every YUV format); a format no capability
     * lists is refused. */
    big.rt_format = VW_RT_YUV444;
    st = REQ1(&c, VW_OP_CREATE_CODEC, big);
    result(st == VW_OK, "VIDEOPROC codec for 4:4:4 -> OK (%d)", st);
    big.codec_id = 7;
    big.rt_format = 1u << 30;
    st = REQ1(&c, VW_OP_CREATE_CODEC, big);
    result(st == VW_ERR_UNSUPPORTED_FORMAT, "VIDEOPROC codec for rt_format 0x40000000 -> "
           "UNSUPPORTED_FORMAT (%d)", st);
    client_close(&c);
}

/* Job p served: PROCESS, END_FRAME and SYNC_SURFACE all OK. */
static void served(struct client *c, const struct vw_process *p, const char *what)
{
    int ps, es;
    job(c, p, &ps, &es);
    struct vw_surface_ref ref = {.surface_id = OUT};
    int sync = REQ1(c, VW_OP_SYNC_SURFACE, ref);
    result(ps == VW_OK && es == VW_OK && sync == VW_OK, "%s: PROCESS %d, END_FRAME %d, SYNC %d",
           what, ps, es, sync);
}

static void case_good(struct client *c)
{
    struct vw_process p = good();
    served(c, &p, "a good job");
}

/* A ProcAmp job at its ranges' ends, and a 1.4 client's job (the struct's
 * first 96 bytes, no ProcAmp) are served. */
static void case_procamp_and_v14(struct client *c)
{
    struct vw_process p = good();
    procamp(&p);
    p.brightness = VW_PROCAMP_BRIGHTNESS_MIN;
    p.contrast = VW_PROCAMP_CONTRAST_MAX;
    p.hue = VW_PROCAMP_HUE_MAX;
    p.saturation = 0;
    served(c, &p, "a ProcAmp job at its ranges' ends");
    p.filters |= VW_FILTER_DENOISE | VW_FILTER_SHARPEN;
    p.denoise = VW_DENOISE_MAX;
    p.sharpen = VW_SHARPEN_MAX;
    served(c, &p, "ProcAmp, denoise 64 and sharpening 64 in one job");
    p.rotation = 3;
    p.mirror = VW_MIRROR_HORIZONTAL | VW_MIRROR_VERTICAL;
    served(c, &p, "the same turned by 270 degrees and mirrored both ways");
    p = good();
    thin(&p);
    p.rotation = 1;
    served(c, &p, "64x2 into 2x32 turned by 90 degrees");
    p = good();
    begin_frame(c, PROC, OUT);
    int ps = request(c, VW_OP_PROCESS, &p, VW_PROCESS_SIZE_V14, NULL, 0, NULL, 0);
    int es = end_frame(c, PROC);
    result(ps == VW_OK && es == VW_OK, "a 1.4 job of %u bytes: PROCESS %d, END_FRAME %d",
           VW_PROCESS_SIZE_V14, ps, es);
    begin_frame(c, PROC, OUT);
    ps = request(c, VW_OP_PROCESS, &p, VW_PROCESS_SIZE_V14 + 4, NULL, 0, NULL, 0);
    es = end_frame(c, PROC);
    result(ps == VW_ERR_MALFORMED && es == VW_ERR_STATE,
           "PROCESS of %u bytes (neither 1.4's nor 1.5's) -> MALFORMED (%d); END_FRAME "
           "without a job -> STATE (%d)",
           VW_PROCESS_SIZE_V14 + 4, ps, es);
}

/* Motion adaptive (1.7): with references each way, both fields, either
 * order; with none (the source stands in); the source as its own
 * reference; and a 1.5/1.6 client's 128-byte job are served. A reference
 * destroyed between PROCESS and END_FRAME fails the frame. */
static void case_adaptive(struct client *c)
{
    struct vw_process p = good();
    adaptive(&p);
    served(c, &p, "motion adaptive, top field, references each way");
    p.field = 1;
    p.field_order = VW_FIELD_ORDER_BOTTOM_FIRST;
    p.num_past = VW_PROCESS_MAX_REFS;
    for (unsigned i = 0; i < VW_PROCESS_MAX_REFS; i++)
        p.past_ids[i] = REF;
    served(c, &p, "motion adaptive, bottom field first, 4 past references");
    p = good();
    adaptive(&p);
    p.past_ids[0] = SRC;
    p.num_future = 0;
    p.future_ids[0] = 0;
    p.source = (struct vw_rect){0, 2, 64, 30}; /* any even region */
    served(c, &p, "motion adaptive, the source as past reference, no future one, y 2");
    p.source = (struct vw_rect){58, 56, 6, 8}; /* the smallest, at the corner */
    p.output = (struct vw_rect){0, 0, 6, 8};
    served(c, &p, "motion adaptive on the last 6x8");
    p = good();
    p.filters = VW_FILTER_DEINTERLACE;
    p.deinterlace = VW_DEINTERLACE_BOB;
    begin_frame(c, PROC, OUT);
    int ps = request(c, VW_OP_PROCESS, &p, VW_PROCESS_SIZE_V15, NULL, 0, NULL, 0);
    int es = end_frame(c, PROC);
    result(ps == VW_OK && es == VW_OK, "a 1.5 job of %u bytes: PROCESS %d, END_FRAME %d",
           VW_PROCESS_SIZE_V15, ps, es);

    create_surface(c, 9, 64, 64);
    p = good();
    adaptive(&p);
    p.future_ids[0] = 9;
    begin_frame(c, PROC, OUT);
    ps = REQ1(c, VW_OP_PROCESS, p);
    int ds = destroy_surface(c, 9);
    es = end_frame(c, PROC);
    result(ps == VW_OK && ds == VW_OK && es == VW_ERR_INVALID_ID && strstr(c->message, "future"),
           "future reference destroyed before END_FRAME -> INVALID_ID (%d: %s)", es,
           c->message);
}

static void case_bad_fields(struct client *c)
{
    for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
        struct vw_process p = good();
        bad_cases[i].edit(&p);
        int ps, es;
        job(c, &p, &ps, &es);
        struct vw_surface_ref ref = {.surface_id = OUT};
        int sync = REQ1(c, VW_OP_SYNC_SURFACE, ref);
        result(ps == bad_cases[i].status && es == bad_cases[i].status && sync == es,
               "%s -> %s (PROCESS %d, END_FRAME %d, SYNC %d: %s)", bad_cases[i].name,
               vw_status_name(bad_cases[i].status), ps, es, sync, c->message);
    }
    /* PROCESS naming another codec than the frame's. */
    struct vw_process p = good();
    wrong_codec(&p);
    begin_frame(c, PROC, OUT);
    int st = REQ1(c, VW_OP_PROCESS, p);
    int es = end_frame(c, PROC);
    result(st == VW_ERR_INVALID_ID && es == VW_ERR_STATE,
           "PROCESS for unknown codec 77 -> INVALID_ID (%d); the frame has no job: END_FRAME "
           "-> STATE (%d)", st, es);
}

static void case_wrong_place(struct client *c)
{
    struct vw_process p = good();
    int st = REQ1(c, VW_OP_PROCESS, p);
    result(st == VW_ERR_STATE, "PROCESS without BEGIN_FRAME -> STATE (%d)", st);

    begin_frame(c, PROC, OUT);
    int first = REQ1(c, VW_OP_PROCESS, p);
    int second = REQ1(c, VW_OP_PROCESS, p);
    int es = end_frame(c, PROC);
    result(first == VW_OK && second == VW_ERR_STATE && es == VW_ERR_STATE,
           "a second PROCESS in one frame -> STATE (%d), END_FRAME -> STATE (%d)", second, es);

    begin_frame(c, PROC, OUT);
    es = end_frame(c, PROC);
    result(es == VW_ERR_STATE, "END_FRAME without PROCESS -> STATE (%d)", es);

    struct vw_process on_dec = good();
    on_dec.codec_id = DEC;
    begin_frame(c, DEC, OUT);
    st = REQ1(c, VW_OP_PROCESS, on_dec);
    end_frame(c, DEC);
    result(st == VW_ERR_STATE, "PROCESS on a decode codec -> STATE (%d)", st);

    begin_frame(c, PROC, OUT);
    struct vw_decode_bitstream db = {.codec_id = PROC, .codec = VW_CODEC_H264};
    st = REQ1(c, VW_OP_DECODE_BITSTREAM, db);
    end_frame(c, PROC);
    result(st == VW_ERR_STATE, "DECODE_BITSTREAM on a VIDEOPROC codec -> STATE (%d)", st);

    begin_frame(c, PROC, OUT);
    st = request(c, VW_OP_PROCESS, &p, sizeof(p) - 4, NULL, 0, NULL, 0);
    int longer = request(c, VW_OP_PROCESS, &p, sizeof(p), &p, 4, NULL, 0);
    end_frame(c, PROC);
    result(st == VW_ERR_MALFORMED && longer == VW_ERR_MALFORMED,
           "PROCESS of %zu and %zu bytes -> MALFORMED (%d, %d)", sizeof(p) - 4, sizeof(p) + 4,
           st, longer);

    /* The source destroyed between PROCESS and END_FRAME. */
    create_surface(c, 9, 64, 64);
    p.source_id = 9;
    begin_frame(c, PROC, OUT);
    int ps = REQ1(c, VW_OP_PROCESS, p);
    int ds = destroy_surface(c, 9);
    es = end_frame(c, PROC);
    result(ps == VW_OK && ds == VW_OK && es == VW_ERR_INVALID_ID,
           "source destroyed before END_FRAME -> INVALID_ID (%d: %s)", es, c->message);
}

static void case_leave(void)
{
    struct client c;
    if (!setup(&c)) {
        result(false, "leave: setup");
        return;
    }
    struct vw_process p = good();
    begin_frame(&c, PROC, OUT);
    REQ1(&c, VW_OP_PROCESS, p);
    client_close(&c); /* mid-job: the daemon frees the frame, codec and surfaces */
    result(daemon_serves(), "a client leaving between PROCESS and END_FRAME");
}

int main(int argc, char **argv)
{
    int rc = hostile_start(argc == 2, argv, "hostile_process SOCKET");
    if (rc)
        return rc;
    case_caps();
    case_old_client();
    case_create();
    struct client c;
    if (!setup(&c)) {
        result(false, "setup: session, codecs, surfaces");
        return 1;
    }
    case_good(&c);
    case_procamp_and_v14(&c);
    case_adaptive(&c);
    case_bad_fields(&c);
    case_wrong_place(&c);
    case_rgb(&c);
    case_good(&c); /* the codec still processes after every refusal */
    client_close(&c);
    case_leave();
    return hostile_finish();
}
