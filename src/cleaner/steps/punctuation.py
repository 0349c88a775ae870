"""The `punctuation` step: not built yet (issue 13).

Until it is, the step passes every document through unchanged, and `cleaner --help` and
docs/steps.md say so. It is registered so that `--only`, `--skip` and the report already know
its name.
"""

from __future__ import annotations

from ..document import Document

BUILT = False


def punctuation(doc: Document, options: object = None) -> Document:
    """Pass the document through unchanged (the step is not built yet)."""
    return doc
