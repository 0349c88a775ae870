"""The `punctuation` step: the house style of SPEC §3, every rule written out in docs/style.md.

Passes over the masked body, each change recorded with its rule:

1. `fullwidth-ascii`: full-width letters, digits and safe symbols to ASCII (`ＡＩ１２３` → `AI123`).
2. marks: half-width `, : ; ? ! ( )` in Chinese context to full-width (`comma`, `colon`,
   `semicolon`, `question`, `exclamation`, `paren`), doubled marks collapsed (`,,` → `，`),
   `ellipsis` (`...` `......` `。。。` `…` → `……`), `dash` (`--` `—` between Han → `——`),
   `interpunct` (`•` `・` `‧` between Han → `·`), and `label-colon`: a Latin speaker's colon
   before a Chinese sentence is that sentence's (`Mark Zuckerberg: 谢谢` → `Mark Zuckerberg：谢谢`),
   a gloss keeps the clean post's form (`（Agent:能够` → `（Agent: 能够`).
3. `quote` (in one edit with the marks: the two touch different characters): straight quotes
   in Chinese context to curly pairs, balanced per line (a line is a paragraph in scraped
   text); an odd count is reported (`unbalanced-quote`) and left alone.
4. `space`: spaces next to full-width marks removed (`他问 : 真的吗 ?` → `他问：真的吗？`).

A mark is in Chinese context when the nearest character on either side (spaces, emphasis
markers and marks of either width looked through) is Han, or a quote pair whose content is
Chinese; between two Latin words it is kept (`Hello, world`); with Han on neither side it
follows its clause (`我喜欢AI!` → `我喜欢AI！`, `Wait!` stays). Looking through the marks makes
neighbouring marks decide alike, so a second run changes nothing.

Protected spans never change: the step works on `doc.masked()`, where inline code, URLs and
numbers are word-like placeholders and list and heading markers are markup placeholders, so
`1. ` is never `1。`.

>>> from cleaner import Document
>>> punctuation(Document(body="他说:我们明天见,好吗?")).body
'他说：我们明天见，好吗？'
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence

import regex

from ..document import REWRITE, Document, Edit, Warning
from ..protect import ATOM, BLOCK, MARKUP, Span
from ..text import CJK, FULL_STOP, is_cjk

# Declarations (docs/architecture.md, "Adding an option / a rule"): no options; rule ids.
RULES: dict[str, str] = {
    "fullwidth-ascii": "full-width letters, digits and signs become ASCII",
    "comma": "a comma in Chinese text becomes `，`",
    "semicolon": "a semicolon in Chinese text becomes `；`",
    "colon": "a colon in Chinese text becomes `：`",
    "question": "a question mark in Chinese text becomes `？`",
    "exclamation": "an exclamation mark in Chinese text becomes `！`",
    "enumeration": "doubled enumeration commas `、、` become one",
    "period": "a full stop in Chinese text becomes `。`",
    "ellipsis": "`...` and `。。。` in Chinese text become `……`",
    "dash": "`--` in Chinese text becomes `——`",
    "interpunct": "a middle dot between names becomes `·`",
    "mark": "a run of repeated marks becomes one",
    "label-colon": "the space after a label's colon (`作者： 张三`) is made one",
    "paren": "parentheses around Chinese text become `（）`",
    "quote": "straight quotes around Chinese text become curly quotes",
    "space": "spaces next to full-width marks are removed",
}

STEP = "punctuation"

# Full-width marks: their presence makes a side Chinese, and spaces next to them go.
FULLWIDTH_MARKS = "，。、；：？！…—（）《》〈〉「」『』【】〔〕〖〗～"
_CHINESE_MARKS = frozenset(FULLWIDTH_MARKS + "·")
# Looked through when finding a mark's context: spaces, emphasis markers, and every mark of
# either width, so neighbouring marks share one context and decide alike, and converting one
# of them to full-width never changes what its neighbour decided.
_TRANSPARENT = frozenset(" \t*_~,;:?!.()-") | _CHINESE_MARKS
_DOUBLE_QUOTES = '"＂“”'
_SINGLE_QUOTES = "'＇‘’"
_QUOTES = frozenset(_DOUBLE_QUOTES + _SINGLE_QUOTES)
_DOUBLE_QUOTE = re.compile(f"[{_DOUBLE_QUOTES}]")
_SINGLE_QUOTE = re.compile(f"[{_SINGLE_QUOTES}]")
_ANY_PAREN = re.compile("[()（）]")
_ANY_OPENING = re.compile("[(（]")

_HALF_TO_FULL = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！", "(": "（", ")": "）"}
_RULE = {
    "，": "comma", "；": "semicolon", "：": "colon", "？": "question", "！": "exclamation",
    "、": "enumeration", "。": "period",
}

# Han, kana and Hangul. The standard library's `re` runs these character-class scans about three
# times faster than `regex`, so the patterns that need no Unicode property use it.
_CJK_RANGES = CJK  # `cleaner.text`: Han, kana and Hangul, the same class `spacing` uses
_HAN = re.compile(f"[{_CJK_RANGES}]")
_CLAUSE_END = re.compile("[。！？!?；;]")
_OPENING = re.compile(r"\(")


_is_cjk = is_cjk


def _kind(c: str) -> str:
    """`han` (Han, kana, Hangul or a full-width mark), `latin` (a letter, digit or word-like
    protected span), `quote`, or `other`."""
    if c in _CHINESE_MARKS or _is_cjk(c):
        return "han"
    if c == ATOM or c.isalnum():
        return "latin"
    if c in _QUOTES:
        return "quote"
    return "other"


# --- pass 1: full-width ASCII ----------------------------------------------------------------

# Letters, digits and symbols with no meaning in Markdown fold always; `＋ － ．` only between
# letters or digits (`１．５` → `1.5`), because at a line start `－ ` or `１．` would become a list.
# `＃ ＊ ＿ ｀ ［ ］ ＜ ＞ ＼ ｜ ～ ｛ ｝ ＾` stay: as ASCII they are Markdown syntax (a heading,
# emphasis, code, a link, HTML); `，：；？！（）` are the house marks; quotes go by the quote pass.
# One match per run of characters that fold, so `１．５` is one edit (`1.5`), not three. The
# pattern opens with one character class (the sign's conditions are checked after it), which
# lets the engine skip ahead to the next candidate instead of trying a look-behind everywhere:
# five times faster on clean news text.
_FW_ALWAYS = "Ａ-Ｚａ-ｚ０-９％＄＠＆＝／"
_FW_BETWEEN = "＋－．"
_FW_NEIGHBOUR = "A-Za-z0-9Ａ-Ｚａ-ｚ０-９"
_FW_SIGN = f"(?<=[{_FW_NEIGHBOUR}][{_FW_BETWEEN}])(?=[{_FW_NEIGHBOUR}])"
_FULLWIDTH = re.compile(
    f"[{_FW_ALWAYS}{_FW_BETWEEN}](?:(?<=[{_FW_ALWAYS}])|{_FW_SIGN})"
    f"(?:[{_FW_ALWAYS}]|[{_FW_BETWEEN}]{_FW_SIGN})*"
)


# U+FF01–U+FF5E are ASCII `!`–`~` moved up by 0xFEE0: one table instead of a loop per match.
_TO_HALFWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_FULLWIDTH_HINT = re.compile(r"[Ａ-Ｚａ-ｚ０-９％＄＠＆＝／＋－．]")


def _fullwidth_edits(masked: str) -> list[Edit]:
    if _FULLWIDTH_HINT.search(masked) is None:
        return []
    # The same runs recur (`１９９８`, `１２月３１日`): each folded once. Edits are built as the
    # tuples they are (`tuple.__new__`), which is measurably faster than `Edit(...)` per match.
    folded: dict[str, str] = {}
    make, edits = tuple.__new__, []
    for m in _FULLWIDTH.finditer(masked):
        run = m.group()
        half = folded.get(run)
        if half is None:
            half = folded[run] = run.translate(_TO_HALFWIDTH)
        edits.append(make(Edit, (m.start(), m.end(), half, "fullwidth-ascii")))
    return edits


# --- pass 2: marks ---------------------------------------------------------------------------

_MARK = "[,，;；:：?!？！]"
_MARK_ANY = "[,，;；:：?!？！、。]"
_CJK_CLASS = f"[{_CJK_RANGES}]"

# The rules' patterns, each tried where _CANDIDATE found a place for it.
_ELLIPSIS = re.compile(r"(?:\.{3,}|。{3,}|…+)(?:[ \t]*(?:\.{3,}|。{3,}|…+))*")
_PERIOD = re.compile(r"。(?:[ \t]*。)+")
_DASH = re.compile(r"(?:-{2,}|—+|―+|－{2,})(?:[ \t]*(?:-{2,}|—+|―+|－{2,}))*")
_DOT = re.compile(r"[•・‧∙･·][ \t]*")
# Two or more marks of one family, spaces between allowed.
_RUN = re.compile(r"[,，](?:[ \t]*[,，])+|[;；](?:[ \t]*[;；])+|[:：](?:[ \t]*[:：])+|[?!？！](?:[ \t]*[?!？！])+|、(?:[ \t]*、)+")

# The common case, in bulk: one half-width mark with Han right next to it (`他说,好`), not
# followed by another mark. That neighbour decides its context; no walk is needed.
_LONE = re.compile(
    f"[,;:?!](?:(?<={_CJK_CLASS}[,;:?])|(?<={_CJK_CLASS}!)(?!\\[)|(?<=[,;?!])(?={_CJK_CLASS}))(?![ \\t]*{_MARK})"
)
# Every other place a rule may act: a mark followed by another (a run), a half-width mark
# that is not lone, a dot, dash, ellipsis or parenthesis. Each pattern here starts with one
# character class, which lets the regular expression engine skip ahead fast (measured: five
# times faster than one pattern with the alternatives at the top).
_CANDIDATE = re.compile(
    "[.…\\-—―－•・‧∙･·(),;:?!，；：？！、。]"
    "(?:"
    f"(?<=[，；：？！、。])(?=[ \\t]*{_MARK_ANY})|(?<=[,;:?!])(?=[ \\t]*{_MARK})"
    f"|(?<=[,;?])(?<!{_CJK_CLASS}.)(?!{_CJK_CLASS})"
    f"|(?<=:)(?<!{_CJK_CLASS}:)"
    f"|(?<=!)(?<!{_CJK_CLASS}!)(?!{_CJK_CLASS})|(?<={_CJK_CLASS}!)(?=\\[)"
    # A dot or hyphen alone is no rule's business: only `...` starts an ellipsis, `--` a dash.
    "|(?<=[…—―•・‧∙･·()])|(?<=\\.)(?=\\.\\.)|(?<=-)(?=-)|(?<=－)(?=－)"
    ")"
)

# A Latin label before a colon: a speaker (`Dwarkesh Patel:`) at the start of a line, or a
# term glossed in parentheses (`（On-call: 轮班待命）`). Up to four words.
# A bullet (`·`, `•`) at the line start counts as a list marker, which `paragraphs` makes it
# later: a second run must see the same label. A colon between digits is a time or a ratio
# (`AI10:30`), never a label's.
# Written for `re`, which matches it three times faster than `regex` (an interview has a label
# on every line).
_LABEL = re.compile(
    r"(?:^[\ue002 \t]*(?:[·•●・][ \t\u3000]*)?(?:\*\*|__)?|(?<=[（(]))"
    r"[A-Za-z0-9\ue000][A-Za-z0-9\ue000.'’&+-]*(?:[ ][A-Za-z0-9\ue000][A-Za-z0-9\ue000.'’&+-]*){0,3}"
    r"(?:\*\*|__)?(?=:)(?<![0-9\ue000](?=:[0-9\ue000]))",
    re.M,
)


class _Context:
    """Per-line facts the rules share, computed once per line on first use."""

    def __init__(self, masked: str) -> None:
        self.text = masked
        self._line_cache: dict[int, _LineFacts] = {}
        # The last walk of `side` each way, (from, to, kind): every place in between gives the
        # same answer, so the next walk stops when it reaches it. Rules ask from left to right,
        # and a long run of transparent characters (`()()()…`) is read once, not once a mark.
        self._walks: dict[int, tuple[int, int, str]] = {}
        self._through: dict[int, tuple[int, int]] = {}  # the same for `through`
        self._last_line: _LineFacts | None = None

    def line(self, position: int) -> _LineFacts:
        last = self._last_line
        if last is not None and last.start <= position <= last.end:
            return last  # no search back to the line's start: a line may be megabytes long
        text = self.text
        start = text.rfind("\n", 0, position) + 1
        facts = self._line_cache.get(start)
        if facts is None:
            end = text.find("\n", position)
            end = len(text) if end == -1 else end
            facts = _LineFacts(text, start, end)
            self._line_cache[start] = facts
        self._last_line = facts
        return facts

    def side(self, position: int, step: int) -> str:
        """The kind of the nearest meaningful character from `position` going `step` (±1)."""
        text = self.text
        i = position
        n = len(text)
        walked = self._walks.get(step)
        low, high = (min(walked[0], walked[1]), max(walked[0], walked[1])) if walked else (n, -1)
        kind = "none"
        while 0 <= i < n:
            if low <= i <= high:
                i, kind = walked[1], walked[2]  # type: ignore[index]
                break
            c = text[i]
            if c in _TRANSPARENT:
                i += step
                continue
            if c == "\n":
                break
            if c in _QUOTES:
                quote = self.line(i).quote_kind(i)
                if quote is not None:
                    kind = quote
                    break
                i += step
                continue
            kind = _kind(c)
            break
        self._walks[step] = (position, i, kind)
        return kind

    def chinese(self, start: int, end: int) -> bool:
        """Whether the stretch `[start, end)` stands in Chinese context."""
        left = self.side(start - 1, -1)
        right = self.side(end, 1)
        if left == "han" or right == "han":
            return True
        if left == "latin" and right == "latin":
            return False
        return self.line(start).clause_has_han(start)

    def through(self, position: int, step: int) -> int:
        """The first place from `position` going `step` (±1) whose character is not in
        `_THROUGH`: -1 or the text's length past its ends. Remembers its last walk as `side` does."""
        text = self.text
        n = len(text)
        walked = self._through.get(step)
        low, high = (min(walked), max(walked)) if walked else (n, -1)
        i = position
        while 0 <= i < n and text[i] in _THROUGH:
            if low <= i <= high:
                i = walked[1]  # type: ignore[index]
                break
            i += step
        self._through[step] = (position, i)
        return i


