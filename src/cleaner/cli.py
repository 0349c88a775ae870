"""The command line: argument parsing and I/O, over the library. See docs/cli.md and docs/scale.md."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, NoReturn

from . import __version__, audit, batch, config, jsonl
from . import templates as site_templates
from .batch import FileJob, Journal, Progress, ReportWriter, Run, atomic_write
from .output import shown
from .api import run_time
from .errors import CleanerError, UsageError
from .pipeline import OPTIONS, STEP_CHOICE, STEP_NAMES, Options, Pipeline, load_step

DEFAULT_GLOB = ("*.md", "*.markdown", "*.txt", "*.text")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, exit 2
        sys.stderr.write(f"cleaner: {message} (see cleaner --help)\n")
        sys.exit(2)


def _step_list() -> str:
    """One line per step: what it does, from the first line of its module's docstring."""
    lines = []
    for name in STEP_NAMES:
        load_step(name)
        module = sys.modules[f"cleaner.steps.{name}"]
        summary = (module.__doc__ or "").strip().splitlines()[0].partition(": ")[2].rstrip(".")
        lines.append(f"  {name:<12}{summary}")
    return "\n".join(lines)


def _add_option_flags(parser: argparse.ArgumentParser) -> None:
    """The flags of the declared options (`pipeline.OPTIONS`, `STEP_CHOICE`): one per option."""
    for item in (*STEP_CHOICE, *OPTIONS):
        spec = item.spec
        flags = [item.flag, *(f"--{a}" for a in spec.aliases)]
        default_note = "" if item.default in ((), None, False, True) else f" (default {item.default})"
        if spec.kind == "flag":
            action = "store_false" if item.default is True else "store_true"
            parser.add_argument(item.flag, action=action, dest=item.name, default=None, help=spec.help)
        elif spec.kind == "choice":
            parser.add_argument(*flags, choices=spec.choices, dest=item.name, help=spec.help + default_note)
        elif spec.kind in ("int", "float"):
            number = int if spec.kind == "int" else float
            parser.add_argument(*flags, type=number, metavar=spec.metavar, dest=item.name, help=spec.help + default_note)
        elif spec.kind in ("terms", "files", "meta"):
            parser.add_argument(*flags, action="append", metavar=spec.metavar, dest=item.name, help=spec.help)
        else:
            parser.add_argument(*flags, metavar=spec.metavar, dest=item.name, help=spec.help)


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
    p.add_argument("--force", action="store_true", help="with --in-place: rewrite even a file that boilerplate rules would cut by more than 30%%")
    p.add_argument("--check", action="store_true", help="write nothing; exit 1 if any input would change")
    p.add_argument("--format", choices=("text", "json", "github"), default=None, help="findings format for --check")
    p.add_argument("--diff", action="store_true", help="print a unified diff instead of the output")
    p.add_argument("--report", metavar="PATH", help="JSON report of every change and warning ('-': stderr)")
    p.add_argument("--explain-rules", action="store_true", help="list the boilerplate rules (built-in and --rules) and exit")
    p.add_argument("--audit", metavar="PATH.html", help="an HTML page of every removal, repair and warning, with diffs")
    _add_option_flags(p)
    p.add_argument("--glob", action="append", metavar="PATTERN", help=f"files to take from folders (default {' '.join(DEFAULT_GLOB)}; with --jsonl {' '.join(jsonl.DEFAULT_GLOB)})")
    p.add_argument("--config", metavar="PATH", help="options file (default: cleaner.toml or [tool.cleaner] in pyproject.toml)")
    scale = p.add_argument_group("many files and corpora (docs/scale.md)")
    scale.add_argument("-j", "--jobs", type=int, metavar="N", help="worker processes (default: the CPU count)")
    scale.add_argument("--jsonl", action="store_true", help="inputs are JSON Lines; clean one field of each record")
    scale.add_argument("--field", metavar="NAME", help="with --jsonl: the field to clean (default text)")
    scale.add_argument("--changes-field", metavar="NAME", help="with --jsonl: put each record's changes and warnings in this field")
    scale.add_argument("--on-bad-record", choices=jsonl.BAD_RECORD_CHOICES, help="with --jsonl: pass bad records through (default) or skip them")
    scale.add_argument("--resume", action="store_true", help="continue an interrupted run with -o or --in-place")
    scale.add_argument("--dask", metavar="ADDRESS|local", help="with --jsonl: run on this Dask scheduler, or a local cluster of -j workers")
    learned = p.add_argument_group("site templates (docs/scale.md#templates)")
    learned.add_argument("--learn-templates", action=argparse.BooleanOptionalAction, default=None, help="first read every input and learn each site's repeated lines, then remove them (default: on with --preset corpus over folders and JSON Lines)")
    learned.add_argument("--save-templates", metavar="FILE", help="write the learned templates as JSON (alone, without -o: learn and save only)")
    # `--templates FILE` and `--group-by FIELD` are options of the boilerplate step (declared there).
    learned.add_argument("--template-min-documents", type=int, metavar="N", help=f"a template line occurs in at least N documents of its site (default {site_templates.DEFAULT_MIN_DOCUMENTS})")
    learned.add_argument("--template-min-share", type=float, metavar="SHARE", help=f"… and in at least this share of them (default {site_templates.DEFAULT_MIN_SHARE})")
    scale.add_argument("-v", "--verbose", action="store_true", help="print the summary line after every run")
    scale.add_argument("-q", "--quiet", action="store_true", help="no progress bar, no summary line (errors are still printed)")
    p.add_argument("--version", action="version", version=f"cleaner {__version__}")
    return p


