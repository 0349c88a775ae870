"""`Document.changes` is a `ChangeLog`: the records of each `edit` call kept in columns, read as
`Change` tuples. It must give exactly the records a tuple of `Change` gave, and behave as that
tuple did wherever the report, the audit page, `--diff`, replay and the steps read it."""

from __future__ import annotations

import pickle
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cleaner.document as document
from cleaner import Change, Document, Edit, process
from cleaner.document import REMOVAL, REPAIR, REWRITE, ChangeLog, default_kind, unapply

TEXT = st.text(alphabet="他说你好短行。,:：\n ab\u3000𠀀", max_size=60)
REPLACEMENTS = st.sampled_from(["", "：", "，", "\n", "——", "ab", "𠀀", "x" * 5])
RULES = st.sampled_from(["colon", "comma", "break"])
KINDS = st.sampled_from(["", REMOVAL, REPAIR, REWRITE])
CATEGORIES = st.sampled_from(["", "metadata", "promo"])
DETAILS = st.sampled_from([(), (("group", "a"), ("documents", 3))])


@st.composite
def body_and_edits(draw: st.DrawFn) -> tuple[str, list[Edit]]:
    """A body and non-overlapping edits over it, in any order, some that change nothing."""
    body = draw(TEXT)
    cuts = sorted(draw(st.lists(st.integers(0, len(body)), max_size=12)))
    edits = []
    for start, end in zip(cuts[::2], cuts[1::2]):
        if draw(st.booleans()):
            end = start  # an insertion
        replacement = body[start:end] if draw(st.integers(0, 5)) == 0 else draw(REPLACEMENTS)
        edits.append(Edit(start, end, replacement, draw(RULES), draw(DETAILS), draw(KINDS), draw(CATEGORIES)))
    return body, draw(st.permutations(edits))


def _records(body: str, edits: list[Edit], step: str, kind: str | None, category: str | None) -> tuple[Change, ...]:
    """The records as `Document.edit` made them when each was a tuple of its own, one by one."""
    made = []
    shift = 0
    for e in sorted(edits, key=lambda e: (e.start, e.end)):
        before = body[e.start : e.end]
        if before == e.replacement:
            continue
        line = body.count("\n", 0, e.start) + 1
        column = e.start - (body.rfind("\n", 0, e.start) + 1) + 1
        change_kind = e.kind or kind or default_kind(before, e.replacement, column)
        made.append(
            Change(step, e.rule, line, column, before, e.replacement, e.start + shift, e.detail, change_kind, e.category or category or step)
        )
        shift += len(e.replacement) - len(before)
    return tuple(made)


@settings(max_examples=300)
@given(body_and_edits(), st.sampled_from([None, REPAIR]), st.sampled_from([None, "layout"]))
def test_the_log_gives_the_records_a_tuple_gave(case: tuple[str, list[Edit]], kind: str | None, category: str | None) -> None:
    body, edits = case
    first = Document(body=body).edit("s", edits, kind=kind, category=category)
    expected = _records(body, edits, "s", kind, category)
    assert first.changes == expected and tuple(first.changes) == expected
    assert unapply(first.body, first.changes) == body
    # A second pass on top: the log holds both, in order, and replays back to the input.
    again = first.edit("t", [Edit(0, 0, "头", "head")])
    assert tuple(again.changes) == expected + _records(first.body, [Edit(0, 0, "头", "head")], "t", None, None)
    assert unapply(again.body, again.changes) == body
    log = again.changes
    every = list(log)
    assert [log[i] for i in range(len(log))] == every == [log[i - len(log)] for i in range(len(log))]
    assert list(reversed(log)) == every[::-1]
    assert log[1:] == tuple(every[1:]) and log[::-1] == tuple(every[::-1])
    assert pickle.loads(pickle.dumps(log)) == log and hash(log) == hash(tuple(every))


@given(body_and_edits())
def test_past_32_bits_the_columns_widen(case: tuple[str, list[Edit]]) -> None:
    """The columns are 16 and 32 bits; a value that does not fit makes the call start over with
    64 bits (here 8-bit columns stand in, so a short text overflows them)."""
    body, edits = case
    body = "前" * 300 + body
    edits = [e._replace(start=e.start + 300, end=e.end + 300) for e in edits]
    narrow = Document(body=body).edit("s", edits)
    with mock.patch.object(document, "_NARROW", ("B", "B")):
        widened = Document(body=body).edit("s", edits)
    assert widened == narrow and tuple(widened.changes) == _records(body, edits, "s", None, None)


def test_the_log_works_as_the_tuple_it_was() -> None:
    doc = Document(body="他说:你好").edit("punctuation", [Edit(2, 3, "：", "colon")])
    change = doc.changes[0]
    extra = Change("frontmatter", "f", 2, 1, "a", "b", -1)
    assert doc.changes == (change,) and (change,) == doc.changes and doc.changes != ()
    assert Document(body="x").changes == () and not Document(body="x").changes
    assert tuple((extra,) + doc.changes) == (extra, change)
    assert tuple(doc.changes + (extra,)) == (change, extra)
    assert isinstance(doc.changes + (extra,), ChangeLog)
    assert repr(doc.changes) == repr((change,))
    # A tuple given to a Document is taken as a log.
    made = Document(body="x", changes=(extra,))
    assert isinstance(made.changes, ChangeLog) and made.changes == (extra,)
    with pytest.raises(IndexError):
        doc.changes[1]


def test_an_edit_that_says_nothing_more_is_four_fields() -> None:
    plain = Edit(1, 2, "：", "colon")
    said = Edit(1, 2, "", "promo", kind=REMOVAL, category="promo")
    assert len(plain) == 4 and (plain.detail, plain.kind, plain.category) == ((), "", "")
    assert Edit(1, 2, "：", "colon", (), "", "") == plain
    assert len(said) == 7 and said.kind == REMOVAL and said.category == "promo"
    assert plain._replace(kind=REPAIR) == Edit(1, 2, "：", "colon", kind=REPAIR)
    assert pickle.loads(pickle.dumps(said)) == said and pickle.loads(pickle.dumps(plain)) == plain
    assert repr(plain) == "Edit(start=1, end=2, replacement='：', rule='colon')"


def test_a_result_pickles_with_its_log() -> None:
    """Results travel back from worker processes."""
    result = process("他说:你好\n短行。\n".encode() + "编码".encode("gbk")[:0], now="2026-01-01T00:00:00+00:00")
    again = pickle.loads(pickle.dumps(result))
    assert again.changes == result.changes and len(result.changes) > 0
