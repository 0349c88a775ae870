"""CPU time of the text steps, each on the documents as the steps before it left them.

    .venv/bin/python benchmarks/step_cpu_bench.py          # this checkout
    PYTHONPATH=/path/to/other/src .venv/bin/python benchmarks/step_cpu_bench.py   # another

The four samples repeated to 4 MB, timed with process CPU time (a shared machine's load
changes wall time more than CPU time). Prints MB/s per step and for all steps together.
This is a benchmark, not a test: it asserts nothing about time.
"""

import time
from pathlib import Path

from cleaner import Document
from cleaner.pipeline import STEP_NAMES, Options, load_step

root = Path(__file__).resolve().parent.parent / "fixtures" / "samples"
samples = [p.read_bytes() for p in sorted(root.iterdir()) if p.name != "README.md"]
docs: list[bytes] = []
size = 0
while size < 4_000_000:
    for sample in samples:
        docs.append(sample)
        size += len(sample)
opts = Options(steps=STEP_NAMES)
current = [Document.parse(d) for d in docs]
times = {}
for name in STEP_NAMES:
    step = load_step(name)
    started = time.process_time()
    current = [step(d, opts) for d in current]
    times[name] = time.process_time() - started
mb = size / 1e6
print(" ".join(f"{n}={mb / times[n]:.1f}" for n in ("encoding", "boilerplate", "punctuation", "spacing", "paragraphs")), f"all={mb / sum(times.values()):.2f} MB/s")
