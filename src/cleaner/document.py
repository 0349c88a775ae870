"""The values that flow through a pipeline: `Document`, and the `Change` and `Warning` records.

A `Document` is immutable. A step returns a new one, built with `Document.edit`, which applies a
list of `Edit`s to the body and records one `Change` per edit. Because every change carries its
exact place (`offset`, in the step's output) and both texts, the changes of a step can be replayed
backwards over its output to give back its input (`unapply`): "nothing lost" is checkable.
`Document.changes` is a `ChangeLog`, a sequence of `Change` that keeps each `edit` call's
records in columns and makes a `Change` when one is read (a document with a change on every
short line would otherwise hold ten times its size in records).

Every record says what it is (`kind`: a removal, a repair, a rewrite; a `Warning` is a warning)
and its `category`, both set by the step that makes it, so the JSON report and the audit page
count from the records alone and name no step.
"""

from __future__ import annotations

import bisect
import dataclasses
import operator
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import Any, NamedTuple, Union, overload

from .protect import Span, shift_spans


# What a change is (`Change.kind`). A removal takes content out (a boilerplate line, a user's
# filtered line); a repair undoes damage (mojibake, stray tags, invisible characters); a rewrite
# changes style (script, punctuation, spacing, glossary casing, paragraph layout). A warning is
# what a step saw and left alone (`Warning.kind`).
REMOVAL = "removal"
REPAIR = "repair"
REWRITE = "rewrite"
WARNING = "warning"
KINDS = (REMOVAL, REPAIR, REWRITE, WARNING)


class _EditFields(NamedTuple):
    start: int
    end: int
    replacement: str
    rule: str
    detail: tuple[tuple[str, Any], ...] = ()
    kind: str = ""
    category: str = ""


class Edit(_EditFields):
    """Replace `body[start:end]` with `replacement`; `rule` names why.

    `kind` and `category` are the step's word on what the edit is (see `Document.edit` for what
    an edit without them gets). `detail` is what the report shows beside the rule, as (name,
    value) pairs: a template removal's group and document count; empty for most edits.

    An edit that says none of the three is the 4-tuple `(start, end, replacement, rule)` (as a
    step's hot loop builds it with `tuple.__new__(Edit, ...)`): a step with an edit on every
    short line holds them all until `Document.edit` has applied them, and the three empty
    fields were a fifth of each.
    """

    __slots__ = ()

    def __new__(
        cls,
        start: int,
        end: int,
        replacement: str,
        rule: str,
        detail: tuple[tuple[str, Any], ...] = (),
        kind: str = "",
        category: str = "",
    ) -> Edit:
        if detail or kind or category:
            return tuple.__new__(cls, (start, end, replacement, rule, detail, kind, category))
        return tuple.__new__(cls, (start, end, replacement, rule))

    @property
    def detail(self) -> tuple[tuple[str, Any], ...]:
        return self[4] if len(self) > 4 else ()

    @property
    def kind(self) -> str:
        return self[5] if len(self) > 4 else ""

    @property
    def category(self) -> str:
        return self[6] if len(self) > 4 else ""

    def __repr__(self) -> str:
        extra = f", detail={self.detail!r}, kind={self.kind!r}, category={self.category!r}" if len(self) > 4 else ""
        return f"Edit(start={self.start!r}, end={self.end!r}, replacement={self.replacement!r}, rule={self.rule!r}{extra})"

    def __getnewargs__(self) -> tuple[Any, ...]:
        return tuple(self)

    def _asdict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self._fields}

    def _replace(self, **fields: Any) -> Edit:
        return Edit(**{**self._asdict(), **fields})


