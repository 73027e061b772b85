#!/usr/bin/env python3
"""vivac demo: decode a clip through the whole stack and report the figures a
user cares about. Run through scripts/demo.sh."""
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

BUILD = os.path.abspath("build")
# The build tree's, unless VIVACD / VIVAC_DRIVER_DIR name others (as
# `vivac run` takes them): the package test runs the installed files.
VIVACD = os.environ.get("VIVACD") or os.path.join(BUILD, "src/host/vivacd")
DRIVER_DIR = os.environ.get("VIVAC_DRIVER_DIR") or os.path.join(BUILD, "src/guest")
VIVAC = os.path.join(os.path.dirname(VIVACD), "../bin/vivac") if os.environ.get("VIVACD") \
    else os.path.join(BUILD, "tools/vivac")
REPEAT = int(os.environ.get("DEMO_REPEAT", "3"))
ENGINE = os.environ.get("VIVAC_ENGINE", "auto")  # auto: nvdec where it starts, else sw
TICK = os.sysconf("SC_CLK_TCK")


def make_clip(path):
    if os.path.exists(path):
        return
    print(f"making {path} (1920x1080, 60 fps, High profile, 3 B-frames, 8 Mbit/s)...")
    src = subprocess.Popen(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=60",
         "-frames:v", "300", "-pix_fmt", "yuv420p", "-f", "yuv4mpegpipe", "-"],
        stdout=subprocess.PIPE)
    subprocess.run(["x264", "--quiet", "--demuxer", "y4m", "--preset", "veryfast",
                    "--profile", "high", "--bframes", "3", "--b-pyramid", "normal",
                    "--bitrate", "8000", "--keyint", "120", "-o", path + ".tmp", "-"],
                   stdin=src.stdout, check=True, stderr=subprocess.DEVNULL)
    src.wait()
    os.rename(path + ".tmp", path)


def run_measured(cmd, env):
    """Runs cmd, returns (wall seconds, CPU seconds of cmd and its children)."""
    start = time.monotonic()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate()
    wall = time.monotonic() - start
    if proc.returncode != 0:
        sys.stderr.write(err.decode(errors="replace"))
        raise SystemExit(f"command failed: {' '.join(cmd)}")
    return wall, out


def cpu_of_children():
    t = os.times()
    return t.children_user + t.children_system


def proc_stat(pid):
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()  # fields from state on


def daemon_cpu(pid):
    """CPU seconds of vivacd and its workers (each client's decode runs in a
    worker process): its own utime + stime, its reaped children's cutime +
    cstime, and its live children's utime + stime."""
    fields = proc_stat(pid)
    ticks = sum(int(x) for x in fields[11:15])
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            child = proc_stat(entry)
        except OSError:
            continue
        if int(child[1]) == pid:
            ticks += int(child[11]) + int(child[12])
    return ticks / TICK


def hashes(framemd5_text):
    return [l.rsplit(",", 1)[1].strip() for l in framemd5_text.decode().splitlines()
            if l and not l.startswith("#")]


def fmt(values, unit=""):
    med = statistics.median(values)
    return f"{med:8.1f}{unit} ({min(values):.1f}-{max(values):.1f})"


