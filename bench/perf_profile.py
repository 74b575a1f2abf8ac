"""Profiles li_infer from C with perf: samples bench_c (the (b) contender)
only while it serves timed calls, then prints Markdown tables of where the
time goes, by shared object and by symbol. Used by bench/profile.sh.

  perf_profile.py <bench_c> <model> <data> <number column> <case> <batch> <seconds> <out prefix>
"""
import os
import signal
import subprocess
import sys
import time


def main():
    exe, model, data, num, case, batch, secs, prefix = sys.argv[1:9]
    batch, secs = int(batch), float(secs)
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    p = subprocess.Popen([exe, model, data, num], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
    assert p.stdout.readline().startswith("ready")
    for _ in range(3):  # warm the executor for this batch size
        p.stdin.write("lat %s %d 20\n" % (case, batch))
        p.stdin.flush()
        p.stdout.readline()
    perf = subprocess.Popen(["perf", "record", "-F", "1999", "-g", "-p", str(p.pid), "-o", prefix + ".data"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    t0 = time.time()
    calls = 0
    while time.time() - t0 < secs:
        p.stdin.write("lat %s %d 20\n" % (case, batch))
        p.stdin.flush()
        p.stdout.readline()
        calls += 20
    perf.send_signal(signal.SIGINT)
    perf.wait()
    p.stdin.write("quit\n")
    p.stdin.flush()
    p.wait()

    def report(*extra):
        out = subprocess.run(["perf", "report", "-i", prefix + ".data", "--stdio", "--no-children", "-g", "none",
                              "--percent-limit", "0.5"] + list(extra), capture_output=True, text=True).stdout
        rows = []
        for ln in out.splitlines():
            ln = ln.strip()
            if not ln or ln.startswith("#") or "%" not in ln:
                continue
            pct, _, rest = ln.partition("%")
            try:
                rows.append((float(pct), " ".join(rest.split())))
            except ValueError:
                pass
        return rows

    mode = "TorchScript stages" if case.endswith("-ts") else "default stages"
    print("#### perf: li_infer from C, JSON, batch %d, %s (%d calls)\n" % (batch, mode, calls))
    print("By shared object (self time):\n")
    print("| % | object |")
    print("|---:|---|")
    for pct, name in report("--sort", "dso")[:12]:
        print("| %.1f | %s |" % (pct, name))
    print("\nTop symbols outside libtorch (libludwiginfer.so: Go and cgo; libc: malloc, memcpy, string work):\n")
    print("| % | object | symbol |")
    print("|---:|---|---|")
    n = 0
    for pct, name in report("--sort", "dso,sym"):
        if "libtorch" in name or "libc10" in name:
            continue
        parts = name.split(None, 2)
        obj = parts[0] if parts else ""
        sym = parts[2] if len(parts) > 2 else name
        print("| %.1f | %s | `%s` |" % (pct, obj, sym.replace("|", "\\|")))
        n += 1
        if n >= 20:
            break
    print()


if __name__ == "__main__":
    main()
