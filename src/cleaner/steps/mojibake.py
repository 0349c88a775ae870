"""The `mojibake` step: repair text that was decoded with the wrong code page, and say what is lost.

Each kind of damage has its own rule; every repair is recorded, and every character that cannot
be brought back is reported in a warning (line, text, kind) and never invented:

- `latin`: UTF-8 read as Latin-1/cp1252, repaired by ftfy          `ä¸­æ–‡` -> `中文`
  (and as the other single-byte code pages ftfy knows: `Î•Î»` -> `Ελ`, `Ð±Ñ` -> `бъ`,
  `─îe┼ítina` -> `Čeština`; a result in a script the line lacks needs evidence of mojibake)
- `c1-control`: a C1 control left after the repairs, as cp1252 shows it  `\x80` -> `€`
  (configured so that Chinese punctuation, curly quotes and full-width forms stay as they are)
- `gbk-read-as-latin1`: GBK bytes read as Latin-1/cp1252            `Êý¾Ý` -> `数据`
- `utf8-read-as-gbk`: UTF-8 bytes read as GBK                        `鍥犱负鎴戜滑` -> `因为我们`
  (the lossy forms `锟斤拷` and `?`/`�` keep their place and are reported)
- `gbk-read-as-big5`, `big5-read-as-gbk`                             `杅擂` -> `数据`
- `gbk-misaligned`: a GBK byte lost or inserted shifts the decoder   `槲覀冏罱K` -> `我們最終`
  until the next ASCII byte; the run is re-encoded and read one byte shifted. The character
  that lost a byte is reported, not guessed.
- `pinyin`: a reading inserted after a character                     `發(fā)展` -> `發展`
  (removed only when the text in brackets is a reading of the character before it)
- `latin-cut`, `latin-rare`: UTF-8 read as cp1252 left unrepaired (cut short, `å…`, or too rare),
  where the house style's `……` or `——` would complete it into a character a second run repairs:
  reported and protected from the later steps, so cleaning twice equals cleaning once

A repair is accepted only when its result reads as Chinese and reads better than the text it
replaces, judged with a character frequency table (`data/mojibake/chars.tsv`, derived from
jieba's word list; see its README). Cheap pre-checks find the lines that can hold damage at all,
so clean text pays almost nothing.
"""

from __future__ import annotations

import bisect
import codecs
import difflib
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache
from importlib import resources
from typing import NamedTuple

from ..document import REPAIR, Document, Edit
from ..opencc_backend import Converter, converter
from ..protect import PLACEHOLDERS, Span, mask
from ..text import CJK_WIDE, HAN, PINYIN_LETTERS, PINYIN_TONE_LETTERS, common_ends, line_starts


# Declarations (docs/architecture.md, "Adding an option / a rule"): no options; rule ids.
RULES: dict[str, str] = {
    "c1-control": "C1 control characters from a cp1252 read are shown as the marks they were",
    "pinyin": "pinyin tone letters garbled by a wrong code page are restored",
    "gbk-read-as-latin1": "GBK text read as Latin-1 is decoded again",
    "latin": "UTF-8 text read as Latin-1 or cp1252 is decoded again",
    "utf8-read-as-gbk": "UTF-8 text read as GBK is decoded again",
    "gbk-misaligned": "GBK text read one byte out of step is realigned",
    "gbk-read-as-big5": "GBK text read as Big5 is converted back",
    "big5-read-as-gbk": "Big5 text read as GBK is converted back",
}


STEP = "mojibake"

# --- the character table --------------------------------------------------------------------


class Tables(NamedTuple):
    zipf: dict[str, float]
    readings: dict[str, frozenset[str]]


@lru_cache(maxsize=1)
def tables() -> Tables:
    """The frequency (Zipf value) and readings of each character, read once from package data."""
    text = resources.files("cleaner").joinpath("data/mojibake/chars.tsv").read_text(encoding="utf-8")
    zipf: dict[str, float] = {}
    readings: dict[str, frozenset[str]] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        char, value, pinyin = line.split("\t")
        zipf[char] = float(value)
        if pinyin:
            readings[char] = frozenset(pinyin.split(","))
    return Tables(zipf, readings)


def _is_han(ch: str) -> bool:
    if len(ch) != 1:
        return False
    o = ord(ch)
    return 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0xF900 <= o <= 0xFAFF or 0x20000 <= o <= 0x3FFFF


# Zipf values: 的 is about 6.6, a character of an everyday word 4-6, a rare one under 3.
COMMON = 3.0
_TOP = 7.5
_UNKNOWN_HAN = 8.0
_SYMBOL = 7.0
_ASCII = 1.0
_MARK = 0.5
# Dropping a byte to realign is expensive unless the decoder marked a loss right there.
_LOST_BYTE = 12.0
_LOST_CHAR = 4.0
# Full-width marks that running Chinese text is full of; other double-byte symbols (kana, Greek,
# box drawing, pinyin letters) are what a wrong decoding produces.
_CHINESE_MARKS = frozenset("，。、：；？！“”‘’（）《》〈〉【】「」『』…—·～　")


@lru_cache(maxsize=65536)
def cost(ch: str) -> float:
    """How unlikely a character is in Chinese text, on a Zipf-like scale (0 common, 8 unknown)."""
    if ch < "\x80":
        return _ASCII
    if _is_han(ch):
        z = tables().zipf.get(ch)
        return _UNKNOWN_HAN if z is None or z == 0.0 else max(0.0, _TOP - z)
    if ch in _CHINESE_MARKS or "\uff01" <= ch <= "\uff5e":
        return _MARK
    return _SYMBOL


def zipf(ch: str) -> float:
    return tables().zipf.get(ch, 0.0)


@lru_cache(maxsize=1)
def _pairs() -> frozenset[str]:
    text = resources.files("cleaner").joinpath("data/mojibake/pairs.tsv").read_text(encoding="utf-8")
    pairs: set[str] = set()
    for line in text.splitlines():
        if line and not line.startswith("#"):
            first, seconds = line.split("\t")
            pairs.update(first + second for second in seconds)
    return frozenset(pairs)


def _simplifier() -> Converter:
    return converter("t2s")


# Characters this common stand alone (的, 了, 是) and need no word around them.
_STANDS_ALONE = 6.0


def supported(text: str) -> list[bool]:
    """For each character: False for a Han character that forms no word with its neighbours.

    Real text is made of words; the characters a wrong decoding produces rarely form one with
    their neighbours, even when each is common on its own. Word pairs are Simplified, so the
    text is looked at in Simplified script.
    """
    simple = _simplifier().convert(text)
    if len(simple) != len(text):
        simple = text
    pairs = _pairs()
    result = []
    for i, ch in enumerate(simple):
        if not _is_han(ch):
            result.append(True)
            continue
        result.append(
            zipf(ch) >= _STANDS_ALONE
            or (i > 0 and simple[i - 1 : i + 1] in pairs)
            or simple[i : i + 2] in pairs
        )
    return result


def reads_as_chinese(text: str, *, min_han: int = 2) -> bool:
    """Whether `text` reads as running Chinese: enough Han characters, mostly forming words."""
    if sum(1 for ch in text if _is_han(ch)) < min_han:
        return False  # decided before the word check, which converts the text with OpenCC
    marks = supported(text)
    han = [ok for ch, ok in zip(text, marks) if _is_han(ch)]
    if len(han) < min_han:
        return False
    good = sum(han)
    # Two or three characters must all form words; longer text at least half of them.
    if len(han) < 4 and good < len(han):
        return False
    if good * 2 < len(han):
        return False
    junk = sum(1 for c in text if c >= "\x80" and not _is_han(c) and c not in _CHINESE_MARKS and c != "\ufffd")
    return junk * 5 <= len(text)


def text_cost(text: str) -> float:
    return sum(cost(c) for c in text)


# --- repairs ----------------------------------------------------------------------------------


class Repair(NamedTuple):
    """A repair found on one line: `line[start:end]` becomes `replacement`."""

    start: int
    end: int
    replacement: str
    rule: str
    gain: float
    lost: int  # characters known to be lost inside or at the edge of this run


# --- pre-checks -----------------------------------------------------------------------------

