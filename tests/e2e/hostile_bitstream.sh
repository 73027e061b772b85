#!/usr/bin/env bash
# Slice data that outruns what was validated (parameter sets, headers and
# markers of the guest's own behind or inside a slice; HEVC POCs whose
# difference overflows) is refused while a well-behaved ffmpeg decodes
# through the same sw daemon: every case gets VW_ERR_MALFORMED and its
# session goes on bit-exact (hostile_bitstream.c), the daemon stays up
# without a sanitizer report, and the good client's frames stay bit-exact.
# Usage: hostile_bitstream.sh HOSTILE_BITSTREAM SEED_DIR CLIP
source "$(dirname "$0")/lib.sh"
hostile=${1:?usage: hostile_bitstream.sh HOSTILE_BITSTREAM SEED_DIR CLIP}
seeds=${2:?usage: hostile_bitstream.sh HOSTILE_BITSTREAM SEED_DIR CLIP}
clip=${3:?usage: hostile_bitstream.sh HOSTILE_BITSTREAM SEED_DIR CLIP}
need ffmpeg
ensure_display
start_daemon --engine sw
use_vivac_driver

sw_framemd5 "$clip" >"$e2e_tmp/ref.md5"
(rc=0; LD_PRELOAD= "$hostile" "$VIVAC_SOCKET" "$seeds" >"$e2e_tmp/hostile.log" 2>&1 || rc=$?
 echo $rc >"$e2e_tmp/hostile.rc") &
hostile_pid=$!
vivac_framemd5 "$clip" >"$e2e_tmp/got.md5" 2>"$e2e_tmp/ffmpeg.log" || true
wait $hostile_pid
cat "$e2e_tmp/hostile.log"
[ "$(cat "$e2e_tmp/hostile.rc")" = 0 ] || { tail -20 "$e2e_tmp/vivacd.log"; echo "FAIL: hostile cases"; exit 1; }
daemon_alive || { tail -20 "$e2e_tmp/vivacd.log"; echo "FAIL: vivacd died"; exit 1; }
if [ ! -s "$e2e_tmp/got.md5" ] || ! cmp -s "$e2e_tmp/ref.md5" "$e2e_tmp/got.md5"; then
    cat "$e2e_tmp/ffmpeg.log"; echo "FAIL: well-behaved client not bit-exact"; exit 1
fi
stop_daemon
# UBSan without halt_on_error only prints: no report either.
if grep -q 'runtime error:' "$e2e_tmp/vivacd.log"; then
    grep -A3 'runtime error:' "$e2e_tmp/vivacd.log"; echo "FAIL: sanitizer report"; exit 1
fi
echo "ok: slice data past what was validated refused, daemon and good client unaffected"
