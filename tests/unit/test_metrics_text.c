/* vivac top's reading of vivacd's metrics text (tools/metrics_text.h) and
 * its rates and queue-wait percentiles (tools/metrics_rates.h). */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "tools/metrics_rates.h"
#include "tools/metrics_text.h"

#define NEAR(a, b) (fabs((double)(a) - (double)(b)) < 1e-9 * (1 + fabs((double)(b))))

static int parse(const char *line, struct vivac_metric_line *out)
{
    return vivac_metric_parse_line(line, strlen(line), out);
}

static void test_lines(void)
{
    struct vivac_metric_line l;
    CHECK_EQ(parse("vivac_engine_slots 4", &l), 1);
    CHECK(strcmp(l.name, "vivac_engine_slots") == 0);
    CHECK_EQ(l.num_labels, 0);
    CHECK(l.value == 4);

    CHECK_EQ(parse("vivac_vm_pictures_total{vm=\"a\"} 1.5e3", &l), 1);
    CHECK_EQ(l.num_labels, 1);
    CHECK(strcmp(vivac_metric_label(&l, "vm"), "a") == 0);
    CHECK(vivac_metric_label(&l, "le") == NULL);
    CHECK(l.value == 1500);

    /* Escapes, blanks around everything, a trailing comma, CRLF. */
    CHECK_EQ(parse("  m { vm = \"q\\\"u\\\\o\\nte\" , le=\"+Inf\", } \t 7  \r", &l), 1);
    CHECK_EQ(l.num_labels, 2);
    CHECK(strcmp(vivac_metric_label(&l, "vm"), "q\"u\\o\nte") == 0);
    CHECK(strcmp(vivac_metric_label(&l, "le"), "+Inf") == 0);
    CHECK(l.value == 7);
    CHECK_EQ(parse("m{} 1", &l), 1);
    CHECK_EQ(parse("m{vm=\"a,b}c\"} 2", &l), 1);
    CHECK(strcmp(vivac_metric_label(&l, "vm"), "a,b}c") == 0);
    CHECK_EQ(parse("ns:sub_metric{vm=\"\"} 0", &l), 1);
    CHECK(strcmp(vivac_metric_label(&l, "vm"), "") == 0);

    /* Special values, and a timestamp. */
    CHECK_EQ(parse("m +Inf", &l), 1);
    CHECK(isinf(l.value) && l.value > 0);
    CHECK_EQ(parse("m -Inf", &l), 1);
    CHECK(isinf(l.value) && l.value < 0);
    CHECK_EQ(parse("m NaN", &l), 1);
    CHECK(isnan(l.value));
    CHECK_EQ(parse("m{vm=\"a\"} 3 1712345678901", &l), 1);
    CHECK(l.value == 3);

    /* Not samples. */
    CHECK_EQ(parse("", &l), 0);
    CHECK_EQ(parse("   \t", &l), 0);
    CHECK_EQ(parse("# HELP vivac_workers Workers now.", &l), 0);
    CHECK_EQ(parse("# TYPE vivac_workers gauge", &l), 0);
    CHECK_EQ(parse("  # a comment {vm=\"x\"} 3", &l), 0);

    /* Malformed: each is refused, none crashes. */
    static const char *const bad[] = {
        "m",                         /* no value */
        "m ",                        /* no value */
        "m{vm=\"a\"}",               /* no value */
        "m{vm=\"a\"}5",              /* value not set apart */
        "m 1x",                      /* not a number */
        "m abc",
        "m 1 2 3",                   /* more than a timestamp */
        "m 1 x",                     /* a bad timestamp */
        "9m 1",                      /* a name starts with a letter */
        "{vm=\"a\"} 1",              /* no name */
        "m{vm=\"a} 1",               /* unterminated */
        "m{vm=\"a\\",                /* escape at the end */
        "m{vm=\"a\\t\"} 1",          /* no such escape */
        "m{vm\"a\"} 1",              /* no '=' */
        "m{vm=a} 1",                 /* unquoted */
        "m{vm=\"a\" le=\"1\"} 1",    /* no comma */
        "m{vm=\"a\",vm=\"b\"} 1",    /* a label twice */
        "m{=\"a\"} 1",               /* no label name */
        "m{1x=\"a\"} 1",
        "m{vm=\"a\"",                /* no closing brace */
        "m{vm=\"a\",,} 1",
        "m\t{vm=\"a\"}} 1",
        "m-x 1",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int r = parse(bad[i], &l);
        if (r != -EINVAL)
            fprintf(stderr, "accepted: %s\n", bad[i]);
        CHECK_EQ(r, -EINVAL);
    }

    /* What does not fit is malformed, not truncated. */
    char longer[600];
    memset(longer, 'n', 200);
    snprintf(longer + 200, sizeof(longer) - 200, " 1");
    CHECK_EQ(parse(longer, &l), -EINVAL);
    snprintf(longer, sizeof(longer), "m{vm=\"%0300d\"} 1", 0);
    CHECK_EQ(parse(longer, &l), -EINVAL);
    snprintf(longer, sizeof(longer), "m{a=\"\",b=\"\",c=\"\",d=\"\",e=\"\",f=\"\",g=\"\",h=\"\",i=\"\"} 1");
    CHECK_EQ(parse(longer, &l), -EINVAL);
    /* The parser reads no further than len. */
    CHECK_EQ(vivac_metric_parse_line("m 12345", 3, &l), 1);
    CHECK(l.value == 1);
}

