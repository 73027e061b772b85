#!/usr/bin/env python3
"""Writes the handcrafted seed corpus of fuzz_session into fuzz/corpus/.

Seeds 22_* to 25_* are encode sessions (protocol 1.3: HELLO minor 3);
33_* and 34_* video processing (protocol 1.4: PROCESS, the 96-byte 1.4
struct); 35_* ProcAmp, denoise, sharpening, rotation and mirroring (protocol 1.5:
the 128-byte struct); 36_* motion-adaptive deinterlacing with references
(protocol 1.7: the 176-byte struct).

Each seed is a stream of vivac wire messages (vw_header + payload, see
include/vivac/protocol.h) as fuzz/fuzz_session.c reads it; the pseudo-opcode
FUZZ_OP_ARENA_WRITE (u64 offset + bytes) fills the shared arena.
Usage: python3 fuzz/make_seeds.py [OUTDIR]   (default: fuzz/corpus)

fuzz/corpus/09_ffmpeg_high_bframes_2slices is not made here: it is a real
session recorded with fuzz/record_seed.py (ffmpeg -hwaccel vaapi decoding a
64x64 High-profile x264 clip, 5 frames, 2 B-frames, 2 slices per picture,
all data inline). Nor are 17_* to 21_*: the recorded H.264, HEVC, MPEG-2
and JPEG sessions with a slice carrying parameter sets / headers / an SOF,
or POCs that overflow, as tests/e2e/hostile_bitstream writes them
(hostile_bitstream SOCKET fuzz/corpus --write-seeds DIR, against a vivacd).
Nor are 29_* to 32_*: FFmpeg's AV1 sessions recorded with record_seed.py
(64x64 SVT-AV1 with film grain and hidden frames shown again; 128x128 libaom
with 2x2 tiles, one tile group sent once for its four tiles), and the tiles
session refused as profile 1 and as large-scale tile (hostile_bitstream).
"""
import os
import struct
import sys

OP = dict(HELLO=1, QUERY_CAPS=2, CREATE_CODEC=3, DESTROY_CODEC=4, CREATE_SURFACE=5,
          DESTROY_SURFACE=6, BEGIN_FRAME=7, DECODE_BITSTREAM=8, END_FRAME=9,
          SYNC_SURFACE=10, QUERY_SURFACE=11, GET_IMAGE=12, PUT_IMAGE=13,
          QUERY_ENCODE_CAPS=15, ENCODE_BITSTREAM=16, PROCESS=17)
FUZZ_OP_ARENA_WRITE = 0xF0000001
MAGIC = 0x43564956
NV12 = int.from_bytes(b"NV12", "little")
INVALID_ID = 0xFFFFFFFF
PIC_INVALID = 0x01
LOC_INLINE, LOC_ARENA = 0, 1
H264_HIGH = 3
HEVC_MAIN, HEVC_MAIN10 = 8, 9
P010 = int.from_bytes(b"P010", "little")
CQP, CBR, VBR = 1, 2, 4
IDR, I, P, B = 1, 2, 3, 4
W = H = 64


class Stream:
    def __init__(self):
        self.out = bytearray()
        self.rid = 0

    def msg(self, op, payload=b"", reserved=0, length=None):
        self.rid += 1
        n = len(payload) if length is None else length
        self.out += struct.pack("<IIII", op, n, self.rid, reserved) + payload
        return self


def hello(arena=1 << 20, minor=0):
    return struct.pack("<IHHQ32s", MAGIC, 1, minor, arena, b"fuzz-seed")


def create_surface(sid, w=W, h=H):
    return struct.pack("<6I", sid, w, h, 1, NV12, 0)


def create_codec(cid, w=W, h=H, profile=H264_HIGH):
    return struct.pack("<8I", cid, profile, 1, 1, w, h, 0, 0)


def pair(a, b=0):
    return struct.pack("<2I", a, b)


