#!/usr/bin/env bash
# The vaapi engine against a real libva driver without a GPU: vivac chained
# onto itself. An inner vivacd (engine sw) serves vivac's own VA driver,
# which the outer vivacd's vaapi engine loads as its host driver
# (LIBVA_DRIVER_NAME=vivac, on /dev/null made to pass for a render node by
# the fake_render_node preload library); ffmpeg decodes through the outer
# daemon.
#   decode CLIP: every frame bit-exact with ffmpeg's software decode, and
#                the outer daemon's log shows the vaapi engine served it.
#   error CLIP:  CLIP corrupted: the inner daemon's decode error reaches
#                ffmpeg as a VA decode error (vaSyncSurface), with the
#                vaapi engine's reason, and both daemons live on.
#   caps CLIP:   the outer daemon's decode caps are the host driver's (the
#                inner daemon's, through vivac's driver) for the profiles
#                the engine has, and only those (CLIP unused).
#   inner_lost CLIP: the inner daemon killed under a running outer worker:
#                ffmpeg on CLIP gets VA errors (the vaapi engine's reasons),
#                no frame, and the outer daemon lives on.
#   sandbox CLIP (a test build): the outer worker's sandbox is the sw list
#                plus the DRM calls (sandbox.h, drm) and refuses every
#                escape, as sandbox.sh's workers do (CLIP unused).
#   node_fd CLIP (as root): the render node is one only root may open
#                (a copy of /dev/null's node, mode 0600, outside /dev/dri):
#                the supervisor opens it and passes the fd, the worker
#                (user nobody, sandboxed) decodes CLIP bit-exact on it.
# Usage: vaapi_chain.sh decode|error|caps|inner_lost|sandbox|node_fd CLIP FAKE_RENDER_NODE_SO
#        [PIX_FMT [RANGE [REF_OPTS]]]
# (PIX_FMT: what the frames are compared in, nv12, p010le for 10-bit,
# yuv422p/yuv444p for JPEG's other chroma formats; RANGE "full" keeps the
# reference in full range: JPEG, as decode_clip.sh; REF_OPTS: the reference
# decoder's options, MPEG-4 Part 2's "-threads 1 -idct simple".)
source "$(dirname "$0")/lib.sh"
mode=${1:?usage: vaapi_chain.sh decode|error|caps|inner_lost|sandbox CLIP FAKE_RENDER_NODE_SO}
clip=${2:?missing CLIP}
preload=${3:?missing FAKE_RENDER_NODE_SO}
pix_fmt=${4:-nv12}
range=${5:-}
ref_opts=${6:-}
need ffmpeg
[ -s "$clip" ] || { echo "missing clip $clip (run tests/corpus/make_corpus.sh)"; exit 1; }
engines=$("$VIVACD" --help 2>&1 | grep "one of:" || true)
[[ $engines == *" vaapi"* ]] || { echo "SKIP: vivacd built without the vaapi engine"; exit $SKIP; }
ensure_display

start_chain_inner "$preload"
inner=$e2e_tmp/inner
outer_args=(--engine vaapi --vaapi-device /dev/null)

if [ "$mode" = sandbox ]; then
    grep -qa "test escape %s: trying" "$VIVACD" || { echo "SKIP: vivacd built without -Dtest_hooks"; exit $SKIP; }
    # The vaapi worker's own flavour: the CPU list and the DRM calls, not
    # the NVIDIA driver's (any ioctl, any executable mapping).
    escape_suite "open:/etc/passwd write:$e2e_tmp/new exec:/bin/true socket ptrace fork ioctl" \
        "${outer_args[@]}" || { echo "FAIL: an escape from the vaapi worker was not refused"; exit 1; }
    start_daemon "${outer_args[@]}"
    "$VIVAC" info --socket "$VIVAC_SOCKET" >/dev/null
    wait_worker "uid:$(id -u)" >/dev/null
    wait_log "uid:$(id -u)\]: info: sandbox locked: .*seccomp [0-9]+ calls \(sw, drm\)" \
        "$e2e_tmp/vivacd.log" ||
        { cat "$e2e_tmp/vivacd.log"; echo "FAIL: the vaapi worker's sandbox is not the sw+drm flavour"; exit 1; }
    stop_daemon
    echo "ok: the vaapi worker runs in the sw+drm sandbox and every escape is refused"
    exit 0
