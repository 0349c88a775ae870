"""The `frontmatter` step: one valid front matter, written so that every reader reads it alike.

In order, each change recorded (see "Front matter changes" below):

- `yaml-1.1`: a plain value that YAML 1.1 and YAML 1.2 read differently (`title: no`,
  `version: 1e3`, `time: 10:00`) is written again, quoted or typed, with the meaning chosen as
  follows: a field the schema says is a string gets the text as written (`title: no` ->
  `title: 'no'`); any other field keeps what YAML 1.1 reads (`draft: yes` -> `draft: true`).
- `meta`: fields from `--meta` / `meta=` are merged in and win. A value given as text is read by
  the schema's type for that field (`draft=true` is a boolean, `tags=a,b` a list).
- `extract-meta` (with `--extract-meta`): `title`, `date`, `author`, `source_name` and
  `original_title` filled from the metadata lines `boilerplate` removed and from a title on the
  body's first line (removed, rule `title-line`); a field already given is never overwritten.
- `date`: dates to `YYYY-MM-DD` (`2025/11/11`, `2025年11月11日`, YAML dates); a value with a time
  becomes `YYYY-MM-DDTHH:MM:SS`, with its UTC offset when one is known.
- text fields are normalized by the same text steps as the body (`encoding`, `mojibake`,
  `script`, `punctuation`, `spacing`, each only if it is in the pipeline); the changes keep the
  rule ids of those steps.
- `duplicate`: later repeats in a list removed.

Then the result is validated against the JSON Schema (the built-in one, or `--schema`), and
written back: fields nobody changed keep their lines byte for byte; keys in the input's order,
added keys after them in the schema's order; no front matter when there was none and nothing
was added. An invalid field raises `FrontMatterError` naming the field, the value and the rule:
`date: '2025-13-45' is not a valid date`.

Front matter changes are `Change` records with `offset == -1` (they are not in the body),
`rule == "frontmatter:<field>:<rule>"` and `line` the field's line in the input file (the
opening `---` is line 1; 0 for a field the input did not have). See docs/frontmatter.md.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any, NamedTuple

import regex
import yaml

from ..document import REMOVAL, Change, Document, Edit, Warning
from ..errors import FrontMatterError, RuleFileError, UsageError
from ..frontmatter_io import (
    entries,
    field_lines,
    read_yaml,
    plain_scalar_differs,
    read_11,
    same_value,
    splice,
)
from ..fields import (
    DATE_KEYS,
    MACHINE_KEYS,
    TextValue,
    frontmatter_change,
    is_text_field,
    replace_value,
    schema_of,
    text_values,
)
from ..fields import property_schema as _property
from ..options import CommonOptions, DataFile, option
from ..protect import ATOM, BLOCK, MARKUP

if TYPE_CHECKING:
    from ..pipeline import Options


# Declarations (docs/architecture.md, "Adding an option / a rule").
@dataclasses.dataclass(frozen=True)
class FrontmatterOptions(CommonOptions):
    schema: DataFile | None = option(None, kind="file", metavar="PATH", help="a JSON Schema for the front matter (default: the built-in one)")
    meta: tuple[tuple[str, Any], ...] = option((), kind="meta", metavar="KEY=VALUE", help="set a front matter field (repeatable; on the command line the value is a string)")
    frontmatter: bool = option(True, kind="flag", help="write the front matter (on by default; --no-frontmatter writes the body only)")
    extract_meta: bool = option(False, kind="flag", help="fill title, date, author, source_name, original_title from a scrape's metadata lines")


# Front matter changes have the rule `frontmatter:<field>:<rule>`; of the body, one rule id.
RULES: dict[str, str] = {"title-line": "with --extract-meta, the title line taken into the front matter is removed"}

STEP = "frontmatter"

_DATE_FORMATS = frozenset({"date", "date-time", "iso-date"})

# The category of the removals (`Change.category`) that hold an article's metadata: datelines,
# bylines, source, original-title and editor lines. Rule files name it; no rule id is needed here.
METADATA_CATEGORY = "metadata"
EXTRACTED = ("title", "date", "author", "source_name", "original_title")

CHINA = _dt.timezone(_dt.timedelta(hours=8))


# --- the schema -------------------------------------------------------------------------------


def _schema_key(schema: Mapping[str, Any]) -> str:
    return json.dumps(schema, sort_keys=True, ensure_ascii=False)


@lru_cache(maxsize=16)
def _validator(schema_json: str) -> Any:
    from jsonschema import validators

    schema = json.loads(schema_json)
    cls = validators.validator_for(schema)
    return cls(schema, format_checker=_format_checker())


def _types(sub: Mapping[str, Any]) -> set[str]:
    kind = sub.get("type")
    if isinstance(kind, str):
        return {kind}
    if isinstance(kind, list):
        return {k for k in kind if isinstance(k, str)}
    return set()


# --- formats ----------------------------------------------------------------------------------

_ISO_DATE = regex.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_DATE_TIME = regex.compile(r"(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)(Z|z|[+-]\d{2}:\d{2})?")


def _valid_date(text: str) -> bool:
    if not _ISO_DATE.fullmatch(text):
        return False
    try:
        _dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _valid_date_time(text: str, *, offset_required: bool) -> bool:
    m = _ISO_DATE_TIME.fullmatch(text)
    if not m or (offset_required and not m.group(3)):
        return False
    zone = m.group(3) or ""
    try:
        _dt.datetime.fromisoformat(f"{m.group(1)}T{m.group(2)}{'+00:00' if zone in ('Z', 'z') else zone}")
    except ValueError:
        return False
    return True


_URI = regex.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s]+")


def _valid_uri(text: str) -> bool:
    if not _URI.fullmatch(text):
        return False
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    return not (parts.scheme.lower() in ("http", "https", "ftp") and not parts.netloc)


@lru_cache(maxsize=1)
def _format_checker() -> Any:
    from jsonschema import FormatChecker

    checker = FormatChecker()

    # Our own checks for the formats front matter uses, so none depends on an optional package.
    def only_strings(check: Any) -> Any:
        return lambda value: not isinstance(value, str) or check(value)

    checker.checks("date")(only_strings(_valid_date))
    checker.checks("date-time")(only_strings(lambda t: _valid_date_time(t, offset_required=True)))
    checker.checks("iso-date")(only_strings(lambda t: _valid_date(t) or _valid_date_time(t, offset_required=False)))
    checker.checks("uri")(only_strings(_valid_uri))
    return checker


# --- dates ------------------------------------------------------------------------------------

_DATE_TEXT = regex.compile(
    r"""
    (?P<y>\d{4})\s*(?:[-/.]|年)\s*(?P<m>\d{1,2})\s*(?:[-/.]|月)\s*(?P<d>\d{1,2})(?!\d{2}:)\s*(?:日|号)?
    (?:\s*[Tt]?\s*(?P<H>\d{1,2})\s*[:：]\s*(?P<M>\d{2})(?:\s*[:：]\s*(?P<S>\d{2})(?:\.\d+)?)?
       \s*(?P<tz>[Zz]|[+-]\d{2}:?\d{2})?)?
    """,
    regex.X,
)
# A date glued to its time, as scrapes write it: `2024-05-0108:30`.
_GLUED = regex.compile(r"(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})(?P<H>\d{2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?")
_MONTH_DAY = regex.compile(
    r"(?<!\d)(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]"
    r"(?:\s*(?P<H>\d{1,2})\s*[:：]\s*(?P<M>\d{2})(?:\s*[:：]\s*(?P<S>\d{2}))?)?"
)


class When(NamedTuple):
    """A date read from text, with its time and UTC offset where they were given."""

    date: _dt.date
    time: _dt.time | None
    offset: _dt.timezone | None

    def iso(self) -> str:
        if self.time is None:
            return self.date.isoformat()
        text = f"{self.date.isoformat()}T{self.time.isoformat(timespec='seconds')}"
        if self.offset is not None:
            text += _offset_text(self.offset)
        return text

    def moment(self) -> _dt.datetime:
        """The instant a value with a time means (Beijing time when no offset was given)."""
        return _dt.datetime.combine(self.date, self.time or _dt.time(0), self.offset or CHINA)


def _offset_text(zone: _dt.tzinfo) -> str:
    delta = zone.utcoffset(None) or _dt.timedelta(0)
    minutes = int(delta.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    minutes = abs(minutes)
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _when(m: Any, year: int | None = None) -> When | None:
    try:
        y = year if year is not None else int(m.group("y"))
        day = _dt.date(y, int(m.group("m")), int(m.group("d")))
        time = None
        if m.group("H") is not None:
            time = _dt.time(int(m.group("H")), int(m.group("M")), int(m.group("S") or 0))
    except (ValueError, IndexError):
        return None
    offset = None
    tz = m.groupdict().get("tz")
    if tz:
        if tz in ("Z", "z"):
            offset = _dt.timezone.utc
        else:
            digits = tz.replace(":", "")
            sign = -1 if digits[0] == "-" else 1
            offset = _dt.timezone(sign * _dt.timedelta(hours=int(digits[1:3]), minutes=int(digits[3:5])))
    return When(day, time, offset)


def parse_date(text: str) -> When | None:
    """Read a whole string as a date: `2025/11/11`, `2025年11月11日`, `2025-11-11 10:00+08:00`.

    >>> parse_date("2025年11月11日").iso()
    '2025-11-11'
    """
    text = text.strip()
    m = _GLUED.fullmatch(text) or _DATE_TEXT.fullmatch(text)
    return _when(m) if m else None


def find_date(text: str, *, year: int | None = None) -> When | None:
    """The first date in a line of text (a dateline); a date without a year takes `year`."""
    m = _GLUED.search(text) or _DATE_TEXT.search(text)
    if m:
        return _when(m)
    m = _MONTH_DAY.search(text)
    if m and year is not None:
        return _when(m, year)
    return None


def _date_value(value: Any) -> str | None:
    """The normalized text of a date value (a YAML date, a datetime, or a date string)."""
    if isinstance(value, _dt.datetime):
        when = When(value.date(), value.time().replace(microsecond=0), None)
        if value.tzinfo is not None:
            when = when._replace(offset=_dt.timezone(value.utcoffset() or _dt.timedelta(0)))
        if when.time == _dt.time(0) and when.offset is None:
            when = when._replace(time=None)
        return when.iso()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, str):
        parsed = parse_date(value)
        if parsed and parsed.time == _dt.time(0) and parsed.offset is None:
            parsed = parsed._replace(time=None)  # midnight with no zone is a plain date
        return parsed.iso() if parsed else None
    return None


def _is_date_field(key: str, schema: Mapping[str, Any]) -> bool:
    return key in DATE_KEYS or _property(schema, key).get("format") in _DATE_FORMATS


def _now(options: FrontmatterOptions) -> _dt.datetime | None:
    now: object = options.now
    if now is None:
        return None
    if isinstance(now, str):
        now = _dt.datetime.fromisoformat(now)
    if isinstance(now, _dt.datetime):
        return now if now.tzinfo else now.replace(tzinfo=_dt.timezone.utc)
    return None


# --- values from --meta -----------------------------------------------------------------------

_TRUE = {"true", "yes", "on", "1", "y"}
_FALSE = {"false", "no", "off", "0", "n"}


def coerce(value: Any, sub: Mapping[str, Any]) -> Any:
    """A `--meta` value read by the schema's type for its field; text stays text otherwise.

    >>> coerce("true", {"type": "boolean"}), coerce("a, b", {"type": "array"})
    (True, ['a', 'b'])
    """
    if isinstance(value, tuple):
        value = list(value)
    if not isinstance(value, str):
        return value
    kinds = _types(sub)
    if not kinds or "string" in kinds:
        return value
    text = value.strip()
    if "boolean" in kinds and text.lower() in _TRUE | _FALSE:
        return text.lower() in _TRUE
    if "integer" in kinds and regex.fullmatch(r"[-+]?\d+", text):
        return int(text)
    if "number" in kinds:
        try:
            return float(text)
        except ValueError:
            pass
    if "array" in kinds:
        return [part.strip() for part in regex.split(r"[,，、]", text) if part.strip()]
    if "null" in kinds and text.lower() in ("", "null", "~"):
        return None
    return value


# --- validation -------------------------------------------------------------------------------

_TYPE_WORDS = {
    "string": "a string",
    "boolean": "a boolean (true or false)",
    "integer": "an integer",
    "number": "a number",
    "array": "a list",
    "object": "a mapping",
    "null": "null",
}
_FORMAT_WORDS = {
    "date": "a valid date",
    "iso-date": "a valid date",
    "date-time": "a valid date and time with a UTC offset",
    "uri": "a valid URL",
    "email": "a valid e-mail address",
}


def show(value: Any) -> str:
    """A value as an error message or a change record shows it (YAML-like, strings quoted)."""
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def _label(path: Iterable[Any]) -> str:
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _error_message(error: Any) -> tuple[str, str]:
    path = list(error.absolute_path)
    if error.validator == "required":
        missing = regex.match(r"'([^']*)'", error.message)
        field = missing.group(1) if missing else "?"
        return field, f"{_label([*path, field])}: missing (the schema requires it)"
    field = str(path[0]) if path else "(front matter)"
    label = _label(path) or "(front matter)"
    sub = error.schema if isinstance(error.schema, Mapping) else {}
    if error.validator == "format":
        what = _FORMAT_WORDS.get(error.validator_value, f"a valid {error.validator_value}")
    elif error.validator == "type":
        kinds = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        what = " or ".join(_TYPE_WORDS.get(str(k), str(k)) for k in kinds)
    elif isinstance(sub.get("title"), str):
        what = sub["title"]
    elif error.validator == "enum":
        what = "one of " + ", ".join(show(v) for v in error.validator_value)
    else:
        return field, f"{label}: {error.message}"
    return field, f"{label}: {show(error.instance)} is not {what}"


def validate(meta: Mapping[str, Any], schema: Mapping[str, Any], *, required: bool = True) -> tuple[str, str] | None:
    """The first problem of a mapping against a schema as (field, message), or None."""
    validator = _validator(_schema_key(schema))
    order = {key: i for i, key in enumerate(meta)}
    problems = [e for e in validator.iter_errors(dict(meta)) if required or e.validator != "required"]
    if not problems:
        return None

    def rank(error: Any) -> tuple[int, str]:
        path = list(error.absolute_path)
        return (order.get(path[0], len(order)) if path else -1, str(path))

    return _error_message(min(problems, key=rank))


# --- the step ---------------------------------------------------------------------------------


def check_options(options: FrontmatterOptions) -> None:
    """Read the schema and check the `--meta` values against it, once, before any document."""
    schema = schema_of(options)
    given: dict[str, Any] = {}
    for key, value in options.meta:
        if not isinstance(key, str) or not key:
            raise UsageError(f"meta: a field name must be text, not {key!r}")
        value = coerce(value, _property(schema, key))
        if _is_date_field(key, schema):
            value = _date_value(value) or value
        given[key] = value
    problem = validate(given, schema, required=False)
    if problem is not None:
        raise UsageError(f"meta: {problem[1]}")


def frontmatter(
    doc: Document, options: Options | None = None, strings: Callable[[Document], Document] | None = None
) -> Document:
    """Merge, normalize, validate and write the front matter; see the module docstring.

    `strings` runs the text steps over one string held as a body: the pipeline hands it over
    (`pipeline.string_pipeline`), so this step imports no other. Without it, strings are left
    as they are.
    """
    if options is None:
        from ..pipeline import Options

        options = Options()
    if not options.frontmatter:
        return doc
    schema = schema_of(options)
    # The YAML text is read once here, for its fields' lines, their nodes and their values, and
    # nothing below reads it again (no step before this one changes the front matter text).
    source = _Source(doc.frontmatter) if doc.frontmatter is not None and doc.frontmatter_format == "yaml" else None
    lines = source.lines if source is not None else field_lines(doc.frontmatter, doc.frontmatter_format)
    meta = dict(doc.meta)
    changes: list[Change] = []
    rewrite: set[str] = set()

    _settle_yaml_11(source, meta, schema, lines, changes, rewrite)
    _merge_options(options, meta, schema, lines, changes)
    if options.extract_meta:
        doc = _extract(doc, options, meta, changes)
    _normalize_dates(meta, schema, lines, changes)
    if strings is not None:
        doc = _normalize_text(doc, strings, meta, schema, lines, changes)
    _deduplicate(meta, lines, changes)
    meta = _ordered(meta, list(doc.meta), schema)

    problem = validate(meta, schema)
    if problem is not None:
        field, message = problem
        raise FrontMatterError(message, path=doc.path, line=lines.get(field) or None, field=field)

    if not meta and doc.frontmatter is None:
        return doc.replace(changes=doc.changes + tuple(changes)) if changes else doc
    if doc.frontmatter is not None and doc.frontmatter_format != "yaml":
        text = splice(doc.frontmatter, meta, fmt=doc.frontmatter_format)  # TOML or JSON, as it came
    elif source is not None and not rewrite and same_value(meta, source.loaded):
        text = source.text
    else:
        text = splice(doc.frontmatter, meta, frozenset(rewrite))
    return doc.replace(meta=meta, frontmatter=text, changes=doc.changes + tuple(changes))


class _Source:
    """A YAML front matter text as read once: its top-level entries (nodes and lines), the
    fields' lines, and its mapping (None when it is not one)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.entries = entries(text)
        self.lines = {e.key: e.first + 2 for e in self.entries} if self.entries else {}
        self.loaded = _loaded(text)


