"""`Options`, the step registry, presets, and `Pipeline`.

A step is a function `(Document, Options) -> Document` in its own module under `steps/`, named
as the step. Registering one is one line in `REGISTRY`. A `Pipeline` holds steps already bound
to their options, so to it every step is a plain `Document -> Document` callable, and a user's
own function fits in beside the built-in ones.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import inspect
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

from .document import Document
from .errors import RuleFileError, UsageError

if TYPE_CHECKING:
    from .templates import Template

# The public step names, in their default order, and where each one lives.
REGISTRY: dict[str, str] = {
    "encoding": "cleaner.steps.encoding:encoding",
    "mojibake": "cleaner.steps.mojibake:mojibake",
    "boilerplate": "cleaner.steps.boilerplate:boilerplate",
    "script": "cleaner.steps.script:script",
    "punctuation": "cleaner.steps.punctuation:punctuation",
    "spacing": "cleaner.steps.spacing:spacing",
    "glossary": "cleaner.steps.glossary:glossary",
    "paragraphs": "cleaner.steps.paragraphs:paragraphs",
    "frontmatter": "cleaner.steps.frontmatter:frontmatter",
}
STEP_NAMES: tuple[str, ...] = tuple(REGISTRY)

# The text steps that also clean the front matter's prose strings, in pipeline order. A step whose
# function takes a `strings` argument (the `frontmatter` step) is handed them as a pipeline of
# their own, bound to the same options (`string_pipeline`): no step imports another.
STRING_STEPS: tuple[str, ...] = ("encoding", "mojibake", "script", "punctuation", "spacing")

# Named option sets. `corpus` repairs and removes without rewriting style (for training data).
PRESETS: dict[str, dict[str, Any]] = {
    "house": {"steps": STEP_NAMES},
    # Training data wants less chrome more than every short line: the corpus preset takes the
    # aggressive boilerplate setting unless the options say otherwise (docs/rules.md).
    "corpus": {"steps": ("encoding", "mojibake", "boilerplate", "paragraphs"), "boilerplate_mode": "aggressive"},
}

TARGETS = ("hans", "hant", "tw", "hk", "keep")
SPACINGS = ("remove", "add", "keep")
BOILERPLATE_MODES = ("conservative", "balanced", "aggressive", "off")


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
class Options:
    """Every option of every step, as one immutable value (copy with `dataclasses.replace`)."""

    to: str = "hans"
    spacing: str = "remove"
    glossary: tuple[DataFile, ...] = ()
    builtin_glossary: bool = True
    rules: tuple[DataFile, ...] = ()
    disable_rules: tuple[str, ...] = ()
    schema: DataFile | None = None
    meta: tuple[tuple[str, Any], ...] = ()
    frontmatter: bool = True
    extract_meta: bool = False
    protected_terms: tuple[str, ...] = ()
    heading_level: int = 2
    # How far the boilerplate step's context classifier goes: conservative, balanced, aggressive
    # (docs/rules.md gives each one's measured trade-off), or off (the rules alone).
    boilerplate_mode: str = "balanced"
    # The time of the run (ISO 8601), given once per run so steps stay pure: `frontmatter`
    # rejects dates after it and takes the year from it for `05月01日`. None: no such checks.
    now: str | None = None
    # The steps the pipeline runs, so `frontmatter` applies to strings only the text steps chosen.
    steps: tuple[str, ...] | None = None
    # A site template learned from many documents (`cleaner.templates`): its lines are removed
    # by the `boilerplate` step. `group_by`: the front matter field naming a document's group.
    templates: Template | None = None
    group_by: str | None = None

    def __post_init__(self) -> None:
        if self.to not in TARGETS:
            raise UsageError(f"--to must be one of {', '.join(TARGETS)}, not {self.to!r}")
        if self.spacing not in SPACINGS:
            raise UsageError(f"--spacing must be one of {', '.join(SPACINGS)}, not {self.spacing!r}")
        if self.boilerplate_mode not in BOILERPLATE_MODES:
            raise UsageError(
                f"--boilerplate must be one of {', '.join(BOILERPLATE_MODES)}, not {self.boilerplate_mode!r}"
            )
        if not 1 <= self.heading_level <= 6:
            raise UsageError(f"heading_level must be 1 to 6, not {self.heading_level}")

    @property
    def meta_dict(self) -> dict[str, Any]:
        return dict(self.meta)

    @classmethod
    def make(cls, **options: Any) -> Options:
        """Build options from keyword values as a user writes them: paths, lists, a dict."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(options) - known)
        if unknown:
            raise UsageError(f"unknown option {unknown[0]!r}")
        values: dict[str, Any] = dict(options)
        for name in ("glossary", "rules"):
            if name in values:
                values[name] = tuple(_data_file(v) for v in _as_list(values[name]))
        if values.get("schema") is not None:
            values["schema"] = _data_file(values["schema"])
        if "meta" in values:
            meta = values["meta"] or {}
            values["meta"] = tuple(meta.items()) if isinstance(meta, Mapping) else tuple(meta)
        if values.get("templates") is not None:
            from .templates import Template

            if not isinstance(values["templates"], Template):
                values["templates"] = Template.read(values["templates"])
        for name in ("disable_rules", "protected_terms", "steps"):
            if name in values:
                values[name] = tuple(_as_list(values[name]))
        return cls(**values)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, (str, Path, DataFile)):
        return [value]
    return list(value)