class _LineFacts:
    # Slots: one of these is made per line that holds a candidate (a speaker's label on every
    # line of an interview), and slots make that cheaper.
    __slots__ = (
        "text", "start", "end", "_quotes", "_parens", "_labels", "has_han", "_clause_ends", "_first_han",
        "_openings", "_notation",
    )

    def __init__(self, text: str, start: int, end: int) -> None:
        self.text = text
        self.start = start
        self.end = end
        self._quotes: dict[int, str] | None = None
        self._parens: dict[int, int] | None = None
        self._labels: dict[int, bool] | None = None
        self.has_han = _HAN.search(text, start, end) is not None
        # Found on first use, then searched by bisection: a question per mark on a long line
        # must not read the line back to its start each time.
        self._clause_ends: list[int] | None = None
        self._first_han: dict[int, int] = {}  # a clause's start → its first Han character
        self._openings: list[int] | None = None
        self._notation: dict[int, bool] = {}  # an opening parenthesis → `_notation` of its pair

    def clause_has_han(self, position: int) -> bool:
        """Whether the clause up to `position` (since the last `。！？!?；;`) holds Han."""
        if not self.has_han:
            return False
        if self._clause_ends is None:
            self._clause_ends = [m.start() for m in _CLAUSE_END.finditer(self.text, self.start, self.end)]
        ends = self._clause_ends
        k = bisect.bisect_left(ends, position)  # ends[k - 1] < position <= ends[k]
        begin = ends[k - 1] + 1 if k else self.start
        first = self._first_han.get(begin)
        if first is None:
            found = _HAN.search(self.text, begin, ends[k] if k < len(ends) else self.end)
            first = found.start() if found else self.end
            self._first_han[begin] = first
        return first < position

    def opening_before(self, position: int) -> int:
        """The last `(` of the line before `position`, or -1."""
        if self._openings is None:
            self._openings = [m.start() for m in _OPENING.finditer(self.text, self.start, self.end)]
        k = bisect.bisect_left(self._openings, position)
        return self._openings[k - 1] if k else -1

    def notation(self, opening: int, closing: int) -> bool:
        known = self._notation.get(opening)
        if known is None:
            known = self._notation[opening] = _notation(self.text, opening, closing, self.start)
        return known

    # Quote pairs: the kind of each paired quote's content, `han` or `latin`.
    def quote_kind(self, position: int) -> str | None:
        if self._quotes is None:
            self._quotes = {}
            for opening, closing in _pair_quotes(self.text, self.start, self.end)[0]:
                kind = "han" if _HAN.search(self.text, opening + 1, closing) else "latin"
                self._quotes[opening] = self._quotes[closing] = kind
        return self._quotes.get(position)

    def paren_partner(self, position: int) -> int | None:
        if self._parens is None:
            self._parens = {}
            stack: list[int] = []
            for m in _ANY_PAREN.finditer(self.text, self.start, self.end):
                i = m.start()
                if m.group() in "(（":
                    stack.append(i)
                elif stack:
                    opening = stack.pop()
                    self._parens[opening] = i
                    self._parens[i] = opening
        return self._parens.get(position)

    def is_label_colon(self, position: int) -> bool:
        if self._labels is None:
            # Each label's colon, and whether the label is a speaker's (at the line start) rather
            # than a gloss's (after an opening parenthesis).
            # A label starts at the line start or right after a parenthesis and holds neither
            # a parenthesis nor a line break, so trying those places alone finds every one.
            self._labels = {}
            text, start, end = self.text, self.start, self.end
            begins = [start]
            if text.find("(", start, end) != -1 or text.find("（", start, end) != -1:
                begins += [m.end() for m in _ANY_OPENING.finditer(text, start, end)]
            for begin in begins:
                found = _LABEL.match(text, begin, end)
                if found is not None:
                    self._labels[found.end()] = found.start() == start
        return position in self._labels

    def is_speaker_colon(self, position: int) -> bool:
        return self.is_label_colon(position) and bool(self._labels and self._labels[position])


