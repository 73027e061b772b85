#!/usr/bin/env bash
# Debian 13's FFmpeg 7.1 (lib.sh's use_guest_root; skips where there is no
# such root) decodes CLIP through vivac with VAAPI, the frames downloaded
# from the VA surfaces (the hardware path or an error, never a silent
# software fallback): their MD5s must equal that FFmpeg's own software
# decode. A newer guest asks the driver otherwise than Debian 12's FFmpeg
# 5.1 (libva 2.22; VAAPI for HEVC 4:4:4, which 5.1 lacks).
# Usage: guest_decode.sh CLIP DOWNLOAD [COMPARED]
#   DOWNLOAD: the format of the surfaces as hwdownload gives them (nv12,
#   p010le, y210le, yuv444p, xv30le...); COMPARED: the format both decodes
#   are compared in (default DOWNLOAD; an exact repack of DOWNLOAD).
source "$(dirname "$0")/lib.sh"
clip=${1:?usage: guest_decode.sh CLIP DOWNLOAD [COMPARED]}
download=${2:?usage: guest_decode.sh CLIP DOWNLOAD [COMPARED]}
compared=${3:-$download}
[ -s "$clip" ] || { echo "missing clip $clip (run tests/corpus/make_corpus.sh)"; exit 1; }
use_guest_root
cp "$clip" "$e2e_tmp/"
inside=$GUEST_TMP/$(basename "$clip")
start_daemon --engine sw
if ! "${IN_GUEST[@]}" ffmpeg -nostdin -v error -init_hw_device vaapi=va:,connection_type=x11 \
    -hwaccel vaapi -hwaccel_device va -hwaccel_output_format vaapi -i "$inside" \
    -vf "hwdownload,format=$download,format=$compared" -f framemd5 - 2>"$e2e_tmp/ffmpeg.log" |
    md5s >"$e2e_tmp/got.md5"; then
    grep -v vaGetDriverNames "$e2e_tmp/ffmpeg.log" | tail -20; tail -20 "$e2e_tmp/vivacd.log"
    echo "FAIL: FFmpeg 7.1 through vivac"; exit 1
fi
"${IN_ROOT[@]}" ffmpeg -nostdin -v error -i "$inside" -pix_fmt "$compared" -f framemd5 - |
    md5s >"$e2e_tmp/ref.md5"
version=$("${IN_ROOT[@]}" ffmpeg -version | awk 'NR == 1 {print $3}')
n=$(wc -l <"$e2e_tmp/ref.md5")
[ "$n" -gt 0 ] || { echo "FAIL: no reference frames"; exit 1; }
if ! cmp -s "$e2e_tmp/got.md5" "$e2e_tmp/ref.md5"; then
    diff "$e2e_tmp/got.md5" "$e2e_tmp/ref.md5" | head -10 || true
    echo "FAIL: $(basename "$clip"): FFmpeg $version through vivac differs from its software decode"
    exit 1
fi
stop_daemon
# One session, a decode per frame shown at least (VP8, VP9 and AV1 also
# decode frames they do not show).
decoded=$(sed -n 's/.*session [0-9]* closed: \([0-9]*\) frames, 0 errors.*/\1/p' "$e2e_tmp/vivacd.log")
[ "$(wc -w <<<"$decoded")" -eq 1 ] && [ "$decoded" -ge "$n" ] ||
    { grep closed "$e2e_tmp/vivacd.log"; echo "FAIL: want a session of >= $n frames, 0 errors"; exit 1; }
echo "ok: $(basename "$clip"): FFmpeg $version through vivac, $n frames bit-exact ($compared)"
