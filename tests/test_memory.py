"""Memory: one document's peak allocation grows with its size by a bounded factor (issue 21).

Measured with `tracemalloc` around `process(bytes)`, after a first run has loaded the tables and
compiled the rules: the peak for a large input, less the peak for a tiny one (the fixed cost),
divided by the input's size in bytes. A ratio, not an absolute figure, so the test does not
depend on the machine.

History, at this size (table, short lines, distinct short lines, a fix on every line): at
first 38×, 27×, 27×, 45× (the per-line lookups and position cache of `boilerplate`, the whole
text normalised in one piece, the line tables alive while the change records were made); then
19×, 23×, 23×, 45×; with the change records kept in columns (`document.ChangeLog`) and the
line tables of `boilerplate` gone before its edits are made, 14×, 11×, 15×, 30×. What is left
is mostly the `boilerplate` step's own per-line tables and its classifier's verdicts, and the
steps' lists of `Edit`s (docs/performance.md, "Memory"; `benchmarks/memory.py` shows it).
"""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Callable

import pytest

from cleaner import Document, Edit, Pipeline, process
from cleaner.document import unapply

NOW = "2026-01-01T00:00:00+00:00"
SIZE = 300_000  # bytes of UTF-8: large enough that the per-line cost dwarfs the fixed one

# Text written for these tests. Each gives about `n` bytes of UTF-8, and the peak it may reach.
SHAPES: dict[str, tuple[Callable[[int], str], float]] = {
    # Every row the same and no delimiter row: `boilerplate` removes each as a repeated line.
    "a Markdown table": (lambda n: "| 名称 | value | 数字 |\n" * (n // 28), 13.0),
    # One paragraph of short lines: `paragraphs` breaks every one (a change per line).
    "short lines": (lambda n: "短行一句话。\n" * (n // 19), 12.5),
    # Distinct lines, so that nothing is shared between repeats.
    "distinct short lines": (lambda n: "".join(f"第{i}行文字。\n" for i in range(n // 20)), 15.0),
    # Two changes on every 14-byte line (`punctuation`'s colon, `paragraphs`' break); the
    # `boilerplate` classifier judges every line of it, one verdict each.
    "a fix on every line": (lambda n: "他说:你好\n" * (n // 14), 30.0),
}


def _peak(pipeline: Pipeline, raw: bytes) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        process(raw, pipeline=pipeline)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.fixture(scope="module")
def pipeline_and_fixed_cost() -> tuple[Pipeline, int]:
    pipeline = Pipeline.default(now=NOW)
    tiny = "他说:你好\n| a | b |\n短行。\n".encode()
    process(tiny, pipeline=pipeline)  # load tables, compile rules
    return pipeline, _peak(pipeline, tiny)


@pytest.mark.parametrize("shape", list(SHAPES))
def test_peak_memory_grows_by_a_bounded_factor(shape: str, pipeline_and_fixed_cost: tuple[Pipeline, int]) -> None:
    pipeline, fixed = pipeline_and_fixed_cost
    make, limit = SHAPES[shape]
    raw = make(SIZE).encode()
    ratio = (_peak(pipeline, raw) - fixed) / len(raw)
    assert ratio < limit, f"{shape}: peak {ratio:.1f}× the input's size (limit {limit}×)"


@pytest.mark.parametrize("shape", list(SHAPES))
def test_a_cleaned_document_holds_a_few_times_its_size(shape: str, pipeline_and_fixed_cost: tuple[Pipeline, int]) -> None:
    """What a `Result` keeps: the output, the input's text and body, and the change records.
    A `Change` tuple per change with its own ints and strings was 200 bytes and more (a
    table 12×, short lines 13×, two fixes a line 33×); in columns a change is 22 bytes."""
    pipeline, _ = pipeline_and_fixed_cost
    raw = SHAPES[shape][0](SIZE).encode()
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        result = process(raw, pipeline=pipeline)
        held = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
    assert len(result.changes) >= len(raw) // 30  # a change on every line at least
    assert held / len(raw) < 8.0, f"{shape}: the result holds {held / len(raw):.1f}× the input's size"


def test_an_edit_on_every_line_costs_little_more_than_the_text() -> None:
    """`Document.edit` alone, one edit per 14-byte line: the new body and the records, not a
    tuple, two ints and a string per change (18× at the peak, 15× kept before the columns)."""
    lines = 20_000
    body = "他说:你好\n" * lines
    size = len(body.encode())
    doc = Document(body=body)
    edits = [Edit(6 * i + 2, 6 * i + 3, "：", "colon") for i in range(lines)]
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        out = doc.edit("punctuation", edits)
        held, peak = (value - base for value in tracemalloc.get_traced_memory())
    finally:
        tracemalloc.stop()
    assert len(out.changes) == lines and unapply(out.body, out.changes) == body
    assert peak / size < 5.0, f"peak {peak / size:.1f}× the text"
    assert held / size < 4.0, f"kept {held / size:.1f}× the text"
