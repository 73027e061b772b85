/*
 * The sw engine against libavcodec's own decoding: clips made at test time
 * with x264 (B-pyramids, weighted prediction, multiple slices, custom and
 * default scaling matrices, MBAFF, cropping, 16 references) are parsed here
 * into VA-level parameters, as a VA client would send them, decoded through
 * the engine's vtable, read back as NV12, and every picture's MD5 compared
 * with a plain libavcodec decode of the same file.  Also: capabilities,
 * refusals, black surfaces, PUT_IMAGE (copy-on-write of shared pictures),
 * and corrupt input.  Exits 77 (skipped) without ffmpeg and x264.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>
#include <libavutil/md5.h>

#include "check.h"
#include "read_file.h"
#include "h264_reader.h"
#include "host/engine.h"
#include "common/bitwriter.h"
#include "host/engines/engines.h"
#include "host/codecs/h264_param_sets.h"

#define NUM_SURFACES 24
#define MAX_FRAMES 128
#define MAX_SLICES 64

static const struct vh_engine_ops *ops = &vh_engine_sw;
static char tmpdir[64];

/* ---- clips --------------------------------------------------------------- */

static bool run(const char *cmd)
{
    return system(cmd) == 0;
}

static bool make_clip(const char *name, int w, int h, int frames, const char *vf,
                      const char *x264_opts, char *path, size_t path_size)
{
    snprintf(path, path_size, "%s/%s.264", tmpdir, name);
    char cmd[2048];
    snprintf(cmd, sizeof(cmd),
             "ffmpeg -nostdin -v error -f lavfi -i testsrc2=size=%dx%d:rate=25 -vf %s "
             "-frames:v %d -pix_fmt yuv420p -f yuv4mpegpipe - | "
             "x264 --quiet --demuxer y4m %s -o %s - 2>/dev/null",
             w, h, vf, frames, x264_opts, path);
    return run(cmd);
}

/* ---- hashes ------------------------------------------------------------- */

struct digest {
    uint8_t md5[16];
};

static int cmp_digest(const void *a, const void *b)
{
    return memcmp(a, b, sizeof(struct digest));
}

static void hash_planar(const AVFrame *f, int w, int h, struct digest *d)
{
    struct AVMD5 *md5 = av_md5_alloc();
    av_md5_init(md5);
    for (int y = 0; y < h; y++)
        av_md5_update(md5, f->data[0] + (size_t)y * f->linesize[0], w);
    for (int p = 1; p < 3; p++)
        for (int y = 0; y < h / 2; y++)
            av_md5_update(md5, f->data[p] + (size_t)y * f->linesize[p], w / 2);
    av_md5_final(md5, d->md5);
    av_free(md5);
}

/* Same order as hash_planar, from an NV12 image. */
static void hash_nv12(const uint8_t *img, const struct vw_image_layout *l, int w, int h,
                      struct digest *d)
{
    struct AVMD5 *md5 = av_md5_alloc();
    uint8_t *row = malloc((size_t)w);
    av_md5_init(md5);
    for (int y = 0; y < h; y++)
        av_md5_update(md5, img + l->offsets[0] + (size_t)y * l->pitches[0], w);
    for (int p = 0; p < 2; p++)
        for (int y = 0; y < h / 2; y++) {
            const uint8_t *uv = img + l->offsets[1] + (size_t)y * l->pitches[1];
            for (int x = 0; x < w / 2; x++)
                row[x] = uv[2 * x + p];
            av_md5_update(md5, row, w / 2);
        }
    av_md5_final(md5, d->md5);
    av_free(md5);
    free(row);
}

/* ---- reference: libavcodec on the file ---------------------------------- */

static int reference_decode(const uint8_t *data, size_t size, struct digest *out, int max,
                            int *w, int *h)
{
    const AVCodec *dec = avcodec_find_decoder(AV_CODEC_ID_H264);
    AVCodecContext *avctx = avcodec_alloc_context3(dec);
    AVCodecParserContext *parser = av_parser_init(AV_CODEC_ID_H264);
    AVPacket *pkt = av_packet_alloc();
    AVFrame *frame = av_frame_alloc();
    int n = 0;
    avctx->thread_count = 1;
    if (avcodec_open2(avctx, dec, NULL) < 0)
        goto out;
    for (size_t pos = 0;;) {
        uint8_t *pd = NULL;
        int ps = 0;
        int used = av_parser_parse2(parser, avctx, &pd, &ps, size > pos ? data + pos : NULL,
                                    (int)(size - pos), AV_NOPTS_VALUE, AV_NOPTS_VALUE, 0);
        pos += (size_t)used;
        bool eof = used == 0 && ps == 0;
        pkt->data = pd;
        pkt->size = ps;
        if (ps)
            avcodec_send_packet(avctx, pkt);
        if (eof)
            avcodec_send_packet(avctx, NULL);
        while (avcodec_receive_frame(avctx, frame) == 0) {
            if (n < max) {
                *w = frame->width;
                *h = frame->height;
                hash_planar(frame, frame->width, frame->height, &out[n++]);
            }
            av_frame_unref(frame);
        }
        if (eof)
            break;
    }
out:
    av_frame_free(&frame);
    av_packet_free(&pkt);
    av_parser_close(parser);
    avcodec_free_context(&avctx);
    return n;
}

