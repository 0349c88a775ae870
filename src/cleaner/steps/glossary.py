"""The `glossary` step: one spelling per term, in the body and in the front matter's prose.

A glossary file (TOML or YAML, see docs/glossary.md) lists terms, each with the variants that
mean it and, optionally, a gloss:

    [[terms]]
    term = "Scaling Law"
    variants = ["ScalingLaw", "Skin Law"]
    gloss = "缩放定律"

- Every variant, and the term itself, goes into one compiled pattern shaped like a trie (one per
  kind of matching: case, whole word), longest first, so `Scaling Law` wins over `Law` where
  both could match; the text is scanned once, however many entries there are.
- A variant that starts or ends with a Latin letter or digit matches only where the text next to
  it is not one too: `了ScalingLaw的` matches, `Metadata` never matches `Meta`. Han text around a
  variant is a boundary (Chinese has no spaces). A Latin neighbour across `-`, `.`, `@` or `/`
  also counts as part of the word, so `github.com` and `GPT-OSS-120B` are left alone.
- Matching ignores case unless the entry says `case_sensitive = true`; a space in a variant
  matches any run of spaces.
- `gloss`: the first occurrence in running text (headings are skipped) becomes `Term（释义）`,
  unless the gloss is already written right beside it or a parenthesis follows.
- Protected spans (code, URLs, link targets, cleaner:off regions, protected terms) are skipped.

The built-in glossary (`data/glossary/builtin.toml`) holds only safe brand casings (GitHub,
iPhone, JavaScript, …); the user's files come first and override it.

Rule ids: the entry's `id` (default: the term as a slug, `scaling-law`) for a replacement,
`gloss` for an inserted gloss. Front matter changes use `frontmatter:<field>:<id>` (see
docs/frontmatter.md): `offset == -1`, `line` the field's line in the input file.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import regex

from ..document import REWRITE, Change, Document, Edit
from ..errors import RuleFileError
from ..fields import frontmatter_change, replace_value, schema_of, text_values
from ..frontmatter_io import field_lines, splice
from ..options import DataFile, option
from ..protect import MARKUP
from ..text import TOMLDecodeError, load_toml, load_yaml

if TYPE_CHECKING:
    from ..pipeline import Options


# Declarations (docs/architecture.md, "Adding an option / a rule").
@dataclasses.dataclass(frozen=True)
class GlossaryOptions:
    glossary: tuple[DataFile, ...] = option((), kind="files", metavar="PATH", help="a glossary file (repeatable)")
    builtin_glossary: bool = option(True, kind="flag", help="use the built-in glossary of common terms (on by default; --no-builtin-glossary leaves it out)")


RULES: dict[str, str] = {"gloss": "an entry's gloss is added in brackets after its first use"}


def rule_ids(options: GlossaryOptions | None = None) -> frozenset[str]:
    """`RULES` and the id of every glossary entry in use (built-in and the user's files)."""
    options = options or GlossaryOptions()
    entries = [*(builtin_entries() if options.builtin_glossary else ())]
    for data in options.glossary:
        entries.extend(parse_glossary(data.text, data.path))
    return frozenset(RULES) | {entry.id for entry in entries}

STEP = "glossary"

_ENTRY_KEYS = frozenset({"term", "variants", "gloss", "case_sensitive", "whole_word", "id", "note"})
_WORD = r"[\p{Latin}\p{N}_\uE000]"  # a Latin letter, a digit, or a protected word (ATOM)
# Checked after the first character is matched (hence the `.`), so that every alternative
# starts with a literal and the engine can skip ahead to the places where one could match.
_LEFT = rf"(?<!{_WORD}.)(?<![\p{{Latin}}\p{{N}}][-.@/].)"
_RIGHT = rf"(?!{_WORD})(?![-.@/][\p{{Latin}}\p{{N}}])"
_LATIN_EDGE = regex.compile(r"[\p{Latin}\p{N}_]")
_SPACES = regex.compile(r"[ \t]+")


@dataclasses.dataclass(frozen=True)
class Entry:
    """One glossary term: its canonical spelling, the variants that mean it, and how to match."""

    term: str
    variants: tuple[str, ...]
    gloss: str | None = None
    case_sensitive: bool = False
    whole_word: bool = True
    id: str = ""
    path: str = ""

    def spellings(self) -> tuple[str, ...]:
        """The variants and the term itself, without repeats."""
        return tuple(dict.fromkeys((self.term, *self.variants)))


def slug(term: str) -> str:
    """A rule id for a term: `Scaling Law` -> `scaling-law`."""
    return regex.sub(r"[^\w]+", "-", term.lower()).strip("-") or "term"


# --- reading glossary files -------------------------------------------------------------------


def _load_text(text: str, path: str) -> Any:
    lower = path.lower()
    if lower.endswith(".toml") or not lower.endswith((".yaml", ".yml", ".json")):
        try:
            return load_toml(text)
        except TOMLDecodeError as error:
            if lower.endswith(".toml"):
                raise RuleFileError(f"not valid TOML: {error}", path=path) from None
    import yaml

    try:
        return load_yaml(text)
    except yaml.YAMLError as error:
        raise RuleFileError(f"not valid YAML: {error}", path=path) from None


@lru_cache(maxsize=32)
def parse_glossary(text: str, path: str) -> tuple[Entry, ...]:
    """The entries of one glossary file, checked. Raises `RuleFileError` naming the entry."""
    data = _load_text(text, path)
    if isinstance(data, Mapping):
        unknown = sorted(set(data) - {"terms"})
        if unknown:
            raise RuleFileError(f"unknown top-level key {unknown[0]!r} (a glossary has `terms`)", path=path)
        items = data.get("terms", [])
    elif data is None:
        items = []
    else:
        items = data
    if not isinstance(items, list):
        raise RuleFileError("`terms` must be a list of entries", path=path)
    return tuple(_entry(item, number, path) for number, item in enumerate(items, 1))


def _entry(item: Any, number: int, path: str) -> Entry:
    where = f"entry {number}"
    if not isinstance(item, Mapping):
        raise RuleFileError(f"{where}: must be a table with `term` and `variants`", path=path)
    term = item.get("term")
    if not isinstance(term, str) or not term.strip():
        raise RuleFileError(f"{where}: `term` must be non-empty text", path=path)
    where = f"entry {number} ({term!r})"
    unknown = sorted(set(item) - _ENTRY_KEYS)
    if unknown:
        raise RuleFileError(f"{where}: unknown key {unknown[0]!r}", path=path)
    variants = item.get("variants", [])
    if isinstance(variants, str):
        variants = [variants]
    if not isinstance(variants, list) or not all(isinstance(v, str) and v.strip() for v in variants):
        raise RuleFileError(f"{where}: `variants` must be a list of non-empty texts", path=path)
    gloss = item.get("gloss")
    if gloss is not None and (not isinstance(gloss, str) or not gloss.strip()):
        raise RuleFileError(f"{where}: `gloss` must be non-empty text", path=path)
    flags = {}
    for name, default in (("case_sensitive", False), ("whole_word", True)):
        value = item.get(name, default)
        if not isinstance(value, bool):
            raise RuleFileError(f"{where}: `{name}` must be true or false", path=path)
        flags[name] = value
    rule_id = item.get("id", slug(term))
    if not isinstance(rule_id, str) or not regex.fullmatch(r"[\w.-]+", rule_id):
        raise RuleFileError(f"{where}: `id` must be letters, digits, '-', '_' or '.'", path=path)
    return Entry(
        term=term.strip(),
        variants=tuple(_SPACES.sub(" ", v.strip()) for v in variants),
        gloss=gloss.strip() if gloss else None,
        id=rule_id,
        path=path,
        **flags,
    )


@lru_cache(maxsize=1)
def _builtin_text() -> str:
    return resources.files("cleaner").joinpath("data/glossary/builtin.toml").read_text(encoding="utf-8")


def builtin_entries() -> tuple[Entry, ...]:
    return parse_glossary(_builtin_text(), "<built-in glossary>")


# --- the matcher ------------------------------------------------------------------------------


def _key(text: str, case_sensitive: bool) -> str:
    text = _SPACES.sub(" ", text)
    return text if case_sensitive else text.casefold()


@dataclasses.dataclass(frozen=True)
class Matcher:
    """All variants of all entries as compiled patterns, and the lookup from a match to its entry.

    Entries are grouped by how they match (case, whole word, a Latin last letter); each group
    is one pattern shaped like a trie of its spellings, so a text is scanned once per group
    whatever the number of entries (usually there are one or two groups). `finditer` merges the groups' matches, leftmost
    first and, at one place, longest first.
    """

    patterns: tuple[Any, ...]
    exact: Mapping[str, Entry]
    folded: Mapping[str, Entry]
    # Every spelling, case-folded, as one `re` alternation: searched in the case-folded text,
    # it finds every place a pattern could match and more (no boundaries, no case), at a third
    # of the cost of the patterns on text that holds no term (`might_match`).
    hint: Any = None

    def might_match(self, text: str) -> bool:
        """False only if no pattern can match anywhere in the text."""
        return self.hint is None or self.hint.search(text.casefold()) is not None

    def entry(self, text: str) -> Entry | None:
        found = self.exact.get(_key(text, True))
        return found if found is not None else self.folded.get(_key(text, False))

    def finditer(self, text: str) -> list[Any]:
        if len(self.patterns) == 1:
            return list(self.patterns[0].finditer(text))
        found = sorted(
            (m for pattern in self.patterns for m in pattern.finditer(text)),
            key=lambda m: (m.start(), -m.end()),
        )
        chosen: list[Any] = []
        for m in found:
            if not chosen or m.start() >= chosen[-1].end():
                chosen.append(m)
        return chosen


def build_matcher(user: Sequence[Entry], builtin: Sequence[Entry] = ()) -> Matcher | None:
    """One compiled matcher for the user's entries and the built-in ones they do not override.

    Raises `RuleFileError` when one variant would mean two terms (naming both).
    """
    owners: dict[str, list[tuple[Entry, str]]] = {}

    def clash(entry: Entry, spelling: str) -> Entry | None:
        for other, other_spelling in owners.get(_key(spelling, False), []):
            if other.term == entry.term:
                continue
            if not (entry.case_sensitive and other.case_sensitive) or _key(spelling, True) == _key(other_spelling, True):
                return other
        return None

    chosen: list[Entry] = []
    for entry in user:
        for spelling in entry.spellings():
            other = clash(entry, spelling)
            if other is not None:
                files = f" ({other.path} and {entry.path})" if other.path != entry.path else ""
                raise RuleFileError(
                    f"variant {spelling!r} belongs to two terms: {other.term!r} and {entry.term!r}{files}",
                    path=entry.path,
                )
        for spelling in entry.spellings():
            owners.setdefault(_key(spelling, False), []).append((entry, spelling))
        chosen.append(entry)
    for entry in builtin:
        # The user's files override the built-in list: a built-in spelling they claim is dropped.
        kept = tuple(v for v in entry.spellings() if clash(entry, v) is None)
        if entry.term not in kept:
            continue
        entry = dataclasses.replace(entry, variants=tuple(v for v in kept if v != entry.term))
        for spelling in entry.spellings():
            owners.setdefault(_key(spelling, False), []).append((entry, spelling))
        chosen.append(entry)
    if not chosen:
        return None

    exact: dict[str, Entry] = {}
    folded: dict[str, Entry] = {}
    groups: dict[tuple[bool, bool, bool], list[str]] = {}
    for entry in chosen:
        for spelling in entry.spellings():
            if entry.case_sensitive:
                exact.setdefault(_key(spelling, True), entry)
            else:
                folded.setdefault(_key(spelling, False), entry)
            right = entry.whole_word and _LATIN_EDGE.match(spelling[-1]) is not None
            groups.setdefault((entry.case_sensitive, entry.whole_word, right), []).append(spelling)
    patterns = tuple(_compile(spellings, *kind) for kind, spellings in sorted(groups.items()))
    every = sorted({s.casefold() for spellings in groups.values() for s in spellings}, key=len, reverse=True)
    hint = re.compile("|".join(r"[ \t]+".join(map(re.escape, s.split(" "))) for s in every))
    return Matcher(patterns, exact, folded, hint)


def _compile(spellings: Iterable[str], case_sensitive: bool, whole_word: bool, right: bool) -> Any:
    """One pattern for many spellings, shaped like their trie: `scaling law|scale` ->
    `s(?:cal(?:ing[ \\t]+law|e))`, with a left word boundary after a Latin first letter and,
    for a group of spellings that end in a Latin letter, one right boundary after the trie.

    At every node the longer continuations come before "end here", so the longest spelling
    wins, and when the boundary after it fails the engine backtracks to a shorter one.
    """
    trie: dict[str, Any] = {}
    for spelling in spellings:
        node = trie
        for char in spelling if case_sensitive else spelling.lower():
            node = node.setdefault(char, {})
        node[_END] = True

    def walk(node: dict[str, Any]) -> str:
        alternatives = [_char(char) + walk(child) for char, child in sorted(node.items()) if char != _END]
        if _END in node:
            alternatives.append("")
        if len(alternatives) == 1:
            return alternatives[0]
        return "(?:" + "|".join(alternatives) + ")"

    roots = []
    for char, child in sorted(trie.items()):
        left = _LEFT if whole_word and _LATIN_EDGE.match(char) else ""
        roots.append(_char(char) + left + walk(child))
    flags = regex.V1 | (0 if case_sensitive else regex.IGNORECASE)
    return regex.compile("(?:" + "|".join(roots) + ")" + (_RIGHT if right else ""), flags)


_END = ""  # the key that marks "a spelling ends here" in a trie node


def _char(char: str) -> str:
    return r"[ \t]+" if char == " " else regex.escape(char, special_only=True)


@lru_cache(maxsize=16)
def _matcher(files: tuple[Any, ...], builtin: bool) -> Matcher | None:
    user: list[Entry] = []
    for data in files:
        user.extend(parse_glossary(data.text, data.path))
    return build_matcher(user, builtin_entries() if builtin else ())


def matcher_for(options: GlossaryOptions | None) -> Matcher | None:
    """The matcher for the options' glossary files (and the built-in glossary unless turned off)."""
    options = options or GlossaryOptions()
    return _matcher(options.glossary, options.builtin_glossary)


def check_options(options: GlossaryOptions) -> None:
    """Read and check every glossary file once, before any document (raises RuleFileError)."""
    matcher_for(options)


# --- the step ---------------------------------------------------------------------------------


def glossary(doc: Document, options: Options | None = None) -> Document:
    """Normalize glossary terms in the body and in the front matter's prose fields.

    >>> glossary(Document(body="在GITHUB上"), None).body
    '在GitHub上'
    """
    matcher = matcher_for(options)
    if matcher is None:
        return doc
    if not matcher.might_match(doc.body):
        return _front_matter(doc, matcher, options)  # no masked copy of a body with no term in it
    doc = doc.with_spans()
    doc = doc.edit(STEP, _body_edits(doc.body, doc.masked(), matcher), kind=REWRITE)
    return _front_matter(doc, matcher, options)


def _body_edits(body: str, masked: str, matcher: Matcher) -> list[Edit]:
    edits: list[Edit] = []
    glossed: set[str] = set()
    for m in matcher.finditer(masked):
        entry = matcher.entry(m.group())
        if entry is None:
            continue
        if m.group() != entry.term:
            edits.append(Edit(m.start(), m.end(), entry.term, entry.id))
        if entry.gloss and entry.id not in glossed and not _in_heading(body, masked, m.start()):
            glossed.add(entry.id)
            if not _already_glossed(masked, m.start(), m.end(), entry.gloss):
                edits.append(Edit(m.end(), m.end(), f"（{entry.gloss}）", "gloss"))
    return edits


def _in_heading(body: str, masked: str, offset: int) -> bool:
    start = masked.rfind("\n", 0, offset) + 1
    return masked.startswith(MARKUP, start) and body[start:offset].lstrip(" >").startswith("#")


def _already_glossed(masked: str, start: int, end: int, gloss: str) -> bool:
    """Whether the gloss is written right beside the term, or a parenthesis already follows."""
    line_start = masked.rfind("\n", 0, start) + 1
    line_end = masked.find("\n", end)
    line_end = len(masked) if line_end == -1 else line_end
    reach = len(gloss) + 8
    if gloss in masked[max(line_start, start - reach) : min(line_end, end + reach)]:
        return True
    after = masked[end:line_end].lstrip("*_")
    return after.startswith(("（", "("))


def apply_to_text(text: str, matcher: Matcher, protected_terms: Iterable[str] = ()) -> list[tuple[int, int, str, Entry]]:
    """The replacements (start, end, new text, entry) the glossary makes in one string."""
    tiny = Document(body=text, protected_terms=tuple(protected_terms))
    found = []
    for m in matcher.finditer(tiny.masked()):
        entry = matcher.entry(m.group())
        if entry is not None and m.group() != entry.term:
            found.append((m.start(), m.end(), entry.term, entry))
    return found


def _front_matter(doc: Document, matcher: Matcher, options: Options | None) -> Document:
    if not doc.meta:
        return doc
    meta = dict(doc.meta)
    lines: dict[str, int] | None = None  # the fields' lines: a YAML parse, made only for a change
    changes: list[Change] = []
    for item in list(text_values(meta, schema_of(options))):
        if not matcher.might_match(item.value) or not matcher.finditer(item.value):
            # Masking only takes matches away (a protected span is a word, never a boundary):
            # a string with no match as written has none masked, and needs no masked copy.
            continue
        found = apply_to_text(item.value, matcher, doc.protected_terms)
        found = [f for f in found if not doc.rule_disabled(STEP, f[3].id)]  # `--disable-rule ID`
        if not found:
            continue
        pieces, cursor = [], 0
        if lines is None:
            lines = field_lines(doc.frontmatter)
        for start, end, term, entry in found:
            pieces += [item.value[cursor:start], term]
            cursor = end
            changes.append(
                frontmatter_change(
                    STEP, item.label, entry.id, lines.get(item.key, 0), item.value[start:end], term, start + 1
                )
            )
        pieces.append(item.value[cursor:])
        replace_value(meta, item.key, item.place, "".join(pieces))
    if not changes:
        return doc
    return doc.replace(meta=meta, frontmatter=splice(doc.frontmatter, meta, fmt=doc.frontmatter_format), changes=doc.changes + tuple(changes))
