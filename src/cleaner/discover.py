"""Which files a folder run takes: globs, `.gitignore` / `.ignore`, and `--exclude` patterns.

    ignores = Ignores(exclude=DEFAULT_EXCLUDE)
    for path in walk(Path("blog"), ("*.md",), ignores):
        ...

As black and ruff do, a folder walk leaves out what git ignores: the patterns of every
`.gitignore` and `.ignore` from the repository's root (the nearest folder above holding `.git`)
down to the file, and `.git/info/exclude`, a deeper file's patterns overriding a shallower one's.
Exclude patterns are gitignore patterns too (`node_modules/`, `drafts/*.md`, `/vendor`),
matched against the path relative to the folder being walked, and, for a file named on the
command line (which is always cleaned unless `--force-exclude`), relative to the working folder.
Patterns are matched by `pathspec`, which implements git's wildmatch rules.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache
from pathlib import Path

import pathspec

# Left out of every folder walk unless `--exclude` replaces the list (`--extend-exclude` adds to it).
DEFAULT_EXCLUDE = (".*/", "node_modules/", "__pycache__/", "_site/", "site-packages/")
IGNORE_FILES = (".gitignore", ".ignore")


def _spec(lines: Sequence[str]) -> pathspec.GitIgnoreSpec:
    return pathspec.GitIgnoreSpec.from_lines(lines)


@lru_cache(maxsize=4096)
def _folder_spec(folder: str) -> pathspec.GitIgnoreSpec | None:
    """The ignore patterns that live in `folder` (its `.gitignore`, `.ignore`, and for a
    repository's root `.git/info/exclude`), or None."""
    lines: list[str] = []
    candidates = [os.path.join(folder, ".git", "info", "exclude")] if os.path.isdir(os.path.join(folder, ".git")) else []
    candidates += [os.path.join(folder, name) for name in IGNORE_FILES]
    for candidate in candidates:
        try:
            with open(candidate, encoding="utf-8", errors="replace") as handle:
                lines.extend(handle.read().splitlines())
        except OSError:
            continue
    return _spec(lines) if any(line.strip() and not line.startswith("#") for line in lines) else None


@lru_cache(maxsize=4096)
def repository_root(path: str) -> str | None:
    folder = path
    while True:
        if os.path.exists(os.path.join(folder, ".git")):
            return folder
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


class Ignores:
    """Decides whether a path is left out: by the exclude patterns, and by ignore files."""

    def __init__(self, exclude: Sequence[str] = DEFAULT_EXCLUDE, *, respect_ignore_files: bool = True) -> None:
        self.exclude = _spec(list(exclude))
        self.respect_ignore_files = respect_ignore_files

    def excluded(self, relative: str, is_dir: bool) -> bool:
        """`relative`: the path from the folder the patterns are relative to, `/`-separated."""
        return self.exclude.match_file(relative + "/" if is_dir else relative)

    def git_ignored(self, path: str, is_dir: bool) -> bool:
        """Whether the ignore files from the repository's root down to `path` ignore it."""
        if not self.respect_ignore_files:
            return False
        path = os.path.abspath(path)
        parent = os.path.dirname(path)
        top = repository_root(parent) or parent
        folders = [parent]
        while folders[-1] != top and os.path.dirname(folders[-1]) != folders[-1]:
            folders.append(os.path.dirname(folders[-1]))
        verdict: bool | None = None
        for folder in reversed(folders):  # shallow to deep: a deeper file has the last word
            spec = _folder_spec(folder)
            if spec is None:
                continue
            relative = os.path.relpath(path, folder).replace(os.sep, "/") + ("/" if is_dir else "")
            include = spec.check_file(relative).include
            if include is not None:
                verdict = include
        return bool(verdict)

    def named_file_left_out(self, path: Path) -> bool:
        """With `--force-exclude`: whether a file named on the command line is left out too."""
        absolute = os.path.abspath(path)
        relative = os.path.relpath(absolute, os.getcwd()).replace(os.sep, "/")
        if not relative.startswith("../") and self._any_part_excluded(relative):
            return True
        if relative.startswith("../") and self.excluded(os.path.basename(absolute), False):
            return True
        return self.git_ignored(absolute, False) or any(
            self.git_ignored(folder, True) for folder in _parents_below_root(absolute)
        )

    def _any_part_excluded(self, relative: str) -> bool:
        parts = relative.split("/")
        for i in range(1, len(parts)):
            if self.excluded("/".join(parts[:i]), True):
                return True
        return self.excluded(relative, False)


def _parents_below_root(path: str) -> list[str]:
    root = repository_root(os.path.dirname(path))
    if root is None:
        return []
    folders = []
    folder = os.path.dirname(path)
    while folder != root and os.path.dirname(folder) != folder:
        folders.append(folder)
        folder = os.path.dirname(folder)
    return folders


def walk(
    root: Path,
    patterns: Sequence[str],
    ignores: Ignores,
    *,
    skip: str | None = None,
    bookkeeping: Callable[[str], bool] = lambda name: False,
) -> Iterator[Path]:
    """The files under `root` whose name matches one of `patterns`, in sorted order, leaving out
    excluded and ignored files and folders, `skip` (an absolute folder: the output folder) and
    files whose name is `bookkeeping` of our own."""
    base = os.path.abspath(root)
    for folder, dirs, files in os.walk(root):
        here = os.path.relpath(os.path.abspath(folder), base).replace(os.sep, "/")
        prefix = "" if here == "." else here + "/"
        kept = []
        for name in sorted(dirs):
            full = os.path.join(folder, name)
            if os.path.abspath(full) == skip or ignores.excluded(prefix + name, True) or ignores.git_ignored(full, True):
                continue
            kept.append(name)
        dirs[:] = kept
        for name in sorted(files):
            if bookkeeping(name):
                continue
            file = Path(folder) / name
            if not any(file.match(p) for p in patterns):
                continue
            if ignores.excluded(prefix + name, False) or ignores.git_ignored(str(file), False):
                continue
            yield file