fi

if [ "$mode" = node_fd ]; then
    [ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (the worker then runs as another user)"; exit $SKIP; }
    node=$e2e_tmp/renderD128
    mknod -m 0600 "$node" c 1 3 2>/dev/null || { echo "SKIP: cannot make a device node here"; exit $SKIP; }
    outer_args=(--engine vaapi --vaapi-device "$node")
fi
start_daemon "${outer_args[@]}"
unset VIVACD_ENV
use_vivac_driver

if [ "$mode" = inner_lost ]; then
    # The outer worker's engine is up (its display on the inner daemon),
    # then the inner daemon dies: the client gets VA errors, never frames
    # that were not decoded, and the outer daemon lives on and stops
    # cleanly (no crash, no leak under a sanitizer build).
    "$VIVAC" info --socket "$VIVAC_SOCKET" >/dev/null
    wait_worker "uid:$(id -u)" >/dev/null
    kill -KILL "$inner_pid"
    wait "$inner_pid" 2>/dev/null || true
    if vivac_framemd5 "$clip" >"$e2e_tmp/got.md5" 2>"$e2e_tmp/ffmpeg.log"; then
        cat "$e2e_tmp/ffmpeg.log"; echo "FAIL: ffmpeg succeeded with the host driver's daemon gone"; exit 1
    fi
    [ ! -s "$e2e_tmp/got.md5" ] ||
        { echo "FAIL: $(wc -l <"$e2e_tmp/got.md5") frames came out without a host driver"; exit 1; }
    grep -m1 "vivac: error: .*vaapi: va[A-Za-z]*: " "$e2e_tmp/ffmpeg.log" ||
        { cat "$e2e_tmp/ffmpeg.log"; echo "FAIL: the vaapi engine's reason did not reach ffmpeg"; exit 1; }
    daemon_alive || { tail -20 "$e2e_tmp/vivacd.log"; echo "FAIL: the outer vivacd died"; exit 1; }
    stop_daemon
    echo "ok: the host driver's daemon lost: VA errors for the client, the outer daemon lives on"
    exit 0
fi

if [ "$mode" = caps ]; then
    # Decode caps as `vivac info` prints them, engine column left out.
    decode_caps() {
        "$VIVAC" info --socket "$1" | awk '$2 == "decode" {print $1, $3, $4, $5, $7}' | sort
    }
    decode_caps "$inner/vivacd.sock" >"$e2e_tmp/inner.caps"
    decode_caps "$VIVAC_SOCKET" >"$e2e_tmp/outer.caps"
    "$VIVAC" info --socket "$VIVAC_SOCKET" | awk '$2 == "decode" {print $6}' | sort -u >"$e2e_tmp/engines"
    # The engine's profiles, exactly as the host driver (vivac's, on the
    # inner daemon) lists them, and nothing else.
    grep -E "^(H264|MPEG2|MPEG4|VP9|VP8|HEVC|JPEG|AV1)" "$e2e_tmp/inner.caps" >"$e2e_tmp/want.caps" || true
    if ! cmp -s "$e2e_tmp/want.caps" "$e2e_tmp/outer.caps" || [ "$(cat "$e2e_tmp/engines")" != vaapi ]; then
        diff "$e2e_tmp/want.caps" "$e2e_tmp/outer.caps" || true
        cat "$e2e_tmp/engines"
        echo "FAIL: the outer daemon's decode caps are not the host driver's for H.264, HEVC, MPEG-2, MPEG-4 Part 2, VP9, VP8, JPEG, AV1"
        exit 1
    fi
    cat "$e2e_tmp/outer.caps"
    stop_daemon
    echo "ok: the vaapi engine lists exactly what the host driver lists for its $(wc -l <"$e2e_tmp/outer.caps") profiles"
    exit 0
fi

# The outer daemon's worker runs the vaapi engine on vivac's driver.
served_by_vaapi() {
    grep -q "ready (engine vaapi)" "$e2e_tmp/vivacd.log" &&
        grep -q "vaapi: /dev/null: vivac .*via $inner/vivacd.sock" "$e2e_tmp/vivacd.log" ||
        { cat "$e2e_tmp/vivacd.log"; echo "FAIL: the outer daemon's log does not show the vaapi engine on vivac's driver"; exit 1; }
}

name=$(basename "$clip")
if [ "$mode" = node_fd ]; then
    sw_framemd5 "$clip" >"$e2e_tmp/ref.md5"
    vivac_framemd5 "$clip" >"$e2e_tmp/got.md5" 2>"$e2e_tmp/ffmpeg.log" ||
        { cat "$e2e_tmp/ffmpeg.log" "$e2e_tmp/vivacd.log"; echo "FAIL: ffmpeg through the chain failed on $name"; exit 1; }
    [ -s "$e2e_tmp/ref.md5" ] && cmp -s "$e2e_tmp/ref.md5" "$e2e_tmp/got.md5" ||
        { tail -20 "$e2e_tmp/vivacd.log"; echo "FAIL: $name through the chain differs from ffmpeg's decode"; exit 1; }
    grep -Eq "uid:0\]: info: sandbox prepared: .*user nobody" "$e2e_tmp/vivacd.log" &&
        grep -q "uid:0\]: info: vaapi: $node: opened by vivacd's supervisor (fd 6)" "$e2e_tmp/vivacd.log" &&
        grep -q "ready (engine vaapi)" "$e2e_tmp/vivacd.log" ||
        { cat "$e2e_tmp/vivacd.log"; echo "FAIL: the worker (nobody) is not on the supervisor's fd of $node"; exit 1; }
    stop_daemon
    echo "ok: $name bit-exact on a render node only root opens, through the fd the supervisor passed"
    exit 0
fi
if [ "$mode" = decode ]; then
    ref_got_formats "$pix_fmt"
    sw_framemd5 "$clip" "$ref_fmt" "$range" "$ref_opts" >"$e2e_tmp/ref.md5"
    if ! vivac_framemd5 "$clip" "$got_fmt" >"$e2e_tmp/got.md5" 2>"$e2e_tmp/ffmpeg.log"; then
        cat "$e2e_tmp/ffmpeg.log" "$e2e_tmp/vivacd.log" "$e2e_tmp/inner.log"
        echo "FAIL: ffmpeg through the chain failed on $name"; exit 1
    fi
    ref_n=$(wc -l <"$e2e_tmp/ref.md5"); got_n=$(wc -l <"$e2e_tmp/got.md5")
    if [ "$ref_n" -eq 0 ] || ! cmp -s "$e2e_tmp/ref.md5" "$e2e_tmp/got.md5"; then
        diff "$e2e_tmp/ref.md5" "$e2e_tmp/got.md5" | head -20 || true
        tail -20 "$e2e_tmp/ffmpeg.log" "$e2e_tmp/vivacd.log" "$e2e_tmp/inner.log"
        echo "FAIL: $name: $got_n frames through the chain, $ref_n in software, hashes differ"
        exit 1
    fi
    served_by_vaapi
    stop_daemon
    daemon_counted_at_least "$ref_n"
    echo "ok: $name: $ref_n frames bit-exact ($pix_fmt) through vaapi -> vivac -> sw"
elif [ "$mode" = error ]; then
    expect_decode_error "$clip"
    # The reason the outer client's driver logs is the vaapi engine's: the
    # inner daemon's error came back through the host driver's VA calls.
    grep -m1 "vivac: warning: .*vaapi: va[A-Za-z]*: .*decoding error" "$e2e_tmp/ffmpeg.log" ||
        { cat "$e2e_tmp/ffmpeg.log"; echo "FAIL: the vaapi engine's reason did not reach ffmpeg"; exit 1; }
    served_by_vaapi
    daemon_alive && kill -0 "$inner_pid" || { echo "FAIL: a daemon died"; exit 1; }
    stop_daemon
    # The outer worker's display closes with it: the inner session's closing
    # line counts the errors it returned.
    wait_log "closed: [0-9]+ frames, [1-9][0-9]* errors" "$e2e_tmp/inner.log" ||
        { cat "$e2e_tmp/inner.log"; echo "FAIL: the inner daemon reported no decode error"; exit 1; }
    echo "ok: the inner daemon's decode error reached ffmpeg as a VA decode error"
else
    echo "unknown mode $mode"; exit 1
fi
