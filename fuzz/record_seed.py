#!/usr/bin/env python3
"""Records a real client's requests as a fuzz_session seed.

Listens on LISTEN_SOCKET, forwards every connection to a running vivacd at
DAEMON_SOCKET, and writes what the client sent into OUT (the messages of all
connections, concatenated). The proxy rewrites the HELLO reply to grant no
arena (and drops the memfd), so the client sends every byte inline and the
recording is self-contained.

    python3 fuzz/record_seed.py DAEMON_SOCKET LISTEN_SOCKET OUT
    VIVAC_SOCKET=LISTEN_SOCKET ffmpeg -hwaccel vaapi ... small.264
Stops after the first connection ends.
"""
import os
import socket
import struct
import sys
import threading

HDR = struct.Struct("<IIII")
REPLY_BIT = 0x80000000
HELLO = 1


def recv_exact(sock, n):
    buf = bytearray()
    while len(buf) < n:
        data, ancdata, _, _ = sock.recvmsg(n - len(buf), socket.CMSG_SPACE(4 * 4))
        for level, kind, fds in ancdata:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                for i in range(len(fds) // 4):
                    os.close(struct.unpack_from("<i", fds, 4 * i)[0])
        if not data:
            return None
        buf += data
    return bytes(buf)


def read_msg(sock):
    hdr = recv_exact(sock, HDR.size)
    if hdr is None:
        return None
    length = HDR.unpack(hdr)[1]
    payload = recv_exact(sock, length) if length else b""
    if payload is None:
        return None
    return hdr, payload


def client_to_daemon(client, daemon, out):
    while True:
        m = read_msg(client)
        if m is None:
            break
        out.write(m[0] + m[1])
        daemon.sendall(m[0] + m[1])
    daemon.shutdown(socket.SHUT_WR)


def daemon_to_client(daemon, client):
    while True:
        m = read_msg(daemon)
        if m is None:
            break
        hdr, payload = m
        if HDR.unpack(hdr)[0] == (HELLO | REPLY_BIT) and len(payload) >= 8 + 16:
            # vw_status (8) + vw_hello_reply: arena_size at offset 8 of the body.
            payload = payload[:16] + struct.pack("<Q", 0) + payload[24:]
        client.sendall(hdr + payload)
    client.shutdown(socket.SHUT_WR)


def main():
    daemon_path, listen_path, out_path = sys.argv[1:4]
    if os.path.exists(listen_path):
        os.unlink(listen_path)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(listen_path)
    listener.listen(1)
    client, _ = listener.accept()
    daemon = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    daemon.connect(daemon_path)
    with open(out_path, "wb") as out:
        t = threading.Thread(target=daemon_to_client, args=(daemon, client))
        t.start()
        client_to_daemon(client, daemon, out)
        t.join()
    os.unlink(listen_path)


if __name__ == "__main__":
    main()