def _pair_quotes(text: str, start: int, end: int) -> tuple[list[tuple[int, int]], bool]:
    """Double and single quote pairs of one line, and whether some quote was left unpaired.

    Double quotes pair in order of appearance when their count is even and no curly quote sits
    in the wrong place (an opening ” or a closing “); single quotes likewise, apostrophes
    (`don't`, `it’s`) left out.
    """
    pairs: list[tuple[int, int]] = []
    unbalanced = False
    doubles = [m.start() for m in _DOUBLE_QUOTE.finditer(text, start, end)]
    singles = [m.start() for m in _SINGLE_QUOTE.finditer(text, start, end) if not _apostrophe(text, m.start(), start, end)]
    for positions, openers, closers in ((doubles, "\"＂“", "\"＂”"), (singles, "'＇‘", "'＇’")):
        if not positions:
            continue
        ordered = len(positions) % 2 == 0 and all(
            text[p] in (openers if k % 2 == 0 else closers) for k, p in enumerate(positions)
        )
        if ordered:
            pairs.extend(zip(positions[::2], positions[1::2]))
        else:
            unbalanced = True
    return pairs, unbalanced


def _apostrophe(text: str, i: int, start: int, end: int) -> bool:
    before = text[i - 1] if i > start else " "
    after = text[i + 1] if i + 1 < end else " "
    if text[i] in "'’" and before.isalnum() and not _is_cjk(before) and after.isalnum() and not _is_cjk(after):
        return True  # don't, it's, Zuckerberg’s
    if text[i] == "'":
        # A straight single quote counts only with Han beside it, marks and spaces looked
        # through (so a neighbouring `,` turning into `，` changes nothing): users' data, '90s.
        j = i - 1
        while j >= start and text[j] in _TRANSPARENT:
            j -= 1
        k = i + 1
        while k < end and text[k] in _TRANSPARENT:
            k += 1
        return not ((j >= start and _is_cjk(text[j])) or (k < end and _is_cjk(text[k])))
    return False


