"""Protected spans: the parts of a body no text step may change, found once.

Block structure comes from `markdown-it-py` (fenced code, HTML blocks, list, heading and quote
markers, nested ones on one line included); inline pieces from a tested pattern set run over the
remaining text (tests/test_protect.py): inline code, link targets and reference definitions,
autolinks and inline HTML, URLs, e-mail addresses, Windows paths, backslash escapes, HTML
entities, `%VAR%` and `${VAR}`, file names, emoticons, version numbers, numbers with separators,
the user's protected terms, and mojibake damage left unrepaired (a lost byte's `?` with the
remains of a pinyin reading, `因?yàn)`; the `mojibake` step itself sees through it). Text between `<!-- cleaner: off -->` and `<!-- cleaner: on -->`
is protected whole.

Text steps do not see the spans; they see `mask(body, spans)`: the same text, the same length,
with every protected character replaced by a placeholder from the Private Use Area:

- `ATOM` (U+E000) for inline spans that read like a word (code, URL, number, term, emoticon).
  Spacing and punctuation rules treat it like a Latin letter, so `约1,000人` still has a
  digit-like neighbour; a step that needs the kind (spacing keeps the spaces at a URL's edges)
  reads it from the spans.
- `BLOCK` (U+E001) for blocks (code fences, HTML blocks, off regions): neither Han nor Latin.
- `MARKUP` (U+E002) for Markdown syntax (list, heading and quote markers with their space), so no
  rule mistakes `1. ` or `- ` for text.

Newlines inside a span stay newlines, so line-based steps still see the line structure. Because
the mask keeps every offset, an edit found on the masked text applies to the real text as it is.
Indented code blocks are switched off: in scraped Chinese text an indent is a paragraph indent,
not code (see docs/architecture.md).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

import regex

from .text import ATOM as ATOM
from .text import BLOCK as BLOCK
from .text import HAN, PINYIN_TONED_VOWELS, line_starts
from .text import MARKUP as MARKUP
from .text import PLACEHOLDERS as PLACEHOLDERS

if TYPE_CHECKING:
    from .document import Edit


_MASK_CHAR = {
    "code": BLOCK,
    "html": BLOCK,
    "off": BLOCK,
    "markup": MARKUP,
}


class Span(NamedTuple):
    start: int
    end: int
    kind: str


@lru_cache(maxsize=2)
def _markdown(tables: bool = False):  # type: ignore[no-untyped-def]
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark")
    if tables:
        md.enable("table")
    md.disable("code")  # indented code: see module docstring
    md.disable("inline")  # block structure is all we take from the parser; inline is patterns
    return md


_OFF_REGION = regex.compile(
    r"<!--\s*cleaner:\s*off\s*-->.*?(?:<!--\s*cleaner:\s*on\s*-->|\Z)", regex.S | regex.I
)

# File names are protected by extension; a name with no known extension (`README`) is text.
_EXTENSIONS = (
    "py", "js", "ts", "jsx", "tsx", "json", "ya?ml", "toml", "ini", "cfg", "md", "txt", "csv",
    "tsv", "html?", "css", "pdf", "docx?", "xlsx?", "pptx?", "zip", "tar", "gz", "tgz", "7z",
    "rar", "exe", "dll", "msi", "dmg", "apk", "sh", "bat", "ps1", "png", "jpe?g", "gif", "webp",
    "svg", "mp[34]", "mov", "avi", "wav", "flac", "ipynb", "rs", "go", "java", "kt", "cpp", "cc",
    "hpp", "c", "h", "rb", "php", "sql", "log", "iso", "epub", "mobi",
)

# Emoticons: a Western face (`:)` `;-)` `:D` `XD`), a face of marks (`^_^` `T_T` `>_<` `orz`), or
# a kaomoji in parentheses made of marks (`(^_^)` `o(╥﹏╥)o` `(╯°□°)╯`). The colons and
# parentheses in them are not punctuation: the Chinese colon rule would turn `:)` into `：）`.
# A face with a letter for a mouth (`:D`) must stand apart from Han, so `答案:D` stays a label.
# A smile that closes a parenthesis (`(see note:)`) is not a face: `_inline_spans` drops it
# after matching, with one forward pass (a look-behind to the line start at every candidate
# would cost time in the square of the line's length).
_FACE = "\\^╥﹏▽°□ω≧≦´∀∇Дд◕‿◡ﾟ⊙￣︶ε╬≖ヮ∩๑ᴗ"
_EMOTICON = (
    r"(?<![A-Za-z0-9])(?:[:;=][-'^]?\)|[:;=][-'^]?\((?![^()\n]*\))|(?<![HAN])[:;][-']?[DPpOo3](?![A-Za-z0-9HAN]))(?![)(])"
    r"|(?<![A-Za-z0-9])(?:XD|xD|orz|Orz|OTZ|OTL)(?![A-Za-z0-9])"
    r"|(?<![A-Za-z0-9^])(?:\^[_.oO-]?\^|[Tt]_[Tt]|>_<|-_-|[oO]_[oO]|=_=|¯\\_\(ツ\)_/¯)(?![A-Za-z0-9^])"
    r"|[oO╰ヽ]?\((?=[^()\n]{0,14}[FACE])"
    r"[^\s()（）HANA-Za-np-zA-NP-Z0-9]{1,14}\)(?:[oO╯ﾉノ┛︵┻━]|[ ](?=[︵┻]))*"
).replace("FACE", _FACE).replace("HAN", HAN)

# Each alternative is one kind; where two could match at the same place the earlier one wins
# (code before URL, URL before e-mail, and so on). Digits are ASCII: full-width digits are text
# the `punctuation` step folds to ASCII, not a protected number.
_CJK_PUNCT = r"\u3000-\u303f\uff00-\uffef\u2018-\u201f\u2026\u2014"
_INLINE = regex.compile(
    r"""
    # Every alternative starts with one of these characters, a letter or digit only at the
    # start of a word: a cheap test at each position before the alternatives are tried (most
    # positions of Chinese text, and the inside of every Latin word, fail it at once). A word
    # start goes on only if some alternative can begin there: a word running into `.`, `@`,
    # `:`, `,`, `/`, `(` or `_` (file names, e-mail, URLs, paths, numbers, versions, `o(`
    # and `T_T` faces), `v` and a digit (a version), or a face spelt in letters.
    (?=[`\]\[(<%$\\&:;=^>¯╰ヽ?-]|(?<![A-Za-z0-9_.+-])(?:[A-Za-z0-9_][A-Za-z0-9_+-]*[.@:,/(_]|[vV][0-9]|XD|xD|[Oo]rz|OT[ZL]))
    (?:
    # Damage the `mojibake` step could not repair: a lost byte's `?` and what is left of a pinyin
    # reading after it (`因?yàn)我们`). No step may take the `?` for a question mark.
    (?P<damage>\?[a-zü]*[TONED][a-zü]*\))
  | (?P<code>(?<!`)(?P<ticks>`+)(?!`)(?:(?!\n[ \t]*\n).)+?(?<!`)(?P=ticks)(?!`))
  | (?P<target>(?<=\])\((?:[^()\s]|\([^()\s]*\))*(?:\s+(?:"[^"\n]*"|'[^'\n]*'))?\))
  | (?P<refdef>(?<=^[ ]{0,3})\[[^\]\n]+\]:[ \t]*\S+)
  | (?P<autolink><(?:[A-Za-z][A-Za-z0-9+.-]{1,31}:[^<>\s]*|[\w.+-]+@[\w-]+(?:\.[\w-]+)+)>)
  | (?P<html></?[A-Za-z][A-Za-z0-9-]*(?:\s+[A-Za-z_:][\w:.-]*(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*\s*/?>|<!--.*?-->)
    # A URL's host is dotted labels ending in an ASCII top-level domain, so Han after it is
    # text (`见https://a.com这里`); its labels (`例子.com`) and its path (`/路径`) may hold Han,
    # never full-width marks or curly quotes.
  | (?P<url>(?:(?:https?|ftp)://|www\.)
        (?:(?:[^\s.<>"'`/?#:CJK]+\.)+[A-Za-z][A-Za-z0-9-]*|[0-9.]+|[A-Za-z0-9-]+)(?::[0-9]+)?
        (?:[/?#][^\s<>"'`CJK]*)?(?<![.,;:!?)\]]))
  | (?P<email>(?<![A-Za-z0-9_.+-])[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?<![.]))
    # A Windows path: a folder or file name is all Han (`C:\用户\文档`) or holds none, so the
    # Han after a name is text (`\\server\share\a.txt里`).
  | (?P<winpath>(?<![A-Za-z0-9])[A-Za-z]:\\(?:WINNAME(?:\\WINNAME)*\\?)?|\\\\[A-Za-z0-9._$-]+(?:\\WINNAME)+\\?)
  | (?P<escape>\\[!-/:-@\[-`{-~])
    # An entity encoded twice (`&amp;nbsp;`) is one span: no step may take its `;` for a mark.
  | (?P<entity>&(?:amp;){0,8}(?:\#[0-9]{1,7}|\#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});)
  | (?P<envvar>%[A-Za-z_][A-Za-z0-9_]*%|\$\{[A-Za-z_][A-Za-z0-9_]*\}|\$[A-Z_][A-Z0-9_]*(?![A-Za-z0-9_]))
    # Names are bounded (a file system allows 255 bytes): an unbounded run would make a long
    # dotted token (`x.x.x.…`, base64) cost time in the square of its length.
  | (?P<filename>(?<![A-Za-z0-9_./\\-])[A-Za-z0-9_][A-Za-z0-9_.-]{0,254}\.(?:EXTENSIONS)(?![A-Za-z0-9_]))
  | (?P<emoticon>EMOTICON)
    # A version: `v` and a number, three or four parts, or a pre-release suffix (`1.0-beta`).
  | (?P<version>(?<![A-Za-z0-9_.])(?:[vV][0-9]+(?:\.[0-9]+){0,3}|[0-9]+(?:\.[0-9]+){2,3}|[0-9]+\.[0-9]+(?=-|[ab][0-9]))(?:-(?:alpha|beta|rc|dev|pre|preview)[0-9.]*|[ab][0-9]+)?(?![A-Za-z0-9_]|\.[0-9]))
  | (?P<number>(?<![A-Za-z0-9_.])[0-9]+(?:[.,:/][0-9]+)+(?![A-Za-z0-9_]|[.,:/][0-9]))
    )
    """.replace("WINNAME", r"(?:[HAN]+|[^\s\\<>\"|*?HANCJK]+)")
    .replace("HAN", HAN)
    .replace("TONED", PINYIN_TONED_VOWELS)
    .replace("CJK", _CJK_PUNCT)
    .replace("EMOTICON", _EMOTICON)
    .replace("EXTENSIONS", "|".join(_EXTENSIONS)),
    regex.X | regex.S | regex.M,
)


def find_spans(body: str, protected_terms: Sequence[str] = ()) -> tuple[Span, ...]:
    """All protected spans of a Markdown body, sorted and non-overlapping."""
    return find_structure(body, protected_terms)[0]


def find_structure(
    body: str, protected_terms: Sequence[str] = (), blocks: tuple[Block, ...] | None = None
) -> tuple[tuple[Span, ...], tuple[Block, ...] | None]:
    """The protected spans of a body and its block structure (`block_structure`), parsed once.

    `blocks`, when given, is the body's block structure already known (carried by the
    document), so nothing is parsed again. A body with nothing that could open a block but a
    paragraph is not parsed at all, and its structure is left unknown (None) for the step that
    needs it (`paragraphs` finds the runs of lines in one scan).
    """
    spans: list[Span] = []
    if "<!--" in body:
        spans.extend(Span(m.start(), m.end(), "off") for m in _OFF_REGION.finditer(body))
    if _may_hold_blocks(body):
        if blocks is None:
            blocks = block_structure(body)
        spans.extend(_block_spans(body, blocks))
    spans = _merge(spans)
    spans.extend(_inline_spans(body, spans, protected_terms))
    return tuple(_merge(spans)), blocks


def _may_hold_blocks(body: str) -> bool:
    return "`" in body or "~~~" in body or "<" in body or _maybe_markup(body)


def _block_spans(body: str, blocks: Sequence[Block]) -> list[Span]:
    if any(block.type == "table_open" for block in blocks):
        # The spans are those of CommonMark without tables (a table's rows hold no markers
        # the way a paragraph's lines can); the rare body with a table is parsed so.
        blocks = _parse(body, tables=False)
    starts = [*line_starts(body), len(body) + 1]

    def line_span(first: int, last: int) -> tuple[int, int]:
        end = min(starts[min(last, len(starts) - 1)] - 1, len(body))
        return starts[first], max(end, starts[first])

    spans: list[Span] = []
    for block in blocks:
        if block.map is None:
            continue
        first, last = block.map
        if block.type in ("fence", "code_block"):
            spans.append(Span(*line_span(first, last), "code"))
        elif block.type == "html_block":
            spans.append(Span(*line_span(first, last), "html"))
        elif block.type in ("list_item_open", "heading_open") or block.type == "blockquote_open":
            start = starts[first]
            line_end = body.find("\n", start)
            line = body[start : line_end if line_end != -1 else len(body)]
            m = _MARKER.match(line)
            if m and m.end() > 0:
                spans.append(Span(start, start + m.end(), "markup"))
    return spans


# --- the block structure (issue 24: parsed once, carried by the document) ----------------------


class Block(NamedTuple):
    """One block token of markdown-it's parse, with the fields the steps read.

    `map` is the token's lines, `[first, last)`; `content` is kept for HTML blocks only (the
    one kind whose text a step reads). Inline tokens are left out: inline structure is found by
    patterns here, and markdown-it's inline rules are off.
    """

    type: str
    level: int
    nesting: int
    map: tuple[int, int] | None
    content: str = ""


# A line that may open block syntax other than a paragraph (or a character markdown-it treats
# apart): without one, the block structure is the runs of non-blank lines, found in one scan.
BLOCK_SYNTAX = re.compile(r"^(?:[ \t]+[^ \t\n]|[#>*+\-=_|`~<\[:]|[0-9]{1,9}[.)])|[\r\x00\x0b\x0c]", re.M)
# The same, fast: where lines of syntax start (the first line, then lines after a line break,
# found by a scan for the literal `\n`), and the characters that keep the text whole.
_SYNTAX_START = re.compile(r"[ \t]+[^ \t\n]|[#>*+\-=_|`~<\[:]|[0-9]{1,9}[.)]")
_SYNTAX_LINE = re.compile(r"\n(?:" + _SYNTAX_START.pattern + ")")
_UNSPLIT = "\r\x00\x0b\x0c"


def _syntax_lines(body: str) -> list[int]:
    """Where the lines start that may open block syntax (`BLOCK_SYNTAX` without the characters
    of `_UNSPLIT`, which the caller tests for)."""
    found = [m.start() + 1 for m in _SYNTAX_LINE.finditer(body)]
    return [0, *found] if _SYNTAX_START.match(body) else found

# Where parsing may start afresh: after a blank line, a line that only a paragraph can open and
# that nothing before can continue (not indented, no list or quote marker, no syntax character).
# After a blank line only a fenced code block or an HTML block of CommonMark kinds 1 to 5 (which
# end at a closing marker, not at a blank line) runs on; so these places are taken only before
# the first character that could open one (`` ` ``, `~`, `<`).
_FRESH_START = re.compile(r"\n[ \t]*\n(?![ \t\n#>*+\-=_|`~<\[:]|[0-9]{1,9}[.)])")
_RUNS_PAST_BLANK = ("`", "~", "<")


def block_structure(body: str) -> tuple[Block, ...]:
    """The block tokens of `body` (CommonMark with tables, indented code off), as `Block`s.

    The text is cut where parsing starts afresh (`_FRESH_START`); a piece with no line that
    could open anything but a paragraph needs no parser (its paragraphs are the runs of
    non-blank lines), and the other pieces are parsed together. The result is the parse of the
    whole text (tests/test_protect_blocks.py checks it against markdown-it).
    """
    if any(c in body for c in _UNSPLIT):
        return tuple(_parse(body, tables=True))
    syntax = _syntax_lines(body)
    if not syntax:
        return tuple(_plain_blocks(body, 0))
    limit = min((i for i in (body.find(c) for c in _RUNS_PAST_BLANK) if i != -1), default=len(body))
    cuts = [0, *(m.end() for m in _FRESH_START.finditer(body, 0, limit + 1) if m.end() <= limit), len(body)]
    # The pieces (between two cuts) that hold a line of syntax are parsed, the others not;
    # neighbours of one kind are handled together.
    parsed = [False] * (len(cuts) - 1)
    for position in syntax:
        parsed[bisect.bisect_right(cuts, position) - 1] = True
    blocks: list[Block] = []
    line = 0
    group = 0
    for piece in range(1, len(parsed) + 1):
        if piece < len(parsed) and parsed[piece] == parsed[group]:
            continue
        text = body[cuts[group] : cuts[piece]]
        blocks.extend(_parse(text, tables=True, first_line=line) if parsed[group] else _plain_blocks(text, line))
        line += text.count("\n")
        group = piece
    return tuple(blocks)


# A blank line (spaces and tabs only). The paragraphs are the runs of lines between them: found
# from the blank lines, one match each (a pattern for a whole run of lines would keep a
# backtracking point per line, 14 times the text's size on one long paragraph of short lines).
_BLANK_LINE = re.compile(r"^[ \t]*$", re.M)


def _plain_blocks(text: str, first_line: int) -> list[Block]:
    """The paragraphs of text with no block syntax: its runs of non-blank lines."""
    blocks: list[Block] = []
    count = text.count
    line = read = run = 0  # a line and where it starts; the first line of the current run
    for m in _BLANK_LINE.finditer(text):
        start = m.start()
        line += count("\n", read, start)
        read = start
        if line > run:
            # Built as tuples (a named tuple's own constructor is a Python call): one per paragraph.
            blocks.append(_new_block(Block, ("paragraph_open", 0, 1, (run + first_line, line + first_line), "")))
            blocks.append(_PARAGRAPH_CLOSE)
        run = line + 1
    last = line + count("\n", read) + 1  # the number of lines
    if last > run:
        blocks.append(_new_block(Block, ("paragraph_open", 0, 1, (run + first_line, last + first_line), "")))
        blocks.append(_PARAGRAPH_CLOSE)
    return blocks


_new_block = tuple.__new__
_PARAGRAPH_CLOSE = Block("paragraph_close", 0, -1, None)


def _parse(text: str, *, tables: bool, first_line: int = 0) -> list[Block]:
    # markdown-it reads a bare CR as a line break, the line index does not: until `encoding`
    # turns CRs into line breaks they are text, so the parser must not see one.
    tokens = _markdown(tables).parse(text.replace("\r", " ") if "\r" in text else text)
    return [
        Block(
            token.type,
            token.level,
            token.nesting,
            None if token.map is None else (token.map[0] + first_line, token.map[1] + first_line),
            token.content if token.type == "html_block" else "",
        )
        for token in tokens
        if token.type != "inline"
    ]


# Markers may nest on one line (`> - 1. item`, `- - item`): all of them are markup.
_MARKER = regex.compile(r"[ \t]*(?:>[ \t]?|[-+*](?:[ \t]+|$)|\d{1,9}[.)](?:[ \t]+|$))*(?:#{1,6}(?:[ \t]+|$))?")
# A line that may start with a marker: the first line, then any line after a line break (a
# pattern that starts with a literal `\n` is found by a fast scan; one anchored with `^` in
# multiline mode is tried at every character).
_MARKUP_HINT = re.compile(r"[ \t]*(?:>|[-+*][ \t]|\d{1,9}[.)]|#{1,6}[ \t])")
_MARKUP_HINT_LINE = re.compile(r"\n" + _MARKUP_HINT.pattern)


def _maybe_markup(body: str) -> bool:
    return _MARKUP_HINT.match(body) is not None or _MARKUP_HINT_LINE.search(body) is not None


def _inline_spans(
    body: str, blocks: Sequence[Span], protected_terms: Sequence[str]
) -> list[Span]:
    found: list[Span] = []
    parens = _OpenParens(body)
    for m in _INLINE.finditer(body):
        kind = m.lastgroup or "inline"
        if kind == "ticks":
            kind = "code"
        elif kind == "emoticon" and m.group().endswith(")") and body[m.start()] in ":;=" and parens.open_at(m.start()):
            continue  # `(see note:)`: the colon and the parenthesis are text (see _EMOTICON)
        found.append(Span(m.start(), m.end(), "inline-" + kind))
    for term in protected_terms:
        if not term:
            continue
        start = body.find(term)
        while start != -1:
            found.append(Span(start, start + len(term), "term"))
            start = body.find(term, start + len(term))
    # Inline matches inside a block span are already covered; keep the first of overlapping ones.
    return [s for s in found if not _inside_any(s, blocks)]


class _OpenParens:
    """Whether a parenthesis is open on the line at a place, asked at places in rising order.

    Each question reads only the text since the last one, so all of them together read the
    text once.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.read_to = 0
        self.last = ""  # the last of `(`, `)` and a newline read so far

    def open_at(self, position: int) -> bool:
        text, start = self.text, self.read_to
        if position > start:
            last = max(text.rfind("(", start, position), text.rfind(")", start, position), text.rfind("\n", start, position))
            if last != -1:
                self.last = text[last]
            self.read_to = position
        return self.last == "("


def _inside_any(span: Span, blocks: Sequence[Span]) -> bool:
    """Whether a span overlaps one of `blocks` (sorted, non-overlapping): a binary search."""
    return overlaps(blocks, span.start, span.end)


def _merge(spans: Iterable[Span]) -> list[Span]:
    """Sort and drop spans that overlap an earlier one (the outer, earlier span wins)."""
    result: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if span.end <= span.start:
            continue
        if result and span.start < result[-1].end:
            continue
        result.append(span)
    return result


def mask(body: str, spans: Sequence[Span]) -> str:
    """The body with each protected character replaced by its placeholder (newlines kept)."""
    if not spans:
        return body
    pieces: list[str] = []
    cursor = 0
    for span in spans:
        pieces.append(body[cursor : span.start])
        char = _MASK_CHAR.get(span.kind, ATOM)
        if body.find("\n", span.start, span.end) == -1:  # most spans: one line, no split
            pieces.append(char * (span.end - span.start))
        else:
            text = body[span.start : span.end]
            pieces.append("\n".join(char * len(part) for part in text.split("\n")))
        cursor = span.end
    pieces.append(body[cursor:])
    return "".join(pieces)


def shift_spans(spans: Sequence[Span], edits: Sequence[Edit], step: str) -> tuple[Span, ...]:
    """Move spans through sorted, non-overlapping edits.

    A span wholly inside a removed or replaced stretch disappears with it (a removed boilerplate
    line may hold a URL); an insertion at a span's edge leaves it whole; an edit that cuts into a
    span is refused, because no text step may rewrite protected text.
    """
    result: list[Span] = []
    delta = 0
    i = 0
    for span in spans:
        while i < len(edits) and edits[i].end <= span.start:
            delta += len(edits[i].replacement) - (edits[i].end - edits[i].start)
            i += 1
        if i < len(edits) and edits[i].start < span.end:
            e = edits[i]
            if e.start <= span.start and span.end <= e.end:
                continue
            raise ValueError(
                f"step {step} rule {e.rule} edits protected text at {e.start}-{e.end}"
                f" ({span.kind} span {span.start}-{span.end})"
            )
        result.append(Span(span.start + delta, span.end + delta, span.kind))
    return tuple(result)


def overlaps(spans: Sequence[Span], start: int, end: int) -> bool:
    """Whether `[start, end)` touches the inside of a span (an empty range: lies inside one).

    `spans` are sorted and non-overlapping, as `find_spans` gives them and edits keep them, so
    their ends rise too: a binary search finds the one span that can overlap, and a step that
    asks once per line stays linear on a document with a span on every line.
    """
    first = bisect.bisect_right(spans, start, key=_span_end)  # the first span ending after start
    if first == len(spans):
        return False
    span = spans[first]
    if end == start:
        return span.start < start
    return span.start < end


def _span_end(span: Span) -> int:
    return span.end


# --- moving the block structure through edits -------------------------------------------------

# The part of a line that block parsing reads as syntax: its indent and the markers that may
# open blocks on it (quote, list items, a heading), nested as CommonMark allows.
_LINE_HEAD = re.compile(r"[ \t]*(?:>[ \t]?|[-+*](?:[ \t]+|$)|[0-9]{1,9}[.)](?:[ \t]+|$))*(?:#{1,6}(?:[ \t]+|$))?")
# What may follow the head for the line to be text to the block parser whatever the rest of it
# holds: not a character that opens or ends block syntax, not white space (which would make the
# head longer, or the line blank).
_TEXT_START = re.compile(r"[^\s#>*+\-=_|`~<\[:]")


def _line_head(line: str) -> str | None:
    """The head of a line whose rest is plain text to the block parser, or None for a line
    whose text may itself be syntax (a table row holds `|`; a thematic break, a setext
    underline or a fence is all syntax)."""
    head = _LINE_HEAD.match(line).end()  # type: ignore[union-attr]
    if "|" in line or _TEXT_START.match(line, head) is None:
        return None
    return line[:head]


def shift_blocks(
    blocks: tuple[Block, ...], edits: Sequence[Edit], body: str, new_body: str
) -> tuple[Block, ...] | None:
    """The block structure of `new_body`, the text `edits` (sorted, non-overlapping) made of
    `body`, without parsing, or None when an edit may have changed it (then parse again).

    Kept: edits inside one line that leave its head (indent and markers) as it was and its
    rest plain text (`_line_head`), and whole lines removed from inside a paragraph or whole
    top-level paragraphs removed between blank lines (`_without_lines`). Anything else (a line
    break made, a marker touched, a `|` or a link reference definition involved, a line of a
    code or HTML block changed) gives None.
    """
    if not edits:
        return blocks
    if "]:" in body or "]:" in new_body:
        return None  # a link reference definition's every character decides whether it is one
    verbatim = [b.map for b in blocks if b.map is not None and b.type in ("fence", "html_block", "code_block")]
    verbatim_starts = [first for first, _ in verbatim]
    removed: list[tuple[int, int]] = []  # ranges of lines taken out whole
    edited: list[int] = []  # lines edited inside
    delta = 0
    line = counted = 0
    i, count = 0, len(edits)
    while i < count:
        start, end, replacement = edits[i][0], edits[i][1], edits[i][2]
        line_start = body.rfind("\n", 0, start) + 1
        line += body.count("\n", counted, line_start)
        counted = line_start
        inside = bisect.bisect_right(verbatim_starts, line) - 1
        if inside >= 0 and line < verbatim[inside][1]:
            return None
        if not replacement and start == line_start and end > start and (body[end - 1] == "\n" or end == len(body)):
            # Whole lines out (the last one may lack its line break).
            last = line + body.count("\n", start, end) + (0 if body[end - 1] == "\n" else 1)
            if removed and removed[-1][1] == line:
                removed[-1] = (removed[-1][0], last)
            else:
                removed.append((line, last))
            delta -= end - start
            i += 1
            continue
        line_end = body.find("\n", start)
        if line_end == -1:
            line_end = len(body)
        new_start = line_start + delta
        while i < count and edits[i][0] <= line_end:
            e = edits[i]
            if e[1] > line_end or "\n" in e[2]:
                return None
            delta += len(e[2]) - (e[1] - e[0])
            i += 1
        head = _line_head(body[line_start:line_end])
        if head is None or head != _line_head(new_body[new_start : line_end + delta]):
            return None
        edited.append(line)
    if not removed:
        return blocks
    if any(_in_ranges(removed, line) for line in edited):
        return None
    return _without_lines(blocks, removed, body)


def _in_ranges(ranges: list[tuple[int, int]], line: int) -> bool:
    at = bisect.bisect_right(ranges, (line, len(ranges) + line + 1)) - 1
    return at >= 0 and ranges[at][0] <= line < ranges[at][1]


_LISTS = ("bullet_list_open", "ordered_list_open")


def _without_lines(blocks: tuple[Block, ...], removed: list[tuple[int, int]], body: str) -> tuple[Block, ...] | None:
    """The blocks once the line ranges `removed` (sorted, apart) are gone, or None.

    A range inside one paragraph (below its first line) shortens it and what holds it: the
    lines after it were continuation lines and still are (unless the next one could be a
    table's delimiter row under the line that now precedes it). A range of whole top-level paragraphs,
    with a blank line (or the text's edge) on each side, takes them out, unless a list comes
    before it (a list goes on across blank lines to an indented line or a next item).
    """
    starts = line_starts(body)
    line_count = len(starts) - (1 if body.endswith("\n") or not body else 0)

    def text(index: int) -> str:
        return body[starts[index] : starts[index + 1] - 1 if index + 1 < len(starts) else len(body)]

    def blank(index: int) -> bool:
        return not text(index).strip(" \t")

    paragraphs = [b.map for b in blocks if b.type == "paragraph_open" and b.map is not None]
    paragraph_starts = [first for first, _ in paragraphs]
    top = [b for b in blocks if b.level == 0 and b.nesting >= 0 and b.map is not None]
    top_ends = [b.map[1] for b in top]  # type: ignore[index]
    dropped: set[int] = set()  # first lines of the paragraphs taken out
    for first, last in removed:
        at = bisect.bisect_right(paragraph_starts, first) - 1
        if at >= 0 and paragraphs[at][0] < first and last <= paragraphs[at][1]:
            # Inside a paragraph: the line now under the kept ones must not make a table's
            # delimiter row with the line above it (`a | b` over `|-|-|`).
            if last >= line_count or blank(last) or _line_head(text(last)) is not None:
                continue
            return None
        if not ((first == 0 or blank(first - 1)) and (last >= line_count or blank(last))):
            return None
        at = bisect.bisect_right(top_ends, first)  # the first top-level block ending after `first`
        if at > 0 and top[at - 1].type in _LISTS:
            return None
        while at < len(top) and top[at].map[0] < last:  # type: ignore[index]
            block = top[at]
            if block.type != "paragraph_open" or block.map[0] < first or block.map[1] > last:  # type: ignore[index]
                return None
            dropped.add(block.map[0])  # type: ignore[index]
            at += 1
    range_starts = [first for first, _ in removed]
    below = [0]  # lines removed before each range
    for first, last in removed:
        below.append(below[-1] + last - first)

    def moved(line: int) -> int:
        at = bisect.bisect_right(range_starts, line - 1) - 1  # the last range starting below `line`
        if at < 0:
            return line
        first, last = removed[at]
        return line - below[at] - (min(line, last) - first)

    result: list[Block] = []
    skip_close = False
    for block in blocks:
        if skip_close:
            skip_close = False
            continue
        if block.map is None:
            result.append(block)
            continue
        if block.type == "paragraph_open" and block.level == 0 and block.map[0] in dropped:
            skip_close = True  # its paragraph_close follows it (inline tokens are left out)
            continue
        result.append(block._replace(map=(moved(block.map[0]), moved(block.map[1]))))
    return tuple(result)
