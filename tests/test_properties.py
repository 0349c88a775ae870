"""Properties of the whole pipeline, on generated articles and on arbitrary input."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import cleaner
from cleaner import CleanerError, Document, Pipeline
from cleaner.document import unapply
from cleaner.text import HAN_RE

from .conftest import FIXTURES
from .strategies import any_text, article, real_article

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


# --- issue 20: cleaning twice equals cleaning once, on text shaped like real articles ----------

PIPELINES = {mode: Pipeline.default(spacing=mode) for mode in ("remove", "add", "keep")}


def _assert_fixed_point(text: str | bytes, mode: str = "remove", where: str = "") -> None:
    pipeline = PIPELINES[mode]
    try:
        once = cleaner.clean(text, pipeline=pipeline)
    except CleanerError:
        return
    twice = cleaner.clean(once, pipeline=pipeline)
    assert twice == once, f"{where} ({mode}): a second run changed the output"


@settings(max_examples=200)
@given(real_article(), st.sampled_from(sorted(PIPELINES)))
# `--spacing add` wrote `第 3 节`, which the classifier did not read as the section number it
# read in `第3节`: a line the first run kept was a title copy to the second.
@example("    }\n第3节一\n一一一一<br>一。/p>\n一一一一<br>一。/p>\n", "add")
# The classifier read `一.` as no sentence; `punctuation` makes it `一。`, which is one.
@example("关键词: 一一 一一\n01、一\n01、一\nDwarkesh Patel: 一.\n", "add")
# … nor `一。?` as the sentence `一。？` that it is.
@example("01、一\n01、一\n01、一\n01、一\n01、一\n一。?/p>\n", "remove")
def test_cleaning_twice_equals_cleaning_once_on_article_shaped_text(text: str, mode: str) -> None:
    """Section titles, lists, quotes, speaker labels, code, entities and tag remnants, mixed
    Han and Latin with spaces of every width: the shapes issue 20 found a second run changing."""
    _assert_fixed_point(text, mode)


def _fixture_texts() -> list[tuple[str, str]]:
    """Every fixture a user could clean: the samples, the goldens, each case's input and
    expected text (fixtures/cases/, every step)."""
    from .cases import all_cases

    texts = [(p.name, p.read_text(encoding="utf-8")) for p in sorted((FIXTURES / "samples").glob("*.*")) if p.name != "README.md"]
    texts += [(p.name, p.read_text(encoding="utf-8")) for p in sorted((FIXTURES / "golden").glob("*.md"))]
    for c in all_cases():
        texts += [(f"{c.id}", t) for t in (c.input, c.expected) if t is not None]
    return texts


def test_cleaning_twice_equals_cleaning_once_on_every_fixture() -> None:
    for where, text in _fixture_texts():
        for mode in PIPELINES:
            _assert_fixed_point(text, mode, where)


PAGES = Path(__file__).resolve().parents[2] / "shared" / "pages" / "docs"


@pytest.mark.skipif(not PAGES.is_dir(), reason="../shared/pages is not beside this checkout")
def test_cleaning_twice_equals_cleaning_once_on_every_shared_page() -> None:
    """The real pages are read at test time, never copied into the repository."""
    pages = sorted(PAGES.glob("*.txt"))
    assert pages
    for page in pages:
        for mode in PIPELINES:
            _assert_fixed_point(page.read_bytes(), mode, page.name)


@pytest.mark.parametrize(
    "text",
    [
        # Issue 20's article: numbered section titles under a list item's lazy continuation.
        "本期嘉宾是一位研究员。\n- 采访：小林\n01、背景：一次调整之后\n那一年我们换了方向。\n02、为什么说服别人最难\n因为每个人都有经验。\n",
        # A copy of a paragraph that differs only in what later steps rewrite (mark widths,
        # quotes, spaces) is a copy on the first run, not only on the second.
        "开头。\n\n主持人: 好的,欢迎你来到\"我们的\"节目，今天聊聊模型。\n\n中间。\n\n主持人：好的，欢迎你来到“我们的”节目，今天聊聊模型。\n",
        "开头。\n\nAAAAAAAA一一一AI一一一？很长的一句话\n\nAAAAAAAA 一一一 AI 一一一？很长的一句话\n",
        # A line that is a dateline once its Han words are joined.
        "2024-01-01 发自 北京\n正文第一段，内容很长很长。\n",
        # A tag remnant after a mark whose width `punctuation` changes.
        "一段话(FAIR)/p>\n",
        # A label after a bullet, and a time after a list marker.
        "· Mark:Google ?哦\n· AI10:30一。\n",
        # A body that is a thematic break.
        "---",
        # A `<br>` after a quote marker (it crashed `boilerplate` with an empty line key).
        "01、一\n01、一\n>  <br>一。\n",
        # The context classifier judged a line by what `paragraphs` then changed: an indent, a
        # numbered title, a `·` bullet, a quote's second line, a colon's spaces.
        "    }\n关键词: 一一 一一\nDwarkesh Patel: 一。\n",
        "01、一\n关键词: 一一 一一\n",
        "· 阅读 272\n",
        "> 关键词: 一一 一一\n> 阅读 272\n",
        "Mark: 图.png\n，一。\n",
        "01、一\n关键词: 一一 一一\n一一一一一一一一一一一一一一。\n”关键词: 一一 一一\n",
        # UTF-8 of `充` with its last byte lost, read as Latin-1 (`E5 85`): the doubled
        # ellipsis would complete it on a second run.
        "å\x85",
        # A C1 control in a stretch holding a character no Latin page shows: ftfy's reading must
        # not depend on whether the control is still raw (first run) or shown as cp1252 (second).
        "\U00040000Ñ\x910Î\x8f0",
    ],
)
def test_shapes_a_second_run_used_to_change(text: str) -> None:
    for mode in PIPELINES:
        _assert_fixed_point(text, mode, text[:20])
