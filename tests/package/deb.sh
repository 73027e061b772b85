#!/usr/bin/env bash
# The Debian packages (issue 15): `dpkg-buildpackage -b` on a copy of the
# tree builds vivacd and vivac-va-driver; each is unpacked into a clean
# directory tree (dpkg -x). Checked there: the guest package holds the
# driver and its udev rule and depends on no FFmpeg, encoder or test
# package; the host package's unit parses (systemd-analyze verify --root)
# and runs the vivacd it ships; its maintainer scripts create the vivac
# user and enable the unit without starting it; and the demo (a 1080p60
# clip decoded through the whole stack, bit-exact with ffmpeg's software
# decode) passes with the installed vivacd, vivac and driver alone.
# Skips (77) without dpkg-buildpackage and debhelper.
#   deb.sh SOURCE_DIR
set -euo pipefail
src=$(cd "${1:?usage: deb.sh SOURCE_DIR}" && pwd)
command -v dpkg-buildpackage >/dev/null && command -v dh >/dev/null ||
    { echo "SKIP: no dpkg-buildpackage/debhelper (apt-get install dpkg-dev debhelper)"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# A copy of the tree as git has it (no build directories).
mkdir "$work/vivac"
(cd "$src" && git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf -) |
    tar -xf - -C "$work/vivac"
(cd "$work/vivac" && dpkg-buildpackage -b -us -uc) >"$work/build.log" 2>&1 ||
    { tail -n 30 "$work/build.log"; fail "dpkg-buildpackage"; }
for p in vivacd vivac-va-driver; do
    deb=$(ls "$work"/${p}_*.deb)
    mkdir -p "$work/root-$p" "$work/ctl-$p"
    dpkg -x "$deb" "$work/root-$p"
    dpkg -e "$deb" "$work/ctl-$p"
    echo "# $(basename "$deb"): $(dpkg-deb -f "$deb" Depends)"
done

# The guest's package: the driver and the rule, nothing of the host's.
g=$work/root-vivac-va-driver
[ -n "$(find "$g" -name vivac_drv_video.so)" ] || fail "vivac-va-driver: no driver"
[ -n "$(find "$g" -name 90-vivac.rules)" ] || fail "vivac-va-driver: no udev rule"
[ -z "$(find "$g" -name vivacd)" ] || fail "vivac-va-driver ships vivacd"
# VA clients select the driver with no setting of their own: graphical
# sessions (environment.d) and login shells (profile.d), GStreamer too.
grep -qx 'LIBVA_DRIVER_NAME=vivac' "$g/usr/lib/environment.d/60-vivac.conf" ||
    fail "vivac-va-driver: no environment.d selection of the driver"
grep -qx 'GST_VAAPI_ALL_DRIVERS=1' "$g/usr/lib/environment.d/60-vivac.conf" ||
    fail "vivac-va-driver: gstreamer-vaapi not told to load vivac's driver"
[ "$(env -i sh -c ". '$g/etc/profile.d/vivac.sh'; echo \$LIBVA_DRIVER_NAME \$GST_VAAPI_ALL_DRIVERS")" = "vivac 1" ] ||
    fail "vivac-va-driver: profile.d does not select the driver"
[ "$(env -i LIBVA_DRIVER_NAME=iHD sh -c ". '$g/etc/profile.d/vivac.sh'; echo \$LIBVA_DRIVER_NAME")" = iHD ] ||
    fail "vivac-va-driver: profile.d overrides the user's LIBVA_DRIVER_NAME"
# Its rule applies at install, and an install without udev (a container)
# still succeeds.
grep -q 'udevadm trigger' "$work/ctl-vivac-va-driver/postinst" ||
    fail "vivac-va-driver: postinst does not apply the udev rule"
env PATH=/nonexistent /bin/sh "$work/ctl-vivac-va-driver/postinst" configure ||
    fail "vivac-va-driver: postinst fails where there is no udev"
deps=$(dpkg-deb -f "$(ls "$work"/vivac-va-driver_*.deb)" Depends)
echo "$deps" | grep -Eq 'libav|x26|ffmpeg|gstreamer|python' && fail "vivac-va-driver depends on $deps"

# The host's package: unit, binaries, user, docs.
h=$work/root-vivacd
unit=$h/lib/systemd/system/vivacd.service
[ -f "$unit" ] || fail "vivacd: no unit in /lib/systemd/system"
exec_path=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$unit")
[ -x "$h$exec_path" ] || fail "vivacd: ExecStart=$exec_path not in the package"
if command -v systemd-analyze >/dev/null; then
    # verify wants ExecStart's binary where it names it: the unpacked one.
    mkdir -p "$work/verify"
    sed "s|^ExecStart=$exec_path|ExecStart=$h$exec_path|" "$unit" >"$work/verify/vivacd.service"
    systemd-analyze verify "$work/verify/vivacd.service" ||
        fail "systemd-analyze verify of the installed unit"
fi
for doc in $(sed -n 's/^Documentation=//p' "$unit"); do
    [ -f "$h${doc#file://}" ] || fail "vivacd: Documentation=$doc not in the package"
done
[ -f "$h/usr/lib/sysusers.d/vivac.conf" ] || fail "vivacd: no sysusers.d/vivac.conf"
grep -q 'systemd-sysusers.*vivac.conf' "$work/ctl-vivacd/postinst" || fail "postinst creates no vivac user"
grep -q "deb-systemd-helper enable 'vivacd.service'" "$work/ctl-vivacd/postinst" || fail "postinst does not enable the unit"
grep -q 'vivacd.service' <(grep -i start "$work/ctl-vivacd/postinst" || true) && fail "postinst starts vivacd"
[ -f "$h/usr/share/man/man8/vivacd.8.gz" ] && [ -f "$h/usr/share/man/man1/vivac.1.gz" ] ||
    fail "vivacd: man pages"

# The demo on the installed files only.
driver_dir=$(dirname "$(find "$g" -name vivac_drv_video.so)")
out=$(cd "$src" && VIVACD=$h/usr/sbin/vivacd VIVAC_DRIVER_DIR=$driver_dir DEMO_REPEAT=1 \
    VIVAC_ENGINE=sw python3 scripts/demo.py 2>&1) || { echo "$out" | tail -n 20; fail "the demo on the installed files"; }
echo "$out" | grep -E '^clip:|^bit-exact'
echo "$out" | grep -q '^bit-exact through vivac: yes' || fail "demo not bit-exact"
echo "ok: packages build, unpack into clean trees, and the demo decodes bit-exact with the installed files"
