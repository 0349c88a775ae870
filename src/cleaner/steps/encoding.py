"""The `encoding` step: from bytes to clean Unicode text.

`decode()` turns bytes into text (used by `Document.parse`, before any step runs): a BOM decides
at once; valid UTF-8 is taken as UTF-8 without detection; otherwise the detector chooses among the
encodings Chinese text arrives in (see docs/encoding-detection.md for the measurement behind it).

The step `encoding()` then normalizes the text, one rule per kind of fix, each change recorded:

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

import codecs
import html
import unicodedata
from functools import lru_cache

import regex

from ..document import Document, Edit
from ..errors import EncodingError
from ..protect import mask

STEP = "encoding"

# Encodings the detector may choose for non-UTF-8 input. GB18030 is a superset of GBK and GB2312;
# decoding with it never loses a character the narrower ones would have given.
_MARGIN = 0.15  # shares closer than this: the score cannot tell, charset-normalizer decides
_MIN_SHARE = 0.5  # below this the best decoding does not read as Chinese: refuse it
_SCORE_BYTES = 4096  # the score reads this much; the strict trial decode still reads it all
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "hz", "cp936"}  # as codecs.lookup() names them
_BIG5_FAMILY = {"big5", "big5hkscs", "cp950"}

_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (or an Office document)"),
    (b"\x1f\x8b", "gzip-compressed data"),
    (b"\x7fELF", "an executable"),
    (b"RIFF", "a RIFF media file"),
    (b"BZh", "bzip2-compressed data"),
    (b"\xfd7zXZ\x00", "xz-compressed data"),
)

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode(data: bytes, *, path: str = "<stdin>") -> tuple[str, str]:
    """Decode bytes to text, returning (text, encoding name). Raises EncodingError for non-text.

    >>> decode("中文".encode("gb18030"))
    ('中文', 'gb18030')
    """
    text, name, _ = decode_with_damage(data, path=path)
    return text, name


def decode_with_damage(
    data: bytes, *, path: str = "<stdin>", encoding: str | None = None
) -> tuple[str, str, list[tuple[int, str]]]:
    """Like `decode`, and also the damage found: (line, message) for bytes no decoding reads.

    GB18030 or Big5 text with a byte lost in transit does not decode strictly. Refusing the
    file would lose the whole article for one byte, so the bytes that do not decode become
    U+FFFD, the rest is kept, and each damaged line is reported.

    `encoding` names the encoding and skips detection (`--encoding gbk`): the bytes must then
    decode strictly with it.
    """
    if encoding is not None:
        return _decode_as(data, encoding, path), _canonical(encoding), []
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise EncodingError(f"not text: the input is {what}", path=path)
    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(name)
            except UnicodeDecodeError as error:
                raise EncodingError(
                    f"not valid {name.upper().replace('-SIG', '')} text at byte {error.start}", path=path
                ) from None
            return _refuse_binary(text.lstrip("\ufeff"), path), name.replace("-sig", ""), []
    # Real UTF-8 text holds no NUL; BOM-less UTF-16 of ASCII and Han is often valid UTF-8.
    if b"\x00" not in data:
        try:
            return _refuse_binary(data.decode("utf-8"), path), "utf-8", []
        except UnicodeDecodeError as error:
            cut = error.reason == "unexpected end of data"  # `head -c` cut the last character
        damaged_utf8 = _decode_damaged_utf8(data, cut)
    else:
        damaged_utf8 = None
    detected = None if damaged_utf8 is not None else detect(data)
    if detected is not None:
        return _refuse_binary(data.decode(detected), path), detected, []
    damaged = (damaged_utf8, "utf-8") if damaged_utf8 is not None else _decode_damaged(data)
    if damaged is not None:
        text, name = damaged
        lines = sorted({text.count("\n", 0, i) + 1 for i, c in enumerate(text) if c == "\ufffd"})
        count = text.count("\ufffd")
        damage = [(line, f"{name}: bytes that decode to nothing were replaced with U+FFFD") for line in lines]
        return _refuse_binary(text, path), name, damage if count else []
    if b"\x00" in data:
        raise EncodingError("not text: the input holds NUL bytes (binary data?)", path=path)
    raise EncodingError("not text in a supported encoding (UTF-8, UTF-16, GB18030/GBK, Big5)", path=path)


def _canonical(encoding: str) -> str:
    name = codecs.lookup(encoding).name
    return "utf-8" if name == "utf-8-sig" else name


def check_encoding_name(encoding: str) -> str:
    """The codec's own name for `encoding`, or a UsageError naming what is accepted."""
    from ..errors import UsageError

    try:
        return _canonical(encoding)
    except LookupError:
        raise UsageError(
            f"encoding {encoding!r} is not one Python knows (try utf-8, gb18030, gbk, big5, utf-16)"
        ) from None


