"""The pipeline on Dask: bags of texts or records, and JSON Lines files on any fsspec filesystem.

    import dask.bag as db
    from distributed import Client
    import cleaner.dask

    client = Client("tcp://scheduler:8786")              # or Client(LocalCluster(...))
    texts = db.from_sequence(raw_articles, npartitions=64)
    markdown = cleaner.dask.clean_texts(texts, to="hans").compute()
    stats, errors = cleaner.dask.clean_jsonl("s3://bucket/raw/*.jsonl.gz", "s3://bucket/clean/")

Every element gets exactly what `cleaner.clean` gives it (no state is shared between documents),
so a cluster run equals a sequential run byte for byte. The pipeline is built once, on the
client, and shipped to the workers. Install with `pip install 'cleaner[dask]'`; importing
`cleaner` alone never imports Dask.
"""

from __future__ import annotations

import contextlib
import posixpath
import uuid
from collections.abc import Iterator, Sequence
from typing import Any

try:
    import dask.bag as db
    import fsspec
except ImportError as error:  # pragma: no cover - exercised only without the extra
    raise ImportError("cleaner.dask needs the dask extra: pip install 'cleaner[dask]'") from error

from .batch import Stats
from .jsonl import RecordSettings, clean_record, clean_stream
from .pipeline import Pipeline

__all__ = ["DaskExecutor", "clean_jsonl", "clean_records", "clean_texts", "executor", "learn_templates"]


def _pipeline(pipeline: Pipeline | None, options: dict[str, Any]) -> Pipeline:
    if pipeline is not None and options:
        raise TypeError("pass either a pipeline or options, not both")
    return pipeline if pipeline is not None else Pipeline.default(**options)


def _clean_text(text: str | bytes, pipeline: Pipeline) -> str:
    from .api import process

    return process(text, pipeline=pipeline).markdown


def clean_texts(bag: db.Bag, *, pipeline: Pipeline | None = None, **options: Any) -> db.Bag:
    """A bag of raw articles (str or bytes) to a bag of their Markdown, element for element.

    Bad input (not text, unreadable front matter) raises `CleanerError` when the bag is computed,
    as `cleaner.clean` would; use `clean_records` to pass such documents through instead.
    """
    return bag.map(_clean_text, pipeline=_pipeline(pipeline, options))


def _clean_records(records: list[Any], pipeline: Pipeline, settings: RecordSettings) -> list[Any]:
    cleaned = []
    for record in records:
        outcome = clean_record(pipeline, record, settings)
        if outcome.error is None or settings.on_bad_record == "pass":
            cleaned.append(outcome.record)
    return cleaned


def clean_records(
    bag: db.Bag,
    field: str = "text",
    *,
    changes_field: str | None = None,
    on_bad_record: str = "pass",
    pipeline: Pipeline | None = None,
    **options: Any,
) -> db.Bag:
    """A bag of dicts with `record[field]` cleaned; other fields and the order are kept.

    A record that is not a dict, or has no text under `field`, or whose text cannot be cleaned,
    is passed through unchanged (`on_bad_record="pass"`) or left out (`"skip"`).
    """
    settings = RecordSettings(field=field, changes_field=changes_field, on_bad_record=on_bad_record)
    return bag.map_partitions(_clean_records, pipeline=_pipeline(pipeline, options), settings=settings)


def _clean_shard(
    pair: tuple[Any, Any], pipeline: Pipeline, settings: RecordSettings
) -> tuple[dict[str, int], list[str]]:
    source, target = pair  # fsspec OpenFile objects: they pickle, and open on the worker
    fs = target.fs
    # A name of its own per task: object stores have no file locks, and two runs (or a retried
    # task beside a slow first attempt) writing one shared partial file would interleave records.
    temp = f"{target.path}.{uuid.uuid4().hex[:12]}.cleaner-partial"
    compression = "gzip" if target.path.endswith(".gz") else None
    protocols = source.fs.protocol if isinstance(source.fs.protocol, tuple) else (source.fs.protocol,)
    name = source.path if "file" in protocols else source.full_name
    try:
        with source as raw, fs.open(temp, "wb", compression=compression) as out:
            stats, errors = clean_stream(pipeline, raw, out, settings, name=name)
    except BaseException:
        with contextlib.suppress(OSError, FileNotFoundError):
            fs.rm(temp)
        raise
    fs.mv(temp, target.path)  # nothing half-written ever carries the final name
    return stats.to_json(), errors


