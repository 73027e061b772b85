#!/usr/bin/env bash
# The workers' sandbox is really on (a test build: -Dtest_hooks). For each
# escape, a daemon whose workers try it right after locking their sandbox
# (VIVAC_TEST_ESCAPE, src/host/sandbox_escape.c), and a client to start a
# worker; the attempt must be refused, or the worker must die of SIGSYS
# with the refused call named, and never succeed; the daemon stays up and
# serves the next client. A live worker's credentials: not root, no
# capabilities, no_new_privs, a seccomp filter.
# Escapes: a root-only file, a world-readable file outside the allow-list,
# creating a file in a world-writable directory, execve, a network socket,
# ptrace of the supervisor, fork, an ioctl outside the list.
source "$(dirname "$0")/lib.sh"
need pgrep
"$VIVACD" --help >/dev/null
if ! grep -qa "test escape %s: trying" "$VIVACD"; then
    echo "SKIP: vivacd built without -Dtest_hooks"; exit $SKIP
fi
chmod 0711 "$e2e_tmp"
secret=$e2e_tmp/secret
echo "not for workers" >"$secret"
chmod 0600 "$secret"
open_dir=$e2e_tmp/open
mkdir -m 0777 "$open_dir"

fail=0
escape_suite "open:$secret open:/etc/passwd write:$open_dir/new exec:/bin/true socket ptrace fork ioctl" \
    --engine sw || fail=1

# A worker that lives (no escape): its credentials.
start_daemon --engine sw
"$VIVAC" info --socket "$VIVAC_SOCKET" >/dev/null
worker=$(wait_worker "uid:$(id -u)") || exit 1
status=/proc/$worker/status
uid=$(awk '/^Uid:/ {print $2}' "$status")
caps=$(awk '/^CapEff:/ {print $2}' "$status")
nnp=$(awk '/^NoNewPrivs:/ {print $2}' "$status")
seccomp=$(awk '/^Seccomp:/ {print $2}' "$status")
if [ "$uid" = 0 ] || [ "$caps" != 0000000000000000 ] || [ "$nnp" != 1 ] || [ "$seccomp" != 2 ]; then
    echo "not ok - worker credentials: uid $uid, CapEff $caps, NoNewPrivs $nnp, Seccomp $seccomp"; fail=1
else
    echo "ok - worker credentials: uid $uid, CapEff $caps, NoNewPrivs $nnp, Seccomp $seccomp (filter)"
fi
grep -o "sandbox \(prepared\|locked\): .*" "$e2e_tmp/vivacd.log" | sort -u | sed 's/^/  /'
stop_daemon
[ "$fail" = 0 ] || { echo "FAIL"; exit 1; }
echo "PASS: every escape refused or killed by the sandbox"
