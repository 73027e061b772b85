/* Picture costs for the scheduler (decode_cost.h). */
#include "host/decode_cost.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vivac/protocol.h"

/* Pictures before a codec's average counts, and the average's weight of
 * the newest picture. */
#define MIN_SAMPLES 32
#define ALPHA (1.0 / 256)
/* A factor stays within these: a misreporting worker moves its own codec's
 * cost at most this far. */
#define MIN_FACTOR 0.25
#define MAX_FACTOR 8.0

double vh_cost_factor(const struct vh_cost_model *m, uint32_t codec)
{
    if (codec >= VH_COST_CODECS || codec == VW_CODEC_H264)
        return 1.0;
    if (m->samples[codec] < MIN_SAMPLES || m->samples[VW_CODEC_H264] < MIN_SAMPLES)
        return 1.0;
    double f = m->ns_per_block[codec] / m->ns_per_block[VW_CODEC_H264];
    return fmin(MAX_FACTOR, fmax(MIN_FACTOR, f));
}

double vh_cost_of(const struct vh_cost_model *m, uint32_t codec, uint32_t blocks)
{
    return (double)(blocks ? blocks : 1) * vh_cost_factor(m, codec);
}

void vh_cost_learn(struct vh_cost_model *m, uint32_t codec, uint32_t blocks, uint64_t engine_ns)
{
    if (codec >= VH_COST_CODECS || !blocks || !engine_ns)
        return;
    double x = (double)engine_ns / blocks;
    if (m->samples[codec] == 0)
        m->ns_per_block[codec] = x;
    else
        m->ns_per_block[codec] += (x - m->ns_per_block[codec]) * ALPHA;
    if (m->samples[codec] < UINT32_MAX)
        m->samples[codec]++;
}

static const struct {
    const char *name;
    unsigned width, height;
} sizes[] = {
    {"480p", 854, 480}, {"576p", 1024, 576}, {"720p", 1280, 720}, {"1080p", 1920, 1080},
    {"1440p", 2560, 1440}, {"2160p", 3840, 2160}, {"4k", 3840, 2160},
};

int vh_cost_parse_rate(const char *text, double *out)
{
    char *end;
    double count = strtod(text, &end);
    if (end == text || !isfinite(count) || count < 0)
        return -EINVAL;
    if (!*end) {
        *out = count;
        return 0;
    }
    const char *p = end;
    if (*p == 'x') {
        p++;
    } else {
        /* No count: "1080p60" is one stream. */
        count = 1;
        p = text;
    }
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        size_t n = strlen(sizes[i].name);
        if (strncmp(p, sizes[i].name, n) != 0)
            continue;
        double fps = strtod(p + n, &end);
        if (end == p + n || *end || !isfinite(fps) || fps <= 0 || fps > 1000)
            return -EINVAL;
        double blocks = (double)((sizes[i].width + 15) / 16) * ((sizes[i].height + 15) / 16);
        *out = count * blocks * fps;
        return 0;
    }
    return -EINVAL;
}
