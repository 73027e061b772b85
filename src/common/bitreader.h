/*
 * MSB-first bit reader over untrusted bytes (codec headers), with Exp-Golomb
 * codes and NAL emulation-prevention removal; the reading counterpart of
 * bitwriter.h. Reads past the end return 0 and set the sticky `failed`
 * flag, so a parser checks once at the end.
 */
#ifndef VIVAC_COMMON_BITREADER_H
#define VIVAC_COMMON_BITREADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vc_bitreader {
    const uint8_t *buf;
    size_t bits;                /* total */
    size_t pos;                 /* bits read so far */
    bool failed;
};

static inline void vc_br_init(struct vc_bitreader *r, const uint8_t *buf, size_t bytes)
{
    *r = (struct vc_bitreader){.buf = buf, .bits = bytes * 8};
}

uint32_t vc_br_bit(struct vc_bitreader *r);
/* n <= 32 bits. */
uint32_t vc_br_bits(struct vc_bitreader *r, unsigned n);
void vc_br_skip(struct vc_bitreader *r, size_t n);
/* ue(v) / se(v) whose codeNum fits 32 bits; longer codes fail. */
uint32_t vc_br_ue(struct vc_bitreader *r);
int32_t vc_br_se(struct vc_bitreader *r);

/* Copies at most `max` RBSP bytes of an escaped NAL (emulation-prevention
 * bytes removed); returns the number written. */
size_t vc_nal_unescape(const uint8_t *nal, size_t size, uint8_t *rbsp, size_t max);
/* Index in the escaped NAL of RBSP byte `k` (size if beyond the end). */
size_t vc_nal_escaped_index(const uint8_t *nal, size_t size, size_t k);

#endif