_CP1252 = "€\x81‚ƒ„…†‡ˆ‰Š‹Œ\x8dŽ\x8f\x90‘’“”•–—˜™š›œ\x9džŸ"
_CP1252_SPECIALS = "".join(c for c in _CP1252 if c > "\xff")
_TO_BYTE = {ord(c): 0x80 + i for i, c in enumerate(_CP1252) if c > "\xff"}
_LATIN_CLASS = "\x80-\xff" + re.escape(_CP1252_SPECIALS)
# Two Latin-1/cp1252 characters in a row, one of them from the upper half of Latin-1: what UTF-8 or
# GBK bytes read as Latin look like. (Two curly quotes or dashes in a row are ordinary text.)
# (Each branch starts on the upper half of Latin-1, rare in Chinese text, so the scan is fast.)
# (`Ã` before a space is `à` whose second byte, 0xA0, became a space.)
_LATIN_HINT = re.compile(
    f"[\x80-\xff](?:(?<=[\x80-\x9f])|(?=[{_LATIN_CLASS}])|(?<=[{re.escape(_CP1252_SPECIALS)}][\x80-\xff])|(?<=Ã)(?= ))"
)
_LATIN_RUN = re.compile(f"[\x20-\x7e{_LATIN_CLASS}]*[\x80-\xff{re.escape(_CP1252_SPECIALS)}][\x20-\x7e{_LATIN_CLASS}]*")
# A stretch of a line outside Chinese, Japanese and Korean text, and outside protected text:
# what ftfy is given to read.
_SEGMENT = re.compile("[^\n\u2e80-\u9fff\uac00-\ud7af\ue000-\ue002\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003ffff]+")


def _code_page_class() -> str:
    """The characters the upper halves of the single-byte code pages ftfy reads back show."""
    chars: set[str] = set()
    for page in ("latin-1", "cp1252", "cp1250", "cp1251", "iso8859_2", "mac_roman", "cp437", "cp850"):
        chars.update(bytes(range(0x80, 0x100)).decode(page, errors="ignore"))
    chars -= set(_CHINESE_MARKS) | set("–•")
    chars.add("\ufffd")  # `Ä\ufffd`: a byte lost after the misreading
    return "".join(re.escape(c) for c in sorted(chars))


# Two of them in a row, not the same one twice (`──` is a rule, `─î` mojibake of cp437): the
# mojibake of the other code pages (`РґРѕ`, `Ĺ˝`, `√≤`, `ß║┐`).
_CODE_PAGE_HINT = re.compile(f"([{_code_page_class()}])(?!\\1)[{_code_page_class()}]")
_PINYIN_LETTERS = PINYIN_LETTERS
_PINYIN_HINT = re.compile(f"[(（][{_PINYIN_LETTERS}]{{1,7}}[)）]")
_LOSS_MARKS = re.compile("锟斤拷|\ufffd")


@lru_cache(maxsize=1)
def _suspect() -> re.Pattern[str]:
    """A rare Han character or U+FFFD: where GBK, Big5 and UTF-8 read as each other can be.

    Mojibake of Chinese holds rare characters; clean text has one now and then (a name, a
    classical word), and the closer look then declines. The class is written out as code
    point ranges for the standard `re` engine, which scans it at hundreds of MB/s.
    """
    common = {c for c, z in tables().zipf.items() if z >= COMMON}
    ranges: list[tuple[int, int]] = []
    for block_start, block_end in ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF)):
        for o in range(block_start, block_end + 1):
            if chr(o) in common:
                continue
            if ranges and ranges[-1][1] == o - 1:
                ranges[-1] = (ranges[-1][0], o)
            else:
                ranges.append((o, o))
    cls = "".join(f"\\u{a:04x}" if a == b else f"\\u{a:04x}-\\u{b:04x}" for a, b in ranges)
    return re.compile(f"[{cls}\ufffd]")


@lru_cache(maxsize=1)
def _dense() -> re.Pattern[str]:
    """Two rare characters or stray symbols within three characters: UTF-8 read as GBK."""
    rare = _suspect().pattern[1:-1]
    odd = "\u0370-\u04ff\u2500-\u257f\u3040-\u30ff\u3100-\u312f\ue003-\uf8ff"
    cls = f"[{rare}{odd}]"
    return re.compile(f"{cls}[^\\n]{{0,2}}{cls}")


_CJK = CJK_WIDE
# Where a misalignment can start or end: a `?` or U+FFFD (the decoder's mark for a lost byte)
# before Chinese, or a lone ASCII byte after Chinese (a GBK trail byte that realigned the
# decoder).
_SHIFT_START = re.compile(f"[?\ufffd](?:[{_PINYIN_LETTERS}]{{1,7}}\\))?[{_CJK}!,:;()]")
_SHIFT_END = re.compile(f"[\x40-\x7e](?<=[{_CJK}][\x40-\x7e])(?![\x40-\x7e])")


def _masked(doc: Document) -> str:
    # Unrepaired damage is protected from the later steps (protect.py), not from this one.
    return mask(doc.body, [s for s in doc.protected() if s.kind != "inline-damage"])


_C1 = re.compile("[\x80-\x9f]")
_C1_SHOWN = {0x80 + i: c for i, c in enumerate(_CP1252)}


def _c1_edits(masked: str) -> list[Edit]:
    """C1 controls no repair above explained: the cp1252 characters a browser shows for them.

    `价格\x80100` -> `价格€100`. Decided here, by the character alone, so the outcome does not
    depend on what stands next to it (which would make a second run differ from the first).
    Bytes cp1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) stay, as `encoding` left them.
    """
    edits = []
    for m in _C1.finditer(masked):
        shown = _CP1252[ord(m.group()) - 0x80]
        if shown != m.group():
            edits.append(Edit(m.start(), m.end(), shown, "c1-control"))
    return edits


def _lines(text: str) -> Iterator[tuple[int, int, str]]:
    """(line number, offset, line) for each line of the text."""
    offset = 0
    for number, line in enumerate(text.split("\n"), start=1):
        yield number, offset, line
        offset += len(line) + 1


# --- kind 1 and 4a: bytes read as Latin-1/cp1252 -------------------------------------------------


@lru_cache(maxsize=1)
def _ftfy_config():  # type: ignore[no-untyped-def]
    import ftfy

    # Only the encoding fixes: ftfy's defaults would straighten curly quotes, fold full-width
    # forms and ligatures, and touch HTML and control characters, none of which is mojibake.
    return ftfy.TextFixerConfig(
        unescape_html=False,
        remove_terminal_escapes=False,
        fix_latin_ligatures=False,
        fix_character_width=False,
        uncurl_quotes=False,
        fix_line_breaks=False,
        remove_control_chars=False,
    )


def _latin_bytes(text: str) -> bytes | None:
    """The bytes a Latin-1/cp1252 decoder read as `text`, or None if it could not have."""
    out = bytearray()
    for ch in text:
        o = ord(ch)
        if o < 0x100:
            out.append(o)
        elif o in _TO_BYTE:
            out.append(_TO_BYTE[o])
        else:
            return None
    return bytes(out)