def clean_jsonl(
    inputs: str | Sequence[str],
    output: str,
    field: str = "text",
    *,
    changes_field: str | None = None,
    on_bad_record: str = "pass",
    storage_options: dict[str, Any] | None = None,
    pipeline: Pipeline | None = None,
    **options: Any,
) -> tuple[Stats, list[str]]:
    """Clean JSON Lines files (a path, a glob, or a list; any fsspec URL) into folder `output`.

    Each input file is one task: a worker streams it (bounded memory) into `output/NAME`,
    written under a temporary name and renamed when complete; `.gz` names are gzip. Runs on the
    current Dask scheduler (a `distributed.Client` if one is active) and returns the totals and
    the bad-record lines (`file:line: problem`).
    """
    settings = RecordSettings(field=field, changes_field=changes_field, on_bad_record=on_bad_record)
    sources = fsspec.open_files(inputs, mode="rb", **(storage_options or {}))
    if not sources:
        raise FileNotFoundError(f"no input files match {inputs!r}")
    names = [posixpath.basename(s.path) for s in sources]
    if len(set(names)) != len(names):
        raise ValueError("two inputs have the same file name; they would write the same output")
    out_fs, out_root = fsspec.core.url_to_fs(output, **(storage_options or {}))
    out_fs.makedirs(out_root, exist_ok=True)
    targets = [fsspec.core.OpenFile(out_fs, posixpath.join(out_root, name), mode="wb") for name in names]
    pairs = db.from_sequence(list(zip(sources, targets)), npartitions=len(sources))
    results = pairs.map(_clean_shard, pipeline=_pipeline(pipeline, options), settings=settings).compute()
    total = Stats()
    errors: list[str] = []
    for stats, shard_errors in results:
        total.add(Stats.from_json(stats))
        errors.extend(shard_errors)
    return total, errors


def _count_shard(source: Any, field: str, group_by: str | None) -> list[Any]:
    """The first pass of `learn_templates` over one file: one `Counts` per chunk, in order."""
    from .jsonl import chunks, open_input
    from .templates import count_records

    protocols = source.fs.protocol if isinstance(source.fs.protocol, tuple) else (source.fs.protocol,)
    name = source.path if "file" in protocols else source.full_name
    with source as raw:
        return [
            count_records(chunk.data, field=field, group_by=group_by, source=name)
            for chunk in chunks(open_input(raw), name, RecordSettings(field=field))
        ]


def learn_templates(
    inputs: str | Sequence[str],
    field: str = "text",
    *,
    group_by: str | None = None,
    min_documents: int | None = None,
    min_share: float | None = None,
    storage_options: dict[str, Any] | None = None,
    window: int = 8,
) -> Any:
    """Learn site templates from JSON Lines files (the first pass), for `clean_jsonl(templates=...)`.

    Each file is counted on a worker; the counts come back `window` files at a time and are folded
    here in input order, so the template equals the command line's (`--learn-templates`) and the
    client holds at most `window` files' counts. Returns a `cleaner.templates.Template`.
    """
    from dask.base import compute
    from dask.delayed import delayed

    from . import templates

    sources = fsspec.open_files(inputs, mode="rb", **(storage_options or {}))
    if not sources:
        raise FileNotFoundError(f"no input files match {inputs!r}")
    learner = templates.Learner(
        min_documents=templates.DEFAULT_MIN_DOCUMENTS if min_documents is None else min_documents,
        min_share=templates.DEFAULT_MIN_SHARE if min_share is None else min_share,
    )
    tasks = [delayed(_count_shard)(source, field, group_by) for source in sources]
    for start in range(0, len(tasks), max(1, window)):
        for shard in compute(*tasks[start : start + window]):
            for counts in shard:
                learner.add(counts)
    return learner.template()


class DaskExecutor:
    """Runs `func(pipeline, payload)` on a Dask cluster, the pipeline sent to every worker once."""

    def __init__(self, client: Any, pipeline: Pipeline, window: int | None = None) -> None:
        self._client = client
        [self._pipeline] = client.scatter([pipeline], broadcast=True, hash=False)
        self.window = window or 2 * max(1, sum(client.nthreads().values()))

    def submit(self, func: Any, payload: Any) -> Any:
        return self._client.submit(func, self._pipeline, payload, pure=False)


@contextlib.contextmanager
def executor(address: str, pipeline: Pipeline, workers: int = 2) -> Iterator[DaskExecutor]:
    """A Dask executor on the scheduler at `address`, or on a new `LocalCluster` for `local`.

    The local cluster has `workers` worker processes of one thread each; a remote cluster keeps
    its own workers (which need `cleaner` installed, the same version).
    """
    from distributed import Client, LocalCluster

    cluster = None
    if address == "local":
        # The scheduler always serves HTTP; a free port on loopback, not 8787 on every interface.
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address="127.0.0.1:0")
        client = Client(cluster)
    else:
        client = Client(address)
    try:
        yield DaskExecutor(client, pipeline)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
