/* The decode scheduler (scheduler.h). */
#include "host/scheduler.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const double vh_sched_wait_bounds[VH_SCHED_WAIT_BUCKETS] = {
    0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0,
};

struct request {
    struct request *next;
    uint64_t owner;
    uint32_t ticket;
    double cost;
    int64_t asked_ns;
};

struct granted {
    uint64_t owner;
    uint32_t ticket;
    uint32_t cls;
    int64_t granted_ns;
};

struct sched_class {
    char name[VH_SCHED_NAME_MAX]; /* "": a free entry, reused by the next new class */
    struct vh_sched_policy policy;
    uint32_t holders;             /* workers of the class (vh_sched_class_hold) */
    bool kept;                    /* its policy was set: kept while no worker holds it */
    struct request *head, *tail;
    /* The head's tags (set when it became head) and the finish tags of the
     * class's last picture served: R and L in ns, P in virtual time. */
    double s_r, s_l, s_p;
    double f_r, f_l, f_p;
    struct vh_sched_stats stats;
};

struct vh_sched {
    uint32_t slots;
    struct vh_sched_policy default_policy;
    struct granted *granted;      /* [slots]; in_flight of them used */
    uint32_t in_flight;
    double virtual_time;          /* start tag of the last weight-phase pick */
    struct sched_class *classes;
    uint32_t num_classes, cap_classes;
};

int vh_sched_policy_check(const struct vh_sched_policy *p, char *why, unsigned why_size)
{
    const char *bad = NULL;
    if (!(p->weight > 0) || !isfinite(p->weight) || p->weight > 1e6)
        bad = "the weight must be a number above 0 (at most 1000000)";
    else if (!(p->reservation >= 0) || !isfinite(p->reservation))
        bad = "the reservation must be a rate of 0 (none) or more";
    else if (!(p->limit >= 0) || !isfinite(p->limit))
        bad = "the limit must be a rate of 0 (none) or more";
    else if (p->limit > 0 && p->limit < p->reservation)
        bad = "the limit is below the reservation";
    if (!bad)
        return 0;
    if (why && why_size)
        snprintf(why, why_size, "%s", bad);
    return -EINVAL;
}

int vh_sched_create(uint32_t slots, const struct vh_sched_policy *default_policy,
                    struct vh_sched **out)
{
    if (!slots || vh_sched_policy_check(default_policy, NULL, 0))
        return -EINVAL;
    struct vh_sched *s = calloc(1, sizeof(*s));
    if (!s)
        return -ENOMEM;
    s->granted = calloc(slots, sizeof(*s->granted));
    if (!s->granted) {
        free(s);
        return -ENOMEM;
    }
    s->slots = slots;
    s->default_policy = *default_policy;
    *out = s;
    return 0;
}

void vh_sched_destroy(struct vh_sched **sched)
{
    if (!sched || !*sched)
        return;
    struct vh_sched *s = *sched;
    for (uint32_t i = 0; i < s->num_classes; i++) {
        struct request *r = s->classes[i].head;
        while (r) {
            struct request *next = r->next;
            free(r);
            r = next;
        }
    }
    free(s->classes);
    free(s->granted);
    free(s);
    *sched = NULL;
}

int vh_sched_class(struct vh_sched *s, const char *name)
{
    size_t len = strlen(name);
    if (!len || len >= VH_SCHED_NAME_MAX)
        return -EINVAL;
    uint32_t free_entry = UINT32_MAX;
    for (uint32_t i = 0; i < s->num_classes; i++) {
        if (strcmp(s->classes[i].name, name) == 0)
            return (int)i;
        if (!s->classes[i].name[0] && free_entry == UINT32_MAX)
            free_entry = i;
    }
    if (free_entry != UINT32_MAX) {
        struct sched_class *c = &s->classes[free_entry];
        memset(c, 0, sizeof(*c));
        memcpy(c->name, name, len + 1);
        c->policy = s->default_policy;
        return (int)free_entry;
    }
    if (s->num_classes == VH_SCHED_MAX_CLASSES)
        return -ENOSPC;
    if (s->num_classes == s->cap_classes) {
        uint32_t cap = s->cap_classes ? s->cap_classes * 2 : 8;
        struct sched_class *c = realloc(s->classes, cap * sizeof(*c));
        if (!c)
            return -ENOMEM;
        s->classes = c;
        s->cap_classes = cap;
    }
    struct sched_class *c = &s->classes[s->num_classes];
    memset(c, 0, sizeof(*c));
    memcpy(c->name, name, len + 1);
    c->policy = s->default_policy;
    return (int)s->num_classes++;
}

