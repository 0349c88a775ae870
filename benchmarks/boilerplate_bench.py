"""Throughput of the `boilerplate` step alone, in MB/s of UTF-8 input.

The corpus is built from the fixtures: the raw samples, the clean post, and the documents in
fixtures/cases/boilerplate/, each run through the `encoding` step first (as in a pipeline), then
repeated until the corpus holds about `--mb` megabytes. The step is timed on every document (CPU
time of this process, so other work on the machine does not count against it); the
best of `--rounds` rounds is reported, so a busy machine understates the speed, never overstates it.

    .venv/bin/python benchmarks/boilerplate_bench.py [--mb 8] [--rounds 3]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from cleaner import Document
from cleaner.pipeline import Options
from cleaner.steps.boilerplate import boilerplate, ruleset
from cleaner.steps.encoding import encoding

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"


def corpus_documents() -> list[Document]:
    paths = [p for p in sorted((FIXTURES / "samples").iterdir()) if p.name != "README.md"]
    raws = [path.read_bytes() for path in paths]
    for path in sorted((FIXTURES / "cases" / "boilerplate").glob("*.txt")):
        raws += [text.encode("utf-8") for text in case_inputs(path.read_text(encoding="utf-8"))]
    docs = []
    for raw in raws:
        doc = encoding(Document.parse(raw))
        docs.append(doc.replace(changes=()))
    return docs


def case_inputs(text: str) -> list[str]:
    """The input section of each case in a case file (format: fixtures/cases/README.md)."""
    inputs = []
    sections = 3 if "%! sections: input expected rules" in text else 1
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        if not lines[i].strip() or lines[i].startswith("%"):
            i += 1
            continue
        i += 2  # the title and its `.`
        end = lines.index(".", i)
        inputs.append("\n".join(lines[i:end]))
        for _ in range(sections):  # skip the input and the sections after it
            i = lines.index(".", i) + 1
    return inputs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=8.0, help="corpus size in megabytes (default 8)")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds; the best is reported")
    args = parser.parse_args()

    base = corpus_documents()
    base_bytes = sum(len(d.body.encode("utf-8")) for d in base)
    copies = max(1, round(args.mb * 1e6 / base_bytes))
    docs = base * copies
    total = base_bytes * copies
    options = Options()
    ruleset()  # parse and compile the rules outside the timing, as check_options does
    boilerplate(base[0], options)

    best = float("inf")
    removed = 0
    for _ in range(args.rounds):
        start = time.process_time()
        removed = 0
        for doc in docs:
            out = boilerplate(doc, options)
            removed += len(out.changes)
        best = min(best, time.process_time() - start)
    print(f"boilerplate: {len(base)} fixture documents x {copies} = {total / 1e6:.1f} MB")
    print(f"  {removed} removals per round; best of {args.rounds} rounds: {best:.2f} s")
    print(f"  throughput: {total / best / 1e6:.1f} MB/s")


if __name__ == "__main__":
    main()
