/* Trace file parser (format: docs/trace.md). */
#include "common/trace.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cursor.h"

static int fail(char *why, size_t why_size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(char *why, size_t why_size, const char *fmt, ...)
{
    if (why && why_size) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, why_size, fmt, ap);
        va_end(ap);
    }
    return -EINVAL;
}

/* Offset of the vw_data_ref in the payloads that may reference the arena. */
static int data_ref_offset(uint32_t opcode, size_t *offset)
{
    switch (opcode) {
    case VW_OP_DECODE_BITSTREAM:
        *offset = offsetof(struct vw_decode_bitstream, data);
        return 1;
    case VW_OP_PUT_IMAGE:
        *offset = offsetof(struct vw_put_image, src);
        return 1;
    default:
        return 0;
    }
}

static int check_record(const struct vc_trace_record *r, size_t index, char *why,
                        size_t why_size)
{
    uint32_t op = r->hdr.opcode;
    if (op == 0 || op >= VW_OP_COUNT_ || op == VW_OP_ERROR)
        return fail(why, why_size, "record %zu at offset %llu: opcode 0x%x is not a request",
                    index, (unsigned long long)r->file_offset, op);
    size_t off;
    if (!data_ref_offset(op, &off))
        return 0;
    struct vw_data_ref ref;
    struct vc_cursor c = vc_cursor_make(r->payload, r->hdr.length);
    /* A payload too short to hold the reference is the daemon's to refuse. */
    if (!vc_cursor_take(&c, off) || !vc_cursor_copy(&c, &ref, sizeof(ref)))
        return 0;
    if (ref.location == VW_LOC_ARENA)
        return fail(why, why_size,
                    "record %zu at offset %llu: %s references the arena (a trace must be "
                    "self-contained)",
                    index, (unsigned long long)r->file_offset,
                    op == VW_OP_PUT_IMAGE ? "PUT_IMAGE" : "DECODE_BITSTREAM");
    return 0;
}

int vc_trace_parse(const uint8_t *data, size_t size, struct vc_trace *out, char *why,
                   size_t why_size)
{
    memset(out, 0, sizeof(*out));
    struct vc_cursor c = vc_cursor_make(data, size);
    if (!vc_cursor_copy(&c, &out->header, sizeof(out->header)))
        return fail(why, why_size, "not a vivac trace: %zu bytes, shorter than the header", size);
    const struct vc_trace_file_header *h = &out->header;
    if (memcmp(h->magic, VC_TRACE_MAGIC, sizeof(h->magic)) != 0)
        return fail(why, why_size, "not a vivac trace: bad magic (want \"%s\")", VC_TRACE_MAGIC);
    if (h->format_version != VC_TRACE_FORMAT_VERSION)
        return fail(why, why_size, "trace format version %u not supported (this reads %u)",
                    h->format_version, VC_TRACE_FORMAT_VERSION);
    if (h->protocol_major != VW_VERSION_MAJOR)
        return fail(why, why_size, "trace of protocol %u.%u, this speaks %u.%u",
                    h->protocol_major, h->protocol_minor, VW_VERSION_MAJOR, VW_VERSION_MINOR);
    if (h->flags & ~VC_TRACE_FLAGS_KNOWN)
        return fail(why, why_size, "unknown trace flags 0x%x", h->flags);

    size_t cap = 0;
    while (c.left > 0) {
        struct vc_trace_record r = {.file_offset = size - c.left};
        size_t hdr_left = c.left;
        if (!vc_cursor_copy(&c, &r.hdr, sizeof(r.hdr)))
            return fail(why, why_size,
                        "record %zu at offset %llu: truncated header (%zu of %zu bytes)",
                        out->num_records, (unsigned long long)r.file_offset, hdr_left,
                        sizeof(r.hdr));
        if (r.hdr.length > VW_MAX_MESSAGE)
            return fail(why, why_size, "record %zu at offset %llu: length %u exceeds %u",
                        out->num_records, (unsigned long long)r.file_offset, r.hdr.length,
                        VW_MAX_MESSAGE);
        size_t left = c.left;
        r.payload = vc_cursor_take(&c, r.hdr.length);
        if (!r.payload)
            return fail(why, why_size,
                        "record %zu at offset %llu: truncated payload (%zu of %u bytes)",
                        out->num_records, (unsigned long long)r.file_offset, left, r.hdr.length);
        int err = check_record(&r, out->num_records, why, why_size);
        if (err)
            return err;
        if (out->num_records == cap) {
            size_t ncap = cap ? cap * 2 : 256;
            struct vc_trace_record *p = realloc(out->records, ncap * sizeof(*p));
            if (!p) {
                if (why && why_size)
                    snprintf(why, why_size, "out of memory");
                return -ENOMEM;
            }
            out->records = p;
            cap = ncap;
        }
        out->records[out->num_records++] = r;
    }
    if (out->num_records == 0)
        return fail(why, why_size, "trace holds no records");
    return 0;
}

void vc_trace_free(struct vc_trace *trace)
{
    if (!trace)
        return;
    free(trace->records);
    trace->records = NULL;
    trace->num_records = 0;
}
