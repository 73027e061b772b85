#!/usr/bin/env bash
# GStreamer on vivac's video processing (VAEntrypointVideoProc, sw engine):
# gstreamer-vaapi registers vaapipostproc; playbin, with no rank override,
# decodes through vaapidecodebin (vaapidecode + vaapipostproc) and the
# daemon counts every frame; vaapipostproc's scaling, each scale-method,
# is bit-exact against FFmpeg's software scale with the swscale flags the
# VA mode maps to (docs/codecs.md, Video processing).
# Usage: gst_vpp.sh CLIP (H.264)
source "$(dirname "$0")/lib.sh"
clip=${1:?usage: gst_vpp.sh CLIP}
need gst-launch-1.0
need ffmpeg
gst-inspect-1.0 vaapi >/dev/null 2>&1 || { echo "SKIP: gstreamer1.0-vaapi not installed"; exit $SKIP; }
ensure_display
start_daemon --engine sw
use_vivac_driver
# gstreamer-vaapi only loads drivers it knows unless told otherwise.
export GST_VAAPI_ALL_DRIVERS=1 XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-$e2e_tmp}
export GST_REGISTRY=$e2e_tmp/gst-registry.bin
frames=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames \
         -of csv=p=0 "$clip")

gst-inspect-1.0 vaapipostproc >/dev/null 2>&1 ||
    { gst-inspect-1.0 vaapi; echo "FAIL: vaapipostproc is not registered"; exit 1; }

# closed_frames N: the frames of the sessions opened from line N of the
# daemon's log on, once all of them have closed (their end is logged after
# the client has gone; up to 5 s).
closed_frames() {
    local o c
    for _ in $(seq 100); do
        o=$(sed -n "$1,\$p" "$e2e_tmp/vivacd.log" | grep -c ' opened: ' || true)
        c=$(sed -n "$1,\$p" "$e2e_tmp/vivacd.log" | grep -c ' closed: ' || true)
        [ "$o" -gt 0 ] && [ "$o" = "$c" ] && break
        sleep 0.05
    done
    sed -n "$1,\$s/.* closed: \([0-9]*\) frames, 0 errors.*/\1/p" "$e2e_tmp/vivacd.log" |
        awk '{ s += $1 } END { print s + 0 }'
}

mkdir -p "$e2e_tmp/dot"
mark=$(($(wc -l <"$e2e_tmp/vivacd.log") + 1))
GST_DEBUG_DUMP_DOT_DIR=$e2e_tmp/dot gst-launch-1.0 playbin uri="file://$(realpath "$clip")" \
    video-sink=fakesink audio-sink=fakesink >"$e2e_tmp/playbin.log" 2>&1 ||
    { cat "$e2e_tmp/playbin.log"; echo "FAIL: playbin"; exit 1; }
dots=$(cat "$e2e_tmp"/dot/*PAUSED_PLAYING* 2>/dev/null || true)
for e in GstVaapiDecodeBin GstVaapiDecode GstVaapiPostproc; do
    grep -q "label=\"$e\\\\n" <<<"$dots" ||
        { ls "$e2e_tmp/dot"; echo "FAIL: playbin's pipeline has no $e"; exit 1; }
done
got=$(closed_frames "$mark")
[ "$got" -ge "$frames" ] ||
    { tail "$e2e_tmp/vivacd.log"; echo "FAIL: playbin: the daemon decoded $got of $frames frames"; exit 1; }
echo "# playbin: vaapidecodebin (vaapidecode + vaapipostproc), $got frames through the daemon"

# The reference scales to planar yuv420p (swscale writing NV12 directly
# rounds otherwise), then repacks to NV12 (exact).
for m in 0:bicubic 1:fast_bilinear 2:lanczos; do
    method=${m%%:*} flags=${m#*:}
    mark=$(($(wc -l <"$e2e_tmp/vivacd.log") + 1))
    gst-launch-1.0 -q filesrc location="$clip" ! h264parse ! vaapih264dec ! \
        vaapipostproc width=176 height=144 scale-method="$method" ! \
        video/x-raw,format=NV12 ! filesink location="$e2e_tmp/got.raw" >"$e2e_tmp/gst.log" 2>&1 ||
        { cat "$e2e_tmp/gst.log"; tail "$e2e_tmp/vivacd.log"; echo "FAIL: vaapipostproc scale-method=$method"; exit 1; }
    ffmpeg -nostdin -v error -i "$clip" -vf "scale=176:144:flags=$flags,format=yuv420p" \
        -f rawvideo -pix_fmt nv12 -y "$e2e_tmp/ref.raw"
    if [ ! -s "$e2e_tmp/ref.raw" ] || ! cmp -s "$e2e_tmp/ref.raw" "$e2e_tmp/got.raw"; then
        ls -l "$e2e_tmp"/*.raw
        echo "FAIL: vaapipostproc scale-method=$method differs from scale flags=$flags"; exit 1
    fi
    got=$(closed_frames "$mark")
    [ "$got" -ge $((2 * frames)) ] ||
        { tail "$e2e_tmp/vivacd.log"; echo "FAIL: want >= $((2 * frames)) frames (decode + process), got $got"; exit 1; }
    echo "# vaapipostproc 176x144 scale-method=$method == scale flags=$flags: $frames frames bit-exact"
done
stop_daemon
echo "ok: vaapipostproc registers, playbin decodes through vaapidecodebin, scaling bit-exact"