def _loaded(yaml_text: str) -> dict[str, Any] | None:
    try:
        data = read_yaml(yaml_text)
    except (yaml.YAMLError, RecursionError):
        return None
    return data if isinstance(data, dict) else ({} if data is None else None)


def _settle_yaml_11(
    source: _Source | None,
    meta: dict[str, Any],
    schema: Mapping[str, Any],
    lines: Mapping[str, int],
    changes: list[Change],
    rewrite: set[str],
) -> None:
    """Choose one meaning for plain values YAML 1.1 and 1.2 read differently; mark them for
    rewriting so that every reader reads the choice."""
    if source is None:
        return  # no front matter; TOML and JSON have one reading each
    found, loaded = source.entries, source.loaded
    if not found or loaded is None:
        return
    for entry in found:
        key = entry.key
        ambiguous = {id(n) for n in _ambiguous_scalars(entry.node)}
        if not ambiguous or key not in meta or not same_value(meta[key], loaded.get(key)):
            continue  # nothing to settle, or a step before us already set this field
        settled: list[tuple[str, Any]] = []
        meta[key] = _resolve(entry.node, meta[key], _property(schema, key), ambiguous, settled)
        if not all(_date_as_written(text, value) for text, value in settled):
            rewrite.add(key)
        for text, value in settled:
            # A date kept as a date, or in a date field, is the `date` rule's business; a date
            # taken as the text of a string field (`title: 2024-01-01 10:00:00`) is quoted here.
            is_date = isinstance(read_11(text), _dt.date)
            if not is_date or (isinstance(value, str) and not _is_date_field(key, schema) and key in rewrite):
                changes.append(frontmatter_change(STEP, key, "yaml-1.1", lines.get(key, 0), text, show(value)))