def _decode_as(data: bytes, encoding: str, path: str) -> str:
    name = check_encoding_name(encoding)
    try:
        text = data.decode(name)
    except UnicodeDecodeError as error:
        raise EncodingError(f"not valid {name} text at byte {error.start} (given as the encoding)", path=path) from None
    return _refuse_binary(text.removeprefix("\ufeff"), path)  # a BOM is not text


def reencoding(raw: bytes, encoding: str) -> str | None:
    """How the bytes differ from UTF-8 without a BOM (`GB18030`, `UTF-8 with a BOM`), or None.

    Output is always UTF-8 without a BOM, so such an input changes even when its text does not:
    the `encoding/utf8` change record says so, and `--check` fails exactly when `--in-place`
    would rewrite the file.
    """
    if raw.startswith(codecs.BOM_UTF8):
        return "UTF-8 with a BOM"
    if codecs.lookup(encoding).name == "utf-8":
        return None
    return encoding.upper().replace("_", "-")


# Detection on fewer bytes than this has little to go on; a close second reading is then reported.
_SHORT_BYTES = 256


def ambiguity(data: bytes, encoding: str) -> str | None:
    """For a short input, the warning that another encoding reads it about as well (or better).

    `"谢谢".encode("gbk")` is also valid UTF-8 (`лл`), and `"好的".encode("gbk")` is also
    valid Big5 (`疑腔`): a title has too few bytes to tell. Long inputs are not checked.
    """
    if len(data) > _SHORT_BYTES or not any(b > 0x7F for b in data) or b"\x00" in data:
        return None
    chosen = data.decode("utf-8-sig" if encoding == "utf-8" else encoding, errors="ignore")
    if encoding == "utf-8" and data.startswith(codecs.BOM_UTF8):
        return None  # a BOM is a statement, not a guess
    chosen_share = _common_share(chosen)
    for other in ("gb18030", "big5"):
        if codecs.lookup(other).name == codecs.lookup(encoding).name or not _decodes(data, other):
            continue
        reading = data.decode(other)
        share = _common_share(reading)
        if share >= _MIN_SHARE and chosen_share - share < _MARGIN:
            return (
                f"short input read as {encoding} ({_snippet(chosen)}); as {other} it reads "
                f"{_snippet(reading)}: give the encoding (--encoding, or encoding= in the API) to be sure"
            )
    return None


def _snippet(text: str, limit: int = 20) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def detect(data: bytes) -> str | None:
    """Name the encoding of non-UTF-8 bytes (GB18030, Big5 or BOM-less UTF-16), or None.

    Only encodings that decode the whole input strictly are candidates. Short inputs (a title)
    are where detectors fail, so the candidates are compared by how much of their text is
    common Han characters: a wrong decoding gives rare ones (GBK `数据` read as Big5 is `杅擂`).
    Where the shares are too close to tell, charset-normalizer, restricted to those candidates,
    decides. A best decoding that does not read as Chinese is refused (None). The measurement
    behind this is in docs/encoding-detection.md.
    """
    names = [] if b"\x00" in data else ["gb18030", "big5"]
    if len(data) % 2 == 0:
        names += ["utf_16_le", "utf_16_be"]
    decodable = [name for name in names if _decodes(data, name)]
    if not decodable:
        return None
    head = data[:_SCORE_BYTES]
    scores = sorted(((_common_share(head.decode(n, errors="ignore")), n) for n in decodable), reverse=True)
    best_share, choice = scores[0]
    close = [n for share, n in scores if best_share - share < _MARGIN]
    if len(close) > 1:
        from charset_normalizer import from_bytes

        best = from_bytes(data, cp_isolation=close).best()
        if best is not None:
            guess = codecs.lookup(best.encoding).name
            for name in close:
                own = codecs.lookup(name).name
                if guess == own or {guess, own} <= _GB_FAMILY or {guess, own} <= _BIG5_FAMILY:
                    choice = name
                    break
    text = head.decode(choice, errors="ignore")
    if any(c > "\x7f" for c in text) and _common_share(text) < _MIN_SHARE:
        return None
    return choice


