"""How an option is declared, once, beside the step that reads it.

Each step module opens with a frozen dataclass of its options (`SpacingOptions`, …) whose fields
are made by `option()`: the default, the help line, the choices and the kind of value. `Options`
(pipeline.py) inherits every step's class, so a step is typed against its own class and
`mypy --strict` catches a misspelt option, while the config reader, the command line, `--help`,
the Python API's keyword check and the options table of docs/cli.md are all built by walking
`dataclasses.fields(Options)` and reading the `OptionSpec` each field carries (see
docs/architecture.md, "Adding an option").

One name per option: the field name is the Python keyword (`heading_level`), the command line
flag is `--heading-level`, and a config file takes `heading-level` or `heading_level`. A few
options keep an older, shorter spelling as an alias (`--protect` for `protected_terms`), accepted
everywhere the name is.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from .errors import RuleFileError

# What a value looks like, which decides how the command line and a config file read it:
# - "choice": one of `choices` (a string);   - "int": a whole number;   - "float": a number;
# - "text": any one string;   - "path": a file name the run writes (not read up front);
# - "flag": a boolean (`--x`, or `--no-x` when the default is true);
# - "terms": a list of strings (repeatable flag);   - "steps": step names, comma-separated;
# - "files": a list of data files (repeatable);
# - "file": one data file;   - "meta": KEY=VALUE pairs (a table in a config file);
# - "internal": set by the run, not by a user (the clock, the chosen steps).
Kind = Literal["choice", "int", "float", "text", "flag", "terms", "steps", "files", "file", "path", "meta", "internal"]


@dataclasses.dataclass(frozen=True)
class OptionSpec:
    """What the user-facing side needs to know about one option field."""

    help: str
    kind: Kind
    choices: tuple[str, ...] = ()
    metavar: str = ""
    # Other names accepted for the option (flag, config key and keyword), kept for old spellings.
    aliases: tuple[str, ...] = ()
    # The step that reads it; "" for options of the whole run.
    step: str = ""
    # How a "file" value becomes what the field holds (default: read as a `DataFile`).
    convert: Callable[[Any], Any] | None = None

    def flag(self, name: str) -> str:
        """The command line flag: `--no-x` turns off an option that is on by default."""
        return "--" + self.cli_name(name)

    def cli_name(self, name: str) -> str:
        return name.replace("_", "-")


def option(
    default: Any,
    *,
    help: str,  # noqa: A002 - the word argparse uses
    kind: Kind,
    choices: Sequence[str] = (),
    metavar: str = "",
    aliases: Sequence[str] = (),
    convert: Callable[[Any], Any] | None = None,
) -> Any:
    """A dataclass field that declares an option (its default, help, kind, choices, aliases)."""
    spec = OptionSpec(
        help=help, kind=kind, choices=tuple(choices), metavar=metavar, aliases=tuple(aliases), convert=convert
    )
    return dataclasses.field(default=default, metadata={"option": spec})


@dataclasses.dataclass(frozen=True)
class DataFile:
    """A user's data file (glossary, rules, schema), read once before any step runs.

    Steps get the text, never the path, so they stay free of I/O; each step module parses and
    validates its own format (and caches the parsed form by value).
    """

    path: str
    text: str

    @classmethod
    def read(cls, path: str | Path) -> DataFile:
        try:
            return cls(str(path), Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise RuleFileError("no such file", path=str(path)) from None
        except IsADirectoryError:
            raise RuleFileError("is a directory, not a file", path=str(path)) from None
        except UnicodeDecodeError as error:
            raise RuleFileError(f"not UTF-8 text (byte {error.start})", path=str(path)) from None
        except OSError as error:
            raise RuleFileError(error.strerror or str(error), path=str(path)) from None


@dataclasses.dataclass(frozen=True)
class Declared:
    """One option as the user sees it: its Python name, its spec, its default."""

    name: str
    spec: OptionSpec
    default: Any

    @property
    def names(self) -> tuple[str, ...]:
        """Every accepted spelling, with `_` (config keys may use `-` for `_`)."""
        return (self.name, *(a.replace("-", "_") for a in self.spec.aliases))

    @property
    def flag(self) -> str:
        if self.spec.kind == "flag" and self.default is True:
            return "--no-" + self.spec.cli_name(self.name)
        return self.spec.flag(self.name)


def declared(options_class: type[Any], step_of: Mapping[str, str] | None = None) -> tuple[Declared, ...]:
    """The options a dataclass declares, in field order (internal ones left out)."""
    found = []
    for field in dataclasses.fields(options_class):
        spec = field.metadata.get("option")
        if spec is None or spec.kind == "internal":
            continue
        if step_of and field.name in step_of:
            spec = dataclasses.replace(spec, step=step_of[field.name])
        found.append(Declared(field.name, spec, field.default))
    return tuple(found)


def as_list(value: Any) -> list[Any]:
    """A value that may be one item or several, as a list (a string is one item)."""
    if value is None:
        return []
    if isinstance(value, (str, Path, DataFile)):
        return [value]
    return list(value)


@dataclasses.dataclass(frozen=True)
class CommonOptions:
    """Options of the whole run that several steps read."""

    protected_terms: tuple[str, ...] = option(
        (), kind="terms", metavar="TERM", aliases=("protect",), help="a term no step may change (repeatable)"
    )
    disable_rules: tuple[str, ...] = option(
        (),
        kind="terms",
        metavar="ID",
        aliases=("disable-rule",),
        help="turn off a rule of any step, or a boilerplate category (repeatable; `step/rule` also works)",
    )
    # The time of the run (ISO 8601), given once per run so steps stay pure: `frontmatter`
    # rejects dates after it and takes the year from it for `05月01日`. None: no such checks.
    now: str | None = option(None, kind="internal", help="the time of the run")
    # The steps the pipeline runs, so `frontmatter` applies to strings only the text steps chosen.
    steps: tuple[str, ...] | None = option(None, kind="internal", help="the steps the pipeline runs")
