"""The `boilerplate` step: remove the lines that are not the article, and record each one.

A line goes when a rule says it is boilerplate: an app promo, an image credit, a share prompt, a
disclaimer, a byline at the head, a row of ad links, a list of recommended titles at the end.
The rules are data (`data/boilerplate/*.toml` plus the user's `--rules` files, documented in
docs/rules.md); this module reads them, judges each line, and removes whole lines with edits, so
every removal is a change record holding the line (`before` = the line and its newline).

    打开网易新闻 查看精彩图片          ->  (removed, rule open-app-promo)
    他说，这是一个好问题。            ->  他说，这是一个好问题。

How a line is judged:

- The rules match the whole line after normalisation: full-width forms folded (`：` becomes
  `:`), pinyin left in brackets after a character dropped (`發(fā)展`), Traditional script
  converted to Simplified with OpenCC (so `點擊查看大圖` meets the rule written as
  `点击查看大图`), spaces collapsed, and arrows at either end trimmed. Patterns are normalised
  the same way. The text itself is never rewritten by this step.
- A rule has a scope: `anywhere`, `head` / `tail` (the first or last N lines that stay), `edges`
  (either), or `trailing` (only after the article's last kept line).
- Precision guard: a line with a sentence-ending mark and more than 40 Han characters is a
  paragraph, and no rule removes it unless the rule is marked `long` and the line opens with the
  rule's own `starts_with` words (the fixed opening of a platform statement or a disclaimer).
- Protected text is never removed: lines in code blocks, HTML blocks, `cleaner: off` regions,
  Markdown tables, and lines holding inline code, inline HTML or a protected term are not judged.
  A line holding a URL or a number may go as part of a promo line; the span goes with it.
- Structural tests: a whitespace-only line is emptied (its line break stays); a short line
  repeated three or more times is removed everywhere; an exact duplicate paragraph is removed
  after its first copy; bare titles after the last sentence go (`recommended-titles`); a
  near-duplicate paragraph is reported as a warning and left in place.
- A document that loses more than `MAX_REMOVED_SHARE` (30 %) of its characters gets a warning
  naming it, so a rule that guts documents shows up in a corpus run.
- Head and tail scopes end at the article's first (last) paragraph: a date under the opening
  paragraph of a notice is its signature, not the page's dateline.

After the rules, a second stage judges what they left by context (`boilerplate_context.py`):
chrome above and below the article that no rule names (widget rows, counters, metadata fields,
menus, later copies of the title) and the short lines between such lines. Its removals are
change records too, with rule `context-KIND [features]`; `Options.boilerplate_mode` sets how far
it goes (conservative, balanced, aggressive, off).
"""

from __future__ import annotations

import dataclasses
import functools
from array import array
from itertools import accumulate, chain, compress, repeat
from operator import add, ge, gt, mul, not_
import re
import sys
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any, Callable, TypeGuard

if TYPE_CHECKING:
    from ..templates import Template

import regex

from ..document import MAX_REMOVED_SHARE as MAX_REMOVED_SHARE  # the core's; importable from here too
from ..document import REMOVAL, REPAIR, Document, Edit
from ..document import Warning as Report  # the record type; not the builtin Warning
from ..errors import RuleFileError, UsageError
from ..protect import MARKUP, Span
from ..text import HAN, HAN_PROPERTY, PINYIN_TONE_LETTERS, SENTENCE_END, TOMLDecodeError, load_toml, load_yaml, spell_han
from ..text import han_count as _han_count
from .boilerplate_context import CATEGORY as CONTEXT_CATEGORY
from .boilerplate_context import DEFAULT_MODE, LineView, classify, is_prose, may_open_menu
from .boilerplate_context import KINDS as CONTEXT_KINDS
from ..options import CommonOptions, DataFile, option
from .spacing import without_han_spaces

if sys.version_info >= (3, 11):
    from re import _parser as sre_parse  # type: ignore[attr-defined]
else:  # pragma: no cover - exercised on Python 3.10 only
    import sre_parse

if TYPE_CHECKING:
    from ..pipeline import Options

# Declarations (docs/architecture.md, "Adding an option / a rule").
MODES = ("conservative", "balanced", "aggressive", "off")


@dataclasses.dataclass(frozen=True)
class BoilerplateOptions(CommonOptions):
    rules: tuple[DataFile, ...] = option((), kind="files", metavar="PATH", help="a boilerplate rule file (repeatable)")
    boilerplate_mode: str = option(
        DEFAULT_MODE,
        kind="choice",
        choices=MODES,
        aliases=("boilerplate",),
        help="how far removal goes beyond the rules: conservative, balanced, aggressive, off (docs/rules.md)",
    )
    # A site template learned from many documents (`cleaner.templates`): its lines are removed
    # by this step. `group_by`: the front matter field naming a document's group.
    templates: Template | None = option(
        None,
        kind="file",
        metavar="FILE",
        convert=lambda value: _read_template(value),
        help="remove the lines of templates saved earlier (--save-templates), without learning",
    )
    group_by: str | None = option(
        None,
        kind="text",
        metavar="FIELD",
        help="the front matter (or JSON Lines) field naming a document's site (default: source, then url; else its folder)",
    )


def _read_template(value: object) -> Template:
    from ..templates import Template

    return value if isinstance(value, Template) else Template.read(str(value))


# The rule ids are the data's: every rule in data/boilerplate/*.toml and the user's rule files,
# every category (turning off all its rules), and the context classifier's kinds and category.
RULES: dict[str, str] = {
    **{kind: "a line the context classifier judged boilerplate" for kind in CONTEXT_KINDS},
    "template": "a line of a site template (--templates, --learn-templates; cleaner.templates)",
}


def rule_ids(options: BoilerplateOptions | None = None) -> frozenset[str]:
    rules_ = ruleset(options.rules if options is not None else ())
    return frozenset(RULES) | {CONTEXT_CATEGORY} | {r.id for r in rules_.all_rules} | {r.category for r in rules_.all_rules}


STEP = "boilerplate"

# A document losing more than `MAX_REMOVED_SHARE` of its characters is reported (docs/rules.md).

# The precision guard: a line with a sentence-ending mark and more Han characters than this is
# a paragraph of the article; only `long` rules anchored by `starts_with` may remove it.
GUARD_HAN = 40
SCOPES = ("anywhere", "head", "tail", "edges", "trailing")
# Built-in rule files, in priority order: when two rules match a line, the earlier one names the
# removal (a caption credit before a source line, category rules before structural tests).
BUILTIN_FILES = (
    "caption.toml",
    "metadata.toml",
    "app-promo.toml",
    "share.toml",
    "wechat.toml",
    "platform.toml",
    "disclaimer.toml",
    "recommendation.toml",
    "ad-row.toml",
    "navigation.toml",
    "page-chrome.toml",
    "structure.toml",
)
BUILTIN_PREFIX = "built-in:"

# Structural tests and their parameters (with defaults); the tests themselves are below.
TESTS: dict[str, dict[str, int | float]] = {
    "blank-line": {},
    "repeated-line": {"min_count": 3, "min_chars": 6, "max_chars": 40},
    "duplicate-paragraph": {"min_chars": 20},
    "near-duplicate-paragraph": {"min_chars": 40, "similarity": 0.85},
    "recommended-titles": {"min_lines": 3, "min_han": 6, "max_chars": 40},
}

_COMMON_KEYS = {"id", "category", "reason", "remove", "keep"}
_PATTERN_KEYS = _COMMON_KEYS | {
    "pattern", "scope", "lines", "max_chars", "starts_with", "contains", "long", "ignore_case",
}
_DEFAULT_MAX_CHARS = 80
_MIN_ANCHOR = 4
_SLUG = regex.compile(r"[a-z0-9][a-z0-9-]{0,63}")

# Span kinds that keep their whole line from being judged: code, HTML, cleaner:off regions,
# link reference definitions, the user's protected terms.
_UNTOUCHABLE = {"code", "html", "off", "inline-code", "inline-html", "inline-refdef", "term"}

