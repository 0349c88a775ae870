"""The `punctuation` step: the case tables, the hard cases, and its properties."""

from __future__ import annotations

from collections import Counter

import pytest
import regex
from hypothesis import assume, example, given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from cleaner import Document
from cleaner.steps.encoding import encoding
from cleaner.steps.punctuation import punctuation
from cleaner.text import HAN

from .cases import SAMPLES
from .helpers import assert_idempotent, assert_replays, run_step
from .strategies import any_text, article, chinese_sentence, han_run

# The case tables (fixtures/cases/punctuation/) run in tests/test_cases.py.


def run(text: str) -> Document:
    return punctuation(encoding(Document(body=text)).replace(changes=()))


def test_clean_post_comes_out_unchanged() -> None:
    doc = Document.parse((SAMPLES / "clean-post-with-frontmatter.md").read_text(encoding="utf-8"))
    doc = encoding(doc).replace(changes=())
    assert punctuation(doc).changes == ()


def test_samples_keep_no_half_width_mark_in_chinese_context() -> None:
    """After the step, a half-width , ; ? ! or straight double quote next to Han is left only
    where the rules say so: an unbalanced quote (reported), or a label colon."""
    for name in ("interview-footer-promos.txt", "app-promo-lines.txt"):
        doc = run((SAMPLES / name).read_text(encoding="utf-8"))
        for line in doc.body.split("\n"):
            for m in regex.finditer(f'(?<=[{HAN}])[,;?!]|[,;?!](?=[{HAN}])', line):
                pytest.fail(f"{name}: {m.group()!r} left in {line[:60]!r}")
            if '"' in line:
                assert any(w.rule == "unbalanced-quote" and w.text[:20] == line.strip()[:20] for w in doc.warnings)


# --- hard cases, decided (docs/style.md) -------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A Latin speaker label before a Chinese sentence takes that sentence's colon (issue 20).
        ("Dwarkesh Patel: 关于这个问题,我想", "Dwarkesh Patel：关于这个问题，我想"),
        ("Mark Zuckerberg:Google ?哦。", "Mark Zuckerberg：Google？哦。"),
        ("Dwarkesh Patel: Mark,欢迎你来。", "Dwarkesh Patel：Mark，欢迎你来。"),
        ("- **Sam Altman**: 我们会开源。", "- **Sam Altman**：我们会开源。"),
        # A gloss keeps its half-width colon and one space, as the clean post writes it.
        ("智能体（Agent:能够感知环境的系统）", "智能体（Agent: 能够感知环境的系统）"),
        # A Chinese speaker label is a Chinese colon.
        ("澎湃科技: 你是研究科学家", "澎湃科技：你是研究科学家"),
        # The same words in an English line are English.
        ("Mark Zuckerberg:Google?", "Mark Zuckerberg:Google?"),
    ],
)
def test_speaker_labels(text: str, expected: str) -> None:
    assert run(text).body == expected


def test_unbalanced_quotes_are_reported_and_left() -> None:
    text = '我们开始养牛,我就想"好吧,我想养出世界上最好的牛。'
    doc = run(text)
    assert doc.body == "我们开始养牛，我就想\"好吧，我想养出世界上最好的牛。"
    (warning,) = doc.warnings
    assert (warning.step, warning.rule, warning.line) == ("punctuation", "unbalanced-quote", 1)
    assert warning.text.startswith("我们开始养牛,我就想")


def test_quotes_pair_per_line() -> None:
    doc = run('他说"好"\n她说"不"')
    assert doc.body == "他说“好”\n她说“不”"
    assert doc.warnings == ()


def test_protected_spans_are_byte_identical() -> None:
    text = "见`a, b`和https://a.com/x,y?z=1,以及C:\\Users\\a,还有:)和1,000人,版本v1.2.3,文件a.py,变量%PATH%"
    before = encoding(Document(body=text)).with_spans()
    after = punctuation(before)
    assert after.spans is not None and before.spans is not None
    assert [before.body[s.start : s.end] for s in before.spans] == [after.body[s.start : s.end] for s in after.spans]


# --- properties --------------------------------------------------------------------------------

