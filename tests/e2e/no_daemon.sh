#!/usr/bin/env bash
# Without a daemon, vaInitialize fails and the message says how to start one.
source "$(dirname "$0")/lib.sh"
need vainfo
ensure_display
use_vivac_driver
export VIVAC_SOCKET=$e2e_tmp/nobody-listens.sock
if vainfo --display x11 >"$e2e_tmp/out.txt" 2>&1; then
    cat "$e2e_tmp/out.txt"; echo "FAIL: vainfo succeeded without a daemon"; exit 1
fi
cat "$e2e_tmp/out.txt"
grep -q "$VIVAC_SOCKET" "$e2e_tmp/out.txt" || { echo "FAIL: message does not name the socket"; exit 1; }
grep -q "vivacd" "$e2e_tmp/out.txt" || { echo "FAIL: message does not say how to start vivacd"; exit 1; }
echo "ok: clear error without a daemon"