# Han characters (`cleaner.text.HAN`) for the guard and the title test. Patterns used on every
# line are compiled with `re`, which runs simple classes faster than `regex`.
_HAN_CLASS = HAN
_SENTENCE_END = re.compile(f"[{SENTENCE_END}]")
_KEY_SENTENCE_END = re.compile(r"[。!?．]|\.\.\.")
_ENDS_SENTENCE = re.compile(f"[{SENTENCE_END}]" + r"[”’」』)）\]】\"'*]*\s*$")
_PUNCT = regex.compile(r"\p{P}")
# For near-duplicate checks: a leading speaker label ("Mark Zuckerberg: "), punctuation, spaces.
_SPEAKER = re.compile(r"[^:：。，,]{1,24}[:：]")
_NOT_WORDS = regex.compile(r"[\p{P}\p{S}\s]+")
_SPACE_RUN = re.compile(r"[^\S\n]+")
# Pinyin inserted after a character by a bad converter (`發(fā)展`); at least one tone mark, so a
# label such as `方案(a)` is left alone. `â ã ä î ô û` count as tone marks too here.
_TONE = PINYIN_TONE_LETTERS + "êü" + "âãäîôû"
_PINYIN = re.compile(rf"\((?<=[{_HAN_CLASS}]\()(?=[a-z]*[{_TONE}])[a-z{_TONE}]{{1,7}}\)")
_EDGE_DECORATION = " ▼▲▽△↓↑⬇⬆⇩⇧👇👆☞☟☜➤➢►▶◀◄\ufe0f"
# Bullets that `paragraphs` makes `- ` list markers (its `bullet` rule), and quote markers, with
# the spaces around them: markup on a second run.
_BULLETS = "·•●・"
_LATER_MARKER = re.compile(r"[ \t\u3000]*(?:[·•●・][ \t\u3000]*|(?:>[ \t]?)+)")
_TABLE_EDGES = ("|-", "-|", "| -", "- |", "|:", ":|", "|\t-", "-\t|")  # one must be in a delimiter row
_TABLE_DELIMITER = re.compile(
    r"^[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)+\|?[ \t]*$|^[ \t]*\|[ \t]*:?-+:?[ \t]*\|[ \t]*$",
    re.M,
)
# Patterns using these cannot share a combined alternation (group numbers and names would clash).
_SELF_REFERENCE = re.compile(r"\\[1-9]|\\g<|\(\?P?<(?![=!])|\(\?P[=>]|\(\?&|\(\?R\)|\(\?[0-9+-]")


# --- rules --------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Rule:
    """One boilerplate rule, as read from a rule file (see docs/rules.md for every field)."""

    id: str
    category: str
    reason: str
    source: str
    order: int = 0
    scope: str = "anywhere"
    lines: int = 0
    pattern: str | None = None
    test: str | None = None
    params: tuple[tuple[str, Any], ...] = ()
    max_chars: int = _DEFAULT_MAX_CHARS
    starts_with: tuple[str, ...] = ()
    contains: tuple[str, ...] = ()
    long: bool = False
    ignore_case: bool = True
    remove: tuple[str, ...] = ()
    keep: tuple[str, ...] = ()
    warn: tuple[str, ...] = ()

    @property
    def builtin(self) -> bool:
        return self.source.startswith(BUILTIN_PREFIX)

    @property
    def scope_label(self) -> str:
        if self.test is not None:
            return "trailing" if self.test == "recommended-titles" else "document"
        return f"{self.scope} {self.lines}" if self.scope in ("head", "tail", "edges") else self.scope

    def param(self, name: str) -> Any:
        return self._params[name]

    @functools.cached_property
    def _params(self) -> dict[str, Any]:
        # Read once a round by each structural test: a dict, made once per rule.
        return dict(self.params)

    def compiled(self) -> Pattern:
        """The rule's own pattern, compiled as it is matched (whole key, flags applied)."""
        return _compile(_wrapped(self))


def _wrapped(rule: Rule) -> str:
    assert rule.pattern is not None
    return f"(?i:{rule.pattern})" if rule.ignore_case else f"(?:{rule.pattern})"


# Rule patterns are written for the `regex` module (it knows the Han property, `HAN_PROPERTY`).
# The standard `re` module runs plain patterns several times faster, so a pattern is compiled
# with `re` when, with the property spelled out as `cleaner.text.HAN`'s ranges, it uses nothing
# `re` reads differently (other Unicode properties, nested sets and POSIX classes, variable
# lookbehind, atomic groups, fuzzy matching); every other pattern with `regex`.
_REGEX_ONLY = re.compile(r"\\[pPXGKmMLN]|\[\[|\(\?[|Vrfweb]|\{(?!\d*(?:,\d*)?\})|\(\?(?:<[=!]|P?>|&|R\))")
Pattern = Any  # a compiled pattern from `re` or from `regex`; both have fullmatch()


def _for_re(pattern: str) -> str | None:
    """The pattern with the Han property spelled as ranges, or None if only `regex` reads it right.

    >>> _for_re(f"[^{HAN_PROPERTY}]{HAN_PROPERTY}+") == f"[^{HAN}][{HAN}]+"
    True
    """
    result = spell_han(pattern)
    return None if _REGEX_ONLY.search(result) else result


@lru_cache(maxsize=4096)
def _compile(pattern: str) -> Pattern:
    plain = _for_re(pattern)
    if plain is not None:
        try:
            return re.compile(plain)
        except re.error:
            pass
    return regex.compile(pattern)


def _fail(path: str, where: str, problem: str) -> RuleFileError:
    return RuleFileError(f"{where}: {problem}", path=path)


