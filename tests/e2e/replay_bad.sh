#!/usr/bin/env bash
# `vivac replay` refuses truncated and garbled traces with a clear message and
# a non-zero exit, without crashing (and without starting to replay).
# Usage: replay_bad.sh CLIP
source "$(dirname "$0")/lib.sh"
clip=${1:?usage: replay_bad.sh CLIP}
record_trace "$clip"
size=$(stat -c %s "$trace")

bad=$e2e_tmp/bad.vtrace
expect_refused() { # NAME PATTERN
    local rc=0
    "$VIVAC" replay --engine sw "$bad" >"$e2e_tmp/out.txt" 2>&1 || rc=$?
    if [ "$rc" -eq 0 ] || [ "$rc" -ge 128 ]; then
        cat "$e2e_tmp/out.txt"; echo "FAIL: $1: exit status $rc"; exit 1
    fi
    grep -q "$2" "$e2e_tmp/out.txt" || { cat "$e2e_tmp/out.txt"; echo "FAIL: $1: no clear message"; exit 1; }
    echo "ok: $1: $(head -1 "$e2e_tmp/out.txt")"
}
head -c $((size - 7)) "$trace" >"$bad"; expect_refused "truncated payload" "invalid trace: .*truncated"
head -c 20 "$trace" >"$bad"; expect_refused "truncated record header" "invalid trace: .*truncated header"
head -c 5 "$trace" >"$bad"; expect_refused "truncated file header" "not a vivac trace"
: >"$bad"; expect_refused "empty file" "not a vivac trace"
{ printf 'GARBAGE!'; tail -c +9 "$trace"; } >"$bad"; expect_refused "bad magic" "bad magic"
# First record's opcode (bytes 16..19) made a reply.
{ head -c 16 "$trace"; printf '\x01\x00\x00\x80'; tail -c +21 "$trace"; } >"$bad"
expect_refused "reply opcode" "not a request"
# First record's length (bytes 20..23) made huge.
{ head -c 20 "$trace"; printf '\xff\xff\xff\x7f'; tail -c +25 "$trace"; } >"$bad"
expect_refused "huge length" "exceeds"
head -c "$size" /dev/urandom >"$bad"; expect_refused "random bytes" "not a vivac trace"
"$VIVAC" replay --engine sw "$e2e_tmp/none.vtrace" >"$e2e_tmp/out.txt" 2>&1 && { echo "FAIL: missing file accepted"; exit 1; }
grep -q "none.vtrace" "$e2e_tmp/out.txt" || { cat "$e2e_tmp/out.txt"; echo "FAIL: missing file: no message"; exit 1; }
echo "ok: bad traces refused"
