/* The metrics text (metrics.h). */
#include "host/metrics.h"

#include "host/scheduler.h"
#include "host/worker_pool.h"

/* A label value as the format wants it: \, " and newline escaped. */
static void put_label(FILE *f, const char *v)
{
    for (; *v; v++) {
        if (*v == '\\' || *v == '"')
            fputc('\\', f);
        if (*v == '\n')
            fputs("\\n", f);
        else
            fputc(*v, f);
    }
}

static void family(FILE *f, const char *name, const char *type, const char *help)
{
    fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void sample(FILE *f, const char *name, const char *cls, double value)
{
    fprintf(f, "%s{vm=\"", name);
    put_label(f, cls);
    fprintf(f, "\"} %.17g\n", value);
}

/* One per-class family: each class's value of `what`. */
enum what {
    W_WEIGHT, W_RESERVATION, W_LIMIT, W_STREAMS, W_QUEUED, W_IN_FLIGHT, W_PICTURES, W_ERRORS,
    W_RESERVED, W_MACROBLOCKS, W_ENGINE_SECONDS, W_MEMORY, W_GPU_MEMORY,
};

static const struct {
    enum what what;
    const char *name, *type, *help;
} families[] = {
    {W_WEIGHT, "vivac_vm_weight", "gauge", "Share of the engine under contention (--qos weight)."},
    {W_RESERVATION, "vivac_vm_reservation_macroblocks_per_second", "gauge",
     "Rate always served while asked for (--qos reserve; 0: none)."},
    {W_LIMIT, "vivac_vm_limit_macroblocks_per_second", "gauge",
     "Rate never exceeded (--qos limit; 0: none)."},
    {W_STREAMS, "vivac_vm_streams", "gauge", "Connections of the VM's worker now."},
    {W_QUEUED, "vivac_vm_queued_pictures", "gauge", "Pictures waiting for the engine."},
    {W_IN_FLIGHT, "vivac_vm_in_flight_pictures", "gauge", "Pictures on the engine."},
    {W_PICTURES, "vivac_vm_pictures_total", "counter", "Pictures decoded, with or without error."},
    {W_ERRORS, "vivac_vm_decode_errors_total", "counter", "Pictures whose decode failed."},
    {W_RESERVED, "vivac_vm_reserved_pictures_total", "counter",
     "Pictures sent to the engine on the reservation."},
    {W_MACROBLOCKS, "vivac_vm_macroblocks_total", "counter",
     "Cost of the pictures sent to the engine, H.264-equivalent macroblocks."},
    {W_ENGINE_SECONDS, "vivac_vm_engine_seconds_total", "counter",
     "Engine time of the VM's decodes, as its worker measured them."},
    {W_MEMORY, "vivac_vm_memory_bytes", "gauge", "Host memory charged to the VM's sessions."},
    {W_GPU_MEMORY, "vivac_vm_gpu_memory_bytes", "gauge", "GPU memory charged to the VM's sessions."},
};

static double value_of(enum what w, const struct vh_sched_policy *p,
                       const struct vh_sched_stats *st, const struct vh_pool_usage *u)
{
    switch (w) {
    case W_WEIGHT: return p->weight;
    case W_RESERVATION: return p->reservation;
    case W_LIMIT: return p->limit;
    case W_STREAMS: return u->connections;
    case W_QUEUED: return st->queued;
    case W_IN_FLIGHT: return st->in_flight;
    case W_PICTURES: return (double)st->done;
    case W_ERRORS: return (double)st->failed;
    case W_RESERVED: return (double)st->granted_reserved;
    case W_MACROBLOCKS: return st->cost;
    case W_ENGINE_SECONDS: return st->engine_seconds;
    case W_MEMORY: return (double)u->memory;
    case W_GPU_MEMORY: return (double)u->gpu_memory;
    }
    return 0;
}

static void wait_histogram(FILE *f, const struct vh_sched *s)
{
    const char *name = "vivac_vm_queue_wait_seconds";
    family(f, name, "histogram", "Time a picture waited for the engine.");
    for (uint32_t c = 0; c < vh_sched_num_classes(s); c++) {
        struct vh_sched_stats st;
        vh_sched_get(s, c, NULL, &st);
        const char *cls = vh_sched_class_name(s, c);
        if (!cls)
            continue; /* a freed entry */
        for (unsigned b = 0; b <= VH_SCHED_WAIT_BUCKETS; b++) {
            fprintf(f, "%s_bucket{vm=\"", name);
            put_label(f, cls);
            if (b < VH_SCHED_WAIT_BUCKETS)
                fprintf(f, "\",le=\"%g\"} %llu\n", vh_sched_wait_bounds[b],
                        (unsigned long long)st.wait_hist[b]);
            else
                fprintf(f, "\",le=\"+Inf\"} %llu\n", (unsigned long long)st.wait_hist[b]);
        }
        fprintf(f, "%s_sum{vm=\"", name);
        put_label(f, cls);
        fprintf(f, "\"} %.17g\n", st.wait_seconds);
        fprintf(f, "%s_count{vm=\"", name);
        put_label(f, cls);
        fprintf(f, "\"} %llu\n", (unsigned long long)st.wait_hist[VH_SCHED_WAIT_BUCKETS]);
    }
}

void vh_metrics_render(FILE *f, const struct vh_sched *s, const struct vh_pool *pool)
{
    family(f, "vivac_engine_slots", "gauge", "Pictures on the engine at once (0: no scheduling).");
    fprintf(f, "vivac_engine_slots %u\n", s ? vh_sched_slots(s) : 0);
    family(f, "vivac_workers", "gauge", "Worker processes running.");
    fprintf(f, "vivac_workers %u\n", vh_pool_workers(pool));
    if (!s)
        return;
    uint32_t n = vh_sched_num_classes(s);
    for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
        family(f, families[i].name, families[i].type, families[i].help);
        for (uint32_t c = 0; c < n; c++) {
            const char *cls = vh_sched_class_name(s, c);
            if (!cls)
                continue; /* a freed entry */
            struct vh_sched_policy p;
            struct vh_sched_stats st;
            struct vh_pool_usage u;
            vh_sched_get(s, c, &p, &st);
            vh_pool_usage(pool, cls, &u);
            sample(f, families[i].name, cls, value_of(families[i].what, &p, &st, &u));
        }
    }
    wait_histogram(f, s);
}