/* ---- the VA-client side ---------------------------------------------------- */

struct nal {
    const uint8_t *data;
    size_t size;
};

static int split_nals(const uint8_t *d, size_t n, struct nal *nals, int max)
{
    int count = 0;
    size_t i = 0;
    while (i + 3 <= n) {
        if (d[i] == 0 && d[i + 1] == 0 && d[i + 2] == 1) {
            size_t start = i + 3, j = start;
            while (j + 3 <= n && !(d[j] == 0 && d[j + 1] == 0 && d[j + 2] == 1))
                j++;
            size_t end = j + 3 <= n ? j : n;
            while (end > start && d[end - 1] == 0)
                end--;                        /* trailing_zero_8bits / 4-byte start codes */
            if (count < max)
                nals[count++] = (struct nal){d + start, end - start};
            i = j;
        } else {
            i++;
        }
    }
    return count;
}

struct client {
    struct vh_engine *engine;
    struct vh_codec *codec;
    struct vh_surface surfaces[NUM_SURFACES];
    uint32_t width, height;                   /* visible size */
    struct tr_sps *sps[32];
    struct tr_pps *pps[256];
    /* picture being assembled */
    struct vw_h264_picture pic;
    struct vw_h264_iq_matrix iq;
    struct vw_h264_slice slice_params[MAX_SLICES];
    struct vh_slice slices[MAX_SLICES];
    uint32_t num_slices;
    struct tr_slice first;
    /* field pairing */
    bool pending_first_field;
    bool second_field;                        /* the picture being assembled */
    bool pending_bottom;
    uint32_t pending_frame_num;
    int frame_index;
    struct vh_surface *target;
    /* results */
    struct digest got[MAX_FRAMES];
    int num_got;
    int decode_errors;
    int last_status;
    char last_message[VW_MESSAGE_TEXT_MAX];
    /* hooks */
    bool corrupt;                             /* garble P/B slice data */
    int garbled;
    bool put_image_after_first;               /* PUT_IMAGE into the first picture's surface */
    bool frames_outlive_codec;
};

static void read_surface_hash(struct client *c, struct vh_surface *s, struct digest *d)
{
    /* Pitches wider than the picture and a gap between the planes, with
     * canaries, to check the engine follows the layout exactly. */
    struct vw_image_layout l = {.pixel_format = VW_FOURCC_NV12, .num_planes = 2};
    l.pitches[0] = c->width + 32;
    l.pitches[1] = c->width + 64;
    l.offsets[0] = 16;
    l.offsets[1] = l.offsets[0] + l.pitches[0] * c->height + 48;
    size_t size = l.offsets[1] + (size_t)l.pitches[1] * (c->height / 2) + 16;
    uint8_t *img = malloc(size);
    memset(img, 0xa5, size);
    struct vh_rect r = {0, 0, c->width, c->height};
    struct vh_error err = {0};
    CHECK_EQ(ops->surface_read(c->engine, s, &r, &l, img, &err), VW_OK);
    hash_nv12(img, &l, (int)c->width, (int)c->height, d);
    CHECK_EQ(img[0], 0xa5);
    CHECK_EQ(img[l.offsets[0] + c->width], 0xa5);        /* pitch padding untouched */
    CHECK_EQ(img[l.offsets[1] - 1], 0xa5);
    CHECK_EQ(img[size - 1], 0xa5);
    free(img);
}

