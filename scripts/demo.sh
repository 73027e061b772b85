#!/usr/bin/env bash
# The main job: makes a 1080p60 H.264 clip with B-frames, decodes it with
# ffmpeg through vivac (guest driver -> vivacd -> sw engine), checks every
# frame's MD5 against ffmpeg's own software decode, and prints throughput and
# CPU per frame beside software decoding in the client.
# Usage: demo.sh [CLIP]   (default: a generated 1080p60 clip)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f build/build.ninja ] || ./scripts/setup.sh
ninja -C build >/dev/null
exec python3 scripts/demo.py "$@"
