/*
 * Checks of one PROCESS job (protocol 1.4) against its surfaces and the
 * VIDEOPROC capability. Pure: no session, no engine
 * (tests/unit/test_validate_process.c).
 */
#ifndef VIVAC_HOST_VALIDATE_PROCESS_H
#define VIVAC_HOST_VALIDATE_PROCESS_H

#include <stdint.h>

#include "host/engine.h"
#include "vivac/protocol.h"

/* Largest ratio between a region's source and output size, either way, in
 * each direction (what VA drivers commonly allow). */
#define VH_PROCESS_MAX_RATIO 16u
/* The smallest source region of motion-adaptive deinterlacing (the sw
 * engine's bwdif on 4:2:0: chroma planes of 3 columns and 4 lines). */
#define VH_PROCESS_ADAPTIVE_MIN_WIDTH 6u
#define VH_PROCESS_ADAPTIVE_MIN_HEIGHT 8u

/* VW_OK, or the status of the first problem found, err naming the field.
 * `rt_formats`: the VW_RT_* formats the capability processes. */
int vh_process_check(const struct vw_process *p, const struct vh_surface *source,
                     const struct vh_surface *output, uint32_t rt_formats,
                     struct vh_error *err);

/* The references of a job (1.7), after vh_process_check: `refs` holds the
 * surfaces of past_ids[0..num_past) then future_ids[0..num_future), NULL
 * where the session has no such surface. VW_OK, or the first problem:
 * references only with motion-adaptive deinterlacing, each an existing
 * surface of the source's size and format that is not the output. */
int vh_process_check_refs(const struct vw_process *p, const struct vh_surface *const *refs,
                          const struct vh_surface *source, const struct vh_surface *output,
                          struct vh_error *err);

#endif
