#!/usr/bin/env bash
# The hostile encode client (every bad field of ENCODE_BITSTREAM, encode
# messages on the wrong codec or at the wrong time, a coded buffer too
# small, clients leaving mid-picture) against a daemon while a well-behaved
# encoder encodes through it: every case gets its status, the good stream
# is whole, the daemon survives and exits cleanly (no leaks under ASan).
source "$(dirname "$0")/lib.sh"
hostile=${1:?usage: hostile_encode.sh HOSTILE_ENCODE WIRE_ENCODE}
wire_encode=${2:?usage: hostile_encode.sh HOSTILE_ENCODE WIRE_ENCODE}
need ffprobe
start_daemon --engine sw
(rc=0; "$wire_encode" "$VIVAC_SOCKET" "$e2e_tmp/good.264" --frames 60 --idr 30 \
     >"$e2e_tmp/good.log" 2>&1 || rc=$?; echo $rc >"$e2e_tmp/good.rc") &
good_pid=$!
rc=0
"$hostile" "$VIVAC_SOCKET" || rc=$?
wait $good_pid
daemon_alive || { tail -20 "$e2e_tmp/vivacd.log"; echo "FAIL: vivacd died"; exit 1; }
[ $rc = 0 ] || { tail -20 "$e2e_tmp/vivacd.log"; echo "FAIL: hostile encode cases"; exit 1; }
[ "$(cat "$e2e_tmp/good.rc")" = 0 ] || { cat "$e2e_tmp/good.log"; echo "FAIL: good encoder"; exit 1; }
frames=$(ffprobe -v error -count_frames -show_entries stream=nb_read_frames -of csv=p=0 \
         "$e2e_tmp/good.264")
[ "$frames" = 60 ] || { echo "FAIL: the good stream has $frames pictures, not 60"; exit 1; }
stop_daemon
echo "ok: daemon survived the hostile encode client; the good stream has its 60 pictures"
