"""The command line, through a subprocess, as a user runs it."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import FIXTURES

SAMPLES = sorted((FIXTURES / "samples").glob("*.*"))
SAMPLES = [p for p in SAMPLES if p.name != "README.md"]


def run(*args: str, stdin: bytes = b"", cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "cleaner", *args], input=stdin, capture_output=True, cwd=cwd, env=env, timeout=120
    )


def one_line_error(proc: subprocess.CompletedProcess[bytes]) -> str:
    err = proc.stderr.decode()
    assert proc.returncode == 2, err
    assert "Traceback" not in err
    assert err.count("\n") == 1, err
    return err


def test_filter_reads_stdin_writes_stdout() -> None:
    proc = run(stdin="第一行\r\n第二行&nbsp;".encode("gb18030"))
    assert proc.returncode == 0
    assert proc.stdout.decode() == "第一行\n\n第二行\n"


def test_dash_is_stdin() -> None:
    assert run("-", stdin=b"abc").stdout == b"abc\n"


def test_one_file_to_stdout_and_to_output(tmp_path: Path) -> None:
    src = tmp_path / "a.txt"
    src.write_bytes("标题\r\n正文".encode())
    assert run(str(src)).stdout.decode() == "标题\n\n正文\n"
    out = tmp_path / "out" / "a.md"
    assert run(str(src), "-o", str(out)).returncode == 0
    assert out.read_text(encoding="utf-8") == "标题\n\n正文\n"
    assert src.read_bytes() == "标题\r\n正文".encode()  # input untouched


def test_in_place_rewrites_good_files_and_leaves_bad_ones_byte_identical(tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_bytes("第一段\r\n第二段".encode("gbk"))
    bad = tmp_path / "bad.md"
    bad_bytes = b"---\ntitle: [unclosed\n---\n\xe6\xad\xa3\xe6\x96\x87\r\n"
    bad.write_bytes(bad_bytes)
    proc = run("--in-place", str(good), str(bad))
    err = one_line_error(proc)
    assert "bad.md" in err and "front matter" in err
    assert good.read_text(encoding="utf-8") == "第一段\n\n第二段\n"
    assert bad.read_bytes() == bad_bytes
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp files left


def test_in_place_leaves_clean_files_alone(tmp_path: Path) -> None:
    clean = tmp_path / "c.md"
    clean.write_text("正文\n", encoding="utf-8")
    stat = clean.stat()
    assert run("--in-place", str(clean)).returncode == 0
    assert clean.stat().st_mtime_ns == stat.st_mtime_ns


def test_check_exits_1_and_lists_what_would_change(tmp_path: Path) -> None:
    dirty = tmp_path / "dirty.txt"
    dirty.write_bytes("一\r\n二".encode())
    clean = tmp_path / "clean.md"
    clean.write_text("一\n\n二\n", encoding="utf-8")
    proc = run("--check", str(dirty), str(clean))
    assert proc.returncode == 1
    out = proc.stdout.decode()
    assert f"{dirty}:1:2: encoding/newline" in out
    assert str(clean) not in out
    assert "dirty.txt" in proc.stderr.decode()
    assert dirty.read_bytes() == "一\r\n二".encode()
    assert run("--check", str(clean)).returncode == 0


def test_check_github_format_writes_annotations(tmp_path: Path) -> None:
    dirty = tmp_path / "d.txt"
    dirty.write_bytes(b"a\r\nb")
    lines = run("--check", "--format", "github", str(dirty)).stdout.decode().splitlines()
    assert lines and all(line.startswith(f"::warning file={dirty},line=") for line in lines)  # CI shows warnings


def test_diff_prints_a_unified_diff(tmp_path: Path) -> None:
    src = tmp_path / "a.txt"
    src.write_text("一\n\n\n\n二", encoding="utf-8")
    proc = run("--diff", str(src))
    out = proc.stdout.decode()
    assert proc.returncode == 0
    assert out.startswith(f"--- {src}\n+++ {src}\n")
    assert "\n-\n" in out


def test_report_is_json_with_every_change(tmp_path: Path) -> None:
    src = tmp_path / "a.txt"
    src.write_text("中\u200b文\r\n", encoding="utf-8")
    report_path = tmp_path / "r.json"
    assert run(str(src), "--report", str(report_path)).returncode == 0
    report = json.loads(report_path.read_text(encoding="utf-8"))
    (entry,) = report["inputs"]
    assert entry["path"] == str(src)
    rules = {(c["step"], c["rule"], c["line"], c["before"]) for c in entry["changes"]}
    assert ("encoding", "invisible", 1, "\u200b") in rules
    assert ("encoding", "newline", 1, "\r\n") in rules
    assert entry["warnings"] == []


def test_report_to_stderr(tmp_path: Path) -> None:
    proc = run("--report", "-", stdin=b"a\r\n")
    assert json.loads(proc.stderr.decode())["inputs"][0]["path"] == "<stdin>"


def test_only_and_skip(tmp_path: Path) -> None:
    raw = "一\r\n\r\n\r\n二".encode()
    assert run("--only", "encoding", stdin=raw).stdout == "一\n\n\n二\n".encode()
    assert b"\r" not in run("--skip", "encoding", stdin=raw).stdout  # output is LF-only even so
    err = one_line_error(run("--only", "nonsense", stdin=raw))
    assert "unknown step 'nonsense'" in err


def test_meta_and_no_frontmatter() -> None:
    raw = "---\ntitle: 标题\n---\n正文\n".encode()
    assert run("--meta", "draft=yes", stdin=raw).stdout.decode() == "---\ntitle: 标题\ndraft: true\n---\n\n正文\n"
    assert run("--no-frontmatter", stdin=raw).stdout.decode() == "正文\n"
    assert "KEY=VALUE" in one_line_error(run("--meta", "novalue", stdin=raw))


def test_config_file_is_discovered_upward_and_cli_overrides_it(tmp_path: Path) -> None:
    (tmp_path / "cleaner.toml").write_text('only = ["encoding"]\n', encoding="utf-8")
    sub = tmp_path / "posts"
    sub.mkdir()
    raw = "一\r\n\r\n\r\n二".encode()
    assert run(stdin=raw, cwd=sub).stdout == "一\n\n\n二\n".encode()
    assert run("--only", "encoding,paragraphs", stdin=raw, cwd=sub).stdout == "一\n\n二\n".encode()


def test_pyproject_tool_table_is_a_config(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.cleaner]\nno-frontmatter = true\n', encoding="utf-8")
    assert run(stdin=b"---\na: 1\n---\nx", cwd=tmp_path).stdout == b"x\n"


def test_bad_config_is_one_line_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "cleaner.toml").write_text("colour = 'red'\n", encoding="utf-8")
    err = one_line_error(run(stdin=b"x", cwd=tmp_path))
    assert "cleaner.toml" in err and "colour" in err


def test_version() -> None:
    proc = run("--version")
    assert proc.returncode == 0 and proc.stdout.decode().startswith("cleaner ")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "PNG image"),
        (bytes(range(256)) * 8, "not text"),
        (b"---\ntitle: [a\n---\nbody\n", "front matter is not valid YAML"),
        (b"---\ntitle: x\nbody\n", "never closed"),
        (b"---\nx: !!python/object:os.system ls\n---\n", "front matter"),
    ],
)
def test_bad_input_is_one_clear_line_and_exit_2(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "input.txt"
    path.write_bytes(content)
    err = one_line_error(run(str(path)))
    assert err.startswith(f"cleaner: {path}")
    assert expected in err


def test_missing_file(tmp_path: Path) -> None:
    err = one_line_error(run(str(tmp_path / "nope.txt")))
    assert "nope.txt" in err and "no such file" in err


def test_several_inputs_to_stdout_is_a_usage_error(tmp_path: Path) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("a"), b.write_text("b")
    assert "several inputs" in one_line_error(run(str(a), str(b)))


def test_directory_is_mirrored_into_output_folder(tmp_path: Path) -> None:
    src = tmp_path / "in"
    (src / "sub").mkdir(parents=True)
    (src / "a.txt").write_bytes("一\r\n二".encode())
    (src / "sub" / "b.md").write_bytes("三".encode("gb18030"))
    (src / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    out = tmp_path / "out"
    assert run(str(src), "-o", str(out)).returncode == 0
    assert (out / "a.txt").read_text(encoding="utf-8") == "一\n\n二\n"
    assert (out / "sub" / "b.md").read_text(encoding="utf-8") == "三\n"
    assert not (out / "image.png").exists()


def _encodable(text: str, codec: str) -> str:
    return "".join(c for c in text if _can_encode(c, codec))


def _can_encode(char: str, codec: str) -> bool:
    try:
        char.encode(codec)
    except UnicodeEncodeError:
        return False
    return True


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.name)
def test_the_same_text_in_any_encoding_gives_identical_output(sample: Path) -> None:
    text = sample.read_text(encoding="utf-8")
    outputs = {codec: run(stdin=text.encode(codec)).stdout for codec in ("utf-8", "utf-8-sig", "utf-16", "gb18030")}
    if text == _encodable(text, "gbk"):
        outputs["gbk"] = run(stdin=text.encode("gbk")).stdout
    assert len(set(outputs.values())) == 1, sorted(outputs)
    # Big5 holds Traditional characters only: the sample's Big5-encodable text, every way.
    big5_text = _encodable(text, "big5")
    big5_outputs = {run(stdin=big5_text.encode(codec)).stdout for codec in ("utf-8", "utf-16", "big5")}
    assert len(big5_outputs) == 1


def run_on_terminal(*args: str, env: dict[str, str]) -> bytes:
    """Run cleaner with stdout and stderr on a pseudo-terminal, as a person at a terminal sees it."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "cleaner", *args], stdout=slave, stderr=slave, env=env)
    os.close(slave)
    out = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
    proc.wait(timeout=120)
    os.close(master)
    return out


