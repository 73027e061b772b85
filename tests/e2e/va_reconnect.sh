#!/usr/bin/env bash
# The driver replaces a session that vivacd ended while it held nothing
# (--idle-timeout, a daemon restart) at the next call that needs the daemon;
# a session holding a surface is not ended; while the daemon is down, calls
# fail at once with one reconnect attempt per backoff period.
# Usage: va_reconnect.sh VA_RECONNECT_PROGRAM [H264_CLIP]
source "$(dirname "$0")/lib.sh"
prog=${1:?usage: va_reconnect.sh VA_RECONNECT_PROGRAM [H264_CLIP]}
clip=${2:-}
ensure_display
use_vivac_driver
export VIVAC_LOG=info
idle_msg='idle for 1000 ms with no surface and no codec (vivacd --idle-timeout)'

fail() {
    echo "FAIL: $*"
    echo "--- vivacd log"; tail -20 "$e2e_tmp/vivacd.log"
    exit 1
}

# run_case NAME ARGS...: runs the program, its stdout and driver log kept.
run_case() {
    local name=$1; shift
    local rc=0
    "$prog" "$@" >"$e2e_tmp/$name.out" 2>"$e2e_tmp/$name.err" || rc=$?
    cat "$e2e_tmp/$name.out"
    if [ "$rc" -ne 0 ]; then
        echo "--- driver log"; tail -20 "$e2e_tmp/$name.err"
        fail "$name: the VA program failed (status $rc)"
    fi
}

# 1. Idle with a config and an image, then surfaces, images, a decode.
start_daemon --engine sw --idle-timeout 1
run_case idle idle
grep -qF "$idle_msg" "$e2e_tmp/vivacd.log" || fail "idle: the daemon did not end the idle session"
grep -q "reconnected to vivacd" "$e2e_tmp/idle.err" || fail "idle: the driver did not log a reconnect"
grep -q "session with vivacd lost" "$e2e_tmp/idle.err" &&
    fail "idle: an idle session that held nothing was reported lost (an error)"
stop_daemon
echo "ok - idle: the dropped session was replaced"

# 2. A surface held through the idle period: the session stays.
start_daemon --engine sw --idle-timeout 1
run_case hold hold
grep -qF "$idle_msg" "$e2e_tmp/vivacd.log" && fail "hold: the daemon ended a session holding a surface"
grep -qE "reconnected to vivacd|session with vivacd (ended|lost)" "$e2e_tmp/hold.err" && fail "hold: the session was lost or replaced"
stop_daemon
echo "ok - hold: a session holding a surface was kept"

# 3. The daemon restarts while the application is idle.
sync=$e2e_tmp/sync
mkdir -p "$sync"
wait_sync() {
    for _ in $(seq 300); do [ -e "$sync/$1" ] && return; sleep 0.05; done
    fail "restart: the VA program never said $1"
}
start_daemon --engine sw --idle-timeout 0
"$prog" restart "$sync" >"$e2e_tmp/restart.out" 2>"$e2e_tmp/restart.err" &
prog_pid=$!
e2e_pids+=($prog_pid)
wait_sync ready
stop_daemon
touch "$sync/down"
wait_sync burst-done
start_daemon --engine sw --idle-timeout 0
touch "$sync/up"
rc=0
wait "$prog_pid" || rc=$?
cat "$e2e_tmp/restart.out"
if [ "$rc" -ne 0 ]; then
    echo "--- driver log"; tail -20 "$e2e_tmp/restart.err"
    fail "restart: the VA program failed (status $rc)"
fi
attempts=$(grep -c "cannot open a new session" "$e2e_tmp/restart.err" || true)
[ "$attempts" -ge 1 ] && [ "$attempts" -le 2 ] ||
    fail "restart: $attempts failed reconnect attempts for 201 calls (want 1, at most 2)"
grep -q "reconnected to vivacd" "$e2e_tmp/restart.err" || fail "restart: no reconnect logged"
[ "$(grep -c "reconnected to vivacd" "$e2e_tmp/restart.err")" -eq 1 ] ||
    fail "restart: the display that held a surface reconnected too"
grep -q "session with vivacd lost" "$e2e_tmp/restart.err" ||
    fail "restart: the loss of a session holding a surface was not reported as an error"
stop_daemon
echo "ok - restart: $attempts attempt(s) while down, reconnected once back; a session with a surface stays lost"

# 4. ffmpeg opens its VA device, then waits 2.5 s for its input (a pipe)
# before decoding: the frames must match a software decode.
if [ -n "$clip" ] && command -v ffmpeg >/dev/null 2>&1; then
    start_daemon --engine sw --idle-timeout 1
    sw_framemd5 "$clip" >"$e2e_tmp/ref.md5"
    (sleep 2.5; cat "$clip") |
        ffmpeg -v error -init_hw_device vaapi=va:,connection_type=x11 -hwaccel vaapi \
            -hwaccel_device va -hwaccel_output_format vaapi -f h264 -i pipe:0 \
            -vf hwdownload,format=nv12 -f framemd5 - 2>"$e2e_tmp/ffmpeg.err" |
        grep -v '^#' | awk -F, '{print $NF}' >"$e2e_tmp/got.md5" || true
    grep -qF "$idle_msg" "$e2e_tmp/vivacd.log" || fail "ffmpeg: the daemon did not end the idle session"
    grep -q "reconnected to vivacd" "$e2e_tmp/ffmpeg.err" || {
        tail -20 "$e2e_tmp/ffmpeg.err"; fail "ffmpeg: no reconnect logged"; }
    [ -s "$e2e_tmp/ref.md5" ] && cmp -s "$e2e_tmp/ref.md5" "$e2e_tmp/got.md5" || {
        tail -20 "$e2e_tmp/ffmpeg.err"
        fail "ffmpeg: $(wc -l <"$e2e_tmp/got.md5") frames decoded after the idle period, $(wc -l <"$e2e_tmp/ref.md5") expected, hashes differ"
    }
    stop_daemon
    echo "ok - ffmpeg: $(wc -l <"$e2e_tmp/ref.md5") frames decoded after the session was replaced"
else
    echo "# ffmpeg case skipped (no clip or no ffmpeg)"
fi
echo "ok: reconnect checks passed"
