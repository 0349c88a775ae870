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
from .errors import UsageError
from .options import CommonOptions, Declared, as_list, declared, option
from .options import DataFile as DataFile  # re-exported: its home before options.py
from .steps.boilerplate import MODES, BoilerplateOptions
from .steps.frontmatter import FrontmatterOptions
from .steps.glossary import GlossaryOptions
from .steps.paragraphs import ParagraphsOptions
from .steps.script import TARGETS, ScriptOptions
from .steps.spacing import SPACINGS, SpacingOptions

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
# The step a learned site template (`cleaner.templates`) extends: its lines are that step's removals.
TEMPLATE_STEP = "boilerplate"
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

BOILERPLATE_MODES = MODES

# Each step's options class, declared at the top of its module; `Options` is all of them.
OPTION_CLASSES: dict[str, type[Any]] = {
    "boilerplate": BoilerplateOptions,
    "script": ScriptOptions,
    "spacing": SpacingOptions,
    "glossary": GlossaryOptions,
    "paragraphs": ParagraphsOptions,
    "frontmatter": FrontmatterOptions,
    "": CommonOptions,
}


@dataclasses.dataclass(frozen=True)
class Options(
    FrontmatterOptions, ParagraphsOptions, GlossaryOptions, SpacingOptions, ScriptOptions, BoilerplateOptions, CommonOptions
):
    """Every option of every step, as one immutable value (copy with `dataclasses.replace`).

    The fields are declared in the step modules (`SpacingOptions` in steps/spacing.py, …);
    `OPTIONS` lists them with their help, as the command line, config files and docs show them.
    """

    def __post_init__(self) -> None:
        for item in OPTIONS:
            value = getattr(self, item.name)
            if item.spec.kind == "choice" and value not in item.spec.choices:
                raise UsageError(f"{item.name} must be one of {', '.join(item.spec.choices)}, not {value!r}")
        if isinstance(self.heading_level, bool) or not isinstance(self.heading_level, int) or not 1 <= self.heading_level <= 6:
            raise UsageError(f"heading_level must be 1 to 6, not {self.heading_level!r}")

    @property
    def meta_dict(self) -> dict[str, Any]:
        return dict(self.meta)

    @classmethod
    def make(cls, **options: Any) -> Options:
        """Build options from keyword values as a user writes them: paths, lists, a dict.

        Every name of `OPTIONS` is accepted, and its aliases (`protect` for `protected_terms`).
        """
        values: dict[str, Any] = {}
        for key, value in options.items():
            item = find_option(key, OPTIONS)
            if item is None:
                if key in ("now", "steps"):
                    values[key] = tuple(as_list(value)) if key == "steps" and value is not None else value
                    continue
                raise UsageError(f"unknown option {key!r}{_did_you_mean(key)}")
            values[item.name] = _convert(item, value)
        return cls(**values)


def _convert(item: Declared, value: Any) -> Any:
    """A value as a user gives it (a path, one string or a list, a dict) as the field holds it."""
    kind = item.spec.kind
    if kind == "files":
        return tuple(_data_file(v) for v in as_list(value))
    if kind == "file":
        if value is None:
            return None
        return item.spec.convert(value) if item.spec.convert is not None else _data_file(value)
    if kind == "meta":
        meta = value or {}
        return tuple(meta.items()) if isinstance(meta, Mapping) else tuple(meta)
    if kind == "terms":
        return tuple(as_list(value))
    if kind == "steps":  # `"glossary"` or `"glossary,spacing"` or a list
        return tuple(s.strip() for v in as_list(value) for s in str(v).split(",") if s.strip())
    return value


# Choosing the steps is done by `Pipeline.default`, not by a step; declared the same way.
@dataclasses.dataclass(frozen=True)
class StepChoice:
    only: tuple[str, ...] = option((), kind="steps", metavar="STEP[,STEP]", help="run only these steps")
    skip: tuple[str, ...] = option((), kind="steps", metavar="STEP[,STEP]", help="leave out these steps")
    preset: str = option(
        "house", kind="choice", choices=tuple(PRESETS), help="house: every step; corpus: encoding, mojibake, boilerplate (aggressive), paragraphs, for training corpora"
    )


def _declarations() -> tuple[Declared, ...]:
    found: list[Declared] = []
    for step, options_class in OPTION_CLASSES.items():
        own = vars(options_class).get("__annotations__", {})
        for item in declared(options_class):
            if item.name in own:
                found.append(dataclasses.replace(item, spec=dataclasses.replace(item.spec, step=step)))
    return tuple(found)


# Every option a user can set, in the order `--help` and docs/cli.md show them.
OPTIONS: tuple[Declared, ...] = _declarations()
STEP_CHOICE: tuple[Declared, ...] = declared(StepChoice)


