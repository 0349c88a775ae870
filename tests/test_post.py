"""python-frontmatter's `Post` in and out of `process()`: the library our users' other tools speak."""

from __future__ import annotations

import frontmatter
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cleaner
from cleaner import FrontMatterError
from cleaner.frontmatter_io import post_handler

from .strategies import article, chinese_sentence

NOW = "2025-01-01T00:00:00+08:00"


def test_a_post_is_cleaned_like_the_file_it_was_read_from() -> None:
    text = "---\ntitle: 你好,世界\ntags: [ai, ai]\n---\n\n正文,好的\u200b。\n"
    from_post = cleaner.process(frontmatter.loads(text), now=NOW)
    assert from_post.markdown == "---\ntitle: 你好，世界\ntags:\n- ai\n---\n\n正文，好的。\n"
    assert [(c.step, c.rule) for c in from_post.changes] == [
        (c.step, c.rule) for c in cleaner.process(text, now=NOW).changes
    ]


def test_the_result_is_offered_as_a_post() -> None:
    result = cleaner.process("---\ntitle: 你好,世界\n---\n\n正文,好的\n", now=NOW)
    post = result.post
    assert isinstance(post, frontmatter.Post)
    assert (post.metadata, post.content) == ({"title": "你好，世界"}, "正文，好的")
    again = frontmatter.loads(result.markdown)
    assert (again.metadata, again.content) == (post.metadata, post.content)


@pytest.mark.parametrize(
    ("text", "fence"),
    [
        ("+++\ntitle = \"你好,世界\"\n+++\n\n正文,好的\n", "+++"),
        ('{\n  "title": "你好,世界"\n}\n\n正文,好的\n', "{"),
        ("---\ntitle: 你好,世界\n---\n\n正文,好的\n", "---"),
    ],
)
def test_a_post_keeps_its_format_both_ways(text: str, fence: str) -> None:
    result = cleaner.process(text, now=NOW)
    written = frontmatter.dumps(result.post)
    assert written.startswith(fence) and "你好，世界" in frontmatter.loads(written).get("title", "") + written
    back = cleaner.process(result.post, now=NOW)
    assert back.markdown == result.markdown and not back.changed


def test_a_post_without_metadata_has_no_front_matter() -> None:
    result = cleaner.process(frontmatter.Post("正文,好的"), now=NOW)
    assert result.markdown == "正文，好的\n" and result.post.metadata == {}


def test_a_post_value_front_matter_cannot_hold_is_refused_clearly() -> None:
    post = frontmatter.Post("正文", handler=None, title=object())
    with pytest.raises(FrontMatterError, match="cannot be written as YAML front matter"):
        cleaner.process(post, now=NOW)


@settings(max_examples=40)
@given(article(), chinese_sentence(), st.sampled_from(["yaml", "toml"]))
def test_post_in_equals_text_in_and_post_out_equals_markdown_out(body: str, title: str, fmt: str) -> None:
    handler = post_handler(fmt)
    text = frontmatter.dumps(frontmatter.Post(body, handler, title=title)) + "\n"
    from_text = cleaner.process(text, now=NOW)
    from_post = cleaner.process(frontmatter.loads(text, handler=handler), now=NOW)
    assert from_post.markdown == from_text.markdown
    assert (from_post.post.metadata, from_post.post.content) == (from_text.post.metadata, from_text.post.content)
    out = frontmatter.loads(from_text.markdown, handler=post_handler(fmt))
    assert (out.metadata, out.content) == (from_text.post.metadata, from_text.post.content)
