/* The encoders vivac drives through libavcodec, their options, and the
 * probe that picks one per codec (avenc_internal.h). */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <libavutil/error.h>

#include "common/log.h"
#include "host/engines/avenc/avenc_internal.h"

const char *avenc_preset(uint32_t quality_level)
{
    /* Level 1 (best) .. AVENC_QUALITY_LEVELS (fastest); 0: level 3, fast
     * enough for 1080p30 on a few cores, which is what a desktop stream
     * needs. */
    static const char *const presets[AVENC_QUALITY_LEVELS] = {"medium", "fast", "veryfast",
                                                             "ultrafast"};
    if (quality_level == 0 || quality_level > AVENC_QUALITY_LEVELS)
        quality_level = 3;
    return presets[quality_level - 1];
}

/* NVENC's presets p1 (fastest) .. p7 for the same levels. */
static const char *nvenc_preset(uint32_t quality_level)
{
    static const char *const presets[AVENC_QUALITY_LEVELS] = {"p6", "p4", "p3", "p1"};
    if (quality_level == 0 || quality_level > AVENC_QUALITY_LEVELS)
        quality_level = 3;
    return presets[quality_level - 1];
}

static void set(AVDictionary **opts, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set(AVDictionary **opts, const char *key, const char *fmt, ...)
{
    char value[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(value, sizeof(value), fmt, ap);
    va_end(ap);
    av_dict_set(opts, key, value, 0);
}

/* libx264: zerolatency (sliced threads, no lookahead), no B pictures, no
 * scenecut or keyint of its own: the client's picture types decide. In
 * CQP, ipratio 1 so that an I picture gets the client's QP too. */
static void x264_options(const struct vh_encoder_config *cfg, AVDictionary **opts)
{
    const struct vw_encode_sequence *q = &cfg->seq;
    static const char *const profiles[] = {
        [VW_PROFILE_H264_CONSTRAINED_BASELINE] = "baseline",
        [VW_PROFILE_H264_MAIN] = "main",
        [VW_PROFILE_H264_HIGH] = "high",
    };
    set(opts, "preset", "%s", avenc_preset(q->quality_level));
    set(opts, "tune", "zerolatency");
    set(opts, "profile", "%s", profiles[cfg->profile]);
    set(opts, "forced-idr", "1");
    char params[256];
    snprintf(params, sizeof(params),
             "bframes=0:rc-lookahead=0:sync-lookahead=0:scenecut=0:keyint=infinite:"
             "cabac=%u:8x8dct=%u%s", q->entropy_cabac ? 1u : 0u, q->transform_8x8 ? 1u : 0u,
             q->rc_mode == VW_RC_CQP ? ":ipratio=1" : "");
    set(opts, "x264-params", "%s", params);
    if (q->rc_mode == VW_RC_CQP)
        set(opts, "qp", "%u", cfg->qp);
    /* CBR is ABR under a VBV of the client's rate and buffer, without
     * x264's NAL HRD (filler, HRD in the SPS): x264 takes no new rate with
     * NAL HRD on, and a rate change must not cost an IDR the client did
     * not ask for. */
}

/* libx265: zerolatency (one frame thread, no lookahead, no B), its own
 * keyframes off, headers repeated before every IDR. x265's own level,
 * QP range and CQP go through x265-params: the wrapper maps none of them. */
static void x265_options(const struct vh_encoder_config *cfg, AVDictionary **opts)
{
    const struct vw_encode_sequence *q = &cfg->seq;
    set(opts, "preset", "%s", avenc_preset(q->quality_level));
    set(opts, "tune", "zerolatency");
    set(opts, "profile", "%s", cfg->profile == VW_PROFILE_HEVC_MAIN10 ? "main10" : "main");
    set(opts, "forced-idr", "1");
    char params[384];
    int n = snprintf(params, sizeof(params),
                     "log-level=error:bframes=0:rc-lookahead=0:frame-threads=1:scenecut=0:"
                     "keyint=-1:open-gop=0:repeat-headers=1:annexb=1");
    if (q->rc_mode == VW_RC_CQP)
        n += snprintf(params + n, sizeof(params) - n, ":qp=%u:ipratio=1:pbratio=1", cfg->qp);
    if (q->rc_mode == VW_RC_CBR)
        n += snprintf(params + n, sizeof(params) - n, ":strict-cbr=1:hrd=1");
    /* The wrapper passes no initial VBV fullness: x265 takes a fraction. */
    if (q->rc_mode != VW_RC_CQP && q->hrd_initial_bits && q->hrd_buffer_bits)
        n += snprintf(params + n, sizeof(params) - n, ":vbv-init=%.3f",
                      (double)q->hrd_initial_bits / q->hrd_buffer_bits);
    if (q->min_qp)
        n += snprintf(params + n, sizeof(params) - n, ":qpmin=%u", q->min_qp);
    if (q->max_qp)
        n += snprintf(params + n, sizeof(params) - n, ":qpmax=%u", q->max_qp);
    /* general_level_idc is 30 x the level. x265 refuses a level with
     * constant QP (no bitrate guarantee): then the level is its own. */
    if (q->level_idc && q->rc_mode != VW_RC_CQP)
        snprintf(params + n, sizeof(params) - n, ":level-idc=%u.%u", q->level_idc / 30u,
                 (q->level_idc % 30u) / 3u);
    set(opts, "x265-params", "%s", params);
}

/* NVENC (h264_nvenc, hevc_nvenc), written against FFmpeg 5.1's wrapper and
 * not run on hardware here (no GPU with NVENC in CI; the H200 has none):
 * ultra-low-latency tuning, no delay, no lookahead, no B, forced IDR. */
static void nvenc_options(const struct vh_encoder_config *cfg, AVDictionary **opts)
{
    const struct vw_encode_sequence *q = &cfg->seq;
    set(opts, "preset", "%s", nvenc_preset(q->quality_level));
    set(opts, "tune", "ull");
    set(opts, "zerolatency", "1");
    set(opts, "delay", "0");
    set(opts, "rc-lookahead", "0");
    set(opts, "forced-idr", "1");
    set(opts, "rc", "%s", q->rc_mode == VW_RC_CQP ? "constqp"
                          : q->rc_mode == VW_RC_CBR ? "cbr" : "vbr");
    if (q->rc_mode == VW_RC_CQP)
        set(opts, "qp", "%u", cfg->qp);
    if (vw_codec_of_profile(cfg->profile) == VW_CODEC_H264) {
        set(opts, "profile", "%s", cfg->profile == VW_PROFILE_H264_HIGH ? "high"
                                   : cfg->profile == VW_PROFILE_H264_MAIN ? "main" : "baseline");
        set(opts, "coder", "%s", q->entropy_cabac ? "cabac" : "cavlc");
        if (q->level_idc)
            set(opts, "level", "%u.%u", q->level_idc / 10u, q->level_idc % 10u);
    } else {
        set(opts, "profile", "%s", cfg->profile == VW_PROFILE_HEVC_MAIN10 ? "main10" : "main");
        if (q->level_idc)
            set(opts, "level", "%u.%u", q->level_idc / 30u, (q->level_idc % 30u) / 3u);
    }
}

/* In `auto` preference order per codec: the GPU's first where asked. */
const struct avenc_kind avenc_kinds[] = {
    {"h264_nvenc", VW_CODEC_H264, true, VW_RC_CBR | VW_RC_VBR, true, AV_PIX_FMT_NV12,
     AV_PIX_FMT_NONE, nvenc_options},
    {"libx264", VW_CODEC_H264, false, VW_RC_CBR | VW_RC_VBR, false, AV_PIX_FMT_NV12, AV_PIX_FMT_NONE,
     x264_options},
    {"hevc_nvenc", VW_CODEC_HEVC, true, VW_RC_CBR | VW_RC_VBR, true, AV_PIX_FMT_NV12,
     AV_PIX_FMT_P010, nvenc_options},
    {"libx265", VW_CODEC_HEVC, false, 0, false, AV_PIX_FMT_YUV420P, AV_PIX_FMT_YUV420P10,
     x265_options},
};
const unsigned avenc_num_kinds = sizeof(avenc_kinds) / sizeof(avenc_kinds[0]);

/* ---- probe ----------------------------------------------------------------- */

static pthread_once_t probe_once = PTHREAD_ONCE_INIT;
static bool probe_gpu;
static struct avenc_choice choice_h264, choice_hevc;
static char report[1024];

static void report_add(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void report_add(const char *fmt, ...)
{
    size_t n = strlen(report);
    if (n + 2 >= sizeof(report))
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(report + n, sizeof(report) - n, fmt, ap);
    va_end(ap);
}

/* Opens a small context of kind: the encoder is in this libavcodec, and
 * (NVENC) the GPU has the encoder. */
static bool try_open(const struct avenc_kind *kind, bool ten_bit, char *why, size_t why_size)
{
    struct vh_encoder_config cfg = {
        .profile = kind->codec == VW_CODEC_H264 ? VW_PROFILE_H264_HIGH
                   : ten_bit ? VW_PROFILE_HEVC_MAIN10 : VW_PROFILE_HEVC_MAIN,
        .width = 256, .height = 256, .qp = 26,
        .seq = {.rc_mode = VW_RC_CQP, .frame_rate_num = 30, .frame_rate_den = 1,
                .bit_depth = ten_bit ? 10 : 8, .entropy_cabac = 1, .transform_8x8 = 1},
    };
    AVCodecContext *ctx = NULL;
    struct vh_error err = {0};
    if (avenc_open_context(kind, &cfg, &ctx, &err) != VW_OK) {
        snprintf(why, why_size, "%s", err.message);
        return false;
    }
    avcodec_free_context(&ctx);
    return true;
}

static void probe_kind(const struct avenc_kind *kind)
{
    struct avenc_choice *c = kind->codec == VW_CODEC_H264 ? &choice_h264 : &choice_hevc;
    const char *codec = kind->codec == VW_CODEC_H264 ? "H.264" : "HEVC";
    char why[VW_MESSAGE_TEXT_MAX] = "";
    if (c->kind) {
        report_add("%s: not tried (%s serves %s)\n", kind->name, c->kind->name, codec);
        return;
    }
    if (kind->gpu && !probe_gpu) {
        report_add("%s: not tried (engine sw)\n", kind->name);
        return;
    }
    if (!avcodec_find_encoder_by_name(kind->name)) {
        report_add("%s: not in this libavcodec\n", kind->name);
        return;
    }
    if (!try_open(kind, false, why, sizeof(why))) {
        /* libavcodec's reason, in the parentheses that end the message. */
        const char *reason = strrchr(why, '(');
        report_add("%s: %s %s\n", kind->name, kind->gpu ? "no NVENC" : "does not open",
                   reason ? reason : why);
        return;
    }
    c->kind = kind;
    c->main10 = kind->fmt10 != AV_PIX_FMT_NONE && try_open(kind, true, why, sizeof(why));
    report_add("%s: %s%s\n", kind->name, codec,
               kind->codec == VW_CODEC_HEVC ? (c->main10 ? " Main, Main10" : " Main (no 10-bit)")
                                            : " Constrained Baseline, Main, High");
}

static void probe_all(void)
{
    for (unsigned i = 0; i < avenc_num_kinds; i++)
        probe_kind(&avenc_kinds[i]);
    const char *line = report;
    while (*line) {
        const char *end = strchr(line, '\n');
        int len = end ? (int)(end - line) : (int)strlen(line);
        vc_info("encoder %.*s", len, line);
        line += len + (end ? 1 : 0);
    }
}

void vh_encoder_probe(bool gpu)
{
    probe_gpu = gpu;
    pthread_once(&probe_once, probe_all);
}

const char *vh_encoder_report(void)
{
    pthread_once(&probe_once, probe_all);
    return report;
}

const struct avenc_choice *avenc_choice_of(uint32_t codec)
{
    pthread_once(&probe_once, probe_all);
    return codec == VW_CODEC_H264 ? &choice_h264 : codec == VW_CODEC_HEVC ? &choice_hevc : NULL;
}

uint32_t vh_encoder_caps(struct vw_cap *caps, struct vw_encode_cap *enc, uint32_t max)
{
    static const struct {
        uint32_t profile, rt_format;
    } profiles[] = {
        {VW_PROFILE_H264_CONSTRAINED_BASELINE, VW_RT_YUV420},
        {VW_PROFILE_H264_MAIN, VW_RT_YUV420},
        {VW_PROFILE_H264_HIGH, VW_RT_YUV420},
        {VW_PROFILE_HEVC_MAIN, VW_RT_YUV420},
        {VW_PROFILE_HEVC_MAIN10, VW_RT_YUV420_10},
    };
    uint32_t n = 0;
    for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]) && n < max; i++) {
        const struct avenc_choice *c = avenc_choice_of(vw_codec_of_profile(profiles[i].profile));
        if (!c->kind || (profiles[i].rt_format == VW_RT_YUV420_10 && !c->main10))
            continue;
        caps[n] = (struct vw_cap){
            .profile = profiles[i].profile,
            .entrypoint = VW_ENTRYPOINT_ENCODE,
            .rt_formats = profiles[i].rt_format,
            .pixel_format = profiles[i].rt_format == VW_RT_YUV420_10 ? VW_FOURCC_P010
                                                                     : VW_FOURCC_NV12,
            .min_width = VH_ENCODE_MIN_SIZE,
            .min_height = VH_ENCODE_MIN_SIZE,
            .max_width = VH_ENCODE_MAX_WIDTH,
            .max_height = VH_ENCODE_MAX_HEIGHT,
        };
        snprintf(caps[n].engine_name, sizeof(caps[n].engine_name), "%s", c->kind->name);
        enc[n] = (struct vw_encode_cap){
            .profile = profiles[i].profile,
            .rt_formats = profiles[i].rt_format,
            .rc_modes = VW_RC_CQP | VW_RC_CBR | VW_RC_VBR,
            /* The encoder picks references among earlier pictures; one
             * is all a client needs to send P pictures. No B. */
            .max_refs_l0 = 1,
            .max_refs_l1 = 0,
            .max_slices = 1,
            .quality_levels = AVENC_QUALITY_LEVELS,
            .min_qp = 1,
            .max_qp = 51,
        };
        snprintf(enc[n].encoder_name, sizeof(enc[n].encoder_name), "%s", c->kind->name);
        n++;
    }
    return n;
}
