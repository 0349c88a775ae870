"""The command line: argument parsing and I/O, over the library. See docs/cli.md."""

from __future__ import annotations

import argparse
import difflib
import json
import os
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any, NoReturn

from . import __version__, config, report
from .api import Result, process
from .errors import CleanerError, UsageError
from .pipeline import PRESETS, STEP_NAMES, Options, Pipeline, load_step

DEFAULT_GLOB = ("*.md", "*.markdown", "*.txt", "*.text")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, exit 2
        sys.stderr.write(f"cleaner: {message} (see cleaner --help)\n")
        sys.exit(2)


def _step_list() -> str:
    lines = []
    for name in STEP_NAMES:
        module = sys.modules.get(f"cleaner.steps.{name}")
        if module is None:
            load_step(name)
            module = sys.modules[f"cleaner.steps.{name}"]
        built = getattr(module, "BUILT", True)
        lines.append(f"  {name:<12}{'' if built else 'not built yet: passes text through unchanged'}")
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="cleaner",
        description="Turn scraped Chinese articles into clean Markdown with validated front matter.",
        epilog="steps, in order:\n" + _step_list() + "\n\nexit codes: 0 done, 1 --check found changes, 2 bad usage or input",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("inputs", nargs="*", metavar="FILE|DIR", help="inputs; none or '-' reads stdin")
    p.add_argument("-o", "--output", metavar="PATH", help="output file, or folder for several inputs")
    p.add_argument("--in-place", action="store_true", help="rewrite the input files (atomically)")
    p.add_argument("--check", action="store_true", help="write nothing; exit 1 if any input would change")
    p.add_argument("--format", choices=("text", "json", "github"), default=None, help="findings format for --check")
    p.add_argument("--diff", action="store_true", help="print a unified diff instead of the output")
    p.add_argument("--report", metavar="PATH", help="JSON report of every change and warning ('-': stderr)")
    p.add_argument("--only", metavar="STEP[,STEP]", help="run only these steps")
    p.add_argument("--skip", metavar="STEP[,STEP]", help="leave out these steps")
    p.add_argument("--preset", choices=tuple(PRESETS), help="house (default) or corpus")
    p.add_argument("--to", choices=("hans", "hant", "tw", "hk", "keep"), help="target script (default hans)")
    p.add_argument("--spacing", choices=("remove", "add", "keep"), help="spaces between Han and Latin (default remove)")
    p.add_argument("--glossary", action="append", metavar="PATH", help="glossary file (repeatable)")
    p.add_argument("--rules", action="append", metavar="PATH", help="boilerplate rule file (repeatable)")
    p.add_argument("--disable-rule", action="append", metavar="ID", dest="disable_rules", help="turn a built-in rule or category off")
    p.add_argument("--schema", metavar="PATH", help="JSON Schema for the front matter")
    p.add_argument("--meta", action="append", metavar="KEY=VALUE", help="set a front matter field (repeatable)")
    p.add_argument("--no-frontmatter", action="store_true", help="write the body only")
    p.add_argument("--extract-meta", action="store_true", help="fill front matter from a scrape's metadata lines")
    p.add_argument("--protect", action="append", metavar="TERM", dest="protected_terms", help="a term no step may change")
    p.add_argument("--glob", action="append", metavar="PATTERN", help=f"files to take from folders (default {' '.join(DEFAULT_GLOB)})")
    p.add_argument("--config", metavar="PATH", help="options file (default: cleaner.toml or [tool.cleaner] in pyproject.toml)")
    p.add_argument("--version", action="version", version=f"cleaner {__version__}")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except CleanerError as error:
        _fail(str(error))
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("cleaner: interrupted\n")
        return 130
    except BrokenPipeError:
        return 0
    except Exception as error:  # never a traceback: one line, and where to report it
        _fail(f"internal error: {type(error).__name__}: {error} (please report this)")
        return 2


def _fail(message: str) -> None:
    sys.stderr.write(f"cleaner: {message}\n")


