#!/usr/bin/env bash
# The guest driver's encode side against fake_encoder.py (a stand-in for
# vivacd's protocol 1.3 encode, made-up coded bytes): FFmpeg's h264_vaapi and
# hevc_vaapi and GStreamer's vaapih264enc run unchanged through the driver;
# what reached the "daemon" (sequence, picture types and orders, QP, rate
# control, cropping, bit depth) is checked against what the clients were
# asked for, and the clients' output must be exactly the coded bytes the
# daemon wrote (arena and inline). A 1.2 daemon offers no encode, and a
# picture that does not fit its coded buffer fails the client, not hangs it.
source "$(dirname "$0")/lib.sh"
need ffmpeg
need vainfo
need python3
ensure_display
use_vivac_driver
here=$(cd "$(dirname "$0")" && pwd)
fake_pid=

start_fake() {
    [ -n "$fake_pid" ] && { kill "$fake_pid"; wait "$fake_pid" 2>/dev/null || true; }
    rm -f "$e2e_tmp/s" "$e2e_tmp/log"
    python3 "$here/fake_encoder.py" --socket "$e2e_tmp/s" --log "$e2e_tmp/log" "$@" \
        >"$e2e_tmp/fake.out" 2>&1 &
    fake_pid=$!
    e2e_pids+=($fake_pid)
    for _ in $(seq 50); do [ -S "$e2e_tmp/s" ] && break; sleep 0.1; done
    export VIVAC_SOCKET=$e2e_tmp/s
}

# check PYTHON-EXPR...: each expression over L (the pictures), C (the
# create_codec events) and out (the client's output bytes) must hold.
check() {
    local out=$1
    shift
    python3 - "$e2e_tmp/log" "$out" "$@" <<'EOF'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
L = [e for e in ev if e["event"] == "picture"]
C = [e for e in ev if e["event"] == "create_codec"]
out = open(sys.argv[2], "rb").read() if sys.argv[2] != "-" else b""
def coded(p):  # the bytes fake_encoder.py wrote for picture p
    t = ("picture %d type %d order %d " % (p["n"], p["type"], p["display_order"])).encode()
    return b"\0\0\0\x01\x0c" + t * (1 + p["n"] % 3)
bad = 0
for expr in sys.argv[3:]:
    if not eval(expr):
        print("FAILED:", expr)
        bad = 1
print("%d pictures, %d checks" % (len(L), len(sys.argv) - 3))
sys.exit(bad)
EOF
}

ff() { timeout 120 ffmpeg -nostdin -hide_banner -loglevel error -vaapi_device "$DISPLAY" "$@"; }

echo "== vainfo lists the encode entrypoints of a 1.3 daemon"
start_fake
vainfo >"$e2e_tmp/vainfo" 2>&1
grep -q "VAProfileH264High[[:space:]]*:[[:space:]]*VAEntrypointEncSlice" "$e2e_tmp/vainfo"
grep -q "VAProfileHEVCMain10[[:space:]]*:[[:space:]]*VAEntrypointEncSlice" "$e2e_tmp/vainfo"
grep -q "VAProfileH264High[[:space:]]*:[[:space:]]*VAEntrypointVLD" "$e2e_tmp/vainfo"
"$VIVAC" info --socket "$e2e_tmp/s" >"$e2e_tmp/info"
grep -Eq "^  HEVCMain10 +encode +P010" "$e2e_tmp/info"
grep -Eq "^  H264High +CQP CBR VBR +1/0 " "$e2e_tmp/info"

echo "== ffmpeg h264_vaapi, CQP, 1366x768 (cropped), GOP 5"
ff -f lavfi -i testsrc=size=1366x768:rate=25 -frames:v 12 -vf format=nv12,hwupload \
    -c:v h264_vaapi -qp 24 -g 5 -y "$e2e_tmp/a.h264"
