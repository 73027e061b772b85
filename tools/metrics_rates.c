/* Per-VM rates and queue-wait percentiles from two metrics samples
 * (metrics_rates.h). */
#include "tools/metrics_rates.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/metrics_text.h"

/* The per-class gauges and counters of admin.h, by where they go. */
static const struct {
    const char *name;
    size_t offset;
} vm_fields[] = {
    {"vivac_vm_weight", offsetof(struct vivac_vm_sample, weight)},
    {"vivac_vm_reservation_macroblocks_per_second", offsetof(struct vivac_vm_sample, reserve)},
    {"vivac_vm_limit_macroblocks_per_second", offsetof(struct vivac_vm_sample, limit)},
    {"vivac_vm_streams", offsetof(struct vivac_vm_sample, streams)},
    {"vivac_vm_queued_pictures", offsetof(struct vivac_vm_sample, queued)},
    {"vivac_vm_in_flight_pictures", offsetof(struct vivac_vm_sample, in_flight)},
    {"vivac_vm_pictures_total", offsetof(struct vivac_vm_sample, pictures)},
    {"vivac_vm_decode_errors_total", offsetof(struct vivac_vm_sample, errors)},
    {"vivac_vm_reserved_pictures_total", offsetof(struct vivac_vm_sample, reserved_pictures)},
    {"vivac_vm_macroblocks_total", offsetof(struct vivac_vm_sample, macroblocks)},
    {"vivac_vm_engine_seconds_total", offsetof(struct vivac_vm_sample, engine_seconds)},
    {"vivac_vm_memory_bytes", offsetof(struct vivac_vm_sample, memory)},
    {"vivac_vm_gpu_memory_bytes", offsetof(struct vivac_vm_sample, gpu_memory)},
    {"vivac_vm_queue_wait_seconds_sum", offsetof(struct vivac_vm_sample, wait_sum)},
    {"vivac_vm_queue_wait_seconds_count", offsetof(struct vivac_vm_sample, wait_count)},
};
#define WAIT_BUCKET "vivac_vm_queue_wait_seconds_bucket"

struct parse_ctx {
    struct vivac_sample *s;
    size_t cap;
    bool nomem;
};

static void vm_sample_init(struct vivac_vm_sample *v, const char *name)
{
    memset(v, 0, sizeof(*v));
    snprintf(v->name, sizeof(v->name), "%s", name);
    for (size_t i = 0; i < sizeof(vm_fields) / sizeof(vm_fields[0]); i++)
        *(double *)((char *)v + vm_fields[i].offset) = NAN;
}

/* The class named `name`, added if new; NULL when out of memory. */
static struct vivac_vm_sample *vm_of(struct parse_ctx *c, const char *name)
{
    struct vivac_sample *s = c->s;
    for (size_t i = 0; i < s->num_vms; i++)
        if (strcmp(s->vms[i].name, name) == 0)
            return &s->vms[i];
    if (s->num_vms == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16;
        struct vivac_vm_sample *vms = realloc(s->vms, cap * sizeof(*vms));
        if (!vms)
            return NULL;
        s->vms = vms;
        c->cap = cap;
    }
    struct vivac_vm_sample *v = &s->vms[s->num_vms++];
    vm_sample_init(v, name);
    return v;
}

/* Keeps bucket `le` in order (a bound seen again replaces its count). */
static void add_bucket(struct vivac_vm_sample *v, double le, double count)
{
    unsigned i = 0;
    while (i < v->wait_buckets && v->wait_le[i] < le)
        i++;
    if (i < v->wait_buckets && v->wait_le[i] == le) {
        v->wait_cum[i] = count;
        return;
    }
    if (v->wait_buckets == VIVAC_WAIT_BUCKETS_MAX)
        return;
    memmove(&v->wait_le[i + 1], &v->wait_le[i], (v->wait_buckets - i) * sizeof(double));
    memmove(&v->wait_cum[i + 1], &v->wait_cum[i], (v->wait_buckets - i) * sizeof(double));
    v->wait_le[i] = le;
    v->wait_cum[i] = count;
    v->wait_buckets++;
}

static void take_line(const struct vivac_metric_line *line, void *ctx)
{
    struct parse_ctx *c = ctx;
    if (strcmp(line->name, "vivac_engine_slots") == 0) {
        c->s->engine_slots = line->value;
        return;
    }
    if (strcmp(line->name, "vivac_workers") == 0) {
        c->s->workers = line->value;
        return;
    }
    if (strncmp(line->name, "vivac_vm_", 9) != 0)
        return;
    const char *vm = vivac_metric_label(line, "vm");
    if (!vm)
        return;
    bool bucket = strcmp(line->name, WAIT_BUCKET) == 0;
    size_t field = 0;
    while (!bucket && field < sizeof(vm_fields) / sizeof(vm_fields[0]) &&
           strcmp(line->name, vm_fields[field].name) != 0)
        field++;
    if (!bucket && field == sizeof(vm_fields) / sizeof(vm_fields[0]))
        return; /* a metric of a later vivacd */
    struct vivac_vm_sample *v = vm_of(c, vm);
    if (!v) {
        c->nomem = true;
        return;
    }
    if (!bucket) {
        *(double *)((char *)v + vm_fields[field].offset) = line->value;
        return;
    }
    const char *le_text = vivac_metric_label(line, "le");
    char *end;
    double le = le_text ? strtod(le_text, &end) : NAN;
    if (le_text && !*end && !isnan(le))
        add_bucket(v, le, line->value);
}

