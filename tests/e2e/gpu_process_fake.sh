#!/usr/bin/env bash
# The GPU process's plumbing end to end on fake CUDA (a test build's
# VIVAC_TEST_FAKE_NVDEC: src/host/engines/nvdec/nvdec_fake.c, whose decoder
# writes a pattern derived from each picture's bitstream). A trace (H.264 or VP8)
# replayed with --md5 against `vivacd --engine nvdec --gpu-context-per-worker`
# and against `vivacd --engine nvdec` (one GPU process, the default) must give the same non-empty MD5
# list with every reply OK (the remote path moves bitstreams and pictures
# losslessly), reading back straight into the client's arena, which the
# worker shares with the GPU process (page-locked there; locks and unlocks
# pair up); by default the GPU process locks its sandbox and the
# client's worker is sandboxed as a CPU worker ("sw, socketpair", not the
# GPU list); a GPU process killed (SIGKILL) mid-replay makes the client fail
# promptly, the daemon stays up, and a new client decodes every picture
# through a fresh GPU process.
# Usage: gpu_process_fake.sh CLIP (352x288: H.264, or VP8, whose slice
# offsets the parser leaves unset, as NVIDIA's does)
source "$(dirname "$0")/lib.sh"
clip=${1:?usage: gpu_process_fake.sh CLIP}
need pgrep
fake_nvdec_trace "$clip"

# 1. Local engine: the fakes in the worker.
start_daemon --engine nvdec --gpu-context-per-worker
replay_md5 local
stop_daemon
n=$(wc -l <"$e2e_tmp/local.md5")
[ "$n" -gt 0 ] || { echo "FAIL: no pictures decoded"; exit 1; }
[ "$(sort -u "$e2e_tmp/local.md5" | wc -l)" -gt 1 ] ||
    { echo "FAIL: every picture has the same MD5 (the fake ignores the bitstream?)"; exit 1; }

# 2. The GPU process (the default): same pictures.
start_daemon --engine nvdec --log-level debug
replay_md5 remote
cmp -s "$e2e_tmp/local.md5" "$e2e_tmp/remote.md5" ||
    { diff "$e2e_tmp/local.md5" "$e2e_tmp/remote.md5" | head; echo "FAIL: the GPU process's pictures differ"; exit 1; }
echo "# $n pictures, the same MD5s with a context per worker and with the GPU process"

grep -q 'vivacd\[gpu\].*sandbox locked' "$e2e_tmp/vivacd.log" ||
    { grep -a gpu "$e2e_tmp/vivacd.log" | head; echo "FAIL: the GPU process did not lock its sandbox"; exit 1; }
# The client's worker (role uid:N; the start-up probe, which opens the
# engine before there is a GPU process, is not a client's).
worker_lines=$(grep 'vivacd\[uid:[0-9]*\].*sandbox locked' "$e2e_tmp/vivacd.log" || true)
[ -n "$worker_lines" ] || { echo "FAIL: no worker locked its sandbox"; exit 1; }
echo "$worker_lines" | grep -q 'sw, socketpair' ||
    { echo "$worker_lines"; echo "FAIL: the worker is not sandboxed as a CPU worker with socketpair"; exit 1; }
if echo "$worker_lines" | grep -q '(gpu)'; then
    echo "$worker_lines"; echo "FAIL: the worker got the GPU seccomp list"; exit 1
fi

# The client's arena is shared with the GPU process, page-locked there, so
# that pictures are read back straight into it.
grep -q 'vivacd\[gpu\].*shares [0-9]* bytes as memory [0-9]* (page-locked)' "$e2e_tmp/vivacd.log" ||
    { grep -a 'vivacd\[gpu\]' "$e2e_tmp/vivacd.log" | tail; echo "FAIL: the GPU process was not given the client's arena"; exit 1; }

# 3. The GPU process killed mid-replay.
gpu_pid() {
    { LD_PRELOAD= pgrep -P "$VIVACD_PID" -f -- "--worker gpu " || true; } | head -1
}
gpu=$(gpu_pid)
[ -n "$gpu" ] || { echo "FAIL: no GPU process under the daemon"; exit 1; }
timeout 60 "$VIVAC" replay --socket "$VIVAC_SOCKET" --loop 1000 --in-flight 1 "$trace" \
    >"$e2e_tmp/long.txt" 2>"$e2e_tmp/long.err" &
long_pid=$!
e2e_pids+=($long_pid)
# Killed once the client's worker is decoding.
worker=$(wait_worker "uid:$(id -u)") || exit 1
sleep 2
kill -0 "$long_pid" 2>/dev/null || { cat "$e2e_tmp/long.txt" "$e2e_tmp/long.err"; echo "FAIL: the long replay ended before the kill"; exit 1; }
kill -KILL "$gpu"
t0=$SECONDS
rc=0
wait "$long_pid" || rc=$?
took=$((SECONDS - t0))
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] ||
    { cat "$e2e_tmp/long.txt" "$e2e_tmp/long.err"; echo "FAIL: the client did not fail (rc $rc)"; exit 1; }
[ "$took" -le 15 ] || { echo "FAIL: the client took $took s to fail"; exit 1; }
echo "# GPU process killed: the client failed after ${took} s (rc $rc)"
daemon_alive || { tail -30 "$e2e_tmp/vivacd.log"; echo "FAIL: vivacd died with its GPU process"; exit 1; }
# The worker attached to the lost GPU process ends too.
for _ in $(seq 100); do
    kill -0 "$worker" 2>/dev/null || break
    sleep 0.1
done
kill -0 "$worker" 2>/dev/null && { echo "FAIL: worker $worker outlived its GPU process"; exit 1; }

replay_md5 after
cmp -s "$e2e_tmp/local.md5" "$e2e_tmp/after.md5" ||
    { echo "FAIL: after the GPU process's death, pictures differ"; exit 1; }
new_gpu=$(gpu_pid)
[ -n "$new_gpu" ] && [ "$new_gpu" != "$gpu" ] ||
    { echo "FAIL: no fresh GPU process (was $gpu, now '${new_gpu}')"; exit 1; }
stop_daemon
# The fake aborts on an unlock of memory not locked, or locked twice.
if grep -a 'nvdec fake:' "$e2e_tmp/vivacd.log"; then
    echo "FAIL: page-locking and unlocking of staging buffers do not pair up"; exit 1
fi
echo "ok: $n pictures bit-identical through the GPU process; sandboxes as designed; a killed GPU process ends only its clients"