def _date_as_written(text: str, value: Any) -> bool:
    """A plain ISO date (`2024-01-01`, `2024-01-01T10:30:00+08:00`) taken as its text: YAML 1.1
    reads a date, YAML 1.2 the same date as text. It is left as written, not re-quoted: no
    reader gets another date."""
    return value == text and (_valid_date(text) or _valid_date_time(text, offset_required=True))


def _resolve(node: Any, value: Any, sub: Mapping[str, Any], ambiguous: set[int], settled: list[tuple[str, Any]]) -> Any:
    """The value of a node with its ambiguous plain scalars settled (see `_settle`)."""
    if isinstance(node, yaml.ScalarNode):
        if id(node) in ambiguous:
            value = _settle(node.value, value, sub)
            settled.append((node.value, value))
        return value
    if isinstance(node, yaml.SequenceNode) and isinstance(value, list) and len(value) == len(node.value):
        items = sub.get("items")
        items = items if isinstance(items, Mapping) else {}
        return [_resolve(n, v, items, ambiguous, settled) for n, v in zip(node.value, value)]
    if isinstance(node, yaml.MappingNode) and isinstance(value, dict) and len(value) == len(node.value):
        props = sub.get("properties")
        props = props if isinstance(props, Mapping) else {}
        return {
            k: _resolve(vn, v, props.get(k, {}) if isinstance(props.get(k), Mapping) else {}, ambiguous, settled)
            for (_, vn), (k, v) in zip(node.value, value.items())
        }
    return value


