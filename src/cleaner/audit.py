"""The HTML audit page: what a run removed, repaired and warned about, for a person to check.

`build(results)` returns one self-contained page for any number of documents:

- a summary at the top (documents, removals by category, repairs by kind, warnings, and one row
  per document), with sortable tables and a filter box;
- per document: every removed line with its rule id and category, every repair as
  before → after, every warning, and the diff of input and output.

The page loads nothing: styles and script are inline, and its Content-Security-Policy allows
only that one style and that one script (by hash), so it opens from disk and a browser would
refuse any other script even if one slipped in. Every text from a document is escaped, and
invisible characters (zero-width, bidi controls, odd spaces) are shown by their code point,
because a repair that removed one would otherwise look like no change at all.

Everything comes from the change records (the report's own source); line numbers are lines of
the input file, as in the JSON report and `--check` output.

>>> from cleaner import process
>>> page = build([process("打开网易新闻 查看精彩图片\\n\\n正文")])
>>> "打开网易新闻" in page
True
"""

from __future__ import annotations

import base64
import dataclasses
import difflib
import hashlib
import html
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Literal

import regex

from . import __version__, report
from .document import REMOVAL, Change, removed_chars
from .text import common_ends

if TYPE_CHECKING:
    from .api import Result
    from .pipeline import Options

# Intraline highlighting compares characters pairwise; past this length it costs more than it shows.
_INTRALINE_LIMIT = 400

# Characters a reader cannot see or that change how text around them displays.
_INVISIBLE = regex.compile(r"[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Co}\p{Cs}\p{Cn}[\p{Zs}--\x20]--\n\t]", regex.V1)


@dataclasses.dataclass(frozen=True)
class Entry:
    """One change as the page shows it, placed on its line of the input file."""

    kind: str  # the change's own kind: "removal", "repair" or "rewrite" (listed with repairs)
    step: str
    rule: str
    category: str
    line: int
    column: int
    before: str
    after: str
    group: str = ""  # a template removal's site (cleaner.templates)
    note: str = ""  # shown beside the rule: how many of the site's documents hold the line

    @property
    def label(self) -> str:
        return f"{self.step}/{self.rule}"


@dataclasses.dataclass(frozen=True)
class Audit:
    """What the page says about one document: plain values, so a worker process can send it back.

    The diff is kept as its finished (escaped) HTML rows rather than as the two texts, so a run
    over many files holds only the changed stretches in memory, not every input twice.
    """

    path: str
    encoding: str
    changed: bool
    removals: tuple[Entry, ...]
    repairs: tuple[Entry, ...]
    warnings: tuple[dict[str, object], ...]
    removed_chars: int
    original_chars: int
    diff: str
    diff_open: bool


def is_removal(change: Change) -> bool:
    """Whether a change is listed as a removal: its step said so (`Change.kind`).

    >>> is_removal(Change("drop_lines", "promo", 1, 1, "打开网易新闻 查看精彩图片\\n", "", 0, kind="removal"))
    True
    >>> is_removal(Change("encoding", "invisible", 5, 10, "\\u200b", "", 35, kind="repair"))  # a repair
    False
    """
    return change.kind == REMOVAL


def collect(result: Result, *, options: Options | None = None, context: int = 3) -> Audit:
    """What the page shows of one document (call it where the document was cleaned).

    Changes are sorted into removals and repairs (rewrites listed with them) by their `kind`
    and placed on lines of the input file; a removal's category is the one its step recorded.
    `options` is accepted for callers of earlier versions and no longer needed.
    """
    return _collect(result, context)


