#!/usr/bin/env bash
# Runs every test suite: the normal build (unit, e2e, fuzz replay), the same
# suites under AddressSanitizer + UndefinedBehaviorSanitizer, and a short
# libFuzzer run. Ends with "N passed, N failed".
# Environment: FUZZ_SECONDS (default 60, split between the fuzz targets).
set -uo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh >/dev/null || { echo "set-up failed"; echo "0 passed, 1 failed"; exit 1; }

results=$(mktemp)
# A Debian 13 root for the tests of newer guest software than this host's
# (mpv 0.40: e2e_mpv_vavpp_*; FFmpeg 7.1: e2e_guest13_*), made once;
# without root those tests skip.
export VIVAC_E2E_GUEST_ROOT=${VIVAC_E2E_GUEST_ROOT:-/var/cache/vivac-tests/debian13}
if [ "$(id -u)" = 0 ] && ! tests/e2e/guest_root.sh "$VIVAC_E2E_GUEST_ROOT"; then
    echo "guest root 0 1" >>"$results"
fi
run_suites() { # BUILD_DIR LABEL [meson test args...]
    local dir=$1 label=$2; shift 2
    echo "=== $label: meson test -C $dir $*"
    meson test -C "$dir" --print-errorlogs "$@" | grep -E '^ *[0-9]+/[0-9]+ ' || true
    python3 scripts/summarize_tests.py "$dir/meson-logs/testlog.json" "$label" >>"$results"
}

# 1. Normal build.
run_suites build plain

# 2. Sanitizers. Client programs (ffmpeg, mpv, vainfo) are not instrumented:
# preload the runtimes so the instrumented driver loads into them. The VM
# test runs in the plain build only (its guest gets no preload), and so
# does the package test (packages are built without sanitizers).
if [ ! -f build-asan/build.ninja ]; then
    meson setup build-asan -Dtest_hooks=true -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
fi
if ninja -C build-asan >/dev/null; then
    asan_rt="$(gcc -print-file-name=libasan.so):$(gcc -print-file-name=libubsan.so)"
    VIVAC_CLIENT_PRELOAD=$asan_rt \
    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
        run_suites build-asan asan --no-suite vm --no-suite package
else
    echo "asan build: FAILED 1 1" >>"$results"
fi

# 3. Coverage-guided fuzzing for a short time (clang + libFuzzer), the time
# split between the targets: fuzz_session (one session's messages),
# fuzz_link (a VM's control connection as a byte stream: link framing,
# message framing, sessions one after another) and fuzz_gpu (the GPU
# process's requests from a hostile worker, on fake CUDA: a test build).
if [ ! -f build-fuzz/build.ninja ]; then
    CC=clang meson setup build-fuzz -Dfuzzing=true -Dtest_hooks=true \
        -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
fi
fuzz_total=${FUZZ_SECONDS:-60}
fuzz_target() { # NAME SEED_DIR SECONDS [libFuzzer args...]
    local name=$1 seeds=$2 secs=$3 fuzz_dir; shift 3
    fuzz_dir=$(mktemp -d)
    cp "$seeds"/* "$fuzz_dir"/ 2>/dev/null
    echo "=== fuzz: $name for $secs s"
    # libx265's own leak per encoder open (tests/lsan.supp), as in meson's runs.
    if LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp \
        "build-fuzz/fuzz/$name" -max_total_time="$secs" -rss_limit_mb=4096 \
        -print_final_stats=1 "$@" "$fuzz_dir" >"build-fuzz/$name.log" 2>&1; then
        tail -5 "build-fuzz/$name.log"; echo "fuzz $name 1 0" >>"$results"
    else
        tail -40 "build-fuzz/$name.log"; echo "fuzz $name 0 1" >>"$results"
    fi
    rm -rf "$fuzz_dir"
}
if ninja -C build-fuzz fuzz/fuzz_session fuzz/fuzz_link fuzz/fuzz_gpu >/dev/null 2>&1; then
    third=$(( fuzz_total / 3 > 0 ? fuzz_total / 3 : 1 ))
    fuzz_target fuzz_session fuzz/corpus $(( fuzz_total - 2 * third > 0 ? fuzz_total - 2 * third : 1 ))
    fuzz_target fuzz_link fuzz/corpus_link "$third" -dict=fuzz/link.dict
    fuzz_target fuzz_gpu fuzz/corpus_gpu "$third"
else
    echo "fuzz build failed"; echo "fuzz build 0 1" >>"$results"
fi

echo "=== summary"
awk '{print "  " $1 " " $2 ": " $3 " passed, " $4 " failed" (NF > 4 ? ", " $5 " skipped" : "")}' "$results"
passed=$(awk '{s += $3} END {print s + 0}' "$results")
failed=$(awk '{s += $4} END {print s + 0}' "$results")
skipped=$(awk '{s += $5} END {print s + 0}' "$results")
rm -f "$results"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
