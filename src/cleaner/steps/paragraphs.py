"""The `paragraphs` step: Markdown blocks with one blank line between them.

First pass (issue 10); issue 14 adds joined closing quotes, bullets and numbered headings.

Rules, each change recorded:

- `trailing-space`: spaces and tabs at a line end removed        `正文。  ` -> `正文。`
- `blank-line`: whitespace-only lines emptied, runs of blank lines made one, blank lines at the
  start and end of the body removed
- `indent`: the indent of a paragraph line removed (scraped text indents paragraphs; in our
  Markdown an indent would mean nothing or, worse, code)
- `paragraph-break`: in scraped text one line is one paragraph, so consecutive lines of a
  Markdown paragraph are separated by a blank line

Headings, lists, block quotes, tables, code fences and HTML blocks stay as they are: only
top-level paragraphs, as `markdown-it-py` parses them, are split.
"""

from __future__ import annotations

from functools import lru_cache

import regex

from ..document import Document, Edit
from ..protect import BLOCK, MARKUP, Span, overlaps

STEP = "paragraphs"


@lru_cache(maxsize=1)
def _markdown():  # type: ignore[no-untyped-def]
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark").enable("table")
    md.disable(["code", "inline"])  # indented code: see protect.py; blocks are all we read
    return md


_TRAILING = regex.compile(r"[ \t]+$", regex.M)
_INDENT = regex.compile(r"^[ \t]+")


def paragraphs(doc: Document, options: object = None) -> Document:
    """Separate blocks by one blank line and clean line ends; see the module docstring."""
    doc = doc.with_spans()
    masked = doc.masked()
    edits = [
        Edit(m.start(), m.end(), "", "trailing-space")
        for m in _TRAILING.finditer(masked)
        if not _in_block(masked, m.start())
    ]
    doc = doc.edit(STEP, edits)
    doc = doc.edit(STEP, _paragraph_edits(doc.body, doc.masked()))
    return doc.edit(STEP, _blank_line_edits(doc.masked(), doc.protected()))


def _in_block(masked: str, offset: int) -> bool:
    line_start = masked.rfind("\n", 0, offset) + 1
    return masked.startswith(BLOCK, line_start) or (offset > 0 and masked[offset - 1] == BLOCK)


def _line_offsets(text: str) -> list[int]:
    offsets = [0]
    i = text.find("\n")
    while i != -1:
        offsets.append(i + 1)
        i = text.find("\n", i + 1)
    return offsets


def _paragraph_edits(body: str, masked: str) -> list[Edit]:
    starts = _line_offsets(body)
    edits: list[Edit] = []
    depth = 0
    tokens = _markdown().parse(body)
    for token in tokens:
        # A block that starts right under another one (a list after a paragraph, a paragraph
        # after a heading) gets the blank line that separates blocks.
        if token.level == 0 and token.map and token.nesting >= 0 and token.map[0] > 0:
            line = token.map[0]
            previous = body[starts[line - 1] : starts[line] - 1]
            if previous.strip() and token.type not in ("paragraph_open",):
                edits.append(Edit(starts[line], starts[line], "\n", "block-break"))
        if token.type in ("bullet_list_open", "ordered_list_open", "blockquote_open", "table_open"):
            depth += 1
        elif token.type in ("bullet_list_close", "ordered_list_close", "blockquote_close", "table_close"):
            depth -= 1
        if token.type != "paragraph_open" or token.map is None:
            continue
        first, last = token.map
        for index in range(first + 1 if depth else first, last):
            start = starts[index]
            indent = _INDENT.match(masked, start)
            indented = indent is not None and indent.end() > start
            if depth:
                # Inside a list item or quote, an unindented line is CommonMark's "lazy
                # continuation": in scraped text it is the next paragraph, not part of the item.
                if not indented and not masked.startswith(MARKUP, start):
                    edits.append(Edit(start, start, "\n", "paragraph-break"))
                    # The lines split off end the list; what follows them starts a new block.
                    if last < len(starts) and body[starts[last] : starts[last] + 1].strip():
                        edits.append(Edit(starts[last], starts[last], "\n", "block-break"))
                continue
            if indented:
                edits.append(Edit(start, indent.end(), "", "indent"))  # type: ignore[union-attr]
            if index > first or (index > 0 and body[starts[index - 1] : start - 1].strip()):
                edits.append(Edit(start, start, "\n", "paragraph-break"))
    return _merge_same_offset(edits)


def _merge_same_offset(edits: list[Edit]) -> list[Edit]:
    # An insertion and an indent removal at one line start become one edit; two line breaks
    # found for one place are one.
    by_start: dict[int, Edit] = {}
    for e in edits:
        other = by_start.get(e.start)
        if other is not None and other.start == other.end == e.end and other.replacement == e.replacement:
            continue
        if other is None:
            by_start[e.start] = e
        else:
            first, second = (other, e) if other.end == other.start else (e, other)
            by_start[e.start] = Edit(e.start, second.end, first.replacement + second.replacement, first.rule)
    return list(by_start.values())


def _blank_line_edits(masked: str, spans: tuple[Span, ...]) -> list[Edit]:
    edits: list[Edit] = []
    lead = regex.match(r"(?:[ \t]*\n)+", masked)
    if lead:
        edits.append(Edit(0, lead.end(), "", "blank-line"))
    for m in regex.finditer(r"\n(?:[ \t]*\n){2,}|\n[ \t]+\n", masked):
        if (lead and m.start() < lead.end()) or overlaps(spans, m.start(), m.end()):
            continue
        edits.append(Edit(m.start(), m.end(), "\n\n", "blank-line"))
    tail = regex.search(r"\n(?:[ \t]*\n)*[ \t]*\Z", masked)
    if tail and tail.end() - tail.start() > 1:
        edits = [e for e in edits if e.end <= tail.start()]
        if not (lead and lead.end() >= tail.start()):
            edits.append(Edit(tail.start(), tail.end(), "\n", "blank-line"))
    return edits