@lru_cache(maxsize=64)
def parse_rule_file(text: str, path: str) -> tuple[Rule, ...]:
    """Read and validate one rule file. Raises RuleFileError naming the rule and the problem.

    TOML, or YAML when the path ends in `.yaml` / `.yml` (a `rule:` list, or the list itself).

    >>> parse_rule_file('[[rule]]\\nid = "x"\\ncategory = "ad"\\nreason = "r"\\npattern = "广告"', "x.toml")[0].id
    'x'
    """
    data = _load_yaml(text, path) if path.lower().endswith((".yaml", ".yml")) else _load_toml(text, path)
    unknown = sorted(set(data) - {"rule"})
    if unknown:
        raise RuleFileError(f"unknown top-level key {unknown[0]!r} (a rule file holds [[rule]] tables)", path=path)
    entries = data.get("rule", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise RuleFileError("'rule' must be an array of tables ([[rule]])", path=path)
    rules = [_parse_rule(entry, index, path) for index, entry in enumerate(entries, 1)]
    seen: set[str] = set()
    for rule in rules:
        if rule.id in seen:
            raise _fail(path, f"rule '{rule.id}'", "id used twice in this file")
        seen.add(rule.id)
    return tuple(rules)


def _load_toml(text: str, path: str) -> dict[str, Any]:
    try:
        return load_toml(text)
    except TOMLDecodeError as error:
        raise RuleFileError(f"not valid TOML: {error}", path=path) from None


def _load_yaml(text: str, path: str) -> dict[str, Any]:
    import yaml

    try:
        data = load_yaml(text)  # the safe loader: no aliases, as for front matter
    except yaml.YAMLError as error:
        raise RuleFileError(f"not valid YAML: {' '.join(str(error).split())}", path=path) from None
    if data is None:
        return {}
    if isinstance(data, list):
        return {"rule": data}
    if not isinstance(data, dict):
        raise RuleFileError("a YAML rule file holds a 'rule:' list of rules", path=path)
    return data


def _parse_rule(entry: dict[str, Any], index: int, path: str) -> Rule:
    rule_id = entry.get("id")
    if not isinstance(rule_id, str) or not _SLUG.fullmatch(rule_id):
        where = f"rule #{index}"
        if rule_id is None:
            raise _fail(path, where, "missing 'id'")
        raise _fail(path, where, f"id {rule_id!r} must be lowercase letters, digits and dashes")
    where = f"rule '{rule_id}'"

    def text_field(name: str, required: bool = True) -> str | None:
        value = entry.get(name)
        if value is None:
            if required:
                raise _fail(path, where, f"missing '{name}'")
            return None
        if not isinstance(value, str) or not value.strip():
            raise _fail(path, where, f"'{name}' must be a non-empty string")
        return value

    def list_field(name: str) -> tuple[str, ...]:
        value = entry.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise _fail(path, where, f"'{name}' must be a list of non-empty strings")
        return tuple(value)

    category = text_field("category")
    assert category is not None
    if not _SLUG.fullmatch(category):
        raise _fail(path, where, f"category {category!r} must be lowercase letters, digits and dashes")
    reason = text_field("reason")
    assert reason is not None
    pattern = text_field("pattern", required=False)
    test = text_field("test", required=False)
    if (pattern is None) == (test is None):
        raise _fail(path, where, "give exactly one of 'pattern' (a regular expression) or 'test' (a structural test)")
    common: dict[str, Any] = {
        "id": rule_id,
        "category": category,
        "reason": reason.strip(),
        "source": path,
        "remove": list_field("remove"),
        "keep": list_field("keep"),
    }
    if test is not None:
        return _parse_test_rule(entry, test, common, path, where)

    unknown = sorted(set(entry) - _PATTERN_KEYS)
    if unknown:
        raise _fail(path, where, f"unknown key {unknown[0]!r}")
    scope = entry.get("scope", "anywhere")
    if scope not in SCOPES:
        raise _fail(path, where, f"scope {scope!r} is not one of {', '.join(SCOPES)}")
    lines = entry.get("lines")
    if scope in ("head", "tail", "edges"):
        if not _is_int(lines) or not 1 <= lines <= 100:
            raise _fail(path, where, f"scope {scope} needs 'lines', a number of lines from 1 to 100")
    elif lines is not None:
        raise _fail(path, where, f"'lines' applies to scopes head, tail and edges, not {scope}")
    max_chars = entry.get("max_chars", _DEFAULT_MAX_CHARS)
    if not _is_int(max_chars) or not 1 <= max_chars <= 5000:
        raise _fail(path, where, "'max_chars' must be a number from 1 to 5000")
    for flag in ("long", "ignore_case"):
        if flag in entry and not isinstance(entry[flag], bool):
            raise _fail(path, where, f"'{flag}' must be true or false")
    long = entry.get("long", False)
    starts_with = tuple(_anchor(s) for s in list_field("starts_with"))
    contains = tuple(_anchor(s) for s in list_field("contains"))
    if long and not starts_with:
        raise _fail(path, where, "a long rule needs 'starts_with': the fixed words its lines open with")
    if long and any(len(s) < _MIN_ANCHOR for s in starts_with):
        raise _fail(path, where, f"each 'starts_with' of a long rule needs at least {_MIN_ANCHOR} characters")
    ignore_case = entry.get("ignore_case", True)
    assert pattern is not None
    try:
        regex.compile(pattern)
        pattern = normalize_pattern(pattern)
        _compile(f"(?i:{pattern})" if ignore_case else f"(?:{pattern})")
    except (regex.error, re.error, OverflowError, RecursionError) as error:
        raise _fail(path, where, f"pattern is not a valid regular expression: {error}") from None
    return Rule(
        **common,
        scope=scope,
        lines=lines or 0,
        pattern=pattern,
        max_chars=max_chars,
        starts_with=starts_with,
        contains=contains,
        long=long,
        ignore_case=ignore_case,
    )


def _parse_test_rule(entry: dict[str, Any], test: str, common: dict[str, Any], path: str, where: str) -> Rule:
    if test not in TESTS:
        raise _fail(path, where, f"test {test!r} is not one of {', '.join(TESTS)}")
    defaults = TESTS[test]
    allowed = _COMMON_KEYS | {"test", "warn"} | set(defaults)
    unknown = sorted(set(entry) - allowed)
    if unknown:
        hint = f" (test {test} takes {', '.join(defaults) or 'no parameters'})"
        raise _fail(path, where, f"unknown key {unknown[0]!r}{hint}")
    params = []
    for name, default in defaults.items():
        value = entry.get(name, default)
        if isinstance(default, float):
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 < value <= 1:
                raise _fail(path, where, f"'{name}' must be a number above 0 and at most 1")
            value = float(value)
        elif not _is_int(value) or not 1 <= value <= 10000:
            raise _fail(path, where, f"'{name}' must be a whole number from 1 to 10000")
        params.append((name, value))
    warn = entry.get("warn", [])
    if not isinstance(warn, list) or not all(isinstance(v, str) and v.strip() for v in warn):
        raise _fail(path, where, "'warn' must be a list of non-empty strings")
    return Rule(**common, test=test, params=tuple(params), warn=tuple(warn))


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _anchor(text: str) -> str:
    return normalize(text).replace(" ", "")


@lru_cache(maxsize=1)
def builtin_rules() -> tuple[Rule, ...]:
    """The rules shipped in `data/boilerplate/`, in priority order."""
    folder = resources.files("cleaner").joinpath("data", "boilerplate")
    rules: list[Rule] = []
    for name in BUILTIN_FILES:
        text = folder.joinpath(name).read_text(encoding="utf-8")
        rules.extend(parse_rule_file(text, BUILTIN_PREFIX + name))
    return tuple(rules)


@dataclasses.dataclass(frozen=True)
class RuleSet:
    """All rules (built-in first, then the user's files, in order) and which are switched off."""

    all_rules: tuple[Rule, ...]
    disabled: frozenset[str]

    @functools.cached_property
    def rules(self) -> tuple[Rule, ...]:
        """The rules switched on, in priority order."""
        return tuple(r for r in self.all_rules if r.id not in self.disabled)

    @functools.cached_property
    def matcher(self) -> _Matcher:
        return _build_matcher(self.rules)


@lru_cache(maxsize=32)
def ruleset(user_files: tuple[DataFile, ...] = (), disable: tuple[str, ...] = ()) -> RuleSet:
    """Built-in and user rules, validated; `disable` names rule ids or categories to switch off."""
    rules: list[Rule] = list(builtin_rules())
    where = {r.id: r.source for r in rules}
    for data_file in user_files:
        parsed = parse_rule_file(data_file.text, data_file.path)
        for rule in parsed:
            if rule.id in where:
                other = where[rule.id]
                other = "a built-in rule" if other.startswith(BUILTIN_PREFIX) else other
                raise _fail(data_file.path, f"rule '{rule.id}'", f"id already used by {other}; choose another id")
            where[rule.id] = data_file.path
            problems = example_failures(rule)
            if problems:
                raise _fail(data_file.path, f"rule '{rule.id}'", problems[0])
        rules.extend(parsed)
    rules = [dataclasses.replace(r, order=i) for i, r in enumerate(rules)]
    ids = {r.id for r in rules}
    categories = {r.category for r in rules}
    off: set[str] = set()
    for name in disable:
        if name in ids:
            off.add(name)
        elif name in categories:
            off.update(r.id for r in rules if r.category == name)
        else:
            raise UsageError(f"disable_rules: no rule or category {name!r} (see cleaner --explain-rules)")
    return RuleSet(tuple(rules), frozenset(off))


def example_failures(rule: Rule) -> list[str]:
    """The line examples of a pattern rule that the rule gets wrong, judged line by line.

    Structural rules' examples are whole documents and are run by the test suite instead.
    """
    if rule.pattern is None:
        return []
    problems = []
    for line in rule.remove:
        if not matches_line(rule, line):
            problems.append(f"remove example {line!r} is not matched by the pattern")
    for line in rule.keep:
        if matches_line(rule, line):
            problems.append(f"keep example {line!r} is matched by the pattern")
    return problems


def matches_line(rule: Rule, line: str) -> bool:
    """Whether a pattern rule, on its own, would remove this line where its scope applies.

    >>> matches_line(next(r for r in builtin_rules() if r.id == "open-app-promo"), "打开網易新聞 查看精彩圖片")
    True
    """
    key = line_key(line)
    if not key or len(key) > rule.max_chars:
        return False
    nospace = key.replace(" ", "")
    if rule.starts_with and not nospace.startswith(rule.starts_with):
        return False
    if rule.contains and not any(c in nospace for c in rule.contains):
        return False
    if not rule.long and guarded(line):
        return False
    return rule.compiled().fullmatch(key) is not None


def check_options(options: BoilerplateOptions) -> None:
    """Parse and validate the built-in and user rule files once, before any document runs."""
    ruleset(*_option_args(options)).matcher  # noqa: B018 - compiles every pattern


def explain_rules(options: BoilerplateOptions | None = None) -> str:
    """A table of every rule: id, category, scope, on/off, reason (for `cleaner --explain-rules`)."""
    rules_ = ruleset(*_option_args(options))
    rows = [("ID", "CATEGORY", "SCOPE", "ON", "REASON")]
    for rule in rules_.all_rules:
        reason = rule.reason if rule.builtin else f"{rule.reason} [{rule.source}]"
        rows.append((rule.id, rule.category, rule.scope_label, "off" if rule.id in rules_.disabled else "on", reason))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row[:4], widths)) + "  " + row[4] for row in rows]
    categories = len({r.category for r in rules_.all_rules})
    lines.append(
        f"{len(rules_.all_rules)} rules in {categories} categories, {len(rules_.disabled)} off."
        " Rule files: docs/rules.md."
    )
    return "\n".join(lines) + "\n"


def category_of(rule_id: str, options: BoilerplateOptions | None = None) -> str:
    """The category of a rule id, for the report's per-category summary ('other' if unknown).

    A decision of the context classifier (`context-run [why]`) is in category `context`.
    """
    if rule_id.startswith("context-"):
        return CONTEXT_CATEGORY
    for rule in ruleset(*_option_args(options)).all_rules:
        if rule.id == rule_id:
            return rule.category
    return "other"


def _option_args(options: BoilerplateOptions | None) -> tuple[tuple[DataFile, ...], tuple[str, ...]]:
    """The rule files, and the disabled names that are this step's (others are other steps')."""
    if options is None:
        return (), ()
    return _own_args(tuple(options.rules), tuple(options.disable_rules))