int vh_sched_set_policy(struct vh_sched *s, uint32_t cls, const struct vh_sched_policy *p)
{
    if (cls >= s->num_classes || vh_sched_policy_check(p, NULL, 0))
        return -EINVAL;
    s->classes[cls].policy = *p;
    s->classes[cls].kept = true;
    return 0;
}

/* A class no worker holds, with nothing queued or on the engine and no
 * policy of its own, is freed: its name and counters go. */
static void free_if_unused(struct vh_sched *s, uint32_t cls)
{
    struct sched_class *c = &s->classes[cls];
    if (c->name[0] && !c->holders && !c->kept && !c->head && !c->stats.in_flight)
        memset(c, 0, sizeof(*c));
}

void vh_sched_class_hold(struct vh_sched *s, uint32_t cls)
{
    if (cls < s->num_classes && s->classes[cls].name[0])
        s->classes[cls].holders++;
}

void vh_sched_class_release(struct vh_sched *s, uint32_t cls)
{
    if (cls >= s->num_classes || !s->classes[cls].holders)
        return;
    s->classes[cls].holders--;
    free_if_unused(s, cls);
}

void vh_sched_class_unkeep(struct vh_sched *s, uint32_t cls)
{
    if (cls >= s->num_classes || !s->classes[cls].name[0])
        return;
    s->classes[cls].kept = false;
    s->classes[cls].policy = s->default_policy;
    free_if_unused(s, cls);
}

uint32_t vh_sched_num_classes(const struct vh_sched *s)
{
    return s->num_classes;
}

const char *vh_sched_class_name(const struct vh_sched *s, uint32_t cls)
{
    return cls < s->num_classes && s->classes[cls].name[0] ? s->classes[cls].name : NULL;
}

void vh_sched_get(const struct vh_sched *s, uint32_t cls, struct vh_sched_policy *policy,
                  struct vh_sched_stats *stats)
{
    if (cls >= s->num_classes)
        return;
    if (policy)
        *policy = s->classes[cls].policy;
    if (stats)
        *stats = s->classes[cls].stats;
}

uint32_t vh_sched_slots(const struct vh_sched *s)
{
    return s->slots;
}

/* Tags a class's new head, which became head at now_ns. */
static void tag_head(struct vh_sched *s, struct sched_class *c, int64_t now_ns)
{
    double now = (double)now_ns;
    c->s_r = fmax(c->f_r, now);
    c->s_l = fmax(c->f_l, now);
    c->s_p = fmax(c->f_p, s->virtual_time);
}

int vh_sched_ask(struct vh_sched *s, uint32_t cls, uint64_t owner, uint32_t ticket, double cost,
                 int64_t now_ns)
{
    if (cls >= s->num_classes || !s->classes[cls].name[0] || !(cost > 0) || !isfinite(cost))
        return -EINVAL;
    struct request *r = malloc(sizeof(*r));
    if (!r)
        return -ENOMEM;
    *r = (struct request){.owner = owner, .ticket = ticket, .cost = cost, .asked_ns = now_ns};
    struct sched_class *c = &s->classes[cls];
    if (c->tail) {
        c->tail->next = r;
    } else {
        c->head = r;
        tag_head(s, c, now_ns);
    }
    c->tail = r;
    c->stats.queued++;
    return 0;
}

enum phase { PHASE_NONE, PHASE_RESERVATION, PHASE_WEIGHT };

/* The class to serve now and in which phase; *wake_ns: when one that must
 * wait could go. */
static enum phase pick(const struct vh_sched *s, int64_t now_ns, uint32_t *which, double *wake)
{
    double now = (double)now_ns;
    int best_r = -1, best_p = -1;
    *wake = INFINITY;
    for (uint32_t i = 0; i < s->num_classes; i++) {
        const struct sched_class *c = &s->classes[i];
        if (!c->head)
            continue;
        bool reserved = c->policy.reservation > 0;
        if (reserved && c->s_r <= now) {
            if (best_r < 0 || c->s_r < s->classes[best_r].s_r)
                best_r = (int)i;
            continue;
        }
        bool limited = c->policy.limit > 0 && c->s_l > now;
        if (!limited) {
            if (best_p < 0 || c->s_p < s->classes[best_p].s_p)
                best_p = (int)i;
            continue;
        }
        *wake = fmin(*wake, reserved ? fmin(c->s_r, c->s_l) : c->s_l);
    }
    if (best_r >= 0) {
        *which = (uint32_t)best_r;
        return PHASE_RESERVATION;
    }
    if (best_p >= 0) {
        *which = (uint32_t)best_p;
        return PHASE_WEIGHT;
    }
    return PHASE_NONE;
}