int vivac_sample_parse(const char *text, size_t len, struct vivac_sample *out)
{
    *out = (struct vivac_sample){.engine_slots = NAN, .workers = NAN};
    struct parse_ctx c = {.s = out};
    out->malformed = vivac_metrics_each(text, len, take_line, &c);
    if (c.nomem) {
        vivac_sample_free(out);
        return -ENOMEM;
    }
    return 0;
}

void vivac_sample_free(struct vivac_sample *s)
{
    free(s->vms);
    s->vms = NULL;
    s->num_vms = 0;
}

double vivac_hist_quantile(const double *le, const double *cum, unsigned n, double q)
{
    if (n == 0 || !(cum[n - 1] > 0))
        return NAN;
    double rank = q * cum[n - 1];
    unsigned i = 0;
    while (i + 1 < n && cum[i] < rank)
        i++;
    if (isinf(le[i]))
        return i > 0 ? le[i - 1] : NAN; /* beyond every finite bound */
    if (i == 0 && le[0] <= 0)
        return le[0];
    double lo = i > 0 ? le[i - 1] : 0, below = i > 0 ? cum[i - 1] : 0;
    double in = cum[i] - below;
    if (!(in > 0))
        return le[i];
    return lo + (le[i] - lo) * (rank - below) / in;
}

/* A counter's growth; from zero when it is new or went down. */
static double delta(double cur, double prev)
{
    if (isnan(prev) || cur < prev)
        return cur;
    return cur - prev;
}

static const struct vivac_vm_sample *find_vm(const struct vivac_sample *s, const char *name)
{
    for (size_t i = 0; s && i < s->num_vms; i++)
        if (strcmp(s->vms[i].name, name) == 0)
            return &s->vms[i];
    return NULL;
}

/* The interval's wait histogram: cur minus prev bucket by bucket, or cur
 * alone when prev is missing, laid out otherwise, or larger (a restart). */
static void wait_delta(const struct vivac_vm_sample *cur, const struct vivac_vm_sample *prev,
                       double *cum)
{
    bool from_zero = !prev || prev->wait_buckets != cur->wait_buckets;
    for (unsigned i = 0; !from_zero && i < cur->wait_buckets; i++)
        if (prev->wait_le[i] != cur->wait_le[i] || prev->wait_cum[i] > cur->wait_cum[i])
            from_zero = true;
    for (unsigned i = 0; i < cur->wait_buckets; i++)
        cum[i] = cur->wait_cum[i] - (from_zero ? 0 : prev->wait_cum[i]);
}

void vivac_rates(const struct vivac_sample *prev, const struct vivac_sample *cur,
                 double seconds, struct vivac_vm_rates *rows)
{
    double engine_all = 0;
    for (size_t i = 0; i < cur->num_vms; i++) {
        const struct vivac_vm_sample *v = &cur->vms[i];
        const struct vivac_vm_sample *p = find_vm(prev, v->name);
        struct vivac_vm_rates *r = &rows[i];
        r->name = v->name;
        r->streams = v->streams;
        r->frames_per_s = seconds > 0 ? delta(v->pictures, p ? p->pictures : NAN) / seconds : NAN;
        r->share = delta(v->engine_seconds, p ? p->engine_seconds : NAN); /* seconds for now */
        if (r->share > 0)
            engine_all += r->share;
        double cum[VIVAC_WAIT_BUCKETS_MAX];
        wait_delta(v, p, cum);
        r->wait_p50 = vivac_hist_quantile(v->wait_le, cum, v->wait_buckets, 0.50);
        r->wait_p99 = vivac_hist_quantile(v->wait_le, cum, v->wait_buckets, 0.99);
        r->memory = v->memory;
        r->gpu_memory = v->gpu_memory;
        r->errors_delta = delta(v->errors, p ? p->errors : NAN);
        r->errors_total = v->errors;
        r->weight = v->weight;
        r->reserve = v->reserve;
        r->limit = v->limit;
    }
    for (size_t i = 0; i < cur->num_vms; i++)
        rows[i].share = engine_all > 0 && !isnan(rows[i].share) ? rows[i].share / engine_all : NAN;
}
