"""The case files of `fixtures/cases/<step>/` and the one checker every case gets.

The format is in `fixtures/cases/README.md`: markdown-it style, a title line, then sections
each closed by a `.` line. `tests/test_cases.py` runs `check_case` on every case of every file;
a step's own test file reads the same cases for what only that step has (the block structure
`paragraphs` must leave, the rule that removed each `boilerplate` line).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

import regex

from cleaner import Document
from cleaner.api import render
from cleaner.document import Change, unapply
from cleaner.pipeline import Options, load_step
from cleaner.text import HAN

from .conftest import FIXTURES

CASES = FIXTURES / "cases"
SAMPLES = FIXTURES / "samples"

HAN_OR_LATIN = regex.compile(f"[{HAN}A-Za-z0-9]")
_ESCAPE = regex.compile(r"\\u\{([0-9a-fA-F]{1,6})\}")
_DIRECTIVE = regex.compile(r"%! *([a-z-]+): *(.*)")


class Case(NamedTuple):
    step: str  # the folder's name: the step the case runs
    title: str
    input: str
    expected: str | None  # None in a `noop` file: the step must leave the input as it is
    extra: Mapping[str, str]  # further sections, named by the file's `%! sections:` line
    options: Mapping[str, Any]  # the file's `%! options:`, for `Options.make`
    path: str  # `<step>/<file>`, for messages
    whole_file: bool = False  # `%! input: file`: the input is a file, front matter and all

    @property
    def sample(self) -> str | None:
        m = regex.match(r"\[sample:([\w-]+)\]", self.title)
        return m.group(1) if m else None

    @property
    def repairs(self) -> frozenset[str]:
        """Span kinds the step may cut into here: a title ending `[repairs: html]` says the
        input's HTML block is damage (an unclosed comment) that the step repairs."""
        m = regex.search(r"\[repairs: ([\w -]+)\]$", self.title)
        return frozenset(m.group(1).split()) if m else frozenset()

    @property
    def id(self) -> str:
        return f"{self.path}:{self.title[:60]}"


def unescape(text: str) -> str:
    r"""A section's text with each `\u{XXXX}` turned into its character (for the invisible ones).

    >>> unescape(r"a\u{200b}b\u{d}")
    'a\u200bb\r'
    """
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


def read_cases(path: Path) -> list[Case]:
    """Every case of one case file (format in fixtures/cases/README.md)."""
    step = path.parent.name
    noop = path.name.startswith("noop")
    lines = path.read_text(encoding="utf-8").split("\n")
    options: dict[str, Any] = {}
    names = ["input"] if noop else ["input", "expected"]
    whole_file = False
    cases: list[Case] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        directive = _DIRECTIVE.fullmatch(line)
        if directive is not None:
            key, value = directive.groups()
            if key == "options":
                options = json.loads(value)
                for name in ("glossary", "rules", "schema"):  # data files beside the case file
                    if isinstance(options.get(name), str):
                        options[name] = str(path.parent / options[name])
            elif key == "sections":
                names = value.split()
                assert names[: 2 - noop] == ["input", "expected"][: 2 - noop], f"{path}: sections start {names}"
            elif key == "input":
                assert value == "file", f"{path}: `%! input:` takes `file`"
                whole_file = True
            else:
                raise AssertionError(f"{path}: unknown directive {key!r}")
            i += 1
            continue
        if not line.strip() or line.startswith("%"):
            i += 1
            continue
        title = line
        assert i + 1 < len(lines) and lines[i + 1] == ".", f"{path.name}: no '.' after title {title!r}"
        i += 2
        sections: dict[str, str] = {}
        for name in names:
            assert "." in lines[i:], f"{path.name}: case {title!r} ends before its {name!r}"
            end = lines.index(".", i)
            sections[name] = unescape("\n".join(lines[i:end]))
            i = end + 1
        text = sections.pop("input")
        expected = sections.pop("expected", None)
        cases.append(Case(step, title, text, expected, sections, options, f"{step}/{path.name}", whole_file))
    assert cases, f"{path}: no cases"
    return cases


def case_files(step: str | None = None) -> list[Path]:
    folders = [CASES / step] if step else sorted(p for p in CASES.iterdir() if p.is_dir())
    return sorted(p for folder in folders for p in folder.iterdir() if p.suffix == ".txt")


def all_cases(step: str | None = None) -> list[Case]:
    return [case for path in case_files(step) for case in read_cases(path)]


