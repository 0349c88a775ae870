"""The `spacing` step: spaces between Han and Latin letters or digits.

`--spacing` chooses one of three:

- `remove` (default, the house style): spaces between Han and Latin go
  (`在 2024 年发布了 GPT-4` → `在2024年发布了GPT-4`);
- `add` (pangu style): one space where Han and Latin touch (`在2024年` → `在 2024 年`), never
  next to a full-width mark (`，AI` stays) and never inside a protected span;
- `keep`: nothing changes.

`add` then `remove` gives what `remove` alone gives. Han means Han, kana and Hangul; Latin means
letters (Latin, Greek, Cyrillic) and digits, and the word-like protected spans: numbers,
versions, file names, `%VAR%` and the user's protected terms (`约 1,000 人` → `约1,000人`). The
edges of URLs, e-mail addresses, code, HTML, paths and emoticons keep their spaces: a bare URL
needs a space before it to be a link, and a path or emoticon would take the Han after it in.

>>> from cleaner import Document, Options
>>> spacing(Document(body="在 2024 年发布了 GPT-4"), Options()).body
'在2024年发布了GPT-4'
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import regex

from ..document import Document, Edit
from ..options import option
from ..protect import ATOM, Span

# Declarations (docs/architecture.md, "Adding an option / a rule").
SPACINGS = ("remove", "add", "keep")


@dataclasses.dataclass(frozen=True)
class SpacingOptions:
    spacing: str = option(
        "remove", kind="choice", choices=SPACINGS, help="spaces between Han and Latin letters or digits: remove, add or keep"
    )


RULES: dict[str, str] = {
    "remove-space": "a space between Han and Latin text is removed (--spacing remove)",
    "add-space": "a space is put between Han and Latin text (--spacing add)",
}

STEP = "spacing"

_H = r"\p{Han}\u3040-\u30ff\uac00-\ud7af〇々"
_L = r"A-Za-z0-9\p{Latin}\p{Greek}\p{Cyrillic}" + ATOM
_REMOVE = regex.compile(f"(?<=[{_H}])[ \\t]+(?=[{_L}])|(?<=[{_L}])[ \\t]+(?=[{_H}])")
_ADD = regex.compile(f"(?<=[{_H}])(?=[{_L}])|(?<=[{_L}])(?=[{_H}])")
# A cheap test on the unmasked body: Han next to a Latin letter or digit, or to the first or
# last character of a word-like span that is not one (`%PATH%`, `&amp;`).
_HINT = regex.compile(f"[{_H}][ \\t]*[{_L}%$&]|[{_L}%;}}][ \\t]*[{_H}]")

# Protected spans that read as a word; at the edges of all others spaces are left as they are.
_WORDLIKE = ("inline-number", "inline-version", "inline-filename", "inline-envvar", "inline-entity", "term")


def spacing(doc: Document, options: SpacingOptions | None = None) -> Document:
    """Remove (default) or add the spaces between Han and Latin text, or keep them."""
    mode = (options or SpacingOptions()).spacing
    if mode == "keep" or (_HINT.search(doc.body) is None and not doc.protected_terms):
        return doc
    doc = doc.with_spans()
    return doc.edit(STEP, spacing_edits(doc.masked(), doc.protected(), mode))


def spacing_edits(masked: str, spans: Sequence[Span], mode: str) -> list[Edit]:
    """The edits of one mode (`remove` or `add`) on a masked body."""
    hard = {s.start for s in spans if s.kind not in _WORDLIKE} | {s.end for s in spans if s.kind not in _WORDLIKE}
    if mode == "add":
        return [Edit(m.start(), m.start(), " ", "add-space") for m in _ADD.finditer(masked) if m.start() not in hard]
    return [Edit(m.start(), m.end(), "", "remove-space") for m in _REMOVE.finditer(masked) if m.start() not in hard and m.end() not in hard]
