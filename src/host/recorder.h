/*
 * Session recorder (`vivacd --record DIR`): appends every request of one
 * session to DIR/session-<pid>-<n>.vtrace in the trace format of
 * docs/trace.md (src/common/trace.h).
 *
 * The session passes the request as it read and validated it (its own copy,
 * never a second read of shared memory). Data the request referenced in the
 * arena is passed separately (the bytes the session copied out) and written
 * INLINE instead.
 *
 * Failures (disk full, ...) log one warning and turn the recorder off; the
 * file is cut back to its last complete record. They never fail a request.
 *
 * Threading: a recorder belongs to one session (one thread at a time).
 */
#ifndef VIVAC_HOST_RECORDER_H
#define VIVAC_HOST_RECORDER_H

#include <stddef.h>
#include <stdint.h>

#include "vivac/protocol.h"

struct vh_recorder;

/* Arena bytes of a request to be recorded INLINE: the vw_data_ref at
 * ref_offset in the payload is rewritten to {INLINE, 0, 0, size} and the
 * `size` bytes of `data` are appended to the payload. data == NULL with
 * refused set: the daemon refused the range without reading it; the
 * reference is rewritten to location VC_TRACE_LOC_REFUSED. */
struct vh_record_inline {
    size_t ref_offset;
    const uint8_t *data;
    uint64_t size;
    int refused;
};

/* Creates DIR/session-<pid>-<session_id>.vtrace (O_EXCL) and writes the file
 * header. Returns 0 or -errno (already logged as a warning). */
int vh_recorder_open(const char *dir, uint32_t session_id, struct vh_recorder **out);

/* Appends one request: `hdr` as received (its reserved field is replaced by
 * `status`, the reply status), `size` payload bytes, and optionally arena
 * data to inline (NULL: the payload is written as is). Does nothing once the
 * recorder has failed. */
void vh_recorder_write(struct vh_recorder *rec, const struct vw_header *hdr,
                       const uint8_t *payload, size_t size, const struct vh_record_inline *in,
                       int status);

/* Closes the file; accepts NULL and NULLs the pointer. */
void vh_recorder_close(struct vh_recorder **rec);

#endif
