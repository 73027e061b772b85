#!/usr/bin/env python3
"""Talks to mpv's JSON IPC socket (--input-ipc-server) for the e2e tests.

usage: mpv_ipc.py SOCKET wait-eof   waits (30 s at most) until the file
                                    played to its end (eof-reached; with
                                    --keep-open the last frame stays shown)
       mpv_ipc.py SOCKET quit       asks mpv to quit
Exits 0, or 1 saying why."""
import json
import socket
import sys
import time


def connect(path, deadline):
    while True:
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(path)
            return s
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def request(sock, stream, command):
    sock.sendall((json.dumps({"command": command, "request_id": 1}) + "\n").encode())
    for line in stream:
        msg = json.loads(line)
        if msg.get("request_id") == 1:
            return msg
    raise OSError("mpv closed the socket")


def main():
    path, what = sys.argv[1], sys.argv[2]
    deadline = time.monotonic() + 30
    sock = connect(path, deadline)
    stream = sock.makefile("r")
    if what == "quit":
        request(sock, stream, ["quit", 0])
        return 0
    while time.monotonic() < deadline:
        if request(sock, stream, ["get_property", "eof-reached"]).get("data") is True:
            return 0
        time.sleep(0.1)
    print("mpv did not reach the end of the file in 30 s")
    return 1


if __name__ == "__main__":
    sys.exit(main())
