"""The `frontmatter` step and front matter reading and writing (`frontmatter_io`)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
import regex
import yaml
from hypothesis import example, given
from hypothesis import strategies as st

import cleaner
from cleaner import Document, FrontMatterError, Pipeline
from cleaner.document import Edit
from cleaner.errors import RuleFileError, UsageError
from cleaner.frontmatter_io import (
    compose_yaml,
    dump,
    load_mapping,
    plain_scalar_differs,
    read_11,
    read_core,
    same_value,
    split_frontmatter,
)
from cleaner.pipeline import DataFile, Options
from cleaner.steps.boilerplate import category_of
from cleaner.pipeline import string_pipeline
from cleaner.steps.frontmatter import frontmatter as frontmatter_step
from cleaner.steps.frontmatter import schema_of

from .conftest import FIXTURES

CLEAN_POST = (FIXTURES / "samples" / "clean-post-with-frontmatter.md").read_text(encoding="utf-8")


def opts(**values: Any) -> Options:
    """Options as the pipeline gives them to the step (`now` and `steps` included when given)."""
    return Options.make(**values)


def frontmatter(doc: Document, options: Options) -> Document:
    """The step as the pipeline binds it: with the text steps the options choose for strings."""
    return frontmatter_step(doc, options, strings=string_pipeline(options))


def run(raw: str, **values: Any) -> Document:
    return frontmatter(Document.parse(raw), opts(**values))


def emitted(doc: Document) -> str:
    return doc.frontmatter or ""


# --- reading safely ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("yaml_text", "problem"),
    [
        ("a: &x [1]\nb: *x\n", "aliases are not allowed"),
        ("a: !!python/object/apply:os.system ['ls']\n", "constructor"),
        ("a: !!binary aGVsbG8=\n", "a: a value of type bytes is not plain data"),
        ("a: " + "[" * 100 + "]" * 100 + "\n", "nested deeper than 32 levels"),
        ("title: a\ntitle: b\n", "key 'title' appears twice"),
        ("- a\n- b\n", "must be a mapping"),
        ("title: [\n", "not valid YAML"),
        ("x: '" + "长" * 30000 + "'\n", "larger than 64 KiB"),
    ],
)
def test_unsafe_or_broken_front_matter_is_refused(yaml_text: str, problem: str) -> None:
    with pytest.raises(FrontMatterError, match=problem):
        Document.parse(f"---\n{yaml_text}---\n正文")


def test_keys_are_the_text_they_are_written_as() -> None:
    meta, *_ = split_frontmatter("---\non: 1\n2024: x\nno: y\n---\n")
    assert meta == {"on": 1, "2024": "x", "no": "y"}


def test_a_bom_and_crlf_do_not_hide_front_matter() -> None:
    doc = Document.parse("\ufeff---\r\ntitle: 标题\r\n---\r\n\r\n正文".encode())
    assert doc.meta == {"title": "标题"} and doc.body == "正文"


def test_an_impossible_date_is_read_as_text_for_validation_to_name() -> None:
    with pytest.raises(FrontMatterError) as info:
        cleaner.clean("---\ndate: 2025-13-45\n---\n正文")
    assert str(info.value) == "<stdin>:2: date: '2025-13-45' is not a valid date"
    assert info.value.field == "date"


# --- writing: every reader reads the same ------------------------------------------------------

TRICKY = [
    "no", "No", "NO", "yes", "on", "off", "y", "n", "true", "False", "null", "~", "",
    "10:00", "1:20:30", "1e3", "1.0e3", "0o17", "017", "0x1F", "1_000", ".inf", "-.NaN", "+1", "3.14",
    "2025-11-11", "2025-11-11 10:00:00", "2025-11-11T10:00:00+08:00",
    "标题: 副标题", "C# 入门", "a #b", "#标签", "他说“你好”", "It's", '"quoted"', "'single'",
    "- 开头", "[不是列表]", "{不是映射}", "@someone", "`code`", "%percent", "!tag", "&anchor", "*star",
    ":symbol", "key: value", "行末空格 ", " 行首空格", "第一行\n第二行", "emoji 😀🚀", "👨‍👩‍👧", "混合Mixed文本123",
    "<<", "=", "?", "|", ">", "-", "---", "...",
]


@pytest.mark.parametrize("value", TRICKY)
def test_strings_read_back_as_the_same_string(value: str) -> None:
    text = dump({"title": value, value or "k": [value]})
    assert load_mapping(text) == {"title": value, value or "k": [value]}
    assert_same_in_yaml_11_and_12(text)


def assert_same_in_yaml_11_and_12(text: str, date_fields: frozenset[str] = frozenset()) -> None:
    """No plain (unquoted) scalar in the text reads differently under YAML 1.1 and 1.2, except
    an ISO date as the value of one of `date_fields`: the same date to every reader."""

    def walk(node: Any) -> None:
        if isinstance(node, yaml.ScalarNode):
            if node.style is None and not (id(node) in dates and regex.fullmatch(r"\d{4}-\d\d-\d\d(T[\d:]+[+-]\d\d:\d\d)?", node.value)):
                assert not plain_scalar_differs(node.value), f"{node.value!r} is ambiguous in {text!r}"
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                walk(item)
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                walk(key)
                walk(value)

    root = compose_yaml(text)
    dates = {id(v) for k, v in getattr(root, "value", ()) if k.value in date_fields} if isinstance(root, yaml.MappingNode) else set()
    walk(root)


@pytest.mark.parametrize(
    ("text", "v11", "v12"),
    [("no", False, "no"), ("10:00", 600, "10:00"), ("1e3", "1e3", 1000.0), ("0o17", "0o17", 15), ("017", 15, 17)],
)
def test_the_readers_we_guard_against_really_differ(text: str, v11: Any, v12: Any) -> None:
    assert same_value(read_11(text), v11) and same_value(read_core(text), v12)


def test_dump_writes_unicode_without_wrapping() -> None:
    long = "很长的摘要，" * 60 + "emoji 😀"
    assert dump({"summary": long}) == f"summary: {long}\n"


scalars = st.one_of(
    st.sampled_from(TRICKY),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=20),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False),
    st.booleans(),
    st.none(),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(TRICKY) | st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
keys = st.sampled_from(TRICKY).filter(bool) | st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=10)


@given(st.dictionaries(keys, values, max_size=6))
def test_front_matter_round_trips(meta: dict[str, Any]) -> None:
    text = dump(meta)
    assert same_value(load_mapping(text), meta)
    assert_same_in_yaml_11_and_12(text)


# --- the step: a value means one thing ---------------------------------------------------------


@pytest.mark.parametrize(
    ("yaml_text", "expected", "rule"),
    [
        ("title: no\n", "title: 'no'\n", "frontmatter:title:yaml-1.1"),  # the schema says string
        ("draft: yes\n", "draft: true\n", "frontmatter:draft:yaml-1.1"),  # the schema says boolean
        ("comments: off\n", "comments: false\n", "frontmatter:comments:yaml-1.1"),  # a 1.1 boolean word
        ("time: 10:00\n", "time: '10:00'\n", "frontmatter:time:yaml-1.1"),  # not base-60
        ("code: 017\n", "code: '017'\n", "frontmatter:code:yaml-1.1"),
        ("size: 1e3\n", "size: '1e3'\n", "frontmatter:size:yaml-1.1"),
        ("people:\n- yes\n- 张三\n", "people:\n- 'yes'\n- 张三\n", "frontmatter:people:yaml-1.1"),
    ],
)
def test_values_yaml_readers_disagree_on_are_settled(yaml_text: str, expected: str, rule: str) -> None:
    doc = run(f"---\n{yaml_text}---\n正文")
    assert emitted(doc) == expected
    assert [c.rule for c in doc.changes] == [rule]
    assert_same_in_yaml_11_and_12(emitted(doc))


def test_untouched_front_matter_is_written_back_byte_for_byte() -> None:
    # (The folded scalar is English: folding Chinese lines puts a space between two Han
    # characters, which `spacing` removes, issue 20; that case is the next test.)
    yaml_text = "# a comment\ntitle:   标题\ntags: [ai, law]   # inline\ndraft: false\n\nsummary: >\n  two\n  lines\n"
    doc = run(f"---\n{yaml_text}---\n正文")
    assert emitted(doc) == yaml_text and not doc.changes


def test_a_folded_chinese_summary_loses_the_space_folding_put_between_han() -> None:
    doc = run("---\ntitle: 标题\nsummary: >\n  两行\n  摘要\n---\n正文")
    assert doc.meta["summary"].strip() == "两行摘要"


def test_a_changed_field_is_rewritten_alone() -> None:
    yaml_text = "# a comment\ntitle:   标题\ntags: [ai, law, ai]   # inline\ndraft: false\n"
    doc = run(f"---\n{yaml_text}---\n正文")
    assert emitted(doc) == "# a comment\ntitle:   标题\ntags:\n- ai\n- law\ndraft: false\n"
    [change] = doc.changes
    assert (change.rule, change.line, change.before, change.after, change.offset) == (
        "frontmatter:tags:duplicate", 4, "'ai'", "", -1,
    )


def test_the_clean_post_front_matter_is_valid_and_unchanged() -> None:
    doc = frontmatter(Document.parse(CLEAN_POST), opts())
    assert doc.frontmatter == Document.parse(CLEAN_POST).frontmatter
    assert not doc.changes


# --- dates ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("'2025/11/11'", "2025-11-11"),
        ("2025年11月11日", "2025-11-11"),
        ("2025年1月5日", "2025-01-05"),
        ("2025.11.11", "2025-11-11"),
        ("2025-11-11", "2025-11-11"),
        ("2025-11-11 10:30", "2025-11-11T10:30:00"),
        ("2025-11-11 10:30:05", "2025-11-11T10:30:05"),
        ("2025-11-11T10:30:00+08:00", "2025-11-11T10:30:00+08:00"),
        ("2025-11-11 00:00:00", "2025-11-11"),
        ("'2024-05-0108:30'", "2024-05-01T08:30:00"),
    ],
)
def test_dates_are_normalized(written: str, expected: str) -> None:
    doc = run(f"---\ndate: {written}\n---\n正文")
    assert doc.meta["date"] == expected
    # A plain ISO date is kept as written (issue 21): every reader reads that date from it.
    assert emitted(doc) == (f"date: {written}\n" if written == expected else f"date: '{expected}'\n")
    assert (doc.changes == ()) == (written == expected)
    assert_same_in_yaml_11_and_12(emitted(doc), frozenset({"date"}))


def test_yaml_dates_in_any_field_become_iso_text() -> None:
    doc = run("---\nevents:\n- 2024-01-02\n---\n正文")
    assert doc.meta["events"] == ["2024-01-02"]
    assert emitted(doc) == "events:\n- '2024-01-02'\n"


# --- merging --meta and key order ---------------------------------------------------------------


def test_meta_values_are_read_by_the_schema_type() -> None:
    doc = run("---\ntitle: 标题\n---\n正文", meta={"draft": "yes", "tags": "ai, open-source", "date": "2025/11/11", "note": "no"})
    assert dict(doc.meta) == {"title": "标题", "date": "2025-11-11", "draft": True, "tags": ["ai", "open-source"], "note": "no"}
    assert emitted(doc) == "title: 标题\ndate: '2025-11-11'\ndraft: true\ntags:\n- ai\n- open-source\nnote: 'no'\n"


def test_keys_keep_the_input_order_and_added_keys_follow_in_schema_order() -> None:
    doc = run("---\nzeta: 1\ntitle: 标题\nalpha: 2\n---\n正文", meta={"source": "https://a.com", "custom": "x", "date": "2025-01-01"})
    assert list(doc.meta) == ["zeta", "title", "alpha", "date", "source", "custom"]


def test_meta_wins_and_is_recorded() -> None:
    doc = run("---\ntitle: 旧\n---\n正文", meta={"title": "新"})
    assert doc.meta["title"] == "新"
    [change] = doc.changes
    assert (change.rule, change.line, change.before, change.after) == ("frontmatter:title:meta", 2, "'旧'", "'新'")


def test_no_front_matter_in_and_none_given_means_none_out() -> None:
    assert cleaner.clean("正文。") == "正文。\n"
    assert cleaner.clean("正文。", meta={"title": "标题"}) == "---\ntitle: 标题\n---\n\n正文。\n"


def test_bad_meta_fails_up_front() -> None:
    with pytest.raises(UsageError, match=r"meta: date: '2025-13-45' is not a valid date"):
        Pipeline.default(meta={"date": "2025-13-45"})


# --- validation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("yaml_text", "field", "message"),
    [
        ("title: [a]\n", "title", "title: [\"a\"] is not a string"),
        ("draft: 'yes'\n", "draft", "draft: 'yes' is not a boolean (true or false)"),
        ("tags:\n- Open Source\n", "tags", "tags[0]: 'Open Source' is not a lowercase slug (a-z, 0-9, single hyphens)"),
        ("source: www.example.com\n", "source", "source: 'www.example.com' is not a valid URL"),
        ("people: 张三\n", "people", "people: '张三' is not a list"),
        ("date: '2025-02-30'\n", "date", "date: '2025-02-30' is not a valid date"),
    ],
)
def test_invalid_fields_are_named_with_value_and_rule(yaml_text: str, field: str, message: str) -> None:
    with pytest.raises(FrontMatterError) as info:
        run(f"---\n{yaml_text}---\n正文")
    assert info.value.field == field
    assert str(info.value) == f"<stdin>:2: {message}"


def test_a_user_schema_can_require_fields(tmp_path: Any) -> None:
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps({"type": "object", "required": ["title", "author"]}), encoding="utf-8")
    with pytest.raises(FrontMatterError, match="author: missing"):
        cleaner.clean("---\ntitle: 标题\n---\n正文", schema=str(schema))
    assert cleaner.clean("---\ntitle: 标题\nauthor: 张三\n---\n正文", schema=str(schema)).startswith("---\n")


@pytest.mark.parametrize(
    ("text", "problem"),
    [("{", "not valid JSON"), ('{"type": "objekt"}', "not a valid JSON Schema"), ("[]", "must be an object")],
)
def test_a_bad_schema_file_fails_up_front(text: str, problem: str) -> None:
    with pytest.raises(RuleFileError, match=problem) as info:
        Pipeline.default(schema=DataFile("s.json", text))
    assert info.value.path == "s.json"


SCHEMA = schema_of(Options())
INVALID: dict[str, st.SearchStrategy[Any]] = {
    "string": st.integers() | st.booleans() | st.lists(st.text(max_size=3), min_size=1, max_size=2),
    "boolean": st.sampled_from(["yes", "true", "1"]) | st.integers(),
    "array": st.text(max_size=5) | st.integers() | st.booleans(),
    "iso-date": st.sampled_from(["2025-13-45", "2025-02-30", "昨天", "2025/13/01", "11-11"]),
    "uri": st.sampled_from(["www.a.com", "not a url", "http://", ""]),
    "slug": st.sampled_from(["Open Source", "AI", "a--b", "-a", "标签"]),
}


def invalid_for(key: str) -> st.SearchStrategy[Any]:
    sub = SCHEMA["properties"][key]
    if sub.get("format") in INVALID:
        return INVALID[sub["format"]]
    if "pattern" in sub.get("items", {}):
        return INVALID["slug"].map(lambda tag: [tag])
    return INVALID[sub["type"]]


@given(st.sampled_from(sorted(SCHEMA["properties"])).flatmap(lambda k: st.tuples(st.just(k), invalid_for(k))))
def test_invalid_values_of_each_field_type_are_rejected_with_the_field_named(case: tuple[str, Any]) -> None:
    key, value = case
    with pytest.raises(FrontMatterError) as info:
        frontmatter(Document(body="正文", meta={key: value}, frontmatter=dump({key: value})), opts(steps=()))
    assert info.value.field == key
    assert str(info.value).split(": ", 1)[1].startswith(key)


slug = st.from_regex(r"[a-z0-9]{1,5}(?:-[a-z0-9]{1,5}){0,2}", fullmatch=True)
text = st.sampled_from(TRICKY) | st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=20)
valid_mapping = st.fixed_dictionaries(
    {},
    optional={
        "title": text,
        "date": st.dates(dt.date(1900, 1, 1), dt.date(2100, 1, 1)).map(str),
        "draft": st.booleans(),
        "tags": st.lists(slug, unique=True, max_size=4),
        "source": st.sampled_from(["https://www.youtube.com/watch?v=EsaUQNx59vA", "http://a.org/路径?x=1#y"]),
        "people": st.lists(text, unique=True, max_size=3),
        "summary": text,
        "extra": st.integers() | st.floats(allow_nan=False) | st.none() | text,
    },
)


@given(valid_mapping)
def test_any_mapping_the_schema_accepts_is_emitted_and_read_back_unchanged(meta: dict[str, Any]) -> None:
    for raw in (f"---\n{dump(meta)}---\n正文" if meta else "正文", "正文"):
        doc = Document.parse(raw)
        given_meta = () if meta and raw.startswith("---") else tuple(meta.items())
        out = frontmatter(doc, opts(steps=(), meta=dict(given_meta)))
        if not meta:
            assert out.frontmatter is None
            continue
        back = load_mapping(out.frontmatter or "")
        if raw.startswith("---"):
            assert same_value(back, meta)  # the input's order too
        else:
            assert back.keys() == meta.keys() and all(same_value(back[k], meta[k]) for k in meta)
        assert_same_in_yaml_11_and_12(out.frontmatter or "")


# --- text steps on front matter strings ----------------------------------------------------------


def test_strings_go_through_the_text_steps_and_are_recorded() -> None:
    doc = run("---\ntitle: \"标\\u200b题\"\nlayout: \"post\\u200b.njk\"\n---\n正文")
    assert doc.meta["title"] == "标题"
    assert doc.meta["layout"] == "post\u200b.njk"  # a machine field: never rewritten
    [change] = doc.changes
    assert (change.step, change.rule, change.before, change.offset) == ("encoding", "frontmatter:title:invisible", "\u200b", -1)


def test_text_steps_left_out_of_the_pipeline_are_left_out_here_too() -> None:
    doc = frontmatter(Document.parse("---\ntitle: \"标\\u200b题\"\n---\n正文"), opts(steps=("frontmatter",)))
    assert doc.meta["title"] == "标\u200b题"


def test_no_frontmatter_option_leaves_the_step_idle() -> None:
    doc = Document.parse("---\ndate: 2025-13-45\n---\n正文")
    assert frontmatter(doc, Options(frontmatter=False)) is doc


# --- --extract-meta ---------------------------------------------------------------------------


def scrape(lines: list[tuple[str, str | None]], front: str = "") -> Document:
    """A document whose `boilerplate` step removed the lines given a rule id, each recorded as
    that step records it: a removal in its rule's category."""
    raw = "\n".join(text for text, _ in lines) + "\n"
    doc = Document.parse(front + raw)
    edits, offset = [], 0
    for text, rule in lines:
        if rule:
            edits.append(Edit(offset, offset + len(text) + 1, "", rule, kind="removal", category=category_of(rule)))
        offset += len(text) + 1
    return doc.edit("boilerplate", edits)


