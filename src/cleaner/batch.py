"""Many inputs, one pipeline: worker processes, input order kept, bounded memory, resumable runs.

    pipeline = Pipeline.default()
    jobs = [FileJob("in/a.txt", "out/a.txt"), FileJob("in/b.txt", "out/b.txt")]
    with executor(pipeline, workers=2) as pool:
        for outcome in ordered(pool, clean_file, jobs):
            print(outcome.path, outcome.error or "ok")

The pipeline is built once and given to each worker process when it starts (it is picklable);
a task then carries only its own input. `ordered` keeps at most `window` tasks in flight and
yields results in input order, so memory does not grow with the number of inputs and `-j 1`
and `-j N` write the same bytes. An input that fails becomes an outcome with an error line; it
never stops the others.

Around the work itself: `Stats` (the summary line's counts, which add up across workers, files
and resumed runs), `ReportWriter` (the JSON report written entry by entry), `Journal` (what
`--resume` needs), `Progress` (a status line on a terminal) and `Run`, which holds them for one
command-line run.
"""

from __future__ import annotations

import contextlib
import dataclasses
import difflib
import hashlib
import json
import os
import signal
import sys
import textwrap
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import IO, Any, Protocol, TypeVar

from . import audit as audit_page
from . import report
from .api import Result, process
from .document import MAX_REMOVED_SHARE, REMOVAL, removed_chars
from .errors import CleanerError, UsageError
from .output import PARTIAL_SUFFIX as PARTIAL_SUFFIX  # re-exported: callers find it here
from .output import GrowingFile, lock, remove_temporaries, shown, write_error, write_file
from .output import partial_name as partial_name
from .pipeline import Pipeline

P = TypeVar("P")
R = TypeVar("R")

JOURNAL_NAME = ".cleaner-resume"


def cpu_count() -> int:
    """CPUs this process may run on (a container's limit, not the host's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


@dataclasses.dataclass
class Stats:
    """The counts of the summary line. `bytes` is input size; they add up across any split."""

    documents: int = 0
    changed: int = 0
    failed: int = 0
    removed_lines: int = 0
    warnings: int = 0
    bytes: int = 0

    @classmethod
    def of(cls, result: Result, size: int) -> Stats:
        removed = sum(
            max(1, len(c.before.splitlines())) for c in result.changes if c.kind == REMOVAL
        )
        return cls(1, int(result.changed), 0, removed, len(result.warnings), size)

    @classmethod
    def failure(cls, size: int) -> Stats:
        return cls(documents=1, failed=1, bytes=size)

    def add(self, other: Stats) -> None:
        for field in dataclasses.fields(self):
            setattr(self, field.name, getattr(self, field.name) + getattr(other, field.name))

    def to_json(self) -> dict[str, int]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Stats:
        return cls(**{f.name: int(data.get(f.name, 0)) for f in dataclasses.fields(cls)})

    def summary(self, seconds: float, new_bytes: int) -> str:
        """`12 documents, 3 changed, …; 4.2 MB, 2.10 MB/s` (the rate is of this run's own work)."""
        rate = new_bytes / 1e6 / seconds if seconds > 0 else 0.0
        return (
            f"{self.documents} documents, {self.changed} changed, {self.failed} failed, "
            f"{self.removed_lines} lines removed, {self.warnings} warnings; "
            f"{self.bytes / 1e6:.1f} MB, {rate:.2f} MB/s"
        )


# --- executors -------------------------------------------------------------------------------


class Pending(Protocol):
    def result(self) -> Any: ...


class Executor(Protocol):
    """Runs `func(pipeline, payload)` somewhere; `window` is how many may be in flight."""

    window: int

    def submit(self, func: Callable[[Pipeline, Any], Any], payload: Any) -> Pending: ...


class _Done:
    def __init__(self, value: Any) -> None:
        self._value = value

    def result(self) -> Any:
        return self._value


class InlineExecutor:
    """Runs each task in this process, when it is submitted (`-j 1`, and one input)."""

    window = 1

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline

    def submit(self, func: Callable[[Pipeline, Any], Any], payload: Any) -> Pending:
        return _Done(func(self.pipeline, payload))


_WORKER_PIPELINE: Pipeline | None = None


def _start_worker(pipeline: Pipeline, parent: int | None = None) -> None:
    global _WORKER_PIPELINE
    # Ctrl-C reaches every process of the terminal's group; the parent alone decides what it
    # means (finish the tasks in flight, record them, stop), so workers ignore it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _worker_terminated)
    if parent is not None:
        _die_with_parent(parent)
    _WORKER_PIPELINE = pipeline


def _worker_terminated(signum: int, frame: Any) -> None:
    """Stopped by the parent (SIGTERM, a failed run) or by its death: exit now, without unwinding
    into the pool's machinery, but leave no temporary file behind."""
    remove_temporaries()
    os._exit(128 + signum)


_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _die_with_parent(parent: int) -> None:
    """A worker whose parent is killed (kill -9: no clean shutdown) must not live on, working.

    On Linux the kernel sends SIGTERM when the parent dies (prctl PR_SET_PDEATHSIG); elsewhere a
    daemon thread watches the parent's pid. Either way a parent already gone means exit now.
    """
    armed = False
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            armed = libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0) == 0
        except (OSError, AttributeError):
            armed = False
    if os.getppid() != parent:  # it died before the prctl took hold
        os._exit(1)
    if not armed:

        def watch() -> None:
            while os.getppid() == parent:
                time.sleep(1.0)
            os._exit(1)

        threading.Thread(target=watch, name="cleaner-parent-watch", daemon=True).start()