check "$e2e_tmp/a.h264" \
    'len(L) == 12' \
    'C[0]["entrypoint"] == 2 and C[0]["profile"] == 3 and (C[0]["width"], C[0]["height"]) == (1376, 768)' \
    '[p["type"] for p in L] == [1, 3, 3, 3, 3, 1, 3, 3, 3, 3, 1, 3]' \
    '[p["display_order"] for p in L] == [0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1]' \
    'all(p["qp"] == 24 and p["num_slices"] == 1 for p in L)' \
    'all(p["seq"]["rc_mode"] == 1 and p["seq"]["bits_per_second"] == 0 for p in L)' \
    'all((p["seq"]["crop_left"], p["seq"]["crop_right"], p["seq"]["crop_top"], p["seq"]["crop_bottom"]) == (0, 10, 0, 0) for p in L)' \
    'all((p["seq"]["frame_rate_num"], p["seq"]["frame_rate_den"]) == (25, 1) and p["seq"]["bit_depth"] == 8 for p in L)' \
    'all(p["input"][:2] == [1366, 768] and p["coded_location"] == 1 for p in L)' \
    'out == b"".join(coded(p) for p in L)'

echo "== ffmpeg hevc_vaapi Main10 from P010, CBR 2 Mb/s, 1920x1080"
start_fake
ff -f lavfi -i testsrc=size=1920x1080:rate=30 -frames:v 6 -vf format=p010le,hwupload \
    -c:v hevc_vaapi -profile:v main10 -b:v 2M -maxrate 2M -g 30 -y "$e2e_tmp/b.hevc"
check "$e2e_tmp/b.hevc" \
    'len(L) == 6 and C[0]["profile"] == 9 and C[0]["rt_format"] == 2' \
    '[p["type"] for p in L] == [1, 3, 3, 3, 3, 3]' \
    'all(p["seq"]["rc_mode"] == 2 and p["seq"]["bits_per_second"] == 2000000 and p["qp"] == 0 for p in L)' \
    'all(p["seq"]["bit_depth"] == 10 and p["input"][2] == 0x30313050 for p in L)' \
    'all(p["seq"]["crop_bottom"] == C[0]["height"] - 1080 and p["seq"]["crop_right"] == C[0]["width"] - 1920 for p in L)' \
    'all(p["seq"]["frame_rate_num"] == 30 and p["seq"]["hrd_buffer_bits"] > 0 for p in L)' \
    'out == b"".join(coded(p) for p in L)'

echo "== ffmpeg VBR, without an arena (coded bytes inline in END_FRAME's reply)"
start_fake
VIVAC_ARENA_MB=0 ff -f lavfi -i testsrc=size=640x480:rate=30 -frames:v 5 \
    -vf format=nv12,hwupload -c:v h264_vaapi -rc_mode VBR -b:v 1M -maxrate 2M \
    -y "$e2e_tmp/c.h264"
check "$e2e_tmp/c.h264" \
    'len(L) == 5 and all(p["coded_location"] == 0 for p in L)' \
    'all(p["seq"]["rc_mode"] == 4 and p["seq"]["max_bits_per_second"] == 2000000 and p["seq"]["bits_per_second"] == 1000000 for p in L)' \
    'out == b"".join(coded(p) for p in L)'

echo "== ffmpeg with 2 slices and quality level 2 (the encoder takes 4 slices, 7 levels)"
start_fake --slices 4 --quality 7
ff -f lavfi -i testsrc=size=640x480:rate=30 -frames:v 3 -vf format=nv12,hwupload \
    -c:v h264_vaapi -slices 2 -compression_level 2 -y "$e2e_tmp/g.h264"
check "$e2e_tmp/g.h264" \
    'len(L) == 3 and all(p["num_slices"] == 2 and p["seq"]["quality_level"] == 2 for p in L)' \
    'out == b"".join(coded(p) for p in L)'

