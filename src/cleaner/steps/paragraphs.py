"""The `paragraphs` step: Markdown blocks with one blank line between them.

Rules, each change recorded:

- `trailing-space`: spaces and tabs at a line end removed        `正文。  ` -> `正文。`
- `blank-line`: whitespace-only lines emptied, runs of blank lines made one, blank lines at the
  start and end of the body removed
- `indent`: the indent of a paragraph line removed (scraped text indents paragraphs; in our
  Markdown an indent would mean nothing or, worse, code)
- `paragraph-break`: in scraped text one line is one paragraph, so consecutive lines of a
  Markdown paragraph are separated by a blank line

- `closing-quote`: a line that starts with a closing quote or bracket (`”`, `」`, `）`, …) is
  joined to the paragraph before it          `人类会造电梯。\n\n”关键在于` -> `人类会造电梯。”关键在于`
- `bullet`: `·`, `•`, `●` or `・` at a line start becomes a `- ` list item (consecutive ones
  one tight list)                                                   `· 第一点` -> `- 第一点`
- `heading`: a numbered section title (`01、`, `一、`, `（一）`, `第一章`; at most 30 characters
  after the number, no sentence mark) becomes a heading at `heading_level` (default 2)
  `一、市场回顾` -> `## 一、市场回顾`; a run of numbered lines is a list and stays as it is
- `unclosed-html`: an HTML block CommonMark ends only at a closing marker (`<!--`, `<script>`,
  `<pre>`, `<style>`, `<?`, `<![CDATA[`) that is never closed would hide all the text after it:
  its `<` is written `&lt;`, so it shows as text, and a warning names the line
- `html-break`: a lone tag on its own line (`<img src=…>`) followed directly by text lines would
  take them into its HTML block: a blank line is put after the tag

Headings, lists, block quotes, tables, code fences and HTML blocks that are already Markdown stay
as they are: only top-level paragraphs, as `markdown-it-py` parses them, are changed.
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache

import regex

from ..document import Document, Edit
from ..options import option
from ..protect import BLOCK, MARKUP, Span, overlaps


# Declarations (docs/architecture.md, "Adding an option / a rule").
@dataclasses.dataclass(frozen=True)
class ParagraphsOptions:
    heading_level: int = option(
        2, kind="int", metavar="N", help="the level (1 to 6) given to a heading recognised in plain text"
    )


RULES: dict[str, str] = {
    "trailing-space": "spaces at line ends are removed",
    "blank-line": "runs of blank lines become one, and none at the start or end",
    "block-break": "a blank line is put between blocks that touch",
    "paragraph-break": "a blank line is put between paragraphs written as single lines",
    "indent": "the indent of a paragraph's first line is removed",
    "closing-quote": "a closing quote alone on its line goes back to its paragraph",
    "bullet": "bullet characters (`•`, `●`) become Markdown list items",
    "heading": "a heading in plain text gets Markdown `#` marks",
    "unclosed-html": "an HTML block that never closes is escaped",
    "html-break": "a blank line is put after an HTML block that runs into text",
}

STEP = "paragraphs"


@lru_cache(maxsize=1)
def _markdown():  # type: ignore[no-untyped-def]
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark").enable("table")
    md.disable(["code", "inline"])  # indented code: see protect.py; blocks are all we read
    return md


_TRAILING = regex.compile(r"[ \t]+$", regex.M)
_INDENT = regex.compile(r"^[ \t]+")


def paragraphs(doc: Document, options: ParagraphsOptions | None = None) -> Document:
    """Separate blocks by one blank line and clean line ends; see the module docstring."""
    doc = doc.with_spans()
    # An unclosed block swallows the rest of the text, so a second one is seen only once the
    # first is escaped: repeat until none is left (each round escapes at least one opener).
    for _ in range(100):
        html, unclosed = _html_edits(doc)
        if not html:
            break
        # These edits reach into HTML blocks, which are protected spans: the blocks are broken
        # markup, and the spans are found again on the repaired text.
        doc = doc.edit(STEP, html, keep_spans=False).replace(spans=None).with_spans()
        for line, text in unclosed:
            doc = doc.warn(STEP, "unclosed-html", line, "an HTML block opened here is never closed; escaped so the text after it shows", text)
    masked = doc.masked()
    edits = [
        Edit(m.start(), m.end(), "", "trailing-space")
        for m in _TRAILING.finditer(masked)
        if not _in_block(masked, m.start())
    ]
    doc = doc.edit(STEP, edits)
    structure = _structure_edits(doc.body, doc.masked(), (options or ParagraphsOptions()).heading_level)
    if structure:
        # New list and heading markers are Markdown syntax now: find the spans again.
        doc = doc.edit(STEP, structure).replace(spans=None).with_spans()
    spans = doc.protected()
    # A break inside a protected span (two HTML blocks in a cleaner:off region) is not ours.
    breaks = [e for e in _paragraph_edits(doc.body, doc.masked()) if not overlaps(spans, e.start, e.end)]
    doc = doc.edit(STEP, breaks)
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


# --- structure from scraped text (issue 14) ---------------------------------------------------

# Marks that close a quotation or a bracket: a line that starts with one belongs to the paragraph
# before it (the scrape broke the line before the closing quote).
_CLOSERS = "”’」』）)]】》〉〕｝}»›"
_BULLET = regex.compile(r"[·•●・][ \t\u3000]*")
_NUMBERED = regex.compile(
    r"(?:\d{1,2}、|[一二三四五六七八九十]{1,3}、|[（(][一二三四五六七八九十]{1,3}[）)]"
    r"|第[一二三四五六七八九十百\d]{1,3}[章节部分篇])[ \t\u3000]*"
)
_SENTENCE_MARK = regex.compile(r"[。！？!?；;…]|[：:，,、]$")
_TITLE_MAX = 30
_LIST_LIKE_START = regex.compile(r"[#>*+-]|\d{1,9}[.)]")


def _structure_edits(body: str, masked: str, level: int) -> list[Edit]:
    """Closing quotes joined back, `·`/`•` bullets as list items, numbered titles as headings."""
    starts = _line_offsets(body)
    count = len(starts)
    para = [False] * count
    for token in _markdown().parse(body):
        if token.type == "paragraph_open" and token.level == 0 and token.map:
            for index in range(*token.map):
                para[index] = True

    def bounds(index: int) -> tuple[int, int]:
        end = starts[index + 1] - 1 if index + 1 < count else len(body)
        return starts[index], end

    def neighbour(index: int, step: int) -> int | None:
        index += step
        while 0 <= index < count:
            start, end = bounds(index)
            if masked[start:end].strip():
                return index
            index += step
        return None

    def numbered(index: int | None) -> bool:
        if index is None or not para[index]:
            return False
        start, end = bounds(index)
        return _NUMBERED.match(masked[start:end].lstrip(" \t\u3000")) is not None

    edits: list[Edit] = []
    bullets: set[int] = set()
    for index in range(count):
        if not para[index]:
            continue
        start, end = bounds(index)
        line = masked[start:end]
        text = line.lstrip(" \t\u3000")
        text_start = start + len(line) - len(text)
        if not text:
            continue
        if text[0] in _CLOSERS:
            previous = neighbour(index, -1)
            if previous is not None and para[previous]:
                edits.append(Edit(bounds(previous)[1], text_start, "", "closing-quote"))
            continue
        bullet = _BULLET.match(text)
        if bullet:
            content = text[bullet.end() :]
            if content.strip() and not _LIST_LIKE_START.match(content) and content[0] not in "·•●・":
                previous = neighbour(index, -1)
                if previous in bullets and previous is not None and previous < index - 1:
                    # Blank lines between bullets of one list would make it a loose list.
                    edits.append(Edit(starts[previous + 1], starts[index], "", "bullet"))
                edits.append(Edit(start, text_start + bullet.end(), "- ", "bullet"))
                bullets.add(index)
            continue
        number = _NUMBERED.match(text)
        if number and _title_like(text[number.end() :]):
            if numbered(neighbour(index, -1)) or numbered(neighbour(index, 1)):
                continue  # a run of numbered lines is a list, not a series of titles
            edits.append(Edit(start, text_start, "#" * level + " ", "heading"))
    return edits


def _title_like(rest: str) -> bool:
    rest = rest.strip()
    return (
        0 < len(rest) <= _TITLE_MAX
        and _SENTENCE_MARK.search(rest) is None
        and _NUMBERED.match(rest) is None
        and BLOCK not in rest
    )


# HTML blocks that CommonMark ends only at a closing marker (types 1-5): left open in scraped
# text, they hide everything after them. The start pattern and the marker that ends each one.
_OPEN_HTML = (
    (regex.compile(r"<(?:script|pre|style|textarea)(?:\s|>|$)", regex.I), regex.compile(r"</(?:script|pre|style|textarea)>", regex.I)),
    (regex.compile(r"<!--"), regex.compile(r"-->")),
    (regex.compile(r"<\?"), regex.compile(r"\?>")),
    (regex.compile(r"<!\[CDATA\["), regex.compile(r"\]\]>")),
    (regex.compile(r"<![A-Za-z]"), regex.compile(r">")),
)
_LONE_TAG = regex.compile(r"[ \t]*</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>[ \t]*")


def _html_edits(doc: Document) -> tuple[list[Edit], list[tuple[int, str]]]:
    """Escape an HTML block left open to the end; split text lines off a lone tag's block.

    Returns the edits and, for warnings, (line, text) of each block left open.
    """
    body = doc.body
    starts = _line_offsets(body)
    off = [s for s in doc.protected() if s.kind == "off"]
    edits: list[Edit] = []
    unclosed: list[tuple[int, str]] = []
    for token in _markdown().parse(body):
        if token.type != "html_block" or token.level != 0 or token.map is None:
            continue
        first, last = token.map
        start = starts[first]
        content = token.content
        opening = content.lstrip(" \t")
        at = start + len(content) - len(opening)
        if any(s.start <= at < s.end for s in off):
            continue
        for begins, ends in _OPEN_HTML:
            m = begins.match(opening)
            if m:
                if ends.search(opening, m.end()) is None:
                    edits.append(Edit(at, at + 1, "&lt;", "unclosed-html"))
                    unclosed.append((first + 1, opening.split("\n", 1)[0]))
                break
        else:
            lines = content.split("\n")
            if len(lines) > 1 and _LONE_TAG.fullmatch(lines[0]) and lines[1].strip() and not lines[1].lstrip().startswith("<"):
                edits.append(Edit(starts[first + 1], starts[first + 1], "\n", "html-break"))
    return edits, unclosed
