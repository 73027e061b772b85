#!/usr/bin/env python3
"""Checks an encoded clip against what its client asked for, with FFmpeg's
own tools only (black box: nothing of vivac is read).

Asserts, each only when its option is given:
  - FFmpeg decodes it with no error (-xerror -err_detect explode, nothing
    printed at level error);
  - the stream's codec, profile, size and decoded pixel format;
  - the number of frames;
  - the IDR pictures (NAL unit types from the trace_headers bitstream
    filter: H.264 5, HEVC 19/20) and the frames FFmpeg marks key_frame are
    exactly the display positions asked for; no B pictures;
  - presentation timestamps strictly increasing (frames), decode
    timestamps strictly increasing (packets);
  - PSNR (Y, U, V weighted as FFmpeg's psnr filter does) against the source
    at least --psnr-min dB over the clip, frame N of the output against
    frame N of the source;
  - the bitrate (sum of packet sizes over the clip's duration at --fps)
    within --tolerance of --bitrate, or at most --bitrate-max; with
    --split F:B1:B2, frames [0, F) within --tolerance of B1 and [F, end) of B2;
  - the raw bytes contain --contains (the host encoder's SEI: "x264",
    "x265"), which proves that the encoder that wrote it is the host's.

Prints one line of measurements and exits 0, or prints each failure and
exits 1. usage: encode_check.py OUT [options]  (see --help)"""
import argparse
import json
import re
import subprocess
import sys

IDR_TYPES = {"h264": {5}, "hevc": {19, 20}}


def run(cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       errors="replace")
    return p.returncode, p.stdout, p.stderr


def ffprobe_json(path, *args):
    rc, out, err = run(["ffprobe", "-v", "error", "-of", "json", *args, path])
    if rc != 0:
        raise SystemExit(f"FAIL: ffprobe {' '.join(args)}: {err.strip()}")
    return json.loads(out)


def idr_positions(path, codec):
    """Display positions (by pts order) of the packets that carry an IDR."""
    rc, _, err = run(["ffmpeg", "-nostdin", "-nostats", "-v", "info", "-i", path, "-map", "0:v:0",
                      "-c", "copy", "-bsf:v", "trace_headers", "-f", "null", "-"])
    if rc != 0:
        raise SystemExit(f"FAIL: trace_headers: {err[-2000:]}")
    packets = []  # [pts, set of NAL types]
    for line in err.splitlines():
        m = re.search(r"Packet: \d+ bytes,.*? pts (-?\d+|NOPTS)", line)
        if m:
            packets.append([int(m.group(1)) if m.group(1) != "NOPTS" else None, set()])
            continue
        m = re.search(r"\bnal_unit_type\s+[01]+ = (\d+)", line)
        if m and packets:  # NALs before the first packet are the extradata's
            packets[-1][1].add(int(m.group(1)))
    if any(p[0] is None for p in packets):
        raise SystemExit("FAIL: a packet without pts")
    packets.sort(key=lambda p: p[0])
    return [i for i, p in enumerate(packets) if p[1] & IDR_TYPES[codec]], len(packets)


