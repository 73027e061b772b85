#!/usr/bin/env bash
# Shared regions cannot pull the daemon down: vivacd serves four VMs (their
# regions are files here); region_client truncates three of them in the
# middle of a DECODE_BITSTREAM, a GET_IMAGE and a PUT_IMAGE through the
# arena, as QEMU (or a guest that escaped into it) could. Only those VMs'
# sessions end (ERROR "the VM's shared region was truncated"); the daemon
# stays up, the fourth VM and Unix clients go on, an ffmpeg decode through
# the Unix socket stays bit-exact, and the daemon exits cleanly.
source "$(dirname "$0")/lib.sh"
client=${1:?usage: region.sh REGION_CLIENT CLIP}
clip=${2:?usage: region.sh REGION_CLIENT CLIP}
vms=()
specs=()
for n in d g p c; do
    vms+=(--vm "$n:$e2e_tmp/$n.sock:$e2e_tmp/$n.shm:8")
    specs+=("$n:$e2e_tmp/$n.sock:$e2e_tmp/$n.shm")
done
start_daemon --engine sw "${vms[@]}"
for n in d g p c; do
    for _ in $(seq 100); do [ -S "$e2e_tmp/$n.sock" ] && break; sleep 0.05; done
done

rc=0
LD_PRELOAD= "$client" "$VIVAC_SOCKET" "${specs[@]}" || rc=$?
daemon_alive || { tail -30 "$e2e_tmp/vivacd.log"; echo "FAIL: vivacd died"; exit 1; }
[ "$rc" = 0 ] || { tail -30 "$e2e_tmp/vivacd.log"; echo "FAIL: region cases"; exit 1; }
grep -q "VM d: its shared region .* was truncated" "$e2e_tmp/vivacd.log" ||
    { tail -30 "$e2e_tmp/vivacd.log"; echo "FAIL: the fault was not logged"; exit 1; }

# A real client through the same daemon, after the faults.
# (Only where ffmpeg and a display can run: the cases above stand alone.)
if command -v ffmpeg >/dev/null 2>&1 && { [ -n "${DISPLAY:-}" ] || command -v Xvfb >/dev/null 2>&1; }; then
    ensure_display
    use_vivac_driver
    sw_framemd5 "$clip" >"$e2e_tmp/ref.md5"
    vivac_framemd5 "$clip" >"$e2e_tmp/got.md5" 2>"$e2e_tmp/ffmpeg.log" || true
    if [ ! -s "$e2e_tmp/got.md5" ] || ! cmp -s "$e2e_tmp/ref.md5" "$e2e_tmp/got.md5"; then
        cat "$e2e_tmp/ffmpeg.log"; echo "FAIL: ffmpeg through the daemon not bit-exact"; exit 1
    fi
    echo "ok - ffmpeg decodes bit-exact through the daemon after the faults"
fi
daemon_alive || { echo "FAIL: vivacd died"; exit 1; }
stop_daemon
echo "ok: truncated regions ended only their VMs' sessions"
