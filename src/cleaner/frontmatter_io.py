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
import json
from collections.abc import Mapping
from typing import Any, NamedTuple

import regex
import yaml

from .errors import FrontMatterError
from .text import MAX_DEPTH, STR_TAG, SURROGATE, NoAliasSafeLoader, load_toml
# The safe YAML loader lives in the text toolkit; these names stay importable from here.
from .text import compose_yaml as compose_yaml
from .text import load_yaml as load_yaml

MAX_FRONTMATTER_BYTES = 64 * 1024

_STR_TAG = STR_TAG
_SURROGATE = SURROGATE


class _TextDatesLoader(NoAliasSafeLoader):
    """The safe loader (`cleaner.text`) with plain timestamps kept as the text they are written as."""

    def construct_yaml_timestamp(self, node: Any) -> Any:
        return node.value


_TextDatesLoader.add_constructor("tag:yaml.org,2002:timestamp", _TextDatesLoader.construct_yaml_timestamp)


# --- libyaml: the same loaders with PyYAML's C parser ------------------------------------------
#
# PyYAML's pure-Python scanner and parser were most of the `frontmatter` step's time (a front
# matter is read several times: split off, its fields' lines, its YAML 1.1 readings, the check
# that a splice reads back). PyYAML built against libyaml (`yaml.__with_libyaml__`) parses and
# composes in C; our constructors (keys as written, duplicates refused, dates, numbers,
# surrogates) run on its nodes unchanged. The C composer neither refuses aliases nor bounds
# nesting, and is itself recursive, so it runs only on text whose nesting is surely shallow,
# and its node tree is then checked as `NoAliasSafeLoader.compose_node` checks it (a node
# reached twice is an alias). Anything else, or any error, goes to the pure-Python loader,
# which gives the answer or the error it always gave: the fast path only ever agrees with it.
# `tests/test_frontmatter.py` compares the two on generated and tricky YAML.

LIBYAML = bool(getattr(yaml, "__with_libyaml__", False))
# Nesting the C composer may be handed: far above MAX_DEPTH, far below a deep C stack.
_C_NESTING_BOUND = 256
# A line's indentation with the block indicators (`- `, `? `, `: `) that open it, each of which
# can open one more nested collection on the same line.
_LINE_OPENING = regex.compile(r"^ *(?:[-?:][ \t]+)*", regex.M)

if LIBYAML:
    from yaml.cyaml import CParser  # type: ignore[attr-defined]

    class _CNoAliasLoader(CParser, NoAliasSafeLoader):
        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)

    class _CTextDatesLoader(CParser, _TextDatesLoader):
        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)


# What libyaml reads otherwise than PyYAML's own scanner (found by comparing the two on
# generated text, `tests/test_frontmatter.py`): a tab inside a plain scalar (`title: a<TAB>b`
# is refused by PyYAML, read by libyaml), a byte order mark after the start, a carriage
# return, a comment right after a block scalar's header (`>#`), a tag (libyaml takes
# characters in it that PyYAML refuses). Text holding one goes to the pure loader.
_READ_OTHERWISE = regex.compile(r"[\t\ufeff\r]|[|>][-+0-9]*#|(?:^|[ \[{,])!", regex.M)


def _same_in_c(text: str) -> bool:
    return _READ_OTHERWISE.search(text) is None


def _shallow(text: str) -> bool:
    """Whether the text cannot nest deeper than `_C_NESTING_BOUND`: each flow collection opens
    with a bracket, and nested block collections start at ever larger columns (an indentless
    sequence at the same column as its mapping, at most once per level)."""
    flow = text.count("[") + text.count("{")
    if flow > _C_NESTING_BOUND:
        return False
    widest = max((len(m.group()) for m in _LINE_OPENING.finditer(text)), default=0)
    return flow + 2 * (widest + 2) <= _C_NESTING_BOUND


