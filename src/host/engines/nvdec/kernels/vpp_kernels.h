/*
 * Video processing kernels of the nvdec engine (nvdec_vpp.c), written once
 * for two compilers: clang's CUDA front end builds them into PTX at build
 * time (vpp_kernels.cu, loaded with cuModuleLoadData: the driver compiles
 * PTX for whatever GPU it finds, and the build needs no CUDA toolkit), and
 * the test builds' CPU fake of CUDA (nvdec_fake.c) runs the same bodies in
 * C for every thread of a launch. So CI exercises the arithmetic the GPU
 * runs, and the GPU's output can be compared with the CPU's bit for bit.
 *
 * Only integer arithmetic: both compilers give the same results. No
 * includes: the CUDA build has no C library headers.
 *
 * One thread per output sample (luma) or chroma pair: bilinear scaling
 * of a region of one plane into a region of another (a triangle as wide
 * as the scale when shrinking), sample positions centred (output sample x
 * is at source (x + 1/2) * sw / dw - 1/2), edges clamped, optionally from
 * one field's lines only (bob). 8-bit samples, or 16-bit ones with the 10
 * bits at the top (P010), in and out. The RGB kernel samples luma and
 * chroma so for each output pixel (chroma centred on its pairs) and
 * converts them with the matrix the host computed.
 */
#ifndef VIVAC_NVDEC_VPP_KERNELS_H
#define VIVAC_NVDEC_VPP_KERNELS_H

#ifdef __CUDA__
#define VK_FN static __attribute__((device)) inline
#else
#define VK_FN static inline
#endif

/* A region of one plane of a pitched buffer. Chroma planes count pairs. */
struct vk_plane {
    unsigned long long base;          /* device address of the plane's first row */
    unsigned int pitch;               /* bytes */
    unsigned int bytes;               /* a sample: 1 (8-bit), 2 (16-bit, 10 bits at the top), 4 (RGB32) */
    unsigned int x, y, width, height; /* the region */
};

/* One launch: a plane's region scaled into another's. */
struct vk_scale {
    struct vk_plane src, dst;
    unsigned int comps;               /* samples a position: 1 (luma) or 2 (CbCr) */
    /* 0: the source region's lines; 1/2: the top/bottom field's, every
     * other line from the region's first/second (the region's height
     * counts frame lines). */
    unsigned int field;
};

/* One launch: 4:2:0 YUV regions converted into an RGB32 region (full
 * range), each plane scaled as vk_scale does. */
struct vk_rgb {
    struct vk_plane luma, chroma, dst; /* chroma: pairs; dst: 4-byte pixels */
    /* The matrix, VK_COEF fraction bits, from samples as vk_load gives
     * them to RGB of 0..65535: y' = (Y - y_offset) * y_gain; R = y' +
     * cr_r Cr, G = y' - cb_g Cb - cr_g Cr, B = y' + cb_b Cb (Cb, Cr
     * centred on 32768). */
    int y_offset, y_gain, cr_r, cb_g, cr_g, cb_b;
    unsigned int shift_r, shift_g, shift_b; /* bit positions in the pixel's 32-bit word */
    unsigned int alpha;               /* ORed in: 0xff << 24, or 0 */
    unsigned int field;               /* as vk_scale's */
    /* Chroma siting: where a chroma pair lies right of the centre of
     * its two luma columns, VK_FRAC bits of a chroma sample (MPEG-2 and
     * H.264's default, level with the left one: a quarter). */
    int chroma_dx;
};

#define VK_COEF 16                    /* fraction bits of vk_rgb's matrix */
#define VK_FRAC 16                    /* bits of a position's fraction */
#define VK_WBITS 14                   /* a dimension's normalized weights sum to 1 << VK_WBITS */
#define VK_MAX_TAPS 64                /* per dimension: down to 1/32 of the size */

/* The taps of output position `o` of `dn` from `sn` source positions
 * (moved by `shift`, VK_FRAC bits of a source position):
 * bilinear, widened when shrinking to a triangle as wide as the scale
 * (as swscale's bilinear), so that every source sample counts. First tap
 * `first` (possibly outside the region: clamped when read), `count` taps. */
struct vk_taps {
    long long centre;                 /* source position, VK_FRAC bits */
    long long radius;                 /* of the triangle, VK_FRAC bits, >= 1 */
    long long first;
    unsigned int count;
    unsigned long long sum;           /* of the raw weights */
};

VK_FN long long vk_weight(const struct vk_taps *t, long long i)
{
    long long d = (i << VK_FRAC) - t->centre;
    if (d < 0)
        d = -d;
    return d < t->radius ? t->radius - d : 0;
}

VK_FN void vk_taps_of(unsigned int o, unsigned int dn, unsigned int sn, long long shift,
                       struct vk_taps *t)
{
    long long step = ((long long)sn << VK_FRAC) / dn;
    t->centre = (long long)o * step + step / 2 - (1ll << (VK_FRAC - 1)) + shift;
    t->radius = step > (1ll << VK_FRAC) ? step : (1ll << VK_FRAC);
    long long lo = t->centre - t->radius, hi = t->centre + t->radius;
    t->first = (lo >> VK_FRAC) + 1;   /* the first with a weight (floor + 1) */
    long long last = hi >> VK_FRAC;
    if ((last << VK_FRAC) == hi)
        last--;
    t->count = (unsigned int)(last - t->first + 1);
    if (t->count > VK_MAX_TAPS)
        t->count = VK_MAX_TAPS;
    t->sum = 0;
    for (unsigned int k = 0; k < t->count; k++)
        t->sum += (unsigned long long)vk_weight(t, t->first + k);
}