static void count_line(const struct vivac_metric_line *line, void *ctx)
{
    (void)line;
    (*(size_t *)ctx)++;
}

static void test_each(void)
{
    static const char text[] =
        "# HELP m A metric.\n"
        "# TYPE m counter\n"
        "m_total{vm=\"a\"} 1\n"
        "garbage here\n"
        "\n"
        "m_total{vm=\"b\"} 2\r\n"
        "m_total{vm=\"c\" 3\n"
        "last 4";                    /* no final newline */
    size_t n = 0;
    CHECK_EQ(vivac_metrics_each(text, strlen(text), count_line, &n), 2);
    CHECK_EQ(n, 3);

    /* Random bytes and mangled copies of a real line: no crash (ASan). */
    uint32_t seed = 12345;
    char buf[256];
    static const char base[] = "vivac_vm_queue_wait_seconds_bucket{vm=\"a\\\"b\",le=\"+Inf\"} 12\n";
    for (int round = 0; round < 20000; round++) {
        size_t len = sizeof(base) - 1;
        memcpy(buf, base, len);
        for (int k = 0; k < 1 + round % 4; k++) {
            seed = seed * 1103515245u + 12345u;
            size_t at = (seed >> 8) % len;
            seed = seed * 1103515245u + 12345u;
            buf[at] = (char)(round % 3 ? " {}\",=\\\n#+e"[(seed >> 8) % 12] : (int)(seed >> 16));
        }
        if (round % 5 == 0)
            len = (seed >> 4) % len; /* cut short */
        n = 0;
        vivac_metrics_each(buf, len, count_line, &n);
    }
}

