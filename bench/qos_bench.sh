#!/usr/bin/env bash
# The decode scheduler on the GPU machine (issue 11), as root:
#   bench/qos_bench.sh BINDIR [CLIPDIR]
# BINDIR: vivacd, vivac; CLIPDIR (default BINDIR): CLIP.vtrace
# (bench/record_traces.sh) and CLIP.warm.vtrace (one picture: starts a VM's
# worker before a timed run). Every VM is played by `vivac replay
# --vm-socket` (one port connection per stream, as QEMU makes them).
#   onoff     64 unpaced streams over 16 VMs, scheduler on (default slots,
#             and SLOTS_ALT) vs off (--engine-slots 0), interleaved, REPS
#             rounds: total frames/s, ratio on/off
#   weights   3 VMs of WEIGHT_STREAMS (64) unpaced streams (each more than
#             its share of the slots), weights 1:2:4, WEIGHT_DURATION (20) s,
#             REPS rounds: shares of the frames answered in WEIGHT_WINDOW
#             (A:B seconds after the start, default the second half less
#             1 s: the decoders take seconds to create on a GPU, while no
#             scheduler decides anything), and of the whole run; the median
#             of the rounds' largest deviations
#   reserve   a VM with one stream paced at 60 frames/s and reserve=1.1x
#             1080p60, beside a VM of 64 unpaced streams: late frames,
#             END_FRAME latency p50/p99; then the same without the reservation
#   density   N VMs of one paced 1080p60 stream each, for N in DENSITY: late
#             frames (goal: <= 0.1 % at N >= 70) over the whole run and in
#             WINDOW (all the streams started; so does reserve), and the
#             slowest stream's first picture
# Results: $OUT/qos_bench (or ./qos_bench): summary.txt, results.tsv, raw/.
# Knobs: REPS=3 DURATION=8 DENSITY="60 70 75 80" SLOTS_ALT=32 CLIP=h264_1080p60
#   PARTS="onoff weights reserve density" (which of the four to run)
#   STAGGER=MS: density's streams start MS apart, as VMs start playing one
#   after another (0: all at once); the window counts from the last start;
#   DENSITY_ARGS: more vivacd options for the density runs (--engine-slots N);
#   each density run is followed by the same streams on native NVDEC
#   (BINDIR/nvdec_native --fps, CLIPDIR/CLIP.264) where both are there
#   ENGINE=nvdec (sw: a dry run of the script without a GPU).
# Skips (77) without an NVIDIA GPU.
set -uo pipefail
usage="usage: qos_bench.sh BINDIR [CLIPDIR]"
bindir=$(cd "${1:?$usage}" && pwd)
clipdir=$(cd "${2:-$1}" && pwd)
REPS=${REPS:-3}
DURATION=${DURATION:-8}
DENSITY=${DENSITY:-"60 70 75 80"}
STAGGER=${STAGGER:-0}
DENSITY_ARGS=${DENSITY_ARGS:-}
PARTS=${PARTS:-"onoff weights reserve density"}
WINDOW=${WINDOW:-$((DURATION / 2)):$((DURATION - 1))}
part() { case " $PARTS " in *" $1 "*) return 0 ;; esac; return 1; }
SLOTS_ALT=${SLOTS_ALT:-32}
# Each VM must be overloaded: more streams than its share of the slots (a
# stream has one picture on the engine at most), 4/7 of 64 for weight 4.
WEIGHT_STREAMS=${WEIGHT_STREAMS:-64}
# 192 decoders take 6-10 s to create on an H200, so weights run longer.
WEIGHT_DURATION=${WEIGHT_DURATION:-20}
WEIGHT_WINDOW=${WEIGHT_WINDOW:-$((WEIGHT_DURATION / 2)):$((WEIGHT_DURATION - 1))}
CLIP=${CLIP:-h264_1080p60}
ENGINE=${ENGINE:-nvdec}
res=${OUT:-$PWD}/qos_bench
summary=$res/summary.txt
tsv=$res/results.tsv
. "$(dirname "$0")/bench_lib.sh" # say, stats

[ "$ENGINE" = sw ] || nvidia-smi -L >/dev/null 2>&1 || { echo "no NVIDIA GPU here" >&2; exit 77; }
[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 1; }
for f in "$bindir/vivacd" "$bindir/vivac" "$clipdir/$CLIP.vtrace" "$clipdir/$CLIP.warm.vtrace"; do
    [ -e "$f" ] || { echo "missing $f" >&2; exit 1; }
done
rm -rf "$res"
mkdir -p "$res/raw"
printf 'figure\tcase\tvalue\n' >"$tsv"
: >"$summary"
work=$(mktemp -d /tmp/vivac-qos.XXXXXX)
trace=$clipdir/$CLIP.vtrace
warm=$clipdir/$CLIP.warm.vtrace
MBS_1080P60=$((120 * 68 * 60))

