#include "common/bitwriter.h"

#include <string.h>

void vc_bw_init(struct vc_bitwriter *bw, uint8_t *buf, size_t cap)
{
    *bw = (struct vc_bitwriter){.buf = buf, .cap = cap};
    if (cap)
        memset(buf, 0, cap);
}

void vc_bw_put_bits(struct vc_bitwriter *bw, unsigned n, uint32_t value)
{
    if (bw->overflow || n == 0)
        return;
    if (n > 32 || bw->bits + n > bw->cap * 8) {
        bw->overflow = true;
        return;
    }
    /* Bit by bit is plenty for headers of a few hundred bytes; the buffer was
     * zeroed in init so only ones need writing. */
    for (unsigned i = n; i-- > 0;) {
        if ((value >> i) & 1u)
            bw->buf[bw->bits >> 3] |= (uint8_t)(0x80u >> (bw->bits & 7));
        bw->bits++;
    }
}

void vc_bw_put_ue(struct vc_bitwriter *bw, uint32_t value)
{
    uint64_t code = (uint64_t)value + 1;
    unsigned len = 0;               /* bits of code, 1..33 */
    while ((code >> len) != 0)
        len++;
    /* len-1 leading zeros, then code in len bits. */
    unsigned zeros = len - 1;
    if (zeros > 32) {
        vc_bw_put_bits(bw, 32, 0);
        zeros -= 32;
    }
    vc_bw_put_bits(bw, zeros, 0);
    if (len > 32) {
        vc_bw_put_bits(bw, len - 32, (uint32_t)(code >> 32));
        len = 32;
    }
    vc_bw_put_bits(bw, len, (uint32_t)code);
}

void vc_bw_put_se(struct vc_bitwriter *bw, int32_t value)
{
    /* 9.1.1: k > 0 -> 2k-1, k <= 0 -> -2k. */
    uint32_t code = value > 0 ? 2u * (uint32_t)value - 1u
                              : 2u * (uint32_t)(-(int64_t)value);
    vc_bw_put_ue(bw, code);
}

void vc_bw_put_trailing_bits(struct vc_bitwriter *bw)
{
    vc_bw_put_bits(bw, 1, 1);
    if (bw->bits & 7)
        vc_bw_put_bits(bw, 8 - (unsigned)(bw->bits & 7), 0);
}

size_t vc_nal_escape(const uint8_t *rbsp, size_t size, uint8_t *out, size_t cap)
{
    size_t o = 0;
    unsigned zeros = 0;
    for (size_t i = 0; i < size; i++) {
        if (zeros >= 2 && rbsp[i] <= 3) {
            if (o >= cap)
                return 0;
            out[o++] = 0x03;
            zeros = 0;
        }
        if (o >= cap)
            return 0;
        out[o++] = rbsp[i];
        zeros = rbsp[i] == 0 ? zeros + 1 : 0;
    }
    /* 7.4.1: a NAL unit must not end in 00 (cabac_zero_word rule). */
    if (size && rbsp[size - 1] == 0) {
        if (o >= cap)
            return 0;
        out[o++] = 0x03;
    }
    return o;
}