class Change(NamedTuple):
    """One rewrite or removal, as the report shows it.

    `line` and `column` (1-based) are the place in the step's input; `offset` is where `after`
    begins in the step's output, which is what makes a change replayable. Changes to the front
    matter have `offset` -1 and `line` the field's line in the input file (see docs/frontmatter.md).
    `kind` is `removal`, `repair` or `rewrite`; `category` groups changes for the report (a
    boilerplate rule's category, else the step's name). Both default so that a record made by
    hand with the first seven fields still works (it counts as a rewrite).
    A tuple, not a dataclass: a document can hold tens of thousands, and they are made in the
    inner loop of every step.
    """

    step: str
    rule: str
    line: int
    column: int
    before: str
    after: str
    offset: int
    detail: tuple[tuple[str, Any], ...] = ()  # from `Edit.detail`
    kind: str = REWRITE
    category: str = ""

    @property
    def is_removal(self) -> bool:
        return self.kind == REMOVAL

    def to_json(self) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "step": self.step,
            "rule": self.rule,
            "line": self.line,
            "column": self.column,
            "before": self.before,
            "after": self.after,
            "kind": self.kind,
            "category": self.category or self.step,
        }
        if self.detail:
            entry["detail"] = dict(self.detail)
        return entry


# How many edits `Document.edit` applies before it joins what it has gathered of the new body,
# and of the `before` and `after` texts, into one string each: a slice per edit, all alive
# until the end, cost more than the change records when every short line has an edit.
_PIECES_JOINED = 1024
# The columns of a change log: 16 bits for the shape index and 32 for places and text ends,
# or 64 bits for all when a value does not fit (`Document.edit` tries narrow first).
_NARROW = ("H", "I")
_WIDE = ("q", "q")


class _Packed:
    """The changes one `Document.edit` call made, in columns rather than one `Change` each.

    A `Change` tuple with its own line, offset and `before` string is about 200 bytes, ten
    times a short line that gets one fix. Here a change is a 16-bit index into `shapes` (its
    rule, detail, kind and category, shared by the changes that have the same) and five 32-bit
    numbers: its line, column and start in the step's input, and where its `before` and its
    `after` end in the two joined strings `before` and `after`. Its `offset` is worked out:
    the start, plus what the changes before it wrote, less what they took out.
    """

    __slots__ = ("step", "shapes", "shape", "line", "column", "start", "before", "before_end", "after", "after_end")

    def __init__(
        self,
        step: str,
        shapes: list[tuple[str, tuple[tuple[str, Any], ...], str, str]],
        columns: tuple[array[int], array[int], array[int], array[int], array[int], array[int]],
        before: str,
        after: str,
    ) -> None:
        self.step = step
        self.shapes = shapes
        self.shape, self.line, self.column, self.start, self.before_end, self.after_end = columns
        self.before = before
        self.after = after

    def __reduce__(self) -> tuple[Any, ...]:
        columns = (self.shape, self.line, self.column, self.start, self.before_end, self.after_end)
        return (_Packed, (self.step, self.shapes, columns, self.before, self.after))

    def __len__(self) -> int:
        return len(self.shape)

    def __getitem__(self, i: int) -> Change:
        b0 = self.before_end[i - 1] if i else 0
        a0 = self.after_end[i - 1] if i else 0
        return self._make(i, b0, self.before_end[i], a0, self.after_end[i])

    def _make(self, i: int, b0: int, b1: int, a0: int, a1: int) -> Change:
        rule, detail, kind, category = self.shapes[self.shape[i]]
        return _new_change(
            Change,
            (self.step, rule, self.line[i], self.column[i], self.before[b0:b1], self.after[a0:a1],
             self.start[i] + a0 - b0, detail, kind, category),
        )

    def __iter__(self) -> Iterator[Change]:
        b0 = a0 = 0
        before_end, after_end, make = self.before_end, self.after_end, self._make
        for i in range(len(self.shape)):
            b1, a1 = before_end[i], after_end[i]
            yield make(i, b0, b1, a0, a1)
            b0, a0 = b1, a1

    def __reversed__(self) -> Iterator[Change]:
        for i in range(len(self.shape) - 1, -1, -1):
            yield self[i]


# A part of a `ChangeLog`: one edit call's changes, or records made by hand.
_Part = Union[_Packed, tuple[Change, ...]]
_new_change = tuple.__new__  # a Change built as the tuple it is: no keyword handling per record


