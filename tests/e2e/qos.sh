#!/usr/bin/env bash
# Sharing the engine between VMs (vivacd --qos, src/host/scheduler.h), sw
# engine, each VM played by `vivac replay --vm-socket` (its port
# connections, as QEMU's chardev makes them). Shares are compared, never
# absolute speeds, so the test holds on a slow machine:
# (w) weights 1:2:4, three VMs of 4 unpaced streams each: each VM's share of
#     the pictures within 5 % of 1/7, 2/7, 4/7, counted by the daemon's
#     metrics over a window in which all three play (the replays start and
#     end a little apart, and a VM alone on the engine takes all of it);
# (l) a VM limited to 150 pictures/s of this clip, 4 unpaced streams, alone
#     on the engine: at most 2 % above, and not far below (it is the limit,
#     not the machine, that holds it);
# (r) a VM paced at 60 frames/s with a reservation of 1.1 x that, beside a
#     VM of 8 unpaced streams of weight 100: at most 1 % of its frames late;
#     and without the reservation, far more (the test can fail).
# Usage: qos.sh CLIP
source "$(dirname "$0")/lib.sh"
clip=${1:?usage: qos.sh CLIP}
need ffprobe
record_trace "$clip"
IFS=, read -r w h < <(ffprobe -v error -show_entries stream=width,height -of csv=p=0 "$clip")
mbs=$(( ((w + 15) / 16) * ((h + 15) / 16) ))