def _collect(result: Result, context: int) -> Audit:
    entry = report.input_report(result)
    removals: list[Entry] = []
    repairs: list[Entry] = []
    for change, placed in zip(result.document.changes, entry["changes"]):
        removal = is_removal(change)
        item = Entry(
            kind=change.kind,
            step=change.step,
            rule=change.rule,
            category=change.category or change.step,
            line=int(placed["line"]),
            column=int(placed["column"]),
            before=change.before,
            after=change.after,
            group=str(dict(change.detail).get("group", "")) if change.detail else "",
            note=_detail_note(change),
        )
        (removals if removal else repairs).append(item)
    # Read in the order of the file; `sorted` is stable, so steps keep their order on one place.
    removals.sort(key=lambda e: (e.line, e.column))
    repairs.sort(key=lambda e: (e.line, e.column))
    return Audit(
        path=str(entry["path"]),
        encoding=str(entry["encoding"]),
        changed=bool(entry["changed"]),
        removals=tuple(removals),
        repairs=tuple(repairs),
        warnings=tuple(entry["warnings"]),
        removed_chars=removed_chars(result.document.changes),
        original_chars=len(result.original_body),
        diff=_diff(result.original_text, result.markdown, context),
        diff_open=result.changed and len(result.original_text) < 20_000,
    )


def build(
    results: Iterable[Result],
    *,
    title: str = "cleaner audit",
    steps: Sequence[str] = (),
    options: Options | None = None,
    context: int = 3,
) -> str:
    """The whole page for a run over `results`, as text (write it as UTF-8).

    `steps` are the pipeline's step names, shown in the header; `context`: diff context lines.
    `options` is accepted for callers of earlier versions: each removal's category is on its
    change record now.
    """
    return page([_collect(result, context) for result in results], title=title, steps=steps)


def page(audits: Sequence[Audit], *, title: str = "cleaner audit", steps: Sequence[str] = ()) -> str:
    """The page for documents already collected (`collect`), in the order given."""
    body = "\n".join(
        [
            f"<header><h1>{_e(title)}</h1>{_run_line(audits, steps)}{_controls()}</header>",
            "<main>",
            _summary(audits),
            *(_document(index, a) for index, a in enumerate(audits, 1)),
            "</main>",
        ]
    )
    csp = "; ".join(
        [
            "default-src 'none'",
            f"style-src '{_sha256(_STYLE)}'",
            f"script-src '{_sha256(_SCRIPT)}'",
            "base-uri 'none'",
            "form-action 'none'",
        ]
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="zh">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="generator" content="cleaner {_e(__version__)}">\n'
        f"<title>{_e(title)}</title>\n<style>{_STYLE}</style>\n</head>\n"
        f"<body>\n{body}\n<script>{_SCRIPT}</script>\n</body>\n</html>\n"
    )


# --- pieces of the page ---------------------------------------------------------------------


def _run_line(audits: Sequence[Audit], steps: Sequence[str]) -> str:
    changed = sum(a.changed for a in audits)
    text = f"{len(audits)} document(s), {changed} changed · cleaner {__version__}"
    if steps:
        text += " · steps: " + " → ".join(steps)
    return f'<p class="run">{_e(text)}</p>'


def _controls() -> str:
    return (
        '<div class="controls">'
        '<label>Filter <input type="search" id="filter" placeholder="rule, category, path or text"></label>'
        '<label><input type="checkbox" id="only-changed"> changed documents only</label>'
        '<label><input type="checkbox" id="only-warnings"> documents with warnings only</label>'
        '<span id="shown"></span>'
        "</div>"
    )


