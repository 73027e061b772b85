/* The software engine: capabilities, lifetime, and dispatch to the codec and
 * surface code. */
#include <assert.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavutil/log.h>

#include "common/log.h"
#include "common/pixel_format.h"
#include "host/engines/engines.h"
#include "host/codecs/h264_param_sets.h"
#include "host/codecs/mpeg2_headers.h"
#include "host/codecs/mpeg4_headers.h"
#include "host/engines/sw/sw_internal.h"

#define SW_MIN_SIZE 16u

struct sw_engine {
    struct vh_engine base;
};

/* The largest picture of each codec that libavcodec decodes, capped by the
 * protocol (VW_MAX_WIDTH x VW_MAX_HEIGHT). What a session may decode is
 * bounded by its memory budget too (session.c charges a codec and its
 * surfaces by their bytes).
 * H.264: the largest frame of level 5.1 (its MaxFS), the level of the SPS
 * that h264_param_sets.c rebuilds and whose size it enforces. */
#define SW_H264_MAX_W VH_H264_MAX_WIDTH
#define SW_H264_MAX_H VH_H264_MAX_HEIGHT
/* HEVC (16888 a side at level 6.2), VP9 (65536), VP8 (16383: 14-bit sizes)
 * and JPEG (65535): the protocol's cap. */
#define SW_BIG_MAX_W VW_MAX_WIDTH
#define SW_BIG_MAX_H VW_MAX_HEIGHT
/* MPEG-2: what the front door takes (validate_mpeg2.c: no size extension,
 * no slice_vertical_position_extension). */
#define SW_MPEG2_MAX_W VH_MPEG2_MAX_WIDTH
#define SW_MPEG2_MAX_H VH_MPEG2_MAX_HEIGHT
/* MPEG-4 Part 2: what the front door takes (validate_mpeg4.c). */
#define SW_MPEG4_MAX_W VH_MPEG4_MAX_WIDTH
#define SW_MPEG4_MAX_H VH_MPEG4_MAX_HEIGHT

/* Each profile with its chroma formats and largest size: the 10-bit
 * profiles decode to YUV420_10 (P010 surfaces; libavcodec's yuv420p10
 * converted on read); the HEVC range extension profiles to any surface of
 * the stream's chroma format and at least its depth. pixel_format: the
 * preferred FOURCC of the cap (0: the FOURCC of the one rt_format bit). */
static const struct {
    uint32_t profile;
    uint32_t rt_format;
    uint32_t pixel_format;
    uint32_t max_width, max_height;
} sw_profiles[] = {
    {VW_PROFILE_H264_CONSTRAINED_BASELINE, VW_RT_YUV420, 0, SW_H264_MAX_W, SW_H264_MAX_H},
    {VW_PROFILE_H264_MAIN, VW_RT_YUV420, 0, SW_H264_MAX_W, SW_H264_MAX_H},
    {VW_PROFILE_H264_HIGH, VW_RT_YUV420, 0, SW_H264_MAX_W, SW_H264_MAX_H},
    {VW_PROFILE_VP9_PROFILE0, VW_RT_YUV420, 0, SW_BIG_MAX_W, SW_BIG_MAX_H},
    {VW_PROFILE_VP8, VW_RT_YUV420, 0, SW_BIG_MAX_W, SW_BIG_MAX_H},
    {VW_PROFILE_MPEG2_SIMPLE, VW_RT_YUV420, 0, SW_MPEG2_MAX_W, SW_MPEG2_MAX_H},
    {VW_PROFILE_MPEG2_MAIN, VW_RT_YUV420, 0, SW_MPEG2_MAX_W, SW_MPEG2_MAX_H},
    {VW_PROFILE_HEVC_MAIN, VW_RT_YUV420, 0, SW_BIG_MAX_W, SW_BIG_MAX_H},
    {VW_PROFILE_HEVC_MAIN10, VW_RT_YUV420_10, 0, SW_BIG_MAX_W, SW_BIG_MAX_H},
    {VW_PROFILE_HEVC_MAIN422_10, VW_RT_YUV420 | VW_RT_YUV420_10 | VW_RT_YUV422 | VW_RT_YUV422_10,
     VW_FOURCC_Y210, SW_BIG_MAX_W, SW_BIG_MAX_H},
    {VW_PROFILE_HEVC_MAIN444, VW_RT_YUV420 | VW_RT_YUV422 | VW_RT_YUV444, VW_FOURCC_444P,
     SW_BIG_MAX_W, SW_BIG_MAX_H},
    {VW_PROFILE_HEVC_MAIN444_10, VW_RT_YUV420 | VW_RT_YUV420_10 | VW_RT_YUV422 |
     VW_RT_YUV422_10 | VW_RT_YUV444 | VW_RT_YUV444_10, VW_FOURCC_Y410, SW_BIG_MAX_W,
     SW_BIG_MAX_H},
    {VW_PROFILE_VP9_PROFILE2, VW_RT_YUV420_10, 0, SW_BIG_MAX_W, SW_BIG_MAX_H},
    {VW_PROFILE_JPEG_BASELINE, VW_RT_YUV420 | VW_RT_YUV422 | VW_RT_YUV444, VW_FOURCC_NV12,
     SW_BIG_MAX_W, SW_BIG_MAX_H},
    {VW_PROFILE_MPEG4_SIMPLE, VW_RT_YUV420, 0, SW_MPEG4_MAX_W, SW_MPEG4_MAX_H},
    {VW_PROFILE_MPEG4_ADVANCED_SIMPLE, VW_RT_YUV420, 0, SW_MPEG4_MAX_W, SW_MPEG4_MAX_H},
    /* AV1 Main: 8-bit streams to NV12, 10-bit to P010 (offered when built
     * with libdav1d). */
    {VW_PROFILE_AV1_MAIN, VW_RT_YUV420 | VW_RT_YUV420_10, VW_FOURCC_NV12, SW_BIG_MAX_W,
     SW_BIG_MAX_H},
};

