# Shared helpers for the end-to-end tests (sourced, not run).
# Environment: VIVAC_BUILD = meson build dir (default: ./build).
set -euo pipefail

VIVAC_BUILD=${VIVAC_BUILD:-$(pwd)/build}
VIVACD=$VIVAC_BUILD/src/host/vivacd
VIVAC=$VIVAC_BUILD/tools/vivac
DRIVER_DIR=$VIVAC_BUILD/src/guest
SKIP=77   # meson's "skipped" exit code
# The tests never read the machine's configuration (/etc/vivac): a daemon
# they start has --config where it needs one.
export VIVAC_CONFIG=none

e2e_tmp=$(mktemp -d /tmp/vivac-e2e.XXXXXX)
e2e_pids=()
e2e_cleanup() {
    local pid
    for pid in "${e2e_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${e2e_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$e2e_tmp"
}
trap e2e_cleanup EXIT

need() {
    command -v "$1" >/dev/null 2>&1 || { echo "SKIP: $1 not installed"; exit $SKIP; }
}

# Gives the VA display a home: ffmpeg/vainfo/mpv use X11 when there is no
# /dev/dri, so start a private Xvfb unless DISPLAY already works.
# ensure_display tcp: always a private Xvfb that also listens on TCP, for
# clients in another root (mpv_vo_vaapi.sh's guest root), which reach it as
# 127.0.0.1:N (DISPLAY_TCP) since its socket is outside their /tmp.
ensure_display() {
    local listen=(-nolisten tcp)
    if [ "${1:-}" = tcp ]; then
        listen=(-listen tcp)
    elif [ -n "${DISPLAY:-}" ] && xdpyinfo >/dev/null 2>&1; then
        return
    fi
    need Xvfb
    local n
    for n in $(seq 90 140); do
        [ -e /tmp/.X11-unix/X$n ] || [ -e /tmp/.X$n-lock ] && continue
        Xvfb ":$n" "${listen[@]}" -screen 0 320x240x24 >/dev/null 2>&1 &
        e2e_pids+=($!)
        export DISPLAY=":$n" DISPLAY_TCP="127.0.0.1:$n"
        for _ in $(seq 50); do
            [ -e /tmp/.X11-unix/X$n ] && return
            sleep 0.1
        done
    done
    echo "cannot start Xvfb"; exit 1
}

# make_record_dir PATH: a --record directory the daemon's workers can write
# (started as root, they run as an unprivileged user: docs/deployment.md).
make_record_dir() {
    chmod 0711 "$e2e_tmp"
    mkdir -p "$1"
    chmod 1777 "$1"
}

# record_trace CLIP: ffmpeg decodes CLIP through a private `vivacd --engine
# sw --record`; sets `trace` to the one trace file that session left.
record_trace() {
    need ffmpeg
    [ -s "$1" ] || { echo "missing clip $1"; exit 1; }
    ensure_display
    make_record_dir "$e2e_tmp/rec"
    start_daemon --engine sw --record "$e2e_tmp/rec"
    use_vivac_driver
    vivac_framemd5 "$1" >/dev/null 2>"$e2e_tmp/ffmpeg.log" ||
        { cat "$e2e_tmp/ffmpeg.log"; echo "FAIL: ffmpeg through vivac"; exit 1; }
    stop_daemon
    unset LD_PRELOAD
    local traces=("$e2e_tmp"/rec/session-*.vtrace)
    [ "${#traces[@]}" -eq 1 ] && [ -s "${traces[0]}" ] ||
        { ls -l "$e2e_tmp/rec"; echo "FAIL: want one trace, got ${#traces[@]}"; exit 1; }
    trace=${traces[0]}
}

# start_daemon [vivacd args...]: runs a private daemon, exports VIVAC_SOCKET.
# VIVACD_ENV (optional): "NAME=VALUE ..." the daemon and its workers run
# with besides (vaapi_chain.sh: the VA driver of the vaapi engine).
start_daemon() {
    export VIVAC_SOCKET=$e2e_tmp/vivacd.sock
    local daemon_env=()
    [ -n "${VIVACD_ENV:-}" ] && read -ra daemon_env <<<"$VIVACD_ENV"
    env "${daemon_env[@]}" "$VIVACD" --socket "$VIVAC_SOCKET" "$@" 2>"$e2e_tmp/vivacd.log" &
    VIVACD_PID=$!
    e2e_pids+=($VIVACD_PID)
    wait_socket "$VIVAC_SOCKET" "$VIVACD_PID" "$e2e_tmp/vivacd.log"
}