NOW = "2024-06-01T12:00:00+08:00"
SCRAPE = [
    ("打开网易新闻 查看精彩图片", "app-promo"),
    ("田渊栋离职：AI研究的下一步", None),
    ("2024-05-0108:30·上海", "dateline"),
    ("作者：张三  责任编辑：李四", "author-line"),
    ("来源：澎湃新闻", "source-line"),
    ("原标题：《AI的未来》", "original-title-line"),
    ("编辑：王五", "editor-line"),
    ("正文第一段。", None),
]


def test_extract_meta_fills_fields_from_removed_metadata_lines() -> None:
    doc = frontmatter(scrape(SCRAPE), opts(extract_meta=True, now=NOW))
    assert dict(doc.meta) == {
        "title": "田渊栋离职：AI研究的下一步",
        "date": "2024-05-01T08:30:00+08:00",
        "author": "张三",
        "source_name": "澎湃新闻",
        "original_title": "AI的未来",
    }
    assert doc.body == "正文第一段。\n"
    fills = {c.rule: (c.line, c.before) for c in doc.changes if c.rule.endswith(":extract-meta")}
    assert fills == {
        "frontmatter:title:extract-meta": (2, "田渊栋离职：AI研究的下一步"),
        "frontmatter:date:extract-meta": (3, "2024-05-0108:30·上海"),
        "frontmatter:author:extract-meta": (4, "作者：张三  责任编辑：李四"),
        "frontmatter:source_name:extract-meta": (5, "来源：澎湃新闻"),
        "frontmatter:original_title:extract-meta": (6, "原标题：《AI的未来》"),
    }
    assert [c.rule for c in doc.changes if c.offset >= 0 and c.step == "frontmatter"] == ["title-line"]
    assert doc.frontmatter == dump(doc.meta)


