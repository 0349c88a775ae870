"""Document, Edit and Change: immutability, recording, replay, spans moving with edits."""

from __future__ import annotations

import dataclasses
import pickle

import pytest

from cleaner import Document, Edit
from cleaner.document import unapply
from cleaner.protect import find_spans


def test_document_is_immutable() -> None:
    doc = Document(body="正文", meta={"title": "标题"})
    with pytest.raises(dataclasses.FrozenInstanceError):
        doc.body = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        doc.meta["title"] = "改"  # type: ignore[index]


def test_document_pickles_with_its_meta() -> None:
    doc = Document(body="正文", meta={"tags": ["a"]}).with_spans()
    again = pickle.loads(pickle.dumps(doc))
    assert again == doc and dict(again.meta) == {"tags": ["a"]}


def test_edit_records_line_column_before_after() -> None:
    doc = Document(body="第一行\n他说:好")
    out = doc.edit("punctuation", [Edit(6, 7, "：", "colon")])
    assert out.body == "第一行\n他说：好"
    (change,) = out.changes
    assert (change.step, change.rule, change.line, change.column, change.before, change.after) == (
        "punctuation", "colon", 2, 3, ":", "：",
    )


def test_edits_that_change_nothing_are_not_recorded() -> None:
    doc = Document(body="abc")
    assert doc.edit("s", [Edit(0, 1, "a", "same")]) is doc


def test_overlapping_edits_are_a_bug() -> None:
    with pytest.raises(ValueError, match="overlapping"):
        Document(body="abcdef").edit("s", [Edit(0, 3, "", "r"), Edit(2, 4, "", "r")])


def test_several_passes_replay_back_to_the_input() -> None:
    doc = Document(body="一,二,,三...")
    out = doc.edit("p", [Edit(1, 2, "，", "comma"), Edit(3, 5, "，", "double")])
    out = out.edit("p", [Edit(len(out.body) - 3, len(out.body), "……", "ellipsis")])
    assert out.body == "一，二，三……"
    assert unapply(out.body, out.changes) == doc.body


def test_spans_move_with_edits_and_go_with_removed_lines() -> None:
    body = "删掉这行 https://a.com/x\n保留 `code` 这里\n"
    doc = Document(body=body).with_spans()
    kinds = [s.kind for s in doc.spans or ()]
    assert kinds == ["inline-url", "inline-code"]
    out = doc.edit("boilerplate", [Edit(0, body.index("\n") + 1, "", "promo")])
    assert out.spans is not None and [s.kind for s in out.spans] == ["inline-code"]
    (code,) = out.spans
    assert out.body[code.start : code.end] == "`code`"
    assert out.spans == find_spans(out.body)


def test_an_edit_inside_a_protected_span_is_refused() -> None:
    doc = Document(body="见 `a, b` 处").with_spans()
    with pytest.raises(ValueError, match="protected"):
        doc.edit("punctuation", [Edit(4, 5, "，", "comma")])
