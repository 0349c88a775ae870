"""The command line at scale: folders with worker processes, JSON Lines, progress, Ctrl-C and --resume."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

import cleaner

from .conftest import FIXTURES

SAMPLES = [p for p in sorted((FIXTURES / "samples").glob("*.*")) if p.name != "README.md"]
FAST = ("--only", "encoding,paragraphs")  # where the steps do not matter, only the plumbing


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "cleaner", *args]


def run(*args: str, stdin: bytes = b"", cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(command(*args), input=stdin, capture_output=True, cwd=cwd, env=env, timeout=300)


def err_lines(proc: subprocess.CompletedProcess[bytes]) -> list[str]:
    err = proc.stderr.decode()
    assert "Traceback" not in err
    return err.splitlines()


def make_tree(root: Path) -> dict[str, bytes]:
    """A folder of articles in several encodings, with files that are not articles beside them."""
    files = {
        "a.txt": "第一段\r\n第二段,好吗?".encode("gbk"),
        "sub/b.md": "---\ntitle: 标题\n---\n正文&nbsp;\r\n".encode(),
        "image.png": b"\x89PNG\r\n\x1a\n\x00",
        "notes.rst": "注释\r\n".encode(),
    }
    for i, sample in enumerate(SAMPLES):
        files[f"sub/deep/{i}-{sample.name}"] = sample.read_bytes()
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return files


def outputs(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_a_tree_gives_the_same_bytes_with_one_or_two_workers_as_clean_gives_each_file(tmp_path: Path) -> None:
    files = make_tree(tmp_path / "in")
    for jobs in ("1", "2"):
        proc = run(str(tmp_path / "in"), "-o", str(tmp_path / f"out{jobs}"), "-j", jobs)
        assert proc.returncode == 0, proc.stderr.decode()
        assert err_lines(proc) == []  # quiet when stderr is not a terminal
    expected = {name: cleaner.clean(data).encode() for name, data in files.items() if not name.endswith((".png", ".rst"))}
    assert outputs(tmp_path / "out1") == expected
    assert outputs(tmp_path / "out2") == expected
    one = run(str(tmp_path / "in" / "a.txt")).stdout
    assert one == expected["a.txt"]


def test_glob_chooses_which_files_of_a_tree_are_taken(tmp_path: Path) -> None:
    make_tree(tmp_path / "in")
    assert run(str(tmp_path / "in"), "-o", str(tmp_path / "out"), "--glob", "*.rst").returncode == 0
    assert list(outputs(tmp_path / "out")) == ["notes.rst"]


def test_failed_files_are_listed_at_the_end_and_the_others_still_written(tmp_path: Path) -> None:
    make_tree(tmp_path / "in")
    (tmp_path / "in" / "sub" / "bad.md").write_bytes(b"---\ntitle: [x\n---\nbody\n")
    (tmp_path / "in" / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    proc = run(str(tmp_path / "in"), "-o", str(tmp_path / "out"), "-j", "2", *FAST)
    assert proc.returncode == 2
    lines = err_lines(proc)
    assert len(lines) == 2
    assert lines[0].startswith(f"cleaner: {tmp_path / 'in' / 'photo.txt'}: ") and "PNG" in lines[0]
    assert lines[1].startswith(f"cleaner: {tmp_path / 'in' / 'sub' / 'bad.md'}:") and "front matter" in lines[1]
    written = outputs(tmp_path / "out")
    assert "a.txt" in written and "sub/b.md" in written
    assert "photo.txt" not in written and "sub/bad.md" not in written


def test_in_place_over_a_tree_with_workers(tmp_path: Path) -> None:
    files = make_tree(tmp_path / "in")
    (tmp_path / "in" / "bad.md").write_bytes(b"---\ntitle: [x\n---\nbody\n")
    proc = run("--in-place", "-j", "2", str(tmp_path / "in"))
    assert proc.returncode == 2 and len(err_lines(proc)) == 1
    after = outputs(tmp_path / "in")
    assert after["bad.md"] == b"---\ntitle: [x\n---\nbody\n"
    assert after["image.png"] == files["image.png"] and after["notes.rst"] == files["notes.rst"]
    assert after["a.txt"] == cleaner.clean(files["a.txt"]).encode()
    assert not [name for name in after if Path(name).name.startswith(".")]  # no temp files, no journal


def test_the_summary_line_is_printed_with_verbose_and_adds_up(tmp_path: Path) -> None:
    make_tree(tmp_path / "in")
    (tmp_path / "in" / "bad.md").write_bytes(b"---\ntitle: [x\n---\nbody\n")
    proc = run(str(tmp_path / "in"), "-o", str(tmp_path / "out"), "-v", *FAST)
    summary = err_lines(proc)[-1]
    count = len(SAMPLES) + 3  # a.txt, sub/b.md, bad.md
    assert summary.startswith(f"cleaner: {count} documents, ")
    assert f", 1 failed, " in summary and summary.endswith(" MB/s")
    single = run("-v", stdin=b"abc\r\n")
    assert single.stdout == b"abc\n"
    assert err_lines(single)[0].startswith("cleaner: 1 documents, 1 changed, 0 failed")
    assert err_lines(run("-q", stdin=b"abc")) == []


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_a_progress_bar_and_summary_appear_when_stderr_is_a_terminal(tmp_path: Path) -> None:
    make_tree(tmp_path / "in")
    master, slave = os.openpty()
    proc = subprocess.Popen(command(str(tmp_path / "in"), "-o", str(tmp_path / "out"), *FAST), stderr=slave, stdout=subprocess.PIPE)
    os.close(slave)
    seen = b""
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:  # the terminal closed with the process
            break
        if not data:
            break
        seen += data
    proc.wait(timeout=300)
    os.close(master)
    text = seen.decode()
    assert proc.returncode == 0
    assert "\r" in text and " MB/s" in text  # the redrawn status line
    assert f"cleaner: {len(SAMPLES) + 2} documents, " in text  # and the summary after it


def jsonl_corpus(records: int = 0, *, repeat: int = 1) -> bytes:
    rows = []
    for n in range(repeat):
        for i, sample in enumerate(SAMPLES):
            rows.append({"id": f"{n}-{i}", "text": sample.read_text(encoding="utf-8") + f"\n第{n}篇\n", "lang": "中文"})
    rows.append({"id": "tail", "text": "他说:好吗?\r\n\r\n\r\n再见"})
    return "".join(json.dumps(r, ensure_ascii=bool(k % 2)) + "\n" for k, r in enumerate(rows)).encode()


def read_jsonl(data: bytes) -> list[dict[str, object]]:
    return [json.loads(line) for line in data.split(b"\n")[:-1]]


def test_jsonl_through_the_cli_equals_clean_per_record_gzip_by_suffix(tmp_path: Path) -> None:
    source = tmp_path / "corpus.jsonl.gz"
    source.write_bytes(gzip.compress(jsonl_corpus()))
    proc = run("--jsonl", str(source), "-o", str(tmp_path / "out.jsonl.gz"), "-j", "2")
    assert proc.returncode == 0, proc.stderr.decode()
    data = (tmp_path / "out.jsonl.gz").read_bytes()
    assert data[:2] == b"\x1f\x8b"
    cleaned = read_jsonl(gzip.decompress(data))
    original = read_jsonl(jsonl_corpus())
    assert [r["id"] for r in cleaned] == [r["id"] for r in original]
    for before, after in zip(original, cleaned):
        assert after == {**before, "text": cleaner.clean(before["text"])}  # type: ignore[arg-type]
    assert b"\\u" not in gzip.decompress(data)
    plain = run("--jsonl", str(source), "-o", str(tmp_path / "out.jsonl"), "-j", "1")
    assert plain.returncode == 0 and (tmp_path / "out.jsonl").read_bytes() == gzip.decompress(data)


def test_jsonl_from_stdin_to_stdout() -> None:
    proc = run("--jsonl", *FAST, stdin=b'{"text": "a\\r\\nb", "n": 1}\n')
    assert proc.returncode == 0
    assert proc.stdout == json.dumps({"text": cleaner.clean("a\r\nb", only=["encoding", "paragraphs"]), "n": 1}).encode() + b"\n"


@pytest.mark.parametrize("choice", ["pass", "skip"])
def test_jsonl_bad_records_are_named_by_line_and_passed_or_skipped(tmp_path: Path, choice: str) -> None:
    source = tmp_path / "c.jsonl"
    source.write_bytes(b'{"text": "a"}\nnot json\n{"body": "b"}\n{"text": "c"}\n')
    proc = run("--jsonl", str(source), "-o", str(tmp_path / "o.jsonl"), "--on-bad-record", choice, *FAST)
    assert proc.returncode == 2
    assert err_lines(proc) == [
        f"cleaner: {source}:2: not valid JSON (Expecting value)",
        f"cleaner: {source}:3: no field 'text'",
    ]
    lines = (tmp_path / "o.jsonl").read_bytes().split(b"\n")[:-1]
    kept = [b"not json", b'{"body": "b"}'] if choice == "pass" else []
    assert lines == [b'{"text": "a\\n"}', *kept, b'{"text": "c\\n"}']


def test_jsonl_changes_field_and_report(tmp_path: Path) -> None:
    source = tmp_path / "c.jsonl"
    source.write_bytes(b'{"text": "a\\r\\nb"}\n{"text": "clean\\n"}\n')
    report = tmp_path / "r.json"
    proc = run("--jsonl", str(source), "-o", str(tmp_path / "o.jsonl"), "--changes-field", "log", "--report", str(report), *FAST)
    assert proc.returncode == 0
    first, second = read_jsonl((tmp_path / "o.jsonl").read_bytes())
    assert any(c["rule"] == "newline" for c in first["log"]["changes"])  # type: ignore[index]
    assert second["log"] == {"changes": [], "warnings": []}
    entries = json.loads(report.read_text(encoding="utf-8"))["inputs"]
    assert [e["path"] for e in entries] == [f"{source}:1"]  # records that changed or warned


def test_jsonl_check_counts_records_that_would_change(tmp_path: Path) -> None:
    source = tmp_path / "c.jsonl"
    source.write_bytes(b'{"text": "a\\r\\nb"}\n{"text": "clean\\n"}\n')
    proc = run("--jsonl", "--check", str(source), *FAST)
    assert proc.returncode == 1 and proc.stdout == b""
    assert err_lines(proc) == [f"1 JSON Lines input(s) would change: {source} (1 of 2 records)"]


def wait_for(condition: Callable[[], bool], proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while not condition():
        if proc.poll() is not None:
            pytest.fail("the run ended before it could be interrupted")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail("the run made no progress")
        time.sleep(0.02)


def summary_counts(proc: subprocess.CompletedProcess[bytes]) -> str:
    return err_lines(proc)[-1].split(";")[0]


def test_ctrl_c_leaves_nothing_under_the_final_name_and_resume_finishes_the_jsonl(tmp_path: Path) -> None:
    source = tmp_path / "corpus.jsonl"
    source.write_bytes(jsonl_corpus(repeat=40))  # about 4.5 MB
    reference = run("--jsonl", str(source), "-o", str(tmp_path / "ref.jsonl"), "-j", "2", "-v", *FAST)
    target = tmp_path / "out.jsonl"
    args = ("--jsonl", str(source), "-o", str(target), "-j", "2", "-v", *FAST)
    proc = subprocess.Popen(command(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    partial = tmp_path / ".out.jsonl.cleaner-partial"
    wait_for(lambda: partial.exists() and partial.stat().st_size > 0, proc)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130
    assert err.decode().splitlines() == [
        "cleaner: stopping after the work in flight (Ctrl-C again to stop at once)",  # said at once
        "cleaner: interrupted; run the same command with --resume to continue",
    ]
    assert not target.exists()
    resumed = run(*args, "--resume")
    assert resumed.returncode == 0, resumed.stderr.decode()
    assert target.read_bytes() == (tmp_path / "ref.jsonl").read_bytes()
    assert summary_counts(resumed) == summary_counts(reference)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus.jsonl", "out.jsonl", "ref.jsonl"]


def test_ctrl_c_in_a_tree_then_resume_does_not_redo_finished_files(tmp_path: Path) -> None:
    sample = (FIXTURES / "samples" / "interview-footer-promos.txt").read_text(encoding="utf-8")
    for n in range(120):
        (tmp_path / "in" / f"{n // 10}").mkdir(parents=True, exist_ok=True)
        (tmp_path / "in" / f"{n // 10}" / f"{n:03}.txt").write_text(f"第{n}篇\n\n{sample}", encoding="utf-8")
    out = tmp_path / "out"
    args = (str(tmp_path / "in"), "-o", str(out), "-j", "1", "-v", *FAST)
    proc = subprocess.Popen(command(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    journal = out / ".cleaner-resume"
    wait_for(lambda: journal.exists() and journal.read_text(encoding="utf-8").count("\n") > 5, proc)
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=120)
    assert proc.returncode == 130
    finished = {p: p.stat().st_mtime_ns for p in out.rglob("*.txt")}
    assert 0 < len(finished) < 120
    resumed = run(*args, "--resume")
    assert resumed.returncode == 0, resumed.stderr.decode()
    assert summary_counts(resumed).startswith("cleaner: 120 documents, 120 changed, 0 failed")
    assert {p: p.stat().st_mtime_ns for p in finished} == finished  # not written again
    files = sorted(out.rglob("*"))
    assert len([p for p in files if p.is_file()]) == 120 and not journal.exists()
    for path in (tmp_path / "in").rglob("*.txt"):
        expected = cleaner.clean(path.read_bytes(), only=["encoding", "paragraphs"]).encode()
        assert (out / path.relative_to(tmp_path / "in")).read_bytes() == expected


def test_a_preset_can_come_from_the_config_file(tmp_path: Path) -> None:
    raw = "他说:我们明天见,好吗?\r\n".encode()
    (tmp_path / "cleaner.toml").write_text('preset = "corpus"\n', encoding="utf-8")
    from_config = run(stdin=raw, cwd=tmp_path).stdout
    assert from_config == cleaner.clean(raw, preset="corpus").encode()
    assert from_config != cleaner.clean(raw).encode()  # corpus does not rewrite house style
    assert run("--preset", "house", stdin=raw, cwd=tmp_path).stdout == cleaner.clean(raw).encode()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--field", "body", "a.txt"), "--field goes with --jsonl"),
        (("--dask", "local", "a.txt"), "--dask goes with --jsonl"),
        (("--jsonl", "--diff", "a.jsonl"), "--diff does not go with --jsonl"),
        (("-j", "0", "a.txt"), "-j takes a number of workers"),
        (("--resume", "a.txt"), "--resume goes with -o or --in-place"),
        (("--resume", "-o", "out.md"), "--resume cannot continue reading stdin"),
        (("-v", "-q", "a.txt"), "choose one of -v, -q"),
    ],
)
def test_usage_errors_are_one_line(args: tuple[str, ...], message: str) -> None:
    proc = run(*args)
    assert proc.returncode == 2
    assert len(err_lines(proc)) == 1 and message in err_lines(proc)[0]


def test_importing_cleaner_never_imports_dask() -> None:
    code = "import sys, cleaner, cleaner.cli, cleaner.batch, cleaner.jsonl; print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, check=True).stdout == b"[]\n"