@lru_cache(maxsize=32)
def _own_args(files: tuple[DataFile, ...], disable: tuple[str, ...]) -> tuple[tuple[DataFile, ...], tuple[str, ...]]:
    # Asked once per document and round: worked out once per set of options.
    every = ruleset(files).all_rules
    own = {r.id for r in every} | {r.category for r in every}
    return files, tuple(name for name in disable if name in own)


# --- the line key --------------------------------------------------------------------------------


def _t2s() -> Callable[[str], str]:
    from ..opencc_backend import converter

    return converter("t2s").convert


# Full-width ASCII forms to ASCII (`：` `，` `！` `（` `｜` `Ａ` `１`), odd spaces to a space, `…` to
# `...`: the part of NFKC a rule needs, done with `str.replace` per character present (NFKC and
# `str.translate` over whole documents cost more than the rest of the step together).
_FOLD = {chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)}
_FOLD.update({c: " " for c in "\u3000\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f"})
_FOLD["…"] = "..."
_FOLDABLE = re.compile("[" + "".join(_FOLD) + "]")
# What `_SPACE_RUN` matches besides a space once `_FOLD` has run (`str.isspace`, less `\n`).
_OTHER_SPACES = tuple(c for c in map(chr, range(0x3001)) if c.isspace() and c not in _FOLD and c not in " \n")


def normalize(text: str) -> str:
    """Lines of text as the rules see them (one output line per input line).

    >>> normalize("點擊查看大圖：  發(fā)展")
    '点击查看大图: 发展'
    """
    if not text.isascii():
        for char in set(_FOLDABLE.findall(text)):
            text = text.replace(char, _FOLD[char])
        if "(" in text:
            text = _PINYIN.sub("", text)  # a tone letter and a Han character: never in ASCII text
        if not text.isascii():
            text = _t2s()(text)
    # Spaces folded, a space alone is its own form: collapse only where a run or another space
    # character is (the scan of `in` tests is several times cheaper than the pattern's).
    if "  " in text or any(char in text for char in _OTHER_SPACES):
        text = _SPACE_RUN.sub(" ", text)
    return text


def normalize_lines(lines: Sequence[str]) -> list[str]:
    """`normalize` of each line, the lines converted together (one call to the converter).

    >>> normalize_lines(["點擊查看", "發(fā)展："])
    ['点击查看', '发展:']
    """
    if not lines:
        return []
    normalized = normalize("\n".join(lines)).split("\n")
    if len(normalized) != len(lines):  # a converter that changed the line count
        normalized = [normalize(line) for line in lines]
    return normalized


def normalize_pattern(pattern: str) -> str:
    """A rule's pattern in the form of the keys it meets: Simplified, full-width forms folded.

    A full-width character that folds to a regex metacharacter folds to it escaped, so a rule
    may write `（图）` or `：` as naturally as `(图)` or `:`.

    >>> normalize_pattern("點擊（查看）：")
    '点击\\\\(查看\\\\):'
    """
    for char in set(_FOLDABLE.findall(pattern)):
        folded = _FOLD[char]
        pattern = pattern.replace(char, folded if folded == " " or folded.isalnum() else re.escape(folded))
    return _t2s()(pattern) if not pattern.isascii() else pattern


def line_key(line: str) -> str:
    """The key a rule's pattern must match in full: normalised, trimmed, arrows at the ends cut."""
    return _trim(normalize(line))


def _trim(key: str) -> str:
    trimmed = key.strip(_EDGE_DECORATION)
    return trimmed if trimmed else key.strip()


def guarded(line: str) -> bool:
    """Whether a line is an article paragraph: a sentence-ending mark and more than 40 Han."""
    if len(line) <= GUARD_HAN or not _SENTENCE_END.search(line):
        return False
    return _MORE_THAN_GUARD_HAN.match(line) is not None


# More than `GUARD_HAN` Han characters: one match that stops at the 41st, not a count of all.
_MORE_THAN_GUARD_HAN = re.compile(f"(?:[^{_HAN_CLASS}]*[{_HAN_CLASS}]){{{GUARD_HAN + 1}}}")


# --- matching -------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _ScopeMatcher:
    """The rules of one scope.

    Most rules are matched through one alternation (branches in priority order, so the first to
    match names the rule), built for the key's first character from the rules that can start
    with it: a line starting with `打` meets the dozen rules that can, not all fifty. Rules with
    `starts_with` or `contains` are tried alone, and only when one pre-check over all their
    literals says one of them can match.
    """

    scope: str
    lines: int
    members: tuple[Rule, ...]
    by_first: dict[str, tuple[Rule, ...]]
    anywhere_first: tuple[Rule, ...]  # rules whose first character cannot be listed
    # The rules a key starting with a character meets (`by_first` and `anywhere_first`, in
    # priority order), as an index into `first_groups`: many characters share one group (every
    # digit, both cases of a letter), and a group's alternations are compiled once.
    first_group: dict[str, int]
    first_groups: tuple[tuple[Rule, ...], ...]  # the last: characters no rule lists
    max_chars: int
    anchored: tuple[tuple[Rule, Pattern], ...]
    anchors: tuple[str, ...]
    contained: tuple[tuple[Rule, Pattern], ...]
    any_contained: Pattern | None
    others: tuple[tuple[Rule, Pattern], ...]
    # Alternations built so far, by first character and by group (caches of values derived
    # from the rules).
    alternations: dict[str, tuple[tuple[Pattern, dict[str, Rule]], ...]] = dataclasses.field(
        default_factory=dict, compare=False, hash=False, repr=False
    )
    group_alternations: dict[int, tuple[tuple[Pattern, dict[str, Rule]], ...]] = dataclasses.field(
        default_factory=dict, compare=False, hash=False, repr=False
    )

    def best(self, key: str, nospace: str, long_only: bool) -> Rule | None:
        """The highest-priority rule of this scope that matches the key, if any.

        `long_only`: the line is a paragraph or too long for the others (see `_cut`).
        """
        found: list[Rule] = []
        size = len(key)
        if not long_only and size <= self.max_chars:
            first = key[0]
            alternations = self.alternations.get(first)
            if alternations is None:
                alternations = self.alternations[first] = self._alternations(first)
            for alternation, names in alternations:
                m = alternation.fullmatch(key)
                if m is not None:
                    rule: Rule | None = names[_group_name(m)]
                    if rule is not None and size > rule.max_chars:  # rare: retry the rules the line fits
                        rule = next(
                            (r for r in self.members if size <= r.max_chars and r.compiled().fullmatch(key)), None
                        )
                    if rule is not None:
                        found.append(rule)
        if self.anchored and nospace.startswith(self.anchors):
            found += _first(self.anchored, key, nospace, long_only)
        if self.any_contained is not None and self.any_contained.search(nospace):
            found += _first(self.contained, key, nospace, long_only)
        if self.others:
            found += _first(self.others, key, nospace, long_only)
        return min(found, key=_order) if found else None

    def _alternations(self, first: str) -> tuple[tuple[Pattern, dict[str, Rule]], ...]:
        group = self.first_group.get(first, len(self.first_groups) - 1)
        found = self.group_alternations.get(group)
        if found is None:
            found = self.group_alternations[group] = self._build_alternations(self.first_groups[group])
        return found

    def _build_alternations(self, rules: tuple[Rule, ...]) -> tuple[tuple[Pattern, dict[str, Rule]], ...]:
        built = []
        for plain in (True, False):
            part = {f"_r{r.order}": r for r in rules if (_for_re(r.pattern or "") is not None) == plain}
            if part:
                pattern = _compile("|".join(f"(?P<{name}>{_wrapped(r)})" for name, r in part.items()))
                built.append((pattern, part))
        return tuple(built)


_ANY = None  # a first-character set too wide to list


def first_characters(rule: Rule) -> frozenset[str] | None:
    """The characters a key matched by the rule can start with, or None if they cannot be listed.

    Read from the parsed pattern: literals, small classes and the branches and optional parts
    before the first required item. Keys are never empty and never start with a space, so a
    leading `\\s` adds nothing.

    >>> sorted(first_characters(Rule("x", "x", "an example", "<doc>", pattern="(?:打开|下载)\\\\s?APP")))
    ['下', '打']
    """
    plain = _for_re(rule.pattern or "")
    if plain is None:
        plain = _for_first_characters(rule.pattern or "")
    if plain is None:
        return _ANY
    try:
        parsed = sre_parse.parse(plain)
    except Exception:  # noqa: BLE001 - anything the parser refuses is simply not indexed
        return _ANY
    chars, _ = _first_of(list(parsed))
    if chars is _ANY:
        return _ANY
    if rule.ignore_case or "(?i" in plain:
        chars = {v for c in chars for v in (c, c.lower(), c.upper(), c.casefold(), c.swapcase())}
        chars |= {special for c, special in (("k", "\u212a"), ("s", "\u017f"), ("i", "\u0130\u0131")) if c in chars for special in special}
    return frozenset(chars)