def _main(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    options = _options(args)
    pipeline = Pipeline.default(**options)
    inputs = list(_inputs(args))
    _check_modes(args, inputs)

    results: list[Result] = []
    failures = 0
    changed: list[str] = []
    for source, target in inputs:
        try:
            raw = _read(source)
            result = process(raw, path=_display(source), pipeline=pipeline)
        except CleanerError as error:
            _fail(str(error))
            failures += 1
            continue
        results.append(result)
        if result.changed:
            changed.append(_display(source))
        _emit(args, source, target, result)
    if args.report:
        _write_report(args.report, results)
    if args.check:
        _check_summary(args, results, changed)
    if failures:
        return 2
    return 1 if args.check and changed else 0


def _options(args: argparse.Namespace) -> dict[str, Any]:
    found = Path(args.config) if args.config else config.discover(Path.cwd())
    values: dict[str, Any] = config.load(found) if found else {}
    for name in ("to", "spacing", "schema", "preset"):
        if getattr(args, name):
            values[name] = getattr(args, name)
    for name in ("glossary", "rules", "disable_rules", "protected_terms"):
        if getattr(args, name):
            values[name] = [*values.get(name, []), *getattr(args, name)]
    for name in ("only", "skip"):
        if getattr(args, name):
            values[name] = [s.strip() for s in getattr(args, name).split(",") if s.strip()]
    if args.meta:
        meta = dict(values.get("meta", {}))
        for item in args.meta:
            key, sep, value = item.partition("=")
            if not sep or not key.strip():
                raise UsageError(f"--meta takes KEY=VALUE, not {item!r}")
            meta[key.strip()] = value
        values["meta"] = meta
    if args.no_frontmatter or values.pop("no_frontmatter", False):
        values["frontmatter"] = False
    if args.extract_meta:
        values["extract_meta"] = True
    return values


def _inputs(args: argparse.Namespace) -> Iterator[tuple[Path | None, Path | None]]:
    """(source, target) pairs; None as source is stdin, None as target is stdout."""
    names = args.inputs or ["-"]
    out = Path(args.output) if args.output else None
    several = len(names) > 1 or any(n != "-" and Path(n).is_dir() for n in names)
    for name in names:
        if name == "-":
            yield None, out
            continue
        path = Path(name)
        if path.is_dir():
            for file in _walk(path, tuple(args.glob or DEFAULT_GLOB)):
                target = out / path.name / file.relative_to(path) if out and len(names) > 1 else (
                    out / file.relative_to(path) if out else None
                )
                yield file, target
        elif several:
            yield path, (out / path.name if out else None)
        else:
            yield path, out


def _walk(root: Path, patterns: tuple[str, ...]) -> Iterator[Path]:
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            file = Path(folder) / name
            if any(file.match(p) for p in patterns):
                yield file


def _check_modes(args: argparse.Namespace, inputs: list[tuple[Path | None, Path | None]]) -> None:
    modes = [m for m in ("in_place", "check", "diff") if getattr(args, m)]
    if len(modes) > 1:
        raise UsageError(f"choose one of --in-place, --check, --diff (got {', '.join('--' + m.replace('_', '-') for m in modes)})")
    if args.in_place and args.output:
        raise UsageError("--in-place and -o do not go together")
    if args.in_place and any(source is None for source, _ in inputs):
        raise UsageError("--in-place needs files, not stdin")
    if args.format and not args.check:
        raise UsageError("--format goes with --check")
    writes_stdout = not (args.in_place or args.check or args.diff)
    if writes_stdout and sum(1 for _, target in inputs if target is None) > 1:
        raise UsageError("several inputs need -o DIR, --in-place, --check or --diff")


def _read(source: Path | None) -> bytes:
    if source is None:
        return sys.stdin.buffer.read()
    try:
        return source.read_bytes()
    except FileNotFoundError:
        raise CleanerError("no such file", path=str(source)) from None
    except IsADirectoryError:
        raise CleanerError("is a directory", path=str(source)) from None
    except OSError as error:
        raise CleanerError(error.strerror or str(error), path=str(source)) from None


def _display(source: Path | None) -> str:
    return "<stdin>" if source is None else str(source)


def _emit(args: argparse.Namespace, source: Path | None, target: Path | None, result: Result) -> None:
    if args.check:
        return
    if args.diff:
        if result.changed:
            name = _display(source)
            diff = difflib.unified_diff(
                result.original_text.splitlines(keepends=True),
                result.markdown.splitlines(keepends=True),
                fromfile=name,
                tofile=name,
            )
            sys.stdout.write("".join(line if line.endswith("\n") else line + "\n" for line in diff))
        return
    data = result.markdown.encode("utf-8")
    if args.in_place:
        assert source is not None
        if result.changed or source.read_bytes() != data:
            atomic_write(source, data)
        return
    if target is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    atomic_write(target, data)


def atomic_write(path: Path, data: bytes) -> None:
    """Write a file so that it is either the old one or the new one, never half of either."""
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = path.stat().st_mode & 0o7777 if path.exists() else None
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except FileNotFoundError:
            pass
        raise


def _write_report(where: str, results: list[Result]) -> None:
    text = json.dumps(report.build(results), ensure_ascii=False, indent=2) + "\n"
    if where == "-":
        sys.stderr.write(text)
    else:
        atomic_write(Path(where), text.encode("utf-8"))


def _check_summary(args: argparse.Namespace, results: list[Result], changed: list[str]) -> None:
    fmt = args.format or "text"
    out: IO[str] = sys.stdout
    if fmt == "json":
        out.write(json.dumps(report.build(results), ensure_ascii=False, indent=2) + "\n")
    else:
        for result in results:
            if not result.changed:
                continue
            entry = report.input_report(result)
            for item in entry["changes"]:
                out.write(_finding(fmt, entry["path"], item) + "\n")
            for item in entry["warnings"]:
                out.write(_finding(fmt, entry["path"], item, warning=True) + "\n")
            if not entry["changes"]:
                out.write(_finding(fmt, entry["path"], {"line": 1, "column": 1, "step": "render", "rule": "layout", "before": "", "after": ""}) + "\n")
    if changed:
        sys.stderr.write(f"{len(changed)} of {len(results)} file(s) would change: {', '.join(changed)}\n")
    else:
        sys.stderr.write(f"{len(results)} file(s) already clean\n")


def _finding(fmt: str, path: str, item: dict[str, Any], warning: bool = False) -> str:
    rule = f"{item['step']}/{item['rule']}"
    if warning:
        message = f"{item['message']}: {item.get('text', '')}".rstrip(": ")
    elif not item["after"]:
        message = f"remove {_short(item['before'])}"
    elif not item["before"]:
        message = f"insert {_short(item['after'])}"
    else:
        message = f"{_short(item['before'])} -> {_short(item['after'])}"
    line, column = item.get("line", 1), item.get("column", 1)
    if fmt == "github":
        level = "warning" if warning else "notice"
        text = message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        return f"::{level} file={path},line={line},col={column},title={rule}::{text}"
    return f"{path}:{line}:{column}: {rule} {message}"


def _short(text: str, limit: int = 60) -> str:
    shown = text if len(text) <= limit else text[: limit - 1] + "…"
    return json.dumps(shown, ensure_ascii=False)


# `Options` is re-exported for type checkers reading the CLI module.
__all__ = ["Options", "atomic_write", "build_parser", "main"]
