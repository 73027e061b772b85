#!/usr/bin/env bash
# Makes, once, a Debian 13 (trixie) root holding mpv 0.40 and FFmpeg 7.1,
# for tests of guest software newer than this Debian 12 host's, run there
# with chroot (lib.sh's use_guest_root): mpv's --vf=vavpp, which needs mpv
# 0.36 or later (mpv_vo_vaapi.sh), and FFmpeg 7.1's VAAPI decoding, which
# reaches HEVC 4:4:4 (guest_decode.sh). About 250 MB from Debian's mirror
# and 850 MB on disk; needs root and debootstrap.
# Usage: guest_root.sh DIR   (does nothing where DIR holds these packages)
# Environment: DEBIAN_MIRROR (default http://deb.debian.org/debian).
set -euo pipefail
dir=${1:?usage: guest_root.sh DIR}
packages=mpv,ffmpeg
# What the root was made with: another list makes it anew.
stamp=$dir/etc/vivac-guest-root
[ "$(cat "$stamp" 2>/dev/null)" = "trixie $packages" ] && exit 0
[ "$(id -u)" = 0 ] || { echo "guest_root.sh: debootstrap needs root" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "guest_root.sh: debootstrap not installed" >&2; exit 1; }
# Made beside DIR and renamed when whole: an interrupted run leaves no
# half root that the tests would take for a whole one.
work="$dir.partial"
rm -rf "$work"
mkdir -p "$(dirname "$dir")"
if ! debootstrap --variant=minbase --include=$packages trixie "$work" \
    "${DEBIAN_MIRROR:-http://deb.debian.org/debian}" >"$work.log" 2>&1; then
    tail -20 "$work.log" >&2
    echo "guest_root.sh: debootstrap failed (whole log: $work.log)" >&2
    exit 1
fi
rm -f "$work.log"
echo "trixie $packages" >"$work/etc/vivac-guest-root"
rm -rf "$dir"
mv "$work" "$dir"
