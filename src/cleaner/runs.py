"""Folder and JSON Lines runs as a Python API: what `cleaner DIR -o OUT` and `cleaner --jsonl` do.

    import cleaner
    summary = cleaner.clean_files(["posts"], output="clean", jobs=4, report="report.json")
    summary = cleaner.clean_files(["posts"], check=True)             # summary.changed: what would change
    summary = cleaner.clean_jsonl("corpus.jsonl.gz", "clean.jsonl.gz", field="body", resume=True)
    print(summary.line(), summary.exit_status)

Both build a `RunSettings` (the run-level flags of the command line, as typed fields) and call
`execute()`, which the command line calls too: workers, input order, the journal for `--resume`,
the JSON report, `.gitignore`-aware folder walks and Ctrl-C handling are the same either way.
Options of the steps (`to=`, `spacing=`, …) are those of `cleaner.clean()`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import stat
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from . import __version__, audit, batch, discover, jsonl
from .api import run_time
from .batch import FileJob, FileOutcome, Journal, Progress, ReportWriter, Run, Stats, atomic_write
from .errors import CleanerError, UsageError
from .output import shown
from .pipeline import Pipeline

DEFAULT_GLOB = ("*.md", "*.markdown", "*.txt", "*.text")


@dataclasses.dataclass(frozen=True)
class RunSettings:
    """What a run does with its inputs: the run-level flags of the command line, by their names.

    `inputs`: files and folders (`-` for standard input). `output`: a file or folder (None:
    standard output). `progress`: a status line on stderr when it is a terminal.
    """

    inputs: tuple[str, ...] = ()
    output: str | None = None
    in_place: bool = False
    check: bool = False
    diff: bool = False
    force: bool = False
    jobs: int | None = None
    jsonl: bool = False
    field: str | None = None
    changes_field: str | None = None
    on_bad_record: str | None = None
    resume: bool = False
    dask: str | None = None
    report: str | None = None
    audit: str | None = None
    glob: tuple[str, ...] | None = None
    exclude: tuple[str, ...] | None = None
    extend_exclude: tuple[str, ...] | None = None
    force_exclude: bool = False
    encoding: str | None = None
    stdin_filename: str | None = None
    progress: bool = False

    @property
    def names(self) -> list[str]:
        return list(self.inputs) or ["-"]

    @property
    def several(self) -> bool:
        return len(self.names) > 1 or any(n != "-" and Path(n).is_dir() for n in self.names)


@dataclasses.dataclass
class RunSummary:
    """What a run did: the counts, the error lines, what changed (or would), what was held back."""

    stats: Stats
    errors: list[str]
    changed: list[str]
    held: list[str]
    summary_line: str
    check: bool = False
    reader_gone: bool = False

    @property
    def exit_status(self) -> int:
        """As the command line exits: 2 if an input failed, 1 if `check` found changes or an
        in-place rewrite was held back, else 0."""
        if self.stats.failed:
            return 2
        return 1 if self.held or (self.check and self.changed) else 0

    def line(self) -> str:
        return self.summary_line


def clean_files(
    paths: Sequence[str | os.PathLike[str]],
    *,
    output: str | os.PathLike[str] | None = None,
    in_place: bool = False,
    check: bool = False,
    force: bool = False,
    jobs: int | None = 1,
    report: str | os.PathLike[str] | None = None,
    resume: bool = False,
    glob: Sequence[str] | None = None,
    exclude: Sequence[str] | None = None,
    extend_exclude: Sequence[str] = (),
    encoding: str | None = None,
    pipeline: Pipeline | None = None,
    on_file: Callable[[FileOutcome], None] | None = None,
    **options: Any,
) -> RunSummary:
    """Clean files and folders, as `cleaner PATH... -o OUT` (or `--in-place`, `--check`) does.

    Folders are walked for `glob` (default `*.md *.markdown *.txt *.text`), leaving out what
    `.gitignore`/`.ignore` and `exclude` leave out. With neither `output` nor `in_place` nor
    `check`, each cleaned file is handed to `on_file` (its `.output` holds the bytes).
    `options` are the step options of `cleaner.clean()`. Bad usage raises `UsageError`.
    """
    settings = RunSettings(
        inputs=tuple(os.fspath(p) for p in paths),
        output=os.fspath(output) if output is not None else None,
        in_place=in_place,
        check=check,
        force=force,
        jobs=jobs,
        report=os.fspath(report) if report is not None else None,
        resume=resume,
        glob=tuple(glob) if glob else None,
        exclude=tuple(exclude) if exclude is not None else None,
        extend_exclude=tuple(extend_exclude),
        encoding=encoding,
    )
    if not settings.inputs:
        raise UsageError("clean_files needs at least one path")
    return execute(settings, pipeline or _pipeline(options), on_file=on_file or (lambda outcome: None))


def clean_jsonl(
    source: str | os.PathLike[str],
    target: str | os.PathLike[str] | None = None,
    *,
    field: str = "text",
    changes_field: str | None = None,
    on_bad_record: str = "pass",
    in_place: bool = False,
    check: bool = False,
    force: bool = False,
    jobs: int | None = 1,
    report: str | os.PathLike[str] | None = None,
    resume: bool = False,
    pipeline: Pipeline | None = None,
    **options: Any,
) -> RunSummary:
    """Clean one field of every record of a JSON Lines file (gzip or not), as `cleaner --jsonl`.

    `target` None with neither `in_place` nor `check` is refused (a library does not write to
    standard output behind its caller's back).
    """
    if target is None and not (in_place or check):
        raise UsageError("clean_jsonl needs a target, in_place=True or check=True")
    if on_bad_record not in jsonl.BAD_RECORD_CHOICES:
        raise UsageError(f"on_bad_record must be one of {', '.join(jsonl.BAD_RECORD_CHOICES)}, not {on_bad_record!r}")
    settings = RunSettings(
        inputs=(os.fspath(source),),
        output=os.fspath(target) if target is not None else None,
        in_place=in_place,
        check=check,
        force=force,
        jobs=jobs,
        jsonl=True,
        field=field,
        changes_field=changes_field,
        on_bad_record=on_bad_record,
        report=os.fspath(report) if report is not None else None,
        resume=resume,
    )
    return execute(settings, pipeline or _pipeline(options), on_file=lambda outcome: None)


def _pipeline(options: dict[str, Any]) -> Pipeline:
    options.setdefault("now", run_time())
    return Pipeline.default(**options)


def execute(
    settings: RunSettings,
    pipeline: Pipeline,
    *,
    on_file: Callable[[FileOutcome], None],
    acknowledge: Callable[[Run], None] = lambda run: None,
    before: Callable[[Run], None] = lambda run: None,
) -> RunSummary:
    """Run the pipeline over the inputs of `settings`: the one way the CLI and the API run.

    `on_file` gets each file's outcome in input order (the CLI prints output, diffs and
    findings there); `before` is called with the run before any work starts, `acknowledge`
    on the first Ctrl-C. A closed standard output (`| head -1`) stops the workers at once and
    ends the run with the status it had earned (`reader_gone`).
    """
    names = settings.names
    batch_run = settings.several or settings.jsonl  # a run that gets a progress line, a journal and workers
    # Every (input, output) pair is known and checked before anything is written.
    plan = _inputs(settings, jsonl.DEFAULT_GLOB if settings.jsonl else DEFAULT_GLOB)
    run = _start_run(settings, pipeline, names, settings.several, batch_run)
    _set_totals(run.progress, plan, settings.jsonl)
    run.progress.update(run.stats, 0, 0.0)  # on the terminal from the start, not after the first result
    audits: list[audit.Audit] = []
    changed: list[str] = []
    reader_gone = False
    try:
        before(run)
        workers = (settings.jobs or batch.cpu_count()) if batch_run else 1
        with _executor(settings, pipeline, workers) as pool, batch.interruptible(lambda: acknowledge(run)) as stop:
            if settings.jsonl:
                _run_jsonl(settings, plan, pool, run, stop, changed)
            else:
                _run_files(settings, plan, pool, run, stop, audits, changed, on_file)
    except BrokenPipeError:
        # The reader of standard output left: the workers were stopped on the way out of the
        # executor; what was earned so far decides the exit status.
        run.abandon()
        reader_gone = True
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
    if not reader_gone:
        run.finish()
        if settings.audit:
            title = f"cleaner audit: {' '.join(names)}"
            atomic_write(Path(settings.audit), audit.page(audits, title=title, steps=pipeline.names).encode("utf-8"))
    return RunSummary(run.stats, run.error_lines(), changed, run.held, run.summary(), settings.check, reader_gone)


def _start_run(
    args: RunSettings, pipeline: Pipeline, names: list[str], several: bool, batch_run: bool
) -> Run:
    interactive = args.progress and sys.stderr.isatty() and args.report != "-"
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


def _set_totals(progress: Progress, plan: list[Pair], records: bool) -> None:
    """What the progress line counts towards: the input files' bytes (and, for files, their number)."""
    if not progress.enabled:
        return
    total = 0
    for source, _ in plan:
        try:
            info = os.stat(source) if source is not None else os.fstat(sys.stdin.fileno())
        except (OSError, ValueError):
            return
        if not stat.S_ISREG(info.st_mode):
            return  # a pipe: no total
        if records and source is not None and _gzipped(source):
            return  # its size is not the size of its records
        total += info.st_size
    progress.total_bytes = total or None
    if not records:
        progress.total_documents = len(plan)