def _for_first_characters(pattern: str) -> str | None:
    r"""The pattern as `re` reads it for its first characters, where only escaped braces (`\{`,
    a literal in both modules, which `_REGEX_ONLY` takes for a fuzzy-matching brace) kept it
    from `re`: so `\{:toc\}` is tried only on keys that start with `{`.

    >>> _for_first_characters(r"\{:toc\}") == r"\{:toc\}"
    True
    >>> _for_first_characters("(?:abc){e<=1}") is None
    True
    """
    result = spell_han(pattern)
    unbraced = _ESCAPE.sub(lambda m: "" if m.group(1) in "{}" else m.group(), result)
    return None if _REGEX_ONLY.search(unbraced) else result


_ESCAPE = re.compile(r"\\(.)", re.S)


@lru_cache(maxsize=1)
def _decimal_digits() -> frozenset[str]:
    # What `\d` matches in a `str` pattern (Unicode decimal digits); the BMP holds all but a few
    # script-specific ones no key will start with after full-width folding.
    return frozenset(chr(c) for c in range(0x10000) if chr(c).isdecimal())


def _first_of(items: list[Any]) -> tuple[set[str] | None, bool]:
    """First characters of a sequence of parsed items, and whether it can match nothing."""
    found: set[str] = set()
    for op, value in items:
        chars, empty = _first_of_item(str(op), value)
        if chars is _ANY:
            return _ANY, False
        found |= chars
        if not empty:
            return found, False
    return found, True


def _first_of_item(op: str, value: Any) -> tuple[set[str] | None, bool]:
    if op == "LITERAL":
        return {chr(value)}, False
    if op == "IN":
        chars: set[str] = set()
        for kind, item in value:
            kind = str(kind)
            if kind == "LITERAL":
                chars.add(chr(item))
            elif kind == "RANGE" and item[1] - item[0] <= 256:
                chars.update(map(chr, range(item[0], item[1] + 1)))
            elif kind == "CATEGORY" and str(item) in ("CATEGORY_SPACE", "CATEGORY_UNI_SPACE"):
                continue  # a key never starts with a space
            elif kind == "CATEGORY" and str(item) in ("CATEGORY_DIGIT", "CATEGORY_UNI_DIGIT"):
                chars |= _decimal_digits()
            else:
                return _ANY, False
        return chars, False
    if op == "BRANCH":
        found: set[str] = set()
        empty = False
        for branch in value[1]:
            branch_chars, branch_empty = _first_of(list(branch))
            if branch_chars is None:
                return _ANY, False
            found |= branch_chars
            empty = empty or branch_empty
        return found, empty
    if op == "SUBPATTERN":
        return _first_of(list(value[-1]))
    if op == "ATOMIC_GROUP":
        return _first_of(list(value))
    if op in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
        low, _, body = value
        body_chars, empty = _first_of(list(body))
        return body_chars, empty or low == 0
    if op in ("AT", "ASSERT", "ASSERT_NOT"):
        return set(), True  # consumes nothing
    return _ANY, False


def _first(candidates: Iterable[tuple[Rule, Pattern]], key: str, nospace: str, long_only: bool) -> list[Rule]:
    for rule, pattern in candidates:
        if len(key) > rule.max_chars or (long_only and not rule.long):
            continue
        if rule.starts_with and not nospace.startswith(rule.starts_with):
            continue
        if rule.contains and not any(c in nospace for c in rule.contains):
            continue
        if pattern.fullmatch(key) is not None:
            return [rule]
    return []


def _best_of(scope: _ScopeMatcher, lookup: tuple[str, str, bool], despaced: tuple[str, str, bool] | None) -> Rule | None:
    found = scope.best(*lookup)
    if despaced is None:
        return found
    other = scope.best(*despaced)
    if found is None or (other is not None and other.order < found.order):
        return other
    return found


def _order(rule: Rule) -> int:
    return rule.order


@dataclasses.dataclass(frozen=True)
class _Matcher:
    anywhere: tuple[_ScopeMatcher, ...]
    positional: tuple[_ScopeMatcher, ...]
    long_anchors: tuple[str, ...]
    short_limit: int
    anchor_chars: int
    tests: tuple[Rule, ...]  # the structural rules switched on, in priority order
    # What a key needs for any positional rule to have a chance: a first character one lists,
    # or a literal one needs somewhere; `positional_open`: some rule can match without either.
    positional_firsts: frozenset[str]
    positional_literals: tuple[str, ...]
    positional_open: bool
    head_depth: int  # how far the head and tail passes may reach (`_judge`)
    tail_depth: int


def _group_name(m: Any) -> str:
    if m.lastgroup is not None and m.lastgroup.startswith("_r"):
        return str(m.lastgroup)
    return str(next(name for name, value in m.groupdict().items() if name.startswith("_r") and value is not None))


def _build_matcher(enabled: tuple[Rule, ...]) -> _Matcher:
    pattern_rules = [r for r in enabled if r.pattern is not None]
    scopes: dict[tuple[str, int], list[Rule]] = {}
    for rule in pattern_rules:
        scopes.setdefault((rule.scope, rule.lines), []).append(rule)
    built = []
    for (scope, lines), members in scopes.items():
        grouped = [
            r for r in members if not (r.starts_with or r.contains or _SELF_REFERENCE.search(r.pattern or ""))
        ]
        anchored = tuple((r, r.compiled()) for r in members if r.starts_with)
        contained = tuple((r, r.compiled()) for r in members if r.contains and not r.starts_with)
        others = tuple((r, r.compiled()) for r in members if r not in grouped and not (r.starts_with or r.contains))
        literals = sorted({c for r, _ in contained for c in r.contains}, key=len, reverse=True)
        any_contained = re.compile("|".join(map(re.escape, literals))) if literals else None
        by_first: dict[str, list[Rule]] = {}
        anywhere_first = []
        for rule in grouped:
            chars = first_characters(rule)
            if chars is None:
                anywhere_first.append(rule)
            else:
                for char in chars:
                    by_first.setdefault(char, []).append(rule)
        max_chars = max((r.max_chars for r in grouped), default=0)
        groups: dict[tuple[Rule, ...], int] = {}
        first_group = {
            char: groups.setdefault(tuple(sorted({*rules, *anywhere_first}, key=_order)), len(groups))
            for char, rules in by_first.items()
        }
        built.append(
            _ScopeMatcher(
                scope,
                lines,
                tuple(grouped),
                {char: tuple(rules) for char, rules in by_first.items()},
                tuple(anywhere_first),
                first_group,
                (*groups, tuple(sorted(anywhere_first, key=_order))),
                max_chars,
                anchored,
                tuple(sorted({a for r, _ in anchored for a in r.starts_with})),
                contained,
                any_contained,
                others,
            )
        )
    anchors = tuple(sorted({a for r in pattern_rules if r.long for a in r.starts_with}))
    short = [r.max_chars for r in pattern_rules if not r.long]
    short += [int(r.param("max_chars")) for r in enabled if r.test in ("repeated-line", "recommended-titles")]
    positional = tuple(m for m in built if m.scope != "anywhere")
    tail_depth = max((m.lines for m in positional if m.scope in ("tail", "edges")), default=0)
    return _Matcher(
        anywhere=tuple(m for m in built if m.scope == "anywhere"),
        positional=positional,
        long_anchors=anchors,
        short_limit=max(short, default=0),
        anchor_chars=max((len(a) for a in anchors), default=0),
        tests=tuple(r for r in enabled if r.test is not None),
        positional_firsts=frozenset(char for m in positional for char in m.first_group),
        positional_literals=tuple(sorted({c for m in positional for r, _ in m.contained for c in r.contains})),
        positional_open=any(m.first_groups[-1] or m.anchored or m.others for m in positional),
        head_depth=max((m.lines for m in positional if m.scope in ("head", "edges")), default=0),
        tail_depth=max(tail_depth, 1) if any(m.scope == "trailing" for m in positional) else tail_depth,
    )


# --- the step -------------------------------------------------------------------------------------


@dataclasses.dataclass
class _Lines:
    """The body cut into lines, with what the rules need to know about each."""

    raw: list[str]
    stripped: list[str]
    # Line numbers and offsets are machine integers (`array`): an int object per line in each
    # list cost more than the line's text.
    starts: Sequence[int]
    content_start: Sequence[int]  # offset of the text after a list/heading/quote marker
    # Flags are `bytearray`s, a byte a line (1: yes).
    judged: bytearray  # 0: protected, in a table, or holding protected text
    blank: bytearray
    heading: bytearray
    marked: bytearray  # has a list, heading or quote marker
    keys: list[str | None]
    truncated: bytearray  # a paragraph or a long line: only long rules apply, key is its opening
    plain: Sequence[int]  # judged, not blank, no list/heading/quote marker: what structural tests see
    tables: bool  # the text may hold a Markdown table (see `_settled`)
    body: str