def _settle(text: str, value: Any, sub: Mapping[str, Any]) -> Any:
    """The meaning of a plain scalar that YAML 1.1 reads as `value` and YAML 1.2 differently.

    The schema decides where it can: a string field gets the text as written, a typed field
    the YAML 1.1 value. Elsewhere a word YAML 1.1 reads as a boolean (`yes`, `off`) stays a
    boolean, and anything else (`10:00`, `017`, `1_000`, `0o17`) stays the text it was written
    as: the two readings disagree on the number, the text is what the author typed.
    """
    if _wants_text(sub):
        return text
    if _types(sub) or isinstance(value, (bool, _dt.date)):
        return value  # YAML dates go on to the `date` rule, which writes them as ISO text
    return text


def _wants_text(sub: Mapping[str, Any]) -> bool:
    kinds = _types(sub)
    return bool(kinds) and "string" in kinds and kinds <= {"string", "null"}


def _ambiguous_scalars(node: Any) -> Iterator[Any]:
    if isinstance(node, yaml.ScalarNode):
        if node.style is None and node.tag == _implicit_tag(node.value) and plain_scalar_differs(node.value):
            yield node
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _ambiguous_scalars(item)
    elif isinstance(node, yaml.MappingNode):
        for _, item in node.value:
            yield from _ambiguous_scalars(item)


