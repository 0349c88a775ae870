"""The command line behaves as users of black, ruff and ftfy expect (issue 23).

Each test names the item of the issue it holds to.
"""

from __future__ import annotations

import codecs
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cleaner
from cleaner import batch, cli, discover, jsonl
from cleaner.batch import Progress, Run, Stats
from cleaner.document import Document
from cleaner.pipeline import Pipeline

from .strategies import COMMON_HAN, chinese_sentence
from .test_cli import run, run_on_terminal

FAST = ("--only", "encoding,paragraphs")
CLEAN_POST = "第一段正文。\n\n第二段正文。\n"


def env_without(*names: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in names}
    env.update(extra)
    return env


# --- 1. --check fails exactly when --in-place would write ----------------------------------------


@pytest.mark.parametrize(
    "raw, was",
    [(CLEAN_POST.encode("gbk"), "GB18030"), (codecs.BOM_UTF8 + CLEAN_POST.encode(), "UTF-8 with a BOM")],
)
def test_a_re_encode_is_a_change_that_check_reports_and_in_place_makes(tmp_path: Path, raw: bytes, was: str) -> None:
    post = tmp_path / "post.md"
    post.write_bytes(raw)
    check = run("--check", str(post))
    assert check.returncode == 1, check.stderr.decode()
    assert check.stdout.decode().splitlines() == [f'{post}:1:1: encoding/utf8 re-encode {was} as UTF-8']
    assert run("--in-place", str(post)).returncode == 0
    assert post.read_bytes() == CLEAN_POST.encode()
    assert run("--check", str(post)).returncode == 0  # and now they agree it is clean


def test_the_re_encode_is_in_the_report_at_line_one() -> None:
    result = cleaner.process(CLEAN_POST.encode("gbk"), only=["encoding"])
    assert result.markdown == CLEAN_POST and result.changed
    assert [c.to_json() for c in result.changes] == [
        {"step": "encoding", "rule": "utf8", "line": 1, "column": 1, "before": "GB18030", "after": "UTF-8",
         "kind": "repair", "category": "encoding"}
    ]
    assert cleaner.process(CLEAN_POST.encode(), only=["encoding"]).changes == ()


@settings(max_examples=60, deadline=None)
@given(chinese_sentence(), st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"]), st.sampled_from(["\n", "\r\n"]))
def test_changed_means_the_bytes_written_differ(text: str, codec: str, newline: str) -> None:
    """What `--check` reports (`changed`) is exactly whether `--in-place` would write new bytes."""
    raw = (text + newline).encode(codec)
    result = cleaner.process(raw, only=["encoding"])
    assert result.changed == (result.markdown.encode("utf-8") != raw)


# --- 2. folder walks leave out what git ignores; --exclude, --force-exclude ----------------------


def blog(root: Path) -> Path:
    (root / ".git").mkdir(parents=True)
    (root / ".gitignore").write_text("node_modules/\n_build/\n*.tmp.md\n!keep.tmp.md\n", encoding="utf-8")
    for name in ("posts/a.md", "node_modules/pkg/README.md", "_build/out.md", "posts/x.tmp.md", "posts/keep.tmp.md",
                 "posts/drafts/d.md", "notes/n.md"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes("正文\r\n".encode())
    (root / "notes" / ".ignore").write_text("n.md\n", encoding="utf-8")
    return root


def checked_files(proc: subprocess.CompletedProcess[bytes], root: Path) -> set[str]:
    return {os.path.relpath(os.path.join(root, line.split(":")[0]), root) for line in proc.stdout.decode().splitlines()}


def test_a_folder_walk_leaves_out_gitignored_and_ignored_files(tmp_path: Path) -> None:
    root = blog(tmp_path / "blog")
    proc = run("--check", ".", cwd=root)
    assert proc.returncode == 1
    assert checked_files(proc, root) == {"posts/a.md", "posts/keep.tmp.md", "posts/drafts/d.md"}


def test_exclude_and_extend_exclude(tmp_path: Path) -> None:
    root = blog(tmp_path / "blog")
    extended = run("--check", ".", "--extend-exclude", "drafts/", cwd=root)
    assert checked_files(extended, root) == {"posts/a.md", "posts/keep.tmp.md"}
    replaced = run("--check", str(root / "posts"), "--exclude", "keep.*", cwd=root)
    assert checked_files(replaced, root) == {"posts/a.md", "posts/drafts/d.md"}


def test_force_exclude_applies_to_files_named_on_the_command_line(tmp_path: Path) -> None:
    root = blog(tmp_path / "blog")
    named = ("node_modules/pkg/README.md", "posts/a.md", "posts/drafts/d.md")
    assert checked_files(run("--check", *named, cwd=root), root) == set(named)  # named: cleaned
    forced = run("--check", "--force-exclude", "--extend-exclude", "drafts/", *named, cwd=root)
    assert checked_files(forced, root) == {"posts/a.md"}


def test_force_exclude_with_stdin_filename_passes_an_excluded_file_through(tmp_path: Path) -> None:
    root = blog(tmp_path / "blog")
    raw = "正文\r\n".encode()
    left = run("--stdin-filename", "node_modules/pkg/README.md", "--force-exclude", stdin=raw, cwd=root)
    assert left.returncode == 0 and left.stdout == raw
    cleaned = run("--stdin-filename", "posts/a.md", "--force-exclude", stdin=raw, cwd=root)
    assert cleaned.stdout == "正文\n".encode()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(["a", "b", "node_modules", "_build", "x.md", "y.txt"]), min_size=1, max_size=4))
