/*
 * nvdec smoke test for the GPU machine: creates the nvdec engine through the
 * registry, prints its capabilities, and times create, query_caps,
 * surface_init, PUT_IMAGE (surface_write), GET_IMAGE (surface_read, checked
 * against what was written, and black for a never-written surface),
 * codec_create/destroy and destroy. Decodes nothing (that needs VA-level
 * parameters: use vivacd with a guest for that).
 *
 *   nvdec_smoke [WIDTHxHEIGHT] [ITERATIONS]     (default 1920x1080, 20)
 *
 * Exit: 0 all good, 1 a failure, 77 libcuda.so.1 not loadable (skipped).
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "host/engine.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static const char *profile_name(uint32_t p)
{
    switch (p) {
    case VW_PROFILE_H264_CONSTRAINED_BASELINE: return "H264ConstrainedBaseline";
    case VW_PROFILE_H264_MAIN: return "H264Main";
    case VW_PROFILE_H264_HIGH: return "H264High";
    default: return "?";
    }
}

static int fail(const char *what, const struct vh_error *err)
{
    fprintf(stderr, "FAIL %s: %s\n", what, err ? err->message : "");
    return 1;
}

int main(int argc, char **argv)
{
    uint32_t w = 1920, h = 1080;
    int iters = 20;
    if (argc > 1 && sscanf(argv[1], "%ux%u", &w, &h) != 2) {
        fprintf(stderr, "usage: %s [WIDTHxHEIGHT] [ITERATIONS]\n", argv[0]);
        return 2;
    }
    if (argc > 2)
        iters = atoi(argv[2]);
    if (iters < 1 || w < 2 || h < 2 || (w | h) & 1) {
        fprintf(stderr, "even sizes and at least one iteration\n");
        return 2;
    }
    void *cuda = dlopen("libcuda.so.1", RTLD_LAZY);
    if (!cuda) {
        printf("SKIP: libcuda.so.1 not loadable (%s)\n", dlerror());
        return 77;
    }
    dlclose(cuda);

    const struct vh_engine_ops *ops = vh_engine_find("nvdec");
    if (!ops)
        return fail("vh_engine_find(\"nvdec\")", NULL);
    struct vh_error err = {0};
    struct vh_engine *engine = NULL;
    double t0 = now_ms();
    if (ops->create(&engine, &err))
        return fail("create", &err);
    printf("create: %.1f ms\n", now_ms() - t0);

    struct vw_cap caps[16];
    uint32_t n = 0;
    t0 = now_ms();
    if (ops->query_caps(engine, caps, 16, &n))
        return fail("query_caps", NULL);
    printf("query_caps: %.3f ms, %u caps\n", now_ms() - t0, n);
    for (uint32_t i = 0; i < n; i++)
        printf("  %-24s entrypoint %u rt 0x%x fourcc %.4s %ux%u..%ux%u engine %s\n",
               profile_name(caps[i].profile), caps[i].entrypoint, caps[i].rt_formats,
               (const char *)&caps[i].pixel_format, caps[i].min_width, caps[i].min_height,
               caps[i].max_width, caps[i].max_height, caps[i].engine_name);

    int failures = 0;
    struct vh_surface s = {.id = 1, .width = w, .height = h, .rt_format = VW_RT_YUV420,
                           .pixel_format = VW_FOURCC_NV12};
    struct vh_surface s2 = s;
    s2.id = 2;
    t0 = now_ms();
    if (ops->surface_init(engine, &s, &err) || ops->surface_init(engine, &s2, &err))
        return fail("surface_init", &err);
    printf("surface_init x2: %.3f ms\n", now_ms() - t0);

    struct vw_image_layout layout = {.pixel_format = VW_FOURCC_NV12, .num_planes = 2};
    layout.pitches[0] = layout.pitches[1] = w;
    layout.offsets[0] = 0;
    layout.offsets[1] = w * h;
    size_t size = (size_t)w * h * 3 / 2;
    uint8_t *in = malloc(size), *out = malloc(size);
    if (!in || !out)
        return fail("malloc", NULL);
    for (size_t i = 0; i < size; i++)
        in[i] = (uint8_t)(i * 7 + i / w);
    struct vh_rect all = {0, 0, w, h};

    /* Never written: black. */
    memset(out, 0x55, size);
    if (ops->surface_read(engine, &s2, &all, &layout, out, &err))
        return fail("surface_read (unwritten)", &err);
    for (size_t i = 0; i < size; i++)
        if (out[i] != (i < (size_t)w * h ? 0x10 : 0x80)) {
            fprintf(stderr, "FAIL unwritten surface not black at byte %zu\n", i);
            failures++;
            break;
        }

    double tw = 0, tr = 0;
    for (int it = 0; it < iters; it++) {
        in[it] ^= 0xff;
        t0 = now_ms();
        if (ops->surface_write(engine, &s, &all, 0, 0, &layout, in, &err))
            return fail("surface_write", &err);
        tw += now_ms() - t0;
        t0 = now_ms();
        if (ops->surface_read(engine, &s, &all, &layout, out, &err))
            return fail("surface_read", &err);
        tr += now_ms() - t0;
        if (memcmp(in, out, size)) {
            fprintf(stderr, "FAIL round trip %d differs\n", it);
            failures++;
            break;
        }
    }
    printf("surface_write %ux%u: %.3f ms avg (%.0f MB/s)\n", w, h, tw / iters,
           size / 1e3 / (tw / iters));
    printf("surface_read  %ux%u: %.3f ms avg (%.0f MB/s)\n", w, h, tr / iters,
           size / 1e3 / (tr / iters));

    /* GET_IMAGE's real destination is the session's arena, which the
     * session registers with the engine (pinned: the copy is a DMA). */
    if (ops->host_memory_register) {
        size_t mapped = (size + 4095) & ~(size_t)4095;
        uint8_t *pinned = mmap(NULL, mapped, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                               -1, 0);
        void *handle = NULL;
        if (pinned != MAP_FAILED &&
            ops->host_memory_register(engine, pinned, mapped, -1, &handle) == VW_OK) {
            double best = 1e9, sum = 0;
            for (int it = 0; it < iters; it++) {
                t0 = now_ms();
                if (ops->surface_read(engine, &s, &all, &layout, pinned, &err))
                    return fail("surface_read (registered)", &err);
                double t = now_ms() - t0;
                sum += t;
                best = t < best ? t : best;
            }
            if (memcmp(out, pinned, size)) {
                fprintf(stderr, "FAIL read into registered memory differs\n");
                failures++;
            }
            printf("surface_read  %ux%u into registered memory: %.3f ms avg (%.0f MB/s), "
                   "best %.3f ms (%.0f MB/s)\n", w, h, sum / iters, size / 1e3 / (sum / iters),
                   best, size / 1e3 / best);
            ops->host_memory_unregister(engine, handle);
        } else {
            printf("surface_read into registered memory: registration failed\n");
        }
        if (pinned != MAP_FAILED)
            munmap(pinned, mapped);
    }

    /* A sub-rectangle lands where it should. */
    struct vh_rect sub = {2, 2, w / 2, h / 2};
    if (ops->surface_write(engine, &s2, &sub, 4, 6, &layout, in, &err))
        return fail("surface_write (sub)", &err);
    struct vh_rect back = {4, 6, w / 2, h / 2};
    if (ops->surface_read(engine, &s2, &back, &layout, out, &err))
        return fail("surface_read (sub)", &err);
    for (uint32_t y = 0; y < h / 2 && !failures; y++)
        if (memcmp(out + (size_t)y * w, in + (size_t)(y + 2) * w + 2, w / 2)) {
            fprintf(stderr, "FAIL sub-rectangle luma row %u\n", y);
            failures++;
        }
    for (uint32_t y = 0; y < h / 4 && !failures; y++)
        if (memcmp(out + (size_t)w * h + (size_t)y * w,
                   in + (size_t)w * h + (size_t)(y + 1) * w + 2, w / 2)) {
            fprintf(stderr, "FAIL sub-rectangle chroma row %u\n", y);
            failures++;
        }

    struct vh_codec_desc desc = {VW_PROFILE_H264_HIGH, VW_ENTRYPOINT_DECODE, VW_RT_YUV420, w, h};
    struct vh_codec *codec = NULL;
    t0 = now_ms();
    if (ops->codec_create(engine, &desc, &codec, &err))
        return fail("codec_create", &err);
    double tc = now_ms() - t0;
    t0 = now_ms();
    ops->codec_destroy(&codec);
    printf("codec_create: %.3f ms, codec_destroy: %.3f ms\n", tc, now_ms() - t0);

    t0 = now_ms();
    ops->surface_fini(engine, &s);
    ops->surface_fini(engine, &s2);
    ops->destroy(&engine);
    printf("surface_fini x2 + destroy: %.3f ms\n", now_ms() - t0);
    free(in);
    free(out);
    printf("%s\n", failures ? "FAILED" : "OK");
    return failures ? 1 : 0;
}
