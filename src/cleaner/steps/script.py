"""The `script` step: Traditional and Simplified Chinese, converted with OpenCC.

`--to` chooses the target, each one an OpenCC configuration:

| target | converts | OpenCC config |
|---|---|---|
| `hans` (default) | Traditional to Simplified | `t2s` |
| `hant` | Simplified to Traditional (OpenCC standard) | `s2t` |
| `tw` | Simplified to Traditional, Taiwan forms and phrases | `s2twp` |
| `hk` | Simplified to Traditional, Hong Kong forms | `s2hk` |
| `keep` | nothing | |

The Simplified target uses `t2s`, not the phrase-level `tw2sp`: on real text `tw2sp` rewrites
ordinary words as if every text were about computing (建立 → 创建, 互动 → 交互, 核心 → 内核).

- Each line (a paragraph of scraped text) is decided alone, from the characters of one script
  alone it holds (see "which paragraphs to convert" below): a line is converted whole when it
  holds more of the source script's than of the target's, so a paragraph converts the same
  alone and inside any document, and Simplified text to `hans` changes nothing. A document with
  no character of the source script costs one encode. Changes have the rule `opencc`; a
  Traditional-only character in a Simplified line is reported (`stray-character`), a
  Simplified-only one in a Traditional line converted alone.
- Known wrong conversions (`data/script/overrides.toml`) are decided first; each entry's id is
  the rule of the changes it makes (`zhe-particle`: `這意味著` → `这意味着`, not `这意味著`).
- Converting to Traditional, a character with several Traditional forms that no phrase
  decided is reported (`one-to-many`: `发` taken as `發` with no phrase to tell `發` from `髮`).
- Protected spans (code, URLs, the user's protected terms, glossary terms) are not converted.

It works with either package that provides the `opencc` module: the official binding (config
names `t2s.json`) or `opencc-python-reimplemented` (config names `t2s`); `backend()` names the
one in use for the report. Each converter is built once per process.

>>> from cleaner import Document, Options
>>> script(Document(body="這意味著開源模型"), Options()).body
'这意味着开源模型'
"""

from __future__ import annotations

import importlib
import json
import os
import re
import tempfile
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from functools import lru_cache
from importlib import resources
from typing import Any, NamedTuple

from ..document import REWRITE, Document, Edit, Warning
from ..opencc_backend import Converter, SurrogateSafe, _is_reimplementation, backend, converter
from ..protect import PLACEHOLDERS
from ..text import han_characters, load_toml

STEP = "script"

CONFIGS: dict[str, str] = {"hans": "t2s", "hant": "s2t", "tw": "s2twp", "hk": "s2hk"}

# One private-use character stands for each override in the text OpenCC sees: it is in no
# dictionary, so no phrase can run across it, and it comes back unchanged.
_SENTINEL = "\ue00f"
_MARK = "\ue0ff"
_FIXED = re.compile(f"[{re.escape(PLACEHOLDERS)}{_SENTINEL}]+")


# The backend lives in one module for every step that converts script.
__all__ = ["Converter", "backend", "converter", "script"]


@lru_cache(maxsize=None)
def convertible(config: str) -> frozenset[str]:
    """The characters the config converts on their own: a line without one is left as it is.

    Found by converting every Han character once, so it follows the installed dictionaries.
    """
    chars = han_characters()
    out = converter(config).convert("\n".join(chars)).split("\n")
    return frozenset(c for c, o in zip(chars, out) if c != o)


# --- which paragraphs to convert -------------------------------------------------------------
#
# A paragraph (one line: scraped text has one paragraph a line) is the unit of decision: what
# happens to it never depends on the rest of the document, its size or where it is cut. The
# evidence is the characters of one script alone, found from OpenCC's own character conversion:
#
# - Traditional: `t2s` changes it and `s2t` does not (這, 們, 乾, 後);
# - Simplified: `s2t` changes it and `t2s` does not (这, 们, 气, 干).
#
# Each is strong when the other script's legacy codec cannot encode it (這 is not in GB2312, 这
# not in Big5) and weak when it can. The weak Traditional ones (乾, 後, 於, 徵, 夥, 拚 …) are all
# in ordinary Simplified use, so they never make a paragraph Traditional. The weak Simplified
# ones mix characters in ordinary Traditional use (干, 台, 后, 里) with ones Big5 holds only as
# radicals or rare forms (气): they decide only a paragraph with no strong evidence at all, so
# `今天天气很好` still goes to Traditional.


