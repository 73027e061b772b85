#!/usr/bin/env bash
# Generates the test corpus with Debian's encoders: H.264 from ffmpeg's lavfi
# sources piped into the x264 CLI, VP9 and VP8 (IVF) from ffmpeg's libvpx, MPEG-2 (.m2v) from ffmpeg's mpeg2video, MPEG-4 Part 2
# (.m4v) from ffmpeg's mpeg4 and libxvid, HEVC (.hevc) from
# ffmpeg's libx265, JPEG (.mjpeg) from ffmpeg's mjpeg, AV1 (IVF) from ffmpeg's
# libaom-av1, libsvtav1 and librav1e. Each clip targets features that break
# decoders; see tests/corpus/README.md. Usage: make_corpus.sh OUTDIR
set -euo pipefail
out=${1:?usage: make_corpus.sh OUTDIR}
mkdir -p "$out"

# source W H FRAMES [extra ffmpeg filter] -> y4m on stdout
source_y4m() {
    local w=$1 h=$2 n=$3 vf=${4:-null}
    ffmpeg -v error -f lavfi -i "testsrc2=size=${w}x${h}:rate=25" \
        -vf "$vf" -frames:v "$n" -pix_fmt yuv420p -f yuv4mpegpipe -
}

# clip NAME W H FRAMES VF -- x264 options...
clip() {
    local name=$1 w=$2 h=$3 n=$4 vf=$5
    shift 6
    if [ -s "$out/$name.264" ]; then return; fi
    source_y4m "$w" "$h" "$n" "$vf" |
        x264 --quiet --demuxer y4m "$@" -o "$out/$name.264.tmp" - 2>/dev/null
    mv "$out/$name.264.tmp" "$out/$name.264"
}

fade="fade=in:0:12,fade=out:28:12"

clip baseline_cavlc        352 288 40 null -- --profile baseline --keyint 20
clip main_cabac_bpyramid_wp 352 288 40 "$fade" -- --profile main --bframes 3 \
    --b-pyramid normal --weightb --weightp 2 --keyint 30
clip high_8x8_slices_cqm   640 360 30 null -- --profile high --8x8dct \
    --slices 4 --cqm jvt --bframes 2
clip interlaced_mbaff      352 288 30 null -- --profile high --interlaced --tff \
    --bframes 2
clip odd_size_350x198      350 198 30 null -- --profile high --bframes 2
clip ref16                 352 288 40 null -- --profile high --ref 16 --bframes 3 \
    --b-pyramid normal
clip open_gop              352 288 60 null -- --profile high --open-gop --keyint 20 \
    --bframes 3 --no-scenecut
clip intra_refresh         352 288 50 null -- --profile main --intra-refresh \
    --keyint 20 --bframes 0

# Smooth colours, no sharp edges: where converters that differ only in
# how they site and interpolate chroma agree (nvdec's RGB kernel against
# swscale's, e2e_vpp_nvdec_sw_gpu_rgb_*).
if [ ! -s "$out/smooth_gradients.264" ]; then
    ffmpeg -v error -f lavfi -i "gradients=s=640x360:c0=red:c1=blue:c2=green:c3=yellow:nb_colors=4:speed=0.1:rate=25:seed=1" \
        -frames:v 20 -pix_fmt yuv420p -f yuv4mpegpipe - |
        x264 --quiet --demuxer y4m --profile high --qp 12 --bframes 2 -o "$out/smooth_gradients.264.tmp" - 2>/dev/null
    mv "$out/smooth_gradients.264.tmp" "$out/smooth_gradients.264"
fi

# vpx NAME.ivf W H FRAMES -- ffmpeg encoder options (two passes when the
# options contain -auto-alt-ref: libvpx makes hidden alt-ref frames only
# with first-pass statistics). AV1 clips are made with it too.
vpx() {
    local file=$1 w=$2 h=$3 n=$4
    shift 5
    if [ -s "$out/$file" ]; then return; fi
    local src=(-v error -f lavfi -i "testsrc2=size=${w}x${h}:rate=25" -frames:v "$n")
    local log="$out/$file.pass"
    if [[ " $* " == *" -auto-alt-ref "* ]]; then
        ffmpeg "${src[@]}" "$@" -pass 1 -passlogfile "$log" -f null - </dev/null
        ffmpeg "${src[@]}" "$@" -pass 2 -passlogfile "$log" -f ivf -y "$out/$file.tmp" </dev/null
        rm -f "$log"*
    else
        ffmpeg "${src[@]}" "$@" -f ivf -y "$out/$file.tmp" </dev/null
    fi
    mv "$out/$file.tmp" "$out/$file"
}

