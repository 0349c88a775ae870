"""Every case of every step's case files (fixtures/cases/, format in its README.md), checked the
same way: exact output, noop, replay, idempotence, protected spans, Han and Latin accounting."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from cleaner import Document, Options
from cleaner.document import Edit
from cleaner.pipeline import STEP_NAMES
from cleaner.steps.spacing import spacing

from .cases import CASES, Case, all_cases, check_case, ids, sample_text

ALL = all_cases()


@pytest.mark.parametrize("case", ALL, ids=ids(ALL))
def test_case(case: Case) -> None:
    check_case(case)


@pytest.mark.parametrize("step", STEP_NAMES)
def test_every_step_has_fixes_and_noops(step: str) -> None:
    files = [p.name for p in (CASES / step).glob("*.txt")]
    assert any(name.startswith("noop") for name in files), f"{step}: no noop cases"
    assert any(not name.startswith("noop") for name in files), f"{step}: no fix cases"


def test_sample_fragments_are_verbatim() -> None:
    """A case that says it comes from a sample really is a piece of that sample."""
    for case in ALL:
        if case.sample is not None:
            assert case.input in sample_text(case.sample), case.id


# --- the checker fails a wrong step -----------------------------------------------------------

URL_CASE = Case("spacing", "a URL", "他用 Llama 模型，见https://example.com/a", "他用Llama模型，见https://example.com/a", {}, {}, "spacing/-")


def _spacing(doc: Document) -> Document:
    return spacing(doc, Options())


def _unrecorded(doc: Document) -> Document:
    """Right output, no change record."""
    return doc.replace(body=_spacing(doc).body)


def _into_the_url(doc: Document) -> Document:
    """Right output and records, plus a letter of the URL changed and changed back."""
    doc = _spacing(doc).replace(spans=None)  # so `Document.edit` does not refuse the cut itself
    at = doc.body.index("example")
    doc = doc.edit("spacing", [Edit(at, at + 1, "E", "x")])
    return doc.edit("spacing", [Edit(at, at + 1, "e", "x")])


def _twice_different(doc: Document) -> Document:
    """Right output the first time, then more on every run."""
    if " " in doc.body:
        return _spacing(doc)
    return doc.edit("spacing", [Edit(len(doc.body), len(doc.body), "。", "x")])


def test_the_case_passes_with_the_real_step() -> None:
    check_case(URL_CASE)


@pytest.mark.parametrize(
    ("step", "problem"),
    [(_unrecorded, "do not replay"), (_into_the_url, "cuts into the inline-url span"), (_twice_different, "running the step again")],
)
def test_the_checker_fails_a_wrong_step(step: Callable[[Document], Document], problem: str) -> None:
    with pytest.raises(AssertionError, match=problem):
        check_case(URL_CASE, step)


def test_the_checker_fails_a_noop_case_that_records_a_change() -> None:
    noop = URL_CASE._replace(expected=None, input="他用Llama模型")
    with pytest.raises(AssertionError, match="noop case has change records"):
        check_case(noop, lambda doc: doc.edit("spacing", [Edit(0, 1, "你", "x")]).edit("spacing", [Edit(0, 1, "他", "x")]))
