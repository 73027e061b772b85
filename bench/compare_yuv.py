#!/usr/bin/env python3
"""Compares two engines' pictures sample by sample (vivac replay --dump, the
same pictures in the same format, planes packed tightly), for codecs whose
decoders may differ by nature (MPEG-2, MPEG-4 Part 2, JPEG: the IDCT is not
fixed bit for bit).  compare_yuv.py REF[.xz] OTHER[.xz] [MIN_PSNR=50]
Prints the PSNR over all samples (8-bit peak), the largest difference and
the share of samples that differ; exits 1 where the sizes differ or the
PSNR is below MIN_PSNR (a wrong decode, not an IDCT's rounding)."""
import lzma
import math
import sys


def load(path):
    opener = lzma.open if path.endswith(".xz") else open
    with opener(path, "rb") as f:
        return f.read()


ref, other = load(sys.argv[1]), load(sys.argv[2])
min_psnr = float(sys.argv[3]) if len(sys.argv) > 3 else 50.0
if not ref or len(ref) != len(other):
    print(f"sizes differ: {len(ref)} and {len(other)} bytes")
    sys.exit(1)
try:
    import numpy as np
    d = np.frombuffer(ref, np.uint8).astype(np.int32) - np.frombuffer(other, np.uint8)
    sse, peak, differ = int((d * d).sum()), int(np.abs(d).max()), int(np.count_nonzero(d))
except ImportError:  # the GPU machine may have no numpy: slower, same figures
    sse = peak = differ = 0
    for a, b in zip(ref, other):
        if a != b:
            e = a - b if a > b else b - a
            sse += e * e
            differ += 1
            peak = max(peak, e)
psnr = math.inf if sse == 0 else 10 * math.log10(255 * 255 * len(ref) / sse)
print(f"PSNR {psnr:.1f} dB, max difference {peak}, {100 * differ / len(ref):.2f} % of samples differ")
sys.exit(0 if psnr >= min_psnr else 1)
