#!/usr/bin/env bash
# A fake QEMU breaks a VM's link (garbage then EOF, EOF mid-chunk, garbage
# mid-session, a reconnect mid-chunk): after each case the daemon is idle
# (no busy loop), serves the VM's port again when QEMU reconnects, and its
# log stays short (no line per loop).
# Usage: hostile_link.sh HOSTILE_LINK [CASE]
source "$(dirname "$0")/lib.sh"
client=${1:?usage: hostile_link.sh HOSTILE_LINK}
vm_sock=$e2e_tmp/vm1.sock
start_daemon --engine sw --vm "vm1:$vm_sock"
for _ in $(seq 100); do [ -S "$vm_sock" ] && break; sleep 0.05; done
# A daemon stuck in a loop does not end on SIGTERM: kill it on failure.
fail() {
    tail -c 2000 "$e2e_tmp/vivacd.log"; echo "FAIL: $1"
    kill -KILL "$VIVACD_PID" 2>/dev/null || true
    exit 1
}
"$client" "$vm_sock" "$VIVACD_PID" ${2:+"$2"} || fail "hostile link cases"
daemon_alive || fail "vivacd died"
# About ten lines per case: connection, sessions, garbage, end.
lines=$(wc -l <"$e2e_tmp/vivacd.log")
if [ "$lines" -gt 300 ]; then
    fail "$lines log lines (at most 300)"
fi
stop_daemon
# Each connection ended once, with at most one warning about garbage.
log=$e2e_tmp/vivacd.log
connected=$(grep -c 'virtio-serial port connected' "$log" || true)
ended=$(grep -c 'virtio-serial port connection ends' "$log" || true)
garbage=$(grep -c 'not link chunks skipped' "$log" || true)
[ "$connected" -gt 0 ] && [ "$ended" = "$connected" ] ||
    fail "$connected connections, $ended ends logged"
[ "$garbage" -le "$connected" ] || fail "$garbage garbage warnings for $connected connections"
echo "ok: broken links end once, the daemon stays idle and serves the VM again ($lines log lines)"
