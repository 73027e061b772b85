#!/usr/bin/env bash
# End to end, bit-exact, in the driver's own surface format: decodes CLIP
# through the vivac driver and a private vivacd (engine sw) with
# va_native_decode (libavcodec's VA hwaccel on surfaces it creates in the
# stream's native format, read back with vaDeriveImage) and compares every
# sample with libavcodec's software decode, with no format conversion on
# the way (ffmpeg's hwdownload path converts Y210 with swscale).
# Usage: va_native_decode.sh PROGRAM CLIP
source "$(dirname "$0")/lib.sh"
prog=${1:?usage: va_native_decode.sh PROGRAM CLIP}
clip=${2:?usage: va_native_decode.sh PROGRAM CLIP}
[ -s "$clip" ] || { echo "missing clip $clip (run tests/corpus/make_corpus.sh)"; exit 1; }
ensure_display
start_daemon --engine sw
use_vivac_driver
if ! "$prog" "$clip" >"$e2e_tmp/out.txt" 2>"$e2e_tmp/err.txt"; then
    cat "$e2e_tmp/out.txt"; head -20 "$e2e_tmp/err.txt"; tail -20 "$e2e_tmp/vivacd.log"
    echo "FAIL: $(basename "$clip") through VA in its native format"; exit 1
fi
stop_daemon
echo "$(cat "$e2e_tmp/out.txt"): $(basename "$clip")"
