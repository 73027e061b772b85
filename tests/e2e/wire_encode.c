/* Encodes a synthetic moving pattern through vivacd at the wire level and
 * writes the Annex B stream: what a VA driver's encode does, without one.
 *
 *   wire_encode SOCKET OUT [--codec h264|hevc] [--profile cb|main|high|main10]
 *       [--size WxH] [--frames N] [--idr N] [--force-idr K] [--rc cqp|cbr|vbr]
 *       [--qp Q] [--bitrate B] [--rate-change K:B] [--inline] [--source FILE]
 *       [--level IDC] [--vui] [--quality N]
 *
 * --size is the display size; the codec's coded size is it rounded up to
 * 16 (cropped back), the input surfaces are the display size, as FFmpeg's
 * VA-API encoder makes them. --vui: full range, BT.709 colour description,
 * SAR 4:3, timing info; --level: level_idc as the codec writes it. --idr N: an IDR every N pictures (0: the first
 * only); --force-idr K: also at picture K. Prints one line per picture
 * ("pic K type T size S qp Q") and exits 0 when every picture was encoded. */
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "encode_client.h"

struct options {
    uint32_t profile, width, height, frames, idr, force_idr, rc, qp, bitrate;
    uint32_t change_at, change_to, level, quality;
    bool inline_coded, vui;
    const char *out, *source;
};

