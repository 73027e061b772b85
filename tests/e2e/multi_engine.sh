#!/usr/bin/env bash
# `vivacd --engine auto` where a hardware engine starts (fake CUDA: a test
# build's VIVAC_TEST_FAKE_NVDEC) is "nvdec+sw": nvdec serves the profiles it
# has, sw the others. Checked with the GPU process (the default) and with a
# CUDA context per worker: the start-up log says which engine serves what;
# `vivac info` lists H.264 on nvdec and AV1 on sw, with no format nvdec's
# surfaces cannot hold (the fake's: NV12 and 444P); an H.264 trace gives
# exactly the fake's pictures (those of `--engine nvdec`, which differ from
# a real decode), so nvdec decoded it; each sw clip (AV1, MPEG-4 Part 2)
# decodes bit-exact through ffmpeg against ffmpeg's own decode with REF_OPTS
# (decode_clip.sh says which), so sw decoded it and its pictures (AV1's film
# grain display surface too) reached the nvdec surfaces. MPEG-4 Part 2 is
# sw's where the GPU lacks it: run with VIVAC_TEST_FAKE_NVDEC_NO_MPEG4=1
# (tests/meson.build), a fake without it. `--engine nvdec`
# alone offers no AV1.
# Usage: multi_engine.sh H264_CLIP (352x288) [CLIP PIX_FMT REF_OPTS]...
source "$(dirname "$0")/lib.sh"
h264=${1:?usage: multi_engine.sh H264_CLIP [CLIP PIX_FMT REF_OPTS]...}
shift
need ffmpeg
fake_nvdec_trace "$h264"

# The fake's pictures, from nvdec alone; they must not be a real decode's.
start_daemon --engine nvdec --gpu-context-per-worker
replay_md5 nvdec
"$VIVAC" info --socket "$VIVAC_SOCKET" >"$e2e_tmp/info_nvdec.txt"
stop_daemon
grep -q '^  engine: *nvdec$' "$e2e_tmp/info_nvdec.txt" ||
    { cat "$e2e_tmp/info_nvdec.txt"; echo "FAIL: --engine nvdec is not nvdec alone"; exit 1; }
grep -q '^  AV1Profile0 ' "$e2e_tmp/info_nvdec.txt" &&
    { cat "$e2e_tmp/info_nvdec.txt"; echo "FAIL: --engine nvdec offers AV1 (the fake has none)"; exit 1; }
# nvdec alone processes video with its kernels (docs/codecs.md), RGB
# outputs included; not where they do not load.
grep -Eq '^  None +videoproc .* nvdec +.*RGB32' "$e2e_tmp/info_nvdec.txt" ||
    { cat "$e2e_tmp/info_nvdec.txt"; echo "FAIL: --engine nvdec offers no VideoProc with RGB outputs"; exit 1; }
VIVACD_ENV="VIVAC_TEST_FAKE_NVDEC_NO_KERNELS=1" start_daemon --engine nvdec --gpu-context-per-worker
"$VIVAC" info --socket "$VIVAC_SOCKET" >"$e2e_tmp/info_nvdec_nok.txt"
stop_daemon
grep -q ' videoproc ' "$e2e_tmp/info_nvdec_nok.txt" &&
    { cat "$e2e_tmp/info_nvdec_nok.txt"; echo "FAIL: nvdec without its kernels offers VideoProc"; exit 1; }
sw_framemd5 "$h264" >"$e2e_tmp/h264_sw.md5"
cmp -s "$e2e_tmp/nvdec.md5" "$e2e_tmp/h264_sw.md5" &&
    { echo "FAIL: the fake's pictures equal a real decode: the test could not tell"; exit 1; }

