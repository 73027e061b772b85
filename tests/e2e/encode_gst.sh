#!/usr/bin/env bash
# End to end encode through vivac with GStreamer, a VA client independent of
# FFmpeg, and a private vivacd (engine sw).
#
# Cases vaapi*: gstreamer-vaapi's vaapih264enc / vaapih265enc encode a
# 60-frame testsrc2 clip (made by ffmpeg, read with rawvideoparse so that
# the output can be compared with its source; videotestsrc's patterns are
# nearly static, which makes CBR and PSNR checks meaningless), then
# h264parse/h265parse and mp4mux/matroskamux. encode_check.py asserts: it
# decodes without an error; 60 frames; IDRs at the keyframe-period; no B
# pictures (in the bframes case the client asks for 2 and the driver's
# MaxRefFrames L1 = 0 makes gstreamer-vaapi fall back to I/P); timestamps
# strictly increasing; PSNR >= 38 dB (encode_ffmpeg.sh says why);
# CBR within ±10 % of bitrate; HEVC Main10 from P010 at an odd size; the
# host's encoder wrote it (x264's / x265's SEI) and the daemon counted
# the pictures.
#
# Case va_plugin: what the GStreamer `va` plugin (gst-plugins-bad 1.22) does
# with vivac. The plugin finds VA devices only as DRM render nodes
# (/dev/dri/renderD*), so on a machine without one it registers no element
# at all: the test asserts that vah264enc is absent and says so. Where a
# render node exists and the plugin loads vivac (LIBVA_DRIVER_NAME), its
# encoders want packed headers, which vivac does not offer: the test then
# asserts that vah264enc refuses to encode (the pipeline fails, nothing is
# written) and that the daemon stays up.
#
# With ENCODE_IN_CLIENT=1 the HEVC cases run with x265enc in GStreamer and
# no daemon (a check of the checks; there is no x264enc on Debian 12's
# default set), the others are skipped.
# Usage: encode_gst.sh CASE...
source "$(dirname "$0")/lib.sh"
need gst-launch-1.0
need gst-inspect-1.0
need ffmpeg
need ffprobe
need python3
check=$(dirname "$0")/encode_check.py
in_client=${ENCODE_IN_CLIENT:-0}
frames=60
[ $# -gt 0 ] || { echo "usage: encode_gst.sh CASE..."; exit 1; }

export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-$e2e_tmp}
# A registry of our own: the vaapi plugin registers its encoders from what
# the driver it finds at scan time offers.
export GST_REGISTRY=$e2e_tmp/gst-registry.bin
if [ "$in_client" != 1 ]; then
    gst-inspect-1.0 vaapi >/dev/null 2>&1 || { echo "SKIP: gstreamer1.0-vaapi not installed"; exit $SKIP; }
    ensure_display
    start_daemon --engine sw
    use_vivac_driver
    # gstreamer-vaapi only loads drivers it knows unless told otherwise.
    export GST_VAAPI_ALL_DRIVERS=1
fi

# va_plugin: asserts the observed behaviour of the `va` plugin (see above).
va_plugin() {
    if ! gst-inspect-1.0 va >"$e2e_tmp/va.txt" 2>&1; then
        echo "SKIP: no GStreamer va plugin (gstreamer1.0-plugins-bad)"; exit $SKIP
    fi
    if ! gst-inspect-1.0 vah264enc >/dev/null 2>&1; then
        if ls /dev/dri/renderD* >/dev/null 2>&1; then
            cat "$e2e_tmp/va.txt"
            echo "FAIL: a render node exists but the va plugin offers no vah264enc through vivac"
            exit 1
        fi
        echo "ok: va_plugin: no DRM render node here, so GStreamer's va plugin registers no" \
             "element (vah264enc absent; gstreamer-vaapi works over X11)"
        return
    fi
    local out=$e2e_tmp/va.mp4
    if timeout 60 gst-launch-1.0 -q videotestsrc num-buffers=10 ! video/x-raw,format=NV12,width=352,height=288 ! \
            vah264enc ! h264parse ! mp4mux ! filesink location="$out" >"$e2e_tmp/va.log" 2>&1 &&
            [ -s "$out" ]; then
        echo "FAIL: vah264enc encoded through a driver without packed headers (behaviour changed:" \
             "check its output and make this a full case)"; exit 1
    fi
    daemon_alive || { echo "FAIL: vivacd died under vah264enc"; exit 1; }
    echo "ok: va_plugin: vah264enc refuses a driver without packed headers: $(grep -m1 -i -E 'packed|error' "$e2e_tmp/va.log")"
}

