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
  (an ASCII `)` `]` `}` only on a line with Han: alone, it closes a line of code)
- `closing-mark`: so is a line that starts with `，。、；：？！`   `以前\n，这让` -> `以前，这让`
- `bullet`: `·`, `•`, `●` or `・` at a line start becomes a `- ` list item (consecutive ones
  one tight list)                                                   `· 第一点` -> `- 第一点`
- `heading`: a numbered section title (`01、`, `一、`, `（一）`, `第一章`; at most 30 characters
  after the number, no sentence mark) becomes a heading at `heading_level` (default 2)
  `一、市场回顾` -> `## 一、市场回顾`; a run of numbered lines is a list and stays as it is
- `unclosed-html`: an HTML block CommonMark ends only at a closing marker (`<!--`, `<script>`,
  `<pre>`, `<style>`, `<?`, `<![CDATA[`) that is never closed would hide all the text after it:
  its `<` is written `&lt;`, so it shows as text, and a warning names the line
- `leading-rule`: a `---` thematic break opening a body without front matter becomes `***` (the
  same break), since a file that starts with `---` opens front matter
- `html-break`: a lone tag on its own line (`<img src=…>`) followed directly by text lines would
  take them into its HTML block: a blank line is put after the tag

The step runs to its fixed point (a line split off a list item may then be a heading), so a
second run changes nothing.

