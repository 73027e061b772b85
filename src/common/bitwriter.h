/*
 * MSB-first bit writer for building codec headers (H.264 SPS/PPS, ...), with
 * Exp-Golomb codes and NAL emulation prevention.  Writes never go past the
 * buffer: an overflow sets the sticky `overflow` flag and later writes are
 * dropped, so a writer checks once at the end.
 */
#ifndef VIVAC_COMMON_BITWRITER_H
#define VIVAC_COMMON_BITWRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vc_bitwriter {
    uint8_t *buf;
    size_t cap;                 /* bytes */
    size_t bits;                /* bits written so far */
    bool overflow;
};

void vc_bw_init(struct vc_bitwriter *bw, uint8_t *buf, size_t cap);

/* Writes the low `n` bits of `value`, n <= 32. */
void vc_bw_put_bits(struct vc_bitwriter *bw, unsigned n, uint32_t value);

static inline void vc_bw_put_flag(struct vc_bitwriter *bw, bool flag)
{
    vc_bw_put_bits(bw, 1, flag ? 1u : 0u);
}

/* ue(v) for any 32-bit value, se(v) for any value whose codeNum fits 32 bits
 * (|v| < 2^31). */
void vc_bw_put_ue(struct vc_bitwriter *bw, uint32_t value);
void vc_bw_put_se(struct vc_bitwriter *bw, int32_t value);

/* rbsp_trailing_bits(): a 1 then zeros up to the byte boundary. */
void vc_bw_put_trailing_bits(struct vc_bitwriter *bw);

/* Bytes written (a partial last byte counts). */
static inline size_t vc_bw_bytes(const struct vc_bitwriter *bw)
{
    return (bw->bits + 7) / 8;
}

static inline bool vc_bw_ok(const struct vc_bitwriter *bw)
{
    return !bw->overflow;
}

/* Copies RBSP bytes to `out` inserting emulation_prevention_three_byte
 * (00 00 0x with x <= 3 becomes 00 00 03 0x; a trailing 00 gets a 03 after
 * it). Returns the bytes written, or 0 if `cap` is too small (at most
 * size + size / 2 + 1 is needed). */
size_t vc_nal_escape(const uint8_t *rbsp, size_t size, uint8_t *out, size_t cap);

#endif