@pytest.mark.parametrize("no_color, coloured", [(None, True), ("1", False), ("", True)])
def test_colour_only_on_a_terminal_and_never_with_no_color(tmp_path: Path, no_color: str | None, coloured: bool) -> None:
    post = tmp_path / "a.md"
    post.write_bytes("第一段\r\n".encode())
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    if no_color is not None:
        env["NO_COLOR"] = no_color
    assert (b"\x1b[3" in run_on_terminal("--check", str(post), env=env)) is coloured
    piped = run("--check", str(post))  # the same run into a pipe: never coloured
    assert b"\x1b[" not in piped.stdout + piped.stderr


def test_audit_page_lists_the_removed_lines(tmp_path: Path) -> None:
    page = tmp_path / "audit.html"
    proc = run("--check", "--audit", str(page), *map(str, SAMPLES))
    assert proc.returncode == 1
    text = page.read_text(encoding="utf-8")
    assert text.count('<section class="doc"') == len(SAMPLES)
    assert "打开网易新闻 查看精彩图片" in text and "<script src" not in text


def test_audit_does_not_go_with_jsonl(tmp_path: Path) -> None:
    corpus = tmp_path / "x.jsonl"
    corpus.write_text('{"text": "第一段"}\n', encoding="utf-8")
    error = one_line_error(run("--jsonl", "--audit", str(tmp_path / "a.html"), str(corpus)))
    assert "--audit" in error and "--jsonl" in error
    assert run("--jsonl", str(corpus)).returncode == 0  # the same corpus without --audit is fine


def test_explain_rules_lists_the_boilerplate_rules() -> None:
    proc = run("--explain-rules")
    out = proc.stdout.decode()
    assert proc.returncode == 0
    assert "open-app-promo" in out and "disclaimer" in out


def test_disable_rule_takes_the_rule_id_of_any_step() -> None:
    """Before: `zhe-particle` (a script override) was 'unknown rule' with boilerplate in the
    pipeline, and punctuation's rule ids could not be turned off at all."""
    proc = run("--disable-rule", "zhe-particle", "--disable-rule", "colon", stdin="他说:好,走吧。".encode())
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout.decode() == "他说:好，走吧。\n"
    assert "colom" in one_line_error(run("--disable-rule", "colom", stdin=b"x"))


def test_help_says_in_one_line_what_each_step_does() -> None:
    out = run("--help").stdout.decode()
    assert "  spacing     spaces between Han and Latin letters or digits\n" in out
    assert "  boilerplate remove the lines that are not the article, and record each one\n" in out
    assert "--heading-level N" in out and "--no-builtin-glossary" in out