vp9="-c:v libvpx-vp9 -deadline good -cpu-used 5"
# shellcheck disable=SC2086
vpx vp9_altref.ivf 352 288 40 -- $vp9 -b:v 300k -auto-alt-ref 1 -lag-in-frames 16 -g 20
# shellcheck disable=SC2086
vpx vp9_odd_size_350x198.ivf 350 198 20 -- $vp9 -b:v 200k -g 10
# concat_ivf OUT.ivf A.ivf B.ivf: two IVF streams back to back (A and B
# removed).
concat_ivf() {
    printf "file '%s'\nfile '%s'\n" "$out/$2" "$out/$3" >"$out/$1.txt"
    ffmpeg -v error -f concat -safe 0 -i "$out/$1.txt" -c copy -f ivf -y "$out/$1.tmp" </dev/null
    rm -f "$out/$1.txt" "$out/$2" "$out/$3"
    mv "$out/$1.tmp" "$out/$1"
}

# A key frame with a new size mid-stream: two streams concatenated.
if [ ! -s "$out/vp9_resize.ivf" ]; then
    # shellcheck disable=SC2086
    vpx vp9_part_320x240.ivf 320 240 15 -- $vp9 -b:v 200k -g 10
    # shellcheck disable=SC2086
    vpx vp9_part_176x144.ivf 176 144 15 -- $vp9 -b:v 100k -g 10
    concat_ivf vp9_resize.ivf vp9_part_320x240.ivf vp9_part_176x144.ivf
fi

vp8="-c:v libvpx -deadline good -cpu-used 5"
# Golden/alt-ref updates and hidden alt-ref frames.
# shellcheck disable=SC2086
vpx vp8_altref.ivf 352 288 40 -- $vp8 -b:v 300k -auto-alt-ref 1 -lag-in-frames 16 -g 20
# shellcheck disable=SC2086
vpx vp8_odd_size_350x198.ivf 350 198 20 -- $vp8 -b:v 200k -g 10

# m2v NAME.m2v W H FRAMES -- ffmpeg mpeg2video options (elementary stream).
# ffmpeg's encoder makes frame pictures only (no field pictures).
m2v() {
    local file=$1 w=$2 h=$3 n=$4
    shift 5
    if [ -s "$out/$file" ]; then return; fi
    ffmpeg -v error -f lavfi -i "testsrc2=size=${w}x${h}:rate=25" -frames:v "$n" \
        -c:v mpeg2video -q:v 5 "$@" -f mpeg2video -y "$out/$file.tmp" </dev/null
    mv "$out/$file.tmp" "$out/$file"
}

# Progressive, two B-frames between references.
m2v mpeg2_progressive_bf2.m2v 352 288 30 -- -bf 2 -g 12
# Interlaced frame pictures (field DCT and field prediction), top field
# first, alternate scan.
m2v mpeg2_interlaced_tff.m2v 352 288 30 -- -bf 2 -g 12 -flags +ilme+ildct -top 1 \
    -alternate_scan 1
# Interlaced, bottom field first, at a height whose macroblock rows differ
# between progressive and interlaced sequences (13 vs 14).
m2v mpeg2_interlaced_bff_350x198.m2v 350 198 20 -- -bf 1 -g 10 -flags +ilme+ildct -top 0
# Custom intra/non-intra matrices, intra_vlc_format 1, q_scale_type 1,
# intra_dc_precision 10 bits, odd size.
cqm_intra=8,12,14,16,18,20,22,24,11,13,15,17,19,21,23,25,12,14,16,18,20,22,24,26
cqm_intra=$cqm_intra,13,15,17,19,21,23,25,27,14,16,18,20,22,24,26,28,15,17,19,21,23,25,27,29
cqm_intra=$cqm_intra,16,18,20,22,24,26,28,30,17,19,21,23,25,27,29,31
cqm_inter=16,17,18,19,20,21,22,23,17,18,19,20,21,22,23,24,18,19,20,21,22,23,24,25
cqm_inter=$cqm_inter,19,20,21,22,23,24,25,26,20,21,22,23,24,25,26,27,21,22,23,24,25,26,27,28
cqm_inter=$cqm_inter,22,23,24,25,26,27,28,29,23,24,25,26,27,28,29,30
m2v mpeg2_cqm_350x198.m2v 350 198 20 -- -bf 2 -g 10 -qmax 28 -intra_matrix "$cqm_intra" \
    -inter_matrix "$cqm_inter" -intra_vlc 1 -non_linear_quant 1 -dc 10

