#!/usr/bin/env bash
# The driver exports exactly one symbol, __vaDriverInit_1_0 (it loads on any
# libva 2.x and cannot clash with symbols of the host program).
set -euo pipefail
so=${1:?usage: driver_exports.sh vivac_drv_video.so}
syms=$(nm -D --defined-only "$so" | awk '{print $3}')
echo "exported: $syms"
[ "$syms" = "__vaDriverInit_1_0" ] || { echo "FAIL: unexpected exports"; exit 1; }
echo "ok: only __vaDriverInit_1_0 exported"
