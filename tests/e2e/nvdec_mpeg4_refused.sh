#!/usr/bin/env bash
# MPEG-4 Part 2 that NVDEC decodes wrongly (data partitioning, interlace;
# measured on an H100, docs/codecs.md) on the nvdec engine on fake CUDA:
# `--engine nvdec`, with a context per worker and with the GPU process,
# refuses the stream's pictures with UNSUPPORTED_STREAM and a message that
# names what (WHAT), decoding none of them; `--engine auto` (nvdec+sw) moves
# the stream to sw at its first picture and gives sw's pictures, bit-exact.
# Usage: nvdec_mpeg4_refused.sh CLIP WHAT (352x288; VIVAC_MPEG4=1)
source "$(dirname "$0")/lib.sh"
clip=${1:?usage: nvdec_mpeg4_refused.sh CLIP WHAT}
what=${2:?usage: nvdec_mpeg4_refused.sh CLIP WHAT}
fake_nvdec_trace "$clip"

sw_replay_md5

expect_refused() { # NAME
    timeout 120 "$VIVAC" replay --socket "$VIVAC_SOCKET" --md5 "$trace" \
        >"$e2e_tmp/$1.txt" 2>"$e2e_tmp/$1.err" || true
    grep -q "END_FRAME: stream not supported by the engine, the trace recorded ok: nvdec: .*$what" \
        "$e2e_tmp/$1.err" ||
        { cat "$e2e_tmp/$1.txt" "$e2e_tmp/$1.err"; echo "FAIL: $1: not refused with a message naming $what"; exit 1; }
    if grep -q '^stream 0 frame ' "$e2e_tmp/$1.txt"; then
        grep '^stream 0 frame ' "$e2e_tmp/$1.txt" | head -3
        echo "FAIL: $1: pictures came back from a refused stream"; exit 1
    fi
    kill -0 "$VIVACD_PID" || { echo "FAIL: $1: vivacd died"; exit 1; }
    echo "ok: $1: $(grep -m1 -o "stream not supported.*" "$e2e_tmp/$1.err")"
}
start_daemon --engine nvdec --gpu-context-per-worker
expect_refused local
stop_daemon
start_daemon --engine nvdec
expect_refused remote
stop_daemon

start_daemon --engine auto
replay_md5 auto
stop_daemon
grep -q "nvdec+sw: stream moves to sw: nvdec: .*$what" "$e2e_tmp/vivacd.log" ||
    { tail -20 "$e2e_tmp/vivacd.log"; echo "FAIL: auto: the log does not say the stream moved to sw"; exit 1; }
cmp -s "$e2e_tmp/sw.md5" "$e2e_tmp/auto.md5" ||
    { diff "$e2e_tmp/sw.md5" "$e2e_tmp/auto.md5" | head; echo "FAIL: auto's pictures are not sw's"; exit 1; }
echo "ok: $what refused by nvdec; under auto, $n pictures on sw, bit-exact"