# m4v NAME.m4v W H FRAMES ENCODER -- ffmpeg encoder options: MPEG-4 Part 2
# elementary streams from ffmpeg's mpeg4 encoder and libxvid. Simple
# profile (no B-frames, H.263 quantisation), then Advanced Simple tools:
# B-frames, quarter-pel, interlaced, MPEG quantisation with matrices.
m4v() {
    local file=$1 w=$2 h=$3 n=$4 enc=$5
    shift 6
    if [ -s "$out/$file" ]; then return; fi
    ffmpeg -v error -f lavfi -i "testsrc2=size=${w}x${h}:rate=25" -frames:v "$n" \
        -c:v "$enc" "$@" -f m4v -y "$out/$file.tmp" </dev/null
    mv "$out/$file.tmp" "$out/$file"
}

m4v mpeg4_simple.m4v 352 288 20 mpeg4 -- -q:v 5 -bf 0 -g 10
m4v mpeg4_asp_bf2.m4v 352 288 30 mpeg4 -- -q:v 5 -bf 2 -g 12
m4v mpeg4_qpel_bf2.m4v 352 288 20 mpeg4 -- -q:v 5 -bf 2 -g 10 -flags +qpel
# Interlaced: field DCT, field prediction, alternate vertical scan, top
# field first; B-frames take field direct mode.
m4v mpeg4_interlaced_tff.m4v 352 288 20 mpeg4 -- -q:v 5 -bf 2 -g 10 -flags +ildct+ilme \
    -top 1 -alternate_scan 1
# MPEG quantisation with custom matrices, odd size.
m4v mpeg4_cqm_350x198.m4v 350 198 20 mpeg4 -- -q:v 6 -bf 1 -g 10 -mpeg_quant 1 \
    -intra_matrix "$cqm_intra" -inter_matrix "$cqm_inter"
# Video packets (resync markers every ~800 bytes) with data partitioning:
# the daemon keeps the markers byte aligned behind its rebuilt header.
m4v mpeg4_packets_dp.m4v 352 288 12 mpeg4 -- -q:v 5 -bf 1 -g 10 -ps 800 -data_partitioning 1
# A new size mid-stream: two streams back to back (the second's VOL
# changes the size; the daemon sends it and libavcodec starts again).
if [ ! -s "$out/mpeg4_resize.m4v" ]; then
    m4v mpeg4_resize_a.m4v.part 176 144 8 mpeg4 -- -q:v 5 -bf 1 -g 10
    m4v mpeg4_resize_b.m4v.part 352 288 8 mpeg4 -- -q:v 5 -bf 1 -g 10
    cat "$out/mpeg4_resize_a.m4v.part" "$out/mpeg4_resize_b.m4v.part" >"$out/mpeg4_resize.m4v.tmp"
    rm -f "$out/mpeg4_resize_a.m4v.part" "$out/mpeg4_resize_b.m4v.part"
    mv "$out/mpeg4_resize.m4v.tmp" "$out/mpeg4_resize.m4v"
fi
# libxvid: B-frames with quarter-pel, and MPEG quantisation (its own
# matrices), odd size.
m4v xvid_qpel_bf2.m4v 352 288 20 libxvid -- -q:v 5 -bf 2 -g 10 -flags +qpel
m4v xvid_mpeg_quant_350x198.m4v 350 198 20 libxvid -- -q:v 5 -bf 1 -g 10 -mpeg_quant 1
# Global motion compensation (S-VOPs), which vivac refuses (tests/e2e/mpeg4_gmc_refused.sh).
m4v xvid_gmc.m4v 352 288 10 libxvid -- -q:v 5 -bf 0 -g 10 -gmc 1

