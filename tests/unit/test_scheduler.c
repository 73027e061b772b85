/* The decode scheduler (src/host/scheduler.h) against a simulated engine:
 * `slots` pictures decode at once, each for cost x NS_PER_UNIT; streams are
 * closed loops (ask, decode, ask again) as real ones are, optionally paced.
 * Deterministic, so the bounds are tighter than the end-to-end tests'. */
#include <errno.h>
#include <stdio.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "host/scheduler.h"

#define NS_PER_UNIT 1000.0        /* engine time per cost unit and slot */
#define MAX_STREAMS 64

struct stream {
    uint32_t cls;
    double cost;
    double period_ns;             /* paced: one picture per period; 0: unpaced */
    int64_t next_ask_ns;          /* when it asks next; -1: waiting for a picture */
    int64_t finish_ns;            /* decoding until; -1: not decoding */
    uint32_t ticket;
    /* results */
    uint64_t pictures;
    uint64_t late;                /* paced: done after its next release */
    int64_t released_ns;
};

struct sim {
    struct vh_sched *s;
    struct stream st[MAX_STREAMS];
    uint32_t n;
    int64_t now;
};

static void sim_init(struct sim *m, uint32_t slots)
{
    memset(m, 0, sizeof(*m));
    struct vh_sched_policy def = {.weight = 1};
    CHECK_EQ(vh_sched_create(slots, &def, &m->s), 0);
}

static uint32_t add_stream(struct sim *m, uint32_t cls, double cost, double fps)
{
    struct stream *x = &m->st[m->n];
    *x = (struct stream){.cls = cls, .cost = cost, .period_ns = fps > 0 ? 1e9 / fps : 0,
                         .next_ask_ns = m->now, .finish_ns = -1};
    return m->n++;
}

static int cls(struct sim *m, const char *name, double w, double r, double l)
{
    int c = vh_sched_class(m->s, name);
    CHECK(c >= 0);
    struct vh_sched_policy p = {.weight = w, .reservation = r, .limit = l};
    CHECK_EQ(vh_sched_set_policy(m->s, (uint32_t)c, &p), 0);
    return c;
}

/* Runs the simulation until `until` ns. */
static void run(struct sim *m, int64_t until)
{
    while (m->now < until) {
        /* Finish, then ask, then grant, at this instant. */
        for (uint32_t i = 0; i < m->n; i++) {
            struct stream *x = &m->st[i];
            if (x->finish_ns >= 0 && x->finish_ns <= m->now) {
                CHECK_EQ(vh_sched_done(m->s, i, x->ticket, (int64_t)(x->cost * NS_PER_UNIT),
                                       false), 0);
                x->finish_ns = -1;
                x->pictures++;
                if (x->period_ns > 0) {
                    if (m->now > x->released_ns + (int64_t)x->period_ns)
                        x->late++;
                    x->next_ask_ns = x->released_ns + (int64_t)x->period_ns;
                    if (x->next_ask_ns < m->now)
                        x->next_ask_ns = m->now;
                } else {
                    x->next_ask_ns = m->now;
                }
            }
        }
        for (uint32_t i = 0; i < m->n; i++) {
            struct stream *x = &m->st[i];
            if (x->next_ask_ns >= 0 && x->next_ask_ns <= m->now) {
                x->ticket++;
                x->released_ns = m->now;
                CHECK_EQ(vh_sched_ask(m->s, x->cls, i, x->ticket, x->cost, m->now), 0);
                x->next_ask_ns = -1;
            }
        }
        struct vh_sched_grant g;
        int64_t wake = INT64_MAX;
        while (vh_sched_next(m->s, m->now, &g, &wake)) {
            struct stream *x = &m->st[g.owner];
            CHECK_EQ(g.ticket, x->ticket);
            x->finish_ns = m->now + (int64_t)(x->cost * NS_PER_UNIT);
        }
        /* The next event. */
        int64_t next = wake;
        for (uint32_t i = 0; i < m->n; i++) {
            const struct stream *x = &m->st[i];
            if (x->finish_ns >= 0 && x->finish_ns < next)
                next = x->finish_ns;
            if (x->next_ask_ns >= 0 && x->next_ask_ns < next)
                next = x->next_ask_ns;
        }
        m->now = next > m->now ? next : m->now + 1;
    }
}