def main():
    clip = sys.argv[1] if len(sys.argv) > 1 else os.path.join(BUILD, "demo_1080p60.264")
    if len(sys.argv) <= 1:
        make_clip(clip)
    tmp = tempfile.mkdtemp(prefix="vivac-demo.")
    procs = []
    try:
        env = dict(os.environ)
        if not os.path.exists("/dev/dri") and not env.get("DISPLAY"):
            for n in range(90, 140):
                if not os.path.exists(f"/tmp/.X11-unix/X{n}"):
                    break
            procs.append(subprocess.Popen(["Xvfb", f":{n}", "-nolisten", "tcp"],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            env["DISPLAY"] = f":{n}"
            for _ in range(50):
                if os.path.exists(f"/tmp/.X11-unix/X{n}"):
                    break
                time.sleep(0.1)
        sock = os.path.join(tmp, "vivacd.sock")
        daemon = subprocess.Popen([VIVACD, "--socket", sock, "--engine", ENGINE, "--log-level", "warn"])
        procs.append(daemon)
        for _ in range(100):
            if os.path.exists(sock):
                break
            time.sleep(0.05)
        venv = dict(env, VIVAC_SOCKET=sock, LIBVA_DRIVER_NAME="vivac", LIBVA_DRIVERS_PATH=DRIVER_DIR)
        info = subprocess.run([VIVAC, "info", "--socket", sock],
                              capture_output=True, text=True).stdout
        engine = next((l.split(":", 1)[1].strip() for l in info.splitlines()
                       if l.strip().startswith("engine:")), "?")

        sw_cmd = ["ffmpeg", "-nostdin", "-v", "error", "-i", clip]
        hw_cmd = ["ffmpeg", "-nostdin", "-v", "error", "-init_hw_device", "vaapi=va:,connection_type=x11",
                  "-hwaccel", "vaapi", "-hwaccel_device", "va", "-hwaccel_output_format", "vaapi",
                  "-i", clip, "-vf", "hwdownload,format=nv12"]

        # Correctness first: every frame's MD5 through vivac == software decode.
        _, ref = run_measured(sw_cmd + ["-pix_fmt", "nv12", "-f", "framemd5", "-"], env)
        _, got = run_measured(hw_cmd + ["-f", "framemd5", "-"], venv)
        ref_h, got_h = hashes(ref), hashes(got)
        frames = len(ref_h)
        same = sum(1 for a, b in zip(ref_h, got_h) if a == b)
        exact = frames > 0 and ref_h == got_h

        # Throughput and CPU, alternating runs so that drift hits both alike.
        sw_fps, sw_cpu, hw_fps, hw_cpu, host_cpu = [], [], [], [], []
        for _ in range(REPEAT):
            c0 = cpu_of_children()
            wall, _ = run_measured(sw_cmd + ["-f", "null", "-"], env)
            sw_fps.append(frames / wall)
            sw_cpu.append((cpu_of_children() - c0) * 1000 / frames)

            c0, d0 = cpu_of_children(), daemon_cpu(daemon.pid)
            wall, _ = run_measured(hw_cmd + ["-f", "null", "-"], venv)
            hw_fps.append(frames / wall)
            hw_cpu.append((cpu_of_children() - c0) * 1000 / frames)
            host_cpu.append((daemon_cpu(daemon.pid) - d0) * 1000 / frames)

        print()
        print(f"clip: {clip} ({frames} frames), vivacd engine: {engine}")
        print(f"bit-exact through vivac: {'yes' if exact else 'NO'} "
              f"({same}/{frames} frame MD5s equal ffmpeg's software decode)")
        print(f"median of {REPEAT} runs (min-max):")
        print(f"  {'':28} {'frames/s':>22} {'client CPU ms/frame':>26} {'host CPU ms/frame':>24}")
        print(f"  {'ffmpeg software, in client':28} {fmt(sw_fps)} {fmt(sw_cpu):>26} {'-':>24}")
        print(f"  {'ffmpeg -hwaccel vaapi, vivac':28} {fmt(hw_fps)} {fmt(hw_cpu):>26} {fmt(host_cpu):>24}")
        print(f"  client CPU per frame, vivac / software: "
              f"{statistics.median(hw_cpu) / statistics.median(sw_cpu):.2f}")
        if engine == "sw":
            print("  (engine sw decodes on the host CPU; `auto` picks nvdec on an NVIDIA host, vaapi on an Intel or AMD one, with sw for what the GPU lacks)")
        return 0 if exact else 1
    finally:
        for p in reversed(procs):
            p.send_signal(signal.SIGTERM)
            p.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
