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

# Flip 200 bytes after the first 2000 (the parameter sets stay intact).
python3 - "$clip" "$e2e_tmp/corrupt.264" <<'PY'
import random, sys
data = bytearray(open(sys.argv[1], "rb").read())
rng = random.Random(1)
for _ in range(200):
    data[rng.randrange(2000, len(data))] ^= 0xff
open(sys.argv[2], "wb").write(data)
PY
if vivac_framemd5 "$e2e_tmp/corrupt.264" >/dev/null 2>"$e2e_tmp/ffmpeg.log"; then
    echo "FAIL: ffmpeg reported no error for a corrupted clip"; exit 1
fi
grep -E "Failed to sync surface .*decoding error" "$e2e_tmp/ffmpeg.log" ||
    { cat "$e2e_tmp/ffmpeg.log"; echo "FAIL: no vaSyncSurface decode error reached ffmpeg"; exit 1; }
grep -m1 "vivac: warning: decoding into surface" "$e2e_tmp/ffmpeg.log" ||
    { echo "FAIL: the daemon's reason was not logged by the driver"; exit 1; }
daemon_alive || { echo "FAIL: vivacd died"; exit 1; }

sw_framemd5 "$clip" >"$e2e_tmp/ref.md5"
vivac_framemd5 "$clip" >"$e2e_tmp/got.md5" 2>"$e2e_tmp/ffmpeg2.log" || true
[ -s "$e2e_tmp/got.md5" ] && cmp -s "$e2e_tmp/ref.md5" "$e2e_tmp/got.md5" ||
    { cat "$e2e_tmp/ffmpeg2.log"; echo "FAIL: clean clip after the error not bit-exact"; exit 1; }
stop_daemon
echo "ok: decode errors reach ffmpeg through vaSyncSurface"
