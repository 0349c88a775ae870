"""JSON Lines corpora: one record per line, one field cleaned, everything else kept.

    {"id": 7, "text": "他说:好吗?", "url": "https://a.com/x"}
    -> {"id": 7, "text": "他说：好吗？\\n", "url": "https://a.com/x"}

The field's new value is exactly `cleaner.clean(old value)` with the same pipeline; every other
field, and the order of records, stay as they were. Output is UTF-8 with non-ASCII characters
written as themselves (never `\\u` escapes), one record per line. Records are read, cleaned and
written in chunks of about 128 KiB, so memory does not depend on the size of the corpus.

A line that is not a JSON object, or has no string under the field, is a bad record: it is
reported with its line number and passed through unchanged or skipped (`on_bad_record`).
gzip is recognised on input by its first bytes and written when the output name ends in `.gz`.
"""

from __future__ import annotations

import dataclasses
import gzip
import io
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, cast

from . import report
from .api import process
from .batch import Executor, Interrupted, Ordered, Run, Stats, identity, internal_error, too_much_removed
from .errors import CleanerError
from .output import GrowingFile, shown, write_error
from .pipeline import Pipeline

# Small enough that a worker finishes one in well under a second (progress moves, Ctrl-C is
# answered quickly), large enough that handing it to a worker costs nothing beside cleaning it.
CHUNK_BYTES = 1 << 17
BAD_RECORD_CHOICES = ("pass", "skip")
DEFAULT_GLOB = ("*.jsonl", "*.jsonl.gz", "*.ndjson", "*.ndjson.gz")
GZIP_MAGIC = b"\x1f\x8b"


@dataclasses.dataclass(frozen=True)
class RecordSettings:
    """How records are treated: which field, where changes go, what happens to bad records.

    `changes_field`: put `{"changes": [...], "warnings": [...]}` in this field of each record.
    `entries`: build report entries (for records that changed or have warnings).
    `check`: build no output at all.
    """

    field: str = "text"
    changes_field: str | None = None
    on_bad_record: str = "pass"
    entries: bool = False
    check: bool = False
    hold_removals: bool = False  # --in-place without --force: keep a record that would lose too much

    def __post_init__(self) -> None:
        if self.on_bad_record not in BAD_RECORD_CHOICES:
            raise ValueError(f"on_bad_record must be one of {', '.join(BAD_RECORD_CHOICES)}")


@dataclasses.dataclass
class RecordOutcome:
    record: Any
    stats: Stats
    error: str | None = None
    entry: dict[str, Any] | None = None
    held: str | None = None


def clean_record(pipeline: Pipeline, record: Any, settings: RecordSettings, where: str = "<record>") -> RecordOutcome:
    """Clean `record[settings.field]` in a copy of the record; a bad record comes back with an error."""
    size = 0
    if not isinstance(record, dict):
        return RecordOutcome(record, Stats.failure(size), f"{where}: not a JSON object")
    text = record.get(settings.field, _MISSING)
    if text is _MISSING:
        return RecordOutcome(record, Stats.failure(size), f"{where}: no field {settings.field!r}")
    if not isinstance(text, str):
        kind = "null" if text is None else type(text).__name__
        return RecordOutcome(record, Stats.failure(size), f"{where}: field {settings.field!r} is {kind}, not text")
    try:
        result = process(text, path=where, pipeline=pipeline, group=_template_group(pipeline, record, where))
    except CleanerError as error:
        return RecordOutcome(record, Stats.failure(size), str(error))
    except Exception as error:  # a bug in a step fails this record, not the corpus
        return RecordOutcome(record, Stats.failure(size), internal_error(where, error))
    if settings.hold_removals:
        held = too_much_removed(where, result)
        if held is not None:  # the record stays as it was, and is named
            stats = Stats.of(result, size)
            stats.changed = 0
            return RecordOutcome(record, stats, None, None, held)
    cleaned = dict(record)
    cleaned[settings.field] = result.markdown
    wanted = settings.entries and (result.changed or bool(result.warnings))
    entry = report.input_report(result) if settings.changes_field or wanted else None
    if settings.changes_field:
        assert entry is not None
        cleaned[settings.changes_field] = {"changes": entry["changes"], "warnings": entry["warnings"]}
    return RecordOutcome(cleaned, Stats.of(result, size), None, entry if wanted else None)


_MISSING: Any = object()


def _template_group(pipeline: Pipeline, record: dict[str, Any], where: str) -> str | None:
    """A record's template group: its `group_by` (or `source`, `url`) field, else its file's folder."""
    if pipeline.options.templates is None:
        return None
    from .templates import record_hint

    return record_hint(record, pipeline.options.group_by, where.rpartition(":")[0] or None)