def _plain_tree(root: Any) -> bool:
    """Whether a node tree from the C composer is one the pure loader accepts as it is: no node
    reached twice (an alias), nesting within MAX_DEPTH. Plain scalars get the style the pure
    composer gives them (None; libyaml says ''), which `frontmatter` reads."""
    seen: set[int] = set()
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH or id(node) in seen:
            return False
        seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            if node.style == "":
                node.style = None
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((item, depth + 1) for item in node.value)
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.append((key, depth + 1))
                stack.append((value, depth + 1))
    return True


def _c_node(text: str, loader_class: Any) -> tuple[Any, Any] | None:
    """(loader, root node) from the C parser, or None when the pure loader must decide."""
    if not LIBYAML or not _shallow(text) or not _same_in_c(text):
        return None
    loader = loader_class(text)
    try:
        root = loader.get_single_node()
    except Exception:  # noqa: BLE001 - any trouble: the pure loader gives its own answer or error
        loader.dispose()
        return None
    if root is not None and not _plain_tree(root):
        loader.dispose()
        return None
    return loader, root


def read_yaml(text: str, *, text_dates: bool = False) -> Any:
    """`load_yaml` (or, with `text_dates`, `_TextDatesLoader`), through libyaml where it is
    sure to agree. Raises what the pure loader raises."""
    found = _c_node(text, _CTextDatesLoader if text_dates else _CNoAliasLoader) if LIBYAML else None
    if found is not None:
        loader, root = found
        try:
            return None if root is None else loader.construct_document(root)
        except Exception:  # noqa: BLE001, S110 - the pure loader below raises its own error
            pass
        finally:
            loader.dispose()
    if text_dates:
        return yaml.load(text, Loader=_TextDatesLoader)  # noqa: S506 - the safe loader
    return load_yaml(text)


def compose_front_matter(text: str) -> Any:
    """`compose_yaml` through libyaml where it is sure to agree (node styles as the pure
    composer gives them). Raises what the pure composer raises."""
    # A front matter text ends with a line break; without one, libyaml ends a collection's
    # mark on the next line where PyYAML ends it on the last (`entries` reads those marks).
    found = _c_node(text, _CNoAliasLoader) if LIBYAML and text.endswith("\n") else None
    if found is not None:
        loader, root = found
        loader.dispose()
        return root
    return compose_yaml(text)


# Front matter formats: the fences that open them, as python-frontmatter's handlers know them.
# YAML between `---` lines, TOML between `+++` lines (Hugo), JSON as an object whose `{` and `}`
# stand on lines of their own (Hugo); each is written back in its own format.
YAML, TOML, JSON = "yaml", "toml", "json"
_FENCES = {"---": YAML, "+++": TOML}


def split_frontmatter(text: str, *, path: str = "<stdin>") -> tuple[dict[str, Any], str | None, str, int]:
    """Split front matter off a text: (mapping, its text, body, first body line).

    Text without front matter gives ({}, None, text, 1). A BOM before the opening fence does
    not hide it. Front matter that is not a mapping, is too large, or cannot be read raises
    `FrontMatterError` naming the line. The format is `split_any`'s fifth value.
    """
    meta, fm_text, body, body_line, _ = split_any(text, path=path)
    return meta, fm_text, body, body_line


def split_any(text: str, *, path: str = "<stdin>") -> tuple[dict[str, Any], str | None, str, int, str]:
    """`split_frontmatter` for YAML (`---`), TOML (`+++`) and JSON (`{ … }`): the fifth value
    is the format. The text of JSON front matter is the object with its braces."""
    start = 1 if text.startswith("\ufeff") else 0
    if text.startswith("{", start):
        return _split_json(text, start, path)
    fence = text[start : start + 3]
    if fence not in _FENCES:
        return {}, None, text, 1, YAML
    fmt = _FENCES[fence]
    first_end = text.find("\n", start)
    if first_end == -1 or text[start:first_end].rstrip("\r \t") != fence:
        return {}, None, text, 1, YAML
    closers = ("---", "...") if fmt == YAML else ("+++",)
    pos = first_end + 1
    line_no = 2
    while pos <= len(text):
        end = text.find("\n", pos)
        line = text[pos : end if end != -1 else len(text)]
        if line.rstrip("\r \t") in closers:
            fm_text = text[first_end + 1 : pos].replace("\r\n", "\n").replace("\r", "\n")
            body, body_line = _after(text, end, line_no + 1)
            meta = load_mapping(fm_text, path=path, fmt=fmt)
            return meta, fm_text, body, body_line, fmt
        if end == -1:
            break
        pos = end + 1
        line_no += 1
    raise FrontMatterError(f"front matter opened with '{fence}' on line 1 is never closed", path=path, line=1)


