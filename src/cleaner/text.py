"""The text toolkit every step shares: character classes, the line index, the data-file loader.

One definition of each, so the steps cannot disagree about what a Han character is, where a line
starts, or how safely a rule file is read.

Character classes are written as the inside of a character class (`"\\u4e00-\\u9fff..."`), which
reads the same in the standard `re` module and in `regex`: steps that scan every line use `re`
(it runs simple classes about three times faster), the others `regex`; both take the same text.

>>> HAN_RE.findall("Meta发布了Llama 3。〇々")
['发', '布', '了', '〇', '々']
>>> is_cjk("か"), is_cjk("한"), is_cjk("A")
(True, True, False)
>>> LineIndex("ab\\ncd\\n").position(4)
(2, 2)
"""

from __future__ import annotations

import re
import sys
from array import array
from bisect import bisect_right
from collections.abc import Sequence
from typing import Any

import regex
import yaml

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = [
    # character classes
    "CJK", "CJK_RE", "CJK_SPACING", "CJK_WIDE", "HAN", "HAN_PROPERTY", "HAN_RE", "HANGUL", "KANA",
    "PINYIN_LETTERS", "PINYIN_TONE_LETTERS", "PINYIN_TONED_VOWELS", "SENTENCE_END",
    "han_characters", "han_count", "is_cjk", "spell_han",
    # the line index
    "LineIndex", "line_starts",
    # the data-file loader
    "MAX_DEPTH", "STR_TAG", "SURROGATE", "NoAliasSafeLoader", "TOMLDecodeError", "compose_yaml",
    "join_surrogates", "load_toml", "load_yaml",
]

# --- character classes -----------------------------------------------------------------------

# A Han character: the Unicode Han script (the `regex` module's `HAN_PROPERTY`, Unicode 17), block
# by block. `tests/test_text.py` checks this list against that property on every code point, so a newer
# Unicode shows up as a failing test, not as two steps disagreeing.
HAN = (
    "\u2e80-\u2e99\u2e9b-\u2ef3"  # CJK Radicals Supplement (2E80-2EFF), its assigned part
    "\u2f00-\u2fd5"  # Kangxi Radicals (2F00-2FDF)
    "\u3005\u3007\u3021-\u3029\u3038-\u303b"  # 々 〇, Hangzhou numerals 〡-〩, 〸-〻 (CJK Symbols)
    "\u3400-\u4dbf"  # CJK Unified Ideographs Extension A
    "\u4e00-\u9fff"  # CJK Unified Ideographs
    "\uf900-\ufa6d\ufa70-\ufad9"  # CJK Compatibility Ideographs (F900-FAFF), assigned part
    "\U00016fe2\U00016fe3\U00016ff0-\U00016ff6"  # Ideographic Symbols and Punctuation, Han part
    "\U00020000-\U0002a6df"  # Extension B
    "\U0002a700-\U0002b81e"  # Extensions C and D
    "\U0002b820-\U0002cead"  # Extension E
    "\U0002ceb0-\U0002ebe0"  # Extension F
    "\U0002ebf0-\U0002ee5d"  # Extension I
    "\U0002f800-\U0002fa1d"  # CJK Compatibility Ideographs Supplement
    "\U00030000-\U0003134a"  # Extension G
    "\U00031350-\U00033479"  # Extensions H and J
)
HAN_RE = re.compile(f"[{HAN}]")
# How rule data (boilerplate rule patterns) writes a Han character: the `regex` module's property.
HAN_PROPERTY = "\\p{Han}"


def spell_han(pattern: str) -> str:
    """A pattern with each `HAN_PROPERTY` written as `HAN`'s ranges, so `re` reads it too.

    >>> spell_han(HAN_PROPERTY + "+") == f"[{HAN}]+"
    True
    """
    if HAN_PROPERTY not in pattern:
        return pattern
    out = []
    i = 0
    in_class = False
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            if pattern.startswith(HAN_PROPERTY, i):
                out.append(HAN if in_class else f"[{HAN}]")
                i += len(HAN_PROPERTY)
            else:
                out.append(pattern[i : i + 2])
                i += 2
            continue
        out.append(char)
        i += 1
        if char == "[" and not in_class:
            in_class = True
            for literal in ("^", "]"):  # a leading ^ negates, a leading ] is a literal
                if pattern.startswith(literal, i):
                    out.append(literal)
                    i += 1
        elif char == "]" and in_class:
            in_class = False
    return "".join(out)