_LONE_EDIT = {c: (_HALF_TO_FULL[c], _RULE[_HALF_TO_FULL[c]]) for c in ",;:?!"}


def _mark_edits(masked: str) -> list[Edit]:
    lone, make = _LONE_EDIT, tuple.__new__  # Edit built as the tuple it is: measured faster
    bulk: list[Edit] = [make(Edit, (m.start(), m.end()) + lone[m.group()]) for m in _LONE.finditer(masked)]
    # `.` as a full stop (the pattern is the toolkit's: the boilerplate classifier reads it too).
    bulk += [make(Edit, (m.start(), m.end(), "。", "period")) for m in FULL_STOP.finditer(masked)]
    ctx = _Context(masked)
    edits: list[Edit] = []
    parens_done: set[int] = set()
    covered: list[tuple[int, int]] = []  # runs: the last mark of one looks lone, but is the run's
    done_to = 0
    for m in _CANDIDATE.finditer(masked):
        start = m.start()
        if start < done_to:
            continue
        c = masked[start]
        if c in ".…。":
            found = _ELLIPSIS.match(masked, start) or (_PERIOD.match(masked, start) if c == "。" else None)
            if found is None:
                continue  # 。 before another kind of mark: nothing to do
            end, text = found.end(), found.group()
            done_to = end  # (no lone mark is inside: ellipses and full stops hold none)
            if found.re is _PERIOD:
                edits.append(Edit(start, end, "。", "period"))
            elif text != "……" and ("。" in text or "…" in text or ctx.chinese(start, end)):
                edits.append(Edit(start, end, "……", "ellipsis"))
        elif c in "-—―－":
            found = _DASH.match(masked, start)
            if found is not None:
                end, text = found.end(), found.group()
                done_to = end
                if text != "——" and _between_han(ctx, start, end):
                    edits.append(Edit(start, end, "——", "dash"))
        elif c in "•・‧∙･·":
            end = _DOT.match(masked, start).end()  # type: ignore[union-attr]
            done_to = end
            while start > 0 and masked[start - 1] in " \t":
                start -= 1  # the spaces before it go too (after it, the pattern took them)
            if masked[start:end] != "·" and _is_cjk(_near(masked, start - 1, -1)) and _is_cjk(_near(masked, end, 1)):
                if not edits or edits[-1].end <= start:
                    edits.append(Edit(start, end, "·", "interpunct"))
        elif c in "()":
            if start not in parens_done:
                edits.extend(_paren_edits(ctx, masked, start, parens_done))
        else:
            run = _RUN.match(masked, start)
            end = run.end() if run is not None else start + 1
            if run is not None:
                covered.append((start, end))
                done_to = end
            if c in ",;:?!" or run is not None:
                edits.extend(_run_edits(ctx, masked, start, end, masked[start:end]))
    if covered:
        inside = {i for start, end in covered for i in range(start, end)}
        bulk = [e for e in bulk if e.start not in inside]
    return bulk + edits