class ChangeLog(Sequence[Change]):
    """The change records of a document, in order: a read-only sequence of `Change`.

    `Document.changes` is one. It behaves as the tuple it once was: it indexes, slices (a
    slice is a tuple), iterates, adds to a tuple or another log (`doc.changes + (change,)`) and
    equals a tuple of the same records. What it holds is the changes of each `Document.edit`
    call packed in columns (`_Packed`), and records made by hand as they are; a `Change` is
    made when it is read, so a document with a change on every line costs a fraction of a
    tuple of records.
    """

    __slots__ = ("_parts", "_ends")

    _parts: tuple[_Part, ...]
    _ends: tuple[int, ...]  # the number of records up to the end of each part

    def __init__(self, changes: Iterable[Change] = ()) -> None:
        records = tuple(changes)
        self._set(((records,) if records else ()))

    def _set(self, parts: tuple[_Part, ...]) -> None:
        ends = []
        total = 0
        for part in parts:
            total += len(part)
            ends.append(total)
        self._parts = parts
        self._ends = tuple(ends)

    @classmethod
    def _of_parts(cls, parts: tuple[_Part, ...]) -> ChangeLog:
        log = cls.__new__(cls)
        log._set(tuple(part for part in parts if len(part)))
        return log

    def __reduce__(self) -> tuple[Any, ...]:
        return (ChangeLog._of_parts, (self._parts,))

    def __len__(self) -> int:
        return self._ends[-1] if self._ends else 0

    @overload
    def __getitem__(self, index: int) -> Change: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[Change, ...]: ...

    def __getitem__(self, index: int | slice) -> Change | tuple[Change, ...]:
        if isinstance(index, slice):
            return tuple(self[i] for i in range(*index.indices(len(self))))
        size = len(self)
        if index < 0:
            index += size
        if not 0 <= index < size:
            raise IndexError("change index out of range")
        part = bisect.bisect_right(self._ends, index)
        return self._parts[part][index - (self._ends[part - 1] if part else 0)]

    def __iter__(self) -> Iterator[Change]:
        for part in self._parts:
            yield from part

    def __reversed__(self) -> Iterator[Change]:
        for part in reversed(self._parts):
            yield from reversed(part)

    def __add__(self, other: Sequence[Change]) -> ChangeLog:
        if isinstance(other, ChangeLog):
            return ChangeLog._of_parts(self._parts + other._parts)
        if isinstance(other, (tuple, list)):
            return ChangeLog._of_parts(self._parts + (tuple(other),))
        return NotImplemented

    def __radd__(self, other: Sequence[Change]) -> ChangeLog:
        if isinstance(other, (tuple, list)):
            return ChangeLog._of_parts((tuple(other),) + self._parts)
        return NotImplemented

    def _with(self, part: _Packed) -> ChangeLog:
        return ChangeLog._of_parts(self._parts + (part,))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, (ChangeLog, tuple)):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other))

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return repr(tuple(self))


NO_CHANGES = ChangeLog()


# Past this share of a body's characters removed, a document is suspect: the `boilerplate` step
# warns (`removed-share`) and `--in-place` holds the file back unless `--force` (docs/rules.md).
MAX_REMOVED_SHARE = 0.30


def removed_chars(changes: Iterable[Change]) -> int:
    """The characters the removals among `changes` took out: what the report and the audit count."""
    return sum(len(c.before) for c in changes if c.kind == REMOVAL)


def default_kind(before: str, after: str, column: int) -> str:
    """What an edit whose step did not say is: whole lines of text deleted are a removal (a
    user's own filter), anything else a rewrite.

    >>> default_kind("打开网易新闻 查看精彩图片\\n", "", 1), default_kind("\\u200b", "", 3)
    ('removal', 'rewrite')
    """
    if not after and column == 1 and before.endswith("\n") and before.strip():
        return REMOVAL
    return REWRITE