def dumps(record: Any) -> bytes:
    """One output line: UTF-8, non-ASCII as itself.

    A lone surrogate (from a `\\ud800` escape in the input) has no UTF-8 form; it alone is
    written back as its JSON escape, which `backslashreplace` spells exactly so.
    """
    return json.dumps(record, ensure_ascii=False).encode("utf-8", "backslashreplace") + b"\n"


def clean_line(pipeline: Pipeline, line: bytes, settings: RecordSettings, where: str) -> tuple[bytes | None, RecordOutcome]:
    """One input line (without its newline) to its output line, or None when it is skipped."""
    try:
        record = json.loads(line)
    except RecursionError:  # `[[[…]]]` nested deeper than Python's parser goes: a bad record
        outcome = RecordOutcome(None, Stats.failure(0), f"{where}: not valid JSON (nested too deeply)")
    except UnicodeDecodeError:
        outcome = RecordOutcome(None, Stats.failure(0), f"{where}: not UTF-8 text")
    except ValueError as error:
        problem = "empty line" if not line.strip() else f"not valid JSON ({getattr(error, 'msg', error)})"
        outcome = RecordOutcome(None, Stats.failure(0), f"{where}: {problem}")
    else:
        outcome = clean_record(pipeline, record, settings, where)
    outcome.stats.bytes = len(line) + 1
    if settings.check:
        return None, outcome
    if outcome.error is None:
        return dumps(outcome.record), outcome
    return (line + b"\n" if settings.on_bad_record == "pass" else None), outcome


@dataclasses.dataclass(frozen=True)
class Chunk:
    """Whole lines of one input, the first of them numbered `first_line`."""

    name: str
    first_line: int
    data: bytes
    settings: RecordSettings


@dataclasses.dataclass
class ChunkResult:
    output: bytes
    lines: int
    stats: Stats
    errors: list[str]
    entries: list[dict[str, Any]]
    held: list[str] = dataclasses.field(default_factory=list)


def clean_chunk(pipeline: Pipeline, chunk: Chunk) -> ChunkResult:
    """Clean every record of a chunk, in order (this is what a worker process runs)."""
    lines = chunk.data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    output: list[bytes] = []
    stats = Stats()
    errors: list[str] = []
    entries: list[dict[str, Any]] = []
    held: list[str] = []
    for offset, line in enumerate(lines):
        where = f"{chunk.name}:{chunk.first_line + offset}"
        out, outcome = clean_line(pipeline, line, chunk.settings, where)
        if out is not None:
            output.append(out)
        stats.add(outcome.stats)
        if outcome.held is not None:
            held.append(outcome.held)
        if outcome.error is not None:
            errors.append(outcome.error)
            if chunk.settings.entries:
                entries.append({"path": where, "error": outcome.error, "changes": [], "warnings": []})
        elif outcome.entry is not None:
            entries.append(outcome.entry)
    return ChunkResult(b"".join(output), len(lines), stats, errors, entries, held)


def chunks(
    handle: IO[bytes], name: str, settings: RecordSettings, *, first_line: int = 1, chunk_bytes: int = CHUNK_BYTES
) -> Iterator[Chunk]:
    """Whole lines of about `chunk_bytes` each, read only as they are asked for."""
    buffer: list[bytes] = []
    size = 0
    start = first_line
    for line in handle:
        if not buffer and start == 1 and line.startswith(b"\xef\xbb\xbf"):
            line = line[3:]  # a UTF-8 BOM before the first record is not part of it
        buffer.append(line)
        size += len(line)
        if size >= chunk_bytes:
            yield Chunk(name, start, b"".join(buffer), settings)
            start += len(buffer)
            buffer, size = [], 0
    if buffer:
        yield Chunk(name, start, b"".join(buffer), settings)


def open_input(raw: IO[bytes]) -> IO[bytes]:
    """The records' bytes: gzip is recognised by its first two bytes, whatever the file's name."""
    buffered: Any = raw if hasattr(raw, "peek") else io.BufferedReader(raw)  # type: ignore[arg-type,type-var,unused-ignore]
    if buffered.peek(2)[:2] == GZIP_MAGIC:
        return cast(IO[bytes], gzip.GzipFile(fileobj=buffered, mode="rb"))
    return cast(IO[bytes], buffered)


def clean_stream(
    pipeline: Pipeline, source: IO[bytes], target: IO[bytes] | None, settings: RecordSettings, name: str = "<stdin>"
) -> tuple[Stats, list[str]]:
    """Clean a whole stream of records in this process; returns the totals and the error lines."""
    stats = Stats()
    errors: list[str] = []
    for chunk in chunks(open_input(source), name, settings):
        result = clean_chunk(pipeline, chunk)
        if target is not None:
            target.write(result.output)
        stats.add(result.stats)
        errors.extend(result.errors)
    return stats, errors


