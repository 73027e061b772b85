#!/usr/bin/env bash
# The supervisor trusts nothing a worker tells its scheduler (a worker may
# be compromised): in a test build, VM rogue's worker (VIVAC_TEST_ROGUE)
#   flood: asks for 64 decodes at once with one connection;
#   forge: says a decode it was never granted is done;
#   hold: keeps a grant for ever, while answering the watchdog's pings
#         (--worker-timeout 2);
# each time the supervisor must kill that worker (its replay fails, the log
# says why), while VM good decodes every picture as recorded throughout and
# the daemon stays up.
# Usage: qos_rogue.sh CLIP
source "$(dirname "$0")/lib.sh"
clip=${1:?usage: qos_rogue.sh CLIP}
grep -qa "VIVAC_TEST_ROGUE" "$VIVACD" ||
    { echo "SKIP: not a test build (-Dtest_hooks)"; exit $SKIP; }
record_trace "$clip"

for what in flood forge hold; do
    export VIVAC_TEST_ROGUE=vm:rogue:$what
    start_daemon --engine sw --worker-timeout 2 --vm "good:$e2e_tmp/good.sock" --vm "rogue:$e2e_tmp/rogue.sock"
    unset VIVAC_TEST_ROGUE
    for _ in $(seq 100); do [ -S "$e2e_tmp/rogue.sock" ] && break; sleep 0.05; done
    # timeouts: without its checks a rogue worker starves the engine.
    timeout 20 "$VIVAC" replay --vm-socket "$e2e_tmp/good.sock" --no-readback --streams 2 \
        --loop 1000000 --duration 5 "$trace" >"$e2e_tmp/good.txt" 2>&1 &
    good=$!
    sleep 0.5
    if timeout 20 "$VIVAC" replay --vm-socket "$e2e_tmp/rogue.sock" --no-readback --loop 1000 "$trace" \
        >"$e2e_tmp/rogue.txt" 2>&1; then
        cat "$e2e_tmp/rogue.txt"; echo "FAIL: $what: the rogue worker's client decoded to the end"; exit 1
    fi
    wait "$good" || { cat "$e2e_tmp/good.txt"; echo "FAIL: $what: VM good's replay failed"; exit 1; }
    grep -q '^non-OK replies: 0; differing from the trace: 0' "$e2e_tmp/good.txt" ||
        { cat "$e2e_tmp/good.txt"; echo "FAIL: $what: VM good got errors"; exit 1; }
    case $what in
        flood) why="asked for more decodes than it has connections: killed" ;;
        forge) why="finished a decode it was not granted: killed" ;;
        hold) why="held the engine for a decode over 2000 ms: killed" ;;
    esac
    grep -q "worker vm:rogue (pid [0-9]*) $why" "$e2e_tmp/vivacd.log" ||
        { tail -20 "$e2e_tmp/vivacd.log"; echo "FAIL: $what: no \"$why\" in the log"; exit 1; }
    daemon_alive || { echo "FAIL: $what: the daemon died"; exit 1; }
    echo "ok: $what: the rogue worker was killed ($why), VM good decoded $(sed -n 's/^replay: .*, \([0-9]*\) frames in .*/\1/p' "$e2e_tmp/good.txt") pictures as recorded"
    stop_daemon
done
