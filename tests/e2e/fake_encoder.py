#!/usr/bin/env python3
"""A stand-in for vivacd's encode side (protocol 1.3, docs/protocol.md §15/§16),
to test the guest driver alone with real clients (FFmpeg, GStreamer).

It answers HELLO (with a memfd arena), QUERY_CAPS, QUERY_ENCODE_CAPS, surfaces,
GET/PUT_IMAGE (pixels are not kept), CREATE_CODEC and the encode frame
commands. Each picture's "coded bytes" are a made-up Annex B NAL unit whose
payload names the picture (its number, type, display order), written where
ENCODE_BITSTREAM's `coded` says, and END_FRAME replies vw_encode_result. One
JSON line per picture (the sequence and picture as received, the coded size)
goes to --log, so a test checks what the driver sent and that the client
wrote exactly the coded bytes.

--minor 2 plays a 1.2 daemon: no encode capabilities, QUERY_ENCODE_CAPS
unknown. --limit N makes picture N's END_FRAME fail with LIMIT; --lie N makes
it claim more coded bytes than the buffer holds (the driver must refuse it).
"""
import argparse
import fcntl
import json
import mmap
import os
import socket
import struct
import sys
import threading

MAGIC = 0x43564956
REPLY = 0x80000000
OP = dict(HELLO=1, QUERY_CAPS=2, CREATE_CODEC=3, DESTROY_CODEC=4, CREATE_SURFACE=5,
          DESTROY_SURFACE=6, BEGIN_FRAME=7, DECODE_BITSTREAM=8, END_FRAME=9,
          SYNC_SURFACE=10, QUERY_SURFACE=11, GET_IMAGE=12, PUT_IMAGE=13, ERROR=14,
          QUERY_ENCODE_CAPS=15, ENCODE_BITSTREAM=16)
OK, MALFORMED, UNKNOWN_OPCODE, STATE, INVALID_ID, LIMIT = 0, 1, 2, 4, 5, 7
RT_420, RT_420_10 = 0x1, 0x2
NV12, P010 = 0x3231564e, 0x30313050
ENCODE_PROFILES = {1: RT_420, 2: RT_420, 3: RT_420, 8: RT_420, 9: RT_420_10}
ARENA = 64 << 20

SEQ_FIELDS = ("rc_mode bits_per_second max_bits_per_second hrd_buffer_bits hrd_initial_bits "
              "frame_rate_num frame_rate_den intra_period idr_period ip_period min_qp max_qp "
              "level_idc bit_depth entropy_cabac transform_8x8 quality_level reserved0 "
              "crop_left crop_right crop_top crop_bottom aspect_ratio_present "
              "video_signal_present video_full_range colour_description_present "
              "colour_primaries transfer_characteristics matrix_coefficients "
              "timing_info_present sar_width sar_height").split()
SEQ_FMT = "<10I8B4H8B2H5I"
PIC_FIELDS = "type display_order qp num_slices".split()
assert struct.calcsize(SEQ_FMT) == 88


