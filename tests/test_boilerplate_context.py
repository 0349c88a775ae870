"""The boilerplate step's second stage: the context classifier (steps/boilerplate_context.py).

Every text here is our own: junk of each kind a scrape leaves around an article, and the
look-alikes an article holds that must stay (docs/rules.md, "The context classifier").
"""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

import cleaner
from cleaner import Document, Pipeline, audit
from cleaner.errors import UsageError
from cleaner.pipeline import Options
from cleaner.report import summary
from cleaner.steps.boilerplate import boilerplate, category_of
from cleaner.steps.boilerplate_context import KINDS, is_good, is_prose, is_section_title, rule_id

from .helpers import assert_idempotent, assert_replays
from .strategies import SECTION_NUMBERS, article_line, chinese_sentence, han_run

PARAGRAPHS = [
    "这个周末我们去了城郊的一个小农场，孩子们第一次亲手给奶牛喂了草料。",
    "农场主告诉我们，这里的牛每天要吃掉大约三十公斤的青草和干草，还要喝很多水。",
    "回家的路上，女儿一直在问为什么牛要反刍，我只好在车上给她讲了半天胃的构造。",
]
ARTICLE = "\n".join(PARAGRAPHS) + "\n"


def _step(text: str, mode: str = "balanced") -> tuple[Document, Document]:
    before = Document(body=text).with_spans()
    return before, boilerplate(before, Options(boilerplate_mode=mode))


def _gone(text: str, mode: str = "balanced") -> dict[str, str]:
    """Removed lines -> the rule id that removed them."""
    before, after = _step(text, mode)
    return {c.before.strip(): rule_id(c.rule) for c in after.changes if not c.after and c.before.strip()}


# --- each kind of junk goes, with its kind's id ------------------------------------------------

JUNK_AT_HEAD = {
    "context-navigation": ["登录 注册 找回密码", "分享 收藏 打印", "您现在的位置是：首页 - 生活 - 亲子", "Skip to content"],
    "context-metadata": ["发表于 2023-04-09 | 阅读 5678 次", "文章数: 120", "2025-03-01 生活·亲子", "3259", "农场全景.png"],
    "context-list": ["- 要闻\n- 国内\n- 国际\n- 财经\n- 体育"],
}


@pytest.mark.parametrize("kind,line", [(k, line) for k, lines in JUNK_AT_HEAD.items() for line in lines])
def test_each_kind_of_head_junk_goes_with_its_kind(kind: str, line: str) -> None:
    gone = _gone(line + "\n" + ARTICLE)
    first = line.split("\n")[0]
    assert gone.get(first.strip()) == kind
    assert all(p not in gone for p in PARAGRAPHS)


def test_a_comment_section_at_the_tail_goes() -> None:
    text = ARTICLE + "读者评论\n小周：写得真好 2025-01-02 08:30\n阿明：我家孩子也想去\n"
    gone = _gone(text)
    assert gone["读者评论"] == "context-comments"
    assert set(gone) == {"读者评论", "小周：写得真好 2025-01-02 08:30", "阿明：我家孩子也想去"}


def test_short_lines_between_chrome_go_as_a_run() -> None:
    text = "登录 注册\n生活频道\n亲子\n阅读 120\n周末去农场\n" + ARTICLE
    gone = _gone(text)
    assert gone["生活频道"] == gone["亲子"] == "context-run"
    assert "周末去农场" not in gone  # the title, just above the article, stays


def test_the_first_line_is_kept_as_the_title_except_when_aggressive() -> None:
    text = "周末去农场\n文章数: 120\n" + ARTICLE
    assert "周末去农场" not in _gone(text)
    assert _gone(text, "aggressive")["周末去农场"] == "context-run"
    # --extract-meta still finds the title on the body's first line.
    result = cleaner.process(text.encode(), path="a.txt", extract_meta=True, only=["encoding", "boilerplate", "frontmatter"])
    assert "title: 周末去农场" in result.markdown