def _in_worker(func: Callable[[Pipeline, P], R], payload: P) -> R:
    assert _WORKER_PIPELINE is not None, "worker started without a pipeline"
    return func(_WORKER_PIPELINE, payload)


class ProcessExecutor:
    """Worker processes, each given the pipeline once when it starts."""

    def __init__(self, pipeline: Pipeline, workers: int, window: int | None = None) -> None:
        self.window = window or 2 * workers
        self._pool = ProcessPoolExecutor(workers, initializer=_start_worker, initargs=(pipeline, os.getpid()))

    def submit(self, func: Callable[[Pipeline, Any], Any], payload: Any) -> Pending:
        return self._pool.submit(_in_worker, func, payload)

    def close(self, *, abort: bool = False) -> None:
        if abort:  # SIGTERM, a second Ctrl-C, a failed write: do not wait for documents in flight
            processes = list(getattr(self._pool, "_processes", {}).values())
            for process in processes:
                with contextlib.suppress(OSError, ValueError):
                    process.terminate()
            for process in processes:
                with contextlib.suppress(OSError, ValueError, AssertionError):
                    process.join(5)
            # A worker stopped halfway through writing a result leaves the pool's reader thread
            # blocked on the rest of that message, and `shutdown` would wait for it forever.
            # With every worker gone, closing this process's own end of the result pipe gives
            # that read an end of file, and the thread sees a broken pool and ends.
            with contextlib.suppress(Exception):
                self._pool._result_queue._writer.close()  # type: ignore[attr-defined]
        self._pool.shutdown(wait=True, cancel_futures=True)


@contextlib.contextmanager
def executor(pipeline: Pipeline, workers: int = 1) -> Iterator[Executor]:
    """`workers` processes, or this process alone when `workers` is 1."""
    if workers <= 1:
        yield InlineExecutor(pipeline)
        return
    pool = ProcessExecutor(pipeline, workers)
    try:
        yield pool
    except BaseException:
        pool.close(abort=True)
        raise
    pool.close()


def ordered(
    executor: Executor,
    func: Callable[[Pipeline, P], R],
    payloads: Iterable[P],
    stop: Callable[[], bool] = lambda: False,
) -> Iterator[R]:
    """`func(pipeline, payload)` for each payload, in order, with at most `executor.window` in flight.

    Payloads are taken from the iterable only as room frees up, so a generator reading a corpus
    is never more than a window ahead. Once `stop()` is true no new payload is taken (see
    `Ordered`, which also tells whether every payload was done).
    """
    return iter(Ordered(executor, func, payloads, stop))


