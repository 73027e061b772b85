#!/usr/bin/env bash
# The daemon-wide memory budget (vivacd --max-memory): one session fills it,
# another is refused with the daemon's limit named and served again once the
# first session is gone; the daemon stays up.
# Usage: memory_budget.sh HOSTILE_CLIENT
source "$(dirname "$0")/lib.sh"
client=${1:?usage: memory_budget.sh HOSTILE_CLIENT}
start_daemon --engine sw --max-memory 1
"$client" "$VIVAC_SOCKET" --budget 1 || { tail -20 "$e2e_tmp/vivacd.log"; echo "FAIL: daemon budget"; exit 1; }
daemon_alive || { echo "FAIL: vivacd died"; exit 1; }
stop_daemon
echo "ok: a 1 MiB daemon-wide budget holds across sessions and is given back"