class PartialOutput:
    """Output that grows under a locked temporary name and is renamed to its own when complete.

    gzip when the name ends in `.gz`. `checkpoint()` ends the current gzip member (a gzip file
    may hold several, and every reader joins them), so the file can be cut back to any
    checkpoint and continued: that is what `--resume` does. A second run writing the same
    output fails at once (`cleaner.output.OutputBusy`); a write that fails (a full disk) leaves
    no partial file. A target that is not a regular file (`/dev/null`, a FIFO) is written through.
    """

    def __init__(self, target: Path, *, resume_bytes: int | None = None) -> None:
        self.target = target
        self.compress = target.name.endswith(".gz")
        self._file = GrowingFile(target, resume_bytes=resume_bytes)
        self.temp = self._file.temp
        self._gzip: gzip.GzipFile | None = None

    def write(self, data: bytes) -> None:
        if not data:
            return
        if not self.compress:
            self._file.write(data)
            return
        try:
            if self._gzip is None:
                # mtime=0 and no file name: the same records always give the same bytes
                self._gzip = gzip.GzipFile(filename="", fileobj=self._file.handle, mode="wb", compresslevel=6, mtime=0)
            self._gzip.write(data)
        except OSError as error:
            self._gzip = None
            self._file.discard()
            raise write_error(self.target, error) from None

    def checkpoint(self) -> int:
        """Make everything written so far durable; returns the size to cut back to on resume."""
        if self._gzip is not None:
            gz, self._gzip = self._gzip, None
            try:
                gz.close()  # ends the member; the raw file stays open
            except OSError as error:
                self._file.discard()
                raise write_error(self.target, error) from None
        return self._file.sync()

    def finish(self) -> None:
        self.checkpoint()
        self._file.finish()

    def abandon(self) -> None:
        """Stop without renaming; the temporary file stays for `--resume`."""
        if self._gzip is not None:
            try:
                self._gzip.close()
            except (OSError, ValueError):
                pass
        self._file.abandon()

    def discard(self) -> None:
        """A write failed: remove the temporary file."""
        self._file.discard()


def run_file(
    source: Path | None,
    target: Path | None,
    executor: Executor,
    run: Run,
    settings: RecordSettings,
    *,
    stop: Callable[[], bool] = lambda: False,
    chunk_bytes: int = CHUNK_BYTES,
    checkpoint_seconds: float = 2.0,
    on_chunk: Callable[[ChunkResult], None] | None = None,
) -> None:
    """Clean one JSON Lines input into `target` (None: standard output), keeping `run` up to date.

    With a journal, progress is committed at most every `checkpoint_seconds`, and a run that
    the journal says got part of the way through this input goes on from there. Raises
    `Interrupted` when `stop()` became true (after committing what was finished).
    """
    name = str(source) if source is not None else "<stdin>"
    if name in run.done:
        return
    journal = run.journal if source is not None and target is not None else None
    resume = journal.partial_for(name) if journal else None
    try:
        handle = open_input(open(source, "rb") if source is not None else sys.stdin.buffer)  # noqa: SIM115
    except OSError as error:
        raise CleanerError(error.strerror or str(error), path=shown(name)) from None
    lines_done = int(resume["lines"]) if resume else 0
    for _ in range(lines_done):
        handle.readline()
    output: PartialOutput | None = None
    if target is not None and not settings.check:
        output = PartialOutput(target, resume_bytes=int(resume["output_bytes"]) if resume else None)
    finished = False
    last = time.monotonic()
    try:
        stream = chunks(handle, shown(name), settings, first_line=lines_done + 1, chunk_bytes=chunk_bytes)
        results = Ordered(executor, clean_chunk, stream, stop)
        for result in results:
            if output is not None:
                output.write(result.output)
            elif target is None and not settings.check:
                sys.stdout.buffer.write(result.output)
            lines_done += result.lines
            run.add(result.stats, result.errors, result.entries)
            run.held.extend(result.held)
            if on_chunk is not None:
                on_chunk(result)
            if journal is not None and (stop() or time.monotonic() - last >= checkpoint_seconds):
                _checkpoint(run, name, source, lines_done, output)
                last = time.monotonic()
        if not results.complete:  # stopped (Ctrl-C) before every record was done
            raise Interrupted(resumable=journal is not None)
        if output is not None:
            output.finish()
        elif target is None and not settings.check:
            sys.stdout.buffer.flush()
        finished = True
        run.commit({"done": name})
    except CleanerError:
        if output is not None:
            output.discard()  # a write failed: no partial file stays
        raise
    finally:
        handle.close()
        if output is not None and not finished:
            output.abandon()


def _checkpoint(run: Run, name: str, source: Path | None, lines: int, output: PartialOutput | None) -> None:
    assert source is not None
    entry: dict[str, Any] = {"partial": name, "lines": lines, "input": identity(source)}
    if output is not None:
        entry["output_bytes"] = output.checkpoint()
        entry["temp"] = str(output.temp)
    run.commit(entry)
