#!/usr/bin/env bash
# `vivacd --engine auto` joins every engine that starts, each profile on the
# first that has it: nvdec, then vaapi, then sw. Without a GPU: the vaapi
# engine runs on vivac's own driver chained to an inner vivacd on sw (as in
# vaapi_chain.sh), on /dev/null passed off as a render node
# (fake_render_node.c); mode nvdec adds fake CUDA (a test build's
# VIVAC_TEST_FAKE_NVDEC).
#   vaapi: auto is vaapi+sw (nvdec's failure a note in the log, not an
#          error).
#   nvdec: auto is nvdec+vaapi+sw, with the GPU process; `vivac info` lists
#          H.264 on nvdec.
# For each CLIP PROFILE ENGINE PIX_FMT RANGE REF_OPTS: `vivac info` lists
# PROFILE on ENGINE, and ffmpeg's decode of CLIP through the outer daemon is
# bit-exact with ffmpeg's own (REF_OPTS, RANGE: decode_clip.sh's). ENGINE
# "LISTED>TO": listed on LISTED, which refuses the stream at its first
# picture, and the log shows it moved to TO (the next engine that has the
# profile). After
# them the inner daemon has decoded exactly the pictures of the clips on
# vaapi (its sessions' frame counts against the outer daemon's session of
# each clip): all of a vaapi clip went to the host driver, none of
# another's.
# AUTO_HOST_ENV (optional): "NAME=VALUE ..." for the outer daemon, e.g.
# VIVAC_MPEG4=0: its host driver (vivac's) then lists no MPEG-4 Part 2,
# a profile the vaapi engine has but this host driver lacks.
# Usage: auto_engines.sh vaapi|nvdec FAKE_RENDER_NODE_SO
#        [CLIP PROFILE ENGINE PIX_FMT RANGE REF_OPTS]...
source "$(dirname "$0")/lib.sh"
mode=${1:?usage: auto_engines.sh vaapi|nvdec FAKE_RENDER_NODE_SO [CLIP PROFILE ENGINE PIX_FMT RANGE REF_OPTS]...}
preload=${2:?missing FAKE_RENDER_NODE_SO}
shift 2
need ffmpeg
engines=$("$VIVACD" --help 2>&1 | grep "one of:" || true)
[[ $engines == *" vaapi+sw"* ]] || { echo "SKIP: vivacd built without the vaapi and sw engines"; exit $SKIP; }
want=vaapi+sw
if [ "$mode" = nvdec ]; then
    grep -qa "VIVAC_TEST_FAKE_NVDEC" "$VIVACD" && [[ $engines == *" nvdec+vaapi+sw"* ]] ||
        { echo "SKIP: vivacd built without -Dtest_hooks or without the nvdec engine"; exit $SKIP; }
    want=nvdec+vaapi+sw
fi
ensure_display

start_chain_inner "$preload"
[ "$mode" = nvdec ] && VIVACD_ENV+=" VIVAC_TEST_FAKE_NVDEC=352x288"
VIVACD_ENV+=" ${AUTO_HOST_ENV:-}"
start_daemon --engine auto --vaapi-device /dev/null
unset VIVACD_ENV
log=$e2e_tmp/vivacd.log

"$VIVAC" info --socket "$VIVAC_SOCKET" >"$e2e_tmp/info.txt"
grep -q "^  engine: *$want\$" "$e2e_tmp/info.txt" && grep -q "ready (engine $want)" "$log" ||
    { cat "$e2e_tmp/info.txt" "$log"; echo "FAIL: auto is not $want"; exit 1; }
# The start-up log says which engine serves what.
grep -Eq "info: engine ${want//+/\\+}: (nvdec for .*H\.264.*; )?vaapi for .*; sw for .*" "$log" ||
    { cat "$log"; echo "FAIL: no log line of what each engine of $want serves"; exit 1; }
if [ "$mode" = vaapi ]; then
    # nvdec (where built) did not start: a note, and no error or warning.
    if [[ $engines == *" nvdec "* ]]; then
        grep -q "info: engine nvdec unavailable: " "$log" ||
            { cat "$log"; echo "FAIL: nvdec's failure is not noted"; exit 1; }
    fi
    if grep -E "(error|warning): " "$log"; then
        echo "FAIL: auto logged an error or warning"; exit 1
    fi
