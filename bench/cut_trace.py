#!/usr/bin/env python3
"""Copies a vivac trace up to and including its Nth END_FRAME (docs/trace.md):
a short session for open/close cycle tests.  cut_trace.py IN OUT [N=1]"""
import struct
import sys

END_FRAME = 9
src, dst = sys.argv[1], sys.argv[2]
want = int(sys.argv[3]) if len(sys.argv) > 3 else 1
data = open(src, "rb").read()
if data[:8] != b"VIVACTRC":
    sys.exit(f"{src}: not a vivac trace")
pos, frames = 16, 0
while pos + 16 <= len(data) and frames < want:
    opcode, length, _, _ = struct.unpack_from("<IIII", data, pos)
    pos += 16 + length
    frames += opcode == END_FRAME
if frames < want:
    sys.exit(f"{src}: only {frames} frames")
open(dst, "wb").write(data[:pos])