def _implicit_tag(text: str) -> str:
    from ..frontmatter_io import _RESOLVER

    return _RESOLVER.resolve(yaml.ScalarNode, text, (True, False))  # type: ignore[no-any-return,no-untyped-call,unused-ignore]


def _merge_options(
    options: FrontmatterOptions, meta: dict[str, Any], schema: Mapping[str, Any], lines: Mapping[str, int], changes: list[Change]
) -> None:
    for key, value in options.meta:
        value = coerce(value, _property(schema, key))
        if key in meta and same_value(meta[key], value):
            continue
        before = show(meta[key]) if key in meta else ""
        meta[key] = value
        changes.append(frontmatter_change(STEP, key, "meta", lines.get(key, 0), before, show(value)))


def _normalize_dates(
    meta: dict[str, Any], schema: Mapping[str, Any], lines: Mapping[str, int], changes: list[Change]
) -> None:
    for key in list(meta):
        value = meta[key]
        if _is_date_field(key, schema):
            new = _date_value(value)
            new = value if new is None else new
        else:
            new = _dates_to_text(value)
        if not same_value(new, value):
            meta[key] = new
            changes.append(frontmatter_change(STEP, key, "date", lines.get(key, 0), _plain(value), _plain(new)))


def _plain(value: Any) -> str:
    """A value as YAML writes it: a YAML date unquoted, anything else as `show` does."""
    if isinstance(value, (_dt.date, _dt.datetime)):
        return str(value)
    return show(value)


