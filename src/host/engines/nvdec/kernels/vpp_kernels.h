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
 * one field's lines only (bob). 8-bit samples, or
 * 16-bit ones with the 10 bits at the top (P010), in and out.
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
    unsigned int bytes;               /* a sample: 1 (8-bit) or 2 (16-bit, 10 bits at the top) */
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

#define VK_FRAC 16                    /* bits of a position's fraction */
#define VK_WBITS 14                   /* a dimension's normalized weights sum to 1 << VK_WBITS */
#define VK_MAX_TAPS 64                /* per dimension: down to 1/32 of the size */

/* The taps of output position `o` of `dn` from `sn` source positions:
 * bilinear, widened when shrinking to a triangle as wide as the scale
 * (as swscale's bilinear), so that every source sample counts. First tap
 * *first (possibly outside the region: clamped when read), *count taps. */
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

VK_FN void vk_taps_of(unsigned int o, unsigned int dn, unsigned int sn, struct vk_taps *t)
{
    long long step = ((long long)sn << VK_FRAC) / dn;
    t->centre = (long long)o * step + step / 2 - (1ll << (VK_FRAC - 1));
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

/* Tap k's index clamped into 0..n-1. */
VK_FN unsigned int vk_clamp(long long i, unsigned int n)
{
    return i < 0 ? 0 : i >= n ? n - 1 : (unsigned int)i;
}

/* A sample as 16 bits: 8-bit v as v * 257 (so 255 is 65535), 16-bit as is. */
VK_FN unsigned int vk_load(const struct vk_plane *p, unsigned int row, unsigned int col)
{
    const unsigned char *r =
        (const unsigned char *)(p->base + (unsigned long long)row * p->pitch);
    if (p->bytes == 1)
        return r[col] * 257u;
    return r[2 * col] | (unsigned int)r[2 * col + 1] << 8;
}

/* A 16-bit value stored at the plane's depth: 8-bit rounded, P010 with
 * its low 6 bits zero (rounded to 10 bits). */
VK_FN void vk_store(const struct vk_plane *p, unsigned int row, unsigned int col,
                    unsigned int v)
{
    unsigned char *r = (unsigned char *)(p->base + (unsigned long long)row * p->pitch);
    if (p->bytes == 1) {
        r[col] = (unsigned char)((v * 255u + 32895u) >> 16);
        return;
    }
    unsigned int ten = (v * 1023u + 32895u) >> 16;
    r[2 * col] = (unsigned char)(ten << 6);
    r[2 * col + 1] = (unsigned char)(ten >> 2);
}

/* Output position (x, y) of the destination region, x in positions (a
 * chroma pair is one). */
VK_FN void vk_scale_at(const struct vk_scale *a, unsigned int x, unsigned int y)
{
    const struct vk_plane *s = &a->src, *d = &a->dst;
    if (x >= d->width || y >= d->height)
        return;
    unsigned int lines = a->field ? s->height / 2 : s->height;
    struct vk_taps tx, ty;
    vk_taps_of(x, d->width, s->width, &tx);
    vk_taps_of(y, d->height, lines, &ty);
    /* Field lines: every other line of the region from the field's first. */
    unsigned int first = a->field == 2 ? 1 : 0, stride = a->field ? 2 : 1;
    for (unsigned int c = 0; c < a->comps; c++) {
        unsigned long long v = 0, total = 0;
        for (unsigned int j = 0; j < ty.count; j++) {
            unsigned long long wy = vk_norm(&ty, j);
            if (!wy)
                continue;
            unsigned int row = s->y + first + vk_clamp(ty.first + j, lines) * stride;
            for (unsigned int i = 0; i < tx.count; i++) {
                unsigned long long w = wy * vk_norm(&tx, i);
                unsigned int col = (s->x + vk_clamp(tx.first + i, s->width)) * a->comps + c;
                v += w * vk_load(s, row, col);
                total += w;
            }
        }
        v = total ? (v + total / 2) / total : 0;
        vk_store(d, d->y + y, (d->x + x) * a->comps + c, (unsigned int)v);
    }
}

#endif
