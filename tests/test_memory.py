"""Memory: one document's peak allocation grows with its size by a bounded factor (issue 21).

Measured with `tracemalloc` around `process(bytes)`, after a first run has loaded the tables and
compiled the rules: the peak for a large input, less the peak for a tiny one (the fixed cost),
divided by the input's size in bytes. A ratio, not an absolute figure, so the test does not
depend on the machine. Before the fix, at this size: the table 38×, short lines 27×, distinct
short lines 27× (the per-line lookups and position cache of `boilerplate`, the whole text
normalised in one piece, the line tables alive while the change records were made); after it
19×, 23× and 23×. What is left is mostly the change records themselves (docs/performance.md).
"""

from __future__ import annotations

import gc
import tracemalloc

import pytest

from cleaner import Pipeline, process

NOW = "2026-01-01T00:00:00+00:00"
SIZE = 300_000  # bytes of UTF-8: large enough that the per-line cost dwarfs the fixed one

# Text written for these tests. Each gives about `n` bytes of UTF-8.
SHAPES = {
    # Every row the same and no delimiter row: `boilerplate` removes each as a repeated line.
    "a Markdown table": (lambda n: "| 名称 | value | 数字 |\n" * (n // 28), 22.0),
    # One paragraph of short lines: `paragraphs` breaks every one (a change record per line,
    # about 200 bytes with its line and offset, is ten times a 19-byte line on its own).
    "short lines": (lambda n: "短行一句话。\n" * (n // 19), 25.0),
    # Distinct lines, so that nothing is shared between repeats.
    "distinct short lines": (lambda n: "".join(f"第{i}行文字。\n" for i in range(n // 20)), 25.0),
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
