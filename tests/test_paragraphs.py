"""The `paragraphs` step, checked by parsing its output with markdown-it-py."""

from __future__ import annotations


import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

import cleaner
from cleaner import Document
from cleaner.pipeline import Options
from cleaner.steps.paragraphs import paragraphs

from .conftest import FIXTURES
from .cases import Case, all_cases, ids, run_case
from .helpers import HAN, LATIN, assert_idempotent, assert_replays, run_step
from .strategies import any_text, article, chinese_sentence, han_run

# The case tables (fixtures/cases/paragraphs/) run in tests/test_cases.py; here, the Markdown
# blocks each structure case's output must parse as (its `blocks` section).
STRUCTURE = [case for case in all_cases("paragraphs") if "blocks" in case.extra]


def blocks(markdown: str) -> str:
    """The top-level blocks markdown-it-py reads: `paragraph heading:2 bullet_list:3 …`."""
    md = MarkdownIt("commonmark").enable("table")
    tokens = md.parse(markdown)
    found = []
    for i, token in enumerate(tokens):
        if token.level != 0 or token.nesting == -1:
            continue
        kind = token.type.removesuffix("_open")
        if kind == "heading":
            kind += ":" + token.tag[1]
        elif kind in ("bullet_list", "ordered_list"):
            depth, items = 0, 0
            for t in tokens[i:]:
                depth += t.nesting
                if t.type == "list_item_open" and depth == 2:
                    items += 1
                if depth == 0:
                    break
            kind += f":{items}"
        elif kind == "code_block":
            kind = "indented-code"
        found.append(kind)
    return " ".join(found)


def step(doc: Document) -> Document:
    return paragraphs(doc, Options())


@pytest.mark.parametrize("case", STRUCTURE, ids=ids(STRUCTURE))
def test_structure_cases_parse_as_their_blocks(case: Case) -> None:
    _, after = run_case(case)
    assert after.body == case.expected
    assert blocks(after.body) == case.extra["blocks"]


def test_the_structure_cases_are_read() -> None:
    assert len(STRUCTURE) >= 10


def test_heading_level_is_an_option() -> None:
    out = paragraphs(Document(body="一、背景\n正文。"), Options(heading_level=3)).body
    assert out == "### 一、背景\n\n正文。"
    assert blocks(out) == "heading:3 paragraph"


def test_an_unclosed_block_is_reported_with_its_line() -> None:
    out = paragraphs(Document(body="正文。\n\n<!-- 未完\n更多。"), Options())
    [warning] = out.warnings
    assert (warning.rule, warning.line, warning.text) == ("unclosed-html", 3, "<!-- 未完")


# --- the samples, end to end ------------------------------------------------------------------

SAMPLES = FIXTURES / "samples"


def top_level_paragraphs(markdown: str) -> list[str]:
    tokens = MarkdownIt("commonmark").parse(markdown)
    return [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "paragraph_open" and t.level == 0]


@pytest.mark.parametrize(
    "name", ["app-promo-lines.txt", "interview-footer-promos.txt", "traditional-pinyin-mojibake.txt"]
)
def test_scraped_samples_come_out_one_line_per_paragraph(name: str) -> None:
    out = cleaner.clean((SAMPLES / name).read_bytes())
    structure = blocks(out).split()
    assert "html_block" not in structure and "indented-code" not in structure
    for text in top_level_paragraphs(out):
        assert "\n" not in text
        assert text[0] not in "”’」』）)】》"
    assert "\n\n\n" not in out


def test_the_app_promo_sample_joins_its_stray_closing_quote() -> None:
    out = cleaner.clean((SAMPLES / "app-promo-lines.txt").read_bytes())
    assert any(p.endswith("但人类会造电梯。”关键在于别把自己困在“被AI替代”的焦虑里,而是去琢磨“AI替代不了什么”。") or "造电梯。”关键在于" in p for p in top_level_paragraphs(out))


def test_the_interview_keeps_its_list_of_twelve_points() -> None:
    out = cleaner.clean((SAMPLES / "interview-footer-promos.txt").read_bytes())
    assert "bullet_list:12" in blocks(out).split()


def test_the_traditional_sample_opens_with_its_bullet_as_a_list() -> None:
    out = cleaner.clean((SAMPLES / "traditional-pinyin-mojibake.txt").read_bytes())
    assert blocks(out).split()[0] == "bullet_list:1"


def test_the_clean_post_keeps_its_structure() -> None:
    raw = (SAMPLES / "clean-post-with-frontmatter.md").read_text(encoding="utf-8")
    body = raw.split("\n---\n", 1)[1]
    assert blocks(cleaner.clean(raw).split("\n---\n", 1)[1]) == blocks(body)


# --- properties -------------------------------------------------------------------------------


@st.composite
def scraped(draw: st.DrawFn) -> str:
    """Scraped-looking text: sentences, bullets, numbered titles, stray closing quotes, tags."""
    lines = []
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.integers(0, 7))
        sentence = draw(chinese_sentence())
        if kind == 0:
            lines.append(draw(st.sampled_from("·•●")) + draw(st.sampled_from(["", " "])) + sentence)
        elif kind == 1:
            lines.append(draw(st.sampled_from(["一、", "02、", "（三）"])) + draw(han_run))
        elif kind == 2:
            lines.append(draw(st.sampled_from("”」）》")) + sentence)
        elif kind == 3:
            lines.append(draw(st.sampled_from(["<!-- ", "<img src=x>", "<div>", "  ", "\u3000\u3000"])) + sentence)
        else:
            lines.append(sentence)
    return draw(st.sampled_from(["\n", "\n\n", "\n \n"])).join(lines)


