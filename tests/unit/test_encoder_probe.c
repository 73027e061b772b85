/*
 * The encoder probe asked to try the GPU encoders: on a machine without
 * NVENC (CI; the H100 and H200 have none) each NVENC line says "no NVENC"
 * with libavcodec's reason and the software encoder serves its codec; on
 * one with NVENC, NVENC serves it. Either way the caps name the encoder
 * the report says serves the codec, and nothing crashes or hangs.
 */
#include <string.h>

#include "check.h"
#include "host/encoder.h"

/* The report's line for `name`, copied into line. */
static bool report_line(const char *report, const char *name, char *line, size_t size)
{
    size_t n = strlen(name);
    for (const char *p = report; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        if (!strncmp(p, name, n) && p[n] == ':') {
            const char *end = strchr(p, '\n');
            size_t len = end ? (size_t)(end - p) : strlen(p);
            len = len < size - 1 ? len : size - 1;
            memcpy(line, p, len);
            line[len] = '\0';
            return true;
        }
    }
    return false;
}

static void check_codec(const char *gpu, const char *sw, uint32_t profile,
                        const struct vw_encode_cap *enc, uint32_t count)
{
    const char *report = vh_encoder_report();
    char gpu_line[256] = "", sw_line[256] = "";
    CHECK(report_line(report, gpu, gpu_line, sizeof(gpu_line)));
    CHECK(report_line(report, sw, sw_line, sizeof(sw_line)));
    bool no_nvenc = strstr(gpu_line, ": no NVENC (") || strstr(gpu_line, "not in this libavcodec");
    const char *serving = no_nvenc ? sw : gpu;
    printf("%s\n%s\n", gpu_line, sw_line);
    bool found = false;
    for (uint32_t i = 0; i < count; i++)
        if (enc[i].profile == profile) {
            found = true;
            CHECK(!strcmp(enc[i].encoder_name, serving));
        }
    CHECK(found);
}

int main(void)
{
    vh_encoder_probe(true);
    struct vw_cap caps[VH_ENCODE_MAX_CAPS];
    struct vw_encode_cap enc[VH_ENCODE_MAX_CAPS];
    uint32_t count = vh_encoder_caps(caps, enc, VH_ENCODE_MAX_CAPS);
    check_codec("h264_nvenc", "libx264", VW_PROFILE_H264_HIGH, enc, count);
    check_codec("hevc_nvenc", "libx265", VW_PROFILE_HEVC_MAIN, enc, count);
    return check_finish("test_encoder_probe");
}
