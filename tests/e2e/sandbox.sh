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
# ptrace of the supervisor, fork.
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

# Starts a daemon whose workers try $1, starts one worker, and sets
# $outcome to how the attempt ended: "refused", "sigsys" or "SUCCEEDED".
try_escape() {
    VIVAC_TEST_ESCAPE=$1 start_daemon --engine sw
    "$VIVAC" info --socket "$VIVAC_SOCKET" >/dev/null 2>&1 || true
    outcome=""
    for _ in $(seq 100); do
        if grep -q "test escape .*: SUCCEEDED" "$e2e_tmp/vivacd.log"; then outcome=SUCCEEDED
        elif grep -q "test escape .*: refused" "$e2e_tmp/vivacd.log"; then outcome=refused
        elif grep -q "killed by signal 31" "$e2e_tmp/vivacd.log" &&
             grep -q "the sandbox refused system call" "$e2e_tmp/vivacd.log"; then outcome=sigsys
        fi
        [ -n "$outcome" ] && break
        sleep 0.05
    done
    daemon_alive || { echo "FAIL: $1: the daemon died" >&2; outcome=daemon-died; }
    outcome=${outcome:-nothing}
}

fail=0
for escape in "open:$secret" open:/etc/passwd "write:$open_dir/new" exec:/bin/true socket ptrace fork; do
    try_escape "$escape"
    detail=$(grep -o "test escape [^:]*:.*\(refused\|SUCCEEDED\).*\|the sandbox refused system call.*" \
             "$e2e_tmp/vivacd.log" | head -1)
    case $outcome in
    refused|sigsys) echo "ok - $escape: $outcome ($detail)" ;;
    *) echo "not ok - $escape: $outcome ($detail)"; tail -5 "$e2e_tmp/vivacd.log"; fail=1 ;;
    esac
    [ -e "$open_dir/new" ] && { echo "not ok - $escape: a file was created"; fail=1; rm -f "$open_dir/new"; }
    # The daemon still serves: the next client gets a fresh worker, which
    # tries again and is refused again; a client's answer is enough here.
    stop_daemon
    : >"$e2e_tmp/vivacd.log"
done

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
