#!/usr/bin/env bash
# A hostile client (garbage, truncated/oversized messages, bad ids, use after
# destroy, out-of-bounds arena ranges, disconnect mid-frame) runs against a
# daemon while a well-behaved ffmpeg decodes through the same daemon: every
# hostile case gets the expected error, the daemon stays up, and the good
# client's frames stay bit-exact.
source "$(dirname "$0")/lib.sh"
hostile=${1:?usage: hostile.sh HOSTILE_CLIENT CLIP}
clip=${2:?usage: hostile.sh HOSTILE_CLIENT CLIP}
need ffmpeg
ensure_display
# sw, or the vaapi chain (VIVAC_E2E_VAAPI_CHAIN: e2e_hostile_vaapi_chain).
start_test_daemon
use_vivac_driver

sw_framemd5 "$clip" >"$e2e_tmp/ref.md5"
# (set -e would end the subshell at a failing client, before its status and log are kept.)
(rc=0; LD_PRELOAD= "$hostile" "$VIVAC_SOCKET" >"$e2e_tmp/hostile.log" 2>&1 || rc=$?
 echo $rc >"$e2e_tmp/hostile.rc") &
hostile_pid=$!
vivac_framemd5 "$clip" >"$e2e_tmp/got.md5" 2>"$e2e_tmp/ffmpeg.log" || true
wait $hostile_pid
cat "$e2e_tmp/hostile.log"
[ "$(cat "$e2e_tmp/hostile.rc")" = 0 ] || { tail -20 "$e2e_tmp/vivacd.log"; echo "FAIL: hostile cases"; exit 1; }
daemon_alive || { tail -20 "$e2e_tmp/vivacd.log"; echo "FAIL: vivacd died"; exit 1; }
# And once more after all hostile sessions are gone.
vivac_framemd5 "$clip" >"$e2e_tmp/got2.md5" 2>>"$e2e_tmp/ffmpeg.log" || true
for f in got got2; do
    if [ ! -s "$e2e_tmp/$f.md5" ] || ! cmp -s "$e2e_tmp/ref.md5" "$e2e_tmp/$f.md5"; then
        cat "$e2e_tmp/ffmpeg.log"; echo "FAIL: well-behaved client not bit-exact ($f)"; exit 1
    fi
done
daemon_alive || { echo "FAIL: vivacd died"; exit 1; }
stop_daemon
echo "ok: daemon survived hostile client and kept decoding bit-exact"