static double class_cost(struct sim *m, uint32_t c)
{
    struct vh_sched_stats st;
    vh_sched_get(m->s, c, NULL, &st);
    return st.cost;
}

/* Three overloaded classes with weights 1:2:4 (4 streams each) on 2 slots. */
static void test_weights(void)
{
    struct sim m;
    sim_init(&m, 2);
    double w[3] = {1, 2, 4};
    const char *names[3] = {"a", "b", "c"};
    int c[3];
    for (int i = 0; i < 3; i++) {
        c[i] = cls(&m, names[i], w[i], 0, 0);
        for (int k = 0; k < 4; k++)
            add_stream(&m, (uint32_t)c[i], 300, 0);
    }
    run(&m, 2000000000);
    double total = 0, got[3];
    for (int i = 0; i < 3; i++)
        total += got[i] = class_cost(&m, (uint32_t)c[i]);
    for (int i = 0; i < 3; i++) {
        double share = got[i] / total, want = w[i] / 7;
        CHECK(fabs(share - want) / want < 0.01);
    }
    /* Work conserving: both slots busy all along (cost units = engine time). */
    CHECK(total * NS_PER_UNIT >= 2 * 2000000000.0 * 0.99);
    vh_sched_destroy(&m.s);
}

/* Costs differ: a class of large pictures and one of small ones, equal
 * weights, get equal engine time, not equal picture counts. */
static void test_costs(void)
{
    struct sim m;
    sim_init(&m, 1);
    int big = cls(&m, "big", 1, 0, 0), small = cls(&m, "small", 1, 0, 0);
    add_stream(&m, (uint32_t)big, 8160, 0);
    add_stream(&m, (uint32_t)big, 8160, 0);
    add_stream(&m, (uint32_t)small, 300, 0);
    add_stream(&m, (uint32_t)small, 300, 0);
    run(&m, 3000000000);
    double b = class_cost(&m, (uint32_t)big), s = class_cost(&m, (uint32_t)small);
    CHECK(fabs(b / (b + s) - 0.5) < 0.01);
    vh_sched_destroy(&m.s);
}

/* A paced class with a reservation beside an overloaded one of 32 streams
 * and a far larger weight: every paced picture on time. */
static void test_reservation(void)
{
    struct sim m;
    sim_init(&m, 2);
    double cost = 8160, fps = 60;
    int paced = cls(&m, "paced", 1, cost * fps * 1.05, 0);
    int hog = cls(&m, "hog", 100, 0, 0);
    uint32_t p = add_stream(&m, (uint32_t)paced, cost, fps);
    for (int k = 0; k < 32; k++)
        add_stream(&m, (uint32_t)hog, cost, 0);
    run(&m, 5000000000);
    CHECK(m.st[p].pictures >= 299 && m.st[p].pictures <= 301);
    CHECK_EQ(m.st[p].late, 0);
    /* Without the reservation it falls behind: the test can fail. */
    struct sim n;
    sim_init(&n, 2);
    paced = cls(&n, "paced", 1, 0, 0);
    hog = cls(&n, "hog", 100, 0, 0);
    p = add_stream(&n, (uint32_t)paced, cost, fps);
    for (int k = 0; k < 32; k++)
        add_stream(&n, (uint32_t)hog, cost, 0);
    run(&n, 5000000000);
    CHECK(n.st[p].pictures < 150);
    vh_sched_destroy(&m.s);
    vh_sched_destroy(&n.s);
}

/* A limited class alone on an idle engine stays at its limit. */
static void test_limit(void)
{
    struct sim m;
    sim_init(&m, 4);
    double limit = 300 * 100; /* 100 pictures/s of 300 units; the engine does 13,333 */
    int c = cls(&m, "lim", 1, 0, limit);
    for (int k = 0; k < 8; k++)
        add_stream(&m, (uint32_t)c, 300, 0);
    run(&m, 4000000000);
    double rate = class_cost(&m, (uint32_t)c) / 4.0;
    CHECK(rate <= limit * 1.01);
    CHECK(rate >= limit * 0.97);
    vh_sched_destroy(&m.s);
}