@given(st.one_of(article(), scraped()))
def test_paragraphs_properties(text: str) -> None:
    before, after = run_step(step, text)
    assert_replays(before, after)
    assert_idempotent(step, after)
    assert HAN.findall(after.body) == HAN.findall(before.body)
    # Escaping an unclosed block's `<` as `&lt;` is the one place letters are added.
    assert LATIN.findall(after.body.replace("&lt;", "<")) == LATIN.findall(before.body)
    assert "\n\n\n" not in after.body


@given(any_text)
def test_no_crash_on_any_text(text: str) -> None:
    before, after = run_step(step, text)
    assert_replays(before, after)


# --- issue 20: the step reaches its fixed point in one run ----------------------------------------


@st.composite
def titled_article(draw: st.DrawFn) -> str:
    """Section titles, list items and lines broken before a closing mark, one per line: the
    shapes where one round's breaks expose structure for the next."""
    lines = []
    for _ in range(draw(st.integers(1, 10))):
        kind = draw(st.integers(0, 5))
        if kind == 0:
            lines.append(draw(st.sampled_from(["01、", "二、", "（三）", "第四章"])) + draw(han_run))
        elif kind == 1:
            lines.append(draw(st.sampled_from(["- ", "* ", "1. ", "· "])) + draw(chinese_sentence()))
        elif kind == 2:
            lines.append(draw(st.sampled_from("，。、；：？！）》”")) + draw(chinese_sentence()))
        elif kind == 3:
            lines.append("> " + draw(chinese_sentence()))
        else:
            lines.append(draw(chinese_sentence()))
    return draw(st.sampled_from(["\n", "\n\n"])).join(lines)


@given(titled_article())
def test_one_run_is_a_fixed_point(text: str) -> None:
    before, after = run_step(step, text)
    assert_replays(before, after)
    assert_idempotent(step, after)


# --- the block structure found without the parser (issue 24) -----------------------------------

_LINE_PIECES = st.sampled_from(["正文", "abc", " ", "\t", "\u3000", "1.", "2)", "12", "-", "*", "#", ">", "<p>", "|", ":", "[x]", "===", "```", "|-|", "\r", "。"])
_BLOCKY_TEXT = st.lists(st.lists(_LINE_PIECES, max_size=4).map("".join), max_size=8).map("\n".join)


def _paragraph_maps(tokens: object) -> list[list[int]]:
    return [list(t.map) for t in tokens if t.type == "paragraph_open" and t.level == 0 and t.map]  # type: ignore[attr-defined]


def test_plain_text_paragraphs_are_found_without_the_parser() -> None:
    from cleaner.protect import BLOCK_SYNTAX, block_structure

    body = "第一段。\n第二行。\n\n\n第三段。\n"
    assert BLOCK_SYNTAX.search(body) is None
    assert _paragraph_maps(block_structure(body)) == [[0, 2], [4, 5]]


@settings(max_examples=1000)
@given(_BLOCKY_TEXT)
@example("正文|abc\n|-|-|")  # a table: its delimiter row opens with `|`
@example("正文\n===")  # a setext heading
def test_the_parser_free_blocks_are_the_parsers_blocks(body: str) -> None:
    """Text that takes the fast path has the paragraphs markdown-it finds, and nothing else."""
    from cleaner.protect import BLOCK_SYNTAX, _markdown, block_structure

    parsed = _markdown(tables=True).parse(body)
    if BLOCK_SYNTAX.search(body) is None:
        assert _paragraph_maps(block_structure(body)) == _paragraph_maps(parsed)
        assert all(t.type.startswith(("paragraph", "inline")) for t in parsed)


def test_a_bare_carriage_return_is_text_to_the_step_run_alone() -> None:
    # markdown-it reads `\r` as a line break and our line index does not: the step alone (no
    # `encoding` before it) crashed with an IndexError on such text.
    text = "第一行\r第二行\n\n- 一\r- 二\n"
    assert cleaner.clean(text, only="paragraphs") == "第一行\n第二行\n\n- 一\n- 二\n"


def test_a_fence_indented_with_ideographic_spaces_is_cleaned_not_crashed_on() -> None:
    # The closing fence opened an unclosed block whose span took the final newline; the blank
    # tail edit cut into it (ValueError: edits protected text).
    text = "\u3000\u3000```\nx = f(a, b);\n```\n\n"
    once = cleaner.clean(text)
    assert once == "```\nx = f(a, b);\n```\n"
    assert cleaner.clean(once) == once


@pytest.mark.parametrize("text", ["第一段。\n\n    第二段。\n", "\n    一一\n", "第一段。\n\t第二段。\n"])
def test_an_indent_goes_wherever_the_paragraph_starts(text: str) -> None:
    # The indent pattern was anchored with `^`, which `match` at a later offset never finds:
    # only a paragraph at the very start of the body lost its indent (a second run took the rest).
    once = cleaner.clean(text, only="paragraphs")
    assert not any(line[:1] in (" ", "\t") for line in once.splitlines())
    assert cleaner.clean(once, only="paragraphs") == once