def test_a_later_copy_of_the_title_goes_and_the_first_stays() -> None:
    text = "周末去农场喂奶牛\n2024-06-01 生活\n周末去农场喂奶牛\n" + ARTICLE
    before, after = _step(text)
    assert after.body.count("周末去农场喂奶牛") == 1
    assert any(c.rule.startswith("context-title-copy [copy of line 1") for c in after.changes)


def test_a_column_of_section_names_between_widget_rows_goes() -> None:
    text = "登录 注册\n要闻\n国内\n国际\n财经\n体育\n分享 打印\n" + ARTICLE
    assert set(_gone(text)) == {"登录 注册", "要闻", "国内", "国际", "财经", "体育", "分享 打印"}


def test_a_decision_names_its_features_and_category() -> None:
    before, after = _step("发表于 2023-04-09 | 阅读 5678 次\n" + ARTICLE)
    (change,) = after.changes
    assert change.rule == "context-metadata [counter '阅读 5678'; head run]"
    assert category_of(change.rule) == "context"
    assert summary(after.changes, [], before.body)["by_rule"] == {"boilerplate/context-metadata": 1}
    assert_replays(before, after)


def test_traditional_lines_are_judged_like_simplified_ones() -> None:
    gone = _gone("登錄 | 註冊\n發表於 2023-04-09 | 瀏覽 1024 次\n" + ARTICLE)
    assert gone == {"登錄 | 註冊": "context-navigation", "發表於 2023-04-09 | 瀏覽 1024 次": "context-metadata"}


# --- look-alikes that stay -----------------------------------------------------------------------

KEEP_TEXTS = {
    "a short real sentence at the head": "好。\n" + ARTICLE,
    "a short real sentence at the tail, after chrome words": ARTICLE + "完。\n",
    "a list that is the article": "购物清单\n今天要买的东西如下：\n- 苹果\n- 香蕉\n- 橘子\n- 梨子\n- 桃子\n" + ARTICLE,
    "a list closing the article": ARTICLE + "- 苹果\n- 香蕉\n- 橘子\n- 梨子\n- 桃子\n",
    "a dateline inside the story": PARAGRAPHS[0] + "\n2024年3月1日\n" + PARAGRAPHS[1] + "\n",
    "the signature and date of a notice": "各单位：\n" + ARTICLE + "某某市文化和旅游局\n2024年3月1日\n",
    "a signature above tail chrome": ARTICLE + "某某市文化和旅游局\n2024年3月1日\n分享 打印\n",  # the chrome goes
    "a quoted comment the article discusses": "> 网友评论：这种农场只是摆拍\n" + ARTICLE,
    "a comment header inside the story": PARAGRAPHS[0] + "\n读者评论\n" + PARAGRAPHS[1] + "\n",
    "a heading between chrome lines": "登录 注册\n## 周末去农场\n分享 打印\n" + ARTICLE,  # the heading stays
    "speaker labels": "记者：\n农场里一共有多少头牛？\n农场主：\n" + ARTICLE,
    "code with a copyright line": "```\n/*\n * Copyright (c) 2020 Example\n */\n```\n" + ARTICLE,
    "HTML shown as an example": "```html\n<div class=\"nav\">首页</div>\n```\n" + ARTICLE,
    "a table": "| 名称 | 阅读 |\n| --- | --- |\n| 首页 | 100 |\n" + ARTICLE,
    "a long line with chrome words": "分享\n点击阅读原文可以看到农场的介绍，阅读 100 次以上的文章我们都会整理成一本小册子。\n" + ARTICLE,
}


@pytest.mark.parametrize("name", sorted(KEEP_TEXTS))
def test_look_alikes_stay(name: str) -> None:
    text = KEEP_TEXTS[name]
    chrome = ("分享", "登录 注册", "分享 打印")  # the chrome some of these texts put around what must stay
    keep = [line for line in text.splitlines() if line.strip() and line not in chrome]
    before, after = _step(text)
    for line in keep:
        assert line in after.body, (name, line)


def test_a_document_without_a_sentence_is_left_alone() -> None:
    # Nothing reads as article, so nothing can say what is chrome around it.
    for text in ("标题\n\n正文\n", "登录 注册\n生活频道\n文章数: 120\n", "分享\n"):
        assert _step(text)[1].body == text


