#!/usr/bin/env bash
# Containment: each client's bytes are parsed in a worker process of its
# own, so a worker that dies or hangs ends only its own client's sessions.
# Client B (uid nobody: another worker) decodes throughout and must stay
# bit-exact; client A (root) is decoding when its worker is
#   1. killed (SIGKILL), 2. sent SIGSEGV, 3. stopped (SIGSTOP: the
#   supervisor's watchdog, --worker-timeout 2, must kill it), 4. stuck in
#   one request (a test build's hook: A's worker sleeps for ever in its
#   60th END_FRAME, as a decoder in a loop would; the worker must stop
#   answering the watchdog, which kills it);
# each time A must get an error and exit within a few seconds (no hang),
# the daemon stays up, and a new client of A's uid decodes bit-exact
# through a fresh worker.
source "$(dirname "$0")/lib.sh"
need ffmpeg
need setpriv
need pgrep
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (a second client under another uid)"; exit $SKIP; }
ensure_display
hows="KILL SEGV STOP"
if grep -qa "VIVAC_TEST_HANG_FRAME" "$VIVACD"; then
    hows="$hows HANG"
    export VIVAC_TEST_HANG_FRAME=uid:0:60
else
    echo "# not a test build (-Dtest_hooks): the stuck-request case is not run"
fi
start_daemon --engine sw --worker-timeout 2
unset VIVAC_TEST_HANG_FRAME
use_vivac_driver
# B runs as nobody: it needs the socket, its output directory and the clip.
chmod 0755 "$e2e_tmp"
chmod 0666 "$VIVAC_SOCKET"
mkdir -m 0777 "$e2e_tmp/b"

clip=$e2e_tmp/clip.264
ffmpeg -nostdin -v error -f lavfi -i testsrc2=size=320x240:rate=25:duration=2 \
    -c:v libx264 -preset veryfast -g 25 -bf 2 -pix_fmt yuv420p "$clip"
clip_b=$e2e_tmp/clip_b.264           # B: 24 s at its rate, longer than the three hits
ffmpeg -nostdin -v error -f lavfi -i testsrc2=size=320x240:rate=25:duration=24 \
    -c:v libx264 -preset veryfast -g 50 -bf 2 -pix_fmt yuv420p "$clip_b"
chmod 0644 "$clip" "$clip_b"
sw_framemd5 "$clip_b" >"$e2e_tmp/ref_b.md5"
sw_framemd5 "$clip" >"$e2e_tmp/ref.md5"

vaapi=(-init_hw_device vaapi=va:,connection_type=x11 -hwaccel vaapi -hwaccel_device va
       -hwaccel_output_format vaapi)
setpriv --reuid=65534 --regid=65534 --clear-groups \
    ffmpeg -nostdin -v error -re "${vaapi[@]}" -i "$clip_b" \
    -vf hwdownload,format=nv12 -f framemd5 "$e2e_tmp/b/got.md5" 2>"$e2e_tmp/b/ffmpeg.log" &
b_pid=$!
e2e_pids+=($b_pid)

b_worker=$(wait_worker uid:65534) || exit 1

