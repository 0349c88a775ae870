"""Scale: a JSON Lines corpus through the command line with -j 1, -j 2 and a local Dask cluster.

    .venv/bin/python benchmarks/scale_bench.py                 # 200 MB and 400 MB corpora
    .venv/bin/python benchmarks/scale_bench.py --mb 50 --no-big --no-dask

The corpus is built from the four samples in fixtures/samples/: each record is one sample's
text with its number appended (so no two documents are the same), plus an id, a URL and a
non-ASCII field that must come through untouched. Each run is the real command,

    cleaner --jsonl corpus.jsonl -o out.jsonl -j N -q

timed from start to exit (so worker start-up is included), while a sampler adds up the
resident memory of the command and all its child processes every 50 ms; the peak of that sum
is reported (shared pages count once per process, so it overstates the true total). The CPU
time of the whole process tree is taken from the kernel's accounting of reaped children, and
the command's own CPU time (the part that does not spread over workers) from the sampler. The
outputs of every run are compared byte for byte.

This is a benchmark, not a test: it asserts nothing about time. Other work on the machine
skews the wall-clock numbers (the load average before each run is printed with them); the
speed-up estimated from CPU time is what two idle cores would give.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

import psutil  # installed with dask[distributed]; `pip install psutil` otherwise

ROOT = Path(__file__).resolve().parent.parent


def build_corpus(path: Path, megabytes: float) -> tuple[int, int]:
    """Write records until the file holds `megabytes` MB; returns (records, bytes)."""
    samples = [(p.name, p.read_text(encoding="utf-8")) for p in sorted((ROOT / "fixtures" / "samples").iterdir()) if p.name != "README.md"]
    size = records = 0
    with open(path, "wb") as out:
        while size < megabytes * 1_000_000:
            name, text = samples[records % len(samples)]
            record = {"id": records, "url": f"https://example.com/a/{records}", "source": name, "site": "示例网", "text": f"{text}\n\n（第{records}篇）\n"}
            line = (json.dumps(record, ensure_ascii=False) + "\n").encode()
            out.write(line)
            size += len(line)
            records += 1
    return records, size


@dataclasses.dataclass
class Measured:
    seconds: float  # wall time, start to exit
    peak_mb: float  # peak of the summed RSS of the command and its children
    cpu: float  # CPU seconds (user + system) of the command and every process it started
    parent_cpu: float  # CPU seconds of the command's own process: the part that does not spread
    code: int


def measure(args: list[str]) -> Measured:
    """Run the command, sampling the memory of its process tree every 50 ms."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    parent_cpu = 0.0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak, parent_cpu
        try:
            root = psutil.Process(proc.pid)
        except psutil.NoSuchProcess:
            return
        while not done.is_set():
            total = 0
            try:
                times = root.cpu_times()
                parent_cpu = times.user + times.system
                for process in [root, *root.children(recursive=True)]:
                    try:
                        total += process.memory_info().rss
                    except psutil.NoSuchProcess:
                        pass
            except psutil.NoSuchProcess:
                break
            peak = max(peak, total)
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - usage.ru_utime) + (after.ru_stime - usage.ru_stime)
    if proc.returncode != 0:
        print(f"  exit {proc.returncode}: {err.decode(errors='replace').strip()[:500]}")
    return Measured(seconds, peak / 1e6, cpu, parent_cpu, proc.returncode)


def wait_for_quiet(limit: float, most: float) -> None:
    """Wait (up to `most` seconds) until the 1-minute load average falls below `limit`."""
    deadline = time.monotonic() + most
    while os.getloadavg()[0] >= limit and time.monotonic() < deadline:
        time.sleep(5)


def digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:16]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=float, default=200.0, help="corpus size in MB (default 200)")
    parser.add_argument("--big-mb", type=float, default=400.0, help="second corpus, for memory only (default 400)")
    parser.add_argument("--no-big", action="store_true", help="skip the second corpus")
    parser.add_argument("--no-dask", action="store_true", help="skip the Dask local run")
    parser.add_argument("--preset", default="house", help="pipeline preset (default house)")
    parser.add_argument("--quiet-load", type=float, default=0.0, help="before each run, wait for the load average to fall below this")
    parser.add_argument("--quiet-wait", type=float, default=600.0, help="but wait at most this many seconds (default 600)")
    parser.add_argument("--workdir", type=Path, help="where corpora and outputs go (default: a temporary folder, removed)")
    args = parser.parse_args()

    work = args.workdir or Path(tempfile.mkdtemp(prefix="cleaner-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    cleaner = [sys.executable, "-m", "cleaner", "--jsonl", "--preset", args.preset, "-q"]
    print(f"{date.today()}; {platform.processor() or platform.machine()}, {psutil.cpu_count()} CPUs, Python {platform.python_version()}; "
          f"load average at start {os.getloadavg()[0]:.2f}")
    try:
        corpus = work / "corpus.jsonl"
        records, size = build_corpus(corpus, args.mb)
        mb = size / 1e6
        print(f"corpus: {records} records, {mb:.1f} MB (preset {args.preset})\n")
        rows: list[tuple[str, float, Measured, str]] = []

        def run(label: str, extra: list[str], source: Path, megabytes: float) -> Measured:
            out = work / f"out-{len(rows)}.jsonl"
            if args.quiet_load:
                wait_for_quiet(args.quiet_load, args.quiet_wait)
            load = os.getloadavg()[0]
            m = measure([*cleaner, str(source), "-o", str(out), *extra])
            rows.append((label, megabytes, m, digest(out) if m.code == 0 else f"exit {m.code}"))
            print(f"  {label:<24}{megabytes:>7.1f} MB {m.seconds:>7.1f} s {megabytes / m.seconds:>6.2f} MB/s"
                  f"  peak RSS {m.peak_mb:>4.0f} MB  CPU {m.cpu:>6.1f} s (parent {m.parent_cpu:>5.1f} s)  load before {load:.1f}")
            out.unlink(missing_ok=True)
            return m

        one = run("-j 1", ["-j", "1"], corpus, mb)
        two = run("-j 2", ["-j", "2"], corpus, mb)
        if not args.no_dask:
            run("--dask local -j 2", ["--dask", "local", "-j", "2"], corpus, mb)
        if not args.no_big:
            big = work / "corpus-big.jsonl"
            _, big_size = build_corpus(big, args.big_mb)
            corpus.unlink()
            run("-j 2 (larger corpus)", ["-j", "2"], big, big_size / 1e6)
        print(f"\nspeed-up -j 2 over -j 1, wall clock: {one.seconds / two.seconds:.2f}x")
        # With two idle cores the -j 2 run takes at least half its CPU time, and at least the
        # parent's own CPU time (reading, handing out chunks, writing), whichever is longer.
        bound = max(two.cpu / 2, two.parent_cpu)
        print(f"speed-up -j 2 over -j 1, from CPU time on 2 idle cores: {one.cpu / bound:.2f}x "
              f"(-j 2 used {two.cpu / one.cpu:.2f}x the CPU of -j 1)")
        same = len({r[3] for r in rows if r[1] == mb}) == 1
        print(f"outputs of the {args.mb:.0f} MB runs identical: {same} ({', '.join(r[3] for r in rows if r[1] == mb)})")
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
