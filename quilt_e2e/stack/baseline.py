"""Baseline packages (spec section 4.1), pushed with quilt3 itself rather than the SUT.

They are fixtures the scenarios read; making them with the SUT would let a SUT defect hide in the setup.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from quilt_e2e.config import Settings

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


def create_baseline_packages(settings: Settings, data_dir: Path) -> dict[str, str]:
    """Push every baseline that is missing; returns package name → top hash."""
    import quilt3

    registry = settings.registry
    existing = set(quilt3.list_packages(registry))
    top_hashes = {}
    for baseline in BASELINES:
        name = baseline_package_name(baseline.name)
        if name in existing:
            top_hashes[name] = quilt3.Package.browse(name, registry=registry).top_hash
            continue
        package = quilt3.Package()
        for logical_key, key in baseline_entries(baseline, data_dir).items():
            package.set(logical_key, f"s3://{settings.data_bucket}/{key}")
        package.set_meta(baseline_metadata(baseline, data_dir))
        # selector_fn=False: reference objects stay where they are (no copy into the registry)
        pushed = package.push(name, registry=registry, message="baseline", selector_fn=lambda *_: False, force=True)
        top_hashes[name] = pushed.top_hash
    return top_hashes
