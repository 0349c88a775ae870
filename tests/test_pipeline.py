"""Pipeline, registry, options, presets, and the public API."""

from __future__ import annotations

import dataclasses

import pickle
from pathlib import Path

import pytest

import cleaner
from cleaner import Document, Options, Pipeline, UsageError, clean
from cleaner.pipeline import REGISTRY, STEP_NAMES


def test_default_pipeline_runs_every_registered_step_in_order() -> None:
    assert Pipeline.default().names == STEP_NAMES
    assert STEP_NAMES == (
        "encoding", "mojibake", "boilerplate", "script", "punctuation",
        "spacing", "glossary", "paragraphs", "frontmatter",
    )
    assert set(REGISTRY) == set(STEP_NAMES)


def test_only_skip_and_presets_choose_steps() -> None:
    assert Pipeline.default(only=["paragraphs", "encoding"]).names == ("encoding", "paragraphs")
    assert "glossary" not in Pipeline.default(skip=["glossary"]).names
    assert Pipeline.default(preset="corpus").names == ("encoding", "mojibake", "boilerplate", "paragraphs")


@pytest.mark.parametrize(
    "kwargs",
    [{"only": ["nope"]}, {"skip": ["nope"]}, {"preset": "nope"}, {"to": "latin"}, {"spacing": "wide"}, {"colour": 1}],
)
def test_bad_options_raise_usage_error(kwargs: dict) -> None:
    with pytest.raises(UsageError):
        Pipeline.default(**kwargs)


def test_pipeline_pickles_and_gives_the_same_output() -> None:
    pipeline = Pipeline.default(meta={"draft": True})
    clone = pickle.loads(pickle.dumps(pipeline))
    raw = "第一段\r\n第二段&nbsp;"
    assert cleaner.render(clone(Document.parse(raw))) == cleaner.render(pipeline(Document.parse(raw)))


def test_options_are_frozen() -> None:
    options = Options()
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.to = "hant"  # type: ignore[misc]
    assert options.to == "hans"


def _shout(doc: Document) -> Document:
    return doc.replace(body=doc.body.replace("好", "好！"))


def test_a_users_step_fits_in_after_a_named_one() -> None:
    pipeline = Pipeline.default(only=["encoding", "paragraphs"]).with_step(_shout, after="encoding")
    assert pipeline.names == ("encoding", "_shout", "paragraphs")
    assert cleaner.render(pipeline(Document.parse("你好"))) == "你好！\n"
    assert pickle.loads(pickle.dumps(pipeline)).names == pipeline.names


def test_a_step_that_returns_something_else_is_named() -> None:
    pipeline = Pipeline([("broken", lambda doc: doc.body)])  # type: ignore[arg-type,return-value]
    with pytest.raises(TypeError, match="broken"):
        pipeline(Document(body="x"))


def test_clean_and_process_accept_text_and_bytes() -> None:
    raw = "标题\r\n\r\n\r\n正文。"
    assert cleaner.clean(raw) == cleaner.clean(raw.encode("gb18030")) == "标题\n\n正文。\n"
    result = cleaner.process(raw)
    assert result.changed and result.changes and result.markdown == "标题\n\n正文。\n"


def test_meta_is_merged_into_front_matter() -> None:
    out = cleaner.clean("---\ntitle: 标题\n---\n正文", meta={"draft": True})
    assert out == "---\ntitle: 标题\ndraft: true\n---\n\n正文\n"


def test_no_frontmatter_writes_the_body_only() -> None:
    assert cleaner.clean("---\ntitle: 标题\n---\n正文", frontmatter=False) == "正文\n"


def test_front_matter_errors_name_the_problem() -> None:
    with pytest.raises(cleaner.FrontMatterError, match="never closed"):
        cleaner.clean("---\ntitle: x\n正文")
    with pytest.raises(cleaner.FrontMatterError, match="aliases"):
        cleaner.clean("---\na: &x [1]\nb: *x\n---\n")
    with pytest.raises(cleaner.FrontMatterError, match="mapping"):
        cleaner.clean("---\n- a\n- b\n---\n正文")


def test_a_rule_file_edited_between_calls_is_read_again(tmp_path: Path) -> None:
    """`clean()` binds its steps once per distinct options; a rule file's new content is new
    options, so a corpus loop that edits its rules between calls sees the edit."""
    rules = tmp_path / "rules.toml"
    rule = '[[rule]]\nid = "mine"\ncategory = "promo"\nreason = "my site"\npattern = \'{}\'\n'
    body = "正文第{}段，讲了一件事情的来龙去脉，也讲了后来怎样了。\n\n"
    text = "标题\n\n" + body.format("一") + "甲站广告位\n\n" + body.format("二") + "乙站广告位\n\n" + body.format("三")
    rules.write_text(rule.format("甲站广告位"), encoding="utf-8")
    first = clean(text, rules=rules)
    assert "甲站广告位" not in first and "乙站广告位" in first
    rules.write_text(rule.format("乙站广告位"), encoding="utf-8")
    second = clean(text, rules=rules)
    assert "甲站广告位" in second and "乙站广告位" not in second


def test_options_that_cannot_be_hashed_still_bind() -> None:
    """A list inside `meta` makes the options unhashable; they bind without the cache."""
    assert clean("正文,好", meta={"tags": ["a", "b"]}).startswith("---\ntags:\n- a\n- b\n---\n")
