#!/usr/bin/env bash
# mpv plays a clip with hardware decoding (vaapi-copy) active through vivac.
source "$(dirname "$0")/lib.sh"
clip=${1:?usage: mpv.sh CLIP}
need mpv
ensure_display
start_daemon --engine sw
use_vivac_driver
mpv --no-config --hwdec=vaapi-copy --vo=null --ao=null --untimed \
    --msg-level=all=v "$clip" >"$e2e_tmp/mpv.log" 2>&1 ||
    { tail -30 "$e2e_tmp/mpv.log"; cat "$e2e_tmp/vivacd.log"; echo "FAIL: mpv failed"; exit 1; }
grep -E "Using hardware decoding \(vaapi-copy\)" "$e2e_tmp/mpv.log" ||
    { grep -iE "hwdec|vaapi|vivac" "$e2e_tmp/mpv.log" | head -30; echo "FAIL: mpv did not use vaapi-copy"; exit 1; }
if grep -Eq "Falling back to software|fallback to software" "$e2e_tmp/mpv.log"; then
    grep -iE "fall" "$e2e_tmp/mpv.log"; echo "FAIL: mpv fell back to software"; exit 1
fi

stop_daemon
echo "ok: mpv decoded with vaapi-copy through vivac"
