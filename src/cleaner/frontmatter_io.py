"""Reading and writing front matter: split it off the body, load it safely, write it back.

Reading: PyYAML's safe loader with aliases refused (no "billion laughs"), a size limit, a nesting
limit, keys taken as the text they are written as (`on:` is the key "on", not True), duplicate
keys refused, and only plain data types (strings, numbers, booleans, null, dates, lists,
mappings) accepted. Values are read as YAML 1.1 reads them; `plain_scalar_differs` tells where a
YAML 1.2 reader (or js-yaml) would read the same text differently.

Writing: `dump` writes a mapping so that every value reads back the same under YAML 1.1 (PyYAML,
Ruby's Psych), YAML 1.2 (yaml.v3, ruamel) and js-yaml: a string that any of them would take for
something else (`no`, `on`, `10:00`, `1e3`, `0o17`, `2025-11-11`) is quoted. `splice` writes
only the entries that changed into the original text, so untouched lines stay byte-identical.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import Any, NamedTuple

import regex
import yaml

from .errors import FrontMatterError

MAX_FRONTMATTER_BYTES = 64 * 1024
MAX_DEPTH = 32

_STR_TAG = "tag:yaml.org,2002:str"


class _NoAliasSafeLoader(yaml.SafeLoader):
    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.YAMLError(
                f"aliases are not allowed (*{event.anchor}) at line {event.start_mark.line + 1}"
            )
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise yaml.YAMLError(f"nested deeper than {MAX_DEPTH} levels at line {mark.line + 1}")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        # A key is a field name: take it as written, so `on:` or `2024:` is not True or 2024.
        if isinstance(node, yaml.MappingNode):
            self.flatten_mapping(node)
            seen: dict[str, int] = {}
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if isinstance(key_node, yaml.ScalarNode):
                    key: Any = _join_surrogates(key_node.value, key_node.start_mark)
                else:
                    key = self.construct_object(key_node, deep=deep)
                if isinstance(key, str) and key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"key {key!r} appears twice (lines {seen[key] + 2} and "
                        f"{key_node.start_mark.line + 2} of the file)", key_node.start_mark,
                    )
                if isinstance(key, str):
                    seen[key] = key_node.start_mark.line
                try:
                    hash(key)
                except TypeError:
                    raise yaml.constructor.ConstructorError(
                        None, None, "a key must be a plain value", key_node.start_mark
                    ) from None
                result[key] = self.construct_object(value_node, deep=deep)
            return result
        return super().construct_mapping(node, deep=deep)


    def construct_yaml_int(self, node: Any) -> Any:
        # Python refuses to read an integer of more than 4,300 digits (a guard against slow
        # conversion): a front matter error on its line, not an exception from the loader.
        try:
            return super().construct_yaml_int(node)
        except ValueError:
            raise yaml.constructor.ConstructorError(
                None, None, f"a number of {len(node.value):,} characters is too long to read", node.start_mark
            ) from None

    def construct_yaml_str(self, node: Any) -> Any:
        return _join_surrogates(super().construct_yaml_str(node), node.start_mark)

    def construct_yaml_timestamp(self, node: Any) -> Any:
        # `date: 2025-13-45` looks like a timestamp but is none: keep the text, so validation
        # can say what is wrong with it instead of the loader failing on it.
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:
            return node.value


_NoAliasSafeLoader.add_constructor("tag:yaml.org,2002:timestamp", _NoAliasSafeLoader.construct_yaml_timestamp)
_NoAliasSafeLoader.add_constructor("tag:yaml.org,2002:int", _NoAliasSafeLoader.construct_yaml_int)
_NoAliasSafeLoader.add_constructor(_STR_TAG, _NoAliasSafeLoader.construct_yaml_str)


class _TextDatesLoader(_NoAliasSafeLoader):
    """The same loader with plain timestamps kept as the text they are written as."""

    def construct_yaml_timestamp(self, node: Any) -> Any:
        return node.value


_TextDatesLoader.add_constructor("tag:yaml.org,2002:timestamp", _TextDatesLoader.construct_yaml_timestamp)

_SURROGATE_PAIR = regex.compile("([\ud800-\udbff])([\udc00-\udfff])")
_SURROGATE = regex.compile("[\ud800-\udfff]")


def _join_surrogates(text: str, mark: Any = None) -> str:
    """A string with escaped surrogate pairs (`"\\ud840\\udc00"`, as JSON serialisers write a
    character outside the Basic Multilingual Plane) joined into the character they encode.

    YAML allows such escapes in double-quoted strings and PyYAML reads each half as a character
    of its own, which no encoder accepts. A surrogate with no partner is no character at all:
    a front matter error on its line.
    """
    if not _SURROGATE.search(text):
        return text
    joined = _SURROGATE_PAIR.sub(lambda m: chr(0x10000 + ((ord(m[1]) - 0xD800) << 10) + ord(m[2]) - 0xDC00), text)
    lone = _SURROGATE.search(joined)
    if lone is not None:
        raise yaml.constructor.ConstructorError(
            None, None, f"a lone surrogate (\\u{ord(lone.group()):04x}) is not a character", mark
        )
    return joined


def load_yaml(text: str) -> Any:
    """Load YAML the safe way: no object tags, no aliases. Raises yaml.YAMLError."""
    return yaml.load(text, Loader=_NoAliasSafeLoader)  # noqa: S506 - the loader is safe


def compose_yaml(text: str) -> Any:
    """The YAML node tree (with line marks) of a text, composed by the same safe loader."""
    return yaml.compose(text, Loader=_NoAliasSafeLoader)  # noqa: S506 - composes nodes only


def split_frontmatter(text: str, *, path: str = "<stdin>") -> tuple[dict[str, Any], str | None, str, int]:
    """Split `---` front matter off a text: (mapping, YAML text, body, first body line).

    Text without front matter gives ({}, None, text, 1). A BOM before the opening `---` does
    not hide it. Front matter that is not a mapping, is too large, or is not valid YAML raises
    `FrontMatterError` naming the line.
    """
    start = 1 if text.startswith("\ufeff") else 0
    if not text.startswith("---", start):
        return {}, None, text, 1
    first_end = text.find("\n", start)
    if first_end == -1 or text[start:first_end].rstrip("\r \t") != "---":
        return {}, None, text, 1
    pos = first_end + 1
    line_no = 2
    while pos <= len(text):
        end = text.find("\n", pos)
        line = text[pos : end if end != -1 else len(text)]
        if line.rstrip("\r \t") in ("---", "..."):
            yaml_text = text[first_end + 1 : pos].replace("\r\n", "\n").replace("\r", "\n")
            body = text[end + 1 :] if end != -1 else ""
            body_line = line_no + 1
            if body.startswith("\n"):  # the blank line that separates front matter from body
                body, body_line = body[1:], body_line + 1
            elif body.startswith("\r\n"):
                body, body_line = body[2:], body_line + 1
            meta = load_mapping(yaml_text, path=path)
            return meta, yaml_text, body, body_line
        if end == -1:
            break
        pos = end + 1
        line_no += 1
    raise FrontMatterError("front matter opened with '---' on line 1 is never closed", path=path, line=1)


def load_mapping(yaml_text: str, *, path: str = "<stdin>") -> dict[str, Any]:
    """The mapping of a front matter text, checked: size, YAML, a mapping, plain data only."""
    if len(yaml_text.encode("utf-8")) > MAX_FRONTMATTER_BYTES:
        raise FrontMatterError(
            f"front matter is larger than {MAX_FRONTMATTER_BYTES // 1024} KiB", path=path, line=2
        )
    try:
        data = load_yaml(yaml_text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 2 if mark is not None else 2
        problem = error.problem or error.context or "invalid YAML"
        raise FrontMatterError(f"front matter is not valid YAML: {problem}", path=path, line=line) from None
    except yaml.YAMLError as error:
        raise FrontMatterError(f"front matter is not valid YAML: {error}", path=path, line=2) from None
    except RecursionError:
        raise FrontMatterError("front matter is nested too deeply", path=path, line=2) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise FrontMatterError(
            f"front matter must be a mapping of fields, not a {type(data).__name__}", path=path, line=2
        )
    for key, value in data.items():
        if not isinstance(key, str):
            raise FrontMatterError(f"front matter key {key!r} is not a string", path=path, line=2)
        bad = _foreign_type(value)
        if bad is not None:
            raise FrontMatterError(
                f"{key}: a value of type {bad} is not plain data (strings, numbers, booleans, dates, lists, mappings)",
                path=path,
                line=2,
                field=key,
            )
    return data


_PLAIN_TYPES = (str, bool, int, float, _dt.date, type(None))


def _foreign_type(value: Any) -> str | None:
    """The name of a type in the value that front matter may not hold (!!binary, !!set, …)."""
    if isinstance(value, _PLAIN_TYPES):
        return None
    if isinstance(value, list):
        for item in value:
            bad = _foreign_type(item)
            if bad:
                return bad
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            bad = _foreign_type(key) or _foreign_type(item)
            if bad:
                return bad
        return None
    return type(value).__name__


# --- how YAML 1.1 and 1.2 read a plain scalar --------------------------------------------------

_CORE_NULL = regex.compile(r"~|null|Null|NULL|")
_CORE_BOOL = regex.compile(r"true|True|TRUE|false|False|FALSE")
_CORE_INT10 = regex.compile(r"[-+]?[0-9]+")
_CORE_INT8 = regex.compile(r"0o[0-7]+")
_CORE_INT16 = regex.compile(r"0x[0-9a-fA-F]+")
_CORE_FLOAT = regex.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_CORE_INF = regex.compile(r"[-+]?\.(?:inf|Inf|INF)")
_CORE_NAN = regex.compile(r"\.(?:nan|NaN|NAN)")


def read_core(text: str) -> Any:
    """How a YAML 1.2 core-schema reader (yaml.v3, ruamel, js-yaml 4) reads a plain scalar."""
    if _CORE_NULL.fullmatch(text):
        return None
    if _CORE_BOOL.fullmatch(text):
        return text.lower() == "true"
    if _CORE_INT10.fullmatch(text):
        return int(text)
    if _CORE_INT8.fullmatch(text):
        return int(text[2:], 8)
    if _CORE_INT16.fullmatch(text):
        return int(text[2:], 16)
    if _CORE_FLOAT.fullmatch(text):
        return float(text)
    if _CORE_INF.fullmatch(text):
        return float("-inf") if text.startswith("-") else float("inf")
    if _CORE_NAN.fullmatch(text):
        return float("nan")
    return text


_RESOLVER = yaml.resolver.Resolver()


def read_11(text: str) -> Any:
    """How YAML 1.1 (PyYAML, Ruby's Psych) reads a plain scalar."""
    tag = _RESOLVER.resolve(yaml.ScalarNode, text, (True, False))  # type: ignore[no-untyped-call]
    if tag == _STR_TAG:
        return text
    return load_yaml(text)


def same_value(a: Any, b: Any) -> bool:
    """Equal and of the same type all the way down (True is not 1, 1 is not 1.0, NaN is NaN)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return a == b or (a != a and b != b)
    if isinstance(a, dict):
        return list(a) == list(b) and all(same_value(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b))
    return bool(a == b)


def plain_scalar_differs(text: str) -> bool:
    """Whether YAML 1.1 and YAML 1.2 read this plain (unquoted) scalar as different values.

    >>> plain_scalar_differs("no"), plain_scalar_differs("true"), plain_scalar_differs("1e3")
    (True, False, True)
    """
    try:
        old = read_11(text)
    except (yaml.YAMLError, ValueError):
        return True
    if isinstance(old, _dt.date):
        return True  # a timestamp in 1.1 and js-yaml, a string in the 1.2 core schema
    return not same_value(old, read_core(text))


# Strings that some reader would take for something else: booleans of YAML 1.1 in any case
# (Psych ignores case), y/n, nulls, anything that starts like a number, a date or a time, Ruby
# symbols (`:name`), and the merge and value keys.
_RISKY = regex.compile(
    r"""
    (?i:y|n|yes|no|on|off|true|false|null|~)
  | [-+]?\.?[0-9][0-9A-Za-z_.:+\- ]*
  | [-+]?\.(?i:inf|nan)
  | :\S.*
  | <<|=
    """,
    regex.X | regex.S,
)


def needs_quotes(text: str) -> bool:
    """Whether a string must be quoted to read back as a string in every YAML reader."""
    return text == "" or _RISKY.fullmatch(text) is not None or plain_scalar_differs(text)


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


# Characters PyYAML writes unescaped in single quotes but reads back as line breaks or drops:
# such strings are written double-quoted, where they are escaped.
_UNSAFE_IN_SINGLE = regex.compile(r"[\x85\u2028\u2029\r]|[^\P{C}\n\t]")


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    if _UNSAFE_IN_SINGLE.search(data):
        return dumper.represent_scalar(_STR_TAG, data, style='"')
    if needs_quotes(data):
        return dumper.represent_scalar(_STR_TAG, data, style="'")
    return dumper.represent_scalar(_STR_TAG, data)


def _represent_tuple(dumper: yaml.SafeDumper, data: tuple[Any, ...]) -> yaml.SequenceNode:
    return dumper.represent_list(list(data))


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(tuple, _represent_tuple)


def dump(meta: Mapping[str, Any]) -> str:
    """YAML text for a mapping: insertion order, Unicode as is, no wrapping, every value
    written so that YAML 1.1, YAML 1.2 and js-yaml read it back the same.

    >>> dump({"title": "no", "draft": True})
    "title: 'no'\\ndraft: true\\n"
    """
    if not meta:
        return ""
    return yaml.dump(  # noqa: S506 - a SafeDumper subclass
        dict(meta),
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        width=2**31 - 1,
        default_flow_style=False,
    )


class Entry(NamedTuple):
    """A top-level field of a front matter text: its key, value node and lines (0-based, end
    exclusive) in the YAML text."""

    key: str
    node: Any
    first: int
    end: int


def entries(yaml_text: str) -> list[Entry] | None:
    """The top-level fields of a front matter text with their lines, or None when the text is
    not a block mapping (a flow mapping `{…}` or nothing)."""
    try:
        root = compose_yaml(yaml_text)
    except (yaml.YAMLError, RecursionError):
        return None
    if not isinstance(root, yaml.MappingNode) or root.flow_style:
        return None
    found = []
    for key_node, value_node in root.value:
        if not isinstance(key_node, yaml.ScalarNode):
            return None
        mark = value_node.end_mark
        end = mark.line if mark.column == 0 else mark.line + 1
        found.append(Entry(key_node.value, value_node, key_node.start_mark.line, max(end, key_node.start_mark.line + 1)))
    return found


def field_lines(yaml_text: str | None) -> dict[str, int]:
    """Each top-level key's line in the input file (the opening `---` is line 1)."""
    if not yaml_text:
        return {}
    found = entries(yaml_text)
    return {e.key: e.first + 2 for e in found} if found else {}


def splice(yaml_text: str | None, meta: Mapping[str, Any], rewrite: frozenset[str] = frozenset()) -> str:
    """The front matter text for `meta`, changing as little of `yaml_text` as it can.

    Fields whose value is unchanged keep their lines byte for byte (comments and layout
    included); changed fields and those named in `rewrite` are written again with `dump`; new
    fields follow, in `meta`'s order. If the result would not read back as `meta`, the whole
    mapping is written with `dump` instead.
    """
    if not yaml_text:
        return dump(meta)
    found = entries(yaml_text)
    old = _try_load(yaml_text, text_dates=True)
    if found is None or old is None or list(old) != [e.key for e in found]:
        return dump(meta)
    lines = yaml_text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    keys = [e.key for e in found]
    if [k for k in meta if k in old] != [k for k in keys if k in meta]:
        return dump(meta)  # the order of the input's keys changed: no splice can say that
    pieces: list[str] = []
    cursor = 0
    for entry in found:
        pieces.append("".join(lines[cursor : entry.first]))
        if entry.key not in meta:
            pass
        elif entry.key in rewrite or not _same_text(old[entry.key], meta[entry.key]):
            pieces.append(dump({entry.key: meta[entry.key]}))
        else:
            pieces.append("".join(lines[entry.first : entry.end]))
        cursor = entry.end
    pieces.append("".join(lines[cursor:]))
    added = {k: v for k, v in meta.items() if k not in old}
    if added:
        pieces.append(dump(added))
    text = "".join(pieces)
    back = _try_load(text, text_dates=True)
    if back is None or not _same_text(back, dict(meta)):
        return dump(meta)
    return text


def _same_text(written: Any, value: Any) -> bool:
    """Whether a value read with dates as their text (`_TextDatesLoader`) is `value`, a date in
    `value` counting as its ISO text: `date: 2024-01-01` is kept as written, not re-quoted."""
    return same_value(_dates_as_text(written), _dates_as_text(value))


def _dates_as_text(value: Any) -> Any:
    if isinstance(value, _dt.datetime):
        return str(value)
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return [_dates_as_text(v) for v in value]
    if isinstance(value, dict):
        return {k: _dates_as_text(v) for k, v in value.items()}
    return value


def _try_load(text: str, *, text_dates: bool = False) -> dict[str, Any] | None:
    try:
        data = yaml.load(text, Loader=_TextDatesLoader) if text_dates else load_yaml(text)  # noqa: S506 - safe loader
    except (yaml.YAMLError, RecursionError):
        return None
    if data is None:
        return {}
    return data if isinstance(data, dict) else None
