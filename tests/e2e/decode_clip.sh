#!/usr/bin/env bash
# End to end, bit-exact: decodes CLIP with ffmpeg through the vivac driver and
# a private vivacd (engine sw), and compares every frame's MD5 with ffmpeg's
# own software decode, in pixel format PIX_FMT (nv12, the default, p010le
# for 10-bit clips, y210 for 4:2:2 10-bit); RANGE "full" keeps the reference
# in full range (JPEG, decoded as yuvj420p). REF_OPTS: decoder options of
# the reference: MPEG-4 Part 2 clips decode with "-threads 1 -idct simple",
# because libavcodec's own decode differs from itself there: its interlaced
# B-VOP field distances depend on which frame thread saw the first B-VOP,
# and it picks Xvid's IDCT from a user data string that VA does not carry
# (the IDCT the standard leaves open; docs/codecs.md). AV1 clips' reference
# is libdav1d (ffmpeg's default AV1 decoder on Debian 12, film grain
# applied), named explicitly.
# Usage: decode_clip.sh CLIP [PIX_FMT [RANGE [REF_OPTS]]]
source "$(dirname "$0")/lib.sh"
clip=${1:?usage: decode_clip.sh CLIP [PIX_FMT]}
pix_fmt=${2:-nv12}
range=${3:-}
ref_opts=${4:-}
need ffmpeg
[ -s "$clip" ] || { echo "missing clip $clip (run tests/corpus/make_corpus.sh)"; exit 1; }
ensure_display
start_daemon --engine sw
use_vivac_driver

ref_got_formats "$pix_fmt"
[ -z "$ref_opts" ] && [ "$(clip_codec "$clip")" = av1 ] && ref_opts="-c:v libdav1d"
sw_framemd5 "$clip" "$ref_fmt" "$range" "$ref_opts" >"$e2e_tmp/ref.md5"
if ! vivac_framemd5 "$clip" "$got_fmt" >"$e2e_tmp/got.md5" 2>"$e2e_tmp/ffmpeg.log"; then
    cat "$e2e_tmp/ffmpeg.log" "$e2e_tmp/vivacd.log"
    echo "FAIL: ffmpeg through vivac failed on $(basename "$clip")"; exit 1
fi
ref_n=$(wc -l <"$e2e_tmp/ref.md5"); got_n=$(wc -l <"$e2e_tmp/got.md5")
if [ "$ref_n" -eq 0 ] || ! cmp -s "$e2e_tmp/ref.md5" "$e2e_tmp/got.md5"; then
    diff "$e2e_tmp/ref.md5" "$e2e_tmp/got.md5" | head -20 || true
    head -20 "$e2e_tmp/ffmpeg.log" "$e2e_tmp/vivacd.log"
    echo "FAIL: $(basename "$clip"): $got_n frames through vivac, $ref_n in software, hashes differ"
    exit 1
fi

stop_daemon
[ "$range" = full ] && pix_fmt="$pix_fmt, full range"
echo "ok: $(basename "$clip"): $ref_n frames bit-exact ($pix_fmt)"