@dataclasses.dataclass(frozen=True)
class Warning:  # noqa: A001 - the SPEC's name for the record; not the builtin exception class
    """Something a step saw and chose not to change (unrepairable damage, an unsure case)."""

    step: str
    rule: str
    line: int
    message: str
    text: str = ""

    kind = WARNING  # a class constant, not a field: every warning is one

    def to_json(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "rule": self.rule,
            "line": self.line,
            "message": self.message,
            "text": self.text,
            "kind": self.kind,
        }


def _freeze(mapping: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping or {}))


@dataclasses.dataclass(frozen=True)
class Document:
    """An article on its way through the pipeline.

    - `meta`: the front matter mapping (read-only); `frontmatter`: its text as it will be
      written (the input's own text until the `frontmatter` step re-emits it), or None for none;
      `frontmatter_format`: `yaml`, `toml` or `json`, the format it is written back in.
    - `body`: the Markdown body; `body_line`: the input line the body starts on.
    - `changes`, `warnings`: everything the steps so far did and noticed.
    - `spans`: the protected spans of `body`, found once (see `protect.py`) and carried along.
    - `original_text`: the whole input as decoded (front matter included), kept from `parse` so
      nothing has to decode the input again; None for a document built from a body directly.
    """

    body: str
    meta: Mapping[str, Any] = dataclasses.field(default_factory=lambda: _freeze(None))
    frontmatter: str | None = None
    changes: ChangeLog = NO_CHANGES  # a tuple given here is taken as a ChangeLog
    warnings: tuple[Warning, ...] = ()
    path: str = "<stdin>"
    encoding: str = "utf-8"
    body_line: int = 1
    spans: tuple[Span, ...] | None = None
    protected_terms: tuple[str, ...] = ()
    # The front matter's format: "yaml" (`---`), "toml" (`+++`) or "json" (`{ … }`).
    frontmatter_format: str = "yaml"
    # Rule ids turned off (`--disable-rule`): `edit` drops their edits, as markdown-it's
    # `disable(name)` keeps a rule from running. `step/rule` names one step's rule only.
    disabled_rules: frozenset[str] = frozenset()
    # The template group its caller assigned (a JSON Lines field, the file's folder); the
    # front matter's own `source`/`url` comes first (see `templates.group_of`).
    group: str | None = None
    original_text: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.meta, MappingProxyType):
            object.__setattr__(self, "meta", _freeze(self.meta))
        if not isinstance(self.changes, ChangeLog):
            object.__setattr__(self, "changes", ChangeLog(self.changes))

    # MappingProxyType does not pickle; documents travel to worker processes.
    def __reduce__(self) -> tuple[Any, ...]:
        fields = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        fields["meta"] = dict(self.meta)
        return (_rebuild, (fields,))

    @classmethod
    def parse(
        cls,
        raw: str | bytes,
        *,
        path: str = "<stdin>",
        protected_terms: Sequence[str] = (),
        encoding: str | None = None,
    ) -> Document:
        """Read an article: bytes are decoded (see `cleaner.decode`), front matter split off.

        `encoding` names the bytes' encoding and skips detection.

        Raises `EncodingError` for input that is not text, `FrontMatterError` for front matter
        that cannot be read.
        """
        from .decode import ambiguity, decode_with_damage
        from .frontmatter_io import split_any

        damage: list[tuple[int, str]] = []
        doubt = None
        if isinstance(raw, bytes):
            text, read_as, damage = decode_with_damage(raw, path=path, encoding=encoding)
            doubt = None if encoding is not None else ambiguity(raw, read_as)
        else:
            text, read_as = raw, "utf-8"
        meta, frontmatter, body, body_line, frontmatter_format = split_any(text, path=path)
        warnings = tuple(
            Warning("encoding", "undecodable", line - body_line + 1, message) for line, message in damage
        )
        if doubt is not None:  # line 0: about the whole document
            warnings += (Warning("encoding", "ambiguous", 0, doubt),)
        return cls(
            warnings=warnings,
            body=body,
            meta=meta,
            frontmatter=frontmatter,
            path=path,
            encoding=read_as,
            body_line=body_line,
            protected_terms=tuple(protected_terms),
            frontmatter_format=frontmatter_format,
            original_text=text,
        )

    def replace(self, **fields: Any) -> Document:
        return dataclasses.replace(self, **fields)

    def protected(self) -> tuple[Span, ...]:
        """The protected spans of the body, found now if no step has needed them yet."""
        if self.spans is not None:
            return self.spans
        from .protect import find_spans

        return find_spans(self.body, self.protected_terms)

    def with_spans(self) -> Document:
        if self.spans is not None:
            return self
        return self.replace(spans=self.protected())

    def masked(self) -> str:
        """The body as every text step sees it: protected spans covered, same length."""
        from .protect import mask

        return mask(self.body, self.protected())

    def warn(self, step: str, rule: str, line: int, message: str, text: str = "") -> Document:
        return self.replace(warnings=self.warnings + (Warning(step, rule, line, message, text),))

    def add_warnings(self, warnings: Iterable[Warning]) -> Document:
        new = tuple(warnings)
        return self.replace(warnings=self.warnings + new) if new else self

    def rule_disabled(self, step: str, rule: str) -> bool:
        """Whether `--disable-rule` turned this rule off (`context-run [why]` is `context-run`)."""
        name = rule.split(" [", 1)[0]
        return name in self.disabled_rules or f"{step}/{name}" in self.disabled_rules

    def edit(
        self,
        step: str,
        edits: Iterable[Edit],
        *,
        keep_spans: bool = True,
        kind: str | None = None,
        category: str | None = None,
    ) -> Document:
        """Apply non-overlapping edits to the body and record one `Change` each.

        Edits may come in any order; two that overlap are a bug in the step and raise. Protected
        spans move with the text; a span inside a removed stretch goes with it, and an edit that
        cuts into a span raises, because no text step may rewrite protected text.

        Each change's `kind` is the edit's own, else `kind` here, else `default_kind` (whole
        lines deleted: a removal; anything else: a rewrite); its `category` the edit's own, else
        `category` here, else the step's name.
        """
        if kind is not None and kind not in KINDS:
            raise ValueError(f"step {step}: unknown change kind {kind!r} (kinds: {', '.join(KINDS)})")
        ordered = edits if isinstance(edits, (list, tuple)) else list(edits)
        if not _in_order(ordered):
            ordered = _sorted_edits(ordered)
        try:
            return self._apply(step, ordered, keep_spans, kind, category, _NARROW)
        except OverflowError:  # a place or a text past 4 G characters, or 65,536 rule shapes
            return self._apply(step, ordered, keep_spans, kind, category, _WIDE)

    def _apply(
        self,
        step: str,
        ordered: Sequence[Edit],
        keep_spans: bool,
        kind: str | None,
        category: str | None,
        typecodes: tuple[str, str],
    ) -> Document:
        body = self.body
        disabled = bool(self.disabled_rules)
        shape = array(typecodes[0])
        lines, columns, starts, before_ends, after_ends = (array(typecodes[1]) for _ in range(5))
        add_shape, add_line, add_column, add_start = shape.append, lines.append, columns.append, starts.append
        add_before_end, add_after_end = before_ends.append, after_ends.append
        shapes: list[tuple[str, tuple[tuple[str, Any], ...], str, str]] = []
        shape_of: dict[Any, int] = {}
        # The new body, the `before` texts and the `after` texts, each as pieces joined every
        # `_PIECES_JOINED` edits into chunks.
        pieces: list[str] = []
        chunks: list[str] = []
        befores: list[str] = []
        before_chunks: list[str] = []
        afters: list[str] = []
        after_chunks: list[str] = []
        cursor = 0
        before_total = after_total = 0
        skipped = 0
        countdown = _PIECES_JOINED
        # Edits are sorted: count lines incrementally instead of searching for each one.
        line, line_start, counted = 1, 0, 0
        for e in ordered:
            start, end, replacement, rule = e[0], e[1], e[2], e[3]
            before = body[start:end]
            if before == replacement or (disabled and self.rule_disabled(step, rule)):
                skipped += 1
                continue
            if start < cursor:
                raise ValueError(f"step {step}: overlapping edits at {start} ({rule})")
            if start > cursor:
                pieces.append(body[cursor:start])
            newlines = body.count("\n", counted, start)
            if newlines:
                line += newlines
                line_start = body.rfind("\n", counted, start) + 1
            counted = start
            column = start - line_start + 1
            # An edit may be a bare 4-tuple (`tuple.__new__(Edit, ...)`, as a hot loop builds it).
            if len(e) > 4 and (e[4] or e[5] or e[6]):
                change_kind = e[5] or kind or default_kind(before, replacement, column)
                key: Any = (rule, e[4], change_kind, e[6] or category or step)
            elif kind is not None:
                key = rule
            else:
                key = (rule, (), default_kind(before, replacement, column), category or step)
            index = shape_of.get(key)
            if index is None:
                index = shape_of[key] = len(shapes)
                shapes.append(key if isinstance(key, tuple) else (rule, (), kind or REWRITE, category or step))
            add_shape(index)
            add_line(line)
            add_column(column)
            add_start(start)
            if before:
                befores.append(before)
                before_total += len(before)
            add_before_end(before_total)
            if replacement:
                afters.append(replacement)
                pieces.append(replacement)
                after_total += len(replacement)
            add_after_end(after_total)
            cursor = end
            countdown -= 1
            if not countdown:  # each list has grown by at most two pieces an edit
                countdown = _PIECES_JOINED
                chunks.append("".join(pieces))
                pieces.clear()
                before_chunks.append("".join(befores))
                befores.clear()
                after_chunks.append("".join(afters))
                afters.clear()
        if not shape:
            return self
        pieces.append(body[cursor:])
        chunks.append("".join(pieces))
        del pieces
        spans = self.spans
        if spans is not None and keep_spans:
            applied = ordered
            if skipped:
                applied = [
                    e for e in ordered if body[e[0] : e[1]] != e[2] and not (disabled and self.rule_disabled(step, e[3]))
                ]
            spans = shift_spans(spans, applied, step)
        elif spans is not None:
            spans = None
        before_chunks.append("".join(befores))
        after_chunks.append("".join(afters))
        made = _Packed(
            step,
            shapes,
            (shape, lines, columns, starts, before_ends, after_ends),
            "".join(before_chunks),
            "".join(after_chunks),
        )
        del befores, afters, before_chunks, after_chunks
        new_body = chunks[0] if len(chunks) == 1 else "".join(chunks)
        del chunks
        return self.replace(body=new_body, changes=self.changes._with(made), spans=spans)