def _dates_to_text(value: Any) -> Any:
    """YAML dates anywhere in a value as ISO text: 1.2 readers would see a string anyway."""
    if isinstance(value, (_dt.date, _dt.datetime)):
        return _date_value(value)
    if isinstance(value, list):
        return [_dates_to_text(v) for v in value]
    if isinstance(value, dict):
        return {k: _dates_to_text(v) for k, v in value.items()}
    return value


def normalize_string(value: str, strings: Callable[[Document], Document], doc: Document) -> Document:
    """Run the text steps over one string as if it were a body; the result's body is the string."""
    return strings(
        Document(body=value, path=doc.path, protected_terms=doc.protected_terms, disabled_rules=doc.disabled_rules)
    )


def _normalize_text(
    doc: Document,
    strings: Callable[[Document], Document],
    meta: dict[str, Any],
    schema: Mapping[str, Any],
    lines: Mapping[str, int],
    changes: list[Change],
) -> Document:
    warnings: list[Warning] = []
    for item in list(text_values(meta, schema)):
        if not item.value.strip():
            continue
        tiny = normalize_string(item.value, strings, doc)
        line = lines.get(item.key, 0)
        for c in tiny.changes:
            changes.append(frontmatter_change(c.step, item.label, c.rule, line, c.before, c.after, c.column, c.kind))
        for w in tiny.warnings:
            warnings.append(Warning(w.step, f"frontmatter:{item.label}:{w.rule}", 0, w.message, w.text))
        if tiny.body != item.value:
            replace_value(meta, item.key, item.place, tiny.body)
    return doc.add_warnings(warnings)


def _deduplicate(meta: dict[str, Any], lines: Mapping[str, int], changes: list[Change]) -> None:
    for key, value in list(meta.items()):
        if not isinstance(value, list):
            continue
        kept: list[Any] = []
        for item in value:
            if any(same_value(item, k) for k in kept):
                changes.append(frontmatter_change(STEP, key, "duplicate", lines.get(key, 0), _plain(item), ""))
            else:
                kept.append(item)
        if len(kept) != len(value):
            meta[key] = kept


