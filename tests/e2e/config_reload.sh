#!/usr/bin/env bash
# vivacd --config with a VM directory (src/host/config_file.h, vm_set.h),
# changed while a VM decodes:
# (a) a bad configuration at start: exit 2, FILE:LINE on stderr; a VM both
#     in a file and on the command line: exit 2 naming both places;
# (b) VM a (a file) decodes paced for ~8 s (`vivac replay --vm-socket
#     --md5`), every picture equal to the same replay's on the local socket;
#     a's worker is the same process from start to end: no reload touches it;
# (c) meanwhile b's file is added + SIGHUP: b's socket and region appear
#     and b decodes bit-exact; b's file removed + `vivac reload`: b's socket
#     is gone, b's worker and its running session end, so do its metrics,
#     its region is left;
#     added again with `vivac reload` at weight 3, then weight 5 in its file
#     + reload: the admin "metrics" show vivac_vm_weight{vm="b"} 5, b's
#     worker was not restarted by the QoS change;
# (d) a bad file at reload (`vivac reload`, and SIGHUP): refused with its
#     FILE:LINE, nothing changes (c not served, b and a still are);
# (e) b's file renamed (same socket): the new VM takes the listening socket
#     over; its socket path changed: the old socket is gone, the new serves;
# (f) a new VM whose socket cannot be made: the reload is refused, another
#     VM added by it is undone (its socket and the region it made removed);
# (g) a kept VM's socket mode that cannot be set is a warning in the reply.
# Usage: config_reload.sh CLIP
source "$(dirname "$0")/lib.sh"
clip=${1:?usage: config_reload.sh CLIP}
need python3
t=$e2e_tmp
etc=$t/etc
mkdir -p "$etc/vms.d"
fail() { tail -30 "$t/vivacd.log" 2>/dev/null; echo "FAIL: $*"; exit 1; }

# (a) refused at start, before any socket.
printf '# test\nvm-socket-mode = 0660\n' >"$etc/vivacd.conf"
printf 'control-socket = %s\nregion = %s\nregion-size = 100\n' "$t/a.sock" "$t/a.shm" \
    >"$etc/vms.d/a.conf"
rc=0
out=$("$VIVACD" --engine sw --socket "$t/never.sock" --config "$etc/vivacd.conf" 2>&1) || rc=$?
[ $rc = 2 ] && grep -qF "$etc/vms.d/a.conf:3: region-size: \"100\" MiB: want a power of two" <<<"$out" ||
    fail "(a) a bad region-size at start: exit $rc: $out"
[ ! -e "$t/never.sock" ] && [ ! -e "$t/a.sock" ] || fail "(a) the daemon started"
printf 'control-socket = %s\nregion = %s\nregion-size = 8\n' "$t/a.sock" "$t/a.shm" \
    >"$etc/vms.d/a.conf"
rc=0
out=$("$VIVACD" --engine sw --socket "$t/never.sock" --config "$etc/vivacd.conf" \
    --vm "a2:$t/a.sock" 2>&1) || rc=$?
[ $rc = 2 ] && grep -qF "vivacd: --vm: VM a2: the control socket $t/a.sock is also VM a's ($etc/vms.d/a.conf:1)" <<<"$out" ||
    fail "(a) a VM in a file and on the command line: exit $rc: $out"
echo "ok: (a) a bad file or a clash with --vm refuses to start, naming FILE:LINE"

record_trace "$clip"
admin=$t/admin.sock
start_daemon --engine sw --config "$etc/vivacd.conf" --admin "$admin"
for _ in $(seq 100); do [ -S "$t/a.sock" ] && [ -S "$admin" ] && break; sleep 0.05; done
[ -S "$t/a.sock" ] || fail "(b) a's socket not there"
[ "$(stat -c %a "$t/a.sock")" = 660 ] || fail "(b) a's socket not 0660 (the main file's vm-socket-mode)"
[ "$(stat -c %s "$t/a.shm")" = 8388608 ] || fail "(b) a's region not 8 MiB"

# The reference: the same trace on the local socket.
timeout 60 "$VIVAC" replay --socket "$VIVAC_SOCKET" --md5 "$trace" >"$t/ref.txt" 2>&1 ||
    { cat "$t/ref.txt"; fail "the reference replay"; }
frames=$(grep -c '^stream 0 frame ' "$t/ref.txt" || true)
[ "$frames" -gt 0 ] || { cat "$t/ref.txt"; fail "no frames in the reference"; }
grep '^stream 0 frame ' "$t/ref.txt" | awk '{print $5}' >"$t/ref.md5"