def _after(text: str, end: int, body_line: int) -> tuple[str, int]:
    """The body after the closing line that ends at `end`, less one separating blank line."""
    body = text[end + 1 :] if end != -1 else ""
    if body.startswith("\n"):
        return body[1:], body_line + 1
    if body.startswith("\r\n"):
        return body[2:], body_line + 1
    return body, body_line


def _split_json(text: str, start: int, path: str) -> tuple[dict[str, Any], str | None, str, int, str]:
    from frontmatter.default_handlers import JSONHandler

    handler = JSONHandler()
    rest = text[start:]
    # python-frontmatter's boundary: `{` alone on the first line, `}` alone on a later one.
    if not handler.detect(rest.replace("\r\n", "\n")):
        return {}, None, text, 1, YAML
    first_line, _, after = rest.partition("\n")
    # Text that merely starts with a brace is body: JSON front matter opens with a key.
    if first_line.rstrip("\r \t") != "{" or not regex.match(r'[ \t]*(?:"(?:[^"\\\n]|\\.)*"[ \t]*:|\}[ \t]*\r?$)', after):
        return {}, None, text, 1, YAML
    close = regex.search(r"^\}[ \t]*\r?$", rest, regex.M)
    if close is None:
        raise FrontMatterError("front matter opened with '{' on line 1 is never closed", path=path, line=1)
    fm_text = rest[: close.start() + 1].replace("\r\n", "\n").replace("\r", "\n")
    end = rest.find("\n", close.start())
    body, body_line = _after(rest, end, rest.count("\n", 0, close.start()) + 2)
    meta = load_mapping(fm_text, path=path, fmt=JSON)
    return meta, fm_text, body, body_line, JSON


def load_mapping(yaml_text: str, *, path: str = "<stdin>", fmt: str = YAML) -> dict[str, Any]:
    """The mapping of a front matter text, checked: size, syntax, a mapping, plain data only."""
    if len(yaml_text.encode("utf-8", "surrogatepass")) > MAX_FRONTMATTER_BYTES:
        raise FrontMatterError(
            f"front matter is larger than {MAX_FRONTMATTER_BYTES // 1024} KiB", path=path, line=2
        )
    if fmt != YAML:
        data = _load_other(yaml_text, fmt, path)
    else:
        try:
            data = read_yaml(yaml_text)
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


def _load_other(text: str, fmt: str, path: str) -> Any:
    """TOML (`tomllib`) or JSON front matter, with the checks YAML gets: no duplicate keys, no
    lone surrogates, numbers Python can read, a bounded depth. Dates become ISO text."""
    name = fmt.upper()
    try:
        if fmt == TOML:
            data = load_toml(text)
        else:
            data = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
        data = _checked(data, 0)
    except (ValueError, _Refused) as error:  # tomllib.TOMLDecodeError and JSONDecodeError too
        message = error.msg if isinstance(error, json.JSONDecodeError) else str(error)
        # JSON's text starts on line 1 (its `{`), TOML's on line 2 (after `+++`).
        at = getattr(error, "lineno", None) or _at_line(message)
        line = (at + (1 if fmt == TOML else 0)) if at else 2
        message = regex.sub(r"\s*\(at line \d+, column \d+\)$", "", message)
        if "integer string conversion" in message:
            message = "a number of more than 4,300 digits is too long to read"
        raise FrontMatterError(f"front matter is not valid {name}: {message}", path=path, line=line) from None
    except RecursionError:
        raise FrontMatterError("front matter is nested too deeply", path=path, line=2) from None
    return data


def _at_line(message: str) -> int | None:
    found = regex.search(r"\(at line (\d+)", message)
    return int(found.group(1)) if found else None


