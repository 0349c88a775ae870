"""The command line: argument parsing and I/O, over the library. See docs/cli.md and docs/scale.md."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, NoReturn

from . import __version__, batch, config, discover, jsonl, runs
from . import templates as site_templates
from .batch import ReportWriter, Run, atomic_write
from .output import shown
from .api import run_time
from .errors import CleanerError, RuleFileError, UsageError
from .pipeline import OPTIONS, STEP_CHOICE, STEP_NAMES, TEMPLATE_STEP, Options, Pipeline, check_disabled, load_step

DEFAULT_GLOB = runs.DEFAULT_GLOB


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
    p.add_argument("--annotation-level", choices=("notice", "warning", "error"), help="with --format github: the level of a finding (default warning)")
    p.add_argument("--diff", action="store_true", help="print a unified diff instead of the output (with --check: and exit 1 on a change)")
    p.add_argument("--color", choices=("auto", "always", "never"), default="auto", help="colour findings and diffs (auto: on a terminal, unless NO_COLOR; FORCE_COLOR forces it)")
    p.add_argument("--encoding", metavar="NAME", help="the inputs' encoding (gbk, big5, utf-8, ...): skips detection")
    p.add_argument("--stdin-filename", metavar="PATH", help="the name of what stdin holds, for messages and --force-exclude")
    p.add_argument("--report", metavar="PATH", help="JSON report of every change and warning ('-': stderr)")
    p.add_argument("--explain-rules", action="store_true", help="list the boilerplate rules (built-in and --rules) and exit")
    p.add_argument("--audit", metavar="PATH.html", help="an HTML page of every removal, repair and warning, with diffs")
    _add_option_flags(p)
    p.add_argument("--glob", action="append", metavar="PATTERN", help=f"files to take from folders (default {' '.join(DEFAULT_GLOB)}; with --jsonl {' '.join(jsonl.DEFAULT_GLOB)})")
    p.add_argument("--exclude", action="append", metavar="GLOB", help=f"gitignore-style pattern of files and folders a folder walk leaves out; replaces the default ({' '.join(discover.DEFAULT_EXCLUDE)})")
    p.add_argument("--extend-exclude", action="append", metavar="GLOB", help="a pattern to leave out, besides the default ones")
    p.add_argument("--force-exclude", action="store_true", help="leave out excluded and git-ignored files even when named on the command line (pre-commit names them)")
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
    except BrokenPipeError:  # the reader of our output left before the run began its work
        _silence_stdout()
        return 0
    except OSError as error:  # standard output or error gone bad under us (files go through CleanerError)
        _fail(f"cannot write to standard output: {error.strerror or error}")
        return 2
    except Exception as error:  # never a traceback: one line, and where to report it
        _fail(f"internal error: {type(error).__name__}: {error} (please report this)")
        return 2


def _fail(message: str) -> None:
    sys.stderr.write(f"{_paint('cleaner:', '1;31', colour_on(sys.stderr))} {message}\n")


_colour_choice = "auto"  # --color, set once per run by _main


def colour_on(stream: Any, choice: str | None = None) -> bool:
    """Colour is for a person at a terminal: never into a file or pipe, never with NO_COLOR set.

    `--color always|never` decides outright; then FORCE_COLOR (set, not empty or `0`) turns it on
    (CI logs that show colour), NO_COLOR or TERM=dumb off, and otherwise a terminal on.
    """
    choice = choice or _colour_choice
    if choice != "auto":
        return choice == "always"
    if os.environ.get("FORCE_COLOR", "") not in ("", "0"):
        return True
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
    global _colour_choice
    args = build_parser().parse_args(argv)
    _colour_choice = args.color
    options = _options(args)
    if args.explain_rules:
        from .steps.boilerplate import explain_rules

        step_choice = {item.name for item in STEP_CHOICE}
        sys.stdout.write(explain_rules(Options.make(**{k: v for k, v in options.items() if k not in step_choice})))
        return 0
    _check_modes(args)
    pipeline = Pipeline.default(**options)
    _check_stdout(args)
    if args.stdin_filename and args.force_exclude and runs._ignores(settings_of(args)).named_file_left_out(Path(args.stdin_filename)):
        return _pass_through(args)
    settings = settings_of(args)
    if _wants_learning(args, options, pipeline, settings.names, settings.several or args.jsonl):
        # Every (input, output) pair is known and checked before anything is read (execute plans again).
        plan = runs._inputs(settings, jsonl.DEFAULT_GLOB if args.jsonl else DEFAULT_GLOB)
        workers = (args.jobs or batch.cpu_count()) if settings.several or args.jsonl else 1
        template = _learn_templates(args, pipeline, workers, plan)
        if args.save_templates:
            template.write(args.save_templates)
        if _learn_only(args):
            return 0
        pipeline = Pipeline.default(**{**options, "templates": template})
    check_report = ReportWriter(stream=sys.stdout.buffer) if args.check and args.format == "json" else None

    def on_file(outcome: batch.FileOutcome) -> None:
        if outcome.output:
            data = outcome.output
            if args.diff and colour_on(sys.stdout):
                data = _colour_diff(data.decode("utf-8")).encode("utf-8")
            with progress.above():
                sys.stdout.buffer.write(data)
                sys.stdout.buffer.flush()
        if check_report is not None:
            check_report.add(outcome.entry or {"path": outcome.path, "error": outcome.error, "changes": [], "warnings": []})
        elif args.check and not args.diff and outcome.changed and outcome.entry is not None:
            with progress.above():
                _print_findings(args.format or "text", outcome.entry, args.annotation_level or "warning")

    progress = batch.Progress()

    def before(run: Run) -> None:
        nonlocal progress
        progress = run.progress

    def acknowledge(run: Run) -> None:  # the first Ctrl-C: said at once, while the work in flight ends
        with run.progress.above():
            sys.stderr.write("cleaner: stopping after the work in flight (Ctrl-C again to stop at once)\n")
            sys.stderr.flush()

    done = runs.execute(settings, pipeline, on_file=on_file, before=before, acknowledge=acknowledge)
    if done.reader_gone:
        _silence_stdout()
        for line in done.errors:
            _fail(line)
        return done.exit_status
    if check_report is not None:
        check_report.close()
    for line in done.errors:
        _fail(line)
    if args.check:
        _check_summary(args, done)
    if not args.quiet and (args.verbose or (settings.progress and sys.stderr.isatty())):
        sys.stderr.write(f"cleaner: {done.summary_line}\n")
    for line in done.held:  # what --in-place did not rewrite: it would lose too much (see --force)
        _fail(line)
    return done.exit_status


def settings_of(args: argparse.Namespace) -> runs.RunSettings:
    """The run-level flags of the command line, as the API takes them."""
    names = args.inputs or ["-"]
    batch_run = len(names) > 1 or any(n != "-" and Path(n).is_dir() for n in names) or args.jsonl

    def listed(value: list[str] | None) -> tuple[str, ...] | None:
        return tuple(value) if value else None

    return runs.RunSettings(
        inputs=tuple(args.inputs),
        output=args.output,
        in_place=args.in_place,
        check=args.check,
        diff=args.diff,
        force=args.force,
        jobs=args.jobs,
        jsonl=args.jsonl,
        field=args.field,
        changes_field=args.changes_field,
        on_bad_record=args.on_bad_record,
        resume=args.resume,
        dask=args.dask,
        report=args.report,
        audit=args.audit,
        glob=listed(args.glob),
        exclude=listed(args.exclude),
        extend_exclude=listed(args.extend_exclude),
        force_exclude=args.force_exclude,
        encoding=args.encoding,
        stdin_filename=args.stdin_filename,
        progress=batch_run and not args.quiet,
    )


# For callers (and tests) that still hold a Namespace: the run helpers live in `cleaner.runs`.
Pair = runs.Pair
_checked = runs._checked


def _inputs(args: argparse.Namespace, default_glob: tuple[str, ...]) -> list[Pair]:
    return runs._inputs(settings_of(args), default_glob)


def _journal_path(args: argparse.Namespace, names: list[str], several: bool) -> Path | None:
    return runs._journal_path(settings_of(args), names, several)


def _silence_stdout() -> None:
    """Standard output's reader is gone: later writes (the interpreter's final flush) go nowhere."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def _pass_through(args: argparse.Namespace) -> int:
    """`--stdin-filename` names an excluded file and `--force-exclude` is given: leave it as it is."""
    raw = sys.stdin.buffer.read()
    if args.check or args.diff:
        return 0
    if args.output:
        atomic_write(Path(args.output), raw)
    else:
        sys.stdout.buffer.write(raw)
        sys.stdout.buffer.flush()
    return 0


