"""The `spacing` step: spaces between Han and Latin letters or digits.

`--spacing` chooses one of three:

- `remove` (default, the house style): spaces between Han and Latin go
  (`在 2024 年发布了 GPT-4` → `在2024年发布了GPT-4`);
- `add` (pangu style): one space where Han and Latin touch (`在2024年` → `在 2024 年`), never
  next to a full-width mark (`，AI` stays) and never inside a protected span;
- `keep`: nothing changes.

In every mode, `keep` too, a space of any width between two Han characters goes (`han-space`:
`我们在 研究` → `我们在研究`), except between the words of a list (`主演：张三 李四`): see
docs/style.md.

`add` then `remove` gives what `remove` alone gives. CJK means Han, kana, Hangul, bopomofo and
enclosed CJK; Latin means
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
import re
from collections.abc import Sequence

import regex

from ..document import REWRITE, Document, Edit
from ..options import option
from ..protect import ATOM, Span
from ..text import CJK_SPACING, HAN

# Declarations (docs/architecture.md, "Adding an option / a rule").
SPACINGS = ("remove", "add", "keep")


@dataclasses.dataclass(frozen=True)
class SpacingOptions:
    spacing: str = option(
        "remove", kind="choice", choices=SPACINGS, help="spaces between Han and Latin letters or digits: remove, add or keep; a space between two Han characters goes in every mode (docs/style.md)"
    )


RULES: dict[str, str] = {
    "remove-space": "a space between Han and Latin text is removed (--spacing remove)",
    "add-space": "a space is put between Han and Latin text (--spacing add)",
    "han-space": "a space between two Han characters is removed (every mode)",
}

STEP = "spacing"

_H = CJK_SPACING  # `cleaner.text`: CJK as pangu counts it
_L = r"A-Za-z0-9\p{Latin}\p{Greek}\p{Cyrillic}" + ATOM
_REMOVE = regex.compile(f"(?<=[{_H}])[ \\t]+(?=[{_L}])|(?<=[{_L}])[ \\t]+(?=[{_H}])")
_ADD = regex.compile(f"(?<=[{_H}])(?=[{_L}])|(?<=[{_L}])(?=[{_H}])")
# A space of any width between two Han characters (Hangul is left out: Korean spaces words).
_SPACES = r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+"
_HAN_ONLY = HAN  # 〇 and 々 included
# Written for `re` and opening with the space class (the Han before it checked once a space is
# found): the look-behind first made the engine try it at every character, 2.4 times slower.
_HAN_SPACE = re.compile(f"{_SPACES[:-1]}(?<=[{_HAN_ONLY}]{_SPACES[:-1]}){_SPACES[:-1]}*(?=[{_HAN_ONLY}])")
# A cheap test on the unmasked body: Han next to a Latin letter or digit, or to the first or
# last character of a word-like span that is not one (`%PATH%`, `&amp;`), or Han, a space, Han.
_HINT = regex.compile(f"[{_H}][ \\t]*[{_L}%$&]|[{_L}%;}}][ \\t]*[{_H}]|[{_HAN_ONLY}]{_SPACES}[{_HAN_ONLY}]")
# `remove` and `keep` only take spaces out, and every space they take touches CJK (Han on
# both sides of `han-space`, CJK on one side of `remove-space`): a space next to CJK is a cheap
# test, written for `re` and opening with one character class so the engine skips from space to
# space (the pattern above tries its look-arounds at every character: 12 ms per MB of news).
_SPACE_CHARS = _SPACES[1:-2]  # the class of `_SPACES`, without its brackets and `+`
_NEAR_CJK = re.compile(f"[{_SPACE_CHARS}](?:(?<=[{_H}][{_SPACE_CHARS}])|(?=[{_H}]))")

# Protected spans that read as a word; at the edges of all others spaces are left as they are.
_WORDLIKE = ("inline-number", "inline-version", "inline-filename", "inline-envvar", "inline-entity", "term")


def spacing(doc: Document, options: SpacingOptions | None = None) -> Document:
    """Remove (default) or add the spaces between Han and Latin text, or keep them; in every
    mode, remove the spaces between two Han characters."""
    mode = (options or SpacingOptions()).spacing
    hint = _HINT if mode == "add" else _NEAR_CJK
    if hint.search(doc.body) is None and not doc.protected_terms:
        return doc
    doc = doc.with_spans()
    masked = doc.masked()
    edits = han_space_edits(masked)
    if mode != "keep":
        edits += spacing_edits(masked, doc.protected(), mode)
    return doc.edit(STEP, sorted(edits, key=lambda e: e.start), kind=REWRITE)


# Words separated by spaces on purpose: a list of names, keywords or tags that ends a clause,
# after a label (`主演：张三 李四`, two words or more) or not (`张三 李四 王五`, `2024-01-01 请求 后端
# 优雅`, three or more). A word of a list is two to four Han characters; a sentence holds function
# words, a list of names or terms rarely does. Clauses end at marks, so a list reads the same
# when `paragraphs` later joins a line that starts with `，` to it.
_LIST_WORD = regex.compile(f"[{_HAN_ONLY}]{{2,4}}")
# Han words apart from what they touch, so `12:00 请求` and `12:00请求` read alike.
_WORD = regex.compile(f"[{_HAN_ONLY}]+|[^\\s{_HAN_ONLY}]+")
_CLAUSE = regex.compile(r"[^，。、；：？！…,;:?!（）()“”「」《》【】]+")
_HAN_WORD = regex.compile(f"[{_HAN_ONLY}]")
_FUNCTION_CHARS = frozenset("的了在是我你他她它们这那个和与也都就不有而及或把被从对将")


def _list_ranges(line: str) -> list[tuple[int, int]]:
    """The stretches of this line whose spaces separate the words of a list."""
    ranges: list[tuple[int, int]] = []
    for clause in _CLAUSE.finditer(line):
        first: int | None = None
        count = 0
        for word in reversed(list(_WORD.finditer(line, clause.start(), clause.end()))):
            text = word.group()
            if not _LIST_WORD.fullmatch(text) or any(c in _FUNCTION_CHARS for c in text):
                if _HAN_WORD.match(text):
                    first = None  # the words end a sentence (`我们 研究 数据 模型`), not a list
                break
            first, count = word.start(), count + 1
        after_label = clause.start() > 0 and line[clause.start() - 1] in "：:"
        if first is not None and count >= (2 if after_label else 3):
            ranges.append((first, clause.end()))
    return ranges


def without_han_spaces(text: str) -> str:
    """The text as `han_space_edits` leaves it (for `boilerplate`, which judges a line before this
    step runs and must judge it the same after: `2024-01-01 一一 一一`, cleaned, is a dateline)."""
    if _HAN_SPACE.search(text) is None:
        return text
    pieces: list[str] = []
    cursor = 0
    for edit in han_space_edits(text):
        pieces.append(text[cursor : edit.start])
        cursor = edit.end
    pieces.append(text[cursor:])
    return "".join(pieces)


def han_space_edits(masked: str) -> list[Edit]:
    """Remove the spaces between two Han characters, except between the words of a list."""
    edits: list[Edit] = []
    lists: dict[int, list[tuple[int, int]]] = {}
    for m in _HAN_SPACE.finditer(masked):
        line_start = masked.rfind("\n", 0, m.start()) + 1
        if line_start not in lists:
            line_end = masked.find("\n", m.end())
            line = masked[line_start : len(masked) if line_end == -1 else line_end]
            lists[line_start] = [(line_start + a, line_start + b) for a, b in _list_ranges(line)]
        if not any(a <= m.start() < b for a, b in lists[line_start]):
            edits.append(Edit(m.start(), m.end(), "", "han-space"))
    return edits


def spacing_edits(masked: str, spans: Sequence[Span], mode: str) -> list[Edit]:
    """The edits of one mode (`remove` or `add`) on a masked body."""
    hard = {s.start for s in spans if s.kind not in _WORDLIKE} | {s.end for s in spans if s.kind not in _WORDLIKE}
    if mode == "add":
        return [Edit(m.start(), m.start(), " ", "add-space") for m in _ADD.finditer(masked) if m.start() not in hard]
    return [Edit(m.start(), m.end(), "", "remove-space") for m in _REMOVE.finditer(masked) if m.start() not in hard and m.end() not in hard]
