#!/bin/sh
# nvdec_native smoke test: BIN CLIP... . Exit 77 (skip) without a GPU.
set -u
bin=$1; shift
"$bin" --copy-bench 64x64 >/dev/null
rc=$?
[ $rc -eq 77 ] && exit 77
[ $rc -eq 0 ] || { echo "copy bench failed ($rc)"; exit 1; }
out=$("$bin" --streams 2 --repeat 2 --readback "$@") || { echo "$out"; exit 1; }
echo "$out"
echo "$out" | tail -n 1 | grep -q '^RESULT .*status=ok' || exit 1
frames=$(echo "$out" | tail -n 1 | sed -n 's/.* frames=\([0-9]*\) .*/\1/p')
[ "${frames:-0}" -gt 0 ] || { echo "no frames decoded"; exit 1; }
# Display-order MD5s of one stream: one line a frame, stable across two runs.
a=$("$bin" --md5 "$1" | grep -E '^stream [0-9]+ frame ') || exit 1
b=$("$bin" --md5 --streams 3 "$1" | grep -E '^stream 2 frame ' | sed 's/^stream 2 /stream 0 /') || exit 1
[ -n "$a" ] && [ "$a" = "$b" ] || { echo "md5 mismatch between streams"; exit 1; }
echo "$a" | head -n 3
