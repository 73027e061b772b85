/*
 * JPEG baseline in each chroma format the daemon decodes (4:2:0, 4:2:2,
 * 4:4:4), without the guest: clips made at test time with ffmpeg's mjpeg
 * encoder are parsed here into the wire structs (as the guest packs what
 * ffmpeg's VA hwaccel gives), checked by the daemon's front door
 * (validate_jpeg.c), decoded by the sw engine into a surface of the
 * sampling's format (NV12, 422H, 444P) and read back in that layout; every
 * sample must equal libavcodec's own decode of the same image. Also: the
 * sampling (the ratios of Y's factors to Cb's and Cr's) decides the target
 * format, other samplings (4:4:0, 4:1:1, grayscale, unequal chroma) are
 * refused naming the sampling, and the sw caps list the three formats.
 * Clip tests exit 77 (skipped) without ffmpeg.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>

#include "check.h"
#include "read_file.h"
#include "common/pixel_format.h"
#include "host/engine.h"
#include "host/engines/engines.h"
#include "host/session_internal.h"

#define MAX_SCANS 8

static const struct vh_engine_ops *ops = &vh_engine_sw;
static char tmpdir[64];

/* ---- one JPEG image parsed into VA-level parameters ---------------------- */

struct jpeg_image {
    struct vw_jpeg_picture pic;
    struct vw_jpeg_tables tables;
    struct vw_jpeg_slice slices[MAX_SCANS];
    struct vh_slice vh_slices[MAX_SCANS];
    unsigned num_slices;
    const uint8_t *start;                     /* SOI .. EOI in the file */
    size_t size;
};

