#!/usr/bin/env bash
# Steering and watching the sharing of the engine while vivacd runs
# (src/host/admin.h): a sw daemon serving VMs a and b, both of weight 1,
# each played by `vivac replay --vm-socket` with 4 unpaced streams;
# --admin and --metrics unix:PATH.
# (a) `vivac set b weight=4` about 3 s in succeeds; from the pictures
#     counters sampled every 0.25 s, b's share is 0.5 (within 5 %) before
#     the set and 0.8 (within 5 %) from 1 s to 2.5 s after it: the change
#     takes effect within 1 s;
# (b) the metrics text parses with prometheus_client, every family admin.h
#     lists is there with its type, counters end in _total, a's
#     vivac_vm_pictures_total is at least the frames its replay reported;
# (c) `vivac top` in a terminal (tmux) shows the header and a row of a and
#     b with frames/s above 0, and quits on q;
# (d) `vivac set b weight=0` and `vivac set nosuch weight=2` exit 1 with
#     the daemon's reason, and the daemon keeps serving.
# Skips without tmux or python3's prometheus_client (python3-prometheus-client).
# Usage: qos_admin.sh CLIP
source "$(dirname "$0")/lib.sh"
clip=${1:?usage: qos_admin.sh CLIP}
here=$(cd "$(dirname "$0")" && pwd)
admin_h=$here/../../src/host/admin.h
need tmux
py=
for p in python3 /usr/bin/python3; do
    "$p" -c 'import prometheus_client.parser' 2>/dev/null && { py=$p; break; }
done
[ -n "$py" ] || { echo "SKIP: python3-prometheus-client not installed"; exit $SKIP; }
record_trace "$clip"

admin=$e2e_tmp/admin.sock metrics=$e2e_tmp/metrics.sock
start_daemon --engine sw --vm "a:$e2e_tmp/a.sock" --vm "b:$e2e_tmp/b.sock" \
    --admin "$admin" --metrics "unix:$metrics"
for s in a.sock b.sock admin.sock metrics.sock; do
    for _ in $(seq 100); do [ -S "$e2e_tmp/$s" ] && break; sleep 0.05; done
    [ -S "$e2e_tmp/$s" ] || { cat "$e2e_tmp/vivacd.log"; echo "FAIL: no $s"; exit 1; }
done

# A private tmux server, gone with the test.
tmux_sock=vivac-e2e-$$
tmux_() { tmux -L "$tmux_sock" "$@"; }
trap 'tmux_ kill-server 2>/dev/null || true; e2e_cleanup' EXIT

# The pictures counters every 0.25 s from before the replays start.
"$py" "$here/metrics_probe.py" sample "$metrics" 10 "$e2e_tmp/samples.txt" &
sampler=$!
e2e_pids+=("$sampler")
for _ in $(seq 100); do [ -s "$e2e_tmp/samples.txt" ] && break; sleep 0.05; done
[ -s "$e2e_tmp/samples.txt" ] || { echo "FAIL: no metrics sample"; exit 1; }
now() { date +%s.%N; }
sleep_until() { sleep "$(awk -v t="$1" -v n="$(now)" 'BEGIN { d = t - n; print (d > 0 ? d : 0) }')"; }

t0=$(now)
pids=()
for vm in a b; do
    "$VIVAC" replay --vm-socket "$e2e_tmp/$vm.sock" --no-readback --streams 4 \
        --loop 1000000 --duration 8 "$trace" >"$e2e_tmp/$vm.txt" 2>"$e2e_tmp/$vm.err" &
    pids+=($!)
done

# (c) vivac top in a 160x40 terminal while the replays run; q at 2.5 s.
tmux_ new-session -d -x 160 -y 40 \
    "'$VIVAC' top --admin '$admin' 2>'$e2e_tmp/top.err'; echo \$? >'$e2e_tmp/top.rc'"
sleep_until "$(awk -v t="$t0" 'BEGIN { printf "%.3f", t + 2.5 }')"
tmux_ capture-pane -p >"$e2e_tmp/top.txt"
tmux_ send-keys q

# (a) the weight changes 3 s in.
sleep_until "$(awk -v t="$t0" 'BEGIN { printf "%.3f", t + 3 }')"
t_set=$(now)
"$VIVAC" set b weight=4 --admin "$admin" >"$e2e_tmp/set.txt" 2>&1 ||
    { cat "$e2e_tmp/set.txt"; echo "FAIL: (a) vivac set b weight=4"; exit 1; }