daemon_pid=""
cleanup() { [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid"; rm -rf "$work"; }
trap cleanup EXIT

# start NAME NVMS ARGS...: vivacd serving VMs v0..v(NVMS-1)
start() {
    local name=$1 n=$2 i vms=()
    shift 2
    for i in $(seq 0 $((n - 1))); do vms+=(--vm "v$i:$work/v$i.sock"); done
    "$bindir/vivacd" --engine "$ENGINE" --socket "$work/d.sock" --max-sessions 0 \
        --max-sessions-per-client 0 --max-client-memory 0 --max-client-gpu-memory 0 \
        "${vms[@]}" "$@" >"$res/raw/$name.vivacd.log" 2>&1 &
    daemon_pid=$!
    for _ in $(seq 600); do
        [ -S "$work/v$((n - 1)).sock" ] && return 0
        kill -0 "$daemon_pid" 2>/dev/null || break
        sleep 0.1
    done
    say "vivacd did not start ($name)"; tail -n 5 "$res/raw/$name.vivacd.log"; return 1
}
stop() { kill "$daemon_pid" 2>/dev/null; wait "$daemon_pid" 2>/dev/null; daemon_pid=""; }
# play VM NAME TRACE ARGS...: one replay as VM, in the background
pids=()
play() {
    local vm=$1 name=$2; shift 2
    "$bindir/vivac" replay --vm-socket "$work/$vm.sock" --no-readback "$@" \
        >"$res/raw/$name.txt" 2>&1 &
    pids+=($!)
}
finish() { local p rc=0; for p in "${pids[@]}"; do wait "$p" || rc=1; done; pids=(); return $rc; }
# warm N: each VM's worker started and its CUDA context made, untimed
warm_up() {
    local i
    for i in $(seq 0 $(($1 - 1))); do play "v$i" "warm_v$i" "$warm"; done
    finish || say "a warm-up replay failed"
}
frames() { sed -n 's/^replay: .*, \([0-9]*\) frames in .*/\1/p' "$res/raw/$1.txt"; }
in_window() { sed -n 's/^window [0-9.]*-[0-9.]* s: \([0-9]*\) frames .*/\1/p' "$res/raw/$1.txt"; }
window_late() { sed -n 's/^window [0-9.]*-[0-9.]* s: \([0-9]*\) frames .*, \([0-9]*\) late .*/\1 \2/p' "$res/raw/$1.txt"; }
secs() { sed -n 's/^replay: .*frames in \([0-9.]*\) s:.*/\1/p' "$res/raw/$1.txt"; }
late() { sed -n 's/^paced at .*: \([0-9]*\) frames, \([0-9]*\) late .*/\1 \2/p' "$res/raw/$1.txt"; }
latency() { sed -n 's/^END_FRAME latency: p50 \([0-9.]*\) ms, p99 \([0-9.]*\) ms.*/\1 \2/p' "$res/raw/$1.txt"; }
row() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$tsv"; }

say "# $(date -u +%FT%TZ) $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null | head -n 1) engine $ENGINE"
say "# REPS=$REPS DURATION=$DURATION DENSITY='$DENSITY' CLIP=$CLIP"

# ---- onoff -------------------------------------------------------------------
declare -A fps_of=()
onoff_reps=$REPS
part onoff || onoff_reps=0
for r in $(seq "$onoff_reps"); do
    for mode in off on on_alt; do
        case $mode in
            off) args=(--engine-slots 0) ;;
            on) args=() ;;
            on_alt) args=(--engine-slots "$SLOTS_ALT") ;;
        esac
        start "onoff_${mode}_r$r" 16 "${args[@]}" || continue
        warm_up 16
        t0=$(date +%s.%N)
        for i in $(seq 0 15); do play "v$i" "onoff_${mode}_r${r}_v$i" "$trace" --streams 4 --loop 1000000 --duration "$DURATION"; done
        finish || say "FAILED: a replay of onoff $mode r$r"
        t1=$(date +%s.%N)
        total=0
        for i in $(seq 0 15); do f=$(frames "onoff_${mode}_r${r}_v$i"); total=$((total + ${f:-0})); done
        fps=$(awk -v f="$total" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", f / (b - a) }')
        fps_of[$mode]+=" $fps"
        row "frames_per_s" "onoff_$mode" "$fps"
        stop
    done
done
part onoff &&
for mode in off on on_alt; do
    read -r m s <<<"$(printf '%s\n' ${fps_of[$mode]} | stats 1)"
    say "throughput, 64 streams over 16 VMs, scheduler $mode: median $m frames/s, spread $s % (${fps_of[$mode]# })"
done
if part onoff; then
on=(${fps_of[on]}) off=(${fps_of[off]}) alt=(${fps_of[on_alt]})
ratios="" ratios_alt=""
for i in "${!off[@]}"; do
    ratios+=" $(awk -v a="${on[$i]:-0}" -v b="${off[$i]}" 'BEGIN { printf "%.3f", a / b }')"
    ratios_alt+=" $(awk -v a="${alt[$i]:-0}" -v b="${off[$i]}" 'BEGIN { printf "%.3f", a / b }')"
done
read -r m s <<<"$(printf '%s\n' $ratios | stats 3)"
say "ratio on/off (pair by pair): median $m, spread $s % ($ratios )"
row "ratio_on_off" "default_slots" "$m"
read -r m s <<<"$(printf '%s\n' $ratios_alt | stats 3)"
say "ratio on/off with --engine-slots $SLOTS_ALT: median $m, spread $s % ($ratios_alt )"
row "ratio_on_off" "slots_$SLOTS_ALT" "$m"
fi

# ---- weights -------------------------------------------------------------------
shares() { # LABEL F0 F1 F2: prints the shares; the largest deviation (%) to stdout's last line
    say "weights 1:2:4, 3 VMs x $WEIGHT_STREAMS unpaced streams, $1: frames $2 $3 $4"
    awk -v a="$2" -v b="$3" -v c="$4" 'BEGIN { t = a + b + c; f[1] = a; f[2] = b; f[3] = c
        split("1 2 4", w, " "); worst = 0
        for (i = 1; i <= 3; i++) { s = t ? f[i] / t : 0; want = w[i] / 7; d = (s / want - 1) * 100
            printf "  weight %d: share %.4f, want %.4f (%+.1f %%)\n", w[i], s, want, d
            if (d < 0) d = -d; if (d > worst) worst = d }
        printf "  largest deviation %.1f %% (goal 3 %%)\n", worst }' | tee -a "$summary"
}
worst_window=() worst_run=()
part weights && for r in $(seq "$REPS"); do
    start "weights_r$r" 3 --qos v0:weight=1 --qos v1:weight=2 --qos v2:weight=4 || continue
    warm_up 3
    for i in 0 1 2; do
        play "v$i" "weights_r${r}_v$i" "$trace" --streams "$WEIGHT_STREAMS" --loop 1000000 \
            --duration "$WEIGHT_DURATION" --window "$WEIGHT_WINDOW"
    done
    finish || say "FAILED: a replay of weights"
    say "round $r:"
    worst_window+=("$(shares "answered in $WEIGHT_WINDOW s" "$(in_window "weights_r${r}_v0")" \
        "$(in_window "weights_r${r}_v1")" "$(in_window "weights_r${r}_v2")" |
        sed -n 's/^  largest deviation \([0-9.]*\) .*/\1/p')")
    worst_run+=("$(shares "the whole run" "$(frames "weights_r${r}_v0")" "$(frames "weights_r${r}_v1")" \
        "$(frames "weights_r${r}_v2")" | sed -n 's/^  largest deviation \([0-9.]*\) .*/\1/p')")
    stop
