#!/usr/bin/env bash
# VP9/VP8 frames whose own headers say other sizes, depths or chroma formats
# than the parameters, codec and surface they are sent with (hostile_sizes.c)
# run against a daemon with a small --max-memory while a well-behaved ffmpeg
# decodes CLIP through the same daemon: every case is refused, the peak
# memory (VmHWM) of the worker parsing them does not grow by the size of the frame a header claims
# (BIG x BIG), the daemon stays up and the good client stays bit-exact.
# Usage: hostile_sizes.sh HOSTILE_SIZES CLIP
source "$(dirname "$0")/lib.sh"
hostile=${1:?usage: hostile_sizes.sh HOSTILE_SIZES CLIP}
clip=${2:?usage: hostile_sizes.sh HOSTILE_SIZES CLIP}
need ffmpeg
ensure_display

# The frames: libvpx encodes, one or three frames each, no alt-ref (no
# superframes). A BIG x BIG 4:2:0 picture is 24 MiB at 4096.
BIG=4096
vpx() {
    local name=$1 size=$2 frames=$3; shift 3
    ffmpeg -nostdin -v error -f lavfi -i "testsrc=s=$size:r=25" -frames:v "$frames" \
        -deadline realtime -cpu-used 8 -lag-in-frames 0 -auto-alt-ref 0 -g 100 "$@" \
        -f ivf -y "$e2e_tmp/$name" || { echo "FAIL: cannot encode $name"; exit 1; }
}
vpx vp9_64.ivf 64x64 3 -c:v libvpx-vp9 -pix_fmt yuv420p
vpx vp9_p2.ivf 64x64 1 -c:v libvpx-vp9 -pix_fmt yuv420p10le -profile:v 2
vpx vp9_12bit.ivf 64x64 1 -c:v libvpx-vp9 -pix_fmt yuv420p12le -profile:v 2
vpx vp9_444.ivf 64x64 1 -c:v libvpx-vp9 -pix_fmt yuv444p -profile:v 1
vpx vp8_64.ivf 64x64 3 -c:v libvpx -pix_fmt yuv420p
ffmpeg -nostdin -v error -f lavfi -i "color=black:s=${BIG}x${BIG}:r=1" -frames:v 1 \
    -c:v libvpx-vp9 -deadline realtime -cpu-used 8 -lag-in-frames 0 -auto-alt-ref 0 \
    -threads 1 -f ivf -y "$e2e_tmp/vp9_big.ivf" || { echo "FAIL: cannot encode vp9_big.ivf"; exit 1; }

# 64 MiB: room for the good client's decoder and surfaces, none for a
# BIG x BIG picture.
start_daemon --engine sw --max-memory 64
use_vivac_driver
# The clients here are all root: one worker (uid:0) parses their bytes;
# a connection starts it, and it outlives them by seconds.
"$VIVAC" info --socket "$VIVAC_SOCKET" >/dev/null
worker=$(wait_worker uid:0) || exit 1
hwm_kib() { awk '/^VmHWM:/ {print $2}' "/proc/$worker/status"; }

sw_framemd5 "$clip" >"$e2e_tmp/ref.md5"
hwm_before=$(hwm_kib)
(rc=0; LD_PRELOAD= "$hostile" "$VIVAC_SOCKET" "$e2e_tmp" "$BIG" >"$e2e_tmp/hostile.log" 2>&1 || rc=$?
 echo $rc >"$e2e_tmp/hostile.rc") &
hostile_pid=$!
vivac_framemd5 "$clip" >"$e2e_tmp/got.md5" 2>"$e2e_tmp/ffmpeg.log" || true
wait $hostile_pid || true
cat "$e2e_tmp/hostile.log"
daemon_alive || { tail -20 "$e2e_tmp/vivacd.log"; echo "FAIL: vivacd died"; exit 1; }
[ "$(worker_pid uid:0)" = "$worker" ] || { tail -20 "$e2e_tmp/vivacd.log"; echo "FAIL: the worker died"; exit 1; }
hwm_after=$(hwm_kib)
grown=$(( (hwm_after - hwm_before) / 1024 ))
echo "worker VmHWM: ${hwm_before} KiB before, ${hwm_after} KiB after (+${grown} MiB)"
[ "$(cat "$e2e_tmp/hostile.rc")" = 0 ] || { tail -20 "$e2e_tmp/vivacd.log"; echo "FAIL: hostile cases"; exit 1; }
# A BIG x BIG picture alone is 24 MiB (main before the checks: +56 MiB);
# the good client and the 64x64 pictures take 5 MiB (9 under
# AddressSanitizer).
if [ "$grown" -ge 20 ]; then
    echo "FAIL: the worker's peak memory grew by $grown MiB"; exit 1
fi
if [ ! -s "$e2e_tmp/got.md5" ] || ! cmp -s "$e2e_tmp/ref.md5" "$e2e_tmp/got.md5"; then
    cat "$e2e_tmp/ffmpeg.log"; echo "FAIL: well-behaved client not bit-exact"; exit 1
fi
stop_daemon
echo "ok: frames whose headers outrun their parameters are refused; memory held"
