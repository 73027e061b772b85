#!/usr/bin/env bash
# The daemon-wide memory budget (vivacd --max-memory): one session fills it,
# another is refused with the daemon's limit named and served again once the
# first session is gone; the daemon stays up. Then the per-session limit
# (--max-session-memory): one session's surfaces refused past it, another
# session served. The per-client limit (--max-client-memory): one client's
# sessions together refused past it, a client of another uid (another
# worker) served; the daemon's budget holds across workers.
# Usage: memory_budget.sh HOSTILE_CLIENT
source "$(dirname "$0")/lib.sh"
client=${1:?usage: memory_budget.sh HOSTILE_CLIENT}
# Clients of another uid (as root: nobody) must reach the socket.
open_socket() { chmod 0711 "$e2e_tmp"; chmod 0666 "$VIVAC_SOCKET"; }
start_daemon --engine sw --max-memory 1
open_socket
"$client" "$VIVAC_SOCKET" --budget 1 || { tail -20 "$e2e_tmp/vivacd.log"; echo "FAIL: daemon budget"; exit 1; }
daemon_alive || { echo "FAIL: vivacd died"; exit 1; }
stop_daemon
start_daemon --engine sw --max-session-memory 1
"$client" "$VIVAC_SOCKET" --session-budget 1 ||
    { tail -20 "$e2e_tmp/vivacd.log"; echo "FAIL: session budget"; exit 1; }
stop_daemon
start_daemon --engine sw --max-client-memory 1
open_socket
"$client" "$VIVAC_SOCKET" --client-budget 1 ||
    { tail -20 "$e2e_tmp/vivacd.log"; echo "FAIL: client budget"; exit 1; }
stop_daemon
if "$VIVACD" --max-session-memory 0 --socket "$e2e_tmp/x.sock" 2>/dev/null; then
    echo "FAIL: --max-session-memory 0 accepted"; exit 1
fi
echo "ok: a 1 MiB daemon-wide budget holds across sessions and is given back; a 1 MiB session limit holds; a 1 MiB client limit holds for one worker, not another"