def test_extract_meta_never_overwrites_a_given_field() -> None:
    doc = frontmatter(scrape(SCRAPE, "---\ntitle: 原有标题\n---\n"), opts(extract_meta=True, now=NOW, meta={"author": "赵六"}))
    assert doc.meta["title"] == "原有标题" and doc.meta["author"] == "赵六"
    assert doc.body.startswith("田渊栋离职：AI研究的下一步\n")


def test_editors_are_not_authors() -> None:
    doc = frontmatter(scrape([("责任编辑：李四", "editor-line"), ("正文。", None)]), opts(extract_meta=True))
    assert "author" not in doc.meta


def test_a_date_after_the_run_is_rejected_not_stored() -> None:
    doc = frontmatter(scrape([("2024-07-01 08:30", "dateline"), ("正文。", None)]), opts(extract_meta=True, now=NOW))
    assert "date" not in doc.meta
    assert [w.rule for w in doc.warnings] == ["future-date"]


@pytest.mark.parametrize(
    ("line", "now", "expected"),
    [
        ("2024年5月1日", NOW, "2024-05-01"),
        ("05月01日 08:30", NOW, "2024-05-01T08:30:00+08:00"),
        ("12月31日 23:00", NOW, "2023-12-31T23:00:00+08:00"),  # no year: the last one not ahead
    ],
)
def test_chinese_datelines(line: str, now: str, expected: str) -> None:
    doc = frontmatter(scrape([(line, "dateline"), ("正文。", None)]), opts(extract_meta=True, now=now))
    assert doc.meta["date"] == expected