static void count_wait(struct vh_sched_stats *st, double wait)
{
    st->wait_seconds += wait;
    for (unsigned b = 0; b < VH_SCHED_WAIT_BUCKETS; b++)
        if (wait <= vh_sched_wait_bounds[b])
            st->wait_hist[b]++;
    st->wait_hist[VH_SCHED_WAIT_BUCKETS]++;
}

bool vh_sched_next(struct vh_sched *s, int64_t now_ns, struct vh_sched_grant *grant,
                   int64_t *wake_ns)
{
    if (wake_ns)
        *wake_ns = INT64_MAX;
    if (s->in_flight >= s->slots)
        return false;
    uint32_t i;
    double wake;
    enum phase phase = pick(s, now_ns, &i, &wake);
    if (phase == PHASE_NONE) {
        if (wake_ns && isfinite(wake))
            *wake_ns = wake >= (double)INT64_MAX ? INT64_MAX : (int64_t)ceil(wake);
        return false;
    }
    struct sched_class *c = &s->classes[i];
    struct request *r = c->head;
    const struct vh_sched_policy *p = &c->policy;
    /* Reservation-phase service does not move the weight tags (what a class
     * reserved is not taken out of its share of the rest), weight-phase
     * service not the reservation's (see scheduler.h). Both count against
     * the limit. */
    if (phase == PHASE_RESERVATION) {
        c->f_r = c->s_r + r->cost / p->reservation * 1e9;
        c->stats.granted_reserved++;
    } else {
        c->f_p = c->s_p + r->cost / p->weight;
        s->virtual_time = fmax(s->virtual_time, c->s_p);
    }
    if (p->limit > 0)
        c->f_l = c->s_l + r->cost / p->limit * 1e9;

    c->head = r->next;
    if (!c->head)
        c->tail = NULL;
    else
        tag_head(s, c, now_ns);
    c->stats.queued--;
    c->stats.in_flight++;
    c->stats.granted++;
    c->stats.cost += r->cost;
    count_wait(&c->stats, (double)(now_ns - r->asked_ns) * 1e-9);
    s->granted[s->in_flight++] =
        (struct granted){.owner = r->owner, .ticket = r->ticket, .cls = i, .granted_ns = now_ns};
    *grant = (struct vh_sched_grant){.owner = r->owner, .ticket = r->ticket, .cls = i};
    free(r);
    return true;
}

int vh_sched_done(struct vh_sched *s, uint64_t owner, uint32_t ticket, int64_t engine_ns,
                  bool failed)
{
    for (uint32_t i = 0; i < s->in_flight; i++) {
        struct granted *g = &s->granted[i];
        if (g->owner != owner || g->ticket != ticket)
            continue;
        struct vh_sched_stats *st = &s->classes[g->cls].stats;
        st->in_flight--;
        st->done++;
        if (failed)
            st->failed++;
        if (engine_ns > 0)
            st->engine_seconds += (double)engine_ns * 1e-9;
        *g = s->granted[--s->in_flight];
        return 0;
    }
    return -ENOENT;
}

bool vh_sched_overdue(const struct vh_sched *s, int64_t now_ns, int64_t max_ns, uint64_t *owner)
{
    for (uint32_t i = 0; i < s->in_flight; i++)
        if (now_ns - s->granted[i].granted_ns > max_ns) {
            *owner = s->granted[i].owner;
            return true;
        }
    return false;
}

void vh_sched_forget(struct vh_sched *s, uint64_t owner)
{
    for (uint32_t i = 0; i < s->in_flight;) {
        struct granted *g = &s->granted[i];
        if (g->owner == owner) {
            s->classes[g->cls].stats.in_flight--;
            *g = s->granted[--s->in_flight];
        } else {
            i++;
        }
    }
    for (uint32_t i = 0; i < s->num_classes; i++) {
        struct sched_class *c = &s->classes[i];
        struct request **pp = &c->head, *last = NULL;
        while (*pp) {
            struct request *r = *pp;
            if (r->owner == owner) {
                *pp = r->next;
                free(r);
                c->stats.queued--;
            } else {
                last = r;
                pp = &r->next;
            }
        }
        /* A new head keeps the old head's tags: they were the class's due
         * times, whoever's picture it was. */
        c->tail = last;
        free_if_unused(s, i);
    }
}
