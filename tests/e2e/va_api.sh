#!/usr/bin/env bash
# Runs the VA-API conformance program (va_api.c) through the vivac driver.
source "$(dirname "$0")/lib.sh"
prog=${1:?usage: va_api.sh VA_API_PROGRAM}
ensure_display
start_daemon --engine sw
use_vivac_driver
"$prog" || { tail -20 "$e2e_tmp/vivacd.log"; echo "FAIL: VA-API checks"; exit 1; }
stop_daemon
echo "ok: VA-API checks passed"