def ids(cases: list[Case]) -> list[str]:
    return [c.id for c in cases]


def sample_text(name: str) -> str:
    """The text of the sample a `[sample:NAME]` title names (`interview` for interview-footer-promos.txt)."""
    (path,) = [p for p in SAMPLES.iterdir() if p.name.startswith(name + "-") or p.stem == name]
    return path.read_text(encoding="utf-8")


# --- running a case -------------------------------------------------------------------------


def step_of(case: Case) -> Callable[[Document], Document]:
    """The case's step bound to its options."""
    function = load_step(case.step)
    options = Options.make(**case.options)

    def run(doc: Document) -> Document:
        return function(doc, options)

    return run


def prepared(case: Case) -> Document:
    """The document the step gets: as a pipeline gives it, after `encoding` (unless it is the
    step), with no change records yet."""
    doc = Document.parse(case.input) if case.whole_file else Document(body=case.input)
    if case.step != "encoding":
        doc = load_step("encoding")(doc, Options()).replace(changes=(), warnings=())
    return doc


def output(case: Case, doc: Document) -> str:
    """What a case's expected section holds: the body, or the whole file for `%! input: file`."""
    return render(doc).removesuffix("\n") if case.whole_file else doc.body


def run_case(case: Case) -> tuple[Document, Document]:
    before = prepared(case)
    return before, step_of(case)(before)


# --- the checks -----------------------------------------------------------------------------


def check_case(case: Case, step: Callable[[Document], Document] | None = None) -> Document:
    """Every check that applies to every case of every step; returns the step's output.
    `step` replaces the case's own step (to show that a wrong step fails the checks)."""
    step = step or step_of(case)
    before = prepared(case)
    after = step(before)
    new = after.changes[len(before.changes) :]
    if case.expected is None:
        assert output(case, after) == case.input, "a noop case changed"
        assert new == (), f"a noop case has change records: {new}"
    else:
        assert output(case, after) == case.expected
    assert unapply(after.body, new) == before.body, "the change records do not replay to the input"
    assert_spans_untouched(before, new, case.repairs)
    assert_idempotent(step, after, case)
    assert_accounted(before.body, after.body, new)
    return after


def assert_idempotent(step: Callable[[Document], Document], after: Document, case: Case) -> None:
    """Running the step on its own output changes nothing and records nothing."""
    again = step(after.replace(changes=()))
    assert output(case, again) == output(case, after), "running the step again changes its output"
    assert again.changes == (), f"running the step again records changes: {again.changes}"


def input_ranges(changes: tuple[Change, ...]) -> list[tuple[int, int]]:
    """Where each change of one step was in the step's input (its `offset` is in the output)."""
    ranges = []
    shift = 0
    for change in sorted((c for c in changes if c.offset >= 0), key=lambda c: c.offset):
        start = change.offset - shift
        ranges.append((start, start + len(change.before)))
        shift += len(change.after) - len(change.before)
    return ranges


def assert_spans_untouched(before: Document, changes: tuple[Change, ...], repairs: frozenset[str] = frozenset()) -> None:
    """No change cuts into a protected span: a change is beside a span or takes all of it.
    Spans of the kinds in `repairs` are damage the case's step repairs (see `Case.repairs`)."""
    spans = [s for s in before.protected() if s.kind not in repairs]
    for start, end in input_ranges(changes):
        for span in spans:
            inside = span.start < end and start < span.end if end > start else span.start < start < span.end
            if inside:
                assert start <= span.start and span.end <= end, (
                    f"a change at {start}:{end} cuts into the {span.kind} span "
                    f"{before.body[span.start : span.end]!r}"
                )


def assert_accounted(body_in: str, body_out: str, changes: tuple[Change, ...]) -> None:
    """Every Han and Latin character of the input is in the output or in a change record's
    `before`; every one in the output is in the input or in a record's `after`."""
    removed = "".join(c.before for c in changes if c.offset >= 0)
    added = "".join(c.after for c in changes if c.offset >= 0)
    have = Counter(HAN_OR_LATIN.findall(body_in)) + Counter(HAN_OR_LATIN.findall(added))
    give = Counter(HAN_OR_LATIN.findall(body_out)) + Counter(HAN_OR_LATIN.findall(removed))
    assert have == give, f"unaccounted characters: {(have - give) + (give - have)}"