_GBK_PAIRS = re.compile(rb"(?:[\x81-\xfe][\x40-\x7e\x80-\xfe])+")
_UTF8_CHAR = (
    rb"[\xc2-\xdf][\x80-\xbf]"
    rb"|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}|\xed[\x80-\x9f][\x80-\xbf]"
    rb"|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)
_UTF8_RUN = re.compile(rb"(?:" + _UTF8_CHAR + rb")+")


def _latin_repairs(line: str) -> list[Repair]:
    """Repairs of text read through a single-byte code page (`_latin_stretch_repairs`), and of
    the pieces of a stretch that the Chinese found in it splits.

    Where ftfy declines a stretch as a whole and its strict UTF-8 reading gives Chinese, the
    repaired line falls into more stretches, which a second run would hand ftfy one by one
    (`ï¼¢StraÃŸeä¸\xadæ–‡cafÃ©`: `中文` first, then `cafÃ©` on its own is `café`): they are
    read now, so that cleaning twice equals cleaning once.
    """
    repairs, split = _latin_stretch_repairs(line)
    for _ in range(3):  # each round splits a stretch further; three is more than text needs
        if not split:
            break
        repaired, shifts = _applied(line, repairs)
        more, split = _latin_stretch_repairs(repaired)
        taken = []
        # ftfy's readings only: GBK pairs in a piece cut off by such Chinese read as GBK where
        # the whole stretch did not (a chance UTF-8 character in GBK bytes, `å£¬`, splits them
        # out of step), and are better left for the whole stretch to decide.
        for r in (r for r in more if r.rule == "latin"):
            start, end = _unshifted(shifts, r.start), _unshifted(shifts, r.end)
            if start is not None and end is not None and all(end <= o.start or o.end <= start for o in repairs):
                taken.append(r._replace(start=start, end=end))
        if not taken:
            break
        repairs = repairs + taken
    return repairs


def _applied(line: str, repairs: list[Repair]) -> tuple[str, list[tuple[int, int, int]]]:
    """`line` with the (non-overlapping) repairs made, and for each stretch of it no repair
    touched: (start in the result, start in `line`, length)."""
    pieces, shifts = [], []
    cursor = out = 0
    for r in sorted(repairs):
        pieces += [line[cursor : r.start], r.replacement]
        shifts.append((out, cursor, r.start - cursor))
        out += r.start - cursor + len(r.replacement)
        cursor = r.end
    pieces.append(line[cursor:])
    shifts.append((out, cursor, len(line) - cursor))
    return "".join(pieces), shifts


def _unshifted(shifts: list[tuple[int, int, int]], at: int) -> int | None:
    """Where a place of the repaired line lies in the line, if it lies in text no repair touched
    (or at its edge)."""
    for out, start, length in shifts:
        if out <= at <= out + length:
            return start + at - out
    return None


def _latin_stretch_repairs(line: str) -> tuple[list[Repair], bool]:
    """Repairs of text read through a single-byte code page: GBK pairs first, then ftfy; and
    whether a stretch ftfy declined held Chinese that its UTF-8 reading gave.

    GBK read as Latin-1 is looked for in the Latin-1/cp1252 runs; ftfy is handed each stretch of
    the line between Chinese or Japanese text (`_SEGMENT`), which holds the mojibake of every
    code page ftfy knows (cp1250, cp1251, MacRoman, cp437 as well) and the partly repaired text
    around it (`“lossy decodingâ€\ufffd`).
    """
    gbk: list[Repair] = []
    for m in _LATIN_RUN.finditer(line):
        data = _latin_bytes(m.group())
        if data is not None:
            gbk += _gbk_from_latin(data, m.start())
    repairs: list[Repair] = []
    split = False
    # ftfy reads a stretch of Latin-1/cp1252 characters with its C1 controls shown as cp1252, as
    # `_c1_edits` leaves them for a second run: its reading then does not depend on which run it
    # is (`å\x80\x91` and `å€‘` are both `們`). In a stretch of another code page a C1 control is
    # a byte of that page (`Р\x98` in cp1251) and stays as it is.
    shown = line.translate(_C1_SHOWN)
    for seg in _SEGMENT.finditer(line):
        a, b = seg.span()
        inside = [r for r in gbk if r.start < b and a < r.end]
        # Bytes read as Latin-1/cp1252 give those characters only; `Ă`, `ą`, `˝`, `√` are
        # another code page, and neither GBK nor Chinese UTF-8 read as Latin-1 is looked for.
        other_page = any(ch >= "\x80" and ch != "\ufffd" and _latin_bytes(ch) is None for ch in seg.group())
        if other_page:
            inside = []
        if seg.group().isascii():
            repairs += inside
            continue
        read = line if other_page else shown
        found = _ftfy_repair(read, a, b)
        if found is None and read is not shown and shown != line:
            # What a second run sees, once `_c1_edits` showed the controls.
            read = shown
            found = _ftfy_repair(read, a, b)
        # ftfy reads a stretch as one code page; quotes around it (`“РџСЂРёРІРµС‚”`) can make
        # that a different one from the text inside them, and repair a word of it. The reading
        # that repairs more of the stretch wins.
        inner_a, inner_b = a, b
        while inner_a < inner_b and line[inner_a] in _WRAPPING:
            inner_a += 1
        while inner_b > inner_a and line[inner_b - 1] in _WRAPPING:
            inner_b -= 1
        if (inner_a, inner_b) != (a, b) and inner_a < inner_b:
            inner = _ftfy_repair(read, inner_a, inner_b)
            if inner is not None and (found is None or inner.end - inner.start > found.end - found.start):
                found = inner
        if inside:
            # GBK pairs and a UTF-8 reading compete: the one that explains more of the stretch
            # wins (`Î•Î»Î»Î·Î˝` is Greek read as cp1250, not `螘位位畏` and debris).
            if found is not None and found.end - found.start > sum(r.end - r.start for r in inside):
                repairs.append(found)
            else:
                repairs += inside
            continue
        rest = [(a, b)]
        if found is not None:
            repairs.append(found)
            # ftfy may read only part of a stretch that holds a cut character (`ä¸€ä¸€AI ä¸€ä¸`
            # -> `一一AI ä¸€ä¸`); the rest is looked at as below, or a second run would repair it.
            rest = [(a, found.start), (found.end, b)]
        # ftfy declines short runs and runs mixed with correct text; UTF-8 is strict enough that
        # a multi-byte sequence decoding to Chinese is evidence on its own.
        # (Not where every byte pairs into a Chinese character: GBK bytes that did not read as
        # Chinese enough to convert.)
        for m in (m for ra, rb in rest for m in _LATIN_RUN.finditer(line, ra, rb)) if not other_page else ():
            data = _latin_bytes(m.group())
            if data is not None and not _reads_as_gbk(data):
                chinese = _utf8_chinese_from_latin(data, m.start())
                repairs += chinese
                split = split or (found is None and bool(chinese))
    return repairs, split


def _gbk_from_latin(data: bytes, base: int) -> list[Repair]:
    # One character of text per byte, so byte offsets are character offsets.
    repairs = []
    for m in _GBK_PAIRS.finditer(data):
        chunk = m.group()
        if not any(b >= 0x80 for b in chunk[1::2]) and len(chunk) < 6:
            continue
        try:
            text = chunk.decode(_GB)
        except UnicodeDecodeError:
            continue
        if reads_as_chinese(text):
            repairs.append(Repair(base + m.start(), base + m.end(), text, "gbk-read-as-latin1", len(chunk), 0))
    return repairs


_FIXED_WIDTH_SPACES = re.compile("[\u2000-\u200a\u202f\u205f]")
# What may wrap a stretch of other-language text inside Chinese (not `‹›„‚`: cp1251 mojibake holds them).
_WRAPPING = " \t\"'“”‘’«»()[]<>"


def _ftfy_repair(line: str, a: int, b: int) -> Repair | None:
    """ftfy's reading of `line[a:b]`, if it is more plausible than the text it replaces.

    Only the part ftfy changed is replaced; the judgement looks at that part, the stretch and the
    whole line.
    """
    import ftfy

    run = line[a:b]
    result = ftfy.fix_and_explain(run, _ftfy_config())
    if result.text == run:
        return None
    # ftfy decodes until nothing looks like mojibake, and can go one step too far
    # (`MaÃŸÂª` -> `Maßª` -> `Maߪ`): the longest of its plans that is plausible is kept.
    plan = [(step.action, step.parameter) for step in result.explanation or []]
    readings: list[object] = [result.text]
    if any(action == "normalize" for action, _ in plan):
        # Unicode normalization is no repair (and `encoding` does it), and `apply_plan` cannot
        # replay it (`\ufb2a` gave a ValueError): the plan is read without it.
        plan = [(action, parameter) for action, parameter in plan if action != "normalize"]
        readings = [_replayed(run, plan)] if plan else []
    readings += [_replayed(run, plan[:k]) for k in range(len(plan) - 1, 0, -1)]
    for fixed in readings:
        if isinstance(fixed, str) and fixed != run and _plausible_reading(line, run, fixed):
            break
    else:
        return None
    start, end, replacement = _trim(run, fixed)
    if any(ch in PLACEHOLDERS for ch in run[start:end]):
        return None
    # A fixed-width space ftfy brings back (`â€…` is U+2005) is a space, as `encoding` writes it
    # (it runs before this step, so a second run would): cleaning twice equals cleaning once.
    replacement = _FIXED_WIDTH_SPACES.sub(" ", replacement)
    # A U+FFFD in the result, or right after it (`â€\ufffd` -> `\ufffd`), stands for a character
    # whose bytes were lost: it is reported.
    lost = replacement.count("\ufffd") + (run[end : end + 1] == "\ufffd")
    return Repair(a + start, a + end, replacement, "latin", float(end - start), lost)


def _replayed(run: str, plan: list[tuple[str, str]]) -> str | None:
    """`run` read by steps of ftfy's plan; None where they do not apply to it (without the
    normalization ftfy made first, `Å` is no Latin-1 character: `\u212b\x9d` raised)."""
    import ftfy

    try:
        return ftfy.apply_plan(run, plan)
    except ValueError:  # UnicodeError too
        return None


def _plausible_reading(line: str, run: str, fixed: str) -> bool:
    """Whether every stretch ftfy changed is plausible, each judged on its own (`Maßª¿Qué?Maßª`:
    the `¿` between two `ßª` is no evidence about either)."""
    regions: list[list[int]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, run, fixed, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        if regions and i1 - regions[-1][1] <= 2:
            # Pieces a character or two apart (a `\ufffd` or a space that was a byte of the
            # damage) are one stretch of damage.
            regions[-1][1], regions[-1][3] = i2, j2
        else:
            regions.append([i1, i2, j1, j2])
    for i1, i2, j1, j2 in regions:
        inside_word = 0 < i1 and i2 < len(run) and run[i1 - 1].isalnum() and run[i2].isalnum()
        if not _plausible_latin_repair(line, run, fixed, run[i1:i2], fixed[j1:j2], inside_word):
            return False
    return True


def _utf8_chinese_from_latin(data: bytes, base: int) -> list[Repair]:
    repairs = []
    for m in _UTF8_RUN.finditer(data):
        text = m.group().decode("utf-8")
        if any(_is_han(c) for c in text) and (len(text) >= 2 or zipf(text) >= COMMON):
            if all(_is_han(c) or c in _CHINESE_MARKS for c in text) or reads_as_chinese(text, min_han=1):
                repairs.append(Repair(base + m.start(), base + m.end(), text, "latin", float(m.end() - m.start()), 0))
    return repairs


@lru_cache(maxsize=4096)
def _script(ch: str) -> str:
    """The script of a letter, as the first word of its Unicode name (`GREEK`, `NKO`); '' if none."""
    if not ch.isalpha() or unicodedata.category(ch) == "Lm":
        return ""  # modifier letters (`ʽ`) belong to no one script
    if _is_han(ch):
        return "HAN"
    name = unicodedata.name(ch, "")
    return name.split(" ", 1)[0] if name else ""


def _plausible_latin_repair(line: str, run: str, fixed: str, before: str, after: str, inside_word: bool) -> bool:
    """Whether ftfy's reading `after` of `before` is more plausible than `before` itself.

    - Text whose bytes pair into Han characters read as GBK (`Ë½`, `Ò»ÓÑ³µ`) was GBK unless
      ftfy reads all of it into one script; otherwise Han in the result means the bytes were
      Chinese (kind 1).
    - Letters of a script that `before` is not written in (Greek out of `Œé`, NKo out of `ßª`)
      stand only where `before` shows what UTF-8 read through a single-byte code page looks
      like: a symbol, mark or control between its letters (`Î•Î»`, `×¢×‘`, `Ð±Ñ`, `RÎ³c`).
      Correct German or Spanish (`ßª`, `Œé`) is letters only. A script absent from the rest
      of the line is further evidence against: it needs two letters, or a Greek one inside a Latin word.
      (cp1251 read back, `РґРѕ` -> `до`, stays in its script.)
    """
    if any(unicodedata.category(ch) in ("Cn", "Co", "Cs") for ch in after):
        return False  # a character Unicode does not assign, or a private or broken one
    if any(ch.isalpha() and unicodedata.ucd_3_2_0.category(ch) == "Cn" for ch in after):
        # Letters added to Unicode after 2002 (NKo `ߪ`, New Tai Lue, Hebrew `ׯ`) are rare
        # scripts or rare letters, never what a common page was written in.
        return False
    new_letters = [_script(ch) for ch in after if _script(ch)]
    # Bytes that pair into Han characters read as GBK: UTF-8 only if they give a word of one
    # script (`Ελληνικά`) or pictographs (`😍`); `Ë½` is GBK, not a UTF-8 `˽`. Where the whole
    # stretch pairs so, ftfy must read all of it: `Ñ³` inside `Ò»ÓÑ³µ` is no Cyrillic `ѳ`.
    whole, piece = _latin_bytes(run.strip()), _latin_bytes(before)
    symbols = {unicodedata.category(ch) for ch in after if ch >= "\x80" and not _script(ch)}
    if whole is not None and _reads_as_gbk(whole) and not after.isascii():
        if any("\x80" <= ch <= "\xff" for ch in fixed):
            return False
        if len(set(new_letters)) + bool(symbols) != 1 or symbols - {"So"}:
            return False
    if piece is not None and _reads_as_gbk(piece) and not new_letters and symbols - {"So"}:
        return False
    if "HAN" in new_letters:
        return True
    # Letters of a script that `before` is not written in (Greek out of Latin-1 letters).
    introduced = set(new_letters) - {_script(ch) for ch in before} - {"LATIN", ""}
    if not introduced:
        return True
    if not any(ch >= "\x80" and not ch.isalpha() and not ch.isspace() for ch in before):
        return False
    rest = line.replace(before, "", 1)
    present = {_script(ch) for ch in rest if ch >= "\x80"}
    all_letters = [_script(ch) for ch in fixed]
    for script in introduced - present:
        # One letter of a script the line lacks stands only as a Greek letter inside a Latin
        # word (`IL2RÎ³cKO`); `ßª«` is no New Tai Lue letter.
        if all_letters.count(script) < 2 and not (inside_word and script == "GREEK"):
            return False
    return True


def _reads_as_gbk(data: bytes) -> bool:
    try:
        text = data.decode(_GB)
    except UnicodeDecodeError:
        return False
    return len(text) * 2 == len(data) and all(_is_han(c) or c in _CHINESE_MARKS for c in text)


def _trim(before: str, after: str) -> tuple[int, int, str]:
    """The smallest edit turning `before` into `after`: (start, end, replacement)."""
    start = 0
    while start < min(len(before), len(after)) and before[start] == after[start]:
        start += 1
    end_b, end_a = len(before), len(after)
    while end_b > start and end_a > start and before[end_b - 1] == after[end_a - 1]:
        end_b -= 1
        end_a -= 1
    return start, end_b, after[start:end_a]


# --- GBK byte views of a line ---------------------------------------------------------------------


# GB18030's two-byte part is GBK plus the user-defined areas (read as Private Use characters),
# which is what browsers decode a page labelled GBK with.
_GB = "gb18030"


@lru_cache(maxsize=65536)
def _gbk(ch: str) -> bytes | None:
    """The two GBK bytes of a character, if it has them and they decode back to it."""
    if ch < "\x80" or ch in PLACEHOLDERS:
        return None
    try:
        data = ch.encode(_GB)
    except UnicodeEncodeError:
        return None
    if len(data) != 2 or data.decode(_GB, errors="replace") != ch:
        return None
    return data


@lru_cache(maxsize=65536)
def _decode_pair(lead: int, trail: int) -> str | None:
    try:
        ch = bytes((lead, trail)).decode(_GB)
    except UnicodeDecodeError:
        return None
    return ch if len(ch) == 1 and ch not in PLACEHOLDERS else None


def _runs(line: str, inside: Callable[[str], bool]) -> Iterator[tuple[int, int]]:
    """Maximal runs of characters for which `inside` holds: (start, end)."""
    start = None
    for i, ch in enumerate(line):
        if inside(ch):
            if start is None:
                start = i
        elif start is not None:
            yield start, i
            start = None
    if start is not None:
        yield start, len(line)


def _double_byte_runs(line: str) -> Iterator[tuple[int, int]]:
    """Maximal runs of characters that GBK writes with two bytes."""
    return _runs(line, lambda ch: _gbk(ch) is not None)


# --- kind 2: UTF-8 read as GBK --------------------------------------------------------------------

def _utf8_sequences(data: bytes, starts: list[int], covered: set[int]) -> Iterator[tuple[int, int, str]]:
    """Stretches of complete, valid multi-byte UTF-8 sequences: (start, end, text).

    The leftmost matches first, then the match from each character boundary not yet `covered`
    (the caller adds the boundaries of what it accepts): correct GBK text before a damaged
    stretch can happen to read as a short UTF-8 sequence that runs into it.
    """
    seen = set()
    for m in _UTF8_RUN.finditer(data):
        seen.add(m.start())
        yield m.start(), m.end(), m.group().decode("utf-8")
    for start in starts[:-1]:
        if start not in covered and start not in seen and (hit := _UTF8_RUN.match(data, start)) is not None:
            seen.add(start)
            yield start, hit.end(), hit.group().decode("utf-8")


def _utf8_view(line: str, a: int, b: int, guesses: frozenset[int]) -> tuple[bytes, list[int]]:
    """The GBK bytes of `line[a:b]` and the byte offset where each character starts.

    A U+FFFD (at a position in `guesses`) between two double-byte characters is read as byte
    0x80: the one byte a GB18030 decoder cannot start a character with, and a common UTF-8
    continuation byte. Whether that reading is right, UTF-8's strict structure and the word
    check decide; one that fails is read as a break instead.
    """
    data = bytearray()
    starts = []
    for i in range(a, b):
        starts.append(len(data))
        ch = line[i]
        data += _gbk(ch) or (b"\x80" if i in guesses else b"\x00")
    starts.append(len(data))
    return bytes(data), starts


def _utf8_runs(line: str) -> Iterator[tuple[int, int]]:
    """Runs of double-byte characters, joined across a U+FFFD that sits between two of them."""
    runs = list(_double_byte_runs(line))
    k = 0
    while k < len(runs):
        a, b = runs[k]
        while k + 1 < len(runs) and runs[k + 1][0] == b + 1 and line[b] == "\ufffd":
            k += 1
            b = runs[k][1]
        yield a, b
        k += 1


def _utf8_repairs(line: str) -> list[Repair]:
    repairs = []
    for a, b in _utf8_runs(line):
        guesses = frozenset(i for i in range(a, b) if line[i] == "\ufffd")
        while True:
            found, wrong = _utf8_run_repairs(line, a, b, guesses)
            if not wrong:
                break
            guesses -= wrong
        repairs += found
    return repairs


def _utf8_run_repairs(line: str, a: int, b: int, guesses: frozenset[int]) -> tuple[list[Repair], set[int]]:
    from bisect import bisect_right

    data, starts = _utf8_view(line, a, b, guesses)
    repairs = []
    wrong: set[int] = set()
    covered: set[int] = set()
    for start, end, text in _utf8_sequences(data, starts, covered):
        if not guesses and sum(1 for ch in text if _is_han(ch)) < 2:
            continue  # `_accept` needs two Han characters, and no guessed byte is at stake
        # A repair covers whole characters of the damaged text. A byte of a character at
        # either edge that the UTF-8 reading does not use is an ASCII character GBK
        # swallowed as a trail byte (given back), or the piece of a character that is lost.
        first = bisect_right(starts, start) - 1
        last = bisect_right(starts, end - 1)  # one past the last character touched
        lost = int(starts[first] != start)
        rest = data[end : starts[last]]
        if rest and len(rest) == 1 and rest[0] < 0x80:
            text += chr(rest[0])
        elif _incomplete_tail(data[end:]) and line[b : b + 1] in ("?", "\ufffd"):
            # The run ends in the first bytes of a character whose last byte the decoder marked
            # as lost: those bytes go, the mark stays and stands for the character.
            last = len(starts) - 1
            lost += 1
        elif rest:
            lost += 1
        used = {a + k for k in range(first, last)} & guesses
        if used:
            # Each guessed byte must give a character that forms a word with a neighbour.
            marks = supported(text)
            offset = start
            for ch, ok in zip(text, marks):
                size = len(ch.encode("utf-8"))
                if not ok:
                    for k in range(offset, offset + size):
                        char_index = a + bisect_right(starts, k) - 1
                        if char_index in guesses:
                            wrong.add(char_index)
                offset += size
            if wrong:
                continue
        before = line[a + first : a + last]
        if not _accept(before, text, lost):
            continue
        # `锟斤拷` is U+FFFD U+FFFD read as GBK: characters lost before the text was misread.
        lost += text.count("\ufffd")
        covered.update(range(start, end))
        repairs.append(Repair(a + first, a + last, text, "utf8-read-as-gbk", text_cost(before) - text_cost(text), lost))
    return repairs, wrong


def _incomplete_tail(rest: bytes) -> bool:
    if not rest:
        return False
    lead = rest[0]
    need = 2 if 0xC2 <= lead <= 0xDF else 3 if 0xE0 <= lead <= 0xEF else 4 if 0xF0 <= lead <= 0xF4 else 0
    return need > len(rest) and all(0x80 <= b <= 0xBF for b in rest[1:])


def _accept(before: str, after: str, lost: int) -> bool:
    """Whether replacing `before` with `after` is a repair: reads as Chinese, and better."""
    if text_cost(before) - text_cost(after) - lost * _LOST_CHAR < 3.0:
        return False
    return reads_as_chinese(after, min_han=2)


# --- kind 4b: GBK and Big5 read as each other -----------------------------------------------------


@lru_cache(maxsize=65536)
def _swap(ch: str, source: str, target: str) -> str | None:
    if ch < "\x80":
        return ch
    try:
        data = ch.encode(source)
    except UnicodeEncodeError:
        return None
    if len(data) != 2:
        return None
    try:
        out = data.decode(target)
    except UnicodeDecodeError:
        return None
    return out if len(out) == 1 else None


_SWAPS = (("big5", _GB, "gbk-read-as-big5"), (_GB, "big5", "big5-read-as-gbk"))


def _swap_repairs(line: str) -> list[Repair]:
    """Runs of characters that read far better through the other code page, converted whole.

    A code page is chosen for a whole page or field, so a run is converted from one boundary
    (punctuation, ASCII, the line's edge) to the next, never a word inside correct text: two rare
    characters in a classical text (`硁硁`) can happen to map to a common word. Only runs that
    hold a rare character are looked at.
    """
    repairs = []
    for source, target, rule in _SWAPS:
        done = -1
        for m in _suspect().finditer(line):
            if m.start() < done or _swap(line[m.start()], source, target) is None:
                continue
            start = m.start()
            while start > 0 and line[start - 1] >= "\x80" and _swap(line[start - 1], source, target) is not None:
                start -= 1
            end = m.end()
            while end < len(line) and line[end] >= "\x80" and _swap(line[end], source, target) is not None:
                end += 1
            done = end
            if _is_han(line[start - 1 : start]) or _is_han(line[end : end + 1]):
                continue  # the run must reach a boundary, not stop at a character it cannot map
            before = line[start:end]
            if len(_suspect().findall(before)) * 4 < len(before):
                continue  # one rare character in a clause of common ones: a name, not mojibake
            after = "".join(_swap(c, source, target) or "" for c in before)
            gain = text_cost(before) - text_cost(after)
            if gain >= 4.0 and _accept(before, after, 0):
                repairs.append(Repair(start, end, after, rule, gain, 0))
    return repairs


# --- kind 3: GBK byte misalignment ----------------------------------------------------------------

# Half-width marks that may stand for the full-width ones (GBK A3xx) of the damaged bytes:
# scraped text often has its full-width punctuation folded to ASCII after the damage was done.
_FOLDED = {ord(c): bytes((0xA3, ord(c) + 0x80)) for c in "!,:;()"}
_FOLD_COST = 0.2
# A byte dropped right after the decoder's `?` belongs to the loss that `?` already marks.
_LOST_AFTER_MARK = 1.0
# A pair of characters that occurs inside words: what tells real text from common characters
# that only happen to stand side by side.
_PAIR_BONUS = 2.5
# A reading inserted after a character (`現(xiàn)`) vouches for the character.
_READING_BONUS = 4.0
# States kept at each character of the search (a beam): enough for the few readings that
# compete in a damaged stretch.
_BEAM = 4


@lru_cache(maxsize=65536)
def _parses(pending: int | None, rep: bytes, drop: float) -> tuple[tuple[str, int | None, int, float], ...]:
    """Ways to read `pending + rep` as GBK: (text, byte left pending, bytes dropped, cost)."""
    seq = ([] if pending is None else [pending]) + list(rep)
    results: list[tuple[str, int | None, int, float]] = []

    def walk(j: int, text: str, lost: int, total: float) -> None:
        if j == len(seq):
            results.append((text, None, lost, total))
            return
        b = seq[j]
        if b < 0x80:
            ch = chr(b)
            walk(j + 1, text + ch, lost, total + cost(ch))
            return
        if j == len(seq) - 1:
            results.append((text, b, lost, total))
        elif (ch2 := _decode_pair(b, seq[j + 1])) is not None:
            walk(j + 2, text + ch2, lost, total + cost(ch2))
        walk(j + 1, text, lost + 1, total + drop)

    walk(0, "", 0, 0.0)
    best: dict[tuple[str, int | None, int], float] = {}
    for text, pend, lost, total in results:
        key = (text, pend, lost)
        if key not in best or total < best[key]:
            best[key] = total
    return tuple((t, p, lo, c) for (t, p, lo), c in best.items())


@lru_cache(maxsize=65536)
def _simple(ch: str) -> str:
    """The Simplified form of one character (itself if OpenCC maps it to more than one)."""
    if not _is_han(ch):
        return ch
    out = _simplifier().convert(ch)
    return out if len(out) == 1 else ch


@lru_cache(maxsize=65536)
def _pair_bonus(last: str, text: str) -> tuple[float, str]:
    """Bonus for known pairs in `last + text`, and the new last character (Han or empty).

    Cached: the search asks it for the same few readings from each of its states."""
    bonus = 0.0
    pairs = _pairs()
    for ch in text:
        if _is_han(ch):
            simple = _simple(ch)
            if last and last + simple in pairs:
                bonus += _PAIR_BONUS
            last = simple
        else:
            last = ""
    return bonus, last


# A state of the search: the lead byte left pending (None if none) and the last Han character
# read (Simplified, for the pair bonus). A plain tuple: the search makes one per reading tried.
_State = tuple[int | None, str]


# A step into a state: (cost of the whole path up to and including this character, the state
# before, the text read, the bytes dropped). A plain tuple too.
_Step = tuple[float, _State, str, int]


@lru_cache(maxsize=4096)
def _byte_forms(ch: str) -> tuple[tuple[bytes, float], ...]:
    """The GBK bytes a character of the damaged text may stand for, each with what it costs.

    Its own bytes; for a half-width mark also the full-width one it may have been folded from.
    None for a character GBK cannot write.
    """
    data = _gbk(ch)
    if data is not None:
        return ((data, 0.0),)
    if ch >= "\x80":
        return ()
    if ord(ch) in _FOLDED:
        return ((ch.encode(), 0.0), (_FOLDED[ord(ch)], _FOLD_COST))
    return ((ch.encode(), 0.0),)


_ANNOTATION_AFTER = re.compile(f"[(（]([{_PINYIN_LETTERS}]{{1,7}})[)）]")
_ANNOTATION_BEFORE = re.compile(f"(.)[(（][{_PINYIN_LETTERS}]{{1,7}}[)）]$")


def _readings_after(line: str) -> dict[int, str]:
    """For each character followed by an inserted reading: the reading."""
    if "(" not in line and "（" not in line:
        return {}
    return {m.start() - 1: m.group(1) for m in _ANNOTATION_AFTER.finditer(line) if m.start() > 0}


# The decoder's mark for a lost byte: `?` or U+FFFD, or `?` followed by what is left of a reading
# whose `(` the broken byte swallowed (`因?yàn)槲覀`).
_LOSS_MARK = re.compile(f"[?\ufffd](?:[{_PINYIN_LETTERS}]{{1,7}}\\))?")


def _after_loss_marks(line: str) -> set[int]:
    """Positions right after a loss mark."""
    if "?" not in line and "\ufffd" not in line:
        return set()
    return {m.end() for m in _LOSS_MARK.finditer(line)}


def _prune(states: dict[_State, _Step]) -> dict[_State, _Step]:
    """The states worth going on from: the cheapest few (a beam), none dominated by another.

    Two states with the same byte pending differ only in the last character read, which is
    worth at most one pair bonus on the next character: after it, their paths read alike. A
    state dearer than another with the same byte pending by more than that bonus can never be
    on the best path, and is dropped rather than take a place in the beam (the beam is then
    often two states, not four).
    """
    cheapest: dict[int | None, float] = {}
    for (pending, _), step in states.items():
        if pending not in cheapest or step[0] < cheapest[pending]:
            cheapest[pending] = step[0]
    kept = {key: step for key, step in states.items() if step[0] <= cheapest[key[0]] + _PAIR_BONUS}
    if len(kept) > _BEAM:
        kept = dict(sorted(kept.items(), key=lambda item: item[1][0])[:_BEAM])
    return kept


def _misaligned_repairs(line: str) -> list[Repair]:
    """Find the best GBK byte alignment of the line and keep where it differs from the text.

    A Viterbi search over the line's GBK bytes: at each character the state is the byte left
    pending (or none) and the last character read. Reading a character costs its rarity, a
    known word pair and a confirming inserted reading earn a bonus, and dropping a byte costs as
    much as a rare character, so the text as it stands wins unless a shifted reading is clearly
    better Chinese.
    """
    n = len(line)
    annotated = _readings_after(line)
    marked = _after_loss_marks(line)
    history: list[dict[_State, _Step]] = []
    current: dict[_State, _Step] = {(None, ""): (0.0, (None, ""), "", 0)}
    # The inner loop runs once per character, state and reading: a step is made only when it
    # beats the one already kept for its state.
    for i, ch in enumerate(line):
        nxt: dict[_State, _Step] = {}
        drop = _LOST_AFTER_MARK if i in marked or ch in "?\ufffd" else _LOST_BYTE
        reading = annotated.get(i)
        forms = _byte_forms(ch)
        if not forms:
            # A character GBK cannot write ends every misreading.
            char_cost = cost(ch)
            for state, step in current.items():
                total = step[0]
                lost = int(state[0] is not None)
                bonus, last = _pair_bonus(state[1], ch)
                key: _State = (None, last)
                path_cost = total + char_cost + lost * drop - bonus
                kept = nxt.get(key)
                if kept is None or path_cost < kept[0]:
                    nxt[key] = (path_cost, state, ch, lost)
        else:
            full_width = chr(ord(ch) + 0xFEE0)
            for state, step in current.items():
                total = step[0]
                pending, last_read = state
                for rep, extra in forms:
                    for text, pend, lost, c in _parses(pending, rep, drop):
                        if extra and full_width in text:
                            continue  # a folded mark read back as itself is no repair
                        if text:
                            bonus, last = _pair_bonus(last_read, text)
                            if reading and _is_reading(text[-1], reading):
                                bonus += _READING_BONUS
                        else:
                            bonus, last = 0.0, last_read
                        key = (pend, last)
                        path_cost = total + extra + c - bonus
                        kept = nxt.get(key)
                        if kept is None or path_cost < kept[0]:
                            nxt[key] = (path_cost, state, text, lost)
        if len(nxt) > 1:
            nxt = _prune(nxt)
        history.append(nxt)
        current = nxt
    if not history:
        return []
    final = {key: step[0] + (_LOST_BYTE if key[0] is not None else 0.0) for key, step in current.items()}
    state = min(final, key=lambda key: final[key])
    path: list[tuple[_State, _Step]] = []
    for i in range(n - 1, -1, -1):
        step = history[i][state]
        path.append((state, step))
        state = step[1]
    path.reverse()
    # (A character read as it stands, aligned before and after: not part of any repair.)
    same = [
        previous[0] is None and after[0] is None and text == line[i]
        for i, (after, (_, previous, text, _)) in enumerate(path)
    ]
    repairs = []
    i = 0
    while i < n:
        if same[i]:
            i += 1
            continue
        start = i
        while i < n and not same[i]:
            i += 1
        text = "".join(path[k][1][2] for k in range(start, i))
        lost = sum(path[k][1][3] for k in range(start, i))
        path_cost = path[i - 1][1][0] - (path[start - 1][1][0] if start else 0.0)
        if i == n and path[-1][0][0] is not None:
            lost += 1
            path_cost += _LOST_BYTE
        left = path[start - 1][0][1] if start else ""
        repair = _misaligned_repair(line, start, i, text, lost, _score(line, start, i, left, annotated) - path_cost)
        if repair is not None:
            repairs.append(repair)
    return repairs


def _score(line: str, start: int, end: int, last: str, annotated: dict[int, str]) -> float:
    """What the Viterbi search charges for reading `line[start:end]` as it stands."""
    total = 0.0
    for i in range(start, end):
        ch = line[i]
        bonus, last = _pair_bonus(last, ch)
        if i in annotated and _is_reading(ch, annotated[i]):
            bonus += _READING_BONUS
        total += cost(ch) - bonus
    return total


def _misaligned_repair(line: str, start: int, end: int, text: str, lost: int, gain: float) -> Repair | None:
    """Accept a realigned stretch if it reads as Chinese; mark the characters it cannot vouch for.

    A misaligned decoder also drops the byte pairs it cannot decode (GBK's user-defined areas),
    taking two bytes of two different characters with them; read back, the bytes on either side
    of the gap join into a character that was never there. Such a character forms no word with
    its neighbours, so a restored character that forms none is replaced by U+FFFD and reported
    rather than kept: no character is invented. A reading inserted after a character (`現(xiàn)`)
    vouches for it too.
    """
    if gain <= 0.5:
        return None
    # Neighbours for the word check, looking past inserted readings.
    m = _ANNOTATION_BEFORE.search(line, max(0, start - 10), start)
    left = m.group(1) if m else line[start - 1] if start > 0 else ""
    after = _ANNOTATION_AFTER.match(line, end)
    right_at = after.end() if after else end
    right = line[right_at] if right_at < len(line) else ""
    marks = supported(left + text + right)[len(left) : len(left) + len(text)]
    vouched = 0
    if after:
        last = max((k for k, ch in enumerate(text) if _is_han(ch)), default=-1)
        if last >= 0 and _is_reading(text[last], after.group(1)):
            marks[last] = True
            vouched = 1
    han = [ok for ch, ok in zip(text, marks) if _is_han(ch)]
    good = sum(han)
    if len(han) == 1 and not vouched:
        # One character alone must form a word with the text on either side of the stretch.
        ch = _simple(next(c for c in text if _is_han(c)))
        pairs = _pairs()
        if _simple(left) + ch not in pairs and ch + _simple(right) not in pairs:
            return None
    elif good < 2 - vouched or good * 2 < len(han):
        return None
    junk = sum(1 for c in text if c >= "\x80" and not _is_han(c) and c not in _CHINESE_MARKS)
    if junk * 5 > len(text):
        return None
    unsure = len(han) - good
    if unsure:
        text = "".join(ch if ok or not _is_han(ch) else "\ufffd" for ch, ok in zip(text, marks))
    # Characters the realigned stretch shares with the damaged one at either end are not the
    # repair's: left out of the edit, the record says exactly what it wrote.
    damaged = line[start:end]
    head, tail = common_ends(text, damaged)
    if head == len(text) == len(damaged):
        return None
    return Repair(start + head, end - tail, text[head : len(text) - tail], "gbk-misaligned", gain, lost + unsure)


# --- kind 5: pinyin after a character -------------------------------------------------------------

_TONES = str.maketrans(PINYIN_TONE_LETTERS, "aaaaeeeeiiiioooouuuuüüüünnnm")


# A reading after its character; the standard `re` engine scans for it at C speed (the class is
# written out as code point ranges).
_ANNOTATION = re.compile(f"([{HAN}])([(（])([{_PINYIN_LETTERS}]{{1,7}})([)）])")


@lru_cache(maxsize=65536)
def _is_reading(ch: str, text: str) -> bool:
    readings = tables().readings.get(ch)
    if not readings:
        return False
    if text in readings:
        return True
    # A reading written without tone marks (`fa`, `lv`) counts as one too.
    plain = text.replace("v", "ü")
    if plain != plain.translate(_TONES):
        return False
    return any(r.translate(_TONES) == plain for r in readings)


def _annotation_edits(masked: str) -> list[Edit]:
    edits = []
    for m in _ANNOTATION.finditer(masked):
        if _is_reading(m.group(1), m.group(3)):
            edits.append(Edit(m.start(2), m.end(4), "", "pinyin"))
    return edits


# --- the step -----------------------------------------------------------------------------------


# How far a misaligned run is looked for after a loss mark, or before a realigning byte.
_WINDOW = 40


def _shift_windows(line: str) -> list[tuple[int, int]]:
    """Stretches of the line around the hints of a misalignment, merged where they overlap.

    A stretch where every character is a common one is passed over: a misaligned run is made
    of characters picked by byte pairs at random, and holds a rare one or a symbol.
    """
    windows: list[tuple[int, int]] = []
    hints = sorted([(m, True) for m in _SHIFT_START.finditer(line)] + [(m, False) for m in _SHIFT_END.finditer(line)], key=lambda h: h[0].start())
    for m, at_start in hints:
        if at_start:
            a, b = m.start(), min(len(line), m.end() + _WINDOW)
            stretch = line[m.end() - 1 : b]
            if stretch[:1] not in "!,:;()" and all(_plain(ch) for ch in stretch[:6]):
                continue
        else:
            a, b = max(0, m.start() - _WINDOW), m.end()
            if all(_plain(ch) for ch in line[max(a, m.start() - 6) : m.start()]):
                continue
        if windows and a <= windows[-1][1]:
            windows[-1] = (windows[-1][0], max(b, windows[-1][1]))
        else:
            windows.append((a, b))
    return windows


@lru_cache(maxsize=65536)
def _plain(ch: str) -> bool:
    """A character no misreading is needed to explain: ASCII, a Chinese mark, a common character."""
    return ch < "\x80" or cost(ch) <= _MARK or (_is_han(ch) and zipf(ch) >= 4.0)


_line_starts = line_starts


def _flagged_lines(text: str, starts: Sequence[int]) -> list[int]:
    """The numbers of the lines any pre-check matches, found at C speed over the whole text."""
    from bisect import bisect_right

    found: set[int] = set()
    for pattern in (_LATIN_HINT, _CODE_PAGE_HINT, _suspect(), _SHIFT_START, _SHIFT_END, _LOSS_MARKS):
        for m in pattern.finditer(text):
            found.add(bisect_right(starts, m.start()))
    return sorted(found)


def _pre_checked(text: str) -> bool:
    return any(p.search(text) for p in (_LATIN_HINT, _CODE_PAGE_HINT, _suspect(), _SHIFT_START, _SHIFT_END, _LOSS_MARKS))


class Leftover(NamedTuple):
    """Damage of a known kind that the step left as it is: `line[start:end]`."""

    start: int
    end: int
    rule: str
    stretches: int


def _line_repairs(line: str) -> tuple[list[Repair], list[Leftover]]:
    candidates: list[Repair] = []
    if _LATIN_HINT.search(line) or _CODE_PAGE_HINT.search(line):
        candidates += _latin_repairs(line)
    if _suspect().search(line):
        if _dense().search(line):
            candidates += _utf8_repairs(line)
        candidates += _swap_repairs(line)
    for a, b in _shift_windows(line):
        candidates += [r._replace(start=r.start + a, end=r.end + a) for r in _misaligned_repairs(line[a:b])]
    chosen: list[Repair] = []
    for r in sorted(candidates, key=lambda r: -r.gain):
        if all(r.end <= c.start or c.end <= r.start for c in chosen):
            chosen.append(r)
    return _all_or_none(line, sorted(chosen))


# What a Big5/GBK misreading leaves beside rare characters: kana, box drawing, Greek and
# Cyrillic letters, bopomofo, and the user-defined areas (Private Use).
_ODD = re.compile("[\u0370-\u04ff\u2500-\u257f\u3040-\u30ff\u3100-\u312f\ue003-\uf8ff]")


def _all_or_none(line: str, chosen: list[Repair]) -> tuple[list[Repair], list[Leftover]]:
    """A line converted from the other code page is converted whole, or not at all.

    A field saved in the wrong code page is damaged from end to end; where some stretches of it
    were converted, every other stretch of the line that the same conversion maps and that does
    not read as Chinese as it stands (`┬丁` beside `硬體`) is the same damage. It is converted
    too if it then reads better; if any such stretch cannot be read, none is converted, and every
    stretch is reported: half a repaired line would hide that the rest is damage.
    """
    leftovers: list[Leftover] = []
    for source, target, rule in _SWAPS:
        mine = [r for r in chosen if r.rule == rule]
        if not mine:
            continue
        siblings = [
            (a, b)
            for a, b in _swap_stretches(line, source, target)
            if all(b <= c.start or c.end <= a for c in chosen)
            and (_ODD.search(line, a, b) or _suspect().search(line, a, b))
            and not reads_as_chinese(line[a:b], min_han=1)
        ]
        extra = []
        for a, b in siblings:
            before = line[a:b]
            after = "".join(_swap(c, source, target) or "" for c in before)
            # The line is known to be damaged this way: a stretch needs to read better, with
            # half its characters in words (`台空調`, cut off by the `3` of `共3台`).
            if text_cost(after) * 2 < text_cost(before) and _half_words(after):
                extra.append(Repair(a, b, after, rule, text_cost(before) - text_cost(after), 0))
        if len(extra) == len(siblings):
            chosen = sorted(chosen + extra)
        else:
            chosen = [r for r in chosen if r.rule != rule]
            spans = [(r.start, r.end) for r in mine] + siblings
            first, last = min(a for a, _ in spans), max(b for _, b in spans)
            leftovers.append(Leftover(first, last, rule, len(spans)))
    return chosen, sorted(leftovers)


def _half_words(text: str) -> bool:
    han = [ok for ch, ok in zip(text, supported(text)) if _is_han(ch)]
    junk = sum(1 for c in text if c >= "\x80" and not _is_han(c) and c not in _CHINESE_MARKS)
    return sum(han) >= 1 and sum(han) * 2 >= len(han) and junk * 5 <= len(text)


def _swap_stretches(line: str, source: str, target: str) -> Iterator[tuple[int, int]]:
    """Maximal stretches of double-byte characters that the conversion maps, one by one."""
    return _runs(line, lambda ch: ch >= "\x80" and ch not in PLACEHOLDERS and _swap(ch, source, target) is not None)


# --- Latin mojibake left unrepaired, and the house style's marks ----------------------------------

# A UTF-8 lead byte read as Latin-1/cp1252 (`å`, `ä`, `ð`), then continuation bytes read the same
# way (`…` is 0x85, `—` 0x97), then an ellipsis of dots if any: UTF-8 whose bytes were cut off
# (`å…`: `E5 85`, the third byte of `充` lost) or a character too rare to repair (`ä¸…`, `丅`).
# The `punctuation` step doubles an ellipsis or a dash at its end (`…` -> `……`, `...` -> `……`),
# which hands it one byte more: a second run would then read a character the first did not
# (`å…` -> `å……` -> `充`).
_CONTINUATION = "\x80-\xbf" + re.escape("".join(c for c in _CP1252 if c > "\xff"))
_LEFTOVER = re.compile(f"[\xc2-\xf4][{_CONTINUATION}\xc2-\xf4]*(?:\\.{{3,}}|。{{3,}}|[\"'])?")
_LEFTOVER_HINT = re.compile(f"[\xc2-\xf4](?=[{_CONTINUATION}\xc2-\xf4]*(?:[…—\"']|\\.\\.\\.|。。。))")
# The marks the house style writes otherwise, and how: an ellipsis or a dash doubled, and a
# straight quote curled (`“` is 0x93, `”` 0x94: continuation bytes too), either way round.
_HOUSE_MARKS = re.compile("…+|—+|\\.{3,}$|。{3,}$")
_HOUSE_FORMS = {"…": "……", "—": "——", ".": "……", "。": "……"}
_CURLED = {'"': "“”", "'": "‘’"}


def _leftover_marks(line: str) -> list[Leftover]:
    """Unrepaired Latin mojibake that the house forms of its marks would make repairable.

    Clean Latin text has the same characters (`café…`, `Non è… facile`): a stretch counts as
    damage only where this step would repair it once its marks were written in the house style
    (`å……` is `充`; `é……` is the rare `酅`, and `café…` stays text). The stretch is then left as
    it is, reported, and protected, so that no later step completes it.
    """
    found = []
    for m in _LEFTOVER.finditer(line):
        text = m.group()
        house = _HOUSE_MARKS.sub(lambda mark: _HOUSE_FORMS[mark.group()[0]], text)
        # A quote may be curled either way, or left straight (`punctuation` leaves an unbalanced
        # quote as it is) while the marks before it are doubled.
        forms = [house[:-1] + q for q in _CURLED[house[-1]]] + [house] if house[-1] in _CURLED else [house]
        if len(text.rstrip("\"'")) < 2 or forms == [text]:
            continue  # a lone `é` or `ð` is a letter; no mark, nothing the house style changes
        a, b = m.span()
        if not any(
            any(r.start < a + len(form) and a < r.end for r in _latin_repairs(line[:a] + form + line[b:]))
            for form in forms
        ):
            continue
        rule = "latin-cut" if _cut_short(text.rstrip("\"'")) else "latin-rare"
        found.append(Leftover(a, b, rule, 1))
    return found


def _cut_short(text: str) -> bool:
    """Whether the Latin-1/cp1252 bytes of `text`, up to its dots, end inside a UTF-8 character."""
    data = _latin_bytes(text.rstrip(".。"))
    if data is None:
        return False
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(data, final=False)
    except UnicodeDecodeError:
        return False
    return decoder.getstate()[0] != b""


_KIND_NAMES = {
    "latin": "UTF-8 read as a single-byte code page",
    "gbk-read-as-latin1": "GBK read as Latin-1/cp1252",
    "utf8-read-as-gbk": "UTF-8 read as GBK",
    "gbk-read-as-big5": "GBK read as Big5",
    "big5-read-as-gbk": "Big5 read as GBK",
    "gbk-misaligned": "GBK byte misalignment",
    "latin-cut": "UTF-8 read as Latin-1/cp1252, cut short: the last bytes of a character are lost",
    "latin-rare": "UTF-8 read as Latin-1/cp1252, a character too rare to repair with confidence",
}


def mojibake(doc: Document, options: object = None) -> Document:
    """Repair mis-decoded text; report what cannot be repaired.

    >>> mojibake(Document(body="鍥犱负鎴戜滑發(fā)展")).body
    '因为我们發展'
    """
    doc = doc.with_spans()
    masked = _masked(doc)
    edits: list[Edit] = []
    warnings: list[tuple[str, int, str, str]] = []
    starts = _line_starts(masked) if _pre_checked(masked) else []
    for number in _flagged_lines(masked, starts) if starts else ():
        offset = starts[number - 1]
        end = masked.find("\n", offset)
        line = masked[offset : end if end != -1 else len(masked)]
        repairs, leftovers = _line_repairs(line)
        for left in leftovers:
            message = (
                f"{_KIND_NAMES[left.rule]}: {left.stretches} damaged stretches here, not all of them"
                " readable, so none was converted"
            )
            warnings.append((left.rule, number, message, doc.body[offset + left.start : offset + left.end]))
        for r in repairs:
            edits.append(Edit(offset + r.start, offset + r.end, r.replacement, r.rule))
            if r.lost:
                message = f"{_KIND_NAMES[r.rule]}: {r.lost} character(s) lost here; the rest was repaired"
                warnings.append((r.rule, number, message, doc.body[offset + r.start : offset + r.end]))
        for m in _LOSS_MARKS.finditer(line):
            at = offset + m.start()
            # A mark right after a repair stands for the character that repair reported lost.
            if not any(e.start <= at <= e.end for e in edits):
                warnings.append(("lost", number, "unrecoverable: bytes were lost before this text was saved", m.group()))
    if edits:
        doc = _repaired(doc, edits)
    elif _PINYIN_HINT.search(doc.body) and (readings := _annotation_edits(_masked(doc))):
        doc = doc.edit(STEP, readings, keep_spans=False, kind=REPAIR).replace(spans=None).with_spans()
    if _C1.search(doc.body):
        doc = doc.edit(STEP, _c1_edits(doc.masked()), kind=REPAIR)
    if _LEFTOVER_HINT.search(doc.body):
        doc, cut = _protect_leftover_marks(doc)
        warnings += cut
    for rule, number, message, text in sorted(warnings, key=lambda w: w[1]):
        doc = doc.warn(STEP, rule, number, message, text)
    return doc


def _repaired(doc: Document, edits: list[Edit], one_search: bool = True) -> Document:
    """The repairs made, then the readings inserted after characters removed, and the spans found
    for the result.

    Repaired text may read differently to the span finder (`槟銢](méi)` looked like a link target
    until `槟銢]` became `你沒`), so the readings are looked for in the repaired text masked with
    its own spans, and the spans are found again after they are removed: two searches of the
    whole text (a third of the step's time on the damaged Traditional sample). One does: the
    readings are looked for with the spans the repairs moved, less those that touch a repair,
    and the outcome is kept where nothing shows it could differ. It could where a removed
    reading touches a span of the result (the spans found first might have held it), where the
    result still shows a reading (a moved span hid one), or where the text has protected terms
    (removing a reading can join the two halves of one); then the two searches are made.
    """
    if one_search and not doc.protected_terms:
        # A span touching a repair may read differently after it (the link target above): it
        # masks nothing here.
        places = sorted((e.start, e.end) for e in edits)
        moved = tuple(
            span
            for span in doc.protected()
            if span.kind != "inline-damage" and not _touches(places, span.start, span.end)
        )
        repaired = doc.replace(spans=moved).edit(STEP, edits, kind=REPAIR)
        readings = _annotation_edits(_masked(repaired)) if _PINYIN_HINT.search(repaired.body) else []
        result = repaired.edit(STEP, readings, keep_spans=False, kind=REPAIR).replace(spans=None).with_spans()
        if _clear_of_spans(readings, result.protected()) and not (
            _PINYIN_HINT.search(result.body) and _annotation_edits(_masked(result))
        ):
            return result
    fresh = doc.edit(STEP, edits, keep_spans=False, kind=REPAIR).replace(spans=None).with_spans()
    if _PINYIN_HINT.search(fresh.body) and (readings := _annotation_edits(_masked(fresh))):
        fresh = fresh.edit(STEP, readings, keep_spans=False, kind=REPAIR).replace(spans=None).with_spans()
    return fresh


def _touches(places: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether any of the sorted, non-overlapping `places` overlaps or borders `[start, end]`."""
    k = bisect.bisect_left(places, (start, start))
    return any(a <= end and start <= b for a, b in places[max(0, k - 1) : k + 1])


def _clear_of_spans(removed: list[Edit], spans: tuple[Span, ...]) -> bool:
    """Whether no span (sorted, non-overlapping) touches a place where a `removed` stretch was."""
    shift = 0
    k = 0
    for e in sorted(removed):
        place = e.start - shift
        shift += e.end - e.start
        while k < len(spans) and spans[k].end < place:
            k += 1
        if k < len(spans) and spans[k].start <= place:
            return False
    return True


def _protect_leftover_marks(doc: Document) -> tuple[Document, list[tuple[str, int, str, str]]]:
    """Find unrepaired Latin mojibake ending in a mark the house style rewrites, in the text as
    this step leaves it (C1 controls shown as cp1252), and protect it from the later steps.

    Looked for last, so a second run, given that text, finds the same stretches.
    """
    doc = doc.with_spans()
    masked = _masked(doc)
    spans = []
    warnings = []
    for number, offset, line in _lines(masked):
        if not _LEFTOVER_HINT.search(line):
            continue
        for left in _leftover_marks(line):
            start, end = offset + left.start, offset + left.end
            spans.append(Span(start, end, "inline-damage"))
            message = f"{_KIND_NAMES[left.rule]}; left as it is, its marks unchanged"
            warnings.append((left.rule, number, message, doc.body[start:end]))
    if spans:
        doc = doc.replace(spans=tuple(sorted([*doc.protected(), *spans])))
    return doc, warnings