else
    grep -Eq '^  H264High +decode .* nvdec ' "$e2e_tmp/info.txt" ||
        { cat "$e2e_tmp/info.txt"; echo "FAIL: vivac info: H.264 is not on nvdec"; exit 1; }
fi

use_vivac_driver
on_vaapi=0
while [ $# -ge 6 ]; do
    clip=$1 profile=$2 engine=$3 pix_fmt=$4 range=$5 ref_opts=$6
    shift 6
    name=$(basename "$clip")
    listed=${engine%%>*} engine=${engine##*>}
    grep -Eq "^  $profile +decode .* $listed " "$e2e_tmp/info.txt" ||
        { cat "$e2e_tmp/info.txt"; echo "FAIL: vivac info: $profile is not on $listed"; exit 1; }
    moves=$(grep -cF "$want: stream moves to " "$log" || true)
    sessions=$(grep -c 'session [0-9]* closed: ' "$log" || true)
    sw_framemd5 "$clip" "$pix_fmt" "$range" "$ref_opts" >"$e2e_tmp/ref.md5"
    vivac_framemd5 "$clip" "$pix_fmt" >"$e2e_tmp/got.md5" 2>"$e2e_tmp/ffmpeg.log" ||
        { cat "$e2e_tmp/ffmpeg.log"; tail -30 "$log"; echo "FAIL: ffmpeg through $want failed on $name"; exit 1; }
    n=$(wc -l <"$e2e_tmp/ref.md5")
    [ "$n" -gt 0 ] && cmp -s "$e2e_tmp/ref.md5" "$e2e_tmp/got.md5" ||
        { diff "$e2e_tmp/ref.md5" "$e2e_tmp/got.md5" | head; tail -30 "$log"
          echo "FAIL: $name through $want differs from ffmpeg's decode"; exit 1; }
    if [ "$listed" != "$engine" ]; then
        [ "$(grep -cF "$want: stream moves to $engine: $listed: " "$log" || true)" -gt "$moves" ] ||
            { tail -30 "$log"; echo "FAIL: $name did not move from $listed to $engine"; exit 1; }
    fi
    # The pictures the outer daemon was sent for this clip (its session's
    # closing line: hidden AV1 frames count, which ffmpeg does not output).
    for _ in $(seq 100); do
        [ "$(grep -c 'session [0-9]* closed: ' "$log" || true)" -gt "$sessions" ] && break
        sleep 0.05
    done
    pictures=$(grep -o 'session [0-9]* closed: [0-9]* frames' "$log" | tail -n 1 | awk '{print $4}')
    [ "$engine" = vaapi ] && on_vaapi=$((on_vaapi + ${pictures:-0}))
    via=""
    [ "$listed" != "$engine" ] && via=" (refused by $listed)"
    echo "# $name: $profile on $engine$via, $n frames bit-exact ($pix_fmt)"
done
unset LD_PRELOAD
stop_daemon

# The outer workers' displays close with them: then every inner session
# has logged its frame count.
inner_closed() {
    [ "$(grep -c 'session [0-9]* opened: ' "$e2e_tmp/inner.log")" -eq \
      "$(grep -c 'session [0-9]* closed: ' "$e2e_tmp/inner.log")" ]
}
for _ in $(seq 100); do inner_closed && break; sleep 0.05; done
inner_closed || { cat "$e2e_tmp/inner.log"; echo "FAIL: the inner daemon's sessions did not close"; exit 1; }
inner=$(grep -o 'session [0-9]* closed: [0-9]* frames' "$e2e_tmp/inner.log" |
    awk '{n += $4} END {print n + 0}')
[ "$inner" -eq "$on_vaapi" ] ||
    { cat "$e2e_tmp/inner.log"; echo "FAIL: the host driver (inner daemon) decoded $inner pictures, want $on_vaapi (the vaapi clips')"; exit 1; }
echo "ok: auto is $want: each profile on the first engine that has it, bit-exact; the host driver decoded the $on_vaapi pictures of the vaapi clips and no other"
