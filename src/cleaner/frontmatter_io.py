"""Reading front matter safely: split it off the body and load it without surprises.

The loader is PyYAML's safe loader with aliases refused (no "billion laughs") and a size limit.
Values are read as YAML 1.1 reads them; the `frontmatter` step decides how they are written back.
"""

from __future__ import annotations

from typing import Any

import yaml

from .errors import FrontMatterError

MAX_FRONTMATTER_BYTES = 64 * 1024


class _NoAliasSafeLoader(yaml.SafeLoader):
    def compose_node(self, parent: Any, index: Any) -> Any:  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.YAMLError(
                f"aliases are not allowed (*{event.anchor}) at line {event.start_mark.line + 1}"
            )
        return super().compose_node(parent, index)


def load_yaml(text: str) -> Any:
    """Load YAML the safe way: no object tags, no aliases. Raises yaml.YAMLError."""
    return yaml.load(text, Loader=_NoAliasSafeLoader)  # noqa: S506 - the loader is safe


def split_frontmatter(text: str, *, path: str = "<stdin>") -> tuple[dict[str, Any], str | None, str, int]:
    """Split `---` front matter off a text: (mapping, YAML text, body, first body line).

    Text without front matter gives ({}, None, text, 1). A BOM before the opening `---` does
    not hide it. Front matter that is not a mapping, is too large, or is not valid YAML raises
    `FrontMatterError` naming the line.
    """
    start = 1 if text.startswith("\ufeff") else 0
    if not text.startswith("---", start):
        return {}, None, text, 1
    first_end = text.find("\n", start)
    if first_end == -1 or text[start:first_end].rstrip("\r \t") != "---":
        return {}, None, text, 1
    pos = first_end + 1
    line_no = 2
    while pos <= len(text):
        end = text.find("\n", pos)
        line = text[pos : end if end != -1 else len(text)]
        if line.rstrip("\r \t") in ("---", "..."):
            yaml_text = text[first_end + 1 : pos].replace("\r\n", "\n").replace("\r", "\n")
            body = text[end + 1 :] if end != -1 else ""
            body_line = line_no + 1
            if body.startswith("\n"):  # the blank line that separates front matter from body
                body, body_line = body[1:], body_line + 1
            meta = _load_mapping(yaml_text, path)
            return meta, yaml_text, body, body_line
        if end == -1:
            break
        pos = end + 1
        line_no += 1
    raise FrontMatterError("front matter opened with '---' on line 1 is never closed", path=path, line=1)


def _load_mapping(yaml_text: str, path: str) -> dict[str, Any]:
    if len(yaml_text.encode("utf-8")) > MAX_FRONTMATTER_BYTES:
        raise FrontMatterError(
            f"front matter is larger than {MAX_FRONTMATTER_BYTES // 1024} KiB", path=path, line=2
        )
    try:
        data = load_yaml(yaml_text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 2 if mark is not None else 2
        problem = error.problem or error.context or "invalid YAML"
        raise FrontMatterError(f"front matter is not valid YAML: {problem}", path=path, line=line) from None
    except yaml.YAMLError as error:
        raise FrontMatterError(f"front matter is not valid YAML: {error}", path=path, line=2) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise FrontMatterError(
            f"front matter must be a mapping of fields, not a {type(data).__name__}", path=path, line=2
        )
    for key in data:
        if not isinstance(key, str):
            raise FrontMatterError(f"front matter key {key!r} is not a string", path=path, line=2)
    return data
