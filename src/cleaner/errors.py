"""The errors `cleaner` raises. Each renders as one line: where, then what is wrong."""

from __future__ import annotations


class CleanerError(Exception):
    """Bad input or bad usage. `str(error)` is the one line the command line prints."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line

    def __str__(self) -> str:
        where = self.path or ""
        if self.line is not None:
            where = f"{where}:{self.line}" if where else f"line {self.line}"
        return f"{where}: {self.message}" if where else self.message


class EncodingError(CleanerError):
    """The input is not text in an encoding we read (binary data, an image, truncated UTF-16)."""


class FrontMatterError(CleanerError):
    """The front matter cannot be read, or a field fails validation; `field` names it."""

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message, path=path, line=line)
        self.field = field


class RuleFileError(CleanerError):
    """A rule, glossary, schema or config file is invalid; the message names file, entry, problem."""


class UsageError(CleanerError):
    """Options that do not fit together, or an unknown step or value."""
