"""Run ftfy's own test cases through the `mojibake` step (issue 20, item 4).

    python benchmarks/ftfy_cases.py [--cache DIR] [--show N]

ftfy's source distribution on the package registry holds `tests/test_cases.json`: mojibake
collected from the web (Czech, Greek, Cyrillic, Hebrew, Arabic, Devanagari, Tamil, cp437
box drawing, MacRoman, lossy and partly repaired lines) and text that must be left alone. At
benchmark time (never at run time) this script fetches that sdist for the installed ftfy version
with `pip download --no-binary :all: --no-deps` into a cache folder outside the repository, reads
the JSON from the archive, and compares:

- ftfy itself, configured as the step configures it (Chinese punctuation, curly quotes and
  full-width forms left alone): the reference;
- the `mojibake` step alone;
- `encoding` + `mojibake`, the repair stage of every preset (`encoding` turns a no-break space
  into a space, and some cases hold one inside the damage).

A case counts as passed when the output equals the case's `fixed-encoding` text (or `fixed`
where it has none: the same text). Cases whose expected text is their input are the negative
cases: "untouched" counts how many come out exactly as they went in. The cases are never copied
into the repository.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tarfile
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from cleaner import Document  # noqa: E402
from cleaner.steps.encoding import encoding  # noqa: E402
from cleaner.steps.mojibake import _ftfy_config, mojibake  # noqa: E402

DEFAULT_CACHE = Path.home() / ".cache" / "cleaner-benchmarks"


def ftfy_cases(cache: Path) -> list[dict[str, Any]]:
    """The cases of the installed ftfy version's sdist, fetched into `cache` once."""
    wanted = version("ftfy")
    cache.mkdir(parents=True, exist_ok=True)
    archives = sorted(cache.glob(f"ftfy-{wanted}.tar.gz"))
    if not archives:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--no-binary", ":all:", "--no-deps", f"ftfy=={wanted}", "-d", str(cache)],
            check=True,
        )
        archives = sorted(cache.glob(f"ftfy-{wanted}.tar.gz"))
    with tarfile.open(archives[0]) as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith("tests/test_cases.json"))
        handle = tar.extractfile(member)
        assert handle is not None
        cases: list[dict[str, Any]] = json.loads(handle.read().decode("utf-8"))
    return cases


def expected(case: dict[str, Any]) -> str:
    return str(case.get("fixed-encoding", case["fixed"]))


def step_alone(text: str) -> str:
    return mojibake(Document(body=text)).body


def repair_stage(text: str) -> str:
    return mojibake(encoding(Document(body=text)).replace(changes=())).body


def reference(text: str) -> str:
    import ftfy

    return str(ftfy.fix_text(text, _ftfy_config()))


def score(name: str, run: Callable[[str], str], cases: list[dict[str, Any]], show: int) -> None:
    marked = [c for c in cases if c["expect"] == "pass"]
    passed = [c for c in marked if run(c["original"]) == expected(c)]
    negative = [c for c in marked if c["original"] == expected(c)]
    untouched = [c for c in negative if run(c["original"]) == c["original"]]
    print(
        f"  {name:22} passes {len(passed):3d}/{len(marked)} of the cases marked pass;"
        f" negative cases untouched {len(untouched)}/{len(negative)}"
    )
    for c in [c for c in marked if c not in passed][:show]:
        print(f"      {c['label'][:50]}: {c['original'][:50]!r} -> {run(c['original'])[:50]!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="where the sdist is kept (outside the repo)")
    parser.add_argument("--show", type=int, default=10, help="failures to print per configuration")
    args = parser.parse_args()
    cases = ftfy_cases(args.cache)
    print(f"ftfy {version('ftfy')}: {len(cases)} cases")
    score("ftfy (step's config)", reference, cases, args.show)
    score("mojibake step alone", step_alone, cases, args.show)
    score("encoding + mojibake", repair_stage, cases, args.show)


if __name__ == "__main__":
    main()