# replay_vm NAME SOCKET [args]: a VM's replay with --md5, in the background.
replay_vm() {
    local name=$1 sock=$2; shift 2
    timeout 120 "$VIVAC" replay --vm-socket "$sock" --md5 "$@" "$trace" >"$t/$name.txt" 2>&1 &
}
# bit_exact NAME: every picture of NAME's replay is the reference's.
bit_exact() {
    grep -q '^non-OK replies: 0; differing from the trace: 0; readback errors: 0$' "$t/$1.txt" ||
        { cat "$t/$1.txt"; fail "replay $1: not every reply OK"; }
    grep '^stream 0 frame ' "$t/$1.txt" | awk '{print $5}' >"$t/$1.md5"
    [ -s "$t/$1.md5" ] || { cat "$t/$1.txt"; fail "replay $1: no pictures"; }
    awk -v n="$frames" 'NR == FNR { ref[FNR - 1] = $1; next }
        $1 != ref[(FNR - 1) % n] { bad++ } END { exit bad > 0 }' "$t/ref.md5" "$t/$1.md5" ||
        fail "replay $1: pictures differ from the local socket's"
}
metric() { # NAME VM: the value from the admin socket's "metrics"
    python3 "$(dirname "$0")/metrics_probe.py" gauge "$admin" "$1" "$2"
}

# (b) a decodes paced at 30 frames/s for 8 s while b comes and goes.
replay_vm a "$t/a.sock" --loop 1000000 --fps 30 --duration 8
a_replay=$!
e2e_pids+=($a_replay)
a_worker=$(wait_worker vm:a)

# (c) b added by its file and SIGHUP.
printf 'control-socket = %s\nregion = %s\nregion-size = 4\n' "$t/b.sock" "$t/b.shm" \
    >"$etc/vms.d/b.conf"
kill -HUP "$VIVACD_PID"
for _ in $(seq 100); do [ -S "$t/b.sock" ] && break; sleep 0.05; done
[ -S "$t/b.sock" ] || fail "(c) SIGHUP: b's socket not there"
[ "$(stat -c %s "$t/b.shm")" = 4194304 ] || fail "(c) b's region not 4 MiB"
grep -q "info: reload (SIGHUP): 1 added, 0 removed, 0 changed, 1 unchanged" "$t/vivacd.log" ||
    fail "(c) the SIGHUP reload not logged"
grep -q "info: VM b: served ($etc/vms.d/b.conf:1)" "$t/vivacd.log" || fail "(c) b's addition not logged"
replay_vm b1 "$t/b.sock"
wait $! || { cat "$t/b1.txt"; fail "(c) b's replay after SIGHUP"; }
bit_exact b1
echo "ok: (c) b's file + SIGHUP: b served, bit-exact"

# b removed while one of its sessions runs: vivac reload.
replay_vm b2 "$t/b.sock" --loop 1000000 --fps 30 --duration 30
b2=$!
e2e_pids+=($b2)
b_worker=$(wait_worker vm:b)
sleep 0.5
rm "$etc/vms.d/b.conf"
"$VIVAC" reload --admin "$admin" >"$t/reload.txt" 2>&1 || { cat "$t/reload.txt"; fail "(c) vivac reload"; }
grep -qx "ok reloaded: 0 added, 1 removed, 0 changed, 1 unchanged" "$t/reload.txt" ||
    { cat "$t/reload.txt"; fail "(c) vivac reload's reply"; }
[ ! -e "$t/b.sock" ] || fail "(c) b's socket still there after its removal"
[ -e "$t/b.shm" ] || fail "(c) b's region was removed (it is left as is)"
for _ in $(seq 100); do kill -0 "$b_worker" 2>/dev/null || break; sleep 0.05; done
! kill -0 "$b_worker" 2>/dev/null || fail "(c) b's worker still runs"
rc=0
timeout 10 tail --pid="$b2" -f /dev/null || fail "(c) b's session did not end"
wait "$b2" || rc=$?
[ $rc != 0 ] || { cat "$t/b2.txt"; fail "(c) b's replay ended well though b was removed"; }
grep -q "warning: VM b: its file is gone: control socket $t/b.sock closed and removed; its sessions end" \
    "$t/vivacd.log" || fail "(c) b's removal not logged"
