#!/usr/bin/env bash
# MPEG-4 Part 2 through the nvdec engine on fake CUDA (a test build's
# VIVAC_TEST_FAKE_NVDEC: its parser takes any packet, its decoder writes a
# pattern derived from each picture's bitstream). A trace of CLIP (recorded
# through ffmpeg and the sw engine) replays with every reply OK and the
# same non-empty MD5 list against `vivacd --engine nvdec
# --gpu-context-per-worker`, `--engine nvdec` (the GPU process, which checks
# each picture's CUVIDMPEG4PICPARAMS) and `--engine auto` (nvdec+sw, which
# gives MPEG-4 to nvdec where the GPU lists it, as the fake does); those
# pictures are not sw's (so nvdec decoded them); `vivac info` lists MPEG-4
# Simple and Advanced Simple on nvdec.
# Usage: nvdec_mpeg4_fake.sh CLIP (MPEG-4 Part 2, 352x288; VIVAC_MPEG4=1)
source "$(dirname "$0")/lib.sh"
clip=${1:?usage: nvdec_mpeg4_fake.sh CLIP}
fake_nvdec_trace "$clip"

sw_replay_md5

start_daemon --engine nvdec --gpu-context-per-worker
"$VIVAC" info --socket "$VIVAC_SOCKET" >"$e2e_tmp/info.txt"
replay_md5 local
stop_daemon
for p in MPEG4Simple MPEG4AdvancedSimple; do
    grep -Eq "^  $p +decode .* nvdec " "$e2e_tmp/info.txt" ||
        { cat "$e2e_tmp/info.txt"; echo "FAIL: vivac info lists no $p on nvdec"; exit 1; }
done
[ "$(wc -l <"$e2e_tmp/local.md5")" -eq "$n" ] ||
    { echo "FAIL: nvdec gave $(wc -l <"$e2e_tmp/local.md5") pictures, sw $n"; exit 1; }
[ "$(sort -u "$e2e_tmp/local.md5" | wc -l)" -gt 1 ] ||
    { echo "FAIL: every picture has the same MD5 (the fake ignores the bitstream?)"; exit 1; }
cmp -s "$e2e_tmp/local.md5" "$e2e_tmp/sw.md5" &&
    { echo "FAIL: the fake nvdec's pictures equal sw's: the test could not tell"; exit 1; }

start_daemon --engine nvdec
replay_md5 remote
stop_daemon
cmp -s "$e2e_tmp/local.md5" "$e2e_tmp/remote.md5" ||
    { diff "$e2e_tmp/local.md5" "$e2e_tmp/remote.md5" | head; echo "FAIL: the GPU process's pictures differ"; exit 1; }

start_daemon --engine auto
replay_md5 auto
stop_daemon
cmp -s "$e2e_tmp/local.md5" "$e2e_tmp/auto.md5" ||
    { diff "$e2e_tmp/local.md5" "$e2e_tmp/auto.md5" | head; echo "FAIL: auto did not give MPEG-4 to nvdec"; exit 1; }
echo "ok: $n MPEG-4 pictures through the fake nvdec, the same with a context per worker, the GPU process and auto"
