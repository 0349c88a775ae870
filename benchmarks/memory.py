"""What one document's peak memory is made of: the whole pipeline, and each step (issue 21).

    .venv/bin/python benchmarks/memory.py                      # every shape, 300 KB
    .venv/bin/python benchmarks/memory.py --kb 1000 --shape table --top 8
    .venv/bin/python benchmarks/memory.py --rss                # peak RSS too (a fresh process each)
    CLEANER_SRC=/work/main/src .venv/bin/python benchmarks/memory.py   # another checkout's code

Figures are ratios to the input's size in UTF-8 bytes, as `tests/test_memory.py` measures them:
`tracemalloc` around `process(bytes)` after a tiny document has loaded the tables and compiled
the rules, less that tiny document's own peak. Per step: the peak during the step over what was
allocated when the run began, and what the step's result keeps (`held`). `--top N` lists the
allocation sites alive at the run's peak (within a twentieth). `--rss`: the growth of the peak resident set size over the warm
process's, in a fresh process per shape (OpenCC's own buffers are seen there, not by tracemalloc).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import tracemalloc
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# CLEANER_SRC: another checkout's `src` to measure (main's, to compare), in this process and the
# fresh ones `--rss` starts.
sys.path.insert(0, os.environ.get("CLEANER_SRC", str(ROOT / "src")))

from cleaner import Document, Pipeline, process  # noqa: E402

NOW = "2026-01-01T00:00:00+00:00"
TINY = "他说:你好\n| a | b |\n短行。\n".encode()


def _articles(size: int) -> str:
    """The samples, one after another, until `size` bytes: one long realistic article."""
    samples = [p.read_text() for p in sorted((ROOT / "fixtures" / "samples").iterdir()) if p.name != "README.md"]
    bodies = [text.split("\n---\n", 1)[-1] if text.startswith("---\n") else text for text in samples]
    out: list[str] = []
    total = 0
    while total < size:
        for body in bodies:
            out.append(body)
            total += len(body.encode())
    return "\n".join(out)


SHAPES: dict[str, Callable[[int], str]] = {
    "table": lambda n: "| 名称 | value | 数字 |\n" * (n // 28),
    "short lines": lambda n: "短行一句话。\n" * (n // 19),
    "a fix per line": lambda n: "他说:你好\n" * (n // 14),
    "distinct lines": lambda n: "".join(f"第{i}行文字。\n" for i in range(n // 20)),
    "articles": _articles,
}


def _warm() -> tuple[Pipeline, int]:
    """A pipeline with its tables loaded and rules compiled (by the samples, which reach every
    step's slow paths), and the peak of a tiny document: the fixed cost, left out."""
    pipeline = Pipeline.default(now=NOW)
    process(TINY, pipeline=pipeline)
    process(_articles(1).encode(), pipeline=pipeline)
    gc.collect()
    tracemalloc.start(25)
    process(TINY, pipeline=pipeline)
    fixed = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return pipeline, fixed


def whole(pipeline: Pipeline, fixed: int, raw: bytes) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        process(raw, pipeline=pipeline)
        return (tracemalloc.get_traced_memory()[1] - fixed) / len(raw)
    finally:
        tracemalloc.stop()


class _PeakWatch:
    """A snapshot of what is alive near the run's peak: checked at every Python function return
    (a profile hook; slow, for diagnosis only), taken anew when the memory alive has grown by
    a twentieth since the last one."""

    def __init__(self) -> None:
        self.best = 0
        self.snapshot: tracemalloc.Snapshot | None = None
        self.where = ""
        self.only: str | None = None

    def install(self, step_name: list[str]) -> Callable[[], None]:
        watch = self

        def hook(frame, event, arg):  # type: ignore[no-untyped-def]
            if event == "return" and (watch.only is None or step_name[0] == watch.only):
                alive = tracemalloc.get_traced_memory()[0]
                if alive > watch.best * 1.05:
                    watch.best = alive
                    watch.snapshot = tracemalloc.take_snapshot()
                    watch.where = f"{step_name[0]}, returning from {frame.f_code.co_name}"

        sys.setprofile(hook)
        return lambda: sys.setprofile(None)


def per_step(pipeline: Pipeline, raw: bytes, top: int, only: str | None = None) -> list[tuple[str, float, float]]:
    rows = []
    gc.collect()
    tracemalloc.start(1)
    base = tracemalloc.get_traced_memory()[0]
    current = [""]
    watch = _PeakWatch()
    watch.only = only
    undo = watch.install(current) if top else (lambda: None)
    try:
        current[0] = "parse"
        tracemalloc.reset_peak()
        doc = Document.parse(raw, path="x.md", protected_terms=pipeline.options.protected_terms)
        doc = doc.replace(disabled_rules=frozenset(pipeline.options.disable_rules))
        rows.append(("parse", (tracemalloc.get_traced_memory()[1] - base) / len(raw),
                     (tracemalloc.get_traced_memory()[0] - base) / len(raw)))
        for name, step in pipeline.steps:
            current[0] = name
            tracemalloc.reset_peak()
            doc = step(doc)
            gc.collect()
            now, peak = tracemalloc.get_traced_memory()
            rows.append((name, (peak - base) / len(raw), (now - base) / len(raw)))
        del doc
    finally:
        undo()
        tracemalloc.stop()
    if top and watch.snapshot is not None:
        print(f"  alive near the peak ({watch.where}), by line:")
        for stat in watch.snapshot.filter_traces([tracemalloc.Filter(False, tracemalloc.__file__)]).statistics("lineno")[:top]:
            frame = stat.traceback[0]
            name = "/".join(Path(frame.filename).parts[-2:])
            print(f"    {stat.size / len(raw):5.1f}×  {stat.count:>9,} blocks  {name}:{frame.lineno}")
    return rows


def rss_growth(shape: str, size: int) -> tuple[float, float]:
    """Peak RSS of a fresh process running one document, over the same process after warming
    up (as a ratio to the input's size), and that peak in MB. Read as `VmHWM` from
    /proc/self/status (Linux): `ru_maxrss` keeps the forking parent's size across `exec`."""
    code = (
        "import sys, json; sys.path.insert(0, sys.argv[1]); import memory as m;"
        "p, _ = m._warm(); raw = m.SHAPES[sys.argv[2]](int(sys.argv[3])).encode();"
        "import gc; gc.collect(); before = m.peak_rss();"
        "m.process(raw, pipeline=p);"
        "print(json.dumps([before, m.peak_rss(), len(raw)]))"
    )
    out = subprocess.run([sys.executable, "-c", code, str(Path(__file__).parent), shape, str(size)],
                         capture_output=True, text=True, check=True).stdout
    before, after, length = json.loads(out)
    return (after - before) / length, after / 1e6


def peak_rss() -> int:
    """This process's peak resident set size in bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise OSError("no VmHWM in /proc/self/status")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kb", type=float, default=300, help="size of each document in KB (default 300)")
    parser.add_argument("--shape", action="append", choices=list(SHAPES), help="only these shapes")
    parser.add_argument("--top", type=int, default=0, help="list the N largest allocation sites at the peak")
    parser.add_argument("--watch", metavar="STEP", help="with --top: the peak within this step only")
    parser.add_argument("--steps", action="store_true", help="per step: peak and what it keeps")
    parser.add_argument("--rss", action="store_true", help="peak RSS growth, in a fresh process")
    args = parser.parse_args()
    size = int(args.kb * 1000)
    pipeline, fixed = _warm()
    for shape in args.shape or list(SHAPES):
        raw = SHAPES[shape](size).encode()
        line = f"{shape:15} {len(raw) / 1e3:8.0f} KB  peak {whole(pipeline, fixed, raw):5.1f}×"
        if args.rss:
            growth, peak = rss_growth(shape, size)
            line += f"  RSS +{growth:4.1f}× (peak {peak:.0f} MB)"
        print(line, flush=True)
        if args.steps or args.top:
            for name, peak, held in per_step(pipeline, raw, args.top, args.watch):
                print(f"    {name:14} peak {peak:5.1f}×  held after {held:5.1f}×")


if __name__ == "__main__":
    main()