def options_table() -> str:
    """The options table of docs/cli.md, from the declarations (tests/test_options.py keeps it current)."""
    rows = ["| flag | config key | Python | default | what it does |", "|---|---|---|---|---|"]
    for item in (*STEP_CHOICE, *OPTIONS, *config.RUN_SETTINGS):
        spec = item.spec
        value = f" {spec.metavar}" if spec.metavar else f" {{{','.join(spec.choices)}}}" if spec.choices else ""
        flags = ", ".join(f"`{flag}{value if spec.kind != 'flag' else ''}`" for flag in (item.flag, *(f"--{a}" for a in spec.aliases)))
        key_name = spec.cli_name(item.name)
        keys = ", ".join(f"`{k}`" for k in (key_name, *spec.aliases))
        if spec.kind == "flag" and item.default is True:
            keys = f"`{key_name} = false`"
        default = "" if item.default in ((), None) else f"`{str(item.default).lower() if isinstance(item.default, bool) else item.default}`"
        where = f" ({spec.step} step)" if spec.step else ""
        rows.append(f"| {flags} | {keys} | `{item.name}` | {default} | {spec.help.replace('|', '/')}{where} |")
    return "\n".join(rows) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except CleanerError as error:
        _fail(str(error))
        return 2
    except KeyboardInterrupt as interrupt:
        resume = "; run the same command with --resume to continue" if getattr(interrupt, "resumable", False) else ""
        if isinstance(interrupt, batch.Terminated):
            _fail(f"terminated{resume}")
            return batch.Terminated.exit_status
        _fail(f"interrupted{resume}")
        return 130
    except BrokenPipeError:
        return 0
    except OSError as error:  # standard output or error gone bad under us (files go through CleanerError)
        _fail(f"cannot write to standard output: {error.strerror or error}")
        return 2
    except Exception as error:  # never a traceback: one line, and where to report it
        _fail(f"internal error: {type(error).__name__}: {error} (please report this)")
        return 2


def _fail(message: str) -> None:
    sys.stderr.write(f"{_paint('cleaner:', '1;31', colour_on(sys.stderr))} {message}\n")


