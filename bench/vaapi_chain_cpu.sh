#!/usr/bin/env bash
# What the vaapi chain costs (tests/e2e/vaapi_chain.sh's set-up): ffmpeg
# decodes CLIP (default: make_clips.sh's 1080p60 H.264, 300 frames) through
#   direct: vivacd --engine sw
#   chain:  vivacd --engine vaapi (on vivac's own driver) -> vivacd --engine sw
# and prints each daemon's CPU per frame (supervisor + workers: utime +
# stime, live and reaped), median of REPS runs (default 3) with min-max.
# The outer daemon's figure is what the vaapi engine adds on top of its
# host driver: here vivac's guest driver, whose own cost a hardware driver
# replaces. Usage: bench/vaapi_chain_cpu.sh [CLIP] (from the repository,
# after a build with -Dtests=true; as root, like the e2e tests).
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../tests/e2e/lib.sh"
summary=/dev/null
source "$here/bench_lib.sh"
need ffmpeg
clip=${1:-}
if [ -z "$clip" ]; then
    "$here/make_clips.sh" "$VIVAC_BUILD/bench-clips" >/dev/null
    clip=$VIVAC_BUILD/bench-clips/h264_1080p60.264
fi
preload=$VIVAC_BUILD/tests/e2e/libfake_render_node.so
[ -s "$preload" ] || { echo "missing $preload (build the tests)"; exit 1; }
reps=${REPS:-3}
frames=$(clip_frames "$clip")
ensure_display

# ms per frame of the ticks between two cpu_now readings (both fields).
per_frame() { ticks_per_frame "$1" "$2" "$3" "$4" "$frames"; }

decode() {
    use_vivac_driver
    vivac_framemd5 "$clip" >/dev/null 2>"$e2e_tmp/ffmpeg.log" ||
        { cat "$e2e_tmp/ffmpeg.log"; echo "FAIL: ffmpeg"; exit 1; }
}

: >"$e2e_tmp/direct.ms"; : >"$e2e_tmp/outer.ms"; : >"$e2e_tmp/inner.ms"
for _ in $(seq "$reps"); do
    start_daemon --engine sw
    read -r a b < <(cpu_now "$VIVACD_PID")
    decode
    read -r c d < <(cpu_now "$VIVACD_PID")
    per_frame "$a" "$b" "$c" "$d" >>"$e2e_tmp/direct.ms"
    stop_daemon

    start_chain_inner "$preload"
    start_daemon --engine vaapi --vaapi-device /dev/null
    unset VIVACD_ENV
    read -r a b < <(cpu_now "$VIVACD_PID")
    read -r e f < <(cpu_now "$inner_pid")
    decode
    read -r c d < <(cpu_now "$VIVACD_PID")
    read -r g h < <(cpu_now "$inner_pid")
    per_frame "$a" "$b" "$c" "$d" >>"$e2e_tmp/outer.ms"
    per_frame "$e" "$f" "$g" "$h" >>"$e2e_tmp/inner.ms"
    stop_daemon
    kill "$inner_pid"; wait "$inner_pid" 2>/dev/null || true
done

range() { sort -g "$1" | awk '{v[NR]=$1} END {printf "%s (%s-%s)", v[int((NR+1)/2)], v[1], v[NR]}'; }
echo "clip $(basename "$clip"): $frames frames, median of $reps (min-max), daemon CPU ms/frame"
echo "direct (sw):           $(range "$e2e_tmp/direct.ms")"
echo "chain outer (vaapi):   $(range "$e2e_tmp/outer.ms")"
echo "chain inner (sw):      $(range "$e2e_tmp/inner.ms")"