cat "$e2e_tmp/set.txt"
grep -q '^ok b weight=4 ' "$e2e_tmp/set.txt" || { echo "FAIL: (a) reply not ok b weight=4"; exit 1; }

# (d) bad input, after the window of (a).
sleep_until "$(awk -v t="$t_set" 'BEGIN { printf "%.3f", t + 2.6 }')"
bad_set() { # WANT-IN-REASON ARGS...
    local want=$1 rc=0; shift
    "$VIVAC" set "$@" --admin "$admin" >"$e2e_tmp/bad.txt" 2>&1 || rc=$?
    cat "$e2e_tmp/bad.txt"
    [ "$rc" = 1 ] || { echo "FAIL: (d) vivac set $*: exit $rc, want 1"; exit 1; }
    grep -q "^error: .*$want" "$e2e_tmp/bad.txt" ||
        { echo "FAIL: (d) vivac set $*: no daemon's reason naming $want"; exit 1; }
}
bad_set weight b weight=0
bad_set nosuch nosuch weight=2
daemon_alive || { tail "$e2e_tmp/vivacd.log"; echo "FAIL: (d) vivacd died"; exit 1; }

for p in "${pids[@]}"; do
    wait "$p" || { tail -n 3 "$e2e_tmp"/*.err; echo "FAIL: a replay failed"; exit 1; }
done
wait "$sampler" || { echo "FAIL: the metrics sampler failed"; exit 1; }

# (a) b's share of the pictures before the set and from 1 s to 2.5 s after.
awk -v ts="$t_set" '
    # counters at time t, interpolated between the samples around it
    function at(t, which,   i) {
        for (i = 2; i <= n; i++)
            if (T[i] >= t)
                return C[which, i - 1] + (C[which, i] - C[which, i - 1]) * (t - T[i - 1]) / (T[i] - T[i - 1])
        return -1
    }
    function share(t0, t1, name, want,   da, db, s) {
        if (t0 < T[1] || t1 > T[n]) { printf "FAIL: (a) no samples over %s\n", name; bad = 1; return }
        da = at(t1, "a") - at(t0, "a"); db = at(t1, "b") - at(t0, "b")
        s = db / (da + db)
        printf "  %s: a %d, b %d pictures: b share %.3f, want %.2f (%+.1f %%)\n", name, da, db, s, want, (s / want - 1) * 100
        if (s < want * 0.95 || s > want * 1.05) bad = 1
    }
    { n++; T[n] = $1; C["a", n] = $2; C["b", n] = $3 }
    END {
        share(ts - 2, ts, "2 s before the set", 0.5)
        share(ts + 1, ts + 2.5, "1 s to 2.5 s after", 0.8)
        exit bad
    }' "$e2e_tmp/samples.txt" ||
    { echo "FAIL: (a) b's share is not where its weight puts it"; exit 1; }
echo "ok: (a) weight 1:1 then, 1 s after vivac set b weight=4, 1:4"

# (b) the metrics text, with the replays' frame counts.
frames_a=$(sed -n 's/^replay: .*, \([0-9]*\) frames in .*/\1/p' "$e2e_tmp/a.txt")
[ -n "$frames_a" ] || { cat "$e2e_tmp/a.txt"; echo "FAIL: no frame count from a's replay"; exit 1; }
"$py" "$here/metrics_probe.py" check "$metrics" "$admin_h" a "$frames_a" ||
    { echo "FAIL: (b) the metrics text"; exit 1; }
echo "ok: (b) prometheus_client reads every family of admin.h"

# (c) what top showed.
grep -v '^$' "$e2e_tmp/top.txt"
[ "$(cat "$e2e_tmp/top.rc" 2>/dev/null)" = 0 ] ||
    { cat "$e2e_tmp/top.err"; echo "FAIL: (c) vivac top did not quit on q with status 0"; exit 1; }
grep -q '^vivac top  ' "$e2e_tmp/top.txt" && grep -q '^engine slots [0-9]' "$e2e_tmp/top.txt" &&
    grep -q '^VM .*FRAMES/S' "$e2e_tmp/top.txt" ||
    { echo "FAIL: (c) no header in vivac top"; exit 1; }
for vm in a b; do
    awk -v vm="$vm" '$1 == vm && $3 + 0 > 0 { ok = 1 } END { exit !ok }' "$e2e_tmp/top.txt" ||
        { echo "FAIL: (c) no row of $vm with frames/s above 0 in vivac top"; exit 1; }
done
echo "ok: (c) vivac top shows a and b decoding, quits on q"
echo "ok: (d) bad settings refused with the daemon's reason, vivacd still serving"
stop_daemon
