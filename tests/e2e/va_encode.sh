#!/usr/bin/env bash
# Runs va_encode (a direct libva H.264 encode client: see va_encode.c for
# its own assertions on config attributes and coded buffers) through the
# vivac driver and a private vivacd (engine sw), on a 60-frame 352x288
# testsrc2 clip, then checks each stream with encode_check.py:
#   cqp: IDRs at 0 and the forced 37 only, 60 frames, PSNR >= 38 dB (see
#        encode_ffmpeg.sh), x264's SEI (the host's encoder);
#   cbr: the same IDRs, and a rate change at frame 30 from 400 to 800
#        kbit/s: each 1-second half within ±20 % of its rate (a 1 s
#        window with a 1 s HRD buffer after the change: ±10 % is what the
#        whole-clip CBR tests hold), and the second half's rate at least
#        1.5 times the first (the change took effect).
# Usage: va_encode.sh VA_ENCODE_PROGRAM
source "$(dirname "$0")/lib.sh"
prog=${1:?usage: va_encode.sh VA_ENCODE_PROGRAM}
need ffmpeg
need ffprobe
need python3
check=$(dirname "$0")/encode_check.py
src=$e2e_tmp/src.nut raw=$e2e_tmp/src.nv12
ffmpeg -nostdin -v error -f lavfi -i testsrc2=size=352x288:rate=30 -frames:v 60 \
    -pix_fmt yuv420p -c:v rawvideo -y "$src"
ffmpeg -nostdin -v error -i "$src" -pix_fmt nv12 -f rawvideo -y "$raw"
ensure_display
start_daemon --engine sw
use_vivac_driver

for mode in cqp cbr; do
    out=$e2e_tmp/$mode.264
    extra=() checks=()
    if [ $mode = cbr ]; then
        extra=(400000 800000 30) checks=(--split 30:400000:800000 --tolerance 0.20)
    fi
    "$prog" $mode "$raw" 352 288 60 37 "$out" "${extra[@]}" >"$e2e_tmp/$mode.log" 2>&1 ||
        { cat "$e2e_tmp/$mode.log"; tail -20 "$e2e_tmp/vivacd.log"; echo "FAIL: va_encode $mode"; exit 1; }
    grep -E "^(attributes|FAIL)" "$e2e_tmp/$mode.log" || true
    # Annex B has no timestamps: give it 30 frames/s in a container.
    ffmpeg -nostdin -v error -framerate 30 -i "$out" -c copy -y "$out.mkv"
    if ! res=$(python3 "$check" "$out.mkv" --source "$src" --codec h264 --size 352x288 \
            --frames 60 --keyframes 0,37 --psnr-min 38 --contains x264 "${checks[@]}"); then
        echo "$res"; echo "FAIL: va_encode $mode stream"; exit 1
    fi
    if [ $mode = cbr ]; then
        python3 - "$res" <<'EOF' || { echo "$res"; echo "FAIL: the rate change did not take effect"; exit 1; }
import re, sys
r1, r2 = map(int, re.search(r"<30: (\d+) kbit/s, from 30: (\d+)", sys.argv[1]).groups())
sys.exit(0 if r2 >= 1.5 * r1 else 1)
EOF
    fi
    echo "ok: va_encode $mode: $res"
done
stop_daemon
