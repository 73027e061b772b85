#!/usr/bin/env bash
# Generates the H.264 test corpus with Debian's encoders (ffmpeg's lavfi
# sources piped into the x264 CLI). Each clip targets features that break
# decoders; see tests/corpus/README.md. Usage: make_corpus.sh OUTDIR
set -euo pipefail
out=${1:?usage: make_corpus.sh OUTDIR}
mkdir -p "$out"

# source W H FRAMES [extra ffmpeg filter] -> y4m on stdout
source_y4m() {
    local w=$1 h=$2 n=$3 vf=${4:-null}
    ffmpeg -v error -f lavfi -i "testsrc2=size=${w}x${h}:rate=25" \
        -vf "$vf" -frames:v "$n" -pix_fmt yuv420p -f yuv4mpegpipe -
}

# clip NAME W H FRAMES VF -- x264 options...
clip() {
    local name=$1 w=$2 h=$3 n=$4 vf=$5
    shift 6
    if [ -s "$out/$name.264" ]; then return; fi
    source_y4m "$w" "$h" "$n" "$vf" |
        x264 --quiet --demuxer y4m "$@" -o "$out/$name.264.tmp" - 2>/dev/null
    mv "$out/$name.264.tmp" "$out/$name.264"
}

fade="fade=in:0:12,fade=out:28:12"

clip baseline_cavlc        352 288 40 null -- --profile baseline --keyint 20
clip main_cabac_bpyramid_wp 352 288 40 "$fade" -- --profile main --bframes 3 \
    --b-pyramid normal --weightb --weightp 2 --keyint 30
clip high_8x8_slices_cqm   640 360 30 null -- --profile high --8x8dct \
    --slices 4 --cqm jvt --bframes 2
clip interlaced_mbaff      352 288 30 null -- --profile high --interlaced --tff \
    --bframes 2
clip odd_size_350x198      350 198 30 null -- --profile high --bframes 2
clip ref16                 352 288 40 null -- --profile high --ref 16 --bframes 3 \
    --b-pyramid normal
clip open_gop              352 288 60 null -- --profile high --open-gop --keyint 20 \
    --bframes 3 --no-scenecut
clip intra_refresh         352 288 50 null -- --profile main --intra-refresh \
    --keyint 20 --bframes 0

ls "$out"/*.264 | wc -l
