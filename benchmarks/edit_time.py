"""CPU time spent inside `Document.edit`, and the whole pipeline's, on two corpora.

    .venv/bin/python benchmarks/edit_time.py                          # this checkout
    CLEANER_SRC=/work/main/src .venv/bin/python benchmarks/edit_time.py  # another one, to compare

`samples`: the four samples repeated as separate documents (`--mb`, as in benchmarks/run.py);
`lines`: three documents of one shape each (20,000 short lines with a paragraph break each,
20,000 lines with a colon to fix, 10,000 repeated table rows). CPU time, best of `--repeat`.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, os.environ.get("CLEANER_SRC", str(HERE.parent / "src")))

import cleaner  # noqa: E402
from cleaner.document import Document  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    spec = importlib.util.spec_from_file_location("cleaner_bench_profile", HERE / "profile.py")
    assert spec and spec.loader
    profile = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(profile)
    corpora = {
        "samples": profile.samples_corpus(args.mb),
        "lines": [("短行一句话。\n" * 20000).encode(), ("他说:你好\n" * 20000).encode(), ("| 名称 | value | 数字 |\n" * 10000).encode()],
    }
    original = Document.edit
    spent = [0.0]

    def timed(self: Document, *a: Any, **k: Any) -> Document:
        start = time.process_time()
        try:
            return original(self, *a, **k)
        finally:
            spent[0] += time.process_time() - start

    Document.edit = timed  # type: ignore[method-assign]
    pipeline = cleaner.Pipeline.default(now="2026-01-01T00:00:00+00:00")
    print(f"cleaner from {Path(cleaner.__file__).parent.parent}")
    for name, docs in corpora.items():
        best_edit = best_total = float("inf")
        for _ in range(args.repeat):
            spent[0] = 0.0
            start = time.process_time()
            for raw in docs:
                cleaner.process(raw, pipeline=pipeline)
            best_total = min(best_total, time.process_time() - start)
            best_edit = min(best_edit, spent[0])
        print(f"{name:8} pipeline {best_total:6.2f} s  Document.edit {best_edit:6.3f} s ({best_edit / best_total:.1%})")


if __name__ == "__main__":
    main()
