"""Site templates: learn the lines a site repeats on its pages, and remove them everywhere.

Every page of a site carries the same header, navigation, footer and copyright line, while an
article's own sentences almost never repeat across articles. Two passes use that:

1. **Count** (`count_documents`, a map; `Learner.add`, the reduce): each document's candidate
   lines are normalised to a key and counted once per document, per group (site). A group is
   what the document says (front matter `--group-by FIELD`, else `source` / `url`, by host),
   else what its caller says (a JSON Lines field, the folder the file is in).
2. **Remove** (`remove_template_lines`, run as part of the `boilerplate` step, before its rules): in each document,
   every line whose key reached the group's threshold goes, as a change record with rule
   `template` and the group and the number of documents in its `detail`.

The learned `Template` is a frozen value in `Options.templates`; the step never reads a file.
`Template.to_json` / `Template.from_json` keep it (`--save-templates`, `--templates`).

The key of a line (`line_keys`): the boilerplate step's normalisation (full-width forms folded,
Traditional script to Simplified with OpenCC, spaces collapsed), then every run of digits to
`0`, month and weekday names to `<m>` / `<w>`, all spaces and invisible characters out, Latin
lower case, list and heading markers cut. So `© 2023 某某网 版权所有` and `©2024 某某網 版權所有`
have one key. Candidate lines: not blank, not in a code fence, a table or a quote, at most
`MAX_KEY_CHARS` characters, and not an article sentence by the boilerplate guard
(`boilerplate.guarded`: a sentence-ending mark and more than 40 Han characters). The second
pass also leaves protected lines alone (code, HTML, `cleaner: off`, protected terms).

Threshold: a line is template in a group of D documents when it occurs in at least
`max(min_documents, ceil(min_share * D))` of them (defaults 5 and 0.1). Documents, not
occurrences: a slogan quoted twice in one article counts once.

**Memory** (docs/scale.md, "Templates"): keys are 64-bit hashes (BLAKE2b of group and key). The
reduce keeps a fixed-size Bloom filter of keys seen in one document (`filter_bits`, default
2^27 bits = 16 MiB) and an exact count only for keys seen in two documents or more, which are
few (the templates themselves and the odd repeated short line), so memory does not grow with
the number of documents. A key whose first document was a false positive of the filter counts
one document too many; with 6 hash functions the filter's false-positive rate is about 2e-3 at
10 M distinct lines (1e-8 at 1 M), and only a line one document short of the threshold could be
affected. Map units are fixed
(batches of files, 1 MB chunks of JSON Lines) and the reduce folds them in input order, so
`-j 1`, `-j N` and Dask give the same counts and the same output.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .document import REMOVAL, Document, Edit
from .errors import CleanerError, RuleFileError

if TYPE_CHECKING:
    from .pipeline import Options

# Removals are the extended step's: rule id `boilerplate/template`.
from .pipeline import TEMPLATE_STEP as STEP  # noqa: E402
RULE = "template"
TEMPLATE_CATEGORY = "template"  # learned from the site's pages, not a rule file
FORMAT = "cleaner-templates"
VERSION = 1

DEFAULT_MIN_DOCUMENTS = 5
DEFAULT_MIN_SHARE = 0.1
DEFAULT_FILTER_BITS = 1 << 27
# A longer line is article text (or a scrape's run-on), never a site's template line.
MAX_KEY_CHARS = 200
# Fields that name a document's site, in front matter or a JSON Lines record, in this order.
SITE_FIELDS = ("source", "url")
# Files counted per task of the first pass (fixed, so the map units do not depend on -j).
FILES_PER_TASK = 64

_DIGITS = re.compile(r"\d+")
_MONTHS = re.compile(
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\b\.?", re.IGNORECASE
)
_WEEKDAYS = re.compile(
    r"\b(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\b\.?|(?:星期|礼拜|周)[一二三四五六日天]", re.IGNORECASE
)
_INVISIBLE_OR_SPACE = re.compile("[\\s\u200b-\u200f\u2060\ufeff\u00ad]+")
_MARKER = re.compile(r"^(?:#{1,6}|[-*+]|0[.)])(?=\s|$)")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_TABLE_DELIMITER = re.compile(r"^\s*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)+\|?\s*$|^\s*\|\s*:?-+:?\s*\|\s*$")
# Protected span kinds whose lines are never removed (code, HTML, cleaner:off, a protected term).
_KEEP_KINDS = frozenset({"code", "html", "off", "inline-code", "inline-html", "inline-refdef", "term"})


# --- keys and candidate lines -------------------------------------------------------------------


def line_keys(lines: Sequence[str]) -> list[str]:
    """The keys of lines, one each (see the module docstring).

    >>> line_keys(["© 2024 某某網 版權所有", "## 首页  |  新闻", "Updated May 3, 2024"])
    ['©0某某网版权所有', '首页|新闻', 'updated<m>0,0']
    """
    from .steps.boilerplate import normalize_lines

    return [_fold(text) for text in normalize_lines(lines)]


def _fold(text: str) -> str:
    text = _MARKER.sub("", text.strip(), count=1)
    text = _DIGITS.sub("0", text)
    if not text.isascii() or any(c.isalpha() for c in text):
        text = _WEEKDAYS.sub("<w>", _MONTHS.sub("<m>", text))
    return _INVISIBLE_OR_SPACE.sub("", text).lower()


def key_hash(group: str, key: str) -> int:
    """The 64-bit hash a key is counted under in its group (stable across processes and runs)."""
    return int.from_bytes(hashlib.blake2b(f"{group}\n{key}".encode(), digest_size=8).digest(), "little")


@dataclasses.dataclass(frozen=True)
class Line:
    """A candidate line of a body: its place (with its newline) and its text."""

    start: int
    end: int
    text: str


def candidate_lines(body: str) -> list[Line]:
    """The lines of a body that may be template lines (see the module docstring)."""
    from .steps.boilerplate import guarded

    raw = body.split("\n")
    in_table = _table_rows(raw)
    found: list[Line] = []
    fence: str | None = None
    offset = 0
    for index, line in enumerate(raw):
        start = offset
        offset += len(line) + 1
        opening = _FENCE.match(line)
        if fence is not None:
            if opening and opening.group(1)[0] == fence[0] and len(opening.group(1)) >= len(fence):
                fence = None
            continue
        if opening:
            fence = opening.group(1)
            continue
        text = line.strip()
        if not text or text.startswith(">") or in_table[index] or len(text) > MAX_KEY_CHARS or guarded(line):
            continue
        found.append(Line(start, min(offset, len(body)), line))
    return found


def _table_rows(raw: list[str]) -> list[bool]:
    rows = [False] * len(raw)
    for index, line in enumerate(raw):
        if "-" in line and "|" in line and _TABLE_DELIMITER.match(line):
            if index > 0 and "|" in raw[index - 1]:
                rows[index - 1] = True
            rows[index] = True
            below = index + 1
            while below < len(raw) and "|" in raw[below] and raw[below].strip():
                rows[below] = True
                below += 1
    return rows


# --- groups -----------------------------------------------------------------------------------------


def site(value: Any) -> str | None:
    """A group name from a field's value: a URL's host (without `www.`), else the text itself.

    >>> site("https://www.Example.com/a/b"), site("新华网"), site("")
    ('example.com', '新华网', None)
    """
    if value is None or isinstance(value, (dict, list)):
        return None
    text = str(value).strip()
    if not text:
        return None
    if "://" in text or text.startswith("//"):
        try:
            host = urlsplit(text).hostname
        except ValueError:
            host = None
        if host:
            return host.removeprefix("www.")
    return text


def group_of(meta: Mapping[str, Any], hint: str | None, group_by: str | None = None) -> str | None:
    """The group of a document: what its front matter says, else its caller's hint.

    With `group_by`, only that front matter field is read; else `source`, then `url`. The hint
    is a JSON Lines record's field or the folder a file is in (`record_hint`, `folder_hint`).
    """
    for field in (group_by,) if group_by else SITE_FIELDS:
        found = site(meta.get(field))
        if found:
            return found
    return hint


def folder_hint(path: str | None) -> str | None:
    """The name of the folder a file is in (`posts/site-a/x.md` -> `site-a`); None for stdin."""
    if not path or path == "-" or path.startswith("<"):
        return None
    parent = PurePath(path).parent
    return parent.name or str(Path(path).resolve().parent.name) or None


def record_hint(record: Mapping[str, Any], group_by: str | None, source: str | None) -> str | None:
    """A JSON Lines record's group: its `group_by` field (else `source`, `url`), else its file's folder."""
    for field in (group_by,) if group_by else SITE_FIELDS:
        found = site(record.get(field))
        if found:
            return found
    return folder_hint(source)


# --- the learned template -------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Group:
    """One group's template: its documents and its lines (key, documents it was seen in)."""

    name: str
    documents: int
    lines: tuple[tuple[str, int], ...]

    @functools.cached_property
    def by_hash(self) -> dict[int, int]:
        return {key_hash(self.name, key): count for key, count in self.lines}


