"""Baseline packages (spec section 4.1), pushed with quilt3 itself rather than the SUT.

They are fixtures the scenarios read; making them with the SUT would let a SUT defect hide in the setup.
"""

from __future__ import annotations

import io
import json
import time
from dataclasses import dataclass
from pathlib import Path

from quilt_e2e.config import Settings
from quilt_e2e.stack.registry_layout import MANIFESTS, POINTERS, latest_pointer

BASELINE_NAMESPACE = "test-user"


@dataclass(frozen=True)
class Baseline:
    name: str  # package name under BASELINE_NAMESPACE
    dataset: str  # datagen dataset it is built from
    subdir: str = ""  # only the files below this folder of the dataset
    description: str = ""
    tags: tuple[str, ...] = ()


BASELINES = (
    Baseline("simple-csv", "simple-csv", description="Simple CSV baseline", tags=("test", "csv", "baseline")),
    Baseline("nested-structure", "nested-structure", description="Nested folders baseline", tags=("test", "nested")),
    Baseline("large-package", "large-package", description="Large package baseline", tags=("test", "large")),
    Baseline("mixed-formats", "mixed-formats", description="Mixed formats baseline", tags=("test", "formats")),
    Baseline("versioned-data-v1", "versioned-data", "v1", description="Versioned data v1", tags=("test", "v1")),
    Baseline("versioned-data-v2", "versioned-data", "v2", description="Versioned data v2", tags=("test", "v2")),
    Baseline("metadata-rich", "metadata-rich"),
    Baseline("empty-package", "empty-package"),
    Baseline("single-file", "single-file", description="Single file baseline", tags=("test", "single")),
)


def baseline_package_name(name: str) -> str:
    return f"{BASELINE_NAMESPACE}/{name}"


def baseline_entries(baseline: Baseline, data_dir: Path) -> dict[str, str]:
    """logical key → path of the file inside the data bucket, for one baseline."""
    import datagen

    prefix = f"{baseline.subdir}/" if baseline.subdir else ""
    entries = {}
    for relpath in datagen.dataset_files(data_dir, baseline.dataset):
        if relpath == "quilt_metadata.json" or not relpath.startswith(prefix):
            continue  # quilt_metadata.json is package metadata, not an entry
        entries[relpath[len(prefix):]] = f"{baseline.dataset}/{relpath}"
    return entries


def baseline_metadata(baseline: Baseline, data_dir: Path) -> dict:
    metadata_file = data_dir / baseline.dataset / "quilt_metadata.json"
    if metadata_file.exists():
        return json.loads(metadata_file.read_text())
    return {"description": baseline.description, "tags": list(baseline.tags)}


def _entry(settings: Settings, data_dir: Path, key: str, sha256: str, user_meta: dict | None = None):
    """A package entry with its hash derived from the reference checksum, so quilt3 need not read the object."""
    import quilt3
    from quilt3.util import PhysicalKey

    from datagen.checksums import quilt_hash_from_sha256

    local = data_dir / key
    return quilt3.packages.PackageEntry(
        PhysicalKey.from_url(f"s3://{settings.data_bucket}/{key}"),
        local.stat().st_size,
        {"type": "sha2-256-chunked", "value": quilt_hash_from_sha256(sha256)},
        {"user_meta": user_meta} if user_meta else {},
    )


def package_objects(
    settings: Settings,
    data_dir: Path,
    name: str,
    entries: dict[str, str],
    metadata: dict | None,
    checksums: dict[str, str],
    *,
    entry_meta: dict[str, dict] | None = None,
    message: str | None = None,
    timestamp: int | None = None,
) -> tuple[str, dict[str, bytes]]:
    """One package revision the way quilt3 lays it out in the registry: its top hash and the three objects of a
    push (manifest, timestamped pointer, `latest` pointer) by key in the packages bucket.

    `entries` maps logical key → key of the file in the data bucket; `entry_meta` gives files their own
    metadata. quilt3 builds and serialises the manifest and computes its top hash; the objects are written by
    the caller, because quilt3's own push builds several botocore clients per package and would dominate
    start-up time.
    """
    import quilt3

    package = quilt3.Package()
    for logical_key, key in entries.items():
        user_meta = (entry_meta or {}).get(logical_key)
        package.set(logical_key, _entry(settings, data_dir, key, checksums[key], user_meta))
    if metadata is not None:
        package.set_meta(metadata)
    if message is not None:
        package._set_commit_message(message)
    manifest = io.BytesIO()
    package.dump(manifest)
    top_hash = package.top_hash
    objects = {f"{MANIFESTS}{top_hash}": manifest.getvalue()}
    for pointer in (str(timestamp if timestamp is not None else int(time.time())), "latest"):
        objects[f"{POINTERS}{name}/{pointer}"] = top_hash.encode()
    return top_hash, objects


def write_package(settings: Settings, data_dir: Path, s3, name: str, entries: dict[str, str],
                  metadata: dict | None, checksums: dict[str, str], **options) -> str:
    """Write one package revision (`package_objects`) straight into the registry with one boto3 client, the
    manifest before its pointers; returns its top hash."""
    top_hash, objects = package_objects(settings, data_dir, name, entries, metadata, checksums, **options)
    for key, body in objects.items():  # dicts keep order: the manifest first
        s3.put_object(Bucket=settings.packages_bucket, Key=key, Body=body)
    return top_hash


def create_baseline_packages(settings: Settings, data_dir: Path, s3) -> dict[str, str]:
    """Write every missing baseline into the registry; returns package name → top hash."""
    from datagen.checksums import load_checksums

    bucket = settings.packages_bucket
    timestamp = int(time.time())
    checksums = load_checksums(data_dir)  # validated at start-up: no need to hash the files again
    top_hashes = {}
    for baseline in BASELINES:
        name = baseline_package_name(baseline.name)
        existing = latest_pointer(s3, bucket, name)
        if existing is not None:
            top_hashes[name] = existing
            continue
        top_hashes[name] = write_package(
            settings, data_dir, s3, name, baseline_entries(baseline, data_dir), baseline_metadata(baseline, data_dir),
            checksums, timestamp=timestamp,
        )
    return top_hashes