for mode in gpu-process gpu-context-per-worker; do
    args=(--engine auto)
    [ "$mode" = gpu-context-per-worker ] && args+=(--gpu-context-per-worker)
    start_daemon "${args[@]}"
    grep -q 'info: engine nvdec+sw: nvdec for .*; sw for .*AV1' "$e2e_tmp/vivacd.log" ||
        { cat "$e2e_tmp/vivacd.log"; echo "FAIL ($mode): auto did not log nvdec+sw with sw for AV1"; exit 1; }
    "$VIVAC" info --socket "$VIVAC_SOCKET" >"$e2e_tmp/info.txt"
    grep -q '^  engine: *nvdec+sw$' "$e2e_tmp/info.txt" &&
        grep -Eq '^  H264High +decode .* nvdec ' "$e2e_tmp/info.txt" &&
        grep -Eq '^  AV1Profile0 +decode .* sw ' "$e2e_tmp/info.txt" ||
        { cat "$e2e_tmp/info.txt"; echo "FAIL ($mode): vivac info: not nvdec+sw, H.264 on nvdec, AV1 on sw"; exit 1; }
    # sw's profiles are cut to what nvdec's surfaces hold: no 4:2:2 ones, and
    # no 10-bit ones on the fake (no cuMemsetD16Async).
    if grep -E ' decode .* (YUV422|YUV420_10)' "$e2e_tmp/info.txt"; then
        echo "FAIL ($mode): formats offered that nvdec's surfaces cannot hold"; exit 1
    fi
    # Video processing through sw's shadows (e2e_vpp_nvdec_sw_*), in what
    # nvdec's surfaces hold: no 4:2:2 (sw processes it elsewhere).
    grep -Eq '^  None +videoproc +NV12 .* nvdec\+sw ' "$e2e_tmp/info.txt" ||
        { cat "$e2e_tmp/info.txt"; echo "FAIL ($mode): nvdec+sw offers no VideoProc"; exit 1; }
    if grep -E ' videoproc .*YUV422' "$e2e_tmp/info.txt"; then
        echo "FAIL ($mode): nvdec+sw offers processing of 4:2:2 surfaces nvdec cannot hold"; exit 1
    fi

    replay_md5 "auto_$mode"
    cmp -s "$e2e_tmp/nvdec.md5" "$e2e_tmp/auto_$mode.md5" ||
        { diff "$e2e_tmp/nvdec.md5" "$e2e_tmp/auto_$mode.md5" | head
          echo "FAIL ($mode): H.264 through auto is not the fake nvdec's"; exit 1; }

    ensure_display
    use_vivac_driver
    sw_clips=("$@")
    for ((i = 0; i + 2 < ${#sw_clips[@]}; i += 3)); do
        clip=${sw_clips[i]} pix_fmt=${sw_clips[i + 1]} ref_opts=${sw_clips[i + 2]}
        sw_framemd5 "$clip" "$pix_fmt" "" "$ref_opts" >"$e2e_tmp/ref.md5"
        vivac_framemd5 "$clip" "$pix_fmt" >"$e2e_tmp/got.md5" 2>"$e2e_tmp/ffmpeg.log" ||
            { cat "$e2e_tmp/ffmpeg.log"; tail -30 "$e2e_tmp/vivacd.log"
              echo "FAIL ($mode): ffmpeg through vivac failed on $(basename "$clip")"; exit 1; }
        [ -s "$e2e_tmp/ref.md5" ] && cmp -s "$e2e_tmp/ref.md5" "$e2e_tmp/got.md5" ||
            { diff "$e2e_tmp/ref.md5" "$e2e_tmp/got.md5" | head; tail -30 "$e2e_tmp/vivacd.log"
              echo "FAIL ($mode): $(basename "$clip") through nvdec+sw differs from ffmpeg's decode"; exit 1; }
        echo "# $mode: $(basename "$clip"): $(wc -l <"$e2e_tmp/ref.md5") frames bit-exact ($pix_fmt)"
    done
    unset LD_PRELOAD
    stop_daemon
done
echo "ok: auto is nvdec+sw: H.264 on the (fake) nvdec, AV1 and MPEG-4 Part 2 on sw bit-exact, with and without the GPU process"
