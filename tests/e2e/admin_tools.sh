#!/usr/bin/env bash
# `vivac set` and `vivac top` against fake_admin.py, a stand-in for vivacd's
# admin socket and metrics endpoint with known rates (no daemon, no
# decode): exit statuses (0 ok, 1 refused or unreachable, 2 usage), the
# message for a missing socket, and top's rows over the admin socket, HTTP
# on a Unix socket and HTTP on TCP (a: 100 frames/s, 25 % of the engine,
# waits 1.5 / 2.0 ms; b: 300 frames/s, 75 %, 7.5 / 10 ms, 7 errors);
# without a terminal, frames one after another and no escape sequence.
source "$(dirname "$0")/lib.sh"
need python3
here=$(cd "$(dirname "$0")" && pwd)
admin=$e2e_tmp/admin.sock
python3 "$here/fake_admin.py" --admin "$admin" --http-unix "$e2e_tmp/http.sock" \
    --tcp-port-file "$e2e_tmp/port" &
e2e_pids+=($!)
for _ in $(seq 200); do [ -s "$e2e_tmp/port" ] && break; sleep 0.05; done
[ -s "$e2e_tmp/port" ] || { echo "FAIL: fake_admin.py did not start"; exit 1; }

# expect STATUS OUTPUT-PATTERN ARGS...: vivac ARGS exits STATUS, says PATTERN.
expect() {
    local want=$1 pattern=$2 rc=0; shift 2
    "$VIVAC" "$@" >"$e2e_tmp/out.txt" 2>&1 || rc=$?
    [ "$rc" = "$want" ] && grep -q -- "$pattern" "$e2e_tmp/out.txt" ||
        { cat "$e2e_tmp/out.txt"; echo "FAIL: vivac $*: exit $rc (want $want), want \"$pattern\""; exit 1; }
}
expect 0 '^ok b weight=4 reserve=- limit=-$' set b weight=4 --admin "$admin"
expect 0 '^ok a weight=2 reserve=- limit=100/s$' set --admin "$admin" a weight=2,limit=100
expect 1 '^error: weight must be > 0' set b weight=0 --admin "$admin"
expect 1 '^error: no class nosuch' set nosuch weight=2 --admin "$admin"
expect 1 "no socket at $e2e_tmp/none.sock" set b weight=2 --admin "$e2e_tmp/none.sock"
expect 1 "no socket at $e2e_tmp/none.sock" top --once --admin "$e2e_tmp/none.sock"
expect 2 'Usage: vivac set' set b
expect 2 'Usage: vivac set' set b weight=1 extra
expect 2 'single words' set b 'weight=1 limit=2'
expect 2 'one of --admin or --metrics' top --admin "$admin" --metrics 9
expect 2 'not unix:PATH or' top --metrics host:notaport
expect 2 'seconds from' top --interval 0

# row VM FPS SHARE P50 P99 ERRORS in $e2e_tmp/out.txt (fps within 10 %).
row() {
    awk -v vm="$1" -v fps="$2" -v share="$3" -v p50="$4" -v p99="$5" -v err="$6" '
        $1 == vm { found = 1
            if ($3 < fps * 0.9 || $3 > fps * 1.1 || $4 != share || $5 " " $6 != p50 ||
                $7 " " $8 != p99 || $11 != err) bad = 1 }
        END { exit !(found && !bad) }' "$e2e_tmp/out.txt" ||
        { cat "$e2e_tmp/out.txt"; echo "FAIL: vivac top: row of $1 is not $*"; exit 1; }
}
for source in "--admin $admin" "--metrics unix:$e2e_tmp/http.sock" "--metrics $(cat "$e2e_tmp/port")" \
    "--metrics localhost:$(cat "$e2e_tmp/port")"; do
    # shellcheck disable=SC2086 # $source is two words
    expect 0 '^VM  *STREAMS  *FRAMES/S' top --once --interval 0.5 $source
    grep -q '^engine slots 2  workers 2  VMs 2  streams 8 ' "$e2e_tmp/out.txt" ||
        { cat "$e2e_tmp/out.txt"; echo "FAIL: vivac top $source: header"; exit 1; }
    row a 100 25.0% "1.5 ms" "2.0 ms" 0/0
    row b 300 75.0% "7.5 ms" "10.0 ms" 0/7
    echo "ok: vivac top $source"
done

# Without a terminal: a frame per interval, no escape sequences; SIGINT ends it.
"$VIVAC" top --admin "$admin" --interval 0.2 </dev/null >"$e2e_tmp/frames.txt" 2>&1 &
top_pid=$!
sleep 1.1
kill -INT "$top_pid"
rc=0
wait "$top_pid" || rc=$?
n=$(grep -c '^vivac top ' "$e2e_tmp/frames.txt" || true)
[ "$rc" = 0 ] && [ "$n" -ge 3 ] && ! grep -q $'\033' "$e2e_tmp/frames.txt" ||
    { cat -v "$e2e_tmp/frames.txt"; echo "FAIL: top without a terminal: exit $rc, $n frames"; exit 1; }
echo "ok: vivac set and vivac top against fake_admin.py"