def find_option(name: str, among: Iterable[Declared] | None = None) -> Declared | None:
    """The option a name (`heading-level`, `heading_level`, an alias like `protect`) stands for."""
    key = name.replace("-", "_")
    for item in among if among is not None else (*OPTIONS, *STEP_CHOICE):
        if key in item.names:
            return item
    return None


def _did_you_mean(name: str) -> str:
    import difflib

    names = [n for item in (*OPTIONS, *STEP_CHOICE) for n in item.names]
    close = difflib.get_close_matches(name.replace("-", "_"), names, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _data_file(value: Any) -> DataFile:
    return value if isinstance(value, DataFile) else DataFile.read(value)


def rule_ids(options: Options | None = None) -> dict[str, frozenset[str]]:
    """Every step's rule ids (its `RULES`, or its `rule_ids(options)` for data-driven ones)."""
    options = options or Options()
    found: dict[str, frozenset[str]] = {}
    for name in STEP_NAMES:
        module = importlib.import_module(REGISTRY[name].partition(":")[0])
        ids = getattr(module, "rule_ids", None)
        found[name] = frozenset(ids(options)) if ids is not None else frozenset(getattr(module, "RULES", {}))
    return found


def check_disabled(options: Options) -> None:
    """Every `--disable-rule` name is a rule id of some step (or `step/rule`), whatever steps run."""
    if not options.disable_rules:
        return
    known = rule_ids(options)
    every = set().union(*known.values())
    for name in options.disable_rules:
        step, sep, rule = name.partition("/")
        if (sep and rule in known.get(step, ())) or (not sep and name in every):
            continue
        import difflib

        close = difflib.get_close_matches(name, sorted(every), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else " (see docs/rules.md, cleaner --explain-rules)"
        raise UsageError(f"disable_rules: no rule or category {name!r} in any step{hint}")


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
    """The function a pipeline runs for a step: with a template, `TEMPLATE_STEP` also removes its lines."""
    if name == TEMPLATE_STEP and options.templates is not None:
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


@functools.lru_cache(maxsize=16)
def _bound_steps(opts: Options) -> tuple[tuple[str, StepFunction], ...]:
    """The chosen steps (`opts.steps`), checked and bound to `opts`.

    Options are frozen values that hold the content of their files, so the same options always
    bind the same steps: `clean()` called once per record of a corpus builds them once, not per
    call (binding checks every step's options and rule files, about as long as cleaning a
    short record). A failed check raises and is not cached.
    """
    chosen = opts.steps or ()
    check_disabled(opts)
    validate(opts, chosen)
    return tuple((n, bind_step(n, opts)) for n in chosen)


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
        only: str | Sequence[str] | None = None,
        skip: str | Sequence[str] = (),
        preset: str = "house",
        **options: Any,
    ) -> Pipeline:
        """The built-in steps in their order, bound to `Options.make(**options)`.

        `only` and `skip` take step names as a list or one string (`"glossary"`, `"a,b"`).
        """
        if preset not in PRESETS:
            raise UsageError(f"unknown preset {preset!r} (presets: {', '.join(PRESETS)})")
        if "_options" not in options and "boilerplate_mode" in PRESETS[preset]:
            options.setdefault("boilerplate_mode", PRESETS[preset]["boilerplate_mode"])
        opts = options.pop("_options", None) or Options.make(**options)
        only_names: tuple[str, ...] = _convert(STEP_CHOICE[0], only)
        skip_names: tuple[str, ...] = _convert(STEP_CHOICE[1], skip)
        for name in [*only_names, *skip_names]:
            if name not in REGISTRY:
                raise UsageError(f"unknown step {name!r} (steps: {', '.join(STEP_NAMES)})")
        chosen = [n for n in STEP_NAMES if n in (only_names or PRESETS[preset]["steps"]) and n not in skip_names]
        opts = dataclasses.replace(opts, steps=tuple(chosen))
        try:
            hash(opts)
        except TypeError:  # a value given as a list or dict (`meta={"tags": [...]}`) cannot key a cache
            return cls(_bound_steps.__wrapped__(opts), opts)
        return cls(_bound_steps(opts), opts)

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
        disabled = frozenset(self.options.disable_rules)
        if disabled != doc.disabled_rules:
            doc = doc.replace(disabled_rules=disabled)
        for name, step in self.steps:
            result = step(doc)
            if not isinstance(result, Document):
                raise TypeError(f"step {name!r} returned {type(result).__name__}, not a Document")
            doc = result
        return doc

    def __repr__(self) -> str:
        return f"Pipeline([{', '.join(self.names)}])"
