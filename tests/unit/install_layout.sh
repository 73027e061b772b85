#!/usr/bin/env bash
# `meson install` gives a working layout (issue 15): into a scratch DESTDIR,
# the unit's ExecStart names the vivacd installed beside it, the files its
# Documentation= names are installed, the man pages render, the example
# /etc/default/vivacd and /etc/vivac/vivacd.conf with its empty vms.d, the
# sysusers file and the udev rule are there, the unit reloads with SIGHUP, and
# the installed vivac does not reach back into the build tree (it runs the
# installed or PATH's vivacd; the build tree's vivac runs the build's).
#
#   install_layout.sh BUILD_DIR
set -euo pipefail
build=${1:?usage: install_layout.sh BUILD_DIR}
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

meson install -C "$build" --no-rebuild --quiet --destdir "$dest" >/dev/null
prefix=$(meson introspect "$build" --buildoptions |
    python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "prefix"))')

unit=$(find "$dest" -name vivacd.service -path '*/systemd/system/*')
[ -n "$unit" ] || fail "no vivacd.service installed in a systemd unit directory"
exec_path=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$unit")
[ -x "$dest$exec_path" ] || fail "ExecStart=$exec_path, but nothing executable installed there"
for doc in $(sed -n 's/^Documentation=//p' "$unit"); do
    file=${doc#file://}
    # The unit names /usr/share/doc; under another prefix, the prefix's.
    [ -f "$dest$file" ] || [ -f "$dest$prefix/share/doc/vivac/$(basename "$file")" ] ||
        fail "Documentation=$doc not installed"
done
[ -n "$(find "$dest" -path '*/sysusers.d/vivac.conf')" ] || fail "no sysusers.d/vivac.conf"
[ -n "$(find "$dest" -path '*/udev/rules.d/90-vivac.rules')" ] || fail "no udev rule"
[ -n "$(find "$dest" -path '*/default/vivacd')" ] || fail "no example default/vivacd"
[ -n "$(find "$dest" -path '*/vivac/vivacd.conf')" ] || fail "no example vivac/vivacd.conf"
[ -n "$(find "$dest" -type d -path '*/vivac/vms.d')" ] || fail "no vivac/vms.d directory"
grep -q '^ExecReload=/bin/kill -HUP \$MAINPID$' "$unit" || fail "the unit's ExecReload does not send SIGHUP"
for page in man1/vivac.1 man8/vivacd.8; do
    f=$(find "$dest" -path "*/man/$page" | head -n 1)
    [ -n "$f" ] || fail "no $page"
    if command -v man >/dev/null; then
        out=$(MANWIDTH=80 man --warnings -l "$f" 2>&1 >/dev/null) || fail "$page does not render"
        [ -z "$out" ] || fail "$page: $out"
    fi
done
[ -n "$(find "$dest" -name vivac_drv_video.so)" ] || fail "no vivac_drv_video.so"

# Which vivacd does `vivac run` start? A stand-in first in PATH says when
# it is the one.
stub=$dest/stub
mkdir -p "$stub"
printf '#!/bin/sh\necho stub > "%s/called"\nexit 3\n' "$stub" >"$stub/vivacd"
chmod +x "$stub/vivacd"
installed_vivac=$(find "$dest" -path '*/bin/vivac' -type f | head -n 1)
env -u VIVACD PATH="$stub:/usr/bin:/bin" "$installed_vivac" run -- true >/dev/null 2>&1 || true
if [ ! -x "$prefix/sbin/vivacd" ]; then
    [ -f "$stub/called" ] || fail "the installed vivac did not look for vivacd where installed or in PATH (the build tree's?)"
fi
rm -f "$stub/called"
env -u VIVACD PATH="$stub:/usr/bin:/bin" "$build/tools/vivac" run -- true >/dev/null 2>&1 || true
[ ! -f "$stub/called" ] || fail "the build tree's vivac ran PATH's vivacd, not the build's"
echo "ok: installed under $prefix: $(find "$dest" -type f | wc -l) files; ExecStart=$exec_path"