class Ordered(Iterable[R]):
    """`ordered()` as an object: after iterating, `complete` says whether every payload's result
    was yielded, so a run stopped by Ctrl-C just after its last task is a finished run.

    Once `stop()` is true no new payload is taken; tasks not yet started are cancelled (with every
    task after the first cancelled one, since results go out in order), and the results of those
    already running are still yielded, so they can be recorded as finished.
    """

    def __init__(
        self,
        executor: Executor,
        func: Callable[[Pipeline, P], R],
        payloads: Iterable[P],
        stop: Callable[[], bool] = lambda: False,
    ) -> None:
        self.executor = executor
        self.func: Callable[[Pipeline, Any], R] = func
        self.payloads: Iterable[Any] = payloads
        self.stop = stop
        self.complete = False

    def __iter__(self) -> Iterator[R]:
        pending: deque[Pending] = deque()
        source = iter(self.payloads)
        exhausted = cancelled = False
        while not self.stop():
            payload = next(source, _END)
            if payload is _END:
                exhausted = True
                break
            pending.append(self.executor.submit(self.func, payload))
            while len(pending) >= self.executor.window and not self.stop():
                yield pending.popleft().result()
        if self.stop():
            cancelled = _cancel_unstarted(pending)
        while pending:
            yield pending.popleft().result()
        if not exhausted and not cancelled:
            exhausted = next(source, _END) is _END  # stopped just as the last payload was taken
        self.complete = exhausted and not cancelled


def _cancel_unstarted(pending: deque[Pending]) -> bool:
    """Cancel the tasks that have not started, and every one after them; whether any were."""
    tasks = list(pending)
    for index, task in enumerate(tasks):
        cancel = getattr(task, "cancel", None)
        if cancel is not None and cancel():
            for later in tasks[index + 1 :]:
                getattr(later, "cancel", lambda: False)()
            while len(pending) > index:
                pending.pop()  # results that could not be written in order: left for --resume
            return True
    return False


_END: Any = object()


class StopFlag:
    """Set by the first Ctrl-C: finish what is in flight, record it, then stop."""

    def __init__(self) -> None:
        self.requested = False

    def __call__(self) -> bool:
        return self.requested


@contextlib.contextmanager
def interruptible(acknowledge: Callable[[], None] = lambda: None) -> Iterator[StopFlag]:
    """The first Ctrl-C asks the run to stop cleanly (and calls `acknowledge`, which says so at
    once); a second one stops it at once.

    SIGTERM (a service manager, `timeout`, a CI runner) stops at once, even inside one long
    document: what was committed stays for `--resume`, nothing half-written takes a final name.
    """
    flag = StopFlag()
    if threading.current_thread() is not threading.main_thread():
        yield flag
        return

    def handler(signum: int, frame: Any) -> None:
        if flag.requested:
            raise KeyboardInterrupt
        flag.requested = True
        with contextlib.suppress(OSError, ValueError):
            acknowledge()

    def terminate(signum: int, frame: Any) -> None:
        flag.requested = True
        raise Terminated()

    previous = {signal.SIGINT: signal.signal(signal.SIGINT, handler)}
    previous[signal.SIGTERM] = signal.signal(signal.SIGTERM, terminate)
    try:
        yield flag
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


class Interrupted(KeyboardInterrupt):
    """The run stopped on request; `resumable` says whether `--resume` can go on from here."""

    def __init__(self, resumable: bool) -> None:
        super().__init__()
        self.resumable = resumable


class Terminated(KeyboardInterrupt):
    """SIGTERM: the run stops where it is (exit status 143, as a process killed by it)."""

    exit_status = 128 + int(signal.SIGTERM)
    resumable = False


# --- one file --------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class FileJob:
    """One input file and what to do with its output.

    `mode` is `write` (to `target`, or handed back as `output` when `target` is None),
    `in-place`, `check` (write nothing) or `diff` (hand back a unified diff). `raw` carries
    the bytes of standard input, which a worker process cannot read.
    """

    source: str | None
    target: str | None = None
    mode: str = "write"
    entry: bool = False
    raw: bytes | None = None
    audit: bool = False
    force: bool = False  # rewrite in place even a document that would lose more than MAX_REMOVED_SHARE
    encoding: str | None = None  # the input's encoding, given: no detection
    name: str | None = None  # what standard input is called in messages (--stdin-filename)


@dataclasses.dataclass
class FileOutcome:
    """What became of one input: counts, and an error line or the output asked for."""

    path: str
    stats: Stats
    error: str | None = None
    changed: bool = False
    output: bytes | None = None
    entry: dict[str, Any] | None = None
    audit: audit_page.Audit | None = None
    held: str | None = None  # why an in-place rewrite was held back (the file is untouched)