#define SW_NUM_PROFILES (sizeof(sw_profiles) / sizeof(sw_profiles[0]))

static_assert(SW_H264_MAX_W <= VW_MAX_WIDTH && SW_H264_MAX_H <= VW_MAX_HEIGHT &&
                  SW_MPEG2_MAX_W <= VW_MAX_WIDTH && SW_MPEG2_MAX_H <= VW_MAX_HEIGHT &&
                  SW_MPEG4_MAX_W <= VW_MAX_WIDTH && SW_MPEG4_MAX_H <= VW_MAX_HEIGHT,
              "a profile's size beyond the protocol's");

void sw_max_size(uint32_t *width, uint32_t *height)
{
    *width = *height = 0;
    for (size_t i = 0; i < SW_NUM_PROFILES; i++) {
        if (sw_profiles[i].max_width > *width)
            *width = sw_profiles[i].max_width;
        if (sw_profiles[i].max_height > *height)
            *height = sw_profiles[i].max_height;
    }
}

/* libavcodec's messages are about guest bitstreams: keep them out of the
 * daemon's error log unless asked for (VIVAC_LOG=debug). */
static void sw_av_log(void *avcl, int level, const char *fmt, va_list vl)
{
    if (level > AV_LOG_WARNING || vc_log_get_level() < VC_LOG_DEBUG)
        return;
    char line[512];
    int print_prefix = 1;
    av_log_format_line(avcl, level, fmt, vl, line, sizeof(line), &print_prefix);
    size_t n = strlen(line);
    if (n && line[n - 1] == '\n')
        line[n - 1] = '\0';
    vc_debug("libav: %s", line);
}

static int sw_create(struct vh_engine **out, struct vh_error *err)
{
    *out = NULL;
    if (!avcodec_find_decoder(AV_CODEC_ID_H264))
        return vh_error_set(err, VW_ERR_INTERNAL, "sw: libavcodec has no H.264 decoder");
    struct sw_engine *e = calloc(1, sizeof(*e));
    if (!e)
        return vh_error_set(err, VW_ERR_NO_MEMORY, "sw: out of memory");
    e->base.ops = &vh_engine_sw;
    av_log_set_callback(sw_av_log);
    *out = &e->base;
    return VW_OK;
}

static void sw_destroy(struct vh_engine **engine)
{
    if (!engine || !*engine)
        return;
    free((struct sw_engine *)*engine);
    *engine = NULL;
}

static int sw_query_caps(struct vh_engine *engine, struct vw_cap *caps, uint32_t max,
                         uint32_t *count)
{
    uint32_t n = 0;
    for (size_t i = 0; i < SW_NUM_PROFILES && n < max; i++) {
        if (sw_profiles[i].profile == VW_PROFILE_AV1_MAIN && !sw_av1_available())
            continue;
        caps[n] = (struct vw_cap){
            .profile = sw_profiles[i].profile,
            .entrypoint = VW_ENTRYPOINT_DECODE,
            .rt_formats = sw_profiles[i].rt_format,
            .pixel_format = sw_profiles[i].pixel_format
                                ? sw_profiles[i].pixel_format
                                : vc_fourcc_of_rt_format(sw_profiles[i].rt_format),
            .min_width = SW_MIN_SIZE,
            .min_height = SW_MIN_SIZE,
            .max_width = sw_profiles[i].max_width,
            .max_height = sw_profiles[i].max_height,
        };
        strncpy(caps[n].engine_name, "sw", sizeof(caps[n].engine_name));
        n++;
    }
    *count = n;
    return VW_OK;
}