def colour_on(stream: Any) -> bool:
    """Colour is for a person at a terminal: never into a file or pipe, never with NO_COLOR set."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _paint(text: str, sgr: str, on: bool) -> str:
    return f"\x1b[{sgr}m{text}\x1b[0m" if on else text


def _colour_diff(text: str) -> str:
    def paint(line: str) -> str:
        if line.startswith(("+++ ", "--- ")):
            return _paint(line, "1", True)
        sgr = {"+": "32", "-": "31", "@": "36"}.get(line[:1])
        return _paint(line, sgr, True) if sgr else line

    return "".join(paint(line) + "\n" for line in text.splitlines())


def _main(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    options = _options(args)
    if args.explain_rules:
        from .steps.boilerplate import explain_rules

        step_choice = {item.name for item in STEP_CHOICE}
        sys.stdout.write(explain_rules(Options.make(**{k: v for k, v in options.items() if k not in step_choice})))
        return 0
    _check_modes(args)
    pipeline = Pipeline.default(**options)
    names = args.inputs or ["-"]
    several = len(names) > 1 or any(n != "-" and Path(n).is_dir() for n in names)
    batch_run = several or args.jsonl  # a run that gets a progress bar, a journal and workers
    _check_stdout(args)
    # Every (input, output) pair is known and checked before anything is written.
    plan = _inputs(args, jsonl.DEFAULT_GLOB if args.jsonl else DEFAULT_GLOB)
    if _wants_learning(args, options, pipeline, names, batch_run):
        template = _learn_templates(args, pipeline, (args.jobs or batch.cpu_count()) if batch_run else 1, plan)
        if args.save_templates:
            template.write(args.save_templates)
        if _learn_only(args):
            return 0
        pipeline = Pipeline.default(**{**options, "templates": template})
    run = _start_run(args, pipeline, names, several, batch_run)
    check_report = ReportWriter(stream=sys.stdout.buffer) if args.check and args.format == "json" else None
    audits: list[audit.Audit] = []
    try:
        workers = (args.jobs or batch.cpu_count()) if batch_run else 1
        with _executor(args, pipeline, workers) as pool, batch.interruptible() as stop:
            if args.jsonl:
                changed = _run_jsonl(args, plan, pool, run, stop)
            else:
                changed = _run_files(args, plan, pool, run, stop, check_report, audits)
    except KeyboardInterrupt as interrupt:
        run.abandon()  # temporary files and the journal stay, for --resume
        if isinstance(interrupt, batch.Terminated):
            interrupt.resumable = run.journal is not None
        raise
    except CleanerError:
        run.discard()  # a write failed (a full disk): no partial file stays
        raise
    except BaseException:
        run.abandon()
        raise
    run.finish()
    if check_report is not None:
        check_report.close()
    for line in run.error_lines():
        _fail(line)
    if args.check:
        _check_summary(args, run, changed)
    if not args.quiet and (args.verbose or (batch_run and sys.stderr.isatty())):
        sys.stderr.write(f"cleaner: {run.summary()}\n")
    if args.audit:
        title = f"cleaner audit: {' '.join(names)}"
        atomic_write(Path(args.audit), audit.page(audits, title=title, steps=pipeline.names).encode("utf-8"))
    for line in run.held:  # what --in-place did not rewrite: it would lose too much (see --force)
        _fail(line)
    if run.stats.failed:
        return 2
    return 1 if run.held or (args.check and changed) else 0


def _options(args: argparse.Namespace) -> dict[str, Any]:
    """The options of the run: the config file's, then the command line's over them.

    Lists (`--protect`, `--glossary`, …) add to the file's; single values replace them. The run
    settings a config file may hold (`glob`, `jobs`) are put on `args` where no flag set them.
    """
    found = Path(args.config) if args.config else config.discover_for(args.inputs or ["-"], Path.cwd())
    values: dict[str, Any] = config.load(found) if found else {}
    for setting in config.RUN_SETTINGS:
        from_file = values.pop(setting.name, None)
        if getattr(args, setting.name, None) is None and from_file is not None:
            setattr(args, setting.name, from_file)
    for item in (*STEP_CHOICE, *OPTIONS):
        given = getattr(args, item.name, None)
        if given is None:
            continue
        kind = item.spec.kind
        if kind == "meta":
            meta = dict(values.get(item.name, {}))
            for entry in given:
                key, sep, value = entry.partition("=")
                if not sep or not key.strip():
                    raise UsageError(f"--meta takes KEY=VALUE, not {entry!r}")
                meta[key.strip()] = value
            values[item.name] = meta
        elif kind in ("terms", "files"):
            values[item.name] = [*values.get(item.name, []), *given]
        elif kind == "steps":
            values[item.name] = [s.strip() for s in given.split(",") if s.strip()]
        else:
            values[item.name] = given
    # The time of the run, read once here: steps never read the clock (`frontmatter` uses it to
    # refuse dates in the future and to give `05月01日` its year).
    values["now"] = run_time()
    return values


def _check_modes(args: argparse.Namespace) -> None:
    modes = [m for m in ("in_place", "check", "diff") if getattr(args, m)]
    if len(modes) > 1:
        raise UsageError(f"choose one of --in-place, --check, --diff (got {', '.join('--' + m.replace('_', '-') for m in modes)})")
    names = args.inputs or ["-"]
    if args.in_place and args.output:
        raise UsageError("--in-place and -o do not go together")
    if args.in_place and "-" in names:
        raise UsageError("--in-place needs files, not stdin")
    if args.force and not args.in_place:
        raise UsageError("--force goes with --in-place (it lets a rewrite remove more than 30%)")
    if args.format and not args.check:
        raise UsageError("--format goes with --check")
    several = len(names) > 1 or any(n != "-" and Path(n).is_dir() for n in names)
    _check_template_modes(args, names)
    if several and not (args.output or args.in_place or args.check or args.diff or _learn_only(args)):
        raise UsageError("several inputs need -o DIR, --in-place, --check or --diff")
    if args.jobs is not None and args.jobs < 1:
        raise UsageError(f"-j takes a number of workers, 1 or more, not {args.jobs}")
    if args.resume and not (args.output or args.in_place):
        raise UsageError("--resume goes with -o or --in-place (it continues writing their output)")
    if args.resume and "-" in names:
        raise UsageError("--resume cannot continue reading stdin; give the input as a file")
    if args.verbose and args.quiet:
        raise UsageError("choose one of -v, -q")
    if args.audit and (args.jsonl or args.resume):
        raise UsageError(f"--audit does not go with {'--jsonl' if args.jsonl else '--resume'} (use --report)")
    if args.jsonl:
        if args.diff:
            raise UsageError("--diff does not go with --jsonl")
        if args.format:
            raise UsageError("--format does not go with --jsonl (--check counts the records that would change)")
        return
    for flag in ("field", "changes_field", "on_bad_record", "dask"):
        if getattr(args, flag) is not None:
            raise UsageError(f"--{flag.replace('_', '-')} goes with --jsonl")


# --- site templates (two passes; see cleaner.templates) ----------------------------------------


def _learn_only(args: argparse.Namespace) -> bool:
    return bool(args.save_templates) and not (args.output or args.in_place or args.check or args.diff)


def _check_template_modes(args: argparse.Namespace, names: list[str]) -> None:
    if args.templates and (args.learn_templates or args.save_templates):
        raise UsageError("--templates applies templates saved earlier; it does not go with --learn-templates or --save-templates")
    if args.save_templates and args.learn_templates is False:
        raise UsageError("--save-templates saves what --learn-templates learns; it does not go with --no-learn-templates")
    if (args.learn_templates or args.save_templates) and "-" in names:
        raise UsageError("--learn-templates reads the inputs twice: give files or folders, not stdin")
    if args.template_min_documents is not None and args.template_min_documents < 2:
        raise UsageError(f"--template-min-documents takes a number of documents, 2 or more, not {args.template_min_documents}")
    if args.template_min_share is not None and not 0 <= args.template_min_share <= 1:
        raise UsageError(f"--template-min-share takes a share from 0 to 1, not {args.template_min_share}")


def _wants_learning(
    args: argparse.Namespace, options: dict[str, Any], pipeline: Pipeline, names: list[str], batch_run: bool
) -> bool:
    """--learn-templates (or --save-templates) asks for it; `--preset corpus` over a corpus has it on."""
    asked = args.learn_templates or bool(args.save_templates)
    if asked and "boilerplate" not in pipeline.names:
        raise UsageError("--learn-templates removes lines in the boilerplate step, which this run leaves out")
    if asked:
        return True
    default_on = options.get("preset") == "corpus" and batch_run and "-" not in names
    return args.learn_templates is None and default_on and not args.templates and "boilerplate" in pipeline.names


def _learn_templates(
    args: argparse.Namespace, pipeline: Pipeline, workers: int, plan: list[Pair]
) -> site_templates.Template:
    """The first pass: count every input's lines (map on the workers, reduce here, in input order)."""
    learner = site_templates.Learner(
        min_documents=args.template_min_documents or site_templates.DEFAULT_MIN_DOCUMENTS,
        min_share=site_templates.DEFAULT_MIN_SHARE if args.template_min_share is None else args.template_min_share,
    )
    group_by = pipeline.options.group_by
    field = args.field or "text"

    def chunk_payloads() -> Iterator[tuple[bytes, str, str | None, str | None]]:
        for source, _ in plan:
            assert source is not None
            name = shown(str(source))  # as the second pass names the chunks (a record's folder)
            with open(source, "rb") as raw:
                for chunk in jsonl.chunks(jsonl.open_input(raw), name, jsonl.RecordSettings(field=field)):
                    yield chunk.data, field, group_by, name

    def file_payloads() -> Iterator[tuple[tuple[str, ...], str | None]]:
        paths = (str(source) for source, _ in plan if source is not None)
        for paths_batch in site_templates.batches(paths):
            yield paths_batch, group_by

    with _executor(args, pipeline, workers) as pool:
        if args.jsonl:
            for counts in batch.ordered(pool, site_templates.count_chunk, chunk_payloads()):
                learner.add(counts)
        else:
            for counts in batch.ordered(pool, site_templates.count_files, file_payloads()):
                learner.add(counts)
    return learner.template()


