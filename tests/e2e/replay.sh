#!/usr/bin/env bash
# Record and replay: ffmpeg decodes CLIP through vivac with `vivacd --record`;
# `vivac replay --md5` of the trace against a fresh sw daemon gives one MD5
# per frame, the same multiset as ffmpeg's software decode (replay is in
# decode order, ffmpeg in display order: sorted lists are compared); `--dump`
# writes those frames raw; then 4 concurrent streams each give the single
# stream's list, and the report gives each stream's wait for its first
# picture (p50 <= max <= the run).
# Usage: replay.sh CLIP   (a clip whose size is a multiple of 16: the MD5 is
# of the whole surface)
source "$(dirname "$0")/lib.sh"
clip=${1:?usage: replay.sh CLIP}
record_trace "$clip"

sw_framemd5 "$clip" | tr -d " " | sort >"$e2e_tmp/ref.md5"
n=$(wc -l <"$e2e_tmp/ref.md5")

"$VIVAC" replay --engine sw --md5 "$trace" >"$e2e_tmp/one.txt" 2>"$e2e_tmp/one.err" ||
    { cat "$e2e_tmp/one.txt" "$e2e_tmp/one.err"; echo "FAIL: replay"; exit 1; }
grep -v '^stream [0-9]* frame ' "$e2e_tmp/one.txt"
grep '^stream 0 frame ' "$e2e_tmp/one.txt" | awk '{print $5}' >"$e2e_tmp/one.md5"
got=$(wc -l <"$e2e_tmp/one.md5")
[ "$got" -eq "$n" ] || { echo "FAIL: $got MD5 lines, the clip has $n frames"; exit 1; }
sort "$e2e_tmp/one.md5" | cmp -s - "$e2e_tmp/ref.md5" ||
    { sort "$e2e_tmp/one.md5" | diff - "$e2e_tmp/ref.md5" | head; echo "FAIL: MD5s differ from ffmpeg's software decode"; exit 1; }

# --dump writes the same pictures raw: each frame's MD5 is the replay's.
"$VIVAC" replay --engine sw --dump "$e2e_tmp/dump.raw" "$trace" >/dev/null 2>"$e2e_tmp/dump.err" ||
    { cat "$e2e_tmp/dump.err"; echo "FAIL: replay --dump"; exit 1; }
frame=$(( $(stat -c %s "$e2e_tmp/dump.raw") / n ))
[ $(( frame * n )) -eq "$(stat -c %s "$e2e_tmp/dump.raw")" ] && [ "$frame" -gt 0 ] ||
    { echo "FAIL: --dump wrote $(stat -c %s "$e2e_tmp/dump.raw") bytes for $n frames"; exit 1; }
for i in $(seq 0 $((n - 1))); do
    tail -c +$((i * frame + 1)) "$e2e_tmp/dump.raw" | head -c "$frame" | md5sum | cut -d' ' -f1
done | cmp -s - "$e2e_tmp/one.md5" ||
    { echo "FAIL: --dump's frames differ from --md5's"; exit 1; }

"$VIVAC" replay --engine sw --md5 --streams 4 "$trace" >"$e2e_tmp/four.txt" 2>"$e2e_tmp/four.err" ||
    { cat "$e2e_tmp/four.txt" "$e2e_tmp/four.err"; echo "FAIL: replay --streams 4"; exit 1; }
grep -v '^stream [0-9]* frame ' "$e2e_tmp/four.txt"
for s in 0 1 2 3; do
    grep "^stream $s frame " "$e2e_tmp/four.txt" | awk '{print $5}' | cmp -s - "$e2e_tmp/one.md5" ||
        { echo "FAIL: stream $s of 4 differs from the single stream"; exit 1; }
done
# Start-up apart from the steady rate: each of the 4 streams waited for its
# first picture, no longer than the whole run.
line=$(grep '^first picture after: ' "$e2e_tmp/four.txt") ||
    { echo "FAIL: no start-up line in the report"; exit 1; }
read -r p50 max count < <(echo "$line" |
    sed -n 's/^first picture after: p50 \([0-9.]*\) ms, max \([0-9.]*\) ms (\([0-9]*\) streams)$/\1 \2 \3/p')
wall=$(sed -n 's/^replay: .* frames in \([0-9.]*\) s: .*/\1/p' "$e2e_tmp/four.txt")
[ "${count:-}" = 4 ] && awk -v a="$p50" -v b="$max" -v w="$wall" 'BEGIN { exit !(a > 0 && a <= b && b <= w * 1000) }' ||
    { echo "$line (wall $wall s)"; echo "FAIL: start-up figures out of order"; exit 1; }
echo "ok: $(basename "$clip"): $n frames recorded and replayed bit-exact, 4 streams agree"
