#!/usr/bin/env bash
# Makes, once, a Debian 13 (trixie) root holding mpv 0.40 and what it
# needs, for tests of guest software newer than this Debian 12 host's:
# mpv_vo_vaapi.sh runs that mpv in it with chroot (--vf=vavpp needs
# mpv 0.36 or later: docs/codecs.md, Presentation). About 250 MB from
# Debian's mirror and 850 MB on disk; needs root and debootstrap.
# Usage: guest_root.sh DIR   (does nothing where DIR/usr/bin/mpv exists)
# Environment: DEBIAN_MIRROR (default http://deb.debian.org/debian).
set -euo pipefail
dir=${1:?usage: guest_root.sh DIR}
[ -x "$dir/usr/bin/mpv" ] && exit 0
[ "$(id -u)" = 0 ] || { echo "guest_root.sh: debootstrap needs root" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "guest_root.sh: debootstrap not installed" >&2; exit 1; }
# Made beside DIR and renamed when whole: an interrupted run leaves no
# half root that the tests would take for a whole one.
work="$dir.partial"
rm -rf "$work"
mkdir -p "$(dirname "$dir")"
if ! debootstrap --variant=minbase --include=mpv trixie "$work" \
    "${DEBIAN_MIRROR:-http://deb.debian.org/debian}" >"$work.log" 2>&1; then
    tail -20 "$work.log" >&2
    echo "guest_root.sh: debootstrap failed (whole log: $work.log)" >&2
    exit 1
fi
rm -f "$work.log"
mv "$work" "$dir"
