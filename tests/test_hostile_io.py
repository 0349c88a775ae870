"""Files, faults and signals (issue 21): special files, odd names, locks, full disks, SIGTERM.

Tests that need root (device nodes, giving a file to another owner) skip elsewhere. No test ever
touches the machine's own /dev/null or /dev/full: device nodes are made in the test's folder.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import resource
import signal
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import cleaner
from cleaner import cli
from cleaner.errors import UsageError
from cleaner.pipeline import Pipeline
from cleaner.steps.encoding import decode_with_damage

from .strategies import article

FAST = ("--only", "encoding,paragraphs")
ROOT = Path(__file__).resolve().parent.parent


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "cleaner", *args]


def run(
    *args: str, stdin: bytes = b"", cwd: Path | None = None, umask: int | None = None, fsize: int | None = None
) -> subprocess.CompletedProcess[bytes]:
    def limits() -> None:
        if umask is not None:
            os.umask(umask)
        if fsize is not None:  # a disk that fills up after `fsize` bytes of any one file
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))

    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(
        command(*args), input=stdin, capture_output=True, cwd=cwd, env=env, timeout=300, preexec_fn=limits
    )


def one_line_error(proc: subprocess.CompletedProcess[bytes]) -> str:
    err = proc.stderr.decode("utf-8", "backslashreplace")
    assert proc.returncode == 2, err
    assert "Traceback" not in err and "internal error" not in err, err
    assert err.count("\n") == 1, err
    return err


def leftovers(folder: Path) -> list[str]:
    """Our own temporary files left behind: partial outputs, journals, `.NAME.xxxx.tmp`."""
    return sorted(
        p.name for p in folder.rglob(".*") if p.name.endswith((".cleaner-partial", ".cleaner-resume", ".tmp"))
    )


ARTICLE = "第一段\r\n第二段,好吗?\r\n".encode("gbk")


# --- 1. special files, symlinks, owners and modes ------------------------------------------------


def device(path: Path, minor: int) -> Path:
    """A character device like /dev/null (1, 3) or /dev/full (1, 7), made in the test's folder."""
    try:
        os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, minor))
    except (PermissionError, OSError) as error:
        pytest.skip(f"cannot make a device node here: {error}")
    return path


def test_a_report_to_a_null_device_leaves_the_device_a_device(tmp_path: Path) -> None:
    null = device(tmp_path / "null", 3)
    (tmp_path / "a.txt").write_bytes(ARTICLE)
    for args in (("--report", str(null)), ("--audit", str(null)), ("-o", str(null))):
        proc = run(str(tmp_path / "a.txt"), *args, *FAST)
        assert proc.returncode == 0, proc.stderr
        assert stat.S_ISCHR(null.stat().st_mode), args
    assert leftovers(tmp_path) == []


def test_output_to_a_full_device_is_one_line_and_the_device_stays(tmp_path: Path) -> None:
    full = device(tmp_path / "full", 7)
    (tmp_path / "a.txt").write_bytes(ARTICLE)
    for args in (("-o", str(full)), ("--report", str(full), "-o", str(tmp_path / "out.md"))):
        err = one_line_error(run(str(tmp_path / "a.txt"), *args, *FAST))
        assert "No space left on device" in err and str(full) in err
        assert stat.S_ISCHR(full.stat().st_mode)
    jsonl = tmp_path / "c.jsonl"
    jsonl.write_bytes(b'{"text": "a\\r\\nb"}\n' * 50)
    err = one_line_error(run("--jsonl", str(jsonl), "-o", str(full), *FAST))
    assert "No space left on device" in err
    assert stat.S_ISCHR(full.stat().st_mode)
    assert leftovers(tmp_path) == []