KANA = "\u3040-\u30ff"  # Hiragana and Katakana
HANGUL = "\uac00-\ud7af"  # Hangul Syllables
# CJK for spacing and punctuation: text set without spaces between its characters, whose
# neighbours take full-width marks (Han, kana, Hangul).
CJK = HAN + KANA + HANGUL
CJK_RE = re.compile(f"[{CJK}]")
# CJK for the spaces between it and Latin text, as pangu counts it: `CJK`, the radical blocks
# whole (2E80-2FDF), Bopomofo and its extension (3100-312F, 31A0-31BF), and Enclosed CJK Letters
# and Months (3200-32FF: `㈱`, `㊤`).
CJK_SPACING = CJK + "\u2e80-\u2fdf\u3100-\u312f\u31a0-\u31bf\u3200-\u32ff"
# The wide area where a mis-decoded CJK text lands: CJK Symbols and Punctuation through the CJK
# Unified Ideographs (3000-9FFF: marks, kana, bopomofo, Hangul Jamo compatibility, Han) and the
# Halfwidth and Fullwidth Forms (FF00-FFEF).
CJK_WIDE = "\u3000-\u9fff\uff00-\uffef"

# The placeholders of the masked view (`cleaner.protect`): a protected span's characters, a
# code or HTML block's, and Markdown markup's. Private-use characters, which text never holds.
ATOM = "\ue000"
BLOCK = "\ue001"
MARKUP = "\ue002"
PLACEHOLDERS = ATOM + BLOCK + MARKUP

# A full stop written as `.` in Chinese text (`punctuation`'s `period` rule): after CJK, or after
# a closing quote or bracket right after CJK, in either width (so that the quote rules'
# conversions never change the answer). Not before a letter, digit or `_ / \ @ -` (`八字.jpg`,
# `中文.com`: a name, not a sentence), another dot (`好..`, an ellipsis), `。` or `…`, or a
# protected span; not after a Chinese numeral that opens a line (`一. 总则`, a list number
# whose mark the author chose), nor after a byline's role standing alone (`文.李四`, `图.新华社`:
# text, picture by).
FULL_STOP = re.compile(
    f"\\.(?:(?<=[{CJK}]\\.)|(?<=[{CJK}][\"'”’)）》」』】]\\.))"
    f"(?![.。…．0-9A-Za-z_/\\\\@\\-{ATOM}])"
    "(?<!^[一二三四五六七八九十]\\.)(?<!^[一二三四五六七八九十]{2}\\.)(?<!^[一二三四五六七八九十]{3}\\.)"
    "(?<!^[文图摄译编]\\.)(?<![ \\t)）][文图摄译编]\\.)",
    re.M,
)
# A `?` or `!` right after CJK or a Chinese mark: `punctuation`'s lone-mark and run rules make it
# full-width.
_SENTENCE_END_AFTER_CHINESE = re.compile(f"(?<=[{CJK}，。、；：？！])[?!](?!\\[)")
_FULL_WIDTH_END = {"?": "？", "!": "！"}


def sentence_marks(text: str) -> str:
    """`text` with its sentence-ending marks as `punctuation` leaves them (`一.` → `一。`, `好?`
    → `好？`), for a step that judges a line before that step runs: the boilerplate classifier
    must read a second run's `一。？` as it read the first run's `一.?`."""
    if "." in text:
        text = FULL_STOP.sub("。", text)
    if "?" in text or "!" in text:
        text = _SENTENCE_END_AFTER_CHINESE.sub(lambda m: _FULL_WIDTH_END[m.group()], text)
    return text


