#!/usr/bin/env bash
# Records one vivac trace per clip (ffmpeg decoding it through vivac, sw
# engine) and the sw engine's per-picture MD5s of replaying that trace, the
# reference that other engines (nvdec on the GPU machine) must match.
#   bench/record_traces.sh OUTDIR CLIP.264...
# Writes OUTDIR/NAME.vtrace and OUTDIR/NAME.sw.md5 for each clip, and for
# the codecs whose decoders may differ by nature (MPEG-2, MPEG-4 Part 2,
# JPEG: the IDCT is not fixed bit for bit) the sw pictures themselves,
# OUTDIR/NAME.sw.yuv.xz (vivac replay --dump), which
# bench/gpu_correctness.sh compares sample by sample (bench/compare_yuv.py).
# The guest lists MPEG-4 Part 2 only when asked (VIVAC_MPEG4=1, set here).
set -euo pipefail
out=${1:?usage: record_traces.sh OUTDIR CLIP...}; shift
build=${VIVAC_BUILD:-$(pwd)/build}
mkdir -p "$out"
work=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    # Waited for: the next run starts its Xvfb on the same display.
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

if [ -z "${DISPLAY:-}" ]; then
    Xvfb :117 -nolisten tcp >/dev/null 2>&1 & pids+=($!)
    export DISPLAY=:117
    sleep 1
fi
export LIBVA_DRIVER_NAME=vivac LIBVA_DRIVERS_PATH=$build/src/guest VIVAC_MPEG4=1
for clip in "$@"; do
    name=$(basename "${clip%.*}")
    # Written by the daemon's worker: an unprivileged user when run as root.
    chmod 0711 "$work"
    mkdir -m 1777 -p "$work/$name"
    sock=$work/$name.sock
    "$build/src/host/vivacd" --engine sw --socket "$sock" --record "$work/$name" --log-level warn &
    dpid=$!
    pids+=($dpid)                             # stopped on the way out if the client fails
    for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
    pix_fmt=$(ffprobe -v error -select_streams v:0 -show_entries stream=pix_fmt -of csv=p=0 "$clip")
    codec=$(ffprobe -v error -select_streams v:0 -show_entries stream=codec_name -of default=nw=1:nk=1 "$clip")
    case $pix_fmt in
    yuv444p*)
        # FFmpeg 5.1 offers no VA decoding for HEVC 4:4:4: GStreamer's
        # gstreamer-vaapi is the client (as in tests/e2e/gst_decode_clip.sh).
        VIVAC_SOCKET=$sock GST_VAAPI_ALL_DRIVERS=1 XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-$work} \
            timeout 300 gst-launch-1.0 -q filesrc location="$clip" ! h265parse ! vaapih265dec ! \
            fakesink >/dev/null
        ;;
    *)
        # Surfaces of 10-bit streams are P010: download them as such.
        case $pix_fmt in *10le) fmt=p010le ;; *) fmt=nv12 ;; esac
        # AV1: FFmpeg's own decoder, the one with a VA hwaccel (the default,
        # libdav1d, has none).
        dec=()
        [ "$codec" = av1 ] && dec=(-c:v av1)
        VIVAC_SOCKET=$sock timeout 300 ffmpeg -nostdin -v error -init_hw_device vaapi=va:,connection_type=x11 \
            -hwaccel vaapi -hwaccel_device va -hwaccel_output_format vaapi "${dec[@]}" -i "$clip" \
            -vf hwdownload,format=$fmt -f null -
        ;;
    esac
    kill -TERM "$dpid"; wait "$dpid"
    # The session that decoded (a client may open others that decode nothing).
    mv "$(ls -S "$work/$name"/session-*.vtrace | head -1)" "$out/$name.vtrace"
    dump=()
    case $codec in mpeg2video | mpeg4 | mjpeg) dump=(--dump "$work/$name.yuv") ;; esac
    "$build/tools/vivac" replay "$out/$name.vtrace" --engine sw --md5 "${dump[@]}" |
        grep -E '^stream [0-9]+ frame ' >"$out/$name.sw.md5"
    if [ ${#dump[@]} -gt 0 ]; then
        xz -T1 -6 -c "$work/$name.yuv" >"$out/$name.sw.yuv.xz"
        rm -f "$work/$name.yuv"
    fi
    echo "$name: $(wc -l <"$out/$name.sw.md5") pictures, trace $(du -h "$out/$name.vtrace" | cut -f1)"
done
