"""The JSON report, built from the change and warning records (never from a separate log).

Lines in the report are lines of the input file: a change made by a late step is traced back
through the changes of the steps before it to the line it came from.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from .document import Change, Warning

if TYPE_CHECKING:
    from .api import Result


def source_offsets(changes: Sequence[Change]) -> list[int]:
    """For each change, its offset in the body as the first step received it.

    A change's `offset` is in the text right after it was made; replaying every change recorded
    before it backwards (as `document.unapply` does with text) carries the offset to the input.
    """
    return [_back(change.offset, changes[:index]) for index, change in enumerate(changes)]


def _back(offset: int, changes: Sequence[Change]) -> int:
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


def input_report(result: Result) -> dict[str, Any]:
    doc = result.document
    offsets = source_offsets(doc.changes)
    original = result.original_body
    changes = []
    for change, offset in zip(doc.changes, offsets):
        entry = change.to_json()
        if change.offset < 0:  # front matter: the step already gave the input line
            changes.append(entry)
            continue
        entry["line"] = line_of(original, offset) + doc.body_line - 1
        entry["column"] = offset - original.rfind("\n", 0, offset)
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
    from .steps.boilerplate import category_of

    changes = list(changes)
    by_step = Counter(c.step for c in changes)
    # A context decision's rule carries its features (`context-run [why]`); count by the id.
    by_rule = Counter(f"{c.step}/{c.rule.split(' [', 1)[0]}" for c in changes)
    # Template removals (cleaner.templates) come from no rule file: their category is their own.
    by_category = Counter(
        "template" if c.rule == "template" else category_of(c.rule, options) for c in changes if c.step == "boilerplate"
    )
    removed = sum(len(c.before) for c in changes if c.step == "boilerplate" and not c.after)
    return {
        "changes": len(changes),
        "warnings": sum(1 for _ in warnings),
        "by_step": dict(sorted(by_step.items())),
        "by_rule": dict(sorted(by_rule.items())),
        "removed_by_category": dict(sorted(by_category.items())),
        "removed_chars": removed,
        "removed_share": round(removed / len(original), 4) if original else 0.0,
    }


def build(results: Iterable[Result]) -> dict[str, Any]:
    return {"inputs": [input_report(r) for r in results]}