# Looked through when a rule needs Han on both sides: marks of either width and quotes too, so
# that converting a neighbouring `,` to `，` never changes the answer (`中—,` stays as it is).
_THROUGH = _TRANSPARENT | _QUOTES


def _between_han(ctx: _Context, start: int, end: int) -> bool:
    text = ctx.text
    i = ctx.through(start - 1, -1)
    j = ctx.through(end, 1)
    return i >= 0 and j < len(text) and _is_cjk(text[i]) and _is_cjk(text[j])


def _near(text: str, i: int, step: int) -> str:
    while 0 <= i < len(text) and text[i] in " \t":
        i += step
    return text[i] if 0 <= i < len(text) else "\n"


def _run_edits(ctx: _Context, masked: str, start: int, end: int, text: str) -> list[Edit]:
    # A list, not a generator: most calls are one colon of a speaker's label (an interview
    # has one a line), and a generator's set-up cost more than the work.
    marks = [text] if end - start == 1 else [c for c in text if c not in " \t"]
    if marks == [":"]:
        if start > 0 and masked[start - 1] == "]":
            return []  # a link reference definition or footnote label, `[1]: …`
        line = ctx.line(start)
        if line.is_label_colon(start):
            if not line.has_han:
                return []
            if line.is_speaker_colon(start):
                return _speaker_colon(masked, start, end, line.end)
            return _label_space(masked, end, line.end)
    if marks == ["!"] and end < len(masked) and masked[end] == "[":
        return []  # `![alt](src)`: a Markdown image
    has_fullwidth = any(c in _CHINESE_MARKS for c in marks)
    if not (has_fullwidth or ctx.chinese(start, end) or _latin_comma(ctx, masked, start, end, marks)):
        return []
    full = [_HALF_TO_FULL.get(c, c) for c in marks]
    collapsed = [c for k, c in enumerate(full) if k == 0 or c != full[k - 1]]
    replacement = "".join(collapsed)
    if replacement != text:
        return [Edit(start, end, replacement, _RULE.get(collapsed[0], "mark"))]
    return []


