#!/usr/bin/env bash
# vivacd --max-gpu-memory MB: parsed like --max-memory (a number of MiB,
# 0: unlimited), listed in --help; an engine without a GPU (sw) is charged
# nothing, so a 1 MiB GPU budget changes nothing there. The GPU side runs
# on the GPU machine: bench/gpu_hostile.sh (meson test gpu_hostile).
# Usage: max_gpu_memory.sh GPU_HOSTILE_CLIENT
source "$(dirname "$0")/lib.sh"
client=${1:?usage: max_gpu_memory.sh GPU_HOSTILE_CLIENT}
for bad in abc -1 4294967296 12x ""; do
    rc=0
    out=$("$VIVACD" --engine sw --socket "$e2e_tmp/never.sock" --max-gpu-memory "$bad" 2>&1) || rc=$?
    [ $rc -eq 2 ] || { echo "FAIL: --max-gpu-memory '$bad': exit $rc, not 2"; exit 1; }
    grep -q -- "--max-gpu-memory: \"$bad\" is not a number" <<<"$out" ||
        { echo "FAIL: --max-gpu-memory '$bad': $out"; exit 1; }
done
grep -q -- "--max-gpu-memory MB" <<<"$("$VIVACD" --help)" || { echo "FAIL: not in --help"; exit 1; }
for good in 0 1 4096; do
    start_daemon --engine sw --max-gpu-memory "$good"
    daemon_alive || { echo "FAIL: vivacd --max-gpu-memory $good died"; exit 1; }
    if [ "$good" = 1 ]; then
        "$client" "$VIVAC_SOCKET" nogpu || { tail -20 "$e2e_tmp/vivacd.log"; echo "FAIL: sw charged"; exit 1; }
    fi
    stop_daemon
done
echo "ok: --max-gpu-memory parsed, listed in --help; sw is charged no GPU memory"