def test_a_long_first_line_is_not_a_title() -> None:
    first = "Meta的AI研究总监田渊栋离职了,就在硅谷还在为新一轮AI融资狂欢的时候,字里行间全是“不玩了”的信号。"
    doc = frontmatter(scrape([(first, None), ("正文。", None)]), opts(extract_meta=True))
    assert "title" not in doc.meta and doc.body.startswith(first)


# --- every change to the output has a record; odd values are clear errors (issues 20, 21) -----


def test_a_plain_iso_date_is_not_requoted() -> None:
    doc = run("---\ntitle: 标题\ndate: 2024-01-01\n---\n\n正文。")
    assert emitted(doc) == "title: 标题\ndate: 2024-01-01\n"
    assert doc.changes == ()


def test_a_date_written_otherwise_is_rewritten_with_a_record() -> None:
    doc = run("---\ndate: 2024-1-5\n---\n\n正文。")
    assert emitted(doc) == "date: '2024-01-05'\n"
    assert [(c.rule, c.after) for c in doc.changes] == [("frontmatter:date:date", "'2024-01-05'")]


_PLAIN_VALUES = st.sampled_from(
    ["2024-01-01", "2024-1-1", "2024-01-01 10:00:00", "2024-01-01T10:00:00+08:00", "yes", "no", "10:00", "017",
     "1e3", "标题", "“引号”", "a, b", "3", "true", "'2024-01-01'", '"2024-01-01"', "[2024-01-01, 标题]"]
)


