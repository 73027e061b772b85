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
# hardware video decoding"). So:
# VIVAC_E2E_MPV_VAVPP=DEINT (bob or motion-adaptive): Debian 13's mpv
# 0.40 (lib.sh's use_guest_root; skips where there is no such root)
# decodes an interlaced top-field-first CLIP with --hwdec=vaapi onto
# vivac's surfaces, deinterlaces them with --vf=vavpp=deint=DEINT (a
# PROCESS job per field; motion adaptive sends the neighbouring frames as
# references) and shows them with vaPutSurface (another job). The window
# must show the last field mpv shows, the top field of the last frame
# (mpv's vavpp drops the second field of a stream's last frame), as FFmpeg
# makes it (bob: `separatefields` and `scale` to twice its height,
# bicubic; motion adaptive: `bwdif`, a field a picture), then `scale` to
# the window: bit-exact; and the daemon must have run a job per field
# besides the decodes. Without the deinterlacing (the frame shown whole)
# or, for motion adaptive, without the references, it fails.
# VIVAC_E2E_FAKE_NVDEC=1 (a test build with nvdec; skips elsewhere): a GPU
# host's `auto` on fake CUDA, where H.264 decodes on sw into nvdec's
# surfaces and the drawing's processing runs on nvdec's kernels (bilinear,
# their own RGB conversion): the window then matches FFmpeg's bilinear
# `scale` to at least 35 dB PSNR (43.9 dB measured; chroma is interpolated
# differently), and the daemon must say the jobs ran on nvdec.
# Usage: mpv_vo_vaapi.sh CLIP
source "$(dirname "$0")/lib.sh"
clip=${1:?usage: mpv_vo_vaapi.sh CLIP}
need ffmpeg
need xwininfo
[ -s "$clip" ] || { echo "missing clip $clip (run tests/corpus/make_corpus.sh)"; exit 1; }
engine=sw flags=bicubic exact=()
if [ -n "${VIVAC_E2E_FAKE_NVDEC:-}" ]; then
    grep -qa "VIVAC_TEST_FAKE_NVDEC" "$VIVACD" ||
        { echo "SKIP: vivacd built without -Dtest_hooks or without the nvdec engine"; exit $SKIP; }
    export VIVAC_TEST_FAKE_NVDEC=352x288 VIVAC_TEST_FAKE_NVDEC_NO_H264=1
    engine=auto flags=bilinear exact=(--min-psnr 35)
fi
# A window smaller than the picture, without the aspect kept: mpv asks for
# the whole frame scaled to the whole window.
w=160 h=120
# The last picture mpv shows, as FFmpeg makes it: the last frame, or with
# vavpp the last frame's top field bobbed (the next to last field; the bob
# is written as swscale writes planar 4:2:0, as in vpp_compare.sh).
ref_vf="scale=$w:$h:flags=$flags" ref_from_end=1
mpv=(mpv) mpv_tmp=$e2e_tmp decode=vaapi-copy filters=()
if [ -n "${VIVAC_E2E_MPV_VAVPP:-}" ]; then
    use_guest_root
    cp "$clip" "$e2e_tmp/"
    mpv_tmp=$GUEST_TMP
    mpv=("${IN_GUEST[@]}" mpv)
    clip_shown=$GUEST_TMP/$(basename "$clip")
    deint=$VIVAC_E2E_MPV_VAVPP
    decode=vaapi filters=(--hwdec-codecs=all --vf=vavpp=deint=$deint)
    case $deint in
        bob) deint_vf="separatefields,scale=w=iw:h=ih*2:flags=bicubic" ;;
        motion-adaptive) deint_vf="bwdif=mode=send_field:parity=tff:deint=all" ;;
        *) echo "FAIL: VIVAC_E2E_MPV_VAVPP=$deint: bob or motion-adaptive"; exit 1 ;;
    esac
    ref_vf="$deint_vf,format=yuv420p,$ref_vf" ref_from_end=2
else
    need mpv
    ensure_display
    clip_shown=$clip
fi
start_daemon --engine $engine
use_vivac_driver

# What the window must show at the end.
LD_PRELOAD= ffmpeg -nostdin -v error -i "$clip" -vf "$ref_vf,format=bgr0" \
    -f rawvideo -pix_fmt bgr0 "$e2e_tmp/all.raw"
pictures=$(($(stat -c %s "$e2e_tmp/all.raw") / (w * h * 4)))
LD_PRELOAD= dd if="$e2e_tmp/all.raw" of="$e2e_tmp/ref.raw" bs=$((w * h * 4)) skip=$((pictures - ref_from_end)) \
    count=1 status=none
"${mpv[@]}" --no-config --vo=vaapi --hwdec=$decode "${filters[@]}" --ao=null --untimed \
    --keep-open=always --no-keepaspect --geometry=${w}x$h+0+0 --title=vivac-vo-vaapi \
    --osd-level=0 --input-ipc-server="$mpv_tmp/mpv.sock" --msg-level=all=v "$clip_shown" \
    >"$e2e_tmp/mpv.log" 2>&1 &
mpv_pid=$!
e2e_pids+=($mpv_pid)
sock=$e2e_tmp/mpv.sock
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

grep -q "Using hardware decoding ($decode)" "$e2e_tmp/mpv.log" || fail "mpv did not decode with $decode"
grep -q "\[vo/vaapi\] vaPutSurface() failed" "$e2e_tmp/mpv.log" && fail "vaPutSurface failed"
frames=$(LD_PRELOAD= ffprobe -v error -count_frames -select_streams v:0 \
         -show_entries stream=nb_read_frames -of default=nw=1:nk=1 "$clip" | head -1)
stop_daemon
if [ $engine = auto ]; then
    grep -q "info: nvdec+sw: video processing on nvdec$" "$e2e_tmp/vivacd.log" ||
        { grep "video processing" "$e2e_tmp/vivacd.log"; echo "FAIL: the drawing did not run on nvdec"; exit 1; }
fi
counts=$(sed -n 's/.*session [0-9]* closed: \([0-9]*\) frames, 0 errors.*/\1/p' "$e2e_tmp/vivacd.log" | sort -n)
if [ -n "${VIVAC_E2E_MPV_VAVPP:-}" ]; then
    grep -q "^\[vf\] \[vavpp\] " "$e2e_tmp/mpv.log" || fail "mpv's filter chain has no vavpp"
    # One session: mpv 0.40 decodes on the VO's display. A decode per
    # frame, a bob job per field but the last and a vaPutSurface per
    # field bobbed.
    want_sessions=1 want=$((frames + 2 * (2 * frames - 1)))
    what="vavpp=deint=$deint: $((2 * frames - 1)) fields"
else
    # One session decoded (vaapi-copy's own display), the VO's processed:
    # a job per vaPutSurface, one per frame shown at least.
    want_sessions=2 want=$frames what="$frames frames"
fi
[ "$(wc -l <<<"$counts")" -eq $want_sessions ] && [ "$(head -1 <<<"$counts")" -ge "$want" ] ||
    { grep closed "$e2e_tmp/vivacd.log"
      echo "FAIL: want $want_sessions session(s) of >= $want frames, 0 errors"; exit 1; }
echo "ok: mpv --vo=vaapi showed $(basename "$clip") through vivac's vaPutSurface ($what; sessions: $(echo $counts))"
