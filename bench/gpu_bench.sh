#!/usr/bin/env bash
# NVDEC benchmark, run on the GPU machine inside the copied working tree:
#   bench/gpu_bench.sh BINDIR [CLIPDIR]
# BINDIR holds the carried binaries (nvdec_native; later vivac and vivacd),
# CLIPDIR (default BINDIR) the clips from bench/make_clips.sh
# (h264_1080p60.264, h264_2160p30.264) and, for the vivac runs, their traces
# (h264_1080p60.vtrace, h264_2160p30.vtrace).
# For each clip and stream count: REPS runs, each long enough (>= MIN_SECONDS
# at one stream; longer when streams share the engines), median and spread
# of the total frames/s. Results under $OUT/nvdec_bench (or ./nvdec_bench):
#   raw.tar.gz  every run's output (raw/*.log);  results.tsv  one row a configuration;
#   summary.txt  what is printed at the end.
# Knobs (environment): STREAMS="1 4 8 16" REPS=3 MIN_SECONDS=3
#   VARIANTS="plain readback" (nvdec_native --map decode, without / with
#   --readback into pinned memory)  CLIPS="h264_1080p60 h264_2160p30"
set -uo pipefail

bindir=$(cd "${1:?usage: gpu_bench.sh BINDIR [CLIPDIR]}" && pwd)
clipdir=$(cd "${2:-$1}" && pwd)
STREAMS=${STREAMS:-"1 4 8 16"}
REPS=${REPS:-3}
MIN_SECONDS=${MIN_SECONDS:-3}
VARIANTS=${VARIANTS:-"plain readback"}
CLIPS=${CLIPS:-"h264_1080p60 h264_2160p30"}
res=${OUT:-$PWD}/nvdec_bench
mkdir -p "$res/raw"
tsv=$res/results.tsv
summary=$res/summary.txt
printf 'engine\tclip\tstreams\tvariant\trepeat\tfps_runs\tfps_median\tspread_pct\tp50_us\tp99_us\n' >"$tsv"
: >"$summary"
native=$bindir/nvdec_native

. "$(dirname "$0")/bench_lib.sh"   # say, field, stats, calibrate

record() { # engine clip streams variant repeat "fps..." p50 p99
    local ms; ms=$(printf '%s\n' $6 | stats)
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" \
        "$(echo $6 | tr ' ' ,)" ${ms% *} ${ms#* } "$7" "$8" >>"$tsv"
    say "$(printf '%-7s %-13s streams=%-3s %-9s fps median %8s  spread %5s%%  runs: %s  p50/p99 us: %s/%s' \
        "$1" "$2" "$3" "$4" ${ms% *} ${ms#* } "$6" "$7" "$8")"
}

# ---- native reference --------------------------------------------------

native_args() { # variant -> nvdec_native options
    case $1 in
        plain) echo "--map decode" ;;
        readback) echo "--map decode --readback" ;;
        display) echo "--map display" ;;
        none) echo "--map none" ;;
        *) echo "unknown variant $1" >&2; return 1 ;;
    esac
}

# ---- vivac: replay of the same clip's trace against vivacd --engine nvdec ----
VIVAC_SOCK=${VIVAC_SOCK:-/tmp/vivac-bench.sock}
vivacd_pid=""

vivac_setup() {
    [ -x "$bindir/vivacd" ] && [ -x "$bindir/vivac" ] || { say "vivac: no vivac/vivacd in $bindir"; return 1; }
    rm -f "$VIVAC_SOCK"
    "$bindir/vivacd" --engine nvdec --socket "$VIVAC_SOCK" --log-level warn >"$res/raw/vivacd.log" 2>&1 &
    vivacd_pid=$!
    for _ in $(seq 50); do [ -S "$VIVAC_SOCK" ] && return 0; sleep 0.1; done
    say "vivac: vivacd did not come up (see raw/vivacd.log)"; return 1
}

vivac_teardown() {
    [ -n "$vivacd_pid" ] && kill "$vivacd_pid" 2>/dev/null && wait "$vivacd_pid" 2>/dev/null
    vivacd_pid=""
    rm -f "$VIVAC_SOCK"
}