def test_an_excluded_folder_excludes_everything_under_it(parts: list[str]) -> None:
    ignores = discover.Ignores(["node_modules/", "_build/"])
    inside = any(p in ("node_modules", "_build") for p in parts[:-1])
    assert ignores._any_part_excluded("/".join(parts)) == inside


# --- 4, 5. the progress line ------------------------------------------------------------------


def test_progress_counts_towards_the_total_with_percent_and_eta() -> None:
    progress = Progress(io.StringIO(), enabled=True, total_bytes=4_000_000)
    progress.total_documents = 4
    progress._started -= 2.0  # two seconds in
    progress.update(Stats(documents=1, bytes=1_000_000), 1_000_000, 2.0)
    line = progress.line()
    progress.clear()
    assert line.startswith("1/4 document  25%  1.0/4.0 MB  0.50 MB/s  ETA 6s")


def test_progress_is_redrawn_by_its_own_clock_between_results() -> None:
    stream = io.StringIO()
    progress = Progress(stream, enabled=True, interval=0.01)
    progress.update(Stats(documents=2), 0, 0.0)
    deadline = time.monotonic() + 30
    while stream.getvalue().count("\r\x1b[K2 documents") < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    progress.clear()
    assert stream.getvalue().count("\r\x1b[K2 documents") >= 3


def test_a_line_written_above_the_progress_line_clears_it_first_and_redraws_it() -> None:
    stream = io.StringIO()
    progress = Progress(stream, enabled=True, interval=60)
    progress.update(Stats(documents=1), 0, 0.0)
    with progress.above():
        stream.write("finding\n")
    progress.clear()
    assert stream.getvalue() == "\r\x1b[K1 document  0.0 MB  0.00 MB/s" + "\r\x1b[K" + "finding\n" + (
        "\r\x1b[K1 document  0.0 MB  0.00 MB/s"
    ) + "\r\x1b[K"


def test_findings_on_a_terminal_never_share_the_progress_line(tmp_path: Path) -> None:
    for n in range(6):
        (tmp_path / f"{n}.md").write_bytes("第一段\r\n".encode())
    shown = run_on_terminal("--check", str(tmp_path), "-j", "1", *FAST, env=env_without("NO_COLOR", "FORCE_COLOR"))
    text = shown.decode()
    findings = [line for line in text.split("\n") if "encoding/newline" in line]
    assert len(findings) == 6
    for line in findings:
        assert "documents" not in line.split("\r")[-1]