def test_a_page_cut_mid_paragraph_still_loses_its_chrome() -> None:
    cut = "这个周末我们去了城郊的一个小农场，孩子们第一次亲手给奶牛喂了草料。农场主说这里的牛每天要吃掉"
    text = "登录 注册\n" + cut + "\ntop of page\nbottom of page\nComments\n"
    assert _step(text)[1].body == cut + "\n"


def test_a_bare_date_under_a_signature_stays_in_any_form() -> None:
    for date in ("2024年3月1日", "2024-03-01", "2024.3.1"):
        text = ARTICLE + "某某县农业农村局\n" + date + "\n"
        assert _step(text)[1].body == text


def test_the_dateline_rule_stops_at_the_first_paragraph() -> None:
    # A notice: heading lines, a paragraph, then its signature date within six lines of the top.
    text = "某府发〔2024〕3号\n各单位：\n现将有关事项通知如下，请各单位结合实际认真落实，按时报送材料。\n某某市人民政府\n2024年3月1日\n一、总体要求\n"
    before, after = _step(text)
    assert after.body == text


# --- guard rails ------------------------------------------------------------------------------------


def test_the_guard_protects_prose_between_chrome() -> None:
    line = "欢迎注册本站会员，注册以后可以收藏文章、发表评论，还能收到每周的精选推送！"
    assert is_prose(line)
    text = "登录 注册\n" + line + "\n阅读 100\n" + ARTICLE
    assert line in _step(text)[1].body


def test_good_lines() -> None:
    assert is_good("好。") and is_good("This is a short sentence.")
    assert is_good("今天我们要讨论的问题一共有下面三个：")
    assert not is_good("免费咨询热线：") and not is_good("终于有人讲明白了，真香系列 ...")


# --- settings ----------------------------------------------------------------------------------------

MODE_TEXTS = [
    "登录 注册\n生活频道\n阅读 120\n" + ARTICLE + "分享 打印\n网友评论\n",
    "周末去农场喂奶牛\n2024-06-01 生活\n周末去农场喂奶牛\n" + ARTICLE,
    PARAGRAPHS[0] + "\n点击查看大图\n2025-03-01 生活 亲子\n阅读 100\n" + PARAGRAPHS[1] + "\n",
]


@pytest.mark.parametrize("text", MODE_TEXTS)
def test_each_setting_removes_at_least_what_the_stricter_one_does(text: str) -> None:
    off, conservative, balanced, aggressive = (set(_gone(text, m)) for m in ("off", "conservative", "balanced", "aggressive"))
    assert off <= conservative <= balanced <= aggressive
    assert off < aggressive


def test_an_unknown_setting_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="boilerplate_mode must be one of"):
        Options(boilerplate_mode="strict")


def test_the_setting_is_an_option_of_the_cli_and_the_config_file(tmp_path: object) -> None:
    from pathlib import Path

    from cleaner import cli

    folder = Path(str(tmp_path))
    (folder / "a.txt").write_text("登录 注册\n" + ARTICLE, encoding="utf-8")
    (folder / "cleaner.toml").write_text('boilerplate-mode = "off"\n', encoding="utf-8")
    out_off, out_on = folder / "off.md", folder / "on.md"
    config = str(folder / "cleaner.toml")
    base = ["--only", "encoding,boilerplate", str(folder / "a.txt")]
    assert cli.main([*base, "--config", config, "-o", str(out_off)]) == 0
    assert cli.main([*base, "--config", config, "--boilerplate", "balanced", "-o", str(out_on)]) == 0
    assert "登录 注册" in out_off.read_text(encoding="utf-8")
    assert "登录 注册" not in out_on.read_text(encoding="utf-8")


def test_the_corpus_preset_takes_the_aggressive_setting_unless_told_otherwise() -> None:
    assert Pipeline.default(preset="corpus").options.boilerplate_mode == "aggressive"
    assert Pipeline.default(preset="corpus", boilerplate_mode="conservative").options.boilerplate_mode == "conservative"
    assert Pipeline.default().options.boilerplate_mode == "balanced"


