"""The JSON report, built from the change and warning records (never from a separate log).

Lines in the report are lines of the input file: a change made by a late step is traced back
through the changes of the steps before it to the line it came from.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from .document import REMOVAL, Change, Warning, removed_chars

if TYPE_CHECKING:
    from .api import Result


def source_offsets(changes: Sequence[Change]) -> list[int]:
    """For each change, its offset in the body as the first step received it.

    A change's `offset` is in the text right after it was made; replaying every change recorded
    before it backwards (as `document.unapply` does with text) carries the offset to the input.
    Replayed one change at a time that costs time in the square of the number of changes, so the
    changes are taken in runs instead: a run is changes that follow one another in the text
    (each starts at or after the end of the one before, as the changes of one `Document.edit`
    do), and going back through a whole run is one binary search (`_Run.back`). Each change
    goes back through its own run's earlier changes, then through every earlier run.
    """
    # Each record read once (a `ChangeLog` makes a `Change` per read): its place and lengths.
    offsets: list[int] = []
    before_sizes: list[int] = []
    after_sizes: list[int] = []
    for change in changes:
        offsets.append(change.offset)
        before_sizes.append(len(change.before))
        after_sizes.append(len(change.after))
    sizes = (before_sizes, after_sizes)
    runs: list[_Run] = []
    current: list[int] = []  # indexes of the changes of the run being read
    end = -1
    for index, offset in enumerate(offsets):
        if offset < 0:  # front matter: not a body place (see `_back`)
            continue
        if offset < end:
            runs.append(_Run(offsets, sizes, current))
            current = []
        current.append(index)
        end = offset + after_sizes[index]
    if current:
        runs.append(_Run(offsets, sizes, current))
    found = offsets[:]
    for number, run in enumerate(runs):
        # Within its run, a change comes after every earlier change of the run: each moved it
        # by its own length difference.
        places = [offsets[i] + run.shift[k] for k, i in enumerate(run.indexes)]
        for earlier in reversed(runs[:number]):
            if not earlier.identity:
                places = [earlier.back(place) for place in places]
        for i, place in zip(run.indexes, places):
            found[i] = place
    return found


class _Run:
    """Changes that follow one another in the text, and how to go back through all of them.

    In the text after the run, change k's `after` lies at `[starts[k], ends[k])`, in order and
    not overlapping. A place at or after `ends[k]` moves back by `shift[k + 1]`, the length
    difference of changes 0..k; a place inside an `after` goes to its start first.
    """

    def __init__(self, offsets: list[int], sizes: tuple[list[int], list[int]], indexes: list[int]) -> None:
        before, after = sizes  # len(change.before), len(change.after) by index
        self.indexes = indexes
        self.starts = [offsets[i] for i in indexes]
        self.ends = [offsets[i] + after[i] for i in indexes]
        self.shift = [0]
        for i in indexes:
            self.shift.append(self.shift[-1] + before[i] - after[i])
        # One-character replacements (`,` → `，`, 們 → 们) move no place at all.
        self.identity = all(before[i] == after[i] <= 1 for i in indexes)

    def back(self, place: int) -> int:
        k = bisect.bisect_right(self.ends, place)  # changes 0..k-1 end at or before the place
        if k < len(self.starts) and self.starts[k] < place:
            place = self.starts[k]  # inside change k's `after`: its start
        return place + self.shift[k]


def _back(offset: int, changes: Sequence[Change]) -> int:
    """`offset` carried back through `changes`, one at a time (the definition `_Run` follows)."""
    for change in reversed(changes):
        if change.offset < 0:
            continue
        end = change.offset + len(change.after)
        if offset >= end:
            offset += len(change.before) - len(change.after)
        elif offset > change.offset:
            offset = change.offset
    return offset


def line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, max(0, min(offset, len(text)))) + 1


class _Lines:
    """Line and column of many offsets in one text: a binary search over its newlines each."""

    def __init__(self, text: str) -> None:
        self.newlines = [m.start() for m in _NEWLINE.finditer(text)]

    def line_column(self, offset: int) -> tuple[int, int]:
        """As `line_of(text, offset)` and `offset - text.rfind("\\n", 0, offset)`."""
        before = bisect.bisect_left(self.newlines, max(0, offset))  # newlines before the offset
        return before + 1, offset - (self.newlines[before - 1] if before else -1)


_NEWLINE = re.compile("\n")


def input_report(result: Result) -> dict[str, Any]:
    doc = result.document
    offsets = source_offsets(doc.changes)
    original = result.original_body
    lines = _Lines(original)
    changes = []
    for change, offset in zip(doc.changes, offsets):
        entry = change.to_json()
        if change.offset < 0:  # front matter: the step already gave the input line
            changes.append(entry)
            continue
        line, column = lines.line_column(offset)
        entry["line"] = line + doc.body_line - 1
        entry["column"] = column
        changes.append(entry)
    warnings = [_warning_json(w, doc.body_line) for w in doc.warnings]
    return {
        "path": doc.path,
        "encoding": doc.encoding,
        "changed": result.changed,
        "changes": changes,
        "warnings": warnings,
        "summary": summary(doc.changes, doc.warnings, original, result.options),
    }


def _warning_json(warning: Warning, body_line: int) -> dict[str, Any]:
    entry = warning.to_json()
    entry["line"] = warning.line + body_line - 1 if warning.line > 0 else warning.line
    return entry


def summary(
    changes: Iterable[Change], warnings: Iterable[Warning], original: str, options: Any = None
) -> dict[str, Any]:
    # Counted from the records alone: each says what it is (`kind`) and its category, as the
    # step that made it set them, so this and the audit page (`audit.py`) agree by construction.
    changes = list(changes)
    by_step = Counter(c.step for c in changes)
    # A context decision's rule carries its features (`context-run [why]`); count by the id.
    by_rule = Counter(f"{c.step}/{c.rule.split(' [', 1)[0]}" for c in changes)
    by_kind = Counter(c.kind for c in changes)
    by_category = Counter(c.category or c.step for c in changes if c.kind == REMOVAL)
    removed = removed_chars(changes)
    return {
        "changes": len(changes),
        "warnings": sum(1 for _ in warnings),
        "by_step": dict(sorted(by_step.items())),
        "by_rule": dict(sorted(by_rule.items())),
        "by_kind": dict(sorted(by_kind.items())),
        "removed_by_category": dict(sorted(by_category.items())),
        "removed_chars": removed,
        "removed_share": round(removed / len(original), 4) if original else 0.0,
    }


def build(results: Iterable[Result]) -> dict[str, Any]:
    return {"inputs": [input_report(r) for r in results]}