def boilerplate(doc: Document, options: BoilerplateOptions | None = None) -> Document:
    """Remove boilerplate lines, each recorded whole; warn about near-duplicates and heavy losses.

    `打开网易新闻 查看精彩图片\\n正文。\\n` -> `正文。\\n` (change: rule open-app-promo, the line).

    The step runs to its fixed point: a removal can bring a line into a rule's head or tail
    scope (or next to chrome), and a second run of the pipeline must find nothing more.
    """
    size = len(doc.body)
    warnings: list[Report] = []
    for round_ in range(_MAX_ROUNDS):
        length = len(doc.body)
        doc, found, settled = _one_round(doc, options)
        if round_ == 0:
            warnings = found  # a later round would repeat the near-duplicate warnings
        if settled or len(doc.body) == length or not doc.body:
            break
    return doc.add_warnings(warnings + _removed_share(doc, size - len(doc.body), size))


def _removed_share(doc: Document, lost: int, size: int) -> list[Report]:
    if size and lost / size > MAX_REMOVED_SHARE:
        message = (
            f"{doc.path}: boilerplate removed {lost / size:.0%} of the characters"
            f" (more than {MAX_REMOVED_SHARE:.0%}); check the rules that fired"
        )
        return [Report(STEP, "removed-share", 0, message)]
    return []


# Rounds of the step before it stops (see `boilerplate`).
_MAX_ROUNDS = 4


def _one_round(doc: Document, options: BoilerplateOptions | None) -> tuple[Document, list[Report], bool]:
    """One pass of the rules and the classifier; the flag says a second pass would find nothing
    more (`_settled`), so the caller need not run one."""
    rules_ = ruleset(*_option_args(options))
    enabled = rules_.rules
    mode = options.boilerplate_mode if options is not None else DEFAULT_MODE
    if options is not None and CONTEXT_CATEGORY in options.disable_rules:
        mode = "off"  # `--disable-rule context` turns the whole classifier off
    if not doc.body or not enabled:
        return doc, [], True
    doc = doc.with_spans()
    body = doc.body
    matcher = rules_.matcher
    lines = _cut(body, doc.masked(), doc.protected(), matcher)
    removed, blank_edits = _judge(lines, matcher)
    # What the classifier adds to the rules' removals (not a merged copy: on a page of repeated
    # rows that would be a second table of every line).
    extra: dict[int, str] = {}
    view: LineView | None = None
    if mode != "off":
        view = LineView(lines.raw, lines.keys, lines.blank, lines.judged, lines.marked, lines.heading, _despaced)
        extra = {i: why for i, why in classify(view, removed, mode).items() if i not in removed}
    # The lines that go, as places and names: the per-line tables are several times the body's
    # size, and go before the edits and the change records are made, so they are not held together.
    places = array("q")
    names: list[str] = []  # each line's rule id and category: strings shared by all its lines
    categories: list[str] = []
    decisions = chain(
        ((i, rule.id, rule.category) for i, rule in removed.items()),
        ((i, why, CONTEXT_CATEGORY) for i, why in extra.items()),
    )
    for i, rule_name, category in decisions:
        end = lines.starts[i] + len(lines.raw[i])
        if end < len(body):
            end += 1  # the line's newline goes with it
        places.extend((lines.starts[i], end))
        names.append(rule_name)
        # The record says what it is: a removal, in its rule's category (the report counts these).
        categories.append(category)
    warnings = _near_duplicates(lines, removed, matcher.tests)
    settled = _settled(lines, removed, extra, view is not None) and not doc.disabled_rules
    del lines, removed, extra, view
    edits = list(blank_edits)
    for k, rule_name in enumerate(names):
        edits.append(Edit(places[2 * k], places[2 * k + 1], "", rule_name, kind=REMOVAL, category=categories[k]))
    del places, names, categories
    return (doc.edit(STEP, edits) if edits else doc), warnings, settled


def _settled(lines: _Lines, removed: dict[int, Rule], extra: Mapping[int, str], classified: bool) -> bool:
    """Whether a second round is sure to remove nothing more, so the step need not run one.

    A second round meets the kept lines as they were, less the removed ones; each line's key,
    protection and rule matches are its own. What can differ is what the removed lines' absence
    does to their neighbours:

    - lines the classifier removed counted as staying when this round's head and tail rules
      counted positions: gone, they bring lines into those scopes (a second round is needed);
    - rule-removed lines never counted there, and to the classifier they were chrome: gone, the
      runs around them see chrome or the document's edge as before, and nothing is beside a
      removed line any more;
    - between the first and last kept lines, their absence can join a table to the rows after
      it, or the items of a head-of-page menu into a longer menu (a second round is needed
      when the text has a table or opens with a list item).

    Removals at the document's ends only (the usual page chrome) settle at once; so does a
    round that removed nothing (a whitespace-only line emptied stays blank).
    """
    if extra:  # the classifier removed lines of its own
        return False
    if not removed:
        return True
    n = len(lines.raw)
    blank = lines.blank
    first = next((i for i in range(n) if not blank[i] and i not in removed), n)
    last = next((i for i in range(n - 1, first - 1, -1) if not blank[i] and i not in removed), first)
    if all(i < first or i > last for i in removed):
        return True
    return not lines.tables and not (classified and may_open_menu(lines.raw[first]))


# A key as the `spacing` step leaves it (`without_han_spaces`, a pure function). Its list test is
# the costliest part of judging a short line, and the lines that hold spaces between Han are
# mostly page chrome, the same on every page of a site: remembered, a bounded number of them.
_despaced = lru_cache(maxsize=1024)(without_han_spaces)


# Lines normalised together (see `_cut`): large enough that the converter's per-call cost is
# spread, small enough that the batch's strings are a small share of a large document.
_NORMALIZE_BATCH = 4096
# Distinct line keys remembered while the lookups are built (see `_judge`).
_RECENT_LOOKUPS = 4096


def _cut(body: str, masked: str, spans: Sequence[Span], matcher: _Matcher) -> _Lines:
    raw = body.split("\n")
    masked_lines = masked.split("\n") if MARKUP in masked else raw
    n = len(raw)
    # A line starts where the lines before it and their newlines end (C-level iterators).
    starts = array("q", map(add, accumulate(map(len, raw), initial=0), range(n)))
    judged = bytearray(b"\x01") * n  # flags a byte a line: a list of bools is eight
    for span in spans:
        first = bisect_right(starts, span.start) - 1
        last = bisect_right(starts, max(span.start, span.end - 1)) - 1
        if span.kind in _UNTOUCHABLE or last > first:
            for i in range(first, last + 1):
                judged[i] = False
    tables = "|" in body and any(edge in body for edge in _TABLE_EDGES)
    if tables:
        _mark_tables(masked, starts, judged)
    stripped = [line.strip() for line in raw]
    blank = bytearray(map(not_, stripped))
    has_markup = MARKUP in masked
    if has_markup:
        skips = [len(m) - len(m.lstrip(MARKUP)) for m in masked_lines]
        marked = bytearray(skip > 0 for skip in skips)
        heading = bytearray(skip > 0 and line[:skip].lstrip(" \t>").startswith("#") for line, skip in zip(raw, skips))
    else:
        skips = [0] * n
        marked = heading = bytearray(n)
    if ">" in body or any(bullet in body for bullet in _BULLETS):
        # Markers a second run skips as markup that this one does not see as such: `paragraphs`
        # makes a `·` bullet a `- ` list marker, and splits a quote's lines into quotes of their
        # own (only the first line's `>` is markup here). The key skips them now, so a rule and
        # the classifier meet the same text in both runs.
        for i, line in enumerate(raw):
            marker = None if skips[i] else _LATER_MARKER.match(line)
            if marker is not None and marker.end() > 0:
                skips[i] = marker.end()
    content_start: Sequence[int] = array("q", map(add, starts, skips)) if any(skips) else starts
    texts: list[str] = []
    where = array("q")
    truncated = bytearray(n)
    plain = array("q")
    short_limit = matcher.short_limit + 8
    opening = 2 * matcher.anchor_chars + 8 if matcher.anchor_chars else 0
    for i in compress(range(n), map(gt, judged, blank)):  # judged and not blank
        line = raw[i]
        if not marked[i]:
            plain.append(i)
        text = line[skips[i] :] if skips[i] else line
        if len(text) > short_limit or guarded(line):
            # Only a long rule can match a paragraph or a line this long, and its anchor is in
            # the first words: normalise those now, the whole line only if they hold one.
            text = text[:opening]
            truncated[i] = True
        if text:
            texts.append(text)
            where.append(i)
    keys: list[str | None] = [None] * n
    # Normalised a batch of lines at a time, each distinct line once: the whole text at once
    # held every line's key and every regex piece of it together (a 1 MB table: 16 MB), and a
    # line repeated thousands of times (a table, scraped navigation) needs one key object.
    for first in range(0, len(texts), _NORMALIZE_BATCH):
        batch = texts[first : first + _NORMALIZE_BATCH]
        distinct = list(dict.fromkeys(batch))
        normalized = normalize_lines(distinct)
        # A line that normalisation leaves as it is (plain Simplified text) is its own key.
        key_of = {}
        for text, key in zip(distinct, normalized):
            key = _trim(key)
            key_of[text] = text if key == text else key
        for i, text in zip(where[first : first + _NORMALIZE_BATCH], batch):
            keys[i] = key_of[text]
    return _Lines(raw, stripped, starts, content_start, judged, blank, heading, marked, keys, truncated, plain, tables, body)


