"""The Python API: `clean()` and `process()`."""

from __future__ import annotations

import dataclasses
from typing import Any

from .document import Change, Document, Warning
from .pipeline import Options, Pipeline


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
        if self.markdown != self.original_text:
            return True
        return any(c.step == "encoding" and c.rule == "utf8" for c in self.document.changes[:1])


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
    encoding: str | None = None,
    group: str | None = None,
    **options: Any,
) -> Result:
    """Clean one article and return the result with its change records and warnings.

    `raw` is text or bytes (the encoding is detected, or given as `encoding`, e.g. `"gbk"`).
    Options are those of `Options`, plus `only`, `skip` and `preset` to choose steps. Raises
    `CleanerError` for bad input. `group`: the document's template group when its front matter
    does not name its site (see `cleaner.templates`).

    Output is UTF-8 without a BOM: bytes in another encoding (or with a BOM) are a change even
    when the text is not, recorded first as `encoding/utf8` at line 1, column 1.
    """
    if pipeline is None:
        options.setdefault("now", run_time())
        pipeline = Pipeline.default(**options)
    doc = Document.parse(raw, path=path, protected_terms=pipeline.options.protected_terms, encoding=encoding)
    if group is not None:
        doc = doc.replace(group=group)
    original_text = _original_text(raw, doc, encoding)
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


def _original_text(raw: str | bytes, doc: Document, encoding: str | None) -> str:
    if isinstance(raw, str):
        return raw
    from .steps.encoding import decode_with_damage

    return decode_with_damage(raw, path=doc.path, encoding=encoding)[0]


def _with_reencoding(raw: bytes, doc: Document) -> Document:
    """Record that the bytes are re-encoded as UTF-8 (no step edits text for it, so the record
    holds the encodings, with offset -1 like a front matter change: no body text to replay)."""
    from .steps.encoding import reencoding

    was = reencoding(raw, doc.encoding)
    if was is None:
        return doc
    return doc.replace(changes=(Change("encoding", "utf8", 1, 1, was, "UTF-8", -1), *doc.changes))


def run_time() -> str:
    """The time of this run, as the `now` option takes it (read here, never inside a step)."""
    from datetime import datetime, timezone

    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def clean(raw: str | bytes, **options: Any) -> str:
    """Clean one article: raw text or bytes in, Markdown out.

    >>> clean("他说:我们明天见,好吗?")  # doctest: +SKIP
    '他说：我们明天见，好吗？\\n'
    """
    return process(raw, **options).markdown
