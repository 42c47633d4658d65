"""The reference datasets, one builder per dataset, registered in DATASET_BUILDERS.

A builder gets a Build (its own seeded rng + the size profile) and yields
(path relative to the dataset directory, file bytes) in a fixed order. Builders
never touch the disk, which keeps them pure: same seed and profile, same bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from . import formats
from . import textfmt as tf
from .profiles import Profile

FileStream = Iterator[tuple[str, bytes]]

# Fixed epoch for generated timestamps: data files never contain wall-clock time.
EPOCH = np.datetime64("2024-01-01T00:00:00", "s")
VALUE_DECIMALS = 6


@dataclass(frozen=True)
class Build:
    rng: np.random.Generator
    profile: Profile
    seed: int


@dataclass(frozen=True)
class DatasetBuilder:
    name: str
    description: str
    build: Callable[[Build], FileStream]


DATASET_BUILDERS: dict[str, DatasetBuilder] = {}


def dataset(name: str, description: str):
    def register(build: Callable[[Build], FileStream]) -> Callable[[Build], FileStream]:
        DATASET_BUILDERS[name] = DatasetBuilder(name, description, build)
        return build

    return register


def csv_file(header: str, columns: list, rows: int) -> bytes:
    """Header line plus rows; `columns` are Text pieces joined by commas."""
    pieces: list = []
    for column in columns:
        pieces += [column, ","]
    pieces[-1] = "\n"
    return header.encode() + b"\n" + (tf.render(pieces, rows) if rows else b"")


def id_value_csv(ids: np.ndarray, values: np.ndarray) -> bytes:
    return csv_file("id,value", [tf.integers(ids), tf.fixed(values, VALUE_DECIMALS)], len(ids))


@dataset("simple-csv", "5 small CSV files (id, name, value, category, timestamp) for basic package operations")
def simple_csv(build: Build) -> FileStream:
    rows = build.profile.simple_csv_rows
    ids = np.arange(rows)
    for number in range(1, 6):
        columns = [
            tf.integers(ids),
            tf.join(["name_", tf.integers(ids, zero_pad=4)], rows),
            tf.fixed(build.rng.standard_normal(rows), VALUE_DECIMALS),
            tf.choices(build.rng.integers(0, 3, rows), ["A", "B", "C"]),
            tf.timestamps(EPOCH + ids * np.timedelta64(1, "h")),
        ]
        yield f"file{number}.csv", csv_file("id,name,value,category,timestamp", columns, rows)


SENSORS = ["sensor1", "sensor2", "sensor3"]
MONTHS = ["2024-01", "2024-02"]
RAW_FILES_PER_MONTH = 10


@dataset("nested-structure", "raw monthly sensor CSVs, processed aggregates and metadata in nested folders")
def nested_structure(build: Build) -> FileStream:
    rows = build.profile.nested_raw_rows
    ids = np.arange(rows)
    aggregate_rows: list[dict] = []
    for month in MONTHS:
        for index in range(RAW_FILES_PER_MONTH):
            scaled = tf.quantize(build.rng.standard_normal(rows), VALUE_DECIMALS)
            sensor = build.rng.integers(0, len(SENSORS), rows)
            path = f"data/raw/{month}/data_{index:03d}.csv"
            columns = [tf.integers(ids), tf.fixed_from_scaled(scaled, VALUE_DECIMALS), tf.choices(sensor, SENSORS)]
            yield path, csv_file("id,measurement,sensor", columns, rows)
            # Aggregate the values exactly as written to the CSV, not the unrounded draws.
            values = scaled / 10.0**VALUE_DECIMALS
            for code, name in enumerate(SENSORS):
                chosen = values[sensor == code]
                aggregate_rows.append(
                    {"month": month, "source_file": path, "sensor": name, "count": len(chosen),
                     "mean": float(chosen.mean()) if len(chosen) else None,
                     "std": float(chosen.std()) if len(chosen) else None,
                     "min": float(chosen.min()) if len(chosen) else None,
                     "max": float(chosen.max()) if len(chosen) else None}
                )

    aggregated = pa.Table.from_pylist(
        aggregate_rows,
        schema=pa.schema([("month", pa.string()), ("source_file", pa.string()), ("sensor", pa.string()),
                          ("count", pa.int64()), ("mean", pa.float64()), ("std", pa.float64()),
                          ("min", pa.float64()), ("max", pa.float64())]),
    )  # fmt: skip
    by_month = {
        month: {
            "files": RAW_FILES_PER_MONTH,
            "rows": RAW_FILES_PER_MONTH * rows,
            "sensor_counts": {
                name: sum(r["count"] for r in aggregate_rows if r["month"] == month and r["sensor"] == name)
                for name in SENSORS
            },
        }
        for month in MONTHS
    }
    summary = {
        "total_files": len(MONTHS) * RAW_FILES_PER_MONTH,
        "total_rows": len(MONTHS) * RAW_FILES_PER_MONTH * rows,
        "date_range": MONTHS,
        "months": by_month,
        "aggregates": "data/processed/aggregated.parquet",
    }
    yield "data/processed/summary.json", formats.json_bytes(summary)
    yield "data/processed/aggregated.parquet", formats.parquet_bytes(aggregated)
    schema = {
        "version": "1.0",
        "raw_files": "data/raw/YYYY-MM/data_NNN.csv",
        "fields": [
            {"name": "id", "type": "integer", "description": "row number within the file"},
            {"name": "measurement", "type": "float", "description": "sensor reading, 6 decimals"},
            {"name": "sensor", "type": "string", "enum": SENSORS},
        ],
        "aggregates": [
            {"name": name, "type": kind}
            for name, kind in [("month", "string"), ("source_file", "string"), ("sensor", "string"),
                               ("count", "integer"), ("mean", "float"), ("std", "float"),
                               ("min", "float"), ("max", "float")]
        ],
    }  # fmt: skip
    yield "metadata/schema.json", formats.json_bytes(schema)
    yield "metadata/README.md", NESTED_README.encode()


NESTED_README = """# Nested Structure Dataset

