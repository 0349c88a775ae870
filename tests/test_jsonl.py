"""JSON Lines corpora: each record's field gets exactly what clean() gives; the rest is kept."""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Sequence
from pathlib import Path

import pytest

import cleaner
from cleaner import batch, jsonl
from cleaner.batch import Journal, Run
from cleaner.jsonl import RecordSettings

from .conftest import FIXTURES

SAMPLES = [p for p in sorted((FIXTURES / "samples").glob("*.*")) if p.name != "README.md"]
PIPELINE = cleaner.Pipeline.default()
FAST = cleaner.Pipeline.default(only=["encoding", "paragraphs"])


def _records() -> list[dict[str, object]]:
    texts = [p.read_text(encoding="utf-8") for p in SAMPLES] + ["他说:我们明天见,好吗?\r\n\r\n\r\n再见", ""]
    return [
        {"id": i, "text": text, "url": f"https://example.com/{i}?a=1,2", "score": 0.5 + i, "tags": ["新闻", i], "extra": None}
        for i, text in enumerate(texts)
    ]


def _corpus(records: Sequence[object], *, ascii_every_other: bool = True) -> bytes:
    lines = [json.dumps(r, ensure_ascii=ascii_every_other and i % 2 == 1) for i, r in enumerate(records)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _clean(data: bytes, settings: RecordSettings = RecordSettings(), pipeline: cleaner.Pipeline = PIPELINE) -> tuple[bytes, batch.Stats, list[str]]:
    out = io.BytesIO()
    stats, errors = jsonl.clean_stream(pipeline, io.BytesIO(data), out, settings, name="c.jsonl")
    return out.getvalue(), stats, errors


def test_each_record_gets_exactly_what_clean_gives_and_keeps_every_other_field() -> None:
    records = _records()
    output, stats, errors = _clean(_corpus(records))
    cleaned = [json.loads(line) for line in output.decode("utf-8").split("\n")[:-1]]
    assert errors == [] and stats.documents == len(records) and stats.failed == 0
    assert [r["id"] for r in cleaned] == [r["id"] for r in records]  # order kept
    for before, after in zip(records, cleaned):
        assert after["text"] == cleaner.clean(before["text"])  # type: ignore[arg-type]
        assert {k: v for k, v in after.items() if k != "text"} == {k: v for k, v in before.items() if k != "text"}
        assert list(after) == list(before)  # field order too


def test_non_ascii_is_written_as_itself_never_escaped() -> None:
    output, _, errors = _clean(_corpus(_records()), pipeline=FAST)
    assert errors == []
    assert b"\\u" not in output
    lines = output.splitlines()
    assert len(lines) == len(_records())
    assert all('"tags": ["新闻", '.encode() in line for line in lines)  # the ASCII-escaped ones too


def test_a_lone_surrogate_stays_an_escape_so_the_line_is_still_utf8() -> None:
    output, _, errors = _clean(b'{"text": "a", "odd": "x\\ud800y"}\n')
    assert errors == []
    assert json.loads(output.decode("utf-8"))["odd"] == "x\ud800y"


BAD_LINES = [
    (b"not json", "not valid JSON"),
    (b"", "empty line"),
    (b"[1, 2]", "not a JSON object"),
    (b'{"id": 1}', "no field 'text'"),
    (b'{"text": null}', "field 'text' is null, not text"),
    (b'{"text": 42}', "field 'text' is int, not text"),
    (b'{"text": "\xff\xfe"}', "not UTF-8"),
    (json.dumps({"text": "---\ntitle: [x\n---\nbody"}).encode(), "front matter"),
]


@pytest.mark.parametrize("choice", ["pass", "skip"])
def test_bad_records_are_reported_with_their_line_and_passed_or_skipped(choice: str) -> None:
    good = json.dumps({"text": "一\r\n二"}, ensure_ascii=False).encode()
    lines = [good]
    for bad, _ in BAD_LINES:
        lines += [bad, good]
    output, stats, errors = _clean(b"\n".join(lines) + b"\n", RecordSettings(on_bad_record=choice))
    assert stats.failed == len(BAD_LINES) and stats.documents == len(lines)
    assert len(errors) == len(BAD_LINES)
    for index, ((bad, problem), error) in enumerate(zip(BAD_LINES, errors)):
        assert error.startswith(f"c.jsonl:{2 * index + 2}"), error
        assert problem in error
    out_lines = output.split(b"\n")[:-1]
    cleaned_good = jsonl.dumps({"text": cleaner.clean("一\r\n二")})[:-1]
    expected = [cleaned_good]
    for bad, _ in BAD_LINES:
        expected += ([bad] if choice == "pass" else []) + [cleaned_good]
    assert out_lines == expected


def test_chunk_size_changes_nothing_in_output_or_line_numbers() -> None:
    data = _corpus(_records()) + b"oops\n" + _corpus(_records())
    whole = jsonl.clean_chunk(FAST, jsonl.Chunk("c.jsonl", 1, data, RecordSettings()))
    pieces = list(jsonl.chunks(io.BytesIO(data), "c.jsonl", RecordSettings(), chunk_bytes=1))
    assert len(pieces) == data.count(b"\n")
    results = [jsonl.clean_chunk(FAST, piece) for piece in pieces]
    assert b"".join(r.output for r in results) == whole.output
    assert [e for r in results for e in r.errors] == whole.errors == [f"c.jsonl:{len(_records()) + 1}: not valid JSON (Expecting value)"]


class _Tracked(io.BytesIO):
    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.high = 0

    def readline(self, size: int | None = -1) -> bytes:
        line = super().readline(size)
        self.high = max(self.high, self.tell())
        return line

    def __next__(self) -> bytes:
        line = self.readline()
        if not line:
            raise StopIteration
        return line


def test_records_are_read_a_chunk_at_a_time_not_whole() -> None:
    line = json.dumps({"text": "正文" * 100}).encode() + b"\n"
    source = _Tracked(line * 10_000)  # about 7 MB
    first = next(jsonl.chunks(source, "big.jsonl", RecordSettings(), chunk_bytes=64_000))
    assert 64_000 <= len(first.data) < 64_000 + len(line)
    assert source.high < 64_000 + len(line)


def test_a_utf8_bom_before_the_first_record_is_not_a_bad_record() -> None:
    output, _, errors = _clean(b"\xef\xbb\xbf" + _corpus(_records()[:2]))
    assert errors == [] and output.count(b"\n") == 2


def test_changes_go_to_the_chosen_field() -> None:
    settings = RecordSettings(changes_field="cleaning")
    output, _, _ = _clean(json.dumps({"text": "一\r\n二", "id": 1}).encode() + b"\n", settings)
    record = json.loads(output)
    assert record["cleaning"]["warnings"] == []
    assert {"step": "encoding", "rule": "newline", "line": 1, "column": 2, "before": "\r\n", "after": "\n",
            "kind": "repair", "category": "encoding"} in record["cleaning"]["changes"]
    assert record["text"] == cleaner.clean("一\r\n二")


def test_check_writes_nothing_but_counts_what_would_change() -> None:
    data = _corpus([{"text": "一\r\n二"}, {"text": cleaner.clean("一\r\n二")}])
    output, stats, _ = _clean(data, RecordSettings(check=True))
    assert output == b"" and (stats.documents, stats.changed) == (2, 1)


def _run(source: Path, target: Path, *, resume: bool = False, stop_after: int | None = None, workers: int = 1, report: Path | None = None) -> Run:
    """One command-line-like run of a JSON Lines file with a journal, optionally killed mid-way."""
    journal = Journal(batch.partial_name(target).with_name(".journal"), "run", resume=resume)
    writer = batch.ReportWriter(report, resume=journal.state.report if resume else None) if report else None
    run = Run(journal=journal, report=writer)
    seen = []

    def killer(result: jsonl.ChunkResult) -> None:
        seen.append(result)
        if stop_after is not None and len(seen) == stop_after:
            raise KeyboardInterrupt  # as a kill would: after writing, before committing this chunk

    settings = RecordSettings(entries=report is not None)
    with batch.executor(FAST, workers) as pool:
        try:
            jsonl.run_file(source, target, pool, run, settings, chunk_bytes=20_000, checkpoint_seconds=0, on_chunk=killer)
        except KeyboardInterrupt:
            run.abandon()
            raise
    run.finish()
    return run


def _read(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


@pytest.mark.parametrize("name", ["out.jsonl", "out.jsonl.gz"])
@pytest.mark.parametrize("workers", [1, 2])
def test_an_interrupted_run_resumes_without_redoing_or_duplicating_records(tmp_path: Path, name: str, workers: int) -> None:
    source = tmp_path / "in.jsonl"
    source.write_bytes(_corpus([*_records() * 6, "bad"]))
    reference = _run(source, tmp_path / "ref" / name, report=tmp_path / "ref.json")

    target = tmp_path / name
    with pytest.raises(KeyboardInterrupt):
        _run(source, target, stop_after=3, workers=workers, report=tmp_path / "r.json")
    assert not target.exists() and not (tmp_path / "r.json").exists()  # nothing under a final name
    resumed = _run(source, target, resume=True, workers=workers, report=tmp_path / "r.json")

    assert _read(target) == _read(tmp_path / "ref" / name)
    assert resumed.stats == reference.stats  # the totals add up across the two runs
    assert resumed.new_bytes < reference.new_bytes  # and finished records were not redone
    assert (tmp_path / "r.json").read_bytes() == (tmp_path / "ref.json").read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["in.jsonl", "ref", "ref.json", "r.json", name])


def test_an_input_changed_since_the_interruption_is_done_again_from_the_start(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_bytes(_corpus(_records() * 4))
    target = tmp_path / "out.jsonl"
    with pytest.raises(KeyboardInterrupt):
        _run(source, target, stop_after=2)
    source.write_bytes(_corpus(list(reversed(_records() * 4))))
    resumed = _run(source, target, resume=True)
    _run(source, tmp_path / "ref.jsonl")
    assert target.read_bytes() == (tmp_path / "ref.jsonl").read_bytes()
    assert resumed.stats.documents == len(_records()) * 4


def test_gzip_input_is_recognised_by_its_bytes(tmp_path: Path) -> None:
    data = _corpus(_records())
    plain, _, _ = _clean(data)
    zipped, _, _ = _clean(gzip.compress(data))
    assert zipped == plain