def _gzipped(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(2) == jsonl.GZIP_MAGIC
    except OSError:
        return False


def _journal_path(args: RunSettings, names: list[str], several: bool) -> Path | None:
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
def _executor(args: RunSettings, pipeline: Pipeline, workers: int) -> Iterator[batch.Executor]:
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


Pair = tuple[Path | None, Path | None]


def _inputs(args: RunSettings, default_glob: tuple[str, ...]) -> list[Pair]:
    """(source, target) pairs; None as source is stdin, None as target is stdout.

    With `-o DIR` one folder's tree is mirrored under DIR; several inputs are mirrored relative
    to their common parent (`a/posts b/posts -o out` gives `out/a/posts/…`, `out/b/posts/…`), so
    no target lies outside DIR. Refused before anything is written (exit 2): two inputs that
    would write one output, and an output that is an input (only `--in-place` rewrites inputs).
    An output folder inside an input folder is not walked. An input named twice is cleaned once.
    """
    names = list(args.inputs) or ["-"]
    ignores = _ignores(args)
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
            for file in discover.walk(path, tuple(args.glob or default_glob), ignores, skip=out_abs, bookkeeping=_bookkeeping):
                if out is None:
                    pairs.append((file, None))
                elif base is not None:
                    pairs.append((file, out / os.path.relpath(os.path.abspath(file), base)))
                else:
                    pairs.append((file, out / file.relative_to(path)))
        elif args.force_exclude and ignores.named_file_left_out(path):
            continue  # pre-commit names every staged file; the excludes still hold
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


def _ignores(args: RunSettings) -> discover.Ignores:
    exclude = list(args.exclude) if args.exclude else list(discover.DEFAULT_EXCLUDE)
    return discover.Ignores([*exclude, *(args.extend_exclude or [])])


def _bookkeeping(name: str) -> bool:
    """Our own files from an interrupted run: never input."""
    return name == batch.JOURNAL_NAME or name.endswith(batch.PARTIAL_SUFFIX)


def _run_files(
    args: RunSettings,
    plan: list[Pair],
    pool: batch.Executor,
    run: Run,
    stop: batch.StopFlag,
    audits: list[audit.Audit],
    changed: list[str],
    on_file: Callable[[FileOutcome], None],
) -> None:
    mode = "in-place" if args.in_place else "diff" if args.diff else "check" if args.check else "write"
    wants_entry = bool(args.report) or args.check
    template = FileJob(None, None, mode, wants_entry, audit=bool(args.audit), encoding=args.encoding)

    def jobs() -> Iterator[FileJob]:
        for source, target in plan:
            where = str(target) if target else None
            if source is None:
                yield dataclasses.replace(template, target=where, raw=sys.stdin.buffer.read(), name=args.stdin_filename)
            elif str(source) not in run.done:
                yield dataclasses.replace(template, source=str(source), target=where, force=args.force)

    outcomes = batch.Ordered(pool, batch.clean_file, jobs(), stop)
    for outcome in outcomes:
        run.add_file(outcome)
        if outcome.changed:
            changed.append(shown(outcome.path))
        if outcome.audit is not None:
            audits.append(outcome.audit)
        on_file(outcome)
    if not outcomes.complete:  # stopped (Ctrl-C) before every file was done
        raise batch.Interrupted(resumable=run.journal is not None)


def _run_jsonl(
    args: RunSettings, plan: list[Pair], pool: batch.Executor, run: Run, stop: batch.StopFlag, changed: list[str]
) -> None:
    settings = jsonl.RecordSettings(
        field=args.field or "text",
        changes_field=args.changes_field,
        on_bad_record=args.on_bad_record or "pass",
        entries=bool(args.report),
        check=args.check,
        hold_removals=args.in_place and not args.force,
    )
    for source, target in plan:
        if stop():
            raise batch.Interrupted(resumable=run.journal is not None)
        before = dataclasses.replace(run.stats)
        jsonl.run_file(source, source if args.in_place else target, pool, run, settings, stop=stop)
        if run.stats.changed > before.changed:
            name = shown(source) if source else "<stdin>"
            records = run.stats.documents - before.documents
            changed.append(f"{name} ({run.stats.changed - before.changed} of {records} records)")
