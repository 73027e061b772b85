#!/usr/bin/env bash
# End to end, bit-exact: an FFmpeg VAAPI filter through the vivac driver and
# a private vivacd (engine sw, VAEntrypointVideoProc) against FFmpeg's
# software filters that the sw engine's processing is defined as
# (docs/codecs.md, Video processing), on the same decoded frames: every
# output frame's MD5 equal, and the daemon counted a processing job for
# each besides the decodes.
# Usage: vpp_compare.sh CLIP VAAPI_FILTER REF_FILTER [FORMAT [TRIM]]
#   VAAPI_FILTER: e.g. scale_vaapi=w=320:h=180:mode=hq, deinterlace_vaapi=mode=bob
#   REF_FILTER: e.g. scale=320:180:flags=lanczos, separatefields,scale=w=iw:h=ih*2:flags=bicubic
#   FORMAT: the output surfaces' format, nv12 (default), p010, yuv422p
#   (VA's 422H), yuv444p (444P), y210 (Y210, compared as yuv422p10le), or
#   an RGB one (bgra, rgba, bgr0, rgb0: VA's BGRA, RGBA, BGRX, RGBX),
#   compared as itself: the reference's `scale` writes it in its one
#   swscale pass.
#   TRIM: HEAD:TAIL reference frames that VAAPI_FILTER does not output,
#   left out of the comparison (default 0:0). FFmpeg's deinterlace_vaapi
#   with references (motion adaptive: one picture before and after) shows
#   no picture for the first and last input frame; the software filter
#   shows them with the picture itself standing in for the one missing.
# VIVAC_E2E_VPP_UPLOAD=SWFMT: the pictures processed are uploaded, not
# decoded: the clip decoded by FFmpeg in software, converted to SWFMT
# (yuv422p, yuv444p: VA's 422H, 444P) and put into surfaces of that format
# (hwupload); the reference filters the same SWFMT frames.
# VIVAC_E2E_VPP_FAKE_NVDEC=1 (a test build with nvdec; skips elsewhere):
# `--engine auto` on fake CUDA, nvdec+sw, whose sw part processes through
# its shadows of nvdec's surfaces; the fake decodes no real picture, so the
# reference filters the decoded frames as downloaded through vivac.
# VIVAC_E2E_VPP_ON=PART: the daemon must say the jobs ran on that part of
# the composite (nvdec: the GPU's kernels; sw).
# VIVAC_E2E_VPP_TOLERANCE="MIN_PSNR MAX_DIFF": where the processing is not
# defined as the reference (nvdec's bilinear kernels against swscale's
# bilinear), every frame's PSNR and the largest sample difference instead
# of MD5s (tests/e2e/psnr_y4m.py; RGB formats: every byte, X included).
source "$(dirname "$0")/lib.sh"
clip=${1:?usage}; vaapi_vf=${2:?usage}; ref_vf=${3:?usage}; format=${4:-nv12}
trim=${5:-0:0}; trim_head=${trim%%:*}; trim_tail=${trim##*:}
need ffmpeg
[ -s "$clip" ] || { echo "missing clip $clip (run tests/corpus/make_corpus.sh)"; exit 1; }
ensure_display
engine=sw
if [ -n "${VIVAC_E2E_VPP_FAKE_NVDEC:-}" ]; then
    grep -qa "VIVAC_TEST_FAKE_NVDEC" "$VIVACD" ||
        { echo "SKIP: vivacd built without -Dtest_hooks or without the nvdec engine"; exit $SKIP; }
    export VIVAC_TEST_FAKE_NVDEC=352x288
    engine=nvdec+sw
fi
# VIVAC_TEST_SERVER_MINOR=N (test builds): the daemon's HELLO says 1.N, so
# the driver offers what it offers an older daemon.
if [ -n "${VIVAC_TEST_SERVER_MINOR:-}" ]; then
    grep -qa "VIVAC_TEST_SERVER_MINOR" "$VIVACD" ||
        { echo "SKIP: vivacd built without -Dtest_hooks"; exit $SKIP; }
fi
start_daemon --engine "${engine/nvdec+sw/auto}"
use_vivac_driver
"$VIVAC" info --socket "$VIVAC_SOCKET" >"$e2e_tmp/info.txt"
grep -Eq "^  None +videoproc .* ${engine//+/\\+} " "$e2e_tmp/info.txt" ||
    { cat "$e2e_tmp/info.txt"; echo "FAIL: vivac info lists no video processing on $engine"; exit 1; }

# Compared as planar yuv420p / yuv420p10le: NV12 -> yuv420p and P010 ->
# yuv420p10le are exact repacks, and the reference's last swscale pass
# writes the planar format directly (writing NV12 itself rounds otherwise).
planar=yuv420p down=nv12
case "$format" in
    p010) planar=yuv420p10le down=p010le ;;
    yuv422p|yuv444p) planar=$format down=$format ;;
    y210) planar=yuv422p10le down=y210le ;;
    bgra|rgba|bgr0|rgb0) planar=$format down=$format ;;
