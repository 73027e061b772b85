#!/usr/bin/env bash
# The vaapi engine on the host's real VA driver, where this machine has a
# DRM render node (an Intel or AMD GPU): each CLIP decoded by ffmpeg through
# vivac's driver and `vivacd --engine vaapi --vaapi-device NODE`, compared
# with ffmpeg's software decode of the same file: bit-exact for H.264, HEVC,
# VP9, VP8 and AV1; for MPEG-2, MPEG-4 Part 2 and JPEG, whose IDCT the
# standards leave open, PSNR at least MIN_PSNR (default 40 dB) with the
# largest sample difference printed. A clip whose profile the driver does
# not list is skipped. Skips (77) where no render node exists or no VA
# driver initialises on it (every CI machine): run it on an Intel/AMD host.
#   NODE: VIVAC_E2E_VAAPI_DEVICE, else the first /dev/dri/renderD*.
# With VIVAC_E2E_VAAPI_CHAIN (the fake_render_node library) it runs on the
# chain instead (vaapi_chain.sh), to keep this script honest in CI.
# Usage: vaapi_real.sh CLIP...   (4:2:0 clips: compared in nv12 or p010le)
source "$(dirname "$0")/lib.sh"
[ $# -gt 0 ] || { echo "usage: vaapi_real.sh CLIP..."; exit 1; }
need ffmpeg
ensure_display
MIN_PSNR=${MIN_PSNR:-40}

if [ -n "${VIVAC_E2E_VAAPI_CHAIN:-}" ]; then
    start_test_daemon
    where="the chain (vivac's driver on sw)"
else
    node=${VIVAC_E2E_VAAPI_DEVICE:-}
    if [ -z "$node" ]; then
        for n in /dev/dri/renderD*; do [ -c "$n" ] && { node=$n; break; }; done
    fi
    [ -n "$node" ] || { echo "SKIP: no DRM render node here"; exit $SKIP; }
    start_daemon --engine vaapi --vaapi-device "$node"
    where=$node
fi
use_vivac_driver
if ! "$VIVAC" info --socket "$VIVAC_SOCKET" >"$e2e_tmp/info.txt" 2>&1 ||
    ! grep -q " decode " "$e2e_tmp/info.txt"; then
    cat "$e2e_tmp/info.txt"; tail -5 "$e2e_tmp/vivacd.log"
    [ -n "${VIVAC_E2E_VAAPI_CHAIN:-}" ] && { echo "FAIL: the chain's vaapi engine did not start"; exit 1; }
    echo "SKIP: no VA driver initialises on $where"; exit $SKIP
fi
grep -m1 "vaapi: .*profiles" "$e2e_tmp/vivacd.log" || true

# psnr_of A B WxH PIX_FMT: "PSNR P dB, max difference M" of two raw files.
psnr_of() {
    python3 - "$@" <<'PY'
import math, sys
a, b = open(sys.argv[1], 'rb').read(), open(sys.argv[2], 'rb').read()
if len(a) != len(b) or not a:
    print(f"sizes differ: {len(a)} and {len(b)} bytes"); sys.exit(1)
wide = sys.argv[4] == 'p010le'
if wide:
    va = [int.from_bytes(a[i:i + 2], 'little') >> 6 for i in range(0, len(a), 2)]
    vb = [int.from_bytes(b[i:i + 2], 'little') >> 6 for i in range(0, len(b), 2)]
    peak = 1023
else:
    va, vb, peak = a, b, 255
se = sum((x - y) ** 2 for x, y in zip(va, vb))
mx = max(abs(x - y) for x, y in zip(va, vb))
psnr = float('inf') if se == 0 else 10 * math.log10(peak * peak * len(va) / se)
print(f"PSNR {psnr:.1f} dB, max difference {mx}")
PY
}

passed=0 failed=0 skipped=0
for clip in "$@"; do
    name=$(basename "$clip")
    codec=$(clip_codec "$clip")
    pix_fmt=nv12 range=limited
    case $(ffprobe -v error -select_streams v:0 -show_entries stream=pix_fmt -of csv=p=0 "$clip") in
        *10*) pix_fmt=p010le ;;
    esac
    [[ $codec == mjpeg* ]] && range=full
    ref_opts=
    [[ $codec == av1* ]] && ref_opts="-c:v libdav1d"
    if ! vivac_framemd5 "$clip" "$pix_fmt" >"$e2e_tmp/got.md5" 2>"$e2e_tmp/ffmpeg.log"; then
        if grep -qiE "not supported|UNSUPPORTED" "$e2e_tmp/ffmpeg.log" "$e2e_tmp/vivacd.log"; then
            echo "skip $name: the driver does not offer its profile"
            skipped=$((skipped + 1))
        else
            tail -5 "$e2e_tmp/ffmpeg.log"; echo "FAIL $name: ffmpeg through vivac failed"
            failed=$((failed + 1))
        fi
        continue
    fi
    sw_framemd5 "$clip" "$pix_fmt" "$range" "$ref_opts" >"$e2e_tmp/ref.md5"
    n=$(wc -l <"$e2e_tmp/ref.md5")
    case $codec in
        mpeg2video*|mpeg4*|mjpeg*) ;;         # the IDCT is the driver's: samples compared
        *) if [ "$n" -gt 0 ] && cmp -s "$e2e_tmp/ref.md5" "$e2e_tmp/got.md5"; then
               echo "ok $name: $n frames bit-exact ($pix_fmt)"; passed=$((passed + 1))
           else
               echo "FAIL $name: frames differ from the software decode (bit-exact required)"
               failed=$((failed + 1))
           fi
           continue ;;
    esac
    vf=null
    [ "$range" = full ] && vf=scale=out_range=full
    # shellcheck disable=SC2086 # ref_opts: word-split on purpose
    ffmpeg -nostdin -v error $ref_opts -i "$clip" -vf "$vf" -pix_fmt "$pix_fmt" -f rawvideo \
        -y "$e2e_tmp/ref.raw"
    ffmpeg -nostdin -v error -init_hw_device vaapi=va:,connection_type=x11 -hwaccel vaapi \
        -hwaccel_device va -hwaccel_output_format vaapi -i "$clip" \
        -vf "hwdownload,format=$pix_fmt" -f rawvideo -y "$e2e_tmp/got.raw"
    if cmp=$(psnr_of "$e2e_tmp/ref.raw" "$e2e_tmp/got.raw" x "$pix_fmt") &&
        awk -v p="$(echo "$cmp" | awk '{print $2}')" -v m="$MIN_PSNR" \
            'BEGIN { exit !(p == "inf" || p + 0 >= m) }'; then
        echo "ok $name: $n frames, samples compared (the IDCT is left open): $cmp"; passed=$((passed + 1))
    else
        echo "FAIL $name: $cmp (at least $MIN_PSNR dB wanted)"; failed=$((failed + 1))
    fi
done
stop_daemon
echo "on $where: $passed passed, $failed failed, $skipped skipped (profile not offered)"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
