"""The samples end to end against their golden files (see tests/update_goldens.py)."""

from __future__ import annotations

import pytest

from .update_goldens import CASES, GOLDEN, render_case


@pytest.mark.parametrize("name", sorted(CASES))
def test_sample_matches_golden(name: str) -> None:
    expected = (GOLDEN / name).read_text(encoding="utf-8")
    assert render_case(name) == expected, f"run `python -m tests.update_goldens` and read the diff ({name})"
