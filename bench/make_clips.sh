#!/usr/bin/env bash
# Makes the benchmark clips with ffmpeg's lavfi source piped into the x264
# CLI (as tests/corpus/make_corpus.sh does). Usage: make_clips.sh OUTDIR
#   h264_1080p60.264  1920x1080 60 fps, 300 frames, 8 Mbit/s, B-frames
#   h264_2160p30.264  3840x2160 30 fps, 120 frames, 30 Mbit/s, B-frames
# Existing clips are kept. Needs ffmpeg and x264 (here, not on the GPU
# machine: carry the clips there).
set -euo pipefail
out=${1:?usage: make_clips.sh OUTDIR}
mkdir -p "$out"

# clip NAME W H FPS FRAMES KBPS
clip() {
    local name=$1 w=$2 h=$3 fps=$4 n=$5 kbps=$6
    [ -s "$out/$name" ] && return
    ffmpeg -v error -f lavfi -i "testsrc2=size=${w}x${h}:rate=${fps}" \
        -frames:v "$n" -pix_fmt yuv420p -f yuv4mpegpipe - |
        x264 --quiet --demuxer y4m --preset veryfast --profile high \
            --bitrate "$kbps" --vbv-maxrate "$kbps" --vbv-bufsize "$((kbps * 2))" \
            --bframes 3 --b-pyramid normal --keyint "$((fps * 2))" --fps "$fps" \
            -o "$out/$name.tmp" - 2>/dev/null
    mv "$out/$name.tmp" "$out/$name"
}

clip h264_1080p60.264 1920 1080 60 300 8000
clip h264_2160p30.264 3840 2160 30 120 30000
ls -l "$out"/h264_*.264