def _data_file(value: Any) -> DataFile:
    return value if isinstance(value, DataFile) else DataFile.read(value)


StepFunction = Callable[[Document], Document]


def load_step(name: str) -> Callable[..., Document]:
    """The function registered under a public step name."""
    try:
        target = REGISTRY[name]
    except KeyError:
        raise UsageError(f"unknown step {name!r} (steps: {', '.join(STEP_NAMES)})") from None
    module_name, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module_name), attribute)  # type: ignore[no-any-return]


def _bound_step(name: str, options: Options) -> Callable[..., Document]:
    """The function a pipeline runs for a step: with a template, `boilerplate` also removes its lines."""
    if name == "boilerplate" and options.templates is not None:
        from .templates import boilerplate_with_templates

        return boilerplate_with_templates
    return load_step(name)


def validate(options: Options, steps: Iterable[str] = STEP_NAMES) -> None:
    """Let each step check its options (parse rule files, schemas) before any document runs.

    A step module may define `check_options(options)`, raising `RuleFileError` with the file,
    the entry and the problem. Doing it here means a bad rule file fails once, up front.
    """
    for name in steps:
        module = importlib.import_module(REGISTRY[name].partition(":")[0])
        check = getattr(module, "check_options", None)
        if check is not None:
            check(options)


def string_pipeline(options: Options) -> Pipeline:
    """The `STRING_STEPS` the options choose (all of them when `options.steps` is None), bound to
    the options: what a step that cleans front matter strings runs over each one."""
    chosen = options.steps
    names = [n for n in STRING_STEPS if chosen is None or n in chosen]
    return Pipeline([(n, functools.partial(load_step(n), options=options)) for n in names], options)


def bind_step(name: str, options: Options) -> StepFunction:
    """The registered step bound to its options (and, if it takes them, to `string_pipeline`)."""
    function = _bound_step(name, options)
    if "strings" in inspect.signature(function).parameters:
        return functools.partial(function, options=options, strings=string_pipeline(options))
    return functools.partial(function, options=options)


StepLike = Union[StepFunction, tuple[str, StepFunction]]


class Pipeline:
    """An ordered list of named steps; calling it runs them over a `Document`. Picklable."""

    def __init__(self, steps: Iterable[StepLike], options: Options | None = None) -> None:
        named: list[tuple[str, StepFunction]] = []
        for item in steps:
            if isinstance(item, tuple):
                named.append(item)
            elif isinstance(item, str):
                raise UsageError("Pipeline takes step functions; use Pipeline.default(only=[...]) for names")
            else:
                named.append((getattr(item, "__name__", "step"), item))
        self.steps: tuple[tuple[str, StepFunction], ...] = tuple(named)
        self.options = options or Options()

    @classmethod
    def default(
        cls,
        *,
        only: Sequence[str] | None = None,
        skip: Sequence[str] = (),
        preset: str = "house",
        **options: Any,
    ) -> Pipeline:
        """The built-in steps in their order, bound to `Options.make(**options)`."""
        if preset not in PRESETS:
            raise UsageError(f"unknown preset {preset!r} (presets: {', '.join(PRESETS)})")
        if "_options" not in options and "boilerplate_mode" in PRESETS[preset]:
            options.setdefault("boilerplate_mode", PRESETS[preset]["boilerplate_mode"])
        opts = options.pop("_options", None) or Options.make(**options)
        for name in [*(only or ()), *skip]:
            if name not in REGISTRY:
                raise UsageError(f"unknown step {name!r} (steps: {', '.join(STEP_NAMES)})")
        chosen = [n for n in STEP_NAMES if n in (only or PRESETS[preset]["steps"]) and n not in skip]
        opts = dataclasses.replace(opts, steps=tuple(chosen))
        validate(opts, chosen)
        return cls([(n, bind_step(n, opts)) for n in chosen], opts)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.steps)

    def with_step(
        self, step: StepFunction, *, after: str | None = None, before: str | None = None, name: str | None = None
    ) -> Pipeline:
        """A new pipeline with a user's step added after (or before) a named one, or at the end."""
        entry: tuple[str, StepFunction] = (name or str(getattr(step, "__name__", "step")), step)
        steps = list(self.steps)
        anchor = after or before
        if anchor is None:
            steps.append(entry)
        else:
            if anchor not in self.names:
                raise UsageError(f"no step {anchor!r} in this pipeline ({', '.join(self.names)})")
            index = self.names.index(anchor) + (1 if after else 0)
            steps.insert(index, entry)
        return Pipeline(steps, self.options)

    def __call__(self, doc: Document) -> Document:
        for name, step in self.steps:
            result = step(doc)
            if not isinstance(result, Document):
                raise TypeError(f"step {name!r} returned {type(result).__name__}, not a Document")
            doc = result
        return doc

    def __repr__(self) -> str:
        return f"Pipeline([{', '.join(self.names)}])"
