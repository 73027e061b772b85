/*
 * A reader of the Prometheus text exposition format (version 0.0.4), as
 * vivacd's admin socket and metrics endpoint answer it (src/host/admin.h):
 *   # HELP / # TYPE lines and other comments  (skipped)
 *   name{label="value",...} value [timestamp]
 * Label values unescape \\, \" and \n; values are floats, "+Inf", "-Inf",
 * "NaN". A malformed line is skipped and counted, never fatal: the text
 * comes from another process and `vivac top` must survive any of it.
 */
#ifndef VIVAC_TOOLS_METRICS_TEXT_H
#define VIVAC_TOOLS_METRICS_TEXT_H

#include <stddef.h>

#define VIVAC_METRIC_NAME_MAX 128
#define VIVAC_METRIC_LABELS_MAX 8
#define VIVAC_METRIC_LABEL_NAME_MAX 64
#define VIVAC_METRIC_LABEL_VALUE_MAX 256

struct vivac_metric_label {
    char name[VIVAC_METRIC_LABEL_NAME_MAX];
    char value[VIVAC_METRIC_LABEL_VALUE_MAX]; /* unescaped */
};

/* One sample line. */
struct vivac_metric_line {
    char name[VIVAC_METRIC_NAME_MAX];
    struct vivac_metric_label labels[VIVAC_METRIC_LABELS_MAX];
    unsigned num_labels;
    double value;
};

/* Parses one line (len bytes, no newline needed; a trailing '\r' is
 * ignored). 1: a sample, in *out; 0: blank or a comment; -EINVAL:
 * malformed (also when a name or label does not fit the sizes above). */
int vivac_metric_parse_line(const char *line, size_t len, struct vivac_metric_line *out);

/* A label's value, or NULL if the line has no such label. */
const char *vivac_metric_label(const struct vivac_metric_line *line, const char *name);

/* Calls fn for every sample line of text (len bytes); returns how many
 * lines were malformed (skipped). */
size_t vivac_metrics_each(const char *text, size_t len,
                          void (*fn)(const struct vivac_metric_line *line, void *ctx),
                          void *ctx);

#endif
