#!/usr/bin/env bash
# vaPutSurface through libva (va_put_surface.c) on an interlaced picture:
# each field alone (bob) and the whole frame, scaled, placed and clipped by
# the drawable, read back from a black pixmap and compared with FFmpeg's
# software filters that the sw engine's processing is defined as
# (docs/codecs.md): the field scaled to the destination (`field`, then
# `scale` writing BGRX in one pass, bicubic: VA's default), the clipped
# source (put_surface.h: nearest pixel) cropped first; from planar 4:2:0,
# as the sw engine holds NV12 (swscale's paths from NV12 round otherwise).
# Bit-exact in B, G, R
# over the whole pixmap, so a picture drawn in the wrong place fails too.
# Usage: put_surface_fields.sh VA_PUT_SURFACE CLIP (interlaced, 352x288)
source "$(dirname "$0")/lib.sh"
client=${1:?usage}; clip=${2:?usage}
need ffmpeg
[ -s "$clip" ] || { echo "missing clip $clip (run tests/corpus/make_corpus.sh)"; exit 1; }
ensure_display
start_daemon --engine sw
use_vivac_driver
w=352 h=288
# The first picture, both fields, as the surface holds it.
ffmpeg -nostdin -v error -i "$clip" -frames:v 1 -pix_fmt nv12 -f rawvideo -y "$e2e_tmp/pic.nv12"

# check NAME FLAGS "SX SY SW SH" "DX DY DW DH" "PW PH" REF_FILTER "VX VY VW VH"
# REF_FILTER makes the visible part (VW x VH, at VX,VY of the pixmap).
check() {
    local name=$1 flags=$2 src=$3 dest=$4 pix=$5 ref_vf=$6 vis=$7
    # shellcheck disable=SC2086 # the rectangles: word-split on purpose
    "$client" "$e2e_tmp/pic.nv12" $w $h "$flags" $src $dest $pix >"$e2e_tmp/got.raw" 2>"$e2e_tmp/client.err" ||
        { cat "$e2e_tmp/client.err"; tail -20 "$e2e_tmp/vivacd.log"; echo "FAIL: $name: vaPutSurface"; exit 1; }
    LD_PRELOAD= ffmpeg -nostdin -v error -f rawvideo -pix_fmt nv12 -s ${w}x$h -i "$e2e_tmp/pic.nv12" \
        -vf "format=yuv420p,$ref_vf,format=bgr0" -f rawvideo -pix_fmt bgr0 -y "$e2e_tmp/ref.raw"
    # shellcheck disable=SC2086
    LD_PRELOAD= "$(dirname "$0")/compare_bgrx.py" "$e2e_tmp/got.raw" "$e2e_tmp/ref.raw" $pix $vis ||
        { echo "FAIL: $name: the pixmap differs from $ref_vf at $vis"; exit 1; }
    echo "ok - $name"
}

# Each field of the whole picture bobbed to a 240x200 destination at (30, 20).
check top-field top "0 0 $w $h" "30 20 240 200" "320 240" "field=top,scale=240:200:flags=bicubic" "30 20 240 200"
check bottom-field bottom "0 0 $w $h" "30 20 240 200" "320 240" "field=bottom,scale=240:200:flags=bicubic" "30 20 240 200"
# The frame at twice its size from (-88, 0): the visible 320x240 shows
# source columns 44..204 and rows 0..120 (nearest pixel, put_surface_plan.c).
check frame-clipped frame "0 0 $w $h" "-88 0 704 576" "320 240" \
    "crop=160:120:44:0,scale=320:240:flags=bicubic" "0 0 320 240"
# A source rectangle, unscaled, half outside on the right and bottom.
check frame-rect frame "100 50 200 150" "220 140 200 150" "320 240" \
    "crop=100:100:100:50" "220 140 100 100"
stop_daemon
daemon_counted_at_least 4
echo "ok: vaPutSurface fields, frames and clipping bit-exact"
