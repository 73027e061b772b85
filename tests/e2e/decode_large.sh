#!/usr/bin/env bash
# Pictures larger than H.264's 4096x2304, each codec up to its own limit on
# the sw engine (docs/codecs.md, "Sizes"): makes a short clip of KIND into
# the test's temporary directory, then decode_clip.sh decodes it through
# vivac and compares every frame's MD5 with ffmpeg's software decode.
#   hevc  7680x4320, 3 frames (x265 ultrafast)
#   vp9   7680x4320, 3 frames (libvpx-vp9 realtime)
#   jpeg  8192x4320, 2 pictures (ffmpeg's mjpeg, 4:2:0)
# Usage: decode_large.sh KIND
source "$(dirname "$0")/lib.sh"
kind=${1:?usage: decode_large.sh hevc|vp9|jpeg}
need ffmpeg

src() { printf 'testsrc=s=%s:r=25' "$1"; }
case $kind in
hevc)
    clip=$e2e_tmp/hevc_7680x4320.hevc
    ffmpeg -nostdin -v error -f lavfi -i "$(src 7680x4320)" -frames:v 3 -pix_fmt yuv420p \
        -c:v libx265 -preset ultrafast -x265-params log-level=error -f hevc -y "$clip" ;;
vp9)
    clip=$e2e_tmp/vp9_7680x4320.ivf
    ffmpeg -nostdin -v error -f lavfi -i "$(src 7680x4320)" -frames:v 3 -pix_fmt yuv420p \
        -c:v libvpx-vp9 -deadline realtime -cpu-used 8 -lag-in-frames 0 -f ivf -y "$clip" ;;
jpeg)
    clip=$e2e_tmp/mjpeg_8192x4320.mjpeg
    ffmpeg -nostdin -v error -f lavfi -i "$(src 8192x4320)" -frames:v 2 -pix_fmt yuvj420p \
        -c:v mjpeg -q:v 5 -f mjpeg -y "$clip" ;;
*)
    echo "usage: decode_large.sh hevc|vp9|jpeg"; exit 2 ;;
esac
[ -s "$clip" ] || { echo "FAIL: cannot encode $(basename "$clip")"; exit 1; }

range=limited
[ "$kind" = jpeg ] && range=full
"$(dirname "$0")/decode_clip.sh" "$clip" nv12 "$range"
