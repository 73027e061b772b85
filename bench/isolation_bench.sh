#!/usr/bin/env bash
# Cost of one sandboxed worker per client (issue 10), on the GPU machine
# inside the copied working tree, as root:
#   bench/isolation_bench.sh BINDIR [CLIPDIR] [OLD_BINDIR]
# BINDIR: vivacd (supervisor + workers), vivac, nvdec_native; CLIPDIR
# (default BINDIR): CLIP.264 (bench/make_clips.sh), CLIP.vtrace
# (bench/record_traces.sh) and CLIP.warm.vtrace (bench/cut_trace.py CLIP.vtrace
# OUT 1: one picture, to start a client's worker before it is timed);
# OLD_BINDIR: vivacd of the single-process daemon (2776429), optional.
#
# Clients stand in for VMs: client i is `vivac replay` run as uid
# UID_BASE+i (setpriv), so the supervisor gives it its own worker, as it
# gives each VM one. For each stream count N and client count C <= N, REPS
# rounds of: native (nvdec_native --streams N), vivac (C clients of N/C
# streams each, released together), and the old daemon (one client of N
# streams), back to back so that drift of the machine hits each alike.
# Each run is measured by:
#   frames/s      all clients' frames / wall time from their release to the
#                 last one's exit (native: its own figure, from its barrier)
#   CPU ms/frame  utime+stime (/proc/PID/stat) of the supervisor, and of its
#                 workers (live children + the reaped ones' cutime+cstime)
#   GPU MiB       nvidia-smi --query-compute-apps sampled every second of the
#                 run, the largest figure of each process: per worker of the
#                 run's clients, their total; the old daemon's and native's
# Then END_FRAME latency, one stream, --in-flight 1, new vs old daemon
# (native's submit -> mapped beside them), REPS rounds.
# Results under $OUT/isolation_bench (or ./isolation_bench): summary.txt,
# results.tsv (one row a figure), vivacd.log (the supervisor's and workers'
# log: sandbox lines, ended workers), raw.tar.gz (every run's logs and samples).
# Knobs (environment): STREAMS="16 64" CLIENTS="1 16 64" REPS=3 MIN_SECONDS=2
#   CLIP=h264_1080p60 UID_BASE=20000 ENGINE=nvdec VIVACD_ARGS (more options
#   for the new daemon, e.g. --gpu-process), ALT_ARGS (when set, even empty:
#   a second new daemon with these options instead, run after the first at
#   every client count of every round, so both modes meet the same drift of
#   the machine; its rows are engine "alt"; ALT_ENV: VAR=VALUE words for
#   its environment only) (sw: a dry run of the
#   script without a GPU, given a stand-in nvdec_native), READBACK=1 (every
#   client reads every picture back into its memory, native reads back into
#   pinned memory: the cost of the copy path), LATENCY=0 (skip the latency
#   rounds). Passes: K (one stream decodes for
#   >= MIN_SECONDS) up to 16 streams, K*16/N above, so every saturated run
#   decodes about as many frames. Skips (77) without a GPU.
set -uo pipefail

usage="usage: isolation_bench.sh BINDIR [CLIPDIR] [OLD_BINDIR]"
bindir=$(cd "${1:?$usage}" && pwd)
clipdir=$(cd "${2:-$1}" && pwd)
oldbin=${3:+$(cd "$3" && pwd)}
STREAMS=${STREAMS:-"16 64"}
CLIENTS=${CLIENTS:-"1 16 64"}
REPS=${REPS:-3}
MIN_SECONDS=${MIN_SECONDS:-2}
CLIP=${CLIP:-h264_1080p60}
UID_BASE=${UID_BASE:-20000}
ENGINE=${ENGINE:-nvdec}
READBACK=${READBACK:-0}
LATENCY=${LATENCY:-1}
replay_readback=--no-readback native_readback=""
[ "$READBACK" = 1 ] && replay_readback="" native_readback=--readback
res=${OUT:-$PWD}/isolation_bench
native=$bindir/nvdec_native
summary=$res/summary.txt
tsv=$res/results.tsv

. "$(dirname "$0")/bench_lib.sh"   # say, field, stats, calibrate