def _encodable(c: str, codec: str) -> bool:
    try:
        c.encode(codec)
    except UnicodeEncodeError:
        return False
    return True


@lru_cache(maxsize=None)
def evidence(script_name: str) -> tuple[frozenset[str], frozenset[str]]:
    """The characters of one script alone (`traditional` or `simplified`): (strong, weak)."""
    if script_name == "traditional":
        alone, other_codec = convertible("t2s") - convertible("s2t"), "gb2312"
    else:
        alone, other_codec = convertible("s2t") - convertible("t2s"), "big5"
    weak = frozenset(c for c in alone if _encodable(c, other_codec))
    return alone - weak, weak


@lru_cache(maxsize=None)
def _kinds(config: str) -> tuple[frozenset[str], dict[str, int]]:
    """The source script's characters that can decide a line, and the kind of every evidence
    character for `config`: 0 strong source, 1 weak source, 2 strong target, 3 weak target."""
    source, target = ("traditional", "simplified") if config == "t2s" else ("simplified", "traditional")
    kinds: dict[str, int] = {}
    for offset, name in ((0, source), (2, target)):
        strong, weak = evidence(name)
        kinds.update(dict.fromkeys(strong, offset))
        kinds.update(dict.fromkeys(weak, offset + 1))
    strong, weak = evidence(source)
    # Weak Traditional evidence never makes a line Traditional (see above): only strong counts.
    return (strong if config == "t2s" else strong | weak), kinds


@lru_cache(maxsize=None)
def _strong(config: str) -> tuple[frozenset[str], frozenset[str]]:
    """The strong evidence of the source script and of the target script for `config`."""
    source, target = ("traditional", "simplified") if config == "t2s" else ("simplified", "traditional")
    return evidence(source)[0], evidence(target)[0]


class _Found(Exception):
    """Raised from inside an encoder to stop at the first character looked for."""


@lru_cache(maxsize=None)
def _finder(config: str, side: str) -> tuple[str, str] | None:
    """A codec and an error handler that stops at a strong character of one side of `config`.

    Strong characters are exactly the convertible ones the other script's legacy codec lacks,
    so one encode with that codec finds them, in C, and the handler sees only what the codec
    lacks: several times faster than a set test. The source side of the Simplified-to-
    Traditional configs also counts weak characters, which Big5 holds: no codec finds those.
    """
    if side == "source" and config != "t2s":
        return None
    import codecs

    source, target = _strong(config)
    chars = source if side == "source" else target
    traditional = (side == "source") == (config == "t2s")
    codec = "gb2312" if traditional else "big5"

    def stop_at_strong(error: UnicodeError) -> tuple[str, int]:
        assert isinstance(error, UnicodeEncodeError)
        if not chars.isdisjoint(error.object[error.start : error.end]):
            raise _Found
        return "", error.end

    name = f"cleaner-script-strong-{config}-{side}"
    codecs.register_error(name, stop_at_strong)
    return name, codec


def _holds(text: str, config: str, side: str) -> bool:
    finder = _finder(config, side)
    if finder is None:
        return not _kinds(config)[0].isdisjoint(text)
    try:
        text.encode(finder[1], finder[0])
    except _Found:
        return True
    return False


def holds_source(text: str, config: str) -> bool:
    """Whether `text` holds a character of the source script that can decide a line."""
    return _holds(text, config, "source")


