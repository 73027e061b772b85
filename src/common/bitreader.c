#include "common/bitreader.h"

uint32_t vc_br_bit(struct vc_bitreader *r)
{
    if (r->pos >= r->bits) {
        r->failed = true;
        return 0;
    }
    uint32_t b = (r->buf[r->pos >> 3] >> (7 - (r->pos & 7))) & 1u;
    r->pos++;
    return b;
}

uint32_t vc_br_bits(struct vc_bitreader *r, unsigned n)
{
    uint32_t v = 0;
    while (n--)
        v = (v << 1) | vc_br_bit(r);
    return v;
}

void vc_br_skip(struct vc_bitreader *r, size_t n)
{
    if (n > r->bits - r->pos) {
        r->failed = true;
        r->pos = r->bits;
        return;
    }
    r->pos += n;
}

uint32_t vc_br_ue(struct vc_bitreader *r)
{
    unsigned zeros = 0;
    while (!r->failed && vc_br_bit(r) == 0)
        if (++zeros > 31) {                   /* no header field exceeds 32 bits */
            r->failed = true;
            return 0;
        }
    uint64_t v = ((uint64_t)1 << zeros) - 1 + vc_br_bits(r, zeros);
    return v > UINT32_MAX ? (r->failed = true, 0) : (uint32_t)v;
}

int32_t vc_br_se(struct vc_bitreader *r)
{
    uint32_t k = vc_br_ue(r);
    return (k & 1) ? (int32_t)((k + 1) / 2) : -(int32_t)(k / 2);
}

size_t vc_nal_unescape(const uint8_t *nal, size_t size, uint8_t *rbsp, size_t max)
{
    size_t o = 0;
    unsigned zeros = 0;
    for (size_t i = 0; i < size && o < max; i++) {
        if (zeros >= 2 && nal[i] == 3) {
            zeros = 0;
            continue;
        }
        rbsp[o++] = nal[i];
        zeros = nal[i] == 0 ? zeros + 1 : 0;
    }
    return o;
}

size_t vc_nal_escaped_index(const uint8_t *nal, size_t size, size_t k)
{
    size_t o = 0;
    unsigned zeros = 0;
    for (size_t i = 0; i < size; i++) {
        if (zeros >= 2 && nal[i] == 3) {
            zeros = 0;
            continue;
        }
        if (o == k)
            return i;
        o++;
        zeros = nal[i] == 0 ? zeros + 1 : 0;
    }
    return size;
}
