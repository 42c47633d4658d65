"""Benchmark: datagen `full` profile vs. the infra spec's reference generator algorithm.

The reference generator (spec/a17-test-cleanup/02-test-infrastructure-setup.md, section 2.1)
builds one pandas DataFrame per file with per-row Python list comprehensions, serialises with
DataFrame.to_csv / to_parquet / json.dump, draws binaries with the legacy np.random.bytes,
and re-reads every written file in 4 KiB blocks to checksum it. `reference_generate` below
re-expresses that approach in our own code, at the same row counts and byte sizes as our
`full` profile (so both write the same volume), and covers the files the reference forgot
(data.arrow, document.pdf, aggregated.parquet, the athena table) in the same style.

Run:  .venv/bin/python benchmarks/datagen_benchmark.py [--rounds N]
Writes benchmarks/datagen_benchmark.md; the temp dirs are removed afterwards.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.feather as feather
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import datagen
from datagen.datasets import DATASET_BUILDERS
from datagen.profiles import PROFILES

RESULT_FILE = Path(__file__).with_suffix(".md")


class ReferenceStyleGenerator:
    """The reference algorithm, parameterised with our full-profile sizes."""

    def __init__(self, out: Path, profile=PROFILES["full"]):
        self.out, self.p, self.checksums = out, profile, {}
        random.seed(42)
        np.random.seed(42)

    def run(self, include_large: bool = True) -> None:
        for step in (self.simple_csv, self.nested, self.large, self.mixed, self.versioned, self.metadata_rich,
                     self.empty, self.single, self.athena):  # fmt: skip
            if include_large or step != self.large:
                step()
        (self.out / "checksums.json").write_text(json.dumps(self.checksums, indent=2, sort_keys=True))
        (self.out / "manifest.json").write_text(json.dumps({"version": "1.0.0", "seed": 42}, indent=2))

    def _folder(self, *parts: str) -> Path:
        folder = self.out.joinpath(*parts)
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def _checksum(self, path: Path) -> None:
        digest = hashlib.sha256()
        with open(path, "rb") as stream:
            for block in iter(lambda: stream.read(4096), b""):
                digest.update(block)
        self.checksums[str(path.relative_to(self.out))] = digest.hexdigest()

    def _csv(self, frame: pd.DataFrame, path: Path) -> None:
        frame.to_csv(path, index=False)
        self._checksum(path)

    def simple_csv(self) -> None:
        n = self.p.simple_csv_rows
        for i in range(1, 6):
            frame = pd.DataFrame({"id": range(n), "name": [f"name_{j:04d}" for j in range(n)],
                                  "value": np.random.randn(n), "category": np.random.choice(["A", "B", "C"], n),
                                  "timestamp": pd.date_range("2024-01-01", periods=n, freq="h")})  # fmt: skip
            self._csv(frame, self._folder("simple-csv") / f"file{i}.csv")

    def nested(self) -> None:
        n, raw_paths = self.p.nested_raw_rows, []
        for month in ("2024-01", "2024-02"):
            for i in range(10):
                frame = pd.DataFrame({"id": range(n), "measurement": np.random.randn(n),
                                      "sensor": np.random.choice(["sensor1", "sensor2", "sensor3"], n)})  # fmt: skip
                path = self._folder("nested-structure", "data", "raw", month) / f"data_{i:03d}.csv"
                self._csv(frame, path)
                raw_paths.append(path)
        processed = self._folder("nested-structure", "data", "processed")
        (processed / "summary.json").write_text(
            json.dumps({"total_files": 20, "date_range": ["2024-01", "2024-02"]}, indent=2)
        )
        self._checksum(processed / "summary.json")
        raw = pd.concat([pd.read_csv(path).assign(source_file=str(path)) for path in raw_paths])
        aggregated = raw.groupby(["source_file", "sensor"])["measurement"].agg(["count", "mean", "std", "min", "max"])
        aggregated.reset_index().to_parquet(processed / "aggregated.parquet")
        self._checksum(processed / "aggregated.parquet")
        meta = self._folder("nested-structure", "metadata")
        (meta / "schema.json").write_text(json.dumps({"version": "1.0", "fields": []}, indent=2))
        (meta / "README.md").write_text("# Nested Structure Dataset\n")
        self._checksum(meta / "schema.json")
        self._checksum(meta / "README.md")

    def large(self) -> None:
        for i in range(100):
            path = self._folder("large-package") / f"chunk_{i:03d}.bin"
            path.write_bytes(np.random.bytes(self.p.large_chunk_bytes))
            self._checksum(path)

    def mixed(self) -> None:
        folder, p = self._folder("mixed-formats"), self.p
        records = {
            "records": [{"id": i, "name": f"record_{i}", "value": random.random()} for i in range(p.mixed_json_rows)]
        }
        with open(folder / "data.json", "w") as stream:
            json.dump(records, stream)
        self._checksum(folder / "data.json")
        rows = p.mixed_csv_rows
        self._csv(pd.DataFrame({"id": range(rows), "name": [f"name_{i:05d}" for i in range(rows)],
                                "value": np.random.randn(rows)}), folder / "data.csv")
        for name in ("data.parquet", "data.arrow"):
            n = p.mixed_table_rows
            frame = pd.DataFrame({"id": range(n), "value1": np.random.randn(n), "value2": np.random.randn(n),
                                  "category": np.random.choice(["X", "Y", "Z"], n)})  # fmt: skip
            frame.to_parquet(folder / name) if name.endswith("parquet") else feather.write_feather(frame, folder / name)
            self._checksum(folder / name)
        side = p.mixed_image_side
        Image.new("RGB", (side, side), color=(73, 109, 137)).save(folder / "image.png")
        Image.new("RGB", (side, side), color=(255, 200, 100)).save(folder / "image.jpg", quality=85)
        Image.new("RGB", (side, side), color=(255, 255, 255)).save(folder / "document.pdf")
        for name in ("image.png", "image.jpg", "document.pdf"):
            self._checksum(folder / name)

    def versioned(self) -> None:
        n = self.p.versioned_rows
        v1, v2 = self._folder("versioned-data", "v1"), self._folder("versioned-data", "v2")
        for i in range(1, 4):
            self._csv(pd.DataFrame({"id": range(n), "value": np.random.randn(n) + i}), v1 / f"file{i}.csv")
        self._csv(
            pd.DataFrame({"id": range(n + n // 10), "value": np.random.randn(n + n // 10) + 1.5}), v2 / "file1.csv"
        )
        for i in (2, 3):
            shutil.copy(v1 / f"file{i}.csv", v2 / f"file{i}.csv")
            self._checksum(v2 / f"file{i}.csv")
        self._csv(pd.DataFrame({"id": range(n), "value": np.random.randn(n) + 4}), v2 / "file4.csv")

    def metadata_rich(self) -> None:
        n, folder = self.p.metadata_rich_rows, self._folder("metadata-rich", "data")
        for i in range(10):
            self._csv(pd.DataFrame({"id": range(n), "value": np.random.randn(n)}), folder / f"data_{i:02d}.csv")
        path = self.out / "metadata-rich" / "quilt_metadata.json"
        path.write_text(json.dumps({"version": "2.1.0", "tags": ["test", "e2e", "metadata", "complex"]}, indent=2))
        self._checksum(path)

    def empty(self) -> None:
        path = self._folder("empty-package") / "quilt_metadata.json"
        path.write_text(json.dumps({"version": "1.0.0", "tags": ["test", "empty", "edge-case"]}, indent=2))
        self._checksum(path)

    def single(self) -> None:
        n = self.p.single_file_rows
        self._csv(pd.DataFrame({"id": range(n), "value": np.random.randn(n)}), self._folder("single-file") / "data.csv")

    def athena(self) -> None:
        n = self.p.athena_rows
        for part in range(2):
            ids = range(part * n, (part + 1) * n)
            stamps = [pd.Timestamp("2024-01-01") + pd.Timedelta(minutes=i) for i in ids]
            frame = pd.DataFrame({"id": pd.array(list(ids), dtype="int32"), "name": [f"item_{i:05d}" for i in ids],
                                  "value": np.random.randn(n), "timestamp": pd.to_datetime(stamps)})
            path = self._folder("athena", "test_table_1") / f"part-{part:05d}.parquet"
            frame.to_parquet(path)
            self._checksum(path)


@contextlib.contextmanager
def without_large_package():
    """Benchmark-only: drop the 500 MB binary dataset to compare the formatting work alone."""
    saved = dict(DATASET_BUILDERS)
    DATASET_BUILDERS.pop("large-package")
    try:
        yield
    finally:
        DATASET_BUILDERS.clear()
        DATASET_BUILDERS.update(saved)


def generate_without_large(out: Path) -> None:
    with without_large_package():
        datagen.generate("full", out)


def tree_size(root: Path) -> tuple[int, int]:
    files = [p for p in root.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def timed(label: str, run, scratch: Path) -> dict:
    out = Path(tempfile.mkdtemp(prefix=f"bench-{label}-", dir=scratch))
    try:
        started = time.perf_counter()
        run(out)
        seconds = time.perf_counter() - started
        files, size = tree_size(out)
        return {"seconds": seconds, "files": files, "bytes": size}
    finally:
        shutil.rmtree(out)


CONTENDERS = {
    # label: (description, run(out_dir))
    "datagen": ("datagen `full`", lambda out: datagen.generate("full", out)),
    "reference": ("reference algorithm", lambda out: ReferenceStyleGenerator(out).run()),
    "datagen-nolarge": ("datagen `full` without large-package", generate_without_large),
    "reference-nolarge": ("reference algorithm without large-package",
                          lambda out: ReferenceStyleGenerator(out).run(include_large=False)),
}
COMPARISONS = [("all datasets", "reference", "datagen"),
               ("all but large-package (formatting work)", "reference-nolarge", "datagen-nolarge")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="datagen-bench-"))
    runs: dict[str, list[dict]] = {label: [] for label in CONTENDERS}
    try:
        for round_number in range(args.rounds):
            # Alternate the order so neither side always gets the warmer page cache.
            order = list(CONTENDERS) if round_number % 2 == 0 else list(reversed(CONTENDERS))
            for label in order:
                result = timed(label, CONTENDERS[label][1], scratch)
                runs[label].append(result)
                print(f"round {round_number + 1} {label:18s} {result['seconds']:7.2f} s  {result['files']} files  "
                      f"{result['bytes'] / 2**20:.1f} MiB", flush=True)  # fmt: skip
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    median = {label: statistics.median(r["seconds"] for r in results) for label, results in runs.items()}
    lines = [
        "# datagen benchmark: `full` profile vs. reference generator algorithm",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"numpy {np.__version__}, pandas {pd.__version__}, pyarrow {pa.__version__}.",
        f"Each run writes into its own temp dir (deleted right after), {args.rounds} rounds, order alternated.",
        "Both sides write the same row counts and chunk sizes (our `full` profile) and both checksum every file.",
        "",
        "| run | times (s) | median (s) | files | MiB written |",
        "|---|---|---|---|---|",
    ]
    for label, (description, _) in CONTENDERS.items():
        times = ", ".join(f"{r['seconds']:.2f}" for r in runs[label])
        last = runs[label][-1]
        lines.append(
            f"| {description} | {times} | {median[label]:.2f} | {last['files']} | {last['bytes'] / 2**20:.1f} |"
        )
    lines += ["", "| comparison | speed-up (median reference / median datagen) |", "|---|---|"]
    for title, reference, ours in COMPARISONS:
        lines.append(f"| {title} | **{median[reference] / median[ours]:.1f}x** |")
    lines += ["", "Reproduce: `.venv/bin/python benchmarks/datagen_benchmark.py`", ""]
    RESULT_FILE.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
