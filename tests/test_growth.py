"""Growth: on hostile shapes of input, ten times the text takes about ten times the time.

Each shape (issue 21) is run at SMALL and at ten times SMALL characters through the whole
pipeline, with each step timed on its own, and then through the paths that read the change
records: the JSON report (`--report`, `--check`), the unified diff (`--diff`) and the audit page.
Linear code takes about 10× the time; code that reads a line or a run once per character takes
about 100×. A test fails when the larger input takes more than LIMIT times as long, three times
running, each the best of two. Times are this process's CPU time (`time.process_time`): on a
machine shared with other jobs the wall clock measured the neighbours, and a shape failed at
random. No absolute time is asserted.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

import pytest

from cleaner import Document, Pipeline, audit, batch, process, report

SMALL = 10_000
# Shapes that every step passes over quickly are measured larger, so that the small run is long
# enough to time.
LARGER = {"spaces between two words", "tabs between two words", "ideographic and plain spaces", "dots", "colons", "a Markdown table"}
LIMIT = 15.0
ATTEMPTS = 3

# Each shape gives about `n` characters. Text written for these tests.
SHAPES: dict[str, Callable[[int], str]] = {
    "spaces between two words": lambda n: "前" + " " * n + "后\n",
    "tabs between two words": lambda n: "前" + "\t" * n + "后\n",
    "ideographic and plain spaces": lambda n: "前" + "\u3000 " * (n // 2) + "后\n",
    "dots": lambda n: "." * n,
    "parentheses": lambda n: "()" * (n // 2),
    "colons": lambda n: ":" * n,
    "smiles in an open parenthesis": lambda n: "(" + ":)" * (n // 2),
    "Han and Latin, no line break": lambda n: ("中文English单词" * (n // 11 + 1))[:n],
    "Han, Latin and marks, no line break": lambda n: ("中文English,单词:好(a)" * (n // 17 + 1))[:n],
    "Latin commas in a Han clause": lambda n: "中文。" + "a,b " * (n // 4),
    "dashes and dots": lambda n: "中" + "--." * (n // 3) + "中",
    "straight quotes": lambda n: "中" + "'a'," * (n // 4),
    "a fix on every line": lambda n: "他说:你好\n" * (n // 6),
    "short lines": lambda n: "短行一句话。\n" * (n // 7),
    "blank lines": lambda n: "开头\n" + "\n" * n + "结尾\n",
    "a Markdown table": lambda n: "| 名称 | value | 数字 |\n" * (n // 20),
    "a list with numbers": lambda n: "- 第1,000项 v1.2.3\n" * (n // 18),
    "minified HTML on one line": lambda n: ('<div class="a"><p>文本 text, 123 <a href="http://x.com/y">链接</a></p></div>' * (n // 70 + 1))[:n],
}

NOW = "2026-01-01T00:00:00+00:00"


def _timed_pipeline(text: str) -> dict[str, float]:
    """Seconds per step (run in pipeline order, each on what the one before left) and per path."""
    pipeline = Pipeline.default(now=NOW)
    times: dict[str, float] = {}

    def timing(name: str, step: Callable[[Document], Document]) -> Callable[[Document], Document]:
        def run(doc: Document) -> Document:
            start = time.process_time()
            result = step(doc)
            times[name] = time.process_time() - start
            return result

        return run

    timed = Pipeline([(name, timing(name, step)) for name, step in pipeline.steps], pipeline.options)
    start = time.process_time()
    result = process(text, pipeline=timed)
    times["pipeline"] = time.process_time() - start
    for name, path in (
        ("report", lambda: report.input_report(result)),
        ("diff", lambda: batch.diff("input.md", result)),
        ("audit", lambda: audit.collect(result)),
    ):
        start = time.process_time()
        path()
        times[name] = time.process_time() - start
    return times


def _ratios(make: Callable[[int], str], size: int) -> dict[str, float]:
    # What the test session has built up (Hypothesis' examples, other tests' documents) is set
    # aside, so the collector's passes over it do not count as this input's time; a run of the
    # command starts with a small heap.
    gc.collect()
    gc.freeze()
    try:
        small = min((_timed_pipeline(make(size)) for _ in range(2)), key=lambda t: t["pipeline"])
        large = min((_timed_pipeline(make(size * 10)) for _ in range(2)), key=lambda t: t["pipeline"])
    finally:
        gc.unfreeze()
    # A step or path that takes under a tenth of the pipeline's time on the small input is
    # measured against that twentieth: below it, fixed costs (a cache, a parser's set-up) and the
    # clock's jitter decide its ratio. A quadratic one still shows: 100× a tenth is 10× the floor, and the pipeline's own ratio grows with it.
    floor = small["pipeline"] / 10
    return {name: large[name] / max(small[name], floor) for name in large}


@pytest.mark.parametrize("shape", list(SHAPES))
def test_ten_times_the_input_takes_about_ten_times_the_time(shape: str) -> None:
    worst: dict[str, float] = {}
    for _ in range(ATTEMPTS):
        ratios = _ratios(SHAPES[shape], SMALL * 5 if shape in LARGER else SMALL)
        worst = {name: ratio for name, ratio in ratios.items() if ratio > LIMIT}
        if not worst:
            return
    pytest.fail(f"{shape}: more than {LIMIT}× the time at 10× the size: " + ", ".join(f"{k} {v:.0f}×" for k, v in worst.items()))


def test_the_shapes_are_the_size_asked_for() -> None:
    for shape, make in SHAPES.items():
        assert SMALL * 0.9 <= len(make(SMALL)) <= SMALL * 1.1 + 10, shape


# --- the linear patterns find what the quadratic ones found ------------------------------------

import regex  # noqa: E402
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from cleaner.steps import encoding, paragraphs  # noqa: E402

spaced = st.text(st.sampled_from(" \t\u3000\nab"), max_size=40)


@given(spaced)
def test_trailing_spaces_are_found_as_before(text: str) -> None:
    before = regex.compile(r"[ \t]+$", regex.M)
    assert [m.span() for m in paragraphs._TRAILING.finditer(text)] == [m.span() for m in before.finditer(text)]


@given(spaced)
def test_ideographic_spaces_are_found_as_before(text: str) -> None:
    before = regex.compile(r"^[\u3000 \t]*\u3000[\u3000 \t]*|[ \t]*\u3000[\u3000 \t]*$|\u3000+", regex.M)
    assert [m.span() for m in encoding._IDEOGRAPHIC_SPACE.finditer(text)] == [m.span() for m in before.finditer(text)]


@given(spaced)
def test_the_blank_tail_is_found_as_before(text: str) -> None:
    """The tail's first newline, as the search `\\n(?:[ \\t]*\\n)*[ \\t]*\\Z` found it."""
    tail = regex.search(r"\n(?:[ \t]*\n)*[ \t]*\Z", text)
    assert text.find("\n", len(text.rstrip(" \t\n"))) == (tail.start() if tail else -1)
    tail_edits = [e for e in paragraphs._blank_line_edits(text, ()) if e.end == len(text) and e.replacement == "\n"]
    if tail and len(text) - tail.start() > 1 and not regex.fullmatch(r"(?:[ \t]*\n)+[ \t]*", text[: tail.start() + 1]):
        assert tail_edits[-1].start == tail.start()


