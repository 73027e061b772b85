#!/usr/bin/env python3
"""Compares raw frames written by GStreamer (GST_FORMAT, WxH, possibly with
padding right of each row and below each plane, as gst-vaapi's
system-memory buffers have) with ffmpeg's planar software decode (8 or 16-bit little-endian
samples, Y then Cb then Cr). Unpacks packed formats per their definitions
(GStreamer's video-format docs; same bits as VA's FOURCCs).

usage: compare_raw.py GST_FORMAT W H GOT.raw REF.raw
Prints "N frames bit-exact" and exits 0, or what differs and exits 1."""
import array
import sys

# format: (chroma w shift, chroma h shift, bytes per sample in the reference)
SAMPLING = {
    "NV12": (1, 1, 1), "P010_10LE": (1, 1, 2), "Y42B": (1, 0, 1), "Y444": (0, 0, 1),
    "Y210": (1, 0, 2), "Y410": (0, 0, 2), "YUY2": (1, 0, 1),
}


def planes_of_ref(buf, w, h, sx, sy, bps):
    cw, ch = (w + (1 << sx) - 1) >> sx, (h + (1 << sy) - 1) >> sy
    sizes = [w * h * bps, cw * ch * bps, cw * ch * bps]
    out, at = [], 0
    for n in sizes:
        out.append(buf[at:at + n])
        at += n
    return out, at


def frame_bytes_got(fmt, stride, rows):
    """Bytes of one GStreamer frame whose luma rows are `stride` pixels
    apart and whose planes have `rows` rows (the picture's height plus
    padding)."""
    return {"NV12": stride * rows * 3 // 2, "P010_10LE": stride * rows * 3,
            "Y42B": stride * rows * 2, "Y444": stride * rows * 3, "Y210": stride * rows * 4,
            "Y410": stride * rows * 4, "YUY2": stride * rows * 2}[fmt]


def planes_of_got(fmt, buf, w, h, stride, rows):
    """Y, Cb, Cr of the picture as reference-layout (tight planar) bytes."""
    def crop(plane, pitch, width_bytes, n):
        return b"".join(plane[r * pitch:r * pitch + width_bytes] for r in range(n))
    if fmt in ("NV12", "P010_10LE"):
        bps = 1 if fmt == "NV12" else 2
        y = crop(buf, stride * bps, w * bps, h)
        uv = crop(buf[stride * rows * bps:], stride * bps, w * bps, h // 2)
        if bps == 1:
            return [y, uv[0::2], uv[1::2]]
        s, y16 = array.array("H", uv), array.array("H", y)
        return [array.array("H", (x >> 6 for x in y16)).tobytes(),
                array.array("H", (x >> 6 for x in s[0::2])).tobytes(),
                array.array("H", (x >> 6 for x in s[1::2])).tobytes()]
    if fmt in ("Y42B", "Y444"):
        cs = stride // 2 if fmt == "Y42B" else stride
        cw = w // 2 if fmt == "Y42B" else w
        y = crop(buf, stride, w, h)
        u = crop(buf[stride * rows:], cs, cw, h)
        v = crop(buf[stride * rows + cs * rows:], cs, cw, h)
        return [y, u, v]
    if fmt == "YUY2":  # Y0 U Y1 V bytes
        packed = crop(buf, stride * 2, w * 2, h)
        return [packed[0::2], packed[1::4], packed[3::4]]
    packed = crop(buf, stride * 4, w * 4, h)
    if fmt == "Y210":  # Y0 U Y1 V, 16 bits each, 10 bits at the top
        s = array.array("H", packed)
        return [array.array("H", (x >> 6 for x in s[0::2])).tobytes(),
                array.array("H", (x >> 6 for x in s[1::4])).tobytes(),
                array.array("H", (x >> 6 for x in s[3::4])).tobytes()]
    if fmt == "Y410":  # U 0-9, Y 10-19, V 20-29, A 30-31
        s = array.array("I", packed)
        return [array.array("H", ((p >> 10) & 1023 for p in s)).tobytes(),
                array.array("H", (p & 1023 for p in s)).tobytes(),
                array.array("H", ((p >> 20) & 1023 for p in s)).tobytes()]
    raise SystemExit("unknown format " + fmt)


def main():
    fmt, w, h, got_path, ref_path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), \
        sys.argv[4], sys.argv[5]
    sx, sy, bps = SAMPLING[fmt]
    ref = open(ref_path, "rb").read()
    got = open(got_path, "rb").read()
    _, ref_frame = planes_of_ref(ref, w, h, sx, sy, bps)
    frames = len(ref) // ref_frame
    if frames == 0 or len(got) % frames:
        print(f"FAIL: {len(got)} bytes from GStreamer for {frames} reference frames")
        return 1
    got_frame = len(got) // frames
    # Padding is not in the file: find the stride and rows that fit, the
    # least padded first.
    fits = [(st, r) for st in range(w, w + 65, 2 if w % 2 == 0 else 1)
            for r in range(h, h + 65) if frame_bytes_got(fmt, st, r) == got_frame]
    if not fits:
        print(f"FAIL: GStreamer frames of {got_frame} bytes do not fit {fmt} {w}x{h}")
        return 1
    stride, rows = fits[0]
    bad = 0
    for f in range(frames):
        want, _ = planes_of_ref(ref[f * ref_frame:(f + 1) * ref_frame], w, h, sx, sy, bps)
        have = planes_of_got(fmt, got[f * got_frame:(f + 1) * got_frame], w, h, stride, rows)
        for c in range(3):
            if want[c] != have[c]:
                if bad < 5:
                    print(f"frame {f} component {c} differs")
                bad += 1
    if bad:
        print(f"FAIL: {bad} planes differ in {frames} frames")
        return 1
    print(f"{frames} frames bit-exact")
    return 0


if __name__ == "__main__":
    sys.exit(main())
