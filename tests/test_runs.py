"""Folder and JSON Lines runs from Python: `cleaner.clean_files` and `cleaner.clean_jsonl` (issue 23, item 15)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cleaner
from cleaner import cli, runs

from .strategies import chinese_sentence

ONLY = ["encoding", "paragraphs"]


def tree(root: Path) -> None:
    for name, text in {"a.md": "第一段\r\n第二段", "sub/b.txt": "正文\n", "sub/c.rst": "不是文章\r\n"}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(text.encode("gbk"))


def test_clean_files_writes_a_tree_as_clean_gives_each_file(tmp_path: Path) -> None:
    tree(tmp_path / "in")
    summary = cleaner.clean_files([tmp_path / "in"], output=tmp_path / "out", only=ONLY)
    assert summary.exit_status == 0 and summary.stats.documents == 2 and summary.errors == []
    for name in ("a.md", "sub/b.txt"):
        expected = cleaner.clean((tmp_path / "in" / name).read_bytes(), only=ONLY).encode()
        assert (tmp_path / "out" / name).read_bytes() == expected
    assert not (tmp_path / "out" / "sub" / "c.rst").exists()


def test_clean_files_check_names_what_would_change(tmp_path: Path) -> None:
    tree(tmp_path / "in")
    (tmp_path / "in" / "sub" / "b.txt").write_bytes("正文\n".encode())
    summary = cleaner.clean_files([tmp_path / "in"], check=True, only=ONLY)
    assert summary.changed == [str(tmp_path / "in" / "a.md")] and summary.exit_status == 1


def test_clean_files_hands_each_output_to_on_file(tmp_path: Path) -> None:
    tree(tmp_path / "in")
    seen: dict[str, bytes] = {}
    cleaner.clean_files([tmp_path / "in" / "a.md"], on_file=lambda o: seen.__setitem__(o.path, o.output or b""), only=ONLY)
    assert seen == {str(tmp_path / "in" / "a.md"): "第一段\n\n第二段\n".encode()}


def test_clean_jsonl_equals_clean_per_record(tmp_path: Path) -> None:
    records = [{"id": i, "text": f"第{i}段,好吗?\r\n"} for i in range(5)]
    source = tmp_path / "c.jsonl"
    source.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    summary = cleaner.clean_jsonl(source, tmp_path / "o.jsonl", only=ONLY, jobs=2)
    assert summary.stats.documents == 5 and summary.exit_status == 0
    written = [json.loads(line) for line in (tmp_path / "o.jsonl").read_text(encoding="utf-8").splitlines()]
    assert written == [{**r, "text": cleaner.clean(str(r["text"]), only=ONLY)} for r in records]


def test_clean_jsonl_refuses_to_write_to_stdout_and_bad_choices(tmp_path: Path) -> None:
    with pytest.raises(cleaner.UsageError, match="needs a target"):
        cleaner.clean_jsonl(tmp_path / "c.jsonl")
    with pytest.raises(cleaner.UsageError, match="on_bad_record"):
        cleaner.clean_jsonl(tmp_path / "c.jsonl", tmp_path / "o.jsonl", on_bad_record="drop")


def test_the_command_line_runs_through_the_api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree(tmp_path / "in")
    calls: list[runs.RunSettings] = []
    real = runs.execute

    def spy(settings: runs.RunSettings, *args: Any, **kwargs: Any) -> runs.RunSummary:
        calls.append(settings)
        return real(settings, *args, **kwargs)

    monkeypatch.setattr(runs, "execute", spy)
    assert cli.main([str(tmp_path / "in"), "-o", str(tmp_path / "out"), "--only", ",".join(ONLY), "-q"]) == 0
    assert [c.inputs for c in calls] == [(str(tmp_path / "in"),)]


@settings(max_examples=20, deadline=None)
@given(st.lists(chinese_sentence(), min_size=1, max_size=3))
def test_clean_jsonl_records_are_clean_of_each(texts: list[str]) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        source, target = Path(folder) / "c.jsonl", Path(folder) / "o.jsonl"
        source.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts), encoding="utf-8")
        cleaner.clean_jsonl(source, target, only=ONLY)
        out = [json.loads(line)["text"] for line in target.read_text(encoding="utf-8").splitlines()]
    assert out == [cleaner.clean(t, only=ONLY) for t in texts]