def clean_file(pipeline: Pipeline, job: FileJob) -> FileOutcome:
    """Read, clean and write one file; any failure becomes the outcome's error line.

    `path` stays the name as the file system gives it (the journal's key); messages show it
    with bytes that are not UTF-8 escaped.
    """
    path = job.source or job.name or "<stdin>"
    name = shown(path)
    try:
        raw = job.raw if job.raw is not None else read_bytes(Path(path))
    except CleanerError as error:
        return FileOutcome(path, Stats.failure(0), str(error))
    try:
        group = _template_group(pipeline, job.source)
        result = process(raw, path=name, pipeline=pipeline, encoding=job.encoding, group=group)
        held = _held_back(job, result)
        output = None if held else _emit(job, result)
    except CleanerError as error:
        return FileOutcome(path, Stats.failure(len(raw)), str(error))
    except Exception as error:  # a bug in a step fails this input, not the whole run
        return FileOutcome(path, Stats.failure(len(raw)), internal_error(name, error))
    entry = report.input_report(result) if job.entry else None
    collected = audit_page.collect(result, options=pipeline.options) if job.audit else None
    stats = Stats.of(result, len(raw))
    if held:
        stats.changed = 0  # held back: the file is as it was
    return FileOutcome(path, stats, None, result.changed and not held, output, entry, collected, held)


def removed_share(result: Result) -> float:
    """The share of the original body's characters that removals took out (as the report counts)."""
    if not result.original_body:
        return 0.0
    return removed_chars(result.changes) / len(result.original_body)


def _held_back(job: FileJob, result: Result) -> str | None:
    """An in-place rewrite that would lose more than the documented share waits for `--force`."""
    if job.mode != "in-place" or job.force:
        return None
    return too_much_removed(shown(job.source or ""), result)


def too_much_removed(where: str, result: Result) -> str | None:
    """The line naming a document that boilerplate rules would cut by more than MAX_REMOVED_SHARE."""
    share = removed_share(result)
    if share <= MAX_REMOVED_SHARE:
        return None
    return (
        f"{where}: not rewritten: boilerplate rules would remove {share:.0%} of the text "
        f"(more than {MAX_REMOVED_SHARE:.0%}); check the rules that fire (--check), or use --force"
    )


def _template_group(pipeline: Pipeline, source: str | None) -> str | None:
    """A file's template group when its front matter names none: its folder (cleaner.templates)."""
    if pipeline.options.templates is None:
        return None
    from .templates import folder_hint

    return folder_hint(source)


def internal_error(path: str, error: BaseException) -> str:
    return f"{path}: internal error: {type(error).__name__}: {error} (please report this)"


def read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise CleanerError("no such file", path=shown(path)) from None
    except IsADirectoryError:
        raise CleanerError("is a directory", path=shown(path)) from None
    except OSError as error:
        raise CleanerError(error.strerror or str(error), path=shown(path)) from None


def _emit(job: FileJob, result: Result) -> bytes | None:
    if job.mode == "check":
        return None
    if job.mode == "diff":
        return diff(job.source or job.name or "<stdin>", result).encode("utf-8") if result.changed else None
    data = result.markdown.encode("utf-8")
    if job.mode == "in-place":
        assert job.source is not None
        source = Path(job.source)
        if result.changed or source.read_bytes() != data:
            atomic_write(source, data)
        return None
    if job.target is None:
        return data
    atomic_write(Path(job.target), data)
    return None


def diff(name: str, result: Result) -> str:
    lines = difflib.unified_diff(
        result.original_text.splitlines(keepends=True),
        result.markdown.splitlines(keepends=True),
        fromfile=name,
        tofile=name,
    )
    text = "".join(line if line.endswith("\n") else line + "\n" for line in lines)
    if not text and result.changed:  # the bytes change, the text does not: say how
        was = next((c.before for c in result.changes if c.step == "encoding" and c.rule == "utf8"), "the encoding")
        text = f"--- {name}\n+++ {name}\n# re-encoded: {was} -> UTF-8 (encoding/utf8); the text is the same\n"
    return text


def atomic_write(path: Path, data: bytes) -> None:
    """Write a file so that it is either the old one or the new one (see `cleaner.output`)."""
    write_file(path, data)


# --- the report, written as it grows -----------------------------------------------------------


