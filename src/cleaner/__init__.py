"""cleaner: scraped Chinese articles in, clean Markdown with validated front matter out.

    import cleaner
    md = cleaner.clean(raw)                      # raw: str or bytes
    result = cleaner.process(raw, to="hant")     # .markdown, .document, .changes, .warnings
    pipeline = cleaner.Pipeline.default(skip=["glossary"])
    cleaner.clean_files(["posts"], output="clean", jobs=4)   # a folder, as `cleaner posts -o clean`
    cleaner.clean_jsonl("corpus.jsonl", "clean.jsonl")      # records, as `cleaner --jsonl`
    doc = pipeline(cleaner.Document.parse(raw))
"""

from __future__ import annotations

from .api import Result, clean, process, render
from .document import Change, Document, Edit, Warning
from .errors import CleanerError, EncodingError, FrontMatterError, RuleFileError, UsageError
from .options import DataFile
from .pipeline import PRESETS, STEP_NAMES, Options, Pipeline

__version__ = "0.1.0"

# Folder and JSON Lines runs (after __version__, which their journals record).
from .runs import RunSettings, RunSummary, clean_files, clean_jsonl  # noqa: E402

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
    "RunSettings",
    "RunSummary",
    "clean",
    "clean_files",
    "clean_jsonl",
    "process",
    "render",
]
