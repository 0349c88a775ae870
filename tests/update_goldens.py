"""Rewrite the golden files from the current code: `python -m tests.update_goldens`.

Then read `git diff fixtures/golden/` line by line before committing: a golden file states what
the tool does today, damage included, and a diff is a change of behaviour someone must accept.
"""

from __future__ import annotations

import sys
from pathlib import Path

import cleaner

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "fixtures" / "samples"
GOLDEN = ROOT / "fixtures" / "golden"

# name of golden file -> (sample, options)
CASES: dict[str, tuple[str, dict]] = {}
for sample in sorted(SAMPLES.iterdir()):
    if sample.name == "README.md":
        continue
    CASES[sample.stem + ".md"] = (sample.name, {})
# The clean post with the example glossary of its transcription slips (fixtures/glossary/).
CASES["clean-post-with-frontmatter.glossary.md"] = (
    "clean-post-with-frontmatter.md",
    {"glossary": [str(ROOT / "fixtures" / "glossary" / "example.toml")]},
)


def render_case(name: str) -> str:
    sample, options = CASES[name]
    return cleaner.clean((SAMPLES / sample).read_bytes(), **options)


def main() -> int:
    GOLDEN.mkdir(parents=True, exist_ok=True)
    changed = 0
    for name in CASES:
        text = render_case(name)
        path = GOLDEN / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed += 1
            print(f"updated {path.relative_to(ROOT)}")
    print(f"{changed} of {len(CASES)} golden files changed; read `git diff fixtures/golden/` before committing")
    return 0


if __name__ == "__main__":
    sys.exit(main())
