#!/usr/bin/env bash
# End to end, bit-exact: FFmpeg's scale_vaapi through the vivac driver and a
# private vivacd (engine sw, VAEntrypointVideoProc) against FFmpeg's
# software scale filter of the same decoded frames with the swscale flags
# the sw engine maps the VA scaling mode to (docs/codecs.md, Video
# processing): every frame's MD5 equal.
# Usage: vpp_scale.sh CLIP WIDTH HEIGHT MODE FLAGS [FORMAT]
#   MODE: scale_vaapi's mode (default, fast, hq); FLAGS: the swscale flags
#   of the reference (bicubic, fast_bilinear, lanczos); FORMAT: the output
#   surfaces' format, nv12 (default) or p010 (10-bit clips' frames are P010
#   on the way in either way).
source "$(dirname "$0")/lib.sh"
clip=${1:?usage}; w=${2:?}; h=${3:?}; mode=${4:?}; flags=${5:?}; format=${6:-nv12}
need ffmpeg
[ -s "$clip" ] || { echo "missing clip $clip (run tests/corpus/make_corpus.sh)"; exit 1; }
ensure_display
start_daemon --engine sw
use_vivac_driver

# Compared as planar yuv420p / yuv420p10le: NV12 -> yuv420p and P010 ->
# yuv420p10le are exact repacks, and the reference's scale filter writes the
# planar format directly.
planar=yuv420p down=nv12
[ "$format" = p010 ] && planar=yuv420p10le down=p010le
md5s() { grep -v '^#' | awk -F, '{print $NF}'; }

ffmpeg -nostdin -v error -i "$clip" -vf "scale=$w:$h:flags=$flags,format=$planar" \
    -pix_fmt "$planar" -f framemd5 - | md5s >"$e2e_tmp/ref.md5"
if ! ffmpeg -nostdin -v error -init_hw_device vaapi=va:,connection_type=x11 \
    -hwaccel vaapi -hwaccel_device va -hwaccel_output_format vaapi -i "$clip" \
    -vf "scale_vaapi=w=$w:h=$h:mode=$mode:format=$format,hwdownload,format=$down" \
    -pix_fmt "$planar" -f framemd5 - 2>"$e2e_tmp/ffmpeg.log" | md5s >"$e2e_tmp/got.md5"; then
    cat "$e2e_tmp/ffmpeg.log"; tail -20 "$e2e_tmp/vivacd.log"
    echo "FAIL: scale_vaapi through vivac failed on $(basename "$clip")"; exit 1
fi
ref_n=$(wc -l <"$e2e_tmp/ref.md5"); got_n=$(wc -l <"$e2e_tmp/got.md5")
if [ "$ref_n" -eq 0 ] || ! cmp -s "$e2e_tmp/ref.md5" "$e2e_tmp/got.md5"; then
    diff "$e2e_tmp/ref.md5" "$e2e_tmp/got.md5" | head -10 || true
    head -20 "$e2e_tmp/ffmpeg.log"; tail -20 "$e2e_tmp/vivacd.log"
    echo "FAIL: $(basename "$clip") -> ${w}x$h $mode: $got_n frames through vivac, $ref_n in software, hashes differ"
    exit 1
fi
# The frames went through the daemon's processing, not a decode alone:
# the session counted a decode (more with hidden VP9 frames) and a
# processing job per frame shown.
stop_daemon
frames=$(sed -n 's/.*session [0-9]* closed: \([0-9]*\) frames, 0 errors.*/\1/p' "$e2e_tmp/vivacd.log" |
    sort -n | tail -1)
[ "${frames:-0}" -ge $((2 * ref_n)) ] || {
    grep closed "$e2e_tmp/vivacd.log"; echo "FAIL: want >= $((2 * ref_n)) frames (decode + process)"; exit 1; }
echo "ok: $(basename "$clip") -> ${w}x$h $format, scale_vaapi mode=$mode == scale flags=$flags: $ref_n frames bit-exact"
