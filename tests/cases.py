"""Table-driven cases: the case files of fixtures/cases/<step>/ (format in
fixtures/cases/punctuation/README.md), shared by every step's tests."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import NamedTuple

import regex

from cleaner import Document

from .conftest import FIXTURES
from .helpers import assert_idempotent, assert_replays, run_step

CASES = FIXTURES / "cases"
SAMPLES = FIXTURES / "samples"


class Case(NamedTuple):
    title: str
    input: str
    expected: str | None
    path: str

    @property
    def sample(self) -> str | None:
        m = regex.match(r"\[sample:([\w-]+)\]", self.title)
        return m.group(1) if m else None


def read_cases(path: Path) -> list[Case]:
    """Cases of a table file (format in fixtures/cases/punctuation/README.md)."""
    noop = path.name == "noop.txt"
    lines = path.read_text(encoding="utf-8").split("\n")
    cases: list[Case] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip() or line.startswith("%"):
            i += 1
            continue
        title = line
        assert lines[i + 1] == ".", f"{path.name}: no '.' after title {title!r}"
        blocks: list[list[str]] = []
        i += 2
        for _ in range(1 if noop else 2):
            block: list[str] = []
            while lines[i] != ".":
                block.append(lines[i])
                i += 1
            blocks.append(block)
            i += 1
        cases.append(Case(title, "\n".join(blocks[0]), None if noop else "\n".join(blocks[1]), path.name))
    return cases


def sample_text(name: str) -> str:
    """The text of the sample a `[sample:NAME]` title names (`interview` for interview-footer-promos.txt)."""
    (path,) = [p for p in SAMPLES.iterdir() if p.name.startswith(name + "-") or p.stem == name]
    return path.read_text(encoding="utf-8")


def _ids(cases: list[Case]) -> list[str]:
    return [f"{c.path}:{c.title[:60]}" for c in cases]


# --- the checks every step's case table gets ------------------------------------------------


def assert_fixes(step: Callable[[Document], Document], case: Case) -> None:
    """The step turns the case's input into its expected text, replayably, and is then done."""
    before, after = run_step(step, case.input)
    assert after.body == case.expected
    assert_replays(before, after)
    assert_idempotent(step, after)


def assert_leaves_alone(step: Callable[[Document], Document], case: Case) -> None:
    """A "must not change" case: no change at all, not even one undone later."""
    before, after = run_step(step, case.input)
    assert after.body == before.body
    assert after.changes == ()


def assert_fragments_verbatim(cases: Iterable[Case]) -> None:
    """A case that says it comes from a sample really is a piece of that sample."""
    for case in cases:
        if case.sample is not None:
            assert case.input in sample_text(case.sample), case.title
