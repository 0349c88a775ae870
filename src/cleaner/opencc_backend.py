"""One OpenCC converter per configuration per process, whichever package provides `opencc`.

Two packages install the `opencc` module: the official binding (configs named `t2s.json`) and
the pure-Python `opencc-python-reimplemented` (configs named `t2s`). Every module that converts
script (`script`, `boilerplate`, `mojibake`, `encoding`) gets its converter here, so none of them
needs to know which package is installed.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Protocol, cast


class Converter(Protocol):
    def convert(self, text: str) -> str: ...


def _is_reimplementation(module: Any) -> bool:
    # opencc-python-reimplemented's class has set_conversion and no compiled core.
    return hasattr(module.OpenCC, "set_conversion")


@lru_cache(maxsize=1)
def backend() -> str:
    """The OpenCC package in use and its version, for the report.

    >>> backend()  # e.g. 'opencc 1.4.2 (official binding)'; the version is the installed one
    'opencc...'
    """
    import opencc

    if _is_reimplementation(opencc):
        from importlib.metadata import PackageNotFoundError, version

        try:
            number = version("opencc-python-reimplemented")
        except PackageNotFoundError:
            number = "unknown version"
        return f"opencc-python-reimplemented {number} (pure Python)"
    return f"opencc {getattr(opencc, '__version__', 'unknown version')} (official binding)"


# A surrogate code point in a str (from a `\\ud800` escape in JSON) has no UTF-8 form, and the
# official binding encodes its input to UTF-8 first.
_SURROGATES = re.compile("([\ud800-\udfff]+)")


class SurrogateSafe:
    """A converter that never hands OpenCC a surrogate: the text between them is converted, and
    they come back where they were, as any character OpenCC does not know would."""

    def __init__(self, inner: Converter) -> None:
        self.inner = inner

    def convert(self, text: str) -> str:
        if _SURROGATES.search(text) is None:
            return self.inner.convert(text)
        parts = _SURROGATES.split(text)  # text, surrogates, text, …: odd places are surrogates
        return "".join(part if i % 2 else self.inner.convert(part) if part else "" for i, part in enumerate(parts))


@lru_cache(maxsize=None)
def converter(config: str) -> Converter:
    """The converter for a config stem (`t2s`, `s2t`, `s2twp`, …), built once per process."""
    import opencc

    stem = config.removesuffix(".json")
    # The two packages type their classes differently (or not at all): a cast serves both.
    if _is_reimplementation(opencc):
        return SurrogateSafe(cast(Converter, opencc.OpenCC(stem)))
    return SurrogateSafe(cast(Converter, opencc.OpenCC(stem + ".json")))


def convert(text: str, config: str) -> str:
    return converter(config).convert(text)
