#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_link into fuzz/corpus_link/.

Each seed is the byte stream QEMU's virtio-serial chardev delivers to vivacd
on a VM's control socket (fuzz/fuzz_link.c): link chunks
("VVLK" | u32 length | u64 nonce | payload, src/transport/channel.h) carrying
the message streams of guest processes, one nonce per process, and the ways
such a stream breaks: garbage, EOF inside a header or a payload, a new
process in the middle of a message, a connection that starts mid-chunk.
The message streams are those of fuzz/make_seeds.py (fuzz_session's seeds)
and two recorded ffmpeg sessions of fuzz/corpus, without the harness-only
FUZZ_OP_ARENA_WRITE messages.
Usage: python3 fuzz/make_link_seeds.py [OUTDIR]   (default: fuzz/corpus_link)
"""
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_seeds  # noqa: E402

MAGIC = 0x4B4C5656  # "VVLK"
MAX_PAYLOAD = 32 * 1024 - 16
HERE = os.path.dirname(os.path.abspath(__file__))


def chunk(nonce, payload, length=None):
    n = len(payload) if length is None else length
    return struct.pack("<IIQ", MAGIC, n, nonce) + payload


def messages(stream):
    """Splits a fuzz_session stream into messages, dropping arena writes."""
    out, pos = [], 0
    while len(stream) - pos >= 16:
        op, n = struct.unpack_from("<II", stream, pos)
        end = min(pos + 16 + n, len(stream))
        if op != make_seeds.FUZZ_OP_ARENA_WRITE:
            out.append(bytes(stream[pos:end]))
        pos = end
    return out


def process(nonce, stream, split=MAX_PAYLOAD):
    """A guest process: each message sent as the link client does (chunks of
    at most `split` payload bytes)."""
    out = bytearray()
    for m in messages(stream):
        for i in range(0, len(m), split):
            out += chunk(nonce, m[i:i + split])
    return bytes(out)


def garbage(n, seed=7):
    out, x = bytearray(), seed
    for _ in range(n):
        x = (x * 1103515245 + 12345) & 0xFFFFFFFF
        b = (x >> 16) & 0xFF
        out.append(ord("v") if b == ord("V") else b)
    return bytes(out)


def seeds():
    ms = {name: bytes(st.out) for name, st in make_seeds.seeds().items()}
    caps = ms["01_hello_caps"]
    s = {}
    s["01_one_session"] = process(1, caps)
    s["02_two_processes"] = process(1, caps) + process(2, ms["02_create_surface"])
    s["03_decode_small_chunks"] = process(3, ms["04_decode_inline"], split=100)
    s["04_put_get_image"] = process(4, ms["06_put_get_image"])
    # A process killed in the middle of a message; the next one starts.
    half = process(5, ms["08_disconnect_mid_frame"], split=1000)
    s["05_new_process_mid_message"] = half[:len(half) - 1500] + process(6, caps)
    # Garbage inside a session: its later chunks are skipped, the next
    # process is served.
    s["06_garbage_mid_session"] = (process(7, caps) + garbage(37) +
                                   process(7, ms["03_create_codec"]) + process(8, caps))
    s["07_garbage_eof"] = garbage(300)
    s["08_session_garbage_eof"] = process(9, caps) + garbage(40)
    s["09_eof_mid_header"] = process(10, caps) + garbage(20) + chunk(11, b"", 100)[:9]
    s["10_eof_mid_payload"] = process(12, caps) + chunk(12, b"\0" * 10, 1000)
    # A chardev that reconnected in the middle of a chunk.
    s["11_starts_mid_chunk"] = bytes([0x11]) * 200 + process(13, caps)
    s["12_empty_chunks"] = (chunk(14, b"") + process(14, caps, split=7) + chunk(14, b"") +
                            chunk(15, b"") + process(16, caps))
    s["13_errors_then_process"] = process(17, ms["07_errors"]) + process(18, caps)
    s["14_short_garbage_before_chunk"] = garbage(5) + process(19, caps)
    for i, name in enumerate(("10_ffmpeg_vp9", "14_ffmpeg_mjpeg_restart")):
        with open(os.path.join(HERE, "corpus", name), "rb") as f:
            s["%d_%s" % (15 + i, name[3:])] = process(20 + i, f.read(), split=4096)
    return s


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "corpus_link")
    os.makedirs(outdir, exist_ok=True)
    for name, data in seeds().items():
        with open(os.path.join(outdir, name), "wb") as f:
            f.write(data)
        print(f"{name}: {len(data)} bytes")


if __name__ == "__main__":
    main()
