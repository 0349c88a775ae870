"""The pipeline on a real Dask cluster (worker processes) gives a sequential run's bytes."""

from __future__ import annotations

import gzip
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import pytest

try:
    import dask.bag as db
    from distributed import Client, LocalCluster
except ImportError:  # CI installs only the `test` extra unless told otherwise
    pytest.skip("dask[distributed] is not installed (pip install -e '.[dask]')", allow_module_level=True)

import cleaner
import cleaner.dask
from cleaner import jsonl
from cleaner.jsonl import RecordSettings

from .conftest import FIXTURES

SAMPLES = [p for p in sorted((FIXTURES / "samples").glob("*.*")) if p.name != "README.md"]
FAST = cleaner.Pipeline.default(only=["encoding", "paragraphs"])


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address="127.0.0.1:0") as cluster:
        with Client(cluster) as c:
            yield c


def texts() -> list[str | bytes]:
    raw: list[str | bytes] = [p.read_bytes() for p in SAMPLES]
    raw += [p.read_text(encoding="utf-8") for p in SAMPLES]
    raw += ["他说:我们明天见,好吗?", "第一段\r\n第二段".encode("gbk"), ""]
    return raw


def test_a_bag_of_texts_gives_what_clean_gives_each(client: Client) -> None:
    items = texts()
    bag = db.from_sequence(items, npartitions=4)
    assert cleaner.dask.clean_texts(bag, to="hant").compute() == [cleaner.clean(t, to="hant") for t in items]


def test_a_bag_of_records_keeps_order_and_other_fields_and_bad_records_as_asked(client: Client) -> None:
    records: list[object] = [{"id": i, "text": t if isinstance(t, str) else t.decode("utf-8", "replace")} for i, t in enumerate(texts())]
    records[3:3] = [{"id": "no text"}, ["not", "a", "dict"], {"id": "null", "text": None}]
    bag = db.from_sequence(records, npartitions=3)
    passed = cleaner.dask.clean_records(bag, pipeline=FAST).compute()
    skipped = cleaner.dask.clean_records(bag, on_bad_record="skip", pipeline=FAST).compute()
    expected = [jsonl.clean_record(FAST, r, RecordSettings()) for r in records]
    assert passed == [o.record for o in expected]
    assert skipped == [o.record for o in expected if o.error is None]
    assert len(skipped) == len(records) - 3


def shard(records: Sequence[Mapping[str, object]]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()


def test_jsonl_files_on_the_cluster_equal_a_sequential_run_byte_for_byte(client: Client, tmp_path: Path) -> None:
    source = tmp_path / "raw"
    source.mkdir()
    rows = [{"id": i, "text": p.read_text(encoding="utf-8")} for i, p in enumerate(SAMPLES)]
    (source / "a.jsonl").write_bytes(shard(rows))
    (source / "b.jsonl.gz").write_bytes(gzip.compress(shard(rows[::-1]) + b"broken\n"))
    (source / "c.jsonl").write_bytes(shard([{"id": "x", "text": "一\r\n二"}] * 50))
    stats, errors = cleaner.dask.clean_jsonl(str(source / "*.jsonl*"), str(tmp_path / "clean"))
    assert sorted(p.name for p in (tmp_path / "clean").iterdir()) == ["a.jsonl", "b.jsonl.gz", "c.jsonl"]
    total = cleaner.batch.Stats()
    all_errors: list[str] = []
    for name in ("a.jsonl", "b.jsonl.gz", "c.jsonl"):
        out = io.BytesIO()
        shard_stats, shard_errors = jsonl.clean_stream(
            cleaner.Pipeline.default(), io.BytesIO((source / name).read_bytes()), out, RecordSettings(), name=str(source / name)
        )
        total.add(shard_stats)
        all_errors += shard_errors
        written = (tmp_path / "clean" / name).read_bytes()
        assert (gzip.decompress(written) if name.endswith(".gz") else written) == out.getvalue()
    assert stats == total and errors == all_errors
    assert len(errors) == 1 and errors[0].endswith("b.jsonl.gz:5: not valid JSON (Expecting value)")


def test_the_cli_on_a_local_cluster_writes_what_one_process_writes(tmp_path: Path) -> None:
    rows = [{"id": f"{n}-{i}", "text": p.read_text(encoding="utf-8")} for n in range(3) for i, p in enumerate(SAMPLES)]
    source = tmp_path / "corpus.jsonl"
    source.write_bytes(shard(rows) + b"oops\n")
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}

    def cli(*args: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run([sys.executable, "-m", "cleaner", "--jsonl", str(source), *args], capture_output=True, env=env, timeout=600)

    sequential = cli("-o", str(tmp_path / "seq.jsonl"), "-j", "1")
    on_dask = cli("-o", str(tmp_path / "dask.jsonl.gz"), "--dask", "local", "-j", "2")
    assert sequential.returncode == on_dask.returncode == 2  # the bad record, reported by both
    assert on_dask.stderr == sequential.stderr == f"cleaner: {source}:{len(rows) + 1}: not valid JSON (Expecting value)\n".encode()
    assert gzip.decompress((tmp_path / "dask.jsonl.gz").read_bytes()) == (tmp_path / "seq.jsonl").read_bytes()


def test_two_writers_of_one_shard_each_write_whole_and_a_failure_leaves_no_partial(tmp_path: Path) -> None:
    """Object stores have no file locks. Before, two tasks writing one output (two runs, or a
    retried task beside a slow first attempt) shared a single partial file: one moved it away
    while the other was still writing into it."""
    import fsspec

    rows = [{"id": i, "text": f"第{i}段,内容。"} for i in range(50)]
    (tmp_path / "a.jsonl").write_bytes(shard(rows))
    fs = fsspec.filesystem("file")

    def target() -> object:
        return fsspec.core.OpenFile(fs, str(tmp_path / "out.jsonl"), mode="wb")

    class SourceThatLetsAnotherWriterFinishFirst(io.RawIOBase):
        """Reads `a.jsonl`; on its first read, a second task cleans the same shard to the end."""

        fs = fsspec.filesystem("file")
        path = str(tmp_path / "a.jsonl")

        def __enter__(self) -> SourceThatLetsAnotherWriterFinishFirst:
            self.data, self.other_ran = io.BytesIO((tmp_path / "a.jsonl").read_bytes()), False
            return self

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
            if not self.other_ran:
                self.other_ran = True
                cleaner.dask._clean_shard((fsspec.open(self.path, "rb"), target()), FAST, RecordSettings())
            return self.data.readinto(buffer)

    cleaner.dask._clean_shard((SourceThatLetsAnotherWriterFinishFirst(), target()), FAST, RecordSettings())
    expected = io.BytesIO()
    jsonl.clean_stream(FAST, io.BytesIO((tmp_path / "a.jsonl").read_bytes()), expected, RecordSettings(), name="a.jsonl")
    assert (tmp_path / "out.jsonl").read_bytes() == expected.getvalue()

    (tmp_path / "cut.jsonl.gz").write_bytes(gzip.compress(shard(rows))[:-40])  # a gzip stream cut short
    with pytest.raises(EOFError):
        cleaner.dask._clean_shard((fsspec.open(str(tmp_path / "cut.jsonl.gz"), "rb"), target()), FAST, RecordSettings())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.jsonl", "cut.jsonl.gz", "out.jsonl"]
