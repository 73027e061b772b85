#!/usr/bin/env bash
# What an operator reads in the journal: (a) with stderr the journal (its
# device:inode in JOURNAL_STREAM, as systemd sets it) every line of the
# daemon and its workers starts with the syslog priority (<3> error, <4>
# warning, <6> info, <7> debug); with JOURNAL_STREAM naming another file,
# none does; (b) a VM's session lines name the VM; (c) `auto` falling back
# to sw on a host with a GPU device node is a warning saying why (test
# builds: VIVAC_TEST_GPU_DEVICE stands for /dev/nvidia0); (d) the signal
# that stopped the daemon and its sender's pid are logged.
source "$(dirname "$0")/lib.sh"
clip=${1:?usage: operator_logs.sh CLIP}
record_trace "$clip"

log=$e2e_tmp/journal.log
: >"$log"
fake_gpu=$e2e_tmp/nvidia0
: >"$fake_gpu"
chmod 0644 "$fake_gpu"
export VIVAC_SOCKET=$e2e_tmp/vivacd.sock
JOURNAL_STREAM=$(stat -c '%d:%i' "$log") VIVAC_TEST_GPU_DEVICE=$fake_gpu VIVAC_LOG=debug \
    "$VIVACD" --socket "$VIVAC_SOCKET" --vm "web1:$e2e_tmp/web1.sock" 2>>"$log" &
VIVACD_PID=$!
e2e_pids+=($VIVACD_PID)
for _ in $(seq 100); do [ -S "$e2e_tmp/web1.sock" ] && break; sleep 0.05; done
[ -S "$e2e_tmp/web1.sock" ] || { cat "$log"; echo "FAIL: vivacd did not start"; exit 1; }
"$VIVAC" replay --vm-socket "$e2e_tmp/web1.sock" --no-readback "$trace" >"$e2e_tmp/replay.out" 2>&1 ||
    { cat "$e2e_tmp/replay.out"; tail -20 "$log"; echo "FAIL: replay over the VM socket"; exit 1; }
# (d) SIGTERM from a process whose pid we know (exec keeps it).
sh -c 'echo $$ >"$1"; exec kill -TERM "$2"' sh "$e2e_tmp/killer.pid" "$VIVACD_PID"
wait "$VIVACD_PID" || { tail -20 "$log"; echo "FAIL: vivacd exit status on SIGTERM"; exit 1; }
killer=$(cat "$e2e_tmp/killer.pid")

fail() { echo "--- log:"; cat "$log"; echo "FAIL: $1"; exit 1; }
# (a) every line has a priority that matches its level.
bad=$(grep -cvE '^(<3>[^ ]*: error: |<4>[^ ]*: warning: |<6>[^ ]*: info: |<7>[^ ]*: debug: )' "$log" || true)
[ "$bad" = 0 ] || fail "$bad lines without the priority of their level"
grep -q '^<6>vivacd: info: listening on ' "$log" || fail "no <6> supervisor line"
grep -q '^<7>vivacd\[vm:web1\]: debug: ' "$log" || fail "no <7> worker line"
# (c) where nvdec cannot start (no CUDA driver, no GPU); where it starts,
# nothing falls back and nothing is said.
if grep -q '^<6>vivacd\[probe\]: info: engine nvdec unavailable: ' "$log"; then
    grep -q "^<4>vivacd\[probe\]: warning: engine auto: falling back to sw although this host has a GPU ($fake_gpu): nvdec unavailable: " "$log" ||
        fail "no warning for auto falling back to sw on a GPU host"
else
    ! grep -q 'engine auto: falling back' "$log" || fail "a fallback warning though nvdec started"
fi
# (b) the session's lines name the VM.
grep -q '^<6>vivacd\[vm:web1\]: info: session 1 opened: ' "$log" || fail "session line without the VM"
grep -q '^<6>vivacd\[vm:web1\]: info: session 1 closed: ' "$log" || fail "session end without the VM"
! grep -E 'session [0-9]+' "$log" | grep -qv 'vivacd\[vm:web1\]' || fail "a session line without the VM"
# (d)
grep -q "^<6>vivacd: info: shutting down: SIGTERM from pid $killer (uid $(id -u))" "$log" ||
    fail "the stop's signal and sender (pid $killer) not logged"

# Without the journal (JOURNAL_STREAM names another file): no priorities.
other=$e2e_tmp/other.log
: >"$other"
plain=$e2e_tmp/plain.log
JOURNAL_STREAM=$(stat -c '%d:%i' "$other") "$VIVACD" --engine sw --socket "$e2e_tmp/p.sock" 2>"$plain" &
pid=$!
e2e_pids+=($pid)
for _ in $(seq 100); do [ -S "$e2e_tmp/p.sock" ] && break; sleep 0.05; done
kill -TERM "$pid"
wait "$pid" || true
grep -q '^vivacd: info: listening on ' "$plain" || { cat "$plain"; echo "FAIL: plain log"; exit 1; }
! grep -q '^<' "$plain" || { cat "$plain"; echo "FAIL: a priority prefix outside the journal"; exit 1; }
echo "ok: journal priorities, VM names on session lines, auto's GPU fallback warning, the stop's sender"
