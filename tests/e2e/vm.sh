#!/usr/bin/env bash
# End-to-end in a real VM: QEMU (KVM if it works, else TCG) boots Debian's
# kernel with a tiny initramfs made here (busybox + virtio modules) whose init
# mounts this machine's root read-only over 9p and runs the host's ffmpeg
# with the build tree's driver, unchanged, against a vivacd on the host:
# control over a virtio-serial port, data in an ivshmem-plain region.
# Two decodes in one boot, one after the other on the same port (the second
# is a new session on the same chardev connection): ivshmem arena, then
# inline data only (VIVAC_ARENA_MB=0); then two decodes at once, the second
# finding port "vivac" busy and taking "vivac1" by itself. Frame MD5s must
# equal ffmpeg's software decode here. A second VM with its own port and
# region decodes at the same time; each VM is served by a worker of its own.
#   vm.sh CLIP
# Skips (77) where QEMU, a kernel, busybox or 9p cannot run.
. "$(dirname "$0")/lib.sh"
clip=$1
need ffmpeg
need qemu-system-x86_64
need cpio
busybox=$(command -v busybox || true)
if [ -z "$busybox" ] || ldd "$busybox" >/dev/null 2>&1; then # want a static one
    echo "SKIP: a static busybox (busybox-static) is not installed"; exit $SKIP
