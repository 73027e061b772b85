/*
 * A direct libva H.264 encode client (va_encode.sh runs it against a live
 * vivacd, engine sw), for what the ffmpeg CLI cannot do. It asserts:
 *  - vaGetConfigAttributes for H.264 High / EncSlice: RTFormat has YUV420,
 *    RateControl has CQP, CBR and VBR, EncPackedHeaders is NONE (the host
 *    writes the whole stream), EncMaxRefFrames has L0 >= 1 and L1 = 0;
 *  - every picture's coded buffer, after vaSyncSurface, maps to a
 *    VACodedBufferSegment chain that ends (next NULL) within 16 segments,
 *    holds bytes, and no segment's status reports a slice overflow;
 *  - vaQuerySurfaceStatus says the input surface is ready after the sync.
 * It encodes FRAMES frames of a raw NV12 file (WxH, 30 frames/s) in
 * encode order IDR P P ..., with an IDR forced at frame IDR_AT, and writes
 * the Annex B stream for the script's checks (ffprobe: IDR positions, PSNR,
 * bitrate). Mode cqp: QP 28. Mode cbr: RATE1 bits/s, then at frame
 * CHANGE_AT a new VAEncMiscParameterRateControl (and HRD) of RATE2, sent
 * with that picture only, as clients change the rate mid-stream.
 * usage: va_encode MODE IN.nv12 W H FRAMES IDR_AT OUT.264 [RATE1 RATE2 CHANGE_AT]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <va/va.h>
#include <va/va_enc_h264.h>
#include <va/va_x11.h>
#include <X11/Xlib.h>

static int fails;
#define EXPECT(c) do { if (!(c)) { printf("FAIL %s:%d %s\n", __FILE__, __LINE__, #c); fails++; } } while (0)
#define CHECK_VA(expr) do { VAStatus s_ = (expr); if (s_ != VA_STATUS_SUCCESS) { \
    printf("FAIL %s:%d %s = %s\n", __FILE__, __LINE__, #expr, vaErrorStr(s_)); exit(1); } } while (0)

enum { NUM_SURF = 3 };

struct enc {
    VADisplay dpy;
    VAContextID ctx;
    VASurfaceID surf[NUM_SURF]; /* [0]: the input, [1..2]: reconstructed, alternating */
    VABufferID coded;
    int w, h, mbw, mbh;
    unsigned rate;              /* 0: CQP */
};

static void check_attributes(VADisplay dpy)
{
    VAConfigAttrib a[4] = {{.type = VAConfigAttribRTFormat}, {.type = VAConfigAttribRateControl},
                           {.type = VAConfigAttribEncPackedHeaders},
                           {.type = VAConfigAttribEncMaxRefFrames}};
    CHECK_VA(vaGetConfigAttributes(dpy, VAProfileH264High, VAEntrypointEncSlice, a, 4));
    printf("attributes: RTFormat %#x RateControl %#x PackedHeaders %#x MaxRefFrames L0 %u L1 %u\n",
           a[0].value, a[1].value, a[2].value, a[3].value & 0xffff, a[3].value >> 16);
    EXPECT(a[0].value != VA_ATTRIB_NOT_SUPPORTED && (a[0].value & VA_RT_FORMAT_YUV420));
    EXPECT(a[1].value != VA_ATTRIB_NOT_SUPPORTED &&
           (a[1].value & (VA_RC_CQP | VA_RC_CBR | VA_RC_VBR)) == (VA_RC_CQP | VA_RC_CBR | VA_RC_VBR));
    EXPECT(a[2].value == VA_ENC_PACKED_HEADER_NONE);
    EXPECT(a[3].value != VA_ATTRIB_NOT_SUPPORTED && (a[3].value & 0xffff) >= 1 &&
           (a[3].value >> 16) == 0);
}

static VABufferID make_buf(struct enc *e, VABufferType type, const void *data, size_t size)
{
    VABufferID id;
    CHECK_VA(vaCreateBuffer(e->dpy, e->ctx, type, (unsigned)size, 1, (void *)data, &id));
    return id;
}

/* A misc parameter buffer: the header then the parameter. */
static VABufferID make_misc(struct enc *e, VAEncMiscParameterType type, const void *p, size_t size)
{
    unsigned char buf[sizeof(VAEncMiscParameterBuffer) + 64] = {0};
    VAEncMiscParameterBuffer *m = (VAEncMiscParameterBuffer *)buf;
    m->type = type;
    memcpy(m->data, p, size);
    return make_buf(e, VAEncMiscParameterBufferType, buf, sizeof(*m) + size);
}

