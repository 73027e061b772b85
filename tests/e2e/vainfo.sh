#!/usr/bin/env bash
# `vainfo --display x11` through vivac lists the H.264 decode profiles the
# daemon's engine advertises, and the driver's vendor string.
source "$(dirname "$0")/lib.sh"
need vainfo
ensure_display
start_daemon --engine sw
use_vivac_driver
vainfo --display x11 >"$e2e_tmp/vainfo.txt" 2>&1 || { cat "$e2e_tmp/vainfo.txt"; echo "FAIL: vainfo failed"; exit 1; }
cat "$e2e_tmp/vainfo.txt"
for p in VAProfileH264ConstrainedBaseline VAProfileH264Main VAProfileH264High; do
    grep -Eq "$p[[:space:]]*:[[:space:]]*VAEntrypointVLD" "$e2e_tmp/vainfo.txt" ||
        { echo "FAIL: $p/VLD not listed"; exit 1; }
done
grep -q "Driver version: .*vivac" "$e2e_tmp/vainfo.txt" || { echo "FAIL: vendor string"; exit 1; }
stop_daemon
echo "ok: vainfo lists H.264 profiles through vivac"
