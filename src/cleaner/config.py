"""Options files: `cleaner.toml`, or `[tool.cleaner]` in `pyproject.toml`, found upward.

Keys are the long command-line option names, with `-` or `_`: `to`, `spacing`, `glossary`,
`rules`, `schema`, `meta` (a table), `only`, `skip`, `preset`, `no-frontmatter`, `extract-meta`,
`disable-rules`, `protected-terms`, `heading-level`, `boilerplate-mode`. Paths are relative to the file they are in.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .errors import RuleFileError
from .text import TOMLDecodeError, load_toml

KEYS = {
    "to": str,
    "spacing": str,
    "glossary": list,
    "rules": list,
    "schema": str,
    "meta": dict,
    "only": list,
    "skip": list,
    "preset": str,
    "no_frontmatter": bool,
    "extract_meta": bool,
    "disable_rules": list,
    "protected_terms": list,
    "heading_level": int,
    "boilerplate_mode": str,
    "templates": str,
    "group_by": str,
}
_PATH_KEYS = ("glossary", "rules", "schema", "templates")


def discover(start: Path) -> Path | None:
    """The nearest `cleaner.toml`, or `pyproject.toml` with a `[tool.cleaner]` table, upward."""
    for folder in (start, *start.parents):
        candidate = folder / "cleaner.toml"
        if candidate.is_file():
            return candidate
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and _has_tool_table(pyproject):
            return pyproject
    return None


def _has_tool_table(path: Path) -> bool:
    try:
        data = load_toml(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, TOMLDecodeError):
        return False
    return isinstance(data.get("tool"), dict) and "cleaner" in data["tool"]


def load(path: Path) -> dict[str, Any]:
    """Read and check an options file; paths in it become absolute. Raises RuleFileError."""
    try:
        data = load_toml(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RuleFileError("no such config file", path=str(path)) from None
    except (OSError, UnicodeDecodeError) as error:
        raise RuleFileError(f"cannot read config file: {error}", path=str(path)) from None
    except TOMLDecodeError as error:
        raise RuleFileError(f"invalid TOML: {error}", path=str(path)) from None
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("cleaner", {})
    options: dict[str, Any] = {}
    for raw_key, value in data.items():
        key = raw_key.replace("-", "_")
        if key not in KEYS:
            raise RuleFileError(f"unknown option {raw_key!r} (options: {', '.join(sorted(KEYS))})", path=str(path))
        expected = KEYS[key]
        if expected is list and isinstance(value, str):
            value = [value]
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise RuleFileError(f"option {raw_key!r} must be a {expected.__name__}, not {value!r}", path=str(path))
        if key in _PATH_KEYS:
            value = [str(path.parent / str(v)) for v in value] if isinstance(value, list) else str(path.parent / str(value))
        options[key] = value
    return options
