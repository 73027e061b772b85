/*
 * The metrics text (Prometheus exposition format 0.0.4) of the supervisor:
 * the scheduler's classes and what their workers hold. admin.h lists the
 * families. Runs on the supervisor's loop (reads the scheduler and pool).
 */
#ifndef VIVAC_HOST_METRICS_H
#define VIVAC_HOST_METRICS_H

#include <stdio.h>

struct vh_pool;
struct vh_sched;

/* Writes the text to f; sched NULL (scheduling off): the daemon-wide
 * families only. */
void vh_metrics_render(FILE *f, const struct vh_sched *sched, const struct vh_pool *pool);

#endif
