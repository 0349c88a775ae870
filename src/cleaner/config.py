"""Options files: `cleaner.toml`, or `[tool.cleaner]` in `pyproject.toml`, found upward.

The keys are the option names, as declared beside each step (`pipeline.OPTIONS`) and as the
command line spells them without `--`: `heading-level` or `heading_level`, `protect` or
`protected-terms`, `disable-rule`, … (docs/cli.md has the table), plus `only`, `skip`, `preset`,
and the run settings `glob` and `jobs`. Paths are relative to the file they are in. The file is
looked for from the folder of the first input upward (as black does), then from the working
folder.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .errors import CleanerError, RuleFileError
from .options import Declared, declared, option
from .pipeline import OPTIONS, STEP_CHOICE, STEP_NAMES, find_option
from .text import TOMLDecodeError, load_toml


# Settings of a command line run that a config file may hold too (the command line's flags win).
@dataclasses.dataclass(frozen=True)
class RunSettings:
    glob: tuple[str, ...] = option((), kind="terms", metavar="PATTERN", help="which files to take from folders")
    jobs: int | None = option(None, kind="int", metavar="N", help="worker processes (default: the CPU count)")
    # Site templates (docs/scale.md#templates): the two-pass run over a corpus.
    learn_templates: bool | None = option(
        None, kind="flag", help="first learn each site's repeated lines from every input, then remove them"
    )
    save_templates: str | None = option(None, kind="path", metavar="FILE", help="write the learned templates as JSON")
    template_min_documents: int | None = option(
        None, kind="int", metavar="N", help="a template line occurs in at least N documents of its site"
    )
    template_min_share: float | None = option(
        None, kind="float", metavar="SHARE", help="… and in at least this share of them"
    )


RUN_SETTINGS: tuple[Declared, ...] = declared(RunSettings)
KEYS: tuple[Declared, ...] = (*OPTIONS, *STEP_CHOICE, *RUN_SETTINGS)


def discover(start: Path) -> Path | None:
    """The nearest `cleaner.toml`, or `pyproject.toml` with a `[tool.cleaner]` table, upward."""
    start = start.resolve()
    for folder in (start, *start.parents):
        candidate = folder / "cleaner.toml"
        if candidate.is_file():
            return candidate
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and _has_tool_table(pyproject):
            return pyproject
    return None


def discover_for(inputs: Iterable[str], cwd: Path) -> Path | None:
    """The options file for a run: from the first input's folder upward, else the working folder's."""
    for name in inputs:
        if name == "-":
            continue
        path = Path(name)
        found = discover(path if path.is_dir() else path.parent)
        if found is not None:
            return found
        break
    return discover(cwd)


def _has_tool_table(path: Path) -> bool:
    try:
        data = load_toml(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, TOMLDecodeError):
        return False
    return isinstance(data.get("tool"), dict) and "cleaner" in data["tool"]


def load(path: Path) -> dict[str, Any]:
    """Read and check an options file; paths in it become absolute. Raises RuleFileError.

    The values come back under the options' Python names (`protect` gives `protected_terms`).
    """
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
        item = find_option(raw_key, KEYS)
        negated = None if item is not None else find_option(raw_key.replace("-", "_").removeprefix("no_"), KEYS)
        if negated is not None and negated.spec.kind == "flag" and raw_key.replace("-", "_").startswith("no_"):
            # The flag's own spelling: `no-frontmatter = true` is `frontmatter = false`.
            options[negated.name] = not _checked(negated, raw_key, value, path)
            continue
        if item is None:
            names = ", ".join(sorted(k.spec.cli_name(k.name) for k in KEYS))
            raise RuleFileError(f"{raw_key}: unknown option (options: {names})", path=str(path))
        options[item.name] = _checked(item, raw_key, value, path)
    return options


def _checked(item: Declared, key: str, value: Any, path: Path) -> Any:
    """A config value checked against its declaration; an error names the file and the key."""
    kind = item.spec.kind

    def fail(problem: str) -> CleanerError:
        return RuleFileError(f"{key}: {problem}", path=str(path))

    if kind in ("terms", "files", "steps"):
        value = [value] if isinstance(value, str) else value
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise fail(f"must be a list of strings, not {value!r}")
        if kind == "files":
            return [str(path.parent / v) for v in value]
        if kind == "steps":
            names = [s.strip() for v in value for s in v.split(",") if s.strip()]
            for name in names:
                if name not in STEP_NAMES:
                    raise fail(f"unknown step {name!r} (steps: {', '.join(STEP_NAMES)})")
            return names
        return value
    if kind in ("file", "path"):
        if not isinstance(value, str):
            raise fail(f"must be a path, not {value!r}")
        return str(path.parent / value)
    if kind == "text":
        if not isinstance(value, str):
            raise fail(f"must be a string, not {value!r}")
        return value
    if kind == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise fail(f"must be a number, not {value!r}")
        return float(value)
    if kind == "meta":
        if not isinstance(value, dict):
            raise fail(f"must be a table, not {value!r}")
        return value
    if kind == "flag":
        if not isinstance(value, bool):
            raise fail(f"must be true or false, not {value!r}")
        return value
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise fail(f"must be a whole number, not {value!r}")
        if item.name == "heading_level" and not 1 <= value <= 6:
            raise fail(f"must be 1 to 6, not {value}")
        if item.name == "jobs" and value < 1:
            raise fail(f"must be 1 or more, not {value}")
        return value
    if kind == "choice":
        if value not in item.spec.choices:
            raise fail(f"must be one of {', '.join(item.spec.choices)}, not {value!r}")
        return value
    return value