@given(st.lists(st.sampled_from(["<p>", "</p>", "<br/>", "<span class=x>", " ", "\n", "a", "中", ">", "<", "\t", "- ", "，", "1."]), max_size=12).map("".join))
def test_stray_tags_are_read_as_before(text: str) -> None:
    def before(masked: str) -> list[tuple[int, int, str]]:
        found = []
        for m in encoding._STRAY_TAG.finditer(masked):
            start, end = m.span()
            name = regex.match(r"</?\s*([A-Za-z:]+)", m.group()).group(1).lower()  # type: ignore[union-attr]
            line_start = masked.rfind("\n", 0, start) + 1
            line_end = masked.find("\n", end)
            line_end = len(masked) if line_end == -1 else line_end
            before_text, after_text = masked[line_start:start].strip(), masked[end:line_end].strip()
            stray_before = (
                encoding._STRAY_TAG.fullmatch(before_text) is not None
                or not before_text
                or encoding._MARKERS_ONLY.fullmatch(before_text) is not None
            )
            stray_after = not after_text or encoding._STRAY_TAG.match(after_text) is not None
            breaks = name in ("p", "br", "div", "section", "article", "center") and after_text[:1] not in encoding.CLOSING_MARKS
            found.append((start, end, "\n" if breaks and not stray_before and not stray_after else ""))
        return found

    assert [(e.start, e.end, e.replacement) for e in encoding._tag_edits(text)] == before(text)