static unsigned be16(const uint8_t *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

/* Parses the image starting at data[0] (SOI); returns its size, 0 if it is
 * not a baseline JPEG this test understands. */
static size_t parse_image(const uint8_t *data, size_t size, struct jpeg_image *im)
{
    memset(im, 0, sizeof(*im));
    if (size < 4 || data[0] != 0xff || data[1] != 0xd8)
        return 0;
    size_t pos = 2;
    unsigned restart_interval = 0;
    while (pos + 2 <= size) {
        if (data[pos] != 0xff)
            return 0;
        unsigned m = data[pos + 1];
        if (m == 0xd9) {
            im->start = data;
            im->size = pos + 2;
            return im->size;
        }
        if (pos + 4 > size)
            return 0;
        size_t len = be16(data + pos + 2);
        const uint8_t *seg = data + pos + 4;
        if (pos + 2 + len > size || len < 2)
            return 0;
        size_t n = len - 2;
        if (m == 0xdb) {                      /* DQT: Pq 0 tables */
            for (size_t i = 0; i + 65 <= n; i += 65) {
                unsigned t = seg[i] & 3;
                im->tables.load_quantiser_table[t] = 1;
                memcpy(im->tables.quantiser_table[t], seg + i + 1, 64);
            }
        } else if (m == 0xc4) {               /* DHT */
            for (size_t i = 0; i + 17 <= n;) {
                unsigned tc = seg[i] >> 4, th = seg[i] & 1, count = 0;
                for (int k = 0; k < 16; k++)
                    count += seg[i + 1 + k];
                im->tables.load_huffman_table[th] = 1;
                if (tc == 0) {
                    memcpy(im->tables.huffman_table[th].num_dc_codes, seg + i + 1, 16);
                    memcpy(im->tables.huffman_table[th].dc_values, seg + i + 17,
                           count < 12 ? count : 12);
                } else {
                    memcpy(im->tables.huffman_table[th].num_ac_codes, seg + i + 1, 16);
                    memcpy(im->tables.huffman_table[th].ac_values, seg + i + 17,
                           count < 162 ? count : 162);
                }
                i += 17 + count;
            }
        } else if (m == 0xc0) {               /* SOF0 */
            im->pic.picture_height = (uint16_t)be16(seg + 1);
            im->pic.picture_width = (uint16_t)be16(seg + 3);
            im->pic.num_components = seg[5];
            for (unsigned i = 0; i < seg[5] && i < 4; i++) {
                im->pic.components[i].component_id = seg[6 + 3 * i];
                im->pic.components[i].h_sampling_factor = seg[7 + 3 * i] >> 4;
                im->pic.components[i].v_sampling_factor = seg[7 + 3 * i] & 15;
                im->pic.components[i].quantiser_table_selector = seg[8 + 3 * i];
            }
        } else if (m == 0xdd) {               /* DRI */
            restart_interval = be16(seg);
        } else if (m == 0xda) {               /* SOS, then entropy-coded data */
            if (im->num_slices == MAX_SCANS)
                return 0;
            struct vw_jpeg_slice *sl = &im->slices[im->num_slices];
            sl->num_components = seg[0];
            for (unsigned i = 0; i < seg[0] && i < 4; i++) {
                sl->components[i].component_selector = seg[1 + 2 * i];
                sl->components[i].dc_table_selector = seg[2 + 2 * i] >> 4;
                sl->components[i].ac_table_selector = seg[2 + 2 * i] & 15;
            }
            sl->restart_interval = (uint16_t)restart_interval;
            size_t d = pos + 2 + len, e = d;
            /* Up to the next marker other than stuffing (FF 00) and RSTn. */
            while (e + 1 < size && !(data[e] == 0xff && data[e + 1] != 0 &&
                                     (data[e + 1] < 0xd0 || data[e + 1] > 0xd7)))
                e++;
            sl->slice_data_size = (uint32_t)(e - d);
            im->vh_slices[im->num_slices] =
                (struct vh_slice){.jpeg = sl, .data = data + d, .size = (uint32_t)(e - d)};
            im->num_slices++;
            pos = e;
            continue;
        }
        pos += 2 + len;
    }
    return 0;
}

/* ---- libavcodec's own decode (the reference) ----------------------------- */

static AVFrame *reference_decode(const struct jpeg_image *im)
{
    const AVCodec *codec = avcodec_find_decoder(AV_CODEC_ID_MJPEG);
    AVCodecContext *ctx = avcodec_alloc_context3(codec);
    AVPacket *pkt = av_packet_alloc();
    AVFrame *f = av_frame_alloc();
    bool ok = ctx && pkt && f && avcodec_open2(ctx, codec, NULL) == 0 &&
              av_new_packet(pkt, (int)im->size) == 0;
    if (ok) {
        memcpy(pkt->data, im->start, im->size);
        ok = avcodec_send_packet(ctx, pkt) == 0 && avcodec_receive_frame(ctx, f) == 0;
    }
    av_packet_free(&pkt);
    avcodec_free_context(&ctx);
    if (!ok)
        av_frame_free(&f);
    return f;
}

/* ---- decode through the engine ------------------------------------------- */

struct clip {
    const char *name;
    const char *pix_fmt;                      /* ffmpeg's encoder input */
    int width, height, frames;
    const char *opts;
    uint32_t rt_format;                       /* the target it must decode to */
};

static const struct clip clips[] = {
    {"420", "yuvj420p", 176, 144, 2, "-q:v 3", VW_RT_YUV420},
    {"422", "yuvj422p", 352, 288, 3, "-q:v 3", VW_RT_YUV422},
    {"444_restart_350x198", "yuvj444p", 350, 198, 3, "-q:v 5 -slices 4 -threads 4",
     VW_RT_YUV444},
    {"422_restart_350x198", "yuvj422p", 350, 198, 2, "-q:v 5 -slices 4 -threads 4",
     VW_RT_YUV422},
};

/* Surface samples (read back in the format's layout) against the
 * reference frame; returns the number of mismatches. */
static int compare_surface(struct vh_engine *e, struct vh_surface *s, const AVFrame *ref)
{
    const struct vc_pixel_format *pf = vc_pixel_format_get(s->pixel_format);
    uint32_t w = s->width, h = s->height;
    struct vw_image_layout l = {.pixel_format = pf->fourcc, .num_planes = pf->num_planes};
    size_t total = 0;
    for (unsigned p = 0; p < pf->num_planes; p++) {
        uint64_t row;
        uint32_t rows;
        vc_plane_extent(pf, p, w, h, &row, &rows);
        l.pitches[p] = (uint32_t)row + 8;
        l.offsets[p] = (uint32_t)total;
        total += (size_t)l.pitches[p] * rows;
    }
    uint8_t *img = malloc(total);
    struct vh_rect rect = {0, 0, w, h};
    struct vh_error err = {0};
    int bad = 0;
    if (ops->surface_read(e, s, &rect, &l, img, &err) != VW_OK) {
        fprintf(stderr, "  read: %s\n", err.message);
        free(img);
        return 1;
    }
    for (unsigned c = 0; c < 3; c++) {
        uint32_t cw, ch;
        vc_component_size(pf, c, w, h, &cw, &ch);
        for (uint32_t y = 0; y < ch; y++) {
            const uint8_t *row = img + l.offsets[pf->comp[c].plane] + (size_t)y * l.pitches[pf->comp[c].plane];
            for (uint32_t x = 0; x < cw; x++) {
                uint32_t got = vc_sample_get(pf, c, row, x);
                uint32_t want = ref->data[c][(size_t)y * ref->linesize[c] + x];
                if (got != want && bad++ < 3)
                    fprintf(stderr, "  %s c%u (%u,%u): %u, libavcodec %u\n", pf->name, c, x, y,
                            got, want);
            }
        }
    }
    free(img);
    return bad;
}

static void test_clip(struct vh_engine *e, const struct clip *cl)
{
    char path[160], cmd[512];
    snprintf(path, sizeof(path), "%s/%s.mjpeg", tmpdir, cl->name);
    snprintf(cmd, sizeof(cmd),
             "ffmpeg -nostdin -v error -f lavfi -i testsrc2=size=%dx%d:rate=25 -frames:v %d "
             "-pix_fmt %s -c:v mjpeg %s -f mjpeg -y %s",
             cl->width, cl->height, cl->frames, cl->pix_fmt, cl->opts, path);
    CHECK(system(cmd) == 0);
    size_t size = 0;
    uint8_t *data = read_file(path, &size);
    CHECK(data != NULL);
    if (!data)
        return;

    const struct vc_pixel_format *pf = vc_pixel_format_of_rt(cl->rt_format);
    struct vh_codec_desc desc = {.profile = VW_PROFILE_JPEG_BASELINE,
                                 .entrypoint = VW_ENTRYPOINT_DECODE,
                                 .rt_format = cl->rt_format,
                                 .width = (uint32_t)cl->width,
                                 .height = (uint32_t)cl->height};
    struct vh_codec *codec = NULL;
    struct vh_error err = {0};
    CHECK_EQ(ops->codec_create(e, &desc, &codec, &err), VW_OK);
    struct vh_surface s = {.id = 1, .width = (uint32_t)cl->width, .height = (uint32_t)cl->height,
                           .rt_format = cl->rt_format, .pixel_format = pf->fourcc};
    CHECK_EQ(ops->surface_init(e, &s, &err), VW_OK);
    /* An NV12 surface for the refusal below (4:2:2 / 4:4:4 pictures). */
    struct vh_surface nv12 = {.id = 2, .width = s.width, .height = s.height,
                              .rt_format = VW_RT_YUV420, .pixel_format = VW_FOURCC_NV12};

    int frames = 0, restarts = 0;
    for (size_t pos = 0; codec && pos < size;) {
        struct jpeg_image im;
        size_t n = parse_image(data + pos, size - pos, &im);
        CHECK(n > 0);
        if (!n)
            break;
        pos += n;
        /* The daemon's front door first. */
        CHECK_EQ(vh_jpeg_check_picture(&im.pic, &s, &err), VW_OK);
        CHECK_EQ(vh_jpeg_check_tables(&im.tables, &err), VW_OK);
        for (unsigned i = 0; i < im.num_slices; i++) {
            CHECK_EQ(vh_jpeg_check_slice(&im.slices[i], i, &im.pic, im.vh_slices[i].data,
                                         im.vh_slices[i].size, &err), VW_OK);
            restarts += im.slices[i].restart_interval != 0;
        }
        if (cl->rt_format != VW_RT_YUV420) {
            CHECK_EQ(vh_jpeg_check_picture(&im.pic, &nv12, &err), VW_ERR_UNSUPPORTED_FORMAT);
            CHECK(strstr(err.message, cl->rt_format == VW_RT_YUV422 ? "(4:2:2) decodes to 422H"
                                                                    : "(4:4:4) decodes to 444P"));
        }
        struct vh_picture pic = {.codec = VW_CODEC_JPEG, .jpeg = &im.pic,
                                 .jpeg_tables = &im.tables, .num_slices = im.num_slices,
                                 .slices = im.vh_slices, .target = &s};
        int rc = ops->decode(codec, &pic, &err);
        CHECK_EQ(rc, VW_OK);
        if (rc)
            fprintf(stderr, "  decode: %s\n", err.message);
        AVFrame *ref = reference_decode(&im);
        CHECK(ref != NULL);
        if (ref) {
            CHECK_EQ(ref->width, cl->width);
            CHECK_EQ(compare_surface(e, &s, ref), 0);
        }
        av_frame_free(&ref);
        frames++;
    }
    CHECK_EQ(frames, cl->frames);
    if (strstr(cl->opts, "-slices"))
        CHECK(restarts > 0);
    printf("%s (%s): %d pictures compared\n", cl->name, pf->name, frames);
    ops->surface_fini(e, &s);
    ops->codec_destroy(&codec);
    free(data);
}

/* ---- sampling -> target, without clips ----------------------------------- */

static struct vw_jpeg_picture sampled(unsigned n, const uint8_t hv[][2])
{
    struct vw_jpeg_picture p;
    memset(&p, 0, sizeof(p));
    p.picture_width = 64;
    p.picture_height = 32;
    p.num_components = (uint8_t)n;
    for (unsigned i = 0; i < n; i++) {
        p.components[i].component_id = (uint8_t)(i + 1);
        p.components[i].h_sampling_factor = hv[i][0];
        p.components[i].v_sampling_factor = hv[i][1];
    }
    return p;
}

static void test_sampling(void)
{
    static const struct {
        uint8_t hv[3][2];
        unsigned n;
        uint32_t accepts;                     /* the one target; 0: none */
        const char *named;                    /* in the refusal */
    } cases[] = {
        {{{2, 2}, {1, 1}, {1, 1}}, 3, VW_RT_YUV420, "(4:2:0) decodes to NV12"},
        {{{2, 1}, {1, 1}, {1, 1}}, 3, VW_RT_YUV422, "(4:2:2) decodes to 422H"},
        {{{2, 2}, {1, 2}, {1, 2}}, 3, VW_RT_YUV422, "(4:2:2) decodes to 422H"}, /* ffmpeg's */
        {{{1, 1}, {1, 1}, {1, 1}}, 3, VW_RT_YUV444, "(4:4:4) decodes to 444P"},
        {{{2, 2}, {2, 2}, {2, 2}}, 3, VW_RT_YUV444, "(4:4:4) decodes to 444P"},
        {{{4, 2}, {2, 1}, {2, 1}}, 3, VW_RT_YUV420, "(4:2:0) decodes to NV12"},
        {{{1, 2}, {1, 1}, {1, 1}}, 3, 0, "sampling 1x2, 1x1, 1x1 (4:4:0) not supported"},
        {{{2, 2}, {2, 1}, {2, 1}}, 3, 0, "sampling 2x2, 2x1, 2x1 (4:4:0) not supported"},
        {{{4, 1}, {1, 1}, {1, 1}}, 3, 0, "sampling 4x1, 1x1, 1x1 (4:1:1) not supported"},
        {{{4, 2}, {1, 1}, {1, 1}}, 3, 0, "(4:1:0) not supported"},
        {{{3, 1}, {1, 1}, {1, 1}}, 3, 0, "sampling 3x1, 1x1, 1x1 (unusual)"},
        {{{2, 2}, {1, 2}, {1, 1}}, 3, 0, "sampling 2x2, 1x2, 1x1 (unusual)"},
        {{{1, 1}, {2, 2}, {2, 2}}, 3, 0, "(unusual)"},
        {{{1, 1}}, 1, 0, "1 component (grayscale)"},
    };
    static const uint32_t targets[] = {VW_RT_YUV420, VW_RT_YUV422, VW_RT_YUV444,
                                       VW_RT_YUV420_10, VW_RT_YUV422_10, VW_RT_YUV444_10};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct vw_jpeg_picture p = sampled(cases[i].n, cases[i].hv);
        for (size_t t = 0; t < sizeof(targets) / sizeof(targets[0]); t++) {
            struct vh_surface s = {.id = 7, .width = 64, .height = 32, .rt_format = targets[t],
                                   .pixel_format = vc_fourcc_of_rt_format(targets[t])};
            struct vh_error err = {0};
            int want = cases[i].accepts == targets[t] ? VW_OK
                       : cases[i].accepts            ? VW_ERR_UNSUPPORTED_FORMAT
                                                     : VW_ERR_UNSUPPORTED_STREAM;
            int got = vh_jpeg_check_picture(&p, &s, &err);
            CHECK_EQ(got, want);
            if (got != VW_OK && !strstr(err.message, cases[i].named)) {
                fprintf(stderr, "  case %zu: \"%s\" lacks \"%s\"\n", i, err.message,
                        cases[i].named);
                CHECK(0);
            }
            if (want == VW_ERR_UNSUPPORTED_FORMAT)
                CHECK(strstr(err.message, "surface 7 is") != NULL);
        }
    }
}