# --- 6. Ctrl-C ------------------------------------------------------------------------------------


def test_a_stop_asked_for_after_the_last_record_is_a_finished_run(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps({"text": f"第{i}段\r\n"}) + "\n" for i in range(40)), encoding="utf-8")
    target = tmp_path / "out.jsonl"
    flag = batch.StopFlag()
    lines = 0

    def on_chunk(result: jsonl.ChunkResult) -> None:
        nonlocal lines
        lines += result.lines
        if lines == 40:
            flag.requested = True  # Ctrl-C while the last chunk was being written

    run_ = Run()
    with batch.executor(Pipeline.default(only=["encoding"]), 1) as pool:
        jsonl.run_file(source, target, pool, run_, jsonl.RecordSettings(), stop=flag, chunk_bytes=100, on_chunk=on_chunk)
    assert len(target.read_bytes().splitlines()) == 40


def test_ctrl_c_on_json_lines_is_acknowledged_and_a_second_one_stops_at_once(tmp_path: Path) -> None:
    rows = "".join(json.dumps({"text": f"第{i}段,好吗?\r\n" * 40}, ensure_ascii=False) + "\n" for i in range(20000))
    source = tmp_path / "corpus.jsonl"
    source.write_text(rows, encoding="utf-8")
    partial = tmp_path / ".out.jsonl.cleaner-partial"
    proc = subprocess.Popen(
        [sys.executable, "-m", "cleaner", "--jsonl", str(source), "-o", str(tmp_path / "out.jsonl"), "-j", "2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while not (partial.exists() and partial.stat().st_size > 0) and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    lines = err.decode().splitlines()
    assert lines[0] == "cleaner: stopping after the work in flight (Ctrl-C again to stop at once)"
    assert proc.returncode == 130 and "Traceback" not in err.decode()


# --- 7. a closed pipe -------------------------------------------------------------------------------


def test_check_into_a_closed_pipe_keeps_the_exit_status_it_earned(tmp_path: Path) -> None:
    for n in range(20):
        (tmp_path / f"{n}.md").write_bytes("第一段\r\n".encode() * 2000)  # far more findings than a pipe holds
    proc = subprocess.Popen([sys.executable, "-m", "cleaner", "--check", str(tmp_path), *FAST],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.readline()  # `| head -1`
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 1
    assert "Traceback" not in err and "Exception ignored" not in err


def test_json_lines_into_a_closed_pipe_stops_cleanly(tmp_path: Path) -> None:
    corpus = tmp_path / "c.jsonl"
    corpus.write_text("".join(json.dumps({"text": f"第{i}段\r\n" * 20}) + "\n" for i in range(20000)), encoding="utf-8")
    with open(corpus, "rb") as stdin:  # `cleaner --jsonl < c.jsonl | head -1`
        proc = subprocess.Popen([sys.executable, "-m", "cleaner", "--jsonl", "-j", "2", *FAST],
                                stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert proc.stdout is not None and proc.stderr is not None
        assert proc.stdout.readline()
        proc.stdout.close()
        err = proc.stderr.read().decode()
        assert proc.wait(timeout=120) == 0
    assert "Traceback" not in err and "Exception ignored" not in err


# --- 9. the encoding, given -----------------------------------------------------------------------


@pytest.mark.parametrize("word", ["谢谢", "好的"])
def test_a_short_gbk_input_warns_of_its_close_second_and_encoding_settles_it(word: str) -> None:
    raw = word.encode("gbk")
    guessed = cleaner.process(raw)
    assert [w.rule for w in guessed.warnings if w.step == "encoding"] == ["ambiguous"]
    assert cleaner.clean(raw, encoding="gbk") == f"{word}\n"
    proc = run("--encoding", "gbk", stdin=raw)
    assert proc.returncode == 0 and proc.stdout.decode() == f"{word}\n"


def test_an_unknown_or_wrong_encoding_is_one_line() -> None:
    unknown = run("--encoding", "klingon", stdin=b"x")
    assert unknown.returncode == 2 and "klingon" in unknown.stderr.decode() and unknown.stderr.count(b"\n") == 1
    wrong = run("--encoding", "utf-8", stdin="中文".encode("gbk"))
    assert wrong.returncode == 2 and "not valid utf-8 text at byte 0" in wrong.stderr.decode()


@settings(max_examples=150, deadline=None)
@given(st.text(st.sampled_from(COMMON_HAN), min_size=1, max_size=6))
def test_a_short_gbk_input_is_read_right_or_warned_about(text: str) -> None:
    doc = Document.parse(text.encode("gbk"))
    assert doc.body == text or any(w.rule == "ambiguous" for w in doc.warnings)
    assert Document.parse(text.encode("gbk"), encoding="gbk").body == text


# --- 10. --check --diff, --stdin-filename, --color ----------------------------------------------


def test_check_with_diff_shows_the_diff_and_exits_one(tmp_path: Path) -> None:
    post = tmp_path / "a.md"
    post.write_bytes("第一段\r\n".encode())
    proc = run("--check", "--diff", str(post))
    assert proc.returncode == 1
    assert proc.stdout.decode().startswith(f"--- {post}\n+++ {post}\n@@")
    post.write_bytes("第一段\n".encode())
    clean = run("--check", "--diff", str(post))
    assert clean.returncode == 0 and clean.stdout == b""


def test_stdin_filename_names_standard_input_in_findings() -> None:
    proc = run("--check", "--stdin-filename", "posts/a.md", stdin="第一段\r\n".encode())
    assert proc.returncode == 1
    assert proc.stdout.decode().startswith("posts/a.md:1:4: encoding/newline")


@pytest.mark.parametrize(
    "args, env, coloured",
    [(("--color", "always"), {}, True), ((), {"FORCE_COLOR": "1"}, True), (("--color", "never"), {"FORCE_COLOR": "1"}, False),
     ((), {"FORCE_COLOR": "0"}, False)],
)
def test_color_option_and_force_color_on_a_pipe(tmp_path: Path, args: tuple[str, ...], env: dict[str, str], coloured: bool) -> None:
    post = tmp_path / "a.md"
    post.write_bytes("第一段\r\n".encode())
    proc = subprocess.run([sys.executable, "-m", "cleaner", "--check", str(post), *args], capture_output=True,
                          env=env_without("NO_COLOR", "FORCE_COLOR", **env), timeout=120)
    assert (b"\x1b[" in proc.stdout) is coloured


def test_color_never_on_a_terminal() -> None:
    shown = run_on_terminal("--check", "--color", "never", "-", env=env_without("NO_COLOR", "FORCE_COLOR"))
    assert b"\x1b[3" not in shown


# --- 11. GitHub annotations ---------------------------------------------------------------------


def test_github_annotations_are_one_per_line_capped_per_file(tmp_path: Path) -> None:
    post = tmp_path / "a.md"
    post.write_text("".join(f"第{i}段,好吗?\u200b\n\n" for i in range(30)), encoding="utf-8")
    lines = run("--check", "--format", "github", str(post)).stdout.decode().splitlines()
    assert len(lines) == cli.GITHUB_ANNOTATIONS_PER_FILE + 1
    assert all(line.startswith(f"::warning file={post},line=") for line in lines)
    numbers = [int(line.split(",line=")[1].split(",")[0]) for line in lines[:-1]]
    assert numbers == sorted(set(numbers))  # one annotation per line
    assert "findings:%0A" in lines[0] and "U+200B" in lines[0]
    assert "more findings on 20 more lines" in lines[-1]
    errors = run("--check", "--format", "github", "--annotation-level", "error", str(post)).stdout.decode()
    assert errors.startswith("::error ")


@given(st.text(st.characters(categories=["Cf", "Zs", "Zl", "Zp"]), min_size=1, max_size=5))
def test_invisible_characters_are_shown_as_code_points(text: str) -> None:
    message = cli._message({"step": "encoding", "rule": "invisible", "before": text, "after": ""}, False)
    assert all(c == " " or f"U+{ord(c):04X}" in message for c in text)
