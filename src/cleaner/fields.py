"""What the steps that touch front matter share: the schema, which strings are prose, and how a
change to a field is recorded.

The `frontmatter` step validates and rewrites the front matter; other steps (the `glossary`)
apply their rules to its prose strings too. Both read the schema and pick the prose strings
here, so no step imports another.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from functools import lru_cache
from importlib import resources
from typing import Any, NamedTuple

import yaml

from .document import REWRITE, Change
from .errors import RuleFileError
from .frontmatter_io import load_yaml

# Fields that hold names for machines (templates, paths, identifiers), never prose.
MACHINE_KEYS = frozenset(
    {"layout", "permalink", "slug", "url", "source", "id", "uuid", "lang", "locale", "template", "type", "status"}
)
DATE_KEYS = frozenset({"date", "updated", "lastmod", "published", "publishDate", "expiryDate", "modified"})


@lru_cache(maxsize=1)
def _builtin_schema_text() -> str:
    return resources.files("cleaner").joinpath("data/schema/frontmatter.schema.json").read_text(encoding="utf-8")


@lru_cache(maxsize=16)
def _parse_schema(text: str, path: str) -> dict[str, Any]:
    try:
        if path.endswith((".yaml", ".yml")):
            schema = load_yaml(text)
        else:
            schema = json.loads(text)
    except json.JSONDecodeError as error:
        raise RuleFileError(f"not valid JSON: {error.msg} (line {error.lineno})", path=path) from None
    except yaml.YAMLError as error:
        raise RuleFileError(f"not valid YAML: {error}", path=path) from None
    if not isinstance(schema, dict):
        raise RuleFileError("a JSON Schema must be an object", path=path)
    from jsonschema import exceptions, validators

    cls = validators.validator_for(schema)
    try:
        cls.check_schema(schema)
    except exceptions.SchemaError as error:
        where = "/".join(str(p) for p in error.absolute_path)
        raise RuleFileError(f"not a valid JSON Schema: {error.message}" + (f" (at {where})" if where else ""), path=path) from None
    return schema


def schema_of(options: Any) -> dict[str, Any]:
    """The schema the options choose: the user's `--schema`, or the built-in one."""
    data = getattr(options, "schema", None)
    if data is not None:
        return _parse_schema(data.text, data.path)
    return _parse_schema(_builtin_schema_text(), "<built-in schema>")



def property_schema(schema: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    props = schema.get("properties")
    if isinstance(props, Mapping) and isinstance(props.get(key), Mapping):
        return props[key]  # type: ignore[no-any-return]
    return {}



def _is_machine(sub: Mapping[str, Any]) -> bool:
    return any(k in sub for k in ("format", "pattern", "enum", "const"))


def is_text_field(key: str, schema: Mapping[str, Any]) -> bool:
    """Whether a field's strings are prose that text steps and the glossary may normalize.

    Not: machine fields (`layout`, `source`, `slug`, …), fields the schema constrains with a
    format, pattern, enum or const (dates, URLs, tag slugs), or dates.
    """
    if key in MACHINE_KEYS or key in DATE_KEYS:
        return False
    sub = property_schema(schema, key)
    if _is_machine(sub):
        return False
    items = sub.get("items")
    return not (isinstance(items, Mapping) and _is_machine(items))


class TextValue(NamedTuple):
    """A string of the front matter that text rules may change: `label` names it in reports
    (`summary`, `people[1]`), `place` is its index in a list (None for a plain field)."""

    key: str
    place: int | None
    value: str

    @property
    def label(self) -> str:
        return self.key if self.place is None else f"{self.key}[{self.place}]"


def text_values(meta: Mapping[str, Any], schema: Mapping[str, Any]) -> Iterator[TextValue]:
    """The prose strings of a front matter mapping: top-level strings and strings in lists."""
    for key, value in meta.items():
        if not is_text_field(key, schema):
            continue
        if isinstance(value, str):
            yield TextValue(key, None, value)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, str):
                    yield TextValue(key, index, item)


def replace_value(meta: dict[str, Any], key: str, index: int | None, value: str) -> None:
    if index is None:
        meta[key] = value
    else:
        items = list(meta[key])
        items[index] = value
        meta[key] = items


def frontmatter_change(
    step: str, label: str, rule: str, line: int, before: str, after: str, column: int = 1, kind: str = REWRITE
) -> Change:
    """A change to the front matter (not the body): offset -1, rule `frontmatter:<field>:<rule>`.

    `kind` is what it is, as for a body change (a text step's repair of a title is a repair).
    """
    return Change(step, f"frontmatter:{label}:{rule}", line, column, before, after, -1, kind=kind, category=step)
