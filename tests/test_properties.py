"""Properties of the whole pipeline, on generated articles and on arbitrary input."""

from __future__ import annotations

from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

import cleaner
from cleaner import CleanerError, Document, Pipeline
from cleaner.document import unapply
from cleaner.text import HAN_RE

from .strategies import any_text, article

HAN = HAN_RE
PIPELINE = Pipeline.default()


def _clean(raw: str | bytes) -> cleaner.Result | None:
    try:
        return cleaner.process(raw, pipeline=PIPELINE)
    except CleanerError:
        return None


@given(article())
def test_cleaning_twice_equals_cleaning_once(text: str) -> None:
    once = cleaner.clean(text, pipeline=PIPELINE)
    assert cleaner.clean(once, pipeline=PIPELINE) == once


@given(any_text)
def test_idempotent_on_any_text(text: str) -> None:
    result = _clean(text)
    if result is not None:
        again = _clean(result.markdown)
        assert again is not None and again.markdown == result.markdown


@given(st.one_of(any_text, st.binary(max_size=300)))
def test_only_cleaner_errors_escape(raw: str | bytes) -> None:
    _clean(raw)  # any other exception fails the test


@given(st.one_of(article(), any_text))
def test_output_is_utf8_lf_and_ends_with_one_newline(text: str) -> None:
    result = _clean(text)
    if result is None:
        return
    out = result.markdown
    out.encode("utf-8")
    assert "\r" not in out
    if out:
        assert out.endswith("\n") and not out.endswith("\n\n")


@given(article())
def test_every_han_character_is_accounted_for(text: str) -> None:
    result = _clean(text)
    assert result is not None
    body_in = Counter(HAN.findall(result.original_body))
    body_out = Counter(HAN.findall(result.document.body))
    removed = Counter(HAN.findall("".join(c.before for c in result.changes)))
    added = Counter(HAN.findall("".join(c.after for c in result.changes)))
    assert body_in - removed + added == body_out


@given(st.one_of(article(), any_text))
def test_the_change_records_replay_back_to_the_input(text: str) -> None:
    try:
        doc = Document.parse(text)
    except CleanerError:
        return
    out = PIPELINE(doc)
    assert unapply(out.body, out.changes) == doc.body