def _latin_comma(ctx: _Context, masked: str, start: int, end: int, marks: list[str]) -> bool:
    """A comma between Latin words with no space after it, in a Chinese clause: `AI,AI将`.

    English puts a space after a comma; one without, in a Chinese sentence, is a Chinese comma
    typed half-width. Inside notation (`f(a,b)`) it stays.
    """
    if marks != [","] or end >= len(masked) or masked[end] in " \t":
        return False
    if not (ctx.side(start - 1, -1) == "latin" and ctx.side(end, 1) == "latin"):
        return False
    return ctx.line(start).clause_has_han(start) and not _inside_notation(ctx, start)


def _speaker_colon(masked: str, colon: int, colon_end: int, line_end: int) -> list[Edit]:
    """A Latin speaker's colon before a Chinese sentence is that sentence's colon, written as a
    Chinese label's is: `Dwarkesh Patel: Mark,欢迎` → `Dwarkesh Patel：Mark,欢迎` (issue 20)."""
    i = colon_end
    while i < line_end and masked[i] in " \t":
        i += 1
    if i < line_end and masked[i] not in (BLOCK, MARKUP):
        return [Edit(colon, i, "：", "label-colon")]
    return []


def _label_space(masked: str, colon_end: int, line_end: int) -> list[Edit]:
    """One space after a label's colon when text follows (`Patel:谢谢` → `Patel: 谢谢`)."""
    i = colon_end
    while i < line_end and masked[i] in " \t":
        i += 1
    if i < line_end and masked[i] not in (BLOCK, MARKUP) and masked[colon_end:i] != " ":
        return [Edit(colon_end, i, " ", "label-colon")]
    return []