static void fill_picture(struct client *c, const struct tr_sps *sps, const struct tr_pps *pps,
                         const struct tr_slice *s)
{
    struct vw_h264_picture *p = &c->pic;
    memset(p, 0, sizeof(*p));
    p->curr_pic.surface_id = c->target->id;
    p->curr_pic.frame_idx = s->frame_num;
    p->curr_pic.flags = s->field_pic ? (s->bottom_field ? VW_H264_PIC_BOTTOM_FIELD
                                                        : VW_H264_PIC_TOP_FIELD) : 0;
    for (int i = 0; i < 16; i++) {
        p->reference_frames[i].surface_id = VW_INVALID_ID;
        p->reference_frames[i].flags = VW_H264_PIC_INVALID;
    }
    p->picture_width_in_mbs_minus1 = (uint16_t)sps->width_mbs_minus1;
    p->picture_height_in_mbs_minus1 =
        (uint16_t)((sps->height_map_units_minus1 + 1) * (2 - sps->frame_mbs_only) - 1);
    p->bit_depth_luma_minus8 = (uint8_t)sps->bit_depth_luma_minus8;
    p->bit_depth_chroma_minus8 = (uint8_t)sps->bit_depth_chroma_minus8;
    p->num_ref_frames = (uint8_t)sps->num_ref_frames;
    p->chroma_format_idc = (uint8_t)sps->chroma_format_idc;
    p->gaps_in_frame_num_value_allowed_flag = sps->gaps;
    p->frame_mbs_only_flag = sps->frame_mbs_only;
    p->mb_adaptive_frame_field_flag = sps->mbaff;
    p->direct_8x8_inference_flag = sps->direct_8x8;
    p->min_luma_bi_pred_size8x8 = sps->level_idc >= 31;
    p->log2_max_frame_num_minus4 = (uint8_t)sps->log2_max_frame_num_minus4;
    p->pic_order_cnt_type = (uint8_t)sps->poc_type;
    p->log2_max_pic_order_cnt_lsb_minus4 = (uint8_t)sps->log2_max_poc_lsb_minus4;
    p->delta_pic_order_always_zero_flag = sps->delta_pic_order_always_zero;
    p->pic_init_qp_minus26 = (int8_t)pps->pic_init_qp_minus26;
    p->pic_init_qs_minus26 = (int8_t)pps->pic_init_qs_minus26;
    p->chroma_qp_index_offset = (int8_t)pps->chroma_qp_index_offset;
    p->second_chroma_qp_index_offset = (int8_t)pps->second_chroma_qp_index_offset;
    p->entropy_coding_mode_flag = pps->cabac;
    p->weighted_pred_flag = pps->weighted_pred;
    p->weighted_bipred_idc = (uint8_t)pps->weighted_bipred_idc;
    p->transform_8x8_mode_flag = pps->transform_8x8;
    p->field_pic_flag = s->field_pic;
    p->constrained_intra_pred_flag = pps->constrained_intra_pred;
    p->pic_order_present_flag = pps->bottom_field_pic_order_present;
    p->deblocking_filter_control_present_flag = pps->deblocking_filter_control_present;
    p->redundant_pic_cnt_present_flag = pps->redundant_pic_cnt_present;
    p->reference_pic_flag = s->nal_ref_idc != 0;
    p->frame_num = (uint16_t)s->frame_num;
    /* The effective matrices, raster order, as ffmpeg's VA-API hwaccel sends. */
    memcpy(c->iq.scaling_list_4x4, pps->m4, sizeof(c->iq.scaling_list_4x4));
    memcpy(c->iq.scaling_list_8x8, pps->m8, sizeof(c->iq.scaling_list_8x8));
}

static void put_image_block(struct client *c, struct vh_surface *s)
{
    /* An 8x4 block of a pattern at (2, 4), then check it reads back. */
    uint8_t img[8 * 4 + 8 * 2];
    struct vw_image_layout l = {.pixel_format = VW_FOURCC_NV12, .num_planes = 2,
                                .pitches = {8, 8}, .offsets = {0, 8 * 4}};
    for (size_t i = 0; i < sizeof(img); i++)
        img[i] = (uint8_t)(i * 7 + 3);
    struct vh_rect src = {0, 0, 8, 4};
    struct vh_error err = {0};
    CHECK_EQ(ops->surface_write(c->engine, s, &src, 2, 4, &l, img, &err), VW_OK);
    uint8_t back[sizeof(img)];
    struct vh_rect r = {2, 4, 8, 4};
    CHECK_EQ(ops->surface_read(c->engine, s, &r, &l, back, &err), VW_OK);
    CHECK(memcmp(back, img, sizeof(img)) == 0);
}

static void decode_picture(struct client *c)
{
    if (!c->num_slices)
        return;
    struct vh_picture pic = {
        .codec = VW_CODEC_H264,
        .h264 = &c->pic,
        .h264_iq = &c->iq,
        .num_slices = c->num_slices,
        .slices = c->slices,
        .target = c->target,
    };
    struct vh_error err = {0};
    int rc = ops->decode(c->codec, &pic, &err);
    c->last_status = rc;
    snprintf(c->last_message, sizeof(c->last_message), "%s", rc ? err.message : "");
    if (rc) {
        c->decode_errors++;
        if (!c->corrupt)
            fprintf(stderr, "decode failed: %d %s\n", rc, err.message);
    }
    /* A frame is complete after a frame picture or a second field. */
    bool frame_done = !c->first.field_pic || c->second_field;
    c->pending_first_field = c->first.field_pic && !c->second_field;
    c->pending_bottom = c->first.bottom_field;
    c->pending_frame_num = c->first.frame_num;
    if (frame_done) {
        if (c->num_got < MAX_FRAMES && !c->corrupt)
            read_surface_hash(c, c->target, &c->got[c->num_got++]);
        if (c->put_image_after_first && c->frame_index == 0)
            put_image_block(c, c->target);
        c->frame_index++;
    }
    c->num_slices = 0;
}

