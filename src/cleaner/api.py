"""The Python API: `clean()` and `process()`."""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypedDict, Union

from .document import REPAIR, Change, ChangeLog, Document, Warning
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

if TYPE_CHECKING:
    import frontmatter

# What `process()` and `clean()` read: text, bytes (the encoding is detected), or a
# python-frontmatter `Post` (its metadata and content, as `frontmatter.load` gives them).
Input = Union[str, bytes, "frontmatter.Post"]


@dataclasses.dataclass(frozen=True)
class Result:
    """What `process()` gives back: the Markdown and everything known about how it was made."""

    markdown: str
    document: Document
    original_body: str
    original_text: str
    options: Options | None = None

    @property
    def changes(self) -> ChangeLog:
        return self.document.changes

    @property
    def warnings(self) -> tuple[Warning, ...]:
        return self.document.warnings

    @property
    def changed(self) -> bool:
        if self.markdown != self.original_text:
            return True
        return any(c.step == "encoding" and c.rule == "utf8" for c in self.document.changes[:1])

    @property
    def post(self) -> frontmatter.Post:
        """The result as a python-frontmatter `Post`: the cleaned metadata and body.

        Its content is the body as `frontmatter.loads(result.markdown)` reads it (no final
        newline), its handler the front matter's format (YAML, TOML or JSON), so
        `frontmatter.dumps(result.post)` writes it in that format. The metadata is there even
        when the options leave front matter out of `markdown`.
        """
        import frontmatter

        from .frontmatter_io import post_handler

        doc = self.document
        content = render(doc, frontmatter=False).strip()
        return frontmatter.Post(content, post_handler(doc.frontmatter_format), **dict(doc.meta))


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
    raw: Input,
    *,
    path: str = "<stdin>",
    pipeline: Pipeline | None = None,
    encoding: str | None = None,
    group: str | None = None,
    **options: Unpack[CleanOptions],
) -> Result:
    """Clean one article and return the result with its change records and warnings.

    `raw` is text, bytes (the encoding is detected, or given as `encoding`, e.g. `"gbk"`) or a
    python-frontmatter `Post`. The options (below) choose the steps and set them up; with a ready
    `pipeline`, the options are its own and none may be given here. Raises `CleanerError` for
    bad input, `UsageError` for bad options, `TypeError` for a `raw` that is none of those.
    `group`: the document's template group when its front matter does not name its site
    (see `cleaner.templates`).

    Output is UTF-8 without a BOM: bytes in another encoding (or with a BOM) are a change even
    when the text is not, recorded first as `encoding/utf8` at line 1, column 1.
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
    if not isinstance(raw, (str, bytes)):
        raw = post_text(raw)
    doc = Document.parse(raw, path=path, protected_terms=pipeline.options.protected_terms, encoding=encoding)
    if group is not None:
        doc = doc.replace(group=group)
    original_text = doc.original_text if doc.original_text is not None else ""
    result = pipeline(doc)
    if isinstance(raw, bytes):
        result = _with_reencoding(raw, result)
    markdown = render(result, frontmatter=pipeline.options.frontmatter)
    return Result(
        markdown=markdown,
        document=result,
        original_body=doc.body,
        original_text=original_text,
        options=pipeline.options,
    )


def _with_reencoding(raw: bytes, doc: Document) -> Document:
    """Record that the bytes are re-encoded as UTF-8 (no step edits text for it, so the record
    holds the encodings, with offset -1 like a front matter change: no body text to replay)."""
    from .decode import reencoding

    was = reencoding(raw, doc.encoding)
    if was is None:
        return doc
    reencode = Change("encoding", "utf8", 1, 1, was, "UTF-8", -1, kind=REPAIR, category="encoding")
    return doc.replace(changes=(reencode,) + doc.changes)


def post_text(post: frontmatter.Post) -> str:
    """A python-frontmatter `Post` as the text of an article: its metadata as front matter in
    the handler's format (YAML when it has none), a blank line, its content.

    The text is read back by `Document.parse`, so a Post's metadata is checked exactly as front
    matter in a file is (a value no format can hold raises `FrontMatterError`).
    """
    import yaml

    from .errors import FrontMatterError
    from .frontmatter_io import post_format, splice

    fmt = post_format(getattr(post, "handler", None))
    meta = dict(post.metadata)
    try:
        text = splice(None, meta, fmt=fmt) if meta else None
    except (yaml.YAMLError, TypeError, ValueError) as error:
        problem = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise FrontMatterError(f"the Post's metadata cannot be written as {fmt.upper()} front matter: {problem}") from None
    shell = Document(body=str(post.content), frontmatter=text, frontmatter_format=fmt)
    return render(shell)


def run_time() -> str:
    """The time of this run, as the `now` option takes it (read here, never inside a step)."""
    from datetime import datetime, timezone

    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _check_raw(raw: object) -> None:
    if isinstance(raw, (str, bytes, bytearray)) or (hasattr(raw, "content") and hasattr(raw, "metadata")):
        return  # text, bytes, or a python-frontmatter `Post`
    raise TypeError(f"raw must be str, bytes or a frontmatter.Post, not {type(raw).__name__}")


def clean(raw: Input, *, encoding: str | None = None, **options: Unpack[CleanOptions]) -> str:
    """Clean one article: raw text or bytes in (bytes in `encoding` if given), Markdown out.

    >>> clean("他说:我们明天见,好吗?")
    '他说：我们明天见，好吗？\\n'
    """
    return process(raw, encoding=encoding, **options).markdown


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