esac
# The reference's frames less TRIM's (none left: an empty list, a failure).
trimmed() {
    awk -v h="$trim_head" -v t="$trim_tail" '{l[NR] = $0} END {for (i = h + 1; i <= NR - t; i++) print l[i]}'
}

# OUT: framemd5 (MD5s, one a line) or yuv4mpegpipe (the frames themselves).
# (RGB: nut, whose frames are then unpacked as they are).
out=framemd5
if [ -n "${VIVAC_E2E_VPP_TOLERANCE:-}" ]; then
    out=yuv4mpegpipe; [ "$planar" = "$format" ] && out=nut
fi
# keep FILE [trimmed]: the reference's MD5s are trimmed (TRIM).
keep() {
    case $out in
        framemd5) if [ "${2:-}" = trimmed ]; then md5s | trimmed >"$1.md5"; else md5s >"$1.md5"; fi ;;
        yuv4mpegpipe) cat >"$1.y4m" ;;
        *) cat >"$1.nut" ;;
    esac
}
[ "$out" = framemd5 ] || [ "$trim" = 0:0 ] ||
    { echo "FAIL: TRIM $trim needs MD5s, not VIVAC_E2E_VPP_TOLERANCE"; exit 1; }
upload=${VIVAC_E2E_VPP_UPLOAD:-}
if [ -n "$upload" ]; then
    ffmpeg -nostdin -v error -i "$clip" -vf "format=$upload,$ref_vf,format=$planar" \
        -pix_fmt "$planar" -strict -1 -f $out - | keep "$e2e_tmp/ref" trimmed
elif [ "$engine" = sw ]; then
    ffmpeg -nostdin -v error -i "$clip" -vf "$ref_vf,format=$planar" \
        -pix_fmt "$planar" -strict -1 -f $out - | keep "$e2e_tmp/ref" trimmed
else
    # The decoded surfaces' format: P010 for 10-bit clips.
    decoded=nv12
    ffprobe -v error -select_streams v:0 -show_entries stream=pix_fmt -of csv=p=0 "$clip" |
        grep -q '10le$' && decoded=p010le
    ffmpeg -nostdin -v error -init_hw_device vaapi=va:,connection_type=x11 \
        -hwaccel vaapi -hwaccel_device va -hwaccel_output_format vaapi -i "$clip" \
        -vf "hwdownload,format=$decoded,$ref_vf,format=$planar" \
        -pix_fmt "$planar" -strict -1 -f $out - | keep "$e2e_tmp/ref" trimmed
