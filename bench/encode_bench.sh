#!/usr/bin/env bash
# Encode benchmark (issue 12, "Measure"); a benchmark, not a test.
# A 1080p testsrc2 clip of FRAMES frames (default 300, 30 frames/s) is
# encoded REPS times (default 3) each way:
#   vivac:  ffmpeg -c:v h264_vaapi through the vivac driver and a private
#           vivacd --engine sw (libx264 on the host), CQP 26, GOP 60;
#   client: ffmpeg -c:v libx264 in the client, same QP and GOP, with the
#           preset/tune given by X264_PRESET / X264_TUNE (default
#           veryfast / zerolatency: what the sw engine's libx264 uses at the
#           default quality level, src/host/engines/avenc/avenc_table.c).
# Per run: frames/s (wall), the client's CPU seconds per frame (user+sys of
# ffmpeg from /usr/bin/time; the source is decoded from a raw NUT file in
# both cases so its cost is the same), and for vivac the bytes crossing the
# transport per frame: the socket's (rchar+wchar of the daemon's worker from
# /proc/PID/io: requests and replies; measured tiny) and the arena's (shared
# memory, not seen by /proc/PID/io: the NV12 input picture plus the coded
# bytes, computed). Writes medians and spreads (min..max)
# to OUT (default encode_bench.txt) and prints it; the goal is a client CPU
# ratio vivac/client <= 0.1.
# Usage: VIVAC_BUILD=build bench/encode_bench.sh [OUT]
source "$(dirname "$0")/../tests/e2e/lib.sh"
need ffmpeg
need python3
[ -x /usr/bin/time ] || { echo "SKIP: /usr/bin/time (package time) not installed"; exit $SKIP; }
out=${1:-encode_bench.txt}
frames=${FRAMES:-300} reps=${REPS:-3}
preset=${X264_PRESET:-veryfast} tune=${X264_TUNE:-zerolatency}
src=$e2e_tmp/src1080.nut
ffmpeg -nostdin -v error -f lavfi -i testsrc2=size=1920x1080:rate=30 -frames:v "$frames" \
    -pix_fmt yuv420p -c:v rawvideo -y "$src"

ensure_display
start_daemon --engine sw
use_vivac_driver
rows=$e2e_tmp/rows.txt
: >"$rows"
for rep in $(seq "$reps"); do
    # vivac: the worker of this client's uid appears with the first session.
    /usr/bin/time -f "%e %U %S" -o "$e2e_tmp/time.txt" ffmpeg -nostdin -v error \
        -init_hw_device vaapi=va:,connection_type=x11 -filter_hw_device va -i "$src" \
        -vf format=nv12,hwupload -c:v h264_vaapi -qp 26 -g 60 -f h264 -y "$e2e_tmp/out.264" &
    tpid=$!
    worker=$(wait_worker "uid:$(id -u)")
    io0=$(awk '/^(rchar|wchar)/ {n += $2} END {print n}' "/proc/$worker/io")
    io1=$io0
    while kill -0 "$tpid" 2>/dev/null; do
        io1=$(awk '/^(rchar|wchar)/ {n += $2} END {print n}' "/proc/$worker/io" 2>/dev/null || echo "$io1")
        sleep 0.2
    done
    wait "$tpid" || { tail -20 "$e2e_tmp/vivacd.log"; echo "FAIL: ffmpeg through vivac"; exit 1; }
    read -r wall user sys <"$e2e_tmp/time.txt"
    echo "vivac $wall $user $sys $((io1 - io0)) $(stat -c %s "$e2e_tmp/out.264")" >>"$rows"
    /usr/bin/time -f "%e %U %S" -o "$e2e_tmp/time.txt" ffmpeg -nostdin -v error -i "$src" \
        -c:v libx264 -preset "$preset" -tune "$tune" -qp 26 -g 60 -bf 0 -f null - ||
        { echo "FAIL: libx264 in the client"; exit 1; }
    read -r wall user sys <"$e2e_tmp/time.txt"
    echo "client $wall $user $sys 0 0" >>"$rows"
done
stop_daemon

python3 - "$rows" "$frames" "$preset" "$tune" >"$out" <<'EOF'
import statistics, sys
rows, frames, preset, tune = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
runs = {"vivac": [], "client": []}
for line in open(rows):
    k, wall, user, sys_, io, coded = line.split()
    runs[k].append((float(wall), float(user) + float(sys_), int(io), int(coded)))
def fmt(vals, unit, scale=1.0):
    vals = [v * scale for v in vals]
    return f"{statistics.median(vals):.3f} {unit} ({min(vals):.3f}..{max(vals):.3f})"
print(f"encode_bench: 1920x1080, {frames} frames, {len(runs['vivac'])} reps, CQP 26, GOP 60")
print(f"client encoder: libx264 preset {preset} tune {tune}")
for k in ("vivac", "client"):
    r = runs[k]
    print(f"{k:7s} fps {fmt([frames / w for w, _, _, _ in r], 'frames/s')}")
    print(f"{k:7s} client CPU per frame {fmt([c / frames for _, c, _, _ in r], 'ms', 1000)}")
io = [b / frames for _, _, b, _ in runs["vivac"]]
print(f"vivac   socket bytes per frame (worker rchar+wchar) {fmt(io, 'B')}")
nv12 = 1920 * 1080 * 3 // 2
coded = [nv12 + c / frames for _, _, _, c in runs["vivac"]]
print(f"vivac   arena bytes per frame (NV12 input {nv12} B + coded output) {fmt(coded, 'MiB', 1 / 2**20)}")
ratio = statistics.median(c for _, c, _, _ in runs["vivac"]) / statistics.median(c for _, c, _, _ in runs["client"])
print(f"client CPU ratio vivac/client (medians): {ratio:.3f} (goal <= 0.1)")
EOF
cat "$out"
