"""Document, Edit and Change: immutability, recording, replay, spans moving with edits."""

from __future__ import annotations

import ast
import dataclasses
import pickle
from pathlib import Path

import pytest

import cleaner
import cleaner.decode
from cleaner import Change, Document, Edit, Warning
from cleaner.pipeline import STEP_NAMES
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


# --- what a change is: kinds and categories, set by the step ----------------------------------


def test_an_edit_without_a_kind_gets_one_from_what_it_does() -> None:
    doc = Document(body="广告一行\n正文,好\n").edit("mine", [Edit(0, 5, "", "ad"), Edit(7, 8, "，", "comma")])
    assert [(c.kind, c.category) for c in doc.changes] == [("removal", "mine"), ("rewrite", "mine")]


def test_the_step_says_what_its_edits_are() -> None:
    doc = Document(body="广告一行\n正文,好\n")
    doc = doc.edit("mine", [Edit(0, 5, "", "ad", kind="removal", category="ads"), Edit(7, 8, "，", "comma")], kind="repair")
    assert [(c.kind, c.category) for c in doc.changes] == [("removal", "ads"), ("repair", "mine")]
    with pytest.raises(ValueError, match="unknown change kind"):
        Document(body="正文").edit("mine", [Edit(0, 1, "", "x")], kind="deletion")


def test_an_edit_built_as_a_bare_tuple_still_records() -> None:
    bare = tuple.__new__(Edit, (0, 1, "，", "comma"))  # how a hot loop builds edits
    (change,) = Document(body=",好").edit("punctuation", [bare], kind="rewrite").changes
    assert (change.kind, change.category, change.after) == ("rewrite", "punctuation", "，")


def test_a_change_made_by_hand_with_seven_fields_still_works() -> None:
    change = Change("mine", "x", 1, 1, "a", "b", 0)
    assert (change.kind, change.to_json()["category"]) == ("rewrite", "mine")
    assert Warning("mine", "x", 1, "message").to_json()["kind"] == "warning"


# --- decoding is the core's, done once ------------------------------------------------------------


def test_the_document_keeps_the_decoded_input() -> None:
    raw = "---\ntitle: 标题\n---\n\n正文。\n"
    doc = Document.parse(raw.encode("gb18030"))
    assert (doc.original_text, doc.encoding, doc.body) == (raw, "gb18030", "正文。\n")


def test_process_decodes_the_input_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    detect = cleaner.decode.detect

    def counting(data: bytes) -> str | None:
        calls.append(len(data))
        return detect(data)

    monkeypatch.setattr(cleaner.decode, "detect", counting)
    result = cleaner.process("第一段,正文。\n".encode("gbk"))
    assert result.original_text == "第一段,正文。\n" and result.markdown == "第一段，正文。\n"
    assert len(calls) == 1


# --- the core names no step; steps import only the core ------------------------------------------

SRC = Path(cleaner.__file__).parent
CORE = ("document.py", "decode.py", "report.py", "audit.py", "api.py", "fields.py", "frontmatter_io.py", "protect.py")


def _imports(path: Path) -> set[str]:
    """Every module a file imports, relative imports written as `.name` / `..name`."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            found |= {base} if node.module else {f"{base}{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return found


@pytest.mark.parametrize("name", CORE)
def test_the_core_imports_no_step_and_names_none(name: str) -> None:
    source = (SRC / name).read_text(encoding="utf-8")
    assert not [m for m in _imports(SRC / name) if "steps" in m]
    strings = {n.value for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
    assert not strings & set(STEP_NAMES) - {"frontmatter", "encoding"}  # both also name core things


# Imports between steps still waiting for the shared text toolkit (issue 22, part 2) to take what
# they share. Nothing may be added here: a new shared piece goes into the core.
WAITING_FOR_THE_TOOLKIT = {("boilerplate.py", ".spacing")}


def test_steps_import_only_the_core_and_their_own_helpers() -> None:
    core = {f".{p.stem}" for p in SRC.glob("*.py")} | {"..pipeline"}
    for path in (SRC / "steps").glob("*.py"):
        for module in _imports(path):
            if (path.name, module) in WAITING_FOR_THE_TOOLKIT:
                continue
            if module.startswith(".."):
                assert "steps" not in module and f".{module[2:].split('.')[0]}" in core, (path.name, module)
            elif module.startswith("."):  # a sibling: only the same step's helper module
                assert module[1:].split("_")[0] == path.stem.split("_")[0], (path.name, module)