class Session:
    def __init__(self, conn, args, log):
        self.conn, self.args, self.log = conn, args, log
        self.client_minor = 0
        self.surfaces, self.codecs = {}, {}
        self.frame = {}          # codec id -> {surface, enc}
        self.arena = None
        self.pictures = 0

    def recv_exact(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.conn.recv(n - len(buf))
            if not chunk:
                raise EOFError
            buf += chunk
        return buf

    def reply(self, op, rid, status, body=b"", msg="", fds=None):
        m = msg.encode()[:256]
        payload = struct.pack("<iI", status, len(m)) + body + m
        data = struct.pack("<IIII", op | REPLY, len(payload), rid, 0) + payload
        if fds:
            socket.send_fds(self.conn, [data], fds)
        else:
            self.conn.sendall(data)

    def run(self):
        try:
            while True:
                op, length, rid, _ = struct.unpack("<IIII", self.recv_exact(16))
                payload = self.recv_exact(length) if length else b""
                self.handle(op, rid, payload)
        except (EOFError, ConnectionResetError, BrokenPipeError):
            pass
        finally:
            self.conn.close()

    def caps(self):
        caps = [struct.pack("<8I16s", 3, 1, RT_420, NV12, 16, 16, 4096, 4096, b"fake")]
        if self.args.minor >= 3 and self.client_minor >= 3:
            for p, rt in ENCODE_PROFILES.items():
                caps.append(struct.pack("<8I16s", p, 2, rt, NV12 if rt == RT_420 else P010,
                                        16, 16, 4096, 4096, b"fake"))
        return struct.pack("<II", len(caps), 0) + b"".join(caps)

    def encode_caps(self):
        caps = [struct.pack("<3I2H4I4I16s", p, rt, 0x7, self.args.l0, 0, self.args.slices,
                            self.args.quality, 1, 51, 0, 0, 0, 0, b"fake")
                for p, rt in ENCODE_PROFILES.items()]
        return struct.pack("<II", len(caps), 0) + b"".join(caps)

    def handle(self, op, rid, p):
        a = self.args
        if op == OP["HELLO"]:
            magic, major, minor, want = struct.unpack_from("<IHHQ", p)
            self.client_minor = minor
            if want == 0:  # no arena asked: everything inline
                body = struct.pack("<IHHQIIQ32s16s", MAGIC, 1, a.minor, 0, 256, 16, 1 << 30,
                                   b"fake_encoder", b"fake")
                return self.reply(op, rid, OK, body + struct.pack("<IIQQQ", 0, 0, 0, 0, 0))
            fd = os.memfd_create("fake-arena", os.MFD_ALLOW_SEALING)
            os.ftruncate(fd, ARENA)
            fcntl.fcntl(fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW)
            self.arena = mmap.mmap(fd, ARENA)
            body = struct.pack("<IHHQIIQ32s16s", MAGIC, 1, a.minor, ARENA, 256, 16, 1 << 30,
                               b"fake_encoder", b"fake")
            body += struct.pack("<IIQQQ", 1, 0, 0, 0, ARENA)
            self.reply(op, rid, OK, body, fds=[fd])
            os.close(fd)
        elif op == OP["QUERY_CAPS"]:
            self.reply(op, rid, OK, self.caps())
        elif op == OP["QUERY_ENCODE_CAPS"] and a.minor >= 3:
            self.reply(op, rid, OK, self.encode_caps())
        elif op == OP["CREATE_SURFACE"]:
            sid, w, h, rt, fourcc, _ = struct.unpack("<6I", p)
            self.surfaces[sid] = (w, h, fourcc)
            self.reply(op, rid, OK)
        elif op in (OP["DESTROY_SURFACE"], OP["DESTROY_CODEC"]):
            (oid,) = struct.unpack_from("<I", p)
            (self.surfaces if op == OP["DESTROY_SURFACE"] else self.codecs).pop(oid, None)
            self.reply(op, rid, OK)
        elif op == OP["CREATE_CODEC"]:
            cid, profile, entry, rt, w, h, flags, _ = struct.unpack("<8I", p)
            self.codecs[cid] = dict(profile=profile, entrypoint=entry, rt_format=rt, width=w,
                                    height=h)
            self.log_line(dict(event="create_codec", **self.codecs[cid]))
            self.reply(op, rid, OK)
        elif op in (OP["SYNC_SURFACE"], OP["QUERY_SURFACE"]):
            self.reply(op, rid, OK, struct.pack("<Ii", 1, 0))
        elif op == OP["GET_IMAGE"]:
            f = struct.unpack_from("<6I8I2IQQ", p)
            w, h, pitches, offsets = f[3], f[4], f[8:11], f[11:14]
            loc, size = f[14], f[17]
            if loc == 1:
                self.reply(op, rid, OK, struct.pack("<Q", size))
            else:
                need = max(offsets[0] + pitches[0] * h, offsets[1] + pitches[1] * (h // 2))
                self.reply(op, rid, OK, struct.pack("<Q", need) + bytes(need))
        elif op == OP["PUT_IMAGE"]:
            sid = struct.unpack_from("<I", p)[0]
            self.reply(op, rid, OK if sid in self.surfaces else INVALID_ID)
        elif op == OP["BEGIN_FRAME"]:
            cid, sid = struct.unpack("<II", p)
            ok = cid in self.codecs and sid in self.surfaces and cid not in self.frame
            if ok:
                self.frame[cid] = dict(surface=sid)
            self.reply(op, rid, OK if ok else STATE)
        elif op == OP["ENCODE_BITSTREAM"]:
            if len(p) != 152:
                return self.reply(op, rid, MALFORMED, msg="size %d" % len(p))
            cid, codec, flags, res = struct.unpack_from("<4I", p)
            seq = dict(zip(SEQ_FIELDS, struct.unpack_from(SEQ_FMT, p, 16)))
            pic = dict(zip(PIC_FIELDS, struct.unpack_from("<4I", p, 104)))
            loc, _, off, size = struct.unpack_from("<IIQQ", p, 128)
            if cid not in self.frame:
                return self.reply(op, rid, STATE)
            self.frame[cid].update(codec=codec, seq=seq, pic=pic, coded=(loc, off, size))
            self.reply(op, rid, OK)
        elif op == OP["END_FRAME"]:
            cid = struct.unpack_from("<I", p)[0]
            fr = self.frame.pop(cid, None)
            if fr is None or "pic" not in fr:
                return self.reply(op, rid, STATE, struct.pack("<QIIII", 0, 0, 0, 0, 0))
            n = self.pictures
            self.pictures += 1
            pic = fr["pic"]
            w, h, fourcc = self.surfaces[fr["surface"]]
            text = ("picture %d type %d order %d " % (n, pic["type"], pic["display_order"])).encode()
            coded = b"\0\0\0\x01\x0c" + text * (1 + n % 3)
            loc, off, size = fr["coded"]
            line = dict(event="picture", n=n, codec=fr["codec"], input=[w, h, fourcc],
                        coded_location=loc, coded_capacity=size, size=len(coded), **pic,
                        seq=fr["seq"])
            body = struct.pack("<QIIII", len(coded), 1 if pic["type"] <= 2 else 0, pic["type"],
                               pic["qp"], 0)
            if n == a.limit or len(coded) > size:
                line["status"] = "LIMIT"
                self.log_line(line)
                return self.reply(op, rid, LIMIT, body, "%d bytes do not fit %d" % (len(coded), size))
            if n == a.lie:  # a lying daemon: more bytes than the buffer takes
                body = struct.pack("<QIIII", size + 1, 0, pic["type"], 0, 0)
                line["status"] = "LIE"
            self.log_line(line)
            if loc == 1:
                self.arena[off:off + len(coded)] = coded
                self.reply(op, rid, OK, body)
            else:
                self.reply(op, rid, OK, body + coded)
        else:
            self.reply(op, rid, UNKNOWN_OPCODE, msg="fake_encoder: opcode %d" % op)

    def log_line(self, obj):
        with self.log["lock"]:
            self.log["file"].write(json.dumps(obj) + "\n")
            self.log["file"].flush()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--socket", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--minor", type=int, default=3)
    ap.add_argument("--l0", type=int, default=1)
    ap.add_argument("--slices", type=int, default=1)
    ap.add_argument("--quality", type=int, default=0)
    ap.add_argument("--limit", type=int, default=-1)
    ap.add_argument("--lie", type=int, default=-1)
    args = ap.parse_args()
    log = dict(file=open(args.log, "a"), lock=threading.Lock())
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(args.socket)
    srv.listen(8)
    print("ready", flush=True)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=Session(conn, args, log).run, daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