static void test_quantile(void)
{
    const double inf = INFINITY;
    const double le[] = {0.001, 0.002, 0.005, inf};
    const double cum[] = {10, 30, 40, 40};
    /* rank 20 is 10 into the 20 of (0.001, 0.002] */
    CHECK(NEAR(vivac_hist_quantile(le, cum, 4, 0.5), 0.0015));
    /* rank 39.6 is 9.6 into the 10 of (0.002, 0.005] */
    CHECK(NEAR(vivac_hist_quantile(le, cum, 4, 0.99), 0.002 + 0.003 * 0.96));
    /* the first bucket starts at 0 */
    CHECK(NEAR(vivac_hist_quantile(le, cum, 4, 0.1), 0.0004));
    /* beyond every finite bound: the highest one */
    const double cum_slow[] = {1, 1, 1, 10};
    CHECK(NEAR(vivac_hist_quantile(le, cum_slow, 4, 0.5), 0.005));
    CHECK(NEAR(vivac_hist_quantile(le, cum_slow, 4, 0.05), 0.0005));
    /* empty buckets below the rank are skipped */
    const double cum_gap[] = {0, 0, 8, 8};
    CHECK(NEAR(vivac_hist_quantile(le, cum_gap, 4, 0.5), 0.0035));
    const double zero[] = {0, 0, 0, 0};
    CHECK(isnan(vivac_hist_quantile(le, zero, 4, 0.5)));
    CHECK(isnan(vivac_hist_quantile(le, cum, 0, 0.5)));
}

/* Two samples one interval (2 s) apart, as vivacd would give them. */
static const char prev_text[] =
    "# TYPE vivac_engine_slots gauge\n"
    "vivac_engine_slots 2\n"
    "vivac_workers 2\n"
    "vivac_vm_weight{vm=\"a\"} 1\n"
    "vivac_vm_weight{vm=\"b\"} 4\n"
    "vivac_vm_pictures_total{vm=\"a\"} 100\n"
    "vivac_vm_pictures_total{vm=\"b\"} 1000\n"
    "vivac_vm_engine_seconds_total{vm=\"a\"} 1.0\n"
    "vivac_vm_engine_seconds_total{vm=\"b\"} 1.0\n"
    "vivac_vm_decode_errors_total{vm=\"a\"} 3\n"
    "vivac_vm_decode_errors_total{vm=\"b\"} 50\n"
    "vivac_vm_queue_wait_seconds_bucket{vm=\"a\",le=\"0.001\"} 50\n"
    "vivac_vm_queue_wait_seconds_bucket{vm=\"a\",le=\"0.01\"} 90\n"
    "vivac_vm_queue_wait_seconds_bucket{vm=\"a\",le=\"+Inf\"} 100\n";
static const char cur_text[] =
    "# HELP vivac_engine_slots Pictures on the engine at once.\n"
    "# TYPE vivac_engine_slots gauge\n"
    "vivac_engine_slots 2\n"
    "vivac_workers 3\n"
    "vivac_vm_weight{vm=\"a\"} 1\n"
    "vivac_vm_weight{vm=\"b\"} 4\n"
    "vivac_vm_weight{vm=\"c\"} 2\n"
    "vivac_vm_reservation_macroblocks_per_second{vm=\"a\"} 489600\n"
    "vivac_vm_limit_macroblocks_per_second{vm=\"a\"} 0\n"
    "vivac_vm_streams{vm=\"a\"} 4\n"
    "vivac_vm_memory_bytes{vm=\"a\"} 10485760\n"
    "vivac_vm_gpu_memory_bytes{vm=\"a\"} 0\n"
    "vivac_vm_pictures_total{vm=\"a\"} 300\n"
    "vivac_vm_pictures_total{vm=\"b\"} 10\n"          /* restarted: from 0 */
    "vivac_vm_pictures_total{vm=\"c\"} 40\n"          /* new: from 0 */
    "vivac_vm_engine_seconds_total{vm=\"a\"} 1.5\n"
    "vivac_vm_engine_seconds_total{vm=\"b\"} 0.5\n"
    "vivac_vm_engine_seconds_total{vm=\"c\"} 1.0\n"
    "vivac_vm_decode_errors_total{vm=\"a\"} 5\n"
    "vivac_vm_decode_errors_total{vm=\"b\"} 1\n"
    "this line is malformed\n"
    "vivac_vm_future_metric{vm=\"d\"} 1\n"            /* unknown: no class d */
    /* out of order, +Inf first: sorted on reading */
    "vivac_vm_queue_wait_seconds_bucket{le=\"+Inf\",vm=\"a\"} 300\n"
    "vivac_vm_queue_wait_seconds_bucket{vm=\"a\",le=\"0.01\"} 290\n"
    "vivac_vm_queue_wait_seconds_bucket{vm=\"a\",le=\"0.001\"} 150\n"
    "vivac_vm_queue_wait_seconds_bucket{vm=\"a\",le=\"bogus\"} 7\n"
    "vivac_vm_queue_wait_seconds_sum{vm=\"a\"} 0.9\n"
    "vivac_vm_queue_wait_seconds_count{vm=\"a\"} 300\n";