[ -x "$native" ] || { echo "no $native" >&2; exit 1; }
"$native" --copy-bench 16x16 >/dev/null 2>&1
[ $? -eq 77 ] && { echo "no usable NVIDIA GPU here" >&2; exit 77; }
[ "$(id -u)" = 0 ] || { echo "run as root (clients take uids of their own)" >&2; exit 1; }
for f in "$bindir/vivacd" "$bindir/vivac" "$clipdir/$CLIP.264" "$clipdir/$CLIP.vtrace"; do
    [ -e "$f" ] || { echo "missing $f" >&2; exit 1; }
done

rm -rf "$res"
mkdir -p "$res/raw"
printf 'figure\tengine\tstreams\tclients\tpasses\truns\tmedian\tspread_pct\n' >"$tsv"
: >"$summary"

# The clients' uids must reach the tool, the traces and the sockets.
work=$(mktemp -d /tmp/vivac-iso.XXXXXX)
chmod 0755 "$work"
cp "$bindir/vivac" "$clipdir/$CLIP.vtrace" "$work/"
if [ -f "$clipdir/$CLIP.warm.vtrace" ]; then
    cp "$clipdir/$CLIP.warm.vtrace" "$work/warm.vtrace"
else
    python3 "$(dirname "$0")/cut_trace.py" "$work/$CLIP.vtrace" "$work/warm.vtrace" 1 ||
        cp "$work/$CLIP.vtrace" "$work/warm.vtrace"
fi
chmod 0644 "$work"/*.vtrace
chmod 0755 "$work/vivac"

new_pid="" alt_pid="" old_pid="" sampler=""
cleanup() {
    [ -n "$sampler" ] && kill "$sampler" 2>/dev/null
    for p in $new_pid $alt_pid $old_pid; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
    rm -rf "$work"
}
trap cleanup EXIT

# start_daemon VIVACD SOCKET LOG LEVEL [ARGS [ENV...]] -> pid on stdout
start_daemon() {
    env ${6:-} "$1" --engine "$ENGINE" --socket "$2" --log-level "$4" \
        --max-sessions 0 --max-sessions-per-client 0 ${5:-} >"$3" 2>&1 &
    local pid=$!
    for _ in $(seq 300); do
        if [ -S "$2" ]; then chmod 0666 "$2"; echo "$pid"; return 0; fi
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    return 1
}

worker_pid() { pgrep -P "$1" -f -- "--worker uid:$2 " | head -n 1; }    # DAEMON UID
gpu_process_pid() { pgrep -P "$1" -f -- "--worker gpu " | head -n 1; }  # DAEMON

gpu_sample_start() { # FILE: "pid MiB" lines, one block a second
    ( while :; do
        nvidia-smi --query-compute-apps=pid,used_memory --format=csv,noheader,nounits 2>/dev/null |
            tr -d ',' ; sleep 1
      done ) >"$1" 2>/dev/null &
    sampler=$!
}
gpu_sample_stop() { kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null; sampler=""; }
gpu_max() { awk -v p="$2" '$1 == p && $2 > m { m = $2 } END { print m + 0 }' "$1"; } # FILE PID

# clients SOCKET N C K TAG [replay args]: C clients (uids UID_BASE..) of N/C
# streams, K passes each over TRACE (default the clip's), released together.
# Sets frames, wall (s), fps; returns 1 if any client failed.
TRACE=""
clients() {
    local sock=$1 n=$2 c=$3 k=$4 tag=$5 per=$(($2 / $3)) go=$work/go.$5 i u log t0 t1 failed=0 f
    local pids=()
    shift 5
    rm -f "$go"
    for i in $(seq 0 $((c - 1))); do
        u=$((UID_BASE + i))
        setpriv --reuid="$u" --regid="$u" --clear-groups -- \
            sh -c 'while [ ! -e "$0" ]; do sleep 0.01; done; exec "$@"' "$go" \
            "$work/vivac" replay "$work/${TRACE:-$CLIP.vtrace}" --socket "$sock" \
            --streams "$per" --loop "$k" $replay_readback "$@" >"$res/raw/${tag}_c$i.log" 2>&1 &
        pids+=($!)
    done
    sleep 0.3 # every client waiting for the release
    t0=$(date +%s.%N)
    touch "$go"
    for i in "${!pids[@]}"; do wait "${pids[$i]}" || { failed=1; echo "client $i failed" >&2; }; done
    t1=$(date +%s.%N)
    frames=0
    for i in $(seq 0 $((c - 1))); do
        log=$res/raw/${tag}_c$i.log
        grep -q '^non-OK replies: 0; differing from the trace: 0; readback errors: 0' "$log" ||
            { failed=1; echo "client $i: $(tail -n 2 "$log" | tr '\n' ' ')" >&2; }
        f=$(sed -n 's/^replay: .*, \([0-9]*\) frames in .*/\1/p' "$log")
        frames=$((frames + ${f:-0}))
    done
    wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
    fps=$(awk -v f="$frames" -v w="$wall" 'BEGIN { printf "%.1f", (w > 0 ? f / w : 0) }')
    return $failed
}

