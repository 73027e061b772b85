#!/usr/bin/env bash
# vivacd --vm NAME:CONTROL_SOCKET[:SHM_PATH[:SIZE_MB]] is checked before
# anything starts: a region size that is not a power of two (QEMU's
# ivshmem aborts on one), an existing region file of such a size, a bad
# name, a socket path sockaddr_un cannot hold, a name or socket given
# twice: each refused with exit 2 and a message naming the VM and the
# value. A good spec starts and creates its region at the size asked.
source "$(dirname "$0")/lib.sh"
t=$e2e_tmp
long=$t/$(printf 's%.0s' $(seq 120)).sock
odd=$t/odd.shm
truncate -s 100M "$odd"
refused() { # EXPECTED_TEXT VIVACD_ARGS...
    local want=$1 rc=0 out
    shift
    out=$("$VIVACD" --engine sw --socket "$t/never.sock" "$@" 2>&1) || rc=$?
    [ $rc -eq 2 ] || { echo "FAIL: $*: exit $rc, not 2: $out"; exit 1; }
    grep -qF -- "$want" <<<"$out" || { echo "FAIL: $*: want '$want' in: $out"; exit 1; }
    [ ! -e "$t/never.sock" ] || { echo "FAIL: $*: the daemon started"; exit 1; }
}
refused 'vivacd: --vm: VM vm1: region size "100" MiB: want a power of two' --vm "vm1:$t/a.sock:$t/a.shm:100"
refused 'VM vm1: region size "1" MiB' --vm "vm1:$t/a.sock:$t/a.shm:1"
refused 'VM vm1: region size "131072" MiB' --vm "vm1:$t/a.sock:$t/a.shm:131072"
refused 'VM vm1: region size "64k" MiB' --vm "vm1:$t/a.sock:$t/a.shm:64k"
refused 'VM vm1: region size "-64" MiB' --vm "vm1:$t/a.sock:$t/a.shm:-64"
[ ! -e "$t/a.shm" ] || { echo "FAIL: a refused region file was created"; exit 1; }
refused "vivacd: --vm: VM vm1: $odd: 104857600 bytes, want a power of two" --vm "vm1:$t/a.sock:$odd"
refused "vivacd: --vm: VM vm1: the control socket $t/never.sock is vivacd's own --socket" \
    --vm "vm1:$t/never.sock"
refused 'VM name "vm 1": want letters' --vm "vm 1:$t/a.sock"
refused 'VM name "local"' --vm "local:$t/a.sock"
refused "VM vm1: control socket path \"$long\": want 1 to 107 bytes" --vm "vm1:$long"
refused 'VM vm1: control socket path "": want 1 to 107 bytes' --vm "vm1:"
refused '"vm1": want NAME:CONTROL_SOCKET' --vm vm1
refused "vivacd: --vm: VM vm1: the name vm1 is also VM vm1's (--vm)" \
    --vm "vm1:$t/a.sock" --vm "vm1:$t/b.sock"
refused "vivacd: --vm: VM vm2: the control socket $t/a.sock is also VM vm1's (--vm)" \
    --vm "vm1:$t/a.sock" --vm "vm2:$t/a.sock"
start_daemon --engine sw --vm "vm1:$t/a.sock:$t/a.shm:8" --vm "vm_2.x-y:$t/b.sock"
daemon_alive || { echo "FAIL: a good --vm was refused"; exit 1; }
[ "$(stat -c %s "$t/a.shm")" = 8388608 ] || { echo "FAIL: region not 8 MiB"; exit 1; }
stop_daemon
echo "ok: --vm values checked before start (power-of-two region, name, paths, duplicates)"