fi
kernel=$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -1 || true)
[ -n "$kernel" ] && [ -r "$kernel" ] || { echo "SKIP: no kernel in /boot (apt install linux-image-amd64)"; exit $SKIP; }
kver=${kernel#/boot/vmlinuz-}
moddir=/lib/modules/$kver
[ -f "$moddir/modules.dep" ] || { echo "SKIP: no modules for $kver"; exit $SKIP; }
case "$DRIVER_DIR" in /*) ;; *) DRIVER_DIR=$(pwd)/$DRIVER_DIR ;; esac
case "$clip" in /*) ;; *) clip=$(pwd)/$clip ;; esac

# ---- initramfs: busybox, the modules (dependencies first), init ------------
root=$e2e_tmp/initrd
mkdir -p "$root"/{bin,dev,proc,sys,host,mods}
cp "$busybox" "$root/bin/busybox"
order=()
add_module() { # NAME: appends its dependencies, then itself, once
    local rel dep
    rel=$(grep -E "(^|/)$1\.ko(\.[a-z]+)?:" "$moddir/modules.dep" | head -1 | cut -d: -f1)
    [ -n "$rel" ] || return 0 # built in
    for dep in $(grep -E "^$rel:" "$moddir/modules.dep" | cut -d: -f2); do
        add_module "$(basename "${dep%%.ko*}")"
    done
    local name; name=$(basename "${rel%%.ko*}")
    [[ " ${order[*]} " == *" $name "* ]] && return 0
    case "$rel" in
        *.ko) cp "$moddir/$rel" "$root/mods/$name.ko" ;;
        *.ko.xz) xz -dc "$moddir/$rel" >"$root/mods/$name.ko" ;;
        *.ko.zst) zstd -qdc "$moddir/$rel" >"$root/mods/$name.ko" ;;
        *) return 0 ;;
    esac
    order+=("$name")
}
for m in virtio_pci virtio_console 9pnet_virtio 9p vgem; do add_module "$m"; done
printf '%s\n' "${order[@]}" >"$root/mods/order"

# make_initrd OUT: the guest's init mounts the host root and OUT (read-write,
# its results) over 9p and runs OUT/guest.sh; writes OUT.initrd.gz.
make_initrd() {
    local out=$1
    mkdir -p "$out"
    cat >"$root/init" <<EOF
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
echo "vivac-guest: init"
for m in \$(cat /mods/order); do insmod /mods/\$m.ko 2>/dev/null; done
opts=trans=virtio,version=9p2000.L,msize=512000
if mount -t 9p -o \$opts,ro,cache=loose hostroot /host && mount -t 9p -o \$opts out /host$out; then
    mount -t proc proc /host/proc; mount -t sysfs sys /host/sys; mount -t devtmpfs dev /host/dev
    echo "vivac-guest: host root mounted"
    chroot /host /bin/bash $out/guest.sh
else
    echo "vivac-guest: cannot mount the host root over 9p"
fi
sync
poweroff -f
EOF
    chmod +x "$root/init"
    (cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$out.initrd.gz"
}
out=$e2e_tmp/out
out2=$e2e_tmp/out2
make_initrd "$out"
make_initrd "$out2"

# ---- what the guest runs (inside the host's root) ------------------------
cat >"$out/guest.sh" <<EOF
export LIBVA_DRIVER_NAME=vivac LIBVA_DRIVERS_PATH=$DRIVER_DIR LIBVA_MESSAGING_LEVEL=1 VIVAC_LOG=info
export PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/tmp TIMEFORMAT='%U %S %R'
unset VIVAC_SOCKET  # the default search must find /dev/virtio-ports/vivac
ls -l /dev/virtio-ports/ /dev/dri/ >$out/devices.txt 2>&1
node=\$(ls /dev/dri/renderD* 2>/dev/null | head -1)
run() { # NAME [env]: one decode through vivac
    { time env \$2 ffmpeg -nostdin -v info -init_hw_device vaapi=va:\$node -hwaccel vaapi \\
        -hwaccel_device va -hwaccel_output_format vaapi -i $clip -vf hwdownload,format=nv12 \\
        -f framemd5 $out/\$1.md5 >$out/\$1.log 2>&1; echo \$? >$out/\$1.rc; } 2>$out/\$1.time
}
LIBVA_MESSAGING_LEVEL=2 vainfo --display drm --device \$node >$out/vainfo.txt 2>&1
run warm   # loads ffmpeg's libraries over 9p once, so the timings compare
run shm
run inline VIVAC_ARENA_MB=0
# Two VA processes at once: the second finds port vivac busy and takes vivac1.
run concurrent_a & run concurrent_b & wait
echo "vivac-guest: done"
EOF
# The second VM: one decode through its own port and region, at the same
# time as the first VM's, in a worker of its own.
sed -e 's/^run warm.*//' -e 's/^run inline.*//' -e 's/^run concurrent_a.*//' \
    -e "s#$out/#$out2/#g" "$out/guest.sh" >"$out2/guest.sh"

# ---- host side: vivacd serving the VM -------------------------------------
shm=/dev/shm/vivac-e2e-vm-$$
shm2=/dev/shm/vivac-e2e-vm2-$$
trap 'rm -f "$shm" "$shm2"; [ -n "${VIVAC_KEEP:-}" ] && cp -r "$e2e_tmp" "$VIVAC_KEEP"; e2e_cleanup' EXIT
start_daemon --vm "vm1:$e2e_tmp/vm1.sock:$shm:256" --vm "vm2:$e2e_tmp/vm2.sock:$shm2:64"
[ -S "$e2e_tmp/vm1.sock" ] && [ -S "$e2e_tmp/vm2.sock" ] || { echo "FAIL: no control socket"; exit 1; }

# TCG by default: where /dev/kvm exists but KVM cannot run a guest (nested
# or restricted hosts) QEMU hangs instead of falling back, and TCG boots this
# guest in seconds anyway. VIVAC_VM_ACCEL=kvm:tcg to try KVM.
accel=${VIVAC_VM_ACCEL:-tcg}
boot() { # NAME OUT SHM SIZE_MB PORTS...: one VM, until it powers off
    local name=$1 dir=$2 mem=$3 size=$4 ports=() p; shift 4
    for p in "$@"; do
        ports+=(-chardev "socket,id=$p,path=$e2e_tmp/$name.sock" -device "virtserialport,chardev=$p,name=$p")
    done
    timeout ${VIVAC_VM_TIMEOUT:-420} qemu-system-x86_64 -machine q35,accel=$accel -m 1024 -smp 2 \
        -display none -no-reboot -serial "file:$dir/console.log" \
        -kernel "$kernel" -initrd "$dir.initrd.gz" \
        -append "console=ttyS0 panic=-1 loglevel=4" \
        -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on \
        -virtfs "local,path=$dir,mount_tag=out,security_model=none" \
        -device virtio-serial-pci "${ports[@]}" \
        -object "memory-backend-file,id=shm,share=on,mem-path=$mem,size=${size}M" \
        -device ivshmem-plain,memdev=shm >"$dir/qemu.log" 2>&1
}
start=$(date +%s) qrc=0 qrc2=0
boot vm2 "$out2" "$shm2" 64 vivac & vm2_pid=$!
boot vm1 "$out" "$shm" 256 vivac vivac1 || qrc=$?
wait $vm2_pid || qrc2=$?
echo "VMs ran $(( $(date +%s) - start )) s (accel $accel, qemu status $qrc and $qrc2)"
for dir in "$out" "$out2"; do
    if ! grep -q "vivac-guest: host root mounted" "$dir/console.log" 2>/dev/null; then
        tail -20 "$dir/qemu.log" "$dir/console.log" 2>/dev/null
        echo "SKIP: the VM did not boot to its init with the host root mounted (QEMU/kernel/9p)"
        exit $SKIP
    fi
    grep -q "vivac-guest: done" "$dir/console.log" ||
        { tail -30 "$dir/console.log"; echo "FAIL: the guest did not finish"; exit 1; }
done

sw_framemd5 "$clip" | tr -d " " >"$e2e_tmp/sw.md5"
fail=0
for run in shm inline concurrent_a concurrent_b vm2/shm; do
    dir=$out
    [ "${run%/*}" = vm2 ] && dir=$out2
    rc=$(cat "$dir/${run#*/}.rc" 2>/dev/null || echo none)
    grep -v '^#' "$dir/${run#*/}.md5" 2>/dev/null | awk -F, '{print $NF}' | tr -d ' ' >"$e2e_tmp/${run//\//_}.got"
    n=$(wc -l <"$e2e_tmp/sw.md5")
    if [ "$rc" != 0 ] || [ "$n" -eq 0 ] || ! cmp -s "$e2e_tmp/sw.md5" "$e2e_tmp/${run//\//_}.got"; then
        echo "FAIL: $run: ffmpeg status $rc, $(wc -l <"$e2e_tmp/${run//\//_}.got") of $n frame MD5s"
        tail -15 "$dir/${run#*/}.log"; cat "$dir/devices.txt"
        fail=1
        continue
    fi
    read -r user sys real <"$dir/${run#*/}.time" || true
    echo "$run: $n frames identical to software decode; guest ffmpeg user ${user}s sys ${sys}s real ${real}s"
done
grep -E "session [0-9]+: link bytes|arena" "$e2e_tmp/vivacd.log" | sed 's/^/  /'
grep -q "(ivshmem)" "$out/shm.log" || { echo "FAIL: the first decode did not use the ivshmem arena"; fail=1; }
grep -q "(ivshmem)" "$out2/shm.log" || { echo "FAIL: VM 2's decode did not use its ivshmem arena"; fail=1; }
# Each VM's bytes were parsed in a worker of its own.
w1=$(grep -o "worker vm:vm1 started (pid [0-9]*)" "$e2e_tmp/vivacd.log" | head -1)
w2=$(grep -o "worker vm:vm2 started (pid [0-9]*)" "$e2e_tmp/vivacd.log" | head -1)
if [ -z "$w1" ] || [ -z "$w2" ]; then
    echo "FAIL: the two VMs were not served by two workers"; fail=1
else
    echo "$w1; $w2"
fi
[ "$fail" = 0 ] || { tail -20 "$e2e_tmp/vivacd.log"; exit 1; }
daemon_alive || { echo "FAIL: vivacd died"; exit 1; }
stop_daemon
echo "PASS"
