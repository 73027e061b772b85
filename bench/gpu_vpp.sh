#!/usr/bin/env bash
# Video processing on the GPU (nvdec's kernels), on the GPU machine:
#   bench/gpu_vpp.sh BIN TRACES
# BIN: vivacd and vivac (bench/gpu_bundle.sh's bin); TRACES: what
# bench/record_vpp_traces.sh wrote (NAME.vtrace, NAME.kernels.md5), and the
# decode-only traces DEC_1080 / DEC_2160 (default h264_1080p60, d2160).
# 1. Correctness, the GPU process and a context per worker (MODES: the
#    vivacd options of each pass): every picture
#    of every trace (decodes and processing) replayed on `--engine nvdec`
#    has the MD5 the fake's CPU run of the same kernels gave.
# 2. Throughput, the GPU process: STREAMS (16) streams for DURATION (8) s,
#    no readback, REPS (3) rounds, each round decode alone then decode +
#    processing, for 1080p -> 720p (s1080_720; BGRA: rgb1080_720) and 2160p -> 1080p
#    (s2160_1080). A processing trace's pictures are half decodes, half
#    processing: decodes/s is half its pictures/s.
set -u
bin=${1:?usage: gpu_vpp.sh BIN TRACES}; tr=${2:?usage}
streams=${STREAMS:-16} duration=${DURATION:-8} reps=${REPS:-3}
sock=/tmp/gpu_vpp.sock
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
start() {
    rm -f "$sock"
    "$bin/vivacd" --engine nvdec --socket "$sock" --log-level info "$@" >/tmp/gpu_vpp.log 2>&1 &
    dpid=$!
    for _ in $(seq 200); do [ -S "$sock" ] && break; sleep 0.05; done
}
stop() { kill -TERM "$dpid"; wait "$dpid"; }
for mode in ${MODES:---gpu-process --gpu-context-per-worker}; do
    echo "=== correctness $mode"
    start "$mode"
    "$bin/vivac" info --socket "$sock" | grep -E "videoproc|filters" | head -3
    for md5 in "$tr"/*.kernels.md5; do
        name=$(basename "$md5" .kernels.md5)
        "$bin/vivac" replay "$tr/$name.vtrace" --socket "$sock" --md5 2>&1 |
            grep -E '^stream [0-9]+ frame ' >/tmp/gpu_vpp.got
        same=$(grep -cxFf "$md5" /tmp/gpu_vpp.got || true)
        echo "$name: $same of $(wc -l <"$md5") pictures equal to the kernels' CPU run ($(wc -l </tmp/gpu_vpp.got) read back)"
    done
    stop
    grep -E "video processing|error|warning" /tmp/gpu_vpp.log | sort | uniq -c | head -8
done
echo "=== throughput, the GPU process, $streams streams, $duration s, no readback"
start --gpu-process
for r in $(seq "$reps"); do
    for t in ${DEC_1080:-h264_1080p60} s1080_720 rgb1080_720 ${DEC_2160:-d2160} s2160_1080; do
        [ -f "$tr/$t.vtrace" ] || continue
        out=$("$bin/vivac" replay "$tr/$t.vtrace" --socket "$sock" --no-readback \
              --streams "$streams" --loop 1000 --duration "$duration" 2>&1)
        echo "round $r $t: $(echo "$out" | grep -E '^replay:') | $(echo "$out" | grep -E '^non-OK')"
    done
done
stop