def common_ends(a: Sequence[Any], b: Sequence[Any]) -> tuple[int, int]:
    """How many items `a` and `b` share at their start, and then at their end (not counting
    the start's again): what an edit or a diff can leave out."""
    shortest = min(len(a), len(b))
    head = 0
    while head < shortest and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < shortest - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    return head, tail


# Pinyin: the vowels with a tone mark (macron, acute, caron, grave; ü with each), then the
# syllabic n and m with one; a syllable's letters are these, a-z, and `ê` `ü` unmarked.
PINYIN_TONED_VOWELS = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
PINYIN_TONE_LETTERS = PINYIN_TONED_VOWELS + "ńňǹḿ"
PINYIN_LETTERS = "a-zêü" + PINYIN_TONE_LETTERS  # the inside of a character class
# Marks that end a sentence, full-width and half-width (`．` is the full-width full stop).
SENTENCE_END = "。！？!?．…"


def is_cjk(char: str) -> bool:
    """Whether one character is in `CJK` (the common ideographs tested first, for speed)."""
    return "\u4e00" <= char <= "\u9fff" or CJK_RE.match(char) is not None


_HAN_RUN = re.compile(f"[{HAN}]+")


def han_characters() -> list[str]:
    """Every Han character, in code point order (about 100,000)."""
    return HAN_RE.findall("".join(map(chr, range(0x2E80, 0x33480))))


def han_count(text: str) -> int:
    """The number of Han characters in a text.

    >>> han_count("Llama 3的登场")
    3
    """
    return sum(map(len, _HAN_RUN.findall(text)))


# --- the line index --------------------------------------------------------------------------


def line_starts(text: str) -> array[int]:
    """The offset where each line starts: 0, and one past every `\\n`.

    An array of 64-bit numbers, not a list: a list holds an int object per line besides its
    pointer, five times the array, and a document of short lines has many.

    >>> line_starts("a\\nbc\\n").tolist()
    [0, 2, 5]
    """
    starts = array("q", (0,))
    add = starts.append
    find = text.find
    newline = find("\n")
    while newline != -1:
        add(newline + 1)
        newline = find("\n", newline + 1)
    return starts


class LineIndex:
    """Offsets to (line, column), both 1-based, for one text."""

    __slots__ = ("starts",)

    def __init__(self, text: str) -> None:
        self.starts = line_starts(text)

    def line(self, offset: int) -> int:
        """The 1-based line an offset is on."""
        return bisect_right(self.starts, offset)

    def position(self, offset: int) -> tuple[int, int]:
        """The 1-based (line, column) of an offset."""
        line = bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1] + 1


# --- the data-file loader --------------------------------------------------------------------

TOMLDecodeError = tomllib.TOMLDecodeError


def load_toml(text: str) -> dict[str, Any]:
    """Read TOML (`tomllib`, or `tomli` on Python 3.10). Raises `TOMLDecodeError`."""
    return tomllib.loads(text)


MAX_DEPTH = 32
STR_TAG = "tag:yaml.org,2002:str"