# Its scheduler class goes with its worker: no metrics of a VM that is gone.
for _ in $(seq 100); do [ -z "$(metric vivac_vm_weight b)" ] && break; sleep 0.05; done
[ -z "$(metric vivac_vm_weight b)" ] || fail "(c) the metrics still list b after its removal"
[ "$(metric vivac_vm_weight a)" = 1 ] || fail "(c) a's metrics: weight $(metric vivac_vm_weight a), want 1"
echo "ok: (c) b's file removed + vivac reload: socket gone, worker and session ended, metrics gone, region left"

# b again (vivac reload), weight 3; then weight 5 in its file: applied live.
printf 'control-socket = %s\nweight = 3\n' "$t/b.sock" >"$etc/vms.d/b.conf"
"$VIVAC" reload --admin "$admin" >"$t/reload.txt" 2>&1 || { cat "$t/reload.txt"; fail "(c) vivac reload (b again)"; }
grep -qx "ok reloaded: 1 added, 0 removed, 0 changed, 1 unchanged" "$t/reload.txt" ||
    { cat "$t/reload.txt"; fail "(c) vivac reload's reply (b again)"; }
[ -S "$t/b.sock" ] || fail "(c) b's socket not back"
[ "$(metric vivac_vm_weight b)" = 3 ] || fail "(c) b's weight in the metrics: $(metric vivac_vm_weight b), want 3"
replay_vm b3 "$t/b.sock" --loop 1000000 --fps 30 --duration 2
b3=$!
b_worker=$(wait_worker vm:b)
sed -i 's/^weight = 3$/weight = 5/' "$etc/vms.d/b.conf"
"$VIVAC" reload --admin "$admin" >"$t/reload.txt" 2>&1 || { cat "$t/reload.txt"; fail "(c) vivac reload (weight)"; }
grep -qx "ok reloaded: 0 added, 0 removed, 1 changed, 1 unchanged" "$t/reload.txt" ||
    { cat "$t/reload.txt"; fail "(c) vivac reload's reply (weight)"; }
[ "$(metric vivac_vm_weight b)" = 5 ] || fail "(c) b's weight in the metrics: $(metric vivac_vm_weight b), want 5"
[ "$(worker_pid vm:b)" = "$b_worker" ] || fail "(c) b's worker changed with its weight"
wait "$b3" || { cat "$t/b3.txt"; fail "(c) b's replay across the weight change"; }
bit_exact b3
echo "ok: (c) b back with vivac reload; its weight changed in its file shows in the metrics, its session went on"

# (d) a bad file: refused with FILE:LINE, nothing changes.
printf 'control-socket = %s\n# size\nregion-size = 100\nregion = %s\n' "$t/c.sock" "$t/c.shm" \
    >"$etc/vms.d/c.conf"
sed -i 's/^weight = 5$/weight = 7/' "$etc/vms.d/b.conf"
rc=0
"$VIVAC" reload --admin "$admin" >"$t/reload.txt" 2>&1 || rc=$?
[ $rc = 1 ] || { cat "$t/reload.txt"; fail "(d) vivac reload of a bad file: exit $rc, want 1"; }
grep -qF "error: $etc/vms.d/c.conf:3: region-size: \"100\" MiB: want a power of two" "$t/reload.txt" ||
    { cat "$t/reload.txt"; fail "(d) vivac reload did not name c.conf:3"; }
kill -HUP "$VIVACD_PID"
for _ in $(seq 100); do grep -q "reload (SIGHUP) refused" "$t/vivacd.log" && break; sleep 0.05; done
grep -qF "error: reload (SIGHUP) refused, nothing changed: $etc/vms.d/c.conf:3: region-size" "$t/vivacd.log" ||
    fail "(d) SIGHUP: the refusal not logged with c.conf:3"
[ ! -e "$t/c.sock" ] && [ ! -e "$t/c.shm" ] || fail "(d) c was served though its file is bad"
[ "$(metric vivac_vm_weight b)" = 5 ] || fail "(d) b's weight changed by a refused reload"
[ -S "$t/b.sock" ] && [ -S "$t/a.sock" ] || fail "(d) a's or b's socket gone after a refused reload"
replay_vm b4 "$t/b.sock"
wait $! || { cat "$t/b4.txt"; fail "(d) b's replay after the refused reload"; }
bit_exact b4
echo "ok: (d) a bad file at reload: refused with FILE:LINE (vivac reload exits 1, SIGHUP logs it), nothing changed"

