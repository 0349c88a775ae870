"""The JSON report: lines are lines of the input file, whatever the steps before did."""

from __future__ import annotations

import json
from collections import Counter

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

import cleaner
from cleaner import Document, Edit, Pipeline, audit, report

from .conftest import FIXTURES
from .strategies import article

NOW = "2025-01-01T00:00:00+08:00"


def _remove_first_line(doc: Document) -> Document:
    end = doc.body.index("\n") + 1
    return doc.edit("drop", [Edit(0, end, "", "first-line")])


def _comma(doc: Document) -> Document:
    return doc.edit("comma", [Edit(m.start(), m.end(), "，", "comma") for m in regex.finditer(",", doc.body)])


def test_a_late_change_is_reported_on_its_input_line() -> None:
    raw = "---\ntitle: t\n---\n\n广告行\n第一句,好\n\n第二句,好\n"
    pipeline = Pipeline([_remove_first_line, _comma])
    result = cleaner.process(raw, pipeline=pipeline)
    entry = report.input_report(result)
    places = [(c["step"], c["line"], c["column"], c["before"]) for c in entry["changes"]]
    # Input lines: 1-3 front matter, 4 blank, 5 广告行, 6 第一句,好, 7 blank, 8 第二句,好
    assert places == [("drop", 5, 1, "广告行\n"), ("comma", 6, 4, ","), ("comma", 8, 4, ",")]


def test_report_round_trips_as_json_and_counts() -> None:
    result = cleaner.process("一\r\n二\u200b")
    built = json.loads(json.dumps(report.build([result]), ensure_ascii=False))
    (entry,) = built["inputs"]
    assert entry["summary"]["changes"] == len(entry["changes"]) == len(result.changes)
    assert entry["summary"]["by_step"]["encoding"] == 2
    assert entry["changed"] is True


def test_warnings_carry_input_lines() -> None:
    data = bytearray("正常的第一行中文内容。\n\n第二行的中文内容。\n".encode("gbk"))
    del data[data.index("二".encode("gbk")) + 1]
    result = cleaner.process(bytes(data))
    warnings = report.input_report(result)["warnings"]
    assert [(w["step"], w["rule"], w["line"]) for w in warnings if w["step"] == "encoding"] == [
        ("encoding", "undecodable", 3)
    ]


# --- what each record is, and one count of removals for the report and the audit page -----------

PROMPT = "打开网易新闻 查看精彩图片"
SAMPLES = sorted(p for p in (FIXTURES / "samples").glob("*.*") if p.name != "README.md")


def _drop_marked(doc: Document) -> Document:
    """A user's own filter, as one is written without knowing about kinds: it deletes whole lines
    that start with `删：`, so its changes are removals by default."""
    doc = doc.with_spans()
    lines = regex.finditer(r"^删：[^\n]*(?:\n|$)", doc.masked(), regex.M)  # never inside code
    return doc.edit("drop_marked", [Edit(m.start(), m.end(), "", "marked") for m in lines])


def assert_report_and_audit_agree(result: cleaner.Result) -> None:
    summary = report.input_report(result)["summary"]
    collected = audit.collect(result)
    assert summary["removed_chars"] == collected.removed_chars
    assert summary["removed_by_category"] == dict(Counter(e.category for e in collected.removals))
    assert summary["by_kind"].get("removal", 0) == len(collected.removals)
    assert summary["changes"] == len(collected.removals) + len(collected.repairs)
    # The page's share and the report's come from the same two numbers.
    if collected.original_chars:
        assert summary["removed_share"] == round(collected.removed_chars / collected.original_chars, 4)


@pytest.mark.parametrize("preset", ["house", "corpus"])
def test_report_and_audit_count_the_same_removals_on_the_samples(preset: str) -> None:
    pipeline = Pipeline.default(preset=preset, extract_meta=True, now=NOW).with_step(_drop_marked, after="boilerplate")
    removed = 0
    for path in SAMPLES:
        raw = path.read_bytes().replace("\n\n".encode(), f"\n\n删：{PROMPT}\n\n \u3000 \n\n".encode(), 1)
        result = cleaner.process(raw, path=path.name, pipeline=pipeline)
        assert_report_and_audit_agree(result)
        removed += report.input_report(result)["summary"]["removed_chars"]
    assert removed > 0  # the samples do have boilerplate: the agreement is about something


def _with_chrome(body: str, chrome: list[tuple[int, str]]) -> str:
    lines = body.split("\n")
    for at, line in chrome:
        lines.insert(at % (len(lines) + 1), line)
    return "\n".join(lines)