@given(st.lists(st.tuples(st.sampled_from(["title", "date", "updated", "tags", "foo", "summary", "draft"]), _PLAIN_VALUES), min_size=1, max_size=5, unique_by=lambda kv: kv[0]))
@example([("foo", "[2024-01-01, 标题]"), ("title", "2024-01-01")])
def test_every_change_to_the_front_matter_text_has_a_record(fields: list[tuple[str, str]]) -> None:
    text = "".join(f"{key}: {value}\n" for key, value in fields)
    try:
        doc = run(f"---\n{text}---\n\n正文。")
    except FrontMatterError:
        return  # a value the schema refuses: a clear error, nothing written
    if emitted(doc) != text:
        changed = {c.rule.split(":")[1].split("[")[0] for c in doc.changes}
        # Compared field by field: a value rewritten over several lines (a flow list written
        # as a block list) must not shift the comparison of the fields after it.
        after = _fields_by_key(emitted(doc))
        for key, lines in _fields_by_key(text).items():
            if after.get(key) != lines:
                assert key in changed, (lines, after.get(key), doc.changes)


def _fields_by_key(yaml_text: str) -> dict[str, list[str]]:
    """Each top-level key's lines: its own and the indented or `- ` lines under it."""
    fields: dict[str, list[str]] = {}
    key = None
    for line in yaml_text.splitlines():
        if line[:1] not in ("", " ", "\t", "-") and ":" in line:
            key = line.split(":")[0]
            fields[key] = [line]
        elif key is not None:
            fields[key].append(line)
    return fields


