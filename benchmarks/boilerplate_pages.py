"""Boilerplate removal on real pages: article lines lost, junk recall overall and per kind.

Runs the cleaner in this process over the development set of labelled real pages that lives
outside the repository (`../shared/pages/`, see its README.md: every line labelled keep / junk /
either), and scores the output with that folder's own `score.py` (its fingerprints decide
whether a line survived). Prints, for each setting of `--boilerplate`: keep lines lost, junk
lines removed (overall, per kind of junk and per kind of page), either lines removed, and
every lost keep line (the step's speed is benchmarks/boilerplate_bench.py's). Nothing of the pages is copied into the repository.

    .venv/bin/python benchmarks/boilerplate_pages.py [--pages DIR] [--only encoding,boilerplate]
        [--modes conservative,balanced,aggressive] [-v]

Without the folder it says so and exits 0. The kinds of junk are read from the labels'
free-text reasons by keyword (below), so they are approximate groups, not a second labelling.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

import cleaner
from cleaner import Pipeline

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PAGES = Path(os.environ.get("CLEANER_PAGES", ROOT.parent / "shared" / "pages"))

# Kinds of junk by keywords of a label's reason, first match wins.
JUNK_KINDS = (
    ("title copy", ("duplicate",)),
    ("comments", ("comment",)),
    ("anti-copy noise", ("anti-copy",)),
    ("metadata and counters", ("counter", "metadata", "date", "reading time", "word count", "word-count", "pagination", "number")),
    ("navigation and widgets", ("navigation", "menu", "breadcrumb", "widget", "button", "login", "register", "registration", "archive", "link", "label", "anchor", "glyph", "placeholder", "nav", "header")),
    ("promos, ads and notices", ("promo", "ad", "tagline", "site name", "disclaimer", "notice", "seo", "paywall", "info box", "publication", "related")),
)


def junk_kind(why: str) -> str:
    words = why.lower()
    for kind, keys in JUNK_KINDS:
        if any(key in words for key in keys):
            return kind
    return "other"


PAGE_KINDS = (
    ("forum", ("forum", "ptt")),
    ("content farm / SEO", ("seo", "content", "spam")),
    ("government notice", ("government",)),
    ("Q&A", ("q&a",)),
    ("repost / mirror", ("repost", "mirror", "aggregator", "library")),
    ("news", ("news",)),
    ("blog", ("blog",)),
)


def coarse_page_kind(kind: str) -> str:
    words = kind.lower()
    for name, keys in PAGE_KINDS:
        if any(key in words for key in keys):
            return name
    return "other"


def load_scorer(pages: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("pages_score", pages / "score.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def reasons(pages: Path) -> tuple[dict[tuple[str, int], str], dict[str, str]]:
    import json

    why: dict[tuple[str, int], str] = {}
    page_kind: dict[str, str] = {}
    with open(pages / "labels.jsonl", encoding="utf-8") as f:
        for raw in f:
            if raw.strip():
                record = json.loads(raw)
                page_kind[record["doc"]] = coarse_page_kind(str(record.get("kind", "")))
                for line in record["lines"]:
                    why[record["doc"], line["n"]] = line.get("why", "")
    return why, page_kind


def run(pages: Path, mode: str, only: list[str] | None, verbose: bool) -> dict[str, Any]:
    score = load_scorer(pages)
    docs = score.load()
    why, page_kind = reasons(pages)
    pipeline = Pipeline.default(only=only, boilerplate_mode=mode)
    total: Counter[str] = Counter()
    by_kind: dict[str, Counter[str]] = {}
    by_page: dict[str, Counter[str]] = {}
    lost: list[str] = []
    for doc in docs:
        result = cleaner.process(doc["data"], path=doc["doc"], pipeline=pipeline)
        out = result.markdown
        survived, _ = score.decide(doc["items"], out)
        for item in doc["items"]:
            if not item["fp"]:
                continue
            label = item["label"]
            gone = not survived[item["n"]]
            total[label] += 1
            total[label + " removed"] += gone
            if label == "junk":
                kind = junk_kind(why.get((doc["doc"], item["n"]), ""))
                by_kind.setdefault(kind, Counter()).update({"junk": 1, "removed": int(gone)})
                by_page.setdefault(page_kind[doc["doc"]], Counter()).update({"junk": 1, "removed": int(gone)})
            elif label == "keep" and gone:
                lost.append(f"{doc['doc']} line {item['n']}: {item['text'].strip()[:80]}")
    return {"total": total, "by_kind": by_kind, "by_page": by_page, "lost": lost}


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:5.1f} %" if whole else "    -"


def report(mode: str, figures: dict[str, Any], verbose: bool) -> None:
    total = figures["total"]
    print(f"== --boilerplate {mode}")
    print(f"  keep lines lost:     {total['keep removed']} / {total['keep']}")
    print(f"  junk lines removed:  {total['junk removed']} / {total['junk']}  ({percent(total['junk removed'], total['junk']).strip()})")
    print(f"  either removed:      {total['either removed']} / {total['either']}")
    print("  junk recall by kind of junk:")
    for kind, counts in sorted(figures["by_kind"].items(), key=lambda kv: -kv[1]["junk"]):
        print(f"    {kind:26} {counts['removed']:3} / {counts['junk']:3}  {percent(counts['removed'], counts['junk'])}")
    if verbose:
        print("  junk recall by kind of page:")
        for kind, counts in sorted(figures["by_page"].items(), key=lambda kv: -kv[1]["junk"]):
            print(f"    {kind:26} {counts['removed']:3} / {counts['junk']:3}  {percent(counts['removed'], counts['junk'])}")
    print(f"  lost keep lines ({len(figures['lost'])}):")
    for line in figures["lost"]:
        print(f"    {line}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=Path, default=DEFAULT_PAGES, help="the labelled pages folder (default ../shared/pages)")
    parser.add_argument("--only", help="steps to run (default: the whole default pipeline)")
    parser.add_argument("--modes", default="conservative,balanced,aggressive", help="settings of --boilerplate to measure")
    parser.add_argument("-v", "--verbose", action="store_true", help="also recall by kind of page")
    args = parser.parse_args()
    if not (args.pages / "labels.jsonl").is_file() or not (args.pages / "score.py").is_file():
        print(f"no labelled pages at {args.pages} (set --pages or CLEANER_PAGES); nothing measured")
        return 0
    only = [s.strip() for s in args.only.split(",")] if args.only else None
    for mode in args.modes.split(","):
        report(mode, run(args.pages, mode.strip(), only, args.verbose), args.verbose)
    return 0


if __name__ == "__main__":
    sys.exit(main())
