#!/usr/bin/env bash
# Session slots and receive buffers cannot be hoarded: clients idle before
# or after HELLO (trickling a byte a second or silent), messages stalled
# after their header, and one uid over its share are refused or dropped at
# their deadlines, while a well-behaved ffmpeg and another uid are served.
# The daemon runs with deadlines of 2 s so that the test is quick.
# Usage: hostile_slots.sh HOSTILE_SLOTS CLIP
source "$(dirname "$0")/lib.sh"
prog=${1:?usage: hostile_slots.sh HOSTILE_SLOTS CLIP}
clip=${2:?usage: hostile_slots.sh HOSTILE_SLOTS CLIP}
per=20
start_daemon --engine sw --max-sessions 24 --max-sessions-per-client $per --hello-timeout 2 \
    --message-timeout 2 --idle-timeout 2 --max-memory 160
if [ "$(id -u)" = 0 ]; then
    # The uid-quota case connects as nobody too.
    chmod 0711 "$e2e_tmp"
    chmod 0666 "$VIVAC_SOCKET"
fi
LD_PRELOAD= "$prog" "$VIVAC_SOCKET" $per || {
    tail -30 "$e2e_tmp/vivacd.log"; echo "FAIL: hostile slot cases"; exit 1; }
daemon_alive || { echo "FAIL: vivacd died"; exit 1; }

# 64 idle clients again, while ffmpeg tries to decode: it is refused while
# they hold the slots, and must be served within a few seconds (their
# deadlines), well before any 10 s default would let them go.
if command -v ffmpeg >/dev/null 2>&1; then
    ensure_display
    use_vivac_driver
    sw_framemd5 "$clip" >"$e2e_tmp/ref.md5"
    (rc=0; LD_PRELOAD= "$prog" "$VIVAC_SOCKET" $per --hoard >"$e2e_tmp/hoard.log" 2>&1 || rc=$?
     echo $rc >"$e2e_tmp/hoard.rc") &
    hoard_pid=$!
    sleep 0.5
    start=$SECONDS served=no
    while [ $((SECONDS - start)) -lt 6 ]; do
        if vivac_framemd5 "$clip" >"$e2e_tmp/got.md5" 2>"$e2e_tmp/ffmpeg.log" &&
            [ -s "$e2e_tmp/got.md5" ] && cmp -s "$e2e_tmp/ref.md5" "$e2e_tmp/got.md5"; then
            served=yes; break
        fi
        sleep 0.3
    done
    wait $hoard_pid
    cat "$e2e_tmp/hoard.log"
    [ "$served" = yes ] || { tail -5 "$e2e_tmp/ffmpeg.log"; tail -20 "$e2e_tmp/vivacd.log"
        echo "FAIL: ffmpeg not served within 6 s of 64 idle clients"; exit 1; }
    [ "$(cat "$e2e_tmp/hoard.rc")" = 0 ] || { echo "FAIL: hoarders"; exit 1; }
    echo "ok - ffmpeg decodes bit-exact $((SECONDS - start)) s after 64 idle clients came"
else
    echo "ok - # SKIP ffmpeg decode next to idle clients (no ffmpeg)"
fi
daemon_alive || { echo "FAIL: vivacd died"; exit 1; }
stop_daemon
echo "ok: session slots and receive buffers cannot be hoarded"