ASTRAL = "\U00020000"


@pytest.mark.parametrize("escaped", ['"\\ud840\\udc00"', '"\\uD840\\uDC00"'])
def test_an_escaped_surrogate_pair_is_the_character_it_encodes(escaped: str) -> None:
    # As a JSON serialiser writes a character outside the Basic Multilingual Plane.
    text = f"---\ntitle: {escaped[:-1]}這是標題\"\n---\n\n正文"
    doc = run(text, steps=("script",))
    assert doc.meta["title"] == ASTRAL + "这是标题"
    assert cleaner.clean(text).startswith(f"---\ntitle: {ASTRAL}这是标题\n---")


@pytest.mark.parametrize("escaped", ['"\\ud800"', '"a\\udc00b"', '"\\udc00\\ud800"'])
def test_a_lone_surrogate_is_a_front_matter_error(escaped: str) -> None:
    with pytest.raises(FrontMatterError, match="lone surrogate"):
        Document.parse(f"---\nid: 1\ntitle: {escaped}\n---\n\n正文")
    with pytest.raises(FrontMatterError, match=":3"):
        cleaner.clean(f"---\nid: 1\ntitle: {escaped}\n---\n\n正文", path="a.md")


@given(st.text(st.characters(min_codepoint=0x10000, max_codepoint=0x10FFFF), min_size=1, max_size=5))
def test_any_astral_text_escaped_as_json_writes_it_reads_back(value: str) -> None:
    # json.dumps writes every astral character as an escaped surrogate pair.
    raw = f"---\ntitle: {json.dumps(value)}\n---\n\n正文"
    assert load_mapping(raw.split("---\n")[1]) == {"title": value}
    cleaner.clean(raw)  # no exception escapes


def test_a_number_too_long_to_read_is_a_front_matter_error() -> None:
    with pytest.raises(FrontMatterError, match="too long") as error:
        Document.parse("---\ntitle: 标题\nviews: " + "9" * 5000 + "\n---\n\n正文", path="a.md")
    assert str(error.value).startswith("a.md:3:")


@pytest.mark.parametrize("digits", [4300, 4301, 10_000])
def test_long_numbers_never_escape_as_another_error(digits: int) -> None:
    try:
        Document.parse(f"---\nviews: {'1' * digits}\n---\n\n正文")
    except FrontMatterError:
        pass


# --- TOML (`+++`) and JSON front matter (issue 21) ------------------------------------------------

TOML_POST = '+++\ntitle = "開源模型,新的一年"\ndate = 2024-01-01\ntags = ["ai", "ai"]\n\n[params]\nnote = "保持原样, 不动"\n+++\n\n正文,很好.\n'
JSON_POST = '{\n    "title": "開源模型,新的一年",\n    "date": "2024-01-01",\n    "draft": false\n}\n\n正文,很好.\n'


def test_toml_front_matter_is_read_cleaned_and_written_as_toml() -> None:
    result = cleaner.process(TOML_POST)
    assert result.markdown == (
        '+++\ntitle = "开源模型，新的一年"\ndate = 2024-01-01\ntags = ["ai"]\n\n[params]\nnote = "保持原样, 不动"\n+++\n\n正文，很好.\n'
    )
    assert {c.rule for c in result.changes if c.offset < 0} == {
        "frontmatter:title:opencc", "frontmatter:title:comma", "frontmatter:tags:duplicate"
    }


def test_json_front_matter_is_read_cleaned_and_written_as_json() -> None:
    result = cleaner.process(JSON_POST)
    assert result.markdown == '{\n    "title": "开源模型，新的一年",\n    "date": "2024-01-01",\n    "draft": false\n}\n\n正文，很好.\n'


@pytest.mark.parametrize("post", [TOML_POST.replace("開源模型,", "开源模型，").replace('"ai", "ai"', '"ai"'), JSON_POST.replace("開源模型,", "开源模型，")])
def test_clean_toml_and_json_front_matter_is_kept_byte_for_byte(post: str) -> None:
    result = cleaner.process(post)
    head = post.split("\n\n正文")[0]
    assert result.markdown.startswith(head + "\n\n")
    assert not [c for c in result.changes if c.offset < 0]