@dataclasses.dataclass(frozen=True, repr=False)
class Template:
    """What was learned: per group, the template lines. A frozen value for `Options.templates`."""

    groups: tuple[Group, ...] = ()
    min_documents: int = DEFAULT_MIN_DOCUMENTS
    min_share: float = DEFAULT_MIN_SHARE

    @functools.cached_property
    def by_name(self) -> dict[str, Group]:
        return {g.name: g for g in self.groups}

    def group_for(self, name: str | None) -> Group | None:
        """The group by that name; a template of one group serves every document."""
        found = self.by_name.get(name) if name is not None else None
        if found is None and len(self.groups) == 1:
            return self.groups[0]
        return found

    @property
    def line_count(self) -> int:
        return sum(len(g.lines) for g in self.groups)

    def __repr__(self) -> str:
        # Short, and different for different templates (a resumed run's fingerprint uses it).
        digest = hashlib.sha256(json.dumps(self.to_json(), sort_keys=True).encode()).hexdigest()[:12]
        return f"Template({len(self.groups)} groups, {self.line_count} lines, {digest})"

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": VERSION,
            "min_documents": self.min_documents,
            "min_share": self.min_share,
            "groups": {
                g.name: {"documents": g.documents, "lines": [{"text": k, "documents": n} for k, n in g.lines]}
                for g in self.groups
            },
        }

    def dumps(self) -> str:
        return json.dumps(self.to_json(), ensure_ascii=False, indent=1) + "\n"

    @classmethod
    def from_json(cls, data: Any, path: str = "<templates>") -> Template:
        def fail(problem: str) -> RuleFileError:
            return RuleFileError(problem, path=path)

        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise fail(f"not a template file (no \"format\": \"{FORMAT}\"; write one with --save-templates)")
        if data.get("version") != VERSION:
            raise fail(f"template file version {data.get('version')!r}; this cleaner reads version {VERSION}")
        groups_data = data.get("groups")
        if not isinstance(groups_data, dict):
            raise fail("'groups' must be an object of groups")
        groups = []
        for name, entry in groups_data.items():
            where = f"group {name!r}"
            if not isinstance(entry, dict) or not _count(entry.get("documents")):
                raise fail(f"{where}: 'documents' must be a whole number")
            lines = entry.get("lines")
            if not isinstance(lines, list):
                raise fail(f"{where}: 'lines' must be a list")
            parsed = []
            for number, line in enumerate(lines, 1):
                if not isinstance(line, dict) or not isinstance(line.get("text"), str) or not _count(line.get("documents")):
                    raise fail(f"{where}, line #{number}: needs 'text' (a string) and 'documents' (a whole number)")
                parsed.append((line["text"], int(line["documents"])))
            groups.append(Group(str(name), int(entry["documents"]), tuple(parsed)))
        try:
            return cls(tuple(groups), int(data.get("min_documents", DEFAULT_MIN_DOCUMENTS)), float(data.get("min_share", DEFAULT_MIN_SHARE)))
        except (TypeError, ValueError):
            raise fail("'min_documents' and 'min_share' must be numbers") from None

    @classmethod
    def read(cls, path: str | Path) -> Template:
        from .pipeline import DataFile

        data_file = DataFile.read(path)
        try:
            data = json.loads(data_file.text)
        except ValueError as error:
            raise RuleFileError(f"not valid JSON: {error}", path=str(path)) from None
        return cls.from_json(data, str(path))

    def write(self, path: str | Path) -> None:
        from .batch import atomic_write

        atomic_write(Path(path), self.dumps().encode("utf-8"))


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def threshold(documents: int, min_documents: int, min_share: float) -> int:
    """Documents a line must occur in to be template, in a group of `documents`."""
    return max(min_documents, math.ceil(min_share * documents - 1e-9))