Headings, lists, block quotes, tables, code fences and HTML blocks that are already Markdown stay
as they are: only top-level paragraphs, as `markdown-it-py` parses them, are changed.
"""

from __future__ import annotations

import dataclasses
import re

import regex

from ..document import REWRITE, Document, Edit
from ..options import option
from ..protect import BLOCK, MARKUP, Block, Span, block_structure, overlaps
from ..text import HAN, KANA, SECTION_NUMBER, line_starts


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
    "closing-mark": "a closing mark alone on its line goes back to its paragraph",
    "bullet": "bullet characters (`•`, `●`) become Markdown list items",
    "heading": "a heading in plain text gets Markdown `#` marks",
    "unclosed-html": "an HTML block that never closes is escaped",
    "html-break": "a blank line is put after an HTML block that runs into text",
    "leading-rule": "a `---` line opening a body with no front matter becomes `***`",
}

STEP = "paragraphs"


def _blocks(doc: Document) -> tuple[Document, tuple[Block, ...]]:
    """The document with its block structure known, and that structure: carried from the step
    that found the spans when no edit since changed it (`Document.blocks`), else found now
    (`protect.block_structure`: plain text needs no parser)."""
    if doc.blocks is None:
        doc = doc.replace(blocks=block_structure(doc.body))
    return doc, doc.blocks  # type: ignore[return-value]


# Only from the start of a run, taken whole: tried inside a run, `[ \t]+$` would read to the
# run's end from every space of it (100,000 spaces between two words: minutes).
_TRAILING = regex.compile(r"(?<![ \t])[ \t]++$", regex.M)
_INDENT = regex.compile(r"[ \t]+")  # matched at a line start (`match` at pos: `^` would fail there)


# Rounds of the step before it stops looking for more: each round's breaks can only expose
# structure (a numbered title freed from a list item's lazy continuation) the round before could
# not see, and real documents settle in two or three.
_MAX_ROUNDS = 5


def paragraphs(doc: Document, options: ParagraphsOptions | None = None) -> Document:
    """Separate blocks by one blank line and clean line ends; see the module docstring.

    The step is run to its fixed point, so a second run finds nothing more: a line split off a
    list item by one round is a top-level paragraph that the next round may make a heading.
    """
    for _ in range(_MAX_ROUNDS):
        result, exposes = _one_round(doc, options)
        # A round that only split top-level paragraphs, trimmed lines and blank lines leaves
        # nothing for another (measured: the confirming round cost 40% of the step).
        if result.body == doc.body or not exposes:
            break
        doc = result
    return _leading_rule(result)


def _leading_rule(doc: Document) -> Document:
    """A body that opens with a `---` line, and no front matter before it, would be read as
    front matter opened and never closed when cleaned again: `***` is the same thematic break."""
    if doc.frontmatter is None and doc.body.split("\n", 1)[0] == "---" and doc.masked().startswith("---"):
        return doc.edit(STEP, [Edit(0, 3, "***", "leading-rule")], kind=REWRITE)
    return doc


def _one_round(doc: Document, options: ParagraphsOptions | None) -> tuple[Document, bool]:
    """One pass of every rule, and whether it may have exposed structure for another: escaped
    HTML, new headings, bullets or joins, a list item's lazy lines split off, or a line split
    off that starts like Markdown syntax (`2) x` under a paragraph line becomes a list)."""
    doc = doc.with_spans()
    exposes = False
    # An unclosed block swallows the rest of the text, so a second one is seen only once the
    # first is escaped: repeat until none is left (each round escapes at least one opener).
    for _ in range(100 if "<" in doc.body else 0):
        doc, blocks = _blocks(doc)
        html, unclosed = _html_edits(doc, blocks)
        if not html:
            break
        # These edits reach into HTML blocks, which are protected spans: the blocks are broken
        # markup, and the spans are found again on the repaired text.
        doc = doc.edit(STEP, html, keep_spans=False, kind=REWRITE).replace(spans=None).with_spans()
        exposes = True
        for line, text in unclosed:
            doc = doc.warn(STEP, "unclosed-html", line, "an HTML block opened here is never closed; escaped so the text after it shows", text)
    masked = doc.masked()
    if _may_trail(masked):
        edits = [
            Edit(m.start(), m.end(), "", "trailing-space")
            for m in _TRAILING.finditer(masked)
            if not _in_block(masked, m.start())
        ]
        doc, masked = _edited(doc, masked, edits)
    structure: list[Edit] = []
    if _structure_hint(masked):
        doc, blocks = _blocks(doc)
        structure = _structure_edits(doc.body, masked, blocks, (options or ParagraphsOptions()).heading_level)
    if structure:
        # New list and heading markers are Markdown syntax now: find the spans again.
        doc = doc.edit(STEP, structure, kind=REWRITE).replace(spans=None).with_spans()
        masked = doc.masked()
        exposes = True
    spans = doc.protected()
    doc, blocks = _blocks(doc)
    found, lazy = _paragraph_edits(doc.body, masked, blocks)
    # A break inside a protected span (two HTML blocks in a cleaner:off region) is not ours.
    breaks = [e for e in found if not overlaps(spans, e.start, e.end)]
    exposes = exposes or lazy or any(_MAYBE_SYNTAX.match(masked, e.start) for e in breaks)
    doc, masked = _edited(doc, masked, breaks)
    return doc.edit(STEP, _blank_line_edits(masked, doc.protected()), kind=REWRITE), exposes


def _edited(doc: Document, masked: str, edits: list[Edit]) -> tuple[Document, str]:
    """The document after `edits`, and its masked text (the one given, if nothing changed)."""
    if not edits:
        return doc, masked
    edited = doc.edit(STEP, edits, kind=REWRITE)
    return edited, (masked if edited is doc else edited.masked())


def _may_trail(masked: str) -> bool:
    """Whether a line may end in a space or a tab (a test in C before the pattern)."""
    return " \n" in masked or "\t\n" in masked or masked.endswith((" ", "\t"))


# A line that may be Markdown syntax once it starts a block of its own.
_MAYBE_SYNTAX = regex.compile(r"[ \t\u3000]*(?:[#>*+=|`~<_-]|\d{1,9}[.)])")


def _in_block(masked: str, offset: int) -> bool:
    line_start = masked.rfind("\n", 0, offset) + 1
    return masked.startswith(BLOCK, line_start) or (offset > 0 and masked[offset - 1] == BLOCK)


_line_offsets = line_starts
_make_edit = tuple.__new__


def _paragraph_edits(body: str, masked: str, blocks: tuple[Block, ...]) -> tuple[list[Edit], bool]:
    """The breaks and indent removals, and whether a list item's lazy lines were split off."""
    starts = _line_offsets(body)
    edits: list[Edit] = []
    lazy = False
    depth = 0
    for token in blocks:
        # A block that starts right under another one (a list after a paragraph, a paragraph
        # after a heading) gets the blank line that separates blocks.
        if token.type != "paragraph_open" and token.level == 0 and token.map and token.nesting >= 0 and token.map[0] > 0:
            line = token.map[0]
            if body[starts[line - 1] : starts[line] - 1].strip():
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
            indent = _INDENT.match(masked, start) if masked[start : start + 1] in (" ", "\t") else None
            indented = indent is not None
            if depth:
                # Inside a list item or quote, an unindented line is CommonMark's "lazy
                # continuation": in scraped text it is the next paragraph, not part of the item.
                if not indented and not masked.startswith(MARKUP, start):
                    lazy = True
                    edits.append(Edit(start, start, "\n", "paragraph-break"))
                    # The lines split off end the list; what follows them starts a new block.
                    if last < len(starts) and body[starts[last] : starts[last] + 1].strip():
                        edits.append(Edit(starts[last], starts[last], "\n", "block-break"))
                continue
            if indented:
                edits.append(Edit(start, indent.end(), "", "indent"))  # type: ignore[union-attr]
            if index > first or (index > 0 and body[starts[index - 1] : start - 1].strip()):
                # Built as the tuple it is (one per line of scraped text; measured faster).
                edits.append(_make_edit(Edit, (start, start, "\n", "paragraph-break")))
    return _merge_same_offset(edits), lazy


def _merge_same_offset(edits: list[Edit]) -> list[Edit]:
    # An insertion and an indent removal at one line start become one edit; two line breaks
    # found for one place are one.
    if all(a.start < b.start for a, b in zip(edits, edits[1:])):
        return edits  # nothing to merge (the usual case): no dict and copy per line break
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


# Compiled once (a pattern string given to `regex.finditer` is looked up in its cache per call),
# with `re`, which runs these plain classes faster than `regex`.
_LEADING_BLANKS = re.compile(r"(?:[ \t]*\n)+")
_BLANK_RUN = re.compile(r"\n(?:[ \t]*\n){2,}|\n[ \t]+\n")