static void add_slice(struct client *c, const struct nal *n, const struct tr_slice *s)
{
    const struct tr_pps *pps = c->pps[s->pps_id];
    const struct tr_sps *sps = c->sps[pps->sps_id];
    if (s->first_mb == 0) {
        decode_picture(c);
        c->second_field = s->field_pic && c->pending_first_field &&
                          s->bottom_field != c->pending_bottom &&
                          s->frame_num == c->pending_frame_num;
        if (!c->second_field)
            c->target = &c->surfaces[c->frame_index % NUM_SURFACES];
        c->first = *s;
        fill_picture(c, sps, pps, s);
    }
    if (c->num_slices >= MAX_SLICES)
        return;
    struct vw_h264_slice *sp = &c->slice_params[c->num_slices];
    memset(sp, 0, sizeof(*sp));
    sp->slice_data_size = (uint32_t)n->size;
    sp->first_mb_in_slice = (uint16_t)s->first_mb;
    sp->slice_type = (uint8_t)s->slice_type;
    sp->direct_spatial_mv_pred_flag = s->direct_spatial;
    /* ffmpeg's VA-API hwaccel: counts of lists the slice does not use are 0. */
    bool p_or_b = s->slice_type == 0 || s->slice_type == 1 || s->slice_type == 3;
    sp->num_ref_idx_l0_active_minus1 = p_or_b ? (uint8_t)s->num_ref_idx_minus1[0] : 0;
    sp->num_ref_idx_l1_active_minus1 = s->slice_type == 1 ? (uint8_t)s->num_ref_idx_minus1[1] : 0;
    struct vh_slice *vs = &c->slices[c->num_slices++];
    vs->h264 = sp;
    vs->data = n->data;
    vs->size = (uint32_t)n->size;

    if (c->corrupt && s->slice_type != 2 && n->size > 24) {
        /* Garble the slice data (not the header) of inter slices. */
        uint8_t *d = (uint8_t *)n->data;
        c->garbled++;
        for (size_t i = 12; i < n->size; i++)
            d[i] = (uint8_t)(d[i] * 13 + i);
    }
}

static bool engine_decode(struct client *c, uint8_t *data, size_t size)
{
    struct nal *nals = calloc(4096, sizeof(*nals));
    int count = split_nals(data, size, nals, 4096);
    for (int i = 0; i < count; i++) {
        const struct nal *n = &nals[i];
        uint8_t type = n->data[0] & 0x1f;
        uint8_t rbsp[2048];
        if (type == 7) {
            size_t m = tr_unescape(n->data + 1, n->size - 1 < 2048 ? n->size - 1 : 2048, rbsp);
            struct tr_sps *s = calloc(1, sizeof(*s));
            CHECK(tr_parse_sps(rbsp, m, s));
            if (s->sps_id < 32) {
                free(c->sps[s->sps_id]);
                c->sps[s->sps_id] = s;
            } else {
                free(s);
            }
        } else if (type == 8) {
            size_t m = tr_unescape(n->data + 1, n->size - 1 < 2048 ? n->size - 1 : 2048, rbsp);
            struct tr_bits b = {.buf = rbsp, .bits = m * 8};
            tr_ue(&b);
            uint32_t sps_id = tr_ue(&b);
            struct tr_pps *p = calloc(1, sizeof(*p));
            if (sps_id < 32 && c->sps[sps_id] && tr_parse_pps(rbsp, m, c->sps[sps_id], p) &&
                p->pps_id < 256) {
                free(c->pps[p->pps_id]);
                c->pps[p->pps_id] = p;
            } else {
                CHECK(!"bad PPS");
                free(p);
            }
        } else if (type == 1 || type == 5) {
            struct tr_slice s;
            if (tr_parse_slice(n->data, n->size, (const struct tr_sps *const *)c->sps,
                               (const struct tr_pps *const *)c->pps, &s))
                add_slice(c, n, &s);
            else
                CHECK(!"bad slice header");
        }
    }
    decode_picture(c);
    free(nals);
    return true;
}

static void client_init(struct client *c, uint32_t w, uint32_t h)
{
    memset(c, 0, sizeof(*c));
    c->width = w;
    c->height = h;
    struct vh_error err = {0};
    CHECK_EQ(ops->create(&c->engine, &err), VW_OK);
    struct vh_codec_desc desc = {VW_PROFILE_H264_HIGH, VW_ENTRYPOINT_DECODE, VW_RT_YUV420, w, h};
    CHECK_EQ(ops->codec_create(c->engine, &desc, &c->codec, &err), VW_OK);
    for (uint32_t i = 0; i < NUM_SURFACES; i++) {
        c->surfaces[i] = (struct vh_surface){.id = i + 1, .width = w, .height = h,
                                             .rt_format = VW_RT_YUV420,
                                             .pixel_format = VW_FOURCC_NV12};
        CHECK_EQ(ops->surface_init(c->engine, &c->surfaces[i], &err), VW_OK);
    }
}