# warm SOCKET C TAG: each client's worker started (one picture each), timed
warm() {
    local t0 t1
    t0=$(date +%s.%N)
    TRACE=warm.vtrace clients "$1" "$2" "$2" 1 "warm_$3" || say "FAILED warm-up $3"
    t1=$(date +%s.%N)
    warm_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a - 0.3 }')
}

# row FIGURE ENGINE N C K "values..." [DIGITS] -> tsv row; median on stdout
row() {
    local ms
    ms=$(printf '%s\n' $6 | stats "${7:-1}")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "$(echo $6 | tr ' ' ,)" \
        ${ms% *} ${ms#* } >>"$tsv"
    echo "$ms"
}

# first_picture_max TAG C -> the slowest "first picture after" (max, ms) of
# the run's clients: a worker's decoder creation shows here, not in fps
first_picture_max() {
    local i m=0 v
    for i in $(seq 0 $(($2 - 1))); do
        v=$(sed -n 's/^first picture after: .*max \([0-9.]*\) ms.*/\1/p' "$res/raw/$1_c$i.log")
        m=$(awk -v a="$m" -v b="${v:-0}" 'BEGIN { print (b > a ? b : a) }')
    done
    echo "$m"
}

per_frame_ms() { # ticks0 ticks1 frames
    awk -v a="$1" -v b="$2" -v n="$3" -v hz="$(getconf CLK_TCK)" \
        'BEGIN { printf "%.4f", (n > 0 ? (b - a) * 1000 / hz / n : 0) }'; }

# ---- start --------------------------------------------------------------------
say "# $(date -u +%FT%TZ) $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null | head -n 1)"
say "# STREAMS='$STREAMS' CLIENTS='$CLIENTS' REPS=$REPS MIN_SECONDS=$MIN_SECONDS CLIP=$CLIP READBACK=$READBACK old=${oldbin:-none}"
new_pid=$(start_daemon "$bindir/vivacd" "$work/vivac.sock" "$res/vivacd.log" info "${VIVACD_ARGS:-}") ||
    { say "vivacd did not come up:"; tail -n 20 "$res/vivacd.log" | tee -a "$summary"; exit 1; }
modes=vivac
if [ -n "${ALT_ARGS+set}" ]; then
    alt_pid=$(start_daemon "$bindir/vivacd" "$work/alt.sock" "$res/raw/vivacd_alt.log" info "$ALT_ARGS" "${ALT_ENV:-}") ||
        { say "alt vivacd did not come up:"; tail -n 20 "$res/raw/vivacd_alt.log" | tee -a "$summary"; exit 1; }
    modes="vivac alt"
    say "# vivac: vivacd ${VIVACD_ARGS:-(no options)}; alt: ${ALT_ENV:+$ALT_ENV }vivacd ${ALT_ARGS:-(no options)}"
fi
if [ -n "$oldbin" ]; then
    old_pid=$(start_daemon "$oldbin/vivacd" "$work/old.sock" "$res/raw/vivacd_old.log" warn) ||
        { say "old vivacd did not come up"; old_pid=""; }
fi
k1=$(calibrate "$clipdir/$CLIP.264")
say "# passes: $k1 per stream up to 16 streams (one stream >= ${MIN_SECONDS} s)"

# ---- saturation: native, C clients of the new daemon, the old daemon -------------
for n in $STREAMS; do
    k=$k1
    [ "$n" -gt 16 ] && k=$(( (k1 * 16 + n - 1) / n ))
    declare -A fps_of=() sup_of=() wrk_of=() mem_of=() per_of=() warm_of=() first_of=()
    for r in $(seq "$REPS"); do
        log=$res/raw/native_s${n}_r$r.log
        gpu_sample_start "$res/raw/gpu_native_s${n}_r$r.txt"
        "$native" --streams "$n" --repeat "$k" --map decode $native_readback "$clipdir/$CLIP.264" >"$log" 2>&1 &
        npid=$!
        wait "$npid"
        gpu_sample_stop
        line=$(tail -n 1 "$log")
        case $line in
            RESULT*status=ok*)
                fps_of[native]+=" $(echo "$line" | field fps)"
                mem_of[native]+=" $(gpu_max "$res/raw/gpu_native_s${n}_r$r.txt" "$npid")"
                first_of[native]+=" $(sed -n 's/^first picture after: .*max \([0-9.]*\) ms.*/\1/p' "$log")" ;;
            *) say "FAILED: $log" ;;
        esac
        for c in $CLIENTS; do
            [ "$c" -le "$n" ] && [ $((n % c)) -eq 0 ] || continue
          # the order swaps every round, so neither mode always goes first
          order=$modes
          [ $((r % 2)) -eq 0 ] && order=$(echo $modes | tr ' ' '\n' | tac | tr '\n' ' ')
          for m in $order; do
            dpid=$new_pid; [ $m = alt ] && dpid=$alt_pid
            warm "$work/$m.sock" "$c" "${m}_s${n}_c${c}_r$r"
            warm_of[$m:$c]+=" $warm_s"
            smp=$res/raw/gpu_${m}_s${n}_c${c}_r$r.txt
            read -r s0 w0 < <(cpu_now "$dpid")
            gpu_sample_start "$smp"
            clients "$work/$m.sock" "$n" "$c" "$k" "${m}_s${n}_c${c}_r$r" || say "FAILED: $m s$n c$c r$r"
            gpu_sample_stop
            read -r s1 w1 < <(cpu_now "$dpid")
            fps_of[$m:$c]+=" $fps"
            sup_of[$m:$c]+=" $(per_frame_ms "$s0" "$s1" "$frames")"
            wrk_of[$m:$c]+=" $(per_frame_ms "$w0" "$w1" "$frames")"
            first_of[$m:$c]+=" $(first_picture_max "${m}_s${n}_c${c}_r$r" "$c")"
            # GPU memory of each of this run's workers, and their total
            tot=0 per=""
            for i in $(seq 0 $((c - 1))); do
                mib=$(gpu_max "$smp" "$(worker_pid "$dpid" $((UID_BASE + i)))")
                per+=" $mib"; tot=$((tot + mib))
            done
            # With --gpu-process the workers hold none: the GPU process all.
            gp=$(gpu_process_pid "$dpid")
            g=0
            [ -n "$gp" ] && g=$(gpu_max "$smp" "$gp")
            tot=$((tot + g))
            mem_of[$m:$c]+=" $tot"; per_of[$m:$c]+="$per"
            echo "$m s$n c$c r$r per-worker MiB:$per; GPU process MiB: $g" >>"$res/raw/gpu_workers.txt"
          done
        done
        if [ -n "$old_pid" ]; then
            warm "$work/old.sock" 1 "old_s${n}_r$r"
            read -r s0 w0 < <(cpu_now "$old_pid")
            gpu_sample_start "$res/raw/gpu_old_s${n}_r$r.txt"
            clients "$work/old.sock" "$n" 1 "$k" "old_s${n}_r$r" || say "FAILED: old s$n r$r"
            gpu_sample_stop
            read -r s1 w1 < <(cpu_now "$old_pid")
            fps_of[old]+=" $fps"
            sup_of[old]+=" $(per_frame_ms $((s0 + w0)) $((s1 + w1)) "$frames")"
            mem_of[old]+=" $(gpu_max "$res/raw/gpu_old_s${n}_r$r.txt" "$old_pid")"
        fi
    done
    nat=$(row fps native "$n" 1 "$k" "${fps_of[native]:-}")
    nmem=$(row gpu_mib native "$n" 1 "$k" "${mem_of[native]:-}" 0)
    nfp=$(row first_picture_max_ms native "$n" 1 "$k" "${first_of[native]:-}" 1)
    say "$(printf 'streams=%-3s passes=%s  native          fps %8s (spread %4s%%)  GPU %6s MiB (1 process)  first picture (slowest stream) %s ms' \
        "$n" "$k" ${nat% *} ${nat#* } "${nmem% *}" "${nfp% *}")"
    if [ -n "$old_pid" ]; then
        old=$(row fps old "$n" 1 "$k" "${fps_of[old]:-}")
        ocpu=$(row daemon_cpu_ms_frame old "$n" 1 "$k" "${sup_of[old]:-}" 4)
        omem=$(row gpu_mib old "$n" 1 "$k" "${mem_of[old]:-}" 0)
        say "$(printf '                      old vivacd      fps %8s (spread %4s%%)  GPU %6s MiB (1 process)  ratio/native %.3f  daemon CPU %s ms/frame' \
            ${old% *} ${old#* } "${omem% *}" "$(awk -v a="${old% *}" -v b="${nat% *}" 'BEGIN { print (b > 0 ? a / b : 0) }')" "${ocpu% *}")"
    fi
    for c in $CLIENTS; do
      for m in $modes; do
        [ -n "${fps_of[$m:$c]:-}" ] || continue
        viv=$(row fps "$m" "$n" "$c" "$k" "${fps_of[$m:$c]}")
        sup=$(row supervisor_cpu_ms_frame "$m" "$n" "$c" "$k" "${sup_of[$m:$c]}" 4)
        wrk=$(row workers_cpu_ms_frame "$m" "$n" "$c" "$k" "${wrk_of[$m:$c]}" 4)
        mem=$(row gpu_mib_total "$m" "$n" "$c" "$k" "${mem_of[$m:$c]}" 0)
        pw=$(row gpu_mib_per_worker "$m" "$n" "$c" "$k" "${per_of[$m:$c]}" 0)
        wm=$(row warmup_s "$m" "$n" "$c" "$k" "${warm_of[$m:$c]}" 2)
        fp=$(row first_picture_max_ms "$m" "$n" "$c" "$k" "${first_of[$m:$c]}" 1)
        say "$(printf '  clients=%-3s (%s streams each) %-5s fps %8s (spread %4s%%)  ratio/native %.3f' \
            "$c" $((n / c)) "$m" ${viv% *} ${viv#* } \
            "$(awk -v a="${viv% *}" -v b="${nat% *}" 'BEGIN { print (b > 0 ? a / b : 0) }')")"
        say "$(printf '      CPU ms/frame: supervisor %s, workers %s;  GPU MiB: %s workers, %s total (per worker median %s, range %s-%s);  warm-up %s s; first picture (slowest stream) %s ms' \
            "${sup% *}" "${wrk% *}" "$c" "${mem% *}" "${pw% *}" \
            "$(printf '%s\n' ${per_of[$m:$c]} | sort -g | head -n 1)" "$(printf '%s\n' ${per_of[$m:$c]} | sort -g | tail -n 1)" \
            "$(echo ${warm_of[$m:$c]} | tr ' ' /)" "${fp% *}")"
      done
    done
    unset fps_of sup_of wrk_of mem_of per_of warm_of first_of