total_frames=0
for case in "$@"; do
    if [ "$case" = va_plugin ]; then
        [ "$in_client" = 1 ] && { echo "skip: $case in the client"; continue; }
        va_plugin; continue
    fi
    codec=h264 size=352x288 depth=8 ext=mp4 keys=0,30 props=() checks=() profile=()
    case $case in
    vaapih264enc_cqp_mp4) props=(rate-control=cqp init-qp=28 keyframe-period=30) ;;
    vaapih264enc_bframes_mkv)
        ext=mkv props=(rate-control=cqp init-qp=28 keyframe-period=30 max-bframes=2) ;;
    vaapih264enc_cbr_mkv)
        ext=mkv keys=0 props=(rate-control=cbr bitrate=600 keyframe-period=60)
        checks=(--bitrate 600000 --tolerance 0.10) ;;
    vaapih265enc_cqp_mkv)
        codec=hevc ext=mkv props=(rate-control=cqp init-qp=25 keyframe-period=30) ;;
    vaapih265enc_main10_odd_size_mp4)
        codec=hevc depth=10 size=350x198 profile=(--profile "Main 10")
        props=(rate-control=cqp init-qp=25 keyframe-period=30) ;;
    *) echo "unknown case $case"; exit 1 ;;
    esac
    w=${size%x*} h=${size#*x}
    pix_fmt=yuv420p gst_fmt=nv12 raw_fmt=nv12
    [ "$depth" = 10 ] && pix_fmt=yuv420p10le gst_fmt=p010-10le raw_fmt=p010le
    src=$e2e_tmp/src_${size}_$depth.nut raw=$e2e_tmp/src_${size}_$depth.raw
    if [ ! -s "$src" ]; then
        ffmpeg -nostdin -v error -f lavfi -i "testsrc2=size=$size:rate=30" -frames:v $frames \
            -pix_fmt $pix_fmt -c:v rawvideo -y "$src"
        ffmpeg -nostdin -v error -i "$src" -pix_fmt $raw_fmt -f rawvideo -y "$raw"
    fi
    out=$e2e_tmp/$case.$ext
    mux=mp4mux; [ $ext = mkv ] && mux=matroskamux
    caps=video/x-h264 parse=h264parse tag=x264 enc=vaapih264enc
    [ $codec = hevc ] && caps=video/x-h265 parse=h265parse tag=x265 enc=vaapih265enc
    if [ "$in_client" = 1 ]; then
        [ $codec = hevc ] || { echo "skip: $case in the client (no x264enc)"; continue; }
        qp=${props[1]#init-qp=}
        props=(option-string="qp=$qp:keyint=30:min-keyint=30:bframes=0:open-gop=0:scenecut=0")
        i420=I420; [ "$depth" = 10 ] && i420=I420_10LE
        enc="videoconvert ! video/x-raw,format=$i420 ! x265enc"
    fi
    pipe=(filesrc location="$raw" ! rawvideoparse format=$gst_fmt width=$w height=$h framerate=30/1
          ! $enc "${props[@]}" ! "$caps,stream-format=byte-stream" ! $parse ! $mux
          ! filesink location="$out")
    # A pipeline that fails to negotiate can hang on its way down.
    if ! timeout 60 gst-launch-1.0 -q "${pipe[@]}" >"$e2e_tmp/$case.log" 2>&1; then
        tail -30 "$e2e_tmp/$case.log"; [ "$in_client" = 1 ] || tail -20 "$e2e_tmp/vivacd.log"
        echo "FAIL: $case: gst-launch-1.0 ${pipe[*]}"; exit 1
    fi
    [ "$in_client" = 1 ] || checks+=(--contains "$tag")
    if ! res=$(python3 "$check" "$out" --source "$src" --codec $codec "${profile[@]}" \
            --size $size --pix-fmt $pix_fmt --frames $frames --keyframes "$keys" \
            --psnr-min 38 "${checks[@]}"); then
        echo "$res"; tail -5 "$e2e_tmp/$case.log"
        echo "FAIL: $case"; exit 1
    fi
    total_frames=$((total_frames + frames))
    echo "ok: $case (${props[*]}): $res"
done

if [ "$in_client" != 1 ]; then
    stop_daemon
    daemon_counted_at_least "$total_frames"
fi
