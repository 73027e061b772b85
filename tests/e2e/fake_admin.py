#!/usr/bin/env python3
"""A stand-in for vivacd's admin socket and metrics endpoint
(src/host/admin.h), for testing `vivac set` and `vivac top` alone: classes
a and b whose counters grow at known rates since the start (a: 100
pictures/s, 0.25 engine s/s, every wait in (1, 2] ms; b: 300 pictures/s,
0.75 engine s/s, waits in (5, 10] ms), and a set that checks what vivacd
would.

Usage: fake_admin.py --admin PATH [--http-unix PATH] [--tcp-port-file FILE]
       (--tcp-port-file: listen on 127.0.0.1, a free port, written to FILE)
"""
import argparse
import os
import socket
import socketserver
import threading
import time

START = time.monotonic()
BOUNDS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0]
RATES = {  # pictures/s, engine seconds/s, the bucket every wait falls in
    "a": (100.0, 0.25, 0.002),
    "b": (300.0, 0.75, 0.01),
}
policy = {name: {"weight": 1.0, "reserve": 0.0, "limit": 0.0} for name in RATES}
lock = threading.Lock()


def metrics_text():
    t = time.monotonic() - START
    out = [
        "# HELP vivac_engine_slots Pictures on the engine at once.",
        "# TYPE vivac_engine_slots gauge",
        "vivac_engine_slots 2",
        "# TYPE vivac_workers gauge",
        "vivac_workers 2",
    ]

    def family(name, kind, value_of):
        out.append(f"# TYPE {name} {kind}")
        for vm in RATES:
            out.append(f'{name}{{vm="{vm}"}} {value_of(vm)}')

    with lock:
        family("vivac_vm_weight", "gauge", lambda vm: policy[vm]["weight"])
        family("vivac_vm_reservation_macroblocks_per_second", "gauge",
               lambda vm: policy[vm]["reserve"])
        family("vivac_vm_limit_macroblocks_per_second", "gauge", lambda vm: policy[vm]["limit"])
    family("vivac_vm_streams", "gauge", lambda vm: 4)
    family("vivac_vm_queued_pictures", "gauge", lambda vm: 1)
    family("vivac_vm_in_flight_pictures", "gauge", lambda vm: 1)
    pictures = {vm: int(RATES[vm][0] * t) for vm in RATES}
    family("vivac_vm_pictures_total", "counter", lambda vm: pictures[vm])
    family("vivac_vm_decode_errors_total", "counter", lambda vm: 7 if vm == "b" else 0)
    family("vivac_vm_reserved_pictures_total", "counter", lambda vm: 0)
    family("vivac_vm_macroblocks_total", "counter", lambda vm: pictures[vm] * 8160)
    family("vivac_vm_engine_seconds_total", "counter", lambda vm: RATES[vm][1] * t)
    out.append("# TYPE vivac_vm_queue_wait_seconds histogram")
    for vm in RATES:
        bound = RATES[vm][2]
        for le in BOUNDS:
            out.append(f'vivac_vm_queue_wait_seconds_bucket{{vm="{vm}",le="{le}"}} '
                       f'{pictures[vm] if le >= bound else 0}')
        out.append(f'vivac_vm_queue_wait_seconds_bucket{{vm="{vm}",le="+Inf"}} {pictures[vm]}')
        out.append(f'vivac_vm_queue_wait_seconds_sum{{vm="{vm}"}} {pictures[vm] * bound * 0.75}')
        out.append(f'vivac_vm_queue_wait_seconds_count{{vm="{vm}"}} {pictures[vm]}')
    family("vivac_vm_memory_bytes", "gauge", lambda vm: 64 << 20)
    family("vivac_vm_gpu_memory_bytes", "gauge", lambda vm: 0)
    return "\n".join(out) + "\n"


def set_policy(words):
    if len(words) != 3:
        return "error: usage: set CLASS KEY=VALUE[,KEY=VALUE...]"
    cls, text = words[1], words[2]
    with lock:
        if cls not in policy:
            return f"error: no class {cls}"
        new = dict(policy[cls])
        for item in text.split(","):
            key, _, value = item.partition("=")
            if key not in new:
                return f"error: unknown key {key}"
            try:
                new[key] = float(value)
            except ValueError:
                return f"error: {key}={value}: not a number"
        if new["weight"] <= 0:
            return "error: weight must be > 0"
        policy[cls] = new
        r = f"{new['reserve']:.0f}/s" if new["reserve"] > 0 else "-"
        lim = f"{new['limit']:.0f}/s" if new["limit"] > 0 else "-"
        return f"ok {cls} weight={new['weight']:g} reserve={r} limit={lim}"


def read_line(sock):
    data = b""
    while not data.endswith(b"\n") and len(data) < 4096:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data.decode(errors="replace")


class Admin(socketserver.BaseRequestHandler):
    def handle(self):
        line = read_line(self.request).strip()
        if line == "metrics":
            reply = metrics_text()
        elif line.startswith("set "):
            reply = set_policy(line.split()) + "\n"
        else:
            reply = "error: unknown request\n"
        self.request.sendall(reply.encode())


class Http(socketserver.BaseRequestHandler):
    def handle(self):
        head = b""
        while b"\r\n\r\n" not in head and len(head) < 8192:
            chunk = self.request.recv(4096)
            if not chunk:
                break
            head += chunk
        if head.startswith(b"GET /metrics "):
            body = metrics_text().encode()
            self.request.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n"
                                 + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
        else:
            self.request.sendall(b"HTTP/1.0 404 Not Found\r\n\r\nnot found\n")


class UnixServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


class TcpServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--admin", required=True)
    ap.add_argument("--http-unix")
    ap.add_argument("--tcp-port-file")
    args = ap.parse_args()
    servers = [UnixServer(args.admin, Admin)]
    if args.http_unix:
        servers.append(UnixServer(args.http_unix, Http))
    if args.tcp_port_file:
        tcp = TcpServer(("127.0.0.1", 0), Http)
        servers.append(tcp)
        with open(args.tcp_port_file + ".tmp", "w") as f:
            f.write(str(tcp.server_address[1]))
        os.rename(args.tcp_port_file + ".tmp", args.tcp_port_file)
    for s in servers[1:]:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    servers[0].serve_forever()


if __name__ == "__main__":
    main()
