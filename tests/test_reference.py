"""The one implementation of reference-data checks: datagen's checksums, read by ReferenceData."""

from __future__ import annotations

import json

import pytest

import datagen
from datagen.checksums import quilt_hash_from_sha256, sha256_bytes
from quilt_e2e.domain.reference import ReferenceData


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("reference") / "small"
    assert datagen.ensure_generated("small", path) is True  # nothing there yet: generated
    return path


def test_quilt_hash_is_what_quilt3_computes_from_the_bytes():
    from quilt3.checksums import SHA256_CHUNKED_HASH_NAME, calculate_multipart_checksum_bytes

    for data in (b"", b"x,y\n1,2\n", bytes(range(256)) * 1000):
        expected = calculate_multipart_checksum_bytes(data, checksum_type=SHA256_CHUNKED_HASH_NAME)
        assert quilt_hash_from_sha256(sha256_bytes(data)) == expected


def test_reference_checks_bytes_and_hashes_against_checksums_json(data_dir):
    reference = ReferenceData(data_dir, "bucket")
    key = reference.key("simple-csv", reference.files("simple-csv")[0])
    data = (data_dir / key).read_bytes()
    assert reference.holds_bytes(key, data)
    assert not reference.holds_bytes(key, data + b"\n")
    assert not reference.holds_bytes("simple-csv/not-a-reference-file.csv", data)
    assert reference.quilt_hash(key) == quilt_hash_from_sha256(sha256_bytes(data))
    assert reference.quilt_hash("simple-csv/not-a-reference-file.csv") is None
    assert reference.manifest["profile"] == "small"


def test_reference_files_follow_checksums_json(data_dir):
    reference = ReferenceData(data_dir, "bucket")
    listed = json.loads((data_dir / "checksums.json").read_text())
    assert [reference.key("versioned-data", f"v1/{p}") for p in reference.files("versioned-data", "v1")] == \
        sorted(k for k in listed if k.startswith("versioned-data/v1/"))
    assert reference.files("simple-csv") == datagen.dataset_files(data_dir, "simple-csv")


def test_ensure_generated_keeps_valid_data_and_repairs_damaged_data(data_dir):
    assert datagen.ensure_generated("small", data_dir) is False
    victim = data_dir / "simple-csv" / datagen.dataset_files(data_dir, "simple-csv")[0]
    original = victim.read_bytes()
    victim.write_bytes(b"damaged")
    assert datagen.ensure_generated("small", data_dir) is True
    assert victim.read_bytes() == original
    (data_dir / "checksums.json").write_text("{not json")
    assert datagen.ensure_generated("small", data_dir) is True
    assert datagen.validate(data_dir).ok