def _in_order(edits: Sequence[Edit]) -> bool:
    """Whether the edits are sorted by start, then end (as most steps make them): then they
    need no sorting, and no key tuple per edit."""
    last_start = last_end = -1
    for e in edits:
        start = e[0]
        if start < last_start or (start == last_start and e[1] < last_end):
            return False
        last_start, last_end = start, e[1]
    return True


def _sorted_edits(edits: Sequence[Edit]) -> list[Edit]:
    """The edits by start, then end. By start alone first (the key is the start itself, no new
    object per edit); edits sharing a start are rare, and only then is the end read too."""
    ordered = sorted(edits, key=_edit_start)
    return ordered if _in_order(ordered) else sorted(edits, key=_edit_place)


_edit_start = operator.itemgetter(0)
_edit_place = operator.itemgetter(0, 1)


def _rebuild(fields: dict[str, Any]) -> Document:
    return Document(**fields)


def unapply(text: str, changes: Sequence[Change]) -> str:
    """Replay changes backwards over the text they produced, giving back the text before them."""
    for change in reversed(changes):
        if change.offset < 0:  # a front matter change: it holds its field, not a body place
            continue
        end = change.offset + len(change.after)
        if text[change.offset : end] != change.after:
            raise ValueError(f"change {change} does not match the text at {change.offset}")
        text = text[: change.offset] + change.before + text[end:]
    return text
