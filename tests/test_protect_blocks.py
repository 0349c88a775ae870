"""The block structure, parsed once and carried (issue 24): the same as markdown-it's parse.

`protect.block_structure` cuts a text where parsing starts afresh and parses only the pieces
with block syntax; `protect.shift_blocks` moves a structure through edits that keep it. Both
must give exactly what markdown-it gives for the whole text, or (the shift) say they cannot.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import cleaner
from cleaner.document import Document, Edit
from cleaner.pipeline import STEP_NAMES, Options, load_step
from cleaner.protect import BLOCK_SYNTAX, _UNSPLIT, _parse, _syntax_lines, block_structure, find_structure, shift_blocks

from .strategies import article, real_article

ROOT = Path(__file__).resolve().parent.parent

# Lines of every kind of block, and plain lines in number, so that texts have places to cut.
_LINE = st.sampled_from(
    [
        "正文一句。", "正文二句。", "第三句话", "2024年的事", "1.5亿人", "abc def", "", "", "", "  ", "\t",
        "\u3000段落", "- 项目", "* 项目", "+ 项目", "1. 第一", "2) 第二", "  - 缩进项", "    四格缩进",
        "# 标题", "## 标题 ##", "#没有空格", "> 引用", ">> 两层", "> - 引用里的项", "---", "***", "===",
        "- - -", "```", "```python", "~~~", "<div>", "</div>", "<!-- 注释", "-->", "<pre>", "</pre>",
        "<span>行内</span>", "<?php", "?>", "a | b", "|-|-|", "--- | ---", "| x | y |", "[标签]: http://a.com",
        "[链接]", ": 冒号", "_强调_", "`代码`", "\\转义",
    ]
)
_BLOCKY = st.lists(_LINE, max_size=24).map("\n".join)


def _full_parse(body: str) -> tuple[object, ...]:
    return tuple(_parse(body, tables=True))


@settings(max_examples=2000)
@given(_BLOCKY)
@example("正文\n\n```\n\n正文\n```\n\n正文")  # a fence runs past a blank line and a plain line
@example("<!-- 注释\n\n正文\n-->\n\n正文")  # so does an HTML comment
@example("```\n\n正文\n\n正文\n```")  # plain pieces inside a fence are code, not paragraphs
@example("<pre>\n\n正文\n\n正文\n</pre>")
@example("- 项目\n\n正文\n\n- 项目")  # a list ends at an unindented line after a blank one
@example("> 引用\n\n正文")
@example("正文\n\n\n")
def test_the_structure_found_in_pieces_is_the_whole_parse(body: str) -> None:
    assert block_structure(body) == _full_parse(body)
    if not any(c in body for c in _UNSPLIT):  # the fast scan finds the lines the pattern finds
        assert _syntax_lines(body) == [m.start() for m in BLOCK_SYNTAX.finditer(body)]


@settings(max_examples=500)
@given(article())
def test_the_structure_of_articles_is_the_whole_parse(body: str) -> None:
    assert block_structure(body) == _full_parse(body)


@settings(max_examples=1000)
@given(_BLOCKY)
@example("a | b\n|-|-|\n- 项目")  # a table: the spans are those of CommonMark without tables
def test_spans_from_the_carried_structure_are_those_of_commonmark_without_tables(body: str) -> None:
    without_tables = tuple(_parse(body, tables=False))
    assert find_structure(body)[0] == find_structure(body, blocks=without_tables)[0]


_REPLACEMENT = st.sampled_from(["", "中", "正文", " ", "x", "。", "，", "\n", "|", "#", "- ", "1. ", "]:", "<", "`", "\u3000"])


@st.composite
def _edited(draw: st.DrawFn) -> tuple[str, list[Edit]]:
    body = draw(_BLOCKY)
    places = sorted(draw(st.lists(st.integers(0, len(body)), max_size=8)))
    edits: list[Edit] = []
    cursor = 0
    for place in places:
        if place < cursor:
            continue
        end = min(len(body), place + draw(st.integers(0, 3)))
        edits.append(Edit(place, end, draw(_REPLACEMENT), "test"))
        cursor = end + 1
    return body, edits


@st.composite
def _lines_removed(draw: st.DrawFn) -> tuple[str, list[Edit]]:
    """Whole lines taken out, as `boilerplate` does (the last line may lack its line break)."""
    lines = draw(st.lists(_LINE | st.sampled_from(["正文", "正文", "推广", "  正文"]), min_size=1, max_size=16))
    body = "\n".join(lines) + draw(st.sampled_from(["", "\n"]))
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    starts[-1] = min(starts[-1], len(body))
    chosen = sorted(draw(st.sets(st.integers(0, len(lines) - 1), max_size=4)))
    edits = [Edit(starts[i], starts[i + 1], "", "test") for i in chosen if starts[i + 1] > starts[i]]
    return body, edits


def _apply(body: str, edits: list[Edit]) -> str:
    for e in reversed(edits):
        body = body[: e.start] + e.replacement + body[e.end :]
    return body


@settings(max_examples=3000)
@given(_edited() | _lines_removed())
@example(("正文一句。\n正文二句。", [Edit(0, 1, "中", "test")]))  # text for text: kept
@example(("- 项目\n正文", [Edit(5, 6, "中", "test")]))  # a lazy line's text: kept
@example(("[标签]: http://a.com", [Edit(12, 13, "b", "test")]))  # a reference definition: parse
@example(("[a]:\n/url\n'title'", [Edit(16, 17, "", "test")]))  # its title's text decides it too
@example(("正文\n-|-", [Edit(1, 1, "|", "test")]))  # a `|` makes the line above a delimiter a table
def test_a_kept_structure_is_the_structure_of_the_edited_text(case: tuple[str, list[Edit]]) -> None:
    body, edits = case
    new_body = _apply(body, edits)
    shifted = shift_blocks(block_structure(body), edits, body, new_body)
    if shifted is not None:
        assert shifted == _full_parse(new_body)


@settings(max_examples=2000)
@given(_lines_removed())
@example(("- 项目\n\n推广\n\n  正文", [Edit(6, 9, "", "test")]))  # a list would take the indented line
@example(("正文\n推广\n- 项目", [Edit(3, 6, "", "test")]))
@example(("正文\n推广", [Edit(3, 5, "", "test")]))
@example(("a | b\n正文一句。\n|-|-|", [Edit(6, 12, "", "test")]))  # the lines left make a table
def test_lines_removed_keep_a_structure_true_to_the_text(case: tuple[str, list[Edit]]) -> None:
    body, edits = case
    new_body = _apply(body, edits)
    shifted = shift_blocks(block_structure(body), edits, body, new_body)
    if shifted is not None:
        assert shifted == _full_parse(new_body)


def test_lines_removed_inside_a_paragraph_or_as_whole_paragraphs_keep_the_structure() -> None:
    body = "分享到微信\n\n标题\n\n第一行\n推广一行\n第二行\n\n版权所有\n"
    blocks = block_structure(body)
    for removed in ("分享到微信\n", "推广一行\n", "版权所有\n"):
        at = body.index(removed)
        edit = Edit(at, at + len(removed), "", "t")
        new_body = _apply(body, [edit])
        assert shift_blocks(blocks, [edit], body, new_body) == _full_parse(new_body), removed
    listed = "- 项目\n\n推广\n\n  正文"
    at = listed.index("推广")
    assert shift_blocks(block_structure(listed), [Edit(at, at + 3, "", "t")], listed, listed.replace("推广\n", "")) is None


def test_text_edits_keep_the_structure_and_syntax_edits_drop_it() -> None:
    body = "# 标题\n\n- 项目一\n- 项目二\n\n正文，一句。"
    blocks = block_structure(body)
    comma = body.index("，")
    assert shift_blocks(blocks, [Edit(comma, comma + 1, ",", "t")], body, body.replace("，", ",")) == blocks
    item = body.index("项目一")
    assert shift_blocks(blocks, [Edit(item, item, "新", "t")], body, body.replace("项目一", "新项目一")) == blocks
    for edit in (Edit(0, 2, "", "t"), Edit(comma, comma, "\n", "t"), Edit(item - 2, item, "", "t")):
        assert shift_blocks(blocks, [edit], body, _apply(body, [edit])) is None


def _pipeline_texts() -> list[bytes]:
    samples = [p.read_bytes() for p in sorted((ROOT / "fixtures" / "samples").iterdir()) if p.name != "README.md"]
    cases = [p.read_bytes() for p in sorted((ROOT / "fixtures" / "cases").glob("*/*.txt"))]
    return samples + cases


@pytest.mark.parametrize("raw", _pipeline_texts(), ids=lambda raw: str(len(raw)))
def test_every_step_leaves_a_carried_structure_true_to_its_text(raw: bytes) -> None:
    options = Options()
    try:
        doc = Document.parse(raw)
    except cleaner.CleanerError:
        return
    for name in STEP_NAMES:
        doc = load_step(name)(doc, options=options)  # type: ignore[call-arg]
        if doc.blocks is not None:
            assert doc.blocks == block_structure(doc.body), name
            assert doc.blocks == _full_parse(doc.body), name


def test_the_structure_is_found_with_the_spans_and_carried_by_text_edits() -> None:
    doc = Document(body="## 标题\n\n- 项目,一\n\n正文,一句").with_spans()
    assert doc.blocks == _full_parse(doc.body)
    comma = doc.body.index(",")
    edited = doc.edit("test", [Edit(comma, comma + 1, "，", "comma")])
    assert edited.blocks is doc.blocks
    broken = edited.edit("test", [Edit(0, 3, "", "heading")])
    assert broken.blocks is None and broken.with_spans().blocks is None
    assert broken.replace(spans=None).with_spans().blocks == _full_parse(broken.body)


_PIPELINE_LINE = _LINE | st.sampled_from(["分享到：微信 微博", "打开网易新闻 查看精彩图片", "他说:你好,世界", "一、市场回顾", "· 第一点", "”关键在于", "正文 ", "\u3000\u3000段落"])


@settings(max_examples=150, deadline=None)
@given(st.lists(_PIPELINE_LINE, max_size=16).map("\n".join) | real_article())
def test_a_structure_carried_through_the_pipeline_is_the_parse_of_the_text(text: str) -> None:
    options = Options()
    try:
        doc = Document.parse(text.encode())
    except cleaner.CleanerError:
        return  # front matter that cannot be read: no body to check
    for name in STEP_NAMES:
        doc = load_step(name)(doc, options=options)  # type: ignore[call-arg]
        if doc.blocks is not None:
            assert doc.blocks == _full_parse(doc.body), name
