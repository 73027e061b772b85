/* The software engine: capabilities, lifetime, and dispatch to the codec and
 * surface code. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavutil/log.h>

#include "common/log.h"
#include "common/pixel_format.h"
#include "host/engines/engines.h"
#include "host/codecs/h264_param_sets.h"
#include "host/engines/sw/sw_internal.h"

#define SW_MIN_SIZE 16u

struct sw_engine {
    struct vh_engine base;
};

/* Each profile with its chroma formats: the 10-bit profiles decode to
 * YUV420_10 (P010 surfaces; libavcodec's yuv420p10 converted on read); the
 * HEVC range extension profiles to any surface of the stream's chroma
 * format and at least its depth. pixel_format: the preferred FOURCC of
 * the cap (0: the FOURCC of the one rt_format bit). */
static const struct {
    uint32_t profile;
    uint32_t rt_format;
    uint32_t pixel_format;
} sw_profiles[] = {
    {VW_PROFILE_H264_CONSTRAINED_BASELINE, VW_RT_YUV420},
    {VW_PROFILE_H264_MAIN, VW_RT_YUV420},
    {VW_PROFILE_H264_HIGH, VW_RT_YUV420},
    {VW_PROFILE_VP9_PROFILE0, VW_RT_YUV420},
    {VW_PROFILE_VP8, VW_RT_YUV420},
    {VW_PROFILE_MPEG2_SIMPLE, VW_RT_YUV420},
    {VW_PROFILE_MPEG2_MAIN, VW_RT_YUV420},
    {VW_PROFILE_HEVC_MAIN, VW_RT_YUV420},
    {VW_PROFILE_HEVC_MAIN10, VW_RT_YUV420_10},
    {VW_PROFILE_HEVC_MAIN422_10, VW_RT_YUV420 | VW_RT_YUV420_10 | VW_RT_YUV422 | VW_RT_YUV422_10,
     VW_FOURCC_Y210},
    {VW_PROFILE_HEVC_MAIN444, VW_RT_YUV420 | VW_RT_YUV422 | VW_RT_YUV444, VW_FOURCC_444P},
    {VW_PROFILE_HEVC_MAIN444_10, VW_RT_YUV420 | VW_RT_YUV420_10 | VW_RT_YUV422 |
     VW_RT_YUV422_10 | VW_RT_YUV444 | VW_RT_YUV444_10, VW_FOURCC_Y410},
    {VW_PROFILE_VP9_PROFILE2, VW_RT_YUV420_10},
    {VW_PROFILE_JPEG_BASELINE, VW_RT_YUV420 | VW_RT_YUV422 | VW_RT_YUV444, VW_FOURCC_NV12},
};

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
    for (size_t i = 0; i < sizeof(sw_profiles) / sizeof(sw_profiles[0]) && n < max; i++, n++) {
        caps[n] = (struct vw_cap){
            .profile = sw_profiles[i].profile,
            .entrypoint = VW_ENTRYPOINT_DECODE,
            .rt_formats = sw_profiles[i].rt_format,
            .pixel_format = sw_profiles[i].pixel_format
                                ? sw_profiles[i].pixel_format
                                : vc_fourcc_of_rt_format(sw_profiles[i].rt_format),
            .min_width = SW_MIN_SIZE,
            .min_height = SW_MIN_SIZE,
            .max_width = VH_H264_MAX_WIDTH,
            .max_height = VH_H264_MAX_HEIGHT,
        };
        strncpy(caps[n].engine_name, "sw", sizeof(caps[n].engine_name));
    }
    *count = n;
    return VW_OK;
}

static int sw_codec_create(struct vh_engine *engine, const struct vh_codec_desc *desc,
                           struct vh_codec **out, struct vh_error *err)
{
    *out = NULL;
    bool known = false;
    uint32_t rt_format = 0;
    for (size_t i = 0; i < sizeof(sw_profiles) / sizeof(sw_profiles[0]); i++) {
        if (desc->profile == sw_profiles[i].profile) {
            known = true;
            rt_format = sw_profiles[i].rt_format;
        }
    }
    if (!known)
        return vh_error_set(err, VW_ERR_UNSUPPORTED_PROFILE, "sw: profile %u not supported",
                            desc->profile);
    if (desc->entrypoint != VW_ENTRYPOINT_DECODE)
        return vh_error_set(err, VW_ERR_UNSUPPORTED_ENTRYPOINT,
                            "sw: entrypoint %u not supported", desc->entrypoint);
    if (!(desc->rt_format & rt_format) || (desc->rt_format & (desc->rt_format - 1)))
        return vh_error_set(err, VW_ERR_UNSUPPORTED_FORMAT,
                            "sw: rt_format 0x%x not supported for profile %u", desc->rt_format,
                            desc->profile);
    if (desc->width < SW_MIN_SIZE || desc->height < SW_MIN_SIZE ||
        desc->width > VH_H264_MAX_WIDTH || desc->height > VH_H264_MAX_HEIGHT)
        return vh_error_set(err, VW_ERR_RESOLUTION, "sw: %ux%u outside %ux%u..%ux%u",
                            desc->width, desc->height, SW_MIN_SIZE, SW_MIN_SIZE,
                            VH_H264_MAX_WIDTH, VH_H264_MAX_HEIGHT);
    switch (vw_codec_of_profile(desc->profile)) {
    case VW_CODEC_H264:
        return sw_h264_codec_create(engine, desc, out, err);
    case VW_CODEC_VP9:
        return sw_frame_codec_create(engine, desc, &sw_vp9_class, out, err);
    case VW_CODEC_VP8:
        return sw_frame_codec_create(engine, desc, &sw_vp8_class, out, err);
    case VW_CODEC_MPEG2:
        return sw_frame_codec_create(engine, desc, &sw_mpeg2_class, out, err);
    case VW_CODEC_JPEG:
        return sw_frame_codec_create(engine, desc, &sw_jpeg_class, out, err);
    case VW_CODEC_HEVC:
        return sw_hevc_codec_create(engine, desc, out, err);
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
    .surface_read = sw_surface_read,
    .surface_write = sw_surface_write,
};
