/*
 * VA-API conformance of the vivac driver against a live vivacd (sw engine):
 * status codes for unsupported profiles/entrypoints/formats/sizes, PutImage /
 * GetImage round trips with sub-rectangles, DeriveImage read and write-back,
 * a decode error reaching vaSyncSurface, bad slice offsets refused, and
 * vaTerminate with live objects (leaks show under ASan).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <va/va.h>
#include <va/va_x11.h>
#include <X11/Xlib.h>

static int fails;
#define CHECK(expr, want) do { VAStatus s_ = (expr); if (s_ != (want)) { printf("FAIL %s:%d %s = %d (%s), want %d\n", __FILE__, __LINE__, #expr, s_, vaErrorStr(s_), (int)(want)); fails++; } } while (0)
#define EXPECT(c) do { if (!(c)) { printf("FAIL %s:%d %s\n", __FILE__, __LINE__, #c); fails++; } } while (0)

int main(void)
{
    Display *x = XOpenDisplay(NULL);
    VADisplay dpy = vaGetDisplay(x);
    int maj, min;
    CHECK(vaInitialize(dpy, &maj, &min), VA_STATUS_SUCCESS);
    printf("vendor: %s\n", vaQueryVendorString(dpy));

    VAEntrypoint eps[8]; int neps;
    CHECK(vaQueryConfigEntrypoints(dpy, VAProfileHEVCMain12, eps, &neps), VA_STATUS_ERROR_UNSUPPORTED_PROFILE);
    CHECK(vaQueryConfigEntrypoints(dpy, VAProfileVP9Profile1, eps, &neps), VA_STATUS_ERROR_UNSUPPORTED_PROFILE);
    CHECK(vaQueryConfigEntrypoints(dpy, VAProfileHEVCMain10, eps, &neps), VA_STATUS_SUCCESS);
    CHECK(vaQueryConfigEntrypoints(dpy, VAProfileVP9Profile2, eps, &neps), VA_STATUS_SUCCESS);
    CHECK(vaQueryConfigEntrypoints(dpy, VAProfileHEVCMain, eps, &neps), VA_STATUS_SUCCESS);
    CHECK(vaQueryConfigEntrypoints(dpy, VAProfileH264High, eps, &neps), VA_STATUS_SUCCESS);
    EXPECT(neps == 1 && eps[0] == VAEntrypointVLD);
    VAConfigAttrib at[3] = {{VAConfigAttribRTFormat, 0}, {VAConfigAttribRateControl, 0}, {VAConfigAttribEncMaxRefFrames, 0}};
    CHECK(vaGetConfigAttributes(dpy, VAProfileH264High, VAEntrypointVLD, at, 3), VA_STATUS_SUCCESS);
    EXPECT(at[0].value == VA_RT_FORMAT_YUV420 && at[1].value == VA_ATTRIB_NOT_SUPPORTED && at[2].value == VA_ATTRIB_NOT_SUPPORTED);
    CHECK(vaGetConfigAttributes(dpy, VAProfileH264High, VAEntrypointEncSlice, at, 1), VA_STATUS_ERROR_UNSUPPORTED_ENTRYPOINT);
    VAConfigID cfg;
    CHECK(vaCreateConfig(dpy, VAProfileAV1Profile0, VAEntrypointVLD, NULL, 0, &cfg), VA_STATUS_ERROR_UNSUPPORTED_PROFILE);
    CHECK(vaCreateConfig(dpy, VAProfileVP9Profile0, VAEntrypointVLD, NULL, 0, &cfg), VA_STATUS_SUCCESS);
    CHECK(vaDestroyConfig(dpy, cfg), VA_STATUS_SUCCESS);
    CHECK(vaCreateConfig(dpy, VAProfileH264Main, VAEntrypointEncSlice, NULL, 0, &cfg), VA_STATUS_ERROR_UNSUPPORTED_ENTRYPOINT);
    VAConfigAttrib rt10 = {VAConfigAttribRTFormat, VA_RT_FORMAT_YUV420_10};
    CHECK(vaCreateConfig(dpy, VAProfileH264Main, VAEntrypointVLD, &rt10, 1, &cfg), VA_STATUS_ERROR_UNSUPPORTED_RT_FORMAT);
    CHECK(vaCreateConfig(dpy, VAProfileH264Main, VAEntrypointVLD, NULL, 0, &cfg), VA_STATUS_SUCCESS);

    unsigned nattr = 0;
    CHECK(vaQuerySurfaceAttributes(dpy, cfg, NULL, &nattr), VA_STATUS_SUCCESS);
    VASurfaceAttrib sa[16];
    CHECK(vaQuerySurfaceAttributes(dpy, cfg, sa, &nattr), VA_STATUS_SUCCESS);
    int maxw = 0;
    for (unsigned i = 0; i < nattr; i++) if (sa[i].type == VASurfaceAttribMaxWidth) maxw = sa[i].value.value.i;
    printf("surface attribs %u, max width %d\n", nattr, maxw);

    VASurfaceID surf[4];
    CHECK(vaCreateSurfaces(dpy, VA_RT_FORMAT_YUV422, 64, 64, surf, 1, NULL, 0), VA_STATUS_ERROR_UNSUPPORTED_RT_FORMAT);
    CHECK(vaCreateSurfaces(dpy, VA_RT_FORMAT_YUV420, maxw + 16, 64, surf, 1, NULL, 0), VA_STATUS_ERROR_RESOLUTION_NOT_SUPPORTED);
    CHECK(vaCreateSurfaces(dpy, VA_RT_FORMAT_YUV420, 320, 240, surf, 4, NULL, 0), VA_STATUS_SUCCESS);
    VAContextID ctx;
    CHECK(vaCreateContext(dpy, cfg, maxw + 16, 240, VA_PROGRESSIVE, surf, 4, &ctx), VA_STATUS_ERROR_RESOLUTION_NOT_SUPPORTED);
    CHECK(vaCreateContext(dpy, cfg, 320, 240, VA_PROGRESSIVE, NULL, 0, &ctx), VA_STATUS_SUCCESS);

    /* PutImage then GetImage round trip, with sub rectangles. */
    VAImageFormat nv12 = {.fourcc = VA_FOURCC_NV12, .byte_order = VA_LSB_FIRST, .bits_per_pixel = 12};
    VAImage img, img2;
    CHECK(vaCreateImage(dpy, &nv12, 320, 240, &img), VA_STATUS_SUCCESS);
    EXPECT(img.pitches[0] % 64 == 0 && img.offsets[1] == img.pitches[0] * 240);
    unsigned char *p;
    CHECK(vaMapBuffer(dpy, img.buf, (void **)&p), VA_STATUS_SUCCESS);
    for (int y = 0; y < 240; y++) for (int xx = 0; xx < 320; xx++) p[y * img.pitches[0] + xx] = (unsigned char)(y * 3 + xx);
    for (int y = 0; y < 120; y++) for (int xx = 0; xx < 320; xx++) p[img.offsets[1] + y * img.pitches[1] + xx] = (unsigned char)(y ^ xx);
    CHECK(vaUnmapBuffer(dpy, img.buf), VA_STATUS_SUCCESS);
    CHECK(vaPutImage(dpy, surf[0], img.image_id, 0, 0, 320, 240, 0, 0, 320, 240), VA_STATUS_SUCCESS);
    CHECK(vaPutImage(dpy, surf[0], img.image_id, 0, 0, 320, 240, 0, 0, 160, 120), VA_STATUS_ERROR_UNIMPLEMENTED);
    CHECK(vaCreateImage(dpy, &nv12, 100, 50, &img2), VA_STATUS_SUCCESS);
    CHECK(vaGetImage(dpy, surf[0], 32, 20, 100, 50, img2.image_id), VA_STATUS_SUCCESS);
    CHECK(vaGetImage(dpy, surf[0], 300, 20, 100, 50, img2.image_id), VA_STATUS_ERROR_INVALID_PARAMETER);
    unsigned char *q, *orig;
    CHECK(vaMapBuffer(dpy, img.buf, (void **)&orig), VA_STATUS_SUCCESS);
    CHECK(vaMapBuffer(dpy, img2.buf, (void **)&q), VA_STATUS_SUCCESS);
    int bad = 0;
    for (int y = 0; y < 50; y++) for (int xx = 0; xx < 100; xx++)
        bad += q[y * img2.pitches[0] + xx] != orig[(y + 20) * img.pitches[0] + xx + 32];
    for (int y = 0; y < 25; y++) for (int xx = 0; xx < 100; xx++)
        bad += q[img2.offsets[1] + y * img2.pitches[1] + xx] != orig[img.offsets[1] + (y + 10) * img.pitches[1] + xx + 32];
    EXPECT(bad == 0);
    printf("getimage subrect mismatches: %d\n", bad);
    vaUnmapBuffer(dpy, img2.buf);
    vaUnmapBuffer(dpy, img.buf);

    /* Derive: map shows surface pixels; writing + unmap writes back. */
    VAImage d;
    CHECK(vaDeriveImage(dpy, surf[0], &d), VA_STATUS_SUCCESS);
    CHECK(vaMapBuffer(dpy, d.buf, (void **)&q), VA_STATUS_SUCCESS);
    EXPECT(q[5 * d.pitches[0] + 7] == orig[5 * img.pitches[0] + 7]);
    memset(q, 0x42, d.pitches[0] * 10); /* first 10 luma rows */
    CHECK(vaUnmapBuffer(dpy, d.buf), VA_STATUS_SUCCESS);
    CHECK(vaDestroyImage(dpy, d.image_id), VA_STATUS_SUCCESS);
    CHECK(vaGetImage(dpy, surf[0], 0, 0, 100, 50, img2.image_id), VA_STATUS_SUCCESS);
    CHECK(vaMapBuffer(dpy, img2.buf, (void **)&q), VA_STATUS_SUCCESS);
    EXPECT(q[9 * img2.pitches[0] + 99] == 0x42 && q[10 * img2.pitches[0]] == orig[10 * img.pitches[0]]);
    vaUnmapBuffer(dpy, img2.buf);

    /* 10-bit: Main10 configs are YUV420_10 with P010 surfaces; P010 images
     * (2 bytes a sample, 10 bits high) round-trip exactly; no conversion
     * between NV12 and P010. */
    {
        VAConfigAttrib rt = {VAConfigAttribRTFormat, 0};
        CHECK(vaGetConfigAttributes(dpy, VAProfileHEVCMain10, VAEntrypointVLD, &rt, 1), VA_STATUS_SUCCESS);
        EXPECT(rt.value == VA_RT_FORMAT_YUV420_10);
        VAConfigAttrib rt8 = {VAConfigAttribRTFormat, VA_RT_FORMAT_YUV420};
        VAConfigID cfg10;
        CHECK(vaCreateConfig(dpy, VAProfileHEVCMain10, VAEntrypointVLD, &rt8, 1, &cfg10), VA_STATUS_ERROR_UNSUPPORTED_RT_FORMAT);
        CHECK(vaCreateConfig(dpy, VAProfileHEVCMain10, VAEntrypointVLD, NULL, 0, &cfg10), VA_STATUS_SUCCESS);
        VASurfaceAttrib a10[16];
        unsigned n10 = 16;
        CHECK(vaQuerySurfaceAttributes(dpy, cfg10, a10, &n10), VA_STATUS_SUCCESS);
        int pf = 0;
        for (unsigned i = 0; i < n10; i++) if (a10[i].type == VASurfaceAttribPixelFormat) pf = a10[i].value.value.i;
        EXPECT(pf == VA_FOURCC_P010);
        VASurfaceAttrib want_nv12 = {.type = VASurfaceAttribPixelFormat, .flags = VA_SURFACE_ATTRIB_SETTABLE,
                                     .value = {.type = VAGenericValueTypeInteger, .value = {.i = VA_FOURCC_NV12}}};
        VASurfaceAttrib want_p010 = want_nv12;
        want_p010.value.value.i = VA_FOURCC_P010;
        VASurfaceID s10;
        CHECK(vaCreateSurfaces(dpy, VA_RT_FORMAT_YUV420_10, 64, 32, &s10, 1, &want_nv12, 1), VA_STATUS_ERROR_INVALID_IMAGE_FORMAT);
        CHECK(vaCreateSurfaces(dpy, VA_RT_FORMAT_YUV420_10, 64, 32, &s10, 1, &want_p010, 1), VA_STATUS_SUCCESS);
        VAImageFormat p010 = {.fourcc = VA_FOURCC_P010, .byte_order = VA_LSB_FIRST, .bits_per_pixel = 24};
        VAImage pi, pg, dv;
        CHECK(vaCreateImage(dpy, &p010, 64, 32, &pi), VA_STATUS_SUCCESS);
        EXPECT(pi.pitches[0] >= 128 && pi.offsets[1] == pi.pitches[0] * 32);
        unsigned short *w;
        CHECK(vaMapBuffer(dpy, pi.buf, (void **)&w), VA_STATUS_SUCCESS);
        for (int y = 0; y < 32; y++) for (int xx = 0; xx < 64; xx++)
            w[y * pi.pitches[0] / 2 + xx] = (unsigned short)(((y * 31 + xx * 7) & 1023) << 6);
        for (int y = 0; y < 16; y++) for (int xx = 0; xx < 64; xx++)
            w[(pi.offsets[1] + y * pi.pitches[1]) / 2 + xx] = (unsigned short)(((y * 13 ^ xx * 5) & 1023) << 6);
        CHECK(vaUnmapBuffer(dpy, pi.buf), VA_STATUS_SUCCESS);
        CHECK(vaPutImage(dpy, s10, pi.image_id, 0, 0, 64, 32, 0, 0, 64, 32), VA_STATUS_SUCCESS);
        CHECK(vaPutImage(dpy, surf[0], pi.image_id, 0, 0, 64, 32, 0, 0, 64, 32), VA_STATUS_ERROR_INVALID_IMAGE_FORMAT);
        CHECK(vaGetImage(dpy, s10, 0, 0, 100, 50, img2.image_id), VA_STATUS_ERROR_INVALID_IMAGE_FORMAT);
        CHECK(vaCreateImage(dpy, &p010, 32, 16, &pg), VA_STATUS_SUCCESS);
        CHECK(vaGetImage(dpy, s10, 16, 8, 32, 16, pg.image_id), VA_STATUS_SUCCESS);
        CHECK(vaDeriveImage(dpy, s10, &dv), VA_STATUS_SUCCESS);
        EXPECT(dv.format.fourcc == VA_FOURCC_P010 && dv.pitches[0] >= 128);
        unsigned short *g, *o, *dd;
        CHECK(vaMapBuffer(dpy, pi.buf, (void **)&o), VA_STATUS_SUCCESS);
        CHECK(vaMapBuffer(dpy, pg.buf, (void **)&g), VA_STATUS_SUCCESS);
        CHECK(vaMapBuffer(dpy, dv.buf, (void **)&dd), VA_STATUS_SUCCESS);
        int bad10 = 0;
        for (int y = 0; y < 16; y++) for (int xx = 0; xx < 32; xx++)
            bad10 += g[y * pg.pitches[0] / 2 + xx] != o[(y + 8) * pi.pitches[0] / 2 + xx + 16];
        for (int y = 0; y < 8; y++) for (int xx = 0; xx < 32; xx++)
            bad10 += g[(pg.offsets[1] + y * pg.pitches[1]) / 2 + xx] != o[(pi.offsets[1] + (y + 4) * pi.pitches[1]) / 2 + xx + 16];
        for (int y = 0; y < 32; y++) for (int xx = 0; xx < 64; xx++)
            bad10 += dd[y * dv.pitches[0] / 2 + xx] != o[y * pi.pitches[0] / 2 + xx];
        printf("P010 round trip mismatches: %d\n", bad10);
        EXPECT(bad10 == 0);
        vaUnmapBuffer(dpy, dv.buf);
        vaUnmapBuffer(dpy, pg.buf);
        vaUnmapBuffer(dpy, pi.buf);
        CHECK(vaDestroyImage(dpy, dv.image_id), VA_STATUS_SUCCESS);
        CHECK(vaDestroyImage(dpy, pg.image_id), VA_STATUS_SUCCESS);
        CHECK(vaDestroyImage(dpy, pi.image_id), VA_STATUS_SUCCESS);
        CHECK(vaDestroySurfaces(dpy, &s10, 1), VA_STATUS_SUCCESS);
        CHECK(vaDestroyConfig(dpy, cfg10), VA_STATUS_SUCCESS);
    }

    /* Decode garbage: the error must reach vaSyncSurface. */
    VAPictureParameterBufferH264 pp = {0};
    pp.CurrPic.picture_id = surf[1];
    for (int i = 0; i < 16; i++) { pp.ReferenceFrames[i].picture_id = VA_INVALID_SURFACE; pp.ReferenceFrames[i].flags = VA_PICTURE_H264_INVALID; }
    pp.picture_width_in_mbs_minus1 = 19; pp.picture_height_in_mbs_minus1 = 14;
    pp.seq_fields.bits.chroma_format_idc = 1; pp.seq_fields.bits.frame_mbs_only_flag = 1;
    pp.seq_fields.bits.direct_8x8_inference_flag = 1; pp.num_ref_frames = 1;
    pp.pic_fields.bits.reference_pic_flag = 1;
    VASliceParameterBufferH264 sp = {0};
    sp.slice_data_size = 64; sp.slice_data_offset = 0; sp.slice_type = 2; sp.slice_data_bit_offset = 8 * 4;
    for (int i = 0; i < 32; i++) { sp.RefPicList0[i].picture_id = sp.RefPicList1[i].picture_id = VA_INVALID_SURFACE; sp.RefPicList0[i].flags = sp.RefPicList1[i].flags = VA_PICTURE_H264_INVALID; }
    unsigned char data[64]; memset(data, 0xff, sizeof(data)); data[0] = 0x65;
    VABufferID b[3];
    CHECK(vaCreateBuffer(dpy, ctx, VAPictureParameterBufferType, sizeof(pp), 1, &pp, &b[0]), VA_STATUS_SUCCESS);
    CHECK(vaCreateBuffer(dpy, ctx, VASliceParameterBufferType, sizeof(sp), 1, &sp, &b[1]), VA_STATUS_SUCCESS);
    CHECK(vaCreateBuffer(dpy, ctx, VASliceDataBufferType, sizeof(data), 1, data, &b[2]), VA_STATUS_SUCCESS);
    CHECK(vaBeginPicture(dpy, ctx, surf[1]), VA_STATUS_SUCCESS);
    CHECK(vaRenderPicture(dpy, ctx, b, 3), VA_STATUS_SUCCESS);
    CHECK(vaEndPicture(dpy, ctx), VA_STATUS_SUCCESS);
    VASurfaceStatus ss;
    CHECK(vaQuerySurfaceStatus(dpy, surf[1], &ss), VA_STATUS_SUCCESS);
    VAStatus syncst = vaSyncSurface(dpy, surf[1]);
    printf("sync after garbage decode: %d (%s)\n", syncst, vaErrorStr(syncst));
    EXPECT(syncst == VA_STATUS_ERROR_DECODING_ERROR);
    CHECK(vaSyncSurface(dpy, surf[0]), VA_STATUS_SUCCESS);

    /* Slice offsets outside the data buffer are refused. */
    sp.slice_data_offset = 60;
    VABufferID b2[3] = {b[0], 0, b[2]};
    CHECK(vaCreateBuffer(dpy, ctx, VASliceParameterBufferType, sizeof(sp), 1, &sp, &b2[1]), VA_STATUS_SUCCESS);
    CHECK(vaBeginPicture(dpy, ctx, surf[2]), VA_STATUS_SUCCESS);
    CHECK(vaRenderPicture(dpy, ctx, b2, 3), VA_STATUS_ERROR_INVALID_PARAMETER);
    CHECK(vaEndPicture(dpy, ctx), VA_STATUS_ERROR_INVALID_PARAMETER);
    CHECK(vaCreateBuffer(dpy, ctx, VAProcPipelineParameterBufferType, 16, 1, NULL, &b2[1]), VA_STATUS_ERROR_UNSUPPORTED_BUFFERTYPE);

    /* Leave objects alive: vaTerminate must free everything. */
    CHECK(vaTerminate(dpy), VA_STATUS_SUCCESS);
    XCloseDisplay(x);
    printf("%s (%d failures)\n", fails ? "FAILED" : "OK", fails);
    return fails != 0;
}