/* The sw caps: JPEG on 4:2:0, 4:2:2 and 4:4:4, preferring NV12; a codec
 * is created for each, and for no other format. */
static void test_caps(struct vh_engine *e)
{
    struct vw_cap caps[64];
    uint32_t n = 0;
    CHECK_EQ(ops->query_caps(e, caps, 64, &n), VW_OK);
    int found = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (caps[i].profile != VW_PROFILE_JPEG_BASELINE)
            continue;
        found++;
        CHECK_EQ(caps[i].rt_formats, VW_RT_YUV420 | VW_RT_YUV422 | VW_RT_YUV444);
        CHECK_EQ(caps[i].pixel_format, VW_FOURCC_NV12);
    }
    CHECK_EQ(found, 1);
    static const uint32_t formats[] = {VW_RT_YUV420, VW_RT_YUV422, VW_RT_YUV444,
                                       VW_RT_YUV420_10, VW_RT_YUV422_10, VW_RT_YUV444_10};
    for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
        struct vh_codec_desc d = {.profile = VW_PROFILE_JPEG_BASELINE,
                                  .entrypoint = VW_ENTRYPOINT_DECODE,
                                  .rt_format = formats[i], .width = 64, .height = 64};
        struct vh_codec *codec = NULL;
        struct vh_error err = {0};
        CHECK_EQ(ops->codec_create(e, &d, &codec, &err),
                 i < 3 ? VW_OK : VW_ERR_UNSUPPORTED_FORMAT);
        ops->codec_destroy(&codec);
    }
}

int main(void)
{
    struct vh_engine *e = NULL;
    struct vh_error err = {0};
    CHECK_EQ(ops->create(&e, &err), VW_OK);
    if (!e)
        return check_finish("test_sw_jpeg");
    test_sampling();
    test_caps(e);
    if (system("command -v ffmpeg >/dev/null 2>&1") != 0) {
        printf("test_sw_jpeg: ffmpeg missing, clip tests skipped\n");
        ops->destroy(&e);
        return check_failures ? 1 : 77;
    }
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/vivac-jpeg-XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    for (size_t i = 0; i < sizeof(clips) / sizeof(clips[0]); i++)
        test_clip(e, &clips[i]);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
    CHECK(system(cmd) == 0);
    ops->destroy(&e);
    return check_finish("test_sw_jpeg");
}