def _paren_edits(ctx: _Context, masked: str, position: int, done: set[int]) -> Iterable[Edit]:
    line = ctx.line(position)
    partner = line.paren_partner(position)
    if partner is None:
        done.add(position)
        return  # an unpaired parenthesis is left as written
    opening, closing = min(position, partner), max(position, partner)
    done.update((opening, closing))
    if masked[opening] == "（" or masked[closing] == "）":
        convert = True  # one half already full-width: the pair is made whole
    else:
        content_han = _HAN.search(masked, opening + 1, closing) is not None
        if content_han:
            convert = True
        elif _notation(masked, opening, closing, line.start):
            convert = False
        else:
            convert = ctx.chinese(opening, closing + 1)
    if convert:
        for i in (opening, closing):
            if masked[i] in "()":
                yield Edit(i, i + 1, _HALF_TO_FULL[masked[i]], "paren")


# Notation: lowercase letters, digits and operators (`n log n`, `x, y`), or one character (`N`).
_NOTATION = regex.compile(r"(?=[^a-z]*[a-z])[a-z0-9 ,.+*/^_=<>|\ue000-]+|[A-Za-z0-9\ue000]")
# Or terms of single capital letters (variables), lowercase words (functions) and numbers joined
# by operators, with at least one variable: `M log M`, `N^2`, `K, V`. A capitalised word
# (`Facebook`), an acronym (`FAIR`) or a number alone (`2023`) makes a parenthetical instead.
_TERM = r"(?:[0-9]*[A-Z][0-9]*|[a-z]+|[0-9]+(?:\.[0-9]+)?|\ue000+)"
_VARIABLE_NOTATION = regex.compile(f"[ (]*{_TERM}(?:[ ,+*/^_=<>|()-]+{_TERM})*[ )]*")
_CAPITAL_VARIABLE = regex.compile(r"(?<![A-Za-z])[A-Z](?![A-Za-z])")


def _notation(masked: str, opening: int, closing: int, line_start: int) -> bool:
    """A parenthesis pair that is mathematical or code notation: `O(n log n)`, `f(x)`, `O(N)`.

    It is attached to a Latin word with no space and holds notation; `Meta(Facebook)`,
    `MetaAIResearch(FAIR)` and `GPT-4(2023)` are parentheticals instead.
    """
    before = masked[opening - 1] if opening > line_start else ""
    if not before or not (before == ATOM or (before.isalnum() and not _is_cjk(before))):
        return False
    if _NOTATION.fullmatch(masked, opening + 1, closing) is not None:
        return True
    return (
        _VARIABLE_NOTATION.fullmatch(masked, opening + 1, closing) is not None
        and _CAPITAL_VARIABLE.search(masked, opening + 1, closing) is not None
    )


def _inside_notation(ctx: _Context, position: int) -> bool:
    line = ctx.line(position)
    depth_open = line.opening_before(position)
    if depth_open == -1:
        return False
    closing = line.paren_partner(depth_open)
    return closing is not None and closing > position and line.notation(depth_open, closing)


# --- pass 3: quotes --------------------------------------------------------------------------


_STRAIGHT = re.compile("[\"'＂＇]")


def _quote_edits(masked: str) -> tuple[list[Edit], list[int]]:
    edits: list[Edit] = []
    unbalanced: list[int] = []
    if not any(quote in masked for quote in "\"'＂＇"):
        return edits, unbalanced  # `in` is a memchr-fast search; most Chinese text has curly quotes only
    ctx = _Context(masked)
    seen: set[int] = set()
    for m in _STRAIGHT.finditer(masked):
        facts = ctx.line(m.start())
        if facts.start in seen:
            continue
        seen.add(facts.start)
        start, end = facts.start, facts.end
        if not facts.has_han:
            continue
        pairs, odd = _pair_quotes(masked, start, end)
        for opening, closing in pairs:
            content_han = _HAN.search(masked, opening + 1, closing) is not None
            if not (content_han or ctx.side(opening - 1, -1) == "han" or ctx.side(closing + 1, 1) == "han"):
                continue  # an English quotation in English context keeps straight quotes
            double = masked[opening] in _DOUBLE_QUOTES
            for i, curly in ((opening, "“" if double else "‘"), (closing, "”" if double else "’")):
                if masked[i] != curly:
                    edits.append(Edit(i, i + 1, curly, "quote"))
        if odd and any(c in masked[start:end] for c in "\"＂"):
            unbalanced.append(masked.count("\n", 0, start) + 1)
    return edits, unbalanced