def test_a_fifo_is_written_through_not_replaced(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    (tmp_path / "a.txt").write_bytes(ARTICLE)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    proc = run(str(tmp_path / "a.txt"), "-o", str(fifo), *FAST)
    reader.join(timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert received == [cleaner.clean(ARTICLE, only=["encoding", "paragraphs"]).encode()]


def test_a_symlink_is_followed_and_stays_a_link(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "post.md"
    target.write_bytes(b"old\n")
    link = tmp_path / "post.md"
    link.symlink_to(target)
    (tmp_path / "a.txt").write_bytes(ARTICLE)
    assert run(str(tmp_path / "a.txt"), "-o", str(link), *FAST).returncode == 0
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text(encoding="utf-8") == cleaner.clean(ARTICLE, only=["encoding", "paragraphs"])
    # --in-place through a link rewrites the file it points to, and the link stays
    source = tmp_path / "real" / "raw.txt"
    source.write_bytes(ARTICLE)
    (tmp_path / "raw.txt").symlink_to(source)
    assert run("--in-place", str(tmp_path / "raw.txt"), *FAST).returncode == 0
    assert (tmp_path / "raw.txt").is_symlink()
    assert source.read_bytes() == target.read_bytes()


def test_a_link_to_standard_output_writes_to_standard_output(tmp_path: Path) -> None:
    link = tmp_path / "out.md"
    link.symlink_to("/proc/self/fd/1")
    (tmp_path / "a.txt").write_bytes(ARTICLE)
    proc = run(str(tmp_path / "a.txt"), "-o", str(link), *FAST)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == cleaner.clean(ARTICLE, only=["encoding", "paragraphs"]).encode()
    assert link.is_symlink()


def test_in_place_keeps_owner_and_mode(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("only root can give a file to another owner")
    nobody = 65534
    tmp_path.chmod(0o755)
    files = [tmp_path / "a.txt", tmp_path / "c.jsonl"]
    files[0].write_bytes(ARTICLE)
    files[1].write_bytes(b'{"text": "a\\r\\nb"}\n')
    for file in files:
        os.chown(file, nobody, nobody)
        file.chmod(0o640)
    assert run("--in-place", str(files[0]), *FAST).returncode == 0
    assert run("--in-place", "--jsonl", str(files[1]), *FAST).returncode == 0
    for file in files:
        info = file.stat()
        assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (nobody, nobody, 0o640), file
    assert b"\r" not in files[0].read_bytes() and b"\\r" not in files[1].read_bytes()


@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_new_files_get_the_mode_the_umask_gives(tmp_path: Path, umask: int) -> None:
    (tmp_path / "in" / "sub").mkdir(parents=True)
    (tmp_path / "in" / "a.txt").write_bytes(ARTICLE)
    (tmp_path / "in" / "sub" / "b.txt").write_bytes(ARTICLE)
    (tmp_path / "c.jsonl").write_bytes(b'{"text": "a"}\n')
    expected = 0o666 & ~umask
    single = run(str(tmp_path / "in" / "a.txt"), "-o", str(tmp_path / "post.md"), "--audit", str(tmp_path / "a.html"), *FAST, umask=umask)
    folder = run(str(tmp_path / "in"), "-o", str(tmp_path / "out"), "--report", str(tmp_path / "r.json"), *FAST, umask=umask)
    corpus = run("--jsonl", str(tmp_path / "c.jsonl"), "-o", str(tmp_path / "o.jsonl"), *FAST, umask=umask)
    assert (single.returncode, folder.returncode, corpus.returncode) == (0, 0, 0)
    made = ["post.md", "a.html", "out/a.txt", "out/sub/b.txt", "r.json", "o.jsonl"]
    assert {name: oct(stat.S_IMODE((tmp_path / name).stat().st_mode)) for name in made} == dict.fromkeys(made, oct(expected))


def test_a_rewritten_file_keeps_its_mode(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(ARTICLE)
    out = tmp_path / "post.md"
    out.write_bytes(b"old\n")
    out.chmod(0o604)
    assert run(str(tmp_path / "a.txt"), "-o", str(out), *FAST).returncode == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o604


# --- 2 to 4. where output goes under -o DIR ---------------------------------------------------------


def test_inputs_above_the_working_folder_are_mirrored_inside_the_output_folder(tmp_path: Path) -> None:
    (tmp_path / "a" / "sub").mkdir(parents=True)
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "x.txt").write_bytes(ARTICLE)
    (tmp_path / "b" / "y.txt").write_bytes(ARTICLE)
    before = set(os.listdir(tmp_path))
    proc = run("..", "../../b", "-o", "../../out", *FAST, cwd=tmp_path / "a" / "sub")
    assert proc.returncode == 0, proc.stderr
    assert set(os.listdir(tmp_path)) == before | {"out"}  # nothing written beside out/
    written = sorted(str(p.relative_to(tmp_path / "out")) for p in (tmp_path / "out").rglob("*") if p.is_file())
    assert written == ["a/x.txt", "b/y.txt"]


def test_two_folders_of_one_name_do_not_collide(tmp_path: Path) -> None:
    for side in ("a", "b"):
        (tmp_path / side / "posts").mkdir(parents=True)
        (tmp_path / side / "posts" / "x.txt").write_bytes(f"{side}\r\n".encode())
    proc = run("a/posts", "b/posts", "-o", "out", "-v", *FAST, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "out/a/posts/x.txt").read_bytes() == b"a\n"
    assert (tmp_path / "out/b/posts/x.txt").read_bytes() == b"b\n"
    assert "2 documents, 2 changed" in proc.stderr.decode()


def test_a_collision_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    out = tmp_path / "out"
    pairs: list[cli.Pair] = [(tmp_path / "a.txt", out / "x.txt"), (tmp_path / "b.txt", out / "x.txt")]
    with pytest.raises(UsageError, match="would both be written to"):
        cli._checked(pairs, str(out))
    with pytest.raises(UsageError, match="outside -o"):
        cli._checked([(tmp_path / "a.txt", tmp_path / "x.txt")], str(out))
    # standard input has no name to mirror under a folder
    (tmp_path / "a.txt").write_bytes(ARTICLE)
    one_line_error(run("-", str(tmp_path / "a.txt"), "-o", str(out), stdin=b"x"))
    assert not out.exists()


def test_output_equal_to_an_input_is_refused_and_the_input_is_untouched(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "a.txt").write_bytes(ARTICLE)
    (tmp_path / "c.jsonl").write_bytes(b'{"text": "a\\r\\nb"}\n')
    (tmp_path / "link.txt").symlink_to(tmp_path / "d" / "a.txt")
    for args in (
        ("d/a.txt", "-o", "d/a.txt"),
        ("d/a.txt", "-o", "link.txt"),
        ("d", "-o", "d"),
        ("d", "-o", "./d/"),
        ("--jsonl", "c.jsonl", "-o", "c.jsonl"),
    ):
        err = one_line_error(run(*args, *FAST, cwd=tmp_path))
        assert "is an input" in err or "is the input folder" in err, err
    assert (tmp_path / "d" / "a.txt").read_bytes() == ARTICLE
    assert (tmp_path / "c.jsonl").read_bytes() == b'{"text": "a\\r\\nb"}\n'
    assert os.listdir(tmp_path / "d") == ["a.txt"]


def test_an_output_folder_inside_the_input_folder_is_not_walked(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "a.txt").write_bytes(ARTICLE)
    for _ in range(2):
        assert run("d", "-o", "d/out", *FAST, cwd=tmp_path).returncode == 0
    files = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert files == ["d/a.txt", "d/out/a.txt"]


@given(st.lists(st.sampled_from(["a", "a/s", "b", "a/s/x.txt", "b/y.txt", "a/../b", "./a/s/../s"]), min_size=1, max_size=4))
def test_every_target_lies_in_the_output_folder_and_no_two_meet(tmp_path_factory: pytest.TempPathFactory, names: list[str]) -> None:
    root = tmp_path_factory.mktemp("tree")
    for file in ("a/s/x.txt", "a/z.txt", "b/y.txt"):
        (root / file).parent.mkdir(parents=True, exist_ok=True)
        (root / file).write_bytes(b"x")
    out = root / "c" / "out"
    args = cli.build_parser().parse_args([*(str(root / n) for n in names), "-o", str(out)])
    try:
        pairs = cli._inputs(args, cli.DEFAULT_GLOB)
    except UsageError:
        return
    targets = [os.path.abspath(t) for _, t in pairs if t is not None]
    assert len(set(targets)) == len(targets)
    if len(names) == 1 and not (root / names[0]).is_dir():
        assert targets == [str(out)]  # one file: -o names the output file itself
    else:
        assert all(t.startswith(str(out) + os.sep) for t in targets)
    assert not set(targets) & {os.path.abspath(s) for s, _ in pairs if s is not None}


# --- 5. two runs on one output ---------------------------------------------------------------


@pytest.mark.parametrize("held", ["journal", "partial"])
def test_a_second_run_on_the_same_output_fails_at_once(tmp_path: Path, held: str) -> None:
    corpus = tmp_path / "c.jsonl"
    corpus.write_bytes(b'{"id": 1, "text": "a"}\n')
    target = tmp_path / "o.jsonl"
    locked = tmp_path / (".o.jsonl.cleaner-resume" if held == "journal" else ".o.jsonl.cleaner-partial")
    with open(locked, "a+b") as handle:
        handle.write(b"the other run's bytes")
        handle.flush()
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)  # as the first run holds it
        err = one_line_error(run("--jsonl", str(corpus), "-o", str(target), *FAST))
    assert "another cleaner run is writing this output" in err
    assert locked.read_bytes() == b"the other run's bytes"  # not cut, not written into
    assert not target.exists()


def test_a_report_being_written_by_another_run_is_not_touched(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(ARTICLE)
    partial = tmp_path / ".r.json.cleaner-partial"
    with open(partial, "a+b") as handle:
        handle.write(b"{")
        handle.flush()
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        err = one_line_error(run(str(tmp_path / "a.txt"), "--report", str(tmp_path / "r.json"), *FAST))
        assert "another cleaner run" in err and partial.read_bytes() == b"{"
        (tmp_path / "in").mkdir()
        (tmp_path / "in" / "b.txt").write_bytes(ARTICLE)
        one_line_error(run(str(tmp_path / "in"), "-o", str(tmp_path / "out"), "--report", str(tmp_path / "r.json"), *FAST))
    assert leftovers(tmp_path) == [".r.json.cleaner-partial"]  # the refused run left no journal


def test_output_to_a_device_keeps_no_journal_beside_it(tmp_path: Path) -> None:
    null = device(tmp_path / "null", 3)
    args = cli.build_parser().parse_args(["--jsonl", "c.jsonl", "-o", str(null)])
    assert cli._journal_path(args, ["c.jsonl"], False) is None


# --- 6. a rewrite that would lose most of a file --------------------------------------------------

EVERYTHING = """\
[[rule]]
id = "everything"
category = "mine"
reason = "a rule written too wide"
pattern = '.*'
"""


def test_in_place_holds_back_a_file_that_would_lose_most_of_its_text(tmp_path: Path) -> None:
    rules = tmp_path / "wide.toml"
    rules.write_text(EVERYTHING, encoding="utf-8")
    post = tmp_path / "post.md"
    text = "第一段。\n\n第二段。\n\n第三段。\n"
    post.write_text(text, encoding="utf-8")
    proc = run("--in-place", "--rules", str(rules), str(post))
    err = proc.stderr.decode()
    assert proc.returncode == 1, err
    assert post.read_text(encoding="utf-8") == text
    assert err.count("\n") == 1 and str(post) in err and "--force" in err
    forced = run("--in-place", "--force", "--rules", str(rules), str(post))
    assert forced.returncode == 0, forced.stderr
    assert post.read_text(encoding="utf-8") != text
    # a JSON Lines corpus: each record is a document; the one that would be emptied stays as it was
    corpus = tmp_path / "c.jsonl"
    kept = json.dumps({"text": text}, ensure_ascii=False).encode() + b"\n"
    long_line = "长" * 100  # longer than any rule judges (max_chars)
    corpus.write_bytes(json.dumps({"text": long_line + "\r\n"}).encode() + b"\n" + kept)
    proc = run("--in-place", "--jsonl", "--rules", str(rules), str(corpus), "-j", "1")
    err = proc.stderr.decode()
    assert proc.returncode == 1, err
    [line] = err.splitlines()
    assert line.startswith(f"cleaner: {corpus}:2: not rewritten: boilerplate rules would remove ") and "--force" in line
    assert corpus.read_bytes().split(b"\n")[1] + b"\n" == kept
    assert json.loads(corpus.read_bytes().split(b"\n")[0]) == {"text": long_line + "\n"}  # the rest is rewritten


# --- 7. UTF-8 cut off or with a byte lost --------------------------------------------------------


def test_utf8_cut_mid_character_is_kept_with_a_warning(tmp_path: Path) -> None:
    data = "第一行正常的中文内容。\n第二行也是正常的中文。\n".encode()
    cut = tmp_path / "cut.txt"
    cut.write_bytes(data[:-3])  # what `head -c` leaves: the last character's first byte only
    proc = run(str(cut), "--report", "-", "--only", "encoding")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.decode().startswith("第一行正常的中文内容。\n第二行也是正常的中文")
    report = json.loads(proc.stderr)
    [warning] = report["inputs"][0]["warnings"]
    assert (warning["rule"], warning["line"]) == ("undecodable", 2)
    lost = bytearray(data)
    del lost[4]  # a byte of 一 lost in transit
    text, name, damage = decode_with_damage(bytes(lost))
    assert (name, [line for line, _ in damage]) == ("utf-8", [1])
    assert text.endswith("\n第二行也是正常的中文。\n")


@given(article(), st.integers(1, 3))
def test_any_cut_of_utf8_text_keeps_everything_before_the_cut(text: str, drop: int) -> None:
    data = text.encode()
    if len(data) <= drop:
        return
    cut = data[:-drop]
    decoded, name, _ = decode_with_damage(cut)
    assert name == "utf-8"
    assert decoded.startswith(cut.decode("utf-8", "ignore").rstrip("\ufffd"))


# --- 15 to 17. odd names, GitHub annotations, deep JSON -------------------------------------------


def test_a_file_name_that_is_not_utf8_does_not_stop_the_batch(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    odd = os.fsdecode(b"bad\xff.txt")
    for name in ("a.txt", odd, "z.txt"):
        (folder / name).write_bytes(ARTICLE)
    proc = run(str(folder), "-o", str(tmp_path / "out"), *FAST)
    assert proc.returncode == 0, proc.stderr
    assert sorted(os.listdir(os.fsencode(tmp_path / "out"))) == [b"a.txt", b"bad\xff.txt", b"z.txt"]
    check = run("--check", str(folder), *FAST)
    out = check.stdout.decode("utf-8")  # shown escaped: still UTF-8
    assert check.returncode == 1 and "Traceback" not in check.stderr.decode("utf-8", "replace")
    assert "bad\\xff.txt" in out


def test_github_annotations_escape_names_and_messages() -> None:
    line = cli._finding("github", "a,b:c\n::error::x%.md", {"line": 2, "column": 3, "step": "s", "rule": "r", "before": "x\ny", "after": ""})
    assert line == '::notice file=a%2Cb%3Ac%0A%3A%3Aerror%3A%3Ax%25.md,line=2,col=3,title=s/r::remove "x\\ny"'


@given(st.text(max_size=40), st.text(max_size=40))
def test_a_github_annotation_is_one_command_with_four_properties(path: str, message: str) -> None:
    line = cli._finding("github", path, {"line": 1, "column": 1, "step": "encoding", "rule": "x", "message": message}, warning=True)
    assert "\n" not in line and "\r" not in line
    head, _, _ = line.partition("::")[2].partition("::")
    assert head.startswith("warning ")
    assert [p.split("=")[0] for p in head[len("warning ") :].split(",")] == ["file", "line", "col", "title"]


def test_a_deeply_nested_record_is_a_bad_record_with_its_line(tmp_path: Path) -> None:
    corpus = tmp_path / "c.jsonl"
    deep = b"[" * 100_000 + b"]" * 100_000
    corpus.write_bytes(b'{"text": "a\\r\\nb"}\n' + deep + b'\n{"text": "c"}\n')
    proc = run("--jsonl", str(corpus), "-o", str(tmp_path / "o.jsonl"), *FAST)
    err = proc.stderr.decode()
    assert proc.returncode == 2 and "Traceback" not in err and "RecursionError" not in err
    assert err.splitlines() == [f"cleaner: {corpus}:2: not valid JSON (nested too deeply)"]
    assert (tmp_path / "o.jsonl").read_bytes().split(b"\n") == [b'{"text": "a\\n\\nb\\n"}', deep, b'{"text": "c\\n"}', b""]


# --- 18. SIGTERM, and workers whose parent died -----------------------------------------------------


@pytest.fixture
def blocking_step(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, bool]]:
    """A step that sends this process SIGTERM and then works on for half a minute."""
    seen = {"finished": False}
    original = Pipeline.default

    def stuck(doc: cleaner.Document) -> cleaner.Document:
        threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGTERM)).start()
        time.sleep(30)
        seen["finished"] = True
        return doc

    monkeypatch.setattr(Pipeline, "default", classmethod(lambda cls, **o: original(**o).with_step(stuck)))
    yield seen


def test_sigterm_stops_a_run_inside_one_long_document(tmp_path: Path, blocking_step: dict[str, bool], capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.txt").write_bytes(ARTICLE)
    status = cli.main([str(tmp_path / "a.txt"), "-o", str(tmp_path / "out.md"), *FAST])
    assert status == 143
    assert not blocking_step["finished"]
    assert capsys.readouterr().err == "cleaner: terminated\n"
    assert not (tmp_path / "out.md").exists() and leftovers(tmp_path) == []


DRIVER = """
import sys, time
import cleaner
from cleaner import cli
from cleaner.pipeline import Pipeline

def stuck(doc):
    time.sleep(300)
    return doc

original = Pipeline.default
Pipeline.default = classmethod(lambda cls, **o: original(**o).with_step(stuck))
sys.exit(cli.main(sys.argv[1:]))
"""


def children(pid: int) -> set[int]:
    try:
        return {int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}
    except OSError:
        return set()


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs /proc to find the workers")
def test_workers_exit_when_their_parent_is_killed(tmp_path: Path) -> None:
    for i in range(4):
        (tmp_path / f"{i}.txt").write_bytes(ARTICLE)
    proc = subprocess.Popen(
        [sys.executable, "-c", DRIVER, str(tmp_path), "-o", str(tmp_path / "out"), "-j", "2", *FAST],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while len(children(proc.pid)) < 2 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    workers = children(proc.pid)
    assert len(workers) >= 2, "the workers never started"
    time.sleep(0.5)  # let them take their tasks
    proc.kill()
    proc.wait()
    deadline = time.monotonic() + 60
    while any(alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = [w for w in workers if alive(w)]
    for w in left:
        os.kill(w, signal.SIGKILL)
    assert left == [], "workers lived on after their parent was killed"


# --- 19. faults: one line, exit 2, no partial file ---------------------------------------------------


def test_a_full_disk_leaves_no_partial_report_or_output(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    for i in range(30):
        (tmp_path / "in" / f"{i}.txt").write_bytes(ARTICLE * 40)
    err = one_line_error(run(str(tmp_path / "in"), "-o", str(tmp_path / "out"), "--report", str(tmp_path / "r.json"), *FAST, fsize=20_000))
    assert "r.json" in err and "cannot write" in err
    assert not (tmp_path / "r.json").exists() and leftovers(tmp_path) == []
    corpus = tmp_path / "c.jsonl"
    corpus.write_bytes(b'{"text": "a\\r\\nb"}\n' * 10_000)
    err = one_line_error(run("--jsonl", str(corpus), "-o", str(tmp_path / "o.jsonl"), *FAST, fsize=150_000))
    assert "o.jsonl" in err and "cannot write" in err
    assert not (tmp_path / "o.jsonl").exists() and leftovers(tmp_path) == []


def test_a_read_only_folder_for_in_place_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    for name in ("a.txt", "b.txt"):
        (folder / name).write_bytes(ARTICLE)
    import builtins

    real_os_open, real_open = os.open, builtins.open
    writing = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND

    def refuse(path: object) -> None:
        if str(path).startswith(str(folder)):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))

    def os_open(path: str, flags: int, *rest: int, **kw: int) -> int:
        if flags & writing:
            refuse(path)
        return real_os_open(path, flags, *rest, **kw)

    def open_(file: object, mode: str = "r", *rest: object, **kw: object) -> object:
        if any(m in mode for m in "wax+"):
            refuse(file)
        return real_open(file, mode, *rest, **kw)  # type: ignore[call-overload]

    monkeypatch.setattr(os, "open", os_open)
    monkeypatch.setattr(builtins, "open", open_)
    status = cli.main(["--in-place", str(folder), "-j", "1", *FAST])
    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1 and "internal error" not in err, err
    assert "Read-only file system" in err
    monkeypatch.undo()
    assert (folder / "a.txt").read_bytes() == ARTICLE and sorted(os.listdir(folder)) == ["a.txt", "b.txt"]


def test_a_bad_dask_scheme_is_one_line(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    (tmp_path / "c.jsonl").write_bytes(b'{"text": "a"}\n')
    err = one_line_error(run("--jsonl", str(tmp_path / "c.jsonl"), "-o", str(tmp_path / "o.jsonl"), "--dask", "foo://nowhere:1"))
    assert "--dask foo://nowhere:1" in err
    assert not (tmp_path / "o.jsonl").exists()


def test_closed_standard_output_is_one_line_when_it_is_needed(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(ARTICLE)
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}

    def start(*args: str) -> subprocess.CompletedProcess[bytes]:
        # the shell's `>&-`: standard output closed before Python starts
        return subprocess.run(["sh", "-c", 'exec "$@" >&-', "sh", *command(*args)], capture_output=False, stderr=subprocess.PIPE, env=env, timeout=120)

    proc = start(str(tmp_path / "a.txt"), *FAST)
    err = proc.stderr.decode()
    assert proc.returncode == 2 and err.count("\n") == 1 and "standard output is closed" in err, err
    assert start("--in-place", str(tmp_path / "a.txt"), *FAST).returncode == 0
    if Path("/dev/full").is_char_device():  # opened for writing only, as a shell's `> /dev/full`
        with open("/dev/full", "wb") as full:
            proc = subprocess.run(command(str(tmp_path / "a.txt"), *FAST), stdout=full, stderr=subprocess.PIPE, env=env, timeout=120)
        err = proc.stderr.decode()
        assert proc.returncode == 2 and err == "cleaner: cannot write to standard output: No space left on device\n", err


def test_write_file_never_leaves_a_temporary_file_on_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_space(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    from cleaner.output import write_file

    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(cleaner.CleanerError, match="No space left on device"):
        write_file(tmp_path / "a.md", b"x")
    assert os.listdir(tmp_path) == []


def test_two_real_runs_on_one_output_the_second_fails_and_sigterm_stops_the_first(tmp_path: Path) -> None:
    corpus = tmp_path / "c.jsonl"
    corpus.write_bytes(b'{"id": 1, "text": "a"}\n{"id": 2, "text": "b"}\n')
    args = ["--jsonl", str(corpus), "-o", str(tmp_path / "o.jsonl"), "-j", "1", *FAST]
    first = subprocess.Popen([sys.executable, "-c", DRIVER, *args], stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while not (tmp_path / ".o.jsonl.cleaner-partial").exists() and first.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert first.poll() is None, "the first run ended early"
        err = one_line_error(run(*args))
        assert "another cleaner run is writing this output" in err
    finally:
        first.send_signal(signal.SIGTERM)
        _, stderr = first.communicate(timeout=60)  # the first run sleeps 300 s in its step
    assert first.returncode == 143
    assert stderr.decode() == "cleaner: terminated; run the same command with --resume to continue\n"
    assert not (tmp_path / "o.jsonl").exists()