class ReportWriter:
    """The JSON report written entry by entry, so a corpus run never holds it whole.

    The text is what `json.dumps({"inputs": [...]}, indent=2, ensure_ascii=False)` would give. A
    report file grows under a temporary name and is renamed when complete; `position` (bytes,
    entries) is what a journal records, so `--resume` can cut the file back and go on.
    """

    _HEAD = b'{\n  "inputs": ['

    def __init__(
        self, path: Path | None = None, *, stream: IO[bytes] | None = None, resume: tuple[int, int] | None = None
    ) -> None:
        self.path = path
        self.entries = 0
        self.bytes = 0
        self._closed = False
        self._file: GrowingFile | None = None
        if path is not None:
            self._file = GrowingFile(path, resume_bytes=resume[0] if resume else None)
            self.temp = self._file.temp
            self._out: IO[bytes] = self._file.handle
            if resume and self._file.resumed:
                self.bytes, self.entries = resume
                return
        else:
            assert stream is not None
            self.temp = None
            self._out = stream
        self._write(self._HEAD)

    def _write(self, data: bytes) -> None:
        if self._file is not None:
            self._file.write(data)  # a failure removes the partial report and names the path
        else:
            self._out.write(data)
        self.bytes += len(data)

    def add(self, entry: dict[str, Any]) -> None:
        text = textwrap.indent(json.dumps(entry, ensure_ascii=False, indent=2), "    ")
        self._write(("\n" if self.entries == 0 else ",\n").encode() + text.encode("utf-8", "backslashreplace"))
        self.entries += 1

    @property
    def position(self) -> tuple[int, int]:
        return self.bytes, self.entries

    def flush(self) -> None:
        if self._file is not None:
            self._file.sync()
        else:
            self._out.flush()

    def close(self) -> None:
        self._write(b"]\n}\n" if self.entries == 0 else b"\n  ]\n}\n")
        self._closed = True
        if self._file is not None:
            self._file.finish()
        else:
            self._out.flush()

    def abandon(self) -> None:
        """Leave the partial report for `--resume` (or for nobody: it is under a temporary name)."""
        if self._file is not None and not self._closed:
            self._file.abandon()

    def discard(self) -> None:
        """A write failed: remove the partial report."""
        if self._file is not None:
            self._file.discard()


# --- resuming ----------------------------------------------------------------------------------


def fingerprint(**parts: Any) -> str:
    """A short hash naming a run: its inputs, outputs, steps and options."""
    text = json.dumps(parts, sort_keys=True, default=repr, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8", "backslashreplace")).hexdigest()[:16]


@dataclasses.dataclass
class JournalState:
    """Where a resumed run starts: inputs finished, totals, report position, error lines."""

    done: set[str]
    stats: Stats
    report: tuple[int, int] | None
    errors: list[str]
    partial: dict[str, Any] | None


class Journal:
    """What an interrupted run had finished, so that `--resume` can go on from there.

    An append-only JSON Lines file beside the output. The first line names the run (a fingerprint
    of its inputs, outputs and options). Every later line is a commit: an input finished
    (`done`), or, for a JSON Lines input, how far it got (`partial`: lines read, bytes of output
    written under the temporary name), each with the running totals, the report's committed
    position and the error lines new since the commit before. Output is flushed before the line
    that claims it is written, and a torn last line (the process killed mid-write) is ignored,
    so the journal never claims more than exists.
    """

    def __init__(self, path: Path, run_id: str, *, resume: bool) -> None:
        self.path = path
        self.state = JournalState(set(), Stats(), None, [], None)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o666)
        except OSError as error:
            raise write_error(path, error) from None
        # File names that are not UTF-8 (surrogate escapes in Python) are journalled as their bytes.
        self._file = open(fd, "a", encoding="utf-8", errors="surrogateescape")  # noqa: SIM115 - closed in finish()/close()
        # One run per output at a time: the lock is taken before the journal is read or cut.
        lock(self._file, path, path.parent)
        if resume and os.fstat(fd).st_size > 0:
            self.state = self._load(path, run_id)
            return
        try:
            self._file.truncate(0)
            self._file.write(json.dumps({"run": run_id}) + "\n")
            self._file.flush()
        except OSError as error:
            self._file.close()
            raise write_error(path, error) from None

    @staticmethod
    def _load(path: Path, run_id: str) -> JournalState:
        lines = path.read_text(encoding="utf-8", errors="surrogateescape").split("\n")
        try:
            head = json.loads(lines[0])
        except ValueError:
            head = {}
        if head.get("run") != run_id:
            raise UsageError(
                f"{path}: this journal is from a different command (other inputs, outputs or options); "
                "run without --resume to start over"
            )
        done: set[str] = set()
        errors: list[str] = []
        base: dict[str, Any] = {}
        base_errors: list[str] = []
        partial: dict[str, Any] | None = None
        for line in lines[1:]:
            try:
                entry = json.loads(line)
            except ValueError:
                break  # a torn last line; nothing after it was committed
            errors.extend(entry.get("errors", []))
            if "done" in entry:
                done.add(entry["done"])
                base, base_errors, partial = entry, list(errors), None
            else:
                partial = entry
        if partial is not None and _partial_usable(partial):
            base, base_errors = partial, errors
        else:
            partial = None
        position = (int(base["report"][0]), int(base["report"][1])) if base.get("report") else None
        return JournalState(done, Stats.from_json(base.get("stats", {})), position, base_errors, partial)

    def commit(self, entry: dict[str, Any]) -> None:
        try:
            self._file.write(json.dumps(entry, ensure_ascii=False) + "\n")
            self._file.flush()
        except OSError as error:
            raise write_error(self.path, error) from None

    def partial_for(self, source: str) -> dict[str, Any] | None:
        partial = self.state.partial
        return partial if partial is not None and partial.get("partial") == source else None

    def finish(self) -> None:
        """The run completed: nothing is left to resume."""
        self._file.close()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    def close(self) -> None:
        self._file.close()