# --- pass 4: spaces next to full-width marks -------------------------------------------------

_SPACE = regex.compile(
    r"(?<=[" + FULLWIDTH_MARKS + r"])[ \t]+(?=[^\s])|(?<=[^\s])[ \t]+(?=[" + FULLWIDTH_MARKS + r"])"
    r"|(?<=[“”‘’])[ \t]+(?=[^\s])|(?<=[^\s])[ \t]+(?=[“”‘’])"
)
# Spans whose edges keep their spaces: a bare URL needs a space before it to be a link in
# GitHub Markdown, and code, HTML and link syntax are not text.
_HARD_EDGES = ("inline-url", "inline-email", "inline-autolink", "inline-code", "inline-html", "inline-target", "inline-refdef")


def _space_edits(masked: str, spans: Sequence[Span]) -> list[Edit]:
    hard = {s.start for s in spans if s.kind in _HARD_EDGES} | {s.end for s in spans if s.kind in _HARD_EDGES}
    edits = []
    for m in _SPACE.finditer(masked):
        start, end = m.span()
        before, after = masked[start - 1], masked[end]
        if before in (BLOCK, MARKUP) or after in (BLOCK, MARKUP) or start in hard or end in hard:
            continue
        if before in "“”‘’" or after in "“”‘’":
            # Curly quotes are also English quotes: only next to Chinese do their spaces go.
            other = after if before in "“”‘’" else before
            if not (_is_cjk(other) or other in _CHINESE_MARKS):
                continue
        edits.append(Edit(start, end, "", "space"))
    return edits


# --- the step --------------------------------------------------------------------------------

# Anything a rule could start with. One character class first, the conditions after it, so the
# engine skips ahead between candidates (as one alternation it tried every branch at every
# character). `＋ － ．` are listed: between two ASCII letters (`a＋b`) they fold too.
_ALWAYS = ",;:?!()\"'＂＇…—―•・‧∙･Ａ-Ｚａ-ｚ０-９％＄＠＆＝／＋－．"
_MARK_OR_QUOTE = FULLWIDTH_MARKS + "“”‘’·"
_ANY = re.compile(
    f"[{_ALWAYS}.\\-。、 \t{_MARK_OR_QUOTE}]"
    f"(?:(?<=[{_ALWAYS}])|(?<=\\.)\\.\\.|(?<={_CJK_CLASS}\\.)|(?<=[”’）》」』】]\\.)|(?<=-)-|(?<=。)[ \\t]*。|(?<=、)[ \\t]*、"
    f"|(?<=[，；：？！])[ \\t]*[，；：？！]|(?<=[ \\t])[{_MARK_OR_QUOTE}]|(?<=[{_MARK_OR_QUOTE}])[ \\t])"
)

def punctuation(doc: Document, options: object = None) -> Document:
    """Apply the house style of punctuation to the body; protected spans are left as they are.

    `这是"开源"模型(open weights)。` → `这是“开源”模型（open weights）。`
    """
    if _ANY.search(doc.body) is None:
        return doc  # nothing any rule could change: no parsing, no masking
    original = doc.body  # warnings quote the line as the step found it
    doc = doc.with_spans()
    masked = doc.masked()
    folded = _fullwidth_edits(masked)
    if folded:
        doc = doc.edit(STEP, folded, kind=REWRITE)
        masked = doc.masked()
    # Marks and quotes touch different characters, and neither rule reads what the other
    # writes (a quote pair's content is the same before and after), so they share one pass.
    quote_edits, unbalanced = _quote_edits(masked)
    body = doc.body
    marks = _mark_edits(masked)
    if "<!" in body or "&lt;!" in body:
        # `<!` (`&lt;!--` once `paragraphs` escaped an unclosed comment) opens HTML, not a sentence.
        marks = [e for e in marks if not (body[e.start] == "!" and body[: e.start].endswith(("<", "&lt;")))]
    doc = doc.edit(STEP, marks + quote_edits, kind=REWRITE)
    # Masking only turns characters into non-spaces that are not marks, so a body with no space
    # beside a full-width mark or quote has none masked either: no third masked copy.
    if _SPACE.search(doc.body) is not None:
        doc = doc.edit(STEP, _space_edits(doc.masked(), doc.protected()), kind=REWRITE)
    if unbalanced:
        lines = original.split("\n")  # only now: a list of every line is several times the text
        doc = doc.add_warnings(
            Warning(STEP, "unbalanced-quote", n, "straight quotes in this line do not pair up; left as they are", lines[n - 1].strip()[:80])
            for n in unbalanced
        )
    return doc