# hevc NAME.hevc W H FRAMES -- x265 parameters (ffmpeg's libx265; Annex-B
# elementary stream). x265 makes no tiles and no long-term references, and
# an intra-only stream (keyint=1) comes out as a RExt profile, so none here.
# HEVC_PIX_FMT picks the format and with it the profile (yuv420p10le Main10;
# yuv444p, yuv422p/yuv422p10le, yuv444p10le the range extensions profiles
# Main 4:4:4, Main 4:2:2 10, Main 4:4:4 10); HEVC_VF filters the source.
hevc() {
    local file=$1 w=$2 h=$3 n=$4
    shift 5
    if [ -s "$out/$file" ]; then return; fi
    local pix=${HEVC_PIX_FMT:-yuv420p} profile=()
    case $pix in
    yuv420p10le) profile=(-profile:v main10) ;;
    yuv444p) profile=(-profile:v main444-8) ;;
    yuv422p | yuv422p10le) profile=(-profile:v main422-10) ;;
    yuv444p10le) profile=(-profile:v main444-10) ;;
    esac
    ffmpeg -v error -f lavfi -i "testsrc2=size=${w}x${h}:rate=25" -vf "${HEVC_VF:-null}" \
        -frames:v "$n" -pix_fmt "$pix" -c:v libx265 "${profile[@]}" \
        -x265-params "log-level=error:$1" -f hevc -y "$out/$file.tmp" </dev/null
    mv "$out/$file.tmp" "$out/$file"
}

# B-pyramid, 4 references, weighted P (x265 default).
hevc hevc_bpyramid.hevc 352 288 40 -- "bframes=3:b-pyramid=1:keyint=40:no-wpp=1:ref=4"
# Open GOP: CRA pictures with RASL pictures after them.
hevc hevc_open_gop.hevc 352 288 40 -- "open-gop=1:keyint=12:min-keyint=12:scenecut=0:bframes=3:no-wpp=1"
# Four slices per picture (x265 needs WPP with slices: entry points too).
hevc hevc_slices.hevc 352 288 30 -- "slices=4:bframes=2"
# Wavefront parallel processing: entry points in every slice header.
hevc hevc_wpp.hevc 352 288 30 -- "wpp=1:bframes=2"
# Scaling lists (the default ones, enabled in the SPS): the IQ buffer path.
hevc hevc_scaling_list.hevc 352 288 30 -- "scaling-list=default:bframes=2:no-wpp=1"
# Coded 352x200 behind a conformance window.
hevc hevc_odd_size_350x198.hevc 350 198 30 -- "bframes=2:no-wpp=1"
# Tiles (uniform and explicit grids, entry points) and long-term references,
# which no Debian encoder makes: PCM and skip CUs from a small generator
# that checks every frame against ffmpeg's decode.
if [ ! -s "$out/hevc_tiles.hevc" ] || [ ! -s "$out/hevc_long_term.hevc" ]; then
    python3 "$(dirname "$0")/hevc_synth.py" --check "$out"
fi

# 10-bit 4:2:0: HEVC Main10 (B-pyramid, odd size behind a conformance
# window) and VP9 profile 2 (hidden alt-ref frames).
HEVC_PIX_FMT=yuv420p10le hevc hevc_main10_bpyramid.hevc 352 288 30 -- \
    "bframes=3:b-pyramid=1:keyint=30:no-wpp=1:ref=3"
HEVC_PIX_FMT=yuv420p10le hevc hevc_main10_350x198.hevc 350 198 20 -- "bframes=2:no-wpp=1"
# 4:4:4 and 4:2:2 (format range extensions profiles; x265 writes no
# sps/pps_range_extension, so those fields are tested in
# tests/unit/test_hevc_headers.c): a B-pyramid in Main 4:4:4; an odd size
# with chroma QP offsets (PPS cb/cr) and weighted P and B prediction over
# fades (chroma weights and offsets); Main 4:2:2 10 and Main 4:4:4 10
# B-pyramids; 8-bit 4:2:2 (Main 4:2:2 10 profile, 422H surfaces) at an odd
# size. FFmpeg 5.1 decodes 4:4:4 HEVC through VAAPI not at all (its
# HEVC decoder offers VAAPI for 4:2:0 and 4:2:2 only) and has no pixel
# format for Y410 surfaces, so only the 4:2:2 clip is in decode_clip.sh's
# bit-exact list (tests/meson.build); the 4:4:4 ones are for other clients.
HEVC_PIX_FMT=yuv444p hevc hevc_444_bpyramid.hevc 352 288 30 -- \
    "bframes=3:b-pyramid=1:keyint=30:no-wpp=1:ref=3"