class NoAliasSafeLoader(yaml.SafeLoader):
    """PyYAML's safe loader with aliases refused (no "billion laughs"), nesting bounded, keys
    taken as the text they are written as, duplicate keys refused."""

    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.YAMLError(
                f"aliases are not allowed (*{event.anchor}) at line {event.start_mark.line + 1}"
            )
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise yaml.YAMLError(f"nested deeper than {MAX_DEPTH} levels at line {mark.line + 1}")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        # A key is a field name: take it as written, so `on:` or `2024:` is not True or 2024.
        if isinstance(node, yaml.MappingNode):
            self.flatten_mapping(node)
            seen: dict[str, int] = {}
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if isinstance(key_node, yaml.ScalarNode):
                    key: Any = join_surrogates(key_node.value, key_node.start_mark)
                else:
                    key = self.construct_object(key_node, deep=deep)
                if isinstance(key, str) and key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"key {key!r} appears twice (lines {seen[key] + 2} and "
                        f"{key_node.start_mark.line + 2} of the file)", key_node.start_mark,
                    )
                if isinstance(key, str):
                    seen[key] = key_node.start_mark.line
                try:
                    hash(key)
                except TypeError:
                    raise yaml.constructor.ConstructorError(
                        None, None, "a key must be a plain value", key_node.start_mark
                    ) from None
                result[key] = self.construct_object(value_node, deep=deep)
            return result
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_int(self, node: Any) -> Any:
        # Python refuses to read an integer of more than 4,300 digits (a guard against slow
        # conversion): a front matter error on its line, not an exception from the loader.
        try:
            return super().construct_yaml_int(node)
        except ValueError:
            raise yaml.constructor.ConstructorError(
                None, None, f"a number of {len(node.value):,} characters is too long to read", node.start_mark
            ) from None

    def construct_yaml_str(self, node: Any) -> Any:
        return join_surrogates(super().construct_yaml_str(node), node.start_mark)

    def construct_yaml_timestamp(self, node: Any) -> Any:
        # `date: 2025-13-45` looks like a timestamp but is none: keep the text, so validation
        # can say what is wrong with it instead of the loader failing on it.
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:
            return node.value


NoAliasSafeLoader.add_constructor("tag:yaml.org,2002:timestamp", NoAliasSafeLoader.construct_yaml_timestamp)
NoAliasSafeLoader.add_constructor("tag:yaml.org,2002:int", NoAliasSafeLoader.construct_yaml_int)
NoAliasSafeLoader.add_constructor(STR_TAG, NoAliasSafeLoader.construct_yaml_str)

_SURROGATE_PAIR = regex.compile("([\ud800-\udbff])([\udc00-\udfff])")
SURROGATE = regex.compile("[\ud800-\udfff]")


def join_surrogates(text: str, mark: Any = None) -> str:
    """A string with escaped surrogate pairs (`"\\ud840\\udc00"`, as JSON serialisers write a
    character outside the Basic Multilingual Plane) joined into the character they encode.

    YAML allows such escapes in double-quoted strings and PyYAML reads each half as a character
    of its own, which no encoder accepts. A surrogate with no partner is no character at all:
    a front matter error on its line.
    """
    if not SURROGATE.search(text):
        return text
    joined = _SURROGATE_PAIR.sub(lambda m: chr(0x10000 + ((ord(m[1]) - 0xD800) << 10) + ord(m[2]) - 0xDC00), text)
    lone = SURROGATE.search(joined)
    if lone is not None:
        raise yaml.constructor.ConstructorError(
            None, None, f"a lone surrogate (\\u{ord(lone.group()):04x}) is not a character", mark
        )
    return joined


def load_yaml(text: str) -> Any:
    """Load YAML the safe way: no object tags, no aliases. Raises yaml.YAMLError.

    >>> load_yaml("a: &x 1\\nb: *x")
    Traceback (most recent call last):
    yaml.error.YAMLError: aliases are not allowed (*x) at line 2
    """
    return yaml.load(text, Loader=NoAliasSafeLoader)  # noqa: S506 - the loader is safe


def compose_yaml(text: str) -> Any:
    """The YAML node tree (with line marks) of a text, composed by the same safe loader."""
    return yaml.compose(text, Loader=NoAliasSafeLoader)  # noqa: S506 - composes nodes only


# The number that opens a section title in scraped Chinese text (`01、背景`, `一、市场回顾`,
# `（二）`, `第三章`), with the space after it. `paragraphs` makes such a line a heading, and the
# boilerplate classifier must read it the same way (it judges lines as `paragraphs` leaves them).
# `第 3 节` is how `--spacing add` writes `第3节`: the classifier, which runs before `spacing`,
# must read a second run's input as it read the first's.
SECTION_NUMBER = (
    r"(?:\d{1,2}、|[一二三四五六七八九十]{1,3}、|[（(][一二三四五六七八九十]{1,3}[）)]"
    r"|第[ \t]?[一二三四五六七八九十百\d]{1,3}[ \t]?[章节部分篇])[ \t\u3000]*"
)
