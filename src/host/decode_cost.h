/*
 * What one picture costs the engine, in the scheduler's units (scheduler.h):
 * H.264-equivalent macroblocks. A picture of another codec costs its 16x16
 * blocks times that codec's factor: its engine time per block over
 * H.264's, learned from the engine times the workers report (an average
 * over the last few hundred pictures of each), 1 until both are known.
 * Rates (reservations, limits) are in these units per second; "1080p60"
 * is 8160 blocks x 60 = 489,600 units/s.
 */
#ifndef VIVAC_HOST_DECODE_COST_H
#define VIVAC_HOST_DECODE_COST_H

#include <stdint.h>

#define VH_COST_CODECS 16
/* Encoding has costs of its own: a picture encoded in `codec` is learned
 * as VH_COST_ENCODE_CODEC(codec) (9 H.264, 13 HEVC), and starts at
 * VH_COST_ENCODE_BLOCKS times its 16x16 blocks (a software encode at the
 * fast presets takes several times a decode of the same picture). */
#define VH_COST_ENCODE_CODEC(codec) ((codec) + 8u)
#define VH_COST_ENCODE_BLOCKS 4u
/* A video processing job (PROCESS, 1.4) is learned as this codec. */
#define VH_COST_PROCESS 15u

struct vh_cost_model {
    double ns_per_block[VH_COST_CODECS]; /* moving average, 0: none yet */
    uint32_t samples[VH_COST_CODECS];
};

/* The cost of a picture of `codec` (enum vw_codec) with `blocks` 16x16 blocks. */
double vh_cost_of(const struct vh_cost_model *m, uint32_t codec, uint32_t blocks);
/* Learns from a decode that took engine_ns. */
void vh_cost_learn(struct vh_cost_model *m, uint32_t codec, uint32_t blocks, uint64_t engine_ns);
/* The codec's factor now (1 for H.264 and while unknown). */
double vh_cost_factor(const struct vh_cost_model *m, uint32_t codec);

/* Parses a rate: "489600" (units/s), "1080p60", "2x1080p60", "720p30",
 * "1440p60", "2160p30" or "4k30". 0 or -EINVAL. */
int vh_cost_parse_rate(const char *text, double *units_per_s);

#endif
