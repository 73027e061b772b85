#!/usr/bin/env bash
# One-time set-up on a fresh Debian 12 machine: installs the build and test
# dependencies with apt-get (when run as root and something is missing) and
# builds vivac into ./build. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
    build-essential meson ninja-build pkg-config clang
    libva-dev libavcodec-dev libavformat-dev libavutil-dev libswscale-dev libavfilter-dev libdrm-dev libffmpeg-nvenc-dev libssl-dev libseccomp-dev
    libdav1d-dev   # AV1 decode on the sw engine (docs/codecs.md)
    libx11-dev ffmpeg x264 vainfo mpv xvfb x11-utils libclang-rt-14-dev python3
    gstreamer1.0-tools gstreamer1.0-vaapi gstreamer1.0-plugins-bad   # tests/e2e/gst_decode_clip.sh
    qemu-system-x86 linux-image-amd64 busybox-static cpio   # tests/e2e/vm.sh
    tmux python3-prometheus-client   # tests/e2e/qos_admin.sh (vivac top in a terminal, the metrics text)
    libx264-164 libx265-199   # encode (docs/codecs.md): libavcodec59's libx264/libx265 (it depends on them)
    debhelper dpkg-dev   # tests/package/deb.sh: the Debian packages
    debootstrap   # tests/e2e/guest_root.sh: Debian 13's mpv and FFmpeg for the guest tests
)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "missing packages: ${missing[*]}; run as root (sudo $0) or install them" >&2
        exit 1
    fi
    echo "installing: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# A test build: -Dtest_hooks lets tests/e2e/sandbox.sh ask a sandboxed
# worker to try what its sandbox must refuse (VIVAC_TEST_ESCAPE); packages
# build without it.
[ -f build/build.ninja ] || meson setup build -Dtest_hooks=true >/dev/null
ninja -C build