def _blank_line_edits(masked: str, spans: tuple[Span, ...]) -> list[Edit]:
    edits: list[Edit] = []
    lead = _LEADING_BLANKS.match(masked)
    if lead:
        edits.append(Edit(0, lead.end(), "", "blank-line"))
    for m in _BLANK_RUN.finditer(masked):
        if (lead and m.start() < lead.end()) or overlaps(spans, m.start(), m.end()):
            continue
        edits.append(Edit(m.start(), m.end(), "\n\n", "blank-line"))
    # The blank tail: from the first newline of the white space that ends the text. (As a
    # search, `\n(?:[ \t]*\n)*[ \t]*\Z`, it read every run of blank lines to its end from each
    # of its newlines: 10,000 blank lines took 25 s.)
    tail_start = masked.find("\n", len(masked.rstrip(" \t\n")))
    if tail_start != -1:
        # A protected span that reaches into the tail (an unclosed fence) keeps its line ends.
        tail_start = max([tail_start, *(span.end for span in spans if span.end > tail_start)])
    if tail_start != -1 and len(masked) - tail_start > 1:
        edits = [e for e in edits if e.end <= tail_start]
        if not (lead and lead.end() >= tail_start):
            edits.append(Edit(tail_start, len(masked), "\n", "blank-line"))
    return edits


# --- structure from scraped text (issue 14) ---------------------------------------------------

# Marks that close a quotation or a bracket: a line that starts with one belongs to the paragraph
# before it (the scrape broke the line before the closing quote).
_CLOSERS = "”’」』）)]】》〉〕｝}»›"
# Marks that end a clause or a sentence: a line never starts with one either (a `<br>` before the
# comma broke it, issue 20).
_CLOSING_MARKS = "，。、；：？！"
# ASCII closers open a line of code (`}` under `int val();`): joined only on a line with Han.
_ASCII_CLOSERS = ")]}"
_HAN_CHAR = regex.compile(f"[{HAN}]")
_JOINS_AFTER = regex.compile(f"[{HAN}{KANA}”’」』）》]")
_ASCII_MARK = regex.compile(r"[!-/:-@\[-`{-~]")
_UNDECIDED_MARK = regex.compile(r"[,;:?!()\"'＂＇]")
_BULLET = regex.compile(r"[·•●・][ \t\u3000]*")
_NUMBERED = regex.compile(SECTION_NUMBER)
_SENTENCE_MARK = regex.compile(r"[。！？!?；;…]|[：:，,、]$")
_TITLE_MAX = 30
_LIST_LIKE_START = regex.compile(r"[#>*+-]|\d{1,9}[.)]")


# A line that some structure rule may act on (a cheap test before the block parse it needs):
# the first line, then any line after a line break (a pattern starting with a literal `\n` is
# found by a fast scan; one anchored with `^` in multiline mode is tried at every character).
_STRUCTURE_START = re.compile(
    "[ \t\u3000]*(?:[" + re.escape(_CLOSERS + _CLOSING_MARKS) + "·•●・]|" + _NUMBERED.pattern + ")"
)
_STRUCTURE_LINE = re.compile("\n" + _STRUCTURE_START.pattern)


def _structure_hint(masked: str) -> bool:
    return _STRUCTURE_START.match(masked) is not None or _STRUCTURE_LINE.search(masked) is not None


def _structure_edits(body: str, masked: str, blocks: tuple[Block, ...], level: int) -> list[Edit]:
    """Closing quotes joined back, `·`/`•` bullets as list items, numbered titles as headings."""
    starts = _line_offsets(body)
    count = len(starts)
    para = [False] * count
    for token in blocks:
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
        if text[0] in _CLOSERS + _CLOSING_MARKS and (text[0] not in _ASCII_CLOSERS or _HAN_CHAR.search(text)):
            previous = neighbour(index, -1)
            if previous is not None and para[previous]:
                rule = "closing-mark" if text[0] in _CLOSING_MARKS else "closing-quote"
                # `punctuation` ran before this step, and a join must not give it new work:
                # not after a half-width mark (`val();` then `）` would make `val()` Chinese),
                # and a closing mark only after Han or a closing quote (`。` then `。` is a run).
                # Nor with a half-width mark or straight quote left in either line: `punctuation`
                # decided it by a context that the join changes (quotes pair per line).
                last = masked[bounds(previous)[1] - 1]
                if _ASCII_MARK.match(last) or (rule == "closing-mark" and not _JOINS_AFTER.match(last)):
                    continue
                if _UNDECIDED_MARK.search(masked, bounds(previous)[0], end):
                    continue
                edits.append(Edit(bounds(previous)[1], text_start, "", rule))
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


def _html_edits(doc: Document, blocks: tuple[Block, ...]) -> tuple[list[Edit], list[tuple[int, str]]]:
    """Escape an HTML block left open to the end; split text lines off a lone tag's block.

    Returns the edits and, for warnings, (line, text) of each block left open.
    """
    body = doc.body
    starts = _line_offsets(body)
    off = [s for s in doc.protected() if s.kind == "off"]
    edits: list[Edit] = []
    unclosed: list[tuple[int, str]] = []
    for token in blocks:
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
