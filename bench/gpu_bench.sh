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

say() { echo "$*" | tee -a "$summary"; }

# field NAME < RESULT-line: value of NAME=...
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p"; }

# median and spread ((max-min)/median, %) of numbers on stdin
stats() { sort -g | awk '{v[NR]=$1} END {
    if (!NR) { print "nan nan"; exit }
    m = NR % 2 ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2;
    printf "%.1f %.1f\n", m, (m > 0 ? 100 * (v[NR] - v[1]) / m : 0) }'; }

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

# repeat count so that one stream decodes for >= MIN_SECONDS
calibrate() { # clipfile -> K
    local line frames secs
    line=$("$native" "$1" | tail -n 1)
    frames=$(echo "$line" | field frames); secs=$(echo "$line" | field seconds)
    awk -v f="$frames" -v s="$secs" -v m="$MIN_SECONDS" \
        'BEGIN { if (f <= 0 || s <= 0) { print 1; exit } k = m / s; print (k == int(k)) ? k : int(k) + 1 }'
}

run_native() { # clip
    local clip=$1 file=$clipdir/$1.264 k n v r line fps p50 p99 log
    k=$(calibrate "$file") || return 1
    for v in $VARIANTS; do
        for n in $STREAMS; do
            fps=""
            for r in $(seq "$REPS"); do
                log=$res/raw/native_${clip}_${v}_s${n}_r$r.log
                "$native" --streams "$n" --repeat "$k" $(native_args "$v") "$file" >"$log" 2>&1
                line=$(tail -n 1 "$log")
                case $line in RESULT*status=ok*) ;; *) say "FAILED: $log"; tail -n 5 "$log"; continue ;; esac
                fps="$fps $(echo "$line" | field fps)"
                p50=$(echo "$line" | field p50_us); p99=$(echo "$line" | field p99_us)
            done
            record native "$clip" "$n" "$v" "$k" "$fps" "${p50:-}" "${p99:-}"
        done
    done
}

# ---- HOOKS (lead): vivac replay against vivacd --engine nvdec ---------------
# Filled in once `vivac replay` lands. Contract: vivac_setup starts the daemon
# (return non-zero to skip the vivac runs), vivac_run_one prints one number
# (total frames/s) for CLIP STREAMS VARIANT and returns non-zero on failure,
# vivac_teardown stops the daemon. Variants map to replay options:
# plain -> --no-readback, readback -> (default, reads each picture back).
VIVAC_SOCK=${VIVAC_SOCK:-/tmp/vivac-bench.sock}
vivacd_pid=""

vivac_setup() {
    [ -x "$bindir/vivacd" ] && [ -x "$bindir/vivac" ] || { say "vivac: no vivac/vivacd in $bindir, skipped"; return 1; }
    rm -f "$VIVAC_SOCK"
    "$bindir/vivacd" --engine nvdec --socket "$VIVAC_SOCK" >"$res/raw/vivacd.log" 2>&1 &
    vivacd_pid=$!
    for _ in $(seq 50); do [ -S "$VIVAC_SOCK" ] && return 0; sleep 0.1; done
    say "vivac: vivacd did not come up (see raw/vivacd.log)"; return 1
}

vivac_run_one() { # clip streams variant log -> prints fps
    local trace=$clipdir/$1.vtrace opts=""
    [ -f "$trace" ] || { echo "no trace $trace" >"$4"; return 1; }
    [ "$3" = plain ] && opts=--no-readback
    "$bindir/vivac" replay "$trace" --socket "$VIVAC_SOCK" --streams "$2" $opts >"$4" 2>&1 || return 1
    # Final line carries frames/s; accept "fps=X" or "X frames/s" / "X fps".
    tail -n 1 "$4" | grep -oE 'fps=[0-9.]+|[0-9.]+ (frames/s|fps)' | head -n 1 | grep -oE '[0-9.]+' | head -n 1
}

vivac_teardown() {
    [ -n "$vivacd_pid" ] && kill "$vivacd_pid" 2>/dev/null && wait "$vivacd_pid" 2>/dev/null
    vivacd_pid=""
    rm -f "$VIVAC_SOCK"
}
# ---- end of HOOKS -----------------------------------------------------------

run_vivac() { # clip
    local clip=$1 v n r fps x log
    for v in $VARIANTS; do
        [ "$v" = plain ] || [ "$v" = readback ] || continue
        for n in $STREAMS; do
            fps=""
            for r in $(seq "$REPS"); do
                log=$res/raw/vivac_${clip}_${v}_s${n}_r$r.log
                if x=$(vivac_run_one "$clip" "$n" "$v" "$log") && [ -n "$x" ]; then
                    fps="$fps $x"
                else
                    say "FAILED: $log"
                fi
            done
            record vivac "$clip" "$n" "$v" "-" "$fps" "" ""
        done
    done
}

# ---- main -------------------------------------------------------------------
[ -x "$native" ] || { echo "no $native" >&2; exit 1; }
"$native" --copy-bench 16x16 >/dev/null 2>&1
[ $? -eq 77 ] && { echo "no usable NVIDIA GPU here" >&2; exit 77; }
say "# $(date -u +%FT%TZ) $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null | head -n 1)"
say "# STREAMS='$STREAMS' REPS=$REPS MIN_SECONDS=$MIN_SECONDS VARIANTS='$VARIANTS'"
for size in 1920x1080 3840x2160; do
    "$native" --copy-bench "$size" | tee "$res/raw/copy_$size.log" | tail -n 1 | tee -a "$summary"
done
for clip in $CLIPS; do
    [ -f "$clipdir/$clip.264" ] || { say "missing $clipdir/$clip.264"; continue; }
    run_native "$clip"
done
if vivac_setup; then
    for clip in $CLIPS; do run_vivac "$clip"; done
    vivac_teardown
fi
# Few files come back from the device machine: pack the per-run logs.
tar -czf "$res/raw.tar.gz" -C "$res" raw && rm -rf "$res/raw"
say "# results: $tsv (per-run logs: $res/raw.tar.gz)"