# --- pass 1: counting (map) and learning (reduce) ------------------------------------------------


@dataclasses.dataclass
class Counts:
    """The map's output for a batch of documents: documents per group, and per key hash
    (group, key, documents of the batch it occurs in). Plain values: it travels between processes."""

    documents: dict[str, int] = dataclasses.field(default_factory=dict)
    lines: dict[int, tuple[str, str, int]] = dataclasses.field(default_factory=dict)

    def add_document(self, body: str, group: str) -> None:
        self.documents[group] = self.documents.get(group, 0) + 1
        keys = set(line_keys([line.text for line in candidate_lines(body)]))
        lines = self.lines
        for key in keys:
            if not key:
                continue
            h = key_hash(group, key)
            known = lines.get(h)
            lines[h] = (group, key, 1) if known is None else (group, key, known[2] + 1)


def count_raw(counts: Counts, raw: str | bytes, *, path: str, hint: str | None, group_by: str | None) -> None:
    """Count one input (text or bytes, with or without front matter); unreadable input is skipped
    here (the second pass reports it)."""
    try:
        doc = Document.parse(raw, path=path)
    except CleanerError:
        return
    group = group_of(doc.meta, hint, group_by)
    counts.add_document(doc.body, group if group is not None else "")


class Learner:
    """The reduce: folds `Counts` in input order into bounded state (see the module docstring)."""

    _HASHES = 6

    def __init__(
        self,
        *,
        min_documents: int = DEFAULT_MIN_DOCUMENTS,
        min_share: float = DEFAULT_MIN_SHARE,
        filter_bits: int = DEFAULT_FILTER_BITS,
    ) -> None:
        if min_documents < 2:
            raise ValueError("min_documents must be 2 or more (a line in one document is that document's own)")
        if not 0 <= min_share <= 1:
            raise ValueError("min_share must be from 0 to 1")
        self.min_documents = min_documents
        self.min_share = min_share
        self._bits = max(1 << 10, 1 << (filter_bits - 1).bit_length())
        self._seen = bytearray(self._bits // 8)
        self.documents: dict[str, int] = {}
        self.repeated: dict[int, list[Any]] = {}  # hash -> [documents, group, key]

    def add(self, counts: Counts) -> None:
        for group, n in counts.documents.items():
            self.documents[group] = self.documents.get(group, 0) + n
        repeated = self.repeated
        seen = self._seen
        mask = self._bits - 1
        for h, (group, key, n) in counts.lines.items():
            known = repeated.get(h)
            if known is not None:
                known[0] += n
                continue
            step = (h >> 32) | 1
            places = [((h + i * step) & mask) for i in range(self._HASHES)]
            was_seen = all(seen[p >> 3] & (1 << (p & 7)) for p in places)
            if was_seen or n >= 2:
                repeated[h] = [n + (1 if was_seen else 0), group, key]
            else:
                for p in places:
                    seen[p >> 3] |= 1 << (p & 7)

    def template(self) -> Template:
        by_group: dict[str, list[tuple[str, int]]] = {}
        for count, group, key in self.repeated.values():
            needed = threshold(self.documents.get(group, 0), self.min_documents, self.min_share)
            if count >= needed:
                by_group.setdefault(group, []).append((key, count))
        groups = tuple(
            Group(name, self.documents[name], tuple(sorted(by_group[name], key=lambda kn: (-kn[1], kn[0]))))
            for name in sorted(by_group)
        )
        return Template(groups, self.min_documents, self.min_share)


def learn(
    documents: Iterable[str | bytes | tuple[str | bytes, str | None]],
    *,
    group_by: str | None = None,
    min_documents: int = DEFAULT_MIN_DOCUMENTS,
    min_share: float = DEFAULT_MIN_SHARE,
) -> Template:
    """Learn a template in this process from texts, or (text, group hint) pairs.

    >>> pages = [f"首页 | 新闻\\n这一篇写{season}天。\\n© 2024 某网" for season in "春夏秋冬晨夜"]
    >>> [key for key, _ in learn(pages).groups[0].lines]
    ['©0某网', '首页|新闻']
    """
    learner = Learner(min_documents=min_documents, min_share=min_share)
    counts = Counts()
    for item in documents:
        raw, hint = item if isinstance(item, tuple) else (item, None)
        count_raw(counts, raw, path="<text>", hint=hint, group_by=group_by)
        if len(counts.documents) and sum(counts.documents.values()) >= FILES_PER_TASK:
            learner.add(counts)
            counts = Counts()
    learner.add(counts)
    return learner.template()


# Map functions for the executors of `cleaner.batch` (`func(pipeline, payload)`).


def count_files(pipeline: Any, payload: tuple[tuple[str, ...], str | None]) -> Counts:
    """Count a batch of files (read in the worker)."""
    paths, group_by = payload
    counts = Counts()
    for path in paths:
        try:
            raw = Path(path).read_bytes()
        except OSError:
            continue  # the second pass reports it
        count_raw(counts, raw, path=path, hint=folder_hint(path), group_by=group_by)
    return counts


def count_records(data: bytes, *, field: str, group_by: str | None, source: str | None) -> Counts:
    """Count the records of a chunk of JSON Lines (bad records are skipped here)."""
    counts = Counts()
    for line in data.split(b"\n"):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if not isinstance(record, dict) or not isinstance(record.get(field), str):
            continue
        count_raw(counts, record[field], path="<record>", hint=record_hint(record, group_by, source), group_by=group_by)
    return counts


def count_chunk(pipeline: Any, payload: tuple[bytes, str, str | None, str | None]) -> Counts:
    data, field, group_by, source = payload
    return count_records(data, field=field, group_by=group_by, source=source)


def batches(paths: Iterable[str], size: int = FILES_PER_TASK) -> Iterator[tuple[str, ...]]:
    batch: list[str] = []
    for path in paths:
        batch.append(path)
        if len(batch) >= size:
            yield tuple(batch)
            batch = []
    if batch:
        yield tuple(batch)


# --- pass 2: removal (pure; called by the boilerplate step) ------------------------------------------


def remove_template_lines(doc: Document, options: Options | None) -> Document:
    """Remove the lines of `doc` that are its group's template, each with a change record.

    `Edit.detail` carries the group and the number of documents the line was seen in.
    """
    template = options.templates if options is not None else None
    if template is None or not doc.body:
        return doc
    group = template.group_for(group_of(doc.meta, doc.group, options.group_by if options else None))
    if group is None or not group.lines:
        return doc
    lines = candidate_lines(doc.body)
    if not lines:
        return doc
    doc = doc.with_spans()
    keep = _protected_lines(doc)
    lines = [line for line in lines if line.start not in keep]
    keys = line_keys([line.text for line in lines])
    table = group.by_hash
    edits = []
    for line, key in zip(lines, keys):
        count = table.get(key_hash(group.name, key)) if key else None
        if count is not None:
            detail = (("group", group.name), ("documents", count), ("of", group.documents))
            edits.append(Edit(line.start, line.end, "", RULE, detail, REMOVAL, TEMPLATE_CATEGORY))
    return doc.edit(STEP, edits) if edits else doc


def _protected_lines(doc: Document) -> set[int]:
    """Start offsets of lines holding protected text of a kind that keeps its line."""
    body = doc.body
    starts: set[int] = set()
    for span in doc.protected():
        multi_line = "\n" in body[span.start : span.end]
        if span.kind not in _KEEP_KINDS and not multi_line:
            continue
        first = body.rfind("\n", 0, span.start) + 1
        starts.add(first)
        at = body.find("\n", span.start, span.end)
        while at != -1:
            starts.add(at + 1)
            at = body.find("\n", at + 1, span.end)
    return starts


def boilerplate_with_templates(doc: Document, options: Options | None = None) -> Document:
    """The template's lines, then the `boilerplate` step's rules: what the pipeline runs as
    `boilerplate` when `Options.templates` is set (the rule-based step itself is unchanged).

    Template first, so the rules' head, tail and trailing scopes meet the article's own first
    and last lines rather than the site's header and footer.
    """
    from .steps.boilerplate import boilerplate

    return boilerplate(remove_template_lines(doc, options), options)
