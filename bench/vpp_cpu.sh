#!/usr/bin/env bash
# What video processing on the host costs and saves (issue 16): FFmpeg
# decodes a clip through vivac (engine sw) and reads every frame back
#   decode:  hwdownload of the decoded surfaces
#   scale:   scale_vaapi=w=W:h=H:mode=MODE (VAEntrypointVideoProc), then
#            hwdownload of the scaled surfaces
# and prints the daemon's CPU per frame (supervisor + workers, utime +
# stime; median of REPS runs, default 3, with min-max), the scaling's own
# share (scale - decode), and the bytes per frame that come back to the
# guest (framemd5's frame size: the GET_IMAGE of each frame).
# VF=FILTER (e.g. procamp_vaapi=b=20, denoise_vaapi=denoise=24) times that
# VAAPI filter chain in place of scale_vaapi.
# Usage: bench/vpp_cpu.sh [CLIP W H [MODE]]  (default: make_clips.sh's
# 1080p60 H.264 to 1280x720, hq); as root, after a build with tests, like
# the e2e tests. bench/vpp_cpu.sh "" 1920 1080 takes the 2160p30 clip.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../tests/e2e/lib.sh"
summary=/dev/null
source "$here/bench_lib.sh"
need ffmpeg
clip=${1:-} w=${2:-1280} h=${3:-720} mode=${4:-hq}
if [ -z "$clip" ]; then
    "$here/make_clips.sh" "$VIVAC_BUILD/bench-clips" >/dev/null
    clip=$VIVAC_BUILD/bench-clips/h264_1080p60.264
    [ "$w" -gt 1280 ] && clip=$VIVAC_BUILD/bench-clips/h264_2160p30.264
fi
reps=${REPS:-3}
frames=$(clip_frames "$clip")
ensure_display

per_frame() { ticks_per_frame "$1" "$2" "$3" "$4" "$frames"; }

# run NAME VF: one pass, CPU ms/frame to NAME.ms, bytes/frame to NAME.bytes
run() {
    start_daemon --engine sw
    use_vivac_driver
    read -r a b < <(cpu_now "$VIVACD_PID")
    ffmpeg -nostdin -v error -init_hw_device vaapi=va:,connection_type=x11 \
        -hwaccel vaapi -hwaccel_device va -hwaccel_output_format vaapi -i "$clip" \
        -vf "$2" -f framemd5 - 2>"$e2e_tmp/ffmpeg.log" >"$e2e_tmp/$1.md5" ||
        { cat "$e2e_tmp/ffmpeg.log"; echo "FAIL: ffmpeg ($1)"; exit 1; }
    read -r c d < <(cpu_now "$VIVACD_PID")
    per_frame "$a" "$b" "$c" "$d" >>"$e2e_tmp/$1.ms"
    grep -v '^#' "$e2e_tmp/$1.md5" | awk -F, '{print $5 + 0}' | sort -u >"$e2e_tmp/$1.bytes"
    stop_daemon
}

for _ in $(seq "$reps"); do
    run decode "hwdownload,format=nv12"
    run scale "${VF:-scale_vaapi=w=$w:h=$h:mode=$mode},hwdownload,format=nv12"
done
median() { sort -g "$1" | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
range() { sort -g "$1" | awk '{v[NR]=$1} END {printf "%s (%s-%s)", v[int((NR+1)/2)], v[1], v[NR]}'; }
in_size=$(ffprobe -v error -select_streams v:0 -show_entries stream=width,height -of csv=s=x:p=0 "$clip")
echo "clip $(basename "$clip") ($in_size): $frames frames, median of $reps (min-max)"
echo "daemon CPU ms/frame, decode + readback:            $(range "$e2e_tmp/decode.ms")"
echo "daemon CPU ms/frame, decode + ${VF:-scale_vaapi ${w}x$h $mode}: $(range "$e2e_tmp/scale.ms")"
echo "processing alone (difference of medians):          $(awk -v a="$(median "$e2e_tmp/decode.ms")" \
    -v b="$(median "$e2e_tmp/scale.ms")" 'BEGIN { printf "%.2f", b - a }') ms/frame"
echo "bytes/frame to the guest: $(cat "$e2e_tmp/decode.bytes") at $in_size," \
     "$(cat "$e2e_tmp/scale.bytes") at ${w}x$h"
