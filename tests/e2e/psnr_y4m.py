#!/usr/bin/env python3
"""Compares two YUV4MPEG2 videos of 4:2:0 frames (C420*: 8-bit, or
C420p10: 16-bit little-endian samples) sample by sample: each frame's PSNR
over all its samples (peak 255 or 1023) and the largest difference of any
sample.

usage: psnr_y4m.py GOT.y4m REF.y4m MIN_PSNR MAX_DIFF
       psnr_y4m.py --raw W H BYTES GOT.raw REF.raw MIN_PSNR MAX_DIFF
(--raw: frames of W x H pixels of BYTES 8-bit samples each, e.g. 4 for RGB32)
Prints "N frames WxH: PSNR min X dB (mean Y), largest difference D" and
exits 0 when both have the same frames, every frame's PSNR >= MIN_PSNR and
D <= MAX_DIFF, else 1."""
import array
import math
import sys


def read_y4m(path):
    """(width, height, 16-bit?, [frame bytes])"""
    with open(path, "rb") as f:
        data = f.read()
    end = data.index(b"\n")
    fields = data[:end].split()
    if not fields or fields[0] != b"YUV4MPEG2":
        raise ValueError("%s: not YUV4MPEG2" % path)
    w = h = 0
    colour = b"C420jpeg"
    for field in fields[1:]:
        if field[:1] == b"W":
            w = int(field[1:])
        elif field[:1] == b"H":
            h = int(field[1:])
        elif field[:1] == b"C":
            colour = field
    if not colour.startswith(b"C420"):
        raise ValueError("%s: %s is not 4:2:0" % (path, colour.decode()))
    wide = colour == b"C420p10"
    size = (w * h + 2 * ((w + 1) // 2) * ((h + 1) // 2)) * (2 if wide else 1)
    frames, at = [], end + 1
    while at < len(data):
        eol = data.index(b"\n", at)
        if not data[at:eol].startswith(b"FRAME"):
            raise ValueError("%s: no FRAME at byte %d" % (path, at))
        frames.append(data[eol + 1:eol + 1 + size])
        at = eol + 1 + size
    return w, h, wide, frames


def read_raw(path, w, h, size):
    with open(path, "rb") as f:
        data = f.read()
    return w, h, False, [data[i:i + size] for i in range(0, len(data) - size + 1, size)]


def main():
    args = sys.argv[1:]
    if args[0] == "--raw":
        w, h, size = int(args[1]), int(args[2]), int(args[1]) * int(args[2]) * int(args[3])
        args = args[4:]
        gw, gh, gwide, got = read_raw(args[0], w, h, size)
        rw, rh, rwide, ref = read_raw(args[1], w, h, size)
    else:
        gw, gh, gwide, got = read_y4m(args[0])
        rw, rh, rwide, ref = read_y4m(args[1])
    min_psnr, max_diff = float(args[2]), int(args[3])
    if (gw, gh, gwide, len(got)) != (rw, rh, rwide, len(ref)) or not got:
        print("videos differ: %dx%d %s-bit, %d frames, against %dx%d %s-bit, %d frames"
              % (gw, gh, 16 if gwide else 8, len(got), rw, rh, 16 if rwide else 8, len(ref)))
        return 1
    peak = 1023 if gwide else 255
    worst, total, largest = math.inf, 0.0, 0
    for a_bytes, b_bytes in zip(got, ref):
        a = array.array("H" if gwide else "B", a_bytes)
        b = array.array("H" if gwide else "B", b_bytes)
        sse = 0
        for x, y in zip(a, b):
            d = x - y
            sse += d * d
            if d < 0:
                d = -d
            if d > largest:
                largest = d
        psnr = math.inf if sse == 0 else 10 * math.log10(peak * peak * len(a) / sse)
        worst = min(worst, psnr)
        total += min(psnr, 100.0)
    print("%d frames %dx%d: PSNR min %.2f dB (mean %.2f), largest difference %d"
          % (len(got), gw, gh, worst, total / len(got), largest))
    return 0 if worst >= min_psnr and largest <= max_diff else 1


if __name__ == "__main__":
    sys.exit(main())