def _mark_tables(masked: str, starts: Sequence[int], judged: bytearray) -> None:
    lines = masked.split("\n")
    for m in _TABLE_DELIMITER.finditer(masked):
        row = bisect_right(starts, m.start()) - 1
        if row > 0 and "|" in lines[row - 1]:
            judged[row - 1] = False
        judged[row] = False
        below = row + 1
        while below < len(lines) and "|" in lines[below] and lines[below].strip():
            judged[below] = False
            below += 1


def _judge(lines: _Lines, matcher: _Matcher) -> tuple[dict[int, Rule], list[Edit]]:
    """Decide which lines go and by which rule; whitespace-only lines become empty edits."""
    n = len(lines.raw)
    # By line, a list not a dict: a dict entry and an int key per line cost more than the line.
    lookups: list[tuple[str, str, bool] | None] = [None] * n
    both: dict[int, tuple[str, str, bool]] = {}
    recent: dict[bool, dict[str, tuple[tuple[str, str, bool], tuple[str, str, bool] | None]]] = {False: {}, True: {}}
    looked = array("q")
    for i in compress(range(n), lines.keys):  # the lines with a key (C-level skip of the rest)
        key = lines.keys[i]
        assert key is not None
        long_only = bool(lines.truncated[i])
        if long_only:
            lines.keys[i] = None  # the opening words only: no use to the structural tests
            if not key.replace(" ", "").startswith(matcher.long_anchors):
                continue
            key = line_key(lines.raw[i][lines.content_start[i] - lines.starts[i] :])
        if not key:
            continue  # a marker with nothing after it (`> `): no rule matches nothing
        # A line repeated down the page (a table row, navigation) shares one lookup: a tuple
        # and two strings per line were most of the step's memory. Bounded, so that distinct
        # lines cost no more than before.
        memo = recent[long_only]
        shared = memo.get(key)
        if shared is None:
            if len(memo) >= _RECENT_LOOKUPS:
                memo.clear()
            # The `spacing` step removes spaces between Han after this step: a line must be
            # judged as it is then too, or a second run would remove what the first kept.
            if " " in key:
                despaced = _despaced(key)
                shared = memo[key] = (
                    (key, key.replace(" ", ""), long_only),
                    (despaced, despaced.replace(" ", ""), long_only) if despaced != key else None,
                )
            else:
                shared = memo[key] = ((key, key, long_only), None)
        lookups[i] = shared[0]
        looked.append(i)
        if shared[1] is not None:
            both[i] = shared[1]

    removed: dict[int, Rule] = {}
    blank_edits: list[Edit] = []
    tests = matcher.tests
    for rule in tests:
        if rule.test == "blank-line":
            blank_edits += _blank_lines(lines, rule)
        elif rule.test == "repeated-line":
            _claim(removed, _repeated_lines(lines, rule), rule)
        elif rule.test == "duplicate-paragraph":
            _claim(removed, _duplicate_paragraphs(lines, rule), rule)
    for i in looked:
        lookup = lookups[i]
        assert lookup is not None
        for scope in matcher.anywhere:
            found = _best_of(scope, lookup, both.get(i))
            if found is not None:
                _claim(removed, [i], found)

    # Head, tail and trailing rules are tried only on the lines those passes reach.
    # Keyed by what the answer depends on, not by line: when every line goes (a repeated table
    # row), the head pass walks them all, and one entry per line and scope held 10 bytes per
    # input byte.
    cache: dict[tuple[tuple[str, str, bool], tuple[str, str, bool] | None], tuple[Rule | None, ...]] = {}
    scopes = matcher.positional
    nothing: tuple[Rule | None, ...] = (None,) * len(scopes)
    firsts, literals = matcher.positional_firsts, matcher.positional_literals

    def _may_match(lookup: tuple[str, str, bool]) -> bool:
        key, nospace, long_only = lookup
        return (not long_only and key[0] in firsts) or any(c in nospace for c in literals)

    def positional(i: int, position: int, at_head: bool) -> Rule | None:
        lookup = lookups[i]
        if lookup is None:
            return None
        despaced = both.get(i)
        found = cache.get((lookup, despaced))
        if found is None:
            if not (matcher.positional_open or _may_match(lookup) or (despaced is not None and _may_match(despaced))):
                found = cache[lookup, despaced] = nothing
            else:
                # Every positional scope at once: a line the head and tail passes both reach,
                # or that a later round of the loop below meets again, is matched once.
                found = cache[lookup, despaced] = tuple(_best_of(scope, lookup, despaced) for scope in scopes)
        best: Rule | None = None
        for scope, rule in zip(scopes, found):
            if (
                rule is not None
                and (best is None or rule.order < best.order)
                and _applies(scope.scope, scope.lines, position, at_head)
            ):
                best = rule
        return best

    titles = [r for r in tests if r.test == "recommended-titles"]
    head_depth, tail_depth = matcher.head_depth, matcher.tail_depth
    # Positions count only the lines that stay, so a second run sees the same head and tail:
    # repeat until nothing more goes (each round only adds removals, so this ends).
    for _ in range(n + 1):
        before = len(removed)
        if head_depth:
            _positional(lines, positional, removed, range(n), head_depth, at_head=True)
        if tail_depth:
            _positional(lines, positional, removed, range(n - 1, -1, -1), tail_depth, at_head=False)
        for rule in titles:
            _claim(removed, _recommended_titles(lines, removed, rule), rule)
        if len(removed) == before:
            break
    return removed, blank_edits


def _claim(removed: dict[int, Rule], indices: Iterable[int], rule: Rule) -> None:
    for i in indices:
        current = removed.get(i)
        if current is None or rule.order < current.order:
            removed[i] = rule


def _positional(
    lines: _Lines,
    positional: Callable[[int, int, bool], Rule | None],
    removed: dict[int, Rule],
    order: Iterable[int],
    depth: int,
    *,
    at_head: bool,
) -> None:
    kept = 0
    for i in order:
        if kept >= depth:
            break
        if lines.blank[i]:
            continue
        rule = positional(i, kept, at_head)
        if rule is not None:
            _claim(removed, [i], rule)
        if i not in removed:
            kept += 1
            # The head (tail) ends at the article's first (last) paragraph: a date below the
            # first paragraph is the signature of a notice, not the page's dateline.
            if lines.judged[i] and is_prose(lines.raw[i]):
                break


def _applies(scope: str, lines: int, position: int, at_head: bool) -> bool:
    if scope == "edges" or scope == ("head" if at_head else "tail"):
        return position < lines
    return scope == "trailing" and not at_head and position == 0


def _blank_lines(lines: _Lines, rule: Rule) -> list[Edit]:
    edits = []
    raw = lines.raw
    # Blank lines that hold something (spaces, a CR), found with C-level iterators.
    for i in compress(range(len(raw)), map(mul, lines.blank, map(len, raw))):
        line = raw[i]
        if lines.judged[i]:
            size = len(line) - 1 if line.endswith("\r") else len(line)
            if size:
                # Spaces on an empty line are no content: a repair, not a removal.
                edits.append(Edit(lines.starts[i], lines.starts[i] + size, "", rule.id, kind=REPAIR, category=rule.category))
    return edits


def _repeated_lines(lines: _Lines, rule: Rule) -> list[int]:
    min_count, min_chars, max_chars = (int(rule.param(p)) for p in ("min_count", "min_chars", "max_chars"))
    found: dict[str, list[int]] = {}
    keys = lines.keys
    for i in lines.plain:
        key = keys[i]
        if key is None or not min_chars <= len(key) <= max_chars:
            continue
        # A speaker label ("记者：") or a repeated sentence ("是的。") is the article's own text.
        if key.endswith((":", ",")) or _KEY_SENTENCE_END.search(key):
            continue
        found.setdefault(key.replace(" ", ""), []).append(i)
    return [i for group in found.values() if len(group) >= min_count for i in group]