static void client_fini(struct client *c)
{
    if (c->frames_outlive_codec)
        ops->codec_destroy(&c->codec);
    for (uint32_t i = 0; i < NUM_SURFACES; i++)
        ops->surface_fini(c->engine, &c->surfaces[i]);
    ops->codec_destroy(&c->codec);
    CHECK(c->codec == NULL);
    ops->codec_destroy(&c->codec);            /* NULL is fine */
    ops->destroy(&c->engine);
    CHECK(c->engine == NULL);
    for (int i = 0; i < 32; i++)
        free(c->sps[i]);
    for (int i = 0; i < 256; i++)
        free(c->pps[i]);
}

struct clip {
    const char *name;
    int w, h, frames;
    const char *vf;
    const char *opts;
};

/* Decodes `data` through the engine and through libavcodec, compares every
 * picture; then again with garbled inter slices (errors, never a crash).
 * Garbling modifies `data`. */
static void compare_stream(const char *name, uint8_t *data, size_t size, int w, int h,
                           int frames, struct digest *expect)
{
    struct digest ref[MAX_FRAMES];
    int rw = 0, rh = 0;
    int nref = reference_decode(data, size, ref, MAX_FRAMES, &rw, &rh);
    if (frames >= 0) {
        CHECK_EQ(nref, frames);
        CHECK_EQ(rw, w);
        CHECK_EQ(rh, h);
    }
    if (expect)                               /* known pictures, in display order */
        for (int i = 0; i < nref && i < frames; i++)
            CHECK(memcmp(&ref[i], &expect[i], sizeof(ref[i])) == 0);

    struct client *c = calloc(1, sizeof(*c));
    client_init(c, (uint32_t)rw, (uint32_t)rh);
    c->put_image_after_first = true;
    c->frames_outlive_codec = frames % 2 == 0;
    engine_decode(c, data, size);
    CHECK_EQ(c->decode_errors, 0);
    CHECK_EQ(c->num_got, nref);

    /* Decode order vs display order: compare as sets. */
    qsort(ref, (size_t)nref, sizeof(ref[0]), cmp_digest);
    qsort(c->got, (size_t)c->num_got, sizeof(c->got[0]), cmp_digest);
    int same = 0;
    for (int i = 0; i < nref && i < c->num_got; i++)
        same += memcmp(&ref[i], &c->got[i], sizeof(ref[i])) == 0;
    CHECK_EQ(same, nref);
    printf("%-24s %dx%d: %d/%d pictures identical to libavcodec\n", name, rw, rh, same, nref);
    client_fini(c);
    free(c);

    c = calloc(1, sizeof(*c));
    client_init(c, (uint32_t)rw, (uint32_t)rh);
    c->corrupt = true;
    engine_decode(c, data, size);
    CHECK(c->garbled == 0 || c->decode_errors > 0);
    client_fini(c);
    free(c);
}

static void test_clip(const struct clip *clip)
{
    char path[256];
    if (!make_clip(clip->name, clip->w, clip->h, clip->frames, clip->vf, clip->opts, path,
                   sizeof(path))) {
        CHECK(!"clip generation failed");
        return;
    }
    size_t size = 0;
    uint8_t *data = read_file(path, &size);
    CHECK(data != NULL);
    if (data)
        compare_stream(clip->name, data, size, clip->w, clip->h, clip->frames, NULL);
    free(data);
}

/* ---- field pictures ---------------------------------------------------------
 * x264 cannot code field pictures (PAFF), so this stream is made here: a
 * 16x32 sequence with frame_mbs_only_flag 0, two frames of two I_PCM field
 * pictures each (top first), so that the expected frames are known: the
 * second field must land in the first field's picture, interleaved. */

static size_t put_nal_sc(uint8_t *dst, const uint8_t *nal, size_t n)
{
    static const uint8_t sc[4] = {0, 0, 0, 1};
    memcpy(dst, sc, 4);
    memcpy(dst + 4, nal, n);
    return n + 4;
}

static uint8_t field_sample(int frame, bool bottom, int i)
{
    return (uint8_t)(16 + ((i * 5 + frame * 70 + (bottom ? 35 : 0)) % 220));
}