def converts_whole(source_strong: int, target_strong: int, source_weak: int, target_weak: int, config: str) -> bool:
    """Whether a paragraph with these counts is in the source script and is converted whole."""
    if source_strong or target_strong:
        return source_strong > target_strong
    # No strong evidence either way: only weak Simplified evidence decides (see above).
    return config != "t2s" and source_weak > target_weak


class Paragraph(NamedTuple):
    """A paragraph holding characters of the source script, and whether it is converted."""

    start: int
    end: int
    whole: bool
    strays: tuple[int, ...]  # strong source-script characters in a paragraph that is not converted


def paragraph_verdicts(text: str, config: str) -> list[Paragraph]:
    """The paragraphs of `text` holding characters of the source script, in order.

    A set test per paragraph finds them (in C); only those are counted character by character.
    """
    kinds = _kinds(config)[1]
    if not holds_source(text, config):
        return []
    strong_source, strong_target = _strong(config)
    # Text with no strong character of the target script at all (a Traditional article, for
    # `hans`) needs no count: one encode tells, and each line is decided by its source characters.
    no_target = not _holds(text, config, "target")
    out: list[Paragraph] = []
    for start, end in _paragraphs(text):
        chunk = text[start:end]
        if not holds_source(chunk, config):
            continue
        # For `t2s` the source characters that decide are the strong ones: one is in the line.
        if (no_target or strong_target.isdisjoint(chunk)) and (config == "t2s" or not strong_source.isdisjoint(chunk)):
            out.append(Paragraph(start, end, True, ()))  # the common case, decided by two set tests
            continue
        counts = [0, 0, 0, 0]
        strays: list[int] = []
        for at, char in enumerate(chunk, start):
            kind = kinds.get(char)
            if kind is not None:
                counts[kind] += 1
                if kind == 0:
                    strays.append(at)
        whole = converts_whole(counts[0], counts[2], counts[1], counts[3], config)
        out.append(Paragraph(start, end, whole, () if whole else tuple(strays)))
    return out