def identity(path: Path) -> list[int]:
    """Size and modification time: enough to notice that an input changed between runs."""
    stat = path.stat()
    return [stat.st_size, stat.st_mtime_ns]


def _partial_usable(entry: dict[str, Any]) -> bool:
    """A partial commit can be continued if its input is unchanged and its output still there."""
    try:
        temp = Path(entry["temp"])
        return temp.stat().st_size >= int(entry["output_bytes"]) and identity(Path(entry["partial"])) == entry["input"]
    except (KeyError, OSError, TypeError, ValueError):
        return False


# --- progress and the run as a whole -------------------------------------------------------------


class Progress:
    """One status line on stderr, redrawn every `interval` seconds by a thread of its own:

        1,234/2,972 documents  41%  2.0/4.9 MB  0.18 MB/s  ETA 16s

    `total_bytes` (the input files' sizes, when known) gives the percent and the ETA. Anything
    else written to the terminal goes through `above()`, which clears the line first and redraws
    it after, so findings and diffs never land on it. Written by hand rather than with rich or
    tqdm: one line, no dependency, stdout untouched, nothing in the worker processes.
    """

    def __init__(
        self, stream: IO[str] | None = None, *, enabled: bool = False, interval: float = 0.5, total_bytes: int | None = None
    ) -> None:
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.interval = interval
        self.total_bytes = total_bytes
        self.total_documents: int | None = None
        self._state: tuple[Stats, int, float] | None = None
        self._shown = False
        self._paused = 0
        self._lock = threading.RLock()
        self._started = time.monotonic()
        self._ticker: threading.Thread | None = None
        self._stopped = threading.Event()

    def update(self, stats: Stats, new_bytes: int, seconds: float) -> None:
        if not self.enabled:
            return
        with self._lock:
            self._state = (dataclasses.replace(stats), new_bytes, seconds)
        if self._ticker is None:
            self._draw()
            self._ticker = threading.Thread(target=self._tick, name="cleaner-progress", daemon=True)
            self._ticker.start()

    def _tick(self) -> None:
        while not self._stopped.wait(self.interval):
            self._draw()

    def line(self) -> str:
        """The status line for the latest state."""
        assert self._state is not None
        stats, new_bytes, _ = self._state
        seconds = time.monotonic() - self._started
        rate = new_bytes / seconds if seconds > 0 else 0.0
        noun = "document" if stats.documents == 1 else "documents"
        count = f"{stats.documents:,}/{self.total_documents:,} {noun}" if self.total_documents else f"{stats.documents:,} {noun}"
        parts = [count]
        if self.total_bytes:
            done = min(stats.bytes, self.total_bytes)
            parts.append(f"{done / self.total_bytes:.0%}")
            parts.append(f"{done / 1e6:,.1f}/{self.total_bytes / 1e6:,.1f} MB")
        else:
            parts.append(f"{stats.bytes / 1e6:,.1f} MB")
        parts.append(f"{rate / 1e6:.2f} MB/s")
        if self.total_bytes and rate > 0:
            parts.append(f"ETA {_duration(max(0.0, (self.total_bytes - stats.bytes) / rate))}")
        if stats.failed:
            parts.append(f"{stats.failed:,} failed")
        return "  ".join(parts)

    def _draw(self) -> None:
        with self._lock:
            if self._state is None or self._paused or self._stopped.is_set():
                return
            try:
                self.stream.write(f"\r\033[K{self.line()}")
                self.stream.flush()
            except (OSError, ValueError):  # the terminal went away: no progress, no failure
                self.enabled = False
                return
            self._shown = True

    @contextlib.contextmanager
    def above(self) -> Iterator[None]:
        """Write something else to the terminal: the line is cleared first and redrawn after."""
        if not self.enabled:
            yield
            return
        with self._lock:
            self._paused += 1
            self._erase()
            try:
                yield
            finally:
                self._paused -= 1
                if not self._paused:
                    self._draw()

    def _erase(self) -> None:
        if self._shown:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self._shown = False

    def clear(self) -> None:
        self._stopped.set()
        with self._lock:
            with contextlib.suppress(OSError, ValueError):
                self._erase()