def _ordered(meta: dict[str, Any], input_keys: list[str], schema: Mapping[str, Any]) -> dict[str, Any]:
    """Keys of the input first, in its order; added keys after, in the schema's order."""
    props = schema.get("properties")
    rank = {k: i for i, k in enumerate(props)} if isinstance(props, Mapping) else {}
    known = set(input_keys)
    first = [k for k in input_keys if k in meta]
    added = sorted((k for k in meta if k not in known), key=lambda k: rank.get(k, len(rank)))
    return {k: meta[k] for k in [*first, *added]}


# --- --extract-meta ---------------------------------------------------------------------------

_LABEL = regex.compile(
    r"(?:(?<=^|[\s|丨｜/·,，;；])|^)"
    r"(?P<label>本报记者|本刊记者|特约记者|实习记者|见习记者|通讯员|记者|作者|撰文|文(?=\s*[/／|丨｜:：])"
    r"|来源|原标题|责任编辑|责编|编辑|校对|审核|监制|出品|策划|摄影|图片|图(?=\s*[/／|丨｜:：]))"
    r"\s*[:：/／|丨｜]?\s*"
)
_AUTHOR_LABELS = frozenset({"本报记者", "本刊记者", "特约记者", "实习记者", "见习记者", "记者", "作者", "撰文", "文"})
_SEGMENT_END = regex.compile(r"\s{2,}|[|丨｜]|\s+(?=\d{4}[-/年])")
_TITLE_END = regex.compile(r"[。！？!?…；;，,：:、]$")
_TITLE_MAX = 64


def labelled_values(line: str) -> list[tuple[str, str]]:
    """The labelled parts of a metadata line: `作者：张三 来源：新华社` ->
    [('作者', '张三'), ('来源', '新华社')]."""
    found = list(_LABEL.finditer(line))
    values = []
    for i, m in enumerate(found):
        end = found[i + 1].start() if i + 1 < len(found) else len(line)
        text = line[m.end() : end]
        stop = _SEGMENT_END.search(text)
        if stop:
            text = text[: stop.start()]
        text = text.strip(" \t:：/／|丨｜·,，;；")
        if text:
            values.append((m.group("label"), text))
    return values


def _extract(doc: Document, options: FrontmatterOptions, meta: dict[str, Any], changes: list[Change]) -> Document:
    given = set(meta)
    now = _now(options)
    body_changes = [(i, c) for i, c in enumerate(doc.changes) if c.offset >= 0]
    metadata = [(i, c) for i, c in body_changes if c.kind == REMOVAL and c.category == METADATA_CATEGORY]
    year_hint = _year_hint(metadata, now)
    fills: dict[str, tuple[str, Change]] = {}

    def fill(field: str, value: str, source: Change, line: int) -> None:
        if field in given or field in fills or not value:
            return
        fills[field] = (value, frontmatter_change(STEP, field, "extract-meta", line, source.before.rstrip("\n"), value))

    for index, change in metadata:
        text = change.before.strip()
        line = _source_line(doc, index)
        for label, value in labelled_values(text):
            if label in _AUTHOR_LABELS:
                fill("author", value, change, line)
            elif label == "来源":
                fill("source_name", value, change, line)
            elif label == "原标题":
                fill("original_title", _unwrap_title(value), change, line)
        dated = _dated_text(text)
        if dated is not None and "date" not in given and "date" not in fills:
            when = find_date(dated, year=year_hint)
            body_line = line - doc.body_line + 1
            if when is None:
                if not _LABEL.match(text) and _MONTH_DAY.search(text):  # a bare dateline
                    doc = doc.warn(STEP, "extract-meta", body_line, "a date without a year, and no year to take it from", text)
                continue
            if when.time is not None and when.offset is None:
                when = when._replace(offset=CHINA)  # Chinese sources give Beijing time
            yearless = not (_GLUED.search(text) or _DATE_TEXT.search(text))
            if yearless and now is not None and _is_future(when, now):
                when = _when(_MONTH_DAY.search(text), when.date.year - 1) or when  # last year's
                if when.time is not None:
                    when = when._replace(offset=CHINA)
            if now is not None and _is_future(when, now):
                doc = doc.warn(STEP, "future-date", body_line, f"date {when.iso()} is after the time of the run; not stored", text)
                continue
            fill("date", when.iso(), change, line)

    if "title" not in given:
        doc = _extract_title(doc, fills)
    for field in EXTRACTED:
        if field in fills:
            value, record = fills[field]
            meta[field] = value
            changes.append(record)
    return doc