CHROME = st.sampled_from(
    [PROMPT, "来源：澎湃新闻", "2024-05-01 08:30", " \u3000 ", "删：广告", "免责声明：本文内容仅供参考。", "责任编辑：李四", ""]
)


@settings(max_examples=40)  # the whole pipeline per example
@given(article(), st.lists(st.tuples(st.integers(0, 20), CHROME), max_size=6), st.sampled_from(["house", "corpus"]))
def test_report_and_audit_agree_on_generated_documents(body: str, chrome: list[tuple[int, str]], preset: str) -> None:
    pipeline = Pipeline.default(preset=preset, extract_meta=True, now=NOW).with_step(_drop_marked, after="boilerplate")
    result = cleaner.process(_with_chrome(body, chrome), pipeline=pipeline)
    assert_report_and_audit_agree(result)


def test_each_record_says_what_it_is_and_its_category() -> None:
    raw = f"{PROMPT}\n\n他说:好\u200b。\n \t \n第二段。\n"
    result = cleaner.process(raw, only=["encoding", "boilerplate", "punctuation"])
    seen = {(c.step, c.rule): (c.kind, c.category) for c in result.changes}
    assert seen[("boilerplate", "open-app-promo")] == ("removal", "app-promo")
    assert seen[("boilerplate", "blank-line")] == ("repair", "whitespace")  # spaces only: no content
    assert seen[("encoding", "invisible")] == ("repair", "encoding")
    assert seen[("punctuation", "colon")][0] == "rewrite"
    entry = report.input_report(result)
    assert {(c["rule"], c["kind"], c["category"]) for c in entry["changes"]} >= {
        ("open-app-promo", "removal", "app-promo"),
        ("invisible", "repair", "encoding"),
    }
    assert entry["summary"]["removed_chars"] == len(PROMPT + "\n")
    assert entry["summary"]["removed_by_category"] == {"app-promo": 1}


def test_a_warning_says_it_is_one() -> None:
    data = bytearray("正常的第一行中文内容。\n\n第二行的中文内容。\n".encode("gbk"))
    del data[data.index("二".encode("gbk")) + 1]
    (warning,) = [w for w in report.input_report(cleaner.process(bytes(data)))["warnings"] if w["step"] == "encoding"]
    assert warning["kind"] == "warning"


# --- source offsets in linear time (issue 21) ---------------------------------------------------

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from cleaner.document import Change  # noqa: E402


def _one_at_a_time(changes: tuple[Change, ...]) -> list[int]:
    """The definition: each change's offset carried back through every change before it."""
    return [report._back(change.offset, changes[:index]) for index, change in enumerate(changes)]


@st.composite
def edited(draw: st.DrawFn) -> Document:
    """A document after several `edit` calls: replacements, insertions, deletions, touching ones."""
    doc = Document(body=draw(st.text(st.sampled_from("ab\n"), max_size=30)))
    for _ in range(draw(st.integers(1, 6))):
        edits, position = [], 0
        while position <= len(doc.body) and draw(st.booleans()):
            start = draw(st.integers(position, min(len(doc.body), position + 3)))
            end = draw(st.integers(start, min(len(doc.body), start + 3)))
            edits.append(Edit(start, end, draw(st.text(st.sampled_from("xy\n"), max_size=3)), "r"))
            position = end
        if draw(st.booleans()):  # a front matter change between two body steps
            doc = doc.replace(changes=doc.changes + (Change("frontmatter", "f", 2, 1, "a", "b", -1),))
        doc = doc.edit("s", edits)
    return doc


@given(edited())
def test_source_offsets_by_runs_are_the_one_at_a_time_replay(doc: Document) -> None:
    assert report.source_offsets(doc.changes) == _one_at_a_time(doc.changes)


@given(st.text(st.sampled_from("ab\n"), max_size=20), st.integers(0, 25))
def test_line_and_column_by_bisection(text: str, offset: int) -> None:
    line, column = report._Lines(text).line_column(offset)
    assert (line, column) == (report.line_of(text, offset), offset - text.rfind("\n", 0, offset))


def test_many_one_line_fixes_are_placed_on_their_lines() -> None:
    raw = "".join(f"第{n}行,好\n\n" for n in range(2000))
    entry = report.input_report(cleaner.process(raw, only=["punctuation"]))
    assert [c["line"] for c in entry["changes"]] == [2 * n + 1 for n in range(2000)]