HEVC_PIX_FMT=yuv444p HEVC_VF="fade=in:0:12,fade=out:18:12" \
    hevc hevc_444_chroma_qp_350x198.hevc 350 198 30 -- \
    "bframes=2:no-wpp=1:cbqpoffs=3:crqpoffs=-2:weightp=1:weightb=1"
HEVC_PIX_FMT=yuv422p10le hevc hevc_422_10_bpyramid.hevc 352 288 30 -- \
    "bframes=3:b-pyramid=1:keyint=30:no-wpp=1:ref=3"
HEVC_PIX_FMT=yuv422p hevc hevc_422_350x198.hevc 350 198 20 -- "bframes=2:no-wpp=1"
HEVC_PIX_FMT=yuv444p10le hevc hevc_444_10_bpyramid.hevc 352 288 20 -- \
    "bframes=3:b-pyramid=1:keyint=20:no-wpp=1:ref=3"
# shellcheck disable=SC2086
vpx vp9_profile2_altref.ivf 352 288 30 -- $vp9 -pix_fmt yuv420p10le -profile:v 2 -b:v 300k \
    -auto-alt-ref 1 -lag-in-frames 16 -g 15

# mjpeg NAME.mjpeg W H FRAMES -- ffmpeg mjpeg options: baseline JPEG 4:2:0
# pictures back to back (-f mjpeg), the stream ffmpeg's vaapi mjpeg reads;
# a -pix_fmt among the options (yuvj422p, yuvj444p) overrides 4:2:0.
mjpeg() {
    local file=$1 w=$2 h=$3 n=$4
    shift 5
    if [ -s "$out/$file" ]; then return; fi
    ffmpeg -v error -f lavfi -i "testsrc2=size=${w}x${h}:rate=25" -frames:v "$n" \
        -pix_fmt yuvj420p -c:v mjpeg "$@" -f mjpeg -y "$out/$file.tmp" </dev/null
    mv "$out/$file.tmp" "$out/$file"
}

# AV1 (IVF, through vpx() above) from libaom, SVT-AV1 and rav1e: hidden
# frames shown later (show_existing_frame), film grain, uniform and
# non-uniform tiles, odd sizes, 10-bit, superres, intra-only frames, error
# resilience with intra block copy, and a new size mid-stream.
aom="-c:v libaom-av1 -cpu-used 8"
svt="-c:v libsvtav1 -preset 10"
export SVT_LOG=1   # SVT-AV1 prints its configuration to stderr otherwise
# shellcheck disable=SC2086
vpx av1_aom_altref.ivf 320 240 30 -- $aom -b:v 200k -auto-alt-ref 1 -lag-in-frames 20
# shellcheck disable=SC2086
vpx av1_aom_10bit.ivf 320 240 20 -- $aom -b:v 200k -lag-in-frames 10 -pix_fmt yuv420p10le
# shellcheck disable=SC2086
vpx av1_aom_grain.ivf 320 240 20 -- $aom -b:v 200k -denoise-noise-level 25
# shellcheck disable=SC2086
vpx av1_aom_tiles_2x2.ivf 640 360 15 -- $aom -b:v 200k -tiles 2x2
# shellcheck disable=SC2086
vpx av1_aom_tiles_nonuniform.ivf 320 240 20 -- $aom -b:v 200k \
    -aom-params tile-width=2,3:tile-height=2
# shellcheck disable=SC2086
vpx av1_aom_error_resilient.ivf 320 240 20 -- $aom -b:v 200k \
    -aom-params error-resilient=1:enable-intrabc=1
# A zoom and pan that libaom (at a slower speed) codes as rotzoom global
# motion, with loop restoration, 128x128 superblocks and quantizer
# matrices; 352x288 zoomed into 320x240.
# shellcheck disable=SC2086
vpx av1_aom_global_motion.ivf 352 288 8 -- \
    -vf "zoompan=z='1+0.01*on':x='iw/2-(iw/zoom/2)+on*3':y='ih/2-(ih/zoom/2)+on':d=1:s=320x240" \
    -c:v libaom-av1 -cpu-used 2 -b:v 300k -enable-global-motion 1 -enable-restoration 1 \
    -aom-params sb-size=128:enable-qm=1