@pytest.mark.parametrize(
    ("raw", "where", "problem"),
    [
        ('+++\ntitle = "a"\ntitle = "b"\n+++\n\n正文', "a.md:3:", "not valid TOML"),
        ('+++\ntitle = "a"\n\n正文', "a.md:1:", "never closed"),
        ('{\n  "title": "a",\n  "title": "b"\n}\n\n正文', "a.md:2:", "appears twice"),
        ('{\n  "title": "\\ud800"\n}\n\n正文', "a.md:2:", "lone surrogate"),
        ('{\n  "views": ' + "9" * 5000 + '\n}\n\n正文', "a.md:2:", "too long"),
        ('+++\nviews = ' + "9" * 5000 + '\n+++\n\n正文', "a.md:2:", "too long"),
        ('{\n  "title": 3\n}\n\n正文', "a.md:2:", "title"),
    ],
)
def test_bad_toml_and_json_front_matter_is_a_front_matter_error(raw: str, where: str, problem: str) -> None:
    with pytest.raises(FrontMatterError, match=problem) as error:
        cleaner.clean(raw, path="a.md")
    assert str(error.value).startswith(where), str(error.value)


def test_a_body_that_starts_with_a_brace_is_not_front_matter() -> None:
    assert cleaner.clean("{不是}\n\n正文") == "{不是}\n\n正文\n"
    # A brace on a line of its own, but no key after it: an article, not JSON front matter.
    doc = Document.parse("{\n  这不是数据\n}\n\n正文")
    assert doc.frontmatter is None and doc.body == "{\n  这不是数据\n}\n\n正文"


def _as_toml(meta: dict[str, Any]) -> str:
    from cleaner.frontmatter_io import toml_value

    return "+++\n" + "".join(f"{json.dumps(k)} = {toml_value(v)}\n" for k, v in meta.items()) + "+++\n\n正文,很好。\n"


def _as_json(meta: dict[str, Any]) -> str:
    return json.dumps(meta, ensure_ascii=False, indent=2) + "\n\n正文,很好。\n"


@given(valid_mapping.map(lambda m: {k: v for k, v in m.items() if v is not None}), st.sampled_from(["toml", "json"]))
def test_toml_and_json_front_matter_read_back_in_their_format_as_yaml_would(meta: dict[str, Any], fmt: str) -> None:
    """The same mapping as YAML, TOML or JSON: the same body, the same values, and the output
    in the input's format; text steps never touch the front matter's syntax."""
    from cleaner.frontmatter_io import split_any

    if fmt == "json" and any(isinstance(v, float) and v in (float("inf"), float("-inf")) for v in meta.values()):
        return  # JSON has no infinity: such a value cannot be written as JSON front matter at all
    raw = _as_toml(meta) if fmt == "toml" else _as_json(meta)
    try:
        expected = cleaner.process(f"---\n{dump(meta)}---\n\n正文,很好。\n" if meta else "正文,很好。\n")
    except FrontMatterError:
        with pytest.raises(FrontMatterError):
            cleaner.process(raw)
        return
    result = cleaner.process(raw)
    if not meta:
        return
    out_meta, _, body, _, out_fmt = split_any(result.markdown)
    assert out_fmt == fmt
    assert body == expected.markdown.split("---\n\n", 1)[1]
    assert same_value(out_meta, dict(result.document.meta))
    assert same_value(dict(result.document.meta), dict(expected.document.meta))


def test_a_dateline_dates_the_article_by_the_text_before_its_labels() -> None:
    lines = [("2024-05-01 08:30 编辑：王五", "dateline"), ("正文。", None)]
    doc = frontmatter(scrape(lines), opts(extract_meta=True, now=NOW))
    assert doc.meta["date"] == "2024-05-01T08:30:00+08:00"


def test_a_date_inside_an_original_title_does_not_date_the_article() -> None:
    doc = frontmatter(scrape([("原标题：《2024年5月1日的故事》", "original-title-line"), ("正文。", None)]), opts(extract_meta=True, now=NOW))
    assert "date" not in doc.meta and doc.meta["original_title"] == "2024年5月1日的故事"


def test_metadata_is_read_from_removals_in_the_metadata_category_whatever_the_rule() -> None:
    """A user's rule file with its own id in category `metadata` feeds --extract-meta too."""
    doc = Document.parse("作者：张三\n正文。\n")
    doc = doc.edit("boilerplate", [Edit(0, 6, "", "my-byline", kind="removal", category="metadata")])
    assert frontmatter(doc, opts(extract_meta=True, now=NOW)).meta["author"] == "张三"


# --- libyaml: the fast path agrees with the pure-Python loader --------------------------------


def _outcome(read: Any, text: str) -> Any:
    try:
        return ("value", repr(read(text)))
    except (yaml.YAMLError, RecursionError) as error:
        return ("error", type(error).__name__, str(error))


