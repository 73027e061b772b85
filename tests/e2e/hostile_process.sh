#!/usr/bin/env bash
# The hostile video processing client (every bad field of PROCESS, wrong
# surfaces and codecs, wrong times, a 1.3 client, a client leaving
# mid-job) against a daemon while FFmpeg scales through it with
# scale_vaapi: every case gets its status, the good client's frames stay
# bit-exact against FFmpeg's software scale, the daemon survives and exits
# cleanly (no leaks under ASan).
source "$(dirname "$0")/lib.sh"
hostile=${1:?usage: hostile_process.sh HOSTILE_PROCESS CLIP}
clip=${2:?usage: hostile_process.sh HOSTILE_PROCESS CLIP}
need ffmpeg
ensure_display
start_daemon --engine sw
use_vivac_driver
ffmpeg -nostdin -v error -i "$clip" -vf "scale=176:144:flags=lanczos,format=yuv420p" \
    -pix_fmt yuv420p -f framemd5 - | md5s >"$e2e_tmp/ref.md5"
(rc=0; LD_PRELOAD= "$hostile" "$VIVAC_SOCKET" >"$e2e_tmp/hostile.log" 2>&1 || rc=$?
 echo $rc >"$e2e_tmp/hostile.rc") &
hostile_pid=$!
ffmpeg -nostdin -v error -init_hw_device vaapi=va:,connection_type=x11 \
    -hwaccel vaapi -hwaccel_device va -hwaccel_output_format vaapi -i "$clip" \
    -vf "scale_vaapi=w=176:h=144:mode=hq,hwdownload,format=nv12" -pix_fmt yuv420p \
    -f framemd5 - 2>"$e2e_tmp/ffmpeg.log" | md5s >"$e2e_tmp/got.md5" || true
wait $hostile_pid
cat "$e2e_tmp/hostile.log"
[ "$(cat "$e2e_tmp/hostile.rc")" = 0 ] || { tail -20 "$e2e_tmp/vivacd.log"; echo "FAIL: hostile cases"; exit 1; }
daemon_alive || { tail -20 "$e2e_tmp/vivacd.log"; echo "FAIL: vivacd died"; exit 1; }
if [ ! -s "$e2e_tmp/got.md5" ] || ! cmp -s "$e2e_tmp/ref.md5" "$e2e_tmp/got.md5"; then
    cat "$e2e_tmp/ffmpeg.log"; echo "FAIL: well-behaved scale_vaapi client not bit-exact"; exit 1
fi
stop_daemon
echo "ok: daemon survived the hostile processing client; scale_vaapi stayed bit-exact"
