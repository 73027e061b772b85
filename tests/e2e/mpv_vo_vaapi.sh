#!/usr/bin/env bash
# mpv's X11 VA output (--vo=vaapi) through vivac: vaPutSurface, which the
# host's video processing (scaling, YUV -> RGB) and the driver's XPutImage
# carry out (docs/codecs.md, Presentation), with decoding through vivac too
# (vaapi-copy). Checks that what the window shows at the end is the clip's
# last frame as FFmpeg's `scale` (bicubic, the VA default) makes it at the
# window's size: bit-exact in B, G and R; that mpv reported no vaPutSurface
# failure; and that the daemon ran a processing job per frame shown.
# mpv 0.35 (Debian 12) cannot take --hwdec=vaapi or --vf=vavpp with this
# VO: its preinit registers the VA device without the image format its
# decoder and filters look it up by (fixed in mpv 0.36, "vo_vaapi: restore
# hardware video decoding"), so those are not tested here.
# VIVAC_E2E_FAKE_NVDEC=1 (a test build with nvdec; skips elsewhere): a GPU
# host's `auto` on fake CUDA, where H.264 decodes on sw into nvdec's
# surfaces and the drawing's processing runs on nvdec's kernels (bilinear,
# their own RGB conversion): the window then matches FFmpeg's bilinear
# `scale` to at least 35 dB PSNR (43.9 dB measured; chroma is interpolated
# differently), and the daemon must say the jobs ran on nvdec.
# Usage: mpv_vo_vaapi.sh CLIP
source "$(dirname "$0")/lib.sh"
clip=${1:?usage: mpv_vo_vaapi.sh CLIP}
need mpv
need ffmpeg
need xwininfo
[ -s "$clip" ] || { echo "missing clip $clip (run tests/corpus/make_corpus.sh)"; exit 1; }
ensure_display
engine=sw flags=bicubic exact=()
if [ -n "${VIVAC_E2E_FAKE_NVDEC:-}" ]; then
    grep -qa "VIVAC_TEST_FAKE_NVDEC" "$VIVACD" ||
        { echo "SKIP: vivacd built without -Dtest_hooks or without the nvdec engine"; exit $SKIP; }
    export VIVAC_TEST_FAKE_NVDEC=352x288 VIVAC_TEST_FAKE_NVDEC_NO_H264=1
    engine=auto flags=bilinear exact=(--min-psnr 35)
fi
start_daemon --engine $engine
use_vivac_driver

# A window smaller than the picture, without the aspect kept: mpv asks for
# the whole frame scaled to the whole window.
w=160 h=120
# What the window must show at the end: the last frame so scaled.
LD_PRELOAD= ffmpeg -nostdin -v error -i "$clip" -vf "scale=$w:$h:flags=$flags,format=bgr0" \
    -f rawvideo -pix_fmt bgr0 - | tail -c $((w * h * 4)) >"$e2e_tmp/ref.raw"
sock=$e2e_tmp/mpv.sock
mpv --no-config --vo=vaapi --hwdec=vaapi-copy --ao=null --untimed --keep-open=always \
    --no-keepaspect --geometry=${w}x$h+0+0 --title=vivac-vo-vaapi --osd-level=0 \
    --input-ipc-server="$sock" --msg-level=all=v "$clip" >"$e2e_tmp/mpv.log" 2>&1 &
mpv_pid=$!
e2e_pids+=($mpv_pid)
fail() { tail -30 "$e2e_tmp/mpv.log"; tail -20 "$e2e_tmp/vivacd.log"; echo "FAIL: $1"; exit 1; }
LD_PRELOAD= "$(dirname "$0")/mpv_ipc.py" "$sock" wait-eof || fail "mpv did not play to the end"

# The window's pixels while the last frame is shown.
geo=$(LD_PRELOAD= xwininfo -name vivac-vo-vaapi) || fail "no mpv window"
x=$(awk '/Absolute upper-left X/ {print $NF}' <<<"$geo")
y=$(awk '/Absolute upper-left Y/ {print $NF}' <<<"$geo")
gw=$(awk '/Width:/ {print $NF}' <<<"$geo"); gh=$(awk '/Height:/ {print $NF}' <<<"$geo")
[ "$gw" = $w ] && [ "$gh" = $h ] || fail "the window is ${gw}x$gh, not ${w}x$h"
# Grabbed again a few times should the last frame still be on its way.
for try in 1 2 3 4 5; do
    LD_PRELOAD= ffmpeg -nostdin -v error -f x11grab -draw_mouse 0 -video_size ${w}x$h \
        -i "$DISPLAY+$x,$y" -frames:v 1 -f rawvideo -pix_fmt bgr0 -y "$e2e_tmp/got.raw" || fail "x11grab"
    LD_PRELOAD= "$(dirname "$0")/compare_bgrx.py" "${exact[@]}" "$e2e_tmp/got.raw" "$e2e_tmp/ref.raw" \
        $w $h && break
    [ "$try" -lt 5 ] || fail "the window does not show the last frame"
    sleep 0.2
done
LD_PRELOAD= "$(dirname "$0")/mpv_ipc.py" "$sock" quit || fail "mpv did not take quit"
rc=0
wait "$mpv_pid" || rc=$?
[ "$rc" -eq 0 ] || fail "mpv exited with status $rc"

grep -q "Using hardware decoding (vaapi-copy)" "$e2e_tmp/mpv.log" || fail "mpv did not decode with vaapi-copy"
grep -q "\[vo/vaapi\] vaPutSurface() failed" "$e2e_tmp/mpv.log" && fail "vaPutSurface failed"
frames=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames \
         -of csv=p=0 "$clip")

# One session decoded (vaapi-copy's own display), the VO's processed: a
# job per vaPutSurface, one per frame shown at least.
stop_daemon
if [ $engine = auto ]; then
    grep -q "info: nvdec+sw: video processing on nvdec$" "$e2e_tmp/vivacd.log" ||
        { grep "video processing" "$e2e_tmp/vivacd.log"; echo "FAIL: the drawing did not run on nvdec"; exit 1; }
fi
counts=$(sed -n 's/.*session [0-9]* closed: \([0-9]*\) frames, 0 errors.*/\1/p' "$e2e_tmp/vivacd.log" | sort -n)
[ "$(wc -l <<<"$counts")" -eq 2 ] && [ "$(head -1 <<<"$counts")" -ge "$frames" ] ||
    { grep closed "$e2e_tmp/vivacd.log"; echo "FAIL: want two sessions of >= $frames frames, 0 errors"; exit 1; }
echo "ok: mpv --vo=vaapi showed $(basename "$clip") through vivac's vaPutSurface ($frames frames; sessions: $(echo $counts))"