daemon_cpu_s() { # utime + stime of vivacd, its supervisor and its workers, seconds
    cpu_now "$vivacd_pid" | awk -v hz="$(getconf CLK_TCK)" '{ print ($1 + $2) / hz }'
}

# vivac_run CLIP STREAMS VARIANT K LOG [extra replay args] -> "fps host_cpu_ms_per_frame p50_ms p99_ms"
vivac_run() {
    local clip=$1 n=$2 v=$3 k=$4 log=$5 opts="" c0 c1 fps frames
    shift 5
    [ "$v" = plain ] && opts=--no-readback
    c0=$(daemon_cpu_s)
    # One session per stream decoding the clip K times (--loop), as the native
    # reference keeps one decoder per stream for its K passes.
    "$bindir/vivac" replay "$clipdir/$clip.vtrace" --socket "$VIVAC_SOCK" --streams "$n" \
        ${VIVAC_PASSES:---loop} "$k" $opts "$@" >"$log" 2>&1 || return 1
    c1=$(daemon_cpu_s)
    grep -q '^non-OK replies: 0; differing from the trace: 0; readback errors: 0' "$log" || return 1
    fps=$(sed -n 's/^replay: .* \([0-9.]*\) frames\/s total$/\1/p' "$log")
    frames=$(sed -n 's/^replay: .*, \([0-9]*\) frames in .*/\1/p' "$log")
    awk -v f="$fps" -v n="$frames" -v c0="$c0" -v c1="$c1" \
        -v lat="$(sed -n 's/^END_FRAME latency: p50 \([0-9.]*\) ms, p99 \([0-9.]*\) ms.*/\1 \2/p' "$log")" \
        'BEGIN { split(lat, l, " "); printf "%s %.3f %s %s\n", f, (n > 0 ? (c1 - c0) * 1000 / n : 0), l[1], l[2] }'
}

# For each stream count: REPS rounds of (native, vivac) back to back, so
# that drift of the machine hits both alike; ratio of the medians.
compare() { # clip variant
    local clip=$1 v=$2 file=$clipdir/$1.264 k n r line nat viv cpu x log
    k=$(calibrate "$file") || return 1
    for n in $STREAMS; do
        nat="" viv="" cpu=""
        for r in $(seq "$REPS"); do
            log=$res/raw/native_${clip}_${v}_s${n}_r$r.log
            "$native" --streams "$n" --repeat "$k" $(native_args "$v") "$file" >"$log" 2>&1
            line=$(tail -n 1 "$log")
            case $line in RESULT*status=ok*) nat="$nat $(echo "$line" | field fps)" ;; *) say "FAILED: $log" ;; esac
            log=$res/raw/vivac_${clip}_${v}_s${n}_r$r.log
            if x=$(vivac_run "$clip" "$n" "$v" "$k" "$log"); then
                viv="$viv ${x%% *}"; cpu="$cpu $(echo "$x" | cut -d' ' -f2)"
            else
                say "FAILED: $log"; tail -n 3 "$log"
            fi
        done
        record native "$clip" "$n" "$v" "$k" "$nat" "" ""
        record vivac "$clip" "$n" "$v" "$k" "$viv" "" ""
        say "$(printf '  ratio vivac/native %s streams=%s %s: %s   daemon CPU ms/frame: %s' "$clip" "$n" "$v" \
            "$(awk -v a="$(printf '%s\n' $viv | stats)" -v b="$(printf '%s\n' $nat | stats)" \
                'BEGIN { split(a, x, " "); split(b, y, " "); printf "%.3f", (y[1] > 0 ? x[1] / y[1] : 0) }')" \
            "$(printf '%s\n' $cpu | stats | cut -d' ' -f1)")"
    done
}

