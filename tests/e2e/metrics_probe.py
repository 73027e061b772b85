#!/usr/bin/env python3
"""Reads vivacd's metrics endpoint on a Unix socket (GET /metrics, HTTP/1.0;
src/host/admin.h) for tests/e2e/qos_admin.sh.

  metrics_probe.py sample SOCK SECONDS OUT
      every 0.25 s for SECONDS: "TIME PICTURES_a PICTURES_b" (TIME: time.time())
  metrics_probe.py check SOCK ADMIN_H VM FRAMES
      parses the text with prometheus_client: every family ADMIN_H lists there
      with its type, counters' samples end in _total, the histogram is whole,
      VM's vivac_vm_pictures_total is at least FRAMES. Exit 1 with the reason.
  metrics_probe.py counts SOCK VM...
      one line: each VM's vivac_vm_pictures_total now (tests/e2e/qos.sh)
  metrics_probe.py gauge ADMIN_SOCK NAME VM
      NAME{vm="VM"}'s value from the admin socket's "metrics" request
      (tests/e2e/config_reload.sh); nothing if it has none
"""
import re
import socket
import sys
import time


def ask(path, request):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(path)
    s.sendall(request)
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    return data


def fetch(path):
    data = ask(path, b"GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n")
    head, _, body = data.partition(b"\r\n\r\n")
    status = head.split(b"\r\n")[0]
    if not re.match(rb"HTTP/1\.[01] 200", status):
        raise RuntimeError(f"metrics endpoint answered {status!r}")
    return body.decode()


PICTURES = re.compile(r'^vivac_vm_pictures_total\{vm="([^"]*)"\} (\S+)$', re.M)


def sample(path, seconds, out):
    end = time.time() + seconds
    with open(out, "w") as f:
        while time.time() < end:
            t = time.time()
            try:
                got = {vm: float(v) for vm, v in PICTURES.findall(fetch(path))}
            except (OSError, RuntimeError):
                got = {}
            if "a" in got and "b" in got:
                f.write(f"{t:.3f} {got['a']:.0f} {got['b']:.0f}\n")
                f.flush()
            time.sleep(max(0.0, t + 0.25 - time.time()))


def families_of(header):
    """admin.h's list of families: name -> type, from its comment."""
    found = dict(re.findall(r"^ \*\s+(vivac_\w+)\s+(gauge|counter|histogram)\b",
                            open(header).read(), re.M))
    if len(found) < 10:
        raise RuntimeError(f"{header}: found only {len(found)} metric families")
    return found


def check(path, header, vm, frames):
    from prometheus_client.parser import text_string_to_metric_families
    text = fetch(path)
    families = {}
    for fam in text_string_to_metric_families(text):  # raises on a malformed line
        families[fam.name] = fam
    bad = []
    for name, kind in families_of(header).items():
        # prometheus_client names a counter's family without _total.
        fam = families.get(name[:-len("_total")] if kind == "counter" else name)
        if fam is None:
            bad.append(f"no family {name}")
            continue
        if fam.type != kind:
            bad.append(f"{name}: type {fam.type}, want {kind}")
        if not fam.samples and name.startswith("vivac_vm_"):
            bad.append(f"{name}: no sample")
        for s in fam.samples:
            if kind == "counter" and not s.name.endswith("_total"):
                bad.append(f"{name}: counter sample {s.name} does not end in _total")
            if name.startswith("vivac_vm_") and "vm" not in s.labels:
                bad.append(f"{s.name}: no vm label")
        if kind == "histogram":
            for v in {s.labels.get("vm") for s in fam.samples}:
                mine = [s for s in fam.samples if s.labels.get("vm") == v]
                inf = [s.value for s in mine if s.name.endswith("_bucket") and s.labels.get("le") == "+Inf"]
                count = [s.value for s in mine if s.name.endswith("_count")]
                if not inf or not count or inf[0] != count[0]:
                    bad.append(f"{name}{{vm={v}}}: +Inf bucket {inf} and _count {count} differ")
    pictures = {s.labels["vm"]: s.value for s in families["vivac_vm_pictures"].samples} \
        if "vivac_vm_pictures" in families else {}
    got = pictures.get(vm, -1)
    print(f"{len(families)} families; {vm}'s vivac_vm_pictures_total {got:.0f}, replay reported {frames}")
    if got < frames:
        bad.append(f"{vm}: vivac_vm_pictures_total {got:.0f} < the {frames} frames its replay reported")
    for b in bad:
        print("FAIL:", b)
    return 1 if bad else 0


if __name__ == "__main__":
    if sys.argv[1] == "sample":
        sample(sys.argv[2], float(sys.argv[3]), sys.argv[4])
    elif sys.argv[1] == "counts":
        got = {vm: float(v) for vm, v in PICTURES.findall(fetch(sys.argv[2]))}
        print(" ".join(f"{got.get(vm, 0):.0f}" for vm in sys.argv[3:]))
    elif sys.argv[1] == "gauge":
        want = '%s{vm="%s"} ' % (sys.argv[3], sys.argv[4])
        for line in ask(sys.argv[2], b"metrics\n").decode().splitlines():
            if line.startswith(want):
                print(line.split()[1])
    elif sys.argv[1] == "check":
        sys.exit(check(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])))
    else:
        sys.exit(f"unknown command {sys.argv[1]}")