def test_the_audit_page_shows_why_a_line_went() -> None:
    result = cleaner.process(("登录 注册\n文章数: 120\n" + ARTICLE).encode(), path="a.txt", pipeline=Pipeline.default(only=["encoding", "boilerplate"]))
    entries = audit.collect(result)
    assert {(e.category, e.rule.split(" [")[0]) for e in entries.removals} == {
        ("context", "context-navigation"),
        ("context", "context-metadata"),
    }
    page = audit.page([entries], title="t", steps=("encoding", "boilerplate"))
    assert "widget words &#x27;登录 注册&#x27;; head run" in page and "counter" in page


def test_every_decision_kind_is_documented() -> None:
    from pathlib import Path

    rules_doc = (Path(__file__).resolve().parent.parent / "docs" / "rules.md").read_text(encoding="utf-8")
    for kind in KINDS:
        assert f"boilerplate/{kind}" in rules_doc


# --- properties --------------------------------------------------------------------------------------

JUNK_RUNS = {
    "navigation": ["首页 | 社区 | 博客 | 下载", "登录\n注册\n找回密码", "分享 收藏 字号 打印", "当前位置：首页 > 生活"],
    "metadata": ["发布时间：2023-05-18 10:12 浏览：1024 评论：3", "阅读 5678\n收藏 12", "标签：手工 亲子 周末", "2025-03-01 健康 饮食\n12"],
    "list": ["- 要闻\n- 国内\n- 国际\n- 财经\n- 体育\n- 汽车"],
}
# A comment section follows the article; a menu of sections opens the page.
TAIL_RUNS = {k: v for k, v in JUNK_RUNS.items() if k != "list"}
TAIL_RUNS["comments"] = ["网友评论\n小王：说得好 2025-01-02 08:30\n阿花：顶", "读者评论\n老李：学到了\n12"]


@st.composite
def article_shaped(draw: st.DrawFn) -> str:
    """A title, then paragraphs, lists, quotes, speaker labels and code, as an article has."""
    lines = [draw(han_run)]
    lines.append("".join(draw(st.lists(chinese_sentence(), min_size=1, max_size=3))))
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.integers(0, 6))
        if kind == 0:
            lines.append("## " + draw(han_run))
        elif kind == 1:
            lines += ["- " + draw(han_run) for _ in range(draw(st.integers(1, 6)))]
        elif kind == 2:
            lines.append("> " + draw(chinese_sentence()))
        elif kind == 3:
            lines += [draw(han_run) + "：", draw(chinese_sentence())]
        elif kind == 4:
            lines.append("```\n * Copyright (c) 2020\n<div>阅读 100</div>\n```")
        else:
            lines.append("".join(draw(st.lists(chinese_sentence(), min_size=1, max_size=4))))
    lines.append("".join(draw(st.lists(chinese_sentence(), min_size=1, max_size=3))))
    return "\n".join(lines) + "\n"


@given(
    article_shaped(),
    st.sampled_from(sorted(JUNK_RUNS)).flatmap(lambda k: st.sampled_from(JUNK_RUNS[k])),
    st.sampled_from(sorted(TAIL_RUNS)).flatmap(lambda k: st.sampled_from(TAIL_RUNS[k])),
    st.booleans(),
    st.booleans(),
)
def test_junk_runs_at_head_and_tail_go_and_the_article_comes_back_whole(
    article: str, head: str, tail: str, at_head: bool, at_tail: bool
) -> None:
    assume(at_head or at_tail)
    assume(_step(article)[1].body == article)  # generated text that itself looks like chrome is no article
    text = (head + "\n" if at_head else "") + article + (tail + "\n" if at_tail else "")
    before, after = _step(text)
    assert after.body == article
    assert_replays(before, after)
    assert_idempotent(lambda d: boilerplate(d, Options()), after)


@given(article_shaped(), st.sampled_from(["conservative", "balanced", "aggressive"]))
def test_cleaning_twice_is_cleaning_once(article: str, mode: str) -> None:
    text = "登录 注册\n栏目\n阅读 100\n" + article + "分享 打印\n"
    options = Options(boilerplate_mode=mode)
    after = boilerplate(Document(body=text).with_spans(), options)
    assert_idempotent(lambda d: boilerplate(d, options), after)
    assert dataclasses.replace(options).boilerplate_mode == mode


