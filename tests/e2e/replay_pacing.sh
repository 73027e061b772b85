#!/usr/bin/env bash
# `vivac replay --fps/--duration/--vm-socket`, what the QoS tests build on:
# (a) one stream paced at 25 frames/s for 2 s against an idle sw daemon
#     delivers 25 frames/s (within 5 %), about 50 frames, none late, and
#     25 +- 2 of them in the window 0.5-1.5 s (--window);
# (b) a rate no daemon reaches (--fps 100000 for 1 s) makes over 90 % of the
#     frames late: lateness is counted;
# (c) as a VM (--vm-socket, link framing, inline data, no region) the trace
#     gives the MD5s it gives over the Unix socket, and 3 streams on 3 port
#     connections at once all succeed.
# Usage: replay_pacing.sh CLIP
source "$(dirname "$0")/lib.sh"
clip=${1:?usage: replay_pacing.sh CLIP}
record_trace "$clip"

vm_sock=$e2e_tmp/vm.sock
start_daemon --engine sw --vm "t:$vm_sock"
for _ in $(seq 100); do [ -S "$vm_sock" ] && break; sleep 0.05; done

# replay NAME ARGS...: runs vivac replay on the trace, output in NAME.txt;
# fails the test unless it succeeds with every reply as recorded.
replay() {
    local name=$1; shift
    "$VIVAC" replay "$@" "$trace" >"$e2e_tmp/$name.txt" 2>"$e2e_tmp/$name.err" ||
        { cat "$e2e_tmp/$name.txt" "$e2e_tmp/$name.err"; echo "FAIL: $name: replay failed"; exit 1; }
    grep -q '^non-OK replies: 0; differing from the trace: 0; readback errors: 0' "$e2e_tmp/$name.txt" ||
        { cat "$e2e_tmp/$name.txt"; echo "FAIL: $name: replies differ from the trace"; exit 1; }
    grep -v '^stream [0-9]* frame ' "$e2e_tmp/$name.txt" | sed "s/^/$name: /"
}
# paced NAME -> "frames late rate" of stream 0
paced() {
    sed -n 's/^stream 0: \([0-9]*\) frames, \([0-9.]*\) frames\/s delivered, \([0-9]*\) late .*/\1 \3 \2/p' \
        "$e2e_tmp/$1.txt"
}

# (a) An idle daemon keeps up with 25 frames/s: frames 0..49 go out in 2 s,
# 25 +- 2 of them answered in the second between 0.5 and 1.5 s (--window).
replay a --socket "$VIVAC_SOCKET" --no-readback --loop 1000 --fps 25 --duration 2 --window 0.5:1.5
read -r frames late rate <<<"$(paced a)"
[ -n "$rate" ] || { echo "FAIL: (a) no pacing line"; exit 1; }
awk -v r="$rate" 'BEGIN { exit !(r >= 23.75 && r <= 26.25) }' ||
    { echo "FAIL: (a) $rate frames/s delivered, want 25 +- 5 %"; exit 1; }
[ "$frames" -ge 48 ] && [ "$frames" -le 52 ] || { echo "FAIL: (a) $frames frames, want 50 +- 2"; exit 1; }
[ "$late" -eq 0 ] || { echo "FAIL: (a) $late frames late at 25 frames/s on an idle daemon"; exit 1; }
grep -q '^paced at 25 frames/s: ' "$e2e_tmp/a.txt" || { echo "FAIL: (a) no total pacing line"; exit 1; }
in_window=$(sed -n 's/^window 0.5-1.5 s: \([0-9]*\) frames .*/\1/p' "$e2e_tmp/a.txt")
[ -n "$in_window" ] && [ "$in_window" -ge 23 ] && [ "$in_window" -le 27 ] ||
    { echo "FAIL: (a) ${in_window:-no} frames in the window 0.5-1.5 s, want 25 +- 2"; exit 1; }
echo "ok: (a) 25 frames/s: $frames frames at $rate frames/s, none late"

# (b) Overload: almost every frame misses its deadline, and --duration still
# ends the session cleanly (the replay above checked every reply).
replay b --socket "$VIVAC_SOCKET" --no-readback --loop 1000000 --fps 100000 --duration 1
read -r frames late rate <<<"$(paced b)"
[ -n "$frames" ] && [ "$frames" -gt 0 ] || { echo "FAIL: (b) no frames"; exit 1; }
[ $((late * 100)) -gt $((frames * 90)) ] ||
    { echo "FAIL: (b) $late of $frames frames late at 100000 frames/s, want > 90 %"; exit 1; }
echo "ok: (b) 100000 frames/s: $late of $frames frames late"

# (c) A VM's port: the same pictures as over the Unix socket.
replay unix --socket "$VIVAC_SOCKET" --md5
replay vm --vm-socket "$vm_sock" --md5
grep '^stream 0 frame ' "$e2e_tmp/unix.txt" >"$e2e_tmp/unix.md5"
grep '^stream 0 frame ' "$e2e_tmp/vm.txt" >"$e2e_tmp/vm.md5"
[ -s "$e2e_tmp/unix.md5" ] || { echo "FAIL: (c) no MD5s over the Unix socket"; exit 1; }
cmp -s "$e2e_tmp/unix.md5" "$e2e_tmp/vm.md5" ||
    { diff "$e2e_tmp/unix.md5" "$e2e_tmp/vm.md5" | head -5 || true; echo "FAIL: (c) --vm-socket MD5s differ"; exit 1; }
# Three ports at once, two sessions each on its connection (new nonce).
replay vm3 --vm-socket "$vm_sock" --md5 --streams 3 --repeat 2
for s in 0 1 2; do
    grep "^stream $s frame " "$e2e_tmp/vm3.txt" | awk '{print $5}' >"$e2e_tmp/vm3_$s.md5"
    awk '{print $5}' "$e2e_tmp/unix.md5" | cat - <(awk '{print $5}' "$e2e_tmp/unix.md5") |
        cmp -s - "$e2e_tmp/vm3_$s.md5" || { echo "FAIL: (c) VM stream $s of 3 differs"; exit 1; }
done
daemon_alive || { echo "FAIL: vivacd died"; exit 1; }
stop_daemon
connected=$(grep -c 'VM t: virtio-serial port connected' "$e2e_tmp/vivacd.log" || true)
sessions=$(grep -c 'session [0-9]*: link bytes' "$e2e_tmp/vivacd.log" || true)
[ "$connected" -eq 4 ] && [ "$sessions" -eq 7 ] ||
    { echo "FAIL: (c) $connected port connections and $sessions link sessions logged, want 1 + 3 and 1 + 6"; exit 1; }
echo "ok: (c) --vm-socket: $(wc -l <"$e2e_tmp/unix.md5") pictures as over the Unix socket; 3 ports x 2 sessions at once"
