"""Checks every step's tests share: replay, idempotence, and what a step must never touch."""

from __future__ import annotations

from collections.abc import Callable

import regex

from cleaner import Document
from cleaner.document import unapply
from cleaner.text import HAN_RE

HAN = HAN_RE
LATIN = regex.compile(r"[A-Za-z0-9]")


def run_step(step: Callable[[Document], Document], text: str) -> tuple[Document, Document]:
    """Run one step on a document made from text (after the encoding step, as in a pipeline)."""
    from cleaner.steps.encoding import encoding

    before = encoding(Document(body=text))
    before = before.replace(changes=())
    after = step(before)
    return before, after


def assert_replays(before: Document, after: Document) -> None:
    """The step's change records, replayed backwards over its output, give back its input."""
    new = after.changes[len(before.changes) :]
    assert unapply(after.body, new) == before.body


def assert_idempotent(step: Callable[[Document], Document], after: Document) -> None:
    again = step(after.replace(changes=()))
    assert again.body == after.body
