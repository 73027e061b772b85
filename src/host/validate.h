/* Helpers shared by the per-codec checks (validate_*.c): each check returns
 * from the enclosing function with a status and a message naming the field.
 * The including file defines PIC, the message prefix of its picture params,
 * and has a `struct vh_error *err` in scope. */
#ifndef VIVAC_HOST_VALIDATE_H
#define VIVAC_HOST_VALIDATE_H

#include "host/engine.h"

#define REQUIRE(cond, status, ...)                           \
    do {                                                     \
        if (!(cond))                                         \
            return vh_error_set(err, (status), __VA_ARGS__); \
    } while (0)

/* An unsigned picture field at most `hi`. */
#define REQUIRE_MAX(p, field, hi)                                               \
    REQUIRE((p)->field <= (hi), VW_ERR_MALFORMED, PIC #field " is %u, above %u", \
            (unsigned)(p)->field, (unsigned)(hi))

/* A picture flag widened to a byte: 0 or 1. */
#define REQUIRE_FLAG(p, field) \
    REQUIRE((p)->field <= 1, VW_ERR_MALFORMED, PIC #field " is %u, not 0/1", (p)->field)

/* A field in [lo, hi], with the message prefix given. */
#define REQUIRE_RANGE(p, field, lo, hi, prefix)                                     \
    REQUIRE((int)(p)->field >= (lo) && (int)(p)->field <= (hi), VW_ERR_MALFORMED, \
            prefix #field " is %d, outside %d..%d", (int)(p)->field, (int)(lo), (int)(hi))

/* The offset of the first byte-aligned 00 00 xx with lo <= xx <= hi in
 * p[from, size), or `size` if there is none: a start code (or what would
 * begin one) inside a slice's data. If p[i + 2] > hi no match starts at i,
 * i + 1 or i + 2, so most bytes are looked at once in three. */
static inline uint32_t vh_find_zero_zero(const uint8_t *p, uint32_t from, uint32_t size,
                                         uint8_t lo, uint8_t hi)
{
    uint32_t i = from;
    while (size >= 3 && i < size - 2) {
        if (p[i + 2] > hi)
            i += 3;
        else if (p[i] == 0 && p[i + 1] == 0 && p[i + 2] >= lo)
            return i;
        else
            i++;
    }
    return size;
}

#endif
