"""Running one pipeline over many inputs: order, bounded work in flight, per-file errors, resume."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import cleaner
from cleaner import batch
from cleaner.batch import FileJob, Journal, ReportWriter, Run, Stats

from .conftest import FIXTURES

SAMPLES = [p for p in sorted((FIXTURES / "samples").glob("*.*")) if p.name != "README.md"]


def _square_slowly(pipeline: cleaner.Pipeline, n: int) -> tuple[int, int]:
    time.sleep((4 - n % 4) * 0.01)  # later tasks often finish first
    return n, os.getpid()


def test_results_come_back_in_input_order_from_worker_processes() -> None:
    pipeline = cleaner.Pipeline.default(only=["encoding"])
    with batch.executor(pipeline, workers=2) as pool:
        results = list(batch.ordered(pool, _square_slowly, range(40)))
    assert [n for n, _ in results] == list(range(40))
    assert len({pid for _, pid in results}) == 2  # the work really was spread over two processes


class _Counting:
    """Payloads that remember how many were taken, to compare with how many were yielded."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.taken = 0

    def __iter__(self) -> Iterator[int]:
        for n in range(self.count):
            self.taken += 1
            yield n


@pytest.mark.parametrize("workers", [1, 2])
def test_payloads_are_read_at_most_a_window_ahead(workers: int) -> None:
    pipeline = cleaner.Pipeline.default(only=["encoding"])
    payloads = _Counting(50)
    ahead = []
    with batch.executor(pipeline, workers=workers) as pool:
        for done, _ in enumerate(batch.ordered(pool, _square_slowly, payloads), start=1):
            ahead.append(payloads.taken - done)
        assert max(ahead) <= pool.window
    assert payloads.taken == 50


def test_stop_takes_no_new_payloads_but_yields_those_in_flight() -> None:
    pipeline = cleaner.Pipeline.default(only=["encoding"])
    payloads = _Counting(1000)
    seen: list[int] = []
    with batch.executor(pipeline, workers=2) as pool:
        results = batch.Ordered(pool, _square_slowly, payloads, stop=lambda: len(seen) >= 5)
        for n, _ in results:
            seen.append(n)
    assert seen == list(range(len(seen)))  # in order, with no gap: what runs is finished and yielded
    # Tasks handed out but not begun are cancelled (Ctrl-C answers within one task, not a window).
    assert 5 <= len(seen) <= payloads.taken <= 5 + pool.window + 1 < 1000
    assert not results.complete


def _shout(doc: cleaner.Document) -> cleaner.Document:
    return doc.replace(body=doc.body.upper())


def _explode(doc: cleaner.Document) -> cleaner.Document:
    if "boom" in doc.body:
        raise ValueError("a step bug")
    return doc


def _tree(root: Path) -> list[FileJob]:
    files = {
        "a.txt": "第一段\r\n第二段".encode("gbk"),
        "b.md": b"---\ntitle: [unclosed\n---\nbody\n",
        "c.txt": b"plain latin text, boom",
        "d.txt": SAMPLES[0].read_bytes(),
    }
    jobs = []
    for name, data in files.items():
        (root / "in").mkdir(exist_ok=True)
        (root / "in" / name).write_bytes(data)
        jobs.append(FileJob(str(root / "in" / name), str(root / "out" / name)))
    jobs.append(FileJob(str(root / "in" / "missing.txt"), str(root / "out" / "missing.txt")))
    return jobs


