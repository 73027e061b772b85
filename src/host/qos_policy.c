/* Scheduling policies as text (qos_policy.h). */
#include "host/qos_policy.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/decode_cost.h"

static int set_key(struct vh_sched_policy *p, const char *key, size_t key_len, const char *value,
                   char *why, size_t why_size)
{
    if (key_len == 6 && strncmp(key, "weight", 6) == 0) {
        char *end;
        double w = strtod(value, &end);
        if (end == value || *end || !(w > 0) || !isfinite(w)) {
            snprintf(why, why_size, "weight=%s: not a number above 0", value);
            return -EINVAL;
        }
        p->weight = w;
        return 0;
    }
    double *rate = NULL;
    if (key_len == 7 && strncmp(key, "reserve", 7) == 0)
        rate = &p->reservation;
    else if (key_len == 5 && strncmp(key, "limit", 5) == 0)
        rate = &p->limit;
    if (!rate) {
        snprintf(why, why_size, "unknown key \"%.*s\" (weight, reserve, limit)", (int)key_len, key);
        return -EINVAL;
    }
    if (vh_cost_parse_rate(value, rate) != 0) {
        snprintf(why, why_size,
                 "%.*s=%s: not a rate (a number of macroblocks/s, or streams such as "
                 "1080p60 or 2x720p30)", (int)key_len, key, value);
        return -EINVAL;
    }
    return 0;
}

int vh_qos_parse(const char *text, struct vh_sched_policy *policy, char *why, size_t why_size)
{
    struct vh_sched_policy p = *policy;
    char copy[256];
    if (snprintf(copy, sizeof(copy), "%s", text) >= (int)sizeof(copy) || !copy[0]) {
        snprintf(why, why_size, "empty or too long a policy");
        return -EINVAL;
    }
    char *save = NULL;
    for (char *item = strtok_r(copy, ", ", &save); item; item = strtok_r(NULL, ", ", &save)) {
        char *eq = strchr(item, '=');
        if (!eq || eq == item || !eq[1]) {
            snprintf(why, why_size, "\"%s\": not KEY=VALUE", item);
            return -EINVAL;
        }
        if (set_key(&p, item, (size_t)(eq - item), eq + 1, why, why_size))
            return -EINVAL;
    }
    if (vh_sched_policy_check(&p, why, (unsigned)why_size))
        return -EINVAL;
    *policy = p;
    return 0;
}

int vh_qos_split(const char *spec, char *cls, size_t cls_size, const char **policy)
{
    /* "cid:3:weight=2": the class may itself hold one colon. */
    const char *colon = strchr(spec, ':');
    if (colon && strncmp(spec, "cid:", 4) == 0)
        colon = strchr(colon + 1, ':');
    if (!colon || colon == spec || (size_t)(colon - spec) >= cls_size)
        return -EINVAL;
    memcpy(cls, spec, (size_t)(colon - spec));
    cls[colon - spec] = '\0';
    *policy = colon + 1;
    return 0;
}

int vh_qos_class(struct vh_sched *s, const char *name)
{
    for (uint32_t k = 0; k < vh_sched_num_classes(s); k++) {
        const char *known = vh_sched_class_name(s, k);
        if (known && strcmp(known, name) == 0)
            return (int)k;
    }
    if (strncmp(name, "cid:", 4) == 0) {
        int c = vh_sched_class(s, name);
        return c < 0 ? -1 : c;
    }
    return -1;
}

void vh_qos_format(const struct vh_sched_policy *p, char *buf, size_t size)
{
    char r[32] = "-", l[32] = "-";
    if (p->reservation > 0)
        snprintf(r, sizeof(r), "%.0f/s", p->reservation);
    if (p->limit > 0)
        snprintf(l, sizeof(l), "%.0f/s", p->limit);
    snprintf(buf, size, "weight=%g reserve=%s limit=%s", p->weight, r, l);
}