def _paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, end) of each line: a paragraph of scraped text, which rarely has blank lines
    between paragraphs; a hard-wrapped paragraph is decided line by line."""
    bounds: list[tuple[int, int]] = []
    start = 0
    for line in text.split("\n"):
        bounds.append((start, start + len(line)))
        start += len(line) + 1
    return bounds


def needs_conversion(text: str, config: str) -> bool:
    """Whether any paragraph of `text` would be converted."""
    return any(p.whole for p in paragraph_verdicts(text, config))


# --- data: overrides and one-to-many characters ---------------------------------------------


class Override(NamedTuple):
    id: str
    to: tuple[str, ...]
    pairs: tuple[tuple[str, str], ...]
    examples: tuple[tuple[str, str], ...]
    wrong_in: tuple[str, ...]
    why: str


def _toml(name: str) -> dict[str, Any]:
    text = resources.files("cleaner").joinpath(f"data/script/{name}").read_text(encoding="utf-8")
    return load_toml(text)


@lru_cache(maxsize=1)
def overrides() -> tuple[Override, ...]:
    """The entries of `data/script/overrides.toml`."""
    return tuple(
        Override(
            id=entry["id"],
            to=tuple(entry["to"]),
            pairs=tuple(entry["pairs"].items()),
            examples=tuple((a, b) for a, b in entry.get("examples", ())),
            wrong_in=tuple(entry.get("wrong_in", ())),
            why=entry.get("why", ""),
        )
        for entry in _toml("overrides.toml")["override"]
    )


@lru_cache(maxsize=None)
def _override_table(target: str, disabled: frozenset[str]) -> tuple[re.Pattern[str] | None, dict[str, tuple[str, str]]]:
    table: dict[str, tuple[str, str]] = {}
    for entry in overrides():
        if target in entry.to and entry.id not in disabled:
            for source, result in entry.pairs:
                table.setdefault(source, (result, entry.id))
    if not table:
        return None, table
    # Longest first, so 著名 wins over 著.
    alternatives = sorted(table, key=lambda s: (-len(s), s))
    return re.compile("|".join(re.escape(a) for a in alternatives)), table


@lru_cache(maxsize=1)
def one_to_many() -> dict[str, tuple[str, ...]]:
    """Simplified characters with several Traditional forms (`data/script/one-to-many.toml`)."""
    return {k: tuple(v) for k, v in _toml("one-to-many.toml")["chars"].items()}


@lru_cache(maxsize=None)
def _undecided_marker(config: str) -> Converter | None:
    """A converter that marks where a one-to-many character fell back to its first form.

    It is the config's first conversion step with the character dictionary replaced by one that
    maps each one-to-many character to itself plus a mark: phrases still match exactly as in
    the real conversion, and a character no phrase covered comes out marked. OpenCC reads a
    config only from a file, so the config and the small dictionary are written to a temporary
    directory, loaded, and removed.
    """
    import opencc

    reimplemented = _is_reimplementation(opencc)
    if reimplemented:
        base = os.path.dirname(importlib.import_module("opencc.opencc").__file__ or "")
        config_dir, dict_dir, text_type = os.path.join(base, "config"), os.path.join(base, "dictionary"), "txt"
    else:
        share = getattr(opencc, "_opencc_share_dir", None) or os.path.join(os.path.dirname(opencc.__file__), "clib", "share", "opencc")
        config_dir = dict_dir = share
        text_type = "text"
    try:
        with open(os.path.join(config_dir, config + ".json"), encoding="utf-8") as f:
            base_config = json.load(f)
    except OSError:
        return None

    def rewrite(entry: dict[str, Any], marks: str) -> dict[str, Any]:
        if entry.get("type") == "group":
            return {**entry, "dicts": [rewrite(d, marks) for d in entry["dicts"]]}
        name = os.path.basename(entry.get("file", ""))
        if name.startswith("STCharacters"):
            return {"type": text_type, "file": marks}
        return {**entry, "file": os.path.join(dict_dir, entry["file"])}

    with tempfile.TemporaryDirectory(prefix="cleaner-opencc-") as tmp:
        marks = os.path.join(tmp, "marks.txt")
        with open(marks, "w", encoding="utf-8") as f:
            f.writelines(f"{c}\t{c}{_MARK}\n" for c in one_to_many())
        probe: dict[str, Any] = {
            "name": f"{config} with undecided characters marked",
            "conversion_chain": [{"dict": rewrite(base_config["conversion_chain"][0]["dict"], marks)}],
        }
        if "segmentation" in base_config:
            segmentation = base_config["segmentation"]
            probe["segmentation"] = {**segmentation, "dict": rewrite(segmentation["dict"], marks)}
        path = os.path.join(tmp, "probe.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(probe, f, ensure_ascii=False)
        try:
            result: Converter = SurrogateSafe(opencc.OpenCC(path[: -len(".json")] if reimplemented else path))
            result.convert("发")  # load everything before the files go
        except Exception:  # noqa: BLE001 - a backend that refuses the probe: no warnings, not a failure
            return None
    return result


# --- the step --------------------------------------------------------------------------------


def script(doc: Document, options: Any = None) -> Document:
    """Convert the body to the target script (`options.to`), protected text kept.

    `這意味著開源模型` → `这意味着开源模型` (to `hans`); `头发和发展` → `頭髮和發展` (to `hant`).
    """
    target = getattr(options, "to", "hans")
    if target == "keep" or target not in CONFIGS:
        return doc
    config = CONFIGS[target]
    if not holds_source(doc.body, config):
        return doc  # no character of the source script: one scan, no parsing
    doc = doc.with_spans()
    masked = doc.masked()
    paragraphs = paragraph_verdicts(masked, config)
    strays = [p for p in paragraphs if p.strays]
    warnings: list[Warning] = []
    edits: list[Edit] = []
    if strays and config == "t2s":
        line_starts = [0] + [m.end() for m in re.finditer("\n", masked)]
        warnings = [_stray_warning(doc.body, masked, p, bisect_right(line_starts, p.strays[0])) for p in strays]
    elif strays:
        edits = _stray_edits(masked, strays, config)
    whole = [(p.start, p.end) for p in paragraphs if p.whole]
    if not whole:
        return doc.edit(STEP, edits, kind=REWRITE).add_warnings(warnings)
    disabled = frozenset(getattr(options, "disable_rules", ()))
    pattern, table = _override_table(target, disabled)
    prepared = _Prepared(masked, pattern, table, whole)
    converted = converter(config).convert(prepared.text)
    if target != "hans":
        warnings += _undecided(prepared, doc.body, config)
    return doc.edit(STEP, edits + prepared.edits(converted), kind=REWRITE).add_warnings(warnings)


def _stray_edits(masked: str, paragraphs: list[Paragraph], config: str) -> list[Edit]:
    """The Simplified-only characters of Traditional paragraphs, converted, nothing around them.

    Such a character is one Big5 lacks, which Traditional text never uses (这 → 這). It is
    converted in its paragraph, as OpenCC would in context: a phrase that keeps it (恒生 in `tw`)
    keeps it here too, so the step's own output is never changed again. A paragraph whose
    conversion changes its length cannot be lined up and keeps them.
    """
    convert = converter(config).convert
    edits: list[Edit] = []
    for paragraph in paragraphs:
        converted = convert(masked[paragraph.start : paragraph.end])
        if len(converted) != paragraph.end - paragraph.start:
            continue
        for at in paragraph.strays:
            result = converted[at - paragraph.start]
            if result != masked[at]:
                edits.append(Edit(at, at + 1, result, "opencc"))
    return edits


def _stray_warning(body: str, masked: str, paragraph: Paragraph, line: int) -> Warning:
    """A Simplified paragraph keeps its few Traditional-only characters, with a warning.

    Converting the paragraph would also convert what OpenCC takes for Traditional among its own
    characters (王丙乾 → 王丙干), and a character GB2312 lacks is as often a name in Simplified
    text (三塚博, People's Daily) as damage: it is reported, not changed.
    """
    chars = "".join(dict.fromkeys(masked[at] for at in paragraph.strays))
    first = paragraph.strays[0]
    return Warning(
        STEP,
        "stray-character",
        line,
        f"{chars}: Traditional inside a Simplified paragraph; left as it is",
        body[max(paragraph.start, first - 4) : min(paragraph.end, first + 5)].strip("\n"),
    )


class _Prepared:
    """The masked body as OpenCC sees it.

    The text is cut into tokens at fixed points: each protected placeholder run and each
    override match becomes one sentinel character, each newline stays itself. Between them lie
    the stretches OpenCC converts; stretch `i` of the source lines up with piece `i` of the
    converted text split at the same separators, since OpenCC keeps both.
    """

    def __init__(
        self,
        masked: str,
        pattern: re.Pattern[str] | None,
        table: Mapping[str, tuple[str, str]],
        whole: list[tuple[int, int]],
    ) -> None:
        # Only the paragraphs converted whole (sorted `whole`) are shown to OpenCC; every other
        # line is an empty stretch, so positions still line up.
        starts = [start for start, _ in whole]

        def selected(at: int) -> bool:
            index = bisect_right(starts, at) - 1
            return index >= 0 and at < whole[index][1]

        fixed: list[tuple[int, int, str, str]] = [(m.start(), m.end(), m.group(), "") for m in _FIXED.finditer(masked)]
        if pattern is not None:
            for m in pattern.finditer(masked):
                result, rule = table[m.group()]
                fixed.append((m.start(), m.end(), result, rule))
            fixed.sort()
        fixed = [f for f in fixed if selected(f[0])]
        self.masked = masked
        self.fixed = fixed  # overrides and placeholder runs; none holds a newline
        self.stretches: list[tuple[int, int]] = []
        pieces: list[str] = []
        index, count = 0, len(fixed)
        start = 0
        for line in masked.split("\n"):
            end = start + len(line)
            if not selected(start):
                self.stretches.append((start, start))
            elif index < count and fixed[index][0] < end:
                cursor = start
                while index < count and fixed[index][0] < end:
                    f_start, f_end = fixed[index][0], fixed[index][1]
                    index += 1
                    self.stretches.append((cursor, f_start))
                    pieces.append(masked[cursor:f_start])
                    pieces.append(_SENTINEL)
                    cursor = f_end
                self.stretches.append((cursor, end))
                pieces.append(masked[cursor:end])
            else:
                self.stretches.append((start, end))
                pieces.append(line)
            pieces.append("\n")
            start = end + 1
        pieces.pop()
        self.text = "".join(pieces)
        # Where each stretch starts in `text`: after the one before and its one separator.
        self.text_starts: list[int] = []
        position = 0
        for start, end in self.stretches:
            self.text_starts.append(position)
            position += end - start + 1

    def edits(self, converted: str) -> list[Edit]:
        parts = _SEPARATOR.split(converted) if self.fixed else converted.split("\n")
        if len(parts) != len(self.stretches):
            raise ValueError("OpenCC changed a newline or a sentinel")  # never seen; a bug if it is
        masked = self.masked
        edits = [Edit(start, end, result, rule) for start, end, result, rule in self.fixed if rule]
        for (start, end), part in zip(self.stretches, parts):
            source = masked[start:end]
            if source != part:
                edits.extend(_diff(source, part, start))
        return edits

    def original(self, index: int) -> int:
        """The place in the masked body of character `index` of `text` (inside a stretch)."""
        which = bisect_right(self.text_starts, index) - 1
        start, end = self.stretches[which]
        if which < 0 or index >= self.text_starts[which] + end - start:
            raise IndexError(index)
        return start + index - self.text_starts[which]


_SEPARATOR = re.compile(f"[{_SENTINEL}\n]")


def _diff(source: str, converted: str, offset: int) -> Iterable[Edit]:
    """One edit from the first changed character to the last.

    A stretch of text lies between two protected spans or overrides, usually a paragraph; one
    change per stretch keeps the report readable and the step fast (`後來的發展` → `后来的发展`
    is one change, with `的` inside it).
    """
    if source == converted:
        return
    # Scans from each end stop at the first difference, which in converted text comes early.
    limit = min(len(source), len(converted))
    prefix = 0
    while prefix < limit and source[prefix] == converted[prefix]:
        prefix += 1
    suffix = 0
    limit -= prefix
    while suffix < limit and source[-1 - suffix] == converted[-1 - suffix]:
        suffix += 1
    yield Edit(offset + prefix, offset + len(source) - suffix, converted[prefix : len(converted) - suffix], "opencc")


def _undecided(prepared: _Prepared, body: str, config: str) -> list[Warning]:
    forms = one_to_many()
    if set(forms).isdisjoint(prepared.text):
        return []
    marker = _undecided_marker(config)
    if marker is None:
        return []
    marked = marker.convert(prepared.text)
    if _MARK not in marked or len(marked) - marked.count(_MARK) != len(prepared.text):
        return []  # nothing undecided, or a phrase of another length: positions would not line up
    real = converter(config)
    masked = prepared.masked
    line_starts = [0] + [m.end() for m in re.finditer("\n", masked)]
    warnings: list[Warning] = []
    index = -1
    for ch in marked:
        if ch != _MARK:
            index += 1
            continue
        at = prepared.original(index)
        source = masked[at]
        first = real.convert(source)
        others = "/".join(f for f in forms.get(source, ()) if f != first)
        line = bisect_right(line_starts, at)
        start = line_starts[line - 1]
        end = masked.find("\n", at)
        end = len(masked) if end == -1 else end
        warnings.append(
            Warning(
                STEP,
                "one-to-many",
                line,
                f"{source} became {first}, its first Traditional form; no phrase decided between it and {others}",
                body[max(start, at - 4) : min(end, at + 5)],
            )
        )
    return warnings