def _duration(seconds: float) -> str:
    seconds = int(seconds + 0.5)
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


class Run:
    """The bookkeeping of one batch run: totals, error lines, report, journal and progress.

    Error lines are kept up to `error_limit` (the count in `stats.failed` is exact); the report,
    when there is one, holds every failure as an input with an `error`.
    """

    def __init__(
        self,
        *,
        report: ReportWriter | None = None,
        journal: Journal | None = None,
        progress: Progress | None = None,
        error_limit: int = 100,
    ) -> None:
        self.report = report
        self.journal = journal
        self.progress = progress or Progress()
        self.error_limit = error_limit
        state = journal.state if journal else None
        self.stats = dataclasses.replace(state.stats) if state else Stats()
        self.errors: list[str] = list(state.errors) if state else []
        self.held: list[str] = []  # documents --in-place left as they were (see --force)
        self._new_errors: list[str] = []
        self.started = time.monotonic()
        self.new_bytes = 0

    @property
    def done(self) -> set[str]:
        return self.journal.state.done if self.journal else set()

    def add(self, stats: Stats, errors: Iterable[str] = (), entries: Iterable[dict[str, Any]] = ()) -> None:
        self.stats.add(stats)
        self.new_bytes += stats.bytes
        for error in errors:
            if len(self.errors) < self.error_limit:
                self.errors.append(error)
                self._new_errors.append(error)
        if self.report is not None:
            for entry in entries:
                self.report.add(entry)
        self.progress.update(self.stats, self.new_bytes, time.monotonic() - self.started)

    def add_file(self, outcome: FileOutcome) -> None:
        entries: list[dict[str, Any]] = []
        if outcome.entry is not None:
            entries.append(outcome.entry)
        elif outcome.error is not None:
            entries.append({"path": outcome.path, "error": outcome.error, "changes": [], "warnings": []})
        self.add(outcome.stats, [outcome.error] if outcome.error else [], entries)
        if outcome.held:
            self.held.append(outcome.held)
        self.commit({"done": outcome.path})

    def commit(self, entry: dict[str, Any]) -> None:
        """Record progress in the journal, after flushing what it claims."""
        if self.journal is None:
            return
        if self.report is not None:
            self.report.flush()
            entry["report"] = list(self.report.position)
        entry["stats"] = self.stats.to_json()
        if self._new_errors:
            entry["errors"] = self._new_errors
            self._new_errors = []
        self.journal.commit(entry)

    def finish(self) -> None:
        """The run completed: the report gets its final name, the journal goes."""
        self.progress.clear()
        if self.report is not None:
            self.report.close()
        if self.journal is not None:
            self.journal.finish()

    def abandon(self) -> None:
        """The run stopped early: partial files and the journal stay for `--resume`."""
        self.progress.clear()
        if self.report is not None:
            self.report.abandon()
        if self.journal is not None:
            self.journal.close()

    def discard(self) -> None:
        """A write failed (a full disk): the partial report goes, and the journal with it, since
        it would point a `--resume` at a report that is no longer there."""
        self.progress.clear()
        if self.report is not None:
            self.report.discard()
        if self.journal is not None:
            self.journal.finish()

    def summary(self) -> str:
        return self.stats.summary(time.monotonic() - self.started, self.new_bytes)

    def error_lines(self) -> list[str]:
        lines = list(self.errors)
        hidden = self.stats.failed - len(lines)
        if hidden > 0:
            more = " (the --report lists every one)" if self.report is not None else ""
            lines.append(f"… and {hidden} more failed{more}")
        return lines
