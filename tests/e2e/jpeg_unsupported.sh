#!/usr/bin/env bash
# JPEG sampling other than 4:2:0, 4:2:2 and 4:4:4 is refused, not decoded
# wrong: ffmpeg decoding a 4:4:0 JPEG clip through vivac (FFmpeg 5.1 puts
# it on 444P surfaces) sees vaSyncSurface fail with the daemon's reason
# (the picture parameters' sampling), the daemon keeps running, and a 4:2:0
# clip decoded next on the same daemon is bit-exact.
# Usage: jpeg_unsupported.sh CLIP_440 CLIP_420
source "$(dirname "$0")/lib.sh"
bad=${1:?usage: jpeg_unsupported.sh CLIP_440 CLIP_420}
good=${2:?usage: jpeg_unsupported.sh CLIP_440 CLIP_420}
need ffmpeg
ensure_display
start_daemon --engine sw
use_vivac_driver

if vivac_framemd5 "$bad" >/dev/null 2>"$e2e_tmp/ffmpeg.log"; then
    echo "FAIL: ffmpeg reported no error for a 4:4:0 JPEG clip"; exit 1
fi
grep -m1 "(4:4:0) not supported" "$e2e_tmp/ffmpeg.log" ||
    { cat "$e2e_tmp/ffmpeg.log"; echo "FAIL: the daemon's reason was not logged by the driver"; exit 1; }
daemon_alive || { echo "FAIL: vivacd died"; exit 1; }

sw_framemd5 "$good" nv12 full >"$e2e_tmp/ref.md5"
vivac_framemd5 "$good" >"$e2e_tmp/got.md5" 2>"$e2e_tmp/ffmpeg2.log" || true
[ -s "$e2e_tmp/got.md5" ] && cmp -s "$e2e_tmp/ref.md5" "$e2e_tmp/got.md5" ||
    { cat "$e2e_tmp/ffmpeg2.log"; echo "FAIL: 4:2:0 clip after the refusal not bit-exact"; exit 1; }
stop_daemon
echo "ok: 4:4:0 JPEG refused with its reason, 4:2:0 bit-exact after it"
