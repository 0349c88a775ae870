"""Every example marked runnable in README.md and docs/*.md is run, and its output checked.

The convention (docs/testing.md, "Runnable examples"):

- a fenced block whose info string is `sh runnable` runs in bash (`set -euo pipefail`), one
  whose info string is `python runnable` runs in this Python;
- `exit=N` after `runnable` says the example exits with N (`cleaner --check` finding changes: 1);
- a fenced block right after it whose info string ends in `output` holds its exact standard
  output (lines compared after trailing spaces are dropped);
- the blocks of one file run in order, in one fresh folder holding a copy of `fixtures/samples/`,
  so a later block may use a file an earlier one wrote; `cleaner` and `python` are this
  environment's.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import FIXTURES, ROOT

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^(?P<fence>`{3,}|~{3,})(?P<info>[^\n`]*)\n(?P<body>.*?)^(?P=fence)[ \t]*$", re.M | re.S)
RUNNABLE = re.compile(r"^(?P<lang>sh|python) runnable(?: exit=(?P<exit>\d+))?$")


@dataclasses.dataclass(frozen=True)
class Example:
    path: Path
    line: int
    lang: str
    code: str
    exit: int
    output: str | None

    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


def examples(path: Path) -> list[Example]:
    text = path.read_text(encoding="utf-8")
    blocks = list(FENCE.finditer(text))
    found = []
    for index, block in enumerate(blocks):
        info = block.group("info").strip()
        if "runnable" not in info.split():
            continue
        match = RUNNABLE.match(info)
        line = text.count("\n", 0, block.start()) + 1
        assert match, f"{path.name}:{line}: unknown runnable marker {info!r} (see docs/testing.md)"
        output = None
        if index + 1 < len(blocks):
            following = blocks[index + 1]
            between = text[block.end() : following.start()]
            if not between.strip() and following.group("info").strip().endswith("output"):
                output = following.group("body")
        found.append(
            Example(path, line, match.group("lang"), block.group("body"), int(match.group("exit") or 0), output)
        )
    return found


RUNNABLE_FILES = [p for p in DOCS if p.exists() and examples(p)]


def run(example: Example, cwd: Path) -> subprocess.CompletedProcess[str]:
    bindir = str(Path(sys.executable).parent)
    env = {
        **os.environ,
        "PATH": bindir + os.pathsep + os.environ.get("PATH", ""),
        "PYTHONUNBUFFERED": "1",  # stdout and stderr interleave as on a terminal
        "PYTHONIOENCODING": "utf-8",
        "NO_COLOR": "1",
        "LC_ALL": "C.UTF-8",
    }
    if example.lang == "sh":
        command = ["bash", "-euo", "pipefail", "-c", example.code]
    else:
        command = [sys.executable, "-c", example.code]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def _lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.rstrip("\n").split("\n")]


@pytest.mark.parametrize("path", RUNNABLE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_runnable_examples(path: Path, tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "samples", tmp_path / "fixtures" / "samples")
    for example in examples(path):
        proc = run(example, tmp_path)
        detail = f"{example.where()}\n--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}"
        assert proc.returncode == example.exit, f"exit {proc.returncode}, expected {example.exit}: {detail}"
        if example.output is not None:
            assert _lines(proc.stdout) == _lines(example.output), detail


def test_the_reference_docs_have_runnable_examples() -> None:
    # A marker typo would quietly turn an example into plain text; these files must keep theirs.
    for name in ("api.md", "recipes.md"):
        path = ROOT / "docs" / name
        assert len(examples(path)) >= 2, f"docs/{name} has no runnable examples"


def test_the_runner_reads_the_convention(tmp_path: Path) -> None:
    doc = tmp_path / "x.md"
    doc.write_text(
        "```sh runnable exit=1\nprintf 'a\\n'; exit 1\n```\n\n```text output\na\n```\n\n"
        "```python runnable\nprint(2)\n```\n\nText.\n\n```text output\nnot its output\n```\n"
        "```sh\nnot run\n```\n",
        encoding="utf-8",
    )
    found = [dataclasses.replace(e, path=ROOT / "x.md") for e in examples(doc)]
    assert [(e.lang, e.exit, e.output) for e in found] == [("sh", 1, "a\n"), ("python", 0, None)]
    assert [run(e, tmp_path).returncode for e in found] == [1, 0]