static int sw_codec_create(struct vh_engine *engine, const struct vh_codec_desc *desc,
                           struct vh_codec **out, struct vh_error *err)
{
    *out = NULL;
    /* The core checked the description against the VIDEOPROC capability. */
    if (desc->entrypoint == VW_ENTRYPOINT_VIDEOPROC && desc->profile == VW_PROFILE_NONE)
        return sw_process_codec_create(engine, desc, out, err);
    size_t p = 0;
    while (p < SW_NUM_PROFILES && sw_profiles[p].profile != desc->profile)
        p++;
    if (p == SW_NUM_PROFILES)
        return vh_error_set(err, VW_ERR_UNSUPPORTED_PROFILE, "sw: profile %u not supported",
                            desc->profile);
    if (desc->entrypoint != VW_ENTRYPOINT_DECODE)
        return vh_error_set(err, VW_ERR_UNSUPPORTED_ENTRYPOINT,
                            "sw: entrypoint %u not supported", desc->entrypoint);
    if (!(desc->rt_format & sw_profiles[p].rt_format) ||
        (desc->rt_format & (desc->rt_format - 1)))
        return vh_error_set(err, VW_ERR_UNSUPPORTED_FORMAT,
                            "sw: rt_format 0x%x not supported for profile %u", desc->rt_format,
                            desc->profile);
    uint32_t max_w = sw_profiles[p].max_width, max_h = sw_profiles[p].max_height;
    if (desc->width < SW_MIN_SIZE || desc->height < SW_MIN_SIZE || desc->width > max_w ||
        desc->height > max_h)
        return vh_error_set(err, VW_ERR_RESOLUTION,
                            "sw: %ux%u outside %ux%u..%ux%u for profile %u", desc->width,
                            desc->height, SW_MIN_SIZE, SW_MIN_SIZE, max_w, max_h, desc->profile);
    switch (vw_codec_of_profile(desc->profile)) {
    case VW_CODEC_H264:
        return sw_h264_codec_create(engine, desc, out, err);
    case VW_CODEC_VP9:
        return sw_frame_codec_create(engine, desc, &sw_vp9_class, out, err);
    case VW_CODEC_VP8:
        return sw_frame_codec_create(engine, desc, &sw_vp8_class, out, err);
    case VW_CODEC_MPEG2:
        return sw_frame_codec_create(engine, desc, &sw_mpeg2_class, out, err);
    case VW_CODEC_MPEG4:
        return sw_frame_codec_create(engine, desc, &sw_mpeg4_class, out, err);
    case VW_CODEC_JPEG:
        return sw_frame_codec_create(engine, desc, &sw_jpeg_class, out, err);
    case VW_CODEC_HEVC:
        return sw_hevc_codec_create(engine, desc, out, err);
    case VW_CODEC_AV1:
        return sw_av1_codec_create(engine, desc, out, err);
    default:
        return vh_error_set(err, VW_ERR_UNSUPPORTED_PROFILE, "sw: profile %u not supported",
                            desc->profile);
    }
}

static void sw_codec_destroy(struct vh_codec **codec)
{
    if (!codec || !*codec)
        return;
    ((struct sw_codec *)*codec)->destroy(codec);
}

static int sw_decode(struct vh_codec *codec, const struct vh_picture *pic, struct vh_error *err)
{
    return ((struct sw_codec *)codec)->decode(codec, pic, err);
}

const struct vh_engine_ops vh_engine_sw = {
    .name = "sw",
    .create = sw_create,
    .destroy = sw_destroy,
    .query_caps = sw_query_caps,
    .surface_init = sw_surface_init,
    .surface_fini = sw_surface_fini,
    .codec_create = sw_codec_create,
    .codec_destroy = sw_codec_destroy,
    .decode = sw_decode,
    .process = sw_process,
    .process_outputs = sw_process_outputs,
    .process_formats = sw_process_formats,
    .surface_read = sw_surface_read,
    .surface_write = sw_surface_write,
};