def _options(args: argparse.Namespace) -> dict[str, Any]:
    """The options of the run: the config file's, then the command line's over them.

    Lists (`--protect`, `--glossary`, …) add to the file's; single values replace them. The run
    settings a config file may hold (`glob`, `jobs`) are put on `args` where no flag set them.
    """
    found = Path(args.config) if args.config else config.discover_for(args.inputs or ["-"], Path.cwd())
    values: dict[str, Any] = config.load(found) if found else {}
    if found and values.get("disable_rules"):
        _check_disabled_in(found, values)
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


def _check_disabled_in(path: Path, values: dict[str, Any]) -> None:
    """A `disable-rule` id in a config file that no step knows is that file's error (the same
    check runs again on the whole run's options, where the id may come from the command line)."""
    step_choice = {item.name for item in STEP_CHOICE}
    try:
        check_disabled(Options.make(**{k: v for k, v in values.items() if k not in step_choice}))
    except UsageError as error:
        raise RuleFileError(str(error).replace("disable_rules:", "disable-rule:", 1), path=str(path)) from None


def _check_modes(args: argparse.Namespace) -> None:
    modes = [m for m in ("in_place", "check", "diff") if getattr(args, m)]
    if modes == ["check", "diff"]:
        modes = ["check"]  # show the diff and exit 1 on a change, as black and ruff do
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
    if args.format and args.diff:
        raise UsageError("--format does not go with --diff (the diff is the output)")
    if args.annotation_level and args.format != "github":
        raise UsageError("--annotation-level goes with --format github")
    if args.stdin_filename is not None and names != ["-"]:
        raise UsageError("--stdin-filename names standard input; give no other input")
    if args.encoding is not None:
        from .decode import check_encoding_name

        check_encoding_name(args.encoding)
        if args.jsonl:
            raise UsageError("--encoding does not go with --jsonl (JSON Lines is UTF-8)")
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
    if asked and TEMPLATE_STEP not in pipeline.names:
        raise UsageError("--learn-templates removes lines in the boilerplate step, which this run leaves out")
    if asked:
        return True
    default_on = options.get("preset") == "corpus" and batch_run and "-" not in names
    return args.learn_templates is None and default_on and not args.templates and TEMPLATE_STEP in pipeline.names


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

    with runs._executor(settings_of(args), pipeline, workers) as pool:
        if args.jsonl:
            for counts in batch.ordered(pool, site_templates.count_chunk, chunk_payloads()):
                learner.add(counts)
        else:
            for counts in batch.ordered(pool, site_templates.count_files, file_payloads()):
                learner.add(counts)
    return learner.template()