Exercises folder browsing in packages.

- `data/raw/YYYY-MM/data_NNN.csv`: raw sensor readings (id, measurement, sensor), 10 files per month
- `data/processed/summary.json`: file and row counts per month and sensor
- `data/processed/aggregated.parquet`: count/mean/std/min/max per month, raw file and sensor
- `metadata/schema.json`: column definitions for the raw and aggregated files
"""

LARGE_CHUNKS = 100


@dataset("large-package", "100 binary chunks of seeded random bytes, for large-package performance")
def large_package(build: Build) -> FileStream:
    size = build.profile.large_chunk_bytes
    words = -(-size // 8)
    for index in range(LARGE_CHUNKS):
        # Raw PCG64 output is ~6x faster than Generator.bytes(); '<u8' pins the byte order.
        chunk = build.rng.bit_generator.random_raw(words).astype("<u8", copy=False).tobytes()[:size]
        yield f"chunk_{index:03d}.bin", chunk


@dataset("mixed-formats", "one file per content type: JSON, CSV, Parquet, Arrow IPC, PNG, JPEG, PDF")
def mixed_formats(build: Build) -> FileStream:
    profile, rng = build.profile, build.rng

    rows = profile.mixed_json_rows
    ids = np.arange(rows)
    records = tf.render(
        ['{"id": ', tf.integers(ids), ', "name": "record_', tf.integers(ids, zero_pad=5),
         '", "value": ', tf.fixed(rng.random(rows), VALUE_DECIMALS), "},\n"],
        rows,
    )  # fmt: skip
    yield "data.json", b'{"records": [\n' + records[:-2] + b"\n]}\n"

    rows = profile.mixed_csv_rows
    ids = np.arange(rows)
    columns = [tf.integers(ids), tf.join(["name_", tf.integers(ids, zero_pad=5)], rows),
               tf.fixed(rng.standard_normal(rows), VALUE_DECIMALS)]  # fmt: skip
    yield "data.csv", csv_file("id,name,value", columns, rows)

    yield "data.parquet", formats.parquet_bytes(_mixed_table(rng, profile.mixed_table_rows))
    yield "data.arrow", formats.arrow_bytes(_mixed_table(rng, profile.mixed_table_rows))

    side = profile.mixed_image_side
    yield "image.png", formats.png_bytes(_noisy_gradient(rng, side, noise_levels=8))
    yield "image.jpg", formats.jpeg_bytes(_noisy_gradient(rng, side, noise_levels=128), quality=90)

    yield "document.pdf", formats.pdf_bytes(_report_pages(rng, profile.mixed_pdf_pages), "datagen mixed-formats")


def _mixed_table(rng: np.random.Generator, rows: int) -> pa.Table:
    categories = pa.DictionaryArray.from_arrays(
        pa.array(rng.integers(0, 3, rows).astype(np.int8)), pa.array(["X", "Y", "Z"])
    )
    return pa.table(
        {
            "id": pa.array(np.arange(rows, dtype=np.int64)),
            "value1": pa.array(rng.standard_normal(rows)),
            "value2": pa.array(rng.standard_normal(rows)),
            "category": categories,
        }
    )


def _noisy_gradient(rng: np.random.Generator, side: int, noise_levels: int) -> np.ndarray:
    """A colour gradient with seeded noise; the noise amplitude sets the compressed size."""
    ramp = np.linspace(0, 200, side, dtype=np.float64)
    pixels = np.empty((side, side, 3), dtype=np.int64)
    pixels[..., 0] = ramp[None, :]
    pixels[..., 1] = ramp[:, None]
    pixels[..., 2] = 200 - ramp[None, :] // 2 - ramp[:, None] // 2
    pixels += rng.integers(0, noise_levels, size=pixels.shape)
    return np.clip(pixels, 0, 255).astype(np.uint8)


PDF_LINES_PER_PAGE = 76


def _report_pages(rng: np.random.Generator, pages: int) -> list[list[bytes]]:
    rows = pages * PDF_LINES_PER_PAGE
    ids = np.arange(rows)
    lines = tf.render_lines(
        ["record ", tf.integers(ids, zero_pad=6), "   value ", tf.fixed(rng.standard_normal(rows), VALUE_DECIMALS),
         "   category ", tf.choices(rng.integers(0, 3, rows), ["X", "Y", "Z"]),
         "   checksum ", tf.integers(rng.integers(0, 10**9, rows), zero_pad=9)],
        rows,
    )  # fmt: skip
    return [lines[start : start + PDF_LINES_PER_PAGE] for start in range(0, rows, PDF_LINES_PER_PAGE)]


@dataset("versioned-data", "v1 (3 CSVs) and v2 (file1 modified, file2/file3 unchanged, file4 new) for diffs")
def versioned_data(build: Build) -> FileStream:
    rows, rng = build.profile.versioned_rows, build.rng
    ids = np.arange(rows)
    v1_values = {number: rng.standard_normal(rows) + number for number in (1, 2, 3)}
    v1 = {number: id_value_csv(ids, values) for number, values in v1_values.items()}
    for number, data in v1.items():
        yield f"v1/file{number}.csv", data

    # v2/file1: every 10th value shifted and 10% more rows appended.
    extra = rows // 10
    modified = v1_values[1].copy()
    modified[::10] += 0.5
    modified = np.concatenate([modified, rng.standard_normal(extra) + 1.5])
    yield "v2/file1.csv", id_value_csv(np.arange(rows + extra), modified)
    yield "v2/file2.csv", v1[2]
    yield "v2/file3.csv", v1[3]
    yield "v2/file4.csv", id_value_csv(ids, rng.standard_normal(rows) + 4)


@dataset("metadata-rich", "10 CSVs plus quilt_metadata.json with nested package metadata")
def metadata_rich(build: Build) -> FileStream:
    rows = build.profile.metadata_rich_rows
    ids = np.arange(rows)
    for index in range(10):
        yield f"data/data_{index:02d}.csv", id_value_csv(ids, build.rng.standard_normal(rows))
    metadata = {
        "version": "2.1.0",
        "description": "Metadata-rich test dataset",
        "tags": ["test", "e2e", "metadata", "complex"],
        "authors": [
            {"name": "Test User", "email": "test@example.com"},
            {"name": "Test Admin", "email": "admin@example.com"},
        ],
        "license": "MIT",
        "created": "2024-01-01T00:00:00Z",  # fixed on purpose: not the generation time
        "schema": {
            "fields": [
                {"name": "id", "type": "integer", "description": "Unique identifier", "constraints": {"minimum": 0}},
                {"name": "value", "type": "float", "description": "Measurement value", "unit": "meters"},
            ]
        },
        "provenance": {
            "source": "Generated for testing",
            "method": "Deterministic random generation (datagen)",
            "seed": build.seed,
        },
        "custom_fields": {
            "experiment_id": "EXP-001",
            "instrument": "TestInstrument-3000",
            "calibration_date": "2024-01-01",
        },
    }
    yield "quilt_metadata.json", formats.json_bytes(metadata)


@dataset("empty-package", "no data files, only quilt_metadata.json (edge case)")
def empty_package(build: Build) -> FileStream:
    metadata = {
        "version": "1.0.0",
        "description": "Empty package for edge case testing",
        "tags": ["test", "empty", "edge-case"],
        "note": "This package intentionally contains no data files",
    }
    yield "quilt_metadata.json", formats.json_bytes(metadata)


@dataset("single-file", "one CSV file (edge case)")
def single_file(build: Build) -> FileStream:
    rows = build.profile.single_file_rows
    yield "data.csv", id_value_csv(np.arange(rows), build.rng.standard_normal(rows))


ATHENA_PARTS = 2


@dataset("athena", "parquet files behind the Glue table quilt_mcp_test_db.test_table_1")
def athena(build: Build) -> FileStream:
    # Types match the DDL: id INT -> int32, value DOUBLE, timestamp TIMESTAMP -> naive microseconds.
    rows = build.profile.athena_rows
    for part in range(ATHENA_PARTS):
        ids = np.arange(part * rows, (part + 1) * rows, dtype=np.int32)
        table = pa.table(
            {
                "id": pa.array(ids, pa.int32()),
                "name": tf.arrow_strings(["item_", tf.integers(ids, zero_pad=5)], rows),
                "value": pa.array(np.round(build.rng.standard_normal(rows) * 100, 4), pa.float64()),
                "timestamp": pa.array((EPOCH + ids.astype(np.int64) * np.timedelta64(1, "m")).astype("datetime64[us]"),
                                      pa.timestamp("us")),
            }
        )  # fmt: skip
        yield f"test_table_1/part-{part:05d}.parquet", formats.parquet_bytes(table)