/* Tap k's weight, normalized to VK_WBITS. */
VK_FN unsigned long long vk_norm(const struct vk_taps *t, unsigned int k)
{
    return (((unsigned long long)vk_weight(t, t->first + k) << VK_WBITS) + t->sum / 2) / t->sum;
}

/* Index i clamped into 0..n-1. */
VK_FN unsigned int vk_clamp(long long i, unsigned int n)
{
    return i < 0 ? 0 : i >= n ? n - 1 : (unsigned int)i;
}

/* A sample as 16 bits: 8-bit v as v << 8 (its 10-bit value << 6, as
 * P010 keeps it: 8 and 10-bit video levels meet), 16-bit as is. */
VK_FN unsigned int vk_load(const struct vk_plane *p, unsigned int row, unsigned int col)
{
    const unsigned char *r =
        (const unsigned char *)(p->base + (unsigned long long)row * p->pitch);
    if (p->bytes == 1)
        return (unsigned int)r[col] << 8;
    return r[2 * col] | (unsigned int)r[2 * col + 1] << 8;
}

/* A 16-bit value stored at the plane's depth, rounded: 8 bits, or P010's
 * 10 bits with its low 6 bits zero. */
VK_FN void vk_store(const struct vk_plane *p, unsigned int row, unsigned int col,
                    unsigned int v)
{
    unsigned char *r = (unsigned char *)(p->base + (unsigned long long)row * p->pitch);
    if (p->bytes == 1) {
        unsigned int eight = (v + 128u) >> 8;
        r[col] = (unsigned char)(eight > 255u ? 255u : eight);
        return;
    }
    unsigned int ten = (v + 32u) >> 6;
    ten = ten > 1023u ? 1023u : ten;
    r[2 * col] = (unsigned char)(ten << 6);
    r[2 * col + 1] = (unsigned char)(ten >> 2);
}

/* Sample c of `comps` of a plane's region scaled to dw x dh (16 bits), at
 * output position (x, y) (its source position moved right by shift_x),
 * from one field's lines where `field` says. */
VK_FN unsigned int vk_sample(const struct vk_plane *s, unsigned int comps, unsigned int c,
                             unsigned int field, unsigned int x, unsigned int y,
                             unsigned int dw, unsigned int dh, long long shift_x)
{
    unsigned int lines = field ? s->height / 2 : s->height;
    struct vk_taps tx, ty;
    vk_taps_of(x, dw, s->width, shift_x, &tx);
    vk_taps_of(y, dh, lines, 0, &ty);
    /* Field lines: every other line of the region from the field's first. */
    unsigned int first = field == 2 ? 1 : 0, stride = field ? 2 : 1;
    unsigned long long v = 0, total = 0;
    for (unsigned int j = 0; j < ty.count; j++) {
        unsigned long long wy = vk_norm(&ty, j);
        if (!wy)
            continue;
        unsigned int row = s->y + first + vk_clamp(ty.first + j, lines) * stride;
        for (unsigned int i = 0; i < tx.count; i++) {
            unsigned long long w = wy * vk_norm(&tx, i);
            v += w * vk_load(s, row, (s->x + vk_clamp(tx.first + i, s->width)) * comps + c);
            total += w;
        }
    }
    return total ? (unsigned int)((v + total / 2) / total) : 0;
}

/* Output position (x, y) of the destination region, x in positions (a
 * chroma pair is one). */
VK_FN void vk_scale_at(const struct vk_scale *a, unsigned int x, unsigned int y)
{
    const struct vk_plane *d = &a->dst;
    if (x >= d->width || y >= d->height)
        return;
    for (unsigned int c = 0; c < a->comps; c++)
        vk_store(d, d->y + y, (d->x + x) * a->comps + c,
                 vk_sample(&a->src, a->comps, c, a->field, x, y, d->width, d->height, 0));
}

/* A value of 0..65535 for 0..255 (possibly out of range) as a clamped
 * 8-bit one. */
VK_FN unsigned int vk_to8(long long v)
{
    if (v < 0)
        v = 0;
    if (v > 65535)
        v = 65535;
    return (unsigned int)((v * 255 + 32895) >> 16);
}

/* Output pixel (x, y) of the destination region. */
VK_FN void vk_rgb_at(const struct vk_rgb *a, unsigned int x, unsigned int y)
{
    const struct vk_plane *d = &a->dst;
    if (x >= d->width || y >= d->height)
        return;
    long long Y = vk_sample(&a->luma, 1, 0, a->field, x, y, d->width, d->height, 0);
    long long cb = vk_sample(&a->chroma, 2, 0, a->field, x, y, d->width, d->height, a->chroma_dx);
    long long cr = vk_sample(&a->chroma, 2, 1, a->field, x, y, d->width, d->height, a->chroma_dx);
    long long yy = (Y - a->y_offset) * a->y_gain;
    long long half = 1ll << (VK_COEF - 1);
    cb -= 32768;
    cr -= 32768;
    unsigned int r = vk_to8((yy + a->cr_r * cr + half) >> VK_COEF);
    unsigned int g = vk_to8((yy - a->cb_g * cb - a->cr_g * cr + half) >> VK_COEF);
    unsigned int b = vk_to8((yy + a->cb_b * cb + half) >> VK_COEF);
    unsigned int px = r << a->shift_r | g << a->shift_g | b << a->shift_b | a->alpha;
    unsigned char *p = (unsigned char *)(d->base + (unsigned long long)(d->y + y) * d->pitch) +
                       (unsigned long long)(d->x + x) * 4;
    p[0] = (unsigned char)px;
    p[1] = (unsigned char)(px >> 8);
    p[2] = (unsigned char)(px >> 16);
    p[3] = (unsigned char)(px >> 24);
}

#endif