static size_t field_slice(int frame, bool bottom, uint8_t *dst)
{
    uint8_t rbsp[512], nal[1024];
    struct vc_bitwriter bw;
    vc_bw_init(&bw, rbsp, sizeof(rbsp));
    bool idr = frame == 0 && !bottom;
    vc_bw_put_ue(&bw, 0);                     /* first_mb_in_slice */
    vc_bw_put_ue(&bw, 7);                     /* I */
    vc_bw_put_ue(&bw, 0);                     /* pps */
    vc_bw_put_bits(&bw, 4, (uint32_t)frame);  /* frame_num */
    vc_bw_put_flag(&bw, 1);                   /* field_pic_flag */
    vc_bw_put_flag(&bw, bottom);              /* bottom_field_flag */
    if (idr)
        vc_bw_put_ue(&bw, 0);                 /* idr_pic_id */
    vc_bw_put_bits(&bw, 4, (uint32_t)(frame * 4 + bottom));  /* pic_order_cnt_lsb */
    if (idr) {
        vc_bw_put_flag(&bw, 0);               /* no_output_of_prior_pics */
        vc_bw_put_flag(&bw, 0);               /* long_term_reference */
    } else {
        vc_bw_put_flag(&bw, 0);               /* adaptive_ref_pic_marking_mode */
    }
    vc_bw_put_se(&bw, 0);                     /* slice_qp_delta */
    vc_bw_put_ue(&bw, 1);                     /* disable_deblocking_filter_idc */
    vc_bw_put_ue(&bw, 25);                    /* I_PCM */
    while (bw.bits & 7)
        vc_bw_put_bits(&bw, 1, 0);
    for (int i = 0; i < 384; i++)
        vc_bw_put_bits(&bw, 8, field_sample(frame, bottom, i));
    vc_bw_put_trailing_bits(&bw);
    nal[0] = idr ? 0x65 : 0x61;
    size_t n = vc_nal_escape(rbsp, vc_bw_bytes(&bw), nal + 1, sizeof(nal) - 1) + 1;
    return put_nal_sc(dst, nal, n);
}

static void test_field_pictures(void)
{
    struct vw_h264_picture p;
    memset(&p, 0, sizeof(p));
    p.picture_width_in_mbs_minus1 = 0;
    p.picture_height_in_mbs_minus1 = 1;       /* 16x32 frame, 16x16 fields */
    p.chroma_format_idc = 1;
    p.num_ref_frames = 1;
    p.frame_mbs_only_flag = 0;
    p.direct_8x8_inference_flag = 1;
    p.log2_max_frame_num_minus4 = 0;
    p.log2_max_pic_order_cnt_lsb_minus4 = 0;
    p.deblocking_filter_control_present_flag = 1;

    uint8_t *data = malloc(8192);
    size_t n = 0;
    uint8_t ps[VH_H264_PS_MAX];
    n += put_nal_sc(data + n, ps, vh_h264_write_sps(&p, ps, sizeof(ps)));
    n += put_nal_sc(data + n, ps, vh_h264_write_pps(&p, NULL,
                                                    &(struct vh_h264_pps_extra){0}, ps, sizeof(ps)));
    for (int f = 0; f < 2; f++)
        for (int b = 0; b < 2; b++)
            n += field_slice(f, b, data + n);

    /* Expected frames: field lines interleaved. */
    struct digest expect[2];
    AVFrame *fr = av_frame_alloc();
    fr->format = AV_PIX_FMT_YUV420P;
    fr->width = 16;
    fr->height = 32;
    CHECK_EQ(av_frame_get_buffer(fr, 0), 0);
    for (int f = 0; f < 2; f++) {
        for (int y = 0; y < 32; y++)
            for (int x = 0; x < 16; x++)
                fr->data[0][y * fr->linesize[0] + x] = field_sample(f, y & 1, (y / 2) * 16 + x);
        for (int c = 0; c < 2; c++)
            for (int y = 0; y < 16; y++)
                for (int x = 0; x < 8; x++)
                    fr->data[1 + c][y * fr->linesize[1 + c] + x] =
                        field_sample(f, y & 1, 256 + c * 64 + (y / 2) * 8 + x);
        hash_planar(fr, 16, 32, &expect[f]);
    }
    av_frame_free(&fr);
    compare_stream("field_pictures", data, n, 16, 32, 2, expect);
    free(data);
}

/* ---- engine basics ----------------------------------------------------------- */