# --- the classifier judges a line as the later steps leave it (issue 20: twice equals once) ------
#
# `paragraphs` strips a paragraph's indent, makes a numbered title a `## ` heading and a `·` bullet
# a `- ` item, and splits a quote's lines; `punctuation` and `spacing` rewrite colons and spaces. A
# line judged one way before them and another way after would make a second run remove it.

CHROME_LINES = ("登录 注册", "生活频道", "2025-03-01 生活 亲子", "关键词: 一一 一一", "阅读 272")


@pytest.mark.parametrize("indent", ["    ", "\t", "  ", "\u3000\u3000"])
def test_an_indented_line_is_judged_as_the_same_line_unindented(indent: str) -> None:
    # Scraped text indents paragraphs and `paragraphs` strips the indent, so an indent is not
    # code here (docs/architecture.md): indented chrome goes as unindented chrome does.
    plain = "\n".join(CHROME_LINES) + "\n" + ARTICLE
    indented = "\n".join(indent + line for line in CHROME_LINES) + "\n" + ARTICLE
    assert set(_gone(plain)) == set(CHROME_LINES)
    assert _gone(indented) == _gone(plain)


def test_indented_structure_is_structure_once_unindented() -> None:
    # `    ## 周末` is a heading and `    > 评论` a quote once `paragraphs` strips the indent.
    for line in ("    ## 周末去农场", "    > 网友评论：这种农场只是摆拍"):
        text = "登录 注册\n" + line + "\n分享 打印\n" + ARTICLE
        assert line.strip() not in _gone(text)


@pytest.mark.parametrize("title", ["01、背景", "一、市场回顾", "（二）农场", "第三章 回家", "1、 背景"])
def test_a_numbered_section_title_stays_as_a_heading_does(title: str) -> None:
    # `paragraphs` makes it `## 01、背景`, which a second run keeps: the first keeps it too.
    text = "登录 注册\n" + title + "\n分享 打印\n" + ARTICLE
    assert title not in _gone(text)
    assert is_section_title(title)


def test_a_numbered_sentence_is_no_section_title() -> None:
    for line in ("01、我们去了农场。", "一、农场主说：", "01、" + "农" * 31, "第一章", "01、一；二"):
        assert not is_section_title(line)


_NO_BOILERPLATE = Pipeline.default(boilerplate_mode="off", spacing="add")


@given(st.sampled_from(SECTION_NUMBERS), st.sampled_from(["", " ", "\u3000"]), st.lists(st.one_of(han_run, st.sampled_from([" ", ":", "：", "，", "AI", "...", "“", "”"])), min_size=1, max_size=6))
def test_every_heading_paragraphs_makes_is_a_section_title_here(number: str, space: str, parts: list[str]) -> None:
    # Through the steps between (`punctuation` makes `...` a `……`, which is no title).
    line = number + space + "".join(parts)
    made = cleaner.clean("正文。\n\n" + line + "\n\n正文。\n", pipeline=_NO_BOILERPLATE).split("\n")[2]
    if made.startswith("## "):
        assert is_section_title(line)
        assert is_section_title(made[3:])


