#!/usr/bin/env python3
"""Compares a drawable's pixels read back (32-bit words, B G R X) with a
reference picture (FFmpeg's bgr0) drawn on black at a place of it, in B, G
and R (X is whatever the server keeps).

usage: compare_bgrx.py GOT.raw REF.raw PW PH [VX VY VW VH]
  PW x PH: the drawable; REF is VW x VH at (VX, VY) (default: all of it).
Prints how many samples differ and the largest difference; exits 0 when
none does, 1 otherwise."""
import sys


def main():
    got, ref = (open(p, "rb").read() for p in sys.argv[1:3])
    pw, ph = int(sys.argv[3]), int(sys.argv[4])
    vx, vy, vw, vh = map(int, sys.argv[5:9]) if len(sys.argv) > 5 else (0, 0, pw, ph)
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
    print(f"# {bad} of {len(diffs)} samples differ, largest {max(diffs)}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