# shellcheck disable=SC2086
vpx av1_aom_250x142.ivf 250 142 20 -- $aom -b:v 150k -lag-in-frames 10
if [ ! -s "$out/av1_aom_resize.ivf" ]; then
    # shellcheck disable=SC2086
    vpx av1_part_320x240.ivf 320 240 12 -- $aom -b:v 200k
    # shellcheck disable=SC2086
    vpx av1_part_176x144.ivf 176 144 12 -- $aom -b:v 100k
    concat_ivf av1_aom_resize.ivf av1_part_320x240.ivf av1_part_176x144.ivf
fi
# shellcheck disable=SC2086
vpx av1_svt_altref.ivf 320 240 30 -- $svt -g 30
# Film grain needs grain to model: noise added to the source.
# shellcheck disable=SC2086
vpx av1_svt_grain.ivf 320 240 20 -- -vf noise=alls=20:allf=t $svt \
    -svtav1-params film-grain=10
# shellcheck disable=SC2086
vpx av1_svt_superres.ivf 320 240 20 -- $svt -svtav1-params superres-mode=1:superres-denom=12
# Forward key frames: intra-only frames.
# shellcheck disable=SC2086
vpx av1_svt_intra_only.ivf 320 240 40 -- $svt -g 16 -svtav1-params irefresh-type=1
vpx av1_rav1e.ivf 320 240 30 -- -c:v librav1e -speed 10 -g 30
vpx av1_rav1e_tiles_250x142.ivf 250 142 20 -- -c:v librav1e -speed 10 -tiles 4

# Optimal Huffman tables (ffmpeg's default), fine quantisers.
mjpeg mjpeg_420.mjpeg 352 288 10 -- -q:v 3
# The standard (T.81 Annex K) Huffman tables, coarse quantisers.
mjpeg mjpeg_std_huffman.mjpeg 352 288 10 -- -q:v 12 -huffman default
# Restart intervals (DRI + RSTn: one a slice row band) at an odd size
# (partial MCUs on both edges).
mjpeg mjpeg_restart_350x198.mjpeg 350 198 10 -- -q:v 5 -slices 4 -threads 4
# 4:2:2 (ffmpeg writes Y 2x2, Cb and Cr 1x2), decoded to 422H surfaces.
mjpeg mjpeg_422.mjpeg 352 288 10 -- -q:v 3 -pix_fmt yuvj422p
# 4:4:4 with restart intervals at an odd size, decoded to 444P surfaces.
mjpeg mjpeg_444_restart_350x198.mjpeg 350 198 10 -- -q:v 5 -slices 4 -threads 4 \
    -pix_fmt yuvj444p
# 4:4:0, which no surface format holds: refused (tests/e2e/jpeg_unsupported.sh),
# not in the bit-exact list. ffmpeg's VA path tries it (on 444P surfaces),
# but its encoder cannot write it, so a 4:2:2 clip's SOF0 gets Cb and Cr
# 2x1 instead of 1x2: the same blocks an MCU, so the scans stay valid
# (libavcodec decodes it as yuvj440p, the chroma moved).
if [ ! -s "$out/mjpeg_440_unsupported.mjpeg" ]; then
    mjpeg mjpeg_440_unsupported.422 176 144 3 -- -q:v 5 -pix_fmt yuvj422p
    perl -0777 -pe '$n = s/(\xff\xc0\x00\x11\x08.{4}\x03\x01\x22.\x02)\x12(.\x03)\x12/${1}\x21${2}\x21/gs;
        END { die "mjpeg_440_unsupported: no 4:2:2 SOF0 to rewrite\n" unless $n }' \
        "$out/mjpeg_440_unsupported.422" >"$out/mjpeg_440_unsupported.mjpeg.tmp"
    mv "$out/mjpeg_440_unsupported.mjpeg.tmp" "$out/mjpeg_440_unsupported.mjpeg"
    rm "$out/mjpeg_440_unsupported.422"
fi

ls "$out"/*.264 "$out"/*.ivf "$out"/*.m2v "$out"/*.hevc "$out"/*.mjpeg | wc -l
