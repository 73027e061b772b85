#!/usr/bin/env bash
# On the GPU machine: replays every trace against vivacd --engine nvdec and
# compares each picture's MD5 with the sw engine's (recorded here by
# bench/record_traces.sh).   bench/gpu_correctness.sh BINDIR TRACEDIR
# Where the sw pictures came with the trace (NAME.sw.yuv.xz: MPEG-2,
# MPEG-4 Part 2, JPEG, whose IDCT is not fixed bit for bit), pictures that
# differ are compared sample by sample instead (bench/compare_yuv.py: PSNR
# over all samples, the largest difference): such a trace passes with every
# picture there and PSNR >= MIN_PSNR (default 50 dB; MPEG-2 on an H200 gave
# 63-69 dB, a wrong decode far less).
# Prints one line per trace and "N passed, N failed"; logs under $OUT.
# VIVACD_ARGS: more options for vivacd (e.g. --gpu-context-per-worker).
# ENGINE (default nvdec): auto runs nvdec with sw beside it (a vivacd built
# with the sw engine: VIVACD=PATH), so what the GPU lacks or refuses is
# decoded on the CPU; `vivac info` then shows which engine serves what.
set -uo pipefail
bin=$(cd "${1:?usage: gpu_correctness.sh BINDIR TRACEDIR}" && pwd)
traces=$(cd "${2:?usage: gpu_correctness.sh BINDIR TRACEDIR}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
res=${OUT:-$PWD}/correctness
mkdir -p "$res"
sock=/tmp/vivac-gpu-$$.sock
engine=${ENGINE:-nvdec}
"${VIVACD:-$bin/vivacd}" --engine "$engine" --socket "$sock" --log-level info ${VIVACD_ARGS:-} >"$res/vivacd.log" 2>&1 &
dpid=$!
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.1; done
[ -S "$sock" ] || { cat "$res/vivacd.log"; echo "vivacd --engine $engine did not start"; exit 1; }
"$bin/vivac" info --socket "$sock" >"$res/info.txt" 2>&1
passed=0 failed=0
for t in "$traces"/*.vtrace; do
    name=$(basename "$t" .vtrace)
    [ -f "$traces/$name.sw.md5" ] || continue   # no reference (e.g. a cut trace)
    ref=$traces/$name.sw.yuv.xz dump=()
    [ -f "$ref" ] && dump=(--dump "$res/$name.nvdec.yuv")
    "$bin/vivac" replay "$t" --socket "$sock" --md5 "${dump[@]}" >"$res/$name.out" 2>&1
    rc=$?
    grep -E '^stream [0-9]+ frame ' "$res/$name.out" >"$res/$name.nvdec.md5"
    n=$(wc -l <"$traces/$name.sw.md5")
    same=$(paste -d' ' "$traces/$name.sw.md5" "$res/$name.nvdec.md5" | awk '$5 == $10' | wc -l)
    if [ $rc -eq 0 ] && [ "$n" -gt 0 ] && cmp -s "$traces/$name.sw.md5" "$res/$name.nvdec.md5"; then
        echo "PASS $name: $same/$n pictures bit-exact with sw"; passed=$((passed + 1))
    elif [ $rc -eq 0 ] && [ "$n" -gt 0 ] && [ ${#dump[@]} -gt 0 ] &&
        [ "$(wc -l <"$res/$name.nvdec.md5")" -eq "$n" ] &&
        psnr=$(python3 "$here/compare_yuv.py" "$ref" "$res/$name.nvdec.yuv" ${MIN_PSNR:-}); then
        echo "PASS $name: $same/$n pictures bit-exact, not bit-exact by nature: $psnr"
        passed=$((passed + 1))
    elif [ ${#dump[@]} -gt 0 ] && [ -n "${psnr:-}" ]; then
        echo "FAIL $name: $same/$n pictures equal (replay exit $rc): $psnr"; tail -3 "$res/$name.out"
        failed=$((failed + 1))
    else
        echo "FAIL $name: $same/$n pictures equal (replay exit $rc)"; tail -3 "$res/$name.out"
        failed=$((failed + 1))
    fi
    rm -f "$res/$name.nvdec.yuv"              # large; $OUT comes back from the GPU machine
    psnr=
done
kill -TERM $dpid; wait $dpid; echo "vivacd exit status $?"
echo "$passed passed, $failed failed"
