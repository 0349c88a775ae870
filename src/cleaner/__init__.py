"""cleaner: scraped Chinese articles in, clean Markdown with validated front matter out.

    import cleaner
    md = cleaner.clean(raw)                      # raw: str or bytes
    result = cleaner.process(raw, to="hant")     # .markdown, .document, .changes, .warnings
    pipeline = cleaner.Pipeline.default(skip=["glossary"])
    doc = pipeline(cleaner.Document.parse(raw))
"""

from __future__ import annotations

from .api import Result, clean, process, render
from .document import Change, Document, Edit, Warning
from .errors import CleanerError, EncodingError, FrontMatterError, RuleFileError, UsageError
from .options import DataFile
from .pipeline import PRESETS, STEP_NAMES, Options, Pipeline

__version__ = "0.1.0"

__all__ = [
    "PRESETS",
    "STEP_NAMES",
    "Change",
    "CleanerError",
    "DataFile",
    "Document",
    "Edit",
    "EncodingError",
    "FrontMatterError",
    "Options",
    "Pipeline",
    "Result",
    "RuleFileError",
    "UsageError",
    "Warning",
    "__version__",
    "clean",
    "process",
    "render",
]