class _Refused(Exception):
    """A value TOML or JSON front matter may not hold."""


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _Refused(f"key {key!r} appears twice")
        result[key] = value
    return result


def _no_constant(name: str) -> Any:
    raise _Refused(f"{name} is not a JSON number")


def _checked(value: Any, depth: int) -> Any:
    """The value with lone surrogates refused, dates as ISO text, depth bounded."""
    if depth > MAX_DEPTH:
        raise _Refused(f"nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, str):
        lone = _SURROGATE.search(value)
        if lone is not None:
            raise _Refused(f"a lone surrogate (\\u{ord(lone.group()):04x}) is not a character")
        return value
    if isinstance(value, _dt.datetime):
        return value.isoformat()
    if isinstance(value, (_dt.date, _dt.time)):
        return value.isoformat()
    if isinstance(value, list):
        return [_checked(v, depth + 1) for v in value]
    if isinstance(value, dict):
        return {_checked(k, depth + 1): _checked(v, depth + 1) for k, v in value.items()}
    return value


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
        root = compose_front_matter(yaml_text)
    except (yaml.YAMLError, RecursionError):
        return None
    return entries_of(root)


def entries_of(root: Any) -> list[Entry] | None:
    """`entries` of a composed node tree."""
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


def field_lines(yaml_text: str | None, fmt: str = YAML) -> dict[str, int]:
    """Each top-level key's line in the input file (the opening fence is line 1)."""
    if not yaml_text:
        return {}
    if fmt != YAML:
        # TOML `key = …` or JSON `"key": …` at the start of a line: the first such line wins.
        keys: dict[str, int] = {}
        first = 2 if fmt == TOML else 1
        for number, line in enumerate(yaml_text.split("\n"), first):
            if fmt == TOML and line.lstrip().startswith("["):
                break
            m = regex.match(r'[ \t]*"?([^"=:\s]+)"?[ \t]*[=:]', line)
            if m:
                keys.setdefault(m.group(1), number)
        return keys
    found = entries(yaml_text)
    return {e.key: e.first + 2 for e in found} if found else {}


def splice(
    yaml_text: str | None, meta: Mapping[str, Any], rewrite: frozenset[str] = frozenset(), *, fmt: str = YAML
) -> str:
    """The front matter text for `meta`, changing as little of `yaml_text` as it can.

    Fields whose value is unchanged keep their lines byte for byte (comments and layout
    included); changed fields and those named in `rewrite` are written again with `dump`; new
    fields follow, in `meta`'s order. If the result would not read back as `meta`, the whole
    mapping is written with `dump` instead.
    """
    if fmt == JSON:
        return _write_json(yaml_text, meta)
    if fmt == TOML:
        return _write_toml(yaml_text, meta)
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
        data = read_yaml(text, text_dates=text_dates)
    except (yaml.YAMLError, RecursionError):
        return None
    if data is None:
        return {}
    return data if isinstance(data, dict) else None


# --- TOML and JSON front matter, written back in their own format --------------------------------


def _write_json(text: str | None, meta: Mapping[str, Any]) -> str:
    """The input's own text when nothing changed; else the object again, in its indentation."""
    if text:
        try:
            if _same_text(_checked(json.loads(text), 0), dict(meta)):
                return text
        except (ValueError, _Refused, RecursionError):
            pass
    indent = regex.match(r"\{\n([ \t]+)", text or "")
    try:
        return json.dumps(dict(meta), ensure_ascii=False, indent=indent.group(1) if indent else 2, default=str, allow_nan=False)
    except ValueError:
        raise FrontMatterError("JSON front matter cannot hold infinity or NaN") from None


_TOML_BARE_KEY = regex.compile(r"[A-Za-z0-9_-]+")


def _toml_key(key: str) -> str:
    return key if _TOML_BARE_KEY.fullmatch(key) else _toml_string(key)


def _toml_string(text: str) -> str:
    # JSON's string escapes are TOML basic-string escapes; DEL is the one control JSON leaves.
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def toml_value(value: Any) -> str:
    """A value as TOML writes it inline. TOML has no null: None cannot be written."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value:
            return "nan"
        if value in (float("inf"), float("-inf")):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, (_dt.date, _dt.time)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{_toml_key(k)} = {toml_value(v)}" for k, v in value.items()) + " }"
    raise FrontMatterError(f"TOML front matter cannot hold {show_type(value)}")


def show_type(value: Any) -> str:
    return "null" if value is None else f"a value of type {type(value).__name__}"


def _load_toml(text: str) -> dict[str, Any] | None:
    try:
        return _load_other(text, TOML, "")  # type: ignore[no-any-return]
    except FrontMatterError:
        return None


def _write_toml(text: str | None, meta: Mapping[str, Any]) -> str:
    """The input's own text with only the changed top-level `key = value` lines written again,
    removed or added; the whole mapping written again when that cannot say it."""
    old = _load_toml(text) if text else None
    if text and old is not None and _same_text(old, dict(meta)):
        return text
    if text and old is not None:
        spliced = _splice_toml(text, old, meta)
        if spliced is not None:
            back = _load_toml(spliced)
            if back is not None and _same_text(back, dict(meta)):
                return spliced
    return "".join(f"{_toml_key(k)} = {toml_value(v)}\n" for k, v in meta.items())


def _splice_toml(text: str, old: Mapping[str, Any], meta: Mapping[str, Any]) -> str | None:
    lines = text.splitlines(keepends=True)
    table = next((i for i, line in enumerate(lines) if line.lstrip().startswith("[")), len(lines))
    if list(k for k in meta if k in old) != [k for k in old if k in meta]:
        return None  # the keys' order changed
    for key in old:
        if key in meta and _same_text(old[key], meta[key]):
            continue
        pattern = regex.compile(r"[ \t]*(?:" + regex.escape(key) + "|" + regex.escape(_toml_string(key)) + r")[ \t]*=")
        at = [i for i in range(table) if pattern.match(lines[i])]
        if len(at) != 1 or _load_toml(lines[at[0]]) is None:
            return None  # in a table, or a value over several lines
        lines[at[0]] = f"{_toml_key(key)} = {toml_value(meta[key])}\n" if key in meta else ""
    added = "".join(f"{_toml_key(k)} = {toml_value(v)}\n" for k, v in meta.items() if k not in old)
    if lines[:table] and not lines[table - 1].endswith("\n"):
        lines[table - 1] += "\n"
    return "".join(lines[:table]) + added + "".join(lines[table:])


# --- python-frontmatter ---------------------------------------------------------------------------


def _toml_handler_class() -> type[Any]:
    from frontmatter.default_handlers import BaseHandler

    class TomlHandler(BaseHandler):
        """TOML front matter (`+++`) for python-frontmatter, read and written by this module.

        python-frontmatter's own TOML handler exists only when the `toml` package is installed;
        this one reads with the same safe loader as a file's front matter and writes as
        `splice` does, so `frontmatter.dumps(result.post)` works with our dependencies alone.
        """

        FM_BOUNDARY = regex.compile(r"^\+{3,}\s*$", regex.MULTILINE)  # type: ignore[assignment]
        START_DELIMITER = END_DELIMITER = "+++"

        def load(self, fm: str, **kwargs: object) -> Any:
            return load_mapping(fm, fmt=TOML)

        def export(self, metadata: dict[str, object], **kwargs: object) -> str:
            return _write_toml(None, metadata).strip()

    return TomlHandler


def post_handler(fmt: str) -> Any:
    """A python-frontmatter handler that writes front matter in `fmt` (yaml, toml or json)."""
    from frontmatter.default_handlers import JSONHandler, YAMLHandler

    if fmt == JSON:
        return JSONHandler()
    if fmt == TOML:
        return _toml_handler_class()()
    return YAMLHandler()


def post_format(handler: object) -> str:
    """The format (yaml, toml or json) a python-frontmatter handler reads, by its fence."""
    from frontmatter.default_handlers import JSONHandler

    if isinstance(handler, JSONHandler):
        return JSON
    return TOML if getattr(handler, "START_DELIMITER", None) == "+++" else YAML
