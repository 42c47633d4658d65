"""Package actions and checks the package steps delegate to."""

from __future__ import annotations

import json
import re
from urllib.parse import urlparse

from quilt_e2e.domain.expectations import assert_same_names
from quilt_e2e.domain.reference import quilt_hash_from_sha256
from quilt_e2e.domain.registry import latest_top_hash, named_packages, read_manifest
from quilt_e2e.domain.world import PackageRef, World
from quilt_e2e.stack.baseline import baseline_package_name

TOP_HASH = re.compile(r"^[0-9a-f]{64}$")


def split_list(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def metadata_with(description: str | None = None, tags: str | None = None) -> dict:
    metadata: dict = {}
    if description is not None:
        metadata["description"] = description
    if tags is not None:
        metadata["tags"] = split_list(tags)
    return metadata


def assert_dataset_in_bucket(world: World, dataset: str) -> None:
    s3 = world.s3()
    for relpath in world.reference.files(dataset):
        s3.head_object(Bucket=world.settings.data_bucket, Key=world.reference.key(dataset, relpath))


def create_from_dataset(
    world: World, dataset: str, *, subdir: str = "", metadata: dict | None = None, auto_organize: bool = True
) -> PackageRef:
    """Create a run-namespaced package from a dataset through the SUT; remember it as the current package."""
    name = world.run_package_name(f"{dataset}-{len(world.calls)}")
    uris = world.reference.uris(dataset, subdir)
    world.result = world.call(
        "create_package_revision", name, uris, metadata=metadata, registry=world.registry, auto_organize=auto_organize
    )
    package = PackageRef(name, [world.result.top_hash])
    world.packages["current"] = package
    return package


def add_to_package(world: World, dataset: str, *, subdir: str = "", metadata: dict | None = None) -> None:
    package = current(world)
    uris = world.reference.uris(dataset, subdir)
    world.result = world.call("update_package_revision", package.name, uris, world.registry, metadata=metadata)
    package.revisions.append(world.result.top_hash)


def use_baseline(world: World, name: str) -> PackageRef:
    full_name = baseline_package_name(name)
    package = PackageRef(full_name, [latest_top_hash(world.s3(), world.settings.packages_bucket, full_name)])
    world.packages["current"] = package
    return package


def current(world: World) -> PackageRef:
    assert "current" in world.packages, "test defect: no package in this scenario yet"
    return world.packages["current"]


def revision_entries(world: World, top_hash: str) -> dict:
    return read_manifest(world.s3(), world.settings.packages_bucket, top_hash)[1]


def reference_key_of(world: World, physical_key: str) -> str:
    """The data-bucket key a manifest entry points to (version id dropped)."""
    parsed = urlparse(physical_key)
    if parsed.netloc != world.settings.data_bucket:
        raise AssertionError(f"entry points outside the data bucket: {physical_key}")
    return parsed.path.lstrip("/")


def assert_created(world: World) -> None:
    result = world.result
    if not result.success or not TOP_HASH.match(result.top_hash or ""):
        raise AssertionError(f"creation did not report success with a SHA-256 top hash: {result!r}")
    pointer = latest_top_hash(world.s3(), world.settings.packages_bucket, result.package_name)
    if pointer != result.top_hash:
        raise AssertionError(f"registry's latest revision is {pointer}, the SUT reported {result.top_hash}")


def assert_holds_dataset(world: World, dataset: str) -> None:
    entries = revision_entries(world, current(world).latest)
    expected = [world.reference.key(dataset, relpath) for relpath in world.reference.files(dataset)]
    assert_same_names("package files", expected, entries)


def assert_checksums_match(world: World) -> None:
    entries = revision_entries(world, current(world).latest)
    for entry in entries.values():
        key = reference_key_of(world, entry.physical_key)
        sha256 = world.reference.checksums[key]
        expected = quilt_hash_from_sha256(sha256)
        if entry.hash_type != "sha2-256-chunked" or entry.hash_value != expected:
            raise AssertionError(
                f"{entry.logical_key}: package hash {entry.hash_type}:{entry.hash_value} does not match "
                f"reference SHA-256 {sha256} (expected sha2-256-chunked:{expected})"
            )
        local_size = (world.reference.data_dir / key).stat().st_size
        if entry.size != local_size:
            raise AssertionError(f"{entry.logical_key}: size {entry.size} != reference {local_size}")


def assert_sources(world: World, top_hash: str, datasets: list[str]) -> None:
    """The revision's entries point at exactly the files of these datasets."""
    entries = revision_entries(world, top_hash)
    expected = [world.reference.key(ds, relpath) for ds in datasets for relpath in world.reference.files(ds)]
    actual = [reference_key_of(world, entry.physical_key) for entry in entries.values()]
    assert_same_names("files referenced by the revision", expected, actual)


def assert_file_count_matches(world: World) -> None:
    entries = revision_entries(world, world.result.top_hash)
    if world.result.file_count != len(entries):
        raise AssertionError(
            f"reported file_count {world.result.file_count}, but the new revision holds {len(entries)} files"
        )


def assert_metadata(world: World, expected: dict) -> None:
    package = current(world)
    metadata = world.call("get_package_metadata", package.name, world.registry)
    for key, value in expected.items():
        if metadata.get(key) != value:
            raise AssertionError(f"metadata {key!r} is {metadata.get(key)!r}, expected {value!r}")


def metadata_file(world: World, dataset: str) -> dict:
    return json.loads(world.reference.local_path(dataset, "quilt_metadata.json").read_text())


def registry_packages(world: World) -> set[str]:
    return named_packages(world.s3(), world.settings.packages_bucket)