_UNCOUNTED = " \t.…。-—―"
# Copies compared as the later steps leave them: quotes of either kind are one, bullets are one,
# a run of `...` is one, a run of dashes is one `-`, spaces do not count. Each pass is one
# C-level `re.sub` or `str.replace` over all the lines at once; in this order (dots, dashes,
# forms, spaces) they give what one left-to-right pass of the four would.
_DUPLICATE_FORMS = {"“": '"', "”": '"', "‘": "'", "’": "'", "•": "·", "・": "·", "‧": "·", "∙": "·", "･": "·"}
_DUPLICATE_DOTS = re.compile(r"(?<=\.\.\.)(?:\.\.\.)+")
_DUPLICATE_DASHES = re.compile(r"(?:—|―|-{2,})+")
_DUPLICATE_SPACES = re.compile(r"[ \t]+")


def _duplicate_forms(text: str) -> str:
    """Text (one or many lines) with the differences the later steps make taken out.

    >>> _duplicate_forms("“他说” -- 好......  •  是")
    '"他说"-好...·是'
    """
    if "..." in text:
        text = _DUPLICATE_DOTS.sub("", text)
    if "—" in text or "―" in text or "--" in text:
        text = _DUPLICATE_DASHES.sub("-", text)
    for char, form in _DUPLICATE_FORMS.items():
        if char in text:
            text = text.replace(char, form)
    return _DUPLICATE_SPACES.sub("", text) if " " in text or "\t" in text else text


def _duplicate_paragraphs(lines: _Lines, rule: Rule) -> list[int]:
    min_chars = int(rule.param("min_chars"))
    first: set[str] = set()
    copies = []
    stripped = lines.stripped
    # Copies are compared as the later steps will leave them, or a second run would find copies
    # the first did not: spaces do not count (`spacing`), marks of either width and quotes of
    # either kind are one (`punctuation`), nor does the script (`script`; `normalize` folds both).
    candidates = [i for i in lines.plain if len(stripped[i].replace(" ", "").replace("\t", "")) >= min_chars]
    if len(candidates) < 2:
        return []
    # Copies have as many characters, less those the later steps add or take away (spaces,
    # dots and dashes): only lines that share that size with another are normalised (the
    # conversion to Simplified is the costly part). Only the characters the text holds are
    # counted.
    uncounted = [c for c in _UNCOUNTED if c in lines.body]
    by_size: dict[int, list[int]] = {}
    for i in candidates:
        text = stripped[i]
        size = len(text)
        for c in uncounted:
            size -= text.count(c)
        by_size.setdefault(size, []).append(i)
    # Among lines of one size, copies also hold as many commas (either width) and enumeration
    # commas: no step and no normalisation adds or removes those.
    shared: list[int] = []
    for group in by_size.values():
        if len(group) > 1:
            by_marks: dict[tuple[int, int], list[int]] = {}
            for i in group:
                text = stripped[i]
                by_marks.setdefault((text.count("，") + text.count(","), text.count("、")), []).append(i)
            shared += (i for same in by_marks.values() if len(same) > 1 for i in same)
    if not shared:
        return []
    candidates = sorted(shared)
    keys = _duplicate_forms("\n".join(normalize_lines([stripped[i] for i in candidates]))).split("\n")
    for i, text in zip(candidates, keys):
        if text in first:
            copies.append(i)
        else:
            first.add(text)
    return copies


def _recommended_titles(lines: _Lines, removed: dict[int, Rule], rule: Rule) -> list[int]:
    """Bare titles after the article's last sentence, when other boilerplate vouches for them.

    The run of title-like lines at the end goes if a related-reading header (a removed line of
    this rule's category) opens it, or if it is at least `min_lines` long, follows a line that
    ends a sentence, and other boilerplate was removed after or among it. A list of key points
    closing an article has the same shape; without that evidence it stays.
    """
    min_lines, min_han, max_chars = (int(rule.param(p)) for p in ("min_lines", "min_han", "max_chars"))
    run: list[int] = []
    header = False
    evidence = False
    boundary: int | None = None
    for i in range(len(lines.raw) - 1, -1, -1):
        if lines.blank[i]:
            continue
        if i in removed:
            done = removed[i]
            if done.category == rule.category and done.id != rule.id:
                header = True  # a "推荐阅读" header: what follows it is the list
                break
            evidence = evidence or done.id != rule.id
            continue
        key = lines.keys[i]
        if key is not None and lines.judged[i] and not lines.heading[i] and _title_like(key, min_han, max_chars):
            run.append(i)
            continue
        boundary = i
        break
    if not run:
        return []
    if header:
        return run
    if len(run) < min_lines or boundary is None or not evidence or any(lines.marked[i] for i in run):
        return []
    last = lines.raw[boundary]
    if not lines.judged[boundary] or not _ENDS_SENTENCE.search(last):
        return []
    keys = [lines.keys[i] or "" for i in run]
    if len({len(k) for k in keys}) == 1 and not any(_PUNCT.search(k) for k in keys):
        return []  # equal lines without punctuation: the lines of a poem, not a list of titles
    return run


def _title_like(key: str, min_han: int, max_chars: int) -> bool:
    if len(key) > max_chars or _KEY_SENTENCE_END.search(key) or key.endswith((":", ",", ";", "、")):
        return False
    han = _han_count(key)
    return han >= min_han and han * 2 >= len(key.replace(" ", ""))


_NEAR_CANDIDATES = 16


def _near_duplicates(lines: _Lines, removed: dict[int, Rule], tests: Sequence[Rule]) -> list[Report]:
    warnings = []
    for rule in tests:
        if rule.test != "near-duplicate-paragraph":
            continue
        min_chars, similarity = int(rule.param("min_chars")), float(rule.param("similarity"))
        heads: dict[str, list[int]] = {}
        tails: dict[str, list[int]] = {}
        norms: dict[int, str] = {}
        grams: dict[int, set[str]] = {}
        stripped = lines.stripped
        judged = lines.judged
        long_enough = compress(range(len(stripped)), map(ge, map(len, stripped), repeat(min_chars)))
        candidates = [i for i in long_enough if judged[i] and i not in removed]
        # Copies that differ in a few places still share their first or last words. A speaker
        # label opens many paragraphs of an interview and says nothing about copies.
        texts = [stripped[i] for i in candidates]
        first_words = [_first_words(t) if ":" in t[:25] or "：" in t[:25] else t[:12].lstrip() for t in texts]
        last_words = [t[-12:] for t in texts]
        if len(set(first_words)) == len(first_words) and len(set(last_words)) == len(last_words):
            continue  # no two share either: nothing to compare
        for i, head, tail in zip(candidates, first_words, last_words):
            text = stripped[i]
            same_head, same_tail = heads.get(head), tails.get(tail)
            if same_head or same_tail:
                # The latest few of each bucket: a document of many look-alike paragraphs (a
                # shared closing phrase) must not cost a comparison of every pair.
                for j in dict.fromkeys((same_head or [])[-_NEAR_CANDIDATES:] + (same_tail or [])[-_NEAR_CANDIDATES:]):
                    a = norms.get(j) or norms.setdefault(j, _words(stripped[j]))
                    b = norms.get(i) or norms.setdefault(i, _words(text))
                    ratio = _similar(a, b, similarity, grams, j, i)
                    if ratio is not None:
                        message = f"near-duplicate of line {j + 1} (similarity {ratio:.2f}); left in place"
                        warnings.append(Report(STEP, rule.id, i + 1, message, text))
                        break
            heads.setdefault(head, []).append(i)
            tails.setdefault(tail, []).append(i)
    return warnings


def _first_words(text: str) -> str:
    label = _SPEAKER.match(text) if ":" in text[:25] or "：" in text[:25] else None
    return text[label.end() if label else 0 :][:12].lstrip()


def _words(text: str) -> str:
    return _NOT_WORDS.sub("", _SPEAKER.sub("", text, count=1))


def _similar(a: str, b: str, threshold: float, grams: dict[int, set[str]], ia: int, ib: int) -> float | None:
    """Dice similarity of the two texts' sets of adjacent character pairs, if at the threshold.

    Pairs keep local order, so a reworded or re-punctuated copy scores high and two different
    paragraphs on one topic score low; it is linear, unlike an edit distance.
    """
    if 2 * min(len(a), len(b)) < threshold * (len(a) + len(b)):
        return None
    ga = grams.get(ia) or grams.setdefault(ia, {a[k : k + 2] for k in range(len(a) - 1)})
    gb = grams.get(ib) or grams.setdefault(ib, {b[k : k + 2] for k in range(len(b) - 1)})
    if not ga or not gb:
        return None
    ratio = 2 * len(ga & gb) / (len(ga) + len(gb))
    return ratio if ratio >= threshold else None