@pytest.mark.parametrize(
    "text",
    [
        # An indented line of code above a field: the field stayed, then went on a second run.
        "    }\n关键词: 一一 一一\nDwarkesh Patel: 一。\n",
        "    关键词: 一一 一一\n一。\n",
        # A numbered title (a heading after `paragraphs`) above a field.
        "01、一\n关键词: 一一 一一\n",
        # A `·` bullet becomes `- `, which a rule's key skips.
        "· 阅读 272\n",
        # A quote's second line becomes a quote of its own.
        "> 关键词: 一一 一一\n> 阅读 272\n",
        # `Mark: 图.png` becomes `Mark：图.png`, a file name.
        "Mark: 图.png\n，一。\n",
        # A line that starts with a closing quote becomes part of the line above.
        "01、一\n关键词: 一一 一一\n一一一一一一一一一一一一一一。\n”关键词: 一一 一一\n",
        "01、> 一。\n”一。\n关键词: 一一 一一\n01、关键词: 一一 一一\n",
        # `spacing` removes the space after `、`, which made `01、 AI 。` a list item before.
        "关键词: 一一 一一\n01、 AI 。\n",
        # A closing mark joins a `·` bullet's line, which then becomes a `- ` item.
        "· 关键词: 一一 一一\n，一。\n一。\n关键词: 一一 一一\n> 关键词: 一一 一一\n",
    ],
)
@pytest.mark.parametrize("spacing", ["remove", "add"])
@pytest.mark.parametrize("mode", ["conservative", "balanced", "aggressive"])
def test_shapes_a_second_run_removed_more_from(text: str, spacing: str, mode: str) -> None:
    pipeline = Pipeline.default(spacing=spacing, boilerplate_mode=mode)
    once = cleaner.clean(text, pipeline=pipeline)
    again = cleaner.process(once, pipeline=pipeline)
    assert [c.before for c in again.changes if c.step == "boilerplate"] == []
    assert again.markdown == once


def test_a_line_that_starts_with_a_closing_mark_is_judged_with_the_line_above() -> None:
    # `paragraphs` joins them into one line: they are one line here too, and go or stay together.
    text = ARTICLE + "完。\n”阅读 272\n"
    assert _gone(text) == {}
    text = "登录 注册\n文章数: 120\n，阅读 272\n" + ARTICLE
    assert _gone(text) == {"登录 注册": "context-navigation", "文章数: 120": "context-metadata", "，阅读 272": "context-metadata"}


_PREFIXES = ("", "", "", "    ", "\t", "  ", "\u3000\u3000", "01、", "一、", "- ", "· ", "・", "1. ", "> ", "## ", "Mark: ", "主持人：", "，", "”", "<p>")
_PIPELINES = {(s, m): Pipeline.default(spacing=s, boilerplate_mode=m) for s in ("remove", "add") for m in ("conservative", "balanced", "aggressive")}


@st.composite
def chrome_around_structure(draw: st.DrawFn) -> str:
    """Chrome lines, article blocks, titles and sentences, each perhaps indented, numbered,
    bulleted, quoted or labelled: what the later steps rewrite, beside what the classifier judges."""
    lines = []
    for _ in range(draw(st.integers(1, 8))):
        body = draw(st.one_of(st.sampled_from(CHROME_LINES + ("图.png", "首页 > 新闻", "精彩评论", "3259")), article_line(), han_run, chinese_sentence()))
        # Prefixes go on one-line blocks: an indented fence is another step's matter.
        prefix = draw(st.sampled_from(_PREFIXES)) if "\n" not in body else ""
        lines.append(prefix + body + draw(st.sampled_from(["\n", "\n", "\n\n"])))
    return "".join(lines)


@given(chrome_around_structure(), st.sampled_from(sorted(_PIPELINES)))
def test_a_second_run_removes_nothing_the_first_kept(text: str, key: tuple[str, str]) -> None:
    pipeline = _PIPELINES[key]
    once = cleaner.clean(text, pipeline=pipeline)
    again = cleaner.process(once, pipeline=pipeline)
    assert [c.before for c in again.changes if c.step == "boilerplate"] == []


_COUNTER_PIECES = st.sampled_from(["阅读", "浏览量", "评论", "赞", "共", "字", "min read", "views", "次", "人", "万", " ", ":", "：", "1", "23", "4.5", "2,000", "读", "min", "read", "文章"])


@example("共 1,000 字")
@example("5 min read")
@given(st.lists(_COUNTER_PIECES, max_size=8).map("".join))
def test_a_line_without_what_a_counter_needs_holds_no_counter(key: str) -> None:
    # The classifier searches for a counter only in lines holding a counter word, `共` or `min
    # read`: every counter the pattern finds must hold one.
    from cleaner.steps.boilerplate_context import lexicon

    lex = lexicon()
    if lex.counter.search(key) is not None:
        assert any(word in key for word in lex.counter_needs)
