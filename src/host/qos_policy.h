/*
 * The text form of a scheduling policy (scheduler.h), as `vivacd --qos` and
 * `vivac set` take it: "KEY=VALUE[,KEY=VALUE...]" with
 *   weight=W        share under contention (> 0; default 1)
 *   reserve=RATE    always served at this rate while it asks (0: none)
 *   limit=RATE      never served faster (0: none)
 * RATE: cost units per second, or streams such as "1080p60", "2x720p30"
 * (decode_cost.h). Keys not given keep their value.
 */
#ifndef VIVAC_HOST_QOS_POLICY_H
#define VIVAC_HOST_QOS_POLICY_H

#include <stddef.h>

#include "host/scheduler.h"

/* Applies `text` to *policy (which holds the values to keep). 0, or
 * -EINVAL with the reason in why (*policy unchanged then). */
int vh_qos_parse(const char *text, struct vh_sched_policy *policy, char *why, size_t why_size);

/* Splits "CLASS:POLICY" (the --qos form); the class is a VM's name, "local"
 * (the Unix socket's clients) or "cid:N" (a vsock guest). 0 or -EINVAL. */
int vh_qos_split(const char *spec, char *cls, size_t cls_size, const char **policy);

/* The scheduler class an operator names (--qos, vivac set): an existing
 * one (a --vm's name, "local"), or "cid:N", created on demand (a vsock
 * guest may not have connected yet). Its index, or -1. */
int vh_qos_class(struct vh_sched *sched, const char *name);

/* "weight=2 reserve=489600/s limit=-" into buf. */
void vh_qos_format(const struct vh_sched_policy *policy, char *buf, size_t size);

#endif
