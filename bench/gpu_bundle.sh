#!/usr/bin/env bash
# Prepares, on this (GPU-less) machine, what the GPU machine's runs need, in
# one folder to carry there (the device runs get no network and no
# compilers of ours):
#   bench/gpu_bundle.sh [DIR]      (default gpu, ignored by git)
#   DIR/bin      vivacd, vivac, nvdec_native of a release build without the
#                sw engine, the vaapi engine and the encoder (the GPU machine
#                has no FFmpeg, nor libva)
#   DIR/clips    the test corpus (tests/corpus/make_corpus.sh) and the 1080p60
#                benchmark clip (bench/make_clips.sh)
#   DIR/traces   one trace and its sw MD5s a clip (bench/record_traces.sh;
#                clips the sw engine refuses are left out; MPEG-2, MPEG-4
#                Part 2 and JPEG also with sw's pictures, xz-compressed, for
#                bench/gpu_correctness.sh's PSNR), and
#                h264_1080p60.warm.vtrace (its first picture)
#   DIR/bench    this folder's scripts, as they are now
#   DIR/run.sh   correctness (a CUDA context per worker, then the GPU process,
#                the default) and the isolation benchmark, the GPU process
#                against a context per worker in the same rounds: run it there
#                as root from the repository root with OUT set.
#   DIR/sw.tar.xz  with SW=1 only: vivacd-sw (nvdec and sw, for
#                `gpu_correctness.sh` with ENGINE=auto) and lib/, the Debian
#                libraries it loads beyond the C runtime (libavcodec's
#                closure, ~39 MiB packed: carry it without DIR/clips, the
#                device's limit being 64 MiB). There: tar xJf DIR/sw.tar.xz
#                -C /tmp/sw; VIVACD=/tmp/sw/vivacd-sw LD_LIBRARY_PATH=/tmp/sw/lib
# Needs ./build (scripts/setup.sh) for the traces.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(mkdir -p "${1:-gpu}" && cd "${1:-gpu}" && pwd)
[ -f build-gpu/build.ninja ] ||
    meson setup build-gpu -Dengine_sw=disabled -Dengine_vaapi=disabled -Dencoder=disabled --buildtype=release >/dev/null
ninja -C build-gpu src/host/vivacd tools/vivac bench/nvdec_native >/dev/null
mkdir -p "$dir/bin" "$dir/clips" "$dir/traces" "$dir/bench"
cp build-gpu/src/host/vivacd build-gpu/tools/vivac build-gpu/bench/nvdec_native "$dir/bin/"
cp bench/*.sh bench/*.py "$dir/bench/"

tests/corpus/make_corpus.sh "$dir/clips" >/dev/null
bench/make_clips.sh "$dir/clips" >/dev/null
rm -f "$dir/clips/h264_2160p30.264"       # 17 MB; the sw engine's trace of it fails
for clip in "$dir"/clips/*; do
    name=$(basename "${clip%.*}")
    # Done already, sw's pictures included where record_traces.sh keeps
    # them (a bundle made before it did gets them now).
    codec=$(ffprobe -v error -select_streams v:0 -show_entries stream=codec_name \
        -of default=nw=1:nk=1 "$clip" 2>/dev/null || true)
    case $codec in
    mpeg2video | mpeg4 | mjpeg) [ -f "$dir/traces/$name.sw.yuv.xz" ] && continue ;;
    *) [ -f "$dir/traces/$name.vtrace" ] && continue ;;
    esac
    VIVAC_BUILD=$PWD/build bench/record_traces.sh "$dir/traces" "$clip" >/dev/null 2>&1 ||
        echo "no trace of $name (the sw engine refuses it)"
done
python3 bench/cut_trace.py "$dir/traces/h264_1080p60.vtrace" \
    "$dir/traces/h264_1080p60.warm.vtrace" 1
cp "$dir/clips/h264_1080p60.264" "$dir/traces/"

cat >"$dir/run.sh" <<'RUN'
#!/usr/bin/env bash
# On the GPU machine, from the repository root, as root, OUT set.
set -u
g=$(cd "$(dirname "$0")" && pwd)
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
for mode in context gpu-process; do
    args=--gpu-process; [ $mode = context ] && args=--gpu-context-per-worker
    echo "=== correctness, $mode"
    OUT=$OUT/$mode VIVACD_ARGS=$args timeout 300 "$g/bench/gpu_correctness.sh" "$g/bin" "$g/traces"
done
echo "=== isolation, the GPU process (vivac) and a context per worker (alt)"
ALT_ARGS=--gpu-context-per-worker STREAMS=${STREAMS:-"16 64"} CLIENTS=${CLIENTS:-"1 16"} \
    REPS=${REPS:-2} timeout 420 "$g/bench/isolation_bench.sh" "$g/bin" "$g/traces"
RUN
chmod +x "$dir/run.sh"
if [ "${SW:-0}" = 1 ]; then
    [ -f build-gpusw/build.ninja ] ||
        meson setup build-gpusw -Dengine_vaapi=disabled -Dencoder=disabled --buildtype=release >/dev/null
    ninja -C build-gpusw src/host/vivacd >/dev/null
    sw=$(mktemp -d)
    mkdir "$sw/lib"
    cp build-gpusw/src/host/vivacd "$sw/vivacd-sw"
    # The GPU machine's own C and C++ runtimes are newer than Debian 12's.
    ldd build-gpusw/src/host/vivacd | awk '$3 ~ /^\// { print $3 }' |
        grep -vE '/(libc|libm|libpthread|libdl|librt|ld-linux-x86-64|libstdc\+\+|libgcc_s)\.so' |
        while read -r lib; do cp -L "$lib" "$sw/lib/"; done
    tar cJf "$dir/sw.tar.xz" -C "$sw" vivacd-sw lib
    rm -rf "$sw"
fi
du -sh "$dir"
