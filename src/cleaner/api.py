"""The Python API: `clean()` and `process()`."""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypedDict

from .document import Change, Document, Warning
from .errors import UsageError
from .options import DataFile
from .pipeline import OPTIONS, STEP_CHOICE, Options, Pipeline

if TYPE_CHECKING:
    from .templates import Template

    if sys.version_info >= (3, 11):
        from typing import Unpack
    else:
        from typing_extensions import Unpack

PathLike = str | Path | DataFile


class CleanOptions(TypedDict, total=False):
    """The keyword options of `clean()` and `process()`, typed so that an IDE completes them and
    a type checker refuses a misspelt one (`spacng="add"`). They mirror `pipeline.OPTIONS` (the
    declarations beside each step) and `STEP_CHOICE`; tests/test_options.py checks that they do.
    """

    only: str | Sequence[str]
    skip: str | Sequence[str]
    preset: Literal["house", "corpus"]
    rules: PathLike | Sequence[PathLike]
    boilerplate_mode: Literal["conservative", "balanced", "aggressive", "off"]
    templates: str | Path | Template | None
    group_by: str | None
    to: Literal["hans", "hant", "tw", "hk", "keep"]
    spacing: Literal["remove", "add", "keep"]
    glossary: PathLike | Sequence[PathLike]
    builtin_glossary: bool
    heading_level: int
    schema: PathLike | None
    meta: Mapping[str, Any]
    frontmatter: bool
    extract_meta: bool
    protected_terms: str | Sequence[str]
    disable_rules: str | Sequence[str]
    now: str | None


@dataclasses.dataclass(frozen=True)
class Result:
    """What `process()` gives back: the Markdown and everything known about how it was made."""

    markdown: str
    document: Document
    original_body: str
    original_text: str
    options: Options | None = None

    @property
    def changes(self) -> tuple[Change, ...]:
        return self.document.changes

    @property
    def warnings(self) -> tuple[Warning, ...]:
        return self.document.warnings

    @property
    def changed(self) -> bool:
        return self.markdown != self.original_text


def render(doc: Document, *, frontmatter: bool = True) -> str:
    """The output text: front matter first when there is any, the body, one final newline."""
    body = doc.body
    if "\r" in body:  # the output is LF-only even when the `encoding` step was skipped
        body = body.replace("\r\n", "\n").replace("\r", "\n")
    body = body.rstrip("\n")
    body = body + "\n" if body.strip() else ""
    if frontmatter and doc.frontmatter is not None:
        yaml_text = doc.frontmatter if doc.frontmatter.endswith("\n") or not doc.frontmatter else doc.frontmatter + "\n"
        if doc.frontmatter_format == "json":  # the object is its own fence
            return yaml_text + (f"\n{body}" if body else "")
        fence = "+++" if doc.frontmatter_format == "toml" else "---"
        return f"{fence}\n{yaml_text}{fence}\n" + (f"\n{body}" if body else "")
    return body


def process(
    raw: str | bytes,
    *,
    path: str = "<stdin>",
    pipeline: Pipeline | None = None,
    group: str | None = None,
    **options: Unpack[CleanOptions],
) -> Result:
    """Clean one article and return the result with its change records and warnings.

    `raw` is text or bytes (the encoding is detected). The options (below) choose the steps
    and set them up; with a ready `pipeline`, the options are its own and none may be given
    here. Raises `CleanerError` for bad input, `UsageError` for bad options, `TypeError` for
    a `raw` that is not text or bytes.
    `group`: the document's template group when its front matter does not name its site
    (see `cleaner.templates`).
    """
    _check_raw(raw)
    if pipeline is not None:
        if options:
            names = ", ".join(sorted(options))
            raise UsageError(
                f"options belong to the pipeline: give {names} to Pipeline.default(...), not to process() with pipeline="
            )
    else:
        given: dict[str, Any] = dict(options)
        given.setdefault("now", run_time())
        pipeline = Pipeline.default(**given)
    doc = Document.parse(raw, path=path, protected_terms=pipeline.options.protected_terms)
    if group is not None:
        doc = doc.replace(group=group)
    original_text = _original_text(raw, doc)
    result = pipeline(doc)
    markdown = render(result, frontmatter=pipeline.options.frontmatter)
    return Result(
        markdown=markdown,
        document=result,
        original_body=doc.body,
        original_text=original_text,
        options=pipeline.options,
    )


def _original_text(raw: str | bytes, doc: Document) -> str:
    if isinstance(raw, str):
        return raw
    from .steps.encoding import decode

    return decode(raw, path=doc.path)[0]


def run_time() -> str:
    """The time of this run, as the `now` option takes it (read here, never inside a step)."""
    from datetime import datetime, timezone

    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _check_raw(raw: object) -> None:
    if not isinstance(raw, (str, bytes, bytearray)):
        raise TypeError(f"raw must be str or bytes, not {type(raw).__name__}")


def clean(raw: str | bytes, **options: Unpack[CleanOptions]) -> str:
    """Clean one article: raw text or bytes in, Markdown out.

    >>> clean("他说:我们明天见,好吗?")  # doctest: +SKIP
    '他说：我们明天见，好吗？\\n'
    """
    return process(raw, **options).markdown


def _options_doc() -> str:
    """The options list that `help(clean)` and `help(process)` show, from the declarations."""
    lines = ["", "Options (keyword arguments; docs/cli.md has the table):", ""]
    for item in (*STEP_CHOICE, *OPTIONS):
        choices = f" {{{', '.join(item.spec.choices)}}}" if item.spec.choices else ""
        default = f" (default {item.default!r})" if item.default not in ((), None) else ""
        lines.append(f"    {item.name}{choices}: {item.spec.help}{default}")
    return "\n".join(lines) + "\n"


clean.__doc__ = (clean.__doc__ or "") + _options_doc()
process.__doc__ = (process.__doc__ or "") + _options_doc()