static int parse(int argc, char **argv, struct options *o)
{
    static const struct option longs[] = {
        {"codec", required_argument, 0, 'c'}, {"profile", required_argument, 0, 'p'},
        {"size", required_argument, 0, 's'}, {"frames", required_argument, 0, 'n'},
        {"idr", required_argument, 0, 'i'}, {"force-idr", required_argument, 0, 'f'},
        {"rc", required_argument, 0, 'r'}, {"qp", required_argument, 0, 'q'},
        {"bitrate", required_argument, 0, 'b'}, {"rate-change", required_argument, 0, 'x'},
        {"inline", no_argument, 0, 'l'}, {"source", required_argument, 0, 'S'},
        {"level", required_argument, 0, 'L'}, {"vui", no_argument, 0, 'v'},
        {"quality", required_argument, 0, 'Q'},
        {0, 0, 0, 0}};
    *o = (struct options){.profile = VW_PROFILE_H264_HIGH, .width = 320, .height = 240,
                          .frames = 30, .idr = 0, .force_idr = UINT32_MAX, .rc = VW_RC_CQP,
                          .qp = 26, .bitrate = 1000000, .change_at = UINT32_MAX};
    bool hevc = false;
    const char *profile = NULL;
    int ch;
    while ((ch = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        switch (ch) {
        case 'c': hevc = !strcmp(optarg, "hevc"); break;
        case 'p': profile = optarg; break;
        case 's':
            if (sscanf(optarg, "%ux%u", &o->width, &o->height) != 2)
                return -1;
            break;
        case 'n': o->frames = (uint32_t)atoi(optarg); break;
        case 'i': o->idr = (uint32_t)atoi(optarg); break;
        case 'f': o->force_idr = (uint32_t)atoi(optarg); break;
        case 'r':
            o->rc = !strcmp(optarg, "cbr") ? VW_RC_CBR : !strcmp(optarg, "vbr") ? VW_RC_VBR
                                                                                : VW_RC_CQP;
            break;
        case 'q': o->qp = (uint32_t)atoi(optarg); break;
        case 'b': o->bitrate = (uint32_t)atoi(optarg); break;
        case 'x':
            if (sscanf(optarg, "%u:%u", &o->change_at, &o->change_to) != 2)
                return -1;
            break;
        case 'l': o->inline_coded = true; break;
        case 'S': o->source = optarg; break;
        case 'L': o->level = (uint32_t)atoi(optarg); break;
        case 'v': o->vui = true; break;
        case 'Q': o->quality = (uint32_t)atoi(optarg); break;
        default: return -1;
        }
    }
    if (argc - optind != 2)
        return -1;
    socket_path = argv[optind];
    o->out = argv[optind + 1];
    if (hevc)
        o->profile = profile && !strcmp(profile, "main10") ? VW_PROFILE_HEVC_MAIN10
                                                           : VW_PROFILE_HEVC_MAIN;
    else if (profile)
        o->profile = !strcmp(profile, "cb") ? VW_PROFILE_H264_CONSTRAINED_BASELINE
                     : !strcmp(profile, "main") ? VW_PROFILE_H264_MAIN : VW_PROFILE_H264_HIGH;
    return 0;
}

int main(int argc, char **argv)
{
    struct options o;
    if (parse(argc, argv, &o)) {
        fprintf(stderr, "usage: see the comment at the top of wire_encode.c\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    bool ten = o.profile == VW_PROFILE_HEVC_MAIN10;
    uint32_t cw = (o.width + 15) & ~15u, chh = (o.height + 15) & ~15u;
    struct client c;
    if (!session(&c, o.inline_coded ? 0 : 16u << 20)) {
        fprintf(stderr, "wire_encode: no session with %s\n", socket_path);
        return 1;
    }
    FILE *out = fopen(o.out, "wb");
    FILE *src = o.source ? fopen(o.source, "wb") : NULL;
    int st = enc_create_codec(&c, 1, o.profile, cw, chh);
    if (st == VW_OK)
        st = enc_create_surface(&c, 1, o.width, o.height, ten);
    if (!out || (o.source && !src) || st != VW_OK) {
        fprintf(stderr, "wire_encode: setup failed (status %d: %s)\n", st, c.message);
        return 1;
    }
    struct vw_encode_bitstream eb = {
        .codec_id = 1, .codec = vw_codec_of_profile(o.profile),
        .sequence = enc_sequence(o.profile, o.rc, o.bitrate),
        .picture = {.num_slices = 1},
        .coded = {.location = o.inline_coded ? VW_LOC_INLINE : VW_LOC_ARENA,
                  .offset = 0, .size = 8u << 20},
    };
    eb.sequence.level_idc = (uint8_t)o.level;
    eb.sequence.quality_level = (uint8_t)o.quality;
    if (o.vui) {
        eb.sequence.aspect_ratio_present = 1;
        eb.sequence.sar_width = 4;
        eb.sequence.sar_height = 3;
        eb.sequence.video_signal_present = 1;
        eb.sequence.video_full_range = 1;
        eb.sequence.colour_description_present = 1;
        eb.sequence.colour_primaries = 1;          /* BT.709 */
        eb.sequence.transfer_characteristics = 1;
        eb.sequence.matrix_coefficients = 1;
        eb.sequence.timing_info_present = 1;
    }
    eb.sequence.crop_right = (uint16_t)(cw - o.width);
    eb.sequence.crop_bottom = (uint16_t)(chh - o.height);
    int failed = 0;
    uint32_t last_idr = 0;
    for (uint32_t i = 0; i < o.frames && !failed; i++) {
        if (i == o.change_at) {
            eb.sequence.bits_per_second = o.change_to;
            if (o.rc == VW_RC_VBR)
                eb.sequence.max_bits_per_second = o.change_to * 2;
        }
        bool idr = i == 0 || (o.idr && i % o.idr == 0) || i == o.force_idr;
        if (idr)
            last_idr = i;
        eb.picture.type = idr ? VW_PICTURE_IDR : VW_PICTURE_P;
        eb.picture.display_order = i - last_idr;
        eb.picture.qp = o.rc == VW_RC_CQP ? o.qp : 0;
        if (enc_put_pattern(&c, 1, o.width, o.height, ten, i) != VW_OK) {
            fprintf(stderr, "wire_encode: PUT_IMAGE %u: %s\n", i, c.message);
            failed = 1;
            break;
        }
        if (src)
            enc_write_source(src, o.width, o.height, ten, i);
        struct enc_picture_result r;
        enc_picture(&c, 1, &eb, &r);
        if (r.status != VW_OK || !r.coded) {
            fprintf(stderr, "wire_encode: picture %u: status %d (encode %d): %s\n", i, r.status,
                    r.encode_status, c.message);
            failed = 1;
            break;
        }
        printf("pic %u type %u size %llu qp %u key %u\n", i, r.result.type,
               (unsigned long long)r.result.size, r.result.qp,
               r.result.flags & VW_ENCODED_KEYFRAME ? 1u : 0u);
        fwrite(r.coded, 1, (size_t)r.result.size, out);
    }
    fclose(out);
    if (src)
        fclose(src);
    client_close(&c);
    return failed;
}
