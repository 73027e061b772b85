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
# With MPEG-4 Part 2 asked for (VIVAC_MPEG4=1), its two profiles come on
# top of all the others (the list once stopped at 16: AV1 fell off).
VIVAC_MPEG4=1 vainfo --display x11 >"$e2e_tmp/vainfo_mpeg4.txt" 2>&1 ||
    { cat "$e2e_tmp/vainfo_mpeg4.txt"; echo "FAIL: vainfo failed with VIVAC_MPEG4=1"; exit 1; }
profiles() { grep -Eo 'VAProfile[A-Za-z0-9_]+' "$1" | sort -u; }
missing=$(comm -23 <(profiles "$e2e_tmp/vainfo.txt") <(profiles "$e2e_tmp/vainfo_mpeg4.txt"))
[ -z "$missing" ] || { cat "$e2e_tmp/vainfo_mpeg4.txt"; echo "FAIL: with VIVAC_MPEG4=1, not listed: $missing"; exit 1; }
for p in VAProfileMPEG4Simple VAProfileMPEG4AdvancedSimple; do
    grep -Eq "$p[[:space:]]*:[[:space:]]*VAEntrypointVLD" "$e2e_tmp/vainfo_mpeg4.txt" ||
        { cat "$e2e_tmp/vainfo_mpeg4.txt"; echo "FAIL: $p/VLD not listed with VIVAC_MPEG4=1"; exit 1; }
done
stop_daemon
echo "ok: vainfo lists H.264 profiles through vivac, and every one with MPEG-4 Part 2 on top"
