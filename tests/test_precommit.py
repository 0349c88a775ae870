"""The pre-commit hooks, run by pre-commit itself on a throwaway blog repository.

pre-commit installs `cleaner` from this repository into its own environment (from the package
registry, like any install), so the test copies the working tree as it is into a temporary git
repository first: `try-repo` and a `repo:` entry need commits, and the hooks must be the ones
being tested, not the last committed ones.
"""

from __future__ import annotations

import codecs
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import cleaner

from .conftest import ROOT

pytest.importorskip("pre_commit", reason="pre-commit is not installed (it comes with the test extra)")
if shutil.which("git") is None:  # pragma: no cover - git is on every machine we run on
    pytest.skip("git is not installed", allow_module_level=True)

DIRTY_POST = "标题\r\n\r\n第一段正文。\r\n第二段正文。\r\n"
DIRTY_TEXT = "一篇抓取的文章\r\n\r\n正文在这里。"
NOT_A_POST = "x = 1\r\n"  # would change if cleaner ever saw it; it must not


def git(*args: str, cwd: Path) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com", GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com")
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def pre_commit(*args: str, cwd: Path, home: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    env.update(PRE_COMMIT_HOME=str(home), PRE_COMMIT_COLOR="never", PIP_DISABLE_PIP_VERSION_CHECK="1")
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=1200
    )


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This project's working tree, tracked and new files alike, committed to a fresh repository."""
    if not (ROOT / ".git").exists():
        pytest.skip("the project is not a git checkout, so there is no working tree to list")
    listed = git("ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=ROOT)
    repo = tmp_path_factory.mktemp("hook-repo")
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            target = repo / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    git("init", "-q", cwd=repo)
    git("add", "-A", cwd=repo)
    git("commit", "-q", "-m", "working tree", cwd=repo)
    return repo


def blog(path: Path) -> Path:
    path.mkdir()
    git("init", "-q", cwd=path)
    (path / "posts").mkdir()
    (path / "posts" / "dirty.md").write_bytes(DIRTY_POST.encode())
    (path / "posts" / "scraped.txt").write_bytes(DIRTY_TEXT.encode())
    (path / "posts" / "clean.md").write_bytes(cleaner.clean(DIRTY_POST).encode())
    (path / "build.py").write_bytes(NOT_A_POST.encode())
    git("add", "-A", cwd=path)
    return path


def test_try_repo_checks_then_formats_only_posts(hook_repo: Path, tmp_path: Path) -> None:
    site = blog(tmp_path / "site")
    clean_before = (site / "posts" / "clean.md").read_bytes()

    proc = pre_commit("try-repo", str(hook_repo), "--all-files", "--color", "never", cwd=site, home=tmp_path / "home")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    # cleaner-check runs first (pre-commit sorts a try-repo's hooks by id) and lists both posts.
    check = out.split("cleaner (format)")[0]
    assert re.search(r"cleaner \(check\)\.+Failed", check), out
    assert re.search(r"posts/dirty\.md:\d+:\d+: ", check), out
    assert re.search(r"posts/scraped\.txt:\d+:\d+: ", check), out
    assert "clean.md:" not in check and "build.py" not in check
    assert re.search(r"cleaner \(format\)\.+Failed", out) and "files were modified by this hook" in out

    assert (site / "posts" / "dirty.md").read_text(encoding="utf-8") == cleaner.clean(DIRTY_POST)
    assert (site / "posts" / "scraped.txt").read_text(encoding="utf-8") == cleaner.clean(DIRTY_TEXT)
    assert (site / "posts" / "clean.md").read_bytes() == clean_before
    assert (site / "build.py").read_bytes() == NOT_A_POST.encode()


def test_the_documented_config_snippet_works(hook_repo: Path, tmp_path: Path) -> None:
    snippet = documented_config()
    rev = git("rev-parse", "HEAD", cwd=hook_repo).strip()
    config = re.sub(r"(?m)^(\s*- repo:\s*)\S+", lambda m: m.group(1) + hook_repo.as_posix(), snippet, count=1)
    config = re.sub(r"(?m)^(\s*rev:\s*)\S+", lambda m: m.group(1) + rev, config, count=1)
    site = blog(tmp_path / "site")
    (site / ".pre-commit-config.yaml").write_text(config, encoding="utf-8")
    git("add", "-A", cwd=site)
    home = tmp_path / "home"

    first = pre_commit("run", "--all-files", "--color", "never", cwd=site, home=home)
    assert first.returncode == 1, first.stdout + first.stderr
    assert (site / "posts" / "dirty.md").read_text(encoding="utf-8") == cleaner.clean(DIRTY_POST)
    assert (site / "build.py").read_bytes() == NOT_A_POST.encode()

    second = pre_commit("run", "--all-files", "--color", "never", cwd=site, home=home)
    assert second.returncode == 0, second.stdout + second.stderr
    assert re.search(r"cleaner \(format\)\.+Passed", second.stdout), second.stdout


def documented_config() -> str:
    """The `.pre-commit-config.yaml` block of docs/recipes.md (the one README points to)."""
    text = (ROOT / "docs" / "recipes.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml title=\.pre-commit-config\.yaml\n(.*?)```", text, re.S)
    assert len(blocks) == 1, "docs/recipes.md should hold one ```yaml title=.pre-commit-config.yaml block"
    return str(blocks[0])


def test_check_and_format_hooks_agree_on_re_encodes_and_skip_ignored_files(hook_repo: Path, tmp_path: Path) -> None:
    """A clean post in GBK, or in UTF-8 with a BOM, is one the format hook rewrites: so the check
    hook fails on it (`encoding/utf8`). A post force-added under an ignored folder is left alone."""
    site = tmp_path / "site"
    site.mkdir()
    git("init", "-q", cwd=site)
    clean = cleaner.clean(DIRTY_POST)
    (site / "posts").mkdir()
    (site / "posts" / "gbk.md").write_bytes(clean.encode("gbk"))
    (site / "posts" / "bom.md").write_bytes(codecs.BOM_UTF8 + clean.encode())
    (site / "posts" / "clean.md").write_bytes(clean.encode())
    (site / ".gitignore").write_text("vendor/\n", encoding="utf-8")
    (site / "vendor").mkdir()
    (site / "vendor" / "README.md").write_bytes(DIRTY_POST.encode())
    git("add", "-A", cwd=site)
    git("add", "-f", "vendor/README.md", cwd=site)

    proc = pre_commit("try-repo", str(hook_repo), "--all-files", "--color", "never", cwd=site, home=tmp_path / "home")
    out = proc.stdout + proc.stderr
    check = out.split("cleaner (format)")[0]
    assert re.search(r"posts/gbk\.md:1:1: encoding/utf8 re-encode GB18030 as UTF-8", check), out
    assert re.search(r"posts/bom\.md:1:1: encoding/utf8 re-encode UTF-8 with a BOM as UTF-8", check), out
    assert "clean.md" not in check and "vendor" not in check
    for name in ("gbk.md", "bom.md", "clean.md"):
        assert (site / "posts" / name).read_bytes() == clean.encode()
    assert (site / "vendor" / "README.md").read_bytes() == DIRTY_POST.encode()
    git("add", "-A", cwd=site)
    again = pre_commit("try-repo", str(hook_repo), "--all-files", "--color", "never", cwd=site, home=tmp_path / "home")
    assert again.returncode == 0, again.stdout + again.stderr  # format wrote; now check agrees
