"""The `encoding` step: from bytes to clean Unicode text.

Bytes are decoded before any step runs, by the core (`cleaner.decode`, used by `Document.parse`;
`decode` and `detect` are importable from here too, as before).

The step `encoding()` normalizes the decoded text, one rule per kind of fix, each change recorded:

- `newline`: CRLF and CR to LF                       `a\\r\\nb` -> `a\\nb`
- `bom`: a byte order mark inside the text            `\\ufeff标题` -> `标题`
- `nfc`: Unicode NFC                                  `e\\u0301` -> `é`
- `invisible`: zero-width and control characters      `中\\u200b文` -> `中文`
  (ZWSP, ZWNJ, word joiner, soft hyphen, C0 controls; ZWJ is kept inside emoji sequences;
  C1 controls are left for the `mojibake` step, where they are evidence of cp1252 mojibake)
- `space`: NBSP and other fixed-width spaces to a plain space; ideographic spaces used as a
  paragraph indent or at a line end removed, inside a line made a plain space
- `entity`: HTML entities decoded (`&nbsp;` `&quot;` `&#20013;`), again while the result is one
  (`&amp;nbsp;` → NBSP); `&lt;` `&gt;` `&amp;` are kept, because in Markdown they stand for text
  that would otherwise be read as markup
- `tag`: stray tags (`</p>`, `<br>`, `<span class=…>`) removed, or a line break where they
  separated two lines of text (not before a closing mark: `以前<br>，这让` is one line)
- `tag-remnant`: a tag that lost a bracket at a line end (`/p>`, `br/>`, `</p`) removed

Code spans and blocks, URLs and the `cleaner: off` regions are never touched (except newlines).
"""

from __future__ import annotations

import html
import re
import unicodedata

import regex

# Decoding is the core's (it runs before any step); the names stay importable from here.
from ..decode import decode, decode_with_damage, detect
from ..document import REPAIR, Document, Edit
from ..protect import mask


# Declarations (docs/architecture.md, "Adding an option / a rule"): this step has no options; its
# rule ids, each of which `--disable-rule` turns off.
RULES: dict[str, str] = {
    "newline": "CRLF and CR line ends become LF",
    "bom": "a byte order mark inside the text is removed",
    "invisible": "zero-width and other invisible characters are removed",
    "space": "odd spaces (no-break, ideographic at line ends) become plain spaces or go",
    "entity": "HTML entities (`&amp;`, `&#8220;`) are decoded",
    "nfc": "text is put in Unicode NFC form (compatibility forms kept)",
    "tag": "stray HTML tags left by a scrape are removed",
    "tag-remnant": "a tag that lost a bracket at a line end (`/p>`, `br/>`) is removed",
}

__all__ = ["STEP", "decode", "decode_with_damage", "detect", "encoding"]

STEP = "encoding"


# --- the step -------------------------------------------------------------------------------