static void upload(struct enc *e, const unsigned char *frame)
{
    VAImageFormat fmt = {.fourcc = VA_FOURCC_NV12, .byte_order = VA_LSB_FIRST, .bits_per_pixel = 12};
    VAImage im;
    void *p;
    CHECK_VA(vaCreateImage(e->dpy, &fmt, e->w, e->h, &im));
    CHECK_VA(vaMapBuffer(e->dpy, im.buf, &p));
    for (int y = 0; y < e->h; y++)
        memcpy((unsigned char *)p + im.offsets[0] + (size_t)y * im.pitches[0], frame + (size_t)y * e->w, e->w);
    for (int y = 0; y < e->h / 2; y++)
        memcpy((unsigned char *)p + im.offsets[1] + (size_t)y * im.pitches[1],
               frame + (size_t)e->w * e->h + (size_t)y * e->w, e->w);
    CHECK_VA(vaUnmapBuffer(e->dpy, im.buf));
    CHECK_VA(vaPutImage(e->dpy, e->surf[0], im.image_id, 0, 0, e->w, e->h, 0, 0, e->w, e->h));
    CHECK_VA(vaDestroyImage(e->dpy, im.image_id));
}

/* One picture: IDR when idr, else P referencing the previous one. Sends
 * the rate control (and HRD) when send_rc. Appends its bytes to out. */
static void encode_one(struct enc *e, int n, int idr, int since_idr, int idr_id, int send_rc, FILE *out)
{
    VASurfaceID recon = e->surf[1 + n % 2], prev = e->surf[1 + (n + 1) % 2];
    VABufferID bufs[8];
    int nb = 0;

    VAEncSequenceParameterBufferH264 seq = {
        .level_idc = 30, .intra_period = 0, .intra_idr_period = 0, .ip_period = 1,
        .bits_per_second = e->rate, .max_num_ref_frames = 1,
        .picture_width_in_mbs = (uint16_t)e->mbw, .picture_height_in_mbs = (uint16_t)e->mbh,
        .time_scale = 60, .num_units_in_tick = 1, .vui_parameters_present_flag = 1,
    };
    seq.seq_fields.bits.chroma_format_idc = 1;
    seq.seq_fields.bits.frame_mbs_only_flag = 1;
    seq.seq_fields.bits.direct_8x8_inference_flag = 1;
    seq.seq_fields.bits.log2_max_frame_num_minus4 = 4;
    seq.seq_fields.bits.log2_max_pic_order_cnt_lsb_minus4 = 4;
    seq.vui_fields.bits.timing_info_present_flag = 1;
    bufs[nb++] = make_buf(e, VAEncSequenceParameterBufferType, &seq, sizeof(seq));

    if (send_rc) {
        VAEncMiscParameterRateControl rc = {.bits_per_second = e->rate, .target_percentage = 100,
                                            .window_size = 1000, .initial_qp = 0};
        VAEncMiscParameterHRD hrd = {.buffer_size = e->rate, .initial_buffer_fullness = e->rate / 4 * 3};
        VAEncMiscParameterFrameRate fr = {.framerate = 30};
        bufs[nb++] = make_misc(e, VAEncMiscParameterTypeRateControl, &rc, sizeof(rc));
        bufs[nb++] = make_misc(e, VAEncMiscParameterTypeHRD, &hrd, sizeof(hrd));
        bufs[nb++] = make_misc(e, VAEncMiscParameterTypeFrameRate, &fr, sizeof(fr));
    }

    VAEncPictureParameterBufferH264 pic = {
        .CurrPic = {.picture_id = recon, .TopFieldOrderCnt = since_idr},
        .coded_buf = e->coded, .frame_num = (uint16_t)(since_idr % 256),
        .pic_init_qp = (uint8_t)(e->rate ? 26 : 28),
    };
    for (int i = 0; i < 16; i++)
        pic.ReferenceFrames[i] = (VAPictureH264){.picture_id = VA_INVALID_SURFACE,
                                                 .flags = VA_PICTURE_H264_INVALID};
    if (!idr)
        pic.ReferenceFrames[0] = (VAPictureH264){.picture_id = prev, .TopFieldOrderCnt = since_idr - 1,
                                                 .flags = VA_PICTURE_H264_SHORT_TERM_REFERENCE};
    pic.pic_fields.bits.idr_pic_flag = (unsigned)idr;
    pic.pic_fields.bits.reference_pic_flag = 1;
    pic.pic_fields.bits.entropy_coding_mode_flag = 1;
    pic.pic_fields.bits.transform_8x8_mode_flag = 1;
    bufs[nb++] = make_buf(e, VAEncPictureParameterBufferType, &pic, sizeof(pic));

    VAEncSliceParameterBufferH264 sl = {
        .num_macroblocks = (unsigned)(e->mbw * e->mbh), .slice_type = (uint8_t)(idr ? 2 : 0),
        .idr_pic_id = (uint16_t)idr_id,
    };
    for (int i = 0; i < 32; i++) {
        sl.RefPicList0[i] = (VAPictureH264){.picture_id = VA_INVALID_SURFACE, .flags = VA_PICTURE_H264_INVALID};
        sl.RefPicList1[i] = sl.RefPicList0[i];
    }
    if (!idr)
        sl.RefPicList0[0] = pic.ReferenceFrames[0];
    bufs[nb++] = make_buf(e, VAEncSliceParameterBufferType, &sl, sizeof(sl));

    CHECK_VA(vaBeginPicture(e->dpy, e->ctx, e->surf[0]));
    CHECK_VA(vaRenderPicture(e->dpy, e->ctx, bufs, nb));
    CHECK_VA(vaEndPicture(e->dpy, e->ctx));
    CHECK_VA(vaSyncSurface(e->dpy, e->surf[0]));
    VASurfaceStatus ss;
    CHECK_VA(vaQuerySurfaceStatus(e->dpy, e->surf[0], &ss));
    EXPECT(ss == VASurfaceReady);

    VACodedBufferSegment *seg;
    CHECK_VA(vaMapBuffer(e->dpy, e->coded, (void **)&seg));
    size_t total = 0;
    int segs = 0;
    for (; seg && segs < 16; seg = seg->next, segs++) {
        EXPECT(!(seg->status & VA_CODED_BUF_STATUS_SLICE_OVERFLOW_MASK));
        if (seg->size) {
            EXPECT(seg->buf != NULL);
            fwrite(seg->buf, 1, seg->size, out);
        }
        total += seg->size;
    }
    EXPECT(seg == NULL); /* the chain ends */
    EXPECT(total > 0);
    CHECK_VA(vaUnmapBuffer(e->dpy, e->coded));
    for (int i = 0; i < nb; i++)
        vaDestroyBuffer(e->dpy, bufs[i]);
}

