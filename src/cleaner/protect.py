"""Protected spans: the parts of a body no text step may change, found once.

Block structure comes from `markdown-it-py` (fenced code, HTML blocks, list and heading markers);
inline pieces from a tested pattern set run over the remaining text (inline code, link targets,
autolinks and inline HTML, URLs, e-mail addresses, numbers with separators, Windows paths,
`%VAR%`, file names, the user's protected terms). Text between `<!-- cleaner: off -->` and
`<!-- cleaner: on -->` is protected whole.

Text steps do not see the spans; they see `mask(body, spans)`: the same text, the same length,
with every protected character replaced by a placeholder from the Private Use Area:

- `ATOM` (U+E000) for inline spans that read like a word (code, URL, number, term). Spacing and
  punctuation rules treat it like a Latin letter, so `约1,000人` still has a digit-like neighbour.
- `BLOCK` (U+E001) for blocks (code fences, HTML blocks, off regions): neither Han nor Latin.
- `MARKUP` (U+E002) for Markdown syntax (list, heading and quote markers with their space), so no
  rule mistakes `1. ` or `- ` for text.

Newlines inside a span stay newlines, so line-based steps still see the line structure. Because
the mask keeps every offset, an edit found on the masked text applies to the real text as it is.
Indented code blocks are switched off: in scraped Chinese text an indent is a paragraph indent,
not code (see docs/architecture.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

import regex

if TYPE_CHECKING:
    from .document import Edit

ATOM = "\ue000"
BLOCK = "\ue001"
MARKUP = "\ue002"
PLACEHOLDERS = ATOM + BLOCK + MARKUP

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


@lru_cache(maxsize=1)
def _markdown():  # type: ignore[no-untyped-def]
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark")
    md.disable("code")  # indented code: see module docstring
    md.disable("inline")  # block structure is all we take from the parser; inline is patterns
    return md


_OFF_REGION = regex.compile(
    r"<!--\s*cleaner:\s*off\s*-->.*?(?:<!--\s*cleaner:\s*on\s*-->|\Z)", regex.S | regex.I
)

# Each alternative is one kind; order matters where they could overlap (code before URL, etc.).
_INLINE = regex.compile(
    r"""
    # Every alternative starts with one of these characters: a cheap test at each position
    # before the alternatives are tried (most positions of Chinese text fail it at once).
    (?=[`\]\[(<A-Za-z0-9_%$])
    (?:
    (?P<code>(?<!`)(?P<ticks>`+)(?!`)(?:(?!\n[ \t]*\n).)+?(?<!`)(?P=ticks)(?!`))
  | (?P<target>(?<=\])\((?:[^()\s]|\([^()\s]*\))*(?:\s+(?:"[^"\n]*"|'[^'\n]*'))?\))
  | (?P<refdef>(?<=^[ ]{0,3})\[[^\]\n]+\]:[ \t]*\S+)
  | (?P<autolink><(?:[A-Za-z][A-Za-z0-9+.-]{1,31}:[^<>\s]*|[\w.+-]+@[\w-]+(?:\.[\w-]+)+)>)
  | (?P<html></?[A-Za-z][A-Za-z0-9-]*(?:\s+[A-Za-z_:][\w:.-]*(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*\s*/?>|<!--.*?-->)
  | (?P<url>(?:(?:https?|ftp)://|www\.)[^\s<>"'`\u3000-\u303f\uff00-\uffef\u2018-\u201d]+(?<![.,;:!?)\]]))
  | (?P<email>(?<![A-Za-z0-9_.+-])[A-Za-z0-9][A-Za-z0-9_.+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?<![.]))
  | (?P<winpath>(?<![A-Za-z])[A-Za-z]:\\[^\s\u3000-\u303f\uff00-\uffef]*)
  | (?P<envvar>%[A-Za-z_][A-Za-z0-9_]*%|\$\{?[A-Z_][A-Z0-9_]*\}?)
  | (?P<filename>(?<![A-Za-z0-9_.-])[A-Za-z0-9_-]+\.(?:py|js|ts|json|ya?ml|toml|md|txt|csv|html?|css|pdf|docx?|xlsx?|pptx?|zip|tar|gz|exe|sh|png|jpe?g|gif|svg|mp[34]|ipynb|rs|go|java|cpp|c|h)(?![A-Za-z0-9_]))
  | (?P<number>(?<![A-Za-z0-9_.])v?\d+(?:[.,:/]\d+)+(?![A-Za-z0-9_]|[.,:/]\d))
    )
    """,
    regex.X | regex.S | regex.M,
)


def find_spans(body: str, protected_terms: Sequence[str] = ()) -> tuple[Span, ...]:
    """All protected spans of a Markdown body, sorted and non-overlapping."""
    spans: list[Span] = []
    for m in _OFF_REGION.finditer(body):
        spans.append(Span(m.start(), m.end(), "off"))
    spans.extend(_block_spans(body))
    spans = _merge(spans)
    spans.extend(_inline_spans(body, spans, protected_terms))
    return tuple(_merge(spans))


def _block_spans(body: str) -> list[Span]:
    if "`" not in body and "~~~" not in body and "<" not in body and not _maybe_markup(body):
        return []
    starts = [0]
    newline = body.find("\n")
    while newline != -1:
        starts.append(newline + 1)
        newline = body.find("\n", newline + 1)
    starts.append(len(body) + 1)

    def line_span(first: int, last: int) -> tuple[int, int]:
        end = min(starts[min(last, len(starts) - 1)] - 1, len(body))
        return starts[first], max(end, starts[first])

    spans: list[Span] = []
    for token in _markdown().parse(body):
        if token.map is None:
            continue
        first, last = token.map
        if token.type in ("fence", "code_block"):
            spans.append(Span(*line_span(first, last), "code"))
        elif token.type == "html_block":
            spans.append(Span(*line_span(first, last), "html"))
        elif token.type in ("list_item_open", "heading_open") or token.type == "blockquote_open":
            start = starts[first]
            line_end = body.find("\n", start)
            line = body[start : line_end if line_end != -1 else len(body)]
            m = _MARKER.match(line)
            if m and m.end() > 0:
                spans.append(Span(start, start + m.end(), "markup"))
    return spans


_MARKER = regex.compile(r"[ \t]*(?:>[ \t]?)*(?:[-+*][ \t]+|\d{1,9}[.)](?:[ \t]+|$)|#{1,6}(?:[ \t]+|$))?")
_MARKUP_HINT = regex.compile(r"^[ \t]*(?:>|[-+*][ \t]|\d{1,9}[.)]|#{1,6}[ \t])", regex.M)


def _maybe_markup(body: str) -> bool:
    return _MARKUP_HINT.search(body) is not None


def _inline_spans(
    body: str, blocks: Sequence[Span], protected_terms: Sequence[str]
) -> list[Span]:
    found: list[Span] = []
    for m in _INLINE.finditer(body):
        kind = m.lastgroup or "inline"
        if kind == "ticks":
            kind = "code"
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


def _inside_any(span: Span, blocks: Sequence[Span]) -> bool:
    return any(b.start < span.end and span.start < b.end for b in blocks)


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
    """Whether `[start, end)` touches the inside of a span (an empty range: lies inside one)."""
    if end == start:
        return any(s.start < start < s.end for s in spans)
    return any(s.start < end and start < s.end for s in spans)