# daemon VM... -- ARGS: a sw daemon serving the VMs named, with ARGS.
daemon() {
    local vms=() a
    while [ "$1" != -- ]; do vms+=(--vm "$1:$e2e_tmp/$1.sock"); shift; done
    shift
    start_daemon --engine sw "${vms[@]}" "$@"
    for a in "${vms[@]}"; do
        case $a in *:*) for _ in $(seq 100); do [ -S "${a#*:}" ] && break; sleep 0.05; done ;; esac
    done
}
# play VM NAME ARGS...: a replay as VM (in the background), output in NAME.txt
pids=()
play() {
    local vm=$1 name=$2; shift 2
    "$VIVAC" replay --vm-socket "$e2e_tmp/$vm.sock" --no-readback "$@" "$trace" \
        >"$e2e_tmp/$name.txt" 2>"$e2e_tmp/$name.err" &
    pids+=($!)
}
# finish: waits for the replays; each must have succeeded with every reply
# as recorded.
finish() {
    local p name
    for p in "${pids[@]}"; do wait "$p" || { echo "FAIL: a replay failed"; tail -n 3 "$e2e_tmp"/*.err; exit 1; }; done
    pids=()
    for name in "$@"; do
        grep -q '^non-OK replies: 0; differing from the trace: 0; readback errors: 0' "$e2e_tmp/$name.txt" ||
            { cat "$e2e_tmp/$name.txt"; echo "FAIL: $name: replies differ from the trace"; exit 1; }
    done
}
frames() { sed -n 's/^replay: .*, \([0-9]*\) frames in .*/\1/p' "$e2e_tmp/$1.txt"; }
seconds() { sed -n 's/^replay: .*frames in \([0-9.]*\) s:.*/\1/p' "$e2e_tmp/$1.txt"; }
late() { sed -n 's/^paced at .*: \([0-9]*\) frames, \([0-9]*\) late .*/\1 \2/p' "$e2e_tmp/$1.txt"; }

# (w) Weights.
daemon a b c -- --qos a:weight=1 --qos b:weight=2 --qos c:weight=4 \
    --metrics "unix:$e2e_tmp/metrics.sock"
for _ in $(seq 100); do [ -S "$e2e_tmp/metrics.sock" ] && break; sleep 0.05; done
counts() { python3 "$(dirname "$0")/metrics_probe.py" counts "$e2e_tmp/metrics.sock" a b c; }
for vm in a b c; do play "$vm" "w_$vm" --streams 4 --loop 1000000 --duration 7; done
sleep 1.5
read -r a0 b0 c0 < <(counts) || { echo "FAIL: (w) no metrics"; exit 1; }
sleep 4
read -r a1 b1 c1 < <(counts) || { echo "FAIL: (w) no metrics"; exit 1; }
finish w_a w_b w_c
fa=$((a1 - a0)) fb=$((b1 - b0)) fc=$((c1 - c0))
echo "weights 1:2:4: $fa, $fb, $fc pictures in 4 s with all three playing" \
    "(whole runs: $(frames w_a), $(frames w_b), $(frames w_c) frames)"
awk -v a="$fa" -v b="$fb" -v c="$fc" 'BEGIN {
    t = a + b + c; split("1 2 4", w, " "); f[1] = a; f[2] = b; f[3] = c; bad = 0
    if (t < 100) { print "  too few pictures to compare"; exit 1 }
    for (i = 1; i <= 3; i++) {
        share = f[i] / t; want = w[i] / 7
        printf "  VM %d: share %.4f, want %.4f (%+.1f %%)\n", i, share, want, (share / want - 1) * 100
        if (share < want * 0.95 || share > want * 1.05) bad = 1
    }
    exit bad }' || { echo "FAIL: (w) a share is more than 5 % off its weight"; exit 1; }
echo "ok: (w) weights 1:2:4 hold within 5 %"
stop_daemon

# (l) A limit, alone on an idle engine.
limit_fps=150
daemon l -- --qos "l:limit=$((limit_fps * mbs))"
play l lim --streams 4 --loop 1000000 --duration 4
finish lim
fl=$(frames lim) sl=$(seconds lim)
rate=$(awk -v f="$fl" -v s="$sl" 'BEGIN { printf "%.1f", f / s }')
echo "limit $limit_fps pictures/s: $fl frames in $sl s: $rate frames/s"
awk -v r="$rate" -v l="$limit_fps" 'BEGIN { exit !(r <= l * 1.02) }' ||
    { echo "FAIL: (l) $rate frames/s, above the limit of $limit_fps by more than 2 %"; exit 1; }
awk -v r="$rate" -v l="$limit_fps" 'BEGIN { exit !(r >= l * 0.9) }' ||
    { echo "FAIL: (l) $rate frames/s: the machine, not the limit, held it back"; exit 1; }
echo "ok: (l) a VM limited to $limit_fps pictures/s decodes $rate"
stop_daemon

# (r) A reservation beside a heavy neighbour; then the same without it.
reserved() { # NAME QOS-ARGS...
    local name=$1; shift
    daemon r h -- --qos h:weight=100 "$@"
    play h "${name}_h" --streams 8 --loop 1000000 --duration 6
    sleep 0.5 # the neighbour has the engine when the paced stream starts
    play r "$name" --fps 60 --loop 1000000 --duration 5
    finish "$name" "${name}_h"
    stop_daemon
}
reserved res --qos "r:reserve=$((mbs * 60 * 11 / 10))"
read -r n lt <<<"$(late res)"
echo "reserved 60 frames/s beside 8 streams of weight 100: $lt of $n frames late"
[ -n "$n" ] && [ "$n" -ge 280 ] || { echo "FAIL: (r) $n frames in 5 s at 60 frames/s"; exit 1; }
[ $((lt * 100)) -le "$n" ] || { echo "FAIL: (r) $lt of $n frames late, want at most 1 %"; exit 1; }
reserved unres
read -r n2 lt2 <<<"$(late unres)"
echo "the same without the reservation: $lt2 of $n2 frames late"
[ $((lt2 * 10)) -gt "$n2" ] ||
    { echo "FAIL: (r) without a reservation only $lt2 of $n2 frames late: the case proves nothing"; exit 1; }
echo "ok: (r) the reservation keeps a paced stream on time ($lt of $n late; $lt2 of $n2 without it)"
