#!/usr/bin/env bash
# Who may reach vivacd (issue 15): with --socket-group G --socket-mode 0660
# the Unix socket, a VM's control socket and the region file vivacd creates
# are group G, mode 0660; a user in G connects (vivac info), a user not in
# G is refused, and both vivac info and the guest driver (vainfo) then say
# "permission denied", not "start a daemon". Without the options a region
# file vivacd creates is 0660 (QEMU's user reaches it through vivacd's
# group), not the 0600 only vivacd could open. Needs root (users and a
# group of its own); skips otherwise.
source "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit $SKIP; }
need setpriv
need vainfo
ensure_display
group=vivac-e2e-access
getent group "$group" >/dev/null || groupadd -r "$group"
gid=$(getent group "$group" | cut -d: -f3)
member=20101 outsider=20102
chmod 0755 "$e2e_tmp"
mkdir -m 0755 "$e2e_tmp/run"
sock=$e2e_tmp/run/vivacd.sock vm_sock=$e2e_tmp/run/vm.sock region=$e2e_tmp/run/region

fail() { cat "$e2e_tmp/vivacd.log" 2>/dev/null | tail -n 5; echo "FAIL: $*"; exit 1; }
mode_group() { stat -c '%a %g' "$1"; }

"$VIVACD" --engine sw --socket "$sock" --socket-group "$group" --socket-mode 0660 \
    --vm "t:$vm_sock:$region:4" 2>"$e2e_tmp/vivacd.log" &
e2e_pids+=($!)
for _ in $(seq 100); do [ -S "$vm_sock" ] && break; sleep 0.05; done
for f in "$sock" "$vm_sock" "$region"; do
    [ "$(mode_group "$f")" = "660 $gid" ] || fail "$f is $(mode_group "$f"), want 660 $gid"
done
echo "ok: sockets and region: 0660, group $group"

as() { local u=$1; shift; setpriv --reuid="$u" --regid="$u" --groups="${GROUPS_OF:-$u}" -- "$@"; }
GROUPS_OF=$gid as "$member" "$VIVAC" info --socket "$sock" >"$e2e_tmp/member.txt" 2>&1 ||
    { cat "$e2e_tmp/member.txt"; fail "a member of $group could not connect"; }
grep -q '^ *engine: *sw' "$e2e_tmp/member.txt" || { cat "$e2e_tmp/member.txt"; fail "vivac info printed no engine"; }
echo "ok: a member of $group connects"

if as "$outsider" "$VIVAC" info --socket "$sock" >"$e2e_tmp/outsider.txt" 2>&1; then
    fail "a user outside $group connected"
fi
grep -q 'permission denied' "$e2e_tmp/outsider.txt" || { cat "$e2e_tmp/outsider.txt"; fail "vivac info does not say permission denied"; }
grep -q 'start it with' "$e2e_tmp/outsider.txt" && fail "vivac info tells a refused user to start a daemon"
use_vivac_driver
if VIVAC_SOCKET=$sock as "$outsider" vainfo --display x11 >"$e2e_tmp/vainfo.txt" 2>&1; then
    fail "vainfo succeeded for a user outside $group"
fi
grep -q "permission denied on $sock (mode 0660, group $group)" "$e2e_tmp/vainfo.txt" ||
    { cat "$e2e_tmp/vainfo.txt"; fail "the driver does not say permission denied and whose the socket is"; }
grep -q 'start it with' "$e2e_tmp/vainfo.txt" && fail "the driver tells a refused user to start a daemon"
echo "ok: a user outside $group is refused, and told so"
kill "${e2e_pids[-1]}"; wait "${e2e_pids[-1]}" 2>/dev/null || true

# Defaults: a region file vivacd creates is 0660 in vivacd's own group.
rm -f "$region"
"$VIVACD" --engine sw --socket "$sock" --vm "t:$vm_sock:$region:4" 2>"$e2e_tmp/vivacd.log" &
e2e_pids+=($!)
for _ in $(seq 100); do [ -S "$vm_sock" ] && break; sleep 0.05; done
[ "$(stat -c '%a %g' "$region")" = "660 $(id -g)" ] || fail "default region file is $(stat -c '%a %g' "$region"), want 660 $(id -g)"
echo "ok: by default the region file is 0660, vivacd's group"