static void test_rates(void)
{
    struct vivac_sample prev, cur;
    CHECK_EQ(vivac_sample_parse(prev_text, strlen(prev_text), &prev), 0);
    CHECK_EQ(vivac_sample_parse(cur_text, strlen(cur_text), &cur), 0);
    CHECK_EQ(prev.malformed, 0);
    CHECK_EQ(cur.malformed, 1);
    CHECK(cur.engine_slots == 2 && cur.workers == 3);
    CHECK_EQ(cur.num_vms, 3);
    if (cur.num_vms != 3)
        return;
    const struct vivac_vm_sample *a = &cur.vms[0];
    CHECK(strcmp(a->name, "a") == 0 && strcmp(cur.vms[1].name, "b") == 0 &&
          strcmp(cur.vms[2].name, "c") == 0);
    CHECK_EQ(a->wait_buckets, 3);
    CHECK(a->wait_le[0] == 0.001 && a->wait_le[1] == 0.01 && isinf(a->wait_le[2]));
    CHECK(a->wait_cum[0] == 150 && a->wait_cum[2] == 300);
    CHECK(a->reserve == 489600 && a->limit == 0 && a->streams == 4);
    CHECK(isnan(cur.vms[1].streams)); /* absent, not 0 */

    struct vivac_vm_rates rows[3];
    vivac_rates(&prev, &cur, 2.0, rows);
    CHECK(NEAR(rows[0].frames_per_s, 100));        /* (300 - 100) / 2 */
    CHECK(NEAR(rows[1].frames_per_s, 5));          /* 10 / 2 after a reset */
    CHECK(NEAR(rows[2].frames_per_s, 20));         /* 40 / 2, new */
    /* engine seconds: a 0.5, b 0.5 (reset), c 1.0 of 2.0 */
    CHECK(NEAR(rows[0].share, 0.25));
    CHECK(NEAR(rows[1].share, 0.25));
    CHECK(NEAR(rows[2].share, 0.5));
    CHECK(NEAR(rows[0].errors_delta, 2) && NEAR(rows[0].errors_total, 5));
    CHECK(NEAR(rows[1].errors_delta, 1));
    CHECK(isnan(rows[2].errors_delta));
    /* a's waits in the interval: 100 up to 1 ms, 100 in (1, 10] ms, 0 above:
     * p50 is the 100th of 200, at 1 ms; p99 is 98 into the second 100. */
    CHECK(NEAR(rows[0].wait_p50, 0.001));
    CHECK(NEAR(rows[0].wait_p99, 0.001 + 0.009 * 0.98));
    CHECK(isnan(rows[1].wait_p50) && isnan(rows[2].wait_p99));
    CHECK(rows[0].reserve == 489600 && rows[1].weight == 4 && rows[2].weight == 2);
    CHECK(NEAR(rows[0].memory, 10485760));

    /* No engine time in the interval: no share. */
    vivac_rates(&cur, &cur, 2.0, rows);
    CHECK(isnan(rows[0].share) && NEAR(rows[0].frames_per_s, 0));
    CHECK(isnan(rows[0].wait_p50));
    vivac_sample_free(&prev);
    vivac_sample_free(&cur);
    CHECK(cur.vms == NULL && cur.num_vms == 0);
}

int main(void)
{
    test_lines();
    test_each();
    test_quantile();
    test_rates();
    return check_finish("test_metrics_text");
}