# wait_socket SOCKET PID LOG: waits up to 5 s for the daemon PID to create
# SOCKET; fails (showing LOG) if it dies first or never does.
wait_socket() {
    for _ in $(seq 100); do
        [ -S "$1" ] && return
        kill -0 "$2" 2>/dev/null || { cat "$3"; echo "vivacd died"; exit 1; }
        sleep 0.05
    done
    echo "vivacd did not create $1"; exit 1
}

# Stops the daemon with SIGTERM and fails the test unless it exits cleanly
# (under sanitizers a leak or error report makes the exit status non-zero).
stop_daemon() {
    kill -TERM "$VIVACD_PID" 2>/dev/null || { echo "FAIL: vivacd was not running"; exit 1; }
    local rc=0
    wait "$VIVACD_PID" || rc=$?
    if [ "$rc" -ne 0 ]; then
        tail -40 "$e2e_tmp/vivacd.log"
        echo "FAIL: vivacd exited with status $rc on SIGTERM"; exit 1
    fi
}

daemon_alive() {
    kill -0 "$VIVACD_PID" 2>/dev/null
}

# The pid of the daemon's worker for ROLE (uid:N, vm:NAME, cid:N), if it
# runs. Never fails: under set -e a failure in $(...) would run the EXIT
# trap (e2e_cleanup) in that subshell. Without the sanitizer runtimes that
# use_vivac_driver preloads (pgrep deadlocks under them).
worker_pid() {
    { LD_PRELOAD= pgrep -P "$VIVACD_PID" -f -- "--worker $1 " || true; } | head -1
}

# Waits up to 5 s for the worker of ROLE and prints its pid.
wait_worker() {
    local pid
    for _ in $(seq 100); do
        pid=$(worker_pid "$1")
        [ -n "$pid" ] && { echo "$pid"; return; }
        sleep 0.05
    done
    tail -20 "$e2e_tmp/vivacd.log" >&2
    echo "FAIL: no worker $1" >&2
    return 1
}

use_vivac_driver() {
    export LIBVA_DRIVER_NAME=vivac LIBVA_DRIVERS_PATH=$DRIVER_DIR
    # The guest side runs inside uninstrumented programs (ffmpeg, mpv): under
    # a sanitizer build preload its runtime so the driver can load.
    # Leaks of those programs themselves are not ours to report.
    if [ -n "${VIVAC_CLIENT_PRELOAD:-}" ]; then
        export LD_PRELOAD=$VIVAC_CLIENT_PRELOAD ASAN_OPTIONS=detect_leaks=0
    fi
}