@pytest.mark.parametrize("workers", [1, 2])
def test_a_failing_file_is_an_error_line_and_the_others_are_written(tmp_path: Path, workers: int) -> None:
    pipeline = cleaner.Pipeline.default(only=["encoding", "paragraphs"]).with_step(_explode)
    jobs = _tree(tmp_path)
    with batch.executor(pipeline, workers=workers) as pool:
        outcomes = list(batch.ordered(pool, batch.clean_file, jobs))
    assert [o.path for o in outcomes] == [j.source for j in jobs]
    errors = {Path(o.path).name: o.error for o in outcomes if o.error}
    assert set(errors) == {"b.md", "c.txt", "missing.txt"}
    assert "front matter" in errors["b.md"] and errors["b.md"].startswith(str(tmp_path / "in" / "b.md"))
    assert "internal error: ValueError: a step bug" in errors["c.txt"]
    assert "no such file" in errors["missing.txt"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.txt", "d.txt"]
    for name in ("a.txt", "d.txt"):
        raw = (tmp_path / "in" / name).read_bytes()
        assert (tmp_path / "out" / name).read_bytes() == cleaner.process(raw, pipeline=pipeline).markdown.encode()
    total = Stats()
    for outcome in outcomes:
        total.add(outcome.stats)
    assert (total.documents, total.failed) == (5, 3)


def test_the_pipeline_reaches_the_workers_with_the_users_own_step(tmp_path: Path) -> None:
    pipeline = cleaner.Pipeline.default(only=["encoding"]).with_step(_shout)
    (tmp_path / "a.txt").write_text("abc", encoding="utf-8")
    jobs = [FileJob(str(tmp_path / "a.txt"))] * 3
    with batch.executor(pipeline, workers=2) as pool:
        outputs = [o.output for o in batch.ordered(pool, batch.clean_file, jobs)]
    assert outputs == [b"ABC\n"] * 3


def test_stats_add_up_and_count_removed_lines() -> None:
    doc = cleaner.Document(body="a\nb\n")
    removal = doc.edit("boilerplate", [cleaner.Edit(0, 2, "", "promo")])
    result = cleaner.Result(markdown="b\n", document=removal, original_body="a\nb\n", original_text="a\nb\n")
    stats = Stats.of(result, 4)
    assert (stats.documents, stats.changed, stats.removed_lines, stats.bytes) == (1, 1, 1, 4)
    total = Stats()
    for part in (stats, Stats.failure(10), stats):
        total.add(part)
    assert total == Stats(documents=3, changed=2, failed=1, removed_lines=2, warnings=0, bytes=18)
    assert Stats.from_json(total.to_json()) == total


@pytest.mark.parametrize("count", [0, 1, 3])
def test_the_streamed_report_is_the_json_the_report_module_would_write(tmp_path: Path, count: int) -> None:
    entries = [{"path": f"文{i}.txt", "changes": [{"before": "\r\n", "after": "\n"}], "warnings": []} for i in range(count)]
    path = tmp_path / "r.json"
    writer = ReportWriter(path)
    for entry in entries:
        writer.add(entry)
    assert not path.exists()  # it grows under a temporary name
    writer.close()
    assert path.read_text(encoding="utf-8") == json.dumps({"inputs": entries}, ensure_ascii=False, indent=2) + "\n"
    assert not batch.partial_name(path).exists()


def test_a_report_resumed_from_a_position_drops_what_came_after_it(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    writer = ReportWriter(path)
    writer.add({"path": "a"})
    position = writer.position
    writer.add({"path": "lost, as if the process died before committing it"})
    writer.flush()
    writer.abandon()
    again = ReportWriter(path, resume=position)
    again.add({"path": "b"})
    again.close()
    assert json.loads(path.read_text(encoding="utf-8")) == {"inputs": [{"path": "a"}, {"path": "b"}]}


def test_journal_resumes_from_the_last_whole_line(tmp_path: Path) -> None:
    path = tmp_path / ".cleaner-resume"
    journal = Journal(path, "run-1", resume=False)
    run = Run(journal=journal)
    run.add(Stats(documents=1, bytes=5), errors=["x.txt: bad"])
    run.commit({"done": "x.txt"})
    run.add(Stats(documents=1, changed=1, bytes=7))
    run.commit({"done": "y.txt"})
    journal.close()
    with open(path, "a", encoding="utf-8") as handle:
        handle.write('{"done": "z.txt", "sta')  # killed while writing
    state = Journal(path, "run-1", resume=True).state
    assert state.done == {"x.txt", "y.txt"}
    assert state.stats == Stats(documents=2, changed=1, bytes=12)
    assert state.errors == ["x.txt: bad"]


def test_a_journal_from_another_command_is_refused(tmp_path: Path) -> None:
    path = tmp_path / ".cleaner-resume"
    Journal(path, "run-1", resume=False).close()
    with pytest.raises(cleaner.UsageError, match="different command"):
        Journal(path, "run-2", resume=True)
    assert Journal(path, "run-2", resume=False).state.done == set()  # without --resume: start over


def test_error_lines_are_kept_up_to_a_limit_and_the_rest_counted() -> None:
    run = Run(error_limit=2)
    for n in range(5):
        run.add(Stats.failure(1), errors=[f"f{n}: bad"])
    assert run.error_lines() == ["f0: bad", "f1: bad", "… and 3 more failed"]


def test_atomic_write_never_leaves_a_half_file(tmp_path: Path) -> None:
    target = tmp_path / "out.md"
    target.write_bytes(b"old")

    with pytest.raises(TypeError):
        batch.atomic_write(target, "not bytes")  # type: ignore[arg-type]
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.md"]
    batch.atomic_write(target, b"new")
    assert target.read_bytes() == b"new"
