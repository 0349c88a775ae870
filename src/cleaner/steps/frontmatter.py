"""The `frontmatter` step: merge `--meta` into the front matter and write it back.

First pass (issue 10): fields given with `--meta` / `meta=` are merged in (they win), and front
matter that changed is emitted again as YAML (keys in the input's order, added keys after,
`allow_unicode`, no line wrapping). Front matter nobody changed is written exactly as it came.
Issue 14 adds normalization, dates, JSON Schema validation and `--extract-meta`.
"""

from __future__ import annotations

from typing import Any

import yaml

from ..document import Document

STEP = "frontmatter"


def frontmatter(doc: Document, options: Any = None) -> Document:
    """Merge the options' metadata into the document's front matter."""
    meta_options = dict(getattr(options, "meta", ()) or ())
    if not meta_options:
        return doc
    merged = dict(doc.meta)
    merged.update(meta_options)
    if merged == dict(doc.meta) and doc.frontmatter is not None:
        return doc
    return doc.replace(meta=merged, frontmatter=dump(merged))


def dump(meta: dict[str, Any]) -> str:
    """YAML text for a mapping: insertion order, Unicode as is, no wrapping."""
    return yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=2**31 - 1, default_flow_style=False)