int main(int argc, char **argv)
{
    if (argc != 8 && argc != 11) {
        fprintf(stderr, "usage: va_encode cqp|cbr IN.nv12 W H FRAMES IDR_AT OUT.264 [RATE1 RATE2 CHANGE_AT]\n");
        return 2;
    }
    int cbr = !strcmp(argv[1], "cbr");
    struct enc e = {.w = atoi(argv[3]), .h = atoi(argv[4])};
    int frames = atoi(argv[5]), idr_at = atoi(argv[6]);
    unsigned rate2 = 0;
    int change_at = -1;
    if (cbr) {
        if (argc != 11) { fprintf(stderr, "cbr needs RATE1 RATE2 CHANGE_AT\n"); return 2; }
        e.rate = (unsigned)atoi(argv[8]);
        rate2 = (unsigned)atoi(argv[9]);
        change_at = atoi(argv[10]);
    }
    if (e.w <= 0 || e.h <= 0 || e.w % 16 || e.h % 16 || frames <= 0) {
        fprintf(stderr, "W and H: multiples of 16\n");
        return 2;
    }
    e.mbw = e.w / 16, e.mbh = e.h / 16;
    FILE *in = fopen(argv[2], "rb"), *out = fopen(argv[7], "wb");
    if (!in || !out) { perror("open"); return 2; }

    Display *x = XOpenDisplay(NULL);
    if (!x) { fprintf(stderr, "no X display\n"); return 2; }
    e.dpy = vaGetDisplay(x);
    int major, minor;
    CHECK_VA(vaInitialize(e.dpy, &major, &minor));
    check_attributes(e.dpy);

    VAConfigAttrib rc = {.type = VAConfigAttribRateControl, .value = cbr ? VA_RC_CBR : VA_RC_CQP};
    VAConfigID cfg;
    CHECK_VA(vaCreateConfig(e.dpy, VAProfileH264High, VAEntrypointEncSlice, &rc, 1, &cfg));
    CHECK_VA(vaCreateSurfaces(e.dpy, VA_RT_FORMAT_YUV420, e.w, e.h, e.surf, NUM_SURF, NULL, 0));
    CHECK_VA(vaCreateContext(e.dpy, cfg, e.w, e.h, VA_PROGRESSIVE, e.surf, NUM_SURF, &e.ctx));
    CHECK_VA(vaCreateBuffer(e.dpy, e.ctx, VAEncCodedBufferType, (unsigned)(e.w * e.h * 3 / 2 + 65536),
                            1, NULL, &e.coded));

    size_t fsize = (size_t)e.w * e.h * 3 / 2;
    unsigned char *frame = malloc(fsize);
    int last_idr = 0, idr_id = 0;
    for (int n = 0; n < frames; n++) {
        if (fread(frame, 1, fsize, in) != fsize) { fprintf(stderr, "short input at frame %d\n", n); return 2; }
        int idr = n == 0 || n == idr_at;
        if (idr) { last_idr = n; idr_id++; }
        if (n == change_at)
            e.rate = rate2;
        upload(&e, frame);
        encode_one(&e, n, idr, n - last_idr, idr_id, cbr && (n == 0 || n == change_at), out);
    }
    free(frame);
    vaDestroyBuffer(e.dpy, e.coded);
    vaDestroyContext(e.dpy, e.ctx);
    vaDestroySurfaces(e.dpy, e.surf, NUM_SURF);
    vaDestroyConfig(e.dpy, cfg);
    vaTerminate(e.dpy);
    XCloseDisplay(x);
    fclose(in);
    fclose(out);
    printf("%s: %d pictures, %d failed checks\n", argv[1], frames, fails);
    return fails ? 1 : 0;
}
