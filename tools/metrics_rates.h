/*
 * What `vivac top` shows, from two samples of vivacd's metrics text
 * (src/host/admin.h): per VM class, the rates over the interval between
 * them (frames/s, share of the engine, errors) and the queue-wait
 * percentiles of the pictures granted in it (from the histogram buckets'
 * deltas, interpolated linearly inside a bucket, as Prometheus'
 * histogram_quantile does). A counter that went down (vivacd restarted)
 * counts from zero.
 */
#ifndef VIVAC_TOOLS_METRICS_RATES_H
#define VIVAC_TOOLS_METRICS_RATES_H

#include <stddef.h>

#define VIVAC_VM_NAME_MAX 256          /* the vm label's value, with its NUL */
#define VIVAC_WAIT_BUCKETS_MAX 32      /* le values kept, +Inf included */

/* One class's metrics at one moment; NAN where a metric was absent. */
struct vivac_vm_sample {
    char name[VIVAC_VM_NAME_MAX];
    double weight, reserve, limit;      /* reserve, limit: units/s, 0: none */
    double streams, queued, in_flight;
    double pictures, errors, reserved_pictures, macroblocks, engine_seconds;
    double memory, gpu_memory;          /* bytes */
    /* vivac_vm_queue_wait_seconds: bucket bounds (ascending, the last
     * +Inf when the text has it) and their cumulative counts. */
    double wait_le[VIVAC_WAIT_BUCKETS_MAX];
    double wait_cum[VIVAC_WAIT_BUCKETS_MAX];
    unsigned wait_buckets;
    double wait_sum, wait_count;
};

struct vivac_sample {
    double engine_slots, workers;       /* NAN if absent */
    struct vivac_vm_sample *vms;        /* in the order the text names them */
    size_t num_vms;
    size_t malformed;                   /* lines skipped */
};

/* Reads the metrics text into *out (which vivac_sample_free releases).
 * 0, or -ENOMEM (*out empty then). */
int vivac_sample_parse(const char *text, size_t len, struct vivac_sample *out);
void vivac_sample_free(struct vivac_sample *s);

/* One row of `vivac top`. NAN: unknown (no such metric, or no picture in
 * the interval for the percentiles, no engine time for the share). */
struct vivac_vm_rates {
    const char *name;                   /* points into the current sample */
    double streams;
    double frames_per_s;                /* vivac_vm_pictures_total */
    double share;                       /* 0..1 of the engine seconds of all classes */
    double wait_p50, wait_p99;          /* seconds */
    double memory, gpu_memory;          /* bytes, now */
    double errors_delta, errors_total;
    double weight, reserve, limit;
};

/* The rows of cur (rows has cur->num_vms entries) over the `seconds`
 * since prev; a class missing from prev counts from zero. */
void vivac_rates(const struct vivac_sample *prev, const struct vivac_sample *cur,
                 double seconds, struct vivac_vm_rates *rows);

/* The q-quantile (0 < q < 1) of a histogram given as ascending bucket
 * bounds le[] (the last may be +Inf) with cumulative counts cum[]:
 * linear inside the bucket that holds rank q * total (from 0, or the
 * bucket below, to its bound); the highest finite bound when the rank is
 * in the +Inf bucket; NAN if the histogram is empty. */
double vivac_hist_quantile(const double *le, const double *cum, unsigned n, double q);

#endif
