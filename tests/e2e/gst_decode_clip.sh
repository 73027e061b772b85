#!/usr/bin/env bash
# End to end through a second VA client, bit-exact: decodes CLIP with
# GStreamer's gstreamer-vaapi decoder (its own bitstream parser fills the VA
# buffers, independently of FFmpeg) through the vivac driver and a private
# vivacd (engine sw, or the vaapi chain with VIVAC_E2E_VAAPI_CHAIN as
# hostile.sh has it: e2e_gst_vaapi_chain_*), downloads frames as GST_FORMAT and compares every
# sample with ffmpeg's software decode. It also reaches what FFmpeg 5.1's VA
# decoder cannot: HEVC 4:4:4 (Y444, Y410).
# Usage: gst_decode_clip.sh CLIP GST_FORMAT
source "$(dirname "$0")/lib.sh"
clip=${1:?usage: gst_decode_clip.sh CLIP GST_FORMAT}
format=${2:?usage: gst_decode_clip.sh CLIP GST_FORMAT}
need gst-launch-1.0
need ffmpeg
[ -s "$clip" ] || { echo "missing clip $clip (run tests/corpus/make_corpus.sh)"; exit 1; }
gst-inspect-1.0 vaapi >/dev/null 2>&1 || { echo "SKIP: gstreamer1.0-vaapi not installed"; exit $SKIP; }

case $clip in
    *.264) parse=h264parse; dec=vaapih264dec ;;
    *.hevc) parse=h265parse; dec=vaapih265dec ;;
    *.ivf) parse=ivfparse; dec=vaapivp9dec
        [ "$(clip_codec "$clip")" = av1 ] && parse="ivfparse ! av1parse" dec=vaapiav1dec ;;
    *.m2v) parse=mpegvideoparse; dec=vaapimpeg2dec ;;
    *.mjpeg) parse=jpegparse; dec=vaapijpegdec ;;
    *) echo "unknown clip type: $clip"; exit 1 ;;
esac
# The reference: ffmpeg's planar format with the same sampling and depth.
case $format in
    NV12) ref_fmt=yuv420p ;; P010_10LE) ref_fmt=yuv420p10le ;;
    Y42B|YUY2) ref_fmt=yuv422p ;; Y444) ref_fmt=yuv444p ;;
    Y210) ref_fmt=yuv422p10le ;; Y410) ref_fmt=yuv444p10le ;;
    *) echo "unknown format $format"; exit 1 ;;
esac

# JPEG decodes to full range (yuvj*): keep the reference there, no conversion.
case $clip in *.mjpeg) ref_fmt=${ref_fmt/yuv/yuvj} ;; esac

ensure_display
start_test_daemon
use_vivac_driver
# gstreamer-vaapi only loads drivers it knows unless told otherwise.
export GST_VAAPI_ALL_DRIVERS=1 XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-$e2e_tmp}
export GST_REGISTRY=$e2e_tmp/gst-registry.bin

if ! gst-launch-1.0 -q filesrc location="$clip" ! $parse ! $dec ! \
        "video/x-raw,format=$format" ! filesink location="$e2e_tmp/got.raw" \
        >"$e2e_tmp/gst.log" 2>&1; then
    cat "$e2e_tmp/gst.log"; tail -20 "$e2e_tmp/vivacd.log"
    echo "FAIL: GStreamer through vivac failed on $(basename "$clip")"; exit 1
fi
ffmpeg -nostdin -v error -i "$clip" -f rawvideo -pix_fmt "$ref_fmt" -y "$e2e_tmp/ref.raw"
size=$(ffprobe -v error -select_streams v:0 -show_entries stream=width,height -of csv=p=0 "$clip" | tr , ' ')
if ! out=$(python3 "$(dirname "$0")/compare_raw.py" "$format" $size "$e2e_tmp/got.raw" "$e2e_tmp/ref.raw"); then
    echo "$out"; head -20 "$e2e_tmp/gst.log" "$e2e_tmp/vivacd.log"
    echo "FAIL: $(basename "$clip") through GStreamer differs"; exit 1
fi
stop_daemon
# The frames came from the daemon (gst-vaapi has no software fallback, but
# a silent one elsewhere would make this test vacuous).
grep -q 'closed: [1-9][0-9]* frames' "$e2e_tmp/vivacd.log" || {
    cat "$e2e_tmp/vivacd.log"; echo "FAIL: the daemon decoded nothing"; exit 1; }
[ -z "${VIVAC_E2E_VAAPI_CHAIN:-}" ] || grep -q "ready (engine vaapi)" "$e2e_tmp/vivacd.log" || {
    cat "$e2e_tmp/vivacd.log"; echo "FAIL: the outer daemon's engine is not vaapi"; exit 1; }
echo "ok: $(basename "$clip"): $out through GStreamer ($format)"
