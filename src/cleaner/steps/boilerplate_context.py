"""The second stage of the `boilerplate` step: a line classifier that looks at context.

The rules (stage one) remove what they name. What no rule names is judged here, line by line
and then by neighbourhood, after jusText's idea carried over to plain text:

1. Each line gets a class from its own features: `good` (it ends a sentence, or leads into a
   list or code with a colon, and holds enough Han characters or words), `bad` (it looks like
   page chrome: a row of widget words, a breadcrumb, a line of dates and counters, a field
   label with a short value, a bare number, an image file name, a comment-section header, a
   later copy of an earlier title line), or `short` (anything else: titles, headings, short
   lines of either kind). Lines the rules removed count as `bad`; protected lines (code,
   tables, quotes, headings, indented code, list items that are not a head-of-page menu) count
   as `good`, as article.
2. The *head run* is everything before the first `good` line, the *tail run* everything after
   the last one. There `bad` lines go, and a `short` line goes when the nearest non-short line
   on each side is `bad` (the document's edge counts as `bad`): a title between a breadcrumb
   and a counter line goes, a heading just above the first paragraph stays.
3. Between good lines (the middle) a line goes only when the lines on both sides of it were
   removed already.

Guard rails (docs/rules.md, tested): a protected line, a line in code, a table, a quote or an
indented block, a Markdown heading, a list item of the article, and a line with a
sentence-ending mark and more than 20 Han characters are never removed here.

Settings (`Options.boilerplate_mode`): `conservative` removes only `bad` lines of the head and
tail runs; `balanced` (the default) adds the short lines between bad ones; `aggressive` also lets
a short line go when only one side is bad and the other is the document's edge or a short
line, and removes lines of the middle sandwiched by one removed line and the edge of a run.

Each decision is a change record whose rule reads `context-KIND [features]`, so a person can
see why a line went: `context-metadata [counter "阅读 272"; head run]`.
"""

from __future__ import annotations

import dataclasses
import re
import sys
from collections.abc import Mapping, Sequence
from functools import lru_cache
from importlib import resources

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

MODES = ("conservative", "balanced", "aggressive")
DEFAULT_MODE = "balanced"
# Decision kinds; each is the rule id of its removals (category `context`).
KINDS = (
    "context-navigation",
    "context-metadata",
    "context-list",
    "context-comments",
    "context-title-copy",
    "context-run",
)
CATEGORY = "context"
# The precision guard of this stage: a sentence mark and more Han characters than this is prose.
GUARD_HAN = 20
# A good line: it ends a sentence (or leads in with a colon) and has at least this many Han,
# or this many Latin words.
GOOD_HAN = 10
GOOD_WORDS = 8
# A head-of-page menu: this many list items or more, each at most MENU_CHARS long.
MENU_ITEMS = 5
MENU_CHARS = 14

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_SENTENCE_MARK = re.compile(r"[。！？!?…]")
_ENDS = re.compile(r"(?:[。！？!?…；;：:]|\.{3}|(?<=[^\s.])\.)[”’」』)）\]】\"'*]*\s*$")
_CJK_END = re.compile(r"[。！？…][”’」』)）\]】\"'*]*\s*$")
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'-]+")
_DATE = re.compile(
    r"\d{4}\s?[-/.年]\s?\d{1,2}\s?[-/.月]\s?\d{1,2}\s?日?"
    r"|\d{1,2}月\s?\d{1,2}\s?[日,]\s?\d{4}"
    r"|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{1,2}, \d{4}",
    re.I,
)
_TIME = re.compile(r"\d{1,2}:\d{2}(?::\d{2})?(?:\s?-\s?\d{1,2}:\d{2})?")
_WEEKDAY = re.compile(r"(?:星期|周)[一二三四五六日天]")
_DIGITS_ONLY = re.compile(r"[\d\s.,:%+|/-]+")
_FILE_NAME = re.compile(r"\S{1,60}\.(?:jpe?g|png|gif|webp|bmp|svg|pdf|docx?|zip|rar)", re.I)
_SEPARATORS = re.compile(r"[\s|｜·•/>»›<«‹\-–—,，、:：\[\]【】()（）「」『』'\"‘’“”]+")
_LIST_MARK = re.compile(r"^\s*(?:[-*+•·▪●◦]\s*|\d{1,3}[.)、]\s+)")
_INDENTED = re.compile(r"^(?: {4}|\t)")
_LABEL = re.compile(r"^([^\s:：]{1,12}(?: [a-z]{2,10})?)\s?[:：]\s?(.*)$")
_BREADCRUMB = re.compile(r"^(?:(?:您|你)?(?:现在|当前)?(?:的|所在)?(?:当前)?位置(?:是)?|导航)\s?[:：]?\s?|^(?:首页|主页)\s?(?:[>»›/|\-]|\s)")
# Function characters of running Chinese prose; a long line with none of them is a row of names.
_FUNCTION = re.compile(r"[的了是在和也就都而与及或但因所以被把对从向为着过这那其之]")