HAN_OR_ALNUM = regex.compile(f"[{HAN}A-Za-z0-9]")
ENGLISH = st.text(
    st.sampled_from(list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ,.;:?!()'\"-\n")),
    max_size=200,
)


def _letters(text: str) -> list[str]:
    # Full-width letters and digits count as the ASCII ones the step folds them to.
    folded = regex.sub(r"[Ａ-Ｚａ-ｚ０-９]", lambda m: chr(ord(m.group()) - 0xFEE0), text)
    return HAN_OR_ALNUM.findall(folded)


@given(st.one_of(article(), chinese_sentence(), any_text))
def test_never_adds_drops_or_reorders_han_or_latin(text: str) -> None:
    before, after = run_step(punctuation, text)
    assert _letters(after.body) == _letters(before.body)


@given(st.one_of(article(), chinese_sentence(), any_text))
def test_idempotent_and_replayable(text: str) -> None:
    before, after = run_step(punctuation, text)
    assert_replays(before, after)
    assert_idempotent(punctuation, after)


@given(ENGLISH)
def test_english_only_text_is_unchanged(text: str) -> None:
    before, after = run_step(punctuation, text)
    assert after.body == before.body


@given(st.one_of(article(), any_text))
def test_protected_spans_unchanged(text: str) -> None:
    before, after = run_step(punctuation, text)
    before = before.with_spans()
    after = punctuation(before)
    assert before.spans is not None and after.spans is not None
    assert Counter(before.body[s.start : s.end] for s in before.spans) == Counter(
        after.body[s.start : s.end] for s in after.spans
    )


_MD = MarkdownIt("commonmark").disable("code")


def block_structure(text: str) -> list[tuple[str, str, int, str]]:
    """The block tokens of a Markdown text: type, tag, nesting and markup (`1.`, `-`, `##`)."""
    return [(t.type, t.tag, t.nesting, t.markup) for t in _MD.parse(text) if t.type != "inline"]


@given(st.one_of(article(), any_text))
def test_markdown_block_structure_unchanged(text: str) -> None:
    before, after = run_step(punctuation, text)
    assert block_structure(after.body) == block_structure(before.body)


# --- issue 20: mixed lines -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Parentheses holding only variables, functions, digits and operators are notation.
        ("模型仅需O(M log M)个样本就能学会", "模型仅需O(M log M)个样本就能学会"),
        ("这个算法是O(N^2)的,太慢了", "这个算法是O(N^2)的，太慢了"),
        ("注意力Attention(Q, K, V)的计算", "注意力Attention(Q, K, V)的计算"),
        # A word, an acronym or a year inside makes a parenthetical.
        ("他在MetaAIResearch(FAIR)工作", "他在MetaAIResearch（FAIR）工作"),
        ("这款产品GPT-4(2023)发布", "这款产品GPT-4（2023）发布"),
        ("母公司Meta(Facebook)宣布", "母公司Meta（Facebook）宣布"),
    ],
)
def test_notation_parentheses(text: str, expected: str) -> None:
    assert run(text).body == expected


def test_an_entity_encoded_twice_is_never_rewritten() -> None:
    # Issue 20: the `;` of `&amp;nbsp;` became `；`. Decoding is the `encoding` step's; this step
    # must leave every part of an entity alone.
    text = "这个方案还是可行的&amp;nbsp;,而且&amp;amp;quot;很好"
    doc = punctuation(Document(body=text))
    assert "&amp;nbsp;" in doc.body and "&amp;amp;quot;" in doc.body


def test_an_escaped_html_opener_is_not_a_sentence() -> None:
    # `paragraphs` escapes an unclosed `<!--` as `&lt;!--`; a second run must not see `!` as a mark.
    assert punctuation(Document(body="&lt;!-- 广告位开始")).body == "&lt;!-- 广告位开始"


LATIN_NAMES = st.sampled_from(["Dwarkesh Patel", "Mark", "Sam Altman", "Lex", "Yann LeCun", "**Mark Zuckerberg**"])
VARIABLES = st.sampled_from(["M", "N", "K", "V", "x", "n", "log M", "N^2", "n log n", "2N", "M+N", "Q, K, V"])
ENTITIES = st.sampled_from(["&nbsp;", "&amp;nbsp;", "&amp;amp;quot;", "&quot;", "&#20013;", "&amp;", "&lt;", "&#x4e2d;"])


@given(LATIN_NAMES, st.sampled_from([":", ": ", ":  "]), chinese_sentence())
def test_a_latin_speaker_before_chinese_gets_a_chinese_colon(name: str, colon: str, sentence: str) -> None:
    doc = run(name + colon + "我们" + sentence)
    assert doc.body.startswith(name + "：我们")


@given(chinese_sentence(), st.sampled_from(["O", "f", "Attention", "g"]), st.lists(VARIABLES, min_size=1, max_size=3), chinese_sentence())
def test_notation_keeps_half_width_parentheses(before: str, function: str, terms: list[str], after: str) -> None:
    notation = f"{function}({' * '.join(terms)})"
    doc = run(before.rstrip("。！？") + notation + after)
    assert notation in doc.body


@given(st.lists(st.one_of(chinese_sentence(), ENTITIES), min_size=1, max_size=6))
def test_entities_are_never_rewritten(parts: list[str]) -> None:
    text = "".join(parts)
    entity = regex.compile(r"&(?:amp;)*(?:#[0-9]+|#x[0-9a-f]+|[a-z]+);")
    doc = punctuation(Document(body=text))
    assert Counter(entity.findall(doc.body)) == Counter(entity.findall(text))