def psnr(path, source, pix_fmt, frames):
    """Average and worst-frame PSNR, frame N against frame N (timestamps
    renumbered: containers round them differently)."""
    graph = (f"[0:v]format={pix_fmt},settb=1/30,setpts=N[a];"
             f"[1:v]format={pix_fmt},settb=1/30,setpts=N[b];"
             "[a][b]psnr=stats_file=-")
    rc, out, err = run(["ffmpeg", "-nostdin", "-nostats", "-i", path, "-i", source,
                        "-lavfi", graph, "-f", "null", "-"])
    if rc != 0:
        raise SystemExit(f"FAIL: psnr: {err[-2000:]}")
    per_frame = [float(m.group(1)) for m in re.finditer(r"psnr_avg:(\S+)", out)]
    m = re.search(r"PSNR .* average:(\S+)", err)
    if not m or len(per_frame) != frames:
        return None, f"psnr compared {len(per_frame)} frames, want {frames}"
    return float(m.group(1)), min(per_frame)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("--source", help="the clip that was encoded (same size and frames)")
    ap.add_argument("--codec", choices=sorted(IDR_TYPES), required=True)
    ap.add_argument("--profile", help="ffprobe's profile name, e.g. High, Main 10")
    ap.add_argument("--size", help="WxH")
    ap.add_argument("--pix-fmt", default="yuv420p")
    ap.add_argument("--frames", type=int, required=True)
    ap.add_argument("--fps", type=float, default=30.0)
    ap.add_argument("--keyframes", help="comma-separated display positions of the IDRs")
    ap.add_argument("--psnr-min", type=float)
    ap.add_argument("--bitrate", type=float, help="bits/s over the clip (CBR, VBR target)")
    ap.add_argument("--bitrate-max", type=float, help="bits/s the clip may not exceed (VBR)")
    ap.add_argument("--split", help="F:B1:B2: bitrates before and from frame F")
    ap.add_argument("--tolerance", type=float, default=0.10)
    ap.add_argument("--contains", help="bytes the stream must hold (the encoder's SEI)")
    a = ap.parse_args()
    fails, facts = [], []

    rc, _, err = run(["ffmpeg", "-nostdin", "-nostats", "-v", "error", "-xerror",
                      "-err_detect", "explode", "-i", a.out, "-f", "null", "-"])
    if rc != 0 or err.strip():
        fails.append(f"decode errors (rc {rc}): {err.strip()[:1000]}")

    st = ffprobe_json(a.out, "-select_streams", "v:0", "-show_streams")["streams"]
    if not st:
        raise SystemExit("FAIL: no video stream")
    st = st[0]
    if st.get("codec_name") != a.codec:
        fails.append(f"codec {st.get('codec_name')}, want {a.codec}")
    if a.profile and st.get("profile") != a.profile:
        fails.append(f"profile {st.get('profile')}, want {a.profile}")
    if a.size and f"{st.get('width')}x{st.get('height')}" != a.size:
        fails.append(f"size {st.get('width')}x{st.get('height')}, want {a.size}")
    if st.get("pix_fmt") != a.pix_fmt:
        fails.append(f"pixel format {st.get('pix_fmt')}, want {a.pix_fmt}")
    facts.append(f"{a.codec} {st.get('profile')} {st.get('width')}x{st.get('height')}")

    frames = ffprobe_json(a.out, "-select_streams", "v:0", "-show_frames", "-show_entries",
                          "frame=key_frame,pict_type,pts,best_effort_timestamp")["frames"]
    if len(frames) != a.frames:
        fails.append(f"{len(frames)} frames, want {a.frames}")
    facts.append(f"{len(frames)} frames")
    pts = [f.get("pts", f.get("best_effort_timestamp")) for f in frames]
    if None in pts or any(b <= c for c, b in zip(pts, pts[1:])):
        fails.append(f"frame timestamps not strictly increasing: {pts[:70]}")
    b_frames = [i for i, f in enumerate(frames) if f.get("pict_type") == "B"]
    if b_frames:
        fails.append(f"B pictures at {b_frames[:20]} (the driver offers no L1 references)")

    pkts = ffprobe_json(a.out, "-select_streams", "v:0", "-show_entries",
                        "packet=size,dts,pts", "-show_packets")["packets"]
    dts = [p.get("dts") for p in pkts]
    if None in dts or any(b <= c for c, b in zip(dts, dts[1:])):
        fails.append(f"packet decode timestamps not strictly increasing: {dts[:70]}")

    if a.keyframes is not None:
        want = [int(x) for x in a.keyframes.split(",") if x != ""]
        key = [i for i, f in enumerate(frames) if f.get("key_frame") == 1]
        idr, npk = idr_positions(a.out, a.codec)
        if idr != want:
            fails.append(f"IDR pictures at {idr} of {npk} packets, want {want}")
        if key != want:
            fails.append(f"key frames at {key}, want {want}")
        facts.append(f"IDR at {idr}")

    if a.source:
        avg, worst = psnr(a.out, a.source, a.pix_fmt, a.frames)
        if avg is None:
            fails.append(worst)
        else:
            facts.append(f"PSNR {avg:.2f} dB (worst frame {worst:.2f})")
        if avg is not None and a.psnr_min is not None and avg < a.psnr_min:
            fails.append(f"PSNR {avg:.2f} dB < {a.psnr_min} dB")

    sizes = [int(p["size"]) for p in sorted(pkts, key=lambda p: p.get("pts") or 0)]
    def rate(part):
        return sum(part) * 8 * a.fps / len(part) if part else 0.0
    total = rate(sizes)
    facts.append(f"{total / 1000:.0f} kbit/s")
    if a.bitrate and abs(total - a.bitrate) > a.tolerance * a.bitrate:
        fails.append(f"bitrate {total / 1000:.1f} kbit/s, want {a.bitrate / 1000:.0f} "
                     f"± {a.tolerance * 100:.0f} %")
    if a.bitrate_max and total > a.bitrate_max:
        fails.append(f"bitrate {total / 1000:.1f} kbit/s > max {a.bitrate_max / 1000:.0f}")
    if a.split:
        f, b1, b2 = a.split.split(":")
        f, b1, b2 = int(f), float(b1), float(b2)
        r1, r2 = rate(sizes[:f]), rate(sizes[f:])
        facts.append(f"frames <{f}: {r1 / 1000:.0f} kbit/s, from {f}: {r2 / 1000:.0f} kbit/s")
        for r, b, what in ((r1, b1, "first"), (r2, b2, "second")):
            if abs(r - b) > a.tolerance * b:
                fails.append(f"{what} part {r / 1000:.1f} kbit/s, want {b / 1000:.0f} "
                             f"± {a.tolerance * 100:.0f} %")

    if a.contains:
        with open(a.out, "rb") as fh:
            if a.contains.encode() not in fh.read():
                fails.append(f"no '{a.contains}' in the stream (not the host's encoder?)")
            else:
                facts.append(f"'{a.contains}' SEI")

    for f in fails:
        print("FAIL:", f)
    print(", ".join(facts))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