fi
input=(-hwaccel vaapi -hwaccel_device va -hwaccel_output_format vaapi -i "$clip")
feed=
[ -z "$upload" ] || { input=(-filter_hw_device va -i "$clip"); feed="format=$upload,hwupload,"; }
if ! ffmpeg -nostdin -v error -init_hw_device vaapi=va:,connection_type=x11 "${input[@]}" \
    -vf "$feed$vaapi_vf,hwdownload,format=$down" \
    -pix_fmt "$planar" -strict -1 -f $out - 2>"$e2e_tmp/ffmpeg.log" | keep "$e2e_tmp/got"; then
    cat "$e2e_tmp/ffmpeg.log"; tail -20 "$e2e_tmp/vivacd.log"
    echo "FAIL: $vaapi_vf through vivac failed on $(basename "$clip")"; exit 1
fi
if [ -n "${VIVAC_E2E_VPP_ON:-}" ]; then
    grep -q "info: $engine: video processing on $VIVAC_E2E_VPP_ON\$" "$e2e_tmp/vivacd.log" || {
        grep "video processing" "$e2e_tmp/vivacd.log"
        echo "FAIL: the jobs did not run on $VIVAC_E2E_VPP_ON"; exit 1; }
fi
if [ $out != framemd5 ]; then
    read -r min_psnr max_diff <<<"$VIVAC_E2E_VPP_TOLERANCE"
    files=("$e2e_tmp/got.y4m" "$e2e_tmp/ref.y4m")
    if [ $out = nut ]; then
        read -r w h < <(ffprobe -v error -select_streams v:0 -show_entries stream=width,height \
                        -of csv=s=x:p=0 "$e2e_tmp/ref.nut" | tr x ' ')
        for f in got ref; do
            ffmpeg -nostdin -v error -i "$e2e_tmp/$f.nut" -f rawvideo -pix_fmt "$planar" "$e2e_tmp/$f.raw"
        done
        files=(--raw "$w" "$h" 4 "$e2e_tmp/got.raw" "$e2e_tmp/ref.raw")
    fi
    if ! said=$(python3 "$(dirname "$0")/psnr_y4m.py" "${files[@]}" "$min_psnr" "$max_diff"); then
        echo "$said"
        echo "FAIL: $(basename "$clip"): $vaapi_vf against $ref_vf: a frame below $min_psnr dB or a difference above $max_diff"
        exit 1
    fi
    echo "$said"
    ref_n=${said%% *}
elif ref_n=$(wc -l <"$e2e_tmp/ref.md5"); got_n=$(wc -l <"$e2e_tmp/got.md5");
     [ "$ref_n" -eq 0 ] || ! cmp -s "$e2e_tmp/ref.md5" "$e2e_tmp/got.md5"; then
    diff "$e2e_tmp/ref.md5" "$e2e_tmp/got.md5" | head -10 || true
    head -20 "$e2e_tmp/ffmpeg.log"; tail -20 "$e2e_tmp/vivacd.log"
    echo "FAIL: $(basename "$clip"): $vaapi_vf: $got_n frames through vivac, $ref_n from $ref_vf, hashes differ"
    exit 1
fi
# The frames went through the daemon's processing, not a decode alone: one
# job per output frame besides a decode per frame shown (more with VP9's
# hidden frames; none where the pictures are uploaded).
stop_daemon
shown=0
[ -n "$upload" ] || shown=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames \
        -of csv=p=0 "$clip")
frames=$(sed -n 's/.*session [0-9]* closed: \([0-9]*\) frames, 0 errors.*/\1/p' "$e2e_tmp/vivacd.log" |
    sort -n | tail -1)
[ "${frames:-0}" -ge $((ref_n + shown)) ] || {
    grep closed "$e2e_tmp/vivacd.log"; echo "FAIL: want >= $((ref_n + shown)) frames (decode + process)"; exit 1; }
if [ $out != framemd5 ]; then
    echo "ok: $(basename "$clip"): $vaapi_vf ~ $ref_vf ($format): $ref_n frames within $VIVAC_E2E_VPP_TOLERANCE"
else
    echo "ok: $(basename "$clip"): $vaapi_vf == $ref_vf ($format): $ref_n frames bit-exact"
fi
