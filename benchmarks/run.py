"""Throughput of the pipeline, of each step, and of the anchors, measured in one run.

    .venv/bin/python benchmarks/run.py            # 20 MB corpus
    .venv/bin/python benchmarks/run.py --mb 40

The corpus is the four samples in fixtures/samples/ repeated as separate documents until it
reaches the size asked for. Each step is timed on the documents as the steps before it left
them, so step times add up to the pipeline's. The anchors run over the same bodies:
ftfy.fix_text with its defaults, the official OpenCC binding (t2s), and autocorrect-py's
format. Results are MB/s of UTF-8 input, and each of ours as a ratio to each anchor.

This is a benchmark, not a test: it asserts nothing about time.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import cleaner  # noqa: E402
from cleaner.pipeline import STEP_NAMES, Options, load_step  # noqa: E402


def corpus(megabytes: float) -> list[bytes]:
    samples = [p.read_bytes() for p in sorted((ROOT / "fixtures" / "samples").iterdir()) if p.name != "README.md"]
    docs: list[bytes] = []
    size = 0
    while size < megabytes * 1_000_000:
        for sample in samples:
            docs.append(sample)
            size += len(sample)
    return docs


def timed(func: Callable[[], object]) -> float:
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=float, default=20.0, help="corpus size in MB (default 20)")
    args = parser.parse_args()

    docs = corpus(args.mb)
    total_mb = sum(len(d) for d in docs) / 1_000_000
    texts = [d.decode("utf-8") for d in docs]
    print(f"corpus: {len(docs)} documents, {total_mb:.1f} MB; {date.today()}; "
          f"{platform.processor() or platform.machine()}, Python {platform.python_version()}")

    options = Options()
    steps = [(name, partial(load_step(name), options=options)) for name in STEP_NAMES]
    step_seconds = {name: 0.0 for name, _ in steps}
    parse_seconds = 0.0
    start_all = time.perf_counter()
    for raw in docs:
        t0 = time.perf_counter()
        doc = cleaner.Document.parse(raw)
        parse_seconds += time.perf_counter() - t0
        for name, step in steps:
            t0 = time.perf_counter()
            doc = step(doc)
            step_seconds[name] += time.perf_counter() - t0
        cleaner.render(doc)
    pipeline_seconds = time.perf_counter() - start_all

    results: dict[str, float] = {"pipeline (parse + all steps + render)": total_mb / pipeline_seconds}
    results["parse (decode + front matter)"] = total_mb / parse_seconds
    for name, seconds in step_seconds.items():
        built = getattr(sys.modules[f"cleaner.steps.{name}"], "BUILT", True)
        label = f"step {name}" + ("" if built else " (not built: identity)")
        results[label] = total_mb / seconds if seconds else float("inf")

    anchors: dict[str, float] = {}
    try:
        import ftfy

        anchors["ftfy.fix_text (defaults)"] = total_mb / timed(lambda: [ftfy.fix_text(t) for t in texts])
    except ImportError:
        print("ftfy not installed: anchor skipped")
    try:
        from cleaner.opencc_backend import backend, converter

        t2s = converter("t2s")
        anchors[f"OpenCC t2s ({backend()})"] = total_mb / timed(lambda: [t2s.convert(t) for t in texts])
    except Exception as error:  # noqa: BLE001 - a missing anchor is reported, not fatal
        print(f"OpenCC anchor skipped: {error}")
    try:
        import autocorrect_py

        anchors["autocorrect-py format"] = total_mb / timed(lambda: [autocorrect_py.format(t) for t in texts])
    except ImportError:
        print("autocorrect-py not installed (pip install -e '.[bench]'): anchor skipped")

    width = max(len(k) for k in [*results, *anchors]) + 2
    print(f"\n{'ours':<{width}}{'MB/s':>10}" + "".join(f"{'vs ' + a.split(' ')[0]:>16}" for a in anchors))
    for label, rate in results.items():
        ratios = "".join(f"{rate / a:>15.2f}x" for a in anchors.values())
        print(f"{label:<{width}}{rate:>10.2f}{ratios}")
    print(f"\n{'anchors':<{width}}{'MB/s':>10}")
    for label, rate in anchors.items():
        print(f"{label:<{width}}{rate:>10.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