/* A weight changed while running takes effect at once. */
static void test_weight_change(void)
{
    struct sim m;
    sim_init(&m, 2);
    int a = cls(&m, "a", 1, 0, 0), b = cls(&m, "b", 1, 0, 0);
    for (int k = 0; k < 4; k++) {
        add_stream(&m, (uint32_t)a, 300, 0);
        add_stream(&m, (uint32_t)b, 300, 0);
    }
    run(&m, 1000000000);
    double a0 = class_cost(&m, (uint32_t)a), b0 = class_cost(&m, (uint32_t)b);
    CHECK(fabs(a0 / (a0 + b0) - 0.5) < 0.01);
    struct vh_sched_policy p = {.weight = 4};
    CHECK_EQ(vh_sched_set_policy(m.s, (uint32_t)b, &p), 0);
    run(&m, 1100000000); /* the first 100 ms after the change */
    double a1 = class_cost(&m, (uint32_t)a) - a0, b1 = class_cost(&m, (uint32_t)b) - b0;
    CHECK(fabs(b1 / (a1 + b1) - 0.8) < 0.02);
    vh_sched_destroy(&m.s);
}

/* Slots bound what is on the engine; a worker that ends gives its back. */
static void test_slots_and_forget(void)
{
    struct vh_sched *s;
    struct vh_sched_policy def = {.weight = 1};
    CHECK_EQ(vh_sched_create(2, &def, &s), 0);
    int c = vh_sched_class(s, "x");
    CHECK_EQ(c, 0);
    CHECK_EQ(vh_sched_class(s, "x"), 0);
    for (uint32_t t = 1; t <= 3; t++)
        CHECK_EQ(vh_sched_ask(s, 0, 7, t, 10, 0), 0);
    CHECK_EQ(vh_sched_ask(s, 0, 8, 1, 10, 0), 0);
    struct vh_sched_grant g;
    CHECK(vh_sched_next(s, 0, &g, NULL));
    CHECK(g.owner == 7 && g.ticket == 1);
    CHECK(vh_sched_next(s, 0, &g, NULL));
    CHECK(!vh_sched_next(s, 0, &g, NULL)); /* both slots taken */
    CHECK_EQ(vh_sched_done(s, 7, 9, 0, false), -ENOENT);
    CHECK_EQ(vh_sched_done(s, 8, 1, 0, false), -ENOENT); /* queued, not granted */
    vh_sched_forget(s, 7);
    struct vh_sched_stats st;
    vh_sched_get(s, 0, NULL, &st);
    CHECK_EQ(st.in_flight, 0);
    CHECK_EQ(st.queued, 1);
    CHECK(vh_sched_next(s, 0, &g, NULL));
    CHECK(g.owner == 8 && g.ticket == 1);
    CHECK(!vh_sched_next(s, 0, &g, NULL));
    CHECK_EQ(vh_sched_done(s, 8, 1, 1000, true), 0);
    vh_sched_get(s, 0, NULL, &st);
    CHECK_EQ(st.done, 1);
    CHECK_EQ(st.failed, 1);
    CHECK_EQ(st.granted, 3);
    vh_sched_destroy(&s);
    vh_sched_destroy(&s); /* NULL is fine */
}

/* Classes of workers that come and go (vsock guests, removed VMs) are
 * freed once unused, so a long-running daemon never runs out of them; a
 * class with a policy of its own stays until unkept. */