# gstreamer-vaapi only loads drivers it knows unless told otherwise, and
# registers the encoders the driver offers when the registry is built.
export GST_VAAPI_ALL_DRIVERS=1 XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-$e2e_tmp}
export GST_REGISTRY=$e2e_tmp/gst-registry.bin
start_fake
if command -v gst-launch-1.0 >/dev/null && gst-inspect-1.0 vaapih264enc >/dev/null 2>&1; then
    echo "== GStreamer vaapih264enc (syncs the raw surface, then maps the coded buffer)"
    timeout 120 gst-launch-1.0 -q videotestsrc num-buffers=10 \
        ! video/x-raw,format=NV12,width=320,height=240,framerate=30/1 \
        ! vaapih264enc rate-control=cqp init-qp=30 keyframe-period=4 \
        ! filesink location="$e2e_tmp/d.h264"
    check "$e2e_tmp/d.h264" \
        'len(L) == 10' \
        '[p["type"] for p in L if p["type"] == 1] and L[0]["type"] == 1' \
        'all(p["qp"] == 30 for p in L)' \
        'out == b"".join(coded(p) for p in L)'
    echo "== GStreamer vaapih265enc, 350x198 (its context has the display size: no crop)"
    start_fake
    timeout 120 gst-launch-1.0 -q videotestsrc num-buffers=6 \
        ! video/x-raw,format=NV12,width=350,height=198,framerate=30/1 \
        ! vaapih265enc ! filesink location="$e2e_tmp/d.h265"
    check "$e2e_tmp/d.h265" \
        'len(L) == 6 and C[0]["profile"] == 8 and (C[0]["width"], C[0]["height"]) == (350, 198)' \
        'L[0]["type"] == 1 and [p["display_order"] for p in L] == list(range(6))' \
        'all(p["seq"]["crop_right"] == 0 and p["seq"]["crop_bottom"] == 0 for p in L)' \
        'out == b"".join(coded(p) for p in L)'
else
    echo "(gstreamer-vaapi not installed: skipped)"
fi

echo "== a picture that does not fit its coded buffer fails the client"
start_fake --limit 3
if ff -f lavfi -i testsrc=size=320x240:rate=30 -frames:v 8 -vf format=nv12,hwupload \
    -c:v h264_vaapi -qp 24 -y "$e2e_tmp/e.h264" 2>"$e2e_tmp/e.err"; then
    echo "ffmpeg succeeded although picture 3 failed"; exit 1
fi
check - 'any(p.get("status") == "LIMIT" for p in L)'

echo "== a daemon that claims more coded bytes than the buffer holds fails the client"
start_fake --lie 2
if ff -f lavfi -i testsrc=size=320x240:rate=30 -frames:v 5 -vf format=nv12,hwupload \
    -c:v h264_vaapi -qp 24 -y "$e2e_tmp/h.h264" 2>"$e2e_tmp/h.err"; then
    echo "ffmpeg took a coded size larger than its buffer"; exit 1
fi
grep -q "coded bytes, the buffer takes" "$e2e_tmp/h.err"

echo "== a 1.2 daemon: decode only, no encode entrypoint, encoding fails cleanly"
start_fake --minor 2
vainfo >"$e2e_tmp/vainfo2" 2>&1
grep -q "VAProfileH264High[[:space:]]*:[[:space:]]*VAEntrypointVLD" "$e2e_tmp/vainfo2"
if grep -q EncSlice "$e2e_tmp/vainfo2"; then echo "encode offered by a 1.2 daemon"; exit 1; fi
"$VIVAC" info --socket "$e2e_tmp/s" >"$e2e_tmp/info2"
if grep -Eq " encode +|encode profile" "$e2e_tmp/info2"; then echo "vivac info: encode from a 1.2 daemon"; exit 1; fi
if ff -f lavfi -i testsrc=size=320x240:rate=30 -frames:v 2 -vf format=nv12,hwupload \
    -c:v h264_vaapi -y "$e2e_tmp/f.h264" 2>/dev/null; then
    echo "ffmpeg encoded through a 1.2 daemon"; exit 1
fi
echo "PASS"
