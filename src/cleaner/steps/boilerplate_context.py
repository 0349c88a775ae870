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

Guard rails (docs/rules.md, tested): a protected line, a line in code, a table or a quote, a
Markdown heading or a numbered section title, a list item of the article, and a line with a
sentence-ending mark and more than 20 Han characters are never removed here.

A line is judged as the later steps leave it, so a second run judges it the same (issue 20):
without its indent (`paragraphs` strips it; an indent is no code here), a numbered title as the
heading `paragraphs` makes of it, a `·` bullet or a quote's `>` skipped as the markup they become,
and chrome in the form `punctuation` and `spacing` give it as well as in its own.

Settings (`Options.boilerplate_mode`): `conservative` removes only `bad` lines of the head and
tail runs; `balanced` (the default) adds the short lines between bad ones and chrome of the
middle between removed lines, but keeps the document's first line (it may be the title);
`aggressive` also takes that first line when chrome follows it, and chrome of the middle
beside one removed line.

Each decision is a change record whose rule reads `context-KIND [features]`, so a person can
see why a line went: `context-metadata [counter "阅读 272"; head run]`.
"""

from __future__ import annotations

import dataclasses
import re
from array import array
from bisect import bisect_left
from heapq import heapify, heappop, heappush
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from importlib import resources
from itertools import compress
from operator import not_

from ..text import HAN_RE, SECTION_NUMBER, load_toml, sentence_marks

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

_HAN = HAN_RE  # `cleaner.text`: the one definition of a Han character
_SENTENCE_MARK = re.compile(r"[。！？!?…]")
_ENDS = re.compile(r"(?:[。！？!?…；;：:]|\.{3}|(?<=[^\s.])\.)[”’」』)）\]】\"'*]*\s*$")
_CJK_MARKS = frozenset("。！？")
_CJK_END = re.compile(r"[。！？…][”’」』)）\]】\"'*]*\s*$")
_DIGIT = re.compile(r"\d")
_COLON_SPACES = re.compile(r"[ \t]*:[ \t]*")
_COMMENT_COUNT = re.compile(r"(?:评论|留言|comments?)\s?[(（]?\d+[)）]?")
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
_LIST_MARK = re.compile(r"^\s*(?:[-*+•·・▪●◦]\s*|\d{1,3}[.)]\s+)")
# A menu's items may also be numbered `1、首页` (not Markdown: judged by their text elsewhere, since
# `spacing` removes the space after `、` that would tell an item from a paragraph).
_MENU_MARK = re.compile(r"^\s*(?:[-*+•·・▪●◦]\s*|\d{1,3}[.)]\s+|\d{1,3}、\s*)")
# First characters of a line that may be structure (quote, table, fence, heading, list marker,
# section number), once its indent is stripped.
_STRUCTURE_OPENINGS = frozenset(">|`~#-*+•·・▪●◦0123456789一二三四五六七八九十第（(")
# An indent, as `paragraphs` strips it from a paragraph line: the classifier judges the line
# without it, so a second run (which meets the line unindented) judges it the same. Scraped text
# indents paragraphs; an indent is not code here (docs/architecture.md).
_INDENT = " \t\u3000\xa0"
_ATX_HEADING = re.compile(r"#{1,6}(?:[ \t]|$)")
# A numbered section title (`01、背景`, `一、市场回顾`, `（二）`, `第三章`): `paragraphs` makes it a
# `## ` heading unless a numbered line stands beside it. The classifier takes every such line for
# a heading whatever its neighbours, so it judges the line the same before and after: the pattern
# is `paragraphs`'s, the title test a wider one (`tests/test_boilerplate_context.py` checks that
# every heading `paragraphs` makes is one here).
_SECTION_NUMBER = re.compile(SECTION_NUMBER)
# What makes a numbered line a sentence rather than a title, in either width (`punctuation`
# runs between the two steps). An ellipsis does not count: `punctuation` makes `...` a `……` only
# beside Han, so a line with either is taken for a title (a wider test than `paragraphs`'s).
_NOT_A_TITLE = re.compile(r"[。！？!?；;]|[：:，,、]$")
# `paragraphs`'s limit, counted here in letters, digits and Han only: `spacing` adds and removes
# spaces, `punctuation` collapses doubled marks (`::` -> `：`), neither changes these.
SECTION_TITLE_CHARS = 30
_WORD_CHAR = re.compile(r"\w")
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
    # What a counter match needs in the line: a counter word, the `共` of `共 N 字`, or `min read`
    # (a few `in` tests are cheaper than the pattern's search, and rule it out for most lines).
    counter_needs: tuple[str, ...]
    comment_headers: frozenset[str]


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    from .boilerplate import normalize

    text = resources.files("cleaner").joinpath("data", "boilerplate", "classifier", "words.toml").read_text(encoding="utf-8")
    data = load_toml(text)

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
        counter_needs=(*counters, "共", "min read"),
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


# The verdicts without features, made once (a frozen dataclass costs to build, per line).
_GOOD, _SHORT, _ARTICLE = Verdict(GOOD), Verdict(SHORT), Verdict(ARTICLE)
_SHORT_KEPT, _RULE = Verdict(SHORT, keep=True), Verdict(BAD, "rule")


def han_count(text: str) -> int:
    return len(_HAN.findall(text))


@lru_cache(maxsize=8)
def _at_least(count: int) -> re.Pattern[str]:
    han = _HAN.pattern
    return re.compile(rf"(?:[^{han[1:-1]}]*{han}){{{count}}}")


def has_han(text: str, count: int) -> bool:
    """Whether the text holds at least `count` Han characters (stops counting there)."""
    return _at_least(count).match(text) is not None


def is_prose(text: str) -> bool:
    """The guard: a sentence-ending mark and more than 20 Han characters."""
    return bool(_SENTENCE_MARK.search(text)) and has_han(text, GUARD_HAN + 1)


def is_good(text: str) -> bool:
    """Article text by its own look: it ends a sentence, or leads in and is long enough."""
    if text[-4:].rstrip()[-1:] in _CJK_MARKS:
        return True  # the common case, a paragraph ending in 。: a sentence, however short
    stripped = text
    tail = text[-16:].strip()[-12:]  # the end is all that is read of a line, but its Han count
    if _ENDS.search(tail) is None or tail.endswith(("...", "…")) and not tail.endswith(("……", "。")):
        return False  # a title cut short by the page ("…真香系列 ...") is no sentence
    lead_in = tail.rstrip("”’」』)）]】\"'* ").endswith((":", "：", ";", "；"))
    if not lead_in and (_CJK_END.search(tail) or has_han(stripped, 2)):
        return True  # a sentence, however short, is the article's
    if has_han(stripped, GOOD_HAN + 2):
        return True
    if has_han(stripped, 1):
        return False
    words = len(_LATIN_WORD.findall(stripped))
    return words >= (GOOD_WORDS if lead_in else 3)


def _same(key: str) -> str:
    return key


def line_verdict(text: str, key: str | None, lex: Lexicon, despaced: Callable[[str], str] = _same) -> Verdict:
    """Classify one line from its own features (`key`: its normalised, lower-case form;
    `despaced`: the `spacing` step's removal of spaces between Han, given by the caller)."""
    if is_good(text):
        return _GOOD
    if is_prose(text):
        return _SHORT_KEPT
    if key is None:
        return _SHORT
    bad = _chrome(key, lex)
    if bad is None:
        # The line as `punctuation` and `spacing` leave it is what a second run meets: chrome in
        # either form is chrome (`Mark: 图.png` becomes `Mark：图.png`, a file name).
        cleaned = despaced(as_punctuated(key))
        bad = _chrome(cleaned, lex) if cleaned != key else None
    if bad is not None:
        return Verdict(BAD, bad[0], bad[1])
    return _SHORT


def as_punctuated(key: str) -> str:
    """A key as `punctuation` leaves its line: no space beside a colon of a line with Han (the
    colon becomes `：`, and spaces beside full-width marks go)."""
    if ":" in key and has_han(key, 1):
        return _COLON_SPACES.sub(":", key)
    return key


def _chrome(key: str, lex: Lexicon) -> tuple[str, str] | None:
    """(kind, features) when a line looks like page chrome, else None."""
    if not key or len(key) > 80:
        return None
    key = key.lower()
    ends = bool(_SENTENCE_MARK.search(key))
    tokens = [t for t in _SEPARATORS.split(key) if t] if len(key) <= 60 else []
    if key.strip() in lex.widget_words or (tokens and all(t in lex.widget_words for t in tokens)):
        return "context-navigation", f"widget words {' '.join(tokens[:4])!r}"
    if key.strip(" :：") in lex.comment_headers or _COMMENT_COUNT.fullmatch(key):
        return "context-comments", f"comment header {key!r}"
    if not ends and _BREADCRUMB.match(key):
        return "context-navigation", "breadcrumb"
    if ends or has_han(key, 25):
        return None
    digits = _DIGIT.search(key) is not None  # counters, numbers and dates all hold one
    counter = lex.counter.search(key) if digits and any(w in key for w in lex.counter_needs) else None
    if counter is not None:
        return "context-metadata", f"counter {counter.group().strip()!r}"
    if digits and _DIGITS_ONLY.fullmatch(key) and not _DATE.search(key):
        return "context-metadata", "number only"  # a bare date may be a notice's signature
    if "." in key and _FILE_NAME.fullmatch(key):
        return "context-metadata", "file name"
    date = _DATE.search(key) if digits else None
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
    # Flags, one a line (true or 1: yes).
    blank: Sequence[bool] | Sequence[int]
    judged: Sequence[bool] | Sequence[int]  # no: protected or in a table
    marked: Sequence[bool] | Sequence[int]  # a Markdown list, heading or quote marker
    heading: Sequence[bool] | Sequence[int]
    # A key as the `spacing` step leaves it (spaces between Han removed): that step's own
    # function, passed in by the boilerplate step, since steps share no code but the core's.
    despaced: Callable[[str], str] = _same


def classify(view: LineView, removed: Mapping[int, object], mode: str = DEFAULT_MODE) -> dict[int, str]:
    """Lines to remove beyond the rules': index -> `context-KIND [features]`.

    Lines are judged lazily: from the top until the article starts, from the bottom until it
    ends, and in the middle only beside removed lines, so a long article costs little more
    than its head and tail.

    A line that starts with a closing mark is judged with the line above it, as one line: that
    is what `paragraphs` makes of them (`人类会造电梯。\n”关键在于` is one paragraph), and what a
    second run meets. The two go or stay together.
    """
    joined = _joined_lines(view, removed)
    if not joined:
        return _classify(view, removed, mode)
    raw, keys, blank = list(view.raw), list(view.keys), list(view.blank)
    for line, into in joined.items():
        raw[into] = raw[into].rstrip() + raw[line].lstrip(_INDENT)
        above, below = keys[into], keys[line]
        keys[into] = None if above is None or below is None else above + below
        blank[line] = True  # judged as part of the line it joins
    decided = _classify(dataclasses.replace(view, raw=raw, keys=keys, blank=blank), removed, mode)
    for line, into in joined.items():
        if into in decided:
            decided[line] = decided[into]
    return decided


# Marks that `paragraphs` joins to the line above (its `closing-quote` and `closing-mark` rules),
# and the half-width marks `punctuation` may make full-width first; an ASCII bracket only on a
# line with Han, as there.
_JOINING = frozenset("”’」』）)]】》〉〕｝}»›，。、；：？！,;:?!")
_ASCII_BRACKETS = frozenset(")]}")


def _joined_lines(view: LineView, removed: Mapping[int, object]) -> dict[int, int]:
    """Lines that start with a closing mark -> the line they join (the nearest non-blank line
    above that the rules kept, when it and the line are plain paragraph lines)."""
    joined: dict[int, int] = {}
    # No line starts with a closing mark (the usual case): found in one pass that holds only the
    # distinct first characters (a list of them cost 4 times a page of short lines).
    if _JOINING.isdisjoint({text.lstrip(_INDENT)[:1] for text in view.raw}):
        return joined
    previous = -1  # the nearest kept non-blank line above, or -1
    for i, text in enumerate(view.raw):
        if view.blank[i] or i in removed:
            continue
        opening = text.lstrip(_INDENT)[:1]
        if (
            opening in _JOINING
            and previous >= 0
            and _plain(view, i)
            and _plain(view, previous)
            and (opening not in _ASCII_BRACKETS or _HAN.search(text))
        ):
            joined[i] = joined.get(previous, previous)
        previous = i
    return joined


def _plain(view: LineView, i: int) -> bool:
    """A line of a paragraph, not structure: what `paragraphs` joins."""
    if not view.judged[i] or view.marked[i] or view.heading[i]:
        return False
    text = view.raw[i].lstrip(_INDENT)
    if text[:1] in _BULLETS:
        return True  # a paragraph line when `paragraphs` joins; its `- ` comes with the join
    return not (text.startswith((">", "|", "```", "~~~")) or _ATX_HEADING.match(text) or _LIST_MARK.match(text))


_BULLETS = frozenset("·•●・")  # `paragraphs` makes them `- ` in the pass that joins lines


def _classify(view: LineView, removed: Mapping[int, object], mode: str) -> dict[int, str]:
    lex = lexicon()
    # Line numbers as machine integers: an int object per line cost a tenth of the input. The
    # non-blank lines, picked with C-level iterators.
    order = array("q", compress(range(len(view.raw)), map(not_, view.blank)))
    if not order:
        return {}
    menu = _head_menu(view, order, removed)
    verdicts: dict[int, Verdict] = {}
    titles: dict[str, int] = {}  # keys of the head run's lines -> their position
    originals: set[int] = set()  # positions of titles that have a later copy: the title stays

    def verdict_at(position: int, in_head: bool) -> Verdict:
        i = order[position]
        if i in removed:
            return _RULE  # not kept in `verdicts`: a page of repeated rows is all removed lines
        found = verdicts.get(i)
        if found is None:
            found = verdicts[i] = _verdict(view, i, removed, menu, lex, titles, position, in_head)
            if found.kind == "context-title-copy":
                originals.add(int(found.why.rsplit(" ", 1)[1]))
        return found

    # The head run: up to the first anchor, or the second good line.
    goods: list[int] = []
    head_end = len(order)
    for position in range(len(order)):
        verdict = verdict_at(position, True)
        if verdict.cls in (GOOD, ARTICLE):
            goods.append(position)
            if _anchor(view, order[position], verdict) or len(goods) == 2:
                head_end = position
                break
    if head_end == len(order) and goods:
        head_end = goods[0]
    # The tail run: after the last good line.
    tail_start = len(order)
    for position in range(len(order) - 1, head_end - 1, -1):
        if verdict_at(position, position < head_end).cls in (GOOD, ARTICLE):
            tail_start = position + 1
            break
    # Headings and list items alone are no article: a document of titles and items has no
    # sentence to tell chrome from, and is left alone like one without any line (a numbered
    # title counts as a heading before `paragraphs` makes it one, so both runs agree).
    if goods and not any(verdict_at(p, p < head_end).cls == GOOD for p in range(len(order))):
        goods = []
    if not goods:
        # No line ends like article text: a page cut short mid-paragraph. Its prose lines (the
        # guard's: a mark and more than 20 Han) stand for the article; with none, nothing goes.
        prose = [p for p in range(len(order)) if verdict_at(p, True).keep and is_prose(view.raw[order[p]])]
        if not prose:
            return {}
        head_end, tail_start = prose[0], prose[-1] + 1

    def cls_at(position: int) -> str:
        verdict = verdict_at(position, position < head_end)
        return SHORT if verdict.weak else verdict.cls

    # The class of the nearest non-short line above and below each line of the two runs ("edge"
    # past the document's ends), in one pass each way: a run of many short lines stays linear.
    edges = [*range(head_end), *range(max(tail_start, head_end), len(order))]
    above: dict[int, str] = {}
    below: dict[int, str] = {}
    for run, start, end in ((range(head_end), -1, head_end), (range(max(tail_start, head_end), len(order)), tail_start - 1, len(order))):
        last = "edge" if start < 0 else GOOD  # the line before a tail run is the article's last
        for position in run:
            above[position] = last
            cls = cls_at(position)
            last = cls if cls != SHORT else last
        last = "edge" if end >= len(order) else GOOD  # the line after a head run starts the article
        for position in reversed(run):
            below[position] = last
            cls = cls_at(position)
            last = cls if cls != SHORT else last

    def neighbour(position: int, step: int) -> str:
        """Class of the nearest non-short line in that direction ('edge' past the end)."""
        return above[position] if step < 0 else below[position]

    decided: dict[int, str] = {}
    for position in edges:
        i = order[position]
        verdict = verdict_at(position, position < head_end)
        if i in removed or verdict.keep or verdict.cls in (GOOD, ARTICLE):
            continue
        where = "head run" if position < head_end else "tail run"
        if verdict.cls == SHORT and i + 1 in originals:
            continue  # the first copy of a title the page repeats is the title
        if position == 0 and verdict.cls == SHORT and mode != "aggressive":
            continue  # the first line may be the title (`--extract-meta` reads it from there)
        if verdict.cls == BAD:
            decided[i] = f"{verdict.kind} [{verdict.why}; {where}]"
            continue
        if mode == "conservative":
            continue
        # A short line takes the class of the run around it.
        up, down = neighbour(position, -1), neighbour(position, 1)
        if up in (BAD, "edge") and down in (BAD, "edge") and not (up == down == "edge"):
            decided[i] = f"context-run [short line between {_side(up)} and {_side(down)}; {where}]"

    if mode != "conservative":
        _middle(order, head_end, tail_start, verdict_at, removed, decided, mode)
    return decided


def _verdict(
    view: LineView, i: int, removed: Mapping[int, object], menu: set[int], lex: Lexicon,
    titles: dict[str, int], position: int, in_head: bool,
) -> Verdict:
    if i in removed:
        return _RULE
    text = sentence_marks(view.raw[i].lstrip(_INDENT))  # as `paragraphs` and `punctuation` leave it
    if i in menu:
        return Verdict(BAD, "context-list", f"menu of {len(menu)} short items at the head")
    if text[:1] in _STRUCTURE_OPENINGS or view.marked[i] or not view.judged[i] or view.heading[i]:
        if _is_article_structure(view, i, text):
            return _ARTICLE
        if is_section_title(text):
            return _ARTICLE  # a heading once `paragraphs` has run, or a numbered line of a list
        if _LIST_MARK.match(text):
            return _SHORT_KEPT  # a list item of the article
    key = view.keys[i]
    if key is not None:
        key = key.strip()
    verdict = line_verdict(text, key, lex, view.despaced)
    # A later copy of a line of the head run goes; right below its original it says nothing
    # about the lines around it.
    if key is not None and verdict.cls != GOOD and not verdict.keep and len(key) >= 4:
        earlier = titles.get(key)
        if earlier is not None and earlier < position:
            why = f"copy of line {_line_number(view, earlier)}"
            # Right below its original (a document number printed twice) it is one item.
            return Verdict(BAD, "context-title-copy", why, weak=position - earlier == 1)
        if in_head:
            titles.setdefault(key, position)
    return verdict


def _line_number(view: LineView, position: int) -> int:
    """The 1-based line number of the non-blank line at `position`."""
    count = -1
    for i, blank in enumerate(view.blank):
        if not blank:
            count += 1
            if count == position:
                return i + 1
    return 0


def _middle(
    order: Sequence[int], head_end: int, tail_start: int, verdict_at: Callable[[int, bool], Verdict],
    removed: Mapping[int, object], decided: dict[int, str], mode: str,
) -> None:
    """Between the head and tail runs, a line goes only beside lines that were removed.

    balanced: a chrome line (or, aggressive, any short line) with removed lines on both sides;
    aggressive also takes a chrome line with a removed line on one side.
    """
    gone = set(removed) | set(decided)
    low, high = max(head_end, 1), min(tail_start, len(order) - 1)
    # Only lines beside a removed one can go: find those by bisection, not by a walk over all.
    candidates: set[int] = set()
    for index in gone:
        position = bisect_left(order, index)
        candidates.update(p for p in (position - 1, position + 1) if low <= p < high)
    queue = sorted(candidates)
    heapify(queue)
    while queue:
        position = heappop(queue)
        i = order[position]
        above, below = order[position - 1], order[position + 1]
        both = above in gone and below in gone
        one = above in gone or below in gone
        if i in gone or not one:
            continue
        verdict = verdict_at(position, False)
        if verdict.keep or verdict.cls in (GOOD, ARTICLE):
            continue
        chrome = verdict.cls == BAD
        if (both and (chrome or mode == "aggressive")) or (mode == "aggressive" and chrome):
            kind = verdict.kind if chrome else "context-run"
            why = verdict.why + "; " if chrome else "short line "
            where = f"between removed lines {above + 1} and {below + 1}" if both else "beside a removed line"
            decided[i] = f"{kind} [{why}{where}]"
            gone.add(i)
            if position + 1 < high and position + 1 not in candidates:
                candidates.add(position + 1)
                heappush(queue, position + 1)


def _anchor(view: LineView, i: int, verdict: Verdict) -> bool:
    """A line that surely belongs to the article: structure, or a good line of prose size."""
    return verdict.cls == ARTICLE or (verdict.cls == GOOD and has_han(view.raw[i], GUARD_HAN + 1))


def _side(cls: str) -> str:
    return "the document's edge" if cls == "edge" else "chrome"


def _is_article_structure(view: LineView, i: int, text: str) -> bool:
    """Lines the classifier never removes and that count as article for their neighbours
    (`text`: the line without its indent)."""
    if not view.judged[i] or view.heading[i]:
        return True
    if text.startswith((">", "|", "```", "~~~")) or _ATX_HEADING.match(text):
        return True  # an indented `## x` is a heading once `paragraphs` strips the indent
    return bool(view.marked[i]) and not _LIST_MARK.match(text)


def is_section_title(text: str) -> bool:
    """A numbered section title (`01、背景`), a heading or about to be one (`text` unindented)."""
    number = _SECTION_NUMBER.match(text)
    if number is None:
        return False
    rest = text[number.end() :].strip()
    return (
        bool(rest)
        and len(_WORD_CHAR.findall(rest)) <= SECTION_TITLE_CHARS
        and _NOT_A_TITLE.search(rest) is None
        and _SECTION_NUMBER.match(rest) is None
    )


def may_open_menu(text: str) -> bool:
    """Whether a document whose first kept line this is may open with a menu (`_head_menu`)."""
    return _MENU_MARK.match(text) is not None


def _head_menu(view: LineView, order: Sequence[int], removed: Mapping[int, object]) -> set[int]:
    """A column of short list items that opens the document: a site's section menu."""
    items: list[int] = []
    for i in order:
        if i in removed:
            if items:
                break
            continue
        text = view.raw[i]
        body = _MENU_MARK.sub("", text, count=1).strip()
        if not _MENU_MARK.match(text) or len(body) > MENU_CHARS or _SENTENCE_MARK.search(body) or _FUNCTION.search(body):
            break
        if not view.judged[i]:
            break
        items.append(i)
    return set(items) if len(items) >= MENU_ITEMS else set()


def rule_id(rule: str) -> str:
    """The id part of a change's rule (`context-run [why]` -> `context-run`)."""
    return rule.split(" [", 1)[0]