@dataclasses.dataclass(frozen=True)
class Lexicon:
    """The word lists of data/boilerplate/classifier/words.toml, normalised as keys are."""

    widget_words: frozenset[str]
    metadata_labels: frozenset[str]
    label_endings: tuple[str, ...]
    counter: re.Pattern[str]
    comment_headers: frozenset[str]


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    from .boilerplate import normalize

    text = resources.files("cleaner").joinpath("data", "boilerplate", "classifier", "words.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)

    def words(name: str) -> list[str]:
        return [normalize(w).lower() for w in data[name]]

    counters = sorted(words("counter_words"), key=len, reverse=True)
    alternation = "|".join(re.escape(w) for w in counters)
    counter = re.compile(
        rf"(?:{alternation})\s?[:：]?\s?\d[\d,.]*\s?[万千kw]?"
        rf"|\d[\d,.]*\s?[万千kw+]?\s?(?:次|人|条)?\s?(?:已)?\s?(?:{alternation})"
        r"|共\s?\d[\d,.]*\s?字|\d+\s?min read"
    )
    return Lexicon(
        widget_words=frozenset(words("widget_words")),
        metadata_labels=frozenset(words("metadata_labels")),
        label_endings=tuple(words("label_endings")),
        counter=counter,
        comment_headers=frozenset(words("comment_headers")),
    )


# --- one line -------------------------------------------------------------------------------------

GOOD, BAD, SHORT, ARTICLE = "good", "bad", "short", "article"


@dataclasses.dataclass(frozen=True)
class Verdict:
    """A line's class, and for a bad line its kind and the features that decided it."""

    cls: str
    kind: str = ""
    why: str = ""
    keep: bool = False  # guarded: never removed, whatever its neighbours
    weak: bool = False  # removed, but says nothing about its neighbours


def han_count(text: str) -> int:
    return len(_HAN.findall(text))


def is_prose(text: str) -> bool:
    """The guard: a sentence-ending mark and more than 20 Han characters."""
    return bool(_SENTENCE_MARK.search(text)) and han_count(text) > GUARD_HAN


def is_good(text: str) -> bool:
    """Article text by its own look: it ends a sentence or leads in, and is long enough."""
    stripped = text.strip()
    end = _ENDS.search(stripped)
    if end is None or stripped.endswith(("...", "…")) and not stripped.endswith(("……", "。")):
        return False  # a title cut short by the page ("…真香系列 ...") is no sentence
    han = han_count(stripped)
    lead_in = stripped.rstrip("”’」』)）]】\"'* ").endswith((":", "：", ";", "；"))
    if not lead_in and (_CJK_END.search(stripped) or han >= 2 or len(_LATIN_WORD.findall(stripped)) >= 3):
        return True  # a sentence, however short, is the article's
    if han >= GOOD_HAN + 2:
        return True
    return han == 0 and len(_LATIN_WORD.findall(stripped)) >= GOOD_WORDS


def line_verdict(text: str, key: str | None, lex: Lexicon) -> Verdict:
    """Classify one line from its own features (`key`: its normalised, lower-case form)."""
    if is_good(text):
        return Verdict(GOOD)
    if is_prose(text):
        return Verdict(SHORT, keep=True)
    if key is None:
        return Verdict(SHORT)
    bad = _chrome(key, lex)
    if bad is not None:
        return Verdict(BAD, bad[0], bad[1])
    return Verdict(SHORT)


def _chrome(key: str, lex: Lexicon) -> tuple[str, str] | None:
    """(kind, features) when a line looks like page chrome, else None."""
    if not key:
        return None
    han = han_count(key)
    ends = bool(_SENTENCE_MARK.search(key))
    tokens = [t for t in _SEPARATORS.split(key) if t]
    if tokens and all(t in lex.widget_words for t in tokens):
        return "context-navigation", f"widget words {' '.join(tokens[:4])!r}"
    if key.strip(" :：") in lex.comment_headers or re.fullmatch(r"(?:评论|留言|comments?)\s?[(（]?\d+[)）]?", key):
        return "context-comments", f"comment header {key!r}"
    if not ends and len(key) <= 80 and _BREADCRUMB.match(key):
        return "context-navigation", "breadcrumb"
    if ends or han > 24 or len(key) > 80:
        return None
    counter = lex.counter.search(key)
    if counter is not None:
        return "context-metadata", f"counter {counter.group().strip()!r}"
    if _DIGITS_ONLY.fullmatch(key):
        return "context-metadata", "number only"
    if _FILE_NAME.fullmatch(key):
        return "context-metadata", "file name"
    date = _DATE.search(key)
    if date is not None:
        rest = _TIME.sub(" ", _WEEKDAY.sub(" ", key[: date.start()] + " " + key[date.end() :]))
        rest_tokens = [t for t in _SEPARATORS.split(rest) if t]
        if rest_tokens and all(len(t) <= 10 for t in rest_tokens):
            return "context-metadata", f"date {date.group()!r} with {' '.join(rest_tokens[:3])!r}"
    label = _LABEL.match(key)
    if label is not None:
        name, value = label.group(1), label.group(2)
        # `记者：` alone is a speaker label of an interview; a contact label may stand alone.
        if (name in lex.metadata_labels and value) or name.endswith(lex.label_endings):
            if len(value) <= 40:
                return "context-metadata", f"field {name!r}"
    return None


# --- the document -----------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class LineView:
    """What the classifier needs to know of the body's lines (built by the boilerplate step)."""

    raw: Sequence[str]
    keys: Sequence[str | None]  # normalised, or None when the rules did not normalise the line
    blank: Sequence[bool]
    judged: Sequence[bool]  # False: protected or in a table
    marked: Sequence[bool]  # a Markdown list, heading or quote marker
    heading: Sequence[bool]


def classify(view: LineView, removed: Mapping[int, object], mode: str = DEFAULT_MODE) -> dict[int, str]:
    """Lines to remove beyond the rules': index -> `context-KIND [features]`."""
    lex = lexicon()
    n = len(view.raw)
    order = [i for i in range(n) if not view.blank[i]]
    if not order:
        return {}
    verdicts: dict[int, Verdict] = {}
    menu = _head_menu(view, order, removed)
    seen: dict[str, int] = {}
    first_good = None
    for position, i in enumerate(order):
        text = view.raw[i]
        if i in removed:
            verdicts[i] = Verdict(BAD, "rule")
            continue
        if i in menu:
            verdicts[i] = Verdict(BAD, "context-list", f"menu of {len(menu)} short items at the head")
            continue
        if _is_article_structure(view, i, text):
            verdicts[i] = Verdict(ARTICLE)
            if first_good is None:
                first_good = position
            continue
        if _LIST_MARK.match(text):
            verdicts[i] = Verdict(SHORT, keep=True)  # a list item of the article
            continue
        key = view.keys[i]
        if key is not None:
            key = key.strip().lower()
        verdict = line_verdict(text, key, lex)
        # A later copy of a title line of the head goes; right below its original (a document
        # number printed twice) it says nothing about the lines around it.
        if key is not None and verdict.cls != GOOD and not verdict.keep and len(key) >= 4:
            earlier = seen.get(key)
            if earlier is not None and (first_good is None or earlier < first_good):
                why = f"copy of line {order[earlier] + 1}"
                verdict = Verdict(BAD, "context-title-copy", why, weak=earlier == position - 1)
            else:
                seen.setdefault(key, position)
        verdicts[i] = verdict
        if verdict.cls == GOOD and first_good is None:
            first_good = position

    goods = [p for p, i in enumerate(order) if verdicts[i].cls in (GOOD, ARTICLE)]
    head_end, tail_start = _article_bounds(order, verdicts, goods, view)
    decided: dict[int, str] = {}

    def zone(position: int) -> str:
        return "head run" if position < head_end else "tail run" if position >= tail_start else "middle"

    classes = [SHORT if verdicts[i].weak else verdicts[i].cls for i in order]

    def neighbour(position: int, step: int) -> str:
        """Class of the nearest non-short line in that direction ('edge' past the end)."""
        p = position + step
        while 0 <= p < len(order):
            if classes[p] != SHORT:
                return classes[p]
            p += step
        return "edge"

    for position, i in enumerate(order):
        verdict = verdicts[i]
        if i in removed or verdict.keep or verdict.cls in (GOOD, ARTICLE):
            continue
        where = zone(position)
        if where == "middle":
            continue
        if verdict.cls == BAD:
            decided[i] = f"{verdict.kind} [{verdict.why}; {where}]"
            continue
        # A short line: it takes the class of the run around it.
        if mode == "conservative":
            continue
        above, below = neighbour(position, -1), neighbour(position, 1)
        bad_sides = [side for side in (above, below) if side in (BAD, "edge")]
        if above in (BAD, "edge") and below in (BAD, "edge") and not (above == below == "edge"):
            decided[i] = f"context-run [short line between {_side(above)} and {_side(below)}; {where}]"
        elif mode == "aggressive" and bad_sides and BAD in (above, below):
            decided[i] = f"context-run [short line next to {_side(BAD)}; {where}]"

    if mode != "conservative":
        _middle_sandwiches(order, verdicts, removed, decided, goods, mode)
    return decided


def _anchor(view: LineView, i: int, verdict: Verdict) -> bool:
    """A line that surely belongs to the article: structure, or a good line of prose size."""
    return verdict.cls == ARTICLE or (verdict.cls == GOOD and han_count(view.raw[i]) > GUARD_HAN)


def _article_bounds(order: list[int], verdicts: dict[int, Verdict], goods: list[int], view: LineView) -> tuple[int, int]:
    """Positions where the article starts and after which it ends (the head and tail runs).

    The article starts at its first anchor or its second good line, whichever comes first: one
    short good line alone (a title that ends with a mark) does not end the page's head. It
    ends with its last good line.
    """
    if not goods:
        return len(order), len(order)
    anchors = [p for p in goods if _anchor(view, order[p], verdicts[order[p]])]
    start = min([*anchors[:1], goods[1] if len(goods) > 1 else goods[0]])
    return start, goods[-1] + 1


def _side(cls: str) -> str:
    return "the document's edge" if cls == "edge" else "chrome"


def _middle_sandwiches(
    order: list[int], verdicts: dict[int, Verdict], removed: Mapping[int, object], decided: dict[int, str],
    goods: list[int], mode: str,
) -> None:
    """A middle line whose neighbours on both sides are removed goes with them."""
    gone = set(removed) | set(decided)
    for position in range(1, len(order) - 1):
        i = order[position]
        verdict = verdicts[i]
        if i in gone or verdict.keep or verdict.cls in (GOOD, ARTICLE):
            continue
        above, below = order[position - 1], order[position + 1]
        if above in gone and below in gone and (verdict.cls == BAD or mode == "aggressive"):
            kind = verdict.kind if verdict.cls == BAD else "context-run"
            why = verdict.why + "; " if verdict.cls == BAD else "short line "
            decided[i] = f"{kind} [{why}between removed lines {above + 1} and {below + 1}]"
            gone.add(i)


def _is_article_structure(view: LineView, i: int, text: str) -> bool:
    """Lines the classifier never removes and that count as article for their neighbours."""
    if not view.judged[i] or view.heading[i]:
        return True
    stripped = text.lstrip()
    if stripped.startswith((">", "|", "```", "~~~")) or _INDENTED.match(text):
        return True
    return bool(view.marked[i]) and not _LIST_MARK.match(text)


def _head_menu(view: LineView, order: list[int], removed: Mapping[int, object]) -> set[int]:
    """A column of short list items that opens the document: a site's section menu."""
    items: list[int] = []
    for i in order:
        if i in removed:
            if items:
                break
            continue
        text = view.raw[i]
        body = _LIST_MARK.sub("", text, count=1).strip()
        if not _LIST_MARK.match(text) or len(body) > MENU_CHARS or _SENTENCE_MARK.search(body) or _FUNCTION.search(body):
            break
        if not view.judged[i]:
            break
        items.append(i)
    return set(items) if len(items) >= MENU_ITEMS else set()


def rule_id(rule: str) -> str:
    """The id part of a change's rule (`context-run [why]` -> `context-run`)."""
    return rule.split(" [", 1)[0]
