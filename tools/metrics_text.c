/* Reading the Prometheus text format (metrics_text.h). */
#include "tools/metrics_text.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* A cursor over one line; never reads past end. */
struct scan {
    const char *p, *end;
};

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static void skip_blanks(struct scan *s)
{
    while (s->p < s->end && is_blank(*s->p))
        s->p++;
}

static bool name_char(char c, bool first, bool colon)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_')
        return true;
    if (colon && c == ':')
        return true;
    return !first && c >= '0' && c <= '9';
}

/* A metric name (colons allowed) or a label name into out. */
static bool scan_name(struct scan *s, bool colon, char *out, size_t size)
{
    size_t n = 0;
    while (s->p < s->end && name_char(*s->p, n == 0, colon)) {
        if (n + 1 >= size)
            return false;
        out[n++] = *s->p++;
    }
    out[n] = '\0';
    return n > 0;
}

/* A quoted label value, unescaped into out. */
static bool scan_quoted(struct scan *s, char *out, size_t size)
{
    if (s->p >= s->end || *s->p != '"')
        return false;
    s->p++;
    size_t n = 0;
    while (s->p < s->end && *s->p != '"') {
        char c = *s->p++;
        if (c == '\\') {
            if (s->p >= s->end)
                return false;
            c = *s->p++;
            if (c == 'n')
                c = '\n';
            else if (c != '\\' && c != '"')
                return false; /* the format knows no other escape */
        }
        if (n + 1 >= size)
            return false;
        out[n++] = c;
    }
    if (s->p >= s->end)
        return false; /* unterminated */
    s->p++;
    out[n] = '\0';
    return true;
}

/* A float token ending at a blank or the line's end: digits, "+Inf",
 * "-Inf", "NaN" (strtod reads them all, case aside). */
static bool scan_value(struct scan *s, double *out)
{
    char buf[64];
    size_t n = 0;
    while (s->p < s->end && !is_blank(*s->p)) {
        if (n + 1 >= sizeof(buf))
            return false;
        buf[n++] = *s->p++;
    }
    buf[n] = '\0';
    if (n == 0)
        return false;
    char *endp;
    errno = 0;
    double v = strtod(buf, &endp);
    if (*endp || (errno == ERANGE && v != 0))
        return false;
    *out = v;
    return true;
}

static bool scan_labels(struct scan *s, struct vivac_metric_line *out)
{
    s->p++; /* '{' */
    for (;;) {
        skip_blanks(s);
        if (s->p < s->end && *s->p == '}')
            break; /* "{}" or a trailing comma */
        if (out->num_labels == VIVAC_METRIC_LABELS_MAX)
            return false;
        struct vivac_metric_label *l = &out->labels[out->num_labels];
        if (!scan_name(s, false, l->name, sizeof(l->name)))
            return false;
        skip_blanks(s);
        if (s->p >= s->end || *s->p != '=')
            return false;
        s->p++;
        skip_blanks(s);
        if (!scan_quoted(s, l->value, sizeof(l->value)))
            return false;
        for (unsigned i = 0; i < out->num_labels; i++)
            if (strcmp(out->labels[i].name, l->name) == 0)
                return false; /* a label twice */
        out->num_labels++;
        skip_blanks(s);
        if (s->p < s->end && *s->p == ',') {
            s->p++;
            continue;
        }
        if (s->p < s->end && *s->p == '}')
            break;
        return false;
    }
    s->p++; /* '}' */
    return true;
}

int vivac_metric_parse_line(const char *line, size_t len, struct vivac_metric_line *out)
{
    struct scan s = {line, line + len};
    if (s.end > s.p && s.end[-1] == '\r')
        s.end--;
    skip_blanks(&s);
    if (s.p == s.end || *s.p == '#')
        return 0;
    out->num_labels = 0;
    if (!scan_name(&s, true, out->name, sizeof(out->name)))
        return -EINVAL;
    const char *after = s.p;
    skip_blanks(&s);
    if (s.p < s.end && *s.p == '{') {
        if (!scan_labels(&s, out))
            return -EINVAL;
        after = s.p;
        skip_blanks(&s);
    }
    if (s.p == after)
        return -EINVAL; /* the value must be set apart */
    if (!scan_value(&s, &out->value))
        return -EINVAL;
    skip_blanks(&s);
    if (s.p < s.end) {
        /* A timestamp (milliseconds, an integer) and nothing after it. */
        double ts;
        if (!scan_value(&s, &ts))
            return -EINVAL;
        skip_blanks(&s);
        if (s.p < s.end)
            return -EINVAL;
    }
    return 1;
}

const char *vivac_metric_label(const struct vivac_metric_line *line, const char *name)
{
    for (unsigned i = 0; i < line->num_labels; i++)
        if (strcmp(line->labels[i].name, name) == 0)
            return line->labels[i].value;
    return NULL;
}

size_t vivac_metrics_each(const char *text, size_t len,
                          void (*fn)(const struct vivac_metric_line *line, void *ctx),
                          void *ctx)
{
    size_t malformed = 0;
    const char *p = text, *end = text + len;
    struct vivac_metric_line line;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eol = nl ? nl : end;
        int r = vivac_metric_parse_line(p, (size_t)(eol - p), &line);
        if (r > 0)
            fn(&line, ctx);
        else if (r < 0)
            malformed++;
        p = nl ? nl + 1 : end;
    }
    return malformed;
}