static void test_class_lifetime(void)
{
    struct vh_sched *s;
    struct vh_sched_policy def = {.weight = 1};
    CHECK_EQ(vh_sched_create(1, &def, &s), 0);
    /* Far more guests over time than classes at once. */
    for (unsigned i = 0; i < 3 * VH_SCHED_MAX_CLASSES; i++) {
        char name[32];
        snprintf(name, sizeof(name), "cid:%u", 3 + i);
        int c = vh_sched_class(s, name);
        CHECK(c >= 0);
        if (c < 0)
            break;
        vh_sched_class_hold(s, (uint32_t)c);
        CHECK_EQ(vh_sched_ask(s, (uint32_t)c, 1, i, 10, 0), 0);
        struct vh_sched_grant g;
        CHECK(vh_sched_next(s, 0, &g, NULL));
        CHECK_EQ(vh_sched_done(s, 1, i, 100, false), 0);
        vh_sched_class_release(s, (uint32_t)c);
        CHECK(vh_sched_class_name(s, (uint32_t)c) == NULL);
    }
    CHECK(vh_sched_num_classes(s) <= 1);

    /* Held and busy: kept until both end. */
    int a = vh_sched_class(s, "a");
    vh_sched_class_hold(s, (uint32_t)a);
    vh_sched_class_hold(s, (uint32_t)a);
    CHECK_EQ(vh_sched_ask(s, (uint32_t)a, 5, 1, 10, 0), 0);
    vh_sched_class_release(s, (uint32_t)a);
    vh_sched_class_release(s, (uint32_t)a);
    CHECK(vh_sched_class_name(s, (uint32_t)a) != NULL); /* still queued */
    vh_sched_forget(s, 5);
    CHECK(vh_sched_class_name(s, (uint32_t)a) == NULL);
    CHECK_EQ(vh_sched_ask(s, (uint32_t)a, 5, 2, 10, 0), -EINVAL); /* freed */

    /* A policy of its own (a VM's file, --qos, vivac set): kept without
     * workers, until unkept; then a new class may take its entry. */
    int v = vh_sched_class(s, "vm1");
    struct vh_sched_policy p = {.weight = 4};
    CHECK_EQ(vh_sched_set_policy(s, (uint32_t)v, &p), 0);
    vh_sched_class_hold(s, (uint32_t)v);
    vh_sched_class_release(s, (uint32_t)v);
    CHECK(vh_sched_class_name(s, (uint32_t)v) != NULL);
    CHECK_EQ(vh_sched_class(s, "vm1"), v);
    vh_sched_class_unkeep(s, (uint32_t)v);
    CHECK(vh_sched_class_name(s, (uint32_t)v) == NULL);
    int w = vh_sched_class(s, "vm2");
    CHECK_EQ(w, v);
    struct vh_sched_policy got;
    struct vh_sched_stats st;
    vh_sched_get(s, (uint32_t)w, &got, &st);
    CHECK(got.weight == 1 && st.granted == 0); /* nothing of vm1's */
    vh_sched_destroy(&s);
}

static void test_bad_input(void)
{
    char why[128];
    struct vh_sched_policy p = {.weight = 0};
    CHECK_EQ(vh_sched_policy_check(&p, why, sizeof(why)), -EINVAL);
    p = (struct vh_sched_policy){.weight = NAN};
    CHECK_EQ(vh_sched_policy_check(&p, why, sizeof(why)), -EINVAL);
    p = (struct vh_sched_policy){.weight = 1, .reservation = 10, .limit = 5};
    CHECK_EQ(vh_sched_policy_check(&p, why, sizeof(why)), -EINVAL);
    CHECK(strstr(why, "below the reservation") != NULL);
    p = (struct vh_sched_policy){.weight = 1, .reservation = -1};
    CHECK_EQ(vh_sched_policy_check(&p, why, sizeof(why)), -EINVAL);
    p = (struct vh_sched_policy){.weight = 1, .reservation = 5, .limit = 5};
    CHECK_EQ(vh_sched_policy_check(&p, why, sizeof(why)), 0);
    struct vh_sched *s;
    CHECK_EQ(vh_sched_create(0, &p, &s), -EINVAL);
    CHECK_EQ(vh_sched_create(1, &p, &s), 0);
    CHECK_EQ(vh_sched_class(s, ""), -EINVAL);
    CHECK_EQ(vh_sched_ask(s, 3, 1, 1, 1, 0), -EINVAL); /* no such class */
    int c = vh_sched_class(s, "x");
    CHECK_EQ(vh_sched_ask(s, (uint32_t)c, 1, 1, 0, 0), -EINVAL);
    CHECK_EQ(vh_sched_ask(s, (uint32_t)c, 1, 1, INFINITY, 0), -EINVAL);
    vh_sched_destroy(&s);
}

int main(void)
{
    test_weights();
    test_costs();
    test_reservation();
    test_limit();
    test_weight_change();
    test_slots_and_forget();
    test_class_lifetime();
    test_bad_input();
    return check_finish("test_scheduler");
}