# Labels whose line does not date the article: an editor's or a photographer's credit, and an
# original title (a date there is the title's: `原标题：《2024年5月1日的故事》`).
_UNDATED_LABELS = frozenset({"原标题", "责任编辑", "责编", "编辑", "校对", "审核", "监制", "出品", "策划", "摄影", "图片", "图"})


def _dated_text(text: str) -> str | None:
    """The part of a metadata line that may date the article, or None.

    A line that opens with a label dates the article only when the label is a byline or a
    source (`作者：张三 2024-05-01`, `来源：新华社 2024-05-02`); a dateline with labels after it
    (`2024-05-01 08:30 编辑：张三`) dates it by the text before them.
    """
    first = _LABEL.search(text)
    if first is None:
        return text
    if first.start() > 0 and text[: first.start()].strip(" \t|丨｜/·,，;；"):
        return text[: first.start()] if first.group("label") in _UNDATED_LABELS else text
    return None if first.group("label") in _UNDATED_LABELS else text


def _is_future(when: When, now: _dt.datetime) -> bool:
    if when.time is None:
        return when.date > now.astimezone(CHINA).date()
    return when.moment() > now


def _unwrap_title(text: str) -> str:
    if text.startswith("《") and text.endswith("》") and text.count("《") == 1:
        return text[1:-1]
    return text


def _year_hint(metadata: list[tuple[int, Change]], now: _dt.datetime | None) -> int | None:
    for _, change in metadata:
        m = _GLUED.search(change.before) or _DATE_TEXT.search(change.before)
        if m:
            return int(m.group("y"))
    if now is None:
        return None
    return now.astimezone(CHINA).year


def _extract_title(doc: Document, fills: dict[str, tuple[str, Change]]) -> Document:
    masked = doc.masked()
    start = len(masked) - len(masked.lstrip("\n \t"))
    start = masked.rfind("\n", 0, start) + 1
    end = masked.find("\n", start)
    if end == -1:
        return doc  # a body of one line is the article, not its title
    line = doc.body[start:end]
    shown = masked[start:end]
    heading = regex.match(r"#[ \t]+", line)
    if heading:
        if not shown.startswith(MARKUP * heading.end()):
            return doc
        shown = shown[heading.end() :]
        line = line[heading.end() :]
    if MARKUP in shown or BLOCK in shown or ATOM * 8 in shown:  # a long protected run: a URL line
        return doc
    title = line.strip().rstrip("#").strip()
    if not title or len(title) > _TITLE_MAX or _TITLE_END.search(title) or "。" in title:
        return doc
    if not doc.body[end:].strip():
        return doc
    gap_end = regex.compile(r"\n(?:[ \t]*\n)*").match(doc.body, end).end()  # type: ignore[union-attr]
    removed_line = doc.body[start:end]
    # The title line leaves the body (for the front matter's `title`): a removal, as the
    # metadata lines `boilerplate` removed are.
    doc = doc.edit(STEP, [Edit(start, gap_end, "", "title-line")], kind=REMOVAL, category="metadata")
    line_no = _source_line(doc, len(doc.changes) - 1)
    fills["title"] = (
        title,
        frontmatter_change(STEP, "title", "extract-meta", line_no, removed_line, title),
    )
    return doc


def _source_line(doc: Document, index: int) -> int:
    """The input file line where the text a body change edited or removed began.

    Traces the change's place forward through the later changes to today's body, counts the
    newlines before it there, then walks back through every earlier change to the first step's
    input. Front matter changes (offset -1) are not in the body and are skipped.
    """
    changes = doc.changes
    target = changes[index]
    position = target.offset
    delta = 0
    for later in changes[index + 1 :]:
        if later.offset < 0:
            continue
        if later.offset + len(later.before) <= position:
            position += len(later.after) - len(later.before)
            delta += later.after.count("\n") - later.before.count("\n")
        elif later.offset < position:
            position = later.offset
    newlines = doc.body.count("\n", 0, max(0, min(position, len(doc.body)))) - delta
    position = target.offset
    for earlier in reversed(changes[:index]):
        if earlier.offset < 0:
            continue
        end = earlier.offset + len(earlier.after)
        if end <= position:
            position += len(earlier.before) - len(earlier.after)
            newlines += earlier.before.count("\n") - earlier.after.count("\n")
        elif earlier.offset < position:
            newlines -= earlier.after.count("\n", 0, position - earlier.offset)
            position = earlier.offset
    return newlines + doc.body_line
