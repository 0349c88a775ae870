"""The `spacing` step: the case tables for `remove` and `add`, `keep`, and its properties."""

from __future__ import annotations

import pytest
import regex
from hypothesis import example, given
from hypothesis import strategies as st

from cleaner import Document, Options
from cleaner.steps.encoding import encoding
from cleaner.steps.punctuation import FULLWIDTH_MARKS, punctuation
from cleaner.steps.spacing import spacing
from cleaner.text import HAN

from .helpers import assert_idempotent, assert_replays, run_step
from .strategies import any_text, article, chinese_sentence, real_article
from .cases import SAMPLES, Case, all_cases, ids
from .test_punctuation import block_structure

# The case tables (fixtures/cases/spacing/) run in tests/test_cases.py; here `keep` runs on them.
CASES = all_cases("spacing")


def step(mode: str):  # type: ignore[no-untyped-def]
    options = Options(spacing=mode)

    def run(doc: Document) -> Document:
        return spacing(doc, options)

    return run


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_keep_changes_nothing_but_spaces_between_han(case: Case) -> None:
    before, after = run_step(step("keep"), case.input)
    if HAN_SPACE_HAN.search(before.body) is None:
        assert after is before
    else:
        assert {c.rule for c in after.changes} <= {"han-space"}
        assert_replays(before, after)


HAN_SPACE_HAN = regex.compile(f"[{HAN}][ \\t\\u00a0\\u3000]+[{HAN}]")


@pytest.mark.parametrize("mode", ["remove", "add", "keep"])
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我们在 研究 这个问题。", "我们在研究这个问题。"),
        ("如果团队不\u3000能按时交付", "如果团队不能按时交付"),
        ("做一\u00a0个平台", "做一个平台"),
        ("主演：张三 李四 王五", "主演：张三 李四 王五"),
        ("`代码 里 的 空格`和 文字", "`代码 里 的 空格`和文字"),
    ],
)
def test_a_space_between_han_goes_in_every_mode(mode: str, text: str, expected: str) -> None:
    """Issue 20: a space between two Han characters is not Chinese typography, whatever the
    mode; a list of names keeps its spaces, and protected text keeps everything."""
    doc = spacing(Document(body=text), Options(spacing=mode))
    assert doc.body == expected


def test_remove_is_the_default() -> None:
    doc = encoding(Document(body="在 2024 年")).replace(changes=())
    assert spacing(doc).body == spacing(doc, Options()).body == "在2024年"


def test_a_protected_term_keeps_its_inside_and_counts_as_a_word() -> None:
    doc = encoding(Document(body="我们用 Scaling Law 做实验", protected_terms=("Scaling Law",)))
    assert spacing(doc.replace(changes=()), Options()).body == "我们用Scaling Law做实验"
    added = spacing(Document(body="我们用Scaling Law做实验", protected_terms=("Scaling Law",)), Options(spacing="add"))
    assert added.body == "我们用 Scaling Law 做实验"


def test_clean_post_unchanged() -> None:
    doc = Document.parse((SAMPLES / "clean-post-with-frontmatter.md").read_text(encoding="utf-8"))
    doc = encoding(doc).replace(changes=())
    assert spacing(doc, Options()).changes == ()


# --- properties --------------------------------------------------------------------------------

TEXTS = st.one_of(article(), chinese_sentence(), any_text)
HAN_OR_ALNUM = regex.compile(f"[{HAN}A-Za-z0-9]")


@given(TEXTS)
def test_add_then_remove_equals_remove(text: str) -> None:
    _, removed = run_step(step("remove"), text)
    _, added = run_step(step("add"), text)
    again = step("remove")(added.replace(changes=(), spans=None))
    assert again.body == removed.body


@given(TEXTS, st.sampled_from(["remove", "add"]))
def test_only_spaces_change(text: str, mode: str) -> None:
    before, after = run_step(step(mode), text)
    assert after.body.replace(" ", "").replace("\t", "") == before.body.replace(" ", "").replace("\t", "")
    assert HAN_OR_ALNUM.findall(after.body) == HAN_OR_ALNUM.findall(before.body)


@given(st.one_of(TEXTS, real_article()), st.sampled_from(["remove", "add", "keep"]))
def test_idempotent_and_replayable(text: str, mode: str) -> None:
    before, after = run_step(step(mode), text)
    assert_replays(before, after)
    assert_idempotent(step(mode), after)


@given(st.text(st.sampled_from(list("abcdefghij ABC 0123 ,.;:?!()'\"-\n\t")), max_size=200), st.sampled_from(["remove", "add"]))
def test_english_only_text_is_unchanged(text: str, mode: str) -> None:
    before, after = run_step(step(mode), text)
    assert after.body == before.body


@given(st.one_of(article(), any_text), st.sampled_from(["remove", "add"]))
def test_protected_spans_and_markdown_structure_unchanged(text: str, mode: str) -> None:
    before, _ = run_step(step(mode), text)
    before = before.with_spans()
    after = step(mode)(before)
    assert before.spans is not None and after.spans is not None
    assert [before.body[s.start : s.end] for s in before.spans] == [after.body[s.start : s.end] for s in after.spans]
    assert block_structure(after.body) == block_structure(before.body)


@given(TEXTS)
def test_add_never_puts_a_space_next_to_a_full_width_mark(text: str) -> None:
    _, punctuated = run_step(punctuation, text)
    after = step("add")(punctuated.replace(changes=()))
    for change in after.changes:
        assert change.after == " "
        left, right = after.body[change.offset - 1], after.body[change.offset + 1]
        assert left not in FULLWIDTH_MARKS and right not in FULLWIDTH_MARKS


@given(st.one_of(TEXTS, real_article()), st.sampled_from(["remove", "add", "keep"]))
def test_no_space_left_between_han_outside_lists_and_protected_text(text: str, mode: str) -> None:
    """The family of issue 20's `不 能`: after the step, two Han characters with a space between
    them are only in a list of words or in protected text."""
    from cleaner.steps.spacing import _list_ranges

    _, after = run_step(step(mode), text)
    masked = after.with_spans().masked()
    for line in masked.split("\n"):
        kept = _list_ranges(line)
        for m in regex.finditer(f"(?<=[{HAN}])[ \\t\\u00a0\\u3000]+(?=[{HAN}])", line):
            assert any(a <= m.start() < b for a, b in kept), line


@given(st.one_of(TEXTS, real_article(), st.text(st.sampled_from("中文AB1 \t\u3000\u00a0%&;}$，"), max_size=12)))
@example("在 2024 年")
@example("发布了 GPT")
@example("GPT 发布")
@example("我们在\u3000研究")
@example("设置 %PATH% 变量")
def test_the_quick_test_never_skips_a_document_with_something_to_do(text: str) -> None:
    """Issue 24: `remove` and `keep` return a document untouched when no space touches CJK,
    without finding its protected spans. Whatever the text, that shortcut must never skip an
    edit the full pass would make."""
    from cleaner.steps.spacing import _NEAR_CJK, han_space_edits, spacing_edits

    doc = encoding(Document(body=text)).replace(changes=()).with_spans()
    if _NEAR_CJK.search(doc.body) is not None:
        return
    masked = doc.masked()
    assert han_space_edits(masked) == []
    assert spacing_edits(masked, doc.protected(), "remove") == []