for how in $hows; do
    # A: decodes the long clip (at its rate) until something fails; -xerror
    # makes ffmpeg end at the first error.
    ffmpeg -nostdin -v error -xerror -re "${vaapi[@]}" -i "$clip_b" \
        -vf hwdownload,format=nv12 -f null - 2>"$e2e_tmp/a.log" &
    a_pid=$!
    a_worker=$(wait_worker uid:0) || exit 1
    [ "$a_worker" != "$b_worker" ] || { echo "FAIL: A and B share a worker"; exit 1; }
    sleep 1.5
    kill -0 "$a_pid" 2>/dev/null || { cat "$e2e_tmp/a.log"; echo "FAIL: A ended before the $how"; exit 1; }
    start=$(date +%s%N)
    if [ "$how" = HANG ]; then
        # Frame 60 comes about 1 s from here (25 frames/s); the watchdog then
        # needs 2-3 s more.
        for _ in $(seq 120); do kill -0 "$a_pid" 2>/dev/null || break; sleep 0.1; done
    else
        kill -"$how" "$a_worker"
    fi
    # A must end, with an error, within 8 s (the watchdog alone takes 2-3 s).
    for _ in $(seq 80); do kill -0 "$a_pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$a_pid" 2>/dev/null; then
        kill -KILL "$a_pid"; echo "FAIL: $how: A still runs 8 s after its worker was hit"; exit 1
    fi
    rc=0; wait "$a_pid" || rc=$?
    took=$(( ($(date +%s%N) - start) / 1000000 ))
    [ "$rc" -ne 0 ] || { echo "FAIL: $how: A exited 0: its decode failed silently"; exit 1; }
    daemon_alive || { tail -20 "$e2e_tmp/vivacd.log"; echo "FAIL: $how took the daemon down"; exit 1; }
    kill -0 "$b_pid" 2>/dev/null || { cat "$e2e_tmp/b/ffmpeg.log"; echo "FAIL: $how: B ended"; exit 1; }
    [ "$(worker_pid uid:65534)" = "$b_worker" ] || { echo "FAIL: $how: B's worker changed"; exit 1; }
    # The end is logged when vivacd reaps the worker (its next tick): a
    # killed worker leaves pgrep's sight (a zombie has no command line)
    # before that. (Under AddressSanitizer a SIGSEGV ends the worker with
    # ASan's report and status 1.)
    ended="worker uid:0 (pid $a_worker) \(was killed by signal\|exited with status [1-9]\)"
    for _ in $(seq 50); do grep -q "$ended" "$e2e_tmp/vivacd.log" && break; sleep 0.1; done
    grep -q "$ended" "$e2e_tmp/vivacd.log" ||
        { tail -20 "$e2e_tmp/vivacd.log"; echo "FAIL: $how: no log of the worker's end"; exit 1; }
    echo "ok - $how of A's worker (pid $a_worker): A failed with status $rc after $took ms;" \
         "B decodes on, the daemon is up"
    # A new client of A's uid: a fresh worker, bit-exact.
    vivac_framemd5 "$clip" >"$e2e_tmp/again.md5" 2>"$e2e_tmp/again.log" ||
        { cat "$e2e_tmp/again.log"; echo "FAIL: $how: A's next client failed"; exit 1; }
    cmp -s "$e2e_tmp/ref.md5" "$e2e_tmp/again.md5" ||
        { echo "FAIL: $how: A's next client is not bit-exact"; exit 1; }
    echo "ok - $how: a new client of uid 0 decodes bit-exact ($(wc -l <"$e2e_tmp/ref.md5") frames)"
done
# A stopped worker may be caught holding its grant of the engine (the
# scheduler's check) before its ping is overdue: either names it.
watchdog="worker uid:0 (pid [0-9]*) \(left a ping unanswered\|held the engine for a decode over\)"
[ "$(grep -c "$watchdog" "$e2e_tmp/vivacd.log")" = "$(wc -w <<<"${hows/KILL SEGV/}")" ] ||
    { grep "$watchdog" "$e2e_tmp/vivacd.log"; echo "FAIL: the watchdog did not name the stopped/stuck worker"; exit 1; }
if [[ $hows == *HANG* ]]; then
    grep -q "vivacd\[uid:0\]: error: a request of connection [0-9]* has been handled for" \
        "$e2e_tmp/vivacd.log" || { echo "FAIL: the stuck worker did not say why"; exit 1; }
fi

rc=0; wait "$b_pid" || rc=$?
[ "$rc" -eq 0 ] || { cat "$e2e_tmp/b/ffmpeg.log"; echo "FAIL: B exited with status $rc"; exit 1; }
grep -v '^#' "$e2e_tmp/b/got.md5" | awk -F, '{print $NF}' >"$e2e_tmp/got_b.md5"
cmp -s "$e2e_tmp/ref_b.md5" "$e2e_tmp/got_b.md5" ||
    { echo "FAIL: B's $(wc -l <"$e2e_tmp/got_b.md5") frames differ from the reference"; exit 1; }
echo "ok - B (uid nobody, its own worker) decoded $(wc -l <"$e2e_tmp/ref_b.md5") frames bit-exact throughout"
stop_daemon
echo "PASS: a worker's crash, kill or hang ends only its own client's sessions"