def _check_stdout(args: argparse.Namespace) -> None:
    """A run started with standard output closed (`>&-`) fails before it writes, if it needs it."""
    if sys.stdout is not None:
        return
    if args.in_place or (args.output and not args.check and not args.diff):
        sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - nothing is printed to it
        return
    raise UsageError("standard output is closed; give -o PATH or --in-place to write files")


# GitHub shows at most a few annotations per step; more than this per file are summed up in one.
GITHUB_ANNOTATIONS_PER_FILE = 10


def _print_findings(fmt: str, entry: dict[str, Any], level: str = "warning") -> None:
    out = sys.stdout
    if fmt == "github":
        for line in _github_annotations(entry, level):
            out.write(line + "\n")
        out.flush()
        return
    on = fmt == "text" and colour_on(out)
    for item in entry["changes"]:
        out.write(_finding(fmt, entry["path"], item, colour=on) + "\n")
    for item in entry["warnings"]:
        out.write(_finding(fmt, entry["path"], item, warning=True, colour=on) + "\n")
    if not entry["changes"]:
        out.write(_finding(fmt, entry["path"], {"line": 1, "column": 1, "step": "render", "rule": "layout", "before": "", "after": ""}, colour=on) + "\n")
    out.flush()


def _github_annotations(entry: dict[str, Any], level: str) -> list[str]:
    """One annotation per line with findings (all of its changes and warnings in one message),
    at most GITHUB_ANNOTATIONS_PER_FILE per file, then one that counts the rest."""
    path = entry["path"]
    by_line: dict[int, list[tuple[bool, dict[str, Any]]]] = {}
    for item in entry["changes"]:
        by_line.setdefault(item.get("line") or 1, []).append((False, item))
    for item in entry["warnings"]:
        by_line.setdefault(item.get("line") or 1, []).append((True, item))
    if not by_line:  # the layout alone changes (a final newline)
        by_line[1] = [(False, {"line": 1, "column": 1, "step": "render", "rule": "layout", "before": "", "after": ""})]
    lines = sorted(by_line)
    annotations = []
    for number in lines[:GITHUB_ANNOTATIONS_PER_FILE]:
        found = by_line[number]
        only_warnings = all(warning for warning, _ in found)
        rules = sorted({f"{item['step']}/{item['rule']}" for _, item in found})
        messages = [_message(item, warning) for warning, item in found]
        message = messages[0] if len(messages) == 1 else f"{len(messages)} findings:\n" + "\n".join(messages)
        column = min(item.get("column") or 1 for _, item in found)
        properties = f"file={_github_property(path)},line={number},col={column},title={_github_property(', '.join(rules))}"
        annotations.append(f"::{'warning' if only_warnings else level} {properties}::{_github_data(message)}")
    rest = lines[GITHUB_ANNOTATIONS_PER_FILE:]
    if rest:
        more = sum(len(by_line[n]) for n in rest)
        properties = f"file={_github_property(path)},line={rest[0]},title=cleaner"
        note = f"{more} more findings on {len(rest)} more lines of this file; run cleaner --check {path} to see them all"
        annotations.append(f"::{level} {properties}::{_github_data(note)}")
    return annotations