def _start_run(
    args: argparse.Namespace, pipeline: Pipeline, names: list[str], several: bool, batch_run: bool
) -> Run:
    interactive = sys.stderr.isatty() and not args.quiet and args.report != "-"
    journal = None
    path = _journal_path(args, names, several) if batch_run else None
    if path is not None:
        run_id = batch.fingerprint(
            inputs=[n if n == "-" else str(Path(n).resolve()) for n in names],
            output=str(Path(args.output).resolve()) if args.output else None,
            in_place=args.in_place,
            jsonl=[args.jsonl, args.field, args.changes_field, args.on_bad_record],
            glob=args.glob,
            report=str(Path(args.report).resolve()) if args.report and args.report != "-" else args.report,
            version=__version__,
            steps=pipeline.names,
            # The time of the run differs between a run and its resumption; nothing else may.
            options=repr(dataclasses.replace(pipeline.options, now=None)),
        )
        journal = Journal(path, run_id, resume=args.resume)
    report = None
    if args.report == "-":
        report = ReportWriter(stream=sys.stderr.buffer)
    elif args.report:
        position = journal.state.report if journal and args.resume else None
        try:
            report = ReportWriter(Path(args.report), resume=position)
        except CleanerError:
            if journal is not None:  # a journal this run just made goes; one to resume from stays
                journal.close() if args.resume else journal.finish()
            raise
    return Run(report=report, journal=journal, progress=Progress(enabled=batch_run and interactive))


