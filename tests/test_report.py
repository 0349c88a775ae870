"""The JSON report: lines are lines of the input file, whatever the steps before did."""

from __future__ import annotations

import json

import regex

import cleaner
from cleaner import Document, Edit, Pipeline, report


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
