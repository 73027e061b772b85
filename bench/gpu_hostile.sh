#!/usr/bin/env bash
# GPU memory on the GPU machine, vivacd --engine nvdec (docs/performance.md):
#  1. nvdec_gpu_mem: decoders and surfaces measured with cuMemGetInfo next to
#     the estimates the engine charges (fails if an estimate is below);
#  2. hostile: VP9 codecs of 64x64 (or the GPU's minimum) each fed a key
#     frame whose header says 8192x8192: every frame refused, the GPU's used
#     memory (nvidia-smi) grows by < 8 MiB while the codecs live;
#  3. budget: vivacd --max-gpu-memory 300: 1920x1080 codecs then surfaces
#     until one is refused with VW_ERR_LIMIT and the figures.
# With NOCHECK_VIVACD set (a vivacd built without the engine's size check),
# step 2 is also run against it to show what the check prevents (expected
# to fail there; informational).
#   bench/gpu_hostile.sh VIVACD GPU_HOSTILE_CLIENT [NVDEC_GPU_MEM]
# Exit: 0 passed, 1 failed, 77 no NVIDIA GPU here (skipped).
set -uo pipefail
vivacd=${1:?usage: gpu_hostile.sh VIVACD GPU_HOSTILE_CLIENT [NVDEC_GPU_MEM]}
client=${2:?usage: gpu_hostile.sh VIVACD GPU_HOSTILE_CLIENT [NVDEC_GPU_MEM]}
gpu_mem=${3:-}
if ! command -v nvidia-smi >/dev/null 2>&1 || ! nvidia-smi -L >/dev/null 2>&1; then
    echo "SKIP: no NVIDIA GPU (nvidia-smi) here"
    exit 77
fi
res=${OUT:-$(mktemp -d)}/gpu_hostile
mkdir -p "$res"
sock=/tmp/vivac-gpu-hostile-$$.sock
dpid=
start() {   # start LOGNAME VIVACD ARGS...
    local log=$res/$1.log bin=$2; shift 2
    rm -f "$sock"
    "$bin" --engine nvdec --socket "$sock" "$@" >"$log" 2>&1 &
    dpid=$!
    for _ in $(seq 200); do [ -S "$sock" ] && return 0; sleep 0.05; done
    cat "$log"; echo "vivacd did not start"; return 1
}
stop() {
    [ -n "$dpid" ] || return 0
    kill -TERM "$dpid"; wait "$dpid"; local rc=$?; dpid=
    echo "vivacd exit status $rc"
    return $rc
}
trap '[ -n "$dpid" ] && kill -KILL $dpid 2>/dev/null' EXIT
failed=0
nvidia-smi --query-gpu=name,driver_version,memory.total,memory.used --format=csv

if [ -n "$gpu_mem" ]; then
    echo "== nvdec_gpu_mem: measured (cuMemGetInfo) vs estimate"
    "$gpu_mem" || failed=1
fi

echo "== hostile: 8192x8192 VP9 headers in small codecs"
start hostile "$vivacd" --log-level debug || exit 1
"$client" "$sock" hostile 4 || failed=1
stop || failed=1
grep -E "stream of|decoder VP9|GPU memory budget" "$res/hostile.log" | head -8

echo "== budget: --max-gpu-memory 300"
start budget "$vivacd" --max-gpu-memory 300 --log-level info || exit 1
"$client" "$sock" budget || failed=1
stop || failed=1
grep -E "GPU memory budget" "$res/budget.log"

if [ -n "${NOCHECK_VIVACD:-}" ]; then
    echo "== for comparison: hostile against $NOCHECK_VIVACD (no size check; expected to fail)"
    start nocheck "$NOCHECK_VIVACD" --log-level info || exit 1
    "$client" "$sock" hostile 4
    stop
fi
[ $failed -eq 0 ] && echo "gpu_hostile: PASS" || echo "gpu_hostile: FAIL"
exit $failed