done

# ---- END_FRAME latency: one stream, nothing queued --------------------------------
if [ "$LATENCY" = 1 ]; then
    nl="" n50="" n99="" v50="" v99="" a50="" a99="" o50="" o99=""
    lat() { sed -n 's/^END_FRAME latency: p50 \([0-9.]*\) ms, p99 \([0-9.]*\) ms.*/\1 \2/p' "$res/raw/$1_c0.log"; }
    for r in $(seq "$REPS"); do
        line=$("$native" --streams 1 --repeat "$k1" --map decode "$clipdir/$CLIP.264" | tail -n 1)
        n50+=" $(echo "$line" | field p50_us | awk '{ print $1 / 1000 }')"
        n99+=" $(echo "$line" | field p99_us | awk '{ print $1 / 1000 }')"
        warm "$work/vivac.sock" 1 "lat_r$r"
        if clients "$work/vivac.sock" 1 1 "$k1" "lat_new_r$r" --in-flight 1; then
            read -r a b < <(lat "lat_new_r$r"); v50+=" $a"; v99+=" $b"
        else say "FAILED latency new r$r"; fi
        if [ -n "$alt_pid" ]; then
            warm "$work/alt.sock" 1 "lat_alt_r$r"
            if clients "$work/alt.sock" 1 1 "$k1" "lat_alt_r$r" --in-flight 1; then
                read -r a b < <(lat "lat_alt_r$r"); a50+=" $a"; a99+=" $b"
            else say "FAILED latency alt r$r"; fi
        fi
        if [ -n "$old_pid" ]; then
            warm "$work/old.sock" 1 "lat_old_r$r"
            if clients "$work/old.sock" 1 1 "$k1" "lat_old_r$r" --in-flight 1; then
                read -r a b < <(lat "lat_old_r$r"); o50+=" $a"; o99+=" $b"
            else say "FAILED latency old r$r"; fi
        fi
    done
    a=$(row latency_p50_ms native 1 1 "$k1" "$n50" 3); b=$(row latency_p99_ms native 1 1 "$k1" "$n99" 3)
    say "latency 1 stream (--in-flight 1), p50/p99 ms, median of $REPS (spread %):"
    say "  native submit->mapped   ${a% *}/${b% *} (${a#* }/${b#* })"
    a=$(row latency_p50_ms vivac 1 1 "$k1" "$v50" 3); b=$(row latency_p99_ms vivac 1 1 "$k1" "$v99" 3)
    say "  vivac (worker)          ${a% *}/${b% *} (${a#* }/${b#* })"
    if [ -n "$alt_pid" ]; then
        c=$(row latency_p50_ms alt 1 1 "$k1" "$a50" 3); d=$(row latency_p99_ms alt 1 1 "$k1" "$a99" 3)
        say "  alt (worker)            ${c% *}/${d% *} (${c#* }/${d#* })"
    fi
    if [ -n "$old_pid" ]; then
        c=$(row latency_p50_ms old 1 1 "$k1" "$o50" 3); d=$(row latency_p99_ms old 1 1 "$k1" "$o99" 3)
        say "  old vivacd (1 process)  ${c% *}/${d% *} (${c#* }/${d#* })"
        say "$(awk -v a="${a% *}" -v b="${b% *}" -v c="${c% *}" -v d="${d% *}" \
            'BEGIN { printf "  added by the worker: p50 %+.3f ms, p99 %+.3f ms", a - c, b - d }')"
    fi
fi

# ---- the sandbox under CUDA: what the supervisor and its workers logged ----------
for p in $new_pid $alt_pid; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
new_pid="" alt_pid=""
say "vivacd log ($res/vivacd.log): $(grep -c 'sandbox prepared' "$res/vivacd.log") 'sandbox prepared', $(grep -c 'sandbox locked' "$res/vivacd.log") 'sandbox locked', $(grep -c 'refused system call\|killed by signal' "$res/vivacd.log") refused/killed, $(grep -c 'exited with status [1-9]' "$res/vivacd.log") failed exits"
grep -m 1 'sandbox prepared' "$res/vivacd.log" | tee -a "$summary"
grep -m 1 'sandbox locked' "$res/vivacd.log" | tee -a "$summary"
grep 'refused system call\|killed by signal\|exited with status [1-9]\|sandbox: ' "$res/vivacd.log" | sort | uniq -c | head -n 20 | tee -a "$summary"
tar -czf "$res/raw.tar.gz" -C "$res" raw && rm -rf "$res/raw"
say "# results: $tsv (per-run logs: $res/raw.tar.gz)"