_NEWLINE = regex.compile(r"\r\n?")
_INVISIBLE = regex.compile(
    r"(?:[\u200b\u200c\u2060\u00ad\ufeff\u180e]|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f])"
    r"|(?<!\p{Extended_Pictographic}[\ufe0f\U0001f3fb-\U0001f3ff]?)\u200d"
    r"|\u200d(?!\p{Extended_Pictographic})"
)
# A character the invisible rule may take: a cheap test (`re`, one class) before the pattern.
_INVISIBLE_HINT = re.compile(r"[\u200b\u200c\u2060\u00ad\ufeff\u180e\u200d\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_FIXED_SPACES = re.compile(r"[\u00a0\u2000-\u200a\u202f\u205f]")
# The middle alternative starts only where a run of spaces starts and takes its runs whole:
# tried from inside a run it would read to the run's end from every space (quadratic time).
_IDEOGRAPHIC_SPACE = regex.compile(
    r"^[\u3000 \t]*\u3000[\u3000 \t]*|(?<![\u3000 \t])[ \t]*+\u3000[\u3000 \t]*+$|\u3000+", regex.M
)
# An entity, or one encoded again (`&amp;nbsp;`, `&amp;amp;quot;`): it is decoded until none is left.
_ENTITY = regex.compile(r"&(?:amp;)*(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_KEEP_ENTITIES = {"&lt;", "&gt;", "&amp;", "&LT;", "&GT;", "&AMP;"}
_STRAY_TAG = regex.compile(
    r"</?(?:p|br|span|div|font|section|article|center|o:p)(?:\s[^<>]*)?/?>", regex.I
)


def encoding(doc: Document, options: object = None) -> Document:
    """Normalize line ends, Unicode form, invisible characters, spaces, entities and tag remnants."""
    if "\r" in doc.body:
        newlines = (Edit(m.start(), m.end(), "\n", "newline") for m in _NEWLINE.finditer(doc.body))
        doc = doc.edit(STEP, newlines, keep_spans=False, kind=REPAIR).replace(spans=None)
    doc = doc.with_spans()  # found once, on LF text; later steps carry them along
    # Removing tags can end an HTML block, whose text the other rules could not see: one more
    # pass over what it exposed, so a second run finds nothing (`<p>\xa0。` → NBSP inside it).
    for _ in range(3):
        doc, tags_removed = _one_pass(doc)
        if not tags_removed:
            break
    return doc


def _one_pass(doc: Document) -> tuple[Document, bool]:
    spans = doc.protected()
    masked = mask(doc.body, spans)
    # Entities are protected from the text steps (`&amp;` is not a `;` to rewrite), but this
    # rule is what decodes them, so it sees them.
    entities_visible = mask(doc.body, [s for s in spans if s.kind != "inline-entity"]) if "&" in doc.body else masked
    edits = _edits(doc.body, masked, entities_visible)
    if "<" in doc.body or ">" in doc.body:
        edits = _drop_overlaps(edits + _tag_remnant_edits(masked))
    if "<" in doc.body:
        # Stray tags are what the parser takes for HTML, so the tag rule sees HTML spans as text.
        tag_edits = _tag_edits(mask(doc.body, [s for s in spans if s.kind not in _TAG_VISIBLE]))
        if tag_edits:
            tagged = {(e.start, e.end) for e in tag_edits}
            edits = _drop_overlaps(tag_edits + [e for e in edits if not _inside_tag(e, tagged)])
            # Without the tags the block structure differs: find the spans again.
            return doc.edit(STEP, edits, keep_spans=False, kind=REPAIR).replace(spans=None).with_spans(), True
    return doc.edit(STEP, edits, kind=REPAIR), False


_TAG_VISIBLE = ("html", "inline-html", "markup")
_MARKERS_ONLY = regex.compile(r"(?:[>*+-]|#{1,6}|\d{1,9}[.)])(?:[ \t]*(?:[>*+-]|#{1,6}|\d{1,9}[.)]))*")

# Marks that close a sentence, a clause or a bracket: a line never starts with one.
CLOSING_MARKS = "，。、；：？！）》〉」』】〕”’"

# What is left of a tag at a line end once its `<` or `>` was lost (cut by the scraper, or eaten
# by a mojibake byte: `有哪些職業？。?/p>`): `/p>`, `p>`, `br/>`, `</p`, `<br`.
# Not after a letter, a digit, a space or markup: there it may be code (`map<int, p>`, `a->p>`).
# After a mark it goes whatever the mark's width, which `punctuation` changes later (`)/p>`).
_TAG_REMNANT = regex.compile(
    r"(?<![A-Za-z0-9_<>/= \t-])(?:/?(?:p|br|div|span|section)[ \t]*/?>|</?(?:p|br|div|span|section)[ \t]*/?)[ \t]*$",
    regex.M | regex.I,
)


def _tag_remnant_edits(masked: str) -> list[Edit]:
    # A remnant holds `<` or `>` and ends its line: only such lines are searched, each once
    # (the pattern, tried at every character of the text, cost more than the rest of the step).
    edits = []
    at = _ANGLE.search(masked)
    while at is not None:
        line_start = masked.rfind("\n", 0, at.start()) + 1
        line_end = masked.find("\n", at.start())
        if line_end == -1:
            line_end = len(masked)
        m = _TAG_REMNANT.search(masked, line_start, line_end)
        if m:
            edits.append(Edit(m.start(), m.end(), "", "tag-remnant"))
        at = _ANGLE.search(masked, line_end)
    return edits


_ANGLE = re.compile(r"[<>]")


# Bytes 0x80-0xBF of UTF-8 as a Latin code page shows them: Latin-1, and cp1252's letters.
_CONTINUATION = frozenset(map(chr, range(0x80, 0xC0))) | frozenset("€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ")


def _in_latin_mojibake(masked: str, i: int) -> bool:
    """Whether the NBSP or soft hyphen at `i` is a byte of UTF-8 read as Latin-1 (`你` read so
    is `ä½\xa0`, `中` is `ä¸\xad`): then it is left for the `mojibake` step, which needs every
    byte. French `café\xa0!` is not: a lead byte must be followed by its continuation bytes."""
    before = masked[i - 1] if i > 0 else ""
    before2 = masked[i - 2] if i > 1 else ""
    after = masked[i + 1] if i + 1 < len(masked) else ""
    two_byte = "\u00c2" <= before <= "\u00df"
    second_of_three = "\u00e0" <= before <= "\u00ef" and after in _CONTINUATION
    third_of_three = before in _CONTINUATION and "\u00e0" <= before2 <= "\u00ef"
    return two_byte or second_of_three or third_of_three


def _inside_tag(edit: Edit, tags: set[tuple[int, int]]) -> bool:
    return any(start <= edit.start < end for start, end in tags)


def _edits(body: str, masked: str, entities_visible: str) -> list[Edit]:
    edits: list[Edit] = []
    if "\ufeff" in masked:
        edits += [Edit(m.start(), m.end(), "", "bom") for m in regex.finditer("\ufeff", masked)]
    if _INVISIBLE_HINT.search(masked):
        edits += [
            Edit(m.start(), m.end(), "", "invisible")
            for m in _INVISIBLE.finditer(masked)
            if m.group() != "\ufeff" and not (m.group() == "\u00ad" and _in_latin_mojibake(masked, m.start()))
        ]
    if not unicodedata.is_normalized("NFC", masked):
        edits += _nfc_edits(body, masked)
    edits += [
        Edit(m.start(), m.end(), " ", "space")
        for m in _FIXED_SPACES.finditer(masked)
        if not (m.group() == "\u00a0" and _in_latin_mojibake(masked, m.start()))
    ]
    for m in _IDEOGRAPHIC_SPACE.finditer(masked) if "\u3000" in masked else ():
        at_edge = m.start() == 0 or masked[m.start() - 1] == "\n" or m.end() == len(masked) or masked[m.end()] == "\n"
        edits.append(Edit(m.start(), m.end(), "" if at_edge else " ", "space"))
    if "&" in entities_visible:
        for m in _ENTITY.finditer(entities_visible):
            if m.group() in _KEEP_ENTITIES:
                continue
            decoded = _decode_entity(m.group())
            if decoded == m.group():
                continue
            if decoded in ("\u00a0", "\u3000", "\u2002", "\u2003", "\u2009"):
                decoded = " "
            if not decoded.isprintable() and decoded not in "\t\n":
                decoded = ""
            edits.append(Edit(m.start(), m.end(), decoded, "entity"))
    return _drop_overlaps(edits)


def _decode_entity(entity: str) -> str:
    """Decode an entity, again while the result is one: `&amp;nbsp;` → `&nbsp;` → NBSP. The
    entities kept as Markdown (`&lt;`, `&amp;`) stop it: `&amp;lt;` → `&lt;`."""
    while entity not in _KEEP_ENTITIES:
        decoded = html.unescape(entity)
        if decoded == entity:
            break
        entity = decoded
        if _ENTITY.fullmatch(entity) is None:
            break
    return entity


def _nfc_edits(body: str, masked: str) -> list[Edit]:
    # Normalize per run of a base character and its combining marks, so each edit stays local.
    edits = []
    for m in regex.finditer(r"\P{M}\p{M}+|\p{M}+", masked):
        before = body[m.start() : m.end()]
        after = unicodedata.normalize("NFC", before)
        if after != before:
            edits.append(Edit(m.start(), m.end(), after, "nfc"))
    for m in regex.finditer(r"[\u2126\u212a\u212b\uf900-\ufaff\U0002f800-\U0002fa1f\u0340\u0341\u0343\u0344\u0374\u037e\u0387]", masked):
        after = unicodedata.normalize("NFC", m.group())
        if after != m.group():
            edits.append(Edit(m.start(), m.end(), after, "nfc"))
    return edits


def _tag_edits(masked: str) -> list[Edit]:
    edits = []
    # The line of the last tag, and where its text starts: a minified page is one line of
    # megabytes with a tag every few characters, so nothing here reads the whole line per tag.
    line_start, line_end, text_start, first_close = 0, -1, 0, -1
    for m in _STRAY_TAG.finditer(masked):
        start, end = m.start(), m.end()
        # Between two pieces of text on one line, a block tag or <br> was a line break.
        name = regex.match(r"</?\s*([A-Za-z:]+)", m.group()).group(1).lower()  # type: ignore[union-attr]
        if start > line_end:
            line_start = masked.rfind("\n", 0, start) + 1
            line_end = masked.find("\n", end)
            line_end = len(masked) if line_end == -1 else line_end
            text_start = line_start
            while text_start < start and masked[text_start].isspace():
                text_start += 1
            first_close = masked.find(">", text_start, line_end)  # a tag holds no `>` but its last
        # The line's text before the tag and after it, stripped, as far as the rules read them.
        before_end = start
        while before_end > line_start and masked[before_end - 1].isspace():
            before_end -= 1
        after_start = end
        while after_start < line_end and masked[after_start].isspace():
            after_start += 1
        after_first = masked[after_start : after_start + 1] if after_start < line_end else ""
        # A tag before a closing mark did not end the sentence: `以前<br>，这让` is one line.
        breaks = name in ("p", "br", "div", "section", "article", "center") and after_first not in CLOSING_MARKS
        # Only a list, quote or heading marker before it: the tag opened that block's text.
        stray_before = (
            before_end == line_start
            or (first_close == before_end - 1 and _STRAY_TAG.fullmatch(masked, text_start, before_end) is not None)
            or _MARKERS_ONLY.fullmatch(masked, text_start, before_end) is not None
        )
        stray_after = after_start == line_end or _STRAY_TAG.match(masked, after_start, line_end) is not None
        replacement = "\n" if breaks and not stray_before and not stray_after else ""
        edits.append(Edit(start, end, replacement, "tag"))
    return edits


def _drop_overlaps(edits: list[Edit]) -> list[Edit]:
    edits.sort(key=lambda e: (e.start, e.end))
    result: list[Edit] = []
    for e in edits:
        if result and e.start < result[-1].end:
            continue
        result.append(e)
    return result
