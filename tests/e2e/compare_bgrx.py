#!/usr/bin/env python3
"""Compares a drawable's pixels read back (32-bit words, B G R X) with a
reference picture (FFmpeg's bgr0) drawn on black at a place of it, in B, G
and R (X is whatever the server keeps).

usage: compare_bgrx.py [--min-psnr DB] GOT.raw REF.raw PW PH [VX VY VW VH]
  PW x PH: the drawable; REF is VW x VH at (VX, VY) (default: all of it).
Prints how many samples differ, the largest difference and the PSNR;
exits 0 when none does (--min-psnr: when the PSNR is at least DB), 1
otherwise."""
import math
import sys


def main():
    args = sys.argv[1:]
    min_psnr = None
    if args[0] == "--min-psnr":
        min_psnr, args = float(args[1]), args[2:]
    got, ref = (open(p, "rb").read() for p in args[0:2])
    pw, ph = int(args[2]), int(args[3])
    vx, vy, vw, vh = map(int, args[4:8]) if len(args) > 4 else (0, 0, pw, ph)
    if len(ref) != vw * vh * 4:
        print(f"the reference has {len(ref)} bytes, not {vw}x{vh}x4")
        return 1
    want = bytearray(pw * ph * 4)
    for y in range(vh):
        at = ((vy + y) * pw + vx) * 4
        want[at:at + vw * 4] = ref[y * vw * 4:(y + 1) * vw * 4]
    if len(got) != len(want):
        print(f"got {len(got)} bytes, want {len(want)}")
        return 1
    diffs = [abs(got[i] - want[i]) for i in range(len(want)) if i % 4 != 3]
    bad = sum(1 for d in diffs if d)
    sse = sum(d * d for d in diffs)
    psnr = math.inf if not sse else 10 * math.log10(255 * 255 * len(diffs) / sse)
    print(f"# {bad} of {len(diffs)} samples differ, largest {max(diffs)}, PSNR {psnr:.2f} dB")
    if min_psnr is not None:
        return 0 if psnr >= min_psnr else 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