def _journal_path(args: argparse.Namespace, names: list[str], several: bool) -> Path | None:
    """Beside the output: in the output folder, next to the output file, or in the input folder."""
    if args.in_place:
        first = Path(names[0])
        return (first if first.is_dir() else first.parent) / batch.JOURNAL_NAME
    if not args.output:
        return None  # stdout, --check, --diff: nothing is written that a later run could go on from
    out = Path(args.output)
    if several or out.is_dir():
        return out / batch.JOURNAL_NAME
    if out.exists() and not out.is_file():
        return None  # /dev/null, a FIFO: written through, nothing to resume (and no journal in /dev)
    return out.parent / f".{out.name}{batch.JOURNAL_NAME}"


@contextlib.contextmanager
def _executor(args: argparse.Namespace, pipeline: Pipeline, workers: int) -> Iterator[batch.Executor]:
    if not args.dask:
        with batch.executor(pipeline, workers) as pool:
            yield pool
        return
    with contextlib.ExitStack() as stack:
        try:
            from . import dask as on_dask

            pool = stack.enter_context(on_dask.executor(args.dask, pipeline, workers))
        except ImportError as error:
            raise UsageError(f"--dask: {error}") from None
        except OSError as error:
            raise UsageError(f"--dask {args.dask}: cannot reach the scheduler: {error}") from None
        except (ValueError, TypeError) as error:  # `foo://host`: distributed knows no such scheme
            raise UsageError(f"--dask {args.dask}: not a scheduler address ({error}); use tcp://HOST:PORT or local") from None
        yield pool


