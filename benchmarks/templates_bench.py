"""Site templates (issue 25): what is removed, what it costs, and the memory of the counting pass.

    .venv/bin/python benchmarks/templates_bench.py                      # all three parts
    .venv/bin/python benchmarks/templates_bench.py --part quality --sites 200 --articles 50
    .venv/bin/python benchmarks/templates_bench.py --part throughput --sites 40 --articles 50
    .venv/bin/python benchmarks/templates_bench.py --part memory --sizes 100000,300000,1000000

The corpus is generated (`tests/sites.py`): `--sites` sites × `--articles` articles, each page an
article of our own generated sentences wrapped in its site's header, navigation and footer, with
per-page variants (dates, view counters, page numbers, spacing, the footer in Traditional script
on every fifth page); two articles per site quote the site's slogan.

- **quality**: learn from the corpus, clean every page with `--preset corpus`; the share of the
  template's lines removed (by the template or by a rule) and the article lines lost (must be 0).
  The breadcrumb line (`当前位置：首页 > 科技 > 正文`) names one of five sections, so it is on a
  fifth of a site's pages: with 50 articles that is 10 documents, over the threshold.
- **throughput**: the real command on a JSON Lines file, `-j 1`, one pass
  (`--no-learn-templates`) against two (`--learn-templates`); the ratio of their rates.
- **memory**: the counting pass alone (`Counts` per 64 documents, folded by a `Learner`) over
  N generated documents streamed in memory, in a fresh process per N; the peak resident memory
  (`ru_maxrss`) of that process. The sites are fixed (200), so a bigger N is more articles per
  site, as in a longer crawl of the same sites.

A benchmark, not a test: it prints numbers and asserts nothing about time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.sites import Site, corpus  # noqa: E402

import cleaner  # noqa: E402
from cleaner import templates  # noqa: E402


def quality(sites: int, articles: int) -> None:
    pages = corpus(sites, articles)
    started = time.perf_counter()
    template = templates.learn([(page.text, site.name) for site, _, page in pages])
    learned = time.perf_counter() - started
    pipeline = cleaner.Pipeline.default(preset="corpus", templates=template)
    template_total = template_removed = article_total = article_lost = by_template = 0
    lost_examples: list[str] = []
    started = time.perf_counter()
    for site, _, page in pages:
        result = cleaner.process(page.text, pipeline=pipeline, group=site.name)
        out = {line.strip() for line in result.markdown.splitlines()}
        by_template += sum(1 for c in result.changes if c.rule == "template")
        for line in page.template_lines:
            template_total += 1
            template_removed += line.strip() not in out
        for line in page.article_lines:
            article_total += 1
            if line.strip() not in out:
                article_lost += 1
                lost_examples.append(line)
    cleaned = time.perf_counter() - started
    print(f"quality: {sites} sites x {articles} articles = {len(pages)} documents")
    print(f"  template lines removed: {template_removed}/{template_total} = {template_removed / template_total:.2%}"
          f" ({by_template} by the template rule, the rest by built-in rules)")
    print(f"  article lines lost: {article_lost}/{article_total}" + (f" e.g. {lost_examples[:3]}" if lost_examples else ""))
    print(f"  learned {template.line_count} lines in {len(template.groups)} groups in {learned:.1f} s; cleaned in {cleaned:.1f} s")


def _write_jsonl(path: Path, sites: int, articles: int) -> int:
    size = 0
    with path.open("w", encoding="utf-8") as out:
        for site, _, page in corpus(sites, articles):
            line = json.dumps({"text": page.text, "site": site.name}, ensure_ascii=False) + "\n"
            size += len(line.encode("utf-8"))
            out.write(line)
    return size


def throughput(sites: int, articles: int, repeat: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "corpus.jsonl"
        size = _write_jsonl(source, sites, articles)
        base = [sys.executable, "-m", "cleaner", "--jsonl", str(source), "--preset", "corpus", "--group-by", "site", "-j", "1", "-q"]
        times: dict[str, list[float]] = {"one pass": [], "two passes": []}
        cpu: dict[str, list[float]] = {"one pass": [], "two passes": []}
        for _ in range(repeat):
            for name, flag in (("one pass", "--no-learn-templates"), ("two passes", "--learn-templates")):
                target = Path(tmp) / f"{name.replace(' ', '-')}.jsonl"
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                started = time.perf_counter()
                subprocess.run([*base, flag, "-o", str(target)], check=True)
                times[name].append(time.perf_counter() - started)
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpu[name].append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        one, two = min(times["one pass"]), min(times["two passes"])
        one_cpu, two_cpu = min(cpu["one pass"]), min(cpu["two passes"])
        print(f"throughput: {sites * articles} documents, {size / 1e6:.1f} MB, -j 1, best of {repeat}"
              f" (load average {os.getloadavg()[0]:.1f})")
        print(f"  one pass:   {one:.1f} s wall, {one_cpu:.1f} s CPU, {size / 1e6 / one:.2f} MB/s")
        print(f"  two passes: {two:.1f} s wall, {two_cpu:.1f} s CPU, {size / 1e6 / two:.2f} MB/s")
        print(f"  two-pass throughput over one-pass: {one / two:.2f} by wall clock, {one_cpu / two_cpu:.2f} by CPU time")


def _memory_child(documents: int) -> None:
    """Count `documents` generated pages of 200 sites; print the peak RSS in MB."""
    sites = [Site.make(n) for n in range(200)]
    learner = templates.Learner()
    counts = templates.Counts()
    started = time.perf_counter()
    for i in range(documents):
        site = sites[i % len(sites)]
        page = site.page(i // len(sites), slogan=i < 2 * len(sites))
        templates.count_raw(counts, page.text, path="x", hint=site.name, group_by=None)
        if (i + 1) % templates.FILES_PER_TASK == 0:
            learner.add(counts)
            counts = templates.Counts()
    learner.add(counts)
    template = learner.template()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({
        "documents": documents, "peak_mb": round(peak, 1), "seconds": round(time.perf_counter() - started, 1),
        "repeated_keys": len(learner.repeated), "template_lines": template.line_count,
    }))


def memory(sizes: list[int]) -> None:
    print("memory of the counting pass (fresh process per size; 200 sites):")
    for size in sizes:
        proc = subprocess.run([sys.executable, __file__, "--memory-child", str(size)], check=True, capture_output=True, text=True)
        row = json.loads(proc.stdout.strip().splitlines()[-1])
        print(f"  {row['documents']:>9,} documents: peak {row['peak_mb']:.0f} MB, {row['seconds']:.0f} s,"
              f" {row['repeated_keys']:,} keys counted exactly, {row['template_lines']:,} template lines")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--part", choices=("quality", "throughput", "memory", "all"), default="all")
    parser.add_argument("--sites", type=int, default=200)
    parser.add_argument("--articles", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--sizes", default="100000,300000,1000000")
    parser.add_argument("--memory-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        _memory_child(args.memory_child)
        return
    print(f"python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs")
    if args.part in ("quality", "all"):
        quality(args.sites, args.articles)
    if args.part in ("throughput", "all"):
        throughput(args.sites, args.articles, args.repeat)
    if args.part in ("memory", "all"):
        memory([int(s) for s in args.sizes.split(",")])


if __name__ == "__main__":
    main()
