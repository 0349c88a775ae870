"""One OpenCC converter per configuration per process, whichever package provides `opencc`.

Two packages install the `opencc` module: the official binding (configs named `s2t.json`) and
the pure-Python `opencc-python-reimplemented` (configs named `s2t`). Both are handled here, so
no other module needs to know which one is installed.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=None)
def converter(config: str) -> Any:
    """The converter for a config name without suffix (`s2t`, `t2s`, `s2twp`, …), made once."""
    import opencc

    last_error: Exception | None = None
    for name in (f"{config}.json", config):
        try:
            return opencc.OpenCC(name)
        except Exception as error:  # the two packages raise different errors for a wrong name
            last_error = error
    raise RuntimeError(f"OpenCC has no config {config!r}: {last_error}")


def convert(text: str, config: str) -> str:
    return converter(config).convert(text)  # type: ignore[no-any-return]


def backend() -> str:
    """Which OpenCC package is installed, with its version, for the report."""
    from importlib import metadata

    for dist in ("opencc", "OpenCC", "opencc-python-reimplemented"):
        try:
            return f"{dist} {metadata.version(dist)}"
        except metadata.PackageNotFoundError:
            continue
    return "opencc (unknown version)"