def _check_summary(args: argparse.Namespace, done: runs.RunSummary) -> None:
    changed = done.changed
    what = "JSON Lines input(s)" if args.jsonl else "file(s)"
    total = done.stats.documents - done.stats.failed
    if changed:
        of = "" if args.jsonl else f" of {total}"
        sys.stderr.write(f"{len(changed)}{of} {what} would change: {', '.join(changed)}\n")
    else:
        sys.stderr.write(f"{total} {'records' if args.jsonl else what} already clean\n")


def _finding(fmt: str, path: str, item: dict[str, Any], warning: bool = False, colour: bool = False) -> str:
    rule = f"{item['step']}/{item['rule']}"
    message = _message(item, warning)
    line, column = item.get("line") or 1, item.get("column") or 1  # line 0: the whole document
    if fmt == "github":
        level = "warning" if warning else "notice"
        properties = f"file={_github_property(path)},line={line},col={column},title={_github_property(rule)}"
        return f"::{level} {properties}::{_github_data(message)}"
    where = _paint(f"{path}:{line}:{column}:", "1", colour)
    return f"{where} {_paint(rule, '33' if warning else '36', colour)} {message}"


def _message(item: dict[str, Any], warning: bool) -> str:
    if warning:
        return f"{item['message']}: {_visible(item.get('text', ''))}".rstrip(": ")
    if item["step"] == "encoding" and item["rule"] == "utf8":
        return f"re-encode {item['before']} as {item['after']}"
    if not item["after"]:
        return f"remove {_short(item['before'])}"
    if not item["before"]:
        return f"insert {_short(item['after'])}"
    return f"{_short(item['before'])} -> {_short(item['after'])}"


def _visible(text: str, *, controls: bool = True) -> str:
    """Invisible characters as their code points (`U+200B`), as the audit page shows them.

    `controls=False` leaves C0 controls to `json.dumps`, which already writes them as escapes.
    """
    import unicodedata

    def show(c: str) -> str:
        if c in "\n\t" or (c < " " and not controls):
            return c
        category = unicodedata.category(c)
        hidden = category in ("Cf", "Cc", "Zl", "Zp", "Mn") or (category == "Zs" and c != " ")
        return f"<U+{ord(c):04X}>" if hidden else c

    if text.isascii() and not (controls and any(c < " " or c == "\x7f" for c in text)):
        return text
    return "".join(map(show, text))


def _github_data(text: str) -> str:
    """A workflow command's message: a newline in it would start a command of its own."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _github_property(text: str) -> str:
    """A workflow command's property value: `,` and `:` end it, so they are escaped too."""
    return _github_data(text).replace(":", "%3A").replace(",", "%2C")


def _short(text: str, limit: int = 60) -> str:
    shown = text if len(text) <= limit else text[: limit - 1] + "…"
    return json.dumps(_visible(shown, controls=False), ensure_ascii=False)


# Re-exported: `Options` for type checkers reading the CLI module, `atomic_write` for its users.
__all__ = ["Options", "atomic_write", "build_parser", "main"]