def test_a_run_of_full_width_characters_is_one_change() -> None:
    """Issue 24: `１．５％` is one number, so one change (it was three: `１`, `．`, `５％`)."""
    doc = run("增长１．５％，达到１２０．３亿元")
    assert doc.body == "增长1.5%，达到120.3亿元"
    assert [(c.before, c.after) for c in doc.changes] == [("１．５％", "1.5%"), ("１２０．３", "120.3")]


FULL_WIDTH_ALWAYS = set("Ａａ０％／")
FULL_WIDTH_BETWEEN = set("＋－．")
ALNUM = set("Ａａ０aZ9")


@given(st.text(st.sampled_from("Ａａ０％／＋－．aZ9 中.-+"), max_size=16))
def test_full_width_folds_each_character_by_its_own_rule(text: str) -> None:
    """Which characters fold does not depend on how they are grouped into changes: a letter,
    digit or safe sign always, `＋－．` only between two letters or digits (so `－ ` at a line
    start never becomes a list marker)."""
    from cleaner.steps.punctuation import _fullwidth_edits

    expected = {
        i
        for i, c in enumerate(text)
        if c in FULL_WIDTH_ALWAYS
        or (c in FULL_WIDTH_BETWEEN and 0 < i < len(text) - 1 and text[i - 1] in ALNUM and text[i + 1] in ALNUM)
    }
    edits = _fullwidth_edits(text)
    assert {i for e in edits for i in range(e.start, e.end)} == expected
    assert all(a.end < b.start for a, b in zip(edits, edits[1:]))  # runs are whole: no two touch


@pytest.mark.parametrize(("text", "expected"), [("a＋b", "a+b"), ("x－y", "x-y"), ("v１．２", "v1.2")])
def test_a_full_width_sign_between_ascii_letters_folds_alone(text: str, expected: str) -> None:
    """Issue 24: the quick test that lets a document through untouched did not list `＋ － ．`,
    so a sign between two ASCII letters, alone in its document, was never folded."""
    assert run(text).body == expected


@given(st.one_of(st.text(st.sampled_from(list("中文aZ9 \t.-。、，；：？！,;:?!()\"'“”‘’·•…—＋－．Ａ１％<&\n"))), chinese_sentence()))
@example("a＋b")
@example("他说 ， 好")
def test_the_quick_test_never_skips_a_document_a_rule_would_change(text: str) -> None:
    """Issue 24: `punctuation` returns a document untouched, without masking it, when `_ANY`
    finds nothing any rule starts with. The full passes must then change nothing either."""
    import re
    from unittest import mock

    from cleaner.steps import punctuation as module

    doc = encoding(Document(body=text)).replace(changes=())
    if module._ANY.search(doc.body) is not None:
        return
    with mock.patch.object(module, "_ANY", re.compile("")):
        assert punctuation(doc).body == doc.body


# --- a full stop typed as `.` (scraped pages from sites that write Chinese with ASCII marks) ----


@given(st.lists(st.tuples(han_run, st.sampled_from(["", " ", "  "])), min_size=1, max_size=6), st.sampled_from(["", "\n"]))
def test_a_dot_ending_a_han_sentence_is_a_full_stop(sentences: list[tuple[str, str]], end: str) -> None:
    """`请认真贯彻落实.` and `友好. 但` hold Chinese full stops written in ASCII; the spaces after a
    full-width mark go, as for every other mark."""
    first = sentences[0][0]
    assume(not set(first) <= set("一二三四五六七八九十"))  # `一.` opening a line is a list number
    assume(all(han not in tuple("文图摄译编") for han, _ in sentences))  # `文.李四` is a byline
    text = "".join(f"{han}.{space}" for han, space in sentences).rstrip(" ") + end
    expected = "".join(f"{han}。" for han, _ in sentences) + end
    _, after = run_step(punctuation, text)
    assert after.body == expected
    assert_idempotent(punctuation, after)


@given(han_run, st.sampled_from(["jpg", "com", "txt", "3", "py/", "_x"]), st.sampled_from(["", "。", "\n"]))
def test_a_dot_before_a_name_or_number_is_not_a_full_stop(han: str, tail: str, end: str) -> None:
    """`八字.jpg`, `中文.com`: a dot with a letter, digit or path right after it joins a name."""
    text = f"{han}.{tail}{end}"
    _, after = run_step(punctuation, text)
    assert after.body == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('他说"好".', "他说“好”。"),  # a closing quote after Han, in either width
        ("好(你好).", "好（你好）。"),
        ("一. 总则", "一. 总则"),  # a list number at a line start: the author's choice of mark
        ("（2007/05）文.李四", "（2007/05）文.李四"),  # a byline: text by
        ("图.新华社", "图.新华社"),
        ("这是一篇好的论文.我们", "这是一篇好的论文。我们"),
        ("复杂度为O(n log n).", "复杂度为O(n log n)."),  # after Latin: English
        ("好..", "好.."),
        ("好.。", "好.。"),
    ],
)
def test_full_stop_edges(text: str, expected: str) -> None:
    _, after = run_step(punctuation, text)
    assert after.body == expected