static void test_caps_and_refusals(void)
{
    struct vh_engine *e = NULL;
    struct vh_error err = {0};
    CHECK(vh_engine_find("sw") == &vh_engine_sw);
    CHECK(vh_engine_find("nope") == NULL);
    bool listed = false;                      /* after hardware engines, if any */
    for (size_t i = 0; vh_engine_registry[i]; i++)
        listed |= vh_engine_registry[i] == &vh_engine_sw;
    CHECK(listed);
    CHECK_EQ(ops->create(&e, &err), VW_OK);

    struct vw_cap caps[8];
    uint32_t n = 0;
    CHECK_EQ(ops->query_caps(e, caps, 8, &n), VW_OK);
    CHECK_EQ(n, 8); /* H.264 x3, VP9 profile 0, VP8, MPEG-2 Simple and Main, HEVC Main */
    for (uint32_t i = 0; i < n; i++) {
        CHECK_EQ(caps[i].profile, i + 1);
        CHECK_EQ(caps[i].entrypoint, VW_ENTRYPOINT_DECODE);
        CHECK_EQ(caps[i].rt_formats, VW_RT_YUV420);
        CHECK_EQ(caps[i].pixel_format, VW_FOURCC_NV12);
        CHECK_EQ(caps[i].min_width, 16);
        /* H.264: level 5.1's largest frame (the others: test_sw_limits.c). */
        if (vw_codec_of_profile(caps[i].profile) == VW_CODEC_H264) {
            CHECK_EQ(caps[i].max_width, 4096);
            CHECK_EQ(caps[i].max_height, 2304);
        }
        CHECK(strcmp(caps[i].engine_name, "sw") == 0);
    }
    CHECK_EQ(ops->query_caps(e, caps, 1, &n), VW_OK);
    CHECK_EQ(n, 1);

    struct vh_codec *codec = NULL;
    struct vh_codec_desc d = {VW_PROFILE_H264_MAIN, VW_ENTRYPOINT_DECODE, VW_RT_YUV420, 1920, 1080};
    d.profile = 99;
    CHECK_EQ(ops->codec_create(e, &d, &codec, &err), VW_ERR_UNSUPPORTED_PROFILE);
    d.profile = VW_PROFILE_H264_MAIN;
    d.entrypoint = 7;
    CHECK_EQ(ops->codec_create(e, &d, &codec, &err), VW_ERR_UNSUPPORTED_ENTRYPOINT);
    d.entrypoint = VW_ENTRYPOINT_DECODE;
    d.rt_format = 4;
    CHECK_EQ(ops->codec_create(e, &d, &codec, &err), VW_ERR_UNSUPPORTED_FORMAT);
    d.rt_format = VW_RT_YUV420;
    d.width = 4112;
    CHECK_EQ(ops->codec_create(e, &d, &codec, &err), VW_ERR_RESOLUTION);
    d.width = 8;
    CHECK_EQ(ops->codec_create(e, &d, &codec, &err), VW_ERR_RESOLUTION);
    CHECK(codec == NULL);
    d.width = 4096;
    d.height = 2304;
    CHECK_EQ(ops->codec_create(e, &d, &codec, &err), VW_OK);

    /* Requests the engine must refuse cleanly. */
    struct vh_surface s = {.id = 1, .width = 64, .height = 32, .rt_format = VW_RT_YUV420,
                           .pixel_format = VW_FOURCC_NV12};
    CHECK_EQ(ops->surface_init(e, &s, &err), VW_OK);
    struct vw_h264_picture p;
    memset(&p, 0, sizeof(p));
    p.chroma_format_idc = 1;
    p.frame_mbs_only_flag = 1;
    p.pic_order_cnt_type = 1;
    uint8_t nal[] = {0x65, 0x88, 0x84, 0x00, 0x10};
    struct vw_h264_slice sp;
    memset(&sp, 0, sizeof(sp));
    struct vh_slice slice = {&sp, nal, sizeof(nal)};
    struct vh_picture pic = {.codec = VW_CODEC_H264, .h264 = &p, .num_slices = 1,
                             .slices = &slice, .target = &s};
    CHECK_EQ(ops->decode(codec, &pic, &err), VW_ERR_UNSUPPORTED_STREAM);
    p.pic_order_cnt_type = 0;
    p.num_slice_groups_minus1 = 2;
    CHECK_EQ(ops->decode(codec, &pic, &err), VW_ERR_UNSUPPORTED_STREAM);
    p.num_slice_groups_minus1 = 0;
    nal[0] = 0x06;                            /* an SEI where a slice belongs */
    CHECK_EQ(ops->decode(codec, &pic, &err), VW_ERR_DECODE);
    nal[0] = 0x65;
    slice.size = 1;
    CHECK_EQ(ops->decode(codec, &pic, &err), VW_ERR_DECODE);
    slice.size = sizeof(nal);
    /* A header that parses but slice data that is garbage. */
    CHECK_EQ(ops->decode(codec, &pic, &err), VW_ERR_DECODE);
    CHECK(err.message[0] != '\0');

    /* Never written: black, exactly the rectangle. */
    ops->surface_fini(e, &s);
    CHECK_EQ(ops->surface_init(e, &s, &err), VW_OK);
    uint8_t img[64 * 32 * 3 / 2 + 8];
    memset(img, 0x55, sizeof(img));
    struct vw_image_layout l = {.pixel_format = VW_FOURCC_NV12, .num_planes = 2,
                                .pitches = {32, 32}, .offsets = {0, 32 * 32}};
    struct vh_rect r = {2, 2, 30, 30};
    CHECK_EQ(ops->surface_read(e, &s, &r, &l, img, &err), VW_OK);
    bool black = true;
    for (int y = 0; y < 30; y++)
        for (int x = 0; x < 32; x++)
            black &= img[y * 32 + x] == (x < 30 ? 0x10 : 0x55);
    for (int y = 0; y < 15; y++)
        for (int x = 0; x < 32; x++)
            black &= img[32 * 32 + y * 32 + x] == (x < 30 ? 0x80 : 0x55);
    CHECK(black);
    l.pixel_format = VW_FOURCC('Y', 'V', '1', '2');
    CHECK_EQ(ops->surface_read(e, &s, &r, &l, img, &err), VW_ERR_UNSUPPORTED_FORMAT);

    /* Written, then read elsewhere: the rest stays black. */
    l.pixel_format = VW_FOURCC_NV12;
    uint8_t src[4 * 4 + 4 * 2];
    struct vw_image_layout sl = {.pixel_format = VW_FOURCC_NV12, .num_planes = 2,
                                 .pitches = {4, 4}, .offsets = {0, 16}};
    for (int i = 0; i < 24; i++)
        src[i] = (uint8_t)(200 + i);
    struct vh_rect sr = {2, 0, 2, 2};         /* the right half of the 4x4 image */
    CHECK_EQ(ops->surface_write(e, &s, &sr, 60, 30, &sl, src, &err), VW_OK);
    struct vh_rect rr = {58, 28, 6, 4};
    uint8_t out[6 * 4 + 6 * 2];
    struct vw_image_layout ol = {.pixel_format = VW_FOURCC_NV12, .num_planes = 2,
                                 .pitches = {6, 6}, .offsets = {0, 24}};
    CHECK_EQ(ops->surface_read(e, &s, &rr, &ol, out, &err), VW_OK);
    const uint8_t want[36] = {
        0x10, 0x10, 0x10, 0x10, 0x10, 0x10,  0x10, 0x10, 0x10, 0x10, 0x10, 0x10,
        0x10, 0x10, 202, 203, 0x10, 0x10,  0x10, 0x10, 206, 207, 0x10, 0x10,
        0x80, 0x80, 0x80, 0x80, 0x80, 0x80,  0x80, 0x80, 218, 219, 0x80, 0x80,
    };
    CHECK(memcmp(out, want, sizeof(want)) == 0);
    struct vh_rect big = {0, 0, 64, 34};
    CHECK_EQ(ops->surface_write(e, &s, &big, 0, 0, &sl, src, &err), VW_ERR_INTERNAL);

    ops->surface_fini(e, &s);
    CHECK(s.engine_data == NULL);
    ops->surface_fini(e, &s);                 /* twice is harmless */
    ops->codec_destroy(&codec);
    ops->destroy(&e);
    ops->destroy(&e);
    ops->destroy(NULL);
}

