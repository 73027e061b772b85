#!/usr/bin/env bash
# Records traces of video processing (ffmpeg's VAAPI filters through vivac
# on the sw engine) and what the GPU must give for them, for
# bench/gpu_vpp.sh:
#   bench/record_vpp_traces.sh OUTDIR NAME CLIP VAAPI_FILTER...  (pairs of NAME CLIP FILTER)
# Writes OUTDIR/NAME.vtrace and OUTDIR/NAME.kernels.md5: every picture's
# MD5 when the trace is replayed on `auto` over fake CUDA that decodes no
# H.264 (sw decodes it into the fake's surfaces, bit-exact as NVDEC, and
# the fake runs the nvdec kernels' own code on the CPU), so the GPU's
# pictures must have the same MD5s: decodes and processing bit for bit.
# H.264 clips only (the fake decodes the other codecs itself). A trace
# already there is kept (its MD5s are made again: after a kernel change).
# The filter's `format=` (bgra, p010...) is what ffmpeg downloads. Needs
# ./build (scripts/setup.sh, test hooks and nvdec on).
set -euo pipefail
out=${1:?usage: record_vpp_traces.sh OUTDIR NAME CLIP FILTER [NAME CLIP FILTER]...}; shift
build=${VIVAC_BUILD:-$(pwd)/build}
mkdir -p "$out"
work=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
if [ -z "${DISPLAY:-}" ]; then
    Xvfb :118 -nolisten tcp >/dev/null 2>&1 & pids+=($!)
    export DISPLAY=:118
    sleep 1
fi
export LIBVA_DRIVER_NAME=vivac LIBVA_DRIVERS_PATH=$build/src/guest
while [ $# -ge 3 ]; do
    name=$1 clip=$2 vf=$3; shift 3
    fmt=nv12
    [[ $vf =~ format=([a-z0-9]+) ]] && fmt=${BASH_REMATCH[1]}
    [ "$fmt" = p010 ] && fmt=p010le
    if [ ! -f "$out/$name.vtrace" ]; then
        chmod 0711 "$work"
        mkdir -m 1777 -p "$work/$name"
        sock=$work/$name.sock
        "$build/src/host/vivacd" --engine sw --socket "$sock" --record "$work/$name" --log-level warn &
        dpid=$!
        pids+=($dpid)
        for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
        VIVAC_SOCKET=$sock timeout 600 ffmpeg -nostdin -v error \
            -init_hw_device vaapi=va:,connection_type=x11 -hwaccel vaapi -hwaccel_device va \
            -hwaccel_output_format vaapi -i "$clip" -vf "$vf,hwdownload,format=$fmt" -f null -
        kill -TERM "$dpid"; wait "$dpid"
        mv "$(ls -S "$work/$name"/session-*.vtrace | head -1)" "$out/$name.vtrace"
    fi
    size=$(ffprobe -v error -select_streams v:0 -show_entries stream=width,height -of csv=s=x:p=0 "$clip")
    VIVAC_TEST_FAKE_NVDEC=$size VIVAC_TEST_FAKE_NVDEC_NO_H264=1 VIVAC_TEST_FAKE_NVDEC_D16=1 \
        "$build/tools/vivac" replay "$out/$name.vtrace" --engine auto --md5 |
        grep -E '^stream [0-9]+ frame ' >"$out/$name.kernels.md5"
    echo "$name: $(wc -l <"$out/$name.kernels.md5") pictures, trace $(du -h "$out/$name.vtrace" | cut -f1)"
done
