#!/usr/bin/env bash
# On the GPU machine: replays every trace against vivacd --engine nvdec and
# compares each picture's MD5 with the sw engine's (recorded here by
# bench/record_traces.sh).   bench/gpu_correctness.sh BINDIR TRACEDIR
# Prints one line per trace and "N passed, N failed"; logs under $OUT.
# VIVACD_ARGS: more options for vivacd (e.g. --gpu-context-per-worker).
set -uo pipefail
bin=$(cd "${1:?usage: gpu_correctness.sh BINDIR TRACEDIR}" && pwd)
traces=$(cd "${2:?usage: gpu_correctness.sh BINDIR TRACEDIR}" && pwd)
res=${OUT:-$PWD}/correctness
mkdir -p "$res"
sock=/tmp/vivac-gpu-$$.sock
"$bin/vivacd" --engine nvdec --socket "$sock" --log-level info ${VIVACD_ARGS:-} >"$res/vivacd.log" 2>&1 &
dpid=$!
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.1; done
[ -S "$sock" ] || { cat "$res/vivacd.log"; echo "vivacd --engine nvdec did not start"; exit 1; }
passed=0 failed=0
for t in "$traces"/*.vtrace; do
    name=$(basename "$t" .vtrace)
    [ -f "$traces/$name.sw.md5" ] || continue   # no reference (e.g. a cut trace)
    "$bin/vivac" replay "$t" --socket "$sock" --md5 >"$res/$name.out" 2>&1
    rc=$?
    grep -E '^stream [0-9]+ frame ' "$res/$name.out" >"$res/$name.nvdec.md5"
    n=$(wc -l <"$traces/$name.sw.md5")
    same=$(paste -d' ' "$traces/$name.sw.md5" "$res/$name.nvdec.md5" | awk '$5 == $10' | wc -l)
    if [ $rc -eq 0 ] && [ "$n" -gt 0 ] && cmp -s "$traces/$name.sw.md5" "$res/$name.nvdec.md5"; then
        echo "PASS $name: $same/$n pictures bit-exact with sw"; passed=$((passed + 1))
    else
        echo "FAIL $name: $same/$n pictures equal (replay exit $rc)"; tail -3 "$res/$name.out"
        failed=$((failed + 1))
    fi
done
kill -TERM $dpid; wait $dpid; echo "vivacd exit status $?"
echo "$passed passed, $failed failed"
