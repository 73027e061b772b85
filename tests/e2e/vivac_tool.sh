#!/usr/bin/env bash
# `vivac run` starts a private daemon around a command (which sees the
# variables and can decode), passes its exit status through, and removes the
# daemon afterwards; `vivac info` prints the host's capabilities.
source "$(dirname "$0")/lib.sh"
need ffmpeg
ensure_display
clip=$VIVAC_BUILD/tests/corpus/baseline_cavlc.264

"$VIVAC" run --engine sw -- sh -c 'echo "$LIBVA_DRIVER_NAME $VIVAC_SOCKET" && "$0" info' "$VIVAC" \
    >"$e2e_tmp/run.txt" 2>&1 || { cat "$e2e_tmp/run.txt"; echo "FAIL: vivac run + info"; exit 1; }
cat "$e2e_tmp/run.txt"
grep -q "^vivac " "$e2e_tmp/run.txt" || { echo "FAIL: LIBVA_DRIVER_NAME not exported"; exit 1; }
for p in H264ConstrainedBaseline H264Main H264High; do
    grep -q "$p" "$e2e_tmp/run.txt" || { echo "FAIL: info does not list $p"; exit 1; }
done
# sw processes video (VAProfileNone / VAEntrypointVideoProc) in every YUV
# format (4:2:0, 4:2:2, 4:4:4; 8 and 10 bits), and writes RGB (1.6).
grep -Eq '^  None +videoproc +NV12 .* sw +YUV420\+YUV420_10\+YUV422\+YUV422_10\+YUV444\+YUV444_10\+RGB32$' "$e2e_tmp/run.txt" ||
    { echo "FAIL: info does not list sw's video processing"; exit 1; }
grep -Eq "^  video processing: scaling .*, conversion between the videoproc line's formats .*deinterlacing \(bob, motion adaptive\), ProcAmp .*, rotation, mirroring$" \
    "$e2e_tmp/run.txt" || { echo "FAIL: info does not list the video processing filters"; exit 1; }
sock=$(awk 'NR==1 {print $2}' "$e2e_tmp/run.txt")
[ ! -e "$sock" ] || { echo "FAIL: private socket $sock left behind"; exit 1; }

set +e
"$VIVAC" run --engine sw -- sh -c 'exit 7'
rc=$?
set -e
[ "$rc" = 7 ] || { echo "FAIL: exit status $rc, want 7"; exit 1; }

# A real decode under vivac run, bit-exact.
use_vivac_driver
sw_framemd5 "$clip" >"$e2e_tmp/ref.md5"
"$VIVAC" run --engine sw -- ffmpeg -nostdin -v error -init_hw_device vaapi=va:,connection_type=x11 \
    -hwaccel vaapi -hwaccel_device va -hwaccel_output_format vaapi -i "$clip" \
    -vf hwdownload,format=nv12 -f framemd5 - 2>"$e2e_tmp/ffmpeg.log" |
    grep -v '^#' | awk -F, '{print $NF}' >"$e2e_tmp/got.md5"
cmp -s "$e2e_tmp/ref.md5" "$e2e_tmp/got.md5" && [ -s "$e2e_tmp/got.md5" ] ||
    { cat "$e2e_tmp/ffmpeg.log"; echo "FAIL: decode under vivac run"; exit 1; }

if "$VIVAC" info --socket "$e2e_tmp/none.sock" >"$e2e_tmp/info.txt" 2>&1; then
    echo "FAIL: vivac info without a daemon succeeded"; exit 1
fi
grep -q "none.sock" "$e2e_tmp/info.txt" || { cat "$e2e_tmp/info.txt"; echo "FAIL: error does not name the socket"; exit 1; }
echo "ok: vivac run / info"
