"""Tests for datagen (small profile only; everything under tmp_path)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import boto3
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from PIL import Image

import datagen
from datagen.checksums import list_files

PROJECT_ROOT = Path(__file__).resolve().parents[1]

EXPECTED_FILES = {
    "simple-csv": [f"file{i}.csv" for i in range(1, 6)],
    "nested-structure": sorted(
        [f"data/raw/{month}/data_{i:03d}.csv" for month in ("2024-01", "2024-02") for i in range(10)]
        + ["data/processed/summary.json", "data/processed/aggregated.parquet",
           "metadata/schema.json", "metadata/README.md"]
    ),
    "large-package": [f"chunk_{i:03d}.bin" for i in range(100)],
    "mixed-formats": sorted(
        ["data.json", "data.csv", "data.parquet", "data.arrow", "image.png", "image.jpg", "document.pdf"]
    ),
    "versioned-data": sorted([f"v1/file{i}.csv" for i in (1, 2, 3)] + [f"v2/file{i}.csv" for i in (1, 2, 3, 4)]),
    "metadata-rich": sorted([f"data/data_{i:02d}.csv" for i in range(10)] + ["quilt_metadata.json"]),
    "empty-package": ["quilt_metadata.json"],
    "single-file": ["data.csv"],
    "athena": ["test_table_1/part-00000.parquet", "test_table_1/part-00001.parquet"],
}


@pytest.fixture(scope="module")
def reference_dir(tmp_path_factory) -> Path:
    """One small generation shared by read-only tests."""
    out = tmp_path_factory.mktemp("reference")
    datagen.generate("small", out)
    return out


@pytest.fixture
def data_dir(reference_dir, tmp_path) -> Path:
    """A private copy for tests that modify the tree."""
    copy = tmp_path / "data"
    shutil.copytree(reference_dir, copy)
    return copy


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {relpath: (root / relpath).read_bytes() for relpath in list_files(root)}


def run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "datagen", *args],
        cwd=PROJECT_ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def assert_one_line_error(result: subprocess.CompletedProcess, *fragments: str) -> None:
    assert result.returncode == 2, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


# --- determinism ---------------------------------------------------------------------------------


def test_two_generations_are_byte_identical(reference_dir, tmp_path):
    datagen.generate("small", tmp_path / "again")
    assert (tmp_path / "again/checksums.json").read_bytes() == (reference_dir / "checksums.json").read_bytes()
    assert tree_bytes(tmp_path / "again") == tree_bytes(reference_dir)


def test_regenerating_in_place_is_stable_and_repairs(data_dir):
    before = tree_bytes(data_dir)
    mtimes = {p: (data_dir / p).stat().st_mtime_ns for p in before}
    datagen.generate("small", data_dir)
    assert tree_bytes(data_dir) == before
    assert {p: (data_dir / p).stat().st_mtime_ns for p in before} == mtimes  # identical files are not rewritten

    (data_dir / "simple-csv/file1.csv").write_text("tampered\n")
    (data_dir / "single-file/data.csv").unlink()
    (data_dir / "simple-csv/stray.txt").write_text("left over\n")
    datagen.generate("small", data_dir)
    assert tree_bytes(data_dir) == before
    assert datagen.validate(data_dir).ok


def test_dataset_seeds_are_stable_and_distinct():
    seeds = {name: datagen.dataset_seed(name) for name in datagen.DATASETS}
    assert len(set(seeds.values())) == len(seeds)
    assert seeds == {name: datagen.dataset_seed(name, 42) for name in datagen.DATASETS}
    # Pinned so an accidental change of the derivation (which would change every byte) fails loudly.
    assert datagen.dataset_seed("simple-csv") == 0x300ED11C3589186


def test_reseeding_one_dataset_leaves_the_others_unchanged(reference_dir, tmp_path):
    manifest = datagen.generate("small", tmp_path / "reseeded", seed_overrides={"simple-csv": 7})
    assert manifest.seed_overrides == {"simple-csv": 7}
    base = json.loads((reference_dir / "checksums.json").read_text())
    reseeded = json.loads((tmp_path / "reseeded/checksums.json").read_text())
    assert base.keys() == reseeded.keys()
    changed = {path for path in base if base[path] != reseeded[path]}
    assert changed == {f"simple-csv/{name}" for name in EXPECTED_FILES["simple-csv"]}


def test_changing_the_base_seed_changes_every_random_dataset(reference_dir, tmp_path):
    datagen.generate("small", tmp_path / "other", seed=43)
    base = json.loads((reference_dir / "checksums.json").read_text())
    other = json.loads((tmp_path / "other/checksums.json").read_text())
    assert base["large-package/chunk_000.bin"] != other["large-package/chunk_000.bin"]
    assert base["empty-package/quilt_metadata.json"] == other["empty-package/quilt_metadata.json"]  # no randomness


# --- layout and manifest -----------------------------------------------------------------------


def test_every_dataset_has_the_spec_file_names(reference_dir):
    assert set(datagen.DATASETS) == set(EXPECTED_FILES)
    assert set(datagen.PACKAGE_DATASETS) == set(EXPECTED_FILES) - {"athena"}
    for name, files in EXPECTED_FILES.items():
        assert datagen.dataset_files(reference_dir, name) == sorted(files), name


def test_manifest_counts_and_sizes_match_the_disk(reference_dir):
    manifest = datagen.load_manifest(reference_dir)
    assert (manifest.profile, manifest.seed, manifest.data_version) == ("small", 42, datagen.DATA_VERSION)
    on_disk = [p for p in list_files(reference_dir) if p not in ("checksums.json", "manifest.json")]
    assert manifest.total_files == len(on_disk)
    assert manifest.total_bytes == sum((reference_dir / p).stat().st_size for p in on_disk)
    for name, summary in manifest.datasets.items():
        files = [p for p in on_disk if p.startswith(name + "/")]
        assert summary.files == len(files)
        assert summary.bytes == sum((reference_dir / p).stat().st_size for p in files)
        assert summary.seed == datagen.dataset_seed(name)
    assert manifest.total_bytes < 4 * 2**20  # small profile stays CI-sized


# --- validation ----------------------------------------------------------------------------------


def test_validate_ok(reference_dir):
    report = datagen.validate(reference_dir)
    assert report.ok and report.files_checked == 158
    result = run_cli("validate", str(reference_dir))
    assert result.returncode == 0 and result.stdout.startswith("OK: 158 files")


def test_validate_names_every_missing_changed_and_unexpected_file(data_dir):
    (data_dir / "single-file/data.csv").unlink()
    (data_dir / "large-package/chunk_099.bin").unlink()
    (data_dir / "simple-csv/file3.csv").write_bytes(b"id\n1\n")
    (data_dir / "mixed-formats/image.png").write_bytes(b"not a png")
    (data_dir / "extra.txt").write_text("?")
    (data_dir / "nested-structure/data/raw/2024-03").mkdir()
    (data_dir / "nested-structure/data/raw/2024-03/data_000.csv").write_text("id\n")

    report = datagen.validate(data_dir)
    assert not report.ok
    assert report.missing == ["large-package/chunk_099.bin", "single-file/data.csv"]
    assert report.changed == ["mixed-formats/image.png", "simple-csv/file3.csv"]
    assert report.unexpected == ["extra.txt", "nested-structure/data/raw/2024-03/data_000.csv"]
    assert report.manifest_problems == []

    result = run_cli("validate", str(data_dir))
    assert result.returncode == 1
    lines = result.stdout.strip().splitlines()
    for path in report.missing:
        assert f"missing: {path}" in lines
    for path in report.changed:
        assert f"changed: {path}" in lines
    for path in report.unexpected:
        assert f"unexpected: {path}" in lines
    assert lines[-1].startswith("FAILED: 2 missing, 2 changed, 2 unexpected")


def test_validate_checks_the_manifest(data_dir):
    manifest = json.loads((data_dir / "manifest.json").read_text())
    manifest["datasets"]["simple-csv"]["files"] = 6
    manifest["total_bytes"] += 1
    (data_dir / "manifest.json").write_text(json.dumps(manifest))
    report = datagen.validate(data_dir)
    assert not report.ok
    assert any("simple-csv" in problem and "6 files" in problem for problem in report.manifest_problems)
    assert any("total_bytes" in problem for problem in report.manifest_problems)

    (data_dir / "manifest.json").unlink()
    assert any("manifest.json is missing" in p for p in datagen.validate(data_dir).manifest_problems)


# --- CLI bad input ------------------------------------------------------------------------------


def test_cli_unknown_profile_is_one_line():
    assert_one_line_error(run_cli("generate", "--profile", "huge", "--out", "x"), "invalid choice", "huge")


def test_cli_out_dir_that_is_a_file_is_one_line(tmp_path):
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    assert_one_line_error(run_cli("generate", "--profile", "small", "--out", str(a_file)), "not a directory")
    assert_one_line_error(run_cli("generate", "--profile", "small", "--out", str(a_file / "sub")), str(a_file))


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_cli_read_only_out_dir_is_one_line(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    assert_one_line_error(run_cli("generate", "--profile", "small", "--out", str(locked / "out")), "cannot create")


def test_cli_missing_or_corrupted_data_dir_is_one_line(tmp_path, data_dir):
    assert_one_line_error(run_cli("validate", str(tmp_path / "nope")), "does not exist")
    empty = tmp_path / "empty"
    empty.mkdir()
    assert_one_line_error(run_cli("validate", str(empty)), "checksums.json is missing")
    (data_dir / "checksums.json").write_text("{not json")
    assert_one_line_error(run_cli("validate", str(data_dir)), "not JSON")
    (data_dir / "checksums.json").write_text(json.dumps({"../escape": "0" * 64}))
    assert_one_line_error(run_cli("validate", str(data_dir)), "not a map of relative paths")


def test_cli_refuses_to_upload_a_corrupted_dir(data_dir):
    (data_dir / "simple-csv/file1.csv").write_text("tampered")
    result = run_cli("upload", str(data_dir), "--bucket", "b", "--endpoint-url", "http://127.0.0.1:9")
    assert_one_line_error(result, "refusing to upload", "1 changed")


# --- upload -------------------------------------------------------------------------------------


@pytest.fixture
def s3_endpoint(monkeypatch):
    from quilt_e2e.stack.aws_server import LocalAwsServer

    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    server = LocalAwsServer().start()
    try:
        yield server.endpoint_url
    finally:
        server.stop()


def test_upload_once_then_skip_everything(reference_dir, s3_endpoint):
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    s3.create_bucket(Bucket="quilt-mcp-test-data")
    expected_keys = sorted(
        [f"ref/{p}" for p in json.loads((reference_dir / "checksums.json").read_text())]
        + ["ref/checksums.json", "ref/manifest.json"]
    )

    first = datagen.upload(reference_dir, s3, "quilt-mcp-test-data", prefix="ref/")
    assert first.uploaded == expected_keys and first.skipped == []
    assert first.bytes_uploaded == sum((reference_dir / k[len("ref/") :]).stat().st_size for k in expected_keys)
    listed = s3.get_paginator("list_objects_v2").paginate(Bucket="quilt-mcp-test-data", Prefix="ref/")
    assert sorted(obj["Key"] for page in listed for obj in page.get("Contents", [])) == expected_keys
    body = s3.get_object(Bucket="quilt-mcp-test-data", Key="ref/mixed-formats/data.parquet")
    assert body["Body"].read() == (reference_dir / "mixed-formats/data.parquet").read_bytes()
    assert body["Metadata"]["sha256"] == json.loads((reference_dir / "checksums.json").read_text())[
        "mixed-formats/data.parquet"
    ]

    second = datagen.upload(reference_dir, s3, "quilt-mcp-test-data", prefix="ref")
    assert second.uploaded == [] and second.skipped == expected_keys

    result = run_cli("upload", str(reference_dir), "--bucket", "quilt-mcp-test-data", "--prefix", "ref",
                     "--endpoint-url", s3_endpoint)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"uploaded 0 files (0 bytes), skipped {len(expected_keys)} unchanged")


def test_upload_bad_targets_are_one_line(reference_dir, s3_endpoint):
    result = run_cli("upload", str(reference_dir), "--bucket", "no-such-bucket", "--endpoint-url", s3_endpoint)
    assert_one_line_error(result, "no-such-bucket does not exist")
    result = run_cli("upload", str(reference_dir), "--bucket", "b", "--endpoint-url", "http://127.0.0.1:9")
    assert_one_line_error(result, "cannot reach S3")
    no_credentials = {"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_CONFIG_FILE": "/nonexistent",
                      "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent", "AWS_EC2_METADATA_DISABLED": "true"}
    result = run_cli("upload", str(reference_dir), "--bucket", "b", "--endpoint-url", s3_endpoint, env=no_credentials)
    assert_one_line_error(result, "no AWS credentials")


# --- content --------------------------------------------------------------------------------------


def test_mixed_formats_open_correctly(reference_dir):
    root = reference_dir / "mixed-formats"
    parquet = pq.read_table(root / "data.parquet")
    assert parquet.column_names == ["id", "value1", "value2", "category"] and parquet.num_rows > 0
    with pa.ipc.open_file(root / "data.arrow") as reader:
        arrow = reader.read_all()
    assert arrow.column_names == ["id", "value1", "value2", "category"] and arrow.num_rows > 0
    for name, fmt in (("image.png", "PNG"), ("image.jpg", "JPEG")):
        with Image.open(root / name) as image:
            assert image.format == fmt and image.mode == "RGB"
            image.load()
    records = json.loads((root / "data.json").read_text())["records"]
    assert set(records[0]) == {"id", "name", "value"}
    assert list(pd.read_csv(root / "data.csv").columns) == ["id", "name", "value"]

    pdf = (root / "document.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    assert b"CreationDate" not in pdf and b"ModDate" not in pdf
    # The cross-reference table must point at each object's header.
    xref_at = int(re.search(rb"startxref\n(\d+)\n", pdf).group(1))
    assert pdf[xref_at:].startswith(b"xref")
    offsets = [int(m.group(1)) for m in re.finditer(rb"^(\d{10}) 00000 n \n", pdf[xref_at:], re.M)]
    for number, offset in enumerate(offsets, start=1):
        assert pdf[offset:].startswith(b"%d 0 obj" % number)


def test_csv_values_use_fixed_formatting(reference_dir):
    text = (reference_dir / "simple-csv/file1.csv").read_text()
    header, first = text.splitlines()[:2]
    assert header == "id,name,value,category,timestamp"
    assert re.fullmatch(r"0,name_0000,-?\d+\.\d{6},[ABC],2024-01-01 00:00:00", first)


def test_versioned_data_v2_relates_to_v1(reference_dir):
    root = reference_dir / "versioned-data"
    assert (root / "v2/file2.csv").read_bytes() == (root / "v1/file2.csv").read_bytes()
    assert (root / "v2/file3.csv").read_bytes() == (root / "v1/file3.csv").read_bytes()
    v1, v2 = pd.read_csv(root / "v1/file1.csv"), pd.read_csv(root / "v2/file1.csv")
    assert len(v2) == len(v1) + len(v1) // 10
    assert not v2["value"].iloc[: len(v1)].equals(v1["value"])


def test_aggregated_parquet_matches_the_raw_csvs(reference_dir):
    root = reference_dir / "nested-structure"
    raw = pd.concat(
        pd.read_csv(root / "data" / "raw" / path.split("/")[2] / path.split("/")[3]).assign(source_file=path)
        for path in EXPECTED_FILES["nested-structure"]
        if path.startswith("data/raw/")
    )
    expected = raw.groupby(["source_file", "sensor"])["measurement"].agg(["count", "mean", "min", "max"])
    aggregated = pq.read_table(root / "data/processed/aggregated.parquet").to_pandas()
    aggregated = aggregated.set_index(["source_file", "sensor"]).sort_index()
    assert (aggregated["count"].values == expected["count"].values).all()
    for column in ("mean", "min", "max"):
        np.testing.assert_allclose(aggregated[column].values, expected[column].values, rtol=0, atol=1e-9)
    summary = json.loads((root / "data/processed/summary.json").read_text())
    assert summary["total_files"] == 20 and summary["total_rows"] == len(raw)


def test_metadata_files(reference_dir):
    rich = json.loads((reference_dir / "metadata-rich/quilt_metadata.json").read_text())
    for key in ("version", "description", "tags", "authors", "license", "created", "schema", "provenance",
                "custom_fields"):  # fmt: skip
        assert key in rich
    assert rich["tags"] == ["test", "e2e", "metadata", "complex"]
    empty = json.loads((reference_dir / "empty-package/quilt_metadata.json").read_text())
    assert empty["tags"] == ["test", "empty", "edge-case"]


def test_athena_table_types_match_the_glue_ddl(reference_dir):
    schema = pq.read_schema(reference_dir / "athena/test_table_1/part-00000.parquet")
    assert schema.names == ["id", "name", "value", "timestamp"]
    assert [str(t) for t in schema.types] == ["int32", "string", "double", "timestamp[us]"]
    table = pq.read_table(reference_dir / "athena/test_table_1")
    assert table.column("id").to_pylist() == list(range(table.num_rows))


def test_large_package_chunks_have_the_profile_size(reference_dir):
    sizes = {(reference_dir / "large-package" / name).stat().st_size for name in EXPECTED_FILES["large-package"]}
    assert sizes == {datagen.PROFILES["small"].large_chunk_bytes}


def test_api_rejects_unknown_names(tmp_path):
    with pytest.raises(datagen.DatagenError, match="unknown profile"):
        datagen.generate("huge", tmp_path)
    with pytest.raises(datagen.DatagenError, match="unknown datasets"):
        datagen.generate("small", tmp_path, seed_overrides={"nope": 1})
