"""Every case of every step's case files (fixtures/cases/, format in its README.md), checked the
same way: exact output, noop, replay, idempotence, protected spans, Han and Latin accounting."""

from __future__ import annotations

import pytest

from cleaner.pipeline import STEP_NAMES

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