def _tree(node: Any) -> Any:
    """A node tree as `frontmatter` reads it: kinds, tags, styles, values, and the top-level
    fields with their lines (`entries`)."""
    from cleaner.frontmatter_io import entries_of

    found = entries_of(node)
    return _nodes(node), None if found is None else [(e.key, e.first, e.end) for e in found]


def _nodes(node: Any) -> Any:
    if node is None:
        return None
    if isinstance(node, yaml.ScalarNode):
        return ("scalar", node.tag, node.style, node.value, node.start_mark.line)
    if isinstance(node, yaml.SequenceNode):
        return ("seq", node.tag, bool(node.flow_style), [_nodes(n) for n in node.value])
    return ("map", node.tag, bool(node.flow_style), [(_nodes(k), _nodes(v)) for k, v in node.value])


def assert_fast_path_agrees(text: str) -> None:
    from cleaner.frontmatter_io import _TextDatesLoader, compose_front_matter, read_yaml
    from cleaner.text import compose_yaml, load_yaml

    assert _outcome(read_yaml, text) == _outcome(load_yaml, text)
    assert _outcome(lambda t: read_yaml(t, text_dates=True), text) == _outcome(
        lambda t: yaml.load(t, Loader=_TextDatesLoader), text  # noqa: S506 - the safe loader
    )
    assert _outcome(lambda t: _tree(compose_front_matter(t)), text) == _outcome(lambda t: _tree(compose_yaml(t)), text)


YAML_PIECES = st.sampled_from(
    [
        "a", "标题", ": ", ":", "- ", "-", "? ", "\n", "\n  ", "\n- ", "  ", "\t", "#", " #", "'", '"', "[", "]",
        "{", "}", ", ", "&x ", "*x", "!!str ", "!!binary ", "|", ">", "---", "...", "\\u00e9", "\\ud840\\udc00",
        "yes", "no", "on", "10:00", "2024-01-01", "2025-13-45", "1e3", "0o17", "~", "null", ".inf", "%", "@",
        "\u2028", "\x85", "\ufeff", "\r", "\u3000", "<<", "=",
    ]
)


@given(st.lists(YAML_PIECES, max_size=24).map("".join) | st.lists(YAML_PIECES, max_size=24).map(lambda p: "".join(p) + "\n"))
@example("a: &x [1]\nb: *x\n")
@example("a: " + "[" * 40 + "]" * 40 + "\n")
@example("a:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 40)))
@example("a:\n- " + "- " * 40 + "x\n")
@example("? a\n: " + "- " * 40 + "x\n")
@example("title: a\ntitle: b\n")
@example("a: " + "9" * 5000 + "\n")
@example('a: "\\ud800"\n')
@example("companies:\n- Meta\n- FAIR\ndraft: true\nsummary: >\n  一段\n  摘要\n")
def test_the_libyaml_fast_path_reads_what_the_pure_loader_reads(text: str) -> None:
    """Issue 24: front matter is read through PyYAML's C parser where that is sure to agree.
    Values, errors and the node trees `frontmatter` reads (styles, marks) must be the pure
    loader's, on any text: tricky pieces, aliases, deep nesting, duplicate keys."""
    assert_fast_path_agrees(text)


@given(st.dictionaries(keys, values, max_size=6))
def test_the_libyaml_fast_path_reads_dumped_front_matter_alike(meta: dict[str, Any]) -> None:
    assert_fast_path_agrees(dump(meta))


@pytest.mark.parametrize("value", TRICKY)
def test_the_libyaml_fast_path_reads_tricky_values_alike(value: str) -> None:
    for text in (f"v: {value}\n", f"v: '{value}'\n", f"v:\n- {value}\n", dump({"v": value})):
        assert_fast_path_agrees(text)


def test_without_libyaml_the_pure_loader_reads_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    """PyYAML built without libyaml has no C parser: front matter is read as before, alike."""
    import cleaner.frontmatter_io as frontmatter_io

    with_c = cleaner.clean(CLEAN_POST)
    monkeypatch.setattr(frontmatter_io, "LIBYAML", False)
    assert frontmatter_io.read_yaml("a: [1, 2]\n") == {"a": [1, 2]}
    assert cleaner.clean(CLEAN_POST) == with_c
    with pytest.raises(FrontMatterError, match="aliases are not allowed"):
        Document.parse("---\na: &x [1]\nb: *x\n---\n正文")


@pytest.mark.parametrize("nested", ["a:\n- " + "- " * 29000 + "x\n", "a: " + "[" * 29000 + "]" * 29000 + "\n"])
def test_deep_front_matter_never_reaches_the_recursive_c_composer(nested: str) -> None:
    """libyaml's composer recurses in C, with no depth check: 29,000 levels (within the 64 KiB
    limit) could overflow the stack. Such text goes to the pure loader, which refuses it."""
    from cleaner.frontmatter_io import _shallow

    assert not _shallow(nested)
    with pytest.raises(FrontMatterError, match="nested deeper than 32 levels"):
        Document.parse(f"---\n{nested}---\n正文")