static const struct clip clips[] = {
    {"baseline_slices", 176, 144, 24, "null", "--profile baseline --keyint 10 --slices 3"},
    {"main_bpyramid_wp", 176, 144, 30, "fade=in:0:10", "--profile main --bframes 3 "
     "--b-pyramid normal --weightb --weightp 2 --ref 4 --keyint 15 --no-8x8dct"},
    {"high_cqm_custom", 320, 192, 20, "null", "--profile high --8x8dct --bframes 2 --slices 2 "
     "--cqm4iy 6,9,14,20,11,15,22,30,17,23,31,40,25,33,42,52 "
     "--cqm4ic 20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,99 "
     "--cqm4py 8,60,9,61,10,62,11,63,12,64,13,65,14,66,15,67 "
     "--cqm4pc 8,60,9,61,10,62,11,63,12,64,13,65,14,66,15,67 "
     "--cqm8i 6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,"
     "33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59,60,61,"
     "62,63,64,65,80,81,82,90 "
     "--cqm8p 9,13,13,15,13,15,17,17,17,17,19,19,19,19,19,21,21,21,21,21,21,22,22,22,22,22,22,"
     "22,24,24,24,24,24,24,24,24,25,25,25,25,25,25,25,27,27,27,27,27,27,28,28,28,28,28,30,30,"
     "30,30,30,30,30,30,30,30"},
    {"high_cqm_jvt", 176, 144, 16, "null", "--profile high --8x8dct --cqm jvt --bframes 2"},
    {"mbaff", 176, 144, 20, "null", "--profile high --interlaced --tff --bframes 2"},
    {"odd_size", 350, 198, 16, "null", "--profile high --bframes 2"},
    {"ref16", 176, 144, 40, "null", "--profile high --ref 16 --bframes 3 --b-pyramid normal"},
};

/* With arguments: compares those Annex-B files instead (developer use). */
int main(int argc, char **argv)
{
    if (argc > 1) {
        for (int i = 1; i < argc; i++) {
            size_t size = 0;
            uint8_t *data = read_file(argv[i], &size);
            CHECK(data != NULL);
            if (data)
                compare_stream(argv[i], data, size, 0, 0, -1, NULL);
            free(data);
        }
        return check_finish("test_sw_h264");
    }
    test_caps_and_refusals();
    test_field_pictures();

    if (!run("command -v ffmpeg >/dev/null 2>&1 && command -v x264 >/dev/null 2>&1")) {
        printf("test_sw_h264: ffmpeg or x264 missing, clip tests skipped\n");
        return check_failures ? 1 : 77;
    }
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/vivac-sw-XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    for (size_t i = 0; i < sizeof(clips) / sizeof(clips[0]); i++)
        test_clip(&clips[i]);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
    run(cmd);
    return check_finish("test_sw_h264");
}