# (e) b's file renamed b2.conf, same socket: b ends, b2 takes the socket over
# at once; then b2's socket moved: the old one is gone, the new one serves.
rm "$etc/vms.d/c.conf"
mv "$etc/vms.d/b.conf" "$etc/vms.d/b2.conf"
"$VIVAC" reload --admin "$admin" >"$t/reload.txt" 2>&1 || { cat "$t/reload.txt"; fail "(e) reload (rename)"; }
grep -qx "ok reloaded: 1 added, 1 removed, 0 changed, 1 unchanged" "$t/reload.txt" ||
    { cat "$t/reload.txt"; fail "(e) vivac reload's reply (rename)"; }
grep -q "VM b: its file is gone: control socket $t/b.sock taken over" "$t/vivacd.log" ||
    fail "(e) the take-over not logged"
replay_vm b5 "$t/b.sock"
wait $! || { cat "$t/b5.txt"; fail "(e) b2's replay on the socket it took over"; }
bit_exact b5
wait_worker vm:b2 >/dev/null || fail "(e) b2's worker did not serve b.sock"
sed -i "s|^control-socket = .*|control-socket = $t/b2.sock|" "$etc/vms.d/b2.conf"
"$VIVAC" reload --admin "$admin" >"$t/reload.txt" 2>&1 || { cat "$t/reload.txt"; fail "(e) reload (move)"; }
grep -qx "ok reloaded: 0 added, 0 removed, 1 changed, 1 unchanged" "$t/reload.txt" ||
    { cat "$t/reload.txt"; fail "(e) vivac reload's reply (move)"; }
[ ! -e "$t/b.sock" ] && [ -S "$t/b2.sock" ] || fail "(e) b2's socket did not move"
echo "ok: (e) a renamed file takes its socket over; a moved socket is closed and made anew"

# (f) all or nothing when a new VM cannot be served: d is good, e's socket
# path is a regular file: neither is served, d's socket and the region the
# reload made for it are removed again.
: >"$t/plain-file"
printf 'control-socket = %s\nregion = %s\nregion-size = 4\n' "$t/d.sock" "$t/d.shm" \
    >"$etc/vms.d/d.conf"
printf 'control-socket = %s\n' "$t/plain-file" >"$etc/vms.d/e.conf"
rc=0
"$VIVAC" reload --admin "$admin" >"$t/reload.txt" 2>&1 || rc=$?
[ $rc = 1 ] && grep -qF "error: $etc/vms.d/e.conf:1: VM e: cannot listen on $t/plain-file" "$t/reload.txt" ||
    { cat "$t/reload.txt"; fail "(f) a socket that cannot be made: exit $rc"; }
[ ! -e "$t/d.sock" ] || fail "(f) d's socket left by a refused reload"
[ ! -e "$t/d.shm" ] || fail "(f) d's region, made by the refused reload, left behind"
[ -f "$t/plain-file" ] || fail "(f) the file in e's way was touched"
[ -S "$t/b2.sock" ] && [ -S "$t/a.sock" ] || fail "(f) a's or b2's socket gone after a refused reload"
rm "$etc/vms.d/d.conf" "$etc/vms.d/e.conf"
echo "ok: (f) a VM that cannot listen refuses the whole reload; the other new VM is undone (socket and region)"

# (g) a mode that cannot be set on a kept VM's socket (gone here; re-owned
# by libvirt in practice) is said in the reply, not only in the log.
rm "$t/b2.sock"
echo "socket-mode = 0600" >>"$etc/vms.d/b2.conf"
"$VIVAC" reload --admin "$admin" >"$t/reload.txt" 2>&1 || { cat "$t/reload.txt"; fail "(g) vivac reload"; }
grep -qx "ok reloaded: 0 added, 0 removed, 1 changed, 1 unchanged; warning: VM b2: control socket $t/b2.sock: group and mode not set: No such file or directory" \
    "$t/reload.txt" || { cat "$t/reload.txt"; fail "(g) the reply does not say the mode was not set"; }
echo "ok: (g) $(cat "$t/reload.txt")"

# (b) a's decode went on throughout, in the same worker.
wait "$a_replay" || { cat "$t/a.txt"; fail "(b) a's replay"; }
bit_exact a
[ "$(worker_pid vm:a)" = "$a_worker" ] || fail "(b) a's worker changed during the reloads"
echo "ok: (b) a decoded bit-exact throughout ($(wc -l <"$t/a.md5") pictures), its worker untouched"
stop_daemon
[ ! -e "$t/a.sock" ] && [ ! -e "$t/b.sock" ] || fail "sockets left after the stop"