# use_guest_root: the test's VA clients are Debian 13's, run with chroot in
# the root guest_root.sh makes (VIVAC_E2E_GUEST_ROOT, default
# /var/cache/vivac-tests/debian13; skips where there is none or without
# root). Call it before start_daemon: it moves e2e_tmp into the root, so
# that the daemon's socket, the driver it copies there and the files the
# test puts there are seen from inside at GUEST_TMP, and starts an Xvfb
# that the root reaches over TCP. Sets IN_GUEST, the command that runs a
# program of the root as a VA client of vivac (under the sanitizers, with
# their runtimes and a /proc of its own, which ASan needs), and IN_ROOT,
# one that runs it plainly (the references).
use_guest_root() {
    local root=${VIVAC_E2E_GUEST_ROOT:-/var/cache/vivac-tests/debian13}
    [ -f "$root/etc/vivac-guest-root" ] ||
        { echo "SKIP: no Debian 13 root at $root (tests/e2e/guest_root.sh $root)"; exit $SKIP; }
    [ "$(id -u)" = 0 ] || { echo "SKIP: chroot needs root"; exit $SKIP; }
    rm -rf "$e2e_tmp"
    e2e_tmp=$(mktemp -d "$root/tmp/vivac-e2e.XXXXXX")
    GUEST_TMP=${e2e_tmp#"$root"}
    cp "$DRIVER_DIR/vivac_drv_video.so" "$e2e_tmp/"
    local lib preload= into_root=(chroot "$root")
    for lib in ${VIVAC_CLIENT_PRELOAD:+${VIVAC_CLIENT_PRELOAD//:/ }}; do
        cp "$lib" "$e2e_tmp/" && preload+=${preload:+:}$GUEST_TMP/$(basename "$lib")
    done
    if [ -n "$preload" ]; then
        unshare --mount-proc="$root/proc" true 2>/dev/null ||
            { echo "SKIP: the sanitizers' runtime needs /proc in the root, and unshare cannot mount it"
              exit $SKIP; }
        into_root=(unshare --mount-proc="$root/proc" chroot "$root")
    fi
    ensure_display tcp
    IN_ROOT=(env LD_PRELOAD= chroot "$root")
    IN_GUEST=(env LD_PRELOAD= "${into_root[@]}" env DISPLAY="$DISPLAY_TCP"
              LIBVA_DRIVER_NAME=vivac LIBVA_DRIVERS_PATH="$GUEST_TMP"
              VIVAC_SOCKET="$GUEST_TMP/vivacd.sock" LD_PRELOAD="$preload"
              ASAN_OPTIONS=detect_leaks=0)
}

# md5s: the MD5 column of ffmpeg's framemd5 output on stdin, one a line.
md5s() { grep -v '^#' | awk -F', ' '{print $NF}'; }

# Frame hashes of a clip decoded by ffmpeg in software (the reference).
# Optional second argument: the pixel format compared (nv12, or p010le for
# 10-bit clips); optional third: "full" keeps full range (JPEG decodes to
# yuvj420p: -pix_fmt nv12 alone would convert it to limited range, while a
# VA surface holds the decoded samples as they are); optional fourth:
# decoder options for the reference (MPEG-4 Part 2: "-threads 1", "-idct
# simple", see decode_clip.sh).
sw_framemd5() {
    local vf=null
    [ "${3:-}" = full ] && vf=scale=out_range=full
    # shellcheck disable=SC2086 # $4: decoder options, word-split on purpose
    ffmpeg -nostdin -v error ${4:-} -i "$1" -vf "$vf" -pix_fmt "${2:-nv12}" -f framemd5 - | grep -v '^#' |
        awk -F, '{print $NF}'
}

# ref_got_formats PIX_FMT: sets ref_fmt and got_fmt, the pixel formats a
# reference decode and a download through vivac are hashed in. Y210: FFmpeg
# 5.1's swscale reads y210le but cannot write it, so the download is
# converted to yuv422p10le (each sample shifted down 6 bits: exact) and the
# reference decoded to yuv422p10le.
ref_got_formats() {
    ref_fmt=$1 got_fmt=$1
    if [ "$1" = y210 ]; then
        ref_fmt=yuv422p10le got_fmt="y210,format=yuv422p10le"
    fi
}

# Frame hashes of a clip decoded through vivac, downloaded as pixel format $2
# (default nv12; p010le for 10-bit). hwaccel_output_format vaapi +
# hwdownload makes ffmpeg fail instead of silently decoding in software.
# AV1 goes through FFmpeg's own decoder (av1), the one with a VA hwaccel:
# ffmpeg's default for AV1 is libdav1d, which has none.
vivac_framemd5() {
    local dec=()
    [ "$(clip_codec "$1")" = av1 ] && dec=(-c:v av1)
    ffmpeg -nostdin -v error -init_hw_device vaapi=va:,connection_type=x11 \
        -hwaccel vaapi -hwaccel_device va -hwaccel_output_format vaapi \
        "${dec[@]}" -i "$1" -vf "hwdownload,format=${2:-nv12}" -f framemd5 - | grep -v '^#' |
        awk -F, '{print $NF}'
}

# fake_nvdec_trace CLIP (H.264, 352x288): skips unless vivacd has fake CUDA
# (a test build with nvdec: VIVAC_TEST_FAKE_NVDEC), records CLIP's trace
# (record_trace) and turns the fake on for the daemons started next.
fake_nvdec_trace() {
    if ! grep -qa "VIVAC_TEST_FAKE_NVDEC" "$VIVACD"; then
        echo "SKIP: vivacd built without -Dtest_hooks or without the nvdec engine"; exit $SKIP
    fi
    record_trace "$1"
    # record_trace's ffmpeg ran without leak checks; vivacd and vivac keep them.
    unset ASAN_OPTIONS
    export VIVAC_TEST_FAKE_NVDEC=352x288
}

# replay_md5 NAME [args]: replays $trace (record_trace) against the running
# daemon with --md5; the pictures' MD5s to $e2e_tmp/NAME.md5; fails unless
# every reply was OK.
replay_md5() {
    local name=$1; shift
    timeout 120 "$VIVAC" replay --socket "$VIVAC_SOCKET" --md5 "$@" "$trace" \
        >"$e2e_tmp/$name.txt" 2>"$e2e_tmp/$name.err" ||
        { cat "$e2e_tmp/$name.txt" "$e2e_tmp/$name.err"; tail -30 "$e2e_tmp/vivacd.log";
          echo "FAIL: replay $name"; exit 1; }
    grep -q '^non-OK replies: 0; differing from the trace: 0; readback errors: 0$' \
        "$e2e_tmp/$name.txt" ||
        { cat "$e2e_tmp/$name.txt"; echo "FAIL: replay $name: not every reply OK"; exit 1; }
    grep '^stream 0 frame ' "$e2e_tmp/$name.txt" | awk '{print $5}' >"$e2e_tmp/$name.md5"
}

# sw_replay_md5: replays $trace (record_trace) on vivac replay's own sw
# engine; the pictures' MD5s to $e2e_tmp/sw.md5 and their count to $n;
# fails on an error or no picture.
sw_replay_md5() {
    "$VIVAC" replay "$trace" --engine sw --md5 >"$e2e_tmp/sw.txt" 2>"$e2e_tmp/sw.err" ||
        { cat "$e2e_tmp/sw.txt" "$e2e_tmp/sw.err"; echo "FAIL: sw replay"; exit 1; }
    grep '^stream 0 frame ' "$e2e_tmp/sw.txt" | awk '{print $5}' >"$e2e_tmp/sw.md5"
    n=$(wc -l <"$e2e_tmp/sw.md5")
    [ "$n" -gt 0 ] || { cat "$e2e_tmp/sw.txt"; echo "FAIL: sw decoded no picture"; exit 1; }
}

# corrupt_clip IN OUT: IN with 200 bytes flipped after the first 2000 (the
# parameter sets stay intact), for decode errors on the host.
corrupt_clip() {
    python3 - "$1" "$2" <<'PY'
import random, sys
data = bytearray(open(sys.argv[1], "rb").read())
rng = random.Random(1)
for _ in range(200):
    data[rng.randrange(2000, len(data))] ^= 0xff
open(sys.argv[2], "wb").write(data)
PY
}

# expect_decode_error CLIP: ffmpeg through vivac (vivac_framemd5) on CLIP
# corrupted (corrupt_clip) must fail at vaSyncSurface with a decode error;
# its messages stay in $e2e_tmp/ffmpeg.log.
expect_decode_error() {
    corrupt_clip "$1" "$e2e_tmp/corrupt.264"
    if vivac_framemd5 "$e2e_tmp/corrupt.264" >/dev/null 2>"$e2e_tmp/ffmpeg.log"; then
        echo "FAIL: ffmpeg reported no error for a corrupted clip"; exit 1
    fi
    grep -E "Failed to sync surface .*decoding error" "$e2e_tmp/ffmpeg.log" ||
        { cat "$e2e_tmp/ffmpeg.log"; echo "FAIL: no vaSyncSurface decode error reached ffmpeg"; exit 1; }
}

# wait_log REGEX FILE: waits up to 5 s for a line of FILE (a daemon's log)
# to match REGEX (grep -E); fails if none does.
wait_log() {
    for _ in $(seq 100); do
        grep -Eq "$1" "$2" && return
        sleep 0.05
    done
    return 1
}

# start_chain_inner PRELOAD: the inner daemon of a vaapi chain
# (vaapi_chain.sh): vivacd --engine sw on $e2e_tmp/inner/vivacd.sock, which
# the outer daemon's workers (an unprivileged user when started as root)
# may reach; sets inner_pid, and VIVACD_ENV for the outer daemon (then
# start_daemon --engine vaapi --vaapi-device /dev/null): vivac's own driver
# as its VA driver, talking to the inner daemon, on /dev/null passed off as
# a render node by PRELOAD (fake_render_node.c).
start_chain_inner() {
    local inner=$e2e_tmp/inner
    chmod 0711 "$e2e_tmp"
    mkdir -p -m 0711 "$inner"
    rm -f "$inner/vivacd.sock"
    # Its own directory: its admin socket lies beside its socket.
    "$VIVACD" --socket "$inner/vivacd.sock" --socket-mode 0666 --engine sw 2>"$e2e_tmp/inner.log" &
    inner_pid=$!
    e2e_pids+=($inner_pid)
    wait_socket "$inner/vivacd.sock" "$inner_pid" "$e2e_tmp/inner.log"
    # Under a sanitizer build the runtimes come first (the preload library
    # is instrumented too).
    VIVACD_ENV="LD_PRELOAD=${VIVAC_CLIENT_PRELOAD:+$VIVAC_CLIENT_PRELOAD:}$1"
    VIVACD_ENV+=" LIBVA_DRIVER_NAME=vivac LIBVA_DRIVERS_PATH=$DRIVER_DIR"
    VIVACD_ENV+=" VIVAC_SOCKET=$inner/vivacd.sock"
}

# start_test_daemon [vivacd args...]: start_daemon on the engine the test
# runs against: sw, or where VIVAC_E2E_VAAPI_CHAIN names the
# fake_render_node library, the vaapi engine of a chain (start_chain_inner),
# so that one suite runs against both (e2e_hostile_vaapi_chain).
start_test_daemon() {
    if [ -n "${VIVAC_E2E_VAAPI_CHAIN:-}" ]; then
        start_chain_inner "$VIVAC_E2E_VAAPI_CHAIN"
        start_daemon --engine vaapi --vaapi-device /dev/null "$@"
        unset VIVACD_ENV
    else
        start_daemon --engine sw "$@"
    fi
}

# try_escape ESCAPE [vivacd args...] (a test build: -Dtest_hooks): starts a
# daemon whose workers try ESCAPE right after locking their sandbox
# (VIVAC_TEST_ESCAPE, src/host/sandbox_escape.c), starts one worker, and
# sets $outcome to how the attempt ended: "refused", "sigsys" or
# "SUCCEEDED" (or "daemon-died", "nothing").
try_escape() {
    local escape=$1; shift
    VIVAC_TEST_ESCAPE=$escape start_daemon "$@"
    "$VIVAC" info --socket "$VIVAC_SOCKET" >/dev/null 2>&1 || true
    outcome=""
    for _ in $(seq 100); do
        if grep -q "test escape .*: SUCCEEDED" "$e2e_tmp/vivacd.log"; then outcome=SUCCEEDED
        elif grep -q "test escape .*: refused" "$e2e_tmp/vivacd.log"; then outcome=refused
        elif grep -q "killed by signal 31" "$e2e_tmp/vivacd.log" &&
             grep -q "the sandbox refused system call" "$e2e_tmp/vivacd.log"; then outcome=sigsys
        fi
        [ -n "$outcome" ] && break
        sleep 0.05
    done
    daemon_alive || { echo "FAIL: $escape: the daemon died" >&2; outcome=daemon-died; }
    outcome=${outcome:-nothing}
}

# escape_suite "ESCAPE..." [vivacd args...]: try_escape for each, each on a
# daemon of its own; prints "ok"/"not ok" lines and fails (status 1) if one
# was not refused, or a write: escape left its file. The daemon must still
# serve after it: the next client gets a fresh worker, which tries again.
escape_suite() {
    local escapes=$1 escape detail bad=0; shift
    for escape in $escapes; do
        try_escape "$escape" "$@"
        detail=$(grep -o "test escape [^:]*:.*\(refused\|SUCCEEDED\).*\|the sandbox refused system call.*" \
                 "$e2e_tmp/vivacd.log" | head -1)
        case $outcome in
        refused|sigsys) echo "ok - $escape: $outcome ($detail)" ;;
        *) echo "not ok - $escape: $outcome ($detail)"; tail -5 "$e2e_tmp/vivacd.log"; bad=1 ;;
        esac
        if [ "${escape%%:*}" = write ] && [ -e "${escape#write:}" ]; then
            echo "not ok - $escape: a file was created"; bad=1; rm -f "${escape#write:}"
        fi
        stop_daemon
        : >"$e2e_tmp/vivacd.log"
    done
    return $bad
}

# The codec name of a clip's video stream (ffprobe's: h264, av1, ...).
clip_codec() {
    ffprobe -v error -select_streams v:0 -show_entries stream=codec_name -of csv=p=0 "$1"
}

# daemon_counted_at_least N: after stop_daemon, fails unless the sessions'
# closing lines in the daemon's log count N pictures or more (the pictures
# went through the daemon, not a fallback in the client).
daemon_counted_at_least() {
    local counted
    counted=$(grep -o 'closed: [0-9]* frames' "$e2e_tmp/vivacd.log" | awk '{n += $2} END {print n + 0}')
    [ "$counted" -ge "$1" ] ||
        { cat "$e2e_tmp/vivacd.log"; echo "FAIL: the daemon counted $counted pictures, want $1"; exit 1; }
}