def _check_stdout(args: argparse.Namespace) -> None:
    """A run started with standard output closed (`>&-`) fails before it writes, if it needs it."""
    if sys.stdout is not None:
        return
    if args.in_place or (args.output and not args.check and not args.diff):
        sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - nothing is printed to it
        return
    raise UsageError("standard output is closed; give -o PATH or --in-place to write files")


Pair = tuple[Path | None, Path | None]


def _inputs(args: argparse.Namespace, default_glob: tuple[str, ...]) -> list[Pair]:
    """(source, target) pairs; None as source is stdin, None as target is stdout.

    With `-o DIR` one folder's tree is mirrored under DIR; several inputs are mirrored relative
    to their common parent (`a/posts b/posts -o out` gives `out/a/posts/…`, `out/b/posts/…`), so
    no target lies outside DIR. Refused before anything is written (exit 2): two inputs that
    would write one output, and an output that is an input (only `--in-place` rewrites inputs).
    An output folder inside an input folder is not walked. An input named twice is cleaned once.
    """
    names = args.inputs or ["-"]
    out = Path(args.output) if args.output else None
    out_abs = os.path.abspath(out) if out is not None else None
    several = len(names) > 1 or any(n != "-" and Path(n).is_dir() for n in names)
    files = [Path(n) for n in names if n != "-"]
    one_folder = len(names) == 1 and bool(files) and files[0].is_dir()  # its tree goes straight under DIR
    mirrored = out is not None and not one_folder and bool(files) and (len(names) > 1 or out.is_dir())
    base = os.path.commonpath([os.path.dirname(os.path.abspath(p)) for p in files]) if mirrored else None
    pairs: list[Pair] = []
    for name in names:
        if name == "-":
            if several and out is not None:
                raise UsageError("standard input has no file name to write under -o DIR; clean it in a run of its own")
            pairs.append((None, out))
            continue
        path = Path(name)
        if path.is_dir():
            if out_abs is not None and os.path.abspath(path) == out_abs:
                raise UsageError(f"-o {shown(out or '')} is the input folder; use --in-place to rewrite the inputs")
            for file in _walk(path, tuple(args.glob or default_glob), skip=out_abs):
                if out is None:
                    pairs.append((file, None))
                elif base is not None:
                    pairs.append((file, out / os.path.relpath(os.path.abspath(file), base)))
                else:
                    pairs.append((file, out / file.relative_to(path)))
        elif out is not None and base is not None:
            pairs.append((path, out / os.path.relpath(os.path.abspath(path), base)))
        elif several:
            pairs.append((path, None))
        else:
            pairs.append((path, out))
    return _checked(pairs, out_abs if (one_folder or mirrored) else None)


