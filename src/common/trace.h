/*
 * vivac trace files (docs/trace.md): the client->daemon requests of one
 * session, self-contained (no arena references), as written by
 * `vivacd --record DIR` and read by `vivac replay`.
 *
 *   vc_trace_file_header (16 bytes), then records: vw_header + payload.
 *
 * In a trace, a record's vw_header.reserved carries the status (as u32) the
 * recording daemon replied with; it is set back to 0 before the request is
 * sent again. request_id is the client's original id (replay renumbers).
 *
 * Traces are untrusted input: vc_trace_parse() checks the header and the
 * framing of every record with the bounds-checked cursor; the payloads
 * themselves are for the daemon to validate.
 */
#ifndef VIVAC_COMMON_TRACE_H
#define VIVAC_COMMON_TRACE_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>

#include "vivac/protocol.h"

#define VC_TRACE_MAGIC "VIVACTRC"      /* 8 bytes, no NUL */
#define VC_TRACE_FORMAT_VERSION 1u

/* Flags of the file header. */
#define VC_TRACE_FLAG_NO_GET_IMAGE 0x1u /* GET_IMAGE requests were not recorded */
#define VC_TRACE_FLAGS_KNOWN VC_TRACE_FLAG_NO_GET_IMAGE

/* data.location of a request whose arena range the recording daemon refused
 * (so it never read the bytes): not INLINE, not ARENA, refused again on
 * replay as MALFORMED. */
#define VC_TRACE_LOC_REFUSED 0xffffffffu

/* Same conventions as the wire: little endian, explicit padding. */
struct vc_trace_file_header {
    char magic[8];                /* VC_TRACE_MAGIC */
    uint16_t format_version;      /* VC_TRACE_FORMAT_VERSION */
    uint16_t protocol_major;      /* VW_VERSION_MAJOR of the recorder */
    uint16_t protocol_minor;
    uint16_t flags;               /* VC_TRACE_FLAG_* */
};
static_assert(sizeof(struct vc_trace_file_header) == 16, "file format");

/* One record of a parsed trace; payload points into the caller's buffer. */
struct vc_trace_record {
    struct vw_header hdr;         /* hdr.reserved: recorded reply status */
    const uint8_t *payload;       /* hdr.length bytes */
    uint64_t file_offset;         /* of the record header, for messages */
};

struct vc_trace {
    struct vc_trace_file_header header;
    struct vc_trace_record *records;
    size_t num_records;
};

/* Parses a whole trace held in data[0..size) (which must outlive *out).
 * Checks: magic, format version, protocol major, flags, and for each record
 * that it is complete, that its opcode is a request (1..13, not ERROR, no
 * reply bit), length <= VW_MAX_MESSAGE, and that DECODE_BITSTREAM and
 * PUT_IMAGE carry no ARENA reference (the trace is self-contained).
 * Returns 0, or -EINVAL / -ENOMEM with a one-line reason in why.
 * vc_trace_free() must be called in both cases. */
int vc_trace_parse(const uint8_t *data, size_t size, struct vc_trace *out, char *why,
                   size_t why_size);

void vc_trace_free(struct vc_trace *trace);

#endif