def h264_ref(sid=INVALID_ID, flags=PIC_INVALID):
    return struct.pack("<IIIiiI", sid, 0, flags, 0, 0, 0)


def picture(target):
    refs = h264_ref(target, 0) + h264_ref() * 16
    seq = bytes([0, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0, 2, 0]) + struct.pack("<4b", 0, 0, 0, 0)
    pic = bytes([1, 0, 0, 1, 0, 0, 0, 1, 0, 1])
    tail = struct.pack("<HBBHH", 0, 0, 0, 0, 0)
    p = refs + struct.pack("<HH", W // 16 - 1, H // 16 - 1) + seq + pic + tail
    assert len(p) == 448, len(p)
    return p


def slice_params(offset, size, slice_type=2):
    head = struct.pack("<IIIHH", size, offset, 0, 8, 0)
    fields = struct.pack("<BBBBBbBbbBBBBBBB", slice_type, 0, 0, 0, 0, 0, 0, 0, 0,
                         0, 0, 0, 0, 0, 0, 0)
    s = head + fields + h264_ref() * 64 + bytes(768)
    assert len(s) == 2336, len(s)
    return s


def decode(cid, target, blob, loc=LOC_INLINE, offset=0, slices=None, iq=None):
    slices = slices or [(0, len(blob))]
    flags = 1 if iq is not None else 0
    hdr = struct.pack("<8I", cid, 1, flags, len(slices), 448, 224 if iq is not None else 0,
                      2336, 0)
    ref = struct.pack("<IIQQ", loc, 0, offset, len(blob))
    body = hdr + ref + picture(target) + (iq or b"")
    for off, size in slices:
        body += slice_params(off, size)
    if loc == LOC_INLINE:
        body += blob
    return body


def layout(w=W, h=H):
    return struct.pack("<II3I3I", NV12, 2, w, w, 0, 0, w * h, 0)


def get_image(sid, loc=LOC_INLINE, offset=0, w=W, h=H):
    return struct.pack("<6I", sid, 0, 0, w, h, 0) + layout(w, h) + \
        struct.pack("<IIQQ", loc, 0, offset, w * h * 3 // 2)


def put_image(sid, data, w=W, h=H):
    return struct.pack("<8I", sid, 0, 0, w, h, 0, 0, 0) + layout(w, h) + \
        struct.pack("<IIQQ", LOC_INLINE, 0, 0, len(data)) + data


# ---- encode (protocol 1.3) ----

def create_encode_codec(cid, profile=H264_HIGH, w=W, h=H):
    return struct.pack("<8I", cid, profile, 2, 2 if profile == HEVC_MAIN10 else 1, w, h, 0, 0)


def create_surface_p010(sid, w=W, h=H):
    return struct.pack("<6I", sid, w, h, 2, P010, 0)


def put_image_p010(sid, data, w=W, h=H):
    lay = struct.pack("<II3I3I", P010, 2, 2 * w, 2 * w, 0, 0, 2 * w * h, 0)
    return struct.pack("<8I", sid, 0, 0, w, h, 0, 0, 0) + lay + \
        struct.pack("<IIQQ", LOC_INLINE, 0, 0, len(data)) + data


# ---- video processing (protocol 1.4) ----

def create_proc_codec(cid, w=W, h=H):
    return struct.pack("<8I", cid, 0, 3, 1, w, h, 0, 0)


def process(cid, src, sx=0, sy=0, sw=W, sh=H, ox=0, oy=0, ow=W // 2, oh=H // 2, scaling=2,
            std=(0, 0), rng=(0, 0), rot=0, filters=0, flags=0, deint=0, field=0, mirror=0):
    return struct.pack("<2I4I4I9I5I", cid, src, sx, sy, sw, sh, ox, oy, ow, oh, scaling,
                       std[0], rng[0], std[1], rng[1], rot, mirror, filters, flags, deint, field,
                       0, 0, 0)


def process15(cid, src, procamp=None, denoise=None, sharpen=None, reserved2=(0, 0), **kw):
    """The 1.5 struct: 1.4's then brightness, contrast, hue, saturation,
    denoise, sharpen (x 1000) and 2 reserved words; None: that filter off."""
    bits = (2 if procamp is not None else 0) | (4 if denoise is not None else 0) | \
        (8 if sharpen is not None else 0)
    kw["filters"] = kw.get("filters", 0) | bits
    return process(cid, src, **kw) + struct.pack("<4i2I2I", *(procamp or (0, 0, 0, 0)),
                                                 denoise or 0, sharpen or 0, *reserved2)


def process17(cid, src, order=0, past=(), future=(), counts=None, reserved3=0, **kw):
    """The 1.7 struct: 1.5's then field_order, num_past, num_future, a
    reserved word, 4 past and 4 future surface ids (0 past the counts
    unless given longer); counts: (num_past, num_future) overriding the
    lists' lengths."""
    n = counts or (len(past), len(future))
    ids = list(past) + [0] * (4 - len(past)) + list(future) + [0] * (4 - len(future))
    return process15(cid, src, **kw) + struct.pack("<4I8I", order, n[0], n[1], reserved3, *ids)


def sequence(rc=CQP, bps=0, maxbps=0, depth=8, cabac=1, t8x8=1, crop_right=0, crop_bottom=0,
             fps=(30, 1)):
    return (struct.pack("<10I", rc, bps, maxbps, 0, 0, fps[0], fps[1], 0, 0, 1) +
            struct.pack("<8B", 0, 0, 0, depth, cabac, t8x8, 0, 0) +
            struct.pack("<4H", 0, crop_right, 0, crop_bottom) +
            struct.pack("<8B", 1, 1, 0, 1, 1, 1, 1, 1) + struct.pack("<2H", 1, 1) +
            bytes(20))


def encode(cid, codec, seq, ptype, order, qp=26, loc=LOC_INLINE, offset=0, size=1 << 16):
    return (struct.pack("<4I", cid, codec, 0, 0) + seq +
            struct.pack("<6I", ptype, order, qp, 1, 0, 0) +
            struct.pack("<IIQQ", loc, 0, offset, size))


def pattern(n, shift=0):
    return bytes(((i * 7 + (i >> 6) * 3 + shift) & 0xFF) for i in range(n))


# A tiny IDR slice NAL (start code + header + garbage).
SLICE = bytes([0, 0, 0, 1, 0x65, 0x88, 0x84, 0x00, 0x33, 0xFF, 0x12, 0x34])


def seeds():
    s = {}
    s["01_hello_caps"] = Stream().msg(OP["HELLO"], hello()).msg(OP["QUERY_CAPS"])
    s["02_create_surface"] = (Stream().msg(OP["HELLO"], hello(0))
                              .msg(OP["CREATE_SURFACE"], create_surface(1))
                              .msg(OP["QUERY_SURFACE"], pair(1))
                              .msg(OP["SYNC_SURFACE"], pair(1))
                              .msg(OP["DESTROY_SURFACE"], pair(1)))
    s["03_create_codec"] = (Stream().msg(OP["HELLO"], hello(0))
                            .msg(OP["CREATE_CODEC"], create_codec(1))
                            .msg(OP["DESTROY_CODEC"], pair(1)))
    s["04_decode_inline"] = (Stream().msg(OP["HELLO"], hello(0))
                             .msg(OP["CREATE_SURFACE"], create_surface(1))
                             .msg(OP["CREATE_CODEC"], create_codec(1))
                             .msg(OP["BEGIN_FRAME"], pair(1, 1))
                             .msg(OP["DECODE_BITSTREAM"], decode(1, 1, SLICE))
                             .msg(OP["END_FRAME"], pair(1))
                             .msg(OP["SYNC_SURFACE"], pair(1))
                             .msg(OP["GET_IMAGE"], get_image(1)))
    iq = bytes([16]) * 224
    two = SLICE + SLICE[4:]
    s["05_decode_arena_get_image"] = (Stream().msg(OP["HELLO"], hello())
                                      .msg(FUZZ_OP_ARENA_WRITE, struct.pack("<Q", 0) + two)
                                      .msg(OP["CREATE_SURFACE"], create_surface(1))
                                      .msg(OP["CREATE_SURFACE"], create_surface(2))
                                      .msg(OP["CREATE_CODEC"], create_codec(1))
                                      .msg(OP["BEGIN_FRAME"], pair(1, 2))
                                      .msg(OP["DECODE_BITSTREAM"],
                                           decode(1, 2, two, LOC_ARENA, 0,
                                                  [(0, len(SLICE)), (len(SLICE), 8)], iq))
                                      .msg(OP["END_FRAME"], pair(1))
                                      .msg(OP["GET_IMAGE"], get_image(2, LOC_ARENA, 4096))
                                      .msg(OP["GET_IMAGE"], get_image(2)))
    s["06_put_get_image"] = (Stream().msg(OP["HELLO"], hello(0))
                             .msg(OP["CREATE_SURFACE"], create_surface(3))
                             .msg(OP["PUT_IMAGE"], put_image(3, bytes(range(256)) * 24))
                             .msg(OP["GET_IMAGE"], get_image(3)))
    s["07_errors"] = (Stream().msg(OP["HELLO"], hello(0))
                      .msg(999)
                      .msg(OP["CREATE_SURFACE"], create_surface(0))
                      .msg(OP["CREATE_SURFACE"], create_surface(5))
                      .msg(OP["CREATE_SURFACE"], create_surface(5))
                      .msg(OP["END_FRAME"], pair(1))
                      .msg(OP["DESTROY_SURFACE"], pair(5))
                      .msg(OP["GET_IMAGE"], get_image(5))
                      .msg(OP["QUERY_CAPS"], reserved=1))
    s["08_disconnect_mid_frame"] = (Stream().msg(OP["HELLO"], hello(0))
                                    .msg(OP["CREATE_SURFACE"], create_surface(1))
                                    .msg(OP["CREATE_CODEC"], create_codec(1))
                                    .msg(OP["BEGIN_FRAME"], pair(1, 1))
                                    .msg(OP["DECODE_BITSTREAM"], decode(1, 1, SLICE))
                                    .msg(OP["DECODE_BITSTREAM"], b"\0" * 40, length=4000))
    nv12 = W * H * 3 // 2
    h264 = sequence()
    s["22_encode_h264_cqp"] = (Stream().msg(OP["HELLO"], hello(minor=3))
                               .msg(OP["QUERY_ENCODE_CAPS"]).msg(OP["QUERY_CAPS"])
                               .msg(OP["CREATE_SURFACE"], create_surface(1))
                               .msg(OP["CREATE_CODEC"], create_encode_codec(1))
                               .msg(OP["PUT_IMAGE"], put_image(1, pattern(nv12)))
                               .msg(OP["BEGIN_FRAME"], pair(1, 1))
                               .msg(OP["ENCODE_BITSTREAM"], encode(1, 1, h264, IDR, 0))
                               .msg(OP["END_FRAME"], pair(1))
                               .msg(OP["PUT_IMAGE"], put_image(1, pattern(nv12, 5)))
                               .msg(OP["BEGIN_FRAME"], pair(1, 1))
                               .msg(OP["ENCODE_BITSTREAM"],
                                    encode(1, 1, h264, P, 1, 30, LOC_ARENA, 4096))
                               .msg(OP["END_FRAME"], pair(1))
                               .msg(OP["SYNC_SURFACE"], pair(1))
                               .msg(OP["DESTROY_CODEC"], pair(1)))
    s["33_process_scale_csc"] = (
        Stream().msg(OP["HELLO"], hello(minor=4)).msg(OP["QUERY_CAPS"])
        .msg(OP["CREATE_SURFACE"], create_surface(1))
        .msg(OP["CREATE_SURFACE"], create_surface(2, W // 2, H // 2))
        .msg(OP["CREATE_SURFACE"], create_surface_p010(3, W * 2, H * 2))
        .msg(OP["CREATE_CODEC"], create_proc_codec(1, W // 2, H // 2))
        .msg(OP["PUT_IMAGE"], put_image(1, pattern(nv12)))
        .msg(OP["BEGIN_FRAME"], pair(1, 2))
        .msg(OP["PROCESS"], process(1, 1))
        .msg(OP["END_FRAME"], pair(1))
        .msg(OP["BEGIN_FRAME"], pair(1, 3))
        .msg(OP["PROCESS"], process(1, 1, 8, 8, 32, 32, 2, 4, 100, 60, 0, (2, 1), (1, 2)))
        .msg(OP["END_FRAME"], pair(1))
        .msg(OP["BEGIN_FRAME"], pair(1, 1))
        .msg(OP["PROCESS"], process(1, 3, ow=W, oh=H, scaling=1))
        .msg(OP["END_FRAME"], pair(1))
        .msg(OP["BEGIN_FRAME"], pair(1, 2))
        .msg(OP["PROCESS"], process(1, 1, sy=4, sh=H - 8, filters=1, deint=1, field=1))
        .msg(OP["END_FRAME"], pair(1))
        .msg(OP["SYNC_SURFACE"], pair(1))
        .msg(OP["GET_IMAGE"], get_image(2, w=W // 2, h=H // 2)))
    s["34_process_errors"] = (
        Stream().msg(OP["HELLO"], hello(minor=4))
        .msg(OP["CREATE_SURFACE"], create_surface(1))
        .msg(OP["CREATE_SURFACE"], create_surface(2, W // 2, H // 2))
        .msg(OP["CREATE_CODEC"], create_proc_codec(1, W // 2, H // 2))
        .msg(OP["CREATE_CODEC"], create_codec(2))
        .msg(OP["PROCESS"], process(1, 1))
        .msg(OP["BEGIN_FRAME"], pair(1, 2))
        .msg(OP["PROCESS"], process(1, 1, sx=40))
        .msg(OP["END_FRAME"], pair(1))
        .msg(OP["BEGIN_FRAME"], pair(1, 2))
        .msg(OP["PROCESS"], process(1, 1, sx=0xFFFFFFFE, sw=4))
        .msg(OP["PROCESS"], process(1, 2))
        .msg(OP["END_FRAME"], pair(1))
        .msg(OP["BEGIN_FRAME"], pair(1, 2))
        .msg(OP["PROCESS"], process(1, 1, filters=1 << 31, rot=1))
        .msg(OP["PROCESS"], process(1, 1, filters=1, deint=1, sy=2, sh=H - 4))
        .msg(OP["PROCESS"], process(1, 1, filters=1, deint=2, field=3))
        .msg(OP["DECODE_BITSTREAM"], decode(1, 2, SLICE))
        .msg(OP["END_FRAME"], pair(1))
        .msg(OP["BEGIN_FRAME"], pair(2, 1))
        .msg(OP["PROCESS"], process(2, 2))
        .msg(OP["END_FRAME"], pair(2))
        .msg(OP["BEGIN_FRAME"], pair(1, 2))
        .msg(OP["PROCESS"], process(1, 1, ow=2, oh=2))
        .msg(OP["PROCESS"], process(1, 1)[:60])
        .msg(OP["DESTROY_SURFACE"], pair(1))
        .msg(OP["END_FRAME"], pair(1))
        .msg(OP["BEGIN_FRAME"], pair(1, 2))
        .msg(OP["PROCESS"], process(1, 99)))
    s["35_process_procamp"] = (
        Stream().msg(OP["HELLO"], hello(minor=5))
        .msg(OP["CREATE_SURFACE"], create_surface(1))
        .msg(OP["CREATE_SURFACE"], create_surface(2, W // 2, H // 2))
        .msg(OP["CREATE_SURFACE"], create_surface_p010(3, W, H))
        .msg(OP["CREATE_CODEC"], create_proc_codec(1, W // 2, H // 2))
        .msg(OP["PUT_IMAGE"], put_image(1, pattern(nv12)))
        .msg(OP["BEGIN_FRAME"], pair(1, 2))
        .msg(OP["PROCESS"], process15(1, 1, (20000, 1300, -30500, 1700)))
        .msg(OP["END_FRAME"], pair(1))
        .msg(OP["BEGIN_FRAME"], pair(1, 2))
        .msg(OP["PROCESS"], process15(1, 1, (-100000, 10000, 180000, 0), sy=4, sh=H - 8,
                                      filters=1, deint=1, field=1))
        .msg(OP["END_FRAME"], pair(1))
        .msg(OP["SYNC_SURFACE"], pair(2))
        .msg(OP["GET_IMAGE"], get_image(2, w=W // 2, h=H // 2))
        .msg(OP["BEGIN_FRAME"], pair(1, 2))
        .msg(OP["PROCESS"], process15(1, 1, (100001, 1000, 0, 1000)))
        .msg(OP["PROCESS"], process15(1, 1, (0, -1, 0, 1000)))
        .msg(OP["PROCESS"], process15(1, 1, (0, 1000, -2147483648, 1000)))
        .msg(OP["PROCESS"], process15(1, 1, None, reserved2=(0, 1)))
        .msg(OP["PROCESS"], process15(1, 1, denoise=64001))
        .msg(OP["PROCESS"], process15(1, 1, sharpen=0xFFFFFFFF))
        .msg(OP["END_FRAME"], pair(1))
        .msg(OP["BEGIN_FRAME"], pair(1, 3))
        .msg(OP["PROCESS"], process15(1, 1, (0, 1000, 90000, 1000), ow=W, oh=H))
        .msg(OP["END_FRAME"], pair(1))
        .msg(OP["BEGIN_FRAME"], pair(1, 2))
        .msg(OP["PROCESS"], process15(1, 1, denoise=24000, sharpen=40000))
        .msg(OP["END_FRAME"], pair(1))
        .msg(OP["BEGIN_FRAME"], pair(1, 2))
        .msg(OP["PROCESS"], process15(1, 1, denoise=24000, sharpen=40000))
        .msg(OP["END_FRAME"], pair(1))
        .msg(OP["BEGIN_FRAME"], pair(1, 3))
        .msg(OP["PROCESS"], process15(1, 1, rot=1, mirror=2, ow=W, oh=H))
        .msg(OP["END_FRAME"], pair(1))
        .msg(OP["BEGIN_FRAME"], pair(1, 2))
        .msg(OP["PROCESS"], process15(1, 1, (0, 1000, 0, 1000), sharpen=1000, rot=3, mirror=1,
                                      sx=0, sy=0, sw=W, sh=2, ow=2, oh=W // 2))
        .msg(OP["END_FRAME"], pair(1))
        .msg(OP["BEGIN_FRAME"], pair(1, 2))
        .msg(OP["PROCESS"], process15(1, 1, rot=4))
        .msg(OP["PROCESS"], process15(1, 1, mirror=4))
        .msg(OP["END_FRAME"], pair(1))
        .msg(OP["BEGIN_FRAME"], pair(1, 2))
        .msg(OP["PROCESS"], process15(1, 1)[:100])
        .msg(OP["END_FRAME"], pair(1)))
    adaptive = dict(filters=1, deint=2)
    s["36_process_adaptive"] = (
        Stream().msg(OP["HELLO"], hello(minor=7))
        .msg(OP["CREATE_SURFACE"], create_surface(1))
        .msg(OP["CREATE_SURFACE"], create_surface(2, W // 2, H // 2))
        .msg(OP["CREATE_SURFACE"], create_surface(3))
        .msg(OP["CREATE_SURFACE"], create_surface(4))
        .msg(OP["CREATE_SURFACE"], create_surface(5, W, H // 2))
        .msg(OP["CREATE_CODEC"], create_proc_codec(1, W // 2, H // 2))
        .msg(OP["PUT_IMAGE"], put_image(1, pattern(nv12)))
        .msg(OP["PUT_IMAGE"], put_image(3, pattern(nv12, 3)))
        .msg(OP["PUT_IMAGE"], put_image(4, pattern(nv12, 7)))
        .msg(OP["BEGIN_FRAME"], pair(1, 2))
        .msg(OP["PROCESS"], process17(1, 1, past=(3,), future=(4,), **adaptive))
        .msg(OP["END_FRAME"], pair(1))
        .msg(OP["BEGIN_FRAME"], pair(1, 2))
        .msg(OP["PROCESS"], process17(1, 1, 1, past=(3, 3, 3, 3), future=(4,), field=1,
                                      sy=2, sh=H - 4, **adaptive))
        .msg(OP["END_FRAME"], pair(1))
        .msg(OP["SYNC_SURFACE"], pair(2))
        .msg(OP["GET_IMAGE"], get_image(2, w=W // 2, h=H // 2))
        .msg(OP["BEGIN_FRAME"], pair(1, 2))
        .msg(OP["PROCESS"], process17(1, 1, future=(1,), sw=6, sh=8, ow=6, oh=8, **adaptive))
        .msg(OP["END_FRAME"], pair(1))
        .msg(OP["BEGIN_FRAME"], pair(1, 2))
        .msg(OP["PROCESS"], process17(1, 1, past=(3,), counts=(5, 0), **adaptive))
        .msg(OP["PROCESS"], process17(1, 1, past=(3,), future=(4,), counts=(1, 0xFFFFFFFF),
                                      **adaptive))
        .msg(OP["PROCESS"], process17(1, 1, past=(3,), counts=(0, 0), **adaptive))
        .msg(OP["PROCESS"], process17(1, 1, past=(99,), **adaptive))
        .msg(OP["PROCESS"], process17(1, 1, past=(2,), **adaptive))
        .msg(OP["PROCESS"], process17(1, 1, future=(5,), **adaptive))
        .msg(OP["PROCESS"], process17(1, 1, past=(3,), filters=1, deint=1))
        .msg(OP["PROCESS"], process17(1, 1, 2, **adaptive))
        .msg(OP["PROCESS"], process17(1, 1, reserved3=1, **adaptive))
        .msg(OP["PROCESS"], process17(1, 1, sh=6, oh=6, **adaptive))
        .msg(OP["PROCESS"], process17(1, 1)[:150])
        .msg(OP["END_FRAME"], pair(1))
        .msg(OP["BEGIN_FRAME"], pair(1, 2))
        .msg(OP["PROCESS"], process17(1, 1, past=(3,), future=(4,), **adaptive))
        .msg(OP["DESTROY_SURFACE"], pair(4))
        .msg(OP["END_FRAME"], pair(1))
        .msg(OP["BEGIN_FRAME"], pair(1, 2))
        .msg(OP["PROCESS"], process15(1, 1, filters=1, deint=2))
        .msg(OP["END_FRAME"], pair(1)))
    cbr = sequence(CBR, 500000, cabac=0, t8x8=0, crop_right=2, crop_bottom=4)
    cbr2 = sequence(CBR, 200000, cabac=0, t8x8=0, crop_right=2, crop_bottom=4)
    s["23_encode_hevc_cbr_rate_change"] = (
        Stream().msg(OP["HELLO"], hello(minor=3))
        .msg(OP["CREATE_SURFACE"], create_surface(1, W - 2, H - 4))
        .msg(OP["CREATE_CODEC"], create_encode_codec(1, HEVC_MAIN))
        .msg(OP["PUT_IMAGE"], put_image(1, pattern((W - 2) * (H - 4) * 3 // 2), W - 2, H - 4))
        .msg(OP["BEGIN_FRAME"], pair(1, 1))
        .msg(OP["ENCODE_BITSTREAM"], encode(1, 5, cbr, IDR, 0, 0))
        .msg(OP["END_FRAME"], pair(1))
        .msg(OP["BEGIN_FRAME"], pair(1, 1))
        .msg(OP["ENCODE_BITSTREAM"], encode(1, 5, cbr2, P, 1, 0))
        .msg(OP["END_FRAME"], pair(1)))
    s["24_encode_errors"] = (Stream().msg(OP["HELLO"], hello(minor=3))
                             .msg(OP["CREATE_SURFACE"], create_surface(1))
                             .msg(OP["CREATE_CODEC"], create_encode_codec(1))
                             .msg(OP["CREATE_CODEC"], create_codec(2))
                             .msg(OP["ENCODE_BITSTREAM"], encode(1, 1, h264, IDR, 0))
                             .msg(OP["BEGIN_FRAME"], pair(1, 1))
                             .msg(OP["ENCODE_BITSTREAM"], encode(1, 1, h264, P, 0))
                             .msg(OP["END_FRAME"], pair(1))
                             .msg(OP["BEGIN_FRAME"], pair(1, 1))
                             .msg(OP["ENCODE_BITSTREAM"], encode(1, 1, h264, B, 0))
                             .msg(OP["DECODE_BITSTREAM"], decode(1, 1, SLICE))
                             .msg(OP["END_FRAME"], pair(1))
                             .msg(OP["BEGIN_FRAME"], pair(2, 1))
                             .msg(OP["ENCODE_BITSTREAM"], encode(2, 1, h264, IDR, 0))
                             .msg(OP["END_FRAME"], pair(2))
                             .msg(OP["BEGIN_FRAME"], pair(1, 1))
                             .msg(OP["ENCODE_BITSTREAM"],
                                  encode(1, 1, h264, IDR, 0, 26, LOC_ARENA, (1 << 20) - 8, 64))
                             .msg(OP["END_FRAME"], pair(1))
                             .msg(OP["BEGIN_FRAME"], pair(1, 1))
                             .msg(OP["ENCODE_BITSTREAM"], encode(1, 1, h264, IDR, 0, size=16))
                             .msg(OP["END_FRAME"], pair(1))
                             .msg(OP["BEGIN_FRAME"], pair(1, 1))
                             .msg(OP["ENCODE_BITSTREAM"], encode(1, 1, h264, P, 1))
                             .msg(OP["END_FRAME"], pair(1))
                             .msg(OP["BEGIN_FRAME"], pair(1, 1))
                             .msg(OP["ENCODE_BITSTREAM"],
                                  encode(1, 1, sequence(fps=(60, 1)), P, 2))
                             .msg(OP["END_FRAME"], pair(1))
                             .msg(OP["BEGIN_FRAME"], pair(1, 1))
                             .msg(OP["ENCODE_BITSTREAM"], encode(1, 1, h264, P, 3)[:100]))
    s["25_encode_hevc_main10"] = (Stream().msg(OP["HELLO"], hello(minor=3))
                                  .msg(OP["CREATE_SURFACE"], create_surface_p010(1))
                                  .msg(OP["CREATE_CODEC"], create_encode_codec(1, HEVC_MAIN10))
                                  .msg(OP["PUT_IMAGE"], put_image_p010(1, pattern(nv12 * 2)))
                                  .msg(OP["BEGIN_FRAME"], pair(1, 1))
                                  .msg(OP["ENCODE_BITSTREAM"],
                                       encode(1, 5, sequence(VBR, 300000, 600000, 10, 0, 0),
                                              IDR, 0, 0))
                                  .msg(OP["END_FRAME"], pair(1)))
    return s


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "corpus")
    os.makedirs(outdir, exist_ok=True)
    for name, stream in seeds().items():
        with open(os.path.join(outdir, name), "wb") as f:
            f.write(stream.out)
        print(f"{name}: {len(stream.out)} bytes")


if __name__ == "__main__":
    main()