def _decode_damaged(data: bytes) -> tuple[str, str] | None:
    """GB18030 or Big5 with a few undecodable bytes: the reading with the least damage, if it
    still reads as Chinese."""
    if b"\x00" in data:
        return None
    best: tuple[int, str, str] | None = None
    for name in ("gb18030", "big5"):
        text = data.decode(name, errors="replace")
        bad = text.count("\ufffd")
        if bad > max(3, len(text) // 50) or _common_share(text[:_SCORE_BYTES].replace("\ufffd", "")) < _MIN_SHARE:
            continue
        if best is None or bad < best[0]:
            best = (bad, text, name)
    return (best[1], best[2]) if best else None


def _decode_damaged_utf8(data: bytes, cut: bool) -> str | None:
    """UTF-8 with a character cut off at the end, or a byte lost: a few undecodable spots among
    many good multi-byte characters (GBK or Big5 read as UTF-8 fails at most of its characters)."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") - data.count("\ufffd".encode())
    good = sum(1 for c in text if c > "\x7f") - text.count("\ufffd")
    if 0 < bad <= 3 and (good >= 10 * bad or (cut and bad == 1)):
        return text
    return None


def _decodes(data: bytes, name: str) -> bool:
    try:
        data.decode(name)
    except UnicodeDecodeError:
        return False
    return True


def _common_share(text: str) -> float:
    """The share of non-ASCII characters that are common Han characters, in either script."""
    wide = [c for c in text if c > "\x7f" and not c.isspace()]
    if not wide:
        return 0.0
    common = _common_chars()
    return sum(1 for c in wide if c in common) / len(wide)


@lru_cache(maxsize=1)
def _common_chars() -> frozenset[str]:
    # GB2312 level 1: the 3755 commonest characters as its makers chose them, read straight from
    # the code table (rows 16-55), plus their Traditional forms from OpenCC, plus the full-width
    # punctuation of running text.
    level1 = bytes(b for hi in range(0xB0, 0xD8) for lo in range(0xA1, 0xFF) for b in (hi, lo))
    simplified = level1.decode("gb2312", errors="ignore")
    from ..opencc_backend import convert

    traditional = convert(simplified, "s2t")
    return frozenset(simplified) | frozenset(traditional) | frozenset("，。、：；？！“”‘’（）《》【】…—·")


_CONTROL_RATIO_LIMIT = 0.01


def _refuse_binary(text: str, path: str) -> str:
    if "\x00" in text:
        raise EncodingError("not text: the input holds NUL characters (binary data?)", path=path)
    if text:
        controls = sum(1 for c in text[:65536] if c < " " and c not in "\t\n\r\f\v\x1b")
        if controls / min(len(text), 65536) > _CONTROL_RATIO_LIMIT and controls > 2:
            raise EncodingError(
                f"not text: {controls} control characters in the first 64 KiB (binary data?)", path=path
            )
    return text


# --- the step -------------------------------------------------------------------------------

_NEWLINE = regex.compile(r"\r\n?")
_INVISIBLE = regex.compile(
    r"(?:[\u200b\u200c\u2060\u00ad\ufeff\u180e]|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f])"
    r"|(?<!\p{Extended_Pictographic}[\ufe0f\U0001f3fb-\U0001f3ff]?)\u200d"
    r"|\u200d(?!\p{Extended_Pictographic})"
)
_FIXED_SPACES = regex.compile(r"[\u00a0\u2000-\u200a\u202f\u205f]")
_IDEOGRAPHIC_SPACE = regex.compile(r"^[\u3000 \t]*\u3000[\u3000 \t]*|[ \t]*\u3000[\u3000 \t]*$|\u3000+", regex.M)
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
        doc = doc.edit(STEP, newlines, keep_spans=False).replace(spans=None)
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
            return doc.edit(STEP, edits, keep_spans=False).replace(spans=None).with_spans(), True
    return doc.edit(STEP, edits), False


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
    return [Edit(m.start(), m.end(), "", "tag-remnant") for m in _TAG_REMNANT.finditer(masked)]


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
    for m in _IDEOGRAPHIC_SPACE.finditer(masked):
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
    for m in _STRAY_TAG.finditer(masked):
        start, end = m.start(), m.end()
        # Between two pieces of text on one line, a block tag or <br> was a line break.
        name = regex.match(r"</?\s*([A-Za-z:]+)", m.group()).group(1).lower()  # type: ignore[union-attr]
        line_start = masked.rfind("\n", 0, start) + 1
        line_end = masked.find("\n", end)
        line_end = len(masked) if line_end == -1 else line_end
        before_text = masked[line_start:start].strip()
        after_text = masked[end:line_end].strip()
        # A tag before a closing mark did not end the sentence: `以前<br>，这让` is one line.
        breaks = name in ("p", "br", "div", "section", "article", "center") and after_text[:1] not in CLOSING_MARKS
        # Only a list, quote or heading marker before it: the tag opened that block's text.
        stray_before = _STRAY_TAG.fullmatch(before_text) is not None or not before_text or _MARKERS_ONLY.fullmatch(before_text) is not None
        stray_after = not after_text or _STRAY_TAG.match(after_text) is not None
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
