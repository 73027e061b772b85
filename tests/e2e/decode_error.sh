#!/usr/bin/env bash
# A host-side decode error reaches the application: ffmpeg decoding a
# corrupted clip through vivac sees vaSyncSurface fail (it never gets garbage
# frames silently), the daemon keeps running, and a clean clip decoded next
# on the same daemon is bit-exact.
source "$(dirname "$0")/lib.sh"
clip=${1:?usage: decode_error.sh CLIP}
need ffmpeg
ensure_display
start_daemon --engine sw
use_vivac_driver

expect_decode_error "$clip"
grep -m1 "vivac: warning: decoding into surface" "$e2e_tmp/ffmpeg.log" ||
    { echo "FAIL: the daemon's reason was not logged by the driver"; exit 1; }
daemon_alive || { echo "FAIL: vivacd died"; exit 1; }

sw_framemd5 "$clip" >"$e2e_tmp/ref.md5"
vivac_framemd5 "$clip" >"$e2e_tmp/got.md5" 2>"$e2e_tmp/ffmpeg2.log" || true
[ -s "$e2e_tmp/got.md5" ] && cmp -s "$e2e_tmp/ref.md5" "$e2e_tmp/got.md5" ||
    { cat "$e2e_tmp/ffmpeg2.log"; echo "FAIL: clean clip after the error not bit-exact"; exit 1; }
stop_daemon
echo "ok: decode errors reach ffmpeg through vaSyncSurface"