def _summary(audits: Sequence[Audit]) -> str:
    removals: Counter[str] = Counter()
    removed_lines: Counter[str] = Counter()
    removed_chars: Counter[str] = Counter()
    repairs: Counter[str] = Counter()
    repair_docs: defaultdict[str, set[int]] = defaultdict(set)
    warnings: Counter[str] = Counter()
    for index, a in enumerate(audits):
        for e in a.removals:
            removals[e.category] += 1
            removed_lines[e.category] += _line_count(e.before)
            removed_chars[e.category] += len(e.before)
        for e in a.repairs:
            repairs[e.label] += 1
            repair_docs[e.label].add(index)
        for w in a.warnings:
            warnings[f"{w['step']}/{w['rule']}"] += 1
    total_chars = sum(a.original_chars for a in audits)
    total_removed = sum(a.removed_chars for a in audits)
    totals = _table(
        "totals",
        ["documents", "changed", "removals", "removed lines", "removed share", "repairs", "warnings"],
        [
            [
                _num(len(audits)),
                _num(sum(a.changed for a in audits)),
                _num(sum(removals.values())),
                _num(sum(removed_lines.values())),
                _share(total_removed, total_chars),
                _num(sum(repairs.values())),
                _num(sum(warnings.values())),
            ]
        ],
        sortable=False,
    )
    by_category = _table(
        "removals-by-category",
        ["category", "removals", "lines", "characters"],
        [
            [_filter_link(c), _num(n), _num(removed_lines[c]), _num(removed_chars[c])]
            for c, n in sorted(removals.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
        empty="nothing removed",
    )
    by_kind = _table(
        "repairs-by-kind",
        ["kind", "repairs", "documents"],
        [
            [_filter_link(k), _num(n), _num(len(repair_docs[k]))]
            for k, n in sorted(repairs.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
        empty="nothing repaired",
    )
    by_warning = _table(
        "warnings-by-kind",
        ["warning", "count"],
        [[_filter_link(k), _num(n)] for k, n in sorted(warnings.items(), key=lambda kv: (-kv[1], kv[0]))],
        empty="no warnings",
    )
    documents = _table(
        "documents",
        ["document", "changed", "removals", "repairs", "warnings", "removed share"],
        [
            [
                f'<a href="#doc-{index}">{_e(a.path)}</a>',
                _cell("yes" if a.changed else "no", sort=int(a.changed)),
                _num(len(a.removals)),
                _num(len(a.repairs)),
                _num(len(a.warnings)),
                _share(a.removed_chars, a.original_chars),
            ]
            for index, a in enumerate(audits, 1)
        ],
        filterable=True,
        row_attrs=[_doc_attrs(index, a) for index, a in enumerate(audits, 1)],
    )
    return (
        '<section id="summary"><h2>Summary</h2>'
        f"{totals}"
        f"{_template_sites(audits)}"
        '<div class="grid">'
        f"<div><h3>Removals by category</h3>{by_category}</div>"
        f"<div><h3>Repairs by kind</h3>{by_kind}</div>"
        f"<div><h3>Warnings</h3>{by_warning}</div>"
        "</div>"
        f"<h3>Documents</h3>{documents}</section>"
    )


def _detail_note(change: Change) -> str:
    detail = dict(change.detail)
    if "group" not in detail:
        return ""
    seen = f", in {detail['documents']} of {detail['of']} documents" if "documents" in detail and "of" in detail else ""
    return f"site {detail['group']}{seen}"


def _template_sites(audits: Sequence[Audit]) -> str:
    """Template removals (cleaner.templates) by site: removals, lines, documents; empty if none."""
    removals: Counter[str] = Counter()
    lines: Counter[str] = Counter()
    documents: defaultdict[str, set[int]] = defaultdict(set)
    for index, a in enumerate(audits):
        for e in a.removals:
            if e.category == "template":
                removals[e.group] += 1
                lines[e.group] += _line_count(e.before)
                documents[e.group].add(index)
    if not removals:
        return ""
    table = _table(
        "template-sites",
        ["site", "removals", "lines", "documents"],
        [
            [_filter_link(site), _num(n), _num(lines[site]), _num(len(documents[site]))]
            for site, n in sorted(removals.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
    )
    return f"<h3>Template removals by site</h3>{table}"


def _document(index: int, a: Audit) -> str:
    state = "changed" if a.changed else "unchanged"
    facts = (
        f"{state} · {len(a.removals)} removal(s) · {len(a.repairs)} repair(s) · "
        f"{len(a.warnings)} warning(s) · read as {a.encoding}"
    )
    removals = _table(
        "removals",
        ["line", "category", "rule", "removed text"],
        [
            [
                _cell(_line_range(e), sort=e.line, cls="num"),
                _cell(_e(e.category)),
                _cell(_e(e.label) + (f'<br><small class="note">{_e(e.note)}</small>' if e.note else "")),
                _cell(_visible(e.before.removesuffix("\n"), newlines=False), cls="text"),
            ]
            for e in a.removals
        ],
        filterable=True,
        empty="nothing removed",
    )
    repairs = _table(
        "repairs",
        ["line", "kind", "before", "after"],
        [
            [
                _cell(f"{e.line}:{e.column}", sort=e.line * 100_000 + e.column, cls="num"),
                _cell(_e(e.label)),
                _cell(_visible(e.before), cls="text before"),
                _cell(_visible(e.after), cls="text after"),
            ]
            for e in a.repairs
        ],
        filterable=True,
        empty="nothing repaired",
    )
    warnings = _table(
        "warnings",
        ["line", "kind", "message", "text"],
        [
            [
                _cell(_num_text(w.get("line")), sort=_int(w.get("line")), cls="num"),
                _cell(_e(f"{w['step']}/{w['rule']}")),
                _cell(_e(str(w.get("message", "")))),
                _cell(_visible(str(w.get("text", ""))), cls="text"),
            ]
            for w in a.warnings
        ],
        filterable=True,
        empty="no warnings",
    )
    return (
        f'<section class="doc" id="doc-{index}"{_doc_attrs(index, a)}>'
        f"<h2>{_e(a.path)}</h2><p class=\"facts\">{_e(facts)}</p>"
        f"<h3>Removed ({len(a.removals)})</h3>{removals}"
        f"<h3>Repaired ({len(a.repairs)})</h3>{repairs}"
        f"<h3>Warnings ({len(a.warnings)})</h3>{warnings}"
        f"<details class=\"diff\"{' open' if a.diff_open else ''}>"
        f"<summary>Diff of input and output</summary>{a.diff}</details>"
        "</section>"
    )


def _diff(before: str, after: str, context: int) -> str:
    """Input and output lines, numbered on both sides; changed stretches marked within the line."""
    old = before.splitlines()
    new = after.splitlines()
    rows: list[str] = []
    for group in _grouped_opcodes(old, new, context):
        if rows:
            rows.append('<tr class="gap"><td></td><td></td><td class="sign"></td><td>⋯</td></tr>')
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                rows.extend(_diff_row("ctx", i + 1, j + 1, _line(old[i])) for i, j in zip(range(i1, i2), range(j1, j2)))
                continue
            pairs = min(i2 - i1, j2 - j1) if tag == "replace" else 0
            for k in range(i2 - i1):
                mark = _intraline(old[i1 + k], new[j1 + k])[0] if k < pairs else _line(old[i1 + k])
                rows.append(_diff_row("del", i1 + k + 1, None, mark))
            for k in range(j2 - j1):
                mark = _intraline(old[i1 + k], new[j1 + k])[1] if k < pairs else _line(new[j1 + k])
                rows.append(_diff_row("add", None, j1 + k + 1, mark))
    if not rows:
        return '<p class="empty">input and output are the same</p>'
    return (
        '<table class="diff-lines"><thead><tr><th>in</th><th>out</th><th></th><th>text</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


# `SequenceMatcher` without its junk heuristic reads, for each line of one side, every equal line
# of the other: on text where a few lines repeat thousands of times (a scraped list, a table)
# that is the product of the two counts, and more than cubic time overall. Past this much work
# the diff is the common first and last lines and one replaced stretch between them.
_DIFF_WORK_LIMIT = 2_000_000


def _grouped_opcodes(old: list[str], new: list[str], context: int) -> Iterable[list[tuple[str, int, int, int, int]]]:
    counts = Counter(new)
    work = sum(counts[line] for line in old)
    if work <= _DIFF_WORK_LIMIT:
        return difflib.SequenceMatcher(None, old, new, autojunk=False).get_grouped_opcodes(context)
    head, tail = common_ends(old, new)
    i2, j2 = len(old) - tail, len(new) - tail
    opcodes: list[_Opcode] = [("equal", 0, head, 0, head)] if head else []
    if head < i2 or head < j2:
        opcodes.append(("replace" if head < i2 and head < j2 else "delete" if head < i2 else "insert", head, i2, head, j2))
    if tail:
        opcodes.append(("equal", i2, len(old), j2, len(new)))
    return _Opcodes(opcodes).get_grouped_opcodes(context)


_Opcode = tuple[Literal["replace", "delete", "insert", "equal"], int, int, int, int]


class _Opcodes(difflib.SequenceMatcher[str]):
    """Opcodes found another way, grouped with context as `SequenceMatcher` groups its own."""

    def __init__(self, opcodes: list[_Opcode]) -> None:
        super().__init__(None, [], [])
        self.fixed = opcodes

    def get_opcodes(self) -> list[_Opcode]:
        return self.fixed


def _diff_row(kind: str, old: int | None, new: int | None, text: str) -> str:
    sign = {"del": "−", "add": "+", "ctx": ""}[kind]
    return (
        f'<tr class="{kind}"><td class="num">{old or ""}</td><td class="num">{new or ""}</td>'
        f'<td class="sign">{sign}</td><td class="text">{text}</td></tr>'
    )


def _intraline(old: str, new: str) -> tuple[str, str]:
    if len(old) > _INTRALINE_LIMIT or len(new) > _INTRALINE_LIMIT:
        return _line(old), _line(new)
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    left: list[str] = []
    right: list[str] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            left.append(_line(old[i1:i2]))
            right.append(_line(new[j1:j2]))
            continue
        if i2 > i1:
            left.append(f"<del>{_line(old[i1:i2])}</del>")
        if j2 > j1:
            right.append(f"<ins>{_line(new[j1:j2])}</ins>")
    return "".join(left), "".join(right)


# --- small helpers --------------------------------------------------------------------------


def _table(
    name: str,
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    sortable: bool = True,
    filterable: bool = False,
    empty: str = "",
    row_attrs: Sequence[str] = (),
) -> str:
    if not rows and empty:
        return f'<p class="empty {name}">{_e(empty)}</p>'
    classes = " ".join(c for c in (name, "sortable" if sortable else "", "filterable" if filterable else "") if c)
    head = "".join(f'<th scope="col">{_e(h)}</th>' for h in headers)
    body = []
    for index, row in enumerate(rows):
        attrs = row_attrs[index] if index < len(row_attrs) else ""
        cells = "".join(c if c.startswith("<td") else f"<td>{c}</td>" for c in row)
        body.append(f"<tr{attrs}>{cells}</tr>")
    return f'<table class="{classes}"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def _cell(content: str, *, sort: int | None = None, cls: str = "") -> str:
    attrs = f' class="{cls}"' if cls else ""
    if sort is not None:
        attrs += f' data-sort="{sort}"'
    return f"<td{attrs}>{content}</td>"


def _num(n: int) -> str:
    return _cell(str(n), sort=n, cls="num")


def _share(part: int, whole: int) -> str:
    share = part / whole if whole else 0.0
    return _cell(f"{share:.1%}", sort=round(share * 1_000_000), cls="num")


def _int(value: object) -> int:
    return value if isinstance(value, int) else 0


def _num_text(value: object) -> str:
    return str(value) if isinstance(value, int) and value > 0 else "–"


def _line_count(text: str) -> int:
    return text.count("\n") + (0 if text.endswith("\n") else 1)


def _line_range(e: Entry) -> str:
    lines = _line_count(e.before)
    return str(e.line) if lines <= 1 else f"{e.line}–{e.line + lines - 1}"


def _filter_link(value: str) -> str:
    # The script reads `#q=...` and filters by it; percent-encoding keeps any rule id intact.
    return f'<a class="filter" href="#q={_e(_quote(value))}">{_e(value)}</a>'


def _quote(value: str) -> str:
    return "".join(c if (c.isascii() and (c.isalnum() or c in "-_./")) else "".join(f"%{b:02X}" for b in c.encode()) for c in value)


def _doc_attrs(index: int, a: Audit) -> str:
    return f' data-changed="{int(a.changed)}" data-warnings="{len(a.warnings)}" data-doc="{index}"'


def _e(text: str) -> str:
    """Escape for HTML text and attribute values; lone surrogates cannot be written as UTF-8."""
    return html.escape(_SURROGATE.sub("\ufffd", text), quote=True)


_SURROGATE = regex.compile(r"\p{Cs}")


def _visible(text: str, *, newlines: bool = True, empty: bool = True) -> str:
    """Escaped text with invisible characters named, and (when `newlines`) line ends shown as ↵.

    >>> _visible("a\\u200bb<")
    'a<span class="cp" title="U+200B ZERO WIDTH SPACE">U+200B</span>b&lt;'
    """
    if not text:
        return '<span class="nothing">(nothing)</span>' if empty else ""
    out: list[str] = []
    last = 0
    for match in _INVISIBLE.finditer(text):
        out.append(_e(text[last : match.start()]))
        out.append(_codepoint(match.group()))
        last = match.end()
    out.append(_e(text[last:]))
    shown = "".join(out)
    if newlines:
        # A run of line ends shows as that many ↵, and breaks the cell only where text follows.
        shown = _NEWLINES.sub(lambda m: '<span class="nl">' + "↵" * len(m.group()) + "</span>" + ("\n" if m.end() < len(shown) else ""), shown)
    return shown


_NEWLINES = regex.compile(r"\n+")


def _line(text: str) -> str:
    return _visible(text, newlines=False, empty=False)


def _codepoint(char: str) -> str:
    code = f"U+{ord(char):04X}"
    name = unicodedata.name(char, "") if not 0xD800 <= ord(char) <= 0xDFFF else "surrogate"
    title = f"{code} {name}".strip()
    return f'<span class="cp" title="{_e(title)}">{code}</span>'


def _sha256(source: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode("ascii")


_STYLE = """
:root{--bg:#fff;--fg:#1d1d1f;--muted:#6b6b70;--line:#ddd;--del:#fde8e8;--deltext:#a1161b;
--add:#e6f6e9;--addtext:#146c2e;--head:#f4f4f6;--accent:#2456a6}
@media (prefers-color-scheme:dark){:root{--bg:#17171a;--fg:#e8e8ea;--muted:#9a9aa2;--line:#333;
--del:#3b1d1f;--deltext:#ff9b9b;--add:#183324;--addtext:#8fe0a6;--head:#222227;--accent:#8ab4ff}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);
font:14px/1.5 system-ui,-apple-system,"Segoe UI","PingFang SC","Noto Sans CJK SC","Microsoft YaHei",sans-serif}
header{position:sticky;top:0;z-index:2;background:var(--head);border-bottom:1px solid var(--line);padding:.6rem 1rem}
h1{font-size:1.25rem;margin:0}
h2{font-size:1.1rem;margin:1.5rem 0 .3rem;word-break:break-all}
h3{font-size:.95rem;margin:1rem 0 .3rem;color:var(--muted)}
main{padding:0 1rem 3rem}
.run,.facts{margin:.2rem 0;color:var(--muted)}
.controls{display:flex;flex-wrap:wrap;gap:1rem;align-items:center;margin-top:.4rem}
.controls input[type=search]{width:22rem;max-width:70vw;padding:.2rem .4rem}
#shown{color:var(--muted)}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(18rem,1fr));gap:1rem}
table{border-collapse:collapse;margin:.2rem 0;max-width:100%}
th,td{border:1px solid var(--line);padding:.15rem .45rem;vertical-align:top;text-align:left}
th{background:var(--head);font-weight:600}
table.sortable th{cursor:pointer;user-select:none}
th[aria-sort=ascending]::after{content:" ▲"}
th[aria-sort=descending]::after{content:" ▼"}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.text{white-space:pre-wrap;word-break:break-all;max-width:60rem}
td.before{background:var(--del)}
td.after{background:var(--add)}
table.removals td.text{background:var(--del)}
.doc{border-top:2px solid var(--line);margin-top:1.5rem;scroll-margin-top:7rem}
.empty{color:var(--muted);font-style:italic;margin:.2rem 0}
.nothing{color:var(--muted);font-style:italic}
.cp{font:11px/1 ui-monospace,monospace;border:1px solid currentColor;border-radius:3px;padding:0 2px;margin:0 1px;color:var(--accent)}
.nl{color:var(--muted)}
a{color:var(--accent)}
details.diff summary{cursor:pointer;margin:1rem 0 .3rem;color:var(--muted);font-weight:600}
table.diff-lines{width:100%}
table.diff-lines td{border:none;padding:0 .4rem}
table.diff-lines td.text{font-family:inherit}
table.diff-lines td.sign{width:1rem;text-align:center}
tr.del td{background:var(--del)}
tr.add td{background:var(--add)}
tr.del del{color:var(--deltext);text-decoration:line-through;background:transparent;font-weight:600}
tr.add ins{color:var(--addtext);text-decoration:underline;background:transparent;font-weight:600}
tr.gap td{color:var(--muted);text-align:center}
[hidden]{display:none!important}
"""

# Sorting and filtering, no network: a header click sorts its table; the filter box (or a
# `#q=...` link from the summary) hides rows and documents that do not contain the text.
_SCRIPT = """
(function () {
  "use strict";
  var input = document.getElementById("filter");
  var onlyChanged = document.getElementById("only-changed");
  var onlyWarnings = document.getElementById("only-warnings");
  var shown = document.getElementById("shown");

  function key(cell) {
    var raw = cell.getAttribute("data-sort");
    return raw === null ? cell.textContent.trim() : Number(raw);
  }

  function sortBy(th) {
    var table = th.closest("table");
    var index = Array.prototype.indexOf.call(th.parentNode.children, th);
    var order = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
    Array.prototype.forEach.call(th.parentNode.children, function (other) { other.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", order);
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = key(a.cells[index]), y = key(b.cells[index]);
      var c = (typeof x === "number" && typeof y === "number") ? x - y : String(x).localeCompare(String(y));
      return order === "ascending" ? c : -c;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }

  function docVisible(el) {
    if (onlyChanged.checked && el.getAttribute("data-changed") !== "1") { return false; }
    if (onlyWarnings.checked && el.getAttribute("data-warnings") === "0") { return false; }
    return true;
  }

  function apply() {
    var q = input.value.trim().toLowerCase();
    var docs = document.querySelectorAll("section.doc");
    var visibleDocs = 0;
    Array.prototype.forEach.call(docs, function (section) {
      var title = section.querySelector("h2").textContent.toLowerCase();
      var pathMatches = q === "" || title.indexOf(q) !== -1;
      var rowMatches = 0;
      Array.prototype.forEach.call(section.querySelectorAll("table.filterable tbody tr"), function (row) {
        var match = pathMatches || row.textContent.toLowerCase().indexOf(q) !== -1;
        row.hidden = !match;
        if (match) { rowMatches += 1; }
      });
      var show = docVisible(section) && (pathMatches || rowMatches > 0);
      section.hidden = !show;
      if (show) { visibleDocs += 1; }
      var summaryRow = document.querySelector("table.documents tr[data-doc='" + section.getAttribute("data-doc") + "']");
      if (summaryRow) { summaryRow.hidden = !show; }
    });
    shown.textContent = visibleDocs + " of " + docs.length + " document(s) shown";
  }

  function fromHash() {
    var hash = window.location.hash;
    if (hash.indexOf("#q=") === 0) {
      try { input.value = decodeURIComponent(hash.slice(3)); } catch (e) { input.value = hash.slice(3); }
      apply();
    }
  }

  Array.prototype.forEach.call(document.querySelectorAll("table.sortable thead th"), function (th) {
    th.addEventListener("click", function () { sortBy(th); });
  });
  input.addEventListener("input", apply);
  onlyChanged.addEventListener("change", apply);
  onlyWarnings.addEventListener("change", apply);
  window.addEventListener("hashchange", fromHash);
  fromHash();
  apply();
  document.documentElement.setAttribute("data-ready", "1");
})();
"""