# Per-frame latency, one stream, nothing queued: native submit -> mapped vs
# vivac END_FRAME sent -> answered (--in-flight 1: every request a round trip).
latency() { # clip
    local clip=$1 file=$clipdir/$1.264 k line x
    k=$(calibrate "$file") || return 1
    line=$("$native" --streams 1 --repeat "$k" --map decode "$file" | tail -n 1)
    x=$(vivac_run "$clip" 1 plain "$k" "$res/raw/latency_$clip.log" --in-flight 1) || { say "FAILED latency $clip"; return; }
    say "$(printf '  latency %s 1 stream: native p50/p99 %.2f/%.2f ms, vivac (in-flight 1) p50/p99 %s/%s ms' "$clip" \
        "$(echo "$line" | field p50_us | awk '{print $1 / 1000}')" "$(echo "$line" | field p99_us | awk '{print $1 / 1000}')" \
        "$(echo "$x" | cut -d' ' -f3)" "$(echo "$x" | cut -d' ' -f4)")"
}

# GPU memory of the daemon across session open/close cycles (a trace cut
# after its first picture, replayed CYCLES times, one session each).
leak_check() { # trace cycles
    local mem0 mem1 mem2
    gpu_mem() { nvidia-smi --query-compute-apps=pid,used_memory --format=csv,noheader,nounits |
        awk -F', ' -v p="$vivacd_pid" '$1 == p { print $2 } END { }' | head -n 1; }
    "$bindir/vivac" replay "$1" --socket "$VIVAC_SOCK" --repeat 10 >/dev/null 2>&1
    mem0=$(gpu_mem)
    "$bindir/vivac" replay "$1" --socket "$VIVAC_SOCK" --repeat "$2" >"$res/raw/leak.log" 2>&1 ||
        say "FAILED leak replay"
    mem1=$(gpu_mem)
    "$bindir/vivac" replay "$1" --socket "$VIVAC_SOCK" --repeat "$2" >>"$res/raw/leak.log" 2>&1
    mem2=$(gpu_mem)
    say "  GPU memory of vivacd (MiB): after 10 sessions ${mem0:-?}, after $(( $2 + 10 )) ${mem1:-?}, after $(( 2 * $2 + 10 )) ${mem2:-?}"
}

# ---- main -------------------------------------------------------------------
[ -x "$native" ] || { echo "no $native" >&2; exit 1; }
"$native" --copy-bench 16x16 >/dev/null 2>&1
[ $? -eq 77 ] && { echo "no usable NVIDIA GPU here" >&2; exit 77; }
say "# $(date -u +%FT%TZ) $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null | head -n 1)"
say "# STREAMS='$STREAMS' REPS=$REPS MIN_SECONDS=$MIN_SECONDS VARIANTS='$VARIANTS' CLIPS='$CLIPS'"
if [ "${COPY_BENCH:-1}" = 1 ]; then
    for size in 1920x1080 3840x2160; do
        "$native" --copy-bench "$size" | tee "$res/raw/copy_$size.log" | tail -n 1 | tee -a "$summary"
    done
fi
vivac_setup || exit 1
for clip in $CLIPS; do
    [ -f "$clipdir/$clip.264" ] && [ -f "$clipdir/$clip.vtrace" ] || { say "missing $clip .264/.vtrace"; continue; }
    for v in $VARIANTS; do compare "$clip" "$v"; done
    latency "$clip"
done
# Session churn: a new session (vivac) / a new decoder (native) for every
# pass over the clip, what a guest opening and closing players pays.
if [ -n "${CHURN_CLIP:-}" ]; then
    for n in 1 16; do
        k=$(calibrate "$clipdir/$CHURN_CLIP.264")
        line=$("$native" --streams "$n" --repeat "$k" --map decode --fresh-decoder "$clipdir/$CHURN_CLIP.264" | tail -n 1)
        x=$(VIVAC_PASSES=--repeat vivac_run "$CHURN_CLIP" "$n" plain "$k" "$res/raw/churn_s$n.log") || x="FAILED"
        say "  churn $CHURN_CLIP streams=$n (session/decoder per pass): native $(echo "$line" | field fps) fps, vivac ${x%% *} fps"
    done
fi
[ -n "${LEAK_TRACE:-}" ] && leak_check "$LEAK_TRACE" "${LEAK_CYCLES:-1000}"
vivac_teardown
# Few files come back from the device machine: pack the per-run logs.
tar -czf "$res/raw.tar.gz" -C "$res" raw && rm -rf "$res/raw"
say "# results: $tsv (per-run logs: $res/raw.tar.gz)"
