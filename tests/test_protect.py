"""Protected spans: what the pattern set and the block parser protect, and what they leave."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.protect import ATOM, BLOCK, MARKUP, PLACEHOLDERS, Span, find_spans, mask, overlaps, shift_spans

from .strategies import any_text, article


def protected(text: str, terms: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    return [(text[s.start : s.end], s.kind) for s in find_spans(text, terms)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # URLs: the host ends at Han; Han in labels and in the path is part of it.
        ("见https://a.com这里", [("https://a.com", "inline-url")]),
        ("http://a.org/路径", [("http://a.org/路径", "inline-url")]),
        ("https://例子.com/頭髮", [("https://例子.com/頭髮", "inline-url")]),
        ("澎湃科技(www.thepaper.cn)长达", [("www.thepaper.cn", "inline-url")]),
        ("https://a.com/x,y?z=1", [("https://a.com/x,y?z=1", "inline-url")]),
        ("访问https://github.com/a/b。", [("https://github.com/a/b", "inline-url")]),
        ("见https://a.com.", [("https://a.com", "inline-url")]),
        ("http://localhost:8000/a", [("http://localhost:8000/a", "inline-url")]),
        ("请发邮件到a.b@example.com，谢谢", [("a.b@example.com", "inline-email")]),
        # Numbers with separators, next to Han too.
        ("约1,000人", [("1,000", "inline-number")]),
        ("2.5万", [("2.5", "inline-number")]),
        ("10:30和3:1", [("10:30", "inline-number"), ("3:1", "inline-number")]),
        # Versions.
        ("升级到v1.2.3-beta后", [("v1.2.3-beta", "inline-version")]),
        ("Python 3.11.2版本", [("3.11.2", "inline-version")]),
        ("1.0-beta", [("1.0-beta", "inline-version")]),
        # File names, paths, variables.
        ("请打开report.pdf查看", [("report.pdf", "inline-filename")]),
        ("路径是C:\\Users\\admin\\Desktop，请检查", [("C:\\Users\\admin\\Desktop", "inline-winpath")]),
        ("共享\\\\server\\share\\a.txt里", [("\\\\server\\share\\a.txt", "inline-winpath")]),
        ("把它加到%PATH%里", [("%PATH%", "inline-envvar")]),
        ("用${HOME}和$PATH", [("${HOME}", "inline-envvar"), ("$PATH", "inline-envvar")]),
        # Entities and escapes: a `;` or `*` that is syntax.
        ("中&amp;文", [("&amp;", "inline-entity")]),
        ("中文\\*不是强调", [("\\*", "inline-escape")]),
        # Emoticons.
        ("太好了:)", [(":)", "inline-emoticon")]),
        ("哈哈 :D", [(":D", "inline-emoticon")]),
        ("好的;-)", [(";-)", "inline-emoticon")]),
        ("好的(^_^)", [("(^_^)", "inline-emoticon")]),
        ("呜呜o(╥﹏╥)o", [("o(╥﹏╥)o", "inline-emoticon")]),
        ("(╯°□°)╯︵ ┻━┻", [("(╯°□°)╯︵ ┻━┻", "inline-emoticon")]),
        ("我T_T了", [("T_T", "inline-emoticon")]),
        # Code, links, HTML.
        ("运行`pip install a,b`,然后", [("`pip install a,b`", "inline-code")]),
        ("见[文档](https://a.com/x,y),然后", [("(https://a.com/x,y)", "inline-target")]),
        ("<https://a.com>和<b>粗体</b>", [("<https://a.com>", "inline-autolink"), ("<b>", "inline-html"), ("</b>", "inline-html")]),
    ],
)
def test_protected(text: str, expected: list[tuple[str, str]]) -> None:
    assert protected(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "答案:D",  # a label and an answer, not a face: the letter mouth touches Han
        "他说:(笑)大家好",  # the parenthesis closes later on the line
        "(注意:)",  # a colon closing a parenthetical
        "３.１４",  # full-width digits are text (the punctuation step folds them)
        "报告.pdf",  # a file name protects only an ASCII name
        "Llama-3和GPT-4o",
        "x=(a)",
        "第3章",
    ],
)
def test_not_protected(text: str) -> None:
    assert protected(text) == []


def test_protected_terms() -> None:
    assert protected("我们用Scaling Law做实验，Scaling Law很好", ("Scaling Law",)) == [
        ("Scaling Law", "term"),
        ("Scaling Law", "term"),
    ]


def test_blocks_and_markers() -> None:
    text = "## 标题\n\n- 列表,项目\n- - 嵌套\n> - 1. 引用\n\n```\ncode, here\n```\n\n<!-- cleaner: off -->\n他说:好\n<!-- cleaner: on -->\n"
    kinds = protected(text)
    assert ("## ", "markup") in kinds
    assert ("- ", "markup") in kinds
    assert ("- - ", "markup") in kinds  # nested markers on one line are all markup
    assert ("> - 1. ", "markup") in kinds
    assert ("```\ncode, here\n```", "code") in kinds
    assert any(kind == "off" and "他说:好" in span for span, kind in kinds)


def test_mask_keeps_length_newlines_and_kinds() -> None:
    text = "- 见`a`\n```\nx\n```\n"
    masked = mask(text, find_spans(text))
    assert len(masked) == len(text)
    assert [i for i, c in enumerate(masked) if c == "\n"] == [i for i, c in enumerate(text) if c == "\n"]
    assert masked.startswith(MARKUP * 2 + "见" + ATOM * 3)
    assert BLOCK in masked


def test_shift_spans_moves_spans_and_refuses_cuts() -> None:
    from cleaner import Edit

    spans = (Span(2, 5, "inline-code"),)
    assert shift_spans(spans, [Edit(0, 1, "ab", "r")], "s") == (Span(3, 6, "inline-code"),)
    assert shift_spans(spans, [Edit(2, 2, " ", "r")], "s") == (Span(3, 6, "inline-code"),)
    with pytest.raises(ValueError, match="protected"):
        shift_spans(spans, [Edit(3, 4, "x", "r")], "s")
    assert overlaps(spans, 3, 4) and not overlaps(spans, 5, 6)


@given(st.one_of(any_text, article()))
def test_spans_are_sorted_disjoint_and_inside(text: str) -> None:
    spans = find_spans(text)
    for a, b in zip(spans, spans[1:]):
        assert a.end <= b.start
    assert all(0 <= s.start < s.end <= len(text) for s in spans)
    masked = mask(text, spans)
    assert len(masked) == len(text)
    for i, (c, m) in enumerate(zip(text, masked)):
        assert c == m or (m in PLACEHOLDERS and c != "\n"), i


def test_unrepaired_mojibake_damage_is_protected() -> None:
    text = "因?yàn)我们最终希望，真的?好"
    kinds = [(s.kind, text[s.start : s.end]) for s in find_spans(text)]
    assert kinds == [("inline-damage", "?yàn)")]


# --- the same spans in linear time (issue 21) --------------------------------------------------

import regex  # noqa: E402

from cleaner import protect  # noqa: E402

# The inline pattern as it was, with a look-behind to the line start at every candidate smile.
_SMILE = "(?<![A-Za-z0-9])(?:[:;=][-'^]?\\)|"
_QUADRATIC_INLINE = regex.compile(
    protect._INLINE.pattern.replace(_SMILE, "(?<![A-Za-z0-9])(?:(?<!\\([^()\\n]*)[:;=][-'^]?\\)|", 1),
    protect._INLINE.flags,
)


def test_the_reference_pattern_is_the_old_one() -> None:
    assert _SMILE in protect._INLINE.pattern
    assert _QUADRATIC_INLINE.pattern != protect._INLINE.pattern


@pytest.mark.parametrize("text", ["(see note:)", "(a:) b:)", "a:) (b", "(x)\n:)", "((:))", "(:-) :^)", "(中文;)", "=) (=)"])
def test_a_smile_inside_an_open_parenthesis_is_text(text: str) -> None:
    expected = [(m.start(), m.end()) for m in _QUADRATIC_INLINE.finditer(text)]
    assert [(s.start, s.end) for s in protect._inline_spans(text, [], ())] == expected


@given(st.text(st.sampled_from("():;=-'^D3\n a中x[]<>`"), max_size=60))
def test_inline_spans_are_those_of_the_look_behind_pattern(text: str) -> None:
    expected = []
    for m in _QUADRATIC_INLINE.finditer(text):
        kind = m.lastgroup or "inline"
        expected.append((m.start(), m.end(), "inline-" + ("code" if kind == "ticks" else kind)))
    assert [tuple(s) for s in protect._inline_spans(text, [], ())] == expected


@given(st.lists(st.tuples(st.integers(0, 40), st.integers(1, 5)), max_size=8), st.integers(0, 50), st.integers(0, 6))
def test_overlaps_by_bisection_is_the_definition(raw: list[tuple[int, int]], start: int, length: int) -> None:
    spans = protect._merge(Span(s, s + n, "x") for s, n in raw)
    end = start + length
    if end == start:
        expected = any(s.start < start < s.end for s in spans)
    else:
        expected = any(s.start < end and start < s.end for s in spans)
    assert overlaps(spans, start, end) == expected


def test_a_bare_carriage_return_does_not_shift_block_spans() -> None:
    # A step run without `encoding` sees CRs; markdown-it counted them as line breaks and the
    # spans of a fence below them pointed past the end of the text (IndexError).
    body = "一\r二\r\n\r\n```\r\ncode,x\r\n```\r\n"
    spans = find_spans(body)
    assert [body[s.start : s.end] for s in spans if s.kind == "code"] == ["```\r\ncode,x\r\n```\r"]


# Issue 24: a word start passes the inline pattern's first test only if some alternative can
# begin there. The pattern with the broad first test (every word start) is the reference.
_WORD_START_TEST = (
    r"(?<![A-Za-z0-9_.+-])(?:[A-Za-z0-9_][A-Za-z0-9_+-]*[.@:,/(_]|[vV][0-9]|XD|xD|[Oo]rz|OT[ZL]))"
)
_BROAD_INLINE = regex.compile(
    protect._INLINE.pattern.replace(_WORD_START_TEST, r"(?<![A-Za-z0-9_.+-])[A-Za-z0-9_])", 1),
    protect._INLINE.flags,
)
_WORDY = st.lists(
    st.sampled_from(list("aAvVxXDTtoOrzLZ019_.@:,/()+-^;=`<>[]\\&%$?中 \n"))
    | st.sampled_from(["http://", "www.", "orz", "OTL", "T_T", "v2", "a.txt", "1.2.3", "x@y.cn", "C:\\", "o("]),
    max_size=30,
).map("".join)


def test_the_broad_reference_differs_only_in_its_first_test() -> None:
    assert _WORD_START_TEST in protect._INLINE.pattern
    assert _BROAD_INLINE.pattern != protect._INLINE.pattern


@settings(max_examples=2000)
@given(_WORDY)
def test_inline_matches_are_those_of_the_broad_first_test(text: str) -> None:
    expected = [(m.start(), m.end(), m.lastgroup) for m in _BROAD_INLINE.finditer(text)]
    assert [(m.start(), m.end(), m.lastgroup) for m in protect._INLINE.finditer(text)] == expected