done
if part weights && [ ${#worst_window[@]} -gt 0 ]; then
    read -r m s <<<"$(printf '%s\n' "${worst_window[@]}" | stats 1)"
    say "weights: largest deviation in the window, median of ${#worst_window[@]} rounds $m % (rounds: ${worst_window[*]}; goal 3 %)"
    row "weights_worst_deviation_pct" "window" "$m"
    read -r m s <<<"$(printf '%s\n' "${worst_run[@]}" | stats 1)"
    say "weights: over the whole run (decoders being created included), median $m % (rounds: ${worst_run[*]})"
    row "weights_worst_deviation_pct" "whole_run" "$m"
fi

# ---- reserve -------------------------------------------------------------------
part reserve &&
for mode in reserved unreserved; do
    qos=(--qos v1:weight=1)
    [ "$mode" = reserved ] && qos+=(--qos "v0:reserve=$((MBS_1080P60 * 11 / 10))")
    start "$mode" 2 "${qos[@]}" || continue
    warm_up 2
    play v1 "${mode}_hog" "$trace" --streams 64 --loop 1000000 --duration $((DURATION + 1))
    sleep 1
    play v0 "$mode" "$trace" --fps 60 --loop 1000000 --duration "$DURATION" --window "$WINDOW"
    finish || say "FAILED: a replay of $mode"
    read -r n l <<<"$(late "$mode")"
    read -r wn wl <<<"$(window_late "$mode")"
    read -r p50 p99 <<<"$(latency "$mode")"
    hog=$(awk -v f="$(frames "${mode}_hog")" -v s="$(secs "${mode}_hog")" 'BEGIN { printf "%.0f", f / s }')
    say "$mode paced 1080p60 beside 64 unpaced streams ($hog frames/s): $l of $n frames late ($wl of $wn in $WINDOW s); END_FRAME p50 $p50 ms, p99 $p99 ms"
    row "late_frames" "$mode" "$l/$n"
    row "end_frame_p50_ms" "$mode" "$p50"
    row "end_frame_p99_ms" "$mode" "$p99"
    stop
done

# ---- density -------------------------------------------------------------------
part density &&
for n in $DENSITY; do
    start "density_$n" "$n" $DENSITY_ARGS || continue
    warm_up "$n"
    # STAGGER: stream i starts i*STAGGER ms after stream 0 and runs until
    # the others end; its window is WINDOW counted from the last start
    w0=${WINDOW%%:*} w1=${WINDOW##*:} started=", all started at once"
    [ "$STAGGER" = 0 ] || started=", started $STAGGER ms apart (window from the last start)"
    for i in $(seq 0 $((n - 1))); do
        ahead=$(awk -v k=$((n - 1 - i)) -v s="$STAGGER" 'BEGIN { printf "%.3f", k * s / 1000 }')
        play "v$i" "density_${n}_v$i" "$trace" --fps 60 --loop 1000000 \
            --duration "$(awk -v d="$DURATION" -v a="$ahead" 'BEGIN { print d + a }')" \
            --window "$(awk -v a="$ahead" -v x="$w0" -v y="$w1" 'BEGIN { print a + x ":" a + y }')"
        [ "$STAGGER" = 0 ] || sleep "$(awk -v s="$STAGGER" 'BEGIN { print s / 1000 }')"
    done
    finish || say "FAILED: a replay of density $n"
    tot=0 lt=0 wtot=0 wlt=0 first=0
    for i in $(seq 0 $((n - 1))); do
        read -r a b <<<"$(late "density_${n}_v$i")"
        tot=$((tot + ${a:-0})); lt=$((lt + ${b:-0}))
        read -r a b <<<"$(window_late "density_${n}_v$i")"
        wtot=$((wtot + ${a:-0})); wlt=$((wlt + ${b:-0}))
        a=$(sed -n 's/^first picture after: .*max \([0-9.]*\) ms.*/\1/p' "$res/raw/density_${n}_v$i.txt")
        first=$(awk -v a="$first" -v b="${a:-0}" 'BEGIN { print (b > a ? b : a) }')
    done
    pct=$(awk -v l="$lt" -v t="$tot" 'BEGIN { printf "%.3f", t ? 100 * l / t : 100 }')
    wpct=$(awk -v l="$wlt" -v t="$wtot" 'BEGIN { printf "%.3f", t ? 100 * l / t : 100 }')
    say "density: $n VMs x one paced 1080p60 stream$started: $lt of $tot frames late ($pct %); in $WINDOW s $wlt of $wtot ($wpct %); slowest first picture $first ms"
    row "late_pct_window" "density_$n" "$wpct"
    row "late_pct" "density_$n" "$pct"
    stop
    # the same streams natively: NVIDIA's parser and decoder, a thread each
    [ "$ENGINE" = nvdec ] && [ -x "$bindir/nvdec_native" ] && [ -f "$clipdir/$CLIP.264" ] || continue
    last=$(awk -v k=$((n - 1)) -v s="$STAGGER" 'BEGIN { print k * s / 1000 }')
    "$bindir/nvdec_native" --streams "$n" --fps 60 --stagger "$STAGGER" \
        --duration "$(awk -v d="$DURATION" -v a="$last" 'BEGIN { print d + a }')" \
        --window "$(awk -v a="$last" -v x="$w0" -v y="$w1" 'BEGIN { print a + x ":" a + y }')" \
        "$clipdir/$CLIP.264" >"$res/raw/native_density_$n.txt" 2>&1 ||
        { say "FAILED: nvdec_native density $n"; tail -n 3 "$res/raw/native_density_$n.txt"; continue; }
    read -r a b <<<"$(late "native_density_$n")"
    read -r c d <<<"$(window_late "native_density_$n")"
    first=$(sed -n 's/^first picture after: .*max \([0-9.]*\) ms.*/\1/p' "$res/raw/native_density_$n.txt")
    say "  native NVDEC, the same $n paced streams: $b of $a frames late; in the window $d of $c; slowest first picture $first ms"
    row "native_late_pct_window" "density_$n" "$(awk -v l="$d" -v t="$c" 'BEGIN { printf "%.3f", t ? 100 * l / t : 100 }')"
done
grep -h "refused system call\|killed" "$res"/raw/*.vivacd.log | sort | uniq -c | head -n 5 | tee -a "$summary" || true