def _checked(pairs: list[Pair], tree: str | None) -> list[Pair]:
    """`tree`: the output folder every target must lie in, when the output is a folder."""
    sources = {os.path.abspath(s) for s, _ in pairs if s is not None}
    identities = {_identity(s) for s, _ in pairs if s is not None} - {None}
    seen_sources: set[str] = set()
    writers: dict[str, Path | None] = {}
    kept: list[Pair] = []
    for source, target in pairs:
        if source is not None:
            key = os.path.abspath(source)
            if key in seen_sources:
                continue  # named twice, or named and inside a folder also named
            seen_sources.add(key)
        if target is not None:
            where = os.path.abspath(target)
            if tree is not None and source is not None and not where.startswith(tree.rstrip(os.sep) + os.sep):
                raise UsageError(f"{shown(source)} would be written outside -o {shown(tree)} (to {shown(where)})")
            if where in sources or (_identity(target) in identities):
                raise UsageError(
                    f"-o {shown(target)} is an input; cleaner never overwrites its input except with --in-place"
                )
            if where in writers:
                first = writers[where]
                raise UsageError(
                    f"{shown(first or '<stdin>')} and {shown(source or '<stdin>')} would both be written to "
                    f"{shown(target)}; give them separate -o runs"
                )
            writers[where] = source
        kept.append((source, target))
    return kept


