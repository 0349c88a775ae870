"""The values that flow through a pipeline: `Document`, and the `Change` and `Warning` records.

A `Document` is immutable. A step returns a new one, built with `Document.edit`, which applies a
list of `Edit`s to the body and records one `Change` per edit. Because every change carries its
exact place (`offset`, in the step's output) and both texts, the changes of a step can be replayed
backwards over its output to give back its input (`unapply`): "nothing lost" is checkable.

Every record says what it is (`kind`: a removal, a repair, a rewrite; a `Warning` is a warning)
and its `category`, both set by the step that makes it, so the JSON report and the audit page
count from the records alone and name no step.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Any, NamedTuple

from .protect import Block, Span, shift_blocks, shift_spans


# What a change is (`Change.kind`). A removal takes content out (a boilerplate line, a user's
# filtered line); a repair undoes damage (mojibake, stray tags, invisible characters); a rewrite
# changes style (script, punctuation, spacing, glossary casing, paragraph layout). A warning is
# what a step saw and left alone (`Warning.kind`).
REMOVAL = "removal"
REPAIR = "repair"
REWRITE = "rewrite"
WARNING = "warning"
KINDS = (REMOVAL, REPAIR, REWRITE, WARNING)


class Edit(NamedTuple):
    """Replace `body[start:end]` with `replacement`; `rule` names why.

    `kind` and `category` are the step's word on what the edit is (see `Document.edit` for what
    an edit without them gets).
    """

    start: int
    end: int
    replacement: str
    rule: str
    # What the report shows beside the rule, as (name, value) pairs: a template removal's
    # group and document count. Empty for most edits (and absent from an edit a step builds
    # as a bare 4-tuple with `tuple.__new__`, which `edit` allows for).
    detail: tuple[tuple[str, Any], ...] = ()
    kind: str = ""
    category: str = ""


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
    changes: tuple[Change, ...] = ()
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
    # The block structure of `body` (`protect.block_structure`), found with the spans and
    # carried with them through edits that keep it (`protect.shift_blocks`); None: not known.
    blocks: tuple[Block, ...] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.meta, MappingProxyType):
            object.__setattr__(self, "meta", _freeze(self.meta))

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
        from .protect import find_structure

        return find_structure(self.body, self.protected_terms, self.blocks)[0]

    def with_spans(self) -> Document:
        if self.spans is not None:
            return self
        from .protect import find_structure

        spans, blocks = find_structure(self.body, self.protected_terms, self.blocks)
        return self.replace(spans=spans, blocks=blocks)

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
        ordered = sorted(edits, key=lambda e: (e.start, e.end))
        ordered = [e for e in ordered if self.body[e.start : e.end] != e.replacement]
        if self.disabled_rules:
            ordered = [e for e in ordered if not self.rule_disabled(step, e.rule)]
        if not ordered:
            return self
        body = self.body
        pieces: list[str] = []
        changes: list[Change] = []
        cursor = 0
        out_len = 0
        # Edits are sorted: count lines incrementally instead of searching for each one.
        line, line_start, counted = 1, 0, 0
        for e in ordered:
            if e.start < cursor:
                raise ValueError(f"step {step}: overlapping edits at {e.start} ({e.rule})")
            pieces.append(body[cursor : e.start])
            out_len += e.start - cursor
            newlines = body.count("\n", counted, e.start)
            if newlines:
                line += newlines
                line_start = body.rfind("\n", counted, e.start) + 1
            counted = e.start
            before = body[e.start : e.end]
            column = e.start - line_start + 1
            # An edit may be a bare 4-tuple (`tuple.__new__(Edit, ...)`, as a hot loop builds it).
            detail, own_kind, own_category = (e[4], e[5], e[6]) if len(e) > 4 else ((), "", "")
            change_kind = own_kind or kind or default_kind(before, e.replacement, column)
            changes.append(
                Change(
                    step,
                    e.rule,
                    line,
                    column,
                    before,
                    e.replacement,
                    out_len,
                    detail,
                    change_kind,
                    own_category or category or step,
                )
            )
            pieces.append(e.replacement)
            out_len += len(e.replacement)
            cursor = e.end
            if len(pieces) >= _PIECES_JOINED:
                # A slice of the body per edit, all alive until the end, cost as much as the
                # change records (an edit on every short line): join them as we go.
                pieces[:] = ["".join(pieces)]
        pieces.append(body[cursor:])
        new_body = "".join(pieces)
        spans, blocks = self.spans, None
        if spans is not None:
            spans = shift_spans(spans, ordered, step) if keep_spans else None
            # Blocks move only with the spans: those keep edits out of code and HTML blocks.
            if spans is not None and self.blocks is not None:
                blocks = shift_blocks(self.blocks, ordered, body, new_body)
        # One tuple of the records, not a list, a tuple and their concatenation at once.
        made = tuple(changes)
        del changes
        return self.replace(
            body=new_body, changes=self.changes + made if self.changes else made, spans=spans, blocks=blocks
        )


# Pieces of the new body kept apart in `Document.edit` before they are joined.
_PIECES_JOINED = 8192


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