def _identity(path: Path) -> tuple[int, int] | None:
    """Device and inode: a hard link or a symlink to an input is that input."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_dev, info.st_ino


def _walk(root: Path, patterns: tuple[str, ...], skip: str | None = None) -> Iterator[Path]:
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(
            d for d in dirs if not d.startswith(".") and os.path.abspath(os.path.join(folder, d)) != skip
        )  # the output folder inside an input folder is not input: it would nest again each run
        for name in sorted(files):
            if name == batch.JOURNAL_NAME or name.endswith(batch.PARTIAL_SUFFIX):
                continue  # our own bookkeeping from an interrupted run
            file = Path(folder) / name
            if any(file.match(p) for p in patterns):
                yield file


def _run_files(
    args: argparse.Namespace,
    plan: list[Pair],
    pool: batch.Executor,
    run: Run,
    stop: batch.StopFlag,
    check_report: ReportWriter | None,
    audits: list[audit.Audit],
) -> list[str]:
    mode = "in-place" if args.in_place else "check" if args.check else "diff" if args.diff else "write"
    wants_entry = bool(args.report) or args.check

    def jobs() -> Iterator[FileJob]:
        for source, target in plan:
            if source is None:
                yield FileJob(None, str(target) if target else None, mode, wants_entry, raw=sys.stdin.buffer.read(), audit=bool(args.audit))
            elif str(source) not in run.done:
                yield FileJob(str(source), str(target) if target else None, mode, wants_entry, audit=bool(args.audit), force=args.force)

    changed: list[str] = []
    for outcome in batch.ordered(pool, batch.clean_file, jobs(), stop):
        run.add_file(outcome)
        if outcome.changed:
            changed.append(shown(outcome.path))
        if outcome.audit is not None:
            audits.append(outcome.audit)
        if outcome.output:
            data = outcome.output
            if args.diff and colour_on(sys.stdout):
                data = _colour_diff(data.decode("utf-8")).encode("utf-8")
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
        if check_report is not None:
            check_report.add(outcome.entry or {"path": outcome.path, "error": outcome.error, "changes": [], "warnings": []})
        elif args.check and outcome.changed and outcome.entry is not None:
            _print_findings(args.format or "text", outcome.entry)
    if stop():
        raise batch.Interrupted(resumable=run.journal is not None)
    return changed


def _run_jsonl(args: argparse.Namespace, plan: list[Pair], pool: batch.Executor, run: Run, stop: batch.StopFlag) -> list[str]:
    settings = jsonl.RecordSettings(
        field=args.field or "text",
        changes_field=args.changes_field,
        on_bad_record=args.on_bad_record or "pass",
        entries=bool(args.report),
        check=args.check,
        hold_removals=args.in_place and not args.force,
    )
    changed: list[str] = []
    for source, target in plan:
        before = dataclasses.replace(run.stats)
        jsonl.run_file(source, source if args.in_place else target, pool, run, settings, stop=stop)
        if run.stats.changed > before.changed:
            name = shown(source) if source else "<stdin>"
            records = run.stats.documents - before.documents
            changed.append(f"{name} ({run.stats.changed - before.changed} of {records} records)")
    return changed


def _print_findings(fmt: str, entry: dict[str, Any]) -> None:
    out = sys.stdout
    on = fmt == "text" and colour_on(out)
    for item in entry["changes"]:
        out.write(_finding(fmt, entry["path"], item, colour=on) + "\n")
    for item in entry["warnings"]:
        out.write(_finding(fmt, entry["path"], item, warning=True, colour=on) + "\n")
    if not entry["changes"]:
        out.write(_finding(fmt, entry["path"], {"line": 1, "column": 1, "step": "render", "rule": "layout", "before": "", "after": ""}, colour=on) + "\n")
    out.flush()


def _check_summary(args: argparse.Namespace, run: Run, changed: list[str]) -> None:
    what = "JSON Lines input(s)" if args.jsonl else "file(s)"
    total = run.stats.documents - run.stats.failed
    if changed:
        of = "" if args.jsonl else f" of {total}"
        sys.stderr.write(f"{len(changed)}{of} {what} would change: {', '.join(changed)}\n")
    else:
        sys.stderr.write(f"{total} {'records' if args.jsonl else what} already clean\n")


def _finding(fmt: str, path: str, item: dict[str, Any], warning: bool = False, colour: bool = False) -> str:
    rule = f"{item['step']}/{item['rule']}"
    if warning:
        message = f"{item['message']}: {item.get('text', '')}".rstrip(": ")
    elif not item["after"]:
        message = f"remove {_short(item['before'])}"
    elif not item["before"]:
        message = f"insert {_short(item['after'])}"
    else:
        message = f"{_short(item['before'])} -> {_short(item['after'])}"
    line, column = item.get("line") or 1, item.get("column") or 1  # line 0: the whole document
    if fmt == "github":
        level = "warning" if warning else "notice"
        properties = f"file={_github_property(path)},line={line},col={column},title={_github_property(rule)}"
        return f"::{level} {properties}::{_github_data(message)}"
    where = _paint(f"{path}:{line}:{column}:", "1", colour)
    return f"{where} {_paint(rule, '33' if warning else '36', colour)} {message}"


def _github_data(text: str) -> str:
    """A workflow command's message: a newline in it would start a command of its own."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _github_property(text: str) -> str:
    """A workflow command's property value: `,` and `:` end it, so they are escaped too."""
    return _github_data(text).replace(":", "%3A").replace(",", "%2C")


def _short(text: str, limit: int = 60) -> str:
    shown = text if len(text) <= limit else text[: limit - 1] + "…"
    return json.dumps(shown, ensure_ascii=False)


# Re-exported: `Options` for type checkers reading the CLI module, `atomic_write` for its users.
__all__ = ["Options", "atomic_write", "build_parser", "main"]
